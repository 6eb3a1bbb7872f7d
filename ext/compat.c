/*
** compat.c — the existing-database report (see compat.h).
**
** Usage (from C; SQL users see it as schema_compat(), vt_compat.c):
**
**   DfCompatOptions opt = {0};
**   DfCompatReport *pRep = 0; char *zErr = 0;
**   dfCompatParseOptions("prefix=tbl_", &opt, &zErr);
**   rc = dfCompatCompute(pModel, pDb, &opt, &pRep, &zErr);
**   ... pRep->aRow[i] ...
**   dfCompatReportFree(pRep); dfCompatOptionsClear(&opt);
**
** HOW IT WORKS
**
** Matching. Model tables are matched to database tables of the same
** schema, then each matched table's fields to its columns, level by level;
** each level only considers what earlier levels left unmatched:
**   exact       the same bytes                                  1.00
**   case        equal ignoring case                             0.99
**   convention  equal canonical forms (userId = user_id,
**               UserId = user-id = USER_ID)                     0.95
**   plural      equal singular forms (person = people,
**               category = Categories, OrderItem = order_items) 0.90
**   prefix      equal singular forms once a declared prefix is
**               removed from either name (tbl_users = User)     0.85
**   rename-heuristic  fields: match.c's rename rules over the
**               unmatched fields and columns of the same
**               normalised type; tables: the only or clearly most
**               alike unmatched table sharing at least 60% of
**               its columns by name                         at most 0.80
** Within a level a name with several candidates takes the first in sorted
** order and the message says which others it could have been.
**
** Status of a matched field, from the model's point of view (the model
** reads and writes rows of a database it does not own):
**   - same normalised type: compatible;
**   - database type wider than the model's (varchar(255) for the model's
**     varchar(50), bigint for integer): warning, rows may already hold
**     values the model cannot represent (reads truncate or fail); the
**     model's own writes fit;
**   - database type narrower (varchar(20) for varchar(50)) or unrelated
**     (text for integer: wider, but of another class of values, so the
**     model cannot read what it may hold): incompatible;
**   - model NOT NULL over a nullable column: warning (reads may meet NULL);
**   - model nullable over a NOT NULL column: warning (writing NULL fails);
**   - a generated database column: warning (the model must not write it).
** A rename-heuristic match is at best a warning: someone must confirm it.
**
** What the model lacks. A database column the model does not map is
** reported with model_column NULL: incompatible when it is NOT NULL
** without a default (and is neither generated, identity, nor SQLite's
** INTEGER PRIMARY KEY rowid alias), because inserts through the model
** would fail; otherwise compatible, "not in the model; left untouched".
** A database table the model does not map is one compatible row, match
** "unmapped": DataFlow leaves it alone, and the row says so, so that the
** report accounts for every table of the database.
**
** Row order: model tables in catalog order, each followed by its fields in
** model order and then the database columns it lacks in database order;
** then the unmapped database tables, sorted by (schema, name).
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include <stdlib.h>
#include <stdarg.h>
#include "compat.h"
#include "types.h"
#include "match.h"
#include "dfjson.h"

#define NLEVEL 5            /* exact, case, convention, plural, prefix */

static const char *const azLevel[NLEVEL] = {
  DF_MATCH_EXACT, DF_MATCH_CASE, DF_MATCH_CONVENTION, DF_MATCH_PLURAL, DF_MATCH_PREFIX
};
static const double aLevelConf[NLEVEL] = { 1.0, 0.99, 0.95, 0.90, 0.85 };
static const char *const azLevelWhy[NLEVEL] = {
  "", "by case", "by naming convention", "by singular/plural",
  "after removing a declared prefix"
};

typedef struct NameKeys NameKeys;
struct NameKeys {
  char *az[NLEVEL];       /* key per level: name, lowercase, canonical, singular, unprefixed singular */
  const char *zName;      /* the name itself (borrowed), for messages */
  int idx;                /* index of the object in its array */
};

typedef struct CompatCtx CompatCtx;
struct CompatCtx {
  DfCatalog *pModel;      /* the model */
  DfCatalog *pDb;         /* the database */
  const DfCompatOptions *pOpt;  /* prefixes (never NULL) */
  int rc;                 /* sticky result code */
  char *zErr;             /* error message */
  DfCompatReport *pRep;   /* output */
};

