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
 * values, so a wildcard byte needs only 64 entries) hashed into a bit
 * table of 2^23 bits (1 MB: it stays in L2, and a 200-type rule set marks
 * well under 0.1% of it). Only every second position (even offsets of the
 * buffer) is hashed, so every keyword is marked twice, once for each
 * parity of its start: a keyword of 5 bytes or more by two adjacent
 * 4-grams of its own (the most unusual pair: rare letters and punctuation
 * score, frequent English and log letter pairs and 4-grams such as "tabl"
 * or "ooks" cost), a keyword of 4 by itself and by a wildcard byte before
 * its first 3 or after its last 3 (the rarer 3), a keyword of 3 by itself
 * with a wildcard 4th byte and by a wildcard byte before it.
 *
 * The 16 even positions of 32 bytes are hashed at once with SSE2
 * (pmaddwd); with AVX2 (chosen at run time) the same 16 hashes come from
 * two 256-bit multiply-adds and their bits from two gathers; a portable
 * loop computing the same hash is used without SSE2 (or when a test asks
 * for it). A marked position is verified exactly against the records
 * whose fixed bytes are the ones there, so every implementation finds the
 * same keywords. The automaton stays the fallback for shorter keywords.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AC_HAVE_AVX2	1
#endif

#include "scanner_int.h"
#include "xmalloc.h"

#define AC_OUT		0x80000000u
#define AC_KW_MAX	128

/* The 4-gram filter: 2^QBITS one-byte entries, pmaddwd hash constants. */
#define QBITS		23	/* a bit table of 1 MB: in L2, few collisions */
#define QMASK		((1u << QBITS) - 1)
#define QSHIFT		7	/* the middle bits of the sum mix best */
#define QC1		0x9e37
#define QC2		0x7f4b
#define QMIN		3	/* shortest keyword the filter handles */
#define QFOLD		0xa0	/* ORed into every byte hashed */
#define QFOLD4		0xa0a0a0a0u
#define QSET(t, h)	((t)[(h) >> 3] |= (uint8_t)(1u << ((h) & 7)))
#define QGET(t, h)	(((t)[(h) >> 3] >> ((h) & 7)) & 1u)

struct ac_kw {
	unsigned char	*text;		/* folded to lower case */
	size_t		 len;
	uint64_t	*rules;		/* words bits */
};

/*
 * What a marked 4-gram may be: all 4 of its bytes fixed (AC_REC_EXACT),
 * the first 3 (AC_REC_BACK: a 3-byte keyword there) or the last 3
 * (AC_REC_FRONT: a short keyword one byte further).
 */
enum { AC_REC_EXACT, AC_REC_BACK, AC_REC_FRONT, AC_REC_KINDS };

struct ac_rec {
	uint32_t	 key;		/* the fixed bytes, ORed with QFOLD */
	int		 kw;		/* index in kws */
	int		 delta;		/* keyword start - 4-gram position */
	int		 next;		/* chain in head[kind], -1 ends */
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
	uint8_t		*qtab;		/* 2^QBITS bits: 1 if a record may be here */
	int		 impl;		/* SCANNER_AC_PORTABLE or _SSE2 */
	struct ac_kw	*kws;
	size_t		 nkws, capkws;
	struct ac_rec	*recs;
	size_t		 nrecs, caprecs;
	int		*head[AC_REC_KINDS]; /* nhead chains by key, -1 empty */
	size_t		 nhead;
	/* keywords added, put in the trie only if the filter cannot run */
	struct ac_pend {
		unsigned char	*text;	/* folded */
		size_t		 len, rule;
	}		*pend;
	size_t		 npend, cappend;
};

static int	ac_impl_best(void);

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
	ac->impl = ac_impl_best();
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
	free(ac->recs);
	for (i = 0; i < AC_REC_KINDS; i++)
		free(ac->head[i]);
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
 * 1 if the folded pair at p is one of the most frequent letter pairs of
 * English and of log text (a fixed list, not learnt from any corpus).
 */
