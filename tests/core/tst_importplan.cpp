#include "ingest/importplan.h"
#include "testimages.h"

#include <QDir>
#include <QHash>
#include <QLocalServer>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace accession;
using namespace accession::test;

namespace {

void writeText(const QString &path, const QByteArray &text)
{
    writeFile(path, text);
}

bool hasFailure(const ImportPlan &plan, const QString &reasonPart)
{
    for (const Problem &failure : plan.failures) {
        if (failure.reason.contains(reasonPart))
            return true;
    }
    return false;
}

} // namespace

class TestImportPlan : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsTheOriginalStudysColumns();
    void readsMetOpenAccessColumnsAndFindsImagesById();
    void honoursExplicitColumnNames();
    void refusesMissingNamedColumn();
    void refusesCsvWithoutFileOrIdColumn();
    void refusesMissingCsvOrImageFolder();
    void reportsBadRowsAndGoesOn();
    void refusesPathsEscapingTheImageFolder();
    void rootImageFolderTakesAbsolutePaths();
    void plansDepartmentFolders();
    void plansUnlabelledFilesAndFolders();
    void refusesSymlinksLeadingOutOfTheImageFolder();
    void reportsLinksAndSpecialFilesInFolderScans();
    void repeatedColumnNamesAreRefusedOrAnnounced();
    void warnsWhenTheCsvIsNotUtf8();
};

void TestImportPlan::readsTheOriginalStudysColumns()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("img/a.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("img/sub/b.png")), solidImage(QStringLiteral("png"), 8, 8, {}));
    writeText(dir.filePath(QStringLiteral("study.csv")),
              "Picture_name,department,title\r\na.jpg,Asian Art,\"Vase, blue\"\r\nsub/b.png,Arms and Armor,Helmet\r\n");
    const ImportPlan plan = planCsvImport(dir.filePath(QStringLiteral("study.csv")), dir.filePath(QStringLiteral("img")), {});
    QVERIFY(plan.failures.isEmpty());
    QCOMPARE(plan.tasks.size(), 2);
    QCOMPARE(plan.tasks[0].path, dir.filePath(QStringLiteral("img/a.jpg")));
    QCOMPARE(plan.tasks[0].label, QStringLiteral("Asian Art"));
    QCOMPARE(plan.tasks[0].metadata.value(QStringLiteral("title")).toString(), QStringLiteral("Vase, blue"));
    QCOMPARE(plan.tasks[1].path, dir.filePath(QStringLiteral("img/sub/b.png")));
}

void TestImportPlan::readsMetOpenAccessColumnsAndFindsImagesById()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("img/436535.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("img/45734.png")), solidImage(QStringLiteral("png"), 8, 8, {}));
    writeText(dir.filePath(QStringLiteral("MetObjects.csv")),
              "\xEF\xBB\xBFObject Number,Is Public Domain,Object ID,Department,Title\n"
              "1979.206.1,True,436535,European Paintings,Wheat Field with Cypresses\n"
              "36.100.45,True,45734,Asian Art,\"Quail and Millet\"\n"
              "29.100.5,True,99999,European Paintings,No image downloaded\n");
    const ImportPlan plan = planCsvImport(dir.filePath(QStringLiteral("MetObjects.csv")), dir.filePath(QStringLiteral("img")), {});
    QCOMPARE(plan.tasks.size(), 2);
    QCOMPARE(plan.tasks[0].externalId, QStringLiteral("436535"));
    QCOMPARE(plan.tasks[0].label, QStringLiteral("European Paintings"));
    // The title is mapped; the other columns are kept apart, unmapped.
    QCOMPARE(plan.tasks[0].metadata.value(QStringLiteral("title")).toString(), QStringLiteral("Wheat Field with Cypresses"));
    const QJsonObject unmapped = plan.tasks[0].metadata.value(QLatin1String(kUnmappedCsvColumnsKey)).toObject();
    QCOMPARE(unmapped.value(QStringLiteral("Object Number")).toString(), QStringLiteral("1979.206.1"));
    QCOMPARE(unmapped.value(QStringLiteral("Is Public Domain")).toString(), QStringLiteral("True"));
    QVERIFY(!unmapped.contains(QStringLiteral("Title")) && !unmapped.contains(QStringLiteral("Department")));
    QVERIFY(!plan.tasks[0].metadata.contains(QStringLiteral("Object Number")));
    QCOMPARE(plan.tasks[1].path, dir.filePath(QStringLiteral("img/45734.png")));
    QCOMPARE(plan.failures.size(), 1);
    QVERIFY(plan.failures[0].reason.contains(QStringLiteral("no image for object id 99999")));
    QVERIFY(plan.failures[0].reason.contains(QStringLiteral("line 4")));
}

