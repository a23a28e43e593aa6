#pragma once

#include "appearance.h"

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace accession {

// The curator's preferences, kept in QSettings so that they outlive the session.
struct Preferences
{
    static constexpr int kDefaultThumbnailSize = 112;
    static constexpr int kMinThumbnailSize = 48;
    static constexpr int kMaxThumbnailSize = 320;
    static constexpr double kDefaultTargetAccuracy = 0.95;

    int thumbnailSize = kDefaultThumbnailSize; // grid thumbnail edge, in pixels
    double targetAccuracy = kDefaultTargetAccuracy; // what a new model's auto-file threshold aims for
    AppearanceChoice appearance = AppearanceChoice::System; // light or dark, or as the desktop says

    static Preferences load();
    void save() const;
};

// Edit ▸ Preferences…: accepting saves the preferences; the window applies them.
class PreferencesDialog : public QDialog
{
    Q_OBJECT
public:
    explicit PreferencesDialog(const Preferences &preferences, QWidget *parent = nullptr);

    Preferences preferences() const;
    QSpinBox *thumbnailSizeBox() const { return m_thumbnailSize; }
    QDoubleSpinBox *targetAccuracyBox() const { return m_targetAccuracy; }
    QComboBox *appearanceBox() const { return m_appearance; }

private:
    QSpinBox *m_thumbnailSize;
    QDoubleSpinBox *m_targetAccuracy;
    QComboBox *m_appearance;
};

} // namespace accession
