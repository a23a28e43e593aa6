#pragma once

#include "catalog.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace accession {

// A catalog connection of its own on a thread of its own. The views' reads and the curator's writes run there,
// one after another in the order they were posted, and their results come back by queued call, so that the
// thread that posts them (the GUI's) never waits on SQLite: not on a slow query, not on another process's write
// lock, not on a migration.
//
//     worker.read(this, [filter](Catalog &catalog) { return ItemQuery(catalog, filter, order).count(); },
//                 [this](qint64 count) { showCount(count); });
//
// A read is dropped when its receiver is destroyed before it runs, or when the catalog is closed or replaced
// first; a write always runs, on the catalog that was open when it was posted, even while the worker shuts
// down. A CatalogError (or any std::exception) thrown by the work goes to onError on the receiver's thread, or
// to taskFailed when no onError was given.
class CatalogWorker : public QObject
{
    Q_OBJECT
public:
    using ErrorHandler = std::function<void(const QString &message)>;

    static constexpr int kChangePollMs = 1000;

    explicit CatalogWorker(QObject *parent = nullptr);
    // Runs the writes still queued, drops the reads, closes the connection and joins the thread.
    ~CatalogWorker() override;

    // Opens (and migrates) the catalog on the worker thread, reporting each migration step through
    // migrationProgress; opened or openFailed follows. Tasks posted from now on run on this catalog. The indexes
    // the migration adds are built after opened, on a thread and connection of their own, while the tasks run
    // (indexBuildProgress, then indexesBuilt); closing or opening another catalog stops that between two indexes.
    void open(const QString &path, Catalog::OpenMode mode = Catalog::OpenMode::OpenExisting);
    void close();
    // The catalog the tasks posted now will run on (it may still be opening); empty when none.
    QString path() const { return m_path; }

    template <typename Work, typename Done>
    void read(QObject *receiver, Work work, Done done, ErrorHandler onError = {})
    {
        post(Kind::Read, receiver, std::move(work), std::move(done), std::move(onError));
    }
    template <typename Work, typename Done>
    void write(QObject *receiver, Work work, Done done, ErrorHandler onError = {})
    {
        post(Kind::Write, receiver, std::move(work), std::move(done), std::move(onError));
    }

    // Blocks until every task posted so far has run and its result has been delivered (tests, benches, and the
    // command line; never the GUI).
    void waitForIdle();
    // Tasks posted whose results have not been delivered yet (for tests and benches that wait for quiet).
    int pendingTasks() const { return m_pendingTasks; }

Q_SIGNALS:
    void migrationProgress(int stepsDone, int stepsTotal, const QString &step);
    void opened(const QString &path);
    void openFailed(const QString &path, const QString &message);
    void taskFailed(const QString &message);
    // The deferred index builds of the catalog at path: stepsDone of stepsTotal, then the index's description;
    // once more at the end with an empty step.
    void indexBuildProgress(const QString &path, int stepsDone, int stepsTotal, const QString &step);
    void indexesBuilt(const QString &path);
    // Another connection (another client, or a job of this one) wrote to the open catalog: at most once per
    // kChangePollMs. Watched on the catalog thread: PostgreSQL's notices on kCatalogChangeChannel, SQLite's
    // PRAGMA data_version, polled.
    void changedElsewhere();

private:
    enum class Kind { Read, Write };
    // Runs on the worker thread; returns what to call on the receiver's thread.
    using Task = std::function<std::function<void()>(Catalog &catalog)>;

    template <typename Work, typename Done>
    void post(Kind kind, QObject *receiver, Work work, Done done, ErrorHandler onError)
    {
        using Result = std::invoke_result_t<Work &, Catalog &>;
        Task task = [work = std::move(work), done = std::move(done)](Catalog &catalog) mutable -> std::function<void()> {
            if constexpr (std::is_void_v<Result>) {
                work(catalog);
                return [done = std::move(done)]() mutable { done(); };
            } else {
                auto result = std::make_shared<Result>(work(catalog));
                return [done = std::move(done), result]() mutable { done(std::move(*result)); };
            }
        };
        enqueue(kind, receiver, std::move(task), std::move(onError));
    }

    void enqueue(Kind kind, QObject *receiver, Task task, ErrorHandler onError);
    // On the worker thread, after an open: builds the catalog's missing indexes on the index thread.
    void startIndexBuilds(const QString &path, quint64 generation);
    // On the worker thread, after an open: starts watching the catalog for other connections' writes.
    void watchForChanges();

    class Runner;
    QThread m_thread;
    Runner *m_runner = nullptr;
    QThread m_indexThread;
    QObject *m_indexBuilder = nullptr; // lives on m_indexThread
    QString m_path;
    int m_pendingTasks = 0; // on the posting thread
    quint64 m_generation = 0; // which catalog a task was posted for; a read for an older one is dropped
};

} // namespace accession
