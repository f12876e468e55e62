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

# The dialogue checks need nothing of pytest's: they run beside it (the 2 cores are shared with pytest's workers)
# and their results are printed after it.
dialogue_checks() {
  echo "== rasa data validate"
  .venv/bin/rasa data validate --data data --domain domain.yml --config config.yml --fail-on-warnings \
    >results/validate.log 2>&1 || { grep -v -i deprecat results/validate.log | tail -30; return 1; }
  echo "ok (results/validate.log)"
  echo "== conversation tests (tests/stories, --fail-on-prediction-errors)"
  rm -rf results/stories
  if ! .venv/bin/rasa test core --model models/qualibot.tar.gz --stories tests/stories \
      --out results/stories --fail-on-prediction-errors >results/stories.log 2>&1; then
    echo "conversation tests failed:"; cat results/stories/failed_test_stories.yml 2>/dev/null | head -80
    tail -20 results/stories.log; return 1
  fi
  grep -h "Correct:\|Accuracy\|stories" results/stories.log | grep -v -i warn | tail -4 || true
}
echo "== rasa data validate and conversation tests: beside pytest (results/dialogue-checks.log)"
dialogue_checks >results/dialogue-checks.log 2>&1 &
dialogue=$!

# pytest-xdist, 2 workers: a module that shares a server or the trained model with others runs in the same
# worker as they do, each module whole in one worker, the longest groups first (tests/conftest.py)
echo "== pytest (2 workers): unit, actions, components, catalog (SQLite + PostgreSQL), NLU evaluation, end-to-end HTTP"
set +e
.venv/bin/python -m pytest tests -q -n 2 --dist loadgroup --no-loadscope-reorder --durations=15 2>&1 \
  | tee results/pytest.log
code=${PIPESTATUS[0]}
wait "$dialogue"
dialogue_code=$?
set -e
cat results/dialogue-checks.log
echo "make test took $(( $(date +%s) - start )) s"
if [ "$dialogue_code" -ne 0 ]; then echo "the dialogue checks failed (above)"; exit 1; fi
if [ "$code" -eq 5 ]; then echo "pytest collected no tests: that is a failure"; exit 1; fi
tail -1 results/pytest.log  # pytest's closing line, last
exit "$code"
