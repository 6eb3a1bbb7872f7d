/*
** lock.h — DataFlow's lease lock on a target database.
**
** The lock is one row of the table dataflow_lock on the target (owner,
** host, pid, acquired_at, expires_at), taken and checked inside a
** transaction (SQLite: BEGIN IMMEDIATE, which serialises writers). It is a
** lease: it expires unless renewed, an expired lease (or one whose process
** is gone from this very host) may be taken over, and `dataflow unlock`
** removes it by hand. PostgreSQL and MySQL adapters will add their
** advisory locks under the same protocol.
**
** Times are UTC text "YYYY-MM-DDTHH:MM:SSZ" (util.h dfNowUtc()), compared
** in C, so that no engine's date functions are needed.
**
** Return values: DF_EXIT_OK, or a DF_EXIT_* status (util.h) with *pzErr set
** (OUT: caller frees with free()).
*/
#ifndef DF_LOCK_H
#define DF_LOCK_H

#include <time.h>
#include "engine.h"

#define DF_LOCK_LEASE_SECONDS 60   /* default lease; $DATAFLOW_LOCK_LEASE overrides */

/* Who holds the lock, as read from dataflow_lock. */
typedef struct DfLockInfo DfLockInfo;
struct DfLockInfo {
  char *zOwner;           /* NULL when nobody holds the lock */
  char *zHost;            /* host name of the holder */
  long long iPid;         /* process id on that host */
  char *zAcquired;        /* when it was taken */
  char *zExpires;         /* when the lease runs out unless renewed */
  int bExpired;           /* zExpires is in the past */
  int bGone;              /* same host as us and the process no longer exists */
};

/* A lease this process holds (or tries to). */
typedef struct DfLease DfLease;
struct DfLease {
  const DfEngine *pEng;   /* adapter of the target */
  DfConn *pConn;          /* connection to the target */
  char *zOwner;           /* --as NAME or dfAuthor() */
  char *zHost;            /* gethostname() */
  long long iPid;         /* getpid() */
  int nLeaseSec;          /* length of one lease */
  time_t tExpires;        /* end of our current lease */
  int bHeld;              /* we hold it */
  char *zTakenOver;       /* description of the stale lease we replaced, or NULL */
};

/* Read the holder. *pInfo is zeroed first; zOwner stays NULL when the lock
** is free or the table does not exist. Free with dfLockInfoClear(). */
int dfLockRead(const DfEngine *pEng, DfConn *pConn, DfLockInfo *pInfo,
               char **pzErr);
void dfLockInfoClear(DfLockInfo *pInfo);

/* "alice (host db1, pid 4242) since 2025-01-01T10:00:00Z, lease expires
** 2025-01-01T10:01:00Z" plus "(expired)" or "(process gone)".
** OUT: caller frees with free(). */
char *dfLockDescribe(const DfLockInfo *pInfo);

/* Prepare *p for this process (zOwner copied). */
void dfLeaseInit(DfLease *p, const DfEngine *pEng, DfConn *pConn,
                 const char *zOwner);
/* Release if held, and free what *p holds. */
void dfLeaseClear(DfLease *p);

/*
** Take the lock, retrying for up to rTimeout seconds while another live
** holder has it or the database is busy. DF_EXIT_CONFLICT when the wait
** ran out, with the holder in the message; zTarget (the URL, without
** password) is named in the advice to run `dataflow unlock`.
*/
int dfLeaseAcquire(DfLease *p, double rTimeout, const char *zTarget,
                   char **pzErr);

/* Extend the lease when more than half of it has passed (bForce: always).
** Fails when the lease was lost to someone else. */
int dfLeaseRenew(DfLease *p, int bForce, char **pzErr);

/* Give the lock back (a no-op when not held). */
int dfLeaseRelease(DfLease *p, char **pzErr);

/* `dataflow unlock`: remove whatever lease is recorded. *pWas receives the
** holder that was removed (zOwner NULL when the lock was free). */
int dfLockBreak(const DfEngine *pEng, DfConn *pConn, DfLockInfo *pWas,
                char **pzErr);

/* UTC text for t: "YYYY-MM-DDTHH:MM:SSZ" into z[24]. */
void dfUtcFormat(time_t t, char z[24]);
/* Parse that text back; -1 when it is not in that form. */
time_t dfUtcParse(const char *z);

#endif /* DF_LOCK_H */
