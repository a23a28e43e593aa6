#include "nearduplicatesview.h"

#include "catalogsession.h"
#include "displaytext.h"
#include "imageview.h"
#include "plurals.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/modelregistry.h"
#include "catalog/weightsregistry.h"
#include "imaging/perceptualhash.h"
#include "jobs/jobqueue.h"
#include "jobs/nearduplicatesjob.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QSet>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace accession {

namespace {
// A group of a thousand photographs (a threshold set far too low) shows its first tiles; the list says how many.
constexpr int kMaxTiles = 8;
constexpr int kTileWidth = 260;
}

NearDuplicatesView::NearDuplicatesView(CatalogSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_summary(new QLabel(this))
    , m_findButton(new QPushButton(tr("Find Near-Duplicates"), this))
    , m_groupList(new QListWidget(this))
    , m_pairsLabel(new QLabel(this))
    , m_tileStrip(new QWidget(this))
    , m_tileLayout(new QHBoxLayout(m_tileStrip))
{
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setWordWrap(true);
    m_pairsLabel->setTextFormat(Qt::PlainText);
    m_pairsLabel->setWordWrap(true);
    m_findButton->setToolTip(tr("Compares every photograph's perceptual hash and, with a model or pretrained weights, "
                                "its backbone features, and saves the groups it finds (runs in the background)"));
    m_groupList->setObjectName(QStringLiteral("nearDuplicateGroups"));
    m_groupList->setUniformItemSizes(true);
    m_groupList->setAlternatingRowColors(true);
    m_groupList->setSpacing(2);
    m_tileLayout->setContentsMargins(0, 0, 0, 0);
    m_tileLayout->addStretch(1);

    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(m_tileStrip);
    auto *groupSide = new QWidget(this);
    auto *groupLayout = new QVBoxLayout(groupSide);
    groupLayout->setContentsMargins(0, 0, 0, 0);
    groupLayout->addWidget(m_pairsLabel);
    groupLayout->addWidget(scroll, 1);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("nearDuplicatesSplitter"));
    splitter->addWidget(m_groupList);
    splitter->addWidget(groupSide);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({300, 900});

    auto *header = new QHBoxLayout;
    header->addWidget(m_summary, 1);
    header->addWidget(m_findButton);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(splitter, 1);

    connect(m_findButton, &QPushButton::clicked, this, &NearDuplicatesView::findNearDuplicates);
    connect(m_groupList, &QListWidget::currentRowChanged, this, &NearDuplicatesView::showGroup);
    connect(m_session, &CatalogSession::opened, this, [this] {
        m_lastCheckNote.clear();
        reload();
    });
    connect(m_session, &CatalogSession::closed, this, [this] { showSaved({}); });
    connect(m_session, &CatalogSession::modelsChanged, this, &NearDuplicatesView::reload);
    showSaved({});
}

void NearDuplicatesView::reload()
{
    if (!m_session->isOpen())
        return;
    const quint64 generation = ++m_readGeneration;
    m_summary->setText(tr("Reading the saved near-duplicate groups…"));
    m_session->worker()->read(
        this,
        [](Catalog &catalog) {
            SavedGroups saved;
            saved.groups = catalog.nearDuplicateGroups();
            for (const NearDuplicateGroup &group : saved.groups) {
                for (qint64 itemId : group.items) {
                    if (saved.items.contains(itemId))
                        continue;
                    GroupedItem shown;
                    if (const auto item = catalog.item(itemId)) {
                        shown.path = item->path;
                        shown.department = item->department;
                        shown.labelled = item->labelSource.has_value();
                        shown.width = item->width;
                        shown.height = item->height;
                    }
                    saved.items.insert(itemId, shown);
                }
            }
            if (const auto model = ModelRegistry(catalog).activeModel()) {
                saved.backboneModel = model->weightsPath;
            } else {
                for (const AddedWeights &weights : WeightsRegistry(catalog).weights()) {
                    if (QFileInfo(weights.path).isFile()) {
                        saved.backboneWeights = weights.path;
                        saved.weightsArchitecture = weights.architecture;
                        break;
                    }
                }
            }
            return saved;
        },
        [this, generation](const SavedGroups &saved) {
            if (generation == m_readGeneration)
                showSaved(saved);
        },
        [this](const QString &error) { m_summary->setText(tr("Could not read the near-duplicate groups: %1").arg(elided(error, kShownMessageChars))); });
}

