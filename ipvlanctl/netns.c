/*
 * Named network namespaces and devices, for save and restore.
 *
 * A link in another namespace is reported with the id of that namespace
 * as seen from ours (its netnsid). ip-netns(8) names namespaces by bind
 * mounts in /run/netns; the kernel says which id one of them has when
 * asked with a file descriptor of it (RTM_GETNSID with NETNSA_FD), over
 * rtnetlink in our namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "cli.h"

#define NETNS_RUN_DIR	"/run/netns"

struct netns_name {
	int32_t nsid;			/* -1: none assigned */
	char *name;
};

struct cli_netns_map {
	struct netns_name *v;
	size_t n;
};

static int nsid_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NETNSA_NSID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*(int32_t *)data = (int32_t)mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int nsid_reply(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWNSID)
		mnl_attr_parse(nlh, sizeof(struct rtgenmsg), nsid_attr, data);
	return MNL_CB_OK;
}

/* The id of the namespace of fd as seen from ours, -1 if it has none. */
static int nsid_of_fd(struct mnl_socket *nl, int fd, uint32_t seq,
		      int32_t *nsid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)fd);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	*nsid = -1;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, nsid_reply, nsid);
	} while (ret > 0);	/* until the ACK */
	return ret < 0 ? -errno : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct netns_name *)a)->name,
		      ((const struct netns_name *)b)->name);
}

/*
 * The names of /run/netns with their ids, sorted by name (so that of two
 * names of one namespace, the first is used). No directory: no names.
 */
int cli_netns_map_load(struct cli *c, struct cli_netns_map **mp)
{
	struct cli_netns_map *m;
	struct mnl_socket *nl;
	struct dirent *de;
	size_t cap = 0, i;
	uint32_t seq = (uint32_t)time(NULL);
	DIR *dir;
	int fd, err;

	*mp = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return cli_error(c, "out of memory");
	dir = opendir(NETNS_RUN_DIR);
	if (!dir) {
		*mp = m;
		return EXIT_OK;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (m->n == cap) {
			struct netns_name *v;

			cap = cap ? 2 * cap : 16;
			v = reallocarray(m->v, cap, sizeof(*v));
			if (!v)
				break;
			m->v = v;
		}
		m->v[m->n].nsid = -1;
		m->v[m->n].name = strdup(de->d_name);
		if (!m->v[m->n].name)
			break;
		m->n++;
	}
	closedir(dir);
	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), name_cmp);

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		if (nl)
			mnl_socket_close(nl);
		cli_netns_map_free(m);
		return cli_refused(c, "cannot open rtnetlink: %s",
				   strerror(-err));
	}
	for (i = 0; i < m->n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR,
			 m->v[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* a stale name */
		if (nsid_of_fd(nl, fd, seq++, &m->v[i].nsid) < 0)
			m->v[i].nsid = -1;
		close(fd);
	}
	mnl_socket_close(nl);
	*mp = m;
	return EXIT_OK;
}

void cli_netns_map_free(struct cli_netns_map *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
	free(m);
}

const char *cli_netns_map_name(const struct cli_netns_map *m, int32_t nsid)
{
	size_t i;

	for (i = 0; m && nsid >= 0 && i < m->n; i++)
		if (m->v[i].nsid == nsid)
			return m->v[i].name;
	return NULL;
}

/* The id of a named namespace; false if the name is unknown. */
bool cli_netns_map_nsid(const struct cli_netns_map *m, const char *name,
			int32_t *nsid)
{
	size_t i;

	for (i = 0; m && i < m->n; i++) {
		if (strcmp(m->v[i].name, name) == 0) {
			*nsid = m->v[i].nsid;
			return true;
		}
	}
	return false;
}

/* The MTU of a device of our namespace. */
int cli_dev_mtu(const char *ifname, uint32_t *mtu)
{
	struct ifreq ifr;
	int fd, err = 0;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		err = -errno;
	else
		*mtu = (uint32_t)ifr.ifr_mtu;
	close(fd);
	return err;
}
