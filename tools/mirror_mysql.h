/*
** mirror_mysql.h — `dataflow mirror mysql://...`: information_schema of one
** MySQL/MariaDB database into a snapshot catalog (mirror_mysql.c).
**
** The reader talks to the server only through the adapter's xQuery, so it
** does not include <mysql.h>; engine_mysql.c calls it with its connection.
*/
#ifndef DF_MIRROR_MYSQL_H
#define DF_MIRROR_MYSQL_H

#include "sqlite3.h"
#include "engine.h"

/* What the mirror needs to know about the server and the database. */
typedef struct DfMysqlServer DfMysqlServer;
struct DfMysqlServer {
  const char *zDb;        /* the database: the snapshot's default namespace */
  const char *zVersion;   /* SELECT VERSION(): meta.server_version */
  int bMariadb;           /* MariaDB (else MySQL): catalog columns differ */
  unsigned long nVersion; /* 100611, 80036: numeric server version */
  const char *zSource;    /* meta.source: URL without password */
};

/*
** Mirror database pSrv->zDb, read over pConn with pEng->xQuery, into the
** empty catalog in "main" of pOut: meta, every table, column, key, index,
** check, view and trigger, then dfCatalogFinish(). With bStats also
** table_stats and column_stats (one aggregate query per table; the schema
** itself takes a fixed number of queries). Returns 0, or non-zero with
** *pzErr (OUT: caller frees with free()).
*/
int dfMysqlMirror(const DfEngine *pEng, DfConn *pConn, const DfMysqlServer *pSrv,
                  int bStats, sqlite3 *pOut, char **pzErr);

/*
** Strip the qualifier `zDb`. from every `zDb`.`name` in the MySQL text z
** (a view body as information_schema.VIEWS returns it), so that the text
** can be replayed in another database. When pDeps is not NULL, the names
** that followed a stripped qualifier (the tables and views the body reads)
** are appended to it, each once, as a sorted JSON array in *pzDeps.
** OUT: caller frees both with free().
*/
char *dfMysqlStripDb(const char *z, const char *zDb, char **pzDeps);

#endif /* DF_MIRROR_MYSQL_H */
