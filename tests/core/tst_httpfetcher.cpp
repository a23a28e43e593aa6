#include "ingest/httpfetcher.h"

#include <QHash>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace accession;

namespace {

// A real HTTP/1.1 server on loopback, in the test's thread (the fetcher's own event loop serves it), answering each
// path in one of the ways a collection server may behave. Connections are kept alive unless CLOSE_AFTER_ANSWER.
class LoopbackServer : public QObject
{
public:
    LoopbackServer()
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    QString url(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path); }
    // Requests received per path.
    int requests(const QString &path) const { return m_requests.value(path); }
    int totalRequests() const
    {
        int total = 0;
        for (int n : m_requests)
            total += n;
        return total;
    }
    qint64 endlessBytesSent() const { return m_endlessBytes; }
    bool endlessClientLeft() const { return m_endlessClientLeft; }

    static constexpr qint64 kEndlessCap = qint64(1) << 30; // a safety net for the test itself, far above any limit used

private:
    void serve(QTcpSocket *socket)
    {
        auto *request = new QByteArray;
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QObject::connect(socket, &QObject::destroyed, socket, [request] { delete request; });
        QObject::connect(socket, &QTcpSocket::readyRead, this, [this, socket, request] {
            *request += socket->readAll();
            // Requests without a body, one after another on the same connection.
            for (qsizetype end = request->indexOf("\r\n\r\n"); end >= 0; end = request->indexOf("\r\n\r\n")) {
                const QList<QByteArray> requestLine = request->left(request->indexOf("\r\n")).split(' ');
                request->remove(0, end + 4);
                respond(socket, requestLine.value(1));
            }
        });
    }

    static QByteArray head(int status, const QByteArray &reason, const QList<QByteArray> &headers)
    {
        QByteArray text = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
        for (const QByteArray &header : headers)
            text += header + "\r\n";
        return text + "\r\n";
    }

    void answer(QTcpSocket *socket, int status, const QByteArray &reason, const QByteArray &body, QList<QByteArray> headers = {})
    {
        headers << "Content-Length: " + QByteArray::number(body.size());
        socket->write(head(status, reason, headers) + body);
    }

    void respond(QTcpSocket *socket, const QByteArray &target)
    {
        const QString path = QString::fromLatin1(target);
        ++m_requests[path];
        if (path == QLatin1String("/ok")) {
            answer(socket, 200, "OK", "{\"objectIDs\": [1, 2, 3]}", {"Content-Type: application/json"});
        } else if (path == QLatin1String("/missing")) {
            answer(socket, 404, "Not Found", "no such object");
        } else if (path == QLatin1String("/busy")) {
            answer(socket, 503, "Service Unavailable", "try later");
        } else if (path == QLatin1String("/flaky")) {
            // Fails once, then works: a retried 503.
            if (m_requests[path] == 1)
                answer(socket, 503, "Service Unavailable", "try later");
            else
                answer(socket, 200, "OK", "second time lucky");
        } else if (path.startsWith(QLatin1String("/hop/"))) {
            // /hop/N redirects to /hop/N-1; /hop/0 answers.
            const int n = path.mid(5).toInt();
            if (n == 0)
                answer(socket, 200, "OK", "arrived");
            else
                answer(socket, 302, "Found", QByteArray(), {"Location: /hop/" + QByteArray::number(n - 1)});
        } else if (path.startsWith(QLatin1String("/loop/"))) {
            // Redirects for ever.
            answer(socket, 302, "Found", QByteArray(), {"Location: /loop/" + QByteArray::number(path.mid(6).toInt() + 1)});
        } else if (path.startsWith(QLatin1String("/to/"))) {
            // Redirects to whatever address follows.
            answer(socket, 302, "Found", QByteArray(), {"Location: " + target.mid(4)});
        } else if (path == QLatin1String("/endless")) {
            // No length, and data for as long as anyone reads.
            socket->write(head(200, "OK", {"Content-Type: image/jpeg", "Connection: close"}));
            const QByteArray chunk(64 * 1024, 'x');
            QPointer<QTcpSocket> guarded(socket);
            const auto more = [this, guarded, chunk] {
                if (!guarded || guarded->state() != QAbstractSocket::ConnectedState)
                    return;
                if (m_endlessBytes >= kEndlessCap) {
                    guarded->disconnectFromHost();
                    return;
                }
                while (guarded->bytesToWrite() < 4 * chunk.size()) {
                    guarded->write(chunk);
                    m_endlessBytes += chunk.size();
                }
            };
            QObject::connect(socket, &QTcpSocket::bytesWritten, socket, more);
            QObject::connect(socket, &QTcpSocket::disconnected, this, [this] { m_endlessClientLeft = true; });
            more();
        } else if (path == QLatin1String("/stall")) {
            // Headers and a little of the body, then nothing: the connection stays open.
            socket->write(head(200, "OK", {"Content-Length: 1000"}) + QByteArray(10, 'x'));
        } else {
            answer(socket, 500, "Internal Server Error", "unexpected path");
        }
    }

