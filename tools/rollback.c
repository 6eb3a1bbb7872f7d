/*
** rollback.c — `dataflow rollback`, `dataflow purge` and `dataflow unlock`:
** the executor's ways back (see executor.h).
**
** Usage:
**
**   dataflow rollback --target sqlite:app.db --yes
**   dataflow purge --target sqlite:app.db --yes
**   dataflow unlock --target sqlite:app.db
**
** HOW IT WORKS
**
** Rollback undoes the newest 'applied' migration (purges excepted: they
** are not schema changes) with the rollback plan recorded in its history
** row at apply time, never with SQL recomputed now. Under the lease it
** compares the live fingerprints of the objects that migration touched with
** those recorded after it: if one of them changed since (a later change
** from outside DataFlow, say), undoing could destroy that work, so it is a
** conflict. The undo statements run in one transaction (reverse step order,
** quarantined data moved back), the foreign key check runs, and the schema
** checksum after is compared with the one recorded before the migration:
** equal means the database is back where it was, and the command says so.
** The history row becomes 'rolled_back' inside the same transaction.
**
** Purge lists the quarantine tables (dataflow_quarantine_*) and their row
** counts and, confirmed, drops them in one transaction recorded as a
** history row of its own (mode 'purge'); it cannot be undone.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfjson.h"
#include "drift.h"
#include "executor.h"
#include "history.h"
#include "journal.h"
#include "lock.h"
#include "util.h"

static int faultStep(const char *zKind){
  const char *z = getenv("DATAFLOW_FAULT");
  size_t n = strlen(zKind);
  if( z==0 || strncmp(z, zKind, n)!=0 || z[n]!=':' ) return 0;
  return atoi(z + n + 1);
}

static double monoSeconds(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int isStatus(const DfHistRow *r, const char *zStatus){
  return r->az[DF_HIST_STATUS] && strcmp(r->az[DF_HIST_STATUS], zStatus)==0;
}

static int isPurge(const DfHistRow *r){
  return r->az[DF_HIST_MODE] && strcmp(r->az[DF_HIST_MODE], "purge")==0;
}

/* Index of the newest applied migration (purges skipped), or -1. */
static int lastApplied(DfHistRow *aRow, int nRow){
  int i;
  for(i=0; i<nRow; i++){
    if( isStatus(&aRow[i], "applied") && !isPurge(&aRow[i]) ) return i;
  }
  return -1;
}

/* One entry of a recorded rollback plan. */
typedef struct UndoStep UndoStep;
struct UndoStep {
  int iStep;              /* the forward step it undoes */
  char *zOperation;       /* forward operation */
  char *zObject;          /* forward object */
  char *zSql;             /* undo SQL, NULL when it cannot be undone */
  int bOutside;           /* must run outside a transaction (CONCURRENTLY) */
};

static void undoFree(UndoStep *a, int n){
  int i;
  for(i=0; i<n; i++){ free(a[i].zOperation); free(a[i].zObject); free(a[i].zSql); }
  free(a);
}

static char *jsonText(DfJson *pObj, const char *zKey){
  DfJson *p = dfJsonGet(pObj, zKey);
  return p && (p->eType==DF_JSON_STRING || p->eType==DF_JSON_NUMBER)
         ? xstrdup(p->zText) : 0;
}

/* Parse the rollback_plan JSON. -1 when it is not readable. */
static int undoParse(const char *zJson, UndoStep **paOut){
  char *zErr = 0;
  DfJson *p = zJson ? dfJsonParse(zJson, &zErr) : 0;
  UndoStep *a;
  int i;
  sqlite3_free(zErr);
  *paOut = 0;
  if( p==0 || p->eType!=DF_JSON_ARRAY ){ dfJsonFree(p); return -1; }
  a = xcalloc((size_t)p->nChild + 1, sizeof(UndoStep));
  for(i=0; i<p->nChild; i++){
    char *zStep = jsonText(&p->aChild[i], "step");
    a[i].iStep = zStep ? atoi(zStep) : i + 1;
    free(zStep);
    a[i].zOperation = jsonText(&p->aChild[i], "operation");
    a[i].zObject = jsonText(&p->aChild[i], "object");
    a[i].zSql = jsonText(&p->aChild[i], "sql");
    a[i].bOutside = dfJsonGet(&p->aChild[i], "transactional")!=0
                 && dfJsonGet(&p->aChild[i], "transactional")->eType==DF_JSON_FALSE;
  }
  i = p->nChild;
  dfJsonFree(p);
  *paOut = a;
  return i;
}

