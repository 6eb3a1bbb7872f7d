/*
** sql_pg.c — the PostgreSQL DDL writer (a DfDialect, see dialect.h).
**
** Usage (SQL):
**
**   .load ./ext/dataflow
**   SELECT step, operation, sql, rollback_sql, lock
**     FROM migration_plan('base.snapshot', 'model.snapshot', 'postgresql');
**   SELECT sql FROM migration_plan('a.snap', 'b.snap', 'postgresql', 'online=1');
**
** Usage (C): dfDialectFind("postgresql")->xCreateTable(&ctx, pTab, &ddl, &zErr);
**
** HOW IT WORKS
**
** PostgreSQL can change almost everything in place, so every method writes
** ALTER statements and no method asks for a rebuild. Identifiers are
** always double-quoted by pgQuote() (the only quoting routine for
** PostgreSQL in ext/); literals use %Q (standard_conforming_strings).
** Objects in the snapshot's default schema ('') are written unqualified, so
** they land in the target's current schema; other schemas are qualified.
**
** Spellings: when the catalog came from PostgreSQL itself (meta.engine),
** the native texts are written back verbatim (type_native from
** format_type(), default_native from pg_get_expr(), definition_native from
** pg_get_viewdef(), trigger definitions, exclusion constraints), so that a
** round trip through a snapshot gives the same catalog. From other engines
** the normalised forms are rendered (dfTypeRender, normalised defaults).
** Checks, generated columns, index expressions and predicates are written
** from their normalised text, which is valid PostgreSQL.
**
** Statements and locks (each step says which lock it takes):
**   CREATE TABLE ... (constraints named only when declared; foreign keys
**     come in steps of their own once every table exists)    none (new)
**   ADD COLUMN (no rewrite unless the default is volatile)  ACCESS EXCLUSIVE, brief
**   ALTER COLUMN TYPE ... USING col::type                    ACCESS EXCLUSIVE, rewrite
**     (no rewrite when the change is binary-coercible: varchar(n) -> wider, text)
**   SET/DROP NOT NULL, SET/DROP DEFAULT, identity            ACCESS EXCLUSIVE
**   ADD CONSTRAINT (online: NOT VALID, then VALIDATE)        ACCESS EXCLUSIVE /
**                                                            SHARE UPDATE EXCLUSIVE
**   CREATE INDEX (online: CONCURRENTLY, outside the txn)     SHARE / SHARE UPDATE EXCLUSIVE
**   DROP INDEX (online: CONCURRENTLY)                        ACCESS EXCLUSIVE / SHARE UPDATE EXCLUSIVE
**   CREATE TYPE AS ENUM, ALTER TYPE ADD VALUE [BEFORE|AFTER]
**   CREATE/ALTER/DROP SEQUENCE, COMMENT ON ..., views, triggers
**
** ALTER TYPE ... ADD VALUE runs inside the migration's transaction on
** PostgreSQL 12 and later, but the new label cannot be *used* (a default,
** a check, an UPDATE) before that transaction commits: such a plan fails
** at apply and rolls back; apply the enum change in a plan of its own.
** Labels removed or reordered recreate the type: the old one is renamed,
** the new one created, every column using it converted through text.
**
** Serial columns: the sequence is created (CREATE SEQUENCE, phase "pre")
** before the table, the column's default names it, and CREATE TABLE / ADD
** COLUMN end with ALTER SEQUENCE ... OWNED BY, so that the owned sequence
** behaves exactly like one made by `serial`.
**
** Soft drop (the default): a dropped table is renamed to its quarantine
** name, and its constraint indexes, plain indexes and owned sequences are
** renamed out of the way (index and sequence names are schema-wide), all
** O(1); the rollback renames everything back. A dropped column is renamed
** to its quarantine name and loses NOT NULL and its default, so that the
** table keeps accepting rows; the rollback renames it back and restores
** both. A dropped enum type is renamed, since quarantined columns may still
** use it. With soft_drop off, DROP is DROP and the rollback recreates the
** object empty.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "dialect.h"
#include "types.h"
#include "dfjson.h"
#include "sqlparse.h"

static char *pgExpr(const char *zExpr);

/* Lock impact texts. */
#define LOCK_NONE     "none (new object)"
#define LOCK_AE       "ACCESS EXCLUSIVE on {t} (brief: catalog change only)"
#define LOCK_AE_SCAN  "ACCESS EXCLUSIVE on {t}; scans it ({n} rows) to verify"
#define LOCK_AE_REWR  "ACCESS EXCLUSIVE on {t}; rewrites it ({n} rows)"
#define LOCK_SHARE    "SHARE on {t}: writes wait while the index builds ({n} rows read)"
#define LOCK_SUE      "SHARE UPDATE EXCLUSIVE on {t}: reads and writes continue"
#define LOCK_SRE      "SHARE ROW EXCLUSIVE on %s and on %s; scans %s (%s rows)"

/* ---------------------------------------------------------------------------
** Quoting and names
*/

/* "name" with embedded quotes doubled. OUT: caller frees. */
static char *pgQuote(const char *zId){
  return sqlite3_mprintf("\"%w\"", zId ? zId : "");
}

static void appendId(sqlite3_str *p, const char *zId){
  sqlite3_str_appendf(p, "\"%w\"", zId ? zId : "");
}

/* Append a possibly schema-qualified quoted name. */
static void appendName(sqlite3_str *p, const char *zSchema, const char *zName){
  if( zSchema && zSchema[0] ){ appendId(p, zSchema); sqlite3_str_appendchar(p, 1, '.'); }
  appendId(p, zName);
}

/* Append a reference as the mirror records it ("name" in the default schema,
** "schema.name" elsewhere): a known table of pCat wins over the split. */
static void appendRef(sqlite3_str *p, const DfCatalog *pCat, const char *zRef){
  const char *zDot = zRef ? strchr(zRef, '.') : 0;
  char *zNsp;
  if( zDot==0 || (pCat && dfCatalogFindTable((DfCatalog*)pCat, "", zRef)) ){
    appendId(p, zRef);
    return;
  }
  zNsp = sqlite3_mprintf("%.*s", (int)(zDot-zRef), zRef);
  appendId(p, zNsp);
  sqlite3_free(zNsp);
  sqlite3_str_appendchar(p, 1, '.');
  appendId(p, zDot+1);
}

/* Does catalog pCat hold PostgreSQL's own spellings? */
static int isNative(const DfCatalog *pCat){
  return pCat && pCat->zEngine && sqlite3_stricmp(pCat->zEngine, "postgresql")==0;
}

/* Row count as text for lock notes. OUT: caller frees. */
static char *rowsText(sqlite3_int64 n){
  return n<0 ? sqlite3_mprintf("?") : sqlite3_mprintf("%lld", n);
}

/* Display name of a table for lock texts. OUT: caller frees. */
static char *tabDisplay(const DfTable *t){
  if( t->zSchema && t->zSchema[0] ) return sqlite3_mprintf("%s.%s", t->zSchema, t->zName);
  return sqlite3_mprintf("%s", t->zName);
}

/* A lock text with the table ({t}) and its row count ({n}) filled in.
** OUT: caller frees. */
static char *lockText(const char *zFmt, const DfTable *t){
  char *zT = tabDisplay(t);
  char *zR = rowsText(t->nRows);
  sqlite3_str *s = sqlite3_str_new(0);
  for(; *zFmt; zFmt++){
    if( zFmt[0]=='{' && (zFmt[1]=='t' || zFmt[1]=='n') && zFmt[2]=='}' ){
      sqlite3_str_appendall(s, zFmt[1]=='t' ? (zT ? zT : "?") : (zR ? zR : "?"));
      zFmt += 2;
    }else{
      sqlite3_str_appendchar(s, 1, *zFmt);
    }
  }
  sqlite3_free(zT);
  sqlite3_free(zR);
  return sqlite3_str_finish(s);
}

/* 32-bit FNV-1a of z, for short unique quarantine names. */
static unsigned int fnv1a(const char *z){
  unsigned int h = 2166136261u;
  for(; z && *z; z++){ h ^= (unsigned char)*z; h *= 16777619u; }
  return h;
}

/* Quarantine name of an index, constraint or sequence zName of a dropped
** table: short (names are schema-wide and limited to 63 bytes) and
** derived from the name, so that the rollback finds it. OUT: caller frees. */
static char *quarantineAux(const DfDialectCtx *pCtx, const char *zTable,
                           const char *zName){
  char *zKey = sqlite3_mprintf("%s\x01%s", zTable, zName);
  char *z = sqlite3_mprintf("dataflow_quarantine_%s%s%08x",
                            pCtx->zTag ? pCtx->zTag : "",
                            (pCtx->zTag && pCtx->zTag[0]) ? "_" : "", fnv1a(zKey));
  sqlite3_free(zKey);
  return z;
}

/* ---------------------------------------------------------------------------
** Small catalog helpers
*/

static int jsonCount(const char *zJson){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az);
  if( n>0 ) dfJsonFreeStrings(n, az);
  return n;
}

/* Append the JSON array of names as a quoted, comma-separated list. */
static void appendIdList(sqlite3_str *p, const char *zJson){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az), i;
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendall(p, ", ");
    appendId(p, az[i]);
  }
  if( n>0 ) dfJsonFreeStrings(n, az);
}

/* String member zKey of a JSON object text, or NULL. OUT: caller frees. */
static char *jsonMember(const char *zObj, const char *zKey){
  DfJson *p, *v;
  char *z = 0;
  if( zObj==0 ) return 0;
  p = dfJsonParse(zObj, 0);
  v = p ? dfJsonGet(p, zKey) : 0;
  if( v && v->eType==DF_JSON_STRING ) z = sqlite3_mprintf("%s", v->zText);
  else if( v && v->eType==DF_JSON_NUMBER ) z = sqlite3_mprintf("%s", v->zText);
  else if( v && v->eType==DF_JSON_TRUE ) z = sqlite3_mprintf("1");
  dfJsonFree(p);
  return z;
}

/* Member zKey (an array of strings) of a JSON object, as "a, b". */
static char *jsonMemberList(const char *zObj, const char *zKey, int bQuote,
                            const DfCatalog *pCat){
  DfJson *p, *v;
  sqlite3_str *s;
  int i;
  if( zObj==0 ) return 0;
  p = dfJsonParse(zObj, 0);
  v = p ? dfJsonGet(p, zKey) : 0;
  if( v==0 || v->eType!=DF_JSON_ARRAY ){ dfJsonFree(p); return 0; }
  s = sqlite3_str_new(0);
  for(i=0; i<v->nChild; i++){
    if( v->aChild[i].eType!=DF_JSON_STRING ) continue;
    if( i ) sqlite3_str_appendall(s, ", ");
    if( bQuote ) appendRef(s, pCat, v->aChild[i].zText);
    else sqlite3_str_appendall(s, v->aChild[i].zText);
  }
  dfJsonFree(p);
  return sqlite3_str_finish(s);
}

/* The sequence of pCat owned by column zCol of table zTable, or NULL. */
static const DfSequence *ownedSequence(const DfCatalog *pCat, const char *zSchema,
                                       const char *zTable, const char *zCol){
  int i;
  char *zOwner;
  const DfSequence *pFound = 0;
  if( pCat==0 ) return 0;
  zOwner = sqlite3_mprintf("%s.%s", zTable, zCol);
  for(i=0; zOwner && i<pCat->nSeq; i++){
    const DfSequence *s = &pCat->aSeq[i];
    if( s->zOwnedBy && strcmp(s->zOwnedBy, zOwner)==0
     && strcmp(s->zSchema ? s->zSchema : "", zSchema ? zSchema : "")==0 ){
      pFound = s;
      break;
    }
  }
  sqlite3_free(zOwner);
  return pFound;
}

/* Does table.column zOwned ("t.c") exist in pCat (schema zSchema)? */
static int ownerExists(const DfCatalog *pCat, const char *zSchema, const char *zOwned){
  const char *zDot = zOwned ? strrchr(zOwned, '.') : 0;
  char *zTab;
  DfTable *t;
  int b = 0;
  if( zDot==0 || pCat==0 ) return 0;
  zTab = sqlite3_mprintf("%.*s", (int)(zDot-zOwned), zOwned);
  t = zTab ? dfCatalogFindTable((DfCatalog*)pCat, zSchema ? zSchema : "", zTab) : 0;
  if( t && dfTableFindColumn(t, zDot+1, 0) ) b = 1;
  sqlite3_free(zTab);
  return b;
}

