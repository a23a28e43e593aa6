#include "dashboardwidget.h"

#include "appearance.h"
#include "catalogsession.h"
#include "chartaxes.h"
#include "confusionmatrixview.h"
#include "dashboardmodels.h"
#include "displaytext.h"
#include "itemthumbnailmodel.h"
#include "plurals.h"

#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "jobs/evaluationjob.h"
#include "jobs/jobqueue.h"

#include <QAbstractAxis>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QFutureWatcher>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QListView>
#include <QPushButton>
#include <QScatterSeries>
#include <QScrollArea>
#include <QSlider>
#include <QStackedWidget>
#include <QTableView>
#include <QVBarModelMapper>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent/QtConcurrentRun>

namespace accession {

namespace {

constexpr int kCellThumbnailSize = 96;
constexpr int kCellCaptionChars = 20; // a line under a thumbnail; the tooltip holds the rest
constexpr int kUprightLabelsFrom = 12; // departments, beyond which the accuracy bars' labels stand upright

QChartView *makeChartView(QChart *chart, QWidget *parent)
{
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto *view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(240);
    return view;
}

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
{
    m_summary = new QLabel(this);
    m_summary->setTextFormat(Qt::RichText); // our markup around escaped, elided values
    m_summary->setWordWrap(true);

    // Accuracy per department: a bar chart fed by the metrics model through a model mapper.
    m_perClass = new PerClassMetricsModel(this);
    auto *accuracySeries = new QBarSeries;
    auto *mapper = new QVBarModelMapper(this);
    mapper->setFirstBarSetColumn(PerClassMetricsModel::AccuracyColumn);
    mapper->setLastBarSetColumn(PerClassMetricsModel::AccuracyColumn);
    mapper->setSeries(accuracySeries);
    mapper->setModel(m_perClass);
    auto *accuracyChart = new QChart;
    accuracyChart->addSeries(accuracySeries);
    auto *departmentsAxis = new QBarCategoryAxis;
    accuracyChart->addAxis(departmentsAxis, Qt::AlignBottom);
    accuracyChart->addAxis(unitAxis(tr("accuracy")), Qt::AlignLeft);
    accuracySeries->attachAxis(departmentsAxis);
    accuracySeries->attachAxis(accuracyChart->axes(Qt::Vertical).first());
    accuracyChart->legend()->hide();
    // Full names do not fit under nine bars ("European Paintings" and "European Sculpture..." both become
    // "Europ..."): the bars carry the confusion matrix's short labels, and hovering one names its department.
    connect(m_perClass, &QAbstractItemModel::modelReset, this, [this, departmentsAxis] {
        QStringList names;
        for (int row = 0; row < m_perClass->rowCount(); ++row)
            names << m_perClass->index(row, PerClassMetricsModel::NameColumn).data().toString();
        departmentsAxis->clear();
        // Qt Charts draws category labels as rich text.
        departmentsAxis->append(richTextSafeLabels(shortDepartmentLabels(names)));
        // Many bars leave each label less width than four letters: standing upright, they show whole.
        departmentsAxis->setLabelsAngle(names.size() > kUprightLabelsFrom ? -90 : 0);
    });
    connect(accuracySeries, &QBarSeries::hovered, this, [this](bool entered, int row) {
        if (!entered) {
            QToolTip::hideText();
            return;
        }
        QToolTip::showText(QCursor::pos(),
                           plainToolTip(tr("%1: accuracy %2 on %3")
                                            .arg(elided(m_perClass->index(row, PerClassMetricsModel::NameColumn).data().toString(), kToolTipChars),
                                                 m_perClass->index(row, PerClassMetricsModel::AccuracyColumn).data(Qt::ToolTipRole).toString(),
                                                 plural(m_perClass->index(row, PerClassMetricsModel::SupportColumn).data().toInt(),
                                                        tr("%1 item"), tr("%1 items")))));
    });
    m_accuracyChart = makeChartView(accuracyChart, this);

    // Confusion matrix as a heat map with short labels and their key; a click shows the items behind the cell.
    m_confusion = new ConfusionMatrixModel(this);
    m_confusionView = new ConfusionMatrixView(this);
    m_confusionView->setModel(m_confusion);
    m_normalisation = new QComboBox(this);
    m_normalisation->addItem(tr("Counts"), int(ConfusionMatrixModel::Normalisation::None));
    m_normalisation->addItem(tr("Share of each true department (recall)"), int(ConfusionMatrixModel::Normalisation::ByRow));
    m_normalisation->addItem(tr("Share of each predicted department (precision)"), int(ConfusionMatrixModel::Normalisation::ByColumn));
    connect(m_normalisation, &QComboBox::currentIndexChanged, this, [this] {
        m_confusion->setNormalisation(ConfusionMatrixModel::Normalisation(m_normalisation->currentData().toInt()));
    });
    auto *normalisationRow = new QHBoxLayout;
    auto *normalisationLabel = new QLabel(tr("Cells show:"), this);
    normalisationLabel->setBuddy(m_normalisation);
    normalisationRow->addWidget(normalisationLabel);
    normalisationRow->addWidget(m_normalisation);
    normalisationRow->addStretch(1);
    m_key = new DepartmentKeyList(this);
    connect(m_confusion, &QAbstractItemModel::modelReset, this,
            [this] { m_key->setDepartments(m_confusion->shortLabels(), m_confusion->departments()); });
    m_cellTitle = new QLabel(tr("Click a cell to see its items."), this);
    m_cellTitle->setTextFormat(Qt::PlainText);
    m_cellTitle->setWordWrap(true);
    m_cellItems = new ItemThumbnailModel(this);
    m_cellGrid = new QListView(this);
    m_cellGrid->setModel(m_cellItems);
    m_cellGrid->setViewMode(QListView::IconMode);
    m_cellGrid->setMovement(QListView::Static);
    m_cellGrid->setResizeMode(QListView::Adjust);
    m_cellGrid->setUniformItemSizes(true);
    m_cellGrid->setWordWrap(true);
    m_cellGrid->setTextElideMode(Qt::ElideMiddle);
    m_cellGrid->setIconSize(QSize(kCellThumbnailSize, kCellThumbnailSize));
    m_cellItems->setThumbnailSize(kCellThumbnailSize);
    m_cellGrid->setGridSize(QSize(kCellThumbnailSize + 56, kCellThumbnailSize + 3 * fontMetrics().height() + 8));
    m_cellGrid->setSelectionMode(QAbstractItemView::SingleSelection);
    // Two rows of thumbnails; more scroll inside the grid.
    m_cellGrid->setFixedHeight(2 * m_cellGrid->gridSize().height() + 2 * m_cellGrid->frameWidth() + 4);
    m_cellGrid->hide();
    auto *confusionPane = new QWidget(this);
    auto *confusionLayout = new QVBoxLayout(confusionPane);
    confusionLayout->setContentsMargins(0, 0, 0, 0);
    confusionLayout->addLayout(normalisationRow);
    confusionLayout->addWidget(m_confusionView);
    confusionLayout->addWidget(m_key);
    confusionLayout->addWidget(m_cellTitle);
    confusionLayout->addWidget(m_cellGrid);
    connect(m_confusionView, &QTableView::clicked, this, &DashboardWidget::listCellItems);
    connect(m_confusionView, &QTableView::activated, this, &DashboardWidget::listCellItems); // Enter on a cell
    connect(m_cellGrid, &QListView::activated, this,
            [this](const QModelIndex &index) { Q_EMIT openItemRequested(index.data(ItemThumbnailModel::ItemIdRole).toLongLong()); });

    // Calibration: reliability before and after temperature scaling.
    m_reliability = new QLineSeries;
    m_reliability->setName(tr("after temperature scaling"));
    m_reliability->setPointsVisible(true);
    m_reliabilityRaw = new QLineSeries;
    m_reliabilityRaw->setName(tr("before"));
    // Broad and pale beneath the calibrated line, so that it still shows where the two coincide (a temperature
    // near 1).
    QPen rawPen(QColor(0x7c, 0xb3, 0x42, 150), 7);
    rawPen.setCapStyle(Qt::RoundCap);
    rawPen.setJoinStyle(Qt::RoundJoin);
    m_reliabilityRaw->setPen(rawPen);
    m_reliability->setPen(QPen(QColor(0xe6, 0x7e, 0x22), 2));
    auto *diagonal = new QLineSeries;
    diagonal->setName(tr("perfect"));
    diagonal->append(0, 0);
    diagonal->append(1, 1);
    diagonal->setPen(QPen(Qt::gray, 1, Qt::DashLine));
    auto *reliabilityChart = new QChart;
    auto *confidenceAxis = unitAxis(tr("confidence"));
    auto *hitAxis = unitAxis(tr("accuracy"));
    reliabilityChart->addAxis(confidenceAxis, Qt::AlignBottom);
    reliabilityChart->addAxis(hitAxis, Qt::AlignLeft);
    for (QLineSeries *series : {diagonal, m_reliabilityRaw, m_reliability}) {
        reliabilityChart->addSeries(series);
        series->attachAxis(confidenceAxis);
        series->attachAxis(hitAxis);
    }
    m_reliabilityChart = makeChartView(reliabilityChart, this);

    // Accuracy against coverage, the threshold marked, and the control that moves it.
    m_coverage = new QLineSeries;
    m_coverage->setName(tr("accept the most confident first"));
    m_thresholdMarker = new QScatterSeries;
    m_thresholdMarker->setName(tr("threshold"));
    m_thresholdMarker->setMarkerSize(12);
    auto *coverageChart = new QChart;
    auto *coverageAxis = unitAxis(tr("share of items auto-filed"));
    auto *accuracyAxis = unitAxis(tr("accuracy of those"));
    coverageChart->addAxis(coverageAxis, Qt::AlignBottom);
    coverageChart->addAxis(accuracyAxis, Qt::AlignLeft);
    for (QXYSeries *series : {static_cast<QXYSeries *>(m_coverage), static_cast<QXYSeries *>(m_thresholdMarker)}) {
        coverageChart->addSeries(series);
        series->attachAxis(coverageAxis);
        series->attachAxis(accuracyAxis);
    }
    m_coverageChart = makeChartView(coverageChart, this);
    m_threshold = new QSlider(Qt::Horizontal, this);
    m_threshold->setRange(0, 1000);
    m_consequences = new QLabel(this);
    m_consequences->setTextFormat(Qt::PlainText);
    m_consequences->setWordWrap(true);
    m_apply = new QPushButton(tr("Apply threshold"), this);
    auto *thresholdPane = new QWidget(this);
    auto *thresholdLayout = new QVBoxLayout(thresholdPane);
    thresholdLayout->setContentsMargins(0, 0, 0, 0);
    thresholdLayout->addWidget(m_coverageChart);
    thresholdLayout->addWidget(m_threshold);
    thresholdLayout->addWidget(m_consequences);
    thresholdLayout->addWidget(m_apply, 0, Qt::AlignRight);
    m_consequenceTimer = new QTimer(this);
    m_consequenceTimer->setSingleShot(true);
    m_consequenceTimer->setInterval(150);
    connect(m_consequenceTimer, &QTimer::timeout, this, &DashboardWidget::countConsequences);
    connect(m_threshold, &QSlider::valueChanged, this, &DashboardWidget::updateConsequences);
    connect(m_apply, &QPushButton::clicked, this, &DashboardWidget::applyThreshold);

    // Training curves.
    m_trainLoss = new QLineSeries;
    m_trainLoss->setName(tr("training loss"));
    m_validationLoss = new QLineSeries;
    m_validationLoss->setName(tr("validation loss"));
    m_validationAccuracy = new QLineSeries;
    m_validationAccuracy->setName(tr("validation accuracy"));
    auto *curves = new QChart;
    m_epochAxis = new QValueAxis;
    m_epochAxis->setTitleText(tr("epoch"));
    setEpochRange(m_epochAxis, 0);
    m_lossAxis = new QValueAxis;
    m_lossAxis->setTitleText(tr("loss"));
    auto *curveAccuracyAxis = unitAxis(tr("accuracy"));
    curves->addAxis(m_epochAxis, Qt::AlignBottom);
    curves->addAxis(m_lossAxis, Qt::AlignLeft);
    curves->addAxis(curveAccuracyAxis, Qt::AlignRight);
    for (QLineSeries *series : {m_trainLoss, m_validationLoss}) {
        curves->addSeries(series);
        series->attachAxis(m_epochAxis);
        series->attachAxis(m_lossAxis);
    }
    curves->addSeries(m_validationAccuracy);
    m_validationAccuracy->attachAxis(m_epochAxis);
    m_validationAccuracy->attachAxis(curveAccuracyAxis);
    m_curvesChart = makeChartView(curves, this);

    // Models side by side.
    m_models = new ModelListModel(this);
    m_modelsView = new QTableView(this);
    m_modelsView->setModel(m_models);
    m_modelsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_modelsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_modelsView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_modelsView->horizontalHeader()->setSectionResizeMode(ModelListModel::NameColumn, QHeaderView::Stretch);
    m_modelsView->verticalHeader()->hide();
    m_modelsView->setMinimumHeight(140);
    m_activate = new QPushButton(tr("Make selected model active"), this);
    auto *modelsPane = new QWidget(this);
    auto *modelsLayout = new QVBoxLayout(modelsPane);
    modelsLayout->setContentsMargins(0, 0, 0, 0);
    modelsLayout->addWidget(m_modelsView);
    modelsLayout->addWidget(m_activate, 0, Qt::AlignRight);
    connect(m_activate, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_modelsView->currentIndex();
        if (!current.isValid() || !m_session->catalog())
            return;
        try {
            ModelRegistry(*m_session->catalog()).activate(current.data(ModelListModel::ModelIdRole).toLongLong());
        } catch (const CatalogError &error) {
            m_session->reportError(QString::fromUtf8(error.what()));
        }
        m_session->notifyModelsChanged();
    });