static void compatErr(CompatCtx *p, const char *zFmt, ...){
  va_list ap;
  if( p->rc!=SQLITE_OK ) return;
  va_start(ap, zFmt);
  p->zErr = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  p->rc = p->zErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

static void *compatAlloc(CompatCtx *p, size_t n){
  void *pMem;
  if( p->rc ) return 0;
  pMem = sqlite3_malloc64(n ? n : 1);
  if( pMem==0 ){ p->rc = SQLITE_NOMEM; return 0; }
  memset(pMem, 0, n ? n : 1);
  return pMem;
}

/* ---------------------------------------------------------------------------
** Name keys and level-by-level matching
*/

static void keysInit(CompatCtx *p, NameKeys *k, const char *zName, int idx){
  char *zLow;
  int i;
  k->idx = idx;
  k->zName = zName;
  if( p->rc ) return;
  k->az[0] = sqlite3_mprintf("%s", zName);
  zLow = sqlite3_mprintf("%s", zName);
  for(i=0; zLow && zLow[i]; i++){
    if( zLow[i]>='A' && zLow[i]<='Z' ) zLow[i] += 'a' - 'A';
  }
  k->az[1] = zLow;
  k->az[2] = dfNameCanonical(zName);
  k->az[3] = dfNameSingular(zName);
  {
    char *zStripped = dfNameStripPrefix(zName, p->pOpt->nPrefix, p->pOpt->azPrefix, 0);
    k->az[4] = zStripped ? dfNameSingular(zStripped) : 0;
    sqlite3_free(zStripped);
  }
  for(i=0; i<NLEVEL; i++){
    if( k->az[i]==0 ) p->rc = SQLITE_NOMEM;
  }
}

static void keysFree(int n, NameKeys *a){
  int i, l;
  for(i=0; a && i<n; i++){
    for(l=0; l<NLEVEL; l++) sqlite3_free(a[i].az[l]);
  }
  sqlite3_free(a);
}

/* qsort comparators of NameKeys pointers by the key of one level (qsort
** passes no context, and a global would not be thread-safe). */
#define KEY_CMP(L) \
  static int keyCmp##L(const void *pA, const void *pB){ \
    const NameKeys *a = *(const NameKeys *const*)pA; \
    const NameKeys *b = *(const NameKeys *const*)pB; \
    int c = strcmp(a->az[L], b->az[L]); \
    return c ? c : a->idx - b->idx; \
  }
KEY_CMP(0) KEY_CMP(1) KEY_CMP(2) KEY_CMP(3) KEY_CMP(4)
static int (*const axKeyCmp[NLEVEL])(const void*, const void*) = {
  keyCmp0, keyCmp1, keyCmp2, keyCmp3, keyCmp4
};

/*
** Match model names aM[] to database names aD[], level by level. Fills
** aMtoD[m] (database index or -1), aDtoM, aLevel[m] (level or -1) and
** azAlso[m] (other candidates of the same level, OUT: caller frees; may
** stay NULL).
*/
static void matchLevels(CompatCtx *p, int nM, NameKeys *aM, int nD, NameKeys *aD,
                        int *aMtoD, int *aDtoM, int *aLevel, char **azAlso){
  NameKeys **ap;
  int l, m, d;
  for(m=0; m<nM; m++){ aMtoD[m] = -1; aLevel[m] = -1; }
  for(d=0; d<nD; d++) aDtoM[d] = -1;
  if( nM==0 || nD==0 ) return;
  ap = compatAlloc(p, sizeof(NameKeys*)*(size_t)nD);
  if( ap==0 ) return;
  for(l=0; l<NLEVEL && p->rc==SQLITE_OK; l++){
    int n = 0;
    for(d=0; d<nD; d++) if( aDtoM[d]<0 ) ap[n++] = &aD[d];
    if( n==0 ) break;
    qsort(ap, (size_t)n, sizeof(NameKeys*), axKeyCmp[l]);
    for(m=0; m<nM && p->rc==SQLITE_OK; m++){
      int lo = 0, hi = n - 1, iFirst = -1, i;
      const char *zKey = aM[m].az[l];
      if( aMtoD[m]>=0 ) continue;
      while( lo<=hi ){                       /* first entry with this key */
        int mid = (lo + hi)/2;
        int c = strcmp(ap[mid]->az[l], zKey);
        if( c<0 ) lo = mid + 1; else { if( c==0 ) iFirst = mid; hi = mid - 1; }
      }
      if( iFirst<0 ) continue;
      for(i=iFirst; i<n && strcmp(ap[i]->az[l], zKey)==0; i++){
        int dIdx = ap[i]->idx;
        if( aDtoM[dIdx]>=0 ) continue;
        if( aMtoD[m]<0 ){
          aMtoD[m] = dIdx;
          aDtoM[dIdx] = m;
          aLevel[m] = l;
        }else{
          char *z = sqlite3_mprintf("%s%s%s", azAlso[m] ? azAlso[m] : "",
                                    azAlso[m] ? ", " : "", ap[i]->zName);
          sqlite3_free(azAlso[m]);
          azAlso[m] = z;
          if( z==0 ) p->rc = SQLITE_NOMEM;
        }
      }
    }
  }
  sqlite3_free(ap);
}

/* In a case-insensitive catalog two names equal but for case are an error. */
static void checkDuplicates(CompatCtx *p, DfCatalog *pCat, int n, NameKeys *a,
                            const char *zWhat, const char *zWhere){
  NameKeys **ap;
  int i;
  if( !pCat->bCaseInsensitive || n<2 ) return;
  ap = compatAlloc(p, sizeof(NameKeys*)*(size_t)n);
  if( ap==0 ) return;
  for(i=0; i<n; i++) ap[i] = &a[i];
  qsort(ap, (size_t)n, sizeof(NameKeys*), axKeyCmp[1]);
  for(i=1; i<n; i++){
    if( strcmp(ap[i-1]->az[1], ap[i]->az[1])==0 ){
      compatErr(p, "duplicate %s name in %s: '%s' and '%s'", zWhat, zWhere,
                ap[i-1]->zName, ap[i]->zName);
      break;
    }
  }
  sqlite3_free(ap);
}

/* ---------------------------------------------------------------------------
** Output rows
*/

