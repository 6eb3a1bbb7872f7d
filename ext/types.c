/*
** types.c — type families, normalisation of native types, defaults and
** expressions, and rendering of a normalised type into each dialect.
**
** Everything declared in types.h lives here; doc/types.md gives the rules
** per engine (which spelling maps to which family, and what is lossy).
**
** Usage (SQL functions, registered by dfTypesFunctionsRegister()):
**
**   .load ./ext/dataflow
**   SELECT dataflow_type('postgresql', 'character varying(255)');
**     -- {"family":"varchar","length":255,"precision":null,"scale":null,
**     --  "tz":0,"array":0,"unsigned":0,"known":1}
**   SELECT dataflow_type_describe('mysql', 'tinyint(1)');        -- boolean
**   SELECT dataflow_type_render('mysql', 'model', 'TIMESTAMPTZ'); -- timestamp
**   SELECT dataflow_type_compare('model','INT','postgresql','bigint'); -- 1
**   SELECT dataflow_default('postgresql', 'text', '''a''::text');  -- 'a'
**   SELECT dataflow_expr('CHECK ((price > (0)::numeric))');     -- price > 0
**   SELECT dataflow_enum_labels('enum(''a'',''b'')');           -- ["a","b"]
**
** HOW IT WORKS
**
** Types. A native type text is cut into words, one optional (...) argument
** list, [] suffixes and modifiers (UNSIGNED, ZEROFILL, WITH/WITHOUT TIME
** ZONE, ARRAY). The remaining words, lowercased and joined by one space,
** are looked up in the engine's vocabulary table (one small static table per
** engine; "model" and "sqlite" share one, because a model is loaded into
** SQLite and its mirror must normalise exactly like the model). Each entry
** says how to read the arguments (length, precision/scale, fractional
** seconds, display width) and which modifiers it accepts. A miss falls back
** to SQLite's affinity rules for sqlite/model and to family "other"
** elsewhere, and the function returns 0 so that strict mode can refuse it.
**
** Expressions. A small tokenizer (strings, quoted identifiers, numbers,
** operators, words; comments dropped) feeds a token list that is rewritten
** until nothing changes: casts on literals and PostgreSQL's implicit casts on
** column references are removed, "= ANY (ARRAY[..])" becomes "IN (..)",
** BETWEEN becomes two comparisons, and parentheses that operator precedence
** makes redundant are dropped. The list is printed with one spacing rule.
** Defaults use the same machinery plus the mapping of the time functions,
** NULL, booleans and numbers by column family.
**
** Everything here is a pure function of its arguments: no database, no
** files, no global state.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>

#include "types.h"
#include "dataflow.h"

/* ------------------------------------------------------------------ */
/* Small ASCII helpers (locale independent on purpose).               */
/* ------------------------------------------------------------------ */

static int dfIsSpace(int c){
  return c==' ' || c=='\t' || c=='\n' || c=='\r' || c=='\f' || c=='\v';
}
static int dfIsDigit(int c){ return c>='0' && c<='9'; }
static int dfIsAlpha(int c){ return (c>='a' && c<='z') || (c>='A' && c<='Z'); }
static int dfIsHex(int c){
  return dfIsDigit(c) || (c>='a' && c<='f') || (c>='A' && c<='F');
}
/* Identifier bytes: letters, digits, _, $ and every byte of a UTF-8
** sequence, so that Unicode names stay one word. */
static int dfIsIdChar(int c){
  return dfIsAlpha(c) || dfIsDigit(c) || c=='_' || c=='$' || (c & 0x80);
}
static int dfLower(int c){ return (c>='A' && c<='Z') ? c+32 : c; }

/* Case-insensitive equality of two NUL-terminated strings. */
static int dfStrIEq(const char *a, const char *b){
  while( *a && dfLower((unsigned char)*a)==dfLower((unsigned char)*b) ){ a++; b++; }
  return *a==0 && *b==0;
}

/* True when zHay contains zNeedle (lowercase), ignoring case. */
static int dfCiContains(const char *zHay, const char *zNeedle){
  int n = (int)strlen(zNeedle);
  for(; *zHay; zHay++){
    int k = 0;
    while( k<n && dfLower((unsigned char)zHay[k])==zNeedle[k] ) k++;
    if( k==n ) return 1;
  }
  return 0;
}

static int dfInList(const char *z, const char *const *azList){
  int i;
  for(i=0; azList[i]; i++){
    if( strcmp(z, azList[i])==0 ) return 1;
  }
  return 0;
}

/* Engines and dialects. "model" and "sqlite" share the type vocabulary. */
#define ENG_UNKNOWN 0
#define ENG_SQLITE  1
#define ENG_MODEL   2
#define ENG_PG      3
#define ENG_MYSQL   4
#define ENG_MONGO   5

