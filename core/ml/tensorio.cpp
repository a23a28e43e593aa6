#include "tensorio_torch.h"

#include "modelcard.h"
#include "weightserror.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>


#include <algorithm>
#include <cstring>
#include <deque>
#include <limits>
#include <new>
#include <unordered_map>
#include <unordered_set>

#include <zlib.h>

namespace accession::ml {

void NamedTensors::add(const std::string &name, torch::Tensor tensor)
{
    if (tensors.find(name) == tensors.end())
        names.push_back(name);
    tensors[name] = std::move(tensor);
}

namespace {

// A safetensors header is JSON text; the reference implementation refuses headers above 100 MB too.
constexpr quint64 kMaxSafetensorsHeaderBytes = quint64(100) << 20;
// Tensors one file may name: every torchvision classifier has under 1,000; each costs a few hundred bytes.
constexpr qint64 kMaxTensorCount = 100000;
// Dimensions of one tensor: networks use at most 5; more only serves to make shape arithmetic overflow.
constexpr int kMaxTensorDims = 32;
// A torch.save pickle describes tensors, it does not hold them: ResNet-50's data.pkl is 30 KB.
constexpr quint64 kMaxPickleBytes = quint64(64) << 20;
// Containers nested inside each other in a pickle: a checkpoint nests four or five; a million nested lists
// are refused here rather than walked.
constexpr int kMaxPickleDepth = 1000;
// Dicts the state-dict search descends through ('checkpoint' -> 'model' -> 'state_dict' ...).
constexpr int kMaxStateDictDepth = 8;
// torch.save stores records uncompressed; a record compressed more than this (float weights deflate to
// about 90%) is a decompression bomb, refused before it is inflated...
constexpr quint64 kMaxCompressionRatio = 100;
// ...unless it is small enough not to matter (a zeroed buffer of a few kilobytes compresses very well).
constexpr quint64 kCompressionCheckFloorBytes = quint64(1) << 20;
// A zip central directory entry is about 100 bytes; this allows several hundred thousand records.
constexpr quint64 kMaxZipDirectoryBytes = quint64(64) << 20;

// What torch.save before PyTorch 1.6 writes first: pickle protocol 2, then LONG1 of its magic number
// 0x1950a86a20f9469cfc6c, little-endian.
constexpr unsigned char kLegacyTorchMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                               0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

struct DtypeInfo
{
    const char *name;
    torch::ScalarType type;
    int bytes;
};

const DtypeInfo kDtypes[] = {
    {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2}, {"BF16", torch::kBFloat16, 2},
    {"F64", torch::kFloat64, 8}, {"I64", torch::kInt64, 8},   {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2},   {"I8", torch::kInt8, 1},     {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

const DtypeInfo *dtypeByName(const QString &name)
{
    for (const DtypeInfo &info : kDtypes) {
        if (name == QLatin1String(info.name))
            return &info;
    }
    return nullptr;
}

const DtypeInfo *dtypeByType(torch::ScalarType type)
{
    for (const DtypeInfo &info : kDtypes) {
        if (info.type == type)
            return &info;
    }
    return nullptr;
}

// Messages are one line: a reason taken from a library may span several.
QString oneLine(QString text)
{
    text.replace(QLatin1Char('\r'), QLatin1Char(' '));
    const qsizetype newline = text.indexOf(QLatin1Char('\n'));
    if (newline >= 0)
        text.truncate(newline);
    return text.trimmed();
}

[[noreturn]] void fail(const QString &path, const QString &reason)
{
    throw WeightsError(QStringLiteral("%1: %2").arg(path, oneLine(reason)));
}

QString shownName(const std::string &text)
{
    // Names come from the file: keep them short and printable in a message.
    QString name = QString::fromUtf8(text.data(), qsizetype(std::min<size_t>(text.size(), 200)));
    for (QChar &c : name) {
        if (!c.isPrint())
            c = QLatin1Char('?');
    }
    return QLatin1Char('\'') + name + QLatin1Char('\'');
}

QString shownName(const QString &text)
{
    return shownName(text.toStdString());
}

qint64 megabytes(qint64 bytes)
{
    return bytes >> 20;
}

QString limitText(const WeightsLimits &limits)
{
    return QStringLiteral("%1 MiB (ACCESSION_MAX_WEIGHTS_MB)").arg(megabytes(limits.maxTensorBytes));
}

// Runs a reader, turning what LibTorch or the allocator throws into a WeightsError naming the file.
template<typename Read>
NamedTensors guarded(const QString &path, Read read)
{
    try {
        return read();
    } catch (const WeightsError &) {
        throw;
    } catch (const c10::Error &error) {
        fail(path, QString::fromUtf8(error.what_without_backtrace()));
    } catch (const std::bad_alloc &) {
        fail(path, QStringLiteral("out of memory while reading the tensors"));
    } catch (const std::exception &error) {
        fail(path, QString::fromUtf8(error.what()));
    }
}

// NaN or infinite weights make every later prediction meaningless (and have crashed code downstream).
void refuseNonFinite(const QString &path, const NamedTensors &tensors)
{
    for (const std::string &name : tensors.names) {
        const torch::Tensor &tensor = tensors.tensors.at(name);
        if (tensor.is_floating_point() && tensor.numel() > 0 && !torch::isfinite(tensor).all().item<bool>())
            fail(path, QStringLiteral("tensor %1 holds NaN or infinite values").arg(shownName(name)));
    }
}

// The whole file, mapped read-only; closed when this goes.
class MappedFile
{
public:
    explicit MappedFile(const QString &path)
        : m_file(path)
    {
        if (!m_file.open(QIODevice::ReadOnly))
            fail(path, QStringLiteral("cannot open: %1").arg(m_file.errorString()));
        m_size = m_file.size();
        if (m_size > 0) {
            m_data = m_file.map(0, m_size);
            if (!m_data)
                fail(path, QStringLiteral("cannot read: %1").arg(m_file.errorString()));
        }
    }
    const uchar *data() const { return m_data ? m_data : reinterpret_cast<const uchar *>(""); }
    qint64 size() const { return m_size; }

private:
    QFile m_file;
    uchar *m_data = nullptr;
    qint64 m_size = 0;
};

bool multiplyFits(qint64 a, qint64 b, qint64 *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

} // namespace

WeightsLimits WeightsLimits::fromEnvironment()
{
    WeightsLimits limits;
    bool ok = false;
    const qint64 megabytes = qEnvironmentVariable("ACCESSION_MAX_WEIGHTS_MB").toLongLong(&ok);
    if (ok && megabytes > 0 && megabytes < (qint64(1) << 40))
        limits.maxTensorBytes = megabytes << 20;
    const qint64 values = qEnvironmentVariable("ACCESSION_MAX_PICKLE_VALUES").toLongLong(&ok);
    if (ok && values > 0)
        limits.maxPickleValues = values;
    return limits;
}

NamedTensors readSafetensorsBytes(const QString &path, const uchar *mapped, qint64 fileSize, const WeightsLimits &limits)
{
    return guarded(path, [&] {
        if (fileSize < 8)
            fail(path, QStringLiteral("not a safetensors file (%1 bytes)").arg(fileSize));
        quint64 headerSize = 0;
        for (int i = 7; i >= 0; --i)
            headerSize = headerSize << 8 | mapped[i];
        if (headerSize == 0 || headerSize > quint64(fileSize - 8) || headerSize > kMaxSafetensorsHeaderBytes)
            fail(path, QStringLiteral("not a safetensors file (header length %1 in a file of %2 bytes)").arg(headerSize).arg(fileSize));
        QJsonParseError parseError;
        const QJsonDocument header = QJsonDocument::fromJson(
            QByteArray::fromRawData(reinterpret_cast<const char *>(mapped + 8), qsizetype(headerSize)), &parseError);
        if (parseError.error != QJsonParseError::NoError)
            fail(path, QStringLiteral("corrupt safetensors header: %1 at byte %2").arg(parseError.errorString()).arg(parseError.offset));
        if (!header.isObject())
            fail(path, QStringLiteral("corrupt safetensors header: a JSON %1 where an object of tensors is needed")
                           .arg(header.isArray() ? QStringLiteral("array") : QStringLiteral("value")));

        const uchar *data = mapped + 8 + headerSize;
        const qint64 dataSize = fileSize - 8 - qint64(headerSize);
        struct Entry
        {
            qint64 begin;
            qint64 end;
            QString name;
            const DtypeInfo *dtype;
            std::vector<int64_t> shape;
        };
        std::vector<Entry> entries;
        NamedTensors result;
        const QJsonObject object = header.object();
        if (object.size() > kMaxTensorCount)
            fail(path, QStringLiteral("%1 tensors, more than the %2 a weights file may hold").arg(object.size()).arg(kMaxTensorCount));
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() == QLatin1String("__metadata__")) {
                if (!it.value().isObject())
                    fail(path, QStringLiteral("corrupt safetensors header: __metadata__ is not an object"));
                const QJsonObject metadata = it.value().toObject();
                for (auto m = metadata.begin(); m != metadata.end(); ++m) {
                    if (!m.value().isString())
                        fail(path, QStringLiteral("corrupt safetensors header: metadata %1 is not a string").arg(shownName(m.key())));
                    result.metadata[m.key().toStdString()] = m.value().toString().toStdString();
                }
                continue;
            }
            const QString name = shownName(it.key());
            if (!it.value().isObject())
                fail(path, QStringLiteral("corrupt safetensors header: tensor %1 is not described by an object").arg(name));
            const QJsonObject entry = it.value().toObject();
            const QJsonValue dtypeName = entry.value(QStringLiteral("dtype"));
            const DtypeInfo *dtype = dtypeByName(dtypeName.toString());
            if (!dtype)
                fail(path, QStringLiteral("tensor %1 has unsupported dtype %2").arg(name, shownName(dtypeName.toString())));
            const QJsonValue shapeValue = entry.value(QStringLiteral("shape"));
            if (!shapeValue.isArray() || shapeValue.toArray().size() > kMaxTensorDims)
                fail(path, QStringLiteral("tensor %1 has no shape, or more than %2 dimensions").arg(name).arg(kMaxTensorDims));
            std::vector<int64_t> shape;
            qint64 numel = 1;
            for (const QJsonValue &dimension : shapeValue.toArray()) {
                const qint64 size = dimension.isDouble() ? dimension.toInteger(-1) : -1;
                if (size < 0)
                    fail(path, QStringLiteral("tensor %1 has a negative or invalid dimension").arg(name));
                if (!multiplyFits(numel, size, &numel))
                    fail(path, QStringLiteral("tensor %1 has more elements than can be counted").arg(name));
                shape.push_back(size);
            }
            qint64 bytes = 0;
            if (!multiplyFits(numel, dtype->bytes, &bytes))
                fail(path, QStringLiteral("tensor %1 has more bytes than can be counted").arg(name));
            const QJsonArray offsets = entry.value(QStringLiteral("data_offsets")).toArray();
            const qint64 begin = offsets.size() == 2 && offsets[0].isDouble() ? offsets[0].toInteger(-1) : -1;
            const qint64 end = offsets.size() == 2 && offsets[1].isDouble() ? offsets[1].toInteger(-1) : -1;
            if (begin < 0 || end < begin || end > dataSize)
                fail(path, QStringLiteral("tensor %1 lies outside the file (truncated?)").arg(name));
            if (end - begin != bytes)
                fail(path, QStringLiteral("tensor %1 has %2 bytes for %3 elements of %4")
                               .arg(name).arg(end - begin).arg(numel).arg(QLatin1String(dtype->name)));
            entries.push_back({begin, end, it.key(), dtype, std::move(shape)});
        }
        // The header's keys are not ordered in JSON: order tensors by where their data lies, as written.
        // As the reference reader requires, the data regions follow each other without overlap or gap.
        std::stable_sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        qint64 position = 0;
        for (const Entry &entry : entries) {
            if (entry.begin < position)
                fail(path, QStringLiteral("tensor %1 overlaps the data of another tensor").arg(shownName(entry.name)));
            if (entry.begin > position)
                fail(path, QStringLiteral("a gap of %1 bytes before the data of tensor %2").arg(entry.begin - position).arg(shownName(entry.name)));
            position = entry.end;
        }
        if (position != dataSize)
            fail(path, QStringLiteral("%1 bytes after the last tensor's data (corrupt?)").arg(dataSize - position));
        if (dataSize > limits.maxTensorBytes)
            fail(path, QStringLiteral("%1 MiB of tensor data, more than the limit of %2").arg(megabytes(dataSize)).arg(limitText(limits)));
        for (const Entry &entry : entries) {
            torch::Tensor tensor = torch::empty(entry.shape, torch::TensorOptions().dtype(entry.dtype->type));
            if (entry.end > entry.begin)
                std::memcpy(tensor.data_ptr(), data + entry.begin, size_t(entry.end - entry.begin));
            result.add(entry.name.toStdString(), tensor);
        }
        refuseNonFinite(path, result);
        return result;
    });
}

NamedTensors readSafetensors(const QString &path)
{
    const MappedFile file(path);
    return readSafetensorsBytes(path, file.data(), file.size());
}

void writeSafetensors(const QString &path, const NamedTensors &tensors)
{
    QJsonObject header;
    QJsonObject metadata;
    for (const auto &[key, value] : tensors.metadata)
        metadata.insert(QString::fromStdString(key), QString::fromStdString(value));
    if (!metadata.isEmpty())
        header.insert(QStringLiteral("__metadata__"), metadata);
    std::vector<torch::Tensor> contiguous;
    qint64 offset = 0;
    for (const std::string &name : tensors.names) {
        torch::Tensor tensor = tensors.tensors.at(name).detach().to(torch::kCPU).contiguous();
        const DtypeInfo *dtype = dtypeByType(tensor.scalar_type());
        if (!dtype)
            fail(path, QStringLiteral("cannot store tensor '%1' of type %2").arg(QString::fromStdString(name), QString::fromLatin1(c10::toString(tensor.scalar_type()))));
        QJsonArray shape;
        for (int64_t size : tensor.sizes())
            shape.append(qint64(size));
        const qint64 bytes = tensor.numel() * dtype->bytes;
        header.insert(QString::fromStdString(name),
                      QJsonObject{{QStringLiteral("dtype"), QLatin1String(dtype->name)},
                                  {QStringLiteral("shape"), shape},
                                  {QStringLiteral("data_offsets"), QJsonArray{offset, offset + bytes}}});
        offset += bytes;
        contiguous.push_back(tensor);
    }
    QByteArray headerBytes = QJsonDocument(header).toJson(QJsonDocument::Compact);
    while (headerBytes.size() % 8 != 0)
        headerBytes.append(' '); // keeps the data aligned, as the reference writer does
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        fail(path, QStringLiteral("cannot write: %1").arg(file.errorString()));
    char length[8];
    quint64 headerSize = quint64(headerBytes.size());
    for (int i = 0; i < 8; ++i)
        length[i] = char((headerSize >> (8 * i)) & 0xff);
    bool ok = file.write(length, 8) == 8 && file.write(headerBytes) == headerBytes.size();
    for (const torch::Tensor &tensor : contiguous) {
        const qint64 bytes = qint64(tensor.numel() * tensor.element_size());
        ok = ok && file.write(static_cast<const char *>(tensor.data_ptr()), bytes) == bytes;
    }
    if (!ok || !file.commit())
        fail(path, QStringLiteral("cannot write: %1").arg(file.errorString()));
}

namespace {

// A deliberately small unpickler: it builds values and never calls anything named in the file. Every value
// lives in the unpickler's arena and refers to others by plain pointers, so a value graph with cycles, or a
// chain a million deep, is freed without recursion and without leaking.
struct PickleValue
{
    enum class Kind : uint8_t { None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Global, Storage, Tensor, Opaque, Mark };
    Kind kind = Kind::None;
    bool boolean = false;
    int depth = 0;                       // containers nested inside this one, as far as known when built
    torch::ScalarType dtype = torch::kFloat32; // a storage's element type
    int64_t integer = 0;                 // an int; a storage's element count
    double real = 0;
    std::string text;                    // a string or bytes; a global's module; a storage's key
    std::string name;                    // a global's name
    std::vector<PickleValue *> items;    // a list or tuple; a dict's keys and values, alternating, in order
    torch::Tensor tensor;

