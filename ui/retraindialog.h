#pragma once

#include "catalog/weightsregistry.h"
#include "jobs/trainingjob.h"
#include "ml/evaluation.h"
#include "ml/modelcomparison.h"
#include "ml/trainingestimate.h"

#include <QDialog>
#include <QPointer>

#include <optional>

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
class JobOutcome;
class JobQueue;

// Trains a new model in the background from a preset (quick head on cached features, fine-tune, from scratch)
// with a time estimate, live progress and curves, then compares it with the active model on the same validation
// items, department by department, and recommends keeping or switching.
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

    // The presets, in the combo's order; those needing added weights are disabled without them.
    QComboBox *presetCombo() const { return m_preset; }
    void choosePreset(TrainingPreset preset);
    TrainingPreset preset() const;
    bool isPresetAvailable(TrainingPreset preset) const;
    QString presetNote() const;    // why a preset is unavailable, or what the chosen one does
    double estimatedSeconds() const { return m_estimatedSeconds; } // before Start; 0 until measured
    QString estimateText() const;
    bool recommendsSwitching() const { return m_recommendation.switchToCandidate; }
    const ModelRecommendation &recommendation() const { return m_recommendation; }
    QString recommendationText() const;
    EvaluationResult candidateResult() const { return m_candidateResult; }
    EvaluationResult currentResult() const { return m_currentResult; }
    // The added weights and the active model are read on the catalog thread when the dialog opens (catalogRead);
    // until then only training from scratch is offered, and Start waits.
    bool isReadingCatalog() const { return m_readingCatalog; }
    // Department or group level: offered only when the catalog has department groups; the catalog's level at first.
    QComboBox *levelCombo() const { return m_level; }
    bool offersGroupLevel() const;

Q_SIGNALS:
    void trainingStarted();
    void epochFinished(const accession::EpochReport &report);
    void comparisonShown();
    void estimateReady(double seconds);
    void modelActivated(const QString &path);
    void catalogRead();

private:
    // What the dialog needs of the catalog, read in one task.
    struct CatalogFacts
    {
        QVector<AddedWeights> weights; // those whose file exists
        QString activeModelPath;
        std::optional<quint64> activeSeed;
        double activeValidationFraction = 0;
        bool hasGroups = false;
        bool groupLevel = false; // the catalog's classification level
    };

    void readCatalog(bool initialise); // initialise: also choose the preset and validation share from it
    void showPresetAvailability();
    void trainingEnded(TrainingJob &training, const JobOutcome &outcome);
    void showComparison(const EvaluationResult &candidate, const EvaluationResult &current);
    void activateNewModel();
    void updateWeightsDependentControls();
    void applyPreset(int index);
    void measureRates();
    void updateEstimate();
    void showRemaining(const EpochReport &report);

    CatalogSession *m_session;
    // Training, comparison and registering write the catalog: they go to the session's queue, one after another.
    QPointer<JobQueue> m_jobs;
    quint64 m_job = 0;
    // The speed probe for the estimate writes nothing and takes seconds; waiting behind an hour's classification in
    // the session's queue would leave the form without an estimate, so it has a lane of its own.
    JobQueue *m_probeLane;
    QComboBox *m_preset;
    QLabel *m_presetNote;
    QLabel *m_estimate;
    QLabel *m_recommendationLabel;
    QVector<AddedWeights> m_addedWeights;
    std::optional<quint64> m_activeSeed; // the active model's split, so both models are compared on its held-out items
    MeasuredRates m_rates;
    int m_labelledItems = 0;
    QString m_measuredFor; // architecture and size the rates are for
    TrainingEstimate m_plan;
    double m_estimatedSeconds = 0;
    ModelRecommendation m_recommendation;
    EvaluationResult m_candidateResult;
    EvaluationResult m_currentResult;
    QComboBox *m_architecture;
    QComboBox *m_level;
    QLabel *m_levelLabel;
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
    QWidget *m_chart;
    QTableWidget *m_comparison;
    QPushButton *m_startButton;
    QPushButton *m_cancelButton;
    QPushButton *m_activate;
    QString m_trainedModel;
    QString m_activeModelPath;        // the model the trained one is compared with, as it was at Start
    QString m_currentActiveModelPath; // as last read
    bool m_readingCatalog = false;
    quint64 m_readGeneration = 0;
    bool m_comparisonReady = false;
    int m_epochCount = 0;
};

} // namespace accession
