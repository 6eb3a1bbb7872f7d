/*
** mirror_mongo.c — `dataflow mirror mongodb://...`: a MongoDB database into
** a snapshot (catalog.h): collections with their options, $jsonSchema
** validators, indexes and views, and field shapes found by sampling.
**
** Usage:
**
**   dataflow mirror mongodb://127.0.0.1:27017/app -o app.snapshot
**   dataflow mirror mongodb://127.0.0.1:27017/app --sample 5000 -o app.snapshot
**   dataflow mirror mongodb://127.0.0.1:27017/app --sample 0 -o app.snapshot   (no sampling)
**
** HOW IT WORKS
**
** One listCollections (with options) gives every collection and view; then
** per collection one listIndexes, one count and, unless --sample 0, one
** aggregate [{$sample: {size: N}}] (default N = 1000). MongoDB has no bulk
** index catalog before 7.0 ($listCatalog), so the per-collection reads are
** the minimum. System collections and DataFlow's own (dataflow_*: lock,
** history, journal, quarantine) are left out.
**
** What is recorded how (doc/mongodb.md, "Mapping", is the user's version):
**  - a collection is a table of kind 'collection' in schema ''
**    (meta.default_schema is the database);
**  - its columns are the fields its $jsonSchema validator declares, the
**    inverse of sql_mongo.c's generator (sql_mongo.h): bsonType -> family
**    (dfTypeNormalise "mongodb"), "null" among the bsonTypes -> nullable,
**    required -> NOT NULL, string + maxLength n -> varchar(n), int with
**    bounds -32768..32767 -> smallint, string + enum -> enum (type_ref: the
**    labels), array + items -> an array of the items' family, a nested
**    object's properties -> columns "a.b", properties of array items ->
**    "a[].b", description -> comment, and a "title" that is a portable type
**    compatible with the bsonType ("REAL", "NUMERIC(10,2)", optionally
**    followed by " DEFAULT expr") -> that exact type and default;
**  - sampling is statistics: per field path ("a", "a.b", "tags[]" for the
**    elements of tags, "a[].b") column_stats records the BSON types seen
**    (types_seen {"int":12,"string":3}), in how many sampled documents the
**    path is present (present_count), the sample size, and null_count
**    (documents where it is missing or null). In a collection without a
**    validator, a top-level or nested-object field becomes a column too, nullable,
**    with the family of the type seen (int+long -> bigint, any number with
**    double -> double, with decimal -> numeric; other mixes -> family
**    other) and type_native "sampled <types>" (sql_mongo.h
**    DF_MONGO_SAMPLED: never put into a validator). _id is implicit in every
**    collection and is a column only when the validator declares it;
**  - the table's options (canonical JSON, keys sorted) hold what the
**    columns do not say: validationLevel / validationAction when not
**    strict / error, the validator itself when it is not exactly the one
**    sql_mongo.c would generate from the declared columns, and capped,
**    size, max, timeseries, expireAfterSeconds, collation (without the
**    fields at their ICU defaults and without version), clusteredIndex;
**    NULL when there is nothing;
**  - indexes: keys [{"column":"a"},{"column":"b","desc":1}]; method btree,
**    or text (keys from the weights), 2dsphere, 2d, hashed, wildcard ($**);
**    the partialFilterExpression as the predicate (JSON); unique; options
**    (sorted JSON): sparse, hidden, expireAfterSeconds, collation (when not
**    the collection's), weights (when not all 1), default_language and
**    language_override (when not english / language), wildcardProjection,
**    bits, min, max. A plain ascending unique index named <table>_pkey is a
**    PRIMARY KEY constraint, one named ..._key a UNIQUE constraint (the
**    names sql_mongo.c gives them); generated_name marks the names DataFlow
**    or MongoDB would choose (..._pkey, ..._a_b_key for columns a, b, also
**    after the collection was renamed; a_1_b_-1);
**  - a view: definition {"pipeline":[...],"viewOn":"x"}, depends_on ["x"].
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mongo.h"
#include "catalog.h"
#include "types.h"
#include "dfjson.h"
#include "sql_mongo.h"
#include "util.h"

/* ---------------------------------------------------------------------------
** Canonical JSON
*/

typedef struct Buf Buf;
struct Buf {
  char *z;                /* text, NUL-terminated (malloc'd; caller frees) */
  size_t n;               /* bytes used */
  size_t nAlloc;          /* bytes allocated */
};

static void bufAdd(Buf *b, const char *z, size_t n){
  if( b->n + n + 1 > b->nAlloc ){
    b->nAlloc = (b->n + n + 1) * 2 + 64;
    b->z = xrealloc(b->z, b->nAlloc);
  }
  memcpy(b->z + b->n, z, n);
  b->n += n;
  b->z[b->n] = 0;
}
static void bufStr(Buf *b, const char *z){ bufAdd(b, z, strlen(z)); }

static void bufJsonString(Buf *b, const char *z, size_t n){
  size_t i;
  bufAdd(b, "\"", 1);
  for(i=0; i<n; i++){
    unsigned char c = (unsigned char)z[i];
    char zEsc[8];
    if( c=='"' || c=='\\' ){ zEsc[0] = '\\'; zEsc[1] = (char)c; bufAdd(b, zEsc, 2); }
    else if( c=='\n' ) bufStr(b, "\\n");
    else if( c=='\t' ) bufStr(b, "\\t");
    else if( c=='\r' ) bufStr(b, "\\r");
    else if( c<0x20 ){ snprintf(zEsc, sizeof(zEsc), "\\u%04x", c); bufStr(b, zEsc); }
    else bufAdd(b, (const char*)&z[i], 1);
  }
  bufAdd(b, "\"", 1);
}

static void jsonValue(Buf *b, const bson_iter_t *pIt, int bSort);

typedef struct KeyIt KeyIt;
struct KeyIt {
  const char *zKey;       /* member name */
  bson_iter_t it;         /* iterator on its value */
};

static int keyCmp(const void *a, const void *b){
  return strcmp(((const KeyIt*)a)->zKey, ((const KeyIt*)b)->zKey);
}

/* A document (bArray 0) or array under pIt's children. */
static void jsonContainer(Buf *b, bson_iter_t *pChild, int bArray, int bSort){
  KeyIt *a = 0;
  int n = 0, i;
  while( bson_iter_next(pChild) ){
    a = xrealloc(a, sizeof(KeyIt) * (size_t)(n + 1));
    a[n].zKey = bson_iter_key(pChild);
    a[n].it = *pChild;
    n++;
  }
  if( bSort && !bArray && n>1 ) qsort(a, (size_t)n, sizeof(KeyIt), keyCmp);
  bufStr(b, bArray ? "[" : "{");
  for(i=0; i<n; i++){
    if( i ) bufStr(b, ",");
    if( !bArray ){
      bufJsonString(b, a[i].zKey, strlen(a[i].zKey));
      bufStr(b, ":");
    }
    jsonValue(b, &a[i].it, bSort);
  }
  bufStr(b, bArray ? "]" : "}");
  free(a);
}

