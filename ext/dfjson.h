/*
** dfjson.h — JSON values as C trees, parsed by SQLite's json_tree(), for
** the catalog's JSON columns (column lists, index keys, enum labels) and
** for option strings.
**
** dfJsonParse() builds a tree; the whole tree is freed by dfJsonFree().
** Strings are unescaped UTF-8; numbers are written back from their value
** (integers exactly, reals in the shortest text that reads back the same).
*/
#ifndef DF_JSON_H
#define DF_JSON_H

#include "sqlite3ext.h"

#define DF_JSON_NULL    0
#define DF_JSON_TRUE    1
#define DF_JSON_FALSE   2
#define DF_JSON_NUMBER  3
#define DF_JSON_STRING  4
#define DF_JSON_ARRAY   5
#define DF_JSON_OBJECT  6

typedef struct DfJson DfJson;
struct DfJson {
  int eType;              /* DF_JSON_* */
  char *zText;            /* STRING: unescaped value; NUMBER: source text */
  int nChild;             /* ARRAY/OBJECT: number of elements */
  DfJson *aChild;         /* ARRAY/OBJECT: elements, in source order */
  char **azKey;           /* OBJECT: key of each element */
};

/*
** Parse zText (NUL-terminated) as one JSON value. Returns the tree (OUT:
** caller frees with dfJsonFree) or NULL with *pzErr set (OUT: caller frees
** with sqlite3_free) to "not valid JSON" (or "out of memory", "JSON
** nested too deeply").
*/
DfJson *dfJsonParse(const char *zText, char **pzErr);
void dfJsonFree(DfJson *p);

/* Member of an object by key (exact compare); NULL when absent. */
DfJson *dfJsonGet(DfJson *pObj, const char *zKey);

/*
** Parse a JSON array of strings. Returns the number of strings, with
** *pazOut set to an array of them (OUT: caller frees the array and each
** string with dfJsonFreeStrings), or -1 when zText is not such an array
** (NULL or empty text gives 0 strings and *pazOut NULL).
*/
int dfJsonStrings(const char *zText, char ***pazOut);
void dfJsonFreeStrings(int n, char **az);

/* Append z as a JSON string literal (quoted, escaped) to p. */
void dfJsonAppendString(sqlite3_str *p, const char *z);

#endif /* DF_JSON_H */
