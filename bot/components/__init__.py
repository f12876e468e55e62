"""Custom NLU components, registered with Rasa's DefaultV1Recipe and named in config.yml."""
