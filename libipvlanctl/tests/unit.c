/*
 * Unit tests of libipvlanctl against fakegenl (linked in): the request
 * encoding, answers, extended ACKs, interrupted dumps, several messages in
 * one send, sequence numbers, names. Prints "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "../internal.h"
#include "fakegenl.h"

static unsigned int passed, failed;

#define CHECK(cond) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

static void set_env(const char *nofamily, const char *intr, const char *nocap)
{
	setenv("FAKEGENL", "1", 1);
	setenv("FAKEGENL_NOFAMILY", nofamily, 1);
	setenv("FAKEGENL_INTR", intr, 1);
	setenv("FAKEGENL_NOCAP", nocap, 1);
}

static struct ipvl_handle *open_fake(const char *intr, const char *nocap)
{
	struct ipvl_handle *h = NULL;

	set_env("0", intr, nocap);
	CHECK(ipvl_open(&h) == 0 && h);
	return h;
}

static void test_names(void)
{
	struct ipvl_ipaddr a;
	char buf[IPVL_IPADDR_STRLEN];
	uint32_t v;

	CHECK(strcmp(ipvl_mode_name(IPVL_MODE_L3S), "l3s") == 0);
	CHECK(ipvl_mode_name(3) == NULL);
	CHECK(ipvl_mode_parse("l2", &v) == 0 && v == IPVL_MODE_L2);
	CHECK(ipvl_mode_parse("l4", &v) == -EINVAL);
	CHECK(strcmp(ipvl_port_flags_name(0), "bridge") == 0);
	CHECK(strcmp(ipvl_port_flags_name(IPVL_PORT_FLAGS_VEPA), "vepa") == 0);
	CHECK(ipvl_port_flags_name(3) == NULL);
	CHECK(ipvl_port_flags_parse("private", &v) == 0 &&
	      v == IPVL_PORT_FLAGS_PRIVATE);
	CHECK(ipvl_port_flags_parse("bogus", &v) == -EINVAL);
	CHECK(strcmp(ipvl_feature_name(IPVL_FEATURES_ADDR_REPLACE),
		     "addr-replace") == 0);
	CHECK(strcmp(ipvl_feature_name(IPVL_FEATURES_MODE_L2), "mode-l2") == 0);
	CHECK(ipvl_feature_name(3) == NULL && ipvl_feature_name(1u << 20) == NULL);
	CHECK(ipvl_ipaddr_parse("10.0.0.300", &a) == -EINVAL);
	CHECK(ipvl_ipaddr_parse("10.0.0.5", &a) == 0 && a.family == AF_INET &&
	      a.v4.s_addr == htonl(0x0a000005));
	CHECK(ipvl_ipaddr_parse("fd00::5", &a) == 0 && a.family == AF_INET6);
	CHECK(strcmp(ipvl_ipaddr_format(&a, buf, sizeof(buf)), "fd00::5") == 0);
	CHECK(ipvl_errmsg(NULL) == NULL);
}

static void test_open(void)
{
	struct ipvl_handle *h = (struct ipvl_handle *)1;

	set_env("1", "0", "0");
	CHECK(ipvl_open(&h) == -ENOENT && h == NULL);
	CHECK(strcmp(fakegenl_last_request(), "ctrl-getfamily name=ipvl") == 0);

	h = open_fake("0", "0");
	CHECK(h->family == FAKEGENL_FAMILY_ID);
	CHECK(h->monitor_group == FAKEGENL_MONITOR_ID);
	CHECK(h->family_version == 1);
	CHECK(h->portid == FAKEGENL_PORTID);
	CHECK(ipvl_monitor_join(h) == 0);
	ipvl_close(h);
	ipvl_close(NULL);
}

static int collect_port(const struct ipvl_port *p, void *data)
{
	struct ipvl_port *out = data;
	unsigned int i;

	for (i = 0; out[i].ifindex; i++)
		;
	out[i] = *p;
	return 0;
}

static int stop_at_first(const struct ipvl_port *p, void *data)
{
	(void)p;
	(*(int *)data)++;
	return -ECANCELED;
}

static void test_ports(void)
{
	struct ipvl_port ports[4];
	struct ipvl_port_ref ref = { .ifname = "eth1" };
	struct ipvl_port_config cfg = {
		.mask = IPVL_PORT_CFG_MODE | IPVL_PORT_CFG_SPOOF_CHECK,
		.mode = IPVL_MODE_L3S,
		.spoof_check = false,
	};
	struct ipvl_handle *h = open_fake("0", "0");
	struct ipvl_port p;
	unsigned int n;
	int calls = 0;

	memset(ports, 0, sizeof(ports));
	CHECK(ipvl_port_dump(h, collect_port, ports) == 0);
	CHECK(strcmp(ports[0].ifname, "eth0") == 0 && ports[0].ifindex == 2);
	CHECK(ports[0].mode == IPVL_MODE_L3 && ports[0].flags == 0);
	CHECK(ports[0].spoof_check && ports[0].link_count == 2 &&
	      ports[0].binding_count == 3);
	CHECK(ports[0].has_stats && ports[0].stats.rx_dispatched == 1000001 &&
	      ports[0].stats.drop_malformed == 1000010);
	CHECK(strcmp(ports[1].ifname, "eth1") == 0 && !ports[1].spoof_check &&
	      ports[1].flags == IPVL_PORT_FLAGS_PRIVATE);
	CHECK(ports[2].ifindex == 0);
	CHECK(strcmp(fakegenl_last_request(), "port-get dump") == 0);

	CHECK(ipvl_port_dump(h, stop_at_first, &calls) == -ECANCELED &&
	      calls == 1);

	CHECK(ipvl_port_get(h, &ref, &p) == 0 && p.ifindex == 3);
	CHECK(strcmp(fakegenl_last_request(), "port-get ifname=eth1") == 0);
	ref.ifindex = 2;
	CHECK(ipvl_port_get(h, &ref, &p) == 0 && strcmp(p.ifname, "eth0") == 0);
	CHECK(strcmp(fakegenl_last_request(), "port-get ifindex=2") == 0);

	ref.ifindex = 0;
	CHECK(ipvl_port_new(h, &ref, &cfg, NULL) == 0);
	CHECK(strcmp(fakegenl_last_request(),
		     "port-new ifname=eth1 mode=2 spoof-check=0") == 0);
	cfg.mask = IPVL_PORT_CFG_FLAGS;
	cfg.flags = IPVL_PORT_FLAGS_VEPA;
	CHECK(ipvl_port_set(h, &ref, &cfg, &p) == 0 && p.ifindex == 3);
	CHECK(strcmp(fakegenl_last_request(), "port-set ifname=eth1 flags=2") == 0);
	cfg.mask = 1u << 7;
	CHECK(ipvl_port_set(h, &ref, &cfg, NULL) == -EINVAL);
	CHECK(ipvl_port_del(h, &ref, true) == 0);
	CHECK(strcmp(fakegenl_last_request(), "port-del ifname=eth1 force") == 0);

	/* selectors are checked before anything is sent */
	n = fakegenl_request_count();
	memset(&ref, 0, sizeof(ref));
	CHECK(ipvl_port_get(h, &ref, &p) == -EINVAL);
	memset(ref.ifname, 'x', sizeof(ref.ifname));
	CHECK(ipvl_port_get(h, &ref, &p) == -ENAMETOOLONG);
	CHECK(fakegenl_request_count() == n);
	ipvl_close(h);
}

