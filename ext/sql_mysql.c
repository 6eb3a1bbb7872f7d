/*
** sql_mysql.c — the MySQL/MariaDB DDL writer (a DfDialect, see dialect.h).
**
** Usage (SQL):
**
**   .load ./ext/dataflow
**   SELECT step, operation, sql, rollback_sql, lock_impact
**     FROM migration_plan('base.snapshot', 'model.snapshot', 'mysql',
**                         'online=1, allow_destructive=1');
**
** Usage (C): dfDialectFind("mysql")->xAddColumn(&ctx, &delta, pCol, &ddl, &zErr);
**
** HOW IT WORKS
**
** MySQL alters everything in place, so there is no xRebuildTable: every
** change is one ALTER TABLE (or CREATE/DROP/RENAME) statement, and almost
** every step is exactly one statement, because MySQL commits each DDL
** statement on its own: the executor journals step by step (journal.c),
** and a step of one statement is either done or not. Every step is
** transactional=0. Identifiers are always `backquoted` with backquotes
** doubled (myQuote), values 'quoted' with quotes and backslashes doubled.
**
** Columns are written whole: a column definition carries the type (the
** native COLUMN_TYPE when the snapshot came from MySQL, else
** dfTypeRender()), COLLATE, GENERATED ALWAYS AS, NULL/NOT NULL, DEFAULT,
** ON UPDATE, AUTO_INCREMENT, INVISIBLE, COMMENT and the column's own CHECK
** constraints (MariaDB keeps column-level checks inside the column: a
** MODIFY without them would drop them). So MODIFY COLUMN, used for every
** column change, never loses an attribute that did not change, and its
** rollback is the MODIFY back to the old definition. A pure default change
** is ALTER COLUMN ... SET/DROP DEFAULT (no table rebuild).
**
** MySQL-specific orderings that the planner's phases cannot know are kept
** inside the dialect, decided from the two catalogs alone:
**   - a primary key that changes is one step "DROP PRIMARY KEY, ADD
**     PRIMARY KEY (...)" (the drop step is then empty): a table with an
**     AUTO_INCREMENT column may never be without a key;
**   - an index that only backs a foreign key which goes too is dropped by
**     that foreign key's step (MySQL refuses to drop it first);
**   - constraints whose name the engine generated are added under a free
**     name of the engine's own pattern (CONSTRAINT_n, t_ibfk_n), so that
**     their rollback can name them.
**
** Online mode (online=1) adds ALGORITHM=INSTANT where MariaDB documents it
** (ADD/DROP/RENAME COLUMN, defaults, comments) and ALGORITHM=INPLACE,
** LOCK=NONE for index builds (LOCK=SHARED for FULLTEXT/SPATIAL); the lock
** impact of each step says what it does. Without online mode the server
** picks the algorithm and the lock impact says what to expect.
**
** Soft drop: a dropped table is renamed to its quarantine name (its
** triggers and foreign keys are dropped first: their names are global to
** the database), a dropped column is renamed to its quarantine column name
** and made nullable (and loses AUTO_INCREMENT). Quarantine names longer
** than MySQL's 64 characters, or with characters outside [A-Za-z0-9_],
** become dataflow_quarantine_<tag>_<16 hex digits of a hash of the name>.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "dialect.h"
#include "types.h"
#include "dfjson.h"

#define MY_MAX_IDENT 64     /* longest MySQL identifier */

/* Lock impact texts. */
#define LOCK_META     "metadata lock on %s; no table copy"
#define LOCK_INSTANT  "ALGORITHM=INSTANT: metadata change only, no table copy, no lock on rows"
#define LOCK_INPLACE  "ALGORITHM=INPLACE, LOCK=NONE: builds in place; reads and writes continue"
#define LOCK_INPLACE_SHARED "ALGORITHM=INPLACE, LOCK=SHARED: builds in place; writes wait"
#define LOCK_COPY     "may copy %s (%s rows); writes to %s wait until it finishes"

/* ---------------------------------------------------------------------------
** Quoting and small helpers
*/

/* `id` with backquotes doubled. OUT: caller frees. */
static char *myQuote(const char *zId){
  sqlite3_str *s = sqlite3_str_new(0);
  const char *z;
  sqlite3_str_appendchar(s, 1, '`');
  for(z=zId ? zId : ""; *z; z++){
    if( *z=='`' ) sqlite3_str_appendchar(s, 1, '`');
    sqlite3_str_appendchar(s, 1, *z);
  }
  sqlite3_str_appendchar(s, 1, '`');
  return sqlite3_str_finish(s);
}

static void appendId(sqlite3_str *s, const char *zId){
  const char *z;
  sqlite3_str_appendchar(s, 1, '`');
  for(z=zId ? zId : ""; *z; z++){
    if( *z=='`' ) sqlite3_str_appendchar(s, 1, '`');
    sqlite3_str_appendchar(s, 1, *z);
  }
  sqlite3_str_appendchar(s, 1, '`');
}

/* A possibly schema-qualified name. */
static void appendName(sqlite3_str *s, const char *zSchema, const char *zName){
  if( zSchema && zSchema[0] ){ appendId(s, zSchema); sqlite3_str_appendchar(s, 1, '.'); }
  appendId(s, zName);
}

/* 'text' with quotes and backslashes doubled (MySQL reads \ as an escape). */
static void appendLiteral(sqlite3_str *s, const char *z){
  sqlite3_str_appendchar(s, 1, '\'');
  for(; z && *z; z++){
    if( *z=='\'' || *z=='\\' ) sqlite3_str_appendchar(s, 1, *z);
    sqlite3_str_appendchar(s, 1, *z);
  }
  sqlite3_str_appendchar(s, 1, '\'');
}

/* Does the JSON array of names hold zName (case-insensitive)? */
static int jsonHasName(const char *zJson, const char *zName){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az), i, b = 0;
  for(i=0; i<n; i++) if( sqlite3_stricmp(az[i], zName)==0 ) b = 1;
  if( n>0 ) dfJsonFreeStrings(n, az);
  return b;
}

/* Comma-separated quoted names of a JSON array. */
static void appendIdList(sqlite3_str *s, const char *zJson){
  char **az = 0;
  int n = dfJsonStrings(zJson, &az), i;
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendall(s, ", ");
    appendId(s, az[i]);
  }
  if( n>0 ) dfJsonFreeStrings(n, az);
}

static const char *engineOf(const DfCatalog *p){
  return (p && p->zEngine) ? p->zEngine : "model";
}
static int isMysqlEngine(const char *z){
  return sqlite3_stricmp(z, "mysql")==0 || sqlite3_stricmp(z, "mariadb")==0;
}

/* Is the server MariaDB? (IGNORED vs INVISIBLE indexes.) When neither
** catalog came from MySQL, MariaDB is assumed (the tested server). */
static int isMariadb(const DfDialectCtx *pCtx){
  const DfCatalog *a[2];
  int i;
  if( pCtx==0 ) return 1;
  a[0] = pCtx->pFrom; a[1] = pCtx->pTo;
  for(i=0; i<2; i++){
    if( a[i] && isMysqlEngine(engineOf(a[i])) && a[i]->zServerVersion ){
      return strstr(a[i]->zServerVersion, "MariaDB")!=0;
    }
  }
  return 1;
}

static int isOnline(const DfDialectCtx *pCtx){
  return pCtx->pOpt && pCtx->pOpt->bOnline;
}
static int isSoft(const DfDialectCtx *pCtx){
  return pCtx->pOpt ? pCtx->pOpt->bSoftDrop : 1;
}

/* Finish the two builders into *pOut (rollback NULL when pBack is NULL). */
static int finishDdl(sqlite3_str *pFwd, sqlite3_str *pBack, DfDdl *pOut){
  pOut->zSql = sqlite3_str_finish(pFwd);
  pOut->zRollback = pBack ? sqlite3_str_finish(pBack) : 0;
  pOut->bTransactional = 0;         /* MySQL commits every DDL statement */
  if( pOut->zSql==0 || (pBack && pOut->zRollback==0) ) return SQLITE_NOMEM;
  return SQLITE_OK;
}

/* Lock text for a statement that may copy table t. */
static char *copyLock(const DfTable *t){
  char zRows[32];
  if( t->nRows>=0 ) sqlite3_snprintf(sizeof(zRows), zRows, "%lld", t->nRows);
  else sqlite3_snprintf(sizeof(zRows), zRows, "unknown number of");
  return sqlite3_mprintf(LOCK_COPY, t->zName, zRows, t->zName);
}

/* The table's column named z (case-insensitive, as MySQL compares them). */
static const DfColumn *findColumn(const DfTable *t, const char *z){
  int i;
  for(i=0; t && z && i<t->nCol; i++){
    if( sqlite3_stricmp(t->aCol[i].zName, z)==0 ) return &t->aCol[i];
  }
  return 0;
}

static int isKindOf(const DfConstraint *k, const char *zKind){
  return k->zKind && sqlite3_stricmp(k->zKind, zKind)==0;
}

/* A check of t that lives inside a column (MariaDB column-level check: the
** engine named it after its column). */
static int isColumnCheck(const DfTable *t, const DfConstraint *k){
  return k->bGenName && k->zKind && sqlite3_stricmp(k->zKind, "check")==0
      && findColumn(t, k->zName)!=0;
}

/* Is column c AUTO_INCREMENT (identity autoincrement, or an identity of
** another engine, which MySQL can only say that way)? */
static int identWord(const char *zIdent, const char *zWord);
static int isAutoinc(const DfColumn *c){
  return c && c->zIdentity && (identWord(c->zIdentity, "autoincrement")
      || sqlite3_stricmp(c->zIdentity, "always")==0
      || sqlite3_stricmp(c->zIdentity, "by default")==0);
}

/* The FROM column that TO column pToCol of the delta comes from, or NULL. */
static const DfColumn *srcColumn(const DfTableDelta *pD, const DfColumn *pToCol){
  int j;
  if( pD==0 || pD->pFrom==0 || pD->pTo==0 || pD->aiSrc==0 ) return 0;
  j = (int)(pToCol - pD->pTo->aCol);
  if( j<0 || j>=pD->pTo->nCol || pD->aiSrc[j]<0 ) return 0;
  return &pD->pFrom->aCol[pD->aiSrc[j]];
}

/* The TO column that FROM column pFromCol becomes, or NULL. */
static const DfColumn *dstColumn(const DfTableDelta *pD, const DfColumn *pFromCol){
  int i, j;
  if( pD==0 || pD->pFrom==0 || pD->pTo==0 || pD->aiSrc==0 ) return 0;
  i = (int)(pFromCol - pD->pFrom->aCol);
  for(j=0; j<pD->pTo->nCol; j++) if( pD->aiSrc[j]==i ) return &pD->pTo->aCol[j];
  return 0;
}

/* Does TO column c become AUTO_INCREMENT in this migration? */
static int becomesAutoinc(const DfTableDelta *pD, const DfColumn *c){
  return isAutoinc(c) && !isAutoinc(srcColumn(pD, c));
}

/* ---------------------------------------------------------------------------
** Expressions from other engines
*/

/*
** Expression text of a snapshot from engine zEngine, for MySQL: MySQL's own
** text is kept; from others, "ident" and [ident] become `ident`, 'a\b'
** gets its backslash doubled, E'..' (already backslash-escaped) loses the E.
*/
static void appendExpr(sqlite3_str *s, const char *zEngine, const char *z){
  if( z==0 ) return;
  if( isMysqlEngine(zEngine) ){ sqlite3_str_appendall(s, z); return; }
  while( *z ){
    char c = *z;
    if( (c=='E' || c=='e') && z[1]=='\'' ){
      z++;
      sqlite3_str_appendchar(s, 1, *z++);
      while( *z ){
        if( *z=='\\' && z[1] ){ sqlite3_str_appendchar(s, 2, *z); z++; continue; }
        sqlite3_str_appendchar(s, 1, *z);
        if( *z=='\'' ){
          if( z[1]=='\'' ){ sqlite3_str_appendchar(s, 1, '\''); z += 2; continue; }
          z++;
          break;
        }
        z++;
      }
      continue;
    }
    if( c=='\'' ){
      sqlite3_str_appendchar(s, 1, *z++);
      while( *z ){
        if( *z=='\\' ){ sqlite3_str_appendall(s, "\\\\"); z++; continue; }
        sqlite3_str_appendchar(s, 1, *z);
        if( *z=='\'' ){
          if( z[1]=='\'' ){ sqlite3_str_appendchar(s, 1, '\''); z += 2; continue; }
          z++;
          break;
        }
        z++;
      }
      continue;
    }
    if( c=='"' || c=='[' ){
      char cEnd = c=='"' ? '"' : ']';
      z++;
      sqlite3_str_appendchar(s, 1, '`');
      while( *z ){
        if( *z==cEnd ){
          if( cEnd=='"' && z[1]=='"' ){ sqlite3_str_appendchar(s, 1, '"'); z += 2; continue; }
          z++;
          break;
        }
        if( *z=='`' ) sqlite3_str_appendchar(s, 1, '`');
        sqlite3_str_appendchar(s, 1, *z++);
      }
      sqlite3_str_appendchar(s, 1, '`');
      continue;
    }
    sqlite3_str_appendchar(s, 1, *z++);
  }
}

/* Is z a literal or a time function MySQL takes after DEFAULT unparenthesised? */
static int isBareDefault(const char *z){
  int i = 0;
  if( z==0 || z[0]==0 ) return 0;
  if( z[0]=='\'' ){
    /* one complete string literal and nothing after it */
    i = 1;
    while( z[i] ){
      if( z[i]=='\\' && z[i+1] ){ i += 2; continue; }
      if( z[i]=='\'' ){
        if( z[i+1]=='\'' ){ i += 2; continue; }
        return z[i+1]==0;
      }
      i++;
    }
    return 0;
  }
  if( (z[0]=='b' || z[0]=='B' || z[0]=='x' || z[0]=='X') && z[1]=='\'' ) return 1;
  if( z[0]=='-' || z[0]=='+' ) i = 1;
  if( z[i]>='0' && z[i]<='9' ){
    for(; z[i]; i++){
      char c = z[i];
      if( !((c>='0' && c<='9') || c=='.' || c=='e' || c=='E' || c=='-' || c=='+'
            || c=='x' || c=='X' || (c>='a' && c<='f') || (c>='A' && c<='F')) ) return 0;
    }
    return 1;
  }
  if( sqlite3_stricmp(z, "NULL")==0 || sqlite3_stricmp(z, "TRUE")==0
   || sqlite3_stricmp(z, "FALSE")==0 ) return 1;
  if( sqlite3_strnicmp(z, "current_timestamp", 17)==0 ){
    const char *r = z + 17;
    if( *r==0 ) return 1;
    if( *r=='(' ){
      r++;
      while( *r>='0' && *r<='9' ) r++;
      return r[0]==')' && r[1]==0;
    }
  }
  return 0;
}

