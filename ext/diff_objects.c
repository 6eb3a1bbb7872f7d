/*
** diff_objects.c — the second half of dfDiffCompute() (see diff.c): the
** constraints, indexes and triggers of each table pair, then the views,
** enums and sequences of the two catalogs.
**
** Usage: internal; diff.c calls these once every table pair has its
** column map (diff_int.h).
**
** HOW IT WORKS
**
** Constraints and indexes are paired by name when both names were
** declared, otherwise by a canonical key built from their content, with
** FROM column and table names read through the renames found by diff.c:
** PRIMARY KEY by kind alone; UNIQUE by columns; CHECK by normalised
** expression; FOREIGN KEY by columns and target; indexes by uniqueness,
** method, keys, INCLUDE and predicate. A pair whose full canonical text
** differs becomes a drop and an add explained "definition changed: old ->
** new". Canonical text folds names to lowercase when identifiers are
** case-insensitive, normalises expressions with dfExprNormalise(), upper-
** cases FK actions, and treats defaults spelled out (NO ACTION, SIMPLE,
** "desc":0, btree, {}) as absent. Triggers pair by name and compare their
** text with whitespace and case folded outside quotes.
**
** Before any of that, constraint, index and trigger lists spelled exactly
** alike in a table pair without renames are skipped: the common case costs
** a few string comparisons.
**
** Views compare their normalised definition, kind, options and comment;
** enums their labels (added ones are not destructive, removed ones are),
** sequences each parameter.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "diff.h"
#include "types.h"
#include "dfjson.h"
#include "diff_int.h"

/* ---------------------------------------------------------------------------
** Canonical and display text of constraints and indexes
*/

/* Append name z, folded to lowercase when names are case-insensitive. */
static void appendName(DiffCtx *p, sqlite3_str *s, const char *z){
  if( !p->bNoCase ){
    sqlite3_str_appendall(s, z ? z : "");
  }else{
    for(; z && *z; z++){
      char c = *z;
      if( c>='A' && c<='Z' ) c += 'a' - 'A';
      sqlite3_str_appendchar(s, 1, c);
    }
  }
}

/* Canonical column list of JSON zJson, FROM names mapped through pp. */
static void appendColList(DiffCtx *p, sqlite3_str *s, const char *zJson, TabPair *pp){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az), i;
  if( n<0 ){ sqlite3_str_appendall(s, zJson ? zJson : ""); return; }
  sqlite3_str_appendchar(s, 1, '(');
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    appendName(p, s, diffMapColumn(p, pp, az[i]));
  }
  sqlite3_str_appendchar(s, 1, ')');
  dfJsonFreeStrings(n, az);
}

/* Display column list: "a, b". */
static void appendColDisplay(sqlite3_str *s, const char *zJson){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az), i;
  if( n<0 ){ sqlite3_str_appendall(s, zJson ? zJson : ""); return; }
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendall(s, ", ");
    sqlite3_str_appendall(s, az[i]);
  }
  dfJsonFreeStrings(n, az);
}

static void appendNormExpr(DiffCtx *p, sqlite3_str *s, const char *z){
  char *zN;
  if( z==0 ) return;
  zN = dfExprNormalise(z);
  if( zN==0 ){ diffOom(p); return; }
  sqlite3_str_appendall(s, zN);
  sqlite3_free(zN);
}

static void appendUpper(sqlite3_str *s, const char *z){
  for(; z && *z; z++){
    char c = *z;
    sqlite3_str_appendchar(s, 1, (c>='a' && c<='z') ? c - ('a' - 'A') : c);
  }
}

static int isAction(const char *z){       /* not the default NO ACTION */
  return z && *z && sqlite3_stricmp(z, "NO ACTION")!=0;
}
static int isMatch(const char *z){        /* not the default SIMPLE/NONE */
  return z && *z && sqlite3_stricmp(z, "SIMPLE")!=0 && sqlite3_stricmp(z, "NONE")!=0;
}

/*
** Canonical text of constraint k of table tab, through pair pp when it is
** a FROM constraint (pp NULL for TO). bKey: only what identifies it for
** pairing by content. OUT: caller frees.
*/
static char *consCanon(DiffCtx *p, const DfConstraint *k, const DfTable *tab,
                       TabPair *pp, int bKey){
  sqlite3_str *s = sqlite3_str_new(0);
  const char *zKind = k->zKind ? k->zKind : "";
  sqlite3_str_appendall(s, zKind);
  if( bKey && sqlite3_stricmp(zKind, "primary key")==0 ) return diffStrFinish(p, s);
  sqlite3_str_appendchar(s, 1, '|');
  appendColList(p, s, k->zColumns, pp);
  sqlite3_str_appendchar(s, 1, '|');
  appendNormExpr(p, s, k->zExpr);
  if( k->zRefTable ){
    const char *zRefSchema = k->zRefSchema ? k->zRefSchema : (tab->zSchema ? tab->zSchema : "");
    const char *zRefTable = k->zRefTable;
    TabPair *pRef = 0;
    if( pp ){
      int iF = diffFindFromTable(p, zRefSchema, zRefTable);
      if( iF>=0 && p->aFromPair[iF]>=0 ){
        pRef = &p->aPair[p->aFromPair[iF]];
        zRefSchema = pRef->pTo->zSchema ? pRef->pTo->zSchema : "";
        zRefTable = pRef->pTo->zName;
      }
    }
    sqlite3_str_appendchar(s, 1, '|');
    appendName(p, s, zRefSchema);
    sqlite3_str_appendchar(s, 1, '.');
    appendName(p, s, zRefTable);
    appendColList(p, s, k->zRefColumns, pRef);
  }
  if( !bKey ){
    /* actions and match types compare case-insensitively: upper-cased */
    sqlite3_str_appendchar(s, 1, '|');
    appendUpper(s, isAction(k->zOnUpdate) ? k->zOnUpdate : "");
    sqlite3_str_appendchar(s, 1, '|');
    appendUpper(s, isAction(k->zOnDelete) ? k->zOnDelete : "");
    sqlite3_str_appendchar(s, 1, '|');
    appendUpper(s, isMatch(k->zMatch) ? k->zMatch : "");
    sqlite3_str_appendf(s, "|%d|%d", k->bDeferrable, k->bInitDeferred);
  }
  return diffStrFinish(p, s);
}