    std::string qualified() const { return text + "." + name; }
};
using Value = PickleValue *;

std::optional<torch::ScalarType> storageDtype(const std::string &name)
{
    static const std::unordered_map<std::string, torch::ScalarType> types = {
        {"FloatStorage", torch::kFloat32}, {"DoubleStorage", torch::kFloat64}, {"HalfStorage", torch::kFloat16},
        {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kInt64}, {"IntStorage", torch::kInt32},
        {"ShortStorage", torch::kInt16}, {"CharStorage", torch::kInt8}, {"ByteStorage", torch::kUInt8},
        {"BoolStorage", torch::kBool}};
    const auto it = types.find(name);
    if (it == types.end())
        return std::nullopt;
    return it->second;
}

class Unpickler
{
public:
    Unpickler(const QString &path, std::string_view data, const StorageLoader &loadStorage, const WeightsLimits &limits)
        : m_path(path)
        , m_data(data)
        , m_loadStorage(loadStorage)
        , m_limits(limits)
    {
    }

    Value load()
    {
        for (;;) {
            const uint8_t op = byte();
            switch (op) {
            case 0x80: byte(); break;              // PROTO
            case 0x95: bytes(8); break;            // FRAME
            case '}': push(make(PickleValue::Kind::Dict)); break;
            case ']': push(make(PickleValue::Kind::List)); break;
            case ')': push(make(PickleValue::Kind::Tuple)); break;
            case '(': push(make(PickleValue::Kind::Mark)); break;
            case 'N': push(make(PickleValue::Kind::None)); break;
            case 0x88: pushBool(true); break;
            case 0x89: pushBool(false); break;
            case 'K': pushInt(byte()); break;
            case 'M': pushInt(int64_t(readLittle(2))); break;
            case 'J': pushInt(int32_t(uint32_t(readLittle(4)))); break;
            case 0x8a: { // LONG1: little-endian two's complement of n bytes
                const size_t n = byte();
                const std::string_view raw = bytes(n);
                if (n > 8) { // not a size or an offset; nothing here needs its value
                    push(make(PickleValue::Kind::Opaque));
                    break;
                }
                uint64_t bits = 0;
                for (size_t i = n; i-- > 0;)
                    bits = bits << 8 | uint8_t(raw[i]);
                if (n > 0 && n < 8 && (uint8_t(raw[n - 1]) & 0x80))
                    bits |= ~uint64_t(0) << (8 * n);
                pushInt(int64_t(bits));
                break;
            }
            case 'G': { // BINFLOAT, big endian
                const std::string_view raw = bytes(8);
                uint64_t bits = 0;
                for (char c : raw)
                    bits = bits << 8 | uint8_t(c);
                Value value = make(PickleValue::Kind::Float);
                std::memcpy(&value->real, &bits, 8);
                push(value);
                break;
            }
            case 'X': pushString(bytes(size_t(readLittle(4)))); break;
            case 0x8c: pushString(bytes(byte())); break;
            case 'T': pushString(bytes(size_t(readLittle(4)))); break;
            case 'U': pushString(bytes(byte())); break;
            case 'B': { Value v = make(PickleValue::Kind::Bytes); v->text = bytes(size_t(readLittle(4))); push(v); break; }
            case 'C': { Value v = make(PickleValue::Kind::Bytes); v->text = bytes(byte()); push(v); break; }
            case 'c': { // GLOBAL module\nname\n
                Value value = make(PickleValue::Kind::Global);
                value->text = line();
                value->name = line();
                push(value);
                break;
            }
            case 0x93: { // STACK_GLOBAL
                const Value name = pop();
                const Value module = pop();
                if (module->kind != PickleValue::Kind::String || name->kind != PickleValue::Kind::String)
                    corrupt(QStringLiteral("a global named by something other than strings"));
                Value value = make(PickleValue::Kind::Global);
                value->text = module->text;
                value->name = name->text;
                push(value);
                break;
            }
            case 'q': memoize(byte()); break;
            case 'r': memoize(uint32_t(readLittle(4))); break;
            case 0x94: memoize(uint32_t(m_memo.size())); break;
            case 'h': push(memo(byte())); break;
            case 'j': push(memo(uint32_t(readLittle(4)))); break;
            case 't': { Value v = make(PickleValue::Kind::Tuple); adopt(v, popToMark()); push(v); break; }
            case 0x85: { Value v = make(PickleValue::Kind::Tuple); adopt(v, {pop()}); push(v); break; }
            case 0x86: { Value v = make(PickleValue::Kind::Tuple); Value b = pop(); Value a = pop(); adopt(v, {a, b}); push(v); break; }
            case 0x87: { Value v = make(PickleValue::Kind::Tuple); Value c = pop(); Value b = pop(); Value a = pop(); adopt(v, {a, b, c}); push(v); break; }
            case 'a': { Value item = pop(); addTo(top(), PickleValue::Kind::List, {item}); break; }
            case 'e': { std::vector<Value> items = popToMark(); addTo(top(), PickleValue::Kind::List, items); break; }
            case 's': { Value value = pop(); Value key = pop(); addTo(top(), PickleValue::Kind::Dict, {key, value}); break; }
            case 'u': {
                std::vector<Value> items = popToMark();
                if (items.size() % 2 != 0)
                    corrupt(QStringLiteral("SETITEMS with a key but no value"));
                addTo(top(), PickleValue::Kind::Dict, items);
                break;
            }
            case 'Q': push(persistentLoad(pop())); break;
            case 'R': { Value args = pop(); Value callable = pop(); push(reduce(callable, args)); break; }
            case 0x81: { Value args = pop(); Value cls = pop(); push(reduce(cls, args)); break; } // NEWOBJ
            case 'b': pop(); break; // BUILD: object state (e.g. an OrderedDict's _metadata) is not needed
            case '.': return pop();
            default:
                fail(m_path, QStringLiteral("unsupported pickle opcode 0x%1 at byte %2").arg(op, 2, 16, QLatin1Char('0')).arg(m_pos - 1));
            }
        }
    }

private:
    [[noreturn]] void corrupt(const QString &what) const
    {
        fail(m_path, QStringLiteral("corrupt pickle data (%1) at byte %2").arg(what).arg(m_pos));
    }
    uint8_t byte()
    {
        if (m_pos >= m_data.size())
            fail(m_path, QStringLiteral("truncated pickle data"));
        return uint8_t(m_data[m_pos++]);
    }
    std::string_view bytes(size_t n)
    {
        if (n > m_data.size() - m_pos)
            fail(m_path, QStringLiteral("truncated pickle data"));
        const std::string_view out = m_data.substr(m_pos, n);
        m_pos += n;
        return out;
    }
    uint64_t readLittle(int n)
    {
        uint64_t value = 0;
        for (int i = 0; i < n; ++i)
            value |= uint64_t(byte()) << (8 * i);
        return value;
    }
    std::string_view line()
    {
        const size_t end = m_data.find('\n', m_pos);
        if (end == std::string_view::npos)
            fail(m_path, QStringLiteral("truncated pickle data"));
        const std::string_view out = m_data.substr(m_pos, end - m_pos);
        m_pos = end + 1;
        return out;
    }
    // Every value created, pushed or memoized counts, so the arena, the stack and the memo stay bounded.
    void spend()
    {
        if (++m_spent > m_limits.maxPickleValues)
            fail(m_path, QStringLiteral("the pickle holds more than %1 values (ACCESSION_MAX_PICKLE_VALUES)").arg(m_limits.maxPickleValues));
    }
    Value make(PickleValue::Kind kind)
    {
        spend();
        m_arena.emplace_back();
        Value value = &m_arena.back();
        value->kind = kind;
        return value;
    }
    void push(Value value)
    {
        spend();
        m_stack.push_back(value);
    }
    void pushBool(bool b) { Value v = make(PickleValue::Kind::Bool); v->boolean = b; push(v); }
    void pushInt(int64_t i) { Value v = make(PickleValue::Kind::Int); v->integer = i; push(v); }
    void pushString(std::string_view s) { Value v = make(PickleValue::Kind::String); v->text = s; push(v); }
    Value pop()
    {
        if (m_stack.empty())
            corrupt(QStringLiteral("stack underflow"));
        Value value = m_stack.back();
        m_stack.pop_back();
        if (value->kind == PickleValue::Kind::Mark)
            corrupt(QStringLiteral("a mark used as a value"));
        return value;
    }
    Value top()
    {
        if (m_stack.empty())
            corrupt(QStringLiteral("stack underflow"));
        return m_stack.back();
    }
    void memoize(uint32_t key)
    {
        spend();
        m_memo[key] = top();
    }
    Value memo(uint32_t key)
    {
        const auto it = m_memo.find(key);
        if (it == m_memo.end())
            corrupt(QStringLiteral("memo %1 missing").arg(key));
        return it->second;
    }
    std::vector<Value> popToMark()
    {
        std::vector<Value> items;
        while (!m_stack.empty() && m_stack.back()->kind != PickleValue::Kind::Mark) {
            items.push_back(m_stack.back());
            m_stack.pop_back();
        }
        if (m_stack.empty())
            corrupt(QStringLiteral("no mark"));
        m_stack.pop_back();
        std::reverse(items.begin(), items.end());
        return items;
    }
    void adopt(Value container, const std::vector<Value> &items)
    {
        for (Value item : items) {
            container->depth = std::max(container->depth, item->depth + 1);
            if (container->depth > kMaxPickleDepth)
                fail(m_path, QStringLiteral("the pickle nests containers more than %1 deep").arg(kMaxPickleDepth));
            container->items.push_back(item);
        }
    }
    // APPEND(S) and SETITEM(S): into a list or dict; an inert placeholder object swallows them.
    void addTo(Value container, PickleValue::Kind kind, const std::vector<Value> &items)
    {
        if (container->kind == PickleValue::Kind::Opaque)
            return;
        if (container->kind != kind)
            corrupt(kind == PickleValue::Kind::List ? QStringLiteral("APPEND to something not a list")
                                                    : QStringLiteral("SETITEM on something not a dict"));
        adopt(container, items);
    }

