/*
** engine_pg.c — the PostgreSQL adapter of the `dataflow` command (libpq).
**
** Usage (URLs the adapter accepts, with libpq's own rules):
**
**   dataflow mirror postgresql://app:secret@db.example.com/shop -o shop.snapshot
**   dataflow mirror postgres:///shop --schema public --schema billing -o s.snap
**   dataflow mirror 'host=/run/postgresql dbname=shop' -o s.snap
**   PGHOST=db PGUSER=app dataflow status --target postgresql:///shop
**   dataflow apply change.plan --target postgresql://app@db/shop
**
** HOW IT WORKS
**
** Connecting is PQconnectdbParams() with the URL (or conninfo string) as
** an expanded dbname, placed after our defaults, so that everything the
** user wrote wins and libpq's PG* variables and ~/.pgpass fill the gaps as
** usual. Our defaults: application_name=dataflow and connect_timeout=10
** (unless PGCONNECT_TIMEOUT is set), so that an unreachable server is an
** error in bounded time. A failed connection is reported with the URL in
** redacted form (dfUrlRedact): libpq's own messages never carry the
** password. The session is set to TimeZone UTC and DateStyle ISO, so that
** the history table's timestamps read back in one format.
**
** Statements: xExec splits a script into statements (quotes, dollar
** quotes, comments and E'' strings respected) and runs them one by one, so
** that an error names the statement that failed, with the server's message
** and DETAIL.
**
** Transactions: xBegin is BEGIN, then SET LOCAL lock_timeout (10s, or
** $DATAFLOW_PG_LOCK_TIMEOUT, any PostgreSQL interval such as 2s or 500ms;
** 0 waits without bound) so that a step never queues unbounded behind a
** long-running query while holding its own locks, then
** pg_advisory_xact_lock() on DataFlow's fixed key. Every DataFlow
** transaction on a target (taking the lease, journalling, the migration
** itself) is thereby serialised, on top of the lease table of lock.c: two
** applies can never both read the lease as free. The advisory lock goes
** away with the transaction, also when the process is killed.
**
** Quoting: PQescapeIdentifier / PQescapeLiteral, which know the
** connection's encoding and standard_conforming_strings.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "util.h"

#define PG_DEFAULT_LOCK_TIMEOUT "10s"

struct DfConn {
  PGconn *pg;             /* the libpq connection */
  char *zSafeUrl;         /* URL without password, for messages */
  int bInTxn;             /* a transaction opened by xBegin is open */
};

/* ------------------------------------------------------------ messages */

/* A statement shortened to one line of at most 200 bytes. OUT: free(). */
static char *shortStatement(const char *zStmt){
  size_t n = strlen(zStmt), i, j = 0;
  char *z;
  while( n>0 && (zStmt[n-1]==' ' || zStmt[n-1]=='\n' || zStmt[n-1]=='\t'
                 || zStmt[n-1]=='\r' || zStmt[n-1]==';') ) n--;
  while( n>0 && (*zStmt==' ' || *zStmt=='\n' || *zStmt=='\t') ){ zStmt++; n--; }
  z = xmalloc(n + 4);
  for(i=0; i<n && j<200; i++){
    char c = zStmt[i];
    if( c=='\n' || c=='\t' || c=='\r' ) c = ' ';
    if( c==' ' && j>0 && z[j-1]==' ' ) continue;
    z[j++] = c;
  }
  z[j] = 0;
  if( i<n ) memcpy(z+j, "...", 4);
  return z;
}

char *pgErrorText(PGconn *pConn, PGresult *res, const char *zSql){
  const char *zMsg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : 0;
  const char *zDetail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : 0;
  char *zShort = zSql ? shortStatement(zSql) : 0;
  char *zBase, *zOut;
  size_t n;
  if( zMsg ){
    zBase = zDetail ? xasprintf("%s (%s)", zMsg, zDetail) : xstrdup(zMsg);
  }else{
    /* No result, or a connection-level failure: libpq's message. */
    zBase = xstrdup(PQerrorMessage(pConn));
    n = strlen(zBase);
    while( n>0 && (zBase[n-1]=='\n' || zBase[n-1]==' ') ) zBase[--n] = 0;
    if( n==0 ){ free(zBase); zBase = xstrdup("unknown error"); }
  }
  zOut = zShort ? xasprintf("%s (in: %s)", zBase, zShort) : xstrdup(zBase);
  free(zBase);
  free(zShort);
  return zOut;
}

