"""python -m serve run --model models/qualibot.tar.gz ...: see serve/__init__.py."""
from __future__ import annotations

import logging
import os
import sys

# numpy's OpenBLAS starts a thread per core that spins (sched_yield) for a while after every call: DIET's intents
# (a small matrix product per message, bot/components/diet_numpy.py) kept that thread busy as long as messages
# came, a whole core of our two taken from the action server and the other requests (issue 15: 8-user
# throughput, below). Products this small gain nothing from more threads. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from serve import install_stand_in, model_argument, needs_tensorflow  # noqa: E402


def main() -> None:
    args = sys.argv[1:]
    model = model_argument(args)
    why = "QUALIBOT_TENSORFLOW=1" if os.environ.get("QUALIBOT_TENSORFLOW") == "1" else (
        needs_tensorflow(model) if model else "no --model given")
    if why is None:
        install_stand_in()
    from rasa.__main__ import main as rasa_main

    logging.getLogger("serve").warning("TensorFlow: %s", "not loaded (the model does not need it)" if why is None
                                       else f"loaded ({why})")
    sys.argv = ["rasa", *args]
    rasa_main()


if __name__ == "__main__":
    main()
