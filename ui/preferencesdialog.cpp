#include "preferencesdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace accession {

namespace {
const QString kThumbnailSizeKey = QStringLiteral("preferences/thumbnailSize");
const QString kTargetAccuracyKey = QStringLiteral("preferences/targetAccuracy");
const QString kAppearanceKey = QStringLiteral("preferences/appearance");
constexpr int kMinThumbnail = Preferences::kMinThumbnailSize;
constexpr int kMaxThumbnail = Preferences::kMaxThumbnailSize;
constexpr double kMinTarget = 0.5;
constexpr double kMaxTarget = 0.999;
}

Preferences Preferences::load()
{
    const QSettings settings;
    Preferences preferences;
    // Clamped: a hand-edited settings file must not give a zero-sized grid or an unreachable target.
    preferences.thumbnailSize = std::clamp(settings.value(kThumbnailSizeKey, kDefaultThumbnailSize).toInt(), kMinThumbnail, kMaxThumbnail);
    preferences.targetAccuracy = std::clamp(settings.value(kTargetAccuracyKey, kDefaultTargetAccuracy).toDouble(), kMinTarget, kMaxTarget);
    preferences.appearance = appearanceChoiceFromKey(settings.value(kAppearanceKey).toString());
    return preferences;
}

void Preferences::save() const
{
    QSettings settings;
    settings.setValue(kThumbnailSizeKey, thumbnailSize);
    settings.setValue(kTargetAccuracyKey, targetAccuracy);
    settings.setValue(kAppearanceKey, appearanceChoiceKey(appearance));
}

PreferencesDialog::PreferencesDialog(const Preferences &preferences, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Preferences"));
    m_thumbnailSize = new QSpinBox(this);
    m_thumbnailSize->setRange(kMinThumbnail, kMaxThumbnail);
    m_thumbnailSize->setSingleStep(16);
    m_thumbnailSize->setSuffix(tr(" px"));
    m_thumbnailSize->setValue(preferences.thumbnailSize);
    m_targetAccuracy = new QDoubleSpinBox(this);
    m_targetAccuracy->setRange(kMinTarget * 100, kMaxTarget * 100);
    m_targetAccuracy->setDecimals(1);
    m_targetAccuracy->setSuffix(tr(" %"));
    m_targetAccuracy->setValue(preferences.targetAccuracy * 100);
    auto *targetHint = new QLabel(tr("A newly trained model files an item on its own only when it is confident enough for "
                                     "the items it files to be this accurate; the rest go to the review queue."),
                                  this);
    targetHint->setWordWrap(true);
    m_appearance = new QComboBox(this);
    m_appearance->addItem(tr("As the desktop says"), int(AppearanceChoice::System));
    m_appearance->addItem(tr("Light"), int(AppearanceChoice::Light));
    m_appearance->addItem(tr("Dark"), int(AppearanceChoice::Dark));
    m_appearance->setCurrentIndex(m_appearance->findData(int(preferences.appearance)));
    if (AppearanceManager::environmentOverride())
        m_appearance->setToolTip(tr("ACCESSION_APPEARANCE is set in the environment: it decides until it is unset."));
    // Shown at once, so that the curator sees the choice before keeping it; Cancel goes back.
    connect(m_appearance, &QComboBox::currentIndexChanged, this, [this] {
        AppearanceManager::instance().apply(AppearanceChoice(m_appearance->currentData().toInt()));
    });
    connect(this, &QDialog::rejected, this, [choice = preferences.appearance] { AppearanceManager::instance().apply(choice); });

    auto *form = new QFormLayout;
    form->addRow(tr("Thumbnail size:"), m_thumbnailSize);
    form->addRow(tr("Default target accuracy:"), m_targetAccuracy);
    form->addRow(targetHint);
    form->addRow(tr("Appearance:"), m_appearance);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

Preferences PreferencesDialog::preferences() const
{
    Preferences preferences;
    preferences.thumbnailSize = m_thumbnailSize->value();
    preferences.targetAccuracy = m_targetAccuracy->value() / 100.0;
    preferences.appearance = AppearanceChoice(m_appearance->currentData().toInt());
    return preferences;
}

} // namespace accession
