/*
** mirror_pg.c — `dataflow mirror postgresql://...`: the PostgreSQL system
** catalogs into a snapshot (catalog.h), in a fixed number of bulk queries.
**
** Usage:
**
**   dataflow mirror postgresql://app@db/shop -o shop.snapshot
**   dataflow mirror postgresql://app@db/shop --schema public --schema billing -o s.snap
**   dataflow mirror postgresql://app@db/shop --schema '*' -o all.snap   (every schema)
**
** HOW IT WORKS
**
** Nine queries, one per kind of object, whatever the number of tables
** (pg_dump's way), in one REPEATABLE READ transaction, sent at once and
** read by a thread (reader_pg.c) while this one writes the snapshot:
** collation and non-default operator class names (for index keys);
** relations (pg_class: tables, partitioned tables, views, materialized
** views, with reloptions, partition keys and bounds, parents, comments);
** columns (pg_attribute + pg_attrdef + pg_type + pg_collation; inherited
** columns too, for their names only); constraints (pg_constraint, with
** pg_get_constraintdef for checks and exclusions); indexes (pg_index:
** indoption, collations, operator classes, INCLUDE columns, predicates,
** pg_get_indexdef for expression keys alone); enum types (pg_enum labels
** in enumsortorder); sequences (pg_sequence with OWNED BY); view
** dependencies (pg_rewrite + pg_depend); triggers (pg_get_triggerdef).
** Key columns come as attnum arrays and are named here, from the columns
** already read (oidnames.h): a lookup per key column on the server cost
** more than the rest of those queries. Each query is filtered to the
** requested schemas by a bound text[] parameter, and leaves out objects
** that belong to an extension. Server-version differences are branched
** per column fragment (the m->iVer choices below), never by copying
** whole queries.
**
** Naming: the default schema (public, or the first --schema; public for
** '*') is stored as '' so that a model compares with it; other schemas
** keep their names. Type references (enum, domain, partition parents) are
** bare names in the default schema and schema.name elsewhere.
**
** What is recorded how (doc/postgresql.md has the full list):
**  - types: format_type() as type_native, normalised by dfTypeNormalise();
**    enums as family enum with type_ref = the enum; domains with the family
**    of their base type and type_ref = the domain; any other type of family
**    "other" with type_ref = its spelling, so that the checksum tells them
**    apart;
**  - serial columns: the default nextval('t_id_seq') and the sequence with
**    owned_by = "t.id"; identity columns: identity always / by default, and
**    their internal sequences are not listed;
**  - partitions: the parent is kind "partitioned" with options
**    {"partition_by":"RANGE (a)"}; a partition has options
**    {"partition_of":"parent","bound":"FOR VALUES ..."} and only what it
**    declares itself: inherited columns, constraints, indexes and cloned
**    triggers come with PARTITION OF and are not repeated;
**  - constraint and index names PostgreSQL would have chosen itself
**    (makeObjectName: t_pkey, t_a_key, t_a_fkey, t_check, t_a_idx ...,
**    with their numbered variants) are marked generated_name = 1;
**  - DataFlow's own objects (dataflow_*: history, lock, quarantined tables,
**    columns and sequences) are left out.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg.h"
#include "oidnames.h"
#include "catalog.h"
#include "types.h"
#include "dfjson.h"
#include "util.h"

#define PG_NAMEDATALEN 64     /* PostgreSQL's NAMEDATALEN */

typedef struct Mir Mir;
struct Mir {
  PGconn *pg;             /* source */
  sqlite3 *db;            /* snapshot, catalog in "main" */
  int iVer;               /* PQserverVersion(), e.g. 150020 */
  const char *zDefault;   /* default schema: stored as '' */
  int bAll;               /* --schema '*': every user schema */
  char *zSchemaArray;     /* text[] literal of the schemas, bound as $1 */
  int rc;                 /* sticky: 0 or 1 */
  char *zErr;             /* first error (malloc'd) */
  const char *zSafeUrl;   /* for messages */
  char *zDefaultLit;      /* zDefault as an SQL literal (PQescapeLiteral) */
  int bCollect;           /* first pass: only note each query (mirQuery) */
  PgReader *pRead;        /* runs the queries (reader_pg.c) */
  OidNames *pCols;        /* (relation, attnum) -> column name, collation */
  OidNames *pLookup;      /* (collation, 0) and (non-default opclass, 1) -> name */
};

/* The relations that belong to an extension (CREATE EXTENSION made them:
** not the user's schema), found by pg_depend's index on the referenced
** object, as a member's row points at its extension: no scan of all of
** pg_depend. */
#define MIR_EXTENSION_MEMBERS \
  "SELECT e.objid FROM pg_catalog.pg_depend e" \
  " WHERE e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass" \
  " AND e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND e.deptype = 'e'"

/* ------------------------------------------------------------ helpers */

static void mirFail(Mir *m, char *zMsg){
  if( m->rc==0 ){
    m->rc = 1;
    m->zErr = zMsg;
  }else{
    free(zMsg);
  }
}

/* The stored schema name: '' for the default schema. */
static const char *schemaOut(Mir *m, const char *zNsp){
  return (zNsp && strcmp(zNsp, m->zDefault)==0) ? "" : (zNsp ? zNsp : "");
}

/* A name as other objects refer to it: bare in the default schema (and
** pg_catalog), "schema.name" elsewhere. OUT: caller frees with free(). */
static char *refName(Mir *m, const char *zNsp, const char *zName){
  if( zNsp==0 || strcmp(zNsp, m->zDefault)==0 || strcmp(zNsp, "pg_catalog")==0 ){
    return xstrdup(zName ? zName : "");
  }
  return xasprintf("%s.%s", zNsp, zName ? zName : "");
}

/* Build the text[] literal {"a","b"} of the requested schemas. */
static char *arrayLiteral(int n, const char **az){
  size_t nAlloc = 3;
  int i;
  char *z, *p;
  for(i=0; i<n; i++) nAlloc += strlen(az[i])*2 + 3;
  z = p = xmalloc(nAlloc);
  *p++ = '{';
  for(i=0; i<n; i++){
    const char *s;
    if( i ) *p++ = ',';
    *p++ = '"';
    for(s=az[i]; *s; s++){
      if( *s=='"' || *s=='\\' ) *p++ = '\\';
      *p++ = *s;
    }
    *p++ = '"';
  }
  *p++ = '}';
  *p = 0;
  return z;
}

/* The schema filter on namespace alias zAlias. OUT: caller frees. */
static char *schemaFilter(Mir *m, const char *zAlias){
  if( m->bAll ){
    return xasprintf("(%s.nspname NOT IN ('pg_catalog', 'information_schema')"
                     " AND %s.nspname NOT LIKE 'pg\\_toast%%'"
                     " AND %s.nspname NOT LIKE 'pg\\_temp\\_%%')",
                     zAlias, zAlias, zAlias);
  }
  return xasprintf("%s.nspname = ANY($1::text[])", zAlias);
}

/* A catalog query, with the requested schemas (text[]) as $1 when it has
** one. First pass (bCollect): only noted, no rows. Second pass: its
** result. */
static PGresult *mirQuery(Mir *m, const char *zSql){
  static const Oid aType[1] = { 1009 };     /* text[] */
  const char *azParam[1];
  char *zErr = 0;
  PGresult *res;
  if( m->rc ) return 0;
  if( m->bCollect ){
    azParam[0] = m->zSchemaArray;
    pgReaderAdd(m->pRead, zSql, strstr(zSql, "$1") ? 1 : 0, aType, azParam);
    return 0;
  }
  res = pgReaderNext(m->pRead, &zErr);
  if( res==0 ){
    mirFail(m, xasprintf("cannot read the catalog of %s: %s", m->zSafeUrl, zErr));
    free(zErr);
  }
  return res;
}

/* Value of row i, column j; NULL for SQL NULL. */
static const char *val(PGresult *r, int i, int j){
  return PQgetisnull(r, i, j) ? 0 : PQgetvalue(r, i, j);
}
static int valBool(PGresult *r, int i, int j){
  const char *z = val(r, i, j);
  return z && z[0]=='t';
}

static sqlite3_stmt *mirPrepare(Mir *m, const char *zSql){
  sqlite3_stmt *p = 0;
  if( m->rc ) return 0;
  if( sqlite3_prepare_v2(m->db, zSql, -1, &p, 0)!=SQLITE_OK ){
    mirFail(m, xasprintf("cannot write the snapshot: %s", sqlite3_errmsg(m->db)));
  }
  return p;
}

