/*
** dataflow.c — entry point of the DataFlow SQLite extension.
**
** Usage (Debian's sqlite3 shell):
**
**   .load ./ext/dataflow
**   SELECT dataflow_snapshot('app.db', 'base.snapshot');
**   SELECT dataflow_model('model.sql', 'model.snapshot');
**   SELECT kind, object, change FROM schema_diff('base.snapshot','model.snapshot');
**   SELECT * FROM schema_compat('model.snapshot','base.snapshot');
**   SELECT step, sql FROM migration_plan('base.snapshot','model.snapshot','sqlite');
**
** In tclsh: `package require sqlite3; sqlite3 db :memory:;
** db enable_load_extension 1; db eval {SELECT load_extension('ext/dataflow')}`.
**
** HOW IT WORKS
**
** This file only registers: the SQL functions of fn_snapshot.c and the three
** eponymous virtual tables of vt_diff.c, vt_compat.c and vt_plan.c. The
** command-line tool links the same objects (compiled with SQLITE_CORE) and
** calls sqlite3_dataflow_init() on its own connections, so the shell and the
** command can never disagree about a plan.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

#include "dataflow.h"

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_dataflow_init(sqlite3 *db, char **pzErrMsg,
                          const sqlite3_api_routines *pApi){
  int rc = SQLITE_OK;
  SQLITE_EXTENSION_INIT2(pApi);
  (void)pzErrMsg;
  if( rc==SQLITE_OK ) rc = dfTypesFunctionsRegister(db);
  if( rc==SQLITE_OK ) rc = dfSnapshotFunctionsRegister(db);
  if( rc==SQLITE_OK ) rc = vtDiffRegister(db);
  if( rc==SQLITE_OK ) rc = vtCompatRegister(db);
  if( rc==SQLITE_OK ) rc = vtPlanRegister(db);
  return rc;
}
