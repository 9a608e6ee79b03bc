"""``quickturn bench turns``: end-of-turn delay and false turn ends per detector, on the labelled
set, plus phantom turns on noise and background speech.

Every labelled caller turn (``quickturn/turns/labelled/utterances.yaml``, read by the bundled
Piper voice with real pauses cut in) is replayed through noise gate, Silero VAD and each
detector (``quickturn.turns.replay``). Per detector: p50/p95 of the delay from the caller's
last sample to the decision, and the false-end rate (turns ended before their last word).
Each detector runs twice: "logic" decides as if compute were free (machine-independent: what the
silences and the detector's answers alone give), "measured" decides when the compute really
finished here (Smart Turn's inference; for detectors that read the transcript, also the STT's:
tiny.en, batch, on the audio at the pause, in parallel). On a loaded machine the slow compute
delays decisions, which also hides some false ends: read both.

Phantom turns: noise and low-level background voices through the same front end; an utterance
whose transcript is empty is dropped by the session, so only worded ones count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.audio.frame import PCM16
from quickturn.bench.stats import percentile
from quickturn.errors import ConfigError
from quickturn.stt.whisper import WhisperOptions, WhisperSTT
from quickturn.turns.detector import TurnOptions
from quickturn.turns.labelled_set import (
    LabelledSynth,
    RenderedUtterance,
    load_labelled_set,
)
from quickturn.turns.patience import PatienceDetector
from quickturn.turns.phantom import phantom_clips, phantom_turns
from quickturn.turns.replay import Transcribe, replay
from quickturn.turns.rules import RuleTurnDetector
from quickturn.turns.smart_turn import SmartTurnDetector, SmartTurnOptions
from quickturn.turns.types import EndOfTurnDetector


@dataclass(frozen=True)
class DetectorSpec:
    name: str
    make: Callable[[], Awaitable[EndOfTurnDetector]]
    reads_text: bool


async def _const(det: EndOfTurnDetector) -> EndOfTurnDetector:
    return det


def detector_specs(paths: ModelPaths) -> list[DetectorSpec]:
    def smart(**kw: Any) -> Callable[[], Awaitable[EndOfTurnDetector]]:
        async def make() -> EndOfTurnDetector:
            return await SmartTurnDetector.create(SmartTurnOptions(**kw), paths)

        return make

    return [
        DetectorSpec("patience-200", lambda: _const(PatienceDetector(0.2)), False),
        DetectorSpec("patience-500", lambda: _const(PatienceDetector(0.5)), False),
        DetectorSpec("patience-800", lambda: _const(PatienceDetector(0.8)), False),
        DetectorSpec("text-rules-500", lambda: _const(RuleTurnDetector(TurnOptions())), True),
        DetectorSpec(
            "text-rules-200",
            lambda: _const(RuleTurnDetector(TurnOptions(patience_s=0.2, incomplete_extra_s=0.8))),
            True,
        ),
        DetectorSpec("smart-turn-audio", smart(use_transcript=False), False),
        DetectorSpec("smart-turn+text", smart(), True),
    ]


def _dist(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "mean": None, "max": None}
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": float(np.mean(values)),
        "max": max(values),
    }


async def _pass(
    detector: EndOfTurnDetector,
    spec: DetectorSpec,
    rendered: list[RenderedUtterance],
    transcribe: Transcribe,
    charge_compute: bool,
) -> dict[str, Any]:
    delays: list[float] = []
    computes: list[float] = []
    per_item: list[dict[str, Any]] = []
    false_items = false_total = pauses = never = 0
    false_by_half = [0, 0]
    delays_by_half: tuple[list[float], list[float]] = ([], [])
    # The half is the item's place in the labelled set, whatever the rendering.
    order = {it_id: i for i, it_id in enumerate(dict.fromkeys(r.item.id for r in rendered))}
    for r in rendered:
        index = order[r.item.id]
        res = await replay(
            r.pcm,
            detector,
            transcribe if spec.reads_text else None,
            charge_compute=charge_compute,
        )
        false = res.false_ends(r.speech_end_s)
        delay = res.final_delay_s(r.speech_end_s)
        computes += [e.compute_s for e in res.ends]
        pauses += len(r.item.pauses)
        false_total += false
        false_items += false > 0
        false_by_half[index % 2] += false > 0
        if delay is None:
            never += 1
        else:
            delays.append(delay)
            delays_by_half[index % 2].append(delay)
        per_item.append(
            {
                "id": r.item.id,
                "kind": r.item.kind,
                "false_ends": false,
                "delay_s": delay,
                "ends": [
                    {
                        "at_s": e.at_s,
                        "hold_s": e.hold_s,
                        "compute_s": e.compute_s,
                        "text": e.transcript,
                    }
                    for e in res.ends
                ],
            }
        )
    with_pauses = sum(1 for r in rendered if r.item.pauses)
    return {
        "delay_s": _dist(delays),
        "compute_s": _dist(computes),
        "false_end_turns": false_items,
        "false_end_rate": false_items / len(rendered),
        # Thresholds were tuned on the even-numbered items (docs/turn-taking.md): the odd ones
        # are the held-out half.
        "false_end_turns_tuned_half": false_by_half[0],
        "false_end_turns_held_out_half": false_by_half[1],
        "delay_s_tuned_half": _dist(delays_by_half[0]),
        "delay_s_held_out_half": _dist(delays_by_half[1]),
        "false_end_rate_paused_turns": false_items / max(1, with_pauses),
        "false_ends_per_pause": false_total / max(1, pauses),
        "never_ended": never,
        "items": per_item,
    }


async def evaluate(
    spec: DetectorSpec, rendered: list[RenderedUtterance], transcribe: Transcribe
) -> dict[str, Any]:
    """One detector over the whole set, twice: deciding when its compute really finished on
    this machine ("measured"), and as if compute were free ("logic": machine-independent)."""
    detector = await spec.make()
    try:
        measured = await _pass(detector, spec, rendered, transcribe, charge_compute=True)
        logic = await _pass(detector, spec, rendered, transcribe, charge_compute=False)
    finally:
        close = getattr(detector, "aclose", None)
        if close is not None:
            await close()
    return {
        "detector": spec.name,
        "min_silence_s": detector.min_silence_s,
        "turns": len(rendered),
        "logic": logic,
        "measured": measured,
    }


def cached_transcriber(stt: WhisperSTT) -> Transcribe:
    cache: dict[bytes, tuple[str, float]] = {}

    async def transcribe(pcm: PCM16) -> tuple[str, float]:
        key = pcm.tobytes()
        if key not in cache:
            tr = await stt.transcribe(pcm)
            cache[key] = (tr.text, tr.latency_s)
        return cache[key]

    return transcribe


@dataclass(frozen=True)
class TurnBenchOptions:
    limit: int | None = None
    detectors: tuple[str, ...] = ()
    """Names to run (empty: all)."""
    phantom: bool = True
    renderings: int = 1
    """Readings of the set (Piper's prosody is sampled, so each differs): one moves a
    detector's false ends by +-3 of 40 between runs; more average that out."""

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise ConfigError("limit must be >= 1")
        if not 1 <= self.renderings <= 20:
            raise ConfigError("renderings must be in [1, 20]")


async def run_turn_taking(options: TurnBenchOptions, paths: ModelPaths) -> dict[str, Any]:
    specs = detector_specs(paths)
    if options.detectors:
        unknown = set(options.detectors) - {s.name for s in specs}
        if unknown:
            raise ConfigError(
                f"unknown detectors {sorted(unknown)}; known: {[s.name for s in specs]}"
            )
        specs = [s for s in specs if s.name in options.detectors]
    items = load_labelled_set()[: options.limit]
    synth = LabelledSynth(paths)
    rendered = [synth.render(it) for _ in range(options.renderings) for it in items]
    stt = await WhisperSTT.create(WhisperOptions(), paths)
    try:
        transcribe = cached_transcriber(stt)
        rows = []
        for spec in specs:
            rows.append(await evaluate(spec, rendered, transcribe))
            print(format_row(rows[-1]), flush=True)
        phantom = await phantom_turns(phantom_clips(synth), transcribe) if options.phantom else []
    finally:
        await stt.aclose()
    return {
        "benchmark": "turn_taking",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.processor() or platform.machine(),
        "labelled_turns": len(rendered),
        "renderings": options.renderings,
        "detectors": rows,
        "phantom": phantom,
    }


def format_row(row: dict[str, Any]) -> str:
    def ms(v: float | None) -> str:
        return "   -" if v is None else f"{v * 1000:4.0f}"

    def part(p: dict[str, Any]) -> str:
        d, h = p["delay_s"], p["delay_s_held_out_half"]
        held_out = (row["turns"]) // 2
        return (
            f"delay p50 {ms(d['p50'])} p95 {ms(d['p95'])} ms, "
            f"false ends {p['false_end_turns']:2d}/{row['turns']} ({p['false_end_rate']:3.0%}; "
            f"held-out {p['false_end_turns_held_out_half']}/{held_out}, "
            f"p50 {ms(h['p50'])} p95 {ms(h['p95'])} ms)"
        )

    m = row["measured"]
    return (
        f"{row['detector']:<17} logic: {part(row['logic'])} | measured: {part(m)}, "
        f"compute p50 {ms(m['compute_s']['p50'])} ms"
    )


def format_phantom(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'clip':<22}{'level':>8}{'gate':>6}{'utterances':>12}{'worded turns':>14}"]
    for r in rows:
        lines.append(
            f"{r['clip']:<22}{r['level_dbfs']:>8.0f}{'on' if r['gate'] else 'off':>6}"
            f"{r['utterances']:>12}{r['turns']:>14}"
        )
    return "\n".join(lines)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "turns",
        help="end-of-turn delay and false turn ends per detector (labelled set)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    add_arguments(p)
    p.set_defaults(func=run_command)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=None, help="only the first N labelled turns")
    p.add_argument("--detector", action="append", default=[], help="run only this (repeatable)")
    p.add_argument("--no-phantom", action="store_true", help="skip the noise/background part")
    p.add_argument(
        "--renderings", type=int, default=1, help="read the set N times (averages out prosody)"
    )
    p.add_argument("--out", type=Path, default=None, help="JSON file to write")


def run_command(args: argparse.Namespace) -> int:
    opts = TurnBenchOptions(
        args.limit, tuple(args.detector), not args.no_phantom, args.renderings
    )
    result = asyncio.run(run_turn_taking(opts, ModelPaths(default_cache_dir())))
    if result["phantom"]:
        print(format_phantom(result["phantom"]))
    out = args.out or Path("runs") / f"turns-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quickturn.bench.turn_taking")
    add_arguments(parser)
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
