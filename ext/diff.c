/*
** diff.c — two catalogs in, an ordered list of changes out (see diff.h).
**
** Usage (from C; SQL users see the result as schema_diff(), vt_diff.c):
**
**   DfDiffOptions opt = {0};
**   DfChangeList *pList = 0; char *zErr = 0;
**   rc = dfDiffParseHints("users.mail=email", &opt, &zErr);
**   rc = dfDiffCompute(pFrom, pTo, &opt, &pList, &zErr);
**   ... pList->aChange[i] ...
**   dfChangeListFree(pList); dfDiffOptionsClear(&opt);
**
** Error messages do not name a caller ("rename hint 'a=b': no table 'a' in
** FROM"): schema_diff and migration_plan put their own name in front.
**
** HOW IT WORKS
**
** Two files: this one pairs tables and columns (steps 1-3) and owns the
** change list; diff_objects.c compares what hangs off the pairs (steps 4
** and 5). diff_int.h is what they share.
**
** 1. Tables are paired by (schema, name), case-insensitively when either
**    catalog has case-insensitive identifiers (SQLite, models): both sides
**    are sorted with the same comparison and merged. Within a group of
**    names equal but for case (possible in a case-sensitive engine), exact
**    spellings pair first. A case-insensitive catalog holding two names
**    equal but for case is refused as corrupt ("duplicate table name").
** 2. Explicit rename hints pair dropped with added tables, then (unless
**    bNoRenames) match.c pairs the remaining dropped and added tables of
**    the same schema that have the same columns: equal count, and every
**    column has a namesake of the same normalised type, except at most one
**    which must have an unpaired counterpart of the same type (a column
**    renamed inside the renamed table). Candidates are bucketed by schema
**    and their multiset of type families first, so the pairing stays cheap
**    on 50,000 tables.
** 3. In every table pair, columns are paired by name, then by column
**    hints, then by match.c's rename rules over the dropped and added
**    columns that have the same normalised type, nullability and default.
**    Hinted pairs are kept even when their types differ: the rename is then
**    followed by a type change.
** 4. Only then are constraints, indexes and triggers compared, so that
**    their column lists and foreign key targets can be read through the
**    renames (an index on a renamed column is not a changed index).
**    Constraints and indexes are paired by name when both names were
**    declared, otherwise by content (PRIMARY KEY by kind alone; UNIQUE by
**    columns; CHECK by normalised expression; FOREIGN KEY by columns and
**    target). A paired constraint or index whose definition differs is
**    reported as a drop and an add with the explanation "definition
**    changed: old -> new", which the planner turns into drop then create.
**    Triggers pair by name and compare their text with whitespace folded.
** 5. Views, enums and sequences pair by (schema, name) and compare their
**    attributes.
**    Two shortcuts keep this linear and cheap: objects of the same name
**    with equal fingerprints (dfCatalogFinish) are not compared at all,
**    and constraints, indexes and triggers spelled exactly alike in a
**    table pair without renames skip the canonical forms. On 5,000
**    tables of 10 columns without fingerprints the comparison takes
**    about 25 ms; loading the two catalogs costs more.
** 6. The list is sorted by (kind: enum, sequence, table, column,
**    constraint, index, trigger, view), schema, parent, object, change
**    (rename, drop, alter, add) and attribute, byte-wise.
**
** What is not a difference, on purpose: column order (ADD COLUMN appends
** whatever the model says), native spellings (type_native, default_native,
** definition_native: the normalised facts decide), names that an engine
** generated for constraints and indexes, differences of case alone when
** identifiers are case-insensitive, a collation of NULL / "binary" /
** "default" (all mean the engine's default), a comment of NULL or ''.
**
** Naming in the output. A table is its own object. Columns are "t.c" with
** parent "t"; constraints, indexes and triggers are their own name with
** parent "t". Inside a pair the table is named as in TO (renames run
** first), a dropped object keeps its FROM name. A rename row names the
** object before the rename: object "old" (or "t.old"), attribute "name",
** old value "old", new value "new". An added or dropped table is one row:
** its columns, constraints, indexes and triggers come and go with it
** (pToTab/pFromTab carry them).
**
** Ambiguity: a dropped or added column (or table) left unpaired although
** compatible candidates exist says so: "ambiguous rename: a could be b or
** c" on the drop, "ambiguous rename: b could come from a" on the add.
**
** Destructive: dropping a table or a column, a narrowing type change
** (dfTypeWidening()==2), a column becoming generated (its stored values
** are replaced) and an enum losing a label. Adding NOT NULL may fail but
** loses nothing: not destructive, and the explanation says so (the planner
** checks the statistics). Dropping a view, index, constraint, trigger or
** sequence loses no table data. A rename is never destructive.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include <stdlib.h>
#include <stdarg.h>
#include "diff.h"
#include "types.h"
#include "match.h"
#include "dfjson.h"
#include "diff_int.h"

/* ---------------------------------------------------------------------------
** Errors and memory
*/

void diffErr(DiffCtx *p, const char *zFmt, ...){
  va_list ap;
  if( p->rc!=SQLITE_OK ) return;
  va_start(ap, zFmt);
  p->zErr = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  p->rc = p->zErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

void diffOom(DiffCtx *p){
  if( p->rc==SQLITE_OK ) p->rc = SQLITE_NOMEM;
}

/* Allocate zeroed memory or set SQLITE_NOMEM. */
void *diffAlloc(DiffCtx *p, size_t n){
  void *pMem;
  if( p->rc ) return 0;
  pMem = sqlite3_malloc64(n ? n : 1);
  if( pMem==0 ){ diffOom(p); return 0; }
  memset(pMem, 0, n ? n : 1);
  return pMem;
}

char *diffStrFinish(DiffCtx *p, sqlite3_str *s){
  char *z = sqlite3_str_finish(s);
  if( z==0 ) z = sqlite3_mprintf("");
  if( z==0 ) diffOom(p);
  return z;
}

/* ---------------------------------------------------------------------------
** Small comparisons
*/

static int nameCmp(DiffCtx *p, const char *a, const char *b){
  if( a==0 ) a = "";
  if( b==0 ) b = "";
  return p->bNoCase ? sqlite3_stricmp(a, b) : strcmp(a, b);
}
int diffNameEq(DiffCtx *p, const char *a, const char *b){
  return nameCmp(p, a, b)==0;
}

/* Case-insensitive, NULL-safe; NULL and "" are equal. */
int diffTextEqNoCase(const char *a, const char *b){
  return sqlite3_stricmp(a ? a : "", b ? b : "")==0;
}
int diffTextEq(const char *a, const char *b){
  return strcmp(a ? a : "", b ? b : "")==0;
}

/* JSON options: NULL, "" and "{}" all mean none. */
const char *diffOptText(const char *z){
  return (z==0 || strcmp(z, "{}")==0) ? "" : z;
}

/* Collations that mean "the engine's default". */
static const char *collText(const char *z){
  if( z==0 || sqlite3_stricmp(z, "binary")==0 || sqlite3_stricmp(z, "default")==0 ){
    return "";
  }
  return z;
}

/* Two expressions equal after normalisation (NULL equals NULL only). */
int diffExprEq(DiffCtx *p, const char *a, const char *b){
  char *na, *nb;
  int bEq;
  if( a==0 || b==0 ) return a==b;
  if( strcmp(a, b)==0 ) return 1;
  na = dfExprNormalise(a);
  nb = dfExprNormalise(b);
  if( na==0 || nb==0 ){ diffOom(p); bEq = 0; }
  else bEq = strcmp(na, nb)==0;
  sqlite3_free(na);
  sqlite3_free(nb);
  return bEq;
}

/* Two column defaults equal after normalisation. */
static int defaultEq(DiffCtx *p, const DfColumn *a, const DfColumn *b){
  char *na, *nb;
  int bEq;
  if( a->zDefault==0 || b->zDefault==0 ) return a->zDefault==b->zDefault;
  if( strcmp(a->zDefault, b->zDefault)==0 ) return 1;
  na = dfDefaultNormalise(p->pFrom->zEngine, a->zFamily, a->zDefault);
  nb = dfDefaultNormalise(p->pTo->zEngine, b->zFamily, b->zDefault);
  if( na==0 || nb==0 ){ diffOom(p); bEq = 0; }
  else bEq = strcmp(na, nb)==0;
  sqlite3_free(na);
  sqlite3_free(nb);
  return bEq;
}

/* Same normalised type, nullability and default: a rename candidate. */
static int columnShapeEq(DiffCtx *p, const DfColumn *a, const DfColumn *b){
  return dfTypeEqual(a, b) && a->bNotNull==b->bNotNull && defaultEq(p, a, b);
}

/* ---------------------------------------------------------------------------
** The change list
*/

static char *dupText(DiffCtx *p, const char *z){
  char *zOut;
  if( z==0 || p->rc ) return 0;
  zOut = sqlite3_mprintf("%s", z);
  if( zOut==0 ) diffOom(p);
  return zOut;
}

/* Append a change; strings are copied. Returns the new slot or NULL. */
DfChange *diffAddChange(DiffCtx *p, const char *zKind, const char *zSchema,
                           const char *zObject, const char *zParent,
                           const char *zChange, const char *zAttr,
                           const char *zOld, const char *zNew,
                           int bDestructive, double rConf, const char *zExplain){
  DfChangeList *l = p->pList;
  DfChange *c;
  if( p->rc ) return 0;
  if( l->nChange>=l->nAlloc ){
    int nNew = l->nAlloc ? l->nAlloc*2 : 32;
    DfChange *aNew = sqlite3_realloc64(l->aChange, sizeof(DfChange)*(size_t)nNew);
    if( aNew==0 ){ diffOom(p); return 0; }
    l->aChange = aNew;
    l->nAlloc = nNew;
  }
  c = &l->aChange[l->nChange++];
  memset(c, 0, sizeof(*c));
  c->zKind = zKind;
  c->zChange = zChange;
  c->zSchema = dupText(p, zSchema ? zSchema : "");
  c->zObject = dupText(p, zObject);
  c->zParent = dupText(p, zParent);
  c->zAttribute = dupText(p, zAttr);
  c->zOld = dupText(p, zOld);
  c->zNew = dupText(p, zNew);
  c->bDestructive = bDestructive;
  c->rConfidence = rConf;
  c->zExplain = dupText(p, zExplain);
  return c;
}

static void changeClear(DfChange *c){
  sqlite3_free(c->zSchema);
  sqlite3_free(c->zObject);
  sqlite3_free(c->zParent);
  sqlite3_free(c->zAttribute);
  sqlite3_free(c->zOld);
  sqlite3_free(c->zNew);
  sqlite3_free(c->zExplain);
}

void dfChangeListFree(DfChangeList *p){
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nChange; i++) changeClear(&p->aChange[i]);
  sqlite3_free(p->aChange);
  sqlite3_free(p);
}

