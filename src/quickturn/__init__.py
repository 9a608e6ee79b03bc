"""quickturn: real-time voice agents that answer fast enough to feel human.

The front door::

    from quickturn import Agent, AgentSession, tool

Names load on first use (PEP 562), so ``import quickturn`` stays cheap and loads no engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Agent": "quickturn.agent.agent",
    "AgentSession": "quickturn.agent.agent_session",
    "StackOptions": "quickturn.agent.stack",
    "SessionOptions": "quickturn.agent.options",
    "tool": "quickturn.tools.function_tool",
    "FunctionTool": "quickturn.tools.function_tool",
    "ToolContext": "quickturn.tools.context",
    "ToolSpec": "quickturn.tools.types",
    "AudioInput": "quickturn.transport.io",
    "AudioOutput": "quickturn.transport.io",
    "PlayoutResult": "quickturn.transport.io",
    **{
        name: "quickturn.agent.events"
        for name in (
            "AgentStateChanged", "UserSpeechStarted", "UserSpeechStopped", "UserTranscript",
            "AgentSpeechStarted", "AgentSpeechProgress", "AgentSpeechFinished",
            "ToolCalled", "ToolReturned", "TurnCompleted", "SessionError", "HandOff",
            "AgentChanged", "CallEnded", "SessionEvent",
        )
    },
}

__all__ = [
    "__version__",
    "Agent", "AgentSession", "StackOptions", "SessionOptions",
    "tool", "FunctionTool", "ToolContext", "ToolSpec",
    "AudioInput", "AudioOutput", "PlayoutResult",
    "AgentStateChanged", "UserSpeechStarted", "UserSpeechStopped", "UserTranscript",
    "AgentSpeechStarted", "AgentSpeechProgress", "AgentSpeechFinished",
    "ToolCalled", "ToolReturned", "TurnCompleted", "SessionError", "HandOff", "AgentChanged",
    "CallEnded", "SessionEvent",
]

if TYPE_CHECKING:
    from quickturn.agent.agent import Agent
    from quickturn.agent.agent_session import AgentSession
    from quickturn.agent.events import (
        AgentChanged,
        AgentSpeechFinished,
        AgentSpeechProgress,
        AgentSpeechStarted,
        AgentStateChanged,
        CallEnded,
        HandOff,
        SessionError,
        SessionEvent,
        ToolCalled,
        ToolReturned,
        TurnCompleted,
        UserSpeechStarted,
        UserSpeechStopped,
        UserTranscript,
    )
    from quickturn.agent.options import SessionOptions
    from quickturn.agent.stack import StackOptions
    from quickturn.tools.context import ToolContext
    from quickturn.tools.function_tool import FunctionTool, tool
    from quickturn.tools.types import ToolSpec
    from quickturn.transport.io import AudioInput, AudioOutput, PlayoutResult


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'quickturn' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
