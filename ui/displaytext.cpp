#include "displaytext.h"

#include <QSet>
#include <QTextDocument>

namespace accession {

QString elided(const QString &text, int maxChars)
{
    if (text.size() <= maxChars)
        return text;
    qsizetype keep = std::max(0, maxChars - 1);
    if (keep > 0 && text.at(keep - 1).isHighSurrogate()) // never split a character in two
        --keep;
    return text.left(keep) + QChar(0x2026);
}

QString plainToolTip(const QString &text, int maxChars)
{
    if (text.isEmpty())
        return text;
    return Qt::convertFromPlainText(elided(text, maxChars), Qt::WhiteSpaceNormal);
}

QStringList richTextSafeLabels(const QStringList &names, int maxChars)
{
    QStringList labels;
    QSet<QString> taken;
    for (const QString &name : names) {
        const QString base = elided(name, maxChars).toHtmlEscaped();
        QString label = base;
        for (int n = 2; label.isEmpty() || taken.contains(label); ++n)
            label = QStringLiteral("%1 (%2)").arg(base).arg(n);
        taken.insert(label);
        labels << label;
    }
    return labels;
}

QString percentText(double probability)
{
    return QStringLiteral("%1%").arg(probability * 100, 0, 'f', 1);
}

} // namespace accession