static DfCompatRow *addRow(CompatCtx *p, const char *zMT, const char *zMC,
                           const char *zDT, const char *zDC, const char *zMatch,
                           double rConf, const char *zStatus, char *zMsgOwned){
  DfCompatReport *r = p->pRep;
  DfCompatRow *w;
  if( p->rc ){ sqlite3_free(zMsgOwned); return 0; }
  if( zMsgOwned==0 ){ p->rc = SQLITE_NOMEM; return 0; }
  if( r->nRow>=r->nAlloc ){
    int nNew = r->nAlloc ? r->nAlloc*2 : 32;
    DfCompatRow *aNew = sqlite3_realloc64(r->aRow, sizeof(DfCompatRow)*(size_t)nNew);
    if( aNew==0 ){ sqlite3_free(zMsgOwned); p->rc = SQLITE_NOMEM; return 0; }
    r->aRow = aNew;
    r->nAlloc = nNew;
  }
  w = &r->aRow[r->nRow++];
  memset(w, 0, sizeof(*w));
  w->zModelTable = zMT ? sqlite3_mprintf("%s", zMT) : 0;
  w->zModelColumn = zMC ? sqlite3_mprintf("%s", zMC) : 0;
  w->zDbTable = zDT ? sqlite3_mprintf("%s", zDT) : 0;
  w->zDbColumn = zDC ? sqlite3_mprintf("%s", zDC) : 0;
  w->zMatch = zMatch;
  w->rConfidence = rConf;
  w->zStatus = zStatus;
  w->zMessage = zMsgOwned;
  if( (zMT && !w->zModelTable) || (zMC && !w->zModelColumn)
   || (zDT && !w->zDbTable) || (zDC && !w->zDbColumn) ) p->rc = SQLITE_NOMEM;
  return w;
}

void dfCompatReportFree(DfCompatReport *p){
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nRow; i++){
    DfCompatRow *w = &p->aRow[i];
    sqlite3_free(w->zModelTable); sqlite3_free(w->zModelColumn);
    sqlite3_free(w->zDbTable); sqlite3_free(w->zDbColumn);
    sqlite3_free(w->zMessage);
  }
  sqlite3_free(p->aRow);
  sqlite3_free(p);
}

/* "schema.name" outside the default schema. OUT: caller frees. */
static char *dbTableName(const DfTable *t){
  if( t->zSchema && t->zSchema[0] ) return sqlite3_mprintf("%s.%s", t->zSchema, t->zName);
  return sqlite3_mprintf("%s", t->zName);
}

/* Worse of two statuses. */
static const char *worse(const char *a, const char *b){
  if( strcmp(a, DF_COMPAT_BAD)==0 || strcmp(b, DF_COMPAT_BAD)==0 ) return DF_COMPAT_BAD;
  if( strcmp(a, DF_COMPAT_WARNING)==0 || strcmp(b, DF_COMPAT_WARNING)==0 ) return DF_COMPAT_WARNING;
  return DF_COMPAT_OK;
}

/* Append "; " then the formatted text to s (first piece without "; "). */
static void note(sqlite3_str *s, const char *zFmt, ...){
  va_list ap;
  if( sqlite3_str_length(s)>0 ) sqlite3_str_appendall(s, "; ");
  va_start(ap, zFmt);
  sqlite3_str_vappendf(s, zFmt, ap);
  va_end(ap);
}

/* True when database column c of table t fills itself on insert. */
static int dbColumnFillsItself(CompatCtx *p, const DfTable *t, const DfColumn *c){
  int i;
  if( !c->bNotNull || c->zDefault || c->zGenExpr || c->zIdentity ) return 1;
  /* SQLite: an INTEGER PRIMARY KEY is the rowid, assigned on insert */
  if( p->pDb->zEngine && strcmp(p->pDb->zEngine, "sqlite")==0 && c->zFamily
   && (strcmp(c->zFamily, "integer")==0 || strcmp(c->zFamily, "bigint")==0) ){
    for(i=0; i<t->nCons; i++){
      char **az = 0;
      int n, bRowid = 0;
      if( sqlite3_stricmp(t->aCons[i].zKind ? t->aCons[i].zKind : "", "primary key")!=0 ) continue;
      n = dfJsonStrings(t->aCons[i].zColumns, &az);
      bRowid = n==1 && sqlite3_stricmp(az[0], c->zName)==0;
      dfJsonFreeStrings(n, az);
      if( bRowid ) return 1;
    }
  }
  return 0;
}

/* ---------------------------------------------------------------------------
** Fields of one matched table
*/

/*
** Class of a type family: values of one class convert into each other
** (an integer into a bigint, a varchar into a text). A wider type of
** another class (text for the model's integer) is still a mismatch: the
** model cannot read what the column may hold.
*/
static int familyClass(const char *zFamily){
  static const struct { const char *zFamily; int iClass; } a[] = {
    {"smallint", 1}, {"integer", 1}, {"bigint", 1}, {"real", 1}, {"double", 1},
    {"numeric", 1}, {"char", 2}, {"varchar", 2}, {"text", 2},
    {"date", 3}, {"time", 3}, {"timestamp", 3},
  };
  int i;
  for(i=0; zFamily && i<(int)(sizeof(a)/sizeof(a[0])); i++){
    if( strcmp(zFamily, a[i].zFamily)==0 ) return a[i].iClass;
  }
  return 0;
}