/* Append "ALTER SEQUENCE s OWNED BY t.c;\n". */
static void appendOwnedBy(sqlite3_str *p, const DfSequence *s, const char *zTabSchema,
                          const char *zTable, const char *zCol){
  sqlite3_str_appendall(p, "ALTER SEQUENCE ");
  appendName(p, s->zSchema, s->zName);
  sqlite3_str_appendall(p, " OWNED BY ");
  if( zTable ){
    appendName(p, zTabSchema, zTable);
    sqlite3_str_appendchar(p, 1, '.');
    appendId(p, zCol);
  }else{
    sqlite3_str_appendall(p, "NONE");
  }
  sqlite3_str_appendall(p, ";\n");
}

/* Does catalog pCat hold any object in schema zSchema? */
static int schemaUsed(const DfCatalog *pCat, const char *zSchema){
  int i;
  if( pCat==0 ) return 0;
  for(i=0; i<pCat->nTable; i++) if( strcmp(pCat->aTable[i].zSchema, zSchema)==0 ) return 1;
  for(i=0; i<pCat->nView; i++) if( strcmp(pCat->aView[i].zSchema, zSchema)==0 ) return 1;
  for(i=0; i<pCat->nEnum; i++) if( strcmp(pCat->aEnum[i].zSchema, zSchema)==0 ) return 1;
  for(i=0; i<pCat->nSeq; i++) if( strcmp(pCat->aSeq[i].zSchema, zSchema)==0 ) return 1;
  return 0;
}

/* An object is created in a schema the database may not have yet: schemas
** are not catalog objects, so create it when nothing of the base uses it
** (the rollback leaves the empty schema). */
static void appendEnsureSchema(sqlite3_str *p, const DfDialectCtx *pCtx,
                               const char *zSchema){
  if( zSchema==0 || zSchema[0]==0 || schemaUsed(pCtx->pFrom, zSchema) ) return;
  sqlite3_str_appendall(p, "CREATE SCHEMA IF NOT EXISTS ");
  appendId(p, zSchema);
  sqlite3_str_appendall(p, ";\n");
}

/* ---------------------------------------------------------------------------
** Column definitions
*/

/* Rendered type of c. OUT: caller frees. */
static char *columnType(const DfCatalog *pCat, const DfColumn *c){
  return dfTypeRender("postgresql", pCat && pCat->zEngine ? pCat->zEngine : "model", c);
}

/* The default expression to write for c, or NULL. */
static const char *defaultText(const DfCatalog *pCat, const DfColumn *c){
  if( c->zGenExpr ) return 0;
  if( isNative(pCat) && c->zDefaultNative ) return c->zDefaultNative;
  return c->zDefault;
}

/* Append a collation name, qualified when the mirror recorded "schema.name". */
static void appendCollation(sqlite3_str *p, const char *zColl){
  const char *zDot = strchr(zColl, '.');
  if( zDot && zDot!=zColl ){
    char *zNsp = sqlite3_mprintf("%.*s", (int)(zDot-zColl), zColl);
    appendId(p, zNsp);
    sqlite3_free(zNsp);
    sqlite3_str_appendchar(p, 1, '.');
    appendId(p, zDot+1);
  }else{
    appendId(p, zColl);
  }
}

static const char *identityText(const DfColumn *c){
  if( c->zIdentity==0 ) return 0;
  if( sqlite3_stricmp(c->zIdentity, "always")==0 ) return "ALWAYS";
  return "BY DEFAULT";      /* "by default", and other engines' autoincrement */
}

/* Append one column definition ("name type ..."). */
static int appendColumnDef(sqlite3_str *p, const DfCatalog *pCat, const DfColumn *c){
  char *zType = columnType(pCat, c);
  const char *zDef = defaultText(pCat, c);
  if( zType==0 ) return SQLITE_NOMEM;
  appendId(p, c->zName);
  sqlite3_str_appendf(p, " %s", zType[0] ? zType : "text");
  sqlite3_free(zType);
  if( c->zCollation && isNative(pCat) ){
    sqlite3_str_appendall(p, " COLLATE ");
    appendCollation(p, c->zCollation);
  }
  if( c->zGenExpr ){
    char *zX = pgExpr(c->zGenExpr);
    sqlite3_str_appendf(p, " GENERATED ALWAYS AS (%s) STORED", zX ? zX : c->zGenExpr);
    sqlite3_free(zX);
  }else if( zDef ){
    sqlite3_str_appendf(p, " DEFAULT %s", zDef);
  }
  if( identityText(c) ){
    sqlite3_str_appendf(p, " GENERATED %s AS IDENTITY", identityText(c));
  }
  if( c->bNotNull ) sqlite3_str_appendall(p, " NOT NULL");
  return SQLITE_OK;
}

/* ---------------------------------------------------------------------------
** Constraints
*/

static int isAction(const char *z){
  return z && z[0] && sqlite3_stricmp(z, "NO ACTION")!=0;
}

/*
** A normalised expression as PostgreSQL should receive it. The normal form
** writes "x = ANY (ARRAY[v])" as "x in (v)", but PostgreSQL parses a
** one-element IN list as "x = v", which normalises differently: such lists
** are written back as = ANY / <> ALL, so that the server stores what the
** snapshot describes. OUT: caller frees.
*/
static char *pgExpr(const char *zExpr){
  sqlite3_str *s = sqlite3_str_new(0);
  const char *z = zExpr ? zExpr : "";
  int i = 0;
  while( z[i] ){
    int eType, n = dfSqlToken(&z[i], &eType);
    if( n<=0 ) break;
    if( eType==DF_TK_ID && ((n==2 && sqlite3_strnicmp(&z[i], "in", 2)==0)
                         || (n==3 && sqlite3_strnicmp(&z[i], "not", 3)==0)) ){
      int bNot = n==3, j = i + n, e, m, iVal, nVal;
      if( bNot ){
        j += dfSqlSkipSpace(&z[j]);
        m = dfSqlToken(&z[j], &e);
        if( !(e==DF_TK_ID && m==2 && sqlite3_strnicmp(&z[j], "in", 2)==0) ) goto copy;
        j += m;
      }
      j += dfSqlSkipSpace(&z[j]);
      if( z[j]!='(' ) goto copy;
      j++;
      j += dfSqlSkipSpace(&z[j]);
      iVal = j;
      if( z[j]=='-' ){ j++; }
      m = dfSqlToken(&z[j], &e);
      if( m<=0 || !(e==DF_TK_STRING || e==DF_TK_NUMBER) ) goto copy;
      j += m;
      nVal = j - iVal;
      j += dfSqlSkipSpace(&z[j]);
      if( z[j]!=')' ) goto copy;
      sqlite3_str_appendf(s, "%s (ARRAY[%.*s])", bNot ? "<> ALL" : "= ANY", nVal, &z[iVal]);
      i = j + 1;
      continue;
    }
  copy:
    sqlite3_str_append(s, &z[i], n);
    i += n;
  }
  return sqlite3_str_finish(s);
}

/* Append the body of a constraint (after "CONSTRAINT name "). */
static int appendConstraintBody(sqlite3_str *p, const DfCatalog *pCat,
                                const DfTable *t, const DfConstraint *k,
                                char **pzErr){
  const char *zKind = k->zKind ? k->zKind : "";
  if( sqlite3_stricmp(zKind, "primary key")==0 || sqlite3_stricmp(zKind, "unique")==0 ){
    sqlite3_str_appendall(p, sqlite3_stricmp(zKind, "unique")==0 ? "UNIQUE (" : "PRIMARY KEY (");
    appendIdList(p, k->zColumns);
    sqlite3_str_appendall(p, ")");
  }else if( sqlite3_stricmp(zKind, "check")==0 ){
    char *zX = pgExpr(k->zExpr ? k->zExpr : "true");
    sqlite3_str_appendf(p, "CHECK (%s)", zX ? zX : "true");
    sqlite3_free(zX);
  }else if( sqlite3_stricmp(zKind, "exclude")==0 ){
    if( k->zExpr==0 || sqlite3_strnicmp(k->zExpr, "EXCLUDE", 7)!=0 ){
      *pzErr = sqlite3_mprintf("migration_plan: exclusion constraint '%s' of table"
                               " '%s' has no PostgreSQL definition", k->zName, t->zName);
      return SQLITE_ERROR;
    }
    sqlite3_str_appendall(p, k->zExpr);
    return SQLITE_OK;        /* the definition carries DEFERRABLE itself */
  }else if( sqlite3_stricmp(zKind, "foreign key")==0 ){
    sqlite3_str_appendall(p, "FOREIGN KEY (");
    appendIdList(p, k->zColumns);
    sqlite3_str_appendall(p, ") REFERENCES ");
    appendName(p, k->zRefSchema, k->zRefTable ? k->zRefTable : "");
    if( jsonCount(k->zRefColumns)>0 ){
      sqlite3_str_appendall(p, " (");
      appendIdList(p, k->zRefColumns);
      sqlite3_str_appendall(p, ")");
    }
    if( k->zMatch && (sqlite3_stricmp(k->zMatch, "FULL")==0
                      || sqlite3_stricmp(k->zMatch, "PARTIAL")==0) ){
      sqlite3_str_appendf(p, " MATCH %s", k->zMatch);
    }
    if( isAction(k->zOnUpdate) ) sqlite3_str_appendf(p, " ON UPDATE %s", k->zOnUpdate);
    if( isAction(k->zOnDelete) ) sqlite3_str_appendf(p, " ON DELETE %s", k->zOnDelete);
  }else{
    *pzErr = sqlite3_mprintf("migration_plan: postgresql has no '%s' constraints"
                             " (constraint '%s' of table '%s')", zKind,
                             k->zName ? k->zName : "", t->zName);
    return SQLITE_ERROR;
  }
  if( k->bDeferrable ){
    sqlite3_str_appendall(p, k->bInitDeferred ? " DEFERRABLE INITIALLY DEFERRED"
                                              : " DEFERRABLE");
  }
  (void)pCat;
  return SQLITE_OK;
}

/* Append "[CONSTRAINT name ]body"; bName forces the name. */
static int appendConstraint(sqlite3_str *p, const DfCatalog *pCat, const DfTable *t,
                            const DfConstraint *k, int bName, char **pzErr){
  if( k->zName && (bName || !k->bGenName) ){
    sqlite3_str_appendall(p, "CONSTRAINT ");
    appendId(p, k->zName);
    sqlite3_str_appendchar(p, 1, ' ');
  }
  return appendConstraintBody(p, pCat, t, k, pzErr);
}

static void appendAlterTable(sqlite3_str *p, const DfTable *t){
  sqlite3_str_appendall(p, "ALTER TABLE ");
  appendName(p, t->zSchema, t->zName);
  sqlite3_str_appendchar(p, 1, ' ');
}

/* ALTER TABLE t RENAME COLUMN|CONSTRAINT "a" TO "b"; */
static void appendRename(sqlite3_str *s, const DfTable *t, const char *zWhat,
                         const char *zOld, const char *zNew){
  appendAlterTable(s, t);
  sqlite3_str_appendf(s, "RENAME %s ", zWhat);
  appendId(s, zOld);
  sqlite3_str_appendall(s, " TO ");
  appendId(s, zNew);
  sqlite3_str_appendall(s, ";\n");
}

/* ---------------------------------------------------------------------------
** Indexes
*/

