/*
** journal.c — the step journal for applies whose steps cannot share one
** transaction (see journal.h): every apply on MySQL/MariaDB and MongoDB,
** and on PostgreSQL a plan with a step that must run outside a transaction
** (online CREATE/DROP INDEX CONCURRENTLY). It knows no engine.
**
** Usage (executor.c, when !pEngine->bTransactionalDdl or a step is not
** transactional):
**
**   DfJournal j; memset(&j, 0, sizeof(j));
**   dfJournalOpen(&j, pTarget, zVersion, DF_JOURNAL_APPLY, pLive, apCat, 3, pTargetCat, &zErr);
**   for each step:
**     dfJournalBegin(&j, st->iStep, st->zOperation, st->zObject, st->zTouches,
**                    st->zSql, st->zRollback, bLast, &zErr);
**     ... run the step ...                       (failure: dfJournalFailed)
**     dfJournalDone(&j, &zErr);
**   on failure: dfJournalUndo(&j, &nUndone, &zErr);
**   dfJournalClose(&j, "applied", &zErr); dfJournalClear(&j);
**
**   sqlite3 target.snap ... or on the server:
**   SELECT version, run, step, state, operation, object FROM dataflow_journal;
**
** HOW IT WORKS
**
** Every journal write is its own autocommitted statement, made before the
** step it describes runs (intent) or after it ran (done), so that whatever
** instant a process dies at, the journal says at most one step is
** uncertain: the one in state 'running'. Whether it completed is decided
** from the live schema, never guessed: the fingerprints of the objects it
** touches are compared with those recorded before it. Equal means it did
** not run (DDL statements are atomic: MariaDB 10.6+ has atomic DDL, and a
** DataFlow step is one statement wherever the engine allows it); different
** means it ran.
**
** Recovery (dfJournalRecover), for each run left open:
**   - an apply whose steps all completed is finished: the history row
**     becomes 'applied' with the live checksum and fingerprints;
**   - otherwise its completed steps are undone in reverse with their
**     rollback SQL, and the history row becomes 'failed' ("interrupted
**     after step k; recovery undid ..."), unless a completed step has no
**     rollback SQL: then the remaining steps are run to finish it;
**   - a rollback is finished when a rollback asks (the user wants it
**     undone) and undone (its undo steps redone) when an apply asks (the
**     migration stays applied, as the history says).
** Each recovery step is journalled too, so a recovery that is itself
** killed is recovered the next time.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfjson.h"
#include "journal.h"
#include "lock.h"
#include "util.h"

/* ---------------------------------------------------------------------------
** Storage
*/

static const char *textType(const DfTarget *t){
  return strcmp(t->pEng->zName, "mysql")==0 ? "LONGTEXT" : "TEXT";
}

static int journalCreate(DfTarget *t, char **pzErr){
  const char *zT = textType(t);
  char *zSql = xasprintf(
    "CREATE TABLE IF NOT EXISTS dataflow_journal(\n"
    "  version VARCHAR(255) NOT NULL,\n"
    "  run VARCHAR(16) NOT NULL,\n"
    "  step INTEGER NOT NULL,\n"
    "  state VARCHAR(16) NOT NULL,\n"
    "  operation VARCHAR(64),\n"
    "  object %s,\n"
    "  sql_text %s,\n"
    "  inverse_sql %s,\n"
    "  touched %s,\n"
    "  fp_before %s,\n"
    "  fp_expected %s,\n"
    "  fp_after %s,\n"
    "  started_at VARCHAR(32),\n"
    "  finished_at VARCHAR(32),\n"
    "  note %s,\n"
    "  PRIMARY KEY(version, run, step))", zT, zT, zT, zT, zT, zT, zT, zT);
  int rc = t->pEng->xExec(t->pConn, zSql, pzErr);
  free(zSql);
  return rc ? DF_EXIT_CONNECT : DF_EXIT_OK;
}

/* A quoted literal or NULL. OUT: caller frees. */
static char *lit(DfTarget *t, const char *z){
  return z ? t->pEng->xQuoteLiteral(t->pConn, z) : xstrdup("NULL");
}

/* UPDATE one journal row: state, and optional column=value (zCol NULL for
** none), note (kept when NULL), finished_at now. */
static int rowUpdate(DfTarget *t, const char *zVersion, const char *zRun, int iStep,
                     const char *zState, const char *zCol, const char *zVal,
                     const char *zNote, char **pzErr){
  char zNow[32];
  char *zV = lit(t, zVersion), *zR = lit(t, zRun), *zS = lit(t, zState);
  char *zX = lit(t, zVal), *zN = lit(t, zNote), *zSet, *zSql;
  int rc;
  dfNowUtcMs(zNow);
  zSet = zCol ? xasprintf(", %s = %s", zCol, zX) : xstrdup("");
  zSql = xasprintf("UPDATE dataflow_journal SET state = %s%s,"
                   " note = COALESCE(%s, note), finished_at = '%s'"
                   " WHERE version = %s AND run = %s AND step = %d",
                   zS, zSet, zN, zNow, zV, zR, iStep);
  rc = t->pEng->xExec(t->pConn, zSql, pzErr);
  free(zSql); free(zSet); free(zV); free(zR); free(zS); free(zX); free(zN);
  return rc ? DF_EXIT_CONNECT : DF_EXIT_OK;
}

