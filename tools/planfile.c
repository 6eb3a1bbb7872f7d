/*
** planfile.c — write, open, verify and approve plan files (planfile.h).
**
** Usage (from the commands):
**
**   DfPlanRequest req = {.zBase="base.snapshot", .zTarget="model.snapshot",
**                        .zDialect="sqlite", .zMode="manual"};
**   rc = dfPlanFileWrite("change.plan", &req, &zChecksum, &zErr);
**
**   rc = dfPlanFileOpen("change.plan", 0, &pPlan, &zErr);   -- verified
**   for(i=0; i<pPlan->nStep; i++) ... pPlan->aStep[i].zSql ...
**   rc = dfPlanFileAttachSnapshot(pPlan, "base", db, "plan_base", &zErr);
**   dfPlanFileClose(pPlan);
**
** HOW IT WORKS
**
** Writing: each snapshot file is opened read-only, checked to be a DataFlow
** snapshot and serialised (sqlite3_serialize) into a blob. The plan is
** written into a temporary file beside the destination: plan_meta, the two
** blobs in `snapshots`, then both blobs are deserialised into in-memory
** schemas "plan_base" and "plan_target" of the same connection and the steps
** come from `INSERT INTO steps SELECT ... FROM migration_plan('plan_base',
** 'plan_target', dialect, options)`: the very virtual table a reviewer can
** query in sqlite3, computed over exactly the bytes stored in the file. The
** checksum is then computed by the same routine that verifies it on open,
** stored, and the file renamed into place.
**
** Verifying: the checksum is recomputed from the file's contents (meta
** values, blob digests, every step column) and compared with the stored
** one. Approvals are rows bound to the checksum they approved; those whose
** checksum differs are counted as stale and never honoured.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sqlite3.h"
#include "util.h"
#include "planfile.h"

/* Schema of a plan file (doc/plan-format.md). */
#define PLAN_SCHEMA \
"CREATE TABLE plan_meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;\n" \
"CREATE TABLE steps(\n"                 /* the rows of migration_plan(), same names */ \
"  step INTEGER PRIMARY KEY,\n"          /* 1-based order */ \
"  phase TEXT NOT NULL,\n" \
"  operation TEXT NOT NULL,\n" \
"  object TEXT NOT NULL,\n" \
"  sql TEXT,\n"                          /* forward SQL for the dialect */ \
"  rollback_sql TEXT,\n"                 /* undo SQL, NULL = cannot be undone */ \
"  destructive INTEGER NOT NULL,\n" \
"  transactional INTEGER NOT NULL,\n" \
"  lock_impact TEXT,\n" \
"  est_rows INTEGER,\n"                  /* estimated rows touched, -1 unknown */ \
"  refused INTEGER NOT NULL,\n"          /* not applied in this mode */ \
"  why TEXT,\n" \
"  touches TEXT);\n"                     /* JSON array, for drift checks */ \
"CREATE TABLE snapshots(\n" \
"  role TEXT PRIMARY KEY,\n"             /* base|target */ \
"  checksum TEXT,\n"                     /* the snapshot's schema checksum */ \
"  sha256 TEXT NOT NULL,\n"              /* SHA-256 of data */ \
"  data BLOB NOT NULL);\n"               /* the snapshot file's bytes */ \
"CREATE TABLE approvals(\n" \
"  id INTEGER PRIMARY KEY,\n" \
"  approver TEXT NOT NULL,\n" \
"  comment TEXT,\n" \
"  approved_at TEXT NOT NULL,\n"         /* UTC */ \
"  plan_checksum TEXT NOT NULL);\n"      /* the checksum approved */

/*
** The columns of migration_plan() copied into steps, in the order of the
** steps table. Kept in one place: the vtab's names are the contract.
*/
#define PLAN_STEP_COLUMNS \
  "step, phase, operation, object, sql, rollback_sql, destructive, " \
  "transactional, lock_impact, est_rows, refused, why, touches"

#define PLAN_SELECT \
  "SELECT " PLAN_STEP_COLUMNS \
  " FROM migration_plan('plan_base','plan_target',?1,?2) ORDER BY step"

/* Messages about a plan file. */
#define NOT_A_PLAN "'%s' is not a DataFlow plan file"
#define DAMAGED "plan file '%s' is damaged (%s: truncated or corrupt); " \
                "regenerate it with dataflow plan"

/* A snapshot read into memory for writing into the plan. */
typedef struct SnapBlob SnapBlob;
struct SnapBlob {
  unsigned char *a;       /* serialised bytes (sqlite3_malloc'd) */
  sqlite3_int64 n;        /* size */
  char *zChecksum;        /* meta.checksum (malloc'd) */
  char *zEngine;          /* meta.engine (malloc'd) */
  char *zSource;          /* meta.source (malloc'd), may be NULL */
  char zSha[65];          /* SHA-256 of a */
};

static void snapBlobClear(SnapBlob *p){
  sqlite3_free(p->a);
  free(p->zChecksum);
  free(p->zEngine);
  free(p->zSource);
  memset(p, 0, sizeof(*p));
}

