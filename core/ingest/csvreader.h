#pragma once

#include <QFile>
#include <QIODevice>
#include <QString>
#include <QStringList>

namespace accession {

// Streams RFC 4180 CSV: quoted fields with commas, quotes and newlines inside, a UTF-8 BOM, CRLF or LF.
// Text is UTF-8; a file that is not (an old spreadsheet's export) is read as Windows-1252 from its first
// invalid byte on, with a warning that names the file and the line.
class CsvReader
{
public:
    struct Row
    {
        QStringList fields;
        qint64 line = 0; // line on which the record starts, counting from 1
    };

    // The longest record held in memory, in characters. A longer one (an unclosed quote, a binary file)
    // stops the reading with an error instead of filling memory. MET Open Access rows are a few KB.
    static constexpr qsizetype kMaxRecordChars = qsizetype(1) << 20;

    explicit CsvReader(const QString &path);
    // Reads from an already open device; name is used in messages.
    CsvReader(QIODevice *device, const QString &name);
    ~CsvReader();

    void setMaxRecordChars(qsizetype chars) { m_maxRecordChars = chars; }

    // False when the file cannot be opened; error() says why.
    bool open();
    // Reads the next record; false at the end of the file or on a syntax error (see error()).
    bool readRow(Row &row);
    QString error() const { return m_error; }
    QString path() const { return m_path; }
    // Things the reader put right and the user should know (an encoding other than UTF-8).
    QStringList warnings() const { return m_warnings; }

private:
    bool fillBuffer();
    QString decode(const QByteArray &bytes, bool atEnd);

    QString m_path;
    QFile m_file;
    QIODevice *m_device = nullptr;
    bool m_opened = false;
    QString m_buffer;
    qsizetype m_pos = 0;
    qint64 m_line = 1;
    bool m_atEnd = false;
    bool m_failed = false;
    bool m_bomChecked = false;
    qsizetype m_maxRecordChars = kMaxRecordChars;
    QString m_error;
    QStringList m_warnings;
    QByteArray m_pendingBytes;  // a UTF-8 sequence cut off at the end of the last chunk
    bool m_windows1252 = false; // set at the first byte that is not UTF-8
    qint64 m_bytesLine = 1;     // line of the next byte to decode
};

// Parses a whole CSV text (for small inputs and tests).
QList<QStringList> parseCsvText(const QString &text, QString *error = nullptr);

} // namespace accession
