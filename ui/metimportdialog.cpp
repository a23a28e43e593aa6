#include "metimportdialog.h"

#include "catalogsession.h"
#include "displaytext.h"
#include "plurals.h"

#include "jobs/jobqueue.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace accession {

namespace {

// Fetches the department list with one count request per department, off the GUI thread.
class DepartmentListJob : public Job
{
public:
    DepartmentListJob(QString baseUrl, HttpPolicy policy)
        : m_baseUrl(std::move(baseUrl))
        , m_policy(policy)
    {
    }
    QVector<MetDepartment> departments() const { return m_departments; }

protected:
    void run() override
    {
        reportProgress(0, 0, QObject::tr("Asking %1 for its departments…").arg(m_baseUrl));
        m_departments = fetchMetDepartments(m_baseUrl, true, m_policy, [this] { return isCancelRequested(); });
        throwIfCancelled();
    }

private:
    QString m_baseUrl;
    HttpPolicy m_policy;
    QVector<MetDepartment> m_departments;
};

enum Column { NameColumn, ObjectsColumn };

} // namespace

MetImportDialog::MetImportDialog(CatalogSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_jobs(session->jobs())
    , m_listLane(new JobQueue(this))
{
    setWindowTitle(tr("Import from The Met"));
    m_baseUrl = new QLineEdit(MetImportRequest{}.baseUrl, this);
    m_loadButton = new QPushButton(tr("Load Departments"), this);
    auto *urlRow = new QHBoxLayout;
    urlRow->addWidget(m_baseUrl, 1);
    urlRow->addWidget(m_loadButton);

    m_departments = new QTableWidget(0, 2, this);
    m_departments->setHorizontalHeaderLabels({tr("Department"), tr("Objects")});
    m_departments->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    m_departments->horizontalHeader()->setSectionResizeMode(ObjectsColumn, QHeaderView::ResizeToContents);
    m_departments->verticalHeader()->hide();
    m_departments->setSelectionMode(QAbstractItemView::NoSelection);
    m_departments->setMinimumHeight(240);

    m_perDepartment = new QSpinBox(this);
    m_perDepartment->setRange(0, 1000000);
    m_perDepartment->setValue(300);
    m_perDepartment->setSpecialValueText(tr("all"));
    m_perDepartment->setToolTip(tr("Objects per department, sampled evenly across the department's list; 0 takes all."));
    m_publicDomainOnly = new QCheckBox(tr("Only public-domain objects (Open Access)"), this);
    m_publicDomainOnly->setChecked(true);
    m_imageSize = new QComboBox(this);
    m_imageSize->addItem(tr("Small (web size, quicker)"));
    m_imageSize->addItem(tr("Full resolution"));

    auto *form = new QFormLayout;
    form->addRow(tr("Collection API"), urlRow);
    form->addRow(tr("Departments"), m_departments);
    form->addRow(tr("Per department"), m_perDepartment);
    form->addRow(QString(), m_publicDomainOnly);
    form->addRow(tr("Images"), m_imageSize);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_status = new QLabel(tr("Load the department list to begin. An interrupted import resumes where it stopped."), this);
    m_status->setTextFormat(Qt::PlainText); // server text (names, errors) is shown as it is
    m_status->setWordWrap(true);

    auto *buttons = new QDialogButtonBox(this);
    m_startButton = buttons->addButton(tr("Import"), QDialogButtonBox::AcceptRole);
    m_cancelButton = buttons->addButton(tr("Stop"), QDialogButtonBox::ActionRole);
    QPushButton *close = buttons->addButton(QDialogButtonBox::Close);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(560, 560);

    connect(m_loadButton, &QPushButton::clicked, this, &MetImportDialog::loadDepartments);
    connect(m_startButton, &QPushButton::clicked, this, &MetImportDialog::start);
    connect(m_cancelButton, &QPushButton::clicked, this, &MetImportDialog::cancel);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_departments, &QTableWidget::itemChanged, this, &MetImportDialog::updateButtons);
    updateButtons();
}

MetImportDialog::~MetImportDialog()
{
    // Closing the dialog stops its import, as its Stop button does; a later import resumes from there.
    if (m_jobs) // gone already when the main window's session went before its dialogs
        m_jobs->cancel(m_importJob);
}

void MetImportDialog::setBaseUrl(const QString &url)
{
    m_baseUrl->setText(url);
}

void MetImportDialog::loadDepartments()
{
    if (isRunning())
        return;
    m_progress->setRange(0, 0);
    m_status->setText(tr("Loading the departments and counting their objects…"));
    auto job = std::make_unique<DepartmentListJob>(m_baseUrl->text().trimmed(), m_policy);
    const QString description = tr("Loading the Met's departments");
    m_listLane->submit(std::move(job), description, this, [this](DepartmentListJob &list, const JobOutcome &outcome) {
        m_progress->setRange(0, 1);
        m_progress->setValue(outcome.isFinished() ? 1 : 0);
        if (outcome.isFinished()) {
            showDepartments(list.departments());
            m_status->setText(plural(list.departments().size(), tr("%1 department. Tick it to import it."), tr("%1 departments. Tick those to import.")));
        } else if (outcome.isFailed()) {
            m_status->setText(tr("Could not load the departments: %1").arg(elided(outcome.error(), kShownMessageChars)));
        }
        updateButtons();
        Q_EMIT departmentsLoaded(outcome.isFinished());
    });
    updateButtons();
}

