"""A year of community work for the demo bureau, so the dashboard is full on first start.

The demo replays history: each command runs with the services' clock at the day it happened, and the
store stamps its events as recorded that day too (a few records are entered late on purpose, so the
late-record flags and the amendments after a sealed quarter have something to show).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import eventsourcing.domain

from domain.counting import TaskKind
from domain.plan import Rule, Task
from domain.user import User
from infra.demo_assessment import seed_assessment
from infra.demo_research import ResearchHistory
from infra.wiring import Runtime
from services.actor import Actor
from services.evidence import Upload
from services.people import actor_of

YEAR = 2026


@contextmanager
def history_at(runtime: Runtime, moment: datetime) -> Iterator[None]:
    """Run commands as if at ``moment``: the services' clock and the events' recorded time."""
    ctx = runtime.services.plans.ctx
    original_clock = ctx.clock
    original_now = eventsourcing.domain.datetime_now_with_tzinfo
    ctx.clock = lambda: moment
    eventsourcing.domain.datetime_now_with_tzinfo = lambda: moment
    try:
        yield
    finally:
        ctx.clock = original_clock
        eventsourcing.domain.datetime_now_with_tzinfo = original_now


def _at(day: date, hour: int = 16) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _actor(runtime: Runtime, user_id: UUID) -> Actor:
    user: User = runtime.platform.repository.get(user_id)
    return actor_of(user)


def seed_history(
    runtime: Runtime, admin: Actor, schools: dict[str, UUID], users: dict[str, UUID]
) -> None:
    services = runtime.services
    founded = date(YEAR - 1, 9, 1)
    with history_at(runtime, _at(founded, 9)):
        fusion = services.communities.found(
            admin,
            name="狮岭—博达城乡教共体",
            kind="fusion",
            core_school_id=schools["SL"],
            founded_on=founded,
            round_start_year=YEAR - 1,
            round_end_year=YEAR + 1,
            member_school_ids=[schools["BD"]],
        ).id
        alliance = services.communities.found(
            admin,
            name="实验小学片区联盟",
            kind="alliance",
            core_school_id=schools["SY"],
            founded_on=founded,
            round_start_year=YEAR - 1,
            round_end_year=YEAR + 1,
            member_school_ids=[schools["YH"]],
        ).id
        collaboration = services.communities.found(
            admin,
            name="紫微—袁花九年一贯协作体",
            kind="collaboration",
            core_school_id=schools["ZW"],
            founded_on=founded,
            round_start_year=YEAR - 1,
            round_end_year=YEAR,
            member_school_ids=[schools["YH"]],
        ).id
    runtime.catch_up()

    plans = {
        fusion: [
            Task(
                TaskKind.SYNC_CLASS,
                10,
                counts="同步课堂或送教下乡示范课累计不少于10节",
                also=(TaskKind.DEMO_LESSON,),
            ),
            Task(TaskKind.ONLINE_RESEARCH, 4),
            Task(TaskKind.OFFLINE_RESEARCH, 4),
            Task(TaskKind.MENTORING, 9, rule=Rule.UNITS, threshold=5, counts="每对师徒≥5次"),
            Task(TaskKind.SHADOW_PLACEMENT, 1, counts="博达至少1名教师在狮岭跟岗≥1个月"),
            Task(TaskKind.STUDENT_EXCHANGE, 2, counts="每学期不少于一次"),
            Task(TaskKind.RESEARCH_OUTPUT, 2),
        ],
        alliance: [
            Task(TaskKind.OFFLINE_RESEARCH, 4),
            Task(TaskKind.DEMO_LESSON, 3),
            Task(TaskKind.EXTENSION_COURSE, 1),
            Task(TaskKind.RESEARCH_OUTPUT, 1),
        ],
        collaboration: [
            Task(TaskKind.OFFLINE_RESEARCH, 4),
            Task(TaskKind.STUDENT_EXCHANGE, 2),
            Task(TaskKind.RESEARCH_OUTPUT, 2),
        ],
    }
    core_admin = {
        fusion: _actor(runtime, users["sl-admin"]),
        alliance: _actor(runtime, users["sy-admin"]),
        collaboration: _actor(runtime, users["zw-admin"]),
    }
    for community, tasks in plans.items():
        with history_at(runtime, _at(date(YEAR, 3, 10), 10)):
            plan = services.plans.draft(
                core_admin[community],
                community,
                year=YEAR,
                period_start=date(YEAR, 1, 1),
                period_end=date(YEAR, 12, 31),
                title=f"{YEAR}年度教共体工作计划",
                tasks=tasks,
            ).id
            runtime.catch_up()
            services.plans.submit(core_admin[community], plan)
        with history_at(runtime, _at(date(YEAR, 3, 20), 15)):
            services.plans.approve(admin, plan)
        runtime.catch_up()

    sl_teacher = _actor(runtime, users["sl-sunff"])
    bd_teacher = _actor(runtime, users["bd-fukp"])
    sy_teacher = _actor(runtime, users["sy-jiangh"])
    yh_admin = _actor(runtime, users["yh-admin"])
    zw_admin = _actor(runtime, users["zw-admin"])

    def record(
        who: Actor, community: UUID, kind: str, day: str, title: str, late: int = 0, **details: Any
    ) -> None:
        happened = date.fromisoformat(f"{YEAR}-{day}")
        with history_at(runtime, _at(happened + timedelta(days=late))):
            if kind == TaskKind.RESEARCH_OUTPUT:
                details["title"] = title
            services.activities.record(
                who, community, kind=kind, title=title, occurred_on=happened, details=details
            )

    research, demo, exchange = (
        TaskKind.OFFLINE_RESEARCH,
        TaskKind.DEMO_LESSON,
        TaskKind.STUDENT_EXCHANGE,
    )
    output, course = TaskKind.RESEARCH_OUTPUT, TaskKind.EXTENSION_COURSE
    record(sl_teacher, fusion, research, "02-26", "语文组联合教研：单元整体教学")
    record(bd_teacher, fusion, research, "04-16", "数学组同课异构", late=1)
    record(sl_teacher, fusion, research, "06-11", "英语组作业设计研讨")
    record(sl_teacher, fusion, demo, "05-14", "送教博达：《荷花》示范课")
    record(sl_teacher, fusion, exchange, "05-28", "“手拉手”六一联欢", late=2, student_count=86)
    record(
        bd_teacher,
        fusion,
        output,
        "07-05",
        "城乡同步课堂的实践与思考",
        late=3,
        level="city",
        link="",
    )
    record(sl_teacher, fusion, research, "10-22", "期中质量分析会")
    record(sl_teacher, fusion, exchange, "11-12", "科技节同场竞技", late=1, student_count=64)
    record(sy_teacher, alliance, research, "03-18", "科学实验教学联合教研")
    record(sy_teacher, alliance, demo, "04-23", "送教袁花：《电路》示范课")
    record(sy_teacher, alliance, demo, "05-12", "送教袁花：《植物的一生》")
    record(yh_admin, alliance, research, "05-20", "片区教学常规检查交流", late=5)
    record(yh_admin, alliance, research, "06-17", "片区青年教师赛课研讨")
    record(
        sy_teacher,
        alliance,
        output,
        "08-30",
        "片区联盟科学教研案例",
        level="county",
        link="",
    )
    record(sy_teacher, alliance, course, "09-15", "线上拓展课：家庭小实验")
    record(sy_teacher, alliance, research, "09-23", "新教材培训联合教研")
    record(sy_teacher, alliance, demo, "10-14", "送教袁花：《光的反射》")
    record(zw_admin, collaboration, research, "04-09", "中小衔接数学教研")
    record(yh_admin, collaboration, exchange, "06-03", "初中校园开放日", late=30, student_count=120)
    # 付开萍 shadows at 狮岭 for a month in spring; the placement counts when completed.
    with history_at(runtime, _at(date(YEAR, 3, 2), 9)):
        placement = services.activities.record(
            bd_teacher,
            fusion,
            kind=TaskKind.SHADOW_PLACEMENT,
            title="付开萍跟岗锻炼（狮岭学校）",
            occurred_on=date(YEAR, 3, 2),
            details={
                "teacher_id": str(users["bd-fukp"]),
                "host_school_id": str(schools["SL"]),
                "starts_on": date(YEAR, 3, 2),
                "ends_on": date(YEAR, 4, 3),
            },
        ).id
    runtime.catch_up()
    with history_at(runtime, _at(date(YEAR, 4, 3), 17)):
        services.activities.complete_placement(bd_teacher, placement, ended_on=date(YEAR, 4, 3))
    runtime.catch_up()

    # Mentoring runs through the year beside it: each step is replayed before the seals after it.
    mentoring = MentoringHistory(runtime, fusion, users)
    from infra.demo_sync import SyncHistory  # here: it replays with this module's history_at

    sync_classes = SyncHistory(runtime, fusion, users, schools)
    online = ResearchHistory(runtime, fusion, users, lambda moment: history_at(runtime, moment))

    # The bureau sealed each quarter as reported; a record of June work entered in late July
    # then amends the sealed Q2 figure visibly.
    late_june = (
        _at(date(YEAR, 7, 27)),
        "补录：6月校际听评课活动",
        date(YEAR, 6, 24),
    )
    for quarter, sealed_on in (
        (1, date(YEAR, 4, 8)),
        (2, date(YEAR, 7, 8)),
        (3, date(YEAR, 10, 9)),
    ):
        if quarter == 3:
            recorded, title, day = late_june
            with history_at(runtime, recorded):
                services.activities.record(
                    bd_teacher, fusion, kind=TaskKind.OFFLINE_RESEARCH, title=title, occurred_on=day
                )
            runtime.catch_up()
        mentoring.replay(until=_at(sealed_on, 11))
        sync_classes.replay(until=_at(sealed_on, 11))
        online.replay(until=_at(sealed_on, 11))
        with history_at(runtime, _at(sealed_on, 11)):
            services.progress.seal_quarter(admin, year=YEAR, quarter=quarter)
        runtime.catch_up()
    mentoring.replay(until=datetime.now(UTC))  # never a step of the future
    seed_assessment(
        runtime,
        history_at,
        _at,
        YEAR,
        fusion,
        schools,
        {name: _actor(runtime, users[name]) for name in ("sl-admin", "bd-admin", "bd-fukp")},
    )
    sync_classes.replay(until=datetime.now(UTC))
    online.replay(until=datetime.now(UTC))
    online.certify()


# Paired mentoring (师徒结对) -----------------------------------------------------------------------
#
# The Haining plan's three mentors of 狮岭, county key teachers, each with three mentees of 博达
# teaching the same subject, paired by 狮岭's admin at the ceremony (结对仪式) of 17 March. Through
# the year: observations, critiques, guided preparation, demonstration lessons and talks, online
# and offline, answered by the other side a day or two later. A few November records still wait
# for an answer; one record was disputed. 付开萍's pair has four confirmed records and nothing
# waiting, so a fifth confirmed one moves the plan's mentoring task (the browser test does that).

PAIRED_ON = date(YEAR, 3, 17)
PAIR_ENDS_ON = date(YEAR + 1, 3, 16)
MENTEES = {
    "sl-sunff": ("bd-fukp", "bd-chenyu", "bd-lijia"),  # 语文
    "sl-xujie": ("bd-wanglei", "bd-zhaomin", "bd-zhouting"),  # 数学
    "sl-xujing": ("bd-sunli", "bd-hefang", "bd-zhuqing"),  # 英语
}


@dataclass(frozen=True)
class Step:
    """One record of a pair: who wrote it, and how the other side answered (if they have yet)."""

    day: str  # MM-DD of YEAR
    kind: str
    mode: str
    minutes: int
    by: str  # "mentor" or "mentee"
    summary: str
    pending: bool = False
    dispute: str = ""  # the other side's comment, when it disputed the record
    late: int = 0  # days between the activity and its record
    answer_after: int = 1  # days between the record and the other side's answer
    evidence: str = ""  # a file name (.png or .pdf) attached to the record


OBS, CRIT, PREP, DEMO, TALK = (
    "observation",
    "critique",
    "guided_preparation",
    "demonstration",
    "talk",
)
ON, OFF = "online", "offline"

# fmt: off
RECORDS: dict[str, list[Step]] = {
    "bd-fukp": [
        Step("03-19", OBS, OFF, 40, "mentee", "跟岗期间听孙老师执教《草船借箭》，学习借助人物对话梳理情节，提问层层递进。", evidence="《草船借箭》听课记录.png"),
        Step("04-22", PREP, ON, 60, "mentor", "线上指导备课《祖父的园子》：梳理单元语文要素“体会作者表达的情感”，重新设计导入和板书。", evidence="《祖父的园子》教案修改稿.pdf"),
        Step("09-24", CRIT, OFF, 45, "mentor", "评付老师《白鹭》：朗读指导细致；建议把“白鹭是一首精巧的诗”作为主线，减少碎问。", answer_after=2),
        Step("10-28", DEMO, OFF, 40, "mentee", "到狮岭听孙老师示范课《将相和》，学习“抓关键句把握人物形象”，课后一起研讨作业设计。"),
    ],
    "bd-chenyu": [
        Step("03-24", OBS, OFF, 40, "mentee", "听孙老师《景阳冈》，关注长文短教：用“喝酒—上冈—打虎—下冈”串起全文。"),
        Step("04-14", CRIT, OFF, 45, "mentor", "评陈老师《军神》：人物描写抓得准，小组汇报时间偏长，结尾升华可更简洁。"),
        Step("05-12", PREP, ON, 60, "mentor", "指导备课《青山处处埋忠骨》：从“毛主席的心理变化”入手设计学习任务单。", late=2),
        Step("06-09", TALK, OFF, 90, "mentor", "专题交流“五年级习作：把一个场景写具体”，结合两校学生习作样例分析。"),
        Step("09-22", OBS, OFF, 40, "mentor", "听陈老师《落花生》，借物喻人的落点清楚，建议增加学生联系生活的表达。"),
        Step("10-20", CRIT, ON, 45, "mentee", "线上评课：孙老师点评我的《桂花雨》试教录像，指出朗读层次和板书的改进点。"),
        Step("11-17", OBS, OFF, 40, "mentee", "听孙老师《少年中国说（节选）》，学习文言与白话交错文本的朗读指导。", pending=True),
    ],
    "bd-lijia": [
        Step("03-31", OBS, OFF, 40, "mentor", "听李老师三年级《燕子》，生字教学扎实；建议多给学生想象画面、说一说的机会。"),
        Step("04-28", PREP, ON, 45, "mentor", "指导备课《守株待兔》：小古文入门，借助注释和插图读懂故事、明白道理。"),
        Step("05-19", OBS, OFF, 40, "mentee", "听孙老师五年级《月是故乡明》，学习如何引导学生品读语言、体会情感。"),
        Step("06-16", CRIT, OFF, 45, "mentor", "评李老师《蜜蜂》：实验过程梳理清楚，课堂评价语可更具体。"),
        Step("10-13", TALK, ON, 60, "mentor", "专题交流“三年级起步作文：观察日记怎么写”，约定每月交换一次学生日记。", late=3),
    ],
    "bd-wanglei": [
        Step("03-20", OBS, OFF, 40, "mentee", "听徐老师《加法交换律》，学习从生活情境中引出猜想、举例验证。"),
        Step("04-09", CRIT, OFF, 40, "mentor", "评王老师《小数的意义》：计数单位讲得透，练习层次可再拉开。"),
        Step("04-30", PREP, ON, 60, "mentor", "线上指导备课《三角形的内角和》：量、撕、拼、折四种验证方法的取舍。"),
        Step("05-21", DEMO, OFF, 40, "mentor", "在博达上示范课《观察物体（二）》，课后与王老师讨论小组操作的组织。", evidence="《观察物体》示范课现场.png"),
        Step("06-18", TALK, ON, 60, "mentee", "专题交流“期末复习课怎么上”：整理单元知识网络和易错题。"),
        Step("09-17", OBS, OFF, 40, "mentor", "听王老师《亿以内数的认识》，数位顺序表的使用很到位。"),
        Step("10-22", CRIT, OFF, 45, "mentor", "评王老师《三位数乘两位数》：算理与算法结合好，建议增加估算环节。"),
    ],
    "bd-zhaomin": [
        Step("03-25", DEMO, OFF, 40, "mentor", "到博达送教示范课《平均分》，赵老师全程听课并参与课后研讨。"),
        Step("04-21", CRIT, OFF, 40, "mentor", "评赵老师《有余数的除法》：用小棒操作理解余数，建议板书呈现“余数比除数小”的发现过程。"),
        Step("05-14", PREP, ON, 45, "mentor", "线上指导备课《混合运算》：先乘除后加减的道理从解决问题中来。"),
        Step("06-03", CRIT, OFF, 60, "mentor", "评赵老师《克和千克》：称量活动组织有序，单位换算练习偏少。", answer_after=2,
             dispute="6月3日我在嘉兴参加新教师培训，没有上这节课，也没有参加评课，请核对日期或对象。"),
        Step("09-29", OBS, OFF, 40, "mentee", "听徐老师《角的度量》，学习量角器使用的分步指导。"),
        Step("10-27", TALK, ON, 60, "mentor", "专题交流“低年级计算教学中的说理”，两校数学组六位老师线上参加。"),
    ],
    "bd-zhouting": [
        Step("04-16", PREP, ON, 60, "mentor", "线上指导备课《圆柱的表面积》：展开图的推导过程让学生自己完成。"),
        Step("06-11", OBS, OFF, 40, "mentor", "听周老师《比例的意义》，概念辨析清楚，学生练习时间不足。", late=1),
        Step("10-15", CRIT, OFF, 45, "mentor", "评周老师《分数乘整数》：画图表征用得好，建议关注后进生的算法掌握。"),
        Step("11-12", PREP, ON, 60, "mentee", "徐老师线上指导我备《百分数的应用》，修改了例题顺序和课堂练习。", pending=True),
    ],
    "bd-sunli": [
        Step("03-23", OBS, OFF, 40, "mentee", "听徐老师 Unit 1 Welcome back to school!，学习课堂指令语和 TPR 活动的设计。"),
        Step("04-13", CRIT, OFF, 40, "mentor", "评孙老师 Unit 2 My family：歌曲导入生动，句型操练形式可更丰富。"),
        Step("05-11", DEMO, OFF, 40, "mentor", "示范课 Unit 4 Where is my car?，孙老师听课后模仿设计了寻物游戏。"),
        Step("06-08", TALK, ON, 45, "mentee", "专题交流“三年级字母书写与自然拼读”，整理了一学期的书写训练方案。"),
        Step("09-21", PREP, ON, 45, "mentor", "线上指导备课三上 Unit 1 Hello!：起始年级的课堂常规与英语兴趣。"),
        Step("10-26", OBS, OFF, 40, "mentor", "听孙老师 Unit 3 Look at me!，课堂节奏好，学生开口率高。"),
    ],
    "bd-hefang": [
        Step("03-30", OBS, OFF, 40, "mentee", "听徐老师 Unit 1 How tall are you?，学习比较级的情境化教学。"),
        Step("04-27", PREP, ON, 60, "mentor", "线上指导备课 Unit 2 Last weekend：一般过去时的语篇教学设计。"),
        Step("05-25", CRIT, OFF, 40, "mentor", "评何老师 Unit 3 Where did you go?：阅读任务设计合理，板书可体现语篇结构。"),
        Step("06-15", TALK, ON, 60, "mentor", "专题交流“小升初衔接：六年级英语阅读策略”。", evidence="六年级英语阅读策略交流.pdf"),
        Step("10-14", CRIT, OFF, 45, "mentor", "评何老师 Unit 2 Ways to go to school：交通安全话题融入自然。", answer_after=3),
        Step("11-18", DEMO, OFF, 40, "mentor", "示范课 Unit 4 I have a pen pal，何老师带六年级两个班的学生代表听课。", pending=True),
    ],
    "bd-zhuqing": [
        Step("04-08", OBS, OFF, 40, "mentee", "听徐老师 Unit 1 My school，学习用学校平面图组织对话练习。"),
        Step("05-18", PREP, ON, 45, "mentor", "线上指导备课 Unit 3 Weather：天气预报情境下的综合语言运用。"),
        Step("06-22", CRIT, OFF, 40, "mentor", "评朱老师 Unit 5 My clothes：词汇呈现直观，对话输出环节需要更多示范。"),
        Step("10-19", OBS, OFF, 40, "mentor", "听朱老师 Unit 2 My schoolbag，建议增加学生之间的信息差活动。"),
        Step("11-19", TALK, ON, 45, "mentor", "专题交流“四年级英语单元整体教学设计”，约定下次一起研读 Unit 4。", pending=True),
    ],
}
# fmt: on


def _png(width: int = 160, height: int = 120, rgb: tuple[int, int, int] = (214, 228, 240)) -> bytes:
    """A plain picture standing in for a photo taken in the classroom."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str) -> bytes:
    """A one-page PDF standing in for a scanned document."""
    text = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _upload(name: str) -> Upload:
    if name.endswith(".pdf"):
        return Upload(name, "application/pdf", _pdf("Jiaogongti demo: mentoring record"))
    return Upload(name, "image/png", _png())


