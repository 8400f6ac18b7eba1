/* Names of modes, port flags and features; IP addresses as text. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "internal.h"

static const char *const mode_names[] = {
	[IPVL_MODE_L2]	= "l2",
	[IPVL_MODE_L3]	= "l3",
	[IPVL_MODE_L3S]	= "l3s",
};

#define N_MODES	(sizeof(mode_names) / sizeof(mode_names[0]))

/* The names of the bits, lowest first; the index is the bit number. */
static const char *const feature_names[] = {
	"ports", "links", "bindings", "ipv6", "mode-l3", "mode-l2",
	"mode-l3s", "spoof-check", "stats", "monitor", "addr-replace",
};

#define N_FEATURES	(sizeof(feature_names) / sizeof(feature_names[0]))

_Static_assert(1u << (N_FEATURES - 1) == IPVL_FEATURES_ADDR_REPLACE,
	       "feature names out of date with ipvl.h");
_Static_assert(IPVL_FEATURES_MODE_L3S == 1 << 6 &&
	       IPVL_FEATURES_SPOOF_CHECK == 1 << 7,
	       "feature names out of order with ipvl.h");

IPVL_EXPORT const char *ipvl_mode_name(uint32_t mode)
{
	return mode < N_MODES ? mode_names[mode] : NULL;
}

IPVL_EXPORT int ipvl_mode_parse(const char *name, uint32_t *mode)
{
	uint32_t i;

	for (i = 0; i < N_MODES; i++) {
		if (strcmp(name, mode_names[i]) == 0) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* No flag is "bridge"; the flags exclude each other. */
IPVL_EXPORT const char *ipvl_port_flags_name(uint32_t flags)
{
	switch (flags) {
	case 0:
		return "bridge";
	case IPVL_PORT_FLAGS_PRIVATE:
		return "private";
	case IPVL_PORT_FLAGS_VEPA:
		return "vepa";
	default:
		return NULL;
	}
}

IPVL_EXPORT int ipvl_port_flags_parse(const char *name, uint32_t *flags)
{
	if (strcmp(name, "bridge") == 0)
		*flags = 0;
	else if (strcmp(name, "private") == 0)
		*flags = IPVL_PORT_FLAGS_PRIVATE;
	else if (strcmp(name, "vepa") == 0)
		*flags = IPVL_PORT_FLAGS_VEPA;
	else
		return -EINVAL;
	return 0;
}

IPVL_EXPORT const char *ipvl_feature_name(uint32_t feature)
{
	unsigned int bit;

	if (!feature || (feature & (feature - 1)))
		return NULL;		/* not a single bit */
	bit = (unsigned int)__builtin_ctz(feature);
	return bit < N_FEATURES ? feature_names[bit] : NULL;
}

IPVL_EXPORT int ipvl_ipaddr_parse(const char *text, struct ipvl_ipaddr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, text, &addr->v4) == 1) {
		addr->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &addr->v6) == 1) {
		addr->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

IPVL_EXPORT const char *ipvl_ipaddr_format(const struct ipvl_ipaddr *addr,
					   char *buf, size_t size)
{
	const void *src;

	switch (addr->family) {
	case AF_INET:
		src = &addr->v4;
		break;
	case AF_INET6:
		src = &addr->v6;
		break;
	default:
		errno = EAFNOSUPPORT;
		return NULL;
	}
	return inet_ntop(addr->family, src, buf, (socklen_t)size);
}
