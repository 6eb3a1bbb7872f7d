/*
** engine_mongo.c — the MongoDB adapter of the `dataflow` command
** (mongo-c-driver: libmongoc-1.0 and libbson-1.0).
**
** Usage (URLs the adapter accepts; the database is the URL's path):
**
**   dataflow mirror mongodb://127.0.0.1:27017/app -o app.snapshot
**   dataflow mirror mongodb://127.0.0.1/app --sample 200 -o app.snapshot
**   dataflow apply change.plan --target mongodb://user:pw@db1,db2/app?replicaSet=rs0
**   dataflow status --target mongodb+srv://cluster.example.net/app
**
** HOW IT WORKS
**
** A connection is one mongoc_client_t (single-threaded) on the URL, whose
** path names the database every command runs against. Unless the URL says
** otherwise, server selection and connection time out after 5 s (the
** driver's 30 s default is long for a command line), and connecting runs
** a ping and a listCollections so that an unreachable server, a failed
** authentication or a missing privilege is reported at once, with the URL
** redacted (dfUrlRedact).
**
** Steps are MongoDB commands (ext/sql_mongo.c): xExec runs a script of
** extended-JSON commands separated by ';' against the URL's database;
** renameCollection gets its namespaces qualified ("users" -> "app.users")
** and runs against admin. A reply with writeErrors or writeConcernError is
** a failure like ok: 0. Errors name the command: "Document failed
** validation (code 121) (in: {"update":"users",...})".
**
** DataFlow's own tables (dataflow_lock, dataflow_migrations,
** dataflow_journal) are written by engine-neutral code (lock.c, history.c,
** journal.c, executor.c, rollback.c) in a small SQL subset. On MongoDB each
** such table is a collection, and xExec/xQuery interpret that subset
** (anything that does not start with '{'):
**
**   CREATE TABLE [IF NOT EXISTS] t(...)   collection t; its PRIMARY KEY
**                                         becomes the unique index dataflow_pk
**   CREATE INDEX ...                      ignored (small collections)
**   DROP TABLE [IF EXISTS] t              drop
**   INSERT INTO t(c, ...) VALUES(v, ...)  insert (a duplicate key fails)
**   UPDATE t SET c = v, ... [WHERE w]     update, multi ($unset for NULL;
**                                         c = COALESCE(v, c) keeps c for NULL)
**   DELETE FROM t [WHERE w]               delete
**   SELECT c, ... | count(*) FROM t [WHERE w] [ORDER BY c [DESC], ...] [LIMIT n]
**   w: c op v [AND ...], op one of = <> != < <= > >= LIKE [ESCAPE] IS [NOT] NULL
**   information_schema.tables (table_name, table_schema, table_type) lists
**   the collections; DATABASE() is the URL's database.
**
** Values are stored as BSON strings, 64-bit integers or doubles, and read
** back as text. A SELECT on a collection that does not exist fails ("no
** such table"), as in SQL. Transactions (xBegin/xCommit/xRollback) cannot
** undo writes on MongoDB; they give the lock its atomicity instead: inside
** a transaction, a DELETE on a collection the transaction has read is a
** compare-and-delete of exactly the documents it read, and fails when
** another process changed them meanwhile (the lock of lock.c is then
** retried), so an expired lease is stolen by one process only. The step
** journal (journal.c) provides the undo of completed steps.
**
** xPlanCheck, before apply writes anything (and when `plan --target`
** writes a plan, cmd_plan.c, for plan_meta.data_check): for each collection whose
** validator the plan replaces, the documents that would fail it once the
** plan's backfills and field renames ran are counted ({$nor: [validator]})
** and up to three named; in auto mode any such document refuses the apply.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "mongo.h"
#include "engine.h"
#include "util.h"

#define MG_TIMEOUT_MS 5000      /* server selection / connect, unless the URL says */
#define MG_SNIPPET 200          /* bytes of a command quoted in an error */

/* Documents a transaction has read from one collection (see HOW IT WORKS). */
typedef struct MgRead MgRead;
struct MgRead {
  char *zTable;           /* collection */
  int nDoc;               /* documents read */
  bson_t **apDoc;         /* copies */
};

struct DfConn {
  mongoc_client_t *pClient;   /* the connection */
  char *zDb;                  /* database of the URL */
  char *zSafeUrl;             /* URL without password, for messages */
  int bInTxn;                 /* between xBegin and xCommit/xRollback */
  int nRead;                  /* reads of the open transaction */
  MgRead *aRead;
};

/* ---------------------------------------------------------------------------
** Small helpers
*/

char *mongoErrorText(const bson_error_t *e){
  if( e->code ) return xasprintf("%s (code %u)", e->message, e->code);
  return xstrdup(e->message);
}

/* The first MG_SNIPPET bytes of z on one line. OUT: caller frees. */
static char *snippet(const char *z, int n){
  char *zOut;
  int i, j = 0;
  if( n<0 ) n = (int)strlen(z);
  while( n>0 && (isspace((unsigned char)z[n-1]) || z[n-1]==';') ) n--;
  while( n>0 && isspace((unsigned char)*z) ){ z++; n--; }
  zOut = xmalloc((size_t)(n<MG_SNIPPET ? n : MG_SNIPPET) + 4);
  for(i=0; i<n && j<MG_SNIPPET; i++){
    char c = z[i];
    if( c=='\n' || c=='\r' || c=='\t' ) c = ' ';
    if( c==' ' && j>0 && zOut[j-1]==' ' ) continue;
    zOut[j++] = c;
  }
  zOut[j] = 0;
  if( i<n ) strcpy(zOut+j, "...");
  return zOut;
}

/* Run cmd on database zDb. Returns 0 with *pReply (always initialised:
** caller destroys it), or 1 with *pzErr: the server's message, or the first
** write error of an acknowledged write. */
static int mgRun(DfConn *p, const char *zDb, const bson_t *pCmd, bson_t *pReply,
                 char **pzErr){
  bson_error_t err;
  bson_iter_t it;
  if( !mongoc_client_command_simple(p->pClient, zDb, pCmd, 0, pReply, &err) ){
    *pzErr = mongoErrorText(&err);
    return 1;
  }
  if( bson_iter_init_find(&it, pReply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it) ){
    bson_iter_t a, e;
    if( bson_iter_recurse(&it, &a) && bson_iter_next(&a) && BSON_ITER_HOLDS_DOCUMENT(&a)
     && bson_iter_recurse(&a, &e) ){
      const char *zMsg = "write error";
      int iCode = 0;
      while( bson_iter_next(&e) ){
        if( strcmp(bson_iter_key(&e), "errmsg")==0 && BSON_ITER_HOLDS_UTF8(&e) ){
          zMsg = bson_iter_utf8(&e, 0);
        }else if( strcmp(bson_iter_key(&e), "code")==0 ){
          iCode = bson_iter_as_int64(&e);
        }
      }
      *pzErr = xasprintf("%s (code %d)", zMsg, iCode);
      return 1;
    }
    *pzErr = xstrdup("write error");
    return 1;
  }
  if( bson_iter_init_find(&it, pReply, "writeConcernError") ){
    *pzErr = xstrdup("write concern error");
    return 1;
  }
  return 0;
}

/* Integer field zKey of a reply (0 when absent). */
static long long replyInt(const bson_t *pReply, const char *zKey){
  bson_iter_t it;
  if( bson_iter_init_find(&it, pReply, zKey) ) return bson_iter_as_int64(&it);
  return 0;
}

/* Does collection zName exist in the connection's database? -1 on error. */
static int collExists(DfConn *p, const char *zName, char **pzErr){
  mongoc_database_t *db = mongoc_client_get_database(p->pClient, p->zDb);
  bson_t opts = BSON_INITIALIZER, filter;
  mongoc_cursor_t *c;
  const bson_t *doc;
  bson_error_t err;
  int bFound = 0;
  BSON_APPEND_DOCUMENT_BEGIN(&opts, "filter", &filter);
  BSON_APPEND_UTF8(&filter, "name", zName);
  bson_append_document_end(&opts, &filter);
  BSON_APPEND_BOOL(&opts, "nameOnly", true);
  c = mongoc_database_find_collections_with_opts(db, &opts);
  while( mongoc_cursor_next(c, &doc) ) bFound = 1;
  if( mongoc_cursor_error(c, &err) ){
    *pzErr = mongoErrorText(&err);
    bFound = -1;
  }
  mongoc_cursor_destroy(c);
  bson_destroy(&opts);
  mongoc_database_destroy(db);
  return bFound;
}

/* ---------------------------------------------------------------------------
** Connect
*/

/* The driver's log: critical messages only (its errors, e.g. "Port could
** not be parsed", come back as the error of the call that failed). */
static void mgLog(mongoc_log_level_t eLevel, const char *zDomain, const char *zMsg,
                  void *pArg){
  (void)pArg;
  if( eLevel==MONGOC_LOG_LEVEL_CRITICAL ) dfWarn("mongo-c-driver (%s): %s", zDomain, zMsg);
}

