"""Custom input channels, named in credentials.yml: rest.py (integrations), web/ (the chat page's channel,
the pages and the staff console), socketio.py, wechat/ (the official account), health.py (probes).

What they share: checks.py (text, sender, conversation id, JSON depth), http.py (JSON answers, bodies,
error handlers), wording.py (every text a channel says itself), ratelimit.py, addresses.py (client address,
allowed hosts), session.py (signed web sessions), settings.py (durations). (bot/__init__.py has applied
bot/rasa_patches.py by the time any of them is imported.)
"""
