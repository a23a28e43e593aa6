#include "catalogwaits.h"
#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "catalogview.h"
#include "dashboardmodels.h"
#include "displaytext.h"
#include "importlabelleddialog.h"
#include "itempanel.h"
#include "mainwindow.h"
#include "preferencesdialog.h"
#include "testcatalogs.h"
#include "testimages.h"
#include "thumbnaildelegate.h"

#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "jobs/importjob.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QSqlQuery>
#include <QListView>
#include <QPixmap>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

// The catalog's grid: cells that fit any shape of image, captions that name the work, badges, the size slider,
// and the metadata the item panel shows for a CSV import.
class TestCatalogView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void captionsNeverOverlapThumbnailsAtAnySize();
    void captionNamesTheObjectElseTheFile();
    void badgeShowsStatusAndDepartment();
    void sliderResizesTheGridAndIsThePreference();
    void largeThumbnailsAreDecodedFromTheOriginals();
    void anotherCatalogsThumbnailsNeverStandForItsItems();
    void itemPanelShowsOnlyMappedCsvColumns();
    void importDialogMapsTheTitleAndPreviewsOffTheGuiThread();

private:
    // Shows the view at a size where several cells fit, with every page and thumbnail loaded.
    static void showLoaded(CatalogView &view, CatalogItemModel &model);
    qint64 itemNamed(Catalog &catalog, const QString &fileName) const;

    QTemporaryDir m_dir;
    QString m_csvCatalog; // portrait, panorama, landscape and tiny images from a CSV with an unmapped column
    ClassifiedCatalog m_fixture;
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

    m_fixture = makeClassifiedCatalog(m_dir.filePath(QStringLiteral("fixture")), 8, 3);
}

void TestCatalogView::init()
{
    QSettings().clear();
}

void TestCatalogView::showLoaded(CatalogView &view, CatalogItemModel &model)
{
    view.resize(1100, 700);
    view.showGrid(true);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(fetchAllRows(model));
    for (int row = 0; row < model.rowCount(); ++row)
        model.index(row, CatalogItemModel::FileColumn).data(CatalogItemModel::ThumbnailRole); // asks the loader
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int row = 0; row < model.rowCount(); ++row) {
                if (model.index(row, CatalogItemModel::FileColumn).data(CatalogItemModel::ThumbnailRole).value<QPixmap>().isNull())
                    return false;
            }
            return true;
        }(),
        30000);
}

qint64 TestCatalogView::itemNamed(Catalog &catalog, const QString &fileName) const
{
    QSqlQuery query = catalog.run(QStringLiteral("SELECT id FROM items WHERE path LIKE :name"),
                                  QVariantMap{{QStringLiteral("name"), QVariant(QStringLiteral("%/") + fileName)}});
    return query.next() ? query.value(0).toLongLong() : 0;
}

