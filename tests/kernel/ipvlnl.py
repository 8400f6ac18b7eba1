"""Raw generic netlink for the robustness tests (fuzzer, fault injection,
model and stress tests): the ipvl constants read from the generated UAPI
header, the family's policies read back from the kernel with
CTRL_CMD_GETPOLICY, a client that collects every message answering a
request (so a test can count acks), and a normalized snapshot of the
kernel's ports, links and bindings.

Standard library only (plus rawgenl.py next to it): the fuzzer imports it
in processes that must start fast inside the VM.
"""
import errno
import os
import re
import socket
import struct
from pathlib import Path

import rawgenl as rg

REPO = Path(__file__).resolve().parents[2]
UAPI = REPO / "genl" / "ipvl.h"

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 1, 2, 4, 8
NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED = 0x10, 0x20
NLM_F_ROOT, NLM_F_MATCH, NLM_F_DUMP = 0x100, 0x200, 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_NO_ENOBUFS = 5
SO_SNDBUFFORCE, SO_RCVBUFFORCE = 32, 33

# genetlink controller
CTRL_CMD_GETFAMILY, CTRL_CMD_GETPOLICY = 3, 10
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MAXATTR, CTRL_ATTR_OPS, CTRL_ATTR_MCAST_GROUPS = 5, 6, 7
CTRL_ATTR_POLICY, CTRL_ATTR_OP_POLICY, CTRL_ATTR_OP = 8, 9, 10
CTRL_ATTR_OP_ID, CTRL_ATTR_OP_FLAGS = 1, 2
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
CTRL_ATTR_POLICY_DO, CTRL_ATTR_POLICY_DUMP = 1, 2
GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP = 0x01, 0x02, 0x04
GENL_CMD_CAP_HASPOL, GENL_UNS_ADMIN_PERM = 0x08, 0x10

# linux/netlink.h: policy dumps
NL_POLICY_TYPE_ATTR = dict(TYPE=1, MIN_VALUE_S=2, MAX_VALUE_S=3,
                           MIN_VALUE_U=4, MAX_VALUE_U=5, MIN_LENGTH=6,
                           MAX_LENGTH=7, POLICY_IDX=8, POLICY_MAXTYPE=9,
                           BITFIELD32_MASK=10, PAD=11, MASK=12)
NL_ATTR_TYPES = ["INVALID", "FLAG", "U8", "U16", "U32", "U64", "S8", "S16",
                 "S32", "S64", "BINARY", "STRING", "NUL_STRING", "NESTED",
                 "NESTED_ARRAY", "BITFIELD32"]


def uapi_enums(path=UAPI):
    """{NAME: value} of every enumerator of the generated header."""
    text = Path(path).read_text()
    out = {}
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\};", text, re.S):
        nxt = 0
        for item in body.split(","):
            item = re.sub(r"/\*.*?\*/", "", item, flags=re.S).strip()
            m = re.match(r"^([A-Z_][A-Z0-9_]*)\s*(?:=\s*(.+))?$", item)
            if not m:
                continue
            name, expr = m.groups()
            if expr is not None:
                expr = expr.strip()
                nxt = out[expr] if expr in out else int(eval(  # noqa: S307
                    re.sub(r"[A-Z_][A-Z0-9_]*",
                           lambda x: str(out[x.group(0)]), expr)))
            out[name] = nxt
            nxt += 1
    return out


C = uapi_enums()
FAMILY = "ipvl"


def nla(atype, payload, flags=0):
    return rg.attr(atype | flags, payload)


def nla_u32(atype, v):
    return nla(atype, struct.pack("=I", v & 0xffffffff))


def nla_u8(atype, v):
    return nla(atype, struct.pack("=B", v & 0xff))


def nla_str(atype, s):
    return nla(atype, s.encode() + b"\0")


def nla_nest(atype, inner):
    return nla(atype, inner, NLA_F_NESTED)


def addr_attrs(addr):
    """The ipv4/ipv6 attribute for a textual address."""
    if ":" in addr:
        return nla(C["IPVL_A_ADDR_IPV6"], socket.inet_pton(socket.AF_INET6,
                                                            addr))
    return nla(C["IPVL_A_ADDR_IPV4"], socket.inet_aton(addr))