/* Bind text (NULL binds NULL) or an int to parameter i. */
static void bindText(sqlite3_stmt *p, int i, const char *z){
  if( z ) sqlite3_bind_text(p, i, z, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(p, i);
}
static void bindIntOrNull(sqlite3_stmt *p, int i, int v){
  if( v<0 ) sqlite3_bind_null(p, i); else sqlite3_bind_int(p, i, v);
}

static void mirStep(Mir *m, sqlite3_stmt *p){
  if( m->rc==0 && sqlite3_step(p)!=SQLITE_DONE ){
    mirFail(m, xasprintf("cannot write the snapshot: %s", sqlite3_errmsg(m->db)));
  }
  sqlite3_reset(p);
  sqlite3_clear_bindings(p);
}

/* Re-serialise a JSON array of strings (as PostgreSQL's json_agg prints
** it) in DataFlow's canonical form ["a","b"]. NULL in, NULL out. OUT:
** caller frees with sqlite3_free. */
static char *canonStrings(Mir *m, const char *zJson){
  char **az = 0;
  int n, i;
  sqlite3_str *s;
  if( zJson==0 ) return 0;
  n = dfJsonStrings(zJson, &az);
  if( n<0 ){
    mirFail(m, xasprintf("unexpected catalog value '%s'", zJson));
    return 0;
  }
  s = sqlite3_str_new(0);
  sqlite3_str_appendchar(s, 1, '[');
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, az[i]);
  }
  sqlite3_str_appendchar(s, 1, ']');
  if( n>0 ) dfJsonFreeStrings(n, az);
  return sqlite3_str_finish(s);
}

/* ------------------------------------------------------------ generated names */

/* Clip n bytes of UTF-8 z back to a character boundary (pg_mbcliplen). */
static int clipUtf8(const char *z, int n){
  while( n>0 && ((unsigned char)z[n] & 0xC0)==0x80 ) n--;
  return n;
}

/* PostgreSQL's makeObjectName(name1, name2, label) (indexcmds.c). OUT: free(). */
static char *makeObjectName(const char *z1, const char *z2, const char *zLabel){
  int n1 = (int)strlen(z1), n2 = z2 ? (int)strlen(z2) : 0;
  int overhead = (z2 ? 1 : 0) + (zLabel ? (int)strlen(zLabel) + 1 : 0);
  int avail = PG_NAMEDATALEN - 1 - overhead;
  while( n1 + n2 > avail ){
    if( n1 > n2 ) n1--; else n2--;
  }
  n1 = clipUtf8(z1, n1);
  if( z2 ) n2 = clipUtf8(z2, n2);
  if( z2 && zLabel ) return xasprintf("%.*s_%.*s_%s", n1, z1, n2, z2, zLabel);
  if( z2 ) return xasprintf("%.*s_%.*s", n1, z1, n2, z2);
  if( zLabel ) return xasprintf("%.*s_%s", n1, z1, zLabel);
  return xasprintf("%.*s", n1, z1);
}

/* Is zName what ChooseConstraintName/ChooseRelationName would pick for
** (z1, z2, zLabel): the plain name or a numbered variant (label1...)? */
static int isChosenName(const char *zName, const char *z1, const char *z2,
                        const char *zLabel){
  int i;
  for(i=0; i<100; i++){
    char zLab[64];
    char *z;
    int b;
    if( i==0 ) snprintf(zLab, sizeof(zLab), "%s", zLabel);
    else snprintf(zLab, sizeof(zLab), "%s%d", zLabel, i);
    z = makeObjectName(z1, z2, zLab);
    b = strcmp(z, zName)==0;
    free(z);
    if( b ) return 1;
    if( i==0 ){
      /* Numbered variants end in a digit. */
      size_t n = strlen(zName);
      if( n==0 || zName[n-1]<'0' || zName[n-1]>'9' ) break;
    }
  }
  return 0;
}

/* Column names joined by '_', at most NAMEDATALEN-1 bytes (as
** ChooseIndexNameAddition / ChooseForeignKeyConstraintNameAddition). */
static char *joinNames(int n, char **az){
  char zBuf[PG_NAMEDATALEN*2];
  size_t nBuf = 0;
  int i;
  zBuf[0] = 0;
  for(i=0; i<n; i++){
    size_t k;
    if( nBuf>0 ) zBuf[nBuf++] = '_';
    k = strlen(az[i]);
    if( k > PG_NAMEDATALEN - 1 - nBuf ) k = PG_NAMEDATALEN - 1 - nBuf;
    memcpy(zBuf + nBuf, az[i], k);
    nBuf += k;
    zBuf[nBuf] = 0;
    if( nBuf >= PG_NAMEDATALEN - 1 ) break;
  }
  return xstrdup(zBuf);
}

static int constraintNameChosen(const char*, const char*, char, int, const char**);

/* Does zName start with "<table>_" (or with the start of a long table
** name that makeObjectName truncated)? */
static int hasTablePrefix(const char *zName, const char *zTable){
  size_t n = strlen(zTable);
  if( strncmp(zName, zTable, n)==0 && zName[n]=='_' ) return 1;
  return strlen(zName)>=PG_NAMEDATALEN-4 && n>16 && strncmp(zName, zTable, 16)==0;
}

/* Does zName end in "_<label>", optionally numbered ("_key", "_key1")? */
static int hasLabelSuffix(const char *zName, const char *zLabel){
  size_t n = strlen(zName), k = strlen(zLabel);
  while( n>0 && zName[n-1]>='0' && zName[n-1]<='9' ) n--;
  return n>k && zName[n-k-1]=='_' && strncmp(zName + n - k, zLabel, k)==0;
}

/*
** Did PostgreSQL generate constraint name zName of kind cKind on table
** zTable with key columns zColsJson? Its own choice (makeObjectName), or
** any name in that style ("<table>_..._<label>[N]"): a constraint keeps
** its name when its columns are renamed, and an explicit "users_email_key"
** means what the generated one means.
*/
static int constraintNameGenerated(const char *zName, const char *zTable,
                                   char cKind, int nCol, const char **azCol){
  static const struct { char c; const char *zLabel; } aSuffix[] = {
    { 'p', "pkey" }, { 'u', "key" }, { 'f', "fkey" }, { 'c', "check" }, { 'x', "excl" }
  };
  size_t i;
  for(i=0; i<sizeof(aSuffix)/sizeof(aSuffix[0]); i++){
    if( aSuffix[i].c==cKind && hasLabelSuffix(zName, aSuffix[i].zLabel)
     && hasTablePrefix(zName, zTable) ) return 1;
  }
  return constraintNameChosen(zName, zTable, cKind, nCol, azCol);
}

/* Is zName exactly the name PostgreSQL chooses for such a constraint? */
static int constraintNameChosen(const char *zName, const char *zTable,
                                char cKind, int n, const char **az){
  int b = 0;
  char *zCols = n>0 ? joinNames(n, (char**)az) : xstrdup("");
  switch( cKind ){
    case 'p': b = isChosenName(zName, zTable, 0, "pkey"); break;
    case 'u': b = isChosenName(zName, zTable, zCols, "key"); break;
    case 'f': b = isChosenName(zName, zTable, zCols, "fkey"); break;
    case 'x': b = isChosenName(zName, zTable, zCols, "excl"); break;
    case 'c':
      b = isChosenName(zName, zTable, 0, "check")
       || (n>0 && isChosenName(zName, zTable, az[0], "check"));
      break;
  }
  free(zCols);
  return b;
}

/* ------------------------------------------------------------ relations */

