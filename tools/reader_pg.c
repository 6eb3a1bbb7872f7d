/*
** reader_pg.c — the mirror's catalog queries, sent at once in a libpq
** pipeline and read by a thread of their own.
**
** WHY
**
** Turning catalog rows into snapshot rows (normalising types and
** expressions, writing SQLite) takes the client about half as long as the
** server takes to produce them. Read on the main thread, a result waits in
** the socket until the previous one is written to the snapshot, and the
** server, its send buffer full, waits too. A thread that only reads keeps
** the server busy while the main thread writes: the mirror then takes
** about as long as the server's part, not the sum of both.
**
** (Two connections sharing one exported snapshot, each given half of the
** relations, were tried as well: on the 2-core test machine they cost 40%
** more server CPU, each backend warming its own caches and scanning the
** catalogs it filters, for no gain in time. doc/postgresql.md has the
** figures.)
**
** HOW
**
**   r = pgReaderNew(pg)
**   pgReaderAdd(r, zSql, ...)        the queries, in order
**   pgReaderStart(r)                 sends them; the thread reads
**   res = pgReaderNext(r, &zErr)     the next result, waiting for it
**   pgReaderClose(r)                 joins the thread
**
** From Start to Close the connection belongs to the reader thread: the
** caller must not use it (libpq connections are not shared by threads).
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "util.h"

typedef struct ReadQuery ReadQuery;
struct ReadQuery {
  char *zSql;
  int nParam;
  char *azParam[2];
  Oid aType[2];
  PGresult *pRes;          /* set by the thread, taken by pgReaderNext */
  char *zErr;              /* set instead of pRes when there is no result */
  int bDone;
};

struct PgReader {
  PGconn *pg;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  ReadQuery *aQuery;
  int nQuery;
  int iNext;               /* next result pgReaderNext hands out */
  pthread_t thread;
  int bThread;
};

/* Query q is finished, with pRes or zErr (OUT: owned by the reader). */
static void readStore(PgReader *p, ReadQuery *q, PGresult *pRes, char *zErr){
  pthread_mutex_lock(&p->mu);
  q->pRes = pRes;
  q->zErr = zErr;
  q->bDone = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

/* One by one, where libpq has no pipeline. */
static void readPlain(PgReader *p){
  int i;
  for(i=0; i<p->nQuery; i++){
    ReadQuery *q = &p->aQuery[i];
    PGresult *r = PQexecParams(p->pg, q->zSql, q->nParam, q->aType,
                               (const char *const*)q->azParam, 0, 0, 0);
    char *zErr = 0;
    if( r==0 || PQresultStatus(r)!=PGRES_TUPLES_OK ){
      zErr = pgErrorText(p->pg, r, q->zSql);
      PQclear(r);
      r = 0;
    }
    readStore(p, q, r, zErr);
  }
}

/* The thread: every query gets a result or an error, whatever happens to
** the connection, so that pgReaderNext never waits for ever. */
static void *readThread(void *pArg){
  PgReader *p = (PgReader*)pArg;
#ifdef LIBPQ_HAS_PIPELINING
  PGconn *pg = p->pg;
  int i, nSent = 0, bLost = 0;
  if( PQenterPipelineMode(pg)!=1 ){
    readPlain(p);
    return 0;
  }
  for(i=0; i<p->nQuery; i++){
    ReadQuery *q = &p->aQuery[i];
    if( PQsendQueryParams(pg, q->zSql, q->nParam, q->aType,
                          (const char *const*)q->azParam, 0, 0, 0)!=1 ) break;
    nSent++;
  }
  if( PQpipelineSync(pg)!=1 ) bLost = 1;
  for(i=0; i<p->nQuery; i++){
    ReadQuery *q = &p->aQuery[i];
    PGresult *r = 0, *pEnd;
    if( i<nSent && !bLost ) r = PQgetResult(pg);
    if( r && PQresultStatus(r)==PGRES_TUPLES_OK ){
      /* Each query's results end with a NULL. */
      if( (pEnd = PQgetResult(pg))!=0 ) PQclear(pEnd);
      readStore(p, q, r, 0);
      continue;
    }
    {
      char *zErr = pgErrorText(pg, r, q->zSql);
      if( r==0 || PQstatus(pg)!=CONNECTION_OK ){
        bLost = 1;
      }else if( (pEnd = PQgetResult(pg))!=0 ){
        PQclear(pEnd);
      }
      PQclear(r);
      readStore(p, q, 0, zErr);
    }
  }
  /* Up to the sync point (after an error: the aborted queries' results). */
  if( !bLost ){
    int nNull = 0;
    for(;;){
      PGresult *r = PQgetResult(pg);
      if( r==0 ){
        if( ++nNull > 2 ) break;
        continue;
      }
      nNull = 0;
      if( PQresultStatus(r)==PGRES_PIPELINE_SYNC || PQstatus(pg)!=CONNECTION_OK ){
        PQclear(r);
        break;
      }
      PQclear(r);
    }
  }
  PQexitPipelineMode(pg);
#else
  readPlain(p);
#endif
  return 0;
}

PgReader *pgReaderNew(PGconn *pg){
  PgReader *p = xcalloc(1, sizeof(*p));
  p->pg = pg;
  pthread_mutex_init(&p->mu, 0);
  pthread_cond_init(&p->cv, 0);
  return p;
}

void pgReaderAdd(PgReader *p, const char *zSql, int nParam, const Oid *aType,
                 const char *const *azParam){
  ReadQuery *q;
  int i;
  p->aQuery = xrealloc(p->aQuery, sizeof(ReadQuery)*(size_t)(p->nQuery + 1));
  q = &p->aQuery[p->nQuery++];
  memset(q, 0, sizeof(*q));
  q->zSql = xstrdup(zSql);
  q->nParam = nParam<2 ? nParam : 2;
  for(i=0; i<q->nParam; i++){
    q->azParam[i] = azParam[i] ? xstrdup(azParam[i]) : 0;
    q->aType[i] = aType ? aType[i] : 0;
  }
}

int pgReaderStart(PgReader *p, char **pzErr){
  if( pthread_create(&p->thread, 0, readThread, p)!=0 ){
    *pzErr = xstrdup("cannot start a thread");
    return 1;
  }
  p->bThread = 1;
  return 0;
}

PGresult *pgReaderNext(PgReader *p, char **pzErr){
  ReadQuery *q;
  PGresult *r;
  if( !p->bThread || p->iNext>=p->nQuery ){
    *pzErr = xstrdup("no result (the queries were not sent)");
    return 0;
  }
  q = &p->aQuery[p->iNext++];
  pthread_mutex_lock(&p->mu);
  while( !q->bDone ) pthread_cond_wait(&p->cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
  r = q->pRes;
  q->pRes = 0;
  if( r==0 ){
    *pzErr = q->zErr ? q->zErr : xstrdup("no result");
    q->zErr = 0;
  }
  return r;
}

void pgReaderClose(PgReader *p){
  int i;
  if( p==0 ) return;
  if( p->bThread ) pthread_join(p->thread, 0);
  for(i=0; i<p->nQuery; i++){
    ReadQuery *q = &p->aQuery[i];
    free(q->zSql);
    free(q->azParam[0]);
    free(q->azParam[1]);
    PQclear(q->pRes);
    free(q->zErr);
  }
  free(p->aQuery);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p);
}
