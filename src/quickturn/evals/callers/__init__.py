"""Simulated callers: the offline rule-based one and an LLM-played one."""

from quickturn.evals.callers.base import SimulatedCaller

__all__ = ["SimulatedCaller"]
