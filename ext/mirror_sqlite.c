/*
** mirror_sqlite.c — snapshot a SQLite schema into a DataFlow catalog.
**
** Usage (from C; SQL users call dataflow_snapshot(), see fn_snapshot.c):
**
**   sqlite3 *pOut = 0; char *zErr = 0;
**   DfMirrorOptions opt = { "sqlite", "app.db", 0, 0 };
**   rc = dfSnapshotCreate("app.snapshot", &pOut, &zErr);
**   if( rc==SQLITE_OK ) rc = dfMirrorSqlite(pSrc, "main", pOut, "main", &opt, &zErr);
**   sqlite3_close(pOut);
**
** In the sqlite3 shell the result is an ordinary database:
**
**   sqlite> SELECT name, type_native, type_family FROM columns WHERE table_name='users';
**
** HOW IT WORKS
**
** The source is read in four bulk queries, whatever the number of tables:
**
**   1. sqlite_schema (with pragma_table_list, to recognise the shadow
**      tables of virtual tables): every table, view, index and trigger with
**      its CREATE text;
**   2. sqlite_schema JOIN pragma_table_xinfo(name, schema): every column;
**   3. ... JOIN pragma_index_list JOIN pragma_index_xinfo: every index key;
**   4. ... JOIN pragma_foreign_key_list: every foreign key column.
**
** The pragmas are authoritative for what they report (types, NOT NULL,
** defaults, primary-key order, index keys, sort order and collation, FK
** actions). The CREATE text is read with sqlparse.c only for what no pragma
** gives: CHECK expressions, constraint names, generated-column
** expressions, index expression text and partial predicates, and FK
** deferrability. Column collations come from
** sqlite3_table_column_metadata(), which reports SQLite's own resolution
** of the declaration (the last COLLATE wins, BINARY by default) without a
** query; only non-BINARY collations are recorded, in lowercase because
** SQLite collation names are case-insensitive. When SQLite was built
** without column metadata the parsed COLLATE clause is used instead.
**
** Facts recorded that SQLite only implies:
**   - an INTEGER PRIMARY KEY of a rowid table is the rowid: it can never
**     be NULL, so not_null=1 although the pragma says 0. Other primary key
**     columns of rowid tables are nullable in SQLite unless declared NOT
**     NULL, and are recorded as SQLite reports them. A rowid alias is
**     recognised as SQLite does: a one-column primary key of a rowid table
**     that has no 'pk' index in index_list.
**   - identity is 'autoincrement' for INTEGER PRIMARY KEY AUTOINCREMENT.
**     A plain rowid alias also assigns values (max(rowid)+1, reusing freed
**     ones), but that is the nature of every SQLite INTEGER PRIMARY KEY,
**     not a declared property: it is recorded as identity NULL, so that it
**     compares equal to a plain integer primary key elsewhere.
**   - names for unnamed constraints, PostgreSQL-style: <table>_pkey,
**     <table>_<cols>_key, <table>_check, <table>_check1, ... (in order of
**     appearance), <table>_<cols>_fkey; generated_name=1 marks them. A
**     generated name that collides with another name of the table gets a
**     number appended.
**   - index keys record a collation only when it differs from the one the
**     key would have anyway (the column's collation; BINARY for an
**     expression).
**
** Left out: sqlite_* objects, DataFlow's own objects (dataflow_*), virtual
** tables and their shadow tables (their schema belongs to the module), and
** the automatic indexes behind PRIMARY KEY/UNIQUE (recorded as
** constraints instead).
**
** Statistics (bStats) are data, not schema: they take one aggregate query
** per table (row count; per column NULLs, longest value, and duplicates =
** count(c) - count(DISTINCT c)). The schema itself never does.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include "snapshot.h"
#include "sqlparse.h"
#include "types.h"
#include "dfjson.h"

/* ------------------------------------------------------------ structures */

typedef struct MirColumn MirColumn;
struct MirColumn {
  char *zName;            /* column name */
  int iCid;               /* pragma cid (0-based, hidden columns included) */
  char *zType;            /* declared type as the pragma reports it */
  int bNotNull;           /* pragma notnull */
  char *zDflt;            /* pragma dflt_value */
  int iPk;                /* 1-based position in the primary key, 0 if none */
  int iHidden;            /* 0 normal, 2 generated virtual, 3 generated stored */
  char *zColl;            /* non-BINARY collation, lowercase, or NULL */
  int bAutoinc;           /* AUTOINCREMENT */
};

typedef struct MirKey MirKey;
struct MirKey {
  int iCid;               /* column, -1 rowid, -2 expression */
  char *zName;            /* column name or NULL */
  int bDesc;              /* descending */
  char *zColl;            /* collation as reported (e.g. "BINARY") */
};

typedef struct MirIndex MirIndex;
struct MirIndex {
  char *zName;            /* index name */
  int bUnique;            /* unique */
  char cOrigin;           /* 'c' CREATE INDEX, 'u' UNIQUE, 'p' PRIMARY KEY */
  int bPartial;           /* has a WHERE clause */
  int nKey;               /* key columns */
  MirKey *aKey;           /* keys in order */
};

typedef struct MirFk MirFk;
struct MirFk {
  int iId;                /* pragma id */
  char *zTable;           /* referenced table as written */
  int nCol;               /* number of columns */
  char **azFrom;          /* referencing columns as written */
  char **azTo;            /* referenced columns, NULL entries when omitted */
  char *zOnUpdate;        /* pragma on_update */
  char *zOnDelete;        /* pragma on_delete */
  char *zMatch;           /* pragma match */
};

typedef struct MirObject MirObject;
struct MirObject {
  char cType;             /* 't' table, 'v' view, 'i' index, 'r' trigger */
  char *zName;            /* object name */
  char *zTbl;             /* sqlite_schema.tbl_name */
  char *zSql;             /* CREATE text (NULL for automatic indexes) */
  /* tables only: */
  DfSqlTable *pDef;       /* parsed CREATE TABLE */
  int nCol; MirColumn *aCol;     /* columns in cid order */
  int nIdx; MirIndex *aIdx;      /* indexes (all origins) */
  int nFk; MirFk *aFk;           /* foreign keys by pragma id */
};

typedef struct Mirror Mirror;
struct Mirror {
  sqlite3 *pSrc;          /* source connection */
  const char *zSrcDb;     /* source schema */
  sqlite3 *pOut;          /* snapshot connection */
  const char *zOutDb;     /* snapshot schema */
  const DfMirrorOptions *pOpt;   /* options */
  int rc;                 /* sticky result code */
  char *zErr;             /* first error */
  int nObj; MirObject *aObj;     /* tables and views sorted by name; then others */
  int nTab;               /* aObj[0..nTab) are the tables, sorted by name */
  int nAll;               /* allocated slots */
};

/* ------------------------------------------------------------ helpers */

static void mirError(Mirror *p, int rc, const char *zFmt, ...){
  va_list ap;
  if( p->rc ) return;
  p->rc = rc ? rc : SQLITE_ERROR;
  va_start(ap, zFmt);
  p->zErr = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
}

/* Copy of z (NULL stays NULL); sets p->rc on OOM. OUT: caller frees. */
static char *mirDup(Mirror *p, const char *z){
  char *zOut;
  if( z==0 || p->rc ) return 0;
  zOut = sqlite3_mprintf("%s", z);
  if( zOut==0 ) p->rc = SQLITE_NOMEM;
  return zOut;
}

static char *mirColText(Mirror *p, sqlite3_stmt *pStmt, int i){
  return mirDup(p, (const char*)sqlite3_column_text(pStmt, i));
}

