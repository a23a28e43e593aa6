#pragma once

#include "jobs/collectionimportjob.h"

#include <QDialog>
#include <QPointer>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace accession {

class CatalogSession;
class JobOutcome;
class JobQueue;

// "Import from The Met…": loads the Collection API's departments with their object counts, lets the
// curator tick departments, a number per department and the public-domain filter, then runs the import
// in the background with progress and cancel. Stopping and starting again resumes where it left off.
class MetImportDialog : public QDialog
{
    Q_OBJECT
public:
    explicit MetImportDialog(CatalogSession *session, QWidget *parent = nullptr);
    ~MetImportDialog() override;

    void setBaseUrl(const QString &url);
    void loadDepartments();                      // in the background; departmentsLoaded() when done
    void setDepartmentChecked(int departmentId, bool checked);
    void setPerDepartment(int count);            // 0: every object
    void setPublicDomainOnly(bool only);
    void setPolicy(const HttpPolicy &policy) { m_policy = policy; }
    MetImportRequest request() const;
    void start();
    void cancel();
    bool isRunning() const;

    QTableWidget *departmentTable() const { return m_departments; }
    QPushButton *startButton() const { return m_startButton; }
    QString statusText() const;
    CollectionImportSummary lastSummary() const { return m_summary; }

Q_SIGNALS:
    void departmentsLoaded(bool succeeded);
    void importEnded(bool succeeded);
    // Objects that failed or were skipped, for the main window's problem list.
    void problemsFound(const QVector<accession::Problem> &problems);

private:
    void showImportEnd(MetImportJob &import, const JobOutcome &outcome);
    void showDepartments(const QVector<MetDepartment> &departments);
    void updateButtons();

    CatalogSession *m_session;
    // The department list reads nothing of the catalog and takes seconds: it has a lane of its own rather than
    // waiting behind a classification in the session's queue. The import itself writes the catalog and goes there.
    QPointer<JobQueue> m_jobs;
    JobQueue *m_listLane;
    quint64 m_importJob = 0;
    HttpPolicy m_policy;
    QLineEdit *m_baseUrl;
    QPushButton *m_loadButton;
    QTableWidget *m_departments;
    QSpinBox *m_perDepartment;
    QCheckBox *m_publicDomainOnly;
    QComboBox *m_imageSize;
    QProgressBar *m_progress;
    QLabel *m_status;
    QPushButton *m_startButton;
    QPushButton *m_cancelButton;
    CollectionImportSummary m_summary;
};

} // namespace accession
