"""The engine process the window runs its work in: tasks, their events, cancel, failures."""

from __future__ import annotations

import subprocess
import time

import pytest

from core import service


@pytest.fixture
def engine():
    process = subprocess.Popen(service.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert service.read_message(process.stdout)[1] == "ready"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()


def run(process, job_id: int, name: str, **kwargs) -> None:
    service.write_message(process.stdin, ("run", job_id, name, kwargs))


def events_until_end(process, job_id: int) -> list[tuple[str, object]]:
    seen = []
    while True:
        event_job, kind, payload = service.read_message(process.stdout)
        assert event_job == job_id
        seen.append((kind, payload))
        if kind in ("finished", "failed"):
            return seen


def test_a_task_reports_progress_and_tokens_then_its_result(engine):
    run(engine, 1, "tests.core.service_tasks:count", until=3)
    events = events_until_end(engine, 1)
    assert events[0] == ("started", None)
    assert [p for k, p in events if k == "progress"] == [
        (0, 3, "counted 0"),
        (1, 3, "counted 1"),
        (2, 3, "counted 2"),
    ]
    assert "".join(p for k, p in events if k == "token") == "012"
    assert events[-1] == ("finished", 3)


def test_a_cancel_reaches_a_running_task_at_once(engine):
    run(engine, 1, "tests.core.service_tasks:wait_for_cancel")
    assert service.read_message(engine.stdout)[1] == "started"
    sent = time.monotonic()
    service.write_message(engine.stdin, ("cancel", 1))
    assert events_until_end(engine, 1) == [("failed", ("Stopped.", ""))]
    assert time.monotonic() - sent < 1.0


def test_failures_come_back_as_messages_and_the_engine_goes_on(engine, tmp_path):
    run(engine, 1, "core.service:remove_documents", library_dir=str(tmp_path / "lib"), ids=[7])
    kind, (message, details) = events_until_end(engine, 1)[-1]
    assert kind == "failed" and "is not in the library" in message and details == ""  # typed

    run(engine, 2, "tests.core.service_tasks:unpicklable")
    kind, (message, _details) = events_until_end(engine, 2)[-1]
    assert kind == "failed" and "could not be sent back" in message

    run(engine, 3, "os:system", command="echo no")  # only Longread's own functions run
    kind, (message, details) = events_until_end(engine, 3)[-1]
    assert kind == "failed" and "not a task" in message and "Traceback" in details

    run(engine, 4, "tests.core.service_tasks:count", until=1)
    assert events_until_end(engine, 4)[-1] == ("finished", 1)


def test_the_engine_ends_when_the_window_closes_its_pipe(engine):
    engine.stdin.close()
    assert engine.wait(10) == 0
