#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace accession {

// How politely to ask: the Met asks for at most 80 requests a second; we stay well under by default.
struct HttpPolicy
{
    double requestsPerSecond = 20.0;
    int connections = 4;      // requests in flight at once
    int retries = 4;          // after the first try, for 429, 5xx, time-outs and broken transfers
    int timeoutMs = 30000;    // for one transfer
    int backoffMs = 500;      // first wait; doubled at each retry (a server's Retry-After wins, up to 60 s)
};

struct HttpResult
{
    QString url;
    int status = 0; // HTTP status; 0 when no response came
    QByteArray body;
    QString error; // empty on success
    int attempts = 0;
    bool ok() const { return error.isEmpty(); }
};

// Fetches URLs from a worker thread: a few at a time, never faster than the policy allows, retrying what
// may succeed later. Blocking calls that run their own event loop.
class HttpFetcher
{
public:
    explicit HttpFetcher(HttpPolicy policy, std::function<bool()> cancelled = {});
    ~HttpFetcher();

    HttpResult fetch(const QString &url);
    // Calls onResult for each URL as it completes (on the calling thread); stops early when cancelled.
    void fetchAll(const QStringList &urls, const std::function<void(int index, const HttpResult &result)> &onResult);
    qint64 requestsSent() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace accession