/* First column of the first row of zSql (one optional text parameter) as a
** malloc'd string, or NULL (no row, NULL value, or error: *pRc set). */
static char *queryText(sqlite3 *db, const char *zSql, const char *zParam,
                       int *pRc){
  sqlite3_stmt *pStmt = 0;
  char *zOut = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    if( zParam ) sqlite3_bind_text(pStmt, 1, zParam, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_ROW ){
      const char *z = (const char*)sqlite3_column_text(pStmt, 0);
      zOut = xstrdup(z);
      rc = SQLITE_OK;
    }else if( rc==SQLITE_DONE ){
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(pStmt);
  if( pRc ) *pRc = rc;
  return zOut;
}

/*
** Read the snapshot file zPath into *p. Returns 0 or DF_EXIT_INPUT and
** *pzErr. zRole ("base"/"target") names it in messages.
*/
static int snapBlobRead(const char *zPath, const char *zRole, SnapBlob *p,
                        char **pzErr){
  sqlite3 *db = 0;
  int rc;
  char *zFormat = 0;
  struct stat st;

  memset(p, 0, sizeof(*p));
  if( stat(zPath, &st)!=0 ){
    *pzErr = xasprintf("cannot open %s snapshot '%s': %s", zRole, zPath,
                       strerror(errno));
    return DF_EXIT_INPUT;
  }
  if( !S_ISREG(st.st_mode) ){
    *pzErr = xasprintf("cannot open %s snapshot '%s': not a regular file",
                       zRole, zPath);
    return DF_EXIT_INPUT;
  }
  rc = sqlite3_open_v2(zPath, &db, SQLITE_OPEN_READONLY, 0);
  if( rc==SQLITE_OK ){
    zFormat = queryText(db,
        "SELECT value FROM meta WHERE key='format_version'", 0, &rc);
  }
  if( rc!=SQLITE_OK || zFormat==0 ){
    *pzErr = xasprintf("%s snapshot '%s' is not a DataFlow snapshot (%s)",
                       zRole, zPath,
                       rc!=SQLITE_OK ? sqlite3_errmsg(db) : "no format_version in meta");
    goto fail;
  }
  p->zChecksum = queryText(db, "SELECT value FROM meta WHERE key='checksum'",
                           0, &rc);
  p->zEngine = queryText(db, "SELECT value FROM meta WHERE key='engine'",
                         0, &rc);
  p->zSource = queryText(db, "SELECT value FROM meta WHERE key='source'",
                         0, &rc);
  if( p->zChecksum==0 ){
    *pzErr = xasprintf("%s snapshot '%s' has no schema checksum; it was not "
                       "finished (recreate it with dataflow mirror or model)",
                       zRole, zPath);
    goto fail;
  }
  p->a = sqlite3_serialize(db, "main", &p->n, 0);
  if( p->a==0 ){
    *pzErr = xasprintf("cannot read %s snapshot '%s': %s", zRole, zPath,
                       sqlite3_errmsg(db));
    goto fail;
  }
  dfSha256Hex(p->a, (size_t)p->n, p->zSha);
  free(zFormat);
  sqlite3_close(db);
  return 0;

fail:
  free(zFormat);
  sqlite3_close(db);
  snapBlobClear(p);
  return DF_EXIT_INPUT;
}

/*
** Deserialise a copy of n bytes at a into db as the in-memory schema
** zSchema (read-only). Returns SQLITE_OK or an error and *pzErr.
*/
static int attachBlob(sqlite3 *db, const char *zSchema, const void *a,
                      sqlite3_int64 n, char **pzErr){
  char *zSql = sqlite3_mprintf("ATTACH ':memory:' AS \"%w\"", zSchema);
  unsigned char *aCopy;
  int rc = sqlite3_exec(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ){
    *pzErr = xasprintf("cannot attach snapshot as '%s': %s", zSchema,
                       sqlite3_errmsg(db));
    return rc;
  }
  aCopy = sqlite3_malloc64(n>0 ? (sqlite3_uint64)n : 1);
  if( aCopy==0 ) die(DF_EXIT_INTERNAL, "out of memory");
  memcpy(aCopy, a, (size_t)n);
  rc = sqlite3_deserialize(db, zSchema, aCopy, n, n,
         SQLITE_DESERIALIZE_FREEONCLOSE|SQLITE_DESERIALIZE_READONLY);
  if( rc!=SQLITE_OK ){
    *pzErr = xasprintf("cannot load snapshot into '%s': %s", zSchema,
                       sqlite3_errmsg(db));
  }
  return rc;
}

/* Append one value to the canonical serialisation: "N:bytes," or "-,". */
static void hashValue(EVP_MD_CTX *ctx, const void *p, int n, int bNull){
  char zLen[32];
  if( bNull ){
    EVP_DigestUpdate(ctx, "-,", 2);
    return;
  }
  snprintf(zLen, sizeof(zLen), "%d:", n);
  EVP_DigestUpdate(ctx, zLen, strlen(zLen));
  if( n>0 ) EVP_DigestUpdate(ctx, p, (size_t)n);
  EVP_DigestUpdate(ctx, ",", 1);
}

static void hashText(EVP_MD_CTX *ctx, const char *z){
  hashValue(ctx, z, z ? (int)strlen(z) : 0, z==0);
}

/* Hash every column of every row of a prepared statement as text. */
static int hashRows(EVP_MD_CTX *ctx, sqlite3_stmt *pStmt){
  int rc, i, nCol = sqlite3_column_count(pStmt);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    for(i=0; i<nCol; i++){
      if( sqlite3_column_type(pStmt, i)==SQLITE_NULL ){
        hashValue(ctx, 0, 0, 1);
      }else{
        const unsigned char *z = sqlite3_column_text(pStmt, i);
        hashValue(ctx, z, sqlite3_column_bytes(pStmt, i), 0);
      }
    }
    EVP_DigestUpdate(ctx, ";", 1);
  }
  return rc==SQLITE_DONE ? SQLITE_OK : rc;
}

