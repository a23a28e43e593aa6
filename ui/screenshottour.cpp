#include "screenshottour.h"

#include "appearance.h"
#include "catalogitemmodel.h"
#include "catalogview.h"
#include "checklabelswidget.h"
#include "dashboardmodels.h"
#include "dashboardwidget.h"
#include "departmentkeysdialog.h"
#include "departmentsdialog.h"
#include "exportdialog.h"
#include "imagefolderdialog.h"
#include "importlabelleddialog.h"
#include "itemthumbnailmodel.h"
#include "itempanel.h"
#include "mainwindow.h"
#include "metimportdialog.h"
#include "nearduplicatesview.h"
#include "preferencesdialog.h"
#include "retraindialog.h"
#include "reviewwidget.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QDialog>
#include <QDir>
#include <QListView>
#include <QListWidget>
#include <QPointer>
#include <QScreen>
#include <QTableView>
#include <QTimer>

#include <cstdio>

namespace accession {

namespace {

// The mean lightness (0..255) of an image, from a sample of its pixels.
int meanLightness(const QImage &image)
{
    if (image.isNull())
        return 0;
    qint64 sum = 0;
    qint64 count = 0;
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7) {
            sum += QColor(image.pixel(x, y)).lightness();
            ++count;
        }
    }
    return count ? int(sum / count) : 0;
}

} // namespace