void NearDuplicatesView::findNearDuplicates()
{
    if (!m_session->isOpen() || m_checkRunning)
        return;
    NearDuplicateRequest request;
    request.catalogPath = m_session->path();
    if (m_backboneModel.isEmpty() && !m_backboneWeights.isEmpty()) {
        request.weightsPath = m_backboneWeights;
        request.architecture = m_weightsArchitecture;
    }
    m_checkRunning = true;
    m_findButton->setEnabled(false);
    m_summary->setText(tr("Looking for near-duplicates…"));
    m_session->jobs()->submit(std::make_unique<NearDuplicatesJob>(request), tr("Looking for near-duplicate photographs"), this,
                              [this](NearDuplicatesJob &job, const JobOutcome &outcome) {
                                  m_checkRunning = false;
                                  m_findButton->setEnabled(m_session->isOpen());
                                  if (outcome.isFailed()) {
                                      m_lastCheckNote = tr("The check failed: %1").arg(outcome.error());
                                  } else if (outcome.isCancelled()) {
                                      m_lastCheckNote = tr("The check was cancelled; the groups shown are those saved before.");
                                  } else {
                                      const NearDuplicateReport report = job.report();
                                      m_lastCheckedCount = report.itemsChecked;
                                      QStringList notes;
                                      notes << tr("Checked %1 in %2 s.")
                                                   .arg(plural(report.itemsChecked, tr("%1 photograph"), tr("%1 photographs")))
                                                   .arg(report.seconds, 0, 'f', 1);
                                      // Without a backbone the summary already says hashes alone are compared; the
                                      // engine's note says it in the command line's words.
                                      if (!report.note.isEmpty() && (!m_backboneModel.isEmpty() || !m_backboneWeights.isEmpty()))
                                          notes << report.note;
                                      if (!report.failures.isEmpty())
                                          notes << plural(report.failures.size(), tr("%1 photograph could not be read (see Problems)."),
                                                          tr("%1 photographs could not be read (see Problems)."));
                                      m_lastCheckNote = notes.join(QLatin1Char(' '));
                                  }
                                  reload();
                              });
}

void NearDuplicatesView::showSaved(const SavedGroups &saved)
{
    m_groups = saved.groups;
    m_items = saved.items;
    m_backboneModel = saved.backboneModel;
    m_backboneWeights = saved.backboneWeights;
    m_weightsArchitecture = saved.weightsArchitecture;
    const QSignalBlocker blocker(m_groupList);
    m_groupList->clear();
    for (const NearDuplicateGroup &group : m_groups) {
        auto *entry = new QListWidgetItem(describeGroup(group), m_groupList);
        entry->setData(Qt::UserRole, group.id);
        entry->setToolTip(plainToolTip(group.paths.join(QLatin1Char('\n'))));
    }
    m_findButton->setEnabled(m_session->isOpen() && !m_checkRunning);
    QString summary;
    if (!m_session->isOpen()) {
        summary = tr("Open a catalog to look for near-duplicate photographs.");
    } else if (m_groups.isEmpty()) {
        summary = tr("No near-duplicate groups are saved. Find Near-Duplicates compares every photograph.");
    } else {
        qint64 grouped = 0;
        int mixed = 0;
        for (const NearDuplicateGroup &group : m_groups) {
            grouped += group.items.size();
            QSet<QString> labels;
            for (qint64 itemId : group.items)
                if (m_items.value(itemId).labelled)
                    labels.insert(m_items.value(itemId).department);
            if (labels.size() > 1)
                ++mixed;
        }
        const QString labels = mixed == 0 ? tr("none labelled with more than one department")
                                          : tr("%1 labelled with more than one department").arg(mixed);
        summary = tr("%1 holding %2; %3. Training keeps each group on one side of the validation split.")
                      .arg(plural(m_groups.size(), tr("%1 group"), tr("%1 groups")),
                           plural(grouped, tr("%1 photograph"), tr("%1 photographs")), labels);
    }
    if (m_session->isOpen()) {
        const QString backbone = !m_backboneModel.isEmpty()
                                     ? tr("The check compares backbone features of the active model.")
                                     : !m_backboneWeights.isEmpty()
                                           ? tr("The check compares backbone features of the added weights %1.")
                                                 .arg(elided(QFileInfo(m_backboneWeights).fileName()))
                                           : tr("With no model or pretrained weights, the check compares perceptual hashes only.");
        summary += QLatin1Char(' ') + backbone;
    }
    if (!m_lastCheckNote.isEmpty())
        summary += QLatin1Char('\n') + elided(m_lastCheckNote, kShownMessageChars);
    m_summary->setText(summary);
    Q_EMIT groupsShown(int(m_groups.size()));
    if (!m_groups.isEmpty())
        m_groupList->setCurrentRow(0);
    showGroup(m_groupList->currentRow());
}