/* DEFAULT clause value for column c of a snapshot of engine zEngine. */
static void appendDefault(sqlite3_str *s, const char *zEngine, const DfColumn *c){
  const char *z;
  if( isMysqlEngine(zEngine) && c->zDefaultNative ){
    z = c->zDefaultNative;
    if( isBareDefault(z) ) sqlite3_str_appendall(s, z);
    else sqlite3_str_appendf(s, "(%s)", z);
    return;
  }
  z = c->zDefault;
  if( sqlite3_stricmp(z, "CURRENT_TIMESTAMP")==0 && c->nPrecision>0
   && c->zFamily && sqlite3_stricmp(c->zFamily, "timestamp")==0 ){
    sqlite3_str_appendf(s, "CURRENT_TIMESTAMP(%d)", c->nPrecision);
    return;
  }
  if( isBareDefault(z) && z[0]!='\'' ){
    sqlite3_str_appendall(s, z);
  }else if( z[0]=='\'' && isBareDefault(z) ){
    appendExpr(s, zEngine, z);
  }else if( (z[0]=='E' || z[0]=='e') && z[1]=='\'' ){
    appendExpr(s, zEngine, z);
  }else{
    sqlite3_str_appendchar(s, 1, '(');
    appendExpr(s, zEngine, z);
    sqlite3_str_appendchar(s, 1, ')');
  }
}

/* ---------------------------------------------------------------------------
** Column definitions
*/

/* Does the identity text hold the word zWord? */
static int identWord(const char *zIdent, const char *zWord);
static int identHas(const char *zIdent, const char *zWord){
  return identWord(zIdent, zWord);
}
static int identWord(const char *zIdent, const char *zWord){
  int n = (int)strlen(zWord);
  const char *z = zIdent;
  while( z && *z ){
    while( *z==' ' ) z++;
    if( sqlite3_strnicmp(z, zWord, n)==0 && (z[n]==0 || z[n]==' ') ) return 1;
    while( *z && *z!=' ' ) z++;
  }
  return 0;
}

#define CD_NO_IDENTITY  0x01   /* leave AUTO_INCREMENT out (soft drop) */
#define CD_NULLABLE     0x02   /* write NULL whatever not_null says (soft drop) */
#define CD_NO_CHECKS    0x04   /* leave the column's own checks out */

/* Does table t have a check whose expression equals that of k? */
static int hasEqualCheck(const DfTable *t, const DfConstraint *k){
  int i, bEq = 0;
  char *zA = dfExprNormalise(k->zExpr);
  for(i=0; t && zA && i<t->nCons && !bEq; i++){
    char *zB;
    if( !isKindOf(&t->aCons[i], "check") ) continue;
    zB = dfExprNormalise(t->aCons[i].zExpr);
    bEq = zB && strcmp(zA, zB)==0;
    sqlite3_free(zB);
  }
  sqlite3_free(zA);
  return bEq;
}

/*
** Append the definition of column c (named zName) of table t, a snapshot of
** engine zEngine. Column-level checks of t on this column are written
** inside it (MariaDB keeps them there, and a MODIFY without them drops
** them): all of them when pOther is NULL, else only those that pOther (the
** other version of the table) has too; the others are added or dropped by
** constraint steps of their own. Not with CD_NO_CHECKS.
*/
static int appendColumnDefX(sqlite3_str *s, const char *zEngine, const DfTable *t,
                            const DfColumn *c, const char *zName, int flags,
                            const DfTable *pOther, const DfConstraint *pSkip){
  char *zType = dfTypeRender("mysql", zEngine, c);
  const char *zId = c->zIdentity;
  int i;
  if( zType==0 ) return SQLITE_NOMEM;
  appendId(s, zName ? zName : c->zName);
  sqlite3_str_appendf(s, " %s", zType);
  sqlite3_free(zType);
  if( c->zCollation && sqlite3_stricmp(c->zCollation, "default")!=0
   && sqlite3_stricmp(c->zCollation, "binary")!=0 ){
    sqlite3_str_appendf(s, " COLLATE %s", c->zCollation);
  }
  if( c->zGenExpr ){
    sqlite3_str_appendall(s, " GENERATED ALWAYS AS (");
    appendExpr(s, zEngine, c->zGenExpr);
    sqlite3_str_appendf(s, ") %s",
        c->zGenKind && sqlite3_stricmp(c->zGenKind, "stored")==0 ? "STORED" : "VIRTUAL");
  }else{
    sqlite3_str_appendall(s, (c->bNotNull && !(flags & CD_NULLABLE)) ? " NOT NULL" : " NULL");
    if( c->zDefault || (isMysqlEngine(zEngine) && c->zDefaultNative) ){
      sqlite3_str_appendall(s, " DEFAULT ");
      appendDefault(s, zEngine, c);
    }
  }
  if( zId && !(flags & CD_NO_IDENTITY) ){
    const char *zOn = strstr(zId, "on update ");
    if( zOn ){
      const char *zEnd = zOn + 10;
      int n = 0;
      while( zEnd[n] && zEnd[n]!=' ' ) n++;
      sqlite3_str_appendf(s, " ON UPDATE %.*s", n, zEnd);
    }
    if( identHas(zId, "autoincrement") || sqlite3_stricmp(zId, "always")==0
     || sqlite3_stricmp(zId, "by default")==0 ){
      sqlite3_str_appendall(s, " AUTO_INCREMENT");
    }
  }
  if( zId && identHas(zId, "invisible") ) sqlite3_str_appendall(s, " INVISIBLE");
  if( c->zComment && c->zComment[0] ){
    sqlite3_str_appendall(s, " COMMENT ");
    appendLiteral(s, c->zComment);
  }
  for(i=0; t && !(flags & CD_NO_CHECKS) && i<t->nCons; i++){
    const DfConstraint *k = &t->aCons[i];
    if( !isColumnCheck(t, k) || sqlite3_stricmp(k->zName, c->zName)!=0 ) continue;
    if( pOther && !hasEqualCheck(pOther, k) ) continue;
    if( k==pSkip ) continue;
    sqlite3_str_appendall(s, " CHECK (");
    appendExpr(s, zEngine, k->zExpr);
    sqlite3_str_appendchar(s, 1, ')');
  }
  return SQLITE_OK;
}

/* appendColumnDefX() without an excluded check. */
static int appendColumnDef(sqlite3_str *s, const char *zEngine, const DfTable *t,
                           const DfColumn *c, const char *zName, int flags,
                           const DfTable *pOther){
  return appendColumnDefX(s, zEngine, t, c, zName, flags, pOther, 0);
}

/* ---------------------------------------------------------------------------
** Names the engine would choose
*/

/* FNV-1a 64 of the bytes of a and b, as 16 hex digits into z[17]. */
static void hashName(const char *a, const char *b, char z[17]){
  sqlite3_uint64 h = 0xcbf29ce484222325ULL;
  const char *p;
  for(p=a; p && *p; p++){ h ^= (unsigned char)*p; h *= 0x100000001b3ULL; }
  h ^= 1; h *= 0x100000001b3ULL;
  for(p=b; p && *p; p++){ h ^= (unsigned char)*p; h *= 0x100000001b3ULL; }
  sqlite3_snprintf(17, z, "%016llx", h);
}

