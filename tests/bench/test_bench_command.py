"""`quickturn bench` end to end: the real CLI and OpenAICompatClient against a fake
OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench_fakes import ScriptedClient, hotel_script, openai_app, server_in_thread

from quickturn.cli import main

pytest.importorskip("fastapi", reason="the fake server needs FastAPI (quickturn[server])")


Server = tuple[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def fake_server() -> Iterator[Server]:
    seen: list[dict[str, Any]] = []
    with server_in_thread(openai_app(ScriptedClient(hotel_script), seen)) as url:
        yield url, seen


def test_bench_runs_end_to_end(
    fake_server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, seen = fake_server
    seen.clear()
    out = tmp_path / "run"
    extra = tmp_path / "copy" / "results.json"
    code = main([
        "bench", "--endpoint", f"fake={url}/v1", "--workload", "synthetic",
        "--conversations", "2", "--turns", "3", "--concurrency", "1,2", "--warmup-turns", "1",
        "--api-key", "sk-test", "--model", "m1", "--out", str(out), "--json", str(extra),
    ])
    assert code == 0
    captured = capsys.readouterr()
    assert "fake [c=1]" in captured.out and "fake [c=2]" in captured.out
    assert "(warmup)" in captured.err and "ttft" in captured.err  # progress goes to stderr

    data = json.loads((out / "results.json").read_text())
    assert json.loads(extra.read_text()) == data
    assert data["meta"]["workload"] == "synthetic" and data["meta"]["tools"] == 40
    assert "sk-test" not in json.dumps(data)  # the key is never written down
    summaries = {s["setting"]: s for s in data["summary"]}
    # Per setting: "new-booking" turn 0 books (2 rounds) + 2 turns; "change-dates" 3 turns.
    assert summaries["c=1"]["requests"] == 7 and summaries["c=2"]["requests"] == 7
    assert summaries["c=1"]["failures"] == 0
    for s in data["summary"]:
        ttft = s["metrics"]["ttft_s"]
        assert 0 < ttft["min"] <= ttft["p50"] <= ttft["p95"] <= ttft["max"] < 5
    tool_rounds = [s for s in data["samples"] if s["tool_calls"]]
    assert tool_rounds and all(s["round_index"] == 0 for s in tool_rounds)
    assert "data:image/png;base64," in (out / "report.html").read_text()
    assert (out / "ttft_cdf.png").read_bytes()[:4] == b"\x89PNG"

    # What reached the server: production-shaped requests with the real client's fields.
    body = seen[0]
    assert body["model"] == "m1" and body["stream"] is True
    assert body["messages"][0]["role"] == "system" and len(body["tools"]) == 40
    assert any(m["role"] == "tool" for b in seen for m in b["messages"])
    # Two settings x (warmup turn "... book a room": 2 rounds + 7 measured requests).
    assert len(seen) == len(data["samples"]) == 2 * (2 + 7)


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_endpoint_is_recorded_as_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code = main([
        "bench", "--endpoint", f"down=http://127.0.0.1:{_dead_port()}/v1",
        "--workload", "synthetic", "--conversations", "1", "--turns", "2", "--warmup-turns", "0",
        "--out", str(out),
    ])
    assert code == 1  # nothing succeeded
    data = json.loads((out / "results.json").read_text())
    assert [s["error_type"] for s in data["samples"]] == ["UpstreamStreamError"] * 2
    assert "FAILED UpstreamStreamError" in capsys.readouterr().err


def test_http_error_status_is_recorded(
    fake_server: Server, tmp_path: Path
) -> None:
    url, _ = fake_server
    code = main([
        "bench", "--endpoint", f"{url}/v1", "--model", "broken", "--workload", "synthetic",
        "--conversations", "1", "--turns", "1", "--warmup-turns", "0", "--out", str(tmp_path),
    ])
    assert code == 1
    [sample] = json.loads((tmp_path / "results.json").read_text())["samples"]
    assert sample["endpoint"] == url.removeprefix("http://")  # bare URL: named by host:port
    assert "404" in sample["error_message"] and "no such model" in sample["error_message"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nothing to benchmark"),
        (["--endpoint", "x=ftp://host"], "expected NAME=http"),
        (["--endpoint", "a=http://h:1/v1", "--endpoint", "a=http://h:2/v1"], "unique"),
        (["--endpoint", "embedded=http://h:1/v1"], "reserved"),
        (["--endpoint", "embedded-draft4=http://h:1/v1"], "reserved"),
        (["--endpoint", "a=http://h:1/v1", "--lookup-draft", "-1"], ">= 0"),
        (["--endpoint", "a=http://h:1/v1", "--concurrency", "2,x"], "--concurrency"),
        (["--endpoint", "a=http://h:1/v1", "--concurrency", "0"], ">= 1"),
        (["--endpoint", "a=http://h:1/v1", "--conversations", "0"], "conversations"),
    ],
)
def test_bad_arguments_fail_fast_with_a_clear_message(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["bench", "--workload", "synthetic", "--out", str(tmp_path / "o"), *args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing was started or written


def test_existing_results_are_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "results.json").write_text('{"precious": true}')
    code = main(["bench", "--endpoint", "a=http://127.0.0.1:9/v1", "--out", str(tmp_path)])
    assert code == 2
    assert "exists" in capsys.readouterr().err
    assert json.loads((tmp_path / "results.json").read_text()) == {"precious": True}


def test_gateway_overhead_mode(fake_server: Server, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    url, seen = fake_server
    seen.clear()
    code = main([
        "bench", "--gateway-overhead", "--endpoint", f"fake={url}/v1", "--workload", "synthetic",
        "--pairs", "2", "--max-tokens", "16", "--out", str(tmp_path),
    ])
    assert code == 0
    report = json.loads((tmp_path / "overhead.json").read_text())
    fake = report["engines"]["fake"]
    assert fake["failures"] == {"direct": 0, "gateway": 0}
    assert fake["routes"]["gateway"]["ttft_s"]["count"] == 2
    assert fake["overhead_p50_s"]["ttft_s"] > 0  # one more HTTP hop cannot be free
    assert len(seen) == 2 * (1 + 2)  # both routes reach the same upstream, warmup pair included
    assert "gateway overhead, ttft p50" in capsys.readouterr().out


def test_embedded_without_llama_cpp_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import quickturn.llm.embedded_client as embedded
    from quickturn.errors import MissingDependencyError

    async def missing(*_args: Any, **_kwargs: Any) -> Any:
        raise MissingDependencyError("llama-cpp-python", "pip install 'quickturn[llm]'")

    monkeypatch.setattr(embedded.EmbeddedChatClient, "create", missing)
    code = main(["bench", "--embedded", "--workload", "synthetic", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "llama-cpp-python is not installed: pip install 'quickturn[llm]'" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "o" / "results.json").exists()


def test_interrupted_run_keeps_partial_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import quickturn.bench.llm_command as command
    from quickturn.bench.results import Sample

    async def one_then_ctrl_c(targets: Any, workload: Any, *, progress: Any, **_: Any) -> Any:
        progress(Sample("a", "c=1", "new-booking", 0, 0, 0, False, 0.0, 0.5, 0.7, 1.0))
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "run_targets", one_then_ctrl_c)
    code = main(["bench", "--endpoint", "a=http://127.0.0.1:9/v1", "--workload", "synthetic",
                 "--out", str(tmp_path)])
    assert code == 130
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["meta"]["interrupted"] is True
    assert [s["ttft_s"] for s in data["samples"]] == [0.5]
    assert "partial results" in capsys.readouterr().err
