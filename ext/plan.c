/*
** plan.c — changes in, ordered migration steps out (see plan.h).
**
** Usage (from C; SQL users see the result as migration_plan(), vt_plan.c):
**
**   DfPlanOptions opt; DfPlan *pPlan = 0; char *zErr = 0;
**   dfPlanOptionsInit(&opt);
**   opt.zDialect = "sqlite";
**   rc = dfPlanParseOptions("mode=manual, rename=users.mail=email", &opt, &zErr);
**   rc = dfPlanBuild(pFrom, pTo, &opt, &pPlan, &zErr);
**   ... pPlan->aStep[i].zSql ...
**   dfPlanFree(pPlan); dfPlanOptionsClear(&opt);
**
** HOW IT WORKS
**
** 1. dfDiffCompute() gives the changes. They are filed by owner: tables
**    added, tables dropped, and table pairs (same table on both sides,
**    renamed or not) each with its column, constraint, index and trigger
**    changes; views, enums and sequences apart. A sweep over all table
**    pairs also finds names that differ only in case (the diff ignores
**    them, the checksum does not) and plans a rename for them.
**
** 2. For each table pair the dialect is asked for every change in place
**    (ALTER TABLE ...). If any answer is DF_DIALECT_REBUILD the whole table
**    gets ONE rebuild step covering all its changes instead (its triggers
**    are dropped in a step before and created in a step after; its indexes
**    are part of the rebuild). Nothing is dropped and recreated unless its
**    definition changed or a rebuild forces it, and the step says which.
**
** 3. Each step gets a phase (pre, drop-constraint, table, index,
**    constraint, view, post, destructive), a priority inside the phase,
**    and dependencies: a created table needs the tables its foreign keys
**    name, a created view needs what it reads; a dropped table or view
**    must go before what it reads goes. Steps are stable-sorted by
**    (phase, priority, name, creation order), then topologically sorted
**    (Kahn, always taking the ready step that sorts first, so that steps
**    move as little as possible). A cycle is repaired only where a named
**    repair applies: foreign keys between new tables, when the dialect
**    writes them inside CREATE TABLE (SQLite) — creation order does not
**    matter there because foreign keys are checked by foreign_key_check,
**    not when a table is created. Any other cycle is an error.
**
** 4. Modes: existing gives no steps; auto refuses destructive steps (unless
**    allow_destructive) and steps the statistics say would fail, and every
**    step that depends on a refused one; manual, production and dry_run
**    keep everything (the why says what would fail).
**
** Everything is deterministic: the diff's order, sorted arrays, no hash
** order, so that a plan is byte-identical run to run.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <stdarg.h>
#include <string.h>
#include <stdlib.h>
#include "plan.h"
#include "dialect.h"
#include "dfjson.h"

/* Phases, in order (plan.h). */
static const char *const azPhase[] = {
  "pre", "drop-constraint", "table", "index", "constraint", "view", "post",
  "destructive"
};
#define PH_PRE         0
#define PH_DROPCONS    1
#define PH_TABLE       2
#define PH_INDEX       3
#define PH_CONS        4
#define PH_VIEW        5
#define PH_POST        6
#define PH_DESTRUCTIVE 7

/* Priorities inside a phase: smaller first. */
#define PR_RENAME_TABLE  0   /* frees and takes names first */
#define PR_CREATE_TABLE  1   /* before rebuilds whose FK check reads them */
#define PR_RENAME_COLUMN 2
#define PR_ALTER         3   /* rebuild_table, alter_column, alter_table */
#define PR_ADD_COLUMN    4
#define PR_LAST          5

/* Dependency roles */
#define DEP_NONE   0
#define DEP_CREATE 1         /* creates zKey; needs azNeed created first */
#define DEP_DROP   2         /* drops zKey; must go before azNeed is dropped */

typedef struct PStep PStep;
struct PStep {
  DfStep s;               /* the public step (its strings owned here until moved) */
  int iPhase;             /* PH_* */
  int iPrio;              /* PR_* */
  int iSeq;               /* creation order: last sort key */
  char *zSort;            /* object name used for sorting */
  int eDep;               /* DEP_* */
  char *zKey;             /* lowercase "schema.name" created or dropped */
  int nNeed;              /* number of names read */
  char **azNeed;          /* lowercase "schema.name" read */
  char *zGroup;           /* lowercase table key: refused with that table's rebuild */
  int bRebuild;           /* a rebuild_table step */
  int nHeld;              /* rebuild: its changes that are not destructive */
  int nTouch;             /* number of objects touched */
  char **azTouch;         /* display names touched (for zTouches) */
  char *zRefuse;          /* destructive description, for auto mode */
  char *zFail;            /* statistics say this step would fail */
  int iOrder;             /* final position (0-based) */
};

/* One table on both sides, with its changes. */
typedef struct Pair Pair;
struct Pair {
  DfTable *pFrom;         /* as it is */
  DfTable *pTo;           /* as it must be */
  DfChange *pRename;      /* table rename change, or NULL */
  int nCh;                /* changes of this table (rename excluded) */
  int nAlloc;             /* allocated slots of apCh */
  DfChange **apCh;        /* borrowed from the change list */
};

typedef struct Planner Planner;
struct Planner {
  DfDialectCtx ctx;       /* what dialect methods see */
  const DfDialect *pD;    /* the writer */
  const DfPlanOptions *pOpt;  /* options */
  DfChangeList *pList;    /* the diff */
  int nStep;              /* steps so far */
  int nAlloc;             /* allocated slots */
  PStep *aStep;           /* steps, in creation order */
  int nPair;              /* table pairs */
  int nPairAlloc;         /* allocated slots */
  Pair *aPair;            /* table pairs, in order of first change */
  int rc;                 /* sticky result code */
  char *zErr;             /* error message (OUT to the caller) */
  char zTag[16];          /* quarantine tag */
};

/* ---------------------------------------------------------------------------
** Small helpers
*/

static void planOom(Planner *p){
  if( p->rc==SQLITE_OK ) p->rc = SQLITE_NOMEM;
}

/* sqlite3_mprintf that records OOM. OUT: caller frees. */
static char *planPrintf(Planner *p, const char *zFmt, ...){
  va_list ap;
  char *z;
  va_start(ap, zFmt);
  z = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if( z==0 ) planOom(p);
  return z;
}

/* Lowercase key "schema.name" (or "name" in the default schema). */
static char *objKey(Planner *p, const char *zSchema, const char *zName){
  char *z = (zSchema && zSchema[0])
          ? planPrintf(p, "%s.%s", zSchema, zName ? zName : "")
          : planPrintf(p, "%s", zName ? zName : "");
  char *q;
  for(q=z; q && *q; q++) if( *q>='A' && *q<='Z' ) *q += 'a' - 'A';
  return z;
}

/* Display name "schema.name" or "name". */
static char *objDisplay(Planner *p, const char *zSchema, const char *zName){
  return (zSchema && zSchema[0])
       ? planPrintf(p, "%s.%s", zSchema, zName ? zName : "")
       : planPrintf(p, "%s", zName ? zName : "");
}

/* Count as text for messages: " (412 rows)" or "". OUT: caller frees. */
static char *rowsSuffix(Planner *p, sqlite3_int64 n){
  if( n<0 ) return planPrintf(p, "");
  return planPrintf(p, " (%lld row%s)", n, n==1 ? "" : "s");
}

/* ---------------------------------------------------------------------------
** Steps
*/

/*
** Add a step built from *pDdl (whose strings move into the step; *pDdl is
** left zeroed). zWhy is copied; the dialect's note is appended to it.
** Returns the step's index, or -1 on OOM.
*/
static int addStep(Planner *p, int iPhase, int iPrio, const char *zOp,
                   const char *zObject, DfDdl *pDdl, const char *zWhy){
  PStep *s;
  if( p->rc ) return -1;
  if( p->nStep>=p->nAlloc ){
    int nNew = p->nAlloc ? p->nAlloc*2 : 32;
    PStep *aNew = sqlite3_realloc64(p->aStep, sizeof(PStep)*(sqlite3_uint64)nNew);
    if( aNew==0 ){ planOom(p); return -1; }
    p->aStep = aNew;
    p->nAlloc = nNew;
  }
  s = &p->aStep[p->nStep];
  memset(s, 0, sizeof(*s));
  s->iPhase = iPhase;
  s->iPrio = iPrio;
  s->iSeq = p->nStep;
  s->s.zPhase = azPhase[iPhase];
  s->s.zOperation = planPrintf(p, "%s", zOp);
  s->s.zObject = planPrintf(p, "%s", zObject ? zObject : "");
  s->zSort = planPrintf(p, "%s", zObject ? zObject : "");
  s->s.zSql = pDdl->zSql;
  s->s.zRollback = pDdl->zRollback;
  s->s.bDestructive = pDdl->bDestructive;
  s->s.bTransactional = pDdl->bTransactional;
  s->s.zLock = pDdl->zLock ? pDdl->zLock : planPrintf(p, "none");
  s->s.nRows = pDdl->nRows;
  if( pDdl->zNote && pDdl->zNote[0] ){
    s->s.zWhy = planPrintf(p, "%s; %s", zWhy ? zWhy : "", pDdl->zNote);
  }else{
    s->s.zWhy = planPrintf(p, "%s", zWhy ? zWhy : "");
  }
  sqlite3_free(pDdl->zNote);
  memset(pDdl, 0, sizeof(*pDdl));
  p->nStep++;
  return p->rc ? -1 : p->nStep-1;
}

static void stepListAdd(Planner *p, int *pn, char ***paz, char *z){
  char **aNew;
  if( z==0 ){ planOom(p); return; }
  aNew = sqlite3_realloc64(*paz, sizeof(char*)*(sqlite3_uint64)(*pn+1));
  if( aNew==0 ){ sqlite3_free(z); planOom(p); return; }
  aNew[(*pn)++] = z;
  *paz = aNew;
}

/* Record that step i touches object (zSchema, zName). */
static void stepTouch(Planner *p, int i, const char *zSchema, const char *zName){
  if( i<0 || p->rc ) return;
  stepListAdd(p, &p->aStep[i].nTouch, &p->aStep[i].azTouch, objDisplay(p, zSchema, zName));
}

/* Record that step i reads (depends on) object (zSchema, zName). */
static void stepNeed(Planner *p, int i, const char *zSchema, const char *zName){
  if( i<0 || p->rc ) return;
  stepListAdd(p, &p->aStep[i].nNeed, &p->aStep[i].azNeed, objKey(p, zSchema, zName));
}

static void stepRole(Planner *p, int i, int eDep, const char *zSchema, const char *zName){
  if( i<0 || p->rc ) return;
  p->aStep[i].eDep = eDep;
  p->aStep[i].zKey = objKey(p, zSchema, zName);
}

static void stepGroup(Planner *p, int i, const char *zSchema, const char *zName){
  if( i<0 || p->rc ) return;
  p->aStep[i].zGroup = objKey(p, zSchema, zName);
}

/* Append text to a step's refusal or failure description ("; " joined). */
static void appendText(Planner *p, char **pz, const char *zAdd){
  char *zNew;
  if( zAdd==0 || p->rc ) return;
  zNew = *pz ? planPrintf(p, "%s; %s", *pz, zAdd) : planPrintf(p, "%s", zAdd);
  sqlite3_free(*pz);
  *pz = zNew;
}

static void pstepClear(PStep *s){
  int i;
  sqlite3_free(s->s.zOperation);
  sqlite3_free(s->s.zObject);
  sqlite3_free(s->s.zSql);
  sqlite3_free(s->s.zRollback);
  sqlite3_free(s->s.zLock);
  sqlite3_free(s->s.zWhy);
  sqlite3_free(s->s.zTouches);
  sqlite3_free(s->zSort);
  sqlite3_free(s->zKey);
  for(i=0; i<s->nNeed; i++) sqlite3_free(s->azNeed[i]);
  sqlite3_free(s->azNeed);
  sqlite3_free(s->zGroup);
  for(i=0; i<s->nTouch; i++) sqlite3_free(s->azTouch[i]);
  sqlite3_free(s->azTouch);
  sqlite3_free(s->zRefuse);
  sqlite3_free(s->zFail);
}

