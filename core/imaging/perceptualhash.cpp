#include "perceptualhash.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <QtAlgorithms>

#include <algorithm>
#include <cmath>
#include <vector>

namespace accession {

std::optional<quint64> perceptualHashOfRgb(const uchar *pixels, int width, int height, qsizetype rowStride)
{
    if (!pixels || width < 8 || height < 8)
        return std::nullopt;
    const cv::Mat rgb(height, width, CV_8UC3, const_cast<uchar *>(pixels), size_t(rowStride));
    cv::Mat grey;
    cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
    cv::Mat small;
    cv::resize(grey, small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    cv::Mat values;
    small.convertTo(values, CV_32F);
    cv::Mat frequencies;
    cv::dct(values, frequencies);
    // The lowest 8x8 frequencies without the average (DC), each compared with their median.
    std::vector<float> coefficients;
    coefficients.reserve(64);
    for (int row = 0; row < 8; ++row) {
        for (int column = 0; column < 8; ++column)
            coefficients.push_back(frequencies.at<float>(row, column));
    }
    std::vector<float> ac(coefficients.begin() + 1, coefficients.end());
    std::nth_element(ac.begin(), ac.begin() + ac.size() / 2, ac.end());
    const float median = ac[ac.size() / 2];
    float spread = 0;
    for (size_t i = 1; i < coefficients.size(); ++i)
        spread = std::max(spread, std::abs(coefficients[i]));
    if (spread < 1.0f)
        return std::nullopt; // flat: nothing to hash
    quint64 hash = 0;
    for (size_t i = 0; i < coefficients.size(); ++i) {
        if (i > 0 && coefficients[i] > median)
            hash |= quint64(1) << i;
    }
    // Bit 0 (the average) carries nothing; the image's overall brightness against the middle grey takes its place.
    if (coefficients[0] / 32.0f > 127.5f)
        hash |= 1;
    return hash;
}

int hammingDistance(quint64 a, quint64 b)
{
    return qPopulationCount(a ^ b);
}

std::array<quint16, 4> perceptualHashBands(quint64 hash)
{
    return {quint16(hash), quint16(hash >> 16), quint16(hash >> 32), quint16(hash >> 48)};
}

} // namespace accession
