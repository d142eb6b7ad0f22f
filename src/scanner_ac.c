/*
 * Aho-Corasick automaton for the keyword prefilter, compiled into a DFA
 * over a compressed alphabet: bytes that occur in no keyword share class 0,
 * so the transition table stays small enough for the L1/L2 caches. Matching
 * is ASCII case-insensitive (keywords and input are folded to lower case).
 * A state whose output set is non-empty is marked in the top bit of its
 * transition entries so the hot loop is one load and one test per byte.
 *
 * When every keyword has at least 3 bytes, a faster first stage runs
 * instead: a filter over the 4-grams of the input (bytes ORed with 0xa0:
 * a superset of ASCII case folding that also maps the other bytes onto 64
 * values, so a 3-byte keyword needs only 64 entries) hashed into a byte table that marks
 * the first 4-gram of every keyword (a 3-byte keyword with every possible
 * 4th byte). 16 positions are hashed at once with SSE2 (pmaddwd); a
 * portable loop computing the same hash is used without SSE2. Only a
 * marked position is verified, against the keywords whose first 4 (or 3)
 * folded bytes are the ones there. The automaton stays the fallback for
 * shorter keywords.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "scanner_int.h"
#include "xmalloc.h"

#define AC_OUT		0x80000000u
#define AC_KW_MAX	128

/* The 4-gram filter: 2^QBITS one-byte entries, pmaddwd hash constants. */
#define QBITS		18
#define QMASK		((1u << QBITS) - 1)
#define QSHIFT		7	/* the middle bits of the sum mix best */
#define QC1		0x9e37
#define QC2		0x7f4b
#define QMIN		3	/* shortest keyword the filter handles */
#define QFOLD		0xa0	/* ORed into every byte hashed */
#define QFOLD4		0xa0a0a0a0u

struct ac_kw {
	unsigned char	*text;		/* folded to lower case */
	size_t		 len;
	size_t		 anchor;	/* offset of the 4-gram the filter marks */
	uint32_t	 key;		/* its bytes ORed with QFOLD (3: padded) */
	uint64_t	*rules;		/* words bits */
	int		 next;		/* chain in the key hash, -1 ends */
};

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
	/* the 4-gram filter */
	int		 fast;		/* 1: every keyword has QMIN bytes */
	uint8_t		*qtab;		/* 2^QBITS: 1 if an anchor may be here */
	struct ac_kw	*kws;
	size_t		 nkws, capkws;
	int		*head;		/* nhead chains by key, -1 empty */
	size_t		 nhead;
	int		 short_kws;	/* chain of the 3-byte keywords */
	/* keywords added, put in the trie only if the filter cannot run */
	struct ac_pend {
		unsigned char	*text;	/* folded */
		size_t		 len, rule;
	}		*pend;
	size_t		 npend, cappend;
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
	ac->fast = 1;
	ac_state_new(ac);
	return ac;
}

