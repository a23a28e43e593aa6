#include "catalog/catalog.h"
#include "catalog/itemquery.h"
#include "catalog/reviewstore.h"

#include "handmadecatalog.h"
#include "throwawaypostgres.h"

#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace accession;
using namespace accession::test;

namespace {

// What the test made each item into, written down independently of the query.
struct Expected
{
    qint64 id = 0;
    QString path;
    QString externalId;
    ItemStatus status = ItemStatus::Unlabelled;
    QString department; // labelled or auto-filed
    double confidence = -1;
};

QVector<qint64> idsOf(const QVector<ItemRow> &rows)
{
    QVector<qint64> ids;
    for (const ItemRow &row : rows)
        ids << row.id;
    return ids;
}

QString orderName(ItemOrder order)
{
    switch (order) {
    case ItemOrder::NewestFirst: return QStringLiteral("newest first");
    case ItemOrder::OldestFirst: return QStringLiteral("oldest first");
    case ItemOrder::LeastConfidentFirst: return QStringLiteral("least confident first");
    case ItemOrder::MostConfidentFirst: return QStringLiteral("most confident first");
    }
    return QString();
}

} // namespace

// Filtered, ordered, keyset-paged item lists on a catalog filled by hand: every status, departments labelled and
// auto-filed, ties in confidence, and search terms holding LIKE's wildcards.
class TestItemQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void rowsDescribeTheItems();
    void filtersByDepartment();
    void filtersByStatus();
    void searchesExternalIdAndFileName();
    void wildcardsInSearchAreLiteral_data();
    void wildcardsInSearchAreLiteral();
    void eachOrderSorts();
    void keysetPagingGivesEveryItemOnce();

private:
    QVector<qint64> expectedIds(const std::function<bool(const Expected &)> &keep, ItemOrder order) const;
    QVector<ItemRow> everyPage(Catalog &catalog, const ItemFilter &filter, ItemOrder order, int pageSize) const;

    QTemporaryDir m_dir;
    HandmadeCatalog m_made;
    QStringList m_departments = {QStringLiteral("Paintings"), QStringLiteral("Prints"), QStringLiteral("Arms")};
    QVector<Expected> m_items;
};

// Also run on a throwaway PostgreSQL cluster as tst_itemquery_postgresql (makeHandmadeCatalog picks the backend).
void TestItemQuery::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(test::prepareCatalogBackend(&error), qPrintable(error));
    m_made = makeHandmadeCatalog(m_dir.filePath(QStringLiteral("catalog")), m_departments);
    Catalog catalog(m_made.path);
    ReviewStore store(catalog);
    const qint64 model = registerHandmadeModel(catalog, QStringLiteral("model"), m_departments, 0.9);
    // Few distinct confidences, so that many items tie and paging must use the id to break ties.
    const float reviewConfidences[] = {0.4f, 0.5f, 0.6f};
    for (int k = 0; k < 40; ++k) {
        Expected item;
        item.path = QStringLiteral("/photos/item_%1.jpg").arg(k);
        item.externalId = QStringLiteral("OBJ-%1").arg(k);
        item.id = addHandmadeItem(catalog, item.path, item.externalId);
        const int department = k % 3;
        std::vector<float> p(3, 0.0f);
        switch (k % 5) {
        case 0: // never classified
            break;
        case 1: // labelled on import
            catalog.addLabel(item.id, m_made.departmentIds[department], LabelSource::Imported);
            item.status = ItemStatus::Labelled;
            item.department = m_departments[department];
            break;
        case 2: // filed automatically
            p.assign(3, 0.025f);
            p[size_t(department)] = 0.95f;
            addHandmadePrediction(catalog, model, item.id, p);
            item.status = ItemStatus::AutoFiled;
            item.department = m_departments[department];
            item.confidence = double(0.95f);
            break;
        case 3: // waiting for review: the predicted department is not the item's
        case 4: // confirmed by a curator, into another department than predicted
            p.assign(3, 0.0f);
            p[size_t(department)] = reviewConfidences[(k / 5) % 3];
            p[size_t((department + 1) % 3)] = 1.0f - p[size_t(department)];
            if (p[size_t((department + 1) % 3)] > p[size_t(department)])
                std::swap(p[size_t(department)], p[size_t((department + 1) % 3)]);
            addHandmadePrediction(catalog, model, item.id, p);
            item.confidence = double(*std::max_element(p.begin(), p.end()));
            item.status = ItemStatus::NeedsReview;
            if (k % 5 == 4) {
                store.choose(item.id, m_made.departmentIds[(department + 2) % 3]);
                item.status = ItemStatus::Confirmed;
                item.department = m_departments[(department + 2) % 3];
            }
            break;
        }
        m_items << item;
    }
    // Search terms with LIKE's wildcards and its escape character, beside look-alikes they would match as patterns.
    for (const char *externalId : {"50%off", "50 and off", "a_b", "aXb", "back\\slash", "backslash"}) {
        Expected item;
        item.externalId = QString::fromLatin1(externalId);
        item.path = QStringLiteral("/special/photo%1.jpg").arg(m_items.size());
        item.id = addHandmadeItem(catalog, item.path, item.externalId);
        m_items << item;
    }
    // Title and object number from the source's metadata.
    Expected titled;
    titled.path = QStringLiteral("/special/titled.jpg");
    titled.externalId = QStringLiteral("436535");
    titled.id = addHandmadeItem(catalog, titled.path, titled.externalId,
                                QJsonObject{{QStringLiteral("title"), QStringLiteral("Wheat Field with Cypresses")},
                                            {QStringLiteral("accessionNumber"), QStringLiteral("1993.132")}});
    m_items << titled;
}

