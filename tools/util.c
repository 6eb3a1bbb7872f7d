/*
** util.c — helpers shared by every file of the `dataflow` command: die()
** with documented exit statuses, allocation that cannot fail, reading files,
** opening SQLite connections with the DataFlow extension registered,
** printing query results, colour detection, the environment and author.
**
** Usage:
**
**   sqlite3 *db = dfOpenCore("base.snapshot", SQLITE_OPEN_READONLY, &zErr);
**   if( db==0 ) die(DF_EXIT_INPUT, "%s", zErr);
**   dfPrintQuery(db, "SELECT kind, object FROM schema_diff('a','b')", 1,
**                stdout, &zErr);
**
** HOW IT WORKS
**
** The command links the extension's objects compiled with SQLITE_CORE
** (ext/libdfcore.a), so "loading" it is a direct call of
** sqlite3_dataflow_init() on each connection we open: no load_extension(),
** no file lookup, and the shell and the command run the very same code.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sqlite3.h"
#include "dataflow.h"
#include "util.h"

void die(int status, const char *zFmt, ...){
  va_list ap;
  fflush(stdout);
  fputs("dataflow: ", stderr);
  va_start(ap, zFmt);
  vfprintf(stderr, zFmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(status);
}

void dfWarn(const char *zFmt, ...){
  va_list ap;
  fflush(stdout);
  fputs("dataflow: warning: ", stderr);
  va_start(ap, zFmt);
  vfprintf(stderr, zFmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static void outOfMemory(void){
  die(DF_EXIT_INTERNAL, "out of memory");
}

void *xmalloc(size_t n){
  void *p = malloc(n ? n : 1);
  if( p==0 ) outOfMemory();
  return p;
}

void *xcalloc(size_t nMemb, size_t n){
  void *p = calloc(nMemb ? nMemb : 1, n ? n : 1);
  if( p==0 ) outOfMemory();
  return p;
}

void *xrealloc(void *p, size_t n){
  void *pNew = realloc(p, n ? n : 1);
  if( pNew==0 ) outOfMemory();
  return pNew;
}

char *xstrdup(const char *z){
  char *zNew;
  if( z==0 ) return 0;
  zNew = strdup(z);
  if( zNew==0 ) outOfMemory();
  return zNew;
}

char *xasprintf(const char *zFmt, ...){
  va_list ap;
  char *z = 0;
  int n;
  va_start(ap, zFmt);
  n = vasprintf(&z, zFmt, ap);
  va_end(ap);
  if( n<0 ) outOfMemory();
  return z;
}

char *dfFromSqlite(char *zSqlite){
  char *z;
  if( zSqlite==0 ) return 0;
  z = xstrdup(zSqlite);
  sqlite3_free(zSqlite);
  return z;
}

char *dfReadFile(const char *zPath, size_t *pnByte, char **pzErr){
  FILE *f;
  char *a = 0;
  size_t n = 0, nAlloc = 0;
  struct stat st;

  *pzErr = 0;
  if( pnByte ) *pnByte = 0;
  if( stat(zPath, &st)==0 && S_ISDIR(st.st_mode) ){
    *pzErr = xasprintf("cannot read '%s': Is a directory", zPath);
    return 0;
  }
  f = fopen(zPath, "rb");
  if( f==0 ){
    *pzErr = xasprintf("cannot read '%s': %s", zPath, strerror(errno));
    return 0;
  }
  for(;;){
    size_t got;
    if( nAlloc-n < 65536 ){
      nAlloc = nAlloc ? nAlloc*2 : 65536;
      a = xrealloc(a, nAlloc+1);
    }
    got = fread(a+n, 1, nAlloc-n, f);
    n += got;
    if( got==0 ) break;
  }
  if( ferror(f) ){
    *pzErr = xasprintf("cannot read '%s': %s", zPath, strerror(errno));
    fclose(f);
    free(a);
    return 0;
  }
  fclose(f);
  a[n] = 0;
  if( pnByte ) *pnByte = n;
  return a;
}

char *dfDbError(sqlite3 *db){
  return xstrdup(db ? sqlite3_errmsg(db) : "out of memory");
}

void dfRegister(sqlite3 *db){
  char *zErr = 0;
  /* With SQLITE_CORE the third argument (the API table) is not used. */
  int rc = sqlite3_dataflow_init(db, &zErr, 0);
  if( rc!=SQLITE_OK ){
    die(DF_EXIT_INTERNAL, "cannot register the DataFlow extension: %s",
        zErr ? zErr : sqlite3_errstr(rc));
  }
}

sqlite3 *dfOpenCore(const char *zPath, int flags, char **pzErr){
  sqlite3 *db = 0;
  int rc;
  *pzErr = 0;
  if( flags==0 ) flags = SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE;
  rc = sqlite3_open_v2(zPath, &db, flags, 0);
  if( rc!=SQLITE_OK ){
    *pzErr = xasprintf("cannot open '%s': %s", zPath,
                       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return 0;
  }
  sqlite3_extended_result_codes(db, 1);
  /* Another process (an apply holding the lock) may briefly hold the file. */
  sqlite3_busy_timeout(db, 5000);
  dfRegister(db);
  return db;
}

void dfExecOrDie(sqlite3 *db, const char *zSql, int status){
  char *zErr = 0;
  if( sqlite3_exec(db, zSql, 0, 0, &zErr)!=SQLITE_OK ){
    die(status, "%s (in: %s)", zErr ? zErr : sqlite3_errmsg(db), zSql);
  }
}

int dfPrintQuery(sqlite3 *db, const char *zSql, int bHeader, FILE *out,
                 char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc, i, nCol;
  *pzErr = 0;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( rc!=SQLITE_OK ){
    *pzErr = xasprintf("%s (in: %s)", sqlite3_errmsg(db), zSql);
    return rc;
  }
  nCol = sqlite3_column_count(pStmt);
  if( bHeader ){
    for(i=0; i<nCol; i++){
      fprintf(out, "%s%s", i ? "|" : "", sqlite3_column_name(pStmt, i));
    }
    fputc('\n', out);
  }
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    for(i=0; i<nCol; i++){
      const unsigned char *z = sqlite3_column_text(pStmt, i);
      fprintf(out, "%s%s", i ? "|" : "", z ? (const char*)z : "");
    }
    fputc('\n', out);
  }
  if( rc!=SQLITE_DONE ){
    *pzErr = xasprintf("%s", sqlite3_errmsg(db));
    sqlite3_finalize(pStmt);
    return rc;
  }
  return sqlite3_finalize(pStmt);
}