/* Same class, or the same family (boolean, blob, json, uuid, ...). */
static int sameClass(const DfColumn *a, const DfColumn *b){
  int ca = familyClass(a->zFamily), cb = familyClass(b->zFamily);
  if( ca && ca==cb ) return 1;
  return a->zFamily && b->zFamily && strcmp(a->zFamily, b->zFamily)==0;
}

/* Row for model field m matched to database column d. */
static void fieldRow(CompatCtx *p, const DfTable *mt, const DfColumn *m,
                     const DfTable *dt, const char *zDbTab, const DfColumn *d,
                     const char *zMatch, double rConf, const char *zAlso){
  sqlite3_str *s = sqlite3_str_new(0);
  const char *zStatus = DF_COMPAT_OK;
  int l;
  (void)dt;
  for(l=0; l<NLEVEL && strcmp(zMatch, azLevel[l])!=0; l++){}
  if( l>0 && l<NLEVEL ){
    note(s, "matches database column %s.%s %s", zDbTab, d->zName, azLevelWhy[l]);
  }else if( strcmp(zMatch, DF_MATCH_RENAME)==0 ){
    note(s, "probably database column %s.%s (same type; names %d%% alike): confirm "
            "the mapping or rename the model field to %s", zDbTab, d->zName,
         (int)((rConf/0.8 - 0.5)*200.0 + 0.5), d->zName);
    zStatus = DF_COMPAT_WARNING;
  }
  if( zAlso ) note(s, "ambiguous: could also be %s", zAlso);
  if( !dfTypeEqual(m, d) ){
    char *zM = dfTypeDescribe(m), *zD = dfTypeDescribe(d);
    if( zM==0 || zD==0 ){
      p->rc = SQLITE_NOMEM;
    }else if( sameClass(m, d) && dfTypeWidening(m, d)==1 ){
      note(s, "database type %s is wider than the model's %s: rows may hold values "
              "the model cannot represent; widen the model field to %s", zD, zM, zD);
      zStatus = worse(zStatus, DF_COMPAT_WARNING);
    }else if( sameClass(m, d) && dfTypeWidening(d, m)==1 ){
      note(s, "database type %s is narrower than the model's %s: the model's writes "
              "may not fit; change the model field to %s or widen the column", zD, zM, zD);
      zStatus = DF_COMPAT_BAD;
    }else{
      note(s, "type mismatch: model %s, database %s; change the model field to %s "
              "or convert the column", zM, zD, zD);
      zStatus = DF_COMPAT_BAD;
    }
    sqlite3_free(zM);
    sqlite3_free(zD);
  }
  if( m->bNotNull && !d->bNotNull ){
    note(s, "the model says NOT NULL but the column allows NULL: rows may hold NULL; "
            "make the model field nullable or add NOT NULL to the column");
    zStatus = worse(zStatus, DF_COMPAT_WARNING);
  }else if( !m->bNotNull && d->bNotNull && !m->zGenExpr ){
    note(s, "the column is NOT NULL but the model allows NULL: writing NULL fails; "
            "declare the model field NOT NULL");
    zStatus = worse(zStatus, DF_COMPAT_WARNING);
  }
  if( d->zGenExpr && !m->zGenExpr ){
    note(s, "the column is generated (%s): the model must not write it", d->zGenExpr);
    zStatus = worse(zStatus, DF_COMPAT_WARNING);
  }
  if( sqlite3_str_length(s)==0 ) sqlite3_str_appendall(s, "ok");
  addRow(p, mt->zName, m->zName, zDbTab, d->zName, zMatch, rConf, zStatus,
         sqlite3_str_finish(s));
}

/* Rename heuristic over fields and columns left unmatched. */
static void fieldRenames(CompatCtx *p, const DfTable *mt, const DfTable *dt,
                         int *aMtoD, int *aDtoM, double *aConf){
  int nM = 0, nD = 0, i, j, k, l;
  int *aiM, *aiD, *aPair;
  const char **azM, **azD;
  unsigned char *aCompat;
  double *aC;
  for(i=0; i<mt->nCol; i++) if( aMtoD[i]<0 ) nM++;
  for(j=0; j<dt->nCol; j++) if( aDtoM[j]<0 ) nD++;
  if( nM==0 || nD==0 || (sqlite3_int64)nM*nD>1000000 ) return;
  aiM = compatAlloc(p, sizeof(int)*(size_t)nM);
  aiD = compatAlloc(p, sizeof(int)*(size_t)nD);
  azM = compatAlloc(p, sizeof(char*)*(size_t)nM);
  azD = compatAlloc(p, sizeof(char*)*(size_t)nD);
  aCompat = compatAlloc(p, (size_t)nM*(size_t)nD);
  aPair = compatAlloc(p, sizeof(int)*(size_t)nM);
  aC = compatAlloc(p, sizeof(double)*(size_t)nM);
  if( p->rc==SQLITE_OK ){
    for(i=0, k=0; i<mt->nCol; i++) if( aMtoD[i]<0 ){ aiM[k] = i; azM[k++] = mt->aCol[i].zName; }
    for(j=0, l=0; j<dt->nCol; j++) if( aDtoM[j]<0 ){ aiD[l] = j; azD[l++] = dt->aCol[j].zName; }
    for(k=0; k<nM; k++){
      for(l=0; l<nD; l++){
        aCompat[k*nD+l] = (unsigned char)dfTypeEqual(&mt->aCol[aiM[k]], &dt->aCol[aiD[l]]);
      }
    }
    if( dfMatchRenames(nM, azM, nD, azD, aCompat, aPair, aC) ) p->rc = SQLITE_NOMEM;
    for(k=0; k<nM && p->rc==SQLITE_OK; k++){
      if( aPair[k]<0 ) continue;
      aMtoD[aiM[k]] = aiD[aPair[k]];
      aDtoM[aiD[aPair[k]]] = aiM[k];
      aConf[aiM[k]] = aC[k]*0.8;
    }
  }
  sqlite3_free(aiM); sqlite3_free(aiD); sqlite3_free(azM); sqlite3_free(azD);
  sqlite3_free(aCompat); sqlite3_free(aPair); sqlite3_free(aC);
}

