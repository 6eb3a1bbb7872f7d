/*
** cmd_plan.c — the review half of the command: `plan`, `show`, `approve`.
**
** Usage:
**
**   dataflow plan --from base.snapshot --to model.snapshot -o change.plan
**   dataflow plan --target sqlite:app.db --model model.sql -o change.plan \
**                 --mode manual --rename users.mail=email
**   dataflow show change.plan [--format json]
**   dataflow approve change.plan --as alice --comment "reviewed"
**
** HOW IT WORKS
**
** plan gets a base snapshot (--from, or --target mirrored into a temporary
** snapshot) and a target snapshot (--to, or --model loaded into one), then
** dfPlanFileWrite() runs migration_plan() over them and writes the plan
** file (planfile.c). show and approve open the plan with dfPlanFileOpen(),
** which verifies the checksum first: a plan edited after it was written is
** refused before anything is shown or approved. show --format json is one
** JSON object built by SQLite's json functions over the plan file's own
** tables.
*/
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"
#include "commands.h"
#include "engine.h"
#include "planfile.h"
#include "util.h"

enum { OPT_FROM = 256, OPT_TO, OPT_DIALECT, OPT_MODE, OPT_ALLOW_DESTRUCTIVE,
       OPT_RENAME, OPT_ONLINE, OPT_TARGET, OPT_MODEL, OPT_ENV, OPT_STRICT,
       OPT_NO_STRICT, OPT_FORMAT, OPT_AS, OPT_COMMENT };

/* Accepted spellings of modes and dialects, mapped to the canonical name. */
static const char *canonicalMode(const char *z){
  static const char *azMode[] = { "auto", "existing", "manual", "production",
                                  "dry_run" };
  size_t i;
  if( strcmp(z, "dry-run")==0 ) return "dry_run";
  for(i=0; i<sizeof(azMode)/sizeof(azMode[0]); i++){
    if( strcmp(z, azMode[i])==0 ) return azMode[i];
  }
  return 0;
}

static const char *canonicalDialect(const char *z){
  if( strcmp(z, "sqlite")==0 ) return "sqlite";
  if( strcmp(z, "postgresql")==0 || strcmp(z, "postgres")==0 ) return "postgresql";
  if( strcmp(z, "mysql")==0 || strcmp(z, "mariadb")==0 ) return "mysql";
  if( strcmp(z, "mongodb")==0 ) return "mongodb";
  return 0;
}

/* The short form of a checksum shown to people. */
static const char *shortSum(const char *z){
  static char zBuf[13];
  snprintf(zBuf, sizeof(zBuf), "%s", z ? z : "?");
  return zBuf;
}

/* "N steps (D destructive, R refused), dialect X, mode M, checksum C" */
static void printSummary(const DfPlanFile *p, FILE *out){
  fprintf(out, "%d step%s (%d destructive, %d refused), dialect %s, mode %s, "
          "checksum %s\n", p->nStep, p->nStep==1 ? "" : "s", p->nDestructive,
          p->nRefused, p->zDialect, p->zMode, shortSum(p->zChecksum));
}

/* ---------------------------------------------------------------- plan */