/*
** Compute the plan checksum of the plan file open as schema "main" of db
** into zHex. Returns SQLITE_OK or an SQLite error code (SQLite's message is
** then in db). The canonical serialisation is described in planfile.h.
*/
static int planChecksum(sqlite3 *db, char zHex[65]){
  static const char *azMeta[] = {
    "format_version", "dialect", "mode", "base_checksum", "target_checksum"
  };
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  sqlite3_stmt *pStmt = 0;
  unsigned char aDigest[32];
  unsigned int nDigest = 0;
  size_t i;
  int rc = SQLITE_OK;

  if( ctx==0 || EVP_DigestInit_ex(ctx, EVP_sha256(), 0)!=1 ){
    die(DF_EXIT_INTERNAL, "SHA-256 failed (libcrypto)");
  }
  hashText(ctx, "dataflow-plan");
  for(i=0; rc==SQLITE_OK && i<sizeof(azMeta)/sizeof(azMeta[0]); i++){
    char *z = queryText(db, "SELECT value FROM plan_meta WHERE key=?1",
                        azMeta[i], &rc);
    hashText(ctx, z);
    free(z);
  }
  /* The stored snapshots, by the digest of their actual bytes. */
  if( rc==SQLITE_OK ){
    rc = sqlite3_prepare_v2(db,
        "SELECT role, data FROM snapshots ORDER BY role", -1, &pStmt, 0);
  }
  if( rc==SQLITE_OK ){
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
      char zSha[65];
      const void *a = sqlite3_column_blob(pStmt, 1);
      int n = sqlite3_column_bytes(pStmt, 1);
      dfSha256Hex(a ? a : "", (size_t)n, zSha);
      hashText(ctx, (const char*)sqlite3_column_text(pStmt, 0));
      hashText(ctx, zSha);
    }
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
    sqlite3_finalize(pStmt);
    pStmt = 0;
  }
  hashText(ctx, "steps");
  if( rc==SQLITE_OK ){
    rc = sqlite3_prepare_v2(db,
        "SELECT " PLAN_STEP_COLUMNS " FROM steps ORDER BY step", -1, &pStmt, 0);
  }
  if( rc==SQLITE_OK ) rc = hashRows(ctx, pStmt);
  sqlite3_finalize(pStmt);

  if( EVP_DigestFinal_ex(ctx, aDigest, &nDigest)!=1 || nDigest!=32 ){
    die(DF_EXIT_INTERNAL, "SHA-256 failed (libcrypto)");
  }
  EVP_MD_CTX_free(ctx);
  for(i=0; i<32; i++) sprintf(zHex+2*i, "%02x", aDigest[i]);
  zHex[64] = 0;
  return rc;
}

/* Append s to a malloc'd JSON string buffer as a JSON string literal. */
static void jsonString(char **pz, size_t *pn, const char *s){
  size_t n = *pn;
  char *z = xrealloc(*pz, n + strlen(s)*6 + 3);
  z[n++] = '"';
  for(; *s; s++){
    unsigned char c = (unsigned char)*s;
    if( c=='"' || c=='\\' ){
      z[n++] = '\\'; z[n++] = (char)c;
    }else if( c<0x20 ){
      n += (size_t)sprintf(z+n, "\\u%04x", c);
    }else{
      z[n++] = (char)c;
    }
  }
  z[n++] = '"';
  z[n] = 0;
  *pz = z;
  *pn = n;
}

static void jsonRaw(char **pz, size_t *pn, const char *s){
  size_t k = strlen(s);
  *pz = xrealloc(*pz, *pn + k + 1);
  memcpy(*pz + *pn, s, k+1);
  *pn += k;
}

/*
** The options given to migration_plan(), as a JSON object with a fixed key
** order: {"mode":..,"allow_destructive":0|1,"online":0|1,"rename":{..}};
** with bRenamesOnly just {"rename":{..}} (or {}), for schema_diff().
** OUT: caller frees with free().
*/
static char *planOptionsJson(const DfPlanRequest *pReq, const char *zMode,
                             int bRenamesOnly){
  char *z = 0;
  size_t n = 0;
  int i;
  jsonRaw(&z, &n, "{");
  if( !bRenamesOnly ){
    jsonRaw(&z, &n, "\"mode\":");
    jsonString(&z, &n, zMode);
    jsonRaw(&z, &n, pReq->bAllowDestructive ? ",\"allow_destructive\":1"
                                            : ",\"allow_destructive\":0");
    jsonRaw(&z, &n, pReq->bOnline ? ",\"online\":1" : ",\"online\":0");
  }
  if( pReq->nRename>0 ){
    jsonRaw(&z, &n, bRenamesOnly ? "\"rename\":{" : ",\"rename\":{");
    for(i=0; i<pReq->nRename; i++){
      const char *zHint = pReq->azRename[i];
      const char *zEq = strchr(zHint, '=');
      char *zOld;
      if( zEq==0 ) continue;   /* validated by the caller */
      zOld = xasprintf("%.*s", (int)(zEq-zHint), zHint);
      if( i>0 ) jsonRaw(&z, &n, ",");
      jsonString(&z, &n, zOld);
      jsonRaw(&z, &n, ":");
      jsonString(&z, &n, zEq+1);
      free(zOld);
    }
    jsonRaw(&z, &n, "}");
  }
  jsonRaw(&z, &n, "}");
  return z;
}

