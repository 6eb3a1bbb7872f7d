/*
** sqlparse.h — a small scanner for SQLite-syntax DDL.
**
** The SQLite pragmas (table_xinfo, index_list, index_xinfo,
** foreign_key_list) give most of a schema, but not everything: CHECK text,
** constraint names, generated-column expressions, AUTOINCREMENT, the text
** of index expressions and partial-index predicates, and FK deferrability
** only exist in the CREATE text kept in sqlite_schema. This module reads
** exactly those facts from that text. It is not a validating parser: the
** text has already been accepted by SQLite, so the walker only has to find
** clause boundaries (balanced parentheses, keywords at depth 0).
**
** Ownership: every structure returned here owns its strings (allocated with
** sqlite3_malloc64/sqlite3_mprintf) and is freed by its own free function.
*/
#ifndef DF_SQLPARSE_H
#define DF_SQLPARSE_H

#include "sqlite3ext.h"

/* Token classes returned by dfSqlToken(). */
#define DF_TK_EOF      0   /* end of text (length 0) */
#define DF_TK_SPACE    1   /* whitespace or a comment */
#define DF_TK_ID       2   /* bare word: identifier or keyword */
#define DF_TK_QID      3   /* "quoted", `quoted` or [quoted] identifier */
#define DF_TK_STRING   4   /* 'string literal' */
#define DF_TK_NUMBER   5   /* 12, 1.5e3, 0x1F, .5 */
#define DF_TK_BLOB     6   /* x'00ff' */
#define DF_TK_VARIABLE 7   /* ?, ?1, :name, @name, $name */
#define DF_TK_PUNCT    8   /* ( ) , ; . and operators (||, <=, ->> ...) */
#define DF_TK_ILLEGAL  9   /* a byte no SQLite token starts with */

/*
** Length in bytes of the token starting at z (0 at the terminating NUL);
** its class is written to *peType. Unterminated quotes and comments run to
** the end of the text, as in SQLite.
*/
int dfSqlToken(const char *z, int *peType);

/*
** The value of an identifier token z[0..n): quotes removed and doubled
** quotes undone for QID tokens, the text itself otherwise.
** OUT: caller frees with sqlite3_free (NULL on OOM).
*/
char *dfSqlIdentValue(const char *z, int n);

/* Byte offset of the first token of z that is not whitespace/comment. */
int dfSqlSkipSpace(const char *z);

/* Key of a column constraint or table constraint. */
#define DF_CONS_PK      1   /* PRIMARY KEY */
#define DF_CONS_UNIQUE  2   /* UNIQUE */
#define DF_CONS_CHECK   3   /* CHECK(expr) */
#define DF_CONS_FK      4   /* REFERENCES / FOREIGN KEY */

typedef struct DfSqlCons DfSqlCons;
typedef struct DfSqlColumn DfSqlColumn;
typedef struct DfSqlTable DfSqlTable;
typedef struct DfSqlIndexKey DfSqlIndexKey;
typedef struct DfSqlIndex DfSqlIndex;

/*
** One PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY constraint, either written
** on a column (iCol >= 0; azCol then holds that column alone) or as a
** table constraint (iCol = -1). Constraints appear in DfSqlTable.aCons in
** the order they are written.
*/
struct DfSqlCons {
  int eKind;              /* DF_CONS_* */
  int iCol;               /* column constraint: index in aCol; -1 table constraint */
  char *zName;            /* CONSTRAINT name (dequoted), NULL when unnamed */
  int nCol;               /* number of key / referencing columns */
  char **azCol;           /* key / referencing column names (dequoted) */
  char **azColl;          /* per key column: COLLATE name or NULL (PK/UNIQUE) */
  int *aDesc;             /* per key column: 1 when DESC (PK/UNIQUE) */
  int bAutoinc;           /* PRIMARY KEY ... AUTOINCREMENT */
  char *zExpr;            /* CHECK: the expression text inside the parentheses */
  char *zRefTable;        /* FK: referenced table (dequoted) */
  int nRefCol;            /* FK: number of referenced columns, 0 when omitted */
  char **azRefCol;        /* FK: referenced column names (dequoted) */
  char *zOnDelete;        /* FK: "CASCADE", "SET NULL", ... uppercase, or NULL */
  char *zOnUpdate;        /* FK: as zOnDelete */
  char *zMatch;           /* FK: MATCH name, or NULL */
  int bDeferrable;        /* FK: DEFERRABLE (not NOT DEFERRABLE) */
  int bInitDeferred;      /* FK: INITIALLY DEFERRED */
};

