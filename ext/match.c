/*
** match.c — names: naming conventions, singular/plural, prefixes,
** similarity, and the pairing of renames (see match.h).
**
** Usage (from C):
**
**   char *z = dfNameCanonical("userAddressID");   // "user_address_id"
**   char *s = dfNameSingular("People");            // "person"
**   double r = dfNameSimilarity("firstName", "first_name");   // 1.0
**   dfMatchRenames(nDrop, azDrop, nAdd, azAdd, aCompat, aPair, aConf);
**
** HOW IT WORKS
**
** Words. An identifier is cut into words at every character that is not a
** letter or digit (_ - . space), between a lowercase letter and a capital
** (camelCase), before the last capital of an acronym run that is followed
** by a lowercase letter (HTTPServer -> http server), and between letters
** and digits (address2 -> address 2). Words are lowercased (ASCII only;
** other bytes are kept as they are). The canonical form joins the words
** with '_', so snake_case, camelCase, PascalCase, kebab-case and
** SCREAMING_CASE spellings of one name share one canonical form.
**
** Singular and plural work on one lowercase word. Irregular pairs come
** first (the table aIrregular below: person/people, child/children,
** man/men, woman/women, index/indexes and indices, status/statuses,
** analysis/analyses, datum/data, medium/media, mouse/mice, criterion/
** criteria, ...), then uncountable words (series, species, news,
** information, equipment, metadata, ...), then the regular rules:
**   singular: -ies -> -y (categories), -sses -> -ss (addresses),
**             -xes/-ches/-shes/-zes -> drop "es" (boxes, matches),
**             words ending in -ss, -us, -is stay (address, status, axis),
**             otherwise a final -s is dropped (users);
**   plural:   consonant + y -> -ies, -s/-x/-z/-ch/-sh -> +es, else +s.
** Only the last word of a name is inflected: "order_items" -> "order_item".
**
** Similarity. Equal canonical forms score 1.0 (the names differ only by
** case or convention); equal once word breaks are removed, 0.98; equal
** singular forms, 0.95; otherwise the Jaro-Winkler similarity of the
** canonical forms without word breaks, raised to 0.85 when the words of
** one name appear whole in the other ("name"/"full_name"). Examples:
** "email"/"email_address" 0.88, "desc"/"description" 0.87,
** "created_at"/"updated_at" 0.69, "customer_id"/"client_id" 0.68. The
** threshold only arbitrates between several candidates; the type and
** constraint check does the real work.
**
** Rename pairing (dfMatchRenames). Candidates form a bipartite graph whose
** edges are the compatible (dropped, added) pairs the caller found. Two
** rules are applied in turn until neither pairs anything more:
**   1. mutual unique best: dropped i's most similar compatible added
**      candidate is j, without a tie, j's most similar is i, without a tie,
**      and the similarity is at least DF_RENAME_MIN_SIMILARITY;
**   2. isolated pair: i's only remaining compatible candidate is j and j's
**      only remaining one is i: a rename whatever the names, because a
**      missed rename loses data and a wrong one is caught in review.
** Both rules depend only on the graph, never on the order of the input, so
** the result is deterministic. Whatever is left stays drop + add; the
** caller explains the ambiguity from the same compatibility matrix.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>
#include "match.h"

/* ---------------------------------------------------------------------------
** Words and canonical forms
*/

static int isUpperA(unsigned char c){ return c>='A' && c<='Z'; }
static int isLowerA(unsigned char c){ return (c>='a' && c<='z') || c>=0x80; }
static int isDigitA(unsigned char c){ return c>='0' && c<='9'; }
static int isAlnumA(unsigned char c){ return isUpperA(c) || isLowerA(c) || isDigitA(c); }