/* The dialect migration_plan() needs for a snapshot of engine zEngine. */
static const char *dialectOfEngine(const char *zEngine){
  if( zEngine==0 ) return 0;
  if( strcmp(zEngine, "sqlite")==0 ) return "sqlite";
  if( strcmp(zEngine, "postgresql")==0 ) return "postgresql";
  if( strcmp(zEngine, "mysql")==0 || strcmp(zEngine, "mariadb")==0 ) return "mysql";
  if( strcmp(zEngine, "mongodb")==0 ) return "mongodb";
  return 0;
}

/*
** May zPath be (re)written as a plan file? Yes when it does not exist, is
** empty, or is a DataFlow plan file. Returns 0 or DF_EXIT_INPUT.
*/
static int checkOverwrite(const char *zPath, char **pzErr){
  struct stat st;
  sqlite3 *db = 0;
  char *zFormat;
  int rc;
  if( stat(zPath, &st)!=0 ) return 0;
  if( S_ISDIR(st.st_mode) ){
    *pzErr = xasprintf("cannot write plan file '%s': Is a directory", zPath);
    return DF_EXIT_USAGE;
  }
  if( st.st_size==0 ) return 0;
  rc = sqlite3_open_v2(zPath, &db, SQLITE_OPEN_READONLY, 0);
  zFormat = rc==SQLITE_OK ? queryText(db,
      "SELECT value FROM plan_meta WHERE key='format_version'", 0, &rc) : 0;
  sqlite3_close(db);
  if( zFormat==0 ){
    *pzErr = xasprintf("refusing to overwrite '%s': not a DataFlow plan file",
                       zPath);
    return DF_EXIT_INPUT;
  }
  free(zFormat);
  return 0;
}

