#include "itempanel.h"

#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "dashboardmodels.h"
#include "decisioncommand.h"
#include "displaytext.h"
#include "imageview.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "ingest/importplan.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QCursor>
#include <QEvent>
#include <QFile>
#include <QFontMetrics>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHorizontalBarSeries>
#include <QJsonObject>
#include <QLabel>
#include <QSet>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QToolTip>
#include <QUndoStack>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace accession {

namespace {

// The department's full name on each entry of the department box, which shows it elided.
constexpr int kFullNameRole = Qt::UserRole + 1;

// Qt Charts gives the axes at most this share of a chart's width; labels wider than their share are cut.
constexpr double kAxisShareOfWidth = 0.4;

QString when(const QDateTime &time)
{
    return QLocale().toString(time.toLocalTime(), QLocale::ShortFormat);
}

// The metadata an import kept (The Met's object fields, a IIIF manifest's label and metadata), as a
// few lines of rich text; a link to the object's page when there is one.
QString describeMetadata(const QJsonObject &metadata)
{
    static const QList<QPair<QString, QString>> known = {
        {QStringLiteral("title"), QObject::tr("Title")},         {QStringLiteral("objectName"), QObject::tr("Object")},
        {QStringLiteral("artistDisplayName"), QObject::tr("Artist")}, {QStringLiteral("culture"), QObject::tr("Culture")},
        {QStringLiteral("objectDate"), QObject::tr("Date")},       {QStringLiteral("medium"), QObject::tr("Medium")},
        {QStringLiteral("accessionNumber"), QObject::tr("Accession number")}, {QStringLiteral("original_path"), QObject::tr("Copied from")}};
    QStringList lines;
    for (const auto &[key, label] : known) {
        const QString value = metadata.value(key).toVariant().toString();
        if (!value.isEmpty())
            lines << QStringLiteral("%1: %2").arg(label, elided(value, kShownMessageChars).toHtmlEscaped());
    }
    // Other fields, as a collection (The Met, a IIIF manifest) named them, after the known ones (a few at most).
    // A CSV's columns that the curator mapped to no role are kept, but are the spreadsheet's bookkeeping, not what
    // the work is: never shown, whether under kUnmappedCsvColumnsKey or, from catalogs of older versions, loose.
    const bool fromCollection = metadata.contains(QStringLiteral("source")) || metadata.contains(QStringLiteral("manifest"));
    static const QSet<QString> hidden = {QStringLiteral("objectURL"), QStringLiteral("image_url"), QStringLiteral("isPublicDomain"),
                                         QStringLiteral("source"), QLatin1String(kUnmappedCsvColumnsKey)};
    int others = 0;
    for (auto it = metadata.constBegin(); fromCollection && it != metadata.constEnd() && others < 6; ++it) {
        const bool isKnown = std::any_of(known.begin(), known.end(), [&](const auto &entry) { return entry.first == it.key(); });
        const QString value = it.value().isObject() || it.value().isArray() ? QString() : it.value().toVariant().toString();
        if (isKnown || hidden.contains(it.key()) || value.isEmpty())
            continue;
        lines << QStringLiteral("%1: %2").arg(elided(it.key()).toHtmlEscaped(), elided(value, 200).toHtmlEscaped());
        ++others;
    }
    const QString link = metadata.value(QStringLiteral("objectURL")).toString();
    if ((link.startsWith(QLatin1String("http://")) || link.startsWith(QLatin1String("https://"))) && link.size() <= kShownMessageChars)
        lines << QStringLiteral("<a href=\"%1\">%2</a>").arg(link.toHtmlEscaped(), QObject::tr("Open the object's page"));
    const QString source = metadata.value(QStringLiteral("source")).toString();
    if (!source.isEmpty())
        lines << QObject::tr("From %1").arg(elided(source).toHtmlEscaped());
    return lines.join(QStringLiteral("<br>"));
}

} // namespace