static void jsonValue(Buf *b, const bson_iter_t *pIt, int bSort){
  char zBuf[128];
  bson_iter_t child;
  switch( bson_iter_type(pIt) ){
    case BSON_TYPE_DOUBLE: {
      double r = bson_iter_double(pIt);
      snprintf(zBuf, sizeof(zBuf), "%.15g", r);
      if( strtod(zBuf, 0)!=r ) snprintf(zBuf, sizeof(zBuf), "%.17g", r);
      if( !strpbrk(zBuf, ".eEni") ) strcat(zBuf, ".0");
      if( strpbrk(zBuf, "ni") ){
        snprintf(zBuf, sizeof(zBuf), "{\"$numberDouble\":\"%s\"}",
                 r!=r ? "NaN" : r>0 ? "Infinity" : "-Infinity");
      }
      bufStr(b, zBuf);
      break;
    }
    case BSON_TYPE_UTF8: {
      uint32_t n;
      const char *z = bson_iter_utf8(pIt, &n);
      bufJsonString(b, z, n);
      break;
    }
    case BSON_TYPE_DOCUMENT:
      bson_iter_recurse(pIt, &child);
      jsonContainer(b, &child, 0, bSort);
      break;
    case BSON_TYPE_ARRAY:
      bson_iter_recurse(pIt, &child);
      jsonContainer(b, &child, 1, bSort);
      break;
    case BSON_TYPE_BOOL: bufStr(b, bson_iter_bool(pIt) ? "true" : "false"); break;
    case BSON_TYPE_NULL: bufStr(b, "null"); break;
    case BSON_TYPE_INT32:
      snprintf(zBuf, sizeof(zBuf), "%d", bson_iter_int32(pIt));
      bufStr(b, zBuf);
      break;
    case BSON_TYPE_INT64:
      snprintf(zBuf, sizeof(zBuf), "{\"$numberLong\":\"%lld\"}",
               (long long)bson_iter_int64(pIt));
      bufStr(b, zBuf);
      break;
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t d;
      char zDec[BSON_DECIMAL128_STRING];
      bson_iter_decimal128(pIt, &d);
      bson_decimal128_to_string(&d, zDec);
      bufStr(b, "{\"$numberDecimal\":");
      bufJsonString(b, zDec, strlen(zDec));
      bufStr(b, "}");
      break;
    }
    case BSON_TYPE_OID: {
      char zOid[25];
      bson_oid_to_string(bson_iter_oid(pIt), zOid);
      bufStr(b, "{\"$oid\":\"");
      bufStr(b, zOid);
      bufStr(b, "\"}");
      break;
    }
    case BSON_TYPE_DATE_TIME:
      snprintf(zBuf, sizeof(zBuf), "{\"$date\":{\"$numberLong\":\"%lld\"}}",
               (long long)bson_iter_date_time(pIt));
      bufStr(b, zBuf);
      break;
    case BSON_TYPE_TIMESTAMP: {
      uint32_t t, i;
      bson_iter_timestamp(pIt, &t, &i);
      snprintf(zBuf, sizeof(zBuf), "{\"$timestamp\":{\"t\":%u,\"i\":%u}}", t, i);
      bufStr(b, zBuf);
      break;
    }
    case BSON_TYPE_REGEX: {
      const char *zOpt = 0;
      const char *zRe = bson_iter_regex(pIt, &zOpt);
      bufStr(b, "{\"$regularExpression\":{\"pattern\":");
      bufJsonString(b, zRe, strlen(zRe));
      bufStr(b, ",\"options\":");
      bufJsonString(b, zOpt ? zOpt : "", zOpt ? strlen(zOpt) : 0);
      bufStr(b, "}}");
      break;
    }
    case BSON_TYPE_MINKEY: bufStr(b, "{\"$minKey\":1}"); break;
    case BSON_TYPE_MAXKEY: bufStr(b, "{\"$maxKey\":1}"); break;
    default: {
      /* binary, code, symbol, dbpointer...: libbson's canonical form */
      bson_t tmp = BSON_INITIALIZER;
      char *z;
      size_t n;
      bson_append_iter(&tmp, "v", 1, pIt);
      z = bson_as_canonical_extended_json(&tmp, &n);
      /* z is { "v" : VALUE } */
      if( z && n>10 ){
        char *zStart = strchr(z, ':');
        bufAdd(b, zStart+2, strlen(zStart+2) - 2);
      }else{
        bufStr(b, "null");
      }
      bson_free(z);
      bson_destroy(&tmp);
      break;
    }
  }
}

char *mongoJson(const bson_t *pDoc, int bSort){
  Buf b = {0, 0, 0};
  bson_iter_t it;
  if( !bson_iter_init(&it, pDoc) ) return xstrdup("{}");
  jsonContainer(&b, &it, 0, bSort);
  return b.z;
}

char *mongoJsonValue(const bson_iter_t *pIter, int bSort){
  Buf b = {0, 0, 0};
  jsonValue(&b, pIter, bSort);
  return b.z;
}

/* ---------------------------------------------------------------------------
** Columns
*/

#define MG_MAX_DEPTH 8         /* nesting followed by sampling */

/* One BSON type seen at a path, with its count. */
typedef struct TypeCount TypeCount;
struct TypeCount {
  const char *zType;      /* $type alias (static) */
  long long n;            /* values seen */
};

/* One field path of one collection. */
typedef struct MCol MCol;
struct MCol {
  char *zName;            /* "a", "a.b", "tags[]", "a[].b" */
  int bDeclared;          /* the validator declares it */
  int bColumn;            /* becomes a column */
  int iOrder;             /* declaration / first-seen order */
  DfColumn c;             /* the column (zName borrowed from above) */
  /* sampling */
  int nType; TypeCount aType[24];   /* types seen, in first-seen order */
  long long nPresent;     /* sampled documents holding the path */
  long long nNull;        /* of which null */
  long long iLastDoc;     /* last document counted (per-document presence) */
};

typedef struct Coll Coll;
struct Coll {
  char *zName;            /* collection */
  int nCol; MCol *aCol;   /* paths */
  long long nSample;      /* documents sampled */
  char *zCollation;       /* the collection's collation JSON (for indexes) */
};

typedef struct Mir Mir;
struct Mir {
  mongoc_client_t *pClient;   /* source */
  const char *zDb;            /* database */
  sqlite3 *db;                /* snapshot */
  int nSample;                /* --sample */
  int rc;                     /* sticky 0/1 */
  char *zErr;                 /* first error */
};

static void mirFail(Mir *m, char *zMsg){
  if( m->rc==0 ){ m->rc = 1; m->zErr = zMsg; }else free(zMsg);
}

static MCol *colFind(Coll *t, const char *zName){
  int i;
  for(i=0; i<t->nCol; i++) if( strcmp(t->aCol[i].zName, zName)==0 ) return &t->aCol[i];
  return 0;
}

static MCol *colAdd(Coll *t, const char *zName){
  MCol *c = colFind(t, zName);
  if( c ) return c;
  t->aCol = xrealloc(t->aCol, sizeof(MCol) * (size_t)(t->nCol + 1));
  c = &t->aCol[t->nCol];
  memset(c, 0, sizeof(*c));
  c->zName = xstrdup(zName);
  c->iOrder = t->nCol;
  c->iLastDoc = -1;
  c->c.nLength = c->c.nPrecision = c->c.nScale = -1;
  c->c.nNulls = c->c.nMaxLen = c->c.nDup = -1;
  t->nCol++;
  return c;
}

static void collClear(Coll *t){
  int i;
  for(i=0; i<t->nCol; i++){
    MCol *c = &t->aCol[i];
    free(c->zName);
    free(c->c.zTypeNative);
    free(c->c.zTypeRef);
    free(c->c.zDefault);
    free(c->c.zComment);
  }
  free(t->aCol);
  free(t->zName);
  free(t->zCollation);
  memset(t, 0, sizeof(*t));
}

/* Set the column's normalised type from a BSON/$type name. */
static void setFamily(MCol *c, const char *zBson){
  DfType t;
  dfTypeNormalise("mongodb", zBson, &t);
  c->c.zFamily = (char*)t.zFamily;
  c->c.nLength = t.nLength;
  c->c.nPrecision = t.nPrecision;
  c->c.nScale = t.nScale;
  c->c.bTz = t.bTz;
  c->c.bArray = t.bArray;
  c->c.bUnsigned = t.bUnsigned;
}