static void compareFields(CompatCtx *p, const DfTable *mt, const DfTable *dt){
  int nM = mt->nCol, nD = dt->nCol, i, j;
  NameKeys *aM = compatAlloc(p, sizeof(NameKeys)*(size_t)(nM + 1));
  NameKeys *aD = compatAlloc(p, sizeof(NameKeys)*(size_t)(nD + 1));
  int *aMtoD = compatAlloc(p, sizeof(int)*(size_t)(nM + 1));
  int *aDtoM = compatAlloc(p, sizeof(int)*(size_t)(nD + 1));
  int *aLevel = compatAlloc(p, sizeof(int)*(size_t)(nM + 1));
  double *aConf = compatAlloc(p, sizeof(double)*(size_t)(nM + 1));
  char **azAlso = compatAlloc(p, sizeof(char*)*(size_t)(nM + 1));
  char *zDbTab = dbTableName(dt);
  if( zDbTab==0 && p->rc==SQLITE_OK ) p->rc = SQLITE_NOMEM;
  if( p->rc ) goto cleanup;
  for(i=0; i<nM; i++) keysInit(p, &aM[i], mt->aCol[i].zName, i);
  for(j=0; j<nD; j++) keysInit(p, &aD[j], dt->aCol[j].zName, j);
  {
    char *zWhere = sqlite3_mprintf("model table '%s'", mt->zName);
    if( zWhere==0 ){ p->rc = SQLITE_NOMEM; goto cleanup; }
    checkDuplicates(p, p->pModel, nM, aM, "column", zWhere);
    sqlite3_free(zWhere);
  }
  matchLevels(p, nM, aM, nD, aD, aMtoD, aDtoM, aLevel, azAlso);
  for(i=0; i<nM; i++) aConf[i] = aLevel[i]>=0 ? aLevelConf[aLevel[i]] : 0.0;
  if( p->rc==SQLITE_OK ) fieldRenames(p, mt, dt, aMtoD, aDtoM, aConf);
  for(i=0; i<nM && p->rc==SQLITE_OK; i++){
    const DfColumn *m = &mt->aCol[i];
    j = aMtoD[i];
    if( j>=0 ){
      fieldRow(p, mt, m, dt, zDbTab, &dt->aCol[j],
               aLevel[i]>=0 ? azLevel[aLevel[i]] : DF_MATCH_RENAME, aConf[i], azAlso[i]);
    }else{
      char *zType = dfTypeDescribe(m);
      addRow(p, mt->zName, m->zName, zDbTab, 0, DF_MATCH_NONE, 0.0, DF_COMPAT_BAD,
             sqlite3_mprintf("column %s not found in database table %s; add it "
                             "(ALTER TABLE %s ADD COLUMN %s %s) or map the field to "
                             "an existing column", m->zName, zDbTab, zDbTab, m->zName,
                             zType ? zType : "?"));
      sqlite3_free(zType);
    }
  }
  for(j=0; j<nD && p->rc==SQLITE_OK; j++){
    const DfColumn *d = &dt->aCol[j];
    if( aDtoM[j]>=0 ) continue;
    if( dbColumnFillsItself(p, dt, d) ){
      addRow(p, mt->zName, 0, zDbTab, d->zName, DF_MATCH_UNMAPPED, 0.0, DF_COMPAT_OK,
             sqlite3_mprintf("not in the model; left untouched (%s)",
                             d->zGenExpr ? "generated" : d->zIdentity ? "identity"
                             : d->zDefault ? "has a default"
                             : d->bNotNull ? "assigned on insert" : "nullable"));
    }else{
      addRow(p, mt->zName, 0, zDbTab, d->zName, DF_MATCH_UNMAPPED, 0.0, DF_COMPAT_BAD,
             sqlite3_mprintf("column %s.%s is NOT NULL without a default and the model "
                             "lacks it: inserts through the model will fail; add the "
                             "field to the model or give the column a default",
                             zDbTab, d->zName));
    }
  }
cleanup:
  keysFree(nM, aM);
  keysFree(nD, aD);
  for(i=0; azAlso && i<nM; i++) sqlite3_free(azAlso[i]);
  sqlite3_free(azAlso);
  sqlite3_free(aMtoD); sqlite3_free(aDtoM); sqlite3_free(aLevel);
  sqlite3_free(aConf); sqlite3_free(zDbTab);
}

