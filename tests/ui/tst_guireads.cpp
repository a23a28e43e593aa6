#include "catalogwaits.h"
#include "catalogsession.h"
#include "departmentsdialog.h"
#include "itempanel.h"
#include "retraindialog.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"

#include <QComboBox>
#include <QFileInfo>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUndoStack>

using namespace accession;
using namespace accession::test;

// The item panel and the dialogs read and write the catalog on the catalog thread: each action returns at once,
// saying it is reading, while the catalog thread is busy, and the widget fills when the result arrives.
class TestGuiReads : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void itemPanelSaysItIsReadingAndFillsLater();
    void itemPanelDropsTheResultForAnItemNoLongerCurrent();
    void departmentsDialogOpensBeforeItsDepartmentsArrive();
    void departmentEditsAreWrittenOnTheCatalogThread();
    void refusedMergeLeavesTheDialogAsItWas();
    void trainDialogOpensBeforeTheCatalogIsRead();

private:
    QString freshCatalog(const QString &name) { return copyCatalog(m_fixture.catalogPath, m_dir.path(), name); }
    QTemporaryDir m_dir;
    ClassifiedCatalog m_fixture;
};

namespace {

// Keeps the catalog thread busy, as a slow query or another process's write lock would: whatever is posted
// after this waits behind it, and a GUI that waited for its result would wait too.
void occupyCatalogThread(CatalogSession &session)
{
    session.worker()->read(&session, [](Catalog &) {
        QThread::msleep(300);
        return 0;
    }, [](int) {});
}

QStringList departmentNames(const QString &path)
{
    QStringList names;
    for (const Department &department : Catalog(path).departments())
        names << department.name;
    return names;
}

} // namespace

void TestGuiReads::initTestCase()
{
    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")));
}

