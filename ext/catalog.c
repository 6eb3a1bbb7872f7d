/*
** catalog.c — the snapshot catalog: create, load, fingerprint, checksum.
**
** Usage (from C; SQL users see the tables of DF_CATALOG_SCHEMA directly):
**
**   DfCatalog *pCat = 0; char *zErr = 0;
**   rc = dfCatalogOpen(db, "base.snapshot", "schema_diff", &pCat, &zErr);
**   ... pCat->aTable[i].aCol[j] ...
**   dfCatalogFree(pCat);
**
** HOW IT WORKS
**
** Loading reads each catalog table once, ordered by (schema, table, name),
** and files the rows under their tables by binary search: a fixed number of
** queries whatever the schema size, and O(n log n) work.
**
** Fingerprints and the checksum (dfCatalogFinish) are computed the same way:
** one ordered query per catalog table, merged by table key, each object's
** canonical serialisation fed to SHA-256 (libcrypto). A value is serialised
** as a type tag, its length and its bytes, so that no two different rows can
** serialise alike. What is left out, on purpose:
**   - native spellings (type_native, default_native, definition_native):
**     the normalised facts decide equality, so a model and a database built
**     from it have the same checksum;
**   - column positions: column order is not a schema difference (an ALTER
**     TABLE ADD COLUMN appends, whatever the model says);
**   - names that an engine generated for constraints and indexes: the
**     content identifies them;
**   - statistics, and DataFlow's own objects (dataflow_*).
** The schema checksum is SHA-256 over (kind, schema, name, fingerprint) of
** every object, sorted: two databases with the same schema have the same
** checksum whatever order their objects were created in.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <stdarg.h>
#include <string.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include "catalog.h"
#include "dfjson.h"

/* ---------------------------------------------------------------------------
** Small helpers
*/

/* Copy a column's text (NULL stays NULL). OUT: caller frees. Sets *pRc on OOM. */
static char *colText(sqlite3_stmt *p, int i, int *pRc){
  const unsigned char *z = sqlite3_column_text(p, i);
  int n;
  char *zOut;
  if( z==0 || *pRc ) return 0;
  n = sqlite3_column_bytes(p, i);
  zOut = sqlite3_malloc64((sqlite3_uint64)n + 1);
  if( zOut==0 ){ *pRc = SQLITE_NOMEM; return 0; }
  memcpy(zOut, z, (size_t)n + 1);
  return zOut;
}

/* Integer column, or dflt when NULL. */
static int colInt(sqlite3_stmt *p, int i, int dflt){
  if( sqlite3_column_type(p, i)==SQLITE_NULL ) return dflt;
  return sqlite3_column_int(p, i);
}
static sqlite3_int64 colInt64(sqlite3_stmt *p, int i, sqlite3_int64 dflt){
  if( sqlite3_column_type(p, i)==SQLITE_NULL ) return dflt;
  return sqlite3_column_int64(p, i);
}

/* Grow array *pa of n elements of size sz by one zeroed slot. Returns the
** new slot or 0 on OOM (the array is left as it was).
** The capacity is implied by n, so the structs need no extra field: it is
** 4 while n <= 4, then the smallest power of two >= n. The array is
** reallocated only when n is 0 or a full power of two, so loading n rows
** costs O(n) copies, not O(n^2). */
static void *growOne(void **pa, int *pn, size_t sz){
  int n = *pn;
  char *a = *pa;
  if( n==0 || (n>=4 && (n & (n-1))==0) ){
    sqlite3_uint64 nAlloc = n==0 ? 4 : (sqlite3_uint64)n*2;
    a = sqlite3_realloc64(a, nAlloc * sz);
    if( a==0 ) return 0;
    *pa = a;
  }
  memset(a + (size_t)n * sz, 0, sz);
  (*pn)++;
  return a + (size_t)n * sz;
}

int dfIsOwnObject(const char *zName){
  return zName && sqlite3_strnicmp(zName, "dataflow_", 9)==0;
}

/* Prepare zSql (built with sqlite3_mprintf, freed here). */
static int prepareOwned(sqlite3 *db, char *zSql, sqlite3_stmt **pp){
  int rc;
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, pp, 0);
  sqlite3_free(zSql);
  return rc;
}

static void setErr(char **pzErr, const char *zFmt, ...){
  va_list ap;
  if( pzErr==0 ) return;
  sqlite3_free(*pzErr);
  va_start(ap, zFmt);
  *pzErr = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
}

/* ---------------------------------------------------------------------------
** Schema creation and meta
*/