ItemPanel::ItemPanel(CatalogSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
{
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::RichText); // our markup around escaped, elided values
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details = new QLabel(this);
    m_details->setTextFormat(Qt::RichText); // escaped values and a link to the object's page
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_details->setOpenExternalLinks(true);
    m_image = new ImageView(this);
    m_image->setMinimumHeight(180); // with the chart, history and buttons, the panel fits a 768 px screen

    m_bars = new QBarSet(tr("Calibrated probability (%)"));
    m_bars->setColor(QColor(0x1f, 0x5f, 0x99));
    m_series = new QHorizontalBarSeries;
    m_series->append(m_bars);
    m_series->setLabelsVisible(true);
    m_series->setLabelsFormat(QStringLiteral("@value%"));
    // Beside the bar's end, in the text colour: inside, a 5% bar would cut its own label.
    m_series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    m_bars->setLabelColor(palette().color(QPalette::WindowText));
    auto *chart = new QChart;
    chart->addSeries(m_series);
    chart->legend()->hide();
    chart->setMargins(QMargins(2, 2, 44, 2)); // room for "100.0%" beside the longest bar
    m_categories = new QBarCategoryAxis;
    // Never "...": Qt Charts measures the labels' room once, while the dock is still narrow, and keeps cutting
    // them to it; showChartLabels picks names or short labels that fit instead.
    m_categories->setTruncateLabels(false);
    m_values = new QValueAxis;
    m_values->setRange(0, 100);
    m_values->setTickCount(5);
    m_values->setLabelFormat(QStringLiteral("%.0f%%"));
    chart->addAxis(m_categories, Qt::AlignLeft);
    chart->addAxis(m_values, Qt::AlignBottom);
    m_series->attachAxis(m_categories);
    m_series->attachAxis(m_values);
    m_chartView = new QChartView(chart, this);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(150);
    m_chartView->installEventFilter(this); // new width, new choice between names and short labels
    connect(m_series, &QHorizontalBarSeries::hovered, this, [this](bool entered, int index) {
        if (!entered || index < 0 || index >= m_chartNames.size()) {
            QToolTip::hideText();
            return;
        }
        QToolTip::showText(QCursor::pos(), plainToolTip(QStringLiteral("%1: %2").arg(m_chartNames[index], percentText(m_chartProbabilities.value(index)))));
    });
    m_chartEmpty = new QLabel(this);
    m_chartEmpty->setTextFormat(Qt::PlainText);
    m_chartEmpty->setWordWrap(true);
    m_chartEmpty->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_groups = new QCheckBox(tr("Show department groups"), this);

    m_history = new QListWidget(this);
    m_history->setMinimumHeight(64);
    m_department = new QComboBox(this);
    m_department->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_department->setMinimumContentsLength(24);
    m_fileButton = new QPushButton(tr("File under"), this);
    m_acceptButton = new QPushButton(tr("Accept suggestion"), this);
    m_unfileButton = new QPushButton(tr("Send back to review"), this);
    m_conflict = new QLabel(this);
    m_conflict->setTextFormat(Qt::PlainText);
    m_conflict->setWordWrap(true);
    m_conflict->hide();

    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_department, 1);
    fileRow->addWidget(m_fileButton);
    auto *decisionRow = new QHBoxLayout;
    decisionRow->addWidget(m_acceptButton);
    decisionRow->addWidget(m_unfileButton);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_details);
    layout->addWidget(m_image, 3);
    layout->addWidget(m_chartView, 2);
    layout->addWidget(m_chartEmpty);
    layout->addWidget(m_groups);
    layout->addWidget(new QLabel(tr("History"), this));
    layout->addWidget(m_history, 1);
    layout->addWidget(m_conflict);
    layout->addLayout(fileRow);
    layout->addLayout(decisionRow);

    connect(m_fileButton, &QPushButton::clicked, this, &ItemPanel::fileUnderChosenDepartment);
    connect(m_acceptButton, &QPushButton::clicked, this, [this] {
        pushDecision(new DecisionCommand(m_session, m_itemId, DecisionCommand::Kind::Accept, 0, {}, seenDecisionId()));
    });
    connect(m_unfileButton, &QPushButton::clicked, this, [this] {
        pushDecision(new DecisionCommand(m_session, m_itemId, DecisionCommand::Kind::Unfile, 0, {}, seenDecisionId()));
    });
    // Another session changed the item since the panel read it: nothing was written, and the panel reads it again
    // (the command asks every view to).
    connect(session, &CatalogSession::decisionConflict, this, [this](qint64 itemId, const QString &message) {
        if (itemId != m_itemId)
            return;
        m_conflict->setText(tr("%1. Your change was not saved.").arg(message));
        m_conflict->show();
    });
    connect(m_groups, &QCheckBox::toggled, this, &ItemPanel::showChart); // the same probabilities, regrouped
    connect(session, &CatalogSession::itemChanged, this, [this](qint64 id) {
        if (id == m_itemId)
            refresh();
    });
    connect(session, &CatalogSession::catalogChanged, this, &ItemPanel::refresh);
    connect(session, &CatalogSession::modelsChanged, this, &ItemPanel::refresh);
    connect(session, &CatalogSession::closed, this, [this] { showItem(0); });
    showItem(0);
}

