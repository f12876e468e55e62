"""The production stack as `make run-prod` starts it (scripts/run_prod.sh): two Rasa replicas behind
nginx, PostgreSQL tracker store, Redis lock store, the action server — with fault proxies between
Rasa and PostgreSQL, Redis and the action server so the tests can take each one down and bring it back.
"""
from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml

from tests.prod.tcp_proxy import TcpProxy
from tests.support.http import http
from tests.support.servers import free_port, free_ports, json_lines

ROOT = Path(__file__).resolve().parents[2]
ACTION_TIMEOUT = 3
WECHAT_TOKEN = "prodstacktesttoken"
REST_TOKEN = f"prod-rest-{uuid.uuid4().hex}"  # the integrations' REST token (required in production)


class Stack:
    def __init__(self, pg: Tuple[str, int], redis: Tuple[str, int]) -> None:
        self.dir = ROOT / "var" / f"test-prod-{uuid.uuid4().hex[:6]}"
        self.action_port = free_port()
        self.pg_proxy = TcpProxy(*pg).start()
        self.redis_proxy = TcpProxy(*redis).start()
        self.action_proxy = TcpProxy("127.0.0.1", self.action_port).start()
        self.front = free_port()
        self.rasa_ports = [free_ports(2)]
        self.rasa_ports.append(self.rasa_ports[0] + 1)
        self.token = uuid.uuid4().hex
        self.env = dict(os.environ, QUALIBOT_PROD_DIR=str(self.dir), QUALIBOT_FRONT_PORT=str(self.front),
                        ACTION_PORT=str(self.action_port), QUALIBOT_RASA_PORT=str(self.rasa_ports[0]),
                        QUALIBOT_REPLICAS="2", QUALIBOT_PG_HOST="127.0.0.1", QUALIBOT_PG_PORT=str(self.pg_proxy.port),
                        QUALIBOT_REDIS_HOST="127.0.0.1", QUALIBOT_REDIS_PORT=str(self.redis_proxy.port),
                        QUALIBOT_REDIS_URL=f"redis://{redis[0]}:{redis[1]}/0",
                        CATALOG_DB_URL=f"postgresql+psycopg2://postgres@{pg[0]}:{pg[1]}/test",
                        QUALIBOT_ACTION_URL=f"http://127.0.0.1:{self.action_proxy.port}/webhook",
                        QUALIBOT_ACTION_TIMEOUT=str(ACTION_TIMEOUT), QUALIBOT_RATE_LIMIT="0",
                        RASA_AUTH_TOKEN=self.token, WECHAT_TOKEN=WECHAT_TOKEN, QUALIBOT_REST_TOKEN=REST_TOKEN,
                        QUALIBOT_ADDRESS_RATE_LIMIT="0", QUALIBOT_FRONT_RATE="1000r/s", QUALIBOT_FRONT_BURST="1000",
                        QUALIBOT_CONSOLE_TOKEN=uuid.uuid4().hex)  # required by run_prod.sh

    def script(self, *args: str, timeout: float = 420) -> subprocess.CompletedProcess:
        return subprocess.run([str(ROOT / "scripts" / "run_prod.sh"), *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def start(self) -> None:
        out = self.script("--background")
        assert out.returncode == 0, f"run_prod.sh failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"

    def stop(self) -> None:
        self.script("--stop", timeout=120)

    def close(self) -> None:
        self.stop()
        for p in (self.pg_proxy, self.redis_proxy, self.action_proxy):
            p.stop()

    def pid(self, name: str) -> int:
        return int((self.dir / "run" / f"{name}.pid").read_text())

    def log_tail(self, name: str, n: int = 40) -> str:
        path = self.dir / "log" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:]) if path.exists() else ""


