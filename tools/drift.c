/*
** drift.c — fingerprint maps, drift, touched objects and who changed what
** (see drift.h).
**
** Usage (as apply does it):
**
**   DfFpMap base, live;  DfDriftList d;  DfKeySet touched = {0,0};
**   dfFpMapFromCatalog(pBase, &base);  dfFpMapFromCatalog(pLive, &live);
**   dfDriftCompute(&base, &live, &d);
**   dfTouchedKeys(apCat, 3, step->zObject, step->zTouches, &touched);
**   for each d.a[i] in touched: conflict, dfDriftWho(...) says who did it
**
** HOW IT WORKS
**
** Maps are sorted arrays, so drift is one merge. Touch resolution maps a
** step's names to object keys by looking them up in every catalog it is
** given (base, target, live): a table or view name is itself, "t.c" is its
** table, an index, constraint or trigger name is the table that owns it.
** Names compare case-insensitively, as SQLite and portable models do.
**
** Attribution walks the history newest first: the newest applied or
** inferred entry whose recorded fingerprint of the object equals the live
** one and whose operations touched the object made the change; an entry
** recording a different fingerprint means the change came after it, from
** outside DataFlow.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drift.h"
#include "dfjson.h"
#include "util.h"

/* ---------------------------------------------------------------------------
** Key sets
*/

static int keyFind(char **az, int n, const char *zKey, int *piAt){
  int lo = 0, hi = n - 1;
  while( lo<=hi ){
    int mid = (lo + hi) / 2;
    int c = strcmp(az[mid], zKey);
    if( c==0 ){ *piAt = mid; return 1; }
    if( c<0 ) lo = mid + 1; else hi = mid - 1;
  }
  *piAt = lo;
  return 0;
}

void dfKeySetAdd(DfKeySet *p, const char *zKey){
  int i;
  if( zKey==0 || keyFind(p->az, p->n, zKey, &i) ) return;
  p->az = xrealloc(p->az, sizeof(char*) * (size_t)(p->n + 1));
  memmove(&p->az[i+1], &p->az[i], sizeof(char*) * (size_t)(p->n - i));
  p->az[i] = xstrdup(zKey);
  p->n++;
}

int dfKeySetHas(const DfKeySet *p, const char *zKey){
  int i;
  return keyFind(p->az, p->n, zKey, &i);
}

void dfKeySetClear(DfKeySet *p){
  int i;
  for(i=0; i<p->n; i++) free(p->az[i]);
  free(p->az);
  p->az = 0;
  p->n = 0;
}

char *dfKeySetToJson(const DfKeySet *p){
  sqlite3_str *s = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendchar(s, 1, '[');
  for(i=0; i<p->n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, p->az[i]);
  }
  sqlite3_str_appendchar(s, 1, ']');
  return dfFromSqlite(sqlite3_str_finish(s));
}

void dfKeySetAddJson(DfKeySet *p, const char *zJson){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az), i;
  for(i=0; i<n; i++) dfKeySetAdd(p, az[i]);
  if( n>0 ) dfJsonFreeStrings(n, az);
}

/* ---------------------------------------------------------------------------
** Fingerprint maps
*/

static char *makeKey(const char *zKind, const char *zSchema, const char *zName){
  if( zSchema && zSchema[0] ) return xasprintf("%s:%s.%s", zKind, zSchema, zName);
  return xasprintf("%s:%s", zKind, zName);
}

static void mapPut(DfFpMap *p, char *zKey, const char *zFp){
  int i;
  if( keyFind(p->azKey, p->n, zKey, &i) ){
    free(p->azFp[i]);
    p->azFp[i] = xstrdup(zFp);
    free(zKey);
    return;
  }
  p->azKey = xrealloc(p->azKey, sizeof(char*) * (size_t)(p->n + 1));
  p->azFp = xrealloc(p->azFp, sizeof(char*) * (size_t)(p->n + 1));
  memmove(&p->azKey[i+1], &p->azKey[i], sizeof(char*) * (size_t)(p->n - i));
  memmove(&p->azFp[i+1], &p->azFp[i], sizeof(char*) * (size_t)(p->n - i));
  p->azKey[i] = zKey;
  p->azFp[i] = xstrdup(zFp);
  p->n++;
}

