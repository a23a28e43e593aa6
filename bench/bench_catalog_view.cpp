// The desktop application on a big catalog: builds a catalog of N items (default 500,000; rows only, the
// image files do not exist), then measures in the real main window, offscreen: the time to open it and
// show the first page, to scroll the grid to its end page after page, to apply filters, and the memory
// used. Run by hand; prints figures.
//
//   bench_catalog_view [--items 500000] [--pages 200] [--work DIR]

#include "catalogitemmodel.h"
#include "catalogview.h"
#include "mainwindow.h"

#include "catalog/catalog.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "catalog/transactionguard.h"

#include <QApplication>
#include <QBuffer>
#include <QCommandLineParser>
#include <QComboBox>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QListView>
#include <QPainter>
#include <QScrollBar>

#include <cstdio>
#include <random>

using namespace accession;

namespace {

double residentMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    status.open(QIODevice::ReadOnly);
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return 0;
}

QByteArray smallJpeg(int index)
{
    QImage image(64, 48, QImage::Format_RGB888);
    image.fill(QColor::fromHsv((index * 37) % 360, 120, 200));
    QPainter painter(&image);
    painter.fillRect(16, 12, 32, 24, QColor::fromHsv((index * 91) % 360, 200, 90));
    painter.end();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "JPEG", 80);
    return bytes;
}

