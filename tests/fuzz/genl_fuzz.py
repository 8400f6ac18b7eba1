#!/usr/bin/python3
"""Fuzz the ipvl generic netlink family, driven by its own policy.

    tests/fuzz/genl_fuzz.py [--seed S] [--duration SEC] [--procs N] [--rmmod]

Runs as root where ipvl.ko can be loaded (inside the QEMU guest, see
tests/vm/README.md). The policy of every op (attribute types, ranges,
lengths, masks, nested policies) is read from the kernel with
CTRL_CMD_GETPOLICY; worker processes send random and mutated requests to
every command (wrong lengths and types, missing, extra and unknown
attributes, bad NLA_F_NESTED, truncated headers, odd nlmsg flags, dumps,
batches of several messages in one sendmsg) while a churn process creates
and destroys masters, ports, links, bindings and namespaces underneath and
a monitor socket drains the notifications.

Invariants checked for every request:
  - a request gets exactly one ack or error (an NLMSG_ERROR, last), at most
    one reply before it, and nothing after it; a request without NLM_F_ACK
    gets no ack; a dump ends with exactly one NLMSG_DONE (or fails to start
    with one NLMSG_ERROR) and every message of it carries NLM_F_MULTI;
  - what the netlink core drops (broken nlmsg header, no NLM_F_REQUEST
    without NLM_F_ACK, control types) gets no answer; a batch is answered
    in order, every answer before the next request's;
  - a request that strict validation must refuse (per the policy the kernel
    reported: unknown or unlisted attribute, wrong length or type, value out
    of range, bad NLA_F_NESTED, trailing bytes, reserved header bits) is
    refused; nothing is ever left unanswered (timeout).
Afterwards the family still answers, and with --rmmod the module unloads.
The kernel's own splat detection (dmesg) is the caller's job.

Reproducible: the seed (printed) fixes every worker's message sequence
(the interleaving with the churn is up to the scheduler). The last line is
    genl_fuzz: seed S: N messages ... violations V
and the exit status is 1 when there was any violation.
"""
import argparse
import errno
import multiprocessing as mp
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / "tests" / "kernel"))

import ipvlnl as nl  # noqa: E402
import rawgenl as rg  # noqa: E402

C = nl.C
# The objects the churn creates; the workers name them, so that requests
# hit real ports, links and bindings as often as missing ones.
MASTERS = ["fzm0", "fzm1", "fzm2"]
PEERS = {"fzm1": "fzp1"}                    # fzm1 is a veth, the rest dummy
LINKS = ["fzl0", "fzl1", "fzl2", "fzl3", "fzl4", "fzl5"]
NETNS = ["fzn0", "fzn1", "fzn2"]
NAMES = MASTERS + list(PEERS.values()) + LINKS + ["lo", "fzx", "ipvl0",
                                                  "fzl%d", "fz l", "..",
                                                  "a/b", "0123456789abcde"]
GOOD4 = ["10.99.0.%d" % i for i in range(1, 7)]
GOOD6 = ["fd99::%x" % i for i in range(1, 5)]
HOST4 = "10.98.0.1"                         # configured on lo: the host's
BAD4 = ["127.0.0.1", "224.0.0.1", "0.0.0.0", "255.255.255.255", HOST4]
BAD6 = ["fe80::1", "ff02::1", "::1", "::", "::ffff:10.0.0.1"]
MAX_TIMEOUT = 120.0


def log(msg):
    sys.stdout.write("genl_fuzz: %s\n" % msg)
    sys.stdout.flush()


def sh(cmd):
    return subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode


# ---- message generation ----------------------------------------------------

INT_FMT = {"U8": "=B", "U16": "=H", "U32": "=I", "U64": "=Q",
           "S8": "=b", "S16": "=h", "S32": "=i", "S64": "=q"}
INT_BITS = {"U8": 8, "U16": 16, "U32": 32, "U64": 64,
            "S8": 8, "S16": 16, "S32": 32, "S64": 64}
FIXED_LEN = {"FLAG": 0, "U8": 1, "U16": 2, "U32": 4, "U64": 8, "S8": 1,
             "S16": 2, "S32": 4, "S64": 8}


