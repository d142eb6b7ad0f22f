/*
 * Aho-Corasick automaton for the keyword prefilter, compiled into a DFA
 * over a compressed alphabet: bytes that occur in no keyword share class 0,
 * so the transition table stays small enough for the L1/L2 caches. Matching
 * is ASCII case-insensitive (keywords and input are folded to lower case).
 * A state whose output set is non-empty is marked in the top bit of its
 * transition entries so the hot loop is one load and one test per byte.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner_int.h"
#include "xmalloc.h"

#define AC_OUT		0x80000000u
#define AC_KW_MAX	128

struct scanner_ac {
	size_t		 nrules, words;
	uint8_t		 cls[256];	/* byte -> class */
	size_t		 nclasses;
	/* trie, then DFA */
	size_t		 nstates, capstates;
	uint32_t	*delta;		/* nstates * nclasses; AC_OUT marks */
	uint32_t	*fail;
	uint64_t	*out;		/* nstates * words */
	int		 built;
};

static void
ac_grow(struct scanner_ac *ac)
{
	size_t	ncap = ac->capstates ? ac->capstates * 2 : 64;

	ac->delta = xreallocarray(ac->delta, ncap * 256, sizeof(uint32_t));
	ac->fail = xreallocarray(ac->fail, ncap, sizeof(uint32_t));
	ac->out = xreallocarray(ac->out, ncap * ac->words, sizeof(uint64_t));
	ac->capstates = ncap;
}

static uint32_t
ac_state_new(struct scanner_ac *ac)
{
	uint32_t	s;

	if (ac->nstates == ac->capstates)
		ac_grow(ac);
	s = ac->nstates++;
	/* 0 means "no edge" while building: state 0 is the root. */
	memset(&ac->delta[s * 256], 0, 256 * sizeof(uint32_t));
	memset(&ac->out[s * ac->words], 0, ac->words * sizeof(uint64_t));
	ac->fail[s] = 0;
	return s;
}

struct scanner_ac *
scanner_ac_new(size_t nrules)
{
	struct scanner_ac	*ac;

	ac = xcalloc(1, sizeof *ac);
	ac->nrules = nrules;
	ac->words = nrules / 64 + 1;
	ac_state_new(ac);
	return ac;
}

void
scanner_ac_free(struct scanner_ac *ac)
{
	if (ac == NULL)
		return;
	free(ac->delta);
	free(ac->fail);
	free(ac->out);
	free(ac);
}

size_t
scanner_ac_words(const struct scanner_ac *ac)
{
	return ac->words;
}

static unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int
scanner_ac_add(struct scanner_ac *ac, const char *kw, size_t len,
    size_t rule)
{
	uint32_t	s = 0, n;
	size_t		i;
	unsigned char	c;

	if (ac->built || len == 0 || len > AC_KW_MAX || rule >= ac->nrules)
		return -1;
	for (i = 0; i < len; i++) {
		c = fold((unsigned char)kw[i]);
		n = ac->delta[s * 256 + c];
		if (n == 0) {
			n = ac_state_new(ac);
			ac->delta[s * 256 + c] = n;
		}
		s = n;
	}
	ac->out[s * ac->words + rule / 64] |= (uint64_t)1 << (rule % 64);
	return 0;
}

void
scanner_ac_build(struct scanner_ac *ac)
{
	uint32_t	*queue, *dfa, s, t, f;
	size_t		 qh = 0, qt = 0, c, w, k;
	int		 used[256];

	/* Alphabet: every byte with an edge somewhere gets a class. */
	memset(used, 0, sizeof used);
	for (s = 0; s < ac->nstates; s++)
		for (c = 0; c < 256; c++)
			if (ac->delta[s * 256 + c] != 0)
				used[c] = 1;
	ac->nclasses = 1;
	for (c = 0; c < 256; c++)
		ac->cls[c] = used[fold((unsigned char)c)] ?
		    0xff : 0;
	for (c = 0; c < 256; c++)
		if (used[c] && fold((unsigned char)c) == c)
			ac->cls[c] = (uint8_t)ac->nclasses++;
	for (c = 0; c < 256; c++)
		if (ac->cls[c] == 0xff)
			ac->cls[c] = ac->cls[fold((unsigned char)c)];

	/* Breadth-first: fail links and full goto function (on bytes). */
	queue = xreallocarray(NULL, ac->nstates, sizeof *queue);
	for (c = 0; c < 256; c++) {
		t = ac->delta[c];
		if (t != 0) {
			ac->fail[t] = 0;
			queue[qt++] = t;
		}
	}
	while (qh < qt) {
		s = queue[qh++];
		f = ac->fail[s];
		for (w = 0; w < ac->words; w++)
			ac->out[s * ac->words + w] |= ac->out[f * ac->words + w];
		for (c = 0; c < 256; c++) {
			t = ac->delta[s * 256 + c];
			if (t != 0) {
				ac->fail[t] = ac->delta[f * 256 + c];
				queue[qt++] = t;
			} else
				ac->delta[s * 256 + c] = ac->delta[f * 256 + c];
		}
	}
	free(queue);

	/* Compress to classes and mark output states. */
	dfa = xreallocarray(NULL, ac->nstates * ac->nclasses, sizeof *dfa);
	for (s = 0; s < ac->nstates; s++) {
		for (c = 0; c < 256; c++) {
			t = ac->delta[s * 256 + c];
			for (w = 0, k = 0; w < ac->words; w++)
				k |= ac->out[t * ac->words + w] != 0;
			dfa[s * ac->nclasses + ac->cls[c]] =
			    (uint32_t)(t * ac->nclasses) | (k ? AC_OUT : 0);
		}
	}
	free(ac->delta);
	ac->delta = dfa;
	ac->built = 1;
}

int
scanner_ac_scan(const struct scanner_ac *ac, const char *buf, size_t len,
    uint64_t *hits)
{
	const unsigned char	*p = (const unsigned char *)buf;
	const unsigned char	*end = p + len;
	const uint32_t		*delta = ac->delta;
	const uint8_t		*cls = ac->cls;
	size_t			 nc = ac->nclasses, w;
	uint32_t		 s = 0;
	int			 any = 0;

	/* s is a row offset (state * nc): no multiply in the chain. */
	while (p < end) {
		s = delta[s + cls[*p++]];
		if (__builtin_expect((s & AC_OUT) != 0, 0)) {
			s &= ~AC_OUT;
			for (w = 0; w < ac->words; w++)
				hits[w] |= ac->out[(s / nc) * ac->words + w];
			any = 1;
		}
	}
	return any;
}
