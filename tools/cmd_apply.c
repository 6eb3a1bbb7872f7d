/*
** cmd_apply.c — the commands that change (or watch) a live database:
** apply, rollback, status, migrate, unlock, purge. Argument parsing only;
** the work is in executor.c, rollback.c and status.c.
**
** Usage:
**
**   dataflow apply change.plan --target sqlite:app.db [--yes] [--env E]
**        [--lock-timeout S] [--as NAME] [--dry-run] [--name NAME]
**   dataflow rollback --target sqlite:app.db [--yes]
**   dataflow status --target sqlite:app.db [--format json] [--record]
**   dataflow migrate --target sqlite:app.db --model model.sql [--yes]
**        [--mode auto|existing|dry_run]
**   dataflow unlock --target sqlite:app.db
**   dataflow purge --target sqlite:app.db [--yes]
**
** HOW IT WORKS
**
** Each command parses its options with getopt_long (commands.h), opens the
** target (executor.c dfTargetOpen) and calls the executor, then dies with
** the executor's status and message, or returns DF_EXIT_OK. `migrate` is
** `plan --target --model` into a temporary plan file in mode auto followed
** by `apply` of that file, so the one-shot path runs exactly the code a
** reviewed plan runs.
*/
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "executor.h"
#include "planfile.h"
#include "util.h"

#define DEFAULT_LOCK_TIMEOUT 30.0   /* seconds */

enum {
  OPT_TARGET = 256, OPT_YES, OPT_ENV, OPT_LOCK_TIMEOUT, OPT_AS, OPT_DRY_RUN,
  OPT_NAME, OPT_FORMAT, OPT_RECORD, OPT_MODEL, OPT_MODE, OPT_NO_STRICT
};

/* Options every command of this file may take; each command says which
** it accepts through its own getopt table. */
typedef struct Args Args;
struct Args {
  const char *zTarget;    /* --target URL */
  const char *zModel;     /* --model FILE.sql (migrate) */
  const char *zMode;      /* --mode (migrate) */
  const char *zFormat;    /* --format text|json (status) */
  int bRecord;            /* --record (status) */
  int bNoStrict;          /* --no-strict (migrate: model type vocabulary) */
  DfExecOptions opt;      /* for the executor */
  const char *zOperand;   /* the one operand (apply: PLAN) */
};

static void parseArgs(const char *zCmd, int argc, char **argv,
                      const struct option *aOpt, int bOperand, Args *p){
  int c;
  memset(p, 0, sizeof(*p));
  p->opt.rLockTimeout = DEFAULT_LOCK_TIMEOUT;
  opterr = 0;
  optind = 1;
  while( (c = getopt_long(argc, argv, ":hy", aOpt, 0))!=-1 ){
    switch( c ){
      case 'h':
        dfUsage(zCmd, stdout);
        exit(DF_EXIT_OK);
      case 'y':
      case OPT_YES: p->opt.bYes = 1; break;
      case OPT_TARGET: p->zTarget = optarg; break;
      case OPT_ENV: p->opt.zEnv = optarg; break;
      case OPT_AS: p->opt.zAs = optarg; break;
      case OPT_DRY_RUN: p->opt.bDryRun = 1; break;
      case OPT_NAME: p->opt.zName = optarg; break;
      case OPT_FORMAT: p->zFormat = optarg; break;
      case OPT_RECORD: p->bRecord = 1; break;
      case OPT_MODEL: p->zModel = optarg; break;
      case OPT_MODE: p->zMode = optarg; break;
      case OPT_NO_STRICT: p->bNoStrict = 1; break;
      case OPT_LOCK_TIMEOUT: {
        char *zEnd = 0;
        double r = strtod(optarg, &zEnd);
        if( zEnd==optarg || *zEnd || r<0 || r>86400 ){
          dfUsageError(zCmd, "--lock-timeout needs a number of seconds"
                       " (0 to 86400), not '%s'", optarg);
        }
        p->opt.rLockTimeout = r;
        break;
      }
      case ':':
        dfUsageError(zCmd, "option '%s' needs a value", argv[optind-1]);
      default:
        dfUsageError(zCmd, "unknown option '%s'", argv[optind-1]);
    }
  }
  if( bOperand ){
    if( optind>=argc ) dfUsageError(zCmd, "%s needs a PLAN file", zCmd);
    p->zOperand = argv[optind++];
  }
  if( optind<argc ) dfUsageError(zCmd, "unexpected argument '%s'", argv[optind]);
  if( p->zTarget==0 ) dfUsageError(zCmd, "%s needs --target URL", zCmd);
  (void)dfEnvironment(p->opt.zEnv);     /* a bad --env is a usage error now */
}

