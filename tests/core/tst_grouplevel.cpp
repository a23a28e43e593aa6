#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"
#include "catalog/itemquery.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "ingest/exporter.h"

#include "handmadecatalog.h"
#include "throwawaypostgres.h"

#include <QBuffer>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace accession;
using namespace accession::test;

namespace {

bool near(double a, double b)
{
    return std::abs(a - b) < 1e-6;
}

} // namespace

// Classifying by department group on a catalog filled by hand: the probabilities are chosen, so the group sums,
// the filing at each level, the per-group thresholds and the switch back can be checked exactly.
class TestGroupLevel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void groupProbabilitiesAreSums();
    void uncertainWithinAGroupIsFiledAtGroupLevelOnly();
    void groupThresholdIsRespected();
    void groupThresholdOfOneFilesNothing();
    void switchingBackRestoresDepartmentFiling();
    void newPredictionsAtGroupLevelMatchRederived();
    void viewsAndExportReportTheGroup();
    void acceptingAtGroupLevelLabelsTheBestDepartmentOfTheGroup();
    void regroupingFilesAgain();
    void groupModelPredictionsAreUsedDirectly();
    void badLevelAndThresholdAreRefused();

private:
    // Each item's status, filed class, confidence and the queue, as text.
    QString state(Catalog &catalog) const;

    QTemporaryDir m_dir;
    int m_run = 0;
    HandmadeCatalog m_made;
    qint64 m_model = 0;
    qint64 m_paintings = 0, m_drawings = 0, m_prints = 0, m_arms = 0, m_paper = 0;
    // Departments: Paintings, Drawings, Prints, Arms; Drawings and Prints in the group "Works on paper".
    // u1: Drawings 0.50 / Prints 0.44: uncertain between two departments of one group (paper 0.94).
    // u2: Paintings 0.45, Drawings 0.30, Prints 0.20: the top department's group is not the top group (paper 0.50).
    // u3: Paintings 0.95: filed at both levels. u4: Arms 0.60, Prints 0.40: paper 0.40, Arms 0.60.
    qint64 u1 = 0, u2 = 0, u3 = 0, u4 = 0;
};

// Also run on a throwaway PostgreSQL cluster as tst_grouplevel_postgresql (makeHandmadeCatalog picks the backend).
void TestGroupLevel::initTestCase()
{
    QString error;
    QVERIFY2(test::prepareCatalogBackend(&error), qPrintable(error));
}

void TestGroupLevel::init()
{
    QVERIFY(m_dir.isValid());
    const QStringList departments = {QStringLiteral("Paintings"), QStringLiteral("Drawings"), QStringLiteral("Prints"),
                                     QStringLiteral("Arms")};
    m_made = makeHandmadeCatalog(m_dir.filePath(QString::number(++m_run)), departments);
    m_paintings = m_made.departmentIds[0];
    m_drawings = m_made.departmentIds[1];
    m_prints = m_made.departmentIds[2];
    m_arms = m_made.departmentIds[3];
    Catalog catalog(m_made.path);
    m_paper = catalog.addDepartmentGroup(QStringLiteral("Works on paper"));
    catalog.setDepartmentGroup(m_drawings, m_paper);
    catalog.setDepartmentGroup(m_prints, m_paper);
    m_model = registerHandmadeModel(catalog, QStringLiteral("model"), departments, 0.9);
    u1 = addHandmadeItem(catalog, QStringLiteral("/photos/u1.jpg"));
    u2 = addHandmadeItem(catalog, QStringLiteral("/photos/u2.jpg"));
    u3 = addHandmadeItem(catalog, QStringLiteral("/photos/u3.jpg"));
    u4 = addHandmadeItem(catalog, QStringLiteral("/photos/u4.jpg"));
    addHandmadePrediction(catalog, m_model, u1, {0.05f, 0.50f, 0.44f, 0.01f});
    addHandmadePrediction(catalog, m_model, u2, {0.45f, 0.30f, 0.20f, 0.05f});
    addHandmadePrediction(catalog, m_model, u3, {0.95f, 0.02f, 0.02f, 0.01f});
    addHandmadePrediction(catalog, m_model, u4, {0.00f, 0.00f, 0.40f, 0.60f});
}

QString TestGroupLevel::state(Catalog &catalog) const
{
    ReviewStore store(catalog);
    QStringList lines;
    for (qint64 id : {u1, u2, u3, u4}) {
        const auto prediction = store.prediction(id, m_model);
        lines << QStringLiteral("%1 %2 %3 %4 %5").arg(id).arg(itemStatusName(store.status(id)), prediction->predicted)
                     .arg(prediction->confidence, 0, 'f', 4).arg(prediction->margin, 0, 'f', 4);
    }
    QStringList queue;
    for (const ItemRow &entry : store.queue(m_model, 0.9, 100))
        queue << QStringLiteral("%1:%2").arg(entry.id).arg(entry.predicted);
    lines << QStringLiteral("queue ") + queue.join(QLatin1Char(' '));
    lines << QStringLiteral("auto-file %1").arg(store.autoFileCount(m_model, 0.9));
    return lines.join(QLatin1Char('\n'));
}

