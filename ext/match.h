/*
** match.h — names: naming conventions, singular/plural, prefixes, name
** similarity, and the rename pairing used by diff.c (columns and tables)
** and compat.c (model fields the database spells differently).
**
** All returned strings come from sqlite3_malloc64/sqlite3_mprintf; the
** caller frees them with sqlite3_free. Functions return NULL only when
** memory runs out.
*/
#ifndef DF_MATCH_H
#define DF_MATCH_H

#include "sqlite3ext.h"

/* Similarity at or above which a fuzzy rename is believed when several
** candidates compete (see dfMatchRenames). */
#define DF_RENAME_MIN_SIMILARITY 0.8

/*
** Split an identifier into lowercase words: snake_case, camelCase,
** PascalCase, kebab-case, SCREAMING_CASE, spaces and dots all separate
** words; an acronym run ends before the capital that starts a new word
** ("HTTPServer" -> http server); digit runs are words of their own
** ("address2" -> address 2). Returns the number of words and *pazWord (OUT:
** one allocation holding the array and the words: free it alone with
** sqlite3_free), or -1 on OOM.
*/
int dfNameWords(const char *zName, char ***pazWord);

/* Canonical form: the words joined by '_' ("userId" -> "user_id").
** OUT: caller frees. */
char *dfNameCanonical(const char *zName);

/* Singular / plural of one lowercase word, regular and irregular
** (see match.c for the list). OUT: caller frees. */
char *dfWordSingular(const char *zWord);
char *dfWordPlural(const char *zWord);

/* Canonical form with its last word made singular ("UserAddresses" ->
** "user_address"). OUT: caller frees. */
char *dfNameSingular(const char *zName);

/*
** Canonical form of zName without the first of the nPrefix prefixes
** azPrefix[] that it starts with (prefixes are compared in canonical form,
** so "tbl_", "Tbl" and "tbl" are the same prefix and match whole words
** only: "tbl_users" -> "users", "tblx" is left alone; a name that is only
** the prefix keeps it). *pbStripped (may be NULL) is set to 1 when a prefix
** was removed, else 0. OUT: caller frees.
*/
char *dfNameStripPrefix(const char *zName, int nPrefix, char *const *azPrefix,
                        int *pbStripped);

/*
** Similarity of two names in [0,1]: 1.0 when their canonical forms are
** equal (case and convention differences only), 0.98 when they differ only
** by word breaks ("user_name" / "username"), 0.95 when their singular forms
** are equal, otherwise the Jaro-Winkler similarity of the canonical forms
** with the word breaks removed.
*/
double dfNameSimilarity(const char *zA, const char *zB);

/*
** Pair renames. nFrom dropped and nTo added candidates, named azFrom[] and
** azTo[]; aCompat[i*nTo+j] is non-zero when dropped i and added j are
** compatible (same normalised type and constraints for columns, same
** columns for tables), as decided by the caller. Writes aPair[i] = j for
** each dropped candidate that is one rename, -1 otherwise, and aConf[i] its
** confidence (0.5 + 0.5 * similarity). Rules, applied until nothing more
** pairs (see match.c): (1) a mutual unique best pair with similarity >=
** DF_RENAME_MIN_SIMILARITY; (2) a dropped and an added candidate that are
** each other's only compatible candidate, whatever the names.
** Returns SQLITE_OK or SQLITE_NOMEM.
*/
int dfMatchRenames(int nFrom, const char *const *azFrom,
                   int nTo, const char *const *azTo,
                   const unsigned char *aCompat, int *aPair, double *aConf);

#endif /* DF_MATCH_H */