/* With --target: the engine's checks of the plan against the live data
** (xPlanCheck: MongoDB counts the documents a validator the plan installs
** would reject and names some), run now so that the reviewer sees them.
** The report is printed and kept in plan_meta.data_check, outside the plan
** checksum: the data may change before apply, which checks again. */
static void planDataCheck(const char *zTarget, const char *zOut){
  const DfEngine *pEngine = 0;
  DfConn *pConn = 0;
  DfPlanFile *pPlan = 0;
  sqlite3_stmt *pStmt = 0;
  sqlite3_str *s;
  char *zErr = 0, *zMsg = 0, *zSql;
  int i, rc;
  if( dfEngineFind(zTarget, &pEngine, &zErr) || pEngine->xPlanCheck==0 ){
    free(zErr);
    return;
  }
  rc = dfPlanFileOpen(zOut, 1, &pPlan, &zErr);
  if( rc ) die(rc, "%s", zErr);
  s = sqlite3_str_new(0);
  for(i=0; i<pPlan->nStep; i++){
    const DfPlanStep *st = &pPlan->aStep[i];
    if( !st->bRefused && st->zSql ) sqlite3_str_appendall(s, st->zSql);
  }
  zSql = dfFromSqlite(sqlite3_str_finish(s));
  if( zSql && zSql[0] ){
    rc = pEngine->xConnect(zTarget, &pConn, &zErr);
    if( rc ) die(DF_EXIT_CONNECT, "%s", zErr);
    pEngine->xPlanCheck(pConn, zSql, strcmp(pPlan->zMode, "auto")==0, &zMsg);
    pEngine->xDisconnect(pConn);
  }
  free(zSql);
  if( zMsg ){
    rc = sqlite3_prepare_v2(pPlan->db, "INSERT OR REPLACE INTO plan_meta(key, value)"
                            " VALUES('data_check', ?1)", -1, &pStmt, 0);
    if( rc==SQLITE_OK ){
      sqlite3_bind_text(pStmt, 1, zMsg, -1, SQLITE_STATIC);
      rc = sqlite3_step(pStmt)==SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(pStmt);
    if( rc ){
      die(DF_EXIT_INTERNAL, "cannot record the data check in '%s': %s", zOut,
          sqlite3_errmsg(pPlan->db));
    }
    printf("data check: %s\n", zMsg);
    free(zMsg);
  }
  dfPlanFileClose(pPlan);
}

int cmdPlan(int argc, char **argv){
  static const struct option aOpt[] = {
    { "from",              required_argument, 0, OPT_FROM },
    { "to",                required_argument, 0, OPT_TO },
    { "dialect",           required_argument, 0, OPT_DIALECT },
    { "output",            required_argument, 0, 'o' },
    { "mode",              required_argument, 0, OPT_MODE },
    { "allow-destructive", no_argument,       0, OPT_ALLOW_DESTRUCTIVE },
    { "rename",            required_argument, 0, OPT_RENAME },
    { "online",            no_argument,       0, OPT_ONLINE },
    { "target",            required_argument, 0, OPT_TARGET },
    { "model",             required_argument, 0, OPT_MODEL },
    { "env",               required_argument, 0, OPT_ENV },
    { "strict",            no_argument,       0, OPT_STRICT },
    { "no-strict",         no_argument,       0, OPT_NO_STRICT },
    { 0, 0, 0, 0 }
  };
  DfPlanRequest req;
  const char *zFrom = 0, *zTo = 0, *zTarget = 0, *zModel = 0, *zOut = 0;
  const char *zEnvFlag = 0;
  const char **azRename = 0;
  char *zBaseTmp = 0, *zTargetTmp = 0, *zSafeUrl = 0;
  char *zChecksum = 0, *zErr = 0;
  DfPlanFile *pPlan = 0;
  int nRename = 0, bStrict = 1, c, rc;

  memset(&req, 0, sizeof(req));
  opterr = 0;
  while( (c = getopt_long(argc, argv, ":o:", aOpt, 0))!=-1 ){
    switch( c ){
      case OPT_FROM: zFrom = optarg; break;
      case OPT_TO: zTo = optarg; break;
      case OPT_TARGET: zTarget = optarg; break;
      case OPT_MODEL: zModel = optarg; break;
      case 'o': zOut = optarg; break;
      case OPT_DIALECT:
        req.zDialect = canonicalDialect(optarg);
        if( req.zDialect==0 ){
          dfUsageError("plan", "unknown dialect '%s': use sqlite, postgresql, "
                       "mysql or mongodb", optarg);
        }
        break;
      case OPT_MODE:
        req.zMode = canonicalMode(optarg);
        if( req.zMode==0 ){
          dfUsageError("plan", "unknown mode '%s': use auto, existing, manual, "
                       "production or dry_run", optarg);
        }
        break;
      case OPT_ALLOW_DESTRUCTIVE: req.bAllowDestructive = 1; break;
      case OPT_ONLINE: req.bOnline = 1; break;
      case OPT_RENAME: {
        const char *zEq = strchr(optarg, '=');
        if( zEq==0 || zEq==optarg || zEq[1]==0 || strchr(zEq+1, '=') ){
          dfUsageError("plan", "--rename needs OLD=NEW (T=T2 for a table, "
                       "T.C=C2 for a column), not '%s'", optarg);
        }
        azRename = xrealloc(azRename, sizeof(char*)*(size_t)(nRename+1));
        azRename[nRename++] = optarg;
        break;
      }
      case OPT_ENV: zEnvFlag = optarg; break;
      case OPT_STRICT: bStrict = 1; break;
      case OPT_NO_STRICT: bStrict = 0; break;
      case ':':
        dfUsageError("plan", "option '%s' needs a value", argv[optind-1]);
      default:
        dfUsageError("plan", "unknown option '%s'", argv[optind-1]);
    }
  }
  if( optind<argc ) dfUsageError("plan", "unexpected argument '%s'", argv[optind]);
  if( zFrom && zTarget ) dfUsageError("plan", "give --from or --target, not both");
  if( zTo && zModel ) dfUsageError("plan", "give --to or --model, not both");
  if( !zFrom && !zTarget ){
    dfUsageError("plan", "plan needs a base: --from SNAPSHOT or --target URL");
  }
  if( !zTo && !zModel ){
    dfUsageError("plan", "plan needs a target: --to SNAPSHOT or --model FILE.sql");
  }
  if( zOut==0 ) dfUsageError("plan", "plan needs -o PLAN");
  req.zEnvironment = dfEnvironment(zEnvFlag);

  if( zTarget ){
    const DfEngine *pEngine = 0;
    rc = dfEngineFind(zTarget, &pEngine, &zErr);
    if( rc ) die(rc, "%s", zErr);
    if( req.zDialect==0 ) req.zDialect = pEngine->zDialect;
    zBaseTmp = dfTempFile(".snapshot");   /* empty: may be replaced */
    dfMirrorToFile(zTarget, zBaseTmp, 0, 0, 0, 0, 0);
    zSafeUrl = dfUrlRedact(zTarget);
    req.zBase = zBaseTmp;
    req.zBaseSource = zSafeUrl;
  }else{
    req.zBase = zFrom;
  }
  if( zModel ){
    zTargetTmp = dfTempFile(".snapshot");
    dfModelToFile(zModel, zTargetTmp, bStrict, 0);
    req.zTarget = zTargetTmp;
    req.zTargetSource = zModel;
  }else{
    req.zTarget = zTo;
  }
  req.nRename = nRename;
  req.azRename = azRename;

  rc = dfPlanFileWrite(zOut, &req, &zChecksum, &zErr);
  if( rc ) die(rc, "%s", zErr);

  /* Read it back as a reviewer would: this also proves it verifies. */
  rc = dfPlanFileOpen(zOut, 0, &pPlan, &zErr);
  if( rc ) die(DF_EXIT_INTERNAL, "the plan just written does not verify: %s", zErr);
  printf("%s: ", zOut);
  printSummary(pPlan, stdout);
  if( pPlan->nRefused>0 ){
    printf("%d step%s refused in mode %s (see dataflow show %s); plan them "
           "with --allow-destructive or --mode manual\n", pPlan->nRefused,
           pPlan->nRefused==1 ? " was" : "s were", pPlan->zMode, zOut);
  }
  dfPlanFileClose(pPlan);
  if( zTarget ) planDataCheck(zTarget, zOut);
  free(zChecksum);
  free(zSafeUrl);
  free(zBaseTmp);
  free(zTargetTmp);
  free(azRename);
  return DF_EXIT_OK;
}

/* ---------------------------------------------------------------- show */

/* Print text indented by zIndent on every line. */
static void printIndented(const char *zIndent, const char *zPrefix,
                          const char *zText, const char *zOn,
                          const char *zOff){
  const char *z = zText;
  int bFirst = 1;
  while( *z ){
    const char *zNl = strchr(z, '\n');
    int n = zNl ? (int)(zNl-z) : (int)strlen(z);
    printf("%s%s%s%.*s%s\n", zIndent, bFirst ? zPrefix : "", zOn, n, z, zOff);
    if( bFirst ){
      zIndent = xasprintf("%s%*s", zIndent, (int)strlen(zPrefix), "");
    }
    bFirst = 0;
    z += n;
    if( *z=='\n' ) z++;
  }
  if( !bFirst ) free((char*)zIndent);
}

/* The compatibility report of a mode 'existing' plan, if it has one. */
static void showCompat(const DfPlanFile *p, const DfColours *c){
  sqlite3_stmt *pStmt = 0;
  int nRow = 0;
  if( sqlite3_prepare_v2(p->db, "SELECT * FROM compat", -1, &pStmt, 0)
        !=SQLITE_OK ){
    return;   /* no compat table: not a mode 'existing' plan */
  }
  printf("\n%sCompatibility of the model with the database:%s\n", c->zBold,
         c->zReset);
  while( sqlite3_step(pStmt)==SQLITE_ROW ){
    int i, n = sqlite3_column_count(pStmt);
    const char *zStatus = "", *zMsg = "";
    const char *zTable = "", *zField = "";
    for(i=0; i<n; i++){
      const char *zCol = sqlite3_column_name(pStmt, i);
      const char *zVal = (const char*)sqlite3_column_text(pStmt, i);
      if( zVal==0 ) zVal = "";
      if( strcmp(zCol, "status")==0 ) zStatus = zVal;
      else if( strcmp(zCol, "message")==0 ) zMsg = zVal;
      else if( strcmp(zCol, "model_table")==0 ) zTable = zVal;
      else if( strcmp(zCol, "model_column")==0 ) zField = zVal;
    }
    printf("  %s%-12s%s %s%s%s%s%s\n",
           strcmp(zStatus, "incompatible")==0 ? c->zRed
           : strcmp(zStatus, "warning")==0 ? c->zYellow : "",
           zStatus, c->zReset, zTable, zField[0] ? "." : "", zField,
           zMsg[0] ? ": " : "", zMsg);
    nRow++;
  }
  sqlite3_finalize(pStmt);
  if( nRow==0 ) printf("  (nothing to compare)\n");
}

/* What `plan --target` found in the live data (plan_meta.data_check). */
static void showDataCheck(const DfPlanFile *p, const DfColours *c){
  sqlite3_stmt *pStmt = 0;
  if( sqlite3_prepare_v2(p->db, "SELECT value FROM plan_meta WHERE key='data_check'",
                         -1, &pStmt, 0)==SQLITE_OK
   && sqlite3_step(pStmt)==SQLITE_ROW ){
    printf("\n%sData check when planned:%s %s\n", c->zYellow, c->zReset,
           (const char*)sqlite3_column_text(pStmt, 0));
  }
  sqlite3_finalize(pStmt);
}

static void showText(const DfPlanFile *p){
  DfColours c;
  int i;
  dfColoursFor(stdout, &c);
  printf("%sPlan %s%s\n", c.zBold, p->zPath, c.zReset);
  printf("  dialect %s, mode %s, environment %s\n", p->zDialect, p->zMode,
         p->zEnvironment ? p->zEnvironment : "?");
  printf("  author %s, created %s\n", p->zAuthor ? p->zAuthor : "?",
         p->zCreatedAt ? p->zCreatedAt : "?");
  printf("  base   %s (checksum %s)\n",
         p->zBaseSource ? p->zBaseSource : "?", shortSum(p->zBaseChecksum));
  printf("  target %s (checksum %s)\n",
         p->zTargetSource ? p->zTargetSource : "?",
         shortSum(p->zTargetChecksum));
  printf("\n");
  if( p->nStep==0 ){
    if( strcmp(p->zMode, "existing")==0 ){
      printf("No steps: mode existing never changes the database.\n");
    }else{
      printf("No changes: the schemas already match.\n");
    }
  }
  for(i=0; i<p->nStep; i++){
    const DfPlanStep *s = &p->aStep[i];
    const char *zOn = s->bRefused ? c.zYellow : s->bDestructive ? c.zRed : "";
    const char *zOff = zOn[0] ? c.zReset : "";
    printf("%s%3d. [%s] %s %s%s%s%s\n", zOn, s->iStep, s->zPhase,
           s->zOperation, s->zObject,
           s->bDestructive ? "  DESTRUCTIVE" : "",
           s->bRefused ? "  REFUSED" : "", zOff);
    if( s->bRefused ){
      printf("     %swhy: %s%s\n", c.zYellow,
             s->zWhy ? s->zWhy : "(no reason given)", c.zReset);
    }else if( s->zWhy && s->zWhy[0] ){
      printf("     why: %s\n", s->zWhy);
    }
    if( s->zSql && s->zSql[0] ){
      printIndented("     ", "", s->zSql, "", "");
    }
    if( s->zRollback && s->zRollback[0] ){
      printIndented("     ", "rollback: ", s->zRollback, c.zDim, c.zReset);
    }else{
      printf("     %srollback: none (cannot be undone)%s\n", c.zDim, c.zReset);
    }
    printf("     lock: %s; rows: ", s->zLock && s->zLock[0] ? s->zLock : "none");
    if( s->nRows>=0 ) printf("%lld", s->nRows);
    else printf("unknown");
    printf("%s\n", s->bTransactional ? "" : "; not transactional");
  }
  if( strcmp(p->zMode, "existing")==0 ) showCompat(p, &c);
  showDataCheck(p, &c);
  printf("\n");
  if( p->nApproval==0 ){
    printf("Approvals: none\n");
  }else{
    printf("Approvals:\n");
    for(i=0; i<p->nApproval; i++){
      const DfApproval *a = &p->aApproval[i];
      printf("  %s%s%s at %s%s%s%s\n", c.zGreen, a->zApprover, c.zReset,
             a->zApprovedAt, a->zComment ? ": \"" : "",
             a->zComment ? a->zComment : "", a->zComment ? "\"" : "");
    }
  }
  if( p->nStaleApproval>0 ){
    printf("  (%d approval%s given to an earlier version of this plan no "
           "longer count%s)\n", p->nStaleApproval,
           p->nStaleApproval==1 ? "" : "s", p->nStaleApproval==1 ? "s" : "");
  }
  if( p->nApproval==0 && strcmp(p->zMode, "production")==0 && p->nStep>0 ){
    printf("%sMode production: apply needs an approval first (dataflow "
           "approve %s --as NAME)%s\n", c.zYellow, p->zPath, c.zReset);
  }
  printf("%s", c.zBold);
  printSummary(p, stdout);
  printf("%s", c.zReset);
}

/* The JSON form: one object, built by SQLite over the plan file itself. */
static void showJson(const DfPlanFile *p){
  static const char zSql[] =
    "SELECT json_object("
    " 'file', ?1,"
    " 'format_version', (SELECT CAST(value AS INTEGER) FROM plan_meta"
    "                    WHERE key='format_version'),"
    " 'dialect', ?2, 'mode', ?3, 'checksum', ?4,"
    " 'author', (SELECT value FROM plan_meta WHERE key='author'),"
    " 'created_at', (SELECT value FROM plan_meta WHERE key='created_at'),"
    " 'environment', (SELECT value FROM plan_meta WHERE key='environment'),"
    " 'base', json_object("
    "    'source', (SELECT value FROM plan_meta WHERE key='base_source'),"
    "    'checksum', (SELECT value FROM plan_meta WHERE key='base_checksum')),"
    " 'target', json_object("
    "    'source', (SELECT value FROM plan_meta WHERE key='target_source'),"
    "    'checksum', (SELECT value FROM plan_meta WHERE key='target_checksum')),"
    " 'options', (SELECT json(value) FROM plan_meta WHERE key='options'"
    "             AND json_valid(value)),"
    " 'data_check', (SELECT value FROM plan_meta WHERE key='data_check'),"
    " 'summary', json_object('steps', ?5, 'destructive', ?6, 'refused', ?7,"
    "                        'approvals', ?8, 'stale_approvals', ?9),"
    " 'steps', (SELECT json_group_array(json_object("
    "    'step', step, 'phase', phase, 'operation', operation,"
    "    'object', object, 'sql', sql, 'rollback_sql', rollback_sql,"
    "    'destructive', json(CASE WHEN destructive THEN 'true' ELSE 'false' END),"
    "    'transactional', json(CASE WHEN transactional THEN 'true' ELSE 'false' END),"
    "    'lock_impact', lock_impact,"
    "    'est_rows', CASE WHEN est_rows>=0 THEN est_rows END,"
    "    'refused', json(CASE WHEN refused THEN 'true' ELSE 'false' END),"
    "    'why', why,"
    "    'touches', CASE WHEN json_valid(touches) THEN json(touches)"
    "               ELSE touches END))"
    "    FROM (SELECT * FROM steps ORDER BY step)),"
    " 'approvals', (SELECT json_group_array(json_object("
    "    'approver', approver, 'comment', comment, 'approved_at', approved_at))"
    "    FROM (SELECT * FROM approvals WHERE plan_checksum=?4 ORDER BY id)))";
  sqlite3_stmt *pStmt = 0;
  if( sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0)!=SQLITE_OK ){
    die(DF_EXIT_INTERNAL, "cannot render '%s' as JSON: %s", p->zPath,
        sqlite3_errmsg(p->db));
  }
  sqlite3_bind_text(pStmt, 1, p->zPath, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, p->zDialect, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 3, p->zMode, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 4, p->zChecksum, -1, SQLITE_STATIC);
  sqlite3_bind_int(pStmt, 5, p->nStep);
  sqlite3_bind_int(pStmt, 6, p->nDestructive);
  sqlite3_bind_int(pStmt, 7, p->nRefused);
  sqlite3_bind_int(pStmt, 8, p->nApproval);
  sqlite3_bind_int(pStmt, 9, p->nStaleApproval);
  if( sqlite3_step(pStmt)!=SQLITE_ROW ){
    die(DF_EXIT_INTERNAL, "cannot render '%s' as JSON: %s", p->zPath,
        sqlite3_errmsg(p->db));
  }
  printf("%s\n", (const char*)sqlite3_column_text(pStmt, 0));
  sqlite3_finalize(pStmt);
}

