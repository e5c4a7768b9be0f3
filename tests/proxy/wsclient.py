#!/usr/bin/env python3
"""A real WebSocket client (python3-websockets) for berth-proxy tests.

  wsclient.py [--ca FILE] echo URL TEXT...       one reply per line
  wsclient.py [--ca FILE] big URL BYTES          a binary message, echoed whole
  wsclient.py [--ca FILE] session URL SECONDS READY

The TCP connection always goes to 127.0.0.1 (the URL's port); the URL's
host is what the Host header and TLS's server name say, so it picks the
service. --ca trusts FILE for wss:// URLs.

session: once connected, creates the file READY, then sends a message
every 0.1 s and waits for its reply, until SECONDS pass or the connection
ends; prints "replies=N from=NAME[,NAME] end=done|closed CODE". A failed
handshake (or any error in echo/big) exits with status 1.
"""
import asyncio
import hashlib
import ssl
import sys
import time
from urllib.parse import urlparse

import websockets

args = sys.argv[1:]
ca = None
if args[0] == "--ca":
    ca, args = args[1], args[2:]
mode, url, rest = args[0], args[1], args[2:]


def connect():
    u = urlparse(url)
    kw = {"host": "127.0.0.1", "port": u.port, "max_size": None,
          "open_timeout": 5, "close_timeout": 2}
    if u.scheme == "wss":
        kw["ssl"] = ssl.create_default_context(cafile=ca)
        kw["server_hostname"] = u.hostname
    return websockets.connect(url, **kw)


async def echo():
    async with connect() as ws:
        for text in rest:
            await ws.send(text)
            print(await asyncio.wait_for(ws.recv(), 5))


async def big():
    n = int(rest[0])
    data = (bytes(range(256)) * (n // 256 + 1))[:n]
    async with connect() as ws:
        await ws.send(data)
        got = await asyncio.wait_for(ws.recv(), 20)
        if hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
            sys.exit("echo of %d bytes came back as %d different bytes" % (n, len(got)))
        print("ok", n)


async def session():
    seconds, ready = float(rest[0]), rest[1]
    replies, names, end = 0, [], "done"
    async with connect() as ws:
        open(ready, "w").close()
        stop = time.time() + seconds
        try:
            while time.time() < stop:
                await ws.send("m%d" % replies)
                reply = await asyncio.wait_for(ws.recv(), 5)
                who, _, text = reply.split(" ", 2)
                if text != "m%d" % replies:
                    sys.exit("reply %r to m%d" % (reply, replies))
                if who not in names:
                    names.append(who)
                replies += 1
                await asyncio.sleep(0.1)
        except websockets.ConnectionClosed as e:
            end = "closed %s" % (e.rcvd.code if e.rcvd else 1006)
    print("replies=%d from=%s end=%s" % (replies, ",".join(names), end))


try:
    asyncio.run({"echo": echo, "big": big, "session": session}[mode]())
except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as e:
    sys.exit("%s: %s" % (type(e).__name__, e))