int dfNameWords(const char *zName, char ***pazWord){
  const unsigned char *z = (const unsigned char*)(zName ? zName : "");
  int n = (int)strlen((const char*)z);
  int nWord = 0, i;
  char **az;
  char *zOut;
  int iOut = 0;
  /* Worst case: every byte its own word; one allocation for pointers and
  ** text (each word NUL-terminated). */
  az = sqlite3_malloc64((sizeof(char*) + 2) * (size_t)(n + 1));
  if( az==0 ) return -1;
  zOut = (char*)&az[n+1];
  i = 0;
  while( i<n ){
    int iStart;
    while( i<n && !isAlnumA(z[i]) ) i++;
    if( i>=n ) break;
    iStart = i;
    i++;
    while( i<n && isAlnumA(z[i]) ){
      unsigned char p = z[i-1], c = z[i];
      if( isDigitA(c)!=isDigitA(p) ) break;                 /* a2, 2a */
      if( isUpperA(c) && isLowerA(p) ) break;               /* camelCase */
      if( isUpperA(c) && isUpperA(p) && i+1<n && isLowerA(z[i+1])
       && !isDigitA(z[i+1]) ) break;                        /* HTTPServer */
      i++;
    }
    az[nWord++] = &zOut[iOut];
    while( iStart<i ){
      unsigned char c = z[iStart++];
      zOut[iOut++] = (char)(isUpperA(c) ? c + ('a' - 'A') : c);
    }
    zOut[iOut++] = 0;
  }
  *pazWord = az;
  return nWord;
}

/* Join words with '_', replacing the last word by zLast when not NULL.
** OUT: caller frees. */
static char *joinWords(int n, char **az, const char *zLast){
  sqlite3_str *s = sqlite3_str_new(0);
  int i;
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(s, 1, '_');
    sqlite3_str_appendall(s, (i==n-1 && zLast) ? zLast : az[i]);
  }
  {
    char *z = sqlite3_str_finish(s);
    if( z==0 ) z = sqlite3_mprintf("");
    return z;
  }
}

char *dfNameCanonical(const char *zName){
  char **az = 0;
  char *z;
  int n = dfNameWords(zName, &az);
  if( n<0 ) return 0;
  z = joinWords(n, az, 0);
  sqlite3_free(az);
  return z;
}

/* ---------------------------------------------------------------------------
** Singular and plural
*/

/* Irregular pairs, singular first. A singular may appear twice (index). */
static const char *const aIrregular[][2] = {
  {"person", "people"},     {"child", "children"},   {"man", "men"},
  {"woman", "women"},       {"index", "indexes"},    {"index", "indices"},
  {"status", "statuses"},   {"analysis", "analyses"},{"datum", "data"},
  {"medium", "media"},      {"mouse", "mice"},       {"criterion", "criteria"},
  {"foot", "feet"},         {"tooth", "teeth"},      {"goose", "geese"},
  {"ox", "oxen"},           {"vertex", "vertices"},  {"matrix", "matrices"},
  {"appendix", "appendices"},{"axis", "axes"},       {"crisis", "crises"},
  {"thesis", "theses"},     {"diagnosis", "diagnoses"},{"basis", "bases"},
  {"alias", "aliases"},     {"bus", "buses"},        {"virus", "viruses"},
  {"campus", "campuses"},   {"bonus", "bonuses"},    {"census", "censuses"},
  {"quiz", "quizzes"},      {"leaf", "leaves"},      {"life", "lives"},
  {"knife", "knives"},      {"wife", "wives"},       {"half", "halves"},
  {"shelf", "shelves"},     {"wolf", "wolves"},      {"movie", "movies"},
  {"cookie", "cookies"},    {"die", "dice"},         {"cactus", "cacti"},
  {"radius", "radii"},      {"curriculum", "curricula"},
  {"phenomenon", "phenomena"},{"schema", "schemas"}, {"cache", "caches"},
};

/* Words whose singular and plural are the same. */
static const char *const aUncountable[] = {
  "series", "species", "news", "information", "equipment", "metadata",
  "sheep", "fish", "deer", "money", "rice", "software", "hardware",
  "feedback", "staff",
};

#define ARRAYSIZE(a) ((int)(sizeof(a)/sizeof(a[0])))

static int endsWith(const char *z, int n, const char *zSuf){
  int m = (int)strlen(zSuf);
  return n>=m && memcmp(z + n - m, zSuf, m)==0;
}

static int isVowel(char c){
  return c=='a' || c=='e' || c=='i' || c=='o' || c=='u';
}

