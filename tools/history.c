/*
** history.c — reading and writing dataflow_migrations on a target.
**
** Usage:
**
**   DfHistRow r; memset(&r, 0, sizeof(r));
**   dfHistSet(&r, DF_HIST_VERSION, "20250101120000-1a2b3c4d");
**   dfHistSet(&r, DF_HIST_STATUS, "pending");
**   dfHistoryInsert(pEng, pConn, &r, &zErr);
**
** HOW IT WORKS
**
** The table is the ADR-001 table with extra columns (history.h). Its DDL
** differs per engine only in the JSON and time column types, chosen by one
** switch below; values are always written as quoted literals made by the
** adapter's xQuoteLiteral, times as UTC text "YYYY-MM-DDTHH:MM:SSZ".
** DataFlow creates the table on the first apply (never in mode existing),
** and its name starts with dataflow_, so mirrors and schema checksums
** never see it.
**
** The two catalog questions the executor needs (does a table exist, which
** tables start with a prefix) are also here: one query per engine, the
** only engine-specific SQL of the executor besides the adapters.
*/
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "util.h"

static const char *azCol[DF_HIST_NCOL] = {
  "version", "name", "checksum", "applied_at", "status", "developer_id",
  "environment", "migration_mode", "operations", "rollback_plan",
  "execution_time_seconds", "created_at", "database_checksum_before",
  "database_checksum_after", "plan_checksum", "base_checksum",
  "target_checksum", "step_failed", "error", "kept_data", "fingerprints",
  "finished_at", "rolled_back_at", "database_checksum_rolled_back", "host",
  "pid",
};

const char *dfHistColumn(int i){
  return i>=0 && i<DF_HIST_NCOL ? azCol[i] : 0;
}

/* Column types that differ between engines. */
typedef struct HistTypes HistTypes;
struct HistTypes {
  const char *zEngine;    /* DfEngine.zName */
  const char *zJson;      /* JSON documents */
  const char *zTime;      /* timestamps (written as UTC text) */
  const char *zText;      /* long text */
};
static const HistTypes aTypes[] = {
  { "sqlite",     "TEXT",  "TEXT",         "TEXT" },
  { "postgresql", "JSONB", "TIMESTAMPTZ",  "TEXT" },
  { "mysql",      "JSON",  "VARCHAR(32)",  "LONGTEXT" },
};

static const HistTypes *typesFor(const DfEngine *pEng){
  size_t i;
  for(i=0; i<sizeof(aTypes)/sizeof(aTypes[0]); i++){
    if( strcmp(aTypes[i].zEngine, pEng->zName)==0 ) return &aTypes[i];
  }
  return &aTypes[0];
}

int dfHistoryCreate(const DfEngine *pEng, DfConn *pConn, char **pzErr){
  const HistTypes *t = typesFor(pEng);
  char *zSql = xasprintf(
    "CREATE TABLE IF NOT EXISTS dataflow_migrations(\n"
    "  version VARCHAR(255) PRIMARY KEY,\n"
    "  name VARCHAR(255) NOT NULL,\n"
    "  checksum VARCHAR(64) NOT NULL,\n"
    "  applied_at %s,\n"
    "  status VARCHAR(50) NOT NULL DEFAULT 'pending',\n"
    "  developer_id VARCHAR(255),\n"
    "  environment VARCHAR(50),\n"
    "  migration_mode VARCHAR(50),\n"
    "  operations %s,\n"
    "  rollback_plan %s,\n"
    "  execution_time_seconds DECIMAL(10,3),\n"
    "  created_at %s,\n"
    "  database_checksum_before VARCHAR(64),\n"
    "  database_checksum_after VARCHAR(64),\n"
    "  plan_checksum VARCHAR(64),\n"
    "  base_checksum VARCHAR(64),\n"
    "  target_checksum VARCHAR(64),\n"
    "  step_failed INTEGER,\n"
    "  error %s,\n"
    "  kept_data %s,\n"
    "  fingerprints %s,\n"
    "  finished_at %s,\n"
    "  rolled_back_at %s,\n"
    "  database_checksum_rolled_back VARCHAR(64),\n"
    "  host VARCHAR(255),\n"
    "  pid BIGINT,\n"
    "  CONSTRAINT valid_status CHECK (status IN ('pending', 'applied',"
    " 'failed', 'rolled_back', 'inferred')),\n"
    "  CONSTRAINT valid_environment CHECK (environment IN ('development',"
    " 'staging', 'production')));\n"
    "CREATE INDEX IF NOT EXISTS dataflow_migrations_status"
    " ON dataflow_migrations(status);\n"
    "CREATE INDEX IF NOT EXISTS dataflow_migrations_developer"
    " ON dataflow_migrations(developer_id, applied_at);\n"
    "CREATE INDEX IF NOT EXISTS dataflow_migrations_environment"
    " ON dataflow_migrations(environment, applied_at);\n",
    t->zTime, t->zJson, t->zJson, t->zTime, t->zText, t->zJson, t->zJson,
    t->zTime, t->zTime);
  int rc = pEng->xExec(pConn, zSql, pzErr);
  free(zSql);
  if( rc==0 && strcmp(pEng->zName, "postgresql")==0 ){
    /* JSONB operations are searched by object: a GIN index serves
    ** operations @> '[{"object":"users"}]'. */
    rc = pEng->xExec(pConn, "CREATE INDEX IF NOT EXISTS"
        " dataflow_migrations_operations ON dataflow_migrations"
        " USING GIN (operations)", pzErr);
  }
  return rc ? DF_EXIT_CONNECT : DF_EXIT_OK;
}

