/*
** dfjson.c — JSON values as C trees, read by SQLite's own JSON parser
** (see dfjson.h).
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
** The text is handed to json_tree() on a private in-memory connection,
** opened on first use and kept for the life of the process (one prepared
** statement, serialised by a static mutex: the diff and planner call this
** many times per catalog and a connection per call would cost more than
** the parse). json_tree() walks the value depth first, each row naming its
** parent, so a stack of the open arrays and objects is enough to rebuild
** the tree in one pass: a row's parent is always on the stack, and a
** container's child array only grows while that container is on top, so
** the pointers kept on the stack never move.
**
** Strings come back unescaped. Numbers come back as SQL values and are
** written back as text: integers exactly, reals in the shortest form that
** reads back to the same double ("1.5", "0.1", "1.0"), so "1.50" becomes
** "1.5". SQLite reports malformed JSON without a position; callers say
** "not valid JSON" and quote the text.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <stdlib.h>
#include <string.h>
#include "dfjson.h"

/* Deeper than any JSON DataFlow writes or a person types into an option. */
#define DF_JSON_MAX_DEPTH 256

static sqlite3 *jsonDb = 0;          /* private connection, never closed */
static sqlite3_stmt *jsonStmt = 0;   /* parent, type, atom, key, id */

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

/* Prepare the statement on first use. Called with the mutex held. */
static int jsonPrepare(void){
  int rc;
  if( jsonStmt ) return SQLITE_OK;
  if( jsonDb==0 ){
    rc = sqlite3_open_v2(":memory:", &jsonDb,
                         SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE, 0);
    if( rc!=SQLITE_OK ){
      sqlite3_close(jsonDb);
      jsonDb = 0;
      return rc;
    }
  }
  return sqlite3_prepare_v2(jsonDb,
      "SELECT parent, type, atom, key, id FROM json_tree(?1)", -1, &jsonStmt, 0);
}

/* The text of a number (an SQL integer or real), or NULL on OOM. */
static char *jsonNumberText(sqlite3_stmt *p, int iCol){
  double r;
  char *z;
  if( sqlite3_column_type(p, iCol)==SQLITE_INTEGER ){
    return sqlite3_mprintf("%lld", sqlite3_column_int64(p, iCol));
  }
  r = sqlite3_column_double(p, iCol);
  z = sqlite3_mprintf("%!.15g", r);
  if( z && strtod(z, 0)!=r ){
    sqlite3_free(z);
    z = sqlite3_mprintf("%!.17g", r);
  }
  return z;
}

/*
** Append a child to container pParent (zKey: its key when pParent is an
** object, taken over). Returns the new node, or NULL on OOM.
*/
static DfJson *jsonAddChild(DfJson *pParent, char *zKey){
  int n = pParent->nChild;
  DfJson *a;
  /* grow to the next power of two: amortised linear */
  if( (n & (n-1))==0 ){
    int nAlloc = n ? n*2 : 1;
    a = sqlite3_realloc64(pParent->aChild, sizeof(DfJson)*nAlloc);
    if( a==0 ){ sqlite3_free(zKey); return 0; }
    pParent->aChild = a;
    if( pParent->eType==DF_JSON_OBJECT ){
      char **az = sqlite3_realloc64(pParent->azKey, sizeof(char*)*nAlloc);
      if( az==0 ){ sqlite3_free(zKey); return 0; }
      pParent->azKey = az;
    }
  }
  memset(&pParent->aChild[n], 0, sizeof(DfJson));
  if( pParent->eType==DF_JSON_OBJECT ) pParent->azKey[n] = zKey;
  pParent->nChild = n+1;
  return &pParent->aChild[n];
}

