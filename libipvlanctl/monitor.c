/*
 * Notifications. The family multicasts every change to its "monitor"
 * group, whose id is resolved with the family in ipvl_open().
 *
 * A monitor is a handle of its own: its socket joins the group and is
 * used for nothing else, so that events and the answers to requests are
 * never mixed. Events are read one datagram at a time into the handle's
 * receive buffer and handed out one message at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

#include "internal.h"

/* Room for a burst of events while the reader is busy. */
#define MONITOR_RCVBUF		(4 * 1024 * 1024)

#define IPVL_EVENT_ALL	(IPVL_EVENT_PORT | IPVL_EVENT_LINK | IPVL_EVENT_ADDR)

struct ipvl_monitor {
	struct ipvl_handle *h;
	unsigned int objects;		/* IPVL_EVENT_* wanted */
	size_t len;			/* bytes of the datagram in rxbuf */
	size_t off;			/* its next message */
};

IPVL_EXPORT int ipvl_monitor_join(struct ipvl_handle *h)
{
	unsigned int group = h->monitor_group;

	if (!group)
		return -ENOENT;
	if (mnl_socket_setsockopt(h->nl, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	return 0;
}

static const struct {
	const char *name;
	unsigned int object;
	int (*parse)(const struct nlmsghdr *nlh, void *obj);
} events[IPVL_CMD_MAX + 1] = {
	[IPVL_CMD_PORT_NEW_NTF]	= { "port-new", IPVL_EVENT_PORT, ipvl_port_parse },
	[IPVL_CMD_PORT_CHANGE_NTF] = { "port-change", IPVL_EVENT_PORT,
				       ipvl_port_parse },
	[IPVL_CMD_PORT_DEL_NTF]	= { "port-del", IPVL_EVENT_PORT, ipvl_port_parse },
	[IPVL_CMD_LINK_NEW_NTF]	= { "link-new", IPVL_EVENT_LINK, ipvl_link_parse },
	[IPVL_CMD_LINK_CHANGE_NTF] = { "link-change", IPVL_EVENT_LINK,
				       ipvl_link_parse },
	[IPVL_CMD_LINK_DEL_NTF]	= { "link-del", IPVL_EVENT_LINK, ipvl_link_parse },
	[IPVL_CMD_ADDR_NEW_NTF]	= { "addr-new", IPVL_EVENT_ADDR, ipvl_addr_parse },
	[IPVL_CMD_ADDR_DEL_NTF]	= { "addr-del", IPVL_EVENT_ADDR, ipvl_addr_parse },
};

IPVL_EXPORT const char *ipvl_event_name(uint8_t cmd)
{
	return cmd <= IPVL_CMD_MAX ? events[cmd].name : NULL;
}

IPVL_EXPORT int ipvl_monitor_open(struct ipvl_monitor **mp,
				  unsigned int objects, unsigned int flags)
{
	struct ipvl_monitor *m;
	int err, fd, fl;

	*mp = NULL;
	if ((objects & ~(unsigned int)IPVL_EVENT_ALL) ||
	    (flags & ~(unsigned int)IPVL_MONITOR_NONBLOCK))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->objects = objects ? objects : IPVL_EVENT_ALL;

	err = ipvl_open(&m->h);
	if (!err)
		err = ipvl_monitor_join(m->h);
	if (err)
		goto fail;
	ipvl_raise_rcvbuf(m->h, MONITOR_RCVBUF);
	if (flags & IPVL_MONITOR_NONBLOCK) {
		fd = mnl_socket_get_fd(m->h->nl);
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			err = -errno;
			goto fail;
		}
	}
	*mp = m;
	return 0;

fail:
	ipvl_monitor_close(m);
	return err;
}

IPVL_EXPORT void ipvl_monitor_close(struct ipvl_monitor *m)
{
	if (!m)
		return;
	ipvl_close(m->h);
	free(m);
}

IPVL_EXPORT int ipvl_monitor_fd(const struct ipvl_monitor *m)
{
	return m ? mnl_socket_get_fd(m->h->nl) : -1;
}

/*
 * The next message of the datagram in the buffer that is an event we
 * want: 1 with ev filled, 0 at the end of the datagram, <0 for an event
 * that cannot be parsed (it is skipped).
 */
static int monitor_take(struct ipvl_monitor *m, struct ipvl_event *ev)
{
	const struct genlmsghdr *genl;
	const struct nlmsghdr *nlh;
	int rem, err;

	while (m->off < m->len) {
		nlh = (const struct nlmsghdr *)(m->h->rxbuf + m->off);
		rem = (int)(m->len - m->off);
		if (!mnl_nlmsg_ok(nlh, rem)) {
			m->off = m->len;
			return -EPROTO;
		}
		m->off += NLMSG_ALIGN(nlh->nlmsg_len);
		if (nlh->nlmsg_type != m->h->family ||
		    mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
			continue;
		genl = mnl_nlmsg_get_payload(nlh);
		if (genl->cmd > IPVL_CMD_MAX || !events[genl->cmd].name ||
		    !(events[genl->cmd].object & m->objects))
			continue;	/* not an event, or not wanted */
		memset(ev, 0, sizeof(*ev));
		ev->cmd = genl->cmd;
		ev->object = events[genl->cmd].object;
		err = events[genl->cmd].parse(nlh, &ev->port);
		return err ? err : 1;
	}
	return 0;
}

IPVL_EXPORT int ipvl_monitor_next(struct ipvl_monitor *m,
				  struct ipvl_event *ev)
{
	ssize_t n;
	int ret;

	if (!m || !ev)
		return -EINVAL;
	for (;;) {
		ret = monitor_take(m, ev);
		if (ret)
			return ret > 0 ? 0 : ret;
		n = mnl_socket_recvfrom(m->h->nl, m->h->rxbuf, IPVL_RXBUF_SIZE);
		if (n < 0) {
			m->len = m->off = 0;
			/* ESRCH: not from the kernel, ignored */
			if (errno == ESRCH)
				continue;
			return -errno;
		}
		m->len = (size_t)n;
		m->off = 0;
	}
}
