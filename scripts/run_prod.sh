#!/usr/bin/env bash
# The production stack on this machine: PostgreSQL + Redis (already running), the catalog loaded into
# PostgreSQL, an action server (2 processes), N Rasa replicas sharing tracker store and lock store,
# and nginx in front at http://localhost:8080. Ctrl-C stops it all.
#   scripts/run_prod.sh                      run until Ctrl-C
#   scripts/run_prod.sh --background         start, wait until ready, leave it running (scripts/run_prod.sh --stop)
#   scripts/run_prod.sh --stop               stop a background stack
#   QUALIBOT_REPLICAS=1 scripts/run_prod.sh  one replica (default 2)
# QUALIBOT_CONSOLE_TOKEN (the staff console's token) must be set: without it the stack does not start.
# Settings come from the environment (see endpoints.prod.yml, credentials.prod.yml, docs/production.md);
# the defaults below are this machine's local services. Secrets are never written to the repository:
# a missing RASA_AUTH_TOKEN is generated into var/prod/auth-token, a missing QUALIBOT_ACTION_SECRET (the
# header Rasa sends the action server, endpoints.prod.yml) into var/prod/action-secret (both mode 600).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
  RASA_TELEMETRY_ENABLED=false SANIC_WORKERS=1 SANIC_BACKLOG="${SANIC_BACKLOG:-1024}" \
  QUALIBOT_LOG_FORMAT="${QUALIBOT_LOG_FORMAT:-json}"
# SANIC_BACKLOG: Rasa's listen queue (rasa/core/run.py; Sanic's default 100). With one replica down, 200
# conversations at once overflowed it: connects to the live replica timed out, nginx marked it failed too and
# answered 502 "no live upstreams" (make bench-chaos, fault "rasa")
mode="${1:-}"
PROD="${QUALIBOT_PROD_DIR:-$ROOT/var/prod}"
mkdir -p "$PROD/log" "$PROD/run" "$PROD/nginx/tmp"

stop() {
  if [ -f "$PROD/run/nginx.pid" ] || [ -f "$PROD/nginx/nginx.pid" ]; then
    nginx -p "$PROD/nginx" -c "$PROD/nginx.conf" -s quit 2>/dev/null || true
  fi
  for f in "$PROD"/run/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}
if [ "$mode" = "--stop" ]; then stop; echo "stopped."; exit 0; fi

# ---- settings (environment first, then this machine's local services) ----
export QUALIBOT_PG_HOST="${QUALIBOT_PG_HOST:-127.0.0.1}" QUALIBOT_PG_PORT="${QUALIBOT_PG_PORT:-5432}" \
  QUALIBOT_PG_DB="${QUALIBOT_PG_DB:-test}" QUALIBOT_PG_USER="${QUALIBOT_PG_USER:-postgres}" \
  QUALIBOT_PG_PASSWORD="${QUALIBOT_PG_PASSWORD:-}"
export QUALIBOT_REDIS_HOST="${QUALIBOT_REDIS_HOST:-127.0.0.1}" QUALIBOT_REDIS_PORT="${QUALIBOT_REDIS_PORT:-6379}" \
  QUALIBOT_REDIS_PASSWORD="${QUALIBOT_REDIS_PASSWORD:-}" QUALIBOT_REDIS_DB="${QUALIBOT_REDIS_DB:-0}"
export QUALIBOT_REDIS_URL="${QUALIBOT_REDIS_URL:-redis://$QUALIBOT_REDIS_HOST:$QUALIBOT_REDIS_PORT/$QUALIBOT_REDIS_DB}"
export CATALOG_DB_URL="${CATALOG_DB_URL:-postgresql+psycopg2://$QUALIBOT_PG_USER@$QUALIBOT_PG_HOST:$QUALIBOT_PG_PORT/$QUALIBOT_PG_DB}"
FRONT_PORT="${QUALIBOT_FRONT_PORT:-8080}"
ACTION_PORT="${ACTION_PORT:-5055}"
REPLICAS="${QUALIBOT_REPLICAS:-2}"
FIRST_RASA_PORT="${QUALIBOT_RASA_PORT:-5006}"
export QUALIBOT_ACTION_URL="${QUALIBOT_ACTION_URL:-http://127.0.0.1:$ACTION_PORT/webhook}"
export QUALIBOT_CORS_ORIGINS="${QUALIBOT_CORS_ORIGINS:-http://localhost:$FRONT_PORT http://127.0.0.1:$FRONT_PORT}"
export QUALIBOT_RATE_LIMIT="${QUALIBOT_RATE_LIMIT:-30/60}" QUALIBOT_ADDRESS_RATE_LIMIT="${QUALIBOT_ADDRESS_RATE_LIMIT:-120/60}"
# nginx's own limit per client address on the public paths (deploy/nginx/qualibot.conf.template)
FRONT_RATE="${QUALIBOT_FRONT_RATE:-20r/s}" FRONT_BURST="${QUALIBOT_FRONT_BURST:-40}"
export QUALIBOT_REST_TOKEN="${QUALIBOT_REST_TOKEN:-}" QUALIBOT_SESSION_SECRET="${QUALIBOT_SESSION_SECRET:-}" \
  QUALIBOT_SESSION_TTL="${QUALIBOT_SESSION_TTL:-}"
