#include "preferencesdialog.h"

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
    return preferences;
}

void Preferences::save() const
{
    QSettings settings;
    settings.setValue(kThumbnailSizeKey, thumbnailSize);
    settings.setValue(kTargetAccuracyKey, targetAccuracy);
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

    auto *form = new QFormLayout;
    form->addRow(tr("Thumbnail size:"), m_thumbnailSize);
    form->addRow(tr("Default target accuracy:"), m_targetAccuracy);
    form->addRow(targetHint);
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
    return preferences;
}

} // namespace accession
