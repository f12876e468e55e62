"""The slots and entities an action reads, with every value that breaks catalog/slot_values.py's rules
left out (logged, the value itself never), so that a value that reached the tracker some other way (a
conversation stored before the Rasa side checked values, a forged tracker) cannot break an answer:
an age of NaN reads as "age not given", as if it had never been typed."""
from __future__ import annotations

import logging
from typing import Any, Dict, Tuple

from catalog import slot_values

logger = logging.getLogger(__name__)


def checked(slots: Dict[str, Any], entities: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(slots, entities) with each value as its rule holds it (30.0 -> 30) and invalid ones as None /
    left out."""
    clean_slots: Dict[str, Any] = {}
    for name, value in slots.items():
        ok, clean_slots[name] = slot_values.cleaned(name, value)
        if not ok:
            logger.info("slot %r holds a value its rule refuses: read as unset", name)
    clean_entities: Dict[str, Any] = {}
    for name, value in entities.items():
        ok, value = slot_values.cleaned(str(name), value)
        if ok:
            clean_entities[name] = value
        else:
            logger.info("entity %r has a value its rule refuses: left out", name)
    return clean_slots, clean_entities
