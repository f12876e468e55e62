"""End-to-end tests: the action server and the Rasa server started on free ports, questions over HTTP."""