/*
** The quarantine name of table zTable (zColumn NULL) or of its column: the
** shared dfQuarantineName(), or, when that is longer than 64 characters or
** holds characters outside [A-Za-z0-9_], a hashed one. OUT: caller frees.
*/
static char *quarantineName(const DfDialectCtx *pCtx, const char *zTable,
                            const char *zColumn){
  char *z = dfQuarantineName(pCtx, zTable, zColumn);
  const char *p;
  int bOk = z && strlen(z)<=MY_MAX_IDENT;
  for(p=z; bOk && p && *p; p++){
    char c = *p;
    if( !((c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9') || c=='_') ) bOk = 0;
  }
  if( z && !bOk ){
    char zHex[17];
    const char *zTag = pCtx && pCtx->zTag ? pCtx->zTag : "";
    hashName(zTable, zColumn, zHex);
    sqlite3_free(z);
    z = sqlite3_mprintf("dataflow_quarantine_%s%s%s", zTag, zTag[0] ? "_" : "", zHex);
  }
  return z;
}

/* Is zName used by a constraint of t (either catalog's version)? */
static int consNameUsed(const DfTable *t, const char *zName){
  int i;
  for(i=0; t && i<t->nCons; i++){
    if( sqlite3_stricmp(t->aCons[i].zName, zName)==0 ) return 1;
  }
  return 0;
}

static int fkSurvives(const DfTable *t, const DfConstraint *k);
static int fkSame(const DfConstraint *a, const DfConstraint *b);
static int indexNamedAs(const DfTable *t, const DfConstraint *k);
static int keySurvives(const DfTable *t, const DfConstraint *c);
static int hasEqualCheck(const DfTable *t, const DfConstraint *k);

/* Is zName the name of a FROM constraint that stays (the drops of this
** migration run before its adds, so the names of those that go are free)? */
static int nameKeptInFrom(const DfTableDelta *pD, const char *zName){
  int i;
  for(i=0; pD->pFrom && i<pD->pFrom->nCons; i++){
    const DfConstraint *x = &pD->pFrom->aCons[i];
    if( sqlite3_stricmp(x->zName, zName)!=0 ) continue;
    if( x->zRefTable ? fkSurvives(pD->pTo, x)
        : isKindOf(x, "check") ? hasEqualCheck(pD->pTo, x) : keySurvives(pD->pTo, x) ){
      return 1;
    }
  }
  return 0;
}

/*
** A name for a constraint k of TO whose name the engine generated, so that
** its rollback can name it: its TO name when FROM does not use it (and it
** is not a column-level check, whose name is its column's), else a name of
** the engine's pattern (CONSTRAINT_n for checks, <table>_ibfk_n for foreign
** keys) with an n used by neither version of the table, the r-th such n for
** the r-th generated constraint of that kind in TO, so that two of them
** never get the same name. OUT: caller frees.
*/
static char *freeGeneratedName(const DfTableDelta *pD, const char *zTable,
                               const DfConstraint *k){
  const DfTable *t = pD->pTo;
  int bFk = k->zRefTable!=0, n, i, r = 0;
  if( !nameKeptInFrom(pD, k->zName) && !(t && isColumnCheck(t, k)) ){
    return sqlite3_mprintf("%s", k->zName);
  }
  for(i=0; t && i<t->nCons && &t->aCons[i]!=k; i++){
    const DfConstraint *x = &t->aCons[i];
    if( x->bGenName && (x->zRefTable!=0)==bFk && (bFk || isKindOf(x, "check")) ) r++;
  }
  for(n=1; n<1000000; n++){
    char *z = bFk ? sqlite3_mprintf("%s_ibfk_%d", zTable, n)
                  : sqlite3_mprintf("CONSTRAINT_%d", n);
    if( z==0 ) return 0;
    if( !consNameUsed(pD->pFrom, z) && !consNameUsed(pD->pTo, z) && r--==0 ) return z;
    sqlite3_free(z);
  }
  return 0;
}

/* The number n of a name zTable_ibfk_n, or 0. */
static int ibfkNumber(const char *zTable, const char *zName){
  int n = (int)strlen(zTable), v = 0;
  const char *z;
  if( sqlite3_strnicmp(zName, zTable, n)!=0 || sqlite3_strnicmp(zName+n, "_ibfk_", 6)!=0 ) return 0;
  for(z=zName+n+6; *z>='0' && *z<='9'; z++) v = v*10 + (*z - '0');
  return *z==0 ? v : 0;
}

/*
** The name InnoDB will give foreign key k of TO, added without a name:
** <table>_ibfk_N, N one more than the highest such number of the table
** when it is added. The FROM foreign keys that stay count; so do the
** foreign keys this migration adds before k (generated names, in TO's
** order, which is the order their steps run in). OUT: caller frees.
*/
static char *innodbFkName(const DfTableDelta *pD, const char *zTable,
                          const DfConstraint *k){
  int i, nMax = 0, r = 0;
  for(i=0; pD->pFrom && i<pD->pFrom->nCons; i++){
    const DfConstraint *x = &pD->pFrom->aCons[i];
    int v = ibfkNumber(zTable, x->zName);
    if( x->zRefTable && v>nMax && fkSurvives(pD->pTo, x) ) nMax = v;
  }
  for(i=0; pD->pTo && i<pD->pTo->nCons && &pD->pTo->aCons[i]!=k; i++){
    const DfConstraint *x = &pD->pTo->aCons[i];
    int j, bOld = 0;
    if( x->zRefTable==0 || !x->bGenName ) continue;
    for(j=0; pD->pFrom && j<pD->pFrom->nCons; j++){
      const DfConstraint *y = &pD->pFrom->aCons[j];
      if( y->zRefTable && fkSame(x, y) ) bOld = 1;
    }
    if( !bOld ) r++;
  }
  return sqlite3_mprintf("%s_ibfk_%d", zTable, nMax + r + 1);
}

/* The name to write for constraint k (of the table being changed); for a
** foreign key whose name InnoDB generated, the name InnoDB will choose
** (the statement then gives none: see appendAddConstraint). */
static char *constraintName(const DfTableDelta *pD, const char *zTable,
                            const DfConstraint *k){
  if( !k->bGenName ) return sqlite3_mprintf("%s", k->zName);
  if( k->zRefTable && !indexNamedAs(pD->pTo, k) ) return innodbFkName(pD, zTable, k);
  if( k->zRefTable ) return sqlite3_mprintf("%s", k->zName);
  if( !isKindOf(k, "check") ){
    return sqlite3_mprintf("%s", k->zName);          /* PRIMARY, unique keys */
  }
  return freeGeneratedName(pD, zTable, k);
}

/* ---------------------------------------------------------------------------
** Constraint and index clauses
*/

/* FK clause "FOREIGN KEY (..) REFERENCES t (..) ON DELETE .. ON UPDATE ..". */
static void appendFkBody(sqlite3_str *s, const DfConstraint *k){
  sqlite3_str_appendall(s, "FOREIGN KEY (");
  appendIdList(s, k->zColumns);
  sqlite3_str_appendall(s, ") REFERENCES ");
  appendName(s, k->zRefSchema, k->zRefTable);
  sqlite3_str_appendall(s, " (");
  appendIdList(s, k->zRefColumns);
  sqlite3_str_appendchar(s, 1, ')');
  if( k->zOnDelete && sqlite3_stricmp(k->zOnDelete, "NO ACTION")!=0 ){
    sqlite3_str_appendf(s, " ON DELETE %s", k->zOnDelete);
  }
  if( k->zOnUpdate && sqlite3_stricmp(k->zOnUpdate, "NO ACTION")!=0 ){
    sqlite3_str_appendf(s, " ON UPDATE %s", k->zOnUpdate);
  }
}

/* "ADD ..." of constraint k named zName (for ALTER TABLE). */
/* Is there an index of t named like constraint k (an index the engine
** generated for a foreign key named k)? */
static int indexNamedAs(const DfTable *t, const DfConstraint *k){
  int i;
  for(i=0; t && i<t->nIdx; i++){
    if( sqlite3_stricmp(t->aIdx[i].zName, k->zName)==0 ) return 1;
  }
  return 0;
}

/* "ADD ..." of constraint k of table pOwner, named zName (for ALTER TABLE). */
static void appendAddConstraint(sqlite3_str *s, const char *zEngine,
                                const DfConstraint *k, const char *zName,
                                const DfTable *pOwner){
  if( isKindOf(k, "primary key") ){
    sqlite3_str_appendall(s, "ADD PRIMARY KEY (");
    appendIdList(s, k->zColumns);
    sqlite3_str_appendchar(s, 1, ')');
  }else if( isKindOf(k, "unique") ){
    sqlite3_str_appendall(s, "ADD UNIQUE KEY ");
    appendId(s, zName);
    sqlite3_str_appendall(s, " (");
    appendIdList(s, k->zColumns);
    sqlite3_str_appendchar(s, 1, ')');
  }else if( isKindOf(k, "check") ){
    sqlite3_str_appendall(s, "ADD CONSTRAINT ");
    appendId(s, zName);
    sqlite3_str_appendall(s, " CHECK (");
    appendExpr(s, zEngine, k->zExpr);
    sqlite3_str_appendchar(s, 1, ')');
  }else if( k->bGenName && !indexNamedAs(pOwner, k) ){
    /* A name InnoDB generated, and the index behind the key is named after
    ** its column: add it unnamed, as it was made. With a name, MariaDB
    ** would name the index it generates for the key after it instead. */
    sqlite3_str_appendall(s, "ADD ");
    appendFkBody(s, k);
  }else{
    sqlite3_str_appendall(s, "ADD CONSTRAINT ");
    appendId(s, zName);
    sqlite3_str_appendchar(s, 1, ' ');
    appendFkBody(s, k);
  }
}

/* "DROP ..." of constraint k named zName. */
static void appendDropConstraint(sqlite3_str *s, const DfConstraint *k,
                                 const char *zName){
  if( isKindOf(k, "primary key") ){
    sqlite3_str_appendall(s, "DROP PRIMARY KEY");
  }else if( isKindOf(k, "unique") ){
    sqlite3_str_appendall(s, "DROP INDEX ");
    appendId(s, zName);
  }else if( isKindOf(k, "check") ){
    sqlite3_str_appendall(s, "DROP CONSTRAINT ");
    appendId(s, zName);
  }else{
    sqlite3_str_appendall(s, "DROP FOREIGN KEY ");
    appendId(s, zName);
  }
}

/* Index option JSON flag. */
static int indexFlag(const DfIndex *x, const char *zKey){
  DfJson *p, *v;
  int b = 0;
  if( x->zOptions==0 ) return 0;
  p = dfJsonParse(x->zOptions, 0);
  v = dfJsonGet(p, zKey);
  if( v ) b = v->eType==DF_JSON_TRUE || (v->eType==DF_JSON_NUMBER && strcmp(v->zText, "0")!=0);
  dfJsonFree(p);
  return b;
}

static int isMethod(const DfIndex *x, const char *z){
  return x->zMethod && sqlite3_stricmp(x->zMethod, z)==0;
}

/* The primary key kept as an index (prefix lengths, DESC keys). */
static int isPrimaryIndex(const DfIndex *x){
  return x->bUnique && x->zName && strcmp(x->zName, "PRIMARY")==0;
}

/* "DROP INDEX `n`" or "DROP PRIMARY KEY". */
static void appendDropIndex(sqlite3_str *s, const DfIndex *x){
  if( isPrimaryIndex(x) ){
    sqlite3_str_appendall(s, "DROP PRIMARY KEY");
  }else{
    sqlite3_str_appendall(s, "DROP INDEX ");
    appendId(s, x->zName);
  }
}

/* "ADD [UNIQUE|FULLTEXT|SPATIAL] INDEX `n` (keys) [USING HASH] ..." */
static int appendAddIndex(sqlite3_str *s, const DfDialectCtx *pCtx,
                          const char *zEngine, const DfIndex *x){
  DfJson *pArr = dfJsonParse(x->zKeys ? x->zKeys : "[]", 0);
  int i;
  if( pArr==0 || pArr->eType!=DF_JSON_ARRAY ){
    dfJsonFree(pArr);
    return SQLITE_ERROR;
  }
  if( isPrimaryIndex(x) ){
    sqlite3_str_appendall(s, "ADD PRIMARY KEY (");
  }else{
    sqlite3_str_appendall(s, "ADD ");
    if( isMethod(x, "fulltext") ) sqlite3_str_appendall(s, "FULLTEXT ");
    else if( isMethod(x, "spatial") ) sqlite3_str_appendall(s, "SPATIAL ");
    else if( x->bUnique ) sqlite3_str_appendall(s, "UNIQUE ");
    sqlite3_str_appendall(s, "INDEX ");
    appendId(s, x->zName);
    sqlite3_str_appendall(s, " (");
  }
  for(i=0; i<pArr->nChild; i++){
    DfJson *k = &pArr->aChild[i], *v;
    if( i ) sqlite3_str_appendall(s, ", ");
    if( k->eType==DF_JSON_STRING ){ appendId(s, k->zText); continue; }
    if( (v = dfJsonGet(k, "column"))!=0 && v->eType==DF_JSON_STRING ){
      appendId(s, v->zText);
    }else if( (v = dfJsonGet(k, "expr"))!=0 && v->eType==DF_JSON_STRING ){
      sqlite3_str_appendchar(s, 1, '(');
      appendExpr(s, zEngine, v->zText);
      sqlite3_str_appendchar(s, 1, ')');
    }
    if( (v = dfJsonGet(k, "length"))!=0 && v->eType==DF_JSON_NUMBER ){
      sqlite3_str_appendf(s, "(%s)", v->zText);
    }
    if( (v = dfJsonGet(k, "desc"))!=0 && (v->eType==DF_JSON_TRUE
        || (v->eType==DF_JSON_NUMBER && strcmp(v->zText, "0")!=0)) ){
      sqlite3_str_appendall(s, " DESC");
    }
  }
  sqlite3_str_appendchar(s, 1, ')');
  dfJsonFree(pArr);
  if( isMethod(x, "hash") ) sqlite3_str_appendall(s, " USING HASH");
  if( x->zComment && x->zComment[0] ){
    sqlite3_str_appendall(s, " COMMENT ");
    appendLiteral(s, x->zComment);
  }
  if( indexFlag(x, "ignored") || indexFlag(x, "invisible") ){
    sqlite3_str_appendall(s, isMariadb(pCtx) ? " IGNORED" : " INVISIBLE");
  }
  return SQLITE_OK;
}

/* ---------------------------------------------------------------------------
** Tables
*/

/* Is zKey one of the table options MySQL spells as a keyword? */
static int isKeywordOption(const char *zKey){
  static const char *az[] = {
    "auto_increment", "avg_row_length", "checksum", "compression",
    "connection", "data directory", "delay_key_write", "encryption",
    "index directory", "insert_method", "key_block_size", "max_rows",
    "min_rows", "pack_keys", "page_checksum", "row_format",
    "stats_auto_recalc", "stats_persistent", "stats_sample_pages",
    "transactional", "tablespace", "union",
  };
  size_t i;
  for(i=0; i<sizeof(az)/sizeof(az[0]); i++){
    if( sqlite3_stricmp(az[i], zKey)==0 ) return 1;
  }
  return 0;
}

/* Table options of t, as CREATE TABLE / ALTER TABLE clauses (" ENGINE=x"). */
static void appendTableOptions(sqlite3_str *s, const DfTable *t, int bComment){
  DfJson *p = t->zOptions ? dfJsonParse(t->zOptions, 0) : 0;
  int i;
  for(i=0; p && p->eType==DF_JSON_OBJECT && i<p->nChild; i++){
    const char *zKey = p->azKey[i];
    const char *zVal = p->aChild[i].zText ? p->aChild[i].zText : "";
    if( strcmp(zKey, "engine")==0 ){
      sqlite3_str_appendf(s, " ENGINE=%s", zVal);
    }else if( strcmp(zKey, "collation")==0 ){
      sqlite3_str_appendf(s, " COLLATE=%s", zVal);
    }else if( isKeywordOption(zKey) ){
      const char *z;
      sqlite3_str_appendchar(s, 1, ' ');
      for(z=zKey; *z; z++){
        char c = *z;
        sqlite3_str_appendchar(s, 1, (c>='a' && c<='z') ? c - 32 : c);
      }
      sqlite3_str_appendf(s, "=%s", zVal);
    }else if( strcmp(zKey, "partition")==0 ){
      continue;                  /* last, below */
    }else if( sqlite3_stricmp(zKey, "without_rowid")!=0 && sqlite3_stricmp(zKey, "strict")!=0 ){
      sqlite3_str_appendchar(s, 1, ' ');
      appendId(s, zKey);
      sqlite3_str_appendf(s, "=%s", zVal);
    }
  }
  if( bComment && t->zComment && t->zComment[0] ){
    sqlite3_str_appendall(s, " COMMENT=");
    appendLiteral(s, t->zComment);
  }
  {
    DfJson *v = dfJsonGet(p, "partition");
    if( bComment && v && v->zText ) sqlite3_str_appendf(s, " %s", v->zText);
  }
  dfJsonFree(p);
}

/* CREATE TABLE for t (as snapshot engine zEngine) named zName, without
** foreign keys (added in steps of their own) and without indexes other
** than the primary key and unique keys. */
static int appendCreateTable(sqlite3_str *s, const char *zEngine,
                             const DfTable *t, const char *zName){
  int i, rc = SQLITE_OK, n = 0;
  sqlite3_str_appendall(s, "CREATE TABLE ");
  appendName(s, t->zSchema, zName);
  sqlite3_str_appendall(s, " (\n");
  for(i=0; i<t->nCol && rc==SQLITE_OK; i++){
    sqlite3_str_appendall(s, n++ ? ",\n  " : "  ");
    rc = appendColumnDef(s, zEngine, t, &t->aCol[i], 0, 0, 0);
  }
  for(i=0; i<t->nIdx && rc==SQLITE_OK; i++){
    if( !isPrimaryIndex(&t->aIdx[i]) ) continue;
    sqlite3_str *x = sqlite3_str_new(0);
    char *z;
    appendAddIndex(x, 0, zEngine, &t->aIdx[i]);       /* "ADD PRIMARY KEY (...)" */
    z = sqlite3_str_finish(x);
    sqlite3_str_appendf(s, "%s%s", n++ ? ",\n  " : "  ", z ? z + 4 : "");
    sqlite3_free(z);
  }
  for(i=0; i<t->nCons && rc==SQLITE_OK; i++){
    const DfConstraint *k = &t->aCons[i];
    if( k->zRefTable || isColumnCheck(t, k) ) continue;
    sqlite3_str_appendall(s, n++ ? ",\n  " : "  ");
    if( isKindOf(k, "primary key") ){
      sqlite3_str_appendall(s, "PRIMARY KEY (");
      appendIdList(s, k->zColumns);
      sqlite3_str_appendchar(s, 1, ')');
    }else if( isKindOf(k, "unique") ){
      sqlite3_str_appendall(s, "UNIQUE KEY ");
      appendId(s, k->zName);
      sqlite3_str_appendall(s, " (");
      appendIdList(s, k->zColumns);
      sqlite3_str_appendchar(s, 1, ')');
    }else if( isKindOf(k, "check") ){
      if( !k->bGenName ){
        sqlite3_str_appendall(s, "CONSTRAINT ");
        appendId(s, k->zName);
        sqlite3_str_appendchar(s, 1, ' ');
      }
      sqlite3_str_appendall(s, "CHECK (");
      appendExpr(s, zEngine, k->zExpr);
      sqlite3_str_appendchar(s, 1, ')');
    }else{
      n--;     /* exclude constraints: no MySQL form */
    }
  }
  sqlite3_str_appendall(s, "\n)");
  appendTableOptions(s, t, 1);
  sqlite3_str_appendall(s, ";\n");
  return rc;
}

/* Triggers of t: DROP TRIGGER statements, or their CREATE texts. */
static void appendTriggers(sqlite3_str *s, const DfTable *t, int bCreate){
  int i;
  for(i=0; i<t->nTrig; i++){
    if( bCreate ){
      sqlite3_str_appendf(s, "%s;\n", t->aTrig[i].zDef);
    }else{
      sqlite3_str_appendall(s, "DROP TRIGGER ");
      appendName(s, t->zSchema, t->aTrig[i].zName);
      sqlite3_str_appendall(s, ";\n");
    }
  }
}

static int myCreateTable(const DfDialectCtx *pCtx, const DfTable *pTo,
                         DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pzErr;
  rc = appendCreateTable(pFwd, engineOf(pCtx->pTo), pTo, pTo->zName);
  sqlite3_str_appendall(pBack, "DROP TABLE ");
  appendName(pBack, pTo->zSchema, pTo->zName);
  sqlite3_str_appendall(pBack, ";\n");
  if( rc ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    return rc;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf("none: %s is new", pTo->zName);
  pOut->nRows = 0;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

static int myDropTable(const DfDialectCtx *pCtx, const DfTable *pFrom,
                       DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  const char *zEngine = engineOf(pCtx->pFrom);
  int rc = SQLITE_OK, i, nFk = 0;
  (void)pzErr;
  pOut->bDestructive = 1;
  pOut->nRows = pFrom->nRows;
  if( isSoft(pCtx) ){
    char *zQ = quarantineName(pCtx, pFrom->zName, 0);
    if( zQ==0 ) rc = SQLITE_NOMEM;
    /* Trigger and foreign key names are global to the database: they go
    ** (and come back with the rollback), the table keeps its data, indexes
    ** and checks under the quarantine name. */
    appendTriggers(pFwd, pFrom, 0);
    sqlite3_str_appendall(pFwd, "ALTER TABLE ");
    appendName(pFwd, pFrom->zSchema, pFrom->zName);
    for(i=0; i<pFrom->nCons; i++){
      const DfConstraint *k = &pFrom->aCons[i];
      if( k->zRefTable==0 ) continue;
      sqlite3_str_appendall(pFwd, nFk++ ? ", " : " ");
      appendDropConstraint(pFwd, k, k->zName);
    }
    sqlite3_str_appendall(pFwd, nFk ? ", RENAME TO " : " RENAME TO ");
    appendName(pFwd, pFrom->zSchema, zQ);
    sqlite3_str_appendall(pFwd, ";\n");

    sqlite3_str_appendall(pBack, "RENAME TABLE ");
    appendName(pBack, pFrom->zSchema, zQ);
    sqlite3_str_appendall(pBack, " TO ");
    appendName(pBack, pFrom->zSchema, pFrom->zName);
    sqlite3_str_appendall(pBack, ";\n");
    if( nFk ){
      int j = 0;
      sqlite3_str_appendall(pBack, "ALTER TABLE ");
      appendName(pBack, pFrom->zSchema, pFrom->zName);
      for(i=0; i<pFrom->nCons; i++){
        const DfConstraint *k = &pFrom->aCons[i];
        if( k->zRefTable==0 ) continue;
        sqlite3_str_appendall(pBack, j++ ? ", " : " ");
        appendAddConstraint(pBack, zEngine, k, k->zName, pFrom);
      }
      sqlite3_str_appendall(pBack, ";\n");
    }
    appendTriggers(pBack, pFrom, 1);
    pOut->zNote = sqlite3_mprintf("soft drop: the table and its rows are kept"
                                  " as %s for the rollback (dataflow purge removes it)", zQ);
    pOut->zLock = sqlite3_mprintf(LOCK_META " (RENAME: O(1), no rows read)", pFrom->zName);
    sqlite3_free(zQ);
  }else{
    sqlite3_str_appendall(pFwd, "DROP TABLE ");
    appendName(pFwd, pFrom->zSchema, pFrom->zName);
    sqlite3_str_appendall(pFwd, ";\n");
    rc = appendCreateTable(pBack, zEngine, pFrom, pFrom->zName);
    for(i=0; rc==SQLITE_OK && i<pFrom->nIdx; i++){
      sqlite3_str_appendall(pBack, "ALTER TABLE ");
      appendName(pBack, pFrom->zSchema, pFrom->zName);
      sqlite3_str_appendchar(pBack, 1, ' ');
      rc = appendAddIndex(pBack, pCtx, zEngine, &pFrom->aIdx[i]);
      sqlite3_str_appendall(pBack, ";\n");
    }
    for(i=0; i<pFrom->nCons; i++){
      const DfConstraint *k = &pFrom->aCons[i];
      if( k->zRefTable==0 ) continue;
      sqlite3_str_appendall(pBack, "ALTER TABLE ");
      appendName(pBack, pFrom->zSchema, pFrom->zName);
      sqlite3_str_appendchar(pBack, 1, ' ');
      appendAddConstraint(pBack, zEngine, k, k->zName, pFrom);
      sqlite3_str_appendall(pBack, ";\n");
    }
    appendTriggers(pBack, pFrom, 1);
    pOut->zNote = sqlite3_mprintf("soft_drop is off: its rows are lost; the"
                                  " rollback recreates the table empty");
    pOut->zLock = sqlite3_mprintf(LOCK_META " (DROP TABLE)", pFrom->zName);
  }
  if( rc ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    return rc;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  if( rc==SQLITE_OK && (pOut->zLock==0 || pOut->zNote==0) ) rc = SQLITE_NOMEM;
  return rc;
}

static int myRenameTable(const DfDialectCtx *pCtx, const DfTable *pFrom,
                         const DfTable *pTo, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  sqlite3_str_appendall(pFwd, "RENAME TABLE ");
  appendName(pFwd, pFrom->zSchema, pFrom->zName);
  sqlite3_str_appendall(pFwd, " TO ");
  appendName(pFwd, pTo->zSchema, pTo->zName);
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, "RENAME TABLE ");
  appendName(pBack, pTo->zSchema, pTo->zName);
  sqlite3_str_appendall(pBack, " TO ");
  appendName(pBack, pFrom->zSchema, pFrom->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_META " (RENAME: O(1))", pFrom->zName);
  pOut->nRows = 0;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

/* Charset of a collation: the part before the first '_' ("binary" alone). */
static char *charsetOf(const char *zColl){
  const char *z = strchr(zColl, '_');
  return z ? sqlite3_mprintf("%.*s", (int)(z - zColl), zColl)
           : sqlite3_mprintf("%s", zColl);
}

/* Member zKey of a table's options object (OUT: caller frees) or NULL. */
static char *tableOption(const DfTable *t, const char *zKey){
  DfJson *p = t && t->zOptions ? dfJsonParse(t->zOptions, 0) : 0;
  DfJson *v = dfJsonGet(p, zKey);
  char *z = v && v->zText ? sqlite3_mprintf("%s", v->zText) : 0;
  dfJsonFree(p);
  return z;
}

/*
** The options of table b in ALTER TABLE form, for a table whose options are
** those of a now: engine, collation (CONVERT TO: the columns follow the
** table, columns with an explicit collation are re-stated after it), the
** other options, with DEFAULT for those b lacks.
*/
static int appendOptionsChange(sqlite3_str *s, const char *zEngine,
                               const DfTable *a, const DfTable *b){
  char *zEa = tableOption(a, "engine"), *zEb = tableOption(b, "engine");
  char *zCa = tableOption(a, "collation"), *zCb = tableOption(b, "collation");
  DfJson *pa = a->zOptions ? dfJsonParse(a->zOptions, 0) : 0;
  DfJson *pb = b->zOptions ? dfJsonParse(b->zOptions, 0) : 0;
  int n = 0, i, rc = SQLITE_OK;
  if( (zEa==0)!=(zEb==0) || (zEa && sqlite3_stricmp(zEa, zEb)!=0) ){
    sqlite3_str_appendf(s, "%sENGINE=%s", n++ ? ", " : "", zEb ? zEb : "InnoDB");
  }
  if( (zCa==0)!=(zCb==0) || (zCa && sqlite3_stricmp(zCa, zCb)!=0) ){
    if( zCb ){
      char *zCs = charsetOf(zCb);
      sqlite3_str_appendf(s, "%sCONVERT TO CHARACTER SET %s COLLATE %s",
                          n++ ? ", " : "", zCs, zCb);
      sqlite3_free(zCs);
    }else{
      sqlite3_str_appendf(s, "%sCONVERT TO CHARACTER SET DEFAULT", n++ ? ", " : "");
    }
    for(i=0; i<b->nCol && rc==SQLITE_OK; i++){
      const DfColumn *c = &b->aCol[i];
      if( c->zCollation==0 ) continue;
      sqlite3_str_appendf(s, "%sMODIFY COLUMN ", n++ ? ", " : "");
      rc = appendColumnDef(s, zEngine, b, c, 0, 0, a);
    }
  }
  for(i=0; pb && pb->eType==DF_JSON_OBJECT && i<pb->nChild; i++){
    const char *zKey = pb->azKey[i];
    DfJson *v = dfJsonGet(pa, zKey);
    if( strcmp(zKey, "engine")==0 || strcmp(zKey, "collation")==0
     || strcmp(zKey, "partition")==0 ) continue;
    if( v && v->zText && pb->aChild[i].zText && strcmp(v->zText, pb->aChild[i].zText)==0 ) continue;
    sqlite3_str_appendf(s, "%s", n++ ? ", " : "");
    if( isKeywordOption(zKey) ){
      const char *z;
      for(z=zKey; *z; z++){
        char c = *z;
        sqlite3_str_appendchar(s, 1, (c>='a' && c<='z') ? c - 32 : c);
      }
    }else{
      appendId(s, zKey);
    }
    sqlite3_str_appendf(s, "=%s", pb->aChild[i].zText ? pb->aChild[i].zText : "DEFAULT");
  }
  for(i=0; pa && pa->eType==DF_JSON_OBJECT && i<pa->nChild; i++){
    const char *zKey = pa->azKey[i];
    if( strcmp(zKey, "engine")==0 || strcmp(zKey, "collation")==0
     || strcmp(zKey, "partition")==0 ) continue;
    if( dfJsonGet(pb, zKey) ) continue;
    sqlite3_str_appendf(s, "%s", n++ ? ", " : "");
    if( isKeywordOption(zKey) ){
      const char *z;
      for(z=zKey; *z; z++){
        char c = *z;
        sqlite3_str_appendchar(s, 1, (c>='a' && c<='z') ? c - 32 : c);
      }
    }else{
      appendId(s, zKey);
    }
    sqlite3_str_appendall(s, "=DEFAULT");
  }
  sqlite3_free(zEa); sqlite3_free(zEb); sqlite3_free(zCa); sqlite3_free(zCb);
  dfJsonFree(pa);
  dfJsonFree(pb);
  return n==0 && rc==SQLITE_OK ? SQLITE_DONE : rc;
}

/* "PARTITION BY ..." of table t, or "REMOVE PARTITIONING". OUT: caller frees. */
static char *partitionClause(const DfTable *t){
  char *z = tableOption(t, "partition");
  if( z ) return z;
  return sqlite3_mprintf("REMOVE PARTITIONING");
}

static int myAlterTable(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                        const DfChange *pChange, DfDdl *pOut, char **pzErr){
  const DfTable *f = pD->pFrom, *t = pD->pTo;
  const char *zAttr = pChange->zAttribute ? pChange->zAttribute : "";
  sqlite3_str *pFwd, *pBack;
  int rc = SQLITE_OK, bPart = 0;
  char *zPf = partitionClause(f), *zPt = partitionClause(t);
  (void)pzErr;
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  if( strcmp(zAttr, "kind")==0 ){
    /* table <-> partitioned: repartition (the options step leaves it) */
    bPart = 1;
  }else if( strcmp(zAttr, "comment")==0 ){
    sqlite3_str_appendall(pFwd, "ALTER TABLE ");
    appendName(pFwd, t->zSchema, t->zName);
    sqlite3_str_appendall(pFwd, " COMMENT=");
    appendLiteral(pFwd, t->zComment ? t->zComment : "");
    sqlite3_str_appendall(pFwd, ";\n");
    sqlite3_str_appendall(pBack, "ALTER TABLE ");
    appendName(pBack, t->zSchema, t->zName);
    sqlite3_str_appendall(pBack, " COMMENT=");
    appendLiteral(pBack, f->zComment ? f->zComment : "");
    sqlite3_str_appendall(pBack, ";\n");
    pOut->zLock = sqlite3_mprintf(LOCK_META, t->zName);
  }else{
    sqlite3_str *o1 = sqlite3_str_new(0), *o2 = sqlite3_str_new(0);
    char *z1, *z2;
    rc = appendOptionsChange(o1, engineOf(pCtx->pTo), f, t);
    if( rc==SQLITE_OK ) rc = appendOptionsChange(o2, engineOf(pCtx->pFrom), t, f);
    z1 = sqlite3_str_finish(o1);
    z2 = sqlite3_str_finish(o2);
    if( rc==SQLITE_OK ){
      sqlite3_str_appendall(pFwd, "ALTER TABLE ");
      appendName(pFwd, t->zSchema, t->zName);
      sqlite3_str_appendf(pFwd, " %s;\n", z1 ? z1 : "");
      sqlite3_str_appendall(pBack, "ALTER TABLE ");
      appendName(pBack, t->zSchema, t->zName);
      sqlite3_str_appendf(pBack, " %s;\n", z2 ? z2 : "");
    }
    sqlite3_free(z1);
    sqlite3_free(z2);
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
    /* the partitioning of a table that stays partitioned */
    bPart = sqlite3_stricmp(f->zKind ? f->zKind : "table", t->zKind ? t->zKind : "table")==0
         && strcmp(zPf, zPt)!=0;
    pOut->zLock = copyLock(f);
    pOut->nRows = f->nRows;
  }
  if( bPart && rc==SQLITE_OK ){
    sqlite3_str_appendall(pFwd, "ALTER TABLE ");
    appendName(pFwd, t->zSchema, t->zName);
    sqlite3_str_appendf(pFwd, " %s;\n", zPt);
    /* undone first: the options back after the partitioning */
    {
      char *zOld = sqlite3_str_finish(pBack);
      pBack = sqlite3_str_new(0);
      sqlite3_str_appendall(pBack, "ALTER TABLE ");
      appendName(pBack, t->zSchema, t->zName);
      sqlite3_str_appendf(pBack, " %s;\n%s", zPf, zOld ? zOld : "");
      sqlite3_free(zOld);
    }
    if( pOut->zLock==0 ) pOut->zLock = copyLock(f);
    pOut->nRows = f->nRows;
  }
  sqlite3_free(zPf);
  sqlite3_free(zPt);
  if( rc || sqlite3_str_length(pFwd)==0 ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    if( rc ) return rc;
    sqlite3_free(pOut->zLock);
    pOut->zLock = 0;
    pOut->zNote = sqlite3_mprintf("no option MySQL would write differs");
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

static int keySurvives(const DfTable *t, const DfConstraint *c);

/* A new key k of TO on a column that becomes AUTO_INCREMENT now: MySQL
** wants the key in the same statement as AUTO_INCREMENT, so the column's
** step adds it. Returns that column, or NULL. */
static const DfColumn *keyNeedsAutoinc(const DfTableDelta *pD, const DfConstraint *k){
  char **az = 0;
  int n, i;
  const DfColumn *pOut = 0;
  if( pD==0 || pD->pFrom==0 || pD->pTo==0 ) return 0;
  if( !isKindOf(k, "primary key") && !isKindOf(k, "unique") ) return 0;
  if( keySurvives(pD->pFrom, k) ) return 0;
  n = dfJsonStrings(k->zColumns, &az);
  for(i=0; i<n && pOut==0; i++){
    const DfColumn *c = findColumn(pD->pTo, az[i]);
    if( c && becomesAutoinc(pD, c) ) pOut = c;
  }
  if( n>0 ) dfJsonFreeStrings(n, az);
  return pOut;
}

/* The primary key of t, or NULL. */
static const DfConstraint *primaryKey(const DfTable *t){
  int i;
  for(i=0; t && i<t->nCons; i++) if( isKindOf(&t->aCons[i], "primary key") ) return &t->aCons[i];
  return 0;
}

/*
** For the step of TO column c (added, or turned AUTO_INCREMENT): ", ADD"
** the new keys that need it into pFwd, and into pBack what undoes them
** (", DROP ..." and the old primary key back).
*/
static void appendAutoincKeys(sqlite3_str *pFwd, sqlite3_str *pBack,
                              const DfDialectCtx *pCtx, const DfTableDelta *pD,
                              const DfColumn *c){
  int i;
  for(i=0; pD->pTo && i<pD->pTo->nCons; i++){
    const DfConstraint *k = &pD->pTo->aCons[i];
    const DfConstraint *pOld;
    if( keyNeedsAutoinc(pD, k)!=c ) continue;
    pOld = isKindOf(k, "primary key") ? primaryKey(pD->pFrom) : 0;
    sqlite3_str_appendall(pFwd, ", ");
    if( pOld ) sqlite3_str_appendall(pFwd, "DROP PRIMARY KEY, ");
    appendAddConstraint(pFwd, engineOf(pCtx->pTo), k, k->zName, pD->pTo);
    if( pBack ){
      sqlite3_str_appendall(pBack, ", ");
      appendDropConstraint(pBack, k, k->zName);
      if( pOld ){
        sqlite3_str_appendall(pBack, ", ");
        appendAddConstraint(pBack, engineOf(pCtx->pFrom), pOld, pOld->zName, pD->pFrom);
      }
    }
  }
}

/*
** Keys of FROM being dropped that hold an AUTO_INCREMENT column that stops
** being one (or goes): MySQL refuses to leave it unkeyed, so the drop
** first restates the column without AUTO_INCREMENT ("MODIFY ..., " into
** pFwd) and the rollback gives it back (", MODIFY ..." into pBack).
*/
static void appendAutoincRelease(sqlite3_str *pFwd, sqlite3_str *pBack,
                                 const DfDialectCtx *pCtx, const DfTableDelta *pD,
                                 const DfConstraint *k){
  char **az = 0;
  int n, i;
  if( !isKindOf(k, "primary key") && !isKindOf(k, "unique") ) return;
  n = dfJsonStrings(k->zColumns, &az);
  for(i=0; i<n; i++){
    const DfColumn *c = findColumn(pD->pFrom, az[i]);
    if( c==0 || !isAutoinc(c) || isAutoinc(dstColumn(pD, c)) ) continue;
    sqlite3_str_appendall(pFwd, "MODIFY COLUMN ");
    appendColumnDef(pFwd, engineOf(pCtx->pFrom), pD->pFrom, c, 0, CD_NO_IDENTITY, 0);
    sqlite3_str_appendall(pFwd, ", ");
    if( pBack ){
      sqlite3_str_appendall(pBack, ", MODIFY COLUMN ");
      appendColumnDef(pBack, engineOf(pCtx->pFrom), pD->pFrom, c, 0, 0, 0);
    }
  }
  if( n>0 ) dfJsonFreeStrings(n, az);
}

/* ---------------------------------------------------------------------------
** Columns
*/

/* " AFTER `prev`" or " FIRST" for target column pToCol of the delta, when
** the column before it in the target exists already; else nothing. */
static void appendPosition(sqlite3_str *s, const DfTableDelta *pD, const DfColumn *pToCol){
  const DfTable *t = pD->pTo;
  int j = (int)(pToCol - t->aCol);
  if( j<0 || j>=t->nCol ) return;
  if( j==0 ){ sqlite3_str_appendall(s, " FIRST"); return; }
  if( pD->aiSrc && pD->aiSrc[j-1]>=0 ){
    sqlite3_str_appendall(s, " AFTER ");
    appendId(s, t->aCol[j-1].zName);
  }
}

static int myAddColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                       const DfColumn *pToCol, DfDdl *pOut, char **pzErr){
  const DfTable *t = pD->pTo;
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pzErr;
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, t->zSchema, t->zName);
  sqlite3_str_appendall(pFwd, " ADD COLUMN ");
  rc = appendColumnDef(pFwd, engineOf(pCtx->pTo), t, pToCol, 0, 0, pD->pFrom);
  appendPosition(pFwd, pD, pToCol);
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, t->zSchema, t->zName);
  if( isAutoinc(pToCol) ){
    const DfConstraint *pOld = 0;
    int i;
    for(i=0; i<t->nCons; i++){
      if( keyNeedsAutoinc(pD, &t->aCons[i])==pToCol && isKindOf(&t->aCons[i], "primary key") ){
        pOld = primaryKey(pD->pFrom);
      }
    }
    appendAutoincKeys(pFwd, 0, pCtx, pD, pToCol);
    sqlite3_str_appendall(pBack, pOld ? " DROP PRIMARY KEY, DROP COLUMN " : " DROP COLUMN ");
    appendId(pBack, pToCol->zName);
    if( pOld ){
      sqlite3_str_appendall(pBack, ", ");
      appendAddConstraint(pBack, engineOf(pCtx->pFrom), pOld, pOld->zName, pD->pFrom);
    }
  }else{
    sqlite3_str_appendall(pBack, " DROP COLUMN ");
    appendId(pBack, pToCol->zName);
  }
  if( isOnline(pCtx) && pToCol->zIdentity==0 ) sqlite3_str_appendall(pFwd, ", ALGORITHM=INSTANT");
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, ";\n");
  if( rc ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    return rc;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  if( isOnline(pCtx) && pToCol->zIdentity==0 ){
    pOut->zLock = sqlite3_mprintf("%s", LOCK_INSTANT);
    pOut->nRows = 0;
  }else{
    pOut->zLock = sqlite3_mprintf("instant in MariaDB 10.4+ unless the table"
        " has a FULLTEXT index or the column is AUTO_INCREMENT; else %z",
        copyLock(pD->pFrom));
    pOut->nRows = pToCol->zIdentity ? pD->pFrom->nRows : 0;
  }
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

static int myDropColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                        const DfColumn *pFromCol, DfDdl *pOut, char **pzErr){
  const DfTable *t = pD->pTo, *f = pD->pFrom;
  const char *zEngine = engineOf(pCtx->pFrom);
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc = SQLITE_OK;
  (void)pzErr;
  pOut->bDestructive = 1;
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, t->zSchema, t->zName);
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, t->zSchema, t->zName);
  if( isSoft(pCtx) ){
    char *zQ = quarantineName(pCtx, t->zName, pFromCol->zName);
    if( zQ==0 ) rc = SQLITE_NOMEM;
    sqlite3_str_appendall(pFwd, " CHANGE COLUMN ");
    appendId(pFwd, pFromCol->zName);
    sqlite3_str_appendchar(pFwd, 1, ' ');
    if( rc==SQLITE_OK ){
      rc = appendColumnDef(pFwd, zEngine, f, pFromCol, zQ,
                           CD_NO_IDENTITY|CD_NULLABLE|CD_NO_CHECKS, 0);
    }
    sqlite3_str_appendall(pBack, " CHANGE COLUMN ");
    appendId(pBack, zQ);
    sqlite3_str_appendchar(pBack, 1, ' ');
    if( rc==SQLITE_OK ) rc = appendColumnDef(pBack, zEngine, f, pFromCol, 0, CD_NO_CHECKS, 0);
    pOut->zNote = sqlite3_mprintf("soft drop: the column keeps its values as"
        " %s (nullable) for the rollback (dataflow purge removes it)", zQ);
    pOut->zLock = sqlite3_mprintf("renames and relaxes a column: %z", copyLock(f));
    sqlite3_free(zQ);
  }else{
    sqlite3_str_appendall(pFwd, " DROP COLUMN ");
    appendId(pFwd, pFromCol->zName);
    if( isOnline(pCtx) ) sqlite3_str_appendall(pFwd, ", ALGORITHM=INSTANT");
    sqlite3_str_appendall(pBack, " ADD COLUMN ");
    rc = appendColumnDef(pBack, zEngine, f, pFromCol, 0, CD_NO_CHECKS, 0);
    pOut->zNote = sqlite3_mprintf("soft_drop is off: its values are lost;"
                                  " the rollback restores the column empty");
    pOut->zLock = isOnline(pCtx) ? sqlite3_mprintf("%s", LOCK_INSTANT) : copyLock(f);
  }
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, ";\n");
  pOut->nRows = f->nRows;
  if( rc ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    return rc;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  if( rc==SQLITE_OK && (pOut->zLock==0 || pOut->zNote==0) ) rc = SQLITE_NOMEM;
  return rc;
}

static int myRenameColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                          const DfColumn *pFromCol, const DfColumn *pToCol,
                          DfDdl *pOut, char **pzErr){
  const DfTable *t = pD->pTo;
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pzErr;
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, t->zSchema, t->zName);
  sqlite3_str_appendall(pFwd, " RENAME COLUMN ");
  appendId(pFwd, pFromCol->zName);
  sqlite3_str_appendall(pFwd, " TO ");
  appendId(pFwd, pToCol->zName);
  if( isOnline(pCtx) ) sqlite3_str_appendall(pFwd, ", ALGORITHM=INSTANT");
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, t->zSchema, t->zName);
  sqlite3_str_appendall(pBack, " RENAME COLUMN ");
  appendId(pBack, pToCol->zName);
  sqlite3_str_appendall(pBack, " TO ");
  appendId(pBack, pFromCol->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = isOnline(pCtx) ? sqlite3_mprintf("%s", LOCK_INSTANT)
                               : sqlite3_mprintf(LOCK_META " (RENAME COLUMN)", t->zName);
  pOut->nRows = 0;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

/* Is the only difference between the two columns their default? */
static int isColumnAlter(const DfChange *c){
  return c->zKind && strcmp(c->zKind, "column")==0 && c->zChange
      && strcmp(c->zChange, DF_CHANGE_ALTER)==0;
}

/*
** The alter changes of pChange's column, in the delta's order: how many
** (*pn), and whether pChange is the first (the return value). The first
** change's step makes them all, with one MODIFY of the whole column (no
** intermediate state, one statement for the journal); the others' steps
** are empty. *pzAttrs lists the attributes ("type, not_null"; OUT: caller
** frees).
*/
static int firstColumnAlter(const DfTableDelta *pD, const DfChange *pChange,
                            int *pn, char **pzAttrs){
  sqlite3_str *s = sqlite3_str_new(0);
  int k, n = 0, bFirst = 1;
  for(k=0; k<pD->nChange; k++){
    const DfChange *c = pD->apChange[k];
    if( !isColumnAlter(c) || c->pToCol!=pChange->pToCol ) continue;
    if( n==0 && c!=pChange ) bFirst = 0;
    sqlite3_str_appendf(s, "%s%s", n ? ", " : "", c->zAttribute ? c->zAttribute : "?");
    n++;
  }
  if( n==0 ) n = 1;             /* a change the delta does not list */
  *pn = n;
  *pzAttrs = sqlite3_str_finish(s);
  return bFirst;
}

/* Only the default of the column changes (and nothing is generated)? */
static int onlyDefaultDiffers(const DfChange *pChange, int nAlter){
  return nAlter==1 && pChange->zAttribute && strcmp(pChange->zAttribute, "default")==0
      && pChange->pFromCol && pChange->pToCol
      && pChange->pFromCol->zGenExpr==0 && pChange->pToCol->zGenExpr==0;
}

/* "ALTER COLUMN `c` SET DEFAULT x" / "DROP DEFAULT" for column c. */
static void appendSetDefault(sqlite3_str *s, const char *zEngine, const DfColumn *c,
                             const char *zName){
  sqlite3_str_appendall(s, "ALTER COLUMN ");
  appendId(s, zName);
  if( c->zDefault || (isMysqlEngine(zEngine) && c->zDefaultNative) ){
    sqlite3_str_appendall(s, " SET DEFAULT ");
    appendDefault(s, zEngine, c);
  }else{
    sqlite3_str_appendall(s, " DROP DEFAULT");
  }
}

/* Generated <-> stored or virtual <-> stored: MariaDB cannot MODIFY it. */
static int generationChanges(const DfColumn *a, const DfColumn *b){
  const char *ka = a->zGenExpr ? (a->zGenKind ? a->zGenKind : "virtual") : "";
  const char *kb = b->zGenExpr ? (b->zGenKind ? b->zGenKind : "virtual") : "";
  return sqlite3_stricmp(ka, kb)!=0;
}

static int myAlterColumn(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                         const DfChange *pChange, DfDdl *pOut, char **pzErr){
  const DfTable *t = pD->pTo, *f = pD->pFrom;
  const DfColumn *pF = pChange->pFromCol, *pT = pChange->pToCol;
  const char *zAttr = pChange->zAttribute ? pChange->zAttribute : "";
  sqlite3_str *pFwd, *pBack;
  int rc = SQLITE_OK, nAlter = 1;
  char *zAttrs = 0;
  (void)pzErr;
  if( !firstColumnAlter(pD, pChange, &nAlter, &zAttrs) ){
    pOut->zNote = sqlite3_mprintf("made by the step that restates %s (%s)",
                                  pT->zName, zAttrs ? zAttrs : "");
    sqlite3_free(zAttrs);
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  if( nAlter>1 ){
    pOut->zNote = sqlite3_mprintf("one MODIFY for every change of %s: %s",
                                  pT->zName, zAttrs ? zAttrs : "");
    zAttr = "";                 /* not a comment-only change */
  }
  sqlite3_free(zAttrs);
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, t->zSchema, t->zName);
  sqlite3_str_appendchar(pFwd, 1, ' ');
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, t->zSchema, t->zName);
  sqlite3_str_appendchar(pBack, 1, ' ');
  if( onlyDefaultDiffers(pChange, nAlter) ){
    appendSetDefault(pFwd, engineOf(pCtx->pTo), pT, pT->zName);
    appendSetDefault(pBack, engineOf(pCtx->pFrom), pF, pT->zName);
    if( isOnline(pCtx) ) sqlite3_str_appendall(pFwd, ", ALGORITHM=INSTANT");
    pOut->zLock = isOnline(pCtx) ? sqlite3_mprintf("%s", LOCK_INSTANT)
                                 : sqlite3_mprintf(LOCK_META " (default only)", t->zName);
    pOut->nRows = 0;
  }else if( generationChanges(pF, pT) ){
    /* Drop and re-add: a generated column is computed, and a stored one
    ** becoming generated loses its values (the diff says destructive). */
    sqlite3_str_appendall(pFwd, "DROP COLUMN ");
    appendId(pFwd, pT->zName);
    sqlite3_str_appendall(pFwd, ", ADD COLUMN ");
    rc = appendColumnDef(pFwd, engineOf(pCtx->pTo), t, pT, 0, 0, f);
    appendPosition(pFwd, pD, pT);
    sqlite3_str_appendall(pBack, "DROP COLUMN ");
    appendId(pBack, pT->zName);
    sqlite3_str_appendall(pBack, ", ADD COLUMN ");
    if( rc==SQLITE_OK ) rc = appendColumnDef(pBack, engineOf(pCtx->pFrom), f, pF, pT->zName, 0, t);
    pOut->zLock = copyLock(f);
    pOut->nRows = f->nRows;
    sqlite3_free(pOut->zNote);
    pOut->zNote = sqlite3_mprintf("MariaDB cannot change how a column is"
        " generated in place: the column is dropped and added again");
  }else{
    /* The whole column, every change at once; a column that becomes
    ** AUTO_INCREMENT gets its new key in the same statement. */
    sqlite3_str_appendall(pFwd, "MODIFY COLUMN ");
    rc = appendColumnDef(pFwd, engineOf(pCtx->pTo), t, pT, 0, 0, f);
    sqlite3_str_appendall(pBack, "MODIFY COLUMN ");
    if( rc==SQLITE_OK ) rc = appendColumnDef(pBack, engineOf(pCtx->pFrom), f, pF, pT->zName, 0, t);
    if( becomesAutoinc(pD, pT) ) appendAutoincKeys(pFwd, pBack, pCtx, pD, pT);
    if( strcmp(zAttr, "comment")==0 && isOnline(pCtx) ){
      sqlite3_str_appendall(pFwd, ", ALGORITHM=INSTANT");
      pOut->zLock = sqlite3_mprintf("%s", LOCK_INSTANT);
      pOut->nRows = 0;
    }else if( strcmp(zAttr, "comment")==0 ){
      pOut->zLock = sqlite3_mprintf(LOCK_META " (comment only)", t->zName);
      pOut->nRows = 0;
    }else{
      pOut->zLock = copyLock(f);
      pOut->nRows = f->nRows;
    }
  }
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, ";\n");
  if( rc ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    return rc;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

/* ---------------------------------------------------------------------------
** Constraints
*/

/* Do two foreign keys say the same thing? */
static int fkSame(const DfConstraint *a, const DfConstraint *b){
  return a->zRefTable && b->zRefTable
      && sqlite3_stricmp(a->zColumns ? a->zColumns : "", b->zColumns ? b->zColumns : "")==0
      && sqlite3_stricmp(a->zRefTable, b->zRefTable)==0
      && sqlite3_stricmp(a->zRefColumns ? a->zRefColumns : "", b->zRefColumns ? b->zRefColumns : "")==0
      && sqlite3_stricmp(a->zOnDelete ? a->zOnDelete : "", b->zOnDelete ? b->zOnDelete : "")==0
      && sqlite3_stricmp(a->zOnUpdate ? a->zOnUpdate : "", b->zOnUpdate ? b->zOnUpdate : "")==0;
}

/* Does foreign key k of the FROM table survive into t (by name when
** declared, else by content)? */
static int fkSurvives(const DfTable *t, const DfConstraint *k){
  int i;
  for(i=0; t && i<t->nCons; i++){
    const DfConstraint *x = &t->aCons[i];
    if( x->zRefTable==0 ) continue;
    if( !k->bGenName && !x->bGenName ){
      if( sqlite3_stricmp(x->zName, k->zName)==0 && fkSame(x, k) ) return 1;
    }else if( fkSame(x, k) ){
      return 1;
    }
  }
  return 0;
}

/* Is index x of the FROM table also in t, same name and keys? */
static int indexSurvives(const DfTable *t, const DfIndex *x){
  int i;
  for(i=0; t && i<t->nIdx; i++){
    if( sqlite3_stricmp(t->aIdx[i].zName, x->zName)==0
     && sqlite3_stricmp(t->aIdx[i].zKeys ? t->aIdx[i].zKeys : "", x->zKeys ? x->zKeys : "")==0 ){
      return 1;
    }
  }
  return 0;
}

/* Do the first columns of index x equal the columns of foreign key k? */
static int indexServesFk(const DfIndex *x, const DfConstraint *k){
  char **azK = 0;
  DfJson *pArr;
  int nK = dfJsonStrings(k->zColumns, &azK), i, bOk = nK>0;
  pArr = dfJsonParse(x->zKeys ? x->zKeys : "[]", 0);
  if( pArr==0 || pArr->eType!=DF_JSON_ARRAY || pArr->nChild<nK ) bOk = 0;
  for(i=0; bOk && i<nK; i++){
    DfJson *v = dfJsonGet(&pArr->aChild[i], "column");
    if( v==0 || v->eType!=DF_JSON_STRING || sqlite3_stricmp(v->zText, azK[i])!=0
     || dfJsonGet(&pArr->aChild[i], "length") ) bOk = 0;
  }
  dfJsonFree(pArr);
  if( nK>0 ) dfJsonFreeStrings(nK, azK);
  return bOk;
}

/* The foreign key of f that index x backs and that is dropped along with it
** (x goes too, and no other index or key of f serves that foreign key): the
** index must go in that foreign key's step, after it. NULL when none. */
static const DfConstraint *fkDroppedWithIndex(const DfTable *f, const DfTable *t,
                                              const DfIndex *x){
  int i, j;
  if( f==0 || indexSurvives(t, x) ) return 0;
  for(i=0; i<f->nCons; i++){
    const DfConstraint *k = &f->aCons[i];
    int bOther = 0;
    if( k->zRefTable==0 || fkSurvives(t, k) || !indexServesFk(x, k) ) continue;
    for(j=0; j<f->nIdx && !bOther; j++){
      if( &f->aIdx[j]!=x && indexSurvives(t, &f->aIdx[j]) && indexServesFk(&f->aIdx[j], k) ) bOther = 1;
    }
    if( !bOther ) return k;
  }
  return 0;
}

/* Do the first names of the JSON list zCols equal the columns of FK k? */
static int colsServeFk(const char *zCols, const DfConstraint *k){
  char **azK = 0, **azC = 0;
  int nK = dfJsonStrings(k->zColumns, &azK);
  int nC = dfJsonStrings(zCols, &azC), i, bOk = nK>0 && nC>=nK;
  for(i=0; bOk && i<nK; i++) bOk = sqlite3_stricmp(azK[i], azC[i])==0;
  if( nK>0 ) dfJsonFreeStrings(nK, azK);
  if( nC>0 ) dfJsonFreeStrings(nC, azC);
  return bOk;
}

/* Is c a primary key or unique key whose columns start with FK k's? */
static int consServesFk(const DfConstraint *c, const DfConstraint *k){
  return (isKindOf(c, "primary key") || isKindOf(c, "unique"))
      && colsServeFk(c->zColumns, k);
}

/* Is key constraint c of one table also in t (same kind and columns)? */
static int keySurvives(const DfTable *t, const DfConstraint *c){
  int i;
  for(i=0; t && i<t->nCons; i++){
    const DfConstraint *x = &t->aCons[i];
    if( sqlite3_stricmp(x->zKind, c->zKind)==0
     && sqlite3_stricmp(x->zColumns ? x->zColumns : "", c->zColumns ? c->zColumns : "")==0 ){
      return 1;
    }
  }
  return 0;
}

/*
** Index x of f goes, but the foreign key k it serves stays, and nothing
** else of f that stays serves k: MySQL refuses to drop x before a
** replacement exists. The replacement is the first new index (*ppIdx) or
** new key (*ppCons) of t that serves k; the step that creates it drops x in
** the same statement, and x's own drop step is empty. Both NULL when x
** needs no such care.
*/
static void findReplacement(const DfTable *f, const DfTable *t, const DfIndex *x,
                            const DfIndex **ppIdx, const DfConstraint **ppCons){
  int i, j;
  *ppIdx = 0;
  *ppCons = 0;
  if( f==0 || t==0 || indexSurvives(t, x) ) return;
  for(i=0; i<f->nCons; i++){
    const DfConstraint *k = &f->aCons[i];
    int bOther = 0;
    if( k->zRefTable==0 || !fkSurvives(t, k) || !indexServesFk(x, k) ) continue;
    for(j=0; j<f->nIdx && !bOther; j++){
      if( &f->aIdx[j]!=x && indexSurvives(t, &f->aIdx[j]) && indexServesFk(&f->aIdx[j], k) ) bOther = 1;
    }
    for(j=0; j<f->nCons && !bOther; j++){
      if( consServesFk(&f->aCons[j], k) && keySurvives(t, &f->aCons[j]) ) bOther = 1;
    }
    if( bOther ) continue;
    for(j=0; j<t->nIdx; j++){
      if( !indexSurvives(f, &t->aIdx[j]) && indexServesFk(&t->aIdx[j], k) ){
        *ppIdx = &t->aIdx[j];
        return;
      }
    }
    for(j=0; j<t->nCons; j++){
      if( consServesFk(&t->aCons[j], k) && !keySurvives(f, &t->aCons[j]) ){
        *ppCons = &t->aCons[j];
        return;
      }
    }
    /* Nothing in TO replaces it (TO came from an engine that needs no
    ** index behind a foreign key): it must stay. */
    *ppCons = k;
    return;
  }
}

/* The FROM and TO versions of table pTab (looked up by its name). */
static void tablePair(const DfDialectCtx *pCtx, const DfTable *pTab,
                      const DfTable **ppF, const DfTable **ppT){
  *ppF = pCtx->pFrom ? dfCatalogFindTable(pCtx->pFrom, pTab->zSchema, pTab->zName) : 0;
  *ppT = pCtx->pTo ? dfCatalogFindTable(pCtx->pTo, pTab->zSchema, pTab->zName) : 0;
}

/*
** The indexes of f that the new index pIdx or new key pCons of t replaces
** (see findReplacement): ", DROP INDEX `x`" into pFwd and "ADD INDEX `x`
** (...), " into pBack (pBack may be NULL).
*/
static void appendReplaced(sqlite3_str *pFwd, sqlite3_str *pBack,
                           const DfDialectCtx *pCtx, const DfTable *f,
                           const DfTable *t, const DfIndex *pIdx,
                           const DfConstraint *pCons){
  int i;
  for(i=0; f && i<f->nIdx; i++){
    const DfIndex *y = 0;
    const DfConstraint *c = 0;
    findReplacement(f, t, &f->aIdx[i], &y, &c);
    if( (pIdx && y==pIdx) || (pCons && c==pCons) ){
      sqlite3_str_appendall(pFwd, ", DROP INDEX ");
      appendId(pFwd, f->aIdx[i].zName);
      if( pBack ){
        appendAddIndex(pBack, pCtx, engineOf(pCtx->pFrom), &f->aIdx[i]);
        sqlite3_str_appendall(pBack, ", ");
      }
    }
  }
}

static int myAddConstraint(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                           const DfConstraint *k, DfDdl *pOut, char **pzErr){
  const DfTable *t = pD->pTo, *f = pD->pFrom;
  const char *zEngine = engineOf(pCtx->pTo);
  sqlite3_str *pFwd, *pBack;
  char *zName;
  const DfConstraint *pOldPk = 0;
  int i, rc;
  (void)pzErr;
  {
    const DfColumn *c = keyNeedsAutoinc(pD, k);
    if( c ){
      pOut->zNote = sqlite3_mprintf("added by the step that makes %s"
                                    " AUTO_INCREMENT (MySQL wants both at once)", c->zName);
      return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
    }
  }
  zName = constraintName(pD, t->zName, k);
  if( zName==0 ) return SQLITE_NOMEM;
  for(i=0; f && isKindOf(k, "primary key") && i<f->nCons; i++){
    if( isKindOf(&f->aCons[i], "primary key") ) pOldPk = &f->aCons[i];
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, t->zSchema, t->zName);
  sqlite3_str_appendchar(pFwd, 1, ' ');
  if( pOldPk ) sqlite3_str_appendall(pFwd, "DROP PRIMARY KEY, ");
  appendAddConstraint(pFwd, zEngine, k, zName, t);
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, t->zSchema, t->zName);
  sqlite3_str_appendchar(pBack, 1, ' ');
  if( f && k->zRefTable==0 ) appendReplaced(pFwd, pBack, pCtx, f, t, 0, k);
  if( pOldPk ){
    /* Columns of the old key that the new one leaves out and that become
    ** nullable: MySQL kept them NOT NULL while they were keyed (the
    ** column step ran before this one), so they are restated here. */
    char **az = 0;
    int n = dfJsonStrings(pOldPk->zColumns, &az), j;
    for(j=0; j<n; j++){
      const DfColumn *c = findColumn(t, az[j]);
      if( c==0 || c->bNotNull || jsonHasName(k->zColumns, c->zName) ) continue;
      sqlite3_str_appendall(pFwd, ", MODIFY COLUMN ");
      appendColumnDef(pFwd, zEngine, t, c, 0, 0, f);
    }
    if( n>0 ) dfJsonFreeStrings(n, az);
  }
  sqlite3_str_appendall(pFwd, ";\n");
  appendDropConstraint(pBack, k, zName);
  if( pOldPk ){
    sqlite3_str_appendall(pBack, ", ");
    appendAddConstraint(pBack, engineOf(pCtx->pFrom), pOldPk, pOldPk->zName, f);
  }
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut);
  if( k->zRefTable ){
    pOut->zLock = sqlite3_mprintf("checks every row of %s against %s; %z",
                                  t->zName, k->zRefTable, copyLock(f ? f : t));
  }else if( isKindOf(k, "check") ){
    pOut->zLock = sqlite3_mprintf("checks every row; %z", copyLock(f ? f : t));
  }else if( isOnline(pCtx) && !pOldPk ){
    pOut->zLock = sqlite3_mprintf("%s", LOCK_INPLACE);
  }else{
    pOut->zLock = copyLock(f ? f : t);
  }
  pOut->nRows = f ? f->nRows : 0;
  if( pOldPk ){
    pOut->zNote = sqlite3_mprintf("the old primary key is dropped in the same"
        " statement: MySQL keeps the table keyed (AUTO_INCREMENT needs it)");
  }
  sqlite3_free(zName);
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

static int myDropConstraint(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                            const DfConstraint *k, DfDdl *pOut, char **pzErr){
  const DfTable *t = pD->pTo, *f = pD->pFrom;
  const char *zEngine = engineOf(pCtx->pFrom);
  sqlite3_str *pFwd, *pBack;
  const DfIndex *aGo[16];
  int nGo = 0, i, rc;
  (void)pzErr;
  if( isKindOf(k, "primary key") ){
    for(i=0; t && i<t->nCons; i++){
      if( isKindOf(&t->aCons[i], "primary key") ){
        pOut->zNote = sqlite3_mprintf("dropped by the step that adds the new"
                                      " primary key");
        return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
      }
    }
  }
  if( k->zRefTable ){
    for(i=0; i<f->nIdx && nGo<16; i++){
      if( fkDroppedWithIndex(f, t, &f->aIdx[i])==k ) aGo[nGo++] = &f->aIdx[i];
    }
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  /* The drop-constraint phase runs before table renames: the old name. */
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, f->zSchema, f->zName);
  sqlite3_str_appendchar(pFwd, 1, ' ');
  appendAutoincRelease(pFwd, 0, pCtx, pD, k);
  if( isColumnCheck(f, k) ){
    /* MariaDB cannot DROP CONSTRAINT a column-level check: the column is
    ** restated without it. */
    sqlite3_str_appendall(pFwd, "MODIFY COLUMN ");
    appendColumnDefX(pFwd, zEngine, f, findColumn(f, k->zName), 0, 0, 0, k);
  }else{
    appendDropConstraint(pFwd, k, k->zName);
  }
  for(i=0; i<nGo; i++){
    sqlite3_str_appendall(pFwd, ", DROP INDEX ");
    appendId(pFwd, aGo[i]->zName);
  }
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, f->zSchema, f->zName);
  sqlite3_str_appendchar(pBack, 1, ' ');
  if( isColumnCheck(f, k) ){
    /* A column-level check comes back inside its column. */
    const DfColumn *c = findColumn(f, k->zName);
    sqlite3_str_appendall(pBack, "MODIFY COLUMN ");
    appendColumnDef(pBack, zEngine, f, c, 0, 0, 0);
  }else{
    for(i=0; i<nGo; i++){
      appendAddIndex(pBack, pCtx, zEngine, aGo[i]);
      sqlite3_str_appendall(pBack, ", ");
    }
    appendAddConstraint(pBack, zEngine, k, k->zName, f);
    {
      sqlite3_str *pIgnore = sqlite3_str_new(0);
      appendAutoincRelease(pIgnore, pBack, pCtx, pD, k);
      sqlite3_free(sqlite3_str_finish(pIgnore));
    }
  }
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_META, f->zName);
  pOut->nRows = 0;
  if( nGo ){
    pOut->zNote = sqlite3_mprintf("also drops the index %s that only served"
                                  " this foreign key (MySQL refuses to drop it first)",
                                  aGo[0]->zName);
  }
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