static void test_errors(void)
{
	struct ipvl_port_config cfg = { .mask = IPVL_PORT_CFG_MODE };
	struct ipvl_port_ref ref = { .ifname = "busy0" };
	struct ipvl_handle *h = open_fake("0", "0");

	CHECK(ipvl_port_new(h, &ref, &cfg, NULL) == -EBUSY);
	CHECK(ipvl_errmsg(h) && strcmp(ipvl_errmsg(h), "device is busy") == 0);
	strcpy(ref.ifname, "eperm0");
	CHECK(ipvl_port_new(h, &ref, &cfg, NULL) == -EPERM);
	CHECK(ipvl_errmsg(h) == NULL);
	strcpy(ref.ifname, "warn0");
	CHECK(ipvl_port_new(h, &ref, &cfg, NULL) == 0);
	CHECK(ipvl_errmsg(h) && strcmp(ipvl_errmsg(h), "fake warning") == 0);
	strcpy(ref.ifname, "miss0");
	CHECK(ipvl_port_new(h, &ref, &cfg, NULL) == -EINVAL);
	CHECK(ipvl_errmsg(h) &&
	      strcmp(ipvl_errmsg(h), "missing attribute \"mode\"") == 0);
	strcpy(ref.ifname, "eth0");
	CHECK(ipvl_port_new(h, &ref, &cfg, NULL) == 0);
	CHECK(ipvl_errmsg(h) == NULL);
	ipvl_close(h);

	/* without NETLINK_CAP_ACK the request comes back before the TLVs */
	h = open_fake("0", "1");
	strcpy(ref.ifname, "busy0");
	CHECK(ipvl_port_new(h, &ref, &cfg, NULL) == -EBUSY);
	CHECK(ipvl_errmsg(h) && strcmp(ipvl_errmsg(h), "device is busy") == 0);
	ipvl_close(h);
}