def attrs_dict(payload):
    return {t: v for t, v in rg.parse_attrs(payload)}


def get_u32(d, t, default=None):
    v = d.get(t)
    return struct.unpack("=I", v[:4])[0] if v is not None else default


def get_s32(d, t, default=None):
    v = d.get(t)
    return struct.unpack("=i", v[:4])[0] if v is not None else default


def get_str(d, t, default=None):
    v = d.get(t)
    return v.split(b"\0", 1)[0].decode(errors="replace") if v is not None \
        else default


class Msg:
    """One netlink message received."""
    __slots__ = ("type", "flags", "seq", "payload")

    def __init__(self, mtype, flags, seq, payload):
        self.type, self.flags, self.seq, self.payload = mtype, flags, seq, \
            payload

    @property
    def cmd(self):
        return self.payload[0] if len(self.payload) >= 4 else None

    @property
    def attrs(self):
        return attrs_dict(self.payload[4:])

    def error(self):
        """errno of an NLMSG_ERROR (0 for an ack), or of an NLMSG_DONE."""
        if len(self.payload) < 4:
            return None
        return -struct.unpack_from("=i", self.payload)[0]

    def extack(self):
        if self.type == NLMSG_ERROR:
            off = 4 + (16 if self.flags & NLM_F_CAPPED else
                       struct.unpack_from("=I", self.payload, 4)[0]
                       if len(self.payload) >= 8 else 0)
        elif self.type == NLMSG_DONE:
            off = 4
        else:
            return None
        for t, v in rg.parse_attrs(self.payload[(off + 3) & ~3:]):
            if t == rg.NLMSGERR_ATTR_MSG:
                return v.rstrip(b"\0").decode(errors="replace")
        return None


def parse_msgs(data):
    out = []
    while len(data) >= 16:
        n, t, f, s, _ = struct.unpack_from("=IHHII", data)
        if n < 16 or n > len(data):
            break
        out.append(Msg(t, f, s, data[16:n]))
        data = data[(n + 3) & ~3:]
    return out


class NlError(Exception):
    def __init__(self, err, msg=None, op=None):
        super().__init__("%s: errno %d (%s)%s" % (
            op or "request", err, os.strerror(err), f": {msg}" if msg else ""))
        self.errno = err
        self.msg = msg