QVector<qint64> TestItemQuery::expectedIds(const std::function<bool(const Expected &)> &keep, ItemOrder order) const
{
    QVector<Expected> kept;
    for (const Expected &item : m_items) {
        if (keep(item))
            kept << item;
    }
    std::sort(kept.begin(), kept.end(), [order](const Expected &a, const Expected &b) {
        switch (order) {
        case ItemOrder::NewestFirst: return a.id > b.id;
        case ItemOrder::OldestFirst: return a.id < b.id;
        case ItemOrder::LeastConfidentFirst: return std::tie(a.confidence, a.id) < std::tie(b.confidence, b.id);
        case ItemOrder::MostConfidentFirst: return std::tie(a.confidence, a.id) > std::tie(b.confidence, b.id);
        }
        return false;
    });
    QVector<qint64> ids;
    for (const Expected &item : kept)
        ids << item.id;
    return ids;
}

QVector<ItemRow> TestItemQuery::everyPage(Catalog &catalog, const ItemFilter &filter, ItemOrder order, int pageSize) const
{
    ItemQuery query(catalog, filter, order);
    QVector<ItemRow> all;
    for (int pages = 0; pages < 1000; ++pages) {
        const QVector<ItemRow> page = query.page(all.isEmpty() ? nullptr : &all.constLast(), pageSize);
        if (page.size() > pageSize)
            return {};
        all += page;
        if (page.size() < pageSize)
            break;
    }
    return all;
}

void TestItemQuery::rowsDescribeTheItems()
{
    Catalog catalog(m_made.path);
    const QVector<ItemRow> rows = ItemQuery(catalog, {}, ItemOrder::OldestFirst).page(nullptr, 1000);
    QCOMPARE(rows.size(), m_items.size());
    for (int i = 0; i < rows.size(); ++i) {
        const Expected &item = m_items[i];
        QCOMPARE(rows[i].id, item.id);
        QCOMPARE(rows[i].path, item.path);
        QCOMPARE(rows[i].externalId, item.externalId);
        QCOMPARE(rows[i].status, item.status);
        QCOMPARE(rows[i].department, item.department);
        QCOMPARE(rows[i].confidence, item.confidence);
        QCOMPARE(rows[i].width, 64);
    }
    QCOMPARE(rows.last().title, QStringLiteral("Wheat Field with Cypresses"));
    QCOMPARE(rows.last().objectNumber, QStringLiteral("1993.132"));
    QCOMPARE(rows.first().objectNumber, QStringLiteral("OBJ-0")); // no accession number: the external id
    QVERIFY(rows.first().title.isEmpty());
}

void TestItemQuery::filtersByDepartment()
{
    Catalog catalog(m_made.path);
    for (int d = 0; d < m_departments.size(); ++d) {
        ItemFilter filter;
        filter.departmentId = m_made.departmentIds[d];
        const QVector<qint64> expected = expectedIds([&](const Expected &item) { return item.department == m_departments[d]; },
                                                     ItemOrder::OldestFirst);
        QVERIFY(expected.size() >= 6);
        ItemQuery query(catalog, filter, ItemOrder::OldestFirst);
        QCOMPARE(idsOf(query.page(nullptr, 1000)), expected);
        QCOMPARE(query.count(), expected.size());
    }
}

void TestItemQuery::filtersByStatus()
{
    Catalog catalog(m_made.path);
    for (ItemStatus status : {ItemStatus::Unlabelled, ItemStatus::Labelled, ItemStatus::AutoFiled, ItemStatus::NeedsReview,
                              ItemStatus::Confirmed}) {
        ItemFilter filter;
        filter.status = status;
        const QVector<qint64> expected = expectedIds([&](const Expected &item) { return item.status == status; }, ItemOrder::OldestFirst);
        QVERIFY2(!expected.isEmpty(), qPrintable(itemStatusName(status)));
        ItemQuery query(catalog, filter, ItemOrder::OldestFirst);
        QCOMPARE(idsOf(query.page(nullptr, 1000)), expected);
        QCOMPARE(query.count(), expected.size());
    }
    // Department and status together.
    ItemFilter both;
    both.departmentId = m_made.departmentIds[1];
    both.status = ItemStatus::AutoFiled;
    QCOMPARE(idsOf(ItemQuery(catalog, both, ItemOrder::OldestFirst).page(nullptr, 1000)),
             expectedIds([&](const Expected &item) { return item.status == ItemStatus::AutoFiled && item.department == m_departments[1]; },
                         ItemOrder::OldestFirst));
}

