#include "classifier.h"

#include "metrics.h"
#include "modelcard.h"
#include "modelregistration.h"
#include "predictor.h"
#include "trainedmodel.h"
#include "weightserror.h"

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"
#include "catalog/modelregistry.h"
#include "catalog/reviewstore.h"
#include "catalog/transactionguard.h"

#include <QElapsedTimer>
#include <QSet>

#include <algorithm>
#include <cmath>

#include <sys/resource.h>

namespace accession {

namespace {

double peakMemoryMb()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;
}

} // namespace

void classifyCatalog(const ClassifyRequest &request, ClassifySummary &summary, const WorkControl &control)
{
    QElapsedTimer timer;
    timer.start();
    summary = ClassifySummary();
    const auto publish = [&] {
        summary.seconds = timer.elapsed() / 1000.0;
        summary.peakMemoryMb = peakMemoryMb();
    };

    // Which model: the one given (registered now if new), else the active one.
    if (!request.modelPath.isEmpty())
        summary.modelId = registerModelFile(request.catalogPath, request.modelPath);
    Catalog catalog(request.catalogPath);
    ModelRegistry registry(catalog);
    const std::optional<RegisteredModel> registered = summary.modelId > 0 ? registry.model(summary.modelId) : registry.activeModel();
    if (!registered)
        throw std::runtime_error(QStringLiteral("%1 has no active model: give --model MODEL.safetensors, or activate one with "
                                                "'accession-cli models --activate ID'").arg(catalog.path()).toStdString());
    summary.modelId = registered->id;
    if (const QString problem = registered->problem(); !problem.isEmpty())
        throw std::runtime_error(QStringLiteral("model %1 (%2) in %3 cannot classify: %4; register a good model and activate it "
                                                "('accession-cli models --register MODEL --activate ID')")
                                     .arg(registered->id).arg(registered->weightsPath, catalog.path(), problem).toStdString());

    // New files first, as unlabelled items; only they are then classified.
    const bool only = !request.paths.isEmpty();
    if (only) {
        ImportRequest importRequest;
        importRequest.source = ImportRequest::Source::Unlabelled;
        importRequest.paths = request.paths;
        importRequest.threads = request.threads;
        importIntoCatalog(catalog.path(), importRequest, summary.import, control);
        summary.failures += summary.import.failures;
    }

    const std::unique_ptr<TrainedModel> model = TrainedModel::load(registered->weightsPath);
    if (model->card().classes != registered->classes)
        throw WeightsError(QStringLiteral("%1: the model's classes are not those it was registered with in %2 (the file changed?); "
                                          "register it again").arg(registered->weightsPath, catalog.path()));
    QVector<qint64> classDepartments;
    const bool groupModel = model->card().level == QLatin1String("group");
    for (const QString &name : model->card().classes) {
        // A group model's class names a group (or a department in none): accepting it labels its first department.
        if (groupModel && !catalog.departmentIdByName(name)) {
            const auto first = firstDepartmentOfGroup(catalog, name);
            if (!first)
                throw std::runtime_error(QStringLiteral("the group model's class '%1' is not a department group with departments in %2")
                                             .arg(name, catalog.path()).toStdString());
            classDepartments.push_back(*first);
            continue;
        }
        const auto department = catalog.ensureDepartment(name);
        if (!department)
            throw std::runtime_error(QStringLiteral("the model's class '%1' is not a department of %2, whose list is fixed")
                                         .arg(name, catalog.path()).toStdString());
        classDepartments.push_back(*department);
    }

    ReviewStore store(catalog);
    const ClassRollup rollup = ClassRollup::load(catalog);
    const double temperature = registered->temperature; // in range: problem() said so
    // Cards from before the out-of-scope threshold flag nothing.
    const std::optional<double> outOfScopeThreshold = model->card().hasOutOfScopeThreshold()
                                                          ? std::optional<double>(model->card().outOfScopeThreshold)
                                                          : std::nullopt;
    // Given files: just their items. Otherwise: every item without a prediction, read a chunk at a time.
    QVector<qint64> pending;
    QSet<qint64> given;
    if (only) {
        for (qint64 id : summary.import.itemIds) {
            if (!given.contains(id) && !store.prediction(id, summary.modelId))
                pending.push_back(id);
            given.insert(id);
        }
    }
    const qint64 total = only ? qint64(pending.size()) : store.countWithoutPrediction(summary.modelId);
    summary.skipped = only ? qint64(given.size()) - total
                           : store.predictionCount(summary.modelId);
    publish();
    control.report(0, total, QStringLiteral("Classifying %1 items with %2").arg(total).arg(registered->name));

    // knn_energy: the features too (only then), to compare with the training photographs' in the model file.
    const bool withFeatures = outOfScopeThreshold && usesFeatures(model->card().outOfScopeScore);
    const HostTensor &bank = model->featureBank();
    const int64_t featureSize = bank.shape.size() == 2 ? bank.shape[1] : 0;
    Predictor predictor(*model, request.threads, request.batchSize);
    QElapsedTimer networkClock;
    networkClock.start();
    auto nextChunk = [&, afterItemId = qint64(0), position = 0]() mutable {
        QVector<ItemRow> chunk;
        if (only) {
            for (; position < pending.size() && chunk.size() < request.chunkSize; ++position) {
                if (const auto item = catalog.item(pending[position])) {
                    ItemRow row;
                    row.id = item->id;
                    row.path = item->path;
                    row.contentHash = item->contentHash;
                    chunk.push_back(row);
                }
            }
            return chunk;
        }
        chunk = store.itemsWithoutPrediction(summary.modelId, afterItemId, request.chunkSize);
        if (!chunk.isEmpty())
            afterItemId = chunk.last().id;
        return chunk;
    };
    qint64 done = 0;
    for (;;) {
        const QVector<ItemRow> chunk = nextChunk();
        if (chunk.isEmpty())
            break;
        QVector<Example> examples;
        examples.reserve(chunk.size());
        for (const ItemRow &item : chunk)
            examples.push_back({item.id, item.path, item.contentHash, 0});

        const auto onBatch = [&](const std::vector<int> &indices, const std::vector<float> &logits, const std::vector<float> &features) {
            const int classes = int(classDepartments.size());
            // Scores come from the image's pixels, normalised to finite values: a NaN or an infinity means the
            // network itself is broken, and storing it would file items at random.
            if (!std::all_of(logits.begin(), logits.end(), [](float x) { return std::isfinite(x); }))
                throw WeightsError(QStringLiteral("%1: the network gives scores that are not finite numbers (NaN or infinity); "
                                                  "nothing more is classified with it").arg(registered->weightsPath));
            if (withFeatures && features.size() != indices.size() * size_t(featureSize))
                throw WeightsError(QStringLiteral("%1: the network's features are not the %2 values per image of its feature bank")
                                       .arg(registered->weightsPath).arg(featureSize));
            TransactionGuard transaction(catalog.database());
            for (size_t row = 0; row < indices.size(); ++row) {
                const std::vector<double> p = softmax(logits.data() + row * size_t(classes), classes, temperature);
                NewPrediction prediction;
                prediction.itemId = examples[indices[row]].itemId;
                prediction.probabilities.assign(p.begin(), p.end());
                const float *scores = logits.data() + row * size_t(classes);
                prediction.outOfScopeScore = withFeatures
                    ? knnEnergyScore(model->card().outOfScopeReference, bank.values.data(), bank.shape[0], featureSize,
                                     features.data() + row * size_t(featureSize), scores, classes, temperature)
                    : outOfScopeScore(scores, classes, temperature, model->card().outOfScopeScore);
                prediction.outOfScope = outOfScopeThreshold && prediction.outOfScopeScore > *outOfScopeThreshold;
                store.addPrediction(summary.modelId, prediction, classDepartments, registered->threshold);
                // Counted as the store files it: at the catalog's level, with a group's own threshold.
                const LevelVerdict verdict = rollup.verdict(model->card().classes, prediction.probabilities);
                const double threshold = std::isnan(verdict.filingThreshold) ? registered->threshold : verdict.filingThreshold;
                (registered->threshold < 1.0 && filesAutomatically(verdict.confidence, threshold, prediction.outOfScope)
                     ? summary.autoFiled : summary.toReview) += 1;
                summary.outOfScope += prediction.outOfScope ? 1 : 0;
            }
            transaction.commit();
            summary.classified += qint64(indices.size());
            done += qint64(indices.size());
            publish();
            control.report(done, total, QStringLiteral("Classified %1 of %2 items").arg(done).arg(total));
        };
        const auto onFailure = [&](int index, const QString &reason) {
            if (index < 0)
                return;
            const Example &example = examples[index];
            summary.failures.push_back({example.path, reason});
            store.recordClassificationFailure(example.itemId, summary.modelId, reason);
            ++done;
        };
        const auto stop = [&control] { return control.cancelRequested(); };
        const bool finished = withFeatures
            ? predictor.runWithFeatures(examples, onBatch, onFailure, stop)
            : predictor.run(examples, [&](const std::vector<int> &indices, const std::vector<float> &logits) { onBatch(indices, logits, {}); },
                            onFailure, stop);
        publish();
        if (!finished || control.cancelRequested()) {
            summary.cancelled = true;
            summary.imagesPerSecond = summary.classified / std::max(1e-9, networkClock.elapsed() / 1000.0);
            publish();
            control.throwIfCancelled();
        }
    }
    summary.imagesPerSecond = summary.classified / std::max(1e-9, networkClock.elapsed() / 1000.0);
    publish();
}

} // namespace accession