    auto *content = new QWidget;
    auto *grid = new QGridLayout(content);
    grid->setContentsMargins(4, 4, 4, 4);
    // The matrix and the bars get the whole width: each has a column or a bar per department.
    grid->addWidget(m_summary, 0, 0, 1, 2);
    grid->addWidget(box(tr("Confusion matrix (rows: true department, columns: predicted)"), confusionPane, content), 1, 0, 1, 2);
    grid->addWidget(box(tr("Accuracy per department"), m_accuracyChart, content), 2, 0, 1, 2);
    grid->addWidget(box(tr("Calibration"), m_reliabilityChart, content), 3, 0);
    grid->addWidget(box(tr("Accuracy against coverage"), thresholdPane, content), 3, 1);
    grid->addWidget(box(tr("Training"), m_curvesChart, content), 4, 0);
    grid->addWidget(box(tr("Models"), modelsPane, content), 4, 1);
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

    // Another catalog's model 1 is another model: its evaluation and cells' items go.
    const auto forgetModel = [this] {
        m_modelId = 0;
        reload();
    };
    connect(session, &CatalogSession::opened, this, forgetModel);
    connect(session, &CatalogSession::closed, this, forgetModel);
    connect(session, &CatalogSession::modelsChanged, this, &DashboardWidget::reload);
    connect(session, &CatalogSession::catalogChanged, this, &DashboardWidget::updateConsequences);
    connect(session, &CatalogSession::itemChanged, this, &DashboardWidget::updateConsequences);
    followPaletteInCharts();
    reload();
}

DashboardWidget::~DashboardWidget() = default;

QTableView *DashboardWidget::confusionView() const
{
    return m_confusionView;
}

QListWidget *DashboardWidget::departmentKey() const
{
    return m_key;
}

void DashboardWidget::setItemEvaluation(const EvaluationResult &result)
{
    m_evaluation = result;
    // The cells now count the very items they show.
    m_confusion->setReport(result.report);
    clearCellItems();
    Q_EMIT itemEvaluationReady();
}

void DashboardWidget::reload()
{
    Catalog *catalog = m_session->catalog();
    m_cellItems->setCatalogPath(catalog ? m_session->path() : QString());
    const auto active = catalog ? ModelRegistry(*catalog).activeModel() : std::nullopt;
    m_models->setModels(catalog ? ModelRegistry(*catalog).models() : QVector<RegisteredModel>());
    if (!active) {
        m_modelId = 0;
        m_modelPath.clear();
        m_report = EvaluationReport();
        m_evaluation.reset();
        clearCellItems();
        m_summary->setText(catalog ? tr("No active model yet. Train one (Model ▸ Train…) or add a model file (Model ▸ Add Model File…).")
                                   : tr("No catalog open."));
        m_emptyState->setText(!catalog ? tr("No catalog open.\n\nOpen or create one from the File menu; its model's "
                                            "accuracy, calibration and training curves will show here.")
                                       : tr("No model yet, so there is nothing to chart.\n\nTrain one with Model ▸ Train or "
                                            "Retrain… (Ctrl+T) once the catalog holds labelled items in at least two "
                                            "departments; its accuracy per department, confusion matrix, calibration and "
                                            "training curves will show here."));
        m_pages->setCurrentWidget(m_emptyState);
        m_perClass->setReport(m_report);
        m_confusion->setReport(m_report);
        fillCharts(m_report);
        fillTrainingCurves(QJsonArray());
        updateConsequences();
        return;
    }
    m_pages->setCurrentIndex(1);
    const bool sameModel = active->id == m_modelId;
    m_modelId = active->id;
    m_modelPath = active->weightsPath;
    m_report = EvaluationReport::fromJson(active->card.value(QStringLiteral("validation")).toObject());
    if (!sameModel) {
        m_evaluation.reset();
        clearCellItems();
    }
    m_summary->setText(tr("<b>%1</b> (%2): validation accuracy %3, top-3 %4 on %5. Calibration error %6 before "
                          "temperature scaling, %7 after. Auto-file threshold: confidence %8.")
                           .arg(elided(active->name).toHtmlEscaped(), elided(active->architecture).toHtmlEscaped(),
                                percentText(m_report.accuracy), percentText(m_report.top3Accuracy),
                                plural(m_report.count, tr("%1 item"), tr("%1 items")))
                           .arg(m_report.ece, 0, 'f', 3).arg(m_report.eceCalibrated, 0, 'f', 3)
                           .arg(percentText(active->threshold)));
    const QJsonObject kept = active->card.value(QStringLiteral("training")).toObject().value(QStringLiteral("kept_epoch")).toObject();
    if (kept.value(QStringLiteral("epoch")).toInt() > 0) // cards from before it was recorded lack it
        m_summary->setText(m_summary->text() + tr(" Weights of epoch %1 (%2 phase), the best on validation.")
                                                   .arg(kept.value(QStringLiteral("epoch")).toInt())
                                                   .arg(elided(kept.value(QStringLiteral("phase")).toString()).toHtmlEscaped()));
    m_perClass->setReport(m_report);
    m_confusion->setReport(m_report);
    {
        const QSignalBlocker blocker(m_threshold);
        m_threshold->setValue(int(std::lround(std::min(1.0, active->threshold) * 1000)));
    }
    fillCharts(m_report);
    if (m_liveEpochs == 0)
        fillTrainingCurves(active->card.value(QStringLiteral("training")).toObject().value(QStringLiteral("history")).toArray());
    updateConsequences();
    if (isVisible())
        startItemEvaluation();
}

void DashboardWidget::clearCellItems()
{
    m_cellItems->setEntries({});
    m_cellGrid->hide();
    m_cellTitle->setText(tr("Click a cell to see its items."));
}

bool DashboardWidget::isShowingEmptyState() const
{
    return m_pages->currentWidget() == m_emptyState;
}

void DashboardWidget::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        followPaletteInCharts();
}

