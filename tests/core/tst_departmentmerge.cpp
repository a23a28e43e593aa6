#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"

#include "testcatalogs.h"

#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

namespace {

// Every row of the tables a merge touches, as text, so that two states compare exactly.
QStringList rowsOf(Catalog &catalog)
{
    QStringList rows;
    const QStringList queries = {
        QStringLiteral("SELECT * FROM departments ORDER BY id"),
        QStringLiteral("SELECT * FROM department_aliases ORDER BY alias"),
        QStringLiteral("SELECT * FROM department_groups ORDER BY id"),
        QStringLiteral("SELECT * FROM labels ORDER BY id"),
        QStringLiteral("SELECT id, item_id, model_id, predicted_department_id, confidence, auto_filed FROM predictions ORDER BY id"),
        QStringLiteral("SELECT * FROM review_decisions ORDER BY id"),
        QStringLiteral("SELECT id, current_label_id FROM items ORDER BY id"),
    };
    for (const QString &sql : queries) {
        QSqlQuery query = catalog.run(sql);
        while (query.next()) {
            QStringList fields;
            for (int i = 0; i < query.record().count(); ++i)
                fields << query.value(i).toString();
            rows << sql.section(QLatin1Char(' '), -4, -4) + QLatin1Char(':') + fields.join(QLatin1Char('|'));
        }
    }
    return rows;
}

qint64 count(Catalog &catalog, const QString &sql, qint64 departmentId)
{
    QSqlQuery query = catalog.run(sql, {{QStringLiteral("id"), departmentId}});
    return query.next() ? query.value(0).toLongLong() : -1;
}

} // namespace

// Merging departments is undoable exactly: the merge records what it moved, and undo moves back those rows.
class TestDepartmentMerge : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void undoRestoresEveryRowExactly();
    void undoWorksAfterReopening();
    void undoIsRefusedWhenItCannotBeExact();

private:
    QTemporaryDir m_dir;
    ClassifiedCatalog m_fixture;
    int m_copies = 0;
    int m_fromIndex = 0; // a department with labels, predictions, a decision, a former name and a group
    QString freshCopy() { return copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("copy%1.db").arg(++m_copies)); }
};

void TestDepartmentMerge::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")), 8, 2);
    // Something of every kind the merge moves: a former name (alias), a group, a curator's decision.
    Catalog catalog(m_fixture.catalogPath);
    const QVector<Department> departments = catalog.departments();
    QVERIFY(departments.size() >= 3);
    QSqlQuery predicted = catalog.run(QStringLiteral("SELECT predicted_department_id FROM predictions"
                                                     " GROUP BY predicted_department_id ORDER BY COUNT(*) DESC LIMIT 1"));
    QVERIFY(predicted.next());
    for (int i = 0; i < departments.size(); ++i) {
        if (departments[i].id == predicted.value(0).toLongLong())
            m_fromIndex = i;
    }
    const Department &from = departments[m_fromIndex];
    catalog.renameDepartment(from.id, from.name + QStringLiteral(" (renamed)"));
    catalog.setDepartmentGroup(from.id, catalog.addDepartmentGroup(QStringLiteral("Works on paper")));
    ReviewStore store(catalog);
    const auto model = ModelRegistry(catalog).activeModel();
    QVERIFY(model);
    const QVector<ItemRow> queue = store.queue(model->id, 1.01, 3);
    QVERIFY(!queue.isEmpty());
    store.choose(queue.first().id, from.id);
}

