/*
** engine.c — the registry of engine adapters (engine.h): which adapter
** serves a URL, which engines this build has, and URL redaction.
**
** Usage:
**
**   const DfEngine *pEngine;
**   rc = dfEngineFind("postgresql://u:pw@db/app", &pEngine, &zErr);
**   zSafe = dfUrlRedact("postgresql://u:pw@db/app");   -> "postgresql://u@db/app"
**
** URLs understood:
**
**   sqlite:PATH  sqlite://PATH  sqlite:///ABSOLUTE/PATH  or a plain PATH   SQLite
**   postgresql://...  postgres://...  or a libpq conninfo "host=... dbname=..."
**   mysql://...  mariadb://...                                         MySQL/MariaDB
**   mongodb://...  mongodb+srv://...                                   MongoDB
**
** HOW IT WORKS
**
** The scheme is matched against a fixed table. Each row says whether its
** adapter is compiled in (DF_HAVE_PG etc., set by the Makefile when configure
** found the library *and* the adapter exists) and, when not, why: configure
** found the library but this version has no adapter yet (DF_CONFIGURED_PG=1),
** or configure did not find (or was told to leave out) the library. Every
** message that repeats a URL repeats its redacted form: a password never
** reaches the terminal, a snapshot, a plan or a log.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "util.h"

#ifndef DF_HAVE_PG
# define DF_HAVE_PG 0
#endif
#ifndef DF_HAVE_MYSQL
# define DF_HAVE_MYSQL 0
#endif
#ifndef DF_HAVE_MONGO
# define DF_HAVE_MONGO 0
#endif
/* What configure found, whether or not the adapter is written yet. */
#ifndef DF_CONFIGURED_PG
# define DF_CONFIGURED_PG 0
#endif
#ifndef DF_CONFIGURED_MYSQL
# define DF_CONFIGURED_MYSQL 0
#endif
#ifndef DF_CONFIGURED_MONGO
# define DF_CONFIGURED_MONGO 0
#endif

/* One engine the command knows of. */
typedef struct EngineEntry EngineEntry;
struct EngineEntry {
  const char *zName;          /* "postgresql" */
  const char *zTitle;         /* "PostgreSQL", for messages */
  const DfEngine *pEngine;    /* the adapter, NULL when not compiled in */
  int bConfigured;            /* configure found its client library */
  const char *zLibrary;       /* the library configure looks for */
  const char *zPackage;       /* the Debian package that provides it */
};

static const EngineEntry aEngine[] = {
  { "sqlite", "SQLite", &dfEngineSqlite, 1, "sqlite3", "libsqlite3-dev" },
#if DF_HAVE_PG
  { "postgresql", "PostgreSQL", &dfEnginePg, 1, "libpq", "libpq-dev" },
#else
  { "postgresql", "PostgreSQL", 0, DF_CONFIGURED_PG, "libpq", "libpq-dev" },
#endif
#if DF_HAVE_MYSQL
  { "mysql", "MySQL/MariaDB", &dfEngineMysql, 1, "libmariadb", "libmariadb-dev" },
#else
  { "mysql", "MySQL/MariaDB", 0, DF_CONFIGURED_MYSQL, "libmariadb", "libmariadb-dev" },
#endif
#if DF_HAVE_MONGO
  { "mongodb", "MongoDB", &dfEngineMongoLazy, 1, "libmongoc-1.0", "libmongoc-dev" },
#else
  { "mongodb", "MongoDB", 0, DF_CONFIGURED_MONGO, "libmongoc-1.0", "libmongoc-dev" },
#endif
};
#define N_ENGINE ((int)(sizeof(aEngine)/sizeof(aEngine[0])))

/* URL schemes, each mapped to an engine name. */
static const struct { const char *zScheme; const char *zEngine; } aScheme[] = {
  { "sqlite",      "sqlite" },
  { "postgresql",  "postgresql" },
  { "postgres",    "postgresql" },
  { "mysql",       "mysql" },
  { "mariadb",     "mysql" },
  { "mongodb",     "mongodb" },
  { "mongodb+srv", "mongodb" },
};

