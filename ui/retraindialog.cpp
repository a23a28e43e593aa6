#include "retraindialog.h"

#include "appearance.h"
#include "catalogsession.h"
#include "chartaxes.h"
#include "displaytext.h"
#include "plurals.h"
#include "preferencesdialog.h"

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"
#include "catalog/catalogfolders.h"
#include "catalog/catalogworker.h"
#include "catalog/modelregistry.h"
#include "catalog/weightsregistry.h"
#include "jobs/addmodeljob.h"
#include "jobs/evaluationjob.h"
#include "jobs/jobqueue.h"
#include "jobs/ratemeasurementjob.h"

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
#include <QStandardItemModel>
#include <QTimer>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace accession {

namespace {

// Where a new model goes by default: models/ beside a catalog file; for a shared catalog, this machine's folder for
// it (the server holds no files).
QString modelsFolderOf(const QString &catalogPath)
{
    try {
        const CatalogLocation location = CatalogLocation::parse(catalogPath);
        if (location.dialect == SqlDialect::PostgreSQL)
            return catalogSideFolder(location, QStringLiteral(".models"));
    } catch (const CatalogError &) {
    }
    return QFileInfo(catalogPath).absolutePath() + QStringLiteral("/models");
}

} // namespace

namespace {

QString durationText(double seconds)
{
    if (seconds < 60)
        return RetrainDialog::tr("under a minute");
    const int minutes = int(std::lround(seconds / 60.0));
    if (minutes < 90)
        return plural(minutes, RetrainDialog::tr("about %1 minute"), RetrainDialog::tr("about %1 minutes"));
    return RetrainDialog::tr("about %1 h %2 min").arg(minutes / 60).arg(minutes % 60);
}

// A change in accuracy in points, signed: "+4.2%", "−1.0%".
QString differenceText(double difference)
{
    return (difference < 0 ? QStringLiteral("\u2212") : QStringLiteral("+")) + percentText(std::abs(difference));
}

QString pointsText(double difference)
{
    return QString::number(std::abs(difference) * 100, 'f', 1);
}

} // namespace

