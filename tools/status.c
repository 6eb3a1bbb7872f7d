/*
** status.c — `dataflow status`: history, lock holder, interrupted applies
** and drift of a target; `--record` writes the drift as an 'inferred'
** history entry.
**
** Usage:
**
**   dataflow status --target sqlite:app.db
**   dataflow status --target sqlite:app.db --format json
**   dataflow status --target sqlite:app.db --record --as alice
**
** HOW IT WORKS
**
** Everything is read-only unless --record is given. The expected schema is
** the state the newest history event left: an apply or an inferred entry
** (database_checksum_after, fingerprints) or a rollback
** (database_checksum_rolled_back). The live schema is mirrored in memory;
** a different checksum is drift, named object by object when the history
** holds fingerprints. A 'pending' row is an apply in progress when its
** process holds the lock, else an interrupted apply: the live checksum is
** compared with the one it recorded before starting, to say whether the
** database is at the before state.
*/
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

static const char *orDash(const char *z){ return z && z[0] ? z : "-"; }

static int isStatus(const DfHistRow *r, const char *zStatus){
  return r->az[DF_HIST_STATUS] && strcmp(r->az[DF_HIST_STATUS], zStatus)==0;
}

/* The state the newest event of the history left. */
typedef struct Expected Expected;
struct Expected {
  const char *zChecksum;  /* schema checksum expected now, NULL: no history */
  const char *zWhen;      /* time of that event */
  const char *zVersion;   /* the row that produced it */
  const char *zEvent;     /* "applied", "inferred", "rolled back" */
  const char *zFps;       /* fingerprints JSON of the newest applied/inferred */
};

static void expectedState(DfHistRow *a, int n, Expected *p){
  int i;
  memset(p, 0, sizeof(*p));
  for(i=0; i<n; i++){
    DfHistRow *r = &a[i];
    const char *zWhen = 0, *zSum = 0, *zEvent = 0;
    if( isStatus(r, "applied") && r->az[DF_HIST_CHECKSUM_AFTER] ){
      zWhen = r->az[DF_HIST_APPLIED_AT]; zSum = r->az[DF_HIST_CHECKSUM_AFTER];
      zEvent = "applied";
    }else if( isStatus(r, "inferred") ){
      zWhen = r->az[DF_HIST_FINISHED_AT]; zSum = r->az[DF_HIST_CHECKSUM_AFTER];
      zEvent = "inferred";
    }else if( isStatus(r, "rolled_back") ){
      zWhen = r->az[DF_HIST_ROLLED_BACK_AT]; zSum = r->az[DF_HIST_CHECKSUM_ROLLED];
      zEvent = "rolled back";
    }
    if( (isStatus(r, "applied") || isStatus(r, "inferred"))
     && p->zFps==0 && r->az[DF_HIST_FINGERPRINTS] ){
      p->zFps = r->az[DF_HIST_FINGERPRINTS];
    }
    if( zSum==0 || zWhen==0 ) continue;
    if( p->zWhen==0 || strcmp(zWhen, p->zWhen)>0 ){
      p->zWhen = zWhen;
      p->zChecksum = zSum;
      p->zVersion = r->az[DF_HIST_VERSION];
      p->zEvent = zEvent;
    }
  }
}

/* Version of a migration left 'pending' (interrupted) after zWhen, or 0. */
static const char *pendingSince(DfHistRow *a, int n, const char *zWhen){
  int i;
  for(i=0; i<n; i++){
    const char *zAt = a[i].az[DF_HIST_CREATED_AT];
    if( isStatus(&a[i], "pending") && zAt && (zWhen==0 || strcmp(zAt, zWhen)>0) ){
      return a[i].az[DF_HIST_VERSION];
    }
  }
  return 0;
}

static void jsonStr(sqlite3_str *s, const char *zKey, const char *zVal, int bComma){
  if( bComma ) sqlite3_str_appendchar(s, 1, ',');
  dfJsonAppendString(s, zKey);
  sqlite3_str_appendchar(s, 1, ':');
  if( zVal ) dfJsonAppendString(s, zVal); else sqlite3_str_appendall(s, "null");
}