static int dfEngineCode(const char *z){
  if( z==0 ) return ENG_UNKNOWN;
  if( dfStrIEq(z, "sqlite") ) return ENG_SQLITE;
  if( dfStrIEq(z, "model") ) return ENG_MODEL;
  if( dfStrIEq(z, "postgresql") ) return ENG_PG;
  if( dfStrIEq(z, "mysql") || dfStrIEq(z, "mariadb") ) return ENG_MYSQL;
  if( dfStrIEq(z, "mongodb") ) return ENG_MONGO;
  return ENG_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* Parsing a native type text.                                         */
/* ------------------------------------------------------------------ */

#define TP_MAXWORD 8     /* more words than this is not a type name */
#define TP_WORDLEN 32    /* longer words are not type names either */

typedef struct TypeParse TypeParse;
struct TypeParse {
  char azWord[TP_MAXWORD][TP_WORDLEN]; /* lowercase words, in order */
  int nWord;              /* entries of azWord */
  char zKey[TP_MAXWORD*TP_WORDLEN];   /* words minus modifiers, ' '-joined */
  char zQual[TP_WORDLEN]; /* schema qualifier ("pg_catalog"), "" if none */
  int nArg;               /* arguments in the (...) list, -1 = no list */
  int aArg[2];            /* first two arguments when they are integers */
  int bArgNum;            /* every argument is a signed integer */
  int bArgStr;            /* every argument is a string literal */
  int iArgStart;          /* offset of the list's contents in the text */
  int iArgEnd;            /* offset of the closing ')' */
  int nArray;             /* [] suffixes and trailing ARRAY words */
  int bUnsigned;          /* UNSIGNED or ZEROFILL seen */
  int eTz;                /* 0 unspecified, 1 WITH, 2 WITHOUT TIME ZONE */
  int bQuoted;            /* part of the name was a quoted identifier */
  int bBad;               /* the text is not shaped like a type name */
};

/* Skip a '...' literal starting at z[i]=='\''. Both '' and backslash
** escapes are honoured (MySQL prints enum labels that way). Returns the
** offset after the closing quote, or -1 when it is unterminated. */
static int tpSkipString(const char *z, int i){
  i++;
  for(;;){
    if( z[i]==0 ) return -1;
    if( z[i]=='\\' && z[i+1] ){ i += 2; continue; }
    if( z[i]=='\'' ){
      if( z[i+1]=='\'' ){ i += 2; continue; }
      return i+1;
    }
    i++;
  }
}

/* Parse an optionally signed integer at z[*pi] (SQLite allows "+ 10").
** Returns 1 and advances *pi on success; values above 10^9 are refused. */
static int dfParseInt(const char *z, int *pi, int *pVal){
  int i = *pi, bNeg = 0, nDigit = 0;
  long long v = 0;
  if( z[i]=='+' || z[i]=='-' ){
    bNeg = z[i]=='-';
    i++;
    while( dfIsSpace((unsigned char)z[i]) ) i++;
  }
  while( dfIsDigit((unsigned char)z[i]) ){
    v = v*10 + (z[i]-'0');
    if( v>1000000000 ) return 0;
    i++; nDigit++;
  }
  if( nDigit==0 ) return 0;
  if( dfIsIdChar((unsigned char)z[i]) || z[i]=='.' ) return 0;  /* 10.5, 1e3 */
  *pVal = (int)(bNeg ? -v : v);
  *pi = i;
  return 1;
}

/* Parse the argument list whose contents start at z[i] (after '(').
** Returns the offset after ')' or -1 when the list is malformed. */
static int tpParseArgs(const char *z, int i, TypeParse *p){
  int bNum = 1, bStr = 1;
  p->nArg = 0;
  p->iArgStart = i;
  while( dfIsSpace((unsigned char)z[i]) ) i++;
  if( z[i]==')' ){
    p->iArgEnd = i;
    p->bArgNum = p->bArgStr = 0;
    return i+1;
  }
  for(;;){
    int bThisNum = 0, bThisStr = 0, v = 0;
    while( dfIsSpace((unsigned char)z[i]) ) i++;
    if( z[i]=='\'' ){
      i = tpSkipString(z, i);
      if( i<0 ) return -1;
      bThisStr = 1;
    }else{
      int j = i;
      if( dfParseInt(z, &j, &v) ){ bThisNum = 1; i = j; }
    }
    while( dfIsSpace((unsigned char)z[i]) ) i++;
    if( z[i]!=',' && z[i]!=')' ){
      /* Not a plain number or string: skip to the next ',' or ')'. */
      bThisNum = bThisStr = 0;
      while( z[i] && z[i]!=',' && z[i]!=')' ){
        if( z[i]=='\'' ){
          i = tpSkipString(z, i);
          if( i<0 ) return -1;
        }else if( z[i]=='(' ){
          return -1;
        }else{
          i++;
        }
      }
      if( z[i]==0 ) return -1;
    }
    if( p->nArg<2 ) p->aArg[p->nArg] = bThisNum ? v : 0;
    p->nArg++;
    bNum &= bThisNum;
    bStr &= bThisStr;
    if( z[i]==')' ){ p->iArgEnd = i; break; }
    i++;  /* the comma */
  }
  p->bArgNum = bNum;
  p->bArgStr = bStr;
  return p->iArgEnd+1;
}

/* Remove the modifiers from the word list and build zKey. */
static void tpModifiers(TypeParse *p){
  int k, n = 0;
  p->zKey[0] = 0;
  for(k=0; k<p->nWord; k++){
    const char *w = p->azWord[k];
    if( strcmp(w, "unsigned")==0 || strcmp(w, "zerofill")==0 ){
      p->bUnsigned = 1;
      continue;
    }
    if( strcmp(w, "signed")==0 ) continue;
    if( k==0 && strcmp(w, "national")==0 && p->nWord>1 ) continue;
    if( (strcmp(w, "with")==0 || strcmp(w, "without")==0)
     && k+2<p->nWord && strcmp(p->azWord[k+1], "time")==0
     && strcmp(p->azWord[k+2], "zone")==0 ){
      p->eTz = w[4] ? 2 : 1;
      k += 2;
      continue;
    }
    if( k>0 && strcmp(w, "array")==0 ){ p->nArray++; continue; }
    if( k>0 && strcmp(w, "charset")==0 && k+1<p->nWord ){ k++; continue; }
    if( k>0 && strcmp(w, "character")==0 && k+2<p->nWord
     && strcmp(p->azWord[k+1], "set")==0 ){
      k += 2;
      continue;
    }
    if( n ) p->zKey[n++] = ' ';
    memcpy(&p->zKey[n], w, strlen(w)+1);
    n += (int)strlen(w);
  }
}

static void typeParse(const char *z, TypeParse *p){
  int i = 0;
  memset(p, 0, sizeof(*p));
  p->nArg = -1;
  while( z[i] && !p->bBad ){
    unsigned char c = (unsigned char)z[i];
    if( dfIsSpace(c) ){ i++; continue; }
    if( dfIsIdChar(c) || c=='"' || c=='`' ){
      int n = 0;
      char *zW;
      if( p->nWord>=TP_MAXWORD ){ p->bBad = 1; break; }
      zW = p->azWord[p->nWord];
      if( c=='"' || c=='`' ){
        /* Quoted name: kept as written; never in a vocabulary. */
        p->bQuoted = 1;
        i++;
        for(;;){
          if( z[i]==0 ){ p->bBad = 1; break; }
          if( z[i]==(char)c ){
            if( z[i+1]==(char)c ){ i++; }else{ i++; break; }
          }
          if( n>=TP_WORDLEN-1 ){ p->bBad = 1; break; }
          zW[n++] = z[i++];
        }
      }else{
        while( dfIsIdChar((unsigned char)z[i]) ){
          if( n>=TP_WORDLEN-1 ){ p->bBad = 1; break; }
          zW[n++] = (char)dfLower((unsigned char)z[i]);
          i++;
        }
      }
      zW[n] = 0;
      p->nWord++;
      continue;
    }
    if( c=='(' ){
      if( p->nArg>=0 ){ p->bBad = 1; break; }
      i = tpParseArgs(z, i+1, p);
      if( i<0 ){ p->bBad = 1; break; }
      continue;
    }
    if( c=='[' ){
      i++;
      while( dfIsSpace((unsigned char)z[i]) ) i++;
      while( dfIsDigit((unsigned char)z[i]) ) i++;
      while( dfIsSpace((unsigned char)z[i]) ) i++;
      if( z[i]!=']' ){ p->bBad = 1; break; }
      i++;
      p->nArray++;
      continue;
    }
    if( c=='.' && p->nWord==1 && p->nArg<0 && p->nArray==0 && !p->zQual[0] ){
      memcpy(p->zQual, p->azWord[0], TP_WORDLEN);
      p->nWord = 0;
      i++;
      continue;
    }
    p->bBad = 1;
  }
  if( !p->bBad ) tpModifiers(p);
}

/* ------------------------------------------------------------------ */
/* Vocabularies.                                                       */
/* ------------------------------------------------------------------ */

#define ARGS_NONE  0   /* no (...) allowed; nLength = iDefault */
#define ARGS_LEN   1   /* optional (n): nLength, default iDefault */
#define ARGS_PS    2   /* optional (p[,s]): precision/scale, default iDefault,0 */
#define ARGS_FSP   3   /* optional (p): fractional seconds -> nPrecision */
#define ARGS_WIDTH 4   /* optional (n): display width, ignored */
#define ARGS_FLOAT 5   /* float(p): real when p<=24, else double; (p,s) kept */
#define ARGS_PSOPT 6   /* optional (p,s) recorded (MySQL DOUBLE(10,2)) */
#define ARGS_ENUM  7   /* ('a','b',...) */

#define TF_TZ    0x01  /* always with time zone */
#define TF_TZOK  0x02  /* accepts WITH / WITHOUT TIME ZONE */
#define TF_UNS   0x04  /* implies UNSIGNED (MySQL SERIAL) */
#define TF_TINY1 0x08  /* width 1 means boolean (TINYINT(1)) */
#define TF_NUM   0x10  /* accepts UNSIGNED / ZEROFILL */

typedef struct TypeEntry TypeEntry;
struct TypeEntry {
  const char *zKey;       /* lowercase spelling, words joined by one space */
  const char *zFamily;    /* family it normalises to */
  unsigned char eArgs;    /* ARGS_* */
  int iDefault;           /* length or precision when no argument is given */
  unsigned char mFlag;    /* TF_* */
};

#define MAXLEN_TINY   255
#define MAXLEN_MID    65535
#define MAXLEN_MEDIUM 16777215

/* Portable model vocabulary; also the first try for SQLite declared types. */
static const TypeEntry aPortable[] = {
  { "integer",          "integer",  ARGS_WIDTH, -1, TF_NUM },
  { "int",              "integer",  ARGS_WIDTH, -1, TF_NUM },
  { "int4",             "integer",  ARGS_NONE,  -1, TF_NUM },
  { "mediumint",        "integer",  ARGS_WIDTH, -1, TF_NUM },
  { "smallint",         "smallint", ARGS_WIDTH, -1, TF_NUM },
  { "int2",             "smallint", ARGS_NONE,  -1, TF_NUM },
  { "tinyint",          "smallint", ARGS_WIDTH, -1, TF_NUM|TF_TINY1 },
  { "bigint",           "bigint",   ARGS_WIDTH, -1, TF_NUM },
  { "int8",             "bigint",   ARGS_NONE,  -1, TF_NUM },
  { "big int",          "bigint",   ARGS_NONE,  -1, TF_NUM },
  { "boolean",          "boolean",  ARGS_NONE,  -1, 0 },
  { "bool",             "boolean",  ARGS_NONE,  -1, 0 },
  { "real",             "real",     ARGS_NONE,  -1, TF_NUM },
  { "float4",           "real",     ARGS_NONE,  -1, TF_NUM },
  { "double",           "double",   ARGS_NONE,  -1, TF_NUM },
  { "double precision", "double",   ARGS_NONE,  -1, TF_NUM },
  { "float8",           "double",   ARGS_NONE,  -1, TF_NUM },
  { "float",            "double",   ARGS_FLOAT, -1, TF_NUM },
  { "numeric",          "numeric",  ARGS_PS,    -1, TF_NUM },
  { "decimal",          "numeric",  ARGS_PS,    -1, TF_NUM },
  { "text",             "text",     ARGS_LEN,   -1, 0 },
  { "clob",             "text",     ARGS_NONE,  -1, 0 },
  { "varchar",          "varchar",  ARGS_LEN,   -1, 0 },
  { "character varying","varchar",  ARGS_LEN,   -1, 0 },
  { "char varying",     "varchar",  ARGS_LEN,   -1, 0 },
  { "varying character","varchar",  ARGS_LEN,   -1, 0 },
  { "nvarchar",         "varchar",  ARGS_LEN,   -1, 0 },
  { "char",             "char",     ARGS_LEN,    1, 0 },
  { "character",        "char",     ARGS_LEN,    1, 0 },
  { "nchar",            "char",     ARGS_LEN,    1, 0 },
  { "native character", "char",     ARGS_LEN,    1, 0 },
  { "blob",             "blob",     ARGS_LEN,   -1, 0 },
  { "bytea",            "blob",     ARGS_NONE,  -1, 0 },
  { "date",             "date",     ARGS_NONE,  -1, 0 },
  { "time",             "time",     ARGS_FSP,   -1, TF_TZOK },
  { "timetz",           "time",     ARGS_FSP,   -1, TF_TZ },
  { "timestamp",        "timestamp",ARGS_FSP,   -1, TF_TZOK },
  { "timestamptz",      "timestamp",ARGS_FSP,   -1, TF_TZ },
  { "datetime",         "timestamp",ARGS_FSP,   -1, 0 },
  { "interval",         "interval", ARGS_FSP,   -1, 0 },
  { "json",             "json",     ARGS_NONE,  -1, 0 },
  { "jsonb",            "json",     ARGS_NONE,  -1, 0 },
  { "uuid",             "uuid",     ARGS_NONE,  -1, 0 },
  { "bit",              "bit",      ARGS_LEN,    1, 0 },
  { "bit varying",      "bit",      ARGS_LEN,   -1, 0 },
  { "varbit",           "bit",      ARGS_LEN,   -1, 0 },
  { "any",              "other",    ARGS_NONE,  -1, 0 },  /* STRICT tables */
  { 0, 0, 0, 0, 0 }
};

/* PostgreSQL: format_type() spellings and the pg_type names. */
static const TypeEntry aPostgres[] = {
  { "smallint",         "smallint", ARGS_NONE,  -1, 0 },
  { "int2",             "smallint", ARGS_NONE,  -1, 0 },
  { "smallserial",      "smallint", ARGS_NONE,  -1, 0 },
  { "serial2",          "smallint", ARGS_NONE,  -1, 0 },
  { "integer",          "integer",  ARGS_NONE,  -1, 0 },
  { "int",              "integer",  ARGS_NONE,  -1, 0 },
  { "int4",             "integer",  ARGS_NONE,  -1, 0 },
  { "serial",           "integer",  ARGS_NONE,  -1, 0 },
  { "serial4",          "integer",  ARGS_NONE,  -1, 0 },
  { "bigint",           "bigint",   ARGS_NONE,  -1, 0 },
  { "int8",             "bigint",   ARGS_NONE,  -1, 0 },
  { "bigserial",        "bigint",   ARGS_NONE,  -1, 0 },
  { "serial8",          "bigint",   ARGS_NONE,  -1, 0 },
  { "boolean",          "boolean",  ARGS_NONE,  -1, 0 },
  { "bool",             "boolean",  ARGS_NONE,  -1, 0 },
  { "real",             "real",     ARGS_NONE,  -1, 0 },
  { "float4",           "real",     ARGS_NONE,  -1, 0 },
  { "double precision", "double",   ARGS_NONE,  -1, 0 },
  { "float8",           "double",   ARGS_NONE,  -1, 0 },
  { "float",            "double",   ARGS_FLOAT, -1, 0 },
  { "numeric",          "numeric",  ARGS_PS,    -1, 0 },
  { "decimal",          "numeric",  ARGS_PS,    -1, 0 },
  { "character varying","varchar",  ARGS_LEN,   -1, 0 },
  { "varchar",          "varchar",  ARGS_LEN,   -1, 0 },
  { "character",        "char",     ARGS_LEN,    1, 0 },
  { "char",             "char",     ARGS_LEN,    1, 0 },
  { "bpchar",           "char",     ARGS_LEN,   -1, 0 },
  { "text",             "text",     ARGS_NONE,  -1, 0 },
  { "citext",           "text",     ARGS_NONE,  -1, 0 },
  { "bytea",            "blob",     ARGS_NONE,  -1, 0 },
  { "date",             "date",     ARGS_NONE,  -1, 0 },
  { "time",             "time",     ARGS_FSP,   -1, TF_TZOK },
  { "timetz",           "time",     ARGS_FSP,   -1, TF_TZ },
  { "timestamp",        "timestamp",ARGS_FSP,   -1, TF_TZOK },
  { "timestamptz",      "timestamp",ARGS_FSP,   -1, TF_TZ },
  { "interval",         "interval", ARGS_FSP,   -1, 0 },
  { "json",             "json",     ARGS_NONE,  -1, 0 },
  { "jsonb",            "json",     ARGS_NONE,  -1, 0 },
  { "uuid",             "uuid",     ARGS_NONE,  -1, 0 },
  { "bit",              "bit",      ARGS_LEN,    1, 0 },
  { "bit varying",      "bit",      ARGS_LEN,   -1, 0 },
  { "varbit",           "bit",      ARGS_LEN,   -1, 0 },
  /* Known types without a portable family: compared by native text. */
  { "xml",      "other", ARGS_NONE, -1, 0 }, { "money",    "other", ARGS_NONE, -1, 0 },
  { "inet",     "other", ARGS_NONE, -1, 0 }, { "cidr",     "other", ARGS_NONE, -1, 0 },
  { "macaddr",  "other", ARGS_NONE, -1, 0 }, { "macaddr8", "other", ARGS_NONE, -1, 0 },
  { "tsvector", "other", ARGS_NONE, -1, 0 }, { "tsquery",  "other", ARGS_NONE, -1, 0 },
  { "point",    "other", ARGS_NONE, -1, 0 }, { "line",     "other", ARGS_NONE, -1, 0 },
  { "lseg",     "other", ARGS_NONE, -1, 0 }, { "box",      "other", ARGS_NONE, -1, 0 },
  { "path",     "other", ARGS_NONE, -1, 0 }, { "polygon",  "other", ARGS_NONE, -1, 0 },
  { "circle",   "other", ARGS_NONE, -1, 0 }, { "oid",      "other", ARGS_NONE, -1, 0 },
  { "name",     "other", ARGS_NONE, -1, 0 }, { "regclass", "other", ARGS_NONE, -1, 0 },
  { "int4range","other", ARGS_NONE, -1, 0 }, { "int8range","other", ARGS_NONE, -1, 0 },
  { "numrange", "other", ARGS_NONE, -1, 0 }, { "tsrange",  "other", ARGS_NONE, -1, 0 },
  { "tstzrange","other", ARGS_NONE, -1, 0 }, { "daterange","other", ARGS_NONE, -1, 0 },
  { "pg_lsn",   "other", ARGS_NONE, -1, 0 },
  { 0, 0, 0, 0, 0 }
};

/* MySQL / MariaDB: information_schema.COLUMNS.COLUMN_TYPE spellings. */
static const TypeEntry aMysql[] = {
  { "tinyint",          "smallint", ARGS_WIDTH, -1, TF_NUM|TF_TINY1 },
  { "int1",             "smallint", ARGS_WIDTH, -1, TF_NUM|TF_TINY1 },
  { "smallint",         "smallint", ARGS_WIDTH, -1, TF_NUM },
  { "int2",             "smallint", ARGS_WIDTH, -1, TF_NUM },
  { "year",             "smallint", ARGS_WIDTH, -1, 0 },
  { "mediumint",        "integer",  ARGS_WIDTH, -1, TF_NUM },
  { "middleint",        "integer",  ARGS_WIDTH, -1, TF_NUM },
  { "int3",             "integer",  ARGS_WIDTH, -1, TF_NUM },
  { "int",              "integer",  ARGS_WIDTH, -1, TF_NUM },
  { "integer",          "integer",  ARGS_WIDTH, -1, TF_NUM },
  { "int4",             "integer",  ARGS_WIDTH, -1, TF_NUM },
  { "bigint",           "bigint",   ARGS_WIDTH, -1, TF_NUM },
  { "int8",             "bigint",   ARGS_WIDTH, -1, TF_NUM },
  { "serial",           "bigint",   ARGS_NONE,  -1, TF_UNS },
  { "bool",             "boolean",  ARGS_NONE,  -1, 0 },
  { "boolean",          "boolean",  ARGS_NONE,  -1, 0 },
  { "float",            "real",     ARGS_FLOAT, -1, TF_NUM },
  { "float4",           "real",     ARGS_NONE,  -1, TF_NUM },
  { "double",           "double",   ARGS_PSOPT, -1, TF_NUM },
  { "double precision", "double",   ARGS_PSOPT, -1, TF_NUM },
  { "real",             "double",   ARGS_PSOPT, -1, TF_NUM },
  { "float8",           "double",   ARGS_NONE,  -1, TF_NUM },
  { "decimal",          "numeric",  ARGS_PS,    10, TF_NUM },
  { "numeric",          "numeric",  ARGS_PS,    10, TF_NUM },
  { "dec",              "numeric",  ARGS_PS,    10, TF_NUM },
  { "fixed",            "numeric",  ARGS_PS,    10, TF_NUM },
  { "char",             "char",     ARGS_LEN,    1, 0 },
  { "character",        "char",     ARGS_LEN,    1, 0 },
  { "nchar",            "char",     ARGS_LEN,    1, 0 },
  { "varchar",          "varchar",  ARGS_LEN,   -1, 0 },
  { "character varying","varchar",  ARGS_LEN,   -1, 0 },
  { "char varying",     "varchar",  ARGS_LEN,   -1, 0 },
  { "nvarchar",         "varchar",  ARGS_LEN,   -1, 0 },
  { "tinytext",         "text",     ARGS_NONE,  MAXLEN_TINY, 0 },
  { "text",             "text",     ARGS_NONE,  MAXLEN_MID, 0 },
  { "mediumtext",       "text",     ARGS_NONE,  MAXLEN_MEDIUM, 0 },
  { "long",             "text",     ARGS_NONE,  MAXLEN_MEDIUM, 0 },
  { "long varchar",     "text",     ARGS_NONE,  MAXLEN_MEDIUM, 0 },
  { "longtext",         "text",     ARGS_NONE,  -1, 0 },
  { "binary",           "blob",     ARGS_LEN,    1, 0 },
  { "varbinary",        "blob",     ARGS_LEN,   -1, 0 },
  { "tinyblob",         "blob",     ARGS_NONE,  MAXLEN_TINY, 0 },
  { "blob",             "blob",     ARGS_NONE,  MAXLEN_MID, 0 },
  { "mediumblob",       "blob",     ARGS_NONE,  MAXLEN_MEDIUM, 0 },
  { "longblob",         "blob",     ARGS_NONE,  -1, 0 },
  { "date",             "date",     ARGS_NONE,  -1, 0 },
  { "time",             "time",     ARGS_FSP,   -1, 0 },
  { "datetime",         "timestamp",ARGS_FSP,   -1, 0 },
  { "timestamp",        "timestamp",ARGS_FSP,   -1, TF_TZ },
  { "json",             "json",     ARGS_NONE,  -1, 0 },
  { "uuid",             "uuid",     ARGS_NONE,  -1, 0 },   /* MariaDB 10.7+ */
  { "enum",             "enum",     ARGS_ENUM,  -1, 0 },
  { "set",              "other",    ARGS_ENUM,  -1, 0 },
  { "bit",              "bit",      ARGS_LEN,    1, 0 },
  { "inet4",    "other", ARGS_NONE, -1, 0 }, { "inet6",    "other", ARGS_NONE, -1, 0 },
  { "geometry", "other", ARGS_NONE, -1, 0 }, { "point",    "other", ARGS_NONE, -1, 0 },
  { "linestring","other",ARGS_NONE, -1, 0 }, { "polygon",  "other", ARGS_NONE, -1, 0 },
  { "multipoint","other",ARGS_NONE, -1, 0 }, { "multilinestring","other",ARGS_NONE,-1,0 },
  { "multipolygon","other",ARGS_NONE,-1, 0 }, { "geometrycollection","other",ARGS_NONE,-1,0 },
  { "geomcollection","other",ARGS_NONE,-1,0 },
  { 0, 0, 0, 0, 0 }
};

/* MongoDB: BSON type names as $jsonSchema bsonType and $type spell them. */
static const TypeEntry aMongo[] = {
  { "string",     "text",      ARGS_NONE, -1, 0 },
  { "int",        "integer",   ARGS_NONE, -1, 0 },
  { "long",       "bigint",    ARGS_NONE, -1, 0 },
  { "double",     "double",    ARGS_NONE, -1, 0 },
  { "decimal",    "numeric",   ARGS_NONE, -1, 0 },
  { "number",     "numeric",   ARGS_NONE, -1, 0 },
  { "bool",       "boolean",   ARGS_NONE, -1, 0 },
  { "date",       "timestamp", ARGS_NONE, -1, TF_TZ },
  { "timestamp",  "timestamp", ARGS_NONE, -1, 0 },
  { "objectid",   "objectid",  ARGS_NONE, -1, 0 },
  { "object",     "object",    ARGS_NONE, -1, 0 },
  { "array",      "array",     ARGS_NONE, -1, 0 },
  { "bindata",    "blob",      ARGS_NONE, -1, 0 },
  { "uuid",       "uuid",      ARGS_NONE, -1, 0 },
  { "null",       "other",     ARGS_NONE, -1, 0 },
  { "regex",      "other",     ARGS_NONE, -1, 0 },
  { "javascript", "other",     ARGS_NONE, -1, 0 },
  { "symbol",     "other",     ARGS_NONE, -1, 0 },
  { "dbpointer",  "other",     ARGS_NONE, -1, 0 },
  { "undefined",  "other",     ARGS_NONE, -1, 0 },
  { "minkey",     "other",     ARGS_NONE, -1, 0 },
  { "maxkey",     "other",     ARGS_NONE, -1, 0 },
  { 0, 0, 0, 0, 0 }
};

static const TypeEntry *typeLookup(int eEng, const char *zKey){
  const TypeEntry *a;
  switch( eEng ){
    case ENG_SQLITE: case ENG_MODEL: a = aPortable; break;
    case ENG_PG:    a = aPostgres; break;
    case ENG_MYSQL: a = aMysql; break;
    case ENG_MONGO: a = aMongo; break;
    default: return 0;
  }
  for(; a->zKey; a++){
    if( strcmp(a->zKey, zKey)==0 ) return a;
  }
  return 0;
}

static void typeReset(DfType *o){
  o->zFamily = "other";
  o->nLength = o->nPrecision = o->nScale = -1;
  o->bTz = o->bArray = o->bUnsigned = 0;
}

/* Apply entry e to the parsed text. Returns 0 when the arguments or the
** modifiers do not fit the entry (the caller then falls back). */
static int typeApply(const TypeEntry *e, const TypeParse *p, int eEng, DfType *o){
  int a0 = p->aArg[0], a1 = p->aArg[1];
  typeReset(o);
  o->zFamily = e->zFamily;
  switch( e->eArgs ){
    case ARGS_NONE:
      if( p->nArg>=0 ) return 0;
      o->nLength = e->iDefault;
      break;
    case ARGS_LEN:
      if( p->nArg<0 ) o->nLength = e->iDefault;
      else if( p->nArg==1 && p->bArgNum && a0>=0 ) o->nLength = a0;
      else return 0;
      break;
    case ARGS_PS:
      if( p->nArg<0 ){
        o->nPrecision = e->iDefault;
        o->nScale = e->iDefault<0 ? -1 : 0;
      }else if( p->nArg==1 && p->bArgNum && a0>0 ){
        o->nPrecision = a0; o->nScale = 0;
      }else if( p->nArg==2 && p->bArgNum && a0>0 ){
        o->nPrecision = a0; o->nScale = a1;
      }else{
        return 0;
      }
      break;
    case ARGS_FSP:
      if( p->nArg<0 ) break;
      if( p->nArg==1 && p->bArgNum && a0>=0 ){ o->nPrecision = a0; break; }
      return 0;
    case ARGS_WIDTH:
      if( p->nArg<0 ) break;
      if( p->nArg==1 && p->bArgNum && a0>=0 ){
        if( (e->mFlag & TF_TINY1) && a0==1 && !p->bUnsigned ) o->zFamily = "boolean";
        break;
      }
      return 0;
    case ARGS_FLOAT:
      if( p->nArg<0 ) break;
      if( p->nArg==1 && p->bArgNum && a0>=1 && a0<=53 ){
        o->zFamily = a0<=24 ? "real" : "double";
        break;
      }
      if( p->nArg==2 && p->bArgNum && a0>0 ){
        o->nPrecision = a0; o->nScale = a1;
        break;
      }
      return 0;
    case ARGS_PSOPT:
      if( p->nArg<0 ) break;
      if( p->nArg==2 && p->bArgNum && a0>0 ){
        o->nPrecision = a0; o->nScale = a1;
        break;
      }
      return 0;
    case ARGS_ENUM:
      if( p->nArg<1 || !p->bArgStr ) return 0;
      break;
  }
  if( p->bUnsigned ){
    if( !(e->mFlag & TF_NUM) ) return 0;
    o->bUnsigned = 1;
  }
  if( e->mFlag & TF_UNS ) o->bUnsigned = 1;
  if( p->eTz==1 ){
    if( !(e->mFlag & (TF_TZOK|TF_TZ)) ) return 0;
    o->bTz = 1;
  }else if( p->eTz==2 ){
    if( !(e->mFlag & TF_TZOK) ) return 0;
  }
  if( e->mFlag & TF_TZ ) o->bTz = 1;
  if( p->nArray ){
    if( eEng==ENG_MYSQL || eEng==ENG_MONGO ) return 0;
    o->bArray = 1;
  }
  return 1;
}

/* SQLite's affinity rules (datatype3.html, 3.1), in their order. An 8-byte
** float is what SQLite stores for REAL affinity, hence "double". */
static void typeAffinity(const char *z, DfType *o){
  typeReset(o);
  if( dfCiContains(z, "int") ) o->zFamily = "integer";
  else if( dfCiContains(z, "char") || dfCiContains(z, "clob")
        || dfCiContains(z, "text") ) o->zFamily = "text";
  else if( dfCiContains(z, "blob") ) o->zFamily = "blob";
  else if( dfCiContains(z, "real") || dfCiContains(z, "floa")
        || dfCiContains(z, "doub") ) o->zFamily = "double";
  else o->zFamily = "numeric";
}

/* PostgreSQL "interval day to second": the fields do not change the family. */
static int tpIsIntervalFields(const TypeParse *p){
  static const char *const azField[] = {
    "year", "month", "day", "hour", "minute", "second", "to", 0
  };
  const char *z = p->zKey;
  if( strncmp(z, "interval ", 9)!=0 ) return 0;
  z += 9;
  while( *z ){
    char zW[TP_WORDLEN];
    int n = 0;
    while( z[n] && z[n]!=' ' && n<TP_WORDLEN-1 ){ zW[n] = z[n]; n++; }
    zW[n] = 0;
    if( !dfInList(zW, azField) ) return 0;
    z += n;
    if( *z==' ' ) z++;
  }
  return 1;
}

int dfTypeNormalise(const char *zEngine, const char *zNative, DfType *pOut){
  int eEng = dfEngineCode(zEngine);
  const char *z = zNative;
  TypeParse tp;
  typeReset(pOut);
  while( z && dfIsSpace((unsigned char)*z) ) z++;
  if( z==0 || *z==0 ){
    /* A SQLite column without a type has BLOB affinity. */
    if( eEng==ENG_SQLITE || eEng==ENG_MODEL ) pOut->zFamily = "blob";
    return 0;
  }
  typeParse(z, &tp);
  if( eEng!=ENG_UNKNOWN && !tp.bBad && !tp.bQuoted && tp.zKey[0]
   && (tp.zQual[0]==0 || (eEng==ENG_PG && strcmp(tp.zQual, "pg_catalog")==0)) ){
    const TypeEntry *e;
    e = typeLookup(eEng, tpIsIntervalFields(&tp) ? "interval" : tp.zKey);
    if( e && typeApply(e, &tp, eEng, pOut) ) return 1;
    if( eEng==ENG_PG && tp.zKey[0]=='_' && tp.nArray==0 && tp.nWord==1 ){
      /* pg_type names of arrays: _int4 is integer[] */
      e = typeLookup(eEng, tp.zKey+1);
      tp.nArray = 1;
      if( e && typeApply(e, &tp, eEng, pOut) ) return 1;
    }
  }
  typeReset(pOut);
  if( eEng==ENG_SQLITE || eEng==ENG_MODEL ) typeAffinity(z, pOut);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Enum labels.                                                        */
/* ------------------------------------------------------------------ */

/* Append zIn[0..n) as the contents of a JSON string (no quotes). */
static void jsonEscape(sqlite3_str *s, const char *z, int n){
  int i;
  for(i=0; i<n; i++){
    unsigned char c = (unsigned char)z[i];
    if( c=='"' || c=='\\' ){
      sqlite3_str_appendchar(s, 1, '\\');
      sqlite3_str_appendchar(s, 1, (char)c);
    }else if( c<0x20 ){
      sqlite3_str_appendf(s, "\\u%04x", c);
    }else{
      sqlite3_str_appendchar(s, 1, (char)c);
    }
  }
}

/*
** The labels of a MySQL inline enum('a','b') as a JSON array ["a","b"] in
** declaration order (MySQL's sort order). Labels are decoded as MySQL
** prints them: '' and backslash escapes. NULL when zNative is not an enum.
** OUT: caller frees.
*/
char *dfTypeEnumLabels(const char *zNative){
  TypeParse tp;
  sqlite3_str *s;
  int i, nLabel = 0;
  if( zNative==0 ) return 0;
  typeParse(zNative, &tp);
  if( tp.bBad || strcmp(tp.zKey, "enum")!=0 || tp.nArg<1 || !tp.bArgStr ) return 0;
  s = sqlite3_str_new(0);
  sqlite3_str_appendchar(s, 1, '[');
  i = tp.iArgStart;
  while( i<tp.iArgEnd ){
    if( zNative[i]!='\'' ){ i++; continue; }
    if( nLabel++ ) sqlite3_str_appendchar(s, 1, ',');
    sqlite3_str_appendchar(s, 1, '"');
    i++;
    while( zNative[i] ){
      char c = zNative[i];
      if( c=='\'' ){
        if( zNative[i+1]=='\'' ){ jsonEscape(s, "'", 1); i += 2; continue; }
        i++;
        break;
      }
      if( c=='\\' && zNative[i+1] ){
        char d = zNative[i+1];
        switch( d ){
          case 'n': jsonEscape(s, "\n", 1); break;
          case 't': jsonEscape(s, "\t", 1); break;
          case 'r': jsonEscape(s, "\r", 1); break;
          case '0': jsonEscape(s, "\\0", 2); break;
          default:  jsonEscape(s, &zNative[i+1], 1); break;
        }
        i += 2;
        continue;
      }
      jsonEscape(s, &zNative[i], 1);
      i++;
    }
    sqlite3_str_appendchar(s, 1, '"');
  }
  sqlite3_str_appendchar(s, 1, ']');
  return sqlite3_str_finish(s);
}

/* Decode a JSON array of strings (as written by dfTypeEnumLabels) into SQL
** literals 'a','b' appended to s. bBackslash: also double backslashes
** (MySQL). Returns 0 when zJson is not such an array (nothing useful then). */
static int jsonLabelsToSql(const char *zJson, int bBackslash, sqlite3_str *s){
  const char *z = zJson;
  int n = 0;
  while( dfIsSpace((unsigned char)*z) ) z++;
  if( *z!='[' ) return 0;
  z++;
  for(;;){
    while( dfIsSpace((unsigned char)*z) ) z++;
    if( *z==']' ) return n>0;
    if( n>0 ){
      if( *z!=',' ) return 0;
      z++;
      while( dfIsSpace((unsigned char)*z) ) z++;
    }
    if( *z!='"' ) return 0;
    z++;
    if( n++ ) sqlite3_str_appendchar(s, 1, ',');
    sqlite3_str_appendchar(s, 1, '\'');
    while( *z!='"' ){
      char c = *z;
      if( c==0 ) return 0;
      if( c=='\\' ){
        z++;
        switch( *z ){
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'r': c = '\r'; break;
          case 'b': c = '\b'; break;
          case 'f': c = '\f'; break;
          case 'u': {
            int k, v = 0;
            for(k=1; k<=4; k++){
              int h = z[k];
              if( !dfIsHex(h) ) return 0;
              v = v*16 + (dfIsDigit(h) ? h-'0' : dfLower(h)-'a'+10);
            }
            z += 4;
            if( v<0x80 ){
              c = (char)v;
            }else if( v<0x800 ){
              sqlite3_str_appendchar(s, 1, (char)(0xC0 | (v>>6)));
              c = (char)(0x80 | (v & 0x3F));
            }else{
              sqlite3_str_appendchar(s, 1, (char)(0xE0 | (v>>12)));
              sqlite3_str_appendchar(s, 1, (char)(0x80 | ((v>>6) & 0x3F)));
              c = (char)(0x80 | (v & 0x3F));
            }
            break;
          }
          case 0: return 0;
          default: c = *z; break;
        }
      }
      if( c=='\'' ) sqlite3_str_appendchar(s, 1, '\'');
      if( c=='\\' && bBackslash ) sqlite3_str_appendchar(s, 1, '\\');
      sqlite3_str_appendchar(s, 1, c);
      z++;
    }
    z++;
    sqlite3_str_appendchar(s, 1, '\'');
  }
}

/* ------------------------------------------------------------------ */
/* Rendering, equality, widening, description.                         */
/* ------------------------------------------------------------------ */

static const char *colFamily(const DfColumn *p){
  return (p && p->zFamily && p->zFamily[0]) ? p->zFamily : "other";
}
static int famIs(const DfColumn *p, const char *zFam){
  return strcmp(colFamily(p), zFam)==0;
}

/* Precision/scale suffix "(p,s)" or "(p)" when set. */
static void appendPS(sqlite3_str *s, int p, int sc){
  if( p<0 ) return;
  if( sc>=0 ) sqlite3_str_appendf(s, "(%d,%d)", p, sc);
  else sqlite3_str_appendf(s, "(%d)", p);
}

static void renderSqlite(sqlite3_str *s, const DfColumn *c){
  const char *f = colFamily(c);
  if( strcmp(f, "smallint")==0 ) sqlite3_str_appendall(s, "SMALLINT");
  else if( strcmp(f, "integer")==0 ) sqlite3_str_appendall(s, "INTEGER");
  else if( strcmp(f, "bigint")==0 ) sqlite3_str_appendall(s, "BIGINT");
  else if( strcmp(f, "boolean")==0 ) sqlite3_str_appendall(s, "BOOLEAN");
  else if( strcmp(f, "real")==0 ) sqlite3_str_appendall(s, "REAL");
  else if( strcmp(f, "double")==0 ) sqlite3_str_appendall(s, "DOUBLE");
  else if( strcmp(f, "numeric")==0 ){
    sqlite3_str_appendall(s, "NUMERIC");
    appendPS(s, c->nPrecision, c->nScale);
  }
  else if( strcmp(f, "varchar")==0 ){
    sqlite3_str_appendall(s, "VARCHAR");
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "(%d)", c->nLength);
  }
  else if( strcmp(f, "char")==0 ){
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "CHAR(%d)", c->nLength);
    else sqlite3_str_appendall(s, "TEXT");      /* bpchar: lossy */
  }
  else if( strcmp(f, "text")==0 ){
    sqlite3_str_appendall(s, "TEXT");
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "(%d)", c->nLength);
  }
  else if( strcmp(f, "blob")==0 ){
    sqlite3_str_appendall(s, "BLOB");
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "(%d)", c->nLength);
  }
  else if( strcmp(f, "date")==0 ) sqlite3_str_appendall(s, "DATE");
  else if( strcmp(f, "time")==0 || strcmp(f, "timestamp")==0 ){
    sqlite3_str_appendall(s, f[4] ? "TIMESTAMP" : "TIME");
    if( c->bTz ) sqlite3_str_appendall(s, "TZ");
    if( c->nPrecision>=0 ) sqlite3_str_appendf(s, "(%d)", c->nPrecision);
  }
  else if( strcmp(f, "interval")==0 ){
    sqlite3_str_appendall(s, "INTERVAL");
    if( c->nPrecision>=0 ) sqlite3_str_appendf(s, "(%d)", c->nPrecision);
  }
  else if( strcmp(f, "json")==0 || strcmp(f, "object")==0 || strcmp(f, "array")==0 ){
    sqlite3_str_appendall(s, "JSON");
  }
  else if( strcmp(f, "uuid")==0 ) sqlite3_str_appendall(s, "UUID");
  else if( strcmp(f, "enum")==0 ) sqlite3_str_appendall(s, "TEXT");
  else if( strcmp(f, "bit")==0 ){
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "BIT(%d)", c->nLength);
    else sqlite3_str_appendall(s, "BIT VARYING");
  }
  else if( strcmp(f, "objectid")==0 ) sqlite3_str_appendall(s, "CHAR(24)");
  else sqlite3_str_appendall(s, c->zTypeNative ? c->zTypeNative : "TEXT");
  if( c->bUnsigned && strcmp(f, "other")!=0 ) sqlite3_str_appendall(s, " UNSIGNED");
  if( c->bArray && strcmp(f, "other")!=0 ) sqlite3_str_appendall(s, "[]");
}

