#pragma once

#include "catalog/problem.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <stdexcept>

namespace accession::cli {

// A command that cannot run: printed as one line on stderr, exit status 1 (2 for usage errors).
class CliError : public std::runtime_error
{
public:
    explicit CliError(const QString &message, int exitCode = 1)
        : std::runtime_error(message.toStdString())
        , m_exitCode(exitCode)
    {
    }
    int exitCode() const { return m_exitCode; }

private:
    int m_exitCode;
};

// Parses a subcommand's arguments; returns false when --help was printed.
bool parseCommand(QCommandLineParser &parser, const QStringList &arguments, const QString &usage);

QString requiredValue(const QCommandLineParser &parser, const QString &option);
int intValue(const QCommandLineParser &parser, const QString &option, int fallback, int minimum = INT_MIN);
double doubleValue(const QCommandLineParser &parser, const QString &option, double fallback);

void printJson(const QJsonObject &object);
void printLine(const QString &line);
void printError(const QString &line);
// True when stderr is a terminal, so progress lines help rather than clutter logs.
bool stderrIsTerminal();

// [{path, reason}, ...] as import, met-import and iiif-import print them.
QJsonArray problemsToJson(const QVector<Problem> &problems);

// The exit status of an import that ran but brought nothing in because every input failed (the summary is still
// printed). 1 and 2 are errors that stop a command and usage errors, 130 a cancel.
constexpr int kExitNothingImported = 3;
// 130 when cancelled; kExitNothingImported when something failed and nothing of the input is in the catalog
// (neither new nor already there); else 0.
int importExitStatus(bool cancelled, bool anythingInCatalog, bool anyFailure);

QCommandLineOption catalogOption();
// Refuses a catalog file that is not there ("no catalog at PATH"); a postgresql:// URL is checked when it is opened.
void requireExistingCatalog(const QString &location);

// The network whose backbone gives features (label-issues, near-duplicates): --model, or --weights with --arch.
struct BackboneChoice
{
    QString modelPath;   // empty: the catalog's active model
    QString weightsPath; // with architecture
    QString architecture;
};
void addBackboneOptions(QCommandLineParser &parser);
// Throws CliError when both are given, or --weights comes without a known --arch.
BackboneChoice backboneChoice(const QCommandLineParser &parser);
QCommandLineOption jsonOption();

} // namespace accession::cli