def post(port: int, sender: str, text: str, timeout: float = 60, token: str = REST_TOKEN,
         **extra: Any) -> Tuple[int, List[Dict[str, Any]], float]:
    """A message of an integration (the REST channel wants its token in production)."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    body = json.dumps({"sender": sender, "message": text, **extra}).encode()
    t0 = time.perf_counter()
    status, _, raw = http("POST", f"http://127.0.0.1:{port}/webhooks/rest/webhook", body, headers, timeout)
    elapsed = time.perf_counter() - t0
    try:
        return status, json.loads(raw), elapsed
    except ValueError:
        return status, [{"text": raw.decode(errors="replace")}], elapsed


def get(url: str, headers: Dict[str, str] = None, method: str = "GET") -> Tuple[int, Any, Dict[str, str]]:
    status, got, body = http(method, url, headers=headers or {}, timeout=30)
    return status, (json.loads(body) if body[:1] in (b"{", b"[") else body), got


def metrics(stack: "Stack", name: str, **labels: str) -> float:
    """The sum over both replicas of every sample `name` with `labels` (their /metrics, with the token
    run_prod.sh generated)."""
    from prometheus_client.parser import text_string_to_metric_families

    token = (stack.dir / "metrics-token").read_text().strip()
    total = 0.0
    for port in stack.rasa_ports:
        status, _, body = http("GET", f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"},
                               timeout=30)
        assert status == 200, body[:200]
        for family in text_string_to_metric_families(body.decode()):
            total += sum(s.value for s in family.samples if s.name == name and labels.items() <= s.labels.items())
    return total


def ready(stack: "Stack") -> Tuple[int, Any]:
    """/health/ready through the front: (status, report)."""
    status, report, _ = get(f"http://127.0.0.1:{stack.front}/health/ready")
    return status, report


def text_of(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def unavailable(lang: str) -> str:
    data = yaml.safe_load((ROOT / "catalog" / "data" / "channel_messages.yaml").read_text(encoding="utf-8"))
    entry = data.get("unavailable") or data.get("messages", {}).get("unavailable")
    return entry[lang]


def stored_events(sender: str) -> List[Tuple[str, str, Dict[str, Any]]]:
    """(type_name, action_name, data) of every event PostgreSQL holds for REST sender `sender` (conversation
    "rest:<sender>"), or for a conversation id given whole ("wechat:…", "web:…"), in order."""
    if not sender.startswith(("rest:", "wechat:", "web:")):
        sender = f"rest:{sender}"
    import sqlalchemy as sa

    engine = sa.create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/test", future=True)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT type_name, action_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                            {"s": sender}).all()
    engine.dispose()
    return [(t, a, json.loads(d)) for t, a, d in rows]


def stored_user_texts(sender: str) -> List[str]:
    return [data["text"] for t, _, data in stored_events(sender) if t == "user"]


def stored_user_ids(sender: str) -> List[str]:
    return [data.get("message_id") for t, _, data in stored_events(sender) if t == "user"]


def access_log(stack: "Stack") -> List[Dict[str, Any]]:
    """nginx's access log: one JSON object per request, in order (deploy/nginx: log_format qualibot)."""
    path = stack.dir / "nginx" / "access.log"
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line.strip()]


def access_log_ids(stack: "Stack") -> List[str]:
    """The request id of every request in nginx's access log, in order."""
    return [entry["request_id"] for entry in access_log(stack)]


def stored_types(sender: str) -> List[Tuple[str, str]]:
    return [(t, a or (data.get("text") if t == "user" else "")) for t, a, data in stored_events(sender)]


