/*
** vt_diff.c — the schema_diff(from, to [, options]) table-valued function.
**
** Usage (Debian's sqlite3 shell):
**
**   .load ./ext/dataflow
**   SELECT kind, object, change, explanation
**     FROM schema_diff('base.snapshot', 'model.snapshot');
**   SELECT * FROM schema_diff('base.snapshot', 'model.snapshot') WHERE destructive;
**   SELECT kind, count(*) FROM schema_diff('a.snap', 'b.snap') GROUP BY kind;
**   ATTACH 'model.snapshot' AS m;
**   SELECT * FROM schema_diff('base.snapshot', 'm', 'rename=users.mail:email');
**
** FROM and TO are attached schema names or snapshot file paths. OPTIONS is
** a JSON object or key=value pairs separated by spaces or commas:
**
**   rename=OLD:NEW;T.C:D     rename hints (also OLD=NEW, separated by ';'
**                            or ','); JSON: {"rename":{"old":"new"}}
**   renames=0                never guess renames (hints still apply)
**
** Columns: kind, schema, object, parent, change, attribute, old_value,
** new_value, destructive, confidence, explanation (diff.c documents their
** values). Equal schemas give no rows.
**
** HOW IT WORKS
**
** Glue only: xFilter opens both catalogs with dfCatalogOpen(), runs
** dfDiffCompute() once and keeps the list in the cursor; xNext and xColumn
** walk it. The table is eponymous-only (xCreate is 0): it has no storage
** and nothing to create.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "catalog.h"
#include "diff.h"
#include "dfjson.h"
#include "dataflow.h"

#define VT_DIFF_SCHEMA \
  "CREATE TABLE x(kind TEXT, schema TEXT, object TEXT, parent TEXT," \
  " change TEXT, attribute TEXT, old_value TEXT, new_value TEXT," \
  " destructive INTEGER, confidence REAL, explanation TEXT," \
  " from_db HIDDEN, to_db HIDDEN, options HIDDEN)"
#define VT_DIFF_COL_KIND        0
#define VT_DIFF_COL_SCHEMA      1
#define VT_DIFF_COL_OBJECT      2
#define VT_DIFF_COL_PARENT      3
#define VT_DIFF_COL_CHANGE      4
#define VT_DIFF_COL_ATTRIBUTE   5
#define VT_DIFF_COL_OLD         6
#define VT_DIFF_COL_NEW         7
#define VT_DIFF_COL_DESTRUCTIVE 8
#define VT_DIFF_COL_CONFIDENCE  9
#define VT_DIFF_COL_EXPLANATION 10
#define VT_DIFF_COL_FROM        11
#define VT_DIFF_COL_TO          12
#define VT_DIFF_COL_OPTIONS     13

#define VT_DIFF_HAS_FROM     0x01   /* idxNum bits: which arguments were given */
#define VT_DIFF_HAS_TO       0x02
#define VT_DIFF_HAS_OPTIONS  0x04

typedef struct VtDiffCursor VtDiffCursor;
struct VtDiffCursor {
  sqlite3_vtab_cursor base;   /* base class: must be first */
  DfCatalog *pFrom;           /* FROM catalog (the changes point into it) */
  DfCatalog *pTo;             /* TO catalog */
  DfChangeList *pList;        /* the changes */
  int iRow;                   /* current row, 0-based */
};

typedef struct VtDiff VtDiff;
struct VtDiff {
  sqlite3_vtab base;          /* base class: must be first */
  sqlite3 *db;                /* connection, for dfCatalogOpen */
};

