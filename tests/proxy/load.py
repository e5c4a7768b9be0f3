#!/usr/bin/env python3
"""Bounded load for zero-downtime tests.

  load.py PORT SECONDS STOPFILE [--retry-reused]

LOAD_HOST (127.0.0.1) is the server; LOAD_SLOW_PATH the slow requests' path.

Runs 8 worker threads (half keep-alive, half a new connection per request)
plus 2 threads issuing slow requests (/slow?ms=700), until STOPFILE exists
or SECONDS pass. Prints "ok=N fail=M slow_ok=K" and every failure; exits 1
if anything failed.

--retry-reused: a request sent on a kept-alive connection that the server
closed before answering is sent once more on a new connection, as RFC 9112
(9.3.1) lets a client do for an idempotent request and as browsers, curl
and Go's client do; those are counted as "retried", not failed. A proxy
that is being replaced closes its idle keep-alive connections, and a
request can cross that close on the wire."""
import http.client
import os
import sys
import threading
import time

port, seconds, stopfile = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
retry_reused = "--retry-reused" in sys.argv[4:]
host = os.environ.get("LOAD_HOST", "127.0.0.1")
slow_path = os.environ.get("LOAD_SLOW_PATH", "/slow?ms=700")
deadline = time.time() + seconds
lock = threading.Lock()
counts = {"ok": 0, "fail": 0, "slow_ok": 0, "retried": 0}
failures = []


def done():
    return time.time() > deadline or os.path.exists(stopfile)


def record(key, msg=None):
    with lock:
        counts[key] += 1
        if msg and len(failures) < 20:
            failures.append(msg)


def send(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    return r


def worker(keepalive, path, key):
    conn = None
    while not done():
        try:
            reused = conn is not None
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=10)
            try:
                r = send(conn, path)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if not (retry_reused and reused):
                    raise
                record("retried")
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
                r = send(conn, path)
            if 200 <= r.status < 300:
                record(key)
            else:
                record("fail", "%s -> %d" % (path, r.status))
            if not keepalive or r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception as e:  # noqa: BLE001 - any error is a failure here
            record("fail", "%s -> %r" % (path, e))
            conn = None


threads = [threading.Thread(target=worker, args=(i % 2 == 0, "/", "ok")) for i in range(8)]
threads += [threading.Thread(target=worker, args=(True, slow_path, "slow_ok")) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("ok=%d fail=%d slow_ok=%d retried=%d" % (counts["ok"], counts["fail"], counts["slow_ok"],
                                              counts["retried"]))
for f in failures:
    print("failure: " + f)
sys.exit(1 if counts["fail"] else 0)
