#include "reviewqueue.h"

#include "catalogsession.h"
#include "decisioncommand.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/modelregistry.h"

#include <QUndoStack>

#include <algorithm>

namespace accession {

namespace {

constexpr size_t kRecentlyDecidedKept = 100;

// The first `limit` items of the queue, with their predictions; `full` when the queue may hold more.
struct QueuePage
{
    QVector<ReviewQueue::Item> items;
    bool full = false;
};

QueuePage readQueuePage(Catalog &catalog, qint64 modelId, double threshold, int limit)
{
    ReviewStore store(catalog);
    QueuePage page;
    for (const ItemRow &entry : store.queue(modelId, threshold, limit)) {
        ReviewQueue::Item item{entry, {}, {}};
        if (const auto prediction = store.prediction(entry.id, modelId)) {
            item.probabilities = prediction->probabilities;
            item.classes = prediction->classes;
        }
        page.items.push_back(std::move(item));
    }
    page.full = page.items.size() == limit;
    return page;
}

} // namespace

ReviewQueue::ReviewQueue(CatalogSession *session, QObject *parent)
    : QObject(parent)
    , m_session(session)
{
    connect(session, &CatalogSession::opened, this, &ReviewQueue::reload);
    connect(session, &CatalogSession::closed, this, &ReviewQueue::reload);
    connect(session, &CatalogSession::catalogChanged, this, &ReviewQueue::reload);
    connect(session, &CatalogSession::modelsChanged, this, &ReviewQueue::reload);
    connect(session, &CatalogSession::itemsAdded, this, &ReviewQueue::reload);
    connect(session, &CatalogSession::itemStatusChanged, this, &ReviewQueue::itemStatusChanged);
    connect(session->undoStack(), &QUndoStack::indexChanged, this, &ReviewQueue::undoStackMoved);
}

bool ReviewQueue::hasCatalog() const
{
    return m_session->isOpen();
}

std::optional<qint64> ReviewQueue::departmentId(const QString &name) const
{
    const auto found = m_departmentIds.constFind(name);
    if (found == m_departmentIds.cend())
        return std::nullopt;
    return *found;
}

void ReviewQueue::reload()
{
    const quint64 generation = ++m_generation;
    m_undoIndex = m_session->undoStack()->index();
    if (!m_session->isOpen()) {
        m_loading = false;
        m_fetching = false;
        m_exhausted = true;
        m_modelId = 0;
        m_remaining = 0;
        m_departments.clear();
        m_departmentIds.clear();
        m_current.reset();
        m_ahead.clear();
        m_beingWritten.clear();
        m_recentlyDecided.clear();
        Q_EMIT remainingChanged(0);
        Q_EMIT currentChanged();
        return;
    }
    m_loading = true;
    m_fetching = true;
    struct Start
    {
        qint64 modelId = 0;
        double threshold = 0;
        qint64 remaining = 0;
        QVector<Department> departments;
        QHash<QString, qint64> departmentIds;
        QueuePage page;
        // Whether the item on screen still waits for review (the reload after another client's write keeps it
        // there, rather than change the item under the curator's eyes), and its latest decision now.
        bool currentStillWaits = false;
        qint64 currentLatestDecision = 0;
    };
    const std::optional<Item> shown = m_current;
    const qint64 shownModel = m_modelId;
    m_session->worker()->read(
        this,
        [shownId = shown ? shown->entry.id : qint64(0)](Catalog &catalog) {
            Start start;
            if (shownId > 0) {
                ReviewStore store(catalog);
                start.currentStillWaits = store.status(shownId) == ItemStatus::NeedsReview;
                start.currentLatestDecision = store.latestDecisionId(shownId);
            }
            start.departments = catalog.departments();
            for (const Department &department : start.departments)
                start.departmentIds.insert(department.name, department.id);
            const auto active = ModelRegistry(catalog).activeModel();
            if (!active)
                return start;
            start.modelId = active->id;
            start.threshold = active->threshold;
            start.page = readQueuePage(catalog, active->id, active->threshold, kPageSize);
            // The model's class names that are former names (a renamed or merged department) lead to the department now.
            for (const Item &item : start.page.items) {
                for (const QString &name : item.classes) {
                    if (!start.departmentIds.contains(name)) {
                        if (const auto id = catalog.departmentIdByName(name))
                            start.departmentIds.insert(name, *id);
                    }
                }
            }
            start.remaining = ReviewStore(catalog).queueSize(active->id, active->threshold);
            return start;
        },
        [this, generation, shown, shownModel](const Start &start) {
            if (generation != m_generation)
                return;
            m_loading = false;
            m_fetching = false;
            m_modelId = start.modelId;
            m_threshold = start.threshold;
            m_remaining = start.remaining;
            m_departments = start.departments;
            m_departmentIds = start.departmentIds;
            m_exhausted = !start.page.full;
            m_current.reset();
            m_ahead.clear();
            // Decided while this was read, and written after it: they have left the queue already.
            for (const Item &item : start.page.items) {
                if (!m_beingWritten.contains(item.entry.id))
                    m_ahead.push_back(item);
            }
            if (shown && start.currentStillWaits && start.modelId == shownModel && !m_beingWritten.contains(shown->entry.id)) {
                const qint64 shownId = shown->entry.id;
                m_ahead.erase(std::remove_if(m_ahead.begin(), m_ahead.end(), [shownId](const Item &item) { return item.entry.id == shownId; }),
                              m_ahead.end());
                m_current = shown;
                m_current->entry.latestDecisionId = start.currentLatestDecision;
            } else if (!m_ahead.empty()) {
                m_current = std::move(m_ahead.front());
                m_ahead.pop_front();
            }
            Q_EMIT remainingChanged(m_remaining);
            Q_EMIT loaded();
            Q_EMIT currentChanged();
            fetchMore();
        },
        [this, generation](const QString &message) {
            if (generation == m_generation) {
                m_loading = false;
                m_fetching = false;
            }
            m_session->reportError(message);
        });
}

void ReviewQueue::fetchMore()
{
    if (m_fetching || m_exhausted || !m_modelId || int(m_ahead.size()) >= kReadAheadBelow)
        return;
    m_fetching = true;
    const quint64 generation = m_generation;
    // From the front: the decisions written since are no longer in the queue, while the current item, the items
    // ahead and those still being written may be; they are left out when the page arrives, so it reads that many
    // more.
    const int limit = kPageSize + int(m_beingWritten.size() + m_ahead.size()) + (m_current ? 1 : 0);
    m_session->worker()->read(
        this, [modelId = m_modelId, threshold = m_threshold, limit](Catalog &catalog) {
            return readQueuePage(catalog, modelId, threshold, limit);
        },
        [this, generation](const QueuePage &page) {
            if (generation != m_generation)
                return;
            m_fetching = false;
            m_exhausted = !page.full;
            for (const Item &item : page.items) {
                if (!isQueued(item.entry.id) && !m_beingWritten.contains(item.entry.id))
                    m_ahead.push_back(item);
            }
            if (!m_current && !m_ahead.empty())
                advance();
        },
        [this, generation](const QString &message) {
            if (generation == m_generation)
                m_fetching = false;
            m_session->reportError(message);
        });
}

std::deque<ReviewQueue::Item>::iterator ReviewQueue::findAhead(qint64 itemId)
{
    return std::find_if(m_ahead.begin(), m_ahead.end(), [itemId](const Item &item) { return item.entry.id == itemId; });
}

void ReviewQueue::removeAhead(qint64 itemId)
{
    if (const auto ahead = findAhead(itemId); ahead != m_ahead.end())
        m_ahead.erase(ahead);
}

bool ReviewQueue::isQueued(qint64 itemId)
{
    return (m_current && m_current->entry.id == itemId) || findAhead(itemId) != m_ahead.end();
}

void ReviewQueue::advance()
{
    m_current.reset();
    if (!m_ahead.empty()) {
        m_current = std::move(m_ahead.front());
        m_ahead.pop_front();
    }
    Q_EMIT currentChanged();
    fetchMore();
}

void ReviewQueue::undoStackMoved(int index)
{
    const QUndoStack *stack = m_session->undoStack();
    const int previous = m_undoIndex;
    m_undoIndex = index;
    if (index == previous + 1) {
        // A decision made (or redone): its item leaves the front of the queue now, whatever the catalog thread
        // is still doing.
        const auto *decision = dynamic_cast<const DecisionCommand *>(stack->command(index - 1));
        if (!decision)
            return;
        const qint64 itemId = decision->itemId();
        m_beingWritten.insert(itemId);
        if (m_current && m_current->entry.id == itemId) {
            m_recentlyDecided.push_front(*m_current);
            if (m_recentlyDecided.size() > kRecentlyDecidedKept)
                m_recentlyDecided.pop_back();
            advance();
        } else {
            removeAhead(itemId);
        }
    } else if (index == previous - 1) {
        // A decision undone: its item comes back in front at once, if it was decided here.
        const auto *decision = dynamic_cast<const DecisionCommand *>(stack->command(index));
        if (!decision)
            return;
        const qint64 itemId = decision->itemId();
        m_beingWritten.insert(itemId);
        const auto recent = std::find_if(m_recentlyDecided.begin(), m_recentlyDecided.end(),
                                         [itemId](const Item &item) { return item.entry.id == itemId; });
        if (recent == m_recentlyDecided.end() || isQueued(itemId))
            return;
        if (m_current)
            m_ahead.push_front(std::move(*m_current));
        m_current = std::move(*recent);
        m_recentlyDecided.erase(recent);
        Q_EMIT currentChanged();
    }
    // Other moves (a clear, a jump) come with a reload.
}

void ReviewQueue::itemStatusChanged(qint64 itemId, ItemStatus before, ItemStatus after)
{
    // The write is done: from now on the catalog's own queue tells where the item stands.
    m_beingWritten.remove(itemId);
    if (before == ItemStatus::NeedsReview && after != ItemStatus::NeedsReview)
        --m_remaining;
    else if (before != ItemStatus::NeedsReview && after == ItemStatus::NeedsReview)
        ++m_remaining;
    else
        return;
    m_remaining = std::max<qint64>(0, m_remaining);
    Q_EMIT remainingChanged(m_remaining);
    if (after != ItemStatus::NeedsReview && !(m_current && m_current->entry.id == itemId)) {
        removeAhead(itemId); // filed from elsewhere while waiting ahead
    } else if (after != ItemStatus::NeedsReview) {
        advance(); // the current item was filed by a decision this queue did not see pushed
    }
}

} // namespace accession
