#include "commands.h"

#include "cliutil.h"
#include "jobwait.h"

#include "jobs/ensemblejob.h"
#include "ml/modelcard.h"
#include "ml/testtimeaugmentation.h"

#include <QFileInfo>

namespace accession::cli {

TestTimeAugmentation testTimeAugmentationOption(const QCommandLineParser &parser, const QString &option)
{
    const auto views = testTimeAugmentationFromName(parser.value(option));
    if (!views)
        throw CliError(QStringLiteral("--%1 must be one of %2, not '%3'")
                           .arg(option, testTimeAugmentationNames().join(QStringLiteral(", ")), parser.value(option)), 2);
    return *views;
}

int runEnsemble(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Join trained models (same departments, in the same order) into one model file "
                                                    "that predicts the mean of their calibrated probabilities."));
    parser.addOption({QStringLiteral("model"), QStringLiteral("A member model file (.safetensors with its .json card); give two or more."),
                      QStringLiteral("MODEL")});
    parser.addOption({QStringLiteral("out"), QStringLiteral("The ensemble's model file (its card is written beside it)."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("catalog"), QStringLiteral("Calibrate the ensemble (temperature, auto-file threshold) on the members' "
                                                                "validation split of this catalog."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("tta"), QStringLiteral("Test-time views: none, flip or flip-scales (default none)."), QStringLiteral("VIEWS")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Compute threads (default: one per core)."), QStringLiteral("N")});
    parser.addOption(jsonOption());
    if (!parseCommand(parser, arguments, QStringLiteral("accession-cli ensemble --out E.safetensors --model A --model B [--catalog C] [--tta VIEWS] [--json]")))
        return 0;
    EnsembleRequest request;
    request.memberPaths = parser.values(QStringLiteral("model"));
    if (request.memberPaths.size() < 2)
        throw CliError(QStringLiteral("give at least two --model files"), 2);
    request.outPath = requiredValue(parser, QStringLiteral("out"));
    request.catalogPath = parser.value(QStringLiteral("catalog"));
    if (!request.catalogPath.isEmpty())
        requireExistingCatalog(request.catalogPath);
    if (parser.isSet(QStringLiteral("tta")))
        request.testTimeAugmentation = testTimeAugmentationOption(parser, QStringLiteral("tta"));
    request.threads = intValue(parser, QStringLiteral("threads"), 0, 0);

    EnsembleJob job(request);
    if (!runJobInBackground(job, true))
        return 130;
    const EnsembleResult result = job.result();
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonObject output{{QStringLiteral("model"), QFileInfo(request.outPath).absoluteFilePath()},
                           {QStringLiteral("members"), result.card.toJson().value(QStringLiteral("members"))},
                           {QStringLiteral("temperature"), result.card.temperature},
                           {QStringLiteral("threshold"), result.card.threshold},
                           {QStringLiteral("tta"), testTimeAugmentationName(result.card.testTimeAugmentation)}};
        if (result.validation)
            output.insert(QStringLiteral("validation"), result.validation->report.toJson());
        printJson(output);
        return 0;
    }
    printLine(QStringLiteral("ensemble of %1 models, temperature %2, auto-file threshold %3")
                  .arg(result.card.members.size()).arg(result.card.temperature, 0, 'f', 2).arg(result.card.threshold, 0, 'f', 3));
    if (result.validation)
        printLine(QStringLiteral("validation accuracy %1, top-3 %2 (%3)").arg(result.validation->report.accuracy, 0, 'f', 3)
                      .arg(result.validation->report.top3Accuracy, 0, 'f', 3).arg(result.validation->evaluatedOn));
    printLine(QStringLiteral("saved %1 and %2").arg(request.outPath, ModelCard::pathBeside(request.outPath)));
    return 0;
}

int runSetTta(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Set the test-time views a model averages when it predicts (recorded in its card)."));
    parser.addOption({QStringLiteral("model"), QStringLiteral("Model file (.safetensors with its .json card)."), QStringLiteral("MODEL")});
    parser.addOption({QStringLiteral("tta"), QStringLiteral("none, flip (the photograph and its mirror image) or flip-scales (both, also "
                                                            "enlarged by about 8/7)."), QStringLiteral("VIEWS")});
    if (!parseCommand(parser, arguments, QStringLiteral("accession-cli set-tta --model MODEL.safetensors --tta none|flip|flip-scales")))
        return 0;
    const QString modelPath = requiredValue(parser, QStringLiteral("model"));
    requiredValue(parser, QStringLiteral("tta"));
    const TestTimeAugmentation views = testTimeAugmentationOption(parser, QStringLiteral("tta"));
    if (!QFileInfo(modelPath).isFile())
        throw CliError(QStringLiteral("%1: no such model file").arg(modelPath));
    ModelCard card = ModelCard::readBeside(modelPath);
    card.testTimeAugmentation = views;
    card.writeBeside(modelPath);
    printLine(QStringLiteral("%1 now averages %2 view(s) of each photograph (%3)")
                  .arg(ModelCard::pathBeside(modelPath)).arg(testTimeViewCount(views)).arg(testTimeAugmentationName(views)));
    return 0;
}

} // namespace accession::cli
