#pragma once

#include "catalog/catalogtypes.h"

#include <QHash>
#include <QVector>
#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;
class QHBoxLayout;

namespace accession {

class CatalogSession;
class ImageView;

// The near-duplicate groups the last check saved in the catalog (the same object re-photographed, cropped or
// recompressed), one group's photographs side by side, so a curator sees what the check joined before trusting a
// validation figure or a department count; and the button that runs the check again.
class NearDuplicatesView : public QWidget
{
    Q_OBJECT
public:
    explicit NearDuplicatesView(CatalogSession *session, QWidget *parent = nullptr);

    // Runs the check as a job (the active model's backbone, else the latest added pretrained weights, else
    // perceptual hashes alone); the groups it saves replace those shown.
    void findNearDuplicates();
    // Reads the saved groups again (after a catalog opens or changes).
    void reload();

    bool isFinding() const { return m_checkRunning; }
    // How many photographs the last check that succeeded compared; -1 before any.
    qint64 lastCheckedCount() const { return m_lastCheckedCount; }
    int groupCount() const { return int(m_groups.size()); }
    void selectGroup(int row);
    // The selected group's items as their tiles show them, in order; empty when none is selected.
    QVector<qint64> shownItems() const;
    QString shownPairsText() const;
    QString summaryText() const;
    QListWidget *groupList() const { return m_groupList; }
    QPushButton *findButton() const { return m_findButton; }

Q_SIGNALS:
    void groupsShown(int count); // saved groups were read, or a check's arrived
    void groupShown(qint64 groupId);
    void openItemRequested(qint64 itemId);

private:
    // What the list and the tiles show of one grouped item, read on the catalog thread.
    struct GroupedItem
    {
        QString path;
        QString department; // its label or the model's filing; empty when neither
        bool labelled = false;
        int width = 0;
        int height = 0;
    };
    // The saved groups with their items, and what the check would compare with.
    struct SavedGroups
    {
        QVector<NearDuplicateGroup> groups;
        QHash<qint64, GroupedItem> items;
        QString backboneModel;   // the active model's file; empty when none
        QString backboneWeights; // else the latest added pretrained weights still on disk
        QString weightsArchitecture;
    };

    void showSaved(const SavedGroups &saved);
    void showGroup(int row);
    void clearTiles();
    QString describeGroup(const NearDuplicateGroup &group) const;

    CatalogSession *m_session;
    QLabel *m_summary;
    QPushButton *m_findButton;
    QListWidget *m_groupList;
    QLabel *m_pairsLabel;
    QWidget *m_tileStrip;
    QHBoxLayout *m_tileLayout;
    QVector<NearDuplicateGroup> m_groups;
    QHash<qint64, GroupedItem> m_items;
    QVector<qint64> m_shownItems;
    QString m_backboneModel;
    QString m_backboneWeights;
    QString m_weightsArchitecture;
    QString m_lastCheckNote; // what the last check said beside its groups (failures, hashes only)
    quint64 m_readGeneration = 0;
    bool m_checkRunning = false;
    qint64 m_lastCheckedCount = -1;
};

} // namespace accession
