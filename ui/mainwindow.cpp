#include "mainwindow.h"

#include "appearance.h"
#include "catalogitemmodel.h"
#include "catalogsession.h"
#include "catalogview.h"
#include "checklabelswidget.h"
#include "dashboardwidget.h"
#include "departmentsdialog.h"
#include "displaytext.h"
#include "exportdialog.h"
#include "imagefolderdialog.h"
#include "importlabelleddialog.h"
#include "itempanel.h"
#include "metimportdialog.h"
#include "nearduplicatesview.h"
#include "plurals.h"
#include "preferencesdialog.h"
#include "retraindialog.h"
#include "reviewwidget.h"
#include "sharedcatalogdialog.h"
#include "startpage.h"
#include "userguidedialog.h"

#include "catalog/catalog.h"
#include "catalog/cataloglocation.h"
#include "catalog/catalogworker.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "catalog/sessionpasswords.h"
#include "jobs/addmodeljob.h"
#include "jobs/addweightsjob.h"
#include "jobs/classifyjob.h"
#include "jobs/democatalogjob.h"
#include "jobs/exportjob.h"
#include "jobs/importjob.h"
#include "jobs/jobqueue.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QGuiApplication>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScreen>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

namespace accession {

namespace {

// What the title shows of a catalog: a file's name, or a shared catalog's whole URL (which holds no password), since
// its database name alone would not say which server.
QString catalogTitle(const QString &location)
{
    if (CatalogLocation::isPostgresUrl(location))
        return elided(location, kShownMessageChars);
    return elided(QFileInfo(location).fileName());
}
const QString kRecentKey = QStringLiteral("recentCatalogs");
const QString kLastCatalogKey = QStringLiteral("lastCatalog");
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kSplittersGroup = QStringLiteral("window/splitters");
const QString kGridModeKey = QStringLiteral("catalog/grid");
constexpr int kMaxRecent = 8;
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_session(new CatalogSession(this))
    , m_itemModel(new CatalogItemModel(this))
{
    setAcceptDrops(true);
    m_noticeLabel = new QLabel(this);
    m_noticeLabel->setTextFormat(Qt::PlainText); // a catalog setting: stored text, shown as it is
    m_noticeLabel->setWordWrap(true);
    m_noticeLabel->setStyleSheet(QStringLiteral("QLabel { background: #fff4ce; color: #3d3100; padding: 6px; }")); // dark text in a dark palette too
    m_noticeLabel->hide();
    m_catalogView = new CatalogView(m_itemModel, this);
    m_review = new ReviewWidget(m_session, this);
    m_dashboard = new DashboardWidget(m_session, this);
    m_checkLabels = new CheckLabelsWidget(m_session, this);
    m_nearDuplicates = new NearDuplicatesView(m_session, this);
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(m_catalogView, tr("&Catalog"));
    m_tabs->addTab(m_review, tr("&Review"));
    m_tabs->addTab(m_dashboard, tr("&Model"));
    m_tabs->addTab(m_checkLabels, tr("Chec&k Labels")); // Alt+H is the Help menu
    m_tabs->addTab(m_nearDuplicates, tr("&Duplicates"));
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_noticeLabel);
    layout->addWidget(m_tabs, 1);
    buildStartPage();
    layout->addWidget(m_startPage, 1);
    setCentralWidget(central);

    m_itemPanel = new ItemPanel(m_session, this);
    m_itemDock = new QDockWidget(tr("Item"), this);
    m_itemDock->setObjectName(QStringLiteral("itemDock"));
    m_itemDock->setWidget(m_itemPanel);
    addDockWidget(Qt::RightDockWidgetArea, m_itemDock);

    m_problems = new QTableWidget(0, 3, this);
    m_problems->setHorizontalHeaderLabels({tr("When"), tr("File"), tr("Problem")});
    m_problems->horizontalHeader()->setStretchLastSection(true);
    m_problems->verticalHeader()->hide();
    m_problems->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_problems->setColumnWidth(1, 360);
    m_problemsDock = new QDockWidget(tr("Problems"), this);
    m_problemsDock->setObjectName(QStringLiteral("problemsDock"));
    m_problemsDock->setWidget(m_problems);
    addDockWidget(Qt::BottomDockWidgetArea, m_problemsDock);
    m_problemsDock->hide();

