#!/usr/bin/env python3
"""A real WebSocket server (python3-websockets) as a berth-proxy target.

  wsserver.py PORT NAME

GET /up answers 200 (the health check); any other path takes the
library's own handshake, which refuses what RFC 6455 refuses (no
Upgrade: websocket, no Sec-WebSocket-Key...). Each text message comes
back as "NAME PATH MESSAGE"; a binary one comes back as it is. The
Host header of each handshake is appended to NAME.hosts.
"""
import asyncio
import http
import sys

import websockets

port, name = int(sys.argv[1]), sys.argv[2]


async def health(path, headers):
    if path == "/up":
        return http.HTTPStatus.OK, [], b"up " + name.encode() + b"\n"
    with open(name + ".hosts", "a") as f:
        f.write(headers.get("Host", "") + "\n")
    return None


async def echo(ws, path=None):
    async for msg in ws:
        if isinstance(msg, bytes):
            await ws.send(msg)
        else:
            await ws.send("%s %s %s" % (name, ws.path, msg))


async def main():
    async with websockets.serve(echo, "127.0.0.1", port, process_request=health,
                                max_size=None):
        await asyncio.Future()


asyncio.run(main())