/* Canonical options JSON of a relation, or NULL. OUT: sqlite3_free. */
static char *tableOptions(Mir *m, const char *zPartBy, const char *zParentNsp,
                          const char *zParent, const char *zBound,
                          const char *zInherits, int bUnlogged,
                          const char *zRelOpts){
  sqlite3_str *s = sqlite3_str_new(0);
  int n = 0;
  char *z;
  sqlite3_str_appendchar(s, 1, '{');
  if( zPartBy ){
    sqlite3_str_appendall(s, "\"partition_by\":");
    dfJsonAppendString(s, zPartBy);
    n++;
  }
  if( zParent ){
    char *zRef = refName(m, zParentNsp, zParent);
    sqlite3_str_appendf(s, "%s\"partition_of\":", n++ ? "," : "");
    dfJsonAppendString(s, zRef);
    free(zRef);
    sqlite3_str_appendall(s, ",\"bound\":");
    dfJsonAppendString(s, zBound ? zBound : "DEFAULT");
  }
  if( zInherits ){
    /* [["nsp","name"],...] from the query: refer to each parent. */
    DfJson *pArr = dfJsonParse(zInherits, 0);
    int i;
    sqlite3_str_appendf(s, "%s\"inherits\":[", n++ ? "," : "");
    for(i=0; pArr && pArr->eType==DF_JSON_ARRAY && i<pArr->nChild; i++){
      DfJson *e = &pArr->aChild[i];
      if( e->eType==DF_JSON_ARRAY && e->nChild==2 ){
        char *zRef = refName(m, e->aChild[0].zText, e->aChild[1].zText);
        if( i ) sqlite3_str_appendchar(s, 1, ',');
        dfJsonAppendString(s, zRef);
        free(zRef);
      }
    }
    dfJsonFree(pArr);
    sqlite3_str_appendchar(s, 1, ']');
  }
  if( bUnlogged ){
    sqlite3_str_appendf(s, "%s\"unlogged\":1", n++ ? "," : "");
  }
  if( zRelOpts ){
    char *zCanon = canonStrings(m, zRelOpts);
    sqlite3_str_appendf(s, "%s\"with\":%s", n++ ? "," : "", zCanon ? zCanon : "[]");
    sqlite3_free(zCanon);
  }
  sqlite3_str_appendchar(s, 1, '}');
  z = sqlite3_str_finish(s);
  if( n==0 ){ sqlite3_free(z); return 0; }
  return z;
}

static void mirRelations(Mir *m){
  char *zFilter = schemaFilter(m, "n");
  char *zSql = xasprintf(
    "SELECT n.nspname, c.relname, c.relkind, c.relpersistence,"
    " array_to_json(c.reloptions)::text, d.description,"
    " %s,"                                             /* 6 partition key */
    " %s,"                                             /* 7 is a partition */
    " %s,"                                             /* 8 bound */
    " CASE WHEN c.relkind IN ('v','m') THEN pg_catalog.pg_get_viewdef(c.oid) END,"
    " inh.parents"
    " FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    /* Parents aggregated once (a subquery per relation rescans
    ** pg_inherits for each: quadratic with thousands of partitions). */
    " LEFT JOIN (SELECT i.inhrelid, json_agg(json_build_array(pn.nspname, p.relname)"
    "   ORDER BY i.inhseqno)::text AS parents"
    "   FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent"
    "   JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace"
    "   GROUP BY i.inhrelid) inh ON inh.inhrelid = c.oid"
    " LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid"
    "  AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm') AND %s"
    "  AND c.oid NOT IN (" MIR_EXTENSION_MEMBERS ")",
    m->iVer>=100000 ? "CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END"
                    : "NULL",
    m->iVer>=100000 ? "c.relispartition" : "false",
    m->iVer>=100000 ? "pg_catalog.pg_get_expr(c.relpartbound, c.oid)" : "NULL",
    zFilter);
  PGresult *r = mirQuery(m, zSql);
  sqlite3_stmt *pTab = mirPrepare(m,
    "INSERT INTO main.tables(schema, name, kind, options, comment)"
    " VALUES(?1, ?2, ?3, ?4, ?5)");
  sqlite3_stmt *pView = mirPrepare(m,
    "INSERT INTO main.views(schema, name, kind, definition, definition_native,"
    " options, comment) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  int i;
  free(zSql);
  free(zFilter);
  for(i=0; r && m->rc==0 && i<PQntuples(r); i++){
    const char *zNsp = val(r, i, 0), *zName = val(r, i, 1);
    char cKind = val(r, i, 2)[0];
    const char *zParents = val(r, i, 10);
    if( dfIsOwnObject(zName) ) continue;
    if( cKind=='v' || cKind=='m' ){
      const char *zDef = val(r, i, 9);
      char *zNorm = dfExprNormalise(zDef ? zDef : "");
      char *zOpt = 0;
      if( val(r, i, 4) ){
        char *zCanon = canonStrings(m, val(r, i, 4));
        zOpt = sqlite3_mprintf("{\"with\":%s}", zCanon ? zCanon : "[]");
        sqlite3_free(zCanon);
      }
      bindText(pView, 1, schemaOut(m, zNsp));
      bindText(pView, 2, zName);
      bindText(pView, 3, cKind=='m' ? "materialized" : "view");
      bindText(pView, 4, zNorm ? zNorm : "");
      bindText(pView, 5, zDef);
      bindText(pView, 6, zOpt);
      bindText(pView, 7, val(r, i, 5));
      mirStep(m, pView);
      sqlite3_free(zNorm);
      sqlite3_free(zOpt);
    }else{
      int bPartition = valBool(r, i, 7);
      const char *zParentNsp = 0, *zParent = 0;
      DfJson *pPar = 0;
      char *zOpt;
      if( bPartition && zParents ){
        pPar = dfJsonParse(zParents, 0);
        if( pPar && pPar->eType==DF_JSON_ARRAY && pPar->nChild>0
         && pPar->aChild[0].eType==DF_JSON_ARRAY && pPar->aChild[0].nChild==2 ){
          zParentNsp = pPar->aChild[0].aChild[0].zText;
          zParent = pPar->aChild[0].aChild[1].zText;
        }
      }
      zOpt = tableOptions(m, val(r, i, 6), zParentNsp, zParent, val(r, i, 8),
                          bPartition ? 0 : zParents, val(r, i, 3)[0]=='u',
                          val(r, i, 4));
      bindText(pTab, 1, schemaOut(m, zNsp));
      bindText(pTab, 2, zName);
      bindText(pTab, 3, cKind=='p' ? "partitioned" : "table");
      bindText(pTab, 4, zOpt);
      bindText(pTab, 5, val(r, i, 5));
      mirStep(m, pTab);
      sqlite3_free(zOpt);
      dfJsonFree(pPar);
    }
  }
  sqlite3_finalize(pTab);
  sqlite3_finalize(pView);
  PQclear(r);
}

/* ------------------------------------------------------------ columns */