RetrainDialog::RetrainDialog(CatalogSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_jobs(session->jobs())
    , m_probeLane(new JobQueue(this))
{
    setWindowTitle(tr("Train a Model"));
    m_preset = new QComboBox(this);
    m_preset->addItem(tr("Quick: head on cached features"), int(TrainingPreset::QuickHead));
    m_preset->addItem(tr("Best: fine-tune"), int(TrainingPreset::BestFineTune));
    m_preset->addItem(tr("From scratch"), int(TrainingPreset::FromScratch));
    m_presetNote = new QLabel(this);
    m_presetNote->setTextFormat(Qt::PlainText);
    m_presetNote->setWordWrap(true);
    m_estimate = new QLabel(this);
    m_estimate->setTextFormat(Qt::PlainText);
    m_estimate->setWordWrap(true);
    m_recommendationLabel = new QLabel(this);
    m_recommendationLabel->setTextFormat(Qt::PlainText); // department names
    m_recommendationLabel->setWordWrap(true);
    m_recommendationLabel->hide();
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
    m_epochs->setSpecialValueText(tr("none: the head on cached features only")); // the Quick preset's 0
    m_epochs->setValue(10);
    m_importedLabels = new QCheckBox(tr("imported labels"), this);
    m_importedLabels->setChecked(true);
    m_curatorLabels = new QCheckBox(tr("curator decisions"), this);
    m_curatorLabels->setChecked(true);
    auto *labelsRow = new QHBoxLayout;
    labelsRow->addWidget(m_importedLabels);
    labelsRow->addWidget(m_curatorLabels);
    m_level = new QComboBox(this);
    m_level->addItem(tr("Departments"), int(ClassificationLevel::Department));
    m_level->addItem(tr("Department groups"), int(ClassificationLevel::Group));
    m_level->setToolTip(tr("Whether the model learns each department, or each department group (an ungrouped department "
                           "counts as a group of its own)."));
    m_levelLabel = new QLabel(tr("Classes"), this);
    m_validationShare = new QDoubleSpinBox(this);
    m_validationShare->setRange(0.05, 0.5);
    m_validationShare->setSingleStep(0.05);
    m_validationShare->setValue(0.2);
    m_cachedFeatures = new QCheckBox(tr("Refit the head on cached features first (fast; needs pretrained weights)"), this);
    m_output = new QLineEdit(this);

    auto *presetForm = new QFormLayout;
    presetForm->addRow(tr("Preset"), m_preset);
    presetForm->addRow(QString(), m_presetNote);
    auto *form = new QFormLayout;
    form->addRow(tr("Network"), m_architecture);
    form->addRow(tr("Pretrained weights"), weightsRow);
    form->addRow(tr("Image size"), m_imageSize);
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Learn from"), labelsRow);
    form->addRow(m_levelLabel, m_level);
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
    m_comparison->setHorizontalHeaderLabels({tr("Department"), tr("Active model"), tr("New model"), tr("Difference")});
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
    layout->addLayout(presetForm);
    layout->addLayout(form);
    layout->addWidget(m_estimate);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(chartView, 1);
    m_chart = chartView;
    layout->addWidget(m_recommendationLabel);
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
        m_output->setText(modelsFolderOf(m_session->path()) + QStringLiteral("/%1-%2.safetensors")
                              .arg(name, QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm"))));
    });
    connect(m_startButton, &QPushButton::clicked, this, &RetrainDialog::start);
    connect(m_cancelButton, &QPushButton::clicked, this, &RetrainDialog::cancel);
    connect(m_activate, &QPushButton::clicked, this, &RetrainDialog::activateNewModel);
    connect(closeButton, &QPushButton::clicked, this, &QDialog::reject);
    Q_EMIT m_architecture->currentTextChanged(m_architecture->currentText());
    updateWeightsDependentControls();

    connect(m_preset, &QComboBox::currentIndexChanged, this, &RetrainDialog::applyPreset);
    // Until the catalog's weights and active model arrive, only training from scratch is offered, and not started.
    showPresetAvailability();
    {
        const QSignalBlocker blocker(m_preset); // the form stays as built until the read chooses the preset
        m_preset->setCurrentIndex(m_preset->findData(int(TrainingPreset::FromScratch)));
    }
    m_startButton->setEnabled(false);
    m_presetNote->setText(tr("Reading the catalog's models and weights…"));
    readCatalog(true);
    // A model activated or weights added meanwhile: what the dialog offers and compares with follows.
    connect(m_session, &CatalogSession::modelsChanged, this, [this] { readCatalog(false); });
    connect(m_epochs, &QSpinBox::valueChanged, this, &RetrainDialog::updateEstimate);
    connect(m_validationShare, &QDoubleSpinBox::valueChanged, this, &RetrainDialog::updateEstimate);
    // Until the catalog is read, nothing says it has groups.
    m_level->hide();
    m_levelLabel->hide();
    connect(m_cachedFeatures, &QCheckBox::toggled, this, &RetrainDialog::updateEstimate);
    connect(m_weights, &QLineEdit::textChanged, this, &RetrainDialog::updateEstimate);
    connect(m_imageSize, &QSpinBox::valueChanged, this, &RetrainDialog::measureRates);
    connect(m_architecture, &QComboBox::currentTextChanged, this, &RetrainDialog::measureRates);
    QTimer::singleShot(0, this, &RetrainDialog::measureRates);
}

void RetrainDialog::readCatalog(bool initialise)
{
    if (!m_session->isOpen())
        return;
    m_readingCatalog = true;
    const quint64 generation = ++m_readGeneration;
    m_session->worker()->read(
        this,
        [](Catalog &catalog) {
            CatalogFacts facts;
            for (const AddedWeights &weights : WeightsRegistry(catalog).weights()) {
                if (QFileInfo::exists(weights.path) && architectureFromName(weights.architecture))
                    facts.weights.push_back(weights);
            }
            if (const auto active = ModelRegistry(catalog).activeModel()) {
                facts.activeModelPath = active->weightsPath;
                const QJsonObject training = active->card.value(QStringLiteral("training")).toObject();
                if (training.contains(QStringLiteral("seed")))
                    facts.activeSeed = quint64(training.value(QStringLiteral("seed")).toInteger());
                facts.activeValidationFraction = training.value(QStringLiteral("validation_fraction")).toDouble();
            }
            facts.hasGroups = !departmentGroups(catalog).isEmpty();
            facts.groupLevel = classificationLevel(catalog) == ClassificationLevel::Group;
            return facts;
        },
        [this, generation, initialise](const CatalogFacts &facts) {
            if (generation != m_readGeneration)
                return;
            m_readingCatalog = false;
            m_addedWeights = facts.weights;
            // Train on the active model's split, so that the comparison measures both on items neither learnt from.
            m_activeSeed = facts.activeSeed;
            m_currentActiveModelPath = facts.activeModelPath;
            showPresetAvailability();
            m_level->setVisible(facts.hasGroups);
            m_levelLabel->setVisible(facts.hasGroups);
            if (!facts.hasGroups)
                m_level->setCurrentIndex(m_level->findData(int(ClassificationLevel::Department)));
            if (initialise) {
                if (facts.hasGroups)
                    m_level->setCurrentIndex(m_level->findData(int(facts.groupLevel ? ClassificationLevel::Group
                                                                                     : ClassificationLevel::Department)));
                const double fraction = facts.activeValidationFraction;
                if (fraction >= m_validationShare->minimum() && fraction <= m_validationShare->maximum())
                    m_validationShare->setValue(fraction);
                choosePreset(m_addedWeights.isEmpty() ? TrainingPreset::FromScratch : TrainingPreset::QuickHead);
                applyPreset(m_preset->currentIndex());
            }
            m_startButton->setEnabled(!isRunning());
            Q_EMIT catalogRead();
        },
        [this, generation](const QString &message) {
            if (generation != m_readGeneration)
                return;
            m_readingCatalog = false;
            m_status->setText(tr("The catalog could not be read: %1").arg(elided(message, kShownMessageChars)));
        });
}

void RetrainDialog::showPresetAvailability()
{
    auto *presets = qobject_cast<QStandardItemModel *>(m_preset->model());
    for (int row = 0; row < m_preset->count(); ++row) {
        const auto preset = TrainingPreset(m_preset->itemData(row).toInt());
        const bool available = isPresetAvailable(preset);
        presets->item(row)->setEnabled(available);
        presets->item(row)->setToolTip(available ? QString() : tr("Needs pretrained weights: add them with Model ▸ Add Pretrained Weights…"));
    }
}

bool RetrainDialog::isPresetAvailable(TrainingPreset preset) const
{
    return preset == TrainingPreset::FromScratch || !m_addedWeights.isEmpty();
}

void RetrainDialog::choosePreset(TrainingPreset preset)
{
    const int index = m_preset->findData(int(preset));
    if (index >= 0 && isPresetAvailable(preset))
        m_preset->setCurrentIndex(index);
}

TrainingPreset RetrainDialog::preset() const
{
    return TrainingPreset(m_preset->currentData().toInt());
}

QString RetrainDialog::presetNote() const
{
    return m_presetNote->text();
}

void RetrainDialog::applyPreset(int index)
{
    const auto chosen = TrainingPreset(m_preset->itemData(index).toInt());
    if (!isPresetAvailable(chosen)) {
        m_presetNote->setText(tr("Add pretrained weights first (Model ▸ Add Pretrained Weights…): this preset starts from them."));
        return;
    }
    // The most recent weights for the chosen network, else the most recent of any.
    const QString network = m_architecture->currentText();
    std::optional<AddedWeights> weights;
    for (const AddedWeights &candidate : m_addedWeights) {
        if (candidate.architecture == network) {
            weights = candidate;
            break;
        }
    }
    if (!weights && !m_addedWeights.isEmpty())
        weights = m_addedWeights.first();
    const Architecture architecture = weights ? architectureFromName(weights->architecture).value_or(Architecture::MobileNetV2)
                                              : Architecture::MobileNetV2;
    TrainingOptions chosenOptions = presetOptions(chosen, options(), weights ? weights->path : QString(), architecture);
    chosenOptions.outPath.clear(); // named after the network below
    setOptions(chosenOptions);
    switch (chosen) {
    case TrainingPreset::QuickHead:
        m_presetNote->setText(tr("Fits a new head on the %1 features of each image, computed once and cached: minutes, and "
                                 "refitting after corrections costs only the new images.").arg(elided(QFileInfo(weights->path).fileName())));
        break;
    case TrainingPreset::BestFineTune:
        m_presetNote->setText(tr("The head on cached %1 features, then %2 epochs fine-tuning every layer: the most accurate, "
                                 "and the slowest.").arg(elided(QFileInfo(weights->path).fileName())).arg(chosenOptions.epochs));
        break;
    case TrainingPreset::FromScratch:
        m_presetNote->setText(m_addedWeights.isEmpty()
                                  ? tr("Learns every weight from the catalog's labels alone. Add pretrained weights (Model ▸ Add "
                                       "Pretrained Weights…) for the quicker and better presets.")
                                  : tr("Learns every weight from the catalog's labels alone, without the added weights."));
        break;
    }
    updateEstimate();
}

void RetrainDialog::measureRates()
{
    if (!m_session->isOpen() || isRunning())
        return;
    const auto architecture = architectureFromName(m_architecture->currentText());
    if (!architecture)
        return;
    const QString wanted = QStringLiteral("%1@%2").arg(m_architecture->currentText()).arg(m_imageSize->value());
    if (wanted == m_measuredFor) {
        updateEstimate();
        return;
    }
    if (m_probeLane->isBusy())
        return; // measured again for the form as it stands when this one ends
    m_estimatedSeconds = 0;
    m_estimate->setText(tr("Measuring the network's speed on this machine for a time estimate…"));
    auto job = std::make_unique<RateMeasurementJob>(m_session->path(), *architecture, m_imageSize->value());
    m_probeLane->submit(std::move(job), tr("Measuring the network's speed"), this, [this](RateMeasurementJob &measurement, const JobOutcome &outcome) {
        if (outcome.isFinished()) {
            m_rates = measurement.rates();
            m_labelledItems = measurement.labelledItems();
            m_measuredFor = QStringLiteral("%1@%2").arg(architectureName(measurement.architecture())).arg(measurement.imageSize());
        } else if (outcome.isFailed()) { // cancelled: training started, and the real rate takes over
            m_measuredFor = QStringLiteral("%1@%2").arg(architectureName(measurement.architecture())).arg(measurement.imageSize());
            m_rates = MeasuredRates();
            m_estimate->setText(tr("No time estimate: measuring the network failed (%1).").arg(elided(outcome.error(), kShownMessageChars)));
        }
        // The form may have changed while measuring: measure again for what it says now, or estimate.
        QTimer::singleShot(0, this, &RetrainDialog::measureRates);
    });
}

void RetrainDialog::updateEstimate()
{
    const QString wanted = QStringLiteral("%1@%2").arg(m_architecture->currentText()).arg(m_imageSize->value());
    if (wanted != m_measuredFor) {
        measureRates();
        return;
    }
    if (m_rates.trainingImagesPerSecond <= 0)
        return; // measuring failed for this network and size; the label says why
    if (isRunning())
        return;
    const TrainingOptions planned = options();
    const int validation = int(std::lround(m_labelledItems * planned.validationFraction));
    const int training = m_labelledItems - validation;
    m_plan = estimateTraining(planned, training, validation, m_rates);
    m_estimatedSeconds = m_plan.totalSeconds();
    const bool pretrained = !planned.pretrainedWeights.isEmpty();
    const double rate = pretrained && planned.featuresCache && planned.epochs == 0 ? m_rates.inferenceImagesPerSecond
                                                                                   : m_rates.trainingImagesPerSecond;
    m_estimate->setText(tr("Estimated time: %1 (%2 training and %3 validation images; %4 images a second measured on this "
                           "machine, decoding not included).")
                            .arg(durationText(m_estimatedSeconds)).arg(training).arg(validation).arg(rate, 0, 'f', 0));
    Q_EMIT estimateReady(m_estimatedSeconds);
}

QString RetrainDialog::estimateText() const
{
    return m_estimate->text();
}

QString RetrainDialog::recommendationText() const
{
    return m_recommendationLabel->text();
}

void RetrainDialog::showRemaining(const EpochReport &report)
{
    if (m_plan.stretches.isEmpty())
        return;
    const double remaining = m_plan.remainingSecondsAfter(report.phase, report.epoch, report.seconds);
    m_estimate->setText(report.imagesPerSecond > 0
                            ? tr("Remaining: %1 (from the speed of the last epoch, %2 images a second).")
                                  .arg(durationText(remaining)).arg(report.imagesPerSecond, 0, 'f', 0)
                            : tr("Remaining: %1 (from the time of the last epoch).").arg(durationText(remaining)));
}

RetrainDialog::~RetrainDialog()
{
    // Closing the dialog stops its training, as Cancel does: the last finished epoch stays in the checkpoint.
    if (m_jobs) // gone already when the main window's session went before its dialogs
        m_jobs->cancel(m_job);
}

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
    options.groupLevel = offersGroupLevel() && ClassificationLevel(m_level->currentData().toInt()) == ClassificationLevel::Group;
    options.outPath = m_output->text().trimmed();
    options.targetAccuracy = Preferences::load().targetAccuracy;
    options.seed = m_activeSeed.value_or(options.seed);
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
    if (offersGroupLevel())
        m_level->setCurrentIndex(m_level->findData(int(options.groupLevel ? ClassificationLevel::Group : ClassificationLevel::Department)));
    if (!options.outPath.isEmpty())
        m_output->setText(options.outPath);
}

