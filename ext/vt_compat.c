/*
** vt_compat.c — the schema_compat(model, database [, options])
** table-valued function: the existing-database report.
**
** Usage (Debian's sqlite3 shell):
**
**   .load ./ext/dataflow
**   SELECT dataflow_model('model.sql', 'model.snapshot');
**   SELECT dataflow_snapshot('app.db', 'app.snapshot');
**   SELECT * FROM schema_compat('model.snapshot', 'app.snapshot');
**   SELECT model_table, model_column, message
**     FROM schema_compat('model.snapshot', 'app.snapshot', 'prefix=tbl_')
**    WHERE status<>'compatible';
**
** MODEL and DATABASE are attached schema names or snapshot file paths.
** OPTIONS is a JSON object {"prefix":["tbl_","app_"]} or key=value text
** "prefix=tbl_;app_": name prefixes the database uses and the model does
** not (or the other way round).
**
** Columns: model_table, model_column (NULL on table rows), db_table,
** db_column, match (exact, case, convention, plural, prefix,
** rename-heuristic, none, unmapped), confidence, status (compatible,
** warning, incompatible), message. compat.c documents the rules.
**
** HOW IT WORKS
**
** Glue only: xFilter opens both catalogs, runs dfCompatCompute() once and
** keeps the rows in the cursor; xNext and xColumn walk them. Eponymous-only
** (xCreate is 0): it has no storage and nothing to create.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "catalog.h"
#include "compat.h"
#include "dataflow.h"

#define VT_COMPAT_SCHEMA \
  "CREATE TABLE x(model_table TEXT, model_column TEXT, db_table TEXT," \
  " db_column TEXT, match TEXT, confidence REAL, status TEXT, message TEXT," \
  " model_src HIDDEN, db_src HIDDEN, options HIDDEN)"
#define VT_COMPAT_COL_MODEL_TABLE   0
#define VT_COMPAT_COL_MODEL_COLUMN  1
#define VT_COMPAT_COL_DB_TABLE      2
#define VT_COMPAT_COL_DB_COLUMN     3
#define VT_COMPAT_COL_MATCH         4
#define VT_COMPAT_COL_CONFIDENCE    5
#define VT_COMPAT_COL_STATUS        6
#define VT_COMPAT_COL_MESSAGE       7
#define VT_COMPAT_COL_MODEL         8
#define VT_COMPAT_COL_DATABASE      9
#define VT_COMPAT_COL_OPTIONS       10

#define VT_COMPAT_HAS_MODEL    0x01   /* idxNum bits: which arguments were given */
#define VT_COMPAT_HAS_DATABASE 0x02
#define VT_COMPAT_HAS_OPTIONS  0x04

typedef struct VtCompatCursor VtCompatCursor;
struct VtCompatCursor {
  sqlite3_vtab_cursor base;   /* base class: must be first */
  DfCompatReport *pRep;       /* the rows */
  int iRow;                   /* current row, 0-based */
};

typedef struct VtCompat VtCompat;
struct VtCompat {
  sqlite3_vtab base;          /* base class: must be first */
  sqlite3 *db;                /* connection, for dfCatalogOpen */
};

