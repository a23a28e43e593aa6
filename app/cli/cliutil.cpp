#include "cliutil.h"

#include "catalog/cataloglocation.h"
#include "ml/architecture.h"

#include <QFileInfo>
#include <QJsonDocument>

#include <cstdio>
#include <unistd.h>

namespace accession::cli {

bool parseCommand(QCommandLineParser &parser, const QStringList &arguments, const QString &usage)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
    parser.addOption(help);
    if (!parser.parse(arguments))
        throw CliError(parser.errorText() + QStringLiteral(" (see --help)"), 2);
    if (parser.isSet(help)) {
        QString text = parser.helpText();
        const qsizetype optionsAt = text.indexOf(QStringLiteral("Options:"));
        printLine(QStringLiteral("Usage: ") + usage + QStringLiteral("\n\n") + (optionsAt >= 0 ? text.mid(optionsAt) : text));
        return false;
    }
    return true;
}

QString requiredValue(const QCommandLineParser &parser, const QString &option)
{
    const QString value = parser.value(option);
    if (value.isEmpty())
        throw CliError(QStringLiteral("--%1 is required (see --help)").arg(option), 2);
    return value;
}

int intValue(const QCommandLineParser &parser, const QString &option, int fallback, int minimum)
{
    if (!parser.isSet(option))
        return fallback;
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    if (!ok || value < minimum)
        throw CliError(QStringLiteral("--%1 needs a whole number%2, not '%3'")
                           .arg(option, minimum > INT_MIN ? QStringLiteral(" of at least %1").arg(minimum) : QString(),
                                parser.value(option)),
                       2);
    return value;
}

double doubleValue(const QCommandLineParser &parser, const QString &option, double fallback)
{
    if (!parser.isSet(option))
        return fallback;
    bool ok = false;
    const double value = parser.value(option).toDouble(&ok);
    if (!ok)
        throw CliError(QStringLiteral("--%1 needs a number, not '%2'").arg(option, parser.value(option)), 2);
    return value;
}

void printJson(const QJsonObject &object)
{
    const QByteArray text = QJsonDocument(object).toJson(QJsonDocument::Indented);
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    std::fflush(stdout);
}

void printLine(const QString &line)
{
    const QByteArray text = line.toUtf8() + '\n';
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    std::fflush(stdout);
}

void printError(const QString &line)
{
    const QByteArray text = line.toUtf8() + '\n';
    std::fwrite(text.constData(), 1, size_t(text.size()), stderr);
    std::fflush(stderr);
}

bool stderrIsTerminal()
{
    return isatty(fileno(stderr)) != 0;
}

QCommandLineOption catalogOption()
{
    return QCommandLineOption(QStringLiteral("catalog"),
                              QStringLiteral("Catalog file, or a shared catalog postgresql://[user@]host[:port]/dbname (the "
                                             "password from PGPASSWORD, ~/.pgpass or a service file)."),
                              QStringLiteral("FILE|URL"));
}

void requireExistingCatalog(const QString &location)
{
    if (!CatalogLocation::isPostgresUrl(location) && !QFileInfo::exists(location))
        throw CliError(QStringLiteral("no catalog at %1").arg(location));
}

void addBackboneOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("model"), QStringLiteral("Model whose backbone gives the features (default: the catalog's active model)."),
                      QStringLiteral("MODEL")});
    parser.addOption({QStringLiteral("weights"), QStringLiteral("Instead of a model: pretrained backbone weights (with --arch)."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("arch"), QStringLiteral("With --weights: baseline, resnet18, resnet50 or mobilenet_v2."), QStringLiteral("A")});
}

BackboneChoice backboneChoice(const QCommandLineParser &parser)
{
    if (parser.isSet(QStringLiteral("model")) && parser.isSet(QStringLiteral("weights")))
        throw CliError(QStringLiteral("give --model or --weights, not both"), 2);
    BackboneChoice choice;
    choice.modelPath = parser.value(QStringLiteral("model"));
    if (parser.isSet(QStringLiteral("weights"))) {
        choice.weightsPath = parser.value(QStringLiteral("weights"));
        choice.architecture = requiredValue(parser, QStringLiteral("arch"));
        if (!architectureFromName(choice.architecture))
            throw CliError(QStringLiteral("--arch must be one of %1").arg(architectureNames().join(QStringLiteral(", "))), 2);
    }
    return choice;
}

QCommandLineOption jsonOption()
{
    return QCommandLineOption(QStringLiteral("json"), QStringLiteral("Print the result as one JSON object."));
}

QJsonArray problemsToJson(const QVector<Problem> &problems)
{
    QJsonArray array;
    for (const Problem &problem : problems)
        array.append(problem.toJson());
    return array;
}

int importExitStatus(bool cancelled, bool anythingInCatalog, bool anyFailure)
{
    if (cancelled)
        return 130;
    return !anythingInCatalog && anyFailure ? kExitNothingImported : 0;
}

} // namespace accession::cli
