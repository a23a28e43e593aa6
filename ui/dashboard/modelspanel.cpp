#include "modelspanel.h"

#include "dashboardmodels.h"

#include <QHeaderView>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace accession {

ModelsPanel::ModelsPanel(ModelListModel *models, QWidget *parent)
    : QWidget(parent)
    , m_view(new QTableView(this))
    , m_activate(new QPushButton(tr("Make selected model active"), this))
{
    m_view->setModel(models);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(ModelListModel::NameColumn, QHeaderView::Stretch);
    m_view->verticalHeader()->hide();
    m_view->setMinimumHeight(140);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    layout->addWidget(m_activate, 0, Qt::AlignRight);
    connect(m_activate, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_view->currentIndex();
        if (current.isValid())
            Q_EMIT activationRequested(current.data(ModelListModel::ModelIdRole).toLongLong());
    });
}

} // namespace accession
