#pragma once

#include <QDialog>

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

private:
    QSpinBox *m_thumbnailSize;
    QDoubleSpinBox *m_targetAccuracy;
};

} // namespace accession
