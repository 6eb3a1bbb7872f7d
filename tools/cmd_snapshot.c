/*
** cmd_snapshot.c — the commands that make and compare snapshots:
** `mirror`, `model`, `diff`, `compat` and `engines`.
**
** Usage:
**
**   dataflow mirror sqlite:app.db -o base.snapshot [--stats]
**   dataflow model model.sql -o model.snapshot [--no-strict]
**   dataflow diff base.snapshot model.snapshot [--format json] [--exit-code]
**   dataflow compat model.snapshot base.snapshot
**   dataflow engines
**
** HOW IT WORKS
**
** mirror finds the adapter for the URL (engine.c), connects, and lets the
** adapter fill an empty snapshot (dfSnapshotCreate). model reads the file
** and hands it to dfModelLoad(). Both write into a temporary file beside the
** output and rename it into place only on success, so a failure never
** leaves half a snapshot, and an existing file that is not a snapshot (the
** very database being mirrored, say) is never overwritten.
**
** diff and compat are SQL over the extension's virtual tables on a private
** in-memory connection, exactly what a user would type in sqlite3; the JSON
** form is built by SQLite's json functions from the vtab's own column
** names, so a column added to a vtab shows up here without code.
*/
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqlite3.h"
#include "snapshot.h"
#include "commands.h"
#include "engine.h"
#include "util.h"

/* ------------------------------------------------------ output handling */

/*
** Refuse to replace zOut unless it is absent, empty, or a DataFlow snapshot
** (the rule of dfSnapshotCreate(), checked before any work is done).
*/
static void checkSnapshotOutput(const char *zOut){
  struct stat st;
  sqlite3 *db = 0;
  int rc;
  if( stat(zOut, &st)!=0 ) return;
  if( S_ISDIR(st.st_mode) ){
    die(DF_EXIT_USAGE, "cannot write snapshot '%s': Is a directory", zOut);
  }
  if( st.st_size==0 ) return;
  rc = sqlite3_open_v2(zOut, &db, SQLITE_OPEN_READONLY, 0);
  if( rc==SQLITE_OK ){
    rc = sqlite3_exec(db, "SELECT value FROM meta WHERE key='format_version'",
                      0, 0, 0);
  }
  sqlite3_close(db);
  if( rc!=SQLITE_OK ){
    die(DF_EXIT_INPUT, "refusing to overwrite '%s': not a DataFlow snapshot",
        zOut);
  }
}

/*
** Create an empty snapshot in a temporary file beside zOut. Returns the
** connection (*pzTmp: its name, OUT caller frees; removed at exit unless
** renamed).
*/
static sqlite3 *openTempSnapshot(const char *zOut, char **pzTmp){
  char *zTmp = dfTempBeside(zOut);
  char *zErr = 0;
  sqlite3 *db = 0;
  if( zTmp==0 ){
    die(DF_EXIT_INPUT, "cannot write snapshot '%s': %s", zOut,
        strerror(errno));
  }
  if( dfSnapshotCreate(zTmp, &db, &zErr)!=SQLITE_OK ){
    die(DF_EXIT_INTERNAL, "cannot create snapshot '%s': %s", zOut,
        zErr ? zErr : "unknown error");
  }
  dfRegister(db);
  *pzTmp = zTmp;
  return db;
}

/* Close the finished snapshot and move it into place. */
static void finishSnapshot(sqlite3 *db, const char *zTmp, const char *zOut,
                           char **pzChecksum){
  char *zSum = dfFromSqlite(dfMetaGet(db, "main", "checksum"));
  if( zSum==0 ){
    die(DF_EXIT_INTERNAL, "snapshot '%s' was not finished (no checksum)", zOut);
  }
  if( sqlite3_close(db)!=SQLITE_OK ){
    die(DF_EXIT_INTERNAL, "cannot close snapshot '%s'", zOut);
  }
  if( dfSnapshotSync(zTmp)!=SQLITE_OK ){
    die(DF_EXIT_INTERNAL, "cannot flush snapshot '%s' to disk: %s", zTmp,
        strerror(errno));
  }
  if( rename(zTmp, zOut)!=0 ){
    die(DF_EXIT_INPUT, "cannot write snapshot '%s': %s", zOut,
        strerror(errno));
  }
  if( pzChecksum ) *pzChecksum = zSum;
  else free(zSum);
}

