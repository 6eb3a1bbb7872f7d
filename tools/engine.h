/*
** engine.h — the small interface every engine adapter implements.
**
** An adapter knows how to talk to one kind of live database: connect from a
** URL, mirror its schema into a snapshot (bulk catalog reads), run SQL or
** commands, and provide the primitives the engine-neutral executor
** (executor.c) needs: a lock, transactions where DDL is transactional, and
** the dataflow_migrations history table. Adapters never decide what a diff
** means; they run what the plan says.
**
** Adapters: engine_sqlite.c (always), engine_pg.c (libpq), engine_mysql.c
** (MariaDB client), engine_mongo.c (mongo-c-driver), each compiled only when
** configure found its library; engine.c holds the registry and says clearly
** when an engine was not built in.
*/
#ifndef DF_ENGINE_H
#define DF_ENGINE_H

#include "sqlite3.h"

typedef struct DfConn DfConn;          /* adapter-specific connection */
typedef struct DfEngine DfEngine;

/* Options for a mirror. */
typedef struct DfMirrorRequest DfMirrorRequest;
struct DfMirrorRequest {
  const char *zUrl;          /* as given by the user (may hold a password) */
  const char *zSafeUrl;      /* same with the password removed: for meta.source */
  int nSchema;               /* --schema values (PostgreSQL), 0 = default */
  const char **azSchema;
  int bStats;                /* --stats */
  int nSample;               /* MongoDB --sample N (0: default 1000; -1: --sample 0, none) */
};

struct DfEngine {
  const char *zName;         /* "sqlite", "postgresql", "mysql", "mongodb" */
  const char *zDialect;      /* dialect name for migration_plan */
  int bTransactionalDdl;     /* DDL can be rolled back (PostgreSQL, SQLite) */

  /* Connect. Returns 0 and *ppConn, or non-zero with *pzErr (malloc'd,
  ** caller frees with free(); must not contain the password). */
  int (*xConnect)(const char *zUrl, DfConn **ppConn, char **pzErr);
  void (*xDisconnect)(DfConn *);

  /* Mirror the live schema into the empty snapshot catalog open on pOut
  ** ("main"), including dfCatalogFinish(). Returns 0 or non-zero + *pzErr. */
  int (*xMirror)(DfConn *, const DfMirrorRequest *, sqlite3 *pOut, char **pzErr);

  /* Run one or more SQL statements (or a JSON command for MongoDB).
  ** Returns 0 or non-zero + *pzErr naming the statement and the server error. */
  int (*xExec)(DfConn *, const char *zSql, char **pzErr);

  /* Run a query returning a single value (first column of first row) as
  ** text, *pzOut malloc'd or NULL. Used by the executor for counts and
  ** checksums of kept data. */
  int (*xQueryValue)(DfConn *, const char *zSql, char **pzOut, char **pzErr);

  /* Transactions: only meaningful when bTransactionalDdl. */
  int (*xBegin)(DfConn *, char **pzErr);
  int (*xCommit)(DfConn *, char **pzErr);
  int (*xRollback)(DfConn *, char **pzErr);

  /* Quote an identifier for this engine. OUT: caller frees with free(). */
  char *(*xQuoteIdent)(DfConn *, const char *zName);
  /* Quote a string literal for this engine. OUT: caller frees with free(). */
  char *(*xQuoteLiteral)(DfConn *, const char *zValue);

  /* Run a query and call xRow once per result row with the values as text
  ** (NULL for SQL NULL), in order. xRow returns 0 to go on, non-zero to
  ** stop early (not an error). Used by the executor for the history and
  ** lock tables. Returns 0 or non-zero + *pzErr naming the statement. */
  int (*xQuery)(DfConn *, const char *zSql,
                int (*xRow)(void *pArg, int nCol, char **azVal), void *pArg,
                char **pzErr);

  /* Check, inside the open transaction, what the engine did not check at
  ** each statement (SQLite: PRAGMA foreign_key_check, since apply runs with
  ** foreign_keys=OFF). Returns 0 or non-zero + *pzErr describing the
  ** violations; the transaction stays open for the caller to roll back.
  ** NULL when the engine checks constraints as it goes. */
  int (*xVerify)(DfConn *, char **pzErr);

  /* Before apply writes anything: checks of the plan that need the live
  ** data, e.g. MongoDB's count of the documents that would fail a validator
  ** the plan installs. zSql: the SQL of every step that will run, in order.
  ** Returns 0 to go on (*pzMsg, malloc'd or NULL, is a report to print) or
  ** non-zero to refuse the apply with *pzMsg; bAuto: the plan's mode is
  ** auto (which refuses what may hurt existing data). NULL when the engine
  ** has nothing to check (the SQL engines). */
  int (*xPlanCheck)(DfConn *, const char *zSql, int bAuto, char **pzMsg);
};

/* Registry (engine.c). */

/* Find the engine for a URL: postgresql:// postgres:// mysql:// mariadb://
** sqlite: mongodb:// mongodb+srv://, a libpq conninfo ("host=... dbname=..."),
** or a plain path (SQLite). Returns NULL and *pzErr when the scheme is
** unknown or the engine was not built in: "PostgreSQL is not available in
** this build: its adapter is not part of this version yet" (or "...:
** configure did not find libpq or was run with --without-postgresql
** (install libpq-dev and rerun ./configure)"). */
const DfEngine *dfEngineForUrl(const char *zUrl, char **pzErr);

/* Same lookup, returning 0 or the exit status for the failure (util.h):
** DF_EXIT_USAGE for an unknown scheme ("unknown URL scheme 'oracle' in
** '...'"), DF_EXIT_CONNECT for an engine not in this build ("PostgreSQL is
** not available in this build: <reason>"). *pzErr: caller frees (free()). */
int dfEngineFind(const char *zUrl, const DfEngine **ppEngine, char **pzErr);

/* For `dataflow engines`: engine number i (0..) -> its name and, when it is
** not built in, why (*pzReason, static text; NULL when built in). Returns 1
** built in, 0 not built in, -1 past the last engine. */
int dfEngineStatus(int i, const char **pzName, const char **pzReason);

/* Names of the engines built in, e.g. "sqlite postgresql mysql mongodb". */
const char *dfEnginesBuiltIn(void);

/* The URL with any password removed (user:secret@ -> user@, password=...
** parameters dropped). OUT: caller frees with free(). */
char *dfUrlRedact(const char *zUrl);

/* zText (an error message) with the URL zUrl replaced by its redacted
** form and any password it holds (raw or percent-decoded, 4 bytes or
** more) replaced by "***": a driver that repeats what it was given cannot
** leak it. OUT: caller frees with free(). */
char *dfUrlScrub(const char *zText, const char *zUrl);

extern const DfEngine dfEngineSqlite;
#if DF_HAVE_PG
extern const DfEngine dfEnginePg;
#endif
#if DF_HAVE_MYSQL
extern const DfEngine dfEngineMysql;
#endif
#if DF_HAVE_MONGO
extern const DfEngine dfEngineMongo;       /* in the plugin dataflow-mongo.so */
extern const DfEngine dfEngineMongoLazy;   /* engine_mongo_load.c: loads it */
#endif

#endif /* DF_ENGINE_H */