static int count_port(const struct ipvl_port *p, void *data)
{
	(void)p;
	(*(unsigned int *)data)++;
	return 0;
}

static void test_dump_intr(void)
{
	struct ipvl_handle *h = open_fake("2", "0");
	unsigned int n = 0, before = fakegenl_request_count();

	CHECK(ipvl_port_dump(h, count_port, &n) == 0);
	CHECK(n == 2);		/* the interrupted attempts are not seen */
	CHECK(fakegenl_request_count() - before == 3);
	ipvl_close(h);

	h = open_fake("9", "0");
	n = 0;
	before = fakegenl_request_count();
	CHECK(ipvl_port_dump(h, count_port, &n) == -EAGAIN && n == 0);
	CHECK(fakegenl_request_count() - before == IPVL_DUMP_TRIES);
	CHECK(ipvl_errmsg(h) && strstr(ipvl_errmsg(h), "interrupted"));
	/* the socket is still in step */
	CHECK(ipvl_port_dump(h, count_port, &n) == -EAGAIN);
	ipvl_close(h);
}

static int collect_link(const struct ipvl_link *l, void *data)
{
	(*(unsigned int *)data)++;
	return l->id ? 0 : -EPROTO;
}

static void test_links(void)
{
	struct ipvl_handle *h = open_fake("0", "0");
	struct ipvl_link_ref ref = { .id = 2 };
	struct ipvl_port_ref port = { .ifname = "eth1" };
	struct ipvl_link_config cfg = {
		.ifname = "v0", .port = { .ifindex = 2 }, .mtu = 1400,
		.exist_ok = true,
	};
	struct ipvl_link l;
	unsigned int n = 0;

	CHECK(ipvl_link_get(h, &ref, &l) == 0);
	CHECK(strcmp(l.ifname, "ipvl2") == 0 && l.has_netnsid && l.netnsid == 0);
	CHECK(l.has_stats && l.stats.tx_dropped == 207);
	CHECK(strcmp(fakegenl_last_request(), "link-get id=2") == 0);
	ref.id = 0;
	strcpy(ref.ifname, "ipvl1");
	CHECK(ipvl_link_get(h, &ref, &l) == 0 && l.id == 1 && !l.has_netnsid);
	CHECK(ipvl_link_dump(h, NULL, collect_link, &n) == 0 && n == 2);
	n = 0;
	CHECK(ipvl_link_dump(h, &port, collect_link, &n) == 0 && n == 0);
	CHECK(strcmp(fakegenl_last_request(),
		     "link-get dump port-ifname=eth1") == 0);
	strcpy(port.ifname, "nosuch1");
	CHECK(ipvl_link_dump(h, &port, collect_link, &n) == -ENODEV);
	CHECK(ipvl_errmsg(h) &&
	      strcmp(ipvl_errmsg(h), "no ipvl port on that device") == 0);

	CHECK(ipvl_link_new(h, &cfg, &l) == 0 && l.id == 1);
	CHECK(strcmp(fakegenl_last_request(),
		     "link-new ifname=v0 port-ifindex=2 mtu=1400 exist-ok") == 0);
	cfg.has_netns_fd = true;
	cfg.netns_fd = 0;
	cfg.mtu = 0;
	cfg.exist_ok = false;
	CHECK(ipvl_link_new(h, &cfg, NULL) == 0);
	CHECK(strcmp(fakegenl_last_request(),
		     "link-new ifname=v0 port-ifindex=2 netns-fd=open") == 0);
	CHECK(ipvl_link_del(h, &ref) == 0);
	CHECK(strcmp(fakegenl_last_request(), "link-del ifname=ipvl1") == 0);
	ipvl_close(h);
}

