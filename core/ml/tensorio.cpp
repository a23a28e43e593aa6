#include "tensorio_torch.h"

#include "weightserror.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <unordered_map>
#include <variant>

namespace accession::ml {

void NamedTensors::add(const std::string &name, torch::Tensor tensor)
{
    if (tensors.find(name) == tensors.end())
        names.push_back(name);
    tensors[name] = std::move(tensor);
}

namespace {

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

[[noreturn]] void fail(const QString &path, const QString &reason)
{
    throw WeightsError(QStringLiteral("%1: %2").arg(path, reason));
}

} // namespace

NamedTensors readSafetensors(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        fail(path, QStringLiteral("cannot open: %1").arg(file.errorString()));
    const qint64 fileSize = file.size();
    if (fileSize < 8)
        fail(path, QStringLiteral("not a safetensors file (%1 bytes)").arg(fileSize));
    uchar *mapped = file.map(0, fileSize);
    if (!mapped)
        fail(path, QStringLiteral("cannot read: %1").arg(file.errorString()));
    quint64 headerSize = 0;
    for (int i = 7; i >= 0; --i)
        headerSize = headerSize << 8 | mapped[i];
    if (headerSize == 0 || headerSize > quint64(fileSize - 8) || headerSize > (quint64(100) << 20))
        fail(path, QStringLiteral("not a safetensors file (header length %1 in a file of %2 bytes)").arg(headerSize).arg(fileSize));
    QJsonParseError parseError;
    const QJsonDocument header = QJsonDocument::fromJson(
        QByteArray::fromRawData(reinterpret_cast<const char *>(mapped + 8), int(headerSize)), &parseError);
    if (parseError.error != QJsonParseError::NoError || !header.isObject())
        fail(path, QStringLiteral("corrupt safetensors header: %1").arg(parseError.errorString()));

    const uchar *data = mapped + 8 + headerSize;
    const quint64 dataSize = quint64(fileSize) - 8 - headerSize;
    NamedTensors result;
    // The header's keys are not ordered in JSON: order tensors by where their data lies, as written.
    std::vector<std::pair<quint64, QString>> byOffset;
    const QJsonObject object = header.object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.key() == QLatin1String("__metadata__")) {
            const QJsonObject metadata = it.value().toObject();
            for (auto m = metadata.begin(); m != metadata.end(); ++m)
                result.metadata[m.key().toStdString()] = m.value().toString().toStdString();
            continue;
        }
        const QJsonObject entry = it.value().toObject();
        const DtypeInfo *dtype = dtypeByName(entry.value(QStringLiteral("dtype")).toString());
        if (!dtype)
            fail(path, QStringLiteral("tensor '%1' has unsupported dtype '%2'").arg(it.key(), entry.value(QStringLiteral("dtype")).toString()));
        std::vector<int64_t> shape;
        qint64 numel = 1;
        for (const QJsonValue &dimension : entry.value(QStringLiteral("shape")).toArray()) {
            const qint64 size = dimension.toInteger(-1);
            if (size < 0)
                fail(path, QStringLiteral("tensor '%1' has a negative or invalid dimension").arg(it.key()));
            shape.push_back(size);
            numel *= size;
        }
        const QJsonArray offsets = entry.value(QStringLiteral("data_offsets")).toArray();
        const qint64 begin = offsets.size() == 2 ? offsets[0].toInteger(-1) : -1;
        const qint64 end = offsets.size() == 2 ? offsets[1].toInteger(-1) : -1;
        if (begin < 0 || end < begin || quint64(end) > dataSize)
            fail(path, QStringLiteral("tensor '%1' lies outside the file (truncated?)").arg(it.key()));
        if (end - begin != numel * dtype->bytes)
            fail(path, QStringLiteral("tensor '%1' has %2 bytes for %3 elements of %4")
                           .arg(it.key()).arg(end - begin).arg(numel).arg(QLatin1String(dtype->name)));
        torch::Tensor tensor = torch::empty(shape, torch::TensorOptions().dtype(dtype->type));
        if (numel > 0)
            std::memcpy(tensor.data_ptr(), data + begin, size_t(end - begin));
        result.tensors[it.key().toStdString()] = tensor;
        byOffset.emplace_back(quint64(begin), it.key());
    }
    std::sort(byOffset.begin(), byOffset.end());
    for (const auto &[offset, name] : byOffset)
        result.names.push_back(name.toStdString());
    file.unmap(mapped);
    return result;
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

