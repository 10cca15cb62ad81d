"""Requests a browser test keeps waiting, to play out a race on demand: an answer that
arrives only after the user has acted again."""

from __future__ import annotations

import time
from typing import Any


class HeldRequests:
    """Every request of ``page`` to ``pattern`` waits, from now until ``stop``, for the test
    to let it go (``next`` hands them over in the order they were sent)."""

    def __init__(self, page: Any, pattern: str):
        self.page, self.pattern = page, pattern
        self._held: list[Any] = []
        page.route(pattern, self._hold)

    def _hold(self, route: Any) -> None:
        self._held.append(route)

    def next(self, timeout_s: float = 10.0) -> Any:
        """The earliest request still held (the route, to ``continue_()``), once it is sent."""
        deadline = time.monotonic() + timeout_s
        while not self._held:
            if time.monotonic() > deadline:
                raise AssertionError(f"the page sent no request to {self.pattern} within {timeout_s} s")
            self.page.wait_for_timeout(50)  # lets Playwright deliver the page's requests meanwhile
        return self._held.pop(0)

    def stop(self) -> None:
        """Later requests go through (any still held must be let go first)."""
        self.page.unroute(self.pattern, self._hold)
