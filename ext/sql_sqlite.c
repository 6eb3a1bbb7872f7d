/*
** sql_sqlite.c — the SQLite DDL writer (a DfDialect, see dialect.h).
**
** Usage (SQL):
**
**   .load ./ext/dataflow
**   SELECT step, operation, sql, rollback_sql
**     FROM migration_plan('base.snapshot', 'model.snapshot', 'sqlite');
**
** Usage (C): dfDialectFind("sqlite")->xCreateTable(&ctx, pTab, &ddl, &zErr);
**
** HOW IT WORKS
**
** SQLite's ALTER TABLE can ADD COLUMN, DROP COLUMN (3.35+), RENAME COLUMN
** and RENAME TO, each with restrictions (lang_altertable.html). Methods
** that meet a change those statements can do write it in place; any other
** change (a type, NOT NULL, default or collation change, a constraint, a
** column ADD COLUMN refuses, a column DROP COLUMN refuses, WITHOUT ROWID or
** STRICT) answers DF_DIALECT_REBUILD, and the planner asks sqliteRebuild()
** for one step that follows the documented procedure ("Making Other Kinds
** Of Table Schema Changes"):
**
**   CREATE TABLE "t__dataflow_new"(<target definition>);
**   INSERT INTO "t__dataflow_new"(rowid, <target columns>)
**     SELECT rowid, <their source columns> FROM "t";   -- renames mapped
**   DROP TABLE "t";
**   PRAGMA legacy_alter_table=ON;
**   ALTER TABLE "t__dataflow_new" RENAME TO "t";
**   PRAGMA legacy_alter_table=OFF;
**   CREATE INDEX ...;                                  -- target indexes
**   PRAGMA foreign_key_check("t");
**
** Assumptions the executor honours: PRAGMA foreign_keys is OFF while the
** plan runs (it cannot be changed inside a transaction, so the executor
** turns it off before BEGIN and back on after COMMIT), and any row returned
** by PRAGMA foreign_key_check fails the step. legacy_alter_table=ON around
** the final rename keeps SQLite (3.26+) from re-checking every view and
** trigger that names "t" while "t" is momentarily missing: those objects
** are neither dropped nor rewritten, so views that read a rebuilt table
** stay untouched. Triggers ON the table die with DROP TABLE; the planner
** drops them in a step before and recreates them in a step after.
**
** Rowids are copied, so a rebuild keeps them (and a quarantined column can
** be matched back by rowid). AUTOINCREMENT high-water marks are carried
** over in sqlite_sequence.
**
** Soft drop: a dropped column's values are first copied to
** "dataflow_quarantine_<t>__<c>_<tag>" (rowid, or the primary key of a
** WITHOUT ROWID table, plus the value); the rollback puts them back (a
** rebuild's rollback joins them in while copying, an in-place drop's
** rollback re-adds the column and runs UPDATE ... FROM, SQLite 3.33+). A
** dropped table is renamed to "dataflow_quarantine_<t>_<tag>" after its
** indexes and triggers are dropped (their names must stay free); the
** rollback renames it back and recreates them.
**
** Identifiers are always quoted "%w"; values are quoted %Q.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "dialect.h"
#include "types.h"
#include "dfjson.h"
#include "sqlparse.h"

/* Lock impact texts (SQLite locks the whole database for any write). */
#define LOCK_SCHEMA  "database write lock; schema change only"
#define LOCK_REWRITE "database write lock; rewrites %s (%s rows)"

/* ---------------------------------------------------------------------------
** Small helpers
*/

static char *sqliteQuote(const char *zId){
  return sqlite3_mprintf("\"%w\"", zId ? zId : "");
}

/* Append a possibly schema-qualified quoted name. */
static void appendName(sqlite3_str *p, const char *zSchema, const char *zName){
  if( zSchema && zSchema[0] ) sqlite3_str_appendf(p, "\"%w\".", zSchema);
  sqlite3_str_appendf(p, "\"%w\"", zName);
}

/* Engine whose spellings a catalog holds. */
static const char *engineOf(const DfCatalog *p){
  return (p && p->zEngine) ? p->zEngine : "sqlite";
}

/* Native spellings of this engine can be written verbatim for SQLite. */
static int isSqliteSpelling(const char *zEngine){
  return sqlite3_stricmp(zEngine, "sqlite")==0
      || sqlite3_stricmp(zEngine, "model")==0;
}

/* Boolean member zKey of the table's options JSON. */
static int tableOption(const DfTable *t, const char *zKey){
  DfJson *p, *v;
  int b = 0;
  if( t==0 || t->zOptions==0 ) return 0;
  p = dfJsonParse(t->zOptions, 0);
  v = dfJsonGet(p, zKey);
  if( v ){
    b = v->eType==DF_JSON_TRUE
     || (v->eType==DF_JSON_NUMBER && strcmp(v->zText, "0")!=0)
     || (v->eType==DF_JSON_STRING && sqlite3_stricmp(v->zText, "true")==0);
  }
  dfJsonFree(p);
  return b;
}
static int isWithoutRowid(const DfTable *t){ return tableOption(t, "without_rowid"); }
static int isStrict(const DfTable *t){ return tableOption(t, "strict"); }

/* True when the JSON array of names zJson holds zName (case-insensitive). */
static int jsonHas(const char *zJson, const char *zName){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az), i, b = 0;
  for(i=0; i<n; i++) if( sqlite3_stricmp(az[i], zName)==0 ) b = 1;
  if( n>0 ) dfJsonFreeStrings(n, az);
  return b;
}

/* Append the JSON array of names as a quoted, comma-separated list. */
static void appendIdList(sqlite3_str *p, const char *zJson){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az), i;
  for(i=0; i<n; i++) sqlite3_str_appendf(p, "%s\"%w\"", i ? ", " : "", az[i]);
  if( n>0 ) dfJsonFreeStrings(n, az);
}

/* Case-insensitive substring test (conservative "does text mention x"). */
static int mentions(const char *zText, const char *zWord){
  int n = zWord ? (int)strlen(zWord) : 0;
  if( zText==0 || n==0 ) return 0;
  for(; *zText; zText++){
    if( sqlite3_strnicmp(zText, zWord, n)==0 ) return 1;
  }
  return 0;
}

static const DfConstraint *findPk(const DfTable *t){
  int i;
  for(i=0; t && i<t->nCons; i++){
    if( sqlite3_stricmp(t->aCons[i].zKind, "primary key")==0 ) return &t->aCons[i];
  }
  return 0;
}

/* Index of column zName in t, -1 when absent. */
static int colIndex(const DfTable *t, const char *zName){
  int i;
  for(i=0; t && zName && i<t->nCol; i++){
    if( sqlite3_stricmp(t->aCol[i].zName, zName)==0 ) return i;
  }
  return -1;
}

/* Number of names in a JSON array (0 for NULL, -1 when malformed). */
static int jsonCount(const char *zJson){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az);
  if( n>0 ) dfJsonFreeStrings(n, az);
  return n;
}

/* The single-column primary key's column, or -1. */
static int singlePkColumn(const DfTable *t){
  const DfConstraint *pk = findPk(t);
  char **az = 0;
  int n, i = -1;
  if( pk==0 ) return -1;
  n = dfJsonStrings(pk->zColumns, &az);
  if( n==1 ) i = colIndex(t, az[0]);
  if( n>0 ) dfJsonFreeStrings(n, az);
  return i;
}

