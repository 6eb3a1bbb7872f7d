/*
** sql_mongo.c — the MongoDB "DDL" writer (a DfDialect, see dialect.h):
** plan steps are MongoDB commands written as extended JSON, each with the
** commands that undo it.
**
** Usage (SQL):
**
**   .load ./ext/dataflow
**   SELECT step, operation, sql, rollback_sql
**     FROM migration_plan('base.snapshot', 'model.snapshot', 'mongodb');
**
** Usage (command line):
**
**   dataflow plan --from live.snapshot --to model.snapshot --dialect mongodb -o p.plan
**   dataflow apply p.plan --target mongodb://host/app
**
** A step's "SQL" is one or more commands, each a JSON object followed by
** ";\n", e.g.
**
**   {"create":"users","validator":{"$jsonSchema":{...}}};
**   {"createIndexes":"users","indexes":[{"key":{"id":1},"name":"users_pkey","unique":true}]};
**
** Collection names are bare: the adapter (tools/engine_mongo.c) runs every
** command against the database of the target URL, and qualifies the
** namespaces of renameCollection ("db.users") itself, so that a plan does
** not depend on the database it is applied to.
**
** HOW IT WORKS
**
** Mapping (doc/mongodb.md has the full table):
**  - a table is a collection; its columns become a $jsonSchema validator
**    (sql_mongo.h: dfMongoValidatorJson, shared with the mirror so that the
**    round trip model -> apply -> mirror gives the same columns back);
**  - PRIMARY KEY -> a unique index named <table>_pkey; UNIQUE -> a unique
**    index named as the constraint; other indexes -> createIndexes with the
**    key pattern (descending keys -1; method text, 2dsphere, 2d, hashed,
**    wildcard) and the options recorded in indexes.options; a partial
**    index needs its predicate as a JSON filter (a mirrored
**    partialFilterExpression), an SQL predicate is refused;
**  - FOREIGN KEY and CHECK have no MongoDB equivalent: no step, a note;
**  - views: a mirrored MongoDB view ({"viewOn","pipeline"}) is created with
**    create/viewOn; an SQL view cannot be, and gets no step and a note;
**  - a table's options (collection options as mirrored: validator,
**    validationLevel/Action, capped, size, max, timeseries, collation,
**    clusteredIndex) are passed to create; only the validator and its
**    level and action can change later (collMod), the others are refused.
**
** Column changes rewrite the whole validator of the collection with collMod
** (the validator of the target table; the rollback sets the one of the
** source table back). Adding a NOT NULL column with a default first fills
** the field in the documents that lack it (update with $set, or a pipeline
** $set of $$NOW for CURRENT_TIMESTAMP); a change that existing documents
** may not satisfy (NOT NULL without default, a narrower type) sets
** validationLevel "moderate" so that such documents stay writable, and
** says so in the step: apply counts the documents that fail the new
** validator first ({$nor: [validator]}) and refuses in auto mode when
** there are any (tools/engine_mongo.c, xPlanCheck). Renaming a field
** installs the validator with the new name, then runs update $rename over
** all documents (renamed under the old validator, they would fail it).
**
** Drops are soft by default (dfQuarantineName): a collection is renamed to
** its quarantine name (O(1), indexes and documents kept); a field's values
** are copied into a quarantine collection ({_id, field} for every
** document, aggregate + $out) before $unset removes them, and the rollback
** merges them back ($merge on _id) and drops the copy.
**
** Nothing here is transactional (MongoDB DDL is not): every step has
** bTransactional = 0, and the executor journals steps and undoes completed
** ones in reverse on failure.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include <stdlib.h>
#include "dialect.h"
#include "dfjson.h"
#include "types.h"
#include "sql_mongo.h"

/* ---------------------------------------------------------------------------
** JSON text helpers
*/

static void jStr(sqlite3_str *s, const char *z){
  dfJsonAppendString(s, z ? z : "");
}

/* Write a parsed JSON value back as compact JSON. */
static void jWrite(sqlite3_str *s, const DfJson *p){
  int i;
  switch( p->eType ){
    case DF_JSON_NULL:   sqlite3_str_appendall(s, "null"); break;
    case DF_JSON_TRUE:   sqlite3_str_appendall(s, "true"); break;
    case DF_JSON_FALSE:  sqlite3_str_appendall(s, "false"); break;
    case DF_JSON_NUMBER: sqlite3_str_appendall(s, p->zText); break;
    case DF_JSON_STRING: jStr(s, p->zText); break;
    case DF_JSON_ARRAY:
      sqlite3_str_appendchar(s, 1, '[');
      for(i=0; i<p->nChild; i++){
        if( i ) sqlite3_str_appendchar(s, 1, ',');
        jWrite(s, &p->aChild[i]);
      }
      sqlite3_str_appendchar(s, 1, ']');
      break;
    default:
      sqlite3_str_appendchar(s, 1, '{');
      for(i=0; i<p->nChild; i++){
        if( i ) sqlite3_str_appendchar(s, 1, ',');
        jStr(s, p->azKey[i]);
        sqlite3_str_appendchar(s, 1, ':');
        jWrite(s, &p->aChild[i]);
      }
      sqlite3_str_appendchar(s, 1, '}');
      break;
  }
}

/* Finish s into *pz, mapping OOM to SQLITE_NOMEM. */
static int strFinish(sqlite3_str *s, char **pz){
  int rc = sqlite3_str_errcode(s);
  *pz = sqlite3_str_finish(s);
  if( rc==SQLITE_OK && *pz==0 ) rc = SQLITE_NOMEM;
  if( rc!=SQLITE_OK ){ sqlite3_free(*pz); *pz = 0; }
  return rc;
}

/* ---------------------------------------------------------------------------
** Names
*/

int dfMongoCheckCollection(const char *zWho, const char *zName, char **pzErr){
  const char *zWhy = 0;
  if( zName==0 || zName[0]==0 ) zWhy = "the name is empty";
  else if( strncmp(zName, "system.", 7)==0 ) zWhy = "system.* collections belong"
      " to the server";
  else if( strchr(zName, '$') ) zWhy = "MongoDB collection names cannot hold '$'";
  else if( strchr(zName, '.') ) zWhy = "a '.' in a collection name is read as a"
      " namespace separator (db.collection) by MongoDB tools and cannot be told"
      " apart from DataFlow's table.column names; rename it";
  if( zWhy==0 ) return SQLITE_OK;
  *pzErr = sqlite3_mprintf("%s: mongodb cannot use the collection name '%s': %s",
                           zWho, zName ? zName : "", zWhy);
  return SQLITE_ERROR;
}

int dfMongoCheckField(const char *zWho, const char *zTable, const char *zName,
                      int bNested, char **pzErr){
  const char *zWhy = 0;
  const char *zLeaf = zName ? strrchr(zName, '.') : 0;
  zLeaf = zLeaf ? zLeaf+1 : zName;
  if( zName==0 || zName[0]==0 ) zWhy = "the name is empty";
  else if( zName[0]=='$' || (zLeaf && zLeaf[0]=='$') ){
    zWhy = "MongoDB field names cannot start with '$'";
  }else if( !bNested && strchr(zName, '.') ){
    zWhy = "a '.' in a field name is a path (a.b) in MongoDB queries";
  }
  if( zWhy==0 ) return SQLITE_OK;
  *pzErr = sqlite3_mprintf("%s: mongodb cannot use the field name '%s' of '%s': %s",
                           zWho, zName ? zName : "", zTable, zWhy);
  return SQLITE_ERROR;
}

/* ---------------------------------------------------------------------------
** Types
*/

const char *dfMongoBsonType(const char *zFamily){
  static const struct { const char *zFam, *zBson; } a[] = {
    { "smallint", "int" },  { "integer", "int" },   { "bigint", "long" },
    { "boolean", "bool" },  { "real", "double" },   { "double", "double" },
    { "numeric", "decimal" }, { "char", "string" }, { "varchar", "string" },
    { "text", "string" },   { "blob", "binData" },  { "uuid", "binData" },
    { "date", "date" },     { "timestamp", "date" }, { "time", "string" },
    { "interval", "string" }, { "json", "object" }, { "bit", "string" },
    { "enum", "string" },   { "objectid", "objectId" }, { "object", "object" },
    { "array", "array" },
  };
  size_t i;
  if( zFamily==0 ) return 0;
  for(i=0; i<sizeof(a)/sizeof(a[0]); i++){
    if( strcmp(a[i].zFam, zFamily)==0 ) return a[i].zBson;
  }
  return 0;
}

