#pragma once

#include <QColor>
#include <QObject>
#include <QPalette>
#include <QString>

#include <optional>

class QChart;
class QProcess;

namespace accession {

// The curator's choice in Preferences: follow the desktop, or always light, or always dark.
enum class AppearanceChoice { System, Light, Dark };
QString appearanceChoiceKey(AppearanceChoice choice); // "system", "light", "dark": as kept in the settings
AppearanceChoice appearanceChoiceFromKey(const QString &key);

// A colour chosen for a light background, made light enough to read on the palette's base when that is dark.
QColor readableOn(const QColor &colourForLight, const QPalette &palette);
bool isDarkPalette(const QPalette &palette);
// A chart in the palette's colours: background, titles, legend, axes and labels beside the bars.
void followPalette(QChart *chart, const QPalette &palette);

// Light or dark for the whole application, live. Qt 6.4 cannot ask the platform for its colour scheme, so
// "System" reads what a Linux desktop says, never blocking the GUI: ACCESSION_APPEARANCE=dark|light (for
// scripts; it overrides the preference too), GTK_THEME ending in ":dark", a dark platform palette, and
// `gsettings get org.gnome.desktop.interface color-scheme` run in the background. Dark is Fusion with a dark
// palette; every chart view follows the palette it gets.
class AppearanceManager : public QObject
{
    Q_OBJECT
public:
    static AppearanceManager &instance(); // one per application, created on first use
    ~AppearanceManager() override;
    void apply(AppearanceChoice choice);
    AppearanceChoice choice() const { return m_choice; }
    bool isDark() const { return m_dark; }
    // What the desktop (or ACCESSION_APPEARANCE) asks for; nullopt when it says nothing.
    std::optional<bool> systemPrefersDark() const;
    static std::optional<bool> environmentOverride();
    static QPalette darkPalette();
    static QPalette lightPalette();

Q_SIGNALS:
    void applied(bool dark);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    explicit AppearanceManager(QObject *parent);
    void askDesktop(); // gsettings, in the background
    void applyNow();

    AppearanceChoice m_choice = AppearanceChoice::System;
    bool m_dark = false;
    bool m_applied = false;
    QString m_originalStyle;
    QPalette m_originalPalette;
    std::optional<bool> m_desktopSaysDark; // from gsettings, once it answered
    QProcess *m_gsettings = nullptr;
};

} // namespace accession
