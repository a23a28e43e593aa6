#pragma once

#include "catalog/itemquery.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QSlider;
class QStackedWidget;
class QTableView;
class QToolButton;

namespace accession {

class Catalog;
class CatalogItemModel;
class ThumbnailDelegate;

// The catalog as a thumbnail grid or a detail list, with filters by department and status, a search
// by external id or file name, and an order by date or confidence.
class CatalogView : public QWidget
{
    Q_OBJECT
public:
    explicit CatalogView(CatalogItemModel *model, QWidget *parent = nullptr);

    // Refills the department filter from the catalog (after an import or a department edit).
    void refreshDepartments(const QVector<Department> &departments);
    void showGrid(bool grid);
    bool isGrid() const;
    // The grid's thumbnail edge in pixels (the Preferences setting, which the size slider changes too).
    void setThumbnailSize(int pixels);
    int thumbnailSize() const;
    QSlider *thumbnailSlider() const { return m_sizeSlider; }
    ThumbnailDelegate *thumbnailDelegate() const { return m_delegate; }
    QLabel *countLabel() const { return m_count; }
    QLabel *emptyStateLabel() const { return m_emptyState; }
    bool isShowingEmptyState() const;
    QListView *gridView() const { return m_grid; }
    QTableView *listView() const { return m_list; }
    QComboBox *departmentFilter() const { return m_department; }
    QComboBox *statusFilter() const { return m_status; }
    // The status filter's entry for out-of-scope items (its item data; the statuses' are their ItemStatus).
    static constexpr int kOutOfScopeFilter = -2;
    QLineEdit *searchField() const { return m_search; }
    QComboBox *orderBox() const { return m_order; }
    void selectItem(qint64 itemId);
    // The item last made current here (kept across reloads), 0 if none.
    qint64 currentItemId() const { return m_currentItemId; }

Q_SIGNALS:
    // Clicked, activated, or made current with the keyboard.
    void itemActivated(qint64 itemId);

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyFilter();
    void updateCount();
    void showItemsOrEmptyState();
    void layOutGrid();

    CatalogItemModel *m_model;
    QComboBox *m_department;
    QComboBox *m_status;
    QLineEdit *m_search;
    QComboBox *m_order;
    QToolButton *m_gridButton;
    QToolButton *m_listButton;
    QLabel *m_count;
    QStackedWidget *m_stack;
    QLabel *m_emptyState;
    bool m_showGrid = true;
    QListView *m_grid;
    ThumbnailDelegate *m_delegate;
    QSlider *m_sizeSlider;
    QTableView *m_list;
    qint64 m_currentItemId = 0;
    bool m_restoringCurrent = false;
};

} // namespace accession
