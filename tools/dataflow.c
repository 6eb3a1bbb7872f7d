/*
** dataflow.c — entry point of the `dataflow` command: global options, the
** table of subcommands, and their usage texts.
**
** Usage:
**
**   dataflow mirror sqlite:app.db -o base.snapshot
**   dataflow model model.sql -o model.snapshot
**   dataflow plan --from base.snapshot --to model.snapshot -o change.plan
**   dataflow show change.plan
**   dataflow approve change.plan --as alice
**   dataflow apply change.plan --target sqlite:app.db
**   dataflow help plan
**   dataflow --version
**
** HOW IT WORKS
**
** `dataflow NAME ARGS...` calls the NAME entry of aCommand[] with argv
** shifted so that argv[0] is NAME: each subcommand parses its own options
** with getopt_long() as if it were a program (commands.h). `-h`/`--help`
** after a subcommand prints its usage here, so every command, written in
** whichever file, answers it the same way. Exit statuses: util.h and
** doc/exit-status.md.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

#include "sqlite3.h"
#include "commands.h"
#include "engine.h"
#include "util.h"

/* One subcommand. */
typedef struct Command Command;
struct Command {
  const char *zName;                   /* as typed: "plan" */
  int (*xRun)(int argc, char **argv);  /* implementation (commands.h) */
  const char *zSummary;                /* one line for `dataflow help` */
  const char *zUsage;                  /* full text for `dataflow help NAME` */
};

static int cmdHelp(int argc, char **argv);
static int cmdVersion(int argc, char **argv);

