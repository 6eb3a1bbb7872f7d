/*
** mirror_mysql.c — snapshot one MySQL/MariaDB database from
** information_schema (see mirror_mysql.h).
**
** Usage:
**
**   dataflow mirror mysql://root@127.0.0.1:3306/shop -o shop.snapshot
**   sqlite3 shop.snapshot "SELECT name, type_native, type_family FROM columns"
**
** HOW IT WORKS
**
** Nine bulk queries, whatever the number of tables, each filtered on the
** database and ordered with BINARY names (table names are case-sensitive
** on Linux; information_schema's own collation is not):
**
**   1. SCHEMATA: the database's default collation, @@default_storage_engine
**   2. TABLES: engine, collation, CREATE_OPTIONS, comment of base tables
**   3. CHECK_CONSTRAINTS (MariaDB: with TABLE_NAME and LEVEL; MySQL 8:
**      joined to TABLE_CONSTRAINTS)
**   4. COLUMNS: COLUMN_TYPE, default, EXTRA, generation expression, ...
**   5. STATISTICS: every index key, with SUB_PART, IGNORED/IS_VISIBLE
**   6. KEY_COLUMN_USAGE: foreign key columns and their targets
**   7. REFERENTIAL_CONSTRAINTS: foreign key actions
**   8. VIEWS, 9. TRIGGERS
**
** Rows are copied into arrays and filed under their tables by binary
** search on a sorted table list, then written to the snapshot in one
** SQLite transaction. Nothing asks SHOW CREATE: the catalog has every fact
** this reader records.
**
** Normalisation (doc/mysql.md):
**   - types through dfTypeNormalise("mysql", COLUMN_TYPE): tinyint(1) is
**     boolean, display widths are ignored, enum labels go to type_ref;
**   - MariaDB's json is longtext with a column CHECK (json_valid(`c`)):
**     such a column is recorded as json (type_native 'json') and the
**     check and the utf8mb4_bin collation that come with it are hidden;
**   - defaults: MariaDB 10.2.7+ reports literals quoted and expressions
**     bare, "NULL" for DEFAULT NULL (recorded as no default, which is the
**     same thing); MySQL 8 reports literals unquoted, so they are quoted
**     here unless the column is numeric or EXTRA says DEFAULT_GENERATED;
**   - identity: 'autoincrement' (AUTO_INCREMENT), or 'on update
**     current_timestamp[(p)]' (ON UPDATE), with ' invisible' appended for
**     an INVISIBLE column: the engine-supplied facts of a column that the
**     catalog has no other field for;
**   - a column collation is recorded when it differs from its table's, a
**     table's collation, engine and CREATE_OPTIONS (row_format, ...) in
**     tables.options when they differ from the database defaults;
**   - RESTRICT and NO ACTION are the same in InnoDB (both check at once):
**     both are recorded as NULL (NO ACTION);
**   - primary keys are the constraint PRIMARY; a unique index of plain
**     columns named as DataFlow names unnamed UNIQUE constraints
**     (<table>_<cols>_key) is a 'unique' constraint; other indexes (unique
**     ones included) keep their prefix
**     lengths ("length"), DESC, FULLTEXT/SPATIAL (method) and IGNORED /
**     invisible ({"ignored":1} in options). Only names the engine chose are
**     generated_name=1: PRIMARY, CONSTRAINT_n and column-level checks
**     (MariaDB), t_chk_n (MySQL) and t_ibfk_n foreign keys. Index names are
**     always kept: MySQL does not remember whether they were declared;
**   - views: the body with `db`. qualifiers stripped (definition_native)
**     and normalised (definition); ALGORITHM, SQL SECURITY and CHECK OPTION
**     in options when not the defaults;
**   - triggers: "CREATE TRIGGER `t` BEFORE INSERT ON `tab` FOR EACH ROW
**     <body>", without DEFINER.
** DataFlow's own objects (dataflow_*: history, lock, journal, quarantined
** tables and soft-dropped columns) are left out.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite3.h"
#include "catalog.h"
#include "dfjson.h"
#include "types.h"
#include "mirror_mysql.h"
#include "util.h"

/* ------------------------------------------------------------ row sets */

/* All rows of one query, copied: az[iRow*nCol + iCol] (NULL for NULL). */
typedef struct Rows Rows;
struct Rows {
  int nCol;               /* columns per row */
  int nRow;               /* rows */
  int nAlloc;             /* rows allocated */
  char **az;              /* values */
};

static int rowsAdd(void *pArg, int nCol, char **azVal){
  Rows *p = (Rows*)pArg;
  int i;
  if( p->nRow==0 && p->nAlloc==0 ) p->nCol = nCol;
  if( p->nRow>=p->nAlloc ){
    p->nAlloc = p->nAlloc ? p->nAlloc*2 : 64;
    p->az = xrealloc(p->az, sizeof(char*) * (size_t)p->nAlloc * (size_t)p->nCol);
  }
  for(i=0; i<p->nCol; i++){
    p->az[p->nRow*p->nCol + i] = i<nCol ? xstrdup(azVal[i]) : 0;
  }
  p->nRow++;
  return 0;
}

static void rowsClear(Rows *p){
  int i;
  for(i=0; i<p->nRow*p->nCol; i++) free(p->az[i]);
  free(p->az);
  memset(p, 0, sizeof(*p));
}

static const char *rv(const Rows *p, int iRow, int iCol){
  return p->az[iRow*p->nCol + iCol];
}

/* ------------------------------------------------------------ state */

typedef struct MyTable MyTable;
struct MyTable {
  char *zName;            /* table name */
  char *zCollation;       /* TABLE_COLLATION */
  int bPartitioned;       /* CREATE_OPTIONS says partitioned */
  char *zOptions;         /* options JSON or NULL */
  char *zComment;         /* comment or NULL */
  int nJson; char **azJson;   /* columns whose json_valid check is hidden */
};

typedef struct Mirror Mirror;
struct Mirror {
  const DfEngine *pEng;   /* adapter */
  DfConn *pConn;          /* connection */
  const DfMysqlServer *pSrv;  /* server facts */
  sqlite3 *pOut;          /* snapshot */
  char *zDbLit;           /* the database name as an SQL literal */
  char *zDbCollation;     /* SCHEMATA.DEFAULT_COLLATION_NAME */
  char *zDbEngine;        /* @@default_storage_engine */
  int nTab; MyTable *aTab;    /* base tables, sorted by strcmp */
  int rc;                 /* 0 or 1 (sticky) */
  char *zErr;             /* first error, malloc'd */
  sqlite3_stmt *pTable, *pColumn, *pCons, *pIndex, *pView, *pTrigger;
  sqlite3_stmt *pTStat, *pCStat;
};

static void myError(Mirror *m, const char *zFmt, ...){
  va_list ap;
  char *z;
  if( m->rc ) return;
  va_start(ap, zFmt);
  z = dfFromSqlite(sqlite3_vmprintf(zFmt, ap));
  va_end(ap);
  m->rc = 1;
  m->zErr = z;
}

/* Run a catalog query into *pRows (nothing when an error is pending). */
static void query(Mirror *m, Rows *pRows, const char *zFmt, ...){
  va_list ap;
  char *zSql, *zErr = 0;
  memset(pRows, 0, sizeof(*pRows));
  if( m->rc ) return;
  va_start(ap, zFmt);
  zSql = dfFromSqlite(sqlite3_vmprintf(zFmt, ap));
  va_end(ap);
  if( m->pEng->xQuery(m->pConn, zSql, rowsAdd, pRows, &zErr) ){
    m->rc = 1;
    m->zErr = zErr;
  }
  free(zSql);
}

static int cmpTable(const void *a, const void *b){
  return strcmp(((const MyTable*)a)->zName, ((const MyTable*)b)->zName);
}