int dfCatalogCreateSchema(sqlite3 *db, const char *zDb, char **pzErr){
  /* DF_CATALOG_SCHEMA names its tables unqualified; qualify every
  ** "CREATE TABLE " with the target schema. */
  const char *zIn = DF_CATALOG_SCHEMA;
  const char *zKw = "CREATE TABLE ";
  sqlite3_str *pOut = sqlite3_str_new(db);
  char *zSql;
  char *zMsg = 0;
  int rc;
  while( *zIn ){
    const char *zHit = strstr(zIn, zKw);
    if( zHit==0 ){ sqlite3_str_appendall(pOut, zIn); break; }
    sqlite3_str_append(pOut, zIn, (int)(zHit - zIn));
    sqlite3_str_appendf(pOut, "CREATE TABLE \"%w\".", zDb);
    zIn = zHit + strlen(zKw);
  }
  zSql = sqlite3_str_finish(pOut);
  if( zSql==0 ) return SQLITE_NOMEM;
  /* One transaction: a commit (and its fsyncs) per CREATE TABLE made every
  ** snapshot cost a quarter of a second of disk waits. */
  rc = sqlite3_exec(db, "SAVEPOINT dataflow_catalog", 0, 0, &zMsg);
  if( rc==SQLITE_OK ) rc = sqlite3_exec(db, zSql, 0, 0, &zMsg);
  sqlite3_free(zSql);
  if( rc==SQLITE_OK ){
    char zVer[16];
    sqlite3_snprintf(sizeof(zVer), zVer, "%d", DF_SNAPSHOT_FORMAT);
    rc = dfMetaSet(db, zDb, "format_version", zVer);
    if( rc ) setErr(pzErr, "cannot write snapshot meta: %s", sqlite3_errmsg(db));
  }else{
    setErr(pzErr, "cannot create snapshot catalog: %s", zMsg ? zMsg : "?");
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_exec(db, "RELEASE dataflow_catalog", 0, 0, 0);
  }else{
    sqlite3_exec(db, "ROLLBACK TO dataflow_catalog; RELEASE dataflow_catalog",
                 0, 0, 0);
  }
  sqlite3_free(zMsg);
  return rc;
}

int dfMetaSet(sqlite3 *db, const char *zDb, const char *zKey, const char *zValue){
  sqlite3_stmt *p = 0;
  int rc = prepareOwned(db, sqlite3_mprintf(
      "INSERT OR REPLACE INTO \"%w\".meta(key, value) VALUES(?1, ?2)", zDb), &p);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(p, 1, zKey, -1, SQLITE_STATIC);
    sqlite3_bind_text(p, 2, zValue, -1, SQLITE_STATIC);
    rc = sqlite3_step(p);
    rc = (rc==SQLITE_DONE) ? SQLITE_OK : sqlite3_errcode(db);
  }
  sqlite3_finalize(p);
  return rc;
}

char *dfMetaGet(sqlite3 *db, const char *zDb, const char *zKey){
  sqlite3_stmt *p = 0;
  char *zOut = 0;
  int rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT value FROM \"%w\".meta WHERE key=?1", zDb), &p);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(p, 1, zKey, -1, SQLITE_STATIC);
    if( sqlite3_step(p)==SQLITE_ROW ) zOut = colText(p, 0, &rc);
  }
  sqlite3_finalize(p);
  return zOut;
}

/* ---------------------------------------------------------------------------
** Fingerprints and checksum
*/

/* Feed one SQL value into the digest: tag, length, bytes. */
static void hashValue(EVP_MD_CTX *ctx, sqlite3_stmt *p, int i){
  unsigned char aHdr[5];
  int n = 0;
  const void *pData = 0;
  switch( sqlite3_column_type(p, i) ){
    case SQLITE_NULL:    aHdr[0] = 'N'; break;
    case SQLITE_INTEGER: aHdr[0] = 'I'; break;
    case SQLITE_FLOAT:   aHdr[0] = 'F'; break;
    case SQLITE_BLOB:    aHdr[0] = 'B'; break;
    default:             aHdr[0] = 'T'; break;
  }
  if( aHdr[0]!='N' ){
    if( aHdr[0]=='B' ){
      pData = sqlite3_column_blob(p, i);
    }else{
      pData = sqlite3_column_text(p, i);  /* numbers hashed as their text */
    }
    n = sqlite3_column_bytes(p, i);
  }
  aHdr[1] = (unsigned char)(n>>24); aHdr[2] = (unsigned char)(n>>16);
  aHdr[3] = (unsigned char)(n>>8);  aHdr[4] = (unsigned char)n;
  EVP_DigestUpdate(ctx, aHdr, 5);
  if( n>0 ) EVP_DigestUpdate(ctx, pData, (size_t)n);
}

/* Hash columns iFirst..nCol-1 of the current row, with a row marker. */
static void hashRow(EVP_MD_CTX *ctx, sqlite3_stmt *p, int iFirst, char cTag){
  int i, n = sqlite3_column_count(p);
  EVP_DigestUpdate(ctx, &cTag, 1);
  for(i=iFirst; i<n; i++) hashValue(ctx, p, i);
}

/* Finish ctx into 64 hex digits in zHex[65]. */
static void hashHex(EVP_MD_CTX *ctx, char *zHex){
  unsigned char aDigest[EVP_MAX_MD_SIZE];
  unsigned int nDigest = 0, i;
  static const char aHex[] = "0123456789abcdef";
  EVP_DigestFinal_ex(ctx, aDigest, &nDigest);
  for(i=0; i<nDigest && i<32; i++){
    zHex[i*2] = aHex[aDigest[i]>>4];
    zHex[i*2+1] = aHex[aDigest[i]&0xf];
  }
  zHex[i*2] = 0;
}

/*
** A cursor over one child catalog table (columns, constraints, ...) whose
** first two result columns are (schema, table_name), ordered by them.
*/
typedef struct ChildCursor ChildCursor;
struct ChildCursor {
  sqlite3_stmt *pStmt;    /* the ordered query */
  int bRow;               /* a row is current */
  char cTag;              /* row marker fed to the digest */
};

static int childStep(ChildCursor *c){
  int rc = sqlite3_step(c->pStmt);
  c->bRow = (rc==SQLITE_ROW);
  return (rc==SQLITE_ROW || rc==SQLITE_DONE) ? SQLITE_OK : rc;
}

