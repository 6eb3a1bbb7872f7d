/*
** catalog.h — the snapshot catalog: one database schema, engine-neutral.
**
** A snapshot is a SQLite file whose tables are given by DF_CATALOG_SCHEMA
** below (documented for reviewers in doc/snapshot-format.md). In memory the
** same catalog is a DfCatalog: plain arrays, sorted by (schema, name), so
** that diffing two catalogs is a linear merge.
**
** Ownership: a DfCatalog owns every string and array below it; free it with
** dfCatalogFree(). All memory comes from sqlite3_malloc64()/sqlite3_mprintf()
** and is released with sqlite3_free().
**
** Names: objects live in a namespace `zSchema`. The snapshot's default
** namespace (PostgreSQL's `public` or the first --schema, MySQL's database,
** SQLite's `main`, MongoDB's database) is stored as the empty string, so that
** a portable model (which has no namespace) compares with any engine.
** meta.default_schema records the real name.
*/
#ifndef DF_CATALOG_H
#define DF_CATALOG_H

#include "sqlite3ext.h"

#define DF_SNAPSHOT_FORMAT 1       /* meta.format_version written and accepted */

/*
** The SQL schema of a snapshot file. Every column is documented in
** doc/snapshot-format.md. JSON columns hold canonical JSON written by
** DataFlow (fixed key order), so equal values are equal text.
*/
#define DF_CATALOG_SCHEMA \
"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;\n" \
"CREATE TABLE tables(\n" \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  name TEXT NOT NULL,\n" \
"  kind TEXT NOT NULL DEFAULT 'table',\n"      /* table|partitioned|collection */ \
"  options TEXT,\n"                             /* JSON object or NULL */ \
"  comment TEXT,\n" \
"  fingerprint TEXT,\n"                         /* SHA-256 of table+owned objects */ \
"  PRIMARY KEY(schema, name)) WITHOUT ROWID;\n" \
"CREATE TABLE columns(\n" \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  table_name TEXT NOT NULL,\n" \
"  name TEXT NOT NULL,\n" \
"  position INTEGER NOT NULL,\n" \
"  type_native TEXT,\n"                         /* as the engine spells it */ \
"  type_family TEXT NOT NULL,\n"                /* see types.h */ \
"  type_length INTEGER,\n" \
"  type_precision INTEGER,\n" \
"  type_scale INTEGER,\n" \
"  type_tz INTEGER NOT NULL DEFAULT 0,\n" \
"  type_array INTEGER NOT NULL DEFAULT 0,\n" \
"  type_unsigned INTEGER NOT NULL DEFAULT 0,\n" \
"  type_ref TEXT,\n"                            /* enum/domain type name */ \
"  not_null INTEGER NOT NULL DEFAULT 0,\n" \
"  default_expr TEXT,\n"                        /* normalised */ \
"  default_native TEXT,\n"                      /* as the engine spells it */ \
"  generated_expr TEXT,\n" \
"  generated_kind TEXT,\n"                      /* stored|virtual */ \
"  identity TEXT,\n"                            /* always|by default|autoincrement */ \
"  collation TEXT,\n" \
"  comment TEXT,\n" \
"  PRIMARY KEY(schema, table_name, name)) WITHOUT ROWID;\n" \
"CREATE TABLE constraints(\n" \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  table_name TEXT NOT NULL,\n" \
"  name TEXT NOT NULL,\n" \
"  kind TEXT NOT NULL,\n"                       /* primary key|unique|check|foreign key|exclude */ \
"  columns TEXT,\n"                             /* JSON array of column names */ \
"  expression TEXT,\n"                          /* check / exclude definition */ \
"  ref_schema TEXT,\n" \
"  ref_table TEXT,\n" \
"  ref_columns TEXT,\n"                         /* JSON array */ \
"  on_update TEXT,\n"                           /* NO ACTION|RESTRICT|CASCADE|SET NULL|SET DEFAULT */ \
"  on_delete TEXT,\n" \
"  match_type TEXT,\n" \
"  is_deferrable INTEGER NOT NULL DEFAULT 0,\n" \
"  initially_deferred INTEGER NOT NULL DEFAULT 0,\n" \
"  generated_name INTEGER NOT NULL DEFAULT 0,\n" /* name chosen by the engine or by us */ \
"  PRIMARY KEY(schema, table_name, name)) WITHOUT ROWID;\n" \
"CREATE TABLE indexes(\n" \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  table_name TEXT NOT NULL,\n" \
"  name TEXT NOT NULL,\n" \
"  is_unique INTEGER NOT NULL DEFAULT 0,\n" \
"  method TEXT NOT NULL DEFAULT 'btree',\n" \
"  keys TEXT NOT NULL,\n"                       /* JSON array of key objects */ \
"  include TEXT,\n"                             /* JSON array of column names */ \
"  predicate TEXT,\n"                           /* partial index WHERE */ \
"  options TEXT,\n"                             /* JSON object: engine extras */ \
"  comment TEXT,\n" \
"  generated_name INTEGER NOT NULL DEFAULT 0,\n" \
"  PRIMARY KEY(schema, table_name, name)) WITHOUT ROWID;\n" \
"CREATE TABLE views(\n" \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  name TEXT NOT NULL,\n" \
"  kind TEXT NOT NULL DEFAULT 'view',\n"       /* view|materialized */ \
"  definition TEXT NOT NULL,\n"                 /* normalised SELECT text */ \
"  definition_native TEXT,\n" \
"  depends_on TEXT,\n"                          /* JSON array of object names */ \
"  options TEXT,\n" \
"  comment TEXT,\n" \
"  fingerprint TEXT,\n" \
"  PRIMARY KEY(schema, name)) WITHOUT ROWID;\n" \
"CREATE TABLE triggers(\n" \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  table_name TEXT NOT NULL,\n" \
"  name TEXT NOT NULL,\n" \
"  definition TEXT NOT NULL,\n" \
"  PRIMARY KEY(schema, table_name, name)) WITHOUT ROWID;\n" \
"CREATE TABLE enums(\n" \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  name TEXT NOT NULL,\n" \
"  labels TEXT NOT NULL,\n"                     /* JSON array, in sort order */ \
"  comment TEXT,\n" \
"  fingerprint TEXT,\n" \
"  PRIMARY KEY(schema, name)) WITHOUT ROWID;\n" \
"CREATE TABLE sequences(\n" \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  name TEXT NOT NULL,\n" \
"  data_type TEXT,\n" \
"  start_value INTEGER, increment INTEGER,\n" \
"  min_value INTEGER, max_value INTEGER,\n" \
"  cycle INTEGER NOT NULL DEFAULT 0,\n" \
"  owned_by TEXT,\n"                            /* table.column or NULL */ \
"  fingerprint TEXT,\n" \
"  PRIMARY KEY(schema, name)) WITHOUT ROWID;\n" \
"CREATE TABLE table_stats(\n"                   /* volatile: not in checksums */ \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  table_name TEXT NOT NULL,\n" \
"  row_count INTEGER,\n" \
"  PRIMARY KEY(schema, table_name)) WITHOUT ROWID;\n" \
"CREATE TABLE column_stats(\n" \
"  schema TEXT NOT NULL DEFAULT '',\n" \
"  table_name TEXT NOT NULL,\n" \
"  column_name TEXT NOT NULL,\n" \
"  null_count INTEGER,\n" \
"  max_length INTEGER,\n" \
"  duplicate_count INTEGER,\n"                  /* rows sharing a value: blocks UNIQUE */ \
"  types_seen TEXT,\n"                          /* MongoDB sampling: JSON object */ \
"  present_count INTEGER,\n" \
"  sample_size INTEGER,\n" \
"  PRIMARY KEY(schema, table_name, column_name)) WITHOUT ROWID;\n"

