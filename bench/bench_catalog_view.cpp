// The desktop application on a big catalog: builds a catalog of N items (default 500,000; rows only, the
// image files do not exist), then drives the real main window, offscreen, through what a curator does:
// open, scroll, filter, sort, search, review keypresses, undo, a threshold drag, switching views. For each
// action it prints the longest time the GUI thread left its event loop unanswered (GuiStallWatchdog), the time
// until its result showed (the model's first page, the review's next item: the signals the window waits for, as
// every read runs on the catalog thread) and until everything it started had arrived (counts included), and the
// memory used. Last, it opens a copy of the catalog taken back to schema 3, which the window migrates, and times
// each migration step on another copy. Run by hand; prints figures.
//
//   bench_catalog_view [--items 500000] [--pages 200] [--keys 20] [--work DIR]

#include "benchsupport.h"
#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "catalogview.h"
#include "dashboardwidget.h"
#include "mainwindow.h"
#include "reviewwidget.h"

#include "handmadecatalog.h"

#include "catalog/catalog.h"
#include "catalog/catalogworker.h"
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
#include <QFileInfo>
#include <QImage>
#include <QDateTime>
#include <QJsonArray>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QScrollBar>
#include <QSqlError>
#include <QSqlQuery>
#include <QStatusBar>
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
        m_longestBeganNs = 0;
    }
    // When the longest stall answered so far began, since the last reset.
    double longestStallBeganMs() const { return m_longestBeganNs / 1e6; }
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
        if (late > m_longestNs) {
            m_longestNs = late;
            m_longestBeganNs = std::max(sent, qint64(m_resetAtNs)) - m_resetAtNs;
        }
    }

    QElapsedTimer m_clock;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<qint64> m_pendingSinceNs{-1}; // when the ping in flight was posted; -1 when none is
    std::atomic<qint64> m_resetAtNs{0};
    std::atomic<qint64> m_longestNs{0};
    std::atomic<qint64> m_longestBeganNs{0}; // since the reset
};

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
    std::printf("\n%-44s | %19s | %14s | %14s |\n", "action", "longest GUI stall ms", "result ms", "all shown ms");
    std::printf("%s\n", QByteArray(44, '-').append("-|----------------------|----------------|----------------|").constData());
}

constexpr double kNotMeasured = -2;

QByteArray milliseconds(double ms)
{
    if (ms == kNotMeasured)
        return QByteArray("-");
    return ms < 0 ? QByteArray("timed out") : QByteArray::number(ms, 'f', 0);
}

void printRow(const QString &action, double stallMs, double resultMs, double completeMs, const QString &note = {})
{
    std::printf("%-44s | %16.0f %s | %14s | %14s | %s\n", action.toUtf8().constData(), stallMs, stallMs > kStallLimitMs ? "!!" : "  ",
                milliseconds(resultMs).constData(), milliseconds(completeMs).constData(), note.toUtf8().constData());
    std::fflush(stdout);
}

// A fresh copy of the schema-3 catalog (made once from the built one, before any action changed it).
QString migratingCopy(const QString &schema3Path, const QString &name)
{
    const QString copy = QFileInfo(schema3Path).absolutePath() + QLatin1Char('/') + name;
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(copy + suffix);
    if (!QFile::copy(schema3Path, copy))
        qFatal("cannot copy %s", qPrintable(schema3Path));
    return copy;
}

