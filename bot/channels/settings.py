"""Settings read from credentials.yml or the environment, checked once at start-up with a message that names
them (a bad value stops start-up; it must never surface as a 500 on the first request)."""
from __future__ import annotations

from typing import Optional


def seconds(value: object, default: float, name: str, low: Optional[float] = None,
            high: Optional[float] = None) -> float:
    """A duration in seconds: empty is `default`; it must be a number, above 0, and within [low, high] when
    those are given."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return default
    try:
        n = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {text!r}") from None
    if not n > 0 or n != n:
        raise ValueError(f"{name} must be positive, got {text!r}")
    if (low is not None and n < low) or (high is not None and n > high):
        raise ValueError(f"{name} must be from {low:g} to {high:g} seconds, got {text!r}")
    return n
