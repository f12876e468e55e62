"""The Beijing overseas-qualifications catalog (3.0) as data, a database, a matcher and queries.

Nothing here imports Rasa: the bot, the action server, the staff CLI and the web console all
build on these modules.
"""
