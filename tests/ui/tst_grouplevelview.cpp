#include "catalogwaits.h"
#include "catalogsession.h"
#include "dashboard/perclassaccuracypanel.h"
#include "dashboardmodels.h"
#include "dashboardwidget.h"
#include "departmentsdialog.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"
#include "catalog/itemquery.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"

#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace accession;
using namespace accession::test;

// The window's level switch: the Departments dialog switches the catalog to classify by department group on the
// catalog thread, and the dashboard then measures the model by group.
class TestGroupLevelView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void levelSwitchRefilesOffTheGuiThread();
    void dashboardMeasuresByGroup();

private:
    QString freshCatalog(const QString &name) { return copyCatalog(m_fixture.catalogPath, m_dir.path(), name); }
    QTemporaryDir m_dir;
    ClassifiedCatalog m_fixture;
};

namespace {

const QString kGroup = QStringLiteral("Works of art");

// Puts Asian Art and Drawings and Prints (two of the fixture's three departments) into one group.
void groupTwoDepartments(const QString &path)
{
    Catalog catalog(path);
    const qint64 group = catalog.addDepartmentGroup(kGroup);
    catalog.setDepartmentGroup(*catalog.departmentIdByName(QStringLiteral("Asian Art")), group);
    catalog.setDepartmentGroup(*catalog.departmentIdByName(QStringLiteral("Drawings and Prints")), group);
}

} // namespace

void TestGroupLevelView::initTestCase()
{
    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")));
}

void TestGroupLevelView::levelSwitchRefilesOffTheGuiThread()
{
    const QString path = freshCatalog(QStringLiteral("switch.db"));
    groupTwoDepartments(path);
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    DepartmentsDialog dialog(&session);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(dialog.levelBox()->currentData().toInt(), int(ClassificationLevel::Department));
    QSignalSpy modelsChanged(&session, &CatalogSession::modelsChanged);

    // While the catalog thread is busy, the switch waits there: the GUI thread returns at once.
    session.worker()->read(&session, [](Catalog &) {
        QThread::msleep(300);
        return 0;
    }, [](int) {});
    dialog.levelBox()->setCurrentIndex(dialog.levelBox()->findData(int(ClassificationLevel::Group)));
    QVERIFY(modelsChanged.isEmpty());
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(modelsChanged.size(), 1); // every item's status may have changed
    Catalog catalog(path);
    QCOMPARE(classificationLevel(catalog), ClassificationLevel::Group);
    const auto model = ModelRegistry(catalog).activeModel();
    ReviewStore store(catalog);
    const QStringList groups = {QStringLiteral("Arms and Armor"), kGroup};
    for (const ItemRow &entry : store.queue(model->id, model->threshold, 100))
        QVERIFY2(groups.contains(entry.predicted), qPrintable(entry.predicted));

    // The group's own threshold, set from the dialog: 1 files nothing of the group, and leaves Arms and Armor as it was.
    const auto autoFiled = [&catalog] {
        QStringList filedUnder;
        ItemFilter filter;
        filter.status = ItemStatus::AutoFiled;
        ItemQuery(catalog, filter, ItemOrder::OldestFirst).forEach([&](const ItemRow &row) { filedUnder << row.predicted; });
        return filedUnder;
    };
    const QStringList before = autoFiled();
    QVERIFY(before.contains(kGroup));
    const qint64 groupId = departmentGroups(catalog).first().id;
    dialog.setGroupThreshold(groupId, 1.0);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(groupThreshold(catalog, groupId), std::optional<double>(1.0));
    const QStringList after = autoFiled();
    QVERIFY(!after.contains(kGroup));
    QCOMPARE(after.size(), int(before.count(QStringLiteral("Arms and Armor"))));
    bool listed = false;
    for (int row = 0; row < dialog.list()->count(); ++row)
        listed |= dialog.list()->item(row)->text().contains(QStringLiteral("[Works of art, threshold 1.00]"));
    QVERIFY(listed);

    dialog.levelBox()->setCurrentIndex(dialog.levelBox()->findData(int(ClassificationLevel::Department)));
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(classificationLevel(catalog), ClassificationLevel::Department);
}

void TestGroupLevelView::dashboardMeasuresByGroup()
{
    const QString path = freshCatalog(QStringLiteral("dashboard.db"));
    groupTwoDepartments(path);
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, path));
    DashboardWidget dashboard(&session);
    QVERIFY(settleCatalogReads(&session));
    QCOMPARE(dashboard.confusionModel()->rowCount(), m_fixture.departments.size());
    QVERIFY(!dashboard.isAtGroupLevel());

    DepartmentsDialog dialog(&session);
    QVERIFY(settleCatalogReads(&session));
    QSignalSpy measured(&dashboard, &DashboardWidget::itemEvaluationReady);
    dialog.setLevel(ClassificationLevel::Group);
    QVERIFY(settleCatalogReads(&session));
    QVERIFY(dashboard.isAtGroupLevel());
    dashboard.resize(1200, 800);
    dashboard.show(); // showing it measures the model, by group now
    QTRY_VERIFY_WITH_TIMEOUT(!measured.isEmpty(), 120000);
    const QStringList groups = {QStringLiteral("Arms and Armor"), kGroup};
    QCOMPARE(dashboard.shownReport().classes, groups);
    QCOMPARE(dashboard.confusionModel()->rowCount(), 2);
    QCOMPARE(dashboard.perClassAccuracyPanel()->barLabels().size(), 2);
    QVERIFY(dashboard.shownReport().accuracy > 0.5);
    QVERIFY2(dashboard.summary()->text().startsWith(QStringLiteral("By department group")), qPrintable(dashboard.summary()->text()));
}

QTEST_MAIN(TestGroupLevelView)
#include "tst_grouplevelview.moc"