static void mgInitOnce(void){
  static int bDone = 0;
  if( !bDone ){
    mongoc_log_set_handler(mgLog, 0);
    mongoc_init();
    atexit(mongoc_cleanup);
    bDone = 1;
  }
}

/* A database name MongoDB accepts. */
static int validDbName(const char *z){
  if( z==0 || z[0]==0 || strlen(z)>=64 ) return 0;
  return strpbrk(z, "/\\. \"$*<>:|?")==0;
}

static int mgConnect(const char *zUrl, DfConn **ppConn, char **pzErr){
  bson_error_t err;
  mongoc_uri_t *pUri;
  mongoc_client_t *pClient;
  const char *zDb;
  char *zSafe = dfUrlRedact(zUrl);
  DfConn *p;
  bson_t *pPing, reply;
  char *zE = 0;

  *ppConn = 0;
  mgInitOnce();
  pUri = mongoc_uri_new_with_error(zUrl, &err);
  if( pUri==0 ){
    *pzErr = xasprintf("invalid MongoDB URL '%s': %s", zSafe, err.message);
    free(zSafe);
    return 1;
  }
  zDb = mongoc_uri_get_database(pUri);
  if( zDb==0 || zDb[0]==0 ){
    *pzErr = xasprintf("no database in the MongoDB URL '%s': name it in the path,"
                       " e.g. mongodb://host:27017/app", zSafe);
    mongoc_uri_destroy(pUri);
    free(zSafe);
    return 1;
  }
  if( !validDbName(zDb) ){
    *pzErr = xasprintf("invalid MongoDB database name '%s' in '%s'", zDb, zSafe);
    mongoc_uri_destroy(pUri);
    free(zSafe);
    return 1;
  }
  if( !mongoc_uri_has_option(pUri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS) ){
    mongoc_uri_set_option_as_int32(pUri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, MG_TIMEOUT_MS);
  }
  if( !mongoc_uri_has_option(pUri, MONGOC_URI_CONNECTTIMEOUTMS) ){
    mongoc_uri_set_option_as_int32(pUri, MONGOC_URI_CONNECTTIMEOUTMS, MG_TIMEOUT_MS);
  }
  if( !mongoc_uri_has_option(pUri, MONGOC_URI_APPNAME) ){
    mongoc_uri_set_appname(pUri, "dataflow");
  }
  pClient = mongoc_client_new_from_uri_with_error(pUri, &err);
  if( pClient==0 ){
    *pzErr = xasprintf("cannot connect to MongoDB at '%s': %s", zSafe, err.message);
    mongoc_uri_destroy(pUri);
    free(zSafe);
    return 1;
  }
  mongoc_client_set_error_api(pClient, MONGOC_ERROR_API_VERSION_2);
  p = xcalloc(1, sizeof(*p));
  p->pClient = pClient;
  p->zDb = xstrdup(zDb);
  p->zSafeUrl = zSafe;
  mongoc_uri_destroy(pUri);

  /* Reachable, authenticated, allowed to read the catalog? */
  pPing = BCON_NEW("ping", BCON_INT32(1));
  if( mgRun(p, p->zDb, pPing, &reply, &zE)==0 ){
    bson_destroy(&reply);
    if( collExists(p, "dataflow_migrations", &zE)<0 ) bson_init(&reply);
    else zE = 0;
  }
  bson_destroy(pPing);
  if( zE ){
    *pzErr = xasprintf("cannot connect to MongoDB at '%s': %s", zSafe, zE);
    free(zE);
    mongoc_client_destroy(pClient);
    free(p->zDb);
    free(p);
    free(zSafe);
    return 1;
  }
  *ppConn = p;
  return 0;
}

static void readsClear(DfConn *p){
  int i, j;
  for(i=0; i<p->nRead; i++){
    for(j=0; j<p->aRead[i].nDoc; j++) bson_destroy(p->aRead[i].apDoc[j]);
    free(p->aRead[i].apDoc);
    free(p->aRead[i].zTable);
  }
  free(p->aRead);
  p->aRead = 0;
  p->nRead = 0;
}

static void mgDisconnect(DfConn *p){
  if( p==0 ) return;
  readsClear(p);
  mongoc_client_destroy(p->pClient);
  free(p->zDb);
  free(p->zSafeUrl);
  free(p);
}

static int mgMirrorConn(DfConn *p, const DfMirrorRequest *pReq, sqlite3 *pOut,
                        char **pzErr){
  return mongoMirror(p->pClient, p->zDb,
                     pReq && pReq->zSafeUrl ? pReq->zSafeUrl : p->zSafeUrl,
                     pReq, pOut, pzErr);
}

/* ---------------------------------------------------------------------------
** JSON commands (plan steps)
*/

/* Length of the JSON object at z (balanced braces, strings skipped), or -1
** when it is not closed. */
static int jsonObjectLength(const char *z){
  int i = 0, nDepth = 0, bStr = 0;
  for(i=0; z[i]; i++){
    char c = z[i];
    if( bStr ){
      if( c=='\\' && z[i+1] ) i++;
      else if( c=='"' ) bStr = 0;
      continue;
    }
    if( c=='"' ) bStr = 1;
    else if( c=='{' || c=='[' ) nDepth++;
    else if( c=='}' || c==']' ){
      if( --nDepth==0 ) return i+1;
    }
  }
  return -1;
}

/* First key of a command document. */
static const char *commandName(const bson_t *pCmd){
  bson_iter_t it;
  if( bson_iter_init(&it, pCmd) && bson_iter_next(&it) ) return bson_iter_key(&it);
  return "";
}

/* renameCollection takes full namespaces and runs on admin: qualify. */
static bson_t *qualifyRename(DfConn *p, const bson_t *pCmd){
  bson_t *pOut = bson_new();
  bson_iter_t it;
  bson_iter_init(&it, pCmd);
  while( bson_iter_next(&it) ){
    const char *zKey = bson_iter_key(&it);
    if( (strcmp(zKey, "renameCollection")==0 || strcmp(zKey, "to")==0)
     && BSON_ITER_HOLDS_UTF8(&it) ){
      char *zNs = xasprintf("%s.%s", p->zDb, bson_iter_utf8(&it, 0));
      BSON_APPEND_UTF8(pOut, zKey, zNs);
      free(zNs);
    }else{
      bson_append_iter(pOut, zKey, -1, &it);
    }
  }
  return pOut;
}

/* Run one command given as extended JSON (n bytes at z). */
static int execJsonCommand(DfConn *p, const char *z, int n, char **pzErr){
  bson_t cmd, reply;
  bson_error_t err;
  char *zE = 0;
  int rc;
  if( !bson_init_from_json(&cmd, z, n, &err) ){
    char *zS = snippet(z, n);
    *pzErr = xasprintf("not a MongoDB command in extended JSON: %s (in: %s)",
                       err.message, zS);
    free(zS);
    return 1;
  }
  if( strcmp(commandName(&cmd), "renameCollection")==0 ){
    bson_t *pQ = qualifyRename(p, &cmd);
    rc = mgRun(p, "admin", pQ, &reply, &zE);
    bson_destroy(pQ);
  }else{
    rc = mgRun(p, p->zDb, &cmd, &reply, &zE);
  }
  bson_destroy(&reply);
  bson_destroy(&cmd);
  if( rc ){
    char *zS = snippet(z, n);
    *pzErr = xasprintf("%s (in: %s)", zE, zS);
    free(zS);
    free(zE);
  }
  return rc;
}

static int execJsonScript(DfConn *p, const char *z, char **pzErr){
  while( *z ){
    int n;
    while( isspace((unsigned char)*z) || *z==';' ) z++;
    if( *z==0 ) break;
    if( *z!='{' ){
      char *zS = snippet(z, -1);
      *pzErr = xasprintf("expected a MongoDB command (a JSON object) (in: %s)", zS);
      free(zS);
      return 1;
    }
    n = jsonObjectLength(z);
    if( n<0 ){
      char *zS = snippet(z, -1);
      *pzErr = xasprintf("unterminated JSON command (in: %s)", zS);
      free(zS);
      return 1;
    }
    if( execJsonCommand(p, z, n, pzErr) ) return 1;
    z += n;
  }
  return 0;
}

/* ---------------------------------------------------------------------------
** The SQL subset for DataFlow's own tables (HOW IT WORKS)
*/

#define TK_END   0
#define TK_ID    1        /* identifier, quoted or not */
#define TK_STR   2        /* 'string' */
#define TK_NUM   3        /* number */
#define TK_OP    4        /* punctuation / operator */

typedef struct Tok Tok;
struct Tok {
  int eType;              /* TK_* */
  char *z;                /* text: unquoted identifier / string, operator */
  int bQuoted;            /* identifier was quoted */
};