void
scanner_ac_free(struct scanner_ac *ac)
{
	size_t	i;

	if (ac == NULL)
		return;
	free(ac->delta);
	free(ac->fail);
	free(ac->out);
	for (i = 0; i < ac->nkws; i++) {
		free(ac->kws[i].text);
		free(ac->kws[i].rules);
	}
	free(ac->kws);
	for (i = 0; i < ac->npend; i++)
		free(ac->pend[i].text);
	free(ac->pend);
	free(ac->head);
	free(ac->qtab);
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

/* The filter's hash of a 4-gram x (little-endian, already ORed). */
static uint32_t
qhash(uint32_t x)
{
	int32_t	a = (int16_t)(uint16_t)(x & 0xffff);
	int32_t	b = (int16_t)(uint16_t)(x >> 16);
	int64_t	m = (int64_t)a * (int16_t)QC1 + (int64_t)b * (int16_t)QC2;

	return ((uint32_t)m >> QSHIFT) & QMASK;
}

static uint32_t
load4(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* How unusual a folded byte is in log text, roughly: 0 to 3. */
static int
rarity(unsigned char c)
{
	if (c < 'a' || c > 'z')
		return 3;
	if (strchr("etaoinsrhl", c) != NULL)
		return 0;
	if (strchr("vkjxqz", c) != NULL)
		return 2;
	return 1;
}

/*
 * The 4-gram of a keyword the filter looks for: the most unusual one, as
 * words like "webh", "serv" or "est_" (request_id) are common in logs:
 * rare letters and punctuation score, punctuation inside the 4-gram more
 * ("k_se" in webhook_secret, "k_te" in sk_test_); the last on a tie.
 */
static size_t
anchor_of(const unsigned char *kw, size_t len)
{
	size_t	o, j, best = 0;
	int	score, top = -1;

	if (len <= 4)
		return 0;
	for (o = 0; o + 4 <= len; o++) {
		for (j = 0, score = 0; j < 4; j++)
			score += rarity(kw[o + j]);
		score += rarity(kw[o + 1]) == 3 || rarity(kw[o + 2]) == 3;
		if (score >= top) {
			top = score;
			best = o;
		}
	}
	return best;
}

/* Records kw (folded, len >= QMIN) for the filter's verification. */
static void
ac_kw_add(struct scanner_ac *ac, const unsigned char *kw, size_t len,
    size_t rule)
{
	struct ac_kw	*k;
	size_t		 i;

	for (i = 0; i < ac->nkws; i++) {
		k = &ac->kws[i];
		if (k->len == len && memcmp(k->text, kw, len) == 0) {
			k->rules[rule / 64] |= (uint64_t)1 << (rule % 64);
			return;
		}
	}
	if (ac->nkws == ac->capkws) {
		ac->capkws = ac->capkws ? ac->capkws * 2 : 64;
		ac->kws = xreallocarray(ac->kws, ac->capkws, sizeof *ac->kws);
	}
	k = &ac->kws[ac->nkws++];
	k->text = xmalloc(len);
	memcpy(k->text, kw, len);
	k->len = len;
	k->anchor = anchor_of(kw, len);
	kw += k->anchor;
	k->key = (uint32_t)(kw[0] | QFOLD) | (uint32_t)(kw[1] | QFOLD) << 8 |
	    (uint32_t)(kw[2] | QFOLD) << 16;
	if (len > 3)
		k->key |= (uint32_t)(kw[3] | QFOLD) << 24;
	k->rules = xcalloc(ac->words, sizeof *k->rules);
	k->rules[rule / 64] |= (uint64_t)1 << (rule % 64);
	k->next = -1;
}

int
scanner_ac_add(struct scanner_ac *ac, const char *kw, size_t len,
    size_t rule)
{
	struct ac_pend	*pd;
	unsigned char	 folded[AC_KW_MAX];
	size_t		 i;

	if (ac->built || len == 0 || len > AC_KW_MAX || rule >= ac->nrules)
		return -1;
	for (i = 0; i < len; i++)
		folded[i] = fold((unsigned char)kw[i]);
	if (len < QMIN)
		ac->fast = 0;
	else
		ac_kw_add(ac, folded, len, rule);
	if (ac->npend == ac->cappend) {
		ac->cappend = ac->cappend ? ac->cappend * 2 : 64;
		ac->pend = xreallocarray(ac->pend, ac->cappend,
		    sizeof *ac->pend);
	}
	pd = &ac->pend[ac->npend++];
	pd->text = xmalloc(len);
	memcpy(pd->text, folded, len);
	pd->len = len;
	pd->rule = rule;
	return 0;
}

/* Puts a folded keyword in the trie. */
static void
trie_add(struct scanner_ac *ac, const unsigned char *kw, size_t len,
    size_t rule)
{
	uint32_t	s = 0, n;
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = kw[i];
		n = ac->delta[s * 256 + c];
		if (n == 0) {
			n = ac_state_new(ac);
			ac->delta[s * 256 + c] = n;
		}
		s = n;
	}
	ac->out[s * ac->words + rule / 64] |= (uint64_t)1 << (rule % 64);
}

/* The filter table and the verification chains. */
static void
fast_build(struct scanner_ac *ac)
{
	struct ac_kw	*k;
	size_t		 i, c;
	uint32_t	 h;

	if (ac->nkws == 0) {
		ac->fast = 0;
		return;
	}
	ac->qtab = xcalloc((size_t)1 << QBITS, 1);
	for (ac->nhead = 16; ac->nhead < 2 * ac->nkws; ac->nhead *= 2)
		;
	ac->head = xreallocarray(NULL, ac->nhead, sizeof *ac->head);
	for (i = 0; i < ac->nhead; i++)
		ac->head[i] = -1;
	ac->short_kws = -1;
	for (i = 0; i < ac->nkws; i++) {
		k = &ac->kws[i];
		if (k->len == 3) {
			for (c = 0; c < 256; c++) {
				h = qhash(k->key | (uint32_t)(c | QFOLD) << 24);
				ac->qtab[h] = 1;
			}
			k->next = ac->short_kws;
			ac->short_kws = (int)i;
			continue;
		}
		h = qhash(k->key);
		ac->qtab[h] = 1;
		h &= (uint32_t)(ac->nhead - 1);
		k->next = ac->head[h];
		ac->head[h] = (int)i;
	}
}

void
scanner_ac_build(struct scanner_ac *ac)
{
	uint32_t	*queue, *dfa, s, t, f;
	size_t		 qh = 0, qt = 0, c, w, k;
	int		 used[256];

	if (ac->built)
		return;
	if (ac->fast && ac->nkws > 0) {
		/* The filter alone: no automaton to build. */
		fast_build(ac);
		ac->built = 1;
		return;
	}
	ac->fast = 0;
	for (k = 0; k < ac->npend; k++)
		trie_add(ac, ac->pend[k].text, ac->pend[k].len,
		    ac->pend[k].rule);

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

/* The automaton; stops at the first keyword if first. */
static size_t
ac_run(const struct scanner_ac *ac, const char *buf, size_t len,
    uint64_t *hits, int first, int *any)
{
	const unsigned char	*p = (const unsigned char *)buf;
	const unsigned char	*end = p + len;
	const uint32_t		*delta = ac->delta;
	const uint8_t		*cls = ac->cls;
	size_t			 nc = ac->nclasses, w;
	uint32_t		 s = 0;

	/* s is a row offset (state * nc): no multiply in the chain. */
	while (p < end) {
		s = delta[s + cls[*p++]];
		if (__builtin_expect((s & AC_OUT) != 0, 0)) {
			s &= ~AC_OUT;
			*any = 1;
			/* p - 1: the last byte of the keyword. */
			if (first)
				return (size_t)(p - 1 -
				    (const unsigned char *)buf);
			for (w = 0; w < ac->words; w++)
				hits[w] |= ac->out[(s / nc) * ac->words + w];
		}
	}
	return len;
}

static int
kw_at(const struct ac_kw *k, const unsigned char *p, size_t room)
{
	size_t	i;

	if (k->len > room)
		return 0;
	for (i = 0; i < k->len; i++)
		if (fold(p[i]) != k->text[i])
			return 0;
	return 1;
}

/*
 * Verifies a position marked by the filter: ORs the rules of the keywords
 * that start at p into hits. Returns 1 if any does.
 */
/* Keyword k anchored at i of p[0..len): ORs its rules into hits. */
static int
kw_hit(const struct ac_kw *k, size_t words, const unsigned char *p,
    size_t i, size_t len, uint64_t *hits)
{
	size_t	w;

	if (k->anchor > i || !kw_at(k, p + i - k->anchor,
	    len - (i - k->anchor)))
		return 0;
	if (hits != NULL)
		for (w = 0; w < words; w++)
			hits[w] |= k->rules[w];
	return 1;
}

/*
 * Verifies position i of p[0..len), marked by the filter (x: its 4-gram,
 * ORed): ORs the rules of the keywords anchored there into hits (unless
 * NULL). Returns 1 if any keyword is there.
 */
static int
verify(const struct scanner_ac *ac, const unsigned char *p, size_t i,
    size_t len, uint32_t x, uint64_t *hits)
{
	const struct ac_kw	*k;
	int			 n, any = 0;

	if (i + 4 <= len)
		for (n = ac->head[qhash(x) & (uint32_t)(ac->nhead - 1)];
		    n != -1; n = k->next) {
			k = &ac->kws[n];
			if (k->key == x && kw_hit(k, ac->words, p, i, len, hits)) {
				any = 1;
				if (hits == NULL)
					return 1;
			}
		}
	for (n = ac->short_kws; n != -1; n = k->next) {
		k = &ac->kws[n];
		if (k->key == (x & 0xffffff) && kw_hit(k, ac->words, p, i, len, hits)) {
			any = 1;
			if (hits == NULL)
				return 1;
		}
	}
	return any;
}

#ifndef __SSE2__
/* Scalar filter over positions [i, len) of p. */
static size_t
fast_tail(const struct scanner_ac *ac, const unsigned char *p, size_t i,
    size_t len, uint64_t *hits, int first, int *any)
{
	unsigned char	q[4];
	uint32_t	x, h;
	size_t		j;

	for (; i < len; i++) {
		if (i + 4 <= len)
			x = load4(p + i);
		else {
			memset(q, 0, sizeof q);
			for (j = 0; i + j < len; j++)
				q[j] = p[i + j];
			x = load4(q);
		}
		x |= QFOLD4;
		h = qhash(x);
		if (ac->qtab[h] &&
		    verify(ac, p, i, len, x, first ? NULL : hits)) {
			*any = 1;
			if (first)
				return i;
		}
	}
	return len;
}
#endif

#ifdef __SSE2__
/*
 * Hashes the 4-grams at s[0..16) (reads s[0..19)) into idx, lane k * 4 + m
 * holding position k + 4 * m. Returns non-zero if the filter marks any.
 */
static inline unsigned int
qround(const uint8_t *qtab, const unsigned char *s, uint32_t idx[16])
{
	const __m128i	or20 = _mm_set1_epi8((char)QFOLD);
	const __m128i	mul = _mm_set1_epi32((int)((uint32_t)QC2 << 16 | QC1));
	const __m128i	msk = _mm_set1_epi32((int)QMASK);
	__m128i		v;
	unsigned int	acc = 0;
	uint64_t	lo, hi;
	int		k;

	for (k = 0; k < 4; k++) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + k));
		v = _mm_madd_epi16(_mm_or_si128(v, or20), mul);
		v = _mm_and_si128(_mm_srli_epi32(v, QSHIFT), msk);
		_mm_store_si128((__m128i *)(void *)(idx + 4 * k), v);
		/* The table lookups from registers, not from idx. */
		lo = (uint64_t)_mm_cvtsi128_si64(v);
		hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v));
		acc |= qtab[(uint32_t)lo] | qtab[lo >> 32] |
		    qtab[(uint32_t)hi] | qtab[hi >> 32];
	}
	return acc;
}