/* Prepare zSql (from sqlite3_mprintf; freed here) on db. */
static sqlite3_stmt *mirPrepare(Mirror *p, sqlite3 *db, char *zSql){
  sqlite3_stmt *pStmt = 0;
  if( p->rc==SQLITE_OK ){
    if( zSql==0 ){
      p->rc = SQLITE_NOMEM;
    }else if( sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0)!=SQLITE_OK ){
      mirError(p, sqlite3_errcode(db), "cannot read schema '%s': %s",
               db==p->pSrc ? p->zSrcDb : p->zOutDb, sqlite3_errmsg(db));
    }
  }
  sqlite3_free(zSql);
  return pStmt;
}

/* Finish a read loop: record an error if stepping stopped on one. */
static void mirFinalize(Mirror *p, sqlite3 *db, sqlite3_stmt *pStmt, int rcStep){
  if( p->rc==SQLITE_OK && rcStep!=SQLITE_DONE && rcStep!=SQLITE_ROW ){
    mirError(p, rcStep, "cannot read schema '%s': %s",
             db==p->pSrc ? p->zSrcDb : p->zOutDb, sqlite3_errmsg(db));
  }
  sqlite3_finalize(pStmt);
}

/* Lowercase copy of an ASCII-case-insensitive name. OUT: caller frees. */
static char *mirLower(Mirror *p, const char *z){
  char *zOut = mirDup(p, z);
  int i;
  for(i=0; zOut && zOut[i]; i++){
    if( zOut[i]>='A' && zOut[i]<='Z' ) zOut[i] += 'a'-'A';
  }
  return zOut;
}

/* Table by exact name, else case-insensitively (SQLite's rule); NULL if none. */
static MirObject *mirFindTable(Mirror *p, const char *zName){
  int lo = 0, hi = p->nTab-1, i;
  if( zName==0 ) return 0;
  while( lo<=hi ){
    int mid = (lo+hi)/2;
    int c = strcmp(p->aObj[mid].zName, zName);
    if( c==0 ) return &p->aObj[mid];
    if( c<0 ) lo = mid+1; else hi = mid-1;
  }
  for(i=0; i<p->nTab; i++){
    if( sqlite3_stricmp(p->aObj[i].zName, zName)==0 ) return &p->aObj[i];
  }
  return 0;
}

/* Table or view named zName (case-insensitive): its canonical name or NULL. */
static const char *mirFindRelation(Mirror *p, const char *zName){
  int i;
  MirObject *t = mirFindTable(p, zName);
  if( t ) return t->zName;
  for(i=p->nTab; i<p->nObj; i++){
    if( p->aObj[i].cType=='v' && sqlite3_stricmp(p->aObj[i].zName, zName)==0 ){
      return p->aObj[i].zName;
    }
  }
  return 0;
}

static MirColumn *mirFindColumn(MirObject *t, const char *zName){
  int i;
  if( t==0 || zName==0 ) return 0;
  for(i=0; i<t->nCol; i++){
    if( sqlite3_stricmp(t->aCol[i].zName, zName)==0 ) return &t->aCol[i];
  }
  return 0;
}

/* Canonical spelling of column zName of t (as declared), else zName. */
static const char *mirColumnName(MirObject *t, const char *zName){
  MirColumn *c = mirFindColumn(t, zName);
  return c ? c->zName : zName;
}

/* Grow an array by one zeroed element; NULL (and p->rc) on OOM. */
static void *mirGrow(Mirror *p, void **pa, int *pn, size_t sz){
  /* Capacity implied by n (4, then powers of two): see growOne() in
  ** catalog.c. Reallocating on every row made large schemas quadratic. */
  int n = *pn;
  char *a = *pa;
  if( p->rc ) return 0;
  if( n==0 || (n>=4 && (n & (n-1))==0) ){
    a = sqlite3_realloc64(a, (n==0 ? 4 : (sqlite3_uint64)n*2) * sz);
    if( a==0 ){ p->rc = SQLITE_NOMEM; return 0; }
    *pa = a;
  }
  memset(a + (size_t)n * sz, 0, sz);
  (*pn)++;
  return a + (size_t)n * sz;
}

/* JSON array of the strings az[0..n). OUT: caller frees. */
static char *mirJsonArray(Mirror *p, int n, char *const *az){
  sqlite3_str *s;
  char *z;
  int i;
  if( p->rc ) return 0;
  s = sqlite3_str_new(0);
  sqlite3_str_appendchar(s, 1, '[');
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, az[i]);
  }
  sqlite3_str_appendchar(s, 1, ']');
  z = sqlite3_str_finish(s);
  if( z==0 ) p->rc = SQLITE_NOMEM;
  return z;
}

/*
** Bind the values described by zSig to pStmt and run it:
**   s  const char*  text, NULL binds NULL
**   i  int
**   n  int, bound as NULL when negative
**   l  sqlite3_int64, NULL when negative
*/
static void mirInsert(Mirror *p, sqlite3_stmt *pStmt, const char *zSig, ...){
  va_list ap;
  int i;
  if( p->rc ) return;
  va_start(ap, zSig);
  for(i=0; zSig[i]; i++){
    switch( zSig[i] ){
      case 's': {
        const char *z = va_arg(ap, const char*);
        sqlite3_bind_text(pStmt, i+1, z, -1, SQLITE_TRANSIENT);
        break;
      }
      case 'i':
        sqlite3_bind_int(pStmt, i+1, va_arg(ap, int));
        break;
      case 'n': {
        int v = va_arg(ap, int);
        if( v<0 ) sqlite3_bind_null(pStmt, i+1);
        else sqlite3_bind_int(pStmt, i+1, v);
        break;
      }
      case 'l': {
        sqlite3_int64 v = va_arg(ap, sqlite3_int64);
        if( v<0 ) sqlite3_bind_null(pStmt, i+1);
        else sqlite3_bind_int64(pStmt, i+1, v);
        break;
      }
    }
  }
  va_end(ap);
  if( sqlite3_step(pStmt)!=SQLITE_DONE ){
    mirError(p, sqlite3_errcode(p->pOut), "cannot write snapshot: %s",
             sqlite3_errmsg(p->pOut));
  }
  sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
}

/* --------------------------------------------------------- freeing */

static void mirObjectClear(MirObject *o){
  int i, k;
  sqlite3_free(o->zName);
  sqlite3_free(o->zTbl);
  sqlite3_free(o->zSql);
  dfSqlTableFree(o->pDef);
  for(i=0; i<o->nCol; i++){
    sqlite3_free(o->aCol[i].zName);
    sqlite3_free(o->aCol[i].zType);
    sqlite3_free(o->aCol[i].zDflt);
    sqlite3_free(o->aCol[i].zColl);
  }
  sqlite3_free(o->aCol);
  for(i=0; i<o->nIdx; i++){
    for(k=0; k<o->aIdx[i].nKey; k++){
      sqlite3_free(o->aIdx[i].aKey[k].zName);
      sqlite3_free(o->aIdx[i].aKey[k].zColl);
    }
    sqlite3_free(o->aIdx[i].aKey);
    sqlite3_free(o->aIdx[i].zName);
  }
  sqlite3_free(o->aIdx);
  for(i=0; i<o->nFk; i++){
    MirFk *f = &o->aFk[i];
    for(k=0; k<f->nCol; k++){
      sqlite3_free(f->azFrom[k]);
      sqlite3_free(f->azTo[k]);
    }
    sqlite3_free(f->azFrom);
    sqlite3_free(f->azTo);
    sqlite3_free(f->zTable);
    sqlite3_free(f->zOnUpdate);
    sqlite3_free(f->zOnDelete);
    sqlite3_free(f->zMatch);
  }
  sqlite3_free(o->aFk);
}

static void mirClear(Mirror *p){
  int i;
  for(i=0; i<p->nObj; i++) mirObjectClear(&p->aObj[i]);
  sqlite3_free(p->aObj);
  p->aObj = 0;
  p->nObj = p->nTab = 0;
}

/* ----------------------------------------------------- reading: queries */

