/*
** dataflow.h — what each module of the extension registers, and the
** extension's entry point for the statically linked command.
**
** Every ext/ source includes "sqlite3ext.h" and SQLITE_EXTENSION_INIT3 (see
** below), so that the same file compiles into the loadable extension and,
** with -DSQLITE_CORE, into libdfcore.a for tools/dataflow.
*/
#ifndef DF_DATAFLOW_H
#define DF_DATAFLOW_H

#include "sqlite3ext.h"

int sqlite3_dataflow_init(sqlite3 *db, char **pzErrMsg,
                          const sqlite3_api_routines *pApi);

int dfTypesFunctionsRegister(sqlite3 *db);     /* types.c: dataflow_type() ... */
int dfSnapshotFunctionsRegister(sqlite3 *db);  /* fn_snapshot.c */
int vtDiffRegister(sqlite3 *db);               /* vt_diff.c: schema_diff */
int vtCompatRegister(sqlite3 *db);             /* vt_compat.c: schema_compat */
int vtPlanRegister(sqlite3 *db);               /* vt_plan.c: migration_plan */

#endif /* DF_DATAFLOW_H */
