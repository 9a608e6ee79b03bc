"""The 20-line WebSocket client in docs/transports.md, run as written against a live server."""

from __future__ import annotations

import asyncio
import re
import sys
import wave
from pathlib import Path

import numpy as np
from tests.transport.beep_agent import BeepAgent
from tests.transport.helpers import talk_server, utterance

DOC = Path(__file__).resolve().parents[2] / "docs" / "transports.md"


async def test_the_documented_client_says_a_turn_and_saves_the_answer(tmp_path: Path) -> None:
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert code is not None
    script = tmp_path / "client.py"
    script.write_text(code.group(1))
    question, answer = tmp_path / "question.wav", tmp_path / "answer.wav"
    with wave.open(str(question), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(utterance().astype("<i2").tobytes())
    agent = BeepAgent(reply_s=0.6)
    async with talk_server(agent) as (url, _):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(script), str(question), str(answer), f"{url}/ws",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert "user_transcript" in out.decode()
    with wave.open(str(answer)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    assert abs(len(pcm) / 16000 - 0.6) < 0.05 and np.abs(pcm).max() > 7000
