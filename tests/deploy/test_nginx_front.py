"""deploy/nginx/qualibot.conf.template's per-address limit (issue 12): nginx on 127.0.0.1 in front of a stub
upstream (a tiny HTTP server on loopback), rendered as scripts/run_prod.sh renders it."""
from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.servers import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "qualibot.conf.template"


class Stub(http.server.BaseHTTPRequestHandler):
    def _ok(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _ok

    def log_message(self, *args) -> None:  # quiet
        pass


def render(prefix: Path, upstream: int, listen: int, rate: str, burst: str) -> Path:
    text = TEMPLATE.read_text()
    for key, value in {"UPSTREAMS": f"        server 127.0.0.1:{upstream};", "PREFIX": str(prefix),
                       "LISTEN": f"127.0.0.1:{listen}", "RATE": rate, "BURST": burst}.items():
        text = text.replace(f"@{key}@", value)
    assert not re.search(r"@[A-Z]+@", text), "a placeholder left unfilled"
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf


def status_of(url: str, data: bytes = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, ConnectionError):
        return 0  # not listening (yet)


@pytest.fixture
def front(tmp_path):
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed: `make nginx` (Debian's nginx-light)")
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    port = free_port()
    conf = render(tmp_path, stub.server_address[1], port, "1r/s", "5")
    check = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while status_of(base + "/health/live") != 200:
        assert proc.poll() is None and time.monotonic() < deadline, "nginx did not start"
        time.sleep(0.05)
    try:
        yield base
    finally:
        stop_process(proc)
        stub.shutdown()


def test_one_address_is_limited_on_the_public_paths_with_429(front):
    # rate 1/s, burst 5: of 20 requests at once, at most 5 + 1 pass; the rest are 429 (not an outage's 503)
    for path, body in (("/web/chat/", None), ("/webhooks/webchat/webhook", b"{}"), ("/socket.io/?EIO=4", None)):
        statuses = [status_of(front + path, body) for _ in range(20)]
        assert statuses.count(429) >= 14 and set(statuses) <= {200, 429}, (path, statuses)


def test_health_probes_and_wechat_are_not_limited_per_address(front):
    # the load balancer probes often; WeChat's messages all come from the platform's few addresses
    assert [status_of(front + "/health/live") for _ in range(20)] == [200] * 20
    assert [status_of(front + "/webhooks/wechat/webhook", b"<xml/>") for _ in range(20)] == [200] * 20


def test_metrics_are_not_routed_by_the_front(front):
    # the upstream stub answers anything with 200: these 404s are nginx's own (/metrics is scraped on each
    # replica's private port, bot/channels/metrics.py)
    for path in ("/metrics", "/metrics/", "/health/../metrics", "/web/../metrics"):
        assert status_of(front + path) == 404, path
    assert status_of(front + "/health/live") == 200
