#include "httpfetcher.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>

#include <deque>
#include <memory>

namespace accession {

namespace {

// How much of a body Qt may hold before we read it out: the rest waits in the socket, so a body that
// passes the limit is caught within this much.
constexpr qint64 kReadBufferBytes = 256 * 1024;

// What one transfer has received so far, and why we stopped it, if we did.
struct Transfer
{
    QByteArray body;
    QString abortReason;
    bool abortRetryable = false;
};

} // namespace

bool isWebUrl(const QString &address)
{
    const QUrl url(address, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    return url.isValid() && (scheme == QLatin1String("http") || scheme == QLatin1String("https")) && !url.host().isEmpty();
}

QString notWebUrlReason()
{
    return QStringLiteral("refused: not an http or https URL");
}

QString describeBytes(qint64 bytes)
{
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        return QStringLiteral("%1 MB").arg(bytes / (1024 * 1024));
    if (bytes >= 1024 * 1024)
        return QStringLiteral("%1 MB").arg(double(bytes) / (1024 * 1024), 0, 'f', 1);
    if (bytes >= 1024 && bytes % 1024 == 0)
        return QStringLiteral("%1 KB").arg(bytes / 1024);
    return QStringLiteral("%1 bytes").arg(bytes);
}

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

HttpResult HttpFetcher::fetch(const QString &url, qint64 maxBytes)
{
    HttpResult single;
    fetchAll({url}, maxBytes, [&single](int, const HttpResult &result) { single = result; });
    return single;
}

void HttpFetcher::fetchAll(const QStringList &urls, qint64 maxBytes, const std::function<void(int, const HttpResult &)> &onResult)
{
    Impl &d = *m_impl;
    QEventLoop loop;
    std::deque<Impl::Pending> queue;
    for (int i = 0; i < urls.size(); ++i) {
        // Nothing but the web: Qt would also read file:, qrc: and data: addresses, and a document's
        // references must never reach the local disk.
        if (!isWebUrl(urls[i])) {
            HttpResult refused;
            refused.url = urls[i];
            refused.error = notWebUrlReason();
            onResult(i, refused);
            continue;
        }
        queue.push_back({i, 1, 0});
    }
    int inFlight = 0;
    int waiting = 0; // requests whose start is scheduled on a timer
    bool stopped = false;

    std::function<void()> pump;
    const auto start = [&](Impl::Pending pending) {
        ++inFlight;
        ++d.sent;
        QNetworkRequest request{QUrl(urls[pending.index])};
        // Qt's own rule is ours: http to http or https, https to https only. (Its user-verified policy, which
        // this used, ends any chain of two redirects or more on Qt 6.4 with an empty reply of status 100.)
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
        request.setMaximumRedirectsAllowed(kMaxRedirects);
        request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("Accession (museum department classifier)"));
        QNetworkReply *reply = d.manager.get(request);
        reply->setReadBufferSize(kReadBufferBytes);
        auto transfer = std::make_shared<Transfer>();
        const auto abortWith = [reply, transfer](const QString &reason, bool retryable) {
            if (!transfer->abortReason.isEmpty() || reply->isFinished())
                return;
            transfer->abortReason = reason;
            transfer->abortRetryable = retryable;
            reply->abort();
        };
        // Our own timers rather than Qt's transfer time-out, so that the reason says which limit it was.
        auto *stall = new QTimer(reply);
        stall->setSingleShot(true);
        QObject::connect(stall, &QTimer::timeout, reply, [abortWith, &d] {
            abortWith(QStringLiteral("no data received for %1 s (the stall limit)").arg(d.policy.stallMs / 1000.0), true);
        });
        stall->start(d.policy.stallMs);
        auto *deadline = new QTimer(reply);
        deadline->setSingleShot(true);
        QObject::connect(deadline, &QTimer::timeout, reply, [abortWith, &d] {
            abortWith(QStringLiteral("not complete after %1 s (the time limit per request)").arg(d.policy.requestMs / 1000.0), false);
        });
        deadline->start(d.policy.requestMs);
        const auto overLimit = [maxBytes] { return QStringLiteral("the response is larger than the limit of %1").arg(describeBytes(maxBytes)); };
        // Qt refuses the other redirects itself; this checks again what it follows.
        QObject::connect(reply, &QNetworkReply::redirected, reply, [reply, abortWith](const QUrl &target) {
            const bool downgrade = reply->url().scheme() == QLatin1String("https") && target.scheme() == QLatin1String("http");
            if (!isWebUrl(target.toString()) || downgrade)
                abortWith(QStringLiteral("refused a redirect to %1").arg(target.toString()), false);
        });
        QObject::connect(reply, &QNetworkReply::metaDataChanged, reply, [reply, abortWith, stall, maxBytes, &d] {
            stall->start(d.policy.stallMs);
            const QVariant declared = reply->header(QNetworkRequest::ContentLengthHeader);
            if (declared.isValid() && declared.toLongLong() > maxBytes)
                abortWith(QStringLiteral("the server declares %1, over the limit of %2")
                              .arg(describeBytes(declared.toLongLong()), describeBytes(maxBytes)), false);
        });
        QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply, transfer, abortWith, overLimit, stall, maxBytes, &d] {
            stall->start(d.policy.stallMs);
            // Read what is there (at most the read buffer), one byte past the limit at most.
            const qint64 room = maxBytes + 1 - transfer->body.size();
            transfer->body += reply->read(std::max<qint64>(0, std::min(reply->bytesAvailable(), room)));
            if (transfer->body.size() > maxBytes) {
                transfer->body.clear();
                abortWith(overLimit(), false);
            }
        });
        QObject::connect(reply, &QNetworkReply::downloadProgress, stall, [stall, &d] { stall->start(d.policy.stallMs); });
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&, reply, pending, transfer, stall, deadline, overLimit] {
            stall->stop();
            deadline->stop();
            --inFlight;
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QNetworkReply::NetworkError error = reply->error();
            HttpResult result;
            result.url = urls[pending.index];
            result.status = status;
            result.attempts = pending.attempt;
            if (transfer->abortReason.isEmpty()) {
                result.body = std::move(transfer->body);
                result.body += reply->read(std::max<qint64>(0, maxBytes + 1 - result.body.size()));
                if (result.body.size() > maxBytes) {
                    result.body.clear();
                    transfer->abortReason = overLimit();
                }
            }
            const QVariant declared = reply->header(QNetworkRequest::ContentLengthHeader);
            // A server that closes the connection before the declared length arrives is
            // reported by Qt as RemoteHostClosedError (or not at all); name it for what it is.
            const bool truncated = transfer->abortReason.isEmpty()
                                   && (error == QNetworkReply::NoError || error == QNetworkReply::RemoteHostClosedError)
                                   && declared.isValid() && declared.toLongLong() > result.body.size();
            if (transfer->abortReason.isEmpty() && error == QNetworkReply::NoError && !truncated && status >= 200 && status < 300) {
                reply->deleteLater();
                onResult(pending.index, result);
                pump();
                return;
            }
            result.error = !transfer->abortReason.isEmpty() ? transfer->abortReason
                         : truncated ? QStringLiteral("truncated response (%1 of %2 bytes)").arg(result.body.size()).arg(declared.toLongLong())
                         : error == QNetworkReply::TooManyRedirectsError ? QStringLiteral("more than %1 redirects").arg(kMaxRedirects)
                         : status >= 300 && status < 400 ? QStringLiteral("refused a redirect to %1").arg(QString::fromUtf8(reply->rawHeader("Location")))
                         : status >= 400 ? QStringLiteral("HTTP %1").arg(status)
                                         : reply->errorString();
            result.body.clear();
            const bool mayRetry = !transfer->abortReason.isEmpty() ? transfer->abortRetryable
                                                                   : truncated || Impl::retryable(status, error);
            const bool again = mayRetry && pending.attempt <= d.policy.retries && !stopped;
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
    if (queue.empty())
        return;
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