static void renderPg(sqlite3_str *s, const DfColumn *c){
  const char *f = colFamily(c);
  int u = c->bUnsigned;
  /* Unsigned MySQL integers move up one size: no value may be lost. */
  if( strcmp(f, "smallint")==0 ) sqlite3_str_appendall(s, u ? "integer" : "smallint");
  else if( strcmp(f, "integer")==0 ) sqlite3_str_appendall(s, u ? "bigint" : "integer");
  else if( strcmp(f, "bigint")==0 ) sqlite3_str_appendall(s, u ? "numeric(20,0)" : "bigint");
  else if( strcmp(f, "boolean")==0 ) sqlite3_str_appendall(s, "boolean");
  else if( strcmp(f, "real")==0 ) sqlite3_str_appendall(s, "real");
  else if( strcmp(f, "double")==0 ) sqlite3_str_appendall(s, "double precision");
  else if( strcmp(f, "numeric")==0 ){
    sqlite3_str_appendall(s, "numeric");
    appendPS(s, c->nPrecision, c->nScale);
  }
  else if( strcmp(f, "varchar")==0 ){
    sqlite3_str_appendall(s, "varchar");
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "(%d)", c->nLength);
  }
  else if( strcmp(f, "char")==0 ){
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "char(%d)", c->nLength);
    else sqlite3_str_appendall(s, "bpchar");
  }
  else if( strcmp(f, "text")==0 ) sqlite3_str_appendall(s, "text");
  else if( strcmp(f, "blob")==0 ) sqlite3_str_appendall(s, "bytea");
  else if( strcmp(f, "date")==0 ) sqlite3_str_appendall(s, "date");
  else if( strcmp(f, "time")==0 || strcmp(f, "timestamp")==0 ){
    sqlite3_str_appendall(s, f);
    if( c->bTz ) sqlite3_str_appendall(s, "tz");
    if( c->nPrecision>=0 ) sqlite3_str_appendf(s, "(%d)", c->nPrecision);
  }
  else if( strcmp(f, "interval")==0 ){
    sqlite3_str_appendall(s, "interval");
    if( c->nPrecision>=0 ) sqlite3_str_appendf(s, "(%d)", c->nPrecision);
  }
  else if( strcmp(f, "json")==0 || strcmp(f, "object")==0 || strcmp(f, "array")==0 ){
    sqlite3_str_appendall(s, "jsonb");
  }
  else if( strcmp(f, "uuid")==0 ) sqlite3_str_appendall(s, "uuid");
  else if( strcmp(f, "enum")==0 ){
    if( c->zTypeRef && c->zTypeRef[0] && c->zTypeRef[0]!='[' ){
      const char *z;
      sqlite3_str_appendchar(s, 1, '"');
      for(z=c->zTypeRef; *z; z++){
        if( *z=='"' ) sqlite3_str_appendchar(s, 1, '"');
        sqlite3_str_appendchar(s, 1, *z);
      }
      sqlite3_str_appendchar(s, 1, '"');
    }else{
      sqlite3_str_appendall(s, "text");  /* no type name to refer to */
    }
  }
  else if( strcmp(f, "bit")==0 ){
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "bit(%d)", c->nLength);
    else sqlite3_str_appendall(s, "bit varying");
  }
  else if( strcmp(f, "objectid")==0 ) sqlite3_str_appendall(s, "char(24)");
  else sqlite3_str_appendall(s, c->zTypeNative ? c->zTypeNative : "text");
  if( c->bArray && strcmp(f, "other")!=0 ) sqlite3_str_appendall(s, "[]");
}

