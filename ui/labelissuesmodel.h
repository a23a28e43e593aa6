#pragma once

#include "ml/labelissues.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QPixmap>
#include <QVector>

namespace accession {

class ThumbnailLoader;

// The likely mislabelled items of one label check, most suspicious first, each with what the curator decided here;
// thumbnails arrive from the loader thread, never decoded on the GUI thread.
class LabelIssuesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { ItemColumn, GivenColumn, SuggestedColumn, ScoreColumn, DecisionColumn, ColumnCount };
    // Decided rows stay in the list (greyed), so that an undo finds its row where the curator left it.
    enum class Decision { Pending, Confirmed, Relabelled, Skipped };
    enum Role { ItemIdRole = Qt::UserRole + 1, PathRole, DecisionRole };

    explicit LabelIssuesModel(QObject *parent = nullptr);

    void setCatalogPath(const QString &path);
    void setThumbnailSize(int side);
    // A new check's items, all pending; the thumbnails are asked for at once.
    void setIssues(const QVector<LabelIssue> &issues);
    void clear() { setIssues({}); }
    // Captions better than a file name (the source's title or object number), when they are read.
    void setCaptions(const QHash<qint64, QString> &captions);

    const LabelIssue &issue(int row) const { return m_rows[row].issue; }
    Decision decision(int row) const { return m_rows[row].decision; }
    int rowOfItem(qint64 itemId) const { return m_rowOfItem.value(itemId, -1); }
    // Records a decision made (or undone: Pending) on an item of the list; an item not in it is ignored.
    void setDecision(qint64 itemId, Decision decision);
    // The item as the catalog has it now, after another session decided it: its current label and latest decision
    // (what the curator now sees), pending again. An item not in the list is ignored.
    void reloadIssue(qint64 itemId, const QString &given, qint64 givenDepartmentId, qint64 latestDecisionId);
    // The first pending row after `row` (wrapping round to the top), -1 when none is left.
    int nextPendingRow(int row) const;
    int countOf(Decision decision) const;
    int thumbnailsLoaded() const;
    static QString decisionText(Decision decision);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        LabelIssue issue;
        QString caption;
        Decision decision = Decision::Pending;
        QPixmap thumbnail;
        bool thumbnailArrived = false;
    };
    void thumbnailArrived(qint64 itemId, const QImage &image);

    ThumbnailLoader *m_loader;
    QString m_catalogPath;
    int m_side = 64;
    QPixmap m_placeholder;
    QVector<Row> m_rows;
    QHash<qint64, int> m_rowOfItem;
};

} // namespace accession
