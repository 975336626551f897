#!/usr/bin/env python3
"""Black-box security probes for iron-router (Python 3.11 standard library only).

Starts a stub upstream (standing in for OpenAI and Anthropic) and the real router jar
(`java -jar iron-router.jar serve --config <temp>/router.yaml`) on 127.0.0.1, once per
transport, and checks the behaviour the security review asked for (probes 1-10, see
scripts/README.md). Prints one line per probe and transport, then a summary; exits 1 if
any probe failed, 2 if the run itself could not be set up.

Usage: security_probes.py --jar router-cli/target/iron-router.jar [--transport netty|jdk|both]
                          [--probes 1,2,7] [--keep]
"""

import argparse
import csv
import datetime
import http.client
import http.server
import io
import json
import os
import select
import shutil
import signal
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = "probe-router-token-5e1d"
OPENAI_KEY = "sk-probe-openai-SECRET-7c41f09d"
ANTHROPIC_KEY = "sk-ant-probe-SECRET-2b93aa60"
HEADER_TIMEOUT_S = 2
BODY_TIMEOUT_S = 3
BUDGET_MICROS = 1_000_000
GPT4O_CALL_MICROS = 5_200  # 80 in x $2.50/Mtok + 500 out x $10/Mtok
CONTEXT_CALL_MICROS = 330_000  # 128,000 in x $2.50/Mtok + 1,000 out x $10/Mtok

NAMES = {
    1: "dot-segments",
    2: "path-escape",
    3: "unmetered-endpoints",
    4: "context-overspend",
    5: "key-echo",
    6: "smuggling",
    7: "slowloris",
    8: "slow-body-no-token",
    9: "slow-body-token",
    10: "report-injection",
}


def now_ms():
    return int(time.time() * 1000)


