#include "dashboardwidget.h"

#include "catalogsession.h"
#include "dashboard/calibrationpanel.h"
#include "dashboard/confusionpanel.h"
#include "dashboard/modelspanel.h"
#include "dashboard/perclassaccuracypanel.h"
#include "dashboard/thresholdpanel.h"
#include "dashboard/trainingcurvespanel.h"
#include "dashboardmodels.h"
#include "displaytext.h"
#include "itemthumbnailmodel.h"
#include "plurals.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/classificationlevel.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "jobs/evaluationjob.h"
#include "jobs/jobqueue.h"

#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHash>
#include <QJsonArray>
#include <QLabel>
#include <QListView>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <utility>

namespace accession {

// What one reload reads, on the catalog thread: the active model with its validation report, and every model.
struct DashboardWidget::Snapshot
{
    std::optional<RegisteredModel> active;
    EvaluationReport report;
    QVector<RegisteredModel> models;
    bool groupLevel = false;
};

namespace {

QGroupBox *box(const QString &title, QWidget *content, QWidget *parent)
{
    auto *group = new QGroupBox(title, parent);
    auto *layout = new QVBoxLayout(group);
    layout->setContentsMargins(4, 4, 4, 4); // every pixel of width goes to the matrix's twenty columns
    layout->addWidget(content);
    return group;
}

} // namespace

DashboardWidget::DashboardWidget(CatalogSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_perClass(new PerClassMetricsModel(this))
    , m_confusion(new ConfusionMatrixModel(this))
    , m_cellItems(new ItemThumbnailModel(this))
    , m_models(new ModelListModel(this))
{
    auto *content = new QWidget;
    m_summary = new QLabel(content);
    m_summary->setTextFormat(Qt::RichText); // our markup around escaped, elided values
    m_summary->setWordWrap(true);
    m_perClassPanel = new PerClassAccuracyPanel(m_perClass, content);
    m_confusionPanel = new ConfusionPanel(m_confusion, m_cellItems, content);
    m_calibrationPanel = new CalibrationPanel(content);
    m_thresholdPanel = new ThresholdPanel(content);
    m_curvesPanel = new TrainingCurvesPanel(content);
    m_modelsPanel = new ModelsPanel(m_models, content);

    auto *grid = new QGridLayout(content);
    grid->setContentsMargins(4, 4, 4, 4);
    // The matrix and the bars get the whole width: each has a column or a bar per department.
    grid->addWidget(m_summary, 0, 0, 1, 2);
    grid->addWidget(box(tr("Confusion matrix (rows: true department, columns: predicted)"), m_confusionPanel, content), 1, 0, 1, 2);
    grid->addWidget(box(tr("Accuracy per department"), m_perClassPanel, content), 2, 0, 1, 2);
    grid->addWidget(box(tr("Calibration"), m_calibrationPanel, content), 3, 0);
    grid->addWidget(box(tr("Accuracy against coverage"), m_thresholdPanel, content), 3, 1);
    grid->addWidget(box(tr("Training"), m_curvesPanel, content), 4, 0);
    grid->addWidget(box(tr("Models"), m_modelsPanel, content), 4, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_scroll->setWidget(content);
    // Without a model the charts would be empty axes: a sentence says why and what to do instead.
    m_emptyState = new QLabel(this);
    m_emptyState->setTextFormat(Qt::PlainText);
    m_emptyState->setWordWrap(true);
    m_emptyState->setAlignment(Qt::AlignCenter);
    m_emptyState->setMargin(24);
    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_emptyState);
    m_pages->addWidget(m_scroll);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pages);

    connect(m_confusionPanel, &ConfusionPanel::evaluationWanted, this, &DashboardWidget::startItemEvaluation);
    connect(m_confusionPanel, &ConfusionPanel::itemOpened, this, &DashboardWidget::openItemRequested);
    connect(m_confusionPanel, &ConfusionPanel::cellListed, this, [this] {
        // Below the matrix, often out of view: brought into it once laid out.
        QTimer::singleShot(0, this, [this] { m_scroll->ensureWidgetVisible(m_confusionPanel->cellGrid(), 0, 8); });
    });
    connect(m_thresholdPanel, &ThresholdPanel::countsWanted, this, &DashboardWidget::countConsequences);
    connect(m_thresholdPanel, &ThresholdPanel::countsShown, this, &DashboardWidget::consequencesCounted);
    connect(m_thresholdPanel, &ThresholdPanel::applyRequested, this, &DashboardWidget::applyThreshold);
    connect(m_modelsPanel, &ModelsPanel::activationRequested, this, &DashboardWidget::activateModel);
    connect(session, &CatalogSession::opened, this, [this] {
        forgetModel();
        reload();
    });
    // Emitted while the session still holds the closing catalog: nothing is read, the panels empty at once.
    connect(session, &CatalogSession::closed, this, [this] {
        forgetModel();
        ++m_reloadGeneration;
        setCatalogOpen(false);
    });
    connect(session, &CatalogSession::modelsChanged, this, &DashboardWidget::reload);
    // What the threshold would file changes with each decision, import and relabelling.
    connect(session, &CatalogSession::itemChanged, m_thresholdPanel, &ThresholdPanel::recount);
    connect(session, &CatalogSession::itemsAdded, m_thresholdPanel, &ThresholdPanel::recount);
    connect(session, &CatalogSession::catalogChanged, m_thresholdPanel, &ThresholdPanel::recount);
    reload();
}

DashboardWidget::~DashboardWidget() = default;

void DashboardWidget::forgetModel()
{
    // Another catalog's model 1 is another model: its evaluation and the cells' items go, and so do the counts
    // still running for the old catalog (the catalog thread drops them).
    m_modelId = 0;
    m_modelPath.clear();
    forgetEvaluation();
    ++m_countGeneration;
    m_countRunning = false;
    m_countWaiting.reset();
}

void DashboardWidget::reload()
{
    const quint64 generation = ++m_reloadGeneration;
    setCatalogOpen(m_session->isOpen());
    if (!m_session->isOpen())
        return;
    if (isShowingEmptyState())
        m_emptyState->setText(tr("Reading the catalog's models…"));
    m_session->worker()->read(
        this,
        [](Catalog &catalog) {
            Snapshot snapshot;
            ModelRegistry registry(catalog);
            snapshot.models = registry.models();
            snapshot.active = registry.activeModel();
            snapshot.groupLevel = classificationLevel(catalog) == ClassificationLevel::Group;
            if (snapshot.active)
                snapshot.report = EvaluationReport::fromJson(snapshot.active->card.value(QStringLiteral("validation")).toObject());
            return snapshot;
        },
        [this, generation](const Snapshot &snapshot) {
            if (generation == m_reloadGeneration)
                showSnapshot(snapshot);
        },
        [this, generation](const QString &message) {
            if (generation != m_reloadGeneration)
                return;
            m_summary->setText(tr("The catalog's models could not be read: %1").arg(elided(message, kShownMessageChars).toHtmlEscaped()));
            m_emptyState->setText(tr("The catalog's models could not be read: %1").arg(elided(message, kShownMessageChars)));
            m_session->reportError(message);
        });
}

void DashboardWidget::setCatalogOpen(bool open)
{
    m_cellItems->setCatalogPath(open ? m_session->path() : QString());
    if (open)
        return;
    showNoModel(false);
    m_models->setModels({});
}

void DashboardWidget::showSnapshot(const Snapshot &snapshot)
{
    m_models->setModels(snapshot.models);
    if (!snapshot.active) {
        showNoModel(true);
        return;
    }
    const RegisteredModel &active = *snapshot.active;
    m_pages->setCurrentWidget(m_scroll);
    if (active.id != m_modelId || snapshot.groupLevel != m_groupLevel)
        forgetEvaluation();
    m_groupLevel = snapshot.groupLevel;
    m_modelId = active.id;
    m_modelPath = active.weightsPath;
    m_active = std::make_shared<const RegisteredModel>(active);
    // At group level the card's figures (by department) give way to the measurement by group once it is in.
    m_report = m_groupLevel && m_evaluation ? m_evaluation->report : snapshot.report;
    summarise(active);
    m_perClass->setReport(m_report);
    // Once the model has been measured, the cells count the very items they show.
    m_confusion->setReport(m_evaluation ? m_evaluation->report : m_report);
    m_confusionPanel->setDepartments(m_report.classes);
    m_calibrationPanel->setReport(m_report);
    m_thresholdPanel->setCoverageCurve(m_report.coverageCurve);
    m_thresholdPanel->setModelThreshold(active.threshold);
    m_thresholdPanel->setModelAvailable(true);
    if (!m_curvesPanel->isShowingLiveRun())
        m_curvesPanel->setHistory(active.card.value(QStringLiteral("training")).toObject().value(QStringLiteral("history")).toArray());
    if (isVisible())
        startItemEvaluation();
}

void DashboardWidget::showNoModel(bool catalogOpen)
{
    m_modelId = 0;
    m_modelPath.clear();
    m_active.reset();
    m_report = EvaluationReport();
    forgetEvaluation();
    m_summary->setText(catalogOpen ? tr("No active model yet. Train one (Model ▸ Train…) or add a model file (Model ▸ Add Model File…).")
                                   : tr("No catalog open."));
    m_emptyState->setText(!catalogOpen ? tr("No catalog open.\n\nOpen or create one from the File menu; its model's "
                                            "accuracy, calibration and training curves will show here.")
                                       : tr("No model yet, so there is nothing to chart.\n\nTrain one with Model ▸ Train or "
                                            "Retrain… (Ctrl+T) once the catalog holds labelled items in at least two "
                                            "departments; its accuracy per department, confusion matrix, calibration and "
                                            "training curves will show here."));
    m_pages->setCurrentWidget(m_emptyState);
    m_perClass->setReport(m_report);
    m_confusion->setReport(m_report);
    m_confusionPanel->setDepartments({});
    m_calibrationPanel->setReport(m_report);
    m_thresholdPanel->setCoverageCurve({});
    m_thresholdPanel->setModelAvailable(false);
    m_curvesPanel->setHistory(QJsonArray());
}

void DashboardWidget::summarise(const RegisteredModel &model)
{
    QString text = (m_groupLevel ? tr("By department group: ") : QString())
        + tr("<b>%1</b> (%2): validation accuracy %3, top-3 %4 on %5. Calibration error %6 before "
             "temperature scaling, %7 after. Auto-file threshold: confidence %8.")
                       .arg(elided(model.name).toHtmlEscaped(), elided(model.architecture).toHtmlEscaped(),
                            percentText(m_report.accuracy), percentText(m_report.top3Accuracy),
                            plural(m_report.count, tr("%1 item"), tr("%1 items")))
                       .arg(m_report.ece, 0, 'f', 3).arg(m_report.eceCalibrated, 0, 'f', 3)
                       .arg(percentText(model.threshold));
    const QJsonObject kept = model.card.value(QStringLiteral("training")).toObject().value(QStringLiteral("kept_epoch")).toObject();
    if (kept.value(QStringLiteral("epoch")).toInt() > 0) // cards from before it was recorded lack it
        text += tr(" Weights of epoch %1 (%2 phase), the best on validation.")
                    .arg(kept.value(QStringLiteral("epoch")).toInt())
                    .arg(elided(kept.value(QStringLiteral("phase")).toString()).toHtmlEscaped());
    m_summary->setText(text);
}

void DashboardWidget::forgetEvaluation()
{
    ++m_modelGeneration; // an evaluation still running measures the model that goes
    m_evaluation.reset();
    ++m_namesGeneration;
    m_confusionPanel->forgetExamples();
}

void DashboardWidget::setItemEvaluation(const EvaluationResult &result)
{
    m_evaluation = result;
    if (m_groupLevel) {
        // By group: every panel shows the measurement, whose classes are the groups.
        m_report = result.report;
        m_perClass->setReport(m_report);
        m_confusionPanel->setDepartments(m_report.classes);
        m_calibrationPanel->setReport(m_report);
        m_thresholdPanel->setCoverageCurve(m_report.coverageCurve);
        if (m_active)
            summarise(*m_active);
    }
    // The cells now count the very items they show.
    m_confusion->setReport(result.report);
    m_confusionPanel->setExamples(result.examples);
    readItemNames();
    Q_EMIT itemEvaluationReady();
}

void DashboardWidget::readItemNames()
{
    const quint64 generation = ++m_namesGeneration;
    if (!m_evaluation || !m_session->isOpen())
        return;
    QVector<qint64> itemIds;
    for (const EvaluatedExample &example : m_evaluation->examples) {
        if (example.itemId > 0)
            itemIds << example.itemId;
    }
    m_session->worker()->read(
        this,
        [itemIds](Catalog &catalog) {
            // The object's title or number says more to a curator than a file name.
            QHash<qint64, QString> names;
            for (const qint64 itemId : itemIds) {
                const std::optional<ItemRecord> item = catalog.item(itemId);
                if (!item)
                    continue;
                const QString title = item->metadata.value(QStringLiteral("title")).toString();
                const QString name = !title.isEmpty() ? title : item->externalId;
                if (!name.isEmpty())
                    names.insert(itemId, name);
            }
            return names;
        },
        [this, generation](const QHash<qint64, QString> &names) {
            if (generation == m_namesGeneration)
                m_confusionPanel->setItemNames(names);
        },
        [](const QString &) {}); // the captions keep the file names
}

void DashboardWidget::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    startItemEvaluation();
}

