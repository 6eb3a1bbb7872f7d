/*
** dialect.h — the interface every per-dialect DDL writer implements.
**
** The planner (plan.c) decides WHAT must change and in which order; a
** dialect writer (sql_sqlite.c today; sql_pg.c, sql_mysql.c later) decides
** HOW to say it in one engine's SQL, and is the only place that quotes
** identifiers for that engine. A writer is a DfDialect: a table of function
** pointers, one per kind of schema operation. Each method fills a DfDdl:
** the forward SQL, the SQL that undoes it, and the facts a reviewer needs
** (transactional or not, lock impact, rows rewritten, destructive or not).
**
** Adding a dialect (e.g. PostgreSQL):
**
**   1. Write ext/sql_pg.c with `const DfDialect dfDialectPostgresql = {...}`
**      filling every method it supports (others 0: the planner then refuses
**      the change with "migration_plan: dialect 'postgresql' cannot ...").
**   2. Declare it below and put it in the registry table of dialect.c
**      (replace its "not built yet" entry).
**   3. Add the file to EXT_SRC in Makefile.in.
**
** Method contract (all methods):
**
**   int xSomething(const DfDialectCtx *pCtx, ..., DfDdl *pOut, char **pzErr);
**
**   - Returns SQLITE_OK with *pOut filled (the caller has zeroed it and
**     frees it with dfDdlClear), or
**   - DF_DIALECT_REBUILD: "this change cannot be made in place on this
**     table"; *pOut is left empty. The planner then asks xRebuildTable()
**     for ONE step that moves the table from its old to its new definition,
**     covering all of the table's column, constraint and index changes.
**     Only dialects with an xRebuildTable may answer this (SQLite), or
**   - an SQLite error code with *pzErr set (OUT: caller frees), a lowercase
**     message naming the object: "migration_plan: sqlite cannot ...".
**
**   - zSql holds one or more complete statements, each ending in ";\n".
**     zRollback holds statements that undo zSql when run right after it (in
**     the schema state zSql left), or NULL when the change cannot be undone.
**     Both are deterministic: the same catalogs give byte-identical text.
**   - zSql == NULL with SQLITE_OK means "nothing to do in this dialect"
**     (e.g. a comment on an engine without comments): the planner emits no
**     step and keeps zNote for the explanation.
**
** Which catalog a method reads: "from" objects are the database as it is,
** "to" objects what it must become. Names: creations use the "to" name;
** a table rename is its own step (xRenameTable) that runs before the other
** changes of that table, so that after it every method writes the new name
** (DfTableDelta.pTo->zName); drops (which run in phases before the renames,
** or in the final "destructive" phase after them) use the name the object
** has when they run, which the planner passes in.
**
** Soft drop (DfPlanOptions.bSoftDrop): a dropped table or column is not
** destroyed; its data is moved to a quarantine object named with
** dfQuarantineName(): "dataflow_quarantine_<t>_<tag>" for a table and
** "dataflow_quarantine_<t>__<c>_<tag>" for a column, where <tag> is
** DfDialectCtx.zTag (8 hex digits of the base schema checksum, so that two
** migrations never pick the same name and a plan is still deterministic).
** The dataflow_ prefix keeps quarantined data out of mirrors and checksums;
** the rollback SQL moves it back; `dataflow purge` deletes it later.
*/
#ifndef DF_DIALECT_H
#define DF_DIALECT_H

#include "catalog.h"
#include "diff.h"
#include "plan.h"

/* Method result: the change needs the table rebuilt (see above). Chosen
** outside the range of SQLite result codes. */
#define DF_DIALECT_REBUILD 0x7ff0

/* What one operation produces. Every pointer is OUT: freed by dfDdlClear. */
typedef struct DfDdl DfDdl;
struct DfDdl {
  char *zSql;             /* forward statements, each ending ";\n" */
  char *zRollback;        /* statements that undo zSql; NULL = cannot be undone */
  int bTransactional;     /* may run inside the plan's transaction */
  int bDestructive;       /* data leaves the table (even into quarantine) */
  char *zLock;            /* lock impact: "write lock on the database; rewrites t" */
  char *zNote;            /* extra sentence for the step's why, or NULL */
  sqlite3_int64 nRows;    /* rows read or rewritten; -1 unknown, 0 none */
};

