/*
** vt_plan.c — the migration_plan(from, to, dialect [, options])
** table-valued function.
**
** Usage (Debian's sqlite3 shell):
**
**   .load ./ext/dataflow
**   SELECT step, operation, object, sql
**     FROM migration_plan('base.snapshot', 'model.snapshot', 'sqlite');
**   SELECT step, why FROM migration_plan('base.snapshot', 'model.snapshot',
**     'sqlite', 'mode=manual') WHERE destructive;
**   SELECT * FROM migration_plan('base.snapshot', 'model.snapshot', 'sqlite',
**     '{"allow_destructive":true,"rename":{"users.mail":"email"}}');
**
** FROM and TO are attached schema names or snapshot file paths; DIALECT is
** sqlite (postgresql and mysql are planned). OPTIONS is a JSON object or
** key=value words separated by commas or spaces:
**
**   mode=auto|existing|manual|production|dry_run   (default auto)
**   allow_destructive=1      plan destructive steps in auto mode too
**   soft_drop=0              really drop instead of quarantining (default 1)
**   online=1                 CONCURRENTLY / ALGORITHM=INPLACE where possible
**   rename=OLD=NEW,T.C=D     rename hints (as schema_diff)
**   renames=0                never guess renames
**
** Columns: step (1-based order), phase, operation, object, sql,
** rollback_sql, destructive, transactional, lock_impact, est_rows
** (-1 unknown), refused (not applied in this mode: why says why), why,
** touches (JSON array of objects, for the drift check). plan.c documents
** the order; dialect.h and sql_sqlite.c the SQL.
**
** HOW IT WORKS
**
** Glue only: xFilter opens both catalogs, runs dfPlanBuild() once and
** keeps the plan in the cursor; xNext and xColumn walk it. Eponymous-only
** (xCreate is 0): it has no storage and nothing to create.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "catalog.h"
#include "plan.h"
#include "dataflow.h"

#define VT_PLAN_SCHEMA \
  "CREATE TABLE x(step INTEGER, phase TEXT, operation TEXT, object TEXT," \
  " sql TEXT, rollback_sql TEXT, destructive INTEGER, transactional INTEGER," \
  " lock_impact TEXT, est_rows INTEGER, refused INTEGER, why TEXT," \
  " touches TEXT," \
  " from_db HIDDEN, to_db HIDDEN, dialect HIDDEN, options HIDDEN)"
#define VT_PLAN_COL_STEP          0
#define VT_PLAN_COL_PHASE         1
#define VT_PLAN_COL_OPERATION     2
#define VT_PLAN_COL_OBJECT        3
#define VT_PLAN_COL_SQL           4
#define VT_PLAN_COL_ROLLBACK      5
#define VT_PLAN_COL_DESTRUCTIVE   6
#define VT_PLAN_COL_TRANSACTIONAL 7
#define VT_PLAN_COL_LOCK          8
#define VT_PLAN_COL_ROWS          9
#define VT_PLAN_COL_REFUSED       10
#define VT_PLAN_COL_WHY           11
#define VT_PLAN_COL_TOUCHES       12
#define VT_PLAN_COL_FROM          13   /* hidden arguments, in order */
#define VT_PLAN_COL_TO            14
#define VT_PLAN_COL_DIALECT       15
#define VT_PLAN_COL_OPTIONS       16
#define VT_PLAN_NARG              4

#define VT_PLAN_NEEDED  0x07        /* idxNum bits: FROM, TO and DIALECT */

typedef struct VtPlanCursor VtPlanCursor;
struct VtPlanCursor {
  sqlite3_vtab_cursor base;   /* base class: must be first */
  DfPlan *pPlan;              /* the plan (owns its steps) */
  int iRow;                   /* current row, 0-based */
};

typedef struct VtPlan VtPlan;
struct VtPlan {
  sqlite3_vtab base;          /* base class: must be first */
  sqlite3 *db;                /* connection, for dfCatalogOpen */
};

