#include "jobs/jobqueue.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

using namespace accession;

namespace {

// What the jobs of one test saw, shared between the worker thread and the test.
struct Probe
{
    std::mutex mutex;
    std::vector<int> ran;             // the order the jobs' run() began
    std::atomic_int active{0};        // jobs inside run() right now
    std::atomic_int mostActive{0};
    std::atomic_int destroyed{0};
    std::atomic_bool release{false};  // lets the blocking jobs end
    std::atomic_int entered{0};       // blocking jobs that have begun
    std::atomic_int sawCancel{0};     // jobs that stopped because of a cancel
    std::atomic_bool offGuiThread{true};

    void enter(int index)
    {
        {
            std::lock_guard<std::mutex> lock(mutex);
            ran.push_back(index);
        }
        const int now = ++active;
        int most = mostActive.load();
        while (now > most && !mostActive.compare_exchange_weak(most, now)) {
        }
        if (QThread::currentThread() == QCoreApplication::instance()->thread())
            offGuiThread = false;
    }
};

// Does a little work in steps, so that an overlapping job would be caught inside run() together with it.
class StepJob : public Job
{
public:
    StepJob(std::shared_ptr<Probe> probe, int index)
        : m_probe(std::move(probe))
        , m_index(index)
    {
    }
    ~StepJob() override { ++m_probe->destroyed; }
    int index() const { return m_index; }
    int sum() const { return m_sum; }

protected:
    void run() override
    {
        m_probe->enter(m_index);
        for (int step = 1; step <= 5; ++step) {
            reportProgress(step, 5, QStringLiteral("step %1").arg(step));
            m_sum += step * m_index;
            QThread::msleep(2);
        }
        --m_probe->active;
    }

private:
    std::shared_ptr<Probe> m_probe;
    int m_index;
    int m_sum = 0;
};

// Runs until the probe releases it or it is cancelled.
class BlockingJob : public Job
{
public:
    BlockingJob(std::shared_ptr<Probe> probe, int index)
        : m_probe(std::move(probe))
        , m_index(index)
    {
    }
    ~BlockingJob() override { ++m_probe->destroyed; }

protected:
    void run() override
    {
        m_probe->enter(m_index);
        ++m_probe->entered;
        while (!m_probe->release) {
            if (isCancelRequested()) {
                ++m_probe->sawCancel;
                --m_probe->active;
                throwIfCancelled();
            }
            QThread::msleep(1);
        }
        --m_probe->active;
    }

private:
    std::shared_ptr<Probe> m_probe;
    int m_index;
};

class FailingJob : public Job
{
protected:
    void run() override { throw std::runtime_error("cannot read /photos/broken.jpg: truncated file"); }
};

struct Ended
{
    int index;
    JobOutcome outcome;
};

} // namespace

class TestJobQueue : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void runsInSubmissionOrderOneAtATime();
    void callbackGetsTheConcreteJob();
    void failureCarriesTheMessage();
    void cancelStopsTheRunningJob();
    void cancelRemovesAWaitingJob();
    void listsRunningAndWaiting();
    void receiverDestroyedBeforeCompletion();
    void destructionCancelsAndJoins();
};

void TestJobQueue::runsInSubmissionOrderOneAtATime()
{
    auto probe = std::make_shared<Probe>();
    JobQueue queue;
    QObject receiver;
    std::vector<int> ended;
    for (int index = 0; index < 6; ++index)
        queue.submit(std::make_unique<StepJob>(probe, index), QStringLiteral("step %1").arg(index), &receiver,
                     [&ended](StepJob &job, const JobOutcome &outcome) {
                         QVERIFY(outcome.isFinished());
                         ended.push_back(job.index());
                     });
    QCOMPARE(queue.waitingCount(), 5);
    queue.waitUntilIdle();
    QCOMPARE(probe->ran, (std::vector<int>{0, 1, 2, 3, 4, 5}));
    QCOMPARE(ended, (std::vector<int>{0, 1, 2, 3, 4, 5}));
    QCOMPARE(probe->mostActive.load(), 1); // never two inside run() at once
    QVERIFY(probe->offGuiThread);
    QCOMPARE(probe->destroyed.load(), 6);
    QVERIFY(!queue.isBusy());
}

