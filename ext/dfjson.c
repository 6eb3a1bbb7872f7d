/*
** dfjson.c — a very small JSON reader (see dfjson.h).
**
** Usage (from C):
**
**   char **az = 0;
**   int n = dfJsonStrings("[\"a\",\"b\"]", &az);   // n==2
**   dfJsonFreeStrings(n, az);
**
**   DfJson *p = dfJsonParse("{\"rename\":{\"a\":\"b\"}}", &zErr);
**   DfJson *pR = dfJsonGet(p, "rename");
**   dfJsonFree(p);
**
** HOW IT WORKS
**
** A recursive-descent parser over the text, building a tree of DfJson
** nodes whose children are kept in growable arrays. The catalog's JSON is
** written by DataFlow and small; option strings are typed by people, so
** errors say where the text went wrong. Nesting is limited to 64 levels so
** that hostile input cannot exhaust the stack. \uXXXX escapes (with
** surrogate pairs) are decoded to UTF-8.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "dfjson.h"

#define DF_JSON_MAX_DEPTH 64

typedef struct JsonParse JsonParse;
struct JsonParse {
  const char *z;          /* text being parsed */
  int i;                  /* current offset */
  int rc;                 /* SQLITE_OK, SQLITE_ERROR (syntax), SQLITE_NOMEM */
  int iErr;               /* offset of the first syntax error */
};

static void jsonNodeClear(DfJson *p){
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nChild; i++){
    jsonNodeClear(&p->aChild[i]);
    if( p->azKey ) sqlite3_free(p->azKey[i]);
  }
  sqlite3_free(p->aChild);
  sqlite3_free(p->azKey);
  sqlite3_free(p->zText);
  memset(p, 0, sizeof(*p));
}

void dfJsonFree(DfJson *p){
  if( p ){
    jsonNodeClear(p);
    sqlite3_free(p);
  }
}

static void jsonSpace(JsonParse *p){
  while( p->z[p->i]==' ' || p->z[p->i]=='\t' || p->z[p->i]=='\n'
      || p->z[p->i]=='\r' ) p->i++;
}

static void jsonFail(JsonParse *p){
  if( p->rc==SQLITE_OK ){
    p->rc = SQLITE_ERROR;
    p->iErr = p->i;
  }
}

static int hexVal(char c){
  if( c>='0' && c<='9' ) return c - '0';
  if( c>='a' && c<='f' ) return c - 'a' + 10;
  if( c>='A' && c<='F' ) return c - 'A' + 10;
  return -1;
}

/* Read 4 hex digits at z; -1 when they are not. */
static int hex4(const char *z){
  int i, v = 0;
  for(i=0; i<4; i++){
    int h = hexVal(z[i]);
    if( h<0 ) return -1;
    v = v*16 + h;
  }
  return v;
}

static void appendUtf8(sqlite3_str *s, unsigned int c){
  char a[4];
  int n;
  if( c<0x80 ){ a[0] = (char)c; n = 1; }
  else if( c<0x800 ){ a[0] = (char)(0xC0|(c>>6)); a[1] = (char)(0x80|(c&0x3F)); n = 2; }
  else if( c<0x10000 ){
    a[0] = (char)(0xE0|(c>>12)); a[1] = (char)(0x80|((c>>6)&0x3F));
    a[2] = (char)(0x80|(c&0x3F)); n = 3;
  }else{
    a[0] = (char)(0xF0|(c>>18)); a[1] = (char)(0x80|((c>>12)&0x3F));
    a[2] = (char)(0x80|((c>>6)&0x3F)); a[3] = (char)(0x80|(c&0x3F)); n = 4;
  }
  sqlite3_str_append(s, a, n);
}