void DashboardWidget::startItemEvaluation()
{
    // Which items lie behind each confusion cell comes from running the model over its validation items.
    if (m_evaluation || m_modelPath.isEmpty() || !m_session->isOpen() || m_session->jobs()->isQueued(m_evaluationJob))
        return;
    if (!QFileInfo::exists(m_modelPath)) {
        m_confusionPanel->showCellMessage(tr("The model file %1 is missing, so the items behind the cells cannot be listed.")
                                              .arg(elided(m_modelPath, kShownMessageChars)));
        return;
    }
    EvaluationRequest request;
    request.source = EvaluationRequest::Source::Catalog;
    request.catalogPath = m_session->path();
    request.modelPath = m_modelPath;
    request.groupLevel = m_groupLevel;
    m_evaluatedModel = m_modelGeneration;
    m_evaluationJob = m_session->jobs()->submit(
        std::make_unique<EvaluationJob>(request), tr("Measuring the model on its validation items"), this,
        [this](EvaluationJob &job, const JobOutcome &outcome) {
            if (m_evaluatedModel != m_modelGeneration) {
                if (isVisible()) // it measured a model since replaced: measure the one shown now
                    startItemEvaluation();
            } else if (outcome.isFinished()) {
                setItemEvaluation(job.result());
            }
        });
}

