#include "alteredimages.h"
#include "catalogwaits.h"
#include "catalogsession.h"
#include "itempanel.h"
#include "mainwindow.h"
#include "nearduplicatesview.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "jobs/jobqueue.h"

#include <QDir>
#include <QFile>
#include <QListWidget>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;

namespace {

void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
    file.write(bytes);
}

QSet<QString> fileNamesOf(const QString &catalogPath, const QVector<qint64> &itemIds)
{
    Catalog catalog(catalogPath);
    QSet<QString> names;
    for (qint64 itemId : itemIds) {
        const auto item = catalog.item(itemId);
        names.insert(item ? QFileInfo(item->path).fileName() : QStringLiteral("missing #%1").arg(itemId));
    }
    return names;
}

} // namespace

// The near-duplicates tab of the window: it runs the check as a job, lists the groups it saved, shows a group's
// photographs side by side, and reads the saved groups back when the catalog opens again.
class NearDuplicatesViewTest : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void findsShowsAndKeepsGroups();
    void headingsNameWhatJoinedEachGroup();
    void noCatalogNoCheck();

private:
    QTemporaryDir m_dir;
    QString m_catalogPath;
};

void NearDuplicatesViewTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString images = m_dir.filePath(QStringLiteral("images"));
    // Two objects photographed twice (smaller recompressed copies: the perceptual hash sees through them without a model), three photographed once.
    const QByteArray vase = test::shapesPhotograph(11);
    const QByteArray mask = test::shapesPhotograph(12);
    writeFile(images + QStringLiteral("/Asian Art/vase.png"), vase);
    writeFile(images + QStringLiteral("/Asian Art/vase-small.jpg"), test::alteredCopy(vase, {0.6, 1.0, 0.0, 40}));
    writeFile(images + QStringLiteral("/Asian Art/mask.png"), mask);
    writeFile(images + QStringLiteral("/Arms and Armor/mask-crop.jpg"), test::alteredCopy(mask, {0.8, 1.0, 0.0, 60}));
    for (quint32 seed : {21u, 22u, 23u})
        writeFile(images + QStringLiteral("/Arms and Armor/other-%1.png").arg(seed), test::shapesPhotograph(seed));
    m_catalogPath = m_dir.filePath(QStringLiteral("catalog.db"));
    test::importFolders(m_catalogPath, images);
}

void NearDuplicatesViewTest::findsShowsAndKeepsGroups()
{
    {
        MainWindow window;
        QVERIFY(openCatalogAndWait(window, m_catalogPath));
        NearDuplicatesView *view = window.nearDuplicatesView();
        QVERIFY(view);
        window.showNearDuplicates();
        QCOMPARE(window.tabs()->currentWidget(), view);
        QTRY_VERIFY(view->summaryText().contains(QStringLiteral("No near-duplicate groups are saved")));
        QCOMPARE(view->groupCount(), 0);
        // Neither a model nor pretrained weights: the check says it compares hashes alone.
        QVERIFY2(view->summaryText().contains(QStringLiteral("perceptual hashes only")), qPrintable(view->summaryText()));

        QSignalSpy shown(view, &NearDuplicatesView::groupsShown);
        QVERIFY(view->findButton()->isEnabled());
        QTest::mouseClick(view->findButton(), Qt::LeftButton);
        QVERIFY(!view->findButton()->isEnabled()); // one check at a time
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty() && view->findButton()->isEnabled(), 60000);
        QTRY_COMPARE(view->groupCount(), 2);
        QVERIFY2(view->summaryText().contains(QStringLiteral("Checked 7 photographs")), qPrintable(view->summaryText()));
        QVERIFY2(view->summaryText().contains(QStringLiteral("1 labelled with more than one department")),
                 qPrintable(view->summaryText()));

        QSet<QSet<QString>> groups;
        for (int row = 0; row < view->groupCount(); ++row) {
            view->selectGroup(row);
            QCOMPARE(view->shownItems().size(), 2);
            QVERIFY2(view->shownPairsText().contains(QStringLiteral("bits apart")) || view->shownPairsText().contains(QStringLiteral("bit apart")),
                     qPrintable(view->shownPairsText()));
            groups.insert(fileNamesOf(m_catalogPath, view->shownItems()));
        }
        const QSet<QSet<QString>> expected{{QStringLiteral("vase.png"), QStringLiteral("vase-small.jpg")},
                                           {QStringLiteral("mask.png"), QStringLiteral("mask-crop.jpg")}};
        QCOMPARE(groups, expected);
        // The group whose photographs carry two departments says so in the list.
        bool mixedListed = false;
        for (int row = 0; row < view->groupList()->count(); ++row) {
            const QString text = view->groupList()->item(row)->text();
            if (text.contains(QStringLiteral("Asian Art")) && text.contains(QStringLiteral("Arms and Armor")))
                mixedListed = true;
        }
        QVERIFY(mixedListed);

        // A tile's button shows its photograph in the item panel and leaves the group in view.
        view->selectGroup(0);
        const qint64 first = view->shownItems().first();
        QSignalSpy itemShown(window.itemPanel(), &ItemPanel::itemShown);
        QPushButton *open = nullptr;
        for (QPushButton *button : view->findChildren<QPushButton *>())
            if (button->text() == QStringLiteral("Show in Item Panel") && !open)
                open = button;
        QVERIFY(open);
        QTest::mouseClick(open, Qt::LeftButton);
        QTRY_VERIFY(!itemShown.isEmpty());
        QCOMPARE(itemShown.first().first().toLongLong(), first);
        QCOMPARE(window.tabs()->currentWidget(), view);
    }
    // The groups were saved in the catalog: the next window lists them without a check.
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_catalogPath));
    QTRY_COMPARE(window.nearDuplicatesView()->groupCount(), 2);
}

