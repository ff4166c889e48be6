"""The typed wire (breakit.core.wire): every message survives its round trip, and what does not
decode fails loudly: a missing or an extra field, an unknown operation, an error reply."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from breakit.core.run_records import (
    Collected,
    CollectFailed,
    ConfigureFailed,
    Finish,
    HotRefused,
    Judged,
    Modules,
    SetAside,
    Start,
)
from breakit.core.wire import (
    CoverageRequest,
    ErrorReply,
    Fallback,
    HotRequest,
    LaunchRequest,
    Message,
    PoolReady,
    PoolStatus,
    PreloadReply,
    PreloadRequest,
    RunReply,
    RunRequest,
    SessionReply,
    SessionRequest,
    StatusRequest,
    StopRequest,
    WireError,
    WorkerReady,
    WorkerRequest,
    decode_reply,
    decode_request,
)
from breakit.runners.fork.channel import Channel
from breakit.runners.fork.worker import Worker
from breakit.runners.run_spec import RunSpec, run_request

RUN = RunRequest(
    workdir="/work",
    args=("-q", "tests"),
    timeout_s=2.5,
    memory_limit_mb=512,
    nodeids=("tests/test_a.py::test_one", "tests/test_a.py::test_two"),
    order=("tests/test_a.py::test_two",),
    first_catch=True,
    record_modules=False,
    coverage=CoverageRequest(out="/tmp/c.json", root="/work", source=("/work/pkg",)),
    results="/tmp/results.jsonl",
)

EVERY_MESSAGE: list[Message] = [
    RUN,
    RunRequest(
        workdir="/w",
        args=(),
        timeout_s=None,
        memory_limit_mb=None,
        nodeids=None,
        order=None,
        first_catch=False,
        record_modules=True,
        coverage=None,
        results=None,
    ),
    RunReply(
        records=[
            Start("t"),
            Judged("t", {"outcome": "caught", "message": "boom", "duration_s": 0.5}),
            Collected(("t", "u")),
            CollectFailed("tests/test_x.py", "ImportError: x", "…", "import_error"),
            ConfigureFailed("boom", None, "import_error"),
            SetAside(("pytest-cov",)),
            Finish(0, 2048.0, True),
            Modules(("fastapi",)),
            HotRefused("line 3 reads names Python resolves at run time"),
        ],
        duration_s=0.25,
        exit_status=None,
        timed_out=True,
        output="tail",
        out_of_memory=False,
    ),
    PreloadRequest(modules=("fastapi", "sqlalchemy"), project=("app",)),
    PreloadReply(failed=("broken",)),
    SessionRequest(workdir="/w", args=("-q",)),
    SessionReply(ready=True, tests=12, error=None),
    SessionReply(ready=False, tests=0, error="ImportError: nope"),
    HotRequest(run=RUN, changes={"app/core.py": "x = 1\n"}),
    Fallback(reason="a change outside function bodies"),
    LaunchRequest(socket="/run/s.sock", root="/p", modules=("a",), project=("p",), idle_s=900.0),
    PoolReady(),
    WorkerRequest(env={"PATH": "/bin"}, scratch="/tmp/s"),
    WorkerReady(pid=1234),
    StatusRequest(),
    StopRequest(),
    PoolStatus(pid=1, root="/p", age_s=1.0, idle_s=0.5, workers=2, stops_after_s=900.0),
    ErrorReply(error="unknown operation 'x'"),
]


@pytest.mark.parametrize("message", EVERY_MESSAGE, ids=lambda m: type(m).__name__)
def test_every_message_survives_its_round_trip_through_json(message: Message) -> None:
    line = message.line()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert type(message).decode(json.loads(line)) == message


def test_a_message_with_a_missing_field_does_not_decode() -> None:
    data = RUN.encode()
    del data["first_catch"]
    with pytest.raises(WireError, match=r"missing \['first_catch'\]"):
        RunRequest.decode(data)


def test_a_message_with_an_extra_field_does_not_decode() -> None:
    data = RUN.encode()
    data["shuffle"] = True
    with pytest.raises(WireError, match=r"extra \['shuffle'\]"):
        RunRequest.decode(data)
    nested = HotRequest(run=RUN, changes={}).encode()
    del nested["run"]["nodeids"]
    with pytest.raises(WireError, match="nodeids"):
        HotRequest.decode(nested)


def test_a_message_of_another_kind_does_not_decode() -> None:
    with pytest.raises(WireError):
        RunRequest.decode(PreloadRequest(modules=(), project=()).encode())
    with pytest.raises(WireError):
        RunReply.decode(Fallback(reason="no").encode())


def test_an_unknown_operation_is_an_error_not_a_run() -> None:
    served = {RunRequest.NAME: RunRequest}
    assert decode_request(RUN.encode(), served) == RUN
    with pytest.raises(WireError, match="unknown operation 'hot'"):
        decode_request(HotRequest(run=RUN, changes={}).encode(), served)
    with pytest.raises(WireError, match="unknown operation None"):
        decode_request({"timeout_s": 1}, served)


def test_an_error_reply_raises_with_the_other_sides_error() -> None:
    assert decode_reply(Fallback(reason="r").encode(), RunReply, Fallback) == Fallback(reason="r")
    with pytest.raises(WireError, match="unknown operation 'x'"):
        decode_reply(ErrorReply(error="unknown operation 'x'").encode(), RunReply)
    with pytest.raises(WireError, match="expected a run reply"):
        decode_reply({"ready": True}, RunReply)


def test_a_worker_answers_an_unknown_operation_and_a_bad_request_with_an_error_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker loop dispatches by operation: neither message starts a run."""
    monkeypatch.chdir(tmp_path)
    broken = RUN.encode()
    del broken["workdir"]
    requests = b"".join(json.dumps(m).encode() + b"\n" for m in ({"op": "explode"}, broken))
    replies = io.BytesIO()
    channel = Channel(io.BytesIO(requests + b"not json\n"), replies)
    worker = Worker(channel, [], ())
    monkeypatch.setattr(worker.forker, "fork", pytest.fail)  # no child may be forked
    # The loop's signal handlers and hang-up watch belong to a worker process, not to this one.
    monkeypatch.setattr("breakit.runners.fork.worker.watch_channel", lambda *args: None)
    monkeypatch.setattr("signal.signal", lambda *args: None)
    monkeypatch.setattr(sys, "dont_write_bytecode", sys.dont_write_bytecode)
    worker.loop()
    answers = [json.loads(line) for line in replies.getvalue().splitlines()]
    errors = [decode_reply(a, ErrorReply) for a in answers if a.get("reply") == "error"]
    assert len(errors) == len(answers) == 3
    assert "unknown operation 'explode'" in answers[0]["error"]
    assert "missing ['workdir']" in answers[1]["error"]


def test_run_request_carries_every_field_of_the_spec_the_plugin_follows(tmp_path: Path) -> None:
    spec = RunSpec(
        test_args=("tests",),
        timeout_s=3.0,
        nodeids=("a", "b"),
        coverage_source=("pkg",),
        record_modules=True,
        memory_limit_mb=100,
        order=("b",),
        first_catch=True,
    )
    request = run_request(tmp_path, spec, results=tmp_path / "r", coverage_out=tmp_path / "c")
    assert (request.nodeids, request.order, request.first_catch) == (("a", "b"), ("b",), True)
    assert (request.timeout_s, request.memory_limit_mb, request.record_modules) == (3.0, 100, True)
    assert request.coverage == CoverageRequest(
        out=str(tmp_path / "c"), root=str(tmp_path), source=(str(tmp_path / "pkg"),)
    )
    assert request.results == str(tmp_path / "r") and request.args[-1] == "tests"