/* Keys the migration's steps touched (refused steps excluded). */
static void touchedOf(const DfHistRow *r, DfKeySet *pOut){
  char *zErr = 0;
  DfJson *p = dfJsonParse(r->az[DF_HIST_OPERATIONS] ? r->az[DF_HIST_OPERATIONS] : "[]", &zErr);
  int i, j;
  sqlite3_free(zErr);
  if( p==0 ) return;
  for(i=0; p->eType==DF_JSON_ARRAY && i<p->nChild; i++){
    DfJson *pRef = dfJsonGet(&p->aChild[i], "refused");
    DfJson *pKeys = dfJsonGet(&p->aChild[i], "keys");
    if( pRef && pRef->eType==DF_JSON_TRUE ) continue;
    for(j=0; pKeys && pKeys->eType==DF_JSON_ARRAY && j<pKeys->nChild; j++){
      if( pKeys->aChild[j].eType==DF_JSON_STRING ){
        dfKeySetAdd(pOut, pKeys->aChild[j].zText);
      }
    }
  }
  dfJsonFree(p);
}

/* Quarantine tables the migration kept data in that are gone now. */
static char *purgedQuarantine(DfTarget *t, const DfHistRow *r){
  char *zErr = 0, *zGone = 0;
  DfJson *p = r->az[DF_HIST_KEPT_DATA] ? dfJsonParse(r->az[DF_HIST_KEPT_DATA], &zErr) : 0;
  int i;
  sqlite3_free(zErr);
  for(i=0; p && p->eType==DF_JSON_ARRAY && i<p->nChild; i++){
    DfJson *q = dfJsonGet(&p->aChild[i], "quarantine");
    int bExists = 1;
    char *zE = 0;
    if( q==0 || q->eType!=DF_JSON_STRING ) continue;
    dfTargetTableExists(t->pEng, t->pConn, q->zText, &bExists, &zE);
    free(zE);
    if( !bExists ){
      char *zNew = xasprintf("%s%s%s", zGone ? zGone : "", zGone ? ", " : "", q->zText);
      free(zGone);
      zGone = zNew;
    }
  }
  dfJsonFree(p);
  return zGone;
}