/* Would the bsonType (plus maxLength, bounds, enum) alone give back the
** column's normalised type? The mirror's rule, in tools/mirror_mongo.c. */
static int naturalType(const DfColumn *c){
  const char *f = c->zFamily ? c->zFamily : "other";
  if( c->bUnsigned ) return 0;
  if( c->bArray ){
    DfColumn e = *c;
    e.bArray = 0;
    return naturalType(&e);
  }
  if( strcmp(f, "smallint")==0 || strcmp(f, "integer")==0 || strcmp(f, "bigint")==0
   || strcmp(f, "boolean")==0 || strcmp(f, "double")==0 || strcmp(f, "objectid")==0
   || strcmp(f, "object")==0 || strcmp(f, "array")==0 ){
    return 1;
  }
  if( strcmp(f, "numeric")==0 ) return c->nPrecision<0 && c->nScale<0;
  if( strcmp(f, "varchar")==0 ) return c->nLength>0;
  if( strcmp(f, "text")==0 || strcmp(f, "blob")==0 ) return c->nLength<0;
  if( strcmp(f, "timestamp")==0 ) return c->bTz && c->nPrecision<0;
  if( strcmp(f, "enum")==0 ) return c->zTypeRef && c->zTypeRef[0]=='[';
  return 0;
}

/* Portable spelling of the column's type: "NUMERIC(10,2)", "TIMESTAMPTZ". */
static void appendPortableType(sqlite3_str *s, const DfColumn *c){
  const char *f = c->zFamily ? c->zFamily : "other";
  static const struct { const char *zFam, *zName; } a[] = {
    { "smallint", "SMALLINT" }, { "integer", "INTEGER" }, { "bigint", "BIGINT" },
    { "boolean", "BOOLEAN" }, { "real", "REAL" }, { "double", "DOUBLE" },
    { "numeric", "NUMERIC" }, { "char", "CHAR" }, { "varchar", "VARCHAR" },
    { "text", "TEXT" }, { "blob", "BLOB" }, { "date", "DATE" },
    { "interval", "INTERVAL" }, { "json", "JSON" }, { "uuid", "UUID" },
    { "bit", "BIT" },
  };
  size_t i;
  if( strcmp(f, "timestamp")==0 || strcmp(f, "time")==0 ){
    sqlite3_str_appendall(s, strcmp(f, "time")==0 ? "TIME" : "TIMESTAMP");
    if( c->bTz ) sqlite3_str_appendall(s, "TZ");
    if( c->nPrecision>=0 ) sqlite3_str_appendf(s, "(%d)", c->nPrecision);
  }else{
    const char *zName = 0;
    for(i=0; i<sizeof(a)/sizeof(a[0]); i++){
      if( strcmp(a[i].zFam, f)==0 ){ zName = a[i].zName; break; }
    }
    if( zName==0 ){
      /* enum, other, BSON families: the native spelling is all we have */
      sqlite3_str_appendall(s, c->zTypeNative ? c->zTypeNative : f);
      return;
    }
    sqlite3_str_appendall(s, zName);
    if( strcmp(f, "numeric")==0 && c->nPrecision>=0 ){
      if( c->nScale>0 ) sqlite3_str_appendf(s, "(%d,%d)", c->nPrecision, c->nScale);
      else sqlite3_str_appendf(s, "(%d)", c->nPrecision);
    }else if( c->nLength>=0 && (strcmp(f, "char")==0 || strcmp(f, "varchar")==0
              || strcmp(f, "text")==0 || strcmp(f, "blob")==0 || strcmp(f, "bit")==0) ){
      sqlite3_str_appendf(s, "(%d)", c->nLength);
    }
  }
  if( c->bUnsigned ) sqlite3_str_appendall(s, " UNSIGNED");
  if( c->bArray ) sqlite3_str_appendall(s, "[]");
}

char *dfMongoTitle(const DfColumn *c){
  sqlite3_str *s;
  if( naturalType(c) && c->zDefault==0 ) return 0;
  s = sqlite3_str_new(0);
  appendPortableType(s, c);
  if( c->zDefault ) sqlite3_str_appendf(s, " DEFAULT %s", c->zDefault);
  return sqlite3_str_finish(s);
}

static int isSampled(const DfColumn *c){
  return c->zTypeNative
      && strncmp(c->zTypeNative, DF_MONGO_SAMPLED, strlen(DF_MONGO_SAMPLED))==0;
}

/* ---------------------------------------------------------------------------
** Validator generation
*/

typedef struct Gen Gen;
struct Gen {
  const DfTable *pTab;    /* the table */
  sqlite3_str *s;         /* output */
  int rc;                 /* sticky */
  char *zErr;             /* first error */
};

/* Is column name zName a direct child of container zParent ("" = top
** level, "a" = object a, "a[]" = items of array a)? */
static int isChildOf(const char *zName, const char *zParent){
  size_t n = strlen(zParent);
  const char *zRest;
  if( n==0 ) return strchr(zName, '.')==0;
  if( strncmp(zName, zParent, n)!=0 || zName[n]!='.' ) return 0;
  zRest = zName + n + 1;
  return zRest[0] && strchr(zRest, '.')==0;
}

static const char *leafOf(const char *zName){
  const char *z = strrchr(zName, '.');
  return z ? z+1 : zName;
}

static int hasChildren(const DfTable *t, const char *zParent){
  int i;
  for(i=0; i<t->nCol; i++){
    if( !isSampled(&t->aCol[i]) && isChildOf(t->aCol[i].zName, zParent) ) return 1;
  }
  return 0;
}

static void genObjectBody(Gen *g, const char *zParent);

/* The bsonType member: "int" or ["int","null"]. */
static void genBsonType(Gen *g, const char *zType, int bNullable){
  sqlite3_str_appendall(g->s, "\"bsonType\":");
  if( bNullable ){
    sqlite3_str_appendf(g->s, "[\"%s\",\"null\"]", zType);
  }else{
    sqlite3_str_appendf(g->s, "\"%s\"", zType);
  }
}

/* Scalar constraints of a family: maxLength, bounds, enum. */
static void genScalarExtras(Gen *g, const DfColumn *c, int bNullable){
  const char *f = c->zFamily ? c->zFamily : "other";
  if( strcmp(f, "enum")==0 && c->zTypeRef && c->zTypeRef[0]=='[' ){
    char **az = 0;
    int n = dfJsonStrings(c->zTypeRef, &az), i;
    if( n>0 ){
      sqlite3_str_appendall(g->s, ",\"enum\":[");
      for(i=0; i<n; i++){
        if( i ) sqlite3_str_appendchar(g->s, 1, ',');
        jStr(g->s, az[i]);
      }
      if( bNullable ) sqlite3_str_appendall(g->s, ",null");
      sqlite3_str_appendchar(g->s, 1, ']');
    }
    dfJsonFreeStrings(n>0 ? n : 0, az);
  }
  if( strcmp(f, "smallint")==0 ){
    sqlite3_str_appendall(g->s, ",\"minimum\":-32768,\"maximum\":32767");
  }
  if( (strcmp(f, "varchar")==0 || strcmp(f, "char")==0) && c->nLength>0 ){
    sqlite3_str_appendf(g->s, ",\"maxLength\":%d", c->nLength);
  }
}

/* The schema of one column (a property value). */
static void genColumn(Gen *g, const DfColumn *c){
  const char *f = c->zFamily ? c->zFamily : "other";
  const char *zBson = dfMongoBsonType(f);
  int bNullable = !c->bNotNull;
  char *zTitle;
  if( g->rc ) return;
  if( dfMongoCheckField("migration_plan", g->pTab->zName, c->zName, 1, &g->zErr) ){
    g->rc = SQLITE_ERROR;
    return;
  }
  sqlite3_str_appendchar(g->s, 1, '{');
  if( c->bArray ){
    genBsonType(g, "array", bNullable);
  }else if( zBson ){
    genBsonType(g, zBson, bNullable);
  }
  zTitle = dfMongoTitle(c);
  if( zTitle ){
    if( c->bArray || zBson ) sqlite3_str_appendchar(g->s, 1, ',');
    sqlite3_str_appendall(g->s, "\"title\":");
    jStr(g->s, zTitle);
    sqlite3_free(zTitle);
  }
  if( c->zComment && c->zComment[0] ){
    sqlite3_str_appendall(g->s, ",\"description\":");
    jStr(g->s, c->zComment);
  }
  if( c->bArray ){
    sqlite3_str_appendall(g->s, ",\"items\":{");
    if( zBson ){
      genBsonType(g, zBson, 0);
      genScalarExtras(g, c, 0);
    }
    sqlite3_str_appendchar(g->s, 1, '}');
  }else{
    genScalarExtras(g, c, bNullable);
    if( strcmp(f, "object")==0 && hasChildren(g->pTab, c->zName) ){
      sqlite3_str_appendchar(g->s, 1, ',');
      genObjectBody(g, c->zName);
    }else if( strcmp(f, "array")==0 ){
      char *zItems = sqlite3_mprintf("%s[]", c->zName);
      if( zItems==0 ){ g->rc = SQLITE_NOMEM; return; }
      if( hasChildren(g->pTab, zItems) ){
        sqlite3_str_appendall(g->s, ",\"items\":{\"bsonType\":\"object\",");
        genObjectBody(g, zItems);
        sqlite3_str_appendchar(g->s, 1, '}');
      }
      sqlite3_free(zItems);
    }
  }
  sqlite3_str_appendchar(g->s, 1, '}');
}