static void appendIndexKeys(sqlite3_str *p, const char *zKeys){
  DfJson *pArr = dfJsonParse(zKeys ? zKeys : "[]", 0);
  int i;
  for(i=0; pArr && pArr->eType==DF_JSON_ARRAY && i<pArr->nChild; i++){
    DfJson *k = &pArr->aChild[i], *v;
    if( i ) sqlite3_str_appendall(p, ", ");
    if( k->eType==DF_JSON_STRING ){ appendId(p, k->zText); continue; }
    if( (v = dfJsonGet(k, "column"))!=0 && v->eType==DF_JSON_STRING ){
      appendId(p, v->zText);
    }else if( (v = dfJsonGet(k, "expr"))!=0 && v->eType==DF_JSON_STRING ){
      sqlite3_str_appendf(p, "(%s)", v->zText);
    }
    if( (v = dfJsonGet(k, "collate"))!=0 && v->eType==DF_JSON_STRING ){
      sqlite3_str_appendall(p, " COLLATE ");
      appendCollation(p, v->zText);
    }
    if( (v = dfJsonGet(k, "opclass"))!=0 && v->eType==DF_JSON_STRING ){
      sqlite3_str_appendf(p, " %s", v->zText);
    }
    if( (v = dfJsonGet(k, "desc"))!=0
     && (v->eType==DF_JSON_TRUE || (v->eType==DF_JSON_NUMBER && strcmp(v->zText, "0")!=0)) ){
      sqlite3_str_appendall(p, " DESC");
    }
    if( (v = dfJsonGet(k, "nulls"))!=0 && v->eType==DF_JSON_STRING ){
      sqlite3_str_appendf(p, " NULLS %s", sqlite3_stricmp(v->zText, "first")==0 ? "FIRST" : "LAST");
    }
  }
  dfJsonFree(pArr);
}

/* Methods that PostgreSQL knows; others (MySQL fulltext...) become btree. */
static int isPgMethod(const char *z){
  static const char *az[] = { "btree", "hash", "gist", "gin", "spgist", "brin" };
  size_t i;
  for(i=0; z && i<sizeof(az)/sizeof(az[0]); i++) if( sqlite3_stricmp(z, az[i])==0 ) return 1;
  return 0;
}

static void appendCreateIndex(sqlite3_str *p, const DfTable *t, const DfIndex *x,
                              int bConcurrently){
  char *zWith = jsonMemberList(x->zOptions, "with", 0, 0);
  char *zNnd = jsonMember(x->zOptions, "nulls_not_distinct");
  sqlite3_str_appendf(p, "CREATE %sINDEX %s", x->bUnique ? "UNIQUE " : "",
                      bConcurrently ? "CONCURRENTLY " : "");
  appendId(p, x->zName);
  sqlite3_str_appendall(p, " ON ");
  appendName(p, t->zSchema, t->zName);
  if( x->zMethod && isPgMethod(x->zMethod) && sqlite3_stricmp(x->zMethod, "btree")!=0 ){
    sqlite3_str_appendf(p, " USING %s", x->zMethod);
  }
  sqlite3_str_appendall(p, " (");
  appendIndexKeys(p, x->zKeys);
  sqlite3_str_appendall(p, ")");
  if( jsonCount(x->zInclude)>0 ){
    sqlite3_str_appendall(p, " INCLUDE (");
    appendIdList(p, x->zInclude);
    sqlite3_str_appendall(p, ")");
  }
  if( zNnd ) sqlite3_str_appendall(p, " NULLS NOT DISTINCT");
  if( zWith && zWith[0] ) sqlite3_str_appendf(p, " WITH (%s)", zWith);
  if( x->zPredicate && x->zPredicate[0] ){
    char *zX = pgExpr(x->zPredicate);
    sqlite3_str_appendf(p, " WHERE %s", zX ? zX : x->zPredicate);
    sqlite3_free(zX);
  }
  sqlite3_str_appendall(p, ";\n");
  if( x->zComment ){
    sqlite3_str_appendall(p, "COMMENT ON INDEX ");
    appendName(p, t->zSchema, x->zName);
    sqlite3_str_appendf(p, " IS %Q;\n", x->zComment);
  }
  sqlite3_free(zWith);
  sqlite3_free(zNnd);
}

static void appendDropIndex(sqlite3_str *p, const char *zSchema, const DfIndex *x,
                            int bConcurrently){
  sqlite3_str_appendf(p, "DROP INDEX %s", bConcurrently ? "CONCURRENTLY " : "");
  appendName(p, zSchema, x->zName);
  sqlite3_str_appendall(p, ";\n");
}

/* ---------------------------------------------------------------------------
** Tables
*/

/* Append the CREATE TABLE of t (plus comments and OWNED BY) named zName. */
static int appendCreateTable(sqlite3_str *p, const DfCatalog *pCat, const DfTable *t,
                             char **pzErr){
  char *zPartOf = jsonMember(t->zOptions, "partition_of");
  char *zBound = jsonMember(t->zOptions, "bound");
  char *zPartBy = jsonMember(t->zOptions, "partition_by");
  char *zInherits = jsonMemberList(t->zOptions, "inherits", 1, pCat);
  char *zWith = jsonMemberList(t->zOptions, "with", 0, 0);
  char *zUnlogged = jsonMember(t->zOptions, "unlogged");
  int i, n = 0, rc = SQLITE_OK;

  sqlite3_str_appendf(p, "CREATE %sTABLE ", zUnlogged ? "UNLOGGED " : "");
  appendName(p, t->zSchema, t->zName);
  if( zPartOf ){
    sqlite3_str_appendall(p, " PARTITION OF ");
    appendRef(p, pCat, zPartOf);
  }
  sqlite3_str_appendall(p, " (");
  if( !zPartOf ){
    for(i=0; rc==SQLITE_OK && i<t->nCol; i++){
      sqlite3_str_appendall(p, n++ ? ",\n  " : "\n  ");
      rc = appendColumnDef(p, pCat, &t->aCol[i]);
    }
  }
  for(i=0; rc==SQLITE_OK && i<t->nCons; i++){
    const DfConstraint *k = &t->aCons[i];
    if( k->zKind && sqlite3_stricmp(k->zKind, "foreign key")==0 ) continue;
    sqlite3_str_appendall(p, n++ ? ",\n  " : "\n  ");
    rc = appendConstraint(p, pCat, t, k, 0, pzErr);
  }
  sqlite3_str_appendall(p, n ? "\n)" : ")");
  if( zPartOf ){
    sqlite3_str_appendf(p, " %s", zBound ? zBound : "DEFAULT");
    if( n==0 ){
      /* "CREATE TABLE c PARTITION OF p () FOR VALUES" is not valid: drop "()". */
      char *z = sqlite3_str_value(p) ? sqlite3_mprintf("%s", sqlite3_str_value(p)) : 0;
      if( z ){
        char *zHit = strstr(z, " () ");
        if( zHit ){
          memmove(zHit, zHit+3, strlen(zHit+3)+1);
          sqlite3_str_reset(p);
          sqlite3_str_appendall(p, z);
        }
        sqlite3_free(z);
      }
    }
  }
  if( zInherits && zInherits[0] ) sqlite3_str_appendf(p, " INHERITS (%s)", zInherits);
  if( zPartBy ) sqlite3_str_appendf(p, " PARTITION BY %s", zPartBy);
  if( zWith && zWith[0] ) sqlite3_str_appendf(p, " WITH (%s)", zWith);
  sqlite3_str_appendall(p, ";\n");
  if( t->zComment ){
    sqlite3_str_appendall(p, "COMMENT ON TABLE ");
    appendName(p, t->zSchema, t->zName);
    sqlite3_str_appendf(p, " IS %Q;\n", t->zComment);
  }
  for(i=0; i<t->nCol; i++){
    const DfColumn *c = &t->aCol[i];
    const DfSequence *s;
    if( c->zComment && !zPartOf ){
      sqlite3_str_appendall(p, "COMMENT ON COLUMN ");
      appendName(p, t->zSchema, t->zName);
      sqlite3_str_appendchar(p, 1, '.');
      appendId(p, c->zName);
      sqlite3_str_appendf(p, " IS %Q;\n", c->zComment);
    }
    s = ownedSequence(pCat, t->zSchema, t->zName, c->zName);
    if( s ) appendOwnedBy(p, s, t->zSchema, t->zName, c->zName);
  }
  sqlite3_free(zPartOf);
  sqlite3_free(zBound);
  sqlite3_free(zPartBy);
  sqlite3_free(zInherits);
  sqlite3_free(zWith);
  sqlite3_free(zUnlogged);
  return rc;
}

/* Finish a forward and a rollback builder into pOut. */
static int finishDdl(sqlite3_str *pFwd, sqlite3_str *pBack, DfDdl *pOut, int bTxn){
  int rc = sqlite3_str_errcode(pFwd);
  if( rc==SQLITE_OK && pBack ) rc = sqlite3_str_errcode(pBack);
  pOut->zSql = sqlite3_str_finish(pFwd);
  pOut->zRollback = pBack ? sqlite3_str_finish(pBack) : 0;
  pOut->bTransactional = bTxn;
  if( rc==SQLITE_OK && pOut->zSql==0 ) rc = SQLITE_NOMEM;
  return rc;
}

/* Free two builders after an error. */
static int abandon(sqlite3_str *a, sqlite3_str *b, int rc){
  sqlite3_free(sqlite3_str_finish(a));
  if( b ) sqlite3_free(sqlite3_str_finish(b));
  return rc;
}