void DashboardWidget::followPaletteInCharts()
{
    for (QChartView *view : {m_accuracyChart, m_reliabilityChart, m_coverageChart, m_curvesChart})
        followPalette(view->chart(), palette());
}

void DashboardWidget::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    startItemEvaluation();
    if (m_consequencesStale) {
        m_consequencesStale = false;
        countConsequences();
    }
}

void DashboardWidget::startItemEvaluation()
{
    // Which items lie behind each confusion cell comes from running the model over its validation items.
    if (m_evaluation || m_modelPath.isEmpty() || !m_session->catalog() || m_session->jobs()->isQueued(m_evaluationJob))
        return;
    if (!QFileInfo::exists(m_modelPath)) {
        m_cellTitle->setText(tr("The model file %1 is missing, so the items behind the cells cannot be listed.")
                                 .arg(elided(m_modelPath, kShownMessageChars)));
        return;
    }
    EvaluationRequest request;
    request.source = EvaluationRequest::Source::Catalog;
    request.catalogPath = m_session->path();
    request.modelPath = m_modelPath;
    m_evaluationJob = m_session->jobs()->submit(std::make_unique<EvaluationJob>(request), tr("Measuring the model on its validation items"),
                                                this, [this](EvaluationJob &job, const JobOutcome &outcome) {
                                                    if (outcome.isFinished())
                                                        setItemEvaluation(job.result());
                                                });
}

