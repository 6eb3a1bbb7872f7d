/*
** snapshot.h — writing snapshots: from a SQLite database (mirror_sqlite.c)
** or from portable DDL (model.c). Other engines' mirrors live in tools/ and
** write the same catalog tables through dfSnapshotCreate().
*/
#ifndef DF_SNAPSHOT_H
#define DF_SNAPSHOT_H

#include "catalog.h"

typedef struct DfMirrorOptions DfMirrorOptions;
struct DfMirrorOptions {
  const char *zEngine;    /* meta.engine: "sqlite" or "model" (type vocabulary) */
  const char *zSource;    /* meta.source: path or URL, never a password */
  int bStats;             /* also record table_stats/column_stats */
  int bStrict;            /* unknown types are errors (portable models) */
};

/*
** Create a new, empty snapshot file at zPath and return a connection to it
** (OUT: caller closes with sqlite3_close) with the catalog schema created
** and meta.format_version set. An existing file is replaced only when it is
** itself a DataFlow snapshot or empty; anything else is refused:
** "refusing to overwrite 'x.db': not a DataFlow snapshot".
*/
int dfSnapshotCreate(const char *zPath, sqlite3 **ppOut, char **pzErr);

/*
** Flush a finished snapshot file (closed by the caller) to disk, before it
** is renamed into place: snapshots are written with synchronous=OFF.
** Returns SQLITE_OK or SQLITE_IOERR*.
*/
int dfSnapshotSync(const char *zPath);

/*
** May zPath be (re)written as a snapshot? SQLITE_OK when it does not exist,
** is empty, or is a DataFlow snapshot; otherwise an error code with *pzErr
** set (OUT: caller frees): "refusing to overwrite 'x.db': not a DataFlow
** snapshot". dfSnapshotCreate() checks this itself; callers that write to
** a temporary file and rename it into place check the final path with it.
*/
int dfSnapshotCheckTarget(const char *zPath, char **pzErr);

/*
** Mirror the SQLite database in schema zSrcDb of pSrc into the (empty)
** catalog in schema zOutDb of pOut, then finish it (fingerprints, checksum,
** meta). Reads the source in a fixed number of bulk queries.
*/
int dfMirrorSqlite(sqlite3 *pSrc, const char *zSrcDb,
                   sqlite3 *pOut, const char *zOutDb,
                   const DfMirrorOptions *pOpt, char **pzErr);

/*
** Load portable DDL text zSql (named zFilename in messages) into the empty
** catalog in schema zOutDb of pOut: the DDL is run statement by statement in
** a private in-memory SQLite database, which is then mirrored with engine
** "model". Errors name the file, the line and the statement:
** "model.sql:12: no such table: users (in: CREATE INDEX ...)".
*/
int dfModelLoad(const char *zSql, const char *zFilename, int bStrict,
                sqlite3 *pOut, const char *zOutDb, char **pzErr);

#endif /* DF_SNAPSHOT_H */