void TestGroupLevel::groupProbabilitiesAreSums()
{
    Catalog catalog(m_made.path);
    QCOMPARE(classificationLevel(catalog), ClassificationLevel::Department);
    setClassificationLevel(catalog, ClassificationLevel::Group);
    QCOMPARE(classificationLevel(catalog), ClassificationLevel::Group);
    ReviewStore store(catalog);
    const auto p1 = store.prediction(u1, m_model);
    QCOMPARE(p1->predicted, QStringLiteral("Works on paper"));
    QCOMPARE(p1->filedClass, QStringLiteral("Works on paper"));
    QVERIFY(near(p1->confidence, double(0.50f) + double(0.44f)));
    QVERIFY(near(p1->margin, double(0.50f) + double(0.44f) - double(0.05f)));
    // The top department (Paintings, 0.45) is not in the top group: the group's sum (0.50) wins.
    const auto p2 = store.prediction(u2, m_model);
    QCOMPARE(p2->predicted, QStringLiteral("Works on paper"));
    QVERIFY(near(p2->confidence, double(0.30f) + double(0.20f)));
    QVERIFY(near(p2->margin, double(0.30f) + double(0.20f) - double(0.45f)));
    // A department in no group is a group of its own.
    const auto p4 = store.prediction(u4, m_model);
    QCOMPARE(p4->predicted, QStringLiteral("Arms"));
    QVERIFY(near(p4->confidence, 0.60));
    // The rollup itself, ranked.
    const ClassRollup rollup = ClassRollup::load(catalog);
    const auto ranked = rollup.ranked(p2->classes, p2->probabilities);
    QCOMPARE(ranked.size(), 3);
    QCOMPARE(ranked[0].first, QStringLiteral("Works on paper"));
    QCOMPARE(ranked[1].first, QStringLiteral("Paintings"));
    QCOMPARE(ranked[2].first, QStringLiteral("Arms"));
    QCOMPARE(rollup.classes(), (QStringList{QStringLiteral("Paintings"), QStringLiteral("Works on paper"), QStringLiteral("Arms")}));
}

void TestGroupLevel::uncertainWithinAGroupIsFiledAtGroupLevelOnly()
{
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    QCOMPARE(store.status(u1), ItemStatus::NeedsReview);
    QCOMPARE(store.status(u3), ItemStatus::AutoFiled);
    QCOMPARE(store.queueSize(m_model, 0.9), 3); // u1, u2, u4
    setClassificationLevel(catalog, ClassificationLevel::Group);
    ReviewStore atGroups(catalog);
    QCOMPARE(atGroups.status(u1), ItemStatus::AutoFiled);
    QCOMPARE(atGroups.status(u2), ItemStatus::NeedsReview);
    QCOMPARE(atGroups.status(u3), ItemStatus::AutoFiled);
    QCOMPARE(atGroups.queueSize(m_model, 0.9), 2); // u2, u4
    QCOMPARE(atGroups.autoFileCount(m_model, 0.9), 2);
    const QHash<ItemStatus, qint64> counts = atGroups.statusCounts();
    QCOMPARE(counts.value(ItemStatus::AutoFiled), 2);
    QCOMPARE(counts.value(ItemStatus::NeedsReview), 2);
    // The queue shows groups: u2 (0.50, margin 0.05) before u4 (0.60), with the groups' sums as candidates.
    const QVector<ItemRow> queue = atGroups.queue(m_model, 0.9, 10);
    QCOMPARE(queue.size(), 2);
    QCOMPARE(queue[0].id, u2);
    QCOMPARE(queue[0].predicted, QStringLiteral("Works on paper"));
    QCOMPARE(queue[0].candidates.size(), 3);
    QCOMPARE(queue[0].candidates[0].department, QStringLiteral("Works on paper"));
    QVERIFY(near(queue[0].candidates[0].probability, 0.50));
    QCOMPARE(queue[0].candidates[1].department, QStringLiteral("Paintings"));
    QCOMPARE(queue[1].id, u4);
    QCOMPARE(queue[1].predicted, QStringLiteral("Arms"));
}

