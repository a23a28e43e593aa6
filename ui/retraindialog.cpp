#include "retraindialog.h"

#include "appearance.h"
#include "catalogsession.h"
#include "chartaxes.h"
#include "displaytext.h"
#include "plurals.h"
#include "preferencesdialog.h"

#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "jobs/jobrunner.h"
#include "ml/classifyjob.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

namespace accession {

RetrainDialog::RetrainDialog(CatalogSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_runner(new JobRunner(this))
{
    setWindowTitle(tr("Train a Model"));
    m_architecture = new QComboBox(this);
    for (const QString &name : architectureNames())
        m_architecture->addItem(name);
    m_architecture->setCurrentText(QStringLiteral("mobilenet_v2"));
    m_weights = new QLineEdit(this);
    m_weights->setPlaceholderText(tr("none: train from scratch"));
    auto *browse = new QPushButton(tr("Choose…"), this);
    auto *weightsRow = new QHBoxLayout;
    weightsRow->addWidget(m_weights, 1);
    weightsRow->addWidget(browse);
    m_imageSize = new QSpinBox(this);
    m_imageSize->setRange(32, 512);
    m_imageSize->setSingleStep(16);
    m_imageSize->setValue(224);
    m_epochs = new QSpinBox(this);
    m_epochs->setRange(0, 500);
    m_epochs->setValue(10);
    m_importedLabels = new QCheckBox(tr("imported labels"), this);
    m_importedLabels->setChecked(true);
    m_curatorLabels = new QCheckBox(tr("curator decisions"), this);
    m_curatorLabels->setChecked(true);
    auto *labelsRow = new QHBoxLayout;
    labelsRow->addWidget(m_importedLabels);
    labelsRow->addWidget(m_curatorLabels);
    m_validationShare = new QDoubleSpinBox(this);
    m_validationShare->setRange(0.05, 0.5);
    m_validationShare->setSingleStep(0.05);
    m_validationShare->setValue(0.2);
    m_cachedFeatures = new QCheckBox(tr("Refit the head on cached features first (fast; needs pretrained weights)"), this);
    m_output = new QLineEdit(this);

    auto *form = new QFormLayout;
    form->addRow(tr("Network"), m_architecture);
    form->addRow(tr("Pretrained weights"), weightsRow);
    form->addRow(tr("Image size"), m_imageSize);
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Learn from"), labelsRow);
    form->addRow(tr("Validation share"), m_validationShare);
    form->addRow(QString(), m_cachedFeatures);
    form->addRow(tr("Save as"), m_output);

    m_progress = new QProgressBar(this);
    m_status = new QLabel(this);
    m_status->setTextFormat(Qt::PlainText); // messages carry paths and department names
    m_status->setWordWrap(true);
    m_loss = new QLineSeries;
    m_loss->setName(tr("training loss"));
    m_accuracy = new QLineSeries;
    m_accuracy->setName(tr("validation accuracy"));
    auto *chart = new QChart;
    chart->addSeries(m_loss);
    chart->addSeries(m_accuracy);
    m_epochAxis = new QValueAxis;
    m_epochAxis->setTitleText(tr("epoch"));
    setEpochRange(m_epochAxis, 0);
    m_lossAxis = new QValueAxis;
    m_lossAxis->setRange(0, 2);
    auto *accuracyAxis = unitAxis(QString());
    chart->addAxis(m_epochAxis, Qt::AlignBottom);
    chart->addAxis(m_lossAxis, Qt::AlignLeft);
    chart->addAxis(accuracyAxis, Qt::AlignRight);
    m_loss->attachAxis(m_epochAxis);
    m_loss->attachAxis(m_lossAxis);
    m_accuracy->attachAxis(m_epochAxis);
    m_accuracy->attachAxis(accuracyAxis);
    auto *chartView = new QChartView(chart, this);
    chartView->setMinimumHeight(200);
    chartView->setRenderHint(QPainter::Antialiasing);

    m_comparison = new QTableWidget(0, 4, this);
    m_comparison->setHorizontalHeaderLabels({tr("Department"), tr("Active model"), tr("New model"), tr("Change")});
    m_comparison->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_comparison->verticalHeader()->hide();
    m_comparison->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_comparison->hide();

    m_startButton = new QPushButton(tr("Start training"), this);
    m_cancelButton = new QPushButton(tr("Cancel training"), this);
    m_cancelButton->setEnabled(false);
    m_activate = new QPushButton(tr("Make the new model active"), this);
    m_activate->setEnabled(false);
    auto *closeButton = new QPushButton(tr("Close"), this);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_startButton);
    buttons->addWidget(m_cancelButton);
    buttons->addStretch(1);
    buttons->addWidget(m_activate);
    buttons->addWidget(closeButton);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(chartView, 1);
    layout->addWidget(m_comparison, 1);
    layout->addLayout(buttons);
    resize(760, 720);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Pretrained Weights"), QString(),
                                                          tr("Weights (*.safetensors *.pth *.pt);;All files (*)"));
        if (!path.isEmpty())
            m_weights->setText(path);
    });
    connect(m_weights, &QLineEdit::textChanged, this, &RetrainDialog::updateWeightsDependentControls);
    connect(m_architecture, &QComboBox::currentTextChanged, this, [this](const QString &name) {
        if (const auto architecture = architectureFromName(name))
            m_imageSize->setValue(defaultInputSize(*architecture));
        m_output->setText(QFileInfo(m_session->path()).absolutePath() + QStringLiteral("/models/%1-%2.safetensors")
                              .arg(name, QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm"))));
    });
    connect(m_startButton, &QPushButton::clicked, this, &RetrainDialog::start);
    connect(m_cancelButton, &QPushButton::clicked, this, &RetrainDialog::cancel);
    connect(m_activate, &QPushButton::clicked, this, &RetrainDialog::activateNewModel);
    connect(closeButton, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_runner, &JobRunner::jobEnded, this, &RetrainDialog::trainingEnded);
    Q_EMIT m_architecture->currentTextChanged(m_architecture->currentText());
    updateWeightsDependentControls();
}

RetrainDialog::~RetrainDialog() = default;

void RetrainDialog::updateWeightsDependentControls()
{
    const bool hasWeights = !m_weights->text().trimmed().isEmpty();
    m_cachedFeatures->setEnabled(hasWeights);
    if (!hasWeights)
        m_cachedFeatures->setChecked(false);
}

TrainingOptions RetrainDialog::options() const
{
    TrainingOptions options;
    options.catalogPath = m_session->path();
    options.architecture = architectureFromName(m_architecture->currentText()).value_or(Architecture::MobileNetV2);
    options.pretrainedWeights = m_weights->text().trimmed();
    options.imageSize = m_imageSize->value();
    options.epochs = m_epochs->value();
    options.importedLabels = m_importedLabels->isChecked();
    options.curatorLabels = m_curatorLabels->isChecked();
    options.validationFraction = m_validationShare->value();
    options.featuresCache = m_cachedFeatures->isChecked();
    options.outPath = m_output->text().trimmed();
    options.targetAccuracy = Preferences::load().targetAccuracy;
    options.resume = true;
    return options;
}

void RetrainDialog::setOptions(const TrainingOptions &options)
{
    m_architecture->setCurrentText(architectureName(options.architecture));
    m_weights->setText(options.pretrainedWeights);
    if (options.imageSize > 0)
        m_imageSize->setValue(options.imageSize);
    m_epochs->setValue(options.epochs);
    m_importedLabels->setChecked(options.importedLabels);
    m_curatorLabels->setChecked(options.curatorLabels);
    m_validationShare->setValue(options.validationFraction);
    m_cachedFeatures->setChecked(options.featuresCache);
    if (!options.outPath.isEmpty())
        m_output->setText(options.outPath);
}

bool RetrainDialog::isRunning() const
{
    return m_runner->isRunning();
}

QString RetrainDialog::statusText() const
{
    return m_status->text();
}

void RetrainDialog::start()
{
    if (m_runner->isRunning() || !m_session->catalog())
        return;
    const TrainingOptions trainingOptions = options();
    if (!trainingOptions.importedLabels && !trainingOptions.curatorLabels) {
        m_status->setText(tr("Choose which labels to learn from."));
        return;
    }
    const auto active = ModelRegistry(*m_session->catalog()).activeModel();
    m_activeModelPath = active ? active->weightsPath : QString();
    m_comparisonReady = false;
    m_comparison->hide();
    m_activate->setEnabled(false);
    m_loss->clear();
    m_accuracy->clear();
    m_epochCount = 0;
    auto job = std::make_unique<TrainingJob>(trainingOptions);
    connect(job.get(), &Job::progress, this, [this](qint64 done, qint64 total, const QString &message) {
        m_progress->setRange(0, int(std::max<qint64>(1, total)));
        m_progress->setValue(int(done));
        m_status->setText(elided(message, kShownMessageChars));
    });
    connect(job.get(), &TrainingJob::epochFinished, this, [this](const EpochReport &report) {
        ++m_epochCount;
        m_loss->append(m_epochCount, report.trainLoss);
        m_accuracy->append(m_epochCount, report.validationAccuracy);
        setEpochRange(m_epochAxis, m_epochCount);
        m_lossAxis->setMax(std::max(m_lossAxis->max(), report.trainLoss * 1.1));
        Q_EMIT epochFinished(report);
    });
    connect(job.get(), &Job::failed, this, [this](const QString &error) {
        m_status->setText(tr("Training failed: %1").arg(elided(error, kShownMessageChars)));
    });
    m_startButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_status->setText(tr("Training…"));
    m_runner->start(std::move(job));
    Q_EMIT trainingStarted();
}

void RetrainDialog::cancel()
{
    m_runner->cancel();
}

void RetrainDialog::trainingEnded(Job *job, bool succeeded)
{
    if (auto *training = qobject_cast<TrainingJob *>(job)) {
        m_startButton->setEnabled(true);
        m_cancelButton->setEnabled(false);
        if (!succeeded) {
            if (training->isCancelRequested()) {
                m_status->setText(tr("Cancelled. The last finished epoch is kept in %1; start again to continue from it.")
                                      .arg(TrainingJob::checkpointPathFor(training->options().outPath)));
            }
            return;
        }
        m_trainedModel = training->options().outPath;
        m_status->setText(tr("Trained: validation accuracy %1%. Comparing with the active model on the same validation items…")
                              .arg(training->card().validation.accuracy * 100, 0, 'f', 1));
        m_runner->start(std::make_unique<ComparisonJob>(m_session->path(), m_trainedModel, m_activeModelPath));
        return;
    }
    if (auto *comparison = qobject_cast<ComparisonJob *>(job)) {
        if (succeeded)
            showComparison(comparison->candidate(), comparison->current());
        else
            m_status->setText(tr("The comparison failed; the new model is saved as %1.").arg(m_trainedModel));
        m_activate->setEnabled(true);
    }
}

void RetrainDialog::showComparison(const EvaluationResult &candidate, const EvaluationResult &current)
{
    const bool hasCurrent = current.report.count > 0;
    QStringList departments = candidate.report.classes;
    for (const QString &name : current.report.classes) {
        if (!departments.contains(name))
            departments << name;
    }
    const auto accuracyOf = [](const EvaluationReport &report, const QString &name) -> double {
        for (const ClassMetrics &metrics : report.perClass) {
            if (metrics.name == name)
                return metrics.support > 0 ? metrics.accuracy : -1.0;
        }
        return -1.0;
    };
    const auto cell = [](double value) { return value < 0 ? QStringLiteral("—") : QStringLiteral("%1%").arg(value * 100, 0, 'f', 1); };
    m_comparison->setRowCount(0);
    const auto addRow = [&](const QString &name, double before, double after) {
        const int row = m_comparison->rowCount();
        m_comparison->insertRow(row);
        m_comparison->setItem(row, 0, new QTableWidgetItem(elided(name)));
        m_comparison->setItem(row, 1, new QTableWidgetItem(cell(before)));
        m_comparison->setItem(row, 2, new QTableWidgetItem(cell(after)));
        auto *change = new QTableWidgetItem(before >= 0 && after >= 0 ? QStringLiteral("%1%2 points").arg(after >= before ? QStringLiteral("+") : QString())
                                                                             .arg((after - before) * 100, 0, 'f', 1)
                                                                       : QString());
        if (before >= 0 && after >= 0)
            change->setForeground(readableOn(after >= before ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28), palette()));
        m_comparison->setItem(row, 3, change);
    };
    addRow(tr("All departments"), hasCurrent ? current.report.accuracy : -1.0, candidate.report.accuracy);
    for (const QString &name : departments)
        addRow(name, hasCurrent ? accuracyOf(current.report, name) : -1.0, accuracyOf(candidate.report, name));
    m_comparison->show();
    m_comparisonReady = true;
    m_status->setText(hasCurrent ? plural(candidate.report.count, tr("Both models on the same %1 validation item. Make the new model active?"), tr("Both models on the same %1 validation items. Make the new model active?"))
                                 : tr("No model is active yet: the new one measures %1% on %2 validation items.")
                                       .arg(candidate.report.accuracy * 100, 0, 'f', 1).arg(candidate.report.count));
    Q_EMIT comparisonShown();
}

void RetrainDialog::activateNewModel()
{
    if (m_trainedModel.isEmpty() || !m_session->catalog())
        return;
    try {
        const qint64 id = ClassifyJob::registerModelFile(m_session->path(), m_trainedModel);
        ModelRegistry(*m_session->catalog()).activate(id);
    } catch (const std::exception &error) {
        m_status->setText(elided(QString::fromUtf8(error.what()), kShownMessageChars));
        return;
    }
    m_status->setText(tr("The new model is active. Classify the catalog with it from the Model menu."));
    m_activate->setEnabled(false);
    m_session->notifyModelsChanged();
    Q_EMIT modelActivated(m_trainedModel);
}

} // namespace accession
