#pragma once

#include <QString>
#include <QStringList>

namespace accession {

// How much of a stored or received text a widget shows: a 100 KB department name, title or message must
// cost a widget no more than a short one. The whole text stays in the catalog; tooltips offer more of it.
constexpr int kShownNameChars = 80;     // department names, titles, file names, ids
constexpr int kShownMessageChars = 400; // errors, problems, paths, status lines
constexpr int kToolTipChars = 600;      // what a tooltip shows of a longer text

// The text cut to at most maxChars characters, "…" marking the cut; still plain text.
QString elided(const QString &text, int maxChars = kShownNameChars);
// A tooltip that shows the text literally (Qt guesses rich text for tooltips), cut to maxChars.
QString plainToolTip(const QString &text, int maxChars = kToolTipChars);
// For labels that Qt renders as rich text (chart categories and axis labels): elided and escaped. Names that
// come out alike are numbered, since a category axis keeps only distinct categories.
QStringList richTextSafeLabels(const QStringList &names, int maxChars = kShownNameChars);
// A probability or confidence (0-1) as the views show it everywhere: "95.0%".
QString percentText(double probability);

} // namespace accession