/* WHERE fragment selecting the mirrored tables of sqlite_schema m. */
#define MIR_TABLES \
  "m.type='table' AND m.name NOT LIKE 'sqlite\\_%%' ESCAPE '\\'" \
  " AND m.name NOT LIKE 'dataflow\\_%%' ESCAPE '\\'" \
  " AND m.sql NOT LIKE 'CREATE VIRTUAL %%'"

/* ... and not a shadow table of a virtual table (query 1 only: the other
** queries skip in C the rows of tables that query 1 did not list). */
#define MIR_NOT_SHADOW \
  " AND coalesce((SELECT l.type FROM pragma_table_list(m.name) l" \
  "   WHERE l.schema=%Q), '')<>'shadow'"

/* Query 1: every object with its CREATE text. Tables come first, by name. */
static void mirReadObjects(Mirror *p){
  sqlite3_stmt *pStmt;
  int rcStep = SQLITE_DONE;
  pStmt = mirPrepare(p, p->pSrc, sqlite3_mprintf(
      "SELECT CASE m.type WHEN 'table' THEN 't' WHEN 'view' THEN 'v'"
      "  WHEN 'index' THEN 'i' ELSE 'r' END AS k, m.name, m.tbl_name, m.sql"
      " FROM \"%w\".sqlite_schema m"
      " WHERE m.name NOT LIKE 'sqlite\\_%%' ESCAPE '\\'"
      "  AND m.name NOT LIKE 'dataflow\\_%%' ESCAPE '\\'"
      "  AND m.tbl_name NOT LIKE 'dataflow\\_%%' ESCAPE '\\'"
      "  AND (m.type<>'table' OR (" MIR_TABLES MIR_NOT_SHADOW "))"
      " ORDER BY k<>'t', m.name", p->zSrcDb, p->zSrcDb));
  while( p->rc==SQLITE_OK && (rcStep = sqlite3_step(pStmt))==SQLITE_ROW ){
    MirObject *o = mirGrow(p, (void**)&p->aObj, &p->nObj, sizeof(MirObject));
    if( o==0 ) break;
    o->cType = ((const char*)sqlite3_column_text(pStmt, 0))[0];
    o->zName = mirColText(p, pStmt, 1);
    o->zTbl = mirColText(p, pStmt, 2);
    o->zSql = mirColText(p, pStmt, 3);
    if( o->cType=='t' ) p->nTab++;
    /* Views over virtual/own tables still are views: kept. Triggers and
    ** indexes on skipped tables are dropped below. */
  }
  mirFinalize(p, p->pSrc, pStmt, rcStep);

  /* Parse every table's CREATE text (facts the pragmas do not give). */
  {
    int i;
    for(i=0; p->rc==SQLITE_OK && i<p->nTab; i++){
      MirObject *o = &p->aObj[i];
      char *zErr = 0;
      int rc = dfSqlParseCreateTable(o->zSql ? o->zSql : "", &o->pDef, &zErr);
      if( rc ){
        mirError(p, rc, "cannot read the definition of table '%s': %s",
                 o->zName, zErr ? zErr : "out of memory");
      }
      sqlite3_free(zErr);
    }
  }
}

/* Query 2: every column of every mirrored table. */
static void mirReadColumns(Mirror *p){
  sqlite3_stmt *pStmt;
  int rcStep = SQLITE_DONE;
  int bMeta = sqlite3_compileoption_used("ENABLE_COLUMN_METADATA");
  pStmt = mirPrepare(p, p->pSrc, sqlite3_mprintf(
      "SELECT m.name, c.cid, c.name, c.type, c.\"notnull\", c.dflt_value,"
      " c.pk, c.hidden"
      " FROM \"%w\".sqlite_schema m JOIN pragma_table_xinfo(m.name, %Q) c"
      " WHERE " MIR_TABLES
      " ORDER BY m.name, c.cid", p->zSrcDb, p->zSrcDb));
  while( p->rc==SQLITE_OK && (rcStep = sqlite3_step(pStmt))==SQLITE_ROW ){
    MirObject *t = mirFindTable(p, (const char*)sqlite3_column_text(pStmt, 0));
    MirColumn *c;
    const char *zColl = 0;
    int bAutoinc = 0;
    if( t==0 ) continue;         /* created between the two queries */
    c = mirGrow(p, (void**)&t->aCol, &t->nCol, sizeof(MirColumn));
    if( c==0 ) break;
    c->iCid = sqlite3_column_int(pStmt, 1);
    c->zName = mirColText(p, pStmt, 2);
    c->zType = mirColText(p, pStmt, 3);
    if( c->zType==0 ) c->zType = mirDup(p, "");
    c->bNotNull = sqlite3_column_int(pStmt, 4);
    c->zDflt = mirColText(p, pStmt, 5);
    c->iPk = sqlite3_column_int(pStmt, 6);
    c->iHidden = sqlite3_column_int(pStmt, 7);
    if( p->rc ) break;
    if( bMeta ){
      /* SQLite's own resolution of the declaration: no SQL is run. */
      if( sqlite3_table_column_metadata(p->pSrc, p->zSrcDb, t->zName, c->zName,
              0, &zColl, 0, 0, &bAutoinc)!=SQLITE_OK ){
        zColl = 0;
        bAutoinc = 0;
      }
    }else{
      int k;
      for(k=0; t->pDef && k<t->pDef->nCol; k++){
        if( sqlite3_stricmp(t->pDef->aCol[k].zName, c->zName)==0 ){
          zColl = t->pDef->aCol[k].zCollate;
        }
      }
      for(k=0; t->pDef && k<t->pDef->nCons; k++){
        DfSqlCons *pc = &t->pDef->aCons[k];
        if( pc->eKind==DF_CONS_PK && pc->bAutoinc && pc->nCol==1
         && sqlite3_stricmp(pc->azCol[0], c->zName)==0 ) bAutoinc = 1;
      }
    }
    if( zColl && sqlite3_stricmp(zColl, "BINARY")!=0 ) c->zColl = mirLower(p, zColl);
    c->bAutoinc = bAutoinc;
  }
  mirFinalize(p, p->pSrc, pStmt, rcStep);
}

/* Query 3: every index (automatic ones too) with its key columns. */
static void mirReadIndexes(Mirror *p){
  sqlite3_stmt *pStmt;
  int rcStep = SQLITE_DONE;
  MirObject *tPrev = 0;
  MirIndex *x = 0;
  pStmt = mirPrepare(p, p->pSrc, sqlite3_mprintf(
      "SELECT m.name, il.name, il.\"unique\", il.origin, il.partial,"
      " ix.cid, ix.name, ix.\"desc\", ix.coll"
      " FROM \"%w\".sqlite_schema m"
      " JOIN pragma_index_list(m.name, %Q) il"
      " JOIN pragma_index_xinfo(il.name, %Q) ix"
      " WHERE " MIR_TABLES " AND ix.key"
      " ORDER BY m.name, il.name, ix.seqno",
      p->zSrcDb, p->zSrcDb, p->zSrcDb));
  while( p->rc==SQLITE_OK && (rcStep = sqlite3_step(pStmt))==SQLITE_ROW ){
    MirObject *t = mirFindTable(p, (const char*)sqlite3_column_text(pStmt, 0));
    const char *zIdx = (const char*)sqlite3_column_text(pStmt, 1);
    MirKey *k;
    if( t==0 || zIdx==0 ) continue;
    if( t!=tPrev || x==0 || strcmp(x->zName, zIdx)!=0 ){
      const char *zOrigin = (const char*)sqlite3_column_text(pStmt, 3);
      x = mirGrow(p, (void**)&t->aIdx, &t->nIdx, sizeof(MirIndex));
      if( x==0 ) break;
      x->zName = mirDup(p, zIdx);
      x->bUnique = sqlite3_column_int(pStmt, 2);
      x->cOrigin = zOrigin ? zOrigin[0] : 'c';
      x->bPartial = sqlite3_column_int(pStmt, 4);
      tPrev = t;
    }
    k = mirGrow(p, (void**)&x->aKey, &x->nKey, sizeof(MirKey));
    if( k==0 ) break;
    k->iCid = sqlite3_column_int(pStmt, 5);
    k->zName = mirColText(p, pStmt, 6);
    k->bDesc = sqlite3_column_int(pStmt, 7);
    k->zColl = mirColText(p, pStmt, 8);
  }
  mirFinalize(p, p->pSrc, pStmt, rcStep);
}

