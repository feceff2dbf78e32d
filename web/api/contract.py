"""Each API operation declared once, with its input and its answer as typed models.

``@operation`` registers a view on the blueprint and records what it takes (path parameters, a
query model, a body model) and what it answers. The request is validated against those models
before the view runs, and ``web.api.document`` writes the OpenAPI document from the same records,
so what the document says and what the code accepts cannot drift apart.

Validation keeps the API's error format: a value of the wrong type, or a missing one, is a 400
naming the field; a value of the right type that breaks a limit of ``domain.fields`` is a 422 with
the domain's own reason. A JSON ``null`` in a body counts as leaving the field out, as it always did.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic import ValidationError as PydanticValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from domain import fields as f
from domain.base import DomainError
from web.api.base import InvalidInput, RuleBroken, bp, strict_json

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])
Limit = f.Text | f.Whole | f.Number | f.Items | f.Day

JSON = "application/json"
UUID_PATH: dict[str, Any] = {"type": "string", "format": "uuid"}


class Input(BaseModel):
    """A request body: exact JSON types (no ``"1"`` for 1), unknown fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Query(BaseModel):
    """Query parameters: text converted to the declared type; empty values are refused."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_min_length=1)


@dataclass(frozen=True)
class Checked:
    """``Annotated[str, Checked(fields.SCHOOL_NAME)]``: the domain field checks the value, and
    its limits are declared in the document (maxLength, minimum, …) with its bilingual name."""

    limit: Limit

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: Any) -> Any:
        try:
            self.limit.check(value)
        except DomainError as exc:
            raise PydanticCustomError("limit", "{reason}", {"reason": str(exc)}) from exc
        return value  # the command normalises it again: the domain stays the authority

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        found = handler(schema)
        found.update(declared(self.limit))
        found.setdefault("description", f"{self.limit.zh} / {self.limit.en}")
        return found


def declared(limit: Limit) -> dict[str, Any]:
    """The JSON Schema (2020-12, as OpenAPI 3.1 uses) keywords of one field's limits."""
    if isinstance(limit, f.Text):
        found: dict[str, Any] = {"maxLength": limit.max_length}
        if limit.min_length:
            found["minLength"] = limit.min_length
        return found
    if isinstance(limit, f.Whole):
        return {"minimum": limit.minimum, "maximum": limit.maximum}
    if isinstance(limit, f.Number):
        low = "exclusiveMinimum" if limit.above_minimum else "minimum"
        return {low: limit.minimum, "maximum": limit.maximum}
    if isinstance(limit, f.Day):
        return {"description": f"{limit.zh} / {limit.en} ({f.FIRST_YEAR}–{f.LAST_YEAR})"}
    found = {"maxItems": limit.max_items}
    if limit.min_items:
        found["minItems"] = limit.min_items
    return found


# Operations ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    answer: Any
    status: int
    body: type[Input] | None
    query: type[Query] | None
    path: Mapping[str, dict[str, Any]]
    errors: frozenset[int]
    public: bool
    body_required: bool
    multipart: bool
    media: str
    description: str
    location: bool = field(default=False)


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    answer: Any,
    status: int = 200,
    body: type[Input] | None = None,
    query: type[Query] | None = None,
    path: Mapping[str, dict[str, Any]] | None = None,
    errors: tuple[int, ...] = (),
    public: bool = False,
    body_required: bool = True,
    multipart: bool = False,
    media: str = JSON,
    description: str = "",
) -> Callable[[View], View]:
    """Register the view for ``method rule`` and record its contract.

    The view receives the path's parameters as text (``web.current.parse_id`` answers 404 for a
    malformed id, like an unknown one), and ``body=`` / ``query=`` as validated models.
    """

    def register(view: View) -> View:
        found = Operation(
            method=method.lower(),
            rule=rule,
            endpoint=view.__name__,
            summary=summary,
            tag=tag,
            answer=answer,
            status=status,
            body=body,
            query=query,
            path=dict(path or {}),
            errors=frozenset(errors),
            public=public,
            body_required=body_required,
            multipart=multipart,
            media=media,
            description=description or (view.__doc__ or "").strip(),
            location=status == 201,
        )
        OPERATIONS.append(found)

        @functools.wraps(view)
        def endpoint(**path_values: str) -> ResponseReturnValue:
            given: dict[str, Any] = dict(path_values)
            if query is not None:
                given["query"] = read_query(query)
            if body is not None:
                given["body"] = read_body(body, required=body_required, multipart=multipart)
            return view(**given)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=endpoint, methods=[method])
        return view

    return register


# Reading and validating ------------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def read_body(model: type[M], *, required: bool = True, multipart: bool = False) -> M:
    """The JSON body (or a multipart request's ``json`` part) as ``model``."""
    if multipart and request.mimetype == "multipart/form-data":
        data = strict_json(request.form.get("json", ""), "json")
    elif not required and not request.get_data():
        data = {}
    elif request.is_json:
        data = strict_json(request.get_data(cache=True), "body")
    else:
        data = None
    if not isinstance(data, dict):
        where = "json" if multipart and request.mimetype == "multipart/form-data" else "body"
        raise InvalidInput(where, "请求体应为JSON对象 / The body must be a JSON object")
    try:
        return model.model_validate_json(json.dumps(_without_nulls(data)), strict=True)
    except PydanticValidationError as exc:
        raise _refusal(exc, limits_are_rules=True) from exc


