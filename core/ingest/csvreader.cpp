#include "csvreader.h"

#include <QBuffer>

namespace accession {

namespace {

constexpr qint64 kChunkBytes = qint64(1) << 20;

// Length of the valid UTF-8 prefix of bytes. *cutOff is set when what follows it is a sequence that is valid
// so far but ends with the bytes (it may be completed by the next chunk).
qsizetype validUtf8Prefix(const QByteArray &bytes, bool *cutOff)
{
    const auto *p = reinterpret_cast<const uchar *>(bytes.constData());
    const qsizetype n = bytes.size();
    *cutOff = false;
    qsizetype i = 0;
    while (i < n) {
        const uchar lead = p[i];
        if (lead < 0x80) {
            ++i;
            continue;
        }
        int length = 0;
        char32_t code = 0;
        char32_t smallest = 0;
        if ((lead & 0xE0) == 0xC0) {
            length = 2, code = lead & 0x1F, smallest = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3, code = lead & 0x0F, smallest = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4, code = lead & 0x07, smallest = 0x10000;
        } else {
            return i;
        }
        for (int k = 1; k < length; ++k) {
            if (i + k >= n) {
                *cutOff = true;
                return i;
            }
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
            code = (code << 6) | (p[i + k] & 0x3F);
        }
        if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return i;
        i += length;
    }
    return n;
}

// Windows-1252, which is Latin-1 except for 0x80-0x9F; the five bytes it leaves undefined stay C1 controls.
QString decodeWindows1252(const QByteArray &bytes)
{
    static const char16_t kHigh[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                       0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                       0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                       0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
    QString text(bytes.size(), Qt::Uninitialized);
    QChar *out = text.data();
    for (const char byte : bytes) {
        const uchar b = uchar(byte);
        *out++ = (b >= 0x80 && b < 0xA0) ? QChar(kHigh[b - 0x80]) : QChar(b);
    }
    return text;
}

// Lines that end within bytes: LF, CRLF or a lone CR, as the parser counts them.
qint64 countLineEnds(const char *bytes, qsizetype size)
{
    qint64 lines = 0;
    for (qsizetype i = 0; i < size; ++i) {
        if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 >= size || bytes[i + 1] != '\n')))
            ++lines;
    }
    return lines;
}

} // namespace

CsvReader::CsvReader(const QString &path)
    : m_path(path)
    , m_file(path)
{
}

CsvReader::CsvReader(QIODevice *device, const QString &name)
    : m_path(name)
    , m_device(device)
{
}

CsvReader::~CsvReader() = default;

bool CsvReader::open()
{
    if (!m_device) {
        if (!m_file.open(QIODevice::ReadOnly)) {
            m_error = QStringLiteral("cannot open CSV %1: %2").arg(m_path, m_file.errorString());
            return false;
        }
        m_device = &m_file;
    }
    m_opened = true;
    return true;
}

QString CsvReader::decode(const QByteArray &bytes, bool atEnd)
{
    if (m_windows1252) {
        m_bytesLine += countLineEnds(bytes.constData(), bytes.size());
        return decodeWindows1252(bytes);
    }
    bool cutOff = false;
    const qsizetype valid = validUtf8Prefix(bytes, &cutOff);
    m_bytesLine += countLineEnds(bytes.constData(), valid);
    QString text = QString::fromUtf8(bytes.constData(), valid);
    if (valid == bytes.size())
        return text;
    if (cutOff && !atEnd) {
        m_pendingBytes = bytes.mid(valid);
        return text;
    }
    // Not UTF-8: most likely an export from a Windows spreadsheet, whose text Windows-1252 reads right.
    m_warnings.push_back(QStringLiteral("%1 is not valid UTF-8 (first at line %2); it was read as Windows-1252 "
                                        "(Latin-1) from there on: check accented names, or save the file as UTF-8")
                             .arg(m_path)
                             .arg(m_bytesLine));
    m_windows1252 = true;
    const QByteArray rest = bytes.mid(valid);
    m_bytesLine += countLineEnds(rest.constData(), rest.size());
    return text + decodeWindows1252(rest);
}