void TestCatalogView::captionsNeverOverlapThumbnailsAtAnySize()
{
    Catalog catalog(m_csvCatalog);
    CatalogItemModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    CatalogWorker modelWorker;
    QVERIFY(openWorkerAndWait(modelWorker, catalog.path()));
    model.setCatalog(&modelWorker);
    QVERIFY(settleWorker(modelWorker));
    CatalogView view(&model);
    showLoaded(view, model);
    QCOMPARE(model.rowCount(), 4);
    QListView *grid = view.gridView();
    const QColor red(230, 20, 20);
    const auto isRed = [&](QRgb pixel) {
        const QColor colour(pixel);
        return std::abs(colour.red() - red.red()) < 40 && colour.green() < 70 && colour.blue() < 70;
    };

    for (const int size : {48, 112, 200, 320}) {
        view.thumbnailSlider()->setValue(size);
        QCOMPARE(view.thumbnailSize(), size);
        QApplication::processEvents();
        const QImage shot = grid->viewport()->grab().toImage();
        QList<QRect> cells;
        for (int row = 0; row < model.rowCount(); ++row) {
            const QModelIndex index = model.index(row, CatalogItemModel::FileColumn);
            const QRect cell = grid->visualRect(index);
            const QSize pixels = index.data(CatalogItemModel::PixelSizeRole).toSize();
            const ThumbnailDelegate::CellLayout parts = view.thumbnailDelegate()->layout(cell, pixels, grid->fontMetrics());
            const QString what = QStringLiteral("%1 at %2 px").arg(QFileInfo(index.data(CatalogItemModel::PathRole).toString()).fileName()).arg(size);
            QVERIFY2(!parts.caption.intersects(parts.thumbnail), qPrintable(what));
            QVERIFY2(!parts.badge.intersects(parts.thumbnail) && !parts.badge.intersects(parts.caption), qPrintable(what));
            QVERIFY2(parts.box.contains(parts.thumbnail), qPrintable(what));
            QVERIFY2(cell.contains(parts.caption) && cell.contains(parts.badge), qPrintable(what));
            QCOMPARE(parts.box.width(), size);
            // The image's shape is kept: its longer side fills the box, the other follows.
            const double aspect = double(pixels.width()) / pixels.height();
            const double drawn = double(parts.thumbnail.width()) / parts.thumbnail.height();
            QCOMPARE(std::max(parts.thumbnail.width(), parts.thumbnail.height()), size);
            if (pixels.width() != pixels.height())
                QVERIFY2(std::abs(drawn - aspect) / aspect < 0.15 || std::min(parts.thumbnail.width(), parts.thumbnail.height()) <= 8,
                         qPrintable(QStringLiteral("%1: drawn %2 for %3").arg(what).arg(drawn).arg(aspect)));
            for (const QRect &other : cells)
                QVERIFY2(!other.intersects(cell), qPrintable(what));
            cells << cell;

            // As painted: the image's red where the thumbnail is, none of it in the caption's lines.
            const QRect visibleCaption = parts.caption.intersected(shot.rect());
            if (visibleCaption.isEmpty())
                continue;
            QVERIFY2(isRed(shot.pixel(parts.thumbnail.center())), qPrintable(what));
            for (int y = visibleCaption.top(); y <= visibleCaption.bottom(); ++y) {
                for (int x = visibleCaption.left(); x <= visibleCaption.right(); ++x)
                    QVERIFY2(!isRed(shot.pixel(x, y)), qPrintable(QStringLiteral("%1: red at %2,%3").arg(what).arg(x).arg(y)));
            }
        }
    }
}

void TestCatalogView::captionNamesTheObjectElseTheFile()
{
    Catalog catalog(m_csvCatalog);
    CatalogItemModel model;
    CatalogWorker modelWorker;
    QVERIFY(openWorkerAndWait(modelWorker, catalog.path()));
    model.setCatalog(&modelWorker);
    QVERIFY(settleWorker(modelWorker));
    QVERIFY(fetchAllRows(model));
    const auto captionOf = [&](const QString &fileName) {
        const int row = model.rowOfItem(itemNamed(catalog, fileName));
        return model.index(row, CatalogItemModel::FileColumn).data(CatalogItemModel::CaptionRole).toStringList();
    };
    QCOMPARE(captionOf(QStringLiteral("portrait.png")), (QStringList{QStringLiteral("Portrait of a lady"), QStringLiteral("1979.1")}));
    QCOMPARE(captionOf(QStringLiteral("landscape.jpg")), QStringList{QStringLiteral("L-7")});
    QCOMPARE(captionOf(QStringLiteral("panorama.png")), QStringList{QStringLiteral("panorama.png")});
    QCOMPARE(captionOf(QStringLiteral("tiny.png")), QStringList{QStringLiteral("tiny.png")});
    // The tooltip has it all, as plain text.
    const QString tip = model.index(model.rowOfItem(itemNamed(catalog, QStringLiteral("portrait.png"))), 0).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("Portrait of a lady")) && tip.contains(QStringLiteral("1979.1")) && tip.contains(QStringLiteral("portrait.png"))
                 && tip.contains(QStringLiteral("Asian Art")),
             qPrintable(tip));

    // A hostile catalog's title: plain text, bounded, in the caption and the tooltip alike.
    const QString hostile = QStringLiteral("<img src=x><font size=7>Big</font>") + QString(100 * 1024, QLatin1Char('n'));
    Catalog copy(copyCatalog(m_csvCatalog, m_dir.path(), QStringLiteral("hostile.db")));
    copy.run(QStringLiteral("UPDATE items SET metadata = :metadata WHERE id = :id"),
             QVariantMap{{QStringLiteral("metadata"), QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("title"), hostile}}).toJson())},
                         {QStringLiteral("id"), itemNamed(copy, QStringLiteral("tiny.png"))}});
    copy.run(QStringLiteral("UPDATE items SET metadata = '{not json' WHERE id = :id"),
             QVariantMap{{QStringLiteral("id"), itemNamed(copy, QStringLiteral("panorama.png"))}});
    CatalogItemModel hostileModel;
    CatalogWorker hostileModelWorker;
    QVERIFY(openWorkerAndWait(hostileModelWorker, copy.path()));
    hostileModel.setCatalog(&hostileModelWorker);
    QVERIFY(settleWorker(hostileModelWorker));
    QVERIFY(waitUntilLoaded(hostileModel));
    QCOMPARE(hostileModel.rowCount(), 4); // malformed metadata costs the item its title, not the page
    const QModelIndex tiny = hostileModel.index(hostileModel.rowOfItem(itemNamed(copy, QStringLiteral("tiny.png"))), 0);
    const QStringList caption = tiny.data(CatalogItemModel::CaptionRole).toStringList();
    QCOMPARE(caption.size(), 1);
    QVERIFY(caption.first().startsWith(QStringLiteral("<img src=x>")) && caption.first().size() <= kShownNameChars);
    const QString hostileTip = tiny.data(Qt::ToolTipRole).toString();
    QVERIFY2(!hostileTip.contains(QStringLiteral("<img")) && hostileTip.size() < 4 * kToolTipChars, qPrintable(hostileTip.left(300)));
    QCOMPARE(hostileModel.index(hostileModel.rowOfItem(itemNamed(copy, QStringLiteral("panorama.png"))), 0).data(CatalogItemModel::CaptionRole).toStringList(),
             QStringList{QStringLiteral("panorama.png")});
}

