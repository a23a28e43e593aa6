#include "ml/network.h"
#include "ml/weightserror.h"
#include "pythonreference.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <cmath>
#include <cstring>
#include <limits>

using namespace accession;
using namespace accession::test;

// Hostile weight files, written byte by byte: each must be refused with one line naming the file, never crash,
// hang or allocate what the file claims.
namespace {

QByteArray le(quint64 value, int bytes)
{
    QByteArray out;
    for (int i = 0; i < bytes; ++i)
        out.append(char((value >> (8 * i)) & 0xff));
    return out;
}

quint32 crc32(const QByteArray &data)
{
    quint32 crc = 0xffffffff;
    for (char c : data) {
        crc ^= quint8(c);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xedb88320 & (0u - (crc & 1)));
    }
    return ~crc;
}

struct ZipRecord
{
    QByteArray name;
    QByteArray data;
    bool deflate = false;
    quint64 claimedSize = 0; // what the directory says the record inflates to, when not its real size
};

// A zip archive as torch.save writes one (records stored), or with deflated records.
QByteArray zipArchive(const QList<ZipRecord> &records)
{
    QByteArray body;
    QByteArray directory;
    for (const ZipRecord &record : records) {
        QByteArray stored = record.data;
        if (record.deflate) {
            const QByteArray zlib = qCompress(record.data, 9); // 4-byte length, 2-byte header, deflate, adler32
            stored = zlib.mid(6, zlib.size() - 10);
        }
        const quint64 size = record.claimedSize ? record.claimedSize : quint64(record.data.size());
        const QByteArray common = le(20, 2) + le(0, 2) + le(record.deflate ? 8 : 0, 2) + le(0, 4) + le(crc32(record.data), 4)
            + le(quint64(stored.size()), 4) + le(size, 4) + le(quint64(record.name.size()), 2) + le(0, 2);
        const quint64 offset = quint64(body.size());
        body += le(0x04034b50, 4) + common + record.name + stored;
        directory += le(0x02014b50, 4) + le(20, 2) + common + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4) + record.name;
    }
    return body + directory + le(0x06054b50, 4) + le(0, 4) + le(quint64(records.size()), 2) + le(quint64(records.size()), 2)
        + le(quint64(directory.size()), 4) + le(quint64(body.size()), 4) + le(0, 2);
}

// Pickle protocol 2, as torch.save writes it.
QByteArray pickleString(const QByteArray &text)
{
    return 'X' + le(quint64(text.size()), 4) + text;
}

QByteArray pickleInt(qint64 value)
{
    return '\x8a' + le(8, 1) + le(quint64(value), 8);
}

QByteArray pickleGlobal(const char *module, const char *name)
{
    return 'c' + QByteArray(module) + '\n' + QByteArray(name) + '\n';
}

QByteArray pickleTuple(const QList<qint64> &values)
{
    QByteArray out = "(";
    for (qint64 value : values)
        out += pickleInt(value);
    return out + 't';
}

struct PickledTensor
{
    QByteArray name;
    QByteArray key;      // storage record data/<key>
    qint64 numel;        // the storage's element count
    QList<qint64> sizes;
    QList<qint64> strides;
    qint64 offset = 0;
};

// An OrderedDict of float tensors, each rebuilt by torch._utils._rebuild_tensor_v2 from a storage.
QByteArray stateDictPickle(const QList<PickledTensor> &tensors)
{
    QByteArray out = QByteArray("\x80\x02", 2) + pickleGlobal("collections", "OrderedDict") + ")R(";
    for (const PickledTensor &t : tensors) {
        out += pickleString(t.name) + pickleGlobal("torch._utils", "_rebuild_tensor_v2") + '(';
        out += '(' + pickleString("storage") + pickleGlobal("torch", "FloatStorage") + pickleString(t.key) + pickleString("cpu")
            + pickleInt(t.numel) + "tQ";
        out += pickleInt(t.offset) + pickleTuple(t.sizes) + pickleTuple(t.strides) + '\x89'
            + pickleGlobal("collections", "OrderedDict") + ")R" + "tR";
    }
    return out + "u.";
}

QByteArray floats(const QList<float> &values)
{
    QByteArray out;
    for (float value : values)
        out += QByteArray(reinterpret_cast<const char *>(&value), sizeof value);
    return out;
}

