#include "confusionpanel.h"

#include "confusionmatrixview.h"
#include "dashboardmodels.h"
#include "displaytext.h"
#include "itemthumbnailmodel.h"
#include "plurals.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QVBoxLayout>

namespace accession {

namespace {

constexpr int kCellThumbnailSize = 96;
constexpr int kCellCaptionChars = 20; // a line under a thumbnail; the tooltip holds the rest

} // namespace

ConfusionPanel::ConfusionPanel(ConfusionMatrixModel *matrix, ItemThumbnailModel *cellItems, QWidget *parent)
    : QWidget(parent)
    , m_matrix(matrix)
    , m_cellItems(cellItems)
    , m_view(new ConfusionMatrixView(this))
    , m_normalisation(new QComboBox(this))
    , m_key(new DepartmentKeyList(this))
    , m_cellTitle(new QLabel(this))
    , m_cellGrid(new QListView(this))
{
    m_view->setModel(m_matrix);
    m_normalisation->addItem(tr("Counts"), int(ConfusionMatrixModel::Normalisation::None));
    m_normalisation->addItem(tr("Share of each true department (recall)"), int(ConfusionMatrixModel::Normalisation::ByRow));
    m_normalisation->addItem(tr("Share of each predicted department (precision)"), int(ConfusionMatrixModel::Normalisation::ByColumn));
    connect(m_normalisation, &QComboBox::currentIndexChanged, this, [this] {
        m_matrix->setNormalisation(ConfusionMatrixModel::Normalisation(m_normalisation->currentData().toInt()));
    });
    auto *normalisationRow = new QHBoxLayout;
    auto *normalisationLabel = new QLabel(tr("Cells show:"), this);
    normalisationLabel->setBuddy(m_normalisation);
    normalisationRow->addWidget(normalisationLabel);
    normalisationRow->addWidget(m_normalisation);
    normalisationRow->addStretch(1);
    connect(m_matrix, &QAbstractItemModel::modelReset, this,
            [this] { m_key->setDepartments(m_matrix->shortLabels(), m_matrix->departments()); });
    m_key->setDepartments(m_matrix->shortLabels(), m_matrix->departments());

    m_cellTitle->setTextFormat(Qt::PlainText);
    m_cellTitle->setWordWrap(true);
    m_cellGrid->setModel(m_cellItems);
    m_cellGrid->setViewMode(QListView::IconMode);
    m_cellGrid->setMovement(QListView::Static);
    m_cellGrid->setResizeMode(QListView::Adjust);
    m_cellGrid->setUniformItemSizes(true);
    m_cellGrid->setWordWrap(true);
    m_cellGrid->setTextElideMode(Qt::ElideMiddle);
    m_cellGrid->setIconSize(QSize(kCellThumbnailSize, kCellThumbnailSize));
    m_cellItems->setThumbnailSize(kCellThumbnailSize);
    m_cellGrid->setGridSize(QSize(kCellThumbnailSize + 56, kCellThumbnailSize + 3 * fontMetrics().height() + 8));
    m_cellGrid->setSelectionMode(QAbstractItemView::SingleSelection);
    // Two rows of thumbnails; more scroll inside the grid.
    m_cellGrid->setFixedHeight(2 * m_cellGrid->gridSize().height() + 2 * m_cellGrid->frameWidth() + 4);
    clearCellItems();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(normalisationRow);
    layout->addWidget(m_view);
    layout->addWidget(m_key);
    layout->addWidget(m_cellTitle);
    layout->addWidget(m_cellGrid);
    connect(m_view, &QTableView::clicked, this, &ConfusionPanel::cellChosen);
    connect(m_view, &QTableView::activated, this, &ConfusionPanel::cellChosen); // Enter on a cell
    connect(m_cellGrid, &QListView::activated, this,
            [this](const QModelIndex &index) { Q_EMIT itemOpened(index.data(ItemThumbnailModel::ItemIdRole).toLongLong()); });
}

QTableView *ConfusionPanel::matrixView() const
{
    return m_view;
}

QListWidget *ConfusionPanel::departmentKey() const
{
    return m_key;
}

void ConfusionPanel::setExamples(const QVector<EvaluatedExample> &examples)
{
    m_examples = examples;
    m_itemNames.clear();
    const std::optional<std::pair<int, int>> waiting = m_cell;
    clearCellItems();
    if (waiting) // chosen while the model was being measured
        listCell(waiting->first, waiting->second);
}

void ConfusionPanel::forgetExamples()
{
    m_examples.reset();
    m_itemNames.clear();
    clearCellItems();
}

void ConfusionPanel::setItemNames(const QHash<qint64, QString> &names)
{
    m_itemNames = names;
    if (m_cell && m_examples)
        fillCell(false);
}

void ConfusionPanel::showCellMessage(const QString &message)
{
    m_cellTitle->setText(message);
}

void ConfusionPanel::cellChosen(const QModelIndex &cell)
{
    listCell(cell.row(), cell.column());
}

void ConfusionPanel::listCell(int trueClass, int predictedClass)
{
    m_cell = std::pair{trueClass, predictedClass};
    if (!m_examples) {
        m_cellItems->setEntries({});
        m_cellGrid->hide();
        m_cellTitle->setText(tr("Measuring the model on its validation items…"));
        Q_EMIT evaluationWanted();
        return;
    }
    fillCell(true);
}

void ConfusionPanel::fillCell(bool bringIntoView)
{
    const auto [trueClass, predictedClass] = *m_cell;
    QVector<ItemThumbnailModel::Entry> entries;
    for (const EvaluatedExample &example : *m_examples) {
        if (example.trueClass != trueClass || example.predictedClass != predictedClass)
            continue;
        // The object's title or number says more to a curator than a file name.
        const QString name = m_itemNames.value(example.itemId, QFileInfo(example.path).fileName());
        ItemThumbnailModel::Entry entry;
        entry.itemId = example.itemId;
        entry.caption = QStringLiteral("%1\n%2").arg(elided(name, kCellCaptionChars), percentText(example.confidence));
        entry.toolTip = tr("%1\n%2\nconfidence %3").arg(elided(name, kToolTipChars / 3), elided(example.path, kToolTipChars / 3),
                                                          percentText(example.confidence));
        entries << entry;
    }
    m_cellItems->updateEntries(entries); // the same cell again keeps its thumbnails
    m_cellGrid->setVisible(!entries.isEmpty());
    const QString trueName = elided(m_departments.value(trueClass));
    const QString predictedName = elided(m_departments.value(predictedClass));
    m_cellTitle->setText(entries.isEmpty()
                             ? tr("No item of %1 predicted as %2.").arg(trueName, predictedName)
                             : plural(int(entries.size()), tr("%1 item of %2 predicted as %3 (double-click to open):"),
                                      tr("%1 items of %2 predicted as %3 (double-click to open):"))
                                   .arg(trueName, predictedName));
    if (bringIntoView && !entries.isEmpty())
        Q_EMIT cellListed();
}

void ConfusionPanel::clearCellItems()
{
    m_cell.reset();
    m_cellItems->setEntries({});
    m_cellGrid->hide();
    m_cellTitle->setText(tr("Click a cell to see its items."));
}

} // namespace accession