static int vtPlanConnect(sqlite3 *db, void *pAux, int argc,
                         const char *const *argv, sqlite3_vtab **ppVtab,
                         char **pzErr){
  VtPlan *p;
  int rc;
  (void)pAux; (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db, VT_PLAN_SCHEMA);
  if( rc!=SQLITE_OK ) return rc;
  /* It opens files named by its arguments: not from triggers or views of
  ** a database someone else wrote. */
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  p = sqlite3_malloc64(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int vtPlanDisconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int vtPlanOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  VtPlanCursor *c = sqlite3_malloc64(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

/* Free the rows of a cursor; used by xFilter and xClose. */
static void vtPlanReset(VtPlanCursor *c){
  dfPlanFree(c->pPlan);
  c->pPlan = 0;
  c->iRow = 0;
}

static int vtPlanClose(sqlite3_vtab_cursor *cur){
  VtPlanCursor *c = (VtPlanCursor*)cur;
  vtPlanReset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int vtPlanNext(sqlite3_vtab_cursor *cur){
  ((VtPlanCursor*)cur)->iRow++;
  return SQLITE_OK;
}

static int vtPlanEof(sqlite3_vtab_cursor *cur){
  VtPlanCursor *c = (VtPlanCursor*)cur;
  return c->pPlan==0 || c->iRow>=c->pPlan->nStep;
}

static int vtPlanRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *pRowid){
  *pRowid = ((VtPlanCursor*)cur)->iRow + 1;
  return SQLITE_OK;
}

static void resultText(sqlite3_context *ctx, const char *z){
  if( z ) sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
  else sqlite3_result_null(ctx);
}

static int vtPlanColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i){
  VtPlanCursor *c = (VtPlanCursor*)cur;
  DfStep *s = &c->pPlan->aStep[c->iRow];
  switch( i ){
    case VT_PLAN_COL_STEP:          sqlite3_result_int(ctx, s->iStep); break;
    case VT_PLAN_COL_PHASE:         resultText(ctx, s->zPhase); break;
    case VT_PLAN_COL_OPERATION:     resultText(ctx, s->zOperation); break;
    case VT_PLAN_COL_OBJECT:        resultText(ctx, s->zObject); break;
    case VT_PLAN_COL_SQL:           resultText(ctx, s->zSql); break;
    case VT_PLAN_COL_ROLLBACK:      resultText(ctx, s->zRollback); break;
    case VT_PLAN_COL_DESTRUCTIVE:   sqlite3_result_int(ctx, s->bDestructive); break;
    case VT_PLAN_COL_TRANSACTIONAL: sqlite3_result_int(ctx, s->bTransactional); break;
    case VT_PLAN_COL_LOCK:          resultText(ctx, s->zLock); break;
    case VT_PLAN_COL_ROWS:          sqlite3_result_int64(ctx, s->nRows); break;
    case VT_PLAN_COL_REFUSED:       sqlite3_result_int(ctx, s->bRefused); break;
    case VT_PLAN_COL_WHY:           resultText(ctx, s->zWhy); break;
    case VT_PLAN_COL_TOUCHES:       resultText(ctx, s->zTouches); break;
    default:                        sqlite3_result_null(ctx); break;  /* hidden args */
  }
  return SQLITE_OK;
}

static int vtPlanFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                        int argc, sqlite3_value **argv){
  VtPlanCursor *c = (VtPlanCursor*)cur;
  VtPlan *pTab = (VtPlan*)cur->pVtab;
  const char *azArg[VT_PLAN_NARG] = {0, 0, 0, 0};   /* from, to, dialect, options */
  DfCatalog *pFrom = 0, *pTo = 0;
  DfPlanOptions opt;
  char *zErr = 0;
  int rc = SQLITE_OK, i, iArg = 0;
  (void)idxStr;
  dfPlanOptionsInit(&opt);
  vtPlanReset(c);
  for(i=0; i<VT_PLAN_NARG; i++){
    if( (idxNum & (1<<i)) && iArg<argc ){
      azArg[i] = (const char*)sqlite3_value_text(argv[iArg++]);
    }
  }
  if( azArg[0]==0 || azArg[1]==0 || azArg[2]==0 ){
    zErr = sqlite3_mprintf("migration_plan() needs FROM, TO and DIALECT");
    rc = SQLITE_ERROR;
    goto cleanup;
  }
  opt.zDialect = azArg[2];
  rc = dfPlanParseOptions(azArg[3], &opt, &zErr);
  if( rc==SQLITE_OK ) rc = dfCatalogOpen(pTab->db, azArg[0], "migration_plan", &pFrom, &zErr);
  if( rc==SQLITE_OK ) rc = dfCatalogOpen(pTab->db, azArg[1], "migration_plan", &pTo, &zErr);
  if( rc==SQLITE_OK ) rc = dfPlanBuild(pFrom, pTo, &opt, &c->pPlan, &zErr);
cleanup:
  /* The plan owns copies of everything it shows: the catalogs can go. */
  if( c->pPlan && c->pPlan->pChanges ){
    dfChangeListFree(c->pPlan->pChanges);   /* it points into the catalogs */
    c->pPlan->pChanges = 0;
  }
  dfCatalogFree(pFrom);
  dfCatalogFree(pTo);
  dfPlanOptionsClear(&opt);
  if( rc!=SQLITE_OK ){
    vtPlanReset(c);
    sqlite3_free(pTab->base.zErrMsg);
    pTab->base.zErrMsg = zErr ? zErr : sqlite3_mprintf("migration_plan: out of memory");
    return rc==SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/*
** FROM, TO and DIALECT are required, OPTIONS is not. An unusable "=" on an
** argument means "not this plan" (SQLITE_CONSTRAINT); an argument missing
** altogether is the user's error.
*/
static int vtPlanBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  int aiCons[VT_PLAN_NARG] = {-1, -1, -1, -1};
  int mUnusable = 0, idxNum = 0, iArg = 0, i;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *p = &pInfo->aConstraint[i];
    int iCol = p->iColumn - VT_PLAN_COL_FROM;
    if( iCol<0 || iCol>=VT_PLAN_NARG || p->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !p->usable ){ mUnusable |= 1<<iCol; continue; }
    aiCons[iCol] = i;
    idxNum |= 1<<iCol;
  }
  if( (mUnusable & ~idxNum)!=0 ) return SQLITE_CONSTRAINT;
  if( (idxNum & VT_PLAN_NEEDED)!=VT_PLAN_NEEDED ){
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = sqlite3_mprintf("migration_plan() needs FROM, TO and DIALECT");
    return SQLITE_ERROR;
  }
  for(i=0; i<VT_PLAN_NARG; i++){
    if( aiCons[i]<0 ) continue;
    pInfo->aConstraintUsage[aiCons[i]].argvIndex = ++iArg;
    pInfo->aConstraintUsage[aiCons[i]].omit = 1;
  }
  pInfo->idxNum = idxNum;
  pInfo->estimatedCost = 1000.0;
  pInfo->estimatedRows = 100;
  return SQLITE_OK;
}

static sqlite3_module vtPlanModule = {
  0,                  /* iVersion */
  0,                  /* xCreate: 0 = eponymous-only, nothing to create */
  vtPlanConnect,      /* xConnect */
  vtPlanBestIndex,    /* xBestIndex */
  vtPlanDisconnect,   /* xDisconnect */
  0,                  /* xDestroy */
  vtPlanOpen,         /* xOpen */
  vtPlanClose,        /* xClose */
  vtPlanFilter,       /* xFilter */
  vtPlanNext,         /* xNext */
  vtPlanEof,          /* xEof */
  vtPlanColumn,       /* xColumn */
  vtPlanRowid,        /* xRowid */
  0,                  /* xUpdate: read-only */
  0,                  /* xBegin */
  0,                  /* xSync */
  0,                  /* xCommit */
  0,                  /* xRollback */
  0,                  /* xFindFunction */
  0,                  /* xRename */
  0,                  /* xSavepoint */
  0,                  /* xRelease */
  0,                  /* xRollbackTo */
  0                   /* xShadowName */
};

int vtPlanRegister(sqlite3 *db){
  return sqlite3_create_module(db, "migration_plan", &vtPlanModule, 0);
}