/*
** Run one dialect method's result through the common checks. Returns
** SQLITE_OK, DF_DIALECT_REBUILD, or an error (message set in p->zErr).
*/
static int methodResult(Planner *p, int rc, char **pzErr, int bRebuildOk){
  char *zErr = *pzErr;   /* read here: after the method has run */
  *pzErr = 0;
  if( rc==DF_DIALECT_REBUILD && !bRebuildOk ){
    /* Only the in-place methods may ask for a rebuild. */
    sqlite3_free(zErr);
    zErr = sqlite3_mprintf("migration_plan: dialect '%s' asked for a rebuild"
                           " where none is possible", p->pD->zName);
    rc = SQLITE_INTERNAL;
  }
  if( rc==SQLITE_OK || rc==DF_DIALECT_REBUILD ){
    sqlite3_free(zErr);
    return rc;
  }
  if( p->rc==SQLITE_OK ){
    p->rc = rc;
    p->zErr = zErr ? zErr : sqlite3_mprintf("migration_plan: %s", sqlite3_errstr(rc));
  }else{
    sqlite3_free(zErr);
  }
  return rc;
}

/* Call dialect method METHOD(ctx, ..., &ddl, &zE) where no rebuild can be
** asked for; true (with ddl freed and p->rc set) when it failed. */
#define DIALECT_FAILS(METHOD, ...) \
  ( methodResult(p, p->pD->METHOD(&p->ctx, __VA_ARGS__, &ddl, &zE), &zE, 0) \
    ? (dfDdlClear(&ddl), 1) : 0 )

/* Error for a method the dialect does not have. */
static void missingMethod(Planner *p, const char *zWhat, const char *zName){
  if( p->rc ) return;
  p->rc = SQLITE_ERROR;
  p->zErr = sqlite3_mprintf("migration_plan: dialect '%s' cannot %s ('%s')",
                            p->pD->zName, zWhat, zName ? zName : "");
}

/* ---------------------------------------------------------------------------
** Filing the changes
*/

static Pair *findPair(Planner *p, DfTable *pFrom, DfTable *pTo, int bCreate){
  int i;
  for(i=0; i<p->nPair; i++){
    if( p->aPair[i].pTo==pTo ) return &p->aPair[i];
  }
  if( !bCreate || p->rc ) return 0;
  if( p->nPair>=p->nPairAlloc ){
    int nNew = p->nPairAlloc ? p->nPairAlloc*2 : 16;
    Pair *aNew = sqlite3_realloc64(p->aPair, sizeof(Pair)*(sqlite3_uint64)nNew);
    if( aNew==0 ){ planOom(p); return 0; }
    p->aPair = aNew;
    p->nPairAlloc = nNew;
  }
  memset(&p->aPair[p->nPair], 0, sizeof(Pair));
  p->aPair[p->nPair].pFrom = pFrom;
  p->aPair[p->nPair].pTo = pTo;
  return &p->aPair[p->nPair++];
}

static void pairAdd(Planner *p, Pair *pp, DfChange *c){
  if( pp==0 || p->rc ) return;
  if( pp->nCh>=pp->nAlloc ){
    int nNew = pp->nAlloc ? pp->nAlloc*2 : 8;
    DfChange **aNew = sqlite3_realloc64(pp->apCh, sizeof(DfChange*)*(sqlite3_uint64)nNew);
    if( aNew==0 ){ planOom(p); return; }
    pp->apCh = aNew;
    pp->nAlloc = nNew;
  }
  pp->apCh[pp->nCh++] = c;
}

static int isKind(const DfChange *c, const char *zKind){ return strcmp(c->zKind, zKind)==0; }
static int isChange(const DfChange *c, const char *z){ return strcmp(c->zChange, z)==0; }

/* Table of the other side for a table present on one side only of a
** child change (the diff always fills both; this is a fallback). */
static DfTable *otherSide(DfCatalog *pCat, const DfTable *t){
  if( t==0 ) return 0;
  return dfCatalogFindTable(pCat, t->zSchema, t->zName);
}

/* File every change of the list under its table pair. */
static void fileChanges(Planner *p){
  int i;
  DfChangeList *L = p->pList;
  for(i=0; i<L->nChange && p->rc==SQLITE_OK; i++){
    DfChange *c = &L->aChange[i];
    if( isKind(c, "table") ){
      if( isChange(c, DF_CHANGE_RENAME) ){
        Pair *pp = findPair(p, c->pFromTab, c->pToTab, 1);
        if( pp ) pp->pRename = c;
      }else if( isChange(c, DF_CHANGE_ALTER) ){
        pairAdd(p, findPair(p, c->pFromTab, c->pToTab, 1), c);
      }
      continue;
    }
    if( isKind(c, "column") || isKind(c, "constraint") || isKind(c, "index")
     || isKind(c, "trigger") ){
      DfTable *pF = c->pFromTab, *pT = c->pToTab;
      if( pF==0 ) pF = otherSide(p->ctx.pFrom, pT);
      if( pT==0 ) pT = otherSide(p->ctx.pTo, pF);
      if( pF==0 || pT==0 ) continue;     /* belongs to an added or dropped table */
      pairAdd(p, findPair(p, pF, pT, 1), c);
    }
  }
}

/* Is t the FROM side of a table change of kind zChange (drop, rename)? */
static int tableIsDropped(Planner *p, const DfTable *t){
  int i;
  for(i=0; i<p->pList->nChange; i++){
    DfChange *c = &p->pList->aChange[i];
    if( isKind(c, "table") && isChange(c, DF_CHANGE_DROP) && c->pFromTab==t ) return 1;
  }
  return 0;
}

/*
** The case sweep: tables paired by the diff (equal names but for case, or
** unchanged) whose exact spellings differ somewhere get a Pair, so that
** planPair() writes the renames the checksum needs.
*/
static int namesDifferInCase(const DfTable *f, const DfTable *t){
  int i;
  if( strcmp(f->zName, t->zName)!=0 ) return 1;
  for(i=0; i<t->nCol; i++){
    DfColumn *c = dfTableFindColumn((DfTable*)f, t->aCol[i].zName, 0);
    if( c==0 && dfTableFindColumn((DfTable*)f, t->aCol[i].zName, 1) ) return 1;
  }
  for(i=0; i<t->nIdx; i++){
    int j;
    for(j=0; j<f->nIdx; j++){
      if( sqlite3_stricmp(f->aIdx[j].zName, t->aIdx[i].zName)==0
       && strcmp(f->aIdx[j].zName, t->aIdx[i].zName)!=0 ) return 1;
    }
  }
  for(i=0; i<t->nTrig; i++){
    int j;
    for(j=0; j<f->nTrig; j++){
      if( sqlite3_stricmp(f->aTrig[j].zName, t->aTrig[i].zName)==0
       && strcmp(f->aTrig[j].zName, t->aTrig[i].zName)!=0 ) return 1;
    }
  }
  for(i=0; i<t->nCons; i++){
    int j;
    if( t->aCons[i].bGenName ) continue;
    for(j=0; j<f->nCons; j++){
      if( !f->aCons[j].bGenName
       && sqlite3_stricmp(f->aCons[j].zName, t->aCons[i].zName)==0
       && strcmp(f->aCons[j].zName, t->aCons[i].zName)!=0 ) return 1;
    }
  }
  return 0;
}

static void caseSweep(Planner *p){
  int i, k;
  DfCatalog *pTo = p->ctx.pTo, *pFrom = p->ctx.pFrom;
  if( !pTo->bCaseInsensitive && !pFrom->bCaseInsensitive ) return;
  for(i=0; i<pTo->nTable && p->rc==SQLITE_OK; i++){
    DfTable *t = &pTo->aTable[i], *f;
    int bSkip = 0;
    if( findPair(p, 0, t, 0) ) continue;
    f = dfCatalogFindTable(pFrom, t->zSchema, t->zName);
    if( f==0 ) continue;                       /* a new table */
    /* f must not be the source of a rename or a drop */
    for(k=0; k<p->nPair; k++) if( p->aPair[k].pFrom==f ) bSkip = 1;
    if( bSkip || tableIsDropped(p, f) ) continue;
    if( namesDifferInCase(f, t) ) findPair(p, f, t, 1);
  }
}

/* ---------------------------------------------------------------------------
** One table pair
*/

/* Describe the destructive part of a change, or NULL. OUT: caller frees. */
static char *destructiveText(Planner *p, const DfChange *c, const DfTable *pFrom){
  if( isKind(c, "column") && isChange(c, DF_CHANGE_DROP) ){
    return planPrintf(p, "drops column %s.%s", pFrom->zName,
                      c->pFromCol ? c->pFromCol->zName : c->zObject);
  }
  if( c->bDestructive ){
    return planPrintf(p, "%s %s %s: %s", c->zChange, c->zKind, c->zObject,
                      c->zExplain ? c->zExplain : "may lose data");
  }
  return 0;
}

/* Failure the statistics predict for a change, or NULL. OUT: caller frees. */
static char *failureText(Planner *p, const DfChange *c, const DfTable *pFrom,
                         const DfTable *pTo){
  if( isKind(c, "column") && isChange(c, DF_CHANGE_ALTER) && c->zAttribute
   && strcmp(c->zAttribute, "not_null")==0 && c->pFromCol && c->pToCol
   && !c->pFromCol->bNotNull && c->pToCol->bNotNull && c->pFromCol->nNulls>0 ){
    return planPrintf(p, "%lld row%s ha%s NULL in %s; NOT NULL would fail",
                      c->pFromCol->nNulls, c->pFromCol->nNulls==1 ? "" : "s",
                      c->pFromCol->nNulls==1 ? "s" : "ve", c->pFromCol->zName);
  }
  if( isKind(c, "column") && isChange(c, DF_CHANGE_ADD) && c->pToCol
   && c->pToCol->bNotNull && c->pToCol->zDefault==0 && c->pToCol->zGenExpr==0
   && c->pToCol->zIdentity==0 && pFrom->nRows>0 ){
    return planPrintf(p, "%s has %lld row%s: NOT NULL column %s without a default"
                      " would fail", pTo->zName, pFrom->nRows,
                      pFrom->nRows==1 ? "" : "s", c->pToCol->zName);
  }
  if( isChange(c, DF_CHANGE_ADD)
   && ((isKind(c, "constraint") && c->pToCons
        && sqlite3_stricmp(c->pToCons->zKind, "unique")==0)
    || (isKind(c, "index") && c->pToIdx && c->pToIdx->bUnique)) ){
    /* One-column unique key over a column with known duplicates. */
    char **az = 0;
    int n = 0;
    char *z = 0;
    if( isKind(c, "constraint") ){
      n = dfJsonStrings(c->pToCons->zColumns, &az);
    }else{
      DfJson *pArr = dfJsonParse(c->pToIdx->zKeys ? c->pToIdx->zKeys : "[]", 0);
      DfJson *v = (pArr && pArr->eType==DF_JSON_ARRAY && pArr->nChild==1)
                ? dfJsonGet(&pArr->aChild[0], "column") : 0;
      if( v && v->eType==DF_JSON_STRING ){
        az = sqlite3_malloc64(sizeof(char*));
        if( az ){ az[0] = sqlite3_mprintf("%s", v->zText); n = 1; }
      }
      dfJsonFree(pArr);
    }
    if( n==1 ){
      DfColumn *col = dfTableFindColumn((DfTable*)pFrom, az[0], 1);
      if( col && col->nDup>0 ){
        z = planPrintf(p, "%lld row%s share a value in %s; UNIQUE would fail",
                       col->nDup, col->nDup==1 ? "" : "s", col->zName);
      }
    }
    if( n>0 ) dfJsonFreeStrings(n, az);
    return z;
  }
  return 0;
}

/* A short description of a change for a rebuild's why. OUT: caller frees. */
static char *changeText(Planner *p, const DfChange *c){
  if( c->zExplain && c->zExplain[0] ){
    return planPrintf(p, "%s %s %s: %s", c->zChange, c->zKind, c->zObject, c->zExplain);
  }
  return planPrintf(p, "%s %s %s", c->zChange, c->zKind, c->zObject);
}

/* Attach a change's destructive/failure descriptions to step i. */
static void stepCheck(Planner *p, int i, const DfChange *c, const DfTable *pFrom,
                      const DfTable *pTo){
  char *z;
  if( i<0 ) return;
  z = destructiveText(p, c, pFrom);
  if( z ){
    appendText(p, &p->aStep[i].zRefuse, z);
    p->aStep[i].s.bDestructive = 1;
  }
  sqlite3_free(z);
  z = failureText(p, c, pFrom, pTo);
  appendText(p, &p->aStep[i].zFail, z);
  sqlite3_free(z);
}