/* Display text: "FOREIGN KEY (a) REFERENCES t (b) ON DELETE CASCADE". OUT: caller frees. */
static char *consDisplay(DiffCtx *p, const DfConstraint *k){
  sqlite3_str *s = sqlite3_str_new(0);
  appendUpper(s, k->zKind);
  if( k->zColumns ){
    sqlite3_str_appendall(s, " (");
    appendColDisplay(s, k->zColumns);
    sqlite3_str_appendall(s, ")");
  }
  if( k->zExpr ) sqlite3_str_appendf(s, " (%s)", k->zExpr);
  if( k->zRefTable ){
    sqlite3_str_appendall(s, " REFERENCES ");
    if( k->zRefSchema && k->zRefSchema[0] ) sqlite3_str_appendf(s, "%s.", k->zRefSchema);
    sqlite3_str_appendf(s, "%s (", k->zRefTable);
    appendColDisplay(s, k->zRefColumns);
    sqlite3_str_appendall(s, ")");
  }
  if( isMatch(k->zMatch) ) sqlite3_str_appendf(s, " MATCH %s", k->zMatch);
  if( isAction(k->zOnDelete) ) sqlite3_str_appendf(s, " ON DELETE %s", k->zOnDelete);
  if( isAction(k->zOnUpdate) ) sqlite3_str_appendf(s, " ON UPDATE %s", k->zOnUpdate);
  if( k->bDeferrable ) sqlite3_str_appendall(s, " DEFERRABLE");
  if( k->bInitDeferred ) sqlite3_str_appendall(s, " INITIALLY DEFERRED");
  return diffStrFinish(p, s);
}

/* Is a JSON member value "set" (not false, null, 0 or "")? */
static int jsonTruthy(const DfJson *v){
  if( v->eType==DF_JSON_TRUE ) return 1;
  if( v->eType==DF_JSON_NUMBER ) return strcmp(v->zText, "0")!=0;
  if( v->eType==DF_JSON_STRING ) return v->zText[0]!=0;
  return 0;
}

/*
** Canonical text of an index key list (JSON array of objects), FROM
** column names mapped through pp; members that are false/0/null are left
** out ("desc":0 equals no "desc"). bDisplay renders "a, lower(b) DESC".
*/
static void appendKeys(DiffCtx *p, sqlite3_str *s, const char *zJson, TabPair *pp,
                       int bDisplay){
  DfJson *pArr = dfJsonParse(zJson ? zJson : "[]", 0);
  int i, m;
  if( pArr==0 || pArr->eType!=DF_JSON_ARRAY ){
    sqlite3_str_appendall(s, zJson ? zJson : "");
    dfJsonFree(pArr);
    return;
  }
  for(i=0; i<pArr->nChild; i++){
    DfJson *k = &pArr->aChild[i];
    if( i ) sqlite3_str_appendall(s, bDisplay ? ", " : "|");
    if( k->eType==DF_JSON_STRING ){         /* a bare column name */
      if( bDisplay ) sqlite3_str_appendall(s, k->zText);
      else appendName(p, s, diffMapColumn(p, pp, k->zText));
      continue;
    }
    if( k->eType!=DF_JSON_OBJECT ) continue;
    for(m=0; m<k->nChild; m++){
      const char *zKey = k->azKey[m];
      DfJson *v = &k->aChild[m];
      if( !jsonTruthy(v) ) continue;
      if( bDisplay ){
        if( strcmp(zKey, "column")==0 || strcmp(zKey, "expr")==0 ){
          sqlite3_str_appendall(s, v->zText);
        }else if( strcmp(zKey, "desc")==0 ){
          sqlite3_str_appendall(s, " DESC");
        }else if( strcmp(zKey, "collation")==0 || strcmp(zKey, "collate")==0 ){
          sqlite3_str_appendf(s, " COLLATE %s", v->zText);
        }else if( strcmp(zKey, "nulls")==0 ){
          sqlite3_str_appendf(s, " NULLS %s", v->zText);
        }else if( v->eType==DF_JSON_STRING ){
          sqlite3_str_appendf(s, " %s", v->zText);
        }
        continue;
      }
      sqlite3_str_appendf(s, "%s=", zKey);
      if( strcmp(zKey, "column")==0 && v->eType==DF_JSON_STRING ){
        appendName(p, s, diffMapColumn(p, pp, v->zText));
      }else if( strcmp(zKey, "expr")==0 && v->eType==DF_JSON_STRING ){
        appendNormExpr(p, s, v->zText);
      }else if( v->eType==DF_JSON_STRING || v->eType==DF_JSON_NUMBER ){
        sqlite3_str_appendall(s, v->zText);
      }else{
        sqlite3_str_appendall(s, "1");
      }
      sqlite3_str_appendchar(s, 1, ';');
    }
  }
  dfJsonFree(pArr);
}

