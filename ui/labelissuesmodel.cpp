#include "labelissuesmodel.h"

#include "displaytext.h"
#include "thumbnailloader.h"

#include <QApplication>
#include <QFileInfo>
#include <QIcon>
#include <QPainter>
#include <QPalette>

#include <algorithm>

namespace accession {

LabelIssuesModel::LabelIssuesModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_loader(new ThumbnailLoader(this))
{
    connect(m_loader, &ThumbnailLoader::thumbnailReady, this,
            [this](qint64 itemId, const QImage &image, int) { thumbnailArrived(itemId, image); });
    setThumbnailSize(m_side);
}

void LabelIssuesModel::setCatalogPath(const QString &path)
{
    if (path == m_catalogPath)
        return;
    m_catalogPath = path;
    clear();
    m_loader->setCatalogPath(path);
}

void LabelIssuesModel::setThumbnailSize(int side)
{
    m_side = side;
    m_placeholder = QPixmap(side, side);
    m_placeholder.fill(Qt::transparent);
}

void LabelIssuesModel::setIssues(const QVector<LabelIssue> &issues)
{
    m_loader->clearRequests();
    beginResetModel();
    m_rows.clear();
    m_rowOfItem.clear();
    for (const LabelIssue &issue : issues) {
        Row row;
        row.issue = issue;
        row.caption = QFileInfo(issue.path).fileName();
        m_rowOfItem.insert(issue.itemId, int(m_rows.size()));
        m_rows.push_back(row);
    }
    endResetModel();
    for (const Row &row : m_rows)
        m_loader->request(row.issue.itemId);
}

void LabelIssuesModel::setCaptions(const QHash<qint64, QString> &captions)
{
    for (auto it = captions.begin(); it != captions.end(); ++it) {
        const int row = rowOfItem(it.key());
        if (row < 0 || it.value().isEmpty())
            continue;
        m_rows[row].caption = it.value();
        Q_EMIT dataChanged(index(row, ItemColumn), index(row, ItemColumn), {Qt::DisplayRole, Qt::ToolTipRole});
    }
}

void LabelIssuesModel::setDecision(qint64 itemId, Decision decision)
{
    const int row = rowOfItem(itemId);
    if (row < 0 || m_rows[row].decision == decision)
        return;
    m_rows[row].decision = decision;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void LabelIssuesModel::reloadIssue(qint64 itemId, const QString &given, qint64 givenDepartmentId, qint64 latestDecisionId)
{
    const int row = rowOfItem(itemId);
    if (row < 0)
        return;
    LabelIssue &issue = m_rows[row].issue;
    issue.given = given;
    issue.givenDepartmentId = givenDepartmentId;
    issue.latestDecisionId = latestDecisionId;
    m_rows[row].decision = Decision::Pending;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int LabelIssuesModel::nextPendingRow(int row) const
{
    const int rows = int(m_rows.size());
    for (int step = 1; step <= rows; ++step) {
        const int candidate = ((row < 0 ? -1 : row) + step) % rows;
        if (m_rows[candidate].decision == Decision::Pending)
            return candidate;
    }
    return -1;
}

int LabelIssuesModel::countOf(Decision decision) const
{
    return int(std::count_if(m_rows.begin(), m_rows.end(), [decision](const Row &row) { return row.decision == decision; }));
}

int LabelIssuesModel::thumbnailsLoaded() const
{
    return int(std::count_if(m_rows.begin(), m_rows.end(), [](const Row &row) { return row.thumbnailArrived; }));
}

QString LabelIssuesModel::decisionText(Decision decision)
{
    switch (decision) {
    case Decision::Pending: return QString();
    case Decision::Confirmed: return tr("Confirmed");
    case Decision::Relabelled: return tr("Relabelled");
    case Decision::Skipped: return tr("Skipped");
    }
    return QString();
}

int LabelIssuesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LabelIssuesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LabelIssuesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &row = m_rows[index.row()];
    switch (role) {
    case ItemIdRole: return row.issue.itemId;
    case PathRole: return row.issue.path;
    case DecisionRole: return int(row.decision);
    case Qt::ForegroundRole:
        if (row.decision != Decision::Pending)
            return QApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        return {};
    default: break;
    }
    switch (index.column()) {
    case ItemColumn:
        if (role == Qt::DisplayRole)
            return elided(row.caption);
        if (role == Qt::ToolTipRole)
            return plainToolTip(row.caption + QLatin1Char('\n') + row.issue.path);
        if (role == Qt::DecorationRole) {
            // Laid out once, at its final size; shown untinted when selected, as the photograph looks.
            const QPixmap &pixmap = row.thumbnailArrived ? row.thumbnail : m_placeholder;
            QIcon icon(pixmap);
            icon.addPixmap(pixmap, QIcon::Selected);
            return icon;
        }
        break;
    case GivenColumn:
        if (role == Qt::DisplayRole)
            return elided(row.issue.given);
        if (role == Qt::ToolTipRole)
            return plainToolTip(tr("%1: %2 by the model's out-of-fold estimate").arg(row.issue.given, percentText(row.issue.givenProbability)));
        break;
    case SuggestedColumn:
        if (role == Qt::DisplayRole)
            return elided(row.issue.suggested);
        if (role == Qt::ToolTipRole)
            return plainToolTip(tr("%1: %2 by the model's out-of-fold estimate").arg(row.issue.suggested, percentText(row.issue.suggestedProbability)));
        break;
    case ScoreColumn:
        if (role == Qt::DisplayRole)
            return QString::number(row.issue.score, 'f', 2);
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        if (role == Qt::ToolTipRole)
            return tr("1 − the probability of the given department: higher is more suspicious");
        break;
    case DecisionColumn:
        if (role == Qt::DisplayRole)
            return decisionText(row.decision);
        break;
    default: break;
    }
    return {};
}

QVariant LabelIssuesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ItemColumn: return tr("Item");
    case GivenColumn: return tr("Labelled");
    case SuggestedColumn: return tr("Suggested");
    case ScoreColumn: return tr("Score");
    case DecisionColumn: return tr("Decision");
    default: return {};
    }
}

void LabelIssuesModel::thumbnailArrived(qint64 itemId, const QImage &image)
{
    const int row = rowOfItem(itemId);
    if (row < 0 || m_rows[row].thumbnailArrived)
        return;
    // Scaled once, here, into the square: every row the same height whatever the photograph's shape.
    QPixmap square = m_placeholder;
    if (!image.isNull()) {
        const QImage scaled = image.scaled(m_side, m_side, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        QPainter painter(&square);
        painter.drawImage((m_side - scaled.width()) / 2, (m_side - scaled.height()) / 2, scaled);
    }
    m_rows[row].thumbnail = square;
    m_rows[row].thumbnailArrived = true;
    Q_EMIT dataChanged(index(row, ItemColumn), index(row, ItemColumn), {Qt::DecorationRole});
}

} // namespace accession