/* Map each column of pTo to its source column in pFrom. */
static int *columnMap(Planner *p, Pair *pp){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  int *ai = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)(t->nCol+1));
  char *abRenamedAway = sqlite3_malloc64((sqlite3_uint64)f->nCol+1);
  int i, j, k;
  if( ai==0 || abRenamedAway==0 ){
    sqlite3_free(ai); sqlite3_free(abRenamedAway);
    planOom(p);
    return 0;
  }
  memset(abRenamedAway, 0, (size_t)f->nCol+1);
  for(j=0; j<t->nCol; j++) ai[j] = -1;
  for(k=0; k<pp->nCh; k++){
    DfChange *c = pp->apCh[k];
    if( isKind(c, "column") && isChange(c, DF_CHANGE_RENAME) && c->pFromCol && c->pToCol ){
      i = (int)(c->pFromCol - f->aCol);
      j = (int)(c->pToCol - t->aCol);
      if( i>=0 && i<f->nCol && j>=0 && j<t->nCol ){
        ai[j] = i;
        abRenamedAway[i] = 1;
      }
    }
  }
  for(j=0; j<t->nCol; j++){
    if( ai[j]>=0 ) continue;
    for(i=0; i<f->nCol; i++){
      if( !abRenamedAway[i] && strcmp(f->aCol[i].zName, t->aCol[j].zName)==0 ) break;
    }
    if( i>=f->nCol && (p->ctx.pFrom->bCaseInsensitive || p->ctx.pTo->bCaseInsensitive) ){
      for(i=0; i<f->nCol; i++){
        if( !abRenamedAway[i] && sqlite3_stricmp(f->aCol[i].zName, t->aCol[j].zName)==0 ) break;
      }
    }
    if( i<f->nCol ) ai[j] = i;
  }
  /* A column dropped by the diff is never a source. */
  for(k=0; k<pp->nCh; k++){
    DfChange *c = pp->apCh[k];
    if( isKind(c, "column") && isChange(c, DF_CHANGE_DROP) && c->pFromCol ){
      i = (int)(c->pFromCol - f->aCol);
      for(j=0; j<t->nCol; j++) if( ai[j]==i ) ai[j] = -1;
    }
  }
  sqlite3_free(abRenamedAway);
  return ai;
}

/* A trial in-place result, kept until we know there is no rebuild. */
typedef struct Trial Trial;
struct Trial {
  DfDdl ddl;              /* what the dialect wrote */
  int iPhase, iPrio;      /* where it goes */
  const char *zOp;        /* operation name */
  char *zObject;          /* object (owned) */
  char *zWhy;             /* why (owned) */
  DfChange *pChange;      /* the change, or NULL for a case rename */
  int eTrig;              /* 1: trigger step (grouped with the table) */
  const char *zNeedSchema, *zNeedName;  /* table it reads (FK target), or NULL */
};

typedef struct TrialList TrialList;
struct TrialList {
  int n, nAlloc;          /* used, allocated */
  Trial *a;               /* trials */
};

static Trial *trialNew(Planner *p, TrialList *L, int iPhase, int iPrio,
                       const char *zOp, const char *zObject, const char *zWhy,
                       DfChange *pChange){
  Trial *t;
  if( p->rc ) return 0;
  if( L->n>=L->nAlloc ){
    int nNew = L->nAlloc ? L->nAlloc*2 : 8;
    Trial *aNew = sqlite3_realloc64(L->a, sizeof(Trial)*(sqlite3_uint64)nNew);
    if( aNew==0 ){ planOom(p); return 0; }
    L->a = aNew;
    L->nAlloc = nNew;
  }
  t = &L->a[L->n++];
  memset(t, 0, sizeof(*t));
  t->iPhase = iPhase;
  t->iPrio = iPrio;
  t->zOp = zOp;
  t->zObject = planPrintf(p, "%s", zObject);
  t->zWhy = planPrintf(p, "%s", zWhy ? zWhy : "");
  t->pChange = pChange;
  return t;
}

static void trialListClear(TrialList *L){
  int i;
  for(i=0; i<L->n; i++){
    dfDdlClear(&L->a[i].ddl);
    sqlite3_free(L->a[i].zObject);
    sqlite3_free(L->a[i].zWhy);
  }
  sqlite3_free(L->a);
  memset(L, 0, sizeof(*L));
}

/* Call one in-place method; returns SQLITE_OK, DF_DIALECT_REBUILD or error. */
#define CALL(METHOD, ...) \
  ( p->pD->METHOD==0 ? DF_DIALECT_REBUILD \
    : methodResult(p, p->pD->METHOD(&p->ctx, __VA_ARGS__, &zE), &zE, 1) )

/* Does change c carry the catalog pointers its in-place method needs?
** (The diff always sets them; a change without them is rebuilt from the
** whole table definitions instead, which needs none.) */
static int changeComplete(const DfChange *c){
  int bAdd = isChange(c, DF_CHANGE_ADD), bDrop = isChange(c, DF_CHANGE_DROP);
  int bBoth = !bAdd && !bDrop;
  if( isKind(c, "column") ){
    return (bAdd || bBoth ? c->pToCol!=0 : 1) && (bDrop || bBoth ? c->pFromCol!=0 : 1);
  }
  if( isKind(c, "constraint") ){
    return (bAdd ? c->pToCons!=0 : 1) && (bDrop ? c->pFromCons!=0 : 1);
  }
  if( isKind(c, "index") ){
    return (bAdd || bBoth ? c->pToIdx!=0 : 1) && (bDrop || bBoth ? c->pFromIdx!=0 : 1);
  }
  if( isKind(c, "trigger") ){
    return (bAdd ? c->pToTrig!=0 : 1) && (bDrop ? c->pFromTrig!=0 : 1);
  }
  return 1;
}

/* Did the diff already report index (or trigger) pF or pT, as it does
** where names are case-sensitive (MySQL)? Then the case sweep below must
** not plan them a second time. */
static int diffedAlready(Pair *pp, const char *zKind, const void *pF, const void *pT){
  int k;
  for(k=0; k<pp->nCh; k++){
    DfChange *c = pp->apCh[k];
    if( !isKind(c, zKind) ) continue;
    if( c->pFromIdx==pF || c->pToIdx==pT || c->pFromTrig==pF || c->pToTrig==pT ) return 1;
  }
  return 0;
}

/* Does table f of catalog pCat have a parent (options partition_of) that
** lists column zCol? */
static int partitionParentHas(const DfCatalog *pCat, const DfTable *f, const char *zCol){
  DfJson *pOpt, *v;
  DfTable *pPar = 0;
  int c, b = 0;
  if( f->zOptions==0 || pCat==0 ) return 0;
  pOpt = dfJsonParse(f->zOptions, 0);
  v = pOpt ? dfJsonGet(pOpt, "partition_of") : 0;
  if( v && v->eType==DF_JSON_STRING ){
    pPar = dfCatalogFindTableRef((DfCatalog*)pCat, v->zText);
  }
  for(c=0; pPar && !b && c<pPar->nCol; c++) b = strcmp(pPar->aCol[c].zName, zCol)==0;
  dfJsonFree(pOpt);
  return b;
}

/* A partition lists only its own columns (mirror_pg.c): when it leaves
** its parent (DETACH) the parent's columns stay as its own, and when a
** table joins a parent (ATTACH) its columns become the parent's. Such a
** column change comes with the alter_table step; no step of its own. */
static int columnComesWithPartition(Planner *p, Pair *pp, const DfChange *c){
  if( isChange(c, DF_CHANGE_ADD) && c->pToCol ){
    return partitionParentHas(p->ctx.pFrom, pp->pFrom, c->pToCol->zName)
        && !partitionParentHas(p->ctx.pTo, pp->pTo, c->pToCol->zName);
  }
  if( isChange(c, DF_CHANGE_DROP) && c->pFromCol ){
    return partitionParentHas(p->ctx.pTo, pp->pTo, c->pFromCol->zName)
        && !partitionParentHas(p->ctx.pFrom, pp->pFrom, c->pFromCol->zName);
  }
  return 0;
}