/* In-memory catalog. Strings may be NULL where the column may be NULL. */
typedef struct DfColumn DfColumn;
typedef struct DfConstraint DfConstraint;
typedef struct DfIndex DfIndex;
typedef struct DfTrigger DfTrigger;
typedef struct DfTable DfTable;
typedef struct DfView DfView;
typedef struct DfEnum DfEnum;
typedef struct DfSequence DfSequence;
typedef struct DfCatalog DfCatalog;

struct DfColumn {
  char *zName;            /* column name */
  int iPos;               /* 1-based ordinal position */
  char *zTypeNative;      /* type as the engine spells it */
  char *zFamily;          /* normalised family, see types.h */
  int nLength;            /* -1 when absent */
  int nPrecision;         /* -1 when absent */
  int nScale;             /* -1 when absent */
  int bTz;                /* time zone aware */
  int bArray;             /* array of the family */
  int bUnsigned;          /* MySQL unsigned */
  char *zTypeRef;         /* enum/domain type name */
  int bNotNull;           /* NOT NULL */
  char *zDefault;         /* normalised default expression */
  char *zDefaultNative;   /* default as the engine spells it */
  char *zGenExpr;         /* generated column expression */
  char *zGenKind;         /* "stored" or "virtual" */
  char *zIdentity;        /* "always", "by default", "autoincrement" */
  char *zCollation;       /* explicit collation */
  char *zComment;         /* comment */
  /* Statistics (from table/column_stats; -1 when unknown) */
  sqlite3_int64 nNulls;       /* rows with NULL */
  sqlite3_int64 nMaxLen;      /* longest value */
  sqlite3_int64 nDup;         /* rows sharing a value */
};