void TestCatalogView::badgeShowsStatusAndDepartment()
{
    const QString path = copyCatalog(m_fixture.catalogPath, m_dir.path(), QStringLiteral("badges.db"));
    Catalog catalog(path);
    ModelRegistry registry(catalog);
    const RegisteredModel active = *registry.activeModel();
    QStringList names;
    for (const Department &department : catalog.departments())
        names << department.name;
    const QStringList shortNames = shortDepartmentLabels(names);
    const auto shortOf = [&](const QString &name) { return shortNames.value(names.indexOf(name)); };

    CatalogItemModel model;
    CatalogWorker modelWorker;
    QVERIFY(openWorkerAndWait(modelWorker, catalog.path()));
    model.setCatalog(&modelWorker);
    QVERIFY(settleWorker(modelWorker));
    const auto firstWith = [&](ItemStatus status) {
        model.setFilter({0, status, QString()});
        if (!waitUntilLoaded(model))
            return QModelIndex();
        return model.rowCount() > 0 ? model.index(0, CatalogItemModel::FileColumn) : QModelIndex();
    };

    QModelIndex labelled = firstWith(ItemStatus::Labelled);
    QVERIFY(labelled.isValid());
    QCOMPARE(labelled.data(CatalogItemModel::BadgeStatusRole).toString(), QStringLiteral("Labelled"));
    QCOMPARE(labelled.data(CatalogItemModel::BadgeDepartmentRole).toString(), shortOf(model.rowData(0)->department));
    QVERIFY(!labelled.data(CatalogItemModel::BadgeDepartmentRole).toString().isEmpty());

    registry.setThreshold(active.id, 1.0); // hardly anything is confident enough: predictions wait for review
    const QModelIndex toReview = firstWith(ItemStatus::NeedsReview);
    QVERIFY(toReview.isValid());
    const ItemRow waiting = *model.rowData(0);
    QCOMPARE(toReview.data(CatalogItemModel::BadgeStatusRole).toString(), QStringLiteral("To review"));
    QCOMPARE(toReview.data(CatalogItemModel::BadgeDepartmentRole).toString(), shortOf(waiting.predicted) + QLatin1Char('?'));

    registry.setThreshold(active.id, 0.0); // every prediction is filed
    model.reload();
    QVERIFY(waitUntilLoaded(model));
    const QModelIndex filed = firstWith(ItemStatus::AutoFiled);
    QVERIFY(filed.isValid());
    QCOMPARE(filed.data(CatalogItemModel::BadgeStatusRole).toString(), QStringLiteral("Filed"));
    QCOMPARE(filed.data(CatalogItemModel::BadgeDepartmentRole).toString(), shortOf(model.rowData(0)->department));
    const qint64 filedItem = model.rowData(0)->id;
    const QString otherDepartment = names.first() == model.rowData(0)->department ? names.last() : names.first();
    ReviewStore(catalog).choose(filedItem, catalog.departments().at(int(names.indexOf(otherDepartment))).id);
    const QModelIndex reviewed = firstWith(ItemStatus::Confirmed);
    QVERIFY(reviewed.isValid());
    QCOMPARE(model.rowData(0)->id, filedItem);
    QCOMPARE(reviewed.data(CatalogItemModel::BadgeStatusRole).toString(), QStringLiteral("Reviewed"));
    QCOMPARE(reviewed.data(CatalogItemModel::BadgeDepartmentRole).toString(), shortOf(otherDepartment));

    model.setFilter({});
    QVERIFY(fetchAllRows(model));
    // Each department keeps its colour in every cell, and no two departments share one.
    QHash<QString, QRgb> colours;
    for (int row = 0; row < model.rowCount(); ++row) {
        const ItemRow *item = model.rowData(row);
        if (item->department.isEmpty())
            continue;
        const QRgb colour = model.index(row, 0).data(CatalogItemModel::DepartmentColorRole).value<QColor>().rgb();
        if (colours.contains(item->department))
            QCOMPARE(colours.value(item->department), colour);
        colours.insert(item->department, colour);
    }
    QCOMPARE(colours.size(), names.size());
    QCOMPARE(QSet<QRgb>(colours.begin(), colours.end()).size(), names.size());
}

