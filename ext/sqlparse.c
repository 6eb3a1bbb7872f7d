/*
** sqlparse.c — a small scanner for SQLite-syntax DDL (see sqlparse.h).
**
** Usage (from C, inside the extension):
**
**   DfSqlTable *t = 0; char *zErr = 0;
**   if( dfSqlParseCreateTable(zCreateText, &t, &zErr)==SQLITE_OK ){
**     for(i=0; i<t->nCons; i++){ ... t->aCons[i].zExpr ... }
**     dfSqlTableFree(t);
**   }
**
** HOW IT WORKS
**
** dfSqlToken() follows SQLite's own tokenizer (tokenize.c) closely enough
** for DDL: the four identifier quotings, '' escapes in strings, comments,
** numbers, blobs, variables and multi-byte operators. A parse first turns
** the whole text into an array of significant tokens (whitespace and
** comments dropped, byte offsets kept), so the walkers can look ahead and
** cut raw text spans (a CHECK expression is the original text between its
** parentheses, comments and spacing included; normalisation is someone
** else's job).
**
** The walkers assume SQLite has already accepted the text (it comes from
** sqlite_schema, or was just executed by SQLite): they find clause
** boundaries by keyword and balanced parentheses and skip what they do not
** need (ON CONFLICT clauses, ASC on a column PRIMARY KEY, ...). Text that
** does not even have the expected outline gives SQLITE_ERROR with a
** message naming the token where the walk stopped.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "sqlparse.h"

/* ---------------------------------------------------------------- tokens */