    QTcpServer m_server;
    QHash<QString, int> m_requests;
    qint64 m_endlessBytes = 0;
    bool m_endlessClientLeft = false;
};

HttpPolicy quickPolicy()
{
    HttpPolicy policy;
    policy.requestsPerSecond = 0; // no pacing
    policy.retries = 0;
    policy.backoffMs = 10;
    policy.stallMs = 5000;
    policy.requestMs = 60000;
    return policy;
}

} // namespace

// The fetcher against a real server on loopback: bodies arrive whole, limits cut what a server may send, errors
// name the URL and the reason.
class TestHttpFetcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void fetchesABody();
    void errorStatusIsReportedWithTheUrl();
    void retriesWhatMaySucceedLater();
    void endlessBodyIsCutAtTheLimit();
    void declaredLengthOverTheLimitIsRefused();
    void stalledServerTimesOut();
    void followsRedirectsUpToTheLimit();
    void refusesAddressesThatAreNotWeb();
    void fetchAllReportsEachUrl();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestHttpFetcher::init()
{
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY(m_server->listen());
}

void TestHttpFetcher::cleanup()
{
    m_server.reset();
}

void TestHttpFetcher::fetchesABody()
{
    HttpFetcher fetcher(quickPolicy());
    const HttpResult result = fetcher.fetch(m_server->url(QStringLiteral("/ok")), 1024);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.status, 200);
    QCOMPARE(result.body, QByteArray("{\"objectIDs\": [1, 2, 3]}"));
    QCOMPARE(result.url, m_server->url(QStringLiteral("/ok")));
    QCOMPARE(result.attempts, 1);
    QCOMPARE(fetcher.requestsSent(), 1);
    // A body exactly at the limit is whole; one byte less is over it.
    QVERIFY(fetcher.fetch(m_server->url(QStringLiteral("/ok")), 24).ok());
    const HttpResult over = fetcher.fetch(m_server->url(QStringLiteral("/ok")), 23);
    QVERIFY(!over.ok());
    QVERIFY(over.body.isEmpty());
}

void TestHttpFetcher::errorStatusIsReportedWithTheUrl()
{
    HttpPolicy policy = quickPolicy();
    policy.retries = 3;
    HttpFetcher fetcher(policy);
    const QString url = m_server->url(QStringLiteral("/missing"));
    const HttpResult result = fetcher.fetch(url, 1024);
    QVERIFY(!result.ok());
    QCOMPARE(result.url, url);
    QCOMPARE(result.status, 404);
    QVERIFY2(result.error.contains(QStringLiteral("404")), qPrintable(result.error));
    QVERIFY(result.body.isEmpty());
    // A 404 will not change: it is not retried.
    QCOMPARE(result.attempts, 1);
    QCOMPARE(m_server->requests(QStringLiteral("/missing")), 1);
}