/* libpq connection keywords: a string starting with "KEY=" is a conninfo. */
static const char *azConninfoKey[] = {
  "host", "hostaddr", "port", "dbname", "user", "password", "passfile",
  "service", "sslmode", "connect_timeout", "options", "application_name",
  "target_session_attrs", "sslcert", "sslkey", "sslrootcert",
  "sslpassword", "channel_binding", "gssencmode", "requiressl",
};

static const EngineEntry *engineByName(const char *zName){
  int i;
  for(i=0; i<N_ENGINE; i++){
    if( strcmp(aEngine[i].zName, zName)==0 ) return &aEngine[i];
  }
  return 0;
}

/* Length of the URL scheme of z ("postgresql" in "postgresql://..."), or 0
** when z does not start with SCHEME: followed by "//" (or "sqlite:"). */
static int schemeLength(const char *z){
  int n = 0;
  if( !isalpha((unsigned char)z[0]) ) return 0;
  while( isalnum((unsigned char)z[n]) || z[n]=='+' || z[n]=='-' || z[n]=='.' ){
    n++;
  }
  if( z[n]!=':' ) return 0;
  if( n==6 && strncasecmp(z, "sqlite", 6)==0 ) return n;  /* sqlite:PATH */
  if( z[n+1]=='/' && z[n+2]=='/' ) return n;
  return 0;
}

/* True when z looks like a libpq conninfo string ("host=x dbname=y"). */
static int isConninfo(const char *z){
  size_t i, n;
  while( isspace((unsigned char)*z) ) z++;
  for(n=0; isalnum((unsigned char)z[n]) || z[n]=='_'; n++){}
  if( n==0 ) return 0;
  for(i=0; i<sizeof(azConninfoKey)/sizeof(azConninfoKey[0]); i++){
    if( strlen(azConninfoKey[i])==n && strncmp(z, azConninfoKey[i], n)==0 ){
      const char *zEq = z+n;
      while( *zEq==' ' ) zEq++;
      return *zEq=='=';
    }
  }
  return 0;
}

/* Why the engine entry p has no adapter in this build. Static text. */
static const char *missingReason(const EngineEntry *p, char *zBuf, size_t nBuf){
  if( p->bConfigured ){
    return "its adapter is not part of this version yet";
  }
  snprintf(zBuf, nBuf, "configure did not find %s or was run with "
           "--without-%s (install %s and rerun ./configure)",
           p->zLibrary, p->zName, p->zPackage);
  return zBuf;
}

int dfEngineFind(const char *zUrl, const DfEngine **ppEngine, char **pzErr){
  const char *zName = "sqlite";
  const EngineEntry *p;
  char zBuf[256];
  int n;

  *ppEngine = 0;
  *pzErr = 0;
  if( zUrl==0 || zUrl[0]==0 ){
    *pzErr = xstrdup("no database URL given");
    return DF_EXIT_USAGE;
  }
  n = schemeLength(zUrl);
  if( n>0 ){
    size_t i;
    zName = 0;
    for(i=0; i<sizeof(aScheme)/sizeof(aScheme[0]); i++){
      if( (int)strlen(aScheme[i].zScheme)==n
       && strncasecmp(zUrl, aScheme[i].zScheme, (size_t)n)==0 ){
        zName = aScheme[i].zEngine;
        break;
      }
    }
    if( zName==0 ){
      char *zSafe = dfUrlRedact(zUrl);
      *pzErr = xasprintf("unknown URL scheme '%.*s' in '%s': use sqlite:PATH "
                         "(or a plain path), postgresql://, mysql://, "
                         "mariadb:// or mongodb://", n, zUrl, zSafe);
      free(zSafe);
      return DF_EXIT_USAGE;
    }
  }else if( isConninfo(zUrl) ){
    zName = "postgresql";
  }
  p = engineByName(zName);
  if( p==0 || p->pEngine==0 ){
    *pzErr = xasprintf("%s is not available in this build: %s",
                       p ? p->zTitle : zName,
                       p ? missingReason(p, zBuf, sizeof(zBuf)) : "unknown engine");
    return DF_EXIT_CONNECT;
  }
  *ppEngine = p->pEngine;
  return 0;
}