struct DfConstraint {
  char *zName;            /* constraint name */
  char *zKind;            /* "primary key", "unique", "check", "foreign key", "exclude" */
  char *zColumns;         /* JSON array of column names, or NULL */
  char *zExpr;            /* check expression */
  char *zRefSchema;       /* FK target namespace */
  char *zRefTable;        /* FK target table */
  char *zRefColumns;      /* JSON array */
  char *zOnUpdate;        /* FK action, NULL = NO ACTION */
  char *zOnDelete;        /* FK action, NULL = NO ACTION */
  char *zMatch;           /* FK match type */
  int bDeferrable;        /* DEFERRABLE */
  int bInitDeferred;      /* INITIALLY DEFERRED */
  int bGenName;           /* name was generated, not declared */
};

struct DfIndex {
  char *zName;            /* index name */
  int bUnique;            /* UNIQUE */
  char *zMethod;          /* btree, hash, gin, fulltext, ... */
  char *zKeys;            /* JSON array: [{"column":"a","desc":1}, {"expr":"lower(b)"}] */
  char *zInclude;         /* JSON array of INCLUDE columns */
  char *zPredicate;       /* partial index WHERE clause */
  char *zOptions;         /* JSON object */
  char *zComment;         /* comment */
  int bGenName;           /* name was generated */
};

struct DfTrigger {
  char *zName;            /* trigger name */
  char *zDef;             /* full CREATE TRIGGER text */
};

struct DfTable {
  char *zSchema;          /* namespace, "" = default */
  char *zName;            /* table name */
  char *zKind;            /* "table", "partitioned", "collection" */
  char *zOptions;         /* JSON object or NULL */
  char *zComment;         /* comment */
  char *zFingerprint;     /* SHA-256 hex, computed by dfCatalogFingerprint() */
  sqlite3_int64 nRows;    /* row count from stats, -1 unknown */
  int nCol; DfColumn *aCol;           /* columns, in position order */
  int nCons; DfConstraint *aCons;     /* constraints, by name */
  int nIdx; DfIndex *aIdx;            /* indexes, by name */
  int nTrig; DfTrigger *aTrig;        /* triggers, by name */
};

struct DfView {
  char *zSchema;          /* namespace */
  char *zName;            /* view name */
  char *zKind;            /* "view" or "materialized" */
  char *zDef;             /* normalised definition */
  char *zDefNative;       /* definition as the engine returned it */
  char *zDependsOn;       /* JSON array of names */
  char *zOptions;         /* JSON object */
  char *zComment;         /* comment */
  char *zFingerprint;     /* SHA-256 hex */
};

struct DfEnum {
  char *zSchema;          /* namespace */
  char *zName;            /* type name */
  char *zLabels;          /* JSON array in sort order */
  char *zComment;         /* comment */
  char *zFingerprint;     /* SHA-256 hex */
};