class Genl:
    """A generic netlink socket that reads every answer of a request."""

    def __init__(self, timeout=60.0, bufsize=4 << 20):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               rg.NETLINK_GENERIC)
        self.s.setsockopt(rg.SOL_NETLINK, rg.NETLINK_EXT_ACK, 1)
        self.s.setsockopt(rg.SOL_NETLINK, rg.NETLINK_CAP_ACK, 1)
        for opt, alt in ((SO_RCVBUFFORCE, socket.SO_RCVBUF),
                         (SO_SNDBUFFORCE, socket.SO_SNDBUF)):
            try:
                self.s.setsockopt(socket.SOL_SOCKET, opt, bufsize)
            except OSError:
                self.s.setsockopt(socket.SOL_SOCKET, alt, bufsize)
        self.s.bind((0, 0))
        self.s.settimeout(timeout)
        self.portid = self.s.getsockname()[0]
        self.seq = 1000
        self.pending = []       # messages read while waiting for others
        self._fam = None

    def close(self):
        self.s.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def next_seq(self):
        self.seq += 1
        return self.seq

    # -- building and sending --------------------------------------------

    @staticmethod
    def build(mtype, cmd, payload=b"", flags=NLM_F_REQUEST | NLM_F_ACK,
              seq=0, version=1, reserved=0, portid=0):
        body = struct.pack("=BBH", cmd, version, reserved) + payload
        return struct.pack("=IHHII", 16 + len(body), mtype, flags, seq,
                           portid) + body

    def send_raw(self, data):
        return self.s.send(data)

    def send(self, cmd, payload=b"", flags=NLM_F_REQUEST | NLM_F_ACK,
             mtype=None):
        seq = self.next_seq()
        self.send_raw(self.build(self.family_id if mtype is None else mtype,
                                 cmd, payload, flags, seq))
        return seq

    # -- receiving ----------------------------------------------------------

    def recv_msgs(self):
        """The messages of one datagram (an ENOBUFS socket error raises)."""
        if self.pending:
            out, self.pending = self.pending, []
            return out
        return parse_msgs(self.s.recv(1 << 20))

    def collect(self, seq, dump=False):
        """Every message answering seq, up to its ack, error or done.

        Returns (messages, terminal message)."""
        msgs = []
        while True:
            batch = self.recv_msgs()
            for i, m in enumerate(batch):
                if m.seq != seq:
                    continue
                if m.type == NLMSG_ERROR or m.type == NLMSG_DONE:
                    rest = [x for x in batch[i + 1:]]
                    self.pending = rest + self.pending
                    return msgs, m
                msgs.append(m)

    def request(self, cmd, payload=b"", dump=False, ack=True, op=None):
        """A request that must succeed: the answer messages, or NlError."""
        flags = NLM_F_REQUEST | (NLM_F_ACK if ack else 0) | \
            (NLM_F_DUMP if dump else 0)
        seq = self.send(cmd, payload, flags)
        msgs, end = self.collect(seq, dump)
        err = end.error()
        if end.type == NLMSG_ERROR and err:
            raise NlError(err, end.extack(), op)
        if end.type == NLMSG_DONE and err:
            raise NlError(err, end.extack(), op)
        return msgs

    # -- the controller -----------------------------------------------------

    def ctrl(self, cmd, payload, dump=False):
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        seq = self.next_seq()
        self.send_raw(self.build(rg.GENL_ID_CTRL, cmd, payload, flags, seq))
        msgs, end = self.collect(seq, dump)
        if end.error():
            raise NlError(end.error(), end.extack(), "ctrl")
        return msgs

    def resolve(self, name=FAMILY):
        m = self.ctrl(CTRL_CMD_GETFAMILY, nla_str(CTRL_ATTR_FAMILY_NAME,
                                                  name))[0]
        a = m.attrs
        fam = {"id": struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID][:2])[0],
               "maxattr": get_u32(a, CTRL_ATTR_MAXATTR, 0),
               "ops": {}, "mcgrps": {}}
        for _, op in rg.parse_attrs(a.get(CTRL_ATTR_OPS, b"")):
            o = attrs_dict(op)
            fam["ops"][get_u32(o, CTRL_ATTR_OP_ID)] = get_u32(
                o, CTRL_ATTR_OP_FLAGS, 0)
        for _, g in rg.parse_attrs(a.get(CTRL_ATTR_MCAST_GROUPS, b"")):
            o = attrs_dict(g)
            fam["mcgrps"][get_str(o, CTRL_ATTR_MCAST_GRP_NAME)] = get_u32(
                o, CTRL_ATTR_MCAST_GRP_ID)
        self._fam = fam
        return fam

    @property
    def family_id(self):
        if self._fam is None:
            self.resolve()
        return self._fam["id"]

    def policies(self, name=FAMILY):
        """The family's policies as the kernel reports them.

        Returns (op_policy, policies): op_policy {cmd: {"do": idx,
        "dump": idx}}, policies {idx: {attr: {"type": "U32", "min": ..,
        "max": .., "min_len": .., "max_len": .., "policy": idx,
        "maxtype": .., "mask": ..}}}."""
        msgs = self.ctrl(CTRL_CMD_GETPOLICY,
                         nla_str(CTRL_ATTR_FAMILY_NAME, name), dump=True)
        op_policy, policies = {}, {}
        names = {v: k for k, v in NL_POLICY_TYPE_ATTR.items()}
        for m in msgs:
            a = m.attrs
            if CTRL_ATTR_OP_POLICY in a:
                for cmd, nest in rg.parse_attrs(a[CTRL_ATTR_OP_POLICY]):
                    o = attrs_dict(nest)
                    op_policy[cmd] = {
                        k: get_u32(o, t) for k, t in
                        (("do", CTRL_ATTR_POLICY_DO),
                         ("dump", CTRL_ATTR_POLICY_DUMP)) if t in o}
            if CTRL_ATTR_POLICY in a:
                for idx, pol in rg.parse_attrs(a[CTRL_ATTR_POLICY]):
                    for attr, desc in rg.parse_attrs(pol):
                        d = {}
                        for t, v in rg.parse_attrs(desc):
                            key = names.get(t, str(t)).lower()
                            if t == NL_POLICY_TYPE_ATTR["TYPE"]:
                                d["type"] = NL_ATTR_TYPES[
                                    struct.unpack("=I", v)[0]]
                            elif len(v) == 8:
                                fmt = "=q" if key.endswith("_s") else "=Q"
                                d[key] = struct.unpack(fmt, v)[0]
                            elif len(v) == 4:
                                d[key] = struct.unpack("=I", v)[0]
                        # shorter names
                        for long_, short in (("min_value_u", "min"),
                                             ("max_value_u", "max"),
                                             ("min_value_s", "min"),
                                             ("max_value_s", "max"),
                                             ("min_length", "min_len"),
                                             ("max_length", "max_len"),
                                             ("policy_idx", "policy"),
                                             ("policy_maxtype", "maxtype")):
                            if long_ in d:
                                d[short] = d.pop(long_)
                        policies.setdefault(idx, {})[attr] = d
        return op_policy, policies

    def subscribe(self, group="monitor"):
        if self._fam is None:
            self.resolve()
        gid = self._fam["mcgrps"][group]
        self.s.setsockopt(rg.SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, gid)
        return gid