static void rowUpdateWarn(DfTarget *t, const char *zVersion, const char *zRun,
                          int iStep, const char *zState, const char *zCol,
                          const char *zVal, const char *zNote){
  char *zErr = 0;
  if( rowUpdate(t, zVersion, zRun, iStep, zState, zCol, zVal, zNote, &zErr) ){
    dfWarn("could not update dataflow_journal (%s step %d): %s", zRun, iStep,
           zErr ? zErr : "?");
  }
  free(zErr);
}

/* JSON object {key: fingerprint or null} of the keys of zKeys in m. */
static char *fpSubset(const DfFpMap *m, const char *zKeys){
  DfKeySet k = {0, 0};
  sqlite3_str *s = sqlite3_str_new(0);
  int i;
  dfKeySetAddJson(&k, zKeys);
  sqlite3_str_appendchar(s, 1, '{');
  for(i=0; i<k.n; i++){
    const char *zFp = dfFpMapGet(m, k.az[i]);
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, k.az[i]);
    sqlite3_str_appendchar(s, 1, ':');
    if( zFp ) dfJsonAppendString(s, zFp); else sqlite3_str_appendall(s, "null");
  }
  sqlite3_str_appendchar(s, 1, '}');
  dfKeySetClear(&k);
  return dfFromSqlite(sqlite3_str_finish(s));
}

/* Do the live fingerprints m match the JSON object zFps exactly (null =
** absent)? An unreadable zFps never matches. */
static int fpMatches(const DfFpMap *m, const char *zFps){
  DfJson *p = zFps ? dfJsonParse(zFps, 0) : 0;
  int i, bOk = p && p->eType==DF_JSON_OBJECT;
  for(i=0; bOk && i<p->nChild; i++){
    const char *zLive = dfFpMapGet(m, p->azKey[i]);
    DfJson *v = &p->aChild[i];
    if( v->eType==DF_JSON_NULL ) bOk = zLive==0;
    else bOk = v->eType==DF_JSON_STRING && zLive && strcmp(zLive, v->zText)==0;
  }
  dfJsonFree(p);
  return bOk;
}

static int liveMap(DfTarget *t, DfFpMap *pOut, DfCatalog **ppCat, char **pzErr){
  DfCatalog *pCat = 0;
  int rc = dfTargetMirror(t, 0, &pCat, pzErr);
  memset(pOut, 0, sizeof(*pOut));
  if( rc ) return rc;
  dfFpMapFromCatalog(pCat, pOut);
  if( ppCat ) *ppCat = pCat; else dfCatalogFree(pCat);
  return DF_EXIT_OK;
}

/* ---------------------------------------------------------------------------
** A run
*/

int dfJournalOpen(DfJournal *j, DfTarget *t, const char *zVersion,
                  const char *zRun, DfCatalog *pLive, DfCatalog **apCat,
                  int nCat, DfCatalog *pTarget, DfPlanFile *pPlan, char **pzErr){
  char zNow[32];
  char *zV, *zR, *zSql;
  int rc, i;
  memset(j, 0, sizeof(*j));
  j->t = t;
  j->zVersion = xstrdup(zVersion);
  j->zRun = zRun;
  for(i=0; i<nCat && i<4; i++) j->apCat[j->nCat++] = apCat[i];
  j->pTarget = pTarget;
  j->pPlan = pPlan;
  if( pLive ) dfFpMapFromCatalog(pLive, &j->now);
  rc = journalCreate(t, pzErr);
  if( rc ) return rc;
  dfNowUtcMs(zNow);
  zV = lit(t, zVersion);
  zR = lit(t, zRun);
  /* A closed run of the same kind (a rollback tried before) gives way. */
  zSql = xasprintf("DELETE FROM dataflow_journal WHERE version = %s AND run = %s;\n"
                   "INSERT INTO dataflow_journal(version, run, step, state,"
                   " started_at) VALUES(%s, %s, 0, 'open', '%s')",
                   zV, zR, zV, zR, zNow);
  rc = t->pEng->xExec(t->pConn, zSql, pzErr) ? DF_EXIT_CONNECT : DF_EXIT_OK;
  free(zSql); free(zV); free(zR);
  if( rc==0 ) j->bOpen = 1;
  return rc;
}

/* The touched keys (JSON) of a step, resolved in the run's catalogs. */
static char *stepKeys(DfJournal *j, const char *zObject, const char *zTouches){
  DfKeySet k = {0, 0};
  char *z;
  dfTouchedKeys(j->apCat, j->nCat, zObject, zTouches, &k);
  z = dfKeySetToJson(&k);
  dfKeySetClear(&k);
  return z;
}

int dfJournalBegin(DfJournal *j, const DfPlanStep *st, char **pzErr){
  int bLast = 1, i;
  char *zMine = stepKeys(j, st->zObject, st->zTouches);
  DfKeySet mine = {0, 0};
  dfKeySetAddJson(&mine, zMine);
  for(i=0; j->pPlan && i<j->pPlan->nStep && bLast; i++){
    const DfPlanStep *o = &j->pPlan->aStep[i];
    DfKeySet k = {0, 0};
    int m;
    if( o->iStep<=st->iStep || o->bRefused ) continue;
    dfTouchedKeys(j->apCat, j->nCat, o->zObject, o->zTouches, &k);
    for(m=0; m<k.n && bLast; m++) if( dfKeySetHas(&mine, k.az[m]) ) bLast = 0;
    dfKeySetClear(&k);
  }
  dfKeySetClear(&mine);
  free(zMine);
  return dfJournalBeginRaw(j, st->iStep, st->zOperation, st->zObject,
                           st->zTouches, st->zSql, st->zRollback, bLast, pzErr);
}