typedef struct Sql Sql;
struct Sql {
  Tok *a;                 /* tokens */
  int n;                  /* number of tokens */
  int i;                  /* next token */
  const char *zText;      /* the statement, for messages */
};

static void sqlFree(Sql *s){
  int i;
  for(i=0; i<s->n; i++) free(s->a[i].z);
  free(s->a);
  memset(s, 0, sizeof(*s));
}

static void tokAdd(Sql *s, int eType, char *z, int bQuoted){
  s->a = xrealloc(s->a, sizeof(Tok) * (size_t)(s->n + 1));
  s->a[s->n].eType = eType;
  s->a[s->n].z = z;
  s->a[s->n].bQuoted = bQuoted;
  s->n++;
}

/* Tokenize zSql up to its end or the first ';' outside quotes; *pzTail is
** set past it. Returns 0 or 1 with *pzErr. */
static int sqlTokenize(const char *zSql, Sql *s, const char **pzTail, char **pzErr){
  const char *z = zSql;
  memset(s, 0, sizeof(*s));
  s->zText = zSql;
  while( *z && *z!=';' ){
    char c = *z;
    if( isspace((unsigned char)c) ){ z++; continue; }
    if( c=='-' && z[1]=='-' ){ while( *z && *z!='\n' ) z++; continue; }
    if( c=='\'' || c=='"' || c=='`' ){
      char q = c;
      char *zOut = xmalloc(strlen(z) + 1);
      int n = 0;
      z++;
      for(;;){
        if( *z==0 ){
          *pzErr = xasprintf("unterminated quoted text");
          free(zOut);
          return 1;
        }
        if( *z==q ){
          if( z[1]==q ){ zOut[n++] = q; z += 2; continue; }
          z++;
          break;
        }
        zOut[n++] = *z++;
      }
      zOut[n] = 0;
      tokAdd(s, q=='\'' ? TK_STR : TK_ID, zOut, 1);
      continue;
    }
    if( isalpha((unsigned char)c) || c=='_' ){
      const char *zStart = z;
      while( isalnum((unsigned char)*z) || *z=='_' || *z=='$' ) z++;
      tokAdd(s, TK_ID, xasprintf("%.*s", (int)(z - zStart), zStart), 0);
      continue;
    }
    if( isdigit((unsigned char)c) || (c=='-' && isdigit((unsigned char)z[1])
                                      && (s->n==0 || s->a[s->n-1].eType==TK_OP)) ){
      const char *zStart = z;
      z++;
      while( isdigit((unsigned char)*z) || *z=='.' || *z=='e' || *z=='E'
          || ((*z=='-' || *z=='+') && (z[-1]=='e' || z[-1]=='E')) ) z++;
      tokAdd(s, TK_NUM, xasprintf("%.*s", (int)(z - zStart), zStart), 0);
      continue;
    }
    if( (c=='<' && (z[1]=='=' || z[1]=='>')) || (c=='>' && z[1]=='=')
     || (c=='!' && z[1]=='=') ){
      tokAdd(s, TK_OP, xasprintf("%.2s", z), 0);
      z += 2;
      continue;
    }
    if( strchr("(),=<>*.", c) ){
      tokAdd(s, TK_OP, xasprintf("%c", c), 0);
      z++;
      continue;
    }
    *pzErr = xasprintf("unexpected character '%c'", c);
    return 1;
  }
  if( *z==';' ) z++;
  *pzTail = z;
  tokAdd(s, TK_END, xstrdup(""), 0);
  return 0;
}

static Tok *peek(Sql *s){ return &s->a[s->i]; }

/* Is the next token the keyword zKw (unquoted, any case)? Consumes it. */
static int kw(Sql *s, const char *zKw){
  Tok *t = peek(s);
  if( t->eType==TK_ID && !t->bQuoted && strcasecmp(t->z, zKw)==0 ){ s->i++; return 1; }
  return 0;
}

static int op(Sql *s, const char *zOp){
  Tok *t = peek(s);
  if( t->eType==TK_OP && strcmp(t->z, zOp)==0 ){ s->i++; return 1; }
  return 0;
}

/* A name: an identifier, "schema.name" folded to its last part. */
static const char *name(Sql *s){
  Tok *t = peek(s);
  if( t->eType!=TK_ID ) return 0;
  s->i++;
  while( op(s, ".") ){
    t = peek(s);
    if( t->eType!=TK_ID ) return 0;
    s->i++;
  }
  return t->z;
}

/* A value: its BSON form is appended to pDoc under zKey. DATABASE() gives
** the connection's database. Returns 0, or 1 when no value is there. */
static int value(DfConn *p, Sql *s, bson_t *pDoc, const char *zKey){
  Tok *t = peek(s);
  if( t->eType==TK_STR ){
    s->i++;
    BSON_APPEND_UTF8(pDoc, zKey, t->z);
    return 0;
  }
  if( t->eType==TK_NUM ){
    s->i++;
    if( strpbrk(t->z, ".eE") ) BSON_APPEND_DOUBLE(pDoc, zKey, atof(t->z));
    else BSON_APPEND_INT64(pDoc, zKey, atoll(t->z));
    return 0;
  }
  if( kw(s, "NULL") ){
    BSON_APPEND_NULL(pDoc, zKey);
    return 0;
  }
  if( kw(s, "DATABASE") ){
    if( !op(s, "(") || !op(s, ")") ) return 1;
    BSON_APPEND_UTF8(pDoc, zKey, p->zDb);
    return 0;
  }
  return 1;
}

/* LIKE pattern (with escape character cEsc, 0 for none) -> anchored regex. */
static char *likeRegex(const char *zPat, char cEsc){
  size_t n = strlen(zPat), i, j = 0;
  char *z = xmalloc(n*2 + 4);
  z[j++] = '^';
  for(i=0; i<n; i++){
    char c = zPat[i];
    if( cEsc && c==cEsc && i+1<n ){
      c = zPat[++i];
      if( strchr("\\^$.|?*+()[]{}", c) ) z[j++] = '\\';
      z[j++] = c;
    }else if( c=='%' ){
      z[j++] = '.'; z[j++] = '*';
    }else if( c=='_' ){
      z[j++] = '.';
    }else{
      if( strchr("\\^$.|?*+()[]{}", c) ) z[j++] = '\\';
      z[j++] = c;
    }
  }
  z[j++] = '$';
  z[j] = 0;
  return z;
}

/*
** WHERE: terms joined by AND into {"$and":[{c:{op:v}}, ...]} (pFilter is
** initialised by the caller). With bInfo (information_schema.tables)
** table_name is the collection's name, table_type its type, and other
** columns (table_schema: always this database) are dropped.
*/
static int whereClause(DfConn *p, Sql *s, bson_t *pFilter, int bInfo, char **pzErr){
  bson_t arr;
  int iTerm = 0;
  if( !kw(s, "WHERE") ) return 0;
  BSON_APPEND_ARRAY_BEGIN(pFilter, "$and", &arr);
  do{
    const char *zCol = name(s);
    const char *zField = zCol;
    char zIdx[16];
    bson_t term, cond;
    int bSkip = 0;
    if( zCol==0 ){
      *pzErr = xstrdup("expected a column name in WHERE");
      return 1;
    }
    if( bInfo ){
      if( strcasecmp(zCol, "table_name")==0 ) zField = "name";
      else if( strcasecmp(zCol, "table_type")==0 ) zField = "type";
      else bSkip = 1;       /* table_schema: this database */
    }
    snprintf(zIdx, sizeof(zIdx), "%d", iTerm);
    bson_init(&term);
    if( kw(s, "IS") ){
      int bNot = kw(s, "NOT");
      if( !kw(s, "NULL") ){ *pzErr = xstrdup("expected NULL after IS"); bson_destroy(&term); return 1; }
      if( bNot ){
        BSON_APPEND_DOCUMENT_BEGIN(&term, zField, &cond);
        BSON_APPEND_NULL(&cond, "$ne");
        bson_append_document_end(&term, &cond);
      }else{
        BSON_APPEND_NULL(&term, zField);
      }
    }else if( kw(s, "LIKE") ){
      Tok *t = peek(s);
      char cEsc = 0;
      char *zRe;
      if( t->eType!=TK_STR ){ *pzErr = xstrdup("expected a pattern after LIKE"); bson_destroy(&term); return 1; }
      s->i++;
      if( kw(s, "ESCAPE") ){
        Tok *e = peek(s);
        if( e->eType!=TK_STR || strlen(e->z)!=1 ){
          *pzErr = xstrdup("ESCAPE needs one character");
          bson_destroy(&term);
          return 1;
        }
        cEsc = e->z[0];
        s->i++;
      }
      zRe = likeRegex(t->z, cEsc);
      BSON_APPEND_DOCUMENT_BEGIN(&term, zField, &cond);
      BSON_APPEND_UTF8(&cond, "$regex", zRe);
      bson_append_document_end(&term, &cond);
      free(zRe);
    }else{
      static const struct { const char *zOp, *zMongo; } aOp[] = {
        { "=", 0 }, { "<>", "$ne" }, { "!=", "$ne" }, { "<", "$lt" },
        { "<=", "$lte" }, { ">", "$gt" }, { ">=", "$gte" },
      };
      size_t k;
      Tok *t = peek(s);
      for(k=0; k<sizeof(aOp)/sizeof(aOp[0]); k++){
        if( t->eType==TK_OP && strcmp(t->z, aOp[k].zOp)==0 ) break;
      }
      if( k==sizeof(aOp)/sizeof(aOp[0]) ){
        *pzErr = xasprintf("unsupported operator '%s' in WHERE", t->z);
        bson_destroy(&term);
        return 1;
      }
      s->i++;
      if( aOp[k].zMongo ){
        BSON_APPEND_DOCUMENT_BEGIN(&term, zField, &cond);
        if( value(p, s, &cond, aOp[k].zMongo) ){
          *pzErr = xstrdup("expected a value in WHERE");
          bson_destroy(&term);
          return 1;
        }
        bson_append_document_end(&term, &cond);
      }else if( value(p, s, &term, zField) ){
        *pzErr = xstrdup("expected a value in WHERE");
        bson_destroy(&term);
        return 1;
      }
    }
    if( !bSkip ){
      BSON_APPEND_DOCUMENT(&arr, zIdx, &term);
      iTerm++;
    }
    bson_destroy(&term);
  }while( kw(s, "AND") );
  if( iTerm==0 ){
    bson_t empty = BSON_INITIALIZER;      /* $and needs one term */
    BSON_APPEND_DOCUMENT(&arr, "0", &empty);
    bson_destroy(&empty);
  }
  bson_append_array_end(pFilter, &arr);
  return 0;
}

