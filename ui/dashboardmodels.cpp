#include "dashboardmodels.h"

#include "displaytext.h"
#include "plurals.h"

#include <QColor>
#include <QFont>
#include <QJsonObject>
#include <QLocale>
#include <QPainter>

namespace accession {

namespace {

QString percent(double value)
{
    return QStringLiteral("%1%").arg(value * 100, 0, 'f', 1);
}

QString labelFromWords(const QStringList &words, int firstWordLetters)
{
    QString label;
    for (int index = 0; index < words.size(); ++index) {
        const QString &word = words[index];
        if (index == 0)
            label += word.left(firstWordLetters);
        else if (word.front().isUpper())
            label += word.front();
    }
    return label;
}

} // namespace

QStringList shortDepartmentLabels(const QStringList &names)
{
    QVector<QStringList> words;
    QStringList labels;
    for (const QString &fullName : names) {
        // From the start of a name only: a label is a few letters, and a 100 KB name must cost no more.
        const QString name = fullName.left(kShownNameChars);
        words.append(name.split(QLatin1Char(' '), Qt::SkipEmptyParts));
        labels.append(words.back().isEmpty() ? name : labelFromWords(words.back(), 1));
    }
    // Lengthen the first word of every label that is shared, until none is or the first words run out.
    for (int letters = 2;; ++letters) {
        const QStringList before = labels;
        bool anyLengthened = false;
        for (int index = 0; index < labels.size(); ++index) {
            if (before.count(before[index]) > 1 && !words[index].isEmpty() && words[index].front().size() >= letters) {
                labels[index] = labelFromWords(words[index], letters);
                anyLengthened = true;
            }
        }
        if (!anyLengthened)
            break;
    }
    // Names alike to the end of their first word: initials and the department's position.
    const QStringList lengthened = labels;
    for (int index = 0; index < labels.size(); ++index) {
        if (lengthened.count(lengthened[index]) > 1)
            labels[index] = (words[index].isEmpty() ? names[index].left(kShownNameChars) : labelFromWords(words[index], 1)) + QString::number(index + 1);
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
        return percent(data(index, Qt::EditRole).toDouble());
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
    m_columnLabels = shortDepartmentLabels(report.classes);
    m_counts = report.confusion;
    endResetModel();
}

int ConfusionMatrixModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_counts.size());
}

int ConfusionMatrixModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_counts.size());
}

QVariant ConfusionMatrixModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_counts.size() || index.column() >= m_counts[index.row()].size())
        return {};
    const int count = m_counts[index.row()][index.column()];
    switch (role) {
    case Qt::DisplayRole: return count;
    case ShareOfRowRole: {
        int total = 0;
        for (int value : m_counts[index.row()])
            total += value;
        return total > 0 ? double(count) / total : 0.0;
    }
    case Qt::ToolTipRole: // tooltips guess rich text: shown literally
        return plainToolTip(plural(count, tr("%1 item of %2 predicted as %3"), tr("%1 items of %2 predicted as %3"))
                                .arg(elided(m_classes.value(index.row()), kToolTipChars / 2), elided(m_classes.value(index.column()), kToolTipChars / 2)));
    case Qt::TextAlignmentRole: return int(Qt::AlignCenter);
    default: return {};
    }
}

QVariant ConfusionMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role == Qt::ToolTipRole)
        return plainToolTip(orientation == Qt::Vertical ? tr("true: %1").arg(m_classes.value(section))
                                                        : tr("predicted: %1").arg(m_classes.value(section)));
    if (role != Qt::DisplayRole)
        return {};
    // Columns are narrow: short labels there, names (elided when long) down the side.
    return orientation == Qt::Horizontal ? m_columnLabels.value(section) : elided(m_classes.value(section));
}

void HeatmapDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const double share = index.data(ConfusionMatrixModel::ShareOfRowRole).toDouble();
    const bool diagonal = index.row() == index.column();
    const QColor base = diagonal ? QColor(0x1f, 0x5f, 0x99) : QColor(0xc6, 0x28, 0x28);
    QColor fill = base;
    fill.setAlphaF(float(0.08 + 0.85 * share));
    painter->fillRect(option.rect, index.data().toInt() > 0 ? fill : option.palette.base().color());
    if (option.state & QStyle::State_Selected) {
        painter->setPen(QPen(option.palette.highlight().color(), 2));
        painter->drawRect(option.rect.adjusted(1, 1, -1, -1));
    }
    painter->setPen(share > 0.55 ? Qt::white : option.palette.text().color());
    painter->drawText(option.rect, Qt::AlignCenter, index.data().toString());
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
    case AccuracyColumn: return percent(validation.value(QStringLiteral("accuracy")).toDouble());
    case Top3Column: return percent(validation.value(QStringLiteral("top3_accuracy")).toDouble());
    case EceColumn: return QString::number(validation.value(QStringLiteral("ece_calibrated")).toDouble(), 'f', 3);
    case ThresholdColumn: return QString::number(model.threshold, 'f', 3);
    case CoverageColumn: return percent(validation.value(QStringLiteral("coverage_at_target")).toDouble());
    case RegisteredColumn: return QLocale().toString(model.registeredAt.toLocalTime(), QLocale::ShortFormat);
    default: return {};
    }
}

QVariant ModelListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Model");
    case ArchitectureColumn: return tr("Network");
    case AccuracyColumn: return tr("Validation accuracy");
    case Top3Column: return tr("Top-3");
    case EceColumn: return tr("ECE (calibrated)");
    case ThresholdColumn: return tr("Threshold");
    case CoverageColumn: return tr("Auto-filed at target");
    case RegisteredColumn: return tr("Registered");
    default: return {};
    }
}

} // namespace accession