/* One line saying what a snapshot holds, for mirror and model. */
static void printSnapshotSummary(const char *zOut, const char *zChecksum){
  char *zErr = 0;
  sqlite3 *db = dfOpenCore(zOut, SQLITE_OPEN_READONLY, &zErr);
  sqlite3_stmt *pStmt = 0;
  if( db==0 ) die(DF_EXIT_INTERNAL, "%s", zErr);
  if( sqlite3_prepare_v2(db,
        "SELECT (SELECT count(*) FROM tables), (SELECT count(*) FROM views),"
        " (SELECT count(*) FROM indexes), (SELECT count(*) FROM triggers)",
        -1, &pStmt, 0)==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW ){
    int nTab = sqlite3_column_int(pStmt, 0);
    int nView = sqlite3_column_int(pStmt, 1);
    int nIdx = sqlite3_column_int(pStmt, 2);
    int nTrig = sqlite3_column_int(pStmt, 3);
    printf("%s: %d table%s, %d view%s, %d index%s, %d trigger%s; "
           "checksum %.12s\n", zOut,
           nTab, nTab==1 ? "" : "s", nView, nView==1 ? "" : "s",
           nIdx, nIdx==1 ? "" : "es", nTrig, nTrig==1 ? "" : "s", zChecksum);
  }
  sqlite3_finalize(pStmt);
  sqlite3_close(db);
}

/* ----------------------------------------------------------- the jobs */

void dfMirrorToFile(const char *zUrl, const char *zOut, int bStats,
                    int nSchema, const char **azSchema, int nSample,
                    char **pzChecksum){
  const DfEngine *pEngine = 0;
  DfMirrorRequest req;
  DfConn *pConn = 0;
  char *zErr = 0, *zTmp = 0, *zSafe;
  sqlite3 *db;
  int rc;

  rc = dfEngineFind(zUrl, &pEngine, &zErr);
  if( rc ) die(rc, "%s", zErr);
  checkSnapshotOutput(zOut);
  zSafe = dfUrlRedact(zUrl);
  if( pEngine->xConnect(zUrl, &pConn, &zErr) ){
    die(DF_EXIT_CONNECT, "%s", dfUrlScrub(zErr ? zErr : "cannot connect", zUrl));
  }
  db = openTempSnapshot(zOut, &zTmp);
  memset(&req, 0, sizeof(req));
  req.zUrl = zUrl;
  req.zSafeUrl = zSafe;
  req.nSchema = nSchema;
  req.azSchema = azSchema;
  req.bStats = bStats;
  req.nSample = nSample!=0 ? nSample : 1000;
  if( pEngine->xMirror(pConn, &req, db, &zErr) ){
    pEngine->xDisconnect(pConn);
    sqlite3_close(db);      /* the temporary file goes at exit */
    die(DF_EXIT_CONNECT, "%s", dfUrlScrub(zErr ? zErr : "mirror failed", zUrl));
  }
  pEngine->xDisconnect(pConn);
  /* The source is recorded by the adapter; make sure it is the safe form
  ** whatever the adapter wrote (meta is outside the checksum). */
  if( dfMetaSet(db, "main", "source", zSafe)!=SQLITE_OK ){
    die(DF_EXIT_INTERNAL, "cannot record the source in '%s': %s", zOut,
        sqlite3_errmsg(db));
  }
  finishSnapshot(db, zTmp, zOut, pzChecksum);
  free(zTmp);
  free(zSafe);
}