/* Compare the cursor's (schema, table) with (zSchema, zName). */
static int childCmp(ChildCursor *c, const char *zSchema, const char *zName){
  int r = strcmp((const char*)sqlite3_column_text(c->pStmt, 0), zSchema);
  if( r==0 ) r = strcmp((const char*)sqlite3_column_text(c->pStmt, 1), zName);
  return r;
}

/* The canonical content of each catalog table, in the order it is hashed.
** First two columns are the owner key; the rest is hashed. */
static const struct {
  char cTag;              /* row marker */
  const char *zSql;       /* %w = schema of the snapshot */
} aChild[] = {
  { 'c', "SELECT schema, table_name, name, type_family, type_length,"
         " type_precision, type_scale, type_tz, type_array, type_unsigned,"
         " type_ref, not_null, default_expr, generated_expr, generated_kind,"
         " identity, collation, comment FROM \"%w\".columns"
         " ORDER BY schema, table_name, name" },
  { 'k', "SELECT schema, table_name, CASE WHEN generated_name THEN NULL"
         " ELSE name END, kind, columns, expression, ref_schema, ref_table,"
         " ref_columns, on_update, on_delete, match_type, is_deferrable,"
         " initially_deferred FROM \"%w\".constraints"
         " ORDER BY schema, table_name, kind, columns, expression, ref_table,"
         " ref_columns, generated_name, name" },
  { 'i', "SELECT schema, table_name, CASE WHEN generated_name THEN NULL"
         " ELSE name END, is_unique, method, keys, include, predicate,"
         " options, comment FROM \"%w\".indexes"
         " ORDER BY schema, table_name, keys, predicate, generated_name, name" },
  { 't', "SELECT schema, table_name, name, definition FROM \"%w\".triggers"
         " ORDER BY schema, table_name, name" },
};
#define N_CHILD ((int)(sizeof(aChild)/sizeof(aChild[0])))

/* Objects that are not tables: one fingerprint per row. */
static const struct {
  const char *zKind;      /* kind in the checksum */
  const char *zTable;     /* catalog table */
  const char *zCols;      /* hashed columns */
} aLeaf[] = {
  { "view", "views", "kind, definition, options, comment" },
  { "enum", "enums", "labels, comment" },
  { "sequence", "sequences",
    "data_type, start_value, increment, min_value, max_value, cycle, owned_by" },
};
#define N_LEAF ((int)(sizeof(aLeaf)/sizeof(aLeaf[0])))

