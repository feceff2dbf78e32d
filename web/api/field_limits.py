"""The domain's field limits, declared in the OpenAPI document (maxLength, minimum, maximum, …).

The numbers come from ``domain.fields``, so the document says what the commands check and
cannot drift from it.
"""

from __future__ import annotations

from typing import Any

from domain import fields as f

Field = f.Text | f.Whole | f.Number | f.Items

#: Request schema → property → the field the command checks it with.
LIMITS: dict[str, dict[str, Field]] = {
    "NewTenant": {"name": f.BUREAU_NAME, "region": f.REGION},
    "NewSchool": {"name": f.SCHOOL_NAME, "student_count": f.STUDENT_COUNT},
    "SchoolDetails": {"name": f.SCHOOL_NAME, "student_count": f.STUDENT_COUNT},
    "NewClass": {"name": f.CLASS_NAME, "grade": f.GRADE},
    "Period": {"number": f.PERIOD_NUMBER},
    "BellSchedule": {"periods": f.PERIODS},
    "NewPerson": {"display_name": f.PERSON_NAME},
    **{
        schema: {
            "display_name": f.PERSON_NAME,
            "title": f.JOB_TITLE,
            "subjects": f.SUBJECT_LIST,
            "grades": f.GRADE_LIST,
        }
        for schema in ("NewSchoolStaff", "NewBureauStaff", "Profile")
    },
    "Deactivation": {"reason": f.DEACTIVATION_REASON},
    "NewCommunity": {
        "name": f.COMMUNITY_NAME,
        "round_start_year": f.ROUND_YEAR,
        "round_end_year": f.ROUND_YEAR,
    },
    "Leaving": {"reason": f.LEAVING_REASON},
    "Reason": {"reason": f.WITHDRAWAL_REASON},
    "Comments": {"comments": f.COMMENTS},
    "NewPlan": {"year": f.PLAN_YEAR, "title": f.PLAN_TITLE, "tasks": f.TASKS},
    "Tasks": {"tasks": f.TASKS},
    "Task": {
        "target": f.TARGET,
        "weight": f.WEIGHT,
        "counts": f.TASK_COUNTS,
        "threshold": f.THRESHOLD,
    },
    "NewActivity": {"title": f.ACTIVITY_TITLE, "participant_ids": f.PARTICIPANTS},
    "SealRequest": {"year": f.YEAR, "quarter": f.QUARTER},
    "NewApplication": {"needs": f.NEEDS, "subjects": f.SUBJECT_LIST},
    "Assignment": {"round_start_year": f.ROUND_YEAR, "round_end_year": f.ROUND_YEAR},
    "CommunityType": {"key": f.TYPE_KEY, "name": f.TYPE_NAME, "max_schools": f.MAX_SCHOOLS},
    "PlanYear": {
        "checkpoints": f.CHECKPOINTS,
        "shadow_placement_days": f.PLACEMENT_DAYS,
        "mentor_max_mentees": f.MENTEE_LIMIT,
    },
    "NewMentoringRecord": {"minutes": f.MINUTES, "summary": f.MENTORING_SUMMARY},
    "Dispute": {"comment": f.DISPUTE_COMMENT},
    "PairEnd": {"reason": f.ENDING_REASON},
}


def declared(field: Field) -> dict[str, Any]:
    """The JSON Schema keywords of one field's limits."""
    if isinstance(field, f.Text):
        found: dict[str, Any] = {"maxLength": field.max_length}
        if field.min_length:
            found["minLength"] = field.min_length
        return found
    if isinstance(field, f.Whole):
        return {"minimum": field.minimum, "maximum": field.maximum}
    if isinstance(field, f.Number):
        return {
            "minimum": field.minimum,
            "maximum": field.maximum,
            "exclusiveMinimum": field.above_minimum,
        }
    found = {"maxItems": field.max_items}
    if field.min_items:
        found["minItems"] = field.min_items
    return found


def declare_limits(schemas: dict[str, Any]) -> None:
    """Add each limited property's keywords to the document's component schemas."""
    for schema, properties in LIMITS.items():
        for name, field in properties.items():
            found = schemas[schema]["properties"]
            # A copy: property schemas such as a plain string are shared between schemas.
            found[name] = {**found[name], **declared(field)}