char *dfWordSingular(const char *zWord){
  int n = (int)strlen(zWord), i;
  for(i=0; i<ARRAYSIZE(aIrregular); i++){
    if( strcmp(zWord, aIrregular[i][1])==0 ) return sqlite3_mprintf("%s", aIrregular[i][0]);
  }
  for(i=0; i<ARRAYSIZE(aIrregular); i++){
    if( strcmp(zWord, aIrregular[i][0])==0 ) return sqlite3_mprintf("%s", zWord);
  }
  for(i=0; i<ARRAYSIZE(aUncountable); i++){
    if( strcmp(zWord, aUncountable[i])==0 ) return sqlite3_mprintf("%s", zWord);
  }
  if( n>3 && endsWith(zWord, n, "ies") ){
    return sqlite3_mprintf("%.*sy", n-3, zWord);
  }
  if( n>4 && endsWith(zWord, n, "sses") ){
    return sqlite3_mprintf("%.*s", n-2, zWord);
  }
  if( n>3 && (endsWith(zWord, n, "xes") || endsWith(zWord, n, "ches")
           || endsWith(zWord, n, "shes") || endsWith(zWord, n, "zes")) ){
    return sqlite3_mprintf("%.*s", n-2, zWord);
  }
  if( endsWith(zWord, n, "ss") || endsWith(zWord, n, "us")
   || endsWith(zWord, n, "is") ){
    return sqlite3_mprintf("%s", zWord);
  }
  if( n>1 && zWord[n-1]=='s' ){
    return sqlite3_mprintf("%.*s", n-1, zWord);
  }
  return sqlite3_mprintf("%s", zWord);
}

char *dfWordPlural(const char *zWord){
  int n = (int)strlen(zWord), i;
  for(i=0; i<ARRAYSIZE(aIrregular); i++){
    if( strcmp(zWord, aIrregular[i][0])==0 ) return sqlite3_mprintf("%s", aIrregular[i][1]);
  }
  for(i=0; i<ARRAYSIZE(aIrregular); i++){
    if( strcmp(zWord, aIrregular[i][1])==0 ) return sqlite3_mprintf("%s", zWord);
  }
  for(i=0; i<ARRAYSIZE(aUncountable); i++){
    if( strcmp(zWord, aUncountable[i])==0 ) return sqlite3_mprintf("%s", zWord);
  }
  if( n>1 && zWord[n-1]=='y' && !isVowel(zWord[n-2]) ){
    return sqlite3_mprintf("%.*sies", n-1, zWord);
  }
  if( endsWith(zWord, n, "s") || endsWith(zWord, n, "x") || endsWith(zWord, n, "z")
   || endsWith(zWord, n, "ch") || endsWith(zWord, n, "sh") ){
    return sqlite3_mprintf("%ses", zWord);
  }
  return sqlite3_mprintf("%ss", zWord);
}

char *dfNameSingular(const char *zName){
  char **az = 0;
  char *zLast, *z;
  int n = dfNameWords(zName, &az);
  if( n<0 ) return 0;
  if( n==0 ){ sqlite3_free(az); return sqlite3_mprintf(""); }
  zLast = dfWordSingular(az[n-1]);
  z = zLast ? joinWords(n, az, zLast) : 0;
  sqlite3_free(zLast);
  sqlite3_free(az);
  return z;
}

char *dfNameStripPrefix(const char *zName, int nPrefix, char *const *azPrefix,
                        int *pbStripped){
  char *zCanon = dfNameCanonical(zName);
  int i;
  if( pbStripped ) *pbStripped = 0;
  if( zCanon==0 ) return 0;
  for(i=0; i<nPrefix; i++){
    char *zP = dfNameCanonical(azPrefix[i]);
    int nP;
    if( zP==0 ){ sqlite3_free(zCanon); return 0; }
    nP = (int)strlen(zP);
    if( nP>0 && strncmp(zCanon, zP, nP)==0 && zCanon[nP]=='_' ){
      char *zOut = sqlite3_mprintf("%s", zCanon + nP + 1);
      sqlite3_free(zP);
      sqlite3_free(zCanon);
      if( zOut && pbStripped ) *pbStripped = 1;
      return zOut;
    }
    sqlite3_free(zP);
  }
  return zCanon;
}

