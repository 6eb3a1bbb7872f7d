/*
** lock.c — the lease lock of `dataflow apply`, `rollback`, `purge` and
** `unlock` (see lock.h for the protocol).
**
** Usage (from the commands):
**
**   DfLease lease;
**   dfLeaseInit(&lease, pEng, pConn, zOwner);
**   rc = dfLeaseAcquire(&lease, 30.0, zSafeUrl, &zErr);   // waits <= 30 s
**   ... dfLeaseRenew(&lease, 0, &zErr) between steps ...
**   dfLeaseClear(&lease);                                // releases
**
** HOW IT WORKS
**
** dataflow_lock holds at most one row (id = 1). Taking the lock is one
** transaction: create the table if needed, read the row, and either give up
** (a live holder whose lease has not expired) or replace the row with ours.
** On SQLite the transaction is BEGIN IMMEDIATE, so two processes cannot
** both see the row free; a busy database is simply retried until the
** timeout. The row is committed before the migration's own transaction
** starts, so `dataflow status` and a waiting colleague can read who holds
** it, and it survives a kill -9: then the lease runs out, or, on the same
** host, the next apply sees that the pid is gone and takes over at once.
*/
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

#define LOCK_TABLE_DDL \
  "CREATE TABLE IF NOT EXISTS dataflow_lock(\n" \
  "  id INTEGER PRIMARY KEY CHECK (id = 1),\n" \
  "  owner VARCHAR(255) NOT NULL,\n" \
  "  host VARCHAR(255),\n" \
  "  pid BIGINT,\n" \
  "  acquired_at VARCHAR(32) NOT NULL,\n" \
  "  expires_at VARCHAR(32) NOT NULL)"

#define LOCK_RETRY_MS 200      /* pause between two attempts */

