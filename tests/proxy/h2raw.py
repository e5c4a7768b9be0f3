#!/usr/bin/env python3
"""A raw HTTP/2 client for berth-proxy tests: frames curl will not send.

  h2raw.py PORT AUTHORITY SCENARIO

Connects to 127.0.0.1:PORT over TLS (ALPN h2, SNI = AUTHORITY without port,
certificate not checked) and prints one line per event it sees:
  stream N headers | stream N data BYTES | stream N end | stream N rst CODE
  goaway CODE | eof
Scenarios:
  cancel    GET /slow?ms=3000, RST_STREAM(CANCEL) after 0.5s, then GET /after
  window    GET /bytes?n=4000000 without ever opening its stream window,
            then GET /small: the second must finish while the first stalls
  upgrade   an Upgrade request, an RFC 8441 extended CONNECT, a plain
            CONNECT, then a plain GET on the same connection
  idle      nothing: waits for the server's GOAWAY and close
  slowhead  a HEADERS frame whose CONTINUATION never comes; waits as idle
Header blocks use HPACK literals only (no table, no Huffman), so no HPACK
library is needed; responses are not decoded, only their frames counted.
"""
import socket
import ssl
import struct
import sys
import time

DATA, HEADERS, RST, SETTINGS, PING, GOAWAY, WINDOW = 0, 1, 3, 4, 6, 7, 8
END_STREAM, END_HEADERS, ACK = 1, 4, 1

port, authority, scenario = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def hpack_int(n, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if n < limit:
        return bytes([first | n])
    out = [first | limit]
    n -= limit
    while n >= 128:
        out.append(n % 128 + 128)
        n //= 128
    out.append(n)
    return bytes(out)


def hpack(headers):
    out = b""
    for name, value in headers:
        out += b"\x00" + hpack_int(len(name), 7) + name.encode()
        out += hpack_int(len(value), 7) + value.encode()
    return out


class Client:
    def __init__(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", port), 5)
        self.s = ctx.wrap_socket(raw, server_hostname=authority.split(":")[0])
        assert self.s.selected_alpn_protocol() == "h2", self.s.selected_alpn_protocol()
        self.buf = b""
        self.ended, self.reset, self.got = set(), set(), {}
        self.closed = False
        self.s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        self.frame(SETTINGS, 0, 0, b"")

    def frame(self, ftype, flags, sid, payload):
        hdr = struct.pack(">I", len(payload))[1:] + bytes([ftype, flags])
        self.s.sendall(hdr + struct.pack(">I", sid) + payload)

    def request(self, sid, method, path, extra=(), end=True, pseudo=()):
        hs = [(":method", method)]
        if method != "CONNECT" or pseudo:
            hs += [(":scheme", "https"), (":path", path)]
        hs += [(":authority", authority)] + list(pseudo) + list(extra)
        self.frame(HEADERS, END_HEADERS | (END_STREAM if end else 0), sid, hpack(hs))

    def read_frame(self, timeout):
        self.s.settimeout(timeout)
        while len(self.buf) < 9 or len(self.buf) < 9 + int.from_bytes(self.buf[:3], "big"):
            try:
                chunk = self.s.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                return None
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
                print("eof", flush=True)
                return None
            self.buf += chunk
        n = int.from_bytes(self.buf[:3], "big")
        ftype, flags = self.buf[3], self.buf[4]
        sid = struct.unpack(">I", self.buf[5:9])[0] & 0x7FFFFFFF
        payload = self.buf[9:9 + n]
        self.buf = self.buf[9 + n:]
        return ftype, flags, sid, payload

    def handle(self, f, open_windows=True):
        ftype, flags, sid, payload = f
        if ftype == SETTINGS and not flags & ACK:
            self.frame(SETTINGS, ACK, 0, b"")
        elif ftype == PING and not flags & ACK:
            self.frame(PING, ACK, 0, payload)
        elif ftype == HEADERS:
            print("stream %d headers" % sid, flush=True)
        elif ftype == DATA:
            self.got[sid] = self.got.get(sid, 0) + len(payload)
            if payload:
                # The connection window always reopens; a stream's only
                # when asked (the "window" scenario starves one stream).
                self.frame(WINDOW, 0, 0, struct.pack(">I", len(payload)))
                if open_windows is True or sid in open_windows:
                    self.frame(WINDOW, 0, sid, struct.pack(">I", len(payload)))
        elif ftype == RST:
            self.reset.add(sid)
            print("stream %d rst %d" % (sid, struct.unpack(">I", payload)[0]), flush=True)
        elif ftype == GOAWAY:
            print("goaway %d" % struct.unpack(">I", payload[4:8])[0], flush=True)
        if ftype in (HEADERS, DATA) and flags & END_STREAM:
            self.ended.add(sid)
            print("stream %d end" % sid, flush=True)

    def run_until(self, done, seconds, open_windows=True):
        deadline = time.time() + seconds
        while not done() and not self.closed and time.time() < deadline:
            f = self.read_frame(max(0.01, deadline - time.time()))
            if f:
                self.handle(f, open_windows)
        return done()


def cancel(c):
    c.request(1, "GET", "/slow?ms=3000")
    c.run_until(lambda: False, 0.5)
    c.frame(RST, 0, 1, struct.pack(">I", 8))
    c.request(3, "GET", "/after")
    return c.run_until(lambda: 3 in c.ended, 5)


def window(c):
    c.request(1, "GET", "/bytes?n=4000000")
    c.run_until(lambda: False, 0.5, open_windows={3})
    c.request(3, "GET", "/small")
    ok = c.run_until(lambda: 3 in c.ended, 5, open_windows={3})
    print("stream 1 got %d" % c.got.get(1, 0), flush=True)
    return ok and 1 not in c.ended


def upgrade(c):
    c.request(1, "GET", "/ws", [("connection", "upgrade"), ("upgrade", "websocket")])
    c.request(3, "CONNECT", "/ws", pseudo=[(":protocol", "websocket")], end=False)
    c.request(5, "CONNECT", "", end=False)
    c.run_until(lambda: {1, 3} <= c.reset and 5 in c.ended, 5)
    c.request(7, "GET", "/after")
    return c.run_until(lambda: 7 in c.ended, 5)


def idle(c):
    return c.run_until(lambda: False, 10) or c.closed


def slowhead(c):
    c.run_until(lambda: False, 0.3)  # SETTINGS acknowledged first: only
    # CONTINUATION may follow the HEADERS frame.
    c.frame(HEADERS, 0, 1, hpack([(":method", "GET"), (":scheme", "https")]))
    return idle(c)


c = Client()
ok = {"cancel": cancel, "window": window, "upgrade": upgrade, "idle": idle,
      "slowhead": slowhead}[scenario](c)
sys.exit(0 if ok else 1)
