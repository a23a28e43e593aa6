#include "dashboardmodels.h"

#include "displaytext.h"
#include "plurals.h"

#include <QColor>
#include <QFont>
#include <QJsonObject>
#include <QLocale>
#include <QFontMetrics>
#include <QPainter>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace accession {

namespace {

// The first characters of a word, never half of one.
QString leading(const QString &word, int characters)
{
    qsizetype end = 0;
    for (int c = 0; c < characters && end < word.size(); ++c)
        end += word.at(end).isHighSurrogate() && end + 1 < word.size() ? 2 : 1;
    return word.left(end);
}

// The words a label is made of: capitalised ones (and numbers), without a leading "The"; all words of a name
// written without capitals.
QStringList significantWords(const QString &name)
{
    static const QRegularExpression separators(QStringLiteral("[^\\w']+"), QRegularExpression::UseUnicodePropertiesOption);
    const QStringList words = name.split(separators, Qt::SkipEmptyParts);
    QStringList significant;
    for (const QString &word : words) {
        if (word.front().isUpper() || word.front().isDigit())
            significant << word;
    }
    if (significant.size() > 1 && significant.front().compare(QLatin1String("The"), Qt::CaseInsensitive) == 0)
        significant.removeFirst();
    return significant.isEmpty() ? words : significant;
}

QString labelFromWords(const QStringList &words, int firstWordLetters)
{
    if (words.isEmpty())
        return {};
    if (words.size() == 1) // one initial says too little
        return leading(words.front(), std::max(2, firstWordLetters));
    QString label = leading(words.front(), firstWordLetters);
    for (int index = 1; index < words.size() && index < kShortLabelChars; ++index)
        label += leading(words[index], 1);
    return label;
}

} // namespace

QStringList shortDepartmentLabels(const QStringList &names)
{
    QVector<QStringList> words;
    QStringList labels;
    for (const QString &fullName : names) {
        // From the start of a name only: a label is a few letters, and a 100 KB name must cost no more.
        words.append(significantWords(fullName.left(kShownNameChars)));
        labels.append(labelFromWords(words.back(), 1));
    }
    // Lengthen the first word of every label that is shared, while it stays short, until none is.
    for (int letters = 2;; ++letters) {
        const QStringList before = labels;
        bool anyLengthened = false;
        for (int index = 0; index < labels.size(); ++index) {
            if (before.count(before[index]) < 2 || words[index].isEmpty() || words[index].front().size() < letters)
                continue;
            const QString longer = labelFromWords(words[index], letters);
            if (longer.size() <= kShortLabelChars && longer != labels[index]) {
                labels[index] = longer;
                anyLengthened = true;
            }
        }
        if (!anyLengthened)
            break;
    }
    // Labels still shared (names alike to the end of their first word, or empty): initials and the department's
    // position, or the next number free.
    QSet<QString> taken;
    QVector<bool> shared(labels.size());
    for (int index = 0; index < labels.size(); ++index) {
        shared[index] = labels[index].isEmpty() || labels.count(labels[index]) > 1;
        if (!shared[index])
            taken.insert(labels[index]);
    }
    for (int index = 0; index < labels.size(); ++index) {
        if (!shared[index])
            continue;
        const QString position = QString::number(index + 1);
        const QString initials = leading(labelFromWords(words[index], 1), std::max(1, kShortLabelChars - int(position.size())));
        QString label = initials + position;
        for (int number = int(names.size()) + 1; taken.contains(label); ++number)
            label = initials + QString::number(number);
        taken.insert(label);
        labels[index] = label;
    }
    return labels;
}

void PerClassMetricsModel::setReport(const EvaluationReport &report)
{
    beginResetModel();
    m_rows = report.perClass;
    endResetModel();
}

int PerClassMetricsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int PerClassMetricsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PerClassMetricsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ClassMetrics &m = m_rows[index.row()];
    // Numbers in the display role too: Qt Charts' model mappers read it.
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        switch (index.column()) {
        case NameColumn: return m.name;
        case AccuracyColumn: return m.accuracy;
        case PrecisionColumn: return m.precision;
        case RecallColumn: return m.recall;
        case F1Column: return m.f1;
        case SupportColumn: return m.support;
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() != NameColumn && index.column() != SupportColumn)
        return percentText(data(index, Qt::EditRole).toDouble());
    return {};
}