PGresult *pgRun(PGconn *pConn, const char *zSql, int nParam,
                const char *const *azParam, char **pzErr){
  PGresult *res = nParam>0
      ? PQexecParams(pConn, zSql, nParam, 0, azParam, 0, 0, 0)
      : PQexec(pConn, zSql);
  ExecStatusType e = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if( e==PGRES_TUPLES_OK || e==PGRES_COMMAND_OK ) return res;
  if( e==PGRES_EMPTY_QUERY ){ return res; }
  *pzErr = pgErrorText(pConn, res, zSql);
  PQclear(res);
  return 0;
}

/* ------------------------------------------------------------ connect */

/* Server notices (NOTICE, WARNING) are not errors and are not shown: what
** matters reaches the user as an error or in the plan. */
static void pgQuiet(void *pArg, const char *zMsg){
  (void)pArg; (void)zMsg;
}

static int pgConnect(const char *zUrl, DfConn **ppConn, char **pzErr){
  const char *azKey[4], *azVal[4];
  int n = 0;
  PGconn *pg;
  PGresult *res;
  DfConn *p;
  char *zSafe = dfUrlRedact(zUrl);

  *ppConn = 0;
  azKey[n] = "application_name"; azVal[n++] = "dataflow";
  if( getenv("PGCONNECT_TIMEOUT")==0 ){
    azKey[n] = "connect_timeout"; azVal[n++] = "10";
  }
  azKey[n] = "dbname"; azVal[n++] = zUrl;      /* expanded: the user's wins */
  azKey[n] = 0; azVal[n] = 0;
  pg = PQconnectdbParams(azKey, azVal, 1);
  if( pg==0 || PQstatus(pg)!=CONNECTION_OK ){
    char *zMsg = xstrdup(pg ? PQerrorMessage(pg) : "out of memory");
    size_t k = strlen(zMsg);
    while( k>0 && (zMsg[k-1]=='\n' || zMsg[k-1]==' ') ) zMsg[--k] = 0;
    *pzErr = xasprintf("cannot connect to PostgreSQL at %s: %s", zSafe,
                       zMsg[0] ? zMsg : "connection failed");
    free(zMsg);
    free(zSafe);
    PQfinish(pg);
    return 1;
  }
  res = PQexec(pg, DF_PG_SESSION_SETUP);
  if( res==0 || PQresultStatus(res)!=PGRES_COMMAND_OK ){
    char *zMsg = pgErrorText(pg, res, 0);
    *pzErr = xasprintf("cannot prepare the session on %s: %s", zSafe, zMsg);
    free(zMsg);
    free(zSafe);
    PQclear(res);
    PQfinish(pg);
    return 1;
  }
  PQclear(res);
  PQsetNoticeProcessor(pg, pgQuiet, 0);
  p = xcalloc(1, sizeof(*p));
  p->pg = pg;
  p->zSafeUrl = zSafe;
  *ppConn = p;
  return 0;
}

static void pgDisconnect(DfConn *p){
  if( p==0 ) return;
  PQfinish(p->pg);
  free(p->zSafeUrl);
  free(p);
}

static int pgMirrorConn(DfConn *p, const DfMirrorRequest *pReq, sqlite3 *pOut,
                        char **pzErr){
  return pgMirror(p->pg, p->zSafeUrl, pReq, pOut, pzErr);
}

/* ------------------------------------------------------------ statements */

/*
** Length of the statement at the start of z: up to and including the
** first ';' outside quotes, dollar quotes and comments, or the whole text.
*/
static size_t statementLength(const char *z){
  size_t i = 0;
  while( z[i] ){
    char c = z[i];
    if( c==';' ) return i+1;
    if( c=='-' && z[i+1]=='-' ){
      while( z[i] && z[i]!='\n' ) i++;
    }else if( c=='/' && z[i+1]=='*' ){
      int depth = 1;
      i += 2;
      while( z[i] && depth>0 ){
        if( z[i]=='/' && z[i+1]=='*' ){ depth++; i += 2; }
        else if( z[i]=='*' && z[i+1]=='/' ){ depth--; i += 2; }
        else i++;
      }
    }else if( c=='\'' || c=='"' ){
      /* E'...' strings take backslash escapes. */
      int bEsc = c=='\'' && i>0 && (z[i-1]=='E' || z[i-1]=='e')
              && (i<2 || !((z[i-2]>='a' && z[i-2]<='z') || (z[i-2]>='A' && z[i-2]<='Z')
                           || (z[i-2]>='0' && z[i-2]<='9') || z[i-2]=='_'));
      i++;
      while( z[i] ){
        if( bEsc && z[i]=='\\' && z[i+1] ){ i += 2; continue; }
        if( z[i]==c ){
          if( z[i+1]==c ){ i += 2; continue; }
          break;
        }
        i++;
      }
      if( z[i] ) i++;
    }else if( c=='$' && (i==0 || !((z[i-1]>='a' && z[i-1]<='z')
                || (z[i-1]>='A' && z[i-1]<='Z') || (z[i-1]>='0' && z[i-1]<='9')
                || z[i-1]=='_')) ){
      /* $tag$ ... $tag$ (tag: letters, digits, underscores, not a digit first) */
      size_t j = i+1, nTag;
      while( (z[j]>='a' && z[j]<='z') || (z[j]>='A' && z[j]<='Z') || z[j]=='_'
          || (unsigned char)z[j]>=0x80 || (j>i+1 && z[j]>='0' && z[j]<='9') ) j++;
      if( z[j]!='$' ){ i++; continue; }
      nTag = j - i + 1;
      i = j + 1;
      while( z[i] && strncmp(&z[i], &z[j-nTag+1], nTag)!=0 ) i++;
      if( z[i] ) i += nTag;
    }else{
      i++;
    }
  }
  return i;
}

