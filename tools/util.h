/*
** util.h — small helpers shared by every file of the `dataflow` command.
**
** Exit statuses: every failure of the command ends with die(), which prints
** "dataflow: message" on stderr and exits with one of the DF_EXIT_* values
** below. They are documented for users in doc/exit-status.md; scripts and
** CI rely on them, so a value never changes meaning.
**
** Memory: tools/ allocates with malloc() (xmalloc() and friends die with
** DF_EXIT_INTERNAL when memory runs out) and frees with free(). Strings that
** come from SQLite (sqlite3_mprintf, sqlite3_errmsg copies) are freed with
** sqlite3_free(); a function that returns memory says who frees it.
*/
#ifndef DF_UTIL_H
#define DF_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include "sqlite3.h"

/* The version of DataFlow (configure passes PACKAGE_VERSION). */
#ifndef DF_VERSION
# define DF_VERSION "0.1.0"
#endif

/* Exit statuses (doc/exit-status.md). */
#define DF_EXIT_OK        0   /* success (a no-op plan or apply included) */
#define DF_EXIT_USAGE     1   /* bad command line: unknown option, missing argument */
#define DF_EXIT_INPUT     2   /* bad input file: model, snapshot or plan unreadable,
                              ** malformed, tampered with; unknown URL scheme */
#define DF_EXIT_CONNECT   3   /* cannot reach or open the database; engine not built in */
#define DF_EXIT_CONFLICT  4   /* drift on a touched object, a conflicting migration,
                              ** the lock is held by someone else */
#define DF_EXIT_REFUSED   5   /* refused by a mode gate: destructive step in auto mode,
                              ** missing approval or confirmation, mode 'existing' */
#define DF_EXIT_APPLY     6   /* a step failed during apply; everything was rolled back */
#define DF_EXIT_INTERNAL  7   /* a bug or an environment failure (out of memory, I/O) */
#define DF_EXIT_CHANGES   8   /* `diff --exit-code`/`compat`: differences or
                              ** incompatibilities found (like diff(1)'s status 1) */

/* Print "dataflow: <message>" (printf format) on stderr and exit(status). */
void die(int status, const char *zFmt, ...)
  __attribute__((noreturn, format(printf, 2, 3)));

/* Print "dataflow: warning: <message>" on stderr and go on. */
void dfWarn(const char *zFmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that never returns NULL (dies with DF_EXIT_INTERNAL). */
void *xmalloc(size_t n);
void *xcalloc(size_t nMemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *z);            /* NULL in, NULL out */
char *xasprintf(const char *zFmt, ...)   /* OUT: caller frees with free() */
  __attribute__((format(printf, 1, 2)));

/* Copy a string that SQLite allocated into malloc memory and sqlite3_free()
** the original. NULL in, NULL out. OUT: caller frees with free(). */
char *dfFromSqlite(char *zSqlite);

/*
** Read a whole file into memory, NUL-terminated. Returns the bytes (OUT:
** caller frees with free()) and *pnByte, or NULL and *pzErr (OUT: caller
** frees with free()): "cannot read 'x.sql': No such file or directory".
*/
char *dfReadFile(const char *zPath, size_t *pnByte, char **pzErr);

/*
** Open a SQLite database with the DataFlow extension registered on the
** connection (the command links the extension statically: SQLITE_CORE).
** zPath may be ":memory:". flags are sqlite3_open_v2 flags (0 means
** read-write, create). Returns the connection or NULL and *pzErr (OUT:
** caller frees with free()).
*/
sqlite3 *dfOpenCore(const char *zPath, int flags, char **pzErr);

/* Register the extension on an already open connection: dies on failure. */
void dfRegister(sqlite3 *db);

/*
** Run zSql on db and print the result set on out: with bHeader a first line
** of column names; columns separated by '|' like the sqlite3 shell, NULL as
** the empty string. Returns SQLITE_OK or an error and *pzErr (OUT: caller
** frees with free()) that includes the statement.
*/
int dfPrintQuery(sqlite3 *db, const char *zSql, int bHeader, FILE *out,
                 char **pzErr);

/* Run zSql (no result rows expected); dies with status on failure, naming
** the statement and SQLite's message. */
void dfExecOrDie(sqlite3 *db, const char *zSql, int status);

/* The error text of db as a malloc'd copy (OUT: caller frees with free()). */
char *dfDbError(sqlite3 *db);

/* 1 when out is a terminal and NO_COLOR is unset or empty (no-color.org);
** DATAFLOW_COLOR=always forces colour on, =never forces it off. */
int dfUseColour(FILE *out);

/* ANSI colour codes, or "" when colour is off. */
typedef struct DfColours DfColours;
struct DfColours {
  const char *zRed;       /* destructive */
  const char *zYellow;    /* refused, warnings */
  const char *zGreen;     /* ok */
  const char *zBold;      /* headings */
  const char *zDim;       /* rollback, secondary text */
  const char *zReset;     /* back to normal */
};
void dfColoursFor(FILE *out, DfColours *p);

/*
** The environment: --env value, else $DATAFLOW_ENV, else "development".
** dfEnvironment(NULL) reads the environment only. Dies with DF_EXIT_USAGE
** when the value is not development|staging|production.
*/
const char *dfEnvironment(const char *zFlag);

/* The author: $DATAFLOW_AUTHOR, else "$USER@hostname". OUT: caller frees. */
char *dfAuthor(void);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" in a static buffer. */
const char *dfNowUtc(void);

/* SHA-256 of n bytes as 64 lowercase hex digits plus NUL into zHex[65]. */
void dfSha256Hex(const void *p, size_t n, char zHex[65]);

/* 1 when the file exists (any type). */
int dfFileExists(const char *zPath);

/* A fresh temporary file under $TMPDIR (it exists, empty), removed
** automatically at exit (die() included). Returns its name: OUT, caller
** frees with free(). Dies on failure. */
char *dfTempFile(const char *zSuffix);

/* A fresh empty file "zPath.tmp-XXXXXX" beside zPath, with the permissions
** an ordinary new file would get (0666 & ~umask), removed at exit unless
** renamed into place first. Returns its name (OUT: caller frees with free())
** or NULL with errno set. */
char *dfTempBeside(const char *zPath);

/* Remove zPath at exit unless it has been renamed away by then. */
void dfRemoveAtExit(const char *zPath);

#endif /* DF_UTIL_H */
