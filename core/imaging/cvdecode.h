#pragma once

// Core-internal bridge to OpenCV for core/imaging and core/ml sources; cv::Mat stays forward-declared here.

#include "imagedecoder.h"

#include <stdexcept>

namespace cv {
class Mat;
}

namespace accession {

// An image that cannot be decoded; the message is the reason, without the path.
class DecodeError : public std::runtime_error
{
public:
    explicit DecodeError(const QString &reason)
        : std::runtime_error(reason.toStdString())
    {
    }
};

// Decodes to an 8-bit RGB cv::Mat (CV_8UC3). Throws DecodeError.
cv::Mat decodeRgbMat(const QByteArray &bytes, const DecodeRequest &request, ImageHeader *headerOut = nullptr);

} // namespace accession