/* Open the target or die. */
static void openTarget(const char *zUrl, DfTarget *t){
  char *zErr = 0;
  int rc = dfTargetOpen(zUrl, t, &zErr);
  if( rc ) die(rc, "%s", zErr ? zErr : "cannot open the target");
}

/* Finish a command: die with the executor's message, or return OK. */
static int finish(int rc, char *zErr){
  if( rc ){
    fflush(stdout);
    if( zErr==0 ) exit(rc);       /* the report already said why */
    die(rc, "%s", zErr);
  }
  free(zErr);
  return DF_EXIT_OK;
}

#define COMMON_OPTS \
  { "target",       required_argument, 0, OPT_TARGET }, \
  { "yes",          no_argument,       0, OPT_YES }, \
  { "env",          required_argument, 0, OPT_ENV }, \
  { "lock-timeout", required_argument, 0, OPT_LOCK_TIMEOUT }, \
  { "as",           required_argument, 0, OPT_AS }, \
  { "help",         no_argument,       0, 'h' }

int cmdApply(int argc, char **argv){
  static const struct option aOpt[] = {
    COMMON_OPTS,
    { "dry-run",      no_argument,       0, OPT_DRY_RUN },
    { "name",         required_argument, 0, OPT_NAME },
    { 0, 0, 0, 0 }
  };
  Args a;
  DfTarget t;
  DfPlanFile *pPlan = 0;
  char *zErr = 0;
  int rc;

  parseArgs("apply", argc, argv, aOpt, 1, &a);
  rc = dfPlanFileOpen(a.zOperand, 0, &pPlan, &zErr);
  if( rc ) die(rc, "%s", zErr);
  openTarget(a.zTarget, &t);
  rc = dfExecApply(pPlan, &t, &a.opt, &zErr);
  dfTargetClose(&t);
  dfPlanFileClose(pPlan);
  return finish(rc, zErr);
}

int cmdRollback(int argc, char **argv){
  static const struct option aOpt[] = { COMMON_OPTS, { 0, 0, 0, 0 } };
  Args a;
  DfTarget t;
  char *zErr = 0;
  int rc;
  parseArgs("rollback", argc, argv, aOpt, 0, &a);
  openTarget(a.zTarget, &t);
  rc = dfExecRollback(&t, &a.opt, &zErr);
  dfTargetClose(&t);
  return finish(rc, zErr);
}

int cmdStatus(int argc, char **argv){
  static const struct option aOpt[] = {
    COMMON_OPTS,
    { "format",       required_argument, 0, OPT_FORMAT },
    { "record",       no_argument,       0, OPT_RECORD },
    { 0, 0, 0, 0 }
  };
  Args a;
  DfTarget t;
  char *zErr = 0;
  int rc, bJson = 0;
  parseArgs("status", argc, argv, aOpt, 0, &a);
  if( a.zFormat ){
    if( strcmp(a.zFormat, "json")==0 ) bJson = 1;
    else if( strcmp(a.zFormat, "text")!=0 ){
      dfUsageError("status", "--format must be text or json, not '%s'", a.zFormat);
    }
  }
  openTarget(a.zTarget, &t);
  rc = dfExecStatus(&t, &a.opt, bJson, a.bRecord, &zErr);
  dfTargetClose(&t);
  return finish(rc, zErr);
}

int cmdUnlock(int argc, char **argv){
  static const struct option aOpt[] = {
    { "target", required_argument, 0, OPT_TARGET },
    { "help",   no_argument,       0, 'h' },
    { 0, 0, 0, 0 }
  };
  Args a;
  DfTarget t;
  char *zErr = 0;
  int rc;
  parseArgs("unlock", argc, argv, aOpt, 0, &a);
  openTarget(a.zTarget, &t);
  rc = dfExecUnlock(&t, &zErr);
  dfTargetClose(&t);
  return finish(rc, zErr);
}

int cmdPurge(int argc, char **argv){
  static const struct option aOpt[] = { COMMON_OPTS, { 0, 0, 0, 0 } };
  Args a;
  DfTarget t;
  char *zErr = 0;
  int rc;
  parseArgs("purge", argc, argv, aOpt, 0, &a);
  openTarget(a.zTarget, &t);
  rc = dfExecPurge(&t, &a.opt, &zErr);
  dfTargetClose(&t);
  return finish(rc, zErr);
}

/* Base name of a path without its extension. OUT: caller frees. */
static char *baseName(const char *zPath){
  const char *z = strrchr(zPath, '/');
  const char *zDot;
  z = z ? z + 1 : zPath;
  zDot = strrchr(z, '.');
  return zDot && zDot>z ? xasprintf("%.*s", (int)(zDot - z), z) : xstrdup(z);
}