void DashboardWidget::countConsequences(double threshold)
{
    if (!m_session->isOpen() || m_modelId == 0)
        return;
    if (m_countRunning) {
        // The catalog thread serves every view: the newest threshold waits for the running count, whose answer
        // is now stale, instead of queueing one count per pause of the slider.
        ++m_countGeneration;
        m_countWaiting = threshold;
        return;
    }
    m_countRunning = true;
    const quint64 generation = ++m_countGeneration;
    const qint64 modelId = m_modelId;
    m_session->worker()->read(
        this,
        [modelId, threshold](Catalog &catalog) {
            const ReviewStore store(catalog);
            return std::pair{store.autoFileCount(modelId, threshold), store.unlabelledPredictionCount(modelId)};
        },
        [this, generation, threshold](const std::pair<qint64, qint64> &counts) {
            if (generation == m_countGeneration)
                m_thresholdPanel->showCounts(threshold, counts.first, counts.second);
            countEnded();
        },
        [this, generation, threshold](const QString &message) {
            if (generation == m_countGeneration)
                m_thresholdPanel->showCountFailure(threshold, message);
            countEnded();
        });
}

void DashboardWidget::countEnded()
{
    m_countRunning = false;
    if (const std::optional<double> waiting = std::exchange(m_countWaiting, std::nullopt))
        countConsequences(*waiting);
}

