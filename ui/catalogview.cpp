#include "catalogview.h"

#include "catalogitemmodel.h"
#include "displaytext.h"
#include "plurals.h"
#include "preferencesdialog.h"
#include "thumbnaildelegate.h"

#include "catalog/catalog.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QStackedWidget>
#include <QTableView>
#include <QScopedValueRollback>
#include <QShortcut>
#include <QSlider>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace accession {

CatalogView::CatalogView(CatalogItemModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    m_department = new QComboBox(this);
    m_department->setMinimumContentsLength(18);
    m_department->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_status = new QComboBox(this);
    m_status->addItem(tr("Any status"), -1);
    for (ItemStatus status : {ItemStatus::NeedsReview, ItemStatus::AutoFiled, ItemStatus::Confirmed, ItemStatus::Labelled,
                              ItemStatus::Unlabelled})
        m_status->addItem(CatalogItemModel::statusLabel(status), int(status));
    // Not a status of its own: the items the active model found unlike any department's photographs (they wait in
    // review, or carry a label a curator gave them since).
    m_status->addItem(tr("Out of scope"), kOutOfScopeFilter);
    m_status->setItemData(m_status->count() - 1, tr("Photographs unlike any department's, which are never filed automatically"),
                          Qt::ToolTipRole);
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search external id or file name"));
    m_search->setClearButtonEnabled(true);
    m_order = new QComboBox(this);
    m_order->addItem(tr("Newest first"), int(ItemOrder::NewestFirst));
    m_order->addItem(tr("Oldest first"), int(ItemOrder::OldestFirst));
    m_order->addItem(tr("Least confident first"), int(ItemOrder::LeastConfidentFirst));
    m_order->addItem(tr("Most confident first"), int(ItemOrder::MostConfidentFirst));
    m_gridButton = new QToolButton(this);
    m_gridButton->setText(tr("Grid"));
    m_gridButton->setCheckable(true);
    m_gridButton->setChecked(true);
    m_listButton = new QToolButton(this);
    m_listButton->setText(tr("List"));
    m_listButton->setCheckable(true);
    m_count = new QLabel(this);
    m_sizeSlider = new QSlider(Qt::Horizontal, this);
    m_sizeSlider->setRange(Preferences::kMinThumbnailSize, Preferences::kMaxThumbnailSize);
    m_sizeSlider->setSingleStep(8);
    m_sizeSlider->setPageStep(32);
    m_sizeSlider->setFixedWidth(72);
    m_sizeSlider->setToolTip(tr("Thumbnail size (Ctrl++ and Ctrl+-)"));
    m_sizeSlider->setAccessibleName(tr("Thumbnail size"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_department);
    bar->addWidget(m_status);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_order);
    bar->addWidget(m_sizeSlider);
    bar->addWidget(m_gridButton);
    bar->addWidget(m_listButton);
    bar->addWidget(m_count);

    m_grid = new QListView(this);
    m_grid->setModel(model);
    m_grid->setModelColumn(CatalogItemModel::FileColumn);
    m_grid->setViewMode(QListView::IconMode);
    m_delegate = new ThumbnailDelegate(m_grid);
    m_grid->setItemDelegate(m_delegate);
    m_grid->setMouseTracking(true);
    m_grid->setResizeMode(QListView::Adjust);
    m_grid->setMovement(QListView::Static);
    m_grid->setUniformItemSizes(true);
    m_grid->setLayoutMode(QListView::Batched);
    m_grid->setBatchSize(200);
    m_grid->setWordWrap(false);
    m_grid->setTextElideMode(Qt::ElideMiddle);
    m_grid->setSelectionMode(QAbstractItemView::SingleSelection);

    m_list = new QTableView(this);
    m_list->setModel(model);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setIconSize(QSize(40, 40));
    m_list->setWordWrap(false);
    m_list->verticalHeader()->setDefaultSectionSize(44);
    m_list->verticalHeader()->hide();
    m_list->horizontalHeader()->setStretchLastSection(true);
    m_list->setColumnWidth(CatalogItemModel::FileColumn, 240);
    m_list->setColumnWidth(CatalogItemModel::DepartmentColumn, 200);
    m_list->setColumnWidth(CatalogItemModel::PredictedColumn, 200);

    // An empty pane says why it is empty (no catalog, nothing imported, nothing matches) and what to do.
    m_emptyState = new QLabel(this);
    m_emptyState->setTextFormat(Qt::PlainText); // it quotes the search text
    m_emptyState->setWordWrap(true);
    m_emptyState->setAlignment(Qt::AlignCenter);
    m_emptyState->setMargin(24);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_grid);
    m_stack->addWidget(m_list);
    m_stack->addWidget(m_emptyState);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_stack, 1);

    auto *searchDelay = new QTimer(this);
    searchDelay->setSingleShot(true);
    searchDelay->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, searchDelay, qOverload<>(&QTimer::start));
    connect(searchDelay, &QTimer::timeout, this, &CatalogView::applyFilter);
    connect(m_department, &QComboBox::currentIndexChanged, this, &CatalogView::applyFilter);
    connect(m_status, &QComboBox::currentIndexChanged, this, &CatalogView::applyFilter);
    connect(m_order, &QComboBox::currentIndexChanged, this,
            [this] { m_model->setOrder(ItemOrder(m_order->currentData().toInt())); });
    // The slider is the Preferences setting: moving it saves it, and the Preferences dialog starts from it.
    connect(m_sizeSlider, &QSlider::valueChanged, this, [this](int pixels) {
        setThumbnailSize(pixels);
        Preferences preferences = Preferences::load();
        preferences.thumbnailSize = pixels;
        preferences.save();
    });
    // Zoom keys while the catalog has the focus, as in image browsers.
    for (const auto &[keys, steps] : {std::pair{QKeySequence::ZoomIn, 1}, std::pair{QKeySequence::ZoomOut, -1}}) {
        auto *shortcut = new QShortcut(keys, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, [this, steps = steps] {
            if (m_showGrid)
                m_sizeSlider->setValue(m_sizeSlider->value() + steps * m_sizeSlider->pageStep());
        });
    }
    connect(m_gridButton, &QToolButton::clicked, this, [this] { showGrid(true); });
    connect(m_listButton, &QToolButton::clicked, this, [this] { showGrid(false); });
    connect(m_model, &CatalogItemModel::totalCountChanged, this, &CatalogView::updateCount);
    connect(m_model, &CatalogItemModel::firstPageLoaded, this, [this] { refreshDepartments(m_model->departments()); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        updateCount();
        // A reload (after a decision, an import) keeps the current item, quietly: the panel already shows it.
        const QScopedValueRollback restoring(m_restoringCurrent, true);
        selectItem(m_currentItemId);
    });
    const auto activate = [this](const QModelIndex &index) {
        if (!index.isValid() || m_restoringCurrent)
            return;
        m_currentItemId = index.data(CatalogItemModel::ItemIdRole).toLongLong();
        Q_EMIT itemActivated(m_currentItemId);
    };
    // The item panel follows the current item, whether the mouse or the arrow keys moved it.
    connect(m_grid->selectionModel(), &QItemSelectionModel::currentChanged, this, activate);
    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this, activate);
    connect(m_grid, &QListView::clicked, this, activate);
    connect(m_list, &QTableView::clicked, this, activate);
    connect(m_grid, &QListView::activated, this, activate);
    connect(m_list, &QTableView::activated, this, activate);
    setThumbnailSize(Preferences::kDefaultThumbnailSize);
    updateCount();
}