/* Canonical text of index x (pp for FROM indexes). bKey: what pairs by
** content (everything but options and comment). OUT: caller frees. */
static char *indexCanon(DiffCtx *p, const DfIndex *x, TabPair *pp, int bKey){
  sqlite3_str *s = sqlite3_str_new(0);
  sqlite3_str_appendf(s, "%d|", x->bUnique);
  appendName(p, s, x->zMethod ? x->zMethod : "btree");   /* fold: BTREE = btree */
  sqlite3_str_appendchar(s, 1, '|');
  appendKeys(p, s, x->zKeys, pp, 0);
  sqlite3_str_appendchar(s, 1, '|');
  appendColList(p, s, x->zInclude, pp);
  sqlite3_str_appendchar(s, 1, '|');
  appendNormExpr(p, s, x->zPredicate);
  if( !bKey ){
    sqlite3_str_appendchar(s, 1, '|');
    sqlite3_str_appendall(s, diffOptText(x->zOptions));
  }
  return diffStrFinish(p, s);
}

/* Display: "UNIQUE INDEX USING btree (a, b DESC) INCLUDE (c) WHERE p". */
static char *indexDisplay(DiffCtx *p, const DfIndex *x){
  sqlite3_str *s = sqlite3_str_new(0);
  if( x->bUnique ) sqlite3_str_appendall(s, "UNIQUE ");
  sqlite3_str_appendall(s, "INDEX");
  if( x->zMethod && sqlite3_stricmp(x->zMethod, "btree")!=0 ){
    sqlite3_str_appendf(s, " USING %s", x->zMethod);
  }
  sqlite3_str_appendall(s, " (");
  appendKeys(p, s, x->zKeys, 0, 1);
  sqlite3_str_appendall(s, ")");
  if( x->zInclude ){
    sqlite3_str_appendall(s, " INCLUDE (");
    appendColDisplay(s, x->zInclude);
    sqlite3_str_appendall(s, ")");
  }
  if( x->zPredicate ) sqlite3_str_appendf(s, " WHERE %s", x->zPredicate);
  if( diffOptText(x->zOptions)[0] ) sqlite3_str_appendf(s, " WITH %s", x->zOptions);
  return diffStrFinish(p, s);
}

/* Trigger text with whitespace folded and case folded outside quotes, a
** final ';' dropped. OUT: caller frees. */
static char *triggerCanon(DiffCtx *p, const char *z){
  sqlite3_str *s = sqlite3_str_new(0);
  char cQuote = 0;
  int bSpace = 0;
  for(; z && *z; z++){
    char c = *z;
    if( cQuote ){
      sqlite3_str_appendchar(s, 1, c);
      if( c==cQuote ) cQuote = 0;
      continue;
    }
    if( c==' ' || c=='\t' || c=='\n' || c=='\r' ){ bSpace = 1; continue; }
    if( bSpace && sqlite3_str_length(s)>0 ) sqlite3_str_appendchar(s, 1, ' ');
    bSpace = 0;
    if( c=='\'' || c=='"' || c=='`' ) cQuote = c;
    else if( c=='[' ) cQuote = ']';
    if( c>='A' && c<='Z' ) c += 'a' - 'A';
    sqlite3_str_appendchar(s, 1, c);
  }
  {
    char *zOut = diffStrFinish(p, s);
    int n = zOut ? (int)strlen(zOut) : 0;
    while( n>0 && (zOut[n-1]==';' || zOut[n-1]==' ') ) zOut[--n] = 0;
    return zOut;
  }
}

/*
** Pair FROM items with TO items by name (both declared) and then by key.
** azFName/azTName: names; abFGen/abTGen: generated-name flags; azFKey/
** azTKey: content keys. Fills aFtoT/aTtoF.
*/
static void pairByNameThenKey(DiffCtx *p, int nF, char **azFName, int *abFGen,
                              char **azFKey, int nT, char **azTName, int *abTGen,
                              char **azTKey, int *aFtoT, int *aTtoF){
  int i, j;
  for(i=0; i<nF; i++) aFtoT[i] = -1;
  for(j=0; j<nT; j++) aTtoF[j] = -1;
  for(i=0; i<nF; i++){
    if( abFGen[i] ) continue;
    for(j=0; j<nT; j++){                 /* exact spelling first */
      if( aTtoF[j]<0 && !abTGen[j] && strcmp(azFName[i], azTName[j])==0 ) break;
    }
    if( j==nT ){
      for(j=0; j<nT; j++){
        if( aTtoF[j]<0 && !abTGen[j] && diffNameEq(p, azFName[i], azTName[j]) ) break;
      }
    }
    if( j<nT ){ aFtoT[i] = j; aTtoF[j] = i; }
  }
  for(i=0; i<nF; i++){
    if( aFtoT[i]>=0 ) continue;
    for(j=0; j<nT; j++){
      if( aTtoF[j]>=0 ) continue;
      if( !abFGen[i] && !abTGen[j] ) continue;   /* both declared: names decide */
      if( strcmp(azFKey[i], azTKey[j])==0 ){ aFtoT[i] = j; aTtoF[j] = i; break; }
    }
  }
}

/* ---------------------------------------------------------------------------
** Shortcuts: the usual case is two tables whose constraints, indexes and
** triggers are spelled exactly alike. Comparing the raw catalog text first
** avoids building canonical forms for them; anything that differs in the
** slightest takes the careful path.
*/