/* A field's value as SQL text (NULL for null or missing). OUT: free(). */
static char *fieldText(const bson_t *pDoc, const char *zField){
  bson_iter_t it;
  char zBuf[64];
  if( !bson_iter_init_find(&it, pDoc, zField) ) return 0;
  switch( bson_iter_type(&it) ){
    case BSON_TYPE_NULL: case BSON_TYPE_UNDEFINED: return 0;
    case BSON_TYPE_UTF8: return xstrdup(bson_iter_utf8(&it, 0));
    case BSON_TYPE_INT32: case BSON_TYPE_INT64:
      snprintf(zBuf, sizeof(zBuf), "%lld", (long long)bson_iter_as_int64(&it));
      return xstrdup(zBuf);
    case BSON_TYPE_DOUBLE: {
      double r = bson_iter_double(&it);
      snprintf(zBuf, sizeof(zBuf), "%.15g", r);
      if( strtod(zBuf, 0)!=r ) snprintf(zBuf, sizeof(zBuf), "%.17g", r);
      return xstrdup(zBuf);
    }
    case BSON_TYPE_BOOL: return xstrdup(bson_iter_bool(&it) ? "1" : "0");
    default: return mongoJsonValue(&it, 0);
  }
}

/* Remember the documents a transaction read from zTable. */
static void readsRecord(DfConn *p, const char *zTable, bson_t **apDoc, int nDoc){
  int i;
  for(i=0; i<p->nRead && strcmp(p->aRead[i].zTable, zTable); i++){}
  if( i==p->nRead ){
    p->aRead = xrealloc(p->aRead, sizeof(MgRead) * (size_t)(p->nRead + 1));
    memset(&p->aRead[i], 0, sizeof(MgRead));
    p->aRead[i].zTable = xstrdup(zTable);
    p->nRead++;
  }else{
    int j;
    for(j=0; j<p->aRead[i].nDoc; j++) bson_destroy(p->aRead[i].apDoc[j]);
    free(p->aRead[i].apDoc);
  }
  p->aRead[i].apDoc = xmalloc(sizeof(bson_t*) * (size_t)(nDoc + 1));
  for(p->aRead[i].nDoc=0; p->aRead[i].nDoc<nDoc; p->aRead[i].nDoc++){
    p->aRead[i].apDoc[p->aRead[i].nDoc] = bson_copy(apDoc[p->aRead[i].nDoc]);
  }
}

static MgRead *readsFind(DfConn *p, const char *zTable){
  int i;
  for(i=0; i<p->nRead; i++) if( strcmp(p->aRead[i].zTable, zTable)==0 ) return &p->aRead[i];
  return 0;
}

static void readsForget(DfConn *p, const char *zTable){
  MgRead *r = readsFind(p, zTable);
  int j;
  if( r==0 ) return;
  for(j=0; j<r->nDoc; j++) bson_destroy(r->apDoc[j]);
  r->nDoc = 0;
  free(r->zTable);
  r->zTable = xstrdup("");
}

/* Documents of zTable matching pFilter, sorted by pSort (may be NULL),
** at most nLimit (0: all). *papDoc: caller frees each (bson_destroy) and
** the array. */
static int findDocs(DfConn *p, const char *zTable, const bson_t *pFilter,
                    const bson_t *pSort, long long nLimit, bson_t ***papDoc,
                    int *pnDoc, char **pzErr){
  mongoc_collection_t *coll = mongoc_client_get_collection(p->pClient, p->zDb, zTable);
  bson_t opts = BSON_INITIALIZER;
  mongoc_cursor_t *c;
  const bson_t *doc;
  bson_error_t err;
  int n = 0, rc = 0;
  bson_t **a = 0;
  if( pSort && !bson_empty(pSort) ) BSON_APPEND_DOCUMENT(&opts, "sort", pSort);
  if( nLimit>0 ) BSON_APPEND_INT64(&opts, "limit", nLimit);
  c = mongoc_collection_find_with_opts(coll, pFilter, &opts, 0);
  while( mongoc_cursor_next(c, &doc) ){
    a = xrealloc(a, sizeof(bson_t*) * (size_t)(n + 1));
    a[n++] = bson_copy(doc);
  }
  if( mongoc_cursor_error(c, &err) ){
    *pzErr = mongoErrorText(&err);
    rc = 1;
  }
  mongoc_cursor_destroy(c);
  mongoc_collection_destroy(coll);
  bson_destroy(&opts);
  *papDoc = a;
  *pnDoc = n;
  return rc;
}

static void docsFree(bson_t **a, int n){
  int i;
  for(i=0; i<n; i++) bson_destroy(a[i]);
  free(a);
}

/* Rows of information_schema.tables (this database's collections). */
static int selectInfo(DfConn *p, Sql *s, int bCount, int nCol, const char **azCol,
                      int (*xRow)(void*, int, char**), void *pArg, char **pzErr){
  mongoc_database_t *db = mongoc_client_get_database(p->pClient, p->zDb);
  bson_t opts = BSON_INITIALIZER, filter = BSON_INITIALIZER;
  mongoc_cursor_t *c;
  const bson_t *doc;
  bson_error_t err;
  char **azName = 0, **azType = 0;
  int n = 0, i, j, rc = 0, bDesc = 0;
  if( whereClause(p, s, &filter, 1, pzErr) ){
    bson_destroy(&filter);
    bson_destroy(&opts);
    mongoc_database_destroy(db);
    return 1;
  }
  if( kw(s, "ORDER") ){
    kw(s, "BY");
    name(s);
    if( kw(s, "DESC") ) bDesc = 1; else kw(s, "ASC");
  }
  BSON_APPEND_DOCUMENT(&opts, "filter", &filter);
  c = mongoc_database_find_collections_with_opts(db, &opts);
  while( mongoc_cursor_next(c, &doc) ){
    bson_iter_t it;
    azName = xrealloc(azName, sizeof(char*) * (size_t)(n+1));
    azType = xrealloc(azType, sizeof(char*) * (size_t)(n+1));
    azName[n] = bson_iter_init_find(&it, doc, "name") ? xstrdup(bson_iter_utf8(&it, 0)) : xstrdup("");
    azType[n] = bson_iter_init_find(&it, doc, "type") && strcmp(bson_iter_utf8(&it, 0), "view")==0
              ? xstrdup("VIEW") : xstrdup("BASE TABLE");
    n++;
  }
  if( mongoc_cursor_error(c, &err) ){ *pzErr = mongoErrorText(&err); rc = 1; }
  mongoc_cursor_destroy(c);
  bson_destroy(&filter);
  bson_destroy(&opts);
  mongoc_database_destroy(db);
  /* sort by name (insertion sort: few collections) */
  for(i=1; i<n; i++){
    for(j=i; j>0 && (bDesc ? strcmp(azName[j-1], azName[j])<0
                          : strcmp(azName[j-1], azName[j])>0); j--){
      char *z = azName[j]; azName[j] = azName[j-1]; azName[j-1] = z;
      z = azType[j]; azType[j] = azType[j-1]; azType[j-1] = z;
    }
  }
  if( rc==0 && bCount ){
    char zN[24], *az[1];
    snprintf(zN, sizeof(zN), "%d", n);
    az[0] = zN;
    if( xRow ) xRow(pArg, 1, az);
  }else if( rc==0 ){
    char **az = xcalloc((size_t)nCol + 1, sizeof(char*));
    for(i=0; i<n; i++){
      for(j=0; j<nCol; j++){
        if( strcasecmp(azCol[j], "table_name")==0 ) az[j] = azName[i];
        else if( strcasecmp(azCol[j], "table_schema")==0 ) az[j] = p->zDb;
        else if( strcasecmp(azCol[j], "table_type")==0 ) az[j] = azType[i];
        else az[j] = 0;
      }
      if( xRow && xRow(pArg, nCol, az) ) break;
    }
    free(az);
  }
  for(i=0; i<n; i++){ free(azName[i]); free(azType[i]); }
  free(azName);
  free(azType);
  return rc;
}