void TestJobQueue::callbackGetsTheConcreteJob()
{
    auto probe = std::make_shared<Probe>();
    JobQueue queue;
    QObject receiver;
    QSignalSpy progress(&queue, &JobQueue::jobProgress);
    QSignalSpy endedSignal(&queue, &JobQueue::jobEnded);
    int sum = -1;
    bool onGuiThread = false;
    const JobId id = queue.submit(std::make_unique<StepJob>(probe, 3), QStringLiteral("sum"), &receiver,
                                  [&](StepJob &job, const JobOutcome &outcome) {
                                      QVERIFY(outcome.isFinished());
                                      QVERIFY(outcome.error().isEmpty());
                                      sum = job.sum(); // the job's own result, no cast at the call site
                                      onGuiThread = QThread::currentThread() == thread();
                                  });
    queue.waitUntilIdle();
    QCOMPARE(sum, 3 * (1 + 2 + 3 + 4 + 5));
    QVERIFY(onGuiThread);
    QCOMPARE(progress.size(), 5);
    QCOMPARE(progress.last().at(0).value<JobId>(), id);
    QCOMPARE(progress.last().at(1).toLongLong(), 5);
    QCOMPARE(progress.last().at(3).toString(), QStringLiteral("step 5"));
    QCOMPARE(endedSignal.size(), 1);
    QVERIFY(endedSignal.first().at(1).value<JobOutcome>().isFinished());
}

void TestJobQueue::failureCarriesTheMessage()
{
    auto probe = std::make_shared<Probe>();
    JobQueue queue;
    QObject receiver;
    std::vector<Ended> ended;
    queue.submit(std::make_unique<FailingJob>(), QStringLiteral("fails"), &receiver,
                 [&](FailingJob &, const JobOutcome &outcome) { ended.push_back({0, outcome}); });
    // A failure does not stop the queue: the next job still runs.
    queue.submit(std::make_unique<StepJob>(probe, 1), QStringLiteral("after"), &receiver,
                 [&](StepJob &job, const JobOutcome &outcome) { ended.push_back({job.index(), outcome}); });
    queue.waitUntilIdle();
    QCOMPARE(ended.size(), size_t(2));
    QVERIFY(ended[0].outcome.isFailed());
    QCOMPARE(ended[0].outcome.error(), QStringLiteral("cannot read /photos/broken.jpg: truncated file"));
    QVERIFY(ended[1].outcome.isFinished());
}

void TestJobQueue::cancelStopsTheRunningJob()
{
    auto probe = std::make_shared<Probe>();
    JobQueue queue;
    QObject receiver;
    std::vector<Ended> ended;
    const JobId blocking = queue.submit(std::make_unique<BlockingJob>(probe, 0), QStringLiteral("blocks"), &receiver,
                                        [&](BlockingJob &, const JobOutcome &outcome) { ended.push_back({0, outcome}); });
    queue.submit(std::make_unique<StepJob>(probe, 1), QStringLiteral("next"), &receiver,
                 [&](StepJob &job, const JobOutcome &outcome) { ended.push_back({job.index(), outcome}); });
    QTRY_COMPARE(probe->entered.load(), 1);
    QVERIFY(queue.isRunning(blocking));
    queue.cancel(blocking);
    queue.waitUntilIdle();
    QCOMPARE(probe->sawCancel.load(), 1);
    QCOMPARE(ended.size(), size_t(2));
    QVERIFY(ended[0].outcome.isCancelled());
    QCOMPARE(ended[1].index, 1);
    QVERIFY(ended[1].outcome.isFinished());
}

void TestJobQueue::cancelRemovesAWaitingJob()
{
    auto probe = std::make_shared<Probe>();
    JobQueue queue;
    QObject receiver;
    std::vector<Ended> ended;
    const auto record = [&](StepJob &job, const JobOutcome &outcome) { ended.push_back({job.index(), outcome}); };
    queue.submit(std::make_unique<BlockingJob>(probe, 0), QStringLiteral("blocks"), &receiver,
                 [&](BlockingJob &, const JobOutcome &outcome) { ended.push_back({0, outcome}); });
    const JobId second = queue.submit(std::make_unique<StepJob>(probe, 1), QStringLiteral("second"), &receiver, record);
    queue.submit(std::make_unique<StepJob>(probe, 2), QStringLiteral("third"), &receiver, record);
    QTRY_COMPARE(probe->entered.load(), 1);

    queue.cancel(second);
    QVERIFY(!queue.isQueued(second));
    QCOMPARE(queue.waitingCount(), 1);
    QTRY_COMPARE(ended.size(), size_t(1)); // told from the event loop, while the first still runs
    QCOMPARE(ended[0].index, 1);
    QVERIFY(ended[0].outcome.isCancelled());

    probe->release = true;
    queue.waitUntilIdle();
    QCOMPARE(probe->ran, (std::vector<int>{0, 2})); // the cancelled one never ran
    QCOMPARE(ended.size(), size_t(3));
    QCOMPARE(ended[1].index, 0);
    QVERIFY(ended[1].outcome.isFinished());
    QCOMPARE(ended[2].index, 2);
    QVERIFY(ended[2].outcome.isFinished());
    QCOMPARE(probe->destroyed.load(), 3);
}

