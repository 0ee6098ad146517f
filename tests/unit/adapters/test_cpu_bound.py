from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from adapters.security import cpu_bound
from adapters.security.cpu_bound import BoundedCpuWork
from domain.errors import UnavailableError


def _held(started: threading.Event, hold: threading.Event, done: list[str], name: str) -> str:
    started.set()
    hold.wait(5)
    done.append(name)
    return name


def _until_outstanding(work: BoundedCpuWork, count: int) -> None:
    for _ in range(500):
        if work._here().outstanding == count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"never {count} outstanding")


def _run_or_refused(work: BoundedCpuWork, job: Callable[..., object], *args: object) -> object:
    try:
        return work.run(job, *args)
    except UnavailableError:
        return UnavailableError


def test_the_one_in_line_runs_next_and_a_newcomer_after_it() -> None:
    work = BoundedCpuWork(slots=1, line=1)
    started, hold = threading.Event(), threading.Event()
    done: list[str] = []
    first = threading.Thread(target=work.run, args=(_held, started, hold, done, "first"))
    first.start()
    assert started.wait(5)
    waiting = threading.Thread(target=work.run, args=(done.append, "in line"))
    waiting.start()
    _until_outstanding(work, 2)
    assert _run_or_refused(work, done.append, "third") is UnavailableError  # line full
    hold.set()
    first.join(5)
    assert work.run(done.append, "newcomer") is None
    waiting.join(5)
    assert done == ["first", "in line", "newcomer"]
    assert work._here().outstanding == 0


@pytest.mark.parametrize("line", [0, 1, 3])
def test_every_slot_runs_at_once_and_the_line_is_as_long_as_told(line: int) -> None:
    slots = 2
    work = BoundedCpuWork(slots=slots, line=line)
    hold = threading.Event()
    running = [threading.Event() for _ in range(slots)]
    done: list[str] = []
    callers = [
        threading.Thread(target=work.run, args=(_held, started, hold, done, f"slot {n}"))
        for n, started in enumerate(running)
    ]
    for caller in callers:
        caller.start()
    assert all(started.wait(5) for started in running)  # both hold a slot together
    waiting = [
        threading.Thread(target=work.run, args=(done.append, f"line {n}")) for n in range(line)
    ]
    for caller in waiting:
        caller.start()
    callers += waiting
    _until_outstanding(work, slots + line)
    assert _run_or_refused(work, done.append, "one too many") is UnavailableError
    hold.set()
    for caller in callers:
        caller.join(5)
    assert sorted(done) == [f"line {n}" for n in range(line)] + ["slot 0", "slot 1"]
    assert work._here().outstanding == 0


def test_under_contention_the_line_is_bounded_and_every_place_comes_back() -> None:
    slots, line, callers, rounds = 2, 1, 16, 100
    work = BoundedCpuWork(slots=slots, line=line)
    start = threading.Barrier(callers)
    guard = threading.Lock()
    most_outstanding, served, refused = 0, 0, 0

    def job() -> None:
        nonlocal most_outstanding, served
        with guard:
            most_outstanding = max(most_outstanding, work._here().outstanding)
            served += 1
        threading.Event().wait(0.0005)

    def caller() -> None:
        nonlocal refused
        start.wait()
        for _ in range(rounds):
            if _run_or_refused(work, job) is UnavailableError:
                with guard:
                    refused += 1

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    assert most_outstanding <= slots + line
    assert served + refused == callers * rounds
    assert served > 0
    assert refused > 0
    assert work._here().outstanding == 0


def test_a_job_that_fails_gives_its_place_back() -> None:
    work = BoundedCpuWork(slots=1, line=1)

    def broken() -> None:
        raise ValueError("bad input")

    for _ in range(3):
        with pytest.raises(ValueError, match="bad input"):
            work.run(broken)
    assert work._here().outstanding == 0


def test_a_wait_that_outlasts_a_hung_job_is_refused_and_its_place_given_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cpu_bound, "STUCK_SECONDS", 0.3)
    work = BoundedCpuWork(slots=1, line=1)
    started, hold = threading.Event(), threading.Event()
    hung = threading.Thread(target=_run_or_refused, args=(work, _held, started, hold, [], "hung"))
    hung.start()
    assert started.wait(5)
    never: list[str] = []
    assert _run_or_refused(work, never.append, "in line") is UnavailableError
    assert work._here().outstanding == 1  # the hung job's place only
    hold.set()
    hung.join(5)
    _until_outstanding(work, 0)  # once the hung job ends
    assert never == []  # the cancelled job never ran


def test_a_job_raising_timeout_error_is_its_own_error_not_a_refusal() -> None:
    work = BoundedCpuWork(slots=1, line=1)

    def times_out() -> None:
        raise TimeoutError("the job's own")

    with pytest.raises(TimeoutError, match="the job's own"):
        work.run(times_out)
    assert work._here().outstanding == 0