int dfJournalBeginRaw(DfJournal *j, int iStep, const char *zOperation,
                      const char *zObject, const char *zTouches, const char *zSql,
                      const char *zInverse, int bLast, char **pzErr){
  DfTarget *t = j->t;
  char zNow[32];
  char *zKeys = stepKeys(j, zObject, zTouches);
  char *zBefore = fpSubset(&j->now, zKeys);
  char *zExpected = 0;
  char *aLit[11], *zIns;
  int i, rc;
  DfJournalDone *d;
  if( bLast && j->pTarget ){
    DfFpMap tm;
    dfFpMapFromCatalog(j->pTarget, &tm);
    zExpected = fpSubset(&tm, zKeys);
    dfFpMapClear(&tm);
  }
  dfNowUtcMs(zNow);
  aLit[0] = lit(t, j->zVersion);
  aLit[1] = lit(t, j->zRun);
  aLit[2] = lit(t, zOperation);
  aLit[3] = lit(t, zObject);
  aLit[4] = lit(t, zSql);
  aLit[5] = lit(t, zInverse);
  aLit[6] = lit(t, zKeys);
  aLit[7] = lit(t, zBefore);
  aLit[8] = lit(t, zExpected);
  aLit[9] = lit(t, zNow);
  aLit[10] = 0;
  zIns = xasprintf("INSERT INTO dataflow_journal(version, run, step, state,"
      " operation, object, sql_text, inverse_sql, touched, fp_before,"
      " fp_expected, started_at) VALUES(%s, %s, %d, 'running', %s, %s, %s, %s,"
      " %s, %s, %s, %s)", aLit[0], aLit[1], iStep, aLit[2], aLit[3], aLit[4],
      aLit[5], aLit[6], aLit[7], aLit[8], aLit[9]);
  rc = t->pEng->xExec(t->pConn, zIns, pzErr) ? DF_EXIT_CONNECT : DF_EXIT_OK;
  free(zIns);
  for(i=0; i<10; i++) free(aLit[i]);
  free(zBefore);
  free(zExpected);
  if( rc ){
    char *zMsg = xasprintf("cannot journal step %d before running it: %s",
                           iStep, *pzErr ? *pzErr : "?");
    free(*pzErr);
    *pzErr = zMsg;
    free(zKeys);
    return rc;
  }
  free(j->zRunningKeys);
  j->zRunningKeys = zKeys;
  j->iRunning = iStep;
  d = &j->running;
  free(d->zOperation); free(d->zObject); free(d->zInverse);
  d->iStep = iStep;
  d->zOperation = xstrdup(zOperation);
  d->zObject = xstrdup(zObject);
  d->zInverse = xstrdup(zInverse);
  return DF_EXIT_OK;
}

int dfJournalDone(DfJournal *j, char **pzErr){
  DfTarget *t = j->t;
  DfFpMap m;
  char *zAfter;
  int rc;
  if( j->iRunning==0 ) return DF_EXIT_OK;
  /* The step ran: it is to be undone from now on. */
  j->aDone = xrealloc(j->aDone, sizeof(DfJournalDone) * (size_t)(j->nDone + 1));
  j->aDone[j->nDone++] = j->running;
  memset(&j->running, 0, sizeof(j->running));
  rc = liveMap(t, &m, 0, pzErr);
  if( rc ){
    char *zMsg = xasprintf("step %d ran, but the schema after it cannot be"
                           " read: %s", j->iRunning, *pzErr ? *pzErr : "?");
    free(*pzErr);
    *pzErr = zMsg;
    j->iRunning = 0;
    return rc;
  }
  dfFpMapClear(&j->now);
  j->now = m;
  zAfter = fpSubset(&j->now, j->zRunningKeys);
  rc = rowUpdate(t, j->zVersion, j->zRun, j->iRunning, "done", "fp_after",
                 zAfter, 0, pzErr);
  free(zAfter);
  j->iRunning = 0;
  return rc;
}

void dfJournalFailed(DfJournal *j, const char *zError){
  DfJournalDone *d = &j->running;
  if( j->iRunning==0 ) return;
  rowUpdateWarn(j->t, j->zVersion, j->zRun, j->iRunning, "failed", 0, 0, zError);
  free(d->zOperation); free(d->zObject); free(d->zInverse);
  memset(d, 0, sizeof(*d));
  j->iRunning = 0;
}

int dfJournalUndo(DfJournal *j, int *pnUndone, char **pzErr){
  DfTarget *t = j->t;
  int i, n = 0;
  if( pnUndone ) *pnUndone = 0;
  for(i=j->nDone-1; i>=0; i--){
    DfJournalDone *d = &j->aDone[i];
    char *zErr = 0;
    if( d->zInverse==0 ){
      *pzErr = xasprintf("step %d (%s %s) has no rollback SQL; steps %d..%d stay"
                         " applied", d->iStep, d->zOperation ? d->zOperation : "?",
                         d->zObject ? d->zObject : "?", j->aDone[0].iStep, d->iStep);
      return DF_EXIT_APPLY;
    }
    printf("  %s step %d: %s %s\n", strcmp(j->zRun, DF_JOURNAL_ROLLBACK)==0
           ? "redo" : "undo", d->iStep, d->zOperation ? d->zOperation : "?",
           d->zObject ? d->zObject : "?");
    fflush(stdout);
    if( t->pEng->xExec(t->pConn, d->zInverse, &zErr) ){
      rowUpdateWarn(t, j->zVersion, j->zRun, d->iStep, "undo_failed", 0, 0, zErr);
      *pzErr = xasprintf("undoing step %d (%s %s) failed: %s; step%s %d..%d stay"
                         " applied", d->iStep, d->zOperation ? d->zOperation : "?",
                         d->zObject ? d->zObject : "?", zErr ? zErr : "?",
                         i ? "s" : "", j->aDone[0].iStep, d->iStep);
      free(zErr);
      j->nDone = i + 1;
      return DF_EXIT_APPLY;
    }
    rowUpdateWarn(t, j->zVersion, j->zRun, d->iStep, "undone", 0, 0, 0);
    n++;
    if( pnUndone ) *pnUndone = n;
  }
  for(i=0; i<j->nDone; i++){
    free(j->aDone[i].zOperation); free(j->aDone[i].zObject); free(j->aDone[i].zInverse);
  }
  j->nDone = 0;
  return DF_EXIT_OK;
}

