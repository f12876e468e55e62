"""Custom input channels, named in credentials.yml. Importing the package applies bot/runtime.py."""
from bot import runtime as _runtime

_runtime.apply()
