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

// Short labels for narrow confusion-matrix columns, one per department and all different: the capitals of
// the name's words ("Greek and Roman Art" -> "GRA"). Where two departments share them ("Arms and Armor",
// "Asian Art"), the first word grows letter by letter ("ArA", "AsA"); names alike to the end of their first word get their position as well.
QStringList shortDepartmentLabels(const QStringList &names);

// The confusion matrix: rows are true departments, columns predicted ones, in the model's class order.
class ConfusionMatrixModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role { ShareOfRowRole = Qt::UserRole + 1 };
    using QAbstractTableModel::QAbstractTableModel;
    void setReport(const EvaluationReport &report);
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QStringList m_classes;
    QStringList m_columnLabels;
    QVector<QVector<int>> m_counts;
};

// Paints confusion cells as a heat map: the share of the true department's items in that cell.
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