QString ItemPanel::detailsText() const
{
    return m_details->isHidden() ? QString() : m_details->text();
}

// Everything the panel shows of one item, read in one task.
struct ItemPanel::Details
{
    qint64 itemId = 0;
    std::optional<ItemRecord> item;
    ItemStatus status = ItemStatus::Unlabelled;
    QVector<Department> departments;
    bool hasActiveModel = false;
    std::optional<PredictionRecord> prediction; // the active model's
    QVector<LabelRecord> labels;
    QVector<PredictionRecord> predictions;
    QVector<Decision> decisions;
};

void ItemPanel::showItem(qint64 itemId)
{
    if (itemId != m_itemId) {
        m_itemId = itemId;
        m_shown.reset();
        m_conflict->hide();
        // Nothing of the previous item stays to be acted on while this one is read.
        for (QWidget *widget : {static_cast<QWidget *>(m_department), static_cast<QWidget *>(m_fileButton),
                                static_cast<QWidget *>(m_acceptButton), static_cast<QWidget *>(m_unfileButton)})
            widget->setEnabled(false);
        m_history->clear();
        m_details->clear();
        m_details->hide();
        m_chartView->hide();
        m_chartEmpty->hide();
        if (itemId > 0 && m_session->isOpen())
            m_title->setText(tr("Reading the item…"));
    }
    refresh();
}

void ItemPanel::refresh()
{
    const quint64 generation = ++m_generation;
    if (m_itemId <= 0 || !m_session->isOpen()) {
        m_reading = false;
        showDetails(Details{});
        return;
    }
    m_reading = true;
    m_session->worker()->read(
        this,
        [itemId = m_itemId](Catalog &catalog) {
            Details details;
            details.itemId = itemId;
            details.item = catalog.item(itemId);
            if (!details.item)
                return details;
            ReviewStore store(catalog);
            details.status = store.status(itemId);
            details.departments = catalog.departments();
            const auto active = ModelRegistry(catalog).activeModel();
            details.hasActiveModel = active.has_value();
            if (active)
                details.prediction = store.prediction(itemId, active->id);
            details.labels = catalog.labelHistory(itemId);
            details.predictions = store.predictionsForItem(itemId);
            details.decisions = store.decisions(itemId);
            return details;
        },
        [this, generation](const Details &details) {
            if (generation != m_generation)
                return; // the panel moved to another item, or read it again, meanwhile
            m_reading = false;
            showDetails(details);
            Q_EMIT itemShown(details.itemId);
        },
        [this, generation](const QString &message) {
            if (generation != m_generation)
                return;
            m_reading = false;
            m_title->setText(tr("The item could not be read: %1").arg(elided(message, kShownMessageChars).toHtmlEscaped()));
        });
}

