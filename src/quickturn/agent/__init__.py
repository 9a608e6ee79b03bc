"""The voice session: turn-taking, replies with tools, barge-in, fillers, per-turn metrics."""
