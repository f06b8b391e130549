"""Every operation of the OpenAPI document carries examples, each valid against its schema.

No database: the document is built in-process. Examples are validated as JSON Schema 2020-12
(OpenAPI 3.1), with `$ref`s resolved against the whole document and formats asserted.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote

import jsonschema_rs

from contactapi.app import openapi_document

DOCUMENT_URI = "urn:contactapi:openapi"
# Operations described by contacts/docs.py, whose examples come separately.
CONTACTS_TAG = "Contacts"


def _pointer(*parts: str) -> str:
    """A URI fragment holding the JSON pointer (path templates' braces percent-encoded)."""
    return "#/" + "/".join(quote(part.replace("~", "~0").replace("/", "~1")) for part in parts)


def example_problems(document: dict[str, Any], *, skip_tags: frozenset[str]) -> list[str]:
    """Each missing or invalid example of the document's operations, as a readable line;
    `/health` and the operations tagged with one of `skip_tags` are not checked."""
    registry = jsonschema_rs.Registry([(DOCUMENT_URI, document)], draft=jsonschema_rs.Draft202012)
    problems: list[str] = []

    def check(media: dict[str, Any], where: str, *pointer: str) -> None:
        if "example" not in media:
            problems.append(f"{where}: no example")
            return
        validator = jsonschema_rs.Draft202012Validator(
            {"$ref": DOCUMENT_URI + _pointer(*pointer, "schema")},
            registry=registry,
            validate_formats=True,
        )
        problems.extend(f"{where}: {error}" for error in validator.iter_errors(media["example"]))

    for path, item in document["paths"].items():
        if path == "/health":
            continue
        for method, op in item.items():
            if skip_tags & set(op.get("tags", [])):
                continue
            name = f"{method.upper()} {path}"
            success = op["responses"]["200"]
            if "content" in success:
                check(
                    success["content"]["application/json"],
                    f"{name} 200",
                    "paths", path, method, "responses", "200", "content", "application/json",
                )  # fmt: skip
            if "requestBody" in op:
                check(
                    op["requestBody"]["content"]["application/json"],
                    f"{name} requestBody",
                    "paths", path, method, "requestBody", "content", "application/json",
                )  # fmt: skip
    return problems


def test_every_operation_has_valid_examples() -> None:
    document = openapi_document()
    assert example_problems(document, skip_tags=frozenset()) == []


def test_the_check_sees_a_missing_and_an_invalid_example() -> None:
    # A copy: the docs modules' example objects are shared, and must stay as they are.
    document = copy.deepcopy(openapi_document())
    post = document["paths"]["/v1/campaigns/"]["post"]
    del post["responses"]["200"]["content"]["application/json"]["example"]
    post["requestBody"]["content"]["application/json"]["example"] = {"status": "archived"}
    problems = example_problems(document, skip_tags=frozenset({CONTACTS_TAG}))
    assert problems[0] == "POST /v1/campaigns/ 200: no example"
    assert len(problems) == 3, problems  # the body lacks `name`; its status is not an enum value
    assert all(problem.startswith("POST /v1/campaigns/ requestBody:") for problem in problems[1:])


def test_the_check_resolves_nested_refs_and_asserts_formats() -> None:
    document = copy.deepcopy(openapi_document())
    get = document["paths"]["/v1/appointments/{appointmentId}"]["get"]
    media = get["responses"]["200"]["content"]["application/json"]
    media["example"] = {
        **media["example"],
        "contact": {**media["example"]["contact"], "dnd": "no"},  # Appointment -> Contact
        "startTime": "yesterday",  # format: date-time
    }
    problems = example_problems(document, skip_tags=frozenset({CONTACTS_TAG}))
    assert len(problems) == 2, problems
    assert all(
        problem.startswith("GET /v1/appointments/{appointmentId} 200:") for problem in problems
    )
