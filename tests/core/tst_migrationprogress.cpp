#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/itemquery.h"
#include "catalog/migrations.h"

#include "handmadecatalog.h"

#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <atomic>
#include <mutex>
#include <thread>

using namespace accession;
using namespace accession::test;

namespace {

// One call of a MigrationProgress callback.
struct Step
{
    int done = 0;
    int total = 0;
    QString step;
};

// What a progress callback was told, in order; callable from any thread.
class StepLog
{
public:
    Catalog::MigrationProgress callback()
    {
        return [this](int done, int total, const QString &step) {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_steps.push_back({done, total, step});
        };
    }
    QVector<Step> steps() const
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        return m_steps;
    }
    QStringList names() const
    {
        QStringList names;
        for (const Step &step : steps())
            names << step.step;
        return names;
    }

private:
    mutable std::mutex m_mutex;
    QVector<Step> m_steps;
};

// Runs statements on the file through a connection of the test's own, outside Catalog.
QStringList rawQuery(const QString &path, const QStringList &statements, bool *ok = nullptr)
{
    const QString name = QStringLiteral("raw-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QStringList rows;
    bool allRan = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        allRan = db.open();
        QSqlQuery query(db);
        for (const QString &statement : statements) {
            if (!query.exec(statement)) {
                qWarning("%s: %s", qPrintable(statement), qPrintable(query.lastError().text()));
                allRan = false;
            }
            while (query.next()) {
                QStringList values;
                for (int column = 0; column < query.record().count(); ++column)
                    values << query.value(column).toString();
                rows << values.join(QLatin1Char('|'));
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    if (ok)
        *ok = allRan;
    return rows;
}

// The schema and the settings, in a stable order: what "the file as it was" means for a migration.
QStringList schemaAndSettings(const QString &path)
{
    return rawQuery(path, {QStringLiteral("SELECT type, name, sql FROM sqlite_master ORDER BY type, name"),
                           QStringLiteral("SELECT key, value FROM settings ORDER BY key")});
}

bool hasIndex(const QString &path, const QString &name)
{
    return rawQuery(path, {QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'index'")}).contains(name);
}

QVector<qint64> idsOf(const QVector<ItemRow> &rows)
{
    QVector<qint64> ids;
    for (const ItemRow &row : rows)
        ids << row.id;
    return ids;
}

// The migrations a schema-3 catalog goes through, by description.
QStringList migrationsAfter3()
{
    QStringList names;
    for (const Migration &migration : catalogMigrations()) {
        if (migration.toVersion > 3)
            names << QString::fromLatin1(migration.description);
    }
    return names;
}

} // namespace

// Migrations as the window runs them: each step reported before it runs and the end once, the index builds a
// migration adds either inside the open or left for later (the catalog thread builds them while the views read),
// one migration when two connections open at once, and a failed migration leaving the file as it was.
class TestMigrationProgress : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void reportsEachStepThenTheEnd();
    void deferredIndexesAreBuiltLaterWithTheSameResults();
    void indexBuildsAreIdempotent();
    void aFailedMigrationLeavesTheFileAsItWas();
    void twoConnectionsOpeningAtOnceMigrateOnce();
    void catalogThreadOpensFirstThenBuildsIndexes();
    void newCatalogNeedsNoIndexBuildLater();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
    QVector<qint64> m_byConfidence; // the items, least confident first, read before the roll-back
};

void TestMigrationProgress::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    const HandmadeCatalog made = makeHandmadeCatalog(m_dir->path(), {QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art")});
    m_path = made.path;
    Catalog catalog(m_path);
    const qint64 model = registerHandmadeModel(catalog, QStringLiteral("m"), {QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art")}, 0.9);
    for (int i = 0; i < 40; ++i) {
        const qint64 item = addHandmadeItem(catalog, QStringLiteral("/photos/%1.jpg").arg(i));
        const float p = float((i * 37) % 40) / 40.0f;
        addHandmadePrediction(catalog, model, item, {p, 1.0f - p});
    }
    m_byConfidence = idsOf(ItemQuery(catalog, ItemFilter(), ItemOrder::LeastConfidentFirst).page(nullptr, 100));
    QCOMPARE(m_byConfidence.size(), 40);
    catalog.run(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
}

void TestMigrationProgress::reportsEachStepThenTheEnd()
{
    QVERIFY(rollBackToSchema3(m_path));
    StepLog log;
    Catalog catalog(m_path, Catalog::OpenMode::OpenExisting, log.callback());
    QCOMPARE(catalog.schemaVersion(), Catalog::kSchemaVersion);

    // The schema steps in order, then the index a migration added, then the end with no step; one total throughout.
    const QStringList expected = migrationsAfter3() << QStringLiteral("index for browsing by confidence") << QString();
    QCOMPARE(log.names(), expected);
    const QVector<Step> steps = log.steps();
    for (int i = 0; i < steps.size(); ++i) {
        QCOMPARE(steps[i].done, i);
        QCOMPARE(steps[i].total, int(expected.size()) - 1);
    }
    QVERIFY(hasIndex(m_path, QStringLiteral("predictions_model_confidence")));
    QVERIFY(catalog.missingIndexes().isEmpty());

    // A current catalog opens without a word.
    StepLog again;
    Catalog reopened(m_path, Catalog::OpenMode::OpenExisting, again.callback());
    QVERIFY(again.steps().isEmpty());
}

void TestMigrationProgress::deferredIndexesAreBuiltLaterWithTheSameResults()
{
    QVERIFY(rollBackToSchema3(m_path));
    StepLog opening;
    Catalog catalog(m_path, Catalog::OpenMode::OpenExisting, opening.callback(), Catalog::IndexBuilds::Deferred);
    QCOMPARE(catalog.schemaVersion(), Catalog::kSchemaVersion);
    QCOMPARE(opening.names(), migrationsAfter3() << QString());
    QCOMPARE(opening.steps().last().done, opening.steps().last().total);

    // Usable at once, and reading the same without the index.
    QCOMPARE(catalog.missingIndexes(), QStringList{QStringLiteral("browsing by confidence")});
    QVERIFY(!hasIndex(m_path, QStringLiteral("predictions_model_confidence")));
    QCOMPARE(idsOf(ItemQuery(catalog, ItemFilter(), ItemOrder::LeastConfidentFirst).page(nullptr, 100)), m_byConfidence);

    StepLog building;
    QVERIFY(catalog.buildMissingIndexes(building.callback()));
    QCOMPARE(building.names(), (QStringList{QStringLiteral("index for browsing by confidence"), QString()}));
    QCOMPARE(building.steps().first().done, 0);
    QCOMPARE(building.steps().last().done, 1);
    QCOMPARE(building.steps().last().total, 1);
    QVERIFY(hasIndex(m_path, QStringLiteral("predictions_model_confidence")));
    QVERIFY(catalog.missingIndexes().isEmpty());
    QCOMPARE(idsOf(ItemQuery(catalog, ItemFilter(), ItemOrder::LeastConfidentFirst).page(nullptr, 100)), m_byConfidence);

    // Reads by confidence use it now.
    QSqlQuery plan = catalog.run(QStringLiteral("EXPLAIN QUERY PLAN SELECT item_id FROM predictions WHERE model_id = 1 ORDER BY confidence"));
    QString planText;
    while (plan.next())
        planText += plan.value(3).toString() + QLatin1Char('\n');
    QVERIFY2(planText.contains(QStringLiteral("predictions_model_confidence")), qPrintable(planText));
}

void TestMigrationProgress::indexBuildsAreIdempotent()
{
    QVERIFY(rollBackToSchema3(m_path));
    Catalog first(m_path, Catalog::OpenMode::OpenExisting, {}, Catalog::IndexBuilds::Deferred);
    Catalog second(m_path, Catalog::OpenMode::OpenExisting, {}, Catalog::IndexBuilds::Deferred);
    QCOMPARE(second.missingIndexes().size(), 1);
    QVERIFY(first.buildMissingIndexes());
    const QStringList schema = schemaAndSettings(m_path);

    // Built already: nothing to do, nothing reported, nothing changed.
    StepLog log;
    QVERIFY(second.buildMissingIndexes(log.callback()));
    QVERIFY(log.steps().isEmpty());
    QCOMPARE(schemaAndSettings(m_path), schema);

    // Even the statement itself, run again (as by a connection that saw the index missing a moment earlier).
    for (const Migration &migration : catalogMigrations()) {
        for (const IndexBuild &index : migration.indexes)
            second.run(index.statement);
    }
    QCOMPARE(schemaAndSettings(m_path), schema);

    // Stopped before the first: nothing built, and false says so.
    rawQuery(m_path, {QStringLiteral("DROP INDEX predictions_model_confidence")});
    QVERIFY(!second.buildMissingIndexes({}, [] { return true; }));
    QCOMPARE(second.missingIndexes().size(), 1);
}

void TestMigrationProgress::aFailedMigrationLeavesTheFileAsItWas()
{
    QVERIFY(rollBackToSchema3(m_path));
    // Something of migration 6 already there: its ALTER TABLE fails after migration 5 created two tables.
    rawQuery(m_path, {QStringLiteral("ALTER TABLE import_runs ADD COLUMN pid INTEGER")});
    const QStringList before = schemaAndSettings(m_path);
    const QStringList itemsBefore = rawQuery(m_path, {QStringLiteral("SELECT id, path, current_label_id FROM items ORDER BY id")});
    QVERIFY(before.join(QLatin1Char('\n')).contains(QStringLiteral("schema_version|3")));

    for (const Catalog::IndexBuilds builds : {Catalog::IndexBuilds::WhileOpening, Catalog::IndexBuilds::Deferred}) {
        StepLog log;
        const QString refusal = catalogRefusal([&] { Catalog catalog(m_path, Catalog::OpenMode::OpenExisting, log.callback(), builds); });
        QVERIFY2(refusal.contains(QStringLiteral("schema 6")), qPrintable(refusal));
        QVERIFY2(refusal.contains(m_path), qPrintable(refusal));
        // Reported up to the step that failed, and no end.
        QCOMPARE(log.names(), migrationsAfter3().mid(0, 3));
        QCOMPARE(schemaAndSettings(m_path), before);
        QCOMPARE(rawQuery(m_path, {QStringLiteral("SELECT id, path, current_label_id FROM items ORDER BY id")}), itemsBefore);
        QVERIFY(!hasIndex(m_path, QStringLiteral("predictions_model_confidence")));
    }
}

void TestMigrationProgress::twoConnectionsOpeningAtOnceMigrateOnce()
{
    QVERIFY(rollBackToSchema3(m_path));
    StepLog logs[2];
    QString errors[2];
    std::atomic<int> ready{0};
    std::thread openers[2];
    for (int i = 0; i < 2; ++i) {
        openers[i] = std::thread([&, i] {
            ++ready;
            while (ready < 2) // both start together
                std::this_thread::yield();
            try {
                Catalog catalog(m_path, Catalog::OpenMode::OpenExisting, logs[i].callback());
            } catch (const std::exception &error) {
                errors[i] = QString::fromUtf8(error.what());
            }
        });
    }
    for (std::thread &opener : openers)
        opener.join();
    QVERIFY2(errors[0].isEmpty(), qPrintable(errors[0]));
    QVERIFY2(errors[1].isEmpty(), qPrintable(errors[1]));

    // Exactly one of them ran the schema steps; the other found the catalog migrated once it had the write lock.
    const QStringList schemaSteps = migrationsAfter3();
    int migrated = 0;
    for (const StepLog &log : logs) {
        const QStringList names = log.names();
        if (names.mid(0, schemaSteps.size()) == schemaSteps)
            ++migrated;
        else
            for (const QString &name : names)
                QVERIFY2(!schemaSteps.contains(name), qPrintable(name));
    }
    QCOMPARE(migrated, 1);
    Catalog catalog(m_path);
    QCOMPARE(catalog.schemaVersion(), Catalog::kSchemaVersion);
    QVERIFY(catalog.missingIndexes().isEmpty());
    QCOMPARE(idsOf(ItemQuery(catalog, ItemFilter(), ItemOrder::LeastConfidentFirst).page(nullptr, 100)), m_byConfidence);
}

void TestMigrationProgress::catalogThreadOpensFirstThenBuildsIndexes()
{
    QVERIFY(rollBackToSchema3(m_path));
    CatalogWorker worker;
    // Queued to this thread in the order the worker's threads sent them.
    QStringList events;
    connect(&worker, &CatalogWorker::migrationProgress, this,
            [&](int done, int total, const QString &step) { events << QStringLiteral("migrate %1/%2 %3").arg(done).arg(total).arg(step); });
    connect(&worker, &CatalogWorker::opened, this, [&](const QString &) { events << QStringLiteral("opened"); });
    connect(&worker, &CatalogWorker::indexBuildProgress, this, [&](const QString &path, int done, int total, const QString &step) {
        QCOMPARE(path, m_path);
        events << QStringLiteral("index %1/%2 %3").arg(done).arg(total).arg(step);
    });
    QStringList built;
    connect(&worker, &CatalogWorker::indexesBuilt, this, [&](const QString &path) { built << path; });
    worker.open(m_path);
    QTRY_VERIFY_WITH_TIMEOUT(!built.isEmpty(), 30000);
    QCOMPARE(built, QStringList{m_path});

    QStringList expected;
    const QStringList schemaSteps = migrationsAfter3();
    for (int i = 0; i < schemaSteps.size(); ++i)
        expected << QStringLiteral("migrate %1/%2 %3").arg(i).arg(schemaSteps.size()).arg(schemaSteps[i]);
    expected << QStringLiteral("migrate %1/%1 ").arg(schemaSteps.size()) << QStringLiteral("opened")
             << QStringLiteral("index 0/1 index for browsing by confidence") << QStringLiteral("index 1/1 ");
    QCOMPARE(events, expected);
    QVERIFY(hasIndex(m_path, QStringLiteral("predictions_model_confidence")));

    // The catalog thread reads on it as usual.
    qint64 count = -1;
    worker.read(this, [](Catalog &catalog) { return catalog.itemCount(); }, [&](qint64 items) { count = items; });
    worker.waitForIdle();
    QCOMPARE(count, qint64(40));

    // Opened again, nothing is left to build.
    events.clear();
    worker.open(m_path);
    QTRY_VERIFY_WITH_TIMEOUT(events.contains(QStringLiteral("opened")), 30000);
    worker.waitForIdle();
    QCoreApplication::processEvents();
    QCOMPARE(events, QStringList{QStringLiteral("opened")}); // no migration step
    QVERIFY(Catalog(m_path).missingIndexes().isEmpty());
}

void TestMigrationProgress::newCatalogNeedsNoIndexBuildLater()
{
    // A new catalog's tables are empty: its indexes come with it even on a Deferred open.
    const QString path = m_dir->filePath(QStringLiteral("new.db"));
    Catalog catalog(path, Catalog::OpenMode::CreateIfMissing, {}, Catalog::IndexBuilds::Deferred);
    QVERIFY(catalog.missingIndexes().isEmpty());
    QVERIFY(hasIndex(path, QStringLiteral("predictions_model_confidence")));
    QVERIFY(hasIndex(path, QStringLiteral("predictions_item")));
}

QTEST_GUILESS_MAIN(TestMigrationProgress)
#include "tst_migrationprogress.moc"