/* Query 4: every foreign key column. */
static void mirReadForeignKeys(Mirror *p){
  sqlite3_stmt *pStmt;
  int rcStep = SQLITE_DONE;
  MirObject *tPrev = 0;
  MirFk *f = 0;
  pStmt = mirPrepare(p, p->pSrc, sqlite3_mprintf(
      "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update,"
      " f.on_delete, f.\"match\""
      " FROM \"%w\".sqlite_schema m"
      " JOIN pragma_foreign_key_list(m.name, %Q) f"
      " WHERE " MIR_TABLES
      " ORDER BY m.name, f.id, f.seq", p->zSrcDb, p->zSrcDb));
  while( p->rc==SQLITE_OK && (rcStep = sqlite3_step(pStmt))==SQLITE_ROW ){
    MirObject *t = mirFindTable(p, (const char*)sqlite3_column_text(pStmt, 0));
    int iId = sqlite3_column_int(pStmt, 1);
    char **az;
    if( t==0 ) continue;
    if( t!=tPrev || f==0 || f->iId!=iId ){
      f = mirGrow(p, (void**)&t->aFk, &t->nFk, sizeof(MirFk));
      if( f==0 ) break;
      f->iId = iId;
      f->zTable = mirColText(p, pStmt, 2);
      f->zOnUpdate = mirColText(p, pStmt, 5);
      f->zOnDelete = mirColText(p, pStmt, 6);
      f->zMatch = mirColText(p, pStmt, 7);
      tPrev = t;
    }
    az = sqlite3_realloc64(f->azFrom, sizeof(char*)*(sqlite3_uint64)(f->nCol+1));
    if( az==0 ){ p->rc = SQLITE_NOMEM; break; }
    f->azFrom = az;
    az = sqlite3_realloc64(f->azTo, sizeof(char*)*(sqlite3_uint64)(f->nCol+1));
    if( az==0 ){ p->rc = SQLITE_NOMEM; break; }
    f->azTo = az;
    f->azFrom[f->nCol] = mirColText(p, pStmt, 3);
    f->azTo[f->nCol] = mirColText(p, pStmt, 4);
    f->nCol++;
  }
  mirFinalize(p, p->pSrc, pStmt, rcStep);
}

/* ------------------------------------------------------- writing: names */

/*
** The set of constraint names already used in one table, so that a
** generated name never collides with a declared one.
*/
typedef struct NameSet NameSet;
struct NameSet {
  int n;                  /* names */
  char **az;              /* owned */
};

static int nameSetHas(NameSet *s, const char *z){
  int i;
  for(i=0; i<s->n; i++) if( strcmp(s->az[i], z)==0 ) return 1;
  return 0;
}

static void nameSetAdd(Mirror *p, NameSet *s, const char *z){
  char **pSlot;
  char *zCopy = mirDup(p, z);
  if( zCopy==0 ) return;
  pSlot = mirGrow(p, (void**)&s->az, &s->n, sizeof(char*));
  if( pSlot==0 ){ sqlite3_free(zCopy); return; }
  *pSlot = zCopy;
}

static void nameSetClear(NameSet *s){
  int i;
  for(i=0; i<s->n; i++) sqlite3_free(s->az[i]);
  sqlite3_free(s->az);
  memset(s, 0, sizeof(*s));
}

/*
** A generated name: zBase if free, else zBase1, zBase2, ... The name is
** added to the set. zBase is consumed. OUT: caller frees.
*/
static char *mirGenName(Mirror *p, NameSet *s, char *zBase){
  char *zName = zBase;
  int i;
  if( zBase==0 ){ if( p->rc==SQLITE_OK ) p->rc = SQLITE_NOMEM; return 0; }
  for(i=1; nameSetHas(s, zName); i++){
    if( zName!=zBase ) sqlite3_free(zName);
    zName = sqlite3_mprintf("%s%d", zBase, i);
    if( zName==0 ){ p->rc = SQLITE_NOMEM; sqlite3_free(zBase); return 0; }
  }
  if( zName!=zBase ) sqlite3_free(zBase);
  nameSetAdd(p, s, zName);
  return zName;
}

/* "<table>_<c1>_<c2>...<zSuffix>" */
static char *mirColsName(const char *zTable, int n, char *const *az,
                         const char *zSuffix){
  sqlite3_str *s = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendall(s, zTable);
  for(i=0; i<n; i++){
    sqlite3_str_appendchar(s, 1, '_');
    sqlite3_str_appendall(s, az[i] ? az[i] : "");
  }
  sqlite3_str_appendall(s, zSuffix);
  return sqlite3_str_finish(s);
}

/* ------------------------------------------------------- writing: rows */

typedef struct MirWriter MirWriter;
struct MirWriter {
  sqlite3_stmt *pTable;   /* INSERT INTO tables */
  sqlite3_stmt *pColumn;  /* INSERT INTO columns */
  sqlite3_stmt *pCons;    /* INSERT INTO constraints */
  sqlite3_stmt *pIndex;   /* INSERT INTO indexes */
  sqlite3_stmt *pView;    /* INSERT INTO views */
  sqlite3_stmt *pTrigger; /* INSERT INTO triggers */
  sqlite3_stmt *pTStat;   /* INSERT INTO table_stats */
  sqlite3_stmt *pCStat;   /* INSERT INTO column_stats */
};

static void mirWriterOpen(Mirror *p, MirWriter *w){
  sqlite3 *db = p->pOut;
  const char *z = p->zOutDb;
  memset(w, 0, sizeof(*w));
  w->pTable = mirPrepare(p, db, sqlite3_mprintf(
      "INSERT INTO \"%w\".tables(schema, name, kind, options)"
      " VALUES('', ?1, 'table', ?2)", z));
  w->pColumn = mirPrepare(p, db, sqlite3_mprintf(
      "INSERT INTO \"%w\".columns(schema, table_name, name, position,"
      " type_native, type_family, type_length, type_precision, type_scale,"
      " type_tz, type_array, type_unsigned, not_null, default_expr,"
      " default_native, generated_expr, generated_kind, identity, collation)"
      " VALUES('', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
      " ?14, ?15, ?16, ?17, ?18)", z));
  w->pCons = mirPrepare(p, db, sqlite3_mprintf(
      "INSERT INTO \"%w\".constraints(schema, table_name, name, kind,"
      " columns, expression, ref_schema, ref_table, ref_columns, on_update,"
      " on_delete, match_type, is_deferrable, initially_deferred, generated_name)"
      " VALUES('', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
      " ?14)", z));
  w->pIndex = mirPrepare(p, db, sqlite3_mprintf(
      "INSERT INTO \"%w\".indexes(schema, table_name, name, is_unique, method,"
      " keys, predicate, generated_name)"
      " VALUES('', ?1, ?2, ?3, 'btree', ?4, ?5, 0)", z));
  w->pView = mirPrepare(p, db, sqlite3_mprintf(
      "INSERT INTO \"%w\".views(schema, name, kind, definition,"
      " definition_native, depends_on) VALUES('', ?1, 'view', ?2, ?3, ?4)", z));
  w->pTrigger = mirPrepare(p, db, sqlite3_mprintf(
      "INSERT INTO \"%w\".triggers(schema, table_name, name, definition)"
      " VALUES('', ?1, ?2, ?3)", z));
  w->pTStat = mirPrepare(p, db, sqlite3_mprintf(
      "INSERT INTO \"%w\".table_stats(schema, table_name, row_count)"
      " VALUES('', ?1, ?2)", z));
  w->pCStat = mirPrepare(p, db, sqlite3_mprintf(
      "INSERT INTO \"%w\".column_stats(schema, table_name, column_name,"
      " null_count, max_length, duplicate_count) VALUES('', ?1, ?2, ?3, ?4, ?5)", z));
}

