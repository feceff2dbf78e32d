"""What each API operation takes: its body and its query, with the domain's limits.

Lengths and ranges are ``domain.fields``' own (``Checked``), allowed values the domain's enums
(``OneOf``): nothing here retypes a number the domain defines.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field

from domain import fields as f
from domain.activity import ACTIVITY_KINDS
from domain.counting import TaskKind
from domain.mentoring import MentoringKind, Mode
from domain.plan import Rule
from domain.roles import Role
from domain.school import _CODE, _TIME, _WEEKDAY, Locality, Stage
from domain.user import _USERNAME, MIN_PASSWORD_LENGTH, KeyTeacherLevel
from services.progress import Status
from web.api.contract import Checked, Input, OneOf, Query

#: A page of the audit log or a school's feed holds at most this many entries.
MAX_PAGE = 200
SCHOOL_STAFF_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN)
BUREAU_STAFF_ROLES = (Role.BUREAU_MONITOR, Role.EXPERT)
STATUSES = (Status.NO_PLAN, Status.MET, Status.ON_TRACK, Status.WARNING, Status.BEHIND)

Username = Annotated[str, Field(pattern=f"^{_USERNAME.pattern}$")]
Password = Annotated[str, Field(json_schema_extra={"format": "password"})]
NewPassword = Annotated[
    str, Field(min_length=MIN_PASSWORD_LENGTH, json_schema_extra={"format": "password"})
]
PersonName = Annotated[str, Checked(f.PERSON_NAME)]
Subjects = Annotated[list[str], Checked(f.SUBJECT_LIST)]
Grades = Annotated[list[Annotated[int, Checked(f.GRADE)]], Checked(f.GRADE_LIST)]
KeyLevel = Annotated[str, OneOf.of(KeyTeacherLevel)]
JobTitle = Annotated[str, Checked(f.JOB_TITLE)]
RoundYear = Annotated[int, Checked(f.ROUND_YEAR)]


# Sign-in and people ------------------------------------------------------------------------------


class Credentials(Input):
    username: str
    password: Password


class PasswordChange(Input):
    current: Password
    new: NewPassword


class NewPasswordInput(Input):
    password: NewPassword


class NewTenant(Input):
    name: Annotated[str, Checked(f.BUREAU_NAME)]
    region: Annotated[str, Checked(f.REGION)] = ""


class NewPerson(Input):
    username: Username
    display_name: PersonName
    password: NewPassword


class NewStaff(NewPerson):
    subjects: Subjects = Field(default_factory=list)
    grades: Grades = Field(default_factory=list)
    key_level: KeyLevel = ""
    title: JobTitle = ""


class NewSchoolStaff(NewStaff):
    roles: Annotated[
        list[Annotated[str, OneOf.of(SCHOOL_STAFF_ROLES, malformed=True)]],
        Field(min_length=1, max_length=2),
    ]


class NewBureauStaff(NewStaff):
    roles: Annotated[
        list[Annotated[str, OneOf.of(BUREAU_STAFF_ROLES, malformed=True)]],
        Field(min_length=1, max_length=2),
    ]


class Profile(Input):
    display_name: PersonName
    subjects: Subjects
    grades: Grades
    key_level: KeyLevel
    title: JobTitle


class Transfer(Input):
    school_id: UUID = Field(description="The school to move to")


class Deactivation(Input):
    reason: Annotated[str, Checked(f.DEACTIVATION_REASON)] = ""


# Schools -------------------------------------------------------------------------------------------


class SchoolDetails(Input):
    name: Annotated[str, Checked(f.SCHOOL_NAME)]
    stage: Annotated[str, OneOf.of(Stage)]
    locality: Annotated[str, OneOf.of(Locality)]
    student_count: Annotated[int, Checked(f.STUDENT_COUNT)]


class NewSchool(Input):
    name: Annotated[str, Checked(f.SCHOOL_NAME)]
    code: Annotated[str, Field(pattern=f"^{_CODE.pattern}$")]
    stage: Annotated[str, OneOf.of(Stage)]
    locality: Annotated[str, OneOf.of(Locality)]
    student_count: Annotated[int, Checked(f.STUDENT_COUNT)] = 0


class NewClass(Input):
    grade: Annotated[int, Checked(f.GRADE)]
    name: Annotated[str, Checked(f.CLASS_NAME)]


class Period(Input):
    weekday: Annotated[int, Checked(_WEEKDAY)] = Field(description="ISO weekday, 1 = Monday")
    number: Annotated[int, Checked(f.PERIOD_NUMBER)]
    start: Annotated[str, Field(pattern=f"^{_TIME.pattern}$", examples=["08:00"])]
    end: Annotated[str, Field(pattern=f"^{_TIME.pattern}$", examples=["08:40"])]


class BellSchedule(Input):
    periods: Annotated[list[Period], Checked(f.PERIODS)]


class FeedPage(Query):
    before: Annotated[int, Field(ge=1)] | None = Field(
        None, description="`next_before` of the previous page: entries older than it"
    )
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 50


class AuditQuery(FeedPage):
    school_id: UUID | None = None
    actor_id: UUID | None = None
    event_type: str | None = Field(None, examples=["School.ClassOpened"])
    occurred_from: datetime | None = Field(
        None, alias="from", description="ISO 8601 date or date-time; without a zone, UTC"
    )
    occurred_to: datetime | None = Field(
        None, alias="to", description="ISO 8601 date or date-time; without a zone, UTC"
    )


# Communities --------------------------------------------------------------------------------------


class NewCommunity(Input):
    name: Annotated[str, Checked(f.COMMUNITY_NAME)]
    kind: Annotated[str, Checked(f.TYPE_KEY)] = Field(
        description="A community type's key (GET /settings/community-types)"
    )
    core_school_id: UUID
    founded_on: Annotated[date, Checked(f.FOUNDED_ON)]
    round_start_year: RoundYear
    round_end_year: RoundYear
    member_school_ids: Annotated[list[UUID], Checked(f.PARTICIPANTS)] = Field(default_factory=list)


class Admission(Input):
    school_id: UUID
    on: Annotated[date, Checked(f.JOINING_ON)]


class Leaving(Input):
    on: Annotated[date, Checked(f.LEAVING_ON)]
    reason: Annotated[str, Checked(f.LEAVING_REASON)] = ""


class Invitation(Input):
    tenant_id: UUID = Field(description="The other bureau")
    school_code: Annotated[str, Field(pattern=f"^{_CODE.pattern}$")]
    on: Annotated[date, Checked(f.JOINING_ON)]


class Declining(Input):
    reason: Annotated[str, Checked(f.DECLINING_REASON)]


# Plans ---------------------------------------------------------------------------------------------


class TaskInput(Input):
    kind: Annotated[str, OneOf.of(TaskKind)]
    target: Annotated[int, Checked(f.TARGET)]
    weight: Annotated[float, Checked(f.WEIGHT)] = 1.0
    counts: Annotated[str, Checked(f.TASK_COUNTS)] = ""
    rule: Annotated[str, OneOf.of(Rule)] = Field(
        Rule.SUM.value,
        description="`sum`: the counted records; `units`: the units (pairs) with at least "
        "`threshold` records",
    )
    threshold: Annotated[int, Checked(f.THRESHOLD)] = 1


class Tasks(Input):
    tasks: Annotated[list[TaskInput], Checked(f.TASKS)]


class NewPlan(Tasks):
    year: Annotated[int, Checked(f.PLAN_YEAR)]
    period_start: Annotated[date, Checked(f.PLAN_START)]
    period_end: Annotated[date, Checked(f.PLAN_END)]
    title: Annotated[str, Checked(f.PLAN_TITLE)] = ""


class Comments(Input):
    comments: Annotated[str, Checked(f.COMMENTS)]


# Activities ----------------------------------------------------------------------------------------


class NewActivity(Input):
    kind: Annotated[str, OneOf.of(ACTIVITY_KINDS)] = Field(
        description="What POST …/activities records; sync classes, online research and "
        "mentoring have their own operations"
    )
    title: Annotated[str, Checked(f.ACTIVITY_TITLE)]
    occurred_on: Annotated[date, Checked(f.OCCURRED_ON)]
    participant_ids: Annotated[list[UUID], Checked(f.PARTICIPANTS)] = Field(default_factory=list)
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="Per kind. shadow_placement: `teacher_id`, `host_school_id` (uuid), "
        "`starts_on`, `ends_on` (date); others: `summary`, `link`, and their own fields",
    )


class PlacementDetails(Input):
    teacher_id: UUID
    host_school_id: UUID
    starts_on: Annotated[date, Checked(f.PLACEMENT_START)]
    ends_on: Annotated[date, Checked(f.PLACEMENT_END)]


class Completion(Input):
    ended_on: Annotated[date, Checked(f.PLACEMENT_END)]


class Withdrawal(Input):
    reason: Annotated[str, Checked(f.WITHDRAWAL_REASON)]


class ActivitiesQuery(Query):
    kind: Annotated[str, OneOf.of(ACTIVITY_KINDS)] | None = None


# Progress and reports ------------------------------------------------------------------------------


class AsOf(Query):
    as_of: date | None = Field(None, description="The day to compute the figures for (today)")


class DashboardQuery(AsOf):
    kind: str | None = Field(None, description="A community type's key")
    school_id: UUID | None = None
    status: Annotated[str, OneOf.of(STATUSES)] | None = None


class EventsQuery(AsOf):
    task: Annotated[str, OneOf.of(TaskKind)] | None = None


class SealsQuery(Query):
    year: Annotated[int, Field(ge=f.FIRST_YEAR, le=f.LAST_YEAR)] | None = None


class SealRequest(Input):
    # A year outside the calendar is malformed (400), as in /seals?year= and /reports/{year}.
    year: Annotated[int, Field(ge=f.YEAR.minimum, le=f.YEAR.maximum)]
    quarter: Annotated[int, Checked(f.QUARTER)]


# Assistance and settings -------------------------------------------------------------------------


class NewApplication(Input):
    needs: Annotated[str, Checked(f.NEEDS)]
    subjects: Subjects = Field(default_factory=list)


class Assignment(Input):
    helper_school_id: UUID
    founded_on: Annotated[date, Checked(f.FOUNDED_ON)]
    round_start_year: RoundYear
    round_end_year: RoundYear


class TypeSetting(Input):
    key: Annotated[str, Checked(f.TYPE_KEY)]
    name: Annotated[str, Checked(f.TYPE_NAME)]
    max_schools: Annotated[int, Checked(f.MAX_SCHOOLS)] | None = None


class CheckpointInput(Input):
    due: Annotated[date, Checked(f.DUE)]
    required: Annotated[float, Checked(f.REQUIRED_SHARE)] = Field(
        description="The share of the year's figure due by then: a fraction 0–1, not a percent"
    )


class PlanYear(Input):
    checkpoints: Annotated[list[CheckpointInput], Checked(f.CHECKPOINTS)]
    targets: dict[Annotated[str, OneOf.of(TaskKind)], Annotated[int, Checked(f.TARGET_SETTING)]]
    plan_deadline: Annotated[date, Checked(f.PLAN_DEADLINE)]
    shadow_placement_days: Annotated[int, Checked(f.PLACEMENT_DAYS)]
    mentor_max_mentees: Annotated[int, Checked(f.MENTEE_LIMIT)]


# Mentoring ---------------------------------------------------------------------------------------


class NewPair(Input):
    mentor_id: UUID
    mentee_id: UUID
    paired_on: Annotated[date, Checked(f.PAIRED_ON)]
    ends_on: Annotated[date, Checked(f.PAIRING_ENDS_ON)]


class NewMentoringRecord(Input):
    kind: Annotated[str, OneOf.of(MentoringKind)]
    mode: Annotated[str, OneOf.of(Mode)]
    occurred_on: Annotated[date, Checked(f.OCCURRED_ON)]
    minutes: Annotated[int, Checked(f.MINUTES)]
    summary: Annotated[str, Checked(f.MENTORING_SUMMARY)]


class Dispute(Input):
    comment: Annotated[str, Checked(f.DISPUTE_COMMENT)]


class PairEnd(Input):
    on: Annotated[date, Checked(f.ENDED_ON)]
    reason: Annotated[str, Checked(f.ENDING_REASON)]