void TestHttpFetcher::retriesWhatMaySucceedLater()
{
    HttpPolicy policy = quickPolicy();
    policy.retries = 2;
    HttpFetcher fetcher(policy);
    const HttpResult flaky = fetcher.fetch(m_server->url(QStringLiteral("/flaky")), 1024);
    QVERIFY2(flaky.ok(), qPrintable(flaky.error));
    QCOMPARE(flaky.body, QByteArray("second time lucky"));
    QCOMPARE(flaky.attempts, 2);
    const QString busy = m_server->url(QStringLiteral("/busy"));
    const HttpResult result = fetcher.fetch(busy, 1024);
    QVERIFY(!result.ok());
    QCOMPARE(result.url, busy);
    QCOMPARE(result.status, 503);
    QVERIFY2(result.error.contains(QStringLiteral("503")) && result.error.contains(QStringLiteral("after 3 attempts")), qPrintable(result.error));
    QCOMPARE(m_server->requests(QStringLiteral("/busy")), 3);
}

void TestHttpFetcher::endlessBodyIsCutAtTheLimit()
{
    HttpPolicy policy = quickPolicy();
    policy.retries = 2; // a body over the limit is not worth asking for again
    HttpFetcher fetcher(policy);
    const qint64 limit = 2 * 1024 * 1024;
    const HttpResult result = fetcher.fetch(m_server->url(QStringLiteral("/endless")), limit);
    QVERIFY(!result.ok());
    QVERIFY2(result.error.contains(QStringLiteral("larger than the limit of 2 MB")), qPrintable(result.error));
    QVERIFY(result.body.isEmpty());
    QCOMPARE(result.attempts, 1);
    QCOMPARE(m_server->requests(QStringLiteral("/endless")), 1);
    // The fetcher hung up: the server stopped far short of its own cap, a few buffers past the limit.
    QTRY_VERIFY(m_server->endlessClientLeft());
    QVERIFY2(m_server->endlessBytesSent() < LoopbackServer::kEndlessCap / 4,
             qPrintable(QString::number(m_server->endlessBytesSent())));
}

void TestHttpFetcher::declaredLengthOverTheLimitIsRefused()
{
    HttpFetcher fetcher(quickPolicy());
    // /stall declares 1000 bytes: refused from the headers, without waiting for a body that never comes.
    const HttpResult result = fetcher.fetch(m_server->url(QStringLiteral("/stall")), 100);
    QVERIFY(!result.ok());
    QVERIFY2(result.error.contains(QStringLiteral("declares 1000 bytes, over the limit of 100 bytes")), qPrintable(result.error));
}

void TestHttpFetcher::stalledServerTimesOut()
{
    HttpPolicy policy = quickPolicy();
    policy.stallMs = 300;
    policy.retries = 1;
    HttpFetcher fetcher(policy);
    const QString url = m_server->url(QStringLiteral("/stall"));
    const HttpResult result = fetcher.fetch(url, 1024 * 1024);
    QVERIFY(!result.ok());
    QCOMPARE(result.url, url);
    QVERIFY2(result.error.contains(QStringLiteral("no data received for 0.3 s (the stall limit)")), qPrintable(result.error));
    // A stall may be the network's: retried, then reported with the attempts.
    QVERIFY2(result.error.contains(QStringLiteral("after 2 attempts")), qPrintable(result.error));
    QCOMPARE(m_server->requests(QStringLiteral("/stall")), 2);
    QVERIFY(result.body.isEmpty());

    // The time limit per request holds even for a server that keeps trickling.
    policy.stallMs = 5000;
    policy.requestMs = 400;
    policy.retries = 0;
    HttpFetcher slow(policy);
    const HttpResult late = slow.fetch(m_server->url(QStringLiteral("/stall")), 1024 * 1024);
    QVERIFY2(late.error.contains(QStringLiteral("the time limit per request")), qPrintable(late.error));
}