static int vtDiffConnect(sqlite3 *db, void *pAux, int argc,
                         const char *const *argv, sqlite3_vtab **ppVtab,
                         char **pzErr){
  VtDiff *p;
  int rc;
  (void)pAux; (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db, VT_DIFF_SCHEMA);
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

static int vtDiffDisconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int vtDiffOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  VtDiffCursor *c = sqlite3_malloc64(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

/* Free the rows and catalogs of a cursor; used by xFilter and xClose. */
static void vtDiffReset(VtDiffCursor *c){
  dfChangeListFree(c->pList);
  dfCatalogFree(c->pFrom);
  dfCatalogFree(c->pTo);
  c->pList = 0;
  c->pFrom = c->pTo = 0;
  c->iRow = 0;
}

static int vtDiffClose(sqlite3_vtab_cursor *cur){
  VtDiffCursor *c = (VtDiffCursor*)cur;
  vtDiffReset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int vtDiffNext(sqlite3_vtab_cursor *cur){
  ((VtDiffCursor*)cur)->iRow++;
  return SQLITE_OK;
}

static int vtDiffEof(sqlite3_vtab_cursor *cur){
  VtDiffCursor *c = (VtDiffCursor*)cur;
  return c->pList==0 || c->iRow>=c->pList->nChange;
}

static int vtDiffRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *pRowid){
  *pRowid = ((VtDiffCursor*)cur)->iRow + 1;
  return SQLITE_OK;
}

static void resultText(sqlite3_context *ctx, const char *z){
  if( z ) sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
  else sqlite3_result_null(ctx);
}

static int vtDiffColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i){
  VtDiffCursor *c = (VtDiffCursor*)cur;
  DfChange *p = &c->pList->aChange[c->iRow];
  switch( i ){
    case VT_DIFF_COL_KIND:        resultText(ctx, p->zKind); break;
    case VT_DIFF_COL_SCHEMA:      resultText(ctx, p->zSchema); break;
    case VT_DIFF_COL_OBJECT:      resultText(ctx, p->zObject); break;
    case VT_DIFF_COL_PARENT:      resultText(ctx, p->zParent); break;
    case VT_DIFF_COL_CHANGE:      resultText(ctx, p->zChange); break;
    case VT_DIFF_COL_ATTRIBUTE:   resultText(ctx, p->zAttribute); break;
    case VT_DIFF_COL_OLD:         resultText(ctx, p->zOld); break;
    case VT_DIFF_COL_NEW:         resultText(ctx, p->zNew); break;
    case VT_DIFF_COL_DESTRUCTIVE: sqlite3_result_int(ctx, p->bDestructive); break;
    case VT_DIFF_COL_CONFIDENCE:  sqlite3_result_double(ctx, p->rConfidence); break;
    case VT_DIFF_COL_EXPLANATION: resultText(ctx, p->zExplain); break;
    default:                      sqlite3_result_null(ctx); break;  /* hidden args */
  }
  return SQLITE_OK;
}

/* True for "1", "true", "yes", "on"; false for "0", "false", "no", "off".
** Returns -1 for anything else. */
static int boolValue(const char *z){
  if( sqlite3_stricmp(z, "1")==0 || sqlite3_stricmp(z, "true")==0
   || sqlite3_stricmp(z, "yes")==0 || sqlite3_stricmp(z, "on")==0 ) return 1;
  if( sqlite3_stricmp(z, "0")==0 || sqlite3_stricmp(z, "false")==0
   || sqlite3_stricmp(z, "no")==0 || sqlite3_stricmp(z, "off")==0 ) return 0;
  return -1;
}

/* Set bNoRenames from option value zVal ("renames=0"). */
static int setRenames(DfDiffOptions *pOpt, const char *zVal, char **pzErr){
  int b = boolValue(zVal);
  if( b<0 ){
    *pzErr = sqlite3_mprintf("schema_diff: bad value '%s' for option renames "
                             "(expected 0 or 1)", zVal);
    return SQLITE_ERROR;
  }
  pOpt->bNoRenames = !b;
  return SQLITE_OK;
}

static int setHints(DfDiffOptions *pOpt, const char *zVal, char **pzErr){
  char *zErr = 0;
  int rc = dfDiffParseHints(zVal, pOpt, &zErr);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("schema_diff: %s", zErr ? zErr : "out of memory");
  }
  sqlite3_free(zErr);
  return rc;
}

