"""The demo bureau, modelled on the Haining plan in the seed documents (海宁市狮岭学校 ⇄ 博达学校).

Seeding is idempotent: if the demo bureau admin exists, nothing is written again.
"""

from __future__ import annotations

from domain.roles import Role
from infra.bootstrap import SYSTEM, bootstrap_platform_admin
from infra.demo_history import seed_history
from infra.wiring import Runtime
from services.actor import Actor

DEMO_PASSWORD = "jgt-demo-2026"  # noqa: S105 (published in the README on purpose)

_WEEKDAY_PERIODS = {
    # 狮岭学校: 40-minute lessons from 08:00.
    "SL": [
        ("08:00", "08:40"),
        ("08:50", "09:30"),
        ("09:50", "10:30"),
        ("10:40", "11:20"),
        ("13:30", "14:10"),
        ("14:20", "15:00"),
        ("15:10", "15:50"),
    ],
    # 博达学校 starts ten minutes later: the master timetable has to reconcile the two.
    "BD": [
        ("08:10", "08:50"),
        ("09:00", "09:40"),
        ("10:00", "10:40"),
        ("10:50", "11:30"),
        ("13:40", "14:20"),
        ("14:30", "15:10"),
    ],
}

# code, name, stage, locality, students, classes per grade, bell schedule key
_SCHOOLS = [
    ("SL", "海宁市狮岭学校", "primary", "rural", 960, 3, "SL"),
    ("BD", "海宁市博达学校", "primary", "rural", 420, 2, "BD"),
    ("SY", "海宁市实验小学", "primary", "urban", 1850, 4, "SL"),
    ("YH", "海宁市袁花镇中心小学", "primary", "rural", 610, 2, "BD"),
    ("ZW", "海宁市紫微初级中学", "junior", "urban", 1320, 5, "SL"),
]

# username, name, school, roles, subjects, grades, key level, title
_PEOPLE = [
    ("sl-admin", "贾建飞", "SL", ["school_admin"], [], [], "", "副校长"),
    ("sl-tangmy", "唐旻祎", "SL", ["school_admin", "teacher"], ["语文"], [3], "", "教导主任"),
    ("sl-sunff", "孙飞凤", "SL", ["teacher"], ["语文"], [5], "county", "语文教研组长"),
    ("sl-xujie", "徐洁", "SL", ["teacher"], ["数学"], [4], "county", "一级教师"),
    ("sl-xujing", "徐静", "SL", ["teacher"], ["英语"], [3, 6], "county", "一级教师"),
    ("sl-linxj", "林晓君", "SL", ["teacher"], ["信息技术"], [], "", "信息技术教师"),
    ("bd-admin", "童欢", "BD", ["school_admin"], [], [], "", "副校长"),
    ("bd-xuxr", "徐湘如", "BD", ["school_admin", "teacher"], ["数学"], [4], "", "教导主任"),
    ("bd-fukp", "付开萍", "BD", ["teacher"], ["语文"], [5], "", "二级教师"),
    ("bd-wumd", "吴梦丹", "BD", ["teacher"], ["信息技术"], [], "", "信息技术教师"),
    ("bd-chenyu", "陈雨", "BD", ["teacher"], ["语文"], [5], "", "二级教师"),
    ("bd-lijia", "李佳", "BD", ["teacher"], ["语文"], [3], "", "二级教师"),
    ("bd-wanglei", "王磊", "BD", ["teacher"], ["数学"], [4], "", "一级教师"),
    ("bd-zhaomin", "赵敏", "BD", ["teacher"], ["数学"], [2], "", "二级教师"),
    ("bd-zhouting", "周婷", "BD", ["teacher"], ["数学"], [6], "", "二级教师"),
    ("bd-sunli", "孙丽", "BD", ["teacher"], ["英语"], [3], "", "二级教师"),
    ("bd-hefang", "何芳", "BD", ["teacher"], ["英语"], [6], "", "二级教师"),
    ("bd-zhuqing", "朱青", "BD", ["teacher"], ["英语"], [4], "", "二级教师"),
    ("sy-admin", "沈校长", "SY", ["school_admin"], [], [], "", "校长"),
    ("sy-jiangh", "蒋华", "SY", ["teacher"], ["科学"], [5, 6], "city", "高级教师"),
    ("yh-admin", "钱校长", "YH", ["school_admin"], [], [], "", "校长"),
    ("zw-admin", "褚校长", "ZW", ["school_admin"], [], [], "", "校长"),
]


def _bell_schedule(key: str) -> list[dict[str, object]]:
    return [
        {"weekday": day, "number": n, "start": start, "end": end}
        for day in range(1, 6)
        for n, (start, end) in enumerate(_WEEKDAY_PERIODS[key], start=1)
    ]


def seed_demo(runtime: Runtime) -> list[tuple[str, str]]:
    """Create the demo bureau once; return the demo logins with what each can do."""
    logins = [
        ("platform", "平台管理员 / platform admin"),
        ("hn-admin", "教育局管理员 / bureau admin"),
        ("hn-monitor", "教育局督导 / bureau monitor"),
        ("sl-admin", "狮岭学校管理员 / school admin (core school)"),
        ("bd-admin", "博达学校管理员 / school admin (member school)"),
        ("sl-sunff", "孙飞凤, 教师 / teacher"),
        ("bd-fukp", "付开萍, 教师 / teacher"),
    ]
    people, org = runtime.services.people, runtime.services.organisation
    if people.username_taken("hn-admin"):
        return logins

    if not people.username_taken("platform"):
        bootstrap_platform_admin(runtime, "platform", "平台管理员", DEMO_PASSWORD)
    tenant = org.register_tenant(SYSTEM, name="海宁市教育局", region="浙江省嘉兴市海宁市")
    admin_done = people.register_user(
        SYSTEM,
        tenant_id=tenant.id,
        username="hn-admin",
        display_name="教育局基础教育科",
        password=DEMO_PASSWORD,
        roles=[Role.BUREAU_ADMIN],
    )
    admin = Actor(user_id=admin_done.id, tenant_id=tenant.id, roles=frozenset({Role.BUREAU_ADMIN}))
    people.register_user(
        admin,
        username="hn-monitor",
        display_name="教育局督导室",
        password=DEMO_PASSWORD,
        roles=[Role.BUREAU_MONITOR],
    )
    people.register_user(
        admin,
        username="hn-jiaoyan",
        display_name="市教研室 林老师",
        password=DEMO_PASSWORD,
        roles=[Role.EXPERT],
        subjects=["语文"],
    )
    school_ids = {}
    for code, name, stage, locality, students, per_grade, bells in _SCHOOLS:
        school = org.register_school(
            admin,
            name=name,
            code=f"HN-{code}",
            stage=stage,
            locality=locality,
            student_count=students,
        )
        school_ids[code] = school.id
        grades = list(range(1, 7) if stage == "primary" else range(7, 10))
        for grade in grades:
            for n in range(1, per_grade + 1):
                org.open_class(admin, school.id, grade=grade, name=f"{n}班")
        org.set_bell_schedule(admin, school.id, _bell_schedule(bells))
    users = {"hn-admin": admin_done.id}
    for username, name, code, roles, subjects, grades, level, title in _PEOPLE:
        users[username] = people.register_user(
            admin,
            username=username,
            display_name=name,
            password=DEMO_PASSWORD,
            roles=roles,
            school_id=school_ids[code],
            subjects=subjects,
            grades=grades,
            key_level=level,
            title=title,
        ).id
    runtime.catch_up()
    seed_history(runtime, admin, school_ids, users)
    return logins