/* ---------------------------------------------------------------------------
** Similarity
*/

/* Jaro-Winkler similarity of two byte strings. */
static double jaroWinkler(const char *a, const char *b){
  int na = (int)strlen(a), nb = (int)strlen(b);
  int win, i, j, m = 0, t = 0, k, l;
  unsigned char *fa, *fb;
  double jaro;
  if( na==0 && nb==0 ) return 1.0;
  if( na==0 || nb==0 ) return 0.0;
  fa = sqlite3_malloc64((size_t)(na + nb));
  if( fa==0 ) return 0.0;
  fb = fa + na;
  memset(fa, 0, (size_t)(na + nb));
  win = (na>nb ? na : nb)/2 - 1;
  if( win<0 ) win = 0;
  for(i=0; i<na; i++){
    int lo = i - win < 0 ? 0 : i - win;
    int hi = i + win + 1 > nb ? nb : i + win + 1;
    for(j=lo; j<hi; j++){
      if( !fb[j] && a[i]==b[j] ){ fa[i] = fb[j] = 1; m++; break; }
    }
  }
  if( m==0 ){ sqlite3_free(fa); return 0.0; }
  for(i=0, k=0; i<na; i++){
    if( !fa[i] ) continue;
    while( !fb[k] ) k++;
    if( a[i]!=b[k] ) t++;
    k++;
  }
  sqlite3_free(fa);
  jaro = ((double)m/na + (double)m/nb + (double)(m - t/2.0)/m) / 3.0;
  for(l=0; l<4 && l<na && l<nb && a[l]==b[l]; l++){}
  return jaro + l*0.1*(1.0 - jaro);
}

/* True when canonical name zShort's words appear, in order and adjacent,
** in canonical name zLong ("name" in "full_name", "user_id" in
** "owner_user_id"), and zLong is longer. */
static int wordsContain(const char *zShort, const char *zLong){
  int nS = (int)strlen(zShort), nL = (int)strlen(zLong), i;
  if( nS==0 || nS>=nL ) return 0;
  for(i=0; i+nS<=nL; i++){
    if( (i==0 || zLong[i-1]=='_') && memcmp(zLong + i, zShort, nS)==0
     && (zLong[i+nS]==0 || zLong[i+nS]=='_') ) return 1;
  }
  return 0;
}

/* Copy of z without '_'. OUT: caller frees. */
static char *noBreaks(const char *z){
  char *zOut = sqlite3_mprintf("%s", z);
  int i, j;
  if( zOut==0 ) return 0;
  for(i=j=0; zOut[i]; i++){
    if( zOut[i]!='_' ) zOut[j++] = zOut[i];
  }
  zOut[j] = 0;
  return zOut;
}

double dfNameSimilarity(const char *zA, const char *zB){
  char *cA = dfNameCanonical(zA), *cB = dfNameCanonical(zB);
  char *sA = 0, *sB = 0, *nA = 0, *nB = 0;
  double r = 0.0;
  if( cA==0 || cB==0 ) goto cleanup;
  if( strcmp(cA, cB)==0 ){ r = 1.0; goto cleanup; }
  nA = noBreaks(cA); nB = noBreaks(cB);
  if( nA==0 || nB==0 ) goto cleanup;
  if( strcmp(nA, nB)==0 ){ r = 0.98; goto cleanup; }
  sA = dfNameSingular(zA); sB = dfNameSingular(zB);
  if( sA && sB && strcmp(sA, sB)==0 ){ r = 0.95; goto cleanup; }
  r = jaroWinkler(nA, nB);
  /* Jaro-Winkler is blind to a word added in front ("name"/"full_name"):
  ** whole-word containment scores at least 0.85. */
  if( r<0.85 && (wordsContain(cA, cB) || wordsContain(cB, cA)) ) r = 0.85;
cleanup:
  sqlite3_free(cA); sqlite3_free(cB);
  sqlite3_free(sA); sqlite3_free(sB);
  sqlite3_free(nA); sqlite3_free(nB);
  return r;
}

/* ---------------------------------------------------------------------------
** Rename pairing
*/

