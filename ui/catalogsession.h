#pragma once

#include <QObject>
#include <QString>

#include <memory>

class QUndoStack;

namespace accession {

class Catalog;
class JobQueue;

// The open catalog as the GUI shares it: the GUI thread's connection, the undo stack for curator
// decisions, notices that views should refresh, and the one queue its background jobs run in.
class CatalogSession : public QObject
{
    Q_OBJECT
public:
    explicit CatalogSession(QObject *parent = nullptr);
    ~CatalogSession() override;

    // Throws CatalogError when the file cannot be opened.
    void open(const QString &path);
    void close();
    Catalog *catalog() const { return m_catalog.get(); }
    QString path() const;
    QUndoStack *undoStack() const { return m_undoStack; }
    // Every window and dialog submits here, so that two jobs never write the catalog at once.
    JobQueue *jobs() const { return m_jobs; }

    void notifyItemChanged(qint64 itemId) { Q_EMIT itemChanged(itemId); }
    void notifyCatalogChanged() { Q_EMIT catalogChanged(); }
    void notifyModelsChanged() { Q_EMIT modelsChanged(); }
    void reportError(const QString &message) { Q_EMIT errorOccurred(message); }

Q_SIGNALS:
    void opened();
    void closed();
    void itemChanged(qint64 itemId);
    void catalogChanged(); // items, labels or departments changed in bulk
    void modelsChanged();  // registered, activated, threshold moved
    void errorOccurred(const QString &message);

private:
    std::unique_ptr<Catalog> m_catalog;
    QUndoStack *m_undoStack;
    JobQueue *m_jobs;
};

} // namespace accession