/* Set the lock text and row estimate; SQLITE_NOMEM when the text is lost. */
static int setLock(DfDdl *pOut, char *zLock, sqlite3_int64 nRows, int rc){
  pOut->zLock = zLock;
  pOut->nRows = nRows;
  if( rc==SQLITE_OK && zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

/* Append the foreign keys, indexes and triggers of t (for rollbacks). */
static int appendTableExtras(sqlite3_str *p, const DfCatalog *pCat, const DfTable *t,
                             int bFk, char **pzErr){
  int i, rc = SQLITE_OK;
  for(i=0; rc==SQLITE_OK && bFk && i<t->nCons; i++){
    const DfConstraint *k = &t->aCons[i];
    if( k->zKind==0 || sqlite3_stricmp(k->zKind, "foreign key")!=0 ) continue;
    appendAlterTable(p, t);
    sqlite3_str_appendall(p, "ADD ");
    rc = appendConstraint(p, pCat, t, k, 1, pzErr);
    sqlite3_str_appendall(p, ";\n");
  }
  for(i=0; i<t->nIdx; i++) appendCreateIndex(p, t, &t->aIdx[i], 0);
  for(i=0; i<t->nTrig; i++){
    sqlite3_str_appendf(p, "%s;\n", t->aTrig[i].zDef);
  }
  return rc;
}

static int pgCreateTable(const DfDialectCtx *pCtx, const DfTable *pTo,
                         DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  appendEnsureSchema(pFwd, pCtx, pTo->zSchema);
  rc = appendCreateTable(pFwd, pCtx->pTo, pTo, pzErr);
  int i;
  if( rc ) return abandon(pFwd, pBack, rc);
  /* Owned sequences would go with the table: keep them for their own
  ** rollback step. */
  for(i=0; i<pTo->nCol; i++){
    const DfSequence *s = ownedSequence(pCtx->pTo, pTo->zSchema, pTo->zName,
                                        pTo->aCol[i].zName);
    if( s ) appendOwnedBy(pBack, s, 0, 0, 0);
  }
  sqlite3_str_appendall(pBack, "DROP TABLE ");
  appendName(pBack, pTo->zSchema, pTo->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, sqlite3_mprintf(LOCK_NONE), 0, rc);
}

static int pgDropTable(const DfDialectCtx *pCtx, const DfTable *pFrom,
                       DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int bSoft = pCtx->pOpt ? pCtx->pOpt->bSoftDrop : 1;
  int i, rc = SQLITE_OK;
  pOut->bDestructive = 1;
  if( bSoft ){
    char *zQ = dfQuarantineName(pCtx, pFrom->zName, 0);
    if( zQ==0 ) return abandon(pFwd, pBack, SQLITE_NOMEM);
    appendAlterTable(pFwd, pFrom);
    sqlite3_str_appendall(pFwd, "RENAME TO ");
    appendId(pFwd, zQ);
    sqlite3_str_appendall(pFwd, ";\n");
    /* Schema-wide names of what the table owns move out of the way. */
    for(i=0; i<pFrom->nCons; i++){
      const DfConstraint *k = &pFrom->aCons[i];
      char *zAux;
      if( k->zKind==0 || !(sqlite3_stricmp(k->zKind, "primary key")==0
          || sqlite3_stricmp(k->zKind, "unique")==0
          || sqlite3_stricmp(k->zKind, "exclude")==0) ) continue;
      zAux = quarantineAux(pCtx, pFrom->zName, k->zName);
      sqlite3_str_appendall(pFwd, "ALTER TABLE ");
      appendName(pFwd, pFrom->zSchema, zQ);
      sqlite3_str_appendall(pFwd, " RENAME CONSTRAINT ");
      appendId(pFwd, k->zName);
      sqlite3_str_appendall(pFwd, " TO ");
      appendId(pFwd, zAux);
      sqlite3_str_appendall(pFwd, ";\n");
      sqlite3_str_appendall(pBack, "ALTER TABLE ");
      appendName(pBack, pFrom->zSchema, zQ);
      sqlite3_str_appendall(pBack, " RENAME CONSTRAINT ");
      appendId(pBack, zAux);
      sqlite3_str_appendall(pBack, " TO ");
      appendId(pBack, k->zName);
      sqlite3_str_appendall(pBack, ";\n");
      sqlite3_free(zAux);
    }
    for(i=0; i<pFrom->nIdx; i++){
      char *zAux = quarantineAux(pCtx, pFrom->zName, pFrom->aIdx[i].zName);
      sqlite3_str_appendall(pFwd, "ALTER INDEX ");
      appendName(pFwd, pFrom->zSchema, pFrom->aIdx[i].zName);
      sqlite3_str_appendall(pFwd, " RENAME TO ");
      appendId(pFwd, zAux);
      sqlite3_str_appendall(pFwd, ";\n");
      sqlite3_str_appendall(pBack, "ALTER INDEX ");
      appendName(pBack, pFrom->zSchema, zAux);
      sqlite3_str_appendall(pBack, " RENAME TO ");
      appendId(pBack, pFrom->aIdx[i].zName);
      sqlite3_str_appendall(pBack, ";\n");
      sqlite3_free(zAux);
    }
    for(i=0; i<pFrom->nCol; i++){
      const DfSequence *s = ownedSequence(pCtx->pFrom, pFrom->zSchema, pFrom->zName,
                                          pFrom->aCol[i].zName);
      char *zAux;
      if( s==0 ) continue;
      zAux = quarantineAux(pCtx, pFrom->zName, s->zName);
      sqlite3_str_appendall(pFwd, "ALTER SEQUENCE ");
      appendName(pFwd, s->zSchema, s->zName);
      sqlite3_str_appendall(pFwd, " RENAME TO ");
      appendId(pFwd, zAux);
      sqlite3_str_appendall(pFwd, ";\n");
      sqlite3_str_appendall(pBack, "ALTER SEQUENCE ");
      appendName(pBack, s->zSchema, zAux);
      sqlite3_str_appendall(pBack, " RENAME TO ");
      appendId(pBack, s->zName);
      sqlite3_str_appendall(pBack, ";\n");
      sqlite3_free(zAux);
    }
    sqlite3_str_appendall(pBack, "ALTER TABLE ");
    appendName(pBack, pFrom->zSchema, zQ);
    sqlite3_str_appendall(pBack, " RENAME TO ");
    appendId(pBack, pFrom->zName);
    sqlite3_str_appendall(pBack, ";\n");
    pOut->zNote = sqlite3_mprintf("soft drop: the table is renamed to %s (its"
        " indexes, constraints and sequences renamed out of the way) and the"
        " rollback renames everything back", zQ);
    rc = setLock(pOut, lockText(LOCK_AE, pFrom), 0, rc);
    sqlite3_free(zQ);
  }else{
    sqlite3_str_appendall(pFwd, "DROP TABLE ");
    appendName(pFwd, pFrom->zSchema, pFrom->zName);
    sqlite3_str_appendall(pFwd, ";\n");
    rc = appendCreateTable(pBack, pCtx->pFrom, pFrom, pzErr);
    if( rc==SQLITE_OK ) rc = appendTableExtras(pBack, pCtx->pFrom, pFrom, 1, pzErr);
    pOut->zNote = sqlite3_mprintf("soft_drop is off: the rows are deleted and"
                                  " the rollback recreates the table empty");
    rc = setLock(pOut, lockText(LOCK_AE, pFrom), pFrom->nRows, rc);
  }
  if( rc ) return abandon(pFwd, pBack, rc);
  rc = finishDdl(pFwd, pBack, pOut, 1);
  if( rc==SQLITE_OK && pOut->zNote==0 ) rc = SQLITE_NOMEM;
  return rc;
}

/* NULL-safe text equality (bNoCase: ASCII case-insensitive). */
static int sameText(const char *a, const char *b, int bNoCase){
  if( a==0 || b==0 ) return a==b;
  return bNoCase ? sqlite3_stricmp(a, b)==0 : strcmp(a, b)==0;
}

/* Same definition, names aside? */
static int sameConstraint(const DfConstraint *a, const DfConstraint *b){
  return sameText(a->zKind, b->zKind, 1) && sameText(a->zColumns, b->zColumns, 0)
      && sameText(a->zExpr, b->zExpr, 0) && sameText(a->zRefTable, b->zRefTable, 0)
      && sameText(a->zRefColumns, b->zRefColumns, 0)
      && sameText(a->zOnUpdate, b->zOnUpdate, 1) && sameText(a->zOnDelete, b->zOnDelete, 1);
}

static int pgRenameTable(const DfDialectCtx *pCtx, const DfTable *pFrom,
                         const DfTable *pTo, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc, i, j;
  (void)pCtx; (void)pzErr;
  appendAlterTable(pFwd, pFrom);
  sqlite3_str_appendall(pFwd, "RENAME TO ");
  appendId(pFwd, pTo->zName);
  sqlite3_str_appendall(pFwd, ";\n");
  /* PostgreSQL's generated constraint names ("t_pkey", "t_c_fkey") keep
  ** the old table name through RENAME TO; the target's generated names
  ** use the new one. Unchanged constraints follow (a primary key or
  ** unique constraint renames its index with it). Undone before the
  ** table is renamed back. */
  for(i=0; i<pTo->nCons; i++){
    const DfConstraint *b = &pTo->aCons[i];
    if( !b->bGenName || b->zName==0 ) continue;
    for(j=0; j<pFrom->nCons; j++){
      const DfConstraint *a = &pFrom->aCons[j];
      if( a->zName==0 || strcmp(a->zName, b->zName)==0 || !sameConstraint(a, b) ) continue;
      appendRename(pFwd, pTo, "CONSTRAINT", a->zName, b->zName);
      appendRename(pBack, pTo, "CONSTRAINT", b->zName, a->zName);
      break;
    }
  }
  appendAlterTable(pBack, pTo);
  sqlite3_str_appendall(pBack, "RENAME TO ");
  appendId(pBack, pFrom->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, lockText(LOCK_AE, pFrom), 0, rc);
}

/* Append the storage-parameter and persistence changes from options zA to zB. */
static void appendOptionChange(sqlite3_str *p, const DfTable *t, const char *zA,
                               const char *zB){
  char *zWithA = jsonMemberList(zA, "with", 0, 0);
  char *zWithB = jsonMemberList(zB, "with", 0, 0);
  char *zUA = jsonMember(zA, "unlogged"), *zUB = jsonMember(zB, "unlogged");
  if( (zWithA==0)!=(zWithB==0) || (zWithA && strcmp(zWithA, zWithB)!=0) ){
    if( zWithA && zWithA[0] ){
      /* RESET the old parameters by name, then SET the new ones. */
      sqlite3_str *s = sqlite3_str_new(0);
      const char *z = zWithA;
      int n = 0;
      while( *z ){
        const char *e = strchr(z, '=');
        const char *c = strstr(z, ", ");
        if( e==0 || (c && c<e) ) break;
        sqlite3_str_appendf(s, "%s%.*s", n++ ? ", " : "", (int)(e-z), z);
        if( c==0 ) break;
        z = c + 2;
      }
      if( n ){
        char *zList = sqlite3_str_finish(s);
        appendAlterTable(p, t);
        sqlite3_str_appendf(p, "RESET (%s);\n", zList ? zList : "");
        sqlite3_free(zList);
      }else{
        sqlite3_free(sqlite3_str_finish(s));
      }
    }
    if( zWithB && zWithB[0] ){
      appendAlterTable(p, t);
      sqlite3_str_appendf(p, "SET (%s);\n", zWithB);
    }
  }
  if( (zUA==0)!=(zUB==0) ){
    appendAlterTable(p, t);
    sqlite3_str_appendall(p, zUB ? "SET UNLOGGED;\n" : "SET LOGGED;\n");
  }
  sqlite3_free(zWithA); sqlite3_free(zWithB);
  sqlite3_free(zUA); sqlite3_free(zUB);
}

/* Options other than "with" and "unlogged" (partitioning, inheritance). */
static char *structuralOptions(const char *zOpt){
  static const char *azKey[] = { "partition_by", "partition_of", "bound", "inherits" };
  sqlite3_str *s = sqlite3_str_new(0);
  size_t i;
  for(i=0; i<sizeof(azKey)/sizeof(azKey[0]); i++){
    char *z = jsonMember(zOpt, azKey[i]);
    char *zL = jsonMemberList(zOpt, azKey[i], 0, 0);
    sqlite3_str_appendf(s, "%s=%s|%s;", azKey[i], z ? z : "", zL ? zL : "");
    sqlite3_free(z);
    sqlite3_free(zL);
  }
  return sqlite3_str_finish(s);
}

/* Do f and t differ in partition_of / bound only (not in partitioning
** or inheritance)? */
static int partitionOnlyChange(const DfTable *f, const DfTable *t){
  static const char *azKey[] = { "partition_by", "inherits" };
  size_t i;
  int bSame = 1;
  for(i=0; bSame && i<sizeof(azKey)/sizeof(azKey[0]); i++){
    char *za = jsonMember(f->zOptions, azKey[i]), *zb = jsonMember(t->zOptions, azKey[i]);
    char *zla = jsonMemberList(f->zOptions, azKey[i], 0, 0);
    char *zlb = jsonMemberList(t->zOptions, azKey[i], 0, 0);
    bSame = (za==0)==(zb==0) && (za==0 || strcmp(za, zb)==0)
         && (zla==0)==(zlb==0) && (zla==0 || strcmp(zla, zlb)==0);
    sqlite3_free(za); sqlite3_free(zb); sqlite3_free(zla); sqlite3_free(zlb);
  }
  return bSame;
}

/* ALTER TABLE parent DETACH PARTITION t (zBound NULL) or ATTACH
** PARTITION t zBound. */
static void appendPartitionStep(sqlite3_str *p, const DfCatalog *pCat,
                                const char *zParent, const DfTable *t,
                                const char *zBound){
  sqlite3_str_appendall(p, "ALTER TABLE ");
  appendRef(p, pCat, zParent);
  sqlite3_str_appendall(p, zBound ? " ATTACH PARTITION " : " DETACH PARTITION ");
  appendName(p, t->zSchema, t->zName);
  if( zBound ) sqlite3_str_appendf(p, " %s", zBound);
  sqlite3_str_appendall(p, ";\n");
}

static int pgAlterTable(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                        const DfChange *pChange, DfDdl *pOut, char **pzErr){
  const DfTable *f = pD->pFrom, *t = pD->pTo;
  const char *zAttr = pChange->zAttribute ? pChange->zAttribute : "";
  sqlite3_str *pFwd, *pBack;
  int rc;
  if( sqlite3_stricmp(zAttr, "comment")==0 ){
    pFwd = sqlite3_str_new(0);
    pBack = sqlite3_str_new(0);
    sqlite3_str_appendall(pFwd, "COMMENT ON TABLE ");
    appendName(pFwd, t->zSchema, t->zName);
    if( t->zComment ) sqlite3_str_appendf(pFwd, " IS %Q;\n", t->zComment);
    else sqlite3_str_appendall(pFwd, " IS NULL;\n");
    sqlite3_str_appendall(pBack, "COMMENT ON TABLE ");
    appendName(pBack, t->zSchema, t->zName);
    if( f->zComment ) sqlite3_str_appendf(pBack, " IS %Q;\n", f->zComment);
    else sqlite3_str_appendall(pBack, " IS NULL;\n");
    rc = finishDdl(pFwd, pBack, pOut, 1);
    return setLock(pOut, lockText(LOCK_SUE, t), 0, rc);
  }
  if( sqlite3_stricmp(zAttr, "options")==0 ){
    char *zSa = structuralOptions(f->zOptions), *zSb = structuralOptions(t->zOptions);
    int bSame = zSa && zSb && strcmp(zSa, zSb)==0;
    sqlite3_free(zSa);
    sqlite3_free(zSb);
    if( bSame ){
      pFwd = sqlite3_str_new(0);
      pBack = sqlite3_str_new(0);
      appendOptionChange(pFwd, t, f->zOptions, t->zOptions);
      appendOptionChange(pBack, t, t->zOptions, f->zOptions);
      rc = finishDdl(pFwd, pBack, pOut, 1);
      if( rc==SQLITE_OK && pOut->zSql && pOut->zSql[0]==0 ){
        sqlite3_free(pOut->zSql); pOut->zSql = 0;
        sqlite3_free(pOut->zRollback); pOut->zRollback = 0;
      }
      return setLock(pOut, lockText(LOCK_AE, t), 0, rc);
    }
  }
  if( sqlite3_stricmp(zAttr, "options")==0 && partitionOnlyChange(f, t) ){
    /* A partition leaves its parent, joins one, or moves: DETACH and
    ** ATTACH (the columns stay; the mirror lists them only off a parent). */
    char *zPa = jsonMember(f->zOptions, "partition_of");
    char *zPb = jsonMember(t->zOptions, "partition_of");
    char *zBa = jsonMember(f->zOptions, "bound");
    char *zBb = jsonMember(t->zOptions, "bound");
    pFwd = sqlite3_str_new(0);
    pBack = sqlite3_str_new(0);
    if( zPa ) appendPartitionStep(pFwd, pCtx->pFrom, zPa, t, 0);
    if( zPb ) appendPartitionStep(pFwd, pCtx->pTo, zPb, t, zBb ? zBb : "DEFAULT");
    if( zPb ) appendPartitionStep(pBack, pCtx->pTo, zPb, t, 0);
    if( zPa ) appendPartitionStep(pBack, pCtx->pFrom, zPa, t, zBa ? zBa : "DEFAULT");
    sqlite3_free(zPa); sqlite3_free(zPb); sqlite3_free(zBa); sqlite3_free(zBb);
    rc = finishDdl(pFwd, pBack, pOut, 1);
    return setLock(pOut, sqlite3_mprintf("ACCESS EXCLUSIVE on %s and its parent"
                   " (brief: catalog change; ATTACH also scans it to check its"
                   " bound)", t->zName), 0, rc);
  }
  *pzErr = sqlite3_mprintf("migration_plan: postgresql cannot change the %s of"
      " table '%s' in place (%s -> %s): drop the table and create it, or"
      " change it by hand", sqlite3_stricmp(zAttr, "kind")==0 ? "kind" :
      "partitioning or inheritance", t->zName,
      pChange->zOld ? pChange->zOld : "none", pChange->zNew ? pChange->zNew : "none");
  return SQLITE_ERROR;
}

/* ---------------------------------------------------------------------------
** Columns
*/

/* Does a default expression need a table rewrite when added (volatile)? */
static int isVolatileDefault(const char *z){
  static const char *az[] = { "nextval(", "random(", "clock_timestamp(",
    "gen_random_uuid(", "uuid_generate_", "timeofday(" };
  size_t i;
  for(i=0; z && i<sizeof(az)/sizeof(az[0]); i++){
    if( strstr(z, az[i]) ) return 1;
  }
  return 0;
}

static void appendColumnRef(sqlite3_str *p, const DfTable *t, const char *zCol){
  appendName(p, t->zSchema, t->zName);
  sqlite3_str_appendchar(p, 1, '.');
  appendId(p, zCol);
}

static int pgAddColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                       const DfColumn *pCol, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  const DfTable *t = pD->pTo;
  const DfSequence *s;
  int bRewrite, rc;
  (void)pzErr;
  appendAlterTable(pFwd, t);
  sqlite3_str_appendall(pFwd, "ADD COLUMN ");
  rc = appendColumnDef(pFwd, pCtx->pTo, pCol);
  sqlite3_str_appendall(pFwd, ";\n");
  if( pCol->zComment ){
    sqlite3_str_appendall(pFwd, "COMMENT ON COLUMN ");
    appendColumnRef(pFwd, t, pCol->zName);
    sqlite3_str_appendf(pFwd, " IS %Q;\n", pCol->zComment);
  }
  s = ownedSequence(pCtx->pTo, t->zSchema, t->zName, pCol->zName);
  if( s ){
    appendOwnedBy(pFwd, s, t->zSchema, t->zName, pCol->zName);
    appendOwnedBy(pBack, s, 0, 0, 0);
  }
  appendAlterTable(pBack, t);
  sqlite3_str_appendall(pBack, "DROP COLUMN ");
  appendId(pBack, pCol->zName);
  sqlite3_str_appendall(pBack, ";\n");
  if( rc ) return abandon(pFwd, pBack, rc);
  rc = finishDdl(pFwd, pBack, pOut, 1);
  bRewrite = pCol->zGenExpr!=0 || pCol->zIdentity!=0
          || isVolatileDefault(defaultText(pCtx->pTo, pCol));
  return setLock(pOut, lockText(bRewrite ? LOCK_AE_REWR : LOCK_AE, pD->pFrom),
                 bRewrite ? pD->pFrom->nRows : 0, rc);
}

static int pgDropColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                        const DfColumn *pCol, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  const DfTable *t = pD->pTo;
  int bSoft = pCtx->pOpt ? pCtx->pOpt->bSoftDrop : 1;
  int rc = SQLITE_OK;
  (void)pzErr;
  pOut->bDestructive = 1;
  if( bSoft ){
    char *zQ = dfQuarantineName(pCtx, t->zName, pCol->zName);
    const char *zDef = defaultText(pCtx->pFrom, pCol);
    if( zQ==0 ) return abandon(pFwd, pBack, SQLITE_NOMEM);
    appendRename(pFwd, t, "COLUMN", pCol->zName, zQ);
    if( pCol->bNotNull && pCol->zIdentity==0 ){
      appendAlterTable(pFwd, t);
      sqlite3_str_appendall(pFwd, "ALTER COLUMN ");
      appendId(pFwd, zQ);
      sqlite3_str_appendall(pFwd, " DROP NOT NULL;\n");
    }
    if( zDef ){
      appendAlterTable(pFwd, t);
      sqlite3_str_appendall(pFwd, "ALTER COLUMN ");
      appendId(pFwd, zQ);
      sqlite3_str_appendall(pFwd, " DROP DEFAULT;\n");
      appendAlterTable(pBack, t);
      sqlite3_str_appendall(pBack, "ALTER COLUMN ");
      appendId(pBack, zQ);
      sqlite3_str_appendf(pBack, " SET DEFAULT %s;\n", zDef);
    }
    if( pCol->bNotNull && pCol->zIdentity==0 ){
      appendAlterTable(pBack, t);
      sqlite3_str_appendall(pBack, "ALTER COLUMN ");
      appendId(pBack, zQ);
      sqlite3_str_appendall(pBack, " SET NOT NULL;\n");
    }
    appendRename(pBack, t, "COLUMN", zQ, pCol->zName);
    pOut->zNote = sqlite3_mprintf("soft drop: the column is renamed to %s"
        " (NOT NULL and default dropped, O(1)) and the rollback renames it back", zQ);
    sqlite3_free(zQ);
    rc = setLock(pOut, lockText(LOCK_AE, pD->pFrom), 0, rc);
  }else{
    appendAlterTable(pFwd, t);
    sqlite3_str_appendall(pFwd, "DROP COLUMN ");
    appendId(pFwd, pCol->zName);
    sqlite3_str_appendall(pFwd, ";\n");
    appendAlterTable(pBack, t);
    sqlite3_str_appendall(pBack, "ADD COLUMN ");
    rc = appendColumnDef(pBack, pCtx->pFrom, pCol);
    sqlite3_str_appendall(pBack, ";\n");
    pOut->zNote = sqlite3_mprintf("soft_drop is off: its values are lost;"
                                  " the rollback restores the column empty");
    rc = setLock(pOut, lockText(LOCK_AE, pD->pFrom), 0, rc);
  }
  if( rc ) return abandon(pFwd, pBack, rc);
  rc = finishDdl(pFwd, pBack, pOut, 1);
  if( rc==SQLITE_OK && pOut->zNote==0 ) rc = SQLITE_NOMEM;
  return rc;
}

