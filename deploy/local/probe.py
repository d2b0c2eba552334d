#!/usr/bin/env python3
"""Readiness probes for the local infrastructure (standard library only).

    probe.py kafka HOST PORT   -> a real Kafka Metadata (v1) request; ready when the
                                  broker lists itself and knows its KRaft controller
    probe.py mongo HOST PORT   -> a real wire-protocol OP_MSG {ping: 1} on "admin";
                                  ready when the reply says ok: 1

Exit code 0 when the server answers correctly, 1 otherwise (reason on stderr).
Used by kafka.sh and mongo.sh; cheap enough (~30 ms) to poll every few hundred ms.
"""

from __future__ import annotations

import os
import socket
import struct
import sys

TIMEOUT_S = float(os.environ.get("LLO_PROBE_TIMEOUT", "3"))


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by server")
        buf += chunk
    return bytes(buf)


# ---------------------------------------------------------------- Kafka


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return value

    def string(self) -> str | None:
        length = self.take(">h")
        if length < 0:
            return None
        value = self.data[self.pos : self.pos + length].decode()
        self.pos += length
        return value


def probe_kafka(host: str, port: int) -> str:
    correlation_id = 0x11C0
    client_id = b"llo-probe"
    # Request header v1 + Metadata v1 body (topics = null: all topics).
    body = struct.pack(">hhih", 3, 1, correlation_id, len(client_id)) + client_id
    body += struct.pack(">i", -1)
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        sock.settimeout(TIMEOUT_S)
        sock.sendall(struct.pack(">i", len(body)) + body)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        reply = _Reader(_recv_exact(sock, size))
    if reply.take(">i") != correlation_id:
        raise RuntimeError("unexpected correlation id in Metadata reply")
    brokers = []
    for _ in range(reply.take(">i")):
        node_id = reply.take(">i")
        b_host = reply.string()
        b_port = reply.take(">i")
        reply.string()  # rack
        brokers.append((node_id, b_host, b_port))
    controller_id = reply.take(">i")
    if not brokers:
        raise RuntimeError("broker answered but lists no broker yet")
    if controller_id < 0:
        raise RuntimeError("broker answered but has no active controller yet")
    return f"brokers={brokers} controller={controller_id}"


# ---------------------------------------------------------------- MongoDB wire protocol


def _bson_doc(fields: list[tuple[str, object]]) -> bytes:
    out = bytearray()
    for key, value in fields:
        name = key.encode() + b"\x00"
        if isinstance(value, bool):
            out += b"\x08" + name + (b"\x01" if value else b"\x00")
        elif isinstance(value, int):
            out += b"\x10" + name + struct.pack("<i", value)
        elif isinstance(value, str):
            raw = value.encode() + b"\x00"
            out += b"\x02" + name + struct.pack("<i", len(raw)) + raw
        else:  # pragma: no cover - only the types above are sent
            raise TypeError(type(value))
    return struct.pack("<i", len(out) + 5) + bytes(out) + b"\x00"


def _bson_top_level(doc: bytes) -> dict[str, object]:
    """Decode the scalar top-level fields of a BSON document; skip the rest."""
    fixed = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16}
    result: dict[str, object] = {}
    pos, end = 4, struct.unpack_from("<i", doc)[0] - 1
    while pos < end:
        kind = doc[pos]
        pos += 1
        nul = doc.index(b"\x00", pos)
        key = doc[pos:nul].decode()
        pos = nul + 1
        if kind == 0x01:
            result[key] = struct.unpack_from("<d", doc, pos)[0]
        elif kind == 0x10:
            result[key] = struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x12:
            result[key] = struct.unpack_from("<q", doc, pos)[0]
        elif kind == 0x08:
            result[key] = doc[pos] == 1
        elif kind in (0x02, 0x0D, 0x0E):
            length = struct.unpack_from("<i", doc, pos)[0]
            result[key] = doc[pos + 4 : pos + 3 + length].decode(errors="replace")
            pos += 4 + length
            continue
        if kind in fixed:
            pos += fixed[kind]
        elif kind in (0x03, 0x04):
            pos += struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x05:
            pos += 5 + struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x0B:  # regex: two cstrings
            pos = doc.index(b"\x00", doc.index(b"\x00", pos) + 1) + 1
        else:
            break  # unknown type: stop decoding, keep what we have
    return result


def _op_msg(sock: socket.socket, request_id: int, command: list[tuple[str, object]]) -> dict:
    payload = struct.pack("<I", 0) + b"\x00" + _bson_doc(command)
    header = struct.pack("<iiii", 16 + len(payload), request_id, 0, 2013)
    sock.sendall(header + payload)
    length, _req, response_to, opcode = struct.unpack("<iiii", _recv_exact(sock, 16))
    body = _recv_exact(sock, length - 16)
    if response_to != request_id or opcode != 2013:
        raise RuntimeError(f"unexpected reply (opcode {opcode}, responseTo {response_to})")
    if body[4] != 0:
        raise RuntimeError("unexpected OP_MSG section kind in reply")
    return _bson_top_level(body[5:])


def probe_mongo(host: str, port: int) -> str:
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        sock.settimeout(TIMEOUT_S)
        reply = _op_msg(sock, 1, [("ping", 1), ("$db", "admin")])
        if reply.get("ok") != 1:
            raise RuntimeError(f"ping failed: {reply}")
        info = _op_msg(sock, 2, [("buildInfo", 1), ("$db", "admin")])
    details = [f"version={info.get('version')}"]
    if "ferretdbVersion" in info:
        details.append(f"ferretdbVersion={info['ferretdbVersion']}")
    return " ".join(details)


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] not in ("kafka", "mongo"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, host, port = argv[1], argv[2], int(argv[3])
    try:
        detail = (probe_kafka if kind == "kafka" else probe_mongo)(host, port)
    except (OSError, RuntimeError, struct.error, ValueError, IndexError) as exc:
        print(f"{kind} probe {host}:{port}: {exc}", file=sys.stderr)
        return 1
    print(detail)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