static MyTable *findTable(Mirror *m, const char *zName){
  MyTable key;
  if( zName==0 ) return 0;
  key.zName = (char*)zName;
  return bsearch(&key, m->aTab, (size_t)m->nTab, sizeof(MyTable), cmpTable);
}

/* Bind text (NULL stays NULL) to parameter i. */
static void bindText(sqlite3_stmt *p, int i, const char *z){
  if( z ) sqlite3_bind_text(p, i, z, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(p, i);
}

static void stepInsert(Mirror *m, sqlite3_stmt *p){
  if( m->rc==0 && sqlite3_step(p)!=SQLITE_DONE ){
    myError(m, "cannot write the snapshot: %s", sqlite3_errmsg(m->pOut));
  }
  sqlite3_reset(p);
  sqlite3_clear_bindings(p);
}

static sqlite3_stmt *prepareOut(Mirror *m, const char *zSql){
  sqlite3_stmt *p = 0;
  if( m->rc ) return 0;
  if( sqlite3_prepare_v2(m->pOut, zSql, -1, &p, 0)!=SQLITE_OK ){
    myError(m, "cannot write the snapshot: %s", sqlite3_errmsg(m->pOut));
  }
  return p;
}

/* Non-empty text or NULL. */
static const char *nonEmpty(const char *z){
  return z && z[0] ? z : 0;
}

/* JSON array of strings. OUT: caller frees. */
static char *jsonArray(int n, char **az){
  sqlite3_str *s = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendchar(s, 1, '[');
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, az[i]);
  }
  sqlite3_str_appendchar(s, 1, ']');
  return dfFromSqlite(sqlite3_str_finish(s));
}

/* ------------------------------------------------------------ tables */

/* One option of a table: key and value, for the sorted options object. */
typedef struct Opt Opt;
struct Opt { char *zKey; char *zVal; };

static int cmpOpt(const void *a, const void *b){
  return strcmp(((const Opt*)a)->zKey, ((const Opt*)b)->zKey);
}

/*
** tables.options: the engine and collation when they differ from the
** database defaults, and each key=value of CREATE_OPTIONS (row_format,
** key_block_size, stats_*, MariaDB's `page_compressed`=1 ...), keys without
** backquotes, lowercase, sorted. "partitioned" is the kind, not an option.
** NULL when there is nothing. OUT: caller frees.
*/
static char *tableOptions(Mirror *m, const char *zEngine, const char *zColl,
                          const char *zCreate, int *pbPartitioned){
  Opt aOpt[32];
  int nOpt = 0, i;
  sqlite3_str *s;
  *pbPartitioned = 0;
  if( zColl && m->zDbCollation && strcmp(zColl, m->zDbCollation)!=0 ){
    aOpt[nOpt].zKey = xstrdup("collation");
    aOpt[nOpt++].zVal = xstrdup(zColl);
  }
  if( zEngine && m->zDbEngine && strcasecmp(zEngine, m->zDbEngine)!=0 ){
    aOpt[nOpt].zKey = xstrdup("engine");
    aOpt[nOpt++].zVal = xstrdup(zEngine);
  }
  while( zCreate && *zCreate && nOpt<30 ){
    const char *zEnd, *zEq;
    char *zKey;
    size_t j, k = 0;
    while( *zCreate==' ' ) zCreate++;
    if( *zCreate==0 ) break;
    zEnd = zCreate;
    while( *zEnd && *zEnd!=' ' ) zEnd++;
    zEq = memchr(zCreate, '=', (size_t)(zEnd - zCreate));
    zKey = xmalloc((size_t)(zEnd - zCreate) + 1);
    for(j=0; zCreate+j<(zEq ? zEq : zEnd); j++){
      char c = zCreate[j];
      if( c=='`' ) continue;
      zKey[k++] = (char)tolower((unsigned char)c);
    }
    zKey[k] = 0;
    if( strcmp(zKey, "partitioned")==0 ){
      *pbPartitioned = 1;
      free(zKey);
    }else{
      aOpt[nOpt].zKey = zKey;
      aOpt[nOpt++].zVal = zEq ? xasprintf("%.*s", (int)(zEnd - zEq - 1), zEq + 1)
                              : xstrdup("1");
    }
    zCreate = zEnd;
  }
  if( nOpt==0 ) return 0;
  qsort(aOpt, (size_t)nOpt, sizeof(Opt), cmpOpt);
  s = sqlite3_str_new(0);
  sqlite3_str_appendchar(s, 1, '{');
  for(i=0; i<nOpt; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, aOpt[i].zKey);
    sqlite3_str_appendchar(s, 1, ':');
    dfJsonAppendString(s, aOpt[i].zVal);
    free(aOpt[i].zKey);
    free(aOpt[i].zVal);
  }
  sqlite3_str_appendchar(s, 1, '}');
  return dfFromSqlite(sqlite3_str_finish(s));
}

static void readTables(Mirror *m){
  Rows r;
  int i;
  query(m, &r,
    "SELECT s.DEFAULT_COLLATION_NAME, @@default_storage_engine"
    " FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME = %s", m->zDbLit);
  if( m->rc==0 && r.nRow==0 ){
    myError(m, "no database '%s' on the server", m->pSrv->zDb);
  }
  if( m->rc==0 ){
    m->zDbCollation = xstrdup(rv(&r, 0, 0));
    m->zDbEngine = xstrdup(rv(&r, 0, 1));
  }
  rowsClear(&r);
  query(m, &r,
    "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT"
    " FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s"
    " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')"
    " ORDER BY BINARY TABLE_NAME", m->zDbLit);
  if( m->rc==0 ){
    m->aTab = xcalloc((size_t)r.nRow + 1, sizeof(MyTable));
    for(i=0; i<r.nRow; i++){
      MyTable *t;
      if( rv(&r, i, 0)==0 || dfIsOwnObject(rv(&r, i, 0)) ) continue;
      t = &m->aTab[m->nTab++];
      t->zName = xstrdup(rv(&r, i, 0));
      t->zCollation = xstrdup(rv(&r, i, 2));
      t->zOptions = tableOptions(m, rv(&r, i, 1), rv(&r, i, 2), rv(&r, i, 3),
                                 &t->bPartitioned);
      t->zComment = xstrdup(nonEmpty(rv(&r, i, 4)));
    }
    qsort(m->aTab, (size_t)m->nTab, sizeof(MyTable), cmpTable);
  }
  rowsClear(&r);
}

static char *bq(const char *z);
static char *sqlQuote(const char *z);

/* JSON object text with member "partition": zClause added to zOptions
** (NULL or an object), keys kept sorted. OUT: caller frees. */
static char *optionsWithPartition(const char *zOptions, const char *zClause){
  DfJson *p = zOptions ? dfJsonParse(zOptions, 0) : 0;
  sqlite3_str *s = sqlite3_str_new(0);
  int i, bDone = 0, n = 0;
  sqlite3_str_appendchar(s, 1, '{');
  for(i=0; p && p->eType==DF_JSON_OBJECT && i<p->nChild; i++){
    if( !bDone && strcmp(p->azKey[i], "partition")>0 ){
      sqlite3_str_appendall(s, n++ ? ",\"partition\":" : "\"partition\":");
      dfJsonAppendString(s, zClause);
      bDone = 1;
    }
    if( n++ ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, p->azKey[i]);
    sqlite3_str_appendchar(s, 1, ':');
    dfJsonAppendString(s, p->aChild[i].zText ? p->aChild[i].zText : "");
  }
  if( !bDone ){
    sqlite3_str_appendall(s, n ? ",\"partition\":" : "\"partition\":");
    dfJsonAppendString(s, zClause);
  }
  sqlite3_str_appendchar(s, 1, '}');
  dfJsonFree(p);
  return dfFromSqlite(sqlite3_str_finish(s));
}

