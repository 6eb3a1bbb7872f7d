/*
** engine_mysql.c — the MySQL/MariaDB adapter of the `dataflow` command,
** over the MariaDB client library (libmariadb, <mysql.h>).
**
** Usage (URLs the adapter accepts):
**
**   dataflow mirror mysql://app:secret@db.example.com:3306/shop -o shop.snapshot
**   dataflow mirror mariadb://root@localhost/shop?socket=/run/mysqld/mysqld.sock -o s.snap
**   dataflow apply change.plan --target mysql://app@127.0.0.1/shop
**
**   mysql://[USER[:PASSWORD]@][HOST][:PORT]/DATABASE[?socket=PATH&connect_timeout=S]
**
** User, password and database are percent-decoded. What the URL leaves out
** comes from the option files, as the `mariadb` client reads them
** (MYSQL_READ_DEFAULT_GROUP "client": /etc/mysql/my.cnf, ~/.my.cnf,
** $MYSQL_HOME/my.cnf): user, password, socket, port. The database must be
** in the URL: it is the snapshot's default namespace ('').
**
** HOW IT WORKS
**
** One MYSQL handle per target, opened with CLIENT_MULTI_STATEMENTS so that
** a plan step of several statements (a trigger body with BEGIN ... END and
** semicolons inside included) is parsed by the server itself. xExec sends
** the whole script and walks the results; when statement k fails, the
** error names statement k (found by a splitter that knows quotes, comments
** and BEGIN ... END nesting, used only for the message). Messages never
** carry the password: the URL in them is dfUrlRedact()'s.
**
** MySQL and MariaDB commit DDL implicitly, so bTransactionalDdl is 0: the
** executor journals each step (journal.c) instead of relying on ROLLBACK.
** xBegin/xCommit/xRollback are still real transactions: the history and
** lock tables are InnoDB tables written with ordinary DML.
**
** The lock: the first xBegin takes GET_LOCK('dataflow:<database>', 0) for
** the session, under the lease table of lock.c (which retries until its
** timeout). The server releases it when the connection ends, so a killed
** apply never leaves it behind; the lease row then says who was
** interrupted.
**
** The mirror is mirror_mysql.c, reading information_schema through xQuery.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <errmsg.h>

#include "sqlite3.h"
#include "engine.h"
#include "mirror_mysql.h"
#include "util.h"

#define MY_CONNECT_TIMEOUT 10   /* seconds: an unreachable host fails fast */
#define MY_LOCK_WAIT       60   /* lock_wait_timeout: a DDL step waiting for a
                                ** metadata lock gives up after a minute */
#define MY_ERR_STMT_MAX   200   /* bytes of a failed statement in messages */

struct DfConn {
  MYSQL *db;              /* the connection */
  char *zDb;              /* the database of the URL (default namespace) */
  char *zSafeUrl;         /* URL without password, for messages */
  char *zVersion;         /* SELECT VERSION() */
  int bMariadb;           /* server is MariaDB */
  unsigned long nVersion; /* mysql_get_server_version(): 101100 */
  char *zLockName;        /* GET_LOCK name, NULL until first wanted */
  int bLocked;            /* this session holds GET_LOCK(zLockName) */
};

/* ------------------------------------------------------------------ URLs */

/* Decode %XX escapes of n bytes of z. OUT: caller frees. */
static char *pctDecode(const char *z, size_t n){
  char *zOut = xmalloc(n + 1);
  size_t i, j = 0;
  for(i=0; i<n; i++){
    if( z[i]=='%' && i+2<n && isxdigit((unsigned char)z[i+1])
     && isxdigit((unsigned char)z[i+2]) ){
      char zHex[3] = { z[i+1], z[i+2], 0 };
      zOut[j++] = (char)strtol(zHex, 0, 16);
      i += 2;
    }else{
      zOut[j++] = z[i];
    }
  }
  zOut[j] = 0;
  return zOut;
}

/* The parts of a mysql:// URL. Every string is malloc'd or NULL. */
typedef struct MyUrl MyUrl;
struct MyUrl {
  char *zUser;            /* NULL: option files or the login name */
  char *zPass;            /* NULL: option files or none */
  char *zHost;            /* NULL: localhost (socket) */
  unsigned int iPort;     /* 0: default */
  char *zDb;              /* database */
  char *zSocket;          /* ?socket= */
  unsigned int nTimeout;  /* ?connect_timeout= */
};