static int pgRenameColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                          const DfColumn *pFromCol, const DfColumn *pToCol,
                          DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  const DfTable *t = pD->pTo;
  int rc;
  (void)pCtx; (void)pzErr;
  appendRename(pFwd, t, "COLUMN", pFromCol->zName, pToCol->zName);
  appendRename(pBack, t, "COLUMN", pToCol->zName, pFromCol->zName);
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, lockText(LOCK_AE, pD->pFrom), 0, rc);
}

/* "ALTER TABLE t ALTER COLUMN c " */
static void appendAlterColumn(sqlite3_str *p, const DfTable *t, const char *zCol){
  appendAlterTable(p, t);
  sqlite3_str_appendall(p, "ALTER COLUMN ");
  appendId(p, zCol);
  sqlite3_str_appendchar(p, 1, ' ');
}

/* Append the type change of column zCol of t from a to b (with USING). */
static void appendTypeChange(sqlite3_str *p, const DfCatalog *pCatA,
                             const DfCatalog *pCatB, const DfTable *t,
                             const DfColumn *a, const DfColumn *b){
  char *zType = columnType(pCatB, b);
  const char *zDefA = defaultText(pCatA, a);
  const char *zDefB = defaultText(pCatB, b);
  /* A default of the old type may not cast: drop it around the change. */
  if( zDefA ){
    appendAlterColumn(p, t, b->zName);
    sqlite3_str_appendall(p, "DROP DEFAULT;\n");
  }
  appendAlterColumn(p, t, b->zName);
  sqlite3_str_appendf(p, "TYPE %s", zType ? zType : "text");
  if( b->zCollation && isNative(pCatB) ){
    sqlite3_str_appendall(p, " COLLATE ");
    appendCollation(p, b->zCollation);
  }
  sqlite3_str_appendall(p, " USING ");
  appendId(p, b->zName);
  /* Enum types cast to and from text only. */
  if( (a->zFamily && strcmp(a->zFamily, "enum")==0)
   || (b->zFamily && strcmp(b->zFamily, "enum")==0) ){
    sqlite3_str_appendf(p, "::text%s", a->bArray ? "[]" : "");
  }
  sqlite3_str_appendf(p, "::%s;\n", zType ? zType : "text");
  if( zDefB ){
    appendAlterColumn(p, t, b->zName);
    sqlite3_str_appendf(p, "SET DEFAULT %s;\n", zDefB);
  }
  sqlite3_free(zType);
}

/* Is the change from a to b one PostgreSQL makes without a rewrite? */
static int isBinaryCoercible(const DfColumn *a, const DfColumn *b){
  const char *fa = a->zFamily ? a->zFamily : "", *fb = b->zFamily ? b->zFamily : "";
  int bStrA = !strcmp(fa, "varchar") || !strcmp(fa, "text");
  int bStrB = !strcmp(fb, "varchar") || !strcmp(fb, "text");
  if( a->bArray!=b->bArray ) return 0;
  if( bStrA && bStrB ){
    if( !strcmp(fb, "text") ) return 1;
    return !strcmp(fa, "varchar") && a->nLength>=0 && b->nLength>=a->nLength;
  }
  if( !strcmp(fa, "numeric") && !strcmp(fb, "numeric") ){
    return b->nPrecision<0 || (a->nPrecision>=0 && a->nScale==b->nScale
                               && b->nPrecision>=a->nPrecision);
  }
  return 0;
}

/* Same collation, NULL meaning the default. */
static int collationEqual(const DfColumn *a, const DfColumn *b){
  return sqlite3_stricmp(a->zCollation ? a->zCollation : "",
                         b->zCollation ? b->zCollation : "")==0;
}

