#include "checklabelswidget.h"

#include "catalogsession.h"
#include "decisioncommand.h"
#include "displaytext.h"
#include "imageview.h"
#include "labelissuesmodel.h"
#include "plurals.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/itemquery.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "catalog/weightsregistry.h"
#include "jobs/labelissuesjob.h"

#include <QAction>
#include <QComboBox>
#include <QCoreApplication>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QUndoStack>
#include <QVBoxLayout>

namespace accession {

namespace {
constexpr int kThumbnailSide = 56;
constexpr int kDefaultFolds = 5;
constexpr int kButtonDepartmentChars = 22;
}

// A decision of the list on the undo stack: the curator label is written (and retracted) as any review decision
// is, and the list's row follows, so that an undo brings the item back to decide again.
class CheckLabelsWidget::DecisionOnIssue : public DecisionCommand
{
public:
    DecisionOnIssue(CatalogSession *session, CheckLabelsWidget *list, quint64 generation, const LabelIssue &issue, bool takeSuggestion)
        : DecisionCommand(session, issue.itemId, Kind::Choose, takeSuggestion ? issue.suggestedDepartmentId : issue.givenDepartmentId,
                          takeSuggestion ? issue.suggested : issue.given, issue.latestDecisionId)
        , m_list(list)
        , m_generation(generation)
        , m_decision(int(takeSuggestion ? LabelIssuesModel::Decision::Relabelled : LabelIssuesModel::Decision::Confirmed))
    {
        setText(takeSuggestion ? QCoreApplication::translate("CheckLabelsWidget", "Relabel as %1").arg(elided(issue.suggested))
                               : QCoreApplication::translate("CheckLabelsWidget", "Confirm label %1").arg(elided(issue.given)));
    }

    void redo() override
    {
        DecisionCommand::redo();
        if (m_list)
            m_list->decisionChanged(m_generation, itemId(), m_decision);
    }
    void undo() override
    {
        DecisionCommand::undo();
        if (m_list)
            m_list->decisionChanged(m_generation, itemId(), int(LabelIssuesModel::Decision::Pending));
    }

private:
    QPointer<CheckLabelsWidget> m_list;
    quint64 m_generation;
    int m_decision;
};

CheckLabelsWidget::CheckLabelsWidget(CatalogSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(new LabelIssuesModel(this))
{
    m_model->setThumbnailSize(kThumbnailSide);

    m_backbone = new QComboBox(this);
    m_backbone->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_backbone->setToolTip(tr("The network whose features the check compares the photographs by: the active model, or "
                              "pretrained weights added with Model ▸ Add Pretrained Weights…"));
    m_folds = new QSpinBox(this);
    m_folds->setRange(2, 20);
    m_folds->setValue(kDefaultFolds);
    m_folds->setToolTip(tr("Each item is judged by a head fitted on the other folds, never on its own label"));
    m_checkButton = new QPushButton(tr("Check Labels"), this);
    m_checkButton->setToolTip(tr("Ranks the labelled items whose department is probably wrong (runs in the background)"));
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->hide();
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Check with:"), this));
    bar->addWidget(m_backbone);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Folds:"), this));
    bar->addWidget(m_folds);
    bar->addSpacing(12);
    bar->addWidget(m_checkButton);
    bar->addWidget(m_cancelButton);
    bar->addStretch(1);

    m_summary = new QLabel(this);
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setWordWrap(true);

    m_table = new QTableView(this);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setIconSize(QSize(kThumbnailSide, kThumbnailSide));
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(kThumbnailSide + 6);
    // Fixed widths (measuring thousands of rows would cost more than it shows); the decision takes what is left.
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(LabelIssuesModel::ItemColumn, kThumbnailSide + 100);
    m_table->setColumnWidth(LabelIssuesModel::GivenColumn, 140);
    m_table->setColumnWidth(LabelIssuesModel::SuggestedColumn, 140);
    m_table->setColumnWidth(LabelIssuesModel::ScoreColumn, 52);
    // At least the item and its given label; the other columns scroll into view on a narrow screen, where the
    // window must still fit beside the item panel.
    m_table->setMinimumWidth(kThumbnailSide + 100 + 140);

    m_image = new ImageView(this);
    m_detail = new QLabel(this);
    m_detail->setTextFormat(Qt::PlainText);
    m_detail->setWordWrap(true);
    m_confirmButton = new QPushButton(this);
    m_takeButton = new QPushButton(this);
    m_skipButton = new QPushButton(tr("Skip (S)"), this);
    m_confirmButton->setToolTip(tr("The given department is right: recorded as a curator's label (C)"));
    m_takeButton->setToolTip(tr("File the item under the suggested department instead: recorded as a curator's label "
                                "(T or Enter)"));
    m_skipButton->setToolTip(tr("Move on; nothing is written (S)"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_confirmButton);
    buttons->addWidget(m_takeButton);
    buttons->addWidget(m_skipButton);
    auto *side = new QWidget(this);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_image, 1);
    sideLayout->addWidget(m_detail);
    sideLayout->addLayout(buttons);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("checkLabelsSplitter"));
    splitter->addWidget(m_table);
    splitter->addWidget(side);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({700, 400});

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_summary);
    layout->addWidget(splitter, 1);

