#!/usr/bin/env python3
"""Sends raw bytes to HOST:PORT and prints what comes back (until the peer
closes or TIMEOUT seconds pass). Escapes in the payload (\\r, \\n, \\x00)
are interpreted.   raw.py PORT 'GET / HTTP/1.1\\r\\n...' [TIMEOUT]"""
import socket
import sys
import time

port = int(sys.argv[1])
data = sys.argv[2].encode().decode("unicode_escape").encode("latin-1")
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
s = socket.create_connection(("127.0.0.1", port))
s.sendall(data)
s.settimeout(timeout)
out = b""
end = time.time() + timeout
try:
    while time.time() < end:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
except (socket.timeout, ConnectionResetError):
    pass
sys.stdout.write(out.decode("latin-1"))
