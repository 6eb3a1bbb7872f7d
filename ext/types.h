/*
** types.h — type families, normalisation of native types and defaults,
** and rendering of a normalised type back into each dialect.
**
** A normalised type is (family, length, precision, scale, tz, array,
** unsigned). Families are lowercase words, stored as text in snapshots:
**
**   smallint integer bigint           whole numbers (2, 4, 8 bytes)
**   boolean
**   real double numeric               float4, float8, exact numeric(p,s)
**   char varchar text                 strings; length = declared maximum
**   blob                              binary strings
**   date time timestamp interval      timestamp/time with tz = 1 for *tz
**   json uuid enum bit                enum: type_ref names the enum
**   objectid object array             MongoDB BSON families
**   other                             anything else: native text compared
**
** The per-engine rules (documented in doc/types.md) map e.g. PostgreSQL
** "character varying(255)" and portable VARCHAR(255) to (varchar, 255),
** MySQL tinyint(1) to boolean, and SQLite declared types by affinity when
** they are not in the portable vocabulary.
*/
#ifndef DF_TYPES_H
#define DF_TYPES_H

#include "catalog.h"

typedef struct DfType DfType;
struct DfType {
  const char *zFamily;    /* static string: one of the families above */
  int nLength;            /* -1 when absent */
  int nPrecision;         /* -1 when absent */
  int nScale;             /* -1 when absent */
  int bTz;                /* with time zone */
  int bArray;             /* array of */
  int bUnsigned;          /* MySQL UNSIGNED */
};

/*
** Normalise zNative as spelled by engine zEngine ("sqlite", "model",
** "postgresql", "mysql", "mongodb") into *pOut. Returns 1 when the type is
** in the engine's known vocabulary, 0 when it fell back (family "other",
** or SQLite affinity), so that strict portable mode can refuse it.
*/
int dfTypeNormalise(const char *zEngine, const char *zNative, DfType *pOut);

/*
** Render the normalised type of column pCol for dialect zDialect
** ("sqlite", "postgresql", "mysql"). When the column came from the same
** engine its native spelling is kept. OUT: caller frees with sqlite3_free.
*/
char *dfTypeRender(const char *zDialect, const char *zSourceEngine,
                   const DfColumn *pCol);

/* True when two columns have the same normalised type. */
int dfTypeEqual(const DfColumn *a, const DfColumn *b);

/*
** Direction of a type change from a to b: 0 equal, 1 b is wider (no data
** can be lost), 2 b is narrower or unrelated (data may be lost or the cast
** may fail).
*/
int dfTypeWidening(const DfColumn *a, const DfColumn *b);

/*
** The labels of a MySQL inline enum('a','b') as a JSON array ["a","b"], in
** declaration order; NULL when zNative is not an enum. The mirror stores it
** in columns.type_ref of a MySQL enum column. OUT: caller frees.
*/
char *dfTypeEnumLabels(const char *zNative);

/* Human text for a normalised type: "varchar(255)", "numeric(10,2)".
** OUT: caller frees. */
char *dfTypeDescribe(const DfColumn *pCol);

/*
** Normalise a default expression as spelled by engine zEngine for a column
** of family zFamily: strips casts ('a'::text -> 'a'), outer parentheses,
** maps now()/current_timestamp()/CURRENT_TIMESTAMP to CURRENT_TIMESTAMP,
** booleans to TRUE/FALSE, numbers to their shortest form. NULL in, NULL out;
** a default of NULL normalises to NULL. OUT: caller frees.
*/
char *dfDefaultNormalise(const char *zEngine, const char *zFamily,
                         const char *zExpr);

/*
** Normalise an SQL expression (check, predicate, view body, index
** expression) for comparison: whitespace folded, keywords and unquoted
** identifiers lowercased, redundant outer parentheses and casts removed.
** OUT: caller frees.
*/
char *dfExprNormalise(const char *zExpr);

#endif /* DF_TYPES_H */