/* Does the FROM table zSchema.zName keep its name and columns in TO? */
static int refIsIdentity(DiffCtx *p, const char *zSchema, const char *zName){
  int iF = diffFindFromTable(p, zSchema, zName);
  if( iF<0 ) return 1;                   /* not in FROM: nothing to map */
  if( p->aFromPair[iF]<0 ) return 0;
  return p->aPair[p->aFromPair[iF]].bIdentity;
}

static int consRawEq(DiffCtx *p, const DfTable *tab, const DfConstraint *a,
                     const DfConstraint *b){
  if( !diffTextEq(a->zName, b->zName) || !diffTextEq(a->zKind, b->zKind)
   || !diffTextEq(a->zColumns, b->zColumns) || !diffTextEq(a->zExpr, b->zExpr)
   || !diffTextEq(a->zRefSchema, b->zRefSchema) || !diffTextEq(a->zRefTable, b->zRefTable)
   || !diffTextEq(a->zRefColumns, b->zRefColumns) || !diffTextEq(a->zOnUpdate, b->zOnUpdate)
   || !diffTextEq(a->zOnDelete, b->zOnDelete) || !diffTextEq(a->zMatch, b->zMatch)
   || a->bDeferrable!=b->bDeferrable || a->bInitDeferred!=b->bInitDeferred
   || a->bGenName!=b->bGenName ){
    return 0;
  }
  return a->zRefTable==0
      || refIsIdentity(p, a->zRefSchema ? a->zRefSchema : tab->zSchema, a->zRefTable);
}

static int indexRawEq(const DfIndex *a, const DfIndex *b){
  return diffTextEq(a->zName, b->zName) && a->bUnique==b->bUnique
      && diffTextEq(a->zMethod, b->zMethod) && diffTextEq(a->zKeys, b->zKeys)
      && diffTextEq(a->zInclude, b->zInclude) && diffTextEq(a->zPredicate, b->zPredicate)
      && diffTextEq(a->zOptions, b->zOptions) && diffTextEq(a->zComment, b->zComment)
      && a->bGenName==b->bGenName;
}

/* The name a constraint declares: "" when generated or unnamed. */
static const char *declaredName(const DfConstraint *k){
  return (k->bGenName || k->zName==0) ? "" : k->zName;
}

void diffConstraints(DiffCtx *p, TabPair *pp){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  int nF = f->nCons, nT = t->nCons, i, j;
  char **azFName;
  if( nF==nT && pp->bIdentity ){
    for(i=0; i<nF && consRawEq(p, f, &f->aCons[i], &t->aCons[i]); i++){}
    if( i==nF ) return;
  }
  azFName = diffAlloc(p, sizeof(char*)*(size_t)(nF + 1));
  char **azTName = diffAlloc(p, sizeof(char*)*(size_t)(nT + 1));
  char **azFKey = diffAlloc(p, sizeof(char*)*(size_t)(nF + 1));
  char **azTKey = diffAlloc(p, sizeof(char*)*(size_t)(nT + 1));
  int *abFGen = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  int *abTGen = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  int *aFtoT = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  int *aTtoF = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  if( p->rc ) goto cleanup;
  for(i=0; i<nF; i++){
    azFName[i] = f->aCons[i].zName;
    abFGen[i] = f->aCons[i].bGenName;
    azFKey[i] = consCanon(p, &f->aCons[i], f, pp, 1);
  }
  for(j=0; j<nT; j++){
    azTName[j] = t->aCons[j].zName;
    abTGen[j] = t->aCons[j].bGenName;
    azTKey[j] = consCanon(p, &t->aCons[j], t, 0, 1);
  }
  if( p->rc ) goto cleanup;
  pairByNameThenKey(p, nF, azFName, abFGen, azFKey, nT, azTName, abTGen, azTKey,
                    aFtoT, aTtoF);
  for(i=0; i<nF && p->rc==SQLITE_OK; i++){
    DfConstraint *k = &f->aCons[i];
    char *zDisp = 0;
    DfChange *c;
    j = aFtoT[i];
    if( j>=0 ){
      char *zA = consCanon(p, k, f, pp, 0);
      char *zB = consCanon(p, &t->aCons[j], t, 0, 0);
      int bSame = zA && zB && strcmp(zA, zB)==0;
      /* A declared name is part of the schema (the checksum keeps it; a
      ** generated one is left out): paired by content, a constraint whose
      ** declared name changes is dropped and added under the new one. */
      int bNameSame = strcmp(declaredName(k), declaredName(&t->aCons[j]))==0;
      sqlite3_free(zA);
      sqlite3_free(zB);
      if( (!bSame || !bNameSame) && p->rc==SQLITE_OK ){
        zDisp = consDisplay(p, k);
        char *zNewDisp = consDisplay(p, &t->aCons[j]);
        char *zX = bSame
          ? sqlite3_mprintf("name changes: %s -> %s", zDisp, zNewDisp)
          : sqlite3_mprintf("definition changed: %s -> %s", zDisp, zNewDisp);
        c = diffAddChange(p, "constraint", t->zSchema, k->zName, t->zName, DF_CHANGE_DROP,
                      0, zDisp, 0, 0, 1.0, zX);
        if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromCons = k; c->pToCons = &t->aCons[j]; }
        c = diffAddChange(p, "constraint", t->zSchema, t->aCons[j].zName, t->zName, DF_CHANGE_ADD,
                      0, 0, zNewDisp, 0, 1.0, zX);
        if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromCons = k; c->pToCons = &t->aCons[j]; }
        sqlite3_free(zNewDisp);
        sqlite3_free(zX);
      }
    }else{
      char *zX = sqlite3_mprintf("%s constraint is not in the target", k->zKind);
      zDisp = consDisplay(p, k);
      c = diffAddChange(p, "constraint", t->zSchema, k->zName, t->zName, DF_CHANGE_DROP,
                    0, zDisp, 0, 0, 1.0, zX);
      if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromCons = k; }
      sqlite3_free(zX);
    }
    sqlite3_free(zDisp);
  }
  for(j=0; j<nT && p->rc==SQLITE_OK; j++){
    DfConstraint *k = &t->aCons[j];
    char *zDisp, *zX;
    DfChange *c;
    if( aTtoF[j]>=0 ) continue;
    zDisp = consDisplay(p, k);
    zX = sqlite3_mprintf("new %s constraint", k->zKind);
    c = diffAddChange(p, "constraint", t->zSchema, k->zName, t->zName, DF_CHANGE_ADD,
                  0, 0, zDisp, 0, 1.0, zX);
    if( c ){ c->pFromTab = f; c->pToTab = t; c->pToCons = k; }
    sqlite3_free(zDisp);
    sqlite3_free(zX);
  }