ScreenshotTour::ScreenshotTour(MainWindow *window, QString directory, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_directory(std::move(directory))
{
}

void ScreenshotTour::start()
{
    QDir().mkpath(m_directory);
    // The whole screen, whatever its size and scale: there is no window manager under Xvfb to maximise it.
    if (QScreen *screen = m_window->screen())
        m_window->setGeometry(screen->availableGeometry());
    m_stops = stops();
    QTimer::singleShot(1500, this, &ScreenshotTour::next);
}

bool ScreenshotTour::capture(const QString &name, bool hasContent, const QString &what)
{
    const QString path = m_directory + QLatin1Char('/') + name + QStringLiteral(".png");
    QScreen *screen = m_window->screen();
    const QPixmap shot = screen ? screen->grabWindow(0) : m_window->grab();
    const bool saved = (shot.isNull() ? m_window->grab() : shot).save(path);
    std::printf("%s: %s%s\n", qPrintable(path), hasContent ? "shows " : "EMPTY: no ", qPrintable(what));
    // Each view must fit the screen: a view whose widgets need more width pushes the window, and the item panel
    // beside it, past the screen's edge.
    const int screenWidth = screen ? screen->availableGeometry().width() : 0;
    const bool fits = !screen || m_window->frameGeometry().width() <= screenWidth;
    if (!fits)
        std::printf("  TOO WIDE: the window is %d pixels wide on a screen of %d\n", m_window->frameGeometry().width(), screenWidth);
    std::fflush(stdout);
    if (!hasContent || !saved || !fits)
        m_problems << name;
    return hasContent;
}

ScreenshotTour::Stop ScreenshotTour::dialogStop(const QString &name, const std::function<QWidget *()> &open)
{
    Stop stop;
    stop.name = name;
    stop.open = [this, open] { m_dialog = open(); };
    stop.hasContent = [this] {
        QWidget *shown = m_dialog ? m_dialog : QApplication::activeModalWidget();
        return shown && shown->isVisible();
    };
    stop.what = QStringLiteral("the dialog");
    stop.close = [this] {
        QWidget *shown = m_dialog ? m_dialog : QApplication::activeModalWidget();
        if (auto *dialog = qobject_cast<QDialog *>(shown))
            dialog->reject(); // never accept: the tour changes nothing
        else if (shown)
            shown->close();
        m_dialog = nullptr;
    };
    stop.pauseMs = 1200;
    return stop;
}

QVector<ScreenshotTour::Stop> ScreenshotTour::stops()
{
    MainWindow *window = m_window;
    const auto hasItems = [window] { return window->itemModel()->rowCount() > 0; };
    QVector<Stop> stops;
    stops.push_back({QStringLiteral("catalog-grid"),
                     [window] {
                         window->showCatalog();
                         window->catalogView()->showGrid(true);
                     },
                     hasItems, QStringLiteral("items in the grid"), {}});
    stops.push_back({QStringLiteral("catalog-list-with-item"),
                     [window] {
                         window->catalogView()->showGrid(false);
                         if (window->itemModel()->rowCount() > 0)
                             window->itemPanel()->showItem(window->itemModel()->itemIdAt(0));
                     },
                     [window] { return window->itemModel()->rowCount() > 0 && window->itemPanel()->historyList()->count() > 0; },
                     QStringLiteral("rows in the list and an item's history"), {}});
    stops.push_back({QStringLiteral("review"), [window] { window->showReview(); },
                     [window] { return window->reviewWidget()->currentItemId() > 0; }, QStringLiteral("an item waiting for review"), {}});
    stops.push_back({QStringLiteral("model-dashboard"), [window] { window->showDashboard(); },
                     [window] { return window->dashboard()->confusionModel()->rowCount() > 0; },
                     QStringLiteral("a confusion matrix and metrics"), {}});
    Stop cell{QStringLiteral("model-dashboard-cell"),
              [window] {
                  if (window->dashboard()->confusionModel()->rowCount() > 0) {
                      const QModelIndex index = window->dashboard()->confusionModel()->index(0, 0);
                      window->dashboard()->confusionView()->setCurrentIndex(index);
                      Q_EMIT window->dashboard()->confusionView()->clicked(index);
                  }
              },
              [window] { return window->dashboard()->cellItems()->rowCount() > 0; }, QStringLiteral("the items behind a confusion cell"),
              [window] { window->showCatalog(); }};
    cell.pauseMs = 8000; // the cell's items come from evaluating the model
    stops.push_back(cell);

    // The curation views, each with its check run as a job on the demo catalog.
    Stop labels{QStringLiteral("check-labels"), [window] { window->checkLabels(); },
                [window] {
                    const CheckLabelsWidget *view = window->checkLabelsWidget();
                    return !view->isChecking() && view->report().itemsChecked > 0;
                },
                QStringLiteral("a finished label check"), {}};
    labels.patienceMs = 120000;
    stops.push_back(labels);
    Stop duplicates{QStringLiteral("near-duplicates"),
                    [window] {
                        window->showNearDuplicates();
                        window->nearDuplicatesView()->findNearDuplicates();
                    },
                    [window] {
                        NearDuplicatesView *view = window->nearDuplicatesView();
                        if (view->isFinding() || view->lastCheckedCount() <= 0)
                            return false;
                        if (view->groupCount() > 0 && view->shownItems().isEmpty())
                            view->selectGroup(0); // pictured side by side at the next look
                        return view->groupCount() == 0 || !view->shownItems().isEmpty();
                    },
                    QStringLiteral("a finished near-duplicate search"), [window] { window->showCatalog(); }};
    duplicates.patienceMs = 120000;
    stops.push_back(duplicates);

    // Every dialog, opened as the menus open it, pictured over the window, then closed without a change.
    stops.push_back(dialogStop(QStringLiteral("dialog-import-labelled"), [window] { return window->openImportLabelledDialog(); }));
    stops.push_back(dialogStop(QStringLiteral("dialog-export"), [window] { return window->openExportDialog(); }));
    stops.push_back(dialogStop(QStringLiteral("dialog-train"), [window]() -> QWidget * {
        window->openRetrainDialog();
        return window->findChild<RetrainDialog *>();
    }));
    stops.push_back(dialogStop(QStringLiteral("dialog-preferences"), [window] { return window->openPreferences(); }));
    stops.push_back(dialogStop(QStringLiteral("dialog-departments"), [window]() -> QWidget * {
        window->openDepartmentsDialog();
        return window->findChild<DepartmentsDialog *>();
    }));
    stops.push_back(dialogStop(QStringLiteral("dialog-keys"), [window]() -> QWidget * {
        window->showReview();
        return window->reviewWidget()->openKeysDialog();
    }));
    // About is a modal message box with its own event loop: opened from the event loop, found as the modal widget.
    stops.push_back(dialogStop(QStringLiteral("dialog-about"), [window]() -> QWidget * {
        window->showCatalog();
        QTimer::singleShot(0, window, [window] { window->showAbout(); });
        return nullptr;
    }));
    stops.push_back(dialogStop(QStringLiteral("dialog-user-guide"), [window] { return window->showUserGuide(); }));
    stops.push_back(dialogStop(QStringLiteral("dialog-met-import"), [window] { return window->openMetImportDialog(); }));
    stops.push_back(dialogStop(QStringLiteral("dialog-image-folder"), [window] { return window->openImageFolderDialog(); }));

    // A live switch to dark, when the tour ran light by itself (ACCESSION_APPEARANCE would hold it light): the
    // dashboard's charts must follow.
    if (!AppearanceManager::instance().isDark() && !AppearanceManager::environmentOverride()) {
        Stop dark{QStringLiteral("model-dashboard-live-dark"),
                  [window] {
                      window->showDashboard();
                      AppearanceManager::instance().apply(AppearanceChoice::Dark);
                  },
                  [this, window] {
                      const QChart *chart = window->dashboard()->accuracyChartView()->chart();
                      QScreen *screen = window->screen();
                      const int lightness = meanLightness(screen ? screen->grabWindow(0).toImage() : window->grab().toImage());
                      return isDarkPalette(window->palette()) && chart->backgroundBrush().color().lightness() < 128 && lightness < 110;
                  },
                  QStringLiteral("the dashboard in a dark palette"),
                  {}};
        stops.push_back(dark);
    }
    return stops;
}

void ScreenshotTour::next()
{
    if (m_next > 0) {
        const Stop &shown = m_stops[m_next - 1];
        if (shown.patienceMs > 0 && m_atStop.elapsed() < shown.pauseMs + shown.patienceMs && !shown.hasContent()) {
            QTimer::singleShot(250, this, &ScreenshotTour::next);
            return;
        }
        capture(shown.name, shown.hasContent(), shown.what);
        if (shown.close)
            shown.close();
    }
    if (m_next >= m_stops.size()) {
        std::printf("%s\n", m_problems.isEmpty() ? "every view and dialog has content"
                                                 : qPrintable(QStringLiteral("empty: ") + m_problems.join(QStringLiteral(", "))));
        std::fflush(stdout);
        QApplication::exit(m_problems.isEmpty() ? 0 : 1);
        return;
    }
    const Stop &stop = m_stops[m_next++];
    m_atStop.start();
    if (stop.open)
        stop.open();
    QTimer::singleShot(stop.pauseMs, this, &ScreenshotTour::next);
}

} // namespace accession
