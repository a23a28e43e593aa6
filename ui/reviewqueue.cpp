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

QVector<ReviewQueue::Item> readQueuePage(Catalog &catalog, qint64 modelId, double threshold, int limit,
                                         const QSet<qint64> &leaveOut)
{
    ReviewStore store(catalog);
    QVector<ReviewQueue::Item> items;
    for (const ItemRow &entry : store.queue(modelId, threshold, limit)) {
        if (leaveOut.contains(entry.id))
            continue;
        ReviewQueue::Item item{entry, {}, {}};
        if (const auto prediction = store.prediction(entry.id, modelId)) {
            item.probabilities = prediction->probabilities;
            item.classes = prediction->classes;
        }
        items.push_back(std::move(item));
    }
    return items;
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
        QVector<Item> page;
    };
    m_session->worker()->read(
        this,
        [leaveOut = m_beingWritten](Catalog &catalog) {
            Start start;
            start.departments = catalog.departments();
            for (const Department &department : start.departments)
                start.departmentIds.insert(department.name, department.id);
            const auto active = ModelRegistry(catalog).activeModel();
            if (!active)
                return start;
            start.modelId = active->id;
            start.threshold = active->threshold;
            start.page = readQueuePage(catalog, active->id, active->threshold, kPageSize, leaveOut);
            // The model's class names that are former names (a renamed or merged department) lead to the department now.
            for (const Item &item : start.page) {
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
        [this, generation](const Start &start) {
            if (generation != m_generation)
                return;
            m_loading = false;
            m_fetching = false;
            m_modelId = start.modelId;
            m_threshold = start.threshold;
            m_remaining = start.remaining;
            m_departments = start.departments;
            m_departmentIds = start.departmentIds;
            m_exhausted = start.page.size() < kPageSize;
            m_current.reset();
            m_ahead.assign(start.page.cbegin(), start.page.cend());
            if (!m_ahead.empty()) {
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
    // From the front: the decisions written since are no longer in the queue; those still being written, the
    // current item and the items ahead are left out here.
    QSet<qint64> leaveOut = m_beingWritten;
    if (m_current)
        leaveOut.insert(m_current->entry.id);
    for (const Item &item : m_ahead)
        leaveOut.insert(item.entry.id);
    const int limit = kPageSize + int(leaveOut.size());
    m_session->worker()->read(
        this,
        [modelId = m_modelId, threshold = m_threshold, limit, leaveOut](Catalog &catalog) {
            const QVector<Item> items = readQueuePage(catalog, modelId, threshold, limit, leaveOut);
            // Whether the queue has more than this page: the page came back short only when it ended.
            return std::make_pair(items, ReviewStore(catalog).queue(modelId, threshold, 1, limit).isEmpty());
        },
        [this, generation](const std::pair<QVector<Item>, bool> &page) {
            if (generation != m_generation)
                return;
            m_fetching = false;
            m_exhausted = page.second;
            for (const Item &item : page.first) {
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

bool ReviewQueue::isQueued(qint64 itemId) const
{
    if (m_current && m_current->entry.id == itemId)
        return true;
    return std::any_of(m_ahead.cbegin(), m_ahead.cend(), [itemId](const Item &item) { return item.entry.id == itemId; });
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
            const auto ahead = std::find_if(m_ahead.begin(), m_ahead.end(),
                                            [itemId](const Item &item) { return item.entry.id == itemId; });
            if (ahead != m_ahead.end())
                m_ahead.erase(ahead);
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
        // Filed from elsewhere while waiting ahead.
        const auto ahead = std::find_if(m_ahead.begin(), m_ahead.end(),
                                        [itemId](const Item &item) { return item.entry.id == itemId; });
        if (ahead != m_ahead.end())
            m_ahead.erase(ahead);
    } else if (after != ItemStatus::NeedsReview) {
        advance(); // the current item was filed by a decision this queue did not see pushed
    }
}

} // namespace accession