QVariant PerClassMetricsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Department");
    case AccuracyColumn: return tr("Accuracy");
    case PrecisionColumn: return tr("Precision");
    case RecallColumn: return tr("Recall");
    case F1Column: return tr("F1");
    case SupportColumn: return tr("Items");
    default: return {};
    }
}

void ConfusionMatrixModel::setReport(const EvaluationReport &report)
{
    beginResetModel();
    m_classes = report.classes;
    m_shortLabels = shortDepartmentLabels(report.classes);
    m_counts = report.confusion;
    m_largestCount = 0;
    m_rowTotals = QVector<int>(m_counts.size(), 0);
    m_columnTotals = QVector<int>(m_counts.size(), 0);
    for (int row = 0; row < m_counts.size(); ++row) {
        for (int column = 0; column < m_counts.size(); ++column) {
            const int value = count(row, column);
            m_largestCount = std::max(m_largestCount, value);
            m_rowTotals[row] += value;
            m_columnTotals[column] += value;
        }
    }
    endResetModel();
}

void ConfusionMatrixModel::setNormalisation(Normalisation normalisation)
{
    if (normalisation == m_normalisation)
        return;
    m_normalisation = normalisation;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

int ConfusionMatrixModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_counts.size());
}

int ConfusionMatrixModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_counts.size());
}

int ConfusionMatrixModel::count(int row, int column) const
{
    return row < m_counts.size() && column < m_counts[row].size() ? m_counts[row][column] : 0;
}

QVariant ConfusionMatrixModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_counts.size() || index.column() >= m_counts[index.row()].size())
        return {};
    const int cellCount = count(index.row(), index.column());
    const int ofRow = m_rowTotals.value(index.row());
    const int ofColumn = m_columnTotals.value(index.column());
    const double shareOfRow = ofRow > 0 ? double(cellCount) / ofRow : 0.0;
    const double shareOfColumn = ofColumn > 0 ? double(cellCount) / ofColumn : 0.0;
    switch (role) {
    case CountRole: return cellCount;
    case ShareRole:
        switch (m_normalisation) {
        case Normalisation::ByRow: return shareOfRow;
        case Normalisation::ByColumn: return shareOfColumn;
        case Normalisation::None: return cellCount;
        }
        return {};
    case ShadeRole:
        switch (m_normalisation) {
        case Normalisation::ByRow: return shareOfRow;
        case Normalisation::ByColumn: return shareOfColumn;
        case Normalisation::None: return m_largestCount > 0 ? double(cellCount) / m_largestCount : 0.0;
        }
        return {};
    case Qt::DisplayRole:
        if (m_normalisation == Normalisation::None || cellCount == 0)
            return cellCount;
        return percentText(m_normalisation == Normalisation::ByRow ? shareOfRow : shareOfColumn);
    case Qt::ToolTipRole: { // tooltips guess rich text: shown literally
        const QString trueName = elided(m_classes.value(index.row()), kToolTipChars / 4);
        const QString predictedName = elided(m_classes.value(index.column()), kToolTipChars / 4);
        return plainToolTip(plural(cellCount, tr("%1 item of %2 predicted as %3"), tr("%1 items of %2 predicted as %3"))
                                .arg(trueName, predictedName)
                            + QStringLiteral("\n")
                            + tr("%1 of %2's %3 (recall), %4 of the %5 predicted as %6 (precision)")
                                  .arg(percentText(shareOfRow), trueName, plural(ofRow, tr("%1 item"), tr("%1 items")),
                                       percentText(shareOfColumn), plural(ofColumn, tr("%1 item"), tr("%1 items")), predictedName));
    }
    case Qt::TextAlignmentRole: return int(Qt::AlignCenter);
    default: return {};
    }
}