/* "required":[...],"properties":{...} of the children of zParent. */
static void genObjectBody(Gen *g, const char *zParent){
  const DfTable *t = g->pTab;
  int i, n = 0;
  for(i=0; i<t->nCol; i++){
    const DfColumn *c = &t->aCol[i];
    if( isSampled(c) || !c->bNotNull || !isChildOf(c->zName, zParent) ) continue;
    sqlite3_str_appendall(g->s, n ? "," : "\"required\":[");
    jStr(g->s, leafOf(c->zName));
    n++;
  }
  if( n ) sqlite3_str_appendall(g->s, "],");
  sqlite3_str_appendall(g->s, "\"properties\":{");
  n = 0;
  for(i=0; i<t->nCol; i++){
    const DfColumn *c = &t->aCol[i];
    if( isSampled(c) || !isChildOf(c->zName, zParent) ) continue;
    if( n++ ) sqlite3_str_appendchar(g->s, 1, ',');
    jStr(g->s, leafOf(c->zName));
    sqlite3_str_appendchar(g->s, 1, ':');
    genColumn(g, c);
  }
  sqlite3_str_appendchar(g->s, 1, '}');
}

char *dfMongoValidatorJson(const DfTable *pTab, int *pRc, char **pzErr){
  Gen g;
  char *z = 0;
  int rc;
  if( !hasChildren(pTab, "") ) return 0;
  memset(&g, 0, sizeof(g));
  g.pTab = pTab;
  g.s = sqlite3_str_new(0);
  sqlite3_str_appendall(g.s, "{\"$jsonSchema\":{\"bsonType\":\"object\",");
  genObjectBody(&g, "");
  sqlite3_str_appendall(g.s, "}}");
  rc = strFinish(g.s, &z);
  if( g.rc ){
    sqlite3_free(z);
    z = 0;
    rc = g.rc;
  }
  if( rc ){
    *pRc = rc;
    *pzErr = g.zErr;
  }else{
    sqlite3_free(g.zErr);
  }
  return z;
}

/* ---------------------------------------------------------------------------
** Table options
*/

/* Member zKey of the options JSON of pTab as JSON text, or NULL. */
static char *optionText(const DfTable *pTab, const char *zKey){
  DfJson *pRoot, *p;
  char *zErr = 0, *z = 0;
  if( pTab==0 || pTab->zOptions==0 || pTab->zOptions[0]!='{' ) return 0;
  pRoot = dfJsonParse(pTab->zOptions, &zErr);
  sqlite3_free(zErr);
  if( pRoot==0 ) return 0;
  p = dfJsonGet(pRoot, zKey);
  if( p ){
    sqlite3_str *s = sqlite3_str_new(0);
    jWrite(s, p);
    z = sqlite3_str_finish(s);
  }
  dfJsonFree(pRoot);
  return z;
}

/*
** Is pSchema a $jsonSchema MongoDB accepts? The keywords and bsonType
** aliases of MongoDB's $jsonSchema (draft 4 without $ref, $schema,
** default, definitions, format, id). Returns NULL or the reason (OUT:
** caller frees with sqlite3_free).
*/
static char *schemaProblem(const DfJson *p, int nDepth){
  static const char *azKw[] = {
    "bsonType", "type", "enum", "required", "properties", "additionalProperties",
    "patternProperties", "minProperties", "maxProperties", "dependencies", "items",
    "additionalItems", "minItems", "maxItems", "uniqueItems", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
    "pattern", "allOf", "anyOf", "oneOf", "not", "title", "description", 0 };
  static const char *azBson[] = {
    "double", "string", "object", "array", "binData", "undefined", "objectId",
    "bool", "date", "null", "regex", "dbPointer", "javascript", "symbol",
    "javascriptWithScope", "int", "timestamp", "long", "decimal", "minKey",
    "maxKey", "number", 0 };
  int i, j, k;
  if( p->eType!=DF_JSON_OBJECT ) return sqlite3_mprintf("a schema must be an object");
  if( nDepth>64 ) return sqlite3_mprintf("nested too deeply");
  for(i=0; i<p->nChild; i++){
    const char *zKw = p->azKey[i];
    const DfJson *v = &p->aChild[i];
    for(k=0; azKw[k] && strcmp(azKw[k], zKw); k++){}
    if( azKw[k]==0 ) return sqlite3_mprintf("unknown keyword '%s'", zKw);
    if( strcmp(zKw, "bsonType")==0 ){
      int n = v->eType==DF_JSON_ARRAY ? v->nChild : 1;
      for(j=0; j<n; j++){
        const DfJson *t = v->eType==DF_JSON_ARRAY ? &v->aChild[j] : v;
        if( t->eType!=DF_JSON_STRING ) return sqlite3_mprintf("bsonType must be a"
                                                              " string or an array of strings");
        for(k=0; azBson[k] && strcmp(azBson[k], t->zText); k++){}
        if( azBson[k]==0 ) return sqlite3_mprintf("unknown bsonType '%s'", t->zText);
      }
    }else if( strcmp(zKw, "properties")==0 || strcmp(zKw, "patternProperties")==0 ){
      if( v->eType!=DF_JSON_OBJECT ) return sqlite3_mprintf("%s must be an object", zKw);
      for(j=0; j<v->nChild; j++){
        char *z = schemaProblem(&v->aChild[j], nDepth+1);
        if( z ) return z;
      }
    }else if( strcmp(zKw, "required")==0 ){
      if( v->eType!=DF_JSON_ARRAY || v->nChild==0 ){
        return sqlite3_mprintf("required must be a non-empty array of field names");
      }
      for(j=0; j<v->nChild; j++){
        if( v->aChild[j].eType!=DF_JSON_STRING ){
          return sqlite3_mprintf("required must be an array of field names");
        }
      }
    }else if( strcmp(zKw, "items")==0 || strcmp(zKw, "not")==0
           || ((strcmp(zKw, "additionalProperties")==0 || strcmp(zKw, "additionalItems")==0)
               && v->eType==DF_JSON_OBJECT) ){
      int n = v->eType==DF_JSON_ARRAY ? v->nChild : 1;
      for(j=0; j<n; j++){
        char *z = schemaProblem(v->eType==DF_JSON_ARRAY ? &v->aChild[j] : v, nDepth+1);
        if( z ) return z;
      }
    }else if( strcmp(zKw, "allOf")==0 || strcmp(zKw, "anyOf")==0 || strcmp(zKw, "oneOf")==0 ){
      if( v->eType!=DF_JSON_ARRAY || v->nChild==0 ){
        return sqlite3_mprintf("%s must be a non-empty array of schemas", zKw);
      }
      for(j=0; j<v->nChild; j++){
        char *z = schemaProblem(&v->aChild[j], nDepth+1);
        if( z ) return z;
      }
    }
  }
  return 0;
}

/* Check a validator taken from a table's options (a generated one is
** valid by construction): JSON, and its $jsonSchema as MongoDB wants it. */
static int checkValidator(const DfTable *pTab, const char *zVal, char **pzErr){
  char *zErr = 0, *zWhy = 0;
  DfJson *p = dfJsonParse(zVal, &zErr), *pSchema;
  if( p==0 || p->eType!=DF_JSON_OBJECT ){
    zWhy = zErr ? sqlite3_mprintf("%s", zErr) : sqlite3_mprintf("not a JSON object");
  }else if( (pSchema = dfJsonGet(p, "$jsonSchema"))!=0 ){
    char *zP = schemaProblem(pSchema, 0);
    if( zP ){
      zWhy = sqlite3_mprintf("its $jsonSchema is not valid: %s", zP);
      sqlite3_free(zP);
    }
  }
  sqlite3_free(zErr);
  dfJsonFree(p);
  if( zWhy==0 ) return SQLITE_OK;
  *pzErr = sqlite3_mprintf("migration_plan: the validator of collection '%s' cannot"
                           " be used: %s", pTab->zName, zWhy);
  sqlite3_free(zWhy);
  return SQLITE_ERROR;
}