cleanup:
  for(i=0; azFKey && i<nF; i++) sqlite3_free(azFKey[i]);
  for(j=0; azTKey && j<nT; j++) sqlite3_free(azTKey[j]);
  sqlite3_free(azFName); sqlite3_free(azTName);
  sqlite3_free(azFKey); sqlite3_free(azTKey);
  sqlite3_free(abFGen); sqlite3_free(abTGen);
  sqlite3_free(aFtoT); sqlite3_free(aTtoF);
}

void diffIndexes(DiffCtx *p, TabPair *pp){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  int nF = f->nIdx, nT = t->nIdx, i, j;
  char **azFName;
  if( nF==nT && pp->bIdentity ){
    for(i=0; i<nF && indexRawEq(&f->aIdx[i], &t->aIdx[i]); i++){}
    if( i==nF ) return;
  }
  azFName = diffAlloc(p, sizeof(char*)*(size_t)(nF + 1));
  char **azTName = diffAlloc(p, sizeof(char*)*(size_t)(nT + 1));
  char **azFKey = diffAlloc(p, sizeof(char*)*(size_t)(nF + 1));
  char **azTKey = diffAlloc(p, sizeof(char*)*(size_t)(nT + 1));
  int *abFGen = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  int *abTGen = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  int *aFtoT = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  int *aTtoF = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  if( p->rc ) goto cleanup;
  for(i=0; i<nF; i++){
    azFName[i] = f->aIdx[i].zName;
    abFGen[i] = f->aIdx[i].bGenName;
    azFKey[i] = indexCanon(p, &f->aIdx[i], pp, 1);
  }
  for(j=0; j<nT; j++){
    azTName[j] = t->aIdx[j].zName;
    abTGen[j] = t->aIdx[j].bGenName;
    azTKey[j] = indexCanon(p, &t->aIdx[j], 0, 1);
  }
  if( p->rc ) goto cleanup;
  pairByNameThenKey(p, nF, azFName, abFGen, azFKey, nT, azTName, abTGen, azTKey,
                    aFtoT, aTtoF);
  for(i=0; i<nF && p->rc==SQLITE_OK; i++){
    DfIndex *x = &f->aIdx[i];
    char *zDisp = 0;
    DfChange *c;
    j = aFtoT[i];
    if( j>=0 ){
      DfIndex *y = &t->aIdx[j];
      char *zA = indexCanon(p, x, pp, 0);
      char *zB = indexCanon(p, y, 0, 0);
      int bSame = zA && zB && strcmp(zA, zB)==0;
      sqlite3_free(zA);
      sqlite3_free(zB);
      if( !bSame && p->rc==SQLITE_OK ){
        zDisp = indexDisplay(p, x);
        char *zNewDisp = indexDisplay(p, y);
        char *zX = sqlite3_mprintf("definition changed: %s -> %s", zDisp, zNewDisp);
        c = diffAddChange(p, "index", t->zSchema, x->zName, t->zName, DF_CHANGE_DROP,
                      0, zDisp, 0, 0, 1.0, zX);
        if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromIdx = x; c->pToIdx = y; }
        c = diffAddChange(p, "index", t->zSchema, y->zName, t->zName, DF_CHANGE_ADD,
                      0, 0, zNewDisp, 0, 1.0, zX);
        if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromIdx = x; c->pToIdx = y; }
        sqlite3_free(zNewDisp);
        sqlite3_free(zX);
      }else if( !diffTextEq(x->zComment, y->zComment) ){
        c = diffAddChange(p, "index", t->zSchema, y->zName, t->zName, DF_CHANGE_ALTER,
                      "comment", x->zComment, y->zComment, 0, 1.0, "comment changes");
        if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromIdx = x; c->pToIdx = y; }
      }
    }else{
      zDisp = indexDisplay(p, x);
      c = diffAddChange(p, "index", t->zSchema, x->zName, t->zName, DF_CHANGE_DROP,
                    0, zDisp, 0, 0, 1.0, "index is not in the target");
      if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromIdx = x; }
    }
    sqlite3_free(zDisp);
  }
  for(j=0; j<nT && p->rc==SQLITE_OK; j++){
    DfIndex *y = &t->aIdx[j];
    char *zDisp;
    DfChange *c;
    if( aTtoF[j]>=0 ) continue;
    zDisp = indexDisplay(p, y);
    c = diffAddChange(p, "index", t->zSchema, y->zName, t->zName, DF_CHANGE_ADD,
                  0, 0, zDisp, 0, 1.0, y->bUnique ? "new unique index: fails on duplicates"
                                                   : "new index");
    if( c ){ c->pFromTab = f; c->pToTab = t; c->pToIdx = y; }
    sqlite3_free(zDisp);
  }