static int count_addr(const struct ipvl_addr *a, void *data)
{
	(*(unsigned int *)data)++;
	return a->addr.family == AF_INET || a->addr.family == AF_INET6 ?
		0 : -EPROTO;
}

static void test_addrs(void)
{
	struct ipvl_handle *h = open_fake("0", "0");
	struct ipvl_link_ref link = { .ifname = "ipvl1" };
	struct ipvl_ipaddr ips[3000];
	struct ipvl_addr b;
	unsigned int n = 0, i, before;

	CHECK(ipvl_addr_dump(h, &link, NULL, count_addr, &n) == 0 && n == 2);
	CHECK(ipvl_ipaddr_parse("fd00::7", &ips[0]) == 0);
	CHECK(ipvl_addr_bind(h, &link, &ips[0], &b) == 0);
	CHECK(b.addr.family == AF_INET6 && b.link_id == 1 &&
	      strcmp(b.port_ifname, "eth0") == 0 && b.has_stats &&
	      b.stats.tx_bytes == 2200);
	CHECK(strcmp(fakegenl_last_request(),
		     "addr-new link-ifname=ipvl1 ipv6=fd00::7") == 0);
	CHECK(ipvl_ipaddr_parse("10.9.9.9", &ips[1]) == 0);
	CHECK(ipvl_addr_bind(h, &link, &ips[1], NULL) == -EADDRINUSE);
	CHECK(ipvl_addr_unbind(h, &link, &ips[1]) == -EADDRINUSE);
	CHECK(strcmp(fakegenl_last_request(),
		     "addr-del link-ifname=ipvl1 ipv4=10.9.9.9") == 0);
	ips[2].family = AF_UNIX;
	CHECK(ipvl_addr_bind(h, &link, &ips[2], NULL) == -EAFNOSUPPORT);

	CHECK(ipvl_addr_replace(h, &link, ips, 2) == 0);
	CHECK(strcmp(fakegenl_last_request(),
		     "addr-replace link-ifname=ipvl1 list={ ipv6=fd00::7 } "
		     "list={ ipv4=10.9.9.9 }") == 0);
	CHECK(ipvl_addr_replace(h, &link, NULL, 0) == 0);
	CHECK(strcmp(fakegenl_last_request(),
		     "addr-replace link-ifname=ipvl1") == 0);
	for (i = 0; i < 3000; i++) {
		ips[i].family = AF_INET6;
		memset(&ips[i].v6, 0xfd, sizeof(ips[i].v6));
	}
	before = fakegenl_request_count();
	CHECK(ipvl_addr_replace(h, &link, ips, 3000) == -EMSGSIZE);
	CHECK(fakegenl_request_count() == before);
	CHECK(ipvl_addr_replace(h, &link, ips, 2000) == 0);
	ipvl_close(h);
}

struct batch_count {
	unsigned int replies;
};

static int batch_reply(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	((struct batch_count *)data)->replies++;
	return 0;
}