int dfJournalClose(DfJournal *j, const char *zOutcome, char **pzErr){
  int rc;
  if( !j->bOpen ) return DF_EXIT_OK;
  rc = rowUpdate(j->t, j->zVersion, j->zRun, 0, "closed", 0, 0, zOutcome, pzErr);
  if( rc==0 ) j->bOpen = 0;
  return rc;
}

void dfJournalClear(DfJournal *j){
  int i;
  for(i=0; i<j->nDone; i++){
    free(j->aDone[i].zOperation); free(j->aDone[i].zObject); free(j->aDone[i].zInverse);
  }
  free(j->aDone);
  free(j->running.zOperation); free(j->running.zObject); free(j->running.zInverse);
  free(j->zRunningKeys);
  free(j->zVersion);
  dfFpMapClear(&j->now);
  memset(j, 0, sizeof(*j));
}

/* ---------------------------------------------------------------------------
** Recovery
*/

/* A journal row as read back. */
typedef struct JRow JRow;
struct JRow {
  int iStep;              /* step (0: the header) */
  char *zState;           /* running, done, failed, undone, undo_failed, skipped */
  char *zOperation, *zObject;   /* what */
  char *zSql, *zInverse;  /* forward and inverse SQL */
  char *zTouched;         /* JSON keys */
  char *zBefore;          /* fingerprints before */
  char *zExpected;        /* fingerprints expected after, or NULL */
};

typedef struct JRows JRows;
struct JRows { int n; JRow *a; };

static int jrowAdd(void *pArg, int nCol, char **az){
  JRows *p = (JRows*)pArg;
  JRow *r;
  if( nCol<9 ) return 1;
  p->a = xrealloc(p->a, sizeof(JRow) * (size_t)(p->n + 1));
  r = &p->a[p->n++];
  r->iStep = az[0] ? atoi(az[0]) : 0;
  r->zState = xstrdup(az[1]);
  r->zOperation = xstrdup(az[2]);
  r->zObject = xstrdup(az[3]);
  r->zSql = xstrdup(az[4]);
  r->zInverse = xstrdup(az[5]);
  r->zTouched = xstrdup(az[6]);
  r->zBefore = xstrdup(az[7]);
  r->zExpected = xstrdup(az[8]);
  return 0;
}

static void jrowsClear(JRows *p){
  int i;
  for(i=0; i<p->n; i++){
    JRow *r = &p->a[i];
    free(r->zState); free(r->zOperation); free(r->zObject); free(r->zSql);
    free(r->zInverse); free(r->zTouched); free(r->zBefore); free(r->zExpected);
  }
  free(p->a);
  memset(p, 0, sizeof(*p));
}

static int loadRows(DfTarget *t, const char *zVersion, const char *zRun,
                    JRows *pOut, char **pzErr){
  char *zV = lit(t, zVersion), *zR = lit(t, zRun);
  char *zSql = xasprintf("SELECT step, state, operation, object, sql_text,"
      " inverse_sql, touched, fp_before, fp_expected FROM dataflow_journal"
      " WHERE version = %s AND run = %s AND step > 0 ORDER BY step", zV, zR);
  int rc = t->pEng->xQuery(t->pConn, zSql, jrowAdd, pOut, pzErr);
  free(zSql); free(zV); free(zR);
  return rc ? DF_EXIT_CONNECT : DF_EXIT_OK;
}

/* Open runs: pairs (version, run). */
typedef struct OpenRuns OpenRuns;
struct OpenRuns { int n; char **azVersion; char **azRun; };

static int openRow(void *pArg, int nCol, char **az){
  OpenRuns *p = (OpenRuns*)pArg;
  if( nCol<2 || az[0]==0 || az[1]==0 ) return 0;
  p->azVersion = xrealloc(p->azVersion, sizeof(char*) * (size_t)(p->n + 1));
  p->azRun = xrealloc(p->azRun, sizeof(char*) * (size_t)(p->n + 1));
  p->azVersion[p->n] = xstrdup(az[0]);
  p->azRun[p->n] = xstrdup(az[1]);
  p->n++;
  return 0;
}

static void openRunsClear(OpenRuns *p){
  int i;
  for(i=0; i<p->n; i++){ free(p->azVersion[i]); free(p->azRun[i]); }
  free(p->azVersion); free(p->azRun);
  memset(p, 0, sizeof(*p));
}

