#include "commands.h"

#include "cliutil.h"

#include "catalog/catalog.h"
#include "catalog/weightsregistry.h"
#include "ml/pretrainedweights.h"

namespace accession::cli {

namespace {

QJsonObject weightsToJson(const AddedWeights &weights)
{
    return QJsonObject{{QStringLiteral("id"), weights.id},
                       {QStringLiteral("path"), weights.path},
                       {QStringLiteral("architecture"), weights.architecture},
                       {QStringLiteral("sha256"), weights.sha256},
                       {QStringLiteral("added_at"), weights.addedAt.toString(Qt::ISODateWithMs)}};
}

} // namespace

int runWeights(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addOption(catalogOption());
    parser.addOption(jsonOption());
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("add FILE, or list"));
    const QString usage = QStringLiteral("accession-cli weights add --catalog FILE WEIGHTS.safetensors|.pth [--json]\n"
                                         "       accession-cli weights list --catalog FILE [--json]\n"
                                         "Pretrained backbone weights (torchvision or timm names: MobileNetV2, ResNet-18, ResNet-50) "
                                         "to start training from; the Train dialog's presets pick the most recent.");
    if (!parseCommand(parser, arguments, usage))
        return 0;
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const QString catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    const bool json = parser.isSet(QStringLiteral("json"));
    if (action == QLatin1String("add")) {
        if (positional.size() != 2)
            throw CliError(QStringLiteral("weights add takes one weights file"), 2);
        const AddedWeights added = addPretrainedWeights(catalogPath, positional[1]);
        if (json)
            printJson(weightsToJson(added));
        else
            printLine(QStringLiteral("added %1 weights %2 (id %3)").arg(added.architecture, added.path).arg(added.id));
        return 0;
    }
    if (action == QLatin1String("list")) {
        Catalog catalog(catalogPath);
        const QVector<AddedWeights> all = WeightsRegistry(catalog).weights();
        if (json) {
            QJsonArray list;
            for (const AddedWeights &weights : all)
                list.append(weightsToJson(weights));
            printJson(QJsonObject{{QStringLiteral("weights"), list}});
        } else {
            for (const AddedWeights &weights : all)
                printLine(QStringLiteral("%1  %2  %3  %4").arg(weights.id).arg(weights.architecture, -12)
                              .arg(weights.addedAt.toString(Qt::ISODate), weights.path));
        }
        return 0;
    }
    throw CliError(QStringLiteral("unknown action '%1': use 'add FILE' or 'list'").arg(action), 2);
}

} // namespace accession::cli
