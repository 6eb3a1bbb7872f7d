/*
** pg.h — what the two halves of the PostgreSQL adapter share:
** engine_pg.c (connection, statements, transactions, quoting) and
** mirror_pg.c (the catalog reads behind `dataflow mirror postgresql://`),
** and reader_pg.c (the mirror's queries, read by a thread). Only these
** files include libpq.
*/
#ifndef DF_PG_H
#define DF_PG_H

#include <libpq-fe.h>
#include "sqlite3.h"
#include "engine.h"

/* The fixed key of DataFlow's advisory lock: "DataFlow" in ASCII, as the
** high and low halves of a bigint, so that it is easy to spot in pg_locks
** (classid 0x44617461 "Data", objid 0x466c6f77 "Flow"). */
#define DF_PG_ADVISORY_KEY "4927347428462194551"

/* What every DataFlow session sets first: values and names come back in
** fixed forms whatever the server's defaults, and catalog queries do not
** start parallel workers (each a new process with cold caches: more CPU
** for the same answer). */
#define DF_PG_SESSION_SETUP \
  "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD';" \
  " SET client_min_messages = warning; SET max_parallel_workers_per_gather = 0"

/*
** Mirror the schemas requested by pReq (default: public) of the database
** behind pConn into the empty snapshot catalog in "main" of pOut, including
** meta and dfCatalogFinish(). zSafeUrl names the database in messages.
** Returns 0, or non-zero with *pzErr (OUT: caller frees with free()).
*/
int pgMirror(PGconn *pConn, const char *zSafeUrl, const DfMirrorRequest *pReq,
             sqlite3 *pOut, char **pzErr);

/*
** Run zSql (one statement, no parameters unless nParam>0) and return its
** result when it succeeded (PGRES_TUPLES_OK or PGRES_COMMAND_OK), else NULL
** with *pzErr set to "<server message> (in: <statement>)". OUT: caller
** frees the result with PQclear and *pzErr with free().
*/
PGresult *pgRun(PGconn *pConn, const char *zSql, int nParam,
                const char *const *azParam, char **pzErr);

/* "message (in: statement)" for a failed result (res may be NULL).
** OUT: caller frees with free(). */
char *pgErrorText(PGconn *pConn, PGresult *res, const char *zSql);

/*
** The mirror's catalog queries, sent at once and read by a thread
** (reader_pg.c has the why). pgReaderAdd notes a query, its parameters
** text of the types in aType; pgReaderStart sends them all, and from then
** until pgReaderClose the connection belongs to the reader. pgReaderNext
** returns the next query's result (PGRES_TUPLES_OK), waiting for it, or
** NULL with *pzErr. OUT: caller frees results with PQclear and *pzErr
** with free().
*/
typedef struct PgReader PgReader;
PgReader *pgReaderNew(PGconn *pg);
void pgReaderAdd(PgReader *p, const char *zSql, int nParam, const Oid *aType,
                 const char *const *azParam);
int pgReaderStart(PgReader *p, char **pzErr);
PGresult *pgReaderNext(PgReader *p, char **pzErr);
void pgReaderClose(PgReader *p);

#endif /* DF_PG_H */
