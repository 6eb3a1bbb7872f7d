/*
** history.h — the dataflow_migrations table on a target: DataFlow's
** history, audit trail and journal (doc/apply.md documents every column).
**
** Columns are those of ADR-001 "Migration Tracking Table (Enhanced)" plus
** what apply, rollback and status need. A row is an array of text values
** indexed by the DF_HIST_* numbers below (NULL for SQL NULL), so that
** inserting, updating and reading stay one generic routine each.
**
** Status values: pending (journal: written and committed before the
** migration's transaction starts; left behind only by an interrupted
** apply), applied, failed, rolled_back, and inferred (a change made outside
** DataFlow, recorded by `dataflow status --record`).
**
** Return values: DF_EXIT_OK or a DF_EXIT_* status with *pzErr (OUT: caller
** frees with free()).
*/
#ifndef DF_HISTORY_H
#define DF_HISTORY_H

#include "engine.h"

#define DF_HIST_VERSION          0   /* primary key: UTC time + plan checksum prefix */
#define DF_HIST_NAME             1   /* plan file name or "migrate" */
#define DF_HIST_CHECKSUM         2   /* the plan checksum (ADR-001 "checksum") */
#define DF_HIST_APPLIED_AT       3   /* when the transaction committed */
#define DF_HIST_STATUS           4   /* pending applied failed rolled_back inferred */
#define DF_HIST_DEVELOPER        5   /* developer_id: --as NAME or dfAuthor() */
#define DF_HIST_ENVIRONMENT      6   /* development staging production */
#define DF_HIST_MODE             7   /* migration_mode of the plan */
#define DF_HIST_OPERATIONS       8   /* JSON array: one object per step */
#define DF_HIST_ROLLBACK_PLAN    9   /* JSON array: undo SQL, in the order to run it */
#define DF_HIST_SECONDS         10   /* execution_time_seconds */
#define DF_HIST_CREATED_AT      11   /* when the row (journal) was written */
#define DF_HIST_CHECKSUM_BEFORE 12   /* database_checksum_before */
#define DF_HIST_CHECKSUM_AFTER  13   /* database_checksum_after */
#define DF_HIST_PLAN_CHECKSUM   14   /* same as checksum, named for clarity */
#define DF_HIST_BASE_CHECKSUM   15   /* schema checksum of the plan's base */
#define DF_HIST_TARGET_CHECKSUM 16   /* schema checksum of the plan's target */
#define DF_HIST_STEP_FAILED     17   /* failed: number of the step that failed */
#define DF_HIST_ERROR           18   /* failed: why; pending turned failed: "interrupted ..." */
#define DF_HIST_KEPT_DATA       19   /* JSON: quarantined data and its verified row counts */
#define DF_HIST_FINGERPRINTS    20   /* JSON object: object fingerprints after this entry */
#define DF_HIST_FINISHED_AT     21   /* when applied/failed was recorded */
#define DF_HIST_ROLLED_BACK_AT  22   /* rolled_back: when */
#define DF_HIST_CHECKSUM_ROLLED 23   /* rolled_back: schema checksum after the rollback */
#define DF_HIST_HOST            24   /* host that ran it */
#define DF_HIST_PID             25   /* process that ran it */
#define DF_HIST_NCOL            26

typedef struct DfHistRow DfHistRow;
struct DfHistRow {
  char *az[DF_HIST_NCOL];  /* values as text, NULL for NULL; owned (free()) */
};

/* Column name of slot i. */
const char *dfHistColumn(int i);

/* Is there a dataflow_migrations table? *pbExists set to 0 or 1. */
int dfHistoryExists(const DfEngine *pEng, DfConn *pConn, int *pbExists,
                    char **pzErr);

/* Create the table and its indexes if absent (call inside a transaction). */
int dfHistoryCreate(const DfEngine *pEng, DfConn *pConn, char **pzErr);

/* Insert the non-NULL values of *pRow. */
int dfHistoryInsert(const DfEngine *pEng, DfConn *pConn, const DfHistRow *pRow,
                    char **pzErr);

/* UPDATE the row zVersion, setting every non-NULL value of *pSet. */
int dfHistoryUpdate(const DfEngine *pEng, DfConn *pConn, const char *zVersion,
                    const DfHistRow *pSet, char **pzErr);

/* Every row, newest first (created_at, then version, descending). An
** absent table gives 0 rows. *paRow OUT: free with dfHistoryFree(). */
int dfHistoryLoad(const DfEngine *pEng, DfConn *pConn, DfHistRow **paRow,
                  int *pnRow, char **pzErr);
void dfHistoryFree(DfHistRow *aRow, int nRow);

/* Set slot i of *pRow to a malloc'd copy of z (the old value is freed). */
void dfHistSet(DfHistRow *pRow, int i, const char *z);
/* Free the values of *pRow and zero it. */
void dfHistClear(DfHistRow *pRow);

/* Does a table named zName exist on the target? (engine catalog query) */
int dfTargetTableExists(const DfEngine *pEng, DfConn *pConn, const char *zName,
                        int *pbExists, char **pzErr);

/* Tables of the target whose names start with zPrefix (e.g.
** "dataflow_quarantine_"), sorted. *pazName OUT: free each and the array. */
int dfTargetTablesLike(const DfEngine *pEng, DfConn *pConn, const char *zPrefix,
                       char ***pazName, int *pnName, char **pzErr);

#endif /* DF_HISTORY_H */
