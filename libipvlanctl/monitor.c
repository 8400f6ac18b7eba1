/*
 * Notifications. The family multicasts every change to its "monitor"
 * group, whose id is resolved with the family in ipvl_open(). Reading and
 * parsing the events comes with the monitor command; for now a handle can
 * join the group. A handle that joined should be used for nothing else:
 * notifications would be mixed with the answers to requests.
 */
#include <errno.h>
#include <linux/netlink.h>

#include "internal.h"

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