int cmdShow(int argc, char **argv){
  static const struct option aOpt[] = {
    { "format", required_argument, 0, OPT_FORMAT },
    { 0, 0, 0, 0 }
  };
  DfPlanFile *pPlan = 0;
  char *zErr = 0;
  int bJson = 0, c, rc;

  opterr = 0;
  while( (c = getopt_long(argc, argv, ":", aOpt, 0))!=-1 ){
    switch( c ){
      case OPT_FORMAT:
        if( strcmp(optarg, "json")==0 ) bJson = 1;
        else if( strcmp(optarg, "text")==0 ) bJson = 0;
        else dfUsageError("show", "unknown format '%s': use text or json", optarg);
        break;
      case ':':
        dfUsageError("show", "option '%s' needs a value", argv[optind-1]);
      default:
        dfUsageError("show", "unknown option '%s'", argv[optind-1]);
    }
  }
  if( argc-optind!=1 ) dfUsageError("show", "show needs one plan file");
  rc = dfPlanFileOpen(argv[optind], 0, &pPlan, &zErr);
  if( rc ) die(rc, "%s", zErr);
  if( bJson ) showJson(pPlan);
  else showText(pPlan);
  dfPlanFileClose(pPlan);
  return DF_EXIT_OK;
}

/* ------------------------------------------------------------- approve */