/* ---------------------------------------------------------------------------
** Validator -> declared columns (the inverse of sql_mongo.c)
*/

/* The non-null bsonType names of a property schema, joined with '|'
** ("" when none); *pbNull when "null" is among them. OUT: free(). */
static char *schemaTypes(const bson_t *pSchema, int *pbNull){
  bson_iter_t it, a;
  Buf b = {0, 0, 0};
  *pbNull = 0;
  bufStr(&b, "");
  if( bson_iter_init_find(&it, pSchema, "bsonType") || bson_iter_init_find(&it, pSchema, "type") ){
    int bJson = strcmp(bson_iter_key(&it), "type")==0;
    if( BSON_ITER_HOLDS_UTF8(&it) ){
      const char *z = bson_iter_utf8(&it, 0);
      if( strcmp(z, "null")==0 ) *pbNull = 1;
      else bufStr(&b, bJson && strcmp(z, "boolean")==0 ? "bool" : z);
    }else if( BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &a) ){
      while( bson_iter_next(&a) ){
        const char *z;
        if( !BSON_ITER_HOLDS_UTF8(&a) ) continue;
        z = bson_iter_utf8(&a, 0);
        if( strcmp(z, "null")==0 ){ *pbNull = 1; continue; }
        if( b.n ) bufStr(&b, "|");
        bufStr(&b, bJson && strcmp(z, "boolean")==0 ? "bool" : z);
      }
    }
  }
  return b.z;
}

/* Sub-document zKey of a schema, or 0 (pOut initialised static). */
static int subDoc(const bson_t *p, const char *zKey, bson_t *pOut){
  bson_iter_t it;
  const uint8_t *a;
  uint32_t n;
  if( !bson_iter_init_find(&it, p, zKey) || !BSON_ITER_HOLDS_DOCUMENT(&it) ) return 0;
  bson_iter_document(&it, &n, &a);
  return bson_init_static(pOut, a, n);
}

static int hasNumber(const bson_t *p, const char *zKey, double *pr){
  bson_iter_t it;
  if( !bson_iter_init_find(&it, p, zKey) || !BSON_ITER_HOLDS_NUMBER(&it) ) return 0;
  *pr = bson_iter_as_double(&it);
  return 1;
}

static char *utf8Of(const bson_t *p, const char *zKey){
  bson_iter_t it;
  if( !bson_iter_init_find(&it, p, zKey) || !BSON_ITER_HOLDS_UTF8(&it) ) return 0;
  return xstrdup(bson_iter_utf8(&it, 0));
}

/* Scalar refinements of a property (or of array items) of bsonType zT:
** maxLength -> varchar(n), int bounds -> smallint, string enum -> enum. */
static void refineScalar(MCol *c, const bson_t *pSchema, const char *zT){
  double r1, r2;
  bson_iter_t it, a;
  if( strcmp(zT, "string")==0 && hasNumber(pSchema, "maxLength", &r1) && r1>0 ){
    c->c.zFamily = "varchar";
    c->c.nLength = (int)r1;
  }
  if( strcmp(zT, "int")==0 && hasNumber(pSchema, "minimum", &r1)
   && hasNumber(pSchema, "maximum", &r2) && r1==-32768 && r2==32767 ){
    c->c.zFamily = "smallint";
  }
  if( strcmp(zT, "string")==0 && bson_iter_init_find(&it, pSchema, "enum")
   && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &a) ){
    sqlite3_str *s = sqlite3_str_new(0);
    int n = 0;
    sqlite3_str_appendchar(s, 1, '[');
    while( bson_iter_next(&a) ){
      if( !BSON_ITER_HOLDS_UTF8(&a) ) continue;
      if( n++ ) sqlite3_str_appendchar(s, 1, ',');
      dfJsonAppendString(s, bson_iter_utf8(&a, 0));
    }
    sqlite3_str_appendchar(s, 1, ']');
    free(c->c.zTypeRef);
    c->c.zTypeRef = dfFromSqlite(sqlite3_str_finish(s));
    c->c.zFamily = "enum";
  }
}

/* A title "TYPE [DEFAULT expr]" compatible with bsonType zT (the element
** type for arrays): adopt that exact type and default. */
static void applyTitle(MCol *c, const char *zTitle, const char *zT, int bArray){
  const char *zDef = strstr(zTitle, " DEFAULT ");
  char *zType = zDef ? xasprintf("%.*s", (int)(zDef - zTitle), zTitle) : xstrdup(zTitle);
  DfType t;
  const char *zBson;
  if( dfTypeNormalise("model", zType, &t) && (t.bArray!=0)==(bArray!=0)
   && (zBson = dfMongoBsonType(t.zFamily))!=0 && strcmp(zBson, zT)==0 ){
    c->c.zFamily = (char*)t.zFamily;
    c->c.nLength = t.nLength;
    c->c.nPrecision = t.nPrecision;
    c->c.nScale = t.nScale;
    c->c.bTz = t.bTz;
    c->c.bArray = t.bArray;
    c->c.bUnsigned = t.bUnsigned;
    if( zDef ){
      free(c->c.zDefault);
      c->c.zDefault = xstrdup(zDef + 9);
    }
  }
  free(zType);
}

static void declareProperties(Mir *m, Coll *t, const bson_t *pObj, const char *zPrefix,
                              int nDepth);

/* One declared property at path zPath with schema pSchema. */
static void declareProperty(Mir *m, Coll *t, const char *zPath, const bson_t *pSchema,
                            int bRequired, int nDepth){
  MCol *c = colAdd(t, zPath);
  int bNull = 0;
  char *zTypes = schemaTypes(pSchema, &bNull);
  char *zTitle = utf8Of(pSchema, "title");
  bson_t items, props;
  c->bDeclared = 1;
  c->bColumn = 1;
  c->c.bNotNull = bRequired;
  free(c->c.zTypeNative);
  c->c.zTypeNative = xasprintf("%s%s%s", zTypes[0] ? zTypes : "any",
                               bNull ? "|" : "", bNull ? "null" : "");
  free(c->c.zComment);
  c->c.zComment = utf8Of(pSchema, "description");
  if( zTypes[0]==0 ){
    c->c.zFamily = "other";
  }else if( strchr(zTypes, '|') ){
    c->c.zFamily = "other";
  }else if( strcmp(zTypes, "array")==0 ){
    c->c.zFamily = "array";
    if( subDoc(pSchema, "items", &items) ){
      int bNull2 = 0;
      char *zItem = schemaTypes(&items, &bNull2);
      if( subDoc(&items, "properties", &props) && nDepth<MG_MAX_DEPTH ){
        char *zSub = xasprintf("%s[]", zPath);
        declareProperties(m, t, &items, zSub, nDepth+1);
        free(zSub);
      }else if( zItem[0] && !strchr(zItem, '|') && strcmp(zItem, "array")
             && strcmp(zItem, "object") ){
        setFamily(c, zItem);
        c->c.bArray = 1;
        refineScalar(c, &items, zItem);
        if( zTitle ) applyTitle(c, zTitle, zItem, 1);
      }
      free(zItem);
    }
  }else{
    setFamily(c, zTypes);
    if( strcmp(zTypes, "object")==0 ){
      if( nDepth<MG_MAX_DEPTH ) declareProperties(m, t, pSchema, zPath, nDepth+1);
    }else{
      refineScalar(c, pSchema, zTypes);
    }
    if( zTitle ) applyTitle(c, zTitle, zTypes, 0);
  }
  free(zTitle);
  free(zTypes);
}

