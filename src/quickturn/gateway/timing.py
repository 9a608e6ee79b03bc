"""Per-request timing: stamps each streamed event once and feeds the engine's histograms."""

from __future__ import annotations

import re
from collections.abc import Callable

from quickturn.gateway.metrics import GatewayMetrics
from quickturn.llm.types import Finished, LLMEvent, TextDelta, ToolCallEvent


class RequestTimer:
    """Observes one generation. Times are taken from the gateway's clock when the event reaches
    the gateway (not the engine's stamps), so they include everything the client will feel
    except the network back to it."""

    def __init__(
        self, metrics: GatewayMetrics, engine: str, arrived_s: float, clock: Callable[[], float]
    ) -> None:
        self._metrics = metrics
        self._engine = engine
        self._served: tuple[str, str, str] = (engine, "", engine)
        self._arrived_s = arrived_s
        self._clock = clock
        self._last_token_s: float | None = None
        self._sentence = FirstSentence()
        self.ttft_s: float | None = None
        self.ttfs_s: float | None = None

    def serving(self, model: str, upstream: str) -> None:
        """Label the latency series of this request (known once the engine has started)."""
        self._served = (self._engine, model, upstream)

    def queue_wait(self, seconds: float) -> None:
        self._metrics.queue_wait.labels(self._engine).observe(seconds)

    def event(self, event: LLMEvent) -> None:
        now = self._clock()
        m = self._metrics
        match event:
            case TextDelta(text=text):
                self._token(now)
                self._sentence.feed(text, now)
            case ToolCallEvent(call=call):
                self._token(now)
                origin = "repaired" if call.repaired else "structured"
                m.tool_calls.labels(*self._served, origin).inc()
            case Finished(usage=usage):
                self._sentence.finish()
                if self._sentence.at_s is not None:
                    self.ttfs_s = self._sentence.at_s - self._arrived_s
                    m.ttfs.labels(*self._served).observe(self.ttfs_s)
                m.prompt_tokens.labels(*self._served).inc(usage.prompt_tokens)
                m.completion_tokens.labels(*self._served).inc(usage.completion_tokens)
                m.cached_tokens.labels(*self._served).inc(usage.cached_tokens)

    def _token(self, now: float) -> None:
        if self._last_token_s is None:
            self.ttft_s = now - self._arrived_s
            self._metrics.ttft.labels(*self._served).observe(self.ttft_s)
        else:
            self._metrics.itl.labels(*self._served).observe(now - self._last_token_s)
        self._last_token_s = now

    def done(self, status: str) -> None:
        self._metrics.requests.labels(self._engine, status).inc()
        self._metrics.duration.labels(self._engine).observe(self._clock() - self._arrived_s)


# A sentence ends at . ! ? (or their CJK/ellipsis forms), optionally closed by a quote or
# bracket, followed by whitespace. Punctuation at the very end only counts once the stream ends
# (until then "3." may still become "3.5").
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019)\]]*\s")
_TRAILING_END = re.compile(r"[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019)\]]*$")


class FirstSentence:
    """Finds when the first sentence of a stream was complete."""

    def __init__(self) -> None:
        self._text = ""
        self._pending_s: float | None = None
        self.at_s: float | None = None

    def feed(self, text: str, at_s: float) -> None:
        if self.at_s is not None:
            return
        start = max(0, len(self._text) - 4)  # a match may straddle the previous delta
        self._text += text
        if self._pending_s is not None and self._text[len(self._text) - len(text) :][:1].isspace():
            self.at_s = self._pending_s
            return
        if _SENTENCE_END.search(self._text, start):
            self.at_s = at_s
            return
        self._pending_s = at_s if _TRAILING_END.search(self._text) else None

    def finish(self) -> None:
        if self.at_s is None and self._pending_s is not None:
            self.at_s = self._pending_s
