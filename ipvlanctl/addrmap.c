/*
 * A hash map from (a group number, an IP address) to a number, for the
 * address sets of batch.c and the model of restore.c: open addressing
 * with linear probing, removed entries left as tombstones until the next
 * growth.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"

#define SLOT_FREE	((size_t)-1)
#define SLOT_GONE	((size_t)-2)

static size_t addr_len(const struct ipvl_ipaddr *a)
{
	return a->family == AF_INET ? sizeof(a->v4) : sizeof(a->v6);
}

bool cli_addr_equal(const struct ipvl_ipaddr *a, const struct ipvl_ipaddr *b)
{
	return a->family == b->family &&
	       memcmp(&a->v6, &b->v6, addr_len(a)) == 0;
}

static size_t hash(size_t group, const struct ipvl_ipaddr *a)
{
	const unsigned char *p = (const unsigned char *)&a->v6;
	uint64_t h = 1469598103934665603ULL ^ group;
	size_t i;

	for (i = 0; i < addr_len(a); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	h ^= (uint64_t)a->family;
	return (size_t)(h ^ (h >> 29));
}

static bool live(const struct addrmap_ent *e)
{
	return e->value != SLOT_FREE && e->value != SLOT_GONE;
}

struct addrmap_ent *addrmap_get(struct addrmap *m, size_t group,
				const struct ipvl_ipaddr *a)
{
	size_t mask = m->cap - 1, i;

	if (!m->cap)
		return NULL;
	for (i = hash(group, a) & mask; m->v[i].value != SLOT_FREE;
	     i = (i + 1) & mask) {
		struct addrmap_ent *e = &m->v[i];

		if (e->value != SLOT_GONE && e->group == group &&
		    cli_addr_equal(&e->addr, a))
			return e;
	}
	return NULL;
}

static int grow(struct addrmap *m)
{
	struct addrmap_ent *old = m->v;
	size_t n = m->cap, i, j, mask;

	/* mostly tombstones: the same size, cleaned */
	m->cap = n && m->count * 4 < n ? n : n ? 2 * n : 256;
	m->v = malloc(m->cap * sizeof(*m->v));
	if (!m->v) {
		m->v = old;
		m->cap = n;
		return -ENOMEM;
	}
	mask = m->cap - 1;
	for (i = 0; i < m->cap; i++)
		m->v[i].value = SLOT_FREE;
	for (i = 0; i < n; i++) {
		if (!live(&old[i]))
			continue;
		for (j = hash(old[i].group, &old[i].addr) & mask;
		     m->v[j].value != SLOT_FREE; j = (j + 1) & mask)
			;
		m->v[j] = old[i];
	}
	m->used = m->count;
	free(old);
	return 0;
}

/* Set the value of a key, adding it if needed. */
int addrmap_put(struct addrmap *m, size_t group, const struct ipvl_ipaddr *a,
		size_t value)
{
	struct addrmap_ent *e = addrmap_get(m, group, a);
	size_t mask, i;

	if (e) {
		e->value = value;
		return 0;
	}
	if ((m->used + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	mask = m->cap - 1;
	for (i = hash(group, a) & mask; m->v[i].value != SLOT_FREE;
	     i = (i + 1) & mask)
		;
	e = &m->v[i];
	memset(e, 0, sizeof(*e));
	e->group = group;
	e->addr = *a;
	e->value = value;
	m->count++;
	m->used++;
	return 0;
}

void addrmap_del(struct addrmap *m, struct addrmap_ent *e)
{
	if (!e || !live(e))
		return;
	e->value = SLOT_GONE;
	m->count--;
}

/* The entries, in no order: *pos starts at 0; NULL at the end. */
struct addrmap_ent *addrmap_next(struct addrmap *m, size_t *pos)
{
	while (*pos < m->cap) {
		struct addrmap_ent *e = &m->v[(*pos)++];

		if (live(e))
			return e;
	}
	return NULL;
}

void addrmap_clear(struct addrmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}