static int loadOpenRuns(DfTarget *t, OpenRuns *pOut, char **pzErr){
  int bExists = 0, rc;
  memset(pOut, 0, sizeof(*pOut));
  rc = dfTargetTableExists(t->pEng, t->pConn, "dataflow_journal", &bExists, pzErr);
  if( rc || !bExists ) return rc;
  if( t->pEng->xQuery(t->pConn, "SELECT version, run FROM dataflow_journal"
        " WHERE step = 0 AND state = 'open' ORDER BY started_at, version",
        openRow, pOut, pzErr) ){
    return DF_EXIT_CONNECT;
  }
  return DF_EXIT_OK;
}

static DfHistRow *findHist(DfHistRow *aHist, int nHist, const char *zVersion){
  int i;
  for(i=0; i<nHist; i++){
    if( aHist[i].az[DF_HIST_VERSION] && strcmp(aHist[i].az[DF_HIST_VERSION], zVersion)==0 ){
      return &aHist[i];
    }
  }
  return 0;
}

/* Steps of a JSON list (history operations or rollback plan). */
typedef struct PStep PStep;
struct PStep { int iStep; int bRefused; char *zOp, *zObj, *zSql, *zTouch; };
typedef struct PSteps PSteps;
struct PSteps { int n; PStep *a; };

static void pstepsClear(PSteps *p){
  int i;
  for(i=0; i<p->n; i++){
    free(p->a[i].zOp); free(p->a[i].zObj); free(p->a[i].zSql); free(p->a[i].zTouch);
  }
  free(p->a);
  memset(p, 0, sizeof(*p));
}

static char *jsonStr(DfJson *o, const char *zKey){
  DfJson *v = dfJsonGet(o, zKey);
  return v && (v->eType==DF_JSON_STRING || v->eType==DF_JSON_NUMBER) ? xstrdup(v->zText) : 0;
}

static void pstepsParse(const char *zJson, PSteps *pOut){
  DfJson *p = zJson ? dfJsonParse(zJson, 0) : 0;
  int i;
  memset(pOut, 0, sizeof(*pOut));
  if( p==0 || p->eType!=DF_JSON_ARRAY ){ dfJsonFree(p); return; }
  pOut->a = xcalloc((size_t)p->nChild + 1, sizeof(PStep));
  for(i=0; i<p->nChild; i++){
    DfJson *o = &p->aChild[i], *v;
    PStep *s = &pOut->a[pOut->n++];
    char *z = jsonStr(o, "step");
    s->iStep = z ? atoi(z) : i + 1;
    free(z);
    v = dfJsonGet(o, "refused");
    s->bRefused = v && v->eType==DF_JSON_TRUE;
    s->zOp = jsonStr(o, "operation");
    s->zObj = jsonStr(o, "object");
    s->zSql = jsonStr(o, "sql");
    v = dfJsonGet(o, "keys");
    if( v && v->eType==DF_JSON_ARRAY ){
      DfKeySet k = {0, 0};
      int m;
      for(m=0; m<v->nChild; m++){
        if( v->aChild[m].eType==DF_JSON_STRING ) dfKeySetAdd(&k, v->aChild[m].zText);
      }
      s->zTouch = dfKeySetToJson(&k);
      dfKeySetClear(&k);
    }
  }
  dfJsonFree(p);
}

/*
** Settle the rows of an open run against the live map: a 'running' row
** whose objects changed completed (done), else it did not run (skipped).
** Returns how many rows are completed (done).
*/
static int settleRunning(DfTarget *t, const char *zVersion, const char *zRun,
                         JRows *r, const DfFpMap *pLive){
  int i, n = 0;
  for(i=0; i<r->n; i++){
    JRow *x = &r->a[i];
    if( strcmp(x->zState, "running")==0 ){
      int bSame = fpMatches(pLive, x->zBefore);
      free(x->zState);
      x->zState = xstrdup(bSame ? "skipped" : "done");
      rowUpdateWarn(t, zVersion, zRun, x->iStep, x->zState, 0, 0,
                    bSame ? "interrupted before it ran: its objects are as before it"
                          : "completed before the interruption: its objects changed");
      printf("  step %d (%s %s) %s\n", x->iStep, x->zOperation ? x->zOperation : "?",
             x->zObject ? x->zObject : "?",
             bSame ? "had not run (its objects are as before it)"
                   : "had completed (its objects changed)");
    }
    if( strcmp(x->zState, "done")==0 ) n++;
  }
  return n;
}

/* Undo the done rows of r in reverse (journalled). */
static int undoRows(DfTarget *t, const char *zVersion, const char *zRun, JRows *r,
                    char **pzErr){
  int i;
  for(i=r->n-1; i>=0; i--){
    JRow *x = &r->a[i];
    char *zErr = 0;
    if( strcmp(x->zState, "done")!=0 ) continue;
    printf("  %s step %d: %s %s\n", strcmp(zRun, DF_JOURNAL_ROLLBACK)==0
           ? "redo" : "undo", x->iStep, x->zOperation ? x->zOperation : "?",
           x->zObject ? x->zObject : "?");
    fflush(stdout);
    if( x->zInverse==0 || t->pEng->xExec(t->pConn, x->zInverse, &zErr) ){
      rowUpdateWarn(t, zVersion, zRun, x->iStep, "undo_failed", 0, 0,
                    zErr ? zErr : "no inverse SQL");
      *pzErr = xasprintf("recovery could not undo step %d (%s %s): %s", x->iStep,
                         x->zOperation ? x->zOperation : "?",
                         x->zObject ? x->zObject : "?", zErr ? zErr : "no rollback SQL");
      free(zErr);
      return DF_EXIT_APPLY;
    }
    rowUpdateWarn(t, zVersion, zRun, x->iStep, "undone", 0, 0, "undone by recovery");
    free(x->zState);
    x->zState = xstrdup("undone");
  }
  return DF_EXIT_OK;
}

