#include "cliutil.h"

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
    return QCommandLineOption(QStringLiteral("catalog"), QStringLiteral("Catalog file."), QStringLiteral("FILE"));
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