int dfUseColour(FILE *out){
  const char *z = getenv("DATAFLOW_COLOR");
  if( z && strcmp(z, "always")==0 ) return 1;
  if( z && strcmp(z, "never")==0 ) return 0;
  z = getenv("NO_COLOR");
  if( z && z[0] ) return 0;
  z = getenv("TERM");
  if( z && strcmp(z, "dumb")==0 ) return 0;
  return isatty(fileno(out));
}

void dfColoursFor(FILE *out, DfColours *p){
  if( dfUseColour(out) ){
    p->zRed = "\033[31m";
    p->zYellow = "\033[33m";
    p->zGreen = "\033[32m";
    p->zBold = "\033[1m";
    p->zDim = "\033[2m";
    p->zReset = "\033[0m";
  }else{
    p->zRed = p->zYellow = p->zGreen = p->zBold = p->zDim = p->zReset = "";
  }
}

const char *dfEnvironment(const char *zFlag){
  const char *z = zFlag;
  static const char *azEnv[] = { "development", "staging", "production" };
  size_t i;
  if( z==0 || z[0]==0 ) z = getenv("DATAFLOW_ENV");
  if( z==0 || z[0]==0 ) return azEnv[0];
  for(i=0; i<sizeof(azEnv)/sizeof(azEnv[0]); i++){
    if( strcmp(z, azEnv[i])==0 ) return azEnv[i];
  }
  die(DF_EXIT_USAGE, "unknown environment '%s'%s: use development, staging "
      "or production", z, zFlag ? "" : " (from DATAFLOW_ENV)");
}

char *dfAuthor(void){
  const char *z = getenv("DATAFLOW_AUTHOR");
  const char *zUser;
  char zHost[256];
  if( z && z[0] ) return xstrdup(z);
  zUser = getenv("USER");
  if( zUser==0 || zUser[0]==0 ) zUser = getenv("LOGNAME");
  if( zUser==0 || zUser[0]==0 ) zUser = "unknown";
  if( gethostname(zHost, sizeof(zHost))!=0 ) strcpy(zHost, "localhost");
  zHost[sizeof(zHost)-1] = 0;
  return xasprintf("%s@%s", zUser, zHost);
}

const char *dfNowUtc(void){
  static char zBuf[32];
  time_t t = time(0);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(zBuf, sizeof(zBuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return zBuf;
}

void dfSha256Hex(const void *p, size_t n, char zHex[65]){
  unsigned char aDigest[32];
  unsigned int nDigest = 0;
  int i;
  if( EVP_Digest(p, n, aDigest, &nDigest, EVP_sha256(), 0)!=1 || nDigest!=32 ){
    die(DF_EXIT_INTERNAL, "SHA-256 failed (libcrypto)");
  }
  for(i=0; i<32; i++) sprintf(zHex+2*i, "%02x", aDigest[i]);
  zHex[64] = 0;
}

int dfFileExists(const char *zPath){
  struct stat st;
  return stat(zPath, &st)==0;
}

/* Files to remove at exit: temporary snapshots, half-written outputs. */
static char **azRemove = 0;
static int nRemove = 0;

static void removeFiles(void){
  int i;
  for(i=0; i<nRemove; i++){
    unlink(azRemove[i]);
    free(azRemove[i]);
  }
  free(azRemove);
  azRemove = 0;
  nRemove = 0;
}

void dfRemoveAtExit(const char *zPath){
  if( azRemove==0 ) atexit(removeFiles);
  azRemove = xrealloc(azRemove, sizeof(char*)*(size_t)(nRemove+1));
  azRemove[nRemove++] = xstrdup(zPath);
}

char *dfTempBeside(const char *zPath){
  char *zTmp = xasprintf("%s.tmp-XXXXXX", zPath);
  mode_t mask;
  int fd = mkstemp(zTmp);
  if( fd<0 ){
    int e = errno;
    free(zTmp);
    errno = e;
    return 0;
  }
  mask = umask(0);
  umask(mask);
  if( fchmod(fd, 0666 & ~mask)!=0 ){ /* mkstemp's 0600 is not what users expect */ }
  close(fd);
  dfRemoveAtExit(zTmp);
  return zTmp;
}

char *dfTempFile(const char *zSuffix){
  const char *zDir = getenv("TMPDIR");
  char *zName;
  int fd;
  if( zDir==0 || zDir[0]==0 ) zDir = "/tmp";
  if( zSuffix==0 ) zSuffix = "";
  zName = xasprintf("%s/dataflow-XXXXXX%s", zDir, zSuffix);
  fd = mkstemps(zName, (int)strlen(zSuffix));
  if( fd<0 ){
    die(DF_EXIT_INTERNAL, "cannot create a temporary file in '%s': %s",
        zDir, strerror(errno));
  }
  close(fd);
  dfRemoveAtExit(zName);
  return zName;
}