class World:
    """What a worker knows of the kernel's objects: names, ifindexes, link
    ids (learnt from replies), open netns file descriptors."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.ids = set(range(1, 9))
        self.ifindexes = {1}
        self.fds = []
        self.refreshed = 0

    def refresh(self):
        if time.monotonic() - self.refreshed < 2:
            return
        self.refreshed = time.monotonic()
        try:
            for d in os.listdir("/sys/class/net"):
                try:
                    self.ifindexes.add(int(Path(
                        "/sys/class/net/%s/ifindex" % d).read_text()))
                except (OSError, ValueError):
                    pass
        except OSError:
            pass
        for fd in self.fds:
            os.close(fd)
        self.fds = []
        for ns in NETNS:
            try:
                self.fds.append(os.open("/run/netns/" + ns, os.O_RDONLY))
            except OSError:
                pass
        if len(self.ids) > 64:
            self.ids = set(self.rnd.sample(sorted(self.ids), 32))

    def learn(self, msg):
        a = msg.attrs
        for t in (C["IPVL_A_LINK_ID"],):
            v = nl.get_u32(a, t)
            if v:
                self.ids.add(v)


def interesting_ints(d, bits, signed):
    lo = d.get("min", -(1 << (bits - 1)) if signed else 0)
    hi = d.get("max", (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1)
    vals = {lo, hi, lo - 1, hi + 1, 0, 1, 2, 3, 7, 255, 0xffff,
            (1 << bits) - 1, 1 << (bits - 1)}
    mask = d.get("mask")
    if mask is not None:
        vals |= {mask, mask + 1, mask << 1, ~mask & ((1 << bits) - 1)}
    return lo, hi, sorted(vals)


def attr_names():
    """{(attribute set, id): UAPI name} of the generated header, e.g.
    ("PORT", 2): "IFNAME"; sets as in the IPVL_CMD_ names."""
    out = {}
    for k, v in C.items():
        for aset in ("PORT", "LINK", "ADDR", "INFO"):
            pre = "IPVL_A_%s_" % aset
            if k.startswith(pre) and not k.endswith("MAX") and \
                    not k.startswith(pre + "STATS"):
                out[(aset, v)] = k[len(pre):]
    return out


ATTR_NAMES = attr_names()
CMD_SET = {v: ("INFO" if k == "IPVL_CMD_GET_INFO" else k.split("_")[2])
           for k, v in C.items() if k.startswith("IPVL_CMD_")}


class Gen:
    """Requests for the family, from its policies; values often come from
    what the attribute means (its UAPI name): the names of the churn's
    masters and links, link ids seen in replies, netns fds, addresses."""

    def __init__(self, rnd, world, fam, op_policy, policies):
        self.rnd = rnd
        self.w = world
        self.fam = fam
        self.op_policy = op_policy
        self.policies = policies
        self.ops = sorted(fam["ops"])
        self.max_cmd = max(self.ops)
        self.aset = "INFO"

    def hint(self, atype, d, depth):
        """(payload, valid) of a meaningful value, or None."""
        name = ATTR_NAMES.get((self.aset, atype))
        rnd = self.rnd
        t = d.get("type")
        if name is None or depth > 1:
            return None
        if name.endswith("IFNAME"):
            if name.startswith("PORT") or self.aset == "PORT":
                pool = MASTERS + list(PEERS.values())
            else:
                pool = LINKS
            data = rnd.choice(pool).encode() + b"\0"
            return data, self.string_valid(d, t, data)
        if t != "U32" and name not in ("IPV6", "SPOOF_CHECK"):
            return None
        if name.endswith("IFINDEX"):
            v = rnd.choice(sorted(self.w.ifindexes))
        elif name.endswith("ID"):
            v = rnd.choice(sorted(self.w.ids))
        elif name == "NETNS_FD":
            v = rnd.choice(self.w.fds) if self.w.fds else 0
        elif name == "MODE":
            v = rnd.randint(0, 2)
        elif name == "FLAGS":
            v = rnd.choice([0, 0, 1, 2])
        elif name == "MTU":
            v = rnd.choice([68, 576, 1280, 1500, 1500, 9000])
        elif name == "IPV4":
            return self.pick_addr(False), True
        elif name == "IPV6":
            return self.pick_addr(True), True
        elif name == "SPOOF_CHECK":
            return bytes([rnd.randint(0, 1)]), True
        else:
            return None
        lo, hi = d.get("min", 0), d.get("max", 0xffffffff)
        return struct.pack("=I", v), lo <= v <= hi

    # values ------------------------------------------------------------

    def pick_addr(self, six):
        r = self.rnd.random()
        if six:
            pool = GOOD6 if r < 0.8 else BAD6
            return socket.inet_pton(socket.AF_INET6, self.rnd.choice(pool))
        pool = GOOD4 if r < 0.8 else BAD4
        return socket.inet_aton(self.rnd.choice(pool))

    def int_value(self, d, t):
        """(payload, valid) for an integer attribute."""
        bits, signed = INT_BITS[t], t.startswith("S")
        lo, hi, vals = interesting_ints(d, bits, signed)
        r = self.rnd.random()
        if r < 0.35 and t == "U32":
            pool = sorted(self.w.ids | self.w.ifindexes) + \
                [fd for fd in self.w.fds]
            v = self.rnd.choice(pool) if pool else 1
        elif r < 0.45 and t == "U32":
            v = struct.unpack("=I", self.pick_addr(False))[0]
        elif r < 0.75:
            v = self.rnd.randint(max(lo, 0 if not signed else lo),
                                 min(hi, lo + 8) if hi > lo else hi)
        else:
            v = self.rnd.choice(vals)
        full = (1 << bits) - 1
        raw = v & full
        if signed and raw >= 1 << (bits - 1):
            v = raw - (1 << bits)
        elif not signed:
            v = raw
        valid = lo <= v <= hi
        mask = d.get("mask")
        if mask is not None and (raw & ~mask):
            valid = False
        return struct.pack(INT_FMT[t], v if signed else raw), valid

    def string_value(self, d, t):
        maxlen = d.get("max_len", 0)
        r = self.rnd.random()
        if r < 0.6:
            s = self.rnd.choice(NAMES).encode()
        elif r < 0.8:
            n = self.rnd.randint(0, (maxlen or 16) + 3)
            s = bytes(self.rnd.choice(b"abcdefghijklmnopqrstuvwxyz0123456789%:./-_ ")
                      for _ in range(n))
        else:
            s = bytes(self.rnd.getrandbits(8) for _ in
                      range(self.rnd.randint(0, 20)))
        nul = self.rnd.random() < 0.85
        data = s + (b"\0" if nul else b"")
        if self.rnd.random() < 0.05:
            data += b"\0" * self.rnd.randint(1, 8)
        return data, self.string_valid(d, t, data)

    @staticmethod
    def string_valid(d, t, data):
        maxlen = d.get("max_len", 0)
        n = len(data)
        if t == "NUL_STRING":
            lim = min(n, maxlen + 1) if maxlen else n
            if lim == 0 or b"\0" not in data[:lim]:
                return False
        if n < 1:
            return False
        if maxlen:
            if data[-1:] == b"\0":
                n -= 1
            if n > maxlen:
                return False
        return True

    def binary_value(self, d):
        lo, hi = d.get("min_len", 0), d.get("max_len", 0)
        r = self.rnd.random()
        if lo == hi == 16 and r < 0.7:
            data = self.pick_addr(True)
        elif r < 0.85 and hi:
            data = bytes(self.rnd.getrandbits(8) for _ in
                         range(self.rnd.randint(lo, hi)))
        else:
            n = self.rnd.choice([0, 1, max(lo - 1, 0), hi + 1, hi + 4, 64])
            data = bytes(self.rnd.getrandbits(8) for _ in range(n))
        valid = len(data) >= lo and (not hi or len(data) <= hi)
        return data, valid

    # attributes --------------------------------------------------------

    def attr(self, atype, d, depth):
        """(bytes of one attribute, valid) per its policy entry d."""
        t = d.get("type", "INVALID")
        flags = 0
        h = self.hint(atype, d, depth) if self.rnd.random() < 0.7 else None
        if h is not None:
            data, valid = h
        elif t in INT_FMT:
            data, valid = self.int_value(d, t)
        elif t == "FLAG":
            data, valid = b"", True
        elif t in ("STRING", "NUL_STRING"):
            data, valid = self.string_value(d, t)
        elif t == "BINARY":
            data, valid = self.binary_value(d)
        elif t in ("NESTED", "NESTED_ARRAY"):
            flags = nl.NLA_F_NESTED
            sub = self.policies.get(d.get("policy"), {})
            if depth > 3 or not sub:
                data, valid = b"", True
            elif t == "NESTED":
                data, valid = self.attrs(sub, depth + 1)
            else:
                parts, valid = [], True
                for i in range(self.rnd.randint(0, 3)):
                    p, v = self.attrs(sub, depth + 1)
                    parts.append(nl.nla(i + 1, p, nl.NLA_F_NESTED))
                    valid &= v
                data = b"".join(parts)
        else:
            data, valid = b"\0\0\0\0", False
        # mutations of this one attribute
        r = self.rnd.random()
        if r < 0.02 and t in FIXED_LEN:
            cut = self.rnd.choice([0, 1, 2, 3, 5, 8, 12])
            if cut != FIXED_LEN[t]:
                data = (data + b"\xff" * 12)[:cut]
                valid = False
        elif r < 0.03:
            flags ^= nl.NLA_F_NESTED
            valid = False
        elif r < 0.04:
            flags |= nl.NLA_F_NET_BYTEORDER
        return nl.nla(atype, data, flags), valid

    def attrs(self, pol, depth=0, required=()):
        """A random attribute set for policy pol: (bytes, valid)."""
        out, valid = [], True
        keys = sorted(pol)
        p = self.rnd.choice([0.3, 0.5, 0.7])
        chosen = [k for k in keys if self.rnd.random() < p]
        chosen += [k for k in required if k in pol and k not in chosen]
        self.rnd.shuffle(chosen)
        for k in chosen:
            n = 1
            if self.rnd.random() < 0.06:
                n = 2                                     # duplicate
            if pol[k].get("type", "").startswith("NESTED") and \
                    self.rnd.random() < 0.5:
                n = self.rnd.choice([1, 2, 3, 5, 20, 200])  # multi-attr
            for _ in range(n):
                b, v = self.attr(k, pol[k], depth)
                out.append(b)
                valid &= v
        r = self.rnd.random() * (4 if depth else 1)
        maxtype = max(keys) if keys else 0
        if r < 0.03:                                      # unknown types
            t = self.rnd.choice([0, maxtype + 1, maxtype + 7, 0x3fff] +
                                [x for x in range(1, maxtype + 1)
                                 if x not in pol])
            out.insert(self.rnd.randint(0, len(out)),
                       nl.nla(t, b"\0\0\0\0"))
            valid = False
        elif r < 0.045:                                   # trailing bytes
            out.append(b"\x05\x00"[:self.rnd.randint(1, 2)] +
                       bytes(self.rnd.randint(0, 1)))
            valid = False
        elif r < 0.06 and out:                            # nla_len lies
            # only lies that no parse can accept: shorter than a header,
            # or past the end of this attribute stream (a length that
            # merely swallows the next attribute's header can still make
            # a well-formed request, e.g. a string eating a trailing flag)
            i = self.rnd.randrange(len(out))
            b = bytearray(out[i])
            rest = sum(len(x) for x in out[i:])
            n = self.rnd.choice([0, 1, 3, min(rest + 4, 0xffff), 0xffff])
            struct.pack_into("=H", b, 0, n)
            out[i] = bytes(b)
            valid = False
        return b"".join(out), valid

    # messages ----------------------------------------------------------

    def message(self, seq):
        """(bytes, expectation) of one request.

        expectation: dict(kind=do|dump|none|ack0, must_fail=bool)"""
        rnd = self.rnd
        r = rnd.random()
        if r < 0.03:
            cmd = rnd.choice([0, self.max_cmd + 1, 13, 20, 21, 99, 255])
        else:
            cmd = rnd.choice(self.ops)
        self.aset = CMD_SET.get(cmd, "INFO")
        pols = self.op_policy.get(cmd, {})
        has_dump = bool(self.fam["ops"].get(cmd, 0) & nl.GENL_CMD_CAP_DUMP)
        has_do = bool(self.fam["ops"].get(cmd, 0) & nl.GENL_CMD_CAP_DO)
        dump = rnd.random() < (0.35 if has_dump else 0.03)
        idx = pols.get("dump" if dump else "do")
        pol = self.policies.get(idx, {}) if idx is not None else {}
        payload, valid = self.attrs(pol)
        if idx is None and payload:
            valid = False         # no policy: the op takes no attributes
        if cmd not in self.fam["ops"] or (dump and not has_dump) or \
                (not dump and not has_do):
            valid = False
        flags = nl.NLM_F_REQUEST | nl.NLM_F_ACK
        if dump:
            flags |= nl.NLM_F_DUMP
        version, reserved = 1, 0
        r = rnd.random()
        if r < 0.03:
            flags &= ~nl.NLM_F_ACK
        elif r < 0.05:
            flags |= nl.NLM_F_ECHO
        elif r < 0.08:
            flags |= rnd.choice([0x100, 0x200, 0x400, 0x800, 0x1000, 0x10,
                                 0x20, 0x40, 0x80])
            if not dump or flags & 0xfc00 or flags & 0xf0:
                valid = False
        elif r < 0.09:
            version = rnd.choice([0, 2, 255])
        elif r < 0.10:
            reserved = rnd.choice([1, 0x100, 0xffff])
            valid = False
        msg = nl.Genl.build(self.fam["id"], cmd, payload, flags, seq,
                            version, reserved)
        exp = {"kind": "dump" if (flags & nl.NLM_F_DUMP) == nl.NLM_F_DUMP
               else "do", "ack": bool(flags & nl.NLM_F_ACK),
               "must_fail": not valid, "cmd": cmd}
        r = rnd.random()
        if r < 0.02:                          # no NLM_F_REQUEST: not handled
            flags &= ~nl.NLM_F_REQUEST
            msg = msg[:6] + struct.pack("=H", flags) + msg[8:]
            exp = {"kind": "ack0", "ack": bool(flags & nl.NLM_F_ACK)}
        elif r < 0.03:                        # genl header cut short
            n = rnd.randint(16, 19)
            msg = struct.pack("=I", n) + msg[4:n]
            exp["must_fail"] = True
            exp["kind"] = "do"
            exp["ack"] = True         # an error is always reported
        return msg, exp


# ---- sending and checking ---------------------------------------------------

class Violation(Exception):
    pass


def frame(buf):
    """The messages the netlink core will handle in one sendmsg buffer,
    as netlink_rcv_skb walks it: [(offset, seq)]; the rest is ignored."""
    out, off = [], 0
    while len(buf) - off >= 16:
        n, _, _, seq, _ = struct.unpack_from("=IHHII", buf, off)
        if n < 16 or n > len(buf) - off:
            break
        out.append((off, seq))
        off += min((n + 3) & ~3, len(buf) - off)
    return out


MUTATING = {C[k] for k in ("IPVL_CMD_PORT_NEW", "IPVL_CMD_PORT_SET",
                            "IPVL_CMD_PORT_DEL", "IPVL_CMD_LINK_NEW",
                            "IPVL_CMD_LINK_DEL", "IPVL_CMD_ADDR_NEW",
                            "IPVL_CMD_ADDR_DEL", "IPVL_CMD_ADDR_REPLACE")}


def become_tenant():
    """Move this (single-threaded) process into a new user and network
    namespace where it is root: CAP_NET_ADMIN over its own namespace only,
    as a tenant owning a link's namespace."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(0x10000000 | 0x40000000) != 0:   # NEWUSER | NEWNET
        e = ctypes.get_errno()
        raise OSError(e, "unshare: " + os.strerror(e))
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text("0 %d 1" % uid)
    Path("/proc/self/gid_map").write_text("0 %d 1" % gid)