void dfUtcFormat(time_t t, char z[24]){
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(z, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

time_t dfUtcParse(const char *z){
  struct tm tm;
  const char *zEnd;
  if( z==0 ) return -1;
  memset(&tm, 0, sizeof(tm));
  zEnd = strptime(z, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if( zEnd==0 || *zEnd ) return -1;
  return timegm(&tm);
}

static char *hostName(void){
  char zHost[256];
  if( gethostname(zHost, sizeof(zHost))!=0 ) strcpy(zHost, "localhost");
  zHost[sizeof(zHost)-1] = 0;
  return xstrdup(zHost);
}

/* 1 when pid is not a process on this host any more. */
static int processGone(long long iPid){
  if( iPid<=0 ) return 0;
  return kill((pid_t)iPid, 0)!=0 && errno==ESRCH;
}

void dfLockInfoClear(DfLockInfo *p){
  free(p->zOwner);
  free(p->zHost);
  free(p->zAcquired);
  free(p->zExpires);
  memset(p, 0, sizeof(*p));
}

static int lockRow(void *pArg, int nCol, char **azVal){
  DfLockInfo *p = (DfLockInfo*)pArg;
  char *zMe;
  time_t tExp;
  if( nCol<5 ) return 1;
  p->zOwner = xstrdup(azVal[0] ? azVal[0] : "?");
  p->zHost = xstrdup(azVal[1]);
  p->iPid = azVal[2] ? atoll(azVal[2]) : 0;
  p->zAcquired = xstrdup(azVal[3]);
  p->zExpires = xstrdup(azVal[4]);
  tExp = dfUtcParse(p->zExpires);
  p->bExpired = tExp<0 || tExp<=time(0);
  zMe = hostName();
  p->bGone = p->zHost && strcmp(p->zHost, zMe)==0 && processGone(p->iPid);
  free(zMe);
  return 1;
}

/* Is there a dataflow_lock table? Any error reading it means "no". */
static int lockTableExists(const DfEngine *pEng, DfConn *pConn){
  char *zVal = 0, *zErr = 0;
  int rc = pEng->xQueryValue(pConn, "SELECT count(*) FROM dataflow_lock",
                             &zVal, &zErr);
  free(zVal);
  free(zErr);
  return rc==0;
}

int dfLockRead(const DfEngine *pEng, DfConn *pConn, DfLockInfo *pInfo,
               char **pzErr){
  memset(pInfo, 0, sizeof(*pInfo));
  if( !lockTableExists(pEng, pConn) ) return DF_EXIT_OK;
  if( pEng->xQuery(pConn,
        "SELECT owner, host, pid, acquired_at, expires_at FROM dataflow_lock"
        " WHERE id = 1", lockRow, pInfo, pzErr) ){
    return DF_EXIT_CONNECT;
  }
  return DF_EXIT_OK;
}

char *dfLockDescribe(const DfLockInfo *p){
  return xasprintf("%s (host %s, pid %lld) since %s, lease expires %s%s",
                   p->zOwner ? p->zOwner : "nobody",
                   p->zHost ? p->zHost : "?", p->iPid,
                   p->zAcquired ? p->zAcquired : "?",
                   p->zExpires ? p->zExpires : "?",
                   p->bGone ? " (process gone)" :
                   p->bExpired ? " (expired)" : "");
}

void dfLeaseInit(DfLease *p, const DfEngine *pEng, DfConn *pConn,
                 const char *zOwner){
  const char *zLease = getenv("DATAFLOW_LOCK_LEASE");
  memset(p, 0, sizeof(*p));
  p->pEng = pEng;
  p->pConn = pConn;
  p->zOwner = zOwner ? xstrdup(zOwner) : dfAuthor();
  p->zHost = hostName();
  p->iPid = (long long)getpid();
  p->nLeaseSec = zLease && atoi(zLease)>0 ? atoi(zLease) : DF_LOCK_LEASE_SECONDS;
}

void dfLeaseClear(DfLease *p){
  char *zErr = 0;
  if( p->bHeld ) dfLeaseRelease(p, &zErr);
  if( zErr ){ dfWarn("%s", zErr); free(zErr); }
  free(p->zOwner);
  free(p->zHost);
  free(p->zTakenOver);
  memset(p, 0, sizeof(*p));
}

/* Is the recorded holder this very process? */
static int isMine(const DfLease *p, const DfLockInfo *pInfo){
  return pInfo->zOwner && pInfo->zHost
      && strcmp(pInfo->zOwner, p->zOwner)==0
      && strcmp(pInfo->zHost, p->zHost)==0
      && pInfo->iPid==p->iPid;
}

/* The WHERE clause matching our own row. OUT: caller frees. */
static char *mineWhere(DfLease *p){
  char *zO = p->pEng->xQuoteLiteral(p->pConn, p->zOwner);
  char *zH = p->pEng->xQuoteLiteral(p->pConn, p->zHost);
  char *z = xasprintf("id = 1 AND owner = %s AND host = %s AND pid = %lld",
                      zO, zH, p->iPid);
  free(zO);
  free(zH);
  return z;
}

/*
** One attempt. Returns DF_EXIT_OK (taken), DF_EXIT_CONFLICT (a live holder:
** *pHolder filled) or another status with *pzErr (busy, or worse: the
** caller retries both until its deadline).
*/
static int tryAcquire(DfLease *p, DfLockInfo *pHolder, char **pzErr){
  const DfEngine *pEng = p->pEng;
  DfLockInfo cur;
  char zNow[24], zExp[24];
  char *zSql, *zO, *zH, *zErr = 0;
  time_t tNow = time(0);
  int rc;

  memset(&cur, 0, sizeof(cur));
  if( pEng->xBegin(p->pConn, pzErr) ) return DF_EXIT_CONNECT;
  if( pEng->xExec(p->pConn, LOCK_TABLE_DDL, pzErr)
   || pEng->xQuery(p->pConn,
        "SELECT owner, host, pid, acquired_at, expires_at FROM dataflow_lock"
        " WHERE id = 1", lockRow, &cur, pzErr) ){
    pEng->xRollback(p->pConn, &zErr);
    free(zErr);
    dfLockInfoClear(&cur);
    return DF_EXIT_CONNECT;
  }
  if( cur.zOwner && !cur.bExpired && !cur.bGone && !isMine(p, &cur) ){
    pEng->xRollback(p->pConn, &zErr);
    free(zErr);
    *pHolder = cur;
    return DF_EXIT_CONFLICT;
  }
  dfUtcFormat(tNow, zNow);
  dfUtcFormat(tNow + p->nLeaseSec, zExp);
  zO = pEng->xQuoteLiteral(p->pConn, p->zOwner);
  zH = pEng->xQuoteLiteral(p->pConn, p->zHost);
  zSql = xasprintf(
      "DELETE FROM dataflow_lock WHERE id = 1;\n"
      "INSERT INTO dataflow_lock(id, owner, host, pid, acquired_at, expires_at)"
      " VALUES(1, %s, %s, %lld, '%s', '%s')", zO, zH, p->iPid, zNow, zExp);
  free(zO);
  free(zH);
  rc = pEng->xExec(p->pConn, zSql, pzErr);
  free(zSql);
  if( rc==0 ) rc = pEng->xCommit(p->pConn, pzErr);
  if( rc ){
    pEng->xRollback(p->pConn, &zErr);
    free(zErr);
    dfLockInfoClear(&cur);
    return DF_EXIT_CONNECT;
  }
  if( cur.zOwner && !isMine(p, &cur) ){
    char *zWas = dfLockDescribe(&cur);
    free(p->zTakenOver);
    p->zTakenOver = zWas;
  }
  dfLockInfoClear(&cur);
  p->bHeld = 1;
  p->tExpires = tNow + p->nLeaseSec;
  return DF_EXIT_OK;
}

static void sleepMs(int ms){
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while( nanosleep(&ts, &ts)!=0 && errno==EINTR ){}
}

static double nowSeconds(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int dfLeaseAcquire(DfLease *p, double rTimeout, const char *zTarget,
                   char **pzErr){
  double rDeadline = nowSeconds() + (rTimeout>0 ? rTimeout : 0);
  for(;;){
    DfLockInfo holder;
    char *zErr = 0;
    int rc;
    memset(&holder, 0, sizeof(holder));
    double rLeft;
    rc = tryAcquire(p, &holder, &zErr);
    if( rc==DF_EXIT_OK ) return rc;
    rLeft = rDeadline - nowSeconds();
    if( rLeft<=0 ){
      if( rc==DF_EXIT_CONFLICT ){
        char *zWho = dfLockDescribe(&holder);
        *pzErr = xasprintf("the target is locked by %s; waited %.0f s. Wait"
            " for that apply to finish, or if that process is gone, run:"
            " dataflow unlock --target %s", zWho, rTimeout, zTarget);
        free(zWho);
      }else{
        *pzErr = xasprintf("cannot take DataFlow's lock on the target"
            " (waited %.0f s): %s", rTimeout, zErr ? zErr : "busy");
        rc = DF_EXIT_CONFLICT;
      }
      dfLockInfoClear(&holder);
      free(zErr);
      return rc;
    }
    dfLockInfoClear(&holder);
    free(zErr);
    sleepMs(rLeft*1000 < LOCK_RETRY_MS ? (int)(rLeft*1000) + 1 : LOCK_RETRY_MS);
  }
}

int dfLeaseRenew(DfLease *p, int bForce, char **pzErr){
  time_t tNow = time(0);
  char zExp[24];
  char *zWhere, *zSql;
  DfLockInfo cur;
  int rc;
  if( !p->bHeld ) return DF_EXIT_OK;
  if( !bForce && tNow < p->tExpires - p->nLeaseSec/2 ) return DF_EXIT_OK;
  dfUtcFormat(tNow + p->nLeaseSec, zExp);
  zWhere = mineWhere(p);
  zSql = xasprintf("UPDATE dataflow_lock SET expires_at = '%s' WHERE %s",
                   zExp, zWhere);
  free(zWhere);
  rc = p->pEng->xExec(p->pConn, zSql, pzErr);
  free(zSql);
  if( rc ) return DF_EXIT_CONNECT;
  /* Still ours? (someone may have taken over a lease we let expire) */
  rc = dfLockRead(p->pEng, p->pConn, &cur, pzErr);
  if( rc ) return rc;
  if( !isMine(p, &cur) ){
    char *zWho = cur.zOwner ? dfLockDescribe(&cur) : xstrdup("nobody");
    *pzErr = xasprintf("lost DataFlow's lock on the target: it is now held"
                       " by %s", zWho);
    free(zWho);
    dfLockInfoClear(&cur);
    p->bHeld = 0;
    return DF_EXIT_CONFLICT;
  }
  dfLockInfoClear(&cur);
  p->tExpires = tNow + p->nLeaseSec;
  return DF_EXIT_OK;
}

int dfLeaseRelease(DfLease *p, char **pzErr){
  char *zWhere, *zSql;
  int rc = 0, i;
  if( !p->bHeld ) return DF_EXIT_OK;
  zWhere = mineWhere(p);
  zSql = xasprintf("DELETE FROM dataflow_lock WHERE %s", zWhere);
  free(zWhere);
  /* The database may be busy for a moment (a reader): retry briefly. */
  for(i=0; i<25; i++){
    free(*pzErr); *pzErr = 0;
    rc = p->pEng->xExec(p->pConn, zSql, pzErr);
    if( rc==0 ) break;
    sleepMs(LOCK_RETRY_MS);
  }
  free(zSql);
  p->bHeld = 0;
  if( rc ){
    char *zMsg = xasprintf("could not release DataFlow's lock: %s (it expires"
                           " by itself; or run dataflow unlock)", *pzErr);
    free(*pzErr);
    *pzErr = zMsg;
    return DF_EXIT_CONNECT;
  }
  return DF_EXIT_OK;
}

int dfLockBreak(const DfEngine *pEng, DfConn *pConn, DfLockInfo *pWas,
                char **pzErr){
  int rc = dfLockRead(pEng, pConn, pWas, pzErr);
  if( rc || pWas->zOwner==0 ) return rc;
  if( pEng->xExec(pConn, "DELETE FROM dataflow_lock WHERE id = 1", pzErr) ){
    return DF_EXIT_CONNECT;
  }
  return DF_EXIT_OK;
}