/*
** Try every change of the pair in place. Returns SQLITE_OK (trials filled),
** DF_DIALECT_REBUILD, or an error.
*/
static int tryInPlace(Planner *p, Pair *pp, DfTableDelta *pD, TrialList *L){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  int k, j, rc = SQLITE_OK, bNoCase;
  char *zE = 0;
  for(k=0; k<pp->nCh && rc==SQLITE_OK && p->rc==SQLITE_OK; k++){
    DfChange *c = pp->apCh[k];
    Trial *tr;
    char *zObj = 0;
    zE = 0;
    if( !changeComplete(c) ){
      rc = DF_DIALECT_REBUILD;
    }else if( isKind(c, "table") ){
      tr = trialNew(p, L, PH_TABLE, PR_ALTER, "alter_table", t->zName, c->zExplain, c);
      if( tr ) rc = CALL(xAlterTable, pD, c, &tr->ddl);
    }else if( isKind(c, "column") && columnComesWithPartition(p, pp, c) ){
      continue;
    }else if( isKind(c, "column") ){
      if( isChange(c, DF_CHANGE_ADD) ){
        tr = trialNew(p, L, PH_TABLE, PR_ADD_COLUMN, "add_column", c->zObject, c->zExplain, c);
        if( tr ) rc = CALL(xAddColumn, pD, c->pToCol, &tr->ddl);
      }else if( isChange(c, DF_CHANGE_DROP) ){
        zObj = planPrintf(p, "%s.%s", t->zName, c->pFromCol->zName);
        tr = trialNew(p, L, PH_DESTRUCTIVE, 0, "drop_column", zObj, c->zExplain, c);
        if( tr ) rc = CALL(xDropColumn, pD, c->pFromCol, &tr->ddl);
      }else if( isChange(c, DF_CHANGE_RENAME) ){
        zObj = planPrintf(p, "%s.%s", t->zName, c->pFromCol->zName);
        tr = trialNew(p, L, PH_TABLE, PR_RENAME_COLUMN, "rename_column", zObj,
                      c->zExplain, c);
        if( tr ) rc = CALL(xRenameColumn, pD, c->pFromCol, c->pToCol, &tr->ddl);
      }else{
        tr = trialNew(p, L, PH_TABLE, PR_ALTER, "alter_column", c->zObject, c->zExplain, c);
        if( tr ) rc = CALL(xAlterColumn, pD, c, &tr->ddl);
      }
    }else if( isKind(c, "constraint") ){
      if( isChange(c, DF_CHANGE_DROP) ){
        /* Foreign keys go first: one may need the key dropped here. */
        tr = trialNew(p, L, PH_DROPCONS,
                      (c->pFromCons && c->pFromCons->zRefTable) ? PR_RENAME_TABLE : PR_ALTER,
                      "drop_constraint", c->zObject,
                      c->zExplain, c);
        if( tr ) rc = CALL(xDropConstraint, pD, c->pFromCons, &tr->ddl);
      }else if( isChange(c, DF_CHANGE_ADD) ){
        /* Foreign keys after keys: one may reference a key added here. */
        tr = trialNew(p, L, PH_CONS,
                      (c->pToCons && c->pToCons->zRefTable) ? 1 : 0,
                      "add_constraint", c->zObject, c->zExplain, c);
        if( tr ) rc = CALL(xAddConstraint, pD, c->pToCons, &tr->ddl);
        if( tr && c->pToCons && c->pToCons->zRefTable ){
          tr->zNeedSchema = c->pToCons->zRefSchema;
          tr->zNeedName = c->pToCons->zRefTable;
        }
      }else{
        rc = DF_DIALECT_REBUILD;  /* constraint alter/rename: no in-place form */
      }
    }else if( isKind(c, "index") ){
      if( isChange(c, DF_CHANGE_DROP) ){
        tr = trialNew(p, L, PH_DROPCONS, 0, "drop_index", c->pFromIdx->zName, c->zExplain, c);
        if( tr ) rc = CALL(xDropIndex, f, c->pFromIdx, &tr->ddl);
      }else if( isChange(c, DF_CHANGE_ADD) ){
        tr = trialNew(p, L, PH_INDEX, 0, "create_index", c->pToIdx->zName, c->zExplain, c);
        if( tr ) rc = CALL(xCreateIndex, t, c->pToIdx, &tr->ddl);
      }else if( isChange(c, DF_CHANGE_RENAME) && p->pD->xRenameIndex ){
        tr = trialNew(p, L, PH_INDEX, 0, "rename_index", c->pFromIdx->zName, c->zExplain, c);
        if( tr ) rc = CALL(xRenameIndex, t, c->pFromIdx, c->pToIdx, &tr->ddl);
      }else if( isChange(c, DF_CHANGE_RENAME) ){
        tr = trialNew(p, L, PH_DROPCONS, 0, "drop_index", c->pFromIdx->zName,
                      "renamed: the engine cannot rename an index", c);
        if( tr ) rc = CALL(xDropIndex, f, c->pFromIdx, &tr->ddl);
        if( rc==SQLITE_OK ){
          tr = trialNew(p, L, PH_INDEX, 0, "create_index", c->pToIdx->zName,
                        "renamed: the engine cannot rename an index", c);
          if( tr ) rc = CALL(xCreateIndex, t, c->pToIdx, &tr->ddl);
        }
      }else{
        /* comment (or another attribute): the dialect's xComment, if any
        ** (SQLite has nothing to say) */
        tr = trialNew(p, L, PH_INDEX, 0, "alter_index", c->zObject, c->zExplain, c);
        if( tr && p->pD->xComment ) rc = CALL(xComment, c, &tr->ddl);
      }
    }else if( isKind(c, "trigger") ){
      if( isChange(c, DF_CHANGE_DROP) ){
        tr = trialNew(p, L, PH_PRE, 0, "drop_trigger", c->pFromTrig->zName, c->zExplain, c);
        if( tr ) rc = CALL(xDropTrigger, f, c->pFromTrig, &tr->ddl);
      }else{
        tr = trialNew(p, L, PH_POST, 0, "create_trigger", c->pToTrig->zName, c->zExplain, c);
        if( tr ) rc = CALL(xCreateTrigger, t, c->pToTrig, &tr->ddl);
      }
      if( tr ) tr->eTrig = 1;
    }
    sqlite3_free(zObj);
  }

  /* Spellings that differ only in case: columns, indexes, triggers. (In
  ** case-sensitive catalogs the diff already reports them as changes.) */
  bNoCase = p->ctx.pFrom->bCaseInsensitive || p->ctx.pTo->bCaseInsensitive;
  for(j=0; bNoCase && j<t->nCol && rc==SQLITE_OK && p->rc==SQLITE_OK; j++){
    int i = pD->aiSrc[j], bHint = 0;
    Trial *tr;
    if( i<0 || strcmp(f->aCol[i].zName, t->aCol[j].zName)==0 ) continue;
    for(k=0; k<pp->nCh; k++){
      DfChange *c = pp->apCh[k];
      if( isKind(c, "column") && isChange(c, DF_CHANGE_RENAME)
       && c->pToCol==&t->aCol[j] ) bHint = 1;
    }
    if( bHint ) continue;
    {
      char *zObj = planPrintf(p, "%s.%s", t->zName, f->aCol[i].zName);
      char *zWhy = planPrintf(p, "column %s is spelled %s in the target",
                              f->aCol[i].zName, t->aCol[j].zName);
      tr = trialNew(p, L, PH_TABLE, PR_RENAME_COLUMN, "rename_column", zObj, zWhy, 0);
      zE = 0;
      if( tr ) rc = CALL(xRenameColumn, pD, &f->aCol[i], &t->aCol[j], &tr->ddl);
      sqlite3_free(zObj);
      sqlite3_free(zWhy);
    }
  }
  for(j=0; bNoCase && j<t->nIdx && rc==SQLITE_OK && p->rc==SQLITE_OK; j++){
    int i;
    for(i=0; i<f->nIdx; i++){
      Trial *tr;
      char *zWhy;
      if( sqlite3_stricmp(f->aIdx[i].zName, t->aIdx[j].zName)!=0
       || strcmp(f->aIdx[i].zName, t->aIdx[j].zName)==0 ) continue;
      if( diffedAlready(pp, "index", &f->aIdx[i], &t->aIdx[j]) ) continue;
      zWhy = planPrintf(p, "index %s is spelled %s in the target",
                        f->aIdx[i].zName, t->aIdx[j].zName);
      tr = trialNew(p, L, PH_DROPCONS, 0, "drop_index", f->aIdx[i].zName, zWhy, 0);
      zE = 0;
      if( tr ) rc = CALL(xDropIndex, f, &f->aIdx[i], &tr->ddl);
      if( rc==SQLITE_OK ){
        tr = trialNew(p, L, PH_INDEX, 0, "create_index", t->aIdx[j].zName, zWhy, 0);
        zE = 0;
        if( tr ) rc = CALL(xCreateIndex, t, &t->aIdx[j], &tr->ddl);
      }
      sqlite3_free(zWhy);
    }
  }
  for(j=0; bNoCase && j<t->nTrig && rc==SQLITE_OK && p->rc==SQLITE_OK; j++){
    int i;
    for(i=0; i<f->nTrig; i++){
      Trial *tr;
      char *zWhy;
      if( sqlite3_stricmp(f->aTrig[i].zName, t->aTrig[j].zName)!=0
       || strcmp(f->aTrig[i].zName, t->aTrig[j].zName)==0 ) continue;
      if( diffedAlready(pp, "trigger", &f->aTrig[i], &t->aTrig[j]) ) continue;
      zWhy = planPrintf(p, "trigger %s is spelled %s in the target",
                        f->aTrig[i].zName, t->aTrig[j].zName);
      tr = trialNew(p, L, PH_PRE, 0, "drop_trigger", f->aTrig[i].zName, zWhy, 0);
      zE = 0;
      if( tr ){ tr->eTrig = 1; rc = CALL(xDropTrigger, f, &f->aTrig[i], &tr->ddl); }
      if( rc==SQLITE_OK ){
        tr = trialNew(p, L, PH_POST, 0, "create_trigger", t->aTrig[j].zName, zWhy, 0);
        zE = 0;
        if( tr ){ tr->eTrig = 1; rc = CALL(xCreateTrigger, t, &t->aTrig[j], &tr->ddl); }
      }
      sqlite3_free(zWhy);
    }
  }
  /* Declared constraint names that differ only in case: no ALTER for them. */
  for(j=0; bNoCase && j<t->nCons && rc==SQLITE_OK; j++){
    int i;
    if( t->aCons[j].bGenName ) continue;
    for(i=0; i<f->nCons; i++){
      if( !f->aCons[i].bGenName
       && sqlite3_stricmp(f->aCons[i].zName, t->aCons[j].zName)==0
       && strcmp(f->aCons[i].zName, t->aCons[j].zName)!=0 ) rc = DF_DIALECT_REBUILD;
    }
  }
  if( p->rc ) return p->rc;
  return rc;
}
#undef CALL

/* Dependency key of column zCol of table zTable: a dropped column
** "creates" it (frees the name), so that a child's own column of that
** name is added after its parent's column went (with it the inherited
** one). */
static char *columnKeyName(Planner *p, const char *zTable, const char *zCol){
  return planPrintf(p, "%s\001column\001%s", zTable, zCol);
}

/* Emit the steps of a pair whose changes all went in place. */
static void emitTrials(Planner *p, Pair *pp, TrialList *L){
  int k;
  for(k=0; k<L->n && p->rc==SQLITE_OK; k++){
    Trial *tr = &L->a[k];
    DfChange *c = tr->pChange;
    int i;
    if( tr->ddl.zSql==0 ) continue;     /* nothing to do in this dialect */
    i = addStep(p, tr->iPhase, tr->iPrio, tr->zOp, tr->zObject, &tr->ddl, tr->zWhy);
    stepTouch(p, i, pp->pTo->zSchema, pp->pTo->zName);
    if( tr->zNeedName ) stepNeed(p, i, tr->zNeedSchema, tr->zNeedName);
    if( c ) stepCheck(p, i, c, pp->pFrom, pp->pTo);
    if( c && i>=0 && isKind(c, "column") && strcmp(tr->zOp, "drop_column")==0
     && c->pFromCol ){
      char *zKey = columnKeyName(p, pp->pFrom->zName, c->pFromCol->zName);
      if( zKey && p->aStep[i].eDep==DEP_NONE ){
        stepRole(p, i, DEP_CREATE, pp->pFrom->zSchema, zKey);
      }
      sqlite3_free(zKey);
    }
    if( c && i>=0 && isKind(c, "column") && strcmp(tr->zOp, "add_column")==0
     && c->pToCol ){
      DfTable *pPar = dfCatalogInheritedFrom(p->ctx.pFrom, pp->pFrom, c->pToCol->zName);
      if( pPar ){
        char *zKey = columnKeyName(p, pPar->zName, c->pToCol->zName);
        if( zKey ) stepNeed(p, i, pPar->zSchema, zKey);
        sqlite3_free(zKey);
      }
    }
  }
}

/* Emit a rebuild of the pair: one step, plus its triggers around it. */
static void emitRebuild(Planner *p, Pair *pp, DfTableDelta *pD){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  DfDdl ddl;
  char *zE = 0;
  sqlite3_str *pWhy;
  char *zWhy;
  int i, k, iStep;
  memset(&ddl, 0, sizeof(ddl));
  if( p->pD->xRebuildTable==0 ){
    missingMethod(p, "make this change in place", t->zName);
    return;
  }
  if( methodResult(p, p->pD->xRebuildTable(&p->ctx, pD, &ddl, &zE), &zE, 0) ){
    dfDdlClear(&ddl);
    return;
  }
  pWhy = sqlite3_str_new(0);
  sqlite3_str_appendf(pWhy, "rebuilds %s for:", t->zName);
  for(k=0; k<pp->nCh; k++){
    char *z = changeText(p, pp->apCh[k]);
    sqlite3_str_appendf(pWhy, "%s %s", k ? ";" : "", z ? z : "");
    sqlite3_free(z);
  }
  if( pp->nCh==0 ) sqlite3_str_appendall(pWhy, " names that differ only in case");
  zWhy = sqlite3_str_finish(pWhy);
  if( zWhy==0 ){ planOom(p); dfDdlClear(&ddl); return; }
  iStep = addStep(p, PH_TABLE, PR_ALTER, "rebuild_table", t->zName, &ddl, zWhy);
  sqlite3_free(zWhy);
  if( iStep<0 ){ dfDdlClear(&ddl); return; }
  p->aStep[iStep].bRebuild = 1;
  stepTouch(p, iStep, t->zSchema, t->zName);
  stepGroup(p, iStep, t->zSchema, t->zName);
  for(i=0; i<t->nCons; i++){
    if( t->aCons[i].zRefTable ) stepNeed(p, iStep, t->aCons[i].zRefSchema, t->aCons[i].zRefTable);
  }
  for(k=0; k<pp->nCh; k++){
    char *z = destructiveText(p, pp->apCh[k], f);
    if( z==0 && !isChange(pp->apCh[k], DF_CHANGE_DROP) ) p->aStep[iStep].nHeld++;
    sqlite3_free(z);
    stepCheck(p, iStep, pp->apCh[k], f, t);
  }

  /* DROP TABLE takes the triggers with it: drop them before, create the
  ** target's after, so that no trigger body meets a half-built schema. */
  for(i=0; i<f->nTrig && p->rc==SQLITE_OK; i++){
    int j, bSame = 0;
    for(j=0; j<t->nTrig; j++){
      if( strcmp(f->aTrig[i].zName, t->aTrig[j].zName)==0
       && strcmp(f->aTrig[i].zDef, t->aTrig[j].zDef)==0 ) bSame = 1;
    }
    zE = 0;
    memset(&ddl, 0, sizeof(ddl));
    if( p->pD->xDropTrigger==0 ){ missingMethod(p, "drop triggers", f->aTrig[i].zName); break; }
    if( DIALECT_FAILS(xDropTrigger, f, &f->aTrig[i]) ) break;
    zWhy = bSame ? planPrintf(p, "table %s is rebuilt: its unchanged trigger is"
                              " dropped before and recreated after", t->zName)
                 : planPrintf(p, "trigger changes or goes; table %s is rebuilt", t->zName);
    k = addStep(p, PH_PRE, 0, "drop_trigger", f->aTrig[i].zName, &ddl, zWhy);
    sqlite3_free(zWhy);
    stepTouch(p, k, t->zSchema, t->zName);
    stepGroup(p, k, t->zSchema, t->zName);
  }
  for(i=0; i<t->nTrig && p->rc==SQLITE_OK; i++){
    int j, bSame = 0;
    for(j=0; j<f->nTrig; j++){
      if( strcmp(f->aTrig[j].zName, t->aTrig[i].zName)==0
       && strcmp(f->aTrig[j].zDef, t->aTrig[i].zDef)==0 ) bSame = 1;
    }
    zE = 0;
    memset(&ddl, 0, sizeof(ddl));
    if( p->pD->xCreateTrigger==0 ){ missingMethod(p, "create triggers", t->aTrig[i].zName); break; }
    if( DIALECT_FAILS(xCreateTrigger, t, &t->aTrig[i]) ) break;
    zWhy = bSame ? planPrintf(p, "table %s is rebuilt: its unchanged trigger is"
                              " recreated after", t->zName)
                 : planPrintf(p, "new or changed trigger on %s (rebuilt)", t->zName);
    k = addStep(p, PH_POST, 0, "create_trigger", t->aTrig[i].zName, &ddl, zWhy);
    sqlite3_free(zWhy);
    stepTouch(p, k, t->zSchema, t->zName);
    stepGroup(p, k, t->zSchema, t->zName);
  }
}