class Worker:
    def __init__(self, idx, seed, deadline, spec, timeout, tenant=False):
        self.idx = idx
        self.tenant = tenant
        self.rnd = random.Random("%s/%d" % (seed, idx))
        self.deadline = deadline
        self.timeout = timeout
        self.g = nl.Genl(timeout=timeout)
        self.fam, op_policy, policies = spec
        self.w = World(self.rnd)
        self.gen = Gen(self.rnd, self.w, self.fam, op_policy, policies)
        self.seq = (idx + 1) << 24
        self.stats = {"messages": 0, "sendmsgs": 0, "dumps": 0, "do": 0,
                      "dropped": 0, "must_fail": 0, "acked": 0,
                      "replies": 0, "dump_msgs": 0, "errors": {},
                      "cmds": {}, "violations": []}

    def next_seq(self):
        self.seq += 1
        return self.seq

    def violation(self, what, data, exp):
        v = "worker %d seq %#x: %s; request %s; expected %s" % (
            self.idx, self.seq, what, data.hex(), exp)
        self.stats["violations"].append(v)
        log("VIOLATION " + v)

    def one_batch(self):
        self.w.refresh()
        rnd = self.rnd
        r = rnd.random()
        if r < 0.02:
            # a datagram too short for a netlink header: ignored
            data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 15)))
            exps = {}
        else:
            parts, exps = [], {}
            for _ in range(1 if rnd.random() < 0.8 else rnd.randint(2, 4)):
                seq = self.next_seq()
                m, e = self.gen.message(seq)
                parts.append(m)
                exps[seq] = e
            data = b"".join(parts)
            if rnd.random() < 0.03:               # a broken header in a batch
                cut = rnd.randint(1, len(data))
                if rnd.random() < 0.5:
                    data = data[:cut]
                else:
                    bad = bytearray(data)
                    off = frame(data)[-1][0]
                    struct.pack_into("=I", bad, off,
                                     rnd.choice([0, 8, 15, len(data) + 64]))
                    data = bytes(bad)
        handled = {seq for _, seq in frame(data)}
        for seq in list(exps):
            if seq not in handled:
                exps[seq] = {"kind": "none"}
        for e in exps.values():
            k = e["kind"]
            self.stats["messages"] += 1
            self.stats["dumps" if k == "dump" else
                       "dropped" if k in ("none", "ack0") else "do"] += 1
            if e.get("must_fail"):
                self.stats["must_fail"] += 1
            if "cmd" in e:
                c = self.stats["cmds"]
                c[e["cmd"]] = c.get(e["cmd"], 0) + 1
        try:
            self.g.send_raw(data)
        except OSError as e:
            # (a zero-length datagram is refused with ENODATA)
            if e.errno in (errno.EMSGSIZE, errno.ENOBUFS, errno.ENOMEM,
                           errno.ENODATA):
                return
            raise
        self.stats["sendmsgs"] += 1
        barrier = self.next_seq()
        self.g.send_raw(nl.Genl.build(self.fam["id"],
                                      C["IPVL_CMD_GET_INFO"], b"",
                                      nl.NLM_F_REQUEST | nl.NLM_F_ACK,
                                      barrier))
        self.check(data, exps, barrier)

    def check(self, data, exps, barrier):
        got = {seq: [] for seq in exps}
        ended = set()
        barrier_done = False
        dumps = {s for s, e in exps.items() if e["kind"] == "dump"}
        t_end = time.monotonic() + self.timeout
        while not barrier_done or (dumps - ended):
            if time.monotonic() > t_end:
                self.violation("no answer within %d s (pending %s)" % (
                    self.timeout, sorted(set(exps) - ended)), data, exps)
                raise Violation("timeout")
            try:
                batch = self.g.recv_msgs()
            except socket.timeout:
                continue
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    self.violation("receive buffer overrun", data, exps)
                    raise Violation("enobufs")
                raise
            for m in batch:
                if m.seq == barrier:
                    if m.type == nl.NLMSG_ERROR:
                        if m.error():
                            self.violation("barrier failed: %s" %
                                           m.error(), data, exps)
                        barrier_done = True
                        for s, e in exps.items():
                            if e["kind"] != "dump":
                                ended.add(s)
                    continue
                if m.seq not in exps:
                    self.violation("message for unknown seq %#x type %d" %
                                   (m.seq, m.type), data, exps)
                    continue
                if m.seq in ended:
                    self.violation("message after the end (type %d) for "
                                   "seq %#x" % (m.type, m.seq), data, exps)
                    continue
                got[m.seq].append(m)
                if m.type in (nl.NLMSG_ERROR, nl.NLMSG_DONE) and \
                        exps[m.seq]["kind"] == "dump":
                    ended.add(m.seq)
        for seq, e in exps.items():
            self.judge(seq, e, got[seq], data)

    def judge(self, seq, e, msgs, data):
        k = e["kind"]
        errs = [m for m in msgs if m.type == nl.NLMSG_ERROR]
        dones = [m for m in msgs if m.type == nl.NLMSG_DONE]
        other = [m for m in msgs if m.type not in (nl.NLMSG_ERROR,
                                                  nl.NLMSG_DONE)]
        for m in msgs:
            if m.type == self.fam["id"]:
                self.w.learn(m)
        bad = None
        if k == "none":
            if msgs:
                bad = "answer to a message the core must ignore"
        elif k == "ack0":
            want = 1 if e["ack"] else 0
            if len(msgs) != want or (errs and errs[0].error() != 0):
                bad = "control message: want %d plain ack(s), got %s" % (
                    want, [(m.type, m.error()) for m in msgs])
        elif k == "do":
            if dones:
                bad = "NLMSG_DONE answering a do request"
            elif len(errs) > 1:
                bad = "%d acks/errors" % len(errs)
            elif errs and msgs[-1] is not errs[0]:
                bad = "a message after the ack/error"
            elif len(other) > 1:
                bad = "%d replies to one request" % len(other)
            elif e["ack"] and not errs:
                bad = "no ack for a request with NLM_F_ACK"
            elif not e["ack"] and errs and errs[0].error() == 0:
                bad = "an ack without NLM_F_ACK"
            elif e.get("must_fail") and not (errs and errs[0].error()):
                bad = "an invalid request was accepted"
            elif errs and errs[0].error() and other:
                bad = "a reply and an error"
            elif self.tenant and e.get("cmd") in MUTATING and \
                    (other or (errs and not errs[0].error())):
                bad = "the tenant changed something"
            err = errs[0].error() if errs else 0
            self.count(err)
            if not err and other:
                self.stats["replies"] += 1
            if not err and e["ack"]:
                self.stats["acked"] += 1
        elif k == "dump":
            ends = errs + dones
            if len(ends) != 1:
                bad = "%d dump ends" % len(ends)
            elif msgs[-1] is not ends[0]:
                bad = "a message after the dump end"
            elif errs and other:
                bad = "dump messages before a dump start error"
            elif any(not (m.flags & nl.NLM_F_MULTI) for m in other):
                bad = "dump message without NLM_F_MULTI"
            elif dones and any(m.cmd != e["cmd"] for m in other) and \
                    e["cmd"] in self.fam["ops"]:
                bad = "dump message of another command"
            elif e.get("must_fail") and not (ends and ends[0].error()):
                bad = "an invalid dump request was accepted"
            err = ends[0].error() if ends else 0
            self.count(err)
            self.stats["dump_msgs"] += len(other)
        if bad:
            self.violation(bad, data, e)

    def count(self, err):
        name = nl.errname(err) if err else "OK"
        d = self.stats["errors"]
        d[name] = d.get(name, 0) + 1

    def run(self):
        while time.monotonic() < self.deadline:
            try:
                self.one_batch()
            except Violation:
                # the socket state is unknown: start over with a new one
                self.g.close()
                self.g = nl.Genl(timeout=self.timeout)
            if len(self.stats["violations"]) > 20:
                break
        self.g.close()
        return self.stats