/* Several messages in one send: the base of batch mode. */
static void test_pipeline(void)
{
	struct ipvl_handle *h = open_fake("0", "0");
	struct batch_count bc = { 0 };
	struct ipvl_info info;
	struct ipvl_req r;
	unsigned int before = fakegenl_request_count();

	ipvl_req_init(&r, h);
	CHECK(ipvl_req_op(&r, IPVL_CMD_PORT_GET, 0) == 0);
	ipvl_put_str(&r, IPVL_A_PORT_IFNAME, "eth0");
	CHECK(ipvl_req_op(&r, IPVL_CMD_PORT_GET, 0) == 0);
	ipvl_put_str(&r, IPVL_A_PORT_IFNAME, "nosuch0");
	CHECK(ipvl_req_op(&r, IPVL_CMD_GET_INFO, 0) == 0);
	CHECK(ipvl_req_op(&r, IPVL_CMD_PORT_GET, NLM_F_DUMP) == 0);
	CHECK(ipvl_req_run(&r, batch_reply, &bc) == -ENODEV);
	CHECK(fakegenl_request_count() - before == 4);
	CHECK(bc.replies == 1 + 1 + 2);
	/* and the next request is answered, in step */
	CHECK(ipvl_get_info(h, &info) == 0 && info.family_version == 1);
	CHECK(strncmp(info.module_version, "0.1.0-fake", 10) == 0);
	CHECK(info.features == (0x7ffu | 0x8000u));

	/* sequence numbers never wrap through 0 inside a request */
	h->seq = UINT32_MAX - 1;
	ipvl_req_init(&r, h);
	ipvl_req_op(&r, IPVL_CMD_GET_INFO, 0);
	ipvl_req_op(&r, IPVL_CMD_GET_INFO, 0);
	ipvl_req_op(&r, IPVL_CMD_GET_INFO, 0);
	bc.replies = 0;
	CHECK(ipvl_req_run(&r, batch_reply, &bc) == 0 && bc.replies == 3);
	CHECK(r.seq_first == 1 && h->seq == 3);

	/* no NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, by construction */
	ipvl_req_init(&r, h);
	CHECK(ipvl_req_op(&r, IPVL_CMD_PORT_NEW, NLM_F_CREATE) == -EINVAL);
	CHECK(ipvl_req_run(&r, NULL, NULL) == -EINVAL);
	ipvl_close(h);
}

struct results {
	unsigned int n, errors, cancelled, bindings;
	int err[400];
	char msg[400][64];
	uint32_t link_id[400];
	size_t index_seen[400];
};

static void batch_cb(const struct ipvl_batch_result *res, void *data)
{
	struct results *r = data;

	if (r->n < 400) {
		r->index_seen[r->n] = res->index;
		r->err[r->n] = res->err;
		snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s",
			 res->errmsg ? res->errmsg : "");
		r->link_id[r->n] = res->binding ? res->binding->link_id : 0;
	}
	r->n++;
	if (res->err == -ECANCELED)
		r->cancelled++;
	else if (res->err)
		r->errors++;
	if (res->binding)
		r->bindings++;
}