void ItemPanel::showDetails(const Details &details)
{
    m_shown = std::make_shared<const Details>(details);
    const std::optional<ItemRecord> &item = details.item;
    if (!item || item->path != m_shownImagePath) {
        m_image->clearImage();
        m_shownImagePath.clear();
        if (item) {
            m_image->showFile(item->path);
            m_shownImagePath = item->path;
        }
    }
    m_history->clear();
    const bool enabled = item.has_value();
    for (QWidget *widget : {static_cast<QWidget *>(m_department), static_cast<QWidget *>(m_fileButton),
                            static_cast<QWidget *>(m_acceptButton), static_cast<QWidget *>(m_unfileButton)})
        widget->setEnabled(enabled);
    if (!item) {
        m_title->setText(tr("Select an item to see it here."));
        m_details->clear();
        m_details->hide();
        m_chartView->hide();
        m_chartEmpty->hide();
        showChart();
        return;
    }
    const QString metadata = describeMetadata(item->metadata);
    m_details->setText(metadata);
    m_details->setVisible(!metadata.isEmpty());

    const ItemStatus status = details.status;
    const std::optional<PredictionRecord> &prediction = details.prediction;
    m_title->setText(QStringLiteral("<b>%1</b><br>%2 × %3 px%4 · %5%6")
                         .arg(elided(QFileInfo(item->path).fileName()).toHtmlEscaped())
                         .arg(item->width).arg(item->height)
                         .arg(item->externalId.isEmpty() ? QString() : tr(" · id %1").arg(elided(item->externalId).toHtmlEscaped()))
                         .arg(CatalogItemModel::statusLabel(status))
                         .arg(item->department.isEmpty() ? QString() : QStringLiteral(" · ") + elided(item->department).toHtmlEscaped()));
    if (status == ItemStatus::AutoFiled && prediction) {
        m_title->setText(m_title->text() + QStringLiteral("<br>")
                         + tr("Filed automatically under %1 (%2)")
                               .arg(elided(prediction->predicted).toHtmlEscaped(), percentText(prediction->confidence)));
    }
    if (prediction && prediction->outOfScope && status == ItemStatus::NeedsReview)
        m_title->setText(m_title->text() + QStringLiteral("<br>") + tr("Waits for review: %1").arg(outOfScopeReason().toHtmlEscaped()));
    {
        const QSignalBlocker blocker(m_department);
        const QString previous = m_department->currentData(kFullNameRole).toString();
        m_department->clear();
        for (const Department &department : details.departments) {
            m_department->addItem(elided(department.name), department.id);
            m_department->setItemData(m_department->count() - 1, department.name, kFullNameRole);
            if (department.name.size() > kShownNameChars)
                m_department->setItemData(m_department->count() - 1, plainToolTip(department.name), Qt::ToolTipRole);
        }
        // "File under" starts on the item's department, else on the model's prediction.
        const QString preselected = !item->department.isEmpty() ? item->department : prediction ? prediction->predicted : previous;
        const int index = m_department->findData(preselected, kFullNameRole);
        if (index >= 0)
            m_department->setCurrentIndex(index);
    }

    m_acceptButton->setEnabled(prediction.has_value() && status != ItemStatus::Confirmed);
    m_unfileButton->setEnabled(status == ItemStatus::AutoFiled);
    // An empty chart says nothing: a sentence says why there are no probabilities.
    m_chartView->setVisible(prediction.has_value());
    m_chartEmpty->setVisible(!prediction);
    if (!details.hasActiveModel)
        m_chartEmpty->setText(tr("No model yet, so no prediction: train one (Model ▸ Train or Retrain…) or add a model file "
                                 "(Model ▸ Add Model File…)."));
    else if (!prediction)
        m_chartEmpty->setText(tr("The active model has not classified this item yet (Model ▸ Classify Unclassified Items)."));
    showChart();

    // History, oldest first.
    m_history->addItem(tr("%1  imported from %2").arg(when(item->importedAt), elided(item->path, kShownMessageChars)));
    for (const LabelRecord &label : details.labels) {
        QString text = tr("%1  %2 label: %3").arg(when(label.createdAt), labelSourceName(label.source), elided(label.department));
        if (label.retractedAt)
            text += tr(" (retracted %1)").arg(when(*label.retractedAt));
        m_history->addItem(text);
    }
    for (const PredictionRecord &record : details.predictions) {
        m_history->addItem(tr("%1  model %2 predicted %3 (%4)")
                               .arg(when(record.createdAt), elided(record.modelName), elided(record.predicted),
                                    percentText(record.confidence)));
    }
    for (const Decision &decision : details.decisions) {
        QString text = tr("%1  curator: %2").arg(when(decision.decidedAt), decisionActionName(decision.action));
        if (!decision.department.isEmpty())
            text += QStringLiteral(" ") + elided(decision.department);
        if (decision.undone)
            text += tr(" (undone)");
        m_history->addItem(text);
    }
}

