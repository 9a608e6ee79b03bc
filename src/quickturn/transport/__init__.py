"""Transports: how caller audio reaches a voice session and agent audio leaves it."""