static void urlClear(MyUrl *u){
  free(u->zUser);
  if( u->zPass ){ memset(u->zPass, 0, strlen(u->zPass)); free(u->zPass); }
  free(u->zHost);
  free(u->zDb);
  free(u->zSocket);
  memset(u, 0, sizeof(*u));
}

/* Parse zUrl into *u. Returns 0, or 1 with *pzErr (which names the
** redacted URL zSafe, never the password). */
static int urlParse(const char *zUrl, const char *zSafe, MyUrl *u, char **pzErr){
  const char *z = strstr(zUrl, "://");
  const char *zAuthEnd, *zAt = 0, *zPath, *zQuery, *p;
  memset(u, 0, sizeof(*u));
  u->nTimeout = MY_CONNECT_TIMEOUT;
  if( z==0 ){
    *pzErr = xasprintf("not a MySQL URL: '%s' (use mysql://USER@HOST/DATABASE)", zSafe);
    return 1;
  }
  z += 3;
  zQuery = strchr(z, '?');
  zAuthEnd = zQuery ? zQuery : z + strlen(z);
  /* The user information ends at the last '@' before the path or query:
  ** a password may hold '@' or '/' unescaped (dfUrlRedact agrees). */
  for(p=z; p<zAuthEnd; p++) if( *p=='@' ) zAt = p;
  if( zAt ){
    const char *zColon = memchr(z, ':', (size_t)(zAt - z));
    if( zColon ){
      u->zUser = pctDecode(z, (size_t)(zColon - z));
      u->zPass = pctDecode(zColon+1, (size_t)(zAt - zColon - 1));
    }else{
      u->zUser = pctDecode(z, (size_t)(zAt - z));
    }
    if( u->zUser[0]==0 ){ free(u->zUser); u->zUser = 0; }
    z = zAt + 1;
  }
  zPath = memchr(z, '/', (size_t)(zAuthEnd - z));
  {
    const char *zHostEnd = zPath ? zPath : zAuthEnd;
    const char *zPort = 0;
    if( z[0]=='[' ){                     /* [::1]:3306 */
      const char *zClose = memchr(z, ']', (size_t)(zHostEnd - z));
      if( zClose==0 ){
        *pzErr = xasprintf("bad host in MySQL URL '%s': unclosed '['", zSafe);
        return 1;
      }
      u->zHost = pctDecode(z+1, (size_t)(zClose - z - 1));
      if( zClose+1<zHostEnd && zClose[1]==':' ) zPort = zClose + 2;
    }else{
      const char *zColon = memchr(z, ':', (size_t)(zHostEnd - z));
      u->zHost = pctDecode(z, (size_t)((zColon ? zColon : zHostEnd) - z));
      if( zColon ) zPort = zColon + 1;
    }
    if( u->zHost[0]==0 ){ free(u->zHost); u->zHost = 0; }
    if( zPort ){
      char *zEnd = 0;
      long n = strtol(zPort, &zEnd, 10);
      if( zEnd!=zHostEnd || n<=0 || n>65535 ){
        *pzErr = xasprintf("bad port in MySQL URL '%s'", zSafe);
        return 1;
      }
      u->iPort = (unsigned int)n;
    }
  }
  if( zPath && zPath+1<zAuthEnd ){
    u->zDb = pctDecode(zPath+1, (size_t)(zAuthEnd - zPath - 1));
  }
  if( zQuery ){
    const char *q = zQuery + 1;
    while( *q && *q!='#' ){
      const char *zEnd = q, *zEq;
      char *zKey, *zVal;
      while( *zEnd && *zEnd!='&' && *zEnd!='#' ) zEnd++;
      zEq = memchr(q, '=', (size_t)(zEnd - q));
      if( zEq==0 ) zEq = zEnd;
      zKey = pctDecode(q, (size_t)(zEq - q));
      zVal = pctDecode(zEq<zEnd ? zEq+1 : zEnd, (size_t)(zEq<zEnd ? zEnd-zEq-1 : 0));
      if( strcmp(zKey, "socket")==0 || strcmp(zKey, "unix_socket")==0 ){
        free(u->zSocket);
        u->zSocket = zVal; zVal = 0;
      }else if( strcmp(zKey, "connect_timeout")==0 ){
        u->nTimeout = (unsigned int)atoi(zVal);
      }else if( strcmp(zKey, "password")==0 ){
        if( u->zPass ){ free(u->zPass); }
        u->zPass = zVal; zVal = 0;
      }else if( zKey[0] ){
        *pzErr = xasprintf("unknown parameter '%s' in MySQL URL '%s' (known:"
                           " socket, connect_timeout)", zKey, zSafe);
        free(zKey); free(zVal);
        return 1;
      }
      free(zKey);
      free(zVal);
      q = *zEnd=='&' ? zEnd + 1 : zEnd;
    }
  }
  if( u->zDb==0 ){
    *pzErr = xasprintf("the MySQL URL '%s' names no database: use"
                       " mysql://USER@HOST/DATABASE", zSafe);
    return 1;
  }
  return 0;
}