static void planPair(Planner *p, Pair *pp){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  DfTableDelta delta;
  TrialList L;
  int rc;
  memset(&L, 0, sizeof(L));
  memset(&delta, 0, sizeof(delta));

  /* 1. The rename first: everything after speaks the new name. */
  if( pp->pRename || strcmp(f->zName, t->zName)!=0 ){
    DfDdl ddl;
    char *zE = 0, *zWhy;
    int i;
    memset(&ddl, 0, sizeof(ddl));
    if( p->pD->xRenameTable==0 ){ missingMethod(p, "rename tables", f->zName); return; }
    if( DIALECT_FAILS(xRenameTable, f, t) ) return;
    if( pp->pRename ){
      zWhy = planPrintf(p, "table %s is renamed to %s: %s (confidence %.2f)",
                        f->zName, t->zName,
                        pp->pRename->zExplain ? pp->pRename->zExplain : "rename",
                        pp->pRename->rConfidence);
    }else{
      zWhy = planPrintf(p, "table %s is spelled %s in the target", f->zName, t->zName);
    }
    i = addStep(p, PH_TABLE, PR_RENAME_TABLE, "rename_table", f->zName, &ddl, zWhy);
    sqlite3_free(zWhy);
    stepTouch(p, i, f->zSchema, f->zName);
    stepTouch(p, i, t->zSchema, t->zName);
  }

  /* 2. Everything else: in place, or one rebuild. */
  delta.pFrom = f;
  delta.pTo = t;
  delta.nChange = pp->nCh;
  delta.apChange = pp->apCh;
  delta.aiSrc = columnMap(p, pp);
  if( delta.aiSrc==0 ) return;
  rc = tryInPlace(p, pp, &delta, &L);
  if( rc==SQLITE_OK ){
    emitTrials(p, pp, &L);
  }else if( rc==DF_DIALECT_REBUILD && p->rc==SQLITE_OK ){
    emitRebuild(p, pp, &delta);
  }
  trialListClear(&L);
  sqlite3_free(delta.aiSrc);
}

/* ---------------------------------------------------------------------------
** Tables added and dropped
*/

/* A partition or an inheriting table (PostgreSQL: options partition_of,
** inherits, as "name" or "schema.name") reads its parents: created after
** them, dropped before them. */
static void parentNeeds(Planner *p, int i, const DfTable *t){
  DfJson *pOpt, *v;
  int k;
  if( i<0 || t->zOptions==0 ) return;
  pOpt = dfJsonParse(t->zOptions, 0);
  v = pOpt ? dfJsonGet(pOpt, "partition_of") : 0;
  if( v && v->eType==DF_JSON_STRING ) stepNeed(p, i, "", v->zText);
  v = pOpt ? dfJsonGet(pOpt, "inherits") : 0;
  for(k=0; v && v->eType==DF_JSON_ARRAY && k<v->nChild; k++){
    if( v->aChild[k].eType==DF_JSON_STRING ) stepNeed(p, i, "", v->aChild[k].zText);
  }
  dfJsonFree(pOpt);
}

static void planNewTable(Planner *p, DfTable *t, const char *zWhy){
  DfDdl ddl;
  char *zE = 0;
  int i, k;
  memset(&ddl, 0, sizeof(ddl));
  if( p->pD->xCreateTable==0 ){ missingMethod(p, "create tables", t->zName); return; }
  if( DIALECT_FAILS(xCreateTable, t) ) return;
  i = addStep(p, PH_TABLE, PR_CREATE_TABLE, "create_table", t->zName, &ddl, zWhy);
  stepTouch(p, i, t->zSchema, t->zName);
  stepRole(p, i, DEP_CREATE, t->zSchema, t->zName);
  parentNeeds(p, i, t);
  for(k=0; k<t->nCons && p->rc==SQLITE_OK; k++){
    DfConstraint *c = &t->aCons[k];
    if( c->zRefTable==0 ) continue;
    if( sqlite3_stricmp(c->zRefTable, t->zName)!=0 ){
      /* Inline FKs: create the target first. Separate FKs: their own steps
      ** come after every table, so creation order is free (no cycles). */
      if( p->pD->bInlineForeignKeys ) stepNeed(p, i, c->zRefSchema, c->zRefTable);
      stepTouch(p, i, c->zRefSchema, c->zRefTable);
    }
    if( !p->pD->bInlineForeignKeys ){
      /* Dialects with separate FK steps: add them after every table exists. */
      DfTableDelta d;
      int j;
      memset(&d, 0, sizeof(d));
      d.pTo = t;
      memset(&ddl, 0, sizeof(ddl));
      if( p->pD->xAddConstraint==0 ){ missingMethod(p, "add foreign keys", c->zName); return; }
      zE = 0;
      if( DIALECT_FAILS(xAddConstraint, &d, c) ) return;
      j = addStep(p, PH_CONS, 1, "add_constraint", c->zName, &ddl,
                  "foreign key of a new table, added once every table exists");
      stepTouch(p, j, t->zSchema, t->zName);
      stepNeed(p, j, c->zRefSchema, c->zRefTable);
    }
  }
  for(k=0; k<t->nIdx && p->rc==SQLITE_OK; k++){
    int j;
    memset(&ddl, 0, sizeof(ddl));
    if( p->pD->xCreateIndex==0 ){ missingMethod(p, "create indexes", t->aIdx[k].zName); return; }
    zE = 0;
    if( DIALECT_FAILS(xCreateIndex, t, &t->aIdx[k]) ) return;
    ddl.nRows = 0;      /* the table is new and empty */
    j = addStep(p, PH_INDEX, 0, "create_index", t->aIdx[k].zName, &ddl,
                "index of new table");
    stepTouch(p, j, t->zSchema, t->zName);
  }
  for(k=0; k<t->nTrig && p->rc==SQLITE_OK; k++){
    int j;
    memset(&ddl, 0, sizeof(ddl));
    if( p->pD->xCreateTrigger==0 ){
      missingMethod(p, "create triggers", t->aTrig[k].zName);
      return;
    }
    zE = 0;
    if( DIALECT_FAILS(xCreateTrigger, t, &t->aTrig[k]) ) return;
    j = addStep(p, PH_POST, 0, "create_trigger", t->aTrig[k].zName, &ddl,
                "trigger of new table");
    stepTouch(p, j, t->zSchema, t->zName);
  }
}

static void planDropTable(Planner *p, DfTable *f, const char *zExplain){
  DfDdl ddl;
  char *zE = 0, *zRows, *zRefuse;
  int i, k;
  memset(&ddl, 0, sizeof(ddl));
  if( p->pD->xDropTable==0 ){ missingMethod(p, "drop tables", f->zName); return; }
  if( DIALECT_FAILS(xDropTable, f) ) return;
  (void)zExplain;   /* the diff's "deletes its rows" is the dialect's to say */
  i = addStep(p, PH_DESTRUCTIVE, 1, "drop_table", f->zName, &ddl,
              "table is not in the target");
  if( i<0 ) return;
  p->aStep[i].s.bDestructive = 1;
  stepTouch(p, i, f->zSchema, f->zName);
  stepRole(p, i, DEP_DROP, f->zSchema, f->zName);
  parentNeeds(p, i, f);
  for(k=0; k<f->nCons; k++){
    if( f->aCons[k].zRefTable && sqlite3_stricmp(f->aCons[k].zRefTable, f->zName)!=0 ){
      stepNeed(p, i, f->aCons[k].zRefSchema, f->aCons[k].zRefTable);
    }
  }
  zRows = rowsSuffix(p, f->nRows);
  zRefuse = planPrintf(p, "drops table %s%s", f->zName, zRows ? zRows : "");
  appendText(p, &p->aStep[i].zRefuse, zRefuse);
  sqlite3_free(zRows);
  sqlite3_free(zRefuse);
}

/* ---------------------------------------------------------------------------
** Views
*/

/* Does view v read object (zSchema, zName)? (depends_on, case-insensitive) */
static int viewReads(const DfView *v, const char *zName){
  char **az = 0;
  int n = dfJsonStrings(v->zDependsOn, &az), i, b = 0;
  for(i=0; i<n; i++) if( sqlite3_stricmp(az[i], zName)==0 ) b = 1;
  if( n>0 ) dfJsonFreeStrings(n, az);
  return b;
}

static void viewNeeds(Planner *p, int iStep, const DfView *v){
  char **az = 0;
  int n = dfJsonStrings(v->zDependsOn, &az), i;
  /* depends_on names are relative to the snapshot: "name" in the default
  ** schema, "schema.name" elsewhere (whatever the view's own schema). */
  for(i=0; i<n; i++){
    stepNeed(p, iStep, "", az[i]);
    stepTouch(p, iStep, "", az[i]);
  }
  if( n>0 ) dfJsonFreeStrings(n, az);
}