int dfMatchRenames(int nFrom, const char *const *azFrom,
                   int nTo, const char *const *azTo,
                   const unsigned char *aCompat, int *aPair, double *aConf){
  double *aSim;           /* similarity of each compatible pair, -1 otherwise */
  int *aToPair;           /* aToPair[j] = i, or -1 */
  int *aChoice;           /* rule 1 choices of the current sweep */
  int i, j, bChanged;
  for(i=0; i<nFrom; i++){ aPair[i] = -1; aConf[i] = 0.0; }
  if( nFrom==0 || nTo==0 ) return SQLITE_OK;
  aSim = sqlite3_malloc64(sizeof(double) * (size_t)nFrom * (size_t)nTo);
  aToPair = sqlite3_malloc64(sizeof(int) * (size_t)nTo);
  aChoice = sqlite3_malloc64(sizeof(int) * (size_t)nFrom);
  if( aSim==0 || aToPair==0 || aChoice==0 ){
    sqlite3_free(aSim); sqlite3_free(aToPair); sqlite3_free(aChoice);
    return SQLITE_NOMEM;
  }
  for(j=0; j<nTo; j++) aToPair[j] = -1;
  for(i=0; i<nFrom; i++){
    for(j=0; j<nTo; j++){
      aSim[i*nTo+j] = aCompat[i*nTo+j] ? dfNameSimilarity(azFrom[i], azTo[j]) : -1.0;
    }
  }
  do{
    bChanged = 0;
    /* Rule 1: mutual unique best above the threshold. Such pairs are
    ** disjoint, so the choices of one sweep are collected first and
    ** applied together: the result does not depend on the input order. */
    for(i=0; i<nFrom; i++){
      int jBest = -1, bTie = 0, iBest = -1, bTie2 = 0, k;
      double rBest = -1.0, rBest2 = -1.0;
      aChoice[i] = -1;
      if( aPair[i]>=0 ) continue;
      for(j=0; j<nTo; j++){
        double r = aSim[i*nTo+j];
        if( aToPair[j]>=0 || r<0 ) continue;
        if( r>rBest ){ rBest = r; jBest = j; bTie = 0; }
        else if( r==rBest ){ bTie = 1; }
      }
      if( jBest<0 || bTie || rBest<DF_RENAME_MIN_SIMILARITY ) continue;
      for(k=0; k<nFrom; k++){
        double r = aSim[k*nTo+jBest];
        if( aPair[k]>=0 || r<0 ) continue;
        if( r>rBest2 ){ rBest2 = r; iBest = k; bTie2 = 0; }
        else if( r==rBest2 ){ bTie2 = 1; }
      }
      if( iBest==i && !bTie2 ) aChoice[i] = jBest;
    }
    for(i=0; i<nFrom; i++){
      if( aChoice[i]<0 ) continue;
      aPair[i] = aChoice[i];
      aToPair[aChoice[i]] = i;
      aConf[i] = 0.5 + 0.5*aSim[i*nTo+aChoice[i]];
      bChanged = 1;
    }
    if( bChanged ) continue;
    /* Rule 2: isolated pairs, whatever the names. Each is its own
    ** component of the graph, so pairing one never affects another. */
    for(i=0; i<nFrom; i++){
      int jOnly = -1, nDeg = 0, k, nDeg2 = 0;
      if( aPair[i]>=0 ) continue;
      for(j=0; j<nTo; j++){
        if( aToPair[j]<0 && aSim[i*nTo+j]>=0 ){ nDeg++; jOnly = j; }
      }
      if( nDeg!=1 ) continue;
      for(k=0; k<nFrom; k++){
        if( aPair[k]<0 && aSim[k*nTo+jOnly]>=0 ) nDeg2++;
      }
      if( nDeg2!=1 ) continue;
      aPair[i] = jOnly;
      aToPair[jOnly] = i;
      aConf[i] = 0.5 + 0.5*aSim[i*nTo+jOnly];
      bChanged = 1;
    }
  }while( bChanged );
  sqlite3_free(aSim);
  sqlite3_free(aToPair);
  sqlite3_free(aChoice);
  return SQLITE_OK;
}
