/* The configuration, results and errors: JSON through jansson. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"

const char *const cni_versions[] = {
	"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
};

int cni_version_index(const char *version)
{
	int i;

	for (i = 0; version && cni_versions[i]; i++)
		if (!strcmp(version, cni_versions[i]))
			return i;
	return -1;
}

int cni_fail(struct cni_error *e, int code, const char *msg,
	     const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	e->details[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(e->details, sizeof(e->details), fmt, ap);
		va_end(ap);
	}
	return -1;
}

int cni_prefix_parse(const char *text, struct cni_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long len;

	if (!text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (ipvl_ipaddr_parse(buf, &p->addr))
		return -EINVAL;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end ||
	    len > (p->addr.family == AF_INET ? 32u : 128u))
		return -EINVAL;
	p->len = (unsigned int)len;
	return 0;
}

void cni_result_free(struct cni_result *r)
{
	free(r->ips);
	free(r->routes);
	free(r->ifaces);
	json_decref(r->dns);
	memset(r, 0, sizeof(*r));
}

static int bad_result(struct cni_error *e, const char *what)
{
	return cni_fail(e, CNI_ERR_DECODE, "invalid result", "%s", what);
}

static int parse_ips(const json_t *arr, struct cni_result *r,
		     struct cni_error *e)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return bad_result(e, "ips is not a list");
	r->ips = calloc(json_array_size(arr) + 1, sizeof(*r->ips));
	if (!r->ips)
		return cni_fail(e, CNI_ERR_IO, "out of memory", NULL);
	json_array_foreach(arr, i, v) {
		struct cni_ip *ip = &r->ips[r->n_ips];
		json_t *a = json_object_get(v, "address");
		json_t *g = json_object_get(v, "gateway");
		json_t *n = json_object_get(v, "interface");

		if (!json_is_string(a) ||
		    cni_prefix_parse(json_string_value(a), &ip->address))
			return bad_result(e, "an ips entry has no valid address");
		if (g) {
			if (!json_is_string(g) ||
			    ipvl_ipaddr_parse(json_string_value(g), &ip->gw))
				return bad_result(e, "an ips entry has an invalid gateway");
			ip->has_gw = true;
		}
		ip->iface = -1;
		if (n) {
			if (!json_is_integer(n) || json_integer_value(n) < 0)
				return bad_result(e, "an ips entry has an invalid interface");
			ip->iface = (int)json_integer_value(n);
		}
		r->n_ips++;
	}
	return 0;
}

static int parse_routes(const json_t *arr, struct cni_result *r,
			struct cni_error *e)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return bad_result(e, "routes is not a list");
	r->routes = calloc(json_array_size(arr) + 1, sizeof(*r->routes));
	if (!r->routes)
		return cni_fail(e, CNI_ERR_IO, "out of memory", NULL);
	json_array_foreach(arr, i, v) {
		struct cni_route *rt = &r->routes[r->n_routes];
		json_t *d = json_object_get(v, "dst");
		json_t *g = json_object_get(v, "gw");

		if (!json_is_string(d) ||
		    cni_prefix_parse(json_string_value(d), &rt->dst))
			return bad_result(e, "a route has no valid dst");
		if (g && !json_is_null(g)) {
			if (!json_is_string(g) ||
			    ipvl_ipaddr_parse(json_string_value(g), &rt->gw) ||
			    rt->gw.family != rt->dst.addr.family)
				return bad_result(e, "a route has an invalid gw");
			rt->has_gw = true;
		}
		r->n_routes++;
	}
	return 0;
}

static int parse_ifaces(const json_t *arr, struct cni_result *r,
			struct cni_error *e)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return bad_result(e, "interfaces is not a list");
	r->ifaces = calloc(json_array_size(arr) + 1, sizeof(*r->ifaces));
	if (!r->ifaces)
		return cni_fail(e, CNI_ERR_IO, "out of memory", NULL);
	json_array_foreach(arr, i, v) {
		struct cni_iface *f = &r->ifaces[r->n_ifaces];
		json_t *n = json_object_get(v, "name");
		json_t *s = json_object_get(v, "sandbox");

		if (!json_is_string(n) ||
		    strlen(json_string_value(n)) >= IF_NAMESIZE)
			return bad_result(e, "an interface has no valid name");
		strcpy(f->name, json_string_value(n));
		if (json_is_string(s) && json_string_length(s))
			f->sandbox = json_string_value(s);
		r->n_ifaces++;
	}
	return 0;
}

int cni_result_parse(const json_t *obj, struct cni_result *r,
		     struct cni_error *e)
{
	json_t *v;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(obj))
		return bad_result(e, "the result is not an object");
	v = json_object_get(obj, "ips");
	if (v && parse_ips(v, r, e))
		return -1;
	v = json_object_get(obj, "routes");
	if (v && parse_routes(v, r, e))
		return -1;
	v = json_object_get(obj, "interfaces");
	if (v && parse_ifaces(v, r, e))
		return -1;
	v = json_object_get(obj, "dns");
	if (json_is_object(v))
		r->dns = json_incref(v);
	return 0;
}

static int bad_conf(struct cni_error *e, const char *fmt, const char *arg)
{
	return cni_fail(e, CNI_ERR_CONFIG, "invalid network configuration",
			fmt, arg);
}

static int parse_flags(const char *s, uint32_t *flags)
{
	if (!strcmp(s, "bridge")) {
		*flags = 0;
		return 0;
	}
	return ipvl_port_flags_parse(s, flags);
}

int cni_conf_parse(const char *buf, size_t len, struct cni_conf *c,
		   struct cni_error *e)
{
	json_error_t jerr;
	json_t *v;

	memset(c, 0, sizeof(*c));
	c->spoof_check = true;
	c->mode = IPVL_MODE_L2;
	c->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!c->root)
		return cni_fail(e, CNI_ERR_DECODE,
				"failed to decode the network configuration",
				"line %d column %d: %s", jerr.line,
				jerr.column, jerr.text);
	if (!json_is_object(c->root))
		return cni_fail(e, CNI_ERR_DECODE,
				"failed to decode the network configuration",
				"not a JSON object");

	v = json_object_get(c->root, "cniVersion");
	if (v && !json_is_string(v))
		return bad_conf(e, "%s", "cniVersion is not a string");
	/* an absent version is 0.1.0, which is not supported */
	c->version = v ? json_string_value(v) : "0.1.0";
	c->vidx = cni_version_index(c->version);
	if (c->vidx < 0)
		return cni_fail(e, CNI_ERR_VERSION, "incompatible CNI versions",
				"config is \"%s\", plugin supports 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0",
				c->version);

	v = json_object_get(c->root, "name");
	if (!json_is_string(v) || !json_string_length(v))
		return bad_conf(e, "%s", "name is missing or not a string");
	c->name = json_string_value(v);

	v = json_object_get(c->root, "master");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return bad_conf(e, "%s", "master is not a string");
		c->master = json_string_value(v);
		if (!c->master[0])
			c->master = NULL;
		else if (strlen(c->master) >= IF_NAMESIZE ||
			 strchr(c->master, '/'))
			return bad_conf(e, "master \"%s\" is not an interface name",
					c->master);
	}

	v = json_object_get(c->root, "mode");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return bad_conf(e, "%s", "mode is not a string");
		/* "" is the default, as with the ipvlan plugin */
		if (json_string_length(v) &&
		    ipvl_mode_parse(json_string_value(v), &c->mode))
			return bad_conf(e, "invalid mode \"%s\": l2, l3 or l3s",
					json_string_value(v));
	}

	v = json_object_get(c->root, "flags");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return bad_conf(e, "%s", "flags is not a string");
		if (json_string_length(v) &&
		    parse_flags(json_string_value(v), &c->flags))
			return bad_conf(e,
					"invalid flags \"%s\": bridge, private or vepa",
					json_string_value(v));
	}

	v = json_object_get(c->root, "spoofCheck");
	if (v) {
		if (!json_is_boolean(v))
			return bad_conf(e, "%s", "spoofCheck is not a boolean");
		c->spoof_check = json_is_true(v);
	}

	v = json_object_get(c->root, "mtu");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 65535 ||
		    (json_integer_value(v) && json_integer_value(v) < 68))
			return bad_conf(e, "%s",
					"mtu is not 0 or an integer from 68 to 65535");
		c->mtu = (uint32_t)json_integer_value(v);
	}

	v = json_object_get(c->root, "linkInContainer");
	if (json_is_true(v))
		return cni_fail(e, CNI_ERR_UNSUPPORTED, "unsupported field",
				"linkInContainer: true (the master must be in the host's namespace)");

	v = json_object_get(c->root, "ipam");
	if (v && !json_is_null(v)) {
		json_t *t = json_object_get(v, "type");

		if (!json_is_object(v))
			return bad_conf(e, "%s", "ipam is not an object");
		if (t && !json_is_string(t))
			return bad_conf(e, "%s", "ipam.type is not a string");
		if (t && json_string_length(t)) {
			c->ipam_type = json_string_value(t);
			if (strchr(c->ipam_type, '/') ||
			    !strcmp(c->ipam_type, ".."))
				return bad_conf(e, "ipam.type \"%s\" is not a plugin name",
						c->ipam_type);
		}
	}

	v = json_object_get(c->root, "prevResult");
	if (v && !json_is_null(v)) {
		if (cni_result_parse(v, &c->prev, e))
			return -1;
		c->has_prev = true;
	}

	v = json_object_get(c->root, "dns");
	if (json_is_object(v))
		c->dns = v;

	v = json_object_get(c->root, "cni.dev/valid-attachments");
	if (v && !json_is_null(v)) {
		if (!json_is_array(v))
			return bad_conf(e, "%s",
					"cni.dev/valid-attachments is not a list");
		c->valid = v;
	}
	return 0;
}

