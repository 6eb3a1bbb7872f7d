/*
** executor.h — apply, rollback, status and purge over any engine adapter.
**
** The executor is engine-neutral: it talks to the target only through
** DfEngine (engine.h), keeps its lease in dataflow_lock (lock.h) and its
** history in dataflow_migrations (history.h). It never decides what a
** change means: it runs the steps of a plan file (planfile.h) or the
** recorded rollback plan of a migration. doc/apply.md describes the
** behaviour for users.
**
** Every function prints its progress on stdout and returns a DF_EXIT_*
** status (util.h); on failure *pzErr (OUT: caller frees with free()) holds
** the message the command passes to die().
*/
#ifndef DF_EXECUTOR_H
#define DF_EXECUTOR_H

#include "sqlite3.h"
#include "catalog.h"
#include "engine.h"
#include "planfile.h"

/* An open connection to a target database. */
typedef struct DfTarget DfTarget;
struct DfTarget {
  const DfEngine *pEng;   /* its adapter */
  DfConn *pConn;          /* the connection */
  char *zUrl;             /* as the user gave it (may hold a password) */
  char *zSafeUrl;         /* the same without password, for messages */
};

/* Options shared by apply, rollback, purge and status --record. */
typedef struct DfExecOptions DfExecOptions;
struct DfExecOptions {
  const char *zAs;        /* --as NAME: developer and lock owner; NULL dfAuthor() */
  const char *zEnv;       /* --env; NULL: $DATAFLOW_ENV, else development */
  double rLockTimeout;    /* --lock-timeout seconds (default 30) */
  int bYes;               /* --yes: confirmation given */
  int bDryRun;            /* --dry-run: run in a transaction, roll it back */
  const char *zName;      /* history name; NULL: the plan file's base name */
  int bMigrate;           /* called by `dataflow migrate` (messages, exit status) */
};

/* Connect to zUrl (DF_EXIT_CONNECT or DF_EXIT_INPUT on failure). */
int dfTargetOpen(const char *zUrl, DfTarget *p, char **pzErr);
void dfTargetClose(DfTarget *p);

/*
** Mirror the live target into a new in-memory snapshot. *ppSnap (OUT:
** caller closes with sqlite3_close) holds it in "main"; *ppCat (OUT:
** caller frees with dfCatalogFree) is its catalog, whose zChecksum is the
** live schema checksum. ppSnap may be NULL when only the catalog is needed.
*/
int dfTargetMirror(DfTarget *p, sqlite3 **ppSnap, DfCatalog **ppCat,
                   char **pzErr);

/* `dataflow apply PLAN`: DESIGN.md steps 1-6. */
int dfExecApply(DfPlanFile *pPlan, DfTarget *pTarget, const DfExecOptions *pOpt,
                char **pzErr);

/* `dataflow rollback`: undo the last applied migration. */
int dfExecRollback(DfTarget *pTarget, const DfExecOptions *pOpt, char **pzErr);

/* `dataflow status`: history, lock, drift; bRecord records drift as an
** inferred entry; bJson prints JSON instead of text. */
int dfExecStatus(DfTarget *pTarget, const DfExecOptions *pOpt, int bJson,
                 int bRecord, char **pzErr);

/* `dataflow purge`: list quarantined data and, confirmed, delete it as a
** recorded step of its own. */
int dfExecPurge(DfTarget *pTarget, const DfExecOptions *pOpt, char **pzErr);

/* `dataflow unlock`: remove the lease, saying whose it was. */
int dfExecUnlock(DfTarget *pTarget, char **pzErr);

/*
** The mode 'existing' report: schema_compat(zModelSchema, live) where
** zModelSchema is a snapshot attached to db (or a snapshot path), and the
** live target is mirrored in memory. Writes nothing to the target.
** Returns DF_EXIT_OK when everything is compatible (warnings allowed),
** DF_EXIT_CHANGES when something is incompatible.
*/
int dfExecCompatReport(sqlite3 *db, const char *zModelSchema, DfTarget *pTarget,
                       char **pzErr);

/* Ask "zQuestion [y/N] " on /dev/tty; 1 when the answer is y or yes, 0
** otherwise (and when there is no terminal). */
int dfConfirm(const char *zQuestion);

/* UTC time with milliseconds, "YYYY-MM-DDTHH:MM:SS.mmmZ", into z[32]. */
void dfNowUtcMs(char z[32]);

#endif /* DF_EXECUTOR_H */