static void planViews(Planner *p){
  DfCatalog *cf = p->ctx.pFrom, *ct = p->ctx.pTo;
  char *abDrop = 0, *abCreate = 0;   /* per FROM view / per TO view */
  char **azWhyF = 0, **azWhyT = 0;
  int i, j, k, bMore;
  DfChangeList *L = p->pList;

  abDrop = sqlite3_malloc64((sqlite3_uint64)cf->nView+1);
  abCreate = sqlite3_malloc64((sqlite3_uint64)ct->nView+1);
  azWhyF = sqlite3_malloc64(sizeof(char*)*((sqlite3_uint64)cf->nView+1));
  azWhyT = sqlite3_malloc64(sizeof(char*)*((sqlite3_uint64)ct->nView+1));
  if( !abDrop || !abCreate || !azWhyF || !azWhyT ){ planOom(p); goto cleanup; }
  memset(abDrop, 0, (size_t)cf->nView+1);
  memset(abCreate, 0, (size_t)ct->nView+1);
  memset(azWhyF, 0, sizeof(char*)*((size_t)cf->nView+1));
  memset(azWhyT, 0, sizeof(char*)*((size_t)ct->nView+1));

  /* The diff's view changes. Comments alone change nothing in SQL. */
  for(k=0; k<L->nChange; k++){
    DfChange *c = &L->aChange[k];
    if( !isKind(c, "view") ) continue;
    if( isChange(c, DF_CHANGE_ALTER) && c->zAttribute && strcmp(c->zAttribute, "comment")==0 ){
      /* A comment alone: the dialect's xComment, when it has comments. */
      if( p->pD->xComment && c->pToView ){
        DfDdl ddl;
        char *zE = 0;
        int s;
        memset(&ddl, 0, sizeof(ddl));
        if( DIALECT_FAILS(xComment, c) ) break;
        if( ddl.zSql ){
          s = addStep(p, PH_VIEW, 1, "alter_view", c->pToView->zName, &ddl, c->zExplain);
          stepTouch(p, s, c->pToView->zSchema, c->pToView->zName);
        }else{
          dfDdlClear(&ddl);
        }
      }
      continue;
    }
    if( c->pFromView ){
      i = (int)(c->pFromView - cf->aView);
      if( i>=0 && i<cf->nView && !abDrop[i] ){
        abDrop[i] = 1;
        azWhyF[i] = planPrintf(p, "%s", isChange(c, DF_CHANGE_DROP)
                      ? (c->zExplain ? c->zExplain : "view is not in the target")
                      : "its definition changes: dropped here, created again after the tables");
      }
    }
    if( c->pToView ){
      j = (int)(c->pToView - ct->aView);
      if( j>=0 && j<ct->nView && !abCreate[j] ){
        abCreate[j] = 1;
        azWhyT[j] = planPrintf(p, "%s", isChange(c, DF_CHANGE_ADD)
                      ? (c->zExplain ? c->zExplain : "new view")
                      : (c->zExplain ? c->zExplain : "definition changes"));
      }
    }
  }
  /* Views spelled differently only in case are recreated under their name. */
  for(j=0; j<ct->nView && p->rc==SQLITE_OK; j++){
    DfView *v = &ct->aView[j];
    DfView *w = dfCatalogFindView(cf, v->zSchema, v->zName);
    if( w && strcmp(w->zName, v->zName)!=0 ){
      i = (int)(w - cf->aView);
      if( !abDrop[i] ){
        abDrop[i] = 1;
        azWhyF[i] = planPrintf(p, "view %s is spelled %s in the target", w->zName, v->zName);
      }
      if( !abCreate[j] ){
        abCreate[j] = 1;
        azWhyT[j] = planPrintf(p, "view %s is spelled %s in the target", w->zName, v->zName);
      }
    }
  }
  /* A view that reads a table which is renamed follows the table under its
  ** new name (PostgreSQL binds views to objects, not names): when the
  ** target still has the view, it is created again from its target text,
  ** which names what the target means. */
  for(i=0; i<cf->nView && p->rc==SQLITE_OK; i++){
    DfView *w = &cf->aView[i];
    if( abDrop[i] ) continue;
    for(k=0; k<p->nPair; k++){
      Pair *pp = &p->aPair[k];
      char *zRef;
      int bReads;
      if( strcmp(pp->pFrom->zName, pp->pTo->zName)==0 ) continue;
      zRef = objDisplay(p, pp->pFrom->zSchema, pp->pFrom->zName);
      bReads = zRef && viewReads(w, zRef);
      sqlite3_free(zRef);
      if( bReads ){
        DfView *v = dfCatalogFindView(ct, w->zSchema, w->zName);
        abDrop[i] = 1;
        azWhyF[i] = planPrintf(p, "it reads table %s, which is renamed to %s:"
                               " dropped here, created again after it",
                               pp->pFrom->zName, pp->pTo->zName);
        if( v ){
          j = (int)(v - ct->aView);
          if( !abCreate[j] ){
            abCreate[j] = 1;
            azWhyT[j] = planPrintf(p, "recreated because table %s is renamed",
                                   pp->pFrom->zName);
          }
        }
        break;
      }
    }
  }
  /* Views that read a view being dropped are dropped too, and created again
  ** when the target still has them (SQLite would otherwise refuse later
  ** renames over a view that names a missing object). */
  do{
    bMore = 0;
    for(i=0; i<cf->nView && p->rc==SQLITE_OK; i++){
      DfView *w = &cf->aView[i];
      if( abDrop[i] ) continue;
      for(k=0; k<cf->nView; k++){
        if( abDrop[k] && viewReads(w, cf->aView[k].zName) ){
          DfView *v = dfCatalogFindView(ct, w->zSchema, w->zName);
          abDrop[i] = 1;
          azWhyF[i] = planPrintf(p, "it reads view %s, which is dropped and created"
                                 " again: dropped here, created again after it",
                                 cf->aView[k].zName);
          if( v ){
            j = (int)(v - ct->aView);
            if( !abCreate[j] ){
              abCreate[j] = 1;
              azWhyT[j] = planPrintf(p, "unchanged, recreated because it reads view %s",
                                     cf->aView[k].zName);
            }
          }
          bMore = 1;
          break;
        }
      }
    }
  }while( bMore && p->rc==SQLITE_OK );

  for(i=0; i<cf->nView && p->rc==SQLITE_OK; i++){
    DfDdl ddl;
    char *zE = 0;
    int s;
    if( !abDrop[i] ) continue;
    memset(&ddl, 0, sizeof(ddl));
    if( p->pD->xDropView==0 ){ missingMethod(p, "drop views", cf->aView[i].zName); break; }
    if( DIALECT_FAILS(xDropView, &cf->aView[i]) ) break;
    s = addStep(p, PH_PRE, 1, "drop_view", cf->aView[i].zName, &ddl, azWhyF[i]);
    stepTouch(p, s, cf->aView[i].zSchema, cf->aView[i].zName);
    stepRole(p, s, DEP_DROP, cf->aView[i].zSchema, cf->aView[i].zName);
    viewNeeds(p, s, &cf->aView[i]);
  }
  for(j=0; j<ct->nView && p->rc==SQLITE_OK; j++){
    DfDdl ddl;
    char *zE = 0;
    int s;
    if( !abCreate[j] ) continue;
    memset(&ddl, 0, sizeof(ddl));
    if( p->pD->xCreateView==0 ){ missingMethod(p, "create views", ct->aView[j].zName); break; }
    if( DIALECT_FAILS(xCreateView, &ct->aView[j]) ) break;
    s = addStep(p, PH_VIEW, 0, "create_view", ct->aView[j].zName, &ddl, azWhyT[j]);
    stepTouch(p, s, ct->aView[j].zSchema, ct->aView[j].zName);
    stepRole(p, s, DEP_CREATE, ct->aView[j].zSchema, ct->aView[j].zName);
    viewNeeds(p, s, &ct->aView[j]);
  }

cleanup:
  for(i=0; azWhyF && i<cf->nView; i++) sqlite3_free(azWhyF[i]);
  for(j=0; azWhyT && j<ct->nView; j++) sqlite3_free(azWhyT[j]);
  sqlite3_free(azWhyF);
  sqlite3_free(azWhyT);
  sqlite3_free(abDrop);
  sqlite3_free(abCreate);
}

/* ---------------------------------------------------------------------------
** Enums and sequences
*/

static void planTypes(Planner *p){
  int k;
  DfChangeList *L = p->pList;
  for(k=0; k<L->nChange && p->rc==SQLITE_OK; k++){
    DfChange *c = &L->aChange[k];
    int bEnum = isKind(c, "enum"), i, iPhase, iPrio;
    DfDdl ddl;
    char *zE = 0, *zOp;
    if( !bEnum && !isKind(c, "sequence") ) continue;
    if( (bEnum && p->pD->xEnum==0) || (!bEnum && p->pD->xSequence==0) ){
      p->rc = SQLITE_ERROR;
      p->zErr = sqlite3_mprintf("migration_plan: dialect '%s' has no %s (%s '%s')",
                                p->pD->zName, bEnum ? "enum types" : "sequences",
                                c->zKind, c->zObject);
      return;
    }
    memset(&ddl, 0, sizeof(ddl));
    if( bEnum ? DIALECT_FAILS(xEnum, c) : DIALECT_FAILS(xSequence, c) ) return;
    if( ddl.zSql==0 ){ dfDdlClear(&ddl); continue; }
    /* Types exist before the tables that use them; drops and lossy
    ** changes come last, with the other destructive steps. */
    iPrio = PR_LAST;
    if( isChange(c, DF_CHANGE_DROP) || (isChange(c, DF_CHANGE_ALTER) && c->bDestructive) ){
      iPhase = PH_DESTRUCTIVE;
    }else{
      iPhase = PH_PRE;
    }
    zOp = planPrintf(p, "%s_%s", isChange(c, DF_CHANGE_ADD) ? "create" : c->zChange, c->zKind);
    i = addStep(p, iPhase, iPrio, zOp ? zOp : "", c->zObject, &ddl, c->zExplain);
    sqlite3_free(zOp);
    stepTouch(p, i, c->zSchema, c->zObject);
    if( i>=0 && c->bDestructive ){
      char *z = planPrintf(p, "%s %s %s: %s", c->zChange, c->zKind, c->zObject,
                           c->zExplain ? c->zExplain : "may lose data");
      appendText(p, &p->aStep[i].zRefuse, z);
      sqlite3_free(z);
      p->aStep[i].s.bDestructive = 1;
    }
  }
}

/* ---------------------------------------------------------------------------
** Ordering
*/

static int cmpStep(const PStep *a, const PStep *b){
  int c;
  if( a->iPhase!=b->iPhase ) return a->iPhase<b->iPhase ? -1 : 1;
  if( a->iPrio!=b->iPrio ) return a->iPrio<b->iPrio ? -1 : 1;
  c = strcmp(a->zSort ? a->zSort : "", b->zSort ? b->zSort : "");
  if( c ) return c;
  return a->iSeq<b->iSeq ? -1 : (a->iSeq>b->iSeq);
}
static int cmpStepPtr(const void *pa, const void *pb){
  return cmpStep(*(PStep*const*)pa, *(PStep*const*)pb);
}

/* A key -> step map entry for the dependency edges. */
typedef struct KeyRef KeyRef;
struct KeyRef {
  const char *zKey;       /* lowercase object key */
  int iStep;              /* step that creates or drops it */
};
static int cmpKeyRef(const void *a, const void *b){
  const KeyRef *x = (const KeyRef*)a, *y = (const KeyRef*)b;
  int c = strcmp(x->zKey, y->zKey);
  return c ? c : (x->iStep - y->iStep);
}
static int findKey(KeyRef *a, int n, const char *zKey){
  int lo = 0, hi = n-1;
  while( lo<=hi ){
    int mid = (lo+hi)/2;
    int c = strcmp(a[mid].zKey, zKey);
    if( c==0 ){
      while( mid>0 && strcmp(a[mid-1].zKey, zKey)==0 ) mid--;
      return mid;
    }
    if( c<0 ) lo = mid+1; else hi = mid-1;
  }
  return -1;
}

/* Min-heap of positions in the stable order. */
typedef struct Heap Heap;
struct Heap { int n; int *a; };
static void heapPush(Heap *h, int v){
  int i = h->n++;
  h->a[i] = v;
  while( i>0 && h->a[(i-1)/2]>h->a[i] ){
    int t = h->a[i]; h->a[i] = h->a[(i-1)/2]; h->a[(i-1)/2] = t;
    i = (i-1)/2;
  }
}
static int heapPop(Heap *h){
  int v = h->a[0], i = 0;
  h->a[0] = h->a[--h->n];
  for(;;){
    int l = 2*i+1, r = l+1, m = i;
    if( l<h->n && h->a[l]<h->a[m] ) m = l;
    if( r<h->n && h->a[r]<h->a[m] ) m = r;
    if( m==i ) break;
    { int t = h->a[i]; h->a[i] = h->a[m]; h->a[m] = t; }
    i = m;
  }
  return v;
}