/* Does z hold anything but spaces and comments? */
static int hasContent(const char *z, size_t n){
  size_t i = 0;
  while( i<n ){
    if( z[i]==' ' || z[i]=='\n' || z[i]=='\t' || z[i]=='\r' || z[i]==';' ){ i++; continue; }
    if( z[i]=='-' && i+1<n && z[i+1]=='-' ){
      while( i<n && z[i]!='\n' ) i++;
      continue;
    }
    if( z[i]=='/' && i+1<n && z[i+1]=='*' ){
      i += 2;
      while( i+1<n && !(z[i]=='*' && z[i+1]=='/') ) i++;
      i += 2;
      continue;
    }
    return 1;
  }
  return 0;
}

static int pgExec(DfConn *p, const char *zSql, char **pzErr){
  const char *z = zSql;
  while( z && *z ){
    size_t n = statementLength(z);
    if( hasContent(z, n) ){
      char *zStmt = xasprintf("%.*s", (int)n, z);
      PGresult *res = pgRun(p->pg, zStmt, 0, 0, pzErr);
      free(zStmt);
      if( res==0 ) return 1;
      PQclear(res);
    }
    z += n;
  }
  return 0;
}

/*
** Queries inside a transaction run under a savepoint: a failed query (the
** executor probes, e.g. count(*) of a name that may not be a table) must
** not abort the migration's transaction, as it would not on SQLite.
*/
static int pgQuery(DfConn *p, const char *zSql,
                   int (*xRow)(void*, int, char**), void *pArg, char **pzErr){
  int bSave = PQtransactionStatus(p->pg)==PQTRANS_INTRANS;
  PGresult *res;
  int nRow, nCol, i, j;
  char **azVal;
  if( bSave && pgExec(p, "SAVEPOINT dataflow_query", pzErr) ) return 1;
  res = pgRun(p->pg, zSql, 0, 0, pzErr);
  if( bSave ){
    char *zIgnore = 0;
    pgExec(p, res ? "RELEASE SAVEPOINT dataflow_query"
                  : "ROLLBACK TO SAVEPOINT dataflow_query;"
                    " RELEASE SAVEPOINT dataflow_query", &zIgnore);
    free(zIgnore);
  }
  if( res==0 ) return 1;
  nRow = PQntuples(res);
  nCol = PQnfields(res);
  azVal = xcalloc((size_t)nCol + 1, sizeof(char*));
  for(i=0; i<nRow; i++){
    for(j=0; j<nCol; j++){
      azVal[j] = PQgetisnull(res, i, j) ? 0 : PQgetvalue(res, i, j);
    }
    if( xRow && xRow(pArg, nCol, azVal) ) break;
  }
  free(azVal);
  PQclear(res);
  return 0;
}

static int firstValue(void *pArg, int nCol, char **azVal){
  char **pzOut = (char**)pArg;
  if( nCol>0 ) *pzOut = xstrdup(azVal[0]);
  return 1;
}

static int pgQueryValue(DfConn *p, const char *zSql, char **pzOut, char **pzErr){
  *pzOut = 0;
  return pgQuery(p, zSql, firstValue, pzOut, pzErr);
}

/* ------------------------------------------------------------ transactions */

/* lock_timeout for apply transactions: $DATAFLOW_PG_LOCK_TIMEOUT or 10s. */
static const char *lockTimeout(void){
  const char *z = getenv("DATAFLOW_PG_LOCK_TIMEOUT");
  return (z && z[0]) ? z : PG_DEFAULT_LOCK_TIMEOUT;
}