/* One column definition of a CREATE TABLE. */
struct DfSqlColumn {
  char *zName;            /* column name (dequoted) */
  char *zType;            /* declared type text as written, "" when none */
  int iOffset;            /* byte offset of the column definition in the text */
  int bNotNull;           /* NOT NULL written */
  int bPk;                /* PRIMARY KEY written on the column */
  int bPkDesc;            /* ... PRIMARY KEY DESC (not a rowid alias in SQLite) */
  char *zDefault;         /* DEFAULT expression text, or NULL */
  char *zCollate;         /* last COLLATE name (dequoted), or NULL */
  char *zGenExpr;         /* GENERATED ALWAYS AS (expr): expr text, or NULL */
  int bGenStored;         /* generated column is STORED (default VIRTUAL) */
};

/* A parsed CREATE TABLE. */
struct DfSqlTable {
  char *zName;            /* table name (dequoted, without schema) */
  int bWithoutRowid;      /* WITHOUT ROWID */
  int bStrict;            /* STRICT */
  int bAsSelect;          /* CREATE TABLE ... AS SELECT (no column list) */
  int nCol;               /* number of columns */
  DfSqlColumn *aCol;      /* columns in declaration order */
  int nCons;              /* number of constraints */
  DfSqlCons *aCons;       /* constraints in order of appearance */
};

/* One key of a CREATE INDEX key list. */
struct DfSqlIndexKey {
  char *zExpr;            /* key text as written, without COLLATE/ASC/DESC */
  char *zColumn;          /* dequoted name when the key is a plain column, else NULL */
  char *zCollate;         /* COLLATE name (dequoted) or NULL */
  int bDesc;              /* DESC */
};

/* A parsed CREATE INDEX. */
struct DfSqlIndex {
  char *zName;            /* index name (dequoted) */
  char *zTable;           /* table name (dequoted) */
  int bUnique;            /* CREATE UNIQUE INDEX */
  int nKey;               /* number of keys */
  DfSqlIndexKey *aKey;    /* keys in order */
  char *zWhere;           /* partial index predicate text, or NULL */
};

/*
** Parse the CREATE TABLE statement zSql. On success *ppOut is set (OUT:
** caller frees with dfSqlTableFree) and SQLITE_OK returned. Otherwise an
** error code, with *pzErr (OUT: caller frees) describing where the text
** was not understood.
*/
int dfSqlParseCreateTable(const char *zSql, DfSqlTable **ppOut, char **pzErr);
void dfSqlTableFree(DfSqlTable *p);

/* As above, for CREATE [UNIQUE] INDEX. OUT: free with dfSqlIndexFree. */
int dfSqlParseCreateIndex(const char *zSql, DfSqlIndex **ppOut, char **pzErr);
void dfSqlIndexFree(DfSqlIndex *p);

/*
** Byte offset in zSql of the SELECT of a CREATE VIEW statement (the text
** after "AS"), or -1 when zSql is not understood.
*/
int dfSqlViewBody(const char *zSql);

/*
** Names read by a SELECT: every table-like name written after FROM or JOIN
** (or after a comma in a FROM list), dequoted, with a schema qualifier
** dropped; names of common table expressions and table-valued functions
** are left out. The caller keeps those that name existing objects.
** Returns the number of names and sets *pazName (OUT: caller frees the
** array and each string with sqlite3_free), or -1 on OOM. Text that is not
** well formed (unbalanced parentheses) gives the names found before the
** fault.
*/
int dfSqlSelectSources(const char *zSelect, char ***pazName);

#endif /* DF_SQLPARSE_H */