static int sqlSelect(DfConn *p, Sql *s, int (*xRow)(void*, int, char**), void *pArg,
                     char **pzErr){
  const char *azCol[64];
  int nCol = 0, bCount = 0, rc = 0, i;
  const char *zTable;
  bson_t filter = BSON_INITIALIZER, sort = BSON_INITIALIZER;
  long long nLimit = 0;
  bson_t **apDoc = 0;
  int nDoc = 0;
  if( kw(s, "count") ){
    if( !op(s, "(") || !op(s, "*") || !op(s, ")") ){
      *pzErr = xstrdup("expected count(*)");
      return 1;
    }
    bCount = 1;
  }else{
    do{
      const char *z = name(s);
      if( z==0 || nCol>=64 ){ *pzErr = xstrdup("expected a column list"); return 1; }
      azCol[nCol++] = z;
    }while( op(s, ",") );
  }
  if( !kw(s, "FROM") ){ *pzErr = xstrdup("expected FROM"); return 1; }
  {
    Tok *t = peek(s);
    int bInfo = t->eType==TK_ID && strcasecmp(t->z, "information_schema")==0;
    zTable = name(s);
    if( zTable==0 ){ *pzErr = xstrdup("expected a table name"); return 1; }
    if( bInfo && strcasecmp(zTable, "tables")==0 ){
      return selectInfo(p, s, bCount, nCol, azCol, xRow, pArg, pzErr);
    }
  }
  rc = collExists(p, zTable, pzErr);
  if( rc<0 ) return 1;
  if( rc==0 ){
    *pzErr = xasprintf("no such table: %s", zTable);
    return 1;
  }
  rc = whereClause(p, s, &filter, 0, pzErr);
  if( rc==0 && kw(s, "ORDER") ){
    kw(s, "BY");
    do{
      const char *z = name(s);
      if( z==0 ){ *pzErr = xstrdup("expected a column in ORDER BY"); rc = 1; break; }
      if( kw(s, "DESC") ) BSON_APPEND_INT32(&sort, z, -1);
      else{ kw(s, "ASC"); BSON_APPEND_INT32(&sort, z, 1); }
    }while( op(s, ",") );
  }
  if( rc==0 && kw(s, "LIMIT") ){
    Tok *t = peek(s);
    if( t->eType!=TK_NUM ){ *pzErr = xstrdup("expected a number after LIMIT"); rc = 1; }
    else{ nLimit = atoll(t->z); s->i++; }
  }
  if( rc==0 && peek(s)->eType!=TK_END ){
    *pzErr = xasprintf("unexpected '%s'", peek(s)->z);
    rc = 1;
  }
  if( rc==0 ) rc = findDocs(p, zTable, &filter, &sort, nLimit, &apDoc, &nDoc, pzErr);
  if( rc==0 && p->bInTxn && !bCount ) readsRecord(p, zTable, apDoc, nDoc);
  if( rc==0 && bCount ){
    char zN[24], *az[1];
    snprintf(zN, sizeof(zN), "%d", nDoc);
    az[0] = zN;
    if( xRow ) xRow(pArg, 1, az);
  }else if( rc==0 ){
    char **az = xcalloc((size_t)nCol + 1, sizeof(char*));
    for(i=0; i<nDoc; i++){
      int j, bStop;
      for(j=0; j<nCol; j++) az[j] = fieldText(apDoc[i], azCol[j]);
      bStop = xRow ? xRow(pArg, nCol, az) : 0;
      for(j=0; j<nCol; j++) free(az[j]);
      if( bStop ) break;
    }
    free(az);
  }
  docsFree(apDoc, nDoc);
  bson_destroy(&filter);
  bson_destroy(&sort);
  return rc;
}

/* CREATE TABLE: the collection, and its PRIMARY KEY as a unique index. */
static int sqlCreateTable(DfConn *p, Sql *s, char **pzErr){
  const char *zTable, *azPk[16];
  int nPk = 0, nDepth, rc, bExists;
  if( kw(s, "IF") ){ kw(s, "NOT"); kw(s, "EXISTS"); }
  zTable = name(s);
  if( zTable==0 || !op(s, "(") ){ *pzErr = xstrdup("expected CREATE TABLE name(...)"); return 1; }
  /* Walk the column list: "c ... PRIMARY KEY" or "PRIMARY KEY(c, ...)". */
  nDepth = 1;
  while( nDepth>0 && peek(s)->eType!=TK_END ){
    const char *zFirst = 0;
    if( nDepth==1 ){
      Tok *t = peek(s);
      if( t->eType==TK_ID ) zFirst = t->z;
      if( kw(s, "CONSTRAINT") ){ name(s); zFirst = 0; }
      if( kw(s, "PRIMARY") ){
        kw(s, "KEY");
        if( op(s, "(") ){
          do{
            const char *z = name(s);
            if( z && nPk<16 ) azPk[nPk++] = z;
          }while( op(s, ",") );
          op(s, ")");
        }
        continue;
      }
      if( zFirst ) s->i++;
    }
    while( peek(s)->eType!=TK_END ){
      Tok *t = peek(s);
      if( t->eType==TK_OP && strcmp(t->z, "(")==0 ){ nDepth++; s->i++; continue; }
      if( t->eType==TK_OP && strcmp(t->z, ")")==0 ){
        nDepth--; s->i++;
        if( nDepth==0 ) break;
        continue;
      }
      if( nDepth==1 && t->eType==TK_OP && strcmp(t->z, ",")==0 ){ s->i++; break; }
      if( nDepth==1 && zFirst && kw(s, "PRIMARY") ){
        if( nPk<16 ) azPk[nPk++] = zFirst;
        continue;
      }
      s->i++;
    }
  }
  bExists = collExists(p, zTable, pzErr);
  if( bExists<0 ) return 1;
  if( !bExists ){
    bson_t *pCmd = BCON_NEW("create", BCON_UTF8(zTable));
    bson_t reply;
    rc = mgRun(p, p->zDb, pCmd, &reply, pzErr);
    bson_destroy(pCmd);
    bson_destroy(&reply);
    if( rc && strstr(*pzErr, "code 48")==0 ) return 1;
    if( rc ){ free(*pzErr); *pzErr = 0; }
  }
  if( nPk>0 ){
    bson_t cmd = BSON_INITIALIZER, arr, spec, key, reply;
    int i;
    BSON_APPEND_UTF8(&cmd, "createIndexes", zTable);
    BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &spec);
    BSON_APPEND_DOCUMENT_BEGIN(&spec, "key", &key);
    for(i=0; i<nPk; i++) BSON_APPEND_INT32(&key, azPk[i], 1);
    bson_append_document_end(&spec, &key);
    BSON_APPEND_UTF8(&spec, "name", "dataflow_pk");
    BSON_APPEND_BOOL(&spec, "unique", true);
    bson_append_document_end(&arr, &spec);
    bson_append_array_end(&cmd, &arr);
    rc = mgRun(p, p->zDb, &cmd, &reply, pzErr);
    bson_destroy(&cmd);
    bson_destroy(&reply);
    if( rc ) return 1;
  }
  return 0;
}

