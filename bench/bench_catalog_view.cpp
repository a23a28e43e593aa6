// The desktop application on a big catalog: builds a catalog of N items (default 500,000; rows only, the
// image files do not exist), then drives the real main window, offscreen, through what a curator does:
// open, scroll, filter, sort, search, review keypresses, undo, a threshold drag, switching views. For each
// action it prints the longest time the GUI thread left its event loop unanswered (GuiStallWatchdog) and
// the time until the result showed, and the memory used. Run by hand; prints figures.
//
//   bench_catalog_view [--items 500000] [--pages 200] [--keys 20] [--work DIR]

#include "catalogitemmodel.h"
#include "catalogview.h"
#include "dashboardwidget.h"
#include "mainwindow.h"
#include "reviewwidget.h"

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
#include <QDateTime>
#include <QJsonArray>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QScrollBar>
#include <QSlider>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <thread>

using namespace accession;

namespace {

// The longest time the GUI thread left its event loop unanswered, whatever kept it busy: a helper thread
// posts a ping to the GUI thread every kPingIntervalMs and measures how late each answer comes. Averages hide
// the one freeze a curator notices; this catches it, within a ping interval.
class GuiStallWatchdog
{
public:
    static constexpr int kPingIntervalMs = 2;

    GuiStallWatchdog()
    {
        m_clock.start();
        m_thread = std::thread([this] { pingUntilStopped(); });
    }
    ~GuiStallWatchdog()
    {
        m_stop = true;
        m_thread.join();
        QCoreApplication::removePostedEvents(qApp); // pings still queued refer to this object
    }

    // Starts a new action: the longest stall so far is forgotten, and a ping already waiting counts from now.
    void reset()
    {
        m_resetAtNs = m_clock.nsecsElapsed();
        m_longestNs = 0;
    }
    // Since the last reset, including a ping still unanswered.
    double longestStallMs() const
    {
        qint64 longest = m_longestNs;
        const qint64 pending = m_pendingSinceNs;
        if (pending >= 0)
            longest = std::max(longest, m_clock.nsecsElapsed() - std::max(pending, qint64(m_resetAtNs)));
        return longest / 1e6;
    }

private:
    void pingUntilStopped()
    {
        while (!m_stop) {
            qint64 expected = -1;
            if (m_pendingSinceNs.compare_exchange_strong(expected, m_clock.nsecsElapsed())) {
                QMetaObject::invokeMethod(qApp, [this] { answer(); }, Qt::QueuedConnection);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(kPingIntervalMs));
        }
    }
    // On the GUI thread.
    void answer()
    {
        const qint64 now = m_clock.nsecsElapsed();
        const qint64 sent = m_pendingSinceNs.exchange(-1);
        if (sent < 0)
            return;
        const qint64 late = now - std::max(sent, qint64(m_resetAtNs));
        if (late > m_longestNs)
            m_longestNs = late;
    }

    QElapsedTimer m_clock;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<qint64> m_pendingSinceNs{-1}; // when the ping in flight was posted; -1 when none is
    std::atomic<qint64> m_resetAtNs{0};
    std::atomic<qint64> m_longestNs{0};
};

QString cpuName()
{
    QFile cpuinfo(QStringLiteral("/proc/cpuinfo"));
    if (cpuinfo.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : cpuinfo.readAll().split('\n')) {
            if (line.startsWith("model name"))
                return QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
        }
    }
    return QStringLiteral("unknown CPU");
}

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

// One turn of the event loop, then a millisecond's rest: a spin would take a core from the workers, and a
// blocking wait for more events was seen here to sleep through a watchdog ping, hanging the bench.
void turnEventLoop()
{
    QApplication::processEvents(QEventLoop::AllEvents);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// Runs the event loop for at least the given time.
void settle(int milliseconds = 0)
{
    QElapsedTimer timer;
    timer.start();
    do {
        turnEventLoop();
    } while (timer.elapsed() < milliseconds);
}

// Waits until done() holds, at most timeoutMs; false on timeout.
bool settleUntil(const std::function<bool()> &done, int timeoutMs = 120000)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        turnEventLoop();
    }
    return true;
}

constexpr double kStallLimitMs = 50;
// After the result shows, the event loop runs this long more, so that work it left queued is measured too.
constexpr int kTrailingMs = 300;

void printHeader()
{
    std::printf("\n%-44s | %19s | %17s |\n", "action", "longest GUI stall ms", "time to result ms");
    std::printf("%s\n", QByteArray(44, '-').append("-|----------------------|-------------------|").constData());
}

