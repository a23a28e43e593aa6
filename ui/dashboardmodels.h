#pragma once

#include "catalog/modelregistry.h"
#include "ml/metrics.h"

#include <QAbstractTableModel>
#include <QStyledItemDelegate>

namespace accession {

// Per-department metrics of one evaluation, one row per department (feeds the accuracy bar chart).
class PerClassMetricsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, AccuracyColumn, PrecisionColumn, RecallColumn, F1Column, SupportColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setReport(const EvaluationReport &report);
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<ClassMetrics> m_rows;
};

// At most this many characters in a short department label (more only when a name set leaves no other way).
constexpr int kShortLabelChars = 4;

// Short labels for narrow confusion-matrix columns and chart categories, one per department and all different:
// the initials of the name's significant words, without a leading "The" ("Greek and Roman Art" -> "GRA", "The
// American Wing" -> "AW"), the first two letters of a one-word name ("Photographs" -> "Ph"). Where two
// departments share them ("Arms and Armor", "Asian Art"), the first word grows letter by letter ("ArA", "AsA");
// names still alike get their position instead, so that every label differs and stays a few characters long.
QStringList shortDepartmentLabels(const QStringList &names);

// The confusion matrix: rows are true departments, columns predicted ones, in the model's class order. Cells
// show counts, or shares of their row (recall) or column (precision); both headers carry short labels.
class ConfusionMatrixModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum class Normalisation { None, ByRow, ByColumn };
    enum Role {
        CountRole = Qt::UserRole + 1, // the items in the cell
        ShareRole,                    // the cell's share of its row or column (0-1) as normalised; the count without
        ShadeRole,                    // how dark the heat map paints the cell (0-1)
        FullNameRole                  // headers: the department's whole name
    };
    using QAbstractTableModel::QAbstractTableModel;
    void setReport(const EvaluationReport &report);
    void setNormalisation(Normalisation normalisation);
    Normalisation normalisation() const { return m_normalisation; }
    QStringList shortLabels() const { return m_shortLabels; }
    QStringList departments() const { return m_classes; }
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int count(int row, int column) const;

    QStringList m_classes;
    QStringList m_shortLabels;
    QVector<QVector<int>> m_counts;
    QVector<int> m_rowTotals;    // what each cell is a share of, by row
    QVector<int> m_columnTotals; // and by column
    int m_largestCount = 0;
    Normalisation m_normalisation = Normalisation::None;
};

// Paints confusion cells as a heat map (the model's shade); a value wider than a narrow cell is drawn smaller, never cut.
class HeatmapDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

// The catalog's models side by side.
class ModelListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, ArchitectureColumn, AccuracyColumn, Top3Column, EceColumn, ThresholdColumn, CoverageColumn,
                  RegisteredColumn, ColumnCount };
    enum Role { ModelIdRole = Qt::UserRole + 1 };
    using QAbstractTableModel::QAbstractTableModel;
    void setModels(const QVector<RegisteredModel> &models);
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<RegisteredModel> m_models;
};

} // namespace accession