#define P_TABLE  0
#define P_NAME   1
#define P_METHOD 2
#define P_EXPR   3
#define P_DESC   4
#define P_SUBMETHOD 5
#define P_SUBEXPR 6
#define P_NSUB   7
#define P_COMMENT 8

/*
** Partitioned tables (CREATE_OPTIONS "partitioned"): information_schema.
** PARTITIONS, one query, rebuilt into the canonical PARTITION BY clause
** kept in tables.options.partition ("PARTITION BY RANGE (`y`) (PARTITION
** p0 VALUES LESS THAN (10), ...)", or "... PARTITIONS 4" for HASH/KEY
** partitions named p0..pN-1, as MySQL names them).
*/
static void readPartitions(Mirror *m){
  Rows r;
  int i, iFirst = 0, bAny = 0;
  for(i=0; i<m->nTab; i++) if( m->aTab[i].bPartitioned ) bAny = 1;
  if( !bAny ) return;
  query(m, &r,
    "SELECT TABLE_NAME, PARTITION_NAME, PARTITION_METHOD, PARTITION_EXPRESSION,"
    " PARTITION_DESCRIPTION, MAX(SUBPARTITION_METHOD), MAX(SUBPARTITION_EXPRESSION),"
    " COUNT(SUBPARTITION_NAME), MAX(PARTITION_COMMENT)"
    " FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = %s"
    " AND PARTITION_NAME IS NOT NULL"
    " GROUP BY TABLE_NAME, PARTITION_NAME, PARTITION_ORDINAL_POSITION,"
    " PARTITION_METHOD, PARTITION_EXPRESSION, PARTITION_DESCRIPTION"
    " ORDER BY BINARY TABLE_NAME, PARTITION_ORDINAL_POSITION", m->zDbLit);
  for(i=1; m->rc==0 && i<=r.nRow; i++){
    MyTable *t;
    const char *zMethod, *zExpr;
    sqlite3_str *s;
    int k, n, bNamed = 0, bRange, bList;
    char *zClause, *zOpt;
    if( i<r.nRow && strcmp(rv(&r, i, P_TABLE), rv(&r, iFirst, P_TABLE))==0 ) continue;
    t = findTable(m, rv(&r, iFirst, P_TABLE));
    if( t==0 || !t->bPartitioned ){ iFirst = i; continue; }
    n = i - iFirst;
    zMethod = rv(&r, iFirst, P_METHOD) ? rv(&r, iFirst, P_METHOD) : "";
    zExpr = rv(&r, iFirst, P_EXPR) ? rv(&r, iFirst, P_EXPR) : "";
    bRange = strncmp(zMethod, "RANGE", 5)==0;
    bList = strncmp(zMethod, "LIST", 4)==0;
    for(k=0; k<n; k++){
      char zP[24];
      snprintf(zP, sizeof(zP), "p%d", k);
      if( strcmp(rv(&r, iFirst+k, P_NAME), zP)!=0
       || (rv(&r, iFirst+k, P_COMMENT) && rv(&r, iFirst+k, P_COMMENT)[0]) ) bNamed = 1;
    }
    s = sqlite3_str_new(0);
    sqlite3_str_appendf(s, "PARTITION BY %s (%s)", zMethod, zExpr);
    if( rv(&r, iFirst, P_SUBMETHOD) ){
      sqlite3_str_appendf(s, " SUBPARTITION BY %s (%s) SUBPARTITIONS %d",
          rv(&r, iFirst, P_SUBMETHOD), rv(&r, iFirst, P_SUBEXPR) ? rv(&r, iFirst, P_SUBEXPR) : "",
          atoi(rv(&r, iFirst, P_NSUB) ? rv(&r, iFirst, P_NSUB) : "1"));
    }
    if( !bRange && !bList && !bNamed ){
      sqlite3_str_appendf(s, " PARTITIONS %d", n);
    }else{
      sqlite3_str_appendall(s, " (");
      for(k=0; k<n; k++){
        const char *zDesc = rv(&r, iFirst+k, P_DESC);
        const char *zCom = rv(&r, iFirst+k, P_COMMENT);
        char *zName = bq(rv(&r, iFirst+k, P_NAME));
        sqlite3_str_appendf(s, "%sPARTITION %s", k ? ", " : "", zName);
        free(zName);
        if( bRange ){
          if( zDesc && strcmp(zDesc, "MAXVALUE")==0 && strcmp(zMethod, "RANGE")==0 ){
            sqlite3_str_appendall(s, " VALUES LESS THAN MAXVALUE");
          }else{
            sqlite3_str_appendf(s, " VALUES LESS THAN (%s)", zDesc ? zDesc : "");
          }
        }else if( bList ){
          sqlite3_str_appendf(s, " VALUES IN (%s)", zDesc ? zDesc : "");
        }
        if( zCom && zCom[0] ){
          char *zLit = sqlQuote(zCom);
          sqlite3_str_appendf(s, " COMMENT %s", zLit);
          free(zLit);
        }
      }
      sqlite3_str_appendchar(s, 1, ')');
    }
    zClause = dfFromSqlite(sqlite3_str_finish(s));
    zOpt = optionsWithPartition(t->zOptions, zClause);
    free(t->zOptions);
    t->zOptions = zOpt;
    free(zClause);
    iFirst = i;
  }
  rowsClear(&r);
}

static void writeTables(Mirror *m){
  int i;
  for(i=0; i<m->nTab && m->rc==0; i++){
    MyTable *t = &m->aTab[i];
    bindText(m->pTable, 1, t->zName);
    bindText(m->pTable, 2, t->bPartitioned ? "partitioned" : "table");
    bindText(m->pTable, 3, t->zOptions);
    bindText(m->pTable, 4, t->zComment);
    stepInsert(m, m->pTable);
  }
}

/* ------------------------------------------------------------ checks */

/* When zClause is exactly json_valid(`c`), the column name c (OUT: caller
** frees); else NULL. */
static char *jsonValidColumn(const char *zClause){
  const char *z = zClause;
  char *zOut;
  size_t n = 0;
  if( z==0 || strncasecmp(z, "json_valid(`", 12)!=0 ) return 0;
  z += 12;
  zOut = xmalloc(strlen(z) + 1);
  while( *z ){
    if( z[0]=='`' ){
      if( z[1]=='`' ){ zOut[n++] = '`'; z += 2; continue; }
      break;
    }
    zOut[n++] = *z++;
  }
  zOut[n] = 0;
  if( z[0]!='`' || z[1]!=')' || z[2]!=0 ){ free(zOut); return 0; }
  return zOut;
}

/* Is zName one of MariaDB's names for unnamed table checks, CONSTRAINT_n,
** or MySQL's <table>_chk_n? */
static int isGeneratedCheckName(const char *zTable, const char *zName){
  size_t n = strlen(zTable);
  const char *z;
  if( strncmp(zName, "CONSTRAINT_", 11)==0 ){
    z = zName + 11;
  }else if( strncmp(zName, zTable, n)==0 && strncmp(zName+n, "_chk_", 5)==0 ){
    z = zName + n + 5;
  }else{
    return 0;
  }
  if( *z==0 ) return 0;
  while( isdigit((unsigned char)*z) ) z++;
  return *z==0;
}

