"""``@limited(rule)``: charge the caller's bucket for that rule before the view runs,
so a refused request has no side effect at all (SECURITY RL-01)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from application.common.throttle import Rule
from entrypoints.http.api import client_ip, container

P = ParamSpec("P")
R = TypeVar("R")


def limited(rule: Rule) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def throttled(*args: P.args, **kwargs: P.kwargs) -> R:
            container().throttle().charge(rule, client_ip())
            return view(*args, **kwargs)

        return throttled

    return decorate
