"""quickturn: real-time voice agents that answer fast enough to feel human."""

__version__ = "0.1.0"