/* The properties (and required list) of an object schema under zPrefix
** ("" top level, "a" object a, "a[]" items of a). */
static void declareProperties(Mir *m, Coll *t, const bson_t *pObj, const char *zPrefix,
                              int nDepth){
  bson_t props;
  bson_iter_t it, req;
  if( !subDoc(pObj, "properties", &props) ) return;
  bson_iter_init(&it, &props);
  while( bson_iter_next(&it) ){
    const char *zKey = bson_iter_key(&it);
    int bRequired = 0;
    char *zPath;
    bson_t sub;
    const uint8_t *a;
    uint32_t n;
    if( !BSON_ITER_HOLDS_DOCUMENT(&it) ) continue;
    if( bson_iter_init_find(&req, pObj, "required") && BSON_ITER_HOLDS_ARRAY(&req) ){
      bson_iter_t r;
      bson_iter_recurse(&req, &r);
      while( bson_iter_next(&r) ){
        if( BSON_ITER_HOLDS_UTF8(&r) && strcmp(bson_iter_utf8(&r, 0), zKey)==0 ) bRequired = 1;
      }
    }
    bson_iter_document(&it, &n, &a);
    bson_init_static(&sub, a, n);
    zPath = zPrefix[0] ? xasprintf("%s.%s", zPrefix, zKey) : xstrdup(zKey);
    declareProperty(m, t, zPath, &sub, bRequired, nDepth);
    free(zPath);
  }
}

/* ---------------------------------------------------------------------------
** Sampling
*/

static const char *bsonTypeName(bson_type_t e){
  switch( e ){
    case BSON_TYPE_DOUBLE: return "double";
    case BSON_TYPE_UTF8: return "string";
    case BSON_TYPE_DOCUMENT: return "object";
    case BSON_TYPE_ARRAY: return "array";
    case BSON_TYPE_BINARY: return "binData";
    case BSON_TYPE_UNDEFINED: return "undefined";
    case BSON_TYPE_OID: return "objectId";
    case BSON_TYPE_BOOL: return "bool";
    case BSON_TYPE_DATE_TIME: return "date";
    case BSON_TYPE_NULL: return "null";
    case BSON_TYPE_REGEX: return "regex";
    case BSON_TYPE_DBPOINTER: return "dbPointer";
    case BSON_TYPE_CODE: return "javascript";
    case BSON_TYPE_SYMBOL: return "symbol";
    case BSON_TYPE_CODEWSCOPE: return "javascriptWithScope";
    case BSON_TYPE_INT32: return "int";
    case BSON_TYPE_TIMESTAMP: return "timestamp";
    case BSON_TYPE_INT64: return "long";
    case BSON_TYPE_DECIMAL128: return "decimal";
    case BSON_TYPE_MINKEY: return "minKey";
    case BSON_TYPE_MAXKEY: return "maxKey";
    default: return "other";
  }
}

static void sampleValue(Coll *t, const char *zPath, const bson_iter_t *pIt,
                        long long iDoc, int bInArray, int nDepth);

/* Fields of a sampled (sub)document under zPrefix. */
static void sampleDoc(Coll *t, bson_iter_t *pChild, const char *zPrefix, long long iDoc,
                      int bInArray, int nDepth){
  while( bson_iter_next(pChild) ){
    const char *zKey = bson_iter_key(pChild);
    char *zPath;
    if( zPrefix[0]==0 && strcmp(zKey, "_id")==0 ) continue;   /* implicit */
    zPath = zPrefix[0] ? xasprintf("%s.%s", zPrefix, zKey) : xstrdup(zKey);
    sampleValue(t, zPath, pChild, iDoc, bInArray, nDepth);
    free(zPath);
  }
}

static void sampleValue(Coll *t, const char *zPath, const bson_iter_t *pIt,
                        long long iDoc, int bInArray, int nDepth){
  MCol *c = colAdd(t, zPath);
  const char *zT = bsonTypeName(bson_iter_type(pIt));
  int i;
  bson_iter_t child;
  if( c->iLastDoc!=iDoc ){
    c->iLastDoc = iDoc;
    c->nPresent++;
    if( BSON_ITER_HOLDS_NULL(pIt) ) c->nNull++;
  }
  for(i=0; i<c->nType && strcmp(c->aType[i].zType, zT); i++){}
  if( i==c->nType && c->nType<24 ){
    c->aType[i].zType = zT;
    c->aType[i].n = 0;
    c->nType++;
  }
  if( i<c->nType ) c->aType[i].n++;
  /* a new undeclared path outside arrays is a column (HOW IT WORKS) */
  if( !bInArray && !c->bDeclared ) c->bColumn = 1;
  if( nDepth>=MG_MAX_DEPTH ) return;
  if( BSON_ITER_HOLDS_DOCUMENT(pIt) && bson_iter_recurse(pIt, &child) ){
    sampleDoc(t, &child, zPath, iDoc, bInArray, nDepth+1);
  }else if( BSON_ITER_HOLDS_ARRAY(pIt) && bson_iter_recurse(pIt, &child) ){
    char *zElem = xasprintf("%s[]", zPath);
    while( bson_iter_next(&child) ){
      MCol *e = colAdd(t, zElem);
      bson_iter_t sub;
      const char *zE = bsonTypeName(bson_iter_type(&child));
      if( e->iLastDoc!=iDoc ){ e->iLastDoc = iDoc; e->nPresent++; }
      for(i=0; i<e->nType && strcmp(e->aType[i].zType, zE); i++){}
      if( i==e->nType && e->nType<24 ){ e->aType[i].zType = zE; e->aType[i].n = 0; e->nType++; }
      if( i<e->nType ) e->aType[i].n++;
      if( BSON_ITER_HOLDS_DOCUMENT(&child) && bson_iter_recurse(&child, &sub) ){
        sampleDoc(t, &sub, zElem, iDoc, 1, nDepth+1);
      }
    }
    free(zElem);
  }
}

/* The family of a sampled-only column from the types seen. */
static void sampledType(MCol *c){
  int i, n = 0, bInt = 0, bLong = 0, bDouble = 0, bDec = 0;
  const char *zOne = 0;
  Buf b = {0, 0, 0};
  /* types by name: the same sample gives the same spelling */
  for(i=1; i<c->nType; i++){
    int k;
    for(k=i; k>0 && strcmp(c->aType[k-1].zType, c->aType[k].zType)>0; k--){
      TypeCount x = c->aType[k]; c->aType[k] = c->aType[k-1]; c->aType[k-1] = x;
    }
  }
  bufStr(&b, DF_MONGO_SAMPLED);
  for(i=0; i<c->nType; i++){
    const char *z = c->aType[i].zType;
    if( strcmp(z, "null")==0 ) continue;
    if( n ) bufStr(&b, "|");
    bufStr(&b, z);
    n++;
    zOne = z;
    if( strcmp(z, "int")==0 ) bInt = 1;
    else if( strcmp(z, "long")==0 ) bLong = 1;
    else if( strcmp(z, "double")==0 ) bDouble = 1;
    else if( strcmp(z, "decimal")==0 ) bDec = 1;
  }
  if( n==0 ) bufStr(&b, "null");
  free(c->c.zTypeNative);
  c->c.zTypeNative = b.z;
  if( n==1 ){
    setFamily(c, zOne);
  }else if( n>1 && n==bInt+bLong+bDouble+bDec ){
    setFamily(c, bDec ? "decimal" : bDouble ? "double" : "long");
  }else{
    c->c.zFamily = "other";
  }
  c->c.bNotNull = 0;
}

/* ---------------------------------------------------------------------------
** Writing the snapshot
*/

static int colOrderCmp(const void *a, const void *b){
  const MCol *x = *(const MCol* const*)a, *y = *(const MCol* const*)b;
  if( x->bDeclared!=y->bDeclared ) return x->bDeclared ? -1 : 1;
  if( x->bDeclared ) return x->iOrder - y->iOrder;   /* validator order */
  return strcmp(x->zName, y->zName);     /* sampled: by name ($sample is random) */
}