void TestImportPlan::honoursExplicitColumnNames()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("img/x.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeText(dir.filePath(QStringLiteral("c.csv")), "accession,photo,curatorial area\nA1,x.jpg,Musical Instruments\n");
    const ImportPlan plan = planCsvImport(dir.filePath(QStringLiteral("c.csv")), dir.filePath(QStringLiteral("img")),
                                          {QStringLiteral("accession"), QStringLiteral("photo"), QStringLiteral("curatorial area")});
    QCOMPARE(plan.tasks.size(), 1);
    QCOMPARE(plan.tasks[0].externalId, QStringLiteral("A1"));
    QCOMPARE(plan.tasks[0].label, QStringLiteral("Musical Instruments"));
}

void TestImportPlan::refusesMissingNamedColumn()
{
    QTemporaryDir dir;
    QDir().mkpath(dir.filePath(QStringLiteral("img")));
    writeText(dir.filePath(QStringLiteral("c.csv")), "file,department\n");
    try {
        planCsvImport(dir.filePath(QStringLiteral("c.csv")), dir.filePath(QStringLiteral("img")),
                      {QString(), QString(), QStringLiteral("Curatorial Area")});
        QFAIL("planned with a missing column");
    } catch (const ImportSetupError &error) {
        QVERIFY2(QString::fromUtf8(error.what()).contains(QStringLiteral("Curatorial Area")), error.what());
    }
}

void TestImportPlan::refusesCsvWithoutFileOrIdColumn()
{
    QTemporaryDir dir;
    QDir().mkpath(dir.filePath(QStringLiteral("img")));
    writeText(dir.filePath(QStringLiteral("c.csv")), "title,department\nVase,Asian Art\n");
    QVERIFY_THROWS_EXCEPTION(ImportSetupError,
                             planCsvImport(dir.filePath(QStringLiteral("c.csv")), dir.filePath(QStringLiteral("img")), {}));
}

void TestImportPlan::refusesMissingCsvOrImageFolder()
{
    QTemporaryDir dir;
    QDir().mkpath(dir.filePath(QStringLiteral("img")));
    QVERIFY_THROWS_EXCEPTION(ImportSetupError,
                             planCsvImport(dir.filePath(QStringLiteral("none.csv")), dir.filePath(QStringLiteral("img")), {}));
    writeText(dir.filePath(QStringLiteral("c.csv")), "file,department\n");
    QVERIFY_THROWS_EXCEPTION(ImportSetupError,
                             planCsvImport(dir.filePath(QStringLiteral("c.csv")), dir.filePath(QStringLiteral("nope")), {}));
}

void TestImportPlan::reportsBadRowsAndGoesOn()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("img/ok.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("img/ok2.jpg")), solidImage(QStringLiteral("jpg"), 9, 9, {}));
    writeText(dir.filePath(QStringLiteral("c.csv")),
              "file,department,title\n"
              "ok.jpg,Asian Art,One\n"
              "short.jpg,Asian Art\n"              // too few fields
              "missing.jpg,Asian Art,Gone\n"       // no such file
              ",Asian Art,No name\n"               // empty file name
              "ok2.jpg,Arms and Armor,Two,extra\n" // too many fields
              "\n"
              "ok2.jpg,Arms and Armor,Three\n");
    const ImportPlan plan = planCsvImport(dir.filePath(QStringLiteral("c.csv")), dir.filePath(QStringLiteral("img")), {});
    QCOMPARE(plan.tasks.size(), 2);
    QCOMPARE(plan.failures.size(), 4);
    QVERIFY(hasFailure(plan, QStringLiteral("line 3: too few fields (2 of 3)")));
    QVERIFY(hasFailure(plan, QStringLiteral("line 4: no such file")));
    QVERIFY(hasFailure(plan, QStringLiteral("line 5: the file name is empty")));
    QVERIFY(hasFailure(plan, QStringLiteral("line 6: too many fields")));
}