int dfExecRollback(DfTarget *t, const DfExecOptions *pOpt, char **pzErr){
  const DfEngine *e = t->pEng;
  DfHistRow *aHist = 0;
  int nHist = 0, iRow, nUndo = 0, i, rc, bTxn = 0;
  int bOutside = 0;         /* an undo step must run outside a transaction */
  int bStepTxn = 0;         /* the current undo step has a transaction of its own */
  UndoStep *aUndo = 0;
  DfLease lease;
  DfCatalog *pLive = 0, *pAfter = 0;
  char *zVersion = 0, *zErr = 0, *zOwner = 0;
  const char *zEnv = dfEnvironment(pOpt->zEnv);
  double rStart;
  DfJournal jr;             /* undo journal when DDL is not transactional */

  memset(&lease, 0, sizeof(lease));
  memset(&jr, 0, sizeof(jr));
  {
    /* An interrupted apply or rollback is what this rollback undoes or
    ** finishes (journal.c); nothing else is rolled back then. Any engine:
    ** online steps journal on PostgreSQL too. */
    int nRec = 0;
    rc = dfJournalRecoverLocked(t, pOpt->zAs, pOpt->rLockTimeout,
                                DF_JOURNAL_ROLLBACK, &nRec, pzErr);
    if( rc || nRec ) return rc;
  }
  rc = dfHistoryLoad(e, t->pConn, &aHist, &nHist, pzErr);
  if( rc ) return rc;
  iRow = lastApplied(aHist, nHist);
  if( iRow<0 ){
    printf("nothing to roll back: %s has no applied migration in its"
           " DataFlow history\n", t->zSafeUrl);
    dfHistoryFree(aHist, nHist);
    return DF_EXIT_OK;
  }
  zVersion = xstrdup(aHist[iRow].az[DF_HIST_VERSION]);
  nUndo = undoParse(aHist[iRow].az[DF_HIST_ROLLBACK_PLAN], &aUndo);
  if( nUndo<0 ){
    *pzErr = xasprintf("migration %s has no readable rollback plan in"
                       " dataflow_migrations; it cannot be rolled back", zVersion);
    rc = DF_EXIT_REFUSED;
    goto done;
  }
  for(i=0; i<nUndo; i++){
    if( aUndo[i].zSql==0 ){
      *pzErr = xasprintf("migration %s cannot be rolled back: step %d (%s %s)"
          " has no rollback SQL; nothing was changed", zVersion, aUndo[i].iStep,
          aUndo[i].zOperation ? aUndo[i].zOperation : "?",
          aUndo[i].zObject ? aUndo[i].zObject : "?");
      rc = DF_EXIT_REFUSED;
      goto done;
    }
  }
  {
    char *zGone = purgedQuarantine(t, &aHist[iRow]);
    if( zGone ){
      *pzErr = xasprintf("migration %s cannot be rolled back: the data it"
          " kept was purged (%s); nothing was changed", zVersion, zGone);
      free(zGone);
      rc = DF_EXIT_REFUSED;
      goto done;
    }
  }
  printf("rolling back migration %s ('%s', applied by %s at %s): %d step%s"
         " to undo on %s\n", zVersion,
         aHist[iRow].az[DF_HIST_NAME] ? aHist[iRow].az[DF_HIST_NAME] : "?",
         aHist[iRow].az[DF_HIST_DEVELOPER] ? aHist[iRow].az[DF_HIST_DEVELOPER] : "?",
         aHist[iRow].az[DF_HIST_APPLIED_AT] ? aHist[iRow].az[DF_HIST_APPLIED_AT] : "?",
         nUndo, nUndo==1 ? "" : "s", t->zSafeUrl);
  if( !pOpt->bYes ){
    char *zQ = xasprintf("Roll back migration %s on %s?", zVersion, t->zSafeUrl);
    int bOk = dfConfirm(zQ);
    free(zQ);
    if( !bOk ){
      *pzErr = xasprintf("rollback needs a confirmation%s: answer y on the"
          " terminal or rerun with --yes; nothing was changed",
          strcmp(zEnv, "production")==0 ? " (production environment)" : "");
      rc = DF_EXIT_REFUSED;
      goto done;
    }
  }

  /* The lease, then make sure the same migration is still the last. */
  zOwner = pOpt->zAs ? xstrdup(pOpt->zAs) : dfAuthor();
  dfLeaseInit(&lease, e, t->pConn, zOwner);
  rc = dfLeaseAcquire(&lease, pOpt->rLockTimeout, t->zSafeUrl, pzErr);
  if( rc ) goto done;
  if( lease.zTakenOver ) printf("took over the stale lock of %s\n", lease.zTakenOver);
  dfHistoryFree(aHist, nHist);
  aHist = 0; nHist = 0;
  rc = dfHistoryLoad(e, t->pConn, &aHist, &nHist, pzErr);
  if( rc ) goto done;
  iRow = lastApplied(aHist, nHist);
  if( iRow<0 || strcmp(aHist[iRow].az[DF_HIST_VERSION], zVersion)!=0 ){
    *pzErr = xasprintf("conflict: the history changed while waiting for the"
                       " lock (migration %s is no longer the last applied);"
                       " nothing was changed", zVersion);
    rc = DF_EXIT_CONFLICT;
    goto done;
  }

  /* Objects the migration touched must be as it left them. */
  rc = dfTargetMirror(t, 0, &pLive, pzErr);
  if( rc ) goto done;
  {
    DfFpMap after, live;
    DfDriftList d;
    DfKeySet touched = {0, 0};
    char *zConflict = 0;
    int nConflict = 0;
    touchedOf(&aHist[iRow], &touched);
    if( dfFpMapFromJson(aHist[iRow].az[DF_HIST_FINGERPRINTS], &after)==0 ){
      dfFpMapFromCatalog(pLive, &live);
      dfDriftCompute(&after, &live, &d);
      for(i=0; i<d.n; i++){
        char *zWhat = dfKeyDescribe(d.a[i].zKey);
        char *zWho = dfDriftWho(d.a[i].zKey, dfFpMapGet(&live, d.a[i].zKey),
                                aHist, nHist);
        if( dfKeySetHas(&touched, d.a[i].zKey) ){
          char *zNew = xasprintf("%s%s%s %s since migration %s was applied: %s",
                                 zConflict ? zConflict : "", zConflict ? "\n  " : "",
                                 zWhat, d.a[i].zWhat, zVersion, zWho);
          free(zConflict);
          zConflict = zNew;
          nConflict++;
        }else{
          printf("drift (not blocking): %s %s since migration %s: %s\n",
                 zWhat, d.a[i].zWhat, zVersion, zWho);
        }
        free(zWhat);
        free(zWho);
      }
      dfDriftClear(&d);
      dfFpMapClear(&live);
    }
    dfFpMapClear(&after);
    dfKeySetClear(&touched);
    if( nConflict ){
      *pzErr = xasprintf("conflict: cannot roll back migration %s: %s\nundoing"
          " it could destroy those changes; nothing was changed", zVersion, zConflict);
      free(zConflict);
      rc = DF_EXIT_CONFLICT;
      goto done;
    }
  }

  /* The undo, in one transaction; journalled step by step when the engine
  ** cannot roll DDL back or an undo step must run outside a transaction
  ** (DROP INDEX CONCURRENTLY): then each step commits on its own. */
  for(i=0; i<nUndo; i++) if( aUndo[i].bOutside ) bOutside = 1;
  rStart = monoSeconds();
  if( !e->bTransactionalDdl || bOutside ){
    rc = dfJournalOpen(&jr, t, zVersion, DF_JOURNAL_ROLLBACK, pLive, &pLive, 1,
                       0, 0, &zErr);
    if( rc ) goto failed;
  }
  if( !(bOutside && e->bTransactionalDdl) ){
    if( e->xBegin(t->pConn, &zErr) ){ rc = DF_EXIT_CONNECT; goto failed; }
    bTxn = 1;
  }
  for(i=0; i<nUndo; i++){
    char *zStepErr = 0;
    printf("  undo step %d: %s %s\n", aUndo[i].iStep,
           aUndo[i].zOperation ? aUndo[i].zOperation : "?",
           aUndo[i].zObject ? aUndo[i].zObject : "?");
    fflush(stdout);
    if( jr.bOpen ){
      char *zFwd = dfJournalForwardSql(aHist[iRow].az[DF_HIST_OPERATIONS], aUndo[i].iStep);
      int rcJ = dfJournalBeginRaw(&jr, aUndo[i].iStep, aUndo[i].zOperation, aUndo[i].zObject,
                                  0, aUndo[i].zSql, zFwd, 0, &zErr);
      free(zFwd);
      if( rcJ ){ rc = DF_EXIT_CONNECT; goto failed; }
    }
    /* Journalled on a transactional engine: a step and its 'done' mark
    ** commit together. */
    bStepTxn = bOutside && e->bTransactionalDdl && !aUndo[i].bOutside;
    if( bStepTxn ){
      if( e->xBegin(t->pConn, &zErr) ){ rc = DF_EXIT_CONNECT; goto failed; }
      bTxn = 1;
    }
    if( faultStep("fail-step")==i+1 ){
      zStepErr = xasprintf("injected failure (DATAFLOW_FAULT=fail-step:%d)", i+1);
    }else{
      e->xExec(t->pConn, aUndo[i].zSql, &zStepErr);
    }
    if( zStepErr && bStepTxn ){
      char *zIgnore = 0;
      e->xRollback(t->pConn, &zIgnore);
      free(zIgnore);
      bTxn = 0;
    }
    if( zStepErr && jr.bOpen ) dfJournalFailed(&jr, zStepErr);
    if( zStepErr ){
      zErr = xasprintf("undoing step %d (%s %s) failed: %s", aUndo[i].iStep,
                       aUndo[i].zOperation ? aUndo[i].zOperation : "?",
                       aUndo[i].zObject ? aUndo[i].zObject : "?", zStepErr);
      free(zStepErr);
      rc = DF_EXIT_APPLY;
      goto failed;
    }
    if( faultStep("kill-after-step")==i+1 ){ fflush(stdout); raise(SIGKILL); }
    if( jr.bOpen && dfJournalDone(&jr, &zErr) ){ rc = DF_EXIT_CONNECT; goto failed; }
    if( bStepTxn ){
      if( e->xCommit(t->pConn, &zErr) ){ rc = DF_EXIT_APPLY; goto failed; }
      bTxn = 0;
    }
    if( dfLeaseRenew(&lease, 0, &zErr) ){ rc = DF_EXIT_CONFLICT; goto failed; }
  }
  if( e->xVerify && e->xVerify(t->pConn, &zErr) ){ rc = DF_EXIT_APPLY; goto failed; }
  rc = dfTargetMirror(t, 0, &pAfter, &zErr);
  if( rc ) goto failed;
  if( !bTxn && e->bTransactionalDdl ){
    if( e->xBegin(t->pConn, &zErr) ){ rc = DF_EXIT_CONNECT; goto failed; }
    bTxn = 1;
  }
  {
    DfHistRow set;
    char zNow[32];
    memset(&set, 0, sizeof(set));
    dfNowUtcMs(zNow);
    dfHistSet(&set, DF_HIST_STATUS, "rolled_back");
    dfHistSet(&set, DF_HIST_ROLLED_BACK_AT, zNow);
    dfHistSet(&set, DF_HIST_CHECKSUM_ROLLED, pAfter->zChecksum);
    rc = dfHistoryUpdate(e, t->pConn, zVersion, &set, &zErr);
    dfHistClear(&set);
    if( rc ) goto failed;
  }
  if( e->xCommit(t->pConn, &zErr) ){ rc = DF_EXIT_APPLY; goto failed; }
  bTxn = 0;
  if( jr.bOpen ){
    char *zJ = 0;
    dfJournalClose(&jr, "rolled back", &zJ);
    free(zJ);
  }
  {
    const char *zBefore = aHist[iRow].az[DF_HIST_CHECKSUM_BEFORE];
    printf("rolled back migration %s: %d step%s undone in %.3f s\n", zVersion,
           nUndo, nUndo==1 ? "" : "s", monoSeconds() - rStart);
    if( zBefore && pAfter->zChecksum && strcmp(zBefore, pAfter->zChecksum)==0 ){
      printf("the schema checksum %s equals the one recorded before migration"
             " %s: the schema is back where it was\n", pAfter->zChecksum, zVersion);
    }else{
      dfWarn("the schema checksum after the rollback (%s) differs from the one"
             " recorded before migration %s (%s)",
             pAfter->zChecksum ? pAfter->zChecksum : "?", zVersion,
             zBefore ? zBefore : "?");
    }
  }
  rc = DF_EXIT_OK;
  goto done;

failed:
  {
    char *zIgnore = 0;
    int bUndoFailed = 0;
    if( bTxn ) e->xRollback(t->pConn, &zIgnore);
    free(zIgnore);
    if( jr.bOpen ){
      /* No ROLLBACK for this engine's DDL: redo the undone steps. */
      char *zU = 0;
      if( jr.nDone>0 ){
        char *zWhy = dfJournalWhy(e);
        printf("redoing the %d undone step%s (%s):\n", jr.nDone,
               jr.nDone==1 ? "" : "s", zWhy);
        free(zWhy);
      }
      if( dfJournalUndo(&jr, 0, &zU) ){
        char *zNew = xasprintf("%s; then %s", zErr ? zErr : "?", zU ? zU : "?");
        free(zErr);
        zErr = zNew;
        bUndoFailed = 1;
      }else{
        char *zJ = 0;
        dfJournalClose(&jr, "failed; the undone steps were redone", &zJ);
        free(zJ);
      }
      free(zU);
    }
    if( bUndoFailed ){
      *pzErr = xasprintf("%s: the database is between states, the journal"
                         " stays open (dataflow status shows it; the next"
                         " rollback finishes it)", zErr ? zErr : "?");
    }else{
      *pzErr = xasprintf("%s; the rollback was abandoned and the database is"
                         " unchanged (migration %s stays applied)",
                         zErr ? zErr : "?", zVersion);
    }
    free(zErr);
    if( rc==0 ) rc = DF_EXIT_APPLY;
  }

done:
  dfJournalClear(&jr);
  dfLeaseClear(&lease);
  dfCatalogFree(pLive);
  dfCatalogFree(pAfter);
  undoFree(aUndo, nUndo>0 ? nUndo : 0);
  dfHistoryFree(aHist, nHist);
  free(zVersion);
  free(zOwner);
  return rc;
}