void DashboardWidget::listCellItems(const QModelIndex &cell)
{
    const QString trueClass = m_report.classes.value(cell.row());
    const QString predicted = m_report.classes.value(cell.column());
    if (!m_evaluation) {
        m_cellItems->setEntries({});
        m_cellGrid->hide();
        m_cellTitle->setText(tr("Measuring the model on its validation items…"));
        startItemEvaluation();
        connect(this, &DashboardWidget::itemEvaluationReady, this, [this, cell] { listCellItems(cell); }, Qt::SingleShotConnection);
        return;
    }
    Catalog *catalog = m_session->catalog();
    QVector<ItemThumbnailModel::Entry> entries;
    for (const EvaluatedExample &example : m_evaluation->examples) {
        if (example.trueClass != cell.row() || example.predictedClass != cell.column())
            continue;
        // The object's title or number says more to a curator than a file name.
        const auto item = catalog && example.itemId > 0 ? catalog->item(example.itemId) : std::nullopt;
        const QString title = item ? item->metadata.value(QStringLiteral("title")).toString() : QString();
        const QString name = !title.isEmpty() ? title
                             : item && !item->externalId.isEmpty() ? item->externalId
                                                                    : QFileInfo(example.path).fileName();
        ItemThumbnailModel::Entry entry;
        entry.itemId = example.itemId;
        entry.caption = QStringLiteral("%1\n%2").arg(elided(name, kCellCaptionChars), percentText(example.confidence));
        entry.toolTip = tr("%1\n%2\nconfidence %3").arg(elided(name, kToolTipChars / 3), elided(example.path, kToolTipChars / 3),
                                                          percentText(example.confidence));
        entries << entry;
    }
    m_cellItems->setEntries(entries);
    m_cellGrid->setVisible(!entries.isEmpty());
    if (!entries.isEmpty()) // below the matrix, often out of view: brought into it once laid out
        QTimer::singleShot(0, this, [this] { m_scroll->ensureWidgetVisible(m_cellGrid, 0, 8); });
    m_cellTitle->setText(entries.isEmpty()
                             ? tr("No item of %1 predicted as %2.").arg(elided(trueClass), elided(predicted))
                             : plural(int(entries.size()), tr("%1 item of %2 predicted as %3 (double-click to open):"),
                                      tr("%1 items of %2 predicted as %3 (double-click to open):"))
                                   .arg(elided(trueClass), elided(predicted)));
}

