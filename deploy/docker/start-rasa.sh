#!/bin/sh
# Start the Rasa server of the production configuration inside the image (deploy/docker/Dockerfile.rasa).
# The same command as scripts/run_prod.sh, with these checks first:
#   - the model baked into the image matches the sha256 that our training wrote (scripts/train.sh);
#   - RASA_AUTH_TOKEN is set and not empty (the HTTP API is on: never without a token);
#   - QUALIBOT_REST_TOKEN and QUALIBOT_SESSION_SECRET are not empty (REST integrations, web sessions);
#   - QUALIBOT_CONSOLE_TOKEN is set and not empty (the staff console's token: its API is closed without one);
#   - QUALIBOT_CORS_ORIGINS is set (space-separated origins, each passed to --cors).
# Every other variable comes from the environment (Kubernetes: ConfigMap qualibot-config and Secret
# qualibot-secrets); Rasa itself refuses to start when a ${VAR} of endpoints.prod.yml or
# credentials.prod.yml is unset.
set -eu
cd /app
MODEL=/app/models/qualibot.tar.gz
if ! (cd /app/models && sha256sum -c --quiet qualibot.tar.gz.sha256); then
  echo "start-rasa: $MODEL does not match models/qualibot.tar.gz.sha256: not loading it" >&2
  exit 1
fi
# require VALUE NAME WHY: stop when a setting the production stack cannot run without is empty
require() {
  if [ -z "$1" ]; then
    echo "start-rasa: $2 is empty: $3" >&2
    exit 1
  fi
}
require "${RASA_AUTH_TOKEN:-}" RASA_AUTH_TOKEN "the HTTP API (--enable-api) needs a token"
require "${QUALIBOT_REST_TOKEN:-}" QUALIBOT_REST_TOKEN "the REST channel (integrations) needs a token"
require "${QUALIBOT_SESSION_SECRET:-}" QUALIBOT_SESSION_SECRET "the web sessions need a secret shared by every replica"
require "${QUALIBOT_CONSOLE_TOKEN:-}" QUALIBOT_CONSOLE_TOKEN "set the staff console's token (Secret qualibot-secrets)"
require "${QUALIBOT_CORS_ORIGINS:-}" QUALIBOT_CORS_ORIGINS "set the origins allowed to call the channels"
set -f  # the origins are split on spaces, never globbed
# shellcheck disable=SC2086
exec rasa run --model /app/models/qualibot.tar.gz --endpoints endpoints.prod.yml --credentials credentials.prod.yml --port 5005 --enable-api --auth-token "$RASA_AUTH_TOKEN" --cors $QUALIBOT_CORS_ORIGINS