/* Run the forward SQL of the steps of ps that r has not completed
** (journalled as new rows). */
static int finishRows(DfTarget *t, const char *zVersion, const char *zRun,
                      JRows *r, PSteps *ps, int bInverseIsFwd, char **pzErr){
  int i, k;
  (void)bInverseIsFwd;
  for(i=0; i<ps->n; i++){
    PStep *s = &ps->a[i];
    int iStep = s->iStep, bDone = 0;
    char *zErr = 0, *zV, *zR, *zSql;
    char zNow[32];
    if( s->bRefused ) continue;
    for(k=0; k<r->n; k++){
      if( r->a[k].iStep==iStep && strcmp(r->a[k].zState, "done")==0 ) bDone = 1;
    }
    if( bDone ) continue;
    printf("  step %d: %s %s\n", iStep, s->zOp ? s->zOp : "?", s->zObj ? s->zObj : "?");
    fflush(stdout);
    dfNowUtcMs(zNow);
    zV = lit(t, zVersion); zR = lit(t, zRun);
    zSql = xasprintf("DELETE FROM dataflow_journal WHERE version = %s AND run = %s"
                     " AND step = %d;\nINSERT INTO dataflow_journal(version, run,"
                     " step, state, operation, object, started_at, note)"
                     " VALUES(%s, %s, %d, 'running', NULL, NULL, '%s',"
                     " 'run by recovery')", zV, zR, iStep, zV, zR, iStep, zNow);
    t->pEng->xExec(t->pConn, zSql, &zErr);
    free(zErr); zErr = 0;
    free(zSql); free(zV); free(zR);
    if( s->zSql && t->pEng->xExec(t->pConn, s->zSql, &zErr) ){
      rowUpdateWarn(t, zVersion, zRun, iStep, "failed", 0, 0, zErr);
      *pzErr = xasprintf("recovery could not run step %d (%s %s): %s", iStep,
                         s->zOp ? s->zOp : "?", s->zObj ? s->zObj : "?",
                         zErr ? zErr : "?");
      free(zErr);
      return DF_EXIT_APPLY;
    }
    rowUpdateWarn(t, zVersion, zRun, iStep, "done", 0, 0, "run by recovery");
  }
  return DF_EXIT_OK;
}

/* Record a history update (warnings only) and mirror it in memory. */
static void histSet(DfTarget *t, DfHistRow *h, DfHistRow *pSet){
  char *zErr = 0;
  int i;
  if( dfHistoryUpdate(t->pEng, t->pConn, h->az[DF_HIST_VERSION], pSet, &zErr) ){
    dfWarn("could not record the recovery in dataflow_migrations: %s", zErr ? zErr : "?");
  }
  free(zErr);
  for(i=0; i<DF_HIST_NCOL; i++) if( pSet->az[i] ) dfHistSet(h, i, pSet->az[i]);
}