QByteArray torchArchive(const QByteArray &pickle, const QList<ZipRecord> &storages = {})
{
    QList<ZipRecord> records{{"archive/data.pkl", pickle}};
    for (ZipRecord storage : storages) {
        storage.name = "archive/data/" + storage.name;
        records << storage;
    }
    records << ZipRecord{"archive/version", "3\n"};
    return zipArchive(records);
}

// safetensors: 8-byte header length, JSON header, data.
QByteArray safetensors(const QByteArray &header, const QByteArray &data)
{
    return le(quint64(header.size()), 8) + header + data;
}

// The message of the WeightsError reading path throws; anything else thrown (or nothing) fails the test.
QString errorReading(const QString &path)
{
    try {
        readTensorFile(path);
    } catch (const WeightsError &error) {
        return QString::fromUtf8(error.what());
    } catch (const std::exception &error) {
        return QStringLiteral("NOT A WeightsError: ") + QString::fromUtf8(error.what());
    }
    return QStringLiteral("NO ERROR: the file was accepted");
}

} // namespace

Q_DECLARE_METATYPE(PickledTensor)

class TestWeightFiles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void craftedArchiveIsRead();
    void craftedArchiveIsARealTorchSave();
    void refusesDictHoldingItself();
    void refusesDeeplyNestedLists_data();
    void refusesDeeplyNestedLists();
    void pickleValueLimitIsSettable();
    void refusesCompressionBomb();
    void refusesDeflatedRecordsOfAnotherSize();
    void refusesRecordLargerThanItsStorage();
    void refusesViewsOutsideTheStorage_data();
    void refusesViewsOutsideTheStorage();
    void tensorByteLimitIsSettable();
    void refusesBadSafetensorsHeaders_data();
    void refusesBadSafetensorsHeaders();
    void refusesIntegerDataForFloatParameters();
    void refusesLegacyTorchSave();
    void refusesNonFiniteWeights_data();
    void refusesNonFiniteWeights();

private:
    QString write(const QString &name, const QByteArray &bytes);
    // The error must be one line, start with the path, and contain each of the given words.
    void expectRefused(const QString &path, const QStringList &words);

    QTemporaryDir m_dir;
};

void TestWeightFiles::init()
{
    qunsetenv("ACCESSION_MAX_WEIGHTS_MB");
    qunsetenv("ACCESSION_MAX_PICKLE_VALUES");
}

QString TestWeightFiles::write(const QString &name, const QByteArray &bytes)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

void TestWeightFiles::expectRefused(const QString &path, const QStringList &words)
{
    const QString error = errorReading(path);
    QVERIFY2(error.startsWith(path + QLatin1Char(':')), qPrintable(error));
    QVERIFY2(!error.contains(QLatin1Char('\n')), qPrintable(error));
    for (const QString &word : words)
        QVERIFY2(error.contains(word, Qt::CaseInsensitive), qPrintable(QStringLiteral("'%1' not in: %2").arg(word, error)));
}