QVariant ConfusionMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (section < 0 || section >= m_classes.size())
        return {};
    switch (role) {
    case Qt::ToolTipRole:
        return plainToolTip(orientation == Qt::Vertical ? tr("true: %1").arg(m_classes.value(section))
                                                        : tr("predicted: %1").arg(m_classes.value(section)));
    case FullNameRole: return m_classes.value(section);
    // Twenty columns must fit a 1366-pixel screen: short labels on both sides, the key beside the matrix names them.
    case Qt::DisplayRole: return m_shortLabels.value(section);
    default: return {};
    }
}

void HeatmapDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const double shade = index.data(ConfusionMatrixModel::ShadeRole).toDouble();
    const bool diagonal = index.row() == index.column();
    const QColor base = diagonal ? QColor(0x1f, 0x5f, 0x99) : QColor(0xc6, 0x28, 0x28);
    QColor fill = base;
    fill.setAlphaF(float(0.08 + 0.85 * shade));
    painter->save();
    painter->fillRect(option.rect, index.data(ConfusionMatrixModel::CountRole).toInt() > 0 ? fill : option.palette.base().color());
    if (option.state & QStyle::State_Selected) {
        painter->setPen(QPen(option.palette.highlight().color(), 2));
        painter->drawRect(option.rect.adjusted(1, 1, -1, -1));
    }
    const QString text = index.data().toString();
    QFont font = option.font;
    const int room = option.rect.width() - 4;
    for (int width = QFontMetrics(font).horizontalAdvance(text); width > room && font.pointSizeF() > 5;
         width = QFontMetrics(font).horizontalAdvance(text))
        font.setPointSizeF(font.pointSizeF() - 0.5);
    painter->setFont(font);
    painter->setPen(shade > 0.55 ? Qt::white : option.palette.text().color());
    painter->drawText(option.rect, Qt::AlignCenter, text);
    painter->restore();
}

void ModelListModel::setModels(const QVector<RegisteredModel> &models)
{
    beginResetModel();
    m_models = models;
    endResetModel();
}

int ModelListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_models.size());
}

int ModelListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ModelListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_models.size())
        return {};
    const RegisteredModel &model = m_models[index.row()];
    if (role == ModelIdRole)
        return model.id;
    if (role == Qt::FontRole && model.active) {
        QFont font;
        font.setBold(true);
        return font;
    }
    if (role != Qt::DisplayRole)
        return {};
    const QJsonObject validation = model.card.value(QStringLiteral("validation")).toObject();
    switch (index.column()) {
    case NameColumn: return model.active ? tr("%1 (active)").arg(elided(model.name)) : elided(model.name);
    case ArchitectureColumn: return elided(model.architecture);
    case AccuracyColumn: return percentText(validation.value(QStringLiteral("accuracy")).toDouble());
    case Top3Column: return percentText(validation.value(QStringLiteral("top3_accuracy")).toDouble());
    case EceColumn: return QString::number(validation.value(QStringLiteral("ece_calibrated")).toDouble(), 'f', 3);
    case ThresholdColumn: return percentText(model.threshold);
    case CoverageColumn: return percentText(validation.value(QStringLiteral("coverage_at_target")).toDouble());
    case RegisteredColumn: return QLocale().toString(model.registeredAt.toLocalTime(), QLocale::ShortFormat);
    default: return {};
    }
}

QVariant ModelListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    // Short titles, so that a narrow column never cuts them ("alidation accurac"); the tooltip says more.
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case AccuracyColumn: return tr("Accuracy on the validation items");
        case Top3Column: return tr("Share of validation items whose department is among the three likeliest");
        case EceColumn: return tr("Expected calibration error after temperature scaling (lower is better)");
        case ThresholdColumn: return tr("Confidence from which items are filed automatically");
        case CoverageColumn: return tr("Share of validation items filed automatically at the target accuracy");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Model");
    case ArchitectureColumn: return tr("Network");
    case AccuracyColumn: return tr("Accuracy");
    case Top3Column: return tr("Top-3");
    case EceColumn: return tr("ECE");
    case ThresholdColumn: return tr("Threshold");
    case CoverageColumn: return tr("Auto-filed");
    case RegisteredColumn: return tr("Registered");
    default: return {};
    }
}

} // namespace accession
