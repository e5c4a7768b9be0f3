#!/usr/bin/env python3
"""A client that reads late: sends GET PATH, reads nothing for PAUSE
seconds (so the proxy's writes to it back up), then reads the whole
response at full speed. Prints the status, the body length, and whether
the body's sha256 matches the X-Sha256 header the backend sent.

  slowread.py PORT PATH PAUSE [HOST] [TIMEOUT] [STAMP]

STAMP, if given, is a file that gets the time reading began (seconds)."""
import hashlib
import http.client
import sys
import time

port, path, pause = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
host = sys.argv[4] if len(sys.argv) > 4 else "x"
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
stamp = sys.argv[6] if len(sys.argv) > 6 else None
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
conn.putrequest("GET", path, skip_host=True)
conn.putheader("Host", host)
conn.endheaders()
time.sleep(pause)
if stamp:
    with open(stamp, "w") as f:
        f.write("%.3f\n" % time.time())
r = conn.getresponse()
body = r.read()
match = hashlib.sha256(body).hexdigest() == r.getheader("X-Sha256")
print(r.status, len(body), "sha256-ok" if match else "sha256-mismatch")