/* Parse a string literal at p->i (which is on the opening quote).
** Returns the unescaped text (OUT: caller frees) or NULL on error. */
static char *jsonString(JsonParse *p){
  sqlite3_str *s = sqlite3_str_new(0);
  char *zOut;
  p->i++;
  while( p->rc==SQLITE_OK ){
    char c = p->z[p->i];
    if( c=='"' ){ p->i++; break; }
    if( c==0 || (unsigned char)c<0x20 ){ jsonFail(p); break; }
    if( c!='\\' ){
      int j = p->i;
      while( p->z[j] && p->z[j]!='"' && p->z[j]!='\\'
          && (unsigned char)p->z[j]>=0x20 ) j++;
      sqlite3_str_append(s, p->z + p->i, j - p->i);
      p->i = j;
      continue;
    }
    c = p->z[p->i+1];
    p->i += 2;
    switch( c ){
      case '"': case '\\': case '/': sqlite3_str_appendchar(s, 1, c); break;
      case 'b': sqlite3_str_appendchar(s, 1, '\b'); break;
      case 'f': sqlite3_str_appendchar(s, 1, '\f'); break;
      case 'n': sqlite3_str_appendchar(s, 1, '\n'); break;
      case 'r': sqlite3_str_appendchar(s, 1, '\r'); break;
      case 't': sqlite3_str_appendchar(s, 1, '\t'); break;
      case 'u': {
        int v = hex4(p->z + p->i);
        if( v<0 ){ jsonFail(p); break; }
        p->i += 4;
        if( v>=0xD800 && v<0xDC00 && p->z[p->i]=='\\' && p->z[p->i+1]=='u' ){
          int w = hex4(p->z + p->i + 2);
          if( w>=0xDC00 && w<0xE000 ){
            p->i += 6;
            v = 0x10000 + ((v - 0xD800)<<10) + (w - 0xDC00);
          }
        }
        appendUtf8(s, (unsigned int)v);
        break;
      }
      default:
        p->i -= 1;
        jsonFail(p);
        break;
    }
  }
  if( sqlite3_str_errcode(s) && p->rc==SQLITE_OK ) p->rc = SQLITE_NOMEM;
  zOut = sqlite3_str_finish(s);
  if( p->rc!=SQLITE_OK ){
    sqlite3_free(zOut);
    return 0;
  }
  if( zOut==0 ){
    zOut = sqlite3_malloc(1);
    if( zOut ) zOut[0] = 0; else p->rc = SQLITE_NOMEM;
  }
  return zOut;
}

/* Append an empty node to pParent's children; NULL on OOM. */
static DfJson *jsonChild(JsonParse *p, DfJson *pParent, char *zKey){
  DfJson *aNew = sqlite3_realloc64(pParent->aChild,
                                   sizeof(DfJson)*(pParent->nChild+1));
  if( aNew==0 ){ p->rc = SQLITE_NOMEM; sqlite3_free(zKey); return 0; }
  pParent->aChild = aNew;
  if( pParent->eType==DF_JSON_OBJECT ){
    char **azNew = sqlite3_realloc64(pParent->azKey,
                                     sizeof(char*)*(pParent->nChild+1));
    if( azNew==0 ){ p->rc = SQLITE_NOMEM; sqlite3_free(zKey); return 0; }
    pParent->azKey = azNew;
    azNew[pParent->nChild] = zKey;
  }
  memset(&aNew[pParent->nChild], 0, sizeof(DfJson));
  return &aNew[pParent->nChild++];
}

static void jsonValue(JsonParse *p, DfJson *pOut, int iDepth){
  char c;
  jsonSpace(p);
  c = p->z[p->i];
  if( iDepth>DF_JSON_MAX_DEPTH ){ jsonFail(p); return; }
  if( c=='{' || c=='[' ){
    char cEnd = (c=='{') ? '}' : ']';
    pOut->eType = (c=='{') ? DF_JSON_OBJECT : DF_JSON_ARRAY;
    p->i++;
    jsonSpace(p);
    if( p->z[p->i]==cEnd ){ p->i++; return; }
    while( p->rc==SQLITE_OK ){
      char *zKey = 0;
      DfJson *pChild;
      jsonSpace(p);
      if( pOut->eType==DF_JSON_OBJECT ){
        if( p->z[p->i]!='"' ){ jsonFail(p); return; }
        zKey = jsonString(p);
        if( zKey==0 ) return;
        jsonSpace(p);
        if( p->z[p->i]!=':' ){ sqlite3_free(zKey); jsonFail(p); return; }
        p->i++;
      }
      pChild = jsonChild(p, pOut, zKey);
      if( pChild==0 ) return;
      jsonValue(p, pChild, iDepth+1);
      jsonSpace(p);
      if( p->z[p->i]==',' ){ p->i++; continue; }
      if( p->z[p->i]==cEnd ){ p->i++; return; }
      jsonFail(p);
    }
    return;
  }
  if( c=='"' ){
    pOut->eType = DF_JSON_STRING;
    pOut->zText = jsonString(p);
    return;
  }
  if( strncmp(p->z + p->i, "true", 4)==0 ){ pOut->eType = DF_JSON_TRUE; p->i += 4; return; }
  if( strncmp(p->z + p->i, "false", 5)==0 ){ pOut->eType = DF_JSON_FALSE; p->i += 5; return; }
  if( strncmp(p->z + p->i, "null", 4)==0 ){ pOut->eType = DF_JSON_NULL; p->i += 4; return; }
  if( c=='-' || (c>='0' && c<='9') ){
    int j = p->i + 1;
    while( (p->z[j]>='0' && p->z[j]<='9') || p->z[j]=='.' || p->z[j]=='e'
        || p->z[j]=='E' || p->z[j]=='+' || p->z[j]=='-' ) j++;
    pOut->eType = DF_JSON_NUMBER;
    pOut->zText = sqlite3_mprintf("%.*s", j - p->i, p->z + p->i);
    if( pOut->zText==0 ) p->rc = SQLITE_NOMEM;
    p->i = j;
    return;
  }
  jsonFail(p);
}

