#!/usr/bin/python3
"""A loopback stand-in for The Met's Collection API and for IIIF servers, for Accession's tests.

    fake_collection_server.py ROOT

Serves on 127.0.0.1 (a free port, printed as "PORT <n>" on the first line) until killed, from ROOT:
  config.json      {"departments": [{"departmentId", "displayName"}], "objects": {"<id>": {object JSON}},
                    "faults": {"slow": {"<id>": seconds}, "rate_limited": {"<id>": times}, "server_error": {"<id>": times},
                               "truncated": ["<id>"], "invalid_json": ["<id>"], "missing": ["<id>"],
                               "truncated_image": ["<file>"],
                               "streams": {"<request path>": "endless" | "huge_declared" | "trickle" | "silent"}}}
  images/<file>    image files, served at /images/<file> and through the IIIF Image API at
                   /iiif-image/<stem>/full/<size>/0/default.jpg
  iiif/<path>      manifests and collections; "{BASE}" in them becomes this server's address
A path in "streams" misbehaves whatever it names: "endless" sends bytes without end (no length, until the
client hangs up), "huge_declared" declares 5 GB and streams, "trickle" sends one byte a second, "silent" sends
the headers and then nothing.
Every request is appended to ROOT/requests.log as "<unix time> <path>".

Endpoints, as The Met's: /api/departments, /api/objects?departmentIds=N, /api/objects/<id>.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ROOT = sys.argv[1]
LOCK = threading.Lock()
COUNTS = {}


def config():
    with open(os.path.join(ROOT, "config.json"), encoding="utf-8") as f:
        return json.load(f)


def count(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json", headers=None, declared_length=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(declared_length if declared_length is not None else len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        if declared_length is not None and declared_length > len(body):
            self.wfile.flush()
            self.close_connection = True

    def stream(self, kind):
        """Misbehaves on purpose until the client gives up (or two minutes pass)."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if kind == "huge_declared":
            self.send_header("Content-Length", str(5 * 1024 ** 3))
        elif kind in ("trickle", "silent"):
            self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.flush()
        chunk = b"[" + b"0," * 32767 + b"0"
        deadline = time.time() + 120
        try:
            while time.time() < deadline:
                if kind in ("endless", "huge_declared"):
                    self.wfile.write(chunk)
                elif kind == "trickle":
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
                else:
                    time.sleep(0.2)
        except OSError:
            pass

    def do_GET(self):
        with LOCK:
            with open(os.path.join(ROOT, "requests.log"), "a", encoding="utf-8") as log:
                log.write("%.6f %s\n" % (time.time(), self.path))
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        cfg = config()
        faults = cfg.get("faults", {})
        if self.path in faults.get("streams", {}):
            return self.stream(faults["streams"][self.path])
        base = "http://127.0.0.1:%d" % self.server.server_address[1]

        if parts == ["api", "departments"]:
            return self.send(200, json.dumps({"departments": cfg["departments"]}).encode())
        if parts == ["api", "objects"]:
            query = parse_qs(url.query)
            wanted = query.get("departmentIds", [None])[0]
            ids = sorted(int(i) for i, o in cfg["objects"].items()
                         if wanted is None or str(o.get("_departmentId")) in wanted.split("|"))
            return self.send(200, json.dumps({"total": len(ids), "objectIDs": ids}).encode())
        if len(parts) == 3 and parts[:2] == ["api", "objects"]:
            key = parts[2]
            time.sleep(float(faults.get("slow", {}).get(key, 0)))
            if key in faults.get("missing", []) or key not in cfg["objects"]:
                return self.send(404, b'{"message": "ObjectID not found"}')
            if count("429:" + key) <= int(faults.get("rate_limited", {}).get(key, 0)):
                return self.send(429, b'{"message": "Too many requests"}', headers={"Retry-After": "1"})
            if count("500:" + key) <= int(faults.get("server_error", {}).get(key, 0)):
                return self.send(500, b"Internal Server Error", "text/plain")
            if key in faults.get("invalid_json", []):
                return self.send(200, b'{"objectID": ' + key.encode() + b', "title": "unterminated')
            body = json.dumps({k: v for k, v in cfg["objects"][key].items() if not k.startswith("_")}).encode()
            body = body.replace(b"{BASE}", base.encode())
            if key in faults.get("truncated", []):
                return self.send(200, body[: len(body) // 2], declared_length=len(body))
            return self.send(200, body)
        if len(parts) == 2 and parts[0] == "images":
            return self.serve_image(parts[1], faults)
        if len(parts) >= 2 and parts[0] == "iiif-image":
            return self.serve_image(parts[1] + ".jpg", faults)
        if parts and parts[0] == "iiif":
            path = os.path.join(ROOT, *parts)
            if not os.path.isfile(path):
                return self.send(404, b"not found", "text/plain")
            with open(path, "rb") as f:
                body = f.read().replace(b"{BASE}", base.encode())
            return self.send(200, body, "application/ld+json")
        return self.send(404, b"not found", "text/plain")

    def serve_image(self, name, faults):
        path = os.path.join(ROOT, "images", name)
        if not os.path.isfile(path):
            return self.send(404, b"no such image", "text/plain")
        with open(path, "rb") as f:
            body = f.read()
        if name in faults.get("truncated_image", []):
            return self.send(200, body[: len(body) // 3], "image/jpeg", declared_length=len(body))
        return self.send(200, body, "image/jpeg")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