/*
** Order the steps: stable sort, then Kahn's topological sort over
** positions in the stable order. On success p->aStep is permuted into the
** final order.
*/
static void orderSteps(Planner *p){
  int n = p->nStep, i, k, nCreate = 0, nDrop = 0, nDone = 0;
  int *aPos = 0;          /* stable order: aPos[r] = step index */
  int *aRank = 0;         /* step index -> r */
  int *aIn = 0;           /* in-degree by r */
  int *aEdgeFirst = 0, *aEdgeNext = 0, *aEdgeTo = 0, nEdge = 0, nEdgeAlloc = 0;
  int *aOut = 0;          /* final order (r values) */
  KeyRef *aC = 0, *aD = 0;
  Heap h = {0, 0};
  PStep *aNew = 0;

  if( n==0 || p->rc ) return;
  aPos = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)n);
  aRank = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)n);
  aIn = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)n);
  aEdgeFirst = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)n);
  aOut = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)n);
  h.a = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)n);
  aC = sqlite3_malloc64(sizeof(KeyRef)*(sqlite3_uint64)n);
  aD = sqlite3_malloc64(sizeof(KeyRef)*(sqlite3_uint64)n);
  if( !aPos || !aRank || !aIn || !aEdgeFirst || !aOut || !h.a || !aC || !aD ){
    planOom(p);
    goto cleanup;
  }
  {
    PStep **ap = sqlite3_malloc64(sizeof(PStep*)*(sqlite3_uint64)n);
    if( ap==0 ){ planOom(p); goto cleanup; }
    for(i=0; i<n; i++) ap[i] = &p->aStep[i];
    qsort(ap, (size_t)n, sizeof(PStep*), cmpStepPtr);
    for(i=0; i<n; i++) aPos[i] = (int)(ap[i] - p->aStep);
    sqlite3_free(ap);
  }
  for(i=0; i<n; i++){ aRank[aPos[i]] = i; aIn[i] = 0; aEdgeFirst[i] = -1; }

  for(i=0; i<n; i++){
    PStep *s = &p->aStep[i];
    if( s->zKey==0 ) continue;
    if( s->eDep==DEP_CREATE ){ aC[nCreate].zKey = s->zKey; aC[nCreate++].iStep = i; }
    if( s->eDep==DEP_DROP ){ aD[nDrop].zKey = s->zKey; aD[nDrop++].iStep = i; }
  }
  qsort(aC, (size_t)nCreate, sizeof(KeyRef), cmpKeyRef);
  qsort(aD, (size_t)nDrop, sizeof(KeyRef), cmpKeyRef);

  /* Edges, as (from rank) -> (to rank): "from" must run first. */
  for(i=0; i<n && p->rc==SQLITE_OK; i++){
    PStep *s = &p->aStep[i];
    for(k=0; k<s->nNeed; k++){
      KeyRef *aMap = s->eDep==DEP_DROP ? aD : aC;
      int nMap = s->eDep==DEP_DROP ? nDrop : nCreate;
      int m = findKey(aMap, nMap, s->azNeed[k]);
      for(; m>=0 && m<nMap && strcmp(aMap[m].zKey, s->azNeed[k])==0; m++){
        int a, b;
        if( aMap[m].iStep==i ) continue;
        if( s->eDep==DEP_DROP ){ a = aRank[i]; b = aRank[aMap[m].iStep]; }
        else{ a = aRank[aMap[m].iStep]; b = aRank[i]; }
        if( nEdge>=nEdgeAlloc ){
          int nNew = nEdgeAlloc ? nEdgeAlloc*2 : 64;
          int *x = sqlite3_realloc64(aEdgeNext, sizeof(int)*(sqlite3_uint64)nNew);
          int *y = x ? sqlite3_realloc64(aEdgeTo, sizeof(int)*(sqlite3_uint64)nNew) : 0;
          if( x ) aEdgeNext = x;
          if( y ) aEdgeTo = y;
          if( !x || !y ){ planOom(p); goto cleanup; }
          nEdgeAlloc = nNew;
        }
        aEdgeTo[nEdge] = b;
        aEdgeNext[nEdge] = aEdgeFirst[a];
        aEdgeFirst[a] = nEdge++;
        aIn[b]++;
      }
    }
  }

  /* Kahn, taking the ready step that comes first in the stable order. */
  for(i=0; i<n; i++) if( aIn[i]==0 ) heapPush(&h, i);
  while( nDone<n && p->rc==SQLITE_OK ){
    int r, e;
    if( h.n==0 ){
      /* A cycle. The one repair we know: foreign keys between tables that
      ** the dialect writes inline (SQLite checks them only at
      ** foreign_key_check, so any creation or drop order is safe). */
      int rPick = -1;
      for(r=0; r<n; r++){
        if( aIn[r]>0 ){ rPick = r; break; }
      }
      if( rPick<0 ) break;
      {
        PStep *s = &p->aStep[aPos[rPick]];
        int bTable = strcmp(s->s.zOperation, "create_table")==0
                  || strcmp(s->s.zOperation, "drop_table")==0
                  || strcmp(s->s.zOperation, "rebuild_table")==0;
        if( !bTable || !p->pD->bInlineForeignKeys ){
          sqlite3_str *pMsg = sqlite3_str_new(0);
          int c = 0;
          sqlite3_str_appendall(pMsg, "migration_plan: dependency cycle that no repair"
                                      " breaks, between:");
          for(r=0; r<n; r++){
            if( aIn[r]>0 ){
              PStep *t = &p->aStep[aPos[r]];
              sqlite3_str_appendf(pMsg, "%s %s %s", c++ ? "," : "", t->s.zOperation,
                                  t->s.zObject);
            }
          }
          p->rc = SQLITE_ERROR;
          p->zErr = sqlite3_str_finish(pMsg);
          break;
        }
        {
          char *zNote = planPrintf(p, "%s; its foreign keys form a cycle with other"
              " tables of this plan: SQLite checks foreign keys at"
              " foreign_key_check (foreign_keys is off during apply), not at"
              " CREATE or DROP TABLE, so this order is safe", s->s.zWhy);
          if( zNote ){ sqlite3_free(s->s.zWhy); s->s.zWhy = zNote; }
        }
        aIn[rPick] = 0;
        heapPush(&h, rPick);
      }
    }
    r = heapPop(&h);
    aOut[nDone++] = r;
    aIn[r] = -1;     /* done */
    for(e=aEdgeFirst[r]; e>=0; e=aEdgeNext[e]){
      int b = aEdgeTo[e];
      if( aIn[b]>0 && --aIn[b]==0 ) heapPush(&h, b);
    }
  }
  if( p->rc ) goto cleanup;

  aNew = sqlite3_malloc64(sizeof(PStep)*(sqlite3_uint64)n);
  if( aNew==0 ){ planOom(p); goto cleanup; }
  for(i=0; i<n; i++){
    aNew[i] = p->aStep[aPos[aOut[i]]];
    aNew[i].iOrder = i;
  }
  sqlite3_free(p->aStep);
  p->aStep = aNew;
  p->nAlloc = n;

cleanup:
  sqlite3_free(aPos); sqlite3_free(aRank); sqlite3_free(aIn);
  sqlite3_free(aEdgeFirst); sqlite3_free(aEdgeNext); sqlite3_free(aEdgeTo);
  sqlite3_free(aOut); sqlite3_free(h.a); sqlite3_free(aC); sqlite3_free(aD);
}

/* ---------------------------------------------------------------------------
** Modes and final texts
*/

static int isAuto(const DfPlanOptions *o){
  return o->zMode==0 || strcmp(o->zMode, DF_MODE_AUTO)==0;
}

/* Refuse step i with zWhy (copied). */
static void refuse(Planner *p, int i, char *zWhy){
  PStep *s = &p->aStep[i];
  if( zWhy==0 ){ planOom(p); return; }
  s->s.bRefused = 1;
  sqlite3_free(s->s.zWhy);
  s->s.zWhy = zWhy;
}

static void applyMode(Planner *p){
  int i, k, bMore;
  int bAuto = isAuto(p->pOpt);
  for(i=0; i<p->nStep && p->rc==SQLITE_OK; i++){
    PStep *s = &p->aStep[i];
    int bDestr = s->s.bDestructive && !p->pOpt->bAllowDestructive;
    if( bAuto && (bDestr || s->zFail) ){
      sqlite3_str *pW = sqlite3_str_new(0);
      char *zRows = 0;
      sqlite3_str_appendall(pW, "refused in auto mode: ");
      if( bDestr ){
        if( s->zRefuse ){
          sqlite3_str_appendall(pW, s->zRefuse);
          if( s->bRebuild || strcmp(s->s.zOperation, "drop_column")==0 ){
            zRows = rowsSuffix(p, s->s.nRows);
            if( zRows ) sqlite3_str_appendall(pW, zRows);
          }
        }else{
          sqlite3_str_appendf(pW, "%s %s may lose data", s->s.zOperation, s->s.zObject);
        }
        if( s->zFail ) sqlite3_str_appendf(pW, "; %s", s->zFail);
        if( s->bRebuild && s->nHeld>0 ){
          sqlite3_str_appendf(pW, "; the rebuild also holds %d other change%s of %s,"
                              " which wait%s with it", s->nHeld, s->nHeld==1 ? "" : "s",
                              s->s.zObject, s->nHeld==1 ? "s" : "");
        }
        sqlite3_str_appendall(pW, "; rerun with --allow-destructive or mode=manual");
      }else{
        sqlite3_str_appendf(pW, "%s; fix the data first or rerun with mode=manual", s->zFail);
      }
      sqlite3_free(zRows);
      refuse(p, i, sqlite3_str_finish(pW));
    }else if( s->zFail ){
      char *z = planPrintf(p, "%s; warning: %s", s->s.zWhy, s->zFail);
      if( z ){ sqlite3_free(s->s.zWhy); s->s.zWhy = z; }
    }
  }
  if( !bAuto ) return;

  /* Cascade: what belongs to a refused rebuild, and views that need a
  ** refused object, are refused too (with their paired drops). */
  do{
    bMore = 0;
    for(i=0; i<p->nStep && p->rc==SQLITE_OK; i++){
      PStep *s = &p->aStep[i];
      if( !s->s.bRefused ) continue;
      for(k=0; k<p->nStep && p->rc==SQLITE_OK; k++){
        PStep *t = &p->aStep[k];
        int bHit = 0, m;
        if( t->s.bRefused ) continue;
        if( s->bRebuild && t->zGroup && s->zGroup && strcmp(t->zGroup, s->zGroup)==0 ) bHit = 1;
        if( (s->bRebuild || s->eDep==DEP_CREATE) && t->eDep==DEP_CREATE ){
          const char *zK = s->bRebuild ? s->zGroup : s->zKey;
          for(m=0; zK && m<t->nNeed; m++) if( strcmp(t->azNeed[m], zK)==0 ) bHit = 1;
        }
        /* a refused create of a changed view keeps the old view: no drop */
        if( s->eDep==DEP_CREATE && t->eDep==DEP_DROP && s->zKey && t->zKey
         && strcmp(s->zKey, t->zKey)==0 ) bHit = 1;
        if( bHit ){
          refuse(p, k, planPrintf(p, "refused in auto mode: it depends on step %d"
                                  " (%s %s), which is refused", i+1,
                                  s->s.zOperation, s->s.zObject));
          bMore = 1;
        }
      }
    }
  }while( bMore && p->rc==SQLITE_OK );
}

static int cmpStr(const void *a, const void *b){
  return strcmp(*(char*const*)a, *(char*const*)b);
}

/* zTouches: sorted, unique JSON array. */
static void finishTouches(Planner *p, PStep *s){
  sqlite3_str *pJ = sqlite3_str_new(0);
  int i, n = 0;
  if( s->nTouch>1 ) qsort(s->azTouch, (size_t)s->nTouch, sizeof(char*), cmpStr);
  sqlite3_str_appendchar(pJ, 1, '[');
  for(i=0; i<s->nTouch; i++){
    if( i>0 && strcmp(s->azTouch[i], s->azTouch[i-1])==0 ) continue;
    if( n++ ) sqlite3_str_appendchar(pJ, 1, ',');
    dfJsonAppendString(pJ, s->azTouch[i]);
  }
  sqlite3_str_appendchar(pJ, 1, ']');
  s->s.zTouches = sqlite3_str_finish(pJ);
  if( s->s.zTouches==0 ) planOom(p);
}

/* ---------------------------------------------------------------------------
** Public interface
*/

void dfPlanFree(DfPlan *p){
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nStep; i++){
    DfStep *s = &p->aStep[i];
    sqlite3_free(s->zOperation);
    sqlite3_free(s->zObject);
    sqlite3_free(s->zSql);
    sqlite3_free(s->zRollback);
    sqlite3_free(s->zLock);
    sqlite3_free(s->zWhy);
    sqlite3_free(s->zTouches);
  }
  sqlite3_free(p->aStep);
  dfChangeListFree(p->pChanges);
  sqlite3_free(p);
}

