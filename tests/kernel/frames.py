#!/usr/bin/python3
"""Raw Ethernet frames for the tenant-attack tests, built from the RFCs,
and a sender and sniffer over AF_PACKET that run inside any namespace:

    frames.py send IFNAME HEX [COUNT]     send the frame COUNT times
    frames.py sniff IFNAME SECONDS        print "ready", then, once standard
                                          input is closed (and 0.3 s more for
                                          what is in flight) or after SECONDS,
                                          one JSON list of the frames seen:
                                          {"hex": ..., "pkttype": N}

The tests run these through "nsenter -t PID -U -n" (a tenant's own user and
network namespace) or "ip netns exec NS", so that an attack is made with the
tenant's own credentials. Standard library only.
"""
import json
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 = 0x0800, 0x0806, 0x86DD
PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST = 0, 1, 2
BROADCAST = "ff:ff:ff:ff:ff:ff"


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def eth(dst, src, proto, payload):
    return mac(dst) + mac(src) + struct.pack("!H", proto) + payload


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0,
                      ttl, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def udp4(src, dst, sport, dport, data):
    """An IPv4 UDP datagram (UDP checksum 0: none, allowed for IPv4)."""
    return ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport,
                                          8 + len(data), 0) + data)


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, op, mac(sha),
                       socket.inet_aton(spa), mac(tha),
                       socket.inet_aton(tpa))


def dstopts(nexthdr):
    """An empty Destination Options header (one PadN option, 8 bytes)."""
    return struct.pack("!BBBB4x", nexthdr, 0, 1, 4)


def ipv6(src, dst, nexthdr, payload, hlim=255, ext=b""):
    """IPv6 with optional extension headers ext (whose first next-header
    field must already name what follows them)."""
    nh = 60 if ext else nexthdr     # 60: destination options
    return struct.pack("!IHBB16s16s", 6 << 28, len(ext) + len(payload), nh,
                       hlim, socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + ext + payload


def icmp6(src, dst, mtype, body, ext=b""):
    """An ICMPv6 message in IPv6, checksum over the pseudo header."""
    msg = struct.pack("!BBH", mtype, 0, 0) + body
    pseudo = socket.inet_pton(socket.AF_INET6, src) + \
        socket.inet_pton(socket.AF_INET6, dst) + \
        struct.pack("!IxxxB", len(msg), 58)
    msg = msg[:2] + struct.pack("!H", csum(pseudo + msg)) + msg[4:]
    if ext:
        ext = bytes([58]) + ext[1:]
    return ipv6(src, dst, 58, msg, ext=ext)


def na(src, dst, target, lladdr, ext=b""):
    """A neighbour advertisement (override) with a target link-layer
    address option."""
    body = struct.pack("!I16s", 0x20000000,
                       socket.inet_pton(socket.AF_INET6, target)) + \
        bytes([2, 1]) + mac(lladdr)
    return icmp6(src, dst, 136, body, ext)


def ra(src, lladdr):
    """A router advertisement to all nodes: default router for 1800 s."""
    body = struct.pack("!BBHII", 64, 0, 1800, 0, 0) + bytes([1, 1]) + \
        mac(lladdr)
    return icmp6(src, "ff02::1", 134, body)


def echo6(src, dst):
    return icmp6(src, dst, 128, struct.pack("!HH", 1, 1) + b"ipvl")


def send(ifname, frame, count=1):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    for _ in range(count):
        s.send(frame)
    s.close()


def sniff(ifname, seconds, out=sys.stdout):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    print("ready", file=out, flush=True)
    seen, end = [], time.monotonic() + seconds
    watch = [s, sys.stdin]
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        ready = select.select(watch, [], [], left)[0]
        if sys.stdin in ready:
            if not sys.stdin.readline():
                watch.remove(sys.stdin)
                end = min(end, time.monotonic() + 0.3)
            continue
        if s not in ready:
            continue
        data, addr = s.recvfrom(65535)
        if addr[2] == 4:        # PACKET_OUTGOING: our own sends
            continue
        seen.append({"hex": data.hex(), "pkttype": addr[2]})
    s.close()
    print(json.dumps(seen), file=out, flush=True)


def main(argv):
    if len(argv) >= 3 and argv[0] == "send":
        send(argv[1], bytes.fromhex(argv[2]),
             int(argv[3]) if len(argv) > 3 else 1)
        return 0
    if len(argv) == 3 and argv[0] == "sniff":
        sniff(argv[1], float(argv[2]))
        return 0
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