void TestWeightFiles::craftedArchiveIsRead()
{
    // The control for the hostile archives below: the same construction, honest, loads.
    const QByteArray pickle = stateDictPickle({{"fc.weight", "0", 6, {2, 3}, {3, 1}}, {"fc.bias", "1", 2, {2}, {1}}});
    const QString path = write(QStringLiteral("crafted.pth"), torchArchive(pickle, {{"0", floats({1, 2, 3, 4, 5, 6})}, {"1", floats({7, 8})}}));
    const QMap<QString, HostTensor> tensors = readTensorFile(path);
    QCOMPARE(tensors.size(), 2);
    QCOMPARE(tensors.value(QStringLiteral("fc.weight")).shape, (std::vector<int64_t>{2, 3}));
    QCOMPARE(tensors.value(QStringLiteral("fc.weight")).values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
    QCOMPARE(tensors.value(QStringLiteral("fc.bias")).values, (std::vector<float>{7, 8}));
    // torch.save never compresses, but a re-zipped archive is still read.
    const QString deflated = write(QStringLiteral("deflated.pth"),
                                   torchArchive(pickle, {{"0", floats({1, 2, 3, 4, 5, 6}), true}, {"1", floats({7, 8}), true}}));
    QCOMPARE(readTensorFile(deflated).value(QStringLiteral("fc.weight")).values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

void TestWeightFiles::craftedArchiveIsARealTorchSave()
{
    // What these tests build is what torch.load reads, so the hostile variants are realistic.
    const QString unavailable = pythonReferenceUnavailable();
    if (!unavailable.isEmpty())
        QSKIP(qPrintable(unavailable));
    const QByteArray pickle = stateDictPickle({{"fc.weight", "0", 6, {2, 3}, {3, 1}}});
    const QString path = write(QStringLiteral("for-python.pth"), torchArchive(pickle, {{"0", floats({1, 2, 3, 4, 5, 6})}}));
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(QStringLiteral(ACCESSION_PYTHON),
                 {QStringLiteral("-c"), QStringLiteral("import sys, torch; t = torch.load(sys.argv[1])['fc.weight']; "
                                                       "assert t.tolist() == [[1, 2, 3], [4, 5, 6]], t"),
                  path});
    QVERIFY(python.waitForFinished(120000));
    QVERIFY2(python.exitCode() == 0, python.readAll().constData());
}

void TestWeightFiles::refusesDictHoldingItself()
{
    // d = {}; d['state_dict'] = d: the state-dict search followed it forever and overflowed the stack.
    const QByteArray pickle = QByteArray("\x80\x02}q\x00", 5) + pickleString("state_dict") + QByteArray("q\x01h\x00s.", 6);
    expectRefused(write(QStringLiteral("itself.pth"), torchArchive(pickle)), {QStringLiteral("no dict of tensors")});
}

void TestWeightFiles::refusesDeeplyNestedLists_data()
{
    QTest::addColumn<int>("depth");
    QTest::addColumn<QString>("reason");
    QTest::newRow("a million") << 1000000 << QStringLiteral("ACCESSION_MAX_PICKLE_VALUES");
    QTest::newRow("two thousand") << 2000 << QStringLiteral("more than 1000 deep");
}

void TestWeightFiles::refusesDeeplyNestedLists()
{
    // [[[[...]]]]: freeing the chain of values recursed once a level, and a million levels overflowed the stack.
    QFETCH(int, depth);
    QFETCH(QString, reason);
    const QByteArray pickle = QByteArray("\x80\x02", 2) + QByteArray(depth, ']') + QByteArray(depth - 1, 'a') + '.';
    expectRefused(write(QStringLiteral("nested.pth"), torchArchive(pickle)), {reason});
}

void TestWeightFiles::pickleValueLimitIsSettable()
{
    // A state dict with a list of 5,000 Nones beside it: accepted by default, refused under a lower limit.
    QByteArray pickle = stateDictPickle({{"fc.bias", "0", 2, {2}, {1}}});
    pickle.chop(2); // "u."
    pickle += pickleString("extra") + "](" + QByteArray(5000, 'N') + "eu.";
    const QString path = write(QStringLiteral("many-values.pth"), torchArchive(pickle, {{"0", floats({1, 2})}}));
    QCOMPARE(readTensorFile(path).size(), 1);
    qputenv("ACCESSION_MAX_PICKLE_VALUES", "1000");
    expectRefused(path, {QStringLiteral("more than 1000 values"), QStringLiteral("ACCESSION_MAX_PICKLE_VALUES")});
}

void TestWeightFiles::refusesCompressionBomb()
{
    // A deflated record whose directory says it inflates to 2 GiB: it was allocated and inflated.
    const qint64 numel = qint64(512) << 20;
    const QByteArray pickle = stateDictPickle({{"fc.weight", "0", numel, {numel}, {1}}});
    const QString path = write(QStringLiteral("bomb.pth"),
                               torchArchive(pickle, {{"0", QByteArray(1 << 20, '\0'), true, quint64(numel * 4)}}));
    expectRefused(path, {QStringLiteral("'archive/data/0'"), QStringLiteral("decompression bomb")});
}

void TestWeightFiles::refusesDeflatedRecordsOfAnotherSize()
{
    // The directory says 8 bytes (what the tensor needs) but the data inflates to 24: never written past the 8.
    const QByteArray twoFloats = stateDictPickle({{"fc.bias", "0", 2, {2}, {1}}});
    const QString longer = write(QStringLiteral("longer.pth"), torchArchive(twoFloats, {{"0", floats({1, 2, 3, 4, 5, 6}), true, 8}}));
    expectRefused(longer, {QStringLiteral("'data/0'"), QStringLiteral("inflates to more than the 8 bytes")});
    // The directory says 24 bytes but the data inflates to 8.
    const QByteArray sixFloats = stateDictPickle({{"fc.bias", "0", 6, {6}, {1}}});
    const QString shorter = write(QStringLiteral("shorter.pth"), torchArchive(sixFloats, {{"0", floats({1, 2}), true, 24}}));
    expectRefused(shorter, {QStringLiteral("'data/0'"), QStringLiteral("inflates to fewer bytes than the 24")});
}

void TestWeightFiles::refusesRecordLargerThanItsStorage()
{
    const QByteArray pickle = stateDictPickle({{"fc.bias", "0", 2, {2}, {1}}});
    const QString path = write(QStringLiteral("big-record.pth"), torchArchive(pickle, {{"0", floats({1, 2, 3, 4, 5, 6, 7, 8})}}));
    expectRefused(path, {QStringLiteral("storage '0' holds 32 bytes where its tensor needs 8")});
}

void TestWeightFiles::refusesViewsOutsideTheStorage_data()
{
    QTest::addColumn<PickledTensor>("tensor");
    QTest::addColumn<QString>("reason");
    const QString outside = QStringLiteral("reaches outside its storage");
    QTest::newRow("stride past the end") << PickledTensor{"w", "0", 6, {2, 3}, {3, 100}} << outside;
    QTest::newRow("offset past the end") << PickledTensor{"w", "0", 6, {2, 3}, {3, 1}, 4} << outside;
    QTest::newRow("negative offset") << PickledTensor{"w", "0", 6, {2}, {1}, -3} << outside;
    QTest::newRow("negative size") << PickledTensor{"w", "0", 6, {-2}, {1}} << QStringLiteral("non-negative integer");
    QTest::newRow("overflowing sizes") << PickledTensor{"w", "0", 6, {qint64(1) << 40, qint64(1) << 40}, {0, 0}} << outside;
    QTest::newRow("negative storage") << PickledTensor{"w", "0", -1, {0}, {1}} << QStringLiteral("claims -1 elements");
    QTest::newRow("storage beyond limit") << PickledTensor{"w", "0", qint64(1) << 62, {1}, {1}} << QStringLiteral("ACCESSION_MAX_WEIGHTS_MB");
}

void TestWeightFiles::refusesViewsOutsideTheStorage()
{
    QFETCH(PickledTensor, tensor);
    QFETCH(QString, reason);
    const QString path = write(QStringLiteral("view.pth"), torchArchive(stateDictPickle({tensor}), {{"0", floats({1, 2, 3, 4, 5, 6})}}));
    expectRefused(path, {reason});
}

void TestWeightFiles::tensorByteLimitIsSettable()
{
    // Two MiB of weights in each format, and a 2 MiB view broadcast from one element: fine by default,
    // refused under a 1 MiB limit.
    const qint64 numel = qint64(1) << 19;
    const QByteArray data(int(numel * 4), '\0');
    const QString pth = write(QStringLiteral("two-mib.pth"), torchArchive(stateDictPickle({{"w", "0", numel, {numel}, {1}}}), {{"0", data}}));
    const QString broadcast = write(QStringLiteral("broadcast.pth"),
                                    torchArchive(stateDictPickle({{"w", "0", 1, {numel}, {0}}}), {{"0", floats({1})}}));
    const QByteArray header = QStringLiteral(R"({"w":{"dtype":"F32","shape":[%1],"data_offsets":[0,%2]}})").arg(numel).arg(numel * 4).toUtf8();
    const QString safe = write(QStringLiteral("two-mib.safetensors"), safetensors(header, data));
    for (const QString &path : {pth, broadcast, safe})
        QCOMPARE(readTensorFile(path).value(QStringLiteral("w")).numel(), numel);
    qputenv("ACCESSION_MAX_WEIGHTS_MB", "1");
    for (const QString &path : {pth, broadcast, safe})
        expectRefused(path, {QStringLiteral("limit of 1 MiB (ACCESSION_MAX_WEIGHTS_MB)")});
}

void TestWeightFiles::refusesBadSafetensorsHeaders_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("reason");
    const QByteArray eight = floats({1, 2});
    QTest::newRow("array") << QByteArray("[1,2]") << QByteArray() << QStringLiteral("a JSON array where an object");
    QTest::newRow("overlap") << QByteArray(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})")
                             << floats({1, 2, 3}) << QStringLiteral("'b' overlaps");
    QTest::newRow("gap") << QByteArray(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                       R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})")
                         << floats({1, 2, 3}) << QStringLiteral("gap of 4 bytes before the data of tensor 'b'");
    QTest::newRow("metadata not a string") << QByteArray(R"({"__metadata__":{"epoch":3},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})")
                                           << eight << QStringLiteral("metadata 'epoch' is not a string");
    QTest::newRow("overflowing shape") << QByteArray(R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})")
                                       << QByteArray() << QStringLiteral("more elements than can be counted");
    QTest::newRow("overflowing bytes") << QByteArray(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})")
                                       << QByteArray() << QStringLiteral("more bytes than can be counted");
    QTest::newRow("entry not an object") << QByteArray(R"({"a":[1]})") << QByteArray() << QStringLiteral("'a' is not described by an object");
}