int dfCatalogFinish(sqlite3 *db, const char *zDb, char **pzErr){
  int rc = SQLITE_OK;
  int i;
  ChildCursor aCur[N_CHILD];
  sqlite3_stmt *pTab = 0, *pUpd = 0, *pSum = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  char zHex[65];

  memset(aCur, 0, sizeof(aCur));
  if( ctx==0 ) return SQLITE_NOMEM;

  /* 1. Tables: the table row, then every owned row, merged by key. A
  ** MongoDB collection fingerprints as a table, so that a model and the
  ** database made from it have the same checksum. */
  rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT schema, name, CASE kind WHEN 'collection' THEN 'table' ELSE kind END,"
      " options, comment FROM \"%w\".tables"
      " ORDER BY schema, name", zDb), &pTab);
  for(i=0; rc==SQLITE_OK && i<N_CHILD; i++){
    aCur[i].cTag = aChild[i].cTag;
    rc = prepareOwned(db, sqlite3_mprintf(aChild[i].zSql, zDb), &aCur[i].pStmt);
    if( rc==SQLITE_OK ) rc = childStep(&aCur[i]);
  }
  if( rc==SQLITE_OK ){
    rc = prepareOwned(db, sqlite3_mprintf(
        "UPDATE \"%w\".tables SET fingerprint=?1 WHERE schema=?2 AND name=?3",
        zDb), &pUpd);
  }
  while( rc==SQLITE_OK && sqlite3_step(pTab)==SQLITE_ROW ){
    const char *zSchema = (const char*)sqlite3_column_text(pTab, 0);
    const char *zName = (const char*)sqlite3_column_text(pTab, 1);
    EVP_DigestInit_ex(ctx, EVP_sha256(), 0);
    hashRow(ctx, pTab, 2, 'T');
    for(i=0; rc==SQLITE_OK && i<N_CHILD; i++){
      ChildCursor *c = &aCur[i];
      /* Skip orphans (rows whose table is absent) that sort before. */
      while( rc==SQLITE_OK && c->bRow && childCmp(c, zSchema, zName)<0 ){
        rc = childStep(c);
      }
      while( rc==SQLITE_OK && c->bRow && childCmp(c, zSchema, zName)==0 ){
        hashRow(ctx, c->pStmt, 2, c->cTag);
        rc = childStep(c);
      }
    }
    hashHex(ctx, zHex);
    sqlite3_bind_text(pUpd, 1, zHex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(pUpd, 2, zSchema, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(pUpd, 3, zName, -1, SQLITE_TRANSIENT);
    if( sqlite3_step(pUpd)!=SQLITE_DONE ) rc = sqlite3_errcode(db);
    sqlite3_reset(pUpd);
  }
  sqlite3_finalize(pTab); pTab = 0;
  sqlite3_finalize(pUpd); pUpd = 0;
  for(i=0; i<N_CHILD; i++) sqlite3_finalize(aCur[i].pStmt);

  /* 2. Views, enums, sequences: one fingerprint per row. */
  for(i=0; rc==SQLITE_OK && i<N_LEAF; i++){
    rc = prepareOwned(db, sqlite3_mprintf(
        "SELECT schema, name, %s FROM \"%w\".\"%w\" ORDER BY schema, name",
        aLeaf[i].zCols, zDb, aLeaf[i].zTable), &pTab);
    if( rc==SQLITE_OK ){
      rc = prepareOwned(db, sqlite3_mprintf(
          "UPDATE \"%w\".\"%w\" SET fingerprint=?1 WHERE schema=?2 AND name=?3",
          zDb, aLeaf[i].zTable), &pUpd);
    }
    while( rc==SQLITE_OK && sqlite3_step(pTab)==SQLITE_ROW ){
      EVP_DigestInit_ex(ctx, EVP_sha256(), 0);
      hashRow(ctx, pTab, 2, aLeaf[i].zKind[0]);
      hashHex(ctx, zHex);
      sqlite3_bind_text(pUpd, 1, zHex, -1, SQLITE_TRANSIENT);
      sqlite3_bind_value(pUpd, 2, sqlite3_column_value(pTab, 0));
      sqlite3_bind_value(pUpd, 3, sqlite3_column_value(pTab, 1));
      if( sqlite3_step(pUpd)!=SQLITE_DONE ) rc = sqlite3_errcode(db);
      sqlite3_reset(pUpd);
    }
    sqlite3_finalize(pTab); pTab = 0;
    sqlite3_finalize(pUpd); pUpd = 0;
  }

  /* 3. The schema checksum over every object's fingerprint, sorted.
  ** DataFlow's own objects are excluded here (and never mirrored). */
  if( rc==SQLITE_OK ){
    rc = prepareOwned(db, sqlite3_mprintf(
        "SELECT kind, schema, name, fingerprint FROM ("
        " SELECT 'table' AS kind, schema, name, fingerprint FROM \"%w\".tables"
        " UNION ALL SELECT 'view', schema, name, fingerprint FROM \"%w\".views"
        " UNION ALL SELECT 'enum', schema, name, fingerprint FROM \"%w\".enums"
        " UNION ALL SELECT 'sequence', schema, name, fingerprint"
        "   FROM \"%w\".sequences)"
        " WHERE name NOT LIKE 'dataflow\\_%%' ESCAPE '\\'"
        " ORDER BY kind, schema, name", zDb, zDb, zDb, zDb), &pSum);
  }
  if( rc==SQLITE_OK ){
    EVP_DigestInit_ex(ctx, EVP_sha256(), 0);
    EVP_DigestUpdate(ctx, "dataflow-schema-v1", 18);
    while( sqlite3_step(pSum)==SQLITE_ROW ) hashRow(ctx, pSum, 0, 'O');
    rc = sqlite3_finalize(pSum); pSum = 0;
    hashHex(ctx, zHex);
    if( rc==SQLITE_OK ) rc = dfMetaSet(db, zDb, "checksum", zHex);
  }
  sqlite3_finalize(pSum);
  EVP_MD_CTX_free(ctx);
  if( rc!=SQLITE_OK ){
    setErr(pzErr, "cannot compute the snapshot checksum: %s", sqlite3_errmsg(db));
  }
  return rc;
}

/* ---------------------------------------------------------------------------
** Loading
*/

static int cmpKey(const char *zS1, const char *zN1, const char *zS2, const char *zN2){
  int r = strcmp(zS1, zS2);
  return r ? r : strcmp(zN1, zN2);
}

DfTable *dfCatalogFindTable(DfCatalog *p, const char *zSchema, const char *zName){
  int lo = 0, hi = p->nTable - 1, i;
  if( zSchema==0 ) zSchema = "";
  while( lo<=hi ){
    int mid = (lo+hi)/2;
    int r = cmpKey(p->aTable[mid].zSchema, p->aTable[mid].zName, zSchema, zName);
    if( r==0 ) return &p->aTable[mid];
    if( r<0 ) lo = mid+1; else hi = mid-1;
  }
  if( p->bCaseInsensitive ){
    for(i=0; i<p->nTable; i++){
      if( strcmp(p->aTable[i].zSchema, zSchema)==0
       && sqlite3_stricmp(p->aTable[i].zName, zName)==0 ) return &p->aTable[i];
    }
  }
  return 0;
}

DfView *dfCatalogFindView(DfCatalog *p, const char *zSchema, const char *zName){
  int lo = 0, hi = p->nView - 1, i;
  if( zSchema==0 ) zSchema = "";
  while( lo<=hi ){
    int mid = (lo+hi)/2;
    int r = cmpKey(p->aView[mid].zSchema, p->aView[mid].zName, zSchema, zName);
    if( r==0 ) return &p->aView[mid];
    if( r<0 ) lo = mid+1; else hi = mid-1;
  }
  if( p->bCaseInsensitive ){
    for(i=0; i<p->nView; i++){
      if( strcmp(p->aView[i].zSchema, zSchema)==0
       && sqlite3_stricmp(p->aView[i].zName, zName)==0 ) return &p->aView[i];
    }
  }
  return 0;
}

DfTable *dfCatalogFindTableRef(DfCatalog *p, const char *zRef){
  DfTable *pTab;
  const char *zDot;
  if( p==0 || zRef==0 ) return 0;
  pTab = dfCatalogFindTable(p, "", zRef);
  if( pTab==0 && (zDot = strchr(zRef, '.'))!=0 ){
    char *zSchema = sqlite3_mprintf("%.*s", (int)(zDot - zRef), zRef);
    if( zSchema ) pTab = dfCatalogFindTable(p, zSchema, zDot + 1);
    sqlite3_free(zSchema);
  }
  return pTab;
}

static DfTable *inheritedFrom(DfCatalog *p, const DfTable *t, const char *zCol,
                              int nDepth){
  DfJson *pOpt, *v;
  DfTable *pHit = 0;
  int k;
  if( t->zOptions==0 || nDepth>16 ) return 0;
  pOpt = dfJsonParse(t->zOptions, 0);
  v = pOpt ? dfJsonGet(pOpt, "inherits") : 0;
  for(k=0; pHit==0 && v && v->eType==DF_JSON_ARRAY && k<v->nChild; k++){
    DfTable *pPar;
    if( v->aChild[k].eType!=DF_JSON_STRING ) continue;
    pPar = dfCatalogFindTableRef(p, v->aChild[k].zText);
    if( pPar==0 ) continue;
    if( dfTableFindColumn(pPar, zCol, 0) ) pHit = pPar;
    else pHit = inheritedFrom(p, pPar, zCol, nDepth + 1);
  }
  dfJsonFree(pOpt);
  return pHit;
}

DfTable *dfCatalogInheritedFrom(DfCatalog *p, const DfTable *t, const char *zCol){
  return p ? inheritedFrom(p, t, zCol, 0) : 0;
}

DfColumn *dfTableFindColumn(DfTable *t, const char *zName, int bNoCase){
  int i;
  for(i=0; i<t->nCol; i++){
    if( strcmp(t->aCol[i].zName, zName)==0 ) return &t->aCol[i];
  }
  if( bNoCase ){
    for(i=0; i<t->nCol; i++){
      if( sqlite3_stricmp(t->aCol[i].zName, zName)==0 ) return &t->aCol[i];
    }
  }
  return 0;
}

/* Exact lookup used while loading (names as stored). */
static DfTable *ownerOf(DfCatalog *p, sqlite3_stmt *pStmt){
  const char *zS = (const char*)sqlite3_column_text(pStmt, 0);
  const char *zN = (const char*)sqlite3_column_text(pStmt, 1);
  int lo = 0, hi = p->nTable - 1;
  if( zS==0 || zN==0 ) return 0;
  while( lo<=hi ){
    int mid = (lo+hi)/2;
    int r = cmpKey(p->aTable[mid].zSchema, p->aTable[mid].zName, zS, zN);
    if( r==0 ) return &p->aTable[mid];
    if( r<0 ) lo = mid+1; else hi = mid-1;
  }
  return 0;
}

static void freeColumn(DfColumn *c){
  sqlite3_free(c->zName); sqlite3_free(c->zTypeNative); sqlite3_free(c->zFamily);
  sqlite3_free(c->zTypeRef); sqlite3_free(c->zDefault);
  sqlite3_free(c->zDefaultNative); sqlite3_free(c->zGenExpr);
  sqlite3_free(c->zGenKind); sqlite3_free(c->zIdentity);
  sqlite3_free(c->zCollation); sqlite3_free(c->zComment);
}
static void freeConstraint(DfConstraint *k){
  sqlite3_free(k->zName); sqlite3_free(k->zKind); sqlite3_free(k->zColumns);
  sqlite3_free(k->zExpr); sqlite3_free(k->zRefSchema); sqlite3_free(k->zRefTable);
  sqlite3_free(k->zRefColumns); sqlite3_free(k->zOnUpdate);
  sqlite3_free(k->zOnDelete); sqlite3_free(k->zMatch);
}
static void freeIndex(DfIndex *x){
  sqlite3_free(x->zName); sqlite3_free(x->zMethod); sqlite3_free(x->zKeys);
  sqlite3_free(x->zInclude); sqlite3_free(x->zPredicate);
  sqlite3_free(x->zOptions); sqlite3_free(x->zComment);
}

void dfCatalogFree(DfCatalog *p){
  int i, j;
  if( p==0 ) return;
  for(i=0; i<p->nTable; i++){
    DfTable *t = &p->aTable[i];
    sqlite3_free(t->zSchema); sqlite3_free(t->zName); sqlite3_free(t->zKind);
    sqlite3_free(t->zOptions); sqlite3_free(t->zComment);
    sqlite3_free(t->zFingerprint);
    for(j=0; j<t->nCol; j++) freeColumn(&t->aCol[j]);
    for(j=0; j<t->nCons; j++) freeConstraint(&t->aCons[j]);
    for(j=0; j<t->nIdx; j++) freeIndex(&t->aIdx[j]);
    for(j=0; j<t->nTrig; j++){
      sqlite3_free(t->aTrig[j].zName); sqlite3_free(t->aTrig[j].zDef);
    }
    sqlite3_free(t->aCol); sqlite3_free(t->aCons);
    sqlite3_free(t->aIdx); sqlite3_free(t->aTrig);
  }
  for(i=0; i<p->nView; i++){
    DfView *v = &p->aView[i];
    sqlite3_free(v->zSchema); sqlite3_free(v->zName); sqlite3_free(v->zKind);
    sqlite3_free(v->zDef); sqlite3_free(v->zDefNative);
    sqlite3_free(v->zDependsOn); sqlite3_free(v->zOptions);
    sqlite3_free(v->zComment); sqlite3_free(v->zFingerprint);
  }
  for(i=0; i<p->nEnum; i++){
    DfEnum *e = &p->aEnum[i];
    sqlite3_free(e->zSchema); sqlite3_free(e->zName); sqlite3_free(e->zLabels);
    sqlite3_free(e->zComment); sqlite3_free(e->zFingerprint);
  }
  for(i=0; i<p->nSeq; i++){
    DfSequence *s = &p->aSeq[i];
    sqlite3_free(s->zSchema); sqlite3_free(s->zName); sqlite3_free(s->zDataType);
    sqlite3_free(s->zOwnedBy); sqlite3_free(s->zFingerprint);
  }
  sqlite3_free(p->aTable); sqlite3_free(p->aView);
  sqlite3_free(p->aEnum); sqlite3_free(p->aSeq);
  sqlite3_free(p->zEngine); sqlite3_free(p->zServerVersion);
  sqlite3_free(p->zDefaultSchema); sqlite3_free(p->zChecksum);
  sqlite3_free(p);
}

/* Check that schema zDb of db holds a snapshot of a format we read. */
static int checkFormat(sqlite3 *db, const char *zDb, char **pzErr){
  sqlite3_stmt *p = 0;
  int rc, bMeta = 0;
  char *zVer;
  rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT 1 FROM \"%w\".sqlite_schema WHERE type='table' AND name='meta'",
      zDb), &p);
  if( rc!=SQLITE_OK ){
    setErr(pzErr, "%s", sqlite3_errmsg(db));
    return rc;
  }
  rc = sqlite3_step(p);
  bMeta = (rc==SQLITE_ROW);
  rc = (rc==SQLITE_ROW || rc==SQLITE_DONE) ? SQLITE_OK : sqlite3_errcode(db);
  sqlite3_finalize(p);
  if( rc!=SQLITE_OK ){
    setErr(pzErr, "%s", sqlite3_errmsg(db));
    return rc;
  }
  zVer = bMeta ? dfMetaGet(db, zDb, "format_version") : 0;
  if( zVer==0 ){
    setErr(pzErr, "not a DataFlow snapshot (no meta.format_version)");
    return SQLITE_ERROR;
  }
  if( atoi(zVer)!=DF_SNAPSHOT_FORMAT ){
    setErr(pzErr, "snapshot format %s is not supported (this DataFlow reads"
        " format %d); take the snapshot again with this version", zVer,
        DF_SNAPSHOT_FORMAT);
    sqlite3_free(zVer);
    return SQLITE_ERROR;
  }
  sqlite3_free(zVer);
  return SQLITE_OK;
}

