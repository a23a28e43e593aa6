#pragma once

#include "catalog/reviewstore.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;

namespace accession {

class CatalogSession;
class ImageView;

// The review queue, one item at a time, most uncertain first. Built for the keyboard: 1-9 file the item
// under the department with that rank, Enter accepts the suggestion, S skips, Ctrl+Z undoes.
class ReviewWidget : public QWidget
{
    Q_OBJECT
public:
    explicit ReviewWidget(CatalogSession *session, QWidget *parent = nullptr);

    // Reads the queue again and shows its first item.
    void reload();
    qint64 currentItemId() const { return m_current ? m_current->itemId : 0; }
    qint64 remaining() const { return m_remaining; }
    QStringList rankedDepartments() const { return m_ranked; }

Q_SIGNALS:
    void openItemRequested(qint64 itemId);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void accept();
    void choose(int rank);
    void skip();

    CatalogSession *m_session;
    std::optional<ReviewEntry> m_current;
    qint64 m_remaining = 0;
    QStringList m_ranked;
    QVector<qint64> m_rankedIds;
    ImageView *m_image;
    QLabel *m_title;
    QLabel *m_count;
    QListWidget *m_candidates;
    QPushButton *m_acceptButton;
    QPushButton *m_skipButton;
    QPushButton *m_openButton;
};

} // namespace accession
