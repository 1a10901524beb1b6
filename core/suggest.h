/* "Did you mean": the closest known word to a misspelt one. */
#ifndef RS_SUGGEST_H
#define RS_SUGGEST_H

#include <stddef.h>

/* Returns the candidate closest to word by edit distance if it is close enough to be a likely typo
 * (distance <= 2, or <= a third of the word's length), else NULL. No memory is allocated or kept. */
const char *rs_suggest(const char *word, const char *const *candidates, size_t n);

/* Writes " (did you mean 'x'?)" into buf when there is a suggestion, else "". Returns buf. */
const char *rs_suggest_hint(const char *word, const char *const *candidates, size_t n, char *buf, size_t len);

#endif