const DfEngine *dfEngineForUrl(const char *zUrl, char **pzErr){
  const DfEngine *pEngine = 0;
  dfEngineFind(zUrl, &pEngine, pzErr);
  return pEngine;
}

const char *dfEnginesBuiltIn(void){
  static char zList[64];
  int i;
  if( zList[0]==0 ){
    for(i=0; i<N_ENGINE; i++){
      if( aEngine[i].pEngine==0 ) continue;
      if( zList[0] ) strcat(zList, " ");
      strcat(zList, aEngine[i].zName);
    }
  }
  return zList;
}

int dfEngineStatus(int i, const char **pzName, const char **pzReason){
  static char zBuf[256];
  if( i<0 || i>=N_ENGINE ) return -1;
  *pzName = aEngine[i].zName;
  *pzReason = aEngine[i].pEngine ? 0
            : missingReason(&aEngine[i], zBuf, sizeof(zBuf));
  return aEngine[i].pEngine!=0;
}

/* ------------------------------------------------------------ redaction */

/* A query or conninfo key that carries a secret. */
static int isSecretKey(const char *z, size_t n){
  static const char *azSecret[] = { "pass", "pwd", "secret", "token",
                                    "authmechanismproperties", "sig" };
  size_t i, j;
  for(i=0; i<sizeof(azSecret)/sizeof(azSecret[0]); i++){
    size_t k = strlen(azSecret[i]);
    for(j=0; j+k<=n; j++){
      if( strncasecmp(z+j, azSecret[i], k)==0 ) return 1;
    }
  }
  return 0;
}

/* Append n bytes of z to the growing buffer *pz of length *pn. */
static void appendN(char **pz, size_t *pn, const char *z, size_t n){
  *pz = xrealloc(*pz, *pn + n + 1);
  memcpy(*pz + *pn, z, n);
  *pn += n;
  (*pz)[*pn] = 0;
}

/*
** Walk a libpq conninfo string: for each "key = value" pair (value quoted
** with '...' and backslash escapes, or bare) call xPair with the key, the
** whole value as written, and the value without its quotes.
*/
static void conninfoWalk(const char *z,
    void (*xPair)(void*, const char *zKey, size_t nKey,
                  const char *zVal, size_t nVal,
                  const char *zInner, size_t nInner),
    void *pArg){
  while( *z ){
    const char *zKey, *zVal, *zEnd, *zInner, *zInnerEnd;
    size_t nKey;
    while( isspace((unsigned char)*z) ) z++;
    if( *z==0 ) break;
    zKey = z;
    while( *z && *z!='=' && !isspace((unsigned char)*z) ) z++;
    nKey = (size_t)(z-zKey);
    while( isspace((unsigned char)*z) ) z++;
    if( *z=='=' ) z++;
    while( isspace((unsigned char)*z) ) z++;
    zVal = z;
    if( *z=='\'' ){
      zInner = ++z;
      while( *z && *z!='\'' ){
        if( *z=='\\' && z[1] ) z++;
        z++;
      }
      zInnerEnd = z;
      if( *z=='\'' ) z++;
    }else{
      while( *z && !isspace((unsigned char)*z) ) z++;
      zInner = zVal;
      zInnerEnd = z;
    }
    zEnd = z;
    xPair(pArg, zKey, nKey, zVal, (size_t)(zEnd-zVal),
          zInner, (size_t)(zInnerEnd-zInner));
  }
}

/* A growing string, for conninfoWalk() callbacks. */
typedef struct StrBuf StrBuf;
struct StrBuf {
  char *z;                /* text so far (malloc'd, NUL-terminated) */
  size_t n;               /* its length */
};