/* Write the inferred entry for the drift d (the lock held around it). */
static int recordInferred(DfTarget *t, const DfExecOptions *pOpt,
                          const Expected *pExp, DfCatalog *pLive,
                          const DfDriftList *d, char **pzErr){
  const DfEngine *e = t->pEng;
  DfLease lease;
  DfHistRow r;
  DfFpMap fp;
  sqlite3_str *s;
  char zNow[32], zTs[24], zPid[24];
  char *zOwner = pOpt->zAs ? xstrdup(pOpt->zAs) : dfAuthor();
  char *zErr = 0;
  time_t tNow = time(0);
  struct tm tm;
  int i, rc;

  memset(&r, 0, sizeof(r));
  dfLeaseInit(&lease, e, t->pConn, zOwner);
  rc = dfLeaseAcquire(&lease, pOpt->rLockTimeout, t->zSafeUrl, pzErr);
  if( rc ){ dfLeaseClear(&lease); free(zOwner); return rc; }

  gmtime_r(&tNow, &tm);
  strftime(zTs, sizeof(zTs), "%Y%m%d%H%M%S", &tm);
  dfNowUtcMs(zNow);
  snprintf(zPid, sizeof(zPid), "%lld", lease.iPid);
  s = sqlite3_str_new(0);
  sqlite3_str_appendall(s, "[{\"step\":1,\"operation\":\"inferred\",\"keys\":[");
  for(i=0; i<d->n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, d->a[i].zKey);
  }
  sqlite3_str_appendall(s, "],\"changes\":[");
  for(i=0; i<d->n; i++){
    sqlite3_str_appendall(s, i ? ",{" : "{");
    jsonStr(s, "object", d->a[i].zKey, 0);
    jsonStr(s, "change", d->a[i].zWhat, 1);
    sqlite3_str_appendchar(s, 1, '}');
  }
  sqlite3_str_appendall(s, "]}]");
  r.az[DF_HIST_OPERATIONS] = dfFromSqlite(sqlite3_str_finish(s));
  r.az[DF_HIST_VERSION] = xasprintf("%s-inferred-%s", zTs, zPid);
  dfHistSet(&r, DF_HIST_NAME, pExp->zChecksum ? "changes outside DataFlow"
                                              : "baseline: schema as found");
  dfHistSet(&r, DF_HIST_CHECKSUM, pLive->zChecksum ? pLive->zChecksum : "?");
  dfHistSet(&r, DF_HIST_STATUS, "inferred");
  dfHistSet(&r, DF_HIST_DEVELOPER, zOwner);
  dfHistSet(&r, DF_HIST_ENVIRONMENT, dfEnvironment(pOpt->zEnv));
  dfHistSet(&r, DF_HIST_MODE, "inferred");
  dfHistSet(&r, DF_HIST_CREATED_AT, zNow);
  dfHistSet(&r, DF_HIST_FINISHED_AT, zNow);
  dfHistSet(&r, DF_HIST_CHECKSUM_BEFORE, pExp->zChecksum);
  dfHistSet(&r, DF_HIST_CHECKSUM_AFTER, pLive->zChecksum);
  dfFpMapFromCatalog(pLive, &fp);
  r.az[DF_HIST_FINGERPRINTS] = dfFpMapToJson(&fp);
  dfFpMapClear(&fp);
  dfHistSet(&r, DF_HIST_HOST, lease.zHost);
  dfHistSet(&r, DF_HIST_PID, zPid);

  rc = e->xBegin(t->pConn, pzErr) ? DF_EXIT_CONNECT : 0;
  if( rc==0 ) rc = dfHistoryCreate(e, t->pConn, pzErr);
  if( rc==0 ) rc = dfHistoryInsert(e, t->pConn, &r, pzErr);
  if( rc==0 && e->xCommit(t->pConn, pzErr) ) rc = DF_EXIT_CONNECT;
  if( rc ){
    e->xRollback(t->pConn, &zErr);
    free(zErr);
  }else{
    printf("recorded the live schema as inferred entry %s\n", r.az[DF_HIST_VERSION]);
  }
  dfHistClear(&r);
  dfLeaseClear(&lease);
  free(zOwner);
  return rc;
}

