#include "appearance.h"

#include <QAbstractAxis>
#include <QAbstractBarSeries>
#include <QApplication>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QLegend>
#include <QPointer>
#include <QProcess>
#include <QStandardPaths>
#include <QStyle>
#include <QStyleFactory>
#include <QTimer>
#include <QWidget>

namespace accession {

namespace {
const QString kFusion = QStringLiteral("Fusion");
constexpr int kGsettingsTimeoutMs = 2000;
}

QString appearanceChoiceKey(AppearanceChoice choice)
{
    switch (choice) {
    case AppearanceChoice::Light: return QStringLiteral("light");
    case AppearanceChoice::Dark: return QStringLiteral("dark");
    case AppearanceChoice::System: break;
    }
    return QStringLiteral("system");
}

AppearanceChoice appearanceChoiceFromKey(const QString &key)
{
    if (key == QLatin1String("light"))
        return AppearanceChoice::Light;
    if (key == QLatin1String("dark"))
        return AppearanceChoice::Dark;
    return AppearanceChoice::System;
}

bool isDarkPalette(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor readableOn(const QColor &colourForLight, const QPalette &palette)
{
    if (palette.color(QPalette::Base).lightness() >= 128)
        return colourForLight;
    QColor colour = colourForLight.toHsl();
    colour.setHsl(colour.hslHue(), colour.hslSaturation(), std::max(colour.lightness(), 175), colour.alpha());
    return colour;
}

void followPalette(QChart *chart, const QPalette &palette)
{
    chart->setBackgroundBrush(palette.brush(QPalette::Base));
    chart->setBackgroundPen(QPen(palette.color(QPalette::Mid)));
    chart->setTitleBrush(palette.brush(QPalette::Text));
    chart->legend()->setLabelColor(palette.color(QPalette::Text));
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsColor(palette.color(QPalette::Text));
        axis->setTitleBrush(palette.brush(QPalette::Text));
        axis->setLinePenColor(palette.color(QPalette::Mid));
        axis->setGridLineColor(palette.color(QPalette::Mid));
    }
    // Labels beside a bar sit on the background: in the text colour (labels inside a bar keep theirs).
    for (QAbstractSeries *series : chart->series()) {
        auto *bars = qobject_cast<QAbstractBarSeries *>(series);
        if (!bars || bars->labelsPosition() != QAbstractBarSeries::LabelsOutsideEnd)
            continue;
        for (QBarSet *set : bars->barSets())
            set->setLabelColor(palette.color(QPalette::Text));
    }
}

AppearanceManager &AppearanceManager::instance()
{
    static QPointer<AppearanceManager> manager;
    if (!manager)
        manager = new AppearanceManager(qApp);
    return *manager;
}

AppearanceManager::AppearanceManager(QObject *parent)
    : QObject(parent)
    , m_originalStyle(QApplication::style() ? QApplication::style()->name() : kFusion)
    , m_originalPalette(QApplication::palette())
{
    qApp->installEventFilter(this);
    askDesktop();
}

AppearanceManager::~AppearanceManager()
{
    if (m_gsettings) { // a desktop that never answered: not left running behind the application
        m_gsettings->kill();
        m_gsettings->waitForFinished(1000);
    }
}

std::optional<bool> AppearanceManager::environmentOverride()
{
    const QString value = qEnvironmentVariable("ACCESSION_APPEARANCE").trimmed().toLower();
    if (value == QLatin1String("dark"))
        return true;
    if (value == QLatin1String("light"))
        return false;
    return std::nullopt;
}

std::optional<bool> AppearanceManager::systemPrefersDark() const
{
    if (const auto forced = environmentOverride())
        return forced;
    const QString gtkTheme = qEnvironmentVariable("GTK_THEME");
    if (!gtkTheme.isEmpty())
        return gtkTheme.endsWith(QLatin1String(":dark"), Qt::CaseInsensitive);
    if (isDarkPalette(m_originalPalette))
        return true;
    return m_desktopSaysDark;
}

void AppearanceManager::askDesktop()
{
    if (environmentOverride() || !qEnvironmentVariableIsEmpty("GTK_THEME"))
        return;
    const QString gsettings = QStandardPaths::findExecutable(QStringLiteral("gsettings"));
    if (gsettings.isEmpty())
        return;
    m_gsettings = new QProcess(this);
    connect(m_gsettings, &QProcess::finished, this, [this] {
        const QString scheme = QString::fromUtf8(m_gsettings->readAllStandardOutput()).trimmed();
        m_gsettings->deleteLater();
        m_gsettings = nullptr;
        if (scheme.contains(QLatin1String("prefer-dark")))
            m_desktopSaysDark = true;
        else if (scheme.contains(QLatin1String("prefer-light")) || scheme.contains(QLatin1String("default")))
            m_desktopSaysDark = false;
        if (m_applied && m_choice == AppearanceChoice::System)
            applyNow();
    });
    connect(m_gsettings, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart && m_gsettings) {
            m_gsettings->deleteLater();
            m_gsettings = nullptr;
        }
    });
    // A hung D-Bus must not keep a process around: the answer is worth two seconds at most.
    QTimer::singleShot(kGsettingsTimeoutMs, this, [this] {
        if (m_gsettings)
            m_gsettings->kill();
    });
    m_gsettings->start(gsettings, {QStringLiteral("get"), QStringLiteral("org.gnome.desktop.interface"), QStringLiteral("color-scheme")});
}