cleanup:
  for(i=0; azFKey && i<nF; i++) sqlite3_free(azFKey[i]);
  for(j=0; azTKey && j<nT; j++) sqlite3_free(azTKey[j]);
  sqlite3_free(azFName); sqlite3_free(azTName);
  sqlite3_free(azFKey); sqlite3_free(azTKey);
  sqlite3_free(abFGen); sqlite3_free(abTGen);
  sqlite3_free(aFtoT); sqlite3_free(aTtoF);
}

void diffTriggers(DiffCtx *p, TabPair *pp){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  int nF = f->nTrig, nT = t->nTrig, i, j;
  NameRef *aF, *aT;
  int *aFtoT, *aTtoF;
  if( nF==nT ){
    for(i=0; i<nF && diffTextEq(f->aTrig[i].zName, t->aTrig[i].zName)
                  && diffTextEq(f->aTrig[i].zDef, t->aTrig[i].zDef); i++){}
    if( i==nF ) return;
  }
  aF = diffAlloc(p, sizeof(NameRef)*(size_t)(nF + 1));
  aT = diffAlloc(p, sizeof(NameRef)*(size_t)(nT + 1));
  aFtoT = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  aTtoF = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  if( p->rc ) goto cleanup;
  for(i=0; i<nF; i++){ aF[i].zSchema = ""; aF[i].zName = f->aTrig[i].zName; aF[i].idx = i; }
  for(j=0; j<nT; j++){ aT[j].zSchema = ""; aT[j].zName = t->aTrig[j].zName; aT[j].idx = j; }
  diffPairByName(p, nF, aF, nT, aT, aFtoT, aTtoF);
  for(i=0; i<nF && p->rc==SQLITE_OK; i++){
    DfTrigger *x = &f->aTrig[i];
    DfChange *c;
    j = aFtoT[i];
    if( j>=0 ){
      DfTrigger *y = &t->aTrig[j];
      char *zA = triggerCanon(p, x->zDef), *zB = triggerCanon(p, y->zDef);
      int bSame = zA && zB && strcmp(zA, zB)==0;
      sqlite3_free(zA);
      sqlite3_free(zB);
      if( bSame || p->rc ) continue;
      c = diffAddChange(p, "trigger", t->zSchema, x->zName, t->zName, DF_CHANGE_DROP,
                    0, x->zDef, 0, 0, 1.0, "definition changed");
      if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromTrig = x; c->pToTrig = y; }
      c = diffAddChange(p, "trigger", t->zSchema, y->zName, t->zName, DF_CHANGE_ADD,
                    0, 0, y->zDef, 0, 1.0, "definition changed");
      if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromTrig = x; c->pToTrig = y; }
    }else{
      c = diffAddChange(p, "trigger", t->zSchema, x->zName, t->zName, DF_CHANGE_DROP,
                    0, x->zDef, 0, 0, 1.0, "trigger is not in the target");
      if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromTrig = x; }
    }
  }
  for(j=0; j<nT && p->rc==SQLITE_OK; j++){
    DfChange *c;
    if( aTtoF[j]>=0 ) continue;
    c = diffAddChange(p, "trigger", t->zSchema, t->aTrig[j].zName, t->zName, DF_CHANGE_ADD,
                  0, 0, t->aTrig[j].zDef, 0, 1.0, "new trigger");
    if( c ){ c->pFromTab = f; c->pToTab = t; c->pToTrig = &t->aTrig[j]; }
  }
cleanup:
  sqlite3_free(aF); sqlite3_free(aT);
  sqlite3_free(aFtoT); sqlite3_free(aTtoF);
}

/* ---------------------------------------------------------------------------
** Views, enums, sequences
*/

void diffViews(DiffCtx *p){
  DfCatalog *cf = p->pFrom, *ct = p->pTo;
  int nF = cf->nView, nT = ct->nView, i, j;
  NameRef *aF = diffAlloc(p, sizeof(NameRef)*(size_t)(nF + 1));
  NameRef *aT = diffAlloc(p, sizeof(NameRef)*(size_t)(nT + 1));
  int *aFtoT = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  int *aTtoF = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  if( p->rc ) goto cleanup;
  for(i=0; i<nF; i++){ aF[i].zSchema = cf->aView[i].zSchema ? cf->aView[i].zSchema : ""; aF[i].zName = cf->aView[i].zName; aF[i].idx = i; }
  for(j=0; j<nT; j++){ aT[j].zSchema = ct->aView[j].zSchema ? ct->aView[j].zSchema : ""; aT[j].zName = ct->aView[j].zName; aT[j].idx = j; }
  diffPairByName(p, nF, aF, nT, aT, aFtoT, aTtoF);
  diffCheckDuplicates(p, cf->bCaseInsensitive, nF, aF, "view", "FROM");
  diffCheckDuplicates(p, ct->bCaseInsensitive, nT, aT, "view", "TO");
  for(i=0; i<nF && p->rc==SQLITE_OK; i++){
    DfView *f = &cf->aView[i];
    DfChange *c;
    j = aFtoT[i];
    if( j<0 ){
      c = diffAddChange(p, "view", f->zSchema, f->zName, 0, DF_CHANGE_DROP, 0, f->zDef, 0, 0, 1.0,
                    "view is not in the target (a view holds no data)");
      if( c ) c->pFromView = f;
      continue;
    }else{
      DfView *t = &ct->aView[j];
      if( f->zFingerprint && t->zFingerprint && f->zFingerprint[0]
       && strcmp(f->zFingerprint, t->zFingerprint)==0 ) continue;
#define VIEW_ALTER(ATTR, OLD, NEW, WHY) \
      c = diffAddChange(p, "view", t->zSchema, t->zName, 0, DF_CHANGE_ALTER, ATTR, OLD, NEW, 0, 1.0, WHY); \
      if( c ){ c->pFromView = f; c->pToView = t; }
      if( !diffExprEq(p, f->zDef, t->zDef) ){
        VIEW_ALTER("definition", f->zDef, t->zDef, "definition changes");
      }
      if( !diffTextEqNoCase(f->zKind ? f->zKind : "view", t->zKind ? t->zKind : "view") ){
        VIEW_ALTER("kind", f->zKind, t->zKind, "view kind changes");
      }
      if( strcmp(diffOptText(f->zOptions), diffOptText(t->zOptions))!=0 ){
        VIEW_ALTER("options", f->zOptions, t->zOptions, "view options change");
      }
      if( !diffTextEq(f->zComment, t->zComment) ){
        VIEW_ALTER("comment", f->zComment, t->zComment, "comment changes");
      }
#undef VIEW_ALTER
    }
  }
  for(j=0; j<nT && p->rc==SQLITE_OK; j++){
    DfChange *c;
    if( aTtoF[j]>=0 ) continue;
    c = diffAddChange(p, "view", ct->aView[j].zSchema, ct->aView[j].zName, 0, DF_CHANGE_ADD,
                  0, 0, ct->aView[j].zDef, 0, 1.0, "new view");
    if( c ) c->pToView = &ct->aView[j];
  }
cleanup:
  sqlite3_free(aF); sqlite3_free(aT);
  sqlite3_free(aFtoT); sqlite3_free(aTtoF);
}

