"""Rasa plug-ins: NLU components (bot/components) and input channels (bot/channels)."""