/* Recover one open apply run. */
static int recoverApply(DfTarget *t, const char *zVersion, DfHistRow *h,
                        char **pzErr){
  JRows r = {0, 0};
  PSteps ops, undo;
  DfFpMap live;
  DfCatalog *pCat = 0;
  DfHistRow set;
  char zNow[32];
  int rc, nDone, nRun = 0, i, bAll, bInvertible = 1;
  memset(&set, 0, sizeof(set));
  pstepsParse(h ? h->az[DF_HIST_OPERATIONS] : 0, &ops);
  pstepsParse(h ? h->az[DF_HIST_ROLLBACK_PLAN] : 0, &undo);
  rc = loadRows(t, zVersion, DF_JOURNAL_APPLY, &r, pzErr);
  if( rc==0 ) rc = liveMap(t, &live, 0, pzErr);
  if( rc ){ jrowsClear(&r); pstepsClear(&ops); pstepsClear(&undo); return rc; }
  printf("recovering the interrupted apply of migration %s%s%s:\n", zVersion,
         h && h->az[DF_HIST_DEVELOPER] ? " by " : "",
         h && h->az[DF_HIST_DEVELOPER] ? h->az[DF_HIST_DEVELOPER] : "");
  nDone = settleRunning(t, zVersion, DF_JOURNAL_APPLY, &r, &live);
  dfFpMapClear(&live);
  for(i=0; i<ops.n; i++) if( !ops.a[i].bRefused ) nRun++;
  bAll = h!=0 && nRun>0 && nDone>=nRun;
  for(i=0; i<r.n; i++){
    if( strcmp(r.a[i].zState, "done")==0 && r.a[i].zInverse==0 ) bInvertible = 0;
  }
  dfNowUtcMs(zNow);
  if( bAll || (!bInvertible && h) ){
    /* Finish: every step ran, or one that ran cannot be undone. */
    rc = finishRows(t, zVersion, DF_JOURNAL_APPLY, &r, &ops, 0, pzErr);
    if( rc==0 ) rc = dfTargetMirror(t, 0, &pCat, pzErr);
    if( rc==0 ){
      DfFpMap fp;
      dfFpMapFromCatalog(pCat, &fp);
      dfHistSet(&set, DF_HIST_STATUS, "applied");
      dfHistSet(&set, DF_HIST_APPLIED_AT, zNow);
      dfHistSet(&set, DF_HIST_FINISHED_AT, zNow);
      dfHistSet(&set, DF_HIST_CHECKSUM_AFTER, pCat->zChecksum);
      set.az[DF_HIST_FINGERPRINTS] = dfFpMapToJson(&fp);
      set.az[DF_HIST_ERROR] = xasprintf("interrupted; finished by recovery at %s"
          " (%s)", zNow, bAll ? "every step had run" : "a step that had run cannot be undone");
      dfHistSet(&set, DF_HIST_KEPT_DATA, "[]");
      dfFpMapClear(&fp);
      histSet(t, h, &set);
      printf("recovered: migration %s finished (%s); it is applied\n", zVersion,
             bAll ? "every step had run" : "a step that had run cannot be undone");
    }
  }else{
    rc = undoRows(t, zVersion, DF_JOURNAL_APPLY, &r, pzErr);
    if( rc==0 ) rc = dfTargetMirror(t, 0, &pCat, pzErr);
    if( rc==0 && h ){
      const char *zBefore = h->az[DF_HIST_CHECKSUM_BEFORE];
      int bBefore = zBefore && pCat->zChecksum && strcmp(zBefore, pCat->zChecksum)==0;
      dfHistSet(&set, DF_HIST_STATUS, "failed");
      dfHistSet(&set, DF_HIST_FINISHED_AT, zNow);
      set.az[DF_HIST_ERROR] = xasprintf("interrupted after %d of %d step%s; recovery"
          " undid %s at %s; %s", nDone, nRun, nRun==1 ? "" : "s",
          nDone ? "the completed steps" : "nothing (no step had completed)", zNow,
          bBefore ? "the database is at the before state (checksum matches)"
                  : "the live schema checksum differs from the one recorded before it");
      histSet(t, h, &set);
      printf("recovered: migration %s was undone (%d step%s); %s\n", zVersion,
             nDone, nDone==1 ? "" : "s",
             bBefore ? "the database is at the before state"
                     : "warning: the live schema differs from its recorded before state");
    }
  }
  if( rc==0 ){
    char *zErr = 0;
    rowUpdate(t, zVersion, DF_JOURNAL_APPLY, 0, "closed", 0, 0,
              bAll || (!bInvertible && h) ? "finished by recovery" : "undone by recovery",
              &zErr);
    free(zErr);
  }
  dfHistClear(&set);
  dfCatalogFree(pCat);
  jrowsClear(&r);
  pstepsClear(&ops);
  pstepsClear(&undo);
  return rc;
}

/* Recover one open rollback run: finish it (zFor rollback) or undo it. */
static int recoverRollback(DfTarget *t, const char *zVersion, DfHistRow *h,
                           const char *zFor, char **pzErr){
  JRows r = {0, 0};
  PSteps undo;
  DfFpMap live;
  DfCatalog *pCat = 0;
  char zNow[32];
  int rc, bFinish = strcmp(zFor, DF_JOURNAL_ROLLBACK)==0;
  pstepsParse(h ? h->az[DF_HIST_ROLLBACK_PLAN] : 0, &undo);
  rc = loadRows(t, zVersion, DF_JOURNAL_ROLLBACK, &r, pzErr);
  if( rc==0 ) rc = liveMap(t, &live, 0, pzErr);
  if( rc ){ jrowsClear(&r); pstepsClear(&undo); return rc; }
  printf("recovering the interrupted rollback of migration %s:\n", zVersion);
  settleRunning(t, zVersion, DF_JOURNAL_ROLLBACK, &r, &live);
  dfFpMapClear(&live);
  dfNowUtcMs(zNow);
  if( bFinish && h ){
    rc = finishRows(t, zVersion, DF_JOURNAL_ROLLBACK, &r, &undo, 0, pzErr);
    if( rc==0 ) rc = dfTargetMirror(t, 0, &pCat, pzErr);
    if( rc==0 ){
      DfHistRow set;
      memset(&set, 0, sizeof(set));
      dfHistSet(&set, DF_HIST_STATUS, "rolled_back");
      dfHistSet(&set, DF_HIST_ROLLED_BACK_AT, zNow);
      dfHistSet(&set, DF_HIST_CHECKSUM_ROLLED, pCat->zChecksum);
      histSet(t, h, &set);
      dfHistClear(&set);
      printf("recovered: the rollback of migration %s was finished\n", zVersion);
    }
  }else{
    rc = undoRows(t, zVersion, DF_JOURNAL_ROLLBACK, &r, pzErr);
    if( rc==0 ){
      printf("recovered: the partial rollback of migration %s was undone; the"
             " migration stays applied\n", zVersion);
    }
  }
  if( rc==0 ){
    char *zErr = 0;
    rowUpdate(t, zVersion, DF_JOURNAL_ROLLBACK, 0, "closed", 0, 0,
              bFinish ? "finished by recovery" : "undone by recovery", &zErr);
    free(zErr);
  }
  dfCatalogFree(pCat);
  jrowsClear(&r);
  pstepsClear(&undo);
  return rc;
}