static int
common_pair(const unsigned char *p)
{
	static const char	pairs[] = "th he in er an re on at en nd ti es "
	    "or te of ed is it al ar st to nt ng se ha as ou io le ve co me de "
	    "hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di "
	    "ac ec ss ge ad us ow rt ct ey ke ti im mi ";
	char			want[4];

	want[0] = (char)p[0];
	want[1] = (char)p[1];
	want[2] = ' ';
	want[3] = '\0';
	return strstr(pairs, want) != NULL && (pairs == strstr(pairs, want) ||
	    strstr(pairs, want)[-1] == ' ');
}

/*
 * 1 if the folded 4-gram at p is one of the most frequent ones of English
 * words and of log vocabulary (a fixed list, not learnt from any corpus).
 */
static int
common_gram(const unsigned char *p)
{
	static const char *const grams[] = {
		"tion", "atio", "that", "ther", "with", "ment", "ions", "this",
		"here", "from", "ould", "ting", "hich", "ctio", "ence", "have",
		"othe", "ight", "sion", "ever", "ical", "they", "inte", "ough",
		"ance", "were", "tive", "over", "ding", "pres", "nter", "comp",
		"able", "tabl", "heir", "ally", "ated", "ring", "ture", "cont",
		"ents", "been", "ecti", "ress", "requ", "eque", "ques", "uest",
		"sess", "essi", "ssio", "serv", "ervi", "rvic", "vice", "erro",
		"rror", "info", "warn", "debu", "time", "imes", "stam", "tamp",
		"user", "name", "type", "conf", "onfi", "nfig", "func", "unct",
		"ncti", "lamb", "ambd", "mbda", "http", "ttps", "json", "toke",
		"oken", "secr", "ecre", "cret", "acce", "cces", "cess", "coun",
		"ount", "book", "hook", "ooks", "reco", "ecor", "cord", "city",
		"icit", "sent", "entr", "ntry", "gram", "code", "valu", "alue",
		"stat", "tatu", "atus", "star", "tart", "dura", "urat", "memo",
		"emor", "mory", "proc", "roce", "oces", "repo", "epor", "port",
		"a256", "sha2", "ha25", "key_", "_key", "ssag", "mess", "essa",
		"sage", "even", "vent", "orde", "rder", "acco", "ccou", "ment",
		"clie", "lien", "ient", "load", "data", "resp", "espo", "spon",
		"pons", "onse", "dev-", "-dev", "s-de", "prod", "loca", "ocal",
		"host", "ost:", "api/", "/api", "test", "_tes", "est_", "buck",
		"ucke", "cket", "agen", "gent", "refr", "efre", "fres", "resh",
		"stor", "tora", "orag", "rage", "egra", "tegr", "inte", "line",
		"inea", "ande", "umed", "nsum", "cons", NULL
	};
	size_t	i;

	for (i = 0; grams[i] != NULL; i++)
		if (memcmp(p, grams[i], 4) == 0)
			return 1;
	return 0;
}

/*
 * How unusual the 4-gram at kw is: words like "webh", "serv", "time" or
 * "est_" (request_id) are common in logs: rare letters and punctuation
 * score, punctuation inside the 4-gram more ("k_se" in webhook_secret,
 * "k_te" in sk_test_), each frequent letter pair costs.
 */
static int
gram_score(const unsigned char *kw)
{
	int	j, score = 0;

	for (j = 0; j < 4; j++)
		score += rarity(kw[j]);
	for (j = 0; j < 3; j++)
		score -= common_pair(kw + j);
	score -= 6 * common_gram(kw);
	return score + (rarity(kw[1]) == 3 || rarity(kw[2]) == 3);
}

/* The same for 3 bytes. */
static int
tri_score(const unsigned char *kw)
{
	return rarity(kw[0]) + rarity(kw[1]) + rarity(kw[2]) +
	    (rarity(kw[1]) == 3);
}

