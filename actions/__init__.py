"""The action server (rasa-sdk): thin actions that turn slots into catalog queries and answers.

Start with `rasa run actions --actions actions` (or `python -m actions.server`). Each topic module (benefits,
practice, verification, recognition, support, catalog_info, framed) holds one feature's answer functions;
routing.py alone maps the Rasa actions and pending questions to them and makes the action classes (issue 11).
Importing the package masks personal data in every log record of the process (catalog/pii.py).
"""
from catalog.pii import install_log_masking as _install_log_masking

_install_log_masking()