bool CsvReader::fillBuffer()
{
    if (m_atEnd || m_failed)
        return false;
    QByteArray bytes = m_device->read(kChunkBytes);
    const bool atEnd = bytes.isEmpty();
    if (!m_pendingBytes.isEmpty()) {
        bytes.prepend(m_pendingBytes);
        m_pendingBytes.clear();
    }
    if (atEnd)
        m_atEnd = true;
    if (bytes.isEmpty())
        return false;
    QString text = decode(bytes, atEnd);
    if (!m_bomChecked && !text.isEmpty()) {
        m_bomChecked = true;
        if (text.startsWith(QChar(0xFEFF)))
            text.remove(0, 1);
    }
    m_buffer = m_buffer.mid(m_pos) + text;
    m_pos = 0;
    // A chunk may decode to nothing (a cut-off sequence alone): the caller asks again.
    return true;
}

bool CsvReader::readRow(Row &row)
{
    row.fields.clear();
    row.line = m_line;
    if (!m_opened || m_failed)
        return false;

    QString field;
    bool inQuotes = false;
    bool fieldWasQuoted = false;
    bool sawAnything = false;
    qsizetype recordChars = 0;
    for (;;) {
        if (m_pos >= m_buffer.size()) {
            if (fillBuffer())
                continue;
            if (m_failed)
                return false;
            if (inQuotes) {
                m_error = QStringLiteral("%1: line %2: a quoted field is never closed").arg(m_path).arg(row.line);
                m_failed = true;
                return false;
            }
            if (!sawAnything)
                return false;
            row.fields.push_back(field);
            return true;
        }
        if (++recordChars > m_maxRecordChars) {
            m_error = QStringLiteral("%1: line %2: a record longer than %3 characters (an unclosed quote, or not a "
                                     "CSV file?); reading stopped there")
                          .arg(m_path)
                          .arg(row.line)
                          .arg(m_maxRecordChars);
            m_failed = true;
            m_buffer.clear();
            m_pos = 0;
            return false;
        }
        const QChar c = m_buffer.at(m_pos++);
        sawAnything = true;
        if (inQuotes) {
            if (c == QLatin1Char('"')) {
                while (m_pos >= m_buffer.size() && fillBuffer()) {
                }
                if (m_pos < m_buffer.size() && m_buffer.at(m_pos) == QLatin1Char('"')) {
                    field.append(QLatin1Char('"'));
                    ++m_pos;
                } else {
                    inQuotes = false;
                }
            } else {
                if (c == QLatin1Char('\n'))
                    ++m_line;
                field.append(c);
            }
            continue;
        }
        if (c == QLatin1Char(',')) {
            row.fields.push_back(field);
            field.clear();
            fieldWasQuoted = false;
        } else if (c == QLatin1Char('"') && field.isEmpty() && !fieldWasQuoted) {
            inQuotes = true;
            fieldWasQuoted = true;
        } else if (c == QLatin1Char('\r') || c == QLatin1Char('\n')) {
            if (c == QLatin1Char('\r')) {
                while (m_pos >= m_buffer.size() && fillBuffer()) {
                }
                if (m_pos < m_buffer.size() && m_buffer.at(m_pos) == QLatin1Char('\n'))
                    ++m_pos;
            }
            ++m_line;
            row.fields.push_back(field);
            return true;
        } else {
            // A stray quote inside an unquoted field is kept as text, as spreadsheets do.
            field.append(c);
        }
    }
}

QList<QStringList> parseCsvText(const QString &text, QString *error)
{
    QByteArray bytes = text.toUtf8();
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    CsvReader reader(&buffer, QStringLiteral("text"));
    reader.open();
    QList<QStringList> rows;
    CsvReader::Row row;
    while (reader.readRow(row))
        rows.push_back(row.fields);
    if (error)
        *error = reader.error();
    return rows;
}

} // namespace accession
