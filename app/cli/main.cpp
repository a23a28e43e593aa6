#include "cliutil.h"
#include "commands.h"

#include "catalog/catalogtypes.h"
#include "ingest/importplan.h"
#include "ml/errormessage.h"

#include <QCoreApplication>

#include <algorithm>
#include <cstring>
#include <functional>

namespace {

struct Command
{
    const char *name;
    const char *summary;
    std::function<int(const QStringList &)> run;
};

const std::vector<Command> &commands()
{
    using namespace accession::cli;
    static const std::vector<Command> list = {
        {"import", "import photographs from a CSV, department folders, or unlabelled paths", runImport},
        {"stats", "count items, labels and departments", runStats},
        {"departments", "list or edit the department list", runDepartments},
        {"storage", "show or set the shared image folder that import --copy and downloads write blobs into", runStorage},
        {"train", "train a model on the catalog's labelled items", runTrain},
        {"evaluate", "measure a model on labelled images", runEvaluate},
        {"set-tta", "set the test-time views (flip, scales) a model averages", runSetTta},
        {"ensemble", "join trained models into one that averages their predictions", runEnsemble},
        {"label-issues", "rank labelled items whose department is probably wrong", runLabelIssues},
        {"near-duplicates", "find groups of near-duplicate photographs (saved for the split and the window)", runNearDuplicates},
        {"models", "register, list and activate models", runModels},
        {"weights", "add and list pretrained weights to train from", runWeights},
        {"classify", "classify items and file the confident ones", runClassify},
        {"review", "list the items waiting for a curator", runReview},
        {"decide", "record a curator's decision (or undo one)", runDecide},
        {"export", "write every item with its labels and predictions", runExport},
        {"met-import", "build a catalog from The Met's Collection API", runMetImport},
        {"iiif-import", "import the canvases of a IIIF manifest or collection", runIiifImport},
    };
    return list;
}

void printUsage()
{
    // The name column is as wide as the longest name and two spaces, so that no name runs into its summary.
    qsizetype nameWidth = 0;
    for (const Command &command : commands())
        nameWidth = std::max(nameWidth, qsizetype(std::strlen(command.name)));
    QString text = QStringLiteral("Usage: accession-cli COMMAND [OPTIONS]   (accession-cli COMMAND --help for each)\n\nCommands:\n");
    for (const Command &command : commands())
        text += QStringLiteral("  ") + QString::fromLatin1(command.name).leftJustified(nameWidth + 2)
            + QString::fromLatin1(command.summary) + QLatin1Char('\n');
    accession::cli::printLine(text);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Accession"));
    QCoreApplication::setApplicationName(QStringLiteral("Accession"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ACCESSION_VERSION));

    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() < 2 || arguments[1] == QLatin1String("--help") || arguments[1] == QLatin1String("-h")
        || arguments[1] == QLatin1String("help")) {
        printUsage();
        return arguments.size() < 2 ? 2 : 0;
    }
    if (arguments[1] == QLatin1String("--version")) {
        accession::cli::printLine(QStringLiteral("accession-cli " ACCESSION_VERSION));
        return 0;
    }
    for (const Command &command : commands()) {
        if (arguments[1] != QLatin1String(command.name))
            continue;
        QStringList commandArguments = arguments.mid(1);
        commandArguments[0] = QStringLiteral("accession-cli ") + commandArguments[0];
        try {
            return command.run(commandArguments);
        } catch (const accession::cli::CliError &error) {
            accession::cli::printError(QStringLiteral("accession-cli %1: error: %2").arg(QLatin1String(command.name), QString::fromUtf8(error.what())));
            return error.exitCode();
        } catch (...) {
            // LibTorch's errors carry a C++ backtrace; every error is still one line.
            accession::cli::printError(QStringLiteral("accession-cli %1: error: %2")
                                           .arg(QLatin1String(command.name), accession::oneLineErrorMessage(std::current_exception())));
            return 1;
        }
    }
    accession::cli::printError(QStringLiteral("accession-cli: unknown command '%1' (see accession-cli --help)").arg(arguments[1]));
    return 2;
}