class MentoringHistory:
    """The pairs and their records as steps in time, replayed in order up to a moment."""

    def __init__(self, runtime: Runtime, community: UUID, users: dict[str, UUID]) -> None:
        self.runtime = runtime
        self.steps: list[tuple[datetime, int, Callable[[], object]]] = []
        mentoring = runtime.services.mentoring
        core_admin = _actor(runtime, users["sl-admin"])
        with history_at(runtime, _at(PAIRED_ON, 2)):  # 10:00 in Haining
            pairs = {
                mentee: mentoring.pair(
                    core_admin,
                    community,
                    mentor_id=users[mentor],
                    mentee_id=users[mentee],
                    paired_on=PAIRED_ON,
                    ends_on=PAIR_ENDS_ON,
                ).id
                for mentor, mentees in MENTEES.items()
                for mentee in mentees
            }
        runtime.catch_up()
        mentor_of = {mentee: mentor for mentor, mentees in MENTEES.items() for mentee in mentees}
        for mentee, steps in RECORDS.items():
            sides = {
                "mentor": _actor(runtime, users[mentor_of[mentee]]),
                "mentee": _actor(runtime, users[mentee]),
            }
            for number, step in enumerate(steps, start=1):
                self._plan(pairs[mentee], str(number), step, sides)

    def _plan(self, pair: UUID, record_id: str, step: Step, sides: dict[str, Actor]) -> None:
        mentoring = self.runtime.services.mentoring
        happened = date.fromisoformat(f"{YEAR}-{step.day}")
        recorded = _at(happened + timedelta(days=step.late), 9)  # 17:00 in Haining
        writer = sides[step.by]
        other = sides["mentee" if step.by == "mentor" else "mentor"]

        def record() -> object:
            return mentoring.record(
                writer,
                pair,
                kind=step.kind,
                mode=step.mode,
                occurred_on=happened,
                minutes=step.minutes,
                summary=step.summary,
                uploads=[_upload(step.evidence)] if step.evidence else [],
            )

        def answer() -> object:
            if step.dispute:
                return mentoring.dispute(other, pair, record_id, comment=step.dispute)
            return mentoring.confirm(other, pair, record_id)

        self.steps.append((recorded, len(self.steps), record))
        if not step.pending:
            answered = recorded + timedelta(days=step.answer_after, hours=4)  # 21:00 that day
            self.steps.append((answered, len(self.steps), answer))

    def replay(self, *, until: datetime) -> None:
        """Run, in time order, every step before ``until`` not run yet."""
        self.steps.sort(key=lambda s: (s[0], s[1]))
        while self.steps and self.steps[0][0] < until:
            moment, _, step = self.steps.pop(0)
            with history_at(self.runtime, moment):
                step()
        self.runtime.catch_up()