void TestWeightFiles::refusesBadSafetensorsHeaders()
{
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, data);
    QFETCH(QString, reason);
    expectRefused(write(QStringLiteral("bad.safetensors"), safetensors(header, data)), {reason});
    QVERIFY(!errorReading(m_dir.filePath(QStringLiteral("bad.safetensors"))).contains(QStringLiteral("no error occurred")));
}

void TestWeightFiles::refusesIntegerDataForFloatParameters()
{
    // The bits of float weights relabelled I32 were converted number by number into other weights.
    const QString path = m_dir.filePath(QStringLiteral("resnet.safetensors"));
    Network(Architecture::ResNet18, 3).saveWeights(path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    file.close();
    const qint64 headerSize = qFromLittleEndian<qint64>(bytes.constData());
    const QByteArray data = bytes.mid(8 + headerSize);
    QJsonObject header = QJsonDocument::fromJson(bytes.mid(8, headerSize)).object();
    const auto relabel = [&](const QString &name, const char *dtype) {
        QJsonObject entry = header.value(name).toObject();
        entry.insert(QStringLiteral("dtype"), QLatin1String(dtype));
        header.insert(name, entry);
    };
    // A float batch count (as some converters write) is harmless and still loads.
    relabel(QStringLiteral("bn1.num_batches_tracked"), "F64");
    const QString batches = write(QStringLiteral("float-batches.safetensors"), safetensors(QJsonDocument(header).toJson(QJsonDocument::Compact), data));
    Network network(Architecture::ResNet18, 3);
    network.loadWeights(batches);

    relabel(QStringLiteral("conv1.weight"), "I32");
    const QString relabelled = write(QStringLiteral("i32.safetensors"), safetensors(QJsonDocument(header).toJson(QJsonDocument::Compact), data));
    try {
        network.loadWeights(relabelled);
        QFAIL("integer weights were accepted for float parameters");
    } catch (const WeightsError &error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.startsWith(relabelled), error.what());
        QVERIFY2(message.contains(QStringLiteral("mis-typed tensors: conv1.weight Int where the network has Float")), error.what());
    }
}

