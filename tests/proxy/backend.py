#!/usr/bin/env python3
"""A test target for berth-proxy: HTTP/1.1 keep-alive, on 127.0.0.1.

  backend.py PORT NAME [--health STATUS] [--health-delay SECONDS]
             [--health-file PATH]

Routes:
  /up             health path: STATUS (default 200); with --health-file,
                  503 while PATH does not exist; once answered, a line
                  with the status goes to NAME.checks
  /slow?ms=N      answers after N milliseconds; touches NAME.started when
                  it begins and NAME.cancelled if the client went away first
  /stream         a chunked response in three pieces
  /status/N       answers status N
  /echo           the request body back (Content-Length)
  /allow-host     a --tls-on-demand-url endpoint: 200 for hosts in ./allowed-hosts
  /cookies        sets three cookies: a (Path=/), b (no Path), c (Path=/x,
                  Domain=other.example.com)
  /ws             101 for a valid RFC 6455 handshake (else 426 or 400),
                  then echoes bytes until EOF
  /switch-h2c     a broken target: 101 to h2c whatever the Upgrade asked
  /close          200 without a length: the body ends with the connection
                  (head, body and FIN leave together)
  /bytes?n=N      N bytes of a fixed pattern (&chunked=1: chunked, in
                  64 KiB pieces; &close=1: no length, the connection
                  closes); X-Sha256 carries their digest; NAME.sent gets
                  a line: when sending began and when it was done
  anything else   200, JSON: backend name, method, path, raw target,
                  headers, body length and sha256; with ?read_delay_ms=N
                  the body is read only after N milliseconds (so the
                  proxy's writes to us back up); NAME.arrivals gets one
                  line per request: the time its head arrived and the
                  time its body was complete (seconds, float)
"""
import base64
import hashlib
import json
import os
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, name = int(sys.argv[1]), sys.argv[2]
health = 200
health_delay = 0.0
health_file = None
args = sys.argv[3:]
while args:
    if args[0] == "--health":
        health = int(args[1]); args = args[2:]
    elif args[0] == "--health-delay":
        health_delay = float(args[1]); args = args[2:]
    elif args[0] == "--health-file":
        health_file = args[1]; args = args[2:]
    else:
        sys.exit("unknown option " + args[0])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Head and body go out in separate writes: without this, Nagle and
    # delayed ACKs add 40ms to every keep-alive request.
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype="application/json", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Backend", name)
        for k, v in (extra.items() if isinstance(extra, dict) else extra or []):
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            pieces = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return b"".join(pieces)
                pieces.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        path = self.path.split("?")[0]
        query = self.path[len(path) + 1:] if "?" in self.path else ""
        args = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        if path == "/up":
            time.sleep(health_delay)
            status = health
            if health_file and not os.path.exists(health_file):
                status = 503
            self.reply(status, ("up " if status == health else "down ") + name,
                       "text/plain")
            with open(name + ".checks", "a") as f:
                f.write("%d\n" % status)
            return
        if path == "/slow":
            ms = int(args.get("ms", "1000"))
            open(name + ".started", "w").close()
            end = time.time() + ms / 1000.0
            self.connection.setblocking(True)
            while time.time() < end:
                time.sleep(0.02)
                try:
                    self.connection.setblocking(False)
                    peek = self.connection.recv(1, socket.MSG_PEEK)
                    self.connection.setblocking(True)
                    if peek == b"":
                        open(name + ".cancelled", "w").close()
                        self.close_connection = True
                        return
                except BlockingIOError:
                    self.connection.setblocking(True)
                except OSError:
                    open(name + ".cancelled", "w").close()
                    return
            return self.reply(200, "slow " + name, "text/plain")
        if path == "/stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(3):
                piece = ("data: %d\n\n" % i).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                time.sleep(0.2)
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/close":
            self.connection.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                                    b"until close " + name.encode() + b"\n")
            self.connection.shutdown(socket.SHUT_WR)
            self.close_connection = True
            return
        if path == "/bytes":
            return self.send_bytes(args)
        if path == "/cookies":
            return self.reply(200, "cookies", "text/plain", extra=[
                ("Set-Cookie", "a=1; Path=/; HttpOnly"),
                ("Set-Cookie", "b=2"),
                ("Set-Cookie", "c=3; Path=/x; Domain=other.example.com")])
        if path == "/echo":
            return self.reply(200, self.read_body(), "application/octet-stream")
        if path == "/allow-host":
            # A --tls-on-demand-url endpoint: hosts listed in allowed-hosts
            # get 200. Each question is logged as "HOST-HEADER HOST-ARG".
            host = args.get("host", "")
            with open("checks.log", "a") as f:
                f.write("%s %s\n" % (self.headers.get("Host"), host))
            try:
                allowed = open("allowed-hosts").read().split()
            except OSError:
                allowed = []
            if host in allowed:
                return self.reply(200, "ok", "text/plain")
            return self.reply(403, "not on the list: " + host, "text/plain")
        if path.startswith("/status/"):
            return self.reply(int(path[8:]), "status", "text/plain")
        if path == "/ws":
            return self.websocket()
        if path == "/switch-h2c":
            self.send_response(101)
            self.send_header("Upgrade", "h2c")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            self.close_connection = True
            return
        arrived = time.time()
        time.sleep(int(args.get("read_delay_ms", "0")) / 1000.0)
        body = self.read_body()
        with open(name + ".arrivals", "a") as f:
            f.write("%.3f %.3f\n" % (arrived, time.time()))
        info = {"backend": name, "method": self.command, "path": path,
                "target": self.path, "query": query,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body_length": len(body),
                "sha256": hashlib.sha256(body).hexdigest()}
        self.reply(200, json.dumps(info))

    def websocket(self):
        """Switches only for a handshake an RFC 6455 server accepts (4.2.1):
        Upgrade: websocket, Connection listing upgrade, a Sec-WebSocket-Key
        of 16 bytes in base64 and Sec-WebSocket-Version 13; otherwise it
        answers 426 or 400, as the websockets library does."""
        h = self.headers
        conn = ",".join(h.get_all("Connection") or []).lower().split(",")
        if (h.get("Upgrade", "").lower() != "websocket" or
                "upgrade" not in [t.strip() for t in conn]):
            return self.reply(426, "upgrade required", "text/plain",
                              extra=[("Upgrade", "websocket")])
        key = h.get("Sec-WebSocket-Key", "")
        try:
            good_key = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            good_key = False
        if not good_key:
            return self.reply(400, "bad Sec-WebSocket-Key", "text/plain")
        if h.get("Sec-WebSocket-Version") != "13":
            return self.reply(426, "unsupported version", "text/plain",
                              extra=[("Sec-WebSocket-Version", "13")])
        guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
        accept = base64.b64encode(hashlib.sha1((key + guid).encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.send_header("X-Backend", name)
        self.end_headers()
        self.wfile.flush()
        # Not a WebSocket server beyond the handshake: bytes come back as
        # they went, which is all a relay test needs to see.
        while True:
            data = self.connection.recv(4096)
            if not data:
                break
            self.connection.sendall(data)
        self.close_connection = True

    def send_bytes(self, args):
        began = time.time()
        self.write_bytes(args)
        with open(name + ".sent", "a") as f:
            f.write("%.3f %.3f\n" % (began, time.time()))

    def write_bytes(self, args):
        n = int(args.get("n", "0"))
        data = pattern(n)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("X-Sha256", hashlib.sha256(data).hexdigest())
        if args.get("chunked") == "1":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, n, 65536):
                piece = data[i:i + 65536]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif args.get("close") == "1":
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(n))
            self.end_headers()
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


def pattern(n):
    """n bytes that are not all alike, so a misplaced byte changes the digest."""
    unit = bytes(range(256)) * 256
    return (unit * (n // len(unit) + 1))[:n]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


Server(("127.0.0.1", port), Handler).serve_forever()