static void mirColumns(Mir *m){
  char *zFilter = schemaFilter(m, "n");
  char *zSql = xasprintf(
    "SELECT n.nspname, c.relname, a.attname, a.attnum,"
    " CASE WHEN a.attislocal THEN pg_catalog.format_type(a.atttypid, a.atttypmod) END,"
    " a.attnotnull,"
    /* A default cannot refer to a column: deparsed without the table
    ** (relid 0), PostgreSQL need not open and cache every table. */
    " CASE WHEN a.attislocal THEN"
    "  pg_catalog.pg_get_expr(ad.adbin, CASE WHEN %s THEN ad.adrelid ELSE 0 END) END,"
    " %s, %s,"                                         /* 7 identity, 8 generated */
    " CASE WHEN a.attcollation <> 0 AND a.attcollation <> bt.typcollation"
    "  THEN CASE WHEN cn.nspname = 'pg_catalog' THEN co.collname::text"
    "   ELSE cn.nspname::text || '.' || co.collname::text END END," /* 9 collation */
    " d.description,"                                  /* 10 */
    " bt.typtype, t.typcategory, btn.nspname, bt.typname," /* 11-14 */
    " CASE WHEN bt.typtype = 'd'"
    "  THEN pg_catalog.format_type(bt.typbasetype, bt.typtypmod) END," /* 15 */
    " c.oid, a.attcollation, a.attislocal"               /* 16-18 */
    " FROM pg_catalog.pg_attribute a"
    " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
    " JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typcategory = 'A'"
    "  AND t.typelem <> 0 THEN t.typelem ELSE t.oid END"
    " JOIN pg_catalog.pg_namespace btn ON btn.oid = bt.typnamespace"
    " LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
    " LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation"
    " LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace"
    " LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid"
    "  AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum"
    /* Inherited columns too, for the names of key columns (pCols): only
    ** a table's own columns are its snapshot's. */
    " WHERE a.attnum > 0 AND NOT a.attisdropped"
    "  AND c.relkind IN ('r', 'p') AND %s",
    m->iVer>=120000 ? "a.attgenerated <> ''" : "false",
    m->iVer>=100000 ? "a.attidentity" : "''",
    m->iVer>=120000 ? "a.attgenerated" : "''",
    zFilter);
  PGresult *r = mirQuery(m, zSql);
  sqlite3_stmt *p = mirPrepare(m,
    "INSERT INTO main.columns(schema, table_name, name, position,"
    " type_native, type_family, type_length, type_precision, type_scale,"
    " type_tz, type_array, type_unsigned, type_ref, not_null, default_expr,"
    " default_native, generated_expr, generated_kind, identity, collation, comment)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12, ?13, ?14,"
    " ?15, ?16, ?17, ?18, ?19, ?20)");
  int i;
  free(zSql);
  free(zFilter);
  for(i=0; r && m->rc==0 && i<PQntuples(r); i++){
    const char *zNsp = val(r, i, 0), *zTab = val(r, i, 1), *zCol = val(r, i, 2);
    const char *zNative = val(r, i, 4);
    const char *zDefault = val(r, i, 6);
    const char *zIdent = val(r, i, 7), *zGen = val(r, i, 8);
    char cTypType = val(r, i, 11)[0];
    int bArray = val(r, i, 12)[0]=='A';
    DfType ty;
    char *zRef = 0, *zDefNorm = 0, *zGenNorm = 0;
    const char *zFamily;
    oidNamesPut(m->pCols, (unsigned)strtoul(val(r, i, 16), 0, 10), atoi(val(r, i, 3)),
                zCol, (unsigned)strtoul(val(r, i, 17), 0, 10));
    if( !valBool(r, i, 18) ) continue;
    if( dfIsOwnObject(zTab) || dfIsOwnObject(zCol) ) continue;
    memset(&ty, 0, sizeof(ty));
    if( cTypType=='e' ){
      dfTypeNormalise("postgresql", "text", &ty);
      ty.zFamily = "enum";
      ty.nLength = ty.nPrecision = ty.nScale = -1;
      ty.bArray = bArray;
      zRef = refName(m, val(r, i, 13), val(r, i, 14));
    }else if( cTypType=='d' ){
      dfTypeNormalise("postgresql", val(r, i, 15), &ty);
      if( bArray ) ty.bArray = 1;
      zRef = refName(m, val(r, i, 13), val(r, i, 14));
    }else{
      dfTypeNormalise("postgresql", zNative, &ty);
      if( strcmp(ty.zFamily, "other")==0 ) zRef = xstrdup(zNative);
    }
    zFamily = ty.zFamily;
    if( zGen && zGen[0]=='s' ){
      zGenNorm = dfExprNormalise(zDefault ? zDefault : "");
    }else if( zDefault ){
      zDefNorm = dfDefaultNormalise("postgresql", zFamily, zDefault);
    }
    bindText(p, 1, schemaOut(m, zNsp));
    bindText(p, 2, zTab);
    bindText(p, 3, zCol);
    sqlite3_bind_int(p, 4, atoi(val(r, i, 3)));
    bindText(p, 5, zNative);
    bindText(p, 6, zFamily);
    bindIntOrNull(p, 7, ty.nLength);
    bindIntOrNull(p, 8, ty.nPrecision);
    bindIntOrNull(p, 9, ty.nScale);
    sqlite3_bind_int(p, 10, ty.bTz ? 1 : 0);
    sqlite3_bind_int(p, 11, ty.bArray ? 1 : 0);
    bindText(p, 12, zRef);
    sqlite3_bind_int(p, 13, valBool(r, i, 5));
    bindText(p, 14, zDefNorm);
    bindText(p, 15, (zGen && zGen[0]=='s') ? 0 : zDefault);
    bindText(p, 16, zGenNorm);
    bindText(p, 17, zGenNorm ? "stored" : 0);
    bindText(p, 18, (zIdent && zIdent[0]=='a') ? "always"
                  : (zIdent && zIdent[0]=='d') ? "by default" : 0);
    bindText(p, 19, val(r, i, 9));
    bindText(p, 20, val(r, i, 10));
    mirStep(m, p);
    free(zRef);
    sqlite3_free(zDefNorm);
    sqlite3_free(zGenNorm);
  }
  sqlite3_finalize(p);
  PQclear(r);
}

/* ------------------------------------------------------------ constraints */

/* The numbers of a PostgreSQL int2[] ("{1,2}"), int2vector or oidvector
** ("1 2") as text, in an array (OUT: caller frees; NULL when empty) of *pn
** elements. */
static long *intVector(const char *z, int *pn){
  long *a = 0;
  int n = 0;
  while( z && *z ){
    char *zEnd;
    long v;
    if( *z=='{' || *z=='}' || *z==',' || *z==' ' ){ z++; continue; }
    v = strtol(z, &zEnd, 10);
    if( zEnd==z ) break;
    z = zEnd;
    a = xrealloc(a, sizeof(long)*(size_t)(n + 1));
    a[n++] = v;
  }
  *pn = n;
  return a;
}

/* The names of the columns of relation zRel (an oid) numbered in zNums
** (intVector), from pCols, into *paz (OUT: caller frees the array, not the
** names). Returns the count, or -1 when a column is not in pCols. */
static int keyNames(Mir *m, const char *zRel, const char *zNums, const char ***paz){
  unsigned int rel = (unsigned)strtoul(zRel ? zRel : "0", 0, 10);
  int n, i;
  long *aNum = intVector(zNums, &n);
  const char **az = n>0 ? xcalloc((size_t)n, sizeof(char*)) : 0;
  *paz = 0;
  for(i=0; i<n; i++){
    /* 0: an expression (an exclusion constraint's key). Its name is the
    ** text "null", as json_agg's null read by dfJsonStrings() gave in
    ** earlier versions, so that their snapshots still compare equal; the
    ** constraint's definition has the expression. */
    az[i] = aNum[i]==0 ? "null" : oidNamesGet(m->pCols, rel, (int)aNum[i], 0);
    if( az[i]==0 ){
      free(az);
      free(aNum);
      return -1;
    }
  }
  free(aNum);
  *paz = az;
  return n;
}

/* ["a","b"] for n names; NULL for none (as json_agg gives). OUT: caller
** frees with sqlite3_free. */
static char *namesJson(int n, const char **az){
  sqlite3_str *s;
  int i;
  if( n<=0 ) return 0;
  s = sqlite3_str_new(0);
  sqlite3_str_appendchar(s, 1, '[');
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, ',');
    dfJsonAppendString(s, az[i] ? az[i] : "");
  }
  sqlite3_str_appendchar(s, 1, ']');
  return sqlite3_str_finish(s);
}

static const char *fkAction(const char *z){
  switch( z ? z[0] : 'a' ){
    case 'r': return "RESTRICT";
    case 'c': return "CASCADE";
    case 'n': return "SET NULL";
    case 'd': return "SET DEFAULT";
    default:  return 0;        /* 'a': NO ACTION, the default */
  }
}