struct DfSequence {
  char *zSchema;          /* namespace */
  char *zName;            /* sequence name */
  char *zDataType;        /* bigint, integer... */
  sqlite3_int64 iStart, iIncrement, iMin, iMax;  /* parameters */
  int bCycle;             /* CYCLE */
  char *zOwnedBy;         /* "table.column" or NULL */
  char *zFingerprint;     /* SHA-256 hex */
};

struct DfCatalog {
  char *zEngine;          /* meta.engine: sqlite, postgresql, mysql, mongodb, model */
  char *zServerVersion;   /* meta.server_version */
  char *zDefaultSchema;   /* meta.default_schema */
  char *zChecksum;        /* meta.checksum */
  int bCaseInsensitive;   /* identifiers compare case-insensitively (SQLite, model) */
  int nTable; DfTable *aTable;        /* sorted by (schema, name) */
  int nView; DfView *aView;           /* sorted by (schema, name) */
  int nEnum; DfEnum *aEnum;           /* sorted by (schema, name) */
  int nSeq; DfSequence *aSeq;         /* sorted by (schema, name) */
};

/*
** Load the catalog held in schema zDb ("main", an attached name) of db.
** Returns SQLITE_OK and sets *ppCat (OUT: caller frees with dfCatalogFree),
** or an error code with *pzErr set (OUT: caller frees with sqlite3_free):
** "not a DataFlow snapshot", "snapshot format N is not supported".
*/
int dfCatalogLoad(sqlite3 *db, const char *zDb, DfCatalog **ppCat, char **pzErr);

/*
** Open a snapshot by argument: an attached schema name of db, or a file path
** opened read-only on a private connection. Same contract as dfCatalogLoad().
** zWho names the caller in messages ("schema_diff").
*/
int dfCatalogOpen(sqlite3 *db, const char *zArg, const char *zWho,
                  DfCatalog **ppCat, char **pzErr);

void dfCatalogFree(DfCatalog *p);

/* Lookup helpers (binary search on the sorted arrays); NULL when absent. */
DfTable *dfCatalogFindTable(DfCatalog *p, const char *zSchema, const char *zName);
DfView *dfCatalogFindView(DfCatalog *p, const char *zSchema, const char *zName);
/* A table as other objects name it (options "partition_of", "inherits"):
** bare in the default schema, "schema.name" elsewhere. A bare name is
** tried first, as a default-schema table may have a dot in its name. */
DfTable *dfCatalogFindTableRef(DfCatalog *p, const char *zRef);

/*
** The table of catalog p that table t inherits column zCol from through
** PostgreSQL's legacy inheritance (t's options "inherits": ["parent",
** "schema.parent"], followed up to 16 levels), or NULL.
*/
DfTable *dfCatalogInheritedFrom(DfCatalog *p, const DfTable *t, const char *zCol);
DfColumn *dfTableFindColumn(DfTable *t, const char *zName, int bNoCase);

/*
** Create the catalog tables in schema zDb of db (which must be empty of
** them). Returns an SQLite result code; *pzErr as above.
*/
int dfCatalogCreateSchema(sqlite3 *db, const char *zDb, char **pzErr);

/*
** Recompute every object fingerprint and the schema checksum of the
** snapshot in schema zDb of db, writing them into the tables and
** meta.checksum. Excludes DataFlow's own objects (dataflow_*) and volatile
** facts (native spellings, statistics). Returns an SQLite result code.
*/
int dfCatalogFinish(sqlite3 *db, const char *zDb, char **pzErr);

/* Set meta key to value in schema zDb (value may be NULL). */
int dfMetaSet(sqlite3 *db, const char *zDb, const char *zKey, const char *zValue);

/* Read meta value: OUT caller frees, NULL when absent. */
char *dfMetaGet(sqlite3 *db, const char *zDb, const char *zKey);

/* True when zName is one of DataFlow's own objects (dataflow_ prefix). */
int dfIsOwnObject(const char *zName);

#endif /* DF_CATALOG_H */
