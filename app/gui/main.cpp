#include "appearance.h"
#include "mainwindow.h"
#include "preferencesdialog.h"
#include "screenshottour.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Accession"));
    QApplication::setApplicationName(QStringLiteral("Accession"));
    QApplication::setApplicationVersion(QStringLiteral(ACCESSION_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/accession/accession.png")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Sorts photographs of incoming works into museum departments."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demoOption(QStringLiteral("demo"),
                                        QStringLiteral("Open the built-in demo catalog (generated images)."));
    const QCommandLineOption tourOption(QStringLiteral("tour"),
                                        QStringLiteral("Show each main view, save a screenshot of it to DIR, and quit "
                                                       "(non-zero if a view is empty)."),
                                        QStringLiteral("DIR"));
    parser.addOption(demoOption);
    parser.addOption(tourOption);
    parser.addPositionalArgument(QStringLiteral("catalog"), QStringLiteral("Catalog file to open."), QStringLiteral("[CATALOG]"));
    parser.process(app);

    // Light or dark before the first widget exists, so that the window never flashes the other one.
    accession::AppearanceManager::instance().apply(accession::Preferences::load().appearance);
    accession::MainWindow window;
    window.show();
    accession::ScreenshotTour tour(&window, parser.value(tourOption));
    if (parser.isSet(tourOption)) {
        if (parser.isSet(demoOption))
            QObject::connect(&window, &accession::MainWindow::demoReady, &tour, &accession::ScreenshotTour::start);
        else
            tour.start();
    }
    if (parser.isSet(demoOption))
        window.openDemo();
    else if (!parser.positionalArguments().isEmpty())
        window.openCatalog(parser.positionalArguments().constFirst());
    else if (!parser.isSet(tourOption))
        window.openLastCatalog(); // started without a catalog: where the curator left off
    return QApplication::exec();
}