/* Checks: hidden json_valid checks are filed under their tables (the
** columns read next need them); the others are written. */
static void readChecks(Mirror *m, Rows *pChk){
  int i;
  if( m->pSrv->bMariadb ){
    if( m->pSrv->nVersion < 100201 ) return;      /* CHECK came in 10.2.1 */
    query(m, pChk,
      "SELECT TABLE_NAME, CONSTRAINT_NAME, LEVEL, CHECK_CLAUSE"
      " FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s"
      " ORDER BY BINARY TABLE_NAME, BINARY CONSTRAINT_NAME", m->zDbLit);
  }else{
    if( m->pSrv->nVersion < 80016 ) return;       /* enforced since 8.0.16 */
    query(m, pChk,
      "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, 'Table', cc.CHECK_CLAUSE"
      " FROM information_schema.TABLE_CONSTRAINTS tc"
      " JOIN information_schema.CHECK_CONSTRAINTS cc"
      "   ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA"
      "  AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME"
      " WHERE tc.CONSTRAINT_SCHEMA = %s AND tc.CONSTRAINT_TYPE = 'CHECK'"
      " ORDER BY BINARY tc.TABLE_NAME, BINARY cc.CONSTRAINT_NAME", m->zDbLit);
  }
  for(i=0; m->rc==0 && i<pChk->nRow; i++){
    MyTable *t = findTable(m, rv(pChk, i, 0));
    char *zCol;
    if( t==0 ) continue;
    zCol = jsonValidColumn(rv(pChk, i, 3));
    if( zCol && m->pSrv->bMariadb && strcmp(rv(pChk, i, 2) ? rv(pChk, i, 2) : "", "Column")==0 ){
      t->azJson = xrealloc(t->azJson, sizeof(char*) * (size_t)(t->nJson + 1));
      t->azJson[t->nJson++] = zCol;
    }else{
      free(zCol);
    }
  }
}

static int isJsonColumn(MyTable *t, const char *zCol){
  int i;
  for(i=0; i<t->nJson; i++) if( strcmp(t->azJson[i], zCol)==0 ) return 1;
  return 0;
}

static void writeChecks(Mirror *m, Rows *pChk){
  int i;
  for(i=0; m->rc==0 && i<pChk->nRow; i++){
    const char *zTab = rv(pChk, i, 0), *zName = rv(pChk, i, 1);
    const char *zLevel = rv(pChk, i, 2), *zClause = rv(pChk, i, 3);
    MyTable *t = findTable(m, zTab);
    char *zCol;
    int bGen;
    if( t==0 || zName==0 ) continue;
    zCol = jsonValidColumn(zClause);
    if( zCol && isJsonColumn(t, zCol) ){ free(zCol); continue; }
    free(zCol);
    bGen = (zLevel && strcmp(zLevel, "Column")==0) || isGeneratedCheckName(zTab, zName);
    bindText(m->pCons, 1, zTab);
    bindText(m->pCons, 2, zName);
    bindText(m->pCons, 3, "check");
    bindText(m->pCons, 4, 0);
    bindText(m->pCons, 5, zClause);
    sqlite3_bind_int(m->pCons, 12, bGen);
    stepInsert(m, m->pCons);
  }
}

/* ------------------------------------------------------------ columns */

/* Does EXTRA hold the word zWord (case-insensitive)? */
static int extraHas(const char *zExtra, const char *zWord){
  size_t n = strlen(zWord);
  const char *z = zExtra;
  while( z && *z ){
    while( *z==' ' ) z++;
    if( strncasecmp(z, zWord, n)==0 && (z[n]==0 || z[n]==' ') ) return 1;
    while( *z && *z!=' ' ) z++;
  }
  return 0;
}

/* Families whose MySQL 8 defaults are written without quotes. */
static int isNumericFamily(const char *zFamily){
  static const char *az[] = { "smallint", "integer", "bigint", "boolean",
                              "real", "double", "numeric", "bit" };
  size_t i;
  for(i=0; i<sizeof(az)/sizeof(az[0]); i++) if( strcmp(az[i], zFamily)==0 ) return 1;
  return 0;
}

/* 'z' with quotes doubled. OUT: caller frees. */
static char *sqlQuote(const char *z){
  return dfFromSqlite(sqlite3_mprintf("'%q'", z));
}

/*
** The default as it would be written in DDL, NULL for none: MariaDB's
** COLUMN_DEFAULT as is (except "NULL": no default); MySQL's literals
** quoted unless numeric or an expression (DEFAULT_GENERATED). OUT: caller
** frees.
*/
static char *defaultNative(Mirror *m, const char *zDflt, const char *zExtra,
                           const char *zFamily){
  if( zDflt==0 ) return 0;
  if( m->pSrv->bMariadb ){
    if( strcmp(zDflt, "NULL")==0 ) return 0;
    return xstrdup(zDflt);
  }
  if( extraHas(zExtra, "DEFAULT_GENERATED") ){
    if( strncasecmp(zDflt, "current_timestamp", 17)==0 ) return xstrdup(zDflt);
    return xasprintf("(%s)", zDflt);
  }
  if( isNumericFamily(zFamily) && zDflt[0] ) return xstrdup(zDflt);
  return sqlQuote(zDflt);
}

/*
** identity: "autoincrement", or "on update current_timestamp[(p)]", plus
** " invisible"; NULL when none. OUT: caller frees.
*/
static char *identityOf(const char *zExtra){
  sqlite3_str *s = sqlite3_str_new(0);
  const char *zOn = 0, *z;
  char *zOut;
  if( extraHas(zExtra, "auto_increment") ) sqlite3_str_appendall(s, "autoincrement");
  for(z=zExtra; z && *z; z++){
    if( strncasecmp(z, "on update ", 10)==0 ){ zOn = z + 10; break; }
  }
  if( zOn ){
    int n = 0, p = -1;
    while( zOn[n] && zOn[n]!=' ' ) n++;
    if( strncasecmp(zOn, "current_timestamp", 17)==0 ){
      if( zOn[17]=='(' && isdigit((unsigned char)zOn[18]) ) p = atoi(zOn + 18);
      if( sqlite3_str_length(s) ) sqlite3_str_appendchar(s, 1, ' ');
      if( p>0 ) sqlite3_str_appendf(s, "on update current_timestamp(%d)", p);
      else sqlite3_str_appendall(s, "on update current_timestamp");
    }else{
      int i;
      if( sqlite3_str_length(s) ) sqlite3_str_appendchar(s, 1, ' ');
      sqlite3_str_appendall(s, "on update ");
      for(i=0; i<n; i++) sqlite3_str_appendchar(s, 1, (char)tolower((unsigned char)zOn[i]));
    }
  }
  if( extraHas(zExtra, "INVISIBLE") ){
    if( sqlite3_str_length(s) ) sqlite3_str_appendchar(s, 1, ' ');
    sqlite3_str_appendall(s, "invisible");
  }
  zOut = dfFromSqlite(sqlite3_str_finish(s));
  if( zOut && zOut[0]==0 ){ free(zOut); zOut = 0; }
  return zOut;
}

#define C_TABLE   0
#define C_NAME    1
#define C_POS     2
#define C_DEFAULT 3
#define C_NULL    4
#define C_TYPE    5
#define C_COLL    6
#define C_EXTRA   7
#define C_COMMENT 8
#define C_GENEXPR 9
#define C_DATATYPE 10

