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
 *
 * Names that trigger answers: busy0 (EBUSY with a message), eperm0 (EPERM
 * without one), warn0 (success with a warning), miss0 (EINVAL naming a
 * missing attribute), nosuch* (no such device or link), 10.9.9.9 (in use).
 */
#ifndef FAKEGENL_H
#define FAKEGENL_H

#define FAKEGENL_FAMILY_ID	0x1d
#define FAKEGENL_MONITOR_ID	9
#define FAKEGENL_PORTID		4242

const char *fakegenl_last_request(void);
unsigned int fakegenl_request_count(void);

#endif