/* Options as a JSON object: {"rename":{...} or "...", "renames":false}. */
static int parseJsonOptions(const char *zText, DfDiffOptions *pOpt, char **pzErr){
  char *zErr = 0;
  DfJson *pObj = dfJsonParse(zText, &zErr);
  int i, rc = SQLITE_OK;
  if( pObj==0 || pObj->eType!=DF_JSON_OBJECT ){
    *pzErr = sqlite3_mprintf("schema_diff: bad options '%s': %s", zText,
                             zErr ? zErr : "expected a JSON object");
    sqlite3_free(zErr);
    dfJsonFree(pObj);
    return SQLITE_ERROR;
  }
  for(i=0; i<pObj->nChild && rc==SQLITE_OK; i++){
    const char *zKey = pObj->azKey[i];
    DfJson *v = &pObj->aChild[i];
    if( strcmp(zKey, "rename")==0 ){
      if( v->eType==DF_JSON_STRING ){
        rc = setHints(pOpt, v->zText, pzErr);
      }else if( v->eType==DF_JSON_OBJECT ){
        /* re-serialise the object: dfDiffParseHints reads JSON text */
        sqlite3_str *s = sqlite3_str_new(0);
        char *zHints;
        int k;
        sqlite3_str_appendchar(s, 1, '{');
        for(k=0; k<v->nChild; k++){
          if( k ) sqlite3_str_appendchar(s, 1, ',');
          dfJsonAppendString(s, v->azKey[k]);
          sqlite3_str_appendchar(s, 1, ':');
          if( v->aChild[k].eType==DF_JSON_STRING ){
            dfJsonAppendString(s, v->aChild[k].zText);
          }else{
            sqlite3_str_appendall(s, "null");   /* refused by the parser */
          }
        }
        sqlite3_str_appendchar(s, 1, '}');
        zHints = sqlite3_str_finish(s);
        if( zHints==0 ){ rc = SQLITE_NOMEM; break; }
        rc = setHints(pOpt, zHints, pzErr);
        sqlite3_free(zHints);
      }else{
        *pzErr = sqlite3_mprintf("schema_diff: option rename must be an object "
                                 "or a string");
        rc = SQLITE_ERROR;
      }
    }else if( strcmp(zKey, "renames")==0 ){
      if( v->eType==DF_JSON_TRUE || v->eType==DF_JSON_FALSE ){
        pOpt->bNoRenames = v->eType==DF_JSON_FALSE;
      }else if( v->eType==DF_JSON_NUMBER || v->eType==DF_JSON_STRING ){
        rc = setRenames(pOpt, v->zText, pzErr);
      }else{
        *pzErr = sqlite3_mprintf("schema_diff: option renames must be a boolean");
        rc = SQLITE_ERROR;
      }
    }else{
      *pzErr = sqlite3_mprintf("schema_diff: unknown option '%s'", zKey);
      rc = SQLITE_ERROR;
    }
  }
  dfJsonFree(pObj);
  return rc;
}

/*
** Options as key=value pairs separated by spaces or commas. A rename value
** may itself hold commas ("rename=a=b,c=d"): a piece whose key is not an
** option continues the preceding rename value.
*/
static int parseOptions(const char *zText, DfDiffOptions *pOpt, char **pzErr){
  sqlite3_str *pRename = 0;
  const char *z = zText;
  int rc = SQLITE_OK, bInRename = 0;
  while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' ) z++;
  if( *z==0 ) return SQLITE_OK;
  if( *z=='{' ) return parseJsonOptions(z, pOpt, pzErr);
  while( *z && rc==SQLITE_OK ){
    const char *zEnd, *zEq;
    int nKey;
    while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' || *z==',' ) z++;
    if( *z==0 ) break;
    for(zEnd=z; *zEnd && *zEnd!=' ' && *zEnd!='\t' && *zEnd!='\n'
                && *zEnd!='\r' && *zEnd!=','; zEnd++){}
    for(zEq=z; zEq<zEnd && *zEq!='='; zEq++){}
    nKey = (int)(zEq - z);
    if( zEq<zEnd && nKey==6 && sqlite3_strnicmp(z, "rename", 6)==0 ){
      if( pRename==0 ) pRename = sqlite3_str_new(0);
      else sqlite3_str_appendchar(pRename, 1, ',');
      sqlite3_str_append(pRename, zEq + 1, (int)(zEnd - zEq - 1));
      bInRename = 1;
    }else if( zEq<zEnd && nKey==7 && sqlite3_strnicmp(z, "renames", 7)==0 ){
      char *zVal = sqlite3_mprintf("%.*s", (int)(zEnd - zEq - 1), zEq + 1);
      rc = zVal ? setRenames(pOpt, zVal, pzErr) : SQLITE_NOMEM;
      sqlite3_free(zVal);
      bInRename = 0;
    }else if( bInRename ){
      sqlite3_str_appendchar(pRename, 1, ',');
      sqlite3_str_append(pRename, z, (int)(zEnd - z));
    }else{
      *pzErr = sqlite3_mprintf("schema_diff: unknown option '%.*s' (expected "
                               "rename=OLD:NEW or renames=0)", (int)(zEnd - z), z);
      rc = SQLITE_ERROR;
    }
    z = zEnd;
  }
  if( pRename ){
    char *zHints = sqlite3_str_finish(pRename);
    if( rc==SQLITE_OK ){
      rc = zHints ? setHints(pOpt, zHints, pzErr) : SQLITE_NOMEM;
    }
    sqlite3_free(zHints);
  }
  return rc;
}