void TestCatalogView::sliderResizesTheGridAndIsThePreference()
{
    Catalog catalog(m_csvCatalog);
    CatalogItemModel model;
    CatalogWorker modelWorker;
    QVERIFY(openWorkerAndWait(modelWorker, catalog.path()));
    model.setCatalog(&modelWorker);
    QVERIFY(settleWorker(modelWorker));
    CatalogView view(&model);
    showLoaded(view, model);
    QListView *grid = view.gridView();
    QSlider *slider = view.thumbnailSlider();
    QCOMPARE(slider->value(), Preferences::kDefaultThumbnailSize);
    const QSize before = grid->visualRect(model.index(0, 0)).size();

    // Moved from the keyboard, as a curator would.
    slider->setFocus();
    for (int step = 0; step < 3; ++step)
        QTest::keyClick(slider, Qt::Key_PageUp);
    const int larger = Preferences::kDefaultThumbnailSize + 3 * slider->pageStep();
    QCOMPARE(slider->value(), larger);
    QCOMPARE(view.thumbnailSize(), larger);
    QCOMPARE(Preferences::load().thumbnailSize, larger);
    QCOMPARE(grid->gridSize(), view.thumbnailDelegate()->cellSize(grid->fontMetrics()));
    const QSize after = grid->visualRect(model.index(0, 0)).size();
    QCOMPARE(after.width() - before.width(), larger - Preferences::kDefaultThumbnailSize);
    QCOMPARE(after.height() - before.height(), larger - Preferences::kDefaultThumbnailSize);

    // Zoom keys in the grid step it by a page.
    grid->setFocus();
    QTest::keyClick(grid, Qt::Key_Minus, Qt::ControlModifier);
    QCOMPARE(view.thumbnailSize(), larger - slider->pageStep());
    QCOMPARE(Preferences::load().thumbnailSize, larger - slider->pageStep());
    QTest::keyClick(grid, Qt::Key_Plus, Qt::ControlModifier);
    QCOMPARE(view.thumbnailSize(), larger);

    // A larger font gives the caption and badge lines more room.
    const int cellHeight = grid->gridSize().height();
    QFont largerFont = view.font();
    largerFont.setPointSizeF(largerFont.pointSizeF() * 2);
    view.setFont(largerFont);
    QVERIFY(grid->gridSize().height() > cellHeight);
    QCOMPARE(grid->gridSize(), view.thumbnailDelegate()->cellSize(grid->fontMetrics()));

    // The list has no thumbnails to size.
    view.showGrid(false);
    QVERIFY(!slider->isEnabled());
    view.showGrid(true);
    QVERIFY(slider->isEnabled());

    // The other way: Preferences sets the slider.
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, m_csvCatalog));
    QCOMPARE(window.catalogView()->thumbnailSlider()->value(), larger);
    PreferencesDialog *dialog = window.openPreferences();
    QCOMPARE(dialog->thumbnailSizeBox()->value(), larger);
    dialog->thumbnailSizeBox()->setValue(96);
    dialog->accept();
    QCOMPARE(window.catalogView()->thumbnailSlider()->value(), 96);
    QCOMPARE(window.catalogView()->thumbnailSize(), 96);
    QCOMPARE(Preferences::load().thumbnailSize, 96);
}