static void redactPair(void *pArg, const char *zKey, size_t nKey,
                       const char *zVal, size_t nVal,
                       const char *zInner, size_t nInner){
  StrBuf *p = (StrBuf*)pArg;
  (void)zInner; (void)nInner;
  if( isSecretKey(zKey, nKey) ) return;
  if( p->n ) appendN(&p->z, &p->n, " ", 1);
  appendN(&p->z, &p->n, zKey, nKey);
  appendN(&p->z, &p->n, "=", 1);
  appendN(&p->z, &p->n, zVal, nVal);
}

/* Redact a libpq conninfo string: drop password=... (quoted or not). */
static char *redactConninfo(const char *z){
  StrBuf b = { xstrdup(""), 0 };
  conninfoWalk(z, redactPair, &b);
  return b.z;
}

/* Redact the query string q (without '?') into the buffer: secret keys go. */
static void redactQuery(char **pz, size_t *pn, const char *q, size_t nQ){
  size_t i = 0;
  int bFirst = 1;
  while( i<nQ ){
    size_t j = i, k;
    while( j<nQ && q[j]!='&' && q[j]!=';' ) j++;
    for(k=i; k<j && q[k]!='='; k++){}
    if( j>i && !isSecretKey(q+i, k-i) ){
      appendN(pz, pn, bFirst ? "?" : "&", 1);
      appendN(pz, pn, q+i, j-i);
      bFirst = 0;
    }
    i = j+1;
  }
}

char *dfUrlRedact(const char *zUrl){
  const char *zAuth, *zEnd, *zAt = 0, *zColon = 0, *zQuery;
  char *zOut = 0;
  size_t nOut = 0;
  const char *p;
  int n;

  if( zUrl==0 ) return 0;
  n = schemeLength(zUrl);
  if( n==0 ){
    return isConninfo(zUrl) ? redactConninfo(zUrl) : xstrdup(zUrl);
  }
  if( zUrl[n+1]!='/' || zUrl[n+2]!='/' ){
    return xstrdup(zUrl);      /* sqlite:PATH has no credentials */
  }
  zAuth = zUrl + n + 3;
  /* The user information ends at the last '@' before the query: an
  ** unescaped '@' or '/' inside a password must not leak its tail. */
  zQuery = strchr(zAuth, '?');
  zEnd = zQuery ? zQuery : zAuth + strlen(zAuth);
  for(p=zAuth; p<zEnd; p++){
    if( *p=='@' ) zAt = p;
  }
  appendN(&zOut, &nOut, zUrl, (size_t)(zAuth-zUrl));
  if( zAt ){
    for(p=zAuth; p<zAt; p++){
      if( *p==':' ){ zColon = p; break; }
    }
    appendN(&zOut, &nOut, zAuth,
            (size_t)((zColon ? zColon : zAt) - zAuth));
    appendN(&zOut, &nOut, "@", 1);
    appendN(&zOut, &nOut, zAt+1, (size_t)(zEnd-(zAt+1)));
  }else{
    appendN(&zOut, &nOut, zAuth, (size_t)(zEnd-zAuth));
  }
  if( zQuery ){
    const char *zHash = strchr(zQuery, '#');
    size_t nQ = zHash ? (size_t)(zHash-zQuery-1) : strlen(zQuery+1);
    redactQuery(&zOut, &nOut, zQuery+1, nQ);
  }
  return zOut;
}

/* ------------------------------------------------------------ scrubbing */

/* Replace every occurrence of zFind (n bytes) in *pz by zWith. */
static void replaceAll(char **pz, const char *zFind, size_t n,
                       const char *zWith){
  char *zOut = xstrdup("");
  size_t nOut = 0;
  const char *z = *pz, *p;
  if( n==0 ) { free(zOut); return; }
  while( (p = strstr(z, zFind))!=0 ){
    /* strstr needs a NUL-terminated needle: zFind is one, of length n. */
    appendN(&zOut, &nOut, z, (size_t)(p-z));
    appendN(&zOut, &nOut, zWith, strlen(zWith));
    z = p + n;
  }
  appendN(&zOut, &nOut, z, strlen(z));
  free(*pz);
  *pz = zOut;
}