static void mirWriterClose(MirWriter *w){
  sqlite3_finalize(w->pTable);
  sqlite3_finalize(w->pColumn);
  sqlite3_finalize(w->pCons);
  sqlite3_finalize(w->pIndex);
  sqlite3_finalize(w->pView);
  sqlite3_finalize(w->pTrigger);
  sqlite3_finalize(w->pTStat);
  sqlite3_finalize(w->pCStat);
  memset(w, 0, sizeof(*w));
}

/* Normalised expression (NULL in, NULL out). OUT: caller frees. */
static char *mirExpr(Mirror *p, const char *z){
  char *zOut;
  if( z==0 || p->rc ) return 0;
  zOut = dfExprNormalise(z);
  if( zOut==0 ) p->rc = SQLITE_NOMEM;
  return zOut;
}

/* True when t's primary key is the rowid (INTEGER PRIMARY KEY). */
static int mirIsRowidAlias(MirObject *t){
  int i, nPk = 0;
  if( t->pDef && t->pDef->bWithoutRowid ) return 0;
  for(i=0; i<t->nCol; i++) if( t->aCol[i].iPk ) nPk++;
  if( nPk!=1 ) return 0;
  for(i=0; i<t->nIdx; i++) if( t->aIdx[i].cOrigin=='p' ) return 0;
  return 1;
}

/* The columns row of every column of t. */
static void mirWriteColumns(Mirror *p, MirWriter *w, MirObject *t){
  int i;
  int bAlias = mirIsRowidAlias(t);
  for(i=0; p->rc==SQLITE_OK && i<t->nCol; i++){
    MirColumn *c = &t->aCol[i];
    DfType ty;
    int bKnown;
    char *zDefault = 0, *zGen = 0;
    const char *zGenKind = 0;
    int k;
    memset(&ty, 0, sizeof(ty));
    bKnown = dfTypeNormalise(p->pOpt->zEngine, c->zType, &ty);
    if( !bKnown && p->pOpt->bStrict ){
      mirError(p, SQLITE_ERROR, "unknown type '%s' for column %s.%s",
               c->zType, t->zName, c->zName);
      break;
    }
    if( ty.zFamily==0 ) ty.zFamily = "other";
    if( c->zDflt ){
      zDefault = dfDefaultNormalise(p->pOpt->zEngine, ty.zFamily, c->zDflt);
    }
    if( c->iHidden==2 || c->iHidden==3 ){
      zGenKind = c->iHidden==2 ? "virtual" : "stored";
      for(k=0; t->pDef && k<t->pDef->nCol; k++){
        if( sqlite3_stricmp(t->pDef->aCol[k].zName, c->zName)==0 ){
          zGen = mirExpr(p, t->pDef->aCol[k].zGenExpr);
        }
      }
    }
    mirInsert(p, w->pColumn, "ssissnnniiiissssss",
        t->zName, c->zName, c->iCid+1, c->zType, ty.zFamily,
        ty.nLength, ty.nPrecision, ty.nScale, ty.bTz, ty.bArray, ty.bUnsigned,
        (c->bNotNull || (bAlias && c->iPk)) ? 1 : 0,
        zDefault, c->zDflt, zGen, zGenKind,
        c->bAutoinc ? "autoincrement" : (const char*)0, c->zColl);
    sqlite3_free(zDefault);
    sqlite3_free(zGen);
  }
}

/* Do the parsed key columns of constraint pc equal the index keys of x? */
static int mirConsMatchesIndex(MirObject *t, DfSqlCons *pc, MirIndex *x,
                               int bCollations){
  int k;
  if( pc->nCol!=x->nKey ) return 0;
  for(k=0; k<x->nKey; k++){
    const char *zColl;
    MirColumn *c;
    if( x->aKey[k].zName==0 || sqlite3_stricmp(pc->azCol[k], x->aKey[k].zName) ) return 0;
    if( !bCollations ) continue;
    c = mirFindColumn(t, x->aKey[k].zName);
    zColl = pc->azColl && pc->azColl[k] ? pc->azColl[k]
          : (c && c->zColl ? c->zColl : "BINARY");
    if( x->aKey[k].zColl && sqlite3_stricmp(zColl, x->aKey[k].zColl) ) return 0;
  }
  return 1;
}