void build(const QString &path, int count)
{
    QElapsedTimer timer;
    timer.start();
    Catalog catalog(path, Catalog::OpenMode::CreateIfMissing);
    const QStringList names = {QStringLiteral("Arms and Armor"), QStringLiteral("Asian Art"), QStringLiteral("Drawings and Prints"),
                               QStringLiteral("European Paintings"), QStringLiteral("Greek and Roman Art"), QStringLiteral("The American Wing"),
                               QStringLiteral("Musical Instruments"), QStringLiteral("Egyptian Art"), QStringLiteral("Medieval Art")};
    QVector<qint64> departments;
    for (const QString &name : names)
        departments << *catalog.ensureDepartment(name);
    const qint64 model = ModelRegistry(catalog).registerModel(
        QStringLiteral("/nonexistent/bench-model.safetensors"), QStringLiteral("bench"),
        QJsonObject{{QStringLiteral("architecture"), QStringLiteral("mobilenet_v2")}, {QStringLiteral("classes"), QJsonArray::fromStringList(names)},
                    {QStringLiteral("threshold"), 0.8}, {QStringLiteral("temperature"), 1.0}});
    ReviewStore store(catalog);
    QVector<QByteArray> thumbnails;
    for (int i = 0; i < 64; ++i)
        thumbnails << smallJpeg(i);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    for (int begin = 0; begin < count; begin += 10000) {
        TransactionGuard transaction(catalog.database());
        for (int i = begin; i < std::min(count, begin + 10000); ++i) {
            NewItem item;
            item.contentHash = QString::fromLatin1(QCryptographicHash::hash(QByteArray::number(i), QCryptographicHash::Sha256).toHex());
            item.path = QStringLiteral("/archive/photographs/%1/%2.jpg").arg(i / 1000).arg(i);
            item.externalId = QString::number(100000 + i);
            item.width = 3000;
            item.height = 2000;
            item.format = QStringLiteral("jpeg");
            item.fileSize = 1 << 20;
            item.thumbnailJpeg = thumbnails[i % 64];
            item.thumbnailWidth = 64;
            item.thumbnailHeight = 48;
            const qint64 id = catalog.insertItem(item);
            if (i % 5 < 3) {
                catalog.addLabel(id, departments[i % departments.size()], LabelSource::Imported);
            } else {
                NewPrediction prediction;
                prediction.itemId = id;
                prediction.probabilities.resize(size_t(names.size()));
                float sum = 0;
                for (float &p : prediction.probabilities)
                    sum += (p = unit(rng) * unit(rng) * unit(rng));
                for (float &p : prediction.probabilities)
                    p /= sum;
                store.addPrediction(model, prediction, departments, 0.8);
            }
        }
        transaction.commit();
        if (begin % 100000 == 0)
            std::printf("  built %d of %d items\n", begin, count), std::fflush(stdout);
    }
    catalog.run(QStringLiteral("ANALYZE"));
    catalog.run(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    std::printf("built a catalog of %d items in %.1f s (%.0f MB)\n", count, timer.elapsed() / 1000.0, QFile(path).size() / 1048576.0);
}

void settle(int milliseconds = 0)
{
    QElapsedTimer timer;
    timer.start();
    do {
        QApplication::processEvents(QEventLoop::AllEvents, 50);
    } while (timer.elapsed() < milliseconds);
}

} // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("AccessionBench"));
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("items"), QStringLiteral("Catalog size."), QStringLiteral("N"), QStringLiteral("500000")});
    parser.addOption({QStringLiteral("pages"), QStringLiteral("Pages to scroll through."), QStringLiteral("N"), QStringLiteral("200")});
    parser.addOption({QStringLiteral("work"), QStringLiteral("Working folder."), QStringLiteral("DIR"), QStringLiteral("/tmp/accession-bench")});
    parser.process(app);
    const int count = parser.value(QStringLiteral("items")).toInt();
    const QString path = parser.value(QStringLiteral("work")) + QStringLiteral("/view-%1.db").arg(count);
    if (!QFile::exists(path))
        build(path, count);
    const double baseMemory = residentMb();

    MainWindow window;
    window.show();
    settle(300);
    QElapsedTimer timer;
    timer.start();
    window.openCatalog(path);
    CatalogItemModel *model = window.itemModel();
    while (model->rowCount() == 0)
        settle();
    std::printf("opened %lld items, first page shown in %.0f ms\n", model->totalCount(), double(timer.elapsed()));

    QListView *grid = window.catalogView()->gridView();
    const int pages = parser.value(QStringLiteral("pages")).toInt();
    timer.restart();
    QElapsedTimer pageTimer;
    double slowest = 0;
    for (int page = 1; page < pages && model->canFetchMore(QModelIndex()); ++page) {
        const int rows = model->rowCount();
        pageTimer.restart();
        grid->verticalScrollBar()->setValue(grid->verticalScrollBar()->maximum());
        while (model->rowCount() == rows && model->canFetchMore(QModelIndex()))
            settle();
        slowest = std::max(slowest, double(pageTimer.elapsed()));
    }
    const double scrollSeconds = timer.elapsed() / 1000.0;
    std::printf("scrolled the grid to its end %d times: %d rows loaded in %.1f s, %.0f ms per page of %d on average, slowest %.0f ms\n",
                pages - 1, model->rowCount(), scrollSeconds, scrollSeconds * 1000 / std::max(1, pages - 1), CatalogItemModel::kPageSize, slowest);
    settle(1500);
    std::printf("memory: %.0f MB resident after scrolling (%.0f MB before the window)\n", residentMb(), baseMemory);

    const auto timeFilter = [&](const char *name, const std::function<void()> &apply) {
        timer.restart();
        apply();
        while (model->rowCount() == 0 && model->canFetchMore(QModelIndex()))
            settle();
        std::printf("filter %-30s %8lld items, first page in %.0f ms\n", name, model->totalCount(), double(timer.elapsed()));
    };
    QComboBox *status = window.catalogView()->statusFilter();
    timeFilter("status: needs review", [&] { status->setCurrentIndex(status->findData(int(ItemStatus::NeedsReview))); });
    timeFilter("and least confident first", [&] { window.catalogView()->orderBox()->setCurrentIndex(2); });
    timeFilter("status: any, department", [&] {
        status->setCurrentIndex(0);
        window.catalogView()->departmentFilter()->setCurrentIndex(3);
    });
    timeFilter("search: external id", [&] {
        window.catalogView()->departmentFilter()->setCurrentIndex(0);
        model->setFilter({0, std::nullopt, QStringLiteral("4321")});
    });
    return 0;
}