/* Percent-decode z (n bytes). OUT: caller frees. */
static char *percentDecode(const char *z, size_t n){
  char *zOut = xmalloc(n+1);
  size_t i, j = 0;
  for(i=0; i<n; i++){
    if( z[i]=='%' && i+2<n && isxdigit((unsigned char)z[i+1])
     && isxdigit((unsigned char)z[i+2]) ){
      char zHex[3] = { z[i+1], z[i+2], 0 };
      zOut[j++] = (char)strtol(zHex, 0, 16);
      i += 2;
    }else{
      zOut[j++] = z[i];
    }
  }
  zOut[j] = 0;
  return zOut;
}

/* Hide one secret (n bytes at z) in *pzText, raw and percent-decoded.
** Secrets shorter than 4 bytes are left: replacing every "ab" in a
** message would make it unreadable, and the whole URL is replaced anyway. */
static void hideSecret(char **pzText, const char *z, size_t n){
  char *zRaw, *zDec;
  if( n<4 ) return;
  zRaw = xasprintf("%.*s", (int)n, z);
  zDec = percentDecode(z, n);
  replaceAll(pzText, zRaw, strlen(zRaw), "***");
  if( strcmp(zDec, zRaw)!=0 ) replaceAll(pzText, zDec, strlen(zDec), "***");
  free(zRaw);
  free(zDec);
}

/* Hide the values of secret keys in a URL query ("k=v" pairs separated
** by any of zSep). */
static void hideSecretValues(char **pzText, const char *z, size_t nZ,
                             const char *zSep){
  size_t i = 0;
  while( i<nZ ){
    size_t j = i, k, v, e;
    while( j<nZ && !strchr(zSep, z[j]) ) j++;
    for(k=i; k<j && z[k]!='='; k++){}
    if( k<j ){
      size_t nKey = k-i;
      while( nKey>0 && isspace((unsigned char)z[i+nKey-1]) ) nKey--;
      v = k+1;
      while( v<j && isspace((unsigned char)z[v]) ) v++;
      e = j;
      if( isSecretKey(z+i, nKey) ) hideSecret(pzText, z+v, e-v);
    }
    i = j+1;
  }
}

static void hidePair(void *pArg, const char *zKey, size_t nKey,
                     const char *zVal, size_t nVal,
                     const char *zInner, size_t nInner){
  if( isSecretKey(zKey, nKey) ){
    hideSecret((char**)pArg, zVal, nVal);
    hideSecret((char**)pArg, zInner, nInner);
  }
}

char *dfUrlScrub(const char *zText, const char *zUrl){
  char *zOut, *zSafe;
  int n;
  if( zText==0 ) return 0;
  zOut = xstrdup(zText);
  if( zUrl==0 || zUrl[0]==0 ) return zOut;
  zSafe = dfUrlRedact(zUrl);
  replaceAll(&zOut, zUrl, strlen(zUrl), zSafe);
  free(zSafe);
  n = schemeLength(zUrl);
  if( n>0 && zUrl[n+1]=='/' && zUrl[n+2]=='/' ){
    const char *zAuth = zUrl + n + 3, *zQuery = strchr(zAuth, '?');
    const char *zEnd = zQuery ? zQuery : zAuth + strlen(zAuth);
    const char *zAt = 0, *zColon = 0, *p;
    for(p=zAuth; p<zEnd; p++) if( *p=='@' ) zAt = p;
    if( zAt ){
      for(p=zAuth; p<zAt; p++) if( *p==':' ){ zColon = p; break; }
      if( zColon ) hideSecret(&zOut, zColon+1, (size_t)(zAt-zColon-1));
    }
    if( zQuery ) hideSecretValues(&zOut, zQuery+1, strlen(zQuery+1), "&;#");
  }else if( n==0 && isConninfo(zUrl) ){
    conninfoWalk(zUrl, hidePair, &zOut);
  }
  return zOut;
}
