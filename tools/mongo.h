/*
** mongo.h — what the two halves of the MongoDB adapter share:
** engine_mongo.c (connection, commands, DataFlow's own tables, step checks)
** and mirror_mongo.c (`dataflow mirror mongodb://...`). Only these two files
** include the mongo-c-driver headers.
*/
#ifndef DF_MONGO_H
#define DF_MONGO_H

#include <mongoc/mongoc.h>
#include "sqlite3.h"
#include "engine.h"

#define DF_MONGO_SAMPLE_DEFAULT 1000   /* documents sampled per collection */

/*
** Mirror database zDb behind pClient into the empty snapshot catalog in
** "main" of pOut, including meta and dfCatalogFinish(). Returns 0, or
** non-zero with *pzErr (OUT: caller frees with free()).
*/
int mongoMirror(mongoc_client_t *pClient, const char *zDb, const char *zSafeUrl,
                const DfMirrorRequest *pReq, sqlite3 *pOut, char **pzErr);

/*
** Compact extended JSON of a document (relaxed: int32 as 5, int64 as
** {"$numberLong":"5"}, doubles with a '.'), keys sorted at every level when
** bSort, else in stored order. OUT: caller frees with free().
*/
char *mongoJson(const bson_t *pDoc, int bSort);

/* The same for the value under an iterator (a document, array or scalar). */
char *mongoJsonValue(const bson_iter_t *pIter, int bSort);

/* "message (code N)" of a driver error. OUT: caller frees with free(). */
char *mongoErrorText(const bson_error_t *pErr);

#endif /* DF_MONGO_H */
