#pragma once

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;

class QChartView;
class QBarSet;
class QHorizontalBarSeries;
class QBarCategoryAxis;
class QValueAxis;

namespace accession {

class CatalogSession;
class DecisionCommand;
class ImageView;

// One item up close: the image, the model's calibrated top predictions as a bar chart, its history
// (import, predictions, labels, decisions), and the controls to set or correct its department. All it shows is read
// in one task on the catalog thread; a result for an item no longer current is dropped.
class ItemPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ItemPanel(CatalogSession *session, QWidget *parent = nullptr);

    // Says it is reading at once; the item fills the panel when its read arrives (itemShown).
    void showItem(qint64 itemId);
    qint64 itemId() const { return m_itemId; }
    // Reads the current item again; the panel keeps what it shows until the new read arrives.
    void refresh();
    bool isReading() const { return m_reading; }
    // Chart categories as shown, and the probabilities (0-1) behind the bars, which show percentages (for tests).
    QStringList chartCategories() const;
    QList<qreal> chartValues() const;
    // Instead of an empty chart: why there are no probabilities to show (no item, no model, not classified).
    QLabel *chartEmptyLabel() const { return m_chartEmpty; }
    bool isShowingChart() const;
    QListWidget *historyList() const { return m_history; }
    QLabel *titleLabel() const { return m_title; }
    QComboBox *departmentBox() const { return m_department; }
    QPushButton *fileButton() const { return m_fileButton; }
    QPushButton *acceptButton() const { return m_acceptButton; }
    // Why the curator's last change of the item was not saved (another session changed it first); hidden otherwise.
    QLabel *conflictLabel() const { return m_conflict; }
    // The item's latest decision in what the panel shows (0: none), what the curator saw.
    qint64 seenDecisionId() const;
    QCheckBox *groupsBox() const { return m_groups; }
    QString detailsText() const; // the source's metadata as shown (rich text); empty when hidden

Q_SIGNALS:
    void itemShown(qint64 itemId); // its read arrived and the panel shows it

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Details;

    void showDetails(const Details &details);
    void showChart();
    void fileUnderChosenDepartment();
    void pushDecision(DecisionCommand *command);
    // Names beside the bars when they all fit whole, else everyone's short label (the name on hover).
    void showChartLabels();

    CatalogSession *m_session;
    qint64 m_itemId = 0;
    quint64 m_generation = 0; // of the latest read; older results are dropped
    bool m_reading = false;
    std::shared_ptr<const Details> m_shown; // what the panel shows; the groups box regroups it without a read
    QString m_shownImagePath;
    QLabel *m_title;
    QLabel *m_details; // what the item's source said of it: title, culture, date, a link
    ImageView *m_image;
    QChartView *m_chartView;
    QLabel *m_chartEmpty;
    QStringList m_chartNames;      // the departments or groups of the bars, bottom-up
    QStringList m_chartShortNames; // their short labels
    QList<double> m_chartProbabilities;
    QBarSet *m_bars;
    QHorizontalBarSeries *m_series;
    QBarCategoryAxis *m_categories;
    QValueAxis *m_values;
    QCheckBox *m_groups;
    QListWidget *m_history;
    QComboBox *m_department;
    QPushButton *m_fileButton;
    QPushButton *m_acceptButton;
    QPushButton *m_unfileButton;
    QLabel *m_conflict;
};

} // namespace accession