static const Command aCommand[] = {
  { "mirror", cmdMirror, "read a live database's schema into a snapshot",
    "Usage: dataflow mirror URL -o SNAPSHOT [--stats] [--schema NAME]... [--sample N]\n"
    "\n"
    "Read the schema of a live database, through its system catalogs, into a\n"
    "snapshot file (a SQLite file anyone can query). Never changes the database.\n"
    "\n"
    "  URL                sqlite:PATH, sqlite:///ABSOLUTE/PATH or a plain PATH;\n"
    "                     postgresql://USER@HOST/DB (or a libpq conninfo string),\n"
    "                     mysql://, mariadb://, mongodb:// where built in\n"
    "                     (see dataflow engines). Passwords never reach the snapshot.\n"
    "  -o, --output FILE  the snapshot to write; an existing file is replaced only\n"
    "                     when it is a DataFlow snapshot\n"
    "  --stats            also record row counts, NULLs, maximum lengths and\n"
    "                     duplicates, so plans can say how many rows a change hurts\n"
    "  --schema NAME      PostgreSQL: schema to read (repeatable; default public)\n"
    "  --sample N         MongoDB: documents sampled per collection to infer\n"
    "                     field shapes (default 1000; 0: no sampling)\n"
    "\n"
    "Example: dataflow mirror sqlite:app.db -o base.snapshot --stats\n" },

  { "model", cmdModel, "load a portable DDL model into a snapshot",
    "Usage: dataflow model FILE.sql -o SNAPSHOT [--strict | --no-strict]\n"
    "\n"
    "Load a model, declared as portable DDL in SQLite syntax, into a snapshot.\n"
    "\n"
    "  -o, --output FILE  the snapshot to write\n"
    "  --strict           (default) only the portable type vocabulary: INTEGER,\n"
    "                     BIGINT, SMALLINT, TEXT, VARCHAR(n), BOOLEAN, REAL, DOUBLE,\n"
    "                     NUMERIC(p,s), DATE, TIME, TIMESTAMP, TIMESTAMPTZ, JSON,\n"
    "                     BLOB, UUID; any other type is an error\n"
    "  --no-strict        also accept SQLite's own type names\n"
    "\n"
    "Errors name the file, the line and the statement.\n"
    "Example: dataflow model model.sql -o model.snapshot\n" },

  { "diff", cmdDiff, "list the differences between two snapshots",
    "Usage: dataflow diff FROM TO [--format text|json] [--exit-code]\n"
    "\n"
    "Print the rows of schema_diff(FROM, TO): one line per difference. FROM and\n"
    "TO are snapshot files. Equal schemas print nothing.\n"
    "\n"
    "  --format text|json  text (default) or a JSON array of objects\n"
    "  --exit-code         exit with status 8 when there are differences\n"
    "\n"
    "Example: dataflow diff base.snapshot model.snapshot\n" },

  { "compat", cmdCompat, "check a model against an existing database",
    "Usage: dataflow compat MODEL DB [--format text|json] [--exit-code]\n"
    "\n"
    "Print the rows of schema_compat(MODEL, DB): for each model table and field,\n"
    "what it matched in the database, how, and whether it is compatible. MODEL\n"
    "and DB are snapshot files.\n"
    "\n"
    "  --format text|json  text (default) or a JSON array of objects\n"
    "  --exit-code         exit with status 8 when anything is incompatible\n"
    "\n"
    "Example: dataflow compat model.snapshot base.snapshot\n" },

  { "plan", cmdPlan, "plan a migration into a plan file",
    "Usage: dataflow plan --from SNAPSHOT --to SNAPSHOT [--dialect D] -o PLAN [options]\n"
    "       dataflow plan --target URL --model FILE.sql -o PLAN [options]\n"
    "\n"
    "Plan the migration from a base schema to a target schema and write it as a\n"
    "plan file: one SQLite file with the steps, both snapshots, the mode, the\n"
    "dialect, the author and a checksum. The base is a snapshot (--from) or a\n"
    "live database mirrored now (--target); the target is a snapshot (--to) or\n"
    "a model (--model).\n"
    "\n"
    "  -o, --output PLAN     the plan file to write\n"
    "  --dialect D           sqlite, postgresql, mysql or mongodb (default: the\n"
    "                        engine of the base)\n"
    "  --mode M              auto (default), existing, manual, production, dry_run\n"
    "  --allow-destructive   plan destructive steps in auto mode too\n"
    "  --rename OLD=NEW      a rename hint: T=T2 for a table, T.C=C2 for a column\n"
    "                        (repeatable)\n"
    "  --online              use online DDL where the engine has it\n"
    "  --no-strict           with --model: accept SQLite's own type names\n"
    "  --env E               development, staging or production (default\n"
    "                        $DATAFLOW_ENV, else development)\n"
    "\n"
    "Example: dataflow plan --from base.snapshot --to model.snapshot -o change.plan\n" },

  { "show", cmdShow, "show a plan file for review",
    "Usage: dataflow show PLAN [--format text|json]\n"
    "\n"
    "Render a plan for review: each step with its phase, operation, object, SQL\n"
    "and rollback, destructive steps marked, lock impact, rows touched, refused\n"
    "steps and why, approvals, and a summary line. A plan file that was modified\n"
    "after it was written is refused.\n"
    "\n"
    "  --format text|json  text (default; colour on a terminal unless NO_COLOR\n"
    "                      is set) or one JSON object, for CI\n"
    "\n"
    "Example: dataflow show change.plan\n" },

  { "approve", cmdApprove, "approve a plan, bound to its checksum",
    "Usage: dataflow approve PLAN --as NAME [--comment TEXT]\n"
    "\n"
    "Record an approval in the plan file, bound to the plan's checksum: editing\n"
    "the plan afterwards invalidates it. Mode production needs one to apply.\n"
    "\n"
    "  --as NAME         who approves\n"
    "  --comment TEXT    why, or under what condition\n"
    "\n"
    "Example: dataflow approve change.plan --as alice --comment \"reviewed\"\n" },

  { "apply", cmdApply, "apply a plan to a live database",
    "Usage: dataflow apply PLAN --target URL [--yes] [--env E] [--as NAME]\n"
    "                      [--lock-timeout SECONDS] [--dry-run] [--name NAME]\n"
    "\n"
    "Apply a reviewed plan: take DataFlow's lock on the target, check the live\n"
    "schema against the plan's base for drift, check the mode's gates\n"
    "(confirmation, approval), keep the data a destructive step would destroy,\n"
    "run the steps in one transaction where the engine allows it, and record\n"
    "the migration in dataflow_migrations.\n"
    "\n"
    "  --target URL          the database (see dataflow help mirror for URLs)\n"
    "  --yes                 do not ask for confirmation\n"
    "  --env E               development, staging or production (default\n"
    "                        $DATAFLOW_ENV, else development)\n"
    "  --as NAME             who applies: recorded as developer and lock owner\n"
    "                        (default $DATAFLOW_AUTHOR, else $USER@hostname)\n"
    "  --lock-timeout S      wait at most S seconds for the lock (default 30)\n"
    "  --dry-run             run the steps in a transaction that is rolled back\n"
    "  --name NAME           the migration's name in the history (default: the\n"
    "                        plan file's base name)\n"
    "\n"
    "Example: dataflow apply change.plan --target sqlite:app.db\n" },

  { "rollback", cmdRollback, "undo the last applied migration",
    "Usage: dataflow rollback --target URL [--yes] [--env E] [--as NAME]\n"
    "                         [--lock-timeout SECONDS]\n"
    "\n"
    "Undo the last migration applied to the target with its recorded rollback\n"
    "plan, restoring the data it kept. Asks for confirmation like apply.\n"
    "\n"
    "Example: dataflow rollback --target sqlite:app.db --yes\n" },

  { "status", cmdStatus, "history, lock holder and drift of a database",
    "Usage: dataflow status --target URL [--format text|json] [--record]\n"
    "\n"
    "Show the migration history of the target, who holds DataFlow's lock, and\n"
    "any drift between the live schema and the last recorded checksum.\n"
    "\n"
    "  --format text|json    text (default) or one JSON object\n"
    "  --record              record drift made outside DataFlow as an inferred\n"
    "                        entry in the history\n"
    "\n"
    "Example: dataflow status --target sqlite:app.db\n" },

  { "migrate", cmdMigrate, "plan and apply a model in one step (auto mode)",
    "Usage: dataflow migrate --target URL --model FILE.sql [--yes]\n"
    "                        [--mode auto|existing|dry_run] [--dry-run]\n"
    "                        [--no-strict] [--env E] [--as NAME]\n"
    "\n"
    "The one-shot auto mode: plan the target to the model and apply the\n"
    "non-destructive steps; a no-op when the schema already matches.\n"
    "Destructive changes are refused (exit status 5): plan them with\n"
    "dataflow plan --mode manual. --mode existing only reports compatibility.\n"
    "\n"
    "Example: dataflow migrate --target sqlite:app.db --model model.sql\n" },

  { "unlock", cmdUnlock, "release DataFlow's lock on a database by hand",
    "Usage: dataflow unlock --target URL\n"
    "\n"
    "Release the lease lock that an interrupted apply left on the target,\n"
    "saying whose it was.\n"
    "\n"
    "Example: dataflow unlock --target sqlite:app.db\n" },

  { "purge", cmdPurge, "remove data kept by soft drops",
    "Usage: dataflow purge --target URL [--yes] [--env E] [--as NAME]\n"
    "                      [--lock-timeout SECONDS]\n"
    "\n"
    "Remove the quarantined columns and tables that destructive steps kept,\n"
    "as its own recorded migration.\n"
    "\n"
    "Example: dataflow purge --target sqlite:app.db --yes\n" },

  { "engines", cmdEngines, "list the database engines of this build",
    "Usage: dataflow engines\n"
    "\n"
    "List the engines this build of dataflow can talk to, and why the others\n"
    "are missing.\n" },

  { "version", cmdVersion, "print the version",
    "Usage: dataflow version   (or dataflow --version)\n" },

  { "help", cmdHelp, "list the commands, or explain one",
    "Usage: dataflow help [COMMAND]\n" },
};
#define N_COMMAND ((int)(sizeof(aCommand)/sizeof(aCommand[0])))