    m_countLabel = new QLabel(this);
    m_progressBar = new QProgressBar(this);
    m_progressBar->setMaximumWidth(240);
    m_progressBar->hide();
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setToolTip(tr("Stops the running job; what it finished before is kept"));
    m_cancelButton->hide();
    m_waitingLabel = new QLabel(this);
    m_waitingLabel->hide();
    statusBar()->addPermanentWidget(m_countLabel);
    statusBar()->addPermanentWidget(m_waitingLabel);
    statusBar()->addPermanentWidget(m_progressBar);
    statusBar()->addPermanentWidget(m_cancelButton);
    // The status bar shows whichever job runs (the dialogs' and the dashboard's too), and how many wait behind it.
    JobQueue *jobs = m_session->jobs();
    connect(m_cancelButton, &QPushButton::clicked, jobs, &JobQueue::cancelRunning);
    connect(jobs, &JobQueue::jobStarted, this, [this](JobId, const QString &description) {
        m_progressBar->setRange(0, 0);
        m_lastProgressMessage = description;
        showStatus(description);
    });
    connect(jobs, &JobQueue::jobProgress, this, [this](JobId, qint64 done, qint64 total, const QString &message) {
        m_progressBar->setRange(0, int(std::max<qint64>(total, 1)));
        m_progressBar->setValue(int(std::min(done, total)));
        m_lastProgressMessage = message;
        showStatus(message);
    });
    connect(jobs, &JobQueue::jobEnded, this, [this] {
        // A job's own message (set by its callback) stays; a finished job's last progress line does not.
        if (statusBar()->currentMessage() == elided(m_lastProgressMessage, kShownMessageChars))
            statusBar()->clearMessage();
        m_lastProgressMessage.clear();
    });
    connect(jobs, &JobQueue::jobsChanged, this, &MainWindow::showJobQueue);

    connect(m_catalogView, &CatalogView::itemActivated, this, [this](qint64 itemId) {
        if (m_tabs->currentWidget() == m_catalogView)
            m_itemPanel->showItem(itemId);
    });
    // The item panel shows what the visible view is about: while reviewing, the item under review.
    connect(m_review, &ReviewWidget::currentItemChanged, this, [this](qint64 itemId) {
        if (m_tabs->currentWidget() == m_review)
            m_itemPanel->showItem(itemId);
    });
    connect(m_checkLabels, &CheckLabelsWidget::currentItemChanged, this, [this](qint64 itemId) {
        if (m_tabs->currentWidget() == m_checkLabels && itemId > 0)
            m_itemPanel->showItem(itemId);
    });
    connect(m_checkLabels, &CheckLabelsWidget::openItemRequested, this, &MainWindow::showItem);
    connect(m_checkLabels, &CheckLabelsWidget::problemsFound, this, &MainWindow::reportProblems);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_review)
            m_itemPanel->showItem(m_review->currentItemId());
        else if (m_tabs->currentWidget() == m_checkLabels) {
            m_checkLabels->table()->setFocus(); // its keys (C, T, S) work at once
            if (m_checkLabels->currentItemId() > 0)
                m_itemPanel->showItem(m_checkLabels->currentItemId());
        }
        else if (m_tabs->currentWidget() == m_catalogView && m_catalogView->currentItemId() > 0)
            m_itemPanel->showItem(m_catalogView->currentItemId());
    });
    connect(m_review, &ReviewWidget::openItemRequested, this, &MainWindow::showItem);
    connect(m_dashboard, &DashboardWidget::openItemRequested, this, &MainWindow::showItem);
    // A near-duplicate stays in view beside its group: the item panel shows it without leaving the tab.
    connect(m_nearDuplicates, &NearDuplicatesView::openItemRequested, this, [this](qint64 itemId) {
        m_itemDock->show();
        m_itemPanel->showItem(itemId);
    });
    connect(m_session, &CatalogSession::opened, this, &MainWindow::onCatalogOpened);
    connect(m_session, &CatalogSession::openFailed, this, &MainWindow::onCatalogOpenFailed);
    connect(m_session, &CatalogSession::migrationProgress, this, &MainWindow::showMigrationProgress);
    // A decision changes one row and moves one item between two counts.
    connect(m_session, &CatalogSession::itemChanged, m_itemModel, &CatalogItemModel::refreshItem);
    connect(m_session, &CatalogSession::itemStatusChanged, this,
            [this](qint64, ItemStatus before, ItemStatus after) { countStatusChange(before, after); });
    connect(m_session, &CatalogSession::itemsAdded, this, &MainWindow::refreshAfterChange);
    connect(m_session, &CatalogSession::catalogChanged, this, &MainWindow::refreshAfterChange);
    connect(m_session, &CatalogSession::modelsChanged, this, &MainWindow::refreshAfterChange);
    connect(m_session, &CatalogSession::errorOccurred, this, [this](const QString &message) { showStatus(message, 10000); });
    connect(m_session->undoStack(), &QUndoStack::indexChanged, this, [this] {
        if (!m_session->undoStack()->undoText().isEmpty())
            showStatus(tr("Done: %1 (Ctrl+Z undoes)").arg(m_session->undoStack()->undoText()), 4000);
    });

    buildMenus();
    buildDesktopMenusAndToolBar();
    // The first start fits the screen, status bar included; later starts restore the curator's geometry.
    const QSize available = QGuiApplication::primaryScreen() ? QGuiApplication::primaryScreen()->availableGeometry().size()
                                                             : QSize(1360, 860);
    resize(QSize(1360, 860).boundedTo(available));
    restoreSettings();
    applyPreferences();
    updateTitleAndCounts();
}

