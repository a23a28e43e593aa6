#include "decodebudget.h"

#include <QByteArray>

#include <algorithm>
#include <cstdio>

namespace accession {

namespace {

constexpr char kBudgetVariable[] = "ACCESSION_DECODE_BUDGET_MP";

qint64 clampMegapixels(qint64 megapixels)
{
    return std::clamp<qint64>(megapixels, 1, kMaxDecodeBudgetMegapixels);
}

qint64 megapixelsFromEnvironment()
{
    const QByteArray value = qgetenv(kBudgetVariable).trimmed();
    if (value.isEmpty())
        return kDefaultDecodeBudgetMegapixels;
    bool ok = false;
    const qint64 megapixels = value.toLongLong(&ok);
    if (!ok || megapixels <= 0) {
        std::fprintf(stderr, "warning: %s=%s is not a positive whole number of megapixels; using %lld\n",
                     kBudgetVariable, value.constData(), static_cast<long long>(kDefaultDecodeBudgetMegapixels));
        return kDefaultDecodeBudgetMegapixels;
    }
    return clampMegapixels(megapixels);
}

} // namespace

DecodeBudget::DecodeBudget(qint64 capacity)
    : m_capacity(std::max<qint64>(capacity, 1))
{
}

void DecodeBudget::setCapacity(qint64 capacity)
{
    {
        std::lock_guard lock(m_mutex);
        m_capacity = std::max<qint64>(capacity, 1);
    }
    m_changed.notify_all();
}

qint64 DecodeBudget::capacity() const
{
    std::lock_guard lock(m_mutex);
    return m_capacity;
}

qint64 DecodeBudget::reserved() const
{
    std::lock_guard lock(m_mutex);
    return m_reserved;
}

qint64 DecodeBudget::peakReserved() const
{
    std::lock_guard lock(m_mutex);
    return m_peak;
}

void DecodeBudget::acquire(qint64 amount)
{
    amount = std::max<qint64>(amount, 0);
    std::unique_lock lock(m_mutex);
    const quint64 ticket = m_nextTicket++;
    m_changed.wait(lock, [&] {
        return ticket == m_serving && (m_reserved == 0 || m_reserved + amount <= m_capacity);
    });
    ++m_serving;
    m_reserved += amount;
    m_peak = std::max(m_peak, m_reserved);
    lock.unlock();
    m_changed.notify_all(); // the next ticket may fit too
}

void DecodeBudget::release(qint64 amount)
{
    {
        std::lock_guard lock(m_mutex);
        m_reserved -= std::max<qint64>(amount, 0);
    }
    m_changed.notify_all();
}

DecodeReservation::DecodeReservation(DecodeBudget &budget, qint64 amount)
{
    reserve(budget, amount);
}

DecodeReservation::~DecodeReservation()
{
    release();
}

void DecodeReservation::reserve(DecodeBudget &budget, qint64 amount)
{
    release();
    budget.acquire(amount);
    m_budget = &budget;
    m_amount = amount;
}

void DecodeReservation::release()
{
    if (m_budget)
        m_budget->release(m_amount);
    m_budget = nullptr;
    m_amount = 0;
}

DecodeBudget &processDecodeBudget()
{
    static DecodeBudget budget(megapixelsFromEnvironment() * 1'000'000 * kDecodeBudgetBytesPerPixel);
    return budget;
}

void setDecodeBudgetMegapixels(qint64 megapixels)
{
    processDecodeBudget().setCapacity(clampMegapixels(megapixels) * 1'000'000 * kDecodeBudgetBytesPerPixel);
}

qint64 decodeBudgetMegapixels()
{
    return processDecodeBudget().capacity() / (1'000'000 * kDecodeBudgetBytesPerPixel);
}

} // namespace accession
