"""Users: registration by role, passwords, profiles, roles, transfers and sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.roles import BUREAU_ROLES, Role
from domain.school import School
from domain.tenant import Tenant
from domain.uniqueness import NameClaim, username_key
from domain.user import User, check_username
from services.actor import Actor, Done
from services.context import Context
from services.errors import Conflict, DomainError, Forbidden, NotFound
from services.policy import Action, allowed, require


def actor_of(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        tenant_id=user.tenant_id,
        school_id=user.school_id,
        roles=frozenset(Role(r) for r in user.roles),
        display_name=user.display_name,
    )


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
        user.change_password(
            self.ctx.hasher.hash(new), actor_id=actor.user_id, occurred_at=self.ctx.clock()
        )
        return Done(user.id, self.ctx.platform.save_all(user))

    def reset_password(self, actor: Actor, user_id: UUID, *, new: str) -> Done:
        user = self._user(actor, user_id)
        self._require_manage(actor, user)
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
        """The actor for a correct login name and password of an active user, else None."""
        try:
            claim_id = NameClaim.create_id(username_key(check_username(username)))
            claim: Any = self.ctx.platform.repository.get(claim_id)
            user: Any = self.ctx.platform.repository.get(claim.owner_id)
        except Exception:
            # Spend the same time as a real check, so timing does not reveal which names exist.
            self.ctx.hasher.verify(self._dummy_hash(), password)
            return None
        if not isinstance(user, User) or not user.active:
            return None
        if not self.ctx.hasher.verify(user.password_hash, password):
            return None
        return actor_of(user)

    def actor_for_session(
        self, user_id: UUID, *, signed_in_at: datetime | None = None, at_least: int = 0
    ) -> Actor | None:
        """The actor a session cookie (or token) signed in at ``signed_in_at`` stands for, from
        the directory: None if the user is gone or inactive, or if the password was changed or
        reset since (every other session and token ends with it). Asked on every request, so kept
        (``ctx.actors``) until the directory view moves: a deactivation, a change of roles or of
        password is applied by the next request after it."""
        cache, positions = self.ctx.actors, self.ctx.positions
        if cache is None or positions is None:
            found = self._actor_from_directory(user_id)
        else:
            position = positions.of("directory", at_least)
            key = str(user_id)
            found = cache.get(key, position)
            if found is None:
                found = self._actor_from_directory(user_id)
                if found is not None:
                    cache.put(key, position, found)
        if found is None:
            return None
        actor, changed_at = found
        if changed_at is not None and (signed_in_at is None or signed_in_at < changed_at):
            return None
        return actor

    def _actor_from_directory(self, user_id: UUID) -> tuple[Actor, datetime | None] | None:
        row = self.ctx.directory.user_for_session(user_id)
        if row is None or not row.active:
            return None
        actor = Actor(
            user_id=row.id,
            tenant_id=row.tenant_id,
            school_id=row.school_id,
            roles=frozenset(Role(r) for r in row.roles),
            display_name=row.display_name,
        )
        return actor, row.credentials_changed_at