/* Everything the planner knows that a writer may need. Read-only. */
typedef struct DfDialectCtx DfDialectCtx;
struct DfDialectCtx {
  DfCatalog *pFrom;             /* the database as it is (base snapshot) */
  DfCatalog *pTo;               /* what it must become (target snapshot) */
  const DfPlanOptions *pOpt;    /* soft drop, online, mode */
  const char *zTag;             /* short token for quarantine names ("" if none) */
};

/*
** One table present on both sides, with all of its changes. aiSrc maps
** each target column to the source column its values come from (same name,
** or renamed), so that a rebuild copies data into the right place.
*/
typedef struct DfTableDelta DfTableDelta;
struct DfTableDelta {
  DfTable *pFrom;         /* the table as it is (its old name) */
  DfTable *pTo;           /* the table as it must be (its new name) */
  int *aiSrc;             /* [pTo->nCol]: index into pFrom->aCol, -1 new column */
  int nChange;            /* changes of this table (table rename excluded) */
  DfChange **apChange;    /* in diff order, borrowed from the change list */
};

typedef struct DfDialect DfDialect;
struct DfDialect {
  const char *zName;            /* "sqlite", as given to migration_plan() */
  int bInlineForeignKeys;       /* 1: xCreateTable writes FKs inside CREATE TABLE
                                ** (SQLite; FK cycles between new tables are then
                                ** harmless). 0: it leaves them out and the planner
                                ** adds each with xAddConstraint in the "constraint"
                                ** phase, pDelta->pFrom NULL, once all tables exist */

  /* Quote an identifier for this dialect. OUT: caller frees; NULL on OOM. */
  char *(*xQuote)(const char *zId);

  /* Tables. xCreateTable writes columns and constraints only: the planner
  ** asks xCreateIndex for each index in steps of their own. xDropTable
  ** drops (or, when soft, quarantines) the table with its indexes and
  ** triggers, and its rollback brings all of them back. */
  int (*xCreateTable)(const DfDialectCtx*, const DfTable *pTo, DfDdl*, char**);
  int (*xDropTable)(const DfDialectCtx*, const DfTable *pFrom, DfDdl*, char**);
  int (*xRenameTable)(const DfDialectCtx*, const DfTable *pFrom,
                      const DfTable *pTo, DfDdl*, char**);
  /* Table-level attribute change (options, comment, kind): pChange->zAttribute */
  int (*xAlterTable)(const DfDialectCtx*, const DfTableDelta*,
                     const DfChange *pChange, DfDdl*, char**);

  /* Columns of a table present on both sides. */
  int (*xAddColumn)(const DfDialectCtx*, const DfTableDelta*,
                    const DfColumn *pToCol, DfDdl*, char**);
  int (*xDropColumn)(const DfDialectCtx*, const DfTableDelta*,
                     const DfColumn *pFromCol, DfDdl*, char**);
  int (*xRenameColumn)(const DfDialectCtx*, const DfTableDelta*,
                       const DfColumn *pFromCol, const DfColumn *pToCol,
                       DfDdl*, char**);
  /* Type, not_null, default, collation, generated, identity, comment:
  ** pChange->zAttribute says which; pChange->pFromCol/pToCol both set. */
  int (*xAlterColumn)(const DfDialectCtx*, const DfTableDelta*,
                      const DfChange *pChange, DfDdl*, char**);

  /* Constraints (primary key, unique, check, foreign key) of a table
  ** present on both sides. */
  int (*xAddConstraint)(const DfDialectCtx*, const DfTableDelta*,
                        const DfConstraint *pToCons, DfDdl*, char**);
  int (*xDropConstraint)(const DfDialectCtx*, const DfTableDelta*,
                         const DfConstraint *pFromCons, DfDdl*, char**);

