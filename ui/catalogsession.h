#pragma once

#include "catalog/reviewstore.h"

#include <QObject>
#include <QString>


class QUndoStack;

namespace accession {

class CatalogWorker;
class JobQueue;

// The open catalog as the GUI shares it: the catalog thread that views read through and decisions are written
// on (the GUI thread itself holds no connection), the one queue its background jobs run in, the undo stack for
// curator decisions, and notices of what changed, as precisely as the change knows it.
class CatalogSession : public QObject
{
    Q_OBJECT
public:
    explicit CatalogSession(QObject *parent = nullptr);
    ~CatalogSession() override;

    // Starts opening (and migrating, as a task on the catalog thread) the catalog: openingStarted at once, then
    // migrationProgress for each schema step, then opened() or openFailed(). The GUI thread waits for none of it.
    // After opened(), migrationProgress goes on for the indexes the migration left to build in the background.
    // path: a catalog file, or a postgresql:// URL (a shared catalog; its password from SessionPasswords or libpq).
    void open(const QString &path);
    void close();
    bool isOpen() const { return !m_openPath.isEmpty(); }
    bool isOpening() const { return !m_openingPath.isEmpty(); }
    // Every read and write goes through the catalog thread: the GUI thread holds no connection of its own.
    CatalogWorker *worker() const { return m_worker; }
    QString path() const;
    QUndoStack *undoStack() const { return m_undoStack; }
    // Every window and dialog submits here, so that two jobs never write the catalog at once.
    JobQueue *jobs() const { return m_jobs; }

    // One item's label, prediction or review state changed, from `before` to `after`.
    void notifyItemChanged(qint64 itemId, ItemStatus before, ItemStatus after)
    {
        Q_EMIT itemChanged(itemId);
        Q_EMIT itemStatusChanged(itemId, before, after);
    }
    void notifyItemsAdded() { Q_EMIT itemsAdded(); }
    void notifyCatalogChanged() { Q_EMIT catalogChanged(); }
    void notifyModelsChanged() { Q_EMIT modelsChanged(); }
    void reportError(const QString &message) { Q_EMIT errorOccurred(message); }
    void reportConflict(qint64 itemId, const QString &message) { Q_EMIT decisionConflict(itemId, message); }

Q_SIGNALS:
    void openingStarted(const QString &path);
    void migrationProgress(int stepsDone, int stepsTotal, const QString &step);
    void opened();
    void openFailed(const QString &path, const QString &message);
    void closed();
    void itemChanged(qint64 itemId);
    void itemStatusChanged(qint64 itemId, accession::ItemStatus before, accession::ItemStatus after);
    void itemsAdded();     // an import added items
    void catalogChanged(); // labels or departments changed in bulk (a merge, a rename, labelled import), or elsewhere:
    // another client of a shared catalog (or a job's connection) wrote to it, and catalogChangedElsewhere came first
    void catalogChangedElsewhere();
    void modelsChanged();  // registered, activated, threshold moved: every status may have changed
    void errorOccurred(const QString &message);
    // A decision on itemId was refused because another client decided it first ("Already filed under X by Y at T");
    // nothing of it was written.
    void decisionConflict(qint64 itemId, const QString &message);

private:
    void workerOpened(const QString &path);
    void workerOpenFailed(const QString &path, const QString &message);

    CatalogWorker *m_worker;
    QString m_openPath;    // once opened
    QString m_openingPath; // while opening
    QUndoStack *m_undoStack;
    JobQueue *m_jobs;
};

} // namespace accession