/*
 * Verifies the marked positions among the n at i of p[0..len) (s: their
 * bytes, padded at the end of p). Returns the first keyword's position if
 * first, else len.
 */
static size_t
qcheck(const struct scanner_ac *ac, const unsigned char *p, size_t i,
    size_t n, size_t len, const unsigned char *s, const uint32_t idx[16],
    uint64_t *hits, int first, int *any)
{
	size_t		j;
	unsigned int	m = 0;

	/* The marked positions as bits first: no branch per position. */
	for (j = 0; j < 16; j++)
		m |= (unsigned int)ac->qtab[idx[j]] << ((j % 4) * 4 + j / 4);
	m &= (1u << n) - 1;
	while (m != 0) {
		j = (size_t)__builtin_ctz(m);
		m &= m - 1;
		if (verify(ac, p, i + j, len, load4(s + j) | QFOLD4,
		    first ? NULL : hits)) {
			*any = 1;
			if (first)
				return i + j;
		}
	}
	return len;
}
#endif

/* The filter; first: return the offset of the first keyword or len. */
static size_t
fast_run(const struct scanner_ac *ac, const char *buf, size_t len,
    uint64_t *hits, int first, int *any)
{
	const unsigned char	*p = (const unsigned char *)buf;
#ifdef __SSE2__
	uint32_t		 idx[16] __attribute__((aligned(16)));
	uint32_t		 idx2[16] __attribute__((aligned(16)));
	unsigned char		 pad[48];
	unsigned int		 a0, a1;
	size_t			 i, b, n, r;

	/* Two rounds, one branch: 32 positions, the loads reach i + 34. */
	for (i = 0; i + 35 <= len; i += 32) {
		a0 = qround(ac->qtab, p + i, idx);
		a1 = qround(ac->qtab, p + i + 16, idx2);
		if (__builtin_expect((a0 | a1) == 0, 1))
			continue;
		if (a0 && (r = qcheck(ac, p, i, 16, len, p + i, idx, hits,
		    first, any)) < len)
			return r;
		if (a1 && (r = qcheck(ac, p, i + 16, 16, len, p + i + 16, idx2,
		    hits, first, any)) < len)
			return r;
	}
	for (; i + 19 <= len; i += 16)
		if (__builtin_expect(qround(ac->qtab, p + i, idx), 0) &&
		    (r = qcheck(ac, p, i, 16, len, p + i, idx, hits, first,
		    any)) < len)
			return r;
	if (i == len)
		return len;
	/* The last < 19 bytes, zero-padded as fast_tail does. */
	memset(pad, 0, sizeof pad);
	memcpy(pad, p + i, len - i);
	for (b = 0; i + b < len; b += 16) {
		n = len - i - b < 16 ? len - i - b : 16;
		if (qround(ac->qtab, pad + b, idx) &&
		    (r = qcheck(ac, p, i + b, n, len, pad + b, idx, hits,
		    first, any)) < len)
			return r;
	}
	return len;
#else
	return fast_tail(ac, p, 0, len, hits, first, any);
#endif
}

int
scanner_ac_scan(const struct scanner_ac *ac, const char *buf, size_t len,
    uint64_t *hits)
{
	int	any = 0;

	if (ac->fast)
		(void)fast_run(ac, buf, len, hits, 0, &any);
	else
		(void)ac_run(ac, buf, len, hits, 0, &any);
	return any;
}

size_t
scanner_ac_first(const struct scanner_ac *ac, const char *buf, size_t len)
{
	int	any = 0;

	if (ac->fast)
		return fast_run(ac, buf, len, NULL, 1, &any);
	return ac_run(ac, buf, len, NULL, 1, &any);
}