static int vtCompatConnect(sqlite3 *db, void *pAux, int argc,
                           const char *const *argv, sqlite3_vtab **ppVtab,
                           char **pzErr){
  VtCompat *p;
  int rc;
  (void)pAux; (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db, VT_COMPAT_SCHEMA);
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

static int vtCompatDisconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int vtCompatOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  VtCompatCursor *c = sqlite3_malloc64(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

/* Free the rows of a cursor; used by xFilter and xClose. */
static void vtCompatReset(VtCompatCursor *c){
  dfCompatReportFree(c->pRep);
  c->pRep = 0;
  c->iRow = 0;
}

static int vtCompatClose(sqlite3_vtab_cursor *cur){
  VtCompatCursor *c = (VtCompatCursor*)cur;
  vtCompatReset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int vtCompatNext(sqlite3_vtab_cursor *cur){
  ((VtCompatCursor*)cur)->iRow++;
  return SQLITE_OK;
}

static int vtCompatEof(sqlite3_vtab_cursor *cur){
  VtCompatCursor *c = (VtCompatCursor*)cur;
  return c->pRep==0 || c->iRow>=c->pRep->nRow;
}

static int vtCompatRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *pRowid){
  *pRowid = ((VtCompatCursor*)cur)->iRow + 1;
  return SQLITE_OK;
}

static void resultText(sqlite3_context *ctx, const char *z){
  if( z ) sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
  else sqlite3_result_null(ctx);
}

static int vtCompatColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i){
  VtCompatCursor *c = (VtCompatCursor*)cur;
  DfCompatRow *w = &c->pRep->aRow[c->iRow];
  switch( i ){
    case VT_COMPAT_COL_MODEL_TABLE:  resultText(ctx, w->zModelTable); break;
    case VT_COMPAT_COL_MODEL_COLUMN: resultText(ctx, w->zModelColumn); break;
    case VT_COMPAT_COL_DB_TABLE:     resultText(ctx, w->zDbTable); break;
    case VT_COMPAT_COL_DB_COLUMN:    resultText(ctx, w->zDbColumn); break;
    case VT_COMPAT_COL_MATCH:        resultText(ctx, w->zMatch); break;
    case VT_COMPAT_COL_CONFIDENCE:   sqlite3_result_double(ctx, w->rConfidence); break;
    case VT_COMPAT_COL_STATUS:       resultText(ctx, w->zStatus); break;
    case VT_COMPAT_COL_MESSAGE:      resultText(ctx, w->zMessage); break;
    default:                         sqlite3_result_null(ctx); break;  /* hidden args */
  }
  return SQLITE_OK;
}

static int vtCompatFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                          int argc, sqlite3_value **argv){
  VtCompatCursor *c = (VtCompatCursor*)cur;
  VtCompat *pTab = (VtCompat*)cur->pVtab;
  const char *zModel = 0, *zDb = 0, *zOptions = 0;
  DfCatalog *pModel = 0, *pDb = 0;
  DfCompatOptions opt;
  char *zErr = 0, *zMsg = 0;
  int rc = SQLITE_OK, i = 0;
  (void)idxStr;
  memset(&opt, 0, sizeof(opt));
  vtCompatReset(c);
  if( (idxNum & VT_COMPAT_HAS_MODEL) && i<argc ) zModel = (const char*)sqlite3_value_text(argv[i++]);
  if( (idxNum & VT_COMPAT_HAS_DATABASE) && i<argc ) zDb = (const char*)sqlite3_value_text(argv[i++]);
  if( (idxNum & VT_COMPAT_HAS_OPTIONS) && i<argc ) zOptions = (const char*)sqlite3_value_text(argv[i++]);
  if( zModel==0 || zDb==0 ){
    zErr = sqlite3_mprintf("schema_compat() needs MODEL and DATABASE");
    rc = SQLITE_ERROR;
    goto cleanup;
  }
  if( zOptions ){
    rc = dfCompatParseOptions(zOptions, &opt, &zMsg);
    if( rc ) zErr = sqlite3_mprintf("schema_compat: %s", zMsg ? zMsg : "out of memory");
    sqlite3_free(zMsg);
    zMsg = 0;
  }
  if( rc==SQLITE_OK ) rc = dfCatalogOpen(pTab->db, zModel, "schema_compat", &pModel, &zErr);
  if( rc==SQLITE_OK ) rc = dfCatalogOpen(pTab->db, zDb, "schema_compat", &pDb, &zErr);
  if( rc==SQLITE_OK ){
    rc = dfCompatCompute(pModel, pDb, &opt, &c->pRep, &zMsg);
    if( rc ) zErr = sqlite3_mprintf("schema_compat: %s", zMsg ? zMsg : "out of memory");
    sqlite3_free(zMsg);
  }
cleanup:
  dfCompatOptionsClear(&opt);
  dfCatalogFree(pModel);      /* the report copies what it shows */
  dfCatalogFree(pDb);
  if( rc!=SQLITE_OK ){
    vtCompatReset(c);
    sqlite3_free(pTab->base.zErrMsg);
    pTab->base.zErrMsg = zErr ? zErr : sqlite3_mprintf("schema_compat: out of memory");
    return rc==SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/*
** MODEL and DATABASE are required, OPTIONS is not. An unusable "=" on an argument
** means "not this plan" (SQLITE_CONSTRAINT); a plan without the required
** arguments gets a prohibitive cost, and xFilter says what is missing if
** SQLite has no other plan ("schema_diff() needs FROM and TO").
*/
static int vtCompatBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  int aiCons[3] = {-1, -1, -1};   /* constraint index for model, database, options */
  int mUnusable = 0, idxNum = 0, iArg = 0, i;
  (void)pVtab;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *p = &pInfo->aConstraint[i];
    int iCol = p->iColumn - VT_COMPAT_COL_MODEL;
    if( iCol<0 || iCol>2 || p->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !p->usable ){ mUnusable |= 1<<iCol; continue; }
    aiCons[iCol] = i;
    idxNum |= 1<<iCol;
  }
  if( (mUnusable & ~idxNum)!=0 ) return SQLITE_CONSTRAINT;
  pInfo->idxNum = idxNum;
  if( (idxNum & (VT_COMPAT_HAS_MODEL|VT_COMPAT_HAS_DATABASE))!=(VT_COMPAT_HAS_MODEL|VT_COMPAT_HAS_DATABASE) ){
    /* Not an error here: SQLite also asks about partial WHERE clauses
    ** (each term of an OR). A huge cost keeps this plan for last; xFilter
    ** reports the missing argument if it is ever run. */
    pInfo->estimatedCost = 1e300;
    pInfo->estimatedRows = 2147483647;
    return SQLITE_OK;
  }
  for(i=0; i<3; i++){
    if( aiCons[i]<0 ) continue;
    pInfo->aConstraintUsage[aiCons[i]].argvIndex = ++iArg;
    pInfo->aConstraintUsage[aiCons[i]].omit = 1;
  }
  pInfo->estimatedCost = 1000.0;
  pInfo->estimatedRows = 100;
  return SQLITE_OK;
}

static sqlite3_module vtCompatModule = {
  0,                    /* iVersion */
  0,                    /* xCreate: 0 = eponymous-only, nothing to create */
  vtCompatConnect,      /* xConnect */
  vtCompatBestIndex,    /* xBestIndex */
  vtCompatDisconnect,   /* xDisconnect */
  0,                    /* xDestroy */
  vtCompatOpen,         /* xOpen */
  vtCompatClose,        /* xClose */
  vtCompatFilter,       /* xFilter */
  vtCompatNext,         /* xNext */
  vtCompatEof,          /* xEof */
  vtCompatColumn,       /* xColumn */
  vtCompatRowid,        /* xRowid */
  0,                    /* xUpdate: read-only */
  0,                    /* xBegin */
  0,                    /* xSync */
  0,                    /* xCommit */
  0,                    /* xRollback */
  0,                    /* xFindFunction */
  0,                    /* xRename */
  0,                    /* xSavepoint */
  0,                    /* xRelease */
  0,                    /* xRollbackTo */
  0                     /* xShadowName */
};

int vtCompatRegister(sqlite3 *db){
  return sqlite3_create_module(db, "schema_compat", &vtCompatModule, 0);
}