  /*
  ** Move a table from pDelta->pFrom's to pDelta->pTo's definition in one
  ** step, keeping every row (and, when soft, the values of dropped columns
  ** in quarantine), and recreating the target's indexes. Triggers are not
  ** part of it: the planner drops them before and creates them after in
  ** steps of their own. NULL for dialects that alter everything in place.
  */
  int (*xRebuildTable)(const DfDialectCtx*, const DfTableDelta*, DfDdl*, char**);

  /* Indexes: pTab is the table under the name it has when the step runs. */
  int (*xCreateIndex)(const DfDialectCtx*, const DfTable *pTab,
                      const DfIndex *pIdx, DfDdl*, char**);
  int (*xDropIndex)(const DfDialectCtx*, const DfTable *pTab,
                    const DfIndex *pIdx, DfDdl*, char**);
  /* Rename an index whose definition is otherwise equal; 0 when the engine
  ** cannot (SQLite): the planner then drops and recreates it. */
  int (*xRenameIndex)(const DfDialectCtx*, const DfTable *pTab,
                      const DfIndex *pFromIdx, const DfIndex *pToIdx,
                      DfDdl*, char**);

  /* Views and triggers (whole definitions: dropped and created, never
  ** altered in place). */
  int (*xCreateView)(const DfDialectCtx*, const DfView *pTo, DfDdl*, char**);
  int (*xDropView)(const DfDialectCtx*, const DfView *pFrom, DfDdl*, char**);
  int (*xCreateTrigger)(const DfDialectCtx*, const DfTable *pTab,
                        const DfTrigger *pTrig, DfDdl*, char**);
  int (*xDropTrigger)(const DfDialectCtx*, const DfTable *pTab,
                      const DfTrigger *pTrig, DfDdl*, char**);

  /* Enum types and sequences: one change (add, drop, alter, rename) each;
  ** 0 when the engine has none (SQLite). */
  int (*xEnum)(const DfDialectCtx*, const DfChange *pChange, DfDdl*, char**);
  int (*xSequence)(const DfDialectCtx*, const DfChange *pChange, DfDdl*, char**);

  /* A comment-only change of an index or a view (pChange->zAttribute is
  ** "comment"; tables, columns and enums say theirs in xAlterTable,
  ** xAlterColumn and xEnum). 0 when the engine has no such comments. */
  int (*xComment)(const DfDialectCtx*, const DfChange *pChange, DfDdl*, char**);
};

/* The writers that exist. */
extern const DfDialect dfDialectSqlite;      /* sql_sqlite.c */
extern const DfDialect dfDialectMysql;       /* sql_mysql.c */
extern const DfDialect dfDialectPostgresql;  /* sql_pg.c */
extern const DfDialect dfDialectMongodb;     /* sql_mongo.c */

/*
** The writer for zName (case-insensitive), or NULL when none is built:
** either an unknown name or a dialect that is planned but not written yet.
*/
const DfDialect *dfDialectFind(const char *zName);

/*
** As dfDialectFind(), with the error a user sees when there is none
** (OUT: *pzErr, caller frees), zWho naming the caller:
**   "migration_plan: dialect 'postgresql' is not built yet"
**   "migration_plan: unknown dialect 'oracle' (known: sqlite, postgresql, mysql, mongodb)"
*/
int dfDialectLookup(const char *zName, const char *zWho,
                    const DfDialect **ppOut, char **pzErr);

/* Free what a DfDdl holds and zero it. */
void dfDdlClear(DfDdl *p);

/*
** Name of the quarantine object for table zTable (zColumn NULL) or for
** column zColumn of zTable, with the context's tag:
** "dataflow_quarantine_users_1a2b3c4d", "dataflow_quarantine_users__email_1a2b3c4d".
** OUT: caller frees; NULL on OOM.
*/
char *dfQuarantineName(const DfDialectCtx *pCtx, const char *zTable,
                       const char *zColumn);

#endif /* DF_DIALECT_H */
