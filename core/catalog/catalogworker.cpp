#include "catalogworker.h"

#include "transactionguard.h"

#include <QCoreApplication>
#include <QHash>
#include <QSemaphore>
#include <QSqlDriver>
#include <QSqlQuery>
#include <QTimer>

#include <atomic>
#include <exception>

namespace accession {

namespace {

QString messageOf(const std::exception &error)
{
    return QString::fromUtf8(error.what());
}

} // namespace

// Lives on the worker thread; touched only there, except for the atomics.
class CatalogWorker::Runner : public QObject
{
public:
    std::unique_ptr<Catalog> catalog;
    quint64 catalogGeneration = 0;                // the generation of `catalog`
    std::atomic<quint64> latestGeneration{0};     // the newest posted open or close
    std::atomic<bool> shuttingDown{false};
    QTimer *changeTimer = nullptr; // on the worker thread: polls, or passes PostgreSQL's notices on, once per tick
    qint64 dataVersion = -1;       // SQLite's PRAGMA data_version at the last tick
    bool notified = false;         // PostgreSQL: another connection's notice came since the last tick

    // SQLite's data_version changes when another connection commits, never for this connection's own writes.
    qint64 readDataVersion() const
    {
        QSqlQuery query(catalog->database());
        return query.exec(QStringLiteral("PRAGMA data_version")) && query.next() ? query.value(0).toLongLong() : -1;
    }
};

namespace {

// Whether a task's receiver still exists, as the worker thread (to drop a read) and the posting thread (to drop a
// result) can ask it: set false on the posting thread when the receiver is destroyed.
using AliveToken = std::shared_ptr<std::atomic<bool>>;

QHash<QObject *, AliveToken> &aliveTokens()
{
    static QHash<QObject *, AliveToken> tokens; // GUI thread only
    return tokens;
}

AliveToken aliveTokenOf(QObject *receiver)
{
    AliveToken &token = aliveTokens()[receiver];
    if (!token) {
        token = std::make_shared<std::atomic<bool>>(true);
        QObject::connect(receiver, &QObject::destroyed, [receiver] {
            if (const AliveToken gone = aliveTokens().take(receiver))
                gone->store(false);
        });
    }
    return token;
}

} // namespace

CatalogWorker::CatalogWorker(QObject *parent)
    : QObject(parent)
    , m_runner(new Runner)
{
    m_thread.setObjectName(QStringLiteral("accession-catalog"));
    m_runner->moveToThread(&m_thread);
    m_thread.start();
    m_indexThread.setObjectName(QStringLiteral("accession-catalog-indexes"));
    m_indexBuilder = new QObject;
    m_indexBuilder->moveToThread(&m_indexThread);
    m_indexThread.start();
}

CatalogWorker::~CatalogWorker()
{
    m_runner->shuttingDown = true;
    // Queued behind every task: the writes still waiting run first.
    QMetaObject::invokeMethod(m_runner, [runner = m_runner] {
        runner->catalog.reset(); // a connection is closed on the thread that used it
        delete runner->changeTimer; // and a timer stopped on its own
        runner->changeTimer = nullptr;
        QThread::currentThread()->quit();
    });
    m_thread.wait();
    // An index build under way finishes its index (it is one statement) and stops before the next.
    m_indexThread.quit();
    m_indexThread.wait();
    delete m_indexBuilder;
    delete m_runner;
}

void CatalogWorker::open(const QString &path, Catalog::OpenMode mode)
{
    m_path = path;
    const quint64 generation = ++m_generation;
    m_runner->latestGeneration = generation;
    QMetaObject::invokeMethod(m_runner, [this, runner = m_runner, path, mode, generation] {
        runner->catalog.reset();
        runner->catalogGeneration = generation;
        bool indexesMissing = false;
        try {
            // The indexes are left for later: the views can read without them, and building them is most of what a
            // migration costs on a large catalog.
            runner->catalog = std::make_unique<Catalog>(
                path, mode, [this](int done, int total, const QString &step) { Q_EMIT migrationProgress(done, total, step); },
                Catalog::IndexBuilds::Deferred);
            indexesMissing = !runner->catalog->missingIndexes().isEmpty();
        } catch (const std::exception &error) {
            runner->catalog.reset();
            Q_EMIT openFailed(path, messageOf(error));
            return;
        }
        Q_EMIT opened(path);
        watchForChanges();
        if (indexesMissing)
            startIndexBuilds(path, generation);
    });
}

void CatalogWorker::startIndexBuilds(const QString &path, quint64 generation)
{
    QMetaObject::invokeMethod(m_indexBuilder, [this, runner = m_runner, path, generation] {
        const auto stale = [runner, generation] { return runner->shuttingDown || runner->latestGeneration != generation; };
        if (stale())
            return;
        try {
            // A connection of its own: the worker's reads go on (WAL) while this one holds the write lock.
            Catalog catalog(path, Catalog::OpenMode::OpenExisting, {}, Catalog::IndexBuilds::Deferred);
            const bool complete = catalog.buildMissingIndexes(
                [this, path](int done, int total, const QString &step) { Q_EMIT indexBuildProgress(path, done, total, step); },
                stale);
            if (complete)
                Q_EMIT indexesBuilt(path);
        } catch (const std::exception &error) {
            // The catalog stays right without the index, only slower; the next open tries again.
            if (!stale())
                Q_EMIT taskFailed(messageOf(error));
        }
    });
}

void CatalogWorker::watchForChanges()
{
    Runner *runner = m_runner;
    runner->notified = false;
    runner->dataVersion = -1;
    if (runner->catalog->dialect() == SqlDialect::PostgreSQL) {
        QSqlDriver *driver = runner->catalog->database().driver();
        // Our own commits notify too (SelfSource): the views already know those.
        QObject::connect(driver, &QSqlDriver::notification, runner,
                         [runner](const QString &, QSqlDriver::NotificationSource source, const QVariant &) {
                             if (source == QSqlDriver::OtherSource)
                                 runner->notified = true;
                         });
        if (!driver->subscribeToNotification(QLatin1String(kCatalogChangeChannel)))
            Q_EMIT taskFailed(tr("Changes made by other clients of %1 will not show until it is reopened: cannot listen for them.")
                                  .arg(runner->catalog->path()));
    } else {
        runner->dataVersion = runner->readDataVersion();
    }
    if (!runner->changeTimer) {
        runner->changeTimer = new QTimer(runner);
        runner->changeTimer->setInterval(kChangePollMs);
        QObject::connect(runner->changeTimer, &QTimer::timeout, runner, [this, runner] {
            if (!runner->catalog || runner->shuttingDown)
                return;
            bool changed = false;
            if (runner->catalog->dialect() == SqlDialect::PostgreSQL) {
                changed = runner->notified;
                runner->notified = false;
            } else {
                const qint64 version = runner->readDataVersion();
                changed = version != runner->dataVersion && runner->dataVersion != -1;
                runner->dataVersion = version;
            }
            if (changed)
                Q_EMIT changedElsewhere();
        });
    }
    runner->changeTimer->start();
}

void CatalogWorker::close()
{
    m_path.clear();
    const quint64 generation = ++m_generation;
    m_runner->latestGeneration = generation;
    QMetaObject::invokeMethod(m_runner, [runner = m_runner, generation] {
        runner->catalog.reset();
        runner->catalogGeneration = generation;
    });
}

void CatalogWorker::enqueue(Kind kind, QObject *receiver, Task task, ErrorHandler onError)
{
    Q_ASSERT(receiver);
    const AliveToken alive = aliveTokenOf(receiver);
    const quint64 generation = m_generation;
    ++m_pendingTasks;
    QMetaObject::invokeMethod(m_runner, [this, runner = m_runner, kind, alive, generation, task = std::move(task),
                                         onError = std::move(onError)]() mutable {
        std::function<void()> call;
        QString failure;
        if (kind == Kind::Read && (!alive->load() || runner->shuttingDown || runner->latestGeneration != generation)) {
            // nobody is waiting for it any more
        } else if (!runner->catalog || runner->catalogGeneration != generation) {
            if (kind == Kind::Write)
                failure = tr("No catalog is open: the change was not saved.");
        } else {
            try {
                call = task(*runner->catalog);
            } catch (const std::exception &error) {
                failure = messageOf(error);
            }
        }
        if (runner->shuttingDown)
            return;
        // Delivered through this object, which lives on the posting thread, where the receiver's token is set when
        // it goes: the count of tasks in flight goes down even then.
        QMetaObject::invokeMethod(this, [this, alive, call = std::move(call), failure, onError = std::move(onError)] {
            --m_pendingTasks;
            if (!alive->load())
                return;
            if (call)
                call();
            else if (!failure.isEmpty() && onError)
                onError(failure);
            else if (!failure.isEmpty())
                Q_EMIT taskFailed(failure);
        }, Qt::QueuedConnection);
    });
}

void CatalogWorker::waitForIdle()
{
    QSemaphore done;
    QMetaObject::invokeMethod(m_runner, [&done] { done.release(); });
    done.acquire();
    // The results delivered up to now, before returning.
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

} // namespace accession