/* The validator of a table: the one recorded in its options (a mirrored
** validator that says more than its columns), else the generated one,
** else NULL (none). OUT: caller frees. */
static char *validatorOf(const DfTable *pTab, int *pRc, char **pzErr){
  char *z = optionText(pTab, "validator");
  if( z ){
    if( checkValidator(pTab, z, pzErr) ){
      sqlite3_free(z);
      *pRc = SQLITE_ERROR;
      return 0;
    }
    return z;
  }
  return dfMongoValidatorJson(pTab, pRc, pzErr);
}

/* validationLevel / validationAction of a table (defaults strict, error).
** OUT: caller frees. */
static char *levelOf(const DfTable *pTab, const char *zKey){
  char *z = optionText(pTab, zKey);
  if( z==0 ){
    z = sqlite3_mprintf("\"%s\"", strcmp(zKey, "validationLevel")==0 ? "strict" : "error");
  }
  return z;
}

/* Options create takes as they are (not the validator and its levels). */
static const char *azCreateOpt[] = {
  "capped", "size", "max", "timeseries", "expireAfterSeconds", "collation",
  "clusteredIndex",
};
#define N_CREATE_OPT ((int)(sizeof(azCreateOpt)/sizeof(azCreateOpt[0])))

/* ---------------------------------------------------------------------------
** Indexes
*/

/* The createIndexes spec {"key":{...},"name":...,...} of an index. */
static int appendIndexSpec(sqlite3_str *s, const DfTable *pTab, const DfIndex *pIdx,
                           char **pzErr){
  DfJson *pKeys, *pOpt = 0;
  char *zErr = 0;
  const char *zMethod = pIdx->zMethod ? pIdx->zMethod : "btree";
  int i, rc = SQLITE_OK;
  pKeys = dfJsonParse(pIdx->zKeys ? pIdx->zKeys : "[]", &zErr);
  if( pKeys==0 || pKeys->eType!=DF_JSON_ARRAY || pKeys->nChild==0 ){
    *pzErr = sqlite3_mprintf("migration_plan: index '%s' of '%s' has no keys MongoDB"
                             " can use", pIdx->zName, pTab->zName);
    sqlite3_free(zErr);
    dfJsonFree(pKeys);
    return SQLITE_ERROR;
  }
  if( pIdx->zInclude && strcmp(pIdx->zInclude, "[]")!=0 ){
    *pzErr = sqlite3_mprintf("migration_plan: mongodb indexes have no INCLUDE"
                             " columns (index '%s' of '%s')", pIdx->zName, pTab->zName);
    dfJsonFree(pKeys);
    return SQLITE_ERROR;
  }
  sqlite3_str_appendall(s, "{\"key\":{");
  for(i=0; i<pKeys->nChild; i++){
    DfJson *k = &pKeys->aChild[i];
    DfJson *pCol = dfJsonGet(k, "column");
    DfJson *pDesc = dfJsonGet(k, "desc");
    DfJson *pKind = dfJsonGet(k, "kind");
    if( pCol==0 || pCol->eType!=DF_JSON_STRING ){
      DfJson *pExpr = dfJsonGet(k, "expr");
      *pzErr = sqlite3_mprintf("migration_plan: mongodb cannot index the expression"
          " '%s' (index '%s' of '%s'): index a field instead", pExpr && pExpr->zText
          ? pExpr->zText : "?", pIdx->zName, pTab->zName);
      rc = SQLITE_ERROR;
      break;
    }
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    jStr(s, pCol->zText);
    sqlite3_str_appendchar(s, 1, ':');
    if( pKind && pKind->eType==DF_JSON_STRING ){
      jStr(s, pKind->zText);
    }else if( strcmp(zMethod, "text")==0 || strcmp(zMethod, "hashed")==0
           || strcmp(zMethod, "2dsphere")==0 || strcmp(zMethod, "2d")==0 ){
      jStr(s, zMethod);
    }else{
      sqlite3_str_appendall(s, pDesc && pDesc->zText && strcmp(pDesc->zText, "0")
                               && pDesc->eType!=DF_JSON_FALSE ? "-1" : "1");
    }
  }
  dfJsonFree(pKeys);
  if( rc ) return rc;
  sqlite3_str_appendall(s, "},\"name\":");
  jStr(s, pIdx->zName);
  if( pIdx->bUnique ) sqlite3_str_appendall(s, ",\"unique\":true");
  if( pIdx->zPredicate && pIdx->zPredicate[0] ){
    const char *zP = pIdx->zPredicate;
    while( *zP==' ' ) zP++;
    if( zP[0]!='{' ){
      *pzErr = sqlite3_mprintf("migration_plan: mongodb cannot translate the SQL"
          " predicate '%s' of partial index '%s' of '%s' into a"
          " partialFilterExpression: declare the index without WHERE",
          pIdx->zPredicate, pIdx->zName, pTab->zName);
      return SQLITE_ERROR;
    }
    sqlite3_str_appendall(s, ",\"partialFilterExpression\":");
    sqlite3_str_appendall(s, zP);
  }
  if( pIdx->zOptions && pIdx->zOptions[0]=='{' ){
    pOpt = dfJsonParse(pIdx->zOptions, &zErr);
    sqlite3_free(zErr);
    for(i=0; pOpt && pOpt->eType==DF_JSON_OBJECT && i<pOpt->nChild; i++){
      sqlite3_str_appendchar(s, 1, ',');
      jStr(s, pOpt->azKey[i]);
      sqlite3_str_appendchar(s, 1, ':');
      jWrite(s, &pOpt->aChild[i]);
    }
    dfJsonFree(pOpt);
  }
  sqlite3_str_appendchar(s, 1, '}');
  return SQLITE_OK;
}

/* A constraint index spec: PRIMARY KEY -> "<table>_pkey", UNIQUE -> its name. */
static int appendConstraintSpec(sqlite3_str *s, const DfTable *pTab,
                                const DfConstraint *k, char **pzErr){
  char **az = 0;
  int n = dfJsonStrings(k->zColumns, &az), i;
  if( n<=0 ){
    *pzErr = sqlite3_mprintf("migration_plan: constraint '%s' of '%s' has no columns",
                             k->zName, pTab->zName);
    dfJsonFreeStrings(n>0 ? n : 0, az);
    return SQLITE_ERROR;
  }
  sqlite3_str_appendall(s, "{\"key\":{");
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    jStr(s, az[i]);
    sqlite3_str_appendall(s, ":1");
  }
  sqlite3_str_appendall(s, "},\"name\":");
  if( sqlite3_stricmp(k->zKind, "primary key")==0 ){
    char *zName = sqlite3_mprintf("%s_pkey", pTab->zName);
    jStr(s, zName);
    sqlite3_free(zName);
  }else{
    jStr(s, k->zName);
  }
  sqlite3_str_appendall(s, ",\"unique\":true}");
  dfJsonFreeStrings(n, az);
  return SQLITE_OK;
}

static int isIndexConstraint(const DfConstraint *k){
  return sqlite3_stricmp(k->zKind, "primary key")==0
      || sqlite3_stricmp(k->zKind, "unique")==0;
}

/* The index name a constraint has in MongoDB. OUT: caller frees. */
static char *constraintIndexName(const DfTable *pTab, const DfConstraint *k){
  if( sqlite3_stricmp(k->zKind, "primary key")==0 && !k->bGenName ){
    return sqlite3_mprintf("%s_pkey", pTab->zName);
  }
  return sqlite3_mprintf("%s", k->zName);
}

/* ---------------------------------------------------------------------------
** Commands
*/

/* {"collMod":T,"validator":V,"validationLevel":L,"validationAction":A};\n */
static void appendCollMod(sqlite3_str *s, const char *zColl, const char *zValidator,
                          const char *zLevel, const char *zAction){
  sqlite3_str_appendall(s, "{\"collMod\":");
  jStr(s, zColl);
  sqlite3_str_appendf(s, ",\"validator\":%s,\"validationLevel\":%s,"
                      "\"validationAction\":%s};\n",
                      zValidator ? zValidator : "{}", zLevel, zAction);
}

