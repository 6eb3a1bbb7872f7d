/*
** executor.c — `dataflow apply`: run a reviewed plan on a live database,
** engine-neutral over DfEngine (engine.h).
**
** Usage (cmd_apply.c):
**
**   DfTarget t;  DfPlanFile *pPlan;  DfExecOptions opt = {...};
**   dfTargetOpen("sqlite:app.db", &t, &zErr);
**   dfPlanFileOpen("change.plan", 0, &pPlan, &zErr);
**   rc = dfExecApply(pPlan, &t, &opt, &zErr);     // DF_EXIT_*
**
** HOW IT WORKS (DESIGN.md "Plans, approval, apply, rollback", doc/apply.md)
**
**  0. Mode 'existing' never writes: it prints the schema_compat report of
**     the plan's target against the live database and stops. A plan with
**     nothing to run stops here too, having written nothing.
**  1. Gates that need no database: production mode needs an approval bound
**     to the plan checksum and a quarantine (soft drop) in every destructive
**     step; manual mode and the production environment need --yes, a "y"
**     on the terminal, or an approval. Asked before the lock is taken, so
**     nobody holds the lock while a person thinks.
**  2. The lease (lock.c), waiting up to --lock-timeout.
**  3. The live schema is mirrored into memory and compared object by object
**     with the plan's base snapshot (drift.c). Drift on an object a step
**     touches, or on what such an object depends on, is a conflict naming
**     who changed it (from the history); other drift is reported. Journal
**     rows left 'pending' by an interrupted apply are closed as 'failed'.
**     The engine may check the plan against the live data (xPlanCheck:
**     MongoDB counts the documents a new validator would reject; auto
**     mode refuses then).
**  4. The journal: a 'pending' history row with the operations and the
**     rollback plan, committed before the migration's transaction starts.
**  5. One transaction (xBegin: on SQLite BEGIN IMMEDIATE with
**     foreign_keys=OFF): the live checksum is confirmed unchanged, the steps
**     run in order (refused ones skipped), a destructive step's quarantine
**     is counted against the rows it came from, xVerify (foreign key check)
**     runs, the schema is mirrored again for the checksum after, and the
**     history row becomes 'applied' — all inside the transaction, so that a
**     crash anywhere leaves the before state with a 'pending' row, or the
**     after state with an 'applied' one. On failure: rollback, then the row
**     becomes 'failed' (with the step and the error) in a transaction of
**     its own. Dry runs roll back instead of committing and record nothing.
**
** Fault injection for the tests: DATAFLOW_FAULT=kill-after-step:N sends
** the process SIGKILL right after step N ran (before COMMIT), and
** DATAFLOW_FAULT=fail-step:N makes step N fail.
*/
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "sqlite3.h"
#include "catalog.h"
#include "dfjson.h"
#include "drift.h"
#include "engine.h"
#include "executor.h"
#include "history.h"
#include "journal.h"
#include "lock.h"
#include "planfile.h"
#include "util.h"

#define QUARANTINE_PREFIX "dataflow_quarantine_"

/* ---------------------------------------------------------------------------
** Small helpers
*/

