/*
** engine_sqlite.c — the SQLite adapter of the `dataflow` command.
**
** Usage (URLs the adapter accepts):
**
**   dataflow mirror sqlite:app.db -o app.snapshot
**   dataflow apply change.plan --target sqlite:///srv/app.db
**   dataflow status --target app.db              (a plain path is SQLite)
**
** HOW IT WORKS
**
** A connection is one sqlite3 handle on the target file, opened read-write
** but never created: a missing file is "no such database", because applying
** a plan to a database that was mistyped must not invent an empty one.
** Mirroring is dfMirrorSqlite() from the extension, reading this very
** connection, so inside an open transaction it sees the uncommitted state
** (the executor relies on that for the checksum after the steps).
**
** Transactions follow SQLite's documented procedure for schema changes:
** PRAGMA foreign_keys=OFF before BEGIN IMMEDIATE (the pragma is a no-op
** inside a transaction) so that table rebuilds do not cascade, the previous
** setting restored after COMMIT or ROLLBACK, and PRAGMA foreign_key_check
** before COMMIT (xVerify). Violations that existed before the transaction
** began are counted at BEGIN and do not fail the check: only new ones do.
**
** xExec runs a script statement by statement (not sqlite3_exec) so that an
** error names the statement that failed: "NOT NULL constraint failed: t.c
** (in: ALTER TABLE ...)".
*/
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>

#include "sqlite3.h"
#include "engine.h"
#include "snapshot.h"
#include "util.h"

#define SQLITE_BUSY_MS 2000    /* per statement: rides out another writer's
                               ** COMMIT; the lock (lock.c) waits longer */

struct DfConn {
  sqlite3 *db;            /* the target database */
  char *zPath;            /* file name, for messages */
  int bInTxn;             /* a transaction opened by xBegin is open */
  int iFkWas;             /* PRAGMA foreign_keys before xBegin */
  long long nFkBefore;    /* foreign key violations at BEGIN (-1: no FKs) */
};

/* malloc'd copy of a sqlite3_mprintf() string, which is freed. */
static char *takeSqlite(char *z){
  return dfFromSqlite(z);
}

/* The file name inside a URL: sqlite:PATH, sqlite://PATH, sqlite:///ABS. */
static const char *sqlitePathOf(const char *zUrl){
  if( strncmp(zUrl, "sqlite:", 7)==0 ){
    zUrl += 7;
    if( strncmp(zUrl, "//", 2)==0 ) zUrl += 2;
  }
  return zUrl;
}

