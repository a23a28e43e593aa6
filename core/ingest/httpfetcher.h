#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace accession {

// Default limits on what one response may cost (settable per import: HttpPolicy, CLI options).
// A JSON body: The Met's full object list is about 4 MB and large IIIF manifests a few MB.
constexpr qint64 kDefaultMaxJsonBytes = qint64(16) * 1024 * 1024;
// An image body: The Met's full-resolution images reach about 50 MB.
constexpr qint64 kDefaultMaxImageBytes = qint64(64) * 1024 * 1024;
// Seconds a connection may go without receiving a byte before it counts as dead (and is retried).
constexpr int kDefaultStallSeconds = 30;
// Seconds one request may take from start to last byte however steadily it trickles (not retried).
constexpr int kDefaultRequestSeconds = 300;
// Redirects followed for one request; each must stay on http or https and never go from https to http.
constexpr int kMaxRedirects = 8;

// How politely to ask: the Met asks for at most 80 requests a second; we stay well under by default.
struct HttpPolicy
{
    double requestsPerSecond = 20.0;
    int connections = 4;      // requests in flight at once
    int retries = 4;          // after the first try, for 429, 5xx, stalls and broken transfers
    int stallMs = kDefaultStallSeconds * 1000;     // abort a transfer that receives nothing for this long
    int requestMs = kDefaultRequestSeconds * 1000; // abort a transfer not complete after this long
    qint64 maxJsonBytes = kDefaultMaxJsonBytes;    // for documents: lists, object records, manifests
    qint64 maxImageBytes = kDefaultMaxImageBytes;  // for images
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

// True for an absolute http or https URL with a host: the only addresses the fetcher asks for.
bool isWebUrl(const QString &address);
// The reason given for any other address, the same whatever it names (it is never looked up).
QString notWebUrlReason();
// "16 MB", "512 KB", "900 bytes": a limit as the messages name it.
QString describeBytes(qint64 bytes);

// Fetches URLs from a worker thread: a few at a time, never faster than the policy allows, retrying what
// may succeed later. Blocking calls that run their own event loop. A body is read as it arrives and the
// transfer aborted as soon as it passes maxBytes, so memory stays bounded whatever a server sends.
class HttpFetcher
{
public:
    explicit HttpFetcher(HttpPolicy policy, std::function<bool()> cancelled = {});
    ~HttpFetcher();

    HttpResult fetch(const QString &url, qint64 maxBytes);
    // Calls onResult for each URL as it completes (on the calling thread); stops early when cancelled.
    void fetchAll(const QStringList &urls, qint64 maxBytes, const std::function<void(int index, const HttpResult &result)> &onResult);
    qint64 requestsSent() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace accession
