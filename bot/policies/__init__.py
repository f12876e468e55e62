"""Dialogue policies: Rasa's rule and memoization policies with a bounded look-back (config.yml)."""
from bot import runtime as _runtime

_runtime.apply()
