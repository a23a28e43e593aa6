#pragma once

#include "catalog/catalogtypes.h"

#include <QAbstractTableModel>
#include <QCache>
#include <QPixmap>

namespace accession {

class Catalog;

// The catalog's items as a table, fetched in pages so that huge catalogs open at once.
class CatalogItemModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { IdColumn, FileColumn, ExternalIdColumn, DepartmentColumn, SourceColumn, SizeColumn, ImportedColumn,
                  ColumnCount };
    enum Role { ItemIdRole = Qt::UserRole + 1, PathRole };

    static constexpr int kPageSize = 500;

    explicit CatalogItemModel(QObject *parent = nullptr);

    // The model reads through this connection (which must outlive it); nullptr empties the model.
    void setCatalog(Catalog *catalog);
    // Re-reads from the start, e.g. after an import.
    void reload();
    qint64 totalCount() const { return m_total; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

private:
    Catalog *m_catalog = nullptr;
    QVector<ItemRecord> m_rows;
    qint64 m_total = 0;
    bool m_fetching = false;
    mutable QCache<qint64, QPixmap> m_thumbnails{2000};
};

} // namespace accession