void dfFpMapFromCatalog(DfCatalog *pCat, DfFpMap *pOut){
  int i;
  memset(pOut, 0, sizeof(*pOut));
  if( pCat==0 ) return;
  for(i=0; i<pCat->nTable; i++){
    DfTable *t = &pCat->aTable[i];
    if( dfIsOwnObject(t->zName) ) continue;
    mapPut(pOut, makeKey("table", t->zSchema, t->zName), t->zFingerprint);
  }
  for(i=0; i<pCat->nView; i++){
    DfView *v = &pCat->aView[i];
    if( dfIsOwnObject(v->zName) ) continue;
    mapPut(pOut, makeKey("view", v->zSchema, v->zName), v->zFingerprint);
  }
  for(i=0; i<pCat->nEnum; i++){
    DfEnum *e = &pCat->aEnum[i];
    mapPut(pOut, makeKey("enum", e->zSchema, e->zName), e->zFingerprint);
  }
  for(i=0; i<pCat->nSeq; i++){
    DfSequence *q = &pCat->aSeq[i];
    if( dfIsOwnObject(q->zName) ) continue;
    mapPut(pOut, makeKey("sequence", q->zSchema, q->zName), q->zFingerprint);
  }
}

int dfFpMapFromJson(const char *zJson, DfFpMap *pOut){
  char *zErr = 0;
  DfJson *p;
  int i;
  memset(pOut, 0, sizeof(*pOut));
  if( zJson==0 ) return -1;
  p = dfJsonParse(zJson, &zErr);
  sqlite3_free(zErr);
  if( p==0 ) return -1;
  if( p->eType!=DF_JSON_OBJECT ){ dfJsonFree(p); return -1; }
  for(i=0; i<p->nChild; i++){
    DfJson *c = &p->aChild[i];
    mapPut(pOut, xstrdup(p->azKey[i]),
           c->eType==DF_JSON_STRING ? c->zText : 0);
  }
  dfJsonFree(p);
  return 0;
}

char *dfFpMapToJson(const DfFpMap *p){
  sqlite3_str *s = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendchar(s, 1, '{');
  for(i=0; i<p->n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, p->azKey[i]);
    sqlite3_str_appendchar(s, 1, ':');
    if( p->azFp[i] ) dfJsonAppendString(s, p->azFp[i]);
    else sqlite3_str_appendall(s, "null");
  }
  sqlite3_str_appendchar(s, 1, '}');
  return dfFromSqlite(sqlite3_str_finish(s));
}

const char *dfFpMapGet(const DfFpMap *p, const char *zKey){
  int i;
  return keyFind(p->azKey, p->n, zKey, &i) ? p->azFp[i] : 0;
}

void dfFpMapClear(DfFpMap *p){
  int i;
  for(i=0; i<p->n; i++){ free(p->azKey[i]); free(p->azFp[i]); }
  free(p->azKey);
  free(p->azFp);
  memset(p, 0, sizeof(*p));
}

/* ---------------------------------------------------------------------------
** Drift
*/

static int sameText(const char *a, const char *b){
  if( a==0 || b==0 ) return a==b;
  return strcmp(a, b)==0;
}

static void driftAdd(DfDriftList *p, const char *zKey, const char *zWhat){
  p->a = xrealloc(p->a, sizeof(DfDrift) * (size_t)(p->n + 1));
  p->a[p->n].zKey = xstrdup(zKey);
  p->a[p->n].zWhat = zWhat;
  p->n++;
}

void dfDriftCompute(const DfFpMap *pFrom, const DfFpMap *pTo, DfDriftList *pOut){
  int i = 0, j = 0;
  memset(pOut, 0, sizeof(*pOut));
  while( i<pFrom->n || j<pTo->n ){
    int c;
    if( i>=pFrom->n ) c = 1;
    else if( j>=pTo->n ) c = -1;
    else c = strcmp(pFrom->azKey[i], pTo->azKey[j]);
    if( c<0 ){
      driftAdd(pOut, pFrom->azKey[i++], "removed");
    }else if( c>0 ){
      driftAdd(pOut, pTo->azKey[j++], "added");
    }else{
      if( !sameText(pFrom->azFp[i], pTo->azFp[j]) ){
        driftAdd(pOut, pFrom->azKey[i], "changed");
      }
      i++; j++;
    }
  }
}

void dfDriftClear(DfDriftList *p){
  int i;
  for(i=0; i<p->n; i++) free(p->a[i].zKey);
  free(p->a);
  memset(p, 0, sizeof(*p));
}

char *dfKeyDescribe(const char *zKey){
  const char *zColon = strchr(zKey, ':');
  if( zColon==0 ) return xasprintf("\"%s\"", zKey);
  return xasprintf("%.*s \"%s\"", (int)(zColon - zKey), zKey, zColon + 1);
}

