"""The Rasa server's own code: NLU components (bot/components), dialogue policies (bot/policies), input
channels (bot/channels), stores (bot/stores), health and the guarded turn (health.py, turn.py).

Importing the package does these things, once per process, before any of its modules runs:
  * it masks personal data in every log record of the process (catalog/pii.py);
  * with QUALIBOT_LOG_FORMAT=json it renders every log line as JSON (catalog/logs.py; again when the server
    starts, bot/channels/health.py, as Sanic gives its loggers handlers of their own);
  * it applies bot/rasa_patches.py (bounded action calls, replayed retries, checked slots and payloads,
    faster response validation).
Every Rasa process that loads our model, one of our channels or one of our stores imports it first. The
action server never imports bot/ (an import-linter contract in pyproject.toml says so), so it never loads
Rasa.
"""
from catalog.pii import install_log_masking as _install_log_masking

_install_log_masking()

from catalog import logs as _logs  # noqa: E402

if _logs.wants_json():  # QUALIBOT_LOG_FORMAT=json: JSON lines with the turn's keys (catalog/logs.py)
    _logs.configure()

from bot import rasa_patches as _rasa_patches  # noqa: E402 - after the log masking, as before

_rasa_patches.apply()