MainWindow::~MainWindow()
{
    // Stop the jobs before the views and the catalog they may be feeding go away.
    m_session->jobs()->shutdown();
    m_itemModel->setCatalog(nullptr);
    m_session->close();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New Catalog…"), QKeySequence::New, this, &MainWindow::chooseAndCreateCatalog);
    file->addAction(tr("&Open Catalog…"), QKeySequence::Open, this, &MainWindow::chooseAndOpenCatalog);
    m_connectSharedCatalogAction = file->addAction(tr("&Connect to Shared Catalog…"), this, [this] { openSharedCatalogDialog(); });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("Open &Demo Catalog"), this, &MainWindow::openDemo);
    file->addSeparator();
    m_importFilesAction = file->addAction(tr("&Import Files…"), QKeySequence(Qt::CTRL | Qt::Key_I), this,
                                          [this] { chooseAndImport(false); });
    m_importFolderAction = file->addAction(tr("Import &Folder…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I), this,
                                           [this] { chooseAndImport(true); });
    file->addAction(tr("Import from &The Met…"), this, &MainWindow::openMetImportDialog);
    file->addAction(tr("Import &Labelled…"), this, &MainWindow::openImportLabelledDialog);
    file->addAction(tr("&Export…"), this, &MainWindow::openExportDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *undo = m_session->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    undo->setShortcutContext(Qt::ApplicationShortcut);
    QAction *redo = m_session->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addAction(tr("&Departments…"), this, &MainWindow::openDepartmentsDialog);
    edit->addAction(tr("Shared &Image Folder…"), this, &MainWindow::openImageFolderDialog);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Catalog"), QKeySequence(Qt::CTRL | Qt::Key_1), this, &MainWindow::showCatalog);
    view->addAction(tr("&Review Queue"), QKeySequence(Qt::CTRL | Qt::Key_2), this, &MainWindow::showReview);
    view->addAction(tr("&Model Dashboard"), QKeySequence(Qt::CTRL | Qt::Key_3), this, &MainWindow::showDashboard);
    view->addAction(tr("C&heck Labels"), QKeySequence(Qt::CTRL | Qt::Key_5), this, &MainWindow::showCheckLabels);
    view->addAction(tr("Near-&Duplicates"), QKeySequence(Qt::CTRL | Qt::Key_6), this, &MainWindow::showNearDuplicates);
    view->addSeparator();
    view->addAction(tr("Thumbnail &Grid"), this, [this] { m_catalogView->showGrid(true); });
    view->addAction(tr("Detail &List"), this, [this] { m_catalogView->showGrid(false); });

    QMenu *model = menuBar()->addMenu(tr("&Model"));
    m_trainAction = model->addAction(tr("&Train or Retrain…"), QKeySequence(Qt::CTRL | Qt::Key_T), this,
                                     &MainWindow::openRetrainDialog);
    m_classifyAction = model->addAction(tr("&Classify Unclassified Items"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K),
                                        this, &MainWindow::classifyUnclassified);
    m_checkLabelsAction = model->addAction(tr("Check &Labels…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L), this,
                                           &MainWindow::checkLabels);
    m_checkLabelsAction->setToolTip(tr("List the labelled items whose department is probably wrong, to confirm or correct"));
    model->addAction(tr("&Add Model File…"), this, &MainWindow::chooseAndAddModelFile);
    model->addAction(tr("Add &Pretrained Weights…"), this, &MainWindow::chooseAndAddPretrainedWeights);
    refreshRecentMenu();
}

// The desktop's furniture (toolbar, panels, Help, Preferences), kept apart from the menus of the curator's work.
void MainWindow::buildDesktopMenusAndToolBar()
{
    m_toolBar = addToolBar(tr("Main"));
    m_toolBar->setObjectName(QStringLiteral("mainToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_toolBar->setMovable(false);
    m_importFilesAction->setToolTip(tr("Import photographs (Ctrl+I); they are classified at once when a model is active"));
    m_trainAction->setToolTip(tr("Train a model on the labelled photographs, or retrain it (Ctrl+T)"));
    m_classifyAction->setToolTip(tr("Classify the items no model has seen yet (Ctrl+Shift+K)"));
    m_toolBar->addAction(m_importFilesAction);
    m_toolBar->addAction(m_importFolderAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_trainAction);
    m_toolBar->addAction(m_classifyAction);

    const QList<QAction *> menus = menuBar()->actions();
    const auto menuNamed = [&menus](const QString &title) -> QMenu * {
        for (QAction *action : menus) {
            if (action->menu() && action->text() == title)
                return action->menu();
        }
        return nullptr;
    };
    if (QMenu *edit = menuNamed(tr("&Edit"))) {
        edit->addSeparator();
        QAction *preferences = edit->addAction(tr("&Preferences…"), this, [this] { openPreferences(); });
        preferences->setShortcut(QKeySequence::Preferences);
        preferences->setMenuRole(QAction::PreferencesRole);
    }
    if (QMenu *view = menuNamed(tr("&View"))) {
        view->addSeparator();
        // A closed panel comes back from here (the Problems panel was lost once closed).
        QAction *problems = m_problemsDock->toggleViewAction();
        problems->setText(tr("&Problems Panel"));
        problems->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_4));
        view->addAction(problems);
        QAction *item = m_itemDock->toggleViewAction();
        item->setText(tr("&Item Panel"));
        view->addAction(item);
        QAction *toolBar = m_toolBar->toggleViewAction();
        toolBar->setText(tr("&Toolbar"));
        view->addAction(toolBar);
    }
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&User Guide"), QKeySequence::HelpContents, this, [this] { showUserGuide(); });
    QAction *about = help->addAction(tr("&About Accession"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
}

QAction *MainWindow::showProblemsAction() const
{
    return m_problemsDock->toggleViewAction();
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About Accession"),
                       tr("<h3>Accession %1</h3>"
                          "<p>Sorts photographs of incoming works into museum departments: it learns from the photographs "
                          "already filed, files the ones it is sure of and queues the others for a curator's review.</p>"
                          "<p>Built with Qt %2, LibTorch, OpenCV and SQLite.</p>")
                           .arg(QApplication::applicationVersion().toHtmlEscaped(), QString::fromLatin1(qVersion())));
}

QDialog *MainWindow::showUserGuide()
{
    auto *guide = new UserGuideDialog(this);
    guide->setAttribute(Qt::WA_DeleteOnClose);
    guide->show();
    return guide;
}

PreferencesDialog *MainWindow::openPreferences()
{
    auto *dialog = new PreferencesDialog(Preferences::load(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        dialog->preferences().save();
        applyPreferences();
    });
    dialog->show();
    return dialog;
}

void MainWindow::applyPreferences()
{
    const Preferences preferences = Preferences::load();
    m_catalogView->setThumbnailSize(preferences.thumbnailSize);
    AppearanceManager::instance().apply(preferences.appearance);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kGridModeKey, m_catalogView->isGrid());
    settings.beginGroup(kSplittersGroup);
    for (const QSplitter *splitter : findChildren<QSplitter *>()) {
        if (!splitter->objectName().isEmpty())
            settings.setValue(splitter->objectName(), splitter->saveState());
    }
    settings.endGroup();
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    if (settings.contains(kGeometryKey))
        restoreGeometry(settings.value(kGeometryKey).toByteArray());
    if (settings.contains(kStateKey))
        restoreState(settings.value(kStateKey).toByteArray());
    m_catalogView->showGrid(settings.value(kGridModeKey, true).toBool());
    settings.beginGroup(kSplittersGroup);
    for (QSplitter *splitter : findChildren<QSplitter *>()) {
        if (!splitter->objectName().isEmpty() && settings.contains(splitter->objectName()))
            splitter->restoreState(settings.value(splitter->objectName()).toByteArray());
    }
    settings.endGroup();
}

bool MainWindow::openLastCatalog()
{
    const QString path = QSettings().value(kLastCatalogKey).toString();
    // A shared catalog is tried as it stands: a server that is down says so in the status bar, soon, and the
    // catalog thread waits for it, not the window.
    if (path.isEmpty() || (!CatalogLocation::isPostgresUrl(path) && !QFileInfo::exists(path)))
        return false;
    openCatalog(path);
    return true;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::openCatalog(const QString &path)
{
    m_itemModel->setCatalog(nullptr);
    m_statusCounts.reset();
    m_session->open(path); // catalogOpened or catalogOpenFailed follows; nothing here waits for it
    updateTitleAndCounts();
}

void MainWindow::onCatalogOpened()
{
    const QString path = m_session->path();
    m_itemModel->setCatalog(m_session->worker());
    m_noticeLabel->clear();
    m_noticeLabel->hide();
    m_session->worker()->read(
        this, [](Catalog &catalog) { return catalog.setting(QStringLiteral("demo_notice")); },
        [this, path](const QString &setting) {
            if (m_session->path() != path)
                return; // another catalog was opened meanwhile
            const QString notice = elided(setting, kShownMessageChars);
            m_noticeLabel->setText(notice);
            m_noticeLabel->setVisible(!notice.isEmpty());
        });
    rememberRecent(path);
    QSettings().setValue(kLastCatalogKey, path);
    if (!isJobRunning())
        m_progressBar->hide();
    statusBar()->clearMessage();
    updateTitleAndCounts();
    Q_EMIT catalogOpened(path);
    if (m_announceDemoWhenOpened) {
        m_announceDemoWhenOpened = false;
        statusBar()->showMessage(tr("The demo catalog is ready."));
        Q_EMIT demoReady();
    }
}

void MainWindow::onCatalogOpenFailed(const QString &path, const QString &message)
{
    m_announceDemoWhenOpened = false;
    if (!isJobRunning())
        m_progressBar->hide();
    showStatus(message);
    updateTitleAndCounts();
    // A shared catalog opened from the recent list or the last session that needs a password: the dialog asks for it.
    if (!m_sharedCatalogDialog && CatalogLocation::isPostgresUrl(path) && SessionPasswords::isPasswordRefusal(message)) {
        if (SharedCatalogDialog *dialog = openSharedCatalogDialog(path))
            dialog->showFailure(path, message);
    }
    Q_EMIT catalogOpenFailed(path, message);
}

void MainWindow::showMigrationProgress(int stepsDone, int stepsTotal, const QString &step)
{
    const QString updating = tr("Updating the catalog for this version of Accession");
    if (step.isEmpty()) {
        // The end: of the schema steps (opened follows), or of the index builds that ran after it.
        if (m_session->isOpen()) {
            if (!isJobRunning())
                m_progressBar->hide();
            if (statusBar()->currentMessage().startsWith(updating))
                statusBar()->clearMessage();
        }
        return;
    }
    showStatus(tr("%1, step %2 of %3: %4").arg(updating).arg(stepsDone + 1).arg(stepsTotal).arg(step));
    if (!isJobRunning()) {
        m_progressBar->setRange(0, stepsTotal);
        m_progressBar->setValue(stepsDone);
        m_progressBar->show();
    }
}

void MainWindow::openDemo()
{
    const QString dir = DemoCatalogJob::defaultDir();
    if (DemoCatalogJob::isBuilt(dir)) {
        m_announceDemoWhenOpened = true;
        openCatalog(DemoCatalogJob::catalogPathIn(dir));
        return;
    }
    m_pendingDemoCatalog = DemoCatalogJob::catalogPathIn(dir);
    m_noticeLabel->setText(tr("Building the demo: generated images (not real artworks) in a few departments, and a model "
                              "trained on them. This takes a minute or two the first time."));
    m_noticeLabel->show();
    submitJob(std::make_unique<DemoCatalogJob>(dir), tr("Building the demo catalog"), [this](DemoCatalogJob &, const JobOutcome &outcome) {
        const QString path = m_pendingDemoCatalog;
        m_pendingDemoCatalog.clear();
        if (outcome.isFinished() && !path.isEmpty()) {
            m_announceDemoWhenOpened = true; // demoReady once it is open
            openCatalog(path);
        } else {
            refreshAfterJob();
        }
    });
}

QString MainWindow::catalogPath() const
{
    return m_session->path();
}

bool MainWindow::isJobRunning() const
{
    return m_session->jobs()->isBusy();
}

void MainWindow::showItem(qint64 itemId)
{
    m_tabs->setCurrentWidget(m_catalogView);
    m_itemPanel->showItem(itemId);
    m_catalogView->selectItem(itemId);
}

void MainWindow::showCatalog()
{
    m_tabs->setCurrentWidget(m_catalogView);
}

void MainWindow::showReview()
{
    m_tabs->setCurrentWidget(m_review);
    m_review->setFocus();
}

void MainWindow::showDashboard()
{
    m_tabs->setCurrentWidget(m_dashboard);
}

void MainWindow::showCheckLabels()
{
    m_tabs->setCurrentWidget(m_checkLabels);
    m_checkLabels->table()->setFocus();
}

void MainWindow::checkLabels()
{
    if (!m_session->isOpen()) {
        statusBar()->showMessage(tr("Open a catalog first."));
        return;
    }
    showCheckLabels();
    m_checkLabels->startCheck();
}

void MainWindow::showNearDuplicates()
{
    m_tabs->setCurrentWidget(m_nearDuplicates);
}

void MainWindow::chooseAndOpenCatalog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Catalog"), QString(),
                                                      tr("Accession catalogs (*.accession *.db);;All files (*)"));
    if (!path.isEmpty())
        openCatalog(path);
}

SharedCatalogDialog *MainWindow::openSharedCatalogDialog(const QString &url)
{
    if (!m_sharedCatalogDialog) {
        auto *dialog = new SharedCatalogDialog(m_session, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &SharedCatalogDialog::connectRequested, this, &MainWindow::openCatalog);
        // Cancelled while connecting: the session dropped the attempt, and the title says so.
        connect(dialog, &QDialog::rejected, this, &MainWindow::updateTitleAndCounts);
        m_sharedCatalogDialog = dialog;
    }
    if (!url.isEmpty())
        m_sharedCatalogDialog->setUrl(url);
    m_sharedCatalogDialog->show();
    m_sharedCatalogDialog->raise();
    m_sharedCatalogDialog->activateWindow();
    return m_sharedCatalogDialog;
}

void MainWindow::chooseAndCreateCatalog()
{
    // .accession is the catalogs' own type (application/x-accession-catalog), which the desktop opens with Accession;
    // .db stays accepted for catalogs made before it.
    QString path = QFileDialog::getSaveFileName(this, tr("New Catalog"), QStringLiteral("catalog.accession"),
                                                tr("Accession catalogs (*.accession *.db)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".accession");
    openCatalog(path);
}

void MainWindow::chooseAndImport(bool folders)
{
    QStringList paths;
    if (folders) {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Import Folder"));
        if (!dir.isEmpty())
            paths << dir;
    } else {
        paths = QFileDialog::getOpenFileNames(this, tr("Import Files"), QString(),
                                              tr("Images (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;All files (*)"));
    }
    if (!paths.isEmpty())
        importAndClassify(paths);
}

void MainWindow::importAndClassify(const QStringList &paths)
{
    if (!m_session->isOpen()) {
        statusBar()->showMessage(tr("Open or create a catalog first."));
        return;
    }
    // Classified on the way in when there is a model to classify with.
    const QString path = m_session->path();
    m_session->worker()->read(
        this, [](Catalog &catalog) { return ModelRegistry(catalog).activeModel().has_value(); },
        [this, path, paths](bool hasActiveModel) {
            if (m_session->path() != path)
                return;
            if (hasActiveModel) {
                ClassifyRequest request;
                request.catalogPath = path;
                request.paths = paths;
                submitClassify(request, plural(paths.size(), tr("Importing and classifying %1 item"),
                                               tr("Importing and classifying %1 items")));
                return;
            }
            ImportRequest request;
            request.source = ImportRequest::Source::Unlabelled;
            request.paths = paths;
            submitImport(request, plural(paths.size(), tr("Importing %1 item"), tr("Importing %1 items")));
        },
        [this](const QString &message) { showStatus(message); });
}

void MainWindow::submitClassify(const ClassifyRequest &request, const QString &description)
{
    submitJob(std::make_unique<ClassifyJob>(request), description, [this](ClassifyJob &job, const JobOutcome &outcome) {
        const ClassifySummary summary = job.summary();
        reportProblems(summary.failures);
        if (outcome.isFinished())
            statusBar()->showMessage(tr("Classified %1: %2 filed automatically, %3 to review (%4 unlike any department's "
                                        "photographs), %5 failed")
                                         .arg(summary.classified).arg(summary.autoFiled).arg(summary.toReview)
                                         .arg(summary.outOfScope).arg(summary.failures.size()));
        refreshAfterJob();
    });
}

void MainWindow::submitImport(const ImportRequest &request, const QString &description)
{
    const QString source = request.source == ImportRequest::Source::Csv ? request.csvPath : request.foldersDir;
    submitJob(std::make_unique<ImportJob>(m_session->path(), request), description, [this, source](ImportJob &job, const JobOutcome &outcome) {
        const ImportSummary summary = job.summary();
        // What the import put right and the curator should know (a CSV read as Windows-1252, a column named
        // twice) is listed with the problems, as the command line prints it.
        QVector<Problem> notes;
        for (const QString &warning : summary.warnings)
            notes.push_back({source, warning});
        reportProblems(notes);
        reportProblems(summary.failures);
        if (outcome.isFinished())
            statusBar()->showMessage(tr("Imported %1, %2 already in the catalog, %3 failed")
                                         .arg(summary.imported).arg(summary.duplicates).arg(summary.failures.size()));
        refreshAfterJob();
    });
}

void MainWindow::classifyUnclassified()
{
    if (!m_session->isOpen())
        return;
    const QString path = m_session->path();
    m_session->worker()->read(
        this, [](Catalog &catalog) { return ModelRegistry(catalog).activeModel().has_value(); },
        [this, path](bool hasActiveModel) {
            if (m_session->path() != path)
                return;
            if (!hasActiveModel) {
                statusBar()->showMessage(tr("No active model: train one first (Model ▸ Train or Retrain)."));
                return;
            }
            ClassifyRequest request;
            request.catalogPath = path;
            submitClassify(request, tr("Classifying"));
        },
        [this](const QString &message) { showStatus(message); });
}

void MainWindow::openRetrainDialog()
{
    if (!m_session->isOpen()) {
        statusBar()->showMessage(tr("Open or create a catalog first."));
        return;
    }
    auto *dialog = new RetrainDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RetrainDialog::trainingStarted, m_dashboard, &DashboardWidget::beginLiveTraining);
    connect(dialog, &RetrainDialog::epochFinished, m_dashboard, &DashboardWidget::appendEpoch);
    dialog->show();
}

void MainWindow::openDepartmentsDialog()
{
    if (!m_session->isOpen())
        return;
    auto *dialog = new DepartmentsDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

ImageFolderDialog *MainWindow::openImageFolderDialog()
{
    if (!m_session->isOpen()) {
        statusBar()->showMessage(tr("Open or create a catalog first: the shared image folder is one of its settings."));
        return nullptr;
    }
    auto *dialog = new ImageFolderDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

MetImportDialog *MainWindow::openMetImportDialog()
{
    if (!m_session->isOpen()) {
        statusBar()->showMessage(tr("Open or create a catalog first: the Met's objects are imported into it."));
        return nullptr;
    }
    auto *dialog = new MetImportDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &MetImportDialog::problemsFound, this, &MainWindow::reportProblems);
    connect(dialog, &MetImportDialog::importEnded, this, [this] {
        statusBar()->showMessage(tr("Import from The Met ended; see the dialog for the figures."));
    });
    dialog->show();
    return dialog;
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QStringList paths = droppedLocalPaths(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    if (paths.size() == 1 && isCatalogFileName(paths.first()) && QFileInfo(paths.first()).isFile())
        openCatalog(paths.first());
    else
        importAndClassify(paths);
}

template <typename ConcreteJob, typename OnEnded>
void MainWindow::submitJob(std::unique_ptr<ConcreteJob> job, const QString &description, OnEnded onEnded)
{
    JobQueue *jobs = m_session->jobs();
    if (jobs->isBusy())
        showStatus(tr("Waiting for the running job: %1").arg(description));
    m_progressBar->show();
    m_cancelButton->show();
    jobs->submit(std::move(job), description, this, [this, onEnded](ConcreteJob &ended, const JobOutcome &outcome) mutable {
        reportJobOutcome(outcome);
        onEnded(ended, outcome);
        Q_EMIT jobEnded(outcome.isFinished());
    });
}

void MainWindow::reportJobOutcome(const JobOutcome &outcome)
{
    if (outcome.isFailed()) {
        showStatus(tr("Failed: %1").arg(outcome.error()));
        reportProblems({{QString(), outcome.error()}});
    } else if (outcome.isCancelled()) {
        statusBar()->showMessage(tr("Cancelled; everything finished before the cancel is kept."));
    }
}

void MainWindow::refreshAfterJob()
{
    if (!m_session->isOpen())
        return;
    m_session->notifyCatalogChanged();
    m_session->notifyModelsChanged();
}

void MainWindow::showJobQueue()
{
    const JobQueue *jobs = m_session->jobs();
    const bool busy = jobs->isBusy();
    m_progressBar->setVisible(busy);
    m_cancelButton->setVisible(busy);
    const int waiting = jobs->waitingCount();
    m_waitingLabel->setVisible(waiting > 0);
    m_waitingLabel->setText(tr("%1 waiting").arg(waiting));
    QStringList lines;
    for (const QueuedJob &job : jobs->jobs())
        lines << (job.running ? tr("Running: %1") : tr("Waiting: %1")).arg(elided(job.description, kShownMessageChars));
    m_waitingLabel->setToolTip(plainToolTip(lines.join(QLatin1Char('\n'))));
}

void MainWindow::showStatus(const QString &message, int timeoutMs)
{
    statusBar()->showMessage(elided(message, kShownMessageChars), timeoutMs);
}

void MainWindow::reportProblems(const QVector<Problem> &problems)
{
    if (problems.isEmpty())
        return;
    const QString now = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"));
    for (const Problem &problem : problems) {
        const int row = m_problems->rowCount();
        m_problems->insertRow(row);
        // Plain cells, elided; the tooltip holds more of a long path or reason.
        m_problems->setItem(row, 0, new QTableWidgetItem(now));
        auto *path = new QTableWidgetItem(elided(problem.path, kShownMessageChars));
        path->setToolTip(plainToolTip(problem.path));
        m_problems->setItem(row, 1, path);
        auto *reason = new QTableWidgetItem(elided(problem.reason, kShownMessageChars));
        reason->setToolTip(plainToolTip(problem.reason));
        m_problems->setItem(row, 2, reason);
    }
    m_problemsDock->show();
}

void MainWindow::refreshAfterChange()
{
    m_itemModel->reload();
    m_statusCounts.reset();
    updateTitleAndCounts();
}

void MainWindow::countStatusChange(ItemStatus before, ItemStatus after)
{
    if (!m_statusCounts || before == after)
        return; // a full count is on its way, or nothing moved
    --(*m_statusCounts)[before];
    ++(*m_statusCounts)[after];
    showCounts();
}

void MainWindow::rememberRecent(const QString &path)
{
    QSettings settings;
    QStringList recent = settings.value(kRecentKey).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(kRecentKey, recent);
    refreshRecentMenu();
}

void MainWindow::refreshRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(kRecentKey).toStringList();
    for (const QString &path : recent)
        m_recentMenu->addAction(elided(path, kShownMessageChars).replace(QLatin1Char('&'), QStringLiteral("&&")), this,
                                [this, path] { openCatalog(path); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::updateTitleAndCounts()
{
    if (m_session->isOpening()) {
        setWindowTitle(tr("%1 — Accession").arg(catalogTitle(m_session->path())));
        m_countLabel->setText(tr("Opening…"));
        return;
    }
    if (!m_session->isOpen()) {
        setWindowTitle(tr("Accession"));
        m_countLabel->setText(tr("No catalog open"));
        m_startPage->hide();
        m_tabs->show();
        return;
    }
    setWindowTitle(tr("%1 — Accession").arg(catalogTitle(m_session->path())));
    if (m_statusCounts) {
        showCounts();
        return;
    }
    // Counted once on the catalog thread (a scan of every item), then kept by each decision's change of status.
    const quint64 generation = ++m_countsGeneration;
    m_session->worker()->read(
        this, [](Catalog &catalog) { return ReviewStore(catalog).statusCounts(); },
        [this, generation](const QHash<ItemStatus, qint64> &counts) {
            if (generation != m_countsGeneration)
                return;
            m_statusCounts = counts;
            showCounts();
        },
        [this](const QString &message) { showStatus(message, 10000); });
}

void MainWindow::showCounts()
{
    const QHash<ItemStatus, qint64> &counts = *m_statusCounts;
    qint64 total = 0;
    for (qint64 count : counts)
        total += count;
    const bool empty = total == 0;
    m_startPage->setVisible(empty);
    m_tabs->setVisible(!empty);
    m_countLabel->setText(tr("%1 · %2 to review · %3 auto-filed · %4 confirmed")
                              .arg(plural(total, tr("%1 item"), tr("%1 items"))).arg(counts.value(ItemStatus::NeedsReview))
                              .arg(counts.value(ItemStatus::AutoFiled)).arg(counts.value(ItemStatus::Confirmed)));
}

void MainWindow::buildStartPage()
{
    m_startPage = new StartPage(this);
    m_startPage->hide();
    connect(m_startPage, &StartPage::importLabelledRequested, this, &MainWindow::openImportLabelledDialog);
    connect(m_startPage, &StartPage::addModelRequested, this, &MainWindow::chooseAndAddModelFile);
    connect(m_startPage, &StartPage::addWeightsRequested, this, &MainWindow::chooseAndAddPretrainedWeights);
    connect(m_startPage, &StartPage::importUnlabelledRequested, this, [this] { chooseAndImport(true); });
    connect(m_startPage, &StartPage::unlabelledDropped, this, &MainWindow::importAndClassify);
    connect(m_startPage, &StartPage::catalogDropped, this, &MainWindow::openCatalog);
    connect(m_startPage, &StartPage::departmentFoldersDropped, this, [this](const QString &dir) {
        ImportRequest request;
        request.source = ImportRequest::Source::DepartmentFolders;
        request.foldersDir = dir;
        importLabelled(request);
    });
    connect(m_startPage, &StartPage::csvDropped, this, [this](const QString &csvPath) {
        if (ImportLabelledDialog *dialog = openImportLabelledDialog())
            dialog->chooseCsv(csvPath);
    });
}

ImportLabelledDialog *MainWindow::openImportLabelledDialog()
{
    if (!m_session->isOpen()) {
        statusBar()->showMessage(tr("Open or create a catalog first."));
        return nullptr;
    }
    auto *dialog = new ImportLabelledDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { importLabelled(dialog->request()); });
    dialog->open();
    return dialog;
}

void MainWindow::importLabelled(const ImportRequest &request)
{
    if (!m_session->isOpen())
        return;
    const QString source = request.source == ImportRequest::Source::Csv ? request.csvPath : request.foldersDir;
    submitImport(request, tr("Importing labelled photographs from %1").arg(source));
}

ExportDialog *MainWindow::openExportDialog()
{
    if (!m_session->isOpen()) {
        statusBar()->showMessage(tr("Open a catalog first."));
        return nullptr;
    }
    auto *dialog = new ExportDialog(m_session->path(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { exportCatalog(dialog->request()); });
    dialog->open();
    return dialog;
}

void MainWindow::exportCatalog(const ExportRequest &request)
{
    submitJob(std::make_unique<ExportJob>(request), tr("Exporting to %1").arg(request.outPath), [this](ExportJob &job, const JobOutcome &outcome) {
        const ExportSummary summary = job.summary();
        reportProblems(summary.failures);
        if (outcome.isFinished())
            showStatus(tr("Exported %1 to %2, %3 failed").arg(summary.written).arg(job.request().outPath).arg(summary.failures.size()));
        refreshAfterJob();
    });
}

void MainWindow::chooseAndAddModelFile()
{
    if (!m_session->isOpen()) {
        statusBar()->showMessage(tr("Open or create a catalog first."));
        return;
    }
    const QString path = QFileDialog::getOpenFileName(this, tr("Add Model File"), QString(),
                                                      tr("Accession models (*.safetensors *.pt *.pth);;All files (*)"));
    if (!path.isEmpty())
        addModelFile(path);
}

void MainWindow::addModelFile(const QString &modelPath)
{
    if (!m_session->isOpen())
        return;
    submitJob(std::make_unique<AddModelJob>(m_session->path(), modelPath), tr("Checking and adding the model %1").arg(modelPath),
              [this](AddModelJob &job, const JobOutcome &outcome) {
                  if (outcome.isFinished())
                      showStatus(tr("The model %1 is active. Model ▸ Classify Unclassified Items files the catalog with it.")
                                     .arg(QFileInfo(job.modelPath()).fileName()));
                  refreshAfterJob();
              });
}

void MainWindow::chooseAndAddPretrainedWeights()
{
    if (!m_session->isOpen()) {
        statusBar()->showMessage(tr("Open or create a catalog first."));
        return;
    }
    const QString path = QFileDialog::getOpenFileName(this, tr("Add Pretrained Weights"), QString(),
                                                      tr("Backbone weights (*.safetensors *.pth *.pt);;All files (*)"));
    if (!path.isEmpty())
        addPretrainedWeights(path);
}

void MainWindow::addPretrainedWeights(const QString &weightsPath)
{
    if (!m_session->isOpen())
        return;
    submitJob(std::make_unique<AddWeightsJob>(m_session->path(), weightsPath), tr("Checking the weights %1").arg(weightsPath),
              [this](AddWeightsJob &job, const JobOutcome &outcome) {
                  if (outcome.isFinished())
                      showStatus(tr("Added %1 weights %2: the Train dialog's Quick and Best presets start from them.")
                                     .arg(job.added().architecture, QFileInfo(job.weightsPath()).fileName()));
                  refreshAfterJob();
              });
}

} // namespace accession
