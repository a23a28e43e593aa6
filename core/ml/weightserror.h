#pragma once

#include <QString>

#include <stdexcept>

namespace accession {

// A weights or model file that cannot be used; the message names the file and what is wrong with it.
class WeightsError : public std::runtime_error
{
public:
    explicit WeightsError(const QString &message)
        : std::runtime_error(message.toStdString())
    {
    }
};

} // namespace accession