void CatalogView::refreshDepartments(const QVector<Department> &departments)
{
    const qint64 current = m_department->currentData().toLongLong();
    const QSignalBlocker blocker(m_department);
    m_department->clear();
    m_department->addItem(tr("All departments"), qint64(0));
    for (const Department &department : departments) {
        m_department->addItem(elided(department.name), department.id);
        if (department.name.size() > kShownNameChars)
            m_department->setItemData(m_department->count() - 1, plainToolTip(department.name), Qt::ToolTipRole);
    }
    const int index = m_department->findData(current);
    m_department->setCurrentIndex(index >= 0 ? index : 0);
}

void CatalogView::showGrid(bool grid)
{
    m_showGrid = grid;
    m_gridButton->setChecked(grid);
    m_listButton->setChecked(!grid);
    m_sizeSlider->setEnabled(grid);
    showItemsOrEmptyState();
}

bool CatalogView::isGrid() const
{
    return m_showGrid;
}

void CatalogView::setThumbnailSize(int pixels)
{
    pixels = std::clamp(pixels, Preferences::kMinThumbnailSize, Preferences::kMaxThumbnailSize);
    {
        const QSignalBlocker blocker(m_sizeSlider);
        m_sizeSlider->setValue(pixels);
    }
    m_delegate->setThumbnailSize(pixels);
    m_model->setThumbnailSide(pixels);
    m_grid->setIconSize(QSize(pixels, pixels));
    layOutGrid();
}

