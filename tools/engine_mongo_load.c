/*
** engine_mongo_load.c — the MongoDB engine as the registry sees it: a stand-in
** that loads the real adapter (tools/dataflow-mongo.so: engine_mongo.c and
** mirror_mongo.c, linked with the mongo-c-driver) the first time a mongodb://
** URL is used.
**
** Usage (engine.c):
**
**   { "mongodb", "MongoDB", &dfEngineMongoLazy, ... }
**   pEngine->xConnect("mongodb://db/app", &pConn, &zErr);  -> loads, connects
**
** HOW IT WORKS
**
** Debian's libmongoc runs mongoc_init() from a library constructor: OpenSSL
** set-up, every SASL plugin dlopen'ed, a shared-memory segment, /etc/os-release
** read. Linked into the command, that cost ~35 ms of CPU at every start, for
** every command and every engine (`dataflow --version` included). So the
** adapter is a plugin: xConnect dlopen()s it (RTLD_NOW: a missing symbol is an
** error here, not a crash later) and forwards to its dfEngineMongo; every
** other method takes a DfConn, which only xConnect can have made, and so is
** called after the load. The plugin calls back into the command (util.c,
** libdfcore), which is linked with --export-dynamic for that.
**
** Where the plugin is looked for: $DATAFLOW_MONGO_PLUGIN when set, else next
** to the running executable (the build tree: tools/), else DF_PLUGINDIR
** (`make install` puts it in $(libdir)/dataflow).
*/
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "util.h"

#ifndef DF_PLUGINDIR
# define DF_PLUGINDIR "/usr/local/lib/dataflow"
#endif
#define MONGO_PLUGIN "dataflow-mongo.so"

static const DfEngine *pReal = 0;    /* the plugin's dfEngineMongo, once loaded */

/* Load the plugin (once). Returns 0, or 1 with *pzErr (caller frees). */
static int mongoLoad(char **pzErr){
  char zExe[PATH_MAX];
  char *azTry[3];
  int nTry = 0, i;
  ssize_t n;
  sqlite3_str *pMsg;
  if( pReal ) return 0;
  if( getenv("DATAFLOW_MONGO_PLUGIN") ){
    azTry[nTry++] = xstrdup(getenv("DATAFLOW_MONGO_PLUGIN"));
  }else{
    n = readlink("/proc/self/exe", zExe, sizeof(zExe)-1);
    if( n>0 ){
      char *zSlash;
      zExe[n] = 0;
      zSlash = strrchr(zExe, '/');
      if( zSlash ) azTry[nTry++] = xasprintf("%.*s/%s", (int)(zSlash - zExe), zExe, MONGO_PLUGIN);
    }
    azTry[nTry++] = xasprintf("%s/%s", DF_PLUGINDIR, MONGO_PLUGIN);
  }
  /* libmongoc's constructor would create a shared-memory segment for its
  ** performance counters (which DataFlow never reads) and, when that fails,
  ** print "Falling back to malloc for counters" into our output. A user's
  ** own setting wins. */
  setenv("MONGOC_DISABLE_SHM", "1", 0);
  pMsg = sqlite3_str_new(0);
  for(i=0; i<nTry && pReal==0; i++){
    void *h;
    if( access(azTry[i], F_OK)!=0 ){
      sqlite3_str_appendf(pMsg, "%s%s: not found", sqlite3_str_length(pMsg) ? "; " : "", azTry[i]);
      continue;
    }
    h = dlopen(azTry[i], RTLD_NOW | RTLD_LOCAL);
    if( h ) pReal = (const DfEngine*)dlsym(h, "dfEngineMongo");
    if( pReal==0 ){
      sqlite3_str_appendf(pMsg, "%s%s", sqlite3_str_length(pMsg) ? "; " : "", dlerror());
    }
  }
  for(i=0; i<nTry; i++) free(azTry[i]);
  if( pReal==0 ){
    char *z = sqlite3_str_finish(pMsg);
    *pzErr = xasprintf("cannot load MongoDB support (%s): %s (rebuild with make, or set"
                       " DATAFLOW_MONGO_PLUGIN to the plugin's path)", MONGO_PLUGIN, z);
    sqlite3_free(z);
    return 1;
  }
  sqlite3_free(sqlite3_str_finish(pMsg));
  return 0;
}

static int lzConnect(const char *zUrl, DfConn **ppConn, char **pzErr){
  *ppConn = 0;
  if( mongoLoad(pzErr) ) return 1;
  return pReal->xConnect(zUrl, ppConn, pzErr);
}

/* The methods below receive a connection xConnect made: pReal is set. */
static void lzDisconnect(DfConn *p){
  if( pReal ) pReal->xDisconnect(p);
}
static int lzMirror(DfConn *p, const DfMirrorRequest *pReq, sqlite3 *pOut, char **pzErr){
  return pReal->xMirror(p, pReq, pOut, pzErr);
}
static int lzExec(DfConn *p, const char *zSql, char **pzErr){
  return pReal->xExec(p, zSql, pzErr);
}
static int lzQueryValue(DfConn *p, const char *zSql, char **pzOut, char **pzErr){
  return pReal->xQueryValue(p, zSql, pzOut, pzErr);
}
static int lzBegin(DfConn *p, char **pzErr){ return pReal->xBegin(p, pzErr); }
static int lzCommit(DfConn *p, char **pzErr){ return pReal->xCommit(p, pzErr); }
static int lzRollback(DfConn *p, char **pzErr){ return pReal->xRollback(p, pzErr); }
static char *lzQuoteIdent(DfConn *p, const char *zName){
  return pReal->xQuoteIdent(p, zName);
}
static char *lzQuoteLiteral(DfConn *p, const char *zValue){
  return pReal->xQuoteLiteral(p, zValue);
}
static int lzQuery(DfConn *p, const char *zSql,
                   int (*xRow)(void*, int, char**), void *pArg, char **pzErr){
  return pReal->xQuery(p, zSql, xRow, pArg, pzErr);
}
static int lzVerify(DfConn *p, char **pzErr){
  return pReal->xVerify ? pReal->xVerify(p, pzErr) : 0;
}
static int lzPlanCheck(DfConn *p, const char *zSql, int bAuto, char **pzMsg){
  return pReal->xPlanCheck ? pReal->xPlanCheck(p, zSql, bAuto, pzMsg) : 0;
}

/* The static fields repeat engine_mongo.c's dfEngineMongo. */
const DfEngine dfEngineMongoLazy = {
  "mongodb",              /* zName */
  "mongodb",              /* zDialect */
  0,                      /* bTransactionalDdl */
  lzConnect,              /* xConnect: loads the plugin */
  lzDisconnect,
  lzMirror,
  lzExec,
  lzQueryValue,
  lzBegin,
  lzCommit,
  lzRollback,
  lzQuoteIdent,
  lzQuoteLiteral,
  lzQuery,
  lzVerify,
  lzPlanCheck,
};
