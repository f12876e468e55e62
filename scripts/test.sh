#!/usr/bin/env bash
# Every test: the code checks (ruff, mypy, import contracts), data validation, conversation tests, unit tests,
# NLU evaluation, end-to-end over HTTP.
# Run by `make test` after set-up, catalog load and training.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false
mkdir -p results
start=$(date +%s)

echo "== code checks (pyproject.toml): ruff, mypy on catalog/, import contracts"
.venv/bin/ruff check --no-cache --quiet . || { echo "ruff found problems (above)"; exit 1; }
.venv/bin/mypy --no-error-summary >results/mypy.log 2>&1 || { cat results/mypy.log; echo "mypy (catalog/) failed"; exit 1; }
.venv/bin/lint-imports --no-cache >results/import-contracts.log 2>&1 \
  || { sed -n '/Broken contracts/,$p' results/import-contracts.log; echo "an import contract is broken"; exit 1; }
echo "ok (ruff; mypy: results/mypy.log; import contracts: results/import-contracts.log)"

echo "== catalog data"
.venv/bin/python -m catalog check

echo "== rasa data validate"
.venv/bin/rasa data validate --data data --domain domain.yml --config config.yml --fail-on-warnings \
  >results/validate.log 2>&1 || { grep -v -i deprecat results/validate.log | tail -30; exit 1; }
echo "ok (results/validate.log)"

echo "== conversation tests (tests/stories, --fail-on-prediction-errors)"
rm -rf results/stories
if ! .venv/bin/rasa test core --model models/qualibot.tar.gz --stories tests/stories \
    --out results/stories --fail-on-prediction-errors >results/stories.log 2>&1; then
  echo "conversation tests failed:"; cat results/stories/failed_test_stories.yml 2>/dev/null | head -80
  tail -20 results/stories.log; exit 1
fi
grep -h "Correct:\|Accuracy\|stories" results/stories.log | grep -v -i warn | tail -4 || true

echo "== pytest: unit, actions, components, catalog (SQLite + PostgreSQL), NLU evaluation, end-to-end HTTP"
set +e
.venv/bin/python -m pytest tests -q
code=$?
set -e
echo "make test took $(( $(date +%s) - start )) s"
if [ "$code" -eq 5 ]; then echo "pytest collected no tests: that is a failure"; exit 1; fi
exit "$code"