int cmdMigrate(int argc, char **argv){
  static const struct option aOpt[] = {
    COMMON_OPTS,
    { "model",        required_argument, 0, OPT_MODEL },
    { "mode",         required_argument, 0, OPT_MODE },
    { "dry-run",      no_argument,       0, OPT_DRY_RUN },
    { "no-strict",    no_argument,       0, OPT_NO_STRICT },
    { 0, 0, 0, 0 }
  };
  Args a;
  DfTarget t;
  DfPlanRequest req;
  DfPlanFile *pPlan = 0;
  char *zBaseTmp = 0, *zModelTmp = 0, *zPlanTmp = 0;
  char *zBaseSum = 0, *zModelSum = 0, *zSafe = 0, *zName = 0, *zBase = 0;
  char *zAuthor = 0, *zErr = 0;
  int rc, nRefused = 0;

  parseArgs("migrate", argc, argv, aOpt, 0, &a);
  if( a.zModel==0 ) dfUsageError("migrate", "migrate needs --model FILE.sql");
  if( a.zMode && strcmp(a.zMode, "auto") && strcmp(a.zMode, "existing")
   && strcmp(a.zMode, "dry_run") ){
    dfUsageError("migrate", "migrate runs in mode auto, existing or dry_run,"
                 " not '%s' (plan other modes with dataflow plan)", a.zMode);
  }
  if( a.zMode && strcmp(a.zMode, "dry_run")==0 ) a.opt.bDryRun = 1;

  openTarget(a.zTarget, &t);
  zBaseTmp = dfTempFile(".snapshot");
  zModelTmp = dfTempFile(".snapshot");
  dfMirrorToFile(a.zTarget, zBaseTmp, 0, 0, 0, 0, &zBaseSum);
  dfModelToFile(a.zModel, zModelTmp, !a.bNoStrict, &zModelSum);

  if( a.zMode && strcmp(a.zMode, "existing")==0 ){
    sqlite3 *db = dfOpenCore(":memory:", 0, &zErr);
    if( db==0 ) die(DF_EXIT_INTERNAL, "%s", zErr);
    rc = dfExecCompatReport(db, zModelTmp, &t, &zErr);
    sqlite3_close(db);
    goto done;
  }
  if( zBaseSum && zModelSum && strcmp(zBaseSum, zModelSum)==0 ){
    printf("schema already matches the model; nothing to do\n");
    rc = DF_EXIT_OK;
    goto done;
  }

  /* Plan in mode auto into a temporary plan file, then apply it. */
  zPlanTmp = dfTempFile(".plan");
  zSafe = dfUrlRedact(a.zTarget);
  zAuthor = a.opt.zAs ? xstrdup(a.opt.zAs) : dfAuthor();
  memset(&req, 0, sizeof(req));
  req.zBase = zBaseTmp;
  req.zTarget = zModelTmp;
  req.zDialect = t.pEng->zDialect;
  req.zMode = "auto";
  req.zAuthor = zAuthor;
  req.zEnvironment = dfEnvironment(a.opt.zEnv);
  req.zBaseSource = zSafe;
  req.zTargetSource = a.zModel;
  rc = dfPlanFileWrite(zPlanTmp, &req, 0, &zErr);
  if( rc==0 ) rc = dfPlanFileOpen(zPlanTmp, 0, &pPlan, &zErr);
  if( rc ) goto done;
  if( pPlan->nStep==0 ){
    /* Checksums may differ in what the planner ignores: no step is a match. */
    printf("schema already matches the model; nothing to do\n");
    dfPlanFileClose(pPlan);
    goto done;
  }
  zBase = baseName(a.zModel);
  zName = xasprintf("migrate %s", zBase);
  a.opt.zName = zName;
  a.opt.bMigrate = 1;
  nRefused = pPlan->nRefused;
  rc = dfExecApply(pPlan, &t, &a.opt, &zErr);
  dfPlanFileClose(pPlan);
  if( rc==0 && nRefused>0 ){
    zErr = xasprintf("%d destructive change%s refused in auto mode (listed"
        " above); the database does not match the model yet: plan %s with"
        " dataflow plan --target %s --model %s --mode manual", nRefused,
        nRefused==1 ? " was" : "s were", nRefused==1 ? "it" : "them", zSafe,
        a.zModel);
    rc = DF_EXIT_REFUSED;
  }

done:
  dfTargetClose(&t);
  if( zBaseTmp ){ unlink(zBaseTmp); free(zBaseTmp); }
  if( zModelTmp ){ unlink(zModelTmp); free(zModelTmp); }
  if( zPlanTmp ){ unlink(zPlanTmp); free(zPlanTmp); }
  free(zBaseSum);
  free(zModelSum);
  free(zSafe);
  free(zAuthor);
  free(zName);
  free(zBase);
  return finish(rc, zErr);
}
