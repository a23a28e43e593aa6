// Several curators on one catalog at once: N clients, each a thread with a Catalog connection of its own, each making
// a mix of review decisions (half of them on a small set of items every client reviews, to provoke conflicts) and
// imports of small generated items, one transaction each; on a SQLite file and on a throwaway PostgreSQL cluster.
// Prints decisions/s, imports/s, the conflicts detected, and the rows lost: what the clients were told was written,
// counted back afterwards (must be 0).
//
//     bench_shared_catalog [--clients 8] [--operations 1000] [--backend both|sqlite|postgresql]

#include "benchsupport.h"
#include "handmadecatalog.h"
#include "throwawaypostgres.h"

#include "catalog/catalog.h"
#include "catalog/reviewstore.h"
#include "catalog/transactionguard.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

using namespace accession;

namespace {

constexpr int kReviewItems = 400; // waiting for review when the clients start
constexpr int kHotItems = 16;     // every client's first choice for half of its decisions

struct ClientCounts
{
    qint64 decisions = 0; // written, as ReviewStore said
    qint64 imports = 0;
    qint64 conflicts = 0;
    QString failure;
};

qint64 countOf(Catalog &catalog, const QString &sql, const QVariantMap &bindings = {})
{
    QSqlQuery query = catalog.run(sql, bindings);
    return query.next() ? query.value(0).toLongLong() : -1;
}

bool runOnce(const QString &backend, const QString &location, int clients, int operations)
{
    const QStringList departments = {QStringLiteral("Paintings"), QStringLiteral("Prints"), QStringLiteral("Arms and Armor")};
    QVector<qint64> reviewItems;
    QVector<qint64> departmentIds;
    {
        Catalog catalog(location, Catalog::OpenMode::CreateIfMissing);
        for (const QString &name : departments)
            departmentIds << catalog.addDepartment(name);
        const qint64 model = test::registerHandmadeModel(catalog, QStringLiteral("bench"), departments, 0.9);
        TransactionGuard transaction(catalog.database());
        for (int i = 0; i < kReviewItems; ++i) {
            const qint64 item = test::addHandmadeItem(catalog, QStringLiteral("/bench/review/%1.jpg").arg(i));
            const float top = 0.4f + 0.001f * float(i);
            test::addHandmadePrediction(catalog, model, item, {top, (1.0f - top) * 0.6f, (1.0f - top) * 0.4f});
            reviewItems << item;
        }
        transaction.commit();
    }

    std::vector<ClientCounts> counts(static_cast<size_t>(clients));
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    QElapsedTimer wall;
    for (int client = 0; client < clients; ++client) {
        threads.emplace_back([&, client] {
            ClientCounts &mine = counts[size_t(client)];
            try {
                Catalog catalog(location);
                catalog.setClientName(QStringLiteral("client%1@bench").arg(client));
                ReviewStore store(catalog);
                std::mt19937 random(quint32(1000 + client));
                ++ready;
                while (!go)
                    std::this_thread::yield();
                for (int op = 0; op < operations; ++op) {
                    if (op % 2 == 0) {
                        // A curator's view: the item and its latest decision, read; then the decision, checked against it.
                        const qint64 item = random() % 2 == 0 ? reviewItems[int(random() % kHotItems)]
                                                              : reviewItems[int(random() % reviewItems.size())];
                        const qint64 seen = store.latestDecisionId(item);
                        try {
                            store.choose(item, departmentIds[int(random() % departmentIds.size())], seen);
                            ++mine.decisions;
                        } catch (const DecisionConflict &) {
                            ++mine.conflicts;
                        }
                    } else {
                        TransactionGuard transaction(catalog.database());
                        test::addHandmadeItem(catalog, QStringLiteral("/bench/import/c%1/%2.jpg").arg(client).arg(op));
                        transaction.commit();
                        ++mine.imports;
                    }
                }
            } catch (const std::exception &error) {
                mine.failure = QString::fromUtf8(error.what());
            }
        });
    }
    while (ready < clients) {
        bool failed = false;
        for (const ClientCounts &c : counts)
            failed |= !c.failure.isEmpty();
        if (failed)
            break;
        std::this_thread::yield();
    }
    wall.start();
    go = true;
    for (std::thread &thread : threads)
        thread.join();
    const double seconds = wall.nsecsElapsed() / 1e9;

    ClientCounts total;
    for (const ClientCounts &c : counts) {
        total.decisions += c.decisions;
        total.imports += c.imports;
        total.conflicts += c.conflicts;
        if (!c.failure.isEmpty()) {
            std::fprintf(stderr, "%s: a client failed: %s\n", qPrintable(backend), qPrintable(c.failure));
            total.failure = c.failure;
        }
    }
    Catalog catalog(location);
    qint64 lost = 0, extra = 0;
    const auto tally = [&](qint64 expected, qint64 found) {
        lost += std::max<qint64>(0, expected - found);
        extra += std::max<qint64>(0, found - expected);
    };
    for (int client = 0; client < clients; ++client) {
        const QString name = QStringLiteral("client%1@bench").arg(client);
        tally(counts[size_t(client)].decisions,
              countOf(catalog, QStringLiteral("SELECT COUNT(*) FROM review_decisions WHERE decided_by = :by"), {{QStringLiteral("by"), name}}));
        tally(counts[size_t(client)].imports,
              countOf(catalog, QStringLiteral("SELECT COUNT(*) FROM items WHERE path LIKE :prefix"),
                      {{QStringLiteral("prefix"), QStringLiteral("/bench/import/c%1/%").arg(client)}}));
    }
    // Every decision filed its item: one curator's label per decision, the item's current label its latest.
    tally(total.decisions, countOf(catalog, QStringLiteral("SELECT COUNT(*) FROM labels WHERE source = 'curator'")));
    const qint64 wrongCurrent = countOf(
        catalog, QStringLiteral("SELECT COUNT(*) FROM items i WHERE EXISTS (SELECT 1 FROM review_decisions d WHERE d.item_id = i.id)"
                                " AND i.current_label_id <> (SELECT d.label_id FROM review_decisions d WHERE d.item_id = i.id"
                                " ORDER BY d.id DESC LIMIT 1)"));

    std::printf("%-10s %d clients x %d operations in %.2f s: %lld decisions (%.0f/s), %lld imports (%.0f/s), %lld conflicts detected,"
                " rows lost %lld, unexpected rows %lld, items whose label is not their latest decision's %lld\n",
                qPrintable(backend), clients, operations, seconds, total.decisions, total.decisions / seconds, total.imports,
                total.imports / seconds, total.conflicts, lost, extra, wrongCurrent);
    std::fflush(stdout);
    return total.failure.isEmpty() && lost == 0 && extra == 0 && wrongCurrent == 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("clients"), QStringLiteral("Concurrent clients (8)."), QStringLiteral("N"), QStringLiteral("8")});
    parser.addOption({QStringLiteral("operations"), QStringLiteral("Operations per client, half decisions, half imports (1000)."),
                      QStringLiteral("N"), QStringLiteral("1000")});
    parser.addOption({QStringLiteral("backend"), QStringLiteral("sqlite, postgresql or both (both)."), QStringLiteral("NAME"),
                      QStringLiteral("both")});
    parser.process(app);
    const int clients = std::max(1, parser.value(QStringLiteral("clients")).toInt());
    const int operations = std::max(2, parser.value(QStringLiteral("operations")).toInt());
    const QString backend = parser.value(QStringLiteral("backend"));
    std::printf("CPU: %s, %u hardware threads\n", qPrintable(bench::cpuName()), std::thread::hardware_concurrency());

    bool ok = true;
    if (backend == QLatin1String("both") || backend == QLatin1String("sqlite")) {
        QTemporaryDir dir;
        ok &= runOnce(QStringLiteral("SQLite"), dir.filePath(QStringLiteral("shared.db")), clients, operations);
    }
    if (backend == QLatin1String("both") || backend == QLatin1String("postgresql")) {
        test::ThrowawayPostgres cluster;
        QString error;
        QString location;
        if (cluster.start(&error))
            location = cluster.createDatabase(&error);
        if (location.isEmpty()) {
            std::fprintf(stderr, "cannot start a throwaway PostgreSQL cluster: %s\n", qPrintable(error));
            return 1;
        }
        ok &= runOnce(QStringLiteral("PostgreSQL"), location, clients, operations);
    }
    return ok ? 0 : 1;
}
