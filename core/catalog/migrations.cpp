#include "migrations.h"

namespace accession {

const QVector<Migration> &catalogMigrations()
{
    static const QVector<Migration> migrations = {
        {1, "departments, items, labels, models, predictions, review decisions, import runs",
         {
             QStringLiteral("CREATE TABLE department_groups ("
                            " id INTEGER PRIMARY KEY,"
                            " name TEXT NOT NULL UNIQUE,"
                            " position INTEGER NOT NULL)"),
             QStringLiteral("CREATE TABLE departments ("
                            " id INTEGER PRIMARY KEY,"
                            " name TEXT NOT NULL UNIQUE,"
                            " position INTEGER NOT NULL,"
                            " group_id INTEGER REFERENCES department_groups(id) ON DELETE SET NULL,"
                            " created_at TEXT NOT NULL)"),
             // Former names (renames, merges) keep resolving, so old CSVs still import.
             QStringLiteral("CREATE TABLE department_aliases ("
                            " alias TEXT PRIMARY KEY,"
                            " department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE)"),
             QStringLiteral("CREATE TABLE import_runs ("
                            " id INTEGER PRIMARY KEY,"
                            " source TEXT NOT NULL,"
                            " started_at TEXT NOT NULL,"
                            " finished_at TEXT,"
                            " status TEXT NOT NULL DEFAULT 'running',"
                            " imported INTEGER NOT NULL DEFAULT 0,"
                            " duplicates INTEGER NOT NULL DEFAULT 0,"
                            " failed INTEGER NOT NULL DEFAULT 0)"),
             QStringLiteral("CREATE TABLE import_failures ("
                            " id INTEGER PRIMARY KEY,"
                            " import_run_id INTEGER REFERENCES import_runs(id) ON DELETE CASCADE,"
                            " path TEXT NOT NULL,"
                            " reason TEXT NOT NULL,"
                            " occurred_at TEXT NOT NULL)"),
             QStringLiteral("CREATE TABLE items ("
                            " id INTEGER PRIMARY KEY,"
                            " content_hash TEXT NOT NULL UNIQUE,"
                            " path TEXT NOT NULL,"
                            " external_id TEXT,"
                            " width INTEGER NOT NULL,"
                            " height INTEGER NOT NULL,"
                            " format TEXT NOT NULL,"
                            " file_size INTEGER NOT NULL,"
                            " stored_copy INTEGER NOT NULL DEFAULT 0,"
                            " imported_at TEXT NOT NULL,"
                            " import_run_id INTEGER REFERENCES import_runs(id) ON DELETE SET NULL,"
                            " metadata TEXT NOT NULL DEFAULT '{}',"
                            " current_label_id INTEGER REFERENCES labels(id) ON DELETE SET NULL)"),
             QStringLiteral("CREATE INDEX items_external_id ON items(external_id)"),
             QStringLiteral("CREATE INDEX items_current_label ON items(current_label_id)"),
             QStringLiteral("CREATE TABLE thumbnails ("
                            " item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
                            " width INTEGER NOT NULL,"
                            " height INTEGER NOT NULL,"
                            " jpeg BLOB NOT NULL)"),
             QStringLiteral("CREATE TABLE models ("
                            " id INTEGER PRIMARY KEY,"
                            " name TEXT NOT NULL,"
                            " architecture TEXT NOT NULL,"
                            " weights_path TEXT NOT NULL,"
                            " weights_hash TEXT NOT NULL,"
                            " card TEXT NOT NULL,"
                            " classes TEXT NOT NULL,"
                            " temperature REAL NOT NULL DEFAULT 1.0,"
                            " threshold REAL NOT NULL DEFAULT 1.0,"
                            " registered_at TEXT NOT NULL,"
                            " is_active INTEGER NOT NULL DEFAULT 0)"),
             QStringLiteral("CREATE UNIQUE INDEX models_one_active ON models(is_active) WHERE is_active = 1"),
             QStringLiteral("CREATE UNIQUE INDEX models_weights_hash ON models(weights_hash)"),
             QStringLiteral("CREATE TABLE predictions ("
                            " id INTEGER PRIMARY KEY,"
                            " item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                            " model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
                            " probabilities BLOB NOT NULL,"
                            " predicted_department_id INTEGER REFERENCES departments(id),"
                            " confidence REAL NOT NULL,"
                            " margin REAL NOT NULL,"
                            " auto_filed INTEGER NOT NULL,"
                            " created_at TEXT NOT NULL,"
                            " UNIQUE(item_id, model_id))"),
             QStringLiteral("CREATE INDEX predictions_queue ON predictions(model_id, auto_filed, confidence, margin)"),
             QStringLiteral("CREATE TABLE review_decisions ("
                            " id INTEGER PRIMARY KEY,"
                            " item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                            " prediction_id INTEGER REFERENCES predictions(id) ON DELETE SET NULL,"
                            " model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,"
                            " action TEXT NOT NULL CHECK (action IN ('accept', 'choose', 'skip', 'undo')),"
                            " department_id INTEGER REFERENCES departments(id),"
                            " undoes_decision_id INTEGER REFERENCES review_decisions(id),"
                            " decided_at TEXT NOT NULL)"),
             QStringLiteral("CREATE INDEX review_decisions_item ON review_decisions(item_id, id)"),
             QStringLiteral("CREATE TABLE labels ("
                            " id INTEGER PRIMARY KEY,"
                            " item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                            " department_id INTEGER NOT NULL REFERENCES departments(id),"
                            " source TEXT NOT NULL CHECK (source IN ('imported', 'curator')),"
                            " created_at TEXT NOT NULL,"
                            " model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,"
                            " decision_id INTEGER REFERENCES review_decisions(id) ON DELETE SET NULL,"
                            " retracted_at TEXT)"),
             QStringLiteral("CREATE INDEX labels_item ON labels(item_id, id)"),
             // The item's current label is kept by the database itself, so no writer can forget it.
             QStringLiteral("CREATE TRIGGER labels_set_current AFTER INSERT ON labels BEGIN"
                            " UPDATE items SET current_label_id = NEW.id WHERE id = NEW.item_id; END"),
             QStringLiteral("CREATE TRIGGER labels_retract AFTER UPDATE OF retracted_at ON labels BEGIN"
                            " UPDATE items SET current_label_id = (SELECT id FROM labels"
                            "  WHERE item_id = NEW.item_id AND retracted_at IS NULL ORDER BY id DESC LIMIT 1)"
                            " WHERE id = NEW.item_id; END"),
         }},
        {2, "saved train/validation splits",
         {
             QStringLiteral("CREATE TABLE splits ("
                            " id INTEGER PRIMARY KEY,"
                            " seed INTEGER NOT NULL,"
                            " validation_fraction REAL NOT NULL,"
                            " created_at TEXT NOT NULL,"
                            " UNIQUE(seed, validation_fraction))"),
             // Once assigned, an item keeps its side: validation items never leak into later training.
             QStringLiteral("CREATE TABLE split_items ("
                            " split_id INTEGER NOT NULL REFERENCES splits(id) ON DELETE CASCADE,"
                            " item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                            " validation INTEGER NOT NULL,"
                            " PRIMARY KEY (split_id, item_id))"),
         }},
        {3, "review flags, undoable decisions, classification failures",
         {
             // 1: skipped in review (sorts last); 2: an auto-filed item sent back to review.
             QStringLiteral("ALTER TABLE predictions ADD COLUMN review_flag INTEGER NOT NULL DEFAULT 0"),
             QStringLiteral("CREATE TABLE review_decisions_v3 ("
                            " id INTEGER PRIMARY KEY,"
                            " item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                            " prediction_id INTEGER REFERENCES predictions(id) ON DELETE SET NULL,"
                            " model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,"
                            " action TEXT NOT NULL CHECK (action IN ('accept', 'choose', 'skip', 'unfile', 'undo')),"
                            " department_id INTEGER REFERENCES departments(id),"
                            " label_id INTEGER REFERENCES labels(id),"
                            " previous_flag INTEGER,"
                            " undoes_decision_id INTEGER REFERENCES review_decisions(id),"
                            " decided_at TEXT NOT NULL)"),
             QStringLiteral("INSERT INTO review_decisions_v3 (id, item_id, prediction_id, model_id, action, department_id,"
                            " undoes_decision_id, decided_at) SELECT id, item_id, prediction_id, model_id, action, department_id,"
                            " undoes_decision_id, decided_at FROM review_decisions"),
             QStringLiteral("DROP TABLE review_decisions"),
             QStringLiteral("ALTER TABLE review_decisions_v3 RENAME TO review_decisions"),
             QStringLiteral("CREATE INDEX review_decisions_item ON review_decisions(item_id, id)"),
             QStringLiteral("CREATE INDEX review_decisions_undoes ON review_decisions(undoes_decision_id)"),
             QStringLiteral("CREATE TABLE classification_failures ("
                            " id INTEGER PRIMARY KEY,"
                            " item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                            " model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
                            " reason TEXT NOT NULL,"
                            " occurred_at TEXT NOT NULL)"),
         },
         {{QStringLiteral("predictions_item"), "finding an item's predictions",
           QStringLiteral("CREATE INDEX IF NOT EXISTS predictions_item ON predictions(item_id)")}},
         true},
        {4, "browsing by confidence",
         {},
         {{QStringLiteral("predictions_model_confidence"), "browsing by confidence",
           QStringLiteral("CREATE INDEX IF NOT EXISTS predictions_model_confidence ON predictions(model_id, confidence, item_id)")}}},
        {5, "collection imports that resume",
         {
             // What each remote object came to (imported, skipped for good, failed for now): a resumed
             // import fetches nothing it has already fetched.
             QStringLiteral("CREATE TABLE collection_objects ("
                            " source TEXT NOT NULL,"
                            " object_id TEXT NOT NULL,"
                            " group_key TEXT,"
                            " status TEXT NOT NULL CHECK (status IN ('imported', 'skipped', 'failed')),"
                            " reason TEXT,"
                            " item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,"
                            " updated_at TEXT NOT NULL,"
                            " PRIMARY KEY (source, object_id))"),
             QStringLiteral("CREATE TABLE collection_cache ("
                            " url TEXT PRIMARY KEY,"
                            " body BLOB NOT NULL,"
                            " fetched_at TEXT NOT NULL)"),
         }},
        {6, "import runs that know their process, and warnings",
         {
             // The process running an import: a run left 'running' by a process that is gone was interrupted.
             QStringLiteral("ALTER TABLE import_runs ADD COLUMN pid INTEGER"),
             QStringLiteral("ALTER TABLE import_runs ADD COLUMN host TEXT"),
             // Tells a reused pid from the original process (boot id and start time where the system says).
             QStringLiteral("ALTER TABLE import_runs ADD COLUMN process_identity TEXT"),
             QStringLiteral("ALTER TABLE import_runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'"),
             // Runs still 'running' were started by an older Accession, which recorded no process: taken as
             // interrupted (one in fact still going sets its own status when it finishes).
             QStringLiteral("UPDATE import_runs SET status = 'interrupted' WHERE status = 'running'"),
         }},
        {7, "department merges that can be undone",
         {
             // What a merge removed and moved, so that undoing it puts back exactly the rows it changed, even
             // after the application was restarted.
             QStringLiteral("CREATE TABLE department_merges ("
                            " id INTEGER PRIMARY KEY,"
                            " from_id INTEGER NOT NULL,"
                            " from_name TEXT NOT NULL,"
                            " from_position INTEGER NOT NULL,"
                            " from_group_id INTEGER,"
                            " from_created_at TEXT NOT NULL,"
                            " into_id INTEGER NOT NULL,"
                            " replaced_alias_department_id INTEGER,"
                            " merged_at TEXT NOT NULL,"
                            " undone_at TEXT)"),
             QStringLiteral("CREATE TABLE department_merge_moves ("
                            " merge_id INTEGER NOT NULL REFERENCES department_merges(id) ON DELETE CASCADE,"
                            " row_kind TEXT NOT NULL CHECK (row_kind IN ('label', 'prediction', 'decision', 'alias')),"
                            " row_id INTEGER,"
                            " alias TEXT)"),
             QStringLiteral("CREATE INDEX department_merge_moves_merge ON department_merge_moves(merge_id, row_kind)"),
         }},
        {8, "pretrained weights the curator adds",
         {
             // Backbones to start training from (Model > Add Pretrained Weights, 'accession-cli weights add'),
             // checked to load into the network their tensor names say they are for.
             QStringLiteral("CREATE TABLE pretrained_weights ("
                            " id INTEGER PRIMARY KEY,"
                            " path TEXT NOT NULL,"
                            " architecture TEXT NOT NULL,"
                            " sha256 TEXT NOT NULL UNIQUE,"
                            " added_at TEXT NOT NULL)"),
         }},
        {9, "perceptual hashes and near-duplicate groups",
         {
             // A photograph's 64-bit DCT hash, and its four 16-bit bands each indexed: hashes within 3 bits share a
             // band, so a new photograph's near-duplicates are found by four index lookups, not a scan. Items
             // imported before have none until the near-duplicates check fills them.
             QStringLiteral("CREATE TABLE perceptual_hashes ("
                            " item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
                            " hash INTEGER NOT NULL,"
                            " band0 INTEGER NOT NULL,"
                            " band1 INTEGER NOT NULL,"
                            " band2 INTEGER NOT NULL,"
                            " band3 INTEGER NOT NULL)"),
             QStringLiteral("CREATE INDEX perceptual_hashes_band0 ON perceptual_hashes(band0)"),
             QStringLiteral("CREATE INDEX perceptual_hashes_band1 ON perceptual_hashes(band1)"),
             QStringLiteral("CREATE INDEX perceptual_hashes_band2 ON perceptual_hashes(band2)"),
             QStringLiteral("CREATE INDEX perceptual_hashes_band3 ON perceptual_hashes(band3)"),
             // The groups the last near-duplicates check found (each check replaces them): the split keeps a group
             // on one side, and the window shows a group side by side.
             QStringLiteral("CREATE TABLE near_duplicate_groups ("
                            " id INTEGER PRIMARY KEY,"
                            " found_at TEXT NOT NULL)"),
             QStringLiteral("CREATE TABLE near_duplicate_members ("
                            " group_id INTEGER NOT NULL REFERENCES near_duplicate_groups(id) ON DELETE CASCADE,"
                            " item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                            " PRIMARY KEY (group_id, item_id))"),
             QStringLiteral("CREATE INDEX near_duplicate_members_item ON near_duplicate_members(item_id)"),
             QStringLiteral("CREATE TABLE near_duplicate_pairs ("
                            " group_id INTEGER NOT NULL REFERENCES near_duplicate_groups(id) ON DELETE CASCADE,"
                            " item_a INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                            " item_b INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                            " cosine REAL,"
                            " hash_distance INTEGER)"),
             QStringLiteral("CREATE INDEX near_duplicate_pairs_group ON near_duplicate_pairs(group_id)"),
         }},
        {10, "out-of-scope photographs",
         {
             // How unlike every department's photographs the item is (the model card's out-of-scope score; NULL
             // when the prediction predates it), and whether that is above the card's threshold: such an item is
             // never filed automatically.
             QStringLiteral("ALTER TABLE predictions ADD COLUMN out_of_scope_score REAL"),
             QStringLiteral("ALTER TABLE predictions ADD COLUMN out_of_scope INTEGER NOT NULL DEFAULT 0"),
         }},
    };
    return migrations;
}

} // namespace accession