void printRow(const QString &action, double stallMs, double resultMs, const QString &note = {})
{
    const QByteArray result = resultMs < 0 ? QByteArray("timed out") : QByteArray::number(resultMs, 'f', 0);
    std::printf("%-44s | %16.0f %s | %17s | %s\n", action.toUtf8().constData(), stallMs, stallMs > kStallLimitMs ? "!!" : "  ",
                result.constData(), note.toUtf8().constData());
    std::fflush(stdout);
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
    parser.addOption({QStringLiteral("keys"), QStringLiteral("Review keypresses."), QStringLiteral("N"), QStringLiteral("20")});
    parser.addOption({QStringLiteral("work"), QStringLiteral("Working folder."), QStringLiteral("DIR"), QStringLiteral("/tmp/accession-bench")});
    parser.process(app);
    const int count = parser.value(QStringLiteral("items")).toInt();
    const QString path = parser.value(QStringLiteral("work")) + QStringLiteral("/view-%1.db").arg(count);
    if (!QFile::exists(path))
        build(path, count);
    const double baseMemory = residentMb();
    std::printf("%s, %s, %d items; stalls over %.0f ms are marked !!\n", qPrintable(cpuName()),
                qPrintable(QDateTime::currentDateTimeUtc().toString(Qt::ISODate)), count, kStallLimitMs);

    MainWindow window;
    window.resize(1366, 768);
    window.show();
    settle(300);
    GuiStallWatchdog watchdog;
    settle(100);
    CatalogItemModel *model = window.itemModel();
    CatalogView *catalogView = window.catalogView();
    ReviewWidget *review = window.reviewWidget();
    DashboardWidget *dashboard = window.dashboard();
    QElapsedTimer timer;

    // One action: reset the watchdog, act, wait for the result, keep the loop running a moment, report.
    const auto measure = [&](const QString &name, const std::function<void()> &act, const std::function<bool()> &shown,
                             const std::function<QString()> &note = [] { return QString(); }) {
        watchdog.reset();
        timer.restart();
        act();
        const bool ok = settleUntil(shown);
        const double resultMs = ok ? double(timer.elapsed()) : -1;
        settle(kTrailingMs);
        printRow(name, watchdog.longestStallMs(), resultMs, note());
        return resultMs;
    };
    const auto firstPageShown = [&] { return model->rowCount() > 0 || (model->totalCount() == 0 && !model->canFetchMore(QModelIndex())); };

    printHeader();
    measure(QStringLiteral("open catalog (first page shown)"), [&] { window.openCatalog(path); }, [&] { return model->rowCount() > 0; },
            [&] { return QStringLiteral("%1 items").arg(model->totalCount()); });

    // Scrolling: the grid to its end, page after page.
    QListView *grid = catalogView->gridView();
    const int pages = parser.value(QStringLiteral("pages")).toInt();
    watchdog.reset();
    timer.restart();
    QElapsedTimer pageTimer;
    double slowest = 0;
    for (int page = 1; page < pages && model->canFetchMore(QModelIndex()); ++page) {
        const int rows = model->rowCount();
        pageTimer.restart();
        grid->verticalScrollBar()->setValue(grid->verticalScrollBar()->maximum());
        // Held at the bottom, as a curator drags the thumb down: the grid may lay out again and move the bar's end.
        const auto pageCame = [&] {
            QScrollBar *bar = grid->verticalScrollBar();
            if (bar->value() != bar->maximum())
                bar->setValue(bar->maximum());
            return model->rowCount() != rows || !model->canFetchMore(QModelIndex());
        };
        if (!settleUntil(pageCame, 10000)) {
            std::printf("scrolling stopped: no page came 10 s after scrolling to row %d (scroll bar %d of %d)\n", rows,
                        grid->verticalScrollBar()->value(), grid->verticalScrollBar()->maximum());
            break;
        }
        slowest = std::max(slowest, double(pageTimer.elapsed()));
    }
    const double scrollMs = double(timer.elapsed());
    settle(kTrailingMs);
    printRow(QStringLiteral("scroll grid to its end, %1 times").arg(pages - 1), watchdog.longestStallMs(), slowest,
             QStringLiteral("slowest page; %1 rows, %2 ms per page of %3 on average")
                 .arg(model->rowCount()).arg(scrollMs / std::max(1, pages - 1), 0, 'f', 0).arg(CatalogItemModel::kPageSize));
    const double scrolledMemory = residentMb();

    // Filters, sort orders and a search, through the catalog bar's own widgets.
    QComboBox *status = catalogView->statusFilter();
    QComboBox *department = catalogView->departmentFilter();
    QComboBox *order = catalogView->orderBox();
    const auto filterRow = [&](const QString &name, const std::function<void()> &apply) {
        measure(name, apply, firstPageShown, [&] { return QStringLiteral("%1 items").arg(model->totalCount()); });
    };
    for (int index = 1; index < status->count(); ++index)
        filterRow(QStringLiteral("filter status: %1").arg(status->itemText(index)), [&] { status->setCurrentIndex(index); });
    filterRow(QStringLiteral("filter status: any"), [&] { status->setCurrentIndex(0); });
    for (int index = 1; index < std::min(department->count(), 4); ++index)
        filterRow(QStringLiteral("filter department: %1").arg(department->itemText(index)), [&] { department->setCurrentIndex(index); });
    filterRow(QStringLiteral("filter department: any"), [&] { department->setCurrentIndex(0); });
    for (int index : {1, 2, 3, 0})
        filterRow(QStringLiteral("sort: %1").arg(order->itemText(index)), [&] { order->setCurrentIndex(index); });
    int resets = 0;
    QObject::connect(model, &QAbstractItemModel::modelReset, [&] { ++resets; });
    const int resetsBefore = resets;
    measure(QStringLiteral("search: type \"4321\""), [&] { QTest::keyClicks(catalogView->searchField(), QStringLiteral("4321")); },
            [&] { return resets > resetsBefore && firstPageShown(); },
            [&] { return QStringLiteral("%1 items; from the first key, the 250 ms delay included").arg(model->totalCount()); });
    const int resetsCleared = resets;
    measure(QStringLiteral("search: clear"), [&] { catalogView->searchField()->clear(); },
            [&] { return resets > resetsCleared && firstPageShown(); });

    // Switching views, the first time each.
    measure(QStringLiteral("switch to Review"), [&] { window.showReview(); }, [] { return true; },
            [&] { return QStringLiteral("%1 to review").arg(review->remaining()); });
    measure(QStringLiteral("switch to Model"), [&] { window.showDashboard(); }, [] { return true; });
    measure(QStringLiteral("switch to Catalog"), [&] { window.showCatalog(); }, [] { return true; });
    measure(QStringLiteral("switch to Review again"), [&] { window.showReview(); }, [] { return true; });

    // Review keypresses: Enter accepts, a department's key files, S skips; each until the next item is current.
    const int keys = parser.value(QStringLiteral("keys")).toInt();
    const QChar departmentKey = review->keyOfDepartment(review->rankedDepartments().value(1));
    struct KeyKind
    {
        QString name;
        std::function<void()> press;
        double longestStall = 0;
        double slowest = 0;
        QVector<double> times;
    };
    QVector<KeyKind> kinds = {{QStringLiteral("Enter (accept)"), [&] { QTest::keyClick(review, Qt::Key_Return); }, 0, 0, {}},
                              {QStringLiteral("department key %1").arg(departmentKey), [&] { QTest::keyClick(review, departmentKey.toLatin1()); }, 0, 0, {}},
                              {QStringLiteral("S (skip)"), [&] { QTest::keyClick(review, Qt::Key_S); }, 0, 0, {}}};
    for (int press = 0; press < keys && review->currentItemId() > 0; ++press) {
        KeyKind &kind = kinds[press % kinds.size()];
        const qint64 before = review->currentItemId();
        watchdog.reset();
        timer.restart();
        kind.press();
        const bool ok = settleUntil([&] { return review->currentItemId() != before; }, 30000);
        const double ms = ok ? double(timer.elapsed()) : 30000;
        settle(50);
        kind.times << ms;
        kind.slowest = std::max(kind.slowest, ms);
        kind.longestStall = std::max(kind.longestStall, watchdog.longestStallMs());
    }
    for (KeyKind &kind : kinds) {
        std::sort(kind.times.begin(), kind.times.end());
        printRow(QStringLiteral("review key: %1 (x%2)").arg(kind.name).arg(kind.times.size()), kind.longestStall, kind.slowest,
                 QStringLiteral("next item current, slowest; median %1 ms").arg(kind.times.value(kind.times.size() / 2), 0, 'f', 0));
    }
    for (int undo = 1; undo <= 3; ++undo) {
        const qint64 before = review->currentItemId();
        measure(QStringLiteral("undo (Ctrl+Z) %1").arg(undo), [&] { QTest::keyClick(review, Qt::Key_Z, Qt::ControlModifier); },
                [&] { return review->currentItemId() != before; }, [] { return QStringLiteral("until the undone item is current"); });
    }

    // The threshold control, dragged through 20 values a frame apart, then the counts.
    measure(QStringLiteral("switch to Model again"), [&] { window.showDashboard(); }, [] { return true; });
    QSlider *threshold = dashboard->thresholdSlider();
    int counted = 0;
    QObject::connect(dashboard, &DashboardWidget::consequencesCounted, [&] { ++counted; });
    const int countedBefore = counted;
    const int start = threshold->value();
    watchdog.reset();
    timer.restart();
    double dragStall = 0;
    threshold->setSliderDown(true);
    for (int step = 1; step <= 20; ++step) {
        threshold->setValue(std::clamp(start + (start > 500 ? -step : step) * 15, 0, 1000));
        settle(16);
    }
    threshold->setSliderDown(false);
    dragStall = watchdog.longestStallMs();
    QElapsedTimer countTimer;
    countTimer.start();
    const bool countsShown = settleUntil([&] { return counted > countedBefore; });
    const double countMs = countsShown ? double(countTimer.elapsed()) : -1;
    settle(kTrailingMs);
    printRow(QStringLiteral("threshold drag, 20 values, then the counts"), watchdog.longestStallMs(), countMs,
             QStringLiteral("counts after the slider stops, its delay included; %1 ms longest stall while dragging").arg(dragStall, 0, 'f', 0));

    measure(QStringLiteral("switch to Catalog again"), [&] { window.showCatalog(); }, [] { return true; });

    std::printf("\nmemory: %.0f MB resident after scrolling (%.0f MB before the window), %.0f MB at the end\n", scrolledMemory, baseMemory,
                residentMb());
    return 0;
}
