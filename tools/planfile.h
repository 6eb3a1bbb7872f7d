/*
** planfile.h — the plan file: one self-contained SQLite file that holds a
** migration plan, both snapshots it was made from, and its approvals.
**
** Reviewers read it with the ordinary sqlite3 shell:
**
**   sqlite3 change.plan "SELECT step, operation, object, sql FROM steps"
**   sqlite3 change.plan "SELECT key, value FROM plan_meta"
**   sqlite3 change.plan "SELECT writefile('base.snapshot', data)
**                        FROM snapshots WHERE role='base'"
**
** Tables (doc/plan-format.md documents every column):
**   plan_meta(key, value)       format_version, dialect, mode, author,
**                               created_at, environment, base_checksum,
**                               target_checksum, base_sha256, target_sha256,
**                               base_source, target_source, options (JSON),
**                               allow_destructive, online, plan_checksum,
**                               dataflow_version
**   steps(step, phase, operation, object, sql, rollback_sql, destructive,
**         transactional, lock_impact, est_rows, refused, why, touches)
**                               the rows of migration_plan(), same names
**   snapshots(role, checksum, sha256, data)   role 'base' | 'target'; data
**                               is the snapshot file's bytes
**   approvals(id, approver, comment, approved_at, plan_checksum)
**   changes(...)                schema_diff(base, target) rows, for review
**   compat(...)                 schema_compat(target, base) rows (mode
**                               'existing' only)
**
** The plan checksum is SHA-256 over a canonical serialisation (each value
** length-prefixed, NULL distinct from '') of: the format version, dialect,
** mode, base and target schema checksums, the SHA-256 of both stored
** snapshot blobs, and every column of every step in step order. An approval
** records the checksum it approved; editing a step, the mode or a snapshot
** changes the checksum, so the approval no longer counts, and opening the
** file refuses it until it is regenerated.
**
** Return values: the functions below return 0 (DF_EXIT_OK) on success, or a
** DF_EXIT_* status (util.h) with *pzErr set (OUT: caller frees with free()),
** so that a command can simply die(rc, "%s", zErr).
*/
#ifndef DF_PLANFILE_H
#define DF_PLANFILE_H

#include "sqlite3.h"

#define DF_PLANFILE_FORMAT 1     /* plan_meta.format_version written and accepted */

/* What to plan: dfPlanFileWrite() input. */
typedef struct DfPlanRequest DfPlanRequest;
struct DfPlanRequest {
  const char *zBase;          /* base snapshot file (what the database is) */
  const char *zTarget;        /* target snapshot file (what it should become) */
  const char *zDialect;       /* sqlite|postgresql|mysql|mongodb; NULL: from the
                              ** base snapshot's meta.engine */
  const char *zMode;          /* auto|existing|manual|production|dry_run; NULL = auto */
  int bAllowDestructive;      /* --allow-destructive */
  int bOnline;                /* --online */
  int nRename;                /* --rename hints */
  const char **azRename;      /* "old=new" or "t.old=new" */
  const char *zAuthor;        /* NULL: dfAuthor() */
  const char *zEnvironment;   /* NULL: dfEnvironment(NULL) */
  const char *zBaseSource;    /* shown as base_source; NULL: the base snapshot's
                              ** meta.source. Never holds a password. */
  const char *zTargetSource;  /* likewise for the target */
};

/* One step, as read back from the file. Every string is owned by the
** DfPlanFile it came from. */
typedef struct DfPlanStep DfPlanStep;
struct DfPlanStep {
  int iStep;                  /* 1-based order */
  char *zPhase;               /* pre, drop-constraint, table, index, ... */
  char *zOperation;           /* create_table, add_column, ... */
  char *zObject;              /* "t", "t.c", index name */
  char *zSql;                 /* forward SQL (may hold several statements) */
  char *zRollback;            /* undo SQL, NULL when it cannot be undone */
  int bDestructive;           /* may lose data */
  int bTransactional;         /* may run inside the plan's transaction */
  char *zLock;                /* lock impact */
  long long nRows;            /* estimated rows touched, -1 unknown */
  char *zWhy;                 /* reason, one line */
  int bRefused;               /* not applied in this mode; zWhy says why */
  char *zTouches;             /* JSON array of objects touched (drift check) */
};