void TestGroupLevel::groupThresholdIsRespected()
{
    Catalog catalog(m_made.path);
    setClassificationLevel(catalog, ClassificationLevel::Group);
    setGroupThreshold(catalog, m_paper, 0.95); // above u1's 0.94
    QCOMPARE(groupThreshold(catalog, m_paper), std::optional<double>(0.95));
    {
        ReviewStore store(catalog);
        QCOMPARE(store.status(u1), ItemStatus::NeedsReview);
        QVERIFY(qFuzzyCompare(store.prediction(u1, m_model)->filingThreshold, 0.95));
        QCOMPARE(store.status(u3), ItemStatus::AutoFiled); // Paintings: the model's 0.9
        QVERIFY(std::isnan(store.prediction(u3, m_model)->filingThreshold));
    }
    setGroupThreshold(catalog, m_paper, 0.4); // below u2's 0.50: filed although the model's threshold is 0.9
    {
        ReviewStore store(catalog);
        QCOMPARE(store.status(u1), ItemStatus::AutoFiled);
        QCOMPARE(store.status(u2), ItemStatus::AutoFiled);
        QCOMPARE(store.status(u4), ItemStatus::NeedsReview); // Arms 0.60 < the model's 0.9
        // The review queue's own threshold (a what-if) does not override a group's.
        QCOMPARE(store.queueSize(m_model, 0.55), 0);
        QCOMPARE(store.queueSize(m_model, 0.65), 1);
    }
    setGroupThreshold(catalog, m_paper, std::nullopt); // the model's again
    QCOMPARE(groupThreshold(catalog, m_paper), std::nullopt);
    ReviewStore store(catalog);
    QCOMPARE(store.status(u1), ItemStatus::AutoFiled); // 0.94 >= 0.9
    QCOMPARE(store.status(u2), ItemStatus::NeedsReview);
}

void TestGroupLevel::groupThresholdOfOneFilesNothing()
{
    Catalog catalog(m_made.path);
    const qint64 whole = addHandmadeItem(catalog, QStringLiteral("/photos/whole.jpg"));
    addHandmadePrediction(catalog, m_model, whole, {0.0f, 0.5f, 0.5f, 0.0f}); // the group's sum is exactly 1
    setClassificationLevel(catalog, ClassificationLevel::Group);
    QCOMPARE(ReviewStore(catalog).status(whole), ItemStatus::AutoFiled);
    setGroupThreshold(catalog, m_paper, 1.0);
    QCOMPARE(ReviewStore(catalog).status(whole), ItemStatus::NeedsReview);
    QCOMPARE(ReviewStore(catalog).status(u1), ItemStatus::NeedsReview);
}

void TestGroupLevel::switchingBackRestoresDepartmentFiling()
{
    Catalog catalog(m_made.path);
    const QString atDepartments = state(catalog);
    setGroupThreshold(catalog, m_paper, 0.5);
    setClassificationLevel(catalog, ClassificationLevel::Group);
    const QString atGroups = state(catalog);
    QVERIFY2(atGroups != atDepartments, qPrintable(atGroups));
    setClassificationLevel(catalog, ClassificationLevel::Department);
    QCOMPARE(state(catalog), atDepartments);
    // A group's threshold does not apply at department level.
    ReviewStore store(catalog);
    QVERIFY(std::isnan(store.prediction(u1, m_model)->filingThreshold));
    QCOMPARE(store.prediction(u1, m_model)->predicted, QStringLiteral("Drawings"));
    setClassificationLevel(catalog, ClassificationLevel::Group);
    QCOMPARE(state(catalog), atGroups);
}

void TestGroupLevel::newPredictionsAtGroupLevelMatchRederived()
{
    Catalog catalog(m_made.path);
    setGroupThreshold(catalog, m_paper, 0.92);
    setClassificationLevel(catalog, ClassificationLevel::Group);
    const qint64 fresh = addHandmadeItem(catalog, QStringLiteral("/photos/fresh.jpg"));
    addHandmadePrediction(catalog, m_model, fresh, {0.05f, 0.50f, 0.44f, 0.01f}); // as u1, classified at group level
    ReviewStore store(catalog);
    QCOMPARE(store.status(fresh), ItemStatus::AutoFiled);
    QCOMPARE(store.prediction(fresh, m_model)->predicted, QStringLiteral("Works on paper"));
    QCOMPARE(store.prediction(fresh, m_model)->confidence, store.prediction(u1, m_model)->confidence);
    QCOMPARE(store.prediction(fresh, m_model)->filingThreshold, store.prediction(u1, m_model)->filingThreshold);
    QVERIFY(store.prediction(fresh, m_model)->autoFiledWhenMade);
}

