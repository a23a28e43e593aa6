#pragma once

#include "catalog/problem.h"
#include "catalog/reviewstore.h"

#include <QMainWindow>
#include <QPointer>

#include <QHash>

#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QToolBar;

namespace accession {

class CatalogItemModel;
class CatalogSession;
class CatalogView;
class CheckLabelsWidget;
class ImageFolderDialog;
class MetImportDialog;
class DashboardWidget;
class NearDuplicatesView;
class ExportDialog;
class ImportLabelledDialog;
struct ExportRequest;
struct ImportRequest;
struct ClassifyRequest;
class StartPage;
class ItemPanel;
class JobOutcome;
class PreferencesDialog;
class ReviewWidget;
class SharedCatalogDialog;

// The curator's main window: the catalog, the review queue and the model dashboard over one open catalog,
// an item panel beside them, and the background jobs (import, classification, training) in the status bar.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Starts opening (and, for an older catalog, migrating) a catalog file or postgresql:// URL on the catalog thread: catalogOpened
    // follows, or catalogOpenFailed, whose reason the status bar shows. Returns at once.
    void openCatalog(const QString &path);
    // File ▸ Connect to Shared Catalog…: the dialog (deleted on close) that opens a PostgreSQL catalog; url, if a
    // postgresql:// URL, fills its fields.
    SharedCatalogDialog *openSharedCatalogDialog(const QString &url = QString());
    // Opens the demo, building it in the background first if needed.
    void openDemo();
    // Imports files or folders and, when a model is active, classifies them at once.
    void importAndClassify(const QStringList &paths);
    void showItem(qint64 itemId);
    void showCatalog();
    void showReview();
    void showDashboard();
    // View ▸ Check Labels shows the list of the last check; Model ▸ Check Labels… also starts a check.
    void showCheckLabels();
    void checkLabels();
    void showNearDuplicates();
    void openRetrainDialog();
    void openDepartmentsDialog();
    // Edit ▸ Shared Image Folder…; returns the dialog (deleted on close), or nullptr without a catalog.
    ImageFolderDialog *openImageFolderDialog();
    // File ▸ Import from The Met…; returns the dialog (deleted on close), or nullptr without a catalog.
    MetImportDialog *openMetImportDialog();

    // Getting started: the start page of an empty catalog, labelled imports, model files and export.
    // Each opens a dialog (deleted on close; nullptr without a catalog) whose accept starts the job.
    ImportLabelledDialog *openImportLabelledDialog();
    ExportDialog *openExportDialog();
    // Model ▸ Add Model File…: checks the model fully, registers it and makes it active, off the GUI thread.
    void addModelFile(const QString &modelPath);
    // Model ▸ Add Pretrained Weights…: checks a backbone file and records it for the Train dialog's presets.
    void addPretrainedWeights(const QString &weightsPath);
    void importLabelled(const ImportRequest &request);
    void exportCatalog(const ExportRequest &request);
    StartPage *startPage() const { return m_startPage; }
    // Starts opening the catalog of the last session, if it still exists; false otherwise (nothing is shown then).
    bool openLastCatalog();
    // Window geometry, docks, toolbar, splitters and grid/list mode, restored by the next window.
    void saveSettings() const;
    // Help ▸ About, Help ▸ User Guide and Edit ▸ Preferences…; each dialog is deleted on close.
    void showAbout();
    QDialog *showUserGuide();
    PreferencesDialog *openPreferences();

