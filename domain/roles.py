"""The roles a user can hold. What each role may do is decided in ``services.policy``."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    BUREAU_ADMIN = "bureau_admin"
    BUREAU_MONITOR = "bureau_monitor"
    SCHOOL_ADMIN = "school_admin"
    TEACHER = "teacher"
    EXPERT = "expert"


BUREAU_ROLES = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_MONITOR})
SCHOOL_ROLES = frozenset({Role.SCHOOL_ADMIN, Role.TEACHER})