void dfModelToFile(const char *zSqlFile, const char *zOut, int bStrict,
                   char **pzChecksum){
  char *zErr = 0, *zTmp = 0;
  char *zSql;
  sqlite3 *db;

  zSql = dfReadFile(zSqlFile, 0, &zErr);
  if( zSql==0 ) die(DF_EXIT_INPUT, "%s", zErr);
  checkSnapshotOutput(zOut);
  db = openTempSnapshot(zOut, &zTmp);
  if( dfModelLoad(zSql, zSqlFile, bStrict, db, "main", &zErr)!=SQLITE_OK ){
    sqlite3_close(db);      /* the temporary file goes at exit */
    die(DF_EXIT_INPUT, "%s", zErr ? zErr : "cannot load the model");
  }
  if( dfMetaSet(db, "main", "source", zSqlFile)!=SQLITE_OK ){
    die(DF_EXIT_INTERNAL, "cannot record the source in '%s': %s", zOut,
        sqlite3_errmsg(db));
  }
  finishSnapshot(db, zTmp, zOut, pzChecksum);
  free(zTmp);
  free(zSql);
}

/* ----------------------------------------------------------- commands */

enum { OPT_STATS = 256, OPT_SCHEMA, OPT_SAMPLE, OPT_STRICT, OPT_NO_STRICT,
       OPT_FORMAT, OPT_EXIT_CODE };

int cmdMirror(int argc, char **argv){
  static const struct option aOpt[] = {
    { "output", required_argument, 0, 'o' },
    { "stats",  no_argument,       0, OPT_STATS },
    { "schema", required_argument, 0, OPT_SCHEMA },
    { "sample", required_argument, 0, OPT_SAMPLE },
    { 0, 0, 0, 0 }
  };
  const char *zOut = 0;
  const char **azSchema = 0;
  int nSchema = 0, bStats = 0, nSample = 0, c;
  char *zChecksum = 0;

  opterr = 0;
  while( (c = getopt_long(argc, argv, ":o:", aOpt, 0))!=-1 ){
    switch( c ){
      case 'o': zOut = optarg; break;
      case OPT_STATS: bStats = 1; break;
      case OPT_SCHEMA:
        azSchema = xrealloc(azSchema, sizeof(char*)*(size_t)(nSchema+1));
        azSchema[nSchema++] = optarg;
        break;
      case OPT_SAMPLE: {
        char *zEnd = 0;
        long n = strtol(optarg, &zEnd, 10);
        if( zEnd==optarg || *zEnd || n<0 || n>100000000 ){
          dfUsageError("mirror", "--sample needs a number of documents (0: no"
                       " sampling), not '%s'", optarg);
        }
        nSample = n==0 ? -1 : (int)n;     /* DfMirrorRequest: -1 = no sampling */
        break;
      }
      case ':':
        dfUsageError("mirror", "option '%s' needs a value", argv[optind-1]);
      default:
        dfUsageError("mirror", "unknown option '%s'", argv[optind-1]);
    }
  }
  if( optind>=argc ) dfUsageError("mirror", "mirror needs a database URL");
  if( optind+1<argc ){
    dfUsageError("mirror", "unexpected argument '%s'", argv[optind+1]);
  }
  if( zOut==0 ) dfUsageError("mirror", "mirror needs -o SNAPSHOT");
  dfMirrorToFile(argv[optind], zOut, bStats, nSchema, azSchema, nSample,
                 &zChecksum);
  printSnapshotSummary(zOut, zChecksum);
  free(zChecksum);
  free(azSchema);
  return DF_EXIT_OK;
}