/* ---------------------------------------------------------------------------
** Touched objects
*/

/* Resolve one name against one catalog: 1 and *pzKey (OUT: free) when found. */
static int resolveIn(DfCatalog *pCat, const char *zName, char **pzKey){
  int i, j;
  for(i=0; i<pCat->nTable; i++){
    DfTable *t = &pCat->aTable[i];
    if( strcasecmp(t->zName, zName)==0 ){
      *pzKey = makeKey("table", t->zSchema, t->zName);
      return 1;
    }
  }
  for(i=0; i<pCat->nView; i++){
    DfView *v = &pCat->aView[i];
    if( strcasecmp(v->zName, zName)==0 ){
      *pzKey = makeKey("view", v->zSchema, v->zName);
      return 1;
    }
  }
  for(i=0; i<pCat->nEnum; i++){
    if( strcasecmp(pCat->aEnum[i].zName, zName)==0 ){
      *pzKey = makeKey("enum", pCat->aEnum[i].zSchema, pCat->aEnum[i].zName);
      return 1;
    }
  }
  for(i=0; i<pCat->nSeq; i++){
    if( strcasecmp(pCat->aSeq[i].zName, zName)==0 ){
      *pzKey = makeKey("sequence", pCat->aSeq[i].zSchema, pCat->aSeq[i].zName);
      return 1;
    }
  }
  /* An index, constraint or trigger: its table. */
  for(i=0; i<pCat->nTable; i++){
    DfTable *t = &pCat->aTable[i];
    int bHit = 0;
    for(j=0; !bHit && j<t->nIdx; j++) bHit = !strcasecmp(t->aIdx[j].zName, zName);
    for(j=0; !bHit && j<t->nCons; j++) bHit = !strcasecmp(t->aCons[j].zName, zName);
    for(j=0; !bHit && j<t->nTrig; j++) bHit = !strcasecmp(t->aTrig[j].zName, zName);
    if( bHit ){
      *pzKey = makeKey("table", t->zSchema, t->zName);
      return 1;
    }
  }
  return 0;
}

static void touchName(DfCatalog **apCat, int nCat, const char *zName,
                      DfKeySet *pOut){
  char *zKey = 0;
  const char *zDot;
  int i;
  if( zName==0 || zName[0]==0 ) return;
  for(i=0; i<nCat; i++){
    if( apCat[i] && resolveIn(apCat[i], zName, &zKey) ){
      dfKeySetAdd(pOut, zKey);
      free(zKey);
      return;
    }
  }
  /* "t.c" (a column) or "s.t": try what is before the last dot. */
  zDot = strrchr(zName, '.');
  if( zDot ){
    char *zHead = xasprintf("%.*s", (int)(zDot - zName), zName);
    touchName(apCat, nCat, zHead, pOut);
    free(zHead);
    return;
  }
  /* Unknown everywhere (e.g. a name only the SQL knows): keep it as a
  ** table name, which can only widen the check. */
  zKey = makeKey("table", "", zName);
  dfKeySetAdd(pOut, zKey);
  free(zKey);
}

void dfTouchedKeys(DfCatalog **apCat, int nCat, const char *zObject,
                   const char *zTouches, DfKeySet *pOut){
  char **az = 0;
  int n, i;
  touchName(apCat, nCat, zObject, pOut);
  n = dfJsonStrings(zTouches, &az);
  for(i=0; i<n; i++) touchName(apCat, nCat, az[i], pOut);
  if( n>0 ) dfJsonFreeStrings(n, az);
}

/* Does JSON array zList name zName (case-insensitively)? */
static int jsonListHas(const char *zList, const char *zName){
  char **az = 0;
  int n = dfJsonStrings(zList, &az), i, bHit = 0;
  for(i=0; i<n && !bHit; i++){
    const char *zDot = strrchr(az[i], '.');
    bHit = strcasecmp(az[i], zName)==0 || (zDot && strcasecmp(zDot+1, zName)==0);
  }
  if( n>0 ) dfJsonFreeStrings(n, az);
  return bHit;
}