static void readColumns(Mirror *m){
  Rows r;
  int i;
  query(m, &r,
    "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT,"
    " IS_NULLABLE, COLUMN_TYPE, COLLATION_NAME, EXTRA, COLUMN_COMMENT,"
    " GENERATION_EXPRESSION, DATA_TYPE"
    " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s"
    " ORDER BY BINARY TABLE_NAME, ORDINAL_POSITION", m->zDbLit);
  for(i=0; m->rc==0 && i<r.nRow; i++){
    const char *zName = rv(&r, i, C_NAME), *zExtra = rv(&r, i, C_EXTRA);
    const char *zType = rv(&r, i, C_TYPE);
    MyTable *t = findTable(m, rv(&r, i, C_TABLE));
    char *zNative, *zDflt, *zDfltNorm, *zIdent, *zRef = 0;
    const char *zColl = rv(&r, i, C_COLL), *zGen = 0, *zGenKind = 0;
    DfType ty;
    int bJson;
    if( t==0 || zName==0 || dfIsOwnObject(zName) ) continue;
    bJson = isJsonColumn(t, zName) && rv(&r, i, C_DATATYPE)
         && strcasecmp(rv(&r, i, C_DATATYPE), "longtext")==0;
    zNative = xstrdup(bJson ? "json" : (zType ? zType : ""));
    dfTypeNormalise("mysql", zNative, &ty);
    if( strcmp(ty.zFamily, "enum")==0 ) zRef = dfFromSqlite(dfTypeEnumLabels(zNative));
    if( bJson || (zColl && t->zCollation && strcmp(zColl, t->zCollation)==0) ) zColl = 0;
    if( rv(&r, i, C_GENEXPR) && rv(&r, i, C_GENEXPR)[0]
     && (extraHas(zExtra, "VIRTUAL") || extraHas(zExtra, "STORED")
         || extraHas(zExtra, "PERSISTENT")) ){
      zGen = rv(&r, i, C_GENEXPR);
      zGenKind = extraHas(zExtra, "VIRTUAL") ? "virtual" : "stored";
    }
    zDflt = zGen ? 0 : defaultNative(m, rv(&r, i, C_DEFAULT), zExtra, ty.zFamily);
    zDfltNorm = zDflt ? dfFromSqlite(dfDefaultNormalise("mysql", ty.zFamily, zDflt)) : 0;
    zIdent = identityOf(zExtra);
    bindText(m->pColumn, 1, t->zName);
    bindText(m->pColumn, 2, zName);
    sqlite3_bind_int(m->pColumn, 3, atoi(rv(&r, i, C_POS) ? rv(&r, i, C_POS) : "0"));
    bindText(m->pColumn, 4, zNative);
    bindText(m->pColumn, 5, ty.zFamily);
    if( ty.nLength>=0 ) sqlite3_bind_int(m->pColumn, 6, ty.nLength);
    if( ty.nPrecision>=0 ) sqlite3_bind_int(m->pColumn, 7, ty.nPrecision);
    if( ty.nScale>=0 ) sqlite3_bind_int(m->pColumn, 8, ty.nScale);
    sqlite3_bind_int(m->pColumn, 9, ty.bTz);
    sqlite3_bind_int(m->pColumn, 10, ty.bArray);
    sqlite3_bind_int(m->pColumn, 11, ty.bUnsigned);
    bindText(m->pColumn, 12, zRef);
    sqlite3_bind_int(m->pColumn, 13, rv(&r, i, C_NULL) && strcmp(rv(&r, i, C_NULL), "NO")==0);
    bindText(m->pColumn, 14, zDfltNorm);
    bindText(m->pColumn, 15, zDflt);
    bindText(m->pColumn, 16, zGen);
    bindText(m->pColumn, 17, zGenKind);
    bindText(m->pColumn, 18, zIdent);
    bindText(m->pColumn, 19, zColl);
    bindText(m->pColumn, 20, nonEmpty(rv(&r, i, C_COMMENT)));
    stepInsert(m, m->pColumn);
    free(zNative); free(zDflt); free(zDfltNorm); free(zIdent); free(zRef);
  }
  rowsClear(&r);
}

/* ------------------------------------------------------------ indexes */

#define S_TABLE   0
#define S_INDEX   1
#define S_NONUNIQ 2
#define S_SEQ     3
#define S_COLUMN  4
#define S_SUBPART 5
#define S_TYPE    6
#define S_COMMENT 7
#define S_ORDER   8
#define S_HIDDEN  9      /* 'YES' when IGNORED / invisible */
#define S_EXPR    10     /* MySQL 8.0.13+ functional key, else NULL */

/* Is zName "<table>_<col1>_<col2>..._key" (with an optional number), the
** name DataFlow gives an unnamed UNIQUE constraint? */
static int isUniqueConstraintName(const char *zTab, char **azCol, int nCol,
                                  const char *zName){
  sqlite3_str *s = sqlite3_str_new(0);
  char *zWant;
  const char *z;
  int i, bOk;
  sqlite3_str_appendall(s, zTab);
  for(i=0; i<nCol; i++) sqlite3_str_appendf(s, "_%s", azCol[i] ? azCol[i] : "");
  sqlite3_str_appendall(s, "_key");
  zWant = sqlite3_str_finish(s);
  bOk = zWant && strncmp(zName, zWant, strlen(zWant))==0;
  if( bOk ){
    for(z=zName+strlen(zWant); *z; z++) if( !isdigit((unsigned char)*z) ) bOk = 0;
  }
  sqlite3_free(zWant);
  return bOk;
}

/* Write one index (rows iFirst..iLast-1 of r, same table and index). */
static void writeIndex(Mirror *m, Rows *r, int iFirst, int iLast){
  const char *zTab = rv(r, iFirst, S_TABLE), *zName = rv(r, iFirst, S_INDEX);
  const char *zType = rv(r, iFirst, S_TYPE);
  int bUnique = rv(r, iFirst, S_NONUNIQ) && strcmp(rv(r, iFirst, S_NONUNIQ), "0")==0;
  int bHidden = rv(r, iFirst, S_HIDDEN) && strcmp(rv(r, iFirst, S_HIDDEN), "YES")==0;
  const char *zComment = nonEmpty(rv(r, iFirst, S_COMMENT));
  int bPlain = 1, i, nKey = iLast - iFirst;
  char **azCol = xcalloc((size_t)nKey + 1, sizeof(char*));
  sqlite3_str *s;
  char *zKeys;

  for(i=iFirst; i<iLast; i++){
    if( rv(r, i, S_COLUMN)==0 || (rv(r, i, S_SUBPART) && !(zType && strcasecmp(zType, "SPATIAL")==0))
     || (rv(r, i, S_ORDER) && strcmp(rv(r, i, S_ORDER), "D")==0) ) bPlain = 0;
    azCol[i-iFirst] = (char*)rv(r, i, S_COLUMN);
  }
  /* A primary key with prefix lengths or DESC keys stays an index named
  ** PRIMARY (a constraint's column list cannot say it). MySQL has no
  ** unique constraints apart from unique indexes: a unique index is a
  ** 'unique' constraint only when it has the name DataFlow gives unnamed
  ** UNIQUE constraints (<table>_<columns>_key), i.e. when a model's
  ** UNIQUE constraint made it; any other is an index, as declared. */
  if( (strcmp(zName, "PRIMARY")==0 && bPlain) || (bUnique && bPlain && !bHidden
      && !zComment && zType && strcasecmp(zType, "BTREE")==0
      && isUniqueConstraintName(zTab, azCol, nKey, zName)) ){
    char *zCols = jsonArray(nKey, azCol);
    int bPk = strcmp(zName, "PRIMARY")==0;
    bindText(m->pCons, 1, zTab);
    bindText(m->pCons, 2, zName);
    bindText(m->pCons, 3, bPk ? "primary key" : "unique");
    bindText(m->pCons, 4, zCols);
    bindText(m->pCons, 5, 0);
    sqlite3_bind_int(m->pCons, 12, 1);
    stepInsert(m, m->pCons);
    free(zCols);
    free(azCol);
    return;
  }
  free(azCol);
  s = sqlite3_str_new(0);
  sqlite3_str_appendchar(s, 1, '[');
  for(i=iFirst; i<iLast; i++){
    if( i>iFirst ) sqlite3_str_appendchar(s, 1, ',');
    if( rv(r, i, S_COLUMN) ){
      sqlite3_str_appendall(s, "{\"column\":");
      dfJsonAppendString(s, rv(r, i, S_COLUMN));
    }else{
      sqlite3_str_appendall(s, "{\"expr\":");
      dfJsonAppendString(s, rv(r, i, S_EXPR) ? rv(r, i, S_EXPR) : "");
    }
    if( rv(r, i, S_ORDER) && strcmp(rv(r, i, S_ORDER), "D")==0 ){
      sqlite3_str_appendall(s, ",\"desc\":1");
    }
    if( rv(r, i, S_SUBPART) && !(zType && strcasecmp(zType, "SPATIAL")==0) ){
      sqlite3_str_appendf(s, ",\"length\":%d", atoi(rv(r, i, S_SUBPART)));
    }
    sqlite3_str_appendchar(s, 1, '}');
  }
  sqlite3_str_appendchar(s, 1, ']');
  zKeys = dfFromSqlite(sqlite3_str_finish(s));
  {
    char zMethod[32];
    int k;
    for(k=0; zType && zType[k] && k<31; k++) zMethod[k] = (char)tolower((unsigned char)zType[k]);
    zMethod[k] = 0;
    bindText(m->pIndex, 1, zTab);
    bindText(m->pIndex, 2, zName);
    sqlite3_bind_int(m->pIndex, 3, bUnique);
    bindText(m->pIndex, 4, k ? zMethod : "btree");
    bindText(m->pIndex, 5, zKeys);
    bindText(m->pIndex, 6, bHidden ? "{\"ignored\":1}" : 0);
    bindText(m->pIndex, 7, zComment);
    stepInsert(m, m->pIndex);
  }
  free(zKeys);
}