/* ------------------------------------------------------------ splitting */

/* Is the word z[0..n) equal to zKw, case-insensitively? */
static int isWord(const char *z, int n, const char *zKw){
  return (int)strlen(zKw)==n && strncasecmp(z, zKw, (size_t)n)==0;
}

/*
** Length of the first statement of zSql, its ';' included: quotes (' " `),
** comments (-- , #, / * * /) and BEGIN ... END blocks (CASE ... END too,
** with END IF/LOOP/WHILE/REPEAT closing nothing) are skipped over. Used to
** name the statement that failed, not to decide what runs.
*/
static int stmtLength(const char *z){
  int i = 0, nDepth = 0;
  while( z[i] ){
    char c = z[i];
    if( c=='\'' || c=='"' || c=='`' ){
      i++;
      while( z[i] && z[i]!=c ){
        if( z[i]=='\\' && c!='`' && z[i+1] ) i++;
        i++;
      }
      if( z[i] ) i++;
      continue;
    }
    if( (c=='-' && z[i+1]=='-' && (z[i+2]==' ' || z[i+2]=='\t' || z[i+2]=='\n'))
     || c=='#' ){
      while( z[i] && z[i]!='\n' ) i++;
      continue;
    }
    if( c=='/' && z[i+1]=='*' ){
      i += 2;
      while( z[i] && !(z[i]=='*' && z[i+1]=='/') ) i++;
      if( z[i] ) i += 2;
      continue;
    }
    if( isalpha((unsigned char)c) || c=='_' ){
      int n = 0;
      while( isalnum((unsigned char)z[i+n]) || z[i+n]=='_' || z[i+n]=='$' ) n++;
      if( isWord(z+i, n, "BEGIN") || isWord(z+i, n, "CASE") ){
        nDepth++;
      }else if( isWord(z+i, n, "END") ){
        int j = i + n, m = 0;
        while( z[j]==' ' || z[j]=='\t' || z[j]=='\n' || z[j]=='\r' ) j++;
        while( isalpha((unsigned char)z[j+m]) ) m++;
        if( !isWord(z+j, m, "IF") && !isWord(z+j, m, "LOOP")
         && !isWord(z+j, m, "WHILE") && !isWord(z+j, m, "REPEAT") ){
          if( nDepth>0 ) nDepth--;
        }
      }
      i += n;
      continue;
    }
    i++;
    if( c==';' && nDepth==0 ) return i;
  }
  return i;
}

/* Statement number k (0-based) of zSql, trimmed to one line for a message.
** OUT: caller frees. */
static char *stmtText(const char *zSql, int k){
  const char *z = zSql;
  char *zOut;
  int n, i, j = 0;
  for(;;){
    while( *z==' ' || *z=='\n' || *z=='\t' || *z=='\r' ) z++;
    n = stmtLength(z);
    if( k--<=0 || z[n]==0 ) break;
    z += n;
  }
  while( n>0 && (z[n-1]==';' || z[n-1]==' ' || z[n-1]=='\n') ) n--;
  zOut = xmalloc((size_t)n + 4);
  for(i=0; i<n && j<MY_ERR_STMT_MAX; i++){
    char c = z[i];
    if( c=='\n' || c=='\t' || c=='\r' ) c = ' ';
    if( c==' ' && j>0 && zOut[j-1]==' ' ) continue;
    zOut[j++] = c;
  }
  zOut[j] = 0;
  if( i<n ) memcpy(zOut+j, "...", 4);
  return zOut;
}

