/*
 * fakegenl: a stand-in for the kernel side of the "ipvl" family, for tests
 * on a host that cannot load the module. It replaces socket(), bind(),
 * getsockname(), setsockopt(), sendto(), recvmsg() and close() for
 * NETLINK_GENERIC sockets when FAKEGENL=1 is in the environment, either
 * as an LD_PRELOAD shim (fakegenl.so) or linked into a test program.
 *
 * It checks every request as the kernel's strict per-op policies would
 * (flags, attribute types and lengths, which attributes each operation
 * takes, NLA_F_NESTED), answers from a fixed data set, and logs each
 * request decoded on one line (FAKEGENL_LOG=FILE, appended).
 *
 * Knobs (environment, read when the socket is created):
 *   FAKEGENL_NOFAMILY=1   the family does not exist (ENOENT)
 *   FAKEGENL_INTR=N       the first N port dumps are flagged interrupted
 *   FAKEGENL_NOCAP=1      ignore NETLINK_CAP_ACK: errors echo the request
 *   FAKEGENL_OVERRUN=1    a monitor's read fails once with ENOBUFS, events
 *                         are lost
 *   FAKEGENL_EVENTS_TERM=1  raise SIGTERM when a monitor has read every
 *                         event (for a program that waits for more)
 *
 * Joining the monitor group queues a fixed sequence of notifications:
 * port-new eth1, link-new ipvl2, addr-new 10.0.0.6, port-change eth0,
 * link-change ipvl1, addr-del 10.0.0.6 and link-del ipvl2 (in one
 * datagram), port-del eth1; and two messages a reader must skip. With
 * FAKEGENL_OVERRUN, the addr-del and link-del are lost. SO_RCVBUF is
 * capped at 212992 and SO_RCVBUFFORCE refused, as for an unprivileged
 * caller. addr-get answers for the bindings of the data set only.
 *
 * Names that trigger answers: busy0 (EBUSY with a message), eperm0 (EPERM
 * without one), warn0 (success with a warning), miss0 (EINVAL naming a
 * missing attribute), nosuch* (no such device or link), 10.9.9.9 (in use),
 * fresh* (a link with id 90 on eth0 without bindings, to get and bind to),
 * have* (a port exists there: port-new fails with EEXIST, port-get answers
 * mode l3, bridge, spoof check).
 */
#ifndef FAKEGENL_H
#define FAKEGENL_H

#define FAKEGENL_FAMILY_ID	0x1d
#define FAKEGENL_MONITOR_ID	9
#define FAKEGENL_PORTID		4242

const char *fakegenl_last_request(void);
unsigned int fakegenl_request_count(void);

#endif