/*
 * The two adjacent 4-grams of a keyword of 5 bytes or more the filter
 * looks for (offsets o and o + 1): the pair whose more common member is
 * the most unusual; the last on a tie.
 */
static size_t
anchor_of(const unsigned char *kw, size_t len)
{
	size_t	o, best = 0;
	int	a, b, score, top = -1000;

	for (o = 0; o + 5 <= len; o++) {
		a = gram_score(kw + o);
		b = gram_score(kw + o + 1);
		score = a < b ? a : b;
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
	k->rules = xcalloc(ac->words, sizeof *k->rules);
	k->rules[rule / 64] |= (uint64_t)1 << (rule % 64);
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

/* The chain of a record key. */
static uint32_t
rec_chain(const struct scanner_ac *ac, uint32_t key)
{
	return (key * 0x9e3779b1u) >> 16 & (uint32_t)(ac->nhead - 1);
}

/* The folded bytes kw[0..n) (n <= 4) as a key. */
static uint32_t
key_of(const unsigned char *kw, size_t n)
{
	uint32_t	key = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		key |= (uint32_t)(kw[i] | QFOLD) << (8 * i);
	return key;
}

/*
 * Adds a record and marks its 4-grams in the table: one for AC_REC_EXACT,
 * the 64 values of the wildcard byte for the others.
 */
static void
rec_add(struct scanner_ac *ac, int kind, uint32_t key, size_t kw, int delta)
{
	struct ac_rec	*r;
	uint32_t	 c, h;

	if (ac->nrecs == ac->caprecs) {
		ac->caprecs = ac->caprecs ? ac->caprecs * 2 : 64;
		ac->recs = xreallocarray(ac->recs, ac->caprecs,
		    sizeof *ac->recs);
	}
	r = &ac->recs[ac->nrecs];
	r->key = key;
	r->kw = (int)kw;
	r->delta = delta;
	h = rec_chain(ac, key);
	r->next = ac->head[kind][h];
	ac->head[kind][h] = (int)ac->nrecs++;
	if (kind == AC_REC_EXACT) {
		QSET(ac->qtab, qhash(key));
		return;
	}
	for (c = 0; c < 256; c++)
		QSET(ac->qtab, qhash(kind == AC_REC_BACK ?
		    key | (c | QFOLD) << 24 : (c | QFOLD) | key << 8));
}

/* The filter table and the verification chains. */
static void
fast_build(struct scanner_ac *ac)
{
	struct ac_kw	*k;
	size_t		 i, j, a;

	if (ac->nkws == 0) {
		ac->fast = 0;
		return;
	}
	/* Padding: the AVX2 filter gathers 4 bytes at a time. */
	ac->qtab = xcalloc(((size_t)1 << QBITS) / 8 + 4, 1);
	for (ac->nhead = 16; ac->nhead < 2 * ac->nkws; ac->nhead *= 2)
		;
	for (j = 0; j < AC_REC_KINDS; j++) {
		ac->head[j] = xreallocarray(NULL, ac->nhead,
		    sizeof *ac->head[j]);
		for (i = 0; i < ac->nhead; i++)
			ac->head[j][i] = -1;
	}
	for (i = 0; i < ac->nkws; i++) {
		k = &ac->kws[i];
		if (k->len >= 5) {
			a = anchor_of(k->text, k->len);
			rec_add(ac, AC_REC_EXACT, key_of(k->text + a, 4), i,
			    -(int)a);
			rec_add(ac, AC_REC_EXACT, key_of(k->text + a + 1, 4),
			    i, -(int)a - 1);
			continue;
		}
		/* Started at an even offset, then at an odd one. */
		if (k->len == 3) {
			rec_add(ac, AC_REC_BACK, key_of(k->text, 3), i, 0);
			rec_add(ac, AC_REC_FRONT, key_of(k->text, 3), i, 1);
			continue;
		}
		rec_add(ac, AC_REC_EXACT, key_of(k->text, 4), i, 0);
		/* The rarer 3 bytes: "ey-" of key-, not "key" (the last on a tie). */
		if (tri_score(k->text + 1) >= tri_score(k->text))
			rec_add(ac, AC_REC_BACK, key_of(k->text + 1, 3), i, -1);
		else
			rec_add(ac, AC_REC_FRONT, key_of(k->text, 3), i, 1);
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
 * Keyword of record r at position i of p[0..len) (the 4-gram's)? ORs its
 * rules into hits unless NULL and sets *at to its start.
 */
static int
rec_hit(const struct scanner_ac *ac, const struct ac_rec *r,
    const unsigned char *p, size_t i, size_t len, uint64_t *hits, size_t *at)
{
	const struct ac_kw	*k = &ac->kws[r->kw];
	size_t			 w, start;

	if (r->delta < 0 && (size_t)-r->delta > i)
		return 0;
	start = r->delta < 0 ? i - (size_t)-r->delta : i + (size_t)r->delta;
	if (start >= len || !kw_at(k, p + start, len - start))
		return 0;
	if (hits != NULL)
		for (w = 0; w < ac->words; w++)
			hits[w] |= k->rules[w];
	*at = start;
	return 1;
}

/*
 * Verifies position i of p[0..len), marked by the filter (x: its 4-gram,
 * ORed, zero bytes past len): ORs the rules of the keywords there into
 * hits (unless NULL: then stops at the first). Returns 1 if there is any,
 * with the start of one in *at.
 */
static int
verify(const struct scanner_ac *ac, const unsigned char *p, size_t i,
    size_t len, uint32_t x, uint64_t *hits, size_t *at)
{
	const struct ac_rec	*r;
	uint32_t		 want[AC_REC_KINDS];
	int			 kind, n, any = 0;

	want[AC_REC_EXACT] = x;
	want[AC_REC_BACK] = x & 0xffffff;
	want[AC_REC_FRONT] = x >> 8;
	for (kind = 0; kind < AC_REC_KINDS; kind++)
		for (n = ac->head[kind][rec_chain(ac, want[kind])]; n != -1;
		    n = r->next) {
			r = &ac->recs[n];
			if (r->key == want[kind] &&
			    rec_hit(ac, r, p, i, len, hits, at)) {
				any = 1;
				if (hits == NULL)
					return 1;
			}
		}
	return any;
}

/* Scalar filter over the even positions of [i, len) of p (i even). */
static size_t
fast_tail(const struct scanner_ac *ac, const unsigned char *p, size_t i,
    size_t len, uint64_t *hits, int first, int *any)
{
	unsigned char	q[4];
	uint32_t	x;
	size_t		j, at;

	for (; i < len; i += 2) {
		if (i + 4 <= len)
			x = load4(p + i);
		else {
			memset(q, 0, sizeof q);
			for (j = 0; i + j < len; j++)
				q[j] = p[i + j];
			x = load4(q);
		}
		x |= QFOLD4;
		if (QGET(ac->qtab, qhash(x)) &&
		    verify(ac, p, i, len, x, first ? NULL : hits, &at)) {
			*any = 1;
			if (first)
				return at;
		}
	}
	return len;
}

#ifdef __SSE2__
/* Offsets of the four 16-byte loads of a round of 32 bytes. */
#define QLOAD(k)	((k) / 2 * 16 + (k) % 2 * 2)

/*
 * Hashes the 4-grams at s, s + 4, s + 8 and s + 12 (reads s[0..16));
 * returns the OR of their table entries.
 */
static inline unsigned int
qlook(const uint8_t *qtab, const unsigned char *s)
{
	const __m128i	or20 = _mm_set1_epi8((char)QFOLD);
	const __m128i	mul = _mm_set1_epi32((int)((uint32_t)QC2 << 16 | QC1));
	const __m128i	msk = _mm_set1_epi32((int)QMASK);
	__m128i		v;
	uint64_t	lo, hi;

	v = _mm_loadu_si128((const __m128i *)(const void *)s);
	v = _mm_madd_epi16(_mm_or_si128(v, or20), mul);
	v = _mm_and_si128(_mm_srli_epi32(v, QSHIFT), msk);
	lo = (uint64_t)_mm_cvtsi128_si64(v);
	hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v));
	return QGET(qtab, (uint32_t)lo) | QGET(qtab, lo >> 32) |
	    QGET(qtab, (uint32_t)hi) | QGET(qtab, hi >> 32);
}

/*
 * Hashes the 4-grams at the 16 even positions of s[0..32) (reads
 * s[0..34)). Returns non-zero if the filter marks any.
 */
static inline unsigned int
qround(const uint8_t *qtab, const unsigned char *s)
{
	return qlook(qtab, s + QLOAD(0)) | qlook(qtab, s + QLOAD(1)) |
	    qlook(qtab, s + QLOAD(2)) | qlook(qtab, s + QLOAD(3));
}

/*
 * Verifies the positions i + (the bits of m) of p[0..len). Returns the
 * first keyword's position if first, else len.
 */
static size_t
qmarked(const struct scanner_ac *ac, const unsigned char *p, size_t i,
    uint32_t m, size_t len, const unsigned char *s, uint64_t *hits, int first,
    int *any)
{
	size_t	j, at;

	while (m != 0) {
		j = (size_t)__builtin_ctz(m);
		m &= m - 1;
		if (verify(ac, p, i + j, len, load4(s + j) | QFOLD4,
		    first ? NULL : hits, &at)) {
			*any = 1;
			if (first)
				return at;
		}
	}
	return len;
}

/*
 * Verifies the marked positions below n at i of p[0..len) (s: their
 * bytes, padded at the end of p). Returns the first keyword's position if
 * first, else len.
 */
static size_t
qcheck(const struct scanner_ac *ac, const unsigned char *p, size_t i,
    size_t n, size_t len, const unsigned char *s, uint64_t *hits, int first,
    int *any)
{
	size_t		j;
	uint32_t	m = 0;

	/* The marked positions as bits first (the same hash, scalar). */
	for (j = 0; j < 32; j += 2)
		m |= (uint32_t)QGET(ac->qtab, qhash(load4(s + j) | QFOLD4)) << j;
	if (n < 32)
		m &= ((uint32_t)1 << n) - 1;
	return qmarked(ac, p, i, m, len, s, hits, first, any);
}

/* The SSE2 filter over the even positions of [i, len) (i even). */
static size_t
fast_sse2(const struct scanner_ac *ac, const unsigned char *p, size_t i,
    size_t len, uint64_t *hits, int first, int *any)
{
	unsigned char	pad[32 + 34];
	size_t		b, n, r;

	for (; i + 34 <= len; i += 32)
		if (__builtin_expect(qround(ac->qtab, p + i), 0) &&
		    (r = qcheck(ac, p, i, 32, len, p + i, hits, first,
		    any)) < len)
			return r;
	if (i == len)
		return len;
	/* The last < 34 bytes, zero-padded as fast_tail does. */
	memset(pad, 0, sizeof pad);
	memcpy(pad, p + i, len - i);
	for (b = 0; i + b < len; b += 32) {
		n = len - i - b < 32 ? len - i - b : 32;
		if (qround(ac->qtab, pad + b) &&
		    (r = qcheck(ac, p, i + b, n, len, pad + b, hits, first,
		    any)) < len)
			return r;
	}
	return len;
}
#endif

#if defined(AC_HAVE_AVX2) && defined(__SSE2__)
/*
 * The AVX2 filter: the same 16 hashes per 32 bytes as qround, in two
 * 256-bit multiply-adds, and the table bits fetched with two gathers of
 * the 32-bit words that hold them.
 */
__attribute__((target("avx2,bmi2")))
static size_t
fast_avx2(const struct scanner_ac *ac, const unsigned char *p, size_t i,
    size_t len, uint64_t *hits, int first, int *any)
{
	const __m256i	or20 = _mm256_set1_epi8((char)QFOLD);
	const __m256i	mul = _mm256_set1_epi32((int)((uint32_t)QC2 << 16 |
			    QC1));
	const __m256i	msk = _mm256_set1_epi32((int)QMASK);
	const __m256i	one = _mm256_set1_epi32(1);
	const __m256i	b31 = _mm256_set1_epi32(31);
	const int	*tab = (const int *)(const void *)ac->qtab;
	__m256i		 a, b, m;
	uint32_t	 ma, mb, bits;
	size_t		 r;

	for (; i + 34 <= len; i += 32) {
		a = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		b = _mm256_loadu_si256((const __m256i *)(const void *)
		    (p + i + 2));
		a = _mm256_and_si256(_mm256_srli_epi32(_mm256_madd_epi16(
		    _mm256_or_si256(a, or20), mul), QSHIFT), msk);
		b = _mm256_and_si256(_mm256_srli_epi32(_mm256_madd_epi16(
		    _mm256_or_si256(b, or20), mul), QSHIFT), msk);
		/* Bit h: dword h / 32 (little-endian), bit h % 32 of it. */
		a = _mm256_and_si256(_mm256_srlv_epi32(_mm256_i32gather_epi32(
		    tab, _mm256_srli_epi32(a, 5), 4), _mm256_and_si256(a, b31)),
		    one);
		b = _mm256_and_si256(_mm256_srlv_epi32(_mm256_i32gather_epi32(
		    tab, _mm256_srli_epi32(b, 5), 4), _mm256_and_si256(b, b31)),
		    one);
		m = _mm256_or_si256(a, b);
		if (__builtin_expect(!_mm256_testz_si256(m, m), 0)) {
			/*
			 * Lane k of the first half is position 4k, of the
			 * second 4k + 2: the marks as bits of positions.
			 */
			ma = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(
			    _mm256_cmpeq_epi32(a, one)));
			mb = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(
			    _mm256_cmpeq_epi32(b, one)));
			bits = _pdep_u32(ma, 0x11111111u) |
			    _pdep_u32(mb, 0x44444444u);
			if ((r = qmarked(ac, p, i, bits, len, p + i, hits,
			    first, any)) < len)
				return r;
		}
	}
	/* The last < 34 bytes as the SSE2 filter does them. */
	return fast_sse2(ac, p, i, len, hits, first, any);
}
#endif

/*
 * The filter; first: return the offset of a byte of the first keyword (a
 * keyword no other one ends before) or len.
 */
static size_t
fast_run(const struct scanner_ac *ac, const char *buf, size_t len,
    uint64_t *hits, int first, int *any)
{
	const unsigned char	*p = (const unsigned char *)buf;

#if defined(AC_HAVE_AVX2) && defined(__SSE2__)
	if (ac->impl == SCANNER_AC_AVX2)
		return fast_avx2(ac, p, 0, len, hits, first, any);
#endif
#ifdef __SSE2__
	if (ac->impl == SCANNER_AC_SSE2)
		return fast_sse2(ac, p, 0, len, hits, first, any);
#endif
	return fast_tail(ac, p, 0, len, hits, first, any);
}

/* The best implementation this CPU runs. */
static int
ac_impl_best(void)
{
#if defined(AC_HAVE_AVX2) && defined(__SSE2__)
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2"))
		return SCANNER_AC_AVX2;
#endif
#ifdef __SSE2__
	return SCANNER_AC_SSE2;
#else
	return SCANNER_AC_PORTABLE;
#endif
}

int
scanner_ac_impl(struct scanner_ac *ac, int want)
{
	if (want == -1)
		return ac->impl;
	if (want < SCANNER_AC_PORTABLE || want > ac_impl_best())
		return -1;
	ac->impl = want;
	return ac->impl;
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
