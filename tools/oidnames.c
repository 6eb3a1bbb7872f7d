/*
** oidnames.c — an open-addressing hash table from (oid, number) to a name
** and a number (oidnames.h). Linear probing in a power-of-two table kept
** at most half full: a mirror puts tens of thousands of keys and looks
** each up a few times, and never deletes.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oidnames.h"
#include "util.h"

typedef struct Slot Slot;
struct Slot {
  uint64_t key;            /* (oid << 16 | n) + 1; 0 = empty */
  char *zName;
  unsigned int extra;
};

struct OidNames {
  Slot *a;
  size_t nSlot;            /* a power of two */
  size_t nUsed;
};

static uint64_t slotKey(unsigned int oid, int n){
  return (((uint64_t)oid << 16) | (uint64_t)(n & 0xffff)) + 1;
}

static size_t slotHash(uint64_t k, size_t nSlot){
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;    /* MurmurHash3's finaliser */
  k ^= k >> 33;
  return (size_t)k & (nSlot - 1);
}

OidNames *oidNamesNew(void){
  OidNames *p = xcalloc(1, sizeof(*p));
  p->nSlot = 1024;
  p->a = xcalloc(p->nSlot, sizeof(Slot));
  return p;
}

void oidNamesFree(OidNames *p){
  size_t i;
  if( p==0 ) return;
  for(i=0; i<p->nSlot; i++) free(p->a[i].zName);
  free(p->a);
  free(p);
}

static Slot *slotFind(const OidNames *p, uint64_t k){
  size_t i = slotHash(k, p->nSlot);
  while( p->a[i].key!=0 && p->a[i].key!=k ) i = (i + 1) & (p->nSlot - 1);
  return &p->a[i];
}

static void grow(OidNames *p){
  Slot *aOld = p->a;
  size_t nOld = p->nSlot, i;
  p->nSlot *= 2;
  p->a = xcalloc(p->nSlot, sizeof(Slot));
  for(i=0; i<nOld; i++){
    if( aOld[i].key ) *slotFind(p, aOld[i].key) = aOld[i];
  }
  free(aOld);
}

void oidNamesPut(OidNames *p, unsigned int oid, int n, const char *zName,
                 unsigned int extra){
  uint64_t k = slotKey(oid, n);
  Slot *s;
  if( 2*(p->nUsed + 1) > p->nSlot ) grow(p);
  s = slotFind(p, k);
  if( s->key==0 ){
    s->key = k;
    p->nUsed++;
  }else{
    free(s->zName);
  }
  s->zName = xstrdup(zName ? zName : "");
  s->extra = extra;
}

const char *oidNamesGet(const OidNames *p, unsigned int oid, int n,
                        unsigned int *pExtra){
  const Slot *s = slotFind(p, slotKey(oid, n));
  if( s->key==0 ) return 0;
  if( pExtra ) *pExtra = s->extra;
  return s->zName;
}