QString NearDuplicatesView::describeGroup(const NearDuplicateGroup &group) const
{
    // What joined the group: pairs close by hash say how close, the others how alike their features are (a pair
    // joined by its hashes may have features far apart, and the other way round).
    double bestCosine = -1;
    int closestHash = -1;
    for (const NearDuplicatePair &pair : group.pairs) {
        if (pair.hashDistance >= 0 && pair.hashDistance <= kNearDuplicateHashDistance) {
            if (closestHash < 0 || pair.hashDistance < closestHash)
                closestHash = pair.hashDistance;
        } else if (!std::isnan(pair.cosine)) {
            bestCosine = std::max(bestCosine, pair.cosine);
        }
    }
    QStringList departments;
    for (qint64 itemId : group.items) {
        const GroupedItem item = m_items.value(itemId);
        const QString department = item.labelled ? item.department : tr("unlabelled");
        if (!departments.contains(department))
            departments << department;
    }
    QStringList likeness;
    if (closestHash >= 0)
        likeness << plural(closestHash, tr("hashes %1 bit apart"), tr("hashes %1 bits apart"));
    if (bestCosine >= 0)
        likeness << tr("features %1 alike").arg(percentText(bestCosine));
    QStringList shownDepartments;
    for (const QString &department : departments)
        shownDepartments << elided(department, 40);
    return tr("%1 · %2\n%3")
        .arg(plural(group.items.size(), tr("%1 photograph"), tr("%1 photographs")), likeness.join(QStringLiteral(", ")),
             shownDepartments.join(QStringLiteral(" / ")));
}

void NearDuplicatesView::selectGroup(int row)
{
    m_groupList->setCurrentRow(row);
}

void NearDuplicatesView::clearTiles()
{
    while (m_tileLayout->count() > 1) {
        QLayoutItem *item = m_tileLayout->takeAt(0);
        delete item->widget();
        delete item;
    }
    m_shownItems.clear();
}

void NearDuplicatesView::showGroup(int row)
{
    clearTiles();
    if (row < 0 || row >= m_groups.size()) {
        m_pairsLabel->setText(m_groups.isEmpty() ? QString() : tr("Choose a group to see its photographs side by side."));
        return;
    }
    const NearDuplicateGroup &group = m_groups[row];
    const int shown = std::min<int>(int(group.items.size()), kMaxTiles);
    for (int index = 0; index < shown; ++index) {
        const qint64 itemId = group.items[index];
        const GroupedItem item = m_items.value(itemId);
        auto *tile = new QWidget(m_tileStrip);
        tile->setFixedWidth(kTileWidth);
        auto *tileLayout = new QVBoxLayout(tile);
        tileLayout->setContentsMargins(2, 2, 2, 2);
        auto *image = new ImageView(tile);
        image->setMinimumHeight(kTileWidth);
        image->setToolTip(plainToolTip(item.path));
        if (!item.path.isEmpty())
            image->showFile(item.path);
        auto *caption = new QLabel(tile);
        caption->setTextFormat(Qt::PlainText);
        caption->setWordWrap(true);
        const QString department = item.labelled ? item.department : tr("unlabelled");
        caption->setText(tr("#%1 · %2\n%3 × %4 px · %5")
                             .arg(itemId)
                             .arg(elided(QFileInfo(item.path).fileName()))
                             .arg(item.width)
                             .arg(item.height)
                             .arg(elided(department)));
        auto *open = new QPushButton(tr("Show in Item Panel"), tile);
        connect(open, &QPushButton::clicked, this, [this, itemId] { Q_EMIT openItemRequested(itemId); });
        tileLayout->addWidget(image, 1);
        tileLayout->addWidget(caption);
        tileLayout->addWidget(open);
        m_tileLayout->insertWidget(m_tileLayout->count() - 1, tile);
        m_shownItems << itemId;
    }
    QStringList pairs;
    for (const NearDuplicatePair &pair : group.pairs) {
        QStringList measures;
        if (!std::isnan(pair.cosine))
            measures << tr("features %1 alike").arg(percentText(pair.cosine));
        if (pair.hashDistance >= 0)
            measures << plural(pair.hashDistance, tr("hashes %1 bit apart"), tr("hashes %1 bits apart"));
        pairs << tr("#%1 and #%2: %3").arg(pair.a).arg(pair.b).arg(measures.join(QStringLiteral(", ")));
        if (pairs.size() == 12) {
            pairs << tr("and %1 more pairs").arg(group.pairs.size() - 12);
            break;
        }
    }
    QString text = pairs.join(QStringLiteral("; "));
    if (group.items.size() > shown)
        text = tr("The first %1 of %2 photographs. ").arg(shown).arg(group.items.size()) + text;
    m_pairsLabel->setText(text);
    Q_EMIT groupShown(group.id);
}

QVector<qint64> NearDuplicatesView::shownItems() const
{
    return m_shownItems;
}

QString NearDuplicatesView::shownPairsText() const
{
    return m_pairsLabel->text();
}

QString NearDuplicatesView::summaryText() const
{
    return m_summary->text();
}

} // namespace accession