void NearDuplicatesViewTest::headingsNameWhatJoinedEachGroup()
{
    // Groups as a check with a backbone saves them, each pair with both measures: one joined by its hashes (its
    // features far apart), one by its features (its hashes far apart), one by both kinds of pair.
    const QString catalogPath = m_dir.filePath(QStringLiteral("headings.db"));
    test::importFolders(catalogPath, m_dir.filePath(QStringLiteral("images")));
    {
        Catalog catalog(catalogPath);
        QVector<qint64> ids;
        for (const ItemRow &item : catalog.labelledItems())
            ids << item.id;
        QVERIFY(ids.size() >= 7);
        NearDuplicateGroup byHash;
        byHash.items = {ids[0], ids[1]};
        byHash.pairs = {{ids[0], ids[1], 0.363, 1}};
        NearDuplicateGroup byFeatures;
        byFeatures.items = {ids[2], ids[3]};
        byFeatures.pairs = {{ids[2], ids[3], 0.95, 30}};
        NearDuplicateGroup byBoth;
        byBoth.items = {ids[4], ids[5], ids[6]};
        byBoth.pairs = {{ids[4], ids[5], 0.41, 2}, {ids[5], ids[6], 0.925, 24}};
        for (NearDuplicateGroup *group : {&byHash, &byFeatures, &byBoth}) {
            for (qint64 id : group->items)
                group->paths << catalog.item(id)->path;
        }
        catalog.replaceNearDuplicateGroups({byHash, byFeatures, byBoth});
    }
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, catalogPath));
    NearDuplicatesView *view = window.nearDuplicatesView();
    QTRY_COMPARE(view->groupCount(), 3);
    QStringList headings;
    for (int row = 0; row < view->groupList()->count(); ++row)
        headings << view->groupList()->item(row)->text().section(QLatin1Char('\n'), 0, 0);
    headings.sort();
    QCOMPARE(headings, (QStringList{QStringLiteral("2 photographs · features 95.0% alike"),
                                    QStringLiteral("2 photographs · hashes 1 bit apart"),
                                    QStringLiteral("3 photographs · hashes 2 bits apart, features 92.5% alike")}));
}

void NearDuplicatesViewTest::noCatalogNoCheck()
{
    MainWindow window;
    NearDuplicatesView *view = window.nearDuplicatesView();
    QVERIFY(!view->findButton()->isEnabled());
    QVERIFY(view->summaryText().contains(QStringLiteral("Open a catalog")));
    view->findNearDuplicates(); // nothing to check: no job, no crash
    QVERIFY(!window.session()->jobs()->isBusy());
}

QTEST_MAIN(NearDuplicatesViewTest)
#include "tst_nearduplicatesview.moc"