/* Is the validator exactly what sql_mongo.c generates from the declared
** columns? (Then the columns say it all and options leave it out.) */
static int validatorDerivable(Coll *t, MCol **ap, int n, const bson_t *pValidator){
  DfTable tab;
  DfColumn *aCol;
  int i, k = 0, rc = 0, bSame = 0;
  char *zGen, *zErr = 0;
  memset(&tab, 0, sizeof(tab));
  aCol = xcalloc((size_t)n + 1, sizeof(DfColumn));
  for(i=0; i<n; i++){
    if( !ap[i]->bDeclared ) continue;
    aCol[k] = ap[i]->c;
    aCol[k].zName = ap[i]->zName;
    aCol[k].iPos = k+1;
    k++;
  }
  tab.zSchema = "";
  tab.zName = t->zName;
  tab.zKind = "collection";
  tab.nCol = k;
  tab.aCol = aCol;
  zGen = dfMongoValidatorJson(&tab, &rc, &zErr);
  if( zGen && rc==0 ){
    bson_t gen;
    bson_error_t err;
    if( bson_init_from_json(&gen, zGen, -1, &err) ){
      char *zA = mongoJson(&gen, 1), *zB = mongoJson(pValidator, 1);
      bSame = strcmp(zA, zB)==0;
      free(zA);
      free(zB);
      bson_destroy(&gen);
    }
  }
  sqlite3_free(zGen);
  sqlite3_free(zErr);
  free(aCol);
  return bSame;
}

/* Collation without the fields at their ICU defaults, nor version. */
static void normaliseCollation(const bson_iter_t *pIt, bson_t *pOut){
  static const struct { const char *zKey; const char *zDefault; } a[] = {
    { "caseLevel", "false" }, { "caseFirst", "\"off\"" }, { "strength", "3" },
    { "numericOrdering", "false" }, { "alternate", "\"non-ignorable\"" },
    { "maxVariable", "\"punct\"" }, { "normalization", "false" },
    { "backwards", "false" }, { "version", 0 },
  };
  bson_iter_t c;
  bson_init(pOut);
  if( !BSON_ITER_HOLDS_DOCUMENT(pIt) || !bson_iter_recurse(pIt, &c) ) return;
  while( bson_iter_next(&c) ){
    const char *zKey = bson_iter_key(&c);
    size_t i;
    int bDrop = 0;
    for(i=0; i<sizeof(a)/sizeof(a[0]); i++){
      if( strcmp(a[i].zKey, zKey)==0 ){
        char *zV = mongoJsonValue(&c, 1);
        bDrop = a[i].zDefault==0 || strcmp(zV, a[i].zDefault)==0;
        free(zV);
        break;
      }
    }
    if( !bDrop ) bson_append_iter(pOut, zKey, -1, &c);
  }
}

/* Write one collection: table, columns, stats. pOpts: listCollections
** options; pValidator: its validator (may be NULL). */
static void writeCollection(Mir *m, Coll *t, const bson_t *pOpts, long long nCount){
  bson_t opts = BSON_INITIALIZER, validator;
  bson_iter_t it;
  MCol **ap;
  int i, n = 0, bHasValidator = subDoc(pOpts, "validator", &validator);
  sqlite3_stmt *pStmt = 0;
  char *zOptions = 0;

  /* declared columns first, in validator order; sampled ones after. A
  ** collection with a validator has the columns it declares and no others:
  ** the validator is the authority, what sampling finds beyond it is
  ** statistics only (column_stats). */
  for(i=0; i<t->nCol; i++){
    MCol *c = &t->aCol[i];
    if( !c->bDeclared && bHasValidator && !bson_empty(&validator) ) c->bColumn = 0;
    if( !c->bDeclared && c->bColumn ) sampledType(c);
  }
  ap = xmalloc(sizeof(MCol*) * (size_t)(t->nCol + 1));
  for(i=0; i<t->nCol; i++) if( t->aCol[i].bColumn ) ap[n++] = &t->aCol[i];
  qsort(ap, (size_t)n, sizeof(MCol*), colOrderCmp);

  /* options: what the columns do not say */
  if( bson_iter_init(&it, pOpts) ){
    while( bson_iter_next(&it) ){
      const char *zKey = bson_iter_key(&it);
      if( strcmp(zKey, "validator")==0 ){
        if( bHasValidator && !bson_empty(&validator)
         && !validatorDerivable(t, ap, n, &validator) ){
          bson_append_iter(&opts, zKey, -1, &it);
        }
      }else if( strcmp(zKey, "validationLevel")==0 ){
        if( !BSON_ITER_HOLDS_UTF8(&it) || strcmp(bson_iter_utf8(&it, 0), "strict") ){
          bson_append_iter(&opts, zKey, -1, &it);
        }
      }else if( strcmp(zKey, "validationAction")==0 ){
        if( !BSON_ITER_HOLDS_UTF8(&it) || strcmp(bson_iter_utf8(&it, 0), "error") ){
          bson_append_iter(&opts, zKey, -1, &it);
        }
      }else if( strcmp(zKey, "collation")==0 ){
        bson_t coll;
        normaliseCollation(&it, &coll);
        BSON_APPEND_DOCUMENT(&opts, zKey, &coll);
        t->zCollation = mongoJson(&coll, 1);
        bson_destroy(&coll);
      }else if( strcmp(zKey, "clusteredIndex")==0 && BSON_ITER_HOLDS_DOCUMENT(&it) ){
        bson_iter_t ci;
        bson_t out;
        BSON_APPEND_DOCUMENT_BEGIN(&opts, zKey, &out);
        bson_iter_recurse(&it, &ci);
        while( bson_iter_next(&ci) ){
          const char *zK = bson_iter_key(&ci);
          if( strcmp(zK, "v")==0 ) continue;
          if( strcmp(zK, "name")==0 && BSON_ITER_HOLDS_UTF8(&ci)
           && strcmp(bson_iter_utf8(&ci, 0), "_id_")==0 ) continue;
          bson_append_iter(&out, zK, -1, &ci);
        }
        bson_append_document_end(&opts, &out);
      }else if( strcmp(zKey, "capped")==0 || strcmp(zKey, "size")==0
             || strcmp(zKey, "max")==0 || strcmp(zKey, "timeseries")==0
             || strcmp(zKey, "expireAfterSeconds")==0 ){
        bson_append_iter(&opts, zKey, -1, &it);
      }
    }
  }
  if( !bson_empty(&opts) ) zOptions = mongoJson(&opts, 1);
  bson_destroy(&opts);

  sqlite3_prepare_v2(m->db, "INSERT INTO main.tables(schema, name, kind, options)"
                     " VALUES('', ?1, 'collection', ?2)", -1, &pStmt, 0);
  sqlite3_bind_text(pStmt, 1, t->zName, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zOptions, -1, SQLITE_STATIC);
  if( sqlite3_step(pStmt)!=SQLITE_DONE ){
    mirFail(m, xasprintf("cannot write the snapshot: %s", sqlite3_errmsg(m->db)));
  }
  sqlite3_finalize(pStmt);
  free(zOptions);

  sqlite3_prepare_v2(m->db,
      "INSERT INTO main.columns(schema, table_name, name, position, type_native,"
      " type_family, type_length, type_precision, type_scale, type_tz, type_array,"
      " type_unsigned, type_ref, not_null, default_expr, default_native, comment)"
      " VALUES('', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15)",
      -1, &pStmt, 0);
  for(i=0; i<n && m->rc==0; i++){
    DfColumn *c = &ap[i]->c;
    sqlite3_reset(pStmt);
    sqlite3_bind_text(pStmt, 1, t->zName, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 2, ap[i]->zName, -1, SQLITE_STATIC);
    sqlite3_bind_int(pStmt, 3, i+1);
    sqlite3_bind_text(pStmt, 4, c->zTypeNative, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 5, c->zFamily ? c->zFamily : "other", -1, SQLITE_STATIC);
    if( c->nLength>=0 ) sqlite3_bind_int(pStmt, 6, c->nLength); else sqlite3_bind_null(pStmt, 6);
    if( c->nPrecision>=0 ) sqlite3_bind_int(pStmt, 7, c->nPrecision); else sqlite3_bind_null(pStmt, 7);
    if( c->nScale>=0 ) sqlite3_bind_int(pStmt, 8, c->nScale); else sqlite3_bind_null(pStmt, 8);
    sqlite3_bind_int(pStmt, 9, c->bTz);
    sqlite3_bind_int(pStmt, 10, c->bArray);
    sqlite3_bind_int(pStmt, 11, c->bUnsigned);
    sqlite3_bind_text(pStmt, 12, c->zTypeRef, -1, SQLITE_STATIC);
    sqlite3_bind_int(pStmt, 13, c->bNotNull);
    sqlite3_bind_text(pStmt, 14, c->zDefault, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 15, c->zComment, -1, SQLITE_STATIC);
    if( sqlite3_step(pStmt)!=SQLITE_DONE ){
      mirFail(m, xasprintf("cannot write the snapshot: %s (column %s.%s)",
                           sqlite3_errmsg(m->db), t->zName, ap[i]->zName));
    }
  }
  sqlite3_finalize(pStmt);
  free(ap);

  /* statistics (volatile: not in checksums) */
  sqlite3_prepare_v2(m->db, "INSERT INTO main.table_stats(schema, table_name, row_count)"
                     " VALUES('', ?1, ?2)", -1, &pStmt, 0);
  sqlite3_bind_text(pStmt, 1, t->zName, -1, SQLITE_STATIC);
  if( nCount>=0 ) sqlite3_bind_int64(pStmt, 2, nCount); else sqlite3_bind_null(pStmt, 2);
  sqlite3_step(pStmt);
  sqlite3_finalize(pStmt);
  if( t->nSample>0 ){
    sqlite3_prepare_v2(m->db,
        "INSERT INTO main.column_stats(schema, table_name, column_name, null_count,"
        " types_seen, present_count, sample_size) VALUES('', ?1, ?2, ?3, ?4, ?5, ?6)",
        -1, &pStmt, 0);
    for(i=0; i<t->nCol && m->rc==0; i++){
      MCol *c = &t->aCol[i];
      sqlite3_str *s;
      char *zTypes;
      int j, k;
      if( c->nPresent==0 ) continue;
      /* types_seen: sorted by name */
      for(j=1; j<c->nType; j++){
        for(k=j; k>0 && strcmp(c->aType[k-1].zType, c->aType[k].zType)>0; k--){
          TypeCount x = c->aType[k]; c->aType[k] = c->aType[k-1]; c->aType[k-1] = x;
        }
      }
      s = sqlite3_str_new(0);
      sqlite3_str_appendchar(s, 1, '{');
      for(j=0; j<c->nType; j++){
        sqlite3_str_appendf(s, "%s\"%s\":%lld", j ? "," : "", c->aType[j].zType,
                            c->aType[j].n);
      }
      sqlite3_str_appendchar(s, 1, '}');
      zTypes = sqlite3_str_finish(s);
      sqlite3_reset(pStmt);
      sqlite3_bind_text(pStmt, 1, t->zName, -1, SQLITE_STATIC);
      sqlite3_bind_text(pStmt, 2, c->zName, -1, SQLITE_STATIC);
      sqlite3_bind_int64(pStmt, 3, strstr(c->zName, "[]") ? c->nNull
                                   : t->nSample - c->nPresent + c->nNull);
      sqlite3_bind_text(pStmt, 4, zTypes, -1, sqlite3_free);
      sqlite3_bind_int64(pStmt, 5, c->nPresent);
      sqlite3_bind_int64(pStmt, 6, t->nSample);
      if( sqlite3_step(pStmt)!=SQLITE_DONE ){
        mirFail(m, xasprintf("cannot write the snapshot: %s", sqlite3_errmsg(m->db)));
      }
    }
    sqlite3_finalize(pStmt);
  }
}