int CatalogView::thumbnailSize() const
{
    return m_delegate->thumbnailSize();
}

void CatalogView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    // The caption and badge lines are sized from the font.
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange)
        layOutGrid();
}

void CatalogView::layOutGrid()
{
    // Every cell the delegate's size, so that a portrait, a panorama and a caption never push into their neighbours.
    m_grid->setGridSize(m_delegate->cellSize(m_grid->fontMetrics()));
}

bool CatalogView::isShowingEmptyState() const
{
    return m_stack->currentWidget() == m_emptyState;
}

void CatalogView::showItemsOrEmptyState()
{
    if (m_model->rowCount() > 0) {
        m_stack->setCurrentWidget(m_showGrid ? static_cast<QWidget *>(m_grid) : m_list);
        return;
    }
    const ItemFilter filter = m_model->filter();
    const QString search = filter.search.trimmed();
    if (m_model->hasCatalog() && m_model->isLoading())
        m_emptyState->setText(tr("Reading the catalog…"));
    else if (!m_model->hasCatalog())
        m_emptyState->setText(tr("No catalog open.\n\nOpen one with File ▸ Open Catalog… or start one with File ▸ New "
                                 "Catalog…; File ▸ Open Demo Catalog shows a ready-made example."));
    else if (!search.isEmpty())
        m_emptyState->setText(tr("No items match “%1”.\n\nThe search looks in external ids and file names; clear it or "
                                 "try part of a name.")
                                  .arg(elided(search)));
    else if (filter.departmentId != 0 || filter.status || filter.outOfScopeOnly)
        m_emptyState->setText(tr("No items in this department or status.\n\nChoose “All departments” and “Any status” "
                                 "to see the whole catalog."));
    else
        m_emptyState->setText(tr("This catalog is empty.\n\nDrop photographs or folders here, or use File ▸ Import Files… "
                                 "(Ctrl+I) or File ▸ Import Folder…"));
    m_stack->setCurrentWidget(m_emptyState);
}

void CatalogView::selectItem(qint64 itemId)
{
    if (itemId <= 0)
        return;
    if (!m_restoringCurrent)
        m_currentItemId = itemId;
    const int row = m_model->rowOfItem(itemId);
    if (row < 0)
        return;
    const QModelIndex index = m_model->index(row, CatalogItemModel::FileColumn);
    m_grid->setCurrentIndex(index);
    m_list->setCurrentIndex(index);
    m_grid->scrollTo(index);
    m_list->scrollTo(index);
}

void CatalogView::applyFilter()
{
    ItemFilter filter;
    filter.departmentId = m_department->currentData().toLongLong();
    const int status = m_status->currentData().toInt();
    if (status >= 0)
        filter.status = ItemStatus(status);
    filter.outOfScopeOnly = status == kOutOfScopeFilter;
    filter.search = m_search->text();
    m_model->setFilter(filter);
}

void CatalogView::updateCount()
{
    if (m_model->hasCatalog() && m_model->totalCount() == 0 && m_model->rowCount() > 0)
        m_count->setText(tr("counting…")); // the first page is in, its count not yet
    else
        m_count->setText(plural(m_model->totalCount(), tr("%1 item"), tr("%1 items")));
    showItemsOrEmptyState();
}

} // namespace accession
