#include "sharedcatalogdialog.h"

#include "catalogsession.h"

#include "catalog/catalogtypes.h"
#include "catalog/cataloglocation.h"
#include "catalog/sessionpasswords.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace accession {

namespace {

constexpr int kDefaultPort = 5432;

} // namespace

SharedCatalogDialog::SharedCatalogDialog(CatalogSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
{
    setWindowTitle(tr("Connect to Shared Catalog"));
    m_host = new QLineEdit(this);
    m_host->setObjectName(QStringLiteral("host"));
    m_host->setPlaceholderText(tr("catalog.museum.org (empty: this machine's socket)"));
    m_port = new QSpinBox(this);
    m_port->setObjectName(QStringLiteral("port"));
    m_port->setRange(1, 65535);
    m_port->setValue(kDefaultPort);
    m_database = new QLineEdit(this);
    m_database->setObjectName(QStringLiteral("database"));
    m_user = new QLineEdit(this);
    m_user->setObjectName(QStringLiteral("user"));
    m_user->setPlaceholderText(tr("empty: your login name"));
    m_sslMode = new QComboBox(this);
    m_sslMode->setObjectName(QStringLiteral("sslMode"));
    m_sslMode->addItem(tr("Default"), QString());
    for (const char *mode : {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
        m_sslMode->addItem(QString::fromLatin1(mode), QString::fromLatin1(mode));
    m_service = new QLineEdit(this);
    m_service->setObjectName(QStringLiteral("service"));
    m_service->setPlaceholderText(tr("optional: a name from pg_service.conf"));
    m_urlLabel = new QLabel(this);
    m_urlLabel->setObjectName(QStringLiteral("url"));
    m_urlLabel->setTextFormat(Qt::PlainText);
    m_urlLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_urlLabel->setWordWrap(true);
    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("password"));
    m_password->setEchoMode(QLineEdit::Password);

    auto *form = new QFormLayout;
    form->addRow(tr("&Host:"), m_host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("&Database:"), m_database);
    form->addRow(tr("&User:"), m_user);
    form->addRow(tr("&SSL mode:"), m_sslMode);
    form->addRow(tr("S&ervice:"), m_service);
    form->addRow(tr("URL:"), m_urlLabel);
    form->addRow(tr("Pass&word:"), m_password);
    m_passwordLabel = qobject_cast<QLabel *>(form->labelForField(m_password));
    auto *hint = new QLabel(tr("The password comes from ~/.pgpass, PGPASSWORD or a PostgreSQL service file; Accession never "
                               "stores one."), this);
    hint->setWordWrap(true);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 0); // how long the server takes to answer is unknown
    m_progress->setTextVisible(false);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_connectButton = buttons->addButton(tr("&Connect"), QDialogButtonBox::AcceptRole);
    m_connectButton->setObjectName(QStringLiteral("connect"));
    m_connectButton->setDefault(true);
    connect(m_connectButton, &QPushButton::clicked, this, &SharedCatalogDialog::startConnecting);
    connect(buttons, &QDialogButtonBox::rejected, this, &SharedCatalogDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(hint);
    layout->addWidget(m_progress);
    layout->addWidget(m_message);
    layout->addWidget(buttons);

    for (QLineEdit *edit : {m_host, m_database, m_user, m_service})
        connect(edit, &QLineEdit::textChanged, this, &SharedCatalogDialog::updateUrl);
    connect(m_port, &QSpinBox::valueChanged, this, &SharedCatalogDialog::updateUrl);
    connect(m_sslMode, &QComboBox::currentIndexChanged, this, &SharedCatalogDialog::updateUrl);

    connect(m_session, &CatalogSession::opened, this, [this] {
        if (isConnecting() && m_session->path() == m_connectingUrl) {
            setConnecting(false);
            accept();
        }
    });
    connect(m_session, &CatalogSession::openFailed, this, [this](const QString &path, const QString &message) {
        if (isConnecting() && path == m_connectingUrl)
            showFailure(path, message);
    });

    m_password->hide();
    m_passwordLabel->hide();
    m_progress->hide();
    m_message->hide();
    updateUrl();
    resize(560, 0);
}

QString SharedCatalogDialog::url() const
{
    return m_url;
}

void SharedCatalogDialog::updateUrl()
{
    m_url.clear();
    m_urlProblem.clear();
    if (m_database->text().trimmed().isEmpty()) {
        m_urlProblem = tr("Name the database that holds the catalog.");
    } else {
        CatalogLocation location;
        location.dialect = SqlDialect::PostgreSQL;
        location.host = m_host->text().trimmed();
        location.port = m_port->value();
        location.user = m_user->text().trimmed();
        location.databaseName = m_database->text().trimmed();
        QStringList options;
        if (!m_sslMode->currentData().toString().isEmpty())
            options << QStringLiteral("sslmode=") + m_sslMode->currentData().toString();
        if (!m_service->text().trimmed().isEmpty())
            options << QStringLiteral("service=") + m_service->text().trimmed();
        location.connectOptions = options.join(QLatin1Char(';'));
        // Read back as the catalog will read it: a name with a space or a quote is refused here, with the reason.
        try {
            m_url = CatalogLocation::parse(location.display()).display();
        } catch (const CatalogError &error) {
            m_urlProblem = QString::fromUtf8(error.what());
        }
    }
    m_urlLabel->setText(m_url.isEmpty() ? m_urlProblem : m_url);
    m_connectButton->setEnabled(!m_url.isEmpty() && !isConnecting());
}

bool SharedCatalogDialog::setUrl(const QString &url)
{
    if (!CatalogLocation::isPostgresUrl(url))
        return false;
    CatalogLocation location;
    try {
        location = CatalogLocation::parse(url);
    } catch (const CatalogError &) {
        return false;
    }
    m_host->setText(location.host);
    m_port->setValue(location.port > 0 ? location.port : kDefaultPort);
    m_user->setText(location.user);
    m_database->setText(location.databaseName);
    m_sslMode->setCurrentIndex(0);
    m_service->clear();
    for (const QString &option : location.connectOptions.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const QString key = option.section(QLatin1Char('='), 0, 0);
        const QString value = option.section(QLatin1Char('='), 1);
        if (key == QLatin1String("sslmode"))
            m_sslMode->setCurrentIndex(std::max(0, m_sslMode->findData(value)));
        else if (key == QLatin1String("service"))
            m_service->setText(value);
    }
    updateUrl();
    return true;
}

void SharedCatalogDialog::startConnecting()
{
    if (m_url.isEmpty() || isConnecting())
        return;
    m_passwordGiven = m_password->isVisible() && !m_password->text().isEmpty();
    if (m_passwordGiven)
        SessionPasswords::remember(m_url, m_password->text());
    m_password->clear(); // held by SessionPasswords alone from here
    m_connectingUrl = m_url;
    m_message->setText(tr("Connecting to %1…").arg(m_url));
    m_message->show();
    setConnecting(true);
    Q_EMIT connectRequested(m_url);
}

void SharedCatalogDialog::showFailure(const QString &url, const QString &reason)
{
    const QString message = reason.simplified(); // libpq's reasons run on over tabbed lines
    setConnecting(false);
    m_connectingUrl.clear();
    m_message->show();
    if (SessionPasswords::isPasswordRefusal(message)) {
        // A refused password is not tried again by this run's other connections.
        if (m_passwordGiven)
            SessionPasswords::forget(url);
        m_message->setText(m_passwordGiven ? tr("The server refused the password: %1").arg(message)
                                           : tr("The server asks for a password. Type it below for this session only "
                                                "(it is kept in memory, never saved), or add it to ~/.pgpass.\n%1")
                                                 .arg(message));
        m_passwordLabel->show();
        m_password->show();
        m_password->setFocus();
    } else {
        m_message->setText(tr("Could not connect: %1").arg(message));
    }
    m_passwordGiven = false;
}

void SharedCatalogDialog::setConnecting(bool connecting)
{
    m_progress->setVisible(connecting);
    for (QWidget *field : std::initializer_list<QWidget *>{m_host, m_port, m_database, m_user, m_sslMode, m_service, m_password})
        field->setEnabled(!connecting);
    m_connectButton->setEnabled(!connecting && !m_url.isEmpty());
}

void SharedCatalogDialog::reject()
{
    // Cancelled while the catalog thread connects: the session drops the attempt, whatever the server answers later.
    if (isConnecting() && m_session->isOpening() && m_session->path() == m_connectingUrl)
        m_session->close();
    m_connectingUrl.clear();
    QDialog::reject();
}

} // namespace accession