DfJson *dfJsonParse(const char *zText, char **pzErr){
  JsonParse x;
  DfJson *pRoot;
  memset(&x, 0, sizeof(x));
  x.z = zText ? zText : "";
  pRoot = sqlite3_malloc64(sizeof(DfJson));
  if( pRoot==0 ){
    if( pzErr ) *pzErr = sqlite3_mprintf("out of memory");
    return 0;
  }
  memset(pRoot, 0, sizeof(*pRoot));
  jsonValue(&x, pRoot, 0);
  jsonSpace(&x);
  if( x.rc==SQLITE_OK && x.z[x.i]!=0 ) jsonFail(&x);
  if( x.rc!=SQLITE_OK ){
    if( pzErr ){
      *pzErr = (x.rc==SQLITE_NOMEM) ? sqlite3_mprintf("out of memory")
                 : sqlite3_mprintf("bad JSON at offset %d", x.iErr);
    }
    dfJsonFree(pRoot);
    return 0;
  }
  return pRoot;
}

DfJson *dfJsonGet(DfJson *pObj, const char *zKey){
  int i;
  if( pObj==0 || pObj->eType!=DF_JSON_OBJECT ) return 0;
  for(i=0; i<pObj->nChild; i++){
    if( strcmp(pObj->azKey[i], zKey)==0 ) return &pObj->aChild[i];
  }
  return 0;
}

int dfJsonStrings(const char *zText, char ***pazOut){
  DfJson *p;
  char **az;
  int i, n;
  *pazOut = 0;
  if( zText==0 || zText[0]==0 ) return 0;
  p = dfJsonParse(zText, 0);
  if( p==0 ) return -1;
  if( p->eType!=DF_JSON_ARRAY ){ dfJsonFree(p); return -1; }
  n = p->nChild;
  if( n==0 ){ dfJsonFree(p); return 0; }
  az = sqlite3_malloc64(sizeof(char*)*n);
  if( az==0 ){ dfJsonFree(p); return -1; }
  for(i=0; i<n; i++){
    DfJson *c = &p->aChild[i];
    if( c->eType==DF_JSON_STRING || c->eType==DF_JSON_NUMBER ){
      az[i] = c->zText;           /* steal the text */
      c->zText = 0;
    }else{
      az[i] = sqlite3_mprintf("%s", c->eType==DF_JSON_TRUE ? "true"
                              : c->eType==DF_JSON_FALSE ? "false" : "null");
    }
  }
  dfJsonFree(p);
  *pazOut = az;
  return n;
}

void dfJsonFreeStrings(int n, char **az){
  int i;
  if( az==0 ) return;
  for(i=0; i<n; i++) sqlite3_free(az[i]);
  sqlite3_free(az);
}

void dfJsonAppendString(sqlite3_str *p, const char *z){
  sqlite3_str_appendchar(p, 1, '"');
  for(; z && *z; z++){
    unsigned char c = (unsigned char)*z;
    if( c=='"' || c=='\\' ){
      sqlite3_str_appendchar(p, 1, '\\');
      sqlite3_str_appendchar(p, 1, (char)c);
    }else if( c<0x20 ){
      sqlite3_str_appendf(p, "\\u%04x", c);
    }else{
      sqlite3_str_appendchar(p, 1, (char)c);
    }
  }
  sqlite3_str_appendchar(p, 1, '"');
}