int cmdModel(int argc, char **argv){
  static const struct option aOpt[] = {
    { "output",    required_argument, 0, 'o' },
    { "strict",    no_argument,       0, OPT_STRICT },
    { "no-strict", no_argument,       0, OPT_NO_STRICT },
    { 0, 0, 0, 0 }
  };
  const char *zOut = 0;
  int bStrict = 1, c;
  char *zChecksum = 0;

  opterr = 0;
  while( (c = getopt_long(argc, argv, ":o:", aOpt, 0))!=-1 ){
    switch( c ){
      case 'o': zOut = optarg; break;
      case OPT_STRICT: bStrict = 1; break;
      case OPT_NO_STRICT: bStrict = 0; break;
      case ':':
        dfUsageError("model", "option '%s' needs a value", argv[optind-1]);
      default:
        dfUsageError("model", "unknown option '%s'", argv[optind-1]);
    }
  }
  if( optind>=argc ) dfUsageError("model", "model needs a FILE.sql");
  if( optind+1<argc ){
    dfUsageError("model", "unexpected argument '%s'", argv[optind+1]);
  }
  if( zOut==0 ) dfUsageError("model", "model needs -o SNAPSHOT");
  dfModelToFile(argv[optind], zOut, bStrict, &zChecksum);
  printSnapshotSummary(zOut, zChecksum);
  free(zChecksum);
  return DF_EXIT_OK;
}

/*
** A snapshot argument for a virtual table: a bare file name such as "main"
** would be taken for an attached schema, so relative names get "./".
** OUT: caller frees.
*/
static char *snapshotArg(const char *zCmd, const char *zPath){
  struct stat st;
  if( stat(zPath, &st)!=0 ){
    die(DF_EXIT_INPUT, "cannot open snapshot '%s': %s", zPath,
        strerror(errno));
  }
  if( S_ISDIR(st.st_mode) ){
    die(DF_EXIT_INPUT, "cannot open snapshot '%s': Is a directory", zPath);
  }
  (void)zCmd;
  return strchr(zPath, '/') ? xstrdup(zPath) : xasprintf("./%s", zPath);
}

/*
** SQL that turns the rows of zSelect into one JSON array of objects keyed
** by the column names (in column order). OUT: caller frees.
*/
static char *jsonArraySql(sqlite3 *db, const char *zSelect){
  sqlite3_stmt *pStmt = 0;
  sqlite3_str *pStr;
  int i, nCol;
  if( sqlite3_prepare_v2(db, zSelect, -1, &pStmt, 0)!=SQLITE_OK ){
    die(DF_EXIT_INPUT, "%s", sqlite3_errmsg(db));
  }
  nCol = sqlite3_column_count(pStmt);
  pStr = sqlite3_str_new(db);
  sqlite3_str_appendall(pStr, "SELECT json_group_array(json_object(");
  for(i=0; i<nCol; i++){
    const char *zName = sqlite3_column_name(pStmt, i);
    sqlite3_str_appendf(pStr, "%s%Q, \"%w\"", i ? ", " : "", zName, zName);
  }
  sqlite3_str_appendf(pStr, ")) FROM (%s)", zSelect);
  sqlite3_finalize(pStmt);
  return dfFromSqlite(sqlite3_str_finish(pStr));
}

/* Index of column zName in pStmt, -1 when absent. */
static int colIndex(sqlite3_stmt *pStmt, const char *zName){
  int i;
  for(i=0; i<sqlite3_column_count(pStmt); i++){
    if( sqlite3_stricmp(sqlite3_column_name(pStmt, i), zName)==0 ) return i;
  }
  return -1;
}

static const char *colStr(sqlite3_stmt *pStmt, int i){
  const char *z = i>=0 ? (const char*)sqlite3_column_text(pStmt, i) : 0;
  return z ? z : "";
}

/* Options shared by diff and compat. */
typedef struct ReportArgs ReportArgs;
struct ReportArgs {
  int bJson;              /* --format json */
  int bExitCode;          /* --exit-code */
  char *zA, *zB;          /* the two snapshot arguments (OUT: caller frees) */
};