/* The create command of a collection (validator, options) and the
** createIndexes of its PRIMARY KEY and UNIQUE constraints. */
static int appendCreate(sqlite3_str *s, const DfTable *t, char **pzErr){
  int rc = SQLITE_OK, i, n = 0;
  char *zVal = validatorOf(t, &rc, pzErr);
  if( rc ) return rc;
  sqlite3_str_appendall(s, "{\"create\":");
  jStr(s, t->zName);
  if( zVal ){
    char *zLevel = levelOf(t, "validationLevel");
    char *zAction = levelOf(t, "validationAction");
    sqlite3_str_appendf(s, ",\"validator\":%s", zVal);
    if( zLevel && strcmp(zLevel, "\"strict\"") ){
      sqlite3_str_appendf(s, ",\"validationLevel\":%s", zLevel);
    }
    if( zAction && strcmp(zAction, "\"error\"") ){
      sqlite3_str_appendf(s, ",\"validationAction\":%s", zAction);
    }
    sqlite3_free(zLevel);
    sqlite3_free(zAction);
  }
  sqlite3_free(zVal);
  for(i=0; i<N_CREATE_OPT; i++){
    char *z = optionText(t, azCreateOpt[i]);
    if( z ){
      sqlite3_str_appendf(s, ",\"%s\":%s", azCreateOpt[i], z);
      sqlite3_free(z);
    }
  }
  sqlite3_str_appendall(s, "};\n");
  for(i=0; i<t->nCons && rc==SQLITE_OK; i++){
    const DfConstraint *k = &t->aCons[i];
    if( !isIndexConstraint(k) ) continue;
    if( n++==0 ){
      sqlite3_str_appendall(s, "{\"createIndexes\":");
      jStr(s, t->zName);
      sqlite3_str_appendall(s, ",\"indexes\":[");
    }else{
      sqlite3_str_appendchar(s, 1, ',');
    }
    rc = appendConstraintSpec(s, t, k, pzErr);
  }
  if( n ) sqlite3_str_appendall(s, "]};\n");
  return rc;
}

