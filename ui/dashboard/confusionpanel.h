#pragma once

#include "ml/evaluation.h"

#include <QHash>
#include <QWidget>

#include <optional>
#include <utility>

class QComboBox;
class QLabel;
class QListView;
class QListWidget;
class QModelIndex;
class QTableView;

namespace accession {

class ConfusionMatrixModel;
class ConfusionMatrixView;
class DepartmentKeyList;
class ItemThumbnailModel;

// The confusion matrix as a heat map with short labels and their key, and under it the items behind a chosen
// cell as thumbnails (double-click opens one). Which items lie behind each cell comes from evaluating the model
// on its validation items: until they are handed over, choosing a cell asks for them (evaluationWanted) and
// lists it once they come.
class ConfusionPanel : public QWidget
{
    Q_OBJECT
public:
    ConfusionPanel(ConfusionMatrixModel *matrix, ItemThumbnailModel *cellItems, QWidget *parent = nullptr);

    // The catalog's names for the model's classes, in class order, for the cell's title (the model file that the
    // examples come from may carry older ones).
    void setDepartments(const QStringList &departments) { m_departments = departments; }
    void setExamples(const QVector<EvaluatedExample> &examples);
    void forgetExamples();
    bool hasExamples() const { return m_examples.has_value(); }
    // What to call each item under its thumbnail (its title or object number); its file name otherwise.
    void setItemNames(const QHash<qint64, QString> &names);
    // Says why the cells' items cannot be listed (the model file is missing).
    void showCellMessage(const QString &message);
    // Lists the items of true department trueClass predicted as predictedClass (a click on the cell).
    void listCell(int trueClass, int predictedClass);

    QTableView *matrixView() const;
    // Counts, or shares of the row (recall) or of the column (precision).
    QComboBox *normalisationBox() const { return m_normalisation; }
    QListWidget *departmentKey() const;
    QListView *cellGrid() const { return m_cellGrid; }
    QLabel *cellTitle() const { return m_cellTitle; }

Q_SIGNALS:
    void evaluationWanted();
    void itemOpened(qint64 itemId);
    void cellListed(); // thumbnails shown, perhaps below what the dashboard shows: scroll them into view

private:
    void cellChosen(const QModelIndex &cell);
    void fillCell(bool bringIntoView); // the items of m_cell, from the examples
    void clearCellItems();

    ConfusionMatrixModel *m_matrix;
    ItemThumbnailModel *m_cellItems;
    ConfusionMatrixView *m_view;
    QComboBox *m_normalisation;
    DepartmentKeyList *m_key;
    QLabel *m_cellTitle;
    QListView *m_cellGrid;
    QStringList m_departments;
    std::optional<QVector<EvaluatedExample>> m_examples;
    QHash<qint64, QString> m_itemNames;
    std::optional<std::pair<int, int>> m_cell; // listed, or waiting for the examples
};

} // namespace accession
