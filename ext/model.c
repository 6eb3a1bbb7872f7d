/*
** model.c — load a portable model (DDL in SQLite syntax) into a snapshot.
**
** Usage (SQL, see fn_snapshot.c):
**
**   SELECT dataflow_model('model.sql', 'model.snapshot');        -- checksum
**   SELECT dataflow_model('model.sql', 'model.snapshot', 1);     -- strict types
**
** From C:
**
**   rc = dfModelLoad(zText, "model.sql", bStrict, pOut, "main", &zErr);
**   // zErr: "model.sql:12: no such table: users (in: CREATE INDEX u_i ON users(a))"
**
** HOW IT WORKS
**
** The model is executed, statement by statement, by SQLite itself in a
** private in-memory database: SQLite is the parser, so a model means
** exactly what SQLite makes of it, and the in-memory database is then
** mirrored by dfMirrorSqlite() with engine "model" (the portable type
** vocabulary of types.c). Statements are split with sqlite3_prepare_v2()
** and its tail pointer; the line of each statement is counted as we go, and
** a prepare error is placed on the line of sqlite3_error_offset() when
** SQLite reports one.
**
** A model declares a schema, so only schema statements run: CREATE, DROP
** and ALTER, transaction control and a few harmless pragmas (as found at
** the top of dumps). Anything that reads or writes data (INSERT, UPDATE,
** DELETE, SELECT, ...) or reaches outside the private database (ATTACH,
** VACUUM INTO, most pragmas) is refused with the line and statement.
** TEMP objects and virtual tables are refused too: they would not be part
** of the mirrored schema. The private connection also runs with
** SQLITE_DBCONFIG_DEFENSIVE and no attachable databases.
**
** Strict mode checks every column type against the portable vocabulary
** right after the CREATE TABLE or ALTER TABLE that declared it, so the
** error names the line of the column definition.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "snapshot.h"
#include "sqlparse.h"
#include "types.h"

/* The portable vocabulary, for messages (types.c holds the rules). */
#define DF_MODEL_TYPES "INTEGER, BIGINT, SMALLINT, TEXT, VARCHAR(n), BOOLEAN," \
  " REAL, DOUBLE, NUMERIC(p,s), DATE, TIME, TIMESTAMP, TIMESTAMPTZ, JSON, BLOB, UUID"

/* Longest statement excerpt quoted in a message, in bytes. */
#define DF_MODEL_EXCERPT 60

/* Pragmas a model may contain: settings of the private database only. */
static const char *azModelPragma[] = {
  "foreign_keys", "defer_foreign_keys", "legacy_alter_table",
  "recursive_triggers", "encoding", "user_version", "application_id",
  "journal_mode", "synchronous", "page_size", "auto_vacuum"
};

/* Line (1-based) of byte offset iOff of z. */
static int modelLine(const char *z, int iOff){
  int i, n = 1;
  for(i=0; i<iOff && z[i]; i++) if( z[i]=='\n' ) n++;
  return n;
}

/*
** The first DF_MODEL_EXCERPT bytes of the statement at z (up to nMax
** bytes), whitespace folded, "..." when cut. OUT: caller frees.
*/
static char *modelExcerpt(const char *z, int nMax){
  sqlite3_str *s = sqlite3_str_new(0);
  int i, nOut = 0, bSpace = 0;
  /* Without the statement's own ';' and trailing space. */
  while( nMax>0 && (z[nMax-1]==';' || z[nMax-1]==' ' || z[nMax-1]=='\n'
                    || z[nMax-1]=='\t' || z[nMax-1]=='\r') ) nMax--;
  for(i=0; i<nMax && z[i]; i++){
    unsigned char c = (unsigned char)z[i];
    if( c==' ' || c=='\t' || c=='\n' || c=='\r' || c=='\f' || c=='\v' ){
      bSpace = 1;
      continue;
    }
    /* Do not cut inside a UTF-8 sequence: stop only before a lead byte. */
    if( nOut>=DF_MODEL_EXCERPT && (c & 0xC0)!=0x80 ){
      sqlite3_str_appendall(s, "...");
      break;
    }
    if( bSpace && nOut>0 ){ sqlite3_str_appendchar(s, 1, ' '); nOut++; }
    bSpace = 0;
    sqlite3_str_appendchar(s, 1, (char)c);
    nOut++;
  }
  return sqlite3_str_finish(s);
}

/*
** Length of the statement starting at z: up to and including the first ';'
** that completes it (sqlite3_complete() knows about trigger bodies), or
** the rest of the text.
*/
static int modelStatementLength(const char *z){
  int i = 0, n, eType;
  while( (n = dfSqlToken(&z[i], &eType))>0 ){
    i += n;
    if( eType==DF_TK_PUNCT && z[i-1]==';' ){
      char *zPrefix = sqlite3_mprintf("%.*s", i, z);
      int bComplete = zPrefix ? sqlite3_complete(zPrefix) : 1;
      sqlite3_free(zPrefix);
      if( bComplete ) break;
    }
  }
  return i;
}

