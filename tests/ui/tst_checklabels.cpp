#include "catalogwaits.h"
#include "checklabelswidget.h"
#include "labelissuesmodel.h"
#include "mainwindow.h"
#include "testcatalogs.h"
#include "testimages.h"

#include "catalog/catalog.h"
#include "catalog/reviewstore.h"
#include "catalog/weightsregistry.h"
#include "ml/modelregistration.h"
#include "catalog/modelregistry.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QDockWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <algorithm>

using namespace accession;
using namespace accession::test;

namespace {

const QStringList kDepartments = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"),
                                  QStringLiteral("Drawings and Prints"), QStringLiteral("Musical Instruments")};
constexpr int kPerDepartment = 20;
constexpr int kCheckTimeoutMs = 300000;

// The item's current label: its department and whether a curator gave it.
struct CurrentLabel
{
    QString department;
    bool byCurator = false;
};

CurrentLabel currentLabel(Catalog &catalog, qint64 itemId)
{
    const std::optional<ItemRecord> item = catalog.item(itemId);
    if (!item || !item->labelSource)
        return {};
    return {item->department, *item->labelSource == LabelSource::Curator};
}

QJsonObject cliJson(const QStringList &arguments)
{
    QByteArray out;
    QByteArray err;
    const int code = runCli(arguments, &out, &err);
    if (code != 0)
        qWarning("accession-cli failed (%d): %s", code, err.constData());
    return parseJsonObject(out);
}

QSet<qint64> itemIdsOf(const QJsonObject &report)
{
    QSet<qint64> ids;
    for (const QJsonValue &item : report.value(QStringLiteral("items")).toArray())
        ids.insert(item.toObject().value(QStringLiteral("item_id")).toInteger());
    return ids;
}

} // namespace

// The Check Labels view: the check runs from the menu in the job queue, lists the likely mislabelled items most
// suspicious first, and the curator's answers are curator labels on the undo stack; confirmed items stay out of the
// next check (the command line's --include-confirmed brings them back).
class TestCheckLabels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void withoutAModelSaysWhatToDo();
    void cancelStopsTheCheck();
    void decideUndoAndRedo();
    void anotherWindowsDecisionIsRefusedAndShown();
    void unreadablePhotographIsAProblem(); // last: it spoils one of the fixture's files

private:
    bool runCheck(MainWindow &window);

    QTemporaryDir m_dir;
    QString m_catalog;
    QString m_model;
    QHash<qint64, QString> m_flipped; // item id -> its true department
};

void TestCheckLabels::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    m_catalog = m_dir.filePath(QStringLiteral("fixture.db"));
    m_model = m_dir.filePath(QStringLiteral("model.safetensors"));
    writeColourFolders(m_dir.filePath(QStringLiteral("labelled")), kDepartments, kPerDepartment, 7);
    importFolders(m_catalog, m_dir.filePath(QStringLiteral("labelled")));
    // One item of each department imported under the next department: 4 wrong labels of 80.
    m_flipped = plantWrongLabels(m_catalog, kDepartments);
    QCOMPARE(m_flipped.size(), kDepartments.size());

    QVERIFY(trainSmallBaseline(m_catalog, m_model));
    const qint64 modelId = registerModelFile(m_catalog, m_model);
    Catalog catalog(m_catalog);
    ModelRegistry(catalog).activate(modelId);
}

bool TestCheckLabels::runCheck(MainWindow &window)
{
    QSignalSpy ended(window.checkLabelsWidget(), &CheckLabelsWidget::checkEnded);
    window.checkLabelsAction()->trigger();
    if (!QTest::qWaitFor([&] { return !ended.isEmpty(); }, kCheckTimeoutMs))
        return false;
    return ended.first().first().toBool() && settleCatalogReads(window.session());
}

