"""``Newest``: the bounded memo of the hot path (verified tokens, principals)."""

from __future__ import annotations

import threading

from application.common.newest import Newest


def test_the_oldest_entry_goes_first_and_a_known_key_evicts_nothing() -> None:
    memo: Newest[str, int] = Newest(2)
    memo.put("a", 1)
    memo.put("b", 2)
    memo.put("a", 10)  # known: replaced in place, nothing dropped
    assert (memo.get("a"), memo.get("b")) == (10, 2)

    memo.put("c", 3)

    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (None, 2, 3)


def test_threads_writing_at_once_never_grow_it_past_its_size() -> None:
    memo: Newest[int, int] = Newest(50)
    start = threading.Barrier(8)

    def write(offset: int) -> None:
        start.wait()
        for n in range(1_000):
            memo.put(offset * 1_000 + n, n)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(memo.get(k) is not None for k in range(8_000)) == 50