static void test_batch(void)
{
	struct ipvl_handle *h = open_fake("0", "0");
	struct ipvl_link_ref link = { .ifname = "ipvl1" };
	struct ipvl_link_ref bad = { .ifname = "" };
	struct ipvl_ipaddr a, b, c, d, x = { .family = AF_UNIX };
	static struct results r;
	struct ipvl_batch *bt;
	unsigned int before, i;

	CHECK(ipvl_batch_new(NULL, &bt) == -EINVAL && bt == NULL);
	CHECK(ipvl_batch_new(h, &bt) == 0 && bt);
	/* an unprivileged socket: 212992, doubled, over 4 KiB an answer */
	CHECK(ipvl_batch_window(bt) == 104);
	CHECK(ipvl_ipaddr_parse("10.0.0.7", &a) == 0);
	CHECK(ipvl_ipaddr_parse("10.0.0.5", &b) == 0);
	CHECK(ipvl_ipaddr_parse("10.9.9.9", &c) == 0);
	CHECK(ipvl_ipaddr_parse("fd00::7", &d) == 0);

	CHECK(ipvl_batch_addr_bind(bt, &bad, &a) == -EINVAL);
	CHECK(ipvl_batch_addr_bind(bt, &link, &x) == -EAFNOSUPPORT);
	CHECK(ipvl_batch_addr_bind(bt, NULL, &a) == -EINVAL);
	CHECK(ipvl_batch_count(bt) == 0);

	CHECK(ipvl_batch_addr_bind(bt, &link, &a) == 0);
	CHECK(ipvl_batch_addr_get(bt, &link, &b) == 0);
	CHECK(ipvl_batch_addr_get(bt, &link, &a) == 0);
	CHECK(ipvl_batch_addr_bind(bt, &link, &c) == 0);
	CHECK(ipvl_batch_addr_unbind(bt, &link, &d) == 0);
	CHECK(ipvl_batch_count(bt) == 5);
	before = fakegenl_request_count();
	memset(&r, 0, sizeof(r));
	CHECK(ipvl_batch_run(bt, 0, batch_cb, &r) == 0);
	CHECK(fakegenl_request_count() - before == 5);
	CHECK(ipvl_batch_count(bt) == 0);
	CHECK(r.n == 5 && r.errors == 2 && r.cancelled == 0);
	for (i = 0; i < 5; i++)
		CHECK(r.index_seen[i] == i);
	CHECK(r.err[0] == 0 && r.link_id[0] == 1 && r.msg[0][0] == '\0');
	CHECK(r.err[1] == 0 && r.link_id[1] == 1);
	CHECK(r.err[2] == -ENOENT &&
	      strcmp(r.msg[2], "address is not bound on this port") == 0);
	CHECK(r.err[3] == -EADDRINUSE && strstr(r.msg[3], "ipvl2"));
	CHECK(r.err[4] == 0 && r.msg[4][0] == '\0' && r.link_id[4] == 0);
	CHECK(strcmp(fakegenl_last_request(),
		     "addr-del link-ifname=ipvl1 ipv6=fd00::7") == 0);

	/* a failure stops what comes after its window */
	for (i = 0; i < 300; i++)
		CHECK(ipvl_batch_addr_bind(bt, &link, i == 150 ? &c : &a) == 0);
	before = fakegenl_request_count();
	memset(&r, 0, sizeof(r));
	CHECK(ipvl_batch_run(bt, IPVL_BATCH_STOP, batch_cb, &r) == 0);
	CHECK(fakegenl_request_count() - before == 208);
	CHECK(r.n == 300 && r.errors == 1 && r.cancelled == 92);
	CHECK(r.err[150] == -EADDRINUSE && r.err[151] == 0 &&
	      r.err[207] == 0 && r.err[208] == -ECANCELED);
	CHECK(r.index_seen[299] == 299 && r.bindings == 207);

	/* without the flag, everything is sent */
	for (i = 0; i < 300; i++)
		CHECK(ipvl_batch_addr_bind(bt, &link, i == 150 ? &c : &a) == 0);
	before = fakegenl_request_count();
	memset(&r, 0, sizeof(r));
	CHECK(ipvl_batch_run(bt, 0, batch_cb, &r) == 0);
	CHECK(fakegenl_request_count() - before == 300);
	CHECK(r.n == 300 && r.errors == 1 && r.cancelled == 0);
	/* a get that finds nothing does not stop */
	for (i = 0; i < 300; i++)
		CHECK((i % 2 ? ipvl_batch_addr_bind(bt, &link, &a) :
		       ipvl_batch_addr_get(bt, &link, &d)) == 0);
	before = fakegenl_request_count();
	memset(&r, 0, sizeof(r));
	CHECK(ipvl_batch_run(bt, IPVL_BATCH_STOP, batch_cb, &r) == 0);
	CHECK(fakegenl_request_count() - before == 300);
	CHECK(r.n == 300 && r.errors == 150 && r.cancelled == 0);
	CHECK(r.err[0] == -ENOENT && r.err[1] == 0 && r.bindings == 150);
	CHECK(ipvl_batch_run(bt, 2, batch_cb, &r) == -EINVAL);
	CHECK(ipvl_batch_run(bt, 0, batch_cb, &r) == 0);	/* empty */

	/* the handle is still in step for plain requests */
	CHECK(ipvl_addr_bind(h, &link, &d, NULL) == 0);
	ipvl_batch_free(bt);
	ipvl_batch_free(NULL);
	ipvl_close(h);
}