static int sqlInsert(DfConn *p, Sql *s, char **pzErr){
  const char *zTable, *azCol[64];
  int nCol = 0, i, rc;
  bson_t cmd = BSON_INITIALIZER, arr, doc, reply;
  if( !kw(s, "INTO") || (zTable = name(s))==0 || !op(s, "(") ){
    *pzErr = xstrdup("expected INSERT INTO t(columns) VALUES(values)");
    return 1;
  }
  do{
    const char *z = name(s);
    if( z==0 || nCol>=64 ){ *pzErr = xstrdup("expected a column list"); return 1; }
    azCol[nCol++] = z;
  }while( op(s, ",") );
  if( !op(s, ")") || !kw(s, "VALUES") || !op(s, "(") ){
    *pzErr = xstrdup("expected VALUES(...)");
    return 1;
  }
  BSON_APPEND_UTF8(&cmd, "insert", zTable);
  BSON_APPEND_ARRAY_BEGIN(&cmd, "documents", &arr);
  BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &doc);
  for(i=0; i<nCol; i++){
    if( i && !op(s, ",") ) break;
    if( kw(s, "NULL") ) continue;           /* NULL: the field is left out */
    if( value(p, s, &doc, azCol[i]) ) break;
  }
  bson_append_document_end(&arr, &doc);
  bson_append_array_end(&cmd, &arr);
  if( i<nCol || !op(s, ")") ){
    *pzErr = xasprintf("expected %d values", nCol);
    bson_destroy(&cmd);
    return 1;
  }
  rc = mgRun(p, p->zDb, &cmd, &reply, pzErr);
  bson_destroy(&cmd);
  bson_destroy(&reply);
  if( rc==0 && p->bInTxn ) readsForget(p, zTable);
  return rc;
}

static int sqlUpdate(DfConn *p, Sql *s, char **pzErr){
  const char *zTable = name(s);
  bson_t cmd = BSON_INITIALIZER, arr, st, setDoc = BSON_INITIALIZER,
         unsetDoc = BSON_INITIALIZER, filter = BSON_INITIALIZER, u, reply;
  int rc = 0;
  if( zTable==0 || !kw(s, "SET") ){ *pzErr = xstrdup("expected UPDATE t SET ..."); return 1; }
  do{
    const char *zCol = name(s);
    if( zCol==0 || !op(s, "=") ){ *pzErr = xstrdup("expected column = value"); rc = 1; break; }
    if( kw(s, "COALESCE") ){
      /* c = COALESCE(v, c): v unless it is NULL, then c stays */
      const char *zSame;
      if( !op(s, "(") ){ *pzErr = xstrdup("expected COALESCE(value, column)"); rc = 1; break; }
      if( !kw(s, "NULL") && value(p, s, &setDoc, zCol) ){
        *pzErr = xstrdup("expected a value");
        rc = 1;
        break;
      }
      zSame = op(s, ",") ? name(s) : 0;
      if( zSame==0 || strcmp(zSame, zCol) || !op(s, ")") ){
        *pzErr = xstrdup("only COALESCE(value, same column) is supported");
        rc = 1;
        break;
      }
    }else if( kw(s, "NULL") ) BSON_APPEND_UTF8(&unsetDoc, zCol, "");
    else if( value(p, s, &setDoc, zCol) ){ *pzErr = xstrdup("expected a value"); rc = 1; break; }
  }while( op(s, ",") );
  if( rc==0 ) rc = whereClause(p, s, &filter, 0, pzErr);
  if( rc==0 ){
    BSON_APPEND_UTF8(&cmd, "update", zTable);
    BSON_APPEND_ARRAY_BEGIN(&cmd, "updates", &arr);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &st);
    BSON_APPEND_DOCUMENT(&st, "q", &filter);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "u", &u);
    if( !bson_empty(&setDoc) ) BSON_APPEND_DOCUMENT(&u, "$set", &setDoc);
    if( !bson_empty(&unsetDoc) ) BSON_APPEND_DOCUMENT(&u, "$unset", &unsetDoc);
    bson_append_document_end(&st, &u);
    BSON_APPEND_BOOL(&st, "multi", true);
    bson_append_document_end(&arr, &st);
    bson_append_array_end(&cmd, &arr);
    rc = mgRun(p, p->zDb, &cmd, &reply, pzErr);
    bson_destroy(&reply);
  }
  bson_destroy(&cmd);
  bson_destroy(&setDoc);
  bson_destroy(&unsetDoc);
  bson_destroy(&filter);
  if( rc==0 && p->bInTxn ) readsForget(p, zTable);
  return rc;
}

/* {delete: t, deletes: [{q: filter, limit: 0}]}; *pn: documents deleted. */
static int deleteWhere(DfConn *p, const char *zTable, const bson_t *pFilter,
                       long long *pn, char **pzErr){
  bson_t cmd = BSON_INITIALIZER, arr, st, reply;
  int rc;
  BSON_APPEND_UTF8(&cmd, "delete", zTable);
  BSON_APPEND_ARRAY_BEGIN(&cmd, "deletes", &arr);
  BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &st);
  BSON_APPEND_DOCUMENT(&st, "q", pFilter);
  BSON_APPEND_INT32(&st, "limit", 0);
  bson_append_document_end(&arr, &st);
  bson_append_array_end(&cmd, &arr);
  rc = mgRun(p, p->zDb, &cmd, &reply, pzErr);
  *pn = rc ? 0 : replyInt(&reply, "n");
  bson_destroy(&reply);
  bson_destroy(&cmd);
  return rc;
}

static int sqlDelete(DfConn *p, Sql *s, char **pzErr){
  const char *zTable;
  bson_t filter = BSON_INITIALIZER;
  MgRead *r;
  long long n;
  int rc;
  if( !kw(s, "FROM") || (zTable = name(s))==0 ){
    *pzErr = xstrdup("expected DELETE FROM t");
    return 1;
  }
  rc = whereClause(p, s, &filter, 0, pzErr);
  r = (rc==0 && p->bInTxn) ? readsFind(p, zTable) : 0;
  if( rc==0 && r ){
    /* Compare-and-delete: exactly the documents this transaction read. */
    bson_t **apNow = 0;
    int nNow = 0, i, j;
    rc = findDocs(p, zTable, &filter, 0, 0, &apNow, &nNow, pzErr);
    for(i=0; rc==0 && i<nNow; i++){
      for(j=0; j<r->nDoc && !bson_equal(apNow[i], r->apDoc[j]); j++){}
      if( j==r->nDoc ){
        *pzErr = xasprintf("%s was changed by another process during this"
                           " transaction; try again", zTable);
        rc = 1;
      }
    }
    for(i=0; rc==0 && i<nNow; i++){
      rc = deleteWhere(p, zTable, apNow[i], &n, pzErr);
      if( rc==0 && n!=1 ){
        *pzErr = xasprintf("%s was changed by another process during this"
                           " transaction; try again", zTable);
        rc = 1;
      }
    }
    docsFree(apNow, nNow);
    readsForget(p, zTable);
  }else if( rc==0 ){
    rc = deleteWhere(p, zTable, &filter, &n, pzErr);
  }
  bson_destroy(&filter);
  return rc;
}

static int sqlDrop(DfConn *p, Sql *s, char **pzErr){
  int bIfExists = 0, rc;
  const char *zTable;
  bson_t *pCmd, reply;
  if( kw(s, "IF") ){ kw(s, "EXISTS"); bIfExists = 1; }
  zTable = name(s);
  if( zTable==0 ){ *pzErr = xstrdup("expected DROP TABLE name"); return 1; }
  rc = collExists(p, zTable, pzErr);
  if( rc<0 ) return 1;
  if( rc==0 ){
    if( bIfExists ) return 0;
    *pzErr = xasprintf("no such table: %s", zTable);
    return 1;
  }
  pCmd = BCON_NEW("drop", BCON_UTF8(zTable));
  rc = mgRun(p, p->zDb, pCmd, &reply, pzErr);
  bson_destroy(pCmd);
  bson_destroy(&reply);
  return rc;
}

/* Run one SQL statement of the subset. xRow receives SELECT rows. */
static int sqlStatement(DfConn *p, Sql *s, int (*xRow)(void*, int, char**),
                        void *pArg, char **pzErr){
  if( peek(s)->eType==TK_END ) return 0;
  if( kw(s, "SELECT") ) return sqlSelect(p, s, xRow, pArg, pzErr);
  if( kw(s, "INSERT") ) return sqlInsert(p, s, pzErr);
  if( kw(s, "UPDATE") ) return sqlUpdate(p, s, pzErr);
  if( kw(s, "DELETE") ) return sqlDelete(p, s, pzErr);
  if( kw(s, "CREATE") ){
    if( kw(s, "TABLE") ) return sqlCreateTable(p, s, pzErr);
    if( kw(s, "INDEX") || (kw(s, "UNIQUE") && kw(s, "INDEX")) ) return 0;
  }
  if( kw(s, "DROP") && kw(s, "TABLE") ) return sqlDrop(p, s, pzErr);
  if( kw(s, "BEGIN") || kw(s, "COMMIT") || kw(s, "ROLLBACK") ) return 0;
  *pzErr = xasprintf("MongoDB has no SQL; DataFlow's SQL subset for its own"
                     " collections does not support '%s'", peek(s)->z);
  return 1;
}

