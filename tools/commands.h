/*
** commands.h — the subcommands of `dataflow`, one function each.
**
** tools/dataflow.c dispatches `dataflow NAME ARGS...` to cmdName(argc, argv)
** with argv[0] == "NAME" and the subcommand's own arguments after it, so a
** command parses its options with getopt_long() exactly like a main() does
** (optind starts at 1; GNU getopt lets options follow operands). A command
** returns its exit status (DF_EXIT_* in util.h) or calls die().
**
** Files: cmd_snapshot.c (mirror, model, diff, compat, engines),
** cmd_plan.c (plan, show, approve), cmd_apply.c (apply, rollback, status,
** migrate, unlock, purge).
*/
#ifndef DF_COMMANDS_H
#define DF_COMMANDS_H

#include <stdio.h>

/* cmd_snapshot.c */
int cmdMirror(int argc, char **argv);     /* mirror URL -o SNAP */
int cmdModel(int argc, char **argv);      /* model FILE.sql -o SNAP */
int cmdDiff(int argc, char **argv);       /* diff FROM TO */
int cmdCompat(int argc, char **argv);     /* compat MODEL DB */
int cmdEngines(int argc, char **argv);    /* engines: which are built in */

/* cmd_plan.c */
int cmdPlan(int argc, char **argv);       /* plan --from --to | --target --model */
int cmdShow(int argc, char **argv);       /* show PLAN */
int cmdApprove(int argc, char **argv);    /* approve PLAN --as NAME */

/* cmd_apply.c */
int cmdApply(int argc, char **argv);      /* apply PLAN --target URL */
int cmdRollback(int argc, char **argv);   /* rollback --target URL */
int cmdStatus(int argc, char **argv);     /* status --target URL */
int cmdMigrate(int argc, char **argv);    /* migrate --target URL --model FILE.sql */
int cmdUnlock(int argc, char **argv);     /* unlock --target URL */
int cmdPurge(int argc, char **argv);      /* purge --target URL */

/*
** cmd_snapshot.c: the jobs of `mirror` and `model`, for commands that need
** a snapshot on the way (plan --target/--model, migrate). Each writes the
** snapshot zOut (replacing it only when it is a snapshot or empty, through
** a temporary file renamed into place) and dies with the documented status
** on failure. zUrl may hold a password; only its redacted form is recorded
** or printed. *pzChecksum (if not NULL) receives the schema checksum (OUT:
** caller frees with free()).
*/
void dfMirrorToFile(const char *zUrl, const char *zOut, int bStats,
                    int nSchema, const char **azSchema, int nSample,
                    char **pzChecksum);
void dfModelToFile(const char *zSqlFile, const char *zOut, int bStrict,
                   char **pzChecksum);

/* dataflow.c: print the usage text of subcommand zCmd on out; returns 0
** when zCmd is known. Commands call it for -h/--help and usage errors. */
int dfUsage(const char *zCmd, FILE *out);

/* dataflow.c: print "dataflow: MESSAGE" and the usage of zCmd on stderr,
** then exit with DF_EXIT_USAGE. */
void dfUsageError(const char *zCmd, const char *zFmt, ...)
  __attribute__((noreturn, format(printf, 2, 3)));

#endif /* DF_COMMANDS_H */