/* Set node p from the current row: type and, for scalars, text. */
static int jsonSetNode(DfJson *p, sqlite3_stmt *pStmt){
  const char *zType = (const char*)sqlite3_column_text(pStmt, 1);
  if( zType==0 ) return SQLITE_NOMEM;
  switch( zType[0] ){
    case 'n': p->eType = DF_JSON_NULL; break;
    case 't':
      if( zType[1]=='r' ){
        p->eType = DF_JSON_TRUE;
      }else{
        p->eType = DF_JSON_STRING;
        p->zText = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 2));
        if( p->zText==0 ) return SQLITE_NOMEM;
      }
      break;
    case 'f': p->eType = DF_JSON_FALSE; break;
    case 'i': case 'r':
      p->eType = DF_JSON_NUMBER;
      p->zText = jsonNumberText(pStmt, 2);
      if( p->zText==0 ) return SQLITE_NOMEM;
      break;
    case 'a': p->eType = DF_JSON_ARRAY; break;
    default:  p->eType = DF_JSON_OBJECT; break;
  }
  return SQLITE_OK;
}

/* Build the tree from the rows of jsonStmt. Called with the mutex held. */
static int jsonBuild(DfJson *pRoot){
  DfJson *aStack[DF_JSON_MAX_DEPTH];   /* open containers, root first */
  sqlite3_int64 aId[DF_JSON_MAX_DEPTH];/* their json_tree ids */
  int nStack = 0;
  int rc = SQLITE_OK;
  int bRoot = 1;
  while( rc==SQLITE_OK && sqlite3_step(jsonStmt)==SQLITE_ROW ){
    DfJson *p;
    if( bRoot ){
      p = pRoot;
      bRoot = 0;
    }else{
      sqlite3_int64 iParent = sqlite3_column_int64(jsonStmt, 0);
      char *zKey = 0;
      while( nStack>0 && aId[nStack-1]!=iParent ) nStack--;
      if( nStack==0 ){ rc = SQLITE_CORRUPT; break; }
      if( aStack[nStack-1]->eType==DF_JSON_OBJECT ){
        zKey = sqlite3_mprintf("%s", sqlite3_column_text(jsonStmt, 3));
        if( zKey==0 ){ rc = SQLITE_NOMEM; break; }
      }
      p = jsonAddChild(aStack[nStack-1], zKey);
      if( p==0 ){ rc = SQLITE_NOMEM; break; }
    }
    rc = jsonSetNode(p, jsonStmt);
    if( rc==SQLITE_OK
     && (p->eType==DF_JSON_ARRAY || p->eType==DF_JSON_OBJECT) ){
      if( nStack==DF_JSON_MAX_DEPTH ){ rc = SQLITE_TOOBIG; break; }
      aStack[nStack] = p;
      aId[nStack] = sqlite3_column_int64(jsonStmt, 4);
      nStack++;
    }
  }
  if( rc==SQLITE_OK ) rc = sqlite3_reset(jsonStmt);
  else sqlite3_reset(jsonStmt);
  return rc;
}

DfJson *dfJsonParse(const char *zText, char **pzErr){
  sqlite3_mutex *pMutex = sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP1);
  DfJson *pRoot;
  int rc;
  if( pzErr ) *pzErr = 0;
  pRoot = sqlite3_malloc64(sizeof(DfJson));
  if( pRoot==0 ){
    if( pzErr ) *pzErr = sqlite3_mprintf("out of memory");
    return 0;
  }
  memset(pRoot, 0, sizeof(*pRoot));
  sqlite3_mutex_enter(pMutex);
  rc = jsonPrepare();
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(jsonStmt, 1, zText ? zText : "", -1, SQLITE_STATIC);
    rc = jsonBuild(pRoot);
    sqlite3_bind_null(jsonStmt, 1);
  }
  sqlite3_mutex_leave(pMutex);
  if( rc!=SQLITE_OK ){
    dfJsonFree(pRoot);
    if( pzErr ){
      *pzErr = sqlite3_mprintf("%s",
          rc==SQLITE_NOMEM ? "out of memory"
          : rc==SQLITE_TOOBIG ? "JSON nested too deeply" : "not valid JSON");
    }
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