/* ---------------------------------------------------------------------------
** Tables
*/

/* Share of columns two tables have in common by singular canonical name. */
static double columnOverlap(CompatCtx *p, const DfTable *a, const DfTable *b){
  int i, j, nCommon = 0, nMax = a->nCol > b->nCol ? a->nCol : b->nCol;
  if( nMax==0 ) return 0.0;
  for(i=0; i<a->nCol && p->rc==SQLITE_OK; i++){
    char *zA = dfNameSingular(a->aCol[i].zName);
    if( zA==0 ){ p->rc = SQLITE_NOMEM; break; }
    for(j=0; j<b->nCol; j++){
      char *zB = dfNameSingular(b->aCol[j].zName);
      int bEq = zB && strcmp(zA, zB)==0;
      sqlite3_free(zB);
      if( bEq ){ nCommon++; break; }
    }
    sqlite3_free(zA);
  }
  return (double)nCommon / nMax;
}

/* Rename heuristic for tables left unmatched (same schema, >= 60% of
** columns in common). */
static void tableRenames(CompatCtx *p, int *aMtoD, int *aDtoM, double *aConf){
  DfCatalog *cm = p->pModel, *cd = p->pDb;
  int nM = 0, nD = 0, i, j, k, l;
  int *aiM, *aiD, *aPair;
  const char **azM, **azD;
  unsigned char *aCompat;
  double *aC;
  for(i=0; i<cm->nTable; i++) if( aMtoD[i]<0 ) nM++;
  for(j=0; j<cd->nTable; j++) if( aDtoM[j]<0 ) nD++;
  if( nM==0 || nD==0 || (sqlite3_int64)nM*nD>250000 ) return;
  aiM = compatAlloc(p, sizeof(int)*(size_t)nM);
  aiD = compatAlloc(p, sizeof(int)*(size_t)nD);
  azM = compatAlloc(p, sizeof(char*)*(size_t)nM);
  azD = compatAlloc(p, sizeof(char*)*(size_t)nD);
  aCompat = compatAlloc(p, (size_t)nM*(size_t)nD);
  aPair = compatAlloc(p, sizeof(int)*(size_t)nM);
  aC = compatAlloc(p, sizeof(double)*(size_t)nM);
  if( p->rc==SQLITE_OK ){
    for(i=0, k=0; i<cm->nTable; i++) if( aMtoD[i]<0 ){ aiM[k] = i; azM[k++] = cm->aTable[i].zName; }
    for(j=0, l=0; j<cd->nTable; j++) if( aDtoM[j]<0 ){ aiD[l] = j; azD[l++] = cd->aTable[j].zName; }
    for(k=0; k<nM && p->rc==SQLITE_OK; k++){
      for(l=0; l<nD; l++){
        const DfTable *a = &cm->aTable[aiM[k]], *b = &cd->aTable[aiD[l]];
        aCompat[k*nD+l] = (unsigned char)(
            sqlite3_stricmp(a->zSchema ? a->zSchema : "", b->zSchema ? b->zSchema : "")==0
            && columnOverlap(p, a, b)>=0.6);
      }
    }
    if( p->rc==SQLITE_OK && dfMatchRenames(nM, azM, nD, azD, aCompat, aPair, aC) ){
      p->rc = SQLITE_NOMEM;
    }
    for(k=0; k<nM && p->rc==SQLITE_OK; k++){
      if( aPair[k]<0 ) continue;
      aMtoD[aiM[k]] = aiD[aPair[k]];
      aDtoM[aiD[aPair[k]]] = aiM[k];
      aConf[aiM[k]] = aC[k]*0.8;
    }
  }
  sqlite3_free(aiM); sqlite3_free(aiD); sqlite3_free(azM); sqlite3_free(azD);
  sqlite3_free(aCompat); sqlite3_free(aPair); sqlite3_free(aC);
}

/* Table keys carry the schema in front so that only same-schema tables
** match; the schema part is folded to lowercase. */
static void tableKeysInit(CompatCtx *p, NameKeys *k, const DfTable *t, int idx){
  int l;
  keysInit(p, k, t->zName, idx);
  for(l=0; l<NLEVEL && p->rc==SQLITE_OK; l++){
    char *z = sqlite3_mprintf("%s\x01%s", t->zSchema ? t->zSchema : "", k->az[l]);
    int i;
    for(i=0; z && z[i]!='\x01'; i++){
      if( z[i]>='A' && z[i]<='Z' ) z[i] += 'a' - 'A';
    }
    sqlite3_free(k->az[l]);
    k->az[l] = z;
    if( z==0 ) p->rc = SQLITE_NOMEM;
  }
}

