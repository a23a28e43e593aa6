#include "evaluation.h"

#include "predictor.h"
#include "trainedmodel.h"
#include "weightserror.h"

#include "catalog/catalog.h"
#include "catalog/cataloglocation.h"
#include "catalog/classificationlevel.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <optional>

namespace accession {

namespace {

// Whether a model card's catalog is this one: the same file, or the same URL however it was written.
bool sameLocation(const QString &cardCatalog, const QString &catalogPath)
{
    try {
        return CatalogLocation::parse(cardCatalog).display() == catalogPath;
    } catch (const CatalogError &) {
        return false; // a card naming a URL that cannot be read is no catalog of this one
    }
}

// A department model's measurements at group level: each group's probability is the sum of its departments'
// (calibrated) ones, given to evaluate() as log-probabilities at temperature 1 so that its softmax gives them back.
void rollUpToGroups(LogitSet &set, QStringList &classes, double &temperature, QVector<EvaluatedExample> &examples,
                    const ClassRollup &groups)
{
    QStringList groupClasses;
    QVector<int> groupOf;
    for (const QString &name : classes) {
        const QString group = groups.classOf(name);
        if (!groupClasses.contains(group))
            groupClasses << group;
        groupOf.push_back(int(groupClasses.indexOf(group)));
    }
    LogitSet rolled;
    rolled.classes = int(groupClasses.size());
    for (int row = 0; row < set.count(); ++row) {
        const std::vector<double> p = softmax(set.logits.data() + size_t(row) * size_t(set.classes), set.classes, temperature);
        std::vector<double> sums(size_t(rolled.classes), 0.0);
        for (int c = 0; c < set.classes; ++c)
            sums[size_t(groupOf[c])] += p[size_t(c)];
        for (double sum : sums)
            rolled.logits.push_back(float(std::log(std::max(sum, 1e-30))));
        rolled.labels.push_back(groupOf.value(set.labels[size_t(row)]));
        if (row < examples.size()) {
            EvaluatedExample &example = examples[row];
            example.trueClass = groupOf.value(example.trueClass);
            example.predictedClass = int(std::max_element(sums.begin(), sums.end()) - sums.begin());
            example.confidence = sums[size_t(example.predictedClass)];
        }
    }
    set = rolled;
    classes = groupClasses;
    temperature = 1.0;
}

} // namespace

EvaluationResult evaluateModel(const EvaluationRequest &request, const WorkControl &control)
{
    const std::unique_ptr<TrainedModel> model = TrainedModel::load(request.modelPath);
    const ModelCard &card = model->card();
    EvaluationResult result;
    QVector<Example> examples;

    const auto fromTasks = [&](const ImportPlan &plan) {
        result.failures += plan.failures;
        for (const ImportTask &task : plan.tasks) {
            const int cls = int(card.classes.indexOf(task.label));
            if (cls < 0) {
                result.failures.push_back({task.path, QStringLiteral("department '%1' is not one of the model's classes").arg(task.label)});
                continue;
            }
            examples.push_back({0, task.path, QString(), cls});
        }
    };

    std::optional<ClassRollup> groups; // with a catalog: its department groups
    // A group model's classes are groups: an item labelled with a department counts as its group.
    const auto classIndex = [&](const QString &department) {
        int cls = int(card.classes.indexOf(department));
        if (cls < 0 && groups)
            cls = int(card.classes.indexOf(groups->classOf(department)));
        return cls;
    };
    switch (request.source) {
    case EvaluationRequest::Source::Catalog: {
        Catalog catalog(request.catalogPath);
        groups = ClassRollup::load(catalog, ClassificationLevel::Group);
        // The model's own split: same file, or (a moved or copied catalog) a split with the card's seed and share.
        const std::optional<qint64> matchingSplit = catalog.splitId(quint64(card.training.value(QStringLiteral("seed")).toInteger()),
                                                                    card.training.value(QStringLiteral("validation_fraction")).toDouble());
        const bool sameCatalog = card.splitId > 0
            && (sameLocation(card.catalogPath, catalog.path()) || matchingSplit == card.splitId);
        if (request.splitId > 0) {
            examples = savedValidationExamples(catalog, request.splitId, card.classes);
            result.evaluatedOn = QStringLiteral("validation split %1 of %2").arg(request.splitId).arg(catalog.path());
        } else if (sameCatalog && !request.allLabelledItems) {
            examples = savedValidationExamples(catalog, card.splitId, card.classes);
            result.evaluatedOn = QStringLiteral("the model's validation split (split %1) of %2").arg(card.splitId).arg(catalog.path());
        } else {
            for (const ItemRow &item : catalog.labelledItems()) {
                const int cls = classIndex(item.department);
                if (cls >= 0)
                    examples.push_back({item.id, item.path, item.contentHash, cls});
                else
                    result.failures.push_back({item.path, QStringLiteral("department '%1' is not one of the model's classes").arg(item.department)});
            }
            result.evaluatedOn = QStringLiteral("every labelled item of %1").arg(catalog.path());
        }
        break;
    }
    case EvaluationRequest::Source::DepartmentFolders:
        fromTasks(planDepartmentFolderImport(request.foldersDir));
        result.evaluatedOn = QStringLiteral("department folders in %1").arg(request.foldersDir);
        break;
    case EvaluationRequest::Source::Csv:
        fromTasks(planCsvImport(request.csvPath, request.imagesDir, request.columns));
        result.evaluatedOn = QStringLiteral("%1 with images in %2").arg(request.csvPath, request.imagesDir);
        break;
    }
    if (examples.isEmpty())
        throw std::runtime_error(QStringLiteral("nothing to evaluate: no labelled images in the model's classes (%1)")
                                     .arg(result.evaluatedOn).toStdString());

    LogitSet set;
    set.classes = int(card.classes.size());
    int done = 0;
    result.testTimeAugmentation = request.testTimeAugmentation.value_or(card.testTimeAugmentation);
    // A knn_energy card: its joined scores too, so that the threshold reported here is on the card's own score.
    const bool withFeatures = card.hasOutOfScopeThreshold() && usesFeatures(card.outOfScopeScore);
    const HostTensor &bank = model->featureBank();
    const int64_t featureSize = bank.shape.size() == 2 ? bank.shape[1] : 0;
    std::vector<double> joinedScores;
    Predictor predictor(*model, request.threads, 32, result.testTimeAugmentation);
    const auto onBatch = [&](const std::vector<int> &indices, const std::vector<float> &logits, const std::vector<float> &features) {
        if (!std::all_of(logits.begin(), logits.end(), [](float x) { return std::isfinite(x); }))
            throw WeightsError(QStringLiteral("%1: the network gives scores that are not finite numbers (NaN or infinity): "
                                              "its weights are broken").arg(request.modelPath));
        for (size_t row = 0; row < indices.size(); ++row) {
            const Example &example = examples[indices[row]];
            const float *values = logits.data() + row * size_t(set.classes);
            set.logits.insert(set.logits.end(), values, values + set.classes);
            set.labels.push_back(example.classIndex);
            const std::vector<double> p = softmax(values, set.classes, card.temperature);
            const int predicted = int(std::max_element(p.begin(), p.end()) - p.begin());
            result.examples.push_back({example.itemId, example.path, example.classIndex, predicted, p[size_t(predicted)]});
            if (withFeatures)
                joinedScores.push_back(knnEnergyScore(card.outOfScopeReference, bank.values.data(), bank.shape[0], featureSize,
                                                      features.data() + row * size_t(featureSize), values, set.classes,
                                                      card.temperature));
        }
        done += int(indices.size());
        control.report(done, examples.size(), QStringLiteral("Evaluated %1 of %2 images").arg(done).arg(examples.size()));
    };
    const auto onFailure = [&](int index, const QString &reason) {
        result.failures.push_back({index >= 0 ? examples[index].path : QString(), reason});
        ++done;
    };
    const auto stop = [&control] { return control.cancelRequested(); };
    if (withFeatures)
        predictor.runWithFeatures(examples, onBatch, onFailure, stop);
    else
        predictor.run(examples, [&](const std::vector<int> &indices, const std::vector<float> &logits) { onBatch(indices, logits, {}); },
                      onFailure, stop);
    control.throwIfCancelled();
    QStringList classes = card.classes;
    double temperature = card.temperature;
    if (request.groupLevel && card.level != QLatin1String("group")) {
        if (!groups)
            throw std::runtime_error(QStringLiteral("measuring %1 at group level needs a catalog, whose department groups it sums")
                                         .arg(request.modelPath).toStdString());
        rollUpToGroups(set, classes, temperature, result.examples, *groups);
    }
    result.report = evaluate(set, classes, request.fitTemperature ? 0.0 : temperature, card.targetAccuracy);
    if (withFeatures) {
        result.report.outOfScopeScore = OutOfScopeScore::KnnEnergy;
        result.report.outOfScopeThreshold = quantile(joinedScores, result.report.inScopeFraction);
    }
    return result;
}

ModelComparison compareModels(const QString &catalogPath, const QString &candidateModel, const QString &currentModel,
                              const WorkControl &control)
{
    const ModelCard candidateCard = TrainedModel::load(candidateModel)->card();
    const qint64 splitId = candidateCard.splitId;
    // A group model is compared at group level: a department model's probabilities are summed into its groups.
    const bool groupLevel = candidateCard.level == QLatin1String("group");
    const auto measure = [&](const QString &model, int step) {
        EvaluationRequest request;
        request.source = EvaluationRequest::Source::Catalog;
        request.catalogPath = catalogPath;
        request.modelPath = model;
        request.splitId = splitId;
        request.groupLevel = groupLevel;
        WorkControl halves = control; // each model is one half of the bar
        halves.progress = [&control, step](qint64 done, qint64 total, const QString &message) {
            control.report(step * total + done, 2 * total, message);
        };
        return evaluateModel(request, halves);
    };
    ModelComparison comparison;
    comparison.candidate = measure(candidateModel, 0);
    if (!currentModel.isEmpty())
        comparison.current = measure(currentModel, 1);
    return comparison;
}

} // namespace accession
