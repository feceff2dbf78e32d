"""The API of a community's plans: drafting, revising, submitting and the bureau's review.

Each endpoint parses its input, calls one service method and answers JSON, like ``web.api.views``.
"""

from __future__ import annotations

from functools import partial

from flask import url_for
from flask.typing import ResponseReturnValue

from domain.plan import Task
from projections.communities import PlanRow
from web.api import inputs as i
from web.api.base import actor, done, items, jsonable
from web.api.contract import operation
from web.api.outputs import Done, Open, items_of
from web.current import parse_id, services

plans = partial(operation, tag="plans")


def _tasks(tasks: list[i.TaskInput]) -> list[Task]:
    return [
        Task(
            kind=t.kind,
            target=t.target,
            weight=t.weight,
            counts=t.counts,
            rule=t.rule,
            threshold=t.threshold,
        )
        for t in tasks
    ]


@plans(
    "GET",
    "/communities/<community_id>/plans",
    summary="A community's plans",
    answer=items_of(PlanRow),
)
def list_plans(community_id: str) -> ResponseReturnValue:
    return items(services().plans.plans(actor(), parse_id(community_id)))


@plans(
    "POST",
    "/communities/<community_id>/plans",
    summary="Draft a year's plan",
    body=i.NewPlan,
    answer=Done,
    status=201,
)
def draft_plan(community_id: str, body: i.NewPlan) -> ResponseReturnValue:
    result = services().plans.draft(
        actor(),
        parse_id(community_id),
        year=body.year,
        period_start=body.period_start,
        period_end=body.period_end,
        title=body.title,
        tasks=_tasks(body.tasks),
    )
    return done(result, 201, url_for("api.get_plan", plan_id=result.id))


@plans("GET", "/plans/review", summary="Plans waiting for the bureau's decision", answer=Open)
def plans_to_review() -> ResponseReturnValue:
    lines = services().plans.review_page(actor())
    return items(
        [
            jsonable(line.plan)
            | {"community_name": line.community.name, "core_school": line.core_school}
            for line in lines
        ]
    )


@plans("GET", "/plans/<plan_id>", summary="A plan, its versions and its steps", answer=Open)
def get_plan(plan_id: str) -> ResponseReturnValue:
    page = services().plans.plan_page(actor(), parse_id(plan_id))
    return jsonable(page.plan) | {
        "community_name": page.community.name,
        "core_school": page.core_school,
        "versions": jsonable(page.versions),
        "steps": jsonable(page.steps),
        "deadline": page.deadline.isoformat(),
        "may_edit": page.may_edit,
        "may_submit": page.may_submit,
        "may_decide": page.may_decide,
    }


@plans("PUT", "/plans/<plan_id>/tasks", summary="Revise a plan's tasks", body=i.Tasks, answer=Done)
def revise_plan(plan_id: str, body: i.Tasks) -> ResponseReturnValue:
    return done(services().plans.revise(actor(), parse_id(plan_id), _tasks(body.tasks)))


@plans("POST", "/plans/<plan_id>/submit", summary="Submit a plan to the bureau", answer=Done)
def submit_plan(plan_id: str) -> ResponseReturnValue:
    return done(services().plans.submit(actor(), parse_id(plan_id)))


@plans("POST", "/plans/<plan_id>/approve", summary="Approve a plan", answer=Done)
def approve_plan(plan_id: str) -> ResponseReturnValue:
    return done(services().plans.approve(actor(), parse_id(plan_id)))


@plans(
    "POST",
    "/plans/<plan_id>/return",
    summary="Return a plan with comments",
    body=i.Comments,
    answer=Done,
)
def return_plan(plan_id: str, body: i.Comments) -> ResponseReturnValue:
    return done(services().plans.return_with_comments(actor(), parse_id(plan_id), body.comments))