/* qsort comparator: columns by position, then name. */
static int cmpColumnPos(const void *a, const void *b){
  const DfColumn *x = a, *y = b;
  if( x->iPos!=y->iPos ) return x->iPos < y->iPos ? -1 : 1;
  return strcmp(x->zName, y->zName);
}

/* Load the rows of each catalog table into pCat. */
static int loadAll(sqlite3 *db, const char *zDb, DfCatalog *pCat){
  int rc = SQLITE_OK;
  sqlite3_stmt *p = 0;

  /* Tables */
  rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT schema, name, kind, options, comment, fingerprint,"
      " (SELECT row_count FROM \"%w\".table_stats s"
      "   WHERE s.schema=t.schema AND s.table_name=t.name)"
      " FROM \"%w\".tables t ORDER BY schema, name", zDb, zDb), &p);
  while( rc==SQLITE_OK && sqlite3_step(p)==SQLITE_ROW ){
    DfTable *t = growOne((void**)&pCat->aTable, &pCat->nTable, sizeof(DfTable));
    if( t==0 ){ rc = SQLITE_NOMEM; break; }
    t->zSchema = colText(p, 0, &rc);
    t->zName = colText(p, 1, &rc);
    t->zKind = colText(p, 2, &rc);
    t->zOptions = colText(p, 3, &rc);
    t->zComment = colText(p, 4, &rc);
    t->zFingerprint = colText(p, 5, &rc);
    t->nRows = colInt64(p, 6, -1);
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(p); else sqlite3_finalize(p);
  p = 0;

  /* Columns, with their statistics */
  if( rc==SQLITE_OK ) rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT c.schema, c.table_name, c.name, position, type_native,"
      " type_family, type_length, type_precision, type_scale, type_tz,"
      " type_array, type_unsigned, type_ref, not_null, default_expr,"
      " default_native, generated_expr, generated_kind, identity, collation,"
      " comment, s.null_count, s.max_length, s.duplicate_count"
      " FROM \"%w\".columns c LEFT JOIN \"%w\".column_stats s"
      "   ON s.schema=c.schema AND s.table_name=c.table_name"
      "  AND s.column_name=c.name"
      " ORDER BY c.schema, c.table_name, c.name", zDb, zDb), &p);
  while( rc==SQLITE_OK && sqlite3_step(p)==SQLITE_ROW ){
    DfTable *t = ownerOf(pCat, p);
    DfColumn *c;
    if( t==0 ) continue;   /* orphan row: ignored, as by the checksum */
    c = growOne((void**)&t->aCol, &t->nCol, sizeof(DfColumn));
    if( c==0 ){ rc = SQLITE_NOMEM; break; }
    c->zName = colText(p, 2, &rc);
    c->iPos = colInt(p, 3, t->nCol);
    c->zTypeNative = colText(p, 4, &rc);
    c->zFamily = colText(p, 5, &rc);
    c->nLength = colInt(p, 6, -1);
    c->nPrecision = colInt(p, 7, -1);
    c->nScale = colInt(p, 8, -1);
    c->bTz = colInt(p, 9, 0);
    c->bArray = colInt(p, 10, 0);
    c->bUnsigned = colInt(p, 11, 0);
    c->zTypeRef = colText(p, 12, &rc);
    c->bNotNull = colInt(p, 13, 0);
    c->zDefault = colText(p, 14, &rc);
    c->zDefaultNative = colText(p, 15, &rc);
    c->zGenExpr = colText(p, 16, &rc);
    c->zGenKind = colText(p, 17, &rc);
    c->zIdentity = colText(p, 18, &rc);
    c->zCollation = colText(p, 19, &rc);
    c->zComment = colText(p, 20, &rc);
    c->nNulls = colInt64(p, 21, -1);
    c->nMaxLen = colInt64(p, 22, -1);
    c->nDup = colInt64(p, 23, -1);
    if( c->zFamily==0 && rc==SQLITE_OK ){
      c->zFamily = sqlite3_mprintf("other");
      if( c->zFamily==0 ) rc = SQLITE_NOMEM;
    }
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(p); else sqlite3_finalize(p);
  p = 0;
  /* The query above reads columns in primary-key order, which needs no
  ** sort of the whole catalog; each table's few columns are put in
  ** position order here. */
  if( rc==SQLITE_OK ){
    int i;
    for(i=0; i<pCat->nTable; i++){
      DfTable *t = &pCat->aTable[i];
      if( t->nCol>1 ) qsort(t->aCol, (size_t)t->nCol, sizeof(DfColumn), cmpColumnPos);
    }
  }

  /* Constraints */
  if( rc==SQLITE_OK ) rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT schema, table_name, name, kind, columns, expression, ref_schema,"
      " ref_table, ref_columns, on_update, on_delete, match_type, is_deferrable,"
      " initially_deferred, generated_name FROM \"%w\".constraints"
      " ORDER BY schema, table_name, name", zDb), &p);
  while( rc==SQLITE_OK && sqlite3_step(p)==SQLITE_ROW ){
    DfTable *t = ownerOf(pCat, p);
    DfConstraint *k;
    if( t==0 ) continue;
    k = growOne((void**)&t->aCons, &t->nCons, sizeof(DfConstraint));
    if( k==0 ){ rc = SQLITE_NOMEM; break; }
    k->zName = colText(p, 2, &rc);
    k->zKind = colText(p, 3, &rc);
    k->zColumns = colText(p, 4, &rc);
    k->zExpr = colText(p, 5, &rc);
    k->zRefSchema = colText(p, 6, &rc);
    k->zRefTable = colText(p, 7, &rc);
    k->zRefColumns = colText(p, 8, &rc);
    k->zOnUpdate = colText(p, 9, &rc);
    k->zOnDelete = colText(p, 10, &rc);
    k->zMatch = colText(p, 11, &rc);
    k->bDeferrable = colInt(p, 12, 0);
    k->bInitDeferred = colInt(p, 13, 0);
    k->bGenName = colInt(p, 14, 0);
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(p); else sqlite3_finalize(p);
  p = 0;

  /* Indexes */
  if( rc==SQLITE_OK ) rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT schema, table_name, name, is_unique, method, keys, include,"
      " predicate, options, comment, generated_name FROM \"%w\".indexes"
      " ORDER BY schema, table_name, name", zDb), &p);
  while( rc==SQLITE_OK && sqlite3_step(p)==SQLITE_ROW ){
    DfTable *t = ownerOf(pCat, p);
    DfIndex *x;
    if( t==0 ) continue;
    x = growOne((void**)&t->aIdx, &t->nIdx, sizeof(DfIndex));
    if( x==0 ){ rc = SQLITE_NOMEM; break; }
    x->zName = colText(p, 2, &rc);
    x->bUnique = colInt(p, 3, 0);
    x->zMethod = colText(p, 4, &rc);
    x->zKeys = colText(p, 5, &rc);
    x->zInclude = colText(p, 6, &rc);
    x->zPredicate = colText(p, 7, &rc);
    x->zOptions = colText(p, 8, &rc);
    x->zComment = colText(p, 9, &rc);
    x->bGenName = colInt(p, 10, 0);
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(p); else sqlite3_finalize(p);
  p = 0;

  /* Triggers */
  if( rc==SQLITE_OK ) rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT schema, table_name, name, definition FROM \"%w\".triggers"
      " ORDER BY schema, table_name, name", zDb), &p);
  while( rc==SQLITE_OK && sqlite3_step(p)==SQLITE_ROW ){
    DfTable *t = ownerOf(pCat, p);
    DfTrigger *g;
    if( t==0 ) continue;
    g = growOne((void**)&t->aTrig, &t->nTrig, sizeof(DfTrigger));
    if( g==0 ){ rc = SQLITE_NOMEM; break; }
    g->zName = colText(p, 2, &rc);
    g->zDef = colText(p, 3, &rc);
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(p); else sqlite3_finalize(p);
  p = 0;

  /* Views */
  if( rc==SQLITE_OK ) rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT schema, name, kind, definition, definition_native, depends_on,"
      " options, comment, fingerprint FROM \"%w\".views"
      " ORDER BY schema, name", zDb), &p);
  while( rc==SQLITE_OK && sqlite3_step(p)==SQLITE_ROW ){
    DfView *v = growOne((void**)&pCat->aView, &pCat->nView, sizeof(DfView));
    if( v==0 ){ rc = SQLITE_NOMEM; break; }
    v->zSchema = colText(p, 0, &rc);
    v->zName = colText(p, 1, &rc);
    v->zKind = colText(p, 2, &rc);
    v->zDef = colText(p, 3, &rc);
    v->zDefNative = colText(p, 4, &rc);
    v->zDependsOn = colText(p, 5, &rc);
    v->zOptions = colText(p, 6, &rc);
    v->zComment = colText(p, 7, &rc);
    v->zFingerprint = colText(p, 8, &rc);
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(p); else sqlite3_finalize(p);
  p = 0;

  /* Enums */
  if( rc==SQLITE_OK ) rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT schema, name, labels, comment, fingerprint FROM \"%w\".enums"
      " ORDER BY schema, name", zDb), &p);
  while( rc==SQLITE_OK && sqlite3_step(p)==SQLITE_ROW ){
    DfEnum *e = growOne((void**)&pCat->aEnum, &pCat->nEnum, sizeof(DfEnum));
    if( e==0 ){ rc = SQLITE_NOMEM; break; }
    e->zSchema = colText(p, 0, &rc);
    e->zName = colText(p, 1, &rc);
    e->zLabels = colText(p, 2, &rc);
    e->zComment = colText(p, 3, &rc);
    e->zFingerprint = colText(p, 4, &rc);
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(p); else sqlite3_finalize(p);
  p = 0;

  /* Sequences */
  if( rc==SQLITE_OK ) rc = prepareOwned(db, sqlite3_mprintf(
      "SELECT schema, name, data_type, start_value, increment, min_value,"
      " max_value, cycle, owned_by, fingerprint FROM \"%w\".sequences"
      " ORDER BY schema, name", zDb), &p);
  while( rc==SQLITE_OK && sqlite3_step(p)==SQLITE_ROW ){
    DfSequence *s = growOne((void**)&pCat->aSeq, &pCat->nSeq, sizeof(DfSequence));
    if( s==0 ){ rc = SQLITE_NOMEM; break; }
    s->zSchema = colText(p, 0, &rc);
    s->zName = colText(p, 1, &rc);
    s->zDataType = colText(p, 2, &rc);
    s->iStart = colInt64(p, 3, 1);
    s->iIncrement = colInt64(p, 4, 1);
    s->iMin = colInt64(p, 5, 0);
    s->iMax = colInt64(p, 6, 0);
    s->bCycle = colInt(p, 7, 0);
    s->zOwnedBy = colText(p, 8, &rc);
    s->zFingerprint = colText(p, 9, &rc);
  }
  if( rc==SQLITE_OK ) rc = sqlite3_finalize(p); else sqlite3_finalize(p);
  return rc;
}