/* MySQL names for a string or binary capacity of n bytes (n<0: unbounded). */
static void mysqlLob(sqlite3_str *s, int n, const char *zSuffix){
  if( n<0 || n>MAXLEN_MEDIUM ) sqlite3_str_appendf(s, "long%s", zSuffix);
  else if( n<=MAXLEN_TINY ) sqlite3_str_appendf(s, "tiny%s", zSuffix);
  else if( n<=MAXLEN_MID ) sqlite3_str_appendf(s, "%s", zSuffix);
  else sqlite3_str_appendf(s, "medium%s", zSuffix);
}

static void renderMysql(sqlite3_str *s, const DfColumn *c){
  const char *f = colFamily(c);
  int bUns = 0;
  if( c->bArray ){
    sqlite3_str_appendall(s, "json");          /* MySQL has no arrays */
    return;
  }
  if( strcmp(f, "smallint")==0 ){ sqlite3_str_appendall(s, "smallint"); bUns = 1; }
  else if( strcmp(f, "integer")==0 ){ sqlite3_str_appendall(s, "int"); bUns = 1; }
  else if( strcmp(f, "bigint")==0 ){ sqlite3_str_appendall(s, "bigint"); bUns = 1; }
  else if( strcmp(f, "boolean")==0 ) sqlite3_str_appendall(s, "tinyint(1)");
  else if( strcmp(f, "real")==0 ){ sqlite3_str_appendall(s, "float"); bUns = 1; }
  else if( strcmp(f, "double")==0 ){ sqlite3_str_appendall(s, "double"); bUns = 1; }
  else if( strcmp(f, "numeric")==0 ){
    if( c->nPrecision>=0 ){
      sqlite3_str_appendf(s, "decimal(%d,%d)", c->nPrecision, c->nScale<0 ? 0 : c->nScale);
    }else{
      sqlite3_str_appendall(s, "decimal(65,30)");  /* the widest MySQL has */
    }
    bUns = 1;
  }
  else if( strcmp(f, "varchar")==0 ){
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "varchar(%d)", c->nLength);
    else sqlite3_str_appendall(s, "longtext");
  }
  else if( strcmp(f, "char")==0 ){
    if( c->nLength>=0 ) sqlite3_str_appendf(s, "char(%d)", c->nLength);
    else sqlite3_str_appendall(s, "longtext");
  }
  else if( strcmp(f, "text")==0 ) mysqlLob(s, c->nLength, "text");
  else if( strcmp(f, "blob")==0 ){
    if( c->nLength>=0 && c->nLength<=MAXLEN_TINY ){
      sqlite3_str_appendf(s, "varbinary(%d)", c->nLength);
    }else{
      mysqlLob(s, c->nLength, "blob");
    }
  }
  else if( strcmp(f, "date")==0 ) sqlite3_str_appendall(s, "date");
  else if( strcmp(f, "time")==0 ){
    sqlite3_str_appendall(s, "time");             /* no time zone: lossy */
    if( c->nPrecision>=0 ) sqlite3_str_appendf(s, "(%d)", c->nPrecision);
  }
  else if( strcmp(f, "timestamp")==0 ){
    sqlite3_str_appendall(s, c->bTz ? "timestamp" : "datetime");
    if( c->nPrecision>=0 ) sqlite3_str_appendf(s, "(%d)", c->nPrecision);
  }
  else if( strcmp(f, "interval")==0 ) sqlite3_str_appendall(s, "varchar(64)");
  else if( strcmp(f, "json")==0 || strcmp(f, "object")==0 || strcmp(f, "array")==0 ){
    sqlite3_str_appendall(s, "json");
  }
  else if( strcmp(f, "uuid")==0 ) sqlite3_str_appendall(s, "char(36)");
  else if( strcmp(f, "enum")==0 ){
    sqlite3_str *t = sqlite3_str_new(0);
    char *zLabels;
    int bOk = c->zTypeRef && jsonLabelsToSql(c->zTypeRef, 1, t);
    zLabels = sqlite3_str_finish(t);
    if( bOk && zLabels ){
      sqlite3_str_appendf(s, "enum(%s)", zLabels);
    }else if( c->zTypeNative && strncmp(c->zTypeNative, "enum", 4)==0 ){
      sqlite3_str_appendall(s, c->zTypeNative);
    }else{
      sqlite3_str_appendall(s, "text");          /* labels unknown here */
    }
    sqlite3_free(zLabels);
  }
  else if( strcmp(f, "bit")==0 ){
    sqlite3_str_appendf(s, "bit(%d)", c->nLength>=0 ? c->nLength : 64);
  }
  else if( strcmp(f, "objectid")==0 ) sqlite3_str_appendall(s, "char(24)");
  else sqlite3_str_appendall(s, c->zTypeNative ? c->zTypeNative : "text");
  if( bUns && c->bUnsigned ) sqlite3_str_appendall(s, " unsigned");
}

char *dfTypeRender(const char *zDialect, const char *zSourceEngine,
                   const DfColumn *pCol){
  int eDia = dfEngineCode(zDialect);
  int eSrc = dfEngineCode(zSourceEngine);
  sqlite3_str *s;
  char *z;
  if( pCol==0 ) return 0;
  if( eDia!=ENG_SQLITE && eDia!=ENG_PG && eDia!=ENG_MYSQL ) return 0;
  if( pCol->zTypeNative
   && (eSrc==eDia || (eSrc==ENG_MODEL && eDia==ENG_SQLITE)) ){
    /* Same engine: keep the spelling, so that round trips are byte-exact. */
    return sqlite3_mprintf("%s", pCol->zTypeNative);
  }
  s = sqlite3_str_new(0);
  switch( eDia ){
    case ENG_SQLITE: renderSqlite(s, pCol); break;
    case ENG_PG:     renderPg(s, pCol); break;
    default:         renderMysql(s, pCol); break;
  }
  z = sqlite3_str_finish(s);
  if( z==0 ) z = sqlite3_mprintf("%s", "");
  return z;
}

/* Native text folded for comparing "other" types: lowercase ASCII, runs of
** space collapsed, no space next to ( ) , [ ]. OUT: caller frees. */
static char *typeFoldNative(const char *z){
  sqlite3_str *s = sqlite3_str_new(0);
  char *zOut;
  int bSpace = 0;
  char cPrev = 0;
  if( z==0 ) z = "";
  for(; *z; z++){
    char c = (char)dfLower((unsigned char)*z);
    if( dfIsSpace((unsigned char)c) ){ bSpace = 1; continue; }
    if( bSpace && cPrev && !strchr("(,[", cPrev) && !strchr("(),[]", c) ){
      sqlite3_str_appendchar(s, 1, ' ');
    }
    bSpace = 0;
    sqlite3_str_appendchar(s, 1, c);
    cPrev = c;
  }
  zOut = sqlite3_str_finish(s);
  if( zOut==0 ) zOut = sqlite3_mprintf("%s", "");
  return zOut;
}

static int strEqNullable(const char *a, const char *b){
  if( a==0 || b==0 ) return a==b;
  return strcmp(a, b)==0;
}

int dfTypeEqual(const DfColumn *a, const DfColumn *b){
  if( a==0 || b==0 ) return a==b;
  if( strcmp(colFamily(a), colFamily(b))!=0 ) return 0;
  if( a->nLength!=b->nLength || a->nPrecision!=b->nPrecision
   || a->nScale!=b->nScale || (a->bTz!=0)!=(b->bTz!=0)
   || (a->bArray!=0)!=(b->bArray!=0) || (a->bUnsigned!=0)!=(b->bUnsigned!=0) ){
    return 0;
  }
  if( famIs(a, "enum") ) return strEqNullable(a->zTypeRef, b->zTypeRef);
  if( famIs(a, "other") ){
    char *x = typeFoldNative(a->zTypeNative);
    char *y = typeFoldNative(b->zTypeNative);
    int r = x && y && strcmp(x, y)==0;
    sqlite3_free(x);
    sqlite3_free(y);
    return r;
  }
  return 1;
}

static int intRank(const char *f){
  if( strcmp(f, "smallint")==0 ) return 1;
  if( strcmp(f, "integer")==0 ) return 2;
  if( strcmp(f, "bigint")==0 ) return 3;
  return 0;
}
static int isStringFamily(const char *f){
  return strcmp(f, "char")==0 || strcmp(f, "varchar")==0 || strcmp(f, "text")==0;
}

int dfTypeWidening(const DfColumn *a, const DfColumn *b){
  const char *fa, *fb;
  int ia, ib;
  if( a==0 || b==0 ) return 2;
  if( dfTypeEqual(a, b) ) return 0;
  fa = colFamily(a);
  fb = colFamily(b);
  if( a->bArray || b->bArray ){
    if( a->bArray && b->bArray ){
      DfColumn x = *a, y = *b;
      x.bArray = y.bArray = 0;
      return dfTypeWidening(&x, &y);
    }
    return (strcmp(fb, "text")==0 && b->nLength<0) ? 1 : 2;
  }
  /* Unbounded text holds the text form of any value (binary excepted). */
  if( strcmp(fb, "text")==0 && b->nLength<0 ) return strcmp(fa, "blob")==0 ? 2 : 1;
  ia = intRank(fa);
  ib = intRank(fb);
  if( ia && ib ){
    if( a->bUnsigned==b->bUnsigned ) return ib>ia ? 1 : 2;
    if( a->bUnsigned ) return ib>ia ? 1 : 2;       /* unsigned into wider signed */
    return 2;                                      /* negatives into unsigned */
  }
  if( ia && strcmp(fb, "numeric")==0 ){
    static const int aDigit[] = { 0, 5, 10, 19 };
    int nDigit = aDigit[ia] + (a->bUnsigned && ia==3 ? 1 : 0);
    int sc = b->nScale<0 ? 0 : b->nScale;
    if( b->nPrecision<0 ) return 1;
    return b->nPrecision - sc >= nDigit ? 1 : 2;
  }
  if( ia && strcmp(fb, "double")==0 ) return ia<=2 ? 1 : 2;   /* 53-bit mantissa */
  if( ia && strcmp(fb, "real")==0 ) return ia==1 ? 1 : 2;     /* 24-bit mantissa */
  if( strcmp(fa, "real")==0 && strcmp(fb, "double")==0 ) return 1;
  if( strcmp(fa, "numeric")==0 && strcmp(fb, "numeric")==0 ){
    int sa = a->nScale<0 ? 0 : a->nScale, sb = b->nScale<0 ? 0 : b->nScale;
    if( b->nPrecision<0 ) return 1;
    if( a->nPrecision<0 ) return 2;
    return (sb>=sa && b->nPrecision-sb >= a->nPrecision-sa) ? 1 : 2;
  }
  if( isStringFamily(fa) && isStringFamily(fb) ){
    int la = a->nLength, lb = b->nLength;
    if( lb<0 ) return 1;
    if( la<0 ) return 2;
    if( strcmp(fb, "char")==0 && strcmp(fa, "char")!=0 ) return 2;  /* padding */
    return la<=lb ? 1 : 2;
  }
  if( (strcmp(fa, "uuid")==0 || strcmp(fa, "enum")==0) && isStringFamily(fb) ){
    if( b->nLength<0 ) return 1;
    return (strcmp(fa, "uuid")==0 && b->nLength>=36) ? 1 : 2;
  }
  if( strcmp(fa, "date")==0 && strcmp(fb, "timestamp")==0 ) return b->bTz ? 2 : 1;
  if( (strcmp(fa, "time")==0 || strcmp(fa, "timestamp")==0 || strcmp(fa, "interval")==0)
   && strcmp(fa, fb)==0 ){
    /* Unspecified precision counts as 6 (the PostgreSQL default). */
    int pa = a->nPrecision<0 ? 6 : a->nPrecision;
    int pb = b->nPrecision<0 ? 6 : b->nPrecision;
    if( (a->bTz!=0)!=(b->bTz!=0) ) return 2;     /* the meaning changes */
    return pb>=pa ? 1 : 2;
  }
  if( strcmp(fa, "blob")==0 && strcmp(fb, "blob")==0 ){
    if( b->nLength<0 ) return 1;
    if( a->nLength<0 ) return 2;
    return a->nLength<=b->nLength ? 1 : 2;
  }
  return 2;
}

char *dfTypeDescribe(const DfColumn *p){
  const char *f;
  sqlite3_str *s;
  char *z;
  if( p==0 ) return 0;
  f = colFamily(p);
  if( strcmp(f, "other")==0 ){
    return p->zTypeNative && p->zTypeNative[0] ? typeFoldNative(p->zTypeNative)
                                               : sqlite3_mprintf("other");
  }
  s = sqlite3_str_new(0);
  if( strcmp(f, "enum")==0 ){
    sqlite3_str_appendall(s, "enum");
    if( p->zTypeRef && p->zTypeRef[0]=='[' ){
      sqlite3_str *t = sqlite3_str_new(0);
      char *zL;
      int bOk = jsonLabelsToSql(p->zTypeRef, 0, t);
      zL = sqlite3_str_finish(t);
      if( bOk && zL ) sqlite3_str_appendf(s, "(%s)", zL);
      sqlite3_free(zL);
    }else if( p->zTypeRef && p->zTypeRef[0] ){
      sqlite3_str_appendf(s, "(%s)", p->zTypeRef);
    }
  }else if( strcmp(f, "time")==0 || strcmp(f, "timestamp")==0 ){
    sqlite3_str_appendall(s, f);
    if( p->bTz ) sqlite3_str_appendall(s, "tz");
    if( p->nPrecision>=0 ) sqlite3_str_appendf(s, "(%d)", p->nPrecision);
  }else{
    sqlite3_str_appendall(s, f);
    if( p->nLength>=0 ) sqlite3_str_appendf(s, "(%d)", p->nLength);
    else appendPS(s, p->nPrecision, p->nScale);
  }
  if( p->bUnsigned ) sqlite3_str_appendall(s, " unsigned");
  if( p->bArray ) sqlite3_str_appendall(s, "[]");
  z = sqlite3_str_finish(s);
  return z;
}

/* ------------------------------------------------------------------ */
/* Expression tokens.                                                  */
/* ------------------------------------------------------------------ */

#define ET_WORD    1   /* keyword or unquoted identifier, lowercased */
#define ET_QIDENT  2   /* quoted identifier, stored as "..." */
#define ET_STRING  3   /* string literal, stored as '...' (standard form) */
#define ET_BLOB    4   /* x'..' or b'..' literal, lowercased */
#define ET_NUMBER  5   /* numeric literal, possibly with a leading '-' */
#define ET_OP      6   /* operator */
#define ET_LP      7   /* ( */
#define ET_RP      8   /* ) */
#define ET_LB      9   /* [ */
#define ET_RB     10   /* ] */
#define ET_COMMA  11   /* , */
#define ET_DOT    12   /* . */
#define ET_CAST   13   /* :: */
#define ET_OTHER  14   /* ; ? :name, a * used as "all columns", anything else */

#define EF_BACKSLASH 0x01  /* '...' takes backslash escapes (MySQL) */
#define EF_DQSTRING  0x02  /* "..." is a string literal (defaults) */
#define EF_UPPER     0x04  /* print CURRENT_TIMESTAMP, TRUE, NULL... upper */

typedef struct ExprTok ExprTok;
struct ExprTok {
  int eType;              /* ET_* */
  int iOff;               /* offset of the NUL-terminated text in zText */
  int n;                  /* bytes of text */
  int bUnary;             /* ET_OP used as a prefix operator */
};

typedef struct ExprBuf ExprBuf;
struct ExprBuf {
  ExprTok *aTok;          /* the tokens, in order */
  int nTok;               /* tokens in aTok */
  int nTokAlloc;          /* slots allocated in aTok */
  char *zText;            /* texts of all tokens, NUL after each; shared */
  int nText;              /* bytes used in zText */
  int nTextAlloc;         /* bytes allocated in zText */
  int rc;                 /* SQLITE_OK or SQLITE_NOMEM (sticky) */
};

/* Store z[0..n) plus a NUL; returns its offset or -1 (rc set). */
static int ebText(ExprBuf *p, const char *z, int n){
  int iOff;
  if( p->rc ) return -1;
  if( p->nText+n+1 > p->nTextAlloc ){
    sqlite3_int64 nNew = (sqlite3_int64)p->nTextAlloc*2 + n + 64;
    char *zNew = sqlite3_realloc64(p->zText, nNew);
    if( zNew==0 ){ p->rc = SQLITE_NOMEM; return -1; }
    p->zText = zNew;
    p->nTextAlloc = (int)nNew;
  }
  iOff = p->nText;
  memcpy(&p->zText[iOff], z, n);
  p->zText[iOff+n] = 0;
  p->nText += n+1;
  return iOff;
}

