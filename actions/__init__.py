"""The action server (rasa-sdk): thin actions that turn slots into catalog queries and answers.

Start with `rasa run actions --actions actions`. Each module holds one feature's actions.
"""
