"""Maintenance jobs that need neither Rasa nor the action server: `python -m ops.purge` (the daily CronJob
qualibot-purge, run in the action server's image). Plain SQLAlchemy and catalog/, so a job's pod stays small.

Importing the package masks personal data in every log record of the process (catalog/pii.py).
"""
from catalog.pii import install_log_masking as _install_log_masking

_install_log_masking()
