/*
** drift.h — object fingerprints, drift between two schema states, and the
** objects a plan touches.
**
** Every schema object has a fingerprint in a snapshot (catalog.h: tables,
** views, enums, sequences; a table's covers its columns, keys, indexes and
** triggers). A DfFpMap is the list of (key, fingerprint) of one state, keys
** being "kind:name" ("table:users", "view:active_users", with "schema." in
** front of the name outside the default namespace), sorted by key. Maps
** come from a catalog (a snapshot or a mirror of the live database) or from
** the JSON kept in dataflow_migrations.fingerprints, so that apply, rollback
** and status all compare states the same way.
**
** Memory: malloc()/free() like the rest of tools/; each structure is freed
** by its own Clear function.
*/
#ifndef DF_DRIFT_H
#define DF_DRIFT_H

#include "catalog.h"
#include "history.h"

typedef struct DfFpMap DfFpMap;
struct DfFpMap {
  int n;                  /* entries */
  char **azKey;           /* "table:t", sorted by strcmp */
  char **azFp;            /* fingerprint of each (may be NULL) */
};

/* Fingerprints of every object of pCat (DataFlow's own objects excluded). */
void dfFpMapFromCatalog(DfCatalog *pCat, DfFpMap *pOut);
/* From the JSON object written by dfFpMapToJson(); 0, or -1 when zJson is
** not such an object (*pOut is then empty). */
int dfFpMapFromJson(const char *zJson, DfFpMap *pOut);
/* As a JSON object {"table:t":"<sha256>",...}. OUT: caller frees. */
char *dfFpMapToJson(const DfFpMap *p);
/* Fingerprint of zKey, or NULL when the object is absent. */
const char *dfFpMapGet(const DfFpMap *p, const char *zKey);
void dfFpMapClear(DfFpMap *p);

/* A sorted set of object keys. */
typedef struct DfKeySet DfKeySet;
struct DfKeySet {
  int n;                  /* keys */
  char **az;              /* sorted by strcmp, no duplicates */
};
void dfKeySetAdd(DfKeySet *p, const char *zKey);
int dfKeySetHas(const DfKeySet *p, const char *zKey);
void dfKeySetClear(DfKeySet *p);
/* As a JSON array of strings. OUT: caller frees. */
char *dfKeySetToJson(const DfKeySet *p);
/* Parse a JSON array of strings into *p (added to what is there). */
void dfKeySetAddJson(DfKeySet *p, const char *zJson);

/* One object that differs between two states. */
typedef struct DfDrift DfDrift;
struct DfDrift {
  char *zKey;             /* "table:t" */
  const char *zWhat;      /* static: "changed", "added", "removed" */
};
typedef struct DfDriftList DfDriftList;
struct DfDriftList {
  int n;                  /* differing objects, in key order */
  DfDrift *a;
};

/* Objects whose fingerprints differ from pFrom (expected) to pTo (live). */
void dfDriftCompute(const DfFpMap *pFrom, const DfFpMap *pTo, DfDriftList *pOut);
void dfDriftClear(DfDriftList *p);

/* "table \"users\"" for key "table:users". OUT: caller frees. */
char *dfKeyDescribe(const char *zKey);

/*
** The keys of the objects a step touches: its object ("t", "t.c", an index
** or trigger name) and each entry of its zTouches JSON array, resolved
** against the catalogs given (any may be NULL): a column or an index counts
** as its table.
*/
void dfTouchedKeys(DfCatalog **apCat, int nCat, const char *zObject,
                   const char *zTouches, DfKeySet *pOut);

/*
** Add to pOut what the objects of pIn depend on or what depends on them,
** one level deep, in each catalog: tables a touched table references by
** foreign key and tables that reference it, views that read a touched
** table, and the tables a touched view reads.
*/
void dfDependencyKeys(DfCatalog **apCat, int nCat, const DfKeySet *pIn,
                      DfKeySet *pOut);

/*
** Who changed object zKey, now with fingerprint zLiveFp (NULL: absent),
** according to the history aRow (newest first): "migration V ('name', by D
** at T)", or "changed outside DataFlow" (with "after migration V" when
** known). OUT: caller frees.
*/
char *dfDriftWho(const char *zKey, const char *zLiveFp, const DfHistRow *aRow,
                 int nRow);

#endif /* DF_DRIFT_H */
