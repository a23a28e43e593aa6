#pragma once

#include <QtGlobal>

#include <condition_variable>
#include <mutex>

namespace accession {

// What the decodes running at once may hold, in megapixels of an ordinary 8-bit colour photograph: about 2 GB,
// so that a decoding thread per core cannot run out of memory on a few huge images.
constexpr qint64 kDefaultDecodeBudgetMegapixels = 340;
// Bytes one budget pixel stands for: an 8-bit RGB pixel as decoded (3) plus its converted RGB copy (3).
constexpr qint64 kDecodeBudgetBytesPerPixel = 6;
// Keeps megapixels * 1e6 * kDecodeBudgetBytesPerPixel far inside 64 bits.
constexpr qint64 kMaxDecodeBudgetMegapixels = 1'000'000'000;

// A counting semaphore over memory: each decode reserves its estimate before decoding and releases it after.
// Reservations are served in arrival order, so a big one is never starved; one larger than the whole capacity
// waits until nothing else is reserved and then runs alone.
class DecodeBudget
{
public:
    explicit DecodeBudget(qint64 capacity);
    DecodeBudget(const DecodeBudget &) = delete;
    DecodeBudget &operator=(const DecodeBudget &) = delete;

    void setCapacity(qint64 capacity);
    qint64 capacity() const;
    qint64 reserved() const;
    qint64 peakReserved() const; // the most ever reserved at once, for tests and measurements

    void acquire(qint64 amount); // blocks until the amount fits (or, if bigger than the capacity, until alone)
    void release(qint64 amount);

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    qint64 m_capacity = 0;
    qint64 m_reserved = 0;
    qint64 m_peak = 0;
    quint64 m_nextTicket = 0;
    quint64 m_serving = 0;
};

// Holds an amount of a budget for its lifetime.
class DecodeReservation
{
public:
    DecodeReservation() = default;
    DecodeReservation(DecodeBudget &budget, qint64 amount);
    ~DecodeReservation();
    DecodeReservation(const DecodeReservation &) = delete;
    DecodeReservation &operator=(const DecodeReservation &) = delete;

    void reserve(DecodeBudget &budget, qint64 amount); // releases what it held first
    void release();

private:
    DecodeBudget *m_budget = nullptr;
    qint64 m_amount = 0;
};

// The budget every decode of this process shares, in bytes. Its size comes from setDecodeBudgetMegapixels(),
// else from the environment variable ACCESSION_DECODE_BUDGET_MP (read once), else the default.
DecodeBudget &processDecodeBudget();
void setDecodeBudgetMegapixels(qint64 megapixels); // clamped to 1..kMaxDecodeBudgetMegapixels
qint64 decodeBudgetMegapixels();

} // namespace accession