/* Labels of a that are not in b, as "'x', 'y'" (n counts them). */
static char *labelsMissing(DiffCtx *p, int nA, char **azA, int nB, char **azB, int *pn){
  sqlite3_str *s = sqlite3_str_new(0);
  int i, j;
  *pn = 0;
  for(i=0; i<nA; i++){
    for(j=0; j<nB && strcmp(azA[i], azB[j])!=0; j++){}
    if( j<nB ) continue;
    sqlite3_str_appendf(s, "%s'%s'", *pn ? ", " : "", azA[i]);
    (*pn)++;
  }
  return diffStrFinish(p, s);
}

static void diffEnumPair(DiffCtx *p, DfEnum *f, DfEnum *t){
  DfChange *c;
  if( f->zFingerprint && t->zFingerprint && f->zFingerprint[0]
   && strcmp(f->zFingerprint, t->zFingerprint)==0 ) return;
  if( !diffTextEq(f->zLabels, t->zLabels) ){
    char **azF = 0, **azT = 0;
    int nF = dfJsonStrings(f->zLabels, &azF);
    int nT = dfJsonStrings(t->zLabels, &azT);
    int nAdd = 0, nDel = 0;
    char *zAdd = 0, *zDel = 0, *zX = 0;
    if( nF<0 || nT<0 ){
      zX = sqlite3_mprintf("labels change");
    }else{
      zAdd = labelsMissing(p, nT, azT, nF, azF, &nAdd);
      zDel = labelsMissing(p, nF, azF, nT, azT, &nDel);
      if( nAdd && nDel ){
        zX = sqlite3_mprintf("labels added: %s; removed: %s (rows holding a removed "
                             "label lose their value)", zAdd, zDel);
      }else if( nAdd ){
        zX = sqlite3_mprintf("labels added: %s", zAdd);
      }else if( nDel ){
        zX = sqlite3_mprintf("labels removed: %s (rows holding a removed label "
                             "lose their value)", zDel);
      }else{
        zX = sqlite3_mprintf("labels reordered");
      }
    }
    c = diffAddChange(p, "enum", t->zSchema, t->zName, 0, DF_CHANGE_ALTER, "labels",
                  f->zLabels, t->zLabels, nDel>0 || nF<0 || nT<0, 1.0, zX);
    if( c ){ c->pFromEnum = f; c->pToEnum = t; }
    if( zX==0 ) diffOom(p);
    sqlite3_free(zAdd); sqlite3_free(zDel); sqlite3_free(zX);
    dfJsonFreeStrings(nF, azF);
    dfJsonFreeStrings(nT, azT);
  }
  if( !diffTextEq(f->zComment, t->zComment) ){
    c = diffAddChange(p, "enum", t->zSchema, t->zName, 0, DF_CHANGE_ALTER, "comment",
                  f->zComment, t->zComment, 0, 1.0, "comment changes");
    if( c ){ c->pFromEnum = f; c->pToEnum = t; }
  }
}