export WECHAT_TOKEN="${WECHAT_TOKEN:-}" WECHAT_APP_ID="${WECHAT_APP_ID:-}" WECHAT_APP_SECRET="${WECHAT_APP_SECRET:-}" \
  WECHAT_AES_KEY="${WECHAT_AES_KEY:-}" WECHAT_API_BASE="${WECHAT_API_BASE:-}" \
  WECHAT_TIMESTAMP_WINDOW="${WECHAT_TIMESTAMP_WINDOW:-}" WECHAT_REPLY_TIMEOUT="${WECHAT_REPLY_TIMEOUT:-}" \
  QUALIBOT_CONSOLE_TOKEN="${QUALIBOT_CONSOLE_TOKEN:-}"
if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  if [ ! -s "$PROD/auth-token" ]; then (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PROD/auth-token"); fi
  RASA_AUTH_TOKEN="$(cat "$PROD/auth-token")"
fi
if [ -z "${QUALIBOT_ACTION_SECRET:-}" ]; then
  if [ ! -s "$PROD/action-secret" ]; then (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PROD/action-secret"); fi
  QUALIBOT_ACTION_SECRET="$(cat "$PROD/action-secret")"
fi
export QUALIBOT_ACTION_SECRET
# /metrics of the replicas and the action server (Prometheus): behind this token, generated once here (mode 600)
if [ -z "${QUALIBOT_METRICS_TOKEN:-}" ]; then
  if [ ! -s "$PROD/metrics-token" ]; then (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PROD/metrics-token"); fi
  QUALIBOT_METRICS_TOKEN="$(cat "$PROD/metrics-token")"
fi
export QUALIBOT_METRICS_TOKEN
if [ -z "$WECHAT_TOKEN" ]; then echo "note: WECHAT_TOKEN is empty: the WeChat channel refuses every request"; fi
# the REST channel is for integrations and needs a token in production: no default, no start without it
if [ -z "$QUALIBOT_REST_TOKEN" ]; then
  echo "QUALIBOT_REST_TOKEN is empty: the REST channel (integrations) needs a token in production;" \
       "e.g. export QUALIBOT_REST_TOKEN=\"\$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \\n')\"" >&2
  exit 1
fi
# the web sessions' signing secret, shared by the replicas: generated once here when not given (mode 600)
if [ -z "$QUALIBOT_SESSION_SECRET" ]; then
  if [ ! -s "$PROD/session-secret" ]; then (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PROD/session-secret"); fi
  QUALIBOT_SESSION_SECRET="$(cat "$PROD/session-secret")"
fi
# the staff console's token is required here (never generated: staff must be given it); without one the
# staff surfaces would answer 403 to everybody, so the stack does not start
if [ -z "$QUALIBOT_CONSOLE_TOKEN" ]; then
  echo "run_prod.sh: QUALIBOT_CONSOLE_TOKEN is empty: the production stack needs the staff console's token" \
       "(e.g. export QUALIBOT_CONSOLE_TOKEN=\"\$(openssl rand -hex 24)\"); not starting" >&2
  exit 1
fi

# ---- preconditions ----
command -v nginx >/dev/null || { echo "nginx is missing: 'make nginx' (Debian package, needs root) or 'sudo apt-get install nginx-light'" >&2; exit 1; }
.venv/bin/python - <<'PY' || exit 1
import os, socket, sys
for name, host, port in (("PostgreSQL", os.environ["QUALIBOT_PG_HOST"], os.environ["QUALIBOT_PG_PORT"]),
                         ("Redis", os.environ["QUALIBOT_REDIS_HOST"], os.environ["QUALIBOT_REDIS_PORT"])):
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as exc:
        sys.exit(f"{name} is not reachable at {host}:{port} ({exc}); start it or set QUALIBOT_{'PG' if name == 'PostgreSQL' else 'REDIS'}_HOST/PORT")
PY
MODEL=models/qualibot.tar.gz
[ -f "$MODEL" ] && [ -f "$MODEL.sha256" ] || { echo "no model from our pipeline: run 'make train'" >&2; exit 1; }
(cd models && sha256sum --quiet -c qualibot.tar.gz.sha256) || { echo "$MODEL does not match the checksum our training wrote: not loading it" >&2; exit 1; }

stop
trap 'stop; echo stopped.' INT TERM
echo "loading the catalog into PostgreSQL (idempotent)…"
.venv/bin/python -m catalog load >"$PROD/log/catalog-load.log" 2>&1 || { tail -20 "$PROD/log/catalog-load.log"; exit 1; }

# ---- processes ----
.venv/bin/python -m actions.server --port "$ACTION_PORT" --interface 127.0.0.1 --workers 2 \
  >"$PROD/log/actions.log" 2>&1 &
echo $! >"$PROD/run/actions.pid"
read -r -a cors <<<"$QUALIBOT_CORS_ORIGINS"
upstreams=""
for ((i = 0; i < REPLICAS; i++)); do
  port=$((FIRST_RASA_PORT + i))
  RASA_AUTH_TOKEN="$RASA_AUTH_TOKEN" .venv/bin/python -m serve run --model "$MODEL" --endpoints endpoints.prod.yml \
    --credentials credentials.prod.yml --port "$port" --interface 127.0.0.1 \
    --enable-api --auth-token "$RASA_AUTH_TOKEN" --cors "${cors[@]}" >"$PROD/log/rasa-$i.log" 2>&1 &
  echo $! >"$PROD/run/rasa-$i.pid"
  upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
done
upstreams="${upstreams%$'\n'}"
UPSTREAMS="$upstreams" PREFIX="$PROD/nginx" LISTEN="127.0.0.1:$FRONT_PORT" RATE="$FRONT_RATE" BURST="$FRONT_BURST" \
  .venv/bin/python - deploy/nginx/qualibot.conf.template "$PROD/nginx.conf" <<'PY'
import os, sys
text = open(sys.argv[1]).read()
for key in ("UPSTREAMS", "PREFIX", "LISTEN", "RATE", "BURST"):
    text = text.replace(f"@{key}@", os.environ[key])
open(sys.argv[2], "w").write(text)
PY
nginx -p "$PROD/nginx" -c "$PROD/nginx.conf" -g 'daemon off;' >"$PROD/log/nginx.log" 2>&1 &
echo $! >"$PROD/run/nginx.pid"

# ---- ready when every replica says so ----
deadline=$((SECONDS + 300))
for ((i = 0; i < REPLICAS; i++)); do
  port=$((FIRST_RASA_PORT + i))
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null; do
    if ((SECONDS > deadline)); then echo "replica $i did not get ready; see $PROD/log/rasa-$i.log" >&2; stop; exit 1; fi
    if ! kill -0 "$(cat "$PROD/run/rasa-$i.pid")" 2>/dev/null; then tail -20 "$PROD/log/rasa-$i.log" >&2; stop; exit 1; fi
    sleep 0.5
  done
done
until curl -fsS -o /dev/null "http://127.0.0.1:$FRONT_PORT/health/live" 2>/dev/null; do
  if ((SECONDS > deadline)); then echo "nginx did not start; see $PROD/log/nginx.log" >&2; stop; exit 1; fi
  sleep 0.2
done
cat <<MSG
Qualibot (production configuration) is up: $REPLICAS Rasa replica(s) behind nginx.
  front:      http://localhost:$FRONT_PORT   (chat page /web/chat/, console /web/console/ with QUALIBOT_CONSOLE_TOKEN)
  REST:       http://localhost:$FRONT_PORT/webhooks/rest/webhook   (integrations: Authorization: Bearer \$QUALIBOT_REST_TOKEN)
  health:     http://localhost:$FRONT_PORT/health/ready
  replicas:   $(for ((i = 0; i < REPLICAS; i++)); do printf 'http://127.0.0.1:%s ' $((FIRST_RASA_PORT + i)); done)(HTTP API: token in RASA_AUTH_TOKEN${RASA_AUTH_TOKEN:+ / var/prod/auth-token})
  actions:    http://127.0.0.1:$ACTION_PORT/health/ready (private)
  metrics:    http://127.0.0.1:<replica or action port>/metrics   (private; Authorization: Bearer \$QUALIBOT_METRICS_TOKEN${QUALIBOT_METRICS_TOKEN:+ / var/prod/metrics-token})
  stores:     PostgreSQL $QUALIBOT_PG_HOST:$QUALIBOT_PG_PORT/$QUALIBOT_PG_DB, Redis $QUALIBOT_REDIS_HOST:$QUALIBOT_REDIS_PORT/$QUALIBOT_REDIS_DB
  logs:       var/prod/log/
MSG
if [ "$mode" = "--background" ]; then trap - INT TERM; exit 0; fi
trap 'stop; echo stopped.' INT TERM EXIT
wait