# ---- objects -------------------------------------------------------------

def parse_port(m):
    a = m.attrs
    return {"ifindex": get_u32(a, C["IPVL_A_PORT_IFINDEX"]),
            "ifname": get_str(a, C["IPVL_A_PORT_IFNAME"]),
            "mode": get_u32(a, C["IPVL_A_PORT_MODE"]),
            "flags": get_u32(a, C["IPVL_A_PORT_FLAGS"]),
            "spoof": (a.get(C["IPVL_A_PORT_SPOOF_CHECK"]) or b"\0")[0],
            "links": get_u32(a, C["IPVL_A_PORT_LINK_COUNT"]),
            "bindings": get_u32(a, C["IPVL_A_PORT_BINDING_COUNT"])}


def parse_link(m):
    a = m.attrs
    return {"id": get_u32(a, C["IPVL_A_LINK_ID"]),
            "ifindex": get_u32(a, C["IPVL_A_LINK_IFINDEX"]),
            "ifname": get_str(a, C["IPVL_A_LINK_IFNAME"]),
            "port": get_str(a, C["IPVL_A_LINK_PORT_IFNAME"]),
            "port_ifindex": get_u32(a, C["IPVL_A_LINK_PORT_IFINDEX"]),
            "netnsid": get_s32(a, C["IPVL_A_LINK_NETNSID"]),
            "mtu": get_u32(a, C["IPVL_A_LINK_MTU"]),
            "bindings": get_u32(a, C["IPVL_A_LINK_BINDING_COUNT"])}


def parse_addr(m):
    a = m.attrs
    if C["IPVL_A_ADDR_IPV4"] in a:
        addr = socket.inet_ntop(socket.AF_INET, a[C["IPVL_A_ADDR_IPV4"]][:4])
    else:
        addr = socket.inet_ntop(socket.AF_INET6,
                                a[C["IPVL_A_ADDR_IPV6"]][:16])
    return {"addr": addr, "link_id": get_u32(a, C["IPVL_A_ADDR_LINK_ID"]),
            "link": get_str(a, C["IPVL_A_ADDR_LINK_IFNAME"]),
            "port": get_str(a, C["IPVL_A_ADDR_PORT_IFNAME"])}


def dump_ports(g):
    return [parse_port(m) for m in g.request(C["IPVL_CMD_PORT_GET"],
                                             dump=True, op="port dump")]


