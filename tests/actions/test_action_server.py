"""The action server's gate (actions/server.py) on a real Sanic server on 127.0.0.1: only Rasa, with the
shared secret, JSON, within the body limit; development without a secret answers loopback names only."""
from __future__ import annotations

import json
import zlib

import pytest

from actions import server as action_server
from tests.support.channel_server import background
from tests.support.http import http
from tests.support.servers import free_socket as _free_socket

SECRET = "test-action-secret-0123456789"
LIMIT = 64 * 1024
CALL = {"next_action": "action_that_does_not_exist", "sender_id": "t", "version": "3.6.21",
        "tracker": {"sender_id": "t", "slots": {}, "latest_message": {}, "events": [], "paused": False,
                    "followup_action": None, "active_loop": {}, "latest_action_name": None},
        "domain": {}}


class ActionServer:
    def __init__(self, secret: str) -> None:
        self.app = action_server.create_app(secret=secret, body_limit=LIMIT)
        self.sock = _free_socket()
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.srv = background().run(self._start(), timeout=120)

    async def _start(self):
        srv = await self.app.create_server(sock=self.sock, return_asyncio_server=True, access_log=False)
        await srv.startup()
        await srv.before_start()  # builds the catalog matcher (seconds)
        await srv.after_start()
        return srv

    async def _stop(self):
        await self.srv.before_stop()
        self.srv.close()
        await self.srv.wait_closed()
        for conn in list(self.srv.connections):
            conn.close_if_idle()
        await self.srv.after_stop()

    def close(self) -> None:
        background().run(self._stop())
        self.sock.close()

    def post(self, body: bytes, headers=None, path="/webhook"):
        return http("POST", self.base + path, body, headers or {})


@pytest.fixture(scope="module")
def guarded():
    s = ActionServer(SECRET)
    yield s
    s.close()


@pytest.fixture(scope="module")
def development():
    s = ActionServer("")
    yield s
    s.close()


def with_secret(**more):
    return {action_server.SECRET_HEADER: SECRET, "Content-Type": "application/json", **more}


def test_a_call_with_the_secret_reaches_rasa_sdk(guarded):
    status, _, body = guarded.post(json.dumps(CALL).encode(), with_secret())
    assert status == 404 and json.loads(body)["action_name"] == "action_that_does_not_exist"  # rasa-sdk answered
    status, _, body = http("GET", guarded.base + "/actions", headers={action_server.SECRET_HEADER: SECRET})
    assert status == 200 and {"name": "action_answer_recognition"} in json.loads(body)


@pytest.mark.parametrize("headers", [{}, {action_server.SECRET_HEADER: "wrong"},
                                     {action_server.SECRET_HEADER: SECRET[:-1]}])
def test_without_the_secret_nothing_is_run_or_listed(guarded, headers):
    status, _, body = guarded.post(json.dumps(CALL).encode(), {"Content-Type": "application/json", **headers})
    assert status == 401 and json.loads(body) == {"error": "unauthorized"}
    assert http("GET", guarded.base + "/actions", headers=headers)[0] == 401


def test_the_probes_stay_open(guarded):
    assert http("GET", guarded.base + "/health")[0] == 200
    assert http("GET", guarded.base + "/health/ready")[0] in (200, 503)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""])
def test_json_only(guarded, ctype):
    status, _, body = guarded.post(json.dumps(CALL).encode(), with_secret(**{"Content-Type": ctype}))
    assert status == 415 and json.loads(body) == {"error": "unsupported media type"}


def test_a_body_over_the_limit_is_413(guarded):
    big = json.dumps({**CALL, "padding": "x" * LIMIT}).encode()
    status, _, body = guarded.post(big, with_secret())
    assert status == 413 and json.loads(body) == {"error": "payload too large"}