void DashboardWidget::applyThreshold(double threshold)
{
    if (!m_session->isOpen() || m_modelId == 0)
        return;
    const qint64 modelId = m_modelId;
    m_session->worker()->write(
        this, [modelId, threshold](Catalog &catalog) { ModelRegistry(catalog).setThreshold(modelId, threshold); },
        [this] { m_session->notifyModelsChanged(); }, [this](const QString &message) { m_session->reportError(message); });
}

void DashboardWidget::activateModel(qint64 modelId)
{
    if (!m_session->isOpen())
        return;
    m_session->worker()->write(
        this, [modelId](Catalog &catalog) { ModelRegistry(catalog).activate(modelId); },
        [this] { m_session->notifyModelsChanged(); }, [this](const QString &message) { m_session->reportError(message); });
}

void DashboardWidget::beginLiveTraining()
{
    m_curvesPanel->beginLiveRun();
}

void DashboardWidget::appendEpoch(const EpochReport &report)
{
    m_curvesPanel->appendEpoch(report);
}

bool DashboardWidget::isShowingEmptyState() const
{
    return m_pages->currentWidget() == m_emptyState;
}

QTableView *DashboardWidget::confusionView() const
{
    return m_confusionPanel->matrixView();
}

QComboBox *DashboardWidget::normalisationBox() const
{
    return m_confusionPanel->normalisationBox();
}

QListWidget *DashboardWidget::departmentKey() const
{
    return m_confusionPanel->departmentKey();
}

QListView *DashboardWidget::cellGrid() const
{
    return m_confusionPanel->cellGrid();
}

QLabel *DashboardWidget::cellTitle() const
{
    return m_confusionPanel->cellTitle();
}

QSlider *DashboardWidget::thresholdSlider() const
{
    return m_thresholdPanel->slider();
}

QLabel *DashboardWidget::consequences() const
{
    return m_thresholdPanel->consequences();
}

QPushButton *DashboardWidget::applyThresholdButton() const
{
    return m_thresholdPanel->applyButton();
}

QTableView *DashboardWidget::modelsView() const
{
    return m_modelsPanel->view();
}

QChartView *DashboardWidget::accuracyChartView() const
{
    return m_perClassPanel->chartView();
}

} // namespace accession