void diffEnums(DiffCtx *p){
  DfCatalog *cf = p->pFrom, *ct = p->pTo;
  int nF = cf->nEnum, nT = ct->nEnum, i, j;
  NameRef *aF = diffAlloc(p, sizeof(NameRef)*(size_t)(nF + 1));
  NameRef *aT = diffAlloc(p, sizeof(NameRef)*(size_t)(nT + 1));
  int *aFtoT = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  int *aTtoF = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  if( p->rc ) goto cleanup;
  for(i=0; i<nF; i++){ aF[i].zSchema = cf->aEnum[i].zSchema ? cf->aEnum[i].zSchema : ""; aF[i].zName = cf->aEnum[i].zName; aF[i].idx = i; }
  for(j=0; j<nT; j++){ aT[j].zSchema = ct->aEnum[j].zSchema ? ct->aEnum[j].zSchema : ""; aT[j].zName = ct->aEnum[j].zName; aT[j].idx = j; }
  diffPairByName(p, nF, aF, nT, aT, aFtoT, aTtoF);
  for(i=0; i<nF && p->rc==SQLITE_OK; i++){
    DfChange *c;
    if( aFtoT[i]>=0 ){
      diffEnumPair(p, &cf->aEnum[i], &ct->aEnum[aFtoT[i]]);
      continue;
    }
    c = diffAddChange(p, "enum", cf->aEnum[i].zSchema, cf->aEnum[i].zName, 0, DF_CHANGE_DROP,
                  0, cf->aEnum[i].zLabels, 0, 0, 1.0, "enum type is not in the target");
    if( c ) c->pFromEnum = &cf->aEnum[i];
  }
  for(j=0; j<nT && p->rc==SQLITE_OK; j++){
    DfChange *c;
    if( aTtoF[j]>=0 ) continue;
    c = diffAddChange(p, "enum", ct->aEnum[j].zSchema, ct->aEnum[j].zName, 0, DF_CHANGE_ADD,
                  0, 0, ct->aEnum[j].zLabels, 0, 1.0, "new enum type");
    if( c ) c->pToEnum = &ct->aEnum[j];
  }
cleanup:
  sqlite3_free(aF); sqlite3_free(aT);
  sqlite3_free(aFtoT); sqlite3_free(aTtoF);
}

static void seqAlter(DiffCtx *p, DfSequence *f, DfSequence *t, const char *zAttr,
                     const char *zOld, const char *zNew){
  char *zX = sqlite3_mprintf("%s changes from %s to %s", zAttr,
                             zOld ? zOld : "none", zNew ? zNew : "none");
  DfChange *c = diffAddChange(p, "sequence", t->zSchema, t->zName, 0, DF_CHANGE_ALTER,
                          zAttr, zOld, zNew, 0, 1.0, zX);
  if( c ){ c->pFromSeq = f; c->pToSeq = t; }
  if( zX==0 ) diffOom(p);
  sqlite3_free(zX);
}

static void seqAlterInt(DiffCtx *p, DfSequence *f, DfSequence *t, const char *zAttr,
                        sqlite3_int64 a, sqlite3_int64 b){
  char zA[32], zB[32];
  if( a==b ) return;
  sqlite3_snprintf(sizeof(zA), zA, "%lld", a);
  sqlite3_snprintf(sizeof(zB), zB, "%lld", b);
  seqAlter(p, f, t, zAttr, zA, zB);
}

void diffSequences(DiffCtx *p){
  DfCatalog *cf = p->pFrom, *ct = p->pTo;
  int nF = cf->nSeq, nT = ct->nSeq, i, j;
  NameRef *aF = diffAlloc(p, sizeof(NameRef)*(size_t)(nF + 1));
  NameRef *aT = diffAlloc(p, sizeof(NameRef)*(size_t)(nT + 1));
  int *aFtoT = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  int *aTtoF = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  if( p->rc ) goto cleanup;
  for(i=0; i<nF; i++){ aF[i].zSchema = cf->aSeq[i].zSchema ? cf->aSeq[i].zSchema : ""; aF[i].zName = cf->aSeq[i].zName; aF[i].idx = i; }
  for(j=0; j<nT; j++){ aT[j].zSchema = ct->aSeq[j].zSchema ? ct->aSeq[j].zSchema : ""; aT[j].zName = ct->aSeq[j].zName; aT[j].idx = j; }
  diffPairByName(p, nF, aF, nT, aT, aFtoT, aTtoF);
  for(i=0; i<nF && p->rc==SQLITE_OK; i++){
    DfSequence *f = &cf->aSeq[i];
    DfChange *c;
    j = aFtoT[i];
    if( j>=0 ){
      DfSequence *t = &ct->aSeq[j];
      if( f->zFingerprint && t->zFingerprint && f->zFingerprint[0]
       && strcmp(f->zFingerprint, t->zFingerprint)==0 ) continue;
      if( !diffTextEqNoCase(f->zDataType, t->zDataType) ){
        seqAlter(p, f, t, "data_type", f->zDataType, t->zDataType);
      }
      seqAlterInt(p, f, t, "start", f->iStart, t->iStart);
      seqAlterInt(p, f, t, "increment", f->iIncrement, t->iIncrement);
      seqAlterInt(p, f, t, "min", f->iMin, t->iMin);
      seqAlterInt(p, f, t, "max", f->iMax, t->iMax);
      seqAlterInt(p, f, t, "cycle", f->bCycle, t->bCycle);
      if( !diffTextEqNoCase(f->zOwnedBy, t->zOwnedBy) ){
        seqAlter(p, f, t, "owned_by", f->zOwnedBy, t->zOwnedBy);
      }
      continue;
    }
    c = diffAddChange(p, "sequence", f->zSchema, f->zName, 0, DF_CHANGE_DROP, 0, 0, 0, 0, 1.0,
                  "sequence is not in the target (its current value is lost)");
    if( c ) c->pFromSeq = f;
  }
  for(j=0; j<nT && p->rc==SQLITE_OK; j++){
    DfChange *c;
    if( aTtoF[j]>=0 ) continue;
    c = diffAddChange(p, "sequence", ct->aSeq[j].zSchema, ct->aSeq[j].zName, 0, DF_CHANGE_ADD,
                  0, 0, 0, 0, 1.0, "new sequence");
    if( c ) c->pToSeq = &ct->aSeq[j];
  }
cleanup:
  sqlite3_free(aF); sqlite3_free(aT);
  sqlite3_free(aFtoT); sqlite3_free(aTtoF);
}

