#pragma once

#include "reviewqueue.h"

#include <QHash>
#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;

namespace accession {

class CatalogSession;
class DepartmentKeysDialog;
class ImageView;

// The review queue, one item at a time, most uncertain first. Built for the keyboard: each department has a
// fixed key (shown beside it, configurable), Enter accepts the suggestion, S skips, Ctrl+Z undoes. The next item
// is always in hand (ReviewQueue reads ahead), so a key shows it at once.
class ReviewWidget : public QWidget
{
    Q_OBJECT
public:
    explicit ReviewWidget(CatalogSession *session, QWidget *parent = nullptr);

    // Reads the queue again (on the catalog thread) and shows its first item when it arrives.
    void reload();
    qint64 currentItemId() const { return m_queue->current() ? m_queue->current()->entry.id : 0; }
    // The last conflict with another client's decision, as shown above the item; empty when none.
    QString conflictText() const;
    qint64 remaining() const { return m_queue->remaining(); }
    ReviewQueue *queue() const { return m_queue; }
    QStringList rankedDepartments() const { return m_ranked; }
    // The department a key files under, empty if none; the key of a department, null if none.
    QString departmentForKey(QChar key) const;
    QChar keyOfDepartment(const QString &department) const { return m_keys.value(department); }
    QListWidget *candidateList() const { return m_candidates; }
    // Why the current item waits when it is more than a low confidence (out of scope, sent back); empty otherwise.
    QString reasonText() const;
    // Opens the dialog that sets the departments' keys (deleted on close).
    DepartmentKeysDialog *openKeysDialog();

Q_SIGNALS:
    void openItemRequested(qint64 itemId);
    // The item under review changed (0: none), so the item panel can show it.
    void currentItemChanged(qint64 itemId);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void accept();
    void choose(qint64 departmentId, const QString &department);
    void skip();
    qint64 seenDecisionId() const; // the current item's latest decision when the queue read it
    void showCurrent();
    void showRemaining();
    void departmentsRead();

    CatalogSession *m_session;
    ReviewQueue *m_queue;
    QStringList m_ranked;
    QHash<QString, QChar> m_keys; // department name -> its review key
    ImageView *m_image;
    QLabel *m_title;
    QLabel *m_count;
    QLabel *m_reason;
    QLabel *m_conflict;
    QListWidget *m_candidates;
    QPushButton *m_acceptButton;
    QPushButton *m_skipButton;
    QPushButton *m_openButton;
    QPushButton *m_keysButton;
};

} // namespace accession
