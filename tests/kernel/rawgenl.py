"""A minimal generic netlink client written from the protocol, for tests
that must send what no well-behaved library would (unknown attributes,
wrong types, odd flags) and read the kernel's extack verbatim."""
import os
import socket
import struct

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 1, 2, 4
NLM_F_DUMP = 0x300
NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE = 0x400, 0x200, 0x100
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLMSGERR_ATTR_MSG = 1
NLA_F_NESTED = 0x8000
GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7


def attr(atype, payload):
    if isinstance(payload, str):
        payload = payload.encode() + b"\0"
    n = 4 + len(payload)
    return struct.pack("=HH", n, atype) + payload + b"\0" * ((4 - n % 4) % 4)


def u32(atype, v):
    return attr(atype, struct.pack("=I", v))


def parse_attrs(data):
    out = []
    while len(data) >= 4:
        n, t = struct.unpack_from("=HH", data)
        if n < 4:
            break
        out.append((t & 0x3fff, data[4:n]))
        data = data[(n + 3) & ~3:]
    return out


class NlError(Exception):
    def __init__(self, errno_, msg):
        super().__init__(f"errno {errno_}: {msg}")
        self.errno = errno_
        self.msg = msg


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.s.bind((0, 0))
        self.seq = 1

    def close(self):
        self.s.close()

    def send(self, mtype, cmd, payload=b"", flags=NLM_F_REQUEST | NLM_F_ACK,
             version=1):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), mtype, flags, self.seq, 0)
        self.s.send(hdr + body)
        return self.seq

    def recv_all(self, seq):
        """Messages answering seq until the ack, done or error.

        Returns (list of (cmd, attrs)), raises NlError on an error."""
        msgs = []
        while True:
            data = self.s.recv(1 << 20)
            while data:
                n, t, f, s, _ = struct.unpack_from("=IHHII", data)
                body = data[16:n]
                data = data[(n + 3) & ~3:]
                if s != seq:
                    continue
                if t == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", body)[0]
                    if err == 0:
                        return msgs
                    msg = None
                    # with CAP_ACK the original message is not echoed back
                    for at, ap in parse_attrs(body[20:]):
                        if at == NLMSGERR_ATTR_MSG:
                            msg = ap.rstrip(b"\0").decode()
                    raise NlError(err, msg)
                if t == NLMSG_DONE:
                    return msgs
                msgs.append((body[0], parse_attrs(body[4:])))

    def request(self, mtype, cmd, payload=b"", flags=NLM_F_REQUEST | NLM_F_ACK):
        return self.recv_all(self.send(mtype, cmd, payload, flags))

    def family(self, name):
        msgs = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                            attr(CTRL_ATTR_FAMILY_NAME, name))
        attrs = dict(msgs[0][1])
        return struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID][:2])[0]