void TestGuiReads::itemPanelSaysItIsReadingAndFillsLater()
{
    const QString path = freshCatalog(QStringLiteral("panel.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    ItemPanel panel(&session);
    QVERIFY(settleCatalogReads(&session));
    qint64 item = 0;
    QString predicted;
    {
        Catalog catalog(path);
        const ItemRow waiting = ReviewStore(catalog).queue(ModelRegistry(catalog).activeModel()->id, 2.0, 1).first();
        item = waiting.id;
        predicted = waiting.predicted;
    }
    QSignalSpy shown(&panel, &ItemPanel::itemShown);

    occupyCatalogThread(session);
    panel.showItem(item);
    // Back at once, the catalog thread still busy: the panel says so and offers nothing to act on.
    QVERIFY(panel.isReading());
    QVERIFY(panel.titleLabel()->text().contains(QStringLiteral("Reading")));
    QCOMPARE(panel.historyList()->count(), 0);
    QVERIFY(!panel.fileButton()->isEnabled());
    QVERIFY(!panel.isShowingChart());
    QVERIFY(shown.isEmpty());

    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(shown.size(), 1);
    QCOMPARE(shown.first().first().toLongLong(), item);
    QVERIFY(!panel.isReading());
    QVERIFY(!panel.titleLabel()->text().contains(QStringLiteral("Reading")));
    QCOMPARE(panel.historyList()->count(), 2); // imported, predicted
    QVERIFY(panel.isShowingChart());
    QCOMPARE(panel.chartCategories().last(), predicted);
    QVERIFY(panel.fileButton()->isEnabled());
    QCOMPARE(panel.departmentBox()->count(), int(departmentNames(path).size()));

    // A decision on it: the panel keeps showing the item while it is read again, then shows the decision.
    panel.departmentBox()->setCurrentIndex(0);
    const QString chosen = panel.departmentBox()->currentText();
    occupyCatalogThread(session);
    QTest::mouseClick(panel.fileButton(), Qt::LeftButton);
    QCOMPARE(panel.historyList()->count(), 2);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(panel.historyList()->count(), 4); // + curator label, + decision
    QCOMPARE(Catalog(path).item(item)->department, chosen);
}

void TestGuiReads::itemPanelDropsTheResultForAnItemNoLongerCurrent()
{
    const QString path = freshCatalog(QStringLiteral("stale.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    ItemPanel panel(&session);
    QVERIFY(settleCatalogReads(&session));
    const QVector<ItemRecord> items = Catalog(path).items(0, 2);
    QCOMPARE(items.size(), 2);
    QSignalSpy shown(&panel, &ItemPanel::itemShown);

    occupyCatalogThread(session);
    panel.showItem(items[0].id);
    panel.showItem(items[1].id); // the curator moved on before the first arrived
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(shown.size(), 1);
    QCOMPARE(shown.first().first().toLongLong(), items[1].id);
    QCOMPARE(panel.itemId(), items[1].id);
    QVERIFY(panel.titleLabel()->text().contains(QFileInfo(items[1].path).fileName()));

    // Nothing selected, while a read is on its way: nothing arrives after it.
    occupyCatalogThread(session);
    panel.showItem(items[0].id);
    panel.showItem(0);
    QVERIFY(!panel.isReading());
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(shown.size(), 1);
    QCOMPARE(panel.itemId(), 0);
    QCOMPARE(panel.historyList()->count(), 0);
    QVERIFY(!panel.fileButton()->isEnabled());
}

void TestGuiReads::departmentsDialogOpensBeforeItsDepartmentsArrive()
{
    const QString path = freshCatalog(QStringLiteral("departments.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    occupyCatalogThread(session);
    DepartmentsDialog dialog(&session);
    QSignalSpy shown(&dialog, &DepartmentsDialog::departmentsShown);
    dialog.show();
    QVERIFY(dialog.isReading());
    QCOMPARE(dialog.list()->count(), 0);
    bool sayingSo = false;
    for (const QLabel *label : dialog.findChildren<QLabel *>())
        sayingSo |= label->isVisibleTo(&dialog) && label->text().startsWith(QStringLiteral("Reading"));
    QVERIFY(sayingSo);

    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(shown.size(), 1);
    QVERIFY(!dialog.isReading());
    const QStringList names = departmentNames(path);
    QCOMPARE(dialog.list()->count(), int(names.size()));
    for (int row = 0; row < names.size(); ++row)
        QVERIFY(dialog.list()->item(row)->text().startsWith(names[row]));
    for (const QLabel *label : dialog.findChildren<QLabel *>())
        QVERIFY(!(label->isVisibleTo(&dialog) && label->text().startsWith(QStringLiteral("Reading"))));
}

void TestGuiReads::departmentEditsAreWrittenOnTheCatalogThread()
{
    const QString path = freshCatalog(QStringLiteral("edits.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    DepartmentsDialog dialog(&session);
    QVERIFY(settleCatalogReads(&session));
    const int before = dialog.list()->count();
    QSignalSpy edited(&dialog, &DepartmentsDialog::editFinished);
    QSignalSpy changed(&session, &CatalogSession::catalogChanged);

    occupyCatalogThread(session);
    dialog.addDepartment(QStringLiteral("Egyptian Art"));
    QVERIFY(edited.isEmpty());
    QVERIFY(changed.isEmpty());
    QCOMPARE(dialog.list()->count(), before);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(edited.size(), 1);
    QVERIFY(edited.first().first().toBool());
    QCOMPARE(changed.size(), 1); // the views hear of it
    QCOMPARE(dialog.list()->count(), before + 1);
    QVERIFY(departmentNames(path).contains(QStringLiteral("Egyptian Art")));

    // A merge is written there too, and lands on the undo stack once made; its undo is written there as well.
    const QVector<Department> departments = Catalog(path).departments();
    occupyCatalogThread(session);
    dialog.mergeDepartments(departments[0].id, departments[1].id);
    QCOMPARE(session.undoStack()->count(), 0);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(session.undoStack()->count(), 1);
    QCOMPARE(dialog.list()->count(), before);
    QVERIFY(dialog.undoMergeButton()->isEnabled());
    QCOMPARE(*Catalog(path).departmentIdByName(departments[0].name), departments[1].id);

    occupyCatalogThread(session);
    session.undoStack()->undo();
    QCOMPARE(dialog.list()->count(), before); // not undone yet: the catalog thread is busy
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(dialog.list()->count(), before + 1);
    QVERIFY(!dialog.undoMergeButton()->isEnabled());
    QCOMPARE(*Catalog(path).departmentIdByName(departments[0].name), departments[0].id);

    // Redo, then the dialog's own Undo Merge, which undoes the stack's command.
    session.undoStack()->redo();
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(dialog.list()->count(), before);
    dialog.undoMergeButton()->click();
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(dialog.list()->count(), before + 1);
    QCOMPARE(session.undoStack()->index(), 0);
}

void TestGuiReads::refusedMergeLeavesTheDialogAsItWas()
{
    const QString path = freshCatalog(QStringLiteral("refused.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    DepartmentsDialog dialog(&session);
    QVERIFY(settleCatalogReads(&session));
    QStringList shown;
    for (int row = 0; row < dialog.list()->count(); ++row)
        shown << dialog.list()->item(row)->text();
    QSignalSpy edited(&dialog, &DepartmentsDialog::editFinished);
    const qint64 department = Catalog(path).departments().first().id;

    dialog.mergeDepartments(department, department);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(edited.size(), 1);
    QVERIFY(!edited.first().first().toBool());
    QVERIFY2(dialog.lastError().contains(QStringLiteral("itself")), qPrintable(dialog.lastError()));
    QCOMPARE(session.undoStack()->count(), 0); // nothing to undo
    QStringList after;
    for (int row = 0; row < dialog.list()->count(); ++row)
        after << dialog.list()->item(row)->text();
    QCOMPARE(after, shown);

    // The next edit that succeeds clears the message.
    dialog.addDepartment(QStringLiteral("Egyptian Art"));
    QVERIFY(settleCatalogReads(&session));
    QVERIFY(dialog.lastError().isEmpty());
}

void TestGuiReads::trainDialogOpensBeforeTheCatalogIsRead()
{
    const QString path = freshCatalog(QStringLiteral("train.db"));
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    occupyCatalogThread(session);
    RetrainDialog dialog(&session);
    QSignalSpy read(&dialog, &RetrainDialog::catalogRead);
    QPushButton *start = nullptr;
    for (QPushButton *button : dialog.findChildren<QPushButton *>()) {
        if (button->text() == QStringLiteral("Start training"))
            start = button;
    }
    QVERIFY(start);
    QVERIFY(dialog.isReadingCatalog());
    QVERIFY(!start->isEnabled()); // it would train on a split it has not read yet
    QVERIFY(dialog.presetNote().startsWith(QStringLiteral("Reading")));

    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(read.size(), 1);
    QVERIFY(!dialog.isReadingCatalog());
    QVERIFY(start->isEnabled());
    QCOMPARE(dialog.preset(), TrainingPreset::FromScratch); // no weights added to this catalog
    // The active model's split, so that the comparison measures both on items neither learnt from.
    Catalog catalog(path);
    const auto active = ModelRegistry(catalog).activeModel();
    QVERIFY(active);
    const QJsonObject training = active->card.value(QStringLiteral("training")).toObject();
    if (training.contains(QStringLiteral("seed")))
        QCOMPARE(dialog.options().seed, quint64(training.value(QStringLiteral("seed")).toInteger()));
}

QTEST_MAIN(TestGuiReads)
#include "tst_guireads.moc"