void TestJobQueue::listsRunningAndWaiting()
{
    auto probe = std::make_shared<Probe>();
    JobQueue queue;
    QSignalSpy changed(&queue, &JobQueue::jobsChanged);
    const JobId first = queue.submit(std::make_unique<BlockingJob>(probe, 0), QStringLiteral("Classifying"));
    const JobId second = queue.submit(std::make_unique<StepJob>(probe, 1), QStringLiteral("Importing 3 items"));
    const JobId third = queue.submit(std::make_unique<StepJob>(probe, 2), QStringLiteral("Exporting"));
    QVERIFY(!changed.isEmpty());
    const QVector<QueuedJob> jobs = queue.jobs();
    QCOMPARE(jobs.size(), 3);
    QCOMPARE(jobs[0].id, first);
    QVERIFY(jobs[0].running);
    QCOMPARE(jobs[0].description, QStringLiteral("Classifying"));
    QCOMPARE(jobs[1].id, second);
    QVERIFY(!jobs[1].running);
    QCOMPARE(jobs[2].id, third);
    QCOMPARE(queue.runningJob(), first);
    QCOMPARE(queue.waitingCount(), 2);

    QTRY_COMPARE(probe->entered.load(), 1);
    queue.cancelAll();
    queue.waitUntilIdle();
    QCOMPARE(probe->sawCancel.load(), 1);
    QVERIFY(!queue.isBusy());
    QVERIFY(queue.jobs().isEmpty());
    QCOMPARE(queue.runningJob(), JobId(0));
    QCOMPARE(probe->ran, (std::vector<int>{0}));
}

void TestJobQueue::receiverDestroyedBeforeCompletion()
{
    auto probe = std::make_shared<Probe>();
    JobQueue queue;
    auto *receiver = new QObject;
    bool called = false;
    queue.submit(std::make_unique<BlockingJob>(probe, 0), QStringLiteral("outlives its receiver"), receiver,
                 [&called](BlockingJob &, const JobOutcome &) { called = true; });
    QObject other;
    bool otherCalled = false;
    queue.submit(std::make_unique<StepJob>(probe, 1), QStringLiteral("next"), &other,
                 [&otherCalled](StepJob &, const JobOutcome &outcome) { otherCalled = outcome.isFinished(); });
    QTRY_COMPARE(probe->entered.load(), 1);
    delete receiver; // a dialog closed while its job runs
    probe->release = true;
    queue.waitUntilIdle();
    QVERIFY(!called);
    QVERIFY(otherCalled);
    QCOMPARE(probe->destroyed.load(), 2); // the job is deleted all the same
}

void TestJobQueue::destructionCancelsAndJoins()
{
    auto probe = std::make_shared<Probe>();
    QObject receiver;
    int callbacks = 0;
    {
        JobQueue queue;
        queue.submit(std::make_unique<BlockingJob>(probe, 0), QStringLiteral("never released"), &receiver,
                     [&callbacks](BlockingJob &, const JobOutcome &) { ++callbacks; });
        queue.submit(std::make_unique<StepJob>(probe, 1), QStringLiteral("waits"), &receiver,
                     [&callbacks](StepJob &, const JobOutcome &) { ++callbacks; });
        QTRY_COMPARE(probe->entered.load(), 1);
    } // returns only once the running job has stopped: it would block forever otherwise
    QCOMPARE(probe->sawCancel.load(), 1);
    QCOMPARE(probe->active.load(), 0);
    QCOMPARE(probe->destroyed.load(), 2);
    QCOMPARE(probe->ran, (std::vector<int>{0}));
    QCoreApplication::processEvents();
    QCOMPARE(callbacks, 0); // nobody is left to tell
}

QTEST_GUILESS_MAIN(TestJobQueue)
#include "tst_jobqueue.moc"
