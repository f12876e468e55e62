"""Dialogue policies: Rasa's rule and memoization policies with a bounded look-back (config.yml)."""