    QString catalogPath() const;
    bool isJobRunning() const;
    CatalogSession *session() const { return m_session; }
    CatalogItemModel *itemModel() const { return m_itemModel; }
    CatalogView *catalogView() const { return m_catalogView; }
    ReviewWidget *reviewWidget() const { return m_review; }
    DashboardWidget *dashboard() const { return m_dashboard; }
    CheckLabelsWidget *checkLabelsWidget() const { return m_checkLabels; }
    QAction *checkLabelsAction() const { return m_checkLabelsAction; }
    NearDuplicatesView *nearDuplicatesView() const { return m_nearDuplicates; }
    ItemPanel *itemPanel() const { return m_itemPanel; }
    QTableWidget *problemsTable() const { return m_problems; }
    QTabWidget *tabs() const { return m_tabs; }
    QDockWidget *problemsDock() const { return m_problemsDock; }
    QToolBar *mainToolBar() const { return m_toolBar; }
    QAction *showProblemsAction() const;
    QAction *importFilesAction() const { return m_importFilesAction; }
    QAction *trainAction() const { return m_trainAction; }
    QAction *connectSharedCatalogAction() const { return m_connectSharedCatalogAction; }
    QLabel *countLabel() const { return m_countLabel; }

Q_SIGNALS:
    void jobEnded(bool succeeded);
    void demoReady();
    void catalogOpened(const QString &path);
    void catalogOpenFailed(const QString &path, const QString &message);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void buildDesktopMenusAndToolBar();
    void restoreSettings();
    void applyPreferences();
    void chooseAndOpenCatalog();
    void chooseAndCreateCatalog();
    void chooseAndImport(bool folders);
    void classifyUnclassified();
    void chooseAndAddModelFile();
    void chooseAndAddPretrainedWeights();
    void buildStartPage();
    // Submits to the session's job queue; onEnded(ConcreteJob &, const JobOutcome &) runs after the common report
    // of a failure or cancel, and jobEnded() after it.
    template <typename ConcreteJob, typename OnEnded>
    void submitJob(std::unique_ptr<ConcreteJob> job, const QString &description, OnEnded onEnded);
    void reportJobOutcome(const JobOutcome &outcome);
    void submitImport(const ImportRequest &request, const QString &description);
    void submitClassify(const ClassifyRequest &request, const QString &description);
    void refreshAfterJob();
    void showJobQueue();
    void reportProblems(const QVector<Problem> &problems);
    // Status bar messages carry paths, names and errors: elided, so any of them costs little.
    void showStatus(const QString &message, int timeoutMs = 0);
    void rememberRecent(const QString &path);
    void refreshRecentMenu();
    void refreshAfterChange();
    void updateTitleAndCounts();
    void showCounts();
    void countStatusChange(ItemStatus before, ItemStatus after);
    void onCatalogOpened();
    void onCatalogOpenFailed(const QString &path, const QString &message);
    void showMigrationProgress(int stepsDone, int stepsTotal, const QString &step);

    CatalogSession *m_session;
    CatalogItemModel *m_itemModel;
    QTabWidget *m_tabs;
    CatalogView *m_catalogView;
    ReviewWidget *m_review;
    DashboardWidget *m_dashboard;
    CheckLabelsWidget *m_checkLabels;
    NearDuplicatesView *m_nearDuplicates;
    ItemPanel *m_itemPanel;
    QTableWidget *m_problems;
    QDockWidget *m_itemDock;
    QDockWidget *m_problemsDock;
    QToolBar *m_toolBar = nullptr;
    QAction *m_importFilesAction = nullptr;
    QAction *m_importFolderAction = nullptr;
    QAction *m_trainAction = nullptr;
    QAction *m_connectSharedCatalogAction = nullptr;
    QPointer<SharedCatalogDialog> m_sharedCatalogDialog; // at most one at a time
    QAction *m_classifyAction = nullptr;
    QAction *m_checkLabelsAction = nullptr;
    QMenu *m_recentMenu = nullptr;
    QLabel *m_countLabel;
    QLabel *m_noticeLabel;
    QProgressBar *m_progressBar;
    QPushButton *m_cancelButton;
    QLabel *m_waitingLabel;
    QString m_lastProgressMessage;
    QString m_pendingDemoCatalog;
    bool m_announceDemoWhenOpened = false;
    // The status counts: read once per open or bulk change, then moved by each decision; empty while read.
    std::optional<QHash<ItemStatus, qint64>> m_statusCounts;
    quint64 m_countsGeneration = 0;
    StartPage *m_startPage = nullptr;
};

} // namespace accession
