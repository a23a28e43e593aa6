#pragma once

#include <QWidget>

class QPushButton;
class QTableView;

namespace accession {

class ModelListModel;

// The catalog's models side by side, and a button to make the selected one active.
class ModelsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ModelsPanel(ModelListModel *models, QWidget *parent = nullptr);
    QTableView *view() const { return m_view; }
    QPushButton *activateButton() const { return m_activate; }

Q_SIGNALS:
    void activationRequested(qint64 modelId);

private:
    QTableView *m_view;
    QPushButton *m_activate;
};

} // namespace accession
