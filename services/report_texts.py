"""The words of the progress pages and the quarterly report: status and quarter names, percentages,
dates, forecasts and amendments, and the report's title and cells.

Texts that mix fixed words with names come in one language at a time (``english``), because a name may
itself contain " / "; fixed labels are "中文 / English" like the domain's messages."""

from __future__ import annotations

from datetime import date

from domain.counting import TASK_KIND_NAMES
from services.progress import (
    Amendment,
    CommunityFigures,
    NotCounted,
    Status,
)
from services.quarterly_report import QuarterReport, Reached, ReportRow, YearReport

#: The statuses in the order the dashboard counts them.
STATUSES = (Status.MET, Status.ON_TRACK, Status.WARNING, Status.BEHIND, Status.NO_PLAN)
#: The order the dashboard lists communities in: those that need attention first.
ATTENTION = (Status.BEHIND, Status.WARNING, Status.ON_TRACK, Status.MET, Status.NO_PLAN)
STATUS_NAMES = {
    Status.MET: "达标 / Met",
    Status.ON_TRACK: "进度正常 / On track",
    Status.WARNING: "预警 / Warning",
    Status.BEHIND: "落后 / Behind",
    Status.NO_PLAN: "无计划 / No plan",
}
NOT_COUNTED_NAMES = {
    NotCounted.NO_PLAN: "没有已批准的计划 / No approved plan",
    NotCounted.NOT_IN_PLAN: "计划中没有此项任务 / Not a task of the plan",
    NotCounted.OUTSIDE_PERIOD: "不在计划期内 / Outside the plan period",
    NotCounted.NOT_A_MEMBER: "当天该校不是成员校 / The school was not a member that day",
}
QUARTER_NAMES = {1: "一季度 / Q1", 2: "二季度 / Q2", 3: "三季度 / Q3", 4: "四季度 / Q4"}
#: The columns of a 民生实事 quarterly table.
REPORT_COLUMNS = (
    "工作任务 / Task",
    "责任单位 / Responsible schools",
    "季度目标 / Quarter target",
    "进展情况 / Progress",
    "目标完成情况 / Target reached",
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pick(text: str, english: bool) -> str:
    """The half of a "中文 / English" label in the language asked for."""
    if " / " not in text:
        return text
    chinese, other = text.split(" / ", 1)
    return other if english else chinese


def percent_text(value: float | None) -> str:
    """A percentage as every page and the report print it: 40%, 56.2%, or — when there is none."""
    if value is None:
        return "—"
    value = round(value, 1)
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def fraction_text(fraction: float | None) -> str:
    return percent_text(None if fraction is None else fraction * 100)


def day_text(day: date, english: bool) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]}" if english else f"{day.month}月{day.day}日"


def quarter_name(quarter: int, english: bool) -> str:
    return pick(QUARTER_NAMES.get(quarter, f"第{quarter}检查点 / Checkpoint {quarter}"), english)


def task_name(kind: str, english: bool) -> str:
    return pick(TASK_KIND_NAMES.get(kind, kind), english)  # type: ignore[call-overload]


def forecast_text(figures: CommunityFigures, english: bool) -> str:
    """按当前进度，到6月30日将达到52% — or nothing once every checkpoint has passed."""
    outlook = figures.forecast
    if outlook is None:
        return ""
    projected = percent_text(round(outlook.projected * 100, 1))
    if english:
        return f"At the current pace: {projected} by {day_text(outlook.due, True)}"
    return f"按当前进度，到{day_text(outlook.due, False)}将达到{projected}"


def amendment_text(amendment: Amendment, english: bool) -> str:
    """一季度封存时为38%，现为41%：封存后补录3条记录."""
    quarter = quarter_name(amendment.quarter, english)
    sealed, now = percent_text(amendment.sealed_percent), percent_text(amendment.now_percent)
    n = amendment.late_records
    if english:
        why = (
            f"{n} record{'s' if n != 1 else ''} entered after the seal"
            if n
            else "corrected after the seal"
        )
        return f"{quarter} sealed at {sealed}; now {now}: {why}"
    why = f"封存后补录{n}条记录" if n else "封存后有更正"
    return f"{quarter}封存时为{sealed}，现为{now}：{why}"


