"""Two commands on one aggregate at the same moment: the one that loses is decided again.

The store refuses the second save of a version (``services.platform.ConcurrentChange``); nothing
of that command was stored. Running the view again reloads the aggregate and decides on what the
other command left: two teachers editing different fields both succeed, a limit reached meanwhile
is refused with its own reason. That is safe only when nothing else was saved earlier in the same
request and the request can be read again (uploaded files are streams, read once), so otherwise,
and after a few attempts, the conflict is answered 409 (``web.errors``).
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, request

from services.platform import ConcurrentChange
from web.current import runtime

ATTEMPTS = 4

View = Callable[..., Any]


def decided_again(view: View) -> View:
    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        platform = runtime().platform
        for attempt in range(1, ATTEMPTS + 1):
            saves_before = platform.saves_in_this_thread()
            try:
                return view(*args, **kwargs)
            except ConcurrentChange:
                if (
                    attempt == ATTEMPTS
                    or request.files
                    or platform.saves_in_this_thread() != saves_before
                ):
                    raise
            # A little jitter, so that the same racers do not meet again at once.
            time.sleep(random.uniform(0, 0.01 * attempt))
        raise AssertionError("unreachable")

    return run


def init_app(app: Flask) -> None:
    """Every view of the app, once all are registered (GETs save nothing, so it costs them nothing)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = decided_again(view)