/* Insert a token copy at position i. */
static void ebInsertTok(ExprBuf *p, int i, const ExprTok *pTok){
  if( p->rc ) return;
  if( p->nTok>=p->nTokAlloc ){
    int nNew = p->nTokAlloc*2 + 16;
    ExprTok *aNew = sqlite3_realloc64(p->aTok, sizeof(ExprTok)*(sqlite3_int64)nNew);
    if( aNew==0 ){ p->rc = SQLITE_NOMEM; return; }
    p->aTok = aNew;
    p->nTokAlloc = nNew;
  }
  memmove(&p->aTok[i+1], &p->aTok[i], sizeof(ExprTok)*(p->nTok-i));
  p->aTok[i] = *pTok;
  p->nTok++;
}

static void ebInsert(ExprBuf *p, int i, int eType, const char *z, int n){
  ExprTok t;
  t.eType = eType;
  t.n = n;
  t.bUnary = 0;
  t.iOff = ebText(p, z, n);
  if( t.iOff>=0 ) ebInsertTok(p, i, &t);
}

static void ebPush(ExprBuf *p, int eType, const char *z, int n){
  ebInsert(p, p->nTok, eType, z, n);
}

static void ebDelete(ExprBuf *p, int i, int nDel){
  if( nDel<=0 ) return;
  memmove(&p->aTok[i], &p->aTok[i+nDel], sizeof(ExprTok)*(p->nTok-i-nDel));
  p->nTok -= nDel;
}

/* Replace token i by new text and type. */
static void ebSet(ExprBuf *p, int i, int eType, const char *z, int n){
  int iOff = ebText(p, z, n);
  if( iOff<0 ) return;
  p->aTok[i].eType = eType;
  p->aTok[i].iOff = iOff;
  p->aTok[i].n = n;
  p->aTok[i].bUnary = 0;
}

static const char *ebZ(const ExprBuf *p, int i){ return p->zText + p->aTok[i].iOff; }
static int ebType(const ExprBuf *p, int i){
  return (i>=0 && i<p->nTok) ? p->aTok[i].eType : 0;
}
static int ebIsWord(const ExprBuf *p, int i, const char *zWord){
  return ebType(p, i)==ET_WORD && strcmp(ebZ(p, i), zWord)==0;
}
static int ebIsOp(const ExprBuf *p, int i, const char *zOp){
  return ebType(p, i)==ET_OP && strcmp(ebZ(p, i), zOp)==0;
}

/* Index of the token closing the ( or [ at i, or -1. */
static int ebMatch(const ExprBuf *p, int i){
  int d = 0, k;
  int eOpen = ebType(p, i), eClose = eOpen==ET_LP ? ET_RP : ET_RB;
  if( eOpen!=ET_LP && eOpen!=ET_LB ) return -1;
  for(k=i; k<p->nTok; k++){
    int e = p->aTok[k].eType;
    if( e==eOpen ) d++;
    else if( e==eClose && --d==0 ) return k;
  }
  return -1;
}
/* Index of the token opening the ) or ] at i, or -1. */
static int ebMatchBack(const ExprBuf *p, int i){
  int d = 0, k;
  int eClose = ebType(p, i), eOpen = eClose==ET_RP ? ET_LP : ET_LB;
  if( eClose!=ET_RP && eClose!=ET_RB ) return -1;
  for(k=i; k>=0; k--){
    int e = p->aTok[k].eType;
    if( e==eClose ) d++;
    else if( e==eOpen && --d==0 ) return k;
  }
  return -1;
}

static void ebFree(ExprBuf *p){
  sqlite3_free(p->aTok);
  sqlite3_free(p->zText);
  memset(p, 0, sizeof(*p));
}

/* Words that are never plain identifiers: a quoted identifier spelling
** one of them keeps its quotes. */
static const char *const azReserved[] = {
  "all", "alter", "analyze", "and", "any", "array", "as", "asc", "at",
  "between", "both", "by", "case", "cast", "check", "collate", "column",
  "constraint", "create", "cross", "current_date", "current_time",
  "current_timestamp", "current_user", "default", "deferrable", "delete",
  "desc", "distinct", "do", "drop", "else", "end", "escape", "except",
  "exists", "false", "fetch", "filter", "for", "foreign", "from", "full",
  "glob", "grant", "group", "having", "ilike", "in", "index", "inner",
  "insert", "intersect", "into", "is", "isnull", "join", "key", "leading",
  "left", "like", "limit", "localtime", "localtimestamp", "match", "natural",
  "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer",
  "over", "primary", "references", "regexp", "returning", "right", "select",
  "session_user", "set", "similar", "some", "table", "then", "to",
  "trailing", "true", "union", "unique", "update", "user", "using",
  "values", "view", "when", "where", "window", "with", "within", 0
};

/* Keywords after which a "(" is not a function call: printed "in (1, 2)". */
static const char *const azSpaceParen[] = {
  "and", "or", "not", "in", "exists", "any", "all", "some", "values",
  "over", "filter", "within", "using", "on", "as", "when", "then", "else",
  "case", "between", "like", "ilike", "glob", "regexp", "match", "is",
  "select", "where", "having", "by", "return", "from", "join", "union",
  "intersect", "except", "with", "distinct", "into", "set", "check",
  "escape", 0
};

/* Keywords after which a parenthesised group may lose its parentheses. */
static const char *const azTransparent[] = {
  "and", "or", "not", "when", "then", "else", "case", "between", "like",
  "ilike", "glob", "regexp", "match", "is", "select", "where", "having",
  "on", "by", "return", "distinct", "escape", "check", 0
};

/* Reserved words that may appear at the top level of a removable group. */
static const char *const azGroupOk[] = {
  "and", "or", "not", "is", "in", "like", "ilike", "glob", "regexp",
  "match", "between", "isnull", "notnull", "similar", "escape", "null",
  "true", "false", "current_date", "current_time", "current_timestamp",
  "localtime", "localtimestamp", "collate", "at", "distinct", "from", "any",
  "all", "some", "array", "exists", "cast", "case", "user", "session_user",
  "current_user", "to", 0
};

/* Words that a default prints in upper case. */
static const char *const azUpper[] = {
  "current_timestamp", "current_date", "current_time", "localtimestamp",
  "localtime", "true", "false", "null", 0
};

static int isReserved(const char *z){ return dfInList(z, azReserved); }

/* A plain lowercase identifier: [a-z_][a-z0-9_$]*, not reserved. */
static int isPlainIdent(const char *z, int n){
  int i;
  if( n<=0 || !((z[0]>='a' && z[0]<='z') || z[0]=='_') ) return 0;
  for(i=1; i<n; i++){
    char c = z[i];
    if( !((c>='a' && c<='z') || dfIsDigit(c) || c=='_' || c=='$') ) return 0;
  }
  return 1;
}

/* Push a string literal whose decoded contents are z[0..n). Contents with
** a backslash are printed E'a\\b': MySQL would read a backslash in '...' as
** an escape, E'...' reads the same everywhere, so re-normalising the text
** with any engine gives it back unchanged. */
static void pushString(ExprBuf *p, sqlite3_str *t, const char *z, int n){
  int i, bBs = 0;
  char *zLit;
  sqlite3_str_reset(t);
  for(i=0; i<n; i++) if( z[i]=='\\' ) bBs = 1;
  if( bBs ) sqlite3_str_appendchar(t, 1, 'E');
  sqlite3_str_appendchar(t, 1, '\'');
  for(i=0; i<n; i++){
    if( z[i]=='\'' || z[i]=='\\' ) sqlite3_str_appendchar(t, 1, z[i]);
    sqlite3_str_appendchar(t, 1, z[i]);
  }
  sqlite3_str_appendchar(t, 1, '\'');
  if( sqlite3_str_errcode(t) ){ p->rc = SQLITE_NOMEM; return; }
  zLit = sqlite3_str_value(t);
  ebPush(p, ET_STRING, zLit, sqlite3_str_length(t));
}

/*
** Read a quoted string starting at z[i] (the opening quote). eEsc: 0 only
** '' escapes, 1 backslash escapes too. bBsQuote: the quotes are \' (MySQL 8
** escapes whole expressions that way). The decoded contents go to d.
** Returns the offset after the closing quote (or the end of z).
*/
static int readString(const char *z, int i, int eEsc, int bBsQuote, sqlite3_str *d){
  sqlite3_str_reset(d);
  i += bBsQuote ? 2 : 1;
  while( z[i] ){
    if( bBsQuote && z[i]=='\\' && z[i+1]=='\'' ) return i+2;
    if( z[i]=='\'' ){
      if( z[i+1]=='\'' ){ sqlite3_str_appendchar(d, 1, '\''); i += 2; continue; }
      if( !bBsQuote ) return i+1;
    }
    if( eEsc && z[i]=='\\' && z[i+1] ){
      char c = z[i+1];
      switch( c ){
        case 'n': sqlite3_str_appendchar(d, 1, '\n'); break;
        case 't': sqlite3_str_appendchar(d, 1, '\t'); break;
        case 'r': sqlite3_str_appendchar(d, 1, '\r'); break;
        case '\\': case '\'': case '"': sqlite3_str_appendchar(d, 1, c); break;
        default:
          sqlite3_str_appendchar(d, 1, '\\');
          sqlite3_str_appendchar(d, 1, c);
          break;
      }
      i += 2;
      continue;
    }
    sqlite3_str_appendchar(d, 1, z[i]);
    i++;
  }
  return i;
}

static int isOpChar(int c){ return c && strchr("+-*/<>=~!@#%^&|", c)!=0; }

static void exprTokenize(ExprBuf *p, const char *z, int mFlags){
  sqlite3_str *d = sqlite3_str_new(0);   /* decoded contents of a literal */
  sqlite3_str *q = sqlite3_str_new(0);   /* the literal re-quoted */
  int i = 0, nBracket = 0;
  while( z[i] && p->rc==SQLITE_OK ){
    unsigned char c = (unsigned char)z[i];
    int j;
    if( dfIsSpace(c) ){ i++; continue; }
    if( c=='-' && z[i+1]=='-' ){
      while( z[i] && z[i]!='\n' ) i++;
      continue;
    }
    if( c=='/' && z[i+1]=='*' ){
      i += 2;
      while( z[i] && !(z[i]=='*' && z[i+1]=='/') ) i++;
      if( z[i] ) i += 2;
      continue;
    }
    /* Charset introducers (_utf8mb4'x') are dropped: the text is the same. */
    if( c=='_' ){
      j = i+1;
      while( dfIsIdChar((unsigned char)z[j]) ) j++;
      if( z[j]=='\'' || (z[j]=='\\' && z[j+1]=='\'') ){ i = j; continue; }
    }
    if( c=='\'' || (c=='\\' && z[i+1]=='\'') ){
      int bBs = c=='\\';
      i = readString(z, i, (mFlags & EF_BACKSLASH) || bBs, bBs, d);
      pushString(p, q, sqlite3_str_value(d), sqlite3_str_length(d));
      continue;
    }
    if( (c=='e' || c=='E') && z[i+1]=='\'' ){        /* PostgreSQL E'..' */
      i = readString(z, i+1, 1, 0, d);
      pushString(p, q, sqlite3_str_value(d), sqlite3_str_length(d));
      continue;
    }
    if( (c=='n' || c=='N') && z[i+1]=='\'' ){        /* national string */
      i = readString(z, i+1, mFlags & EF_BACKSLASH, 0, d);
      pushString(p, q, sqlite3_str_value(d), sqlite3_str_length(d));
      continue;
    }
    if( (c=='x' || c=='X' || c=='b' || c=='B') && z[i+1]=='\'' ){
      char zBuf[4];
      sqlite3_str_reset(d);
      zBuf[0] = (char)dfLower(c); zBuf[1] = '\'';
      sqlite3_str_append(d, zBuf, 2);
      for(j=i+2; z[j] && z[j]!='\''; j++){
        sqlite3_str_appendchar(d, 1, (char)dfLower((unsigned char)z[j]));
      }
      sqlite3_str_appendchar(d, 1, '\'');
      i = z[j] ? j+1 : j;
      if( sqlite3_str_errcode(d) ){ p->rc = SQLITE_NOMEM; break; }
      ebPush(p, ET_BLOB, sqlite3_str_value(d), sqlite3_str_length(d));
      continue;
    }
    if( c=='"' || c=='`'
     || (c=='[' && nBracket==0 && !(p->nTok>0 && (
            ebType(p, p->nTok-1)==ET_WORD || ebType(p, p->nTok-1)==ET_QIDENT
         || ebType(p, p->nTok-1)==ET_RP || ebType(p, p->nTok-1)==ET_RB
         || ebType(p, p->nTok-1)==ET_STRING))) ){
      /* Quoted identifier: "x", `x` or [x]. */
      char cEnd = c=='[' ? ']' : (char)c;
      const char *zV;
      int nV;
      sqlite3_str_reset(d);
      for(j=i+1; z[j]; j++){
        if( z[j]==cEnd ){
          if( cEnd!=']' && z[j+1]==cEnd ){ j++; }else break;
        }
        sqlite3_str_appendchar(d, 1, z[j]);
      }
      i = z[j] ? j+1 : j;
      if( sqlite3_str_errcode(d) ){ p->rc = SQLITE_NOMEM; break; }
      zV = sqlite3_str_value(d);
      nV = sqlite3_str_length(d);
      if( zV==0 ){ zV = ""; }
      if( c=='"' && (mFlags & EF_DQSTRING) ){
        pushString(p, q, zV, nV);
      }else if( isPlainIdent(zV, nV) && !isReserved(zV) ){
        ebPush(p, ET_WORD, zV, nV);
      }else{
        int k;
        char *zQ = sqlite3_malloc64((sqlite3_int64)nV*2 + 3);
        int nQ = 0;
        if( zQ==0 ){ p->rc = SQLITE_NOMEM; break; }
        zQ[nQ++] = '"';
        for(k=0; k<nV; k++){
          if( zV[k]=='"' ) zQ[nQ++] = '"';
          zQ[nQ++] = zV[k];
        }
        zQ[nQ++] = '"';
        ebPush(p, ET_QIDENT, zQ, nQ);
        sqlite3_free(zQ);
      }
      continue;
    }
    if( dfIsDigit(c) || (c=='.' && dfIsDigit((unsigned char)z[i+1])) ){
      char zNum[128];
      int n = 0;
      j = i;
      if( c=='0' && (z[i+1]=='x' || z[i+1]=='X') && dfIsHex((unsigned char)z[i+2]) ){
        j = i+2;
        while( dfIsHex((unsigned char)z[j]) ) j++;
      }else{
        while( dfIsDigit((unsigned char)z[j]) ) j++;
        if( z[j]=='.' ){ j++; while( dfIsDigit((unsigned char)z[j]) ) j++; }
        if( (z[j]=='e' || z[j]=='E')
         && (dfIsDigit((unsigned char)z[j+1])
             || ((z[j+1]=='+' || z[j+1]=='-') && dfIsDigit((unsigned char)z[j+2]))) ){
          j += 2;
          while( dfIsDigit((unsigned char)z[j]) ) j++;
        }
      }
      if( j-i < (int)sizeof(zNum) ){
        for(n=0; n<j-i; n++) zNum[n] = (char)dfLower((unsigned char)z[i+n]);
        ebPush(p, ET_NUMBER, zNum, n);
      }else{
        ebPush(p, ET_NUMBER, &z[i], j-i);
      }
      i = j;
      continue;
    }
    if( dfIsIdChar(c) ){
      char *zW;
      int k;
      j = i;
      while( dfIsIdChar((unsigned char)z[j]) ) j++;
      ebPush(p, ET_WORD, &z[i], j-i);
      if( p->rc ) break;
      zW = p->zText + p->aTok[p->nTok-1].iOff;
      for(k=0; k<j-i; k++) zW[k] = (char)dfLower((unsigned char)zW[k]);
      i = j;
      continue;
    }
    switch( c ){
      case '(': ebPush(p, ET_LP, "(", 1); i++; continue;
      case ')': ebPush(p, ET_RP, ")", 1); i++; continue;
      case '[': ebPush(p, ET_LB, "[", 1); nBracket++; i++; continue;
      case ']': ebPush(p, ET_RB, "]", 1); if( nBracket>0 ) nBracket--; i++; continue;
      case ',': ebPush(p, ET_COMMA, ",", 1); i++; continue;
      case '.': ebPush(p, ET_DOT, ".", 1); i++; continue;
      case ':':
        if( z[i+1]==':' ){ ebPush(p, ET_CAST, "::", 2); i += 2; continue; }
        break;
    }
    if( isOpChar(c) ){
      int n, k, bSpecial = 0;
      j = i;
      while( isOpChar((unsigned char)z[j]) ){
        if( j>i && ((z[j]=='-' && z[j+1]=='-') || (z[j]=='/' && z[j+1]=='*')) ) break;
        j++;
      }
      n = j-i;
      /* PostgreSQL's rule: a multi-character operator ends in + or - only
      ** when it contains one of ~ ! @ # % ^ & | (so "=-1" is "=" "-1"). */
      for(k=0; k<n; k++){
        if( strchr("~!@#%^&|", z[i+k]) ) bSpecial = 1;
      }
      while( n>1 && !bSpecial && (z[i+n-1]=='+' || z[i+n-1]=='-') ) n--;
      if( n==2 && strncmp(&z[i], "!=", 2)==0 ) ebPush(p, ET_OP, "<>", 2);
      else if( n==2 && strncmp(&z[i], "==", 2)==0 ) ebPush(p, ET_OP, "=", 1);
      else if( n==2 && strncmp(&z[i], "~~", 2)==0 ) ebPush(p, ET_WORD, "like", 4);
      else if( n==3 && strncmp(&z[i], "~~*", 3)==0 ) ebPush(p, ET_WORD, "ilike", 5);
      else if( n==3 && strncmp(&z[i], "!~~", 3)==0 ){
        ebPush(p, ET_WORD, "not", 3);
        ebPush(p, ET_WORD, "like", 4);
      }else if( n==4 && strncmp(&z[i], "!~~*", 4)==0 ){
        ebPush(p, ET_WORD, "not", 3);
        ebPush(p, ET_WORD, "ilike", 5);
      }else{
        ebPush(p, ET_OP, &z[i], n);
      }
      i += n;
      continue;
    }
    {
      /* Anything else is kept as one byte of its own. */
      char zC[2];
      zC[0] = (char)c; zC[1] = 0;
      ebPush(p, ET_OTHER, zC, 1);
      i++;
    }
  }
  if( (sqlite3_str_errcode(d) || sqlite3_str_errcode(q)) && p->rc==SQLITE_OK ){
    p->rc = SQLITE_NOMEM;
  }
  sqlite3_free(sqlite3_str_finish(d));
  sqlite3_free(sqlite3_str_finish(q));
}