def dump_links(g):
    return [parse_link(m) for m in g.request(C["IPVL_CMD_LINK_GET"],
                                             dump=True, op="link dump")]


def dump_addrs(g):
    return [parse_addr(m) for m in g.request(C["IPVL_CMD_ADDR_GET"],
                                             dump=True, op="addr dump")]


def snapshot(g, ids=True):
    """The kernel's ports, links and bindings seen from this namespace, as
    sets of tuples (comparable with ==). With ids=False, link ids are left
    out (a link deleted and created again gets a new id)."""
    ports = frozenset((p["ifname"], p["mode"], p["flags"], p["spoof"],
                       p["links"], p["bindings"]) for p in dump_ports(g))
    links = dump_links(g)
    lk = frozenset((l["id"] if ids else 0, l["ifname"], l["port"],
                    l["netnsid"], l["mtu"], l["bindings"]) for l in links)
    names = {l["id"]: l["ifname"] for l in links}
    addrs = frozenset((a["addr"], a["link_id"] if ids else 0,
                       names.get(a["link_id"], a["link"]), a["port"])
                      for a in dump_addrs(g))
    return {"ports": ports, "links": lk, "addrs": addrs}


def module_refcnt():
    try:
        return int(Path("/sys/module/ipvl/refcnt").read_text())
    except OSError:
        return None


def errname(e):
    return errno.errorcode.get(e, str(e))


# ---- other namespaces, netdevs -------------------------------------------

CLONE_NEWNET = 0x40000000
NETLINK_ROUTE = 0
RTM_GETLINK = 18
IFLA_IFNAME = 3
_libc = None


def _setns(fd):
    global _libc
    if _libc is None:
        import ctypes
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        import ctypes
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def socket_in_netns(name, proto=NETLINK_ROUTE):
    """A netlink socket living in netns NAME (ip netns): sockets stay in
    the namespace they were created in. The calling thread goes back to its
    own namespace before this returns."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        _setns(target)
        try:
            return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
        finally:
            _setns(own)
    finally:
        os.close(own)
        os.close(target)


def netdev_names(sock=None):
    """The names of the netdevs of a namespace, by RTM_GETLINK dump on an
    rtnetlink socket of it (None: this namespace)."""
    own = sock is None
    if own:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                             NETLINK_ROUTE)
    try:
        sock.settimeout(60)
        seq = 1 + (int.from_bytes(os.urandom(3), "little"))
        body = struct.pack("=BxHiII", 0, 0, 0, 0, 0)
        sock.send(struct.pack("=IHHII", 16 + len(body), RTM_GETLINK,
                              NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body)
        names = set()
        while True:
            for m in parse_msgs(sock.recv(1 << 20)):
                if m.seq != seq:
                    continue
                if m.type == NLMSG_DONE:
                    return names
                if m.type == NLMSG_ERROR:
                    raise NlError(m.error(), op="RTM_GETLINK")
                for t, v in rg.parse_attrs(m.payload[16:]):
                    if t == IFLA_IFNAME:
                        names.add(v.split(b"\0", 1)[0].decode())
    finally:
        if own:
            sock.close()


# ---- the debug kernel --------------------------------------------------------

KMEMLEAK_FILE = Path("/sys/kernel/debug/kmemleak")


def kmemleak_scan():
    """Unreferenced objects (text blocks) after two scans; objects younger
    than 5 s are never reported, hence the wait."""
    import time
    time.sleep(6)
    KMEMLEAK_FILE.write_text("scan")
    KMEMLEAK_FILE.write_text("scan")
    text = KMEMLEAK_FILE.read_text()
    return [b for b in re.split(r"(?m)^(?=unreferenced object)", text)
            if b.startswith("unreferenced object")]


def involves_ipvl(block):
    return "[ipvl]" in block or " ipvl_" in block


def blocked_tasks():
    """Show the blocked (D state) tasks on the console (sysrq-w)."""
    try:
        Path("/proc/sys/kernel/sysrq").write_text("1")
        Path("/proc/sysrq-trigger").write_text("w")
    except OSError:
        pass