int dfCatalogLoad(sqlite3 *db, const char *zDb, DfCatalog **ppCat, char **pzErr){
  DfCatalog *pCat = 0;
  int rc;
  *ppCat = 0;
  rc = checkFormat(db, zDb, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  pCat = sqlite3_malloc64(sizeof(*pCat));
  if( pCat==0 ) return SQLITE_NOMEM;
  memset(pCat, 0, sizeof(*pCat));
  pCat->zEngine = dfMetaGet(db, zDb, "engine");
  pCat->zServerVersion = dfMetaGet(db, zDb, "server_version");
  pCat->zDefaultSchema = dfMetaGet(db, zDb, "default_schema");
  pCat->zChecksum = dfMetaGet(db, zDb, "checksum");
  pCat->bCaseInsensitive = pCat->zEngine
     && (strcmp(pCat->zEngine, "sqlite")==0 || strcmp(pCat->zEngine, "model")==0);
  rc = loadAll(db, zDb, pCat);
  if( rc!=SQLITE_OK ){
    setErr(pzErr, "cannot read snapshot catalog: %s",
           rc==SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db));
    dfCatalogFree(pCat);
    return rc;
  }
  *ppCat = pCat;
  return SQLITE_OK;
}

/* True when zName is the name of a database attached to db. */
static int isAttached(sqlite3 *db, const char *zName){
  sqlite3_stmt *p = 0;
  int bFound = 0;
  if( sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_database_list WHERE name=?1",
                         -1, &p, 0)==SQLITE_OK ){
    sqlite3_bind_text(p, 1, zName, -1, SQLITE_STATIC);
    bFound = sqlite3_step(p)==SQLITE_ROW;
  }
  sqlite3_finalize(p);
  return bFound;
}