void TestDepartmentMerge::undoRestoresEveryRowExactly()
{
    Catalog catalog(freshCopy());
    const QVector<Department> departments = catalog.departments();
    const Department &merged = departments[m_fromIndex];
    const qint64 from = merged.id;
    const qint64 into = departments[(m_fromIndex + 1) % departments.size()].id;
    const QString labelsOf = QStringLiteral("SELECT COUNT(*) FROM labels WHERE department_id = :id");
    const QString predictionsOf = QStringLiteral("SELECT COUNT(*) FROM predictions WHERE predicted_department_id = :id");
    const QString decisionsOf = QStringLiteral("SELECT COUNT(*) FROM review_decisions WHERE department_id = :id");
    const QString aliasesOf = QStringLiteral("SELECT COUNT(*) FROM department_aliases WHERE department_id = :id");
    QVERIFY(count(catalog, labelsOf, from) > 0);
    QVERIFY(count(catalog, predictionsOf, from) > 0);
    QVERIFY(count(catalog, decisionsOf, from) > 0);
    QCOMPARE(count(catalog, aliasesOf, from), 1);
    const QStringList before = rowsOf(catalog);
    const qint64 intoLabels = count(catalog, labelsOf, into);

    const qint64 merge = catalog.mergeDepartments(from, into);
    QVERIFY(merge > 0);
    QCOMPARE(catalog.departments().size(), departments.size() - 1);
    QCOMPARE(count(catalog, labelsOf, from), 0);
    QVERIFY(count(catalog, labelsOf, into) > intoLabels);
    QCOMPARE(catalog.departmentIdByName(merged.name), into); // the old name resolves to the new one
    QCOMPARE(catalog.undoableDepartmentMerges().size(), 1);
    QCOMPARE(catalog.undoableDepartmentMerges().first().fromName, merged.name);
    QVERIFY(rowsOf(catalog) != before);

    catalog.undoDepartmentMerge(merge);
    QCOMPARE(rowsOf(catalog), before);
    QCOMPARE(catalog.departmentIdByName(merged.name), from);
    QVERIFY(catalog.undoableDepartmentMerges().isEmpty());
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.undoDepartmentMerge(merge)); // only once
}

void TestDepartmentMerge::undoWorksAfterReopening()
{
    const QString path = freshCopy();
    QStringList before;
    qint64 merge = 0;
    {
        Catalog catalog(path);
        before = rowsOf(catalog);
        const QVector<Department> departments = catalog.departments();
        // Two merges in a row, undone newest first after the catalog was closed and opened again.
        merge = catalog.mergeDepartments(departments[0].id, departments[2].id);
        catalog.mergeDepartments(departments[1].id, departments[2].id);
    }
    Catalog reopened(path);
    const QVector<Catalog::DepartmentMerge> merges = reopened.undoableDepartmentMerges();
    QCOMPARE(merges.size(), 2);
    QCOMPARE(merges.last().id, merge);
    for (const Catalog::DepartmentMerge &each : merges)
        reopened.undoDepartmentMerge(each.id);
    QCOMPARE(rowsOf(reopened), before);
}

void TestDepartmentMerge::undoIsRefusedWhenItCannotBeExact()
{
    Catalog catalog(freshCopy());
    const QVector<Department> departments = catalog.departments();
    const QStringList before = rowsOf(catalog);

    // The department it went into was merged on: that merge must be undone first.
    const qint64 first = catalog.mergeDepartments(departments[0].id, departments[1].id);
    const qint64 second = catalog.mergeDepartments(departments[1].id, departments[2].id);
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.undoDepartmentMerge(first));
    catalog.undoDepartmentMerge(second);
    catalog.undoDepartmentMerge(first);
    QCOMPARE(rowsOf(catalog), before);

    // A department that took the old name since.
    const qint64 third = catalog.mergeDepartments(departments[0].id, departments[1].id);
    catalog.run(QStringLiteral("DELETE FROM department_aliases WHERE alias = :name"), {{QStringLiteral("name"), departments[0].name}});
    catalog.addDepartment(departments[0].name);
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.undoDepartmentMerge(third));
    QVERIFY_THROWS_EXCEPTION(CatalogError, catalog.undoDepartmentMerge(987654));
}

QTEST_GUILESS_MAIN(TestDepartmentMerge)
#include "tst_departmentmerge.moc"