/* ---------------------------------------------------------------------------
** Indexes
*/

/* The name MongoDB gives an index by default: a_1_b_-1, t_text. */
static char *defaultIndexName(const bson_t *pKey){
  bson_iter_t it;
  Buf b = {0, 0, 0};
  bufStr(&b, "");
  bson_iter_init(&it, pKey);
  while( bson_iter_next(&it) ){
    char *zV;
    if( b.n ) bufStr(&b, "_");
    bufStr(&b, bson_iter_key(&it));
    bufStr(&b, "_");
    if( BSON_ITER_HOLDS_UTF8(&it) ) zV = xstrdup(bson_iter_utf8(&it, 0));
    else zV = xasprintf("%lld", (long long)bson_iter_as_int64(&it));
    bufStr(&b, zV);
    free(zV);
  }
  return b.z;
}

static void writeIndex(Mir *m, Coll *t, const bson_t *pIdx){
  bson_iter_t it;
  bson_t key, weights, opts = BSON_INITIALIZER;
  const char *zName = 0, *zMethod = "btree";
  int bUnique = 0, bHasWeights, bAllAsc = 1, nKey = 0, bText = 0;
  char *zPredicate = 0, *zOptions = 0, *zKeys, *zCols, *zDefName;
  sqlite3_str *pKeys = sqlite3_str_new(0), *pCols = sqlite3_str_new(0);
  sqlite3_stmt *pStmt = 0;

  if( bson_iter_init_find(&it, pIdx, "clustered") ) return;   /* an option */
  if( bson_iter_init_find(&it, pIdx, "name") && BSON_ITER_HOLDS_UTF8(&it) ){
    zName = bson_iter_utf8(&it, 0);
  }
  if( zName==0 || strcmp(zName, "_id_")==0 || !subDoc(pIdx, "key", &key) ){
    sqlite3_free(sqlite3_str_finish(pKeys));
    sqlite3_free(sqlite3_str_finish(pCols));
    return;
  }
  bHasWeights = subDoc(pIdx, "weights", &weights);
  sqlite3_str_appendchar(pKeys, 1, '[');
  sqlite3_str_appendchar(pCols, 1, '[');
  bson_iter_init(&it, &key);
  while( bson_iter_next(&it) ){
    const char *zKey = bson_iter_key(&it);
    if( strcmp(zKey, "_fts")==0 || strcmp(zKey, "_ftsx")==0 ){
      /* text index: its fields are the weights' keys */
      bson_iter_t w;
      if( bText || !bHasWeights ) continue;
      bText = 1;
      zMethod = "text";
      bAllAsc = 0;
      bson_iter_init(&w, &weights);
      while( bson_iter_next(&w) ){
        sqlite3_str_appendf(pKeys, "%s{\"column\":", nKey++ ? "," : "");
        dfJsonAppendString(pKeys, bson_iter_key(&w));
        sqlite3_str_appendall(pKeys, ",\"kind\":\"text\"}");
      }
      continue;
    }
    sqlite3_str_appendf(pKeys, "%s{\"column\":", nKey ? "," : "");
    dfJsonAppendString(pKeys, zKey);
    if( nKey ) sqlite3_str_appendchar(pCols, 1, ',');
    dfJsonAppendString(pCols, zKey);
    nKey++;
    if( BSON_ITER_HOLDS_UTF8(&it) ){
      const char *zKind = bson_iter_utf8(&it, 0);
      sqlite3_str_appendall(pKeys, ",\"kind\":");
      dfJsonAppendString(pKeys, zKind);
      if( strcmp(zMethod, "btree")==0 ) zMethod = strcmp(zKind, "text")==0 ? "text" : zKind;
      bAllAsc = 0;
    }else if( bson_iter_as_int64(&it)<0 || bson_iter_as_double(&it)<0 ){
      sqlite3_str_appendall(pKeys, ",\"desc\":1");
      bAllAsc = 0;
    }
    if( strcmp(zKey, "$**")==0 || (strlen(zKey)>4 && strcmp(zKey+strlen(zKey)-4, ".$**")==0) ){
      zMethod = "wildcard";
      bAllAsc = 0;
    }
    sqlite3_str_appendchar(pKeys, 1, '}');
  }
  sqlite3_str_appendchar(pKeys, 1, ']');
  sqlite3_str_appendchar(pCols, 1, ']');
  zKeys = dfFromSqlite(sqlite3_str_finish(pKeys));
  zCols = dfFromSqlite(sqlite3_str_finish(pCols));

  bson_iter_init(&it, pIdx);
  while( bson_iter_next(&it) ){
    const char *zK = bson_iter_key(&it);
    if( strcmp(zK, "unique")==0 ) bUnique = bson_iter_as_bool(&it);
    else if( strcmp(zK, "partialFilterExpression")==0 ) zPredicate = mongoJsonValue(&it, 0);
    else if( strcmp(zK, "sparse")==0 || strcmp(zK, "hidden")==0 ){
      if( bson_iter_as_bool(&it) ) BSON_APPEND_BOOL(&opts, zK, true);
    }else if( strcmp(zK, "expireAfterSeconds")==0 || strcmp(zK, "wildcardProjection")==0
           || strcmp(zK, "bits")==0 || strcmp(zK, "min")==0 || strcmp(zK, "max")==0 ){
      bson_append_iter(&opts, zK, -1, &it);
    }else if( strcmp(zK, "collation")==0 ){
      bson_t coll;
      char *zC;
      normaliseCollation(&it, &coll);
      zC = mongoJson(&coll, 1);
      if( t->zCollation==0 || strcmp(zC, t->zCollation)!=0 ){
        BSON_APPEND_DOCUMENT(&opts, zK, &coll);
      }
      free(zC);
      bson_destroy(&coll);
    }else if( strcmp(zK, "weights")==0 ){
      bson_iter_t w;
      int bAllOne = 1;
      bson_iter_recurse(&it, &w);
      while( bson_iter_next(&w) ) if( bson_iter_as_int64(&w)!=1 ) bAllOne = 0;
      if( !bAllOne ) bson_append_iter(&opts, zK, -1, &it);
    }else if( strcmp(zK, "default_language")==0 ){
      if( !BSON_ITER_HOLDS_UTF8(&it) || strcmp(bson_iter_utf8(&it, 0), "english") ){
        bson_append_iter(&opts, zK, -1, &it);
      }
    }else if( strcmp(zK, "language_override")==0 ){
      if( !BSON_ITER_HOLDS_UTF8(&it) || strcmp(bson_iter_utf8(&it, 0), "language") ){
        bson_append_iter(&opts, zK, -1, &it);
      }
    }
  }
  if( !bson_empty(&opts) ) zOptions = mongoJson(&opts, 1);
  bson_destroy(&opts);
  zDefName = defaultIndexName(&key);

  if( bUnique && bAllAsc && zPredicate==0 && zOptions==0 && strcmp(zMethod, "btree")==0
   && strlen(zName)>4 && (strcmp(zName + strlen(zName) - 4, "_key")==0
                          || strcmp(zName + strlen(zName) - 5, "_pkey")==0) ){
    /* a constraint: PRIMARY KEY (<t>_pkey) or UNIQUE (..._key) */
    int bPk = strcmp(zName + strlen(zName) - 5, "_pkey")==0;
    int bGen;
    if( bPk ){
      bGen = 1;     /* sql_mongo.c names it <table>_pkey (a renamed table keeps it) */
    }else{
      /* <table>_a_b_key from the columns, whatever the table was called */
      char **az = 0;
      int nc = dfJsonStrings(zCols, &az), j;
      char *z = xstrdup("");
      size_t nName = strlen(zName), nz;
      for(j=0; j<nc; j++){ char *z2 = xasprintf("%s_%s", z, az[j]); free(z); z = z2; }
      nz = strlen(z);
      bGen = nName > nz + 4 && strncmp(zName + nName - nz - 4, z, nz)==0;
      free(z);
      dfJsonFreeStrings(nc>0 ? nc : 0, az);
    }
    sqlite3_prepare_v2(m->db, "INSERT INTO main.constraints(schema, table_name, name,"
                       " kind, columns, generated_name) VALUES('', ?1, ?2, ?3, ?4, ?5)",
                       -1, &pStmt, 0);
    sqlite3_bind_text(pStmt, 1, t->zName, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 2, zName, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 3, bPk ? "primary key" : "unique", -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 4, zCols, -1, SQLITE_STATIC);
    sqlite3_bind_int(pStmt, 5, bGen);
  }else{
    sqlite3_prepare_v2(m->db, "INSERT INTO main.indexes(schema, table_name, name,"
                       " is_unique, method, keys, predicate, options, generated_name)"
                       " VALUES('', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &pStmt, 0);
    sqlite3_bind_text(pStmt, 1, t->zName, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 2, zName, -1, SQLITE_STATIC);
    sqlite3_bind_int(pStmt, 3, bUnique);
    sqlite3_bind_text(pStmt, 4, zMethod, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 5, zKeys, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 6, zPredicate, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 7, zOptions, -1, SQLITE_STATIC);
    sqlite3_bind_int(pStmt, 8, strcmp(zDefName, zName)==0);
  }
  if( pStmt && sqlite3_step(pStmt)!=SQLITE_DONE ){
    mirFail(m, xasprintf("cannot write the snapshot: %s (index %s.%s)",
                         sqlite3_errmsg(m->db), t->zName, zName));
  }
  sqlite3_finalize(pStmt);
  free(zKeys); free(zCols); free(zPredicate); free(zOptions); free(zDefName);
}

/* ---------------------------------------------------------------------------
** Per collection
*/

static void mirCollection(Mir *m, const char *zName, const bson_t *pOpts){
  mongoc_collection_t *coll = mongoc_client_get_collection(m->pClient, m->zDb, zName);
  mongoc_cursor_t *c;
  const bson_t *doc;
  bson_error_t err;
  bson_t validator, schema, *pCmd, reply;
  Coll t;
  long long nCount = -1;
  char *zE = 0;

  memset(&t, 0, sizeof(t));
  t.zName = xstrdup(zName);
  /* 1. declared columns */
  if( subDoc(pOpts, "validator", &validator) && subDoc(&validator, "$jsonSchema", &schema) ){
    declareProperties(m, &t, &schema, "", 0);
  }
  /* 2. count */
  pCmd = BCON_NEW("count", BCON_UTF8(zName));
  if( mongoc_client_command_simple(m->pClient, m->zDb, pCmd, 0, &reply, &err) ){
    bson_iter_t it;
    if( bson_iter_init_find(&it, &reply, "n") ) nCount = bson_iter_as_int64(&it);
  }else{
    zE = mongoErrorText(&err);
  }
  bson_destroy(&reply);
  bson_destroy(pCmd);
  if( zE ){
    mirFail(m, xasprintf("cannot count the documents of %s: %s", zName, zE));
    free(zE);
  }
  /* 3. sample */
  if( m->rc==0 && m->nSample>0 && nCount!=0 ){
    bson_t *pPipe = BCON_NEW("pipeline", "[", "{", "$sample", "{", "size",
                             BCON_INT32(m->nSample), "}", "}", "]");
    c = mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE, pPipe, 0, 0);
    while( mongoc_cursor_next(c, &doc) ){
      bson_iter_t it;
      if( bson_iter_init(&it, doc) ) sampleDoc(&t, &it, "", t.nSample, 0, 0);
      t.nSample++;
    }
    if( mongoc_cursor_error(c, &err) ){
      char *zMsg = mongoErrorText(&err);
      mirFail(m, xasprintf("cannot sample the documents of %s: %s", zName, zMsg));
      free(zMsg);
    }
    mongoc_cursor_destroy(c);
    bson_destroy(pPipe);
  }
  if( m->rc==0 ) writeCollection(m, &t, pOpts, nCount);
  /* 4. indexes */
  if( m->rc==0 ){
    c = mongoc_collection_find_indexes_with_opts(coll, 0);
    while( m->rc==0 && mongoc_cursor_next(c, &doc) ) writeIndex(m, &t, doc);
    if( mongoc_cursor_error(c, &err) ){
      char *zMsg = mongoErrorText(&err);
      mirFail(m, xasprintf("cannot list the indexes of %s: %s", zName, zMsg));
      free(zMsg);
    }
    mongoc_cursor_destroy(c);
  }
  collClear(&t);
  mongoc_collection_destroy(coll);
}