def iso(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def short(value, limit=60):
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProbeError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# HTTP clients: a normal one (http.client, which sends the path as given) and a raw socket one
# --------------------------------------------------------------------------------------------


def call(port, method, path, body=None, headers=None, timeout=10.0, token=True):
    """One request on a new connection; returns (status, [(name, value)], body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Connection": "close"}
        if token:
            h["Authorization"] = "Bearer " + TOKEN
        if body is not None:
            if not isinstance(body, (bytes, bytearray)):
                body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheaders(), data
    finally:
        conn.close()


class RawResponse:
    def __init__(self):
        self.status = None
        self.headers = []
        self.body = b""
        self.error = None  # timeout | reset | closed (before a whole head)
        self.elapsed = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def describe(self):
        if self.status is None:
            return self.error or "no answer"
        return str(self.status)


def _recv(sock, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout()
    sock.settimeout(left)
    return sock.recv(65536)


def read_response(sock, deadline):
    """Reads one HTTP/1.1 response (head, then a Content-Length, chunked or close-delimited
    body); never waits past deadline."""
    r = RawResponse()
    start = time.monotonic()
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            chunk = _recv(sock, deadline)
            if not chunk:
                r.error = "closed" if not buf else "closed mid-head"
                return r
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        r.status = int(parts[1])
        r.headers = [tuple(x.strip() for x in ln.split(":", 1)) for ln in lines[1:] if ":" in ln]
        r.elapsed = time.monotonic() - start
        te = (r.header("transfer-encoding") or "").lower()
        cl = r.header("content-length")
        if "chunked" in te:
            body = b""
            while True:
                while b"\r\n" not in buf:
                    chunk = _recv(sock, deadline)
                    if not chunk:
                        r.body = body
                        return r
                    buf += chunk
                size_line, buf = buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(buf) < size + 2:
                    chunk = _recv(sock, deadline)
                    if not chunk:
                        r.body = body + buf
                        return r
                    buf += chunk
                body += buf[:size]
                buf = buf[size + 2 :]
                if size == 0:
                    break
            r.body = body
        elif cl is not None:
            n = int(cl)
            while len(buf) < n:
                chunk = _recv(sock, deadline)
                if not chunk:
                    break
                buf += chunk
            r.body = buf[:n]
        elif r.status not in (204, 304):
            while True:
                chunk = _recv(sock, deadline)
                if not chunk:
                    break
                buf += chunk
            r.body = buf
    except socket.timeout:
        r.error = "timeout"
    except (ConnectionResetError, BrokenPipeError):
        r.error = "reset"
    r.elapsed = time.monotonic() - start if r.elapsed is None else r.elapsed
    return r


def wait_closed(sock, timeout):
    """After a response: 'closed' (EOF or reset), 'open' (nothing within timeout) or
    'more data: ...' (the server sent something else, e.g. a second response)."""
    deadline = time.monotonic() + timeout
    try:
        data = _recv(sock, deadline)
        if not data:
            return "closed"
        return "more data: " + short(data.split(b"\r\n")[0], 40)
    except socket.timeout:
        return "open"
    except (ConnectionResetError, BrokenPipeError):
        return "closed"


def raw_exchange(port, data, timeout=5.0, close_wait=None):
    """Sends raw bytes on a new connection and reads one response; with close_wait, also
    whether the server then closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.settimeout(timeout)
        try:
            s.sendall(data)
        except (ConnectionResetError, BrokenPipeError):
            pass
        r = read_response(s, time.monotonic() + timeout)
        closed = None
        if close_wait is not None:
            closed = wait_closed(s, close_wait) if r.status is not None else (r.error or "closed")
        return r, closed


def raw_get(port, path, token=True):
    head = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if token:
        head += "Authorization: Bearer " + TOKEN + "\r\n"
    return raw_exchange(port, (head + "\r\n").encode("latin-1"))[0]


# --------------------------------------------------------------------------------------------
# The stub upstream: OpenAI and Anthropic wire formats, records every request it receives
# --------------------------------------------------------------------------------------------


class _StubServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


class Stub:
    """Answers chat completions, messages and responses with usage (80 in / 500 out; a
    Responses call with previous_response_id: 128,000 in / 1,000 out), count_tokens with a
    count, and anything else with an empty list. A body containing ECHO_KEY makes it echo the
    credential it received (error body + header, or an SSE event + header when streamed)."""

    def __init__(self):
        self.records = []
        self.lock = threading.Lock()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 15
            disable_nagle_algorithm = True  # head and body are two writes: no 40 ms delayed-ACK stalls

            def log_message(self, *args):
                pass

            def handle_one(self):
                try:
                    stub.handle(self)
                except (BrokenPipeError, ConnectionResetError, socket.timeout):
                    self.close_connection = True

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = handle_one

        self.server = _StubServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self):
        with self.lock:
            return len(self.records)

    def since(self, n):
        with self.lock:
            return list(self.records[n:])

    def paths(self, n=0):
        return [r["path"] for r in self.since(n)]

    # -- request handling --

    def handle(self, h):
        body = b""
        if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
            while True:
                size = int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    h.rfile.readline()
                    break
                body += h.rfile.read(size)
                h.rfile.readline()
        else:
            n = int(h.headers.get("Content-Length") or 0)
            body = h.rfile.read(n) if n else b""
        path = h.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self.lock:
            self.records.append({"method": h.command, "path": h.path, "headers": headers, "body": body})
        try:
            req = json.loads(body) if body else {}
        except ValueError:
            req = {}
        if not isinstance(req, dict):
            req = {}
        model = req.get("model") if isinstance(req.get("model"), str) else "unknown"
        credential = headers.get("authorization") or headers.get("x-api-key") or ""
        echo = b"ECHO_KEY" in body
        stream = req.get("stream") is True
        if h.command == "POST" and path.endswith("/v1/chat/completions"):
            if echo and not stream:
                return self.send_json(h, 400, {"error": {"message": "Incorrect API key provided: " + credential,
                                                         "type": "invalid_request_error", "param": None,
                                                         "code": "invalid_api_key"}}, credential)
            if stream:
                return self.stream_openai(h, model, "your key is " + credential if echo else "ok", credential if echo else None)
            return self.send_json(h, 200, {
                "id": "chatcmpl-probe", "object": "chat.completion", "created": 1700000000, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 80, "completion_tokens": 500, "total_tokens": 580}})
        if h.command == "POST" and path.endswith("/v1/messages/count_tokens"):
            return self.send_json(h, 200, {"input_tokens": 1337})
        if h.command == "POST" and path.endswith("/v1/messages"):
            if echo and not stream:
                return self.send_json(h, 400, {"type": "error", "error": {
                    "type": "invalid_request_error", "message": "invalid x-api-key: " + credential}}, credential)
            if stream:
                return self.stream_anthropic(h, model, "your key is " + credential if echo else "ok", credential if echo else None)
            return self.send_json(h, 200, {
                "id": "msg_probe", "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": 80, "output_tokens": 500}})
        if h.command == "POST" and path.endswith("/v1/responses"):
            big = "previous_response_id" in req
            if big:
                time.sleep(0.3)  # keep the concurrent calls in flight together
            usage_in, usage_out = (128_000, 1_000) if big else (80, 500)
            return self.send_json(h, 200, {
                "id": "resp_probe", "object": "response", "created_at": 1700000000, "status": "completed",
                "model": model,
                "output": [{"type": "message", "id": "msg_probe", "status": "completed", "role": "assistant",
                            "content": [{"type": "output_text", "text": "ok", "annotations": []}]}],
                "usage": {"input_tokens": usage_in, "input_tokens_details": {"cached_tokens": 0},
                          "output_tokens": usage_out, "output_tokens_details": {"reasoning_tokens": 0},
                          "total_tokens": usage_in + usage_out}})
        return self.send_json(h, 200, {"object": "list", "data": [], "stub_path": h.path})

    @staticmethod
    def send_json(h, status, obj, echo_header=None):
        data = json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        if echo_header is not None:
            h.send_header("X-Echo-Credential", echo_header)
        h.end_headers()
        h.wfile.write(data)

    @staticmethod
    def _stream(h, events, echo_header):
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        if echo_header is not None:
            h.send_header("X-Echo-Credential", echo_header)
        h.end_headers()
        for ev in events:
            data = ev.encode()
            h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            h.wfile.flush()
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()

    def stream_openai(self, h, model, text, echo_header):
        def chunk(delta, finish=None, usage=None, choices=True):
            c = {"id": "chatcmpl-probe", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else []}
            if usage:
                c["usage"] = usage
            return "data: " + json.dumps(c) + "\n\n"

        self._stream(h, [chunk({"role": "assistant", "content": ""}), chunk({"content": text}), chunk({}, "stop"),
                         chunk(None, usage={"prompt_tokens": 80, "completion_tokens": 500, "total_tokens": 580},
                               choices=False),
                         "data: [DONE]\n\n"], echo_header)

    def stream_anthropic(self, h, model, text, echo_header):
        def ev(name, obj):
            return "event: " + name + "\ndata: " + json.dumps(obj) + "\n\n"

        self._stream(h, [
            ev("message_start", {"type": "message_start", "message": {
                "id": "msg_probe", "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 80, "output_tokens": 1}}}),
            ev("content_block_start", {"type": "content_block_start", "index": 0,
                                       "content_block": {"type": "text", "text": ""}}),
            ev("content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "text_delta", "text": text}}),
            ev("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                 "usage": {"output_tokens": 500}}),
            ev("message_stop", {"type": "message_stop"})], echo_header)


# --------------------------------------------------------------------------------------------
# The router under test
# --------------------------------------------------------------------------------------------

CHILDREN = []  # every process started, killed on exit


def start_process(args, **kw):
    if shutil.which("setpriv"):
        args = ["setpriv", "--pdeathsig", "KILL"] + args  # dies with this script, even on SIGKILL
    p = subprocess.Popen(args, **kw)
    CHILDREN.append(p)
    return p


def stop_process(p, grace=5.0):
    if p.poll() is None:
        try:
            p.terminate()
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
        except ProcessLookupError:
            pass


class Router:
    def __init__(self, jar, workdir, name, transport, stub, prefix=""):
        self.jar = jar
        self.dir = os.path.join(workdir, transport + "-" + name)
        os.makedirs(self.dir)
        self.name = name
        self.transport = transport
        self.stub = stub
        self.db = os.path.join(self.dir, "usage.db")
        self.log_path = os.path.join(self.dir, "router.log")
        self.proc = None
        for attempt in range(3):
            self.port = free_port()
            self._write_config(prefix)
            if self._start():
                return
            if attempt == 2 or "address already in use" not in self.log().lower():
                raise ProbeError("router %s/%s did not start; its log:\n%s" % (transport, name, self.log()[-3000:]))

    def _write_config(self, prefix):
        base = "http://127.0.0.1:%d" % self.stub.port
        with open(os.path.join(self.dir, "router.yaml"), "w") as f:
            f.write(
                "listen: 127.0.0.1:%d\n"
                "transport: %s\n"
                "token: %s\n"
                "providers:\n"
                "  openai:\n    key: %s\n    base-url: %s%s\n"
                "  anthropic:\n    key: %s\n    base-url: %s%s\n"
                "budget:\n  limit-usd: 1.00\n"
                "analytics:\n  sqlite: %s\n"
                "timeouts:\n  connect: 2s\n  upstream: 15s\n"
                "server:\n  header-timeout: %ds\n  body-timeout: %ds\n"
                % (self.port, self.transport, TOKEN, OPENAI_KEY, base, prefix, ANTHROPIC_KEY, base,
                   prefix.replace("openai", "anthropic"), self.db, HEADER_TIMEOUT_S, BODY_TIMEOUT_S))

    def _start(self, deadline_s=60.0):
        self.logf = open(self.log_path, "ab")
        self.proc = start_process(["java", "-jar", self.jar, "serve", "--config", os.path.join(self.dir, "router.yaml")],
                                  stdin=subprocess.DEVNULL, stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                status, _, body = call(self.port, "GET", "/", token=False, timeout=1.0)
                if status == 200:
                    return True
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        stop_process(self.proc)
        return False

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        try:
            return call(self.port, "GET", "/", token=False, timeout=3.0)[0] == 200
        except (OSError, http.client.HTTPException):
            return False

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
        try:
            self.logf.close()
        except Exception:
            pass

    # -- offline report on its SQLite file --

    def report(self, fmt="json", by=None, since=None, until=None):
        args = ["java", "-jar", self.jar, "report", "--db", self.db, "--format", fmt]
        if by:
            args += ["--by", by]
        if since is not None:
            args += ["--since", iso(since)]
        if until is not None:
            args += ["--until", iso(until)]
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        if p.returncode != 0:
            raise ProbeError("report failed (%d): %s" % (p.returncode, short(p.stderr, 200)))
        return p.stdout

    def report_json(self, **kw):
        return json.loads(self.report("json", **kw))

    def totals(self, since=None, until=None):
        t = self.report_json(since=since, until=until)["total"]
        return t["requests"], t["spend_micros"]

    def wait_events(self, at_least, since=None, deadline_s=15.0):
        """Polls the report until it holds at least `at_least` requests (events are written
        by a background thread), then returns (requests, spend_micros)."""
        deadline = time.monotonic() + deadline_s
        while True:
            got = self.totals(since=since)
            if got[0] >= at_least or time.monotonic() > deadline:
                return got
            time.sleep(0.2)


# --------------------------------------------------------------------------------------------
# Probes. Each returns (passed, evidence).
# --------------------------------------------------------------------------------------------


def chat_body(model="gpt-4o", max_tokens=4000, content="Say ok."):
    return {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": content}]}


def messages_body(model="claude-sonnet-4-5", max_tokens=4000, content="Say ok."):
    return {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": content}]}


def responses_body(model="gpt-4o", max_output_tokens=4000):
    return {"model": model, "max_output_tokens": max_output_tokens, "input": "Say ok."}


def probe_dot_segments(ctx):
    r = ctx.main
    variants = ["", "/.", "/%2e", "/../v1"]
    endpoints = [("chat/completions", chat_body()), ("messages", messages_body()), ("responses", responses_body())]
    problems, windows = [], []
    for v in variants:
        t0 = now_ms()
        for ep, body in endpoints:
            path = "/v1" + v + "/" + ep
            n = r.stub.count()
            status, _, data = call(r.port, "POST", path, body)
            seen = r.stub.paths(n)
            if status != 200:
                problems.append("%s -> %d %s" % (path, status, short(data, 80)))
            if seen != ["/v1/" + ep]:
                problems.append("%s: stub saw %s" % (path, seen))
        windows.append((v or "plain", t0 - 50, now_ms() + 50))
        time.sleep(0.2)  # windows apart
    r.wait_events(len(variants) * len(endpoints), since=windows[0][1])
    spends = []
    for label, since, until in windows:
        rep = r.report_json(by="model", since=since, until=until)
        per_model = {g["group"]: (g["requests"], g["spend_micros"]) for g in rep["groups"]}
        spends.append((label, rep["total"]["spend_micros"], per_model))
    plain = spends[0][2]
    for label, total, per_model in spends:
        if per_model != plain:
            problems.append("%s spend %s != plain %s" % (label, per_model, plain))
    gpt = plain.get("gpt-4o")
    if gpt != (2, 2 * GPT4O_CALL_MICROS):
        problems.append("plain gpt-4o: %s, expected 2 calls x %d" % (gpt, GPT4O_CALL_MICROS))
    ev = "spend per window (chat+messages+responses, µ$): " + ", ".join("%s=%d" % (l, t) for l, t, _ in spends)
    ev += "; per call gpt-4o=%s claude=%s" % (
        (gpt[1] // gpt[0]) if gpt and gpt[0] else gpt,
        (plain.get("claude-sonnet-4-5", (0, 0))[1]) if plain.get("claude-sonnet-4-5") else None)
    ev += "; stub paths normalised" if not any("stub saw" in p for p in problems) else ""
    return not problems, "; ".join(problems[:4] + [ev]) if problems else ev


def probe_path_escape(ctx):
    problems, seen = [], []
    not_found = ["/v1/models/../../anything", "/v1/../x", "/v1/%2e%2e/anything", "/anthropic/v1/../../anything"]
    bad = ["/v1/models/..%2F..%2Fanything", "/v1/models/..%5C..%5Canything", "/v1/models/..\\..\\anything",
           "/v1/models/gpt-4o%00"]
    for r in (ctx.main, ctx.prefixed):
        where = "prefix" if r is ctx.prefixed else "no-prefix"
        for paths, want in ((not_found, 404), (bad, 400)):
            for p in paths:
                n = r.stub.count()
                resp = raw_get(r.port, p)
                time.sleep(0.05)
                fwd = r.stub.paths(n)
                is_json = resp.json() is not None
                seen.append(resp.describe())
                if resp.status != want or not is_json or fwd:
                    problems.append("%s %s -> %s %s forwarded=%s" % (
                        where, short(p), resp.describe(), "json" if is_json else "not JSON: " + short(resp.body, 30), fwd))
    ev = "%d paths x {no-prefix, prefix}: statuses %s" % (len(not_found) + len(bad), "/".join(sorted(set(seen))))
    ev += "; nothing forwarded" if not any("forwarded=['" in p for p in problems) else ""
    return not problems, "; ".join(problems[:4] + [ev]) if problems else ev


def probe_unmetered(ctx):
    r = ctx.main
    problems, ev = [], []
    refused = [
        ("/v1/messages/batches", {"requests": [{"custom_id": "a", "params": messages_body()}]}),
        ("/v1/batches", {"input_file_id": "file-abc", "endpoint": "/v1/chat/completions", "completion_window": "24h"}),
        ("/v1/images/generations", {"model": "dall-e-3", "prompt": "a cat"}),
    ]
    for path, body in refused:
        n = r.stub.count()
        status, _, data = call(r.port, "POST", path, body)
        fwd = r.stub.paths(n)
        names = path.encode() in data
        ev.append("%s %d" % (path, status))
        if status != 400 or not names or fwd:
            problems.append("%s -> %d names-path=%s forwarded=%s %s" % (path, status, names, fwd, short(data, 80)))
    prompt = " ".join("word%d" % (i % 97) for i in range(1000))
    n = r.stub.count()
    t0 = now_ms()
    statuses = [call(r.port, "POST", "/v1/messages/count_tokens",
                     {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": prompt}]})[0]
                for _ in range(10)]
    t1 = now_ms() + 1
    forwarded = sum(1 for p in r.stub.paths(n) if p == "/v1/messages/count_tokens")
    time.sleep(0.05)
    # a metered sentinel after the window: once its event is stored, any event of the window is too
    status, _, _ = call(r.port, "POST", "/v1/chat/completions", chat_body())
    if status != 200:
        problems.append("sentinel -> %d" % status)
    r.wait_events(1, since=t1 + 1)
    reqs, spend = r.totals(since=t0, until=t1)
    ev.append("count_tokens x10: %s forwarded=%d spend=%d µ$ events=%d" % (
        "/".join(sorted(set(map(str, statuses)))), forwarded, spend, reqs))
    if statuses != [200] * 10 or forwarded != 10 or spend != 0:
        problems.append("count_tokens not free or not forwarded")
    return not problems, "; ".join(problems + ev)


def probe_context_overspend(ctx):
    r = ctx.prefixed  # a fresh $1.00 budget
    n = r.stub.count()
    body = {"model": "gpt-4o", "max_output_tokens": 1000, "previous_response_id": "resp_prev_probe",
            "input": "Continue."}
    barrier = threading.Barrier(20)
    statuses = [None] * 20

    def one(i):
        try:
            barrier.wait(10)
            statuses[i] = call(r.port, "POST", "/v1/responses", body, timeout=20)[0]
        except Exception as e:  # noqa: BLE001 - evidence
            statuses[i] = type(e).__name__

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    ok = statuses.count(200)
    reqs, spend = r.wait_events(ok)
    forwarded = len([p for p in r.stub.paths(n) if p.endswith("/v1/responses")])
    ev = "200 x%d, 402 x%d, other %s; upstream calls %d; spend %d µ$ (limit %d, expected %d)" % (
        ok, statuses.count(402), [s for s in statuses if s not in (200, 402)], forwarded, spend, BUDGET_MICROS,
        3 * CONTEXT_CALL_MICROS)
    passed = spend <= BUDGET_MICROS and ok == 3 and spend == 3 * CONTEXT_CALL_MICROS and statuses.count(402) == 17
    return passed, ev


def probe_key_echo(ctx):
    r = ctx.main
    cases = [
        ("openai error", "/v1/chat/completions", chat_body(max_tokens=50, content="ECHO_KEY")),
        ("openai stream", "/v1/chat/completions", dict(chat_body(max_tokens=50, content="ECHO_KEY"), stream=True)),
        ("anthropic error", "/v1/messages", messages_body(max_tokens=50, content="ECHO_KEY")),
        ("anthropic stream", "/v1/messages", dict(messages_body(max_tokens=50, content="ECHO_KEY"), stream=True)),
    ]
    problems, ev = [], []
    for label, path, body in cases:
        n = r.stub.count()
        status, headers, data = call(r.port, "POST", path, body)
        got = r.stub.since(n)
        sent = got[0]["headers"].get("authorization", "") + got[0]["headers"].get("x-api-key", "") if got else ""
        key = OPENAI_KEY if "openai" in label else ANTHROPIC_KEY
        if key not in sent:
            problems.append("%s: stub did not receive the key (vacuous)" % label)
            continue
        everything = data + b"".join((k + ": " + v).encode("latin-1", "replace") for k, v in headers)
        leaked = OPENAI_KEY.encode() in everything or ANTHROPIC_KEY.encode() in everything or b"SECRET" in everything
        echo_header = dict((k.lower(), v) for k, v in headers).get("x-echo-credential", "(dropped)")
        red = b"<redacted>" in data
        ev.append("%s %d body:%s header:%s" % (label, status, "<redacted>" if red else "no-marker", short(echo_header, 24)))
        if leaked:
            problems.append("%s: KEY LEAKED %s" % (label, short(everything[everything.find(b"SECRET") - 20:], 60)))
        elif not red:
            problems.append("%s: no <redacted> in body (%s)" % (label, short(data, 80)))
    return not problems, "; ".join(problems + ev)


def _smuggle_body(length=85):
    body = {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": ""}]}
    pad = length - len(json.dumps(body, separators=(",", ":")))
    body["messages"][0]["content"] = "s" * pad
    return json.dumps(body, separators=(",", ":")).encode()


SMUGGLE_BODY = _smuggle_body()  # exactly 85 bytes, as the Content-Length the cases declare
assert len(SMUGGLE_BODY) == 85


def probe_smuggling(ctx):
    r = ctx.slow
    base = ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\n" % TOKEN).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(SMUGGLE_BODY), SMUGGLE_BODY)
    cases = [
        ("a bare-CR", base + b"X-Foo: a\rContent-Length: 85\r\n\r\n" + SMUGGLE_BODY),
        ("b CL:+85", base + b"Content-Length: +85\r\n\r\n" + SMUGGLE_BODY),
        ("c TE+CL", base + b"Transfer-Encoding: chunked\r\nContent-Length: 85\r\n\r\n" + chunked),
    ]
    problems, ev = [], []
    for label, data in cases:
        n = r.stub.count()
        resp, closed = raw_exchange(r.port, data, timeout=5.0, close_wait=2.0)
        time.sleep(0.2)
        fwd = r.stub.paths(n)
        ev.append("(%s) %s %s fwd=%d" % (label, resp.describe(), closed, len(fwd)))
        if resp.status != 400 or closed != "closed" or fwd:
            problems.append(label)
    if not r.alive():
        problems.append("router not answering GET / afterwards")
    return not problems, ("FAILED " + ",".join(problems) + "; " if problems else "") + "; ".join(ev)


def normal_latencies(port, count, overall_s):
    """`count` GET /v1/models with the token, each on a new connection; returns (latencies in
    ms of successes, failures as text)."""
    lat, fails = [], []
    deadline = time.monotonic() + overall_s
    for _ in range(count):
        if time.monotonic() > deadline:
            fails.append("deadline")
            continue
        t = time.perf_counter()
        try:
            status, _, _ = call(port, "GET", "/v1/models", timeout=3.0)
        except (OSError, http.client.HTTPException) as e:
            fails.append(type(e).__name__)
            continue
        if status == 200:
            lat.append((time.perf_counter() - t) * 1000)
        else:
            fails.append(str(status))
    return lat, fails


def probe_slowloris(ctx):
    r = ctx.slow
    normal_latencies(r.port, 20, 20)  # warm-up
    idle, idle_fail = normal_latencies(r.port, 50, 30)
    attack_s = HEADER_TIMEOUT_S + 5
    worker = start_process([sys.executable, os.path.abspath(__file__), "_slowloris", str(r.port), "300",
                            str(attack_s), str(HEADER_TIMEOUT_S + 2)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        ready = read_line(worker.stdout, 15)
        under, under_fail = normal_latencies(r.port, 50, attack_s - 1) if ready.startswith("READY") else ([], ["attacker: " + ready])
        result = read_line(worker.stdout, attack_s + 20)
    finally:
        stop_process(worker, 2)
    try:
        att = json.loads(result)
    except ValueError:
        att = {"error": result}
    p_idle = statistics.median(idle) if idle else float("nan")
    p_att = statistics.median(under) if under else float("nan")
    ok_normal = not idle_fail and not under_fail and len(under) == 50
    ok_latency = under and p_att <= 2 * p_idle + 5
    ok_slow = att.get("outcomes") and att.get("overdue", 1) == 0 and att.get("late_close", 1) == 0
    ev = "p50 idle %.2f ms, under attack %.2f ms (x%.1f); normal ok %d/50%s; slow heads: %s" % (
        p_idle, p_att, p_att / p_idle if idle and under else float("nan"), len(under),
        (" fails " + ",".join(sorted(set(under_fail + idle_fail)))[:60]) if under_fail or idle_fail else "",
        ", ".join("%s x%d" % kv for kv in sorted(att.get("outcomes", {}).items()))
        or att.get("error", "none ended by the server"))
    slowest = att.get("max_lifetime", -1)
    ev += "; still open after %ds: %s; slowest end %s; max open %s" % (
        HEADER_TIMEOUT_S + 2, att.get("overdue"), "%.1fs" % slowest if slowest >= 0 else "n/a", att.get("max_open"))
    return bool(ok_normal and ok_latency and ok_slow), ev


def read_line(pipe, timeout):
    ready, _, _ = select.select([pipe], [], [], timeout)
    if not ready:
        return "timeout"
    return pipe.readline().decode("utf-8", "replace").strip() or "eof"


def slowloris_worker(port, conns, duration, late_after):
    """Runs in its own process (no GIL shared with the latency measurement): keeps `conns`
    connections each trickling a never-ending request head one byte a second; prints READY
    once they are open, and at the end a JSON line with how the server ended them."""
    head = b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Slow: " + b"a" * 100000
    live = {}  # socket -> [opened, bytes sent, next send, response bytes]
    outcomes, lifetimes = {}, []
    late = 0
    start = time.monotonic()
    max_open = 0

    def open_one():
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        live[s] = [time.monotonic(), 0, time.monotonic(), b""]

    def end(s, kind):
        nonlocal late
        info = live.pop(s)
        life = time.monotonic() - info[0]
        lifetimes.append(life)
        if life > late_after:
            late += 1
        outcomes[kind] = outcomes.get(kind, 0) + 1
        s.close()

    for _ in range(conns):
        open_one()
    print("READY", flush=True)
    while time.monotonic() - start < duration:
        max_open = max(max_open, len(live))
        now = time.monotonic()
        for s, info in list(live.items()):
            if now >= info[2] and info[1] < len(head):
                try:
                    if s.send(head[info[1]: info[1] + 1]) == 1:
                        info[1] += 1
                    info[2] = now + 1.0
                except BlockingIOError:
                    info[2] = now + 0.2
                except OSError:
                    pass  # not connected yet, or reset: the read side tells
        try:
            readable, _, _ = select.select(list(live), [], [], 0.05)
        except (OSError, ValueError):
            readable = []
        for s in readable:
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                end(s, "408" if live[s][3].startswith(b"HTTP/1.1 408") else "reset")
                continue
            if data:
                live[s][3] += data
                continue
            got = live[s][3]
            end(s, "408" if got.startswith(b"HTTP/1.1 408") else ("closed" if not got else "status " + short(got[9:12])))
        while len(live) < conns:  # keep up the pressure
            open_one()
    now = time.monotonic()
    overdue = sum(1 for info in live.values() if now - info[0] > late_after)
    print(json.dumps({"outcomes": outcomes, "overdue": overdue, "late_close": late,
                      "max_lifetime": round(max(lifetimes), 2) if lifetimes else -1, "max_open": max_open}), flush=True)
    for s in list(live):
        s.close()


def slow_body_head(length, token):
    head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    if token:
        head += "Authorization: Bearer " + TOKEN + "\r\n"
    return (head + "Content-Length: %d\r\n\r\n" % length).encode()


def probe_slow_body_no_token(ctx):
    r = ctx.slow
    rss_before = r.rss_kb()
    n = r.stub.count()
    socks = []
    try:
        for _ in range(30):
            s = socket.create_connection(("127.0.0.1", r.port), timeout=3)
            s.sendall(slow_body_head(10 * 1024 * 1024, token=False))
            socks.append(s)
        sent_at = time.monotonic()
        answers = [read_response(s, sent_at + 1.5) for s in socks]  # before any body byte
        statuses = [a.describe() for a in answers]
        # then trickle the body on every connection for a while
        trickled = 0
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            for s in socks:
                try:
                    s.settimeout(0.5)
                    s.send(b"x" * 512)
                    trickled += 512
                except OSError:
                    pass
            time.sleep(0.1)
        closed = sum(1 for s in socks if wait_closed(s, 0.05) == "closed")
    finally:
        for s in socks:
            s.close()
    time.sleep(0.5)
    rss_after = r.rss_kb()
    fwd = r.stub.paths(n)
    count401 = statuses.count("401")
    grow = (rss_after - rss_before) / 1024 if rss_before and rss_after else float("nan")
    ev = "401 before any body byte: %d/30 (%s); closed afterwards %d/30; VmRSS %.0f -> %.0f MB (%+.0f MB); fwd=%d" % (
        count401, ", ".join("%s x%d" % (s, statuses.count(s)) for s in sorted(set(statuses))),
        closed, (rss_before or 0) / 1024, (rss_after or 0) / 1024, grow, len(fwd))
    return count401 == 30 and grow < 100 and not fwd, ev


def probe_slow_body_token(ctx):
    r = ctx.slow
    n = r.stub.count()
    with socket.create_connection(("127.0.0.1", r.port), timeout=3) as s:
        s.sendall(slow_body_head(1024 * 1024, token=True))
        t0 = time.monotonic()
        deadline = t0 + BODY_TIMEOUT_S + 6
        buf, sent, state = b"", 0, "no answer"
        while time.monotonic() < deadline:
            ready, _, _ = select.select([s], [], [], 0.25)
            if ready:
                try:
                    data = s.recv(65536)
                except OSError:
                    state = "reset"
                    break
                if not data:
                    state = "closed"
                    break
                buf += data
                if b"\r\n\r\n" in buf:
                    break
            else:
                try:
                    s.send(b" ")  # one byte every 250 ms: never a whole megabyte
                    sent += 1
                except OSError:
                    pass
        answered_after = time.monotonic() - t0
        status = buf[9:12].decode("latin-1") if buf.startswith(b"HTTP/1.") else None
        closed = state if state in ("closed", "reset") else (wait_closed(s, 2.0) if status else "open")
    fwd = r.stub.paths(n)
    ev = "answer %s after %.1fs (body-timeout %ds, %d body bytes sent); connection %s; fwd=%d" % (
        status or state, answered_after, BODY_TIMEOUT_S, sent, closed, len(fwd))
    ok = status == "408" and BODY_TIMEOUT_S - 0.5 <= answered_after <= BODY_TIMEOUT_S + 3 and closed == "closed" and not fwd
    return ok, ev


# The payload goes before "x/": the price table drops a "provider/" prefix, so each of these is
# billed (and recorded) as gpt-4o-mini under the default config. Spelled as the review had them
# ("x/gpt-4o-mini" + payload, "=cmd|' /C calc'!A0") they are unpriced and refused (also sent).
INJECTED_MODELS = [
    "\x1b[31mRED\x1b[0mx/gpt-4o-mini",
    "\x1b]8;;https:evil.example\x07click\x1b]8;;\x07\x1b]0;pwned\x07x/gpt-4o-mini",
    "TOTAL 0\rx/gpt-4o-mini",
    "\u202egpj.exe\u2066i\u2069\u200fx/gpt-4o-mini",
    "\x9b2Jx/gpt-4o-mini",
    "=cmd|' -C calc'!A0 x/gpt-4o-mini",
    "+cmd|' -C calc'!A0 x/gpt-4o-mini",
    "-2+3+cmd|' -C calc'!A0 x/gpt-4o-mini",
    "@SUM(1+1)*cmd|' -C calc'!A0 x/gpt-4o-mini",
]
UNPRICED_MODELS = ["x/gpt-4o-mini\x1b[31m\x1b]0;pwned\x07\r\u202e", "=cmd|' /C calc'!A0"]
FORBIDDEN = set("\x1b\r\x07\x9b\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def probe_report_injection(ctx):
    r = ctx.main
    t0 = now_ms()
    statuses = [call(r.port, "POST", "/v1/chat/completions", chat_body(model=m, max_tokens=10))[0]
                for m in INJECTED_MODELS + UNPRICED_MODELS]
    r.wait_events(len(INJECTED_MODELS), since=t0 - 50)
    table = r.report("table", by="model").decode("utf-8", "replace")
    csv_text = r.report("csv", by="model").decode("utf-8", "replace")
    problems = []
    raw_table = sorted({"U+%04X" % ord(c) for c in table if c in FORBIDDEN})
    if raw_table:
        problems.append("table has raw " + ",".join(raw_table))
    csv_bare = csv_text.replace("\r\n", "\n")
    raw_csv = sorted({"U+%04X" % ord(c) for c in csv_bare if c in FORBIDDEN})
    if raw_csv:
        problems.append("CSV has raw " + ",".join(raw_csv))
    rows = list(csv.reader(io.StringIO(csv_text)))
    formula = [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@")]
    if formula:
        problems.append("CSV formula cells " + ", ".join(short(c, 30) for c in formula[:3]))
    quoted = [c for row in rows for c in row if c[:2] in ("'=", "'+", "'-", "'@")]
    present = sum(1 for m in ("RED", "evil.example", "TOTAL 0", "gpj.exe", "2J", "calc") if m in table)
    if present < 6 or len(quoted) < 4:
        problems.append("injected rows missing (table %d/6, CSV quoted %d/4; statuses %s)" % (
            present, len(quoted), sorted(set(statuses))))
    ev = "%d priced injected models -> %s, %d unpriced -> %s; table: %s; CSV: %d cells kept as text with ', e.g. %s" % (
        len(INJECTED_MODELS), "/".join(map(str, sorted(set(statuses[:len(INJECTED_MODELS)])))),
        len(UNPRICED_MODELS), "/".join(map(str, sorted(set(statuses[len(INJECTED_MODELS):])))),
        "escaped" if not raw_table else "RAW", len(quoted), short(quoted[0], 24) if quoted else "-")
    return not problems, "; ".join(problems + [ev]) if problems else ev


PROBES = {
    1: probe_dot_segments,
    2: probe_path_escape,
    3: probe_unmetered,
    4: probe_context_overspend,
    5: probe_key_echo,
    6: probe_smuggling,
    7: probe_slowloris,
    8: probe_slow_body_no_token,
    9: probe_slow_body_token,
    10: probe_report_injection,
}


class Context:
    """Three routers per transport, each with its own stub: `main` (probes 1, 2, 3, 5, 10),
    `prefixed` with base-url path prefixes and an untouched budget (2, 4), `slow` for the
    transport-level probes (6-9)."""

    def __init__(self, jar, workdir, transport, wanted):
        self.routers, self.stubs = [], []
        self.main = self.prefixed = self.slow = None
        if wanted & {1, 2, 3, 5, 10}:
            self.main = self._router(jar, workdir, "main", transport, "")
        if wanted & {2, 4}:
            self.prefixed = self._router(jar, workdir, "prefixed", transport, "/openai-prefix")
        if wanted & {6, 7, 8, 9}:
            self.slow = self._router(jar, workdir, "slow", transport, "")

    def _router(self, jar, workdir, name, transport, prefix):
        stub = Stub()
        self.stubs.append(stub)
        router = Router(jar, workdir, name, transport, stub, prefix)
        self.routers.append(router)
        return router

    def close(self):
        for r in self.routers:
            r.stop()
        for s in self.stubs:
            s.close()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_slowloris":
        port, conns, duration, late = sys.argv[2:6]
        slowloris_worker(int(port), int(conns), float(duration), float(late))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--transport", default="both", choices=["netty", "jdk", "both"])
    ap.add_argument("--probes", default=",".join(map(str, PROBES)), help="comma-separated probe numbers")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (configs, logs, usage.db)")
    args = ap.parse_args()
    wanted = {int(x) for x in args.probes.split(",") if x.strip()}
    transports = ["netty", "jdk"] if args.transport == "both" else [args.transport]

    def on_signal(signum, frame):
        raise KeyboardInterrupt()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: it may arrive ignored
        signal.signal(sig, on_signal)
    workdir = tempfile.mkdtemp(prefix="iron-router-probes-")
    results = {}
    started = time.monotonic()
    ctx = None
    try:
        for transport in transports:
            t_start = time.monotonic()
            ctx = Context(os.path.abspath(args.jar), workdir, transport, wanted)
            print("# %s: routers up in %.1fs (%s)" % (transport, time.monotonic() - t_start,
                                                      ", ".join("%s :%d" % (r.name, r.port) for r in ctx.routers)),
                  flush=True)
            for pid in sorted(wanted):
                t = time.monotonic()
                try:
                    ok, evidence = PROBES[pid](ctx)
                except (ProbeError, OSError, http.client.HTTPException, ValueError, KeyError) as e:
                    ok, evidence = False, "probe error: %s: %s" % (type(e).__name__, short(str(e), 200))
                results[(transport, pid)] = ok
                print("%-5s %2d %-20s %s  [%4.1fs] %s" % (transport, pid, NAMES[pid], "PASS" if ok else "FAIL",
                                                          time.monotonic() - t, evidence), flush=True)
            ctx.close()
            ctx = None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except ProbeError as e:
        print("setup failed: %s" % e, file=sys.stderr)
        return 2
    finally:
        if ctx is not None:
            ctx.close()
        for p in CHILDREN:
            stop_process(p, 3)
        if args.keep:
            print("# kept " + workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print("Summary (%.0fs)" % (time.monotonic() - started))
    print("probe                   " + "  ".join("%-5s" % t for t in transports))
    for pid in sorted(wanted):
        print("%2d %-20s " % (pid, NAMES[pid]) + "  ".join(
            "%-5s" % ("PASS" if results.get((t, pid)) else "FAIL") for t in transports))
    failed = sum(1 for v in results.values() if not v)
    print("%d/%d passed, %d failed" % (len(results) - failed, len(results), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
