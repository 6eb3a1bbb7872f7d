/*
** fn_snapshot.c — SQL functions that take snapshots from inside sqlite3.
**
** Usage:
**
**   .load ./ext/dataflow
**   SELECT dataflow_snapshot('main', 'app.snapshot');          -- this database
**   SELECT dataflow_snapshot('app.db', 'app.snapshot', 1);     -- a file, with stats
**   SELECT dataflow_model('model.sql', 'model.snapshot');      -- portable DDL file
**   SELECT dataflow_model('model.sql', 'model.snapshot', 1);   -- ... strict types
**   SELECT dataflow_model_sql('CREATE TABLE t(a INTEGER)', 'model.snapshot');
**
** Each returns the schema checksum of the snapshot it wrote (meta.checksum).
**
**   dataflow_snapshot(SOURCE, OUT_PATH [, STATS])
**       SOURCE is a schema name of this connection ('main', 'temp', an
**       attached name), or else the path of a SQLite database file, opened
**       read-only (a missing file is an error, never created). A name that
**       is both an attached schema and a file means the schema.
**   dataflow_model(PATH, OUT_PATH [, STRICT])
**   dataflow_model_sql(SQL, OUT_PATH [, STRICT])
**       load portable DDL from a file or from the text itself; errors name
**       the file (or <sql>) and line.
**
** HOW IT WORKS
**
** The snapshot is written to a temporary file beside OUT_PATH and renamed
** over it only when complete, so a failure leaves OUT_PATH as it was. An
** existing OUT_PATH is replaced only when it is empty or a DataFlow
** snapshot; any other file is refused (dfSnapshotCheckTarget()).
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include "dataflow.h"
#include "snapshot.h"

/* What to write into a fresh snapshot connection. */
typedef struct FnJob FnJob;
struct FnJob {
  const char *zWho;       /* function name for messages */
  /* dataflow_snapshot */
  sqlite3 *pSrc;          /* source connection */
  const char *zSrcDb;     /* source schema */
  DfMirrorOptions opt;    /* mirror options */
  /* dataflow_model */
  const char *zSql;       /* model text, or NULL for a mirror job */
  const char *zFile;      /* model name in messages */
  int bStrict;            /* strict portable types */
};

