from __future__ import annotations

import threading

import pytest

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


def _run_or_refused(work: BoundedCpuWork, *job: object) -> object:
    try:
        return work.run(*job)  # type: ignore[arg-type]
    except UnavailableError:
        return UnavailableError


def test_the_one_in_line_runs_next_and_a_newcomer_after_it() -> None:
    work = BoundedCpuWork(slots=1, max_wait_seconds=1.0)
    started, hold, done = threading.Event(), threading.Event(), []
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


def test_under_contention_no_more_than_the_slots_run_and_every_place_comes_back() -> None:
    slots, callers, rounds = 2, 16, 100
    work = BoundedCpuWork(slots=slots, max_wait_seconds=1.0)
    start = threading.Barrier(callers)
    guard = threading.Lock()
    running, most, served = 0, 0, 0

    def job() -> None:
        nonlocal running, most, served
        with guard:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.0005)
        with guard:
            running -= 1
            served += 1

    def caller() -> None:
        start.wait()
        for _ in range(rounds):
            _run_or_refused(work, job)

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most == slots
    assert served > 0
    assert work._here().outstanding == 0


def test_the_line_closes_while_jobs_take_longer_than_the_wait_and_reopens_after() -> None:
    now = [0.0]
    work = BoundedCpuWork(slots=1, max_wait_seconds=1.0, clock=lambda: now[0])

    def job(seconds: float) -> str:
        now[0] += seconds
        return "done"

    def second_caller_while_one_runs() -> list[object]:
        started, hold, outcome = threading.Event(), threading.Event(), []
        first = threading.Thread(target=work.run, args=(_held, started, hold, [], "first"))
        first.start()
        assert started.wait(5)
        second = threading.Thread(target=lambda: outcome.append(_run_or_refused(work, job, 0)))
        second.start()
        second.join(0.5)  # a caller refused at once is done by now; one in line is not
        hold.set()
        first.join(5)
        second.join(5)
        return outcome

    for _ in range(4):  # typical: 0.4, 0.72, 0.98, 1.18 s
        work.run(job, 2.0)
    assert second_caller_while_one_runs() == [UnavailableError]
    # the held job took no time on this clock: typical 0.94 s
    assert second_caller_while_one_runs() == ["done"]


def test_a_job_that_fails_gives_its_place_back() -> None:
    work = BoundedCpuWork(slots=1, max_wait_seconds=1.0)

    def broken() -> None:
        raise ValueError("bad input")

    for _ in range(3):
        with pytest.raises(ValueError, match="bad input"):
            work.run(broken)
    assert work._here().outstanding == 0