/* Characters that may continue a bare identifier (SQLite: IdChar). */
static int dfIsIdChar(unsigned char c){
  return (c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9')
      || c=='_' || c=='$' || c>=0x80;
}
static int dfIsIdStart(unsigned char c){
  return (c>='a' && c<='z') || (c>='A' && c<='Z') || c=='_' || c>=0x80;
}
static int dfIsDigit(unsigned char c){ return c>='0' && c<='9'; }
static int dfIsSpace(unsigned char c){
  return c==' ' || c=='\t' || c=='\n' || c=='\r' || c=='\f' || c=='\v';
}
static int dfIsHex(unsigned char c){
  return dfIsDigit(c) || (c>='a' && c<='f') || (c>='A' && c<='F');
}

int dfSqlToken(const char *zIn, int *peType){
  const unsigned char *z = (const unsigned char*)zIn;
  int i;
  unsigned char c = z[0];
  if( c==0 ){ *peType = DF_TK_EOF; return 0; }
  if( dfIsSpace(c) ){
    for(i=1; dfIsSpace(z[i]); i++){}
    *peType = DF_TK_SPACE; return i;
  }
  if( c=='-' && z[1]=='-' ){
    for(i=2; z[i] && z[i]!='\n'; i++){}
    *peType = DF_TK_SPACE; return i;
  }
  if( c=='/' && z[1]=='*' ){
    for(i=2; z[i] && !(z[i]=='*' && z[i+1]=='/'); i++){}
    if( z[i] ) i += 2;
    *peType = DF_TK_SPACE; return i;
  }
  if( c=='\'' || c=='"' || c=='`' ){
    for(i=1; z[i]; i++){
      if( z[i]==c ){
        if( z[i+1]==c ){ i++; continue; }
        i++; break;
      }
    }
    *peType = c=='\'' ? DF_TK_STRING : DF_TK_QID;
    return i;
  }
  if( c=='[' ){
    for(i=1; z[i] && z[i]!=']'; i++){}
    if( z[i] ) i++;
    *peType = DF_TK_QID; return i;
  }
  if( (c=='x' || c=='X') && z[1]=='\'' ){
    for(i=2; z[i] && z[i]!='\''; i++){}
    if( z[i] ) i++;
    *peType = DF_TK_BLOB; return i;
  }
  if( dfIsDigit(c) || (c=='.' && dfIsDigit(z[1])) ){
    i = 0;
    if( c=='0' && (z[1]=='x' || z[1]=='X') && dfIsHex(z[2]) ){
      for(i=3; dfIsHex(z[i]) || z[i]=='_'; i++){}
    }else{
      while( dfIsDigit(z[i]) || z[i]=='_' ) i++;
      if( z[i]=='.' ){ i++; while( dfIsDigit(z[i]) || z[i]=='_' ) i++; }
      if( (z[i]=='e' || z[i]=='E') && (dfIsDigit(z[i+1])
          || ((z[i+1]=='+' || z[i+1]=='-') && dfIsDigit(z[i+2]))) ){
        i += 2;
        while( dfIsDigit(z[i]) ) i++;
      }
    }
    *peType = DF_TK_NUMBER; return i;
  }
  if( dfIsIdStart(c) ){
    for(i=1; dfIsIdChar(z[i]); i++){}
    *peType = DF_TK_ID; return i;
  }
  if( c=='?' ){
    for(i=1; dfIsDigit(z[i]); i++){}
    *peType = DF_TK_VARIABLE; return i;
  }
  if( (c==':' || c=='@' || c=='$' || c=='#') && dfIsIdChar(z[1]) ){
    for(i=1; dfIsIdChar(z[i]); i++){}
    *peType = DF_TK_VARIABLE; return i;
  }
  *peType = DF_TK_PUNCT;
  switch( c ){
    case '(': case ')': case ',': case ';': case '.': case '+': case '*':
    case '/': case '%': case '&': case '~':
      return 1;
    case '-':
      if( z[1]=='>' ) return z[2]=='>' ? 3 : 2;
      return 1;
    case '|': return z[1]=='|' ? 2 : 1;
    case '<':
      if( z[1]=='=' || z[1]=='>' || z[1]=='<' ) return 2;
      return 1;
    case '>':
      if( z[1]=='=' || z[1]=='>' ) return 2;
      return 1;
    case '=': return z[1]=='=' ? 2 : 1;
    case '!':
      if( z[1]=='=' ) return 2;
      break;
  }
  *peType = DF_TK_ILLEGAL;
  return 1;
}

int dfSqlSkipSpace(const char *z){
  int i = 0, eType, n;
  while( (n = dfSqlToken(&z[i], &eType))>0 && eType==DF_TK_SPACE ) i += n;
  return i;
}

char *dfSqlIdentValue(const char *z, int n){
  char *zOut;
  int i, j;
  char cEnd;
  if( n>=2 && (z[0]=='"' || z[0]=='`' || z[0]=='\'' || z[0]=='[') ){
    cEnd = z[0]=='[' ? ']' : z[0];
    zOut = sqlite3_malloc64(n+1);
    if( zOut==0 ) return 0;
    for(i=1, j=0; i<n; i++){
      if( z[i]==cEnd ){
        if( cEnd!=']' && i+1<n && z[i+1]==cEnd ){ zOut[j++] = cEnd; i++; continue; }
        break;
      }
      zOut[j++] = z[i];
    }
    zOut[j] = 0;
    return zOut;
  }
  return sqlite3_mprintf("%.*s", n, z);
}

/* ---------------------------------------------------------------- cursor */

typedef struct DfTok DfTok;
struct DfTok {
  int eType;              /* DF_TK_* */
  int iOff;               /* byte offset in the text */
  int n;                  /* length in bytes */
};

typedef struct DfScan DfScan;
struct DfScan {
  const char *z;          /* the text */
  int nTok;               /* significant tokens, plus a final EOF token */
  DfTok *aTok;            /* the tokens */
  int rc;                 /* sticky result code */
  char *zErr;             /* first error message */
};

/* Tokenize z into p (significant tokens only). Returns SQLITE_OK or NOMEM. */
static int dfScanInit(DfScan *p, const char *z){
  int i = 0, n, eType, nAlloc = 0;
  memset(p, 0, sizeof(*p));
  p->z = z;
  for(;;){
    n = dfSqlToken(&z[i], &eType);
    if( eType==DF_TK_SPACE ){ i += n; continue; }
    if( p->nTok>=nAlloc ){
      DfTok *aNew;
      nAlloc = nAlloc ? nAlloc*2 : 64;
      aNew = sqlite3_realloc64(p->aTok, sizeof(DfTok)*(sqlite3_uint64)nAlloc);
      if( aNew==0 ){ p->rc = SQLITE_NOMEM; return SQLITE_NOMEM; }
      p->aTok = aNew;
    }
    p->aTok[p->nTok].eType = eType;
    p->aTok[p->nTok].iOff = i;
    p->aTok[p->nTok].n = n;
    p->nTok++;
    if( eType==DF_TK_EOF ) break;
    i += n;
  }
  return SQLITE_OK;
}

static void dfScanClear(DfScan *p){
  sqlite3_free(p->aTok);
  sqlite3_free(p->zErr);
  memset(p, 0, sizeof(*p));
}

/* The token at i, clamped to the final EOF token. */
static const DfTok *dfTok(DfScan *p, int i){
  if( i>=p->nTok ) i = p->nTok-1;
  return &p->aTok[i];
}

/* True when token i is the bare keyword zKw (case-insensitive). */
static int dfIsKw(DfScan *p, int i, const char *zKw){
  const DfTok *t = dfTok(p, i);
  return t->eType==DF_TK_ID && (int)strlen(zKw)==t->n
      && sqlite3_strnicmp(&p->z[t->iOff], zKw, t->n)==0;
}

/* True when token i is the punctuation c. */
static int dfIsPunct(DfScan *p, int i, char c){
  const DfTok *t = dfTok(p, i);
  return t->eType==DF_TK_PUNCT && t->n==1 && p->z[t->iOff]==c;
}

/* True when token i can be a name (identifier, quoted, or 'string'). */
static int dfIsName(DfScan *p, int i){
  int e = dfTok(p, i)->eType;
  return e==DF_TK_ID || e==DF_TK_QID || e==DF_TK_STRING;
}

/* Record a walk error at token i (first one wins). */
static void dfScanError(DfScan *p, int i, const char *zWhat){
  const DfTok *t;
  if( p->rc ) return;
  t = dfTok(p, i);
  p->rc = SQLITE_ERROR;
  if( t->eType==DF_TK_EOF ){
    p->zErr = sqlite3_mprintf("%s at end of text", zWhat);
  }else{
    p->zErr = sqlite3_mprintf("%s near \"%.*s\"", zWhat, t->n, &p->z[t->iOff]);
  }
}

/* Dequoted value of name token i (NULL and rc set on OOM). */
static char *dfScanName(DfScan *p, int i){
  const DfTok *t = dfTok(p, i);
  char *z;
  if( p->rc ) return 0;
  z = dfSqlIdentValue(&p->z[t->iOff], t->n);
  if( z==0 ) p->rc = SQLITE_NOMEM;
  return z;
}

/* Raw text of tokens [iFirst, iEnd) (NULL when empty; rc set on OOM). */
static char *dfScanText(DfScan *p, int iFirst, int iEnd){
  const DfTok *a, *b;
  char *z;
  if( p->rc || iEnd<=iFirst ) return 0;
  a = dfTok(p, iFirst);
  b = dfTok(p, iEnd-1);
  z = sqlite3_mprintf("%.*s", b->iOff + b->n - a->iOff, &p->z[a->iOff]);
  if( z==0 ) p->rc = SQLITE_NOMEM;
  return z;
}

/* Token i is '(': index of the token after the matching ')'. */
static int dfSkipParen(DfScan *p, int i){
  int nDepth = 0;
  for(; i<p->nTok-1; i++){
    if( dfIsPunct(p, i, '(') ) nDepth++;
    else if( dfIsPunct(p, i, ')') ){
      nDepth--;
      if( nDepth==0 ) return i+1;
    }
  }
  dfScanError(p, i, "unbalanced parentheses");
  return p->nTok-1;
}

/* Name token i, optionally "schema . name": index after, *piName = name tok. */
static int dfSkipQualifiedName(DfScan *p, int i, int *piName){
  if( !dfIsName(p, i) ){ dfScanError(p, i, "expected a name"); *piName = i; return i; }
  if( dfIsPunct(p, i+1, '.') && dfIsName(p, i+2) ){
    *piName = i+2; return i+3;
  }
  *piName = i;
  return i+1;
}

/* Append s to a growable string array. */
static void dfArrayAdd(DfScan *p, char ***paz, int *pn, char *z){
  char **aNew;
  if( p->rc ){ sqlite3_free(z); return; }
  aNew = sqlite3_realloc64(*paz, sizeof(char*)*(sqlite3_uint64)(*pn+1));
  if( aNew==0 ){ sqlite3_free(z); p->rc = SQLITE_NOMEM; return; }
  aNew[*pn] = z;
  *paz = aNew;
  (*pn)++;
}

static void dfArrayFree(char **az, int n){
  int i;
  for(i=0; i<n; i++) sqlite3_free(az[i]);
  sqlite3_free(az);
}

/* -------------------------------------------------------- CREATE TABLE */

/* "ON CONFLICT x" at i: index after it (or i when absent). */
static int dfSkipConflict(DfScan *p, int i){
  if( dfIsKw(p, i, "ON") && dfIsKw(p, i+1, "CONFLICT") ) return i+3;
  return i;
}

/* Words that start a column constraint (they end the type name). */
static int dfIsColConsStart(DfScan *p, int i){
  static const char *azKw[] = {
    "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT",
    "COLLATE", "REFERENCES", "GENERATED", "AS"
  };
  unsigned k;
  for(k=0; k<sizeof(azKw)/sizeof(azKw[0]); k++){
    if( dfIsKw(p, i, azKw[k]) ) return 1;
  }
  return 0;
}

/* New constraint slot at the end of t->aCons (NULL on OOM). */
static DfSqlCons *dfAddCons(DfScan *p, DfSqlTable *t, int eKind, int iCol,
                            char *zName){
  DfSqlCons *aNew, *c;
  if( p->rc ){ sqlite3_free(zName); return 0; }
  aNew = sqlite3_realloc64(t->aCons, sizeof(DfSqlCons)*(sqlite3_uint64)(t->nCons+1));
  if( aNew==0 ){ sqlite3_free(zName); p->rc = SQLITE_NOMEM; return 0; }
  t->aCons = aNew;
  c = &t->aCons[t->nCons++];
  memset(c, 0, sizeof(*c));
  c->eKind = eKind;
  c->iCol = iCol;
  c->zName = zName;
  return c;
}

/* One FK action word sequence at i into *pz (uppercase); returns index after. */
static int dfParseAction(DfScan *p, int i, char **pz){
  const char *zAct = 0;
  int n = 1;
  if( dfIsKw(p, i, "SET") && dfIsKw(p, i+1, "NULL") ){ zAct = "SET NULL"; n = 2; }
  else if( dfIsKw(p, i, "SET") && dfIsKw(p, i+1, "DEFAULT") ){ zAct = "SET DEFAULT"; n = 2; }
  else if( dfIsKw(p, i, "CASCADE") ) zAct = "CASCADE";
  else if( dfIsKw(p, i, "RESTRICT") ) zAct = "RESTRICT";
  else if( dfIsKw(p, i, "NO") && dfIsKw(p, i+1, "ACTION") ){ zAct = "NO ACTION"; n = 2; }
  else { dfScanError(p, i, "unknown foreign key action"); return i+1; }
  if( p->rc==SQLITE_OK ){
    sqlite3_free(*pz);
    *pz = sqlite3_mprintf("%s", zAct);
    if( *pz==0 ) p->rc = SQLITE_NOMEM;
  }
  return i+n;
}

/* "REFERENCES t [(cols)] {ON ... | MATCH x} [[NOT] DEFERRABLE [INITIALLY x]]" */
static int dfParseFkClause(DfScan *p, int i, DfSqlCons *c){
  int iName;
  i++;                                        /* REFERENCES */
  i = dfSkipQualifiedName(p, i, &iName);
  c->zRefTable = dfScanName(p, iName);
  if( dfIsPunct(p, i, '(') ){
    i++;
    while( p->rc==SQLITE_OK && !dfIsPunct(p, i, ')') ){
      if( !dfIsName(p, i) ){ dfScanError(p, i, "expected a column name"); break; }
      dfArrayAdd(p, &c->azRefCol, &c->nRefCol, dfScanName(p, i));
      i++;
      if( dfIsPunct(p, i, ',') ) i++;
    }
    i++;
  }
  while( p->rc==SQLITE_OK ){
    if( dfIsKw(p, i, "ON") && dfIsKw(p, i+1, "DELETE") ){
      i = dfParseAction(p, i+2, &c->zOnDelete);
    }else if( dfIsKw(p, i, "ON") && dfIsKw(p, i+1, "UPDATE") ){
      i = dfParseAction(p, i+2, &c->zOnUpdate);
    }else if( dfIsKw(p, i, "ON") && dfIsKw(p, i+1, "INSERT") ){
      char *zIgnored = 0;                     /* accepted and ignored by SQLite */
      i = dfParseAction(p, i+2, &zIgnored);
      sqlite3_free(zIgnored);
    }else if( dfIsKw(p, i, "MATCH") && dfIsName(p, i+1) ){
      sqlite3_free(c->zMatch);
      c->zMatch = dfScanName(p, i+1);
      i += 2;
    }else if( dfIsKw(p, i, "NOT") && dfIsKw(p, i+1, "DEFERRABLE") ){
      c->bDeferrable = 0; c->bInitDeferred = 0;
      i += 2;
      if( dfIsKw(p, i, "INITIALLY") ) i += 2;
    }else if( dfIsKw(p, i, "DEFERRABLE") ){
      c->bDeferrable = 1;
      i++;
      if( dfIsKw(p, i, "INITIALLY") ){
        c->bInitDeferred = dfIsKw(p, i+1, "DEFERRED");
        i += 2;
      }
    }else{
      break;
    }
  }
  return i;
}

/*
** Indexed-column list "( item, ... )" at i (i is '('): fills azCol, azColl,
** aDesc of c. Items of table constraints are plain column names.
*/
static int dfParseKeyList(DfScan *p, int i, DfSqlCons *c){
  i++;
  while( p->rc==SQLITE_OK && !dfIsPunct(p, i, ')') ){
    char *zColl = 0;
    int bDesc = 0;
    int *aNew;
    char **azNew;
    if( !dfIsName(p, i) ){ dfScanError(p, i, "expected a column name"); break; }
    dfArrayAdd(p, &c->azCol, &c->nCol, dfScanName(p, i));
    i++;
    while( p->rc==SQLITE_OK && !dfIsPunct(p, i, ',') && !dfIsPunct(p, i, ')') ){
      if( dfIsKw(p, i, "COLLATE") && dfIsName(p, i+1) ){
        sqlite3_free(zColl);
        zColl = dfScanName(p, i+1);
        i += 2;
      }else if( dfIsKw(p, i, "DESC") ){ bDesc = 1; i++; }
      else if( dfIsKw(p, i, "ASC") ){ i++; }
      else if( dfIsPunct(p, i, '(') ){ i = dfSkipParen(p, i); }
      else if( dfTok(p, i)->eType==DF_TK_EOF ){ dfScanError(p, i, "unterminated key list"); }
      else i++;
    }
    if( p->rc ){ sqlite3_free(zColl); break; }
    azNew = sqlite3_realloc64(c->azColl, sizeof(char*)*(sqlite3_uint64)c->nCol);
    if( azNew==0 ){ sqlite3_free(zColl); p->rc = SQLITE_NOMEM; break; }
    c->azColl = azNew;
    c->azColl[c->nCol-1] = zColl;
    aNew = sqlite3_realloc64(c->aDesc, sizeof(int)*(sqlite3_uint64)c->nCol);
    if( aNew==0 ){ p->rc = SQLITE_NOMEM; break; }
    c->aDesc = aNew;
    c->aDesc[c->nCol-1] = bDesc;
    if( dfIsPunct(p, i, ',') ) i++;
  }
  return i+1;
}

/* Give column constraint c its one key column (column iCol of t). */
static void dfConsSetColumn(DfScan *p, DfSqlTable *t, DfSqlCons *c, int iCol,
                            int bDesc){
  char *z;
  if( p->rc ) return;
  z = sqlite3_mprintf("%s", t->aCol[iCol].zName);
  if( z==0 ){ p->rc = SQLITE_NOMEM; return; }
  dfArrayAdd(p, &c->azCol, &c->nCol, z);
  if( p->rc ) return;
  c->azColl = sqlite3_malloc64(sizeof(char*));
  c->aDesc = sqlite3_malloc64(sizeof(int));
  if( c->azColl==0 || c->aDesc==0 ){ p->rc = SQLITE_NOMEM; return; }
  c->azColl[0] = 0;
  c->aDesc[0] = bDesc;
}

/* One column definition at i; returns the index of the ',' or ')' after it. */
static int dfParseColumn(DfScan *p, int i, DfSqlTable *t){
  DfSqlColumn *aNew, *col;
  int iCol, iType;
  char *zConsName = 0;
  aNew = sqlite3_realloc64(t->aCol, sizeof(DfSqlColumn)*(sqlite3_uint64)(t->nCol+1));
  if( aNew==0 ){ p->rc = SQLITE_NOMEM; return i; }
  t->aCol = aNew;
  iCol = t->nCol++;
  col = &t->aCol[iCol];
  memset(col, 0, sizeof(*col));
  col->iOffset = dfTok(p, i)->iOff;
  col->zName = dfScanName(p, i);
  i++;

  /* Type name: words and a parenthesised size, up to the first constraint. */
  iType = i;
  while( p->rc==SQLITE_OK && !dfIsPunct(p, i, ',') && !dfIsPunct(p, i, ')')
      && dfTok(p, i)->eType!=DF_TK_EOF && !dfIsColConsStart(p, i) ){
    if( dfIsPunct(p, i, '(') ) i = dfSkipParen(p, i);
    else i++;
  }
  col->zType = i>iType ? dfScanText(p, iType, i) : sqlite3_mprintf("");
  if( col->zType==0 && p->rc==SQLITE_OK ) p->rc = SQLITE_NOMEM;

  /* Column constraints. */
  while( p->rc==SQLITE_OK && !dfIsPunct(p, i, ',') && !dfIsPunct(p, i, ')')
      && dfTok(p, i)->eType!=DF_TK_EOF ){
    DfSqlCons *c;
    col = &t->aCol[iCol];
    if( dfIsKw(p, i, "CONSTRAINT") && dfIsName(p, i+1) ){
      sqlite3_free(zConsName);
      zConsName = dfScanName(p, i+1);
      i += 2;
      continue;
    }
    if( dfIsKw(p, i, "PRIMARY") && dfIsKw(p, i+1, "KEY") ){
      int bDesc = 0;
      i += 2;
      if( dfIsKw(p, i, "DESC") ){ bDesc = 1; i++; }
      else if( dfIsKw(p, i, "ASC") ) i++;
      i = dfSkipConflict(p, i);
      c = dfAddCons(p, t, DF_CONS_PK, iCol, zConsName);
      zConsName = 0;
      if( c==0 ) break;
      dfConsSetColumn(p, t, c, iCol, bDesc);
      if( dfIsKw(p, i, "AUTOINCREMENT") ){ c->bAutoinc = 1; i++; }
      col->bPk = 1;
      col->bPkDesc = bDesc;
    }else if( dfIsKw(p, i, "NOT") && dfIsKw(p, i+1, "NULL") ){
      col->bNotNull = 1;
      i = dfSkipConflict(p, i+2);
    }else if( dfIsKw(p, i, "NULL") ){
      i = dfSkipConflict(p, i+1);
    }else if( dfIsKw(p, i, "UNIQUE") ){
      i = dfSkipConflict(p, i+1);
      c = dfAddCons(p, t, DF_CONS_UNIQUE, iCol, zConsName);
      zConsName = 0;
      if( c==0 ) break;
      dfConsSetColumn(p, t, c, iCol, 0);
    }else if( dfIsKw(p, i, "CHECK") && dfIsPunct(p, i+1, '(') ){
      int iEnd = dfSkipParen(p, i+1);
      c = dfAddCons(p, t, DF_CONS_CHECK, iCol, zConsName);
      zConsName = 0;
      if( c==0 ) break;
      c->zExpr = dfScanText(p, i+2, iEnd-1);
      i = iEnd;
    }else if( dfIsKw(p, i, "DEFAULT") ){
      int iStart = i+1;
      if( dfIsPunct(p, iStart, '(') ){
        i = dfSkipParen(p, iStart);
      }else{
        i = iStart;
        if( dfIsPunct(p, i, '+') || dfIsPunct(p, i, '-') ) i++;
        i++;
      }
      sqlite3_free(col->zDefault);
      col->zDefault = dfScanText(p, iStart, i);
    }else if( dfIsKw(p, i, "COLLATE") && dfIsName(p, i+1) ){
      sqlite3_free(col->zCollate);
      col->zCollate = dfScanName(p, i+1);
      i += 2;
    }else if( dfIsKw(p, i, "REFERENCES") ){
      c = dfAddCons(p, t, DF_CONS_FK, iCol, zConsName);
      zConsName = 0;
      if( c==0 ) break;
      dfConsSetColumn(p, t, c, iCol, 0);
      i = dfParseFkClause(p, i, c);
    }else if( (dfIsKw(p, i, "GENERATED") && dfIsKw(p, i+1, "ALWAYS")
               && dfIsKw(p, i+2, "AS")) || dfIsKw(p, i, "AS") ){
      int iEnd;
      i += dfIsKw(p, i, "AS") ? 1 : 3;
      if( !dfIsPunct(p, i, '(') ){ dfScanError(p, i, "expected ( after AS"); break; }
      iEnd = dfSkipParen(p, i);
      sqlite3_free(col->zGenExpr);
      col->zGenExpr = dfScanText(p, i+1, iEnd-1);
      i = iEnd;
      if( dfIsKw(p, i, "STORED") ){ col->bGenStored = 1; i++; }
      else if( dfIsKw(p, i, "VIRTUAL") ){ col->bGenStored = 0; i++; }
    }else{
      dfScanError(p, i, "unexpected column constraint");
    }
  }
  sqlite3_free(zConsName);
  return i;
}

/* One table constraint at i; returns the index of the ',' or ')' after it. */
static int dfParseTableCons(DfScan *p, int i, DfSqlTable *t){
  char *zName = 0;
  DfSqlCons *c = 0;
  if( dfIsKw(p, i, "CONSTRAINT") ){
    zName = dfScanName(p, i+1);
    i += 2;
  }
  if( dfIsKw(p, i, "PRIMARY") && dfIsKw(p, i+1, "KEY") && dfIsPunct(p, i+2, '(') ){
    c = dfAddCons(p, t, DF_CONS_PK, -1, zName);
    if( c==0 ) return i;
    i = dfParseKeyList(p, i+2, c);
    if( dfIsKw(p, i, "AUTOINCREMENT") ){ c->bAutoinc = 1; i++; }
    i = dfSkipConflict(p, i);
  }else if( dfIsKw(p, i, "UNIQUE") && dfIsPunct(p, i+1, '(') ){
    c = dfAddCons(p, t, DF_CONS_UNIQUE, -1, zName);
    if( c==0 ) return i;
    i = dfSkipConflict(p, dfParseKeyList(p, i+1, c));
  }else if( dfIsKw(p, i, "CHECK") && dfIsPunct(p, i+1, '(') ){
    int iEnd = dfSkipParen(p, i+1);
    c = dfAddCons(p, t, DF_CONS_CHECK, -1, zName);
    if( c==0 ) return i;
    c->zExpr = dfScanText(p, i+2, iEnd-1);
    i = dfSkipConflict(p, iEnd);
  }else if( dfIsKw(p, i, "FOREIGN") && dfIsKw(p, i+1, "KEY") && dfIsPunct(p, i+2, '(') ){
    c = dfAddCons(p, t, DF_CONS_FK, -1, zName);
    if( c==0 ) return i;
    i = dfParseKeyList(p, i+2, c);
    if( !dfIsKw(p, i, "REFERENCES") ){ dfScanError(p, i, "expected REFERENCES"); return i; }
    i = dfParseFkClause(p, i, c);
  }else{
    sqlite3_free(zName);
    dfScanError(p, i, "unexpected table constraint");
  }
  return i;
}

/* Is token i the start of a table constraint (rather than a column)? */
static int dfIsTableConsStart(DfScan *p, int i){
  return dfIsKw(p, i, "CONSTRAINT") || dfIsKw(p, i, "PRIMARY")
      || dfIsKw(p, i, "UNIQUE") || dfIsKw(p, i, "CHECK")
      || dfIsKw(p, i, "FOREIGN");
}

/* "CREATE [TEMP|TEMPORARY] zWhat [IF NOT EXISTS]": index after, or -1. */
static int dfSkipCreate(DfScan *p, int i, const char *zWhat){
  if( !dfIsKw(p, i, "CREATE") ) return -1;
  i++;
  if( dfIsKw(p, i, "TEMP") || dfIsKw(p, i, "TEMPORARY") ) i++;
  if( dfIsKw(p, i, "UNIQUE") ) i++;
  if( !dfIsKw(p, i, zWhat) ) return -1;
  i++;
  if( dfIsKw(p, i, "IF") && dfIsKw(p, i+1, "NOT") && dfIsKw(p, i+2, "EXISTS") ) i += 3;
  return i;
}

void dfSqlTableFree(DfSqlTable *t){
  int i;
  if( t==0 ) return;
  for(i=0; i<t->nCol; i++){
    DfSqlColumn *c = &t->aCol[i];
    sqlite3_free(c->zName);
    sqlite3_free(c->zType);
    sqlite3_free(c->zDefault);
    sqlite3_free(c->zCollate);
    sqlite3_free(c->zGenExpr);
  }
  for(i=0; i<t->nCons; i++){
    DfSqlCons *c = &t->aCons[i];
    int k;
    sqlite3_free(c->zName);
    if( c->azColl ){
      for(k=0; k<c->nCol; k++) sqlite3_free(c->azColl[k]);
      sqlite3_free(c->azColl);
    }
    dfArrayFree(c->azCol, c->nCol);
    sqlite3_free(c->aDesc);
    sqlite3_free(c->zExpr);
    sqlite3_free(c->zRefTable);
    dfArrayFree(c->azRefCol, c->nRefCol);
    sqlite3_free(c->zOnDelete);
    sqlite3_free(c->zOnUpdate);
    sqlite3_free(c->zMatch);
  }
  sqlite3_free(t->aCol);
  sqlite3_free(t->aCons);
  sqlite3_free(t->zName);
  sqlite3_free(t);
}

int dfSqlParseCreateTable(const char *zSql, DfSqlTable **ppOut, char **pzErr){
  DfScan s;
  DfSqlTable *t = 0;
  int i, iName;
  int rc;

  *ppOut = 0;
  if( dfScanInit(&s, zSql) ) goto cleanup;
  t = sqlite3_malloc64(sizeof(*t));
  if( t==0 ){ s.rc = SQLITE_NOMEM; goto cleanup; }
  memset(t, 0, sizeof(*t));

  i = dfSkipCreate(&s, 0, "TABLE");
  if( i<0 ){ dfScanError(&s, 0, "not a CREATE TABLE statement"); goto cleanup; }
  i = dfSkipQualifiedName(&s, i, &iName);
  t->zName = dfScanName(&s, iName);
  if( dfIsKw(&s, i, "AS") ){
    t->bAsSelect = 1;
    goto cleanup;
  }
  if( !dfIsPunct(&s, i, '(') ){ dfScanError(&s, i, "expected ("); goto cleanup; }
  i++;
  while( s.rc==SQLITE_OK ){
    if( dfIsTableConsStart(&s, i) ){
      i = dfParseTableCons(&s, i, t);
    }else if( dfIsName(&s, i) ){
      i = dfParseColumn(&s, i, t);
    }else{
      dfScanError(&s, i, "expected a column definition");
    }
    if( s.rc ) break;
    if( dfIsPunct(&s, i, ',') ){ i++; continue; }
    if( dfIsPunct(&s, i, ')') ){ i++; break; }
    dfScanError(&s, i, "expected , or )");
  }

  /* Table options: WITHOUT ROWID, STRICT, separated by commas. */
  while( s.rc==SQLITE_OK && dfTok(&s, i)->eType!=DF_TK_EOF && !dfIsPunct(&s, i, ';') ){
    if( dfIsKw(&s, i, "WITHOUT") && dfIsKw(&s, i+1, "ROWID") ){ t->bWithoutRowid = 1; i += 2; }
    else if( dfIsKw(&s, i, "STRICT") ){ t->bStrict = 1; i++; }
    else if( dfIsPunct(&s, i, ',') ){ i++; }
    else dfScanError(&s, i, "unknown table option");
  }

cleanup:
  rc = s.rc;
  if( rc==SQLITE_OK ){
    *ppOut = t;
  }else{
    dfSqlTableFree(t);
    if( pzErr ){
      *pzErr = s.zErr ? s.zErr : sqlite3_mprintf("out of memory");
      s.zErr = 0;
    }
  }
  dfScanClear(&s);
  return rc;
}

/* -------------------------------------------------------- CREATE INDEX */

void dfSqlIndexFree(DfSqlIndex *x){
  int i;
  if( x==0 ) return;
  for(i=0; i<x->nKey; i++){
    sqlite3_free(x->aKey[i].zExpr);
    sqlite3_free(x->aKey[i].zColumn);
    sqlite3_free(x->aKey[i].zCollate);
  }
  sqlite3_free(x->aKey);
  sqlite3_free(x->zName);
  sqlite3_free(x->zTable);
  sqlite3_free(x->zWhere);
  sqlite3_free(x);
}

int dfSqlParseCreateIndex(const char *zSql, DfSqlIndex **ppOut, char **pzErr){
  DfScan s;
  DfSqlIndex *x = 0;
  int i, iName;
  int rc;

  *ppOut = 0;
  if( dfScanInit(&s, zSql) ) goto cleanup;
  x = sqlite3_malloc64(sizeof(*x));
  if( x==0 ){ s.rc = SQLITE_NOMEM; goto cleanup; }
  memset(x, 0, sizeof(*x));

  i = dfSkipCreate(&s, 0, "INDEX");
  if( i<0 ){ dfScanError(&s, 0, "not a CREATE INDEX statement"); goto cleanup; }
  x->bUnique = dfIsKw(&s, 1, "UNIQUE");
  i = dfSkipQualifiedName(&s, i, &iName);
  x->zName = dfScanName(&s, iName);
  if( !dfIsKw(&s, i, "ON") || !dfIsName(&s, i+1) ){
    dfScanError(&s, i, "expected ON table");
    goto cleanup;
  }
  x->zTable = dfScanName(&s, i+1);
  i += 2;
  if( !dfIsPunct(&s, i, '(') ){ dfScanError(&s, i, "expected ("); goto cleanup; }
  i++;
  while( s.rc==SQLITE_OK && !dfIsPunct(&s, i, ')') ){
    int iStart = i, iEnd, iColl = -1;
    DfSqlIndexKey *aNew, *k;
    /* Find the end of this key at depth 0, remembering COLLATE/ASC/DESC. */
    while( s.rc==SQLITE_OK && !dfIsPunct(&s, i, ',') && !dfIsPunct(&s, i, ')') ){
      if( dfTok(&s, i)->eType==DF_TK_EOF ){ dfScanError(&s, i, "unterminated key list"); break; }
      if( dfIsPunct(&s, i, '(') ) i = dfSkipParen(&s, i);
      else i++;
    }
    if( s.rc ) break;
    iEnd = i;
    aNew = sqlite3_realloc64(x->aKey, sizeof(DfSqlIndexKey)*(sqlite3_uint64)(x->nKey+1));
    if( aNew==0 ){ s.rc = SQLITE_NOMEM; break; }
    x->aKey = aNew;
    k = &x->aKey[x->nKey++];
    memset(k, 0, sizeof(*k));
    if( iEnd>iStart && (dfIsKw(&s, iEnd-1, "ASC") || dfIsKw(&s, iEnd-1, "DESC")) ){
      k->bDesc = dfIsKw(&s, iEnd-1, "DESC");
      iEnd--;
    }
    if( iEnd-iStart>=3 && dfIsKw(&s, iEnd-2, "COLLATE") && dfIsName(&s, iEnd-1) ){
      iColl = iEnd-1;
      k->zCollate = dfScanName(&s, iColl);
      iEnd -= 2;
    }
    k->zExpr = dfScanText(&s, iStart, iEnd);
    if( iEnd-iStart==1 && dfIsName(&s, iStart) ){
      k->zColumn = dfScanName(&s, iStart);
    }
    if( k->zExpr==0 && s.rc==SQLITE_OK ) dfScanError(&s, iStart, "empty index key");
    if( dfIsPunct(&s, i, ',') ) i++;
  }
  if( s.rc ) goto cleanup;
  i++;
  if( dfIsKw(&s, i, "WHERE") ){
    int iEnd = i+1;
    while( dfTok(&s, iEnd)->eType!=DF_TK_EOF && !dfIsPunct(&s, iEnd, ';') ) iEnd++;
    x->zWhere = dfScanText(&s, i+1, iEnd);
  }

cleanup:
  rc = s.rc;
  if( rc==SQLITE_OK ){
    *ppOut = x;
  }else{
    dfSqlIndexFree(x);
    if( pzErr ){
      *pzErr = s.zErr ? s.zErr : sqlite3_mprintf("out of memory");
      s.zErr = 0;
    }
  }
  dfScanClear(&s);
  return rc;
}

/* --------------------------------------------------------------- views */

int dfSqlViewBody(const char *zSql){
  DfScan s;
  int i, iName, iOff = -1;
  if( dfScanInit(&s, zSql) ) goto cleanup;
  i = dfSkipCreate(&s, 0, "VIEW");
  if( i<0 ) goto cleanup;
  i = dfSkipQualifiedName(&s, i, &iName);
  if( dfIsPunct(&s, i, '(') ) i = dfSkipParen(&s, i);
  if( s.rc==SQLITE_OK && dfIsKw(&s, i, "AS") && dfTok(&s, i+1)->eType!=DF_TK_EOF ){
    iOff = dfTok(&s, i+1)->iOff;
  }
cleanup:
  dfScanClear(&s);
  return iOff;
}

/* Keywords that end a FROM clause at their parenthesis depth. */
static int dfIsFromEnd(DfScan *p, int i){
  static const char *azKw[] = {
    "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "WINDOW", "UNION",
    "EXCEPT", "INTERSECT", "RETURNING"
  };
  unsigned k;
  for(k=0; k<sizeof(azKw)/sizeof(azKw[0]); k++){
    if( dfIsKw(p, i, azKw[k]) ) return 1;
  }
  return 0;
}

int dfSqlSelectSources(const char *zSelect, char ***pazName){
  DfScan s;
  char **azName = 0, **azCte = 0;
  int nName = 0, nCte = 0;
  int i, k, j;
  int *aFromDepth = 0;          /* per paren depth: 1 when inside a FROM list */
  int nDepth = 0;
  int bExpect = 0;              /* next name is a table source */

  *pazName = 0;
  if( dfScanInit(&s, zSelect) ) return -1;
  aFromDepth = sqlite3_malloc64(sizeof(int)*(sqlite3_uint64)(s.nTok+1));
  if( aFromDepth==0 ){ dfScanClear(&s); return -1; }
  memset(aFromDepth, 0, sizeof(int)*(size_t)(s.nTok+1));

  for(i=0; s.rc==SQLITE_OK && dfTok(&s, i)->eType!=DF_TK_EOF; i++){
    /* Common table expressions: "WITH [RECURSIVE] name [(cols)] AS (" and
    ** ", name [(cols)] AS (" - the name is not a dependency. */
    if( dfIsName(&s, i) && !bExpect && i>0
     && (dfIsKw(&s, i-1, "WITH") || dfIsKw(&s, i-1, "RECURSIVE")
         || dfIsPunct(&s, i-1, ',')) ){
      j = i+1;
      if( dfIsPunct(&s, j, '(') ) j = dfSkipParen(&s, j);
      if( dfIsKw(&s, j, "AS") && (dfIsPunct(&s, j+1, '(')
            || dfIsKw(&s, j+1, "MATERIALIZED") || dfIsKw(&s, j+1, "NOT")) ){
        dfArrayAdd(&s, &azCte, &nCte, dfScanName(&s, i));
        continue;
      }
    }
    if( dfIsPunct(&s, i, '(') ){
      /* "FROM (a JOIN b)": a parenthesised join is still a FROM list. */
      nDepth++;
      aFromDepth[nDepth] = bExpect;
      continue;
    }
    if( dfIsKw(&s, i, "SELECT") || dfIsKw(&s, i, "VALUES") ){
      aFromDepth[nDepth] = 0;       /* a select list, until its FROM */
      bExpect = 0;
      continue;
    }
    if( dfIsPunct(&s, i, ')') ){ if( nDepth>0 ) nDepth--; bExpect = 0; continue; }
    if( dfIsKw(&s, i, "FROM") || dfIsKw(&s, i, "JOIN") ){
      aFromDepth[nDepth] = 1;
      bExpect = 1;
      continue;
    }
    if( aFromDepth[nDepth] && dfIsPunct(&s, i, ',') ){ bExpect = 1; continue; }
    if( aFromDepth[nDepth] && dfIsFromEnd(&s, i) ){
      aFromDepth[nDepth] = 0;       /* the FROM clause at this depth ended */
      bExpect = 0;
      continue;
    }
    if( bExpect ){
      bExpect = 0;
      if( dfIsName(&s, i) ){
        int iName = i;
        if( dfIsPunct(&s, i+1, '.') && dfIsName(&s, i+2) ){ iName = i+2; }
        if( dfIsPunct(&s, iName+1, '(') ) continue;   /* table-valued function */
        dfArrayAdd(&s, &azName, &nName, dfScanName(&s, iName));
        i = iName;
      }
    }
  }

  /* Unbalanced text ends the walk early: keep what was found. */
  if( s.rc==SQLITE_ERROR ) s.rc = SQLITE_OK;

  /* Drop CTE names (SQLite compares names case-insensitively). */
  for(k=0; s.rc==SQLITE_OK && k<nName; ){
    int bCte = 0;
    for(j=0; j<nCte; j++){
      if( sqlite3_stricmp(azName[k], azCte[j])==0 ){ bCte = 1; break; }
    }
    if( bCte ){
      sqlite3_free(azName[k]);
      memmove(&azName[k], &azName[k+1], sizeof(char*)*(size_t)(nName-k-1));
      nName--;
    }else{
      k++;
    }
  }
  dfArrayFree(azCte, nCte);
  sqlite3_free(aFromDepth);
  if( s.rc ){
    dfArrayFree(azName, nName);
    dfScanClear(&s);
    return -1;
  }
  dfScanClear(&s);
  *pazName = azName;
  return nName;
}
