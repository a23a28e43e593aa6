#include "labelissues.h"

#include "backbone_torch.h"
#include "device.h"
#include "headfitting_torch.h"
#include "network_torch.h"
#include "trainingrecipe.h"
#include "trainingschedule.h"

#include "catalog/catalog.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QSqlQuery>
#include <QSet>

#include <stdexcept>

#include <algorithm>
#include <numeric>

namespace accession {

ConfidentLearning confidentLearning(const std::vector<double> &probabilities, const std::vector<int> &given, int classes)
{
    const int n = int(given.size());
    if (classes < 1 || probabilities.size() != size_t(n) * size_t(classes))
        throw std::invalid_argument("confidentLearning: the probabilities are not one row of every class per label");
    const auto p = [&](int row, int cls) { return probabilities[size_t(row) * size_t(classes) + size_t(cls)]; };

    ConfidentLearning result;
    QVector<qint64> labelled(classes, 0);
    QVector<double> sums(classes, 0.0);
    for (int row = 0; row < n; ++row) {
        ++labelled[given[row]];
        sums[given[row]] += p(row, given[row]);
    }
    result.thresholds.resize(classes);
    for (int cls = 0; cls < classes; ++cls)
        result.thresholds[cls] = labelled[cls] > 0 ? sums[cls] / double(labelled[cls]) : 1.0;

    result.confidentJoint = QVector<QVector<qint64>>(classes, QVector<qint64>(classes, 0));
    for (int row = 0; row < n; ++row) {
        const int label = given[row];
        // The most probable class among those at or above their threshold; on an exact tie the given label keeps it
        // (an issue needs the evidence to be against it), otherwise the lowest class index does.
        int suggested = -1;
        for (int cls = 0; cls < classes; ++cls) {
            if (p(row, cls) < result.thresholds[cls])
                continue;
            if (suggested < 0 || p(row, cls) > p(row, suggested) || (p(row, cls) == p(row, suggested) && cls == label))
                suggested = cls;
        }
        if (suggested < 0)
            continue; // confident of no class: counted nowhere, as in the paper
        ++result.confidentJoint[label][suggested];
        if (suggested != label)
            result.issues.push_back({row, label, suggested, 1.0 - p(row, label)});
    }
    // Self-confidence ranks (1 - p(given)): on the MET photographs with 5% of labels flipped its top 5% held 62% flipped
    // items against 52% for the normalised margin p(suggested) - p(given) (bench/label_issues.sh). A higher p(suggested)
    // breaks ties, then the row.
    std::sort(result.issues.begin(), result.issues.end(), [&](const ConfidentLearning::Issue &a, const ConfidentLearning::Issue &b) {
        if (a.score != b.score)
            return a.score > b.score;
        const double pa = p(a.row, a.suggested), pb = p(b.row, b.suggested);
        if (pa != pb)
            return pa > pb;
        return a.row < b.row;
    });

    // The calibrated confident joint (each given label's row rescaled to that label's count, as cleanlab's
    // calibrate_confident_joint does): its off-diagonal share estimates the error rate better than the raw
    // off-diagonal count, which leaves out every item confident of no class.
    double total = 0;
    double offDiagonal = 0;
    for (int label = 0; label < classes; ++label) {
        const qint64 rowTotal = std::accumulate(result.confidentJoint[label].begin(), result.confidentJoint[label].end(), qint64(0));
        if (rowTotal == 0)
            continue;
        for (int cls = 0; cls < classes; ++cls) {
            const double calibrated = double(result.confidentJoint[label][cls]) / double(rowTotal) * double(labelled[label]);
            total += calibrated;
            if (cls != label)
                offDiagonal += calibrated;
        }
    }
    result.estimatedErrorRate = total > 0 ? offDiagonal / total : 0.0;
    return result;
}

namespace {

torch::Tensor rowsOf(const torch::Tensor &tensor, const std::vector<int64_t> &rows)
{
    return tensor.index_select(0, torch::tensor(rows, torch::kInt64));
}

} // namespace

LabelIssueReport findLabelIssues(const LabelIssueRequest &request, const WorkControl &control)
{
    QElapsedTimer timer;
    timer.start();
    LabelIssueReport report;
    const int folds = request.folds;
    if (folds < 2)
        throw std::runtime_error(QStringLiteral("--folds must be at least 2 (got %1)").arg(folds).toStdString());
    report.folds = folds;

    Catalog catalog(request.catalogPath);
    // Read before the labels: a decision landing in between is then one the curator is told of, never one missed.
    QHash<qint64, qint64> latestDecisions;
    {
        QSqlQuery query = catalog.run(QStringLiteral("SELECT item_id, MAX(id) FROM review_decisions GROUP BY item_id"));
        while (query.next())
            latestDecisions.insert(query.value(0).toLongLong(), query.value(1).toLongLong());
    }
    const QVector<ItemRow> items = catalog.labelledItems();
    QHash<qint64, int> labelledCount;
    for (const ItemRow &item : items)
        ++labelledCount[item.departmentId];
    QHash<qint64, int> classOfDepartment;
    QVector<qint64> departmentOfClass;
    for (const Department &department : catalog.departments()) {
        if (labelledCount.value(department.id) > 0) {
            classOfDepartment.insert(department.id, int(report.classes.size()));
            report.classes.push_back(department.name);
            departmentOfClass.push_back(department.id);
        }
    }
    if (report.classes.size() < 2)
        throw std::runtime_error(QStringLiteral("%1 has labelled items in %2 department%3; checking labels needs at least two")
                                     .arg(catalog.path()).arg(report.classes.size()).arg(report.classes.size() == 1 ? "" : "s")
                                     .toStdString());
    for (const Department &department : catalog.departments()) {
        const int count = labelledCount.value(department.id);
        if (count > 0 && count < folds)
            throw std::runtime_error(QStringLiteral("%1: department '%2' has %3 labelled item%4, fewer than the %5 folds; "
                                                    "label more of its items or use fewer folds (--folds)")
                                         .arg(catalog.path(), department.name).arg(count).arg(count == 1 ? "" : "s").arg(folds)
                                         .toStdString());
    }
    const int classes = int(report.classes.size());

    configureComputeThreads(request.threads);
    const std::optional<ml::Backbone> loaded = ml::loadBackbone(
        {request.modelPath, request.weightsPath, request.architecture, {}, {}, QStringLiteral("label-issues")}, catalog, classes);
    if (!loaded)
        throw std::runtime_error(QStringLiteral("%1 has no active model: give --model MODEL.safetensors (or --weights "
                                                "with --arch for a pretrained backbone)").arg(catalog.path()).toStdString());
    ml::Backbone backbone = *loaded;
    report.backbone = backbone.path;
    const torch::Device device = ml::selectDevice();
    backbone.net->to(device);
    ml::useChannelsLast(*backbone.net);

    QVector<Example> examples;
    QSet<qint64> confirmedItems;
    for (const ItemRow &item : items) {
        examples.push_back({item.id, item.path, item.contentHash, classOfDepartment.value(item.departmentId)});
        if (item.labelSource == LabelSource::Curator)
            confirmedItems.insert(item.id);
    }

    ml::TrainingHooks hooks = ml::featureHooks(control, report.failures);
    hooks.diverged = [&](const QString &what, const QString &where, double rate) -> void {
        throw std::runtime_error(QStringLiteral("checking labels stopped: %1 at %2 (learning rate %3)")
                                     .arg(what, where).arg(rate).toStdString());
    };

    // Each image through the backbone once (and never again while the store beside the catalog keeps it).
    ml::FeatureStore store(ml::FeatureStore::pathFor(ml::featureCacheDirOf(catalog.path()), backbone.path, backbone.architecture,
                                                     backbone.preprocessing),
                           backbone.net->featureSize());
    ml::DecodedImageCache cache(backbone.preprocessing.resizeSize(), qint64(1) << 30);
    const torch::Tensor centre = ml::backboneFeatures(store, *backbone.net, device, cache, backbone.preprocessing, examples, 0,
                                                      request.batchSize, hooks);
    const torch::Tensor mirrored = ml::backboneFeatures(store, *backbone.net, device, cache, backbone.preprocessing, examples, 1,
                                                        request.batchSize, hooks);
    const torch::Tensor readableRows = (~(torch::isnan(centre).any(1) | torch::isnan(mirrored).any(1))).to(torch::kUInt8).contiguous();
    const std::vector<quint8> readable(readableRows.data_ptr<quint8>(), readableRows.data_ptr<quint8>() + readableRows.numel());

    // Folds stratified by department, seeded: each class's readable items in a shuffled order, dealt round. Within
    // the other folds, one item in five of each class validates the head's early stopping, so the held-out fold's
    // labels (the ones under suspicion) never choose the head that judges them.
    std::vector<int> foldOf(size_t(examples.size()), -1);
    for (int cls = 0; cls < classes; ++cls) {
        std::vector<int64_t> rows;
        for (int row = 0; row < examples.size(); ++row) {
            if (examples[row].classIndex == cls && readable[size_t(row)])
                rows.push_back(row);
        }
        const std::vector<int> order = shuffledOrder(int(rows.size()), mixSeed(request.seed, quint64(cls)));
        for (size_t position = 0; position < order.size(); ++position)
            foldOf[size_t(rows[size_t(order[position])])] = int(position % size_t(folds));
    }

    std::vector<double> probabilities(size_t(examples.size()) * size_t(classes), 0.0);
    std::vector<int64_t> labelValues;
    for (const Example &example : examples)
        labelValues.push_back(example.classIndex);
    const torch::Tensor allLabels = torch::tensor(labelValues, torch::kInt64);
    ml::TrainingHooks fitting = hooks;
    for (int fold = 0; fold < folds; ++fold) {
        control.throwIfCancelled();
        std::vector<int64_t> train, validation, heldOut;
        QVector<int> seenOfClass(classes, 0);
        for (int row = 0; row < examples.size(); ++row) {
            if (foldOf[size_t(row)] < 0)
                continue;
            if (foldOf[size_t(row)] == fold) {
                heldOut.push_back(row);
            } else if (seenOfClass[examples[row].classIndex]++ % 5 == 4) {
                validation.push_back(row);
            } else {
                train.push_back(row);
            }
        }
        fitting.progress = [&, fold](qint64, qint64, const QString &message) {
            control.report(fold, folds, QStringLiteral("Fold %1 of %2: %3").arg(fold + 1).arg(folds).arg(message));
        };
        control.report(fold, folds, QStringLiteral("Fold %1 of %2: fitting a head on %3 items").arg(fold + 1).arg(folds).arg(train.size()));
        {
            torch::NoGradGuard noGrad;
            torch::manual_seed(mixSeed(request.seed, quint64(fold) + 1000));
            backbone.net->head()->reset_parameters();
        }
        const torch::Tensor trainLabels = rowsOf(allLabels, train);
        ml::fitHeadOnFeatures(*backbone.net, device, torch::cat({rowsOf(centre, train), rowsOf(mirrored, train)}),
                              torch::cat({trainLabels, trainLabels}), rowsOf(centre, validation), rowsOf(allLabels, validation),
                              {kCachedHeadLearningRate, kCachedHeadWeightDecay, mixSeed(request.seed, quint64(fold))},
                              [](const torch::Tensor &logits, const torch::Tensor &target) {
                                  return torch::nn::functional::cross_entropy(logits, target);
                              },
                              fitting);
        // The held-out fold's probabilities: softmax of the head's logits, averaged over the photograph and its mirror.
        torch::NoGradGuard noGrad;
        backbone.net->eval();
        const torch::Tensor heldOutProbabilities =
            ((torch::softmax(backbone.net->classify(rowsOf(centre, heldOut).to(device)), 1)
              + torch::softmax(backbone.net->classify(rowsOf(mirrored, heldOut).to(device)), 1)) / 2)
                .to(torch::kCPU, torch::kFloat64).contiguous();
        const double *values = heldOutProbabilities.data_ptr<double>();
        for (size_t i = 0; i < heldOut.size(); ++i)
            std::copy(values + i * size_t(classes), values + (i + 1) * size_t(classes),
                      probabilities.begin() + std::ptrdiff_t(size_t(heldOut[i]) * size_t(classes)));
    }
    control.report(folds, folds, QStringLiteral("Ranking the labels"));

    // Confident learning over the readable items only.
    std::vector<int> checkedRows;
    std::vector<double> checkedProbabilities;
    std::vector<int> given;
    for (int row = 0; row < examples.size(); ++row) {
        if (foldOf[size_t(row)] < 0)
            continue;
        checkedRows.push_back(row);
        given.push_back(examples[row].classIndex);
        checkedProbabilities.insert(checkedProbabilities.end(), probabilities.begin() + std::ptrdiff_t(size_t(row) * size_t(classes)),
                                    probabilities.begin() + std::ptrdiff_t(size_t(row + 1) * size_t(classes)));
    }
    const ConfidentLearning learned = confidentLearning(checkedProbabilities, given, classes);
    report.itemsChecked = qint64(checkedRows.size());
    report.thresholds = learned.thresholds;
    report.estimatedErrorRate = learned.estimatedErrorRate;
    for (const ConfidentLearning::Issue &issue : learned.issues) {
        const Example &example = examples[checkedRows[size_t(issue.row)]];
        if (!request.includeConfirmed && confirmedItems.contains(example.itemId)) {
            ++report.confirmedLeftOut;
            continue;
        }
        LabelIssue item;
        item.itemId = example.itemId;
        item.path = example.path;
        item.given = report.classes[issue.given];
        item.suggested = report.classes[issue.suggested];
        item.givenDepartmentId = departmentOfClass[issue.given];
        item.suggestedDepartmentId = departmentOfClass[issue.suggested];
        item.score = issue.score;
        item.givenProbability = checkedProbabilities[size_t(issue.row) * size_t(classes) + size_t(issue.given)];
        item.suggestedProbability = checkedProbabilities[size_t(issue.row) * size_t(classes) + size_t(issue.suggested)];
        item.latestDecisionId = latestDecisions.value(example.itemId);
        report.items.push_back(item);
    }
    report.seconds = timer.elapsed() / 1000.0;
    return report;
}

} // namespace accession