/* Primary key, unique, check and foreign key constraints of t. */
static void mirWriteConstraints(Mirror *p, MirWriter *w, MirObject *t){
  NameSet names;
  DfSqlTable *d = t->pDef;
  int i, k, nPk = 0;
  char **azPk = 0;
  int *aUsed = 0;               /* per parsed constraint: already matched */

  memset(&names, 0, sizeof(names));
  if( d && d->nCons ){
    aUsed = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)d->nCons);
    if( aUsed==0 ){ p->rc = SQLITE_NOMEM; return; }
    memset(aUsed, 0, sizeof(int)*(size_t)d->nCons);
  }
  /* Declared names are taken first. */
  for(i=0; d && i<d->nCons; i++){
    if( d->aCons[i].zName ) nameSetAdd(p, &names, d->aCons[i].zName);
  }

  /* PRIMARY KEY: columns in key order from the pragma. */
  for(i=0; i<t->nCol; i++) if( t->aCol[i].iPk>nPk ) nPk = t->aCol[i].iPk;
  if( nPk>0 && p->rc==SQLITE_OK ){
    const char *zName = 0;
    char *zGen = 0, *zCols;
    azPk = sqlite3_malloc64(sizeof(char*)*(sqlite3_uint64)nPk);
    if( azPk==0 ){ p->rc = SQLITE_NOMEM; goto cleanup; }
    memset(azPk, 0, sizeof(char*)*(size_t)nPk);
    for(i=0; i<t->nCol; i++){
      if( t->aCol[i].iPk>0 ) azPk[t->aCol[i].iPk-1] = t->aCol[i].zName;
    }
    for(i=0; d && i<d->nCons; i++){
      if( d->aCons[i].eKind==DF_CONS_PK ){ zName = d->aCons[i].zName; aUsed[i] = 1; break; }
    }
    if( zName==0 ){
      zGen = mirGenName(p, &names, sqlite3_mprintf("%s_pkey", t->zName));
    }
    zCols = mirJsonArray(p, nPk, azPk);
    mirInsert(p, w->pCons, "sssssssssssiii", t->zName, zName ? zName : zGen,
        "primary key", zCols, (const char*)0, (const char*)0, (const char*)0,
        (const char*)0, (const char*)0, (const char*)0, (const char*)0,
        0, 0, zName ? 0 : 1);
    sqlite3_free(zGen);
    sqlite3_free(zCols);
  }

  /* UNIQUE: the automatic indexes with origin 'u', named from the text. */
  for(i=0; p->rc==SQLITE_OK && i<t->nIdx; i++){
    MirIndex *x = &t->aIdx[i];
    char **azCol;
    char *zCols, *zGen = 0;
    const char *zName = 0;
    int iMatch = -1, pass;
    if( x->cOrigin!='u' ) continue;
    for(pass=1; pass>=0 && iMatch<0; pass--){
      for(k=0; d && k<d->nCons; k++){
        if( d->aCons[k].eKind==DF_CONS_UNIQUE && !aUsed[k]
         && mirConsMatchesIndex(t, &d->aCons[k], x, pass) ){
          iMatch = k;
          break;
        }
      }
    }
    if( iMatch>=0 ){ aUsed[iMatch] = 1; zName = d->aCons[iMatch].zName; }
    azCol = sqlite3_malloc64(sizeof(char*)*(sqlite3_uint64)(x->nKey+1));
    if( azCol==0 ){ p->rc = SQLITE_NOMEM; break; }
    for(k=0; k<x->nKey; k++) azCol[k] = x->aKey[k].zName;
    if( zName==0 ){
      zGen = mirGenName(p, &names, mirColsName(t->zName, x->nKey, azCol, "_key"));
    }
    zCols = mirJsonArray(p, x->nKey, azCol);
    mirInsert(p, w->pCons, "sssssssssssiii", t->zName, zName ? zName : zGen,
        "unique", zCols, (const char*)0, (const char*)0, (const char*)0,
        (const char*)0, (const char*)0, (const char*)0, (const char*)0,
        0, 0, zName ? 0 : 1);
    sqlite3_free(azCol);
    sqlite3_free(zCols);
    sqlite3_free(zGen);
  }

  /* CHECK: in order of appearance in the CREATE text. */
  for(i=0; p->rc==SQLITE_OK && d && i<d->nCons; i++){
    DfSqlCons *pc = &d->aCons[i];
    char *zGen = 0, *zExpr;
    if( pc->eKind!=DF_CONS_CHECK ) continue;
    if( pc->zName==0 ){
      zGen = mirGenName(p, &names, sqlite3_mprintf("%s_check", t->zName));
    }
    zExpr = mirExpr(p, pc->zExpr);
    mirInsert(p, w->pCons, "sssssssssssiii", t->zName, pc->zName ? pc->zName : zGen,
        "check", (const char*)0, zExpr, (const char*)0, (const char*)0,
        (const char*)0, (const char*)0, (const char*)0, (const char*)0,
        0, 0, pc->zName ? 0 : 1);
    sqlite3_free(zGen);
    sqlite3_free(zExpr);
  }

  /* FOREIGN KEY: pragma rows; name and deferrability from the text. The
  ** pragma numbers foreign keys in reverse order of declaration. */
  {
    int nParsed = 0;
    int *aFkCons = 0;            /* parsed FK constraints, in declaration order */
    for(i=0; d && i<d->nCons; i++) if( d->aCons[i].eKind==DF_CONS_FK ) nParsed++;
    if( nParsed ){
      aFkCons = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)nParsed);
      if( aFkCons==0 ){ p->rc = SQLITE_NOMEM; goto cleanup; }
      for(i=0, k=0; i<d->nCons; i++) if( d->aCons[i].eKind==DF_CONS_FK ) aFkCons[k++] = i;
    }
    for(i=0; p->rc==SQLITE_OK && i<t->nFk; i++){
      MirFk *f = &t->aFk[i];
      MirObject *pRef = mirFindTable(p, f->zTable);
      DfSqlCons *pc = 0;
      char **azFrom = 0, **azTo = 0;
      char *zCols = 0, *zRefCols = 0, *zGen = 0;
      const char *zOnUpdate, *zOnDelete, *zMatch;
      int nTo = f->nCol, bOmitted = 1;

      /* The parsed constraint: by position, checked by content. */
      if( nParsed==t->nFk ){
        int j = aFkCons[nParsed-1-i];
        if( !aUsed[j] ) pc = &d->aCons[j];
      }
      for(k=0; pc==0 && k<nParsed; k++){
        if( !aUsed[aFkCons[k]] ) pc = &d->aCons[aFkCons[k]];
      }
      if( pc ){
        int bSame = pc->nCol==f->nCol && pc->zRefTable
                 && sqlite3_stricmp(pc->zRefTable, f->zTable)==0;
        for(k=0; bSame && k<f->nCol; k++){
          if( sqlite3_stricmp(pc->azCol[k], f->azFrom[k]) ) bSame = 0;
        }
        if( !bSame ) pc = 0;
      }
      if( pc ) aUsed[pc - d->aCons] = 1;

      azFrom = sqlite3_malloc64(sizeof(char*)*(sqlite3_uint64)(f->nCol+1));
      azTo = sqlite3_malloc64(sizeof(char*)*(sqlite3_uint64)(f->nCol+1));
      if( azFrom==0 || azTo==0 ){
        sqlite3_free(azFrom); sqlite3_free(azTo);
        p->rc = SQLITE_NOMEM;
        break;
      }
      for(k=0; k<f->nCol; k++){
        azFrom[k] = (char*)mirColumnName(t, f->azFrom[k]);
        azTo[k] = f->azTo[k] ? (char*)mirColumnName(pRef, f->azTo[k]) : 0;
        if( f->azTo[k] ) bOmitted = 0;
      }
      if( bOmitted ){
        /* REFERENCES t without columns: the target's primary key. */
        nTo = 0;
        if( pRef ){
          int iPk, nRefPk = 0;
          for(k=0; k<pRef->nCol; k++) if( pRef->aCol[k].iPk ) nRefPk++;
          for(iPk=1; nRefPk==f->nCol && iPk<=f->nCol; iPk++){
            for(k=0; k<pRef->nCol; k++){
              if( pRef->aCol[k].iPk==iPk ){ azTo[nTo++] = pRef->aCol[k].zName; break; }
            }
          }
          if( nTo!=f->nCol ) nTo = 0;
        }
      }
      zCols = mirJsonArray(p, f->nCol, azFrom);
      zRefCols = nTo ? mirJsonArray(p, nTo, azTo) : 0;
      if( pc==0 || pc->zName==0 ){
        zGen = mirGenName(p, &names, mirColsName(t->zName, f->nCol, azFrom, "_fkey"));
      }
      zOnUpdate = f->zOnUpdate && sqlite3_stricmp(f->zOnUpdate, "NO ACTION") ? f->zOnUpdate : 0;
      zOnDelete = f->zOnDelete && sqlite3_stricmp(f->zOnDelete, "NO ACTION") ? f->zOnDelete : 0;
      zMatch = f->zMatch && sqlite3_stricmp(f->zMatch, "NONE") ? f->zMatch : 0;
      mirInsert(p, w->pCons, "sssssssssssiii", t->zName,
          zGen ? zGen : (pc ? pc->zName : (const char*)0), "foreign key", zCols, (const char*)0, "",
          pRef ? pRef->zName : f->zTable, zRefCols, zOnUpdate, zOnDelete, zMatch,
          pc ? pc->bDeferrable : 0, pc ? pc->bInitDeferred : 0, zGen ? 1 : 0);
      sqlite3_free(azFrom);
      sqlite3_free(azTo);
      sqlite3_free(zCols);
      sqlite3_free(zRefCols);
      sqlite3_free(zGen);
    }
    sqlite3_free(aFkCons);
  }

cleanup:
  sqlite3_free(azPk);
  sqlite3_free(aUsed);
  nameSetClear(&names);
}

/* The CREATE INDEX text of index zName (from query 1), or NULL. */
static const char *mirIndexSql(Mirror *p, const char *zName){
  /* Query 1 orders the objects after the tables by name (names are unique
  ** across a SQLite schema), so a binary search finds it: a linear scan
  ** here made mirroring quadratic in the number of indexes. */
  int lo = p->nTab, hi = p->nObj-1;
  while( lo<=hi ){
    int mid = (lo+hi)/2;
    int c = strcmp(p->aObj[mid].zName, zName);
    if( c==0 ) return p->aObj[mid].cType=='i' ? p->aObj[mid].zSql : 0;
    if( c<0 ) lo = mid+1; else hi = mid-1;
  }
  return 0;
}

