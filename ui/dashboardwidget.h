#pragma once

#include "ml/evaluation.h"
#include "ml/trainer.h"

#include <QWidget>

#include <optional>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineSeries;
class QListView;
class QListWidget;
class QPushButton;
class QScatterSeries;
class QScrollArea;
class QSlider;
class QTimer;
class QStackedWidget;
class QTableView;
class QValueAxis;

namespace accession {

class CatalogSession;
class ConfusionMatrixModel;
class ConfusionMatrixView;
class DepartmentKeyList;
class ItemThumbnailModel;
class ModelListModel;
class PerClassMetricsModel;

// How good the active model is: accuracy per department, the confusion matrix (click a cell for a thumbnail
// grid of its items), calibration, accuracy against coverage with the auto-file threshold and a control to move it,
// training curves (live while training), and every model of the catalog side by side.
class DashboardWidget : public QWidget
{
    Q_OBJECT
public:
    explicit DashboardWidget(CatalogSession *session, QWidget *parent = nullptr);
    ~DashboardWidget() override;

    void reload();
    // Live curves: clear them, then add each finished epoch.
    void beginLiveTraining();
    void appendEpoch(const EpochReport &report);

    QTableView *confusionView() const;
    // Counts, or shares of the row (recall) or of the column (precision).
    QComboBox *normalisationBox() const { return m_normalisation; }
    QListWidget *departmentKey() const;
    // The thumbnails of the clicked cell's items; double-click opens one.
    QListView *cellGrid() const { return m_cellGrid; }
    ItemThumbnailModel *cellItems() const { return m_cellItems; }
    QLabel *cellTitle() const { return m_cellTitle; }
    // Which validation items lie behind each cell: from the evaluation job, which showEvent starts.
    void setItemEvaluation(const EvaluationResult &result);
    QSlider *thresholdSlider() const { return m_threshold; }
    QLabel *summary() const { return m_summary; }
    // Shown instead of the charts while there is no catalog or no active model.
    QLabel *emptyStateLabel() const { return m_emptyState; }
    bool isShowingEmptyState() const;
    QLabel *consequences() const { return m_consequences; }
    QPushButton *applyThresholdButton() const { return m_apply; }
    QTableView *modelsView() const { return m_modelsView; }
    ConfusionMatrixModel *confusionModel() const { return m_confusion; }
    bool hasItemEvaluation() const { return m_evaluation.has_value(); }
    QChartView *accuracyChartView() const { return m_accuracyChart; }

Q_SIGNALS:
    void openItemRequested(qint64 itemId);
    void itemEvaluationReady();
    void consequencesCounted(); // the threshold control's counts, made off the GUI thread, are shown

protected:
    void showEvent(QShowEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void startItemEvaluation();
    void followPaletteInCharts();
    void listCellItems(const QModelIndex &cell);
    void clearCellItems();
    void updateConsequences();
    void countConsequences();
    void applyThreshold();
    void fillCharts(const EvaluationReport &report);
    void fillTrainingCurves(const QJsonArray &history);

    CatalogSession *m_session;
    qint64 m_modelId = 0;
    QString m_modelPath;
    EvaluationReport m_report;
    std::optional<EvaluationResult> m_evaluation;
    quint64 m_evaluationJob = 0; // in the session's job queue

    QStackedWidget *m_pages;
    QScrollArea *m_scroll;
    QLabel *m_emptyState;
    QLabel *m_summary;
    PerClassMetricsModel *m_perClass;
    QChartView *m_accuracyChart;
    ConfusionMatrixModel *m_confusion;
    ConfusionMatrixView *m_confusionView;
    QComboBox *m_normalisation;
    DepartmentKeyList *m_key;
    ItemThumbnailModel *m_cellItems;
    QListView *m_cellGrid;
    QLabel *m_cellTitle;
    QChartView *m_reliabilityChart;
    QLineSeries *m_reliability;
    QLineSeries *m_reliabilityRaw;
    QChartView *m_coverageChart;
    QLineSeries *m_coverage;
    QScatterSeries *m_thresholdMarker;
    QSlider *m_threshold;
    QLabel *m_consequences;
    QTimer *m_consequenceTimer;
    quint64 m_consequenceGeneration = 0;
    bool m_consequencesStale = false; // asked for while hidden
    double m_expectedAtThreshold = -1;
    QPushButton *m_apply;
    QChartView *m_curvesChart;
    QLineSeries *m_trainLoss;
    QLineSeries *m_validationLoss;
    QLineSeries *m_validationAccuracy;
    QValueAxis *m_epochAxis;
    QValueAxis *m_lossAxis;
    ModelListModel *m_models;
    QTableView *m_modelsView;
    QPushButton *m_activate;
    int m_liveEpochs = 0;
};

} // namespace accession