/* Bind-and-run helper for plan_meta. Returns an SQLite code. */
static int metaPut(sqlite3 *db, const char *zKey, const char *zValue){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db,
      "INSERT OR REPLACE INTO plan_meta(key, value) VALUES(?1, ?2)",
      -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, zKey, -1, SQLITE_STATIC);
    if( zValue ) sqlite3_bind_text(pStmt, 2, zValue, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

static int snapPut(sqlite3 *db, const char *zRole, const SnapBlob *p){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db,
      "INSERT INTO snapshots(role, checksum, sha256, data) VALUES(?1,?2,?3,?4)",
      -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, zRole, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 2, p->zChecksum, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 3, p->zSha, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(pStmt, 4, p->a, (sqlite3_uint64)p->n, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* Run zSql with ?1 bound to zText. Returns an SQLite code. */
static int execWithText(sqlite3 *db, const char *zSql, const char *zText){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, zText, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* Run the planner into steps. Returns an SQLite code; message in db. */
static int planSteps(sqlite3 *db, const char *zDialect, const char *zOptions){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db,
      "INSERT INTO main.steps(" PLAN_STEP_COLUMNS ") " PLAN_SELECT,
      -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, zDialect, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 2, zOptions, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

int dfPlanFileWrite(const char *zPath, const DfPlanRequest *pReq,
                    char **pzChecksum, char **pzErr){
  SnapBlob base, target;
  sqlite3 *db = 0;
  char *zTmp = 0;
  char *zOptions = 0;
  char *zDiffOptions = 0;
  char *zAuthor = 0;
  const char *zDialect = pReq->zDialect;
  const char *zMode = pReq->zMode ? pReq->zMode : "auto";
  const char *zStage = 0;
  char zChecksum[65];
  char zNum[32];
  int rc;

  *pzErr = 0;
  if( pzChecksum ) *pzChecksum = 0;
  memset(&base, 0, sizeof(base));
  memset(&target, 0, sizeof(target));
  rc = checkOverwrite(zPath, pzErr);
  if( rc ) return rc;
  rc = snapBlobRead(pReq->zBase, "base", &base, pzErr);
  if( rc ) return rc;
  rc = snapBlobRead(pReq->zTarget, "target", &target, pzErr);
  if( rc ){ snapBlobClear(&base); return rc; }

  if( zDialect==0 ) zDialect = dialectOfEngine(base.zEngine);
  if( zDialect==0 ) zDialect = dialectOfEngine(target.zEngine);
  if( zDialect==0 ){
    *pzErr = xasprintf("cannot tell the SQL dialect from the snapshots "
                       "(engines '%s' and '%s'): give --dialect",
                       base.zEngine ? base.zEngine : "?",
                       target.zEngine ? target.zEngine : "?");
    rc = DF_EXIT_USAGE;
    goto done;
  }
  zOptions = planOptionsJson(pReq, zMode, 0);
  zDiffOptions = planOptionsJson(pReq, zMode, 1);
  zAuthor = pReq->zAuthor ? xstrdup(pReq->zAuthor) : dfAuthor();

  /* Temporary file beside the destination, renamed into place at the end. */
  zTmp = dfTempBeside(zPath);
  if( zTmp==0 ){
    *pzErr = xasprintf("cannot write plan file '%s': %s", zPath,
                       strerror(errno));
    rc = DF_EXIT_INPUT;
    goto done;
  }
  db = dfOpenCore(zTmp, 0, pzErr);
  if( db==0 ){ rc = DF_EXIT_INTERNAL; goto done; }

  zStage = "creating the plan file";
  rc = sqlite3_exec(db, "PRAGMA journal_mode=DELETE; BEGIN;" PLAN_SCHEMA,
                    0, 0, 0);
  snprintf(zNum, sizeof(zNum), "%d", DF_PLANFILE_FORMAT);
  if( rc==SQLITE_OK ) rc = metaPut(db, "format_version", zNum);
  if( rc==SQLITE_OK ) rc = metaPut(db, "dataflow_version", DF_VERSION);
  if( rc==SQLITE_OK ) rc = metaPut(db, "dialect", zDialect);
  if( rc==SQLITE_OK ) rc = metaPut(db, "mode", zMode);
  if( rc==SQLITE_OK ) rc = metaPut(db, "allow_destructive",
                                   pReq->bAllowDestructive ? "1" : "0");
  if( rc==SQLITE_OK ) rc = metaPut(db, "online", pReq->bOnline ? "1" : "0");
  if( rc==SQLITE_OK ) rc = metaPut(db, "options", zOptions);
  if( rc==SQLITE_OK ) rc = metaPut(db, "author", zAuthor);
  if( rc==SQLITE_OK ) rc = metaPut(db, "created_at", dfNowUtc());
  if( rc==SQLITE_OK ) rc = metaPut(db, "environment",
      pReq->zEnvironment ? pReq->zEnvironment : dfEnvironment(0));
  if( rc==SQLITE_OK ) rc = metaPut(db, "base_checksum", base.zChecksum);
  if( rc==SQLITE_OK ) rc = metaPut(db, "target_checksum", target.zChecksum);
  if( rc==SQLITE_OK ) rc = metaPut(db, "base_engine", base.zEngine);
  if( rc==SQLITE_OK ) rc = metaPut(db, "target_engine", target.zEngine);
  if( rc==SQLITE_OK ) rc = metaPut(db, "base_source",
      pReq->zBaseSource ? pReq->zBaseSource : base.zSource);
  if( rc==SQLITE_OK ) rc = metaPut(db, "target_source",
      pReq->zTargetSource ? pReq->zTargetSource : target.zSource);
  if( rc==SQLITE_OK ) rc = snapPut(db, "base", &base);
  if( rc==SQLITE_OK ) rc = snapPut(db, "target", &target);
  if( rc!=SQLITE_OK ) goto sqlfail;

  zStage = "loading the snapshots";
  rc = attachBlob(db, "plan_base", base.a, base.n, pzErr);
  if( rc==SQLITE_OK ) rc = attachBlob(db, "plan_target", target.a, target.n, pzErr);
  if( rc!=SQLITE_OK ){ rc = DF_EXIT_INTERNAL; goto done; }

  zStage = 0;
  rc = planSteps(db, zDialect, zOptions);
  if( rc!=SQLITE_OK ){
    /* The planner's own message ("migration_plan: unknown dialect ..."). */
    *pzErr = xasprintf("%s", sqlite3_errmsg(db));
    rc = DF_EXIT_INPUT;
    goto done;
  }
  /* For review: the differences, and the compatibility report in mode
  ** 'existing' (whose plan is empty by definition). Their columns are
  ** whatever the virtual tables define. */
  zStage = "recording schema_diff";
  rc = execWithText(db, "CREATE TABLE main.changes AS SELECT * FROM "
                    "schema_diff('plan_base','plan_target',?1)", zDiffOptions);
  if( rc==SQLITE_OK && strcmp(zMode, "existing")==0 ){
    zStage = "recording schema_compat";
    rc = sqlite3_exec(db, "CREATE TABLE main.compat AS "
                      "SELECT * FROM schema_compat('plan_target','plan_base')",
                      0, 0, 0);
  }
  if( rc!=SQLITE_OK ) goto sqlfail;

  zStage = "computing the plan checksum";
  rc = planChecksum(db, zChecksum);
  if( rc==SQLITE_OK ) rc = metaPut(db, "plan_checksum", zChecksum);
  if( rc==SQLITE_OK ) rc = sqlite3_exec(db, "COMMIT", 0, 0, 0);
  if( rc!=SQLITE_OK ) goto sqlfail;
  sqlite3_close(db);
  db = 0;
  if( rename(zTmp, zPath)!=0 ){
    *pzErr = xasprintf("cannot write plan file '%s': %s", zPath,
                       strerror(errno));
    rc = DF_EXIT_INPUT;
    goto done;
  }
  free(zTmp);
  zTmp = 0;
  if( pzChecksum ) *pzChecksum = xstrdup(zChecksum);
  rc = 0;
  goto done;

sqlfail:
  *pzErr = xasprintf("cannot write plan file '%s' (%s): %s", zPath,
                     zStage ? zStage : "planning", sqlite3_errmsg(db));
  rc = DF_EXIT_INTERNAL;

done:
  if( db ) sqlite3_close(db);
  if( zTmp ){ unlink(zTmp); free(zTmp); }
  free(zOptions);
  free(zDiffOptions);
  free(zAuthor);
  snapBlobClear(&base);
  snapBlobClear(&target);
  return rc;
}

/* ------------------------------------------------------------------ open */

/*
** Does the file's size agree with its SQLite header? A file cut short by a
** copy or a full disk may still read "fine" when the bytes lost were
** unused, but it is not the file that was written. Returns 0 when it
** agrees (or the header does not say), else writes a reason into zWhy.
*/
static int checkFileSize(const char *zPath, long long nFile, char *zWhy,
                         size_t nWhy){
  unsigned char a[100];
  FILE *f = fopen(zPath, "rb");
  size_t n = f ? fread(a, 1, sizeof(a), f) : 0;
  long long nPage, szPage, nWant;
  if( f ) fclose(f);
  if( n<sizeof(a) || memcmp(a, "SQLite format 3", 16)!=0 ) return 0;
  szPage = (a[16]<<8) | a[17];
  if( szPage==1 ) szPage = 65536;
  nPage = ((long long)a[28]<<24) | (a[29]<<16) | (a[30]<<8) | a[31];
  /* The in-header size is valid only when the change counter matches the
  ** version-valid-for number (SQLite file format, section 1.3.7). */
  if( nPage==0 || memcmp(a+24, a+92, 4)!=0 ) return 0;
  nWant = nPage*szPage;
  if( nFile==nWant ) return 0;
  snprintf(zWhy, nWhy, "the file has %lld bytes, its header says %lld",
           nFile, nWant);
  return 1;
}

void dfPlanFileClose(DfPlanFile *p){
  int i;
  if( p==0 ) return;
  if( p->db ) sqlite3_close(p->db);
  for(i=0; i<p->nStep; i++){
    DfPlanStep *s = &p->aStep[i];
    free(s->zPhase); free(s->zOperation); free(s->zObject); free(s->zSql);
    free(s->zRollback); free(s->zLock); free(s->zWhy); free(s->zTouches);
  }
  free(p->aStep);
  for(i=0; i<p->nApproval; i++){
    free(p->aApproval[i].zApprover);
    free(p->aApproval[i].zComment);
    free(p->aApproval[i].zApprovedAt);
  }
  free(p->aApproval);
  free(p->zPath); free(p->zDialect); free(p->zMode); free(p->zAuthor);
  free(p->zCreatedAt); free(p->zEnvironment); free(p->zOptions);
  free(p->zBaseChecksum); free(p->zTargetChecksum); free(p->zBaseSource);
  free(p->zTargetSource); free(p->zChecksum);
  free(p);
}

static char *colText(sqlite3_stmt *pStmt, int i){
  return xstrdup((const char*)sqlite3_column_text(pStmt, i));
}

/* Read the steps of p->db into p->aStep. Returns an SQLite code. */
static int readSteps(DfPlanFile *p){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(p->db,
      "SELECT " PLAN_STEP_COLUMNS " FROM steps ORDER BY step", -1, &pStmt, 0);
  int nAlloc = 0;
  while( rc==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW ){
    DfPlanStep *s;
    if( p->nStep>=nAlloc ){
      nAlloc = nAlloc ? nAlloc*2 : 16;
      p->aStep = xrealloc(p->aStep, sizeof(DfPlanStep)*(size_t)nAlloc);
    }
    s = &p->aStep[p->nStep++];
    memset(s, 0, sizeof(*s));
    s->iStep = sqlite3_column_int(pStmt, 0);
    s->zPhase = colText(pStmt, 1);
    s->zOperation = colText(pStmt, 2);
    s->zObject = colText(pStmt, 3);
    s->zSql = colText(pStmt, 4);
    s->zRollback = colText(pStmt, 5);
    s->bDestructive = sqlite3_column_int(pStmt, 6)!=0;
    s->bTransactional = sqlite3_column_int(pStmt, 7)!=0;
    s->zLock = colText(pStmt, 8);
    s->nRows = sqlite3_column_type(pStmt, 9)==SQLITE_NULL ? -1
             : sqlite3_column_int64(pStmt, 9);
    s->bRefused = sqlite3_column_int(pStmt, 10)!=0;
    s->zWhy = colText(pStmt, 11);
    s->zTouches = colText(pStmt, 12);
    if( s->bDestructive ) p->nDestructive++;
    if( s->bRefused ) p->nRefused++;
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(pStmt);
  else sqlite3_finalize(pStmt);
  return rc;
}

/* Read the approvals: valid ones into p->aApproval, count the stale ones. */
static int readApprovals(DfPlanFile *p){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(p->db,
      "SELECT approver, comment, approved_at, plan_checksum==?1 "
      "FROM approvals ORDER BY id", -1, &pStmt, 0);
  int nAlloc = 0;
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, p->zChecksum, -1, SQLITE_STATIC);
  }
  while( rc==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW ){
    DfApproval *a;
    if( sqlite3_column_int(pStmt, 3)==0 ){
      p->nStaleApproval++;
      continue;
    }
    if( p->nApproval>=nAlloc ){
      nAlloc = nAlloc ? nAlloc*2 : 4;
      p->aApproval = xrealloc(p->aApproval, sizeof(DfApproval)*(size_t)nAlloc);
    }
    a = &p->aApproval[p->nApproval++];
    a->zApprover = colText(pStmt, 0);
    a->zComment = colText(pStmt, 1);
    a->zApprovedAt = colText(pStmt, 2);
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(pStmt);
  else sqlite3_finalize(pStmt);
  return rc;
}

static char *metaGet(DfPlanFile *p, const char *zKey, int *pRc){
  int rc = SQLITE_OK;
  char *z;
  if( *pRc!=SQLITE_OK ) return 0;
  z = queryText(p->db, "SELECT value FROM plan_meta WHERE key=?1", zKey, &rc);
  *pRc = rc;
  return z;
}

int dfPlanFileOpen(const char *zPath, int bWrite, DfPlanFile **ppPlan,
                   char **pzErr){
  DfPlanFile *p;
  struct stat st;
  char *zFormat = 0, *zStored = 0, *zFlag = 0;
  char *zCheck = 0;
  char zChecksum[65];
  int rc, status = DF_EXIT_INPUT;

  *ppPlan = 0;
  *pzErr = 0;
  if( stat(zPath, &st)!=0 ){
    *pzErr = xasprintf("cannot open plan file '%s': %s", zPath,
                       strerror(errno));
    return DF_EXIT_INPUT;
  }
  if( !S_ISREG(st.st_mode) ){
    *pzErr = xasprintf("cannot open plan file '%s': not a regular file", zPath);
    return DF_EXIT_INPUT;
  }
  p = xcalloc(1, sizeof(*p));
  p->zPath = xstrdup(zPath);
  p->db = dfOpenCore(zPath, bWrite ? SQLITE_OPEN_READWRITE
                                   : SQLITE_OPEN_READONLY, pzErr);
  if( p->db==0 ) goto fail;

  /* Is it a plan file at all? */
  zFormat = queryText(p->db,
      "SELECT value FROM plan_meta WHERE key='format_version'", 0, &rc);
  if( (rc&0xff)==SQLITE_CORRUPT ){
    *pzErr = xasprintf(DAMAGED, zPath, sqlite3_errmsg(p->db));
    goto fail;
  }
  if( rc!=SQLITE_OK ){
    const char *zWhy = sqlite3_errmsg(p->db);
    if( strncmp(zWhy, "no such table", 13)==0 ) zWhy = "no plan_meta table";
    *pzErr = xasprintf(NOT_A_PLAN " (%s)", zPath, zWhy);
    goto fail;
  }
  if( zFormat==0 ){
    *pzErr = xasprintf(NOT_A_PLAN " (no format_version in plan_meta)", zPath);
    goto fail;
  }
  if( atoi(zFormat)!=DF_PLANFILE_FORMAT ){
    *pzErr = xasprintf("plan file '%s' has format %s; this dataflow reads "
                       "format %d", zPath, zFormat, DF_PLANFILE_FORMAT);
    goto fail;
  }

  /* A truncated or damaged file must not be half-read. */
  {
    char zWhy[128];
    if( checkFileSize(zPath, (long long)st.st_size, zWhy, sizeof(zWhy)) ){
      *pzErr = xasprintf(DAMAGED, zPath, zWhy);
      goto fail;
    }
  }
  zCheck = queryText(p->db, "PRAGMA quick_check", 0, &rc);
  if( rc!=SQLITE_OK || zCheck==0 || strcmp(zCheck, "ok")!=0 ){
    *pzErr = xasprintf(DAMAGED, zPath,
                       rc!=SQLITE_OK ? sqlite3_errmsg(p->db)
                       : zCheck ? zCheck : "integrity check failed");
    goto fail;
  }

  rc = SQLITE_OK;
  p->zDialect = metaGet(p, "dialect", &rc);
  p->zMode = metaGet(p, "mode", &rc);
  p->zAuthor = metaGet(p, "author", &rc);
  p->zCreatedAt = metaGet(p, "created_at", &rc);
  p->zEnvironment = metaGet(p, "environment", &rc);
  p->zOptions = metaGet(p, "options", &rc);
  p->zBaseChecksum = metaGet(p, "base_checksum", &rc);
  p->zTargetChecksum = metaGet(p, "target_checksum", &rc);
  p->zBaseSource = metaGet(p, "base_source", &rc);
  p->zTargetSource = metaGet(p, "target_source", &rc);
  zFlag = metaGet(p, "allow_destructive", &rc);
  p->bAllowDestructive = zFlag && atoi(zFlag);
  free(zFlag);
  zFlag = metaGet(p, "online", &rc);
  p->bOnline = zFlag && atoi(zFlag);
  free(zFlag);
  zStored = metaGet(p, "plan_checksum", &rc);
  if( rc==SQLITE_OK ) rc = planChecksum(p->db, zChecksum);
  if( rc!=SQLITE_OK ){
    *pzErr = xasprintf(NOT_A_PLAN " (%s)", zPath, sqlite3_errmsg(p->db));
    goto fail;
  }
  if( p->zDialect==0 || p->zMode==0 ){
    *pzErr = xasprintf(NOT_A_PLAN " (no %s in plan_meta)", zPath,
                       p->zDialect==0 ? "dialect" : "mode");
    goto fail;
  }
  if( zStored==0 ){
    *pzErr = xasprintf("plan file '%s' has no plan checksum; regenerate it "
                       "with dataflow plan", zPath);
    goto fail;
  }
  if( strcmp(zStored, zChecksum)!=0 ){
    *pzErr = xasprintf("plan file '%s' has been modified since it was written "
                       "(checksum mismatch); regenerate it with dataflow plan",
                       zPath);
    goto fail;
  }
  p->zChecksum = xstrdup(zChecksum);
  rc = readSteps(p);
  if( rc==SQLITE_OK ) rc = readApprovals(p);
  if( rc!=SQLITE_OK ){
    *pzErr = xasprintf(NOT_A_PLAN " (%s)", zPath, sqlite3_errmsg(p->db));
    goto fail;
  }
  free(zFormat);
  free(zStored);
  free(zCheck);
  *ppPlan = p;
  return 0;

fail:
  if( *pzErr==0 ) *pzErr = xasprintf("cannot open plan file '%s'", zPath);
  free(zFormat);
  free(zStored);
  free(zCheck);
  dfPlanFileClose(p);
  return status;
}

int dfPlanFileIsApprovedBy(const DfPlanFile *p, const char *zApprover){
  int i;
  for(i=0; i<p->nApproval; i++){
    if( strcmp(p->aApproval[i].zApprover, zApprover)==0 ) return 1;
  }
  return 0;
}

int dfPlanFileApprove(DfPlanFile *p, const char *zApprover,
                      const char *zComment, int *pbAlready, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  DfApproval *a;
  const char *zNow = dfNowUtc();
  int rc;

  *pzErr = 0;
  if( pbAlready ) *pbAlready = 0;
  if( dfPlanFileIsApprovedBy(p, zApprover) ){
    if( pbAlready ) *pbAlready = 1;
    return 0;
  }
  rc = sqlite3_prepare_v2(p->db,
      "INSERT INTO approvals(approver, comment, approved_at, plan_checksum) "
      "VALUES(?1, ?2, ?3, ?4)", -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, zApprover, -1, SQLITE_STATIC);
    if( zComment ) sqlite3_bind_text(pStmt, 2, zComment, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 3, zNow, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 4, p->zChecksum, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  if( rc!=SQLITE_OK ){
    *pzErr = xasprintf("cannot record the approval in '%s': %s", p->zPath,
                       sqlite3_errmsg(p->db));
    return (rc&0xff)==SQLITE_READONLY ? DF_EXIT_INPUT : DF_EXIT_INTERNAL;
  }
  p->aApproval = xrealloc(p->aApproval,
                          sizeof(DfApproval)*(size_t)(p->nApproval+1));
  a = &p->aApproval[p->nApproval++];
  a->zApprover = xstrdup(zApprover);
  a->zComment = xstrdup(zComment);
  a->zApprovedAt = xstrdup(zNow);
  return 0;
}

/* Fetch the blob of snapshot zRole. Returns SQLite code; *pStmt holds it. */
static int fetchSnapshot(DfPlanFile *p, const char *zRole,
                         sqlite3_stmt **ppStmt, char **pzErr){
  int rc;
  *ppStmt = 0;
  if( strcmp(zRole, "base")!=0 && strcmp(zRole, "target")!=0 ){
    *pzErr = xasprintf("unknown snapshot role '%s': use base or target", zRole);
    return SQLITE_MISUSE;
  }
  rc = sqlite3_prepare_v2(p->db,
      "SELECT data FROM snapshots WHERE role=?1", -1, ppStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(*ppStmt, 1, zRole, -1, SQLITE_STATIC);
    rc = sqlite3_step(*ppStmt);
    if( rc==SQLITE_ROW ) return SQLITE_OK;
    if( rc==SQLITE_DONE ){
      *pzErr = xasprintf("plan file '%s' holds no %s snapshot", p->zPath, zRole);
      rc = SQLITE_CORRUPT;
    }
  }
  if( *pzErr==0 ){
    *pzErr = xasprintf("cannot read the %s snapshot of '%s': %s", zRole,
                       p->zPath, sqlite3_errmsg(p->db));
  }
  sqlite3_finalize(*ppStmt);
  *ppStmt = 0;
  return rc;
}

int dfPlanFileAttachSnapshot(DfPlanFile *p, const char *zRole, sqlite3 *db,
                             const char *zSchema, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  char *zSql, *zGot;
  const char *zWant;
  int rc;

  *pzErr = 0;
  rc = fetchSnapshot(p, zRole, &pStmt, pzErr);
  if( rc!=SQLITE_OK ) return DF_EXIT_INPUT;
  rc = attachBlob(db, zSchema, sqlite3_column_blob(pStmt, 0),
                  sqlite3_column_bytes(pStmt, 0), pzErr);
  sqlite3_finalize(pStmt);
  if( rc!=SQLITE_OK ) return DF_EXIT_INTERNAL;

  /* The blob's own checksum must be the one the plan was made from. */
  zSql = sqlite3_mprintf("SELECT value FROM \"%w\".meta WHERE key='checksum'",
                         zSchema);
  zGot = queryText(db, zSql, 0, &rc);
  sqlite3_free(zSql);
  zWant = strcmp(zRole, "base")==0 ? p->zBaseChecksum : p->zTargetChecksum;
  if( rc!=SQLITE_OK || zGot==0 || zWant==0 || strcmp(zGot, zWant)!=0 ){
    *pzErr = xasprintf("the %s snapshot stored in plan file '%s' does not "
                       "match its recorded checksum; regenerate the plan with "
                       "dataflow plan", zRole, p->zPath);
    free(zGot);
    return DF_EXIT_INPUT;
  }
  free(zGot);
  return 0;
}

int dfPlanFileExtractSnapshot(DfPlanFile *p, const char *zRole,
                              const char *zOutPath, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  FILE *f;
  size_t n;
  int rc;

  *pzErr = 0;
  rc = fetchSnapshot(p, zRole, &pStmt, pzErr);
  if( rc!=SQLITE_OK ) return DF_EXIT_INPUT;
  n = (size_t)sqlite3_column_bytes(pStmt, 0);
  f = fopen(zOutPath, "wb");
  if( f!=0 ){
    int bOk = n==0 || fwrite(sqlite3_column_blob(pStmt, 0), 1, n, f)==n;
    if( fclose(f)!=0 ) bOk = 0;
    if( !bOk ) f = 0;
  }
  if( f==0 ){
    *pzErr = xasprintf("cannot write '%s': %s", zOutPath, strerror(errno));
    sqlite3_finalize(pStmt);
    return DF_EXIT_INPUT;
  }
  sqlite3_finalize(pStmt);
  return 0;
}
