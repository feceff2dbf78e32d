"""One sign-in attempt, rate-limited the same way for the sign-in page and the API's tokens.

Only failed attempts count, per login name and per address: people who sign in correctly never use
up the budget of colleagues behind the same school network address.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.actor import Actor
from web.current import runtime, services


@dataclass(frozen=True)
class Attempt:
    actor: Actor | None
    retry_after: int = 0  # seconds to wait before another attempt; 0 = not limited


def attempt_sign_in(username: str, password: str, address: str | None) -> Attempt:
    limiter = runtime().rate_limiter
    keys = (f"login:user:{username}", f"login:ip:{address}")
    wait = max(limiter.retry_after(key) for key in keys)
    if wait:
        return Attempt(None, wait)
    found = services().people.authenticate(username, password)
    if found is None:
        for key in keys:
            limiter.hit(key)
        return Attempt(None)
    limiter.reset(keys[0])
    return Attempt(found)