int dfCatalogOpen(sqlite3 *db, const char *zArg, const char *zWho,
                  DfCatalog **ppCat, char **pzErr){
  sqlite3 *pFile = 0;
  char *zMsg = 0;
  int rc;
  *ppCat = 0;
  if( zArg==0 || zArg[0]==0 ){
    setErr(pzErr, "%s: empty snapshot name", zWho);
    return SQLITE_ERROR;
  }
  if( db && isAttached(db, zArg) ){
    rc = dfCatalogLoad(db, zArg, ppCat, &zMsg);
  }else{
    rc = sqlite3_open_v2(zArg, &pFile, SQLITE_OPEN_READONLY, 0);
    if( rc!=SQLITE_OK ){
      zMsg = sqlite3_mprintf("%s", rc==SQLITE_CANTOPEN ?
          "no such file (nor an attached schema of that name)" :
          sqlite3_errmsg(pFile));
    }else{
      rc = dfCatalogLoad(pFile, "main", ppCat, &zMsg);
    }
    sqlite3_close(pFile);
  }
  if( rc!=SQLITE_OK ){
    setErr(pzErr, "%s: cannot open snapshot '%s': %s", zWho, zArg,
           zMsg ? zMsg : "out of memory");
  }
  sqlite3_free(zMsg);
  return rc;
}