// A deliberately small unpickler: it builds values and never calls anything named in the file.
struct PickleValue;
using Value = std::shared_ptr<PickleValue>;

struct Global
{
    std::string module;
    std::string name;
    std::string qualified() const { return module + "." + name; }
};

struct StorageRef
{
    torch::ScalarType dtype;
    std::string key;
    int64_t numel;
};

struct PickleValue
{
    enum class Kind { None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Global, Storage, Tensor, Opaque, Mark };
    Kind kind = Kind::None;
    bool boolean = false;
    int64_t integer = 0;
    double real = 0;
    std::string text;
    std::vector<Value> items;                       // list, tuple
    std::vector<std::pair<Value, Value>> entries;   // dict, in insertion order
    Global global;
    StorageRef storage;
    torch::Tensor tensor;
};

Value make(PickleValue::Kind kind)
{
    auto value = std::make_shared<PickleValue>();
    value->kind = kind;
    return value;
}

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
    Unpickler(const QString &path, const std::string &data, caffe2::serialize::PyTorchStreamReader &reader)
        : m_path(path)
        , m_data(data)
        , m_reader(reader)
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
            case 'M': pushInt(uint16_t(byte() | byte() << 8)); break;
            case 'J': pushInt(int32_t(readLittle(4))); break;
            case 0x8a: { // LONG1
                const int n = byte();
                int64_t value = 0;
                const std::string raw = bytes(n);
                for (int i = n - 1; i >= 0; --i)
                    value = value << 8 | uint8_t(raw[size_t(i)]);
                if (n > 0 && n < 8 && (uint8_t(raw[size_t(n - 1)]) & 0x80))
                    value -= int64_t(1) << (8 * n);
                pushInt(value);
                break;
            }
            case 'G': { // BINFLOAT, big endian
                const std::string raw = bytes(8);
                uint64_t bits = 0;
                for (char c : raw)
                    bits = bits << 8 | uint8_t(c);
                auto value = make(PickleValue::Kind::Float);
                std::memcpy(&value->real, &bits, 8);
                push(value);
                break;
            }
            case 'X': pushString(bytes(size_t(readLittle(4)))); break;
            case 0x8c: pushString(bytes(byte())); break;
            case 'T': pushString(bytes(size_t(readLittle(4)))); break;
            case 'U': pushString(bytes(byte())); break;
            case 'B': { auto v = make(PickleValue::Kind::Bytes); v->text = bytes(size_t(readLittle(4))); push(v); break; }
            case 'C': { auto v = make(PickleValue::Kind::Bytes); v->text = bytes(byte()); push(v); break; }
            case 'c': { // GLOBAL module\nname\n
                auto value = make(PickleValue::Kind::Global);
                value->global.module = line();
                value->global.name = line();
                push(value);
                break;
            }
            case 0x93: { // STACK_GLOBAL
                const Value name = pop();
                const Value module = pop();
                auto value = make(PickleValue::Kind::Global);
                value->global = {module->text, name->text};
                push(value);
                break;
            }
            case 'q': m_memo[byte()] = top(); break;
            case 'r': m_memo[uint32_t(readLittle(4))] = top(); break;
            case 0x94: m_memo[uint32_t(m_memo.size())] = top(); break;
            case 'h': push(memo(byte())); break;
            case 'j': push(memo(uint32_t(readLittle(4)))); break;
            case 't': { auto v = make(PickleValue::Kind::Tuple); v->items = popToMark(); push(v); break; }
            case 0x85: { auto v = make(PickleValue::Kind::Tuple); v->items = {pop()}; push(v); break; }
            case 0x86: { auto v = make(PickleValue::Kind::Tuple); auto b = pop(); auto a = pop(); v->items = {a, b}; push(v); break; }
            case 0x87: { auto v = make(PickleValue::Kind::Tuple); auto c = pop(); auto b = pop(); auto a = pop(); v->items = {a, b, c}; push(v); break; }
            case 'a': { auto item = pop(); top()->items.push_back(item); break; }
            case 'e': { auto items = popToMark(); auto &list = top()->items; list.insert(list.end(), items.begin(), items.end()); break; }
            case 's': { auto value = pop(); auto key = pop(); top()->entries.emplace_back(key, value); break; }
            case 'u': {
                auto items = popToMark();
                for (size_t i = 0; i + 1 < items.size(); i += 2)
                    top()->entries.emplace_back(items[i], items[i + 1]);
                break;
            }
            case 'Q': push(persistentLoad(pop())); break;
            case 'R': { auto args = pop(); auto callable = pop(); push(reduce(callable, args)); break; }
            case 0x81: { auto args = pop(); auto cls = pop(); push(reduce(cls, args)); break; } // NEWOBJ
            case 'b': pop(); break; // BUILD: object state (e.g. an OrderedDict's _metadata) is not needed
            case '.': return pop();
            default:
                fail(m_path, QStringLiteral("unsupported pickle opcode 0x%1 at byte %2").arg(op, 2, 16, QLatin1Char('0')).arg(m_pos - 1));
            }
        }
    }

