#pragma once

#include <QDialog>

class QTextBrowser;

namespace accession {

// Help ▸ User Guide: the curator's path in a page, readable without a browser or a network.
class UserGuideDialog : public QDialog
{
    Q_OBJECT
public:
    explicit UserGuideDialog(QWidget *parent = nullptr);

    static QString guideHtml();
    QTextBrowser *browser() const { return m_browser; }

private:
    QTextBrowser *m_browser;
};

} // namespace accession