static int sqliteConnect(const char *zUrl, DfConn **ppConn, char **pzErr){
  const char *zPath = sqlitePathOf(zUrl);
  struct stat st;
  sqlite3 *db = 0;
  DfConn *p;
  int rc;

  *ppConn = 0;
  if( zPath[0]==0 ){
    *pzErr = xasprintf("no database file in URL '%s'", zUrl);
    return 1;
  }
  if( stat(zPath, &st)!=0 ){
    *pzErr = xasprintf("no such database: '%s'", zPath);
    return 1;
  }
  if( S_ISDIR(st.st_mode) ){
    *pzErr = xasprintf("'%s' is a directory, not a SQLite database", zPath);
    return 1;
  }
  rc = sqlite3_open_v2(zPath, &db, SQLITE_OPEN_READWRITE, 0);
  if( rc==SQLITE_OK ){
    sqlite3_busy_timeout(db, SQLITE_BUSY_MS);
    /* Opening is lazy: read the schema now so that a file which is not a
    ** database is refused here, not in the middle of an apply. */
    rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", 0, 0, 0);
  }
  if( rc!=SQLITE_OK ){
    *pzErr = xasprintf("cannot open SQLite database '%s': %s", zPath,
                       db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return 1;
  }
  sqlite3_extended_result_codes(db, 1);
  p = xcalloc(1, sizeof(*p));
  p->db = db;
  p->zPath = xstrdup(zPath);
  p->nFkBefore = -1;
  *ppConn = p;
  return 0;
}

static void sqliteDisconnect(DfConn *p){
  if( p==0 ) return;
  if( p->bInTxn ) sqlite3_exec(p->db, "ROLLBACK", 0, 0, 0);
  sqlite3_close(p->db);
  free(p->zPath);
  free(p);
}

static int sqliteMirror(DfConn *p, const DfMirrorRequest *pReq, sqlite3 *pOut,
                        char **pzErr){
  DfMirrorOptions opt;
  char *zErr = 0;
  int rc;
  memset(&opt, 0, sizeof(opt));
  opt.zEngine = "sqlite";
  opt.zSource = pReq && pReq->zSafeUrl ? pReq->zSafeUrl : p->zPath;
  opt.bStats = pReq ? pReq->bStats : 0;
  rc = dfMirrorSqlite(p->db, "main", pOut, "main", &opt, &zErr);
  if( rc!=SQLITE_OK ){
    *pzErr = xasprintf("cannot mirror '%s': %s", p->zPath,
                       zErr ? zErr : sqlite3_errstr(rc));
  }
  sqlite3_free(zErr);
  return rc!=SQLITE_OK;
}

/* Error text for a failed statement: "<message> (in: <statement>)", the
** statement trimmed to one line of at most 200 bytes. */
static char *stmtError(sqlite3 *db, const char *zStmt, int nStmt){
  char *zShort;
  char *zMsg;
  int i, j = 0;
  if( nStmt<0 ) nStmt = (int)strlen(zStmt);
  while( nStmt>0 && (zStmt[nStmt-1]==' ' || zStmt[nStmt-1]=='\n'
                     || zStmt[nStmt-1]==';') ) nStmt--;
  zShort = xmalloc((size_t)nStmt + 4);
  for(i=0; i<nStmt && j<200; i++){
    char c = zStmt[i];
    if( c=='\n' || c=='\t' || c=='\r' ) c = ' ';
    if( c==' ' && j>0 && zShort[j-1]==' ' ) continue;
    zShort[j++] = c;
  }
  zShort[j] = 0;
  if( i<nStmt ){ memcpy(zShort+j, "...", 4); }
  zMsg = xasprintf("%s (in: %s)", sqlite3_errmsg(db), zShort);
  free(zShort);
  return zMsg;
}

/* Is zSql a PRAGMA foreign_key_check statement? */
static int isFkCheck(const char *zSql){
  while( *zSql==' ' || *zSql=='\n' || *zSql=='\t' ) zSql++;
  return sqlite3_strnicmp(zSql, "PRAGMA", 6)==0
      && sqlite3_strlike("%foreign_key_check%", zSql, 0)==0;
}

/* Run every statement of zSql; on error *pzErr names the statement. A row
** returned by PRAGMA foreign_key_check is an error too. */
static int sqliteExec(DfConn *p, const char *zSql, char **pzErr){
  const char *zTail = zSql;
  while( zTail && *zTail ){
    sqlite3_stmt *pStmt = 0;
    const char *zStart = zTail;
    int rc = sqlite3_prepare_v2(p->db, zStart, -1, &pStmt, &zTail);
    if( rc!=SQLITE_OK ){
      *pzErr = stmtError(p->db, zStart, zTail && zTail>zStart ? (int)(zTail-zStart) : -1);
      return 1;
    }
    if( pStmt==0 ) continue;              /* whitespace or a comment */
    if( isFkCheck(sqlite3_sql(pStmt)) ){
      /* A row from PRAGMA foreign_key_check fails the step (the plan
      ** writer's contract: sql_sqlite.c rebuilds end with this check). */
      rc = sqlite3_step(pStmt);
      if( rc==SQLITE_ROW ){
        *pzErr = xasprintf("foreign key check failed: table \"%s\" rowid %s"
            " references a missing row of \"%s\" (in: %s)",
            (const char*)sqlite3_column_text(pStmt, 0),
            sqlite3_column_type(pStmt, 1)==SQLITE_NULL ? "NULL"
              : (const char*)sqlite3_column_text(pStmt, 1),
            (const char*)sqlite3_column_text(pStmt, 2), sqlite3_sql(pStmt));
        sqlite3_finalize(pStmt);
        return 1;
      }
    }else{
      while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){}
    }
    if( rc!=SQLITE_DONE ){
      *pzErr = stmtError(p->db, sqlite3_sql(pStmt), -1);
      sqlite3_finalize(pStmt);
      return 1;
    }
    sqlite3_finalize(pStmt);
  }
  return 0;
}

