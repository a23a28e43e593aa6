#pragma once

#include "catalog/problem.h"
#include "jobs/jobqueue.h"
#include "ml/labelissues.h"

#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace accession {

class CatalogSession;
class ImageView;
class LabelIssuesJob;
class LabelIssuesModel;

// Check labels: runs the label check (LabelIssuesJob) in the session's job queue and lists the items whose given
// department is probably wrong, most suspicious first, where a curator confirms the label, takes the suggestion
// (both written as curator labels, on the undo stack) or skips to the next.
class CheckLabelsWidget : public QWidget
{
    Q_OBJECT
public:
    explicit CheckLabelsWidget(CatalogSession *session, QWidget *parent = nullptr);

    // Reads which backbones the catalog offers (the active model, added pretrained weights) and starts the check
    // with the chosen one; says plainly what to do when there is none. Returns at once.
    void startCheck();
    void cancelCheck();
    bool isChecking() const { return m_jobId != 0; }

    // The curator's three answers on the current row; each moves on to the next item still pending.
    void confirmLabel();
    void takeSuggestion();
    void skip();

    LabelIssuesModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QComboBox *backboneChoice() const { return m_backbone; }
    QSpinBox *foldsChoice() const { return m_folds; }
    QLabel *summaryLabel() const { return m_summary; }
    QPushButton *confirmButton() const { return m_confirmButton; }
    QPushButton *takeButton() const { return m_takeButton; }
    QPushButton *skipButton() const { return m_skipButton; }
    qint64 currentItemId() const;
    // The last finished check's report (its items as found, before any decision).
    const LabelIssueReport &report() const { return m_report; }

Q_SIGNALS:
    void checkEnded(bool succeeded);
    void currentItemChanged(qint64 itemId); // 0: none
    void openItemRequested(qint64 itemId);
    void problemsFound(const QVector<accession::Problem> &problems);

private:
    class DecisionOnIssue;
    struct Backbone
    {
        QString label;
        QString modelPath;
        QString weightsPath;
        QString architecture;
    };

    void sessionOpened();
    void readBackbones(bool thenStart);
    void showBackbones(const QVector<Backbone> &backbones);
    void submitCheck();
    void checkFinished(LabelIssuesJob &job, const JobOutcome &outcome);
    void readCaptions();
    void decide(bool takeSuggestion);
    void reloadIssue(qint64 itemId); // reads the item's current label and latest decision into its row
    void selectRow(int row);
    void showCurrent();
    void showSummary();
    // Undo and redo of a decision made in this list (of this check only: `generation`).
    void decisionChanged(quint64 generation, qint64 itemId, int decision);

    CatalogSession *m_session;
    LabelIssuesModel *m_model;
    QComboBox *m_backbone;
    QSpinBox *m_folds;
    QPushButton *m_checkButton;
    QPushButton *m_cancelButton;
    QLabel *m_summary;
    QTableView *m_table;
    ImageView *m_image;
    QLabel *m_detail;
    QPushButton *m_confirmButton;
    QPushButton *m_takeButton;
    QPushButton *m_skipButton;
    QVector<Backbone> m_backbones;
    LabelIssueReport m_report;
    bool m_hasReport = false;
    QString m_progress; // the running check's last progress line
    QString m_failure;  // why the last check could not run
    QString m_conflict; // the last decision refused because another session had decided the item since the check
    JobId m_jobId = 0;
    quint64 m_generation = 0; // one per check shown: a decision of an older list leaves this one alone
    quint64 m_backbonesRead = 0;
    qint64 m_shownItemId = -1; // the item whose photograph and details are shown
};

} // namespace accession