/* Checks every name of a table the plan creates or changes. */
static int checkTableNames(const DfCatalog *pCat, const DfTable *t, char **pzErr){
  int i, bNested = pCat && pCat->zEngine && strcmp(pCat->zEngine, "mongodb")==0;
  if( dfMongoCheckCollection("migration_plan", t->zName, pzErr) ) return SQLITE_ERROR;
  for(i=0; i<t->nCol; i++){
    if( dfMongoCheckField("migration_plan", t->zName, t->aCol[i].zName, bNested, pzErr) ){
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

static int finishDdl(sqlite3_str *pFwd, sqlite3_str *pBack, DfDdl *pOut, int rc){
  int rc2;
  if( rc ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    if( pBack ) sqlite3_free(sqlite3_str_finish(pBack));
    return rc;
  }
  rc = strFinish(pFwd, &pOut->zSql);
  if( pBack ){
    rc2 = strFinish(pBack, &pOut->zRollback);
    if( rc==SQLITE_OK ) rc = rc2;
  }
  pOut->bTransactional = 0;
  return rc;
}

static char *rowsNote(sqlite3_int64 n){
  if( n<0 ) return sqlite3_mprintf("an unknown number of documents");
  return sqlite3_mprintf("%lld document%s", n, n==1 ? "" : "s");
}

/* ---------------------------------------------------------------------------
** Collections
*/

static char *mgQuote(const char *zId){
  sqlite3_str *s = sqlite3_str_new(0);
  jStr(s, zId);
  return sqlite3_str_finish(s);
}

static int mgCreateTable(const DfDialectCtx *pCtx, const DfTable *pTo, DfDdl *pOut,
                         char **pzErr){
  sqlite3_str *pFwd, *pBack;
  int rc, i;
  rc = checkTableNames(pCtx->pTo, pTo, pzErr);
  if( rc ) return rc;
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  rc = appendCreate(pFwd, pTo, pzErr);
  sqlite3_str_appendall(pBack, "{\"drop\":");
  jStr(pBack, pTo->zName);
  sqlite3_str_appendall(pBack, "};\n");
  pOut->zLock = sqlite3_mprintf("none (new collection)");
  pOut->nRows = 0;
  for(i=0; i<pTo->nCons; i++){
    const DfConstraint *k = &pTo->aCons[i];
    if( !isIndexConstraint(k) && pOut->zNote==0 ){
      pOut->zNote = sqlite3_mprintf("%s constraint %s is not created: MongoDB has no"
                                    " %s constraints", k->zKind, k->zName, k->zKind);
    }
  }
  return finishDdl(pFwd, pBack, pOut, rc);
}

static int mgDropTable(const DfDialectCtx *pCtx, const DfTable *pFrom, DfDdl *pOut,
                       char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int bSoft = pCtx->pOpt ? pCtx->pOpt->bSoftDrop : 1;
  int rc = SQLITE_OK;
  pOut->bDestructive = 1;
  pOut->nRows = pFrom->nRows;
  if( bSoft ){
    char *zQ = dfQuarantineName(pCtx, pFrom->zName, 0);
    if( zQ==0 ) return finishDdl(pFwd, pBack, pOut, SQLITE_NOMEM);
    sqlite3_str_appendall(pFwd, "{\"renameCollection\":");
    jStr(pFwd, pFrom->zName);
    sqlite3_str_appendall(pFwd, ",\"to\":");
    jStr(pFwd, zQ);
    sqlite3_str_appendall(pFwd, "};\n");
    sqlite3_str_appendall(pBack, "{\"renameCollection\":");
    jStr(pBack, zQ);
    sqlite3_str_appendall(pBack, ",\"to\":");
    jStr(pBack, pFrom->zName);
    sqlite3_str_appendall(pBack, "};\n");
    pOut->zNote = sqlite3_mprintf("soft drop: the collection is renamed to %s with"
        " its documents and indexes (O(1)); the rollback renames it back", zQ);
    sqlite3_free(zQ);
    pOut->zLock = sqlite3_mprintf("exclusive lock on the database for the rename");
  }else{
    sqlite3_str_appendall(pFwd, "{\"drop\":");
    jStr(pFwd, pFrom->zName);
    sqlite3_str_appendall(pFwd, "};\n");
    rc = appendCreate(pBack, pFrom, pzErr);
    pOut->zNote = sqlite3_mprintf("soft_drop is off: its documents are lost; the"
                                  " rollback recreates the collection empty");
    pOut->zLock = sqlite3_mprintf("exclusive lock on the collection");
  }
  if( pOut->zNote==0 || pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return finishDdl(pFwd, pBack, pOut, rc);
}

static int mgRenameTable(const DfDialectCtx *pCtx, const DfTable *pFrom,
                         const DfTable *pTo, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd, *pBack;
  (void)pCtx;
  if( dfMongoCheckCollection("migration_plan", pTo->zName, pzErr) ) return SQLITE_ERROR;
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendall(pFwd, "{\"renameCollection\":");
  jStr(pFwd, pFrom->zName);
  sqlite3_str_appendall(pFwd, ",\"to\":");
  jStr(pFwd, pTo->zName);
  sqlite3_str_appendall(pFwd, "};\n");
  sqlite3_str_appendall(pBack, "{\"renameCollection\":");
  jStr(pBack, pTo->zName);
  sqlite3_str_appendall(pBack, ",\"to\":");
  jStr(pBack, pFrom->zName);
  sqlite3_str_appendall(pBack, "};\n");
  pOut->zLock = sqlite3_mprintf("exclusive lock on the database for the rename");
  pOut->nRows = 0;
  return finishDdl(pFwd, pBack, pOut, pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

/*
** collMod setting the validator (and its level/action) of pD->pTo, the
** rollback setting those of pD->pFrom. bTighten: existing documents may
** not satisfy the new validator, so the level becomes "moderate" unless the
** collection is known to be empty.
*/
static int appendValidatorChange(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                                 int bTighten, sqlite3_str *pFwd, sqlite3_str *pBack,
                                 DfDdl *pOut, char **pzErr){
  int rc = SQLITE_OK;
  char *zNew, *zOld = 0, *zLevel, *zAction, *zOldLevel, *zOldAction;
  (void)pCtx;
  zNew = validatorOf(pD->pTo, &rc, pzErr);
  if( rc ) return rc;
  zOld = validatorOf(pD->pFrom, &rc, pzErr);
  if( rc ){ sqlite3_free(zNew); return rc; }
  zLevel = levelOf(pD->pTo, "validationLevel");
  zAction = levelOf(pD->pTo, "validationAction");
  zOldLevel = levelOf(pD->pFrom, "validationLevel");
  zOldAction = levelOf(pD->pFrom, "validationAction");
  if( bTighten && pD->pFrom->nRows!=0 && zLevel && strcmp(zLevel, "\"strict\"")==0 ){
    char *zR = rowsNote(pD->pFrom->nRows);
    sqlite3_free(zLevel);
    zLevel = sqlite3_mprintf("\"moderate\"");
    sqlite3_free(pOut->zNote);
    pOut->zNote = sqlite3_mprintf("validationLevel \"moderate\" first: %s of %s may"
        " not match the new validator; they stay writable (not validated) until they"
        " match; apply counts them before this step and refuses in auto mode;"
        " switch to \"strict\" in a later plan once they are fixed",
        zR ? zR : "?", pD->pTo->zName);
    sqlite3_free(zR);
  }
  if( zLevel && zAction && zOldLevel && zOldAction ){
    appendCollMod(pFwd, pD->pTo->zName, zNew, zLevel, zAction);
    appendCollMod(pBack, pD->pTo->zName, zOld, zOldLevel, zOldAction);
  }else{
    rc = SQLITE_NOMEM;
  }
  sqlite3_free(zNew); sqlite3_free(zOld);
  sqlite3_free(zLevel); sqlite3_free(zAction);
  sqlite3_free(zOldLevel); sqlite3_free(zOldAction);
  if( pOut->zLock==0 ){
    pOut->zLock = sqlite3_mprintf("exclusive lock on the collection, brief (collMod"
                                  " does not read the documents)");
  }
  return rc;
}

static int mgAlterTable(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                        const DfChange *pChange, DfDdl *pOut, char **pzErr){
  const char *zAttr = pChange->zAttribute ? pChange->zAttribute : "";
  sqlite3_str *pFwd, *pBack;
  int i, rc;
  if( strcmp(zAttr, "options")!=0 ){
    /* kind (table/collection), comment: nothing to say to MongoDB */
    pOut->zNote = sqlite3_mprintf("MongoDB collections have no %s: nothing to do",
                                  strcmp(zAttr, "kind")==0 ? "other kind" : zAttr);
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  for(i=0; i<N_CREATE_OPT; i++){
    char *zA = optionText(pD->pFrom, azCreateOpt[i]);
    char *zB = optionText(pD->pTo, azCreateOpt[i]);
    int bSame = (zA==0 && zB==0) || (zA && zB && strcmp(zA, zB)==0);
    sqlite3_free(zA);
    sqlite3_free(zB);
    if( !bSame ){
      *pzErr = sqlite3_mprintf("migration_plan: mongodb cannot change the option"
          " '%s' of the existing collection '%s' in place: create a new collection"
          " with it and copy the documents", azCreateOpt[i], pD->pTo->zName);
      return SQLITE_ERROR;
    }
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  {
    char *zA = levelOf(pD->pFrom, "validationLevel");
    char *zB = levelOf(pD->pTo, "validationLevel");
    int bStricter = zA && zB && strcmp(zB, "\"strict\"")==0 && strcmp(zA, "\"strict\"")!=0;
    sqlite3_free(zA);
    sqlite3_free(zB);
    rc = appendValidatorChange(pCtx, pD, 0, pFwd, pBack, pOut, pzErr);
    if( rc==SQLITE_OK && bStricter ){
      pOut->zNote = sqlite3_mprintf("validationLevel becomes \"strict\": every"
          " document must match the validator when it is written; apply counts the"
          " documents that do not match before this step and refuses in auto mode");
    }
  }
  pOut->nRows = 0;
  return finishDdl(pFwd, pBack, pOut, rc);
}

/* ---------------------------------------------------------------------------
** Fields
*/

/* The BSON literal of a normalised default for a backfill, written into s as
** an update document: {"$set":{"f":v}} or the pipeline [{"$set":{"f":"$$NOW"}}].
** Returns SQLITE_ERROR with *pzErr when the default is an expression. */
static int appendBackfill(sqlite3_str *s, const DfTable *t, const DfColumn *c,
                          char **pzErr){
  const char *z = c->zDefault;
  const char *f = c->zFamily ? c->zFamily : "other";
  int n = z ? (int)strlen(z) : 0;
  sqlite3_str_appendall(s, "{\"update\":");
  jStr(s, t->zName);
  sqlite3_str_appendall(s, ",\"updates\":[{\"q\":{");
  jStr(s, c->zName);
  sqlite3_str_appendall(s, ":null},\"u\":");
  if( sqlite3_stricmp(z, "CURRENT_TIMESTAMP")==0 ){
    sqlite3_str_appendall(s, "[{\"$set\":{");
    jStr(s, c->zName);
    sqlite3_str_appendall(s, ":\"$$NOW\"}}]");
  }else{
    sqlite3_str_appendall(s, "{\"$set\":{");
    jStr(s, c->zName);
    sqlite3_str_appendchar(s, 1, ':');
    if( n>=2 && z[0]=='\'' && z[n-1]=='\'' ){
      int i;
      sqlite3_str *v = sqlite3_str_new(0);
      char *zV;
      for(i=1; i<n-1; i++){
        if( z[i]=='\'' && z[i+1]=='\'' ) i++;
        sqlite3_str_appendchar(v, 1, z[i]);
      }
      zV = sqlite3_str_finish(v);
      jStr(s, zV);
      sqlite3_free(zV);
    }else if( sqlite3_stricmp(z, "TRUE")==0 || sqlite3_stricmp(z, "FALSE")==0 ){
      sqlite3_str_appendall(s, sqlite3_stricmp(z, "TRUE")==0 ? "true" : "false");
    }else if( n>0 && strspn(z, "+-0123456789.eE")==(size_t)n ){
      if( strcmp(f, "bigint")==0 ){
        sqlite3_str_appendf(s, "{\"$numberLong\":\"%s\"}", z);
      }else if( strcmp(f, "numeric")==0 ){
        sqlite3_str_appendf(s, "{\"$numberDecimal\":\"%s\"}", z);
      }else if( strcmp(f, "real")==0 || strcmp(f, "double")==0 ){
        sqlite3_str_appendf(s, "{\"$numberDouble\":\"%s\"}", z);
      }else{
        sqlite3_str_appendall(s, z);
      }
    }else{
      *pzErr = sqlite3_mprintf("migration_plan: mongodb cannot fill the new field"
          " '%s' of '%s' with the default %s (only constants and CURRENT_TIMESTAMP):"
          " add it without NOT NULL, fill it, then make it NOT NULL",
          c->zName, t->zName, z);
      return SQLITE_ERROR;
    }
    sqlite3_str_appendall(s, "}}");
  }
  sqlite3_str_appendall(s, ",\"multi\":true}]};\n");
  return SQLITE_OK;
}

/* {"update":T,"updates":[{"q":{},"u":{"$unset":{"f":""}},"multi":true}]} */
static void appendUnset(sqlite3_str *s, const char *zTable, const char *zField){
  sqlite3_str_appendall(s, "{\"update\":");
  jStr(s, zTable);
  sqlite3_str_appendall(s, ",\"updates\":[{\"q\":{");
  jStr(s, zField);
  sqlite3_str_appendall(s, ":{\"$exists\":true}},\"u\":{\"$unset\":{");
  jStr(s, zField);
  sqlite3_str_appendall(s, ":\"\"}},\"multi\":true}]};\n");
}

static int mgAddColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                       const DfColumn *pCol, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd, *pBack;
  int rc = checkTableNames(pCtx->pTo, pD->pTo, pzErr);
  int bFill = pCol->bNotNull && pCol->zDefault && sqlite3_stricmp(pCol->zDefault, "NULL");
  if( rc ) return rc;
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  if( bFill ){
    rc = appendBackfill(pFwd, pD->pTo, pCol, pzErr);
    pOut->nRows = pD->pFrom->nRows;
  }
  if( rc==SQLITE_OK ){
    rc = appendValidatorChange(pCtx, pD, pCol->bNotNull && !bFill, pFwd, pBack,
                               pOut, pzErr);
  }
  if( bFill ){
    /* The rollback removes the field again (it did not exist before). */
    appendUnset(pBack, pD->pTo->zName, pCol->zName);
    if( pOut->zNote==0 ){
      char *zR = rowsNote(pD->pFrom->nRows);
      pOut->zNote = sqlite3_mprintf("the documents without the field (of %s) get"
                                    " the default %s first", zR ? zR : "?",
                                    pCol->zDefault);
      sqlite3_free(zR);
    }
  }
  return finishDdl(pFwd, pBack, pOut, rc);
}

static int mgDropColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                        const DfColumn *pCol, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int bSoft = pCtx->pOpt ? pCtx->pOpt->bSoftDrop : 1;
  const char *zT = pD->pTo->zName;
  int rc = SQLITE_OK;
  char *zQ = 0;
  pOut->bDestructive = 1;
  pOut->nRows = pD->pFrom->nRows;
  if( bSoft ){
    zQ = dfQuarantineName(pCtx, zT, pCol->zName);
    if( zQ==0 ) return finishDdl(pFwd, pBack, pOut, SQLITE_NOMEM);
    /* 1. keep {_id, field} of every document in the quarantine collection */
    sqlite3_str_appendall(pFwd, "{\"aggregate\":");
    jStr(pFwd, zT);
    sqlite3_str_appendall(pFwd, ",\"pipeline\":[{\"$project\":{\"_id\":1,");
    jStr(pFwd, pCol->zName);
    sqlite3_str_appendall(pFwd, ":1}},{\"$out\":");
    jStr(pFwd, zQ);
    sqlite3_str_appendall(pFwd, "}],\"cursor\":{}};\n");
  }
  /* 2. the validator without the field, 3. the values go */
  rc = appendValidatorChange(pCtx, pD, 0, pFwd, pBack, pOut, pzErr);
  appendUnset(pFwd, zT, pCol->zName);
  if( bSoft ){
    /* rollback, after the validator is back: merge the values, drop the copy */
    sqlite3_str *pRestore = sqlite3_str_new(0);
    char *zRestore;
    sqlite3_str_appendall(pRestore, "{\"aggregate\":");
    jStr(pRestore, zQ);
    sqlite3_str_appendall(pRestore, ",\"pipeline\":[{\"$merge\":{\"into\":");
    jStr(pRestore, zT);
    sqlite3_str_appendall(pRestore, ",\"on\":\"_id\",\"whenMatched\":\"merge\","
                          "\"whenNotMatched\":\"discard\"}}],\"cursor\":{}};\n"
                          "{\"drop\":");
    jStr(pRestore, zQ);
    sqlite3_str_appendall(pRestore, "};\n");
    zRestore = sqlite3_str_finish(pRestore);
    if( zRestore==0 ) rc = SQLITE_NOMEM;
    else{
      /* restore the values first, then the validator that requires them */
      char *zOldBack = sqlite3_str_finish(pBack);
      pBack = sqlite3_str_new(0);
      sqlite3_str_appendall(pBack, zRestore);
      if( zOldBack ) sqlite3_str_appendall(pBack, zOldBack);
      sqlite3_free(zOldBack);
      sqlite3_free(zRestore);
    }
    sqlite3_free(pOut->zNote);
    pOut->zNote = sqlite3_mprintf("soft drop: the values of %s are copied into %s"
        " ({_id, %s} of every document) before they are removed; the rollback merges"
        " them back", pCol->zName, zQ, pCol->zName);
    sqlite3_free(zQ);
  }else{
    sqlite3_free(pOut->zNote);
    pOut->zNote = sqlite3_mprintf("soft_drop is off: the values are lost; the"
                                  " rollback restores the validator only");
  }
  return finishDdl(pFwd, pBack, pOut, rc);
}

static int mgRenameColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                          const DfColumn *pFromCol, const DfColumn *pToCol,
                          DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd, *pBack;
  const char *zT = pD->pTo->zName;
  int rc = checkTableNames(pCtx->pTo, pD->pTo, pzErr);
  if( rc ) return rc;
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  /* the validator that names the new field first: a document renamed
  ** under the old one would fail it (the old name is gone) */
  rc = appendValidatorChange(pCtx, pD, 0, pFwd, pBack, pOut, pzErr);
  sqlite3_str_appendall(pFwd, "{\"update\":");
  jStr(pFwd, zT);
  sqlite3_str_appendall(pFwd, ",\"updates\":[{\"q\":{},\"u\":{\"$rename\":{");
  jStr(pFwd, pFromCol->zName);
  sqlite3_str_appendchar(pFwd, 1, ':');
  jStr(pFwd, pToCol->zName);
  sqlite3_str_appendall(pFwd, "}},\"multi\":true}]};\n");
  /* rollback: validator back first (it names the old field), then rename */
  sqlite3_str_appendall(pBack, "{\"update\":");
  jStr(pBack, zT);
  sqlite3_str_appendall(pBack, ",\"updates\":[{\"q\":{},\"u\":{\"$rename\":{");
  jStr(pBack, pToCol->zName);
  sqlite3_str_appendchar(pBack, 1, ':');
  jStr(pBack, pFromCol->zName);
  sqlite3_str_appendall(pBack, "}},\"multi\":true}]};\n");
  pOut->nRows = pD->pFrom->nRows;
  return finishDdl(pFwd, pBack, pOut, rc);
}

static int mgAlterColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                         const DfChange *pChange, DfDdl *pOut, char **pzErr){
  const char *zAttr = pChange->zAttribute ? pChange->zAttribute : "";
  const DfColumn *a = pChange->pFromCol, *b = pChange->pToCol;
  sqlite3_str *pFwd, *pBack;
  int bTighten = 0, rc;
  if( strcmp(zAttr, "collation")==0 || strcmp(zAttr, "generated")==0
   || strcmp(zAttr, "identity")==0 ){
    pOut->zNote = sqlite3_mprintf("MongoDB fields have no %s: nothing to do", zAttr);
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  int bFill = 0;
  if( strcmp(zAttr, "not_null")==0 ) bTighten = b && b->bNotNull;
  if( strcmp(zAttr, "type")==0 && a && b ) bTighten = dfTypeWidening(a, b)!=1;
  /* NOT NULL with a default: fill the documents where the field is
  ** missing or null first, as for a new field */
  bFill = bTighten && strcmp(zAttr, "not_null")==0 && b->zDefault
       && sqlite3_stricmp(b->zDefault, "NULL");
  rc = checkTableNames(pCtx->pTo, pD->pTo, pzErr);
  if( rc ) return rc;
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  if( bFill ){
    rc = appendBackfill(pFwd, pD->pTo, b, pzErr);
    bTighten = 0;
    if( rc==SQLITE_OK ){
      char *zR = rowsNote(pD->pFrom->nRows);
      pOut->zNote = sqlite3_mprintf("the documents where %s is missing or null (of"
          " %s) get the default %s first; the rollback does not empty them again",
          b->zName, zR ? zR : "?", b->zDefault);
      sqlite3_free(zR);
    }
  }
  if( rc==SQLITE_OK ) rc = appendValidatorChange(pCtx, pD, bTighten, pFwd, pBack, pOut, pzErr);
  if( rc==SQLITE_OK && strcmp(zAttr, "type")==0 && pOut->zNote==0 ){
    pOut->zNote = sqlite3_mprintf("only the validator changes: stored values are"
                                  " not converted");
  }
  pOut->nRows = 0;
  return finishDdl(pFwd, pBack, pOut, rc);
}

/* ---------------------------------------------------------------------------
** Constraints and indexes
*/

static int mgAddConstraint(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                           const DfConstraint *k, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd, *pBack;
  char *zName;
  int rc;
  (void)pCtx;
  if( !isIndexConstraint(k) ){
    pOut->zNote = sqlite3_mprintf("MongoDB has no %s constraints: %s is not"
                                  " enforced", k->zKind, k->zName);
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendall(pFwd, "{\"createIndexes\":");
  jStr(pFwd, pD->pTo->zName);
  sqlite3_str_appendall(pFwd, ",\"indexes\":[");
  rc = appendConstraintSpec(pFwd, pD->pTo, k, pzErr);
  sqlite3_str_appendall(pFwd, "]};\n");
  zName = sqlite3_stricmp(k->zKind, "primary key")==0
        ? sqlite3_mprintf("%s_pkey", pD->pTo->zName) : sqlite3_mprintf("%s", k->zName);
  sqlite3_str_appendall(pBack, "{\"dropIndexes\":");
  jStr(pBack, pD->pTo->zName);
  sqlite3_str_appendall(pBack, ",\"index\":");
  jStr(pBack, zName);
  sqlite3_str_appendall(pBack, "};\n");
  sqlite3_free(zName);
  pOut->nRows = pD->pFrom->nRows;
  pOut->zLock = sqlite3_mprintf("builds a unique index (reads every document; fails"
                                " on a duplicate)");
  return finishDdl(pFwd, pBack, pOut, rc);
}

static int mgDropConstraint(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                            const DfConstraint *k, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd, *pBack;
  char *zName;
  int rc;
  (void)pCtx;
  if( !isIndexConstraint(k) ){
    pOut->zNote = sqlite3_mprintf("MongoDB has no %s constraints: nothing to drop",
                                  k->zKind);
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  zName = constraintIndexName(pD->pFrom, k);
  sqlite3_str_appendall(pFwd, "{\"dropIndexes\":");
  jStr(pFwd, pD->pTo->zName);
  sqlite3_str_appendall(pFwd, ",\"index\":");
  jStr(pFwd, zName);
  sqlite3_str_appendall(pFwd, "};\n");
  sqlite3_str_appendall(pBack, "{\"createIndexes\":");
  jStr(pBack, pD->pTo->zName);
  sqlite3_str_appendall(pBack, ",\"indexes\":[");
  {
    DfConstraint k2 = *k;
    k2.zKind = "unique";
    k2.zName = zName;
    rc = appendConstraintSpec(pBack, pD->pTo, &k2, pzErr);
  }
  sqlite3_str_appendall(pBack, "]};\n");
  sqlite3_free(zName);
  pOut->nRows = 0;
  return finishDdl(pFwd, pBack, pOut, rc);
}

static int mgCreateIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                         const DfIndex *pIdx, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  DfTable *pOld;
  int rc;
  sqlite3_str_appendall(pFwd, "{\"createIndexes\":");
  jStr(pFwd, pTab->zName);
  sqlite3_str_appendall(pFwd, ",\"indexes\":[");
  rc = appendIndexSpec(pFwd, pTab, pIdx, pzErr);
  sqlite3_str_appendall(pFwd, "]};\n");
  sqlite3_str_appendall(pBack, "{\"dropIndexes\":");
  jStr(pBack, pTab->zName);
  sqlite3_str_appendall(pBack, ",\"index\":");
  jStr(pBack, pIdx->zName);
  sqlite3_str_appendall(pBack, "};\n");
  pOld = dfCatalogFindTable(pCtx->pFrom, pTab->zSchema, pTab->zName);
  pOut->nRows = pOld ? pOld->nRows : 0;
  pOut->zLock = sqlite3_mprintf("index build: reads every document%s",
                                pIdx->bUnique ? "; fails on a duplicate" : "");
  return finishDdl(pFwd, pBack, pOut, rc);
}

static int mgDropIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                       const DfIndex *pIdx, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx;
  sqlite3_str_appendall(pFwd, "{\"dropIndexes\":");
  jStr(pFwd, pTab->zName);
  sqlite3_str_appendall(pFwd, ",\"index\":");
  jStr(pFwd, pIdx->zName);
  sqlite3_str_appendall(pFwd, "};\n");
  sqlite3_str_appendall(pBack, "{\"createIndexes\":");
  jStr(pBack, pTab->zName);
  sqlite3_str_appendall(pBack, ",\"indexes\":[");
  rc = appendIndexSpec(pBack, pTab, pIdx, pzErr);
  sqlite3_str_appendall(pBack, "]};\n");
  pOut->nRows = 0;
  pOut->zLock = sqlite3_mprintf("exclusive lock on the collection, brief");
  return finishDdl(pFwd, pBack, pOut, rc);
}

/* ---------------------------------------------------------------------------
** Views
*/

/* Append {"create":V,"viewOn":...,"pipeline":[...]} from a mirrored view
** definition {"pipeline":[...],"viewOn":"x"}; SQLITE_DONE when the
** definition is SQL (no MongoDB equivalent). */
static int appendCreateView(sqlite3_str *s, const DfView *v, char **pzErr){
  DfJson *p, *pOn, *pPipe;
  char *zErr = 0;
  const char *zDef = v->zDef ? v->zDef : "";
  while( *zDef==' ' ) zDef++;
  if( zDef[0]!='{' ) return SQLITE_DONE;
  p = dfJsonParse(zDef, &zErr);
  sqlite3_free(zErr);
  pOn = p ? dfJsonGet(p, "viewOn") : 0;
  pPipe = p ? dfJsonGet(p, "pipeline") : 0;
  if( pOn==0 || pOn->eType!=DF_JSON_STRING ){
    *pzErr = sqlite3_mprintf("migration_plan: view '%s' has no viewOn in its"
                             " definition", v->zName);
    dfJsonFree(p);
    return SQLITE_ERROR;
  }
  sqlite3_str_appendall(s, "{\"create\":");
  jStr(s, v->zName);
  sqlite3_str_appendall(s, ",\"viewOn\":");
  jStr(s, pOn->zText);
  sqlite3_str_appendall(s, ",\"pipeline\":");
  if( pPipe ) jWrite(s, pPipe); else sqlite3_str_appendall(s, "[]");
  sqlite3_str_appendall(s, "};\n");
  dfJsonFree(p);
  return SQLITE_OK;
}

static int mgCreateView(const DfDialectCtx *pCtx, const DfView *pTo, DfDdl *pOut,
                        char **pzErr){
  sqlite3_str *pFwd, *pBack;
  int rc;
  (void)pCtx;
  if( dfMongoCheckCollection("migration_plan", pTo->zName, pzErr) ) return SQLITE_ERROR;
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  rc = appendCreateView(pFwd, pTo, pzErr);
  if( rc==SQLITE_DONE ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    pOut->zNote = sqlite3_mprintf("view %s is defined in SQL, which MongoDB cannot"
        " run: not created (define it as a MongoDB view: viewOn + pipeline)", pTo->zName);
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  sqlite3_str_appendall(pBack, "{\"drop\":");
  jStr(pBack, pTo->zName);
  sqlite3_str_appendall(pBack, "};\n");
  pOut->zLock = sqlite3_mprintf("none");
  return finishDdl(pFwd, pBack, pOut, rc);
}

static int mgDropView(const DfDialectCtx *pCtx, const DfView *pFrom, DfDdl *pOut,
                      char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx;
  sqlite3_str_appendall(pFwd, "{\"drop\":");
  jStr(pFwd, pFrom->zName);
  sqlite3_str_appendall(pFwd, "};\n");
  rc = appendCreateView(pBack, pFrom, pzErr);
  if( rc==SQLITE_DONE ){
    sqlite3_free(sqlite3_str_finish(pBack));
    pBack = 0;
    rc = SQLITE_OK;
  }
  pOut->zLock = sqlite3_mprintf("none");
  return finishDdl(pFwd, pBack, pOut, rc);
}

const DfDialect dfDialectMongodb = {
  "mongodb",              /* zName */
  0,                      /* bInlineForeignKeys: MongoDB has none at all */
  mgQuote,                /* xQuote: a JSON string literal */
  mgCreateTable,          /* xCreateTable: create + validator + constraint indexes */
  mgDropTable,            /* xDropTable: renameCollection to quarantine, or drop */
  mgRenameTable,          /* xRenameTable: renameCollection */
  mgAlterTable,           /* xAlterTable: collMod validator/level/action */
  mgAddColumn,            /* xAddColumn: backfill + collMod */
  mgDropColumn,           /* xDropColumn: $out copy, collMod, $unset */
  mgRenameColumn,         /* xRenameColumn: update $rename + collMod */
  mgAlterColumn,          /* xAlterColumn: collMod */
  mgAddConstraint,        /* xAddConstraint: unique index, or a note */
  mgDropConstraint,       /* xDropConstraint: dropIndexes, or a note */
  0,                      /* xRebuildTable: everything is changed in place */
  mgCreateIndex,          /* xCreateIndex: createIndexes */
  mgDropIndex,            /* xDropIndex: dropIndexes */
  0,                      /* xRenameIndex: MongoDB cannot: drop + create */
  mgCreateView,           /* xCreateView: create viewOn/pipeline */
  mgDropView,             /* xDropView: drop */
  0,                      /* xCreateTrigger: MongoDB has no triggers */
  0,                      /* xDropTrigger */
  0,                      /* xEnum: no enum types (labels live in validators) */
  0,                      /* xSequence: no sequences */
  0,                      /* xComment: MongoDB has no comments */
};
