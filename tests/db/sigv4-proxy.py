#!/usr/bin/env python3
"""sigv4-proxy.py - a reverse proxy that checks AWS SigV4 before S3 sees a request.

s3rver accepts any well-formed V4 signature, so the S3 tests put this in
front of it: every request's signature is recomputed here, independently of
berth's C code (Python stdlib only), from what arrived on the wire: the
canonical request (method, URI, sorted encoded query, the signed headers
including x-amz-content-sha256, the payload hash), the scope, and the test's
known secret. A mismatch answers 403 SignatureDoesNotMatch in S3's XML error
shape; a good request is forwarded to s3rver without its Authorization.

usage: sigv4-proxy.py UPSTREAM_PORT ACCESS_KEY SECRET_KEY PORT_FILE LOG_FILE
Listens on 127.0.0.1, on a free port written to PORT_FILE.
"""
import datetime
import hashlib
import hmac
import http.client
import http.server
import socketserver
import sys
import urllib.parse
import uuid

UPSTREAM, ACCESS, SECRET, PORT_FILE, LOG_FILE = sys.argv[1:6]
UPSTREAM = int(UPSTREAM)


def log(line):
    with open(LOG_FILE, "a") as f:
        f.write(line + "\n")


def s3_quote(s, safe):
    return urllib.parse.quote(s, safe=safe)  # letters, digits, "_.-~" always safe


def canonical_query(raw):
    pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True)
    enc = sorted((s3_quote(k, ""), s3_quote(v, "")) for k, v in pairs)
    return "&".join("%s=%s" % kv for kv in enc)


def xml_error(code, message, extra=None):
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>' % (code, esc(message))
    for k, v in (extra or {}).items():
        body += "<%s>%s</%s>" % (k, esc(v), k)
    body += "<RequestId>%s</RequestId></Error>" % uuid.uuid4().hex
    return body.encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def deny(self, code, message, extra=None):
        log("403 %s %s %s" % (code, self.command, self.path))
        self.reply(403, xml_error(code, message, extra), [("Content-Type", "application/xml")])

    def verify(self, body):
        """None when the signature is good, else (code, message, extra)."""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return ("AccessDenied", "Access Denied", None)
        fields = {}
        for part in auth[len("AWS4-HMAC-SHA256 "):].split(","):
            k, _, v = part.strip().partition("=")
            fields[k] = v
        try:
            key_id, date, region, service, term = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            given = fields["Signature"]
        except (KeyError, ValueError):
            return ("AuthorizationHeaderMalformed", "The authorization header is malformed", None)
        if key_id != ACCESS:
            return ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.",
                    {"AWSAccessKeyId": key_id})
        amz_date = self.headers.get("x-amz-date", "")
        for must in ("host", "x-amz-date", "x-amz-content-sha256"):
            if must not in signed:
                return ("AccessDenied", "%s must be signed" % must, None)
        if signed != sorted(signed) or term != "aws4_request" or service != "s3" or amz_date[:8] != date:
            return ("AuthorizationHeaderMalformed", "bad credential scope or header list", None)
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            return ("AccessDenied", "bad x-amz-date", None)
        if abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) > 900:
            return ("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", None)
        payload = self.headers.get("x-amz-content-sha256", "")
        if payload != "UNSIGNED-PAYLOAD" and payload != hashlib.sha256(body).hexdigest():
            return ("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", None)
        raw_path, _, raw_query = self.path.partition("?")
        uri = s3_quote(urllib.parse.unquote(raw_path), "/")
        headers = ""
        for name in signed:
            value = self.headers.get(name)
            if value is None:
                return ("AccessDenied", "signed header %s is missing" % name, None)
            headers += "%s:%s\n" % (name, " ".join(value.split()))
        creq = "\n".join([self.command, uri, canonical_query(raw_query), headers, ";".join(signed), payload])
        scope = "/".join([date, region, service, term])
        sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
        k = ("AWS4" + SECRET).encode()
        for part in (date, region, service, term):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, given):
            return ("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. "
                    "Check your key and signing method.",
                    {"AWSAccessKeyId": key_id, "StringToSign": sts, "CanonicalRequest": creq})
        return None

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        bad = self.verify(body)
        if bad:
            self.deny(*bad)
            return
        log("ok %s %s" % (self.command, self.path))
        fwd = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "connection", "host")}
        fwd["Host"] = "127.0.0.1:%d" % UPSTREAM
        conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        conn.request(self.command, self.path, body=body or None, headers=fwd)
        resp = conn.getresponse()
        data = resp.read()
        keep = [(k, v) for k, v in resp.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        self.reply(resp.status, data, keep)
        conn.close()

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(PORT_FILE + ".tmp", PORT_FILE)
srv.serve_forever()
