"""Custom input channels, named in credentials.yml."""