/* ------------------------------------------------------------------ */
/* Expression rewriting.                                               */
/* ------------------------------------------------------------------ */

/* Words after which an operand is expected (so '-' there is unary). */
static const char *const azOperandAfter[] = {
  "and", "or", "not", "when", "then", "else", "case", "between", "like",
  "ilike", "glob", "regexp", "match", "is", "in", "select", "where",
  "having", "on", "return", "escape", "by", "distinct", "all", "any",
  "some", "check", "default", 0
};

static int isOperandPosition(const ExprBuf *p, int i){
  int e = ebType(p, i-1);
  if( i==0 ) return 1;
  if( e==ET_LP || e==ET_LB || e==ET_COMMA || e==ET_OP || e==ET_CAST ) return 1;
  if( e==ET_WORD && dfInList(ebZ(p, i-1), azOperandAfter) ) return 1;
  return 0;
}

/* Mark prefix operators, fold "-" "5" into "-5", drop a prefix "+" before
** a number, and turn an operand-position "*" into ET_OTHER ("count(*)"). */
static void exprFixUnary(ExprBuf *p){
  int i;
  for(i=p->nTok-1; i>=0 && p->rc==SQLITE_OK; i--){
    const char *z;
    if( ebType(p, i)!=ET_OP ) continue;
    z = ebZ(p, i);
    if( !isOperandPosition(p, i) ) continue;
    if( strcmp(z, "*")==0 ){ p->aTok[i].eType = ET_OTHER; continue; }
    if( strcmp(z, "-")!=0 && strcmp(z, "+")!=0 && strcmp(z, "~")!=0
     && strcmp(z, "!")!=0 ){
      continue;
    }
    p->aTok[i].bUnary = 1;
    if( ebType(p, i+1)==ET_NUMBER && ebZ(p, i+1)[0]!='-' ){
      if( z[0]=='+' ){
        ebDelete(p, i, 1);
      }else if( z[0]=='-' ){
        char *zNum = sqlite3_mprintf("-%s", ebZ(p, i+1));
        if( zNum==0 ){ p->rc = SQLITE_NOMEM; return; }
        ebSet(p, i+1, ET_NUMBER, zNum, (int)strlen(zNum));
        sqlite3_free(zNum);
        ebDelete(p, i, 1);
      }
    }
  }
}

/* Levels of binding, loosest first. 0: not an operator. */
#define LV_OR     1
#define LV_AND    2
#define LV_NOT    3
#define LV_CMP    4
#define LV_OTHER  5    /* ||, @>, ->, AT TIME ZONE: engines disagree */
#define LV_ADD    7
#define LV_MUL    8
#define LV_UNARY 10
#define LV_COLL  11
#define LV_CAST  12
#define LV_ATOM  99

static const char *const azCmpWord[] = {
  "is", "in", "like", "ilike", "glob", "regexp", "match", "isnull",
  "notnull", "similar", "escape", 0
};
static const char *const azNotNext[] = {
  "in", "like", "ilike", "glob", "regexp", "match", "between", "similar", 0
};

/* Compute the level of every token into a[] (nTok+1 ints plus a stack of
** nTok+1 ints for pending BETWEENs, whose AND is not a logical AND). */
static void exprLevels(const ExprBuf *p, int *a, int *aBtw){
  int i, d = 0;
  aBtw[0] = 0;
  for(i=0; i<p->nTok; i++){
    const ExprTok *t = &p->aTok[i];
    const char *z = ebZ(p, i);
    int lv = 0;
    switch( t->eType ){
      case ET_LP: case ET_LB: d++; aBtw[d] = 0; break;
      case ET_RP: case ET_RB: if( d>0 ) d--; break;
      case ET_CAST: lv = LV_CAST; break;
      case ET_OP:
        if( t->bUnary ) lv = LV_UNARY;
        else if( strcmp(z, "+")==0 || strcmp(z, "-")==0 ) lv = LV_ADD;
        else if( strcmp(z, "*")==0 || strcmp(z, "/")==0 || strcmp(z, "%")==0 ) lv = LV_MUL;
        else if( strcmp(z, "=")==0 || strcmp(z, "<>")==0 || strcmp(z, "<")==0
              || strcmp(z, ">")==0 || strcmp(z, "<=")==0 || strcmp(z, ">=")==0
              || strcmp(z, "<=>")==0 ) lv = LV_CMP;
        else lv = LV_OTHER;
        break;
      case ET_WORD:
        if( strcmp(z, "or")==0 ) lv = LV_OR;
        else if( strcmp(z, "and")==0 ){
          if( aBtw[d]>0 ){ aBtw[d]--; lv = LV_CMP; }else lv = LV_AND;
        }
        else if( strcmp(z, "not")==0 ){
          if( ebIsWord(p, i-1, "is")
           || (ebType(p, i+1)==ET_WORD && dfInList(ebZ(p, i+1), azNotNext)) ){
            lv = LV_CMP;
          }else{
            lv = LV_NOT;
          }
        }
        else if( strcmp(z, "between")==0 ){ aBtw[d]++; lv = LV_CMP; }
        else if( dfInList(z, azCmpWord) ) lv = LV_CMP;
        else if( strcmp(z, "collate")==0 ) lv = LV_COLL;
        else if( strcmp(z, "at")==0 && ebIsWord(p, i+1, "time") ) lv = LV_OTHER;
        break;
    }
    a[i] = lv;
  }
}

/* aMatch[i]: index of the bracket matching the one at i, -1 elsewhere. */
static void exprMatches(const ExprBuf *p, int *aMatch, int *aStack){
  int i, n = 0;
  for(i=0; i<p->nTok; i++){
    int e = p->aTok[i].eType;
    aMatch[i] = -1;
    if( e==ET_LP || e==ET_LB ){
      aStack[n++] = i;
    }else if( (e==ET_RP || e==ET_RB) && n>0 ){
      int o = aStack[n-1];
      if( (e==ET_RP)==(p->aTok[o].eType==ET_LP) ){
        aMatch[o] = i;
        aMatch[i] = o;
        n--;
      }
    }
  }
}

/* Decide whether the group ( at i .. ) at j may lose its parentheses. */
static int groupRemovable(const ExprBuf *p, const int *aLv, const int *aMatch,
                          int i, int j){
  int L = 0, R = 0, I = LV_ATOM, O, k;
  int eL = ebType(p, i-1), eR = ebType(p, j+1);
  if( j==i+1 ) return 0;
  if( ebIsWord(p, i+1, "select") || ebIsWord(p, i+1, "with")
   || ebIsWord(p, i+1, "values") ){
    return 0;                                   /* a subquery */
  }
  /* Left neighbour. */
  if( i==0 || eL==ET_LP || eL==ET_LB || eL==ET_COMMA ){
    L = 0;
  }else if( eL==ET_OP ){
    L = aLv[i-1];
  }else if( eL==ET_WORD && dfInList(ebZ(p, i-1), azTransparent) ){
    L = aLv[i-1];
  }else{
    return 0;      /* a call f(x), IN (..), a subscript or something odd */
  }
  /* Right neighbour. */
  if( eR==ET_LP || eR==ET_LB || eR==ET_DOT ) return 0;
  if( eR==ET_OP || eR==ET_CAST || eR==ET_WORD ) R = aLv[j+1];
  /* The loosest operator at the group's top level. */
  for(k=i+1; k<j; k++){
    int e = p->aTok[k].eType;
    if( e==ET_LP || e==ET_LB ){
      if( aMatch[k]<k || aMatch[k]>j ) return 0;
      k = aMatch[k];
      continue;
    }
    if( e==ET_COMMA ) return 0;
    if( e==ET_WORD ){
      const char *z = ebZ(p, k);
      if( strcmp(z, "case")==0 ){
        int nCase = 1;
        for(k++; k<j && nCase>0; k++){
          if( ebIsWord(p, k, "case") ) nCase++;
          else if( ebIsWord(p, k, "end") ) nCase--;
        }
        if( nCase>0 ) return 0;
        k--;
        continue;
      }
      if( isReserved(z) && !dfInList(z, azGroupOk) ) return 0;
    }
    if( aLv[k]>0 && aLv[k]<I ) I = aLv[k];
  }
  O = L>R ? L : R;
  if( I==LV_ATOM ) return 1;
  if( I==LV_OTHER || O==LV_OTHER ) return I==LV_OTHER && O<=LV_CMP;
  if( I>O ) return 1;
  if( I==O ){
    if( I==LV_OR || I==LV_AND ) return 1;            /* associative */
    if( (I==LV_ADD || I==LV_MUL) && R==I && L<I ) return 1;  /* left operand */
  }
  return 0;
}

/* One pass of parenthesis removal, linear in the number of tokens; returns
** the number of groups removed. ((x)) always loses its inner pair. A group
** that touches a pair removed in this pass waits for the next pass, as its
** neighbours change. */
static int exprStripParens(ExprBuf *p){
  int *aLv, *aBtw, *aMatch;
  char *aDel;
  int i, nDel = 0, n = 0;
  sqlite3_int64 nSlot = (sqlite3_int64)p->nTok + 1;
  if( p->rc || p->nTok==0 ) return 0;
  aLv = sqlite3_malloc64(sizeof(int)*4*nSlot + nSlot);
  if( aLv==0 ){ p->rc = SQLITE_NOMEM; return 0; }
  aBtw = aLv + nSlot;
  aMatch = aBtw + nSlot;
  aDel = (char*)(aMatch + 2*nSlot);
  memset(aDel, 0, (size_t)nSlot);
  exprMatches(p, aMatch, aBtw);
  exprLevels(p, aLv, aBtw);
  for(i=0; i<p->nTok; i++){
    int j = aMatch[i];
    if( p->aTok[i].eType!=ET_LP || j<0 ) continue;
    if( i>0 && aDel[i-1] ) continue;
    if( j+1<p->nTok && aDel[j+1] ) continue;
    if( p->aTok[i+1].eType==ET_LP && aMatch[i+1]==j-1 ){
      int k, bComma = 0;
      for(k=i+2; k<j-1; k++){
        if( p->aTok[k].eType==ET_LP || p->aTok[k].eType==ET_LB ) k = aMatch[k]<k ? k : aMatch[k];
        else if( p->aTok[k].eType==ET_COMMA ) bComma = 1;
      }
      if( !bComma ){
        aDel[i+1] = aDel[j-1] = 1;
        nDel++;
        continue;
      }
    }
    if( groupRemovable(p, aLv, aMatch, i, j) ){
      aDel[i] = aDel[j] = 1;
      nDel++;
    }
  }
  if( nDel ){
    for(i=0; i<p->nTok; i++){
      if( !aDel[i] ) p->aTok[n++] = p->aTok[i];
    }
    p->nTok = n;
  }
  sqlite3_free(aLv);
  return nDel;
}

/* Type names whose casts on column references are PostgreSQL's implicit
** ones (varchar compared as text, integer as numeric): dropped. */
static const char *const azImplicitCast[] = {
  "text", "varchar", "character", "char", "bpchar", "name", "citext",
  "numeric", "decimal", "integer", "int", "int2", "int4", "int8", "bigint",
  "smallint", "real", "double", "float4", "float8", 0
};
static const char *const azNumericType[] = {
  "numeric", "decimal", "integer", "int", "int2", "int4", "int8", "bigint",
  "smallint", "real", "double", "float", "float4", "float8", 0
};

/* Index after the type name that starts at token k (after "::"), or -1. */
static int typeNameEnd(const ExprBuf *p, int k){
  int e = ebType(p, k);
  if( e!=ET_WORD && e!=ET_QIDENT ) return -1;
  k++;
  if( ebType(p, k)==ET_DOT
   && (ebType(p, k+1)==ET_WORD || ebType(p, k+1)==ET_QIDENT) ){
    k += 2;
  }
  for(;;){
    if( ebIsWord(p, k, "varying") || ebIsWord(p, k, "precision") ){ k++; continue; }
    if( (ebIsWord(p, k, "with") || ebIsWord(p, k, "without"))
     && ebIsWord(p, k+1, "time") && ebIsWord(p, k+2, "zone") ){
      k += 3;
      continue;
    }
    break;
  }
  if( ebType(p, k)==ET_LP ){
    int m = ebMatch(p, k);
    if( m<0 ) return -1;
    k = m+1;
  }
  while( ebType(p, k)==ET_LB ){
    int m = ebMatch(p, k);
    if( m<0 ) return -1;
    k = m+1;
  }
  return k;
}

static int isLiteralTok(const ExprBuf *p, int i){
  int e = ebType(p, i);
  return e==ET_STRING || e==ET_NUMBER || e==ET_BLOB
      || ebIsWord(p, i, "null") || ebIsWord(p, i, "true") || ebIsWord(p, i, "false");
}

/* Start of an identifier chain a.b.c ending at token e, or -1. */
static int identChainStart(const ExprBuf *p, int e){
  int t = ebType(p, e);
  if( !((t==ET_WORD && !isReserved(ebZ(p, e))) || t==ET_QIDENT) ) return -1;
  while( ebType(p, e-1)==ET_DOT
      && (ebType(p, e-2)==ET_WORD || ebType(p, e-2)==ET_QIDENT) ){
    e -= 2;
  }
  return e;
}

/* ARRAY[...] whose ] is at e and whose elements are all literals: returns
** the index of the ARRAY word, -1 otherwise; *pbEmpty for ARRAY[]. */
static int arrayLiteralStart(const ExprBuf *p, int e, int *pbEmpty){
  int b = ebMatchBack(p, e), k;
  *pbEmpty = 0;
  if( b<1 || !ebIsWord(p, b-1, "array") ) return -1;
  if( b+1==e ){ *pbEmpty = 1; return b-1; }
  for(k=b+1; k<e; k++){
    if( isLiteralTok(p, k) || ebType(p, k)==ET_COMMA ) continue;
    if( ebType(p, k)==ET_LB || ebType(p, k)==ET_RB ) continue;  /* nested */
    if( ebIsWord(p, k, "array") ) continue;
    return -1;
  }
  return b-1;
}

