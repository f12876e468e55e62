#!/usr/bin/env bash
# Start the action server and the Rasa server on localhost and print the URLs.
#   scripts/run.sh            run until Ctrl-C
#   scripts/run.sh --shell    chat in the terminal instead
#   scripts/run.sh --background   start, wait until ready, and leave them running (pids in var/run/)
#   scripts/run.sh --console-token   print the staff console's token (made once for this machine) and exit
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false
export ACTION_PORT="${ACTION_PORT:-5055}" RASA_PORT="${RASA_PORT:-5005}"
mode="${1:-}"
# WeChat: Rasa refuses a credentials.yml whose ${VAR} is unset, so every variable gets a value here;
# without WECHAT_TOKEN a development token is made up and printed.
if [ -z "${WECHAT_TOKEN:-}" ]; then
  WECHAT_TOKEN="dev-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  WECHAT_DEV_TOKEN=1
fi
mkdir -p var/run var/log
# Staff console: its API answers 403 without a token (bot/channels/web/). Without QUALIBOT_CONSOLE_TOKEN a
# random one is made once for this machine (var/console-token, mode 600) and printed with the URLs.
if [ -z "${QUALIBOT_CONSOLE_TOKEN:-}" ]; then
  if [ ! -s var/console-token ]; then (umask 077; head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >var/console-token); fi
  QUALIBOT_CONSOLE_TOKEN="$(cat var/console-token)"
  CONSOLE_DEV_TOKEN=1
fi
if [ "$mode" = "--console-token" ]; then echo "$QUALIBOT_CONSOLE_TOKEN"; exit 0; fi
export WECHAT_TOKEN WECHAT_APP_ID="${WECHAT_APP_ID:-}" WECHAT_APP_SECRET="${WECHAT_APP_SECRET:-}" \
  WECHAT_AES_KEY="${WECHAT_AES_KEY:-}" WECHAT_API_BASE="${WECHAT_API_BASE:-}" \
  WECHAT_TIMESTAMP_WINDOW="${WECHAT_TIMESTAMP_WINDOW:-}" WECHAT_REPLY_TIMEOUT="${WECHAT_REPLY_TIMEOUT:-}" \
  QUALIBOT_CONSOLE_TOKEN
RASA=.venv/bin/rasa
# conversations in var/conversations.sqlite3 (endpoints.dev.yml), which the console's analytics tab reads
export QUALIBOT_TRACKER_DB_URL="${QUALIBOT_TRACKER_DB_URL:-sqlite:///var/conversations.sqlite3}"
ENDPOINTS=endpoints.dev.yml

stop() {
  for f in var/run/actions.pid var/run/rasa.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

wait_for() {  # url seconds
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "timed out waiting for $1" >&2
  return 1
}

stop
.venv/bin/python -m actions.server --port "$ACTION_PORT" --interface 127.0.0.1 >var/log/actions.log 2>&1 &
echo $! >var/run/actions.pid
if [ "$mode" = "--shell" ]; then
  trap stop EXIT
  wait_for "http://127.0.0.1:$ACTION_PORT/health" 60
  $RASA shell --model models/qualibot.tar.gz --endpoints "$ENDPOINTS"
  exit 0
fi
.venv/bin/python -m serve run --model models/qualibot.tar.gz --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --port "$RASA_PORT" --interface 127.0.0.1 --cors "http://localhost:$RASA_PORT" --cors "http://127.0.0.1:$RASA_PORT" \
  >var/log/rasa.log 2>&1 &
echo $! >var/run/rasa.pid
wait_for "http://127.0.0.1:$ACTION_PORT/health" 60
# ready when the REST channel answers (the model loads after the port opens)
for ((i = 0; i < 600; i++)); do
  out=$(curl -fsS -H 'Content-Type: application/json' -d '{"sender":"startup-probe","message":"/greet"}' \
        "http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook" 2>/dev/null || true)
  [ -n "$out" ] && [ "$out" != "[]" ] && break
  sleep 0.2
done
cat <<MSG
Qualibot is up.
  chat page:  http://127.0.0.1:$RASA_PORT/web/chat/
  console:    http://127.0.0.1:$RASA_PORT/web/console/   (hotline staff; console token: $QUALIBOT_CONSOLE_TOKEN${CONSOLE_DEV_TOKEN:+, made for this machine: var/console-token})
  REST:       http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook   (POST {"sender": "me", "message": "我有CFA"}; from this machine, or with Authorization: Bearer \$QUALIBOT_REST_TOKEN)
  socket.io:  http://127.0.0.1:$RASA_PORT/socket.io
  WeChat:     http://127.0.0.1:$RASA_PORT/webhooks/wechat/webhook   (token: $WECHAT_TOKEN${WECHAT_DEV_TOKEN:+, a development token})
  actions:    http://127.0.0.1:$ACTION_PORT/health
  logs:       var/log/rasa.log, var/log/actions.log
MSG
if [ "$mode" = "--background" ]; then
  exit 0
fi
trap 'stop; echo stopped.' INT TERM EXIT
wait
