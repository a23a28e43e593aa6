#include "jobwait.h"

#include "cliutil.h"

#include "jobs/job.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QThread>

#include <atomic>
#include <csignal>

namespace accession::cli {

namespace {

std::atomic<Job *> g_interruptibleJob{nullptr};

void cancelOnInterrupt(int)
{
    if (Job *job = g_interruptibleJob.load())
        job->cancel();
}

} // namespace

bool runJobInBackground(Job &job, bool showProgress)
{
    QString failure;
    bool succeeded = false;
    QThread worker;
    worker.setObjectName(QStringLiteral("accession-cli-job"));
    QEventLoop loop;
    QObject::connect(&job, &Job::finished, &loop, [&] { succeeded = true; loop.quit(); }, Qt::QueuedConnection);
    QObject::connect(&job, &Job::failed, &loop, [&](const QString &error) { failure = error; loop.quit(); },
                     Qt::QueuedConnection);
    QObject::connect(&job, &Job::cancelled, &loop, [&] { loop.quit(); }, Qt::QueuedConnection);
    if (showProgress && stderrIsTerminal()) {
        QObject::connect(&job, &Job::progress, &loop, [](qint64 done, qint64 total, const QString &message) {
            printError(QStringLiteral("[%1/%2] %3").arg(done).arg(total).arg(message));
        }, Qt::QueuedConnection);
    }

    QObject *const previousParent = job.parent();
    job.setParent(nullptr);
    job.moveToThread(&worker);
    QObject::connect(&worker, &QThread::started, &job, [&job] {
        job.exec();
        job.moveToThread(QCoreApplication::instance()->thread());
    }, Qt::DirectConnection);

    g_interruptibleJob.store(&job);
    auto previousHandler = std::signal(SIGINT, cancelOnInterrupt);
    worker.start();
    loop.exec();
    worker.quit();
    worker.wait();
    std::signal(SIGINT, previousHandler);
    g_interruptibleJob.store(nullptr);
    job.setParent(previousParent);

    if (!failure.isEmpty())
        throw CliError(failure);
    return succeeded;
}

} // namespace accession::cli