void DashboardWidget::fillCharts(const EvaluationReport &report)
{
    m_reliability->clear();
    m_reliabilityRaw->clear();
    for (const ReliabilityBin &bin : report.reliability) {
        if (bin.count > 0)
            m_reliability->append(bin.meanConfidence, bin.accuracy);
    }
    for (const ReliabilityBin &bin : report.reliabilityUncalibrated) {
        if (bin.count > 0)
            m_reliabilityRaw->append(bin.meanConfidence, bin.accuracy);
    }
    m_coverage->clear();
    for (const CoveragePoint &point : report.coverageCurve)
        m_coverage->append(point.coverage, point.accuracy);
}

void DashboardWidget::fillTrainingCurves(const QJsonArray &history)
{
    m_trainLoss->clear();
    m_validationLoss->clear();
    m_validationAccuracy->clear();
    double maxLoss = 0.5;
    int epoch = 0;
    for (const QJsonValue &value : history) {
        const QJsonObject entry = value.toObject();
        ++epoch;
        m_trainLoss->append(epoch, entry.value(QStringLiteral("train_loss")).toDouble());
        m_validationLoss->append(epoch, entry.value(QStringLiteral("validation_loss")).toDouble());
        m_validationAccuracy->append(epoch, entry.value(QStringLiteral("validation_accuracy")).toDouble());
        maxLoss = std::max({maxLoss, entry.value(QStringLiteral("train_loss")).toDouble(), entry.value(QStringLiteral("validation_loss")).toDouble()});
    }
    setEpochRange(m_epochAxis, epoch);
    m_lossAxis->setRange(0, maxLoss * 1.1);
    m_lossAxis->applyNiceNumbers(); // ticks at 0.1 or 0.2 steps, not 0.14 and 0.28
}

