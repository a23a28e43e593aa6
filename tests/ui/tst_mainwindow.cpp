#include "catalogitemmodel.h"
#include "mainwindow.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void itemModelPassesModelTester();
    void itemModelFetchesInPages();
    void opensCatalogAndListsItems();
    void reportsCatalogThatCannotOpen();
};

void TestMainWindow::itemModelPassesModelTester()
{
    QTemporaryDir dir;
    writeDepartmentFolders(dir.filePath(QStringLiteral("in")), {QStringLiteral("Asian Art"), QStringLiteral("Arms and Armor")}, 5);
    importFolders(dir.filePath(QStringLiteral("c.db")), dir.filePath(QStringLiteral("in")));
    Catalog catalog(dir.filePath(QStringLiteral("c.db")));
    CatalogItemModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCatalog(&catalog);
    while (model.canFetchMore(QModelIndex()))
        model.fetchMore(QModelIndex());
    QCOMPARE(model.rowCount(), 10);
    model.reload();
    model.setCatalog(nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void TestMainWindow::itemModelFetchesInPages()
{
    QTemporaryDir dir;
    const int perDepartment = (CatalogItemModel::kPageSize + 100) / 2;
    writeDepartmentFolders(dir.filePath(QStringLiteral("in")), {QStringLiteral("A"), QStringLiteral("B")}, perDepartment, 16);
    importFolders(dir.filePath(QStringLiteral("c.db")), dir.filePath(QStringLiteral("in")));
    Catalog catalog(dir.filePath(QStringLiteral("c.db")));
    CatalogItemModel model;
    model.setCatalog(&catalog);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.canFetchMore(QModelIndex()));
    model.fetchMore(QModelIndex());
    QCOMPARE(model.rowCount(), CatalogItemModel::kPageSize);
    model.fetchMore(QModelIndex());
    QCOMPARE(model.rowCount(), 2 * perDepartment);
    QVERIFY(!model.canFetchMore(QModelIndex()));
}

void TestMainWindow::opensCatalogAndListsItems()
{
    QTemporaryDir dir;
    writeDepartmentFolders(dir.filePath(QStringLiteral("in")), {QStringLiteral("Asian Art"), QStringLiteral("Arms and Armor")}, 4);
    importFolders(dir.filePath(QStringLiteral("c.db")), dir.filePath(QStringLiteral("in")));
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openCatalog(dir.filePath(QStringLiteral("c.db"))));
    QTRY_COMPARE(window.itemView()->model()->rowCount(), 8);
    const QModelIndex department = window.itemModel()->index(0, CatalogItemModel::DepartmentColumn);
    QCOMPARE(department.data().toString(), QStringLiteral("Arms and Armor"));
    QVERIFY(window.windowTitle().contains(QStringLiteral("c.db")));
    const QModelIndex file = window.itemModel()->index(0, CatalogItemModel::FileColumn);
    QVERIFY(!file.data(Qt::DecorationRole).value<QPixmap>().isNull());
}

void TestMainWindow::reportsCatalogThatCannotOpen()
{
    QTemporaryDir dir;
    {
        Catalog catalog(dir.filePath(QStringLiteral("future.db")), Catalog::OpenMode::CreateIfMissing);
        catalog.setSetting(QStringLiteral("schema_version"), QStringLiteral("42"));
    }
    MainWindow window;
    QVERIFY(!window.openCatalog(dir.filePath(QStringLiteral("future.db"))));
    QVERIFY(window.catalogPath().isEmpty());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