static int pgAlterColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                         const DfChange *pChange, DfDdl *pOut, char **pzErr){
  const DfTable *t = pD->pTo;
  const DfColumn *a = pChange->pFromCol, *b = pChange->pToCol;
  const char *zAttr = pChange->zAttribute ? pChange->zAttribute : "";
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  char *zLock = 0;
  sqlite3_int64 nRows = 0;
  int rc = SQLITE_OK;
  (void)pzErr;
  if( sqlite3_stricmp(zAttr, "type")==0 || sqlite3_stricmp(zAttr, "collation")==0 ){
    int bCheap = sqlite3_stricmp(zAttr, "collation")==0 || isBinaryCoercible(a, b);
    /* The undo runs before a rename of the column is undone: it names the
    ** column as the target does, with the old type. */
    DfColumn aBack = *a;
    aBack.zName = b->zName;
    appendTypeChange(pFwd, pCtx->pFrom, pCtx->pTo, t, a, b);
    appendTypeChange(pBack, pCtx->pTo, pCtx->pFrom, t, b, &aBack);
    zLock = lockText(bCheap ? LOCK_AE : LOCK_AE_REWR, pD->pFrom);
    nRows = bCheap ? 0 : pD->pFrom->nRows;
  }else if( sqlite3_stricmp(zAttr, "not_null")==0 ){
    appendAlterColumn(pFwd, t, b->zName);
    sqlite3_str_appendall(pFwd, b->bNotNull ? "SET NOT NULL;\n" : "DROP NOT NULL;\n");
    appendAlterColumn(pBack, t, b->zName);
    sqlite3_str_appendall(pBack, a->bNotNull ? "SET NOT NULL;\n" : "DROP NOT NULL;\n");
    zLock = lockText(b->bNotNull ? LOCK_AE_SCAN : LOCK_AE, pD->pFrom);
    nRows = b->bNotNull ? pD->pFrom->nRows : 0;
  }else if( sqlite3_stricmp(zAttr, "default")==0
         && (!dfTypeEqual(a, b) || !collationEqual(a, b)) ){
    /* The type changes too: its step drops the old default and sets the
    ** new one around the conversion (the new default has the new type). */
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    pOut->zNote = sqlite3_mprintf("the default is set with the type change");
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }else if( sqlite3_stricmp(zAttr, "default")==0 ){
    const char *zA = defaultText(pCtx->pFrom, a), *zB = defaultText(pCtx->pTo, b);
    /* An identity column has no default: the identity step drops it first. */
    if( a->zIdentity && !b->zIdentity && zB ){
      appendAlterColumn(pFwd, t, b->zName);
      sqlite3_str_appendall(pFwd, "DROP IDENTITY IF EXISTS;\n");
    }
    appendAlterColumn(pFwd, t, b->zName);
    if( zB ) sqlite3_str_appendf(pFwd, "SET DEFAULT %s;\n", zB);
    else sqlite3_str_appendall(pFwd, "DROP DEFAULT;\n");
    if( !(b->zIdentity && !a->zIdentity) || zB ){
      appendAlterColumn(pBack, t, b->zName);
      if( zA ) sqlite3_str_appendf(pBack, "SET DEFAULT %s;\n", zA);
      else sqlite3_str_appendall(pBack, "DROP DEFAULT;\n");
    }
    zLock = lockText(LOCK_AE, pD->pFrom);
  }else if( sqlite3_stricmp(zAttr, "identity")==0 ){
    const char *zA = identityText(a), *zB = identityText(b);
    if( zA && zB ){
      appendAlterColumn(pFwd, t, b->zName);
      sqlite3_str_appendf(pFwd, "SET GENERATED %s;\n", zB);
      appendAlterColumn(pBack, t, b->zName);
      sqlite3_str_appendf(pBack, "SET GENERATED %s;\n", zA);
    }else if( zB ){
      appendAlterColumn(pFwd, t, b->zName);
      sqlite3_str_appendall(pFwd, "DROP DEFAULT;\n");
      if( !a->bNotNull ){
        appendAlterColumn(pFwd, t, b->zName);
        sqlite3_str_appendall(pFwd, "SET NOT NULL;\n");
      }
      appendAlterColumn(pFwd, t, b->zName);
      sqlite3_str_appendf(pFwd, "ADD GENERATED %s AS IDENTITY;\n", zB);
      /* Existing rows: continue after the largest value. */
      sqlite3_str_appendall(pFwd, "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(");
      {
        sqlite3_str *q = sqlite3_str_new(0);
        char *zRef;
        appendName(q, t->zSchema, t->zName);
        zRef = sqlite3_str_finish(q);
        sqlite3_str_appendf(pFwd, "%Q, %Q), coalesce(max(", zRef ? zRef : "", b->zName);
        sqlite3_free(zRef);
      }
      appendId(pFwd, b->zName);
      sqlite3_str_appendall(pFwd, "), 0) + 1, false) FROM ");
      appendName(pFwd, t->zSchema, t->zName);
      sqlite3_str_appendall(pFwd, ";\n");
      appendAlterColumn(pBack, t, b->zName);
      sqlite3_str_appendall(pBack, "DROP IDENTITY IF EXISTS;\n");
      if( !a->bNotNull ){
        appendAlterColumn(pBack, t, b->zName);
        sqlite3_str_appendall(pBack, "DROP NOT NULL;\n");
      }
    }else{
      appendAlterColumn(pFwd, t, b->zName);
      sqlite3_str_appendall(pFwd, "DROP IDENTITY IF EXISTS;\n");
      if( !b->bNotNull ){
        appendAlterColumn(pFwd, t, b->zName);
        sqlite3_str_appendall(pFwd, "DROP NOT NULL;\n");
      }
      appendAlterColumn(pBack, t, b->zName);
      sqlite3_str_appendf(pBack, "ADD GENERATED %s AS IDENTITY;\n", zA);
    }
    zLock = lockText(LOCK_AE, pD->pFrom);
  }else if( sqlite3_stricmp(zAttr, "generated")==0 ){
    if( a->zGenExpr && b->zGenExpr==0 ){
      appendAlterColumn(pFwd, t, b->zName);
      sqlite3_str_appendall(pFwd, "DROP EXPRESSION;\n");
      if( defaultText(pCtx->pTo, b) ){
        appendAlterColumn(pFwd, t, b->zName);
        sqlite3_str_appendf(pFwd, "SET DEFAULT %s;\n", defaultText(pCtx->pTo, b));
      }
      pOut->zRollback = 0;
      sqlite3_free(sqlite3_str_finish(pBack));
      pBack = 0;
      zLock = lockText(LOCK_AE, pD->pFrom);
      pOut->zNote = sqlite3_mprintf("the column keeps its computed values;"
                                    " this cannot be undone in place");
    }else{
      /* PostgreSQL 15 cannot change a generation expression in place: the
      ** column is dropped and added again (its values are computed). */
      appendAlterTable(pFwd, t);
      sqlite3_str_appendall(pFwd, "DROP COLUMN ");
      appendId(pFwd, b->zName);
      sqlite3_str_appendall(pFwd, ";\n");
      appendAlterTable(pFwd, t);
      sqlite3_str_appendall(pFwd, "ADD COLUMN ");
      rc = appendColumnDef(pFwd, pCtx->pTo, b);
      sqlite3_str_appendall(pFwd, ";\n");
      appendAlterTable(pBack, t);
      sqlite3_str_appendall(pBack, "DROP COLUMN ");
      appendId(pBack, b->zName);
      sqlite3_str_appendall(pBack, ";\n");
      appendAlterTable(pBack, t);
      sqlite3_str_appendall(pBack, "ADD COLUMN ");
      if( rc==SQLITE_OK ) rc = appendColumnDef(pBack, pCtx->pFrom, a);
      sqlite3_str_appendall(pBack, ";\n");
      zLock = lockText(LOCK_AE_REWR, pD->pFrom);
      nRows = pD->pFrom->nRows;
      pOut->zNote = sqlite3_mprintf("the column is dropped and added again with"
          " the new expression (indexes and constraints on it must be recreated)");
    }
  }else if( sqlite3_stricmp(zAttr, "comment")==0 ){
    sqlite3_str_appendall(pFwd, "COMMENT ON COLUMN ");
    appendColumnRef(pFwd, t, b->zName);
    if( b->zComment ) sqlite3_str_appendf(pFwd, " IS %Q;\n", b->zComment);
    else sqlite3_str_appendall(pFwd, " IS NULL;\n");
    sqlite3_str_appendall(pBack, "COMMENT ON COLUMN ");
    appendColumnRef(pBack, t, b->zName);
    if( a->zComment ) sqlite3_str_appendf(pBack, " IS %Q;\n", a->zComment);
    else sqlite3_str_appendall(pBack, " IS NULL;\n");
    zLock = lockText(LOCK_SUE, pD->pFrom);
  }else{
    sqlite3_free(sqlite3_str_finish(pFwd));
    if( pBack ) sqlite3_free(sqlite3_str_finish(pBack));
    *pzErr = sqlite3_mprintf("migration_plan: postgresql cannot change '%s' of"
                             " column %s.%s", zAttr, t->zName, b->zName);
    return SQLITE_ERROR;
  }
  if( rc ){ sqlite3_free(zLock); return abandon(pFwd, pBack, rc); }
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, zLock, nRows, rc);
}

/* ---------------------------------------------------------------------------
** Constraints of existing tables
*/

static int pgAddConstraint(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                           const DfConstraint *pCons, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  const DfTable *t = pD->pTo;
  const char *zKind = pCons->zKind ? pCons->zKind : "";
  int bFk = sqlite3_stricmp(zKind, "foreign key")==0;
  int bCheck = sqlite3_stricmp(zKind, "check")==0;
  int bNewTable = pD->pFrom==0;
  int bOnline = pCtx->pOpt && pCtx->pOpt->bOnline && !bNewTable && (bFk || bCheck);
  char *zLock;
  int rc;
  appendAlterTable(pFwd, t);
  sqlite3_str_appendall(pFwd, "ADD ");
  rc = appendConstraint(pFwd, pCtx->pTo, t, pCons, 1, pzErr);
  if( rc ) return abandon(pFwd, pBack, rc);
  if( bOnline ){
    sqlite3_str_appendall(pFwd, " NOT VALID;\n");
    appendAlterTable(pFwd, t);
    sqlite3_str_appendall(pFwd, "VALIDATE CONSTRAINT ");
    appendId(pFwd, pCons->zName);
  }
  sqlite3_str_appendall(pFwd, ";\n");
  appendAlterTable(pBack, t);
  sqlite3_str_appendall(pBack, "DROP CONSTRAINT ");
  appendId(pBack, pCons->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut, 1);
  if( bNewTable ){
    char *zT = tabDisplay(t);
    zLock = bFk ? sqlite3_mprintf("SHARE ROW EXCLUSIVE on %s (new, empty) and on %s",
                                  zT, pCons->zRefTable ? pCons->zRefTable : "?")
                : sqlite3_mprintf(LOCK_NONE);
    sqlite3_free(zT);
    return setLock(pOut, zLock, 0, rc);
  }
  if( bOnline ){
    char *zT = tabDisplay(t);
    zLock = sqlite3_mprintf("%s for NOT VALID (brief), then SHARE UPDATE EXCLUSIVE"
        " on %s while VALIDATE scans it: reads and writes continue",
        bFk ? "SHARE ROW EXCLUSIVE" : "ACCESS EXCLUSIVE", zT);
    sqlite3_free(zT);
    pOut->zNote = sqlite3_mprintf("online: added NOT VALID, then validated");
  }else if( bFk ){
    char *zT = tabDisplay(t), *zR = rowsText(pD->pFrom->nRows);
    zLock = sqlite3_mprintf(LOCK_SRE, zT, pCons->zRefTable ? pCons->zRefTable : "?",
                            zT, zR);
    sqlite3_free(zT);
    sqlite3_free(zR);
  }else if( bCheck ){
    zLock = lockText(LOCK_AE_SCAN, pD->pFrom);
  }else{
    zLock = lockText("ACCESS EXCLUSIVE on {t}; builds an index over it ({n} rows)", pD->pFrom);
  }
  return setLock(pOut, zLock, pD->pFrom->nRows, rc);
}