static int kindRank(const char *z){
  static const char *const az[] = {
    "enum", "sequence", "table", "column", "constraint", "index", "trigger", "view"
  };
  int i;
  for(i=0; i<8; i++) if( strcmp(z, az[i])==0 ) return i;
  return 8;
}
static int changeRank(const char *z){
  if( strcmp(z, DF_CHANGE_RENAME)==0 ) return 0;
  if( strcmp(z, DF_CHANGE_DROP)==0 ) return 1;
  if( strcmp(z, DF_CHANGE_ALTER)==0 ) return 2;
  return 3;
}
/* NULL sorts before any text. */
static int cmpNullable(const char *a, const char *b){
  if( a==0 || b==0 ) return (a!=0) - (b!=0);
  return strcmp(a, b);
}
static int changeCmp(const void *pA, const void *pB){
  const DfChange *a = *(const DfChange *const*)pA;
  const DfChange *b = *(const DfChange *const*)pB;
  int c;
  if( (c = kindRank(a->zKind) - kindRank(b->zKind))!=0 ) return c;
  if( (c = cmpNullable(a->zSchema, b->zSchema))!=0 ) return c;
  if( (c = cmpNullable(a->zParent, b->zParent))!=0 ) return c;
  if( (c = cmpNullable(a->zObject, b->zObject))!=0 ) return c;
  if( (c = changeRank(a->zChange) - changeRank(b->zChange))!=0 ) return c;
  if( (c = cmpNullable(a->zAttribute, b->zAttribute))!=0 ) return c;
  return (a<b) ? -1 : (a>b);    /* same key: keep the order of discovery */
}

static void sortChanges(DiffCtx *p){
  DfChangeList *l = p->pList;
  DfChange **ap, *aNew;
  int i;
  if( p->rc || l->nChange<2 ) return;
  ap = diffAlloc(p, sizeof(DfChange*)*(size_t)l->nChange);
  aNew = diffAlloc(p, sizeof(DfChange)*(size_t)l->nAlloc);
  if( ap==0 || aNew==0 ){ sqlite3_free(ap); sqlite3_free(aNew); return; }
  for(i=0; i<l->nChange; i++) ap[i] = &l->aChange[i];
  qsort(ap, (size_t)l->nChange, sizeof(DfChange*), changeCmp);
  for(i=0; i<l->nChange; i++) aNew[i] = *ap[i];
  sqlite3_free(l->aChange);
  sqlite3_free(ap);
  l->aChange = aNew;
}

/* ---------------------------------------------------------------------------
** Pairing by name
*/

static int refCmpCase(const void *pA, const void *pB){
  const NameRef *a = pA, *b = pB;
  int c = strcmp(a->zSchema, b->zSchema);
  if( c==0 ) c = strcmp(a->zName, b->zName);
  if( c==0 ) c = a->idx - b->idx;
  return c;
}
static int refCmpNoCase(const void *pA, const void *pB){
  const NameRef *a = pA, *b = pB;
  int c = sqlite3_stricmp(a->zSchema, b->zSchema);
  if( c==0 ) c = sqlite3_stricmp(a->zName, b->zName);
  if( c==0 ) c = refCmpCase(pA, pB);
  return c;
}
static int refKeyCmp(DiffCtx *p, const NameRef *a, const NameRef *b){
  int c = nameCmp(p, a->zSchema, b->zSchema);
  if( c==0 ) c = nameCmp(p, a->zName, b->zName);
  return c;
}
static void sortRefs(DiffCtx *p, int n, NameRef *a){
  if( n>1 ) qsort(a, (size_t)n, sizeof(NameRef), p->bNoCase ? refCmpNoCase : refCmpCase);
}

/* In a catalog with case-insensitive names, two names equal but for case
** are a corrupt snapshot (or a model with duplicate names). a[] is sorted. */
void diffCheckDuplicates(DiffCtx *p, int bCatNoCase, int n, NameRef *a,
                            const char *zWhat, const char *zSide){
  int i;
  if( !bCatNoCase || !p->bNoCase ) return;
  for(i=1; i<n && p->rc==SQLITE_OK; i++){
    if( refKeyCmp(p, &a[i-1], &a[i])==0 ){
      diffErr(p, "duplicate %s name in %s: '%s' and '%s' (names are "
              "case-insensitive there)", zWhat, zSide, a[i-1].zName, a[i].zName);
    }
  }
}

/*
** Pair two sets of names: aAtoB[a.idx] = b.idx and aBtoA the other way,
** -1 when unpaired. Sorts aA and aB. Within a group of names equal under
** the rule, exact spellings pair first, then the rest in sorted order.
*/
void diffPairByName(DiffCtx *p, int nA, NameRef *aA, int nB, NameRef *aB,
                       int *aAtoB, int *aBtoA){
  int i = 0, j = 0, k, l;
  for(k=0; k<nA; k++) aAtoB[aA[k].idx] = -1;
  for(k=0; k<nB; k++) aBtoA[aB[k].idx] = -1;
  sortRefs(p, nA, aA);
  sortRefs(p, nB, aB);
  while( i<nA && j<nB ){
    int c = refKeyCmp(p, &aA[i], &aB[j]);
    int i2, j2;
    if( c<0 ){ i++; continue; }
    if( c>0 ){ j++; continue; }
    for(i2=i+1; i2<nA && refKeyCmp(p, &aA[i2], &aB[j])==0; i2++){}
    for(j2=j+1; j2<nB && refKeyCmp(p, &aA[i], &aB[j2])==0; j2++){}
    if( i2-i==1 && j2-j==1 ){
      aAtoB[aA[i].idx] = aB[j].idx;
      aBtoA[aB[j].idx] = aA[i].idx;
    }else{
      for(k=i; k<i2; k++){          /* exact spellings first */
        for(l=j; l<j2; l++){
          if( aBtoA[aB[l].idx]<0 && strcmp(aA[k].zSchema, aB[l].zSchema)==0
           && strcmp(aA[k].zName, aB[l].zName)==0 ){
            aAtoB[aA[k].idx] = aB[l].idx;
            aBtoA[aB[l].idx] = aA[k].idx;
            break;
          }
        }
      }
      for(k=i, l=j; k<i2; k++){
        if( aAtoB[aA[k].idx]>=0 ) continue;
        while( l<j2 && aBtoA[aB[l].idx]>=0 ) l++;
        if( l>=j2 ) break;
        aAtoB[aA[k].idx] = aB[l].idx;
        aBtoA[aB[l].idx] = aA[k].idx;
      }
    }
    i = i2;
    j = j2;
  }
}