    // Keys for the whole view, whichever child has focus (the list keeps its arrow keys).
    // Enter only from the list, so that it never takes a suggestion from the folds box.
    const auto addKey = [this](QWidget *owner, Qt::ShortcutContext context, const QList<QKeySequence> &keys,
                               void (CheckLabelsWidget::*slot)()) {
        auto *action = new QAction(owner);
        action->setShortcuts(keys);
        action->setShortcutContext(context);
        connect(action, &QAction::triggered, this, slot);
        owner->addAction(action);
    };
    addKey(this, Qt::WidgetWithChildrenShortcut, {QKeySequence(Qt::Key_C)}, &CheckLabelsWidget::confirmLabel);
    addKey(this, Qt::WidgetWithChildrenShortcut, {QKeySequence(Qt::Key_T)}, &CheckLabelsWidget::takeSuggestion);
    addKey(this, Qt::WidgetWithChildrenShortcut, {QKeySequence(Qt::Key_S)}, &CheckLabelsWidget::skip);
    addKey(m_table, Qt::WidgetShortcut, {QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)}, &CheckLabelsWidget::takeSuggestion);

    connect(m_checkButton, &QPushButton::clicked, this, &CheckLabelsWidget::startCheck);
    connect(m_cancelButton, &QPushButton::clicked, this, &CheckLabelsWidget::cancelCheck);
    connect(m_confirmButton, &QPushButton::clicked, this, &CheckLabelsWidget::confirmLabel);
    connect(m_takeButton, &QPushButton::clicked, this, &CheckLabelsWidget::takeSuggestion);
    connect(m_skipButton, &QPushButton::clicked, this, &CheckLabelsWidget::skip);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &CheckLabelsWidget::showCurrent);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        Q_EMIT openItemRequested(index.data(LabelIssuesModel::ItemIdRole).toLongLong());
    });
    // Another session decided the item since the check read it: nothing was written; the row shows it as it is now.
    connect(m_session, &CatalogSession::decisionConflict, this, [this](qint64 itemId, const QString &message) {
        if (m_model->rowOfItem(itemId) < 0)
            return;
        m_conflict = tr("Item %1: %2. Your decision was not saved.").arg(itemId).arg(message);
        reloadIssue(itemId);
        showSummary();
    });
    connect(m_session, &CatalogSession::opened, this, &CheckLabelsWidget::sessionOpened);
    connect(m_session, &CatalogSession::closed, this, &CheckLabelsWidget::sessionOpened);
    connect(m_session, &CatalogSession::modelsChanged, this, [this] { readBackbones(false); });
    connect(m_session->jobs(), &JobQueue::jobProgress, this, [this](JobId id, qint64, qint64, const QString &message) {
        if (id != m_jobId)
            return;
        m_progress = message;
        showSummary();
    });
    showCurrent();
    showSummary();
}

void CheckLabelsWidget::sessionOpened()
{
    ++m_generation;
    m_model->setCatalogPath(m_session->isOpen() ? m_session->path() : QString());
    m_model->clear();
    m_shownItemId = -1;
    m_report = {};
    m_hasReport = false;
    m_failure.clear();
    m_conflict.clear();
    showCurrent();
    showSummary();
    if (m_session->isOpen())
        readBackbones(false);
}