private:
    uint8_t byte()
    {
        if (m_pos >= m_data.size())
            fail(m_path, QStringLiteral("truncated pickle data"));
        return uint8_t(m_data[m_pos++]);
    }
    std::string bytes(size_t n)
    {
        if (m_pos + n > m_data.size())
            fail(m_path, QStringLiteral("truncated pickle data"));
        std::string out = m_data.substr(m_pos, n);
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
    std::string line()
    {
        const size_t end = m_data.find('\n', m_pos);
        if (end == std::string::npos)
            fail(m_path, QStringLiteral("truncated pickle data"));
        std::string out = m_data.substr(m_pos, end - m_pos);
        m_pos = end + 1;
        return out;
    }
    void push(Value value) { m_stack.push_back(std::move(value)); }
    void pushBool(bool b) { auto v = make(PickleValue::Kind::Bool); v->boolean = b; push(v); }
    void pushInt(int64_t i) { auto v = make(PickleValue::Kind::Int); v->integer = i; push(v); }
    void pushString(std::string s) { auto v = make(PickleValue::Kind::String); v->text = std::move(s); push(v); }
    Value pop()
    {
        if (m_stack.empty())
            fail(m_path, QStringLiteral("corrupt pickle data (stack underflow)"));
        Value value = m_stack.back();
        m_stack.pop_back();
        return value;
    }
    Value top()
    {
        if (m_stack.empty())
            fail(m_path, QStringLiteral("corrupt pickle data (stack underflow)"));
        return m_stack.back();
    }
    Value memo(uint32_t key)
    {
        const auto it = m_memo.find(key);
        if (it == m_memo.end())
            fail(m_path, QStringLiteral("corrupt pickle data (memo %1 missing)").arg(key));
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
            fail(m_path, QStringLiteral("corrupt pickle data (no mark)"));
        m_stack.pop_back();
        std::reverse(items.begin(), items.end());
        return items;
    }

    Value persistentLoad(const Value &pid)
    {
        // ('storage', storage_type, key, location, numel)
        if (pid->kind != PickleValue::Kind::Tuple || pid->items.size() < 5 || pid->items[0]->text != "storage"
            || pid->items[1]->kind != PickleValue::Kind::Global)
            fail(m_path, QStringLiteral("unsupported persistent object in pickle"));
        const auto dtype = storageDtype(pid->items[1]->global.name);
        if (!dtype)
            fail(m_path, QStringLiteral("unsupported storage type %1").arg(QString::fromStdString(pid->items[1]->global.qualified())));
        auto value = make(PickleValue::Kind::Storage);
        value->storage = {*dtype, pid->items[2]->text, pid->items[4]->integer};
        return value;
    }

    torch::Tensor storageTensor(const StorageRef &storage)
    {
        const auto cached = m_storages.find(storage.key);
        if (cached != m_storages.end())
            return cached->second;
        const std::string record = "data/" + storage.key;
        if (!m_reader.hasRecord(record))
            fail(m_path, QStringLiteral("storage %1 is missing from the archive").arg(QString::fromStdString(storage.key)));
        auto [pointer, size] = m_reader.getRecord(record);
        const int64_t elementSize = int64_t(c10::elementSize(storage.dtype));
        if (int64_t(size) < storage.numel * elementSize)
            fail(m_path, QStringLiteral("storage %1 is truncated").arg(QString::fromStdString(storage.key)));
        torch::Tensor tensor = torch::empty({storage.numel}, torch::TensorOptions().dtype(storage.dtype));
        if (storage.numel > 0)
            std::memcpy(tensor.data_ptr(), pointer.get(), size_t(storage.numel * elementSize));
        m_storages[storage.key] = tensor;
        return tensor;
    }

    static std::vector<int64_t> integers(const Value &tuple)
    {
        std::vector<int64_t> out;
        for (const Value &item : tuple->items)
            out.push_back(item->integer);
        return out;
    }

    Value reduce(const Value &callable, const Value &args)
    {
        if (callable->kind != PickleValue::Kind::Global)
            return make(PickleValue::Kind::Opaque);
        const std::string name = callable->global.qualified();
        if (name == "collections.OrderedDict" || name == "builtins.dict")
            return make(PickleValue::Kind::Dict);
        if ((name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
            && args->items.size() >= 4 && args->items[0]->kind == PickleValue::Kind::Storage) {
            const torch::Tensor storage = storageTensor(args->items[0]->storage);
            auto value = make(PickleValue::Kind::Tensor);
            value->tensor = storage.as_strided(integers(args->items[2]), integers(args->items[3]), args->items[1]->integer);
            return value;
        }
        if ((name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state")
            && !args->items.empty() && args->items[0]->kind == PickleValue::Kind::Tensor) {
            return args->items[0];
        }
        // Anything else stays an inert placeholder: nothing named in a file is ever called.
        auto opaque = make(PickleValue::Kind::Opaque);
        opaque->global = callable->global;
        return opaque;
    }

    QString m_path;
    const std::string &m_data;
    size_t m_pos = 0;
    caffe2::serialize::PyTorchStreamReader &m_reader;
    std::vector<Value> m_stack;
    std::unordered_map<uint32_t, Value> m_memo;
    std::unordered_map<std::string, torch::Tensor> m_storages;
};

int tensorCount(const Value &dict)
{
    int count = 0;
    for (const auto &[key, value] : dict->entries)
        count += value->kind == PickleValue::Kind::Tensor ? 1 : 0;
    return count;
}

// The dict of tensors: the top level, or one nested under the usual checkpoint keys.
Value findStateDict(const Value &root)
{
    if (root->kind != PickleValue::Kind::Dict)
        return nullptr;
    if (tensorCount(root) > 0)
        return root;
    for (const char *key : {"state_dict", "model_state_dict", "model", "state_dict_ema", "model_ema", "net", "module", "params"}) {
        for (const auto &[entryKey, value] : root->entries) {
            if (entryKey->text == key && value->kind == PickleValue::Kind::Dict) {
                if (Value found = findStateDict(value))
                    return found;
            }
        }
    }
    return nullptr;
}

} // namespace

NamedTensors readTorchSave(const QString &path)
{
    std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
    try {
        reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path.toStdString());
    } catch (const c10::Error &) {
        fail(path, QStringLiteral("not a PyTorch zip archive (torch.save from PyTorch 1.6 or later is needed; "
                                  "re-save older files with torch.save(state_dict, path))"));
    }
    if (!reader->hasRecord("data.pkl"))
        fail(path, QStringLiteral("a PyTorch archive without data.pkl (a TorchScript model, not a state dict?)"));
    auto [pointer, size] = reader->getRecord("data.pkl");
    const std::string pickle(static_cast<const char *>(pointer.get()), size);
    Unpickler unpickler(path, pickle, *reader);
    const Value root = unpickler.load();
    const Value stateDict = findStateDict(root);
    if (!stateDict)
        fail(path, QStringLiteral("no dict of tensors found (expected a state dict, or one under 'state_dict' or 'model')"));
    NamedTensors result;
    for (const auto &[key, value] : stateDict->entries) {
        if (value->kind == PickleValue::Kind::Tensor && key->kind == PickleValue::Kind::String)
            result.add(key->text, value->tensor.contiguous());
    }
    return result;
}

NamedTensors readWeightsFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        fail(path, QStringLiteral("cannot open: %1").arg(file.errorString()));
    const QByteArray start = file.read(4);
    file.close();
    if (start.startsWith("PK"))
        return readTorchSave(path);
    return readSafetensors(path);
}

} // namespace accession::ml
