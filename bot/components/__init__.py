"""Custom NLU components, registered with Rasa's DefaultV1Recipe and named in config.yml.

(bot/__init__.py has applied bot/rasa_patches.py by the time any of them is imported.)
"""