static void parseReportArgs(const char *zCmd, int argc, char **argv,
                            ReportArgs *p){
  static const struct option aOpt[] = {
    { "format",    required_argument, 0, OPT_FORMAT },
    { "exit-code", no_argument,       0, OPT_EXIT_CODE },
    { 0, 0, 0, 0 }
  };
  int c;
  memset(p, 0, sizeof(*p));
  opterr = 0;
  while( (c = getopt_long(argc, argv, ":", aOpt, 0))!=-1 ){
    switch( c ){
      case OPT_FORMAT:
        if( strcmp(optarg, "json")==0 ) p->bJson = 1;
        else if( strcmp(optarg, "text")==0 ) p->bJson = 0;
        else dfUsageError(zCmd, "unknown format '%s': use text or json", optarg);
        break;
      case OPT_EXIT_CODE: p->bExitCode = 1; break;
      case ':':
        dfUsageError(zCmd, "option '%s' needs a value", argv[optind-1]);
      default:
        dfUsageError(zCmd, "unknown option '%s'", argv[optind-1]);
    }
  }
  if( argc-optind!=2 ){
    dfUsageError(zCmd, "%s needs two snapshot files", zCmd);
  }
  p->zA = snapshotArg(zCmd, argv[optind]);
  p->zB = snapshotArg(zCmd, argv[optind+1]);
}

/*
** Run zSelect (parameters ?1, ?2 = the two snapshots) and print it: as
** JSON, or through xLine for each row. Returns the number of rows that
** count for --exit-code: those xCount accepts (text), or the result of
** zCountSql (JSON).
*/
static int runReport(const ReportArgs *pArgs, const char *zSelect,
                     const char *zCountSql,
                     void (*xLine)(sqlite3_stmt*, const DfColours*),
                     int (*xCount)(sqlite3_stmt*)){
  char *zErr = 0;
  sqlite3 *db = dfOpenCore(":memory:", 0, &zErr);
  sqlite3_stmt *pStmt = 0;
  DfColours col;
  int nCount = 0, rc;
  char *zSql;

  if( db==0 ) die(DF_EXIT_INTERNAL, "%s", zErr);
  zSql = pArgs->bJson ? jsonArraySql(db, zSelect) : xstrdup(zSelect);
  if( sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0)!=SQLITE_OK ){
    die(DF_EXIT_INPUT, "%s", sqlite3_errmsg(db));
  }
  sqlite3_bind_text(pStmt, 1, pArgs->zA, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, pArgs->zB, -1, SQLITE_STATIC);
  dfColoursFor(stdout, &col);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    if( pArgs->bJson ){
      printf("%s\n", (const char*)sqlite3_column_text(pStmt, 0));
    }else{
      xLine(pStmt, &col);
      if( xCount(pStmt) ) nCount++;
    }
  }
  if( rc!=SQLITE_DONE ){
    /* The virtual table's own message: "schema_diff: cannot open ...". */
    die(DF_EXIT_INPUT, "%s", sqlite3_errmsg(db));
  }
  sqlite3_finalize(pStmt);
  if( pArgs->bJson && pArgs->bExitCode ){
    /* Count again, cheaply, for the exit status. */
    if( sqlite3_prepare_v2(db, zCountSql, -1, &pStmt, 0)==SQLITE_OK ){
      sqlite3_bind_text(pStmt, 1, pArgs->zA, -1, SQLITE_STATIC);
      sqlite3_bind_text(pStmt, 2, pArgs->zB, -1, SQLITE_STATIC);
      if( sqlite3_step(pStmt)==SQLITE_ROW ) nCount = sqlite3_column_int(pStmt, 0);
    }
    sqlite3_finalize(pStmt);
  }
  sqlite3_close(db);
  free(zSql);
  return nCount;
}

/* diff: "<change> <kind> <object> [attribute: old -> new]  # explanation" */
static void diffLine(sqlite3_stmt *pStmt, const DfColours *c){
  int bDestructive = sqlite3_column_int(pStmt, colIndex(pStmt, "destructive"));
  const char *zAttr = colStr(pStmt, colIndex(pStmt, "attribute"));
  const char *zExplain = colStr(pStmt, colIndex(pStmt, "explanation"));
  printf("%s%-6s %-10s %s", bDestructive ? c->zRed : "",
         colStr(pStmt, colIndex(pStmt, "change")),
         colStr(pStmt, colIndex(pStmt, "kind")),
         colStr(pStmt, colIndex(pStmt, "object")));
  if( zAttr[0] ){
    int iOld = colIndex(pStmt, "old_value");
    int iNew = colIndex(pStmt, "new_value");
    printf(" %s: %s -> %s", zAttr,
           iOld>=0 && sqlite3_column_type(pStmt, iOld)!=SQLITE_NULL
             ? colStr(pStmt, iOld) : "(none)",
           iNew>=0 && sqlite3_column_type(pStmt, iNew)!=SQLITE_NULL
             ? colStr(pStmt, iNew) : "(none)");
  }
  if( bDestructive ) printf(" [destructive]");
  printf("%s", bDestructive ? c->zReset : "");
  if( zExplain[0] ) printf("  # %s", zExplain);
  printf("\n");
}

