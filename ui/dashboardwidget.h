#pragma once

#include "ml/epochreport.h"
#include "ml/evaluation.h"

#include <QWidget>

#include <memory>
#include <optional>

class QChartView;
class QComboBox;
class QLabel;
class QListView;
class QListWidget;
class QPushButton;
class QScrollArea;
class QSlider;
class QStackedWidget;
class QTableView;

namespace accession {

class CalibrationPanel;
class CatalogSession;
class ConfusionMatrixModel;
class ConfusionPanel;
class ItemThumbnailModel;
class ModelListModel;
class ModelsPanel;
class PerClassAccuracyPanel;
class PerClassMetricsModel;
class ThresholdPanel;
class TrainingCurvesPanel;
struct RegisteredModel;

// How good the active model is, in six panels (ui/dashboard/): accuracy per department, the confusion matrix
// with the items behind a cell, calibration, accuracy against coverage with the auto-file threshold, training
// curves, and every model of the catalog. This widget lays them out and feeds them: what it reads from the
// catalog and writes to it goes through the session's catalog thread, so the GUI thread never waits on SQLite.
class DashboardWidget : public QWidget
{
    Q_OBJECT
public:
    explicit DashboardWidget(CatalogSession *session, QWidget *parent = nullptr);
    ~DashboardWidget() override;

    // Reads the active model, its card and the model list on the catalog thread; returns at once, and the
    // panels fill when the read comes back.
    void reload();
    // Live curves: clear them, then add each finished epoch.
    void beginLiveTraining();
    void appendEpoch(const EpochReport &report);
    // Which validation items lie behind each cell: from the evaluation job, which showEvent starts.
    void setItemEvaluation(const EvaluationResult &result);
    bool hasItemEvaluation() const { return m_evaluation.has_value(); }
    // Whether the panels measure by department group (the catalog's classification level): the per-class figures
    // and the confusion matrix then come from the evaluation at group level, not from the model's card.
    bool isAtGroupLevel() const { return m_groupLevel; }
    const EvaluationReport &shownReport() const { return m_report; }

    PerClassAccuracyPanel *perClassAccuracyPanel() const { return m_perClassPanel; }
    ConfusionPanel *confusionPanel() const { return m_confusionPanel; }
    CalibrationPanel *calibrationPanel() const { return m_calibrationPanel; }
    ThresholdPanel *thresholdPanel() const { return m_thresholdPanel; }
    TrainingCurvesPanel *trainingCurvesPanel() const { return m_curvesPanel; }
    ModelsPanel *modelsPanel() const { return m_modelsPanel; }

    QLabel *summary() const { return m_summary; }
    // Shown instead of the charts while there is no catalog or no active model.
    QLabel *emptyStateLabel() const { return m_emptyState; }
    bool isShowingEmptyState() const;
    QTableView *confusionView() const;
    QComboBox *normalisationBox() const;
    QListWidget *departmentKey() const;
    // The thumbnails of the clicked cell's items; double-click opens one.
    QListView *cellGrid() const;
    ItemThumbnailModel *cellItems() const { return m_cellItems; }
    QLabel *cellTitle() const;
    ConfusionMatrixModel *confusionModel() const { return m_confusion; }
    QSlider *thresholdSlider() const;
    QLabel *consequences() const;
    QPushButton *applyThresholdButton() const;
    QTableView *modelsView() const;
    QChartView *accuracyChartView() const;

Q_SIGNALS:
    void openItemRequested(qint64 itemId);
    void itemEvaluationReady();
    void consequencesCounted(); // the threshold control's counts, made on the catalog thread, are shown

protected:
    void showEvent(QShowEvent *event) override;

private:
    struct Snapshot;
    void setCatalogOpen(bool open); // the thumbnails' catalog; without one, the empty panels
    void showSnapshot(const Snapshot &snapshot);
    void showNoModel(bool catalogOpen);
    void summarise(const RegisteredModel &model);
    void forgetModel();
    void forgetEvaluation();
    void startItemEvaluation();
    void readItemNames();
    void countConsequences(double threshold);
    void countEnded();
    void applyThreshold(double threshold);
    void activateModel(qint64 modelId);

    CatalogSession *m_session;
    quint64 m_evaluationJob = 0; // in the session's job queue

    PerClassMetricsModel *m_perClass;
    ConfusionMatrixModel *m_confusion;
    ItemThumbnailModel *m_cellItems;
    ModelListModel *m_models;

    QStackedWidget *m_pages;
    QLabel *m_emptyState;
    QScrollArea *m_scroll;
    QLabel *m_summary;
    PerClassAccuracyPanel *m_perClassPanel;
    ConfusionPanel *m_confusionPanel;
    CalibrationPanel *m_calibrationPanel;
    ThresholdPanel *m_thresholdPanel;
    TrainingCurvesPanel *m_curvesPanel;
    ModelsPanel *m_modelsPanel;

    qint64 m_modelId = 0;
    QString m_modelPath;
    EvaluationReport m_report;
    std::shared_ptr<const RegisteredModel> m_active; // for the summary when the measurement by group arrives
    bool m_groupLevel = false;
    std::optional<EvaluationResult> m_evaluation;
    quint64 m_modelGeneration = 0; // the model shown: bumped when another model (or catalog) replaces it
    quint64 m_evaluatedModel = 0;  // the one the running evaluation measures
    // Results of reads posted before the latest of their kind are dropped.
    quint64 m_reloadGeneration = 0;
    quint64 m_namesGeneration = 0;
    quint64 m_countGeneration = 0;
    bool m_countRunning = false; // one count at a time on the shared catalog thread
    std::optional<double> m_countWaiting; // the threshold to count once the running count ends
};

} // namespace accession