void AppearanceManager::apply(AppearanceChoice choice)
{
    m_choice = choice;
    m_applied = true;
    applyNow();
}

void AppearanceManager::applyNow()
{
    const auto forced = environmentOverride();
    bool dark = false;
    if (forced)
        dark = *forced;
    else if (m_choice == AppearanceChoice::System)
        dark = systemPrefersDark().value_or(false);
    else
        dark = m_choice == AppearanceChoice::Dark;
    // The platform's own look when it is what the curator asked for; Fusion wherever the palette is ours.
    const bool platformLook = !forced && m_choice == AppearanceChoice::System && dark == isDarkPalette(m_originalPalette);
    const QString style = platformLook ? m_originalStyle : kFusion;
    if (!QApplication::style() || QApplication::style()->name().compare(style, Qt::CaseInsensitive) != 0) {
        if (QStyle *created = QStyleFactory::create(style))
            QApplication::setStyle(created);
    }
    QApplication::setPalette(platformLook ? m_originalPalette : dark ? darkPalette() : lightPalette());
    // Qt hands a new application palette down only while its event loop runs; before exec() (a switch at start-up,
    // a test) the windows are told here. Telling them twice costs a second pass, nothing else.
    QEvent paletteChange(QEvent::ApplicationPaletteChange);
    for (QWidget *window : QApplication::topLevelWidgets())
        QCoreApplication::sendEvent(window, &paletteChange);
    m_dark = dark;
    Q_EMIT applied(dark);
}

bool AppearanceManager::eventFilter(QObject *watched, QEvent *event)
{
    // Every chart view, whichever widget made it: in the palette's colours when first shown and on each change.
    if (event->type() == QEvent::Polish || event->type() == QEvent::PaletteChange) {
        // Polished only: a chart view changes its own palette in its constructor, before it has a chart.
        auto *view = qobject_cast<QChartView *>(watched);
        if (view && (event->type() == QEvent::Polish || view->testAttribute(Qt::WA_WState_Polished)) && view->chart())
            followPalette(view->chart(), view->palette());
    }
    return QObject::eventFilter(watched, event);
}

QPalette AppearanceManager::lightPalette()
{
    QStyle *fusion = QStyleFactory::create(kFusion);
    const QPalette palette = fusion ? fusion->standardPalette() : QPalette();
    delete fusion;
    return palette;
}

QPalette AppearanceManager::darkPalette()
{
    // Greys a little warm of neutral, text at about 13:1 on the base, a blue accent readable on both.
    const QColor window(0x2d, 0x2d, 0x30);
    const QColor base(0x1f, 0x1f, 0x22);
    const QColor text(0xe6, 0xe6, 0xe6);
    const QColor disabledText(0x80, 0x80, 0x84);
    QPalette palette(window);
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::AlternateBase, QColor(0x29, 0x29, 0x2d));
    palette.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3a, 0x3f));
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9e));
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::Button, QColor(0x3a, 0x3a, 0x3f));
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::BrightText, QColor(0xff, 0x8a, 0x80));
    palette.setColor(QPalette::Light, QColor(0x55, 0x55, 0x5b));
    palette.setColor(QPalette::Midlight, QColor(0x45, 0x45, 0x4b));
    palette.setColor(QPalette::Mid, QColor(0x76, 0x76, 0x7d)); // hints are drawn in it: readable, yet quieter than text
    palette.setColor(QPalette::Dark, QColor(0x1a, 0x1a, 0x1c));
    palette.setColor(QPalette::Shadow, QColor(0x0c, 0x0c, 0x0d));
    palette.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xb5));
    palette.setColor(QPalette::HighlightedText, Qt::white);
    palette.setColor(QPalette::Link, QColor(0x7c, 0xb8, 0xff));
    palette.setColor(QPalette::LinkVisited, QColor(0xb8, 0xa2, 0xe8));
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        palette.setColor(QPalette::Disabled, role, disabledText);
    palette.setColor(QPalette::Disabled, QPalette::Base, window);
    palette.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x4a, 0x4a, 0x50));
    palette.setColor(QPalette::Disabled, QPalette::HighlightedText, disabledText);
    return palette;
}

} // namespace accession