static int sqliteQuery(DfConn *p, const char *zSql,
                       int (*xRow)(void*, int, char**), void *pArg,
                       char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0);
  int nCol, i;
  char **azVal;
  if( rc!=SQLITE_OK ){
    *pzErr = stmtError(p->db, zSql, -1);
    return 1;
  }
  if( pStmt==0 ) return 0;
  nCol = sqlite3_column_count(pStmt);
  azVal = xcalloc((size_t)nCol + 1, sizeof(char*));
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    for(i=0; i<nCol; i++) azVal[i] = (char*)sqlite3_column_text(pStmt, i);
    if( xRow && xRow(pArg, nCol, azVal) ){ rc = SQLITE_DONE; break; }
  }
  free(azVal);
  if( rc!=SQLITE_DONE ){
    *pzErr = stmtError(p->db, zSql, -1);
    sqlite3_finalize(pStmt);
    return 1;
  }
  sqlite3_finalize(pStmt);
  return 0;
}

static int firstValue(void *pArg, int nCol, char **azVal){
  char **pzOut = (char**)pArg;
  if( nCol>0 ) *pzOut = xstrdup(azVal[0]);
  return 1;
}

static int sqliteQueryValue(DfConn *p, const char *zSql, char **pzOut,
                            char **pzErr){
  *pzOut = 0;
  return sqliteQuery(p, zSql, firstValue, pzOut, pzErr);
}

/* Foreign key violations in the whole database, or -1 when the schema
** declares no foreign key at all (then the check is skipped: it is cheap
** to ask, and a full scan of a large database is not). */
static long long fkViolations(DfConn *p, char **pzErr){
  char *zVal = 0;
  long long n;
  if( sqliteQueryValue(p,
        "SELECT EXISTS(SELECT 1 FROM sqlite_schema m,"
        " pragma_foreign_key_list(m.name) WHERE m.type='table')",
        &zVal, pzErr) ) return -2;
  n = zVal ? atoll(zVal) : 0;
  free(zVal); zVal = 0;
  if( n==0 ) return -1;
  if( sqliteQueryValue(p, "SELECT count(*) FROM pragma_foreign_key_check",
                       &zVal, pzErr) ) return -2;
  n = zVal ? atoll(zVal) : 0;
  free(zVal);
  return n;
}

static int sqliteBegin(DfConn *p, char **pzErr){
  char *zVal = 0;
  if( p->bInTxn ){
    *pzErr = xstrdup("a transaction is already open");
    return 1;
  }
  if( sqliteQueryValue(p, "PRAGMA foreign_keys", &zVal, pzErr) ) return 1;
  p->iFkWas = zVal ? atoi(zVal) : 0;
  free(zVal);
  if( sqliteExec(p, "PRAGMA foreign_keys=OFF", pzErr) ) return 1;
  if( sqliteExec(p, "BEGIN IMMEDIATE", pzErr) ){
    if( p->iFkWas ) sqlite3_exec(p->db, "PRAGMA foreign_keys=ON", 0, 0, 0);
    return 1;
  }
  p->bInTxn = 1;
  p->nFkBefore = -1;
  return 0;
}

/* Restore PRAGMA foreign_keys after the transaction ended. */
static void restoreFk(DfConn *p){
  p->bInTxn = 0;
  if( p->iFkWas ) sqlite3_exec(p->db, "PRAGMA foreign_keys=ON", 0, 0, 0);
}

static int sqliteCommit(DfConn *p, char **pzErr){
  if( sqliteExec(p, "COMMIT", pzErr) ) return 1;   /* still open: roll back */
  restoreFk(p);
  return 0;
}