void MetImportDialog::showDepartments(const QVector<MetDepartment> &departments)
{
    const QSignalBlocker blocker(m_departments);
    m_departments->setRowCount(0);
    for (const MetDepartment &department : departments) {
        const int row = m_departments->rowCount();
        m_departments->insertRow(row);
        auto *name = new QTableWidgetItem(elided(department.name));
        if (department.name.size() > kShownNameChars)
            name->setToolTip(plainToolTip(department.name));
        name->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        name->setCheckState(Qt::Unchecked);
        name->setData(Qt::UserRole, department.id);
        auto *objects = new QTableWidgetItem(department.objects >= 0 ? QLocale().toString(department.objects) : tr("unknown"));
        objects->setFlags(Qt::ItemIsEnabled);
        objects->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_departments->setItem(row, NameColumn, name);
        m_departments->setItem(row, ObjectsColumn, objects);
    }
}

void MetImportDialog::setDepartmentChecked(int departmentId, bool checked)
{
    for (int row = 0; row < m_departments->rowCount(); ++row) {
        QTableWidgetItem *name = m_departments->item(row, NameColumn);
        if (name->data(Qt::UserRole).toInt() == departmentId)
            name->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
    }
}

void MetImportDialog::setPerDepartment(int count)
{
    m_perDepartment->setValue(count);
}

void MetImportDialog::setPublicDomainOnly(bool only)
{
    m_publicDomainOnly->setChecked(only);
}

MetImportRequest MetImportDialog::request() const
{
    MetImportRequest request;
    request.catalogPath = m_session->path();
    request.baseUrl = m_baseUrl->text().trimmed();
    for (int row = 0; row < m_departments->rowCount(); ++row) {
        const QTableWidgetItem *name = m_departments->item(row, NameColumn);
        if (name->checkState() == Qt::Checked)
            request.departments << QString::number(name->data(Qt::UserRole).toInt());
    }
    request.perDepartment = m_perDepartment->value();
    request.publicDomainOnly = m_publicDomainOnly->isChecked();
    request.fullImages = m_imageSize->currentIndex() == 1;
    request.policy = m_policy;
    return request;
}

void MetImportDialog::start()
{
    if (isRunning() || !m_session->isOpen())
        return;
    const MetImportRequest importRequest = request();
    if (importRequest.departments.isEmpty()) {
        m_status->setText(tr("Tick at least one department."));
        return;
    }
    auto job = std::make_unique<MetImportJob>(importRequest);
    connect(job.get(), &Job::progress, this, [this](qint64 done, qint64 total, const QString &message) {
        m_progress->setRange(0, int(std::max<qint64>(total, 1)));
        m_progress->setValue(int(std::min(done, total)));
        m_status->setText(elided(message, kShownMessageChars));
    });
    m_progress->setRange(0, 0);
    m_status->setText(m_session->jobs()->isBusy()
                          ? tr("Waiting for the running job to end…")
                          : plural(importRequest.departments.size(), tr("Listing the objects of %1 department…"), tr("Listing the objects of %1 departments…")));
    m_importJob = m_session->jobs()->submit(std::move(job), tr("Importing from The Met"), this,
                                            [this](MetImportJob &import, const JobOutcome &outcome) { showImportEnd(import, outcome); });
    updateButtons();
}

void MetImportDialog::cancel()
{
    m_listLane->cancelAll();
    m_session->jobs()->cancel(m_importJob);
}

bool MetImportDialog::isRunning() const
{
    return m_listLane->isBusy() || m_session->jobs()->isQueued(m_importJob);
}

QString MetImportDialog::statusText() const
{
    return m_status->text();
}

void MetImportDialog::showImportEnd(MetImportJob &import, const JobOutcome &outcome)
{
    m_progress->setRange(0, 1);
    m_progress->setValue(outcome.isFinished() ? 1 : 0);
    m_summary = import.summary();
    const QString counts = tr("%1 imported, %2 already in the catalog, %3 done in an earlier run, %4 skipped, %5 failed (%6 requests, %7 s).")
                               .arg(m_summary.imported).arg(m_summary.duplicates).arg(m_summary.alreadyDone)
                               .arg(m_summary.skipped).arg(m_summary.failures.size()).arg(m_summary.requests)
                               .arg(m_summary.seconds, 0, 'f', 1);
    if (outcome.isFinished())
        m_status->setText(tr("Finished: %1").arg(counts));
    else if (outcome.isFailed())
        m_status->setText(tr("The import failed: %1").arg(elided(outcome.error(), kShownMessageChars)));
    else if (m_summary.cancelled || outcome.isCancelled())
        m_status->setText(tr("Stopped: %1 Import again to resume.").arg(counts));
    QVector<Problem> problems = m_summary.failures;
    problems += m_summary.skippedReasons;
    if (!problems.isEmpty())
        Q_EMIT problemsFound(problems);
    m_session->notifyCatalogChanged();
    updateButtons();
    Q_EMIT importEnded(outcome.isFinished());
}

void MetImportDialog::updateButtons()
{
    const bool running = isRunning();
    bool anyChecked = false;
    for (int row = 0; row < m_departments->rowCount(); ++row)
        anyChecked = anyChecked || m_departments->item(row, NameColumn)->checkState() == Qt::Checked;
    m_loadButton->setEnabled(!running);
    m_startButton->setEnabled(!running && anyChecked && m_session->isOpen());
    m_cancelButton->setEnabled(running);
}

} // namespace accession
