#include "catalogsession.h"
#include "importlabelleddialog.h"
#include "itempanel.h"
#include "testcatalogs.h"
#include "testimages.h"

#include "catalog/catalog.h"
#include "ingest/importjob.h"

#include <QApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLabel>
#include <QSqlQuery>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

// What the catalog view shows of an item imported from a CSV: the columns the curator mapped, not the others.
class TestCatalogView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void itemPanelShowsOnlyMappedCsvColumns();
    void importDialogMapsTheTitleAndPreviewsOffTheGuiThread();

private:
    qint64 itemNamed(Catalog &catalog, const QString &fileName) const;

    QTemporaryDir m_dir;
    QString m_csvCatalog; // portrait, panorama, landscape and tiny images from a CSV with an unmapped column
};

void TestCatalogView::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Settings go to a temporary folder, never to the user's own.
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
    QCoreApplication::setOrganizationName(QStringLiteral("AccessionTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_catalogview"));

    const QString images = m_dir.filePath(QStringLiteral("images"));
    // Solid red, so that the rendered grid shows where each image was drawn.
    writeFile(images + QStringLiteral("/portrait.png"), solidImage(QStringLiteral("png"), 60, 300, {230, 20, 20}));
    writeFile(images + QStringLiteral("/panorama.png"), solidImage(QStringLiteral("png"), 400, 50, {230, 20, 20}));
    writeFile(images + QStringLiteral("/landscape.jpg"), solidImage(QStringLiteral("jpg"), 200, 120, {230, 20, 20}));
    writeFile(images + QStringLiteral("/tiny.png"), solidImage(QStringLiteral("png"), 6, 6, {230, 20, 20}));
    writeFile(m_dir.filePath(QStringLiteral("labels.csv")),
              "file,department,Object ID,Title,Internal notes\n"
              "portrait.png,Asian Art,1979.1,Portrait of a lady,do not show this\n"
              "panorama.png,Arms and Armor,,,nor this\n"
              "landscape.jpg,Asian Art,L-7,,nor this either\n"
              "tiny.png,,,,\n");
    ImportRequest request;
    request.source = ImportRequest::Source::Csv;
    request.csvPath = m_dir.filePath(QStringLiteral("labels.csv"));
    request.imagesDir = images;
    m_csvCatalog = m_dir.filePath(QStringLiteral("csv.db"));
    ImportJob job(m_csvCatalog, request);
    QVERIFY(job.exec());
    QCOMPARE(job.summary().imported, 4);
}

void TestCatalogView::init()
{
    QSettings().clear();
}

qint64 TestCatalogView::itemNamed(Catalog &catalog, const QString &fileName) const
{
    QSqlQuery query = catalog.run(QStringLiteral("SELECT id FROM items WHERE path LIKE :name"),
                                  QVariantMap{{QStringLiteral("name"), QVariant(QStringLiteral("%/") + fileName)}});
    return query.next() ? query.value(0).toLongLong() : 0;
}

void TestCatalogView::itemPanelShowsOnlyMappedCsvColumns()
{
    CatalogSession session;
    session.open(m_csvCatalog);
    ItemPanel panel(&session);
    Catalog &catalog = *session.catalog();
    panel.showItem(itemNamed(catalog, QStringLiteral("portrait.png")));
    const QString details = panel.detailsText();
    QVERIFY2(details.contains(QStringLiteral("Title: Portrait of a lady")), qPrintable(details));
    QVERIFY2(!details.contains(QStringLiteral("Internal notes")) && !details.contains(QStringLiteral("do not show")), qPrintable(details));
    // The mapped columns: the object id and the department, in the title line.
    QVERIFY(panel.titleLabel()->text().contains(QStringLiteral("1979.1")));
    QVERIFY(panel.titleLabel()->text().contains(QStringLiteral("Asian Art")));
    // The unmapped column is kept in the catalog, only not shown.
    QVERIFY(QJsonDocument(catalog.item(itemNamed(catalog, QStringLiteral("portrait.png")))->metadata).toJson().contains("do not show this"));

    panel.showItem(itemNamed(catalog, QStringLiteral("panorama.png")));
    QVERIFY2(!panel.detailsText().contains(QStringLiteral("nor this")), qPrintable(panel.detailsText()));
}

void TestCatalogView::importDialogMapsTheTitleAndPreviewsOffTheGuiThread()
{
    ImportLabelledDialog dialog;
    QSignalSpy shown(&dialog, &ImportLabelledDialog::previewShown);
    dialog.chooseCsv(m_dir.filePath(QStringLiteral("labels.csv")));
    QCOMPARE(dialog.preview()->rowCount(), 0); // not read on the GUI thread
    QTRY_COMPARE(shown.size(), 1);
    QCOMPARE(dialog.preview()->rowCount(), 4);
    QCOMPARE(dialog.preview()->horizontalHeaderItem(3)->text(), QStringLiteral("Title → title"));
    QCOMPARE(dialog.preview()->horizontalHeaderItem(4)->text(), QStringLiteral("Internal notes"));
    QCOMPARE(dialog.request().columns.titleColumn, QStringLiteral("Title"));
    QVERIFY(dialog.mapColumn(QStringLiteral("title"), QStringLiteral("Internal notes")));
    QCOMPARE(dialog.request().columns.titleColumn, QStringLiteral("Internal notes"));
    QCOMPARE(dialog.preview()->horizontalHeaderItem(4)->text(), QStringLiteral("Internal notes → title"));

    // A file that cannot be read says why, and offers nothing to import.
    dialog.chooseCsv(m_dir.filePath(QStringLiteral("missing.csv")));
    QTRY_COMPARE(shown.size(), 2);
    QVERIFY(!dialog.csvStatus()->text().isEmpty());
    QCOMPARE(dialog.preview()->rowCount(), 0);
}

QTEST_MAIN(TestCatalogView)
#include "tst_catalogview.moc"
