#include "startpage.h"

#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QVBoxLayout>

namespace accession {

StartPage::StartPage(QWidget *parent)
    : QWidget(parent)
{
    setAcceptDrops(true);
    auto *title = new QLabel(tr("This catalog is empty"), this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.6);
    titleFont.setBold(true);
    title->setFont(titleFont);
    auto *hint = new QLabel(tr("Drop one folder per department here, or a CSV with labels."), this);
    QFont hintFont = hint->font();
    hintFont.setPointSizeF(hintFont.pointSizeF() * 1.2);
    hint->setFont(hintFont);
    // Lines broken by hand: a word-wrapped label centred in a box layout is given too little height.
    auto *steps = new QLabel(tr("1. Import labelled photographs: a folder holding one subfolder per department\n"
                                "    (photos/<department>/*.jpg), or a CSV naming each image's department.\n"
                                "2. Add a model file (Model ▸ Add Model File…), or train one on your labels\n"
                                "    (Model ▸ Train or Retrain…), fastest from pretrained weights you add\n"
                                "    (Model ▸ Add Pretrained Weights…, e.g. ImageNet MobileNetV2).\n"
                                "3. Import new, unlabelled photographs: the model files the confident ones\n"
                                "    and queues the rest for review."),
                             this);
    for (QLabel *label : {title, hint, steps}) {
        label->setTextFormat(Qt::PlainText);
        label->setAlignment(Qt::AlignHCenter);
    }
    steps->setAlignment(Qt::AlignLeft);

    auto *importLabelled = new QPushButton(tr("Import &Labelled…"), this);
    importLabelled->setObjectName(QStringLiteral("startImportLabelled"));
    auto *addModel = new QPushButton(tr("Add &Model File…"), this);
    addModel->setObjectName(QStringLiteral("startAddModel"));
    auto *addWeights = new QPushButton(tr("Add &Pretrained Weights…"), this);
    addWeights->setObjectName(QStringLiteral("startAddWeights"));
    auto *importUnlabelled = new QPushButton(tr("Import &Unlabelled Photographs…"), this);
    importUnlabelled->setObjectName(QStringLiteral("startImportUnlabelled"));
    connect(importLabelled, &QPushButton::clicked, this, &StartPage::importLabelledRequested);
    connect(addModel, &QPushButton::clicked, this, &StartPage::addModelRequested);
    connect(addWeights, &QPushButton::clicked, this, &StartPage::addWeightsRequested);
    connect(importUnlabelled, &QPushButton::clicked, this, &StartPage::importUnlabelledRequested);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(importLabelled);
    buttons->addWidget(addModel);
    buttons->addWidget(addWeights);
    buttons->addWidget(importUnlabelled);
    buttons->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->addStretch();
    layout->addWidget(title);
    layout->addWidget(hint);
    layout->addSpacing(16);
    layout->addLayout(buttons);
    layout->addSpacing(16);
    layout->addWidget(steps, 0, Qt::AlignHCenter);
    layout->addStretch();
}

void StartPage::handleDroppedPaths(const QStringList &paths)
{
    if (paths.size() == 1) {
        const QFileInfo info(paths.first());
        if (info.isDir() && !QDir(info.filePath()).entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty()) {
            Q_EMIT departmentFoldersDropped(info.filePath());
            return;
        }
        if (info.isFile() && isCatalogFileName(info.filePath())) {
            Q_EMIT catalogDropped(info.filePath());
            return;
        }
        if (info.isFile() && info.suffix().compare(QLatin1String("csv"), Qt::CaseInsensitive) == 0) {
            Q_EMIT csvDropped(info.filePath());
            return;
        }
    }
    if (!paths.isEmpty())
        Q_EMIT unlabelledDropped(paths);
}

void StartPage::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

QStringList droppedLocalPaths(const QMimeData *mimeData)
{
    QStringList paths;
    for (const QUrl &url : mimeData->urls()) {
        if (url.isLocalFile())
            paths << url.toLocalFile();
    }
    return paths;
}

bool isCatalogFileName(const QString &path)
{
    return QFileInfo(path).suffix().compare(QLatin1String("accession"), Qt::CaseInsensitive) == 0;
}

void StartPage::dropEvent(QDropEvent *event)
{
    const QStringList paths = droppedLocalPaths(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    handleDroppedPaths(paths);
}

} // namespace accession