int dfTargetTableExists(const DfEngine *pEng, DfConn *pConn, const char *zName,
                        int *pbExists, char **pzErr){
  char *zLit = pEng->xQuoteLiteral(pConn, zName);
  char *zSql, *zVal = 0;
  int rc;
  if( strcmp(pEng->zName, "sqlite")==0 ){
    zSql = xasprintf("SELECT count(*) FROM sqlite_schema"
                     " WHERE type='table' AND name=%s", zLit);
  }else if( strcmp(pEng->zName, "postgresql")==0 ){
    zSql = xasprintf("SELECT count(*) FROM information_schema.tables"
                     " WHERE table_schema=current_schema() AND table_name=%s",
                     zLit);
  }else{
    zSql = xasprintf("SELECT count(*) FROM information_schema.tables"
                     " WHERE table_schema=DATABASE() AND table_name=%s", zLit);
  }
  free(zLit);
  rc = pEng->xQueryValue(pConn, zSql, &zVal, pzErr);
  free(zSql);
  *pbExists = zVal && atoi(zVal)>0;
  free(zVal);
  return rc ? DF_EXIT_CONNECT : DF_EXIT_OK;
}

typedef struct NameList NameList;
struct NameList {
  char **az;              /* names */
  int n;                  /* how many */
};

static int nameRow(void *pArg, int nCol, char **azVal){
  NameList *p = (NameList*)pArg;
  if( nCol<1 || azVal[0]==0 ) return 0;
  p->az = xrealloc(p->az, sizeof(char*) * (size_t)(p->n + 1));
  p->az[p->n++] = xstrdup(azVal[0]);
  return 0;
}

int dfTargetTablesLike(const DfEngine *pEng, DfConn *pConn, const char *zPrefix,
                       char ***pazName, int *pnName, char **pzErr){
  /* LIKE pattern: the prefix with _ % ! escaped by '!', then '%'. */
  size_t n = strlen(zPrefix), i, j = 0;
  char *zPat = xmalloc(n*2 + 2);
  char *zLit, *zSql;
  NameList list = {0, 0};
  int rc;
  for(i=0; i<n; i++){
    if( zPrefix[i]=='_' || zPrefix[i]=='%' || zPrefix[i]=='!' ) zPat[j++] = '!';
    zPat[j++] = zPrefix[i];
  }
  zPat[j++] = '%';
  zPat[j] = 0;
  zLit = pEng->xQuoteLiteral(pConn, zPat);
  free(zPat);
  if( strcmp(pEng->zName, "sqlite")==0 ){
    zSql = xasprintf("SELECT name FROM sqlite_schema WHERE type='table'"
                     " AND name LIKE %s ESCAPE '!' ORDER BY name", zLit);
  }else if( strcmp(pEng->zName, "postgresql")==0 ){
    zSql = xasprintf("SELECT table_name FROM information_schema.tables"
                     " WHERE table_schema=current_schema() AND table_name"
                     " LIKE %s ESCAPE '!' ORDER BY table_name", zLit);
  }else{
    zSql = xasprintf("SELECT table_name FROM information_schema.tables"
                     " WHERE table_schema=DATABASE() AND table_name"
                     " LIKE %s ESCAPE '!' ORDER BY table_name", zLit);
  }
  free(zLit);
  rc = pEng->xQuery(pConn, zSql, nameRow, &list, pzErr);
  free(zSql);
  *pazName = list.az;
  *pnName = list.n;
  return rc ? DF_EXIT_CONNECT : DF_EXIT_OK;
}

int dfHistoryExists(const DfEngine *pEng, DfConn *pConn, int *pbExists,
                    char **pzErr){
  return dfTargetTableExists(pEng, pConn, "dataflow_migrations", pbExists, pzErr);
}