/* ---------------------------------------------------------------------------
** Tables: pairing, hints, renames
*/

static TabPair *newPair(DiffCtx *p, int iFrom, int iTo, int eHow, double rConf){
  TabPair *pp;
  if( p->rc ) return 0;
  pp = &p->aPair[p->nPair];
  memset(pp, 0, sizeof(*pp));
  pp->pFrom = &p->pFrom->aTable[iFrom];
  pp->pTo = &p->pTo->aTable[iTo];
  pp->eHow = eHow;
  pp->rConf = rConf;
  p->aFromPair[iFrom] = p->nPair;
  p->aToPair[iTo] = p->nPair;
  p->nPair++;
  return pp;
}

/* FROM table by schema and name under the identifier rule, or -1. */
int diffFindFromTable(DiffCtx *p, const char *zSchema, const char *zName){
  int lo = 0, hi = p->pFrom->nTable - 1;
  NameRef k;
  k.zSchema = zSchema ? zSchema : "";
  k.zName = zName ? zName : "";
  k.idx = 0;
  while( lo<=hi ){
    int mid = (lo + hi)/2;
    int c = refKeyCmp(p, &p->aFromSorted[mid], &k);
    if( c==0 ){
      /* prefer the exact spelling among names equal but for case */
      int m = mid;
      while( m>0 && refKeyCmp(p, &p->aFromSorted[m-1], &k)==0 ) m--;
      for(mid=m; mid<p->pFrom->nTable && refKeyCmp(p, &p->aFromSorted[mid], &k)==0; mid++){
        if( strcmp(p->aFromSorted[mid].zName, k.zName)==0
         && strcmp(p->aFromSorted[mid].zSchema, k.zSchema)==0 ){
          return p->aFromSorted[mid].idx;
        }
      }
      return p->aFromSorted[m].idx;
    }
    if( c<0 ) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

/* A table in catalog pCat named like zName under the rule, in schema
** zSchema, or -1. Linear: used for hints only. */
static int findTableLinear(DiffCtx *p, DfCatalog *pCat, const char *zSchema,
                           const char *zName){
  int i;
  for(i=0; i<pCat->nTable; i++){
    if( diffNameEq(p, pCat->aTable[i].zSchema, zSchema)
     && diffNameEq(p, pCat->aTable[i].zName, zName) ) return i;
  }
  return -1;
}

int diffFindColumn(DiffCtx *p, const DfTable *t, const char *zName){
  int i;
  for(i=0; i<t->nCol; i++){
    if( diffNameEq(p, t->aCol[i].zName, zName) ) return i;
  }
  return -1;
}

/* Split hint text "a.b.c" into up to three parts. Returns the count;
** the parts point into zBuf, a copy the caller frees. */
static int splitDots(const char *zHint, char **pzBuf, char *azPart[3]){
  char *z = sqlite3_mprintf("%s", zHint);
  int n = 0;
  *pzBuf = z;
  if( z==0 ) return -1;
  azPart[n++] = z;
  for(; *z; z++){
    if( *z=='.' ){
      if( n==3 ) return 4;
      *z = 0;
      azPart[n++] = z + 1;
    }
  }
  return n;
}

/*
** Is hint old name zOld a column hint? Table hints are "t=t2" or
** "s.t=s.t2" (the schema of the new name defaults to the old one); column
** hints are "t.c=c2" or "s.t.c=c2". A two-part name "a.b" is a column hint
** when FROM has a table a in the default schema, otherwise a table hint
** for table b of schema a.
*/
static int isColumnHint(DiffCtx *p, const char *zOld){
  char *zBuf = 0, *az[3];
  int n = splitDots(zOld, &zBuf, az), bCol = 0;
  if( n==2 ){
    bCol = findTableLinear(p, p->pFrom, "", az[0])>=0;
  }else if( n==3 ){
    bCol = 1;
  }
  sqlite3_free(zBuf);
  return bCol;
}

static void tableHints(DiffCtx *p){
  const DfDiffOptions *o = p->pOpt;
  int h;
  for(h=0; h<o->nHint && p->rc==SQLITE_OK; h++){
    const char *zOld = o->azHintOld[h], *zNew = o->azHintNew[h];
    char *zB1 = 0, *zB2 = 0, *azO[3], *azN[3];
    const char *zSchema, *zNewSchema;
    int nO, nN, iF, iT;
    if( isColumnHint(p, zOld) ) continue;
    nO = splitDots(zOld, &zB1, azO);
    nN = splitDots(zNew, &zB2, azN);
    if( nO<0 || nN<0 ){ diffOom(p); goto next; }
    if( nO>2 || nN>2 ){
      diffErr(p, "rename hint '%s=%s': expected table or schema.table", zOld, zNew);
      goto next;
    }
    zSchema = nO==2 ? azO[0] : "";
    zNewSchema = nN==2 ? azN[0] : zSchema;
    iF = findTableLinear(p, p->pFrom, zSchema, azO[nO-1]);
    iT = findTableLinear(p, p->pTo, zNewSchema, azN[nN-1]);
    if( iF<0 ){
      diffErr(p, "rename hint '%s=%s': no table '%s' in FROM", zOld, zNew, zOld);
    }else if( iT<0 ){
      diffErr(p, "rename hint '%s=%s': no table '%s' in TO", zOld, zNew, zNew);
    }else if( p->aFromPair[iF]>=0 && p->aToPair[iT]!=p->aFromPair[iF] ){
      diffErr(p, "rename hint '%s=%s': table '%s' is still in TO",
              zOld, zNew, p->pFrom->aTable[iF].zName);
    }else if( p->aToPair[iT]>=0 && p->aToPair[iT]!=p->aFromPair[iF] ){
      diffErr(p, "rename hint '%s=%s': table '%s' is already in FROM",
              zOld, zNew, p->pTo->aTable[iT].zName);
    }else if( p->aFromPair[iF]<0 ){
      newPair(p, iF, iT, COL_BY_HINT, 1.0);
    }
  next:
    sqlite3_free(zB1);
    sqlite3_free(zB2);
  }
}

/* Same columns (names and types, any order), allowing one column renamed
** to a column of the same type. */
static int tablesAlike(DiffCtx *p, const DfTable *a, const DfTable *b){
  int i, j, nMiss = 0, iMiss = -1, nUnpaired = 0, jUnpaired = -1;
  unsigned char *aUsed;
  int bOk = 1;
  if( a->nCol!=b->nCol || a->nCol==0 ) return 0;
  aUsed = diffAlloc(p, (size_t)b->nCol);
  if( aUsed==0 ) return 0;
  for(i=0; i<a->nCol && bOk; i++){
    j = diffFindColumn(p, b, a->aCol[i].zName);
    if( j<0 || aUsed[j] ){
      if( ++nMiss>1 ) bOk = 0;
      iMiss = i;
    }else if( !dfTypeEqual(&a->aCol[i], &b->aCol[j]) ){
      bOk = 0;
    }else{
      aUsed[j] = 1;
    }
  }
  if( bOk && nMiss==1 ){
    for(j=0; j<b->nCol; j++){
      if( !aUsed[j] ){ nUnpaired++; jUnpaired = j; }
    }
    bOk = nUnpaired==1 && dfTypeEqual(&a->aCol[iMiss], &b->aCol[jUnpaired]);
  }
  sqlite3_free(aUsed);
  return bOk;
}

static int cmpStr(const void *a, const void *b){
  return strcmp(*(const char *const*)a, *(const char *const*)b);
}

/* Bucket key of a table for rename guessing: schema, column count and the
** sorted type families. OUT: caller frees. */
static char *tableShapeKey(DiffCtx *p, const DfTable *t){
  const char **az;
  sqlite3_str *s;
  char *z;
  int i;
  az = diffAlloc(p, sizeof(char*)*(size_t)(t->nCol + 1));
  if( az==0 ) return 0;
  for(i=0; i<t->nCol; i++) az[i] = t->aCol[i].zFamily ? t->aCol[i].zFamily : "";
  qsort(az, (size_t)t->nCol, sizeof(char*), cmpStr);
  s = sqlite3_str_new(0);
  sqlite3_str_appendf(s, "%s\x01%d", t->zSchema ? t->zSchema : "", t->nCol);
  if( p->bNoCase ){
    /* fold the schema: bucket keys compare byte-wise */
    char *zS = sqlite3_str_value(s);
    for(i=0; zS && zS[i] && zS[i]!='\x01'; i++){
      if( zS[i]>='A' && zS[i]<='Z' ) zS[i] += 'a' - 'A';
    }
  }
  for(i=0; i<t->nCol; i++) sqlite3_str_appendf(s, "\x01%s", az[i]);
  sqlite3_free(az);
  z = sqlite3_str_finish(s);
  if( z==0 ) diffOom(p);
  return z;
}

typedef struct ShapeRef ShapeRef;
struct ShapeRef {
  char *zKey;             /* tableShapeKey() */
  int bTo;                /* 0 dropped (FROM), 1 added (TO) */
  int idx;                /* table index in its catalog */
};
static int shapeCmp(const void *pA, const void *pB){
  const ShapeRef *a = pA, *b = pB;
  int c = strcmp(a->zKey, b->zKey);
  if( c==0 ) c = a->bTo - b->bTo;
  if( c==0 ) c = a->idx - b->idx;
  return c;
}

/* Guess table renames among the unpaired tables, bucket by bucket. */
static void tableRenames(DiffCtx *p){
  int nF = p->pFrom->nTable, nT = p->pTo->nTable, n = 0, i, j;
  ShapeRef *a;
  if( p->rc || p->pOpt->bNoRenames ) return;
  a = diffAlloc(p, sizeof(ShapeRef)*(size_t)(nF + nT + 1));
  if( a==0 ) return;
  for(i=0; i<nF; i++){
    if( p->aFromPair[i]>=0 ) continue;
    a[n].zKey = tableShapeKey(p, &p->pFrom->aTable[i]);
    a[n].bTo = 0; a[n].idx = i; n++;
  }
  for(i=0; i<nT; i++){
    if( p->aToPair[i]>=0 ) continue;
    a[n].zKey = tableShapeKey(p, &p->pTo->aTable[i]);
    a[n].bTo = 1; a[n].idx = i; n++;
  }
  if( p->rc ) goto cleanup;
  qsort(a, (size_t)n, sizeof(ShapeRef), shapeCmp);
  for(i=0; i<n && p->rc==SQLITE_OK; i=j){
    int nDrop = 0, nAdd = 0, k, l;
    const char **azF, **azT;
    unsigned char *aCompat;
    int *aPairIdx;
    double *aConf;
    for(j=i; j<n && strcmp(a[j].zKey, a[i].zKey)==0; j++){
      if( a[j].bTo ) nAdd++; else nDrop++;
    }
    if( nDrop==0 || nAdd==0 ) continue;
    if( (sqlite3_int64)nDrop*nAdd > 4000000 ) continue;  /* give up: drop+add */
    azF = diffAlloc(p, sizeof(char*)*(size_t)nDrop);
    azT = diffAlloc(p, sizeof(char*)*(size_t)nAdd);
    aCompat = diffAlloc(p, (size_t)nDrop*(size_t)nAdd);
    aPairIdx = diffAlloc(p, sizeof(int)*(size_t)nDrop);
    aConf = diffAlloc(p, sizeof(double)*(size_t)nDrop);
    if( p->rc==SQLITE_OK ){
      /* a[i..i+nDrop) are the dropped tables, then the added ones */
      for(k=0; k<nDrop; k++) azF[k] = p->pFrom->aTable[a[i+k].idx].zName;
      for(l=0; l<nAdd; l++) azT[l] = p->pTo->aTable[a[i+nDrop+l].idx].zName;
      for(k=0; k<nDrop; k++){
        for(l=0; l<nAdd; l++){
          aCompat[k*nAdd+l] = (unsigned char)tablesAlike(p,
              &p->pFrom->aTable[a[i+k].idx], &p->pTo->aTable[a[i+nDrop+l].idx]);
        }
      }
      if( dfMatchRenames(nDrop, azF, nAdd, azT, aCompat, aPairIdx, aConf) ) diffOom(p);
      for(k=0; k<nDrop && p->rc==SQLITE_OK; k++){
        if( aPairIdx[k]>=0 ){
          newPair(p, a[i+k].idx, a[i+nDrop+aPairIdx[k]].idx, COL_BY_GUESS, aConf[k]);
        }
      }
    }
    sqlite3_free(azF); sqlite3_free(azT); sqlite3_free(aCompat);
    sqlite3_free(aPairIdx); sqlite3_free(aConf);
  }
cleanup:
  for(i=0; i<n; i++) sqlite3_free(a[i].zKey);
  sqlite3_free(a);
}

/* Every column hint must name a FROM table that has a counterpart in TO;
** the columns themselves are checked by columnHints(). */
static void checkColumnHintTables(DiffCtx *p){
  const DfDiffOptions *o = p->pOpt;
  int h;
  for(h=0; h<o->nHint && p->rc==SQLITE_OK; h++){
    char *zBuf = 0, *az[3];
    int n, iF;
    if( !isColumnHint(p, o->azHintOld[h]) ) continue;
    n = splitDots(o->azHintOld[h], &zBuf, az);
    if( n==4 ){
      diffErr(p, "rename hint '%s=%s': expected table.column or schema.table.column",
              o->azHintOld[h], o->azHintNew[h]);
    }else if( n>=2 ){
      iF = diffFindFromTable(p, n==3 ? az[0] : "", az[n-2]);
      if( iF<0 ){
        diffErr(p, "rename hint '%s=%s': no table '%s' in FROM",
                o->azHintOld[h], o->azHintNew[h], az[n-2]);
      }else if( p->aFromPair[iF]<0 ){
        diffErr(p, "rename hint '%s=%s': table '%s' is not in TO",
                o->azHintOld[h], o->azHintNew[h], az[n-2]);
      }
    }
    if( n<0 ) diffOom(p);
    sqlite3_free(zBuf);
  }
}

static void pairTables(DiffCtx *p){
  int nF = p->pFrom->nTable, nT = p->pTo->nTable, i;
  NameRef *aT;
  int *aFtoT, *aTtoF;
  p->aPair = diffAlloc(p, sizeof(TabPair)*(size_t)(nF < nT ? nF + 1 : nT + 1));
  p->aFromPair = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  p->aToPair = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  p->aFromSorted = diffAlloc(p, sizeof(NameRef)*(size_t)(nF + 1));
  aT = diffAlloc(p, sizeof(NameRef)*(size_t)(nT + 1));
  aFtoT = diffAlloc(p, sizeof(int)*(size_t)(nF + 1));
  aTtoF = diffAlloc(p, sizeof(int)*(size_t)(nT + 1));
  if( p->rc ) goto cleanup;
  for(i=0; i<nF; i++){
    p->aFromSorted[i].zSchema = p->pFrom->aTable[i].zSchema ? p->pFrom->aTable[i].zSchema : "";
    p->aFromSorted[i].zName = p->pFrom->aTable[i].zName;
    p->aFromSorted[i].idx = i;
    p->aFromPair[i] = -1;
  }
  for(i=0; i<nT; i++){
    aT[i].zSchema = p->pTo->aTable[i].zSchema ? p->pTo->aTable[i].zSchema : "";
    aT[i].zName = p->pTo->aTable[i].zName;
    aT[i].idx = i;
    p->aToPair[i] = -1;
  }
  diffPairByName(p, nF, p->aFromSorted, nT, aT, aFtoT, aTtoF);
  diffCheckDuplicates(p, p->pFrom->bCaseInsensitive, nF, p->aFromSorted, "table", "FROM");
  diffCheckDuplicates(p, p->pTo->bCaseInsensitive, nT, aT, "table", "TO");
  for(i=0; i<nF && p->rc==SQLITE_OK; i++){
    if( aFtoT[i]>=0 ) newPair(p, i, aFtoT[i], COL_BY_NAME, 1.0);
  }
  tableHints(p);
  tableRenames(p);
  checkColumnHintTables(p);
cleanup:
  sqlite3_free(aT);
  sqlite3_free(aFtoT);
  sqlite3_free(aTtoF);
}

/* ---------------------------------------------------------------------------
** Columns: pairing, hints, renames
*/

/* Apply the column hints that concern pair pp. */
static void columnHints(DiffCtx *p, TabPair *pp){
  const DfDiffOptions *o = p->pOpt;
  int h;
  for(h=0; h<o->nHint && p->rc==SQLITE_OK; h++){
    const char *zOld = o->azHintOld[h], *zNew = o->azHintNew[h];
    char *zB1 = 0, *zB2 = 0, *azO[3], *azN[3];
    const char *zSchema, *zTab, *zCol, *zNewCol;
    int nO, nN, iF, iT;
    if( !isColumnHint(p, zOld) ) continue;
    nO = splitDots(zOld, &zB1, azO);
    nN = splitDots(zNew, &zB2, azN);
    if( nO<0 || nN<0 ){ diffOom(p); goto next; }
    zSchema = nO==3 ? azO[0] : "";
    zTab = azO[nO-2];
    zCol = azO[nO-1];
    zNewCol = azN[nN-1];
    if( !diffNameEq(p, pp->pFrom->zSchema, zSchema) || !diffNameEq(p, pp->pFrom->zName, zTab) ){
      goto next;
    }
    iF = diffFindColumn(p, pp->pFrom, zCol);
    iT = diffFindColumn(p, pp->pTo, zNewCol);
    if( iF<0 ){
      diffErr(p, "rename hint '%s=%s': no column '%s' in FROM table '%s'",
              zOld, zNew, zCol, pp->pFrom->zName);
    }else if( iT<0 ){
      diffErr(p, "rename hint '%s=%s': no column '%s' in TO table '%s'",
              zOld, zNew, zNewCol, pp->pTo->zName);
    }else if( pp->aColTo[iF]>=0 && pp->aColTo[iF]!=iT ){
      diffErr(p, "rename hint '%s=%s': column '%s' is still in TO table '%s'",
              zOld, zNew, zCol, pp->pTo->zName);
    }else if( pp->aColFrom[iT]>=0 && pp->aColFrom[iT]!=iF ){
      diffErr(p, "rename hint '%s=%s': column '%s' is already in FROM table '%s'",
              zOld, zNew, zNewCol, pp->pFrom->zName);
    }else if( pp->aColTo[iF]<0 ){
      pp->aColTo[iF] = iT;
      pp->aColFrom[iT] = iF;
      pp->aColHow[iF] = COL_BY_HINT;
      pp->aColConf[iF] = 1.0;
    }
  next:
    sqlite3_free(zB1);
    sqlite3_free(zB2);
  }
}

/* Guess column renames in pair pp among unpaired columns. */
static void columnRenames(DiffCtx *p, TabPair *pp){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  int nDrop = 0, nAdd = 0, i, j;
  int *aiF, *aiT, *aPairIdx;
  const char **azF, **azT;
  unsigned char *aCompat;
  double *aConf;
  if( p->rc || p->pOpt->bNoRenames ) return;
  for(i=0; i<f->nCol; i++) if( pp->aColTo[i]<0 ) nDrop++;
  for(j=0; j<t->nCol; j++) if( pp->aColFrom[j]<0 ) nAdd++;
  if( nDrop==0 || nAdd==0 ) return;
  if( (sqlite3_int64)nDrop*nAdd > 4000000 ) return;
  aiF = diffAlloc(p, sizeof(int)*(size_t)nDrop);
  aiT = diffAlloc(p, sizeof(int)*(size_t)nAdd);
  azF = diffAlloc(p, sizeof(char*)*(size_t)nDrop);
  azT = diffAlloc(p, sizeof(char*)*(size_t)nAdd);
  aCompat = diffAlloc(p, (size_t)nDrop*(size_t)nAdd);
  aPairIdx = diffAlloc(p, sizeof(int)*(size_t)nDrop);
  aConf = diffAlloc(p, sizeof(double)*(size_t)nDrop);
  if( p->rc==SQLITE_OK ){
    int k = 0, l = 0;
    for(i=0; i<f->nCol; i++) if( pp->aColTo[i]<0 ){ aiF[k] = i; azF[k++] = f->aCol[i].zName; }
    for(j=0; j<t->nCol; j++) if( pp->aColFrom[j]<0 ){ aiT[l] = j; azT[l++] = t->aCol[j].zName; }
    for(k=0; k<nDrop; k++){
      for(l=0; l<nAdd; l++){
        aCompat[k*nAdd+l] = (unsigned char)columnShapeEq(p, &f->aCol[aiF[k]], &t->aCol[aiT[l]]);
      }
    }
    /* A column f already inherits is no rename target: it exists. */
    for(l=0; l<nAdd; l++){
      if( dfCatalogInheritedFrom(p->pFrom, f, azT[l])!=0 ){
        for(k=0; k<nDrop; k++) aCompat[k*nAdd+l] = 0;
      }
    }
    if( dfMatchRenames(nDrop, azF, nAdd, azT, aCompat, aPairIdx, aConf) ) diffOom(p);
    for(k=0; k<nDrop && p->rc==SQLITE_OK; k++){
      if( aPairIdx[k]<0 ) continue;
      i = aiF[k];
      j = aiT[aPairIdx[k]];
      pp->aColTo[i] = j;
      pp->aColFrom[j] = i;
      pp->aColHow[i] = COL_BY_GUESS;
      pp->aColConf[i] = aConf[k];
    }
  }
  sqlite3_free(aiF); sqlite3_free(aiT); sqlite3_free(azF); sqlite3_free(azT);
  sqlite3_free(aCompat); sqlite3_free(aPairIdx); sqlite3_free(aConf);
}

static void pairColumns(DiffCtx *p, TabPair *pp){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  int i, bSame;
  pp->aColTo = diffAlloc(p, sizeof(int)*(size_t)(f->nCol + 1));
  pp->aColFrom = diffAlloc(p, sizeof(int)*(size_t)(t->nCol + 1));
  pp->aColHow = diffAlloc(p, (size_t)(f->nCol + 1));
  pp->aColConf = diffAlloc(p, sizeof(double)*(size_t)(f->nCol + 1));
  if( p->rc ) return;
  /* Fast path: the same names in the same order. */
  bSame = f->nCol==t->nCol;
  for(i=0; bSame && i<f->nCol; i++){
    bSame = strcmp(f->aCol[i].zName, t->aCol[i].zName)==0;
  }
  if( bSame ){
    for(i=0; i<f->nCol; i++){ pp->aColTo[i] = pp->aColFrom[i] = i; pp->aColConf[i] = 1.0; }
  }else{
    NameRef *aF = diffAlloc(p, sizeof(NameRef)*(size_t)(f->nCol + 1));
    NameRef *aT = diffAlloc(p, sizeof(NameRef)*(size_t)(t->nCol + 1));
    if( p->rc==SQLITE_OK ){
      char *zWhat;
      for(i=0; i<f->nCol; i++){ aF[i].zSchema = ""; aF[i].zName = f->aCol[i].zName; aF[i].idx = i; }
      for(i=0; i<t->nCol; i++){ aT[i].zSchema = ""; aT[i].zName = t->aCol[i].zName; aT[i].idx = i; }
      diffPairByName(p, f->nCol, aF, t->nCol, aT, pp->aColTo, pp->aColFrom);
      zWhat = sqlite3_mprintf("column of table '%s'", f->zName);
      diffCheckDuplicates(p, p->pFrom->bCaseInsensitive, f->nCol, aF, zWhat ? zWhat : "column", "FROM");
      sqlite3_free(zWhat);
      zWhat = sqlite3_mprintf("column of table '%s'", t->zName);
      diffCheckDuplicates(p, p->pTo->bCaseInsensitive, t->nCol, aT, zWhat ? zWhat : "column", "TO");
      sqlite3_free(zWhat);
      for(i=0; i<f->nCol; i++) pp->aColConf[i] = 1.0;
    }
    sqlite3_free(aF);
    sqlite3_free(aT);
  }
  if( p->pOpt->nHint ) columnHints(p, pp);
  columnRenames(p, pp);
  pp->bIdentity = pp->eHow==COL_BY_NAME && f->nCol==t->nCol
               && strcmp(f->zName, t->zName)==0 && diffTextEq(f->zSchema, t->zSchema);
  for(i=0; pp->bIdentity && i<f->nCol; i++){
    pp->bIdentity = pp->aColTo[i]>=0 && pp->aColHow[i]==COL_BY_NAME
                 && strcmp(f->aCol[i].zName, t->aCol[pp->aColTo[i]].zName)==0;
  }
}

/* Name of FROM column zName as it is in TO (through pp's renames), or
** zName itself when it has no counterpart. */
const char *diffMapColumn(DiffCtx *p, TabPair *pp, const char *zName){
  int i;
  if( pp==0 || pp->aColTo==0 ) return zName;   /* no pair, or same columns */
  i = diffFindColumn(p, pp->pFrom, zName);
  if( i<0 || pp->aColTo[i]<0 ) return zName;
  return pp->pTo->aCol[pp->aColTo[i]].zName;
}

/* ---------------------------------------------------------------------------
** Table contents
*/

static const char *boolText(int b){ return b ? "1" : "0"; }

/* "expr (stored)" or NULL. OUT: caller frees. */
static char *genText(const DfColumn *c){
  if( c->zGenExpr==0 ) return 0;
  return sqlite3_mprintf("%s (%s)", c->zGenExpr, c->zGenKind ? c->zGenKind : "virtual");
}

static DfChange *colChange(DiffCtx *p, TabPair *pp, DfColumn *f, DfColumn *t,
                           const char *zAttr, const char *zOld, const char *zNew,
                           int bDestructive, const char *zExplain){
  char *zObj = sqlite3_mprintf("%s.%s", pp->pTo->zName, t->zName);
  DfChange *c;
  if( zObj==0 ){ diffOom(p); return 0; }
  c = diffAddChange(p, "column", pp->pTo->zSchema, zObj, pp->pTo->zName,
                DF_CHANGE_ALTER, zAttr, zOld, zNew, bDestructive, 1.0, zExplain);
  sqlite3_free(zObj);
  if( c ){
    c->pFromTab = pp->pFrom; c->pToTab = pp->pTo;
    c->pFromCol = f; c->pToCol = t;
  }
  return c;
}

/* Compare the attributes of FROM column f with TO column t. */
static void diffColumn(DiffCtx *p, TabPair *pp, DfColumn *f, DfColumn *t){
  char *zX = 0;
  if( !dfTypeEqual(f, t) ){
    char *zOld = dfTypeDescribe(f), *zNew = dfTypeDescribe(t);
    int w = dfTypeWidening(f, t);
    if( zOld && zNew ){
      zX = w==2
        ? sqlite3_mprintf("type narrows from %s to %s: values may be truncated "
                          "or fail to convert", zOld, zNew)
        : sqlite3_mprintf("type widens from %s to %s", zOld, zNew);
      colChange(p, pp, f, t, "type", zOld, zNew, w==2, zX);
      sqlite3_free(zX);
    }else{
      diffOom(p);
    }
    sqlite3_free(zOld);
    sqlite3_free(zNew);
  }
  if( f->bNotNull!=t->bNotNull ){
    colChange(p, pp, f, t, "not_null", boolText(f->bNotNull), boolText(t->bNotNull), 0,
        t->bNotNull ? "NOT NULL added: fails if existing rows hold NULL "
                      "(loses no data)"
                    : "NOT NULL dropped: the column accepts NULL");
  }
  if( !defaultEq(p, f, t) ){
    if( f->zDefault==0 ){
      zX = sqlite3_mprintf("default %s added", t->zDefault);
    }else if( t->zDefault==0 ){
      zX = sqlite3_mprintf("default %s removed", f->zDefault);
    }else{
      zX = sqlite3_mprintf("default changes from %s to %s", f->zDefault, t->zDefault);
    }
    colChange(p, pp, f, t, "default", f->zDefault, t->zDefault, 0, zX);
    sqlite3_free(zX);
  }
  if( !diffExprEq(p, f->zGenExpr, t->zGenExpr)
   || (f->zGenExpr && !diffTextEqNoCase(f->zGenKind ? f->zGenKind : "virtual",
                                    t->zGenKind ? t->zGenKind : "virtual")) ){
    char *zOld = genText(f), *zNew = genText(t);
    int bDestr = f->zGenExpr==0;   /* stored values replaced by computed ones */
    colChange(p, pp, f, t, "generated", zOld, zNew, bDestr,
        f->zGenExpr==0 ? "column becomes generated: its stored values are replaced"
        : t->zGenExpr==0 ? "column stops being generated: it keeps its current values"
        : "generated expression changes");
    sqlite3_free(zOld);
    sqlite3_free(zNew);
  }
  if( !diffTextEqNoCase(f->zIdentity, t->zIdentity) ){
    zX = sqlite3_mprintf("identity changes from %s to %s",
                         f->zIdentity ? f->zIdentity : "none",
                         t->zIdentity ? t->zIdentity : "none");
    colChange(p, pp, f, t, "identity", f->zIdentity, t->zIdentity, 0, zX);
    sqlite3_free(zX);
  }
  if( !diffTextEqNoCase(collText(f->zCollation), collText(t->zCollation)) ){
    zX = sqlite3_mprintf("collation changes from %s to %s",
                         f->zCollation ? f->zCollation : "default",
                         t->zCollation ? t->zCollation : "default");
    colChange(p, pp, f, t, "collation", f->zCollation, t->zCollation, 0, zX);
    sqlite3_free(zX);
  }
  if( !diffTextEq(f->zComment, t->zComment) ){
    colChange(p, pp, f, t, "comment", f->zComment, t->zComment, 0, "comment changes");
  }
}

/* Explanation for a column left unpaired although rename candidates exist:
** "ambiguous rename: x could be y or z". OUT: caller frees; NULL if none. */
static char *ambiguity(DiffCtx *p, TabPair *pp, int bDropped, int iCol){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  DfTable *pOther = bDropped ? t : f;
  sqlite3_str *s;
  int i, n = 0;
  if( p->pOpt->bNoRenames ) return 0;
  s = sqlite3_str_new(0);
  for(i=0; i<pOther->nCol; i++){
    int bFree = bDropped ? pp->aColFrom[i]<0 : pp->aColTo[i]<0;
    int bOk;
    if( !bFree ) continue;
    bOk = bDropped ? columnShapeEq(p, &f->aCol[iCol], &t->aCol[i])
                   : columnShapeEq(p, &f->aCol[i], &t->aCol[iCol]);
    /* (a column f inherits is no rename target: columnRenames) */
    if( bOk ) bOk = dfCatalogInheritedFrom(p->pFrom, f, t->aCol[bDropped ? i : iCol].zName)==0;
    if( !bOk ) continue;
    sqlite3_str_appendall(s, n ? " or " : "");
    sqlite3_str_appendall(s, pOther->aCol[i].zName);
    n++;
  }
  if( n==0 ){
    sqlite3_free(sqlite3_str_finish(s));
    return 0;
  }
  {
    char *zList = diffStrFinish(p, s), *z;
    if( zList==0 ) return 0;
    z = bDropped
      ? sqlite3_mprintf("ambiguous rename: %s could be %s; dropping it deletes its data",
                        f->aCol[iCol].zName, zList)
      : sqlite3_mprintf("ambiguous rename: %s could come from %s",
                        t->aCol[iCol].zName, zList);
    sqlite3_free(zList);
    if( z==0 ) diffOom(p);
    return z;
  }
}

static void diffColumns(DiffCtx *p, TabPair *pp){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  int i;
  for(i=0; i<f->nCol && p->rc==SQLITE_OK; i++){
    DfColumn *fc = &f->aCol[i];
    int j = pp->aColTo[i];
    if( j<0 ){
      char *zObj = sqlite3_mprintf("%s.%s", t->zName, fc->zName);
      char *zX = ambiguity(p, pp, 1, i);
      DfChange *c = diffAddChange(p, "column", t->zSchema, zObj, t->zName, DF_CHANGE_DROP,
          0, 0, 0, 1, 1.0, zX ? zX : "column is not in the target: dropping it deletes its data");
      if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromCol = fc; }
      sqlite3_free(zObj);
      sqlite3_free(zX);
      continue;
    }
    if( pp->aColHow[i]!=COL_BY_NAME ){
      char *zObj = sqlite3_mprintf("%s.%s", t->zName, fc->zName);
      char *zX;
      DfChange *c;
      if( pp->aColHow[i]==COL_BY_HINT ){
        zX = sqlite3_mprintf("renamed by hint");
      }else{
        zX = sqlite3_mprintf("same type and constraints; names %d%% alike",
                             (int)((pp->aColConf[i] - 0.5)*200.0 + 0.5));
      }
      c = diffAddChange(p, "column", t->zSchema, zObj, t->zName, DF_CHANGE_RENAME, "name",
                    fc->zName, t->aCol[j].zName, 0, pp->aColConf[i], zX);
      if( c ){ c->pFromTab = f; c->pToTab = t; c->pFromCol = fc; c->pToCol = &t->aCol[j]; }
      sqlite3_free(zObj);
      sqlite3_free(zX);
    }
    diffColumn(p, pp, fc, &t->aCol[j]);
  }
  for(i=0; i<t->nCol && p->rc==SQLITE_OK; i++){
    DfColumn *tc = &t->aCol[i];
    char *zObj, *zX, *zAmb;
    DfChange *c;
    if( pp->aColFrom[i]>=0 ) continue;
    zObj = sqlite3_mprintf("%s.%s", t->zName, tc->zName);
    zAmb = ambiguity(p, pp, 0, i);
    if( zAmb ){
      zX = zAmb;
    }else if( tc->bNotNull && tc->zDefault==0 && tc->zGenExpr==0 && tc->zIdentity==0 ){
      zX = sqlite3_mprintf("new column; NOT NULL without a default: fails if the table has rows");
    }else{
      zX = sqlite3_mprintf("new column");
    }
    c = diffAddChange(p, "column", t->zSchema, zObj, t->zName, DF_CHANGE_ADD, 0, 0, 0, 0, 1.0, zX);
    if( c ){ c->pFromTab = f; c->pToTab = t; c->pToCol = tc; }
    sqlite3_free(zObj);
    sqlite3_free(zX);
  }
}

/* A table's kind for comparison: a MongoDB collection is a table (a model
** compares with a MongoDB database without a kind change). */
static const char *tableKind(const char *zKind){
  if( zKind==0 || sqlite3_stricmp(zKind, "collection")==0 ) return "table";
  return zKind;
}

static DfChange *tabChange(DiffCtx *p, TabPair *pp, const char *zAttr,
                           const char *zOld, const char *zNew, const char *zExplain){
  DfChange *c = diffAddChange(p, "table", pp->pTo->zSchema, pp->pTo->zName, 0,
                          DF_CHANGE_ALTER, zAttr, zOld, zNew, 0, 1.0, zExplain);
  if( c ){ c->pFromTab = pp->pFrom; c->pToTab = pp->pTo; }
  return c;
}

static void diffTablePair(DiffCtx *p, TabPair *pp){
  DfTable *f = pp->pFrom, *t = pp->pTo;
  if( pp->eHow==COL_BY_NAME && f->zFingerprint && t->zFingerprint
   && f->zFingerprint[0] && strcmp(f->zFingerprint, t->zFingerprint)==0
   && strcmp(f->zName, t->zName)==0 ){
    pp->bIdentity = 1;
    return;     /* same normalised content: nothing to compare */
  }
  pairColumns(p, pp);
  if( pp->eHow!=COL_BY_NAME ){
    char *zX = pp->eHow==COL_BY_HINT ? sqlite3_mprintf("renamed by hint")
      : sqlite3_mprintf("same columns; names %d%% alike",
                        (int)((pp->rConf - 0.5)*200.0 + 0.5));
    DfChange *c = diffAddChange(p, "table", f->zSchema, f->zName, 0, DF_CHANGE_RENAME,
                            "name", f->zName, t->zName, 0, pp->rConf, zX);
    if( c ){ c->pFromTab = f; c->pToTab = t; }
    sqlite3_free(zX);
  }
  if( !diffTextEqNoCase(tableKind(f->zKind), tableKind(t->zKind)) ){
    char *zX = sqlite3_mprintf("kind changes from %s to %s", f->zKind, t->zKind);
    tabChange(p, pp, "kind", f->zKind, t->zKind, zX);
    sqlite3_free(zX);
  }
  if( strcmp(diffOptText(f->zOptions), diffOptText(t->zOptions))!=0 ){
    tabChange(p, pp, "options", f->zOptions, t->zOptions, "table options change");
  }
  if( !diffTextEq(f->zComment, t->zComment) ){
    tabChange(p, pp, "comment", f->zComment, t->zComment, "comment changes");
  }
}

/* Column-dependent parts, once every table pair has its column map. */
static void diffTableParts(DiffCtx *p, TabPair *pp){
  if( pp->aColTo==0 ) return;      /* skipped: equal fingerprints */
  diffColumns(p, pp);
  diffConstraints(p, pp);
  diffIndexes(p, pp);
  diffTriggers(p, pp);
}

/* "ambiguous rename: a could be b or c" for a dropped (bDropped) or an
** added table left unpaired although alike tables exist; NULL if none.
** OUT: caller frees. */
static char *tableAmbiguity(DiffCtx *p, int bDropped, int iTab){
  DfCatalog *pOther = bDropped ? p->pTo : p->pFrom;
  DfTable *pT = bDropped ? &p->pFrom->aTable[iTab] : &p->pTo->aTable[iTab];
  sqlite3_str *s;
  int i, n = 0;
  if( p->pOpt->bNoRenames ) return 0;
  s = sqlite3_str_new(0);
  for(i=0; i<pOther->nTable; i++){
    DfTable *o = &pOther->aTable[i];
    if( (bDropped ? p->aToPair[i] : p->aFromPair[i])>=0 ) continue;
    if( !diffNameEq(p, o->zSchema, pT->zSchema) || o->nCol!=pT->nCol ) continue;
    if( !(bDropped ? tablesAlike(p, pT, o) : tablesAlike(p, o, pT)) ) continue;
    sqlite3_str_appendall(s, n ? " or " : "");
    sqlite3_str_appendall(s, o->zName);
    n++;
  }
  if( n==0 ){
    sqlite3_free(sqlite3_str_finish(s));
    return 0;
  }
  {
    char *zList = diffStrFinish(p, s), *z;
    if( zList==0 ) return 0;
    z = bDropped
      ? sqlite3_mprintf("ambiguous rename: %s could be %s; dropping it deletes its rows",
                        pT->zName, zList)
      : sqlite3_mprintf("ambiguous rename: %s could come from %s", pT->zName, zList);
    sqlite3_free(zList);
    if( z==0 ) diffOom(p);
    return z;
  }
}

static void diffTables(DiffCtx *p){
  int i, nDrop = 0, nAdd = 0, bExplain;
  pairTables(p);
  for(i=0; i<p->nPair && p->rc==SQLITE_OK; i++) diffTablePair(p, &p->aPair[i]);
  for(i=0; i<p->nPair && p->rc==SQLITE_OK; i++) diffTableParts(p, &p->aPair[i]);
  for(i=0; i<p->pFrom->nTable; i++) nDrop += p->aFromPair[i]<0;
  for(i=0; i<p->pTo->nTable; i++) nAdd += p->aToPair[i]<0;
  bExplain = (sqlite3_int64)nDrop*nAdd <= 100000;   /* else too costly to explain */
  for(i=0; i<p->pFrom->nTable && p->rc==SQLITE_OK; i++){
    DfTable *f = &p->pFrom->aTable[i];
    DfChange *c;
    char *zX;
    if( p->aFromPair[i]>=0 ) continue;
    zX = bExplain ? tableAmbiguity(p, 1, i) : 0;
    c = diffAddChange(p, "table", f->zSchema, f->zName, 0, DF_CHANGE_DROP, 0, 0, 0, 1, 1.0,
                  zX ? zX : "table is not in the target: dropping it deletes its rows");
    if( c ) c->pFromTab = f;
    sqlite3_free(zX);
  }
  for(i=0; i<p->pTo->nTable && p->rc==SQLITE_OK; i++){
    DfTable *t = &p->pTo->aTable[i];
    DfChange *c;
    char *zX;
    if( p->aToPair[i]>=0 ) continue;
    zX = bExplain ? tableAmbiguity(p, 0, i) : 0;
    c = diffAddChange(p, "table", t->zSchema, t->zName, 0, DF_CHANGE_ADD, 0, 0, 0, 0, 1.0,
                  zX ? zX : "new table");
    if( c ) c->pToTab = t;
    sqlite3_free(zX);
  }
}

/* ---------------------------------------------------------------------------
** Entry points
*/

int dfDiffCompute(DfCatalog *pFrom, DfCatalog *pTo, const DfDiffOptions *pOpt,
                  DfChangeList **ppList, char **pzErr){
  static const DfDiffOptions noOpt = {0, 0, 0, 0};
  DiffCtx x;
  int i;
  memset(&x, 0, sizeof(x));
  *ppList = 0;
  if( pzErr ) *pzErr = 0;
  x.pFrom = pFrom;
  x.pTo = pTo;
  x.pOpt = pOpt ? pOpt : &noOpt;
  x.bNoCase = pFrom->bCaseInsensitive || pTo->bCaseInsensitive;
  x.pList = diffAlloc(&x, sizeof(DfChangeList));
  if( x.rc==SQLITE_OK ) diffTables(&x);
  if( x.rc==SQLITE_OK ) diffViews(&x);
  if( x.rc==SQLITE_OK ) diffEnums(&x);
  if( x.rc==SQLITE_OK ) diffSequences(&x);
  sortChanges(&x);
  for(i=0; i<x.nPair; i++){
    sqlite3_free(x.aPair[i].aColTo);
    sqlite3_free(x.aPair[i].aColFrom);
    sqlite3_free(x.aPair[i].aColHow);
    sqlite3_free(x.aPair[i].aColConf);
  }
  sqlite3_free(x.aPair);
  sqlite3_free(x.aFromPair);
  sqlite3_free(x.aToPair);
  sqlite3_free(x.aFromSorted);
  if( x.rc!=SQLITE_OK ){
    dfChangeListFree(x.pList);
    if( pzErr ){
      *pzErr = x.zErr ? x.zErr : sqlite3_mprintf("out of memory");
    }else{
      sqlite3_free(x.zErr);
    }
    return x.rc;
  }
  *ppList = x.pList;
  return SQLITE_OK;
}

void dfDiffOptionsClear(DfDiffOptions *pOpt){
  int i;
  if( pOpt==0 ) return;
  for(i=0; i<pOpt->nHint; i++){
    sqlite3_free(pOpt->azHintOld[i]);
    sqlite3_free(pOpt->azHintNew[i]);
  }
  sqlite3_free(pOpt->azHintOld);
  sqlite3_free(pOpt->azHintNew);
  pOpt->azHintOld = pOpt->azHintNew = 0;
  pOpt->nHint = 0;
}

/* Append hint old=new to pOpt (copies). */
static int addHint(DfDiffOptions *pOpt, const char *zOld, int nOld,
                   const char *zNew, int nNew){
  char **a1 = sqlite3_realloc64(pOpt->azHintOld, sizeof(char*)*(size_t)(pOpt->nHint + 1));
  char **a2;
  if( a1==0 ) return SQLITE_NOMEM;
  pOpt->azHintOld = a1;
  a2 = sqlite3_realloc64(pOpt->azHintNew, sizeof(char*)*(size_t)(pOpt->nHint + 1));
  if( a2==0 ) return SQLITE_NOMEM;
  pOpt->azHintNew = a2;
  a1[pOpt->nHint] = sqlite3_mprintf("%.*s", nOld, zOld);
  a2[pOpt->nHint] = sqlite3_mprintf("%.*s", nNew, zNew);
  if( a1[pOpt->nHint]==0 || a2[pOpt->nHint]==0 ){
    sqlite3_free(a1[pOpt->nHint]);
    sqlite3_free(a2[pOpt->nHint]);
    return SQLITE_NOMEM;
  }
  pOpt->nHint++;
  return SQLITE_OK;
}

static int isHintSpace(char c){ return c==' ' || c=='\t' || c=='\n' || c=='\r'; }

/*
** Hints are a JSON object {"old":"new",...} or a list of old=new (or
** old:new) separated by commas or semicolons: "users=members;t.a:b".
*/
int dfDiffParseHints(const char *zText, DfDiffOptions *pOpt, char **pzErr){
  const char *z = zText ? zText : "";
  int rc = SQLITE_OK;
  if( pzErr ) *pzErr = 0;
  dfDiffOptionsClear(pOpt);
  while( isHintSpace(*z) ) z++;
  if( *z=='{' ){
    char *zJErr = 0;
    DfJson *pObj = dfJsonParse(z, &zJErr);
    int i;
    if( pObj==0 || pObj->eType!=DF_JSON_OBJECT ){
      if( pzErr ) *pzErr = sqlite3_mprintf("bad rename hints '%s': %s", zText,
                                           zJErr ? zJErr : "expected a JSON object");
      sqlite3_free(zJErr);
      dfJsonFree(pObj);
      return SQLITE_ERROR;
    }
    for(i=0; i<pObj->nChild && rc==SQLITE_OK; i++){
      DfJson *v = &pObj->aChild[i];
      if( v->eType!=DF_JSON_STRING || v->zText[0]==0 || pObj->azKey[i][0]==0 ){
        if( pzErr ) *pzErr = sqlite3_mprintf("bad rename hint '%s': expected "
                                             "\"old\":\"new\"", pObj->azKey[i]);
        rc = SQLITE_ERROR;
        break;
      }
      rc = addHint(pOpt, pObj->azKey[i], (int)strlen(pObj->azKey[i]),
                   v->zText, (int)strlen(v->zText));
    }
    dfJsonFree(pObj);
  }else{
    while( *z && rc==SQLITE_OK ){
      const char *zEnd, *zSep = 0, *zA, *zB, *zAe, *zBe;
      while( isHintSpace(*z) || *z==',' || *z==';' ) z++;
      if( *z==0 ) break;
      for(zEnd=z; *zEnd && *zEnd!=',' && *zEnd!=';'; zEnd++){
        if( zSep==0 && (*zEnd=='=' || *zEnd==':') ) zSep = zEnd;
      }
      zA = z; zAe = zSep ? zSep : zEnd;
      while( zAe>zA && isHintSpace(zAe[-1]) ) zAe--;
      zB = zSep ? zSep + 1 : zEnd; zBe = zEnd;
      while( zB<zBe && isHintSpace(*zB) ) zB++;
      while( zBe>zB && isHintSpace(zBe[-1]) ) zBe--;
      if( zSep==0 || zAe==zA || zBe==zB ){
        if( pzErr ) *pzErr = sqlite3_mprintf("bad rename hint '%.*s': expected old=new",
                                             (int)(zEnd - z), z);
        rc = SQLITE_ERROR;
        break;
      }
      rc = addHint(pOpt, zA, (int)(zAe - zA), zB, (int)(zBe - zB));
      z = zEnd;
    }
  }
  if( rc==SQLITE_NOMEM && pzErr && *pzErr==0 ) *pzErr = sqlite3_mprintf("out of memory");
  if( rc!=SQLITE_OK ) dfDiffOptionsClear(pOpt);
  return rc;
}