/* Run a script of SQL statements (separated by ';'). */
static int sqlScript(DfConn *p, const char *zSql, int (*xRow)(void*, int, char**),
                     void *pArg, char **pzErr){
  const char *z = zSql;
  while( z && *z ){
    Sql s;
    const char *zStart = z, *zTail = z;
    char *zE = 0;
    int rc;
    while( isspace((unsigned char)*zStart) ) zStart++;
    if( *zStart==0 ) break;
    rc = sqlTokenize(zStart, &s, &zTail, &zE);
    if( rc==0 ) rc = sqlStatement(p, &s, xRow, pArg, &zE);
    sqlFree(&s);
    if( rc ){
      char *zS = snippet(zStart, (int)(zTail - zStart));
      *pzErr = xasprintf("%s (in: %s)", zE ? zE : "error", zS);
      free(zS);
      free(zE);
      return 1;
    }
    z = zTail;
  }
  return 0;
}

/* ---------------------------------------------------------------------------
** DfEngine methods
*/

static int mgExec(DfConn *p, const char *zSql, char **pzErr){
  const char *z = zSql;
  while( isspace((unsigned char)*z) ) z++;
  if( *z=='{' ) return execJsonScript(p, z, pzErr);
  return sqlScript(p, zSql, 0, 0, pzErr);
}

static int mgQuery(DfConn *p, const char *zSql, int (*xRow)(void*, int, char**),
                   void *pArg, char **pzErr){
  return sqlScript(p, zSql, xRow, pArg, pzErr);
}

static int firstValue(void *pArg, int nCol, char **azVal){
  char **pzOut = (char**)pArg;
  if( nCol>0 && *pzOut==0 ) *pzOut = xstrdup(azVal[0]);
  return 1;
}

static int mgQueryValue(DfConn *p, const char *zSql, char **pzOut, char **pzErr){
  *pzOut = 0;
  return mgQuery(p, zSql, firstValue, pzOut, pzErr);
}

static int mgBegin(DfConn *p, char **pzErr){
  (void)pzErr;
  readsClear(p);
  p->bInTxn = 1;
  return 0;
}

static int mgEnd(DfConn *p, char **pzErr){
  (void)pzErr;
  readsClear(p);
  p->bInTxn = 0;
  return 0;
}

static char *mgQuoteIdent(DfConn *p, const char *zName){
  size_t n = strlen(zName), i, j = 0;
  char *z = xmalloc(n*2 + 3);
  (void)p;
  z[j++] = '"';
  for(i=0; i<n; i++){
    if( zName[i]=='"' ) z[j++] = '"';
    z[j++] = zName[i];
  }
  z[j++] = '"';
  z[j] = 0;
  return z;
}

static char *mgQuoteLiteral(DfConn *p, const char *zValue){
  size_t n = strlen(zValue), i, j = 0;
  char *z = xmalloc(n*2 + 3);
  (void)p;
  z[j++] = '\'';
  for(i=0; i<n; i++){
    if( zValue[i]=='\'' ) z[j++] = '\'';
    z[j++] = zValue[i];
  }
  z[j++] = '\'';
  z[j] = 0;
  return z;
}

/*
** xPlanCheck: the plan's steps (their commands in order) are read without
** running them, to find for each collection the last validator a collMod
** installs, under the collection's current name (renameCollection
** followed back), with the fields the plan fills first (update $set where
** the field is null: a backfill) left out of it and the fields it renames
** ($rename) checked under their current names. The documents that fail
** what is left ({$nor: [validator]}) are counted and up to three named.
*/
typedef struct CheckColl CheckColl;
struct CheckColl {
  char *zName;            /* the name in the plan's later steps */
  char *zLive;            /* the name it has now */
  bson_t *pValidator;     /* last validator installed, or NULL */
  int nFill; char **azFill;     /* fields filled by a backfill (names now) */
  int nRen; char **azRenTo, **azRenFrom;   /* $rename: new -> old name */
};

typedef struct Check Check;
struct Check {
  int n;                  /* collections the plan touches */
  CheckColl *a;
};

static CheckColl *checkColl(Check *c, const char *zName){
  int i;
  for(i=0; i<c->n; i++) if( strcmp(c->a[i].zName, zName)==0 ) return &c->a[i];
  c->a = xrealloc(c->a, sizeof(CheckColl) * (size_t)(c->n + 1));
  memset(&c->a[c->n], 0, sizeof(CheckColl));
  c->a[c->n].zName = xstrdup(zName);
  c->a[c->n].zLive = xstrdup(zName);
  return &c->a[c->n++];
}

static void checkClear(Check *c){
  int i, j;
  for(i=0; i<c->n; i++){
    CheckColl *x = &c->a[i];
    free(x->zName); free(x->zLive);
    if( x->pValidator ) bson_destroy(x->pValidator);
    for(j=0; j<x->nFill; j++) free(x->azFill[j]);
    free(x->azFill);
    for(j=0; j<x->nRen; j++){ free(x->azRenTo[j]); free(x->azRenFrom[j]); }
    free(x->azRenTo); free(x->azRenFrom);
  }
  free(c->a);
}

/* The current name of field zField of x (following $renames back). */
static const char *liveField(CheckColl *x, const char *zField){
  int i;
  for(i=x->nRen-1; i>=0; i--){
    if( strcmp(x->azRenTo[i], zField)==0 ) zField = x->azRenFrom[i];
  }
  return zField;
}

static int isFilled(CheckColl *x, const char *zField){
  int i;
  for(i=0; i<x->nFill; i++) if( strcmp(x->azFill[i], zField)==0 ) return 1;
  return 0;
}

/* Note what an update command of the plan does to fields: backfills
** ({q: {f: null}, u: {$set: {f: v}}} or a pipeline $set) and $renames. */
static void checkUpdate(CheckColl *x, const bson_t *pCmd){
  bson_iter_t it, st, q, u, op, f;
  if( !bson_iter_init_find(&it, pCmd, "updates") || !bson_iter_recurse(&it, &st) ) return;
  while( bson_iter_next(&st) ){
    bson_iter_t one;
    const char *zQField = 0;
    if( !BSON_ITER_HOLDS_DOCUMENT(&st) || !bson_iter_recurse(&st, &one) ) continue;
    if( bson_iter_find(&one, "q") && bson_iter_recurse(&one, &q) && bson_iter_next(&q)
     && BSON_ITER_HOLDS_NULL(&q) ){
      zQField = bson_iter_key(&q);
    }
    bson_iter_recurse(&st, &one);
    if( !bson_iter_find(&one, "u") ) continue;
    if( BSON_ITER_HOLDS_ARRAY(&one) && bson_iter_recurse(&one, &u) ){
      while( bson_iter_next(&u) ){       /* pipeline: [{$set: {f: ...}}] */
        if( bson_iter_recurse(&u, &op) && bson_iter_find(&op, "$set")
         && bson_iter_recurse(&op, &f) ){
          while( bson_iter_next(&f) ){
            if( zQField && strcmp(bson_iter_key(&f), zQField)==0 ){
              x->azFill = xrealloc(x->azFill, sizeof(char*) * (size_t)(x->nFill + 1));
              x->azFill[x->nFill++] = xstrdup(liveField(x, zQField));
            }
          }
        }
      }
    }else if( BSON_ITER_HOLDS_DOCUMENT(&one) && bson_iter_recurse(&one, &u) ){
      while( bson_iter_next(&u) ){
        const char *zOp = bson_iter_key(&u);
        if( !bson_iter_recurse(&u, &f) ) continue;
        while( bson_iter_next(&f) ){
          const char *zF = bson_iter_key(&f);
          if( strcmp(zOp, "$set")==0 && zQField && strcmp(zF, zQField)==0 ){
            x->azFill = xrealloc(x->azFill, sizeof(char*) * (size_t)(x->nFill + 1));
            x->azFill[x->nFill++] = xstrdup(liveField(x, zF));
          }else if( strcmp(zOp, "$rename")==0 && BSON_ITER_HOLDS_UTF8(&f) ){
            x->azRenTo = xrealloc(x->azRenTo, sizeof(char*) * (size_t)(x->nRen + 1));
            x->azRenFrom = xrealloc(x->azRenFrom, sizeof(char*) * (size_t)(x->nRen + 1));
            x->azRenTo[x->nRen] = xstrdup(bson_iter_utf8(&f, 0));
            x->azRenFrom[x->nRen] = xstrdup(liveField(x, zF));
            x->nRen++;
          }
        }
      }
    }
  }
}