int dfJournalRecover(DfTarget *t, DfHistRow *aHist, int nHist, const char *zFor,
                     int *pnRecovered, char **pzErr){
  OpenRuns o;
  int i, rc;
  if( pnRecovered ) *pnRecovered = 0;
  rc = loadOpenRuns(t, &o, pzErr);
  for(i=0; rc==0 && i<o.n; i++){
    DfHistRow *h = findHist(aHist, nHist, o.azVersion[i]);
    if( strcmp(o.azRun[i], DF_JOURNAL_ROLLBACK)==0 ){
      rc = recoverRollback(t, o.azVersion[i], h, zFor, pzErr);
    }else{
      rc = recoverApply(t, o.azVersion[i], h, pzErr);
    }
    if( rc==0 && pnRecovered ) (*pnRecovered)++;
  }
  if( rc ){
    char *zMsg = xasprintf("%s; the database was left between states: see"
                           " dataflow status and the dataflow_journal table", *pzErr);
    free(*pzErr);
    *pzErr = zMsg;
  }
  openRunsClear(&o);
  return rc;
}

int dfJournalRecoverLocked(DfTarget *t, const char *zAs, double rLockTimeout,
                           const char *zFor, int *pnRecovered, char **pzErr){
  OpenRuns o;
  DfLease lease;
  DfHistRow *aHist = 0;
  int nHist = 0, rc;
  char *zOwner;
  if( pnRecovered ) *pnRecovered = 0;
  rc = loadOpenRuns(t, &o, pzErr);
  if( rc || o.n==0 ){ openRunsClear(&o); return rc; }
  openRunsClear(&o);
  zOwner = zAs ? xstrdup(zAs) : dfAuthor();
  dfLeaseInit(&lease, t->pEng, t->pConn, zOwner);
  rc = dfLeaseAcquire(&lease, rLockTimeout, t->zSafeUrl, pzErr);
  if( rc==0 && lease.zTakenOver ) printf("took over the stale lock of %s\n", lease.zTakenOver);
  if( rc==0 ) rc = dfHistoryLoad(t->pEng, t->pConn, &aHist, &nHist, pzErr);
  if( rc==0 ) rc = dfJournalRecover(t, aHist, nHist, zFor, pnRecovered, pzErr);
  dfHistoryFree(aHist, nHist);
  dfLeaseClear(&lease);
  free(zOwner);
  return rc;
}

char *dfJournalWhy(const DfEngine *e){
  return e->bTransactionalDdl ? xstrdup("they ran outside a transaction")
                              : xasprintf("%s cannot roll back DDL", e->zName);
}

char *dfJournalForwardSql(const char *zOperations, int iStep){
  PSteps ps;
  char *z = 0;
  int i;
  pstepsParse(zOperations, &ps);
  for(i=0; i<ps.n; i++){
    if( ps.a[i].iStep==iStep ){ z = xstrdup(ps.a[i].zSql); break; }
  }
  pstepsClear(&ps);
  return z;
}

char *dfJournalDescribe(DfTarget *t, const DfHistRow *aHist, int nHist){
  OpenRuns o;
  char *zOut = 0, *zErr = 0;
  DfFpMap live;
  int i, bLive = 0;
  if( loadOpenRuns(t, &o, &zErr) ){ free(zErr); return 0; }
  if( o.n>0 && liveMap(t, &live, 0, &zErr)==0 ) bLive = 1;
  free(zErr); zErr = 0;
  for(i=0; i<o.n; i++){
    JRows r = {0, 0};
    PSteps ops;
    int k, nDone = 0, nRun = 0, iRunning = 0, bRan = 0;
    const DfHistRow *h = 0;
    char *zLine;
    for(k=0; k<nHist; k++){
      if( aHist[k].az[DF_HIST_VERSION] && strcmp(aHist[k].az[DF_HIST_VERSION], o.azVersion[i])==0 ) h = &aHist[k];
    }
    loadRows(t, o.azVersion[i], o.azRun[i], &r, &zErr);
    free(zErr); zErr = 0;
    pstepsParse(h ? h->az[strcmp(o.azRun[i], DF_JOURNAL_APPLY)==0
                           ? DF_HIST_OPERATIONS : DF_HIST_ROLLBACK_PLAN] : 0, &ops);
    for(k=0; k<ops.n; k++) if( !ops.a[k].bRefused ) nRun++;
    for(k=0; k<r.n; k++){
      if( strcmp(r.a[k].zState, "done")==0 ) nDone++;
      if( strcmp(r.a[k].zState, "running")==0 ){
        iRunning = r.a[k].iStep;
        bRan = bLive && !fpMatches(&live, r.a[k].zBefore);
      }
    }
    if( strcmp(o.azRun[i], DF_JOURNAL_APPLY)==0 ){
      zLine = xasprintf("%sinterrupted: the apply of migration %s (journal) stopped"
          " with %d of %d step%s done%s%s%s; the next apply or rollback will %s",
          zOut ? "\n" : "", o.azVersion[i], nDone, nRun, nRun==1 ? "" : "s",
          iRunning ? (bRan ? "; the step that was running had completed (its objects changed)"
                           : "; the step that was running had not run (its objects are as before it)")
                   : "", "", "",
          (nDone + bRan>=nRun && nRun>0) ? "finish it (every step ran)"
                                          : "undo the completed steps");
    }else{
      zLine = xasprintf("%sinterrupted: the rollback of migration %s (journal) stopped"
          " with %d of %d undo step%s done; the next rollback will finish it, the"
          " next apply will undo it", zOut ? "\n" : "", o.azVersion[i], nDone + bRan,
          nRun, nRun==1 ? "" : "s");
    }
    {
      char *zNew = xasprintf("%s%s", zOut ? zOut : "", zLine);
      free(zOut);
      free(zLine);
      zOut = zNew;
    }
    jrowsClear(&r);
    pstepsClear(&ops);
  }
  if( bLive ) dfFpMapClear(&live);
  openRunsClear(&o);
  return zOut;
}
