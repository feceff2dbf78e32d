"""One sign-in attempt, rate-limited the same way for the sign-in page and the API's tokens.

Failures count per (login name, address) with a tight budget, and per name and per address with
much larger ones as backstops: someone guessing at a name is slowed down where they are, while the
owner signs in from elsewhere, and five wrong tries cannot lock a colleague, a bureau admin or a
school's shared address out. Each attempt is counted before the password is checked and given
back when it was correct, so parallel guesses never get more than the budget between them, and
people who sign in correctly use up nothing. A store that cannot be read is not a failed attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from services.people import SignedIn
from web.current import runtime, services

_MAX_KEY_PART = 100  # a login name is at most 64 characters; longer input still counts


@dataclass(frozen=True)
class Attempt:
    signed_in: SignedIn | None
    retry_after: int = 0  # seconds to wait before another attempt; 0 = not limited


def attempt_sign_in(username: str, password: str, address: str | None, *, kind: str) -> Attempt:
    settings = runtime().settings
    limiter = runtime().rate_limiter
    name, where = username[:_MAX_KEY_PART], address or "-"
    pair = f"login:pair:{where}:{name}"
    taken = limiter.take(
        {
            pair: settings.login_attempts,
            f"login:user:{name}": settings.login_name_attempts,
            f"login:ip:{where}": settings.login_address_attempts,
        }
    )
    if taken.retry_after:
        return Attempt(None, taken.retry_after)
    try:
        signed_in = services().people.sign_in(
            username,
            password,
            kind=kind,
            address=where,
            agent=request.headers.get("User-Agent", ""),
        )
    except BaseException:
        limiter.give_back(taken)  # an outage is not a wrong password
        raise
    if signed_in is None:
        return Attempt(None)
    limiter.give_back(taken)
    limiter.reset(pair)  # whoever is here knows the password: their earlier typos are forgiven
    return Attempt(signed_in)