static int sqliteRollback(DfConn *p, char **pzErr){
  int rc = 0;
  if( sqlite3_get_autocommit(p->db)==0 ){
    rc = sqliteExec(p, "ROLLBACK", pzErr);
  }
  restoreFk(p);
  return rc;
}

/*
** Collected violations for a readable message: the first few rows of
** pragma_foreign_key_check, joined to the constraint's parent table.
*/
typedef struct FkReport FkReport;
struct FkReport {
  int n;                  /* rows seen */
  char *zText;            /* "orders" rowid 5 -> "customers"; ... */
};

static int fkRow(void *pArg, int nCol, char **azVal){
  FkReport *r = (FkReport*)pArg;
  char *zNew;
  (void)nCol;
  if( r->n++ >= 3 ) return 0;
  zNew = xasprintf("%s%stable \"%s\" rowid %s references a missing row of \"%s\"",
                   r->zText ? r->zText : "", r->zText ? "; " : "",
                   azVal[0] ? azVal[0] : "?", azVal[1] ? azVal[1] : "NULL",
                   azVal[2] ? azVal[2] : "?");
  free(r->zText);
  r->zText = zNew;
  return 0;
}

/* Before COMMIT: no new foreign key violations (more than nFkBefore, the
** count xBegin measured; -1 when the schema had no foreign key then). */
static int sqliteVerify(DfConn *p, char **pzErr){
  long long nNow;
  FkReport r;
  if( !p->bInTxn ) return 0;
  nNow = fkViolations(p, pzErr);
  if( nNow==-2 ) return 1;
  if( nNow<=0 || nNow<=p->nFkBefore ) return 0;
  memset(&r, 0, sizeof(r));
  if( sqliteQuery(p, "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check",
                  fkRow, &r, pzErr) ) return 1;
  *pzErr = xasprintf("foreign key check failed: %lld row%s violate%s a foreign"
                     " key (%s%s)", nNow - (p->nFkBefore>0 ? p->nFkBefore : 0),
                     nNow==1 ? "" : "s", nNow==1 ? "s" : "",
                     r.zText ? r.zText : "", r.n>3 ? "; ..." : "");
  free(r.zText);
  return 1;
}

/* xBegin: BEGIN IMMEDIATE plus the foreign key baseline for xVerify. The
** scan is skipped when no table declares a foreign key. */
static int sqliteBeginMeasured(DfConn *p, char **pzErr){
  if( sqliteBegin(p, pzErr) ) return 1;
  p->nFkBefore = fkViolations(p, pzErr);
  if( p->nFkBefore==-2 ){
    char *zIgnore = 0;
    sqliteRollback(p, &zIgnore);
    free(zIgnore);
    return 1;
  }
  return 0;
}

static char *sqliteQuoteIdent(DfConn *p, const char *zName){
  (void)p;
  return takeSqlite(sqlite3_mprintf("\"%w\"", zName));
}

static char *sqliteQuoteLiteral(DfConn *p, const char *zValue){
  (void)p;
  return takeSqlite(sqlite3_mprintf("%Q", zValue));
}

const DfEngine dfEngineSqlite = {
  "sqlite",               /* zName */
  "sqlite",               /* zDialect */
  1,                      /* bTransactionalDdl */
  sqliteConnect,          /* xConnect */
  sqliteDisconnect,       /* xDisconnect */
  sqliteMirror,           /* xMirror */
  sqliteExec,             /* xExec */
  sqliteQueryValue,       /* xQueryValue */
  sqliteBeginMeasured,    /* xBegin: BEGIN IMMEDIATE, foreign_keys=OFF */
  sqliteCommit,           /* xCommit: restores foreign_keys */
  sqliteRollback,         /* xRollback: restores foreign_keys */
  sqliteQuoteIdent,       /* xQuoteIdent: "%w" */
  sqliteQuoteLiteral,     /* xQuoteLiteral: %Q */
  sqliteQuery,            /* xQuery */
  sqliteVerify,           /* xVerify: foreign_key_check against the baseline */
  0,                      /* xPlanCheck: nothing that needs the data */
};