static int diffCounts(sqlite3_stmt *pStmt){
  (void)pStmt;
  return 1;
}

int cmdDiff(int argc, char **argv){
  ReportArgs args;
  int n;
  parseReportArgs("diff", argc, argv, &args);
  n = runReport(&args, "SELECT * FROM schema_diff(?1, ?2)",
                "SELECT count(*) FROM schema_diff(?1, ?2)",
                diffLine, diffCounts);
  free(args.zA);
  free(args.zB);
  return args.bExitCode && n>0 ? DF_EXIT_CHANGES : DF_EXIT_OK;
}

/* compat: "<status> <model object> -> <db object> (<how>, <confidence>): message" */
static void compatLine(sqlite3_stmt *pStmt, const DfColours *c){
  const char *zStatus = colStr(pStmt, colIndex(pStmt, "status"));
  const char *zColour = strcmp(zStatus, "incompatible")==0 ? c->zRed
                      : strcmp(zStatus, "warning")==0 ? c->zYellow : "";
  const char *zTable = colStr(pStmt, colIndex(pStmt, "model_table"));
  const char *zField = colStr(pStmt, colIndex(pStmt, "model_column"));
  const char *zDbTable = colStr(pStmt, colIndex(pStmt, "db_table"));
  const char *zDbCol = colStr(pStmt, colIndex(pStmt, "db_column"));
  const char *zMatch = colStr(pStmt, colIndex(pStmt, "match"));
  const char *zMsg = colStr(pStmt, colIndex(pStmt, "message"));
  printf("%s%-12s%s %s%s%s", zColour, zStatus, zColour[0] ? c->zReset : "",
         zTable, zField[0] ? "." : "", zField);
  if( zDbTable[0] ){
    printf(" -> %s%s%s", zDbTable, zDbCol[0] ? "." : "", zDbCol);
  }
  if( zMatch[0] && strcmp(zMatch, "none")!=0 ){
    printf(" (%s, %s)", zMatch,
           colStr(pStmt, colIndex(pStmt, "confidence")));
  }
  if( zMsg[0] ) printf(": %s", zMsg);
  printf("\n");
}

static int compatCounts(sqlite3_stmt *pStmt){
  return strcmp(colStr(pStmt, colIndex(pStmt, "status")), "incompatible")==0;
}

int cmdCompat(int argc, char **argv){
  ReportArgs args;
  int n;
  parseReportArgs("compat", argc, argv, &args);
  n = runReport(&args, "SELECT * FROM schema_compat(?1, ?2)",
                "SELECT count(*) FROM schema_compat(?1, ?2) "
                "WHERE status='incompatible'",
                compatLine, compatCounts);
  free(args.zA);
  free(args.zB);
  return args.bExitCode && n>0 ? DF_EXIT_CHANGES : DF_EXIT_OK;
}

int cmdEngines(int argc, char **argv){
  const char *zName, *zReason;
  int i, bIn;
  (void)argv;
  if( argc>1 ) dfUsageError("engines", "engines takes no arguments");
  for(i=0; (bIn = dfEngineStatus(i, &zName, &zReason))>=0; i++){
    if( bIn ) printf("%-11s built in\n", zName);
    else printf("%-11s not available: %s\n", zName, zReason);
  }
  return DF_EXIT_OK;
}
