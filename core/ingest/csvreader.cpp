#include "csvreader.h"

#include <QStringDecoder>
#include <QBuffer>

namespace accession {

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
    m_decoder = std::make_unique<QStringDecoder>(QStringDecoder::Utf8);
    return true;
}

bool CsvReader::fillBuffer()
{
    if (m_atEnd)
        return false;
    const QByteArray chunk = m_device->read(1 << 20);
    if (chunk.isEmpty()) {
        m_atEnd = true;
        return false;
    }
    QString text = m_decoder->decode(chunk);
    if (!m_bomChecked) {
        m_bomChecked = true;
        if (text.startsWith(QChar(0xFEFF)))
            text.remove(0, 1);
    }
    m_buffer = m_buffer.mid(m_pos) + text;
    m_pos = 0;
    return true;
}

bool CsvReader::readRow(Row &row)
{
    row.fields.clear();
    row.line = m_line;
    if (!m_decoder)
        return false;

    QString field;
    bool inQuotes = false;
    bool fieldWasQuoted = false;
    bool sawAnything = false;
    for (;;) {
        if (m_pos >= m_buffer.size() && !fillBuffer()) {
            if (inQuotes) {
                m_error = QStringLiteral("%1: line %2: a quoted field is never closed").arg(m_path).arg(row.line);
                return false;
            }
            if (!sawAnything)
                return false;
            row.fields.push_back(field);
            return true;
        }
        const QChar c = m_buffer.at(m_pos++);
        sawAnything = true;
        if (inQuotes) {
            if (c == QLatin1Char('"')) {
                if (m_pos >= m_buffer.size())
                    fillBuffer();
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
                if (m_pos >= m_buffer.size())
                    fillBuffer();
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
