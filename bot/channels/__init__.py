"""Custom input channels, named in credentials.yml. Importing the package applies bot/runtime.py."""
from bot import runtime as _runtime

_runtime.apply()

# the headers of every JSON answer our channels give themselves (REST refusals, health, the web API)
JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
