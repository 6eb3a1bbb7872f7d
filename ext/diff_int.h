/*
** diff_int.h — what diff.c and diff_objects.c share: the state of one
** dfDiffCompute() call and the helpers both halves use. Not a public
** interface: callers use diff.h.
*/
#ifndef DF_DIFF_INT_H
#define DF_DIFF_INT_H

#include "sqlite3ext.h"
#include "diff.h"

#define COL_BY_NAME  0     /* column paired by name */
#define COL_BY_HINT  1     /* paired by an explicit hint */
#define COL_BY_GUESS 2     /* paired by the rename rules */

typedef struct TabPair TabPair;
struct TabPair {
  DfTable *pFrom;         /* table in FROM */
  DfTable *pTo;           /* its counterpart in TO */
  int eHow;               /* COL_BY_*: how the tables were paired */
  double rConf;           /* rename confidence */
  int *aColTo;            /* per FROM column: index of the TO column, or -1 */
  int *aColFrom;          /* per TO column: index of the FROM column, or -1 */
  unsigned char *aColHow; /* per FROM column: COL_BY_* */
  double *aColConf;       /* per FROM column: rename confidence */
  int bIdentity;          /* same table name, every column paired by its exact name */
};

typedef struct NameRef NameRef;
struct NameRef {
  const char *zSchema;    /* namespace ("" for columns and other children) */
  const char *zName;      /* name */
  int idx;                /* index in the owner's array */
};

typedef struct DiffCtx DiffCtx;
struct DiffCtx {
  DfCatalog *pFrom;       /* old catalog */
  DfCatalog *pTo;         /* new catalog */
  const DfDiffOptions *pOpt;  /* hints, bNoRenames (never NULL) */
  int bNoCase;            /* identifiers compare case-insensitively */
  int rc;                 /* sticky result code */
  char *zErr;             /* error message */
  DfChangeList *pList;    /* output */
  int nPair;              /* table pairs */
  TabPair *aPair;         /* table pairs */
  int *aFromPair;         /* per FROM table: pair index or -1 */
  int *aToPair;           /* per TO table: pair index or -1 */
  NameRef *aFromSorted;   /* FROM tables sorted for lookups by name */
};

/* diff.c: errors and memory (sticky: they do nothing once p->rc is set) */
void diffErr(DiffCtx *p, const char *zFmt, ...);
void diffOom(DiffCtx *p);
void *diffAlloc(DiffCtx *p, size_t n);            /* zeroed; NULL on OOM */
char *diffStrFinish(DiffCtx *p, sqlite3_str *s);  /* never NULL unless OOM */

/* diff.c: comparisons under the identifier rule of the two catalogs */
int diffNameEq(DiffCtx *p, const char *a, const char *b);
int diffTextEq(const char *a, const char *b);        /* NULL equals "" */
int diffTextEqNoCase(const char *a, const char *b);  /* NULL equals "" */
const char *diffOptText(const char *z);             /* NULL, "{}" -> "" */
int diffExprEq(DiffCtx *p, const char *a, const char *b);

/* diff.c: the change list (strings copied) */
DfChange *diffAddChange(DiffCtx *p, const char *zKind, const char *zSchema,
                        const char *zObject, const char *zParent,
                        const char *zChange, const char *zAttr,
                        const char *zOld, const char *zNew,
                        int bDestructive, double rConf, const char *zExplain);

/* diff.c: pairing by name, lookups through the table pairs */
void diffPairByName(DiffCtx *p, int nA, NameRef *aA, int nB, NameRef *aB,
                    int *aAtoB, int *aBtoA);
void diffCheckDuplicates(DiffCtx *p, int bCatNoCase, int n, NameRef *a,
                         const char *zWhat, const char *zSide);
int diffFindFromTable(DiffCtx *p, const char *zSchema, const char *zName);
int diffFindColumn(DiffCtx *p, const DfTable *t, const char *zName);
const char *diffMapColumn(DiffCtx *p, TabPair *pp, const char *zName);

/* diff_objects.c: constraints, indexes and triggers of a table pair;
** views, enums and sequences of the two catalogs */
void diffConstraints(DiffCtx *p, TabPair *pp);
void diffIndexes(DiffCtx *p, TabPair *pp);
void diffTriggers(DiffCtx *p, TabPair *pp);
void diffViews(DiffCtx *p);
void diffEnums(DiffCtx *p);
void diffSequences(DiffCtx *p);

#endif /* DF_DIFF_INT_H */