static int isAutoincrement(const DfColumn *c){
  return c->zIdentity && sqlite3_stricmp(c->zIdentity, "autoincrement")==0;
}

/* Rendered SQLite type of c. OUT: caller frees; "" when none; NULL on OOM. */
static char *columnType(const char *zEngine, const DfColumn *c){
  if( isAutoincrement(c) ) return sqlite3_mprintf("INTEGER");
  return dfTypeRender("sqlite", zEngine, c);
}

/* Column of t that is an alias for the rowid (INTEGER PRIMARY KEY), or -1. */
static int rowidAlias(const DfTable *t, const char *zEngine){
  int i = singlePkColumn(t), b = 0;
  char *zType;
  if( i<0 || isWithoutRowid(t) ) return -1;
  zType = columnType(zEngine, &t->aCol[i]);
  b = zType && sqlite3_stricmp(zType, "INTEGER")==0;
  sqlite3_free(zType);
  return b ? i : -1;
}

/*
** Is the default text a single literal that may follow DEFAULT unwrapped?
** (numbers, signed numbers, strings, blobs, NULL/TRUE/FALSE/CURRENT_*,
** a bare word, or text already wrapped in one pair of parentheses).
** *pbConst is set when it is also a constant ADD COLUMN accepts.
*/
static int isPlainDefault(const char *z, int *pbConst){
  int i = dfSqlSkipSpace(z), n, eType, nTok = 0, eFirst = 0;
  int iFirst = i, nFirst = 0, bSign = 0;
  *pbConst = 0;
  if( z[i]=='(' ){
    /* Wrapped already when the matching ')' ends the text. */
    int depth = 0, j = i;
    while( (n = dfSqlToken(&z[j], &eType))>0 ){
      if( eType==DF_TK_PUNCT && n==1 && z[j]=='(' ) depth++;
      if( eType==DF_TK_PUNCT && n==1 && z[j]==')' ){
        depth--;
        if( depth==0 ){ j += n; break; }
      }
      j += n;
    }
    j += dfSqlSkipSpace(&z[j]);
    return depth==0 && z[j]==0;
  }
  if( (z[i]=='-' || z[i]=='+') ){ bSign = 1; i++; i += dfSqlSkipSpace(&z[i]); }
  while( (n = dfSqlToken(&z[i], &eType))>0 ){
    if( eType!=DF_TK_SPACE ){
      if( nTok==0 ){ eFirst = eType; iFirst = i; nFirst = n; }
      nTok++;
    }
    i += n;
  }
  if( nTok!=1 ) return 0;
  if( bSign ){
    if( eFirst!=DF_TK_NUMBER ) return 0;
    *pbConst = 1;
    return 1;
  }
  switch( eFirst ){
    case DF_TK_NUMBER: case DF_TK_STRING: case DF_TK_BLOB:
      *pbConst = 1;
      return 1;
    case DF_TK_ID:
      *pbConst = !(nFirst>=12 && sqlite3_strnicmp(&z[iFirst], "current_", 8)==0);
      return 1;
    default:
      return 0;
  }
}

/* The default text to write for c, or NULL. */
static const char *defaultText(const char *zEngine, const DfColumn *c){
  if( isSqliteSpelling(zEngine) && c->zDefaultNative ) return c->zDefaultNative;
  return c->zDefault;
}

/* Is c's default acceptable to ALTER TABLE ADD COLUMN? */
static int addableDefault(const char *zEngine, const DfColumn *c){
  const char *z = defaultText(zEngine, c);
  int bConst = 0;
  if( z==0 ) return c->bNotNull==0;
  if( !isPlainDefault(z, &bConst) ) return 0;
  if( !bConst ) return 0;
  if( c->bNotNull && sqlite3_stricmp(z, "NULL")==0 ) return 0;
  return 1;
}

/* Append " DEFAULT x". */
static void appendDefault(sqlite3_str *p, const char *zEngine, const DfColumn *c){
  const char *z = defaultText(zEngine, c);
  int bConst;
  if( z==0 ) return;
  if( isPlainDefault(z, &bConst) ){
    sqlite3_str_appendf(p, " DEFAULT %s", z);
  }else{
    sqlite3_str_appendf(p, " DEFAULT (%s)", z);
  }
}

/*
** Append one column definition. zPk is non-NULL when the column carries
** the table's single-column primary key inline: "" unnamed, else its name.
** Returns SQLITE_OK or SQLITE_NOMEM.
*/
static int appendColumnDef(sqlite3_str *p, const char *zEngine,
                           const DfColumn *c, const char *zPk){
  char *zType = columnType(zEngine, c);
  if( zType==0 ) return SQLITE_NOMEM;
  sqlite3_str_appendf(p, "\"%w\"", c->zName);
  if( zType[0] ) sqlite3_str_appendf(p, " %s", zType);
  sqlite3_free(zType);
  if( zPk ){
    if( zPk[0] ) sqlite3_str_appendf(p, " CONSTRAINT \"%w\"", zPk);
    sqlite3_str_appendall(p, " PRIMARY KEY");
    if( isAutoincrement(c) ) sqlite3_str_appendall(p, " AUTOINCREMENT");
  }
  if( c->bNotNull ) sqlite3_str_appendall(p, " NOT NULL");
  if( c->zGenExpr==0 ) appendDefault(p, zEngine, c);
  if( c->zCollation ) sqlite3_str_appendf(p, " COLLATE \"%w\"", c->zCollation);
  if( c->zGenExpr ){
    sqlite3_str_appendf(p, " GENERATED ALWAYS AS (%s)", c->zGenExpr);
    if( c->zGenKind && sqlite3_stricmp(c->zGenKind, "stored")==0 ){
      sqlite3_str_appendall(p, " STORED");
    }else{
      sqlite3_str_appendall(p, " VIRTUAL");
    }
  }
  return SQLITE_OK;
}

/* Is zAction a foreign key action worth writing? */
static int isAction(const char *z){
  return z && z[0] && sqlite3_stricmp(z, "NO ACTION")!=0;
}