void ItemPanel::showChart()
{
    m_bars->remove(0, m_bars->count());
    m_categories->clear();
    m_chartNames.clear();
    m_chartShortNames.clear();
    m_chartProbabilities.clear();
    const QVector<Department> departments = m_shown ? m_shown->departments : QVector<Department>();
    const bool hasGroups = std::any_of(departments.begin(), departments.end(), [](const Department &d) { return d.groupId > 0; });
    m_groups->setVisible(hasGroups);
    if (!m_shown || !m_shown->prediction)
        return;
    // The active model's calibrated probabilities, by department or by group, in percent.
    const PredictionRecord &prediction = *m_shown->prediction;
    const bool byGroups = hasGroups && m_groups->isChecked();
    QVector<QPair<QString, double>> entries;
    if (byGroups) {
        QMap<QString, double> byGroup;
        for (int c = 0; c < prediction.classes.size(); ++c) {
            QString group = prediction.classes[c];
            for (const Department &department : departments) {
                if (department.name == prediction.classes[c] && !department.groupName.isEmpty())
                    group = department.groupName;
            }
            byGroup[group] += prediction.probabilities[size_t(c)];
        }
        for (auto it = byGroup.cbegin(); it != byGroup.cend(); ++it)
            entries.push_back({it.key(), it.value()});
    } else {
        for (int c = 0; c < prediction.classes.size(); ++c)
            entries.push_back({prediction.classes[c], prediction.probabilities[size_t(c)]});
    }
    std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) { return a.second > b.second; });
    entries.resize(std::min<qsizetype>(entries.size(), 5));
    std::reverse(entries.begin(), entries.end()); // a horizontal bar chart draws bottom-up
    // Short labels as the dashboard has them, from every department (or group) the model knows.
    QStringList allNames;
    if (byGroups) {
        for (const auto &[name, probability] : entries)
            allNames << name;
    } else {
        allNames = prediction.classes;
    }
    const QStringList allShortNames = shortDepartmentLabels(allNames);
    for (const auto &[name, probability] : entries) {
        m_chartNames << name;
        m_chartShortNames << allShortNames.value(allNames.indexOf(name), name);
        m_chartProbabilities << probability;
        m_bars->append(std::round(probability * 1000) / 10);
    }
    showChartLabels();
}

void ItemPanel::showChartLabels()
{
    // Until laid out the view has no real width: the names stand, and the first resize decides.
    const QFontMetrics metrics(m_categories->labelsFont());
    const int room = int(m_chartView->width() * kAxisShareOfWidth) - 16;
    const bool namesFit = !m_chartView->isVisible()
                          || std::all_of(m_chartNames.begin(), m_chartNames.end(),
                                         [&](const QString &name) { return metrics.horizontalAdvance(elided(name)) <= room; });
    const QStringList labels = richTextSafeLabels(namesFit ? m_chartNames : m_chartShortNames); // Qt Charts draws rich text
    if (labels == m_categories->categories())
        return;
    m_categories->clear();
    m_categories->append(labels);
}

bool ItemPanel::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_chartView && (event->type() == QEvent::Resize || event->type() == QEvent::Show) && !m_chartNames.isEmpty())
        showChartLabels();
    return QWidget::eventFilter(watched, event);
}

bool ItemPanel::isShowingChart() const
{
    return !m_chartView->isHidden();
}

QStringList ItemPanel::chartCategories() const
{
    return m_categories->categories();
}

QList<qreal> ItemPanel::chartValues() const
{
    QList<qreal> values;
    for (int i = 0; i < m_bars->count(); ++i)
        values << m_bars->at(i) / 100;
    return values;
}

void ItemPanel::fileUnderChosenDepartment()
{
    if (m_itemId <= 0 || m_department->currentIndex() < 0)
        return;
    pushDecision(new DecisionCommand(m_session, m_itemId, DecisionCommand::Kind::Choose, m_department->currentData().toLongLong(),
                                     m_department->currentData(kFullNameRole).toString(), seenDecisionId()));
}

qint64 ItemPanel::seenDecisionId() const
{
    // The history the panel shows is what the curator saw; decisions come in id order, undos included.
    if (!m_shown || m_shown->itemId != m_itemId || m_shown->decisions.isEmpty())
        return 0;
    return m_shown->decisions.last().id;
}

void ItemPanel::pushDecision(DecisionCommand *command)
{
    m_conflict->hide();
    m_session->undoStack()->push(command);
}

} // namespace accession