    Value persistentLoad(Value pid)
    {
        // ('storage', storage_type, key, location, numel)
        const auto &items = pid->items;
        if (pid->kind != PickleValue::Kind::Tuple || items.size() < 5 || items[0]->kind != PickleValue::Kind::String
            || items[0]->text != "storage" || items[1]->kind != PickleValue::Kind::Global
            || items[2]->kind != PickleValue::Kind::String || items[4]->kind != PickleValue::Kind::Int)
            fail(m_path, QStringLiteral("unsupported persistent object in pickle"));
        const auto dtype = storageDtype(items[1]->name);
        if (!dtype)
            fail(m_path, QStringLiteral("unsupported storage type %1").arg(shownName(items[1]->qualified())));
        const int64_t numel = items[4]->integer;
        qint64 bytes = 0;
        if (numel < 0)
            fail(m_path, QStringLiteral("storage %1 claims %2 elements").arg(shownName(items[2]->text)).arg(numel));
        if (!multiplyFits(numel, qint64(c10::elementSize(*dtype)), &bytes) || bytes > m_limits.maxTensorBytes)
            fail(m_path, QStringLiteral("storage %1 claims %2 elements, more than the limit of %3")
                             .arg(shownName(items[2]->text)).arg(numel).arg(limitText(m_limits)));
        Value value = make(PickleValue::Kind::Storage);
        value->dtype = *dtype;
        value->text = items[2]->text;
        value->integer = numel;
        return value;
    }