static int pgDropConstraint(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                            const DfConstraint *pCons, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  const DfTable *t = pD->pFrom;
  int rc;
  /* Runs in the drop-constraint phase, before renames: the FROM names. */
  appendAlterTable(pFwd, t);
  sqlite3_str_appendall(pFwd, "DROP CONSTRAINT ");
  appendId(pFwd, pCons->zName);
  sqlite3_str_appendall(pFwd, ";\n");
  appendAlterTable(pBack, t);
  sqlite3_str_appendall(pBack, "ADD ");
  rc = appendConstraint(pBack, pCtx->pFrom, t, pCons, 1, pzErr);
  sqlite3_str_appendall(pBack, ";\n");
  if( rc ) return abandon(pFwd, pBack, rc);
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, lockText(LOCK_AE, t), 0, rc);
}

/* ---------------------------------------------------------------------------
** Indexes, views, triggers
*/

static int pgCreateIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                         const DfIndex *pIdx, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  DfTable *pOld = pCtx->pFrom ? dfCatalogFindTable(pCtx->pFrom, pTab->zSchema, pTab->zName) : 0;
  int bOnline = pCtx->pOpt && pCtx->pOpt->bOnline && pOld!=0;
  int rc;
  (void)pzErr;
  appendCreateIndex(pFwd, pTab, pIdx, bOnline);
  appendDropIndex(pBack, pTab->zSchema, pIdx, bOnline);
  rc = finishDdl(pFwd, pBack, pOut, !bOnline);
  if( bOnline ){
    pOut->zNote = sqlite3_mprintf("online: CREATE INDEX CONCURRENTLY runs outside"
                                  " the transaction");
    return setLock(pOut, lockText(LOCK_SUE, pTab), pOld->nRows, rc);
  }
  return setLock(pOut, lockText(LOCK_SHARE, pOld ? pOld : pTab),
                 pOld ? pOld->nRows : 0, rc);
}

static int pgDropIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                       const DfIndex *pIdx, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int bOnline = pCtx->pOpt && pCtx->pOpt->bOnline;
  int rc;
  (void)pzErr;
  appendDropIndex(pFwd, pTab->zSchema, pIdx, bOnline);
  appendCreateIndex(pBack, pTab, pIdx, bOnline);
  rc = finishDdl(pFwd, pBack, pOut, !bOnline);
  if( bOnline ){
    pOut->zNote = sqlite3_mprintf("online: DROP INDEX CONCURRENTLY runs outside"
                                  " the transaction");
  }
  return setLock(pOut, lockText(bOnline ? LOCK_SUE : LOCK_AE, pTab), 0, rc);
}

static int pgRenameIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                         const DfIndex *pFromIdx, const DfIndex *pToIdx,
                         DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  sqlite3_str_appendall(pFwd, "ALTER INDEX ");
  appendName(pFwd, pTab->zSchema, pFromIdx->zName);
  sqlite3_str_appendall(pFwd, " RENAME TO ");
  appendId(pFwd, pToIdx->zName);
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, "ALTER INDEX ");
  appendName(pBack, pTab->zSchema, pToIdx->zName);
  sqlite3_str_appendall(pBack, " RENAME TO ");
  appendId(pBack, pFromIdx->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, lockText(LOCK_SUE, pTab), 0, rc);
}

/* The SELECT of a view without a trailing ';'. OUT: caller frees. */
static char *viewBody(const DfCatalog *pCat, const DfView *v){
  const char *z = (isNative(pCat) && v->zDefNative) ? v->zDefNative : v->zDef;
  int n;
  if( z==0 ) z = "SELECT NULL";
  while( *z==' ' || *z=='\n' || *z=='\t' ) z++;
  n = (int)strlen(z);
  while( n>0 && (z[n-1]==' ' || z[n-1]=='\n' || z[n-1]=='\t' || z[n-1]==';') ) n--;
  return sqlite3_mprintf("%.*s", n, z);
}

static int isMaterialized(const DfView *v){
  return v->zKind && sqlite3_stricmp(v->zKind, "materialized")==0;
}

static void appendCreateView(sqlite3_str *p, const DfCatalog *pCat, const DfView *v){
  char *zBody = viewBody(pCat, v);
  char *zWith = jsonMemberList(v->zOptions, "with", 0, 0);
  sqlite3_str_appendf(p, "CREATE %sVIEW ", isMaterialized(v) ? "MATERIALIZED " : "");
  appendName(p, v->zSchema, v->zName);
  if( zWith && zWith[0] ) sqlite3_str_appendf(p, " WITH (%s)", zWith);
  sqlite3_str_appendf(p, " AS\n%s;\n", zBody ? zBody : "SELECT NULL");
  if( v->zComment ){
    sqlite3_str_appendf(p, "COMMENT ON %sVIEW ", isMaterialized(v) ? "MATERIALIZED " : "");
    appendName(p, v->zSchema, v->zName);
    sqlite3_str_appendf(p, " IS %Q;\n", v->zComment);
  }
  sqlite3_free(zBody);
  sqlite3_free(zWith);
}

static void appendDropView(sqlite3_str *p, const DfView *v){
  sqlite3_str_appendf(p, "DROP %sVIEW ", isMaterialized(v) ? "MATERIALIZED " : "");
  appendName(p, v->zSchema, v->zName);
  sqlite3_str_appendall(p, ";\n");
}

static int pgCreateView(const DfDialectCtx *pCtx, const DfView *pView,
                        DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pzErr;
  appendEnsureSchema(pFwd, pCtx, pView->zSchema);
  appendCreateView(pFwd, pCtx->pTo, pView);
  appendDropView(pBack, pView);
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, sqlite3_mprintf(isMaterialized(pView)
      ? "none (new materialized view; its query runs once)" : LOCK_NONE), 0, rc);
}

static int pgDropView(const DfDialectCtx *pCtx, const DfView *pView,
                      DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pzErr;
  appendDropView(pFwd, pView);
  appendCreateView(pBack, pCtx->pFrom, pView);
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, sqlite3_mprintf("ACCESS EXCLUSIVE on view %s", pView->zName), 0, rc);
}

static int pgCreateTrigger(const DfDialectCtx *pCtx, const DfTable *pTab,
                           const DfTrigger *pTrig, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd, *pBack;
  int rc;
  if( !isNative(pCtx->pTo) ){
    *pzErr = sqlite3_mprintf("migration_plan: trigger '%s' of table '%s' is written"
        " for %s; postgresql needs its own CREATE TRIGGER (and function)",
        pTrig->zName, pTab->zName, pCtx->pTo->zEngine ? pCtx->pTo->zEngine : "another engine");
    return SQLITE_ERROR;
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendf(pFwd, "%s;\n", pTrig->zDef);
  sqlite3_str_appendall(pBack, "DROP TRIGGER ");
  appendId(pBack, pTrig->zName);
  sqlite3_str_appendall(pBack, " ON ");
  appendName(pBack, pTab->zSchema, pTab->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, lockText("SHARE ROW EXCLUSIVE on {t} (brief)", pTab), 0, rc);
}

static int pgDropTrigger(const DfDialectCtx *pCtx, const DfTable *pTab,
                         const DfTrigger *pTrig, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pzErr;
  sqlite3_str_appendall(pFwd, "DROP TRIGGER ");
  appendId(pFwd, pTrig->zName);
  sqlite3_str_appendall(pFwd, " ON ");
  appendName(pFwd, pTab->zSchema, pTab->zName);
  sqlite3_str_appendall(pFwd, ";\n");
  if( isNative(pCtx->pFrom) ){
    sqlite3_str_appendf(pBack, "%s;\n", pTrig->zDef);
  }else{
    sqlite3_free(sqlite3_str_finish(pBack));
    pBack = 0;
  }
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, lockText(LOCK_AE, pTab), 0, rc);
}

/* ---------------------------------------------------------------------------
** Enum types
*/

static void appendCreateEnum(sqlite3_str *p, const DfEnum *e){
  char **az = 0;
  int n = dfJsonStrings(e->zLabels, &az), i;
  sqlite3_str_appendall(p, "CREATE TYPE ");
  appendName(p, e->zSchema, e->zName);
  sqlite3_str_appendall(p, " AS ENUM (");
  for(i=0; i<n; i++) sqlite3_str_appendf(p, "%s%Q", i ? ", " : "", az[i]);
  sqlite3_str_appendall(p, ");\n");
  if( n>0 ) dfJsonFreeStrings(n, az);
  if( e->zComment ){
    sqlite3_str_appendall(p, "COMMENT ON TYPE ");
    appendName(p, e->zSchema, e->zName);
    sqlite3_str_appendf(p, " IS %Q;\n", e->zComment);
  }
}

/* The name columns use to refer to enum e: bare in the default schema. */
static char *enumRef(const DfEnum *e){
  if( e->zSchema && e->zSchema[0] ) return sqlite3_mprintf("%s.%s", e->zSchema, e->zName);
  return sqlite3_mprintf("%s", e->zName);
}

/*
** Labels of a (old) and b (new): when b is a with labels inserted (order
** kept), append one ADD VALUE per new label and return 1; else 0.
*/
static int appendEnumAdds(sqlite3_str *p, const DfEnum *a, const DfEnum *b){
  char **azA = 0, **azB = 0;
  int nA = dfJsonStrings(a->zLabels, &azA), nB = dfJsonStrings(b->zLabels, &azB);
  int i, j = 0, bOk = nA>=0 && nB>=nA;
  /* a must be a subsequence of b */
  for(i=0; bOk && i<nB && j<nA; i++){
    if( strcmp(azB[i], azA[j])==0 ) j++;
  }
  if( bOk && j<nA ) bOk = 0;
  for(i=0; bOk && i<nB; i++){
    int k, bOld = 0;
    for(k=0; k<nA; k++) if( strcmp(azA[k], azB[i])==0 ) bOld = 1;
    if( bOld ) continue;
    sqlite3_str_appendall(p, "ALTER TYPE ");
    appendName(p, b->zSchema, b->zName);
    sqlite3_str_appendf(p, " ADD VALUE %Q", azB[i]);
    /* Left to right: the label before this one exists by now (old or
    ** just added); the first label goes before the first old one. */
    if( i>0 ) sqlite3_str_appendf(p, " AFTER %Q", azB[i-1]);
    else if( nA>0 ) sqlite3_str_appendf(p, " BEFORE %Q", azA[0]);
    sqlite3_str_appendall(p, ";\n");
  }
  if( nA>0 ) dfJsonFreeStrings(nA, azA);
  if( nB>0 ) dfJsonFreeStrings(nB, azB);
  return bOk;
}

/*
** Recreate enum type e (labels of e) while columns of pCat use it: the
** old type is renamed, the new one created, every column converted
** through text (defaults dropped around it), the old type dropped.
*/
static void appendEnumRecreate(sqlite3_str *p, const DfCatalog *pCat,
                               const DfEnum *eOld, const DfEnum *eNew){
  char *zRef = enumRef(eOld);
  char *zTmp = sqlite3_mprintf("%s__dataflow_old", eOld->zName);
  int i, j;
  sqlite3_str_appendall(p, "ALTER TYPE ");
  appendName(p, eOld->zSchema, eOld->zName);
  sqlite3_str_appendall(p, " RENAME TO ");
  appendId(p, zTmp);
  sqlite3_str_appendall(p, ";\n");
  appendCreateEnum(p, eNew);
  for(i=0; pCat && i<pCat->nTable; i++){
    const DfTable *t = &pCat->aTable[i];
    for(j=0; j<t->nCol; j++){
      const DfColumn *c = &t->aCol[j];
      const char *zDef;
      if( c->zFamily==0 || strcmp(c->zFamily, "enum")!=0 || c->zTypeRef==0
       || strcmp(c->zTypeRef, zRef)!=0 ) continue;
      zDef = defaultText(pCat, c);
      if( zDef ){
        appendAlterColumn(p, t, c->zName);
        sqlite3_str_appendall(p, "DROP DEFAULT;\n");
      }
      appendAlterColumn(p, t, c->zName);
      sqlite3_str_appendall(p, "TYPE ");
      appendName(p, eNew->zSchema, eNew->zName);
      sqlite3_str_appendf(p, "%s USING ", c->bArray ? "[]" : "");
      appendId(p, c->zName);
      sqlite3_str_appendf(p, "::text%s::", c->bArray ? "[]" : "");
      appendName(p, eNew->zSchema, eNew->zName);
      sqlite3_str_appendf(p, "%s;\n", c->bArray ? "[]" : "");
      if( zDef ){
        char *zNewDef = sqlite3_mprintf("%s", zDef);
        appendAlterColumn(p, t, c->zName);
        sqlite3_str_appendf(p, "SET DEFAULT %s;\n", zNewDef ? zNewDef : "NULL");
        sqlite3_free(zNewDef);
      }
    }
  }
  sqlite3_str_appendall(p, "DROP TYPE ");
  appendName(p, eOld->zSchema, zTmp);
  sqlite3_str_appendall(p, ";\n");
  sqlite3_free(zRef);
  sqlite3_free(zTmp);
}

