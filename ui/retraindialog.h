#pragma once

#include "ml/evaluationjob.h"
#include "ml/trainer.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QLineSeries;
class QValueAxis;

namespace accession {

class CatalogSession;
class JobRunner;

// Trains a new model in the background with live progress and curves, then compares it with the active
// model on the same validation items, department by department, and lets the curator choose.
class RetrainDialog : public QDialog
{
    Q_OBJECT
public:
    explicit RetrainDialog(CatalogSession *session, QWidget *parent = nullptr);
    ~RetrainDialog() override;

    TrainingOptions options() const;
    void setOptions(const TrainingOptions &options); // fills the form (tests and presets)
    void start();
    void cancel();
    bool isRunning() const;
    bool comparisonReady() const { return m_comparisonReady; }
    QTableWidget *comparisonTable() const { return m_comparison; }
    QPushButton *activateButton() const { return m_activate; }
    QString trainedModelPath() const { return m_trainedModel; }
    QString statusText() const;

Q_SIGNALS:
    void trainingStarted();
    void epochFinished(const accession::EpochReport &report);
    void comparisonShown();
    void modelActivated(const QString &path);

private:
    void trainingEnded(Job *job, bool succeeded);
    void showComparison(const EvaluationResult &candidate, const EvaluationResult &current);
    void activateNewModel();
    void updateWeightsDependentControls();

    CatalogSession *m_session;
    JobRunner *m_runner;
    QComboBox *m_architecture;
    QLineEdit *m_weights;
    QSpinBox *m_imageSize;
    QSpinBox *m_epochs;
    QCheckBox *m_importedLabels;
    QCheckBox *m_curatorLabels;
    QDoubleSpinBox *m_validationShare;
    QCheckBox *m_cachedFeatures;
    QLineEdit *m_output;
    QProgressBar *m_progress;
    QLabel *m_status;
    QLineSeries *m_loss;
    QLineSeries *m_accuracy;
    QValueAxis *m_epochAxis;
    QValueAxis *m_lossAxis;
    QTableWidget *m_comparison;
    QPushButton *m_startButton;
    QPushButton *m_cancelButton;
    QPushButton *m_activate;
    QString m_trainedModel;
    QString m_activeModelPath;
    bool m_comparisonReady = false;
    int m_epochCount = 0;
};

} // namespace accession