void TestCheckLabels::withoutAModelSaysWhatToDo()
{
    const QString path = m_dir.filePath(QStringLiteral("no-model.db"));
    importFolders(path, m_dir.filePath(QStringLiteral("labelled")));
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, path));
    QVERIFY(!runCheck(window));
    CheckLabelsWidget *view = window.checkLabelsWidget();
    QCOMPARE(window.tabs()->currentWidget(), view);
    QCOMPARE(view->model()->rowCount(), 0);
    QVERIFY(!view->isChecking());
    const QString summary = view->summaryLabel()->text();
    QVERIFY2(summary.contains(QStringLiteral("Train or Retrain")) && summary.contains(QStringLiteral("Add Pretrained Weights")),
             qPrintable(summary));
    QVERIFY(!view->confirmButton()->isEnabled());
    QVERIFY(!view->backboneChoice()->isEnabled());

    // Pretrained weights added later are offered (a file that is gone is not).
    const QString weights = m_dir.filePath(QStringLiteral("resnet18-backbone.safetensors"));
    writeFile(weights, QByteArrayLiteral("weights checked when they were added"));
    WeightsRegistry(*testCatalog(window.session())).add(weights, QStringLiteral("resnet18"), QString(64, QLatin1Char('a')));
    WeightsRegistry(*testCatalog(window.session())).add(m_dir.filePath(QStringLiteral("gone.safetensors")), QStringLiteral("resnet50"),
                                                        QString(64, QLatin1Char('b')));
    window.session()->notifyModelsChanged();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(view->backboneChoice()->count(), 1);
    QVERIFY(view->backboneChoice()->isEnabled());
    QCOMPARE(view->backboneChoice()->currentText(), QStringLiteral("Pretrained weights: resnet18-backbone.safetensors (resnet18)"));
}

void TestCheckLabels::cancelStopsTheCheck()
{
    const QString path = copyCatalog(m_catalog, m_dir.path(), QStringLiteral("cancel.db"));
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, path));
    CheckLabelsWidget *view = window.checkLabelsWidget();
    QSignalSpy ended(view, &CheckLabelsWidget::checkEnded);
    window.checkLabelsAction()->trigger();
    QVERIFY(QTest::qWaitFor([&] { return view->isChecking() || !ended.isEmpty(); }, 30000));
    QVERIFY(view->isChecking());
    QVERIFY(window.session()->jobs()->isBusy());
    view->cancelCheck();
    QVERIFY(QTest::qWaitFor([&] { return !ended.isEmpty(); }, kCheckTimeoutMs));
    QCOMPARE(ended.first().first().toBool(), false);
    QVERIFY(!view->isChecking());
    QCOMPARE(view->model()->rowCount(), 0);
    QVERIFY2(view->summaryLabel()->text().contains(QStringLiteral("cancelled")), qPrintable(view->summaryLabel()->text()));
}