int dfPlanBuild(DfCatalog *pFrom, DfCatalog *pTo, const DfPlanOptions *pOpt,
                DfPlan **ppPlan, char **pzErr){
  Planner P;
  Planner *p = &P;
  DfPlan *pPlan = 0;
  int i;
  char *zE = 0;

  *ppPlan = 0;
  memset(p, 0, sizeof(*p));
  p->pOpt = pOpt;
  if( dfDialectLookup(pOpt->zDialect, "migration_plan", &p->pD, pzErr) ){
    return SQLITE_ERROR;
  }
  /* Quarantine tag: from the base checksum, so two migrations never pick
  ** the same name and the plan stays deterministic. */
  if( pFrom->zChecksum ){
    sqlite3_snprintf(sizeof(p->zTag), p->zTag, "%.8s", pFrom->zChecksum);
  }
  p->ctx.pFrom = pFrom;
  p->ctx.pTo = pTo;
  p->ctx.pOpt = pOpt;
  p->ctx.zTag = p->zTag;

  p->rc = dfDiffCompute(pFrom, pTo, &pOpt->diff, &p->pList, &zE);
  if( p->rc ){
    p->zErr = sqlite3_mprintf("migration_plan: %s", zE ? zE : sqlite3_errstr(p->rc));
    sqlite3_free(zE);
    goto done;
  }

  if( pOpt->zMode==0 || strcmp(pOpt->zMode, DF_MODE_EXISTING)!=0 ){
    DfChangeList *L = p->pList;
    fileChanges(p);
    caseSweep(p);
    for(i=0; i<p->nPair && p->rc==SQLITE_OK; i++) planPair(p, &p->aPair[i]);
    for(i=0; i<L->nChange && p->rc==SQLITE_OK; i++){
      DfChange *c = &L->aChange[i];
      if( !isKind(c, "table") ) continue;
      if( isChange(c, DF_CHANGE_ADD) && c->pToTab ) planNewTable(p, c->pToTab, c->zExplain);
      if( isChange(c, DF_CHANGE_DROP) && c->pFromTab ) planDropTable(p, c->pFromTab, c->zExplain);
    }
    if( p->rc==SQLITE_OK ) planViews(p);
    if( p->rc==SQLITE_OK ) planTypes(p);
    if( p->rc==SQLITE_OK ) orderSteps(p);
    if( p->rc==SQLITE_OK ) applyMode(p);
  }

  if( p->rc==SQLITE_OK ){
    pPlan = sqlite3_malloc64(sizeof(DfPlan));
    if( pPlan==0 ) planOom(p);
  }
  if( p->rc==SQLITE_OK ){
    memset(pPlan, 0, sizeof(*pPlan));
    pPlan->aStep = sqlite3_malloc64(sizeof(DfStep)*(sqlite3_uint64)(p->nStep+1));
    if( pPlan->aStep==0 ) planOom(p);
  }
  if( p->rc==SQLITE_OK ){
    for(i=0; i<p->nStep && p->rc==SQLITE_OK; i++) finishTouches(p, &p->aStep[i]);
  }
  if( p->rc==SQLITE_OK ){
    for(i=0; i<p->nStep; i++){
      PStep *s = &p->aStep[i];
      pPlan->aStep[i] = s->s;
      pPlan->aStep[i].iStep = i+1;
      memset(&s->s, 0, sizeof(s->s));     /* moved */
    }
    pPlan->nStep = p->nStep;
    pPlan->pChanges = p->pList;
    p->pList = 0;
    *ppPlan = pPlan;
    pPlan = 0;
  }

done:
  for(i=0; i<p->nStep; i++) pstepClear(&p->aStep[i]);
  sqlite3_free(p->aStep);
  for(i=0; i<p->nPair; i++) sqlite3_free(p->aPair[i].apCh);
  sqlite3_free(p->aPair);
  dfChangeListFree(p->pList);
  if( pPlan ){ sqlite3_free(pPlan->aStep); sqlite3_free(pPlan); }
  if( p->rc ){
    if( p->zErr==0 ) p->zErr = sqlite3_mprintf("migration_plan: %s", sqlite3_errstr(p->rc));
    *pzErr = p->zErr;
    return p->rc;
  }
  return SQLITE_OK;
}

/* ---------------------------------------------------------------------------
** Options
*/

void dfPlanOptionsInit(DfPlanOptions *pOpt){
  memset(pOpt, 0, sizeof(*pOpt));
  pOpt->zMode = DF_MODE_AUTO;
  pOpt->bSoftDrop = 1;
}

void dfPlanOptionsClear(DfPlanOptions *pOpt){
  const char *zDialect = pOpt->zDialect;
  dfDiffOptionsClear(&pOpt->diff);
  dfPlanOptionsInit(pOpt);
  pOpt->zDialect = zDialect;
}

/* Parse a boolean option value. Returns 0/1, or -1 when not a boolean. */
static int parseBool(const char *z){
  static const char *const azTrue[] = { "1", "true", "yes", "on" };
  static const char *const azFalse[] = { "0", "false", "no", "off" };
  int i;
  for(i=0; i<4; i++){
    if( sqlite3_stricmp(z, azTrue[i])==0 ) return 1;
    if( sqlite3_stricmp(z, azFalse[i])==0 ) return 0;
  }
  return -1;
}

static const char *const azModes[] = {
  DF_MODE_AUTO, DF_MODE_EXISTING, DF_MODE_MANUAL, DF_MODE_PRODUCTION, DF_MODE_DRY_RUN
};

/*
** Apply one option. zValue is the text value (JSON scalars converted).
** Rename values accumulate into *pRename (comma-separated hints).
*/
static int setOption(DfPlanOptions *pOpt, const char *zKey, const char *zValue,
                     sqlite3_str *pRename, int *pnRename, char **pzErr){
  int b;
  if( sqlite3_stricmp(zKey, "mode")==0 ){
    int i;
    char *zM = sqlite3_mprintf("%s", zValue);
    char *q;
    for(q=zM; q && *q; q++) if( *q=='-' ) *q = '_';
    for(i=0; i<5; i++){
      if( zM && sqlite3_stricmp(zM, azModes[i])==0 ){
        pOpt->zMode = azModes[i];
        sqlite3_free(zM);
        return SQLITE_OK;
      }
    }
    sqlite3_free(zM);
    *pzErr = sqlite3_mprintf("migration_plan: unknown mode '%s' (known: auto,"
                             " existing, manual, production, dry_run)", zValue);
    return SQLITE_ERROR;
  }
  if( sqlite3_stricmp(zKey, "rename")==0 ){
    if( zValue[0] ){
      const char *q;
      if( (*pnRename)++ ) sqlite3_str_appendchar(pRename, 1, ',');
      for(q=zValue; *q; q++) sqlite3_str_appendchar(pRename, 1, *q==';' ? ',' : *q);
    }
    return SQLITE_OK;
  }
  if( sqlite3_stricmp(zKey, "allow_destructive")==0
   || sqlite3_stricmp(zKey, "online")==0
   || sqlite3_stricmp(zKey, "soft_drop")==0
   || sqlite3_stricmp(zKey, "no_renames")==0
   || sqlite3_stricmp(zKey, "renames")==0 ){
    b = parseBool(zValue);
    if( b<0 ){
      *pzErr = sqlite3_mprintf("migration_plan: option '%s' needs true or false, not '%s'",
                               zKey, zValue);
      return SQLITE_ERROR;
    }
    if( sqlite3_stricmp(zKey, "allow_destructive")==0 ) pOpt->bAllowDestructive = b;
    else if( sqlite3_stricmp(zKey, "online")==0 ) pOpt->bOnline = b;
    else if( sqlite3_stricmp(zKey, "soft_drop")==0 ) pOpt->bSoftDrop = b;
    else if( sqlite3_stricmp(zKey, "renames")==0 ) pOpt->diff.bNoRenames = !b;
    else pOpt->diff.bNoRenames = b;
    return SQLITE_OK;
  }
  *pzErr = sqlite3_mprintf("migration_plan: unknown option '%s' (known: mode,"
                           " allow_destructive, online, soft_drop, rename, renames)", zKey);
  return SQLITE_ERROR;
}

/* Options given as a JSON object. */
static int parseJsonOptions(const char *zText, DfPlanOptions *pOpt,
                            sqlite3_str *pRename, int *pnRename, char **pzErr){
  char *zE = 0;
  DfJson *pObj = dfJsonParse(zText, &zE);
  int i, rc = SQLITE_OK;
  if( pObj==0 || pObj->eType!=DF_JSON_OBJECT ){
    *pzErr = sqlite3_mprintf("migration_plan: bad options '%s': %s", zText,
                             zE ? zE : "not a JSON object");
    sqlite3_free(zE);
    dfJsonFree(pObj);
    return SQLITE_ERROR;
  }
  for(i=0; i<pObj->nChild && rc==SQLITE_OK; i++){
    DfJson *v = &pObj->aChild[i];
    const char *zKey = pObj->azKey[i];
    if( sqlite3_stricmp(zKey, "rename")==0 && v->eType==DF_JSON_OBJECT ){
      int j;
      for(j=0; j<v->nChild; j++){
        DfJson *w = &v->aChild[j];
        char *zHint = sqlite3_mprintf("%s=%s", v->azKey[j],
                                      w->eType==DF_JSON_STRING ? w->zText : "");
        rc = setOption(pOpt, "rename", zHint ? zHint : "", pRename, pnRename, pzErr);
        sqlite3_free(zHint);
      }
    }else if( sqlite3_stricmp(zKey, "rename")==0 && v->eType==DF_JSON_ARRAY ){
      int j;
      for(j=0; j<v->nChild && rc==SQLITE_OK; j++){
        if( v->aChild[j].eType==DF_JSON_STRING ){
          rc = setOption(pOpt, "rename", v->aChild[j].zText, pRename, pnRename, pzErr);
        }
      }
    }else{
      const char *zVal = v->eType==DF_JSON_TRUE ? "true"
                       : v->eType==DF_JSON_FALSE ? "false"
                       : v->eType==DF_JSON_NULL ? "" : (v->zText ? v->zText : "");
      rc = setOption(pOpt, zKey, zVal, pRename, pnRename, pzErr);
    }
  }
  dfJsonFree(pObj);
  return rc;
}

/*
** Options given as key=value words separated by commas or spaces. As in
** schema_diff(), a rename value may itself hold commas ("rename=a=b,c=d"):
** a piece whose key is not an option continues the preceding rename.
*/
static int isOptionName(const char *z, int n){
  static const char *const az[] = { "mode", "allow_destructive", "online",
    "soft_drop", "rename", "renames", "no_renames" };
  int i;
  for(i=0; i<(int)(sizeof(az)/sizeof(az[0])); i++){
    if( (int)strlen(az[i])==n && sqlite3_strnicmp(z, az[i], n)==0 ) return 1;
  }
  return 0;
}

static int parseWordOptions(const char *zText, DfPlanOptions *pOpt,
                            sqlite3_str *pRename, int *pnRename, char **pzErr){
  const char *z = zText;
  int rc = SQLITE_OK, bInRename = 0;
  while( rc==SQLITE_OK && *z ){
    const char *zStart, *zEq;
    char *zKey = 0, *zVal = 0;
    int n;
    while( *z==',' || *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' ) z++;
    if( *z==0 ) break;
    zStart = z;
    while( *z && *z!=',' && *z!=' ' && *z!='\t' && *z!='\n' && *z!='\r' ) z++;
    n = (int)(z - zStart);
    zEq = memchr(zStart, '=', (size_t)n);
    if( !isOptionName(zStart, zEq ? (int)(zEq - zStart) : n) && bInRename ){
      zVal = sqlite3_mprintf("%.*s", n, zStart);
      rc = zVal ? setOption(pOpt, "rename", zVal, pRename, pnRename, pzErr) : SQLITE_NOMEM;
    }else if( zEq==0 ){
      /* A bare word is a boolean set to true: "allow_destructive". */
      zKey = sqlite3_mprintf("%.*s", n, zStart);
      if( zKey==0 ){
        rc = SQLITE_NOMEM;
      }else if( sqlite3_stricmp(zKey, "mode")==0 || sqlite3_stricmp(zKey, "rename")==0 ){
        *pzErr = sqlite3_mprintf("migration_plan: option '%s' needs a value", zKey);
        rc = SQLITE_ERROR;
      }else{
        rc = setOption(pOpt, zKey, "true", pRename, pnRename, pzErr);
      }
      bInRename = 0;
    }else{
      zKey = sqlite3_mprintf("%.*s", (int)(zEq - zStart), zStart);
      zVal = sqlite3_mprintf("%.*s", n - (int)(zEq - zStart) - 1, zEq+1);
      rc = zKey && zVal ? setOption(pOpt, zKey, zVal, pRename, pnRename, pzErr) : SQLITE_NOMEM;
      bInRename = zKey && sqlite3_stricmp(zKey, "rename")==0;
    }
    sqlite3_free(zKey);
    sqlite3_free(zVal);
  }
  return rc;
}

int dfPlanParseOptions(const char *zText, DfPlanOptions *pOpt, char **pzErr){
  sqlite3_str *pRename;
  int nRename = 0, rc, i = 0;
  char *zHints;
  if( zText==0 ) return SQLITE_OK;
  while( zText[i]==' ' || zText[i]=='\t' || zText[i]=='\n' || zText[i]=='\r' ) i++;
  if( zText[i]==0 ) return SQLITE_OK;
  pRename = sqlite3_str_new(0);
  if( zText[i]=='{' ){
    rc = parseJsonOptions(&zText[i], pOpt, pRename, &nRename, pzErr);
  }else{
    rc = parseWordOptions(&zText[i], pOpt, pRename, &nRename, pzErr);
  }
  zHints = sqlite3_str_finish(pRename);
  if( rc==SQLITE_OK && nRename ){
    char *zE = 0;
    if( zHints==0 ){
      rc = SQLITE_NOMEM;
    }else{
      rc = dfDiffParseHints(zHints, &pOpt->diff, &zE);
      if( rc ){
        *pzErr = sqlite3_mprintf("migration_plan: %s", zE ? zE : "bad rename hint");
      }
      sqlite3_free(zE);
    }
  }
  sqlite3_free(zHints);
  return rc;
}