static void compareTables(CompatCtx *p){
  DfCatalog *cm = p->pModel, *cd = p->pDb;
  int nM = cm->nTable, nD = cd->nTable, i, j;
  NameKeys *aM = compatAlloc(p, sizeof(NameKeys)*(size_t)(nM + 1));
  NameKeys *aD = compatAlloc(p, sizeof(NameKeys)*(size_t)(nD + 1));
  int *aMtoD = compatAlloc(p, sizeof(int)*(size_t)(nM + 1));
  int *aDtoM = compatAlloc(p, sizeof(int)*(size_t)(nD + 1));
  int *aLevel = compatAlloc(p, sizeof(int)*(size_t)(nM + 1));
  double *aConf = compatAlloc(p, sizeof(double)*(size_t)(nM + 1));
  char **azAlso = compatAlloc(p, sizeof(char*)*(size_t)(nM + 1));
  if( p->rc ) goto cleanup;
  for(i=0; i<nM; i++) tableKeysInit(p, &aM[i], &cm->aTable[i], i);
  for(j=0; j<nD; j++) tableKeysInit(p, &aD[j], &cd->aTable[j], j);
  checkDuplicates(p, cm, nM, aM, "table", "the model");
  matchLevels(p, nM, aM, nD, aD, aMtoD, aDtoM, aLevel, azAlso);
  for(i=0; i<nM; i++) aConf[i] = aLevel[i]>=0 ? aLevelConf[aLevel[i]] : 0.0;
  if( p->rc==SQLITE_OK ) tableRenames(p, aMtoD, aDtoM, aConf);
  for(i=0; i<nM && p->rc==SQLITE_OK; i++){
    const DfTable *mt = &cm->aTable[i];
    j = aMtoD[i];
    if( j<0 ){
      int c;
      addRow(p, mt->zName, 0, 0, 0, DF_MATCH_NONE, 0.0, DF_COMPAT_BAD,
             sqlite3_mprintf("table %s not found in the database; create it or map "
                             "it to an existing table", mt->zName));
      for(c=0; c<mt->nCol && p->rc==SQLITE_OK; c++){
        addRow(p, mt->zName, mt->aCol[c].zName, 0, 0, DF_MATCH_NONE, 0.0, DF_COMPAT_BAD,
               sqlite3_mprintf("table %s not found in the database", mt->zName));
      }
    }else{
      const DfTable *dt = &cd->aTable[j];
      char *zDbTab = dbTableName(dt);
      sqlite3_str *s = sqlite3_str_new(0);
      const char *zMatch = aLevel[i]>=0 ? azLevel[aLevel[i]] : DF_MATCH_RENAME;
      const char *zStatus = DF_COMPAT_OK;
      if( aLevel[i]>0 ){
        note(s, "matches database table %s %s", zDbTab, azLevelWhy[aLevel[i]]);
      }else if( aLevel[i]<0 ){
        note(s, "probably database table %s (%d%% of its columns in common): confirm "
                "the mapping or rename the model table to %s", zDbTab,
             (int)(columnOverlap(p, mt, dt)*100.0 + 0.5), zDbTab);
        zStatus = DF_COMPAT_WARNING;
      }
      if( azAlso[i] ) note(s, "ambiguous: could also be %s", azAlso[i]);
      if( sqlite3_str_length(s)==0 ) sqlite3_str_appendall(s, "ok");
      addRow(p, mt->zName, 0, zDbTab, 0, zMatch, aConf[i], zStatus, sqlite3_str_finish(s));
      sqlite3_free(zDbTab);
      compareFields(p, mt, dt);
    }
  }
  /* database tables the model does not map, by (schema, name) */
  for(j=0; j<nD && p->rc==SQLITE_OK; j++){
    const DfTable *dt = &cd->aTable[j];
    char *zDbTab;
    if( aDtoM[j]>=0 || dfIsOwnObject(dt->zName) ) continue;
    zDbTab = dbTableName(dt);
    addRow(p, 0, 0, zDbTab, 0, DF_MATCH_UNMAPPED, 0.0, DF_COMPAT_OK,
           sqlite3_mprintf("table %s is not in the model; DataFlow leaves it alone",
                           zDbTab ? zDbTab : "?"));
    sqlite3_free(zDbTab);
  }
cleanup:
  keysFree(nM, aM);
  keysFree(nD, aD);
  for(i=0; azAlso && i<nM; i++) sqlite3_free(azAlso[i]);
  sqlite3_free(azAlso);
  sqlite3_free(aMtoD); sqlite3_free(aDtoM); sqlite3_free(aLevel);
  sqlite3_free(aConf);
}

int dfCompatCompute(DfCatalog *pModel, DfCatalog *pDb, const DfCompatOptions *pOpt,
                    DfCompatReport **ppOut, char **pzErr){
  static const DfCompatOptions noOpt = {0, 0};
  CompatCtx x;
  memset(&x, 0, sizeof(x));
  *ppOut = 0;
  if( pzErr ) *pzErr = 0;
  x.pModel = pModel;
  x.pDb = pDb;
  x.pOpt = pOpt ? pOpt : &noOpt;
  x.pRep = compatAlloc(&x, sizeof(DfCompatReport));
  if( x.rc==SQLITE_OK ) compareTables(&x);
  if( x.rc!=SQLITE_OK ){
    dfCompatReportFree(x.pRep);
    if( pzErr ) *pzErr = x.zErr ? x.zErr : sqlite3_mprintf("out of memory");
    else sqlite3_free(x.zErr);
    return x.rc;
  }
  *ppOut = x.pRep;
  return SQLITE_OK;
}

/* ---------------------------------------------------------------------------
** Options
*/