/*
** Run job j into OUT_PATH zOut through a temporary file. On success
** returns the checksum (OUT: caller frees); on failure NULL with *pzErr
** set (OUT: caller frees).
*/
static char *fnWrite(FnJob *j, const char *zOut, char **pzErr){
  char *zTmp = 0, *zErr = 0, *zSum = 0;
  sqlite3 *pOut = 0;
  unsigned int r = 0;
  int rc;

  rc = dfSnapshotCheckTarget(zOut, &zErr);
  if( rc==SQLITE_OK ){
    sqlite3_randomness(sizeof(r), &r);
    zTmp = sqlite3_mprintf("%s.dataflow-%08x.tmp", zOut, r);
    if( zTmp==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ) rc = dfSnapshotCreate(zTmp, &pOut, &zErr);
  if( rc==SQLITE_OK ){
    if( j->zSql ){
      rc = dfModelLoad(j->zSql, j->zFile, j->bStrict, pOut, "main", &zErr);
    }else{
      rc = dfMirrorSqlite(j->pSrc, j->zSrcDb, pOut, "main", &j->opt, &zErr);
    }
  }
  if( rc==SQLITE_OK ){
    zSum = dfMetaGet(pOut, "main", "checksum");
    if( zSum==0 ){ rc = SQLITE_ERROR; zErr = sqlite3_mprintf("no checksum written"); }
  }
  if( pOut && sqlite3_close(pOut)!=SQLITE_OK && rc==SQLITE_OK ){
    rc = SQLITE_ERROR;
    zErr = sqlite3_mprintf("cannot close '%s'", zTmp);
  }
  if( rc==SQLITE_OK && dfSnapshotSync(zTmp)!=SQLITE_OK ){
    rc = SQLITE_IOERR;
    zErr = sqlite3_mprintf("cannot flush '%s' to disk: %s", zTmp, strerror(errno));
  }
  if( rc==SQLITE_OK && rename(zTmp, zOut)!=0 ){
    rc = SQLITE_CANTOPEN;
    zErr = sqlite3_mprintf("cannot write '%s': %s", zOut, strerror(errno));
  }
  if( rc!=SQLITE_OK ){
    if( zTmp ) remove(zTmp);
    sqlite3_free(zSum);
    zSum = 0;
    *pzErr = sqlite3_mprintf("%s: %s", j->zWho, zErr ? zErr : "out of memory");
  }
  sqlite3_free(zErr);
  sqlite3_free(zTmp);
  return zSum;
}

/* Report zErr (consumed) as the function's error. */
static void fnError(sqlite3_context *ctx, char *zErr){
  if( zErr ){
    sqlite3_result_error(ctx, zErr, -1);
    sqlite3_free(zErr);
  }else{
    sqlite3_result_error_nomem(ctx);
  }
}

/* Finish a job: the checksum as result, or the error. */
static void fnRun(sqlite3_context *ctx, FnJob *j, const char *zOut){
  char *zErr = 0;
  char *zSum = fnWrite(j, zOut, &zErr);
  if( zSum ){
    sqlite3_result_text(ctx, zSum, -1, sqlite3_free);
  }else{
    fnError(ctx, zErr);
  }
}

/* The two text arguments every function needs. */
static int fnArgs(sqlite3_context *ctx, sqlite3_value **argv, const char *zWho,
                  const char *zFirst, const char **pz1, const char **pz2){
  *pz1 = (const char*)sqlite3_value_text(argv[0]);
  *pz2 = (const char*)sqlite3_value_text(argv[1]);
  if( *pz1==0 || *pz2==0 || (*pz2)[0]==0 ){
    fnError(ctx, sqlite3_mprintf("%s() needs %s and OUT_PATH", zWho, zFirst));
    return 0;
  }
  return 1;
}

/* dataflow_snapshot(SOURCE, OUT_PATH [, STATS]) */
static void fnSnapshot(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zSrc, *zOut;
  sqlite3 *pFile = 0;
  FnJob j;
  struct stat st;

  if( !fnArgs(ctx, argv, "dataflow_snapshot", "SOURCE", &zSrc, &zOut) ) return;
  memset(&j, 0, sizeof(j));
  j.zWho = "dataflow_snapshot";
  j.opt.zEngine = "sqlite";
  j.opt.bStats = argc>2 && sqlite3_value_int(argv[2]);

  if( zSrc[0] && sqlite3_db_filename(db, zSrc)!=0 ){
    /* A schema of this connection. */
    const char *zFile = sqlite3_db_filename(db, zSrc);
    j.pSrc = db;
    j.zSrcDb = zSrc;
    j.opt.zSource = zFile[0] ? zFile : zSrc;
    fnRun(ctx, &j, zOut);
    return;
  }

  /* A database file: it must exist (read-only open never creates it). */
  if( stat(zSrc, &st)!=0 ){
    fnError(ctx, sqlite3_mprintf("dataflow_snapshot: cannot open '%s': %s", zSrc,
        errno==ENOENT ? "no such file" : strerror(errno)));
    return;
  }
  if( S_ISDIR(st.st_mode) ){
    fnError(ctx, sqlite3_mprintf("dataflow_snapshot: cannot open '%s': is a directory", zSrc));
    return;
  }
  if( sqlite3_open_v2(zSrc, &pFile, SQLITE_OPEN_READONLY, 0)!=SQLITE_OK
   || sqlite3_exec(pFile, "SELECT count(*) FROM sqlite_schema", 0, 0, 0)!=SQLITE_OK ){
    fnError(ctx, sqlite3_mprintf("dataflow_snapshot: cannot read '%s': %s", zSrc,
        pFile ? sqlite3_errmsg(pFile) : "out of memory"));
    sqlite3_close(pFile);
    return;
  }
  j.pSrc = pFile;
  j.zSrcDb = "main";
  j.opt.zSource = zSrc;
  fnRun(ctx, &j, zOut);
  sqlite3_close(pFile);
}

/*
** Read file zPath whole. OUT: caller frees; NULL with *pzErr set.
** A UTF-8 byte order mark is skipped; NUL bytes mean "not a text file".
*/
static char *fnReadFile(const char *zWho, const char *zPath, char **pzErr){
  FILE *f;
  char *z = 0;
  long n;
  struct stat st;
  if( stat(zPath, &st)!=0 ){
    *pzErr = sqlite3_mprintf("%s: cannot open '%s': %s", zWho, zPath,
        errno==ENOENT ? "no such file" : strerror(errno));
    return 0;
  }
  if( S_ISDIR(st.st_mode) ){
    *pzErr = sqlite3_mprintf("%s: cannot open '%s': is a directory", zWho, zPath);
    return 0;
  }
  f = fopen(zPath, "rb");
  if( f==0 ){
    *pzErr = sqlite3_mprintf("%s: cannot open '%s': %s", zWho, zPath, strerror(errno));
    return 0;
  }
  if( fseek(f, 0, SEEK_END)!=0 || (n = ftell(f))<0 || fseek(f, 0, SEEK_SET)!=0 ){
    *pzErr = sqlite3_mprintf("%s: cannot read '%s'", zWho, zPath);
    fclose(f);
    return 0;
  }
  z = sqlite3_malloc64((sqlite3_uint64)n + 1);
  if( z==0 ){ fclose(f); *pzErr = 0; return 0; }
  if( n>0 && fread(z, 1, (size_t)n, f)!=(size_t)n ){
    *pzErr = sqlite3_mprintf("%s: cannot read '%s'", zWho, zPath);
    sqlite3_free(z);
    fclose(f);
    return 0;
  }
  fclose(f);
  z[n] = 0;
  if( memchr(z, 0, (size_t)n) ){
    *pzErr = sqlite3_mprintf("%s: '%s' is not a text file", zWho, zPath);
    sqlite3_free(z);
    return 0;
  }
  if( n>=3 && memcmp(z, "\xEF\xBB\xBF", 3)==0 ) memmove(z, z+3, (size_t)n-2);
  return z;
}

/* dataflow_model(PATH, OUT_PATH [, STRICT]) */
static void fnModel(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *zPath, *zOut;
  char *zText, *zErr = 0;
  FnJob j;
  if( !fnArgs(ctx, argv, "dataflow_model", "PATH", &zPath, &zOut) ) return;
  zText = fnReadFile("dataflow_model", zPath, &zErr);
  if( zText==0 ){ fnError(ctx, zErr); return; }
  memset(&j, 0, sizeof(j));
  j.zWho = "dataflow_model";
  j.zSql = zText;
  j.zFile = zPath;
  j.bStrict = argc>2 && sqlite3_value_int(argv[2]);
  fnRun(ctx, &j, zOut);
  sqlite3_free(zText);
}

/* dataflow_model_sql(SQL, OUT_PATH [, STRICT]) */
static void fnModelSql(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *zSql, *zOut;
  FnJob j;
  if( !fnArgs(ctx, argv, "dataflow_model_sql", "SQL", &zSql, &zOut) ) return;
  memset(&j, 0, sizeof(j));
  j.zWho = "dataflow_model_sql";
  j.zSql = zSql;
  j.zFile = "<sql>";
  j.bStrict = argc>2 && sqlite3_value_int(argv[2]);
  fnRun(ctx, &j, zOut);
}

int dfSnapshotFunctionsRegister(sqlite3 *db){
  /* SQLITE_DIRECTONLY: these functions read and write files named by their
  ** arguments. Only SQL typed by the user may call them, never a view,
  ** trigger or CHECK of a database file that someone else prepared. They
  ** are not deterministic (they depend on files and the clock). */
  static const struct {
    const char *zName;    /* SQL name */
    int nArg;             /* number of arguments */
    void (*xFunc)(sqlite3_context*, int, sqlite3_value**);  /* implementation */
  } aFunc[] = {
    { "dataflow_snapshot",  2, fnSnapshot },
    { "dataflow_snapshot",  3, fnSnapshot },
    { "dataflow_model",     2, fnModel },
    { "dataflow_model",     3, fnModel },
    { "dataflow_model_sql", 2, fnModelSql },
    { "dataflow_model_sql", 3, fnModelSql },
  };
  unsigned i;
  int rc = SQLITE_OK;
  for(i=0; rc==SQLITE_OK && i<sizeof(aFunc)/sizeof(aFunc[0]); i++){
    rc = sqlite3_create_function(db, aFunc[i].zName, aFunc[i].nArg,
        SQLITE_UTF8|SQLITE_DIRECTONLY, 0, aFunc[i].xFunc, 0, 0);
  }
  return rc;
}
