#include "confusionmatrixview.h"

#include "dashboardmodels.h"
#include "displaytext.h"

#include <QFontMetrics>
#include <QHeaderView>
#include <QResizeEvent>
#include <QScrollBar>

#include <algorithm>

namespace accession {

namespace {

// A key entry names its department this far; the tooltip holds the rest.
constexpr int kKeyNameChars = 36;

} // namespace

ConfusionMatrixView::ConfusionMatrixView(QWidget *parent)
    : QTableView(parent)
{
    setItemDelegate(new HeatmapDelegate(this));
    setSelectionMode(QAbstractItemView::SingleSelection);
    setWordWrap(false);
    setCornerButtonEnabled(false);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded); // only where even the narrowest columns do not fit
    // Bold headers for the selected cell would need wider columns than twenty of them can have.
    horizontalHeader()->setHighlightSections(false);
    verticalHeader()->setHighlightSections(false);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    horizontalHeader()->setMinimumSectionSize(8);
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void ConfusionMatrixView::setModel(QAbstractItemModel *model)
{
    QTableView::setModel(model);
    connect(model, &QAbstractItemModel::modelReset, this, &ConfusionMatrixView::updateGeometries);
    updateGeometries();
}

int ConfusionMatrixView::narrowestColumn() const
{
    if (!model())
        return 0;
    const QFontMetrics headerMetrics(horizontalHeader()->font());
    const int margin = style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, horizontalHeader());
    int widest = headerMetrics.horizontalAdvance(QStringLiteral("00"));
    for (int column = 0; column < model()->columnCount(); ++column)
        widest = std::max(widest, headerMetrics.horizontalAdvance(model()->headerData(column, Qt::Horizontal).toString()));
    // Cells draw a value wider than the column smaller, so they need only a little room of their own.
    return std::max(widest + 2 * margin + 1, QFontMetrics(font()).horizontalAdvance(QStringLiteral("100%")));
}

void ConfusionMatrixView::fitSections()
{
    if (!model())
        return;
    const int columns = model()->columnCount();
    const int rowHeight = fontMetrics().height() + 8;
    verticalHeader()->setDefaultSectionSize(rowHeight);
    if (columns > 0) {
        const int column = std::max(narrowestColumn(), viewport()->width() / columns);
        horizontalHeader()->setDefaultSectionSize(column);
        for (int section = 0; section < columns; ++section)
            horizontalHeader()->resizeSection(section, column);
    }
    const int scrollBar = horizontalScrollBar()->isVisible() ? horizontalScrollBar()->sizeHint().height() : 0;
    setFixedHeight(horizontalHeader()->sizeHint().height() + model()->rowCount() * rowHeight + 2 * frameWidth() + scrollBar);
}

void ConfusionMatrixView::updateGeometries()
{
    QTableView::updateGeometries();
    // Here the viewport has its final width (the row header's width settled); resizing sections comes back here.
    if (m_fitting)
        return;
    m_fitting = true;
    fitSections();
    m_fitting = false;
}

QSize ConfusionMatrixView::sizeHint() const
{
    const int columns = model() ? model()->columnCount() : 0;
    return {verticalHeader()->sizeHint().width() + columns * narrowestColumn() + 2 * frameWidth(), height()};
}

QSize ConfusionMatrixView::minimumSizeHint() const
{
    return {verticalHeader()->sizeHint().width() + 4 * narrowestColumn(), height()};
}

DepartmentKeyList::DepartmentKeyList(QWidget *parent)
    : QListWidget(parent)
{
    setViewMode(QListView::ListMode);
    setFlow(QListView::LeftToRight);
    setWrapping(true);
    setResizeMode(QListView::Adjust);
    setUniformItemSizes(true);
    setSelectionMode(QAbstractItemView::NoSelection);
    setFocusPolicy(Qt::NoFocus);
    setFrameShape(QFrame::NoFrame);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    viewport()->setAutoFillBackground(false);
}

void DepartmentKeyList::setDepartments(const QStringList &shortLabels, const QStringList &names)
{
    clear();
    int widest = 0;
    for (int index = 0; index < shortLabels.size() && index < names.size(); ++index) {
        auto *entry = new QListWidgetItem(QStringLiteral("%1  %2").arg(shortLabels[index], elided(names[index], kKeyNameChars)), this);
        entry->setToolTip(plainToolTip(names[index]));
        widest = std::max(widest, fontMetrics().horizontalAdvance(entry->text()));
    }
    setGridSize(QSize(widest + 24, fontMetrics().height() + 6));
    setFixedHeight(heightForItems(viewport()->width()));
}

int DepartmentKeyList::heightForItems(int width) const
{
    if (count() == 0)
        return 0;
    const int perRow = std::max(1, width / std::max(1, gridSize().width()));
    const int rows = (count() + perRow - 1) / perRow;
    return rows * gridSize().height() + 2 * frameWidth() + 4;
}

void DepartmentKeyList::resizeEvent(QResizeEvent *event)
{
    QListWidget::resizeEvent(event);
    // The height follows from the width alone, so setting it never changes the width back.
    if (event->size().width() != event->oldSize().width())
        setFixedHeight(heightForItems(viewport()->width()));
}

QSize DepartmentKeyList::sizeHint() const
{
    return {gridSize().width() * 3, heightForItems(gridSize().width() * 3)};
}

} // namespace accession