void dfHistSet(DfHistRow *pRow, int i, const char *z){
  free(pRow->az[i]);
  pRow->az[i] = xstrdup(z);
}

void dfHistClear(DfHistRow *pRow){
  int i;
  for(i=0; i<DF_HIST_NCOL; i++) free(pRow->az[i]);
  memset(pRow, 0, sizeof(*pRow));
}

int dfHistoryInsert(const DfEngine *pEng, DfConn *pConn, const DfHistRow *pRow,
                    char **pzErr){
  char *zCols = xstrdup(""), *zVals = xstrdup("");
  char *zSql;
  int i, rc, bFirst = 1;
  for(i=0; i<DF_HIST_NCOL; i++){
    char *zLit, *zNew;
    if( pRow->az[i]==0 ) continue;
    zLit = pEng->xQuoteLiteral(pConn, pRow->az[i]);
    zNew = xasprintf("%s%s%s", zCols, bFirst ? "" : ", ", azCol[i]);
    free(zCols); zCols = zNew;
    zNew = xasprintf("%s%s%s", zVals, bFirst ? "" : ", ", zLit);
    free(zVals); zVals = zNew;
    free(zLit);
    bFirst = 0;
  }
  zSql = xasprintf("INSERT INTO dataflow_migrations(%s) VALUES(%s)", zCols, zVals);
  free(zCols);
  free(zVals);
  rc = pEng->xExec(pConn, zSql, pzErr);
  free(zSql);
  return rc ? DF_EXIT_CONNECT : DF_EXIT_OK;
}

int dfHistoryUpdate(const DfEngine *pEng, DfConn *pConn, const char *zVersion,
                    const DfHistRow *pSet, char **pzErr){
  char *zSet = xstrdup("");
  char *zSql, *zKey;
  int i, rc, bFirst = 1;
  for(i=0; i<DF_HIST_NCOL; i++){
    char *zLit, *zNew;
    if( pSet->az[i]==0 ) continue;
    zLit = pEng->xQuoteLiteral(pConn, pSet->az[i]);
    zNew = xasprintf("%s%s%s = %s", zSet, bFirst ? "" : ", ", azCol[i], zLit);
    free(zSet); zSet = zNew;
    free(zLit);
    bFirst = 0;
  }
  if( bFirst ){ free(zSet); return DF_EXIT_OK; }
  zKey = pEng->xQuoteLiteral(pConn, zVersion);
  zSql = xasprintf("UPDATE dataflow_migrations SET %s WHERE version = %s",
                   zSet, zKey);
  free(zSet);
  free(zKey);
  rc = pEng->xExec(pConn, zSql, pzErr);
  free(zSql);
  return rc ? DF_EXIT_CONNECT : DF_EXIT_OK;
}

typedef struct RowList RowList;
struct RowList {
  DfHistRow *a;           /* rows */
  int n;                  /* how many */
};

static int histRow(void *pArg, int nCol, char **azVal){
  RowList *p = (RowList*)pArg;
  DfHistRow *r;
  int i;
  p->a = xrealloc(p->a, sizeof(DfHistRow) * (size_t)(p->n + 1));
  r = &p->a[p->n++];
  memset(r, 0, sizeof(*r));
  for(i=0; i<nCol && i<DF_HIST_NCOL; i++) r->az[i] = xstrdup(azVal[i]);
  return 0;
}

int dfHistoryLoad(const DfEngine *pEng, DfConn *pConn, DfHistRow **paRow,
                  int *pnRow, char **pzErr){
  RowList list = {0, 0};
  char *zCols = xstrdup("");
  char *zSql;
  int i, bExists = 0, rc;
  *paRow = 0;
  *pnRow = 0;
  rc = dfHistoryExists(pEng, pConn, &bExists, pzErr);
  if( rc || !bExists ){ free(zCols); return rc; }
  for(i=0; i<DF_HIST_NCOL; i++){
    char *zNew = xasprintf("%s%s%s", zCols, i ? ", " : "", azCol[i]);
    free(zCols); zCols = zNew;
  }
  zSql = xasprintf("SELECT %s FROM dataflow_migrations"
                   " ORDER BY created_at DESC, version DESC", zCols);
  free(zCols);
  rc = pEng->xQuery(pConn, zSql, histRow, &list, pzErr);
  free(zSql);
  if( rc ){
    dfHistoryFree(list.a, list.n);
    return DF_EXIT_CONNECT;
  }
  *paRow = list.a;
  *pnRow = list.n;
  return DF_EXIT_OK;
}

void dfHistoryFree(DfHistRow *aRow, int nRow){
  int i;
  for(i=0; i<nRow; i++) dfHistClear(&aRow[i]);
  free(aRow);
}
