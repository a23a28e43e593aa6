#include "errormessage.h"

#include <QStringList>

#include <new>

namespace accession {

QString oneLineErrorMessage(const std::exception_ptr &error)
{
    QString text;
    try {
        if (error)
            std::rethrow_exception(error);
        text = QStringLiteral("unknown error");
    } catch (const c10::Error &torchError) {
        // what() carries a C++ backtrace of thirty lines; the reason is all a person can act on.
        text = QStringLiteral("LibTorch: ") + QString::fromStdString(torchError.what_without_backtrace());
    } catch (const std::bad_alloc &) {
        text = QStringLiteral("out of memory");
    } catch (const std::exception &other) {
        text = QString::fromUtf8(other.what());
    } catch (...) {
        text = QStringLiteral("unknown error");
    }
    QStringList lines;
    for (const QString &line : text.split(QLatin1Char('\n'))) {
        const QString trimmed = line.trimmed();
        // LibTorch appends "Exception raised from ..." lines that only name its own source files.
        if (!trimmed.isEmpty() && !trimmed.startsWith(QLatin1String("Exception raised from")))
            lines << trimmed;
    }
    QString line = lines.isEmpty() ? QStringLiteral("unknown error") : lines.join(QStringLiteral("; "));
    if (line.size() > kMaximumErrorMessageLength)
        line = line.left(kMaximumErrorMessageLength) + QStringLiteral("...");
    return line;
}

} // namespace accession