void DashboardWidget::beginLiveTraining()
{
    m_liveEpochs = 0;
    fillTrainingCurves(QJsonArray());
}

void DashboardWidget::appendEpoch(const EpochReport &report)
{
    ++m_liveEpochs;
    m_trainLoss->append(m_liveEpochs, report.trainLoss);
    m_validationLoss->append(m_liveEpochs, report.validationLoss);
    m_validationAccuracy->append(m_liveEpochs, report.validationAccuracy);
    setEpochRange(m_epochAxis, m_liveEpochs);
    m_lossAxis->setMax(std::max({m_lossAxis->max(), report.trainLoss * 1.1, report.validationLoss * 1.1}));
    m_lossAxis->applyNiceNumbers();
}

void DashboardWidget::updateConsequences()
{
    const double threshold = m_threshold->value() / 1000.0;
    m_apply->setEnabled(m_modelId > 0);
    if (!m_session->catalog() || m_modelId == 0) {
        ++m_consequenceGeneration; // a count still running is for another catalog or model
        m_consequences->clear();
        return;
    }
    // Expected accuracy: on validation items at or above the threshold (calibrated confidences).
    double expected = -1;
    double coverage = 0;
    for (const CoveragePoint &point : m_report.coverageCurve) {
        if (point.threshold >= threshold) {
            expected = point.accuracy;
            coverage = point.coverage;
        }
    }
    m_thresholdMarker->clear();
    if (expected >= 0)
        m_thresholdMarker->append(coverage, expected);
    m_expectedAtThreshold = expected;
    // The counts scan the catalog's predictions: a moment after the slider stops, on a worker with its own
    // connection, so that dragging never waits on the catalog.
    m_consequences->setText(tr("At a confidence of %1: counting the items it would file…").arg(percentText(threshold)));
    m_consequenceTimer->start();
}