/* "<server message> [error N] (in: <statement k>)". OUT: caller frees. */
static char *stmtError(DfConn *p, const char *zSql, int k){
  char *zStmt = stmtText(zSql, k);
  char *zMsg = xasprintf("%s [error %u] (in: %s)", mysql_error(p->db),
                         mysql_errno(p->db), zStmt);
  free(zStmt);
  return zMsg;
}

/* ------------------------------------------------------------ the adapter */

extern const DfEngine dfEngineMysql;    /* below; engine.h declares it only
                                        ** when the build defines DF_HAVE_MYSQL */
static int myExec(DfConn *p, const char *zSql, char **pzErr);
static int myQueryValue(DfConn *p, const char *zSql, char **pzOut, char **pzErr);

static int myConnect(const char *zUrl, DfConn **ppConn, char **pzErr){
  char *zSafe = dfUrlRedact(zUrl);
  MyUrl u;
  MYSQL *db;
  DfConn *p;
  unsigned int nTimeout;
  char *zErr = 0, *zVal = 0;

  *ppConn = 0;
  if( urlParse(zUrl, zSafe, &u, pzErr) ){
    urlClear(&u);
    free(zSafe);
    return 1;
  }
  db = mysql_init(0);
  if( db==0 ){
    *pzErr = xstrdup("cannot initialise the MariaDB client library");
    urlClear(&u);
    free(zSafe);
    return 1;
  }
  mysql_options(db, MYSQL_READ_DEFAULT_GROUP, "client");
  nTimeout = u.nTimeout;
  mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &nTimeout);
  mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if( mysql_real_connect(db, u.zHost, u.zUser, u.zPass, u.zDb, u.iPort,
                         u.zSocket, CLIENT_MULTI_STATEMENTS)==0 ){
    /* The client's message never repeats the password; scrubbed anyway. */
    char *zMsg = dfUrlScrub(mysql_error(db), zUrl);
    *pzErr = xasprintf("cannot connect to MySQL/MariaDB at %s: %s", zSafe,
                       zMsg ? zMsg : "?");
    free(zMsg);
    mysql_close(db);
    urlClear(&u);
    free(zSafe);
    return 1;
  }
  p = xcalloc(1, sizeof(*p));
  p->db = db;
  p->zDb = xstrdup(u.zDb);
  p->zSafeUrl = zSafe;
  p->nVersion = mysql_get_server_version(db);
  urlClear(&u);
  if( myQueryValue(p, "SELECT VERSION()", &zVal, &zErr)==0 && zVal ){
    p->zVersion = zVal;
    p->bMariadb = strstr(zVal, "MariaDB")!=0;
  }else{
    free(zVal);
    p->zVersion = xstrdup("?");
  }
  free(zErr); zErr = 0;
  {
    char *zSet = xasprintf("SET SESSION lock_wait_timeout = %d", MY_LOCK_WAIT);
    if( myExec(p, zSet, &zErr) ){ free(zErr); zErr = 0; }
    free(zSet);
  }
  *ppConn = p;
  return 0;
}

static void myDisconnect(DfConn *p){
  if( p==0 ) return;
  mysql_close(p->db);
  free(p->zDb);
  free(p->zSafeUrl);
  free(p->zVersion);
  free(p->zLockName);
  free(p);
}

/* Run the script zSql (one or more statements); every result is consumed. */
static int myExec(DfConn *p, const char *zSql, char **pzErr){
  int k = 0, rc;
  if( mysql_real_query(p->db, zSql, (unsigned long)strlen(zSql)) ){
    if( mysql_errno(p->db)==1065 ) return 0;     /* ER_EMPTY_QUERY: comments only */
    *pzErr = stmtError(p, zSql, 0);
    return 1;
  }
  for(;;){
    MYSQL_RES *pRes = mysql_store_result(p->db);
    if( pRes ) mysql_free_result(pRes);
    else if( mysql_field_count(p->db)!=0 ){
      *pzErr = stmtError(p, zSql, k);
      while( mysql_next_result(p->db)==0 ){}
      return 1;
    }
    rc = mysql_next_result(p->db);
    k++;
    if( rc<0 ) break;
    if( rc>0 ){
      if( mysql_errno(p->db)==1065 ) break;
      *pzErr = stmtError(p, zSql, k);
      return 1;
    }
  }
  return 0;
}