/* Append one table constraint (not a single-column primary key). */
static int appendConstraint(sqlite3_str *p, const DfTable *t,
                            const DfConstraint *k, char **pzErr){
  if( !k->bGenName && k->zName ) sqlite3_str_appendf(p, "CONSTRAINT \"%w\" ", k->zName);
  if( sqlite3_stricmp(k->zKind, "primary key")==0 ){
    sqlite3_str_appendall(p, "PRIMARY KEY(");
    appendIdList(p, k->zColumns);
    sqlite3_str_appendall(p, ")");
  }else if( sqlite3_stricmp(k->zKind, "unique")==0 ){
    sqlite3_str_appendall(p, "UNIQUE(");
    appendIdList(p, k->zColumns);
    sqlite3_str_appendall(p, ")");
  }else if( sqlite3_stricmp(k->zKind, "check")==0 ){
    sqlite3_str_appendf(p, "CHECK(%s)", k->zExpr ? k->zExpr : "1");
  }else if( sqlite3_stricmp(k->zKind, "foreign key")==0 ){
    sqlite3_str_appendall(p, "FOREIGN KEY(");
    appendIdList(p, k->zColumns);
    sqlite3_str_appendf(p, ") REFERENCES \"%w\"", k->zRefTable ? k->zRefTable : "");
    if( jsonCount(k->zRefColumns)>0 ){
      sqlite3_str_appendall(p, "(");
      appendIdList(p, k->zRefColumns);
      sqlite3_str_appendall(p, ")");
    }
    if( isAction(k->zOnUpdate) ) sqlite3_str_appendf(p, " ON UPDATE %s", k->zOnUpdate);
    if( isAction(k->zOnDelete) ) sqlite3_str_appendf(p, " ON DELETE %s", k->zOnDelete);
    if( k->zMatch && k->zMatch[0] && sqlite3_stricmp(k->zMatch, "NONE")!=0
     && sqlite3_stricmp(k->zMatch, "SIMPLE")!=0 ){
      sqlite3_str_appendf(p, " MATCH %s", k->zMatch);
    }
    if( k->bDeferrable ){
      sqlite3_str_appendall(p, k->bInitDeferred ? " DEFERRABLE INITIALLY DEFERRED"
                                                : " DEFERRABLE INITIALLY IMMEDIATE");
    }
  }else{
    *pzErr = sqlite3_mprintf("migration_plan: sqlite has no %s constraints"
                             " (constraint '%s' of table '%s')",
                             k->zKind, k->zName ? k->zName : "", t->zName);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/*
** CREATE TABLE text of t, named zName (NULL: t's own name), ending ";\n".
** Returns SQLITE_OK and *pzOut (OUT: caller frees), or an error.
*/
static int createTableText(const DfTable *t, const char *zEngine,
                           const char *zName, char **pzOut, char **pzErr){
  sqlite3_str *p = sqlite3_str_new(0);
  const DfConstraint *pk = findPk(t);
  int iPk = singlePkColumn(t);
  int i, rc = SQLITE_OK, nItem = 0;
  *pzOut = 0;
  sqlite3_str_appendall(p, "CREATE TABLE ");
  appendName(p, t->zSchema, zName ? zName : t->zName);
  sqlite3_str_appendall(p, "(\n");
  for(i=0; rc==SQLITE_OK && i<t->nCol; i++){
    const char *zPk = 0;
    if( i==iPk ) zPk = (pk->bGenName || pk->zName==0) ? "" : pk->zName;
    sqlite3_str_appendall(p, nItem++ ? ",\n  " : "  ");
    rc = appendColumnDef(p, zEngine, &t->aCol[i], zPk);
  }
  for(i=0; rc==SQLITE_OK && i<t->nCons; i++){
    const DfConstraint *k = &t->aCons[i];
    if( k==pk && iPk>=0 ) continue;      /* written on its column */
    sqlite3_str_appendall(p, nItem++ ? ",\n  " : "  ");
    rc = appendConstraint(p, t, k, pzErr);
  }
  sqlite3_str_appendall(p, "\n)");
  if( isWithoutRowid(t) ) sqlite3_str_appendall(p, " WITHOUT ROWID");
  if( isStrict(t) ) sqlite3_str_appendf(p, "%s STRICT", isWithoutRowid(t) ? "," : "");
  sqlite3_str_appendall(p, ";\n");
  if( rc==SQLITE_OK ) rc = sqlite3_str_errcode(p);
  if( rc==SQLITE_OK ){
    *pzOut = sqlite3_str_finish(p);
  }else{
    sqlite3_free(sqlite3_str_finish(p));
  }
  return rc;
}

/* Append the key list of an index from its JSON keys. */
static void appendIndexKeys(sqlite3_str *p, const char *zKeys){
  DfJson *pArr = dfJsonParse(zKeys ? zKeys : "[]", 0);
  int i;
  for(i=0; pArr && pArr->eType==DF_JSON_ARRAY && i<pArr->nChild; i++){
    DfJson *k = &pArr->aChild[i];
    DfJson *v;
    if( i ) sqlite3_str_appendall(p, ", ");
    if( k->eType==DF_JSON_STRING ){
      sqlite3_str_appendf(p, "\"%w\"", k->zText);
      continue;
    }
    if( (v = dfJsonGet(k, "column"))!=0 && v->eType==DF_JSON_STRING ){
      sqlite3_str_appendf(p, "\"%w\"", v->zText);
    }else if( (v = dfJsonGet(k, "expr"))!=0 && v->eType==DF_JSON_STRING ){
      sqlite3_str_appendf(p, "%s", v->zText);
    }
    if( (v = dfJsonGet(k, "collate"))!=0 && v->eType==DF_JSON_STRING ){
      sqlite3_str_appendf(p, " COLLATE \"%w\"", v->zText);
    }
    if( (v = dfJsonGet(k, "desc"))!=0
     && (v->eType==DF_JSON_TRUE || (v->eType==DF_JSON_NUMBER && strcmp(v->zText, "0")!=0)) ){
      sqlite3_str_appendall(p, " DESC");
    }
  }
  dfJsonFree(pArr);
}

/* Append CREATE INDEX for x on table zTable (schema zSchema). */
static void appendCreateIndex(sqlite3_str *p, const char *zSchema,
                              const char *zTable, const DfIndex *x){
  sqlite3_str_appendf(p, "CREATE %sINDEX ", x->bUnique ? "UNIQUE " : "");
  appendName(p, zSchema, x->zName);
  sqlite3_str_appendf(p, " ON \"%w\"(", zTable);
  appendIndexKeys(p, x->zKeys);
  sqlite3_str_appendall(p, ")");
  if( x->zPredicate && x->zPredicate[0] ) sqlite3_str_appendf(p, " WHERE %s", x->zPredicate);
  sqlite3_str_appendall(p, ";\n");
}

/* Indexes that SQLite makes itself (constraints) are not written. */
static int isAutoIndex(const DfIndex *x){
  return sqlite3_strnicmp(x->zName, "sqlite_autoindex_", 17)==0;
}

static void appendDropIndex(sqlite3_str *p, const char *zSchema, const DfIndex *x){
  sqlite3_str_appendall(p, "DROP INDEX ");
  appendName(p, zSchema, x->zName);
  sqlite3_str_appendall(p, ";\n");
}

/* Append a statement text, making sure it ends with ";\n". */
static void appendStatement(sqlite3_str *p, const char *z){
  int n = (int)strlen(z);
  while( n>0 && (z[n-1]==' ' || z[n-1]=='\n' || z[n-1]=='\t' || z[n-1]=='\r') ) n--;
  if( n>0 && z[n-1]==';' ) n--;
  sqlite3_str_appendf(p, "%.*s;\n", n, z);
}

/* Append the CREATE VIEW statement of v. */
static void appendCreateView(sqlite3_str *p, const DfView *v){
  const char *zDef = v->zDefNative ? v->zDefNative : v->zDef;
  int i = dfSqlSkipSpace(zDef ? zDef : "");
  if( zDef && sqlite3_strnicmp(&zDef[i], "create", 6)==0 ){
    appendStatement(p, &zDef[i]);
  }else{
    sqlite3_str_appendall(p, "CREATE VIEW ");
    appendName(p, v->zSchema, v->zName);
    sqlite3_str_appendall(p, " AS ");
    appendStatement(p, zDef ? &zDef[i] : "SELECT NULL");
  }
}

static void appendDropView(sqlite3_str *p, const DfView *v){
  sqlite3_str_appendall(p, "DROP VIEW ");
  appendName(p, v->zSchema, v->zName);
  sqlite3_str_appendall(p, ";\n");
}

static void appendDropTrigger(sqlite3_str *p, const char *zSchema, const DfTrigger *g){
  sqlite3_str_appendall(p, "DROP TRIGGER ");
  appendName(p, zSchema, g->zName);
  sqlite3_str_appendall(p, ";\n");
}

/* A rename of zFrom to zTo; legacy=1 keeps references in other objects
** as they are. Names that differ only in case go through a temporary name,
** which SQLite requires. */
static void appendRenameTable(sqlite3_str *p, const char *zSchema,
                              const char *zFrom, const char *zTo, int bLegacy){
  if( bLegacy ) sqlite3_str_appendall(p, "PRAGMA legacy_alter_table=ON;\n");
  if( sqlite3_stricmp(zFrom, zTo)==0 ){
    sqlite3_str_appendall(p, "ALTER TABLE ");
    appendName(p, zSchema, zFrom);
    sqlite3_str_appendf(p, " RENAME TO \"%w__dataflow_case\";\n", zTo);
    zFrom = sqlite3_mprintf("%s__dataflow_case", zTo);
    sqlite3_str_appendall(p, "ALTER TABLE ");
    appendName(p, zSchema, zFrom ? zFrom : zTo);
    sqlite3_str_appendf(p, " RENAME TO \"%w\";\n", zTo);
    sqlite3_free((char*)zFrom);
  }else{
    sqlite3_str_appendall(p, "ALTER TABLE ");
    appendName(p, zSchema, zFrom);
    sqlite3_str_appendf(p, " RENAME TO \"%w\";\n", zTo);
  }
  if( bLegacy ) sqlite3_str_appendall(p, "PRAGMA legacy_alter_table=OFF;\n");
}

/* Finish a forward and a rollback builder into pOut. */
static int finishDdl(sqlite3_str *pFwd, sqlite3_str *pBack, DfDdl *pOut){
  int rc = sqlite3_str_errcode(pFwd);
  if( rc==SQLITE_OK && pBack ) rc = sqlite3_str_errcode(pBack);
  pOut->zSql = sqlite3_str_finish(pFwd);
  pOut->zRollback = pBack ? sqlite3_str_finish(pBack) : 0;
  pOut->bTransactional = 1;
  if( rc==SQLITE_OK && pOut->zSql==0 ) rc = SQLITE_NOMEM;
  return rc;
}

/* Row count as text for lock notes. OUT: caller frees. */
static char *rowsText(sqlite3_int64 n){
  return n<0 ? sqlite3_mprintf("?") : sqlite3_mprintf("%lld", n);
}

static char *rewriteLock(const DfTable *t){
  char *zRows = rowsText(t->nRows);
  char *z = sqlite3_mprintf(LOCK_REWRITE, t->zName, zRows ? zRows : "?");
  sqlite3_free(zRows);
  return z;
}

/* ---------------------------------------------------------------------------
** Quarantine keys: how a kept column value finds its row again.
*/
typedef struct QKey QKey;
struct QKey {
  int bRowid;             /* match on rowid (both sides are rowid tables) */
  int nKey;               /* else: number of primary key columns */
  int aFrom[8];           /* their indexes in the source table */
  int aTo[8];             /* their indexes in the target table */
};

/* Choose the key for values quarantined from pFrom and restored into pTo
** (aiSrc maps pTo's columns to pFrom's). Returns 0 when no key works. */
static int chooseKey(const DfTable *pFrom, const DfTable *pTo,
                     const int *aiSrc, QKey *pKey){
  const DfConstraint *pk;
  char **az = 0;
  int n, i, j, bOk = 1;
  memset(pKey, 0, sizeof(*pKey));
  if( !isWithoutRowid(pFrom) && !isWithoutRowid(pTo) ){
    pKey->bRowid = 1;
    return 1;
  }
  pk = findPk(pFrom);
  if( pk==0 ) return 0;
  n = dfJsonStrings(pk->zColumns, &az);
  if( n<=0 || n>8 ) bOk = 0;
  for(i=0; bOk && i<n; i++){
    int iFrom = colIndex(pFrom, az[i]);
    int iTo = -1;
    for(j=0; iFrom>=0 && j<pTo->nCol; j++) if( aiSrc[j]==iFrom ) iTo = j;
    if( iFrom<0 || iTo<0 ) bOk = 0;
    pKey->aFrom[i] = iFrom;
    pKey->aTo[i] = iTo;
  }
  if( n>0 ) dfJsonFreeStrings(n, az);
  pKey->nKey = bOk ? n : 0;
  return bOk;
}

/* CREATE TABLE q AS SELECT key, "c" FROM "t" (t under name zTable, whose
** column names are those of tKeyNames). */
static void appendQuarantineCopy(sqlite3_str *p, const DfDialectCtx *pCtx,
                                 const char *zSchema, const char *zTable,
                                 const char *zQTable, const QKey *pKey,
                                 const DfTable *tKeyNames, const int *aKeyIdx,
                                 const char *zCol){
  int i;
  char *zQ = dfQuarantineName(pCtx, zQTable, zCol);
  sqlite3_str_appendall(p, "CREATE TABLE ");
  appendName(p, zSchema, zQ ? zQ : "");
  sqlite3_str_appendall(p, " AS SELECT ");
  if( pKey->bRowid ){
    sqlite3_str_appendall(p, "rowid AS \"dataflow_rowid\"");
  }else{
    for(i=0; i<pKey->nKey; i++){
      sqlite3_str_appendf(p, "%s\"%w\"", i ? ", " : "", tKeyNames->aCol[aKeyIdx[i]].zName);
    }
  }
  sqlite3_str_appendf(p, ", \"%w\" FROM ", zCol);
  appendName(p, zSchema, zTable);
  /* Every row, NULLs too: the executor verifies the copy by row count. */
  sqlite3_str_appendall(p, ";\n");
  sqlite3_free(zQ);
}

/* Append "AND"-joined match of alias zA's row to quarantine alias zQ. */
static void appendKeyMatch(sqlite3_str *p, const char *zA, const char *zQ,
                           const QKey *pKey, const DfTable *tRow,
                           const int *aRowIdx, const DfTable *tKeyNames,
                           const int *aKeyIdx){
  int i;
  if( pKey->bRowid ){
    sqlite3_str_appendf(p, "%s.rowid = %s.\"dataflow_rowid\"", zA, zQ);
    return;
  }
  for(i=0; i<pKey->nKey; i++){
    sqlite3_str_appendf(p, "%s%s.\"%w\" = %s.\"%w\"", i ? " AND " : "",
        zA, tRow->aCol[aRowIdx[i]].zName, zQ, tKeyNames->aCol[aKeyIdx[i]].zName);
  }
}

/* ---------------------------------------------------------------------------
** The rebuild: one table, old definition to new, every row kept.
*/

/*
** Append the copy of one definition into another:
**   CREATE TABLE "<t>__dataflow_new"(<pDst definition>);
**   INSERT ... SELECT ... FROM "<t>" [LEFT JOIN quarantine ...];
**   (sqlite_sequence carried over); DROP; rename; indexes; fk check.
** aiSrc[j] maps pDst's column j to pSrc's column, -1 for none; azFill[j]
** (may be NULL) names a quarantine table to take column j's value from
** instead, matched with pKey.
*/
static int appendRebuild(sqlite3_str *p, const DfDialectCtx *pCtx,
                         const DfTable *pSrc, const char *zSrcEngine,
                         const DfTable *pDst, const char *zDstEngine,
                         const char *zName, const int *aiSrc,
                         char **azFill, const QKey *pKey, const int *aKeyDst,
                         const int *aKeySrcFill, int bFkCheck, char **pzErr){
  char *zNew = sqlite3_mprintf("%s__dataflow_new", zName);
  char *zCreate = 0;
  const char *zSchema = pDst->zSchema;
  int rc, j, nIns = 0, bRowid, iAliasDst;
  if( zNew==0 ) return SQLITE_NOMEM;
  rc = createTableText(pDst, zDstEngine, zNew, &zCreate, pzErr);
  if( rc ){ sqlite3_free(zNew); return rc; }
  sqlite3_str_appendall(p, zCreate);
  sqlite3_free(zCreate);

  /* Copy rowids too when both sides have them, unless an INTEGER PRIMARY
  ** KEY column that is copied carries them already. */
  bRowid = !isWithoutRowid(pSrc) && !isWithoutRowid(pDst);
  iAliasDst = rowidAlias(pDst, zDstEngine);
  if( iAliasDst>=0 && aiSrc[iAliasDst]>=0 ) bRowid = 0;

  sqlite3_str_appendall(p, "INSERT INTO ");
  appendName(p, zSchema, zNew);
  sqlite3_str_appendall(p, "(");
  if( bRowid ){ sqlite3_str_appendall(p, "rowid"); nIns++; }
  for(j=0; j<pDst->nCol; j++){
    if( pDst->aCol[j].zGenExpr ) continue;
    if( aiSrc[j]<0 && (azFill==0 || azFill[j]==0) ) continue;
    sqlite3_str_appendf(p, "%s\"%w\"", nIns++ ? ", " : "", pDst->aCol[j].zName);
  }
  sqlite3_str_appendall(p, ")\n  SELECT ");
  nIns = 0;
  if( bRowid ){ sqlite3_str_appendall(p, "o.rowid"); nIns++; }
  for(j=0; j<pDst->nCol; j++){
    if( pDst->aCol[j].zGenExpr ) continue;
    if( aiSrc[j]>=0 ){
      sqlite3_str_appendf(p, "%so.\"%w\"", nIns++ ? ", " : "", pSrc->aCol[aiSrc[j]].zName);
    }else if( azFill && azFill[j] ){
      sqlite3_str_appendf(p, "%sq%d.\"%w\"", nIns++ ? ", " : "", j, pDst->aCol[j].zName);
    }
  }
  sqlite3_str_appendall(p, " FROM ");
  appendName(p, zSchema, zName);
  sqlite3_str_appendall(p, " AS o");
  for(j=0; azFill && j<pDst->nCol; j++){
    char zAlias[32];
    if( azFill[j]==0 ) continue;
    sqlite3_snprintf(sizeof(zAlias), zAlias, "q%d", j);
    sqlite3_str_appendall(p, " LEFT JOIN ");
    appendName(p, zSchema, azFill[j]);
    sqlite3_str_appendf(p, " AS %s ON ", zAlias);
    appendKeyMatch(p, "o", zAlias, pKey, pSrc, aKeyDst, pDst, aKeySrcFill);
  }
  sqlite3_str_appendall(p, ";\n");

  /* AUTOINCREMENT: keep the high-water mark of the old table. */
  for(j=0; j<pDst->nCol; j++){
    if( isAutoincrement(&pDst->aCol[j]) ){
      sqlite3_str_appendf(p,
        "INSERT INTO sqlite_sequence(name, seq) SELECT %Q, (SELECT max(seq)"
        " FROM sqlite_sequence WHERE name IN (%Q, %Q))"
        " WHERE EXISTS(SELECT 1 FROM sqlite_sequence WHERE name = %Q);\n"
        "DELETE FROM sqlite_sequence WHERE name = %Q AND rowid <>"
        " (SELECT max(rowid) FROM sqlite_sequence WHERE name = %Q);\n",
        zNew, zName, zNew, zName, zNew, zNew);
      break;
    }
  }

  sqlite3_str_appendall(p, "DROP TABLE ");
  appendName(p, zSchema, zName);
  sqlite3_str_appendall(p, ";\n");
  appendRenameTable(p, zSchema, zNew, zName, 1);
  for(j=0; j<pDst->nIdx; j++){
    if( isAutoIndex(&pDst->aIdx[j]) ) continue;
    appendCreateIndex(p, zSchema, zName, &pDst->aIdx[j]);
  }
  if( bFkCheck ) sqlite3_str_appendf(p, "PRAGMA foreign_key_check(\"%w\");\n", zName);
  sqlite3_free(zNew);
  (void)pCtx; (void)zSrcEngine;
  return SQLITE_OK;
}

static int sqliteRebuild(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                         DfDdl *pOut, char **pzErr){
  const DfTable *pF = pD->pFrom, *pT = pD->pTo;
  const char *zName = pT->zName;          /* its name when the step runs */
  int bSoft = pCtx->pOpt ? pCtx->pOpt->bSoftDrop : 1;
  int *aiBack = 0;                        /* pF column -> pT column */
  char **azFill = 0;                      /* pF column -> quarantine table */
  int aKeyDst[8], aKeySrc[8];
  QKey key;
  int bKey, i, j, nDropped = 0, rc = SQLITE_OK;
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  sqlite3_str *pNote = sqlite3_str_new(0);

  aiBack = sqlite3_malloc64(sizeof(int)*(pF->nCol+1));
  azFill = sqlite3_malloc64(sizeof(char*)*(pF->nCol+1));
  if( aiBack==0 || azFill==0 ){ rc = SQLITE_NOMEM; goto cleanup; }
  memset(azFill, 0, sizeof(char*)*(pF->nCol+1));
  for(i=0; i<pF->nCol; i++){
    aiBack[i] = -1;
    for(j=0; j<pT->nCol; j++) if( pD->aiSrc[j]==i ) aiBack[i] = j;
  }
  bKey = chooseKey(pF, pT, pD->aiSrc, &key);
  for(i=0; i<key.nKey; i++){ aKeyDst[i] = key.aTo[i]; aKeySrc[i] = key.aFrom[i]; }

  /* Values of columns that disappear go to quarantine first. */
  for(i=0; i<pF->nCol; i++){
    const DfColumn *c = &pF->aCol[i];
    if( aiBack[i]>=0 ) continue;
    nDropped++;
    sqlite3_str_appendf(pNote, "%s%s.%s", nDropped>1 ? ", " : "drops ",
                        zName, c->zName);
    if( !bSoft || c->zGenExpr || !bKey ) continue;
    appendQuarantineCopy(pFwd, pCtx, pT->zSchema, zName, zName, &key,
                         pF, aKeySrc, c->zName);
    azFill[i] = dfQuarantineName(pCtx, zName, c->zName);
    if( azFill[i]==0 ){ rc = SQLITE_NOMEM; goto cleanup; }
  }

  rc = appendRebuild(pFwd, pCtx, pF, engineOf(pCtx->pFrom), pT,
                     engineOf(pCtx->pTo), zName, pD->aiSrc, 0, &key,
                     aKeyDst, aKeySrc, 1, pzErr);
  if( rc ) goto cleanup;

  /* The rollback: the same procedure back to the old definition, taking
  ** quarantined values back in the copy, then dropping the quarantine.
  ** Without its own foreign_key_check: the old definition names a parent
  ** column or table by its old name, which an undo that runs after this
  ** one gives back (a renamed key), so a check here would fail with
  ** "foreign key mismatch"; the engine checks the whole database before
  ** COMMIT (xVerify) instead. */
  rc = appendRebuild(pBack, pCtx, pT, engineOf(pCtx->pTo), pF,
                     engineOf(pCtx->pFrom), zName, aiBack, azFill, &key,
                     aKeyDst, aKeySrc, 0, pzErr);
  if( rc ) goto cleanup;
  for(i=0; i<pF->nCol; i++){
    if( azFill[i]==0 ) continue;
    sqlite3_str_appendall(pBack, "DROP TABLE ");
    appendName(pBack, pT->zSchema, azFill[i]);
    sqlite3_str_appendall(pBack, ";\n");
  }

  if( nDropped ){
    pOut->bDestructive = 1;
    if( bSoft && !bKey ){
      sqlite3_str_appendall(pNote, "; their values cannot be kept (no key to"
                            " match rows back), the rollback restores the column empty");
    }else if( bSoft ){
      sqlite3_str_appendall(pNote, "; values kept in quarantine for the rollback");
    }else{
      sqlite3_str_appendall(pNote, "; soft_drop is off: values are lost");
    }
  }
  rc = finishDdl(pFwd, pBack, pOut);
  pFwd = pBack = 0;
  if( rc==SQLITE_OK ){
    char *zDrops = sqlite3_str_finish(pNote);
    pNote = 0;
    pOut->zNote = sqlite3_mprintf(
        "SQLite cannot ALTER this in place: the table is rebuilt (new table,"
        " copy, drop, rename) with foreign_keys off, then checked with"
        " foreign_key_check%s%s", zDrops && zDrops[0] ? "; " : "",
        zDrops ? zDrops : "");
    sqlite3_free(zDrops);
    pOut->zLock = rewriteLock(pF);
    pOut->nRows = pF->nRows;
    if( pOut->zNote==0 || pOut->zLock==0 ) rc = SQLITE_NOMEM;
  }

cleanup:
  if( pFwd ) sqlite3_free(sqlite3_str_finish(pFwd));
  if( pBack ) sqlite3_free(sqlite3_str_finish(pBack));
  if( pNote ) sqlite3_free(sqlite3_str_finish(pNote));
  if( azFill ){
    for(i=0; i<pF->nCol; i++) sqlite3_free(azFill[i]);
  }
  sqlite3_free(azFill);
  sqlite3_free(aiBack);
  return rc;
}

/* ---------------------------------------------------------------------------
** Tables
*/

/* Append CREATE INDEX for every index of t and CREATE TRIGGER for every
** trigger (used to bring a quarantined or dropped table back). */
static void appendIndexesAndTriggers(sqlite3_str *p, const DfTable *t,
                                     const char *zName){
  int i;
  for(i=0; i<t->nIdx; i++){
    if( !isAutoIndex(&t->aIdx[i]) ) appendCreateIndex(p, t->zSchema, zName, &t->aIdx[i]);
  }
  for(i=0; i<t->nTrig; i++) appendStatement(p, t->aTrig[i].zDef);
}

static int sqliteCreateTable(const DfDialectCtx *pCtx, const DfTable *pTo,
                             DfDdl *pOut, char **pzErr){
  char *zCreate = 0;
  sqlite3_str *pBack;
  int rc = createTableText(pTo, engineOf(pCtx->pTo), 0, &zCreate, pzErr);
  if( rc ) return rc;
  pOut->zSql = zCreate;
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendall(pBack, "DROP TABLE ");
  appendName(pBack, pTo->zSchema, pTo->zName);
  sqlite3_str_appendall(pBack, ";\n");
  pOut->zRollback = sqlite3_str_finish(pBack);
  pOut->bTransactional = 1;
  pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
  pOut->nRows = 0;
  return (pOut->zRollback && pOut->zLock) ? SQLITE_OK : SQLITE_NOMEM;
}

static int sqliteDropTable(const DfDialectCtx *pCtx, const DfTable *pFrom,
                           DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int bSoft = pCtx->pOpt ? pCtx->pOpt->bSoftDrop : 1;
  int i, rc;
  pOut->bDestructive = 1;
  if( bSoft ){
    char *zQ = dfQuarantineName(pCtx, pFrom->zName, 0);
    if( zQ==0 ){
      sqlite3_free(sqlite3_str_finish(pFwd));
      sqlite3_free(sqlite3_str_finish(pBack));
      return SQLITE_NOMEM;
    }
    for(i=0; i<pFrom->nTrig; i++) appendDropTrigger(pFwd, pFrom->zSchema, &pFrom->aTrig[i]);
    for(i=0; i<pFrom->nIdx; i++){
      if( !isAutoIndex(&pFrom->aIdx[i]) ) appendDropIndex(pFwd, pFrom->zSchema, &pFrom->aIdx[i]);
    }
    appendRenameTable(pFwd, pFrom->zSchema, pFrom->zName, zQ, 1);
    appendRenameTable(pBack, pFrom->zSchema, zQ, pFrom->zName, 1);
    appendIndexesAndTriggers(pBack, pFrom, pFrom->zName);
    pOut->zNote = sqlite3_mprintf("soft drop: the table is renamed to %s"
                                  " (its indexes and triggers are dropped) and"
                                  " the rollback renames it back", zQ);
    pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
    pOut->nRows = 0;
    sqlite3_free(zQ);
  }else{
    char *zCreate = 0;
    sqlite3_str_appendall(pFwd, "DROP TABLE ");
    appendName(pFwd, pFrom->zSchema, pFrom->zName);
    sqlite3_str_appendall(pFwd, ";\n");
    rc = createTableText(pFrom, engineOf(pCtx->pFrom), 0, &zCreate, pzErr);
    if( rc ){
      sqlite3_free(sqlite3_str_finish(pFwd));
      sqlite3_free(sqlite3_str_finish(pBack));
      return rc;
    }
    sqlite3_str_appendall(pBack, zCreate);
    sqlite3_free(zCreate);
    appendIndexesAndTriggers(pBack, pFrom, pFrom->zName);
    pOut->zNote = sqlite3_mprintf("soft_drop is off: the rows are deleted and"
                                  " the rollback recreates the table empty");
    pOut->zLock = rewriteLock(pFrom);
    pOut->nRows = pFrom->nRows;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  if( rc==SQLITE_OK && (pOut->zNote==0 || pOut->zLock==0) ) rc = SQLITE_NOMEM;
  return rc;
}

static int sqliteRenameTable(const DfDialectCtx *pCtx, const DfTable *pFrom,
                             const DfTable *pTo, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  /* Not legacy: SQLite rewrites the foreign keys, views and triggers that
  ** name the table, as a rename should. */
  appendRenameTable(pFwd, pFrom->zSchema, pFrom->zName, pTo->zName, 0);
  appendRenameTable(pBack, pFrom->zSchema, pTo->zName, pFrom->zName, 0);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
  pOut->nRows = 0;
  if( rc==SQLITE_OK && pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

static int sqliteAlterTable(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                            const DfChange *pChange, DfDdl *pOut, char **pzErr){
  (void)pCtx; (void)pD; (void)pzErr;
  if( pChange->zAttribute && sqlite3_stricmp(pChange->zAttribute, "comment")==0 ){
    pOut->zNote = sqlite3_mprintf("SQLite has no table comments: nothing to do");
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  return DF_DIALECT_REBUILD;   /* options (WITHOUT ROWID, STRICT), kind */
}

/* ---------------------------------------------------------------------------
** Columns
*/

/* Can ALTER TABLE ADD COLUMN add c to t (lang_altertable.html)? */
static int canAddColumn(const DfTable *t, const char *zEngine, const DfColumn *c){
  int i;
  if( c->zGenExpr ){
    /* Only VIRTUAL generated columns can be added. */
    return !(c->zGenKind && sqlite3_stricmp(c->zGenKind, "stored")==0);
  }
  if( isAutoincrement(c) ) return 0;
  if( !addableDefault(zEngine, c) ) return 0;
  for(i=0; i<t->nCons; i++){
    /* PRIMARY KEY, UNIQUE and REFERENCES columns cannot be added (FK: the
    ** rollback could not DROP it again); CHECKs need their constraint. */
    if( jsonHas(t->aCons[i].zColumns, c->zName) ) return 0;
    if( t->aCons[i].zExpr && mentions(t->aCons[i].zExpr, c->zName) ) return 0;
  }
  return 1;
}

/*
** Can ALTER TABLE DROP COLUMN drop c from t (lang_altertable.html)? Only
** what stays in place while the step runs matters: indexes, triggers and
** views that read c and change in the plan are dropped in earlier steps
** (and, for the rollback of an added column, are undone before it).
*/
static int canDropColumn(const DfTable *t, const DfColumn *c){
  int i;
  for(i=0; i<t->nCons; i++){
    if( jsonHas(t->aCons[i].zColumns, c->zName) ) return 0;
    if( t->aCons[i].zExpr && mentions(t->aCons[i].zExpr, c->zName) ) return 0;
  }
  for(i=0; i<t->nCol; i++){
    if( &t->aCol[i]!=c && t->aCol[i].zGenExpr
     && mentions(t->aCol[i].zGenExpr, c->zName) ) return 0;
  }
  return 1;
}

/* True when a trigger of t may fire on UPDATE (any mention of the word:
** a false alarm only costs a rebuild). */
static int hasUpdateTrigger(const DfTable *t){
  int i;
  for(i=0; t && i<t->nTrig; i++){
    if( mentions(t->aTrig[i].zDef, "update") ) return 1;
  }
  return 0;
}

static int sqliteAddColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                           const DfColumn *pCol, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd, *pBack;
  const char *zEngine = engineOf(pCtx->pTo);
  const DfTable *t = pD->pTo;
  int rc;
  (void)pzErr;
  if( !canAddColumn(t, zEngine, pCol) ) return DF_DIALECT_REBUILD;
  if( !canDropColumn(t, pCol) ) return DF_DIALECT_REBUILD;  /* for the rollback */
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, t->zSchema, t->zName);
  sqlite3_str_appendall(pFwd, " ADD COLUMN ");
  rc = appendColumnDef(pFwd, zEngine, pCol, 0);
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, t->zSchema, t->zName);
  sqlite3_str_appendf(pBack, " DROP COLUMN \"%w\";\n", pCol->zName);
  if( rc==SQLITE_OK ){
    rc = finishDdl(pFwd, pBack, pOut);
  }else{
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
  }
  pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
  pOut->nRows = 0;
  if( rc==SQLITE_OK && pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

static int sqliteDropColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                            const DfColumn *pCol, DfDdl *pOut, char **pzErr){
  const DfTable *pF = pD->pFrom, *pT = pD->pTo;
  int bSoft = pCtx->pOpt ? pCtx->pOpt->bSoftDrop : 1;
  sqlite3_str *pFwd, *pBack;
  QKey key;
  int rc, i;
  int aKeyIdx[8];
  char *zQ = 0;
  (void)pzErr;
  if( !canDropColumn(pF, pCol) ) return DF_DIALECT_REBUILD;
  if( !canAddColumn(pF, engineOf(pCtx->pFrom), pCol) ) return DF_DIALECT_REBUILD;
  if( bSoft && !chooseKey(pF, pT, pD->aiSrc, &key) ) return DF_DIALECT_REBUILD;
  /* The in-place rollback puts the values back with UPDATE, which would
  ** fire the table's UPDATE triggers (Sakila's set last_update): a rebuild
  ** copies them back with INSERT into a table that has no trigger yet. */
  if( bSoft && (hasUpdateTrigger(pF) || hasUpdateTrigger(pT)) ){
    return DF_DIALECT_REBUILD;
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  if( bSoft ){
    /* Runs in the last phase: the table has its new name and column names. */
    for(i=0; i<key.nKey; i++) aKeyIdx[i] = key.aTo[i];
    appendQuarantineCopy(pFwd, pCtx, pT->zSchema, pT->zName, pT->zName, &key,
                         pT, aKeyIdx, pCol->zName);
    zQ = dfQuarantineName(pCtx, pT->zName, pCol->zName);
  }
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, pT->zSchema, pT->zName);
  sqlite3_str_appendf(pFwd, " DROP COLUMN \"%w\";\n", pCol->zName);

  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, pT->zSchema, pT->zName);
  sqlite3_str_appendall(pBack, " ADD COLUMN ");
  rc = appendColumnDef(pBack, engineOf(pCtx->pFrom), pCol, 0);
  sqlite3_str_appendall(pBack, ";\n");
  if( bSoft && zQ ){
    sqlite3_str_appendall(pBack, "UPDATE ");
    appendName(pBack, pT->zSchema, pT->zName);
    sqlite3_str_appendf(pBack, " AS o SET \"%w\" = q.\"%w\" FROM ", pCol->zName, pCol->zName);
    appendName(pBack, pT->zSchema, zQ);
    sqlite3_str_appendall(pBack, " AS q WHERE ");
    appendKeyMatch(pBack, "o", "q", &key, pT, aKeyIdx, pT, aKeyIdx);
    sqlite3_str_appendall(pBack, ";\nDROP TABLE ");
    appendName(pBack, pT->zSchema, zQ);
    sqlite3_str_appendall(pBack, ";\n");
    pOut->zNote = sqlite3_mprintf("soft drop: its values are kept in %s for the rollback", zQ);
  }else{
    pOut->zNote = sqlite3_mprintf("soft_drop is off: its values are lost;"
                                  " the rollback restores the column empty");
  }
  if( rc==SQLITE_OK ){
    rc = finishDdl(pFwd, pBack, pOut);
  }else{
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
  }
  sqlite3_free(zQ);
  pOut->bDestructive = 1;
  pOut->zLock = rewriteLock(pF);
  pOut->nRows = pF->nRows;
  if( rc==SQLITE_OK && (pOut->zLock==0 || pOut->zNote==0) ) rc = SQLITE_NOMEM;
  return rc;
}

/* Does text z name the rowid (rowid, _rowid_ or oid)? Conservative. */
static int mentionsRowid(const char *z){
  return mentions(z, "rowid") || mentions(z, "oid");
}

static int sqliteRenameColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                              const DfColumn *pFromCol, const DfColumn *pToCol,
                              DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd, *pBack;
  const DfTable *t = pD->pTo;
  int rc, iAlias, i;
  (void)pzErr;
  /* Renaming the INTEGER PRIMARY KEY, SQLite rewrites "rowid" in the
  ** table's triggers to the new name (Sakila's payment_id): they would no
  ** longer be the model's. A rebuild drops them and creates the target's. */
  iAlias = rowidAlias(pD->pFrom, engineOf(pCtx->pFrom));
  if( iAlias>=0 && sqlite3_stricmp(pD->pFrom->aCol[iAlias].zName, pFromCol->zName)==0 ){
    for(i=0; i<pD->pFrom->nTrig; i++){
      if( mentionsRowid(pD->pFrom->aTrig[i].zDef) ) return DF_DIALECT_REBUILD;
    }
    for(i=0; i<t->nTrig; i++){
      if( mentionsRowid(t->aTrig[i].zDef) ) return DF_DIALECT_REBUILD;
    }
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, t->zSchema, t->zName);
  sqlite3_str_appendf(pFwd, " RENAME COLUMN \"%w\" TO \"%w\";\n",
                      pFromCol->zName, pToCol->zName);
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, t->zSchema, t->zName);
  sqlite3_str_appendf(pBack, " RENAME COLUMN \"%w\" TO \"%w\";\n",
                      pToCol->zName, pFromCol->zName);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
  pOut->nRows = 0;
  if( rc==SQLITE_OK && pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

static int sqliteAlterColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                             const DfChange *pChange, DfDdl *pOut, char **pzErr){
  (void)pCtx; (void)pD; (void)pzErr;
  if( pChange->zAttribute && sqlite3_stricmp(pChange->zAttribute, "comment")==0 ){
    pOut->zNote = sqlite3_mprintf("SQLite has no column comments: nothing to do");
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  /* Type, NOT NULL, default, collation, generated, identity: SQLite has no
  ** ALTER COLUMN. */
  return DF_DIALECT_REBUILD;
}

static int sqliteAddConstraint(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                               const DfConstraint *pCons, DfDdl *pOut, char **pzErr){
  (void)pCtx; (void)pD; (void)pCons; (void)pOut; (void)pzErr;
  return DF_DIALECT_REBUILD;   /* no ALTER TABLE ADD CONSTRAINT in SQLite */
}

static int sqliteDropConstraint(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                                const DfConstraint *pCons, DfDdl *pOut, char **pzErr){
  (void)pCtx; (void)pD; (void)pCons; (void)pOut; (void)pzErr;
  return DF_DIALECT_REBUILD;
}

/* ---------------------------------------------------------------------------
** Indexes, views, triggers
*/

static int sqliteCreateIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                             const DfIndex *pIdx, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  appendCreateIndex(pFwd, pTab->zSchema, pTab->zName, pIdx);
  appendDropIndex(pBack, pTab->zSchema, pIdx);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf("database write lock; reads %s to build the index",
                                pTab->zName);
  pOut->nRows = pTab->nRows;
  if( rc==SQLITE_OK && pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

static int sqliteDropIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                           const DfIndex *pIdx, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  appendDropIndex(pFwd, pTab->zSchema, pIdx);
  appendCreateIndex(pBack, pTab->zSchema, pTab->zName, pIdx);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
  pOut->nRows = 0;
  if( rc==SQLITE_OK && pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

static int sqliteCreateView(const DfDialectCtx *pCtx, const DfView *pView,
                            DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx;
  if( pView->zKind && sqlite3_stricmp(pView->zKind, "view")!=0 ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    *pzErr = sqlite3_mprintf("migration_plan: sqlite has no %s views (view '%s')",
                             pView->zKind, pView->zName);
    return SQLITE_ERROR;
  }
  appendCreateView(pFwd, pView);
  appendDropView(pBack, pView);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
  pOut->nRows = 0;
  if( rc==SQLITE_OK && pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

static int sqliteDropView(const DfDialectCtx *pCtx, const DfView *pView,
                          DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  appendDropView(pFwd, pView);
  appendCreateView(pBack, pView);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
  pOut->nRows = 0;
  if( rc==SQLITE_OK && pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

static int sqliteCreateTrigger(const DfDialectCtx *pCtx, const DfTable *pTab,
                               const DfTrigger *pTrig, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  appendStatement(pFwd, pTrig->zDef);
  appendDropTrigger(pBack, pTab->zSchema, pTrig);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
  pOut->nRows = 0;
  if( rc==SQLITE_OK && pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

static int sqliteDropTrigger(const DfDialectCtx *pCtx, const DfTable *pTab,
                             const DfTrigger *pTrig, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  appendDropTrigger(pFwd, pTab->zSchema, pTrig);
  appendStatement(pBack, pTrig->zDef);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_SCHEMA);
  pOut->nRows = 0;
  if( rc==SQLITE_OK && pOut->zLock==0 ) rc = SQLITE_NOMEM;
  return rc;
}

/* ---------------------------------------------------------------------------
** The writer
*/
const DfDialect dfDialectSqlite = {
  "sqlite",                 /* zName */
  1,                        /* bInlineForeignKeys: FKs are part of CREATE TABLE */
  sqliteQuote,              /* xQuote */
  sqliteCreateTable,        /* xCreateTable */
  sqliteDropTable,          /* xDropTable */
  sqliteRenameTable,        /* xRenameTable */
  sqliteAlterTable,         /* xAlterTable */
  sqliteAddColumn,          /* xAddColumn */
  sqliteDropColumn,         /* xDropColumn */
  sqliteRenameColumn,       /* xRenameColumn */
  sqliteAlterColumn,        /* xAlterColumn */
  sqliteAddConstraint,      /* xAddConstraint */
  sqliteDropConstraint,     /* xDropConstraint */
  sqliteRebuild,            /* xRebuildTable */
  sqliteCreateIndex,        /* xCreateIndex */
  sqliteDropIndex,          /* xDropIndex */
  0,                        /* xRenameIndex: none in SQLite, drop + create */
  sqliteCreateView,         /* xCreateView */
  sqliteDropView,           /* xDropView */
  sqliteCreateTrigger,      /* xCreateTrigger */
  sqliteDropTrigger,        /* xDropTrigger */
  0,                        /* xEnum: SQLite has no enum types */
  0,                        /* xSequence: SQLite has no sequences */
  0,                        /* xComment: SQLite has no comments */
};
