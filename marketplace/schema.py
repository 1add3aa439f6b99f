"""The OpenAPI document's refusals, written once for every operation.

Every refusal has one shape (shared/API.md, marketplace.api.exception_handler):
this hook adds it as the `Error` component and documents, on each operation,
the refusals that operation can answer. Views document only their successes
(and any refusal they describe more precisely themselves).
"""

_ERROR = {
    "type": "object",
    "description": "A refusal: a stable `code` and a human sentence saying why.",
    "properties": {
        "code": {"type": "string", "example": "validation_failed"},
        "detail": {"type": "string"},
        "fields": {
            "type": "object",
            "description": "validation_failed: the messages for each field that is not valid.",
            "additionalProperties": {},
        },
        "violations": {
            "type": "array",
            "description": "rule_violation: the community rules the request breaks.",
            "items": {
                "type": "object",
                "properties": {
                    "rule": {"type": "string"},
                    "community": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["rule", "message"],
            },
        },
        "retry_after": {
            "type": "integer",
            "description": "rate_limited: seconds to wait before asking again.",
        },
    },
    "required": ["code", "detail"],
}

_DESCRIPTIONS = {
    "400": "validation_failed: the request is not valid (see `fields`).",
    "401": "not_authenticated: sign in first, or the session token is not valid.",
    "403": "forbidden: the caller may not do this.",
    "404": "not_found: no such thing, or the caller may not see it.",
    "409": "conflict: booking_conflict, invalid_transition or another clash with the "
           "current state.",
    "422": "rule_violation: a community rule refuses (see `violations`).",
    "429": "rate_limited: too many requests (see `retry_after`).",
}

_WRITES = {"post", "put", "patch", "delete"}
_METHODS = _WRITES | {"get", "head", "options", "trace"}


def _refusals(method: str, operation: dict) -> list[str]:
    """The refusals an operation can answer: every one can be malformed, lack
    or carry a bad session, be forbidden and be throttled; one with
    parameters (a path, a page, a community to filter by) or a body can name
    what does not exist (or is not shown); a write can clash with the
    current state or break a community rule."""
    codes = ["400", "401", "403", "429"]
    if operation.get("parameters") or method in _WRITES:
        codes.append("404")
    if method in _WRITES:
        codes += ["409", "422"]
    return codes


def _json_bodies_only(operation: dict) -> None:
    """Bodies are JSON (shared/API.md); uploads alone are multipart. DRF's
    form parsers stay for the browsable API, but are no part of the
    contract: an operation that takes JSON is documented with JSON only."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        for media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            content.pop(media_type, None)


def document_refusals(result, generator, request, public):
    """drf-spectacular postprocessing hook: the Error component, and each
    operation's refusals in its shape."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = _ERROR
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            _json_bodies_only(operation)
            responses = operation.setdefault("responses", {})
            for code in _refusals(method, operation):
                responses.setdefault(code, {
                    "content": {"application/json": {"schema": ref}},
                    "description": _DESCRIPTIONS[code],
                })
            operation["responses"] = dict(sorted(responses.items()))
    return result
