"""Each JSON API operation declared once: who may call it, what it reads, what it answers.

`operation(...)` decorates a view. It authenticates the caller and checks the token's
scope, validates the query string and the JSON body with the pydantic models it names
(the view receives them as `query` and `body`), and records all of it on the view.
`openapi_document` writes the OpenAPI 3.1 document from those records and the app's URL
map, with the models' own JSON Schemas (pydantic's `models_json_schema`): a model is in
the document because it validates, so the two cannot drift apart.

A small registry rather than flask-openapi3, SpecTree or APIFlask (see the README, "API"):
those answer validation failures in their own body, where this API promises RFC 9457
problem documents (400 for unreadable JSON, 422 naming each field), read JSON only with a
JSON content type, cannot take a raw PNG/JPEG body, and flask-openapi3 replaces the Flask
app class and every view's signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import request
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import models_json_schema
from werkzeug.routing import IntegerConverter

from ..errors import InvalidInput, UnreadableJson, validation_errors
from .scopes import DESCRIPTIONS, SCOPES, Scope
from .tokens import authorise

API_PREFIX = "/api/"
ROUTE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class ProblemItem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document, as every error of the API is answered."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[ProblemItem] | None = None


@dataclass(frozen=True)
class Reply:
    """One documented answer of an operation."""

    description: str
    model: type[BaseModel] | None = None
    media: str = "application/json"


@dataclass(frozen=True)
class Operation:
    """What an API view does, as the registry knows it."""

    summary: str
    scope: Scope | None
    responses: dict[int, Reply]
    body: type[BaseModel] | None = None
    raw_body: tuple[str, ...] = ()       # media types of a body that is not JSON (images)
    query: type[BaseModel] | None = None
    station: bool = False                # a packer signed in at a station may call it too
    public: bool = False                 # no authentication at all (the document itself)
    tag: str = "api"
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def operation(summary: str, *, scope: Scope | None = None, responses: dict[int, Reply],
              body: type[BaseModel] | None = None, raw_body: tuple[str, ...] = (),
              query: type[BaseModel] | None = None, station: bool = False,
              public: bool = False, tag: str = "api", description: str = ""):
    """Declare an API view: authorise, validate query and body, and document it."""
    declared = Operation(summary, scope, responses, body, raw_body, query, station, public,
                         tag, description)

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not declared.public:
                authorise(declared.scope, station=declared.station)
            if declared.query is not None:
                kwargs["query"] = _validate(declared.query, request.args.to_dict())
            if declared.body is not None:
                kwargs["body"] = json_body(declared.body)
            return view(*args, **kwargs)

        wrapper.api_operation = declared
        return wrapper

    return decorate


def api_operation(view) -> Operation | None:
    """Return what a view declared with `operation`, or None."""
    return getattr(view, "api_operation", None)


def json_body(model: type[BaseModel]) -> BaseModel:
    """Validate the request's JSON body into `model`; 400 or 422 problem+json otherwise."""
    data = request.get_json(silent=True, force=True)
    if data is None:
        raise UnreadableJson("send a JSON object")
    return _validate(model, data)


def _validate(model: type[BaseModel], data) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput("see errors", errors=validation_errors(error)) from error


# --- the document ---------------------------------------------------------------------

def openapi_document(app, title: str, version: str) -> dict:
    """Return the OpenAPI 3.1 document of every route under /api/ that declared itself."""
    operations = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        declared = api_operation(app.view_functions.get(rule.endpoint))
        if rule.rule.startswith(API_PREFIX) and declared is not None:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                operations.append((rule, method, declared))
    refs, components = _schemas(operations)
    paths: dict[str, dict] = {}
    for rule, method, declared in operations:
        path = ROUTE_ARGUMENT.sub(r"{\1}", rule.rule)
        paths.setdefault(path, {})[method.lower()] = _operation(rule, method, declared, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Errors are RFC 9457 problem documents "
                                "(application/problem+json)."},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "An API token (`flask --app greetings token add NAME --scope …`"
                               " or the console's Access page). Scopes: " + "; ".join(
                                   f"`{scope}`: {DESCRIPTIONS[Scope(scope)]}"
                                   for scope in SCOPES)},
                "station": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "A packer signed in at a packing station "
                                           "(with the page's X-CSRFToken)."}},
        },
    }


def _schemas(operations) -> tuple[dict, dict]:
    """Return ({(model, mode): $ref schema}, the component schemas) of every model used."""
    wanted = {(Problem, "serialization")}
    for _rule, _method, declared in operations:
        if declared.body is not None:
            wanted.add((declared.body, "validation"))
        if declared.query is not None:
            wanted.add((declared.query, "validation"))
        for reply in declared.responses.values():
            if reply.model is not None:
                wanted.add((reply.model, "serialization"))
    ordered = sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, top = models_json_schema(ordered, ref_template="#/components/schemas/{model}")
    return refs, top.get("$defs", {})


def _operation(rule, method: str, declared: Operation, refs: dict) -> dict:
    described = {"operationId": rule.endpoint.replace(".", "_") + "_" + method.lower(),
                 "summary": declared.summary, "tags": [declared.tag]}
    if declared.description:
        described["description"] = declared.description
    parameters = [_path_parameter(name, converter)
                  for name, converter in rule._converters.items()]
    if declared.query is not None:
        parameters += _query_parameters(declared.query, refs)
    if parameters:
        described["parameters"] = parameters
    if declared.body is not None:
        described["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": refs[declared.body, "validation"]}}}
    elif declared.raw_body:
        described["requestBody"] = {"required": True, "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in declared.raw_body}}
    if declared.public:
        described["security"] = []
    else:
        scopes = [declared.scope.value] if declared.scope else []
        described["security"] = [{"bearer": scopes}] + (
            [{"station": []}] if declared.station else [])
    described["responses"] = _responses(rule, declared, refs)
    return described


def _responses(rule, declared: Operation, refs: dict) -> dict:
    problem = {"application/problem+json": {"schema": refs[Problem, "serialization"]}}
    answers = {}
    for status, reply in sorted(declared.responses.items()):
        entry: dict = {"description": reply.description}
        if reply.model is not None:
            entry["content"] = {reply.media: {"schema": refs[reply.model, "serialization"]}}
        elif reply.media != "application/json":
            entry["content"] = {reply.media: {"schema": {"type": "string",
                                                         "format": "binary"}}}
        answers[str(status)] = entry
    common = {}
    if not declared.public:
        common["401"] = "no valid API token"
        common["403"] = "the token lacks the scope"
    if declared.body is not None:
        common["400"] = "the body is not readable JSON"
    if declared.body is not None or declared.query is not None:
        common["422"] = "input failed validation; `errors` names each field"
    if rule.arguments:
        common["404"] = "nothing has this id"
    if declared.body is not None or declared.raw_body:
        common["413"] = "the body is over the route's size limit"
    for status, description in common.items():
        answers.setdefault(status, {"description": description, "content": problem})
    answers["default"] = {"description": "any other error (429, 503 …)", "content": problem}
    return answers


def _path_parameter(name: str, converter) -> dict:
    if isinstance(converter, IntegerConverter):
        schema = {"type": "integer", "minimum": 0}
        if converter.max is not None:
            schema["maximum"] = converter.max
    else:
        schema = {"type": "string"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query_parameters(model: type[BaseModel], refs: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required,
             **({"description": prop["description"]} if "description" in prop else {}),
             "schema": {key: value for key, value in prop.items()
                        if key != "description" and not (key == "default" and value is None)}}
            for name, prop in schema.get("properties", {}).items()]
