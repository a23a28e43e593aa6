#pragma once

#include <QFile>
#include <QIODevice>
#include <QString>
#include <QStringList>

#include <memory>

class QStringDecoder;

namespace accession {

// Streams RFC 4180 CSV: quoted fields with commas, quotes and newlines inside, a UTF-8 BOM, CRLF or LF.
class CsvReader
{
public:
    struct Row
    {
        QStringList fields;
        qint64 line = 0; // line on which the record starts, counting from 1
    };

    explicit CsvReader(const QString &path);
    // Reads from an already open device; name is used in messages.
    CsvReader(QIODevice *device, const QString &name);
    ~CsvReader();

    // False when the file cannot be opened; error() says why.
    bool open();
    // Reads the next record; false at the end of the file or on a syntax error (see error()).
    bool readRow(Row &row);
    QString error() const { return m_error; }
    QString path() const { return m_path; }

private:
    bool fillBuffer();

    QString m_path;
    QFile m_file;
    QIODevice *m_device = nullptr;
    QString m_buffer;
    qsizetype m_pos = 0;
    qint64 m_line = 1;
    bool m_atEnd = false;
    bool m_bomChecked = false;
    QString m_error;
    std::unique_ptr<QStringDecoder> m_decoder;
};

// Parses a whole CSV text (for small inputs and tests).
QList<QStringList> parseCsvText(const QString &text, QString *error = nullptr);

} // namespace accession
