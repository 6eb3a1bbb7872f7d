/*
** dialect.c — the registry of DDL writers (see dialect.h) and the few
** helpers every writer shares.
**
** Usage (from C):
**
**   const DfDialect *pD = 0; char *zErr = 0;
**   if( dfDialectLookup("sqlite", "migration_plan", &pD, &zErr) ) ...error...
**   pD->xCreateTable(&ctx, pTab, &ddl, &zErr);
**   dfDdlClear(&ddl);
**
** HOW IT WORKS
**
** A fixed table lists every dialect DataFlow knows of, in the order shown
** to users, with a pointer to its writer or 0 when that writer is not built
** yet. An unknown name and a known-but-missing writer give different
** errors, so that "postgresql" is not reported as a typo.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "dialect.h"

static const struct {
  const char *zName;            /* dialect name as users spell it */
  const DfDialect *pWriter;     /* its writer, 0 = not built yet */
} aDialect[] = {
  { "sqlite",     &dfDialectSqlite },
  { "postgresql", &dfDialectPostgresql },
  { "mysql",      &dfDialectMysql },
  { "mongodb",    &dfDialectMongodb },
};
#define N_DIALECT ((int)(sizeof(aDialect)/sizeof(aDialect[0])))

const DfDialect *dfDialectFind(const char *zName){
  int i;
  if( zName==0 ) return 0;
  for(i=0; i<N_DIALECT; i++){
    if( sqlite3_stricmp(zName, aDialect[i].zName)==0 ) return aDialect[i].pWriter;
  }
  return 0;
}

int dfDialectLookup(const char *zName, const char *zWho,
                    const DfDialect **ppOut, char **pzErr){
  int i;
  sqlite3_str *pKnown;
  *ppOut = 0;
  for(i=0; zName && i<N_DIALECT; i++){
    if( sqlite3_stricmp(zName, aDialect[i].zName)==0 ){
      if( aDialect[i].pWriter ){
        *ppOut = aDialect[i].pWriter;
        return SQLITE_OK;
      }
      *pzErr = sqlite3_mprintf("%s: dialect '%s' is not built yet",
                               zWho, aDialect[i].zName);
      return SQLITE_ERROR;
    }
  }
  pKnown = sqlite3_str_new(0);
  for(i=0; i<N_DIALECT; i++){
    sqlite3_str_appendf(pKnown, "%s%s", i ? ", " : "", aDialect[i].zName);
  }
  {
    char *zKnown = sqlite3_str_finish(pKnown);
    *pzErr = sqlite3_mprintf("%s: unknown dialect '%s' (known: %s)",
                             zWho, zName ? zName : "", zKnown ? zKnown : "");
    sqlite3_free(zKnown);
  }
  return SQLITE_ERROR;
}

void dfDdlClear(DfDdl *p){
  if( p==0 ) return;
  sqlite3_free(p->zSql);
  sqlite3_free(p->zRollback);
  sqlite3_free(p->zLock);
  sqlite3_free(p->zNote);
  memset(p, 0, sizeof(*p));
}

char *dfQuarantineName(const DfDialectCtx *pCtx, const char *zTable,
                       const char *zColumn){
  const char *zTag = (pCtx && pCtx->zTag) ? pCtx->zTag : "";
  if( zColumn ){
    return sqlite3_mprintf("dataflow_quarantine_%s__%s%s%s", zTable, zColumn,
                           zTag[0] ? "_" : "", zTag);
  }
  return sqlite3_mprintf("dataflow_quarantine_%s%s%s", zTable,
                         zTag[0] ? "_" : "", zTag);
}