void TestImportPlan::refusesPathsEscapingTheImageFolder()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("secret.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    QDir().mkpath(dir.filePath(QStringLiteral("img")));
    writeText(dir.filePath(QStringLiteral("c.csv")),
              QStringLiteral("file,department\n../secret.jpg,Asian Art\n%1,Asian Art\nsub/../../secret.jpg,Asian Art\n")
                  .arg(dir.filePath(QStringLiteral("secret.jpg")))
                  .toUtf8());
    const ImportPlan plan = planCsvImport(dir.filePath(QStringLiteral("c.csv")), dir.filePath(QStringLiteral("img")), {});
    QCOMPARE(plan.tasks.size(), 0);
    QCOMPARE(plan.failures.size(), 3);
    for (const Problem &failure : plan.failures)
        QVERIFY2(failure.reason.contains(QStringLiteral("escapes the image folder")), qPrintable(failure.reason));
}

void TestImportPlan::rootImageFolderTakesAbsolutePaths()
{
    // With the image folder at "/", every absolute path lies inside it (the check once looked for "//").
    QTemporaryDir dir;
    const QString image = dir.filePath(QStringLiteral("a.jpg"));
    writeFile(image, solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeText(dir.filePath(QStringLiteral("c.csv")), QStringLiteral("file,department\n%1,Asian Art\n").arg(image).toUtf8());
    const ImportPlan plan = planCsvImport(dir.filePath(QStringLiteral("c.csv")), QStringLiteral("/"), {});
    QCOMPARE(plan.failures.size(), 0);
    QCOMPARE(plan.tasks.size(), 1);
    QCOMPARE(plan.tasks.first().path, QDir::cleanPath(image));
}

void TestImportPlan::plansDepartmentFolders()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("Asian Art/a.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("Asian Art/nested/b.PNG")), solidImage(QStringLiteral("png"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("Asian Art/notes.txt")), "not an image");
    writeFile(dir.filePath(QStringLiteral("Asian Art/.hidden.jpg")), "hidden");
    writeFile(dir.filePath(QStringLiteral("Arms and Armor/c.webp")), solidImage(QStringLiteral("webp"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("loose.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    const ImportPlan plan = planDepartmentFolderImport(dir.path());
    QCOMPARE(plan.tasks.size(), 3);
    QCOMPARE(plan.tasks[0].label, QStringLiteral("Arms and Armor"));
    QCOMPARE(plan.tasks[1].label, QStringLiteral("Asian Art"));
    QCOMPARE(plan.tasks[2].label, QStringLiteral("Asian Art"));
    QCOMPARE(plan.ignoredFiles, 1);
    QCOMPARE(plan.failures.size(), 1);
    QVERIFY(plan.failures[0].reason.contains(QStringLiteral("not inside a department folder")));
}

void TestImportPlan::plansUnlabelledFilesAndFolders()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("in/a.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("in/deep/b.tif")), solidImage(QStringLiteral("tif"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("single.txt")), "named explicitly, so it is attempted");
    const ImportPlan plan = planUnlabelledImport({dir.filePath(QStringLiteral("in")), dir.filePath(QStringLiteral("single.txt")),
                                                  dir.filePath(QStringLiteral("absent.jpg"))});
    QCOMPARE(plan.tasks.size(), 3);
    QVERIFY(plan.tasks[0].label.isEmpty());
    QCOMPARE(plan.failures.size(), 1);
    QCOMPARE(plan.failures[0].reason, QStringLiteral("no such file or folder"));
}

void TestImportPlan::refusesSymlinksLeadingOutOfTheImageFolder()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("private/secret.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("img/real.jpg")), solidImage(QStringLiteral("jpg"), 9, 8, {}));
    // Named by the CSV, found by object id, and a link to a folder outside: each reads as a path inside.
    QVERIFY(QFile::link(dir.filePath(QStringLiteral("private/secret.jpg")), dir.filePath(QStringLiteral("img/inside.jpg"))));
    QVERIFY(QFile::link(dir.filePath(QStringLiteral("private/secret.jpg")), dir.filePath(QStringLiteral("img/777.jpg"))));
    QVERIFY(QFile::link(dir.filePath(QStringLiteral("private")), dir.filePath(QStringLiteral("img/sub"))));
    // A link that stays inside the folder is fine; a dangling one is reported as such.
    QVERIFY(QFile::link(dir.filePath(QStringLiteral("img/real.jpg")), dir.filePath(QStringLiteral("img/alias.jpg"))));
    QVERIFY(QFile::link(dir.filePath(QStringLiteral("img/gone.jpg")), dir.filePath(QStringLiteral("img/dangling.jpg"))));
    writeText(dir.filePath(QStringLiteral("c.csv")), "file,department\ninside.jpg,Asian Art\nsub/secret.jpg,Asian Art\n"
                                                     "alias.jpg,Asian Art\ndangling.jpg,Asian Art\n");
    const ImportPlan plan = planCsvImport(dir.filePath(QStringLiteral("c.csv")), dir.filePath(QStringLiteral("img")), {});
    QCOMPARE(plan.tasks.size(), 1);
    QVERIFY(plan.tasks[0].path.endsWith(QStringLiteral("img/alias.jpg")));
    QCOMPARE(plan.failures.size(), 3);
    QVERIFY2(plan.failures[0].reason.contains(QStringLiteral("line 2: path escapes the image folder"))
                 && plan.failures[0].reason.contains(QStringLiteral("symbolic link")),
             qPrintable(plan.failures[0].reason));
    QVERIFY2(plan.failures[1].reason.contains(QStringLiteral("line 3: path escapes the image folder")),
             qPrintable(plan.failures[1].reason));
    QVERIFY2(plan.failures[2].reason.contains(QStringLiteral("line 5: dangling symbolic link")), qPrintable(plan.failures[2].reason));

    writeText(dir.filePath(QStringLiteral("ids.csv")), "Object ID,Department\n777,Asian Art\n");
    const ImportPlan byId = planCsvImport(dir.filePath(QStringLiteral("ids.csv")), dir.filePath(QStringLiteral("img")), {});
    QCOMPARE(byId.tasks.size(), 0);
    QCOMPARE(byId.failures.size(), 1);
    QVERIFY2(byId.failures[0].reason.contains(QStringLiteral("escapes the image folder")), qPrintable(byId.failures[0].reason));
}

void TestImportPlan::reportsLinksAndSpecialFilesInFolderScans()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("outside/secret.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeFile(dir.filePath(QStringLiteral("tree/Asian Art/good.jpg")), solidImage(QStringLiteral("jpg"), 9, 8, {}));
    QVERIFY(QFile::link(dir.filePath(QStringLiteral("tree/Asian Art/good.jpg")), dir.filePath(QStringLiteral("tree/Asian Art/alias.jpg"))));
    QVERIFY(QFile::link(dir.filePath(QStringLiteral("nowhere.jpg")), dir.filePath(QStringLiteral("tree/Asian Art/dangling.jpg"))));
    QVERIFY(QFile::link(dir.filePath(QStringLiteral("outside/secret.jpg")), dir.filePath(QStringLiteral("tree/Asian Art/escape.jpg"))));
    // A FIFO would block the importer forever if opened; a socket cannot be read at all.
    QCOMPARE(::mkfifo(QFile::encodeName(dir.filePath(QStringLiteral("tree/Asian Art/pipe.jpg"))).constData(), 0600), 0);
    QCOMPARE(::mkfifo(QFile::encodeName(dir.filePath(QStringLiteral("tree/Asian Art/pipe-without-extension"))).constData(), 0600), 0);
    QLocalServer socket;
    QVERIFY(socket.listen(dir.filePath(QStringLiteral("tree/Asian Art/socket.jpg"))));

    const ImportPlan plan = planDepartmentFolderImport(dir.filePath(QStringLiteral("tree")));
    QStringList tasks;
    for (const ImportTask &task : plan.tasks)
        tasks << QFileInfo(task.path).fileName();
    QCOMPARE(tasks, (QStringList{QStringLiteral("alias.jpg"), QStringLiteral("good.jpg")}));
    QHash<QString, QString> reasons;
    for (const Problem &failure : plan.failures)
        reasons.insert(QFileInfo(failure.path).fileName(), failure.reason);
    QCOMPARE(reasons.size(), 5);
    QVERIFY2(reasons.value(QStringLiteral("dangling.jpg")).contains(QStringLiteral("dangling symbolic link")),
             qPrintable(reasons.value(QStringLiteral("dangling.jpg"))));
    QVERIFY2(reasons.value(QStringLiteral("escape.jpg")).contains(QStringLiteral("escapes")),
             qPrintable(reasons.value(QStringLiteral("escape.jpg"))));
    QVERIFY2(reasons.value(QStringLiteral("pipe.jpg")).contains(QStringLiteral("FIFO")), qPrintable(reasons.value(QStringLiteral("pipe.jpg"))));
    QVERIFY(reasons.value(QStringLiteral("pipe-without-extension")).contains(QStringLiteral("FIFO")));
    QVERIFY2(reasons.value(QStringLiteral("socket.jpg")).contains(QStringLiteral("socket")),
             qPrintable(reasons.value(QStringLiteral("socket.jpg"))));

    // The same for a folder of unlabelled files, and for a FIFO named on its own.
    const ImportPlan unlabelled = planUnlabelledImport(
        {dir.filePath(QStringLiteral("tree/Asian Art")), dir.filePath(QStringLiteral("tree/Asian Art/pipe.jpg"))});
    QCOMPARE(unlabelled.tasks.size(), 2);
    QCOMPARE(unlabelled.failures.size(), 6);
}

void TestImportPlan::repeatedColumnNamesAreRefusedOrAnnounced()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("img/a.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    // A repeated column that says which image or which department is ambiguous: refused, naming it.
    writeText(dir.filePath(QStringLiteral("label.csv")), "Picture_name,department,title,department\na.jpg,Asian Art,Bowl,Arms and Armor\n");
    try {
        planCsvImport(dir.filePath(QStringLiteral("label.csv")), dir.filePath(QStringLiteral("img")), {});
        QFAIL("a repeated label column was accepted");
    } catch (const ImportSetupError &error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.contains(QStringLiteral("label.csv")) && message.contains(QStringLiteral("'department'"))
                     && message.contains(QStringLiteral("columns 2, 4")),
                 error.what());
    }
    writeText(dir.filePath(QStringLiteral("file.csv")), "file,file,department\na.jpg,b.jpg,Asian Art\n");
    QVERIFY_THROWS_EXCEPTION(ImportSetupError,
                             planCsvImport(dir.filePath(QStringLiteral("file.csv")), dir.filePath(QStringLiteral("img")), {}));

    // Another repeated column keeps both values and says so.
    writeText(dir.filePath(QStringLiteral("meta.csv")), "Picture_name,department,title,title\na.jpg,Asian Art,Bowl,Celadon bowl\n");
    const ImportPlan plan = planCsvImport(dir.filePath(QStringLiteral("meta.csv")), dir.filePath(QStringLiteral("img")), {});
    QCOMPARE(plan.tasks.size(), 1);
    QCOMPARE(plan.tasks[0].metadata.value(QStringLiteral("title")).toString(), QStringLiteral("Bowl"));
    QCOMPARE(plan.tasks[0].metadata.value(QLatin1String(kUnmappedCsvColumnsKey)).toObject().value(QStringLiteral("title (column 4)")).toString(),
             QStringLiteral("Celadon bowl"));
    QCOMPARE(plan.warnings.size(), 1);
    QVERIFY2(plan.warnings[0].contains(QStringLiteral("meta.csv")) && plan.warnings[0].contains(QStringLiteral("'title'")),
             qPrintable(plan.warnings[0]));
}

void TestImportPlan::warnsWhenTheCsvIsNotUtf8()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("img/a.jpg")), solidImage(QStringLiteral("jpg"), 8, 8, {}));
    writeText(dir.filePath(QStringLiteral("c.csv")), "Picture_name,department\na.jpg,Arts d\xE9" "coratifs\n");
    const ImportPlan plan = planCsvImport(dir.filePath(QStringLiteral("c.csv")), dir.filePath(QStringLiteral("img")), {});
    QCOMPARE(plan.tasks.size(), 1);
    QCOMPARE(plan.tasks[0].label, QStringLiteral("Arts d\u00E9coratifs"));
    QCOMPARE(plan.warnings.size(), 1);
    QVERIFY2(plan.warnings[0].contains(dir.filePath(QStringLiteral("c.csv"))) && plan.warnings[0].contains(QStringLiteral("line 2")),
             qPrintable(plan.warnings[0]));
}

QTEST_GUILESS_MAIN(TestImportPlan)
#include "tst_importplan.moc"