void CheckLabelsWidget::readBackbones(bool thenStart)
{
    if (!m_session->isOpen())
        return;
    const QString path = m_session->path();
    const quint64 read = ++m_backbonesRead;
    m_session->worker()->read(
        this,
        [](Catalog &catalog) {
            QVector<Backbone> backbones;
            if (const auto active = ModelRegistry(catalog).activeModel())
                backbones.push_back({tr("Active model: %1").arg(elided(active->name)), active->weightsPath, {}, {}});
            for (const AddedWeights &weights : WeightsRegistry(catalog).weights()) {
                if (QFileInfo(weights.path).isFile())
                    backbones.push_back({tr("Pretrained weights: %1 (%2)").arg(elided(QFileInfo(weights.path).fileName()), weights.architecture),
                                         {}, weights.path, weights.architecture});
            }
            return backbones;
        },
        [this, path, read, thenStart](const QVector<Backbone> &backbones) {
            if (m_session->path() != path || read != m_backbonesRead)
                return;
            showBackbones(backbones);
            if (thenStart)
                submitCheck();
        },
        [this](const QString &message) {
            m_failure = message;
            showSummary();
        });
}

void CheckLabelsWidget::showBackbones(const QVector<Backbone> &backbones)
{
    // The same choice stays chosen when the list is read again.
    const QString chosen = m_backbone->currentIndex() >= 0 && m_backbone->currentIndex() < m_backbones.size()
        ? m_backbones[m_backbone->currentIndex()].modelPath + m_backbones[m_backbone->currentIndex()].weightsPath
        : QString();
    m_backbones = backbones;
    m_backbone->clear();
    int keep = 0;
    for (int i = 0; i < backbones.size(); ++i) {
        m_backbone->addItem(backbones[i].label);
        m_backbone->setItemData(i, plainToolTip(backbones[i].modelPath + backbones[i].weightsPath), Qt::ToolTipRole);
        if (backbones[i].modelPath + backbones[i].weightsPath == chosen)
            keep = i;
    }
    if (!backbones.isEmpty())
        m_backbone->setCurrentIndex(keep);
    m_backbone->setEnabled(!backbones.isEmpty());
    showSummary();
}

void CheckLabelsWidget::startCheck()
{
    if (!m_session->isOpen()) {
        m_failure = tr("Open a catalog first.");
        showSummary();
        return;
    }
    if (isChecking())
        return;
    readBackbones(true);
}

void CheckLabelsWidget::submitCheck()
{
    if (isChecking())
        return;
    const int chosen = m_backbone->currentIndex();
    if (chosen < 0 || chosen >= m_backbones.size()) {
        m_failure = tr("Checking labels needs a network to compare the photographs with, and this catalog has none: train a "
                       "model (Model ▸ Train or Retrain…), add a model file (Model ▸ Add Model File…) or add pretrained "
                       "weights (Model ▸ Add Pretrained Weights…), then check again.");
        showSummary();
        Q_EMIT checkEnded(false);
        return;
    }
    const Backbone &backbone = m_backbones[chosen];
    LabelIssueRequest request;
    request.catalogPath = m_session->path();
    request.modelPath = backbone.modelPath;
    request.weightsPath = backbone.weightsPath;
    request.architecture = backbone.architecture;
    request.folds = m_folds->value();
    m_failure.clear();
    m_progress = tr("Waiting for the running job…");
    m_jobId = m_session->jobs()->submit(std::make_unique<LabelIssuesJob>(request), tr("Checking labels"), this,
                                        [this](LabelIssuesJob &job, const JobOutcome &outcome) { checkFinished(job, outcome); });
    if (!m_session->jobs()->isRunning(m_jobId))
        m_progress = tr("Waiting for the running job to finish…");
    else
        m_progress = tr("Checking labels…");
    m_checkButton->setEnabled(false);
    m_cancelButton->show();
    showSummary();
}

void CheckLabelsWidget::cancelCheck()
{
    if (m_jobId != 0)
        m_session->jobs()->cancel(m_jobId);
}

void CheckLabelsWidget::checkFinished(LabelIssuesJob &job, const JobOutcome &outcome)
{
    m_jobId = 0;
    m_progress.clear();
    m_checkButton->setEnabled(true);
    m_cancelButton->hide();
    if (outcome.isFinished()) {
        ++m_generation;
        m_conflict.clear();
        m_report = job.report();
        m_hasReport = true;
        m_model->setIssues(m_report.items);
        m_shownItemId = -1;
        if (!m_report.failures.isEmpty())
            Q_EMIT problemsFound(m_report.failures);
        readCaptions();
        selectRow(m_model->rowCount() > 0 ? 0 : -1);
    } else if (outcome.isFailed()) {
        m_failure = tr("The check failed: %1").arg(outcome.error());
        Q_EMIT problemsFound({{m_session->path(), outcome.error()}});
    } else {
        m_failure = tr("The check was cancelled; the list shows the previous check, if any.");
    }
    showSummary();
    Q_EMIT checkEnded(outcome.isFinished());
}