void TestHttpFetcher::followsRedirectsUpToTheLimit()
{
    HttpFetcher fetcher(quickPolicy());
    const HttpResult within = fetcher.fetch(m_server->url(QStringLiteral("/hop/%1").arg(kMaxRedirects)), 1024);
    QVERIFY2(within.ok(), qPrintable(QStringLiteral("%1 (status %2)").arg(within.error).arg(within.status)));
    QCOMPARE(within.status, 200);
    QCOMPARE(within.body, QByteArray("arrived"));
    QCOMPARE(within.attempts, 1);
    for (int hop = 0; hop <= kMaxRedirects; ++hop)
        QVERIFY(m_server->requests(QStringLiteral("/hop/%1").arg(hop)) >= 1);

    const QString url = m_server->url(QStringLiteral("/loop/0"));
    const HttpResult endless = fetcher.fetch(url, 1024);
    QVERIFY(!endless.ok());
    QCOMPARE(endless.url, url);
    QCOMPARE(endless.error, QStringLiteral("more than %1 redirects").arg(kMaxRedirects));
    QVERIFY(endless.body.isEmpty());
    // The first request and kMaxRedirects redirects, then it gives up.
    QVERIFY(m_server->requests(QStringLiteral("/loop/%1").arg(kMaxRedirects)) >= 1);
    QCOMPARE(m_server->requests(QStringLiteral("/loop/%1").arg(kMaxRedirects + 1)), 0);

    // Never off the web, wherever a server points.
    for (const QString &target : {QStringLiteral("file:///etc/hostname"), QStringLiteral("ftp://127.0.0.1/x"), QStringLiteral("data:text/plain,hi")}) {
        const HttpResult refused = fetcher.fetch(m_server->url(QStringLiteral("/to/") + target), 1024);
        QVERIFY2(!refused.ok(), qPrintable(target));
        QCOMPARE(refused.error, QStringLiteral("refused a redirect to ") + target);
        QVERIFY(refused.body.isEmpty());
    }
}

void TestHttpFetcher::refusesAddressesThatAreNotWeb()
{
    HttpFetcher fetcher(quickPolicy());
    for (const QString &address : {QStringLiteral("file:///etc/passwd"), QStringLiteral("/etc/passwd"), QStringLiteral("data:text/plain,hi"),
                                   QStringLiteral("ftp://127.0.0.1/x"), QStringLiteral("http://")}) {
        const HttpResult result = fetcher.fetch(address, 1024);
        QVERIFY2(!result.ok(), qPrintable(address));
        QCOMPARE(result.error, notWebUrlReason());
        QCOMPARE(result.url, address);
    }
    QCOMPARE(fetcher.requestsSent(), 0);
}

void TestHttpFetcher::fetchAllReportsEachUrl()
{
    HttpFetcher fetcher(quickPolicy());
    const QStringList urls = {m_server->url(QStringLiteral("/ok")), m_server->url(QStringLiteral("/missing")),
                              QStringLiteral("file:///etc/passwd"), m_server->url(QStringLiteral("/hop/2"))};
    QHash<int, HttpResult> results;
    fetcher.fetchAll(urls, 1024, [&](int index, const HttpResult &result) {
        QVERIFY(!results.contains(index));
        results.insert(index, result);
    });
    QCOMPARE(results.size(), urls.size());
    for (int i = 0; i < urls.size(); ++i)
        QCOMPARE(results[i].url, urls[i]);
    QVERIFY(results[0].ok());
    QCOMPARE(results[1].status, 404);
    QCOMPARE(results[2].error, notWebUrlReason());
    QCOMPARE(results[3].body, QByteArray("arrived"));
}

QTEST_GUILESS_MAIN(TestHttpFetcher)
#include "tst_httpfetcher.moc"
