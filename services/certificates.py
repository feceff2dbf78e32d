"""Training-hours certificates (学时证书): issued to a teacher whose year meets the requirement,
printable by those who may read the teacher's hours, and verifiable by anyone with the code.

The hours certified are the teacher's ledger when the certificate is issued: the ledger is a sum
over attended sessions and confirmed records of other areas, which no single aggregate holds, so the
command reads it and the certificate aggregate keeps the figure it certified.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.certificates import HoursCertificate, certificate_id, normalise_code
from domain.user import User
from projections.research import CertificateRow
from services.actor import Actor, Done
from services.context import Context
from services.errors import Forbidden, NotFound
from services.platform import NOT_THERE
from services.policy import may_read_hours
from services.training_hours import TrainingHoursService

NO_CERTIFICATE = "证书不存在 / No such certificate"


@dataclass(frozen=True)
class Verified:
    """All a public verification shows: nothing that identifies more than the paper does."""

    name: str
    school: str
    year: int
    hours: int


class CertificateService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.hours = TrainingHoursService(ctx)

    def issue(self, actor: Actor, user_id: UUID, year: int | None = None) -> Done:
        """The teacher (or their school admin) takes the year's certificate; once per year."""
        line = self.hours.ledger(actor, user_id, year)
        user: User = self.ctx.platform.get_in_tenant(User, user_id, actor.tenant_id)
        try:
            existing: object = self.ctx.platform.repository.get(
                certificate_id(user.tenant_id, user.id, line.year)
            )
        except NOT_THERE:
            existing = None
        if isinstance(existing, HoursCertificate):
            return Done(existing.id, 0)
        if user.school_id is None:
            raise Forbidden("只有学校的教师可以获得证书 / A certificate is for a school's teacher")
        certificate = HoursCertificate.issue(
            tenant_id=user.tenant_id,
            user_id=user.id,
            school_id=user.school_id,
            name=line.name,
            school_name=line.school,
            year=line.year,
            hours=line.earned,
            required=line.required,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(certificate.id, self.ctx.platform.save_all(certificate))

    def certificate(self, actor: Actor, id_: UUID) -> CertificateRow:
        """The printable certificate, for whoever may read the teacher's hours."""
        row = self.ctx.research.certificate(id_)
        if row is None or row.tenant_id != actor.tenant_id:
            raise NotFound(NO_CERTIFICATE)
        if not may_read_hours(actor, user_id=row.user_id, school_id=row.school_id):
            raise Forbidden("无权查看 / Not allowed")
        return row

    def of_year(self, actor: Actor, user_id: UUID, year: int) -> CertificateRow | None:
        row = self.ctx.research.certificate(certificate_id(actor.tenant_id, user_id, year))
        if row is None or not may_read_hours(actor, user_id=row.user_id, school_id=row.school_id):
            return None
        return row

    def verify(self, code: str) -> Verified | None:
        """Anyone: the name, school, year and hours a code certifies, or nothing."""
        row = self.ctx.research.certificate_by_code(normalise_code(code[:64]))
        if row is None:
            return None
        return Verified(row.name, row.school_name, row.year, row.hours)