/* Is the token at z (length n) the keyword zKw? */
static int modelIsKw(const char *z, int n, const char *zKw){
  return (int)strlen(zKw)==n && sqlite3_strnicmp(z, zKw, n)==0;
}

/*
** Classify the statement starting at z. Returns NULL when it may run, or
** a message (OUT: caller frees) saying why not. *peKind gets 1 for CREATE
** TABLE, 2 for ALTER TABLE, 0 otherwise.
*/
static char *modelRefuse(const char *z, int *peKind){
  int eType, n, i = 0;
  const char *zKw;
  *peKind = 0;
  n = dfSqlToken(z, &eType);
  if( eType!=DF_TK_ID ) return 0;           /* ";" or garbage: SQLite decides */
  zKw = z;
  if( modelIsKw(zKw, n, "CREATE") ){
    i = n + dfSqlSkipSpace(&z[n]);
    n = dfSqlToken(&z[i], &eType);
    if( modelIsKw(&z[i], n, "TEMP") || modelIsKw(&z[i], n, "TEMPORARY") ){
      return sqlite3_mprintf("temporary objects are not part of a model");
    }
    if( modelIsKw(&z[i], n, "VIRTUAL") ){
      return sqlite3_mprintf("virtual tables are not supported in a model");
    }
    if( modelIsKw(&z[i], n, "TABLE") ) *peKind = 1;
    return 0;
  }
  if( modelIsKw(zKw, n, "ALTER") ){ *peKind = 2; return 0; }
  if( modelIsKw(zKw, n, "DROP") || modelIsKw(zKw, n, "BEGIN")
   || modelIsKw(zKw, n, "COMMIT") || modelIsKw(zKw, n, "END")
   || modelIsKw(zKw, n, "SAVEPOINT") || modelIsKw(zKw, n, "RELEASE")
   || modelIsKw(zKw, n, "ROLLBACK") ){
    return 0;
  }
  if( modelIsKw(zKw, n, "PRAGMA") ){
    unsigned k;
    int iName = n + dfSqlSkipSpace(&z[n]);
    int nName = dfSqlToken(&z[iName], &eType);
    /* "PRAGMA main.x": the pragma name follows the schema. */
    if( z[iName+nName]=='.' ){
      iName += nName + 1;
      nName = dfSqlToken(&z[iName], &eType);
    }
    for(k=0; k<sizeof(azModelPragma)/sizeof(azModelPragma[0]); k++){
      if( modelIsKw(&z[iName], nName, azModelPragma[k]) ) return 0;
    }
    return sqlite3_mprintf("PRAGMA %.*s is not allowed in a model", nName, &z[iName]);
  }
  return sqlite3_mprintf("a model holds only DDL (CREATE, DROP, ALTER);"
                         " %.*s statements are not allowed", n, zKw);
}

