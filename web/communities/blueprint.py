"""The communities blueprint: its URL prefix, the names its pages show, its template filters and
the hooks every community page goes through (signed in; evidence may be large)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, request
from flask_login import login_required

from domain.activity import OUTPUT_LEVELS
from domain.counting import TASK_KIND_NAMES, TaskKind
from domain.plan import Rule
from domain.user import SUBJECTS
from services.evidence import ALLOWED_TYPES, MAX_EVIDENCE_BYTES
from web import labels
from web.i18n import bilingual

bp = Blueprint("communities", __name__, url_prefix="/communities")
labels.register(bp)

#: A request that carries evidence may hold one file of the largest allowed size, and a form.
EVIDENCE_REQUEST_BYTES = MAX_EVIDENCE_BYTES + 1024 * 1024
#: Checkpoint rows the settings form offers (the default year has four).
CHECKPOINT_ROWS = 6

TASK_NAMES: dict[str, str] = {str(k): v for k, v in TASK_KIND_NAMES.items()}
PLAN_STATUS = {
    "draft": "草稿 / Draft",
    "submitted": "已提交 / Submitted",
    "returned": "已退回 / Returned",
    "approved": "已批准 / Approved",
}
PROGRESS_STATUS = {
    "no_plan": "无已批准计划 / No approved plan",
    "met": "已完成 / Done",
    "on_track": "正常 / On track",
    "warning": "预警 / At risk",
    "behind": "滞后 / Behind",
}
OUTPUT_LEVEL_NAMES = {
    "school": "校级 / School",
    "county": "县级 / County",
    "city": "市级 / City",
    "province": "省级 / Provincial",
    "national": "国家级 / National",
}
RULES: dict[str, str] = {
    Rule.SUM: "累计次数 / Count of records",
    Rule.UNITS: "达标单位数 / Units reaching a threshold",
}
APPLICATION_STATUS = {
    "open": "待处理 / Open",
    "assigned": "已指定帮扶校 / Helper assigned",
    "declined": "未通过 / Declined",
}
PLAN_STEPS = {
    "Drafted": "起草 / Drafted",
    "TasksRevised": "修改任务 / Tasks revised",
    "Submitted": "提交审核 / Submitted",
    "Returned": "退回 / Returned",
    "Approved": "批准 / Approved",
}
#: What counts, in words a plan would use (DOMAIN.md), to start a draft from.
COUNTS = {
    TaskKind.SYNC_CLASS: "按时开课并记录各接收班出勤",
    TaskKind.ONLINE_RESEARCH: "按计划开展，有参与教师签到",
    TaskKind.OFFLINE_RESEARCH: "按计划开展，有参与教师",
    TaskKind.MENTORING: "每对师徒全年不少于5次双方确认的活动",
    TaskKind.SHADOW_PLACEMENT: "成员校教师到核心校跟岗满规定天数",
    TaskKind.DEMO_LESSON: "送教到校并完成授课",
    TaskKind.EXTENSION_COURSE: "课程已共享并正常开设",
    TaskKind.STUDENT_EXCHANGE: "每学期至少1次，记录参与人数",
    TaskKind.RESEARCH_OUTPUT: "论文、案例或信息报道已发表",
    TaskKind.RECORDED_CLASS: "录制课已共享并由成员校班级使用",
}
#: Mentoring counts pairs with at least five confirmed activities; everything else counts records.
DEFAULT_RULES: dict[str, tuple[str, int]] = {TaskKind.MENTORING: (Rule.UNITS, 5)}


def _pick(table: Mapping[str, str], key: object) -> str:
    return bilingual(table[str(key)]) if str(key) in table else str(key)


FILTERS: dict[str, Callable[[Any], str]] = {
    "task_kind": lambda k: _pick(TASK_NAMES, k),
    "plan_status": lambda s: _pick(PLAN_STATUS, s),
    "progress_status": lambda s: _pick(PROGRESS_STATUS, s),
    "output_level": lambda s: _pick(OUTPUT_LEVEL_NAMES, s),
    "counting_rule": lambda s: _pick(RULES, s),
    "application_status": lambda s: _pick(APPLICATION_STATUS, s),
    "plan_step": lambda s: _pick(PLAN_STEPS, s),
    "fraction_percent": lambda f: "—" if f is None else f"{f * 100:.0f}%",
}


@bp.record_once
def _filters(state: Any) -> None:
    for name, function in FILTERS.items():
        state.app.jinja_env.filters.setdefault(name, function)


@bp.context_processor
def _choices() -> dict[str, Any]:
    return {
        "task_kinds": list(TASK_KIND_NAMES),
        "output_levels": OUTPUT_LEVELS,
        "rules": list(RULES),
        "all_subjects": SUBJECTS,
        "evidence_types": ",".join(
            sorted({*ALLOWED_TYPES, *ALLOWED_TYPES.values()}, key=lambda t: (t[0] != ".", t))
        ),
        "evidence_mb": MAX_EVIDENCE_BYTES // (1024 * 1024),
    }


@bp.url_value_preprocessor
def _evidence_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Evidence (photos, documents) may be larger than the app's general request limit.

    This runs before every ``before_request`` function, so before the CSRF check reads the form.
    """
    if endpoint in ("communities.record", "communities.attach_evidence"):
        request.max_content_length = EVIDENCE_REQUEST_BYTES


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every community page needs a signed-in user; the services decide what each may do."""
