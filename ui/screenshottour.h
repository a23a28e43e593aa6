#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>

#include <functional>

class QWidget;

namespace accession {

class MainWindow;

// Walks the main views and every dialog once the catalog is open, saves a screenshot of each to a folder and
// checks that none is empty; then quits with 0, or 1 naming the empty ones. Used by tests/gui_screenshots.sh
// and scripts/screenshots.sh.
class ScreenshotTour : public QObject
{
    Q_OBJECT
public:
    ScreenshotTour(MainWindow *window, QString directory, QObject *parent = nullptr);
    void start();

private:
    // One picture: open shows it, then after a pause the screen is saved as NAME.png if hasContent says it shows
    // what it should; close puts the window back for the next one.
    struct Stop
    {
        QString name;
        std::function<void()> open;
        std::function<bool()> hasContent;
        QString what;
        std::function<void()> close;
        int pauseMs = 2500; // let thumbnails, images and charts arrive
        int patienceMs = 0; // then up to this much longer while it has no content yet (a job still running)
    };
    QVector<Stop> stops();
    void next();
    bool capture(const QString &name, bool hasContent, const QString &what);
    // Opens a dialog with OPEN, remembers it, and closes it after its picture.
    Stop dialogStop(const QString &name, const std::function<QWidget *()> &open);

    MainWindow *m_window;
    QString m_directory;
    QVector<Stop> m_stops;
    int m_next = 0;
    QElapsedTimer m_atStop; // since the current stop opened
    QWidget *m_dialog = nullptr;
    QStringList m_problems;
};

} // namespace accession