// Each migration step's time at this size, as the command line runs them (indexes while opening), on a copy.
void timeMigrationSteps(const QString &schema3Path)
{
    const QString copy = migratingCopy(schema3Path, QStringLiteral("steps.db"));
    QElapsedTimer timer;
    timer.start();
    qint64 stepStart = 0;
    QString step;
    std::printf("\nmigration from schema 3, step by step (on the calling thread, indexes included):\n");
    const auto progress = [&](int done, int total, const QString &next) {
        const qint64 now = timer.elapsed();
        if (done > 0)
            std::printf("  %-52s %6lld ms\n", qPrintable(step), now - stepStart);
        if (done == total)
            std::printf("  %-52s %6lld ms\n", "in all", now);
        step = QStringLiteral("%1/%2 %3").arg(done + 1).arg(total).arg(next);
        stepStart = now;
    };
    {
        Catalog catalog(copy, Catalog::OpenMode::OpenExisting, progress);
        if (catalog.schemaVersion() != Catalog::kSchemaVersion || !catalog.missingIndexes().isEmpty())
            qFatal("the migration did not complete");
    }
    std::fflush(stdout);
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(copy + suffix);
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
    const QString schema3Path = parser.value(QStringLiteral("work")) + QStringLiteral("/view-%1-schema3.db").arg(count);
    if (!QFile::exists(path))
        build(path, count);
    if (!QFile::exists(schema3Path)) {
        {
            Catalog catalog(path); // as built: what earlier runs changed is checkpointed into the file first
            catalog.run(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        QFile::copy(path, schema3Path + QStringLiteral(".part"));
        if (!test::rollBackToSchema3(schema3Path + QStringLiteral(".part")))
            qFatal("cannot take %s back to schema 3", qPrintable(schema3Path));
        QFile::rename(schema3Path + QStringLiteral(".part"), schema3Path);
    }
    const double baseMemory = residentMb();
    std::printf("%s, %s, %d items; stalls over %.0f ms are marked !!\n", qPrintable(bench::cpuName()),
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
    CatalogWorker *worker = window.session()->worker();
    QElapsedTimer timer;

    // What the window says it has shown, counted as it says it.
    int firstPages = 0;
    int counts = 0;
    int resets = 0;
    QObject::connect(model, &CatalogItemModel::firstPageLoaded, [&] { ++firstPages; });
    QObject::connect(model, &CatalogItemModel::totalCountChanged, [&] { ++counts; });
    QObject::connect(model, &QAbstractItemModel::modelReset, [&] { ++resets; });
    // Writes the window heard of as another client's (each makes every view read again).
    int heardElsewhere = 0;
    QObject::connect(window.session(), &CatalogSession::catalogChangedElsewhere, [&] { ++heardElsewhere; });
    // Nothing left in flight on the catalog thread, over a few turns of the loop (a result often posts the next read).
    int quietTurns = 0;
    const auto catalogThreadQuiet = [&] {
        quietTurns = worker->pendingTasks() == 0 ? quietTurns + 1 : 0;
        return quietTurns >= 3;
    };

    // One action: reset the watchdog, act, wait for its result, then for everything it started (the counts, the
    // catalog thread's reads), keep the loop running a moment, report.
    const auto measure = [&](const QString &name, const std::function<void()> &act, const std::function<bool()> &shown,
                             const std::function<bool()> &complete, const std::function<QString()> &note = [] { return QString(); }) {
        watchdog.reset();
        const int heardBefore = heardElsewhere;
        timer.restart();
        act();
        const bool ok = settleUntil(shown);
        const double resultMs = ok ? double(timer.elapsed()) : -1;
        quietTurns = 0;
        const bool completed = settleUntil([&] { return complete() && catalogThreadQuiet(); });
        const double completeMs = completed ? double(timer.elapsed()) : -1;
        settle(kTrailingMs);
        const double stallMs = watchdog.longestStallMs();
        QString text = note();
        if (heardElsewhere > heardBefore)
            text += QStringLiteral("%1heard %2 change(s) from elsewhere").arg(text.isEmpty() ? QString() : QStringLiteral("; ")).arg(heardElsewhere - heardBefore);
        if (stallMs > kStallLimitMs)
            text += QStringLiteral("%1the longest stall began at %2 ms").arg(text.isEmpty() ? QString() : QStringLiteral("; ")).arg(watchdog.longestStallBeganMs(), 0, 'f', 0);
        printRow(name, stallMs, resultMs, completeMs, text);
        return resultMs;
    };
    const auto always = [] { return true; };

    printHeader();
    {
        const int pagesBefore = firstPages;
        const int countsBefore = counts;
        measure(QStringLiteral("open catalog (first page shown)"), [&] { window.openCatalog(path); },
                [&] { return firstPages > pagesBefore && model->rowCount() > 0; },
                [&] { return counts > countsBefore && review->currentItemId() > 0; },
                [&] { return QStringLiteral("%1 items; all shown: the count and the review's first item").arg(model->totalCount()); });
    }

    // Scrolling: the grid to its end, page after page.
    QListView *grid = catalogView->gridView();
    const int pages = parser.value(QStringLiteral("pages")).toInt();
    watchdog.reset();
    timer.restart();
    QElapsedTimer pageTimer;
    double slowest = 0;
    // More rows to come: the model can fetch them, or a page it asked for is on its way.
    const auto moreToCome = [&] { return model->canFetchMore(QModelIndex()) || model->isLoading(); };
    for (int page = 1; page < pages && moreToCome(); ++page) {
        const int rows = model->rowCount();
        pageTimer.restart();
        grid->verticalScrollBar()->setValue(grid->verticalScrollBar()->maximum());
        // Held at the bottom, as a curator drags the thumb down: the grid may lay out again and move the bar's end.
        const auto pageCame = [&] {
            QScrollBar *bar = grid->verticalScrollBar();
            if (bar->value() != bar->maximum())
                bar->setValue(bar->maximum());
            return model->rowCount() != rows || !moreToCome();
        };
        if (!settleUntil(pageCame, 10000)) {
            std::printf("scrolling stopped: no page came 10 s after scrolling to row %d (scroll bar %d of %d)\n", rows,
                        grid->verticalScrollBar()->value(), grid->verticalScrollBar()->maximum());
            break;
        }
        slowest = std::max(slowest, double(pageTimer.elapsed()));
    }
    const double scrollMs = double(timer.elapsed());
    std::printf("scrolling heard %d change(s) from elsewhere\n", heardElsewhere);
    settle(kTrailingMs);
    printRow(QStringLiteral("scroll grid to its end, %1 times").arg(pages - 1), watchdog.longestStallMs(), slowest, kNotMeasured,
             QStringLiteral("slowest page; %1 rows, %2 ms per page of %3 on average")
                 .arg(model->rowCount()).arg(scrollMs / std::max(1, pages - 1), 0, 'f', 0).arg(CatalogItemModel::kPageSize));
    const double scrolledMemory = residentMb();

    // Filters, sort orders and a search, through the catalog bar's own widgets: the first page, then the count.
    QComboBox *status = catalogView->statusFilter();
    QComboBox *department = catalogView->departmentFilter();
    QComboBox *order = catalogView->orderBox();
    const auto filterRow = [&](const QString &name, const std::function<void()> &apply) {
        const int pagesBefore = firstPages;
        const int countsBefore = counts;
        measure(name, apply, [&] { return firstPages > pagesBefore; }, [&] { return counts > countsBefore; },
                [&] { return QStringLiteral("%1 items").arg(model->totalCount()); });
    };
    for (int index = 1; index < status->count(); ++index)
        filterRow(QStringLiteral("filter status: %1").arg(status->itemText(index)), [&] { status->setCurrentIndex(index); });
    filterRow(QStringLiteral("filter status: any"), [&] { status->setCurrentIndex(0); });
    for (int index = 1; index < std::min(department->count(), 4); ++index)
        filterRow(QStringLiteral("filter department: %1").arg(department->itemText(index)), [&] { department->setCurrentIndex(index); });
    filterRow(QStringLiteral("filter department: any"), [&] { department->setCurrentIndex(0); });
    for (int index : {1, 2, 3, 0})
        filterRow(QStringLiteral("sort: %1").arg(order->itemText(index)), [&] { order->setCurrentIndex(index); });
    {
        const int pagesBefore = firstPages;
        const int countsBefore = counts;
        measure(QStringLiteral("search: type \"4321\""), [&] { QTest::keyClicks(catalogView->searchField(), QStringLiteral("4321")); },
                [&] { return firstPages > pagesBefore; }, [&] { return counts > countsBefore; },
                [&] { return QStringLiteral("%1 items; from the first key, the 250 ms delay included").arg(model->totalCount()); });
    }
    {
        const int pagesBefore = firstPages;
        const int countsBefore = counts;
        measure(QStringLiteral("search: clear"), [&] { catalogView->searchField()->clear(); }, [&] { return firstPages > pagesBefore; },
                [&] { return counts > countsBefore; });
    }

    // Switching views, the first time each: the result is the view shown (the review's item in it).
    measure(QStringLiteral("switch to Review"), [&] { window.showReview(); }, [&] { return review->currentItemId() > 0; }, always,
            [&] { return QStringLiteral("%1 to review").arg(review->remaining()); });
    measure(QStringLiteral("switch to Model"), [&] { window.showDashboard(); }, always, always);
    measure(QStringLiteral("switch to Catalog"), [&] { window.showCatalog(); }, always, always);
    measure(QStringLiteral("switch to Review again"), [&] { window.showReview(); }, [&] { return review->currentItemId() > 0; }, always);

    // Review keypresses: Enter accepts, a department's key files, S skips; each until the review says its next
    // item is current (currentItemChanged), then until the decision is written and counted.
    int itemChanges = 0;
    QObject::connect(review, &ReviewWidget::currentItemChanged, [&](qint64 itemId) { itemChanges += itemId > 0 ? 1 : 0; });
    const auto nextItemShown = [&](qint64 before, int changesBefore) {
        return itemChanges > changesBefore && review->currentItemId() > 0 && review->currentItemId() != before;
    };
    const int keys = parser.value(QStringLiteral("keys")).toInt();
    const QChar departmentKey = review->keyOfDepartment(review->rankedDepartments().value(1));
    struct KeyKind
    {
        QString name;
        std::function<void()> press;
        double longestStall = 0;
        double slowest = 0;
        double slowestComplete = 0;
        QVector<double> times;
    };
    QVector<KeyKind> kinds = {{QStringLiteral("Enter (accept)"), [&] { QTest::keyClick(review, Qt::Key_Return); }, 0, 0, 0, {}},
                              {QStringLiteral("department key %1").arg(departmentKey), [&] { QTest::keyClick(review, departmentKey.toLatin1()); }, 0, 0, 0, {}},
                              {QStringLiteral("S (skip)"), [&] { QTest::keyClick(review, Qt::Key_S); }, 0, 0, 0, {}}};
    for (int press = 0; press < keys && review->currentItemId() > 0; ++press) {
        KeyKind &kind = kinds[press % kinds.size()];
        const qint64 before = review->currentItemId();
        const int changesBefore = itemChanges;
        watchdog.reset();
        timer.restart();
        kind.press();
        const bool ok = settleUntil([&] { return nextItemShown(before, changesBefore); }, 30000);
        const double ms = ok ? double(timer.elapsed()) : 30000;
        quietTurns = 0;
        settleUntil(catalogThreadQuiet, 30000);
        const double completeMs = double(timer.elapsed());
        settle(50);
        kind.times << ms;
        kind.slowest = std::max(kind.slowest, ms);
        kind.slowestComplete = std::max(kind.slowestComplete, completeMs);
        kind.longestStall = std::max(kind.longestStall, watchdog.longestStallMs());
    }
    for (KeyKind &kind : kinds) {
        std::sort(kind.times.begin(), kind.times.end());
        printRow(QStringLiteral("review key: %1 (x%2)").arg(kind.name).arg(kind.times.size()), kind.longestStall, kind.slowest,
                 kind.slowestComplete,
                 QStringLiteral("next item current, slowest; median %1 ms").arg(kind.times.value(kind.times.size() / 2), 0, 'f', 0));
    }
    for (int undo = 1; undo <= 3; ++undo) {
        const qint64 before = review->currentItemId();
        const int changesBefore = itemChanges;
        measure(QStringLiteral("undo (Ctrl+Z) %1").arg(undo), [&] { QTest::keyClick(review, Qt::Key_Z, Qt::ControlModifier); },
                [&] { return nextItemShown(before, changesBefore); }, always, [] { return QStringLiteral("until the undone item is current"); });
    }

    // Another curator's decisions, made through a second connection on its own thread (another machine would do
    // the same through the server): the window hears of them (data_version polling, NOTIFY on PostgreSQL) and reads
    // again what it shows. One decision on the item under review, then a burst of 200 while the catalog is shown.
    // Started by the action, joined after it: the GUI thread does not wait for the other client.
    std::thread other;
    const auto decideElsewhere = [&](int decisions) {
        other = std::thread([&path, decisions] {
            Catalog catalog(path);
            catalog.setClientName(QStringLiteral("other-curator@bench"));
            ReviewStore store(catalog);
            const auto model = ModelRegistry(catalog).activeModel();
            TransactionGuard transaction(catalog.database());
            for (const ItemRow &row : store.queue(model->id, model->threshold, decisions))
                store.accept(row.id);
            transaction.commit();
        });
    };
    {
        const qint64 remainingBefore = review->remaining();
        const qint64 current = review->currentItemId();
        measure(QStringLiteral("another client decides 1 item (Review)"), [&] { decideElsewhere(1); },
                [&] { return review->remaining() < remainingBefore; }, always,
                [&] { return QStringLiteral("until the queue's count drops; the current item %1").arg(review->currentItemId() == current ? QStringLiteral("stays") : QStringLiteral("moved on")); });
        other.join();
    }
    {
        window.showCatalog();
        settle(kTrailingMs);
        const int pagesBefore = firstPages;
        const int countsBefore = counts;
        measure(QStringLiteral("another client decides 200 items (Catalog)"), [&] { decideElsewhere(200); },
                [&] { return firstPages > pagesBefore; }, [&] { return counts > countsBefore; },
                [] { return QStringLiteral("one burst; the first page read again, then the count"); });
        other.join();
        window.showReview();
        settle(kTrailingMs);
    }

    // The threshold control, dragged through 20 values a frame apart, then the counts.
    measure(QStringLiteral("switch to Model again"), [&] { window.showDashboard(); }, always, always);
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
    printRow(QStringLiteral("threshold drag, 20 values, then the counts"), watchdog.longestStallMs(), countMs, kNotMeasured,
             QStringLiteral("counts after the slider stops, its delay included; %1 ms longest stall while dragging").arg(dragStall, 0, 'f', 0));

    measure(QStringLiteral("switch to Catalog again"), [&] { window.showCatalog(); }, always, always);
    const double endMemory = residentMb();

    // Open a catalog that needs a migration (schema 3 to the current one): the first page within a second of
    // choosing the file, the migration's progress in the status bar, the indexes it adds built afterwards.
    {
        const QString migrating = migratingCopy(schema3Path, QStringLiteral("view-%1-migrating.db").arg(count));
        double progressMs = -1;
        double openedMs = -1;
        double indexesMs = -1;
        int steps = 0;
        QString firstMessage;
        QMetaObject::Connection progressShown = QObject::connect(window.session(), &CatalogSession::migrationProgress, [&](int, int, const QString &step) {
            // After the window's own slot: the status bar says it by now.
            if (progressMs < 0 && !step.isEmpty()) {
                progressMs = double(timer.elapsed());
                firstMessage = window.statusBar()->currentMessage();
            }
            steps += step.isEmpty() ? 0 : 1;
        });
        QMetaObject::Connection openedShown =
            QObject::connect(&window, &MainWindow::catalogOpened, [&] { openedMs = double(timer.elapsed()); });
        QMetaObject::Connection indexesShown =
            QObject::connect(worker, &CatalogWorker::indexesBuilt, &window, [&] { indexesMs = double(timer.elapsed()); });
        // On the catalog thread, as it happens there, whatever the GUI thread is doing meanwhile.
        std::atomic<qint64> migratedOnWorkerMs{-1};
        std::atomic<qint64> indexesOnWorkerMs{-1};
        QMetaObject::Connection migratedThere = QObject::connect(
            worker, &CatalogWorker::opened, worker, [&] { migratedOnWorkerMs = timer.elapsed(); }, Qt::DirectConnection);
        QMetaObject::Connection indexesThere = QObject::connect(
            worker, &CatalogWorker::indexesBuilt, worker, [&] { indexesOnWorkerMs = timer.elapsed(); }, Qt::DirectConnection);
        const int pagesBefore = firstPages;
        const int countsBefore = counts;
        measure(QStringLiteral("open, migrating from schema 3 (first page)"), [&] { window.openCatalog(migrating); },
                [&] { return firstPages > pagesBefore && model->rowCount() > 0; },
                [&] { return counts > countsBefore && review->currentItemId() > 0 && indexesMs >= 0; },
                [&] { return QStringLiteral("%1 items; all shown: the count, the review's item and the indexes built").arg(model->totalCount()); });
        QObject::disconnect(progressShown);
        QObject::disconnect(openedShown);
        QObject::disconnect(indexesShown);
        QObject::disconnect(migratedThere);
        QObject::disconnect(indexesThere);
        std::printf("  migration: progress first shown after %s ms (\"%s\"), opened after %s ms, indexes built after %s ms; "
                    "%d steps reported; the longest GUI stall began %.0f ms after the file was chosen\n",
                    milliseconds(progressMs).constData(), qPrintable(firstMessage), milliseconds(openedMs).constData(),
                    milliseconds(indexesMs).constData(), steps, watchdog.longestStallBeganMs());
        std::printf("  on the catalog thread: migrated and opened after %s ms, indexes built (on their own thread) after %s ms\n",
                    milliseconds(double(migratedOnWorkerMs)).constData(), milliseconds(double(indexesOnWorkerMs)).constData());
        Catalog migrated(migrating, Catalog::OpenMode::OpenExisting, {}, Catalog::IndexBuilds::Deferred);
        std::printf("  the copy is at schema %d (current: %d), %lld items, %lld indexes missing\n", migrated.schemaVersion(),
                    Catalog::kSchemaVersion, migrated.itemCount(), qint64(migrated.missingIndexes().size()));
    }
    window.close();

    std::printf("\nmemory: %.0f MB resident after scrolling (%.0f MB before the window), %.0f MB after the actions\n", scrolledMemory,
                baseMemory, endMemory);
    timeMigrationSteps(schema3Path);
    return 0;
}
