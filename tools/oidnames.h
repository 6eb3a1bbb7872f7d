/*
** oidnames.h — names by (oid, number), as the PostgreSQL mirror read them:
** column names and collations by (relation oid, attnum), collation and
** operator class names by (oid, 0).
**
** Why: keys in the catalogs are arrays of numbers (conkey, indkey,
** indcollation, indclass). Resolving them on the server costs a catalog
** lookup per key column, per constraint and per index; the mirror has
** already read every column, so it resolves them itself.
*/
#ifndef DF_OIDNAMES_H
#define DF_OIDNAMES_H

typedef struct OidNames OidNames;

OidNames *oidNamesNew(void);
void oidNamesFree(OidNames *p);

/* Record zName (copied) and a number (e.g. a collation oid) for (oid, n).
** A second put for the same key replaces the first. */
void oidNamesPut(OidNames *p, unsigned int oid, int n, const char *zName,
                 unsigned int extra);

/* The name recorded for (oid, n), and its number in *pExtra (when not
** NULL); NULL when nothing was recorded. */
const char *oidNamesGet(const OidNames *p, unsigned int oid, int n,
                        unsigned int *pExtra);

#endif /* DF_OIDNAMES_H */
