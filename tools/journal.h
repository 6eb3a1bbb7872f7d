/*
** journal.h — the step journal of engines whose DDL is not transactional
** (MySQL/MariaDB commit every DDL statement; MongoDB has no transactions
** for collection changes). Engine-neutral: it talks to the target through
** DfEngine and the DfTarget of executor.h only.
**
** A run (an apply, or a rollback, of one migration) is a set of rows of
** the table dataflow_journal on the target: a header row (step 0: open or
** closed, with the outcome) and one row per step, written BEFORE the step
** runs (state running: its SQL, its inverse, the objects it touches, their
** fingerprints before it and, for objects no later step touches, the
** fingerprints the plan's target expects) and updated AFTER it (state
** done, with the fingerprints observed). A failure undoes the completed
** steps in reverse with their inverse SQL. A killed process leaves the run
** open: dfJournalRecover(), called under the lease by the next apply or
** rollback, re-reads the live fingerprints to tell whether the step that
** was running completed, then finishes or undoes the run (see journal.c).
**
** Return values: DF_EXIT_OK, or a DF_EXIT_* status (util.h) with *pzErr
** (OUT: caller frees with free()).
*/
#ifndef DF_JOURNAL_H
#define DF_JOURNAL_H

#include "catalog.h"
#include "drift.h"
#include "executor.h"
#include "history.h"
#include "planfile.h"

#define DF_JOURNAL_APPLY    "apply"
#define DF_JOURNAL_ROLLBACK "rollback"

/* A completed step of the current run, kept for the undo. */
typedef struct DfJournalDone DfJournalDone;
struct DfJournalDone {
  int iStep;              /* step number */
  char *zOperation;       /* for messages */
  char *zObject;          /* for messages */
  char *zInverse;         /* SQL that undoes it (NULL: cannot be undone) */
};

/* One journalled run. Zero it, then dfJournalOpen(). */
typedef struct DfJournal DfJournal;
struct DfJournal {
  DfTarget *t;            /* the target (borrowed) */
  char *zVersion;         /* the migration */
  const char *zRun;       /* DF_JOURNAL_APPLY or DF_JOURNAL_ROLLBACK */
  DfCatalog *apCat[4];    /* catalogs to resolve touched names (borrowed) */
  int nCat;
  DfPlanFile *pPlan;      /* the plan of an apply run, or NULL (borrowed) */
  DfCatalog *pTarget;     /* the schema the run must reach, or NULL (borrowed) */
  DfFpMap now;            /* live fingerprints after the last step */
  int nDone;              /* completed steps, in order */
  DfJournalDone *aDone;
  int iRunning;           /* step begun and not yet done, 0 when none */
  DfJournalDone running;  /* that step */
  char *zRunningKeys;     /* JSON keys it touches */
  int bOpen;              /* the header row says open */
};

/*
** Start a run: create dataflow_journal if needed, write the header row.
** pLive is the live schema now (its fingerprints are the "before" of the
** first step). apCat/nCat (at most 4, copied) resolve step objects to
** keys; pTarget (may be NULL) gives the expected fingerprints; pPlan (may
** be NULL) is the plan an apply run follows.
*/
int dfJournalOpen(DfJournal *j, DfTarget *t, const char *zVersion,
                  const char *zRun, DfCatalog *pLive, DfCatalog **apCat,
                  int nCat, DfCatalog *pTarget, DfPlanFile *pPlan, char **pzErr);

/* Before plan step st of an apply run: its intent (SQL, rollback SQL,
** touched objects, fingerprints before and expected). */
int dfJournalBegin(DfJournal *j, const DfPlanStep *st, char **pzErr);

/* The same for any step: zTouches is a JSON array of touched names (may be
** NULL); bLast: no later step touches these objects (the target's
** fingerprints are then expected after it). */
int dfJournalBeginRaw(DfJournal *j, int iStep, const char *zOperation,
                      const char *zObject, const char *zTouches, const char *zSql,
                      const char *zInverse, int bLast, char **pzErr);

/* After the step ran: mirror, record what changed, remember it for undo. */
int dfJournalDone(DfJournal *j, char **pzErr);

/* The running step failed: record it (zError) as failed. */
void dfJournalFailed(DfJournal *j, const char *zError);

/*
** Undo the completed steps of this run in reverse with their inverse SQL,
** recording each. Returns DF_EXIT_OK when all were undone; otherwise the
** message says which undo failed and which steps stay applied. *pnUndone
** (may be NULL) receives how many steps were undone.
*/
int dfJournalUndo(DfJournal *j, int *pnUndone, char **pzErr);

/* Close the run: header row closed, with a one-line outcome. */
int dfJournalClose(DfJournal *j, const char *zOutcome, char **pzErr);

/* Free what *j holds (does not write anything). */
void dfJournalClear(DfJournal *j);

/*
** Finish or undo the runs an interrupted process left open (see
** journal.c), under the caller's lease. zFor is DF_JOURNAL_APPLY when an
** apply calls (interrupted rollbacks are undone: the migration stays
** applied) or DF_JOURNAL_ROLLBACK (interrupted rollbacks are finished).
** Interrupted applies are undone, or finished when all their steps ran or
** one of them cannot be undone. The history rows aHist (newest first, as
** loaded) are updated in the database and in memory. *pnRecovered gets the
** number of runs closed. Progress is printed on stdout.
*/
int dfJournalRecover(DfTarget *t, DfHistRow *aHist, int nHist, const char *zFor,
                     int *pnRecovered, char **pzErr);

/*
** dfJournalRecover() for a command that holds no lease yet (rollback):
** when a run is open, take the lease (owner zAs, NULL: dfAuthor()), load
** the history, recover, release. Does nothing, quickly, when no run is
** open. *pnRecovered as above.
*/
int dfJournalRecoverLocked(DfTarget *t, const char *zAs, double rLockTimeout,
                           const char *zFor, int *pnRecovered, char **pzErr);

/* The forward SQL of step iStep in the operations JSON of a history row
** (the inverse of its undo). OUT: caller frees; NULL when absent. */
char *dfJournalForwardSql(const char *zOperations, int iStep);

/* Why completed steps are undone one by one rather than rolled back, for
** messages: "they ran outside a transaction" (an online PostgreSQL plan)
** or "mysql cannot roll back DDL". OUT: caller frees. */
char *dfJournalWhy(const DfEngine *e);

/*
** For `dataflow status`: one line per open run ("interrupted: apply of
** migration V stopped at step 3 of 5 (steps 1-2 done; step 3 had completed:
** its objects changed); the next apply or rollback will undo steps 3, 2,
** 1"), or NULL when none. OUT: caller frees with free().
*/
char *dfJournalDescribe(DfTarget *t, const DfHistRow *aHist, int nHist);

#endif /* DF_JOURNAL_H */
