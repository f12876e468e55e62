"""python -m serve run --model models/qualibot.tar.gz ...: see serve/__init__.py."""
from __future__ import annotations

import logging
import os
import sys

from serve import install_stand_in, model_argument, needs_tensorflow


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