static int pgEnum(const DfDialectCtx *pCtx, const DfChange *c, DfDdl *pOut,
                  char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  const DfEnum *a = c->pFromEnum, *b = c->pToEnum;
  int bSoft = pCtx->pOpt ? pCtx->pOpt->bSoftDrop : 1;
  int rc;
  (void)pzErr;
  if( strcmp(c->zChange, DF_CHANGE_ADD)==0 && b ){
    appendEnsureSchema(pFwd, pCtx, b->zSchema);
    appendCreateEnum(pFwd, b);
    sqlite3_str_appendall(pBack, "DROP TYPE ");
    appendName(pBack, b->zSchema, b->zName);
    sqlite3_str_appendall(pBack, ";\n");
  }else if( strcmp(c->zChange, DF_CHANGE_DROP)==0 && a ){
    if( bSoft ){
      /* Quarantined columns may still use it: rename, don't drop. */
      char *zQ = dfQuarantineName(pCtx, a->zName, 0);
      sqlite3_str_appendall(pFwd, "ALTER TYPE ");
      appendName(pFwd, a->zSchema, a->zName);
      sqlite3_str_appendall(pFwd, " RENAME TO ");
      appendId(pFwd, zQ);
      sqlite3_str_appendall(pFwd, ";\n");
      sqlite3_str_appendall(pBack, "ALTER TYPE ");
      appendName(pBack, a->zSchema, zQ);
      sqlite3_str_appendall(pBack, " RENAME TO ");
      appendId(pBack, a->zName);
      sqlite3_str_appendall(pBack, ";\n");
      pOut->zNote = sqlite3_mprintf("soft drop: the type is renamed to %s", zQ);
      sqlite3_free(zQ);
    }else{
      sqlite3_str_appendall(pFwd, "DROP TYPE ");
      appendName(pFwd, a->zSchema, a->zName);
      sqlite3_str_appendall(pFwd, ";\n");
      appendCreateEnum(pBack, a);
    }
  }else if( a && b && c->zAttribute && strcmp(c->zAttribute, "comment")==0 ){
    sqlite3_str_appendall(pFwd, "COMMENT ON TYPE ");
    appendName(pFwd, b->zSchema, b->zName);
    if( b->zComment ) sqlite3_str_appendf(pFwd, " IS %Q;\n", b->zComment);
    else sqlite3_str_appendall(pFwd, " IS NULL;\n");
    sqlite3_str_appendall(pBack, "COMMENT ON TYPE ");
    appendName(pBack, b->zSchema, b->zName);
    if( a->zComment ) sqlite3_str_appendf(pBack, " IS %Q;\n", a->zComment);
    else sqlite3_str_appendall(pBack, " IS NULL;\n");
  }else if( a && b ){
    if( appendEnumAdds(pFwd, a, b) ){
      appendEnumRecreate(pBack, pCtx->pTo, b, a);
      pOut->zNote = sqlite3_mprintf("ALTER TYPE ... ADD VALUE: the new label"
          " cannot be used before the migration commits");
    }else{
      sqlite3_str_reset(pFwd);
      /* Runs before the tables change (not destructive) or after them. */
      appendEnumRecreate(pFwd, c->bDestructive ? pCtx->pTo : pCtx->pFrom, a, b);
      appendEnumRecreate(pBack, pCtx->pTo, b, a);
      pOut->zNote = sqlite3_mprintf("labels removed or reordered: the type is"
          " recreated and its columns converted through text");
    }
  }else{
    return abandon(pFwd, pBack, SQLITE_OK);
  }
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, sqlite3_mprintf("ACCESS EXCLUSIVE on type %s and the"
                 " tables that use it (brief)", c->zObject), 0, rc);
}

/* ---------------------------------------------------------------------------
** Sequences
*/

static void appendSequenceOptions(sqlite3_str *p, const DfSequence *s){
  if( s->zDataType && s->zDataType[0] ) sqlite3_str_appendf(p, " AS %s", s->zDataType);
  sqlite3_str_appendf(p, " INCREMENT BY %lld MINVALUE %lld MAXVALUE %lld START WITH %lld %s",
                      s->iIncrement, s->iMin, s->iMax, s->iStart,
                      s->bCycle ? "CYCLE" : "NO CYCLE");
}

static void appendCreateSequence(sqlite3_str *p, const DfSequence *s){
  sqlite3_str_appendall(p, "CREATE SEQUENCE ");
  appendName(p, s->zSchema, s->zName);
  appendSequenceOptions(p, s);
  sqlite3_str_appendall(p, ";\n");
}

/* Split "t.c" of an owned_by; the table part may hold dots. OUT: frees. */
static void ownerParts(const char *zOwned, char **pzTab, char **pzCol){
  const char *zDot = zOwned ? strrchr(zOwned, '.') : 0;
  *pzTab = zDot ? sqlite3_mprintf("%.*s", (int)(zDot-zOwned), zOwned) : 0;
  *pzCol = zDot ? sqlite3_mprintf("%s", zDot+1) : 0;
}

static int pgSequence(const DfDialectCtx *pCtx, const DfChange *c, DfDdl *pOut,
                      char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  const DfSequence *a = c->pFromSeq, *b = c->pToSeq;
  int rc;
  (void)pzErr;
  if( strcmp(c->zChange, DF_CHANGE_ADD)==0 && b ){
    appendEnsureSchema(pFwd, pCtx, b->zSchema);
    appendCreateSequence(pFwd, b);
    /* OWNED BY now when the column exists already; else CREATE TABLE or
    ** ADD COLUMN says it. */
    if( b->zOwnedBy && ownerExists(pCtx->pFrom, b->zSchema, b->zOwnedBy) ){
      char *zT, *zC;
      ownerParts(b->zOwnedBy, &zT, &zC);
      appendOwnedBy(pFwd, b, b->zSchema, zT, zC);
      sqlite3_free(zT); sqlite3_free(zC);
    }
    sqlite3_str_appendall(pBack, "DROP SEQUENCE IF EXISTS ");
    appendName(pBack, b->zSchema, b->zName);
    sqlite3_str_appendall(pBack, ";\n");
  }else if( strcmp(c->zChange, DF_CHANGE_DROP)==0 && a ){
    /* A table or column drop may have taken an owned sequence already. */
    sqlite3_str_appendall(pFwd, "DROP SEQUENCE IF EXISTS ");
    appendName(pFwd, a->zSchema, a->zName);
    sqlite3_str_appendall(pFwd, ";\n");
    appendCreateSequence(pBack, a);
  }else if( a && b ){
    const char *zAttr = c->zAttribute ? c->zAttribute : "";
    if( strcmp(zAttr, "owned_by")==0 ){
      char *zT = 0, *zC = 0;
      if( b->zOwnedBy==0 || ownerExists(pCtx->pFrom, b->zSchema, b->zOwnedBy) ){
        ownerParts(b->zOwnedBy, &zT, &zC);
        appendOwnedBy(pFwd, b, b->zSchema, zT, zC);
        sqlite3_free(zT); sqlite3_free(zC);
      }
      ownerParts(a->zOwnedBy, &zT, &zC);
      appendOwnedBy(pBack, a, a->zSchema, zT, zC);
      sqlite3_free(zT); sqlite3_free(zC);
    }else{
      sqlite3_str_appendall(pFwd, "ALTER SEQUENCE ");
      appendName(pFwd, b->zSchema, b->zName);
      appendSequenceOptions(pFwd, b);
      sqlite3_str_appendall(pFwd, ";\n");
      sqlite3_str_appendall(pBack, "ALTER SEQUENCE ");
      appendName(pBack, a->zSchema, a->zName);
      appendSequenceOptions(pBack, a);
      sqlite3_str_appendall(pBack, ";\n");
    }
  }
  if( sqlite3_str_length(pFwd)==0 ){
    pOut->zNote = sqlite3_mprintf("OWNED BY is set where the column is created");
    return abandon(pFwd, pBack, SQLITE_OK);
  }
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, sqlite3_mprintf("none (sequence %s)", c->zObject), 0, rc);
}

/* ---------------------------------------------------------------------------
** Comments of indexes and views
*/
static int pgComment(const DfDialectCtx *pCtx, const DfChange *c, DfDdl *pOut,
                     char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  const char *zWhat, *zSchema, *zName, *zOld, *zNew;
  int rc;
  (void)pCtx;
  if( c->pToIdx && c->pFromIdx ){
    zWhat = "INDEX";
    zSchema = c->pToTab ? c->pToTab->zSchema : c->zSchema;
    zName = c->pToIdx->zName;
    zOld = c->pFromIdx->zComment;
    zNew = c->pToIdx->zComment;
  }else if( c->pToView && c->pFromView ){
    zWhat = isMaterialized(c->pToView) ? "MATERIALIZED VIEW" : "VIEW";
    zSchema = c->pToView->zSchema;
    zName = c->pToView->zName;
    zOld = c->pFromView->zComment;
    zNew = c->pToView->zComment;
  }else{
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    *pzErr = sqlite3_mprintf("migration_plan: postgresql cannot comment on %s '%s'",
                             c->zKind, c->zObject);
    return SQLITE_ERROR;
  }
  sqlite3_str_appendf(pFwd, "COMMENT ON %s ", zWhat);
  appendName(pFwd, zSchema, zName);
  if( zNew ) sqlite3_str_appendf(pFwd, " IS %Q;\n", zNew);
  else sqlite3_str_appendall(pFwd, " IS NULL;\n");
  sqlite3_str_appendf(pBack, "COMMENT ON %s ", zWhat);
  appendName(pBack, zSchema, zName);
  if( zOld ) sqlite3_str_appendf(pBack, " IS %Q;\n", zOld);
  else sqlite3_str_appendall(pBack, " IS NULL;\n");
  rc = finishDdl(pFwd, pBack, pOut, 1);
  return setLock(pOut, sqlite3_mprintf("SHARE UPDATE EXCLUSIVE on %s (brief)", zName), 0, rc);
}

/* ---------------------------------------------------------------------------
** The writer
*/
const DfDialect dfDialectPostgresql = {
  "postgresql",             /* zName */
  0,                        /* bInlineForeignKeys: FKs are steps of their own */
  pgQuote,                  /* xQuote: "name", quotes doubled */
  pgCreateTable,            /* xCreateTable */
  pgDropTable,              /* xDropTable: soft = rename to quarantine */
  pgRenameTable,            /* xRenameTable */
  pgAlterTable,             /* xAlterTable: comment, storage options */
  pgAddColumn,              /* xAddColumn */
  pgDropColumn,             /* xDropColumn: soft = rename, relax */
  pgRenameColumn,           /* xRenameColumn */
  pgAlterColumn,            /* xAlterColumn: TYPE USING, NOT NULL, DEFAULT ... */
  pgAddConstraint,          /* xAddConstraint: online NOT VALID + VALIDATE */
  pgDropConstraint,         /* xDropConstraint */
  0,                        /* xRebuildTable: everything is altered in place */
  pgCreateIndex,            /* xCreateIndex: online CONCURRENTLY */
  pgDropIndex,              /* xDropIndex: online CONCURRENTLY */
  pgRenameIndex,            /* xRenameIndex */
  pgCreateView,             /* xCreateView */
  pgDropView,               /* xDropView */
  pgCreateTrigger,          /* xCreateTrigger */
  pgDropTrigger,            /* xDropTrigger */
  pgEnum,                   /* xEnum */
  pgSequence,               /* xSequence */
  pgComment,                /* xComment: COMMENT ON INDEX / VIEW */
};
