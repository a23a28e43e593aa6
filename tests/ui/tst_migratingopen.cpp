#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "catalogwaits.h"
#include "handmadecatalog.h"
#include "mainwindow.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"

#include <QProgressBar>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

// The window opening a catalog written by an older Accession: the migration's steps in the status bar while the
// GUI thread goes on, the catalog shown once the schema steps are done, the indexes the migration adds built
// afterwards as its last steps, and the status bar cleared when they are.
class TestMigratingOpen : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsEachStepThenTheCatalogThenTheIndexBuilds();
};

void TestMigratingOpen::showsEachStepThenTheCatalogThenTheIndexBuilds()
{
    QTemporaryDir dir;
    const QStringList departments = {QStringLiteral("Asian Art"), QStringLiteral("Egyptian Art")};
    const HandmadeCatalog made = makeHandmadeCatalog(dir.path(), departments);
    {
        Catalog catalog(made.path);
        const qint64 model = registerHandmadeModel(catalog, QStringLiteral("m"), departments, 0.9);
        for (int i = 0; i < 30; ++i)
            addHandmadePrediction(catalog, model, addHandmadeItem(catalog, QStringLiteral("/photos/%1.jpg").arg(i)), {0.6f, 0.4f});
    }
    QVERIFY(rollBackToSchema3(made.path));

    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // What the status bar said at each step, and whether the catalog was open by then.
    QStringList shown;
    connect(window.session(), &CatalogSession::migrationProgress, this, [&](int, int, const QString &step) {
        if (!step.isEmpty())
            shown << (window.session()->isOpen() ? QStringLiteral("open: ") : QStringLiteral("opening: ")) + window.statusBar()->currentMessage();
    });
    bool indexesBuilt = false;
    connect(window.session()->worker(), &CatalogWorker::indexesBuilt, this, [&] { indexesBuilt = true; });
    QSignalSpy opened(&window, &MainWindow::catalogOpened);
    window.openCatalog(made.path);
    QTRY_VERIFY_WITH_TIMEOUT(indexesBuilt, 30000);
    QCOMPARE(opened.size(), 1);
    QVERIFY(waitUntilLoaded(*window.itemModel()));
    QCOMPARE(window.itemModel()->totalCount(), qint64(30));

    const QString updating = QStringLiteral("Updating the catalog for this version of Accession, step ");
    const QStringList expected = {
        QStringLiteral("opening: ") + updating + QStringLiteral("1 of 10: browsing by confidence"),
        QStringLiteral("opening: ") + updating + QStringLiteral("2 of 10: collection imports that resume"),
        QStringLiteral("opening: ") + updating + QStringLiteral("3 of 10: import runs that know their process, and warnings"),
        QStringLiteral("opening: ") + updating + QStringLiteral("4 of 10: department merges that can be undone"),
        QStringLiteral("opening: ") + updating + QStringLiteral("5 of 10: pretrained weights the curator adds"),
        QStringLiteral("opening: ") + updating + QStringLiteral("6 of 10: perceptual hashes and near-duplicate groups"),
        QStringLiteral("opening: ") + updating + QStringLiteral("7 of 10: out-of-scope photographs"),
        QStringLiteral("opening: ") + updating + QStringLiteral("8 of 10: decisions that name their curator"),
        QStringLiteral("opening: ") + updating + QStringLiteral("9 of 10: classifying by department group"),
        QStringLiteral("opening: ") + updating + QStringLiteral("10 of 10: decisions that name their session, and change notices from every write"),
        QStringLiteral("open: ") + updating + QStringLiteral("1 of 1: index for browsing by confidence"),
    };
    QCOMPARE(shown, expected);
    // Done: no progress left in the status bar.
    QVERIFY(!window.statusBar()->currentMessage().startsWith(QStringLiteral("Updating the catalog")));
    QProgressBar *progress = window.statusBar()->findChild<QProgressBar *>();
    QVERIFY(progress);
    QVERIFY(!progress->isVisible());

    Catalog migrated(made.path);
    QCOMPARE(migrated.schemaVersion(), Catalog::kSchemaVersion);
    QVERIFY(migrated.missingIndexes().isEmpty());
}

QTEST_MAIN(TestMigratingOpen)
#include "tst_migratingopen.moc"
