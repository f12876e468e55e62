"""Custom NLU components, registered with Rasa's DefaultV1Recipe and named in config.yml.

Importing the package applies bot/runtime.py (bounded action calls, faster response validation).
"""
from bot import runtime as _runtime

_runtime.apply()