void TestCatalogView::largeThumbnailsAreDecodedFromTheOriginals()
{
    Catalog catalog(m_csvCatalog);
    CatalogItemModel model;
    CatalogWorker modelWorker;
    QVERIFY(openWorkerAndWait(modelWorker, catalog.path()));
    model.setCatalog(&modelWorker);
    QVERIFY(settleWorker(modelWorker));
    CatalogView view(&model);
    showLoaded(view, model);
    const auto thumbnailOf = [&](const QString &fileName) {
        return model.index(model.rowOfItem(itemNamed(catalog, fileName)), CatalogItemModel::FileColumn)
            .data(CatalogItemModel::ThumbnailRole)
            .value<QPixmap>();
    };
    // The catalog's own thumbnails are at most 192 pixels...
    QCOMPARE(thumbnailOf(QStringLiteral("panorama.png")).width(), 192);
    QCOMPARE(thumbnailOf(QStringLiteral("tiny.png")).size(), QSize(6, 6));
    // ...so a larger grid has them decoded again from the originals, never enlarged past them.
    view.thumbnailSlider()->setValue(Preferences::kMaxThumbnailSize);
    QTRY_COMPARE_WITH_TIMEOUT(thumbnailOf(QStringLiteral("panorama.png")).size(), QSize(320, 40), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(thumbnailOf(QStringLiteral("portrait.png")).size(), QSize(60, 300), 20000);
    QCOMPARE(thumbnailOf(QStringLiteral("tiny.png")).size(), QSize(6, 6));
    view.thumbnailSlider()->setValue(96);
    QTRY_COMPARE_WITH_TIMEOUT(thumbnailOf(QStringLiteral("panorama.png")).width(), 192, 20000);
}

void TestCatalogView::anotherCatalogsThumbnailsNeverStandForItsItems()
{
    // The CSV catalog's thumbnails (a portrait, a panorama, a landscape and a 6-pixel square) are cached by item id,
    // and the fixture's items 1-4 have the same ids: switching catalogs must drop them all at once, though their
    // pixmaps are freed a slice at a time afterwards.
    CatalogItemModel model;
    CatalogWorker csvWorker;
    QVERIFY(openWorkerAndWait(csvWorker, m_csvCatalog));
    model.setCatalog(&csvWorker);
    QVERIFY(settleWorker(csvWorker));
    CatalogView view(&model);
    showLoaded(view, model);
    const auto thumbnailAt = [&](int row) { return model.index(row, CatalogItemModel::FileColumn).data(CatalogItemModel::ThumbnailRole).value<QPixmap>(); };
    // Every image here is under the thumbnails' 192 pixels, so each item's thumbnail has the size of its image.
    const auto imageSizeAt = [&](int row) {
        const QStringList sides = model.index(row, CatalogItemModel::SizeColumn).data().toString().split(QStringLiteral(" × "));
        return sides.size() == 2 ? QSize(sides[0].toInt(), sides[1].toInt()) : QSize();
    };
    QHash<qint64, QSize> csvThumbnails;
    for (int row = 0; row < model.rowCount(); ++row)
        csvThumbnails.insert(model.index(row, 0).data(CatalogItemModel::ItemIdRole).toLongLong(), thumbnailAt(row).size());
    QCOMPARE(csvThumbnails.size(), 4);

    CatalogWorker fixtureWorker;
    QVERIFY(openWorkerAndWait(fixtureWorker, m_fixture.catalogPath));
    model.setCatalog(&fixtureWorker);
    QVERIFY(fetchAllRows(model));
    int sharedIds = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        const qint64 itemId = model.index(row, 0).data(CatalogItemModel::ItemIdRole).toLongLong();
        if (!csvThumbnails.contains(itemId))
            continue;
        ++sharedIds;
        // Either not read yet or the fixture's own, never the other catalog's picture of its item with this id.
        const QPixmap shown = thumbnailAt(row);
        QVERIFY(imageSizeAt(row) != csvThumbnails.value(itemId));
        QVERIFY2(shown.isNull() || shown.size() == imageSizeAt(row),
                 qPrintable(QStringLiteral("item %1: %2 x %3").arg(itemId).arg(shown.width()).arg(shown.height())));
    }
    QCOMPARE(sharedIds, 4);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int row = 0; row < model.rowCount(); ++row) {
                if (thumbnailAt(row).size() != imageSizeAt(row))
                    return false;
            }
            return true;
        }(),
        30000);
}

