"""``quickturn bench stt``: final-transcript latency after the end of speech, per chunking
strategy (200 ms frames, 500 ms frames, whole utterance after the VAD).

Labelled caller turns (the bundled Piper voice, with their pauses) are played into a streaming
STT in real time, 20 ms frames, with the VAD's pauses passed on as hints at the session's
setting (``SpeechPaused`` 0.1 s after the last speech, as with the default Smart Turn detector;
each starts the speculative decode, ``stt.streaming``). The turn is decided ``decide_after_s``
after the caller's last sample (Smart Turn's ask point plus its inference), and ``finish`` is
called then.

"End of speech" is the caller's last speech sample: the end of the last 10 ms block of the
rendering louder than 1 % of its peak (``labelled_set.speech_end_s``), known exactly here, which
the VAD can only report later. Reported per strategy: latency of ``finish`` (from the decision
to the final text: what the turn waits for STT), the time from the last speech sample to the
final text, decodes per turn (CPU cost), and the word error rate of the final text against the
batch transcript of the same audio and against the script.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.audio.frame import AudioFrame
from quickturn.bench.stats import percentile
from quickturn.errors import ConfigError
from quickturn.stt.streaming import IncrementalSTT, StreamingOptions
from quickturn.stt.types import CHUNK_S, Chunking
from quickturn.stt.wer import wer
from quickturn.stt.whisper import WhisperOptions, WhisperSTT
from quickturn.turns.labelled_set import LabelledSynth, RenderedUtterance, load_labelled_set
from quickturn.vad.events import SpeechPaused, VADOptions
from quickturn.vad.silero import SileroVAD

RATE = 16000
FRAME_S = 0.02
_START_S = 0.4  # the render's lead silence less the VAD's pad: where a session starts pushing
_PAUSE_S = 0.1  # the session's SpeechPaused with the default detector (agent.stack)


@dataclass(frozen=True)
class ChunkBenchOptions:
    strategies: tuple[Chunking, ...] = tuple(CHUNK_S)
    every: int = 3
    """Use every Nth labelled turn (a spread of kinds at a few minutes of real time)."""
    decide_after_s: float = 0.25

    def __post_init__(self) -> None:
        if not self.strategies or any(s not in CHUNK_S for s in self.strategies):
            raise ConfigError(f"strategies must be among {sorted(CHUNK_S)}")
        if self.every < 1 or not 0.0 <= self.decide_after_s <= 2.0:
            raise ConfigError("every must be >= 1 and decide_after_s in [0, 2]")


async def stream_one(
    stt: IncrementalSTT, r: RenderedUtterance, decide_after_s: float
) -> dict[str, Any]:
    """Play one turn in real time into a fresh stream; finish at the decision point."""
    stream = stt.stream()
    vad = SileroVAD(VADOptions(patience_s=5.0, pause_s=_PAUSE_S))
    n = int(FRAME_S * RATE)
    lo = int(_START_S * RATE)
    stop = int((r.speech_end_s + decide_after_s) * RATE)
    partials = 0

    async def drain() -> None:
        nonlocal partials
        async for _ in stream:
            partials += 1

    reader = asyncio.create_task(drain())
    t0 = time.perf_counter() - _START_S  # clock time of sample 0
    for i in range(lo, stop - n + 1, n):
        await asyncio.sleep(max(0.0, t0 + (i + n) / RATE - time.perf_counter()))
        frame = r.pcm[i : i + n]
        stream.push(frame)
        if any(isinstance(e, SpeechPaused) for e in vad.process(AudioFrame(frame, RATE, i / RATE))):
            stream.speech_paused()
    final = await stream.finish(speech_end_s=r.speech_end_s - _START_S)
    await reader
    return {
        "id": r.item.id,
        "text": final.text,
        "finish_s": final.latency_s,
        "after_last_sample_s": final.finished_at_s - (t0 + r.speech_end_s),
        "decodes": stream.decodes,
        "partials": partials,
        "audio": (lo, stop),
    }


def _dist(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": float(np.mean(values)),
    }


async def run_stt_chunking(options: ChunkBenchOptions, paths: ModelPaths) -> dict[str, Any]:
    items = load_labelled_set()[:: options.every]
    synth = LabelledSynth(paths)
    rendered = [synth.render(it) for it in items]
    stt = await WhisperSTT.create(WhisperOptions(), paths)
    rows = []
    try:
        batch = {}
        for r in rendered:
            lo, stop = int(_START_S * RATE), int((r.speech_end_s + options.decide_after_s) * RATE)
            batch[r.item.id] = (await stt.transcribe(r.pcm[lo:stop])).text
        for strategy in options.strategies:
            inc = IncrementalSTT(stt, StreamingOptions(chunking=strategy))
            turns = [await stream_one(inc, r, options.decide_after_s) for r in rendered]
            for t, r in zip(turns, rendered, strict=True):
                t["wer_vs_batch"] = wer(batch[r.item.id], t["text"])
                t["wer_vs_script"] = wer(r.item.text, t["text"])
                t["batch_text"] = batch[r.item.id]
            row = {
                "strategy": strategy,
                "turns": len(turns),
                "finish_s": _dist([t["finish_s"] for t in turns]),
                "after_last_sample_s": _dist([t["after_last_sample_s"] for t in turns]),
                "decodes_per_turn": float(np.mean([t["decodes"] for t in turns])),
                "wer_vs_batch": float(np.mean([t["wer_vs_batch"] for t in turns])),
                "wer_vs_script": float(np.mean([t["wer_vs_script"] for t in turns])),
                "items": turns,
            }
            rows.append(row)
            print(format_row(row), flush=True)
    finally:
        await stt.aclose()
    return {
        "benchmark": "stt_chunking",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.processor() or platform.machine(),
        "decide_after_s": options.decide_after_s,
        "strategies": rows,
    }


def format_row(row: dict[str, Any]) -> str:
    f, a = row["finish_s"], row["after_last_sample_s"]
    return (
        f"{row['strategy']:<13} final after finish p50 {f['p50'] * 1000:4.0f} ms "
        f"p95 {f['p95'] * 1000:4.0f} ms | after last sample p50 {a['p50'] * 1000:4.0f} ms "
        f"p95 {a['p95'] * 1000:4.0f} ms | decodes/turn {row['decodes_per_turn']:4.1f} | "
        f"WER vs batch {row['wer_vs_batch']:.3f}, vs script {row['wer_vs_script']:.3f}"
    )


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "stt",
        help="final-transcript latency per STT chunking strategy",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    add_arguments(p)
    p.set_defaults(func=run_command)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--strategy",
        action="append",
        default=[],
        choices=list(CHUNK_S),
        help="run only this chunking strategy (repeatable)",
    )
    p.add_argument("--every", type=int, default=3, help="every Nth labelled turn (1: all 40)")
    p.add_argument(
        "--decide-after",
        type=float,
        default=0.25,
        help="seconds after the last speech sample when the turn is decided",
    )
    p.add_argument("--out", type=Path, default=None, help="JSON file to write")


def run_command(args: argparse.Namespace) -> int:
    opts = ChunkBenchOptions(tuple(args.strategy) or tuple(CHUNK_S), args.every, args.decide_after)
    result = asyncio.run(run_stt_chunking(opts, ModelPaths(default_cache_dir())))
    out = args.out or Path("runs") / f"stt-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quickturn.bench.stt_chunking")
    add_arguments(parser)
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