void TestGroupLevel::viewsAndExportReportTheGroup()
{
    Catalog catalog(m_made.path);
    catalog.addLabel(addHandmadeItem(catalog, QStringLiteral("/photos/labelled.jpg")), m_prints, LabelSource::Imported);
    setClassificationLevel(catalog, ClassificationLevel::Group);
    const auto row = ItemQuery::row(catalog, u1);
    QCOMPARE(row->status, ItemStatus::AutoFiled);
    QCOMPARE(row->predicted, QStringLiteral("Works on paper"));
    QCOMPARE(row->department, QStringLiteral("Works on paper")); // filed under the group
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    exportItems(catalog, &buffer, ExportFormat::Csv, {}, {});
    const QStringList lines = QString::fromUtf8(buffer.data()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 6);
    QVERIFY2(lines[1].contains(QStringLiteral(",,,Works on paper,0.9400,model,auto-filed,")), qPrintable(lines[1]));
    QVERIFY2(lines[4].contains(QStringLiteral(",,,Arms,0.6000,model,needs-review,")), qPrintable(lines[4]));
    QVERIFY2(lines[5].contains(QStringLiteral(",Prints,imported,")), qPrintable(lines[5])); // a label stays the department
    setClassificationLevel(catalog, ClassificationLevel::Department);
    QCOMPARE(ItemQuery::row(catalog, u1)->predicted, QStringLiteral("Drawings"));
    QCOMPARE(ItemQuery::row(catalog, u1)->status, ItemStatus::NeedsReview);
}

void TestGroupLevel::acceptingAtGroupLevelLabelsTheBestDepartmentOfTheGroup()
{
    Catalog catalog(m_made.path);
    setClassificationLevel(catalog, ClassificationLevel::Group);
    ReviewStore store(catalog);
    // u2's top department is Paintings, but it files under Works on paper, whose most probable department is Drawings.
    const Decision decision = store.accept(u2);
    QCOMPARE(decision.department, QStringLiteral("Drawings"));
    QCOMPARE(store.status(u2), ItemStatus::Confirmed);
}

void TestGroupLevel::regroupingFilesAgain()
{
    Catalog catalog(m_made.path);
    setClassificationLevel(catalog, ClassificationLevel::Group);
    QCOMPARE(ReviewStore(catalog).status(u4), ItemStatus::NeedsReview);
    catalog.setDepartmentGroup(m_arms, m_paper); // u4: Prints 0.40 + Arms 0.60 = 1.0
    QCOMPARE(ReviewStore(catalog).status(u4), ItemStatus::AutoFiled);
    QCOMPARE(ReviewStore(catalog).prediction(u4, m_model)->predicted, QStringLiteral("Works on paper"));
    catalog.setDepartmentGroup(m_arms, 0);
    QCOMPARE(ReviewStore(catalog).status(u4), ItemStatus::NeedsReview);
}

void TestGroupLevel::groupModelPredictionsAreUsedDirectly()
{
    Catalog catalog(m_made.path);
    const QStringList groupClasses = {QStringLiteral("Paintings"), QStringLiteral("Works on paper"), QStringLiteral("Arms")};
    ModelRegistry registry(catalog);
    const qint64 groupModel = registerHandmadeModel(catalog, QStringLiteral("group-model"), groupClasses, 0.8);
    registry.activate(groupModel);
    const qint64 item = addHandmadeItem(catalog, QStringLiteral("/photos/g.jpg"));
    setClassificationLevel(catalog, ClassificationLevel::Group);
    addHandmadePrediction(catalog, groupModel, item, {0.10f, 0.85f, 0.05f});
    ReviewStore store(catalog);
    const auto prediction = store.prediction(item, groupModel);
    QCOMPARE(prediction->predicted, QStringLiteral("Works on paper"));
    QVERIFY(near(prediction->confidence, 0.85));
    QCOMPARE(store.status(item), ItemStatus::AutoFiled);
    setGroupThreshold(catalog, m_paper, 0.9);
    QCOMPARE(ReviewStore(catalog).status(item), ItemStatus::NeedsReview);
    // Accepting it labels the group's first department.
    QCOMPARE(ReviewStore(catalog).accept(item).department, QStringLiteral("Drawings"));
}

void TestGroupLevel::badLevelAndThresholdAreRefused()
{
    Catalog catalog(m_made.path);
    QCOMPARE(classificationLevelFromName(QStringLiteral("groups")), std::nullopt);
    QVERIFY(catalogRefusal([&] { setGroupThreshold(catalog, m_paper, 1.5); }).contains(QStringLiteral("between 0 and 1")));
    QVERIFY(catalogRefusal([&] { setGroupThreshold(catalog, 9999, 0.5); }).contains(QStringLiteral("no department group with id 9999")));
    QCOMPARE(groupThreshold(catalog, m_paper), std::nullopt);
}

QTEST_GUILESS_MAIN(TestGroupLevel)
#include "tst_grouplevel.moc"