void dfNowUtcMs(char z[32]){
  struct timeval tv;
  struct tm tm;
  time_t t;
  char zSec[24];
  gettimeofday(&tv, 0);
  t = tv.tv_sec;
  gmtime_r(&t, &tm);
  strftime(zSec, sizeof(zSec), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(z, 32, "%s.%03dZ", zSec, (int)(tv.tv_usec / 1000));
}

static double monoSeconds(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int dfConfirm(const char *zQuestion){
  char zLine[64];
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
  FILE *tty;
  int bYes = 0;
  if( fd<0 ) return 0;
  tty = fdopen(fd, "r+");
  if( tty==0 ){ close(fd); return 0; }
  fprintf(tty, "%s [y/N] ", zQuestion);
  fflush(tty);
  if( fgets(zLine, sizeof(zLine), tty) ){
    char *z = zLine;
    while( *z==' ' ) z++;
    bYes = strncasecmp(z, "y\n", 2)==0 || strncasecmp(z, "yes\n", 4)==0
        || strcasecmp(z, "y")==0 || strcasecmp(z, "yes")==0;
  }
  fclose(tty);
  return bYes;
}

/* DATAFLOW_FAULT: which step to fail or to die after (0: none). */
static int faultStep(const char *zKind){
  const char *z = getenv("DATAFLOW_FAULT");
  size_t n = strlen(zKind);
  if( z==0 || strncmp(z, zKind, n)!=0 || z[n]!=':' ) return 0;
  return atoi(z + n + 1);
}

/* Append a printf-formatted message to the malloc'd string *pz. */
static void appendf(char **pz, const char *zFmt, ...)
  __attribute__((format(printf, 2, 3)));
static void appendf(char **pz, const char *zFmt, ...){
  va_list ap;
  char *zAdd, *zNew;
  va_start(ap, zFmt);
  zAdd = dfFromSqlite(sqlite3_vmprintf(zFmt, ap));
  va_end(ap);
  zNew = xasprintf("%s%s", *pz ? *pz : "", zAdd ? zAdd : "");
  free(*pz);
  free(zAdd);
  *pz = zNew;
}

/* ---------------------------------------------------------------------------
** Targets
*/

int dfTargetOpen(const char *zUrl, DfTarget *p, char **pzErr){
  int rc;
  memset(p, 0, sizeof(*p));
  rc = dfEngineFind(zUrl, &p->pEng, pzErr);
  if( rc ) return rc;
  p->zUrl = xstrdup(zUrl);
  p->zSafeUrl = dfUrlRedact(zUrl);
  if( p->pEng->xConnect(zUrl, &p->pConn, pzErr) ){
    dfTargetClose(p);
    return DF_EXIT_CONNECT;
  }
  return DF_EXIT_OK;
}

void dfTargetClose(DfTarget *p){
  if( p->pConn ) p->pEng->xDisconnect(p->pConn);
  free(p->zUrl);
  free(p->zSafeUrl);
  memset(p, 0, sizeof(*p));
}

int dfTargetMirror(DfTarget *p, sqlite3 **ppSnap, DfCatalog **ppCat,
                   char **pzErr){
  DfMirrorRequest req;
  sqlite3 *db;
  char *zErr = 0;
  int rc;
  if( ppSnap ) *ppSnap = 0;
  *ppCat = 0;
  db = dfOpenCore(":memory:", 0, pzErr);
  if( db==0 ) return DF_EXIT_INTERNAL;
  rc = dfCatalogCreateSchema(db, "main", &zErr);
  if( rc ){
    *pzErr = xasprintf("cannot create an in-memory snapshot: %s", zErr ? zErr : "?");
    sqlite3_free(zErr);
    sqlite3_close(db);
    return DF_EXIT_INTERNAL;
  }
  memset(&req, 0, sizeof(req));
  req.zUrl = p->zUrl;
  req.zSafeUrl = p->zSafeUrl;
  if( p->pEng->xMirror(p->pConn, &req, db, pzErr) ){
    sqlite3_close(db);
    return DF_EXIT_CONNECT;
  }
  rc = dfCatalogLoad(db, "main", ppCat, &zErr);
  if( rc ){
    *pzErr = xasprintf("cannot read the mirror of %s: %s", p->zSafeUrl,
                       zErr ? zErr : "?");
    sqlite3_free(zErr);
    sqlite3_close(db);
    return DF_EXIT_INTERNAL;
  }
  if( ppSnap ) *ppSnap = db; else sqlite3_close(db);
  return DF_EXIT_OK;
}

/* ---------------------------------------------------------------------------
** Quarantine: the data a destructive step keeps
*/

/* Quarantine names in zSql: every identifier starting with the prefix,
** bare or double-quoted. Appended to *pSet. */
static void scanQuarantine(const char *zSql, DfKeySet *pSet){
  size_t nPre = strlen(QUARANTINE_PREFIX);
  const char *z = zSql;
  while( z && *z ){
    const char *zHit = strcasestr(z, QUARANTINE_PREFIX);
    char *zName;
    if( zHit==0 ) break;
    if( zHit>zSql && (zHit[-1]=='"' || zHit[-1]=='`') ){
      /* Quoted ("" or `` MySQL): read to the closing quote, doubled
      ** being one quote. */
      const char *e = zHit;
      char cQ = zHit[-1];
      size_t n = 0;
      zName = xmalloc(strlen(zHit) + 1);
      while( *e ){
        if( e[0]==cQ ){
          if( e[1]==cQ ){ zName[n++] = cQ; e += 2; continue; }
          break;
        }
        zName[n++] = *e++;
      }
      zName[n] = 0;
      z = e;
    }else{
      const char *e = zHit + nPre;
      while( *e=='_' || (*e>='0' && *e<='9') || (*e>='a' && *e<='z')
          || (*e>='A' && *e<='Z') ) e++;
      zName = xasprintf("%.*s", (int)(e - zHit), zHit);
      z = e;
    }
    dfKeySetAdd(pSet, zName);
    free(zName);
  }
}

/* count(*) of table zTable: -1 when it cannot be counted (absent). */
static long long countRows(DfTarget *t, const char *zTable){
  char *zQ = t->pEng->xQuoteIdent(t->pConn, zTable);
  char *zSql = xasprintf("SELECT count(*) FROM %s", zQ);
  char *zVal = 0, *zErr = 0;
  long long n = -1;
  if( t->pEng->xQueryValue(t->pConn, zSql, &zVal, &zErr)==0 && zVal ){
    n = atoll(zVal);
  }
  free(zQ); free(zSql); free(zVal); free(zErr);
  return n;
}

/* The table part of a step object: "t" of "t.c". OUT: caller frees. */
static char *tableOfObject(const char *zObject){
  const char *zDot = zObject ? strchr(zObject, '.') : 0;
  if( zObject==0 ) return xstrdup("");
  if( zDot ) return xasprintf("%.*s", (int)(zDot - zObject), zObject);
  return xstrdup(zObject);
}

/* ---------------------------------------------------------------------------
** JSON for the history row
*/

static void jsonKV(sqlite3_str *s, const char *zKey, const char *zVal, int bComma){
  if( bComma ) sqlite3_str_appendchar(s, 1, ',');
  dfJsonAppendString(s, zKey);
  sqlite3_str_appendchar(s, 1, ':');
  if( zVal ) dfJsonAppendString(s, zVal); else sqlite3_str_appendall(s, "null");
}

/* The operations: one object per step, with its resolved object keys. */
static char *operationsJson(DfPlanFile *pPlan, DfCatalog **apCat, int nCat){
  sqlite3_str *s = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendchar(s, 1, '[');
  for(i=0; i<pPlan->nStep; i++){
    DfPlanStep *st = &pPlan->aStep[i];
    DfKeySet keys = {0, 0};
    char *zKeys;
    dfTouchedKeys(apCat, nCat, st->zObject, st->zTouches, &keys);
    zKeys = dfKeySetToJson(&keys);
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    sqlite3_str_appendf(s, "{\"step\":%d", st->iStep);
    jsonKV(s, "phase", st->zPhase, 1);
    jsonKV(s, "operation", st->zOperation, 1);
    jsonKV(s, "object", st->zObject, 1);
    sqlite3_str_appendf(s, ",\"destructive\":%s,\"refused\":%s,\"keys\":%s",
                        st->bDestructive ? "true" : "false",
                        st->bRefused ? "true" : "false", zKeys);
    jsonKV(s, "sql", st->zSql, 1);
    sqlite3_str_appendchar(s, 1, '}');
    free(zKeys);
    dfKeySetClear(&keys);
  }
  sqlite3_str_appendchar(s, 1, ']');
  return dfFromSqlite(sqlite3_str_finish(s));
}

/* The rollback plan: the undo SQL of the steps that run, last step first. */
static char *rollbackJson(DfPlanFile *pPlan){
  sqlite3_str *s = sqlite3_str_new(0);
  int i, bFirst = 1;
  sqlite3_str_appendchar(s, 1, '[');
  for(i=pPlan->nStep-1; i>=0; i--){
    DfPlanStep *st = &pPlan->aStep[i];
    if( st->bRefused ) continue;
    if( !bFirst ) sqlite3_str_appendchar(s, 1, ',');
    bFirst = 0;
    sqlite3_str_appendf(s, "{\"step\":%d", st->iStep);
    jsonKV(s, "operation", st->zOperation, 1);
    jsonKV(s, "object", st->zObject, 1);
    jsonKV(s, "sql", st->zRollback, 1);
    /* its undo runs outside a transaction too (DROP INDEX CONCURRENTLY) */
    if( !st->bTransactional ) sqlite3_str_appendall(s, ",\"transactional\":false");
    sqlite3_str_appendchar(s, 1, '}');
  }
  sqlite3_str_appendchar(s, 1, ']');
  return dfFromSqlite(sqlite3_str_finish(s));
}

/* ---------------------------------------------------------------------------
** Mode 'existing'
*/

int dfExecCompatReport(sqlite3 *db, const char *zModelSchema, DfTarget *pTarget,
                       char **pzErr){
  sqlite3 *pSnap = 0;
  DfCatalog *pLive = 0;
  unsigned char *aData;
  sqlite3_int64 nData = 0;
  char *zSql, *zVal = 0;
  int rc;

  rc = dfTargetMirror(pTarget, &pSnap, &pLive, pzErr);
  if( rc ) return rc;
  dfCatalogFree(pLive);
  aData = sqlite3_serialize(pSnap, "main", &nData, 0);
  sqlite3_close(pSnap);
  if( aData==0 ){
    *pzErr = xstrdup("cannot serialise the mirror of the target");
    return DF_EXIT_INTERNAL;
  }
  sqlite3_exec(db, "DETACH dfx_live", 0, 0, 0);
  if( sqlite3_exec(db, "ATTACH ':memory:' AS dfx_live", 0, 0, 0)!=SQLITE_OK
   || sqlite3_deserialize(db, "dfx_live", aData, nData, nData,
        SQLITE_DESERIALIZE_FREEONCLOSE|SQLITE_DESERIALIZE_RESIZEABLE)!=SQLITE_OK ){
    *pzErr = xasprintf("cannot attach the mirror of the target: %s",
                       sqlite3_errmsg(db));
    return DF_EXIT_INTERNAL;
  }
  printf("mode existing: nothing is written to %s; the model is checked"
         " against it (schema_compat)\n", pTarget->zSafeUrl);
  fflush(stdout);
  zSql = sqlite3_mprintf("SELECT * FROM schema_compat(%Q, 'dfx_live')",
                         zModelSchema);
  rc = dfPrintQuery(db, zSql, 1, stdout, pzErr);
  sqlite3_free(zSql);
  if( rc ){
    sqlite3_exec(db, "DETACH dfx_live", 0, 0, 0);
    return DF_EXIT_INTERNAL;
  }
  zSql = sqlite3_mprintf("SELECT count(*) FROM schema_compat(%Q, 'dfx_live')"
                         " WHERE status='incompatible'", zModelSchema);
  {
    sqlite3_stmt *pStmt = 0;
    if( sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0)==SQLITE_OK
     && sqlite3_step(pStmt)==SQLITE_ROW ){
      zVal = xstrdup((const char*)sqlite3_column_text(pStmt, 0));
    }
    sqlite3_finalize(pStmt);
  }
  sqlite3_free(zSql);
  sqlite3_exec(db, "DETACH dfx_live", 0, 0, 0);
  if( zVal && atoi(zVal)>0 ){
    *pzErr = xasprintf("the model is incompatible with %s: %s incompatible"
                       " item%s (see above); nothing was changed",
                       pTarget->zSafeUrl, zVal, atoi(zVal)==1 ? "" : "s");
    free(zVal);
    return DF_EXIT_CHANGES;
  }
  printf("the model is compatible with %s; nothing was changed\n",
         pTarget->zSafeUrl);
  free(zVal);
  return DF_EXIT_OK;
}

/* ---------------------------------------------------------------------------
** Apply
*/

/* Everything one apply holds, freed by applyClear(). */
typedef struct Apply Apply;
struct Apply {
  DfPlanFile *pPlan;      /* the plan (borrowed) */
  DfTarget *t;            /* the target (borrowed) */
  const DfExecOptions *pOpt;  /* options (borrowed) */
  const char *zMode;      /* plan mode */
  const char *zEnv;       /* environment */
  int bDry;               /* dry run: roll back, record nothing */
  DfLease lease;          /* our lock */
  DfCatalog *pBase;       /* the plan's base snapshot */
  DfCatalog *pTarget;     /* the plan's target snapshot */
  DfCatalog *pLive;       /* the live schema before */
  DfHistRow *aHist;       /* history, newest first */
  int nHist;
  char *zVersion;         /* our history row */
  char *zDeveloper;       /* developer_id */
  char *zKept;            /* kept_data JSON under construction */
  int nKept;              /* entries in zKept */
  int nDrift;             /* non-blocking drift reported */
};

static void applyClear(Apply *a){
  dfLeaseClear(&a->lease);
  dfCatalogFree(a->pBase);
  dfCatalogFree(a->pTarget);
  dfCatalogFree(a->pLive);
  dfHistoryFree(a->aHist, a->nHist);
  free(a->zVersion);
  free(a->zDeveloper);
  free(a->zKept);
}

/* Load the plan's stored snapshots as catalogs. */
static int loadPlanCatalogs(Apply *a, char **pzErr){
  char *zErr = 0;
  int rc;
  rc = dfPlanFileAttachSnapshot(a->pPlan, "base", a->pPlan->db, "dfx_base", pzErr);
  if( rc ) return rc;
  rc = dfPlanFileAttachSnapshot(a->pPlan, "target", a->pPlan->db, "dfx_target", pzErr);
  if( rc ) return rc;
  if( dfCatalogLoad(a->pPlan->db, "dfx_base", &a->pBase, &zErr)
   || dfCatalogLoad(a->pPlan->db, "dfx_target", &a->pTarget, &zErr) ){
    *pzErr = xasprintf("plan file '%s': cannot read its snapshots: %s",
                       a->pPlan->zPath, zErr ? zErr : "?");
    sqlite3_free(zErr);
    return DF_EXIT_INPUT;
  }
  return DF_EXIT_OK;
}

/* The gates that need no database (see HOW IT WORKS, 1). */
static int checkGates(Apply *a, int nRun, char **pzErr){
  DfPlanFile *p = a->pPlan;
  int bProdMode = strcmp(a->zMode, "production")==0;
  int bManual = strcmp(a->zMode, "manual")==0;
  int bProdEnv = strcmp(a->zEnv, "production")==0;
  int i;
  if( bProdMode ){
    if( p->nApproval==0 ){
      *pzErr = xasprintf("production mode needs an approval bound to this plan"
          " (checksum %.12s)%s: run dataflow approve %s --as NAME",
          p->zChecksum, p->nStaleApproval ?
          "; its existing approvals were given to another version of the plan"
          : "", p->zPath);
      return DF_EXIT_REFUSED;
    }
    for(i=0; i<p->nStep; i++){
      DfPlanStep *st = &p->aStep[i];
      DfKeySet q = {0, 0};
      if( st->bRefused || !st->bDestructive ) continue;
      scanQuarantine(st->zSql, &q);
      if( q.n==0 ){
        *pzErr = xasprintf("production mode: step %d (%s %s) destroys data"
            " that no quarantine keeps, so no backup can be verified; plan it"
            " with soft drops (the default) or apply it in manual mode",
            st->iStep, st->zOperation, st->zObject);
        dfKeySetClear(&q);
        return DF_EXIT_REFUSED;
      }
      dfKeySetClear(&q);
    }
  }
  if( a->bDry || p->nApproval>0 || a->pOpt->bYes ) return DF_EXIT_OK;
  if( bManual || bProdEnv ){
    char *zQ = xasprintf("Apply %d step%s of '%s' to %s?", nRun,
                         nRun==1 ? "" : "s", p->zPath, a->t->zSafeUrl);
    int bOk = dfConfirm(zQ);
    free(zQ);
    if( !bOk ){
      *pzErr = xasprintf("%s needs a confirmation: answer y on the terminal,"
          " rerun with --yes, or approve the plan (dataflow approve %s --as"
          " NAME); nothing was changed",
          bManual ? "manual mode" : "the production environment", p->zPath);
      return DF_EXIT_REFUSED;
    }
  }
  return DF_EXIT_OK;
}

/* Drift between the plan's base and the live schema (HOW IT WORKS, 3). */
static int checkDrift(Apply *a, char **pzErr){
  DfCatalog *apCat[3];
  DfFpMap base, live;
  DfDriftList d;
  DfKeySet touched = {0, 0}, watch = {0, 0};
  char *zConflict = 0;
  int i, nConflict = 0;

  apCat[0] = a->pBase; apCat[1] = a->pTarget; apCat[2] = a->pLive;
  for(i=0; i<a->pPlan->nStep; i++){
    DfPlanStep *st = &a->pPlan->aStep[i];
    if( st->bRefused ) continue;
    dfTouchedKeys(apCat, 3, st->zObject, st->zTouches, &touched);
  }
  for(i=0; i<touched.n; i++) dfKeySetAdd(&watch, touched.az[i]);
  dfDependencyKeys(apCat, 3, &touched, &watch);

  dfFpMapFromCatalog(a->pBase, &base);
  dfFpMapFromCatalog(a->pLive, &live);
  dfDriftCompute(&base, &live, &d);
  for(i=0; i<d.n; i++){
    const char *zKey = d.a[i].zKey;
    char *zWhat = dfKeyDescribe(zKey);
    char *zWho = dfDriftWho(zKey, dfFpMapGet(&live, zKey), a->aHist, a->nHist);
    if( dfKeySetHas(&watch, zKey) ){
      appendf(&zConflict, "%s%s %s since the plan was made: %s; the plan %s it",
              nConflict ? "\n  " : "", zWhat, d.a[i].zWhat, zWho,
              dfKeySetHas(&touched, zKey) ? "touches" : "depends on");
      nConflict++;
    }else{
      printf("drift (not blocking): %s %s since the plan was made: %s\n",
             zWhat, d.a[i].zWhat, zWho);
      a->nDrift++;
    }
    free(zWhat);
    free(zWho);
  }
  dfDriftClear(&d);
  dfFpMapClear(&base);
  dfFpMapClear(&live);
  dfKeySetClear(&touched);
  dfKeySetClear(&watch);
  if( nConflict ){
    *pzErr = xasprintf("conflict: %s\nnothing was changed; make a new plan"
        " from the current database (dataflow plan --target %s ...)",
        zConflict, a->t->zSafeUrl);
    free(zConflict);
    return DF_EXIT_CONFLICT;
  }
  return DF_EXIT_OK;
}

/* The engine's checks of the plan against the live data (xPlanCheck:
** MongoDB counts the documents a new validator would reject), before
** anything is written. */
static int checkPlanData(Apply *a, char **pzErr){
  const DfEngine *e = a->t->pEng;
  sqlite3_str *s;
  char *zSql, *zMsg = 0;
  int i, rc;
  if( e->xPlanCheck==0 ) return DF_EXIT_OK;
  s = sqlite3_str_new(0);
  for(i=0; i<a->pPlan->nStep; i++){
    DfPlanStep *st = &a->pPlan->aStep[i];
    if( !st->bRefused && st->zSql ) sqlite3_str_appendall(s, st->zSql);
  }
  zSql = dfFromSqlite(sqlite3_str_finish(s));
  rc = e->xPlanCheck(a->t->pConn, zSql ? zSql : "", strcmp(a->zMode, "auto")==0, &zMsg);
  free(zSql);
  if( rc ){
    *pzErr = xasprintf("%s; nothing was changed", zMsg ? zMsg : "refused by the"
                       " engine's check of the data");
    free(zMsg);
    return DF_EXIT_REFUSED;
  }
  if( zMsg ){
    dfWarn("%s", zMsg);
    free(zMsg);
  }
  return DF_EXIT_OK;
}

/* Close journal rows left 'pending' by an interrupted apply: we hold the
** lock, so no apply of theirs can still be running. */
static int recoverPending(Apply *a, char **pzErr){
  int i;
  for(i=0; i<a->nHist; i++){
    DfHistRow *r = &a->aHist[i];
    DfHistRow set;
    const char *zBefore = r->az[DF_HIST_CHECKSUM_BEFORE];
    int bBefore = zBefore && a->pLive->zChecksum
                  && strcmp(zBefore, a->pLive->zChecksum)==0;
    char zNow[32];
    int rc;
    if( r->az[DF_HIST_STATUS]==0 || strcmp(r->az[DF_HIST_STATUS], "pending") ) continue;
    memset(&set, 0, sizeof(set));
    dfNowUtcMs(zNow);
    dfHistSet(&set, DF_HIST_STATUS, "failed");
    dfHistSet(&set, DF_HIST_FINISHED_AT, zNow);
    set.az[DF_HIST_ERROR] = xasprintf("interrupted: the apply started at %s by"
        " %s (host %s, pid %s) ended before it committed; %s",
        r->az[DF_HIST_CREATED_AT] ? r->az[DF_HIST_CREATED_AT] : "?",
        r->az[DF_HIST_DEVELOPER] ? r->az[DF_HIST_DEVELOPER] : "?",
        r->az[DF_HIST_HOST] ? r->az[DF_HIST_HOST] : "?",
        r->az[DF_HIST_PID] ? r->az[DF_HIST_PID] : "?",
        bBefore ? "the database was left at the before state (checksum matches)"
                : "the live schema checksum differs from the one recorded"
                  " before it");
    rc = dfHistoryUpdate(a->t->pEng, a->t->pConn, r->az[DF_HIST_VERSION], &set, pzErr);
    if( rc ){ dfHistClear(&set); return rc; }
    printf("recovered the interrupted apply of version %s by %s: %s\n",
           r->az[DF_HIST_VERSION], r->az[DF_HIST_DEVELOPER] ? r->az[DF_HIST_DEVELOPER] : "?",
           bBefore ? "the database is at the before state" :
           "warning: the live schema differs from its recorded before state");
    dfHistSet(r, DF_HIST_STATUS, "failed");
    dfHistClear(&set);
  }
  return DF_EXIT_OK;
}

/* A version nobody used yet: UTC time, then the plan checksum's start. */
static char *newVersion(Apply *a){
  char zTs[24];
  time_t t = time(0);
  struct tm tm;
  char *zV;
  int n = 1, i, bUsed;
  gmtime_r(&t, &tm);
  strftime(zTs, sizeof(zTs), "%Y%m%d%H%M%S", &tm);
  zV = xasprintf("%s-%.8s", zTs, a->pPlan->zChecksum);
  do{
    bUsed = 0;
    for(i=0; i<a->nHist && !bUsed; i++){
      bUsed = a->aHist[i].az[DF_HIST_VERSION]
           && strcmp(a->aHist[i].az[DF_HIST_VERSION], zV)==0;
    }
    if( bUsed ){
      free(zV);
      zV = xasprintf("%s-%.8s-%d", zTs, a->pPlan->zChecksum, ++n);
    }
  }while( bUsed );
  return zV;
}

/* The name of the migration: --name, else the plan file's base name. */
static char *migrationName(Apply *a){
  const char *z, *zSlash, *zDot;
  if( a->pOpt->zName ) return xstrdup(a->pOpt->zName);
  z = a->pPlan->zPath;
  zSlash = strrchr(z, '/');
  if( zSlash ) z = zSlash + 1;
  zDot = strrchr(z, '.');
  if( zDot && zDot>z ) return xasprintf("%.*s", (int)(zDot - z), z);
  return xstrdup(z);
}

/* Write the journal row (HOW IT WORKS, 4), in its own transaction. */
static int writeJournal(Apply *a, char **pzErr){
  const DfEngine *e = a->t->pEng;
  DfCatalog *apCat[3];
  DfHistRow r;
  char zNow[32], zPid[24];
  char *zErr = 0;
  int rc;
  memset(&r, 0, sizeof(r));
  apCat[0] = a->pBase; apCat[1] = a->pTarget; apCat[2] = a->pLive;
  dfNowUtcMs(zNow);
  snprintf(zPid, sizeof(zPid), "%lld", a->lease.iPid);
  dfHistSet(&r, DF_HIST_VERSION, a->zVersion);
  r.az[DF_HIST_NAME] = migrationName(a);
  dfHistSet(&r, DF_HIST_CHECKSUM, a->pPlan->zChecksum);
  dfHistSet(&r, DF_HIST_STATUS, "pending");
  dfHistSet(&r, DF_HIST_DEVELOPER, a->zDeveloper);
  dfHistSet(&r, DF_HIST_ENVIRONMENT, a->zEnv);
  dfHistSet(&r, DF_HIST_MODE, a->zMode);
  r.az[DF_HIST_OPERATIONS] = operationsJson(a->pPlan, apCat, 3);
  r.az[DF_HIST_ROLLBACK_PLAN] = rollbackJson(a->pPlan);
  dfHistSet(&r, DF_HIST_CREATED_AT, zNow);
  dfHistSet(&r, DF_HIST_CHECKSUM_BEFORE, a->pLive->zChecksum);
  dfHistSet(&r, DF_HIST_PLAN_CHECKSUM, a->pPlan->zChecksum);
  dfHistSet(&r, DF_HIST_BASE_CHECKSUM, a->pPlan->zBaseChecksum);
  dfHistSet(&r, DF_HIST_TARGET_CHECKSUM, a->pPlan->zTargetChecksum);
  dfHistSet(&r, DF_HIST_HOST, a->lease.zHost);
  dfHistSet(&r, DF_HIST_PID, zPid);
  rc = e->xBegin(a->t->pConn, pzErr) ? DF_EXIT_CONNECT : DF_EXIT_OK;
  if( rc==0 ) rc = dfHistoryCreate(e, a->t->pConn, pzErr);
  if( rc==0 ) rc = dfHistoryInsert(e, a->t->pConn, &r, pzErr);
  if( rc==0 && e->xCommit(a->t->pConn, pzErr) ) rc = DF_EXIT_CONNECT;
  if( rc ){
    e->xRollback(a->t->pConn, &zErr);
    free(zErr);
    appendf(pzErr, "%s", "; cannot write the history row, nothing was changed");
  }
  dfHistClear(&r);
  return rc;
}

/* Turn the journal row into 'failed', after the rollback, in a transaction
** of its own. Errors are warnings: the failure itself is what the user
** must hear about. */
static void recordFailure(Apply *a, int iStep, const char *zError, double rSec){
  const DfEngine *e = a->t->pEng;
  DfHistRow set;
  char zNow[32], zBuf[32];
  char *zErr = 0;
  memset(&set, 0, sizeof(set));
  dfNowUtcMs(zNow);
  dfHistSet(&set, DF_HIST_STATUS, "failed");
  dfHistSet(&set, DF_HIST_FINISHED_AT, zNow);
  dfHistSet(&set, DF_HIST_ERROR, zError);
  snprintf(zBuf, sizeof(zBuf), "%.3f", rSec);
  dfHistSet(&set, DF_HIST_SECONDS, zBuf);
  if( iStep>0 ){
    snprintf(zBuf, sizeof(zBuf), "%d", iStep);
    dfHistSet(&set, DF_HIST_STEP_FAILED, zBuf);
  }
  if( e->xBegin(a->t->pConn, &zErr)==0 ){
    if( dfHistoryUpdate(e, a->t->pConn, a->zVersion, &set, &zErr)
     || e->xCommit(a->t->pConn, &zErr) ){
      char *zIgnore = 0;
      e->xRollback(a->t->pConn, &zIgnore);
      free(zIgnore);
    }
  }
  if( zErr ){
    dfWarn("could not record the failure in dataflow_migrations: %s", zErr);
    free(zErr);
  }
  dfHistClear(&set);
}

/*
** Run one step, with its quarantine check. Returns 0, or non-zero with
** *pzErr saying why (without the step number: the caller adds it).
*/
static int runStep(Apply *a, DfPlanStep *st, char **pzErr){
  const DfEngine *e = a->t->pEng;
  DfKeySet q = {0, 0};
  long long *anBefore = 0;
  char *zSrc = 0;
  long long nSrc = -1;
  int i, rc = 0;

  if( st->bDestructive ){
    scanQuarantine(st->zSql, &q);
    anBefore = xcalloc((size_t)q.n + 1, sizeof(long long));
    zSrc = tableOfObject(st->zObject);
    nSrc = countRows(a->t, zSrc);
    for(i=0; i<q.n; i++) anBefore[i] = countRows(a->t, q.az[i]);
  }
  if( faultStep("fail-step")==st->iStep ){
    *pzErr = xasprintf("injected failure (DATAFLOW_FAULT=fail-step:%d)", st->iStep);
    rc = 1;
  }else if( st->zSql && e->xExec(a->t->pConn, st->zSql, pzErr) ){
    rc = 1;
  }
  for(i=0; rc==0 && i<q.n; i++){
    long long nKept;
    int bOk;
    if( anBefore[i]>=0 ) continue;      /* existed before: not this step's */
    nKept = countRows(a->t, q.az[i]);
    if( nKept<0 ) continue;             /* named in the SQL but not a table */
    bOk = nSrc>=0 && nKept==nSrc;
    if( !bOk && strcmp(a->zMode, "production")==0 ){
      *pzErr = xasprintf("the backup of %s is not verified: %s holds %lld"
                         " rows, %s had %lld", st->zObject, q.az[i], nKept,
                         zSrc, nSrc);
      rc = 1;
      break;
    }
    if( !bOk ){
      dfWarn("step %d: quarantine %s holds %lld rows, %s had %lld before the"
             " step", st->iStep, q.az[i], nKept, zSrc, nSrc);
    }else{
      printf("  kept %lld row%s of %s in %s (verified: count before = count"
             " after)\n", nKept, nKept==1 ? "" : "s", st->zObject, q.az[i]);
    }
    {
      sqlite3_str *s = sqlite3_str_new(0);
      char *zEntry;
      sqlite3_str_appendf(s, "{\"step\":%d", st->iStep);
      jsonKV(s, "object", st->zObject, 1);
      jsonKV(s, "quarantine", q.az[i], 1);
      sqlite3_str_appendf(s, ",\"rows_before\":%lld,\"rows_kept\":%lld,"
                          "\"verified\":%s}", nSrc, nKept, bOk ? "true" : "false");
      zEntry = dfFromSqlite(sqlite3_str_finish(s));
      appendf(&a->zKept, "%s%s", a->nKept ? "," : "", zEntry);
      a->nKept++;
      free(zEntry);
    }
  }
  dfKeySetClear(&q);
  free(anBefore);
  free(zSrc);
  return rc;
}

int dfExecApply(DfPlanFile *pPlan, DfTarget *pTarget, const DfExecOptions *pOpt,
                char **pzErr){
  const DfEngine *e = pTarget->pEng;
  Apply a;
  DfJournal jr;             /* step journal when DDL is not transactional */
  DfCatalog *pAfter = 0;
  double rStart = 0;
  int i, rc, nRun = 0, iStepFailed = 0, bTxn = 0, bJournal = 0, bReleased = 0;
  int bUndoFailed = 0;
  int bOutside = 0;         /* first step that must run outside a transaction */
  int bStepTxn = 0;         /* the current step runs in a transaction of its own */
  int bJournalled;          /* steps journalled one by one, undone on failure */
  char *zErr = 0;

  memset(&a, 0, sizeof(a));
  memset(&jr, 0, sizeof(jr));
  a.pPlan = pPlan;
  a.t = pTarget;
  a.pOpt = pOpt;
  a.zMode = pPlan->zMode && pPlan->zMode[0] ? pPlan->zMode : "auto";
  a.zEnv = dfEnvironment(pOpt->zEnv);
  a.bDry = pOpt->bDryRun || strcmp(a.zMode, "dry_run")==0;
  a.zDeveloper = pOpt->zAs ? xstrdup(pOpt->zAs) : dfAuthor();

  if( pPlan->zDialect && strcmp(pPlan->zDialect, e->zDialect)!=0 ){
    *pzErr = xasprintf("plan file '%s' is for %s, but the target %s is %s:"
                       " make the plan with --dialect %s", pPlan->zPath,
                       pPlan->zDialect, pTarget->zSafeUrl, e->zName, e->zDialect);
    applyClear(&a);
    return DF_EXIT_INPUT;
  }

  /* 0. Mode existing: the compatibility report, and nothing written. */
  if( strcmp(a.zMode, "existing")==0 ){
    rc = dfPlanFileAttachSnapshot(pPlan, "target", pPlan->db, "dfx_target", pzErr);
    if( rc==0 ) rc = dfExecCompatReport(pPlan->db, "dfx_target", pTarget, pzErr);
    applyClear(&a);
    return rc;
  }

  for(i=0; i<pPlan->nStep; i++) if( !pPlan->aStep[i].bRefused ) nRun++;
  printf("%s '%s' on %s: %d step%s to run (mode %s, environment %s)\n",
         a.bDry ? "dry run of" : "applying", pPlan->zPath, pTarget->zSafeUrl,
         nRun, nRun==1 ? "" : "s", a.zMode, a.zEnv);
  for(i=0; i<pPlan->nStep; i++){
    DfPlanStep *st = &pPlan->aStep[i];
    if( st->bRefused ){
      /* The planner's reason says the mode itself ("refused in auto mode:
      ** ..."); a plan without one gets the mode alone. */
      if( st->zWhy && st->zWhy[0] ){
        printf("  skipped step %d (%s %s): %s\n", st->iStep, st->zOperation,
               st->zObject, st->zWhy);
      }else{
        printf("  skipped step %d (%s %s): refused in %s mode\n", st->iStep,
               st->zOperation, st->zObject, a.zMode);
      }
    }
  }
  if( nRun==0 ){
    printf("nothing to apply: the plan has no step to run; the database was"
           " not changed\n");
    applyClear(&a);
    return DF_EXIT_OK;
  }
  /* A step that cannot run inside a transaction (PostgreSQL's CREATE INDEX
  ** CONCURRENTLY) turns the whole apply into a journalled one, as on an
  ** engine without transactional DDL: each step commits on its own, the
  ** journal records it, and a failure undoes the completed steps. */
  for(i=0; i<pPlan->nStep; i++){
    DfPlanStep *st = &pPlan->aStep[i];
    if( !st->bRefused && !st->bTransactional && !bOutside ){
      bOutside = st->iStep;
    }
  }
  bJournalled = !e->bTransactionalDdl || bOutside;
  if( bOutside && e->bTransactionalDdl && !a.bDry ){
    printf("step %d runs outside a transaction (online mode): each step commits"
           " on its own and is journalled; a failure undoes the completed"
           " steps\n", bOutside);
  }

  /* A dry run needs a transaction to roll back: without one it can only
  ** show what would run. */
  if( a.bDry && bJournalled ){
    if( !e->bTransactionalDdl ){
      printf("dry run: %s commits each DDL statement at once and cannot roll"
             " it back, so a dry run only plans: these %d step%s were NOT run"
             " and nothing was changed\n", e->zName, nRun, nRun==1 ? "" : "s");
    }else{
      printf("dry run: step %d cannot run inside a transaction, so a dry run"
             " only plans: these %d step%s were NOT run and nothing was"
             " changed\n", bOutside, nRun, nRun==1 ? "" : "s");
    }
    for(i=0; i<pPlan->nStep; i++){
      DfPlanStep *st = &pPlan->aStep[i];
      if( !st->bRefused ){
        printf("  step %d: %s %s\n%s", st->iStep, st->zOperation, st->zObject,
               st->zSql ? st->zSql : "");
      }
    }
    applyClear(&a);
    return DF_EXIT_OK;
  }

  /* 1. Gates. */
  rc = checkGates(&a, nRun, pzErr);
  if( rc ){ applyClear(&a); return rc; }

  /* 2. The lock (a dry run only looks: it writes nothing). */
  dfLeaseInit(&a.lease, e, pTarget->pConn, a.zDeveloper);
  if( a.bDry ){
    DfLockInfo li;
    rc = dfLockRead(e, pTarget->pConn, &li, pzErr);
    if( rc==0 && li.zOwner && !li.bExpired && !li.bGone ){
      char *zWho = dfLockDescribe(&li);
      *pzErr = xasprintf("the target is locked by %s; try the dry run later", zWho);
      free(zWho);
      rc = DF_EXIT_CONFLICT;
    }
    dfLockInfoClear(&li);
  }else{
    rc = dfLeaseAcquire(&a.lease, pOpt->rLockTimeout, pTarget->zSafeUrl, pzErr);
    if( rc==0 && a.lease.zTakenOver ){
      printf("took over the stale lock of %s\n", a.lease.zTakenOver);
    }
  }
  if( rc ){ applyClear(&a); return rc; }

  /* 3. History, drift, recovery. */
  rc = dfHistoryLoad(e, pTarget->pConn, &a.aHist, &a.nHist, pzErr);
  if( rc==0 && !a.bDry ){
    /* An interrupted apply or rollback left a journal open: finish or
    ** undo it first (journal.c), under our lease. (Any engine: online
    ** steps journal on PostgreSQL too; without a journal table this is one
    ** catalog lookup.) */
    rc = dfJournalRecover(pTarget, a.aHist, a.nHist, DF_JOURNAL_APPLY, 0, pzErr);
  }
  if( rc==0 ) rc = loadPlanCatalogs(&a, pzErr);
  if( rc==0 ) rc = dfTargetMirror(pTarget, 0, &a.pLive, pzErr);
  if( rc ){ applyClear(&a); return rc; }
  for(i=0; i<a.nHist; i++){
    DfHistRow *r = &a.aHist[i];
    if( r->az[DF_HIST_STATUS] && strcmp(r->az[DF_HIST_STATUS], "applied")==0
     && r->az[DF_HIST_PLAN_CHECKSUM]
     && strcmp(r->az[DF_HIST_PLAN_CHECKSUM], pPlan->zChecksum)==0 ){
      *pzErr = xasprintf("conflict: this plan was already applied as migration"
          " %s (by %s at %s); nothing was changed",
          r->az[DF_HIST_VERSION], r->az[DF_HIST_DEVELOPER] ? r->az[DF_HIST_DEVELOPER] : "?",
          r->az[DF_HIST_APPLIED_AT] ? r->az[DF_HIST_APPLIED_AT] : "?");
      applyClear(&a);
      return DF_EXIT_CONFLICT;
    }
  }
  if( !a.bDry ){
    rc = recoverPending(&a, pzErr);
    if( rc ){ applyClear(&a); return rc; }
  }
  rc = checkDrift(&a, pzErr);
  if( rc ){ applyClear(&a); return rc; }
  rc = checkPlanData(&a, pzErr);
  if( rc ){ applyClear(&a); return rc; }

  /* 4. The journal. */
  if( !a.bDry ){
    a.zVersion = newVersion(&a);
    rc = dfLeaseRenew(&a.lease, 1, pzErr);
    if( rc==0 ) rc = writeJournal(&a, pzErr);
    if( rc ){ applyClear(&a); return rc; }
    bJournal = 1;
    if( bJournalled ){
      DfCatalog *apCat[3];
      apCat[0] = a.pBase; apCat[1] = a.pTarget; apCat[2] = a.pLive;
      rc = dfJournalOpen(&jr, pTarget, a.zVersion, DF_JOURNAL_APPLY, a.pLive,
                         apCat, 3, a.pTarget, pPlan, &zErr);
      if( rc ) goto failed;
    }
  }

  /* 5. The transaction. */
  rStart = monoSeconds();
  if( !(bJournalled && e->bTransactionalDdl) ){
    /* (journalled on a transactional engine: each step commits alone) */
    if( e->xBegin(pTarget->pConn, &zErr) ){
      rc = DF_EXIT_CONNECT;
      goto failed;
    }
    bTxn = 1;
  }
  {
    /* Nothing changed between the drift check and BEGIN? */
    DfCatalog *pNow = 0;
    rc = dfTargetMirror(pTarget, 0, &pNow, &zErr);
    if( rc ) goto failed;
    if( strcmp(pNow->zChecksum ? pNow->zChecksum : "",
               a.pLive->zChecksum ? a.pLive->zChecksum : "")!=0 ){
      zErr = xstrdup("conflict: the schema changed while the apply was being"
                     " prepared (outside DataFlow's lock); try again");
      dfCatalogFree(pNow);
      rc = DF_EXIT_CONFLICT;
      goto failed;
    }
    dfCatalogFree(pNow);
  }
  for(i=0; i<pPlan->nStep; i++){
    DfPlanStep *st = &pPlan->aStep[i];
    char *zStepErr = 0;
    if( st->bRefused ) continue;
    printf("  step %d: %s %s\n", st->iStep, st->zOperation, st->zObject);
    fflush(stdout);
    if( jr.bOpen && dfJournalBegin(&jr, st, &zErr) ){
      rc = DF_EXIT_CONNECT;
      goto failed;
    }
    /* Journalled on a transactional engine: a step's statements and its
    ** 'done' mark commit together, so a kill leaves it all or nothing. */
    bStepTxn = bJournalled && e->bTransactionalDdl && st->bTransactional;
    if( bStepTxn ){
      if( e->xBegin(pTarget->pConn, &zErr) ){
        rc = DF_EXIT_CONNECT;
        goto failed;
      }
      bTxn = 1;
    }
    if( runStep(&a, st, &zStepErr) ){
      iStepFailed = st->iStep;
      if( bStepTxn ){
        char *zIgnore = 0;
        e->xRollback(pTarget->pConn, &zIgnore);
        free(zIgnore);
        bTxn = 0;
      }
      if( jr.bOpen ) dfJournalFailed(&jr, zStepErr);
      zErr = xasprintf("step %d (%s %s) failed: %s", st->iStep,
                       st->zOperation, st->zObject, zStepErr ? zStepErr : "?");
      free(zStepErr);
      rc = DF_EXIT_APPLY;
      goto failed;
    }
    if( faultStep("kill-after-step")==st->iStep ){
      fflush(stdout);
      raise(SIGKILL);
    }
    if( jr.bOpen && dfJournalDone(&jr, &zErr) ){
      rc = DF_EXIT_CONNECT;
      goto failed;
    }
    if( bStepTxn ){
      if( e->xCommit(pTarget->pConn, &zErr) ){
        rc = DF_EXIT_APPLY;
        goto failed;
      }
      bTxn = 0;
    }
    if( !a.bDry && dfLeaseRenew(&a.lease, 0, &zErr) ){
      rc = DF_EXIT_CONFLICT;
      goto failed;
    }
  }
  if( e->xVerify && e->xVerify(pTarget->pConn, &zErr) ){
    char *zMsg = xasprintf("after the last step: %s", zErr);
    free(zErr);
    zErr = zMsg;
    rc = DF_EXIT_APPLY;
    goto failed;
  }
  rc = dfTargetMirror(pTarget, 0, &pAfter, &zErr);
  if( rc ) goto failed;

  if( a.bDry ){
    e->xRollback(pTarget->pConn, &zErr);
    free(zErr); zErr = 0;
    printf("dry run: all %d step%s succeeded; rolled back, nothing was"
           " changed; the schema checksum would be %s\n", nRun,
           nRun==1 ? "" : "s", pAfter->zChecksum ? pAfter->zChecksum : "?");
    dfCatalogFree(pAfter);
    applyClear(&a);
    return DF_EXIT_OK;
  }

  /* 6. History: 'applied', inside the transaction, then COMMIT. */
  if( !bTxn && e->bTransactionalDdl ){
    if( e->xBegin(pTarget->pConn, &zErr) ){
      rc = DF_EXIT_CONNECT;
      goto failed;
    }
    bTxn = 1;
  }
  {
    DfHistRow set;
    DfFpMap fp;
    char zNow[32], zSec[32];
    double rSec = monoSeconds() - rStart;
    memset(&set, 0, sizeof(set));
    dfNowUtcMs(zNow);
    snprintf(zSec, sizeof(zSec), "%.3f", rSec);
    dfHistSet(&set, DF_HIST_STATUS, "applied");
    dfHistSet(&set, DF_HIST_APPLIED_AT, zNow);
    dfHistSet(&set, DF_HIST_FINISHED_AT, zNow);
    dfHistSet(&set, DF_HIST_SECONDS, zSec);
    dfHistSet(&set, DF_HIST_CHECKSUM_AFTER, pAfter->zChecksum);
    set.az[DF_HIST_KEPT_DATA] = xasprintf("[%s]", a.zKept ? a.zKept : "");
    dfFpMapFromCatalog(pAfter, &fp);
    set.az[DF_HIST_FINGERPRINTS] = dfFpMapToJson(&fp);
    dfFpMapClear(&fp);
    rc = dfHistoryUpdate(e, pTarget->pConn, a.zVersion, &set, &zErr);
    dfHistClear(&set);
    if( rc ) goto failed;
    /* Give the lock back in the same commit (one commit less; if COMMIT
    ** fails the rollback brings the row back and we release it then). */
    rc = dfLeaseRelease(&a.lease, &zErr);
    if( rc ) goto failed;
    bReleased = 1;
    if( e->xCommit(pTarget->pConn, &zErr) ){
      rc = DF_EXIT_APPLY;
      goto failed;
    }
    bTxn = 0;
    if( jr.bOpen ){
      char *zJ = 0;
      if( dfJournalClose(&jr, "applied", &zJ) ){
        dfWarn("could not close the step journal: %s", zJ ? zJ : "?");
      }
      free(zJ);
    }
    printf("applied migration %s (%d step%s) in %.3f s; schema checksum %s",
           a.zVersion, nRun, nRun==1 ? "" : "s", rSec,
           pAfter->zChecksum ? pAfter->zChecksum : "?");
    if( pPlan->nRefused==0 && a.nDrift==0 && pPlan->zTargetChecksum
     && pAfter->zChecksum ){
      if( strcmp(pPlan->zTargetChecksum, pAfter->zChecksum)==0 ){
        printf(" (equals the plan's target)\n");
      }else{
        printf("\n");
        dfWarn("the schema after the apply differs from the plan's target"
               " (%.12s); compare them with dataflow mirror and dataflow diff",
               pPlan->zTargetChecksum);
      }
    }else{
      printf("\n");
    }
  }
  dfCatalogFree(pAfter);
  dfJournalClear(&jr);
  applyClear(&a);
  return DF_EXIT_OK;

failed:
  {
    char *zIgnore = 0;
    double rSec = rStart>0 ? monoSeconds() - rStart : 0;
    if( bTxn ) e->xRollback(pTarget->pConn, &zIgnore);
    free(zIgnore);
    if( bReleased ) a.lease.bHeld = 1;   /* the rollback restored the row */
    if( jr.bOpen ){
      /* No ROLLBACK for this engine's DDL: undo the completed steps. */
      int nUndone = 0;
      char *zU = 0;
      if( jr.nDone>0 ){
        char *zWhy = dfJournalWhy(e);
        printf("undoing the %d completed step%s (%s):\n", jr.nDone,
               jr.nDone==1 ? "" : "s", zWhy);
        free(zWhy);
      }
      if( dfJournalUndo(&jr, &nUndone, &zU) ){
        char *zNew = xasprintf("%s; then %s: the database is between states, the"
            " journal stays open (dataflow status shows it; the next apply or"
            " rollback finishes or undoes it)", zErr ? zErr : "?", zU ? zU : "?");
        free(zErr);
        zErr = zNew;
        bUndoFailed = 1;
      }else{
        char *zJ = 0;
        dfJournalClose(&jr, "failed; the completed steps were undone", &zJ);
        free(zJ);
      }
      free(zU);
    }
    dfCatalogFree(pAfter);
    if( bJournal ) recordFailure(&a, iStepFailed, zErr ? zErr : "?", rSec);
    if( a.bDry ){
      *pzErr = xasprintf("dry run: %s; rolled back, nothing was changed",
                         zErr ? zErr : "?");
    }else if( bUndoFailed ){
      *pzErr = xasprintf("%s (history: migration %s recorded as failed)",
          zErr ? zErr : "?", a.zVersion ? a.zVersion : "?");
    }else{
      *pzErr = xasprintf("%s; everything was %s, the database is"
          " unchanged (history: migration %s recorded as failed)",
          zErr ? zErr : "?", bJournalled ? "undone" : "rolled back",
          a.zVersion ? a.zVersion : "?");
    }
    free(zErr);
    dfJournalClear(&jr);
    applyClear(&a);
    return rc ? rc : DF_EXIT_APPLY;
  }
}