void DashboardWidget::countConsequences()
{
    if (!m_session->catalog() || m_modelId == 0)
        return;
    if (!isVisible()) {
        // Each review decision asks again; a hidden dashboard counts once, when it is shown.
        m_consequencesStale = true;
        return;
    }
    const double threshold = m_threshold->value() / 1000.0;
    const quint64 generation = ++m_consequenceGeneration;
    const QString path = m_session->path();
    const qint64 modelId = m_modelId;
    auto *watcher = new QFutureWatcher<std::pair<qint64, qint64>>(this);
    connect(watcher, &QFutureWatcher<std::pair<qint64, qint64>>::finished, this, [this, watcher, generation, threshold] {
        watcher->deleteLater();
        if (generation != m_consequenceGeneration)
            return; // the slider, the model or the catalog moved on
        const auto [filed, classified] = watcher->result();
        if (filed < 0) {
            m_consequences->setText(tr("At a confidence of %1: the catalog could not be read.").arg(percentText(threshold)));
            return;
        }
        m_consequences->setText(tr("At a confidence of %1: %2 of %3 unlabelled classified items would be filed automatically, %4 "
                                   "would wait for review. Expected accuracy of the automatic filing: %5 (on validation items).")
                                    .arg(percentText(threshold)).arg(filed).arg(classified).arg(classified - filed)
                                    .arg(m_expectedAtThreshold >= 0 ? percentText(m_expectedAtThreshold)
                                                                    : tr("no validation item is this confident")));
        Q_EMIT consequencesCounted();
    });
    watcher->setFuture(QtConcurrent::run([path, modelId, threshold]() -> std::pair<qint64, qint64> {
        try {
            Catalog catalog(path);
            ReviewStore store(catalog);
            return {store.autoFileCount(modelId, threshold), store.unlabelledPredictionCount(modelId)};
        } catch (const std::exception &) {
            return {-1, -1};
        }
    }));
}

void DashboardWidget::applyThreshold()
{
    if (!m_session->catalog() || m_modelId == 0)
        return;
    try {
        ModelRegistry(*m_session->catalog()).setThreshold(m_modelId, m_threshold->value() / 1000.0);
    } catch (const CatalogError &error) {
        m_session->reportError(QString::fromUtf8(error.what()));
        return;
    }
    m_session->notifyModelsChanged();
}

} // namespace accession
