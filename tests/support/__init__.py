"""Test helpers shared by several test modules (servers, recording stand-ins)."""