void TestWeightFiles::refusesLegacyTorchSave()
{
    // What torch.save wrote before PyTorch 1.6: a pickled magic number, then more pickles and raw storages.
    const QByteArray legacy = QByteArray("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.\x80\x02M\xe9\x03.", 21);
    expectRefused(write(QStringLiteral("legacy.pth"), legacy + QByteArray(64, '\0')),
                  {QStringLiteral("legacy"), QStringLiteral("torch.save(torch.load(\"old.pth\"), \"new.pth\")")});
}

void TestWeightFiles::refusesNonFiniteWeights_data()
{
    QTest::addColumn<float>("value");
    QTest::newRow("NaN") << std::numeric_limits<float>::quiet_NaN();
    QTest::newRow("infinity") << -std::numeric_limits<float>::infinity();
}

void TestWeightFiles::refusesNonFiniteWeights()
{
    QFETCH(float, value);
    const QByteArray data = floats({1, 2}) + floats({3, value});
    const QString safe = write(QStringLiteral("nan.safetensors"),
                               safetensors(R"({"fine":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                           R"("bad":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                           data));
    expectRefused(safe, {QStringLiteral("tensor 'bad' holds NaN or infinite values")});
    const QByteArray pickle = stateDictPickle({{"fine", "0", 2, {2}, {1}}, {"bad", "1", 2, {2}, {1}}});
    const QString pth = write(QStringLiteral("nan.pth"), torchArchive(pickle, {{"0", floats({1, 2})}, {"1", floats({3, value})}}));
    expectRefused(pth, {QStringLiteral("tensor 'bad' holds NaN or infinite values")});
}

QTEST_GUILESS_MAIN(TestWeightFiles)
#include "tst_weightfiles.moc"