void CheckLabelsWidget::readCaptions()
{
    QVector<qint64> ids;
    for (const LabelIssue &issue : m_report.items)
        ids.push_back(issue.itemId);
    if (ids.isEmpty())
        return;
    const quint64 generation = m_generation;
    m_session->worker()->read(
        this,
        [ids](Catalog &catalog) {
            // The object's title or number says more to a curator than a file name.
            QHash<qint64, QString> captions;
            for (qint64 id : ids) {
                const std::optional<ItemRow> row = ItemQuery::row(catalog, id);
                if (!row)
                    continue;
                QString caption = row->title;
                if (!row->objectNumber.isEmpty())
                    caption = caption.isEmpty() ? row->objectNumber : tr("%1 (%2)").arg(caption, row->objectNumber);
                if (!caption.isEmpty())
                    captions.insert(id, caption);
            }
            return captions;
        },
        [this, generation](const QHash<qint64, QString> &captions) {
            if (generation == m_generation)
                m_model->setCaptions(captions);
        });
}

void CheckLabelsWidget::reloadIssue(qint64 itemId)
{
    struct Current
    {
        QString department;
        qint64 departmentId = 0;
        qint64 latestDecisionId = 0;
    };
    const quint64 generation = m_generation;
    m_session->worker()->read(
        this,
        [itemId](Catalog &catalog) {
            Current current;
            if (const std::optional<ItemRecord> item = catalog.item(itemId); item && item->labelSource) {
                current.department = item->department;
                current.departmentId = item->departmentId;
            }
            current.latestDecisionId = ReviewStore(catalog).latestDecisionId(itemId);
            return current;
        },
        [this, generation, itemId](const Current &current) {
            if (generation != m_generation)
                return;
            m_model->reloadIssue(itemId, current.department, current.departmentId, current.latestDecisionId);
            if (itemId == currentItemId())
                m_shownItemId = -1; // shown again with its new label
            showCurrent();
            showSummary();
        });
}

qint64 CheckLabelsWidget::currentItemId() const
{
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? current.data(LabelIssuesModel::ItemIdRole).toLongLong() : 0;
}

void CheckLabelsWidget::confirmLabel()
{
    decide(false);
}

void CheckLabelsWidget::takeSuggestion()
{
    decide(true);
}

void CheckLabelsWidget::decide(bool takeSuggestion)
{
    const int row = m_table->currentIndex().row();
    if (row < 0 || !m_session->isOpen())
        return;
    const LabelIssuesModel::Decision decided = m_model->decision(row);
    if (decided == LabelIssuesModel::Decision::Confirmed || decided == LabelIssuesModel::Decision::Relabelled)
        return; // written already: Undo takes it back
    m_conflict.clear();
    m_session->undoStack()->push(new DecisionOnIssue(m_session, this, m_generation, m_model->issue(row), takeSuggestion));
    selectRow(m_model->nextPendingRow(row));
}

void CheckLabelsWidget::skip()
{
    const int row = m_table->currentIndex().row();
    if (row < 0)
        return;
    if (m_model->decision(row) == LabelIssuesModel::Decision::Pending)
        m_model->setDecision(m_model->issue(row).itemId, LabelIssuesModel::Decision::Skipped);
    selectRow(m_model->nextPendingRow(row));
    showSummary();
}

void CheckLabelsWidget::decisionChanged(quint64 generation, qint64 itemId, int decision)
{
    if (generation != m_generation)
        return;
    m_model->setDecision(itemId, LabelIssuesModel::Decision(decision));
    // An undo brings its item back in front, to decide again.
    if (LabelIssuesModel::Decision(decision) == LabelIssuesModel::Decision::Pending)
        selectRow(m_model->rowOfItem(itemId));
    else
        showCurrent();
    showSummary();
}

void CheckLabelsWidget::selectRow(int row)
{
    if (row < 0) {
        // Nothing left to decide: the last row stays shown, its buttons follow its state.
        showCurrent();
        showSummary();
        return;
    }
    m_table->setCurrentIndex(m_model->index(row, LabelIssuesModel::ItemColumn));
    m_table->scrollTo(m_model->index(row, LabelIssuesModel::ItemColumn));
    showCurrent();
    showSummary();
}