void dfCompatOptionsClear(DfCompatOptions *pOpt){
  int i;
  if( pOpt==0 ) return;
  for(i=0; i<pOpt->nPrefix; i++) sqlite3_free(pOpt->azPrefix[i]);
  sqlite3_free(pOpt->azPrefix);
  pOpt->azPrefix = 0;
  pOpt->nPrefix = 0;
}

static int addPrefix(DfCompatOptions *pOpt, const char *z, int n){
  char **aNew;
  while( n>0 && (*z==' ' || *z=='\t') ){ z++; n--; }
  while( n>0 && (z[n-1]==' ' || z[n-1]=='\t') ) n--;
  if( n==0 ) return SQLITE_OK;
  aNew = sqlite3_realloc64(pOpt->azPrefix, sizeof(char*)*(size_t)(pOpt->nPrefix + 1));
  if( aNew==0 ) return SQLITE_NOMEM;
  pOpt->azPrefix = aNew;
  aNew[pOpt->nPrefix] = sqlite3_mprintf("%.*s", n, z);
  if( aNew[pOpt->nPrefix]==0 ) return SQLITE_NOMEM;
  pOpt->nPrefix++;
  return SQLITE_OK;
}

/* Add every prefix of a list separated by ';', '|' or ','. */
static int addPrefixList(DfCompatOptions *pOpt, const char *z, int n){
  int rc = SQLITE_OK, i = 0, iStart = 0;
  for(i=0; i<=n && rc==SQLITE_OK; i++){
    if( i==n || z[i]==';' || z[i]=='|' || z[i]==',' ){
      rc = addPrefix(pOpt, z + iStart, i - iStart);
      iStart = i + 1;
    }
  }
  return rc;
}

static int isPrefixKey(const char *z, int n){
  return (n==6 && sqlite3_strnicmp(z, "prefix", 6)==0)
      || (n==8 && sqlite3_strnicmp(z, "prefixes", 8)==0);
}

int dfCompatParseOptions(const char *zText, DfCompatOptions *pOpt, char **pzErr){
  const char *z = zText ? zText : "";
  int rc = SQLITE_OK, bInList = 0;
  if( pzErr ) *pzErr = 0;
  dfCompatOptionsClear(pOpt);
  while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' ) z++;
  if( *z=='{' ){
    char *zJErr = 0;
    DfJson *pObj = dfJsonParse(z, &zJErr);
    int i, k;
    if( pObj==0 || pObj->eType!=DF_JSON_OBJECT ){
      if( pzErr ) *pzErr = sqlite3_mprintf("bad options '%s': %s", zText,
                                           zJErr ? zJErr : "expected a JSON object");
      sqlite3_free(zJErr);
      dfJsonFree(pObj);
      return SQLITE_ERROR;
    }
    for(i=0; i<pObj->nChild && rc==SQLITE_OK; i++){
      DfJson *v = &pObj->aChild[i];
      const char *zKey = pObj->azKey[i];
      if( !isPrefixKey(zKey, (int)strlen(zKey)) ){
        if( pzErr ) *pzErr = sqlite3_mprintf("unknown option '%s'", zKey);
        rc = SQLITE_ERROR;
      }else if( v->eType==DF_JSON_STRING ){
        rc = addPrefixList(pOpt, v->zText, (int)strlen(v->zText));
      }else if( v->eType==DF_JSON_ARRAY ){
        for(k=0; k<v->nChild && rc==SQLITE_OK; k++){
          if( v->aChild[k].eType!=DF_JSON_STRING ){
            if( pzErr ) *pzErr = sqlite3_mprintf("option %s must list strings", zKey);
            rc = SQLITE_ERROR;
          }else{
            rc = addPrefix(pOpt, v->aChild[k].zText, (int)strlen(v->aChild[k].zText));
          }
        }
      }else{
        if( pzErr ) *pzErr = sqlite3_mprintf("option %s must be a string or an array", zKey);
        rc = SQLITE_ERROR;
      }
    }
    dfJsonFree(pObj);
  }else{
    while( *z && rc==SQLITE_OK ){
      const char *zEnd, *zEq;
      while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' || *z==',' ) z++;
      if( *z==0 ) break;
      for(zEnd=z; *zEnd && *zEnd!=' ' && *zEnd!='\t' && *zEnd!='\n' && *zEnd!='\r'
                  && *zEnd!=','; zEnd++){}
      for(zEq=z; zEq<zEnd && *zEq!='='; zEq++){}
      if( zEq<zEnd && isPrefixKey(z, (int)(zEq - z)) ){
        rc = addPrefixList(pOpt, zEq + 1, (int)(zEnd - zEq - 1));
        bInList = 1;
      }else if( bInList && zEq==zEnd ){
        rc = addPrefixList(pOpt, z, (int)(zEnd - z));   /* prefix=a,b */
      }else{
        if( pzErr ) *pzErr = sqlite3_mprintf("unknown option '%.*s' (expected "
                                             "prefix=PREFIX;...)", (int)(zEnd - z), z);
        rc = SQLITE_ERROR;
      }
      z = zEnd;
    }
  }
  if( rc==SQLITE_NOMEM && pzErr && *pzErr==0 ) *pzErr = sqlite3_mprintf("out of memory");
  if( rc!=SQLITE_OK ) dfCompatOptionsClear(pOpt);
  return rc;
}