void TestCatalogView::itemPanelShowsOnlyMappedCsvColumns()
{
    CatalogSession session;
    QVERIFY(openSessionAndWait(session, copyCatalog(m_csvCatalog, m_dir.path(), QStringLiteral("panel.db"))));
    ItemPanel panel(&session);
    Catalog &catalog = *testCatalog(&session);
    panel.showItem(itemNamed(catalog, QStringLiteral("portrait.png")));
    QVERIFY(settleCatalogReads(&session));
    const QString details = panel.detailsText();
    QVERIFY2(details.contains(QStringLiteral("Title: Portrait of a lady")), qPrintable(details));
    QVERIFY2(!details.contains(QStringLiteral("Internal notes")) && !details.contains(QStringLiteral("do not show")), qPrintable(details));
    // The mapped columns: the object id and the department, in the title line.
    QVERIFY(panel.titleLabel()->text().contains(QStringLiteral("1979.1")));
    QVERIFY(panel.titleLabel()->text().contains(QStringLiteral("Asian Art")));
    // The unmapped column is kept in the catalog, only not shown.
    QVERIFY(QJsonDocument(catalog.item(itemNamed(catalog, QStringLiteral("portrait.png")))->metadata).toJson().contains("do not show this"));

    panel.showItem(itemNamed(catalog, QStringLiteral("panorama.png")));
    QVERIFY(settleCatalogReads(&session));
    QVERIFY2(!panel.detailsText().contains(QStringLiteral("nor this")), qPrintable(panel.detailsText()));

    // A catalog from an older version kept a CSV's columns loose beside the title; a IIIF manifest's own fields
    // are the collection's description, and show.
    const qint64 landscape = itemNamed(catalog, QStringLiteral("landscape.jpg"));
    catalog.run(QStringLiteral("UPDATE items SET metadata = :metadata WHERE id = :id"),
                QVariantMap{{QStringLiteral("metadata"), QStringLiteral(R"({"title":"Old bowl","Internal notes":"legacy note"})")},
                            {QStringLiteral("id"), landscape}});
    panel.showItem(landscape);
    QVERIFY(settleCatalogReads(&session));
    QVERIFY2(panel.detailsText().contains(QStringLiteral("Title: Old bowl")) && !panel.detailsText().contains(QStringLiteral("legacy")),
             qPrintable(panel.detailsText()));
    catalog.run(QStringLiteral("UPDATE items SET metadata = :metadata WHERE id = :id"),
                QVariantMap{{QStringLiteral("metadata"), QStringLiteral(R"({"manifest":"https://example.org/m.json","Date":"ca. 1600"})")},
                            {QStringLiteral("id"), landscape}});
    panel.showItem(landscape);
    QVERIFY(settleCatalogReads(&session));
    QVERIFY2(panel.detailsText().contains(QStringLiteral("Date: ca. 1600")), qPrintable(panel.detailsText()));
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