def read_query(model: type[M]) -> M:
    try:
        return model.model_validate(request.args.to_dict())
    except PydanticValidationError as exc:
        raise _refusal(exc, limits_are_rules=False) from exc


def validate_part(model: type[M], data: dict[str, Any], where: str) -> M:
    """A nested object whose shape depends on another field (an activity's ``details``)."""
    try:
        return model.model_validate_json(json.dumps(_without_nulls(data), default=str), strict=True)
    except PydanticValidationError as exc:
        refusal = _refusal(exc, limits_are_rules=True)
        field_name = f"{where}.{getattr(refusal, 'field', '')}"
        kind = type(refusal)
        raise kind(field_name, str(refusal)) from exc


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


#: Errors of a value of the right type that breaks a limit or a list of allowed values: 422.
_RULES = frozenset(
    {
        "limit",
        "enum",
        "literal_error",
        "string_pattern_mismatch",
        "string_too_short",
        "string_too_long",
        "too_short",
        "too_long",
    }
)

_REASONS = {
    "missing": "缺少此字段 / This field is required",
    "string_type": "应为字符串 / Must be a string",
    "int_type": "应为整数 / Must be an integer",
    "int_parsing": "应为整数 / Must be an integer",
    "int_from_float": "应为整数 / Must be an integer",
    "float_type": "应为数字 / Must be a number",
    "float_parsing": "应为数字 / Must be a number",
    "bool_type": "应为布尔值 / Must be true or false",
    "bool_parsing": "应为布尔值 / Must be true or false",
    "list_type": "应为数组 / Must be an array",
    "dict_type": "应为对象 / Must be an object",
    "model_type": "应为对象 / Must be an object",
    "model_attributes_type": "应为对象 / Must be an object",
    "uuid_type": "应为UUID / Must be a UUID",
    "uuid_parsing": "应为UUID / Must be a UUID",
    "date_type": "应为日期 YYYY-MM-DD / Must be a date YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD / Must be a date YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD / Must be a date YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期 YYYY-MM-DD / Must be a date YYYY-MM-DD",
    "datetime_type": "应为ISO 8601日期或时间 / Must be an ISO 8601 date or date-time",
    "datetime_parsing": "应为ISO 8601日期或时间 / Must be an ISO 8601 date or date-time",
    "datetime_from_date_parsing": "应为ISO 8601日期或时间 / Must be an ISO 8601 date or date-time",
}


def _refusal(exc: PydanticValidationError, *, limits_are_rules: bool) -> Exception:
    """The first malformed value as a 400; if every value is well formed, the first broken
    rule as a 422 (in a query, where nothing reaches a command, every refusal is a 400)."""
    errors = exc.errors(include_url=False)
    malformed = [e for e in errors if e["type"] not in _RULES]
    first = (malformed or errors)[0]
    name = _field_name(first["loc"])
    reason = _reason(first)
    if malformed or not limits_are_rules:
        return InvalidInput(name, reason)
    return RuleBroken(name, reason)


def _field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        elif not part.startswith(("function-", "json-or-python", "lax-or-strict")):
            name += f".{part}" if name else part
    return name or "body"


def _reason(error: Any) -> str:
    kind = error["type"]
    if kind == "limit":
        return str(error["ctx"]["reason"])
    if kind in {"enum", "literal_error", "not_one_of"}:
        expected = error.get("ctx", {}).get("expected", "")
        return f"应为以下之一 / Must be one of: {expected}"
    if kind in {"string_too_short", "too_short"}:
        least = error["ctx"].get("min_length", 1)
        if least <= 1:
            return "不能为空 / Must not be empty"
        return f"至少{least}个 / At least {least}"
    if kind in {"string_too_long", "too_long"}:
        most = error["ctx"].get("max_length")
        return f"至多{most}个 / At most {most}"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        limit = next(iter(error["ctx"].values()))
        return f"超出范围 / Out of range ({kind.replace('_', ' ')} {limit})"
    if kind == "string_pattern_mismatch":
        return f"格式不正确 / Must match {error['ctx']['pattern']}"
    return _REASONS.get(kind, "格式不正确 / Malformed value")


@dataclass(frozen=True)
class OneOf:
    """``Annotated[str, OneOf(Stage)]``: exactly these values (422 otherwise), listed as the
    schema's ``enum``."""

    values: tuple[str, ...]
    #: A value outside them is malformed (400) rather than a broken rule (422).
    malformed: bool = False

    @classmethod
    def of(cls, values: Iterable[str], *, malformed: bool = False) -> OneOf:
        return cls(tuple(str(v) for v in values), malformed)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: str) -> str:
        if value not in self.values:
            raise PydanticCustomError(
                "not_one_of" if self.malformed else "enum",
                "{expected}",
                {"expected": ", ".join(repr(v) for v in self.values)},
            )
        return value

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        found = handler(schema)
        found["enum"] = list(self.values)
        return found