static int pgBegin(DfConn *p, char **pzErr){
  char *zLit, *zSql;
  int rc;
  if( p->bInTxn ){
    *pzErr = xstrdup("a transaction is already open");
    return 1;
  }
  if( pgExec(p, "BEGIN", pzErr) ) return 1;
  p->bInTxn = 1;
  zLit = PQescapeLiteral(p->pg, lockTimeout(), strlen(lockTimeout()));
  zSql = xasprintf("SELECT set_config('lock_timeout', %s, true);"
                   " SELECT pg_advisory_xact_lock(" DF_PG_ADVISORY_KEY ")",
                   zLit ? zLit : "'10s'");
  if( zLit ) PQfreemem(zLit);
  rc = pgExec(p, zSql, pzErr);
  free(zSql);
  if( rc ){
    char *zIgnore = 0;
    pgExec(p, "ROLLBACK", &zIgnore);
    free(zIgnore);
    p->bInTxn = 0;
    return 1;
  }
  return 0;
}

static int pgCommit(DfConn *p, char **pzErr){
  PGresult *res = PQexec(p->pg, "COMMIT");
  /* COMMIT of a failed transaction "succeeds" as a ROLLBACK: catch it. */
  const char *zTag = res ? PQcmdStatus(res) : "";
  if( res==0 || PQresultStatus(res)!=PGRES_COMMAND_OK ){
    *pzErr = pgErrorText(p->pg, res, "COMMIT");
    PQclear(res);
    p->bInTxn = PQtransactionStatus(p->pg)==PQTRANS_INTRANS
             || PQtransactionStatus(p->pg)==PQTRANS_INERROR;
    return 1;
  }
  if( strcmp(zTag, "ROLLBACK")==0 ){
    *pzErr = xstrdup("the transaction had failed and was rolled back (in: COMMIT)");
    PQclear(res);
    p->bInTxn = 0;
    return 1;
  }
  PQclear(res);
  p->bInTxn = 0;
  return 0;
}

static int pgRollback(DfConn *p, char **pzErr){
  int rc = 0;
  PGTransactionStatusType s = PQtransactionStatus(p->pg);
  if( s==PQTRANS_INTRANS || s==PQTRANS_INERROR ){
    rc = pgExec(p, "ROLLBACK", pzErr);
  }
  p->bInTxn = 0;
  return rc;
}

/* ------------------------------------------------------------ quoting */

static char *pgQuoteIdent(DfConn *p, const char *zName){
  char *z = PQescapeIdentifier(p->pg, zName, strlen(zName));
  char *zOut;
  if( z==0 ){
    /* Only an invalid multibyte sequence gets here: quote by hand. */
    size_t i, j = 0, n = strlen(zName);
    zOut = xmalloc(n*2 + 3);
    zOut[j++] = '"';
    for(i=0; i<n; i++){
      if( zName[i]=='"' ) zOut[j++] = '"';
      zOut[j++] = zName[i];
    }
    zOut[j++] = '"';
    zOut[j] = 0;
    return zOut;
  }
  zOut = xstrdup(z);
  PQfreemem(z);
  return zOut;
}

static char *pgQuoteLiteral(DfConn *p, const char *zValue){
  char *z;
  char *zOut;
  if( zValue==0 ) return xstrdup("NULL");
  z = PQescapeLiteral(p->pg, zValue, strlen(zValue));
  if( z==0 ){
    size_t i, j = 0, n = strlen(zValue);
    zOut = xmalloc(n*2 + 3);
    zOut[j++] = '\'';
    for(i=0; i<n; i++){
      if( zValue[i]=='\'' ) zOut[j++] = '\'';
      zOut[j++] = zValue[i];
    }
    zOut[j++] = '\'';
    zOut[j] = 0;
    return zOut;
  }
  zOut = xstrdup(z);
  PQfreemem(z);
  return zOut;
}

const DfEngine dfEnginePg = {
  "postgresql",           /* zName */
  "postgresql",           /* zDialect */
  1,                      /* bTransactionalDdl */
  pgConnect,              /* xConnect: URL or conninfo, PG* variables, .pgpass */
  pgDisconnect,           /* xDisconnect */
  pgMirrorConn,           /* xMirror: mirror_pg.c */
  pgExec,                 /* xExec: statement by statement */
  pgQueryValue,           /* xQueryValue */
  pgBegin,                /* xBegin: BEGIN, lock_timeout, advisory lock */
  pgCommit,               /* xCommit */
  pgRollback,             /* xRollback */
  pgQuoteIdent,           /* xQuoteIdent: PQescapeIdentifier */
  pgQuoteLiteral,         /* xQuoteLiteral: PQescapeLiteral */
  pgQuery,                /* xQuery */
  0,                      /* xVerify: PostgreSQL checks constraints as it goes */
  0,                      /* xPlanCheck: nothing that needs the data */
};
