"""The limits of every field a command accepts: lengths, ranges, characters, list sizes.

A limit lives here and nowhere else: commands check their input with these fields before an event
exists, the forms and the API's document read the same numbers, and the views store anything that
passes (TEXT and BIGINT columns), so an accepted event always applies.

Text is NFC-normalised and stripped before it is measured, in characters. Control characters
(Unicode Cc: NUL, escape, …) and lone surrogates (Cs) are refused: PostgreSQL cannot store a NUL,
and nobody types the others. Multi-line free text keeps its line breaks and tabs.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.base import DomainError

# Lengths, in characters after normalisation ------------------------------------------------------

PERSON_NAME_LENGTH = 50  # 姓名
ORGANISATION_NAME_LENGTH = 100  # a school, a bureau, a community, a region, a type of community
CLASS_NAME_LENGTH = 20  # 班名, e.g. "3班"
SHORT_TEXT_LENGTH = 50  # a job title (职称), the kind of a student exchange
KEY_LENGTH = 40  # a code typed by an administrator: a community type's key
TITLE_LENGTH = 200  # an activity's, a plan's or a research output's title
LINK_LENGTH = 2000
FILE_NAME_LENGTH = 200
REASON_LENGTH = 1000  # why a school left, why an account was deactivated, …
FREE_TEXT_LENGTH = 5000  # summaries, needs, comments
LESSON_PLAN_LENGTH = 30_000  # 教案: a lesson's whole design, with its blackboard plan

# Ranges --------------------------------------------------------------------------------------------

MAX_STUDENTS = 100_000  # a school's students, the students of an exchange
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TARGET = 10_000  # a task's count target
MAX_THRESHOLD = 1_000
MAX_WEIGHT = 100.0
MAX_PLACEMENT_DAYS = 366
MAX_MENTEES = 50
MAX_SCHOOLS_PER_COMMUNITY = 1_000
MAX_PERIOD_NUMBER = 20
MAX_EVIDENCE_SIZE = 1 << 40  # bytes; the evidence store refuses far smaller files

# List sizes ----------------------------------------------------------------------------------------

MAX_PARTICIPANTS = 500
MAX_EVIDENCE_FILES = 50
MAX_PERIODS = 7 * MAX_PERIOD_NUMBER
MAX_CHECKPOINTS = 12
MAX_SUBJECTS = 20
MAX_ROLES = 10
MAX_SEALED_FIGURES = 10_000
MAX_CLASS_SIZE = 200  # students of one class: a score upload, a sync lesson's class size
MAX_FULL_MARK = 1_000.0
MIN_GROUP_LIMIT = 100  # the largest suppression threshold a bureau may set
MAX_SESSION_HOURS = 24  # 学时 one research session earns
MAX_REQUIRED_HOURS = 1_000  # 学时 a teacher needs in a school year

#: The widest integer a view stores (BIGINT); no field reaches it, but nested values are checked.
_BIGINT = (-(1 << 63), (1 << 63) - 1)
_NESTING = 8
_LINE_BREAKS = str.maketrans({"\r": "\n"})


def _unlike_text(ch: str, multiline: bool) -> bool:
    category = unicodedata.category(ch)
    if category == "Cs":
        return True
    return category == "Cc" and not (multiline and ch in "\n\t")


@dataclass(frozen=True)
class Text:
    """A text field: ``min_length`` 0 makes it optional, ``multiline`` keeps line breaks."""

    zh: str
    en: str
    max_length: int
    min_length: int = 1
    multiline: bool = False

    def check(self, value: object) -> str:
        if not isinstance(value, str):
            raise DomainError(f"{self.zh}应为文字 / {self.en} must be text")
        if any(unicodedata.category(ch) == "Cs" for ch in value):
            raise self._bad_character()
        if self.multiline:
            value = value.replace("\r\n", "\n").translate(_LINE_BREAKS)
        text = unicodedata.normalize("NFC", value).strip()
        if any(_unlike_text(ch, self.multiline) for ch in text):
            raise self._bad_character()
        if len(text) < self.min_length:
            if self.min_length == 1:
                raise DomainError(f"{self.zh}不能为空 / {self.en} is required")
            raise DomainError(
                f"{self.zh}至少{self.min_length}个字 / "
                f"{self.en} is at least {self.min_length} characters"
            )
        if len(text) > self.max_length:
            raise DomainError(
                f"{self.zh}不能超过{self.max_length}个字 / "
                f"{self.en} is at most {self.max_length} characters"
            )
        return text

    def _bad_character(self) -> DomainError:
        return DomainError(
            f"{self.zh}含有不允许的控制字符 / {self.en} contains a control character"
        )


@dataclass(frozen=True)
class Whole:
    """A whole number within a range (a bool is not a number here)."""

    zh: str
    en: str
    minimum: int
    maximum: int

    def check(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(f"{self.zh}应为整数 / {self.en} must be a whole number")
        if not self.minimum <= value <= self.maximum:
            raise DomainError(
                f"{self.zh}应为{self.minimum}–{self.maximum} / "
                f"{self.en} is {self.minimum} to {self.maximum}"
            )
        return value


@dataclass(frozen=True)
class Number:
    """A finite number within a range; ``above_minimum`` excludes the minimum itself."""

    zh: str
    en: str
    minimum: float
    maximum: float
    above_minimum: bool = False

    def check(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DomainError(f"{self.zh}应为数字 / {self.en} must be a number")
        number = float(value) if not isinstance(value, int) or abs(value) < 1 << 53 else math.inf
        low_ok = number > self.minimum if self.above_minimum else number >= self.minimum
        if not (math.isfinite(number) and low_ok and number <= self.maximum):
            low = "（不含）" if self.above_minimum else ""
            raise DomainError(
                f"{self.zh}应为{self.minimum:g}{low}–{self.maximum:g} / "
                f"{self.en} is {'above ' if self.above_minimum else ''}{self.minimum:g} "
                f"to {self.maximum:g}"
            )
        return number


@dataclass(frozen=True)
class Day:
    """A calendar date between the first and the last year the platform keeps."""

    zh: str
    en: str

    def check(self, value: object) -> date:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise DomainError(f"{self.zh}应为日期 / {self.en} must be a date")
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise DomainError(
                f"{self.zh}应在{FIRST_YEAR}–{LAST_YEAR}年之间 / "
                f"{self.en} is between {FIRST_YEAR} and {LAST_YEAR}"
            )
        return value


@dataclass(frozen=True)
class Items:
    """A list of at most ``max_items`` (its items are checked by the caller's field)."""

    zh: str
    en: str
    max_items: int
    min_items: int = 0

    def check(self, value: object) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise DomainError(f"{self.zh}应为列表 / {self.en} must be a list")
        if len(value) > self.max_items:
            raise DomainError(
                f"{self.zh}最多{self.max_items}项 / {self.en} has at most {self.max_items} items"
            )
        if len(value) < self.min_items:
            raise DomainError(
                f"{self.zh}至少{self.min_items}项 / {self.en} has at least {self.min_items} items"
            )
        return list(value)


def check_uuid(value: object, zh: str, en: str) -> UUID:
    """An id, given as a UUID or as its text."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value)) if isinstance(value, str) else _not_an_id(zh, en)
    except ValueError:
        return _not_an_id(zh, en)


def _not_an_id(zh: str, en: str) -> UUID:
    raise DomainError(f"{zh}不是有效的编号 / {en} is not a valid id")


def check_plain(value: object, zh: str, en: str, *, depth: int = 0) -> None:
    """Anything nested (sealed figures): the same characters, finite numbers, BIGINT integers."""
    if depth > _NESTING:
        raise DomainError(f"{zh}嵌套过深 / {en} is nested too deeply")
    if value is None or isinstance(value, bool | UUID | date):
        return
    if isinstance(value, str):
        Text(zh, en, max_length=FREE_TEXT_LENGTH, min_length=0, multiline=True).check(value)
    elif isinstance(value, int):
        Whole(zh, en, *_BIGINT).check(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise DomainError(f"{zh}应为有限数 / {en} must be a finite number")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_plain(key, zh, en, depth=depth + 1)
            check_plain(item, zh, en, depth=depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            check_plain(item, zh, en, depth=depth + 1)
    else:
        raise DomainError(f"{zh}含有无法保存的值 / {en} holds a value that cannot be kept")


# The fields of the commands ------------------------------------------------------------------------

BUREAU_NAME = Text("教育局名称", "A bureau's name", ORGANISATION_NAME_LENGTH)
REGION = Text("地区", "A region", ORGANISATION_NAME_LENGTH, min_length=0)
SCHOOL_NAME = Text("学校名称", "A school name", ORGANISATION_NAME_LENGTH)
STUDENT_COUNT = Whole("学生数", "A student count", 0, MAX_STUDENTS)
CLASS_NAME = Text("班级名称", "A class name", CLASS_NAME_LENGTH)
GRADE = Whole("年级", "A grade", 1, 9)
PERIODS = Items("作息时间节次", "A bell schedule", MAX_PERIODS)
PERIOD_NUMBER = Whole("节次编号", "A period number", 1, MAX_PERIOD_NUMBER)

PERSON_NAME = Text("姓名", "A person's name", PERSON_NAME_LENGTH)
JOB_TITLE = Text("职称", "A job title", SHORT_TEXT_LENGTH, min_length=0)
SUBJECT_LIST = Items("学科", "Subjects", MAX_SUBJECTS)
GRADE_LIST = Items("年级", "Grades", 9)
ROLE_LIST = Items("角色", "Roles", MAX_ROLES)
PASSWORD_HASH = Text("密码摘要", "A password hash", 1000)
DEACTIVATION_REASON = Text("停用原因", "The reason", REASON_LENGTH, min_length=0, multiline=True)

FOUNDED_ON = Day("成立日期", "The founding date")
JOINING_ON = Day("加入日期", "The joining date")
LEAVING_ON = Day("退出日期", "The leaving date")
COMMUNITY_NAME = Text("教共体名称", "A community's name", ORGANISATION_NAME_LENGTH)
ROUND_YEAR = Whole("轮次年份", "A round's year", FIRST_YEAR, LAST_YEAR)
LEAVING_REASON = Text("退出原因", "The reason", REASON_LENGTH, min_length=0, multiline=True)
DECLINING_REASON = Text("拒绝原因", "The reason", REASON_LENGTH, min_length=0, multiline=True)

PLAN_START = Day("计划开始日期", "A plan's start")
PLAN_END = Day("计划结束日期", "A plan's end")
PLAN_YEAR = Whole("计划年度", "A plan's year", FIRST_YEAR, LAST_YEAR)
PLAN_TITLE = Text("计划标题", "A plan's title", TITLE_LENGTH, min_length=0)
TASKS = Items("任务", "Tasks", 20, min_items=1)
TARGET = Whole("目标", "A target", 1, MAX_TARGET)
WEIGHT = Number("权重", "A weight", 0.0, MAX_WEIGHT, above_minimum=True)
THRESHOLD = Whole("门槛", "A threshold", 1, MAX_THRESHOLD)
TASK_COUNTS = Text("计数说明", "What counts", REASON_LENGTH, min_length=0, multiline=True)
COMMENTS = Text("审核意见", "Comments", FREE_TEXT_LENGTH, multiline=True)

OCCURRED_ON = Day("活动日期", "The date it happened")
PLACEMENT_START = Day("跟岗开始日期", "A placement's start")
PLACEMENT_END = Day("跟岗结束日期", "A placement's end")
ACTIVITY_TITLE = Text("活动标题", "An activity's title", TITLE_LENGTH)
PARTICIPANTS = Items("参与教师", "Participants", MAX_PARTICIPANTS)
EVIDENCE = Items("佐证材料", "Evidence", MAX_EVIDENCE_FILES)
FILE_NAME = Text("文件名", "A file name", FILE_NAME_LENGTH)
FILE_SIZE = Whole("文件大小", "A file size", 0, MAX_EVIDENCE_SIZE)
FILE_TYPE = Text("文件类型", "A file type", 100)
ACTIVITY_SUMMARY = Text("活动简介", "A summary", FREE_TEXT_LENGTH, min_length=0, multiline=True)
EXCHANGE_KIND = Text("交流形式", "The kind of exchange", SHORT_TEXT_LENGTH, min_length=0)
EXCHANGE_STUDENTS = Whole("参与学生人数", "The number of students", 1, MAX_STUDENTS)
OUTPUT_TITLE = Text("成果题目", "A research output's title", TITLE_LENGTH)
LINK = Text("链接", "A link", LINK_LENGTH, min_length=0)
PLACEMENT_DAYS = Whole("跟岗天数", "Placement days", 1, MAX_PLACEMENT_DAYS)
WITHDRAWAL_REASON = Text("撤回原因", "The reason", REASON_LENGTH, multiline=True)

PAIRED_ON = Day("结对日期", "The pairing date")
PAIRING_ENDS_ON = Day("结对结束日期", "The pairing's end")
ENDED_ON = Day("结束日期", "The end date")
MINUTES = Whole("时长（分钟）", "A duration in minutes", 10, 8 * 60)
MENTORING_SUMMARY = Text("活动摘要", "A summary", FREE_TEXT_LENGTH, multiline=True)
DISPUTE_COMMENT = Text("质疑理由", "What is wrong", FREE_TEXT_LENGTH, multiline=True)
ENDING_REASON = Text("结束原因", "The reason", REASON_LENGTH, multiline=True)
MENTEE_LIMIT = Whole("徒弟人数上限", "A mentor's mentee limit", 1, MAX_MENTEES)

NEEDS = Text("需求", "The needs", FREE_TEXT_LENGTH, min_length=10, multiline=True)

DUE = Day("检查点日期", "A checkpoint's date")
PLAN_DEADLINE = Day("计划提交截止日期", "The plans' deadline")
TYPE_KEY = Text("类型代码", "A type's key", KEY_LENGTH)
TYPE_NAME = Text("类型名称", "A type's name", ORGANISATION_NAME_LENGTH)
MAX_SCHOOLS = Whole("学校数上限", "A school limit", 2, MAX_SCHOOLS_PER_COMMUNITY)
CHECKPOINTS = Items("检查点", "Checkpoints", MAX_CHECKPOINTS, min_items=1)
REQUIRED_SHARE = Number("检查点比例", "A checkpoint's share", 0.0, 1.0, above_minimum=True)
TARGET_SETTING = Whole("年度目标", "A yearly target", 0, MAX_TARGET)

# Synchronized classes (同步课堂)
MAX_SLOTS_PER_TIMETABLE = 500
MAX_RECEIVING_CLASSES = 10
MAX_SEMESTER_DAYS = 200
MAX_CALENDAR_DAYS = 100  # holidays (or make-up workdays) of one year's calendar setting
SEMESTER_NAME = Text("学期名称", "A semester's name", TITLE_LENGTH)
SEMESTER_START = Day("学期开始日期", "A semester's start")
SEMESTER_END = Day("学期结束日期", "A semester's end")
SUBJECT = Text("学科", "A subject", SHORT_TEXT_LENGTH)
USED_BY_CLASS = Text("使用班级", "The class that used it", SHORT_TEXT_LENGTH)
SLOTS = Items("同步课时段", "Sync-class slots", MAX_SLOTS_PER_TIMETABLE)
RECEIVING_CLASSES = Items("接收班级", "Receiving classes", MAX_RECEIVING_CLASSES, min_items=1)
SESSION_ON = Day("上课日期", "The lesson's date")
MIN_OVERLAP = Whole("最短重叠时间（分钟）", "The minimum overlap in minutes", 1, 120)
CALENDAR_DAYS = Items("日历日期", "Calendar dates", MAX_CALENDAR_DAYS)
CALENDAR_DAY = Day("日历日期", "A calendar date")
CANCELLING_REASON = Text("取消原因", "The reason", REASON_LENGTH, multiline=True)
ANSWER_REASON = Text("答复说明", "The reason", REASON_LENGTH, min_length=0, multiline=True)
CLASS_SIZE = Whole("班级人数", "A class size", 1, MAX_CLASS_SIZE)
PRESENT = Whole("出勤人数", "Students present", 0, MAX_CLASS_SIZE)
MINUTES_LOST = Whole("损失时长（分钟）", "Minutes lost", 0, 8 * 60)
CLOCK_TIME = Text("时间", "A time", 5)
LESSON_PLAN = Text("教案", "A lesson plan", FREE_TEXT_LENGTH * 4, multiline=True)
PLAN_COMMENT = Text("备课意见", "A comment", FREE_TEXT_LENGTH, multiline=True)
STUDENT_RESPONSE = Text("学生反应", "The students' response", FREE_TEXT_LENGTH, multiline=True)
REFLECTION = Text("教学反思", "A reflection", FREE_TEXT_LENGTH, multiline=True)
PERCENTAGE = Number("百分比", "A percentage", 0.0, 100.0)
MIN_SUBJECTS = Whole("最少学科数", "The minimum number of subjects", 1, MAX_SUBJECTS)
GROUP_NAME = Text("教研组名称", "A research group's name", ORGANISATION_NAME_LENGTH)
GRADE_BAND = Text("学段", "A grade band", SHORT_TEXT_LENGTH, min_length=0)
SESSION_THEME = Text("研修主题", "A session's theme", TITLE_LENGTH)
MEETING_LINK = Text("会议链接", "A meeting link", LINK_LENGTH, min_length=0)
CHECK_IN_CODE = Text("签到码", "A check-in code", 12)
POST_TEXT = Text("发言内容", "A post", FREE_TEXT_LENGTH, multiline=True)
SESSION_HOURS = Whole("学时", "Training hours", 0, MAX_SESSION_HOURS)
REQUIRED_HOURS = Whole("年度学时要求", "The yearly hours", 0, MAX_REQUIRED_HOURS)
SCHOOL_THRESHOLD = Whole("校数门槛", "The school threshold", 1, MAX_SCHOOLS_PER_COMMUNITY)
MENTORING_HOURS = Whole("每条师徒活动学时", "Hours per mentoring record", 0, MAX_SESSION_HOURS)
LESSON_PLAN_TITLE = Text("教案标题", "A lesson plan's title", TITLE_LENGTH)
LESSON_PLAN_TEXT = Text("教案正文", "A lesson plan's text", LESSON_PLAN_LENGTH, multiline=True)
LESSON_GRADE = Text("年级", "A lesson plan's grade", SHORT_TEXT_LENGTH, min_length=0)
COMMENT_TEXT = Text("评论", "A comment", FREE_TEXT_LENGTH, multiline=True)
CERTIFICATE_CODE = Text("证书验证码", "A certificate's code", 19, min_length=19)
MAX_REVISIONS = 200  # a lesson plan's revisions: a year of weekly work, several times over

YEAR = Whole("年份", "A year", FIRST_YEAR, LAST_YEAR)
QUARTER = Whole("季度", "A quarter", 1, MAX_CHECKPOINTS)
SEALED_FIGURES = Items("封存数据", "Sealed figures", MAX_SEALED_FIGURES)


HELD_ON = Day("检测日期", "The test's date")
FULL_MARK = Number("满分", "The full mark", 0.0, MAX_FULL_MARK, above_minimum=True)
SCORE_LINE = Number("分数线", "A score line", 0.0, MAX_FULL_MARK)
SCORE = Number("成绩", "A score", 0.0, MAX_FULL_MARK)
STUDENT_NUMBER = Text("学号", "A student number", 30)
STUDENT_KEY = Text("学生代号", "A student key", 64)
CLASS_SCORES = Items("成绩", "Scores", MAX_CLASS_SIZE, min_items=1)
MIN_GROUP = Whole("最少统计人数", "The smallest group shown", 1, MIN_GROUP_LIMIT)
TARGET_RATE = Number("目标比例", "A target rate", 0.0, 1.0)
TARGET_AVERAGE = Number("目标分", "A target score", 0.0, MAX_FULL_MARK)
FORMULA_WEIGHT = Number("权重", "A weight", 0.0, MAX_WEIGHT)
EXCELLENT_SHARE = Number("优秀比例", "The share rated excellent", 0.0, 1.0, above_minimum=True)


def check_evidence(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence as the evidence store describes a file: its hash, name, size and type."""
    checked = []
    for item in EVIDENCE.check(evidence):
        if not isinstance(item, dict) or set(item) != {"sha256", "name", "size", "type"}:
            raise DomainError("佐证材料格式错误 / Malformed evidence")
        sha256 = item["sha256"]
        if not (
            isinstance(sha256, str)
            and len(sha256) == 64
            and all(c in "0123456789abcdef" for c in sha256)
        ):
            raise DomainError("佐证材料格式错误 / Malformed evidence")
        checked.append(
            {
                "sha256": sha256,
                "name": FILE_NAME.check(item["name"]),
                "size": FILE_SIZE.check(item["size"]),
                "type": FILE_TYPE.check(item["type"]),
            }
        )
    return checked