/*
** Strict mode: every column of table zTable in db must have a portable
** type. zStmt/iLine locate the statement; pDef (may be NULL) gives the
** offset of each column definition in zStmt for a precise line.
** Returns NULL or an error message (OUT: caller frees) without the prefix.
*/
static char *modelCheckTypes(sqlite3 *db, const char *zTable,
                             const char *zStmt, int iLine,
                             const DfSqlTable *pDef, int *piLine){
  sqlite3_stmt *pStmt = 0;
  char *zMsg = 0;
  *piLine = iLine;
  if( sqlite3_prepare_v2(db,
        "SELECT name, type FROM pragma_table_xinfo(?1, 'main') ORDER BY cid",
        -1, &pStmt, 0)!=SQLITE_OK ){
    return sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
  while( zMsg==0 && sqlite3_step(pStmt)==SQLITE_ROW ){
    const char *zCol = (const char*)sqlite3_column_text(pStmt, 0);
    const char *zType = (const char*)sqlite3_column_text(pStmt, 1);
    DfType ty;
    if( zType==0 ) zType = "";
    if( dfTypeNormalise("model", zType, &ty) ) continue;
    if( pDef ){
      int k;
      for(k=0; k<pDef->nCol; k++){
        if( sqlite3_stricmp(pDef->aCol[k].zName, zCol)==0 ){
          *piLine = iLine + modelLine(zStmt, pDef->aCol[k].iOffset) - 1;
        }
      }
    }
    if( zType[0]==0 ){
      zMsg = sqlite3_mprintf("column %s.%s has no type; use one of %s",
                             zTable, zCol, DF_MODEL_TYPES);
    }else{
      zMsg = sqlite3_mprintf("unknown type '%s' for column %s.%s; use one of %s",
                             zType, zTable, zCol, DF_MODEL_TYPES);
    }
  }
  sqlite3_finalize(pStmt);
  return zMsg;
}

/* Name of the table an "ALTER TABLE [schema.]name ..." works on. OUT: caller frees. */
static char *modelAlterTable(const char *z){
  int eType, n, i = 0, j, k;
  for(k=0; k<2; k++){                       /* ALTER, TABLE */
    i += dfSqlSkipSpace(&z[i]);
    i += dfSqlToken(&z[i], &eType);
  }
  i += dfSqlSkipSpace(&z[i]);
  n = dfSqlToken(&z[i], &eType);
  j = i + n + dfSqlSkipSpace(&z[i+n]);
  if( z[j]=='.' ){                          /* schema . name */
    i = j + 1 + dfSqlSkipSpace(&z[j+1]);
    n = dfSqlToken(&z[i], &eType);
  }
  return dfSqlIdentValue(&z[i], n);
}

int dfModelLoad(const char *zSql, const char *zFilename, int bStrict,
                sqlite3 *pOut, const char *zOutDb, char **pzErr){
  sqlite3 *db = 0;
  sqlite3_stmt *pStmt = 0;
  const char *zTail;
  char *zMsg = 0;               /* error, without the "FILE:LINE: " prefix */
  char *zIn = 0;                /* excerpt of the failing statement */
  int iLine = 1;                /* line of the failing statement */
  int iLinePrev = 1;            /* line on which zPrev starts */
  const char *zPrev;            /* start of the previous statement */
  int rc;
  DfMirrorOptions opt;

  if( zFilename==0 ) zFilename = "model";
  rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE, 0);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("%s: cannot open a private database: %s", zFilename,
                             db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return rc;
  }
  /* The model is untrusted text: nothing reaches outside this database. */
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int*)0);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int*)0);
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);

  zTail = zSql ? zSql : "";
  zPrev = zTail;
  while( rc==SQLITE_OK ){
    const char *zStart = zTail + dfSqlSkipSpace(zTail);
    int eKind = 0;
    DfSqlTable *pDef = 0;
    if( *zStart==0 ) break;
    /* Count lines from where the previous statement started, not from the
    ** top of the file: counting from the top made loading quadratic. */
    iLine = iLinePrev + modelLine(zPrev, (int)(zStart - zPrev)) - 1;
    iLinePrev = iLine;
    zPrev = zStart;

    zMsg = modelRefuse(zStart, &eKind);
    if( zMsg ){
      rc = SQLITE_ERROR;
      zIn = modelExcerpt(zStart, modelStatementLength(zStart));
      break;
    }
    rc = sqlite3_prepare_v2(db, zStart, -1, &pStmt, &zTail);
    if( rc!=SQLITE_OK ){
      int iErr = sqlite3_error_offset(db);
      zMsg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
      if( iErr>0 ) iLine += modelLine(zStart, iErr) - 1;
      zIn = modelExcerpt(zStart, modelStatementLength(zStart));
      break;
    }
    if( pStmt==0 ) continue;                /* only a ';' or a comment */
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){}
    rc = rc==SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    sqlite3_finalize(pStmt);
    pStmt = 0;
    if( rc!=SQLITE_OK ){
      zMsg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
      zIn = modelExcerpt(zStart, (int)(zTail - zStart));
      break;
    }

    /* Strict: the columns this statement declared must have portable types. */
    if( bStrict && eKind ){
      char *zTable = 0;
      int iColLine = iLine;
      if( eKind==1 ){
        char *zIgnored = 0;
        char *zText = sqlite3_mprintf("%.*s", (int)(zTail - zStart), zStart);
        if( zText && dfSqlParseCreateTable(zText, &pDef, &zIgnored)==SQLITE_OK ){
          zTable = sqlite3_mprintf("%s", pDef->zName);
        }
        sqlite3_free(zIgnored);
        sqlite3_free(zText);
      }else{
        zTable = modelAlterTable(zStart);
      }
      if( zTable ){
        zMsg = modelCheckTypes(db, zTable, zStart, iLine, pDef, &iColLine);
        if( zMsg ){
          rc = SQLITE_ERROR;
          iLine = iColLine;
          zIn = modelExcerpt(zStart, (int)(zTail - zStart));
        }
      }
      sqlite3_free(zTable);
      dfSqlTableFree(pDef);
    }
  }

  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("%s:%d: %s (in: %s)", zFilename, iLine,
                             zMsg ? zMsg : "out of memory", zIn ? zIn : "");
  }else{
    char *zErr = 0;
    memset(&opt, 0, sizeof(opt));
    opt.zEngine = "model";
    opt.zSource = zFilename;
    opt.bStrict = bStrict;
    rc = dfMirrorSqlite(db, "main", pOut, zOutDb, &opt, &zErr);
    if( rc!=SQLITE_OK ){
      *pzErr = sqlite3_mprintf("%s: %s", zFilename, zErr ? zErr : "out of memory");
    }
    sqlite3_free(zErr);
  }
  sqlite3_free(zMsg);
  sqlite3_free(zIn);
  sqlite3_close(db);
  return rc;
}