static void mirView(Mir *m, const char *zName, const bson_t *pOpts){
  bson_iter_t it;
  bson_t def = BSON_INITIALIZER;
  char *zDef, *zOn = 0, *zDeps;
  sqlite3_stmt *pStmt = 0;
  sqlite3_str *s;
  if( bson_iter_init_find(&it, pOpts, "pipeline") ) bson_append_iter(&def, "pipeline", -1, &it);
  else{ bson_t a = BSON_INITIALIZER; BSON_APPEND_ARRAY(&def, "pipeline", &a); bson_destroy(&a); }
  if( bson_iter_init_find(&it, pOpts, "viewOn") && BSON_ITER_HOLDS_UTF8(&it) ){
    zOn = xstrdup(bson_iter_utf8(&it, 0));
    BSON_APPEND_UTF8(&def, "viewOn", zOn);
  }
  zDef = mongoJson(&def, 0);
  bson_destroy(&def);
  s = sqlite3_str_new(0);
  sqlite3_str_appendchar(s, 1, '[');
  if( zOn ) dfJsonAppendString(s, zOn);
  sqlite3_str_appendchar(s, 1, ']');
  zDeps = dfFromSqlite(sqlite3_str_finish(s));
  sqlite3_prepare_v2(m->db, "INSERT INTO main.views(schema, name, kind, definition,"
                     " definition_native, depends_on) VALUES('', ?1, 'view', ?2, ?2, ?3)",
                     -1, &pStmt, 0);
  sqlite3_bind_text(pStmt, 1, zName, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zDef, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 3, zDeps, -1, SQLITE_STATIC);
  if( sqlite3_step(pStmt)!=SQLITE_DONE ){
    mirFail(m, xasprintf("cannot write the snapshot: %s (view %s)",
                         sqlite3_errmsg(m->db), zName));
  }
  sqlite3_finalize(pStmt);
  free(zDef); free(zOn); free(zDeps);
}