void TestCheckLabels::decideUndoAndRedo()
{
    const QString path = copyCatalog(m_catalog, m_dir.path(), QStringLiteral("decide.db"));
    MainWindow window;
    window.resize(1200, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(openCatalogAndWait(window, path));
    CheckLabelsWidget *view = window.checkLabelsWidget();
    LabelIssuesModel *model = view->model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(view->foldsChoice()->value(), 5);
    QVERIFY(view->backboneChoice()->currentText().startsWith(QStringLiteral("Active model")));
    view->foldsChoice()->setValue(2); // each fold fits a head; two keep the test short and still find every wrong label

    QVERIFY(runCheck(window));
    QCOMPARE(window.tabs()->currentWidget(), view);
    QVERIFY2(model->rowCount() >= 3, qPrintable(view->summaryLabel()->text()));
    for (int row = 1; row < model->rowCount(); ++row)
        QVERIFY(model->issue(row - 1).score >= model->issue(row).score);
    // The wrong labels come first, each with its true department suggested.
    for (int row = 0; row < m_flipped.size(); ++row) {
        QVERIFY2(m_flipped.contains(model->issue(row).itemId), qPrintable(QString::number(row)));
        QCOMPARE(model->issue(row).suggested, m_flipped.value(model->issue(row).itemId));
    }
    QVERIFY(view->summaryLabel()->text().contains(QStringLiteral("estimated error rate")));
    QVERIFY(QTest::qWaitFor([&] { return model->thumbnailsLoaded() == model->rowCount(); }, 30000));
    QCOMPARE(view->currentItemId(), model->issue(0).itemId);
    // For a look at the view: ACCESSION_SCREENSHOT_DIR=DIR saves it there (run under xvfb-run for the real platform).
    if (const QString shots = qEnvironmentVariable("ACCESSION_SCREENSHOT_DIR"); !shots.isEmpty()) {
        QTest::qWait(500); // the large photograph decodes on a worker thread
        window.grab().save(shots + QStringLiteral("/check-labels.png"));
    }

    Catalog &catalog = *testCatalog(window.session());
    const LabelIssue kept = model->issue(0);
    const LabelIssue moved = model->issue(1);
    const LabelIssue skipped = model->issue(2);
    QVERIFY(window.countLabel()->text().contains(QStringLiteral("0 confirmed")));

    // C keeps the given label, as a curator's.
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    view->table()->setFocus();
    QTest::keyClick(view->table(), Qt::Key_C);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(currentLabel(catalog, kept.itemId).department, kept.given);
    QVERIFY(currentLabel(catalog, kept.itemId).byCurator);
    QCOMPARE(ReviewStore(catalog).status(kept.itemId), ItemStatus::Confirmed);
    QCOMPARE(model->decision(0), LabelIssuesModel::Decision::Confirmed);
    QCOMPARE(view->currentItemId(), moved.itemId);
    QVERIFY(window.countLabel()->text().contains(QStringLiteral("1 confirmed")));

    // T takes the suggestion.
    QTest::keyClick(view->table(), Qt::Key_T);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(currentLabel(catalog, moved.itemId).department, moved.suggested);
    QVERIFY(currentLabel(catalog, moved.itemId).byCurator);
    QCOMPARE(model->decision(1), LabelIssuesModel::Decision::Relabelled);
    QCOMPARE(view->currentItemId(), skipped.itemId);

    // S moves on and writes nothing.
    const int undoCount = window.session()->undoStack()->count();
    QTest::keyClick(view->table(), Qt::Key_S);
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(currentLabel(catalog, skipped.itemId).department, skipped.given);
    QVERIFY(!currentLabel(catalog, skipped.itemId).byCurator);
    QCOMPARE(model->decision(2), LabelIssuesModel::Decision::Skipped);
    QCOMPARE(window.session()->undoStack()->count(), undoCount);
    if (model->rowCount() > 3)
        QCOMPARE(view->currentItemId(), model->issue(3).itemId);
    QVERIFY(view->summaryLabel()->text().contains(QStringLiteral("2 decided · 1 skipped")));
    if (const QString shots = qEnvironmentVariable("ACCESSION_SCREENSHOT_DIR"); !shots.isEmpty())
        window.grab().save(shots + QStringLiteral("/check-labels-decided.png"));

    // Undo takes the suggestion back: the imported label is current again and the row waits, selected, for a decision.
    window.session()->undoStack()->undo();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(currentLabel(catalog, moved.itemId).department, moved.given);
    QVERIFY(!currentLabel(catalog, moved.itemId).byCurator);
    QCOMPARE(model->decision(1), LabelIssuesModel::Decision::Pending);
    QCOMPARE(view->currentItemId(), moved.itemId);
    QVERIFY(view->takeButton()->isEnabled());
    QVERIFY(window.countLabel()->text().contains(QStringLiteral("1 confirmed")));

    // Redo writes it again.
    window.session()->undoStack()->redo();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(currentLabel(catalog, moved.itemId).department, moved.suggested);
    QVERIFY(currentLabel(catalog, moved.itemId).byCurator);
    QCOMPARE(model->decision(1), LabelIssuesModel::Decision::Relabelled);
    QVERIFY(window.countLabel()->text().contains(QStringLiteral("2 confirmed")));
    // A decided row is not decided twice.
    view->table()->setCurrentIndex(model->index(0, 0));
    QVERIFY(!view->confirmButton()->isEnabled());
    const int before = window.session()->undoStack()->count();
    view->takeSuggestion();
    QCOMPARE(window.session()->undoStack()->count(), before);

    // The next check leaves out what the curator confirmed (still judged in the folds); the skipped one comes back.
    QVERIFY(runCheck(window));
    QCOMPARE(model->rowOfItem(kept.itemId), -1);
    QCOMPARE(model->rowOfItem(moved.itemId), -1);
    QVERIFY(model->rowOfItem(skipped.itemId) >= 0);
    QCOMPARE(model->decision(model->rowOfItem(skipped.itemId)), LabelIssuesModel::Decision::Pending);
    QVERIFY(view->report().confirmedLeftOut >= 1);
    QVERIFY(view->summaryLabel()->text().contains(QStringLiteral("confirmed by a curator not listed")));

    // The command line's --include-confirmed lists them again.
    const QJsonObject all = cliJson({QStringLiteral("label-issues"), QStringLiteral("--catalog"), path, QStringLiteral("--folds"),
                                     QStringLiteral("2"), QStringLiteral("--include-confirmed"), QStringLiteral("--json")});
    QVERIFY(itemIdsOf(all).contains(kept.itemId));
    QCOMPARE(all.value(QStringLiteral("confirmed_left_out")).toInteger(), 0);
    QCOMPARE(qint64(itemIdsOf(all).size()), qint64(model->rowCount()) + view->report().confirmedLeftOut);
}

// Another window of the same account decides a listed item after the check read it: keeping the label the list shows
// is refused (nothing written, the other decision stands), the view says so in plain text and shows the item's label as
// it is now; deciding again, having seen it, is written.
void TestCheckLabels::anotherWindowsDecisionIsRefusedAndShown()
{
    const QString path = copyCatalog(m_catalog, m_dir.path(), QStringLiteral("conflict.db"));
    MainWindow window;
    window.resize(1200, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(openCatalogAndWait(window, path));
    CheckLabelsWidget *view = window.checkLabelsWidget();
    LabelIssuesModel *model = view->model();
    view->foldsChoice()->setValue(2);
    QVERIFY(runCheck(window));
    QVERIFY(model->rowCount() >= 1);
    const LabelIssue listed = model->issue(0);
    QCOMPARE(listed.latestDecisionId, qint64(0));
    QCOMPARE(view->currentItemId(), listed.itemId);

    Catalog other(path);
    Catalog &catalog = *testCatalog(window.session());
    QCOMPARE(other.clientName(), catalog.clientName());
    const Decision others = ReviewStore(other).choose(listed.itemId, listed.suggestedDepartmentId, 0);

    // Kept at once, before this window hears of it.
    view->confirmLabel();
    QVERIFY(QTest::qWaitFor([&] { return view->summaryLabel()->text().contains(QStringLiteral("was not saved")); }, 10000));
    const QString summary = view->summaryLabel()->text();
    QVERIFY2(summary.contains(QStringLiteral("Item %1: Already filed under %2 by %3 at ").arg(listed.itemId).arg(listed.suggested, catalog.clientName())),
             qPrintable(summary));
    QVERIFY(settleCatalogReads(window.session()));
    QVERIFY(QTest::qWaitFor([&] { return model->issue(model->rowOfItem(listed.itemId)).latestDecisionId == others.id; }, 10000));
    QCOMPARE(currentLabel(other, listed.itemId).department, listed.suggested);
    QCOMPARE(ReviewStore(other).decisions(listed.itemId).size(), 1);
    const int row = model->rowOfItem(listed.itemId);
    QCOMPARE(model->decision(row), LabelIssuesModel::Decision::Pending);
    QCOMPARE(model->issue(row).given, listed.suggested); // the label as it is now

    // Deciding again, having seen the other decision, is written: keeping the label as it is now.
    view->table()->setCurrentIndex(model->index(row, 0));
    view->confirmLabel();
    QVERIFY(settleCatalogReads(window.session()));
    QCOMPARE(ReviewStore(other).decisions(listed.itemId).size(), 2);
    QCOMPARE(currentLabel(other, listed.itemId).department, listed.suggested);
    QCOMPARE(model->decision(row), LabelIssuesModel::Decision::Confirmed);
    QVERIFY(!view->summaryLabel()->text().contains(QStringLiteral("was not saved")));
}

void TestCheckLabels::unreadablePhotographIsAProblem()
{
    const QString path = copyCatalog(m_catalog, m_dir.path(), QStringLiteral("unreadable.db"));
    QString spoiled;
    {
        Catalog catalog(path);
        for (const ItemRow &item : catalog.labelledItems()) {
            if (!m_flipped.contains(item.id)) {
                spoiled = item.path;
                break;
            }
        }
    }
    writeFile(spoiled, QByteArrayLiteral("not a PNG any more"));
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, path));
    CheckLabelsWidget *view = window.checkLabelsWidget();
    view->foldsChoice()->setValue(2);
    QVERIFY(runCheck(window)); // the rest is checked
    QCOMPARE(view->report().itemsChecked, qint64(kDepartments.size() * kPerDepartment - 1));
    QCOMPARE(view->report().failures.size(), 1);
    QVERIFY(view->summaryLabel()->text().contains(QStringLiteral("1 unreadable (see Problems)")));
    bool listed = false;
    for (int row = 0; row < window.problemsTable()->rowCount(); ++row)
        listed = listed || window.problemsTable()->item(row, 1)->text() == spoiled;
    QVERIFY(listed);
    QVERIFY(!window.problemsDock()->isHidden());
}

QTEST_MAIN(TestCheckLabels)
#include "tst_checklabels.moc"