static int myQuery(DfConn *p, const char *zSql,
                   int (*xRow)(void*, int, char**), void *pArg, char **pzErr){
  MYSQL_RES *pRes;
  MYSQL_ROW row;
  int nCol, rc;
  if( mysql_real_query(p->db, zSql, (unsigned long)strlen(zSql)) ){
    *pzErr = stmtError(p, zSql, 0);
    return 1;
  }
  pRes = mysql_use_result(p->db);
  if( pRes==0 ){
    if( mysql_field_count(p->db)!=0 ){
      *pzErr = stmtError(p, zSql, 0);
      return 1;
    }
    while( (rc = mysql_next_result(p->db))==0 ){
      MYSQL_RES *r = mysql_store_result(p->db);
      if( r ) mysql_free_result(r);
    }
    return 0;
  }
  nCol = (int)mysql_num_fields(pRes);
  while( (row = mysql_fetch_row(pRes))!=0 ){
    if( xRow && xRow(pArg, nCol, row) ){
      /* Stop early: the rest of the result must still be read. */
      while( mysql_fetch_row(pRes) ){}
      break;
    }
  }
  if( mysql_errno(p->db) ){
    *pzErr = stmtError(p, zSql, 0);
    mysql_free_result(pRes);
    return 1;
  }
  mysql_free_result(pRes);
  while( mysql_next_result(p->db)==0 ){
    MYSQL_RES *r = mysql_store_result(p->db);
    if( r ) mysql_free_result(r);
  }
  return 0;
}

static int firstValue(void *pArg, int nCol, char **azVal){
  char **pzOut = (char**)pArg;
  if( nCol>0 && *pzOut==0 ) *pzOut = xstrdup(azVal[0]);
  return 1;
}

static int myQueryValue(DfConn *p, const char *zSql, char **pzOut, char **pzErr){
  *pzOut = 0;
  return myQuery(p, zSql, firstValue, pzOut, pzErr);
}

static int myAdvisoryLock(DfConn *p, char **pzErr);

/* START TRANSACTION, under DataFlow's advisory lock (see myAdvisoryLock). */
static int myBegin(DfConn *p, char **pzErr){
  if( myAdvisoryLock(p, pzErr) ) return 1;
  return myExec(p, "START TRANSACTION", pzErr);
}
static int myCommit(DfConn *p, char **pzErr){
  return myExec(p, "COMMIT", pzErr);
}
static int myRollback(DfConn *p, char **pzErr){
  return myExec(p, "ROLLBACK", pzErr);
}

/* `name` with backquotes doubled: MySQL's only identifier quoting. */
static char *myQuoteIdent(DfConn *p, const char *zName){
  size_t n = strlen(zName), i, j = 0;
  char *z = xmalloc(n*2 + 3);
  (void)p;
  z[j++] = '`';
  for(i=0; i<n; i++){
    if( zName[i]=='`' ) z[j++] = '`';
    z[j++] = zName[i];
  }
  z[j++] = '`';
  z[j] = 0;
  return z;
}

/* 'value' escaped by the server's rules (backslashes too, unless the
** session has NO_BACKSLASH_ESCAPES: mysql_real_escape_string knows). */
static char *myQuoteLiteral(DfConn *p, const char *zValue){
  size_t n = strlen(zValue);
  char *z = xmalloc(n*2 + 3);
  unsigned long m;
  z[0] = '\'';
  m = mysql_real_escape_string(p->db, z+1, zValue, (unsigned long)n);
  z[m+1] = '\'';
  z[m+2] = 0;
  return z;
}