/* ---------------------------------------------------------------------------
** Indexes
*/

static void indexLock(const DfDialectCtx *pCtx, const DfTable *pTab,
                      const DfIndex *x, sqlite3_str *pFwd, DfDdl *pOut){
  int bShared = isMethod(x, "fulltext") || isMethod(x, "spatial");
  if( isOnline(pCtx) ){
    sqlite3_str_appendall(pFwd, bShared ? ", ALGORITHM=INPLACE, LOCK=SHARED"
                                        : ", ALGORITHM=INPLACE, LOCK=NONE");
    pOut->zLock = sqlite3_mprintf("%s", bShared ? LOCK_INPLACE_SHARED : LOCK_INPLACE);
  }else{
    pOut->zLock = sqlite3_mprintf("builds the index over %s (%lld rows); MariaDB"
        " builds in place, %s", pTab->zName, pTab->nRows,
        bShared ? "writes wait" : "reads and writes continue");
  }
  pOut->nRows = pTab->nRows;
}

static int myCreateIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                         const DfIndex *x, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  const DfTable *f, *t;
  tablePair(pCtx, pTab, &f, &t);
  if( isPrimaryIndex(x) && f==0 ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    pOut->zNote = sqlite3_mprintf("the primary key is part of CREATE TABLE");
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, pTab->zSchema, pTab->zName);
  sqlite3_str_appendchar(pFwd, 1, ' ');
  rc = appendAddIndex(pFwd, pCtx, engineOf(pCtx->pTo), x);
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, pTab->zSchema, pTab->zName);
  sqlite3_str_appendchar(pBack, 1, ' ');
  if( t && t->aIdx<=x && x<t->aIdx+t->nIdx ) appendReplaced(pFwd, pBack, pCtx, f, t, x, 0);
  indexLock(pCtx, pTab, x, pFwd, pOut);
  sqlite3_str_appendall(pFwd, ";\n");
  appendDropIndex(pBack, x);
  sqlite3_str_appendall(pBack, ";\n");
  if( rc ){
    *pzErr = sqlite3_mprintf("migration_plan: index %s has unreadable keys %s",
                             x->zName, x->zKeys ? x->zKeys : "NULL");
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    return SQLITE_ERROR;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

static int myDropIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                       const DfIndex *x, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd, *pBack;
  const DfTable *f = 0, *t = 0;
  int rc;
  if( pCtx->pFrom ) f = dfCatalogFindTable(pCtx->pFrom, pTab->zSchema, pTab->zName);
  if( pCtx->pTo ) t = dfCatalogFindTable(pCtx->pTo, pTab->zSchema, pTab->zName);
  if( f && f->aIdx<=x && x<f->aIdx+f->nIdx && t && fkDroppedWithIndex(f, t, x) ){
    pOut->zNote = sqlite3_mprintf("dropped by the step that drops the foreign"
                                  " key it serves");
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  if( f && f->aIdx<=x && x<f->aIdx+f->nIdx && t ){
    const DfIndex *y = 0;
    const DfConstraint *c = 0;
    findReplacement(f, t, x, &y, &c);
    if( c && c->zRefTable ){
      pOut->zNote = sqlite3_mprintf("kept: MySQL needs an index behind the"
          " foreign key %s, and the target has no other", c->zName);
      return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
    }
    if( y || c ){
      pOut->zNote = sqlite3_mprintf("dropped by the step that creates %s, which"
          " takes over its foreign key (MySQL refuses to drop it first)",
          y ? y->zName : c->zName);
      return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
    }
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, pTab->zSchema, pTab->zName);
  sqlite3_str_appendchar(pFwd, 1, ' ');
  appendDropIndex(pFwd, x);
  if( isOnline(pCtx) ) sqlite3_str_appendall(pFwd, ", ALGORITHM=INPLACE, LOCK=NONE");
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, pTab->zSchema, pTab->zName);
  sqlite3_str_appendchar(pBack, 1, ' ');
  rc = appendAddIndex(pBack, pCtx, engineOf(pCtx->pFrom), x);
  sqlite3_str_appendall(pBack, ";\n");
  if( rc ){
    *pzErr = sqlite3_mprintf("migration_plan: index %s has unreadable keys %s",
                             x->zName, x->zKeys ? x->zKeys : "NULL");
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    return SQLITE_ERROR;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = isOnline(pCtx) ? sqlite3_mprintf("%s", LOCK_INPLACE)
                               : sqlite3_mprintf(LOCK_META " (DROP INDEX)", pTab->zName);
  pOut->nRows = 0;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

static int myRenameIndex(const DfDialectCtx *pCtx, const DfTable *pTab,
                         const DfIndex *pFromIdx, const DfIndex *pToIdx,
                         DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, pTab->zSchema, pTab->zName);
  sqlite3_str_appendall(pFwd, " RENAME INDEX ");
  appendId(pFwd, pFromIdx->zName);
  sqlite3_str_appendall(pFwd, " TO ");
  appendId(pFwd, pToIdx->zName);
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, pTab->zSchema, pTab->zName);
  sqlite3_str_appendall(pBack, " RENAME INDEX ");
  appendId(pBack, pToIdx->zName);
  sqlite3_str_appendall(pBack, " TO ");
  appendId(pBack, pFromIdx->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_META " (RENAME INDEX)", pTab->zName);
  pOut->nRows = 0;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

/* ---------------------------------------------------------------------------
** Views and triggers
*/

/* CREATE VIEW for v of a snapshot of engine zEngine. */
static void appendCreateView(sqlite3_str *s, const char *zEngine, const DfView *v){
  DfJson *p = v->zOptions ? dfJsonParse(v->zOptions, 0) : 0;
  DfJson *pAlg = dfJsonGet(p, "algorithm"), *pSec = dfJsonGet(p, "security");
  DfJson *pChk = dfJsonGet(p, "check_option");
  sqlite3_str_appendall(s, "CREATE ");
  if( pAlg && pAlg->zText ) sqlite3_str_appendf(s, "ALGORITHM=%s ", pAlg->zText);
  if( pSec && pSec->zText ) sqlite3_str_appendf(s, "SQL SECURITY %s ", pSec->zText);
  sqlite3_str_appendall(s, "VIEW ");
  appendName(s, v->zSchema, v->zName);
  sqlite3_str_appendall(s, " AS ");
  if( isMysqlEngine(zEngine) && v->zDefNative ){
    sqlite3_str_appendall(s, v->zDefNative);
  }else{
    appendExpr(s, zEngine, v->zDef);
  }
  if( pChk && pChk->zText ) sqlite3_str_appendf(s, " WITH %s CHECK OPTION", pChk->zText);
  sqlite3_str_appendall(s, ";\n");
  dfJsonFree(p);
}

static int myCreateView(const DfDialectCtx *pCtx, const DfView *pTo,
                        DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pzErr;
  if( pTo->zKind && sqlite3_stricmp(pTo->zKind, "view")!=0 ){
    *pzErr = sqlite3_mprintf("migration_plan: mysql has no %s views (%s)",
                             pTo->zKind, pTo->zName);
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    return SQLITE_ERROR;
  }
  appendCreateView(pFwd, engineOf(pCtx->pTo), pTo);
  sqlite3_str_appendall(pBack, "DROP VIEW ");
  appendName(pBack, pTo->zSchema, pTo->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf("none (a view holds no rows)");
  pOut->nRows = 0;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

static int myDropView(const DfDialectCtx *pCtx, const DfView *pFrom,
                      DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pzErr;
  sqlite3_str_appendall(pFwd, "DROP VIEW ");
  appendName(pFwd, pFrom->zSchema, pFrom->zName);
  sqlite3_str_appendall(pFwd, ";\n");
  appendCreateView(pBack, engineOf(pCtx->pFrom), pFrom);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf("none (a view holds no rows)");
  pOut->nRows = 0;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

static int myCreateTrigger(const DfDialectCtx *pCtx, const DfTable *pTab,
                           const DfTrigger *pTrig, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  sqlite3_str_appendf(pFwd, "%s;\n", pTrig->zDef);
  sqlite3_str_appendall(pBack, "DROP TRIGGER ");
  appendName(pBack, pTab->zSchema, pTrig->zName);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_META " (CREATE TRIGGER)", pTab->zName);
  pOut->nRows = 0;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

static int myDropTrigger(const DfDialectCtx *pCtx, const DfTable *pTab,
                         const DfTrigger *pTrig, DfDdl *pOut, char **pzErr){
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int rc;
  (void)pCtx; (void)pzErr;
  sqlite3_str_appendall(pFwd, "DROP TRIGGER ");
  appendName(pFwd, pTab->zSchema, pTrig->zName);
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendf(pBack, "%s;\n", pTrig->zDef);
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf(LOCK_META " (DROP TRIGGER)", pTab->zName);
  pOut->nRows = 0;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

/* ---------------------------------------------------------------------------
** One ALTER TABLE for everything
*/

/* Do two constraints say exactly the same, name included (case too)? */
static int consExact(const DfConstraint *a, const DfConstraint *b){
  char *za, *zb;
  int bEq;
  if( strcmp(a->zName, b->zName)!=0 || sqlite3_stricmp(a->zKind, b->zKind)!=0 ) return 0;
  if( sqlite3_stricmp(a->zColumns ? a->zColumns : "", b->zColumns ? b->zColumns : "")!=0 ) return 0;
  if( a->zRefTable || b->zRefTable ) return a->zRefTable && b->zRefTable && fkSame(a, b);
  za = dfExprNormalise(a->zExpr);
  zb = dfExprNormalise(b->zExpr);
  bEq = (za==0 && zb==0) || (za && zb && strcmp(za, zb)==0);
  sqlite3_free(za);
  sqlite3_free(zb);
  return bEq;
}

static int indexExact(const DfIndex *a, const DfIndex *b){
  return strcmp(a->zName, b->zName)==0 && a->bUnique==b->bUnique
      && sqlite3_stricmp(a->zMethod ? a->zMethod : "btree", b->zMethod ? b->zMethod : "btree")==0
      && strcmp(a->zKeys ? a->zKeys : "", b->zKeys ? b->zKeys : "")==0
      && strcmp(a->zOptions ? a->zOptions : "", b->zOptions ? b->zOptions : "")==0
      && strcmp(a->zComment ? a->zComment : "", b->zComment ? b->zComment : "")==0;
}

/* Does a hold a constraint exactly like k / an index exactly like x? */
static int hasExactCons(const DfTable *a, const DfConstraint *k){
  int i;
  for(i=0; a && i<a->nCons; i++) if( consExact(&a->aCons[i], k) ) return 1;
  return 0;
}
static int hasExactIndex(const DfTable *a, const DfIndex *x){
  int i;
  for(i=0; a && i<a->nIdx; i++) if( indexExact(&a->aIdx[i], x) ) return 1;
  return 0;
}

/* The column-level checks of column c of t, as one comparable text. */
static char *columnChecks(const DfTable *t, const DfColumn *c){
  sqlite3_str *s = sqlite3_str_new(0);
  int i;
  for(i=0; t && c && i<t->nCons; i++){
    const DfConstraint *k = &t->aCons[i];
    char *z;
    if( !isColumnCheck(t, k) || sqlite3_stricmp(k->zName, c->zName)!=0 ) continue;
    z = dfExprNormalise(k->zExpr);
    sqlite3_str_appendf(s, "%s;", z ? z : "");
    sqlite3_free(z);
  }
  return sqlite3_str_finish(s);
}

/*
** The clauses that turn table a (engine zEa) into table b (engine zEb) in
** one ALTER TABLE, into s, comma-separated. aiSrc maps each b column to
** its a column (-1: new). Dropped columns become quarantine columns when
** bSoft (zTable names the table for their names), or come back from them
** when bBack (the rollback of that). Returns the number of clauses.
*/
static int appendRebuildClauses(sqlite3_str *s, const DfDialectCtx *pCtx,
                                const DfTable *a, const char *zEa,
                                const DfTable *b, const char *zEb,
                                const int *aiSrc, const char *zTable,
                                int bSoft, int bBack){
  int i, j, n = 0;
  DfTableDelta d;
  memset(&d, 0, sizeof(d));
  d.pFrom = (DfTable*)a; d.pTo = (DfTable*)b; d.aiSrc = (int*)aiSrc;
  /* 1. constraints and indexes that go or change */
  for(i=0; i<a->nCons; i++){
    const DfConstraint *k = &a->aCons[i];
    if( isColumnCheck(a, k) || hasExactCons(b, k) ) continue;
    sqlite3_str_appendall(s, n++ ? ", " : " ");
    appendDropConstraint(s, k, k->zName);
  }
  for(i=0; i<a->nIdx; i++){
    if( hasExactIndex(b, &a->aIdx[i]) ) continue;
    sqlite3_str_appendall(s, n++ ? ", " : " ");
    appendDropIndex(s, &a->aIdx[i]);
  }
  /* 2. columns: dropped (or quarantined), changed or renamed, added */
  for(i=0; i<a->nCol; i++){
    const DfColumn *c = &a->aCol[i];
    int bKept = 0;
    for(j=0; j<b->nCol; j++) if( aiSrc[j]==i ) bKept = 1;
    if( bKept ) continue;
    if( bBack ){
      continue;           /* a quarantine column: b brings it back below */
    }
    sqlite3_str_appendall(s, n++ ? ", " : " ");
    if( bSoft ){
      char *zQ = quarantineName(pCtx, zTable, c->zName);
      sqlite3_str_appendall(s, "CHANGE COLUMN ");
      appendId(s, c->zName);
      sqlite3_str_appendchar(s, 1, ' ');
      appendColumnDef(s, zEa, a, c, zQ, CD_NO_IDENTITY|CD_NULLABLE|CD_NO_CHECKS, 0);
      sqlite3_free(zQ);
    }else{
      sqlite3_str_appendall(s, "DROP COLUMN ");
      appendId(s, c->zName);
    }
  }
  for(j=0; j<b->nCol; j++){
    const DfColumn *c = &b->aCol[j];
    if( aiSrc[j]<0 ){
      sqlite3_str_appendall(s, n++ ? ", " : " ");
      if( bBack && bSoft ){
        char *zQ = quarantineName(pCtx, zTable, c->zName);
        sqlite3_str_appendall(s, "CHANGE COLUMN ");
        appendId(s, zQ);
        sqlite3_str_appendchar(s, 1, ' ');
        sqlite3_free(zQ);
      }else{
        sqlite3_str_appendall(s, "ADD COLUMN ");
      }
      appendColumnDef(s, zEb, b, c, 0, 0, 0);
    }else{
      const DfColumn *o = &a->aCol[aiSrc[j]];
      sqlite3_str *x = sqlite3_str_new(0), *y = sqlite3_str_new(0);
      char *zx, *zy, *cx, *cy;
      int bSame;
      appendColumnDef(x, zEa, a, o, c->zName, CD_NO_CHECKS, 0);
      appendColumnDef(y, zEb, b, c, 0, CD_NO_CHECKS, 0);
      zx = sqlite3_str_finish(x);
      zy = sqlite3_str_finish(y);
      cx = columnChecks(a, o);
      cy = columnChecks(b, c);
      bSame = zx && zy && strcmp(zx, zy)==0 && strcmp(o->zName, c->zName)==0
           && cx && cy && strcmp(cx, cy)==0;
      sqlite3_free(zx); sqlite3_free(zy); sqlite3_free(cx); sqlite3_free(cy);
      if( bSame ) continue;
      sqlite3_str_appendall(s, n++ ? ", " : " ");
      sqlite3_str_appendall(s, "CHANGE COLUMN ");
      appendId(s, o->zName);
      sqlite3_str_appendchar(s, 1, ' ');
      appendColumnDef(s, zEb, b, c, 0, 0, 0);
    }
  }
  /* 3. constraints and indexes that come or change */
  for(i=0; i<b->nCons; i++){
    const DfConstraint *k = &b->aCons[i];
    char *zName;
    if( isColumnCheck(b, k) || hasExactCons(a, k) ) continue;
    zName = constraintName(&d, b->zName, k);
    sqlite3_str_appendall(s, n++ ? ", " : " ");
    appendAddConstraint(s, zEb, k, zName ? zName : k->zName, b);
    sqlite3_free(zName);
  }
  for(i=0; i<b->nIdx; i++){
    if( hasExactIndex(a, &b->aIdx[i]) ) continue;
    sqlite3_str_appendall(s, n++ ? ", " : " ");
    appendAddIndex(s, pCtx, zEb, &b->aIdx[i]);
  }
  /* 4. table options and comment */
  {
    sqlite3_str *o = sqlite3_str_new(0);
    char *z;
    if( appendOptionsChange(o, zEb, a, b)==SQLITE_OK ){
      z = sqlite3_str_finish(o);
      sqlite3_str_appendf(s, "%s%s", n++ ? ", " : " ", z ? z : "");
      sqlite3_free(z);
    }else{
      sqlite3_free(sqlite3_str_finish(o));
    }
  }
  if( strcmp(a->zComment ? a->zComment : "", b->zComment ? b->zComment : "")!=0 ){
    sqlite3_str_appendall(s, n++ ? ", COMMENT=" : " COMMENT=");
    appendLiteral(s, b->zComment ? b->zComment : "");
  }
  return n;
}

/*
** The planner's fallback (a constraint renamed, or differing only in the
** case of its name): MySQL alters everything in place anyway, so the
** "rebuild" is ONE ALTER TABLE with every change of the table, and its
** rollback the ALTER TABLE back.
*/
static int myRebuildTable(const DfDialectCtx *pCtx, const DfTableDelta *pD,
                          DfDdl *pOut, char **pzErr){
  const DfTable *f = pD->pFrom, *t = pD->pTo;
  sqlite3_str *pFwd = sqlite3_str_new(0), *pBack = sqlite3_str_new(0);
  int *aiBack = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)(f->nCol + 1));
  int i, j, n, nDropped = 0, rc;
  (void)pzErr;
  if( aiBack==0 ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    return SQLITE_NOMEM;
  }
  for(i=0; i<f->nCol; i++){
    aiBack[i] = -1;
    for(j=0; j<t->nCol; j++) if( pD->aiSrc[j]==i ) aiBack[i] = j;
    if( aiBack[i]<0 ) nDropped++;
  }
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, t->zSchema, t->zName);
  n = appendRebuildClauses(pFwd, pCtx, f, engineOf(pCtx->pFrom), t,
                           engineOf(pCtx->pTo), pD->aiSrc, t->zName, isSoft(pCtx), 0);
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, t->zSchema, t->zName);
  appendRebuildClauses(pBack, pCtx, t, engineOf(pCtx->pTo), f,
                       engineOf(pCtx->pFrom), aiBack, t->zName, isSoft(pCtx), 1);
  sqlite3_str_appendall(pBack, ";\n");
  sqlite3_free(aiBack);
  if( n==0 ){
    sqlite3_free(sqlite3_str_finish(pFwd));
    sqlite3_free(sqlite3_str_finish(pBack));
    pOut->zNote = sqlite3_mprintf("nothing MySQL would write differs");
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->bDestructive = nDropped>0;
  pOut->zLock = copyLock(f);
  pOut->nRows = f->nRows;
  pOut->zNote = sqlite3_mprintf("MySQL alters in place: one ALTER TABLE makes"
                                " every change of %s", t->zName);
  if( rc==SQLITE_OK && (pOut->zLock==0 || pOut->zNote==0) ) rc = SQLITE_NOMEM;
  return rc;
}

/* An index comment: MySQL has no ALTER for it, so the index is dropped
** and added again in one statement. Views have no comments in MySQL. */
static int myComment(const DfDialectCtx *pCtx, const DfChange *pChange,
                     DfDdl *pOut, char **pzErr){
  const DfIndex *x = pChange->pFromIdx, *y = pChange->pToIdx;
  const DfTable *t = pChange->pToTab;
  sqlite3_str *pFwd, *pBack;
  int rc;
  (void)pzErr;
  if( x==0 || y==0 || t==0 ){
    pOut->zNote = sqlite3_mprintf("MySQL views have no comments");
    return pOut->zNote ? SQLITE_OK : SQLITE_NOMEM;
  }
  pFwd = sqlite3_str_new(0);
  pBack = sqlite3_str_new(0);
  sqlite3_str_appendall(pFwd, "ALTER TABLE ");
  appendName(pFwd, t->zSchema, t->zName);
  sqlite3_str_appendchar(pFwd, 1, ' ');
  appendDropIndex(pFwd, x);
  sqlite3_str_appendall(pFwd, ", ");
  appendAddIndex(pFwd, pCtx, engineOf(pCtx->pTo), y);
  sqlite3_str_appendall(pFwd, ";\n");
  sqlite3_str_appendall(pBack, "ALTER TABLE ");
  appendName(pBack, t->zSchema, t->zName);
  sqlite3_str_appendchar(pBack, 1, ' ');
  appendDropIndex(pBack, y);
  sqlite3_str_appendall(pBack, ", ");
  appendAddIndex(pBack, pCtx, engineOf(pCtx->pFrom), x);
  sqlite3_str_appendall(pBack, ";\n");
  rc = finishDdl(pFwd, pBack, pOut);
  pOut->zLock = sqlite3_mprintf("rebuilds the index %s of %s (%lld rows)",
                                y->zName, t->zName, t->nRows);
  pOut->nRows = t->nRows;
  return rc ? rc : (pOut->zLock ? SQLITE_OK : SQLITE_NOMEM);
}

const DfDialect dfDialectMysql = {
  "mysql",                /* zName */
  0,                      /* bInlineForeignKeys: FKs are steps of their own */
  myQuote,                /* xQuote: `doubled backquotes` */
  myCreateTable,          /* xCreateTable */
  myDropTable,            /* xDropTable: RENAME TO quarantine when soft */
  myRenameTable,          /* xRenameTable: RENAME TABLE */
  myAlterTable,           /* xAlterTable: options, comment */
  myAddColumn,            /* xAddColumn */
  myDropColumn,           /* xDropColumn: CHANGE to quarantine name when soft */
  myRenameColumn,         /* xRenameColumn: RENAME COLUMN (MariaDB 10.5+) */
  myAlterColumn,          /* xAlterColumn: MODIFY with every attribute */
  myAddConstraint,        /* xAddConstraint */
  myDropConstraint,       /* xDropConstraint */
  myRebuildTable,         /* xRebuildTable: one ALTER TABLE for everything */
  myCreateIndex,          /* xCreateIndex */
  myDropIndex,            /* xDropIndex */
  myRenameIndex,          /* xRenameIndex: RENAME INDEX (MariaDB 10.5.2+) */
  myCreateView,           /* xCreateView */
  myDropView,             /* xDropView */
  myCreateTrigger,        /* xCreateTrigger */
  myDropTrigger,          /* xDropTrigger */
  0,                      /* xEnum: MySQL enums live in their columns */
  0,                      /* xSequence: not planned for MySQL */
  myComment,              /* xComment: index comments (drop and add) */
};