int mongoMirror(mongoc_client_t *pClient, const char *zDb, const char *zSafeUrl,
                const DfMirrorRequest *pReq, sqlite3 *pOut, char **pzErr){
  Mir m;
  mongoc_database_t *db;
  mongoc_cursor_t *c;
  const bson_t *doc;
  bson_error_t err;
  bson_t *pCmd, reply;
  char *zVersion = 0, zTakenAt[32], zSample[24];
  time_t tNow = time(0);
  struct tm tm;

  memset(&m, 0, sizeof(m));
  m.pClient = pClient;
  m.zDb = zDb;
  m.db = pOut;
  /* nSample: 0 (a zeroed request, e.g. the executor's) = the default, as
  ** for `dataflow mirror` without --sample; -1 = --sample 0: no sampling */
  m.nSample = pReq==0 || pReq->nSample==0 ? DF_MONGO_SAMPLE_DEFAULT
            : pReq->nSample<0 ? 0 : pReq->nSample;

  pCmd = BCON_NEW("buildInfo", BCON_INT32(1));
  if( mongoc_client_command_simple(pClient, "admin", pCmd, 0, &reply, &err) ){
    bson_iter_t it;
    if( bson_iter_init_find(&it, &reply, "version") && BSON_ITER_HOLDS_UTF8(&it) ){
      zVersion = xstrdup(bson_iter_utf8(&it, 0));
    }
  }
  bson_destroy(&reply);
  bson_destroy(pCmd);

  if( sqlite3_exec(pOut, "SAVEPOINT mongo_mirror", 0, 0, 0)!=SQLITE_OK ){
    mirFail(&m, xasprintf("cannot write the snapshot: %s", sqlite3_errmsg(pOut)));
  }
  db = mongoc_client_get_database(pClient, zDb);
  c = mongoc_database_find_collections_with_opts(db, 0);
  while( m.rc==0 && mongoc_cursor_next(c, &doc) ){
    bson_iter_t it;
    const char *zName = 0, *zType = "collection";
    bson_t opts;
    if( bson_iter_init_find(&it, doc, "name") && BSON_ITER_HOLDS_UTF8(&it) ){
      zName = bson_iter_utf8(&it, 0);
    }
    if( bson_iter_init_find(&it, doc, "type") && BSON_ITER_HOLDS_UTF8(&it) ){
      zType = bson_iter_utf8(&it, 0);
    }
    if( zName==0 || strncmp(zName, "system.", 7)==0 || dfIsOwnObject(zName) ) continue;
    if( !subDoc(doc, "options", &opts) ) bson_init(&opts);
    if( strcmp(zType, "view")==0 ) mirView(&m, zName, &opts);
    else mirCollection(&m, zName, &opts);
  }
  if( mongoc_cursor_error(c, &err) ){
    char *zMsg = mongoErrorText(&err);
    mirFail(&m, xasprintf("cannot list the collections of %s: %s", zSafeUrl, zMsg));
    free(zMsg);
  }
  mongoc_cursor_destroy(c);
  mongoc_database_destroy(db);

  gmtime_r(&tNow, &tm);
  strftime(zTakenAt, sizeof(zTakenAt), "%Y-%m-%dT%H:%M:%SZ", &tm);
  snprintf(zSample, sizeof(zSample), "%d", m.nSample);
  if( m.rc==0 ){
    if( dfMetaSet(pOut, "main", "engine", "mongodb")
     || dfMetaSet(pOut, "main", "server_version", zVersion ? zVersion : "")
     || dfMetaSet(pOut, "main", "source", zSafeUrl)
     || dfMetaSet(pOut, "main", "taken_at", zTakenAt)
     || dfMetaSet(pOut, "main", "default_schema", zDb)
     || dfMetaSet(pOut, "main", "sample_size", zSample) ){
      mirFail(&m, xasprintf("cannot write the snapshot: %s", sqlite3_errmsg(pOut)));
    }
  }
  if( m.rc==0 ){
    char *zE = 0;
    if( dfCatalogFinish(pOut, "main", &zE)!=SQLITE_OK ){
      mirFail(&m, xasprintf("cannot finish the snapshot: %s", zE ? zE : sqlite3_errmsg(pOut)));
    }
    sqlite3_free(zE);
  }
  sqlite3_exec(pOut, m.rc ? "ROLLBACK TO mongo_mirror; RELEASE mongo_mirror"
                          : "RELEASE mongo_mirror", 0, 0, 0);
  free(zVersion);
  if( m.rc ){
    *pzErr = m.zErr;
    return 1;
  }
  return 0;
}
