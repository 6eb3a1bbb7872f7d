/*
** sql_mongo.h — what the MongoDB DDL writer (sql_mongo.c) shares with the
** MongoDB mirror (tools/mirror_mongo.c): the one mapping between a table's
** columns and a $jsonSchema validator, so that what the writer creates the
** mirror reads back as the same columns (doc/mongodb.md, "Mapping").
**
** Column -> property: family -> bsonType (dfMongoBsonType); NOT NULL ->
** "required", otherwise the bsonType also allows "null"; varchar(n) /
** char(n) -> maxLength n; smallint -> minimum -32768, maximum 32767; enum
** labels -> "enum"; an array column -> {"bsonType":"array","items":{...}};
** a column "a.b" (mirrored nested field) -> property b of the object
** property a, "a[].b" -> property b of the items of the array a; the column
** comment -> "description"; and "title" carries the portable declaration
** ("REAL", "NUMERIC(10,2)", "INTEGER DEFAULT 0") whenever the bsonType and
** bounds alone would not give back the same type, or a default exists.
**
** Columns whose type_native starts with DF_MONGO_SAMPLED were found by
** sampling documents, not declared by a validator: they never go into a
** generated validator.
*/
#ifndef DF_SQL_MONGO_H
#define DF_SQL_MONGO_H

#include "catalog.h"

#define DF_MONGO_SAMPLED "sampled "   /* type_native prefix of sampled columns */

/* The bsonType of a normalised family ("string" for text), or NULL when
** the family has none (other). Static text. */
const char *dfMongoBsonType(const char *zFamily);

/*
** The validator {"$jsonSchema":{...}} generated from the declared (not
** sampled) columns of pTab, as compact JSON with a fixed key order; NULL
** when pTab has no declared column (no validator). *pRc is set to
** SQLITE_NOMEM or SQLITE_ERROR (*pzErr: a column whose default cannot be
** written, a field name MongoDB refuses) on failure.
** OUT: caller frees the result and *pzErr with sqlite3_free().
*/
char *dfMongoValidatorJson(const DfTable *pTab, int *pRc, char **pzErr);

/*
** The portable declaration a generated property carries as its "title", or
** NULL when none is needed (the bsonType, maxLength and bounds already give
** the column's type back and there is no default). OUT: caller frees.
*/
char *dfMongoTitle(const DfColumn *pCol);

/*
** Checks of names MongoDB (or DataFlow's mapping) cannot take: a collection
** name that is empty, holds '$', '.' or NUL, or starts with "system.";
** a field name that is empty, starts with '$' or (bNested 0) holds '.'.
** Return SQLITE_OK or SQLITE_ERROR with *pzErr (OUT: sqlite3_free) naming
** zWho and the name.
*/
int dfMongoCheckCollection(const char *zWho, const char *zName, char **pzErr);
int dfMongoCheckField(const char *zWho, const char *zTable, const char *zName,
                      int bNested, char **pzErr);

#endif /* DF_SQL_MONGO_H */
