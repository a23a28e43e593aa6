#include "reviewwidget.h"

#include "catalogsession.h"
#include "decisioncommand.h"
#include "departmentkeys.h"
#include "departmentkeysdialog.h"
#include "displaytext.h"
#include "plurals.h"
#include "reviewqueue.h"
#include "imageview.h"

#include "catalog/ranking.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QUndoStack>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace accession {

namespace {

constexpr int kProbabilityRole = Qt::UserRole + 1;

// A candidate as a bar as long as its probability, under its key, name and percentage.
class CandidateBarDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        const double probability = index.data(kProbabilityRole).toDouble();
        QRect bar = option.rect.adjusted(2, 3, -2, -3);
        bar.setWidth(int(bar.width() * std::clamp(probability, 0.0, 1.0)));
        QColor colour = option.palette.color(QPalette::Highlight);
        colour.setAlpha(90);
        painter->fillRect(bar, colour);
        QStyledItemDelegate::paint(painter, option, index);
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        size.setHeight(size.height() + 8);
        return size;
    }
};

} // namespace

ReviewWidget::ReviewWidget(CatalogSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_queue(new ReviewQueue(session, this))
{
    setFocusPolicy(Qt::StrongFocus);
    m_image = new ImageView(this);
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::RichText); // our markup around escaped, elided values
    m_title->setWordWrap(true);
    m_reason = new QLabel(this);
    m_reason->setTextFormat(Qt::PlainText);
    m_reason->setWordWrap(true);
    m_reason->hide();
    m_conflict = new QLabel(this);
    m_conflict->setTextFormat(Qt::PlainText);
    m_conflict->setWordWrap(true);
    m_conflict->hide();
    m_count = new QLabel(this);
    m_count->setTextFormat(Qt::PlainText);
    QFont bigger = m_count->font();
    bigger.setPointSizeF(bigger.pointSizeF() * 1.3);
    m_count->setFont(bigger);
    m_candidates = new QListWidget(this);
    m_candidates->setFocusPolicy(Qt::NoFocus);
    m_candidates->setItemDelegate(new CandidateBarDelegate(m_candidates));
    QFont fixedWidth = m_candidates->font();
    fixedWidth.setStyleHint(QFont::TypeWriter);
    fixedWidth.setFamily(QStringLiteral("monospace"));
    m_candidates->setFont(fixedWidth);
    m_acceptButton = new QPushButton(tr("Accept suggestion (Enter)"), this);
    m_skipButton = new QPushButton(tr("Skip (S)"), this);
    m_openButton = new QPushButton(tr("Open in catalog"), this);
    m_keysButton = new QPushButton(tr("Keys…"), this);
    m_keysButton->setToolTip(tr("Choose the key of each department"));
    for (QPushButton *button : {m_acceptButton, m_skipButton, m_openButton, m_keysButton})
        button->setFocusPolicy(Qt::NoFocus);
    auto *help = new QLabel(tr("The key beside a department files the item there · Enter: accept the suggestion · S: skip · "
                               "Ctrl+Z: undo"), this);
    help->setWordWrap(true);
    help->setStyleSheet(QStringLiteral("color: palette(mid);"));

    auto *side = new QVBoxLayout;
    side->addWidget(m_count);
    side->addWidget(m_conflict);
    side->addWidget(m_title);
    side->addWidget(m_reason);
    auto *candidatesHeader = new QHBoxLayout;
    candidatesHeader->addWidget(new QLabel(tr("Departments, most likely first, with their keys:"), this), 1);
    candidatesHeader->addWidget(m_keysButton);
    side->addLayout(candidatesHeader);
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
        if (const ReviewQueue::Item *current = m_queue->current())
            Q_EMIT openItemRequested(current->entry.id);
    });
    connect(m_keysButton, &QPushButton::clicked, this, [this] { openKeysDialog(); });
    connect(m_candidates, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem *item) {
        const QString name = m_ranked.value(m_candidates->row(item));
        if (const auto id = m_queue->departmentId(name); id && !name.isEmpty())
            choose(*id, name);
    });
    // The queue has already moved past the item; the curator reads why their decision on it was not written.
    connect(m_session, &CatalogSession::decisionConflict, this, [this](qint64 itemId, const QString &message) {
        m_conflict->setText(tr("Item %1: %2. Your decision was not saved.").arg(itemId).arg(message));
        m_conflict->show();
    });
    connect(m_queue, &ReviewQueue::loaded, this, &ReviewWidget::departmentsRead);
    connect(m_queue, &ReviewQueue::currentChanged, this, &ReviewWidget::showCurrent);
    connect(m_queue, &ReviewQueue::remainingChanged, this, &ReviewWidget::showRemaining);
    showCurrent();
}

void ReviewWidget::reload()
{
    m_queue->reload();
}

void ReviewWidget::showRemaining()
{
    if (!m_queue->hasCatalog())
        m_count->setText(tr("No catalog open."));
    else if (m_queue->isLoading())
        m_count->setText(tr("Reading the review queue…"));
    else if (!m_queue->hasActiveModel())
        m_count->setText(tr("No active model yet: train or register one first."));
    else
        m_count->setText(plural(m_queue->remaining(), tr("%1 item left to review"), tr("%1 items left to review")));
}

void ReviewWidget::departmentsRead()
{
    QStringList departments;
    for (const Department &department : m_queue->departments())
        departments << department.name;
    m_keys = DepartmentKeys::load(departments);
    m_keysButton->setEnabled(m_queue->hasCatalog());
}