/* Copy schema object pSrc into pOut with its top-level properties renamed
** to their current names and filled ones left out (from properties and
** required). */
static void checkSchema(CheckColl *x, const bson_t *pSrc, bson_t *pOut){
  bson_iter_t it, sub;
  bson_iter_init(&it, pSrc);
  while( bson_iter_next(&it) ){
    const char *zKey = bson_iter_key(&it);
    if( strcmp(zKey, "properties")==0 && BSON_ITER_HOLDS_DOCUMENT(&it)
     && bson_iter_recurse(&it, &sub) ){
      bson_t props;
      BSON_APPEND_DOCUMENT_BEGIN(pOut, "properties", &props);
      while( bson_iter_next(&sub) ){
        const char *zLive = liveField(x, bson_iter_key(&sub));
        if( !isFilled(x, zLive) ) bson_append_iter(&props, zLive, -1, &sub);
      }
      bson_append_document_end(pOut, &props);
    }else if( strcmp(zKey, "required")==0 && BSON_ITER_HOLDS_ARRAY(&it)
           && bson_iter_recurse(&it, &sub) ){
      bson_t arr;
      int n = 0;
      BSON_APPEND_ARRAY_BEGIN(pOut, "required", &arr);
      while( bson_iter_next(&sub) ){
        const char *zLive;
        char zIdx[16];
        if( !BSON_ITER_HOLDS_UTF8(&sub) ) continue;
        zLive = liveField(x, bson_iter_utf8(&sub, 0));
        if( isFilled(x, zLive) ) continue;
        snprintf(zIdx, sizeof(zIdx), "%d", n++);
        BSON_APPEND_UTF8(&arr, zIdx, zLive);
      }
      bson_append_array_end(pOut, &arr);
      if( n==0 ){
        /* an empty "required" is not allowed: drop it */
        bson_t tmp = BSON_INITIALIZER;
        bson_iter_t c;
        bson_iter_init(&c, pOut);
        while( bson_iter_next(&c) ){
          if( strcmp(bson_iter_key(&c), "required") ) bson_append_iter(&tmp, 0, 0, &c);
        }
        bson_reinit(pOut);
        bson_concat(pOut, &tmp);
        bson_destroy(&tmp);
      }
    }else{
      bson_append_iter(pOut, zKey, -1, &it);
    }
  }
}

/* Count and name the documents of x failing its last validator; appends a
** sentence to *pzReport. Returns 1 when some fail. */
static int checkCount(DfConn *p, CheckColl *x, char **pzReport){
  bson_t check = BSON_INITIALIZER, filter = BSON_INITIALIZER, arr, sort = BSON_INITIALIZER;
  bson_iter_t it;
  bson_t *pCount, reply;
  bson_t **apDoc = 0;
  int nDoc = 0, i, bBad = 0;
  long long nBad = 0;
  char *zE = 0, *zLine = 0;
  /* the validator, its $jsonSchema adjusted (see above) */
  bson_iter_init(&it, x->pValidator);
  while( bson_iter_next(&it) ){
    bson_iter_t sub;
    const uint8_t *a;
    uint32_t n;
    if( strcmp(bson_iter_key(&it), "$jsonSchema")==0 && BSON_ITER_HOLDS_DOCUMENT(&it) ){
      bson_t schema, adj;
      bson_iter_document(&it, &n, &a);
      bson_init_static(&schema, a, n);
      BSON_APPEND_DOCUMENT_BEGIN(&check, "$jsonSchema", &adj);
      checkSchema(x, &schema, &adj);
      bson_append_document_end(&check, &adj);
      (void)sub;
    }else{
      bson_append_iter(&check, 0, 0, &it);
    }
  }
  BSON_APPEND_ARRAY_BEGIN(&filter, "$nor", &arr);
  BSON_APPEND_DOCUMENT(&arr, "0", &check);
  bson_append_array_end(&filter, &arr);
  pCount = BCON_NEW("count", BCON_UTF8(x->zLive), "query", BCON_DOCUMENT(&filter));
  if( mgRun(p, p->zDb, pCount, &reply, &zE)==0 ) nBad = replyInt(&reply, "n");
  bson_destroy(&reply);
  bson_destroy(pCount);
  if( zE==0 && nBad>0 ){
    char *zEx = xstrdup("");
    BSON_APPEND_INT32(&sort, "_id", 1);
    findDocs(p, x->zLive, &filter, &sort, 3, &apDoc, &nDoc, &zE);
    for(i=0; i<nDoc; i++){
      bson_iter_t id;
      char *zId = bson_iter_init_find(&id, apDoc[i], "_id") ? mongoJsonValue(&id, 0)
                                                            : xstrdup("?");
      char *zNew = xasprintf("%s%s_id %s", zEx, i ? ", " : "", zId);
      free(zId);
      free(zEx);
      zEx = zNew;
    }
    docsFree(apDoc, nDoc);
    zLine = xasprintf("%lld document%s of %s do%s not match the new validator"
                      " (e.g. %s)", nBad, nBad==1 ? "" : "s", x->zLive,
                      nBad==1 ? "es" : "", zEx);
    free(zEx);
    bBad = 1;
  }
  if( zE ){
    zLine = xasprintf("cannot count the documents of %s that fail the new"
                      " validator: %s", x->zLive, zE);
    free(zE);
  }
  if( zLine ){
    char *zNew = xasprintf("%s%s%s", *pzReport ? *pzReport : "", *pzReport ? "; " : "",
                           zLine);
    free(*pzReport);
    free(zLine);
    *pzReport = zNew;
  }
  bson_destroy(&check);
  bson_destroy(&filter);
  bson_destroy(&sort);
  return bBad;
}

static int mgPlanCheck(DfConn *p, const char *zSql, int bAuto, char **pzMsg){
  const char *z = zSql;
  Check c;
  char *zReport = 0;
  int i, bRefuse = 0;
  memset(&c, 0, sizeof(c));
  *pzMsg = 0;
  while( z && *z ){
    bson_t cmd;
    bson_error_t err;
    bson_iter_t it;
    const char *zName;
    int n;
    while( isspace((unsigned char)*z) || *z==';' ) z++;
    if( *z!='{' ) break;
    n = jsonObjectLength(z);
    if( n<0 ) break;
    if( bson_init_from_json(&cmd, z, n, &err) ){
      zName = commandName(&cmd);
      if( bson_iter_init_find(&it, &cmd, zName) && BSON_ITER_HOLDS_UTF8(&it) ){
        const char *zColl = bson_iter_utf8(&it, 0);
        if( strcmp(zName, "create")==0 ){
          /* a new collection: nothing to count (a later create of a
          ** dropped name starts empty too) */
          CheckColl *x = checkColl(&c, zColl);
          free(x->zLive);
          x->zLive = xstrdup("");
        }else if( strcmp(zName, "renameCollection")==0 ){
          bson_iter_t to;
          if( bson_iter_init_find(&to, &cmd, "to") && BSON_ITER_HOLDS_UTF8(&to) ){
            CheckColl *x = checkColl(&c, zColl);
            free(x->zName);
            x->zName = xstrdup(bson_iter_utf8(&to, 0));
          }
        }else if( strcmp(zName, "update")==0 ){
          checkUpdate(checkColl(&c, zColl), &cmd);
        }else if( strcmp(zName, "collMod")==0 ){
          bson_iter_t v;
          CheckColl *x = checkColl(&c, zColl);
          if( bson_iter_init_find(&v, &cmd, "validator") && BSON_ITER_HOLDS_DOCUMENT(&v) ){
            const uint8_t *a;
            uint32_t nv;
            bson_t tmp;
            bson_iter_document(&v, &nv, &a);
            bson_init_static(&tmp, a, nv);
            if( x->pValidator ) bson_destroy(x->pValidator);
            x->pValidator = bson_empty(&tmp) ? 0 : bson_copy(&tmp);
          }
        }
      }
      bson_destroy(&cmd);
    }
    z += n;
  }
  for(i=0; i<c.n; i++){
    CheckColl *x = &c.a[i];
    if( x->pValidator && x->zLive[0] && checkCount(p, x, &zReport) ) bRefuse = 1;
  }
  checkClear(&c);
  if( bRefuse && bAuto ){
    *pzMsg = xasprintf("%s; auto mode refuses a validator that existing documents"
        " fail: fix those documents first, or apply the plan in manual mode"
        " (validationLevel \"moderate\" keeps them writable)", zReport);
    free(zReport);
    return 1;
  }
  *pzMsg = zReport;
  return 0;
}

const DfEngine dfEngineMongo = {
  "mongodb",              /* zName */
  "mongodb",              /* zDialect */
  0,                      /* bTransactionalDdl: collection changes are not */
  mgConnect,              /* xConnect: mongodb:// and mongodb+srv:// URLs */
  mgDisconnect,           /* xDisconnect */
  mgMirrorConn,           /* xMirror: mirror_mongo.c */
  mgExec,                 /* xExec: JSON commands, or the SQL subset */
  mgQueryValue,           /* xQueryValue: the SQL subset */
  mgBegin,                /* xBegin: starts recording reads (see HOW IT WORKS) */
  mgEnd,                  /* xCommit: writes are already done */
  mgEnd,                  /* xRollback: cannot undo writes: the journal does */
  mgQuoteIdent,           /* xQuoteIdent: "double quotes" for the SQL subset */
  mgQuoteLiteral,         /* xQuoteLiteral: 'single quotes' */
  mgQuery,                /* xQuery: the SQL subset */
  0,                      /* xVerify: nothing deferred */
  mgPlanCheck,            /* xPlanCheck: documents failing a new validator */
};