static void mirConstraints(Mir *m){
  char *zFilter = schemaFilter(m, "n");
  const char *zOutside = m->bAll ? "false" : "NOT (fn.nspname = ANY($1::text[]))";
  char *zSql = xasprintf(
    "SELECT n.nspname, c.relname, k.conname, k.contype,"
    /* Key columns as attnums, named from pCols (a lookup per key column
    ** here costs the server more than the rest of the query). */
    " k.conrelid, k.conkey::text,"
    /* Only checks and exclusions use the definition: deparsing a key or a
    ** foreign key costs catalog lookups per constraint for nothing. */
    " CASE WHEN k.contype IN ('c', 'x') THEN pg_catalog.pg_get_constraintdef(k.oid) END,"
    " fn.nspname, f.relname, k.confrelid, k.confkey::text,"
    /* A referenced table outside the mirrored schemas is not in pCols. */
    " CASE WHEN %s THEN (SELECT json_agg((SELECT a.attname FROM pg_catalog.pg_attribute a"
    "   WHERE a.attrelid = k.confrelid AND a.attnum = x.num) ORDER BY x.i)"
    "   FROM unnest(k.confkey) WITH ORDINALITY AS x(num, i))::text END,"
    " k.confupdtype, k.confdeltype, k.confmatchtype, k.condeferrable,"
    " k.condeferred"
    " FROM pg_catalog.pg_constraint k"
    " JOIN pg_catalog.pg_class c ON c.oid = k.conrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_catalog.pg_class f ON f.oid = k.confrelid"
    " LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace"
    " WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND k.conislocal %s"
    "  AND c.relkind IN ('r', 'p') AND %s",
    zOutside,
    m->iVer>=110000 ? "AND k.conparentid = 0" : "",
    zFilter);
  PGresult *r = mirQuery(m, zSql);
  sqlite3_stmt *p = mirPrepare(m,
    "INSERT INTO main.constraints(schema, table_name, name, kind, columns,"
    " expression, ref_schema, ref_table, ref_columns, on_update, on_delete,"
    " match_type, is_deferrable, initially_deferred, generated_name)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  int i;
  free(zSql);
  free(zFilter);
  for(i=0; r && m->rc==0 && i<PQntuples(r); i++){
    const char *zNsp = val(r, i, 0), *zTab = val(r, i, 1), *zName = val(r, i, 2);
    char cKind = val(r, i, 3)[0];
    const char *zDef = val(r, i, 6);
    char *zCols = 0, *zRefCols = 0, *zExpr = 0;
    const char *zKind = cKind=='p' ? "primary key" : cKind=='u' ? "unique"
                      : cKind=='c' ? "check" : cKind=='f' ? "foreign key" : "exclude";
    const char *zMatch = 0;
    const char **azCol = 0;
    int nCol;
    if( dfIsOwnObject(zTab) ) continue;
    nCol = keyNames(m, val(r, i, 4), val(r, i, 5), &azCol);
    if( nCol<0 ){
      mirFail(m, xasprintf("constraint %s of %s: a key column is not in the catalog"
                           " read (concurrent DDL?); run the mirror again", zName, zTab));
      break;
    }
    if( cKind!='c' ) zCols = namesJson(nCol, azCol);
    if( cKind=='c' ){
      zExpr = dfExprNormalise(zDef ? zDef : "");
    }else if( cKind=='x' ){
      zExpr = sqlite3_mprintf("%s", zDef ? zDef : "");
    }
    if( cKind=='f' ){
      if( val(r, i, 11) ){
        zRefCols = canonStrings(m, val(r, i, 11));
      }else{
        const char **azRef = 0;
        int nRef = keyNames(m, val(r, i, 9), val(r, i, 10), &azRef);
        if( nRef<0 ){
          mirFail(m, xasprintf("constraint %s of %s: a referenced column is not in the"
                               " catalog read (concurrent DDL?); run the mirror again",
                               zName, zTab));
          free(azCol);
          break;
        }
        zRefCols = namesJson(nRef, azRef);
        free(azRef);
      }
      if( val(r, i, 14)[0]=='f' ) zMatch = "FULL";
      else if( val(r, i, 14)[0]=='p' ) zMatch = "PARTIAL";
    }
    bindText(p, 1, schemaOut(m, zNsp));
    bindText(p, 2, zTab);
    bindText(p, 3, zName);
    bindText(p, 4, zKind);
    bindText(p, 5, zCols);
    bindText(p, 6, zExpr);
    bindText(p, 7, cKind=='f' ? schemaOut(m, val(r, i, 7)) : 0);
    bindText(p, 8, cKind=='f' ? val(r, i, 8) : 0);
    bindText(p, 9, zRefCols);
    bindText(p, 10, cKind=='f' ? fkAction(val(r, i, 12)) : 0);
    bindText(p, 11, cKind=='f' ? fkAction(val(r, i, 13)) : 0);
    bindText(p, 12, zMatch);
    sqlite3_bind_int(p, 13, valBool(r, i, 15));
    sqlite3_bind_int(p, 14, valBool(r, i, 16));
    sqlite3_bind_int(p, 15, constraintNameGenerated(zName, zTab, cKind, nCol, azCol));
    mirStep(m, p);
    free(azCol);
    sqlite3_free(zCols);
    sqlite3_free(zRefCols);
    sqlite3_free(zExpr);
  }
  sqlite3_finalize(p);
  PQclear(r);
}

/* ------------------------------------------------------------ indexes */

/* The name PostgreSQL gives an expression key in index names: the
** function name of a call, else "expr" (FigureIndexColname). */
static char *exprKeyName(const char *zExpr){
  int n = 0;
  while( zExpr[n]=='_' || (zExpr[n]>='a' && zExpr[n]<='z')
      || (zExpr[n]>='A' && zExpr[n]<='Z') || (n>0 && zExpr[n]>='0' && zExpr[n]<='9') ) n++;
  if( n>0 && zExpr[n]=='(' ) return xasprintf("%.*s", n, zExpr);
  return xstrdup("expr");
}

static void mirIndexes(Mir *m){
  char *zFilter = schemaFilter(m, "n");
  char *zSql = xasprintf(
    "SELECT n.nspname, c.relname, ic.relname, x.indisunique, am.amname,"
    " %s,"                                             /* 5 key columns */
    /* Keys as numbers, named from pCols and pLookup (lookups per key
    ** here cost the server more than the rest of the query); only the
    ** expressions are deparsed, in key order. */
    " x.indrelid, x.indkey::text, x.indoption::text, x.indcollation::text,"
    " x.indclass::text,"                               /* 6-10 */
    " CASE WHEN x.indexprs IS NOT NULL THEN (SELECT"
    "  json_agg(pg_catalog.pg_get_indexdef(x.indexrelid, k.i, false) ORDER BY k.i)"
    "  FROM generate_series(1, x.indnatts) AS k(i) WHERE x.indkey[k.i - 1] = 0)::text END," /* 11 */
    " pg_catalog.pg_get_expr(x.indpred, x.indrelid),"  /* 12 */
    " array_to_json(ic.reloptions)::text,"             /* 13 */
    " %s,"                                             /* 14 nulls not distinct */
    " d.description"                                   /* 15 */
    " FROM pg_catalog.pg_index x"
    " JOIN pg_catalog.pg_class c ON c.oid = x.indrelid"
    " JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_catalog.pg_am am ON am.oid = ic.relam"
    " LEFT JOIN pg_catalog.pg_description d ON d.objoid = ic.oid"
    "  AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0"
    " WHERE c.relkind IN ('r', 'p') AND %s"
    /* Hashed NOT IN rather than a probe per index. */
    "  AND x.indexrelid NOT IN (SELECT k.conindid FROM pg_catalog.pg_constraint k"
    "   WHERE k.contype IN ('p', 'u', 'x'))"
    "  AND x.indexrelid NOT IN (SELECT i.inhrelid FROM pg_catalog.pg_inherits i)",
    m->iVer>=110000 ? "x.indnkeyatts" : "x.indnatts",
    m->iVer>=150000 ? "x.indnullsnotdistinct" : "false",
    zFilter);
  PGresult *r = mirQuery(m, zSql);
  sqlite3_stmt *p = mirPrepare(m,
    "INSERT INTO main.indexes(schema, table_name, name, is_unique, method,"
    " keys, include, predicate, options, comment, generated_name)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  int i, k;
  free(zSql);
  free(zFilter);
  for(i=0; r && m->rc==0 && i<PQntuples(r); i++){
    const char *zNsp = val(r, i, 0), *zTab = val(r, i, 1), *zName = val(r, i, 2);
    int nKey = atoi(val(r, i, 5));
    int nAtt, nOptV, nCollV, nClsV, nExpr = 0, iExpr = 0;
    long *aAtt = intVector(val(r, i, 7), &nAtt);
    long *aOptV = intVector(val(r, i, 8), &nOptV);
    long *aCollV = intVector(val(r, i, 9), &nCollV);
    long *aClsV = intVector(val(r, i, 10), &nClsV);
    unsigned int rel = (unsigned)strtoul(val(r, i, 6), 0, 10);
    char **azExpr = 0;
    sqlite3_str *sKeys, *sInc, *sOpt;
    char *zKeys, *zInc, *zOpt, *zPred = 0, *zJoined;
    char **azKeyName;
    int nInc = 0, nOpt = 0, nKeyName = 0;
    if( dfIsOwnObject(zTab) ){
      free(aAtt); free(aOptV); free(aCollV); free(aClsV);
      continue;
    }
    if( val(r, i, 11) && (nExpr = dfJsonStrings(val(r, i, 11), &azExpr))<0 ){
      mirFail(m, xasprintf("unexpected catalog value '%s'", val(r, i, 11)));
      free(aAtt); free(aOptV); free(aCollV); free(aClsV);
      break;
    }
    sKeys = sqlite3_str_new(0);
    sInc = sqlite3_str_new(0);
    sOpt = sqlite3_str_new(0);
    azKeyName = xcalloc((size_t)nAtt + 1, sizeof(char*));
    sqlite3_str_appendchar(sKeys, 1, '[');
    sqlite3_str_appendchar(sInc, 1, '[');
    for(k=0; k<nAtt && m->rc==0; k++){
      int bExpr = aAtt[k]==0, iOpt = k<nOptV ? (int)aOptV[k] : 0;
      unsigned int coll = k<nCollV ? (unsigned)aCollV[k] : 0, attColl = 0;
      const char *zText = bExpr ? (iExpr<nExpr ? azExpr[iExpr++] : 0)
                                : oidNamesGet(m->pCols, rel, (int)aAtt[k], &attColl);
      const char *zOpc = k<nClsV ? oidNamesGet(m->pLookup, (unsigned)aClsV[k], 1, 0) : 0;
      if( zText==0 ){
        mirFail(m, xasprintf("index %s of %s: a key is not in the catalog read"
                             " (concurrent DDL?); run the mirror again", zName, zTab));
        break;
      }
      if( k>=nKey ){
        if( nInc++ ) sqlite3_str_appendchar(sInc, 1, ',');
        dfJsonAppendString(sInc, zText);
        continue;
      }
      if( k ) sqlite3_str_appendchar(sKeys, 1, ',');
      if( bExpr ){
        char *zNorm = dfExprNormalise(zText);
        sqlite3_str_appendall(sKeys, "{\"expr\":");
        dfJsonAppendString(sKeys, zNorm ? zNorm : zText);
        sqlite3_free(zNorm);
        azKeyName[nKeyName++] = exprKeyName(zText);
      }else{
        sqlite3_str_appendall(sKeys, "{\"column\":");
        dfJsonAppendString(sKeys, zText);
        azKeyName[nKeyName++] = xstrdup(zText);
      }
      if( iOpt & 1 ) sqlite3_str_appendall(sKeys, ",\"desc\":1");
      /* A collation other than the key's own (the column's; the default,
      ** oid 100, for an expression). */
      if( coll!=0 && coll!=(bExpr ? 100u : attColl) ){
        const char *zColl = oidNamesGet(m->pLookup, coll, 0, 0);
        if( zColl ){
          sqlite3_str_appendall(sKeys, ",\"collate\":");
          dfJsonAppendString(sKeys, zColl);
        }
      }
      /* NULLS FIRST is the default of DESC keys, NULLS LAST of ASC ones. */
      if( ((iOpt & 2)!=0) != ((iOpt & 1)!=0) ){
        sqlite3_str_appendf(sKeys, ",\"nulls\":\"%s\"", (iOpt & 2) ? "first" : "last");
      }
      if( zOpc ){
        sqlite3_str_appendall(sKeys, ",\"opclass\":");
        dfJsonAppendString(sKeys, zOpc);
      }
      sqlite3_str_appendchar(sKeys, 1, '}');
    }
    free(aAtt); free(aOptV); free(aCollV); free(aClsV);
    if( nExpr>0 ) dfJsonFreeStrings(nExpr, azExpr);
    sqlite3_str_appendchar(sKeys, 1, ']');
    sqlite3_str_appendchar(sInc, 1, ']');
    sqlite3_str_appendchar(sOpt, 1, '{');
    if( valBool(r, i, 14) ){
      sqlite3_str_appendall(sOpt, "\"nulls_not_distinct\":1");
      nOpt++;
    }
    if( val(r, i, 13) ){
      char *zCanon = canonStrings(m, val(r, i, 13));
      sqlite3_str_appendf(sOpt, "%s\"with\":%s", nOpt++ ? "," : "", zCanon ? zCanon : "[]");
      sqlite3_free(zCanon);
    }
    sqlite3_str_appendchar(sOpt, 1, '}');
    zKeys = sqlite3_str_finish(sKeys);
    zInc = sqlite3_str_finish(sInc);
    zOpt = sqlite3_str_finish(sOpt);
    if( val(r, i, 12) ) zPred = dfExprNormalise(val(r, i, 12));
    zJoined = joinNames(nKeyName, azKeyName);
    bindText(p, 1, schemaOut(m, zNsp));
    bindText(p, 2, zTab);
    bindText(p, 3, zName);
    sqlite3_bind_int(p, 4, valBool(r, i, 3));
    bindText(p, 5, val(r, i, 4));
    bindText(p, 6, zKeys);
    bindText(p, 7, nInc ? zInc : 0);
    bindText(p, 8, zPred);
    bindText(p, 9, nOpt ? zOpt : 0);
    bindText(p, 10, val(r, i, 15));
    sqlite3_bind_int(p, 11, (hasLabelSuffix(zName, "idx") && hasTablePrefix(zName, zTab))
                            || isChosenName(zName, zTab, zJoined, "idx"));
    mirStep(m, p);
    for(k=0; k<nKeyName; k++) free(azKeyName[k]);
    free(azKeyName);
    free(zJoined);
    sqlite3_free(zKeys);
    sqlite3_free(zInc);
    sqlite3_free(zOpt);
    sqlite3_free(zPred);
  }
  sqlite3_finalize(p);
  PQclear(r);
}

/* ------------------------------------------------------------ lookups */

/* Collation names, and the operator classes that are not their type's
** default, by oid into pLookup: what index keys name (mirIndexes). */
static void mirLookups(Mir *m){
  PGresult *r = mirQuery(m,
    "SELECT 0, c.oid, c.collname FROM pg_catalog.pg_collation c"
    " UNION ALL SELECT 1, o.oid, o.opcname FROM pg_catalog.pg_opclass o"
    " WHERE NOT o.opcdefault");
  int i;
  for(i=0; r && m->rc==0 && i<PQntuples(r); i++){
    oidNamesPut(m->pLookup, (unsigned)strtoul(val(r, i, 1), 0, 10),
                atoi(val(r, i, 0)), val(r, i, 2), 0);
  }
  PQclear(r);
}

/* ------------------------------------------------------------ enums, sequences */

static void mirEnums(Mir *m){
  char *zFilter = schemaFilter(m, "n");
  char *zSql = xasprintf(
    "SELECT n.nspname, t.typname,"
    " (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)"
    "   FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)::text,"
    " d.description"
    " FROM pg_catalog.pg_type t"
    " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
    " LEFT JOIN pg_catalog.pg_description d ON d.objoid = t.oid"
    "  AND d.classoid = 'pg_catalog.pg_type'::regclass AND d.objsubid = 0"
    " WHERE t.typtype = 'e' AND %s"
    "  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e"
    "   WHERE e.classid = 'pg_catalog.pg_type'::regclass AND e.objid = t.oid"
    "   AND e.deptype = 'e'"
    "   AND e.refclassid = 'pg_catalog.pg_extension'::regclass)", zFilter);
  PGresult *r = mirQuery(m, zSql);
  sqlite3_stmt *p = mirPrepare(m,
    "INSERT INTO main.enums(schema, name, labels, comment) VALUES(?1, ?2, ?3, ?4)");
  int i;
  free(zSql);
  free(zFilter);
  for(i=0; r && m->rc==0 && i<PQntuples(r); i++){
    char *zLabels;
    if( dfIsOwnObject(val(r, i, 1)) ) continue;
    zLabels = canonStrings(m, val(r, i, 2) ? val(r, i, 2) : "[]");
    bindText(p, 1, schemaOut(m, val(r, i, 0)));
    bindText(p, 2, val(r, i, 1));
    bindText(p, 3, zLabels ? zLabels : "[]");
    bindText(p, 4, val(r, i, 3));
    mirStep(m, p);
    sqlite3_free(zLabels);
  }
  sqlite3_finalize(p);
  PQclear(r);
}

static void mirSequences(Mir *m){
  char *zFilter = schemaFilter(m, "n");
  char *zSql;
  PGresult *r;
  sqlite3_stmt *p;
  int i;
  if( m->iVer<100000 ){
    /* No pg_sequence before 10: sequences are not recorded. */
    free(zFilter);
    return;
  }
  zSql = xasprintf(
    "SELECT n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL),"
    " s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle,"
    " oc.relname, oa.attname"
    " FROM pg_catalog.pg_sequence s"
    " JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_catalog.pg_depend dep ON dep.classid = 'pg_catalog.pg_class'::regclass"
    "  AND dep.objid = c.oid AND dep.refclassid = 'pg_catalog.pg_class'::regclass"
    "  AND dep.refobjsubid > 0 AND dep.deptype IN ('a', 'i')"
    " LEFT JOIN pg_catalog.pg_class oc ON oc.oid = dep.refobjid"
    " LEFT JOIN pg_catalog.pg_attribute oa ON oa.attrelid = dep.refobjid"
    "  AND oa.attnum = dep.refobjsubid"
    " WHERE %s AND coalesce(dep.deptype, 'a') <> 'i'"
    "  AND c.oid NOT IN (" MIR_EXTENSION_MEMBERS ")", zFilter);
  free(zFilter);
  r = mirQuery(m, zSql);
  free(zSql);
  p = mirPrepare(m,
    "INSERT INTO main.sequences(schema, name, data_type, start_value, increment,"
    " min_value, max_value, cycle, owned_by)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  for(i=0; r && m->rc==0 && i<PQntuples(r); i++){
    const char *zOwner = val(r, i, 8), *zCol = val(r, i, 9);
    char *zOwned = 0;
    if( dfIsOwnObject(val(r, i, 1)) ) continue;
    if( zOwner && (dfIsOwnObject(zOwner) || (zCol && dfIsOwnObject(zCol))) ) continue;
    if( zOwner && zCol ) zOwned = xasprintf("%s.%s", zOwner, zCol);
    bindText(p, 1, schemaOut(m, val(r, i, 0)));
    bindText(p, 2, val(r, i, 1));
    bindText(p, 3, val(r, i, 2));
    sqlite3_bind_int64(p, 4, strtoll(val(r, i, 3), 0, 10));
    sqlite3_bind_int64(p, 5, strtoll(val(r, i, 4), 0, 10));
    sqlite3_bind_int64(p, 6, strtoll(val(r, i, 5), 0, 10));
    sqlite3_bind_int64(p, 7, strtoll(val(r, i, 6), 0, 10));
    sqlite3_bind_int(p, 8, valBool(r, i, 7));
    bindText(p, 9, zOwned);
    mirStep(m, p);
    free(zOwned);
  }
  sqlite3_finalize(p);
  PQclear(r);
}

/* ------------------------------------------------------------ views, triggers */

static void mirViewDeps(Mir *m){
  char *zFilter = schemaFilter(m, "vn");
  char *zSql = xasprintf(
    "SELECT DISTINCT vn.nspname, v.relname, rn.nspname, r.relname,"
    " (CASE WHEN rn.nspname = $D THEN r.relname::text"
    "  ELSE rn.nspname::text || '.' || r.relname::text END) COLLATE \"C\" AS k"
    " FROM pg_catalog.pg_class v"
    " JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace"
    " JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = v.oid"
    " JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass"
    "  AND d.objid = rw.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass"
    " JOIN pg_catalog.pg_class r ON r.oid = d.refobjid AND r.oid <> v.oid"
    " JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace"
    " WHERE v.relkind IN ('v', 'm') AND r.relkind IN ('r', 'p', 'v', 'm', 'f') AND %s"
    " ORDER BY 1, 2, k", zFilter);
  PGresult *r;
  /* Names relative to the snapshot: bare in the default schema. */
  {
    char *zNew = xstrdup(zSql), *zHit = strstr(zNew, "$D");
    if( zHit && m->zDefaultLit ){
      char *z2 = xasprintf("%.*s%s%s", (int)(zHit - zNew), zNew, m->zDefaultLit, zHit + 2);
      free(zNew);
      zNew = z2;
    }
    free(zSql);
    zSql = zNew;
  }
  r = mirQuery(m, zSql);
  sqlite3_stmt *p = mirPrepare(m,
    "UPDATE main.views SET depends_on = ?3 WHERE schema = ?1 AND name = ?2");
  int i = 0;
  free(zSql);
  free(zFilter);
  while( r && m->rc==0 && i<PQntuples(r) ){
    int j = i;
    sqlite3_str *s = sqlite3_str_new(0);
    char *zDeps;
    int n = 0;
    sqlite3_str_appendchar(s, 1, '[');
    while( j<PQntuples(r) && strcmp(val(r, j, 0), val(r, i, 0))==0
        && strcmp(val(r, j, 1), val(r, i, 1))==0 ){
      if( !dfIsOwnObject(val(r, j, 3)) ){
        char *zRef = refName(m, val(r, j, 2), val(r, j, 3));
        if( n++ ) sqlite3_str_appendchar(s, 1, ',');
        dfJsonAppendString(s, zRef);
        free(zRef);
      }
      j++;
    }
    sqlite3_str_appendchar(s, 1, ']');
    zDeps = sqlite3_str_finish(s);
    bindText(p, 1, schemaOut(m, val(r, i, 0)));
    bindText(p, 2, val(r, i, 1));
    bindText(p, 3, zDeps);
    mirStep(m, p);
    sqlite3_free(zDeps);
    i = j;
  }
  sqlite3_finalize(p);
  PQclear(r);
}

static void mirTriggers(Mir *m){
  char *zFilter = schemaFilter(m, "n");
  char *zSql = xasprintf(
    "SELECT n.nspname, c.relname, g.tgname, pg_catalog.pg_get_triggerdef(g.oid, true)"
    " FROM pg_catalog.pg_trigger g"
    " JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE NOT g.tgisinternal %s AND c.relkind IN ('r', 'p') AND %s",
    m->iVer>=130000 ? "AND g.tgparentid = 0" : "", zFilter);
  PGresult *r = mirQuery(m, zSql);
  sqlite3_stmt *p = mirPrepare(m,
    "INSERT INTO main.triggers(schema, table_name, name, definition)"
    " VALUES(?1, ?2, ?3, ?4)");
  int i;
  free(zSql);
  free(zFilter);
  for(i=0; r && m->rc==0 && i<PQntuples(r); i++){
    if( dfIsOwnObject(val(r, i, 1)) ) continue;
    bindText(p, 1, schemaOut(m, val(r, i, 0)));
    bindText(p, 2, val(r, i, 1));
    bindText(p, 3, val(r, i, 2));
    bindText(p, 4, val(r, i, 3));
    mirStep(m, p);
  }
  sqlite3_finalize(p);
  PQclear(r);
}

/* ------------------------------------------------------------ statistics */

/*
** --stats: one aggregate query per table (this is data, not schema, and
** is only read on request): row count, and per column the NULLs, the
** longest value as text, and the values that repeat an earlier one.
*/
static void mirStats(Mir *m){
  sqlite3_stmt *pTabs = mirPrepare(m,
    "SELECT schema, name FROM main.tables ORDER BY schema, name");
  sqlite3_stmt *pCols = mirPrepare(m,
    "SELECT name FROM main.columns WHERE schema = ?1 AND table_name = ?2"
    " ORDER BY position");
  sqlite3_stmt *pT = mirPrepare(m,
    "INSERT INTO main.table_stats(schema, table_name, row_count) VALUES(?1, ?2, ?3)");
  sqlite3_stmt *pC = mirPrepare(m,
    "INSERT INTO main.column_stats(schema, table_name, column_name, null_count,"
    " max_length, duplicate_count) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  while( m->rc==0 && pTabs && sqlite3_step(pTabs)==SQLITE_ROW ){
    const char *zSchema = (const char*)sqlite3_column_text(pTabs, 0);
    const char *zTab = (const char*)sqlite3_column_text(pTabs, 1);
    const char *zNsp = zSchema[0] ? zSchema : m->zDefault;
    char *qN = PQescapeIdentifier(m->pg, zNsp, strlen(zNsp));
    char *qT = PQescapeIdentifier(m->pg, zTab, strlen(zTab));
    char *zSql = xasprintf("SELECT count(*)");
    int nCol = 0, j;
    char **azCol = 0;
    char *zErr = 0;
    PGresult *r;
    sqlite3_bind_text(pCols, 1, zSchema, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(pCols, 2, zTab, -1, SQLITE_TRANSIENT);
    while( sqlite3_step(pCols)==SQLITE_ROW ){
      const char *zCol = (const char*)sqlite3_column_text(pCols, 0);
      char *qC = PQescapeIdentifier(m->pg, zCol, strlen(zCol));
      char *zNew = xasprintf("%s, count(*) - count(%s), max(length(%s::text)),"
                             " count(%s) - count(DISTINCT %s)", zSql,
                             qC, qC, qC, qC);
      free(zSql);
      zSql = zNew;
      azCol = xrealloc(azCol, sizeof(char*)*(size_t)(nCol+1));
      azCol[nCol++] = xstrdup(zCol);
      PQfreemem(qC);
    }
    sqlite3_reset(pCols);
    {
      char *zNew = xasprintf("%s FROM %s.%s", zSql, qN, qT);
      free(zSql);
      zSql = zNew;
    }
    r = pgRun(m->pg, zSql, 0, 0, &zErr);
    if( r==0 ){
      mirFail(m, xasprintf("cannot read statistics of %s: %s", zTab, zErr));
      free(zErr);
    }else if( PQntuples(r)==1 ){
      sqlite3_bind_text(pT, 1, zSchema, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(pT, 2, zTab, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(pT, 3, strtoll(val(r, 0, 0), 0, 10));
      mirStep(m, pT);
      for(j=0; j<nCol; j++){
        const char *zMax = val(r, 0, 2 + j*3);
        sqlite3_bind_text(pC, 1, zSchema, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(pC, 2, zTab, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(pC, 3, azCol[j], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(pC, 4, strtoll(val(r, 0, 1 + j*3), 0, 10));
        if( zMax ) sqlite3_bind_int64(pC, 5, strtoll(zMax, 0, 10));
        sqlite3_bind_int64(pC, 6, strtoll(val(r, 0, 3 + j*3), 0, 10));
        mirStep(m, pC);
      }
    }
    PQclear(r);
    for(j=0; j<nCol; j++) free(azCol[j]);
    free(azCol);
    free(zSql);
    PQfreemem(qN);
    PQfreemem(qT);
  }
  sqlite3_finalize(pTabs);
  sqlite3_finalize(pCols);
  sqlite3_finalize(pT);
  sqlite3_finalize(pC);
}

/* ------------------------------------------------------------ passes */

/* The catalog readers, in the order their results are needed (names
** before the keys that use them: mirLookups, mirColumns). */
static void (*const aMirStep[])(Mir*) = {
  mirLookups, mirRelations, mirColumns, mirConstraints, mirIndexes,
  mirEnums, mirSequences, mirViewDeps, mirTriggers,
};

/* One pass over the readers: collecting their queries (bCollect), or
** turning their results into snapshot rows. */
static void mirPass(Mir *m, int bCollect){
  size_t i;
  m->bCollect = bCollect;
  for(i=0; i<sizeof(aMirStep)/sizeof(aMirStep[0]) && m->rc==0; i++){
    aMirStep[i](m);
  }
  m->bCollect = 0;
}

/* ------------------------------------------------------------ entry */

int pgMirror(PGconn *pConn, const char *zSafeUrl, const DfMirrorRequest *pReq,
             sqlite3 *pOut, char **pzErr){
  Mir m;
  const char *azDefault[1] = { "public" };
  const char **azSchema = azDefault;
  char **azPath = 0;          /* the search_path's schemas, when used */
  int nSchema = 1, i;
  char zTakenAt[32];
  time_t t = time(0);
  struct tm tm;
  char *zErr = 0;
  PGresult *res = 0;

  memset(&m, 0, sizeof(m));
  m.pg = pConn;
  m.db = pOut;
  m.iVer = PQserverVersion(pConn);
  m.zSafeUrl = zSafeUrl ? zSafeUrl : "the database";
  m.pCols = oidNamesNew();
  m.pLookup = oidNamesNew();
  if( pReq && pReq->nSchema>0 ){
    azSchema = pReq->azSchema;
    nSchema = pReq->nSchema;
  }else{
    /* No --schema: the schemas of the connection's search_path (normally
    ** just public), so that a URL with options=-csearch_path=... gives the
    ** same scope to mirror, plan, apply, rollback and status. */
    res = pgRun(pConn, "SELECT s FROM unnest(pg_catalog.current_schemas(false)) AS s",
                0, 0, &zErr);
    if( res==0 ){
      mirFail(&m, xasprintf("cannot read the search_path of %s: %s", m.zSafeUrl, zErr));
      free(zErr);
      zErr = 0;
    }else if( PQntuples(res)>0 ){
      nSchema = PQntuples(res);
      azPath = xcalloc((size_t)nSchema, sizeof(char*));
      for(i=0; i<nSchema; i++) azPath[i] = xstrdup(PQgetvalue(res, i, 0));
      azSchema = (const char**)azPath;
    }
    PQclear(res);
    res = 0;
  }
  for(i=0; i<nSchema; i++){
    if( strcmp(azSchema[i], "*")==0 ) m.bAll = 1;
  }
  m.zDefault = strcmp(azSchema[0], "*")==0 ? "public" : azSchema[0];
  m.zSchemaArray = arrayLiteral(nSchema, azSchema);
  m.zDefaultLit = PQescapeLiteral(pConn, m.zDefault, strlen(m.zDefault));
  if( m.zDefaultLit==0 ){
    mirFail(&m, xasprintf("cannot read the catalog of %s: %s", m.zSafeUrl,
                          PQerrorMessage(pConn)));
  }

  /* Every requested schema must exist: a typo is an error, not an empty
  ** snapshot. */
  if( !m.bAll ){
    const char *azParam[1];
    azParam[0] = m.zSchemaArray;
    res = pgRun(pConn,
        "SELECT s FROM unnest($1::text[]) AS s WHERE NOT EXISTS"
        " (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = s) LIMIT 1",
        1, azParam, &zErr);
    if( res==0 ){
      mirFail(&m, xasprintf("cannot read the catalog of %s: %s", m.zSafeUrl, zErr));
      free(zErr);
    }else if( PQntuples(res)>0 ){
      mirFail(&m, xasprintf("no schema '%s' in %s", PQgetvalue(res, 0, 0), m.zSafeUrl));
    }
    PQclear(res);
  }

  /* One snapshot of the catalogs: a REPEATABLE READ transaction when we
  ** are not inside the caller's (the executor mirrors inside its own). */
  {
    int bOwnTxn = 0;
    if( m.rc==0 && PQtransactionStatus(pConn)==PQTRANS_IDLE ){
      res = pgRun(pConn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, 0, &zErr);
      if( res==0 ){ mirFail(&m, zErr); zErr = 0; }else{ bOwnTxn = 1; }
      PQclear(res);
    }
    if( sqlite3_exec(pOut, "SAVEPOINT pg_mirror", 0, 0, 0)!=SQLITE_OK ){
      mirFail(&m, xasprintf("cannot write the snapshot: %s", sqlite3_errmsg(pOut)));
    }
    /* Two passes over the same readers: the first only collects their
    ** queries, which the reader thread sends at once and reads; the
    ** second turns the results into snapshot rows as they arrive. */
    if( m.rc==0 ){
      m.pRead = pgReaderNew(pConn);
      mirPass(&m, 1);
      if( m.rc==0 && pgReaderStart(m.pRead, &zErr) ){
        mirFail(&m, xasprintf("cannot read the catalog of %s: %s", m.zSafeUrl, zErr));
        free(zErr);
        zErr = 0;
      }
      mirPass(&m, 0);
      pgReaderClose(m.pRead);
      m.pRead = 0;
    }
    if( pReq && pReq->bStats ) mirStats(&m);
    if( bOwnTxn ){
      res = PQexec(pConn, "COMMIT");
      PQclear(res);
    }
  }

  gmtime_r(&t, &tm);
  strftime(zTakenAt, sizeof(zTakenAt), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if( m.rc==0 ){
    const char *zVer = PQparameterStatus(pConn, "server_version");
    if( dfMetaSet(pOut, "main", "engine", "postgresql")
     || dfMetaSet(pOut, "main", "server_version", zVer ? zVer : "")
     || dfMetaSet(pOut, "main", "source", m.zSafeUrl)
     || dfMetaSet(pOut, "main", "taken_at", zTakenAt)
     || dfMetaSet(pOut, "main", "default_schema", m.zDefault) ){
      mirFail(&m, xasprintf("cannot write the snapshot: %s", sqlite3_errmsg(pOut)));
    }
  }
  if( m.rc==0 ){
    char *zE = 0;
    if( dfCatalogFinish(pOut, "main", &zE)!=SQLITE_OK ){
      mirFail(&m, xasprintf("cannot finish the snapshot: %s", zE ? zE : sqlite3_errmsg(pOut)));
    }
    sqlite3_free(zE);
  }
  sqlite3_exec(pOut, m.rc ? "ROLLBACK TO pg_mirror; RELEASE pg_mirror"
                          : "RELEASE pg_mirror", 0, 0, 0);
  free(m.zSchemaArray);
  if( m.zDefaultLit ) PQfreemem(m.zDefaultLit);
  oidNamesFree(m.pCols);
  oidNamesFree(m.pLookup);
  if( azPath ){
    for(i=0; i<nSchema; i++) free(azPath[i]);
    free(azPath);
  }
  if( m.rc ){
    *pzErr = m.zErr;
    return 1;
  }
  return 0;
}