int dfExecStatus(DfTarget *t, const DfExecOptions *pOpt, int bJson,
                 int bRecord, char **pzErr){
  const DfEngine *e = t->pEng;
  DfHistRow *aHist = 0;
  int nHist = 0, i, rc, bDrift = 0, bFps = 0;
  DfLockInfo li;
  DfCatalog *pLive = 0;
  Expected exp;
  DfDriftList d;
  DfFpMap fpExp, fpLive;
  sqlite3_str *s = 0;

  memset(&li, 0, sizeof(li));
  memset(&d, 0, sizeof(d));
  memset(&fpExp, 0, sizeof(fpExp));
  memset(&fpLive, 0, sizeof(fpLive));
  rc = dfHistoryLoad(e, t->pConn, &aHist, &nHist, pzErr);
  if( rc==0 ) rc = dfLockRead(e, t->pConn, &li, pzErr);
  if( rc==0 ) rc = dfTargetMirror(t, 0, &pLive, pzErr);
  if( rc ) goto done;

  expectedState(aHist, nHist, &exp);
  dfFpMapFromCatalog(pLive, &fpLive);
  if( exp.zChecksum && pLive->zChecksum && strcmp(exp.zChecksum, pLive->zChecksum) ){
    bDrift = 1;
    if( exp.zFps && dfFpMapFromJson(exp.zFps, &fpExp)==0 ){
      bFps = 1;
      dfDriftCompute(&fpExp, &fpLive, &d);
    }
  }

  if( bJson ){
    s = sqlite3_str_new(0);
    sqlite3_str_appendchar(s, 1, '{');
    jsonStr(s, "target", t->zSafeUrl, 0);
    jsonStr(s, "schema_checksum", pLive->zChecksum, 1);
    sqlite3_str_appendall(s, ",\"lock\":");
    if( li.zOwner ){
      sqlite3_str_appendchar(s, 1, '{');
      jsonStr(s, "owner", li.zOwner, 0);
      jsonStr(s, "host", li.zHost, 1);
      sqlite3_str_appendf(s, ",\"pid\":%lld", li.iPid);
      jsonStr(s, "acquired_at", li.zAcquired, 1);
      jsonStr(s, "expires_at", li.zExpires, 1);
      sqlite3_str_appendf(s, ",\"expired\":%s,\"process_gone\":%s}",
                          li.bExpired ? "true" : "false", li.bGone ? "true" : "false");
    }else{
      sqlite3_str_appendall(s, "null");
    }
    sqlite3_str_appendall(s, ",\"history\":[");
    for(i=0; i<nHist; i++){
      static const int aCol[] = {
        DF_HIST_VERSION, DF_HIST_NAME, DF_HIST_STATUS, DF_HIST_CREATED_AT,
        DF_HIST_APPLIED_AT, DF_HIST_ROLLED_BACK_AT, DF_HIST_DEVELOPER,
        DF_HIST_ENVIRONMENT, DF_HIST_MODE, DF_HIST_CHECKSUM,
        DF_HIST_CHECKSUM_BEFORE, DF_HIST_CHECKSUM_AFTER, DF_HIST_STEP_FAILED,
        DF_HIST_ERROR, DF_HIST_SECONDS,
      };
      size_t k;
      sqlite3_str_appendall(s, i ? ",{" : "{");
      for(k=0; k<sizeof(aCol)/sizeof(aCol[0]); k++){
        jsonStr(s, dfHistColumn(aCol[k]), aHist[i].az[aCol[k]], k>0);
      }
      sqlite3_str_appendchar(s, 1, '}');
    }
    sqlite3_str_appendall(s, "],\"drift\":");
    if( bDrift ){
      sqlite3_str_appendchar(s, 1, '{');
      jsonStr(s, "expected_checksum", exp.zChecksum, 0);
      jsonStr(s, "since", exp.zVersion, 1);
      sqlite3_str_appendall(s, ",\"objects\":[");
      for(i=0; i<d.n; i++){
        sqlite3_str_appendall(s, i ? ",{" : "{");
        jsonStr(s, "object", d.a[i].zKey, 0);
        jsonStr(s, "change", d.a[i].zWhat, 1);
        sqlite3_str_appendchar(s, 1, '}');
      }
      sqlite3_str_appendall(s, "]}");
    }else{
      sqlite3_str_appendall(s, "null");
    }
    sqlite3_str_appendall(s, "}");
    {
      char *z = dfFromSqlite(sqlite3_str_finish(s));
      s = 0;
      printf("%s\n", z);
      free(z);
    }
  }else{
    printf("target: %s\n", t->zSafeUrl);
    printf("schema checksum: %s\n", orDash(pLive->zChecksum));
    if( li.zOwner ){
      char *zWho = dfLockDescribe(&li);
      printf("lock: held by %s\n", zWho);
      free(zWho);
    }else{
      printf("lock: free\n");
    }
    for(i=0; i<nHist; i++){
      DfHistRow *r = &aHist[i];
      int bRunning;
      if( !isStatus(r, "pending") ) continue;
      bRunning = li.zOwner && !li.bExpired && !li.bGone && r->az[DF_HIST_PID]
              && r->az[DF_HIST_HOST] && li.zHost
              && atoll(r->az[DF_HIST_PID])==li.iPid && strcmp(r->az[DF_HIST_HOST], li.zHost)==0;
      if( bRunning ){
        printf("apply in progress: version %s by %s since %s\n",
               r->az[DF_HIST_VERSION], orDash(r->az[DF_HIST_DEVELOPER]),
               orDash(r->az[DF_HIST_CREATED_AT]));
      }else{
        int bBefore = r->az[DF_HIST_CHECKSUM_BEFORE] && pLive->zChecksum
                   && strcmp(r->az[DF_HIST_CHECKSUM_BEFORE], pLive->zChecksum)==0;
        printf("interrupted: apply of version %s by %s was interrupted at %s;"
               " %s; the next apply will close it\n",
               r->az[DF_HIST_VERSION], orDash(r->az[DF_HIST_DEVELOPER]),
               orDash(r->az[DF_HIST_CREATED_AT]),
               bBefore ? "the database is at the before state (checksum"
                         " matches base)"
                       : "the live schema checksum differs from the one it"
                         " recorded before starting: inspect the database");
      }
    }
    {
      /* open step journals (any engine: online steps journal on PostgreSQL) */
      char *zJ = dfJournalDescribe(t, aHist, nHist);
      if( zJ ){ printf("%s\n", zJ); free(zJ); }
    }
    if( nHist==0 ){
      printf("history: none (DataFlow has not changed this database)\n");
    }else{
      printf("history (newest first):\n");
      for(i=0; i<nHist; i++){
        DfHistRow *r = &aHist[i];
        const char *zWhen = isStatus(r, "rolled_back") ? r->az[DF_HIST_ROLLED_BACK_AT]
                          : r->az[DF_HIST_APPLIED_AT] ? r->az[DF_HIST_APPLIED_AT]
                          : r->az[DF_HIST_FINISHED_AT] ? r->az[DF_HIST_FINISHED_AT]
                          : r->az[DF_HIST_CREATED_AT];
        printf("  %s  %-11s  %s  %s  %s  %s  %s\n", orDash(r->az[DF_HIST_VERSION]),
               orDash(r->az[DF_HIST_STATUS]), orDash(zWhen),
               orDash(r->az[DF_HIST_DEVELOPER]), orDash(r->az[DF_HIST_ENVIRONMENT]),
               orDash(r->az[DF_HIST_MODE]), orDash(r->az[DF_HIST_NAME]));
        if( isStatus(r, "failed") ){
          if( r->az[DF_HIST_STEP_FAILED] ){
            printf("      failed at step %s: %s\n", r->az[DF_HIST_STEP_FAILED],
                   orDash(r->az[DF_HIST_ERROR]));
          }else{
            printf("      %s\n", orDash(r->az[DF_HIST_ERROR]));
          }
        }
      }
    }
    if( exp.zChecksum==0 ){
      printf("drift: unknown (no recorded schema state; --record records the"
             " live schema as a baseline)\n");
    }else if( !bDrift ){
      printf("drift: none (the live schema matches the state %s by %s)\n",
             exp.zEvent, orDash(exp.zVersion));
    }else if( pendingSince(aHist, nHist, exp.zWhen) ){
      /* Not drift: an interrupted apply (reported above) changed it. */
      printf("drift: the live schema differs from the state %s by %s (checksum"
             " %.12s, now %.12s) because migration %s was interrupted (see"
             " above)\n", exp.zEvent, orDash(exp.zVersion), exp.zChecksum,
             orDash(pLive->zChecksum), pendingSince(aHist, nHist, exp.zWhen));
    }else{
      printf("drift: the live schema differs from the state %s by %s (checksum"
             " %.12s, now %.12s): changed outside DataFlow\n", exp.zEvent,
             orDash(exp.zVersion), exp.zChecksum, orDash(pLive->zChecksum));
      for(i=0; i<d.n; i++){
        char *zWhat = dfKeyDescribe(d.a[i].zKey);
        printf("  %s %s\n", zWhat, d.a[i].zWhat);
        free(zWhat);
      }
      if( !bFps ) printf("  (objects unknown: no fingerprints recorded)\n");
      if( !bRecord ){
        printf("record it with: dataflow status --target %s --record\n",
               t->zSafeUrl);
      }
    }
  }
  fflush(stdout);

  if( bRecord ){
    if( exp.zChecksum && !bDrift ){
      printf("nothing to record: the live schema matches the recorded state\n");
    }else{
      DfDriftList dAll;
      if( !bFps ){
        /* No fingerprints to compare with: every object is "added". */
        DfFpMap empty;
        memset(&empty, 0, sizeof(empty));
        dfDriftCompute(&empty, &fpLive, &dAll);
      }
      rc = recordInferred(t, pOpt, &exp, pLive, bFps ? &d : &dAll, pzErr);
      if( !bFps ) dfDriftClear(&dAll);
    }
  }

done:
  dfDriftClear(&d);
  dfFpMapClear(&fpExp);
  dfFpMapClear(&fpLive);
  dfLockInfoClear(&li);
  dfCatalogFree(pLive);
  dfHistoryFree(aHist, nHist);
  return rc;
}