/* One approval. Strings owned by the DfPlanFile. */
typedef struct DfApproval DfApproval;
struct DfApproval {
  char *zApprover;            /* --as NAME */
  char *zComment;             /* --comment, may be NULL */
  char *zApprovedAt;          /* UTC "YYYY-MM-DDTHH:MM:SSZ" */
};

/* An opened, verified plan file. */
typedef struct DfPlanFile DfPlanFile;
struct DfPlanFile {
  char *zPath;                /* file name, for messages */
  sqlite3 *db;                /* connection on the file ("main"), extension
                              ** registered; read-only unless opened bWrite */
  char *zDialect;             /* plan_meta.dialect */
  char *zMode;                /* plan_meta.mode */
  char *zAuthor;              /* plan_meta.author */
  char *zCreatedAt;           /* plan_meta.created_at */
  char *zEnvironment;         /* plan_meta.environment */
  char *zOptions;             /* plan_meta.options: JSON given to migration_plan */
  char *zBaseChecksum;        /* schema checksum of the base snapshot */
  char *zTargetChecksum;      /* schema checksum of the target snapshot */
  char *zBaseSource;          /* where the base came from (no password) */
  char *zTargetSource;        /* where the target came from */
  char *zChecksum;            /* the plan checksum (verified: stored == recomputed) */
  int bAllowDestructive;      /* plan_meta.allow_destructive */
  int bOnline;                /* plan_meta.online */
  int nStep;                  /* number of steps, refused ones included */
  DfPlanStep *aStep;          /* steps in order */
  int nDestructive;           /* steps with bDestructive */
  int nRefused;               /* steps with bRefused */
  int nApproval;              /* approvals valid for zChecksum */
  DfApproval *aApproval;      /* oldest first */
  int nStaleApproval;         /* approvals bound to another checksum */
};

/*
** Plan pReq->zBase -> pReq->zTarget with migration_plan() and write the plan
** file zPath (written to a temporary file beside it, then renamed, so a
** failure never leaves half a plan). An existing zPath is replaced only when
** it is a DataFlow plan file or empty. On success, *pzChecksum (if not NULL)
** receives the plan checksum (OUT: caller frees with free()).
*/
int dfPlanFileWrite(const char *zPath, const DfPlanRequest *pReq,
                    char **pzChecksum, char **pzErr);

/*
** Open zPath, check that it is a plan file of a supported format, recompute
** the plan checksum and compare it with the stored one, and read the steps
** and the approvals valid for that checksum. bWrite opens it read-write (for
** approve). Errors (status DF_EXIT_INPUT):
**   "cannot open plan file 'x.plan': No such file or directory"
**   "'x.plan' is not a DataFlow plan file (file is not a database)"
**   "'x.plan' is not a DataFlow plan file (no plan_meta table)"
**   "plan file 'x.plan' has been modified since it was written (checksum
**    mismatch); regenerate it with dataflow plan"
** *ppPlan OUT: caller frees with dfPlanFileClose().
*/
int dfPlanFileOpen(const char *zPath, int bWrite, DfPlanFile **ppPlan,
                   char **pzErr);

void dfPlanFileClose(DfPlanFile *p);

/*
** Record an approval by zApprover (with optional zComment) bound to the
** plan's checksum. The plan must have been opened with bWrite. Approving
** twice under the same name is a no-op that returns 0 and sets *pbAlready.
*/
int dfPlanFileApprove(DfPlanFile *p, const char *zApprover,
                      const char *zComment, int *pbAlready, char **pzErr);

/*
** Make the stored snapshot zRole ("base" or "target") available in db as
** the attached schema zSchema (an in-memory, read-only copy: ATTACH
** ':memory:' then sqlite3_deserialize), after checking that its
** meta.checksum is the one the plan recorded. The schema name can then be
** given to dfCatalogLoad() or to schema_diff()/migration_plan().
*/
int dfPlanFileAttachSnapshot(DfPlanFile *p, const char *zRole, sqlite3 *db,
                             const char *zSchema, char **pzErr);

/* Write the stored snapshot zRole to the file zOutPath (replacing it). */
int dfPlanFileExtractSnapshot(DfPlanFile *p, const char *zRole,
                              const char *zOutPath, char **pzErr);

/* Is zApprover among the valid approvals? */
int dfPlanFileIsApprovedBy(const DfPlanFile *p, const char *zApprover);

#endif /* DF_PLANFILE_H */