static int vtDiffFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                        int argc, sqlite3_value **argv){
  VtDiffCursor *c = (VtDiffCursor*)cur;
  VtDiff *pTab = (VtDiff*)cur->pVtab;
  const char *zFrom = 0, *zTo = 0, *zOptions = 0;
  DfDiffOptions opt;
  char *zErr = 0;
  int rc = SQLITE_OK, i = 0;
  (void)idxStr;
  memset(&opt, 0, sizeof(opt));
  vtDiffReset(c);
  if( (idxNum & VT_DIFF_HAS_FROM) && i<argc ) zFrom = (const char*)sqlite3_value_text(argv[i++]);
  if( (idxNum & VT_DIFF_HAS_TO) && i<argc ) zTo = (const char*)sqlite3_value_text(argv[i++]);
  if( (idxNum & VT_DIFF_HAS_OPTIONS) && i<argc ) zOptions = (const char*)sqlite3_value_text(argv[i++]);
  if( zFrom==0 || zTo==0 ){
    zErr = sqlite3_mprintf("schema_diff() needs FROM and TO");
    rc = SQLITE_ERROR;
    goto cleanup;
  }
  if( zOptions ) rc = parseOptions(zOptions, &opt, &zErr);
  if( rc==SQLITE_OK ) rc = dfCatalogOpen(pTab->db, zFrom, "schema_diff", &c->pFrom, &zErr);
  if( rc==SQLITE_OK ) rc = dfCatalogOpen(pTab->db, zTo, "schema_diff", &c->pTo, &zErr);
  if( rc==SQLITE_OK ){
    char *zMsg = 0;
    rc = dfDiffCompute(c->pFrom, c->pTo, &opt, &c->pList, &zMsg);
    if( rc!=SQLITE_OK ){
      zErr = sqlite3_mprintf("schema_diff: %s", zMsg ? zMsg : "out of memory");
    }
    sqlite3_free(zMsg);
  }
cleanup:
  dfDiffOptionsClear(&opt);
  if( rc!=SQLITE_OK ){
    vtDiffReset(c);
    sqlite3_free(pTab->base.zErrMsg);
    pTab->base.zErrMsg = zErr ? zErr : sqlite3_mprintf("schema_diff: out of memory");
    return rc==SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/*
** FROM and TO are required, OPTIONS is not. An unusable "=" on an argument
** means "not this plan" (SQLITE_CONSTRAINT); a plan without the required
** arguments gets a prohibitive cost, and xFilter says what is missing if
** SQLite has no other plan ("schema_diff() needs FROM and TO").
*/
static int vtDiffBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  int aiCons[3] = {-1, -1, -1};   /* constraint index for from, to, options */
  int mUnusable = 0, idxNum = 0, iArg = 0, i;
  (void)pVtab;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *p = &pInfo->aConstraint[i];
    int iCol = p->iColumn - VT_DIFF_COL_FROM;
    if( iCol<0 || iCol>2 || p->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !p->usable ){ mUnusable |= 1<<iCol; continue; }
    aiCons[iCol] = i;
    idxNum |= 1<<iCol;
  }
  if( (mUnusable & ~idxNum)!=0 ) return SQLITE_CONSTRAINT;
  pInfo->idxNum = idxNum;
  if( (idxNum & (VT_DIFF_HAS_FROM|VT_DIFF_HAS_TO))!=(VT_DIFF_HAS_FROM|VT_DIFF_HAS_TO) ){
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

static sqlite3_module vtDiffModule = {
  0,                  /* iVersion */
  0,                  /* xCreate: 0 = eponymous-only, nothing to create */
  vtDiffConnect,      /* xConnect */
  vtDiffBestIndex,    /* xBestIndex */
  vtDiffDisconnect,   /* xDisconnect */
  0,                  /* xDestroy */
  vtDiffOpen,         /* xOpen */
  vtDiffClose,        /* xClose */
  vtDiffFilter,       /* xFilter */
  vtDiffNext,         /* xNext */
  vtDiffEof,          /* xEof */
  vtDiffColumn,       /* xColumn */
  vtDiffRowid,        /* xRowid */
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

int vtDiffRegister(sqlite3 *db){
  return sqlite3_create_module(db, "schema_diff", &vtDiffModule, 0);
}