    torch::Tensor storageTensor(const PickleValue &storage)
    {
        const auto cached = m_storages.find(storage.text);
        if (cached != m_storages.end()) {
            if (cached->second.scalar_type() != storage.dtype || cached->second.numel() != storage.integer)
                fail(m_path, QStringLiteral("storage %1 is described twice, differently").arg(shownName(storage.text)));
            return cached->second;
        }
        const qint64 bytes = storage.integer * qint64(c10::elementSize(storage.dtype));
        if (bytes > m_limits.maxTensorBytes - m_storageBytes)
            fail(m_path, QStringLiteral("the storages hold more than the limit of %1").arg(limitText(m_limits)));
        m_storageBytes += bytes;
        torch::Tensor tensor = torch::empty({storage.integer}, torch::TensorOptions().dtype(storage.dtype));
        m_loadStorage(storage.text, tensor.data_ptr(), bytes);
        m_storages[storage.text] = tensor;
        return tensor;
    }

    std::vector<int64_t> integers(Value tuple, const char *what) const
    {
        if (tuple->kind != PickleValue::Kind::Tuple || tuple->items.size() > size_t(kMaxTensorDims))
            fail(m_path, QStringLiteral("a tensor's %1 is not a tuple of at most %2 integers").arg(QLatin1String(what)).arg(kMaxTensorDims));
        std::vector<int64_t> out;
        for (Value item : tuple->items) {
            if (item->kind != PickleValue::Kind::Int || item->integer < 0)
                fail(m_path, QStringLiteral("a tensor's %1 holds something not a non-negative integer").arg(QLatin1String(what)));
            out.push_back(item->integer);
        }
        return out;
    }