bool RetrainDialog::offersGroupLevel() const
{
    return !m_level->isHidden();
}

bool RetrainDialog::isRunning() const
{
    return m_session->jobs()->isQueued(m_job);
}

QString RetrainDialog::statusText() const
{
    return m_status->text();
}

void RetrainDialog::start()
{
    if (isRunning() || !m_session->isOpen() || m_readingCatalog)
        return;
    const TrainingOptions trainingOptions = options();
    if (!trainingOptions.importedLabels && !trainingOptions.curatorLabels) {
        m_status->setText(tr("Choose which labels to learn from."));
        return;
    }
    m_activeModelPath = m_currentActiveModelPath; // compared with, even if another is activated meanwhile
    m_comparisonReady = false;
    m_comparison->hide();
    m_recommendationLabel->hide();
    m_chart->show();
    m_probeLane->cancelAll();
    // The plan the time left is scaled from, epoch by epoch. Without a measurement yet, assumed rates (a forward
    // pass a third of a training step) and counts still give the phases' proportions; the real epochs scale them.
    {
        const bool measured = m_rates.trainingImagesPerSecond > 0 && m_labelledItems > 0;
        const MeasuredRates rates = measured ? m_rates : MeasuredRates{1.0, 3.0};
        const int labelled = measured ? m_labelledItems : 100;
        const int validation = int(std::lround(labelled * trainingOptions.validationFraction));
        m_plan = estimateTraining(trainingOptions, labelled - validation, validation, rates);
    }
    m_estimate->setText(tr("Training: the time left shows after the first epoch."));
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
        showRemaining(report);
        Q_EMIT epochFinished(report);
    });
    m_startButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_status->setText(m_session->jobs()->isBusy() ? tr("Waiting for the running job to end…") : tr("Training…"));
    m_job = m_session->jobs()->submit(std::move(job), tr("Training %1").arg(architectureName(trainingOptions.architecture)), this,
                                      [this](TrainingJob &training, const JobOutcome &outcome) { trainingEnded(training, outcome); });
    Q_EMIT trainingStarted();
}

