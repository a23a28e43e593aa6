#include "reviewwidget.h"

#include "catalogsession.h"
#include "decisioncommand.h"
#include "displaytext.h"
#include "plurals.h"
#include "imageview.h"

#include "catalog/catalog.h"
#include "catalog/modelregistry.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QUndoStack>
#include <QVBoxLayout>

#include <numeric>

namespace accession {

ReviewWidget::ReviewWidget(CatalogSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
{
    setFocusPolicy(Qt::StrongFocus);
    m_image = new ImageView(this);
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::RichText); // our markup around escaped, elided values
    m_title->setWordWrap(true);
    m_count = new QLabel(this);
    m_count->setTextFormat(Qt::PlainText);
    QFont bigger = m_count->font();
    bigger.setPointSizeF(bigger.pointSizeF() * 1.3);
    m_count->setFont(bigger);
    m_candidates = new QListWidget(this);
    m_candidates->setFocusPolicy(Qt::NoFocus);
    m_acceptButton = new QPushButton(tr("Accept suggestion (Enter)"), this);
    m_skipButton = new QPushButton(tr("Skip (S)"), this);
    m_openButton = new QPushButton(tr("Open in catalog"), this);
    for (QPushButton *button : {m_acceptButton, m_skipButton, m_openButton})
        button->setFocusPolicy(Qt::NoFocus);
    auto *help = new QLabel(tr("1–9: file under that department · Enter: accept the suggestion · S: skip · Ctrl+Z: undo"), this);
    help->setWordWrap(true);
    help->setStyleSheet(QStringLiteral("color: palette(mid);"));

    auto *side = new QVBoxLayout;
    side->addWidget(m_count);
    side->addWidget(m_title);
    side->addWidget(new QLabel(tr("Departments, most likely first:"), this));
    side->addWidget(m_candidates, 1);
    side->addWidget(m_acceptButton);
    side->addWidget(m_skipButton);
    side->addWidget(m_openButton);
    side->addWidget(help);
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_image, 3);
    layout->addLayout(side, 2);

    connect(m_acceptButton, &QPushButton::clicked, this, &ReviewWidget::accept);
    connect(m_skipButton, &QPushButton::clicked, this, &ReviewWidget::skip);
    connect(m_openButton, &QPushButton::clicked, this, [this] {
        if (m_current)
            Q_EMIT openItemRequested(m_current->itemId);
    });
    connect(m_candidates, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem *item) { choose(m_candidates->row(item) + 1); });
    connect(session, &CatalogSession::opened, this, &ReviewWidget::reload);
    connect(session, &CatalogSession::closed, this, &ReviewWidget::reload);
    connect(session, &CatalogSession::catalogChanged, this, &ReviewWidget::reload);
    connect(session, &CatalogSession::modelsChanged, this, &ReviewWidget::reload);
    connect(session, &CatalogSession::itemChanged, this, &ReviewWidget::reload);
    reload();
}

void ReviewWidget::reload()
{
    m_current.reset();
    m_ranked.clear();
    m_rankedIds.clear();
    m_candidates->clear();
    m_remaining = 0;
    Catalog *catalog = m_session->catalog();
    const auto active = catalog ? ModelRegistry(*catalog).activeModel() : std::nullopt;
    if (!catalog || !active) {
        m_image->clearImage();
        m_count->setText(catalog ? tr("No active model yet: train or register one first.") : tr("No catalog open."));
        m_title->clear();
        m_acceptButton->setEnabled(false);
        m_skipButton->setEnabled(false);
        m_openButton->setEnabled(false);
        return;
    }
    ReviewStore store(*catalog);
    m_remaining = store.queueSize(active->id, active->threshold);
    const QVector<ReviewEntry> first = store.queue(active->id, active->threshold, 1);
    m_count->setText(plural(m_remaining, tr("%1 item left to review"), tr("%1 items left to review")));
    m_acceptButton->setEnabled(!first.isEmpty());
    m_skipButton->setEnabled(!first.isEmpty());
    m_openButton->setEnabled(!first.isEmpty());
    if (first.isEmpty()) {
        m_image->clearImage();
        m_image->setText(tr("Nothing waits for review."));
        m_title->clear();
        return;
    }
    m_current = first.first();
    m_image->showFile(m_current->path);
    m_title->setText(QStringLiteral("<b>%1</b>%2<br>%3")
                         .arg(elided(QFileInfo(m_current->path).fileName()).toHtmlEscaped(),
                              m_current->externalId.isEmpty() ? QString() : tr(" · id %1").arg(elided(m_current->externalId).toHtmlEscaped()),
                              m_current->skipped ? tr("skipped before") : tr("suggested: %1").arg(elided(m_current->predicted).toHtmlEscaped())));

    // Every department the model knows, ranked by its probability; the keys 1-9 reach the first nine.
    const auto prediction = store.prediction(m_current->itemId, active->id);
    if (prediction) {
        std::vector<int> order(prediction->probabilities.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return prediction->probabilities[size_t(a)] > prediction->probabilities[size_t(b)]; });
        for (size_t rank = 0; rank < order.size(); ++rank) {
            const QString name = prediction->classes.value(order[rank]);
            const auto id = catalog->departmentIdByName(name);
            if (!id)
                continue;
            m_ranked << name;
            m_rankedIds << *id;
            const QString key = m_ranked.size() <= 9 ? QString::number(m_ranked.size()) : QStringLiteral(" ");
            m_candidates->addItem(QStringLiteral("%1   %2   %3%").arg(key, elided(name))
                                      .arg(prediction->probabilities[size_t(order[rank])] * 100, 0, 'f', 1));
        }
    }
    setFocus();
}

void ReviewWidget::keyPressEvent(QKeyEvent *event)
{
    const int key = event->key();
    if (key >= Qt::Key_1 && key <= Qt::Key_9 && event->modifiers() == Qt::NoModifier) {
        choose(key - Qt::Key_0);
        return;
    }
    if ((key == Qt::Key_Return || key == Qt::Key_Enter) && event->modifiers() == Qt::NoModifier) {
        accept();
        return;
    }
    if (key == Qt::Key_S && event->modifiers() == Qt::NoModifier) {
        skip();
        return;
    }
    QWidget::keyPressEvent(event);
}

void ReviewWidget::accept()
{
    if (m_current)
        m_session->undoStack()->push(new DecisionCommand(m_session, m_current->itemId, DecisionCommand::Kind::Accept));
}

void ReviewWidget::choose(int rank)
{
    if (!m_current || rank < 1 || rank > m_rankedIds.size())
        return;
    m_session->undoStack()->push(new DecisionCommand(m_session, m_current->itemId, DecisionCommand::Kind::Choose,
                                                     m_rankedIds[rank - 1], m_ranked[rank - 1]));
}

void ReviewWidget::skip()
{
    if (m_current)
        m_session->undoStack()->push(new DecisionCommand(m_session, m_current->itemId, DecisionCommand::Kind::Skip));
}

} // namespace accession
