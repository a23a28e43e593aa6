#include "httpfetcher.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>

#include <deque>

namespace accession {

struct HttpFetcher::Impl
{
    HttpPolicy policy;
    std::function<bool()> cancelled;
    QNetworkAccessManager manager;
    QElapsedTimer clock;
    qint64 nextSlotMs = 0; // the earliest time the next request may start
    qint64 sent = 0;

    struct Pending
    {
        int index;
        int attempt;
        qint64 notBeforeMs;
    };

    // Milliseconds to wait before a request may start, reserving its slot.
    qint64 reserveSlot(qint64 notBeforeMs)
    {
        const qint64 interval = policy.requestsPerSecond > 0 ? qint64(1000.0 / policy.requestsPerSecond + 0.999) : 0;
        const qint64 now = clock.elapsed();
        const qint64 start = std::max({now, nextSlotMs, notBeforeMs});
        nextSlotMs = start + interval;
        return start - now;
    }

    static bool retryable(int status, QNetworkReply::NetworkError error)
    {
        if (status == 429 || (status >= 500 && status < 600))
            return true;
        switch (error) {
        case QNetworkReply::OperationCanceledError: // our transfer time-out
        case QNetworkReply::TimeoutError:
        case QNetworkReply::RemoteHostClosedError:
        case QNetworkReply::TemporaryNetworkFailureError:
        case QNetworkReply::NetworkSessionFailedError:
        case QNetworkReply::ProxyTimeoutError:
        case QNetworkReply::UnknownNetworkError:
            return true;
        default:
            return false;
        }
    }
};

HttpFetcher::HttpFetcher(HttpPolicy policy, std::function<bool()> cancelled)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->policy = policy;
    m_impl->cancelled = std::move(cancelled);
    m_impl->clock.start();
    m_impl->manager.setAutoDeleteReplies(false);
}

HttpFetcher::~HttpFetcher() = default;

qint64 HttpFetcher::requestsSent() const
{
    return m_impl->sent;
}

HttpResult HttpFetcher::fetch(const QString &url)
{
    HttpResult single;
    fetchAll({url}, [&single](int, const HttpResult &result) { single = result; });
    return single;
}

void HttpFetcher::fetchAll(const QStringList &urls, const std::function<void(int, const HttpResult &)> &onResult)
{
    Impl &d = *m_impl;
    QEventLoop loop;
    std::deque<Impl::Pending> queue;
    for (int i = 0; i < urls.size(); ++i)
        queue.push_back({i, 1, 0});
    int inFlight = 0;
    int waiting = 0; // requests whose start is scheduled on a timer
    bool stopped = false;

    std::function<void()> pump;
    const auto start = [&](Impl::Pending pending) {
        ++inFlight;
        ++d.sent;
        QNetworkRequest request{QUrl(urls[pending.index])};
        request.setTransferTimeout(d.policy.timeoutMs);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
        request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("Accession (museum department classifier)"));
        QNetworkReply *reply = d.manager.get(request);
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&, reply, pending] {
            --inFlight;
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QNetworkReply::NetworkError error = reply->error();
            HttpResult result;
            result.url = urls[pending.index];
            result.status = status;
            result.attempts = pending.attempt;
            result.body = reply->readAll();
            const QVariant declared = reply->header(QNetworkRequest::ContentLengthHeader);
            // A server that closes the connection before the declared length arrives is
            // reported by Qt as RemoteHostClosedError (or not at all); name it for what it is.
            const bool truncated = (error == QNetworkReply::NoError || error == QNetworkReply::RemoteHostClosedError)
                                   && declared.isValid() && declared.toLongLong() > result.body.size();
            if (error == QNetworkReply::NoError && !truncated && status >= 200 && status < 300) {
                reply->deleteLater();
                onResult(pending.index, result);
                pump();
                return;
            }
            result.error = truncated ? QStringLiteral("truncated response (%1 of %2 bytes)").arg(result.body.size()).arg(declared.toLongLong())
                         : status >= 400 ? QStringLiteral("HTTP %1").arg(status)
                                         : reply->errorString();
            const bool again = (truncated || Impl::retryable(status, error)) && pending.attempt <= d.policy.retries && !stopped;
            if (again) {
                qint64 wait = qint64(d.policy.backoffMs) << (pending.attempt - 1);
                bool ok = false;
                const int retryAfter = reply->rawHeader("Retry-After").toInt(&ok);
                if (ok)
                    wait = std::max<qint64>(wait, qint64(retryAfter) * 1000);
                wait = std::min<qint64>(wait, 60000);
                queue.push_front({pending.index, pending.attempt + 1, d.clock.elapsed() + wait});
            } else {
                if (pending.attempt > 1)
                    result.error += QStringLiteral(" after %1 attempts").arg(pending.attempt);
                onResult(pending.index, result);
            }
            reply->deleteLater();
            pump();
        });
    };

    pump = [&] {
        if (!stopped && d.cancelled && d.cancelled()) {
            stopped = true;
            queue.clear();
        }
        while (!queue.empty() && inFlight + waiting < d.policy.connections) {
            const Impl::Pending next = queue.front();
            queue.pop_front();
            const qint64 delay = d.reserveSlot(next.notBeforeMs);
            if (delay <= 0) {
                start(next);
                continue;
            }
            ++waiting;
            // A precise timer: a coarse one may fire up to 5% early, which would break the rate limit.
            QTimer::singleShot(int(delay), Qt::PreciseTimer, &loop, [&, next] {
                --waiting;
                if (stopped) {
                    pump();
                    return;
                }
                start(next);
            });
        }
        if (queue.empty() && inFlight == 0 && waiting == 0)
            loop.quit();
    };
    QTimer::singleShot(0, &loop, pump);
    // A cancel arrives from another thread: look for it regularly even while transfers stall.
    QTimer watch;
    QObject::connect(&watch, &QTimer::timeout, &loop, [&] {
        if (!stopped && d.cancelled && d.cancelled()) {
            stopped = true;
            queue.clear();
            for (QNetworkReply *reply : d.manager.findChildren<QNetworkReply *>())
                reply->abort();
        }
    });
    watch.start(100);
    loop.exec();
}

} // namespace accession
