#include "commands.h"

#include "cliutil.h"
#include "jobwait.h"

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"
#include "jobs/evaluationjob.h"
#include "jobs/trainingjob.h"
#include "ml/modelcard.h"

#include <QFileInfo>
#include <QJsonArray>

#include <cmath>

namespace accession::cli {

namespace {

// --level, or the catalog's classification level.
ClassificationLevel levelOption(const QCommandLineParser &parser, const QString &catalogPath)
{
    if (!parser.isSet(QStringLiteral("level"))) {
        const Catalog catalog(catalogPath);
        return classificationLevel(catalog);
    }
    const auto level = classificationLevelFromName(parser.value(QStringLiteral("level")));
    if (!level)
        throw CliError(QStringLiteral("--level takes department or group, not '%1'").arg(parser.value(QStringLiteral("level"))), 2);
    return *level;
}

} // namespace

namespace {

std::array<float, 3> tripleOption(const QCommandLineParser &parser, const QString &option)
{
    const auto triple = parseTriple(parser.value(option));
    if (!triple)
        throw CliError(QStringLiteral("--%1 needs three numbers as R,G,B, not '%2'").arg(option, parser.value(option)), 2);
    return *triple;
}

} // namespace

int runTrain(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Train a model on the catalog's labelled items."));
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("arch"), QStringLiteral("Network: baseline, resnet18, resnet50 or mobilenet_v2."), QStringLiteral("A")});
    parser.addOption({QStringLiteral("weights"), QStringLiteral("Pretrained backbone (.safetensors or .pth, torchvision or timm names)."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("mean"), QStringLiteral("Input normalisation mean (default: the weights' JSON, else ImageNet's)."), QStringLiteral("R,G,B")});
    parser.addOption({QStringLiteral("std"), QStringLiteral("Input normalisation std (default: the weights' JSON, else ImageNet's)."), QStringLiteral("R,G,B")});
    parser.addOption({QStringLiteral("epochs"), QStringLiteral("Epochs over the images, at most %1 (default 10).").arg(kMaximumEpochs), QStringLiteral("N")});
    parser.addOption({QStringLiteral("image-size"), QStringLiteral("Input size in pixels, %1 to %2 (default 224; 64 for baseline).").arg(kMinimumInputSize).arg(kMaximumInputSize), QStringLiteral("N")});
    parser.addOption({QStringLiteral("batch-size"), QStringLiteral("Images per batch, at most %1 (default 32).").arg(kMaximumBatchSize), QStringLiteral("N")});
    parser.addOption({QStringLiteral("val-fraction"), QStringLiteral("Share of each department held out for validation (default 0.2)."), QStringLiteral("F")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Seed for the split, initialisation and augmentation (default 1)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("features-cache"), QStringLiteral("Fit the head on cached backbone features first (fast on a CPU; needs --weights).")});
    parser.addOption({QStringLiteral("out"), QStringLiteral("Model file to write (MODEL.safetensors; the card goes to MODEL.json)."), QStringLiteral("MODEL")});
    parser.addOption({QStringLiteral("optimizer"), QStringLiteral("adamw (default) or sgd."), QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("lr"), QStringLiteral("Base learning rate (default depends on optimizer and phase)."), QStringLiteral("X")});
    parser.addOption({QStringLiteral("weight-decay"),
                      QStringLiteral("Weight decay (default %1 pretrained; from scratch %2 with AdamW, %3 with SGD).")
                          .arg(defaultPretrainedWeightDecay)
                          .arg(defaultScratchAdamWWeightDecay)
                          .arg(defaultScratchSgdWeightDecay),
                      QStringLiteral("X")});
    parser.addOption({QStringLiteral("label-smoothing"), QStringLiteral("Label smoothing (default 0.1)."), QStringLiteral("X")});
    parser.addOption({QStringLiteral("warmup-epochs"), QStringLiteral("Epochs of linear warm-up before the cosine decay (default 1)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("patience"), QStringLiteral("Stop after N epochs without better validation accuracy, counting only the last third of the schedule (default 6; 0 never)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("ema-epochs"),
                      QStringLiteral("Validate, keep and save a moving average of the weights over about N epochs "
                                     "(default 0: the trained weights themselves)."),
                      QStringLiteral("N")});
    parser.addOption({QStringLiteral("layer-decay"),
                      QStringLiteral("Fine-tune with layer-wise learning rates: the head at the full rate, each earlier stage "
                                     "at F times the next one's (default 1: the same rate everywhere)."),
                      QStringLiteral("F")});
    parser.addOption({QStringLiteral("head-epochs"), QStringLiteral("With --weights and no feature cache: epochs training the head alone first."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("freeze-bn"), QStringLiteral("yes or no: keep batch-norm statistics fixed (default yes with --weights)."), QStringLiteral("yes|no")});
    parser.addOption({QStringLiteral("labels"), QStringLiteral("Which labels to learn from: imported, curator, or both (default imported,curator)."), QStringLiteral("LIST")});
    parser.addOption({QStringLiteral("class-balance"),
                      QStringLiteral("How the loss weighs departments: sqrt (by 1/sqrt of their size, the default), "
                                     "full (each department alike) or none (each image alike)."),
                      QStringLiteral("full|sqrt|none")});
    parser.addOption({QStringLiteral("no-class-balance"), QStringLiteral("Same as --class-balance none.")});
    parser.addOption({QStringLiteral("crop-scale"),
                      QStringLiteral("Smallest share of an image's area a training crop keeps (default %1).")
                          .arg(defaultMinimumCropScale), QStringLiteral("S")});
    parser.addOption({QStringLiteral("center-crop"),
                      QStringLiteral("Share of the shorter side that validation and the saved model's evaluation keep "
                                     "(default %1; torchvision's ImageNet convention is %2).")
                          .arg(defaultCenterCropFraction).arg(legacyCenterCropFraction), QStringLiteral("F")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Compute threads (default: one per core)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("cache-memory-mb"), QStringLiteral("Memory for decoded images; the rest go to disk (default 3072)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("target-accuracy"), QStringLiteral("Accuracy the auto-file threshold must keep (default 0.95)."), QStringLiteral("P")});
    parser.addOption({QStringLiteral("out-of-scope-score"),
                      QStringLiteral("Score whose out-of-scope threshold is fitted on validation: knn_energy (default: also keeps "
                                     "training photographs' features in the model file), max_softmax, or energy."),
                      QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("resume"), QStringLiteral("Continue from MODEL.safetensors.checkpoint if an earlier run left one.")});
    parser.addOption({QStringLiteral("level"),
                      QStringLiteral("department, or group: learn each item's department group (a department in none is its own "
                                     "group) as its class (default: the catalog's classification level)."),
                      QStringLiteral("department|group")});
    parser.addOption(jsonOption());
    const QString usage = QStringLiteral(
        "accession-cli train --catalog FILE --arch baseline|resnet18|resnet50|mobilenet_v2\n"
        "                    [--weights FILE [--mean R,G,B --std R,G,B]] [--epochs N] [--image-size N]\n"
        "                    [--batch-size N] [--val-fraction F] [--seed N] [--features-cache]\n"
        "                    [--level department|group] --out MODEL.safetensors [--json]");
    if (!parseCommand(parser, arguments, usage))
        return 0;

    TrainingOptions options;
    options.catalogPath = requiredValue(parser, QStringLiteral("catalog"));
    requireExistingCatalog(options.catalogPath);
    options.groupLevel = levelOption(parser, options.catalogPath) == ClassificationLevel::Group;
    const auto architecture = architectureFromName(requiredValue(parser, QStringLiteral("arch")));
    if (!architecture)
        throw CliError(QStringLiteral("--arch must be one of %1").arg(architectureNames().join(QStringLiteral(", "))), 2);
    options.architecture = *architecture;
    options.pretrainedWeights = parser.value(QStringLiteral("weights"));
    if (!options.pretrainedWeights.isEmpty() && !QFileInfo(options.pretrainedWeights).isFile())
        throw CliError(QStringLiteral("no weights file at %1").arg(options.pretrainedWeights));
    if (parser.isSet(QStringLiteral("mean")))
        options.mean = tripleOption(parser, QStringLiteral("mean"));
    if (parser.isSet(QStringLiteral("std")))
        options.std = tripleOption(parser, QStringLiteral("std"));
    options.epochs = intValue(parser, QStringLiteral("epochs"), options.epochs, 0);
    options.imageSize = intValue(parser, QStringLiteral("image-size"), 0, kMinimumInputSize);
    options.batchSize = intValue(parser, QStringLiteral("batch-size"), options.batchSize, 1);
    options.validationFraction = doubleValue(parser, QStringLiteral("val-fraction"), options.validationFraction);
    if (options.validationFraction <= 0 || options.validationFraction >= 1)
        throw CliError(QStringLiteral("--val-fraction must lie between 0 and 1"), 2);
    options.seed = quint64(intValue(parser, QStringLiteral("seed"), 1, 0));
    options.featuresCache = parser.isSet(QStringLiteral("features-cache"));
    if (options.featuresCache && options.pretrainedWeights.isEmpty())
        throw CliError(QStringLiteral("--features-cache needs --weights (a pretrained backbone to cache features of)"), 2);
    options.outPath = QFileInfo(requiredValue(parser, QStringLiteral("out"))).absoluteFilePath();
    const QString optimizer = parser.value(QStringLiteral("optimizer"));
    if (!optimizer.isEmpty() && optimizer != QLatin1String("adamw") && optimizer != QLatin1String("sgd"))
        throw CliError(QStringLiteral("--optimizer takes adamw or sgd, not '%1'").arg(optimizer), 2);
    options.optimizer = optimizer == QLatin1String("sgd") ? OptimizerKind::Sgd : OptimizerKind::AdamW;
    options.learningRate = doubleValue(parser, QStringLiteral("lr"), 0);
    if (parser.isSet(QStringLiteral("lr")) && !(std::isfinite(options.learningRate) && options.learningRate > 0))
        throw CliError(QStringLiteral("--lr must be a positive number, not '%1'").arg(parser.value(QStringLiteral("lr"))), 2);
    options.weightDecay = doubleValue(parser, QStringLiteral("weight-decay"), -1);
    if (parser.isSet(QStringLiteral("weight-decay")) && !(options.weightDecay >= 0 && options.weightDecay <= kMaximumWeightDecay))
        throw CliError(QStringLiteral("--weight-decay must be a number in [0, %1], not '%2'")
                           .arg(kMaximumWeightDecay).arg(parser.value(QStringLiteral("weight-decay"))), 2);
    options.labelSmoothing = doubleValue(parser, QStringLiteral("label-smoothing"), options.labelSmoothing);
    options.warmupEpochs = intValue(parser, QStringLiteral("warmup-epochs"), options.warmupEpochs, 0);
    options.patience = intValue(parser, QStringLiteral("patience"), options.patience, 0);
    options.averagingEpochs = doubleValue(parser, QStringLiteral("ema-epochs"), options.averagingEpochs);
    if (options.averagingEpochs < 0)
        throw CliError(QStringLiteral("--ema-epochs must not be negative"), 2);
    options.layerDecay = doubleValue(parser, QStringLiteral("layer-decay"), options.layerDecay);
    if (!(options.layerDecay > 0 && options.layerDecay <= 1))
        throw CliError(QStringLiteral("--layer-decay must be a number in (0, 1], not '%1'").arg(parser.value(QStringLiteral("layer-decay"))), 2);
    options.headEpochs = intValue(parser, QStringLiteral("head-epochs"), -1, 0);
    if (parser.isSet(QStringLiteral("freeze-bn"))) {
        const QString value = parser.value(QStringLiteral("freeze-bn"));
        if (value != QLatin1String("yes") && value != QLatin1String("no"))
            throw CliError(QStringLiteral("--freeze-bn takes yes or no"), 2);
        options.freezeBatchNorm = value == QLatin1String("yes");
    }
    if (parser.isSet(QStringLiteral("labels"))) {
        const QStringList sources = parser.value(QStringLiteral("labels")).split(QLatin1Char(','), Qt::SkipEmptyParts);
        options.importedLabels = sources.contains(QStringLiteral("imported"));
        options.curatorLabels = sources.contains(QStringLiteral("curator"));
        if (!options.importedLabels && !options.curatorLabels)
            throw CliError(QStringLiteral("--labels takes imported, curator or both"), 2);
    }
    if (parser.isSet(QStringLiteral("class-balance"))) {
        const auto balance = classBalanceFromName(parser.value(QStringLiteral("class-balance")));
        if (!balance)
            throw CliError(QStringLiteral("--class-balance takes full, sqrt or none"), 2);
        options.classBalance = *balance;
    }
    if (parser.isSet(QStringLiteral("no-class-balance")))
        options.classBalance = ClassBalance::None;
    options.minimumCropScale = doubleValue(parser, QStringLiteral("crop-scale"), options.minimumCropScale);
    if (options.minimumCropScale <= 0 || options.minimumCropScale > 1)
        throw CliError(QStringLiteral("--crop-scale must lie in (0, 1]"), 2);
    options.centerCropFraction = doubleValue(parser, QStringLiteral("center-crop"), options.centerCropFraction);
    if (!Preprocessing::isValidCenterCropFraction(options.centerCropFraction))
        throw CliError(QStringLiteral("--center-crop must lie in [%1, 1]").arg(Preprocessing::minimumCenterCropFraction), 2);
    options.threads = intValue(parser, QStringLiteral("threads"), 0, 0);
    options.cacheMemoryBytes = qint64(intValue(parser, QStringLiteral("cache-memory-mb"), 3072, 0)) << 20;
    options.targetAccuracy = doubleValue(parser, QStringLiteral("target-accuracy"), options.targetAccuracy);
    options.resume = parser.isSet(QStringLiteral("resume"));
    if (parser.isSet(QStringLiteral("out-of-scope-score"))) {
        const auto score = outOfScopeScoreFromName(parser.value(QStringLiteral("out-of-scope-score")));
        if (!score)
            throw CliError(QStringLiteral("--out-of-scope-score takes max_softmax, energy or knn_energy"), 2);
        options.outOfScopeScore = *score;
    }
    if (const auto problem = options.problem())
        throw CliError(*problem, 2);

    const bool json = parser.isSet(QStringLiteral("json"));
    TrainingJob job(options);
    if (!json) {
        QObject::connect(&job, &TrainingJob::epochFinished, [](const EpochReport &r) {
            // The cached-feature head trains on stored features, so it has no image rate to show.
            const QString rate = r.imagesPerSecond > 0 ? QStringLiteral("%1 img/s, ").arg(r.imagesPerSecond, 0, 'f', 1) : QString();
            printLine(QStringLiteral("%1 epoch %2/%3: train loss %4, train acc %5, val loss %6, val acc %7, %8%9 s")
                          .arg(r.phase).arg(r.epoch).arg(r.epochs)
                          .arg(r.trainLoss, 0, 'f', 3).arg(r.trainAccuracy, 0, 'f', 3)
                          .arg(r.validationLoss, 0, 'f', 3).arg(r.validationAccuracy, 0, 'f', 3)
                          .arg(rate).arg(r.seconds, 0, 'f', 1));
        });
    }
    if (!runJobInBackground(job, true)) {
        printError(QStringLiteral("training cancelled; the last finished epoch is kept in %1 (rerun with --resume)")
                       .arg(TrainingJob::checkpointPathFor(options.outPath)));
        return 130;
    }
    const ModelCard card = job.card();
    for (const Problem &problem : job.failures())
        printError(QStringLiteral("left out: %1").arg(problem.toLine()));
    if (json) {
        QJsonObject output = card.toJson();
        output.insert(QStringLiteral("model"), options.outPath);
        output.insert(QStringLiteral("failed"), problemsToJson(job.failures()));
        printJson(output);
    } else {
        printLine(QStringLiteral("validation accuracy %1 (top-3 %2) on %3 images; ECE %4 -> %5 after temperature %6")
                      .arg(card.validation.accuracy, 0, 'f', 3).arg(card.validation.top3Accuracy, 0, 'f', 3)
                      .arg(card.validation.count).arg(card.validation.ece, 0, 'f', 3)
                      .arg(card.validation.eceCalibrated, 0, 'f', 3).arg(card.temperature, 0, 'f', 2));
        const QJsonObject kept = card.training.value(QStringLiteral("kept_epoch")).toObject();
        printLine(QStringLiteral("kept the weights of %1 epoch %2, the best on validation")
                      .arg(kept.value(QStringLiteral("phase")).toString()).arg(kept.value(QStringLiteral("epoch")).toInt()));
        printLine(QStringLiteral("auto-file threshold %1 keeps %2% accuracy on %3% of items")
                      .arg(card.threshold, 0, 'f', 3).arg(card.targetAccuracy * 100, 0, 'f', 0)
                      .arg(card.validation.coverageAtTarget * 100, 0, 'f', 1));
        printLine(QStringLiteral("saved %1 and %2").arg(options.outPath, ModelCard::pathBeside(options.outPath)));
    }
    return 0;
}

int runEvaluate(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Measure a trained model on labelled images."));
    parser.addOption({QStringLiteral("model"), QStringLiteral("Model file (.safetensors with its .json card)."), QStringLiteral("MODEL")});
    parser.addOption(catalogOption());
    parser.addOption({QStringLiteral("all-labelled"), QStringLiteral("With --catalog: every labelled item, not only the model's validation split.")});
    parser.addOption({QStringLiteral("folders"), QStringLiteral("Folder with one subfolder per department (not imported)."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("csv"), QStringLiteral("CSV of images and departments (not imported)."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("images"), QStringLiteral("Folder the CSV's files are in."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Compute threads (default: one per core)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("tta"), QStringLiteral("Test-time views to measure (none, flip, flip-scales) instead of the model card's."),
                      QStringLiteral("VIEWS")});
    parser.addOption({QStringLiteral("fit-out-of-scope"), QStringLiteral("With --catalog and the model's own validation split: "
                                                                         "write the out-of-scope threshold fitted on it into the model's "
                                                                         "card (for models trained before Accession fitted one).")});
    parser.addOption({QStringLiteral("level"),
                      QStringLiteral("With --catalog: measure by department or by department group, a department model's group "
                                     "probabilities being the sums of its departments' (default: the catalog's level)."),
                      QStringLiteral("department|group")});
    parser.addOption(jsonOption());
    const QString usage = QStringLiteral("accession-cli evaluate --model MODEL.safetensors (--catalog FILE [--level department|group] | --folders DIR | --csv FILE --images DIR) [--fit-out-of-scope] --json");
    if (!parseCommand(parser, arguments, usage))
        return 0;

    EvaluationRequest request;
    request.modelPath = requiredValue(parser, QStringLiteral("model"));
    const int sources = int(parser.isSet(QStringLiteral("catalog"))) + int(parser.isSet(QStringLiteral("folders"))) + int(parser.isSet(QStringLiteral("csv")));
    if (sources != 1)
        throw CliError(QStringLiteral("give exactly one of --catalog, --folders or --csv (see --help)"), 2);
    if (parser.isSet(QStringLiteral("catalog"))) {
        request.source = EvaluationRequest::Source::Catalog;
        request.catalogPath = parser.value(QStringLiteral("catalog"));
        requireExistingCatalog(request.catalogPath);
        request.allLabelledItems = parser.isSet(QStringLiteral("all-labelled"));
        request.groupLevel = levelOption(parser, request.catalogPath) == ClassificationLevel::Group;
    } else if (parser.isSet(QStringLiteral("level"))) {
        throw CliError(QStringLiteral("--level needs --catalog, whose department groups it measures by"), 2);
    } else if (parser.isSet(QStringLiteral("folders"))) {
        request.source = EvaluationRequest::Source::DepartmentFolders;
        request.foldersDir = parser.value(QStringLiteral("folders"));
    } else {
        request.source = EvaluationRequest::Source::Csv;
        request.csvPath = parser.value(QStringLiteral("csv"));
        request.imagesDir = requiredValue(parser, QStringLiteral("images"));
    }
    request.threads = intValue(parser, QStringLiteral("threads"), 0, 0);
    if (parser.isSet(QStringLiteral("tta")))
        request.testTimeAugmentation = testTimeAugmentationOption(parser, QStringLiteral("tta"));
    const bool fitOutOfScope = parser.isSet(QStringLiteral("fit-out-of-scope"));
    if (fitOutOfScope && (request.source != EvaluationRequest::Source::Catalog || request.allLabelledItems))
        throw CliError(QStringLiteral("--fit-out-of-scope fits on the model's validation split: give --catalog, without --all-labelled"), 2);

    // Refitting here fits a logit score; it cannot build a knn_energy card's bank, and would silently change its score.
    if (fitOutOfScope && usesFeatures(ModelCard::readBeside(request.modelPath).outOfScopeScore))
        throw CliError(QStringLiteral("%1: its card scores knn_energy, which training fits (with the training photographs' features in the "
                                      "model file); --fit-out-of-scope fits only max_softmax: retrain with --out-of-scope-score to change it")
                           .arg(request.modelPath), 2);
    EvaluationJob job(request);
    if (!runJobInBackground(job, true))
        return 130;
    const EvaluationResult result = job.result();
    const EvaluationReport &report = result.report;
    if (fitOutOfScope) {
        if (!std::isfinite(report.outOfScopeThreshold))
            throw CliError(QStringLiteral("%1: no photograph of the validation split could be scored; the card is unchanged").arg(request.modelPath));
        ModelCard card = ModelCard::readBeside(request.modelPath);
        card.outOfScopeScore = report.outOfScopeScore;
        card.outOfScopeThreshold = report.outOfScopeThreshold;
        card.writeBeside(request.modelPath);
        printError(QStringLiteral("%1: out-of-scope threshold %2 on %3 written (%4% of %5 validation photographs at or below it)")
                       .arg(ModelCard::pathBeside(request.modelPath)).arg(report.outOfScopeThreshold, 0, 'f', 4)
                       .arg(outOfScopeScoreName(report.outOfScopeScore))
                       .arg(report.inScopeFraction * 100, 0, 'f', 0).arg(report.count));
    }
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonObject output = report.toJson();
        output.insert(QStringLiteral("model"), QFileInfo(request.modelPath).absoluteFilePath());
        output.insert(QStringLiteral("evaluated_on"), result.evaluatedOn);
        output.insert(QStringLiteral("level"), request.groupLevel ? QStringLiteral("group") : QStringLiteral("department"));
        output.insert(QStringLiteral("tta"), testTimeAugmentationName(result.testTimeAugmentation));
        output.insert(QStringLiteral("failed"), problemsToJson(result.failures));
        printJson(output);
        return 0;
    }
    printLine(QStringLiteral("%1 images (%2), test-time views: %3").arg(report.count).arg(result.evaluatedOn)
                  .arg(testTimeAugmentationName(result.testTimeAugmentation)));
    printLine(QStringLiteral("accuracy %1, top-3 %2, ECE %3 (calibrated %4)")
                  .arg(report.accuracy, 0, 'f', 3).arg(report.top3Accuracy, 0, 'f', 3)
                  .arg(report.ece, 0, 'f', 3).arg(report.eceCalibrated, 0, 'f', 3));
    for (const ClassMetrics &m : report.perClass) {
        printLine(QStringLiteral("  %1  acc %2  prec %3  f1 %4  n=%5").arg(m.name, -42)
                      .arg(m.accuracy, 0, 'f', 3).arg(m.precision, 0, 'f', 3).arg(m.f1, 0, 'f', 3).arg(m.support));
    }
    printLine(QStringLiteral("threshold %1 for %2% accuracy covers %3% of items")
                  .arg(report.thresholdForTarget, 0, 'f', 3).arg(report.targetAccuracy * 100, 0, 'f', 0)
                  .arg(report.coverageAtTarget * 100, 0, 'f', 1));
    for (const Problem &problem : result.failures)
        printError(QStringLiteral("skipped: %1").arg(problem.toLine()));
    return 0;
}

} // namespace accession::cli