@pytest.fixture(scope="module")
def stack(pg_addr, redis_addr):
    import shutil

    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed: `make nginx` (Debian's nginx-light) for the production stack tests")
    s = Stack(pg_addr, redis_addr)
    try:
        s.start()
    except AssertionError:
        print(s.log_tail("rasa-0"), s.log_tail("nginx"))
        s.close()
        raise
    yield s
    s.close()


def wait_until(predicate, timeout: float = 30.0, step: float = 0.3) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def sender() -> str:
    return f"prod-{uuid.uuid4().hex[:10]}"


# ---------- scale-out ----------

def test_context_survives_turns_landing_on_alternate_replicas(stack):
    who = sender()
    status, out, _ = post(stack.rasa_ports[0], who, "我有CFA证书")
    assert status == 200 and "CFA" in text_of(out), out
    status, out, _ = post(stack.rasa_ports[1], who, "外籍人士能享受什么")
    reply = text_of(out)
    assert status == 200 and "CFA" in reply and "工作许可" in reply, reply
    status, out, _ = post(stack.rasa_ports[0], who, "How is it verified?")
    assert status == 200 and "verification" in text_of(out).lower()
    assert stored_user_texts(who) == ["我有CFA证书", "外籍人士能享受什么", "How is it verified?"]


def test_the_front_address_serves_the_rest_channel_and_the_pages(stack):
    who = sender()
    status, out, _ = post(stack.front, who, "Is my PMP recognized?")
    assert status == 200 and "PMP" in text_of(out)
    status, body, headers = get(f"http://127.0.0.1:{stack.front}/web/chat/")
    assert status == 200 and b"<html" in body.lower()


def test_a_message_sent_again_with_its_id_is_answered_again_and_stored_once(stack):
    # a client that lost a response re-sends the message with the same message_id: same answer, one turn,
    # whichever replica each try lands on (the check reads PostgreSQL inside the Redis conversation lock)
    who = sender()
    tries = [post(stack.front, who, "我有CFA证书", message_id="prod-m-1") for _ in range(2)]
    tries += [post(port, who, "我有CFA证书", message_id="prod-m-1") for port in stack.rasa_ports]
    assert all(status == 200 for status, _, _ in tries), tries
    assert "CFA" in text_of(tries[0][1]) and all(out == tries[0][1] for _, out, _ in tries), tries
    assert stored_user_texts(who) == ["我有CFA证书"] and stored_user_ids(who) == ["prod-m-1"]
    status, out, _ = post(stack.front, who, "我有CFA证书", message_id="prod-m-2")
    assert status == 200 and stored_user_ids(who) == ["prod-m-1", "prod-m-2"]


def test_a_message_without_an_id_is_stored_under_the_front_s_request_id(stack):
    # nginx's $request_id (X-Request-Id) is what makes its own retry on the other replica a replay
    who = sender()
    assert post(stack.front, who, "Is my PMP recognized?")[0] == 200
    [message_id] = stored_user_ids(who)
    assert wait_until(lambda: message_id in access_log_ids(stack), 10), (message_id, access_log_ids(stack)[-3:])


def json_log(stack: "Stack", name: str) -> List[Dict[str, Any]]:
    """The JSON lines of a server's log (catalog/logs.py; run_prod.sh sets QUALIBOT_LOG_FORMAT=json)."""
    return json_lines(stack.dir / "log" / f"{name}.log")


def test_one_turn_is_followed_by_its_receipt_across_nginx_the_replica_and_the_action_server(stack):
    # issue 14: nginx's request id is the message id both servers log, and every line of the turn names the receipt
    who = sender()
    status, out, _ = post(stack.front, who, "我有CFA证书，能认可吗")
    codes = {m["custom"]["receipt"] for m in out if isinstance(m.get("custom"), dict) and m["custom"].get("receipt")}
    assert status == 200 and len(codes) == 1, out
    code = codes.pop()
    [message_id] = stored_user_ids(who)

    def front() -> List[Dict[str, Any]]:
        return [e for e in access_log(stack) if e["request_id"] == message_id]

    assert wait_until(front, 10)
    assert front()[-1]["receipt"] == code and front()[-1]["status"] == 200
    replicas = [e for i in range(len(stack.rasa_ports)) for e in json_log(stack, f"rasa-{i}")
                if e.get("message_id") == message_id]
    actions = [e for e in json_log(stack, "actions") if e.get("message_id") == message_id]
    assert any(e.get("receipt") == code and e.get("conversation") == "rest:" + who for e in replicas), replicas
    assert any(e.get("receipt") == code and e.get("conversation") == "rest:" + who for e in actions), actions


def test_concurrent_messages_of_one_user_are_processed_one_after_another(stack):
    who = sender()
    texts = ["我有CFA证书", "外籍人士能享受什么", "怎么查验", "有哪些云计算证书", "谢谢", "Is my PMP recognized?"]
    ports = [stack.rasa_ports[i % 2] for i in range(len(texts))]
    with concurrent.futures.ThreadPoolExecutor(len(texts)) as pool:
        results = list(pool.map(lambda a: post(a[0], who, a[1]), zip(ports, texts)))
    assert all(status == 200 and out for status, out, _ in results), results
    events = stored_types(who)
    users = [i for i, (t, _) in enumerate(events) if t == "user"]
    assert sorted(events[i][1] for i in users) == sorted(texts), [text_of(out) for _, out, _ in results]
    # between two user messages: the first one's answer and an action_listen, never another user message
    for a, b in zip(users, users[1:]):
        between = events[a + 1:b]
        assert any(t == "bot" for t, _ in between), between
        assert between[-1] == ("action", "action_listen"), between


def test_wechat_retries_of_one_message_make_one_turn_through_the_front(stack):
    # the platform re-sends a message it got no answer for; nginx sends the retries round robin, so they
    # land on both replicas, which share the de-duplication through Redis (bot/channels/wechat/dedup.py)
    import random
    import urllib.parse

    from bot.channels.wechat.envelope import parse_xml
    from tests.support.wechat import plain_params, text_xml

    openid = "o" + uuid.uuid4().hex[:27]
    body = text_xml("我有CFA证书", openid=openid, msg_id=str(random.randrange(10**18, 10**19)))
    retries = metrics(stack, "qualibot_wechat_retries_total")
    replies = []
    for _ in range(4):
        params = dict(plain_params(token=WECHAT_TOKEN), openid=openid)
        req = urllib.request.Request(f"http://127.0.0.1:{stack.front}/webhooks/wechat/webhook?"
                                     + urllib.parse.urlencode(params), data=body,
                                     headers={"Content-Type": "text/xml"})
        with urllib.request.urlopen(req, timeout=30) as r:
            replies.append(parse_xml(r.read())["Content"])
    assert "CFA" in replies[0] and all(r == replies[0] for r in replies), replies
    assert stored_user_texts(f"wechat:{openid}") == ["我有CFA证书"]
    # /metrics: the 3 retries were de-duplicated (joined on the replica that ran it, or from the shared record)
    assert metrics(stack, "qualibot_wechat_retries_total") - retries == 3


def test_socketio_through_the_front_keeps_the_conversation(stack):
    # socket.io's long-polling is many HTTP requests per session: nginx keeps them on one replica
    from tests.channels.test_socketio_input import Client

    client = Client(f"http://127.0.0.1:{stack.front}")
    try:
        token = client.session()  # signed with the secret every replica shares
        who = "web:" + token.split(".")[1]
        first = " ".join(t or "" for t in client.say({"message": "我有CFA证书", "session_id": token}))
        assert "CFA" in first, first
        assert wait_until(lambda: stored_user_texts(who) == ["我有CFA证书"], 10)
        second = " ".join(t or "" for t in client.say({"message": "外籍人士能享受什么", "session_id": token}))
        assert "工作许可" in second or "CFA" in second, second
    finally:
        client.close()
    assert stored_user_texts(who) == ["我有CFA证书", "外籍人士能享受什么"]


def test_health_endpoint_reports_every_dependency(stack):
    status, report = ready(stack)
    assert status == 200, report
    assert report["tracker_store"]["kind"] == "GuardedSQLTrackerStore" and report["tracker_store"]["ok"]
    assert report["lock_store"]["kind"] == "AtomicRedisLockStore" and report["lock_store"]["ok"]
    assert report["catalog_db"]["kind"].startswith("postgresql") and report["catalog_db"]["ok"]
    assert report["action_server"]["ok"]
    assert get(f"http://127.0.0.1:{stack.front}/health/live")[0] == 200
    status, report, _ = get(f"http://127.0.0.1:{stack.action_port}/health/ready")
    assert status == 200 and report["catalog_db"]["ok"]


# ---------- security ----------

def test_metrics_are_on_the_private_ports_with_the_token_never_through_the_front(stack):
    token = (stack.dir / "metrics-token").read_text().strip()
    assert oct((stack.dir / "metrics-token").stat().st_mode & 0o777) == "0o600"
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("/metrics", "/metrics/"):
        status, body, _ = get(f"http://127.0.0.1:{stack.front}{path}", bearer)
        assert status == 404 and b"qualibot_" not in (body if isinstance(body, bytes) else b""), path
    for port in stack.rasa_ports + [stack.action_port]:
        assert get(f"http://127.0.0.1:{port}/metrics")[0] == 401
        status, body, _ = get(f"http://127.0.0.1:{port}/metrics", bearer)
        assert status == 200 and b"qualibot_" in body, port
    assert metrics(stack, "qualibot_turn_seconds_count", channel="rest") > 0  # the tests before sent turns


def test_http_api_needs_the_token_and_is_not_public(stack):
    who = sender()
    post(stack.front, who, "hello")
    api = f"http://127.0.0.1:{stack.rasa_ports[0]}/conversations/rest:{who}/tracker"
    assert get(api)[0] == 401
    assert get(api + "?token=wrong")[0] in (401, 403)
    status, tracker, _ = get(api + f"?token={stack.token}")
    assert status == 200 and tracker["sender_id"] == f"rest:{who}"
    for path in ("/conversations/x/tracker", "/model", "/status", "/version", "/webhooks/../model"):
        assert get(f"http://127.0.0.1:{stack.front}{path}")[0] == 404, path


def test_the_rest_channel_needs_its_token_in_production(stack):
    # nginx is on loopback too: without the token, loopback is no pass in production
    for port in (stack.front, stack.rasa_ports[0]):
        status, out, _ = post(port, sender(), "Is my CFA recognized?", token="")
        assert status == 401, (port, status, out)
        status, out, _ = post(port, sender(), "Is my CFA recognized?", token="wrong-token")
        assert status == 403, (port, status, out)


def test_the_chat_page_s_session_works_on_every_replica(stack):
    # the session is signed with the secret the replicas share: issued by one, accepted by the other
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def page_post(port: int, path: str, body: Dict[str, Any]) -> Tuple[int, Any]:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/webchat/{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with opener.open(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    status, session = page_post(stack.rasa_ports[0], "session", {})
    assert status == 200 and session["conversation_id"].startswith("web:")
    status, out = page_post(stack.rasa_ports[1], "webhook", {"message": "我有CFA证书"})
    assert status == 200 and "CFA" in text_of(out), out
    assert stored_user_texts(session["conversation_id"]) == ["我有CFA证书"]


def test_run_prod_refuses_to_start_without_the_rest_token(tmp_path):
    env = dict(os.environ, QUALIBOT_REST_TOKEN="", QUALIBOT_PROD_DIR=str(tmp_path))
    out = subprocess.run([str(ROOT / "scripts" / "run_prod.sh"), "--background"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "QUALIBOT_REST_TOKEN" in out.stderr
    assert not list((tmp_path / "run").glob("*.pid")), "nothing may have been started"


def test_action_server_and_replicas_listen_on_loopback_only(stack):
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    for port in [stack.action_port, *stack.rasa_ports, stack.front]:
        binds = [line.split()[3] for line in out.splitlines() if line.split()[3].endswith(f":{port}")]
        assert binds and all(b.startswith("127.0.0.1:") for b in binds), (port, binds)


def test_cors_only_for_configured_origins(stack):
    url = f"http://127.0.0.1:{stack.front}/webhooks/rest/webhook"
    hdr = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    _, _, good = get(url, dict(hdr, Origin=f"http://localhost:{stack.front}"), method="OPTIONS")
    _, _, bad = get(url, dict(hdr, Origin="https://evil.example"), method="OPTIONS")
    good = {k.lower(): v for k, v in good.items()}
    bad = {k.lower(): v for k, v in bad.items()}
    assert good.get("access-control-allow-origin") == f"http://localhost:{stack.front}"
    assert "evil" not in bad.get("access-control-allow-origin", "") and bad.get("access-control-allow-origin") != "*"


def test_no_secret_values_in_the_production_files():
    for name in ("endpoints.prod.yml", "credentials.prod.yml"):
        data = yaml.safe_load((ROOT / name).read_text())

        def walk(node, path=""):
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, f"{path}.{k}")
            elif isinstance(node, str) and any(w in path for w in ("password", "token", "secret", "aes_key", "url")):
                assert node.startswith("${") and node.endswith("}"), f"{name}{path} holds a literal value"

        walk(data)


# ---------- faults ----------

def test_action_server_down_gives_a_polite_reply_in_time_and_recovers(stack):
    who = sender()
    assert post(stack.front, who, "我有CFA证书")[0] == 200
    with stack.action_proxy.down("refuse"):
        status, out, took = post(stack.front, who, "外籍人士能享受什么")
        assert status in (200, 503) and unavailable("zh") in text_of(out), out
        assert took < ACTION_TIMEOUT + 5
        status, out, _ = post(stack.front, sender(), "What do I get with a PMP as a foreigner?")
        assert unavailable("en") in text_of(out), out
        status, report = ready(stack)
        assert status == 503 and not report["action_server"]["ok"]
    status, out, _ = post(stack.front, who, "外籍人士能享受什么")
    assert status == 200 and "CFA" in text_of(out) and "工作许可" in text_of(out)


def test_a_hanging_action_server_is_bounded_by_the_timeout(stack):
    with stack.action_proxy.down("blackhole"):
        status, out, took = post(stack.front, sender(), "Is my CFA recognized?")
        assert unavailable("en") in text_of(out), out
        assert ACTION_TIMEOUT - 0.5 <= took < ACTION_TIMEOUT + 5


def test_postgres_outage_gives_a_clear_reply_no_lost_history_and_recovers(stack):
    who = sender()
    assert post(stack.front, who, "我有CFA证书")[0] == 200
    refused, failed = (metrics(stack, "qualibot_turns_total", channel="rest", outcome=o) for o in ("refused", "unavailable"))
    with stack.pg_proxy.down("refuse"):
        status, out, took = post(stack.front, who, "外籍人士能享受什么")
        assert unavailable("zh") in text_of(out), out
        assert took < 15
        assert wait_until(lambda: ready(stack)[0] == 503, 10)
        assert not ready(stack)[1]["tracker_store"]["ok"]
    assert wait_until(lambda: ready(stack)[0] == 200, 20)
    status, out, _ = post(stack.front, who, "外籍人士能享受什么")
    assert status == 200 and "CFA" in text_of(out) and "工作许可" in text_of(out), out
    # the stored history: the turn before the outage and the one after, nothing made up in between
    assert stored_user_texts(who) == ["我有CFA证书", "外籍人士能享受什么"]
    # /metrics: the turn told "temporarily unavailable" is counted (refused at once, or failed mid-turn)
    assert (metrics(stack, "qualibot_turns_total", channel="rest", outcome="refused") - refused
            + metrics(stack, "qualibot_turns_total", channel="rest", outcome="unavailable") - failed) >= 1


def test_redis_outage_gives_a_clear_reply_and_recovers(stack):
    who = sender()
    assert post(stack.front, who, "Is my PMP recognized?")[0] == 200
    with stack.redis_proxy.down("refuse"):
        status, out, took = post(stack.front, who, "What would I get as a foreigner?")
        assert unavailable("en") in text_of(out), out
        assert took < 15
    assert wait_until(lambda: ready(stack)[0] == 200, 20)
    status, out, _ = post(stack.front, who, "What would I get as a foreigner?")
    assert status == 200 and "PMP" in text_of(out), out
    assert stored_user_texts(who) == ["Is my PMP recognized?", "What would I get as a foreigner?"]


def test_killing_a_replica_mid_conversation_keeps_the_conversation(stack):
    who = sender()
    assert post(stack.front, who, "我有CFA证书")[0] == 200
    os.kill(stack.pid("rasa-0"), signal.SIGKILL)
    for text in ("外籍人士能享受什么", "怎么查验", "外籍人士能享受什么"):
        status, out, _ = post(stack.front, who, text)
        assert status == 200, (status, out)
    assert "CFA" in text_of(out) and "工作许可" in text_of(out)
    assert stored_user_texts(who) == ["我有CFA证书", "外籍人士能享受什么", "怎么查验", "外籍人士能享受什么"]


def test_restarting_the_whole_stack_keeps_every_history(stack):
    who = sender()
    assert post(stack.front, who, "我有CFA证书")[0] == 200
    before = stored_types(who)
    stack.stop()
    stack.start()
    status, tracker, _ = get(f"http://127.0.0.1:{stack.rasa_ports[1]}/conversations/rest:{who}/tracker"
                             f"?token={stack.token}")
    assert status == 200 and [e.get("text") for e in tracker["events"] if e["event"] == "user"] == ["我有CFA证书"]
    status, out, _ = post(stack.front, who, "外籍人士能享受什么")
    assert status == 200 and "CFA" in text_of(out)
    assert stored_types(who)[:len(before)] == before