static void test_monitor(void)
{
	static const char *const all[] = {
		"port-new", "link-new", "addr-new", "port-change",
		"link-change", "addr-del", "link-del", "port-del",
	};
	struct ipvl_monitor *m = (struct ipvl_monitor *)1;
	struct ipvl_event ev;
	unsigned int i;
	char text[IPVL_IPADDR_STRLEN];

	CHECK(strcmp(ipvl_event_name(IPVL_CMD_LINK_CHANGE_NTF),
		     "link-change") == 0);
	CHECK(ipvl_event_name(IPVL_CMD_PORT_GET) == NULL);
	CHECK(ipvl_event_name(200) == NULL);
	CHECK(ipvl_monitor_open(&m, 1u << 5, 0) == -EINVAL && m == NULL);
	CHECK(ipvl_monitor_open(&m, 0, 1u << 3) == -EINVAL && m == NULL);
	CHECK(ipvl_monitor_fd(NULL) == -1);
	ipvl_monitor_close(NULL);

	set_env("1", "0", "0");
	CHECK(ipvl_monitor_open(&m, 0, 0) == -ENOENT && m == NULL);

	set_env("0", "0", "0");
	CHECK(ipvl_monitor_open(&m, 0, IPVL_MONITOR_NONBLOCK) == 0 && m);
	CHECK(ipvl_monitor_fd(m) >= 0);
	for (i = 0; i < 8; i++) {
		CHECK(ipvl_monitor_next(m, &ev) == 0);
		CHECK(strcmp(ipvl_event_name(ev.cmd), all[i]) == 0);
	}
	CHECK(ipvl_monitor_next(m, &ev) == -EAGAIN);
	CHECK(ipvl_monitor_next(m, &ev) == -EAGAIN);
	ipvl_monitor_close(m);

	CHECK(ipvl_monitor_open(&m, IPVL_EVENT_PORT | IPVL_EVENT_ADDR,
				IPVL_MONITOR_NONBLOCK) == 0);
	CHECK(ipvl_monitor_next(m, &ev) == 0 && ev.object == IPVL_EVENT_PORT &&
	      ev.cmd == IPVL_CMD_PORT_NEW_NTF);
	CHECK(strcmp(ev.port.ifname, "eth1") == 0 && !ev.port.spoof_check &&
	      ev.port.flags == IPVL_PORT_FLAGS_PRIVATE && ev.port.has_stats);
	CHECK(ipvl_monitor_next(m, &ev) == 0 && ev.object == IPVL_EVENT_ADDR &&
	      ev.cmd == IPVL_CMD_ADDR_NEW_NTF);
	CHECK(strcmp(ipvl_ipaddr_format(&ev.addr.addr, text, sizeof(text)),
		     "10.0.0.6") == 0 && ev.addr.link_id == 2);
	CHECK(ipvl_monitor_next(m, &ev) == 0 &&
	      ev.cmd == IPVL_CMD_PORT_CHANGE_NTF &&
	      strcmp(ev.port.ifname, "eth0") == 0);
	CHECK(ipvl_monitor_next(m, &ev) == 0 && ev.cmd == IPVL_CMD_ADDR_DEL_NTF);
	CHECK(ipvl_monitor_next(m, &ev) == 0 && ev.cmd == IPVL_CMD_PORT_DEL_NTF);
	CHECK(ipvl_monitor_next(m, &ev) == -EAGAIN);
	ipvl_monitor_close(m);

	CHECK(ipvl_monitor_open(&m, IPVL_EVENT_LINK, IPVL_MONITOR_NONBLOCK) == 0);
	CHECK(ipvl_monitor_next(m, &ev) == 0 && ev.object == IPVL_EVENT_LINK &&
	      ev.link.has_netnsid && strcmp(ev.link.ifname, "ipvl2") == 0);
	CHECK(ipvl_monitor_next(m, &ev) == 0 &&
	      ev.cmd == IPVL_CMD_LINK_CHANGE_NTF && !ev.link.has_netnsid);
	CHECK(ipvl_monitor_next(m, &ev) == 0 && ev.cmd == IPVL_CMD_LINK_DEL_NTF);
	CHECK(ipvl_monitor_next(m, &ev) == -EAGAIN);
	ipvl_monitor_close(m);

	/* events lost: reported once, then the next ones come */
	setenv("FAKEGENL_OVERRUN", "1", 1);
	CHECK(ipvl_monitor_open(&m, 0, IPVL_MONITOR_NONBLOCK) == 0);
	for (i = 0; i < 5; i++)
		CHECK(ipvl_monitor_next(m, &ev) == 0);
	CHECK(ipvl_monitor_next(m, &ev) == -ENOBUFS);
	CHECK(ipvl_monitor_next(m, &ev) == 0 && ev.cmd == IPVL_CMD_PORT_DEL_NTF);
	CHECK(ipvl_monitor_next(m, &ev) == -EAGAIN);
	ipvl_monitor_close(m);
	unsetenv("FAKEGENL_OVERRUN");
}

int main(void)
{
	test_names();
	test_open();
	test_ports();
	test_errors();
	test_dump_intr();
	test_links();
	test_addrs();
	test_pipeline();
	test_batch();
	test_monitor();
	printf("unit: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