/*
** GET_LOCK('dataflow:<db>', 0) for the session, taken by the first xBegin
** and kept until the connection closes. Every transaction DataFlow writes
** (lock.c's lease, the history, the journal) starts with xBegin, so two
** DataFlow processes on one database are serialised by the server itself;
** lock.c retries a refused xBegin until its --lock-timeout, and the lease
** row above it says who holds the lock. A killed process loses its
** connection and with it the lock. Lock names are at most 64 characters:
** a long database name is replaced by its hash.
*/
static int myAdvisoryLock(DfConn *p, char **pzErr){
  char *zSql, *zLit, *zVal = 0;
  int rc;
  if( p->bLocked ) return 0;
  if( p->zLockName==0 ){
    if( strlen(p->zDb) + 9 <= 64 ){
      p->zLockName = xasprintf("dataflow:%s", p->zDb);
    }else{
      char zHex[65];
      dfSha256Hex(p->zDb, strlen(p->zDb), zHex);
      p->zLockName = xasprintf("dataflow:%.40s", zHex);
    }
  }
  zLit = myQuoteLiteral(p, p->zLockName);
  zSql = xasprintf("SELECT GET_LOCK(%s, 0)", zLit);
  rc = myQueryValue(p, zSql, &zVal, pzErr);
  free(zSql);
  if( rc ){ free(zLit); return 1; }
  if( zVal==0 || strcmp(zVal, "1")!=0 ){
    char *zWho = 0, *zLease = 0, *zErr = 0, *zQ;
    zQ = xasprintf("SELECT CONCAT(p.USER, '@', p.HOST, ', connection ', p.ID)"
                   " FROM information_schema.PROCESSLIST p"
                   " WHERE p.ID = IS_USED_LOCK(%s)", zLit);
    myQueryValue(p, zQ, &zWho, &zErr);
    free(zErr); zErr = 0;
    free(zQ);
    myQueryValue(p, "SELECT CONCAT(owner, ' (host ', COALESCE(host, '?'),"
                 " ', pid ', COALESCE(pid, '?'), ')') FROM dataflow_lock WHERE id = 1",
                 &zLease, &zErr);
    free(zErr);
    *pzErr = xasprintf("DataFlow's lock GET_LOCK('%s') is held by another"
                       " session%s%s%s%s%s: its connection is alive, so its"
                       " apply is still running", p->zLockName,
                       zWho ? " (" : "", zWho ? zWho : "", zWho ? ")" : "",
                       zLease ? ", lease of " : "", zLease ? zLease : "");
    free(zWho); free(zLease); free(zVal); free(zLit);
    return 1;
  }
  free(zVal);
  free(zLit);
  p->bLocked = 1;
  return 0;
}

static int myMirror(DfConn *p, const DfMirrorRequest *pReq, sqlite3 *pOut,
                    char **pzErr){
  DfMysqlServer srv;
  int rc;
  srv.zDb = p->zDb;
  srv.zVersion = p->zVersion;
  srv.bMariadb = p->bMariadb;
  srv.nVersion = p->nVersion;
  srv.zSource = pReq && pReq->zSafeUrl ? pReq->zSafeUrl : p->zSafeUrl;
  rc = dfMysqlMirror(&dfEngineMysql, p, &srv, pReq ? pReq->bStats : 0, pOut, pzErr);
  if( rc && *pzErr ){
    char *zMsg = xasprintf("cannot mirror %s: %s", p->zSafeUrl, *pzErr);
    free(*pzErr);
    *pzErr = zMsg;
  }
  return rc;
}

const DfEngine dfEngineMysql = {
  "mysql",                /* zName */
  "mysql",                /* zDialect */
  0,                      /* bTransactionalDdl: DDL commits implicitly */
  myConnect,              /* xConnect: mysql:// and mariadb:// URLs */
  myDisconnect,           /* xDisconnect */
  myMirror,               /* xMirror: information_schema, mirror_mysql.c */
  myExec,                 /* xExec: multi-statement scripts */
  myQueryValue,           /* xQueryValue */
  myBegin,                /* xBegin: GET_LOCK once, START TRANSACTION */
  myCommit,               /* xCommit */
  myRollback,             /* xRollback */
  myQuoteIdent,           /* xQuoteIdent: `doubled backquotes` */
  myQuoteLiteral,         /* xQuoteLiteral: mysql_real_escape_string */
  myQuery,                /* xQuery */
  0,                      /* xVerify: InnoDB checks foreign keys as it goes */
  0,                      /* xPlanCheck: nothing that needs the data */
};
