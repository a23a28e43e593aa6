#pragma once

#include <QDialog>
#include <QString>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace accession {

class CatalogSession;

// File ▸ Connect to Shared Catalog: where a PostgreSQL catalog lives (host, port, database, user, SSL mode, service),
// the URL that makes (never with a password), and, when the server asks for one, a password for this run only
// (SessionPasswords). Connecting runs on the catalog thread; the dialog shows it going on and the server's reason
// when it fails, and closes once the catalog is open.
class SharedCatalogDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SharedCatalogDialog(CatalogSession *session, QWidget *parent = nullptr);

    // The catalog URL the fields make; empty while they make none (no database), with the reason in urlProblem().
    QString url() const;
    QString urlProblem() const { return m_urlProblem; }
    // Fills the fields from a postgresql:// URL (a recent catalog that needs a password); false if it is none.
    bool setUrl(const QString &url);
    // Shows why connecting failed, and the password field when the server asked for a password or refused it.
    void showFailure(const QString &url, const QString &message);
    bool isConnecting() const { return !m_connectingUrl.isEmpty(); }

Q_SIGNALS:
    // The window opens the URL as it opens a file (CatalogSession::open); this dialog follows the session's answer.
    void connectRequested(const QString &url);

public:
    void reject() override;

private:
    void updateUrl();
    void startConnecting();
    void setConnecting(bool connecting);

    CatalogSession *m_session;
    QLineEdit *m_host;
    QSpinBox *m_port;
    QLineEdit *m_database;
    QLineEdit *m_user;
    QComboBox *m_sslMode;
    QLineEdit *m_service;
    QLabel *m_urlLabel;
    QLabel *m_passwordLabel;
    QLineEdit *m_password;
    QProgressBar *m_progress;
    QLabel *m_message;
    QPushButton *m_connectButton;
    QString m_url;
    QString m_urlProblem;
    QString m_connectingUrl; // while the catalog thread connects
    bool m_passwordGiven = false; // the attempt under way carries a password typed here
};

} // namespace accession
