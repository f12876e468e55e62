# Qualibot — two commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.10 2>/dev/null || ls $$HOME/.pyenv/versions/3.10.*/bin/python3.10 2>/dev/null | tail -n1)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
MODEL_STAMP := models/.trained
CATALOG_STAMP := var/.catalog-loaded
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

CATALOG_DATA := $(shell find catalog/data -type f 2>/dev/null)
CATALOG_CODE := $(wildcard catalog/*.py)
# catalog files that only the actions read (reply templates, word lists for refusals and silent topics):
# editing them reloads the catalog but does not retrain the model
ACTION_ONLY_DATA := catalog/data/answers.yaml catalog/data/silent_topics.yaml catalog/data/refusals.yaml \
                    catalog/data/channel_messages.yaml catalog/data/README.md catalog/data/asked.yaml \
                    catalog/data/version_diff.yaml catalog/data/handoff.yaml catalog/data/pinyin.yaml
TRAINED_CATALOG_DATA := $(filter-out $(ACTION_ONLY_DATA),$(CATALOG_DATA))
# what the trained model depends on: training data, config, domain, the tokenizer (and the catalog names it uses)
TRAIN_INPUTS := config.yml domain.yml $(shell find data -type f -name '*.yml' 2>/dev/null) \
                bot/components/bilingual_tokenizer.py bot/components/catalog_names.py bot/components/gibberish.py \
                bot/components/diet_numpy.py \
                bot/policies/bounded_history.py catalog/facts.py scripts/train.sh $(TRAINED_CATALOG_DATA)

.PHONY: help setup catalog train run run-prod console-token nginx shell browser test test-unit test-data test-stories test-nlu test-e2e bench bench-memory bench-catalog bench-analytics bench-load bench-chaos clean

help:
	@echo "make run    - set up, load the catalog, train if needed, start the assistant (prints URLs)"
	@echo "make test   - set up, then every test"
	@echo "make run-prod - the production stack (PostgreSQL, Redis, 2 replicas behind nginx at :8080)"
	@echo "make console-token - print the staff console's token of \`make run\` (made once for this machine)"
	@echo "make setup | catalog | train | shell | bench | bench-memory | bench-catalog | bench-load | bench-chaos | clean"

# one venv for development: both servers, the tests and the checks (requirements/dev.txt includes the rest)
$(STAMP): $(wildcard requirements/*.txt) requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.10 not found: install it (pyenv install 3.10.13) or set PYTHON=/path/to/python3.10"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements/dev.txt -c requirements.lock
	@touch $@

setup: $(STAMP)

$(CATALOG_STAMP): $(STAMP) $(CATALOG_DATA) $(CATALOG_CODE)
	@mkdir -p var
	$(PY) -m catalog load
	@touch $@

catalog: $(CATALOG_STAMP)

$(MODEL_STAMP): $(TRAIN_INPUTS) | $(CATALOG_STAMP)
	scripts/train.sh
	@touch $@

train: $(MODEL_STAMP)

run: train
	scripts/run.sh

shell: train
	scripts/run.sh --shell

# the staff console's token that `make run` uses (QUALIBOT_CONSOLE_TOKEN, else var/console-token, made once)
console-token:
	@scripts/run.sh --console-token

# the production stack on this machine: PostgreSQL + Redis (local services), 2 Rasa replicas, nginx at :8080
run-prod: train nginx
	scripts/run_prod.sh

# Debian's nginx for the production stack's front (needs root to install)
nginx:
	@command -v nginx >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	  else echo "nginx missing: run 'sudo apt-get install nginx-light' for the production stack"; exit 1; fi; }

# Debian's chromium (and CJK/emoji fonts for readable screenshots) for the browser tests; needs root
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei fonts-noto-color-emoji >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' for the browser tests"; exit 1; fi; }

test: train browser nginx
	scripts/test.sh

# the held-out NLU set (tests/nlu: intent accuracy per language, qualification resolution; results/nlu_report.json)
test-nlu: train
	$(PY) -m tests.nlu.evaluate
	$(PY) -m pytest -q tests/nlu

# the conversation tests (tests/stories), as scripts/test.sh runs them
test-stories: train
	@mkdir -p results
	.venv/bin/rasa test core --model models/qualibot.tar.gz --stories tests/stories --out results/stories \
	  --fail-on-prediction-errors >results/stories.log 2>&1 || { tail -20 results/stories.log; exit 1; }
	@grep -h "Correct:\|Accuracy\|stories" results/stories.log | grep -v -i warn | tail -4

bench-catalog: catalog
	$(PY) -m tests.bench.bench_catalog

bench: train
	$(PY) -m tests.bench.bench_bot

# resident memory of the Rasa server + action server after 10,000 and 20,000 turns (MEMORY_ARGS="--turns 4000")
bench-memory: train
	$(PY) -m tests.bench.bench_memory $(MEMORY_ARGS)

# the analytics views (bot/analytics) on a million generated turns, SQLite and PostgreSQL (a schema of its own,
# dropped afterwards): ANALYTICS_ARGS="--turns 100000 --backend sqlite"
bench-analytics: catalog
	$(PY) -m tests.bench.bench_analytics $(ANALYTICS_ARGS)

# 200 concurrent conversations x 5 turns for 60 s through nginx, 2 replicas then 1 (PostgreSQL + Redis)
bench-load: train nginx
	$(PY) -m tests.bench.load_prod

# the chaos run: 200 conversations x 5 turns through nginx while a replica, PostgreSQL, Redis and an
# action-server worker fail in turn; its own PostgreSQL and Redis (spare ports). CHAOS_ARGS="--conversations 50"
bench-chaos: train nginx
	$(PY) -m tests.bench.bench_chaos $(CHAOS_ARGS)

clean:
	rm -rf var models results .pytest_cache