    // storage.as_strided(size, stride, offset), once every element it would address is known to lie in the storage.
    Value rebuildTensor(const Value args)
    {
        const auto &items = args->items;
        if (items[1]->kind != PickleValue::Kind::Int)
            fail(m_path, QStringLiteral("a tensor's storage offset is not an integer"));
        const std::vector<int64_t> sizes = integers(items[2], "size");
        const std::vector<int64_t> strides = integers(items[3], "stride");
        if (sizes.size() != strides.size())
            fail(m_path, QStringLiteral("a tensor has %1 sizes but %2 strides").arg(sizes.size()).arg(strides.size()));
        const PickleValue &storage = *items[0];
        const int64_t offset = items[1]->integer;
        qint64 numel = 1;
        qint64 last = offset;
        bool fits = offset >= 0;
        for (size_t i = 0; i < sizes.size() && fits; ++i) {
            qint64 reach = 0;
            fits = multiplyFits(numel, sizes[i], &numel) && multiplyFits(std::max<qint64>(sizes[i] - 1, 0), strides[i], &reach)
                && !__builtin_add_overflow(last, reach, &last);
        }
        const bool inside = fits && (numel == 0 ? offset <= storage.integer : last < storage.integer);
        if (!inside)
            fail(m_path, QStringLiteral("a tensor's size, stride or offset reaches outside its storage %1 of %2 elements")
                             .arg(shownName(storage.text)).arg(storage.integer));
        const qint64 bytes = numel * qint64(c10::elementSize(storage.dtype));
        if (bytes > m_limits.maxTensorBytes - m_tensorBytes)
            fail(m_path, QStringLiteral("the tensors hold more than the limit of %1").arg(limitText(m_limits)));
        m_tensorBytes += bytes;
        if (++m_tensors > kMaxTensorCount)
            fail(m_path, QStringLiteral("more than the %1 tensors a weights file may hold").arg(kMaxTensorCount));
        Value value = make(PickleValue::Kind::Tensor);
        value->tensor = storageTensor(storage).as_strided(sizes, strides, offset);
        return value;
    }

