#pragma once

// Waits for the GUI's asynchronous catalog reads, for widget tests (header-only: the test support library does
// not link the GUI).

#include "catalog/catalogworker.h"
#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "mainwindow.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <QHash>

#include <algorithm>
#include <memory>

namespace accession {

// A connection of the test's own to the catalog the session has open, for checks and for changes made behind the
// window's back (the window itself holds no connection on this thread). One per file, kept for the test's run.
inline Catalog *testCatalog(const CatalogSession *session)
{
    static QHash<QString, std::shared_ptr<Catalog>> connections;
    if (!session->isOpen())
        return nullptr;
    std::shared_ptr<Catalog> &connection = connections[session->path()];
    if (!connection)
        connection = std::make_shared<Catalog>(session->path());
    return connection.get();
}

// Until every task posted to the worker has been delivered, and the results' own follow-ups too.
inline bool settleWorker(CatalogWorker &worker, int timeoutMs = 30000)
{
    QElapsedTimer waited;
    waited.start();
    int quietRounds = 0;
    while (waited.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        if (worker.pendingTasks() == 0) {
            if (++quietRounds >= 3)
                return true;
        } else {
            quietRounds = 0;
            QTest::qWait(2);
        }
    }
    return false;
}

// A catalog thread for a model under test, opened on path.
inline bool openWorkerAndWait(CatalogWorker &worker, const QString &path, int timeoutMs = 60000)
{
    QSignalSpy opened(&worker, &CatalogWorker::opened);
    QSignalSpy failed(&worker, &CatalogWorker::openFailed);
    worker.open(path);
    (void)QTest::qWaitFor([&] { return !opened.isEmpty() || !failed.isEmpty(); }, timeoutMs); // the spies say how it ended
    return !opened.isEmpty();
}

// Until the model's latest reload (its first page and its count) or page has arrived.
inline bool waitUntilLoaded(CatalogItemModel &model, int timeoutMs = 30000)
{
    return QTest::qWaitFor([&] { return !model.isLoading(); }, timeoutMs);
}

// Every row the model's filter matches, page after page.
inline bool fetchAllRows(CatalogItemModel &model, int timeoutMs = 30000)
{
    if (!waitUntilLoaded(model, timeoutMs))
        return false;
    while (model.canFetchMore(QModelIndex())) {
        model.fetchMore(QModelIndex());
        if (!waitUntilLoaded(model, timeoutMs))
            return false;
    }
    return true;
}

// Until nothing posted to the session's catalog thread is left undelivered, several times over, since a result
// often posts the next read (a first page, then the count, then the review queue's page).
inline bool settleCatalogReads(CatalogSession *session, int timeoutMs = 30000)
{
    QElapsedTimer waited;
    waited.start();
    (void)QTest::qWaitFor([&] { return !session->isOpening(); }, timeoutMs); // the worker is settled next, in what time is left
    return settleWorker(*session->worker(), int(std::max<qint64>(1, timeoutMs - waited.elapsed())));
}

// Opens a catalog in the session and waits until it is open (or failed) and its first reads are in.
inline bool openSessionAndWait(CatalogSession &session, const QString &path, int timeoutMs = 60000)
{
    session.open(path);
    return settleCatalogReads(&session, timeoutMs) && session.isOpen();
}

// The window's File ▸ Open, waited for: true when the catalog opened and the views have read it.
inline bool openCatalogAndWait(MainWindow &window, const QString &path, int timeoutMs = 60000)
{
    QSignalSpy opened(&window, &MainWindow::catalogOpened);
    QSignalSpy failed(&window, &MainWindow::catalogOpenFailed);
    window.openCatalog(path);
    (void)QTest::qWaitFor([&] { return !opened.isEmpty() || !failed.isEmpty(); }, timeoutMs); // the spies say how it ended
    return !opened.isEmpty() && settleCatalogReads(window.session(), timeoutMs);
}

} // namespace accession