int cmdApprove(int argc, char **argv){
  static const struct option aOpt[] = {
    { "as",      required_argument, 0, OPT_AS },
    { "comment", required_argument, 0, OPT_COMMENT },
    { 0, 0, 0, 0 }
  };
  const char *zAs = 0, *zComment = 0;
  DfPlanFile *pPlan = 0;
  char *zErr = 0;
  int bAlready = 0, c, rc;

  opterr = 0;
  while( (c = getopt_long(argc, argv, ":", aOpt, 0))!=-1 ){
    switch( c ){
      case OPT_AS: zAs = optarg; break;
      case OPT_COMMENT: zComment = optarg; break;
      case ':':
        dfUsageError("approve", "option '%s' needs a value", argv[optind-1]);
      default:
        dfUsageError("approve", "unknown option '%s'", argv[optind-1]);
    }
  }
  if( argc-optind!=1 ) dfUsageError("approve", "approve needs one plan file");
  if( zAs==0 || zAs[0]==0 ) dfUsageError("approve", "approve needs --as NAME");
  rc = dfPlanFileOpen(argv[optind], 1, &pPlan, &zErr);
  if( rc ) die(rc, "%s", zErr);
  rc = dfPlanFileApprove(pPlan, zAs, zComment, &bAlready, &zErr);
  if( rc ) die(rc, "%s", zErr);
  if( bAlready ){
    printf("%s was already approved by %s (checksum %s)\n", pPlan->zPath, zAs,
           shortSum(pPlan->zChecksum));
  }else{
    printf("approved %s as %s (checksum %s)\n", pPlan->zPath, zAs,
           shortSum(pPlan->zChecksum));
  }
  dfPlanFileClose(pPlan);
  return DF_EXIT_OK;
}
