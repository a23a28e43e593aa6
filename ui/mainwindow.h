#pragma once

#include <QMainWindow>

#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;
class QMenu;

namespace accession {

class Catalog;
class CatalogItemModel;
class Job;
class JobRunner;

// The curator's main window: one open catalog, its items, and the jobs running on it.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens a catalog file; shows the reason in the status bar and returns false if it cannot.
    bool openCatalog(const QString &path);
    // Opens the demo, building it in the background first if needed.
    void openDemo();
    QString catalogPath() const;
    CatalogItemModel *itemModel() const { return m_itemModel; }
    QTableView *itemView() const { return m_itemView; }
    bool isJobRunning() const;

private:
    void buildMenus();
    void chooseAndOpenCatalog();
    void chooseAndCreateCatalog();
    void chooseAndImportFolder();
    void startJob(std::unique_ptr<Job> job, const QString &description);
    void onJobEnded(Job *job, bool succeeded);
    void rememberRecent(const QString &path);
    void refreshRecentMenu();
    void updateTitleAndCounts();

    std::unique_ptr<Catalog> m_catalog;
    CatalogItemModel *m_itemModel = nullptr;
    QTableView *m_itemView = nullptr;
    QMenu *m_recentMenu = nullptr;
    QLabel *m_countLabel = nullptr;
    QLabel *m_noticeLabel = nullptr;
    QProgressBar *m_progressBar = nullptr;
    QPushButton *m_cancelButton = nullptr;
    JobRunner *m_jobRunner = nullptr;
    QString m_pendingDemoCatalog;
};

} // namespace accession