/* Explicit indexes (CREATE INDEX) of t. */
static void mirWriteIndexes(Mirror *p, MirWriter *w, MirObject *t){
  int i, k;
  for(i=0; p->rc==SQLITE_OK && i<t->nIdx; i++){
    MirIndex *x = &t->aIdx[i];
    DfSqlIndex *pDef = 0;
    const char *zSql;
    char *zErr = 0, *zKeys, *zPred = 0;
    sqlite3_str *s;
    if( x->cOrigin!='c' || dfIsOwnObject(x->zName) ) continue;
    zSql = mirIndexSql(p, x->zName);
    if( dfSqlParseCreateIndex(zSql ? zSql : "", &pDef, &zErr)!=SQLITE_OK ){
      mirError(p, SQLITE_ERROR, "cannot read the definition of index '%s': %s",
               x->zName, zErr ? zErr : "out of memory");
      sqlite3_free(zErr);
      break;
    }
    s = sqlite3_str_new(0);
    sqlite3_str_appendchar(s, 1, '[');
    for(k=0; k<x->nKey; k++){
      MirKey *key = &x->aKey[k];
      const char *zDefault = "BINARY";
      if( k ) sqlite3_str_appendchar(s, 1, ',');
      if( key->iCid>=0 ){
        MirColumn *c = mirFindColumn(t, key->zName);
        sqlite3_str_appendall(s, "{\"column\":");
        dfJsonAppendString(s, c ? c->zName : key->zName);
        if( c && c->zColl ) zDefault = c->zColl;
      }else if( key->iCid==-1 ){
        sqlite3_str_appendall(s, "{\"column\":\"rowid\"");
      }else{
        char *zExpr = mirExpr(p, k<pDef->nKey ? pDef->aKey[k].zExpr : "?");
        sqlite3_str_appendall(s, "{\"expr\":");
        dfJsonAppendString(s, zExpr);
        sqlite3_free(zExpr);
      }
      if( key->bDesc ) sqlite3_str_appendall(s, ",\"desc\":1");
      if( key->zColl && sqlite3_stricmp(key->zColl, zDefault)!=0 ){
        char *zLow = mirLower(p, key->zColl);
        sqlite3_str_appendall(s, ",\"collate\":");
        dfJsonAppendString(s, zLow);
        sqlite3_free(zLow);
      }
      sqlite3_str_appendchar(s, 1, '}');
    }
    sqlite3_str_appendchar(s, 1, ']');
    zKeys = sqlite3_str_finish(s);
    if( zKeys==0 && p->rc==SQLITE_OK ) p->rc = SQLITE_NOMEM;
    if( x->bPartial ) zPred = mirExpr(p, pDef->zWhere);
    mirInsert(p, w->pIndex, "ssiss", t->zName, x->zName, x->bUnique, zKeys, zPred);
    sqlite3_free(zKeys);
    sqlite3_free(zPred);
    dfSqlIndexFree(pDef);
  }
}

static int mirCmpStr(const void *a, const void *b){
  return strcmp(*(char *const*)a, *(char *const*)b);
}

/* A view: normalised body, native text, sorted dependencies. */
static void mirWriteView(Mirror *p, MirWriter *w, MirObject *v){
  int iBody = dfSqlViewBody(v->zSql ? v->zSql : "");
  char **azSrc = 0, **azDep = 0;
  int nSrc, nDep = 0, i, k;
  char *zDef, *zDeps;
  if( iBody<0 ){
    mirError(p, SQLITE_ERROR, "cannot read the definition of view '%s'", v->zName);
    return;
  }
  nSrc = dfSqlSelectSources(&v->zSql[iBody], &azSrc);
  if( nSrc<0 ){ p->rc = SQLITE_NOMEM; return; }
  azDep = sqlite3_malloc64(sizeof(char*)*(sqlite3_uint64)(nSrc+1));
  if( azDep==0 ) p->rc = SQLITE_NOMEM;
  for(i=0; p->rc==SQLITE_OK && i<nSrc; i++){
    const char *zName = mirFindRelation(p, azSrc[i]);
    int bDup = 0;
    if( zName==0 || strcmp(zName, v->zName)==0 ) continue;
    for(k=0; k<nDep; k++) if( strcmp(azDep[k], zName)==0 ) bDup = 1;
    if( !bDup ) azDep[nDep++] = (char*)zName;
  }
  if( nDep>1 ) qsort(azDep, (size_t)nDep, sizeof(char*), mirCmpStr);
  zDeps = mirJsonArray(p, nDep, azDep);
  zDef = mirExpr(p, &v->zSql[iBody]);
  mirInsert(p, w->pView, "ssss", v->zName, zDef, v->zSql, zDeps);
  sqlite3_free(zDef);
  sqlite3_free(zDeps);
  sqlite3_free(azDep);
  for(i=0; i<nSrc; i++) sqlite3_free(azSrc[i]);
  sqlite3_free(azSrc);
}

/* Statistics of t: one aggregate query over its rows. */
static void mirWriteStats(Mirror *p, MirWriter *w, MirObject *t){
  sqlite3_str *s;
  sqlite3_stmt *pStmt;
  char *zSql;
  int i, rcStep;
  if( p->rc ) return;
  s = sqlite3_str_new(0);
  sqlite3_str_appendall(s, "SELECT count(*)");
  for(i=0; i<t->nCol; i++){
    const char *z = t->aCol[i].zName;
    sqlite3_str_appendf(s, ", count(*)-count(\"%w\"), max(length(\"%w\")),"
        " count(\"%w\")-count(DISTINCT \"%w\")", z, z, z, z);
  }
  sqlite3_str_appendf(s, " FROM \"%w\".\"%w\"", p->zSrcDb, t->zName);
  zSql = sqlite3_str_finish(s);
  pStmt = mirPrepare(p, p->pSrc, zSql);
  if( p->rc ) return;
  rcStep = sqlite3_step(pStmt);
  if( rcStep==SQLITE_ROW ){
    mirInsert(p, w->pTStat, "sl", t->zName, sqlite3_column_int64(pStmt, 0));
    for(i=0; p->rc==SQLITE_OK && i<t->nCol; i++){
      int j = 1 + i*3;
      sqlite3_int64 nMax = sqlite3_column_type(pStmt, j+1)==SQLITE_NULL ? -1
                         : sqlite3_column_int64(pStmt, j+1);
      mirInsert(p, w->pCStat, "sslll", t->zName, t->aCol[i].zName,
          sqlite3_column_int64(pStmt, j), nMax, sqlite3_column_int64(pStmt, j+2));
    }
  }
  mirFinalize(p, p->pSrc, pStmt, rcStep);
}

/* ------------------------------------------------------------ public */