def test_a_deflated_body_is_inflated_within_the_same_limit(guarded):
    ok = zlib.compress(json.dumps(CALL).encode())
    assert guarded.post(ok, with_secret(**{"Content-Encoding": "deflate"}))[0] == 404  # as Rasa may send it
    bomb = zlib.compress(json.dumps({**CALL, "padding": "x" * (LIMIT * 50)}).encode())
    assert len(bomb) < LIMIT
    assert guarded.post(bomb, with_secret(**{"Content-Encoding": "deflate"}))[0] == 413
    assert guarded.post(b"not deflate", with_secret(**{"Content-Encoding": "deflate"}))[0] == 400
    assert guarded.post(ok, with_secret(**{"Content-Encoding": "gzip"}))[0] == 415


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"a string"', b"\xff\xfe{}", b"", b"[" * 5000])
def test_malformed_json_is_400(guarded, body):
    status, _, resp = guarded.post(body, with_secret())
    assert status == 400 and json.loads(resp) == {"error": "bad request"}
    assert b"Traceback" not in resp


def test_without_a_secret_only_loopback_names_are_answered(development):
    body = json.dumps(CALL).encode()
    assert development.post(body, {"Content-Type": "application/json"})[0] == 404  # Host: 127.0.0.1:port
    for host in ("localhost:5055", "[::1]:5055"):
        assert development.post(body, {"Content-Type": "application/json", "Host": host})[0] == 404
    # a DNS-rebinding page reaches 127.0.0.1 under its own name
    status, _, resp = development.post(body, {"Content-Type": "application/json", "Host": "evil.example:5055"})
    assert status == 403 and json.loads(resp) == {"error": "forbidden"}
    # and a simple cross-origin POST a page could send without a preflight is not JSON
    assert development.post(body, {"Content-Type": "text/plain"})[0] == 415


def test_without_a_secret_the_server_refuses_a_public_interface(monkeypatch):
    monkeypatch.delenv(action_server.SECRET_ENV, raising=False)
    monkeypatch.setattr("sys.argv", ["actions.server", "--interface", "0.0.0.0", "--port", "1"])
    with pytest.raises(SystemExit) as e:
        action_server.main()
    assert action_server.SECRET_ENV in str(e.value)


def test_a_bad_body_limit_stops_start_up(monkeypatch):
    monkeypatch.setenv(action_server.MAX_BODY_ENV, "lots")
    monkeypatch.setattr("sys.argv", ["actions.server", "--port", "1"])
    with pytest.raises(SystemExit):
        action_server.main()


def test_rasa_sends_the_secret_from_the_production_endpoints(guarded, monkeypatch):
    """endpoints.prod.yml's action_endpoint carries the header (Rasa's EndpointConfig `headers`), and
    Rasa's own request code delivers it."""
    import asyncio
    import concurrent.futures

    from rasa.utils.endpoints import read_endpoint_config

    for var in ("QUALIBOT_PG_HOST", "QUALIBOT_PG_PORT", "QUALIBOT_PG_DB", "QUALIBOT_PG_USER", "QUALIBOT_PG_PASSWORD",
                "QUALIBOT_REDIS_HOST", "QUALIBOT_REDIS_PORT", "QUALIBOT_REDIS_PASSWORD", "QUALIBOT_REDIS_DB"):
        monkeypatch.setenv(var, "0")
    monkeypatch.setenv("QUALIBOT_ACTION_URL", guarded.base + "/webhook")
    monkeypatch.setenv(action_server.SECRET_ENV, SECRET)
    endpoint = read_endpoint_config("endpoints.prod.yml", "action_endpoint")
    assert endpoint.headers == {action_server.SECRET_HEADER: SECRET}

    async def call():
        from rasa.core.actions.action import ClientResponseError

        try:
            await endpoint.request(json=CALL, method="post", timeout=10)
        except ClientResponseError as e:
            return e.status

    # in a thread of its own: a test before (playwright's sync API) may leave this thread's event loop running
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(lambda: asyncio.run(call())).result(timeout=60) == 404  # rasa-sdk's "no such action"


# --- /metrics (actions/metrics.py) ------------------------------------------------------------------

METRICS_TOKEN = "test-metrics-token-abcdef"


