#include "mainwindow.h"

#include "catalogitemmodel.h"

#include "catalog/catalog.h"
#include "demo/democatalogjob.h"
#include "ingest/importjob.h"
#include "jobs/jobrunner.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

namespace accession {

namespace {
const QString kRecentKey = QStringLiteral("recentCatalogs");
constexpr int kMaxRecent = 8;
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_itemModel(new CatalogItemModel(this))
    , m_jobRunner(new JobRunner(this))
{
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    m_noticeLabel = new QLabel(central);
    m_noticeLabel->setWordWrap(true);
    m_noticeLabel->setStyleSheet(QStringLiteral("QLabel { background: #fff4ce; padding: 6px; }"));
    m_noticeLabel->hide();
    layout->addWidget(m_noticeLabel);
    m_itemView = new QTableView(central);
    m_itemView->setModel(m_itemModel);
    m_itemView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_itemView->setIconSize(QSize(48, 48));
    m_itemView->verticalHeader()->setDefaultSectionSize(52);
    m_itemView->verticalHeader()->hide();
    m_itemView->horizontalHeader()->setStretchLastSection(true);
    m_itemView->setColumnWidth(CatalogItemModel::FileColumn, 260);
    m_itemView->setColumnWidth(CatalogItemModel::DepartmentColumn, 200);
    layout->addWidget(m_itemView);
    setCentralWidget(central);

    m_countLabel = new QLabel(this);
    m_progressBar = new QProgressBar(this);
    m_progressBar->setMaximumWidth(240);
    m_progressBar->hide();
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->hide();
    statusBar()->addPermanentWidget(m_countLabel);
    statusBar()->addPermanentWidget(m_progressBar);
    statusBar()->addPermanentWidget(m_cancelButton);
    connect(m_cancelButton, &QPushButton::clicked, m_jobRunner, &JobRunner::cancel);
    connect(m_jobRunner, &JobRunner::jobEnded, this, &MainWindow::onJobEnded);

    buildMenus();
    resize(1100, 720);
    updateTitleAndCounts();
}

MainWindow::~MainWindow()
{
    // Stop the job before the model and catalog it may be feeding go away.
    delete m_jobRunner;
    m_jobRunner = nullptr;
    m_itemModel->setCatalog(nullptr);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New Catalog..."), QKeySequence::New, this, &MainWindow::chooseAndCreateCatalog);
    file->addAction(tr("&Open Catalog..."), QKeySequence::Open, this, &MainWindow::chooseAndOpenCatalog);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("Open &Demo Catalog"), this, &MainWindow::openDemo);
    file->addSeparator();
    file->addAction(tr("&Import Folder..."), this, &MainWindow::chooseAndImportFolder);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);
    refreshRecentMenu();
}

bool MainWindow::openCatalog(const QString &path)
{
    try {
        auto catalog = std::make_unique<Catalog>(path, Catalog::OpenMode::CreateIfMissing);
        m_itemModel->setCatalog(nullptr);
        m_catalog = std::move(catalog);
        m_itemModel->setCatalog(m_catalog.get());
        const QString notice = m_catalog->setting(QStringLiteral("demo_notice"));
        m_noticeLabel->setText(notice);
        m_noticeLabel->setVisible(!notice.isEmpty());
        rememberRecent(m_catalog->path());
        updateTitleAndCounts();
        return true;
    } catch (const CatalogError &error) {
        statusBar()->showMessage(QString::fromUtf8(error.what()));
        return false;
    }
}

void MainWindow::openDemo()
{
    const QString dir = DemoCatalogJob::defaultDir();
    if (DemoCatalogJob::isBuilt(dir)) {
        openCatalog(DemoCatalogJob::catalogPathIn(dir));
        return;
    }
    m_pendingDemoCatalog = DemoCatalogJob::catalogPathIn(dir);
    startJob(std::make_unique<DemoCatalogJob>(dir), tr("Building the demo catalog"));
}

QString MainWindow::catalogPath() const
{
    return m_catalog ? m_catalog->path() : QString();
}

bool MainWindow::isJobRunning() const
{
    return m_jobRunner && m_jobRunner->isRunning();
}

void MainWindow::chooseAndOpenCatalog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Catalog"), QString(),
                                                      tr("Accession catalogs (*.db *.accession);;All files (*)"));
    if (!path.isEmpty())
        openCatalog(path);
}

void MainWindow::chooseAndCreateCatalog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("New Catalog"), QStringLiteral("catalog.db"),
                                                      tr("Accession catalogs (*.db *.accession)"));
    if (!path.isEmpty())
        openCatalog(path);
}

void MainWindow::chooseAndImportFolder()
{
    if (!m_catalog) {
        statusBar()->showMessage(tr("Open or create a catalog first."));
        return;
    }
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Import Folder"));
    if (dir.isEmpty())
        return;
    ImportRequest request;
    request.source = ImportRequest::Source::Unlabelled;
    request.paths = {dir};
    startJob(std::make_unique<ImportJob>(m_catalog->path(), request), tr("Importing %1").arg(dir));
}

void MainWindow::startJob(std::unique_ptr<Job> job, const QString &description)
{
    if (m_jobRunner->isRunning()) {
        statusBar()->showMessage(tr("Another job is still running."));
        return;
    }
    connect(job.get(), &Job::progress, this, [this](qint64 done, qint64 total, const QString &message) {
        m_progressBar->setRange(0, int(std::max<qint64>(total, 1)));
        m_progressBar->setValue(int(done));
        statusBar()->showMessage(message);
    });
    connect(job.get(), &Job::failed, this,
            [this](const QString &error) { statusBar()->showMessage(tr("Failed: %1").arg(error)); });
    connect(job.get(), &Job::cancelled, this, [this] { statusBar()->showMessage(tr("Cancelled")); });
    m_progressBar->setRange(0, 0);
    m_progressBar->show();
    m_cancelButton->show();
    statusBar()->showMessage(description);
    m_jobRunner->start(std::move(job));
}

void MainWindow::onJobEnded(Job *job, bool succeeded)
{
    m_progressBar->hide();
    m_cancelButton->hide();
    if (auto *import = qobject_cast<ImportJob *>(job)) {
        const ImportSummary summary = import->summary();
        statusBar()->showMessage(tr("Imported %1, %2 duplicates, %3 failed")
                                     .arg(summary.imported)
                                     .arg(summary.duplicates)
                                     .arg(summary.failures.size()));
    }
    if (qobject_cast<DemoCatalogJob *>(job) && succeeded && !m_pendingDemoCatalog.isEmpty()) {
        openCatalog(m_pendingDemoCatalog);
        m_pendingDemoCatalog.clear();
        return;
    }
    m_itemModel->reload();
    updateTitleAndCounts();
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
        m_recentMenu->addAction(path, this, [this, path] { openCatalog(path); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::updateTitleAndCounts()
{
    if (!m_catalog) {
        setWindowTitle(tr("Accession"));
        m_countLabel->setText(tr("No catalog open"));
        return;
    }
    setWindowTitle(tr("%1 — Accession").arg(QFileInfo(m_catalog->path()).fileName()));
    const CatalogStats stats = m_catalog->stats();
    m_countLabel->setText(tr("%1 items, %2 labelled").arg(stats.items).arg(stats.labelled));
}

} // namespace accession
