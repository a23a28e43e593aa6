#include "modelregistration.h"

#include "pretrainedweights.h"
#include "trainedmodel.h"
#include "weightserror.h"

#include "catalog/catalog.h"
#include "catalog/classificationlevel.h"
#include "catalog/modelregistry.h"

namespace accession {

qint64 registerModelFile(const QString &catalogPath, const QString &modelPath)
{
    // The whole model, not just its card: a file that cannot classify must never become the active model.
    const std::unique_ptr<TrainedModel> model = TrainedModel::load(modelPath);
    Catalog catalog(catalogPath);
    if (catalog.departmentsFixed()) {
        const bool groupModel = model->card().level == QLatin1String("group");
        for (const QString &name : model->card().classes) {
            if (!catalog.departmentIdByName(name) && !(groupModel && firstDepartmentOfGroup(catalog, name)))
                throw WeightsError(QStringLiteral("%1: the model's class '%2' is not a department of %3, whose list is fixed")
                                       .arg(modelPath, name, catalog.path()));
        }
    }
    return ModelRegistry(catalog).registerModel(modelPath, sha256OfWeightsFile(modelPath), model->card().toJson());
}

} // namespace accession