    Value reduce(Value callable, Value args)
    {
        if (callable->kind != PickleValue::Kind::Global)
            return make(PickleValue::Kind::Opaque);
        const std::string name = callable->qualified();
        if (name == "collections.OrderedDict" || name == "builtins.dict")
            return make(PickleValue::Kind::Dict);
        if ((name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
            && args->kind == PickleValue::Kind::Tuple && args->items.size() >= 4
            && args->items[0]->kind == PickleValue::Kind::Storage) {
            return rebuildTensor(args);
        }
        if ((name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state")
            && args->kind == PickleValue::Kind::Tuple && !args->items.empty()
            && args->items[0]->kind == PickleValue::Kind::Tensor) {
            return args->items[0];
        }
        // Anything else stays an inert placeholder: nothing named in a file is ever called.
        Value opaque = make(PickleValue::Kind::Opaque);
        opaque->text = callable->text;
        opaque->name = callable->name;
        return opaque;
    }

    QString m_path;
    std::string_view m_data;
    size_t m_pos = 0;
    const StorageLoader &m_loadStorage;
    const WeightsLimits &m_limits;
    qint64 m_spent = 0;
    qint64 m_storageBytes = 0;
    qint64 m_tensorBytes = 0;
    qint64 m_tensors = 0;
    std::deque<PickleValue> m_arena;
    std::vector<Value> m_stack;
    std::unordered_map<uint32_t, Value> m_memo;
    std::unordered_map<std::string, torch::Tensor> m_storages;
};

int tensorCount(Value dict)
{
    int count = 0;
    for (size_t i = 0; i + 1 < dict->items.size(); i += 2)
        count += dict->items[i + 1]->kind == PickleValue::Kind::Tensor ? 1 : 0;
    return count;
}

// The dict of tensors: the top level, or one nested under the usual checkpoint keys. The search goes at most
// kMaxStateDictDepth dicts down and never enters a dict twice, so a dict holding itself ends it.
Value findStateDict(Value root, int depth, std::unordered_set<Value> &seen)
{
    if (root->kind != PickleValue::Kind::Dict || depth > kMaxStateDictDepth || !seen.insert(root).second)
        return nullptr;
    if (tensorCount(root) > 0)
        return root;
    for (const char *key : {"state_dict", "model_state_dict", "model", "state_dict_ema", "model_ema", "net", "module", "params"}) {
        for (size_t i = 0; i + 1 < root->items.size(); i += 2) {
            const Value entryKey = root->items[i];
            const Value value = root->items[i + 1];
            if (entryKey->kind == PickleValue::Kind::String && entryKey->text == key && value->kind == PickleValue::Kind::Dict) {
                if (Value found = findStateDict(value, depth + 1, seen))
                    return found;
            }
        }
    }
    return nullptr;
}

// The records of a zip archive, from its central directory, each checked against the limits before any is
// read. torch.save writes records stored (uncompressed); they are copied straight out of the mapped file.
class ZipArchive
{
public:
    struct Record
    {
        uint16_t flags = 0;
        uint16_t method = 0;
        quint64 compressedSize = 0;
        quint64 size = 0;
        quint64 localHeaderOffset = 0;
    };

    ZipArchive(const QString &path, const uchar *data, qint64 size, const WeightsLimits &limits)
        : m_path(path)
        , m_data(data)
        , m_size(quint64(size))
    {
        readDirectory(limits);
    }

    // name is inside the archive's top folder ("data.pkl" for "archive/data.pkl").
    const Record *find(const std::string &name) const
    {
        const auto it = m_records.find(m_prefix + name);
        return it == m_records.end() ? nullptr : &it->second;
    }

    // name as given to find(); destination holds record.size bytes.
    void read(const std::string &name, const Record &record, void *destination)
    {
        if (record.flags & 1)
            fail(m_path, QStringLiteral("record %1 is encrypted").arg(shownName(name)));
        const quint64 local = record.localHeaderOffset;
        if (local > m_size || m_size - local < 30 || little(local, 4) != 0x04034b50)
            fail(m_path, QStringLiteral("record %1 has no local header (corrupt zip archive)").arg(shownName(name)));
        const quint64 start = local + 30 + little(local + 26, 2) + little(local + 28, 2);
        if (start > m_size || m_size - start < record.compressedSize)
            fail(m_path, QStringLiteral("record %1 lies outside the file (truncated?)").arg(shownName(name)));
        if (record.method == 0) {
            if (record.compressedSize != record.size)
                fail(m_path, QStringLiteral("stored record %1 has two different sizes (corrupt zip archive)").arg(shownName(name)));
            if (record.size > 0)
                std::memcpy(destination, m_data + start, size_t(record.size));
            return;
        }
        if (record.method != 8)
            fail(m_path, QStringLiteral("record %1 uses zip compression method %2, which is not supported").arg(shownName(name)).arg(record.method));
        // Deflated (a re-zipped archive): inflated straight into the destination, never past the size the directory
        // gives, which was bounded before anything was read. (LibTorch's own reader leaks when it refuses a file.)
        inflateInto(name, m_data + start, record, static_cast<uchar *>(destination));
    }

private:
    // A raw deflate stream (zip method 8) that must inflate to exactly record.size bytes.
    void inflateInto(const std::string &name, const uchar *compressed, const Record &record, uchar *destination) const
    {
        z_stream stream{};
        if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
            fail(m_path, QStringLiteral("cannot inflate record %1: out of memory").arg(shownName(name)));
        quint64 inputLeft = record.compressedSize;
        quint64 outputLeft = record.size;
        stream.next_in = const_cast<uchar *>(compressed);
        stream.next_out = destination;
        int status = Z_OK;
        // zlib counts in 32 bits: feed and drain at most 1 GiB at a time.
        constexpr quint64 kStep = quint64(1) << 30;
        while (status == Z_OK) {
            const uInt input = uInt(std::min(inputLeft, kStep));
            const uInt output = uInt(std::min(outputLeft, kStep));
            stream.avail_in = input;
            stream.avail_out = output;
            status = inflate(&stream, Z_NO_FLUSH);
            inputLeft -= input - stream.avail_in;
            outputLeft -= output - stream.avail_out;
            if (status == Z_OK && input == stream.avail_in && output == stream.avail_out)
                break; // no progress: the input ended early, or the output is full before the stream's end
        }
        inflateEnd(&stream);
        if (status == Z_STREAM_END && outputLeft == 0)
            return;
        const bool stopped = status == Z_STREAM_END || status == Z_OK || status == Z_BUF_ERROR; // ended, or starved
        if (stopped && outputLeft > 0)
            fail(m_path, QStringLiteral("record %1 inflates to fewer bytes than the %2 its directory says").arg(shownName(name)).arg(record.size));
        if (stopped)
            fail(m_path, QStringLiteral("record %1 inflates to more than the %2 bytes its directory says").arg(shownName(name)).arg(record.size));
        fail(m_path, QStringLiteral("record %1 is corrupt (deflate data: %2)")
                         .arg(shownName(name), QString::fromLatin1(stream.msg ? stream.msg : "error")));
    }

    quint64 little(quint64 at, int n) const
    {
        quint64 value = 0;
        for (int i = 0; i < n; ++i)
            value |= quint64(m_data[at + quint64(i)]) << (8 * i);
        return value;
    }

    [[noreturn]] void corrupt(const QString &what) const
    {
        fail(m_path, QStringLiteral("not a PyTorch zip archive (%1); torch.save from PyTorch 1.6 or later is needed").arg(what));
    }

    void readDirectory(const WeightsLimits &limits)
    {
        // The end-of-directory record is the last one in the file, before a comment of up to 64 KiB.
        if (m_size < 22)
            corrupt(QStringLiteral("too short"));
        quint64 end = m_size - 22;
        const quint64 lowest = m_size - 22 > 0xffff ? m_size - 22 - 0xffff : 0;
        while (little(end, 4) != 0x06054b50) {
            if (end == lowest)
                corrupt(QStringLiteral("no end of central directory"));
            --end;
        }
        quint64 count = little(end + 10, 2);
        quint64 directorySize = little(end + 12, 4);
        quint64 directoryOffset = little(end + 16, 4);
        if ((count == 0xffff || directorySize == 0xffffffff || directoryOffset == 0xffffffff) && end >= 20
            && little(end - 20, 4) == 0x07064b50) {
            const quint64 zip64 = little(end - 20 + 8, 8);
            if (zip64 > m_size || m_size - zip64 < 56 || little(zip64, 4) != 0x06064b50)
                corrupt(QStringLiteral("a broken zip64 end of central directory"));
            count = little(zip64 + 32, 8);
            directorySize = little(zip64 + 40, 8);
            directoryOffset = little(zip64 + 48, 8);
        }
        if (directoryOffset > m_size || m_size - directoryOffset < directorySize)
            corrupt(QStringLiteral("the central directory lies outside the file"));
        if (directorySize > kMaxZipDirectoryBytes || count > directorySize / 46)
            corrupt(QStringLiteral("a central directory of %1 records in %2 bytes").arg(count).arg(directorySize));
        quint64 at = directoryOffset;
        const quint64 directoryEnd = directoryOffset + directorySize;
        for (quint64 i = 0; i < count; ++i) {
            if (directoryEnd - at < 46 || little(at, 4) != 0x02014b50)
                corrupt(QStringLiteral("a broken central directory entry"));
            Record record;
            record.flags = uint16_t(little(at + 8, 2));
            record.method = uint16_t(little(at + 10, 2));
            record.compressedSize = little(at + 20, 4);
            record.size = little(at + 24, 4);
            const quint64 nameLength = little(at + 28, 2);
            const quint64 extraLength = little(at + 30, 2);
            const quint64 commentLength = little(at + 32, 2);
            record.localHeaderOffset = little(at + 42, 4);
            if (directoryEnd - at - 46 < nameLength + extraLength + commentLength)
                corrupt(QStringLiteral("a broken central directory entry"));
            const std::string name(reinterpret_cast<const char *>(m_data + at + 46), size_t(nameLength));
            readZip64Sizes(at + 46 + nameLength, extraLength, record);
            at += 46 + nameLength + extraLength + commentLength;
            checkSizes(name, record, limits);
            if (i == 0) // LibTorch's convention: every record lies in one top folder, named by the first
                m_prefix = name.substr(0, name.find('/') + 1);
            m_records.emplace(name, record);
        }
    }

    // Sizes and offsets too big for 32 bits are in the zip64 extra field, in this order, when marked 0xffffffff.
    void readZip64Sizes(quint64 at, quint64 length, Record &record) const
    {
        const quint64 end = at + length;
        while (end - at >= 4) {
            const quint64 id = little(at, 2);
            const quint64 size = little(at + 2, 2);
            at += 4;
            if (end - at < size)
                break;
            if (id == 0x0001) {
                quint64 field = at;
                for (quint64 *value : {&record.size, &record.compressedSize, &record.localHeaderOffset}) {
                    if (*value == 0xffffffff) {
                        if (field + 8 > at + size)
                            corrupt(QStringLiteral("a broken zip64 extra field"));
                        *value = little(field, 8);
                        field += 8;
                    }
                }
            }
            at += size;
        }
    }

    void checkSizes(const std::string &name, const Record &record, const WeightsLimits &limits) const
    {
        if (record.size > quint64(limits.maxTensorBytes))
            fail(m_path, QStringLiteral("record %1 holds %2 MiB, more than the limit of %3")
                             .arg(shownName(name)).arg(record.size >> 20).arg(limitText(limits)));
        if (record.method != 0 && record.size > kCompressionCheckFloorBytes
            && record.size / std::max<quint64>(record.compressedSize, 1) > kMaxCompressionRatio)
            fail(m_path, QStringLiteral("record %1 is compressed %2 to 1 (%3 bytes to %4), more than %5 to 1: a decompression bomb?")
                             .arg(shownName(name)).arg(record.size / std::max<quint64>(record.compressedSize, 1))
                             .arg(record.compressedSize).arg(record.size).arg(kMaxCompressionRatio));
    }

    QString m_path;
    const uchar *m_data;
    quint64 m_size;
    std::string m_prefix;
    std::unordered_map<std::string, Record> m_records;
};

bool isLegacyTorchSave(const uchar *data, qint64 size)
{
    return size >= qint64(sizeof(kLegacyTorchMagic)) && std::memcmp(data, kLegacyTorchMagic, sizeof(kLegacyTorchMagic)) == 0;
}

[[noreturn]] void refuseLegacy(const QString &path)
{
    fail(path, QStringLiteral("a legacy PyTorch file (torch.save before PyTorch 1.6), which Accession does not read; "
                              "re-save it once in Python with torch.save(torch.load(\"old.pth\"), \"new.pth\")"));
}

} // namespace

NamedTensors readPickledStateDict(const QString &path, std::string_view pickle, const StorageLoader &loadStorage,
                                  const WeightsLimits &limits)
{
    return guarded(path, [&] {
        Unpickler unpickler(path, pickle, loadStorage, limits);
        const Value root = unpickler.load();
        std::unordered_set<Value> seen;
        const Value stateDict = findStateDict(root, 0, seen);
        if (!stateDict)
            fail(path, QStringLiteral("no dict of tensors found (expected a state dict, or one under 'state_dict' or 'model')"));
        NamedTensors result;
        for (size_t i = 0; i + 1 < stateDict->items.size(); i += 2) {
            const Value key = stateDict->items[i];
            const Value value = stateDict->items[i + 1];
            if (value->kind == PickleValue::Kind::Tensor && key->kind == PickleValue::Kind::String)
                result.add(key->text, value->tensor.contiguous());
        }
        refuseNonFinite(path, result);
        return result;
    });
}

NamedTensors readTorchSaveBytes(const QString &path, const uchar *data, qint64 size, const WeightsLimits &limits)
{
    return guarded(path, [&] {
        if (isLegacyTorchSave(data, size))
            refuseLegacy(path);
        ZipArchive archive(path, data, size, limits);
        const ZipArchive::Record *pickleRecord = archive.find("data.pkl");
        if (!pickleRecord)
            fail(path, QStringLiteral("a PyTorch archive without data.pkl (a TorchScript model, not a state dict?)"));
        if (pickleRecord->size > kMaxPickleBytes)
            fail(path, QStringLiteral("data.pkl holds %1 MiB, more than the %2 MiB a state dict's pickle needs")
                           .arg(pickleRecord->size >> 20).arg(kMaxPickleBytes >> 20));
        std::string pickle(size_t(pickleRecord->size), '\0');
        archive.read("data.pkl", *pickleRecord, pickle.data());
        const StorageLoader loadStorage = [&](const std::string &key, void *destination, qint64 bytes) {
            const std::string name = "data/" + key;
            const ZipArchive::Record *record = archive.find(name);
            if (!record)
                fail(path, QStringLiteral("storage %1 is missing from the archive").arg(shownName(key)));
            if (record->size != quint64(bytes))
                fail(path, QStringLiteral("storage %1 holds %2 bytes where its tensor needs %3").arg(shownName(key)).arg(record->size).arg(bytes));
            archive.read(name, *record, destination);
        };
        return readPickledStateDict(path, pickle, loadStorage, limits);
    });
}

NamedTensors readTorchSave(const QString &path)
{
    const MappedFile file(path);
    return readTorchSaveBytes(path, file.data(), file.size());
}

NamedTensors readWeightsFile(const QString &path)
{
    const MappedFile file(path);
    if (file.size() >= 2 && file.data()[0] == 'P' && file.data()[1] == 'K')
        return readTorchSaveBytes(path, file.data(), file.size());
    if (isLegacyTorchSave(file.data(), file.size()))
        refuseLegacy(path);
    return readSafetensorsBytes(path, file.data(), file.size());
}

NamedTensors readNetworkTensors(const QString &path)
{
    NamedTensors file = readWeightsFile(path);
    if (file.tensors.erase(kFeatureBankTensor) > 0)
        file.names.erase(std::find(file.names.begin(), file.names.end(), std::string(kFeatureBankTensor)));
    return file;
}

} // namespace accession::ml