def report_title(report: YearReport, quarter: QuarterReport, english: bool) -> str:
    name = quarter_name(quarter.quarter, english)
    if english:
        return f"{report.tenant_name}: education communities, {report.year} {name} progress"
    return f"{report.tenant_name}{report.year}年民生实事·教共体建设{name}进展情况表"


def report_subtitle(report: YearReport, quarter: QuarterReport, english: bool) -> str:
    required = fraction_text(quarter.required)
    due = quarter.due.isoformat()
    if english:
        text = f"Checkpoint {due}: {required} of the year's tasks done. Printed {report.today}."
        if quarter.sealed_at:
            text += f" Sealed on {quarter.sealed_at.date().isoformat()}."
        return text
    text = f"检查点：{due}，累计完成{required}。填报日期：{report.today.isoformat()}。"
    if quarter.sealed_at:
        text += f"已于{quarter.sealed_at.date().isoformat()}封存。"
    return text


def report_cells(row: ReportRow, quarter: QuarterReport, english: bool) -> list[str]:
    """The five cells of a community's row in a quarterly table, in one language."""
    line, figures = row.line, row.line.figures
    plan = figures.plan
    kind = pick(line.kind_name, english)
    lines = [f"{line.community.name} ({kind})" if english else f"{line.community.name}（{kind}）"]
    if plan is not None:
        period = f"{plan.period_start.isoformat()} – {plan.period_end.isoformat()}"
        lines.append(f"{plan.title} ({period})" if english else f"{plan.title}（{period}）")
    else:
        lines.append("No approved plan" if english else "尚无已批准的年度计划")
    task = "\n".join(lines)

    members = "、".join(line.members_on(quarter.as_of)) or "—"
    if english:
        members = members.replace("、", ", ")
        schools = f"Core school: {line.core_school}\nMember schools: {members}"
    else:
        schools = f"核心校：{line.core_school}\n成员校：{members}"

    targets = [f"{task_name(t.kind, english)} {t.target}" for t in line.tasks]
    required = fraction_text(quarter.required if row.required is None else row.required)
    if english:
        goal = f"{required} of the year's tasks by {day_text(quarter.due, True)}"
        goal += "\nYear targets:\n" + "\n".join(targets) if targets else ""
    else:
        goal = f"截至{day_text(quarter.due, False)}累计完成{required}"
        goal += "\n全年目标：\n" + "\n".join(targets) if targets else ""

    when = day_text(quarter.as_of, english)
    done = [f"{task_name(t.kind, english)} {t.done}/{t.target}" for t in line.tasks]
    if plan is None:
        progress = "—"
    elif english:
        progress = f"As of {when}" + ("" if quarter.is_due else " (not yet due)") + ":\n"
        progress += "\n".join(done)
    else:
        progress = (
            f"截至{when}" + ("" if quarter.is_due else "（未到期）") + "：\n" + "\n".join(done)
        )

    reached = _reached_text(row, english)
    return [task, schools, goal, progress, reached]


def _reached_text(row: ReportRow, english: bool) -> str:
    percent = percent_text(row.percent)
    if row.reached == Reached.NO_PLAN:
        return "No approved plan" if english else "无已批准的年度计划"
    if row.reached == Reached.NOT_DUE:
        return f"Not yet due\nSo far {percent}" if english else f"未到期\n目前完成{percent}"
    if row.sealed_percent is not None:
        sealed = percent_text(row.sealed_percent)
        verdict = _verdict(bool(row.sealed_met), english)
        text = f"Sealed at {sealed}: {verdict}" if english else f"封存时完成{sealed}，{verdict}"
        if row.amendment is not None:
            text += "\n" + amendment_text(row.amendment, english)
        return text
    verdict = _verdict(row.reached == Reached.MET, english)
    return f"{percent} done: {verdict}" if english else f"完成{percent}，{verdict}"


def _verdict(met: bool, english: bool) -> str:
    if english:
        return "met" if met else "not met"
    return "达标" if met else "未达标"