void cni_conf_free(struct cni_conf *c)
{
	cni_result_free(&c->prev);
	json_decref(c->root);
	memset(c, 0, sizeof(*c));
}

/* FNV-1a, for network names too long to fit in a tag. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * "cni/NAME/": container ids and network names have no '/'. A name that
 * would make the tag of a 64-character id too long is replaced by "#" and
 * its hash.
 */
int cni_owner_prefix(const struct cni_conf *c, char *buf, size_t size)
{
	int n;

	if (strlen(c->name) <= 32)
		n = snprintf(buf, size, "cni/%s/", c->name);
	else
		n = snprintf(buf, size, "cni/#%016llx/",
			     (unsigned long long)fnv1a(c->name));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int cni_owner(const struct cni_conf *c, const char *container_id,
	      const char *ifname, char *buf, size_t size)
{
	char prefix[64];
	int n;

	if (cni_owner_prefix(c, prefix, sizeof(prefix)))
		return -ENAMETOOLONG;
	n = snprintf(buf, size, "%s%s/%s", prefix, container_id, ifname);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static json_t *prefix_json(const struct cni_prefix *p)
{
	char a[IPVL_IPADDR_STRLEN], s[IPVL_IPADDR_STRLEN + 8];

	ipvl_ipaddr_format(&p->addr, a, sizeof(a));
	snprintf(s, sizeof(s), "%s/%u", a, p->len);
	return json_string(s);
}

static json_t *addr_json(const struct ipvl_ipaddr *addr)
{
	char a[IPVL_IPADDR_STRLEN];

	return json_string(ipvl_ipaddr_format(addr, a, sizeof(a)));
}

/*
 * The result in the format of the configuration's version: "version" in
 * each ips entry before 1.0.0. Interfaces are added by the caller.
 */
json_t *cni_result_json(const struct cni_result *r, const char *version,
			int vidx)
{
	json_t *o = json_object(), *ips = json_array(), *routes = json_array();
	size_t i;

	json_object_set_new(o, "cniVersion", json_string(version));
	for (i = 0; i < r->n_ips; i++) {
		const struct cni_ip *ip = &r->ips[i];
		json_t *j = json_object();

		if (vidx < 3)
			json_object_set_new(j, "version", json_string(
				ip->address.addr.family == AF_INET ? "4" : "6"));
		json_object_set_new(j, "address", prefix_json(&ip->address));
		if (ip->has_gw)
			json_object_set_new(j, "gateway", addr_json(&ip->gw));
		if (ip->iface >= 0)
			json_object_set_new(j, "interface",
					    json_integer(ip->iface));
		json_array_append_new(ips, j);
	}
	json_object_set_new(o, "ips", ips);
	for (i = 0; i < r->n_routes; i++) {
		const struct cni_route *rt = &r->routes[i];
		json_t *j = json_object();

		json_object_set_new(j, "dst", prefix_json(&rt->dst));
		if (rt->has_gw)
			json_object_set_new(j, "gw", addr_json(&rt->gw));
		json_array_append_new(routes, j);
	}
	if (r->n_routes)
		json_object_set_new(o, "routes", routes);
	else
		json_decref(routes);
	json_object_set_new(o, "dns", r->dns ? json_deep_copy(r->dns) :
			    json_object());
	return o;
}

int cni_print(json_t *obj)
{
	int err = json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (!err)
		err = fputc('\n', stdout) == EOF;
	if (fflush(stdout))
		err = -1;
	return err ? -1 : 0;
}

void cni_print_error(const struct cni_error *e, const char *version)
{
	json_t *o = json_object();

	json_object_set_new(o, "cniVersion", json_string(version));
	json_object_set_new(o, "code", json_integer(e->code));
	json_object_set_new(o, "msg", json_string(e->msg));
	if (e->details[0])
		json_object_set_new(o, "details", json_string(e->details));
	cni_print(o);
	json_decref(o);
}