void dfDependencyKeys(DfCatalog **apCat, int nCat, const DfKeySet *pIn,
                      DfKeySet *pOut){
  int c, i, j, k;
  for(k=0; k<pIn->n; k++){
    const char *zKey = pIn->az[k];
    int bTable = strncmp(zKey, "table:", 6)==0;
    int bView = strncmp(zKey, "view:", 5)==0;
    const char *zName = strchr(zKey, ':') + 1;
    const char *zDot = strrchr(zName, '.');
    const char *zBare = zDot ? zDot + 1 : zName;
    for(c=0; c<nCat; c++){
      DfCatalog *p = apCat[c];
      if( p==0 ) continue;
      for(i=0; i<p->nTable; i++){
        DfTable *t = &p->aTable[i];
        int bSelf = strcasecmp(t->zName, zBare)==0;
        for(j=0; j<t->nCons; j++){
          DfConstraint *fk = &t->aCons[j];
          if( fk->zRefTable==0 ) continue;
          if( bTable && bSelf ){
            touchName(apCat, nCat, fk->zRefTable, pOut);   /* it references */
          }else if( bTable && strcasecmp(fk->zRefTable, zBare)==0 ){
            touchName(apCat, nCat, t->zName, pOut);        /* references it */
          }
        }
      }
      for(i=0; i<p->nView; i++){
        DfView *v = &p->aView[i];
        if( bTable && jsonListHas(v->zDependsOn, zBare) ){
          touchName(apCat, nCat, v->zName, pOut);
        }
        if( bView && strcasecmp(v->zName, zBare)==0 ){
          char **az = 0;
          int n = dfJsonStrings(v->zDependsOn, &az);
          for(j=0; j<n; j++) touchName(apCat, nCat, az[j], pOut);
          if( n>0 ) dfJsonFreeStrings(n, az);
        }
      }
    }
  }
}

/* ---------------------------------------------------------------------------
** Attribution
*/

/* Does the operations JSON of a history row list zKey among its keys? */
static int opsTouch(const char *zOps, const char *zKey){
  char *zErr = 0;
  DfJson *p = dfJsonParse(zOps ? zOps : "[]", &zErr);
  int i, j, bHit = 0;
  sqlite3_free(zErr);
  if( p==0 ) return 0;
  for(i=0; p->eType==DF_JSON_ARRAY && i<p->nChild && !bHit; i++){
    DfJson *pKeys = dfJsonGet(&p->aChild[i], "keys");
    for(j=0; pKeys && pKeys->eType==DF_JSON_ARRAY && j<pKeys->nChild; j++){
      DfJson *k = &pKeys->aChild[j];
      if( k->eType==DF_JSON_STRING && strcmp(k->zText, zKey)==0 ){ bHit = 1; break; }
    }
  }
  dfJsonFree(p);
  return bHit;
}

static const char *orQ(const char *z){ return z ? z : "?"; }

char *dfDriftWho(const char *zKey, const char *zLiveFp, const DfHistRow *aRow,
                 int nRow){
  int i;
  for(i=0; i<nRow; i++){
    const DfHistRow *r = &aRow[i];
    const char *zStatus = r->az[DF_HIST_STATUS];
    DfFpMap fp;
    const char *zOld;
    int bSame;
    if( zStatus==0 ) continue;
    if( strcmp(zStatus, "applied")!=0 && strcmp(zStatus, "inferred")!=0 ) continue;
    if( dfFpMapFromJson(r->az[DF_HIST_FINGERPRINTS], &fp) ) continue;
    zOld = dfFpMapGet(&fp, zKey);
    bSame = sameText(zOld, zLiveFp);
    dfFpMapClear(&fp);
    if( bSame ){
      if( !opsTouch(r->az[DF_HIST_OPERATIONS], zKey) ) continue;
      if( strcmp(zStatus, "inferred")==0 ){
        return xasprintf("changed outside DataFlow (recorded as inferred entry"
                         " %s by %s at %s)", orQ(r->az[DF_HIST_VERSION]),
                         orQ(r->az[DF_HIST_DEVELOPER]),
                         orQ(r->az[DF_HIST_FINISHED_AT]));
      }
      return xasprintf("changed by migration %s ('%s', applied by %s at %s)",
                       orQ(r->az[DF_HIST_VERSION]), orQ(r->az[DF_HIST_NAME]),
                       orQ(r->az[DF_HIST_DEVELOPER]),
                       orQ(r->az[DF_HIST_APPLIED_AT]));
    }
    return xasprintf("changed outside DataFlow after migration %s (applied"
                     " by %s at %s)", orQ(r->az[DF_HIST_VERSION]),
                     orQ(r->az[DF_HIST_DEVELOPER]),
                     orQ(r->az[DF_HIST_APPLIED_AT] ? r->az[DF_HIST_APPLIED_AT]
                                                   : r->az[DF_HIST_FINISHED_AT]));
  }
  return xstrdup("changed outside DataFlow");
}
