#include "ingest/importplan.h"
#include "testimages.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace accession;
using namespace accession::test;

namespace {

void writeText(const QString &path, const QByteArray &text)
{
    writeFile(path, text);
}

bool hasFailure(const ImportPlan &plan, const QString &reasonPart)
{
    for (const ImportFailure &failure : plan.failures) {
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
    QCOMPARE(plan.tasks[0].metadata.value(QStringLiteral("Title")).toString(), QStringLiteral("Wheat Field with Cypresses"));
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
    for (const ImportFailure &failure : plan.failures)
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

QTEST_GUILESS_MAIN(TestImportPlan)
#include "tst_importplan.moc"