static const Command *findCommand(const char *zName){
  int i;
  for(i=0; i<N_COMMAND; i++){
    if( strcmp(aCommand[i].zName, zName)==0 ) return &aCommand[i];
  }
  return 0;
}

int dfUsage(const char *zCmd, FILE *out){
  const Command *p = findCommand(zCmd);
  if( p==0 ) return 1;
  fputs(p->zUsage, out);
  return 0;
}

void dfUsageError(const char *zCmd, const char *zFmt, ...){
  va_list ap;
  fflush(stdout);
  fputs("dataflow: ", stderr);
  va_start(ap, zFmt);
  vfprintf(stderr, zFmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  if( findCommand(zCmd) ){
    fputc('\n', stderr);
    dfUsage(zCmd, stderr);
  }
  exit(DF_EXIT_USAGE);
}

static void printOverview(FILE *out){
  int i;
  fputs("Usage: dataflow COMMAND [ARGS...]\n"
        "\n"
        "DataFlow plans schema migrations offline, on snapshots, and applies\n"
        "reviewed plans safely. Commands:\n\n", out);
  for(i=0; i<N_COMMAND; i++){
    fprintf(out, "  %-9s %s\n", aCommand[i].zName, aCommand[i].zSummary);
  }
  fputs("\n"
        "dataflow help COMMAND shows a command's options. Environment:\n"
        "  DATAFLOW_ENV     development, staging or production\n"
        "  DATAFLOW_AUTHOR  recorded as author (default $USER@hostname)\n"
        "  NO_COLOR         no colour in output\n", out);
}

static int cmdHelp(int argc, char **argv){
  if( argc<2 ){
    printOverview(stdout);
    return DF_EXIT_OK;
  }
  if( argc>2 ) dfUsageError("help", "help takes one command name");
  if( dfUsage(argv[1], stdout) ){
    die(DF_EXIT_USAGE, "unknown command '%s'; dataflow help lists them",
        argv[1]);
  }
  return DF_EXIT_OK;
}

static int cmdVersion(int argc, char **argv){
  (void)argv;
  if( argc>1 ) dfUsageError("version", "version takes no arguments");
  printf("dataflow %s (SQLite %s; engines: %s)\n", DF_VERSION,
         sqlite3_libversion(), dfEnginesBuiltIn());
  return DF_EXIT_OK;
}

int main(int argc, char **argv){
  const Command *p;
  /* One thread uses SQLite here: without its mutexes and memory
  ** statistics (a lock per API call and per allocation, 10% of the CPU
  ** of a mirror of 1,000 tables under callgrind). */
  sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  /* One malloc arena: the PostgreSQL mirror's reader thread allocates the
  ** results that this thread frees, and a second arena grows and shrinks
  ** its heap (an mprotect and fresh pages each time) under that pattern:
  ** 8-10% of the client's CPU at 5,000 tables. */
  mallopt(M_ARENA_MAX, 1);
  if( argc<2 ){
    printOverview(stderr);
    return DF_EXIT_USAGE;
  }
  if( strcmp(argv[1], "--version")==0 || strcmp(argv[1], "-V")==0 ){
    return cmdVersion(1, argv+1);
  }
  if( strcmp(argv[1], "--help")==0 || strcmp(argv[1], "-h")==0 ){
    printOverview(stdout);
    return DF_EXIT_OK;
  }
  p = findCommand(argv[1]);
  if( p==0 ){
    die(DF_EXIT_USAGE, "unknown command '%s'; dataflow help lists them",
        argv[1]);
  }
  if( argc>=3 && (strcmp(argv[2], "--help")==0 || strcmp(argv[2], "-h")==0) ){
    dfUsage(p->zName, stdout);
    return DF_EXIT_OK;
  }
  return p->xRun(argc-1, argv+1);
}