static void readIndexes(Mirror *m){
  Rows r;
  int i, iFirst = 0;
  const char *zHidden = "NULL", *zExpr = "NULL";
  if( m->pSrv->bMariadb ){
    if( m->pSrv->nVersion >= 100600 ) zHidden = "IGNORED";
  }else if( m->pSrv->nVersion >= 80000 ){
    zHidden = "CASE IS_VISIBLE WHEN 'NO' THEN 'YES' ELSE 'NO' END";
    if( m->pSrv->nVersion >= 80013 ) zExpr = "EXPRESSION";
  }
  query(m, &r,
    "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME,"
    " SUB_PART, INDEX_TYPE, INDEX_COMMENT, COLLATION, %s, %s"
    " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s"
    " ORDER BY BINARY TABLE_NAME, BINARY INDEX_NAME, SEQ_IN_INDEX",
    zHidden, zExpr, m->zDbLit);
  for(i=1; m->rc==0 && i<=r.nRow; i++){
    if( i<r.nRow && strcmp(rv(&r, i, S_TABLE), rv(&r, iFirst, S_TABLE))==0
     && strcmp(rv(&r, i, S_INDEX), rv(&r, iFirst, S_INDEX))==0 ) continue;
    if( findTable(m, rv(&r, iFirst, S_TABLE)) ) writeIndex(m, &r, iFirst, i);
    iFirst = i;
  }
  rowsClear(&r);
}

/* ------------------------------------------------------------ foreign keys */

/* Is zName InnoDB's name for an unnamed foreign key of zTable: t_ibfk_n? */
static int isGeneratedFkName(const char *zTable, const char *zName){
  size_t n = strlen(zTable);
  const char *z;
  if( strncmp(zName, zTable, n)!=0 || strncmp(zName+n, "_ibfk_", 6)!=0 ) return 0;
  z = zName + n + 6;
  if( *z==0 ) return 0;
  while( isdigit((unsigned char)*z) ) z++;
  return *z==0;
}

/* RESTRICT and NO ACTION are one thing in InnoDB: both NULL. */
static const char *fkAction(const char *z){
  if( z==0 || strcasecmp(z, "RESTRICT")==0 || strcasecmp(z, "NO ACTION")==0 ) return 0;
  return z;
}

#define K_TABLE 0
#define K_NAME  1
#define K_COL   2
#define K_RSCH  3
#define K_RTAB  4
#define K_RCOL  5

static void readForeignKeys(Mirror *m){
  Rows r, a;
  int i, iFirst = 0, j = 0;
  query(m, &r,
    "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA,"
    " REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME"
    " FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = %s"
    " AND REFERENCED_TABLE_NAME IS NOT NULL"
    " ORDER BY BINARY TABLE_NAME, BINARY CONSTRAINT_NAME, ORDINAL_POSITION",
    m->zDbLit);
  query(m, &a,
    "SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE, MATCH_OPTION"
    " FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s"
    " ORDER BY BINARY TABLE_NAME, BINARY CONSTRAINT_NAME", m->zDbLit);
  for(i=1; m->rc==0 && i<=r.nRow; i++){
    const char *zTab, *zName, *zRefSchema, *zUpd = 0, *zDel = 0, *zMatch = 0;
    char **azCol, **azRef, *zCols, *zRefs;
    int k, n;
    if( i<r.nRow && strcmp(rv(&r, i, K_TABLE), rv(&r, iFirst, K_TABLE))==0
     && strcmp(rv(&r, i, K_NAME), rv(&r, iFirst, K_NAME))==0 ) continue;
    zTab = rv(&r, iFirst, K_TABLE);
    zName = rv(&r, iFirst, K_NAME);
    if( findTable(m, zTab)==0 ){ iFirst = i; continue; }
    /* The actions: a has the same order as r. */
    while( j<a.nRow && (strcmp(rv(&a, j, 0), zTab)<0
           || (strcmp(rv(&a, j, 0), zTab)==0 && strcmp(rv(&a, j, 1), zName)<0)) ) j++;
    if( j<a.nRow && strcmp(rv(&a, j, 0), zTab)==0 && strcmp(rv(&a, j, 1), zName)==0 ){
      zUpd = fkAction(rv(&a, j, 2));
      zDel = fkAction(rv(&a, j, 3));
      zMatch = rv(&a, j, 4);
      if( zMatch && (strcasecmp(zMatch, "NONE")==0 || strcasecmp(zMatch, "SIMPLE")==0) ) zMatch = 0;
    }
    n = i - iFirst;
    azCol = xcalloc((size_t)n, sizeof(char*));
    azRef = xcalloc((size_t)n, sizeof(char*));
    for(k=0; k<n; k++){
      azCol[k] = (char*)rv(&r, iFirst+k, K_COL);
      azRef[k] = (char*)(rv(&r, iFirst+k, K_RCOL) ? rv(&r, iFirst+k, K_RCOL) : "");
    }
    zCols = jsonArray(n, azCol);
    zRefs = jsonArray(n, azRef);
    zRefSchema = rv(&r, iFirst, K_RSCH);
    if( zRefSchema && strcmp(zRefSchema, m->pSrv->zDb)==0 ) zRefSchema = "";
    bindText(m->pCons, 1, zTab);
    bindText(m->pCons, 2, zName);
    bindText(m->pCons, 3, "foreign key");
    bindText(m->pCons, 4, zCols);
    bindText(m->pCons, 5, 0);
    bindText(m->pCons, 6, zRefSchema ? zRefSchema : "");
    bindText(m->pCons, 7, rv(&r, iFirst, K_RTAB));
    bindText(m->pCons, 8, zRefs);
    bindText(m->pCons, 9, zUpd);
    bindText(m->pCons, 10, zDel);
    bindText(m->pCons, 11, zMatch);
    sqlite3_bind_int(m->pCons, 12, isGeneratedFkName(zTab, zName));
    stepInsert(m, m->pCons);
    free(azCol); free(azRef); free(zCols); free(zRefs);
    iFirst = i;
  }
  rowsClear(&r);
  rowsClear(&a);
}

/* ------------------------------------------------------------ views */

/* Append n bytes to a growing malloc'd buffer. */
typedef struct Buf Buf;
struct Buf { char *z; size_t n, nAlloc; };
static void bufAdd(Buf *b, const char *z, size_t n){
  if( b->n + n + 1 > b->nAlloc ){
    b->nAlloc = (b->n + n + 1) * 2;
    b->z = xrealloc(b->z, b->nAlloc);
  }
  memcpy(b->z + b->n, z, n);
  b->n += n;
  b->z[b->n] = 0;
}