/* ---------------------------------------------------------------------------
** Purge
*/

int dfExecPurge(DfTarget *t, const DfExecOptions *pOpt, char **pzErr){
  const DfEngine *e = t->pEng;
  char **azQ = 0;
  long long *anRow = 0;
  int nQ = 0, i, rc;
  DfLease lease;
  DfHistRow r;
  char *zOwner = 0, *zErr = 0, *zVersion = 0;
  const char *zEnv = dfEnvironment(pOpt->zEnv);
  sqlite3_str *pOps;
  char zNow[32], zTs[24], zPid[24];
  time_t tNow = time(0);
  struct tm tm;
  int bTxn = 0;

  memset(&lease, 0, sizeof(lease));
  memset(&r, 0, sizeof(r));
  rc = dfTargetTablesLike(e, t->pConn, "dataflow_quarantine_", &azQ, &nQ, pzErr);
  if( rc ) return rc;
  if( nQ==0 ){
    printf("no quarantined data on %s\n", t->zSafeUrl);
    return DF_EXIT_OK;
  }
  anRow = xcalloc((size_t)nQ, sizeof(long long));
  printf("quarantined data on %s:\n", t->zSafeUrl);
  for(i=0; i<nQ; i++){
    char *zQ = e->xQuoteIdent(t->pConn, azQ[i]);
    char *zSql = xasprintf("SELECT count(*) FROM %s", zQ);
    char *zVal = 0, *zE = 0;
    e->xQueryValue(t->pConn, zSql, &zVal, &zE);
    anRow[i] = zVal ? atoll(zVal) : -1;
    printf("  %s: %lld row%s\n", azQ[i], anRow[i], anRow[i]==1 ? "" : "s");
    free(zQ); free(zSql); free(zVal); free(zE);
  }
  if( !pOpt->bYes ){
    char *zQ = xasprintf("Delete these %d quarantined table%s for good?", nQ,
                         nQ==1 ? "" : "s");
    int bOk = dfConfirm(zQ);
    free(zQ);
    if( !bOk ){
      *pzErr = xasprintf("purge deletes quarantined data for good and needs a"
          " confirmation: answer y on the terminal or rerun with --yes;"
          " nothing was changed");
      rc = DF_EXIT_REFUSED;
      goto done;
    }
  }
  zOwner = pOpt->zAs ? xstrdup(pOpt->zAs) : dfAuthor();
  dfLeaseInit(&lease, e, t->pConn, zOwner);
  rc = dfLeaseAcquire(&lease, pOpt->rLockTimeout, t->zSafeUrl, pzErr);
  if( rc ) goto done;

  /* The history row: operations list what goes; nothing can undo it. */
  gmtime_r(&tNow, &tm);
  strftime(zTs, sizeof(zTs), "%Y%m%d%H%M%S", &tm);
  zVersion = xasprintf("%s-purge-%lld", zTs, lease.iPid);
  pOps = sqlite3_str_new(0);
  sqlite3_str_appendchar(pOps, 1, '[');
  for(i=0; i<nQ; i++){
    char *zQ = e->xQuoteIdent(t->pConn, azQ[i]);
    char *zSql = xasprintf("DROP TABLE %s", zQ);
    sqlite3_str_appendf(pOps, "%s{\"step\":%d,\"operation\":\"purge\",\"object\":",
                        i ? "," : "", i+1);
    dfJsonAppendString(pOps, azQ[i]);
    sqlite3_str_appendf(pOps, ",\"rows\":%lld,\"keys\":[],\"sql\":", anRow[i]);
    dfJsonAppendString(pOps, zSql);
    sqlite3_str_appendchar(pOps, 1, '}');
    free(zQ); free(zSql);
  }
  sqlite3_str_appendchar(pOps, 1, ']');
  dfNowUtcMs(zNow);
  snprintf(zPid, sizeof(zPid), "%lld", lease.iPid);
  dfHistSet(&r, DF_HIST_VERSION, zVersion);
  dfHistSet(&r, DF_HIST_NAME, "purge quarantined data");
  dfHistSet(&r, DF_HIST_CHECKSUM, "purge");
  dfHistSet(&r, DF_HIST_STATUS, "applied");
  dfHistSet(&r, DF_HIST_DEVELOPER, zOwner);
  dfHistSet(&r, DF_HIST_ENVIRONMENT, zEnv);
  dfHistSet(&r, DF_HIST_MODE, "purge");
  r.az[DF_HIST_OPERATIONS] = dfFromSqlite(sqlite3_str_finish(pOps));
  dfHistSet(&r, DF_HIST_ROLLBACK_PLAN, "[]");
  dfHistSet(&r, DF_HIST_CREATED_AT, zNow);
  dfHistSet(&r, DF_HIST_APPLIED_AT, zNow);
  dfHistSet(&r, DF_HIST_FINISHED_AT, zNow);
  dfHistSet(&r, DF_HIST_HOST, lease.zHost);
  dfHistSet(&r, DF_HIST_PID, zPid);

  if( e->xBegin(t->pConn, &zErr) ){ rc = DF_EXIT_CONNECT; goto failed; }
  bTxn = 1;
  for(i=0; i<nQ; i++){
    char *zQ = e->xQuoteIdent(t->pConn, azQ[i]);
    char *zSql = xasprintf("DROP TABLE %s", zQ);
    int bBad = e->xExec(t->pConn, zSql, &zErr);
    free(zQ); free(zSql);
    if( bBad ){ rc = DF_EXIT_APPLY; goto failed; }
  }
  if( dfHistoryCreate(e, t->pConn, &zErr)
   || dfHistoryInsert(e, t->pConn, &r, &zErr) ){ rc = DF_EXIT_APPLY; goto failed; }
  if( e->xCommit(t->pConn, &zErr) ){ rc = DF_EXIT_APPLY; goto failed; }
  bTxn = 0;
  printf("purged %d quarantined table%s (recorded as %s); this cannot be"
         " undone\n", nQ, nQ==1 ? "" : "s", zVersion);
  rc = DF_EXIT_OK;
  goto done;

failed:
  {
    char *zIgnore = 0;
    if( bTxn ) e->xRollback(t->pConn, &zIgnore);
    free(zIgnore);
    *pzErr = xasprintf("purge failed: %s; nothing was deleted", zErr ? zErr : "?");
    free(zErr);
  }

done:
  dfLeaseClear(&lease);
  dfHistClear(&r);
  for(i=0; i<nQ; i++) free(azQ[i]);
  free(azQ);
  free(anRow);
  free(zOwner);
  free(zVersion);
  return rc;
}

/* ---------------------------------------------------------------------------
** Unlock
*/

int dfExecUnlock(DfTarget *t, char **pzErr){
  DfLockInfo was;
  int rc = dfLockBreak(t->pEng, t->pConn, &was, pzErr);
  if( rc ) return rc;
  if( was.zOwner==0 ){
    printf("%s was not locked\n", t->zSafeUrl);
  }else{
    char *zWho = dfLockDescribe(&was);
    printf("released the lock of %s on %s\n", zWho, t->zSafeUrl);
    if( !was.bExpired && !was.bGone ){
      dfWarn("that lease had not expired: if its apply is still running, it"
             " will fail when it renews the lease");
    }
    free(zWho);
  }
  dfLockInfoClear(&was);
  return DF_EXIT_OK;
}
