"""Rasa stores for the production configuration (endpoints.prod.yml)."""
