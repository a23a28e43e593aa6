#include "catalogwaits.h"
#include "catalogsession.h"
#include "mainwindow.h"
#include "testcatalogs.h"

#include "catalog/catalog.h"
#include "jobs/jobqueue.h"

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using namespace accession;
using namespace accession::test;

namespace {

constexpr int kJobTimeoutMs = 180000;

struct Gate
{
    std::atomic_bool entered{false};
    std::atomic_bool open{false};
};

// Holds the session's queue until the test opens it or cancels it: another dialog's long job, say.
class GateJob : public Job
{
public:
    explicit GateJob(std::shared_ptr<Gate> gate)
        : m_gate(std::move(gate))
    {
    }

protected:
    void run() override
    {
        m_gate->entered = true;
        reportProgress(0, 1, QStringLiteral("Holding the queue"));
        while (!m_gate->open) {
            throwIfCancelled();
            QThread::msleep(2);
        }
    }

private:
    std::shared_ptr<Gate> m_gate;
};

QLabel *waitingLabel(MainWindow &window)
{
    for (QLabel *label : window.statusBar()->findChildren<QLabel *>()) {
        if (label->text().endsWith(QStringLiteral(" waiting")))
            return label;
    }
    return nullptr;
}

QPushButton *cancelButton(MainWindow &window)
{
    for (QPushButton *button : window.statusBar()->findChildren<QPushButton *>()) {
        if (button->text() == QStringLiteral("Cancel"))
            return button;
    }
    return nullptr;
}

qint64 itemCount(const QString &catalogPath)
{
    Catalog catalog(catalogPath);
    return catalog.itemCount();
}

} // namespace

// The window, its dialogs and the dashboard share the session's one job queue: a job submitted while another runs
// waits for it (so two never write the catalog together), the status bar says how many wait, and each job's own
// message comes from its typed callback.
class TestJobQueueWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void importWaitsForTheRunningJob();
    void cancelStopsTheRunningJobAndTheWaitingOneRuns();

private:
    QTemporaryDir m_dir;
    QString m_images;
};

void TestJobQueueWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_images = m_dir.filePath(QStringLiteral("incoming"));
    QCOMPARE(writeDepartmentFolders(m_images, {QStringLiteral("Arms"), QStringLiteral("Textiles")}, 3).size(), 6);
}

void TestJobQueueWindow::importWaitsForTheRunningJob()
{
    const QString catalogPath = m_dir.filePath(QStringLiteral("waits.db"));
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, catalogPath));
    window.show();
    auto gate = std::make_shared<Gate>();
    window.session()->jobs()->submit(std::make_unique<GateJob>(gate), QStringLiteral("Holding the queue"));
    QTRY_VERIFY(gate->entered);

    QSignalSpy ended(&window, &MainWindow::jobEnded);
    window.importAndClassify({m_images});
    QVERIFY(window.isJobRunning());
    QTRY_COMPARE(window.session()->jobs()->waitingCount(), 1); // submitted once the catalog thread says whether a model is active
    QLabel *waiting = waitingLabel(window);
    QVERIFY(waiting);
    QVERIFY(waiting->isVisible());
    QCOMPARE(waiting->text(), QStringLiteral("1 waiting"));
    QVERIFY(waiting->toolTip().contains(QStringLiteral("Waiting: Importing 1 item")));
    QVERIFY(cancelButton(window)->isVisible());
    QCOMPARE(itemCount(catalogPath), 0); // nothing written while the other job holds the queue
    QVERIFY(ended.isEmpty());

    gate->open = true;
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    QCOMPARE(itemCount(catalogPath), 6);
    QVERIFY(window.statusBar()->currentMessage().startsWith(QStringLiteral("Imported 6, 0 already in the catalog, 0 failed")));
    QTRY_VERIFY(!window.isJobRunning());
    QVERIFY(!waiting->isVisible());
    QVERIFY(!cancelButton(window)->isVisible());
}

void TestJobQueueWindow::cancelStopsTheRunningJobAndTheWaitingOneRuns()
{
    const QString catalogPath = m_dir.filePath(QStringLiteral("cancel.db"));
    MainWindow window;
    QVERIFY(openCatalogAndWait(window, catalogPath));
    window.show();
    auto gate = std::make_shared<Gate>(); // never opened: only Cancel ends it
    window.session()->jobs()->submit(std::make_unique<GateJob>(gate), QStringLiteral("Holding the queue"));
    QTRY_VERIFY(gate->entered);
    QSignalSpy ended(&window, &MainWindow::jobEnded);
    window.importAndClassify({m_images});
    QTRY_COMPARE(window.session()->jobs()->waitingCount(), 1); // submitted once the catalog thread says whether a model is active

    QPushButton *cancel = cancelButton(window);
    QVERIFY(cancel && cancel->isVisible());
    cancel->click(); // the running job: the gate
    QVERIFY(waitForJobEnded(ended, kJobTimeoutMs));
    QCOMPARE(itemCount(catalogPath), 6);
    QTRY_VERIFY(!window.isJobRunning());
}

QTEST_MAIN(TestJobQueueWindow)
#include "tst_jobqueuewindow.moc"