int dfMirrorSqlite(sqlite3 *pSrc, const char *zSrcDb,
                   sqlite3 *pOut, const char *zOutDb,
                   const DfMirrorOptions *pOpt, char **pzErr){
  Mirror m;
  MirWriter w;
  int i, bSavepoint = 0;
  char *zTakenAt = 0;

  memset(&m, 0, sizeof(m));
  memset(&w, 0, sizeof(w));
  m.pSrc = pSrc;
  m.zSrcDb = zSrcDb ? zSrcDb : "main";
  m.pOut = pOut;
  m.zOutDb = zOutDb ? zOutDb : "main";
  m.pOpt = pOpt;

  /* Read the source in one read transaction when we can open one, so
  ** that the four queries see the same schema. */
  if( sqlite3_get_autocommit(pSrc) ){
    if( sqlite3_exec(pSrc, "SAVEPOINT dataflow_mirror", 0, 0, 0)==SQLITE_OK ){
      bSavepoint = 1;
    }
  }
  mirReadObjects(&m);
  mirReadColumns(&m);
  mirReadIndexes(&m);
  mirReadForeignKeys(&m);

  /* Write the catalog in one transaction of the snapshot. */
  if( m.rc==SQLITE_OK && sqlite3_exec(pOut, "SAVEPOINT dataflow_mirror", 0, 0, 0) ){
    mirError(&m, sqlite3_errcode(pOut), "cannot write snapshot: %s", sqlite3_errmsg(pOut));
  }
  mirWriterOpen(&m, &w);
  for(i=0; m.rc==SQLITE_OK && i<m.nTab; i++){
    MirObject *t = &m.aObj[i];
    char *zOpt = 0;
    if( t->pDef && (t->pDef->bWithoutRowid || t->pDef->bStrict) ){
      zOpt = sqlite3_mprintf("{%s%s%s}",
          t->pDef->bWithoutRowid ? "\"without_rowid\":1" : "",
          t->pDef->bWithoutRowid && t->pDef->bStrict ? "," : "",
          t->pDef->bStrict ? "\"strict\":1" : "");
      if( zOpt==0 ) m.rc = SQLITE_NOMEM;
    }
    mirInsert(&m, w.pTable, "ss", t->zName, zOpt);
    sqlite3_free(zOpt);
    mirWriteColumns(&m, &w, t);
    mirWriteConstraints(&m, &w, t);
    mirWriteIndexes(&m, &w, t);
    if( pOpt->bStats ) mirWriteStats(&m, &w, t);
  }
  for(i=m.nTab; m.rc==SQLITE_OK && i<m.nObj; i++){
    MirObject *o = &m.aObj[i];
    if( o->cType=='v' ){
      mirWriteView(&m, &w, o);
    }else if( o->cType=='r' ){
      const char *zOn = mirFindRelation(&m, o->zTbl);
      if( zOn==0 ) continue;     /* on a skipped (virtual) table */
      mirInsert(&m, w.pTrigger, "sss", zOn, o->zName, o->zSql);
    }
  }
  mirWriterClose(&w);

  /* meta, then fingerprints and the checksum. */
  if( m.rc==SQLITE_OK ){
    sqlite3_stmt *pNow = mirPrepare(&m, pOut,
        sqlite3_mprintf("SELECT strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now')"));
    if( pNow && sqlite3_step(pNow)==SQLITE_ROW ) zTakenAt = mirColText(&m, pNow, 0);
    sqlite3_finalize(pNow);
  }
  if( m.rc==SQLITE_OK ){
    const char *zSource = pOpt->zSource;
    if( zSource==0 || zSource[0]==0 ){
      zSource = sqlite3_db_filename(pSrc, m.zSrcDb);
      if( zSource==0 || zSource[0]==0 ) zSource = ":memory:";
    }
    if( dfMetaSet(pOut, m.zOutDb, "engine", pOpt->zEngine)
     || dfMetaSet(pOut, m.zOutDb, "server_version", sqlite3_libversion())
     || dfMetaSet(pOut, m.zOutDb, "source", zSource)
     || dfMetaSet(pOut, m.zOutDb, "taken_at", zTakenAt)
     || dfMetaSet(pOut, m.zOutDb, "default_schema", m.zSrcDb) ){
      mirError(&m, sqlite3_errcode(pOut), "cannot write snapshot meta: %s",
               sqlite3_errmsg(pOut));
    }
  }
  if( m.rc==SQLITE_OK ){
    char *zErr = 0;
    int rc = dfCatalogFinish(pOut, m.zOutDb, &zErr);
    if( rc ) mirError(&m, rc, "%s", zErr ? zErr : "cannot finish the snapshot");
    sqlite3_free(zErr);
  }
  if( m.rc==SQLITE_OK ){
    if( sqlite3_exec(pOut, "RELEASE dataflow_mirror", 0, 0, 0) ){
      mirError(&m, sqlite3_errcode(pOut), "cannot write snapshot: %s",
               sqlite3_errmsg(pOut));
    }
  }
  if( m.rc!=SQLITE_OK && sqlite3_get_autocommit(pOut)==0 ){
    sqlite3_exec(pOut, "ROLLBACK TO dataflow_mirror; RELEASE dataflow_mirror", 0, 0, 0);
  }
  if( bSavepoint ) sqlite3_exec(pSrc, "RELEASE dataflow_mirror", 0, 0, 0);

  sqlite3_free(zTakenAt);
  mirClear(&m);
  if( m.rc!=SQLITE_OK && pzErr ){
    *pzErr = m.zErr ? m.zErr : sqlite3_mprintf("out of memory");
    m.zErr = 0;
  }
  sqlite3_free(m.zErr);
  return m.rc;
}

/* ------------------------------------------------------ snapshot files */

/*
** Is the existing file zPath something we may replace? Yes when it is
** empty or a DataFlow snapshot (a SQLite database with meta.format_version).
*/
int dfSnapshotCheckTarget(const char *zPath, char **pzErr){
  struct stat st;
  sqlite3 *db = 0;
  sqlite3_stmt *pStmt = 0;
  int bOk = 0;
  if( stat(zPath, &st)!=0 ){
    if( errno==ENOENT ) return SQLITE_OK;
    *pzErr = sqlite3_mprintf("cannot write '%s': %s", zPath, strerror(errno));
    return SQLITE_CANTOPEN;
  }
  if( S_ISDIR(st.st_mode) ){
    *pzErr = sqlite3_mprintf("cannot write '%s': is a directory", zPath);
    return SQLITE_CANTOPEN;
  }
  if( st.st_size==0 ) return SQLITE_OK;
  if( sqlite3_open_v2(zPath, &db, SQLITE_OPEN_READONLY, 0)==SQLITE_OK
   && sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key='format_version'",
                         -1, &pStmt, 0)==SQLITE_OK
   && sqlite3_step(pStmt)==SQLITE_ROW ){
    bOk = 1;
  }
  sqlite3_finalize(pStmt);
  sqlite3_close(db);
  if( !bOk ){
    *pzErr = sqlite3_mprintf("refusing to overwrite '%s': not a DataFlow snapshot",
                             zPath);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

int dfSnapshotSync(const char *zPath){
  int fd = open(zPath, O_RDONLY);
  int rc;
  if( fd<0 ) return SQLITE_IOERR;
  rc = fsync(fd)==0 ? SQLITE_OK : SQLITE_IOERR_FSYNC;
  close(fd);
  return rc;
}

int dfSnapshotCreate(const char *zPath, sqlite3 **ppOut, char **pzErr){
  sqlite3 *db = 0;
  int rc;
  char *zMsg = 0;
  *ppOut = 0;
  rc = dfSnapshotCheckTarget(zPath, pzErr);
  if( rc ) return rc;
  /* Replace: a snapshot is rewritten whole, never merged. */
  if( remove(zPath)!=0 && errno!=ENOENT ){
    *pzErr = sqlite3_mprintf("cannot replace '%s': %s", zPath, strerror(errno));
    return SQLITE_CANTOPEN;
  }
  {
    static const char *azSide[] = { "-journal", "-wal", "-shm" };
    unsigned k;
    for(k=0; k<sizeof(azSide)/sizeof(azSide[0]); k++){
      char *z = sqlite3_mprintf("%s%s", zPath, azSide[k]);
      if( z ) remove(z);
      sqlite3_free(z);
    }
  }
  rc = sqlite3_open_v2(zPath, &db, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE, 0);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("cannot create '%s': %s", zPath,
                             db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return rc;
  }
  /* A snapshot is built whole and thrown away on any failure, so it needs
  ** no rollback journal on disk and no fsync per transaction: those waits
  ** cost more than building it. dfSnapshotSync() makes the finished file
  ** durable once, before it is renamed into place. And it is written in
  ** one transaction: with the default 2 MB page cache, a snapshot of a
  ** few thousand tables (7 MB at 5,000) spills pages to the file and
  ** reads them back while it is built; up to 64 MB are kept in memory. */
  sqlite3_exec(db, "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
                   " PRAGMA cache_size=-65536", 0, 0, 0);
  rc = dfCatalogCreateSchema(db, "main", &zMsg);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("cannot create '%s': %s", zPath, zMsg ? zMsg : "?");
    sqlite3_free(zMsg);
    sqlite3_close(db);
    remove(zPath);
    return rc;
  }
  *ppOut = db;
  return SQLITE_OK;
}
