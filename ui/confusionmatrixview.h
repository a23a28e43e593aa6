#pragma once

#include <QListWidget>
#include <QTableView>

namespace accession {

// The confusion matrix as a table whose columns share the width it is given: twenty departments fit a
// 1366-pixel screen with whole short labels, and the table is as tall as its rows, so it never scrolls.
class ConfusionMatrixView : public QTableView
{
    Q_OBJECT
public:
    explicit ConfusionMatrixView(QWidget *parent = nullptr);
    void setModel(QAbstractItemModel *model) override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    // The narrowest column that shows every header label and a cell's value whole.
    int narrowestColumn() const;

protected:
    void updateGeometries() override;

private:
    void fitSections();

    bool m_fitting = false;
};

// Short label and full name of each department, laid out in as many columns as the width allows (the key
// beside the confusion matrix); hovering an entry shows the whole name.
class DepartmentKeyList : public QListWidget
{
    Q_OBJECT
public:
    explicit DepartmentKeyList(QWidget *parent = nullptr);
    void setDepartments(const QStringList &shortLabels, const QStringList &names);
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    int heightForItems(int width) const;
};

} // namespace accession
