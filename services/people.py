"""Users: registration by role, passwords, profiles, roles, transfers and sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.roles import BUREAU_ROLES, Role
from domain.school import School
from domain.tenant import Tenant
from domain.uniqueness import NameClaim, username_key
from domain.user import OpenSession, User, check_username
from services.actor import Actor, Done
from services.context import Context
from services.errors import Conflict, DomainError, Forbidden, NotFound
from services.passwords import check_password
from services.policy import Action, allowed, require

#: Attempts at saving a new session when another command wrote the user at the same moment.
_SESSION_SAVE_ATTEMPTS = 3


def actor_of(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        tenant_id=user.tenant_id,
        school_id=user.school_id,
        roles=frozenset(Role(r) for r in user.roles),
        display_name=user.display_name,
    )


@dataclass(frozen=True)
class Credentials:
    """What a request's session or token is checked against: the user as of one version."""

    actor: Actor
    active: bool
    sessions: tuple[OpenSession, ...]

    def admits(self, session_id: UUID) -> bool:
        # The 12 hours are the cookie's and the token's own (signed with their time, checked in
        # wall-clock time by Flask and by ``web.api.base``); here: not ended, not deactivated.
        return self.active and any(s.id == session_id for s in self.sessions)


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    session_id: UUID
    position: int


def _may_grant(actor: Actor, roles: list[str], school_id: UUID | None) -> bool:
    """Who may give a user these roles: each role is granted by the level above it."""
    for role in roles:
        if role == Role.PLATFORM_ADMIN:
            ok = actor.has(Role.PLATFORM_ADMIN)
        elif role in BUREAU_ROLES:
            ok = allowed(actor, Action.MANAGE_BUREAU_STAFF)
        elif role == Role.SCHOOL_ADMIN:
            ok = allowed(actor, Action.MANAGE_SCHOOL_ADMINS)
        elif school_id is None:  # an expert of the bureau's research office (教研室)
            ok = allowed(actor, Action.MANAGE_BUREAU_STAFF)
        else:
            ok = allowed(actor, Action.MANAGE_TEACHERS, school_id)
        if not ok:
            return False
    return True