/* Parse z as a decimal number (optional sign, digits, point, exponent);
** when ok, append its shortest form to s and return 1. */
static int canonNumber(const char *z, sqlite3_str *s){
  char aD[128];
  int nD = 0, nFrac = 0, bNeg = 0, bDigit = 0, i = 0, k;
  long long e10 = 0;
  if( z[i]=='-' || z[i]=='+' ){ bNeg = z[i]=='-'; i++; }
  while( dfIsDigit((unsigned char)z[i]) ){
    if( nD<(int)sizeof(aD) ) aD[nD++] = z[i]; else e10++;
    bDigit = 1;
    i++;
  }
  if( z[i]=='.' ){
    i++;
    while( dfIsDigit((unsigned char)z[i]) ){
      if( nD<(int)sizeof(aD) ){ aD[nD++] = z[i]; nFrac++; }
      bDigit = 1;
      i++;
    }
  }
  if( !bDigit ) return 0;
  if( z[i]=='e' || z[i]=='E' ){
    int bNegE = 0, nE = 0;
    long long v = 0;
    i++;
    if( z[i]=='-' || z[i]=='+' ){ bNegE = z[i]=='-'; i++; }
    while( dfIsDigit((unsigned char)z[i]) ){
      if( v<100000 ) v = v*10 + (z[i]-'0');
      nE++;
      i++;
    }
    if( nE==0 ) return 0;
    e10 += bNegE ? -v : v;
  }
  if( z[i] ) return 0;
  e10 -= nFrac;
  /* value = aD * 10^e10; strip leading and trailing zeros */
  k = 0;
  while( k<nD && aD[k]=='0' ) k++;
  memmove(aD, aD+k, nD-k);
  nD -= k;
  while( nD>0 && aD[nD-1]=='0' ){ nD--; e10++; }
  if( nD==0 ){
    sqlite3_str_appendchar(s, 1, '0');
    return 1;
  }
  if( bNeg ) sqlite3_str_appendchar(s, 1, '-');
  if( e10>=0 && nD+e10<=40 ){
    sqlite3_str_append(s, aD, nD);
    sqlite3_str_appendchar(s, (int)e10, '0');
  }else if( e10<0 && -e10<nD ){
    int nInt = nD + (int)e10;
    sqlite3_str_append(s, aD, nInt);
    sqlite3_str_appendchar(s, 1, '.');
    sqlite3_str_append(s, aD+nInt, nD-nInt);
  }else if( e10<0 && -e10-nD<=40 ){
    sqlite3_str_appendall(s, "0.");
    sqlite3_str_appendchar(s, (int)(-e10-nD), '0');
    sqlite3_str_append(s, aD, nD);
  }else{
    sqlite3_str_appendchar(s, 1, aD[0]);
    if( nD>1 ){
      sqlite3_str_appendchar(s, 1, '.');
      sqlite3_str_append(s, aD+1, nD-1);
    }
    sqlite3_str_appendf(s, "e%lld", e10 + nD - 1);
  }
  return 1;
}

/* Contents of string token i (between the quotes, '' undoubled), or 0.
** OUT: caller frees. */
static char *stringContents(const ExprBuf *p, int i){
  const char *z = ebZ(p, i);
  int n = p->aTok[i].n, k, m = 0, bE;
  char *zOut;
  if( ebType(p, i)!=ET_STRING || n<2 ) return 0;
  bE = z[0]=='E';                 /* pushString() doubled the backslashes */
  zOut = sqlite3_malloc64(n);
  if( zOut==0 ) return 0;
  for(k=1+bE; k<n-1; k++){
    zOut[m++] = z[k];
    if( z[k]=='\'' || (bE && z[k]=='\\') ) k++;
  }
  zOut[m] = 0;
  return zOut;
}

/* A string token whose contents are a number becomes that number. */
static void stringToNumber(ExprBuf *p, int i){
  char *zC = stringContents(p, i);
  if( zC ){
    sqlite3_str *s = sqlite3_str_new(0);
    if( canonNumber(zC, s) ){
      /* keep the spelling, only the quotes go: '-20' -> -20 */
      ebSet(p, i, ET_NUMBER, zC, (int)strlen(zC));
    }
    sqlite3_free(sqlite3_str_finish(s));
    sqlite3_free(zC);
  }
}

/* Remove casts that do not change a comparison: on literals, and
** PostgreSQL's implicit ones on column references. Returns how many. */
static int exprStripCasts(ExprBuf *p){
  int i, n = 0;
  for(i=1; i<p->nTok && p->rc==SQLITE_OK; i++){
    int t, e = i-1, bStrip = 0, iLit = -1, bEmpty = 0;
    const char *zType;
    if( p->aTok[i].eType!=ET_CAST ) continue;
    t = typeNameEnd(p, i+1);
    if( t<0 ) continue;
    zType = ebType(p, i+1)==ET_WORD ? ebZ(p, i+1) : "";
    if( isLiteralTok(p, e) ){
      bStrip = 1;
      iLit = e;
    }else if( identChainStart(p, e)>=0 ){
      bStrip = dfInList(zType, azImplicitCast);
    }else if( ebType(p, e)==ET_RB ){
      bStrip = arrayLiteralStart(p, e, &bEmpty)>=0 && !bEmpty;
    }else if( ebType(p, e)==ET_RP ){
      int b = ebMatchBack(p, e);
      int eB = ebType(p, b-1);
      if( b<0 ) continue;
      if( (eB==ET_WORD && !dfInList(ebZ(p, b-1), azTransparent))
       || eB==ET_QIDENT || eB==ET_RP || eB==ET_RB ){
        continue;                                 /* f(x)::t is kept */
      }
      if( b+2==e && isLiteralTok(p, b+1) ){
        bStrip = 1;
        iLit = b+1;
      }else if( identChainStart(p, e-1)==b+1 ){
        bStrip = dfInList(zType, azImplicitCast);
      }else if( ebType(p, e-1)==ET_RB && arrayLiteralStart(p, e-1, &bEmpty)==b+1 ){
        bStrip = !bEmpty;
      }
    }
    if( !bStrip ) continue;
    if( iLit>=0 && ebType(p, iLit)==ET_STRING && dfInList(zType, azNumericType) ){
      stringToNumber(p, iLit);
    }
    ebDelete(p, i, t-i);
    i--;
    n++;
  }
  return n;
}

/* Typed literals DATE '...', TIMESTAMP '...', int '1': the type goes. */
static const char *const azTypedLiteral[] = {
  "date", "time", "timestamp", "timestamptz", "timetz", "interval", "int",
  "integer", "int2", "int4", "int8", "bigint", "smallint", "numeric",
  "decimal", "real", "float", "float4", "float8", "double", "boolean", "bool",
  "json", "jsonb", "uuid", "text", "varchar", "character", "bytea", "inet",
  "cidr", 0
};

static void exprStripTypedLiterals(ExprBuf *p){
  int i;
  for(i=0; i<p->nTok && p->rc==SQLITE_OK; i++){
    int t = i+1, bNum;
    if( ebType(p, i)!=ET_WORD || !dfInList(ebZ(p, i), azTypedLiteral) ) continue;
    if( ebType(p, i-1)==ET_DOT || ebType(p, i-1)==ET_CAST ) continue;
    while( ebIsWord(p, t, "varying") || ebIsWord(p, t, "precision") ) t++;
    if( (ebIsWord(p, t, "with") || ebIsWord(p, t, "without"))
     && ebIsWord(p, t+1, "time") && ebIsWord(p, t+2, "zone") ){
      t += 3;
    }
    if( ebType(p, t)!=ET_STRING ) continue;
    bNum = dfInList(ebZ(p, i), azNumericType);
    ebDelete(p, i, t-i);
    if( bNum ) stringToNumber(p, i);
  }
}

/* x = ANY (ARRAY[a, b]) -> x IN (a, b); x <> ALL (ARRAY[..]) -> NOT IN. */
static int exprRewriteAny(ExprBuf *p){
  int i, n = 0;
  for(i=0; i+4<p->nTok && p->rc==SQLITE_OK; i++){
    int bNot, j, b;
    ExprTok tIn;
    if( ebIsOp(p, i, "=") && (ebIsWord(p, i+1, "any") || ebIsWord(p, i+1, "some")) ){
      bNot = 0;
    }else if( ebIsOp(p, i, "<>") && ebIsWord(p, i+1, "all") ){
      bNot = 1;
    }else{
      continue;
    }
    if( ebType(p, i+2)!=ET_LP || !ebIsWord(p, i+3, "array")
     || ebType(p, i+4)!=ET_LB ){
      continue;
    }
    j = ebMatch(p, i+2);
    b = ebMatch(p, i+4);
    if( j<0 || b<0 || b+1!=j || b==i+5 ) continue;
    /* tokens: op any ( array [ elems ] )  ->  [not] in ( elems ) */
    ebDelete(p, b, 1);          /* ] */
    ebDelete(p, i+3, 2);        /* array [ */
    ebDelete(p, i, 2);          /* op any */
    tIn.eType = ET_WORD; tIn.bUnary = 0; tIn.n = 2;
    tIn.iOff = ebText(p, "in", 2);
    if( tIn.iOff<0 ) return n;
    ebInsertTok(p, i, &tIn);
    if( bNot ) ebInsert(p, i, ET_WORD, "not", 3);
    n++;
  }
  return n;
}

/* End (exclusive) of the operand that starts at k and ends before the
** next top-level boundary: a comparison, AND/OR, a list separator, a
** closing bracket or a reserved non-operator word. */
static int operandEnd(const ExprBuf *p, const int *aLv, int k){
  while( k<p->nTok ){
    int e = p->aTok[k].eType;
    if( e==ET_LP || e==ET_LB ){
      int m = ebMatch(p, k);
      if( m<0 ) return -1;
      k = m+1;
      continue;
    }
    if( e==ET_RP || e==ET_RB || e==ET_COMMA ) break;
    if( aLv[k]>0 && aLv[k]<=LV_CMP ) break;
    if( e==ET_WORD && isReserved(ebZ(p, k)) && aLv[k]==0
     && !ebIsWord(p, k, "null") && !ebIsWord(p, k, "true")
     && !ebIsWord(p, k, "false") && !ebIsWord(p, k, "array")
     && strncmp(ebZ(p, k), "current_", 8)!=0 ){
      break;
    }
    k++;
  }
  return k;
}

/* a BETWEEN b AND c -> (a >= b and a <= c); NOT BETWEEN -> (a < b or a > c).
** Only when a is a plain column reference or literal that starts an operand:
** PostgreSQL prints BETWEEN that way, SQLite and MySQL keep it. */
static int exprRewriteBetween(ExprBuf *p){
  int i, n = 0;
  int *aLv = 0;
  for(i=0; i<p->nTok && p->rc==SQLITE_OK; i++){
    int bNot = 0, s, a0, aEnd, iAnd, cEnd, k, nA, d;
    ExprTok *aA;
    int eP;
    if( !ebIsWord(p, i, "between") ) continue;
    if( ebIsWord(p, i+1, "symmetric") || ebIsWord(p, i+1, "asymmetric") ) continue;
    s = i;
    if( ebIsWord(p, i-1, "not") ){ bNot = 1; s = i-1; }
    aEnd = s;                                   /* operand a is [a0, aEnd) */
    if( isLiteralTok(p, s-1) ) a0 = s-1;
    else a0 = identChainStart(p, s-1);
    if( a0<0 ) continue;
    eP = ebType(p, a0-1);
    if( !(a0==0 || eP==ET_LP || eP==ET_COMMA
       || (eP==ET_WORD && (ebIsWord(p, a0-1, "and") || ebIsWord(p, a0-1, "or")
           || ebIsWord(p, a0-1, "when") || ebIsWord(p, a0-1, "where")
           || ebIsWord(p, a0-1, "check") || ebIsWord(p, a0-1, "on")
           || ebIsWord(p, a0-1, "having") || ebIsWord(p, a0-1, "then")
           || ebIsWord(p, a0-1, "else") || ebIsWord(p, a0-1, "select")
           || (ebIsWord(p, a0-1, "not") && !ebIsWord(p, a0-2, "is"))))) ){
      continue;
    }
    /* Find the AND that belongs to this BETWEEN (top level, first one). */
    iAnd = -1;
    for(k=i+1, d=0; k<p->nTok; k++){
      int e = p->aTok[k].eType;
      if( e==ET_LP || e==ET_LB ) d++;
      else if( e==ET_RP || e==ET_RB ){ if( d==0 ) break; d--; }
      else if( d==0 && ebIsWord(p, k, "and") ){ iAnd = k; break; }
      else if( d==0 && (ebIsWord(p, k, "between") || ebIsWord(p, k, "or")
                        || ebType(p, k)==ET_COMMA) ){
        break;
      }
    }
    if( iAnd<0 || iAnd==i+1 ) continue;
    sqlite3_free(aLv);
    aLv = sqlite3_malloc64(sizeof(int)*2*((sqlite3_int64)p->nTok+1));
    if( aLv==0 ){ p->rc = SQLITE_NOMEM; break; }
    exprLevels(p, aLv, aLv + p->nTok + 1);
    cEnd = operandEnd(p, aLv, iAnd+1);
    if( cEnd<=iAnd+1 ) continue;
    /* Rebuild: ( a >= b and a <= c ) in place of [a0, cEnd). */
    nA = aEnd - a0;
    aA = sqlite3_malloc64(sizeof(ExprTok)*(sqlite3_int64)nA);
    if( aA==0 ){ p->rc = SQLITE_NOMEM; break; }
    memcpy(aA, &p->aTok[a0], sizeof(ExprTok)*nA);
    ebInsert(p, cEnd, ET_RP, ")", 1);
    /* second comparison: a <= c  (or a > c) */
    ebSet(p, iAnd, ET_WORD, bNot ? "or" : "and", bNot ? 2 : 3);
    ebInsert(p, iAnd+1, ET_OP, bNot ? ">" : "<=", bNot ? 1 : 2);
    for(k=nA-1; k>=0; k--) ebInsertTok(p, iAnd+1, &aA[k]);
    /* first comparison: a >= b  (or a < b) replaces [NOT] BETWEEN */
    ebDelete(p, s, i-s+1);
    ebInsert(p, s, ET_OP, bNot ? "<" : ">=", bNot ? 1 : 2);
    ebInsert(p, a0, ET_LP, "(", 1);
    sqlite3_free(aA);
    n++;
  }
  sqlite3_free(aLv);
  return n;
}

/* Strip CHECK ( ... ) [NOT VALID | NO INHERIT] and a trailing ';'. */
static void exprStripWrapper(ExprBuf *p){
  int m;
  while( p->nTok>0 && ebType(p, p->nTok-1)==ET_OTHER
      && strcmp(ebZ(p, p->nTok-1), ";")==0 ){
    p->nTok--;
  }
  if( !ebIsWord(p, 0, "check") || ebType(p, 1)!=ET_LP ) return;
  m = ebMatch(p, 1);
  if( m<0 ) return;
  if( m+3==p->nTok && ((ebIsWord(p, m+1, "not") && ebIsWord(p, m+2, "valid"))
                    || (ebIsWord(p, m+1, "no") && ebIsWord(p, m+2, "inherit"))) ){
    p->nTok -= 2;
  }
  if( m+1!=p->nTok ) return;
  p->nTok--;
  ebDelete(p, 0, 2);
}

/* The rewrite loop shared by expressions and defaults. */
static void exprCanon(ExprBuf *p){
  int nPass;
  exprFixUnary(p);
  exprStripTypedLiterals(p);
  for(nPass=0; nPass<1000 && p->rc==SQLITE_OK; nPass++){
    int n = exprStripCasts(p);
    n += exprRewriteAny(p);
    n += exprRewriteBetween(p);
    n += exprStripParens(p);
    if( n==0 ) break;
  }
}

static int needSpace(const ExprBuf *p, int a, int b){
  int ta = ebType(p, a), tb = ebType(p, b);
  if( tb==ET_RP || tb==ET_RB || tb==ET_COMMA || tb==ET_DOT || tb==ET_CAST ) return 0;
  if( ta==ET_LP || ta==ET_LB || ta==ET_DOT || ta==ET_CAST ) return 0;
  if( ta==ET_OP && p->aTok[a].bUnary ){
    /* never print "--" (a comment) or "++" */
    return ebZ(p, b)[0]==ebZ(p, a)[0];
  }
  if( tb==ET_LP ){
    if( ta==ET_WORD ) return dfInList(ebZ(p, a), azSpaceParen);
    if( ta==ET_QIDENT || ta==ET_RP || ta==ET_RB ) return 0;
    return 1;
  }
  if( tb==ET_LB ){
    if( ta==ET_WORD || ta==ET_QIDENT || ta==ET_RP || ta==ET_RB ) return 0;
    return 1;
  }
  return 1;
}

/* Print the token list. OUT: caller frees; "" for no tokens. */
static char *exprEmit(ExprBuf *p, int mFlags){
  sqlite3_str *s;
  char *z;
  int i;
  if( p->rc ) return 0;
  s = sqlite3_str_new(0);
  for(i=0; i<p->nTok; i++){
    const char *zT = ebZ(p, i);
    if( i>0 && needSpace(p, i-1, i) ) sqlite3_str_appendchar(s, 1, ' ');
    if( (mFlags & EF_UPPER) && ebType(p, i)==ET_WORD && dfInList(zT, azUpper) ){
      const char *c;
      for(c=zT; *c; c++) sqlite3_str_appendchar(s, 1, (char)(*c>='a' && *c<='z' ? *c-32 : *c));
    }else{
      sqlite3_str_append(s, zT, p->aTok[i].n);
    }
  }
  if( sqlite3_str_errcode(s) ){
    sqlite3_free(sqlite3_str_finish(s));
    return 0;
  }
  z = sqlite3_str_finish(s);
  if( z==0 ) z = sqlite3_mprintf("%s", "");
  return z;
}