QString ReviewWidget::reasonText() const
{
    return m_reason->text();
}

void ReviewWidget::showCurrent()
{
    // Everything here comes from the page read ahead: no catalog read between a key and the next item.
    const ReviewQueue::Item *current = m_queue->current();
    m_ranked.clear();
    m_candidates->clear();
    showRemaining();
    m_acceptButton->setEnabled(current != nullptr);
    m_skipButton->setEnabled(current != nullptr);
    m_openButton->setEnabled(current != nullptr);
    if (!current) {
        m_image->clearImage();
        if (m_queue->hasActiveModel() && !m_queue->isLoading())
            m_image->setText(tr("Nothing waits for review."));
        m_title->clear();
        m_reason->clear();
        m_reason->hide();
        Q_EMIT currentItemChanged(0);
        return;
    }
    const ItemRow &entry = current->entry;
    m_image->showFile(entry.path);
    m_title->setText(QStringLiteral("<b>%1</b>%2<br>%3")
                         .arg(elided(QFileInfo(entry.path).fileName()).toHtmlEscaped(),
                              entry.externalId.isEmpty() ? QString() : tr(" · id %1").arg(elided(entry.externalId).toHtmlEscaped()),
                              entry.skipped ? tr("skipped before")
                                            : tr("suggested: %1 (%2)").arg(elided(entry.predicted).toHtmlEscaped(),
                                                                           percentText(entry.confidence))));
    const QString reason = entry.outOfScope ? outOfScopeReason()
                           : entry.sentBack ? tr("sent back by a curator")
                                            : QString();
    m_reason->setText(reason.isEmpty() ? QString() : tr("Waits for review: %1").arg(reason));
    m_reason->setVisible(!reason.isEmpty());

    // Every department the model knows, ranked by its probability, each under its own fixed key.
    const std::vector<int> order = rankedClasses(current->probabilities);
    for (size_t rank = 0; rank < order.size(); ++rank) {
        const QString name = current->classes.value(order[rank]);
        if (!m_queue->departmentId(name))
            continue;
        m_ranked << name;
        const double probability = current->probabilities[size_t(order[rank])];
        const QChar key = m_keys.value(name);
        auto *item = new QListWidgetItem(QStringLiteral("[%1]  %2  %3").arg(key.isNull() ? QChar(u' ') : key)
                                             .arg(percentText(probability).rightJustified(6), elided(name)));
        item->setData(kProbabilityRole, probability);
        if (name.size() > kShownNameChars)
            item->setToolTip(plainToolTip(name));
        m_candidates->addItem(item);
    }
    if (isVisible()) // a reload while another view is shown must not take its keyboard
        setFocus();
    Q_EMIT currentItemChanged(entry.id);
}

void ReviewWidget::keyPressEvent(QKeyEvent *event)
{
    const int key = event->key();
    if ((key == Qt::Key_Return || key == Qt::Key_Enter) && (event->modifiers() & ~Qt::KeypadModifier) == Qt::NoModifier) {
        accept();
        return;
    }
    if (key == Qt::Key_S && event->modifiers() == Qt::NoModifier) {
        skip();
        return;
    }
    const Qt::KeyboardModifiers modifiers = event->modifiers() & ~(Qt::KeypadModifier | Qt::ShiftModifier);
    if (modifiers == Qt::NoModifier && event->text().size() == 1) {
        const QString department = departmentForKey(event->text()[0]);
        if (!department.isEmpty()) {
            if (const auto id = m_queue->departmentId(department))
                choose(*id, department);
            return;
        }
    }
    QWidget::keyPressEvent(event);
}

QString ReviewWidget::conflictText() const
{
    return m_conflict->isHidden() ? QString() : m_conflict->text();
}

qint64 ReviewWidget::seenDecisionId() const
{
    return m_queue->current() ? m_queue->current()->entry.latestDecisionId : 0;
}

void ReviewWidget::accept()
{
    if (const qint64 itemId = currentItemId())
        m_session->undoStack()->push(new DecisionCommand(m_session, itemId, DecisionCommand::Kind::Accept, 0, {}, seenDecisionId()));
}

void ReviewWidget::choose(qint64 departmentId, const QString &department)
{
    if (const qint64 itemId = currentItemId())
        m_session->undoStack()->push(
            new DecisionCommand(m_session, itemId, DecisionCommand::Kind::Choose, departmentId, department, seenDecisionId()));
}

QString ReviewWidget::departmentForKey(QChar key) const
{
    const QChar upper = key.toUpper();
    for (auto it = m_keys.cbegin(); it != m_keys.cend(); ++it) {
        if (it.value() == upper)
            return it.key();
    }
    return {};
}

DepartmentKeysDialog *ReviewWidget::openKeysDialog()
{
    if (!m_queue->hasCatalog())
        return nullptr;
    QStringList departments;
    for (const Department &department : m_queue->departments())
        departments << department.name;
    auto *dialog = new DepartmentKeysDialog(departments, DepartmentKeys::load(departments), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this] {
        departmentsRead();
        showCurrent();
    });
    dialog->open();
    return dialog;
}

void ReviewWidget::skip()
{
    if (const qint64 itemId = currentItemId())
        m_session->undoStack()->push(new DecisionCommand(m_session, itemId, DecisionCommand::Kind::Skip, 0, {}, seenDecisionId()));
}

} // namespace accession