void RetrainDialog::cancel()
{
    if (m_jobs) // gone already when the main window's session went before its dialogs
        m_jobs->cancel(m_job);
}

void RetrainDialog::trainingEnded(TrainingJob &training, const JobOutcome &outcome)
{
    m_startButton->setEnabled(true);
    m_cancelButton->setEnabled(false);
    if (outcome.isFailed()) {
        m_status->setText(tr("Training failed: %1").arg(elided(outcome.error(), kShownMessageChars)));
        return;
    }
    if (outcome.isCancelled()) {
        m_status->setText(tr("Cancelled. The last finished epoch is kept in %1; start again to continue from it.")
                              .arg(TrainingJob::checkpointPathFor(training.options().outPath)));
        return;
    }
    m_trainedModel = training.options().outPath;
    // Near-duplicates on both sides of the split would score the model on photographs of objects it trained on.
    QString took = tr("Training took %1.").arg(durationText(training.card().training.value(QStringLiteral("seconds")).toDouble()));
    const int groups = training.card().training.value(QStringLiteral("near_duplicate_groups")).toInt();
    const int moved = training.card().training.value(QStringLiteral("moved_for_near_duplicates")).toInt();
    if (moved > 0)
        took += QLatin1Char(' ') + tr("%1 of near-duplicate groups sat on both sides of the validation split and were moved to one side, "
                                      "so validation does not score photographs of objects the model trained on.")
                                       .arg(plural(moved, tr("%1 item"), tr("%1 items")));
    else if (groups > 0)
        took += QLatin1Char(' ') + tr("The split kept %1 on one side.").arg(plural(groups, tr("%1 near-duplicate group"), tr("%1 near-duplicate groups")));
    const bool groupModel = training.card().level == QLatin1String("group");
    const int classes = int(training.card().classes.size());
    took += QLatin1Char(' ') + (groupModel ? tr("The model learned %1 at group level.").arg(plural(classes, tr("%1 department group"), tr("%1 department groups")))
                                           : tr("The model learned %1 at department level.").arg(plural(classes, tr("%1 department"), tr("%1 departments"))));
    m_estimate->setText(took);
    m_status->setText(tr("Trained: validation accuracy %1%. Comparing with the active model on the same validation items…")
                          .arg(training.card().validation.accuracy * 100, 0, 'f', 1));
    m_job = m_session->jobs()->submit(std::make_unique<ComparisonJob>(m_session->path(), m_trainedModel, m_activeModelPath),
                                      tr("Comparing the new model with the active one"), this,
                                      [this](ComparisonJob &comparison, const JobOutcome &comparisonOutcome) {
                                          if (comparisonOutcome.isFinished())
                                              showComparison(comparison.candidate(), comparison.current());
                                          else
                                              m_status->setText(tr("The comparison failed; the new model is saved as %1.").arg(m_trainedModel));
                                          m_activate->setEnabled(true);
                                      });
}