void TestItemQuery::searchesExternalIdAndFileName()
{
    Catalog catalog(m_made.path);
    ItemFilter byPath;
    byPath.search = QStringLiteral("item_1");
    QCOMPARE(idsOf(ItemQuery(catalog, byPath, ItemOrder::OldestFirst).page(nullptr, 1000)),
             expectedIds([](const Expected &item) { return item.path.contains(QStringLiteral("item_1")); }, ItemOrder::OldestFirst));
    ItemFilter byId;
    byId.search = QStringLiteral(" OBJ-3 "); // trimmed
    const QVector<qint64> expected = expectedIds([](const Expected &item) { return item.externalId.startsWith(QStringLiteral("OBJ-3")); },
                                                 ItemOrder::OldestFirst);
    QCOMPARE(expected.size(), 11); // OBJ-3 and OBJ-30..39
    ItemQuery query(catalog, byId, ItemOrder::OldestFirst);
    QCOMPARE(idsOf(query.page(nullptr, 1000)), expected);
    QCOMPARE(query.count(), 11);
    ItemFilter none;
    none.search = QStringLiteral("nothing like this");
    QCOMPARE(ItemQuery(catalog, none, ItemOrder::OldestFirst).count(), 0);
}

void TestItemQuery::wildcardsInSearchAreLiteral_data()
{
    QTest::addColumn<QString>("search");
    QTest::addColumn<QString>("onlyMatch");
    QTest::newRow("percent") << QStringLiteral("50%off") << QStringLiteral("50%off");
    QTest::newRow("percent alone") << QStringLiteral("%") << QStringLiteral("50%off");
    QTest::newRow("underscore") << QStringLiteral("a_b") << QStringLiteral("a_b");
    QTest::newRow("backslash") << QStringLiteral("back\\slash") << QStringLiteral("back\\slash");
}

void TestItemQuery::wildcardsInSearchAreLiteral()
{
    QFETCH(QString, search);
    QFETCH(QString, onlyMatch);
    Catalog catalog(m_made.path);
    ItemFilter filter;
    filter.search = search;
    ItemQuery query(catalog, filter, ItemOrder::OldestFirst);
    const QVector<ItemRow> rows = query.page(nullptr, 1000);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].externalId, onlyMatch);
    QCOMPARE(query.count(), 1);
}

void TestItemQuery::eachOrderSorts()
{
    Catalog catalog(m_made.path);
    for (ItemOrder order : {ItemOrder::NewestFirst, ItemOrder::OldestFirst, ItemOrder::LeastConfidentFirst, ItemOrder::MostConfidentFirst}) {
        const QVector<qint64> expected = expectedIds([](const Expected &) { return true; }, order);
        QVERIFY2(idsOf(ItemQuery(catalog, {}, order).page(nullptr, 1000)) == expected, qPrintable(orderName(order)));
    }
}

void TestItemQuery::keysetPagingGivesEveryItemOnce()
{
    Catalog catalog(m_made.path);
    struct Case
    {
        QString name;
        ItemFilter filter;
        std::function<bool(const Expected &)> keep;
    };
    QVector<Case> cases = {{QStringLiteral("everything"), {}, [](const Expected &) { return true; }}};
    ItemFilter review;
    review.status = ItemStatus::NeedsReview;
    cases.push_back({QStringLiteral("needs review"), review, [](const Expected &item) { return item.status == ItemStatus::NeedsReview; }});
    ItemFilter prints;
    prints.departmentId = m_made.departmentIds[1];
    cases.push_back({QStringLiteral("Prints"), prints, [this](const Expected &item) { return item.department == m_departments[1]; }});
    ItemFilter search;
    search.search = QStringLiteral("OBJ-");
    cases.push_back({QStringLiteral("search"), search, [](const Expected &item) { return item.externalId.startsWith(QStringLiteral("OBJ-")); }});
    for (const Case &c : cases) {
        for (ItemOrder order : {ItemOrder::NewestFirst, ItemOrder::OldestFirst, ItemOrder::LeastConfidentFirst, ItemOrder::MostConfidentFirst}) {
            const QVector<qint64> expected = expectedIds(c.keep, order);
            for (int pageSize : {1, 3, 7}) {
                const QString what = QStringLiteral("%1, %2, pages of %3").arg(c.name, orderName(order)).arg(pageSize);
                const QVector<qint64> paged = idsOf(everyPage(catalog, c.filter, order, pageSize));
                QVERIFY2(QSet<qint64>(paged.begin(), paged.end()).size() == paged.size(), qPrintable(what + QStringLiteral(": duplicates")));
                QVERIFY2(paged == expected, qPrintable(what));
                QCOMPARE(ItemQuery(catalog, c.filter, order).count(), expected.size());
            }
        }
    }
}

QTEST_GUILESS_MAIN(TestItemQuery)
#include "tst_itemquery.moc"
