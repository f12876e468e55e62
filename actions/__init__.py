"""The action server (rasa-sdk): thin actions that turn slots into catalog queries and answers.

Start with `rasa run actions --actions actions`. Each module holds one feature's actions.
Importing the package masks personal data in every log record of the process (catalog/pii.py).
"""
from catalog.pii import install_log_masking as _install_log_masking

_install_log_masking()