void CheckLabelsWidget::showCurrent()
{
    const int row = m_table->currentIndex().row();
    const bool hasRow = row >= 0 && row < m_model->rowCount();
    const LabelIssuesModel::Decision decided = hasRow ? m_model->decision(row) : LabelIssuesModel::Decision::Pending;
    const bool open = hasRow && decided != LabelIssuesModel::Decision::Confirmed && decided != LabelIssuesModel::Decision::Relabelled;
    m_confirmButton->setEnabled(open);
    m_takeButton->setEnabled(open);
    m_skipButton->setEnabled(hasRow);
    if (!hasRow) {
        m_confirmButton->setText(tr("Keep Label (C)"));
        m_takeButton->setText(tr("Take Suggestion (T)"));
        m_detail->clear();
        if (m_shownItemId != 0) {
            m_shownItemId = 0;
            m_image->clearImage();
            Q_EMIT currentItemChanged(0);
        }
        return;
    }
    const LabelIssue &issue = m_model->issue(row);
    // Short enough that the three buttons fit a 1366-pixel screen beside the table and the item panel; the line
    // above them names both departments in full.
    m_confirmButton->setText(tr("Keep %1 (C)").arg(elided(issue.given, kButtonDepartmentChars)));
    m_takeButton->setText(tr("Move to %1 (T)").arg(elided(issue.suggested, kButtonDepartmentChars)));
    QString detail = tr("Labelled %1 (%2 by the out-of-fold estimate); the check suggests %3 (%4).")
                         .arg(elided(issue.given), percentText(issue.givenProbability), elided(issue.suggested),
                              percentText(issue.suggestedProbability));
    if (decided != LabelIssuesModel::Decision::Pending)
        detail += QLatin1Char(' ') + LabelIssuesModel::decisionText(decided) + QLatin1Char('.');
    m_detail->setText(detail);
    m_detail->setToolTip(plainToolTip(issue.path));
    if (m_shownItemId != issue.itemId) {
        // Decoded on a worker thread; a decision on the shown row changes its text, not its photograph.
        m_shownItemId = issue.itemId;
        m_image->showFile(issue.path);
        Q_EMIT currentItemChanged(issue.itemId);
    }
}

void CheckLabelsWidget::showSummary()
{
    QStringList lines;
    if (isChecking())
        lines << elided(m_progress, kShownMessageChars);
    if (!m_failure.isEmpty())
        lines << elided(m_failure, kShownMessageChars);
    if (!m_conflict.isEmpty())
        lines << elided(m_conflict, kShownMessageChars);
    if (m_hasReport) {
        const int decided = m_model->countOf(LabelIssuesModel::Decision::Confirmed) + m_model->countOf(LabelIssuesModel::Decision::Relabelled);
        const int skipped = m_model->countOf(LabelIssuesModel::Decision::Skipped);
        const int pending = m_model->countOf(LabelIssuesModel::Decision::Pending);
        QString line = tr("%1 of %2 labelled items checked · estimated error rate %3 · %4 folds")
                           .arg(plural(m_report.items.size(), tr("%1 likely mislabelled"), tr("%1 likely mislabelled")))
                           .arg(m_report.itemsChecked).arg(percentText(m_report.estimatedErrorRate)).arg(m_report.folds);
        if (m_report.confirmedLeftOut > 0)
            line += tr(" · %1 confirmed by a curator not listed").arg(m_report.confirmedLeftOut);
        if (!m_report.failures.isEmpty())
            line += tr(" · %1 unreadable (see Problems)").arg(m_report.failures.size());
        lines << line;
        if (!m_report.items.isEmpty())
            lines << tr("%1 decided · %2 skipped · %3 to go. C keeps the label, T (or Enter) takes the suggestion, S skips; "
                        "Ctrl+Z undoes.").arg(decided).arg(skipped).arg(pending);
        else
            lines << tr("No label looks wrong.");
        m_summary->setToolTip(plainToolTip(tr("Backbone: %1\n%2 s").arg(m_report.backbone).arg(m_report.seconds, 0, 'f', 1)));
    } else if (!isChecking() && m_failure.isEmpty()) {
        lines << tr("Check Labels ranks the labelled items whose department is probably wrong: each is judged by a model "
                    "fitted without its own label. Choose the network and press Check Labels.");
    }
    m_summary->setText(lines.join(QLatin1Char('\n')));
}

} // namespace accession
