#include "screenshottour.h"

#include "catalogitemmodel.h"
#include "catalogview.h"
#include "dashboardmodels.h"
#include "dashboardwidget.h"
#include "itemthumbnailmodel.h"
#include "itempanel.h"
#include "mainwindow.h"
#include "reviewwidget.h"

#include <QApplication>
#include <QDir>
#include <QListView>
#include <QListWidget>
#include <QScreen>
#include <QTableView>
#include <QTimer>

#include <cstdio>

namespace accession {

ScreenshotTour::ScreenshotTour(MainWindow *window, QString directory, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_directory(std::move(directory))
{
}

void ScreenshotTour::start()
{
    QDir().mkpath(m_directory);
    QTimer::singleShot(1500, this, &ScreenshotTour::step);
}

bool ScreenshotTour::capture(const QString &name, bool hasContent, const QString &what)
{
    const QString path = m_directory + QLatin1Char('/') + name + QStringLiteral(".png");
    QScreen *screen = m_window->screen();
    const QPixmap shot = screen ? screen->grabWindow(0) : m_window->grab();
    const bool saved = (shot.isNull() ? m_window->grab() : shot).save(path);
    std::printf("%s: %s%s\n", qPrintable(path), hasContent ? "shows " : "EMPTY: no ", qPrintable(what));
    std::fflush(stdout);
    if (!hasContent || !saved)
        m_problems << name;
    return hasContent;
}

void ScreenshotTour::step()
{
    const int pause = 2500; // let thumbnails, images and charts arrive
    switch (m_step++) {
    case 0:
        m_window->showCatalog();
        m_window->catalogView()->showGrid(true);
        break;
    case 1:
        capture(QStringLiteral("catalog-grid"), m_window->itemModel()->rowCount() > 0, QStringLiteral("items in the grid"));
        m_window->catalogView()->showGrid(false);
        if (m_window->itemModel()->rowCount() > 0)
            m_window->itemPanel()->showItem(m_window->itemModel()->itemIdAt(0));
        break;
    case 2:
        capture(QStringLiteral("catalog-list-with-item"), m_window->itemModel()->rowCount() > 0 && m_window->itemPanel()->historyList()->count() > 0,
                QStringLiteral("rows in the list and an item's history"));
        m_window->showReview();
        break;
    case 3:
        capture(QStringLiteral("review"), m_window->reviewWidget()->currentItemId() > 0, QStringLiteral("an item waiting for review"));
        m_window->showDashboard();
        break;
    case 4:
        capture(QStringLiteral("model-dashboard"), m_window->dashboard()->confusionModel()->rowCount() > 0,
                QStringLiteral("a confusion matrix and metrics"));
        if (m_window->dashboard()->confusionModel()->rowCount() > 0) {
            const QModelIndex cell = m_window->dashboard()->confusionModel()->index(0, 0);
            m_window->dashboard()->confusionView()->setCurrentIndex(cell);
            Q_EMIT m_window->dashboard()->confusionView()->clicked(cell);
        }
        break;
    case 5:
        capture(QStringLiteral("model-dashboard-cell"), m_window->dashboard()->cellItems()->rowCount() > 0,
                QStringLiteral("the items behind a confusion cell"));
        std::printf("%s\n", m_problems.isEmpty() ? "every view has content" : qPrintable(QStringLiteral("empty views: ") + m_problems.join(QStringLiteral(", "))));
        QApplication::exit(m_problems.isEmpty() ? 0 : 1);
        return;
    }
    QTimer::singleShot(m_step == 5 ? 8000 : pause, this, &ScreenshotTour::step);
}

} // namespace accession
