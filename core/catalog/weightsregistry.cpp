#include "weightsregistry.h"

#include "catalog.h"

#include <QFileInfo>

namespace accession {

WeightsRegistry::WeightsRegistry(Catalog &catalog)
    : m_catalog(catalog)
{
}

qint64 WeightsRegistry::add(const QString &path, const QString &architecture, const QString &sha256)
{
    const QVariantMap values{{QStringLiteral("path"), QFileInfo(path).absoluteFilePath()},
                             {QStringLiteral("architecture"), architecture},
                             {QStringLiteral("sha256"), sha256},
                             {QStringLiteral("now"), Catalog::nowText()}};
    m_catalog.run(QStringLiteral("INSERT INTO pretrained_weights (path, architecture, sha256, added_at)"
                                 " VALUES (:path, :architecture, :sha256, :now)"
                                 " ON CONFLICT(sha256) DO UPDATE SET path = excluded.path, architecture = excluded.architecture,"
                                 " added_at = excluded.added_at"),
                  values);
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT id FROM pretrained_weights WHERE sha256 = :sha256"),
                                    {{QStringLiteral("sha256"), sha256}});
    return query.next() ? query.value(0).toLongLong() : 0;
}

QVector<AddedWeights> WeightsRegistry::weights() const
{
    QSqlQuery query = m_catalog.run(QStringLiteral("SELECT id, path, architecture, sha256, added_at FROM pretrained_weights"
                                                   " ORDER BY added_at DESC, id DESC"));
    QVector<AddedWeights> result;
    while (query.next()) {
        result.push_back({query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toString(),
                          query.value(3).toString(), QDateTime::fromString(query.value(4).toString(), Qt::ISODateWithMs)});
    }
    return result;
}

std::optional<AddedWeights> WeightsRegistry::latestFor(const QString &architecture) const
{
    for (const AddedWeights &entry : weights()) {
        if (entry.architecture == architecture && QFileInfo::exists(entry.path))
            return entry;
    }
    return std::nullopt;
}

} // namespace accession
