/*
** compat.h — the existing-database report: how a model's tables and fields
** map onto a database that DataFlow must not change (mode "existing").
** No vtab code: vt_compat.c exposes the report as schema_compat(), and the
** planner's existing mode can call dfCompatCompute() directly.
*/
#ifndef DF_COMPAT_H
#define DF_COMPAT_H

#include "catalog.h"

/* How a model object matched (schema_compat.match) */
#define DF_MATCH_EXACT       "exact"
#define DF_MATCH_CASE        "case"
#define DF_MATCH_CONVENTION  "convention"      /* camelCase vs snake_case ... */
#define DF_MATCH_PLURAL      "plural"          /* singular vs plural */
#define DF_MATCH_PREFIX      "prefix"          /* a declared prefix removed */
#define DF_MATCH_RENAME      "rename-heuristic"
#define DF_MATCH_NONE        "none"            /* model object not found */
#define DF_MATCH_UNMAPPED    "unmapped"        /* database object not in the model */

/* Statuses (schema_compat.status) */
#define DF_COMPAT_OK         "compatible"
#define DF_COMPAT_WARNING    "warning"
#define DF_COMPAT_BAD        "incompatible"

typedef struct DfCompatRow DfCompatRow;
struct DfCompatRow {
  char *zModelTable;      /* model table; NULL for a database table the model lacks */
  char *zModelColumn;     /* model field; NULL on table rows and unmapped db columns */
  char *zDbTable;         /* database table matched ("schema.t" outside the default schema); NULL if none */
  char *zDbColumn;        /* database column matched; NULL on table rows or if none */
  const char *zMatch;     /* static: one of DF_MATCH_* */
  double rConfidence;     /* 1.0 exact ... 0.0 none */
  const char *zStatus;    /* static: one of DF_COMPAT_* */
  char *zMessage;         /* actionable one-line message */
};

typedef struct DfCompatReport DfCompatReport;
struct DfCompatReport {
  int nRow;               /* number of rows */
  int nAlloc;             /* allocated slots */
  DfCompatRow *aRow;      /* rows: per model table (table row, its fields, the
                          ** database columns it lacks), then database-only tables */
};

typedef struct DfCompatOptions DfCompatOptions;
struct DfCompatOptions {
  int nPrefix;            /* number of declared prefixes */
  char **azPrefix;        /* prefixes such as "tbl_", "app_" */
};

/*
** Match model pModel against database pDb. Returns SQLITE_OK and *ppOut
** (OUT: caller frees with dfCompatReportFree), or an error code and *pzErr
** (OUT: caller frees), e.g. "duplicate table name in the model: 'Users'
** and 'users'". Messages do not name a caller.
*/
int dfCompatCompute(DfCatalog *pModel, DfCatalog *pDb, const DfCompatOptions *pOpt,
                    DfCompatReport **ppOut, char **pzErr);
void dfCompatReportFree(DfCompatReport *p);

/*
** Parse options: a JSON object {"prefix":["tbl_","app_"]} (or a string) or
** key=value pairs "prefix=tbl_;app_" ("prefixes" is accepted too). Frees
** the previous content of *pOpt. Returns SQLITE_OK or an error and *pzErr.
*/
int dfCompatParseOptions(const char *zText, DfCompatOptions *pOpt, char **pzErr);
void dfCompatOptionsClear(DfCompatOptions *pOpt);

#endif /* DF_COMPAT_H */