def scrape(base: str, token: str = METRICS_TOKEN):
    from prometheus_client.parser import text_string_to_metric_families

    status, headers, body = http("GET", base + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    assert headers["content-type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode("utf-8")) for s in family.samples}


def sample(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


RECOGNITION = {**CALL, "next_action": "action_answer_recognition"}


def test_metrics_need_their_token_and_never_go_through_a_front(guarded, monkeypatch):
    monkeypatch.delenv("QUALIBOT_METRICS_TOKEN", raising=False)
    assert http("GET", guarded.base + "/metrics")[0] == 403  # no token configured: closed
    monkeypatch.setenv("QUALIBOT_METRICS_TOKEN", METRICS_TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN},
                    {action_server.SECRET_HEADER: SECRET}, {"Authorization": f"Basic {METRICS_TOKEN}"}):
        status, _, body = http("GET", guarded.base + "/metrics", headers=headers)
        assert status == 401 and b"qualibot_" not in body, headers
    forwarded = {"Authorization": f"Bearer {METRICS_TOKEN}", "X-Forwarded-For": "203.0.113.9"}
    assert http("GET", guarded.base + "/metrics", headers=forwarded)[0] == 404
    assert scrape(guarded.base)  # with the token: parses


def test_action_latency_and_failures_move_by_action(guarded, monkeypatch):
    monkeypatch.setenv("QUALIBOT_METRICS_TOKEN", METRICS_TOKEN)
    before = scrape(guarded.base)
    for _ in range(3):
        status, _, body = guarded.post(json.dumps(RECOGNITION).encode(), with_secret())
        assert status == 200, body
    assert guarded.post(json.dumps(CALL).encode(), with_secret())[0] == 404  # an action it does not have
    assert guarded.post(b"{", with_secret())[0] == 400  # refused before rasa-sdk: no action call
    after = scrape(guarded.base)
    rec = {"action": "action_answer_recognition"}
    assert sample(after, "qualibot_action_seconds_count", **rec) - sample(before, "qualibot_action_seconds_count",
                                                                           **rec) == 3
    assert sample(after, "qualibot_action_seconds_sum", **rec) > sample(before, "qualibot_action_seconds_sum", **rec)
    unknown = {"action": "other", "status": "404"}
    assert sample(after, "qualibot_action_failures_total", **unknown) - sample(
        before, "qualibot_action_failures_total", **unknown) == 1
    assert not any(dict(labels).get("action") == "action_that_does_not_exist" for _, labels in after)
    assert sample(after, "qualibot_action_failures_total", action="action_answer_recognition", status="500") == 0


def test_several_workers_report_the_sum_of_all(tmp_path, catalog_db):
    """--workers 2: prometheus_client's multiprocess mode; every scrape (whichever worker answers) counts the
    calls served by both."""
    from tests.support.servers import VENV_PYTHON, bot_env, free_port, spawn, stop_process, wait_until
    from tests.support.http import answers

    port = free_port()
    env = bot_env(CATALOG_DB_URL=catalog_db, QUALIBOT_METRICS_TOKEN=METRICS_TOKEN, QUALIBOT_ACTION_SECRET=SECRET,
                  PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    proc = spawn([str(VENV_PYTHON), "-m", "actions.server", "--port", str(port), "--workers", "2"],
                 tmp_path / "actions.log", env)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: answers(base + "/health"), 120, 0.5, abort=lambda: None if proc.poll() is None else "the action server exited"), \
            (tmp_path / "actions.log").read_text()
        # each worker answered its warm-up turns before it accepted a connection (actions/warmup.py)
        assert wait_until(lambda: (tmp_path / "actions.log").read_text().count("worker warmed in") == 2, 120, 0.5), \
            (tmp_path / "actions.log").read_text()[-3000:]
        for _ in range(8):
            assert http("POST", base + "/webhook", json.dumps(RECOGNITION).encode(), with_secret())[0] == 200
        counts = {sample(scrape(base), "qualibot_action_seconds_count", action="action_answer_recognition")
                  for _ in range(6)}
        assert counts == {8.0}
        assert len(list((tmp_path / "prom").glob("*.db"))) >= 2  # both workers wrote values
    finally:
        stop_process(proc)