char *dfExprNormalise(const char *zExpr){
  ExprBuf e;
  char *z;
  if( zExpr==0 ) return 0;
  memset(&e, 0, sizeof(e));
  exprTokenize(&e, zExpr, 0);
  exprStripWrapper(&e);
  exprCanon(&e);
  z = exprEmit(&e, 0);
  ebFree(&e);
  return z;
}

/* ------------------------------------------------------------------ */
/* Defaults.                                                           */
/* ------------------------------------------------------------------ */

/* Length of an optional call "( )" or "( n )" at k: 0 when absent, -1 when
** something else follows. */
static int optCallParens(const ExprBuf *p, int k, int bAllowArg){
  if( ebType(p, k)!=ET_LP ) return 0;
  if( ebType(p, k+1)==ET_RP ) return 2;
  if( bAllowArg && ebType(p, k+1)==ET_NUMBER && ebType(p, k+2)==ET_RP ) return 3;
  return -1;
}

/* Map the engines' spellings of "now" onto CURRENT_TIMESTAMP & co. */
static void exprMapTimeFunctions(ExprBuf *p, int eEng){
  int i;
  for(i=0; i<p->nTok && p->rc==SQLITE_OK; i++){
    const char *z, *zTo = 0;
    int nDel = 0, c;
    if( ebType(p, i)!=ET_WORD ) continue;
    if( ebType(p, i-1)==ET_DOT ) continue;
    z = ebZ(p, i);
    if( strcmp(z, "now")==0 || (eEng==ENG_PG && strcmp(z, "transaction_timestamp")==0) ){
      if( optCallParens(p, i+1, 0)==2 ){ zTo = "current_timestamp"; nDel = 3; }
    }else if( strcmp(z, "current_timestamp")==0
           || (eEng==ENG_MYSQL && (strcmp(z, "localtime")==0
                                   || strcmp(z, "localtimestamp")==0)) ){
      c = optCallParens(p, i+1, 1);
      if( c>=0 ){ zTo = "current_timestamp"; nDel = 1+c; }
    }else if( strcmp(z, "current_date")==0 || (eEng==ENG_MYSQL && strcmp(z, "curdate")==0) ){
      c = optCallParens(p, i+1, 0);
      if( c>0 || (c==0 && z[1]=='u' && z[2]=='r' && z[3]=='r') ){
        zTo = "current_date"; nDel = 1+c;      /* CURDATE needs its () */
      }
    }else if( strcmp(z, "current_time")==0 || (eEng==ENG_MYSQL && strcmp(z, "curtime")==0) ){
      c = optCallParens(p, i+1, 1);
      if( c>0 || (c==0 && z[1]=='u' && z[2]=='r' && z[3]=='r') ){
        zTo = "current_time"; nDel = 1+c;
      }
    }else if( (eEng==ENG_SQLITE || eEng==ENG_MODEL) && ebType(p, i+1)==ET_LP ){
      /* SQLite: datetime('now'), date('now'), time('now') and the strftime
      ** spelling of datetime('now'). */
      if( ebType(p, i+2)==ET_STRING && dfStrIEq(ebZ(p, i+2), "'now'")
       && ebType(p, i+3)==ET_RP ){
        if( strcmp(z, "datetime")==0 ) zTo = "current_timestamp";
        else if( strcmp(z, "date")==0 ) zTo = "current_date";
        else if( strcmp(z, "time")==0 ) zTo = "current_time";
        nDel = 4;
      }else if( strcmp(z, "strftime")==0
             && ebType(p, i+2)==ET_STRING
             && strcmp(ebZ(p, i+2), "'%Y-%m-%d %H:%M:%S'")==0
             && ebType(p, i+3)==ET_COMMA && ebType(p, i+4)==ET_STRING
             && dfStrIEq(ebZ(p, i+4), "'now'") && ebType(p, i+5)==ET_RP ){
        zTo = "current_timestamp";
        nDel = 6;
      }
    }
    if( zTo ){
      ebDelete(p, i+1, nDel-1);
      ebSet(p, i, ET_WORD, zTo, (int)strlen(zTo));
    }
  }
}

static const char *const azNumFamily[] = {
  "smallint", "integer", "bigint", "real", "double", "numeric", 0
};
static const char *const azStrFamily[] = {
  "char", "varchar", "text", "enum", 0
};
static const char *const azTrue[] = { "1", "t", "true", "y", "yes", "on", 0 };
static const char *const azFalse[] = { "0", "f", "false", "n", "no", "off", 0 };

/* The default is the single token 0: canonical literal for the family. */
static void defaultLiteral(ExprBuf *p, const char *zFam){
  int e = ebType(p, 0);
  const char *z = ebZ(p, 0);
  if( strcmp(zFam, "boolean")==0 ){
    int v = -1;
    if( e==ET_NUMBER ){
      sqlite3_str *s = sqlite3_str_new(0);
      char *zC;
      if( canonNumber(z, s) ){
        zC = sqlite3_str_finish(s);
        if( zC && strcmp(zC, "1")==0 ) v = 1;
        if( zC && strcmp(zC, "0")==0 ) v = 0;
        sqlite3_free(zC);
      }else{
        sqlite3_free(sqlite3_str_finish(s));
      }
    }else if( e==ET_STRING ){
      char *zC = stringContents(p, 0);
      if( zC ){
        char *c;
        for(c=zC; *c; c++) *c = (char)dfLower((unsigned char)*c);
        if( dfInList(zC, azTrue) ) v = 1;
        if( dfInList(zC, azFalse) ) v = 0;
        sqlite3_free(zC);
      }
    }else if( e==ET_BLOB && z[0]=='b' ){
      const char *c;
      v = 0;
      for(c=z+2; *c=='0' || *c=='1'; c++){ if( *c=='1' ) v = 1; }
    }
    if( v==1 ) ebSet(p, 0, ET_WORD, "true", 4);
    if( v==0 ) ebSet(p, 0, ET_WORD, "false", 5);
    return;
  }
  if( dfInList(zFam, azNumFamily) ){
    sqlite3_str *s;
    char *zC;
    if( e==ET_WORD && strcmp(z, "true")==0 ){ ebSet(p, 0, ET_NUMBER, "1", 1); return; }
    if( e==ET_WORD && strcmp(z, "false")==0 ){ ebSet(p, 0, ET_NUMBER, "0", 1); return; }
    if( e==ET_STRING ) stringToNumber(p, 0);
    if( ebType(p, 0)!=ET_NUMBER ) return;
    s = sqlite3_str_new(0);
    if( canonNumber(ebZ(p, 0), s) ){
      zC = sqlite3_str_finish(s);
      if( zC ) ebSet(p, 0, ET_NUMBER, zC, (int)strlen(zC));
      sqlite3_free(zC);
    }else{
      sqlite3_free(sqlite3_str_finish(s));
    }
    return;
  }
  if( dfInList(zFam, azStrFamily) ){
    if( e==ET_NUMBER ){
      char *zQ = sqlite3_mprintf("'%s'", z);
      if( zQ==0 ){ p->rc = SQLITE_NOMEM; return; }
      ebSet(p, 0, ET_STRING, zQ, (int)strlen(zQ));
      sqlite3_free(zQ);
    }
    return;
  }
  if( strcmp(zFam, "blob")==0 && e==ET_STRING ){
    /* PostgreSQL prints bytea defaults as '\x1f' */
    char *zC = stringContents(p, 0);
    if( zC && zC[0]=='\\' && zC[1]=='x' ){
      int k;
      int bHex = 1;
      for(k=2; zC[k]; k++) if( !dfIsHex((unsigned char)zC[k]) ) bHex = 0;
      if( bHex ){
        char *zB = sqlite3_mprintf("x'%s'", zC+2);
        if( zB ){
          for(k=2; zB[k]; k++) zB[k] = (char)dfLower((unsigned char)zB[k]);
          ebSet(p, 0, ET_BLOB, zB, (int)strlen(zB));
        }
        sqlite3_free(zB);
      }
    }
    sqlite3_free(zC);
  }
}

char *dfDefaultNormalise(const char *zEngine, const char *zFamily,
                         const char *zExpr){
  ExprBuf e;
  int eEng = dfEngineCode(zEngine);
  int mFlags = 0;
  char *z = 0;
  if( zExpr==0 ) return 0;
  if( eEng==ENG_MYSQL ) mFlags = EF_BACKSLASH|EF_DQSTRING;
  else if( eEng==ENG_SQLITE || eEng==ENG_MODEL ) mFlags = EF_DQSTRING;
  memset(&e, 0, sizeof(e));
  exprTokenize(&e, zExpr, mFlags);
  exprStripWrapper(&e);
  exprCanon(&e);
  exprMapTimeFunctions(&e, eEng);
  exprCanon(&e);
  if( e.rc==SQLITE_OK && e.nTok>0 && !(e.nTok==1 && ebIsWord(&e, 0, "null")) ){
    if( e.nTok==1 ) defaultLiteral(&e, zFamily ? zFamily : "");
    z = exprEmit(&e, EF_UPPER);
  }
  ebFree(&e);
  return z;
}

/* ------------------------------------------------------------------ */
/* SQL functions.                                                      */
/* ------------------------------------------------------------------ */

/* Fill a DfColumn (borrowing strings) from an engine and native text. */
static int columnFromNative(const char *zEngine, const char *zNative,
                            const char *zRef, DfColumn *c, char **pzOwned){
  DfType t;
  int bKnown = dfTypeNormalise(zEngine, zNative, &t);
  memset(c, 0, sizeof(*c));
  c->zFamily = (char*)t.zFamily;
  c->nLength = t.nLength;
  c->nPrecision = t.nPrecision;
  c->nScale = t.nScale;
  c->bTz = t.bTz;
  c->bArray = t.bArray;
  c->bUnsigned = t.bUnsigned;
  c->zTypeNative = (char*)zNative;
  c->zTypeRef = (char*)zRef;
  *pzOwned = 0;
  if( zRef==0 && strcmp(t.zFamily, "enum")==0 && dfEngineCode(zEngine)==ENG_MYSQL ){
    *pzOwned = dfTypeEnumLabels(zNative);
    c->zTypeRef = *pzOwned;
  }
  return bKnown;
}

/* The engine argument of function zFunc, or an error on the context. */
static int argEngine(sqlite3_context *ctx, const char *zFunc,
                     sqlite3_value *v, int bDialect){
  const char *z = (const char*)sqlite3_value_text(v);
  int e = dfEngineCode(z);
  if( e==ENG_UNKNOWN || (bDialect && e!=ENG_SQLITE && e!=ENG_PG && e!=ENG_MYSQL) ){
    char *zErr = sqlite3_mprintf("%s: unknown %s '%s'", zFunc,
                                 bDialect ? "dialect" : "engine", z ? z : "");
    sqlite3_result_error(ctx, zErr ? zErr : "out of memory", -1);
    sqlite3_free(zErr);
    return 0;
  }
  return e;
}

static void resultText(sqlite3_context *ctx, char *z){
  if( z ) sqlite3_result_text(ctx, z, -1, sqlite3_free);
  else sqlite3_result_null(ctx);
}

/* dataflow_type(ENGINE, NATIVE) -> canonical JSON of the normalised type */
static void fnType(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  DfType t;
  int bKnown;
  char zL[16], zP[16], zS[16];
  (void)argc;
  if( !argEngine(ctx, "dataflow_type", argv[0], 0) ) return;
  bKnown = dfTypeNormalise((const char*)sqlite3_value_text(argv[0]),
                           (const char*)sqlite3_value_text(argv[1]), &t);
  if( t.nLength<0 ) strcpy(zL, "null"); else sqlite3_snprintf(16, zL, "%d", t.nLength);
  if( t.nPrecision<0 ) strcpy(zP, "null"); else sqlite3_snprintf(16, zP, "%d", t.nPrecision);
  if( t.nScale<0 ) strcpy(zS, "null"); else sqlite3_snprintf(16, zS, "%d", t.nScale);
  resultText(ctx, sqlite3_mprintf(
    "{\"family\":\"%s\",\"length\":%s,\"precision\":%s,\"scale\":%s,"
    "\"tz\":%d,\"array\":%d,\"unsigned\":%d,\"known\":%d}",
    t.zFamily, zL, zP, zS, t.bTz, t.bArray, t.bUnsigned, bKnown));
}

/* dataflow_type_render(DIALECT, ENGINE, NATIVE [, TYPE_REF]) */
static void fnTypeRender(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  DfColumn c;
  char *zOwned;
  if( !argEngine(ctx, "dataflow_type_render", argv[0], 1) ) return;
  if( !argEngine(ctx, "dataflow_type_render", argv[1], 0) ) return;
  columnFromNative((const char*)sqlite3_value_text(argv[1]),
                   (const char*)sqlite3_value_text(argv[2]),
                   argc>3 ? (const char*)sqlite3_value_text(argv[3]) : 0, &c, &zOwned);
  resultText(ctx, dfTypeRender((const char*)sqlite3_value_text(argv[0]),
                               (const char*)sqlite3_value_text(argv[1]), &c));
  sqlite3_free(zOwned);
}

/* dataflow_type_describe(ENGINE, NATIVE [, TYPE_REF]) */
static void fnTypeDescribe(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  DfColumn c;
  char *zOwned;
  if( !argEngine(ctx, "dataflow_type_describe", argv[0], 0) ) return;
  columnFromNative((const char*)sqlite3_value_text(argv[0]),
                   (const char*)sqlite3_value_text(argv[1]),
                   argc>2 ? (const char*)sqlite3_value_text(argv[2]) : 0, &c, &zOwned);
  resultText(ctx, dfTypeDescribe(&c));
  sqlite3_free(zOwned);
}

/* dataflow_type_compare(ENGINE1, NATIVE1, ENGINE2, NATIVE2) -> 0 equal,
** 1 the second is wider, 2 narrower or unrelated. */
static void fnTypeCompare(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  DfColumn a, b;
  char *zA, *zB;
  (void)argc;
  if( !argEngine(ctx, "dataflow_type_compare", argv[0], 0) ) return;
  if( !argEngine(ctx, "dataflow_type_compare", argv[2], 0) ) return;
  columnFromNative((const char*)sqlite3_value_text(argv[0]),
                   (const char*)sqlite3_value_text(argv[1]), 0, &a, &zA);
  columnFromNative((const char*)sqlite3_value_text(argv[2]),
                   (const char*)sqlite3_value_text(argv[3]), 0, &b, &zB);
  sqlite3_result_int(ctx, dfTypeWidening(&a, &b));
  sqlite3_free(zA);
  sqlite3_free(zB);
}

/* dataflow_default(ENGINE, FAMILY, EXPR) */
static void fnDefault(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc;
  if( !argEngine(ctx, "dataflow_default", argv[0], 0) ) return;
  resultText(ctx, dfDefaultNormalise((const char*)sqlite3_value_text(argv[0]),
                                     (const char*)sqlite3_value_text(argv[1]),
                                     (const char*)sqlite3_value_text(argv[2])));
}

/* dataflow_expr(EXPR) */
static void fnExpr(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc;
  resultText(ctx, dfExprNormalise((const char*)sqlite3_value_text(argv[0])));
}

/* dataflow_enum_labels(NATIVE) -> JSON array or NULL */
static void fnEnumLabels(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc;
  resultText(ctx, dfTypeEnumLabels((const char*)sqlite3_value_text(argv[0])));
}

int dfTypesFunctionsRegister(sqlite3 *db){
  /* DETERMINISTIC: the result depends on the arguments alone, so the
  ** functions may serve in indexes and generated columns. INNOCUOUS: they
  ** read no table, file or setting and have no side effect, so a schema
  ** from an untrusted snapshot may use them safely. */
  static const struct {
    const char *zName;    /* SQL name */
    int nArg;             /* number of arguments */
    void (*xFunc)(sqlite3_context*, int, sqlite3_value**);  /* implementation */
  } aFunc[] = {
    { "dataflow_type",          2, fnType },
    { "dataflow_type_render",   3, fnTypeRender },
    { "dataflow_type_render",   4, fnTypeRender },
    { "dataflow_type_describe", 2, fnTypeDescribe },
    { "dataflow_type_describe", 3, fnTypeDescribe },
    { "dataflow_type_compare",  4, fnTypeCompare },
    { "dataflow_default",       3, fnDefault },
    { "dataflow_expr",          1, fnExpr },
    { "dataflow_enum_labels",   1, fnEnumLabels },
  };
  int i, rc = SQLITE_OK;
  for(i=0; rc==SQLITE_OK && i<(int)(sizeof(aFunc)/sizeof(aFunc[0])); i++){
    rc = sqlite3_create_function(db, aFunc[i].zName, aFunc[i].nArg,
           SQLITE_UTF8|SQLITE_DETERMINISTIC|SQLITE_INNOCUOUS, 0,
           aFunc[i].xFunc, 0, 0);
  }
  return rc;
}