/* Read the backquoted identifier at z[0]=='`': its length in z (quotes
** included) and its decoded name (OUT: caller frees). */
static size_t readQuoted(const char *z, char **pzName){
  size_t i = 1, n = 0;
  char *zName = xmalloc(strlen(z) + 1);
  while( z[i] ){
    if( z[i]=='`' ){
      if( z[i+1]=='`' ){ zName[n++] = '`'; i += 2; continue; }
      i++;
      break;
    }
    zName[n++] = z[i++];
  }
  zName[n] = 0;
  *pzName = zName;
  return i;
}

static int cmpStr(const void *a, const void *b){
  return strcmp(*(char *const*)a, *(char *const*)b);
}

char *dfMysqlStripDb(const char *z, const char *zDb, char **pzDeps){
  Buf b = {0, 0, 0};
  char **azDep = 0;
  int nDep = 0;
  size_t i = 0;
  bufAdd(&b, "", 0);
  while( z && z[i] ){
    char c = z[i];
    if( c=='\'' || c=='"' ){
      size_t j = i + 1;
      while( z[j] && z[j]!=c ){
        if( z[j]=='\\' && z[j+1] ) j++;
        j++;
      }
      if( z[j] ) j++;
      bufAdd(&b, z+i, j-i);
      i = j;
      continue;
    }
    if( c=='`' ){
      char *zName = 0;
      size_t n = readQuoted(z+i, &zName);
      if( strcmp(zName, zDb)==0 && z[i+n]=='.' && z[i+n+1]=='`' ){
        char *zNext = 0;
        readQuoted(z+i+n+1, &zNext);
        if( pzDeps ){
          int k;
          for(k=0; k<nDep && strcmp(azDep[k], zNext)!=0; k++){}
          if( k==nDep ){
            azDep = xrealloc(azDep, sizeof(char*)*(size_t)(nDep+1));
            azDep[nDep++] = zNext;
            zNext = 0;
          }
        }
        free(zNext);
        free(zName);
        i += n + 1;                       /* drop `db`. */
        continue;
      }
      free(zName);
      bufAdd(&b, z+i, n);
      i += n;
      continue;
    }
    bufAdd(&b, z+i, 1);
    i++;
  }
  if( pzDeps ){
    int k;
    qsort(azDep, (size_t)nDep, sizeof(char*), cmpStr);
    *pzDeps = jsonArray(nDep, azDep);
    for(k=0; k<nDep; k++) free(azDep[k]);
    free(azDep);
  }
  return b.z;
}

static void readViews(Mirror *m){
  Rows r;
  int i;
  query(m, &r,
    "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, %s"
    " FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s"
    " ORDER BY BINARY TABLE_NAME",
    m->pSrv->bMariadb ? "ALGORITHM" : "'UNDEFINED'", m->zDbLit);
  for(i=0; m->rc==0 && i<r.nRow; i++){
    const char *zName = rv(&r, i, 0);
    const char *zCheck = rv(&r, i, 2), *zSec = rv(&r, i, 3), *zAlg = rv(&r, i, 4);
    char *zDeps = 0, *zNative, *zDef;
    sqlite3_str *s;
    char *zOpt;
    if( zName==0 || dfIsOwnObject(zName) ) continue;
    zNative = dfMysqlStripDb(rv(&r, i, 1) ? rv(&r, i, 1) : "", m->pSrv->zDb, &zDeps);
    zDef = dfFromSqlite(dfExprNormalise(zNative));
    s = sqlite3_str_new(0);
    if( zAlg && strcasecmp(zAlg, "UNDEFINED")!=0 ){
      sqlite3_str_appendall(s, ",\"algorithm\":");
      dfJsonAppendString(s, zAlg);
    }
    if( zCheck && strcasecmp(zCheck, "NONE")!=0 ){
      sqlite3_str_appendall(s, ",\"check_option\":");
      dfJsonAppendString(s, zCheck);
    }
    if( zSec && strcasecmp(zSec, "DEFINER")!=0 ){
      sqlite3_str_appendall(s, ",\"security\":");
      dfJsonAppendString(s, zSec);
    }
    zOpt = dfFromSqlite(sqlite3_str_finish(s));
    if( zOpt && zOpt[0] ){
      char *z = xasprintf("{%s}", zOpt + 1);
      free(zOpt);
      zOpt = z;
    }else{
      free(zOpt);
      zOpt = 0;
    }
    bindText(m->pView, 1, zName);
    bindText(m->pView, 2, "view");
    bindText(m->pView, 3, zDef ? zDef : zNative);
    bindText(m->pView, 4, zNative);
    bindText(m->pView, 5, zDeps);
    bindText(m->pView, 6, zOpt);
    stepInsert(m, m->pView);
    free(zDeps); free(zNative); free(zDef); free(zOpt);
  }
  rowsClear(&r);
}

/* ------------------------------------------------------------ triggers */

/* `name` with backquotes doubled. OUT: caller frees. */
static char *bq(const char *z){
  Buf b = {0, 0, 0};
  bufAdd(&b, "`", 1);
  for(; *z; z++){
    if( *z=='`' ) bufAdd(&b, "`", 1);
    bufAdd(&b, z, 1);
  }
  bufAdd(&b, "`", 1);
  return b.z;
}

static void readTriggers(Mirror *m){
  Rows r;
  int i;
  query(m, &r,
    "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION,"
    " ACTION_STATEMENT FROM information_schema.TRIGGERS"
    " WHERE TRIGGER_SCHEMA = %s AND EVENT_OBJECT_SCHEMA = %s"
    " ORDER BY BINARY EVENT_OBJECT_TABLE, ACTION_ORDER, BINARY TRIGGER_NAME",
    m->zDbLit, m->zDbLit);
  for(i=0; m->rc==0 && i<r.nRow; i++){
    char *zName, *zTab, *zDef;
    if( findTable(m, rv(&r, i, 0))==0 || rv(&r, i, 1)==0 ) continue;
    zName = bq(rv(&r, i, 1));
    zTab = bq(rv(&r, i, 0));
    zDef = xasprintf("CREATE TRIGGER %s %s %s ON %s FOR EACH ROW %s", zName,
                     rv(&r, i, 2) ? rv(&r, i, 2) : "BEFORE",
                     rv(&r, i, 3) ? rv(&r, i, 3) : "INSERT", zTab,
                     rv(&r, i, 4) ? rv(&r, i, 4) : "");
    bindText(m->pTrigger, 1, rv(&r, i, 0));
    bindText(m->pTrigger, 2, rv(&r, i, 1));
    bindText(m->pTrigger, 3, zDef);
    stepInsert(m, m->pTrigger);
    free(zName); free(zTab); free(zDef);
  }
  rowsClear(&r);
}

/* ------------------------------------------------------------ statistics */

