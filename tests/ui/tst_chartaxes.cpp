#include "chartaxes.h"

#include <QApplication>
#include <QTest>
#include <QValueAxis>

#include <cmath>
#include <memory>

using namespace accession;

// Chart axes whose tick labels say exactly where the tick is.
class TestChartAxes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void unitAxisLabelsNameEachTickExactly();
    void epochAxisTicksOnlyAtWholeEpochs_data();
    void epochAxisTicksOnlyAtWholeEpochs();
};

void TestChartAxes::unitAxisLabelsNameEachTickExactly()
{
    const std::unique_ptr<QValueAxis> axis(unitAxis(QStringLiteral("accuracy")));
    QCOMPARE(axis->min(), 0.0);
    QCOMPARE(axis->max(), 1.0);
    QCOMPARE(axis->tickType(), QValueAxis::TicksFixed);
    const int ticks = axis->tickCount();
    QVERIFY(ticks >= 3);
    for (int i = 0; i < ticks; ++i) {
        const double value = double(i) / (ticks - 1);
        const QString label = QString::asprintf(axis->labelFormat().toLatin1().constData(), value);
        // The label read back is the tick's value (0.25 printed with one decimal would read 0.3).
        QVERIFY2(std::abs(label.toDouble() - value) < 1e-9, qPrintable(QStringLiteral("tick %1 reads %2").arg(value).arg(label)));
    }
}

void TestChartAxes::epochAxisTicksOnlyAtWholeEpochs_data()
{
    QTest::addColumn<int>("lastEpoch");
    for (int last : {0, 1, 2, 3, 7, 8, 9, 12, 25, 60, 500, 10000})
        QTest::newRow(qPrintable(QString::number(last))) << last;
}

void TestChartAxes::epochAxisTicksOnlyAtWholeEpochs()
{
    QFETCH(int, lastEpoch);
    QValueAxis axis;
    setEpochRange(&axis, lastEpoch);
    QCOMPARE(axis.min(), 1.0);
    QCOMPARE(axis.max(), double(std::max(2, lastEpoch)));
    QCOMPARE(axis.labelFormat(), QStringLiteral("%d"));
    QCOMPARE(axis.tickType(), QValueAxis::TicksDynamic);
    // Ticks at whole multiples of a whole step: "%d" then names each one exactly.
    const double step = axis.tickInterval();
    QVERIFY(step >= 1.0);
    QCOMPARE(step, std::round(step));
    QCOMPARE(axis.tickAnchor(), 0.0);
    const int ticksShown = int(axis.max() / step) - int((axis.min() - 1) / step);
    QVERIFY2(ticksShown >= 1 && ticksShown <= 8, qPrintable(QStringLiteral("%1 ticks for %2 epochs").arg(ticksShown).arg(lastEpoch)));
}

QTEST_MAIN(TestChartAxes)
#include "tst_chartaxes.moc"
