"""A stub DNS server for tests in a private network namespace: answers A queries for the names
it is given with their IPv4 address, any other type for those names with no records (NODATA),
and every other name with NXDOMAIN. UDP only, one question per query; each query is logged as a
JSON line {"name", "type"} so a test can tell DNS was asked. Listen on loopback only.

    python3 tests/fake_aws/dns.py --port-file F --log L NAME=127.0.0.1 ...
"""

import argparse
import json
import os
import socket
import struct

TYPES = {1: "A", 28: "AAAA", 5: "CNAME", 15: "MX", 16: "TXT", 33: "SRV", 65: "HTTPS"}


def parse_question(packet):
    """(id, flags, name, qtype, end offset of the question) of a query, or None."""
    if len(packet) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", packet[:6])
    if qdcount != 1 or flags & 0x8000:
        return None
    labels, pos = [], 12
    while pos < len(packet) and packet[pos]:
        n = packet[pos]
        if n & 0xC0:
            return None
        labels.append(packet[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    if pos + 5 > len(packet):
        return None
    qtype, _qclass = struct.unpack("!HH", packet[pos + 1:pos + 5])
    return qid, flags, ".".join(labels).lower(), qtype, pos + 5


def answer(packet, table):
    """The response to one query: A records from table, NODATA or NXDOMAIN otherwise."""
    q = parse_question(packet)
    if q is None:
        return None, None
    qid, flags, name, qtype, end = q
    question = packet[12:end]
    known = name.rstrip(".") in table
    records = b""
    if known and qtype == 1:
        # Name pointer to the question (offset 12), type A, class IN, TTL 60, 4 bytes.
        records = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(table[name])
    rcode = 0 if known else 3
    rflags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode  # QR AA RD RA
    header = struct.pack("!HHHHHH", qid, rflags, 1, 1 if records else 0, 0, 0)
    return header + question + records, {"name": name, "type": TYPES.get(qtype, qtype)}


def main(argv=None):
    p = argparse.ArgumentParser(description="stub DNS server for covenant-shim tests")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--port-file", help="written once the socket is bound")
    p.add_argument("--log", help="queries as JSON lines")
    p.add_argument("names", nargs="*", help="NAME=IPV4 (none: every name is NXDOMAIN)")
    args = p.parse_args(argv)
    table = {}
    for item in args.names:
        name, _, addr = item.partition("=")
        table[name.lower().rstrip(".")] = addr
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.host, args.port))
    log = open(args.log, "a", buffering=1) if args.log else None
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(json.dumps({"pid": os.getpid(), "port": sock.getsockname()[1]}) + "\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    while True:
        packet, peer = sock.recvfrom(4096)
        reply, entry = answer(packet, table)
        if reply is None:
            continue
        if log:
            log.write(json.dumps(entry) + "\n")
        sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
