"""Rasa plug-ins: NLU components (bot/components) and input channels (bot/channels).

Importing the package masks personal data in every log record of the process (catalog/pii.py): every
Rasa process that loads our model or one of our channels imports it first.
"""
from catalog.pii import install_log_masking as _install_log_masking

_install_log_masking()
