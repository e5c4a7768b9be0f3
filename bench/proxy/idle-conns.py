#!/usr/bin/env python3
"""idle-conns.py HOST PORT N PATH - open N keep-alive connections, make one
request on each, then hold them all idle until stdin closes.

Prints "ready OK/N" once every connection has had its answer, so the
caller can read the proxy's memory with N idle keep-alive clients."""
import selectors
import socket
import sys

host, port, n, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
req = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
sel = selectors.DefaultSelector()
socks, ok, pending = [], 0, 0
BATCH = 200  # connects in flight at once; stays under listen backlogs

def start(i):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((host, port))
    sel.register(s, selectors.EVENT_WRITE, [b"", False])
    socks.append(s)

i = 0
while i < n or pending:
    while i < n and pending < BATCH:
        start(i)
        i += 1
        pending += 1
    for key, ev in sel.select(timeout=10):
        s, st = key.fileobj, key.data
        if ev & selectors.EVENT_WRITE and not st[1]:
            try:
                s.send(req)
            except OSError:
                sel.unregister(s); pending -= 1
                continue
            st[1] = True
            sel.modify(s, selectors.EVENT_READ, st)
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        st[0] += data
        head, sep, body = st[0].partition(b"\r\n\r\n")
        done = not data
        if sep:
            clen = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    clen = int(v)
            if len(body) >= clen:
                ok += head.startswith(b"HTTP/1.1 200")
                done = True
        if done:
            sel.unregister(s)
            pending -= 1
print(f"ready {ok}/{n}", flush=True)
sys.stdin.read()
