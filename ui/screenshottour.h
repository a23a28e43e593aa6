#pragma once

#include <QObject>
#include <QStringList>

namespace accession {

class MainWindow;

// Walks the main views once the catalog is open, saves a screenshot of each to a folder and checks that
// none is empty; then quits with 0, or 1 naming the empty views. Used by tests/gui_screenshots.sh.
class ScreenshotTour : public QObject
{
    Q_OBJECT
public:
    ScreenshotTour(MainWindow *window, QString directory, QObject *parent = nullptr);
    void start();

private:
    void step();
    bool capture(const QString &name, bool hasContent, const QString &what);

    MainWindow *m_window;
    QString m_directory;
    int m_step = 0;
    QStringList m_problems;
};

} // namespace accession