void RetrainDialog::showComparison(const EvaluationResult &candidate, const EvaluationResult &current)
{
    m_candidateResult = candidate;
    m_currentResult = current;
    m_recommendation = recommendModel(candidate.report, current.report);
    const ModelRecommendation &advice = m_recommendation;
    m_comparison->setRowCount(0);
    const auto addRow = [&](const QString &name, std::optional<double> before, std::optional<double> after) {
        const int row = m_comparison->rowCount();
        m_comparison->insertRow(row);
        auto *department = new QTableWidgetItem(elided(name));
        department->setToolTip(plainToolTip(name));
        m_comparison->setItem(row, 0, department);
        m_comparison->setItem(row, 1, new QTableWidgetItem(before ? percentText(*before) : QStringLiteral("—")));
        m_comparison->setItem(row, 2, new QTableWidgetItem(after ? percentText(*after) : QStringLiteral("—")));
        auto *change = new QTableWidgetItem(before && after ? differenceText(*after - *before) : QString());
        if (before && after && *after != *before)
            change->setForeground(readableOn(*after > *before ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28), palette()));
        m_comparison->setItem(row, 3, change);
    };
    addRow(tr("All departments"), advice.hasCurrent ? std::optional<double>(current.report.accuracy) : std::nullopt,
           candidate.report.accuracy);
    for (const DepartmentDifference &department : advice.departments)
        addRow(department.name, department.current, department.candidate);
    // The curves are finished; on a 768-pixel screen the table needs their room.
    m_chart->hide();
    m_comparison->show();

    QString text;
    const QString departments = tr("better in %1, worse in %2").arg(plural(advice.betterDepartments, tr("%1 department"), tr("%1 departments")))
                                    .arg(advice.worseDepartments);
    const QString drop = advice.largestDropDepartment.isEmpty()
        ? QString()
        : tr(" (largest drop: %1 \u2212%2 points)").arg(elided(advice.largestDropDepartment), pointsText(advice.largestDrop));
    if (!advice.hasCurrent) {
        text = tr("No model is active yet: the new one measures %1 on %2 validation items. Make it active to classify with it.")
                   .arg(percentText(candidate.report.accuracy)).arg(candidate.report.count);
        m_activate->setText(tr("Make the new model active"));
    } else if (advice.switchToCandidate) {
        text = tr("Switch: the new model is %1 points better overall; %2%3. Both measured on the same %4 validation items.")
                   .arg(pointsText(advice.overallDifference), departments, drop).arg(candidate.report.count);
        m_activate->setText(tr("Switch to the new model"));
    } else {
        const QString overall = advice.overallDifference < 0
            ? tr("the new model is %1 points worse overall").arg(pointsText(advice.overallDifference))
            : tr("the new model is only %1 points better overall").arg(pointsText(advice.overallDifference));
        text = tr("Keep the current model: %1; %2%3. Both measured on the same %4 validation items.")
                   .arg(overall, departments, drop).arg(candidate.report.count);
        m_activate->setText(tr("Switch anyway"));
    }
    m_progress->setRange(0, 1);
    m_progress->setValue(1);
    m_recommendationLabel->setText(text);
    m_recommendationLabel->show();
    m_status->setText(tr("Compared on the same validation items."));
    m_comparisonReady = true;
    Q_EMIT comparisonShown();
}

void RetrainDialog::activateNewModel()
{
    if (m_trainedModel.isEmpty() || !m_session->isOpen() || isRunning())
        return;
    // Registering loads the model and hashes its file: seconds for a large one, so not on the GUI thread.
    m_activate->setEnabled(false);
    m_status->setText(tr("Checking and registering the new model…"));
    m_job = m_session->jobs()->submit(std::make_unique<AddModelJob>(m_session->path(), m_trainedModel), tr("Registering the new model"), this,
                                      [this](AddModelJob &, const JobOutcome &outcome) {
                                          if (!outcome.isFinished()) {
                                              m_status->setText(outcome.isFailed() ? elided(outcome.error(), kShownMessageChars)
                                                                                   : tr("Cancelled: the new model is not active."));
                                              m_activate->setEnabled(true);
                                              return;
                                          }
                                          m_status->setText(tr("The new model is active. Classify the catalog with it from the Model menu."));
                                          m_session->notifyModelsChanged();
                                          Q_EMIT modelActivated(m_trainedModel);
                                      });
}

} // namespace accession