/* One aggregate query per table (statistics are data, not schema): rows,
** and per column NULLs, longest value and repeated values. */
static void readStats(Mirror *m){
  int i;
  for(i=0; m->rc==0 && i<m->nTab; i++){
    MyTable *t = &m->aTab[i];
    sqlite3_stmt *pCols = 0;
    sqlite3_str *s = sqlite3_str_new(0);
    char *zSql, *zTab = bq(t->zName);
    char **azCol = 0;
    int nCol = 0, k;
    Rows r;
    sqlite3_prepare_v2(m->pOut, "SELECT name, type_family FROM main.columns"
                       " WHERE schema='' AND table_name=?1 AND generated_expr IS NULL"
                       " ORDER BY position", -1, &pCols, 0);
    sqlite3_bind_text(pCols, 1, t->zName, -1, SQLITE_STATIC);
    sqlite3_str_appendall(s, "SELECT COUNT(*)");
    while( pCols && sqlite3_step(pCols)==SQLITE_ROW ){
      const char *zCol = (const char*)sqlite3_column_text(pCols, 0);
      const char *zFam = (const char*)sqlite3_column_text(pCols, 1);
      char *zQ = bq(zCol);
      int bLob = strcmp(zFam, "blob")==0;
      int bLong = bLob || strcmp(zFam, "text")==0 || strcmp(zFam, "json")==0;
      int bStr = bLong || strcmp(zFam, "varchar")==0 || strcmp(zFam, "char")==0;
      sqlite3_str_appendf(s, ", SUM(%s IS NULL)", zQ);
      if( bStr ){
        sqlite3_str_appendf(s, ", MAX(%s(%s))", bLob ? "LENGTH" : "CHAR_LENGTH", zQ);
      }else{
        sqlite3_str_appendall(s, ", NULL");
      }
      if( bLong ){
        sqlite3_str_appendall(s, ", NULL");     /* no DISTINCT over LOBs */
      }else{
        sqlite3_str_appendf(s, ", COUNT(%s) - COUNT(DISTINCT %s)", zQ, zQ);
      }
      azCol = xrealloc(azCol, sizeof(char*)*(size_t)(nCol+1));
      azCol[nCol++] = xstrdup(zCol);
      free(zQ);
    }
    sqlite3_finalize(pCols);
    sqlite3_str_appendf(s, " FROM %s", zTab);
    zSql = dfFromSqlite(sqlite3_str_finish(s));
    query(m, &r, "%s", zSql);
    if( m->rc==0 && r.nRow==1 ){
      bindText(m->pTStat, 1, t->zName);
      bindText(m->pTStat, 2, rv(&r, 0, 0));
      stepInsert(m, m->pTStat);
      for(k=0; k<nCol; k++){
        bindText(m->pCStat, 1, t->zName);
        bindText(m->pCStat, 2, azCol[k]);
        bindText(m->pCStat, 3, rv(&r, 0, 1 + 3*k));
        bindText(m->pCStat, 4, rv(&r, 0, 2 + 3*k));
        bindText(m->pCStat, 5, rv(&r, 0, 3 + 3*k));
        stepInsert(m, m->pCStat);
      }
    }
    rowsClear(&r);
    for(k=0; k<nCol; k++) free(azCol[k]);
    free(azCol);
    free(zSql);
    free(zTab);
  }
}

/* ------------------------------------------------------------ entry */

int dfMysqlMirror(const DfEngine *pEng, DfConn *pConn, const DfMysqlServer *pSrv,
                  int bStats, sqlite3 *pOut, char **pzErr){
  Mirror m;
  Rows chk;
  int i;
  char zTaken[32];
  time_t now = time(0);
  struct tm tm;

  memset(&m, 0, sizeof(m));
  memset(&chk, 0, sizeof(chk));
  m.pEng = pEng;
  m.pConn = pConn;
  m.pSrv = pSrv;
  m.pOut = pOut;
  m.zDbLit = pEng->xQuoteLiteral(pConn, pSrv->zDb);

  if( sqlite3_exec(pOut, "BEGIN", 0, 0, 0)!=SQLITE_OK ){
    myError(&m, "cannot write the snapshot: %s", sqlite3_errmsg(pOut));
  }
  m.pTable = prepareOut(&m, "INSERT INTO main.tables(schema, name, kind, options,"
                        " comment) VALUES('', ?1, ?2, ?3, ?4)");
  m.pColumn = prepareOut(&m, "INSERT INTO main.columns(schema, table_name, name,"
      " position, type_native, type_family, type_length, type_precision,"
      " type_scale, type_tz, type_array, type_unsigned, type_ref, not_null,"
      " default_expr, default_native, generated_expr, generated_kind, identity,"
      " collation, comment) VALUES('', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
      " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)");
  m.pCons = prepareOut(&m, "INSERT INTO main.constraints(schema, table_name, name,"
      " kind, columns, expression, ref_schema, ref_table, ref_columns, on_update,"
      " on_delete, match_type, generated_name) VALUES('', ?1, ?2, ?3, ?4, ?5, ?6,"
      " ?7, ?8, ?9, ?10, ?11, ?12)");
  m.pIndex = prepareOut(&m, "INSERT INTO main.indexes(schema, table_name, name,"
      " is_unique, method, keys, options, comment) VALUES('', ?1, ?2, ?3, ?4, ?5,"
      " ?6, ?7)");
  m.pView = prepareOut(&m, "INSERT INTO main.views(schema, name, kind, definition,"
      " definition_native, depends_on, options) VALUES('', ?1, ?2, ?3, ?4, ?5, ?6)");
  m.pTrigger = prepareOut(&m, "INSERT INTO main.triggers(schema, table_name, name,"
      " definition) VALUES('', ?1, ?2, ?3)");
  m.pTStat = prepareOut(&m, "INSERT INTO main.table_stats(schema, table_name,"
      " row_count) VALUES('', ?1, ?2)");
  m.pCStat = prepareOut(&m, "INSERT INTO main.column_stats(schema, table_name,"
      " column_name, null_count, max_length, duplicate_count)"
      " VALUES('', ?1, ?2, ?3, ?4, ?5)");

  readTables(&m);
  readPartitions(&m);
  writeTables(&m);
  readChecks(&m, &chk);
  readColumns(&m);
  writeChecks(&m, &chk);
  readIndexes(&m);
  readForeignKeys(&m);
  readViews(&m);
  readTriggers(&m);
  if( bStats ) readStats(&m);

  gmtime_r(&now, &tm);
  strftime(zTaken, sizeof(zTaken), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if( m.rc==0 ){
    if( dfMetaSet(pOut, "main", "engine", "mysql")
     || dfMetaSet(pOut, "main", "server_version", pSrv->zVersion)
     || dfMetaSet(pOut, "main", "source", pSrv->zSource)
     || dfMetaSet(pOut, "main", "taken_at", zTaken)
     || dfMetaSet(pOut, "main", "default_schema", pSrv->zDb) ){
      myError(&m, "cannot write the snapshot: %s", sqlite3_errmsg(pOut));
    }
  }
  sqlite3_finalize(m.pTable);
  sqlite3_finalize(m.pColumn);
  sqlite3_finalize(m.pCons);
  sqlite3_finalize(m.pIndex);
  sqlite3_finalize(m.pView);
  sqlite3_finalize(m.pTrigger);
  sqlite3_finalize(m.pTStat);
  sqlite3_finalize(m.pCStat);
  if( m.rc==0 ){
    char *zErr = 0;
    if( dfCatalogFinish(pOut, "main", &zErr)!=SQLITE_OK ){
      myError(&m, "cannot finish the snapshot: %s", zErr ? zErr : sqlite3_errmsg(pOut));
    }
    sqlite3_free(zErr);
  }
  if( m.rc==0 ){
    if( sqlite3_exec(pOut, "COMMIT", 0, 0, 0)!=SQLITE_OK ){
      myError(&m, "cannot write the snapshot: %s", sqlite3_errmsg(pOut));
    }
  }
  if( m.rc ) sqlite3_exec(pOut, "ROLLBACK", 0, 0, 0);

  rowsClear(&chk);
  for(i=0; i<m.nTab; i++){
    int k;
    free(m.aTab[i].zName);
    free(m.aTab[i].zCollation);
    free(m.aTab[i].zOptions);
    free(m.aTab[i].zComment);
    for(k=0; k<m.aTab[i].nJson; k++) free(m.aTab[i].azJson[k]);
    free(m.aTab[i].azJson);
  }
  free(m.aTab);
  free(m.zDbLit);
  free(m.zDbCollation);
  free(m.zDbEngine);
  if( m.rc ){
    *pzErr = m.zErr ? m.zErr : xstrdup("unknown error");
    return 1;
  }
  return 0;
}