def worker_main(idx, seed, deadline, spec, timeout, q, tenant, ready):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(5)      # the churn and the kernel's own work come first
    try:
        if tenant:
            become_tenant()
        ready.set()
        q.put((idx, Worker(idx, seed, deadline, spec, timeout,
                           tenant).run()))
    except Exception:
        q.put((idx, {"crash": traceback.format_exc()}))


# ---- the churn underneath ---------------------------------------------------

class Churn:
    """Creates and destroys masters, ports, links, bindings and namespaces
    with well-formed requests and ip(8), as fast as it can."""

    def __init__(self, seed, deadline, tenant_pid=None):
        self.tenant_pid = tenant_pid
        self.rnd = random.Random("%s/churn" % seed)
        self.deadline = deadline
        self.g = nl.Genl(timeout=MAX_TIMEOUT)
        self.actions = {}
        self.ntf = {}
        self.overruns = 0

    def genl(self, cmd, payload):
        try:
            self.g.request(cmd, payload)
            return True
        except nl.NlError:
            return False

    def setup(self):
        """A world for the workers to hit from the first message."""
        for ns in NETNS:
            sh(f"ip netns add {ns} && ip -n {ns} link set lo up")
        for m in MASTERS:
            self.do("master-add", m, None, None)
        for m, mode in (("fzm0", 1), ("fzm1", 0)):
            self.genl(C["IPVL_CMD_PORT_NEW"],
                      nl.nla_str(C["IPVL_A_PORT_IFNAME"], m) +
                      nl.nla_u32(C["IPVL_A_PORT_MODE"], mode))
        for i, link in enumerate(LINKS[:4]):
            m = "fzm0" if i < 2 else "fzm1"
            ns = [NETNS[0], NETNS[1], None, NETNS[2]][i]
            self.do("link-add-ns" if ns else "link-add", m, link, ns)
            self.do("bind", m, link, ns)

    def act(self):
        rnd = self.rnd
        m = rnd.choice(MASTERS)
        link = rnd.choice(LINKS)
        ns = rnd.choice(NETNS)
        acts = [
            ("master-add", 3), ("master-del", 1), ("master-up", 1),
            ("port-add", 6), ("port-del", 1), ("port-del-force", 1),
            ("port-set", 4), ("link-add", 8), ("link-add-ns", 10),
            ("link-del", 5), ("link-move", 2), ("link-rename", 1),
            ("link-updown", 2), ("bind", 12), ("unbind", 5), ("replace", 5),
            ("netns-add", 2), ("netns-del", 1), ("master-mtu", 1),
            ("link-to-tenant", 2 if self.tenant_pid else 0),
            ("big-replace", 1), ("group-del", 1), ("master-to-netns", 1)]
        name = rnd.choices([a for a, _ in acts], [w for _, w in acts])[0]
        self.actions[name] = self.actions.get(name, 0) + 1
        self.do(name, m, link, ns)

    def do(self, name, m, link, ns):
        rnd = self.rnd
        if name == "master-add":
            if m in PEERS:
                sh(f"ip link add {m} type veth peer name {PEERS[m]}")
            else:
                sh(f"ip link add {m} type dummy")
            sh(f"ip link set {m} up")
        elif name == "master-del":
            sh(f"ip link del {m}")
        elif name == "master-up":
            sh(f"ip link set {m} {rnd.choice(['up', 'down'])}")
        elif name == "master-mtu":
            # (a dummy takes any mtu, 0 included)
            sh(f"ip link set {m} mtu {rnd.choice([0, 68, 1280, 1500, 9000])}")
        elif name == "port-add":
            self.genl(C["IPVL_CMD_PORT_NEW"],
                      nl.nla_str(C["IPVL_A_PORT_IFNAME"], m) +
                      nl.nla_u32(C["IPVL_A_PORT_MODE"], rnd.randint(0, 2)) +
                      nl.nla_u32(C["IPVL_A_PORT_FLAGS"], rnd.choice([0, 1, 2])))
        elif name in ("port-del", "port-del-force"):
            p = nl.nla_str(C["IPVL_A_PORT_IFNAME"], m)
            if name == "port-del-force":
                p += nl.nla(C["IPVL_A_PORT_FORCE"], b"")
            self.genl(C["IPVL_CMD_PORT_DEL"], p)
        elif name == "port-set":
            self.genl(C["IPVL_CMD_PORT_SET"],
                      nl.nla_str(C["IPVL_A_PORT_IFNAME"], m) +
                      nl.nla_u32(C["IPVL_A_PORT_MODE"], rnd.randint(0, 2)) +
                      nl.nla_u32(C["IPVL_A_PORT_FLAGS"], rnd.choice([0, 1, 2])) +
                      nl.nla_u8(C["IPVL_A_PORT_SPOOF_CHECK"], rnd.randint(0, 1)))
        elif name in ("link-add", "link-add-ns"):
            p = nl.nla_str(C["IPVL_A_LINK_IFNAME"], link) + \
                nl.nla_str(C["IPVL_A_LINK_PORT_IFNAME"], m)
            fd = None
            if name == "link-add-ns":
                try:
                    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
                    p += nl.nla_u32(C["IPVL_A_LINK_NETNS_FD"], fd)
                except OSError:
                    pass
            self.genl(C["IPVL_CMD_LINK_NEW"], p)
            if fd is not None:
                os.close(fd)
        elif name == "link-del":
            self.genl(C["IPVL_CMD_LINK_DEL"],
                      nl.nla_str(C["IPVL_A_LINK_IFNAME"], link))
        elif name == "link-move":
            src = rnd.choice(NETNS + [None])
            dst = rnd.choice(NETNS)
            pre = f"ip -n {src} " if src else "ip "
            sh(f"{pre}link set {link} netns {dst}")
        elif name == "link-to-tenant":
            src = rnd.choice(NETNS + [None])
            pre = f"ip -n {src} " if src else "ip "
            sh(f"{pre}link set {link} netns {self.tenant_pid}")
        elif name == "link-rename":
            other = rnd.choice(LINKS)
            sh(f"ip link set {link} name {other}")
        elif name == "link-updown":
            src = rnd.choice(NETNS + [None])
            pre = f"ip -n {src} " if src else "ip "
            sh(f"{pre}link set {link} {rnd.choice(['up', 'down'])}")
        elif name in ("bind", "unbind"):
            addr = rnd.choice(GOOD4 + GOOD6)
            cmd = C["IPVL_CMD_ADDR_NEW" if name == "bind" else
                    "IPVL_CMD_ADDR_DEL"]
            self.genl(cmd, nl.nla_str(C["IPVL_A_ADDR_LINK_IFNAME"], link) +
                      nl.addr_attrs(addr))
        elif name == "replace":
            addrs = rnd.sample(GOOD4 + GOOD6, rnd.randint(0, 4))
            p = nl.nla_str(C["IPVL_A_ADDR_LINK_IFNAME"], link)
            for a in addrs:
                p += nl.nla_nest(C["IPVL_A_ADDR_LIST"], nl.addr_attrs(a))
            self.genl(C["IPVL_CMD_ADDR_REPLACE"], p)
        elif name == "big-replace":
            # hundreds of bindings at once: the table resizes under the
            # workers' lookups and dumps
            n = rnd.choice([300, 1500])
            p = nl.nla_str(C["IPVL_A_ADDR_LINK_IFNAME"], link)
            for i in range(n):
                p += nl.nla_nest(C["IPVL_A_ADDR_LIST"], nl.addr_attrs(
                    "10.100.%d.%d" % (i // 250, i % 250 + 1)))
            self.genl(C["IPVL_CMD_ADDR_REPLACE"], p)
        elif name == "netns-add":
            sh(f"ip netns add {ns} && ip -n {ns} link set lo up")
        elif name == "netns-del":
            sh(f"ip netns del {ns}")
        elif name == "group-del":
            # a master and links of its port unregistered in one batch
            for dev in [m] + rnd.sample(LINKS, 2):
                sh(f"ip link set {dev} group 7")
            sh("ip link del group 7")
        elif name == "master-to-netns":
            # with its port, next to links that may live there: the
            # namespace's deletion then unregisters them in one batch
            sh(f"ip link set {m} netns {ns}")

    def monitor(self, stop):
        g = nl.Genl(timeout=0.5)
        g.resolve()
        g.subscribe("monitor")
        while not stop.is_set():
            try:
                for m in g.recv_msgs():
                    self.ntf[m.cmd] = self.ntf.get(m.cmd, 0) + 1
            except socket.timeout:
                pass
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                self.overruns += 1
        g.close()

    def run(self):
        stop = threading.Event()
        t = threading.Thread(target=self.monitor, args=(stop,), daemon=True)
        t.start()
        self.setup()
        n = 0
        while time.monotonic() < self.deadline:
            self.act()
            n += 1
        stop.set()
        t.join(5)
        self.g.close()
        return {"actions": n, "by_action": self.actions,
                "notifications": sum(self.ntf.values()),
                "overruns": self.overruns}


def churn_main(seed, deadline, q, tenant_pid):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        q.put(("churn", Churn(seed, deadline, tenant_pid).run()))
    except Exception:
        q.put(("churn", {"crash": traceback.format_exc()}))


def cleanup():
    for m in MASTERS:
        sh(f"ip link del {m}")
    for link in LINKS:
        sh(f"ip link del {link}")
    for ns in NETNS:
        sh(f"ip netns del {ns}")
    sh(f"ip addr del {HOST4}/32 dev lo")


def blocked_tasks():
    log("still running long after the deadline: blocked tasks (sysrq-w) "
        "follow on the console")
    try:
        Path("/proc/sys/kernel/sysrq").write_text("1")
        Path("/proc/sysrq-trigger").write_text("w")
    except OSError as e:
        log("sysrq-w: %s" % e)


def load_module():
    if Path("/sys/module/ipvl").exists():
        return
    ko = os.environ.get("IPVL_KO")
    if ko and Path(ko).exists():
        subprocess.run(["insmod", ko], check=True)
    else:
        subprocess.run(["modprobe", "ipvl"], check=True)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: from the clock)")
    p.add_argument("--duration", type=float, default=300,
                   help="seconds of fuzzing (300)")
    p.add_argument("--procs", type=int, default=3,
                   help="fuzzing processes (3), plus the churn")
    p.add_argument("--timeout", type=float, default=MAX_TIMEOUT,
                   help="seconds a request may stay unanswered (%d)" %
                   MAX_TIMEOUT)
    p.add_argument("--rmmod", action="store_true",
                   help="unload ipvl at the end (it must unload)")
    p.add_argument("--no-tenant", dest="tenant", action="store_false",
                   help="no tenant worker (in its own user namespace)")
    a = p.parse_args(argv)
    seed = a.seed if a.seed is not None else int(time.time() * 1000) % \
        (1 << 31)
    log("seed %d, %d processes (%s) + churn, %g s (reproduce: %s --seed "
        "%d --duration %g --procs %d)" % (
            seed, a.procs, "the last one a tenant" if a.tenant else
            "no tenant", a.duration, "tests/fuzz/genl_fuzz.py", seed,
            a.duration, a.procs))
    load_module()
    cleanup()
    sh(f"ip addr add {HOST4}/32 dev lo")
    with nl.Genl() as g:
        fam = g.resolve()
        op_policy, policies = g.policies()
    log("family id %d, %d ops, %d policies (%s)" % (
        fam["id"], len(fam["ops"]), len(policies), ", ".join(
            "%d:%s" % (c, "/".join(sorted(op_policy.get(c, {}))) or "-")
            for c in sorted(fam["ops"]))))
    spec = (fam, op_policy, policies)
    t0 = time.monotonic()
    deadline = t0 + a.duration
    # a kernel deadlock leaves us blocked (in ip(8), rmmod, a worker):
    # show the blocked tasks on the console then
    watchdog = threading.Timer(a.duration + a.timeout + 240, blocked_tasks)
    watchdog.daemon = True
    watchdog.start()
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    # the last worker is a tenant: root in its own user and network
    # namespace, where the churn moves links; it must never change anything
    ready = ctx.Event()
    procs = [ctx.Process(target=worker_main,
                         args=(i, seed, deadline, spec, a.timeout, q,
                               a.tenant and i == a.procs - 1, ready))
             for i in range(a.procs)]
    for pr in procs:
        pr.start()
    ready.wait(30)
    tenant_pid = procs[-1].pid if a.tenant and procs else None
    procs.insert(0, ctx.Process(target=churn_main,
                                args=(seed, deadline, q, tenant_pid)))
    procs[0].start()
    results = {}
    limit = deadline + a.timeout + 60
    while len(results) < len(procs) and time.monotonic() < limit:
        try:
            k, v = q.get(timeout=5)
            results[k] = v
        except Exception:
            pass
    for pr in procs:
        pr.join(5)
        if pr.is_alive():
            pr.kill()
    violations = []
    total = {"messages": 0, "sendmsgs": 0, "dumps": 0, "do": 0, "dropped": 0,
             "must_fail": 0, "acked": 0, "replies": 0, "dump_msgs": 0}
    errs, cmds = {}, {}
    for k in ["churn"] + list(range(a.procs)):
        r = results.get(k)
        if r is None:
            violations.append("%s: no result (hung or killed)" % k)
            continue
        if "crash" in r:
            violations.append("%s crashed:\n%s" % (k, r["crash"]))
            continue
        if k == "churn":
            log("churn: %d actions (%s), %d notifications, %d overruns" % (
                r["actions"], ", ".join("%s %d" % kv for kv in
                                        sorted(r["by_action"].items())),
                r["notifications"], r["overruns"]))
            continue
        violations += r["violations"]
        for key in total:
            total[key] += r[key]
        for e, n in r["errors"].items():
            errs[e] = errs.get(e, 0) + n
        for c, n in r["cmds"].items():
            cmds[c] = cmds.get(c, 0) + n
    names = {v: k[len("IPVL_CMD_"):].lower().replace("_", "-")
             for k, v in C.items() if k.startswith("IPVL_CMD_")
             and not k.endswith("MAX")}
    log("per command: " + ", ".join("%s %d" % (names.get(c, str(c)), n)
                                     for c, n in sorted(cmds.items())))
    log("answers: " + ", ".join("%s %d" % kv for kv in
                                sorted(errs.items(), key=lambda x: -x[1])))
    # the family must still answer, the objects go away with their masters
    cleanup()
    with nl.Genl() as g:
        g.request(C["IPVL_CMD_GET_INFO"])
        # ports the workers made on other devices of this namespace
        for port in nl.dump_ports(g):
            log("port left on %s (made by a worker): deleting it" %
                port["ifname"])
            g.request(C["IPVL_CMD_PORT_DEL"],
                      nl.nla_str(C["IPVL_A_PORT_IFNAME"], port["ifname"]) +
                      nl.nla(C["IPVL_A_PORT_FORCE"], b""))
        left = nl.snapshot(g)
    if any(left.values()):
        violations.append("objects left after their ports are gone: %s" %
                          left)
    if a.rmmod:
        rc = subprocess.run(["rmmod", "ipvl"], capture_output=True,
                            text=True)
        if rc.returncode:
            violations.append("rmmod ipvl failed: %s" % rc.stderr.strip())
    elapsed = time.monotonic() - t0
    for v in violations:
        log("VIOLATION " + v)
    log("seed %d: %d messages in %d sendmsgs in %.0f s (%d do, %d dump, "
        "%d dropped by the core, %d must-fail), %d acked, %d replies, "
        "%d dump messages; violations %d" % (
            seed, total["messages"], total["sendmsgs"], elapsed, total["do"],
            total["dumps"], total["dropped"], total["must_fail"],
            total["acked"], total["replies"], total["dump_msgs"],
            len(violations)))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
