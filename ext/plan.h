/*
** plan.h — changes in, ordered migration steps out.
**
** dfPlanBuild() diffs two catalogs (diff.c), asks the dialect writer
** (sql_<dialect>.c, see dialect.h) for each change's SQL and rollback SQL,
** and orders the steps: a stable sort by (phase, priority, name), then a
** topological sort over dependencies (tables before the foreign keys that
** point at them, views after what they read, drops in reverse).
**
** Phases, in order: "pre" (drop views/triggers that block a change),
** "drop-constraint", "table" (create/rename/alter tables and columns),
** "index", "constraint" (add FKs, checks), "view", "post", "destructive"
** (drops). The executor runs them in step order.
*/
#ifndef DF_PLAN_H
#define DF_PLAN_H

#include "catalog.h"
#include "diff.h"

/* Migration modes (DESIGN.md "Migration modes") */
#define DF_MODE_AUTO        "auto"
#define DF_MODE_EXISTING    "existing"
#define DF_MODE_MANUAL      "manual"
#define DF_MODE_PRODUCTION  "production"
#define DF_MODE_DRY_RUN     "dry_run"

typedef struct DfPlanOptions DfPlanOptions;
struct DfPlanOptions {
  const char *zDialect;   /* sqlite, postgresql, mysql, mongodb */
  const char *zMode;      /* one of DF_MODE_*; NULL = auto */
  int bAllowDestructive;  /* plan destructive steps in auto mode too */
  int bOnline;            /* CONCURRENTLY, NOT VALID, ALGORITHM=INSTANT... */
  int bSoftDrop;          /* destructive drops become renames to quarantine names (default 1) */
  DfDiffOptions diff;     /* rename hints */
};

typedef struct DfStep DfStep;
struct DfStep {
  int iStep;              /* 1-based order */
  const char *zPhase;     /* static: see above */
  char *zOperation;       /* create_table, add_column, rebuild_table, ... */
  char *zObject;          /* "t", "t.c", index name */
  char *zSql;             /* forward SQL for the dialect (may hold several statements) */
  char *zRollback;        /* SQL that undoes this step; NULL when it cannot be undone */
  int bDestructive;       /* may lose data */
  int bTransactional;     /* may run inside the plan's transaction */
  char *zLock;            /* lock impact, e.g. "ACCESS EXCLUSIVE on t", "none" */
  sqlite3_int64 nRows;    /* estimated rows touched; -1 unknown */
  char *zWhy;             /* reason, one line */
  int bRefused;           /* not applied in this mode; zWhy says why */
  char *zTouches;         /* JSON array of objects touched: ["t","t.c"] for drift checks */
};

typedef struct DfPlan DfPlan;
struct DfPlan {
  int nStep; DfStep *aStep;   /* ordered steps, refused ones included */
  DfChangeList *pChanges;     /* the diff the plan came from */
};

/*
** Build the plan that turns pFrom into pTo. Returns SQLITE_OK and *ppPlan
** (OUT: caller frees with dfPlanFree), or an error code and *pzErr (OUT:
** caller frees), e.g. "migration_plan: unknown dialect 'oracle'".
*/
int dfPlanBuild(DfCatalog *pFrom, DfCatalog *pTo, const DfPlanOptions *pOpt,
                DfPlan **ppPlan, char **pzErr);
void dfPlanFree(DfPlan *p);

/*
** Parse options text (JSON object or key=value pairs separated by commas or
** spaces: mode, allow_destructive, online, soft_drop, rename) into *pOpt,
** leaving zDialect untouched. Returns SQLITE_OK or an error and *pzErr.
*/
int dfPlanParseOptions(const char *zText, DfPlanOptions *pOpt, char **pzErr);

/* Set *pOpt to the defaults (mode auto, soft_drop on, everything else off,
** zDialect NULL). A zeroed struct would mean soft_drop OFF: use this. */
void dfPlanOptionsInit(DfPlanOptions *pOpt);

/* Free the rename hints held by *pOpt and reset it to the defaults of
** dfPlanOptionsInit(), keeping zDialect. */
void dfPlanOptionsClear(DfPlanOptions *pOpt);

#endif /* DF_PLAN_H */