class PeopleService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._dummy: str | None = None

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.ctx.hasher.hash("no-such-user-password")
        return self._dummy

    def new_user(
        self,
        actor: Actor,
        *,
        username: str,
        display_name: str,
        password: str,
        roles: list[str],
        school_id: UUID | None = None,
        subjects: list[str] | None = None,
        grades: list[int] | None = None,
        key_level: str = "",
        title: str = "",
        tenant_id: UUID | None = None,
    ) -> tuple[User, NameClaim]:
        """Build a user and its login-name claim, checked and authorised, without saving."""
        tenant_id = tenant_id or actor.tenant_id
        if tenant_id != actor.tenant_id:
            if not actor.has(Role.PLATFORM_ADMIN):
                raise NotFound("不存在 / Not found")
            # A platform admin adds people to an existing bureau only.
            self.ctx.platform.get_in_tenant(Tenant, tenant_id, tenant_id)
        if school_id is not None:
            self.ctx.platform.get_in_tenant(School, school_id, tenant_id)
        if not _may_grant(actor, roles, school_id):
            raise Forbidden("无权授予这些角色 / Not allowed to grant these roles")
        check_password(password, username=username, display_name=display_name)
        now = self.ctx.clock()
        user = User.register(
            tenant_id=tenant_id,
            username=username,
            display_name=display_name,
            school_id=school_id,
            roles=roles,
            password_hash=self.ctx.hasher.hash(password),
            subjects=subjects,
            grades=grades,
            key_level=key_level,
            title=title,
            actor_id=actor.user_id,
            occurred_at=now,
        )
        claim = NameClaim(
            tenant_id=tenant_id,
            key=username_key(user.username),
            owner_id=user.id,
            actor_id=actor.user_id,
            occurred_at=now,
        )
        return user, claim

    def register_user(self, actor: Actor, **fields: object) -> Done:
        user, claim = self.new_user(actor, **fields)  # type: ignore[arg-type]
        try:
            position = self.ctx.platform.save_all(user, claim)
        except IntegrityError as exc:
            raise Conflict(
                f"登录名 {user.username} 已被使用 / Login name {user.username} is taken"
            ) from exc
        return Done(user.id, position)

    def username_taken(self, username: str) -> bool:
        claim_id = NameClaim.create_id(username_key(check_username(username)))
        try:
            self.ctx.platform.repository.get(claim_id)
        except Exception:
            return False
        return True

    def _user(self, actor: Actor, user_id: UUID) -> User:
        user: User = self.ctx.platform.get_in_tenant(User, user_id, actor.tenant_id)
        return user

    def _require_manage(self, actor: Actor, user: User) -> None:
        if not _may_grant(actor, user.roles, user.school_id):
            raise Forbidden("无权管理该用户 / Not allowed to manage this user")

    def change_own_password(self, actor: Actor, *, current: str, new: str) -> Done:
        if actor.user_id is None:
            raise Forbidden("未登录 / Not signed in")
        user = self._user(actor, actor.user_id)
        if not self.ctx.hasher.verify(user.password_hash, current):
            raise DomainError("当前密码不正确 / The current password is wrong")
        check_password(new, username=user.username, display_name=user.display_name)
        user.change_password(
            self.ctx.hasher.hash(new), actor_id=actor.user_id, occurred_at=self.ctx.clock()
        )
        return Done(user.id, self.ctx.platform.save_all(user))

    def reset_password(self, actor: Actor, user_id: UUID, *, new: str) -> Done:
        user = self._user(actor, user_id)
        self._require_manage(actor, user)
        check_password(new, username=user.username, display_name=user.display_name)
        user.change_password(
            self.ctx.hasher.hash(new), actor_id=actor.user_id, occurred_at=self.ctx.clock()
        )
        return Done(user.id, self.ctx.platform.save_all(user))

    def update_profile(
        self,
        actor: Actor,
        user_id: UUID,
        *,
        display_name: str,
        subjects: list[str],
        grades: list[int],
        key_level: str,
        title: str,
    ) -> Done:
        user = self._user(actor, user_id)
        self._require_manage(actor, user)
        user.update_profile(
            display_name=display_name,
            subjects=subjects,
            grades=grades,
            key_level=key_level,
            title=title,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(user.id, self.ctx.platform.save_all(user))

    def change_roles(self, actor: Actor, user_id: UUID, roles: list[str]) -> Done:
        user = self._user(actor, user_id)
        self._require_manage(actor, user)
        if not _may_grant(actor, roles, user.school_id):
            raise Forbidden("无权授予这些角色 / Not allowed to grant these roles")
        user.change_roles(roles, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(user.id, self.ctx.platform.save_all(user))

    def transfer(self, actor: Actor, user_id: UUID, to_school_id: UUID) -> Done:
        user = self._user(actor, user_id)
        self.ctx.platform.get_in_tenant(School, to_school_id, actor.tenant_id)
        require(actor, Action.TRANSFER_TEACHER)
        user.transfer(to_school_id, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(user.id, self.ctx.platform.save_all(user))

    def deactivate(self, actor: Actor, user_id: UUID, reason: str = "") -> Done:
        user = self._user(actor, user_id)
        self._require_manage(actor, user)
        if user.id == actor.user_id:
            raise DomainError("不能停用自己的账号 / You cannot deactivate yourself")
        user.deactivate(reason, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(user.id, self.ctx.platform.save_all(user))

    def reactivate(self, actor: Actor, user_id: UUID) -> Done:
        user = self._user(actor, user_id)
        self._require_manage(actor, user)
        user.reactivate(actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(user.id, self.ctx.platform.save_all(user))

    def authenticate(self, username: str, password: str) -> Actor | None:
        """The actor for a correct login name and password of an active user, else None.

        Only a name that does not exist (or is malformed) is "wrong": a store that cannot be
        read raises, so an outage is never answered as a wrong password nor counted as one.
        Every answer costs one hash verification, so timing tells nothing about the account."""
        try:
            claim_id = NameClaim.create_id(username_key(check_username(username)))
            claim: Any = self.ctx.platform.repository.get(claim_id)
            user: Any = self.ctx.platform.repository.get(claim.owner_id)
        except (AggregateNotFoundError, DomainError):
            self.ctx.hasher.verify(self._dummy_hash(), password)
            return None
        if not isinstance(user, User):
            self.ctx.hasher.verify(self._dummy_hash(), password)
            return None
        correct = self.ctx.hasher.verify(user.password_hash, password)
        return actor_of(user) if correct and user.active else None

    def sign_in(
        self, username: str, password: str, *, kind: str, address: str, agent: str
    ) -> SignedIn | None:
        """Check the password and open a session (``web``) or a token (``api``) for it."""
        found = self.authenticate(username, password)
        if found is None or found.user_id is None:
            return None
        session_id, position = self.start_session(
            found.user_id, kind=kind, address=address, agent=agent
        )
        return SignedIn(found, session_id, position)

    def start_session(
        self, user_id: UUID, *, kind: str, address: str, agent: str
    ) -> tuple[UUID, int]:
        """Record a new session of the user; its id, and the store position."""
        for attempt in range(_SESSION_SAVE_ATTEMPTS):
            user: User = self.ctx.platform.repository.get(user_id)
            session_id = user.start_session(
                kind, address=address, agent=agent, occurred_at=self.ctx.clock()
            )
            try:
                return session_id, self.ctx.platform.save_all(user)
            except IntegrityError:
                # Another command wrote this user meanwhile (a token issued in parallel): the
                # session is independent of it, so start it again on the newer user.
                if attempt == _SESSION_SAVE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def sessions(self, actor: Actor) -> list[OpenSession]:
        """The actor's own open sessions and API tokens, newest first."""
        if actor.user_id is None:
            raise Forbidden("未登录 / Not signed in")
        return self._user(actor, actor.user_id).open_sessions(self.ctx.clock())

    def end_sessions(self, actor: Actor, session_ids: list[UUID]) -> Done:
        """End some of the actor's own sessions or tokens (signing out ends the current one)."""
        if actor.user_id is None:
            raise Forbidden("未登录 / Not signed in")
        user = self._user(actor, actor.user_id)
        if not any(s in user.sessions for s in session_ids):
            # Someone else's session, or one already ended: like any id not one's own, not found.
            raise NotFound("不存在 / Not found")
        user.end_sessions(session_ids, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(user.id, self.ctx.platform.save_all(user))

    def end_other_sessions(self, actor: Actor, keep: UUID) -> Done:
        """End every session and token of the actor's but ``keep`` (the one asking)."""
        others = [s.id for s in self.sessions(actor) if s.id != keep]
        if not others:
            raise DomainError("没有其他会话 / There are no other sessions")
        return self.end_sessions(actor, others)

    def actor_for_session(self, user_id: UUID, session_id: UUID) -> Actor | None:
        """The actor a session cookie or token stands for: None once the session was ended,
        outlived its 12 hours, or the user was deactivated or changed password since.

        Read from the User aggregate, never from a view (a stopped or lagging projection must not
        keep a deactivated teacher signed in, nor sign out a new one). Asked on every request,
        so it costs one indexed read of the user's last version; the user is read again only
        when that version moved (``ctx.actors``)."""
        version = self._version_of(user_id)
        if version is None:
            return None
        key = f"user:{user_id}"
        cache = self.ctx.actors
        found: Credentials | None = cache.get(key, version) if cache is not None else None
        if found is None:
            try:
                user: Any = self.ctx.platform.repository.get(user_id, version=version)
            except AggregateNotFoundError:
                return None
            if not isinstance(user, User):
                return None
            found = Credentials(actor_of(user), user.active, tuple(user.sessions.values()))
            if cache is not None:
                cache.put(key, version, found)
        return found.actor if found.admits(session_id) else None

    def _version_of(self, aggregate_id: UUID) -> int | None:
        last = self.ctx.platform.recorder.select_events(aggregate_id, desc=True, limit=1)
        return last[0].originator_version if last else None
