"""The OpenAPI document describes every answer (each JSON success has a real schema, each
operation its error answer), and the server never imports the CLI."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

import fortress.server
from fortress.store.workspace import Workspace

SERVER = Path(fortress.server.__file__).parent


def vague(
    schema: dict[str, Any], defs: dict[str, Any], where: str, seen: frozenset[str]
) -> list[str]:
    """Where in ``schema`` an answer could be anything: an empty schema, an object with
    neither properties nor typed values, an array without typed items."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [] if name in seen else vague(defs[name], defs, name, seen | {name})
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            return [p for i, s in enumerate(schema[combined])
                    for p in vague(s, defs, f"{where}|{i}", seen)]  # fmt: skip
    kind = schema.get("type")
    if kind is None and "const" not in schema and "enum" not in schema:
        return [where]
    if kind == "array":
        items = schema.get("items")
        return vague(items, defs, f"{where}[]", seen) if isinstance(items, dict) else [where]
    if kind == "object":
        found = [p for name, sub in schema.get("properties", {}).items()
                 for p in vague(sub, defs, f"{where}.{name}", seen)]  # fmt: skip
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            found += vague(extra, defs, f"{where}.*", seen)
        elif not schema.get("properties"):
            found.append(where)
        return found
    return []


def test_vague_finds_what_it_should() -> None:
    assert vague({}, {}, "x", frozenset()) == ["x"]
    assert vague({"type": "object", "additionalProperties": True}, {}, "x", frozenset()) == ["x"]
    assert vague({"type": "array", "items": {}}, {}, "x", frozenset()) == ["x[]"]
    typed = {"type": "object", "additionalProperties": {"type": "integer"}}
    assert vague(typed, {}, "x", frozenset()) == []


def test_every_json_answer_has_a_schema(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    defs = document["components"]["schemas"]
    problems, operations = [], 0
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations += 1
            name = f"{method.upper()} {path}"
            answers = operation["responses"]
            successes = [code for code in answers if code.startswith("2") or code == "303"]
            if not successes:
                problems.append(f"{name}: no success answer documented")
            for code in successes:
                for media, content in answers[code].get("content", {}).items():
                    if "json" in media:
                        where = vague(content.get("schema", {}), defs, "", frozenset())
                        problems += [f"{name} {code}: {p}" for p in where]
            error = answers.get("4XX", {}).get("content", {}).get("application/json", {})
            if error.get("schema") != {"$ref": "#/components/schemas/ErrorOut"}:
                problems.append(f"{name}: its error answer is not documented")
    assert operations >= 37
    assert not problems, "\n".join(problems)


def test_the_server_never_imports_the_cli() -> None:
    """Statically, including imports inside functions."""
    found = []
    for source in SERVER.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [
                f"{source.name}: {n}" for n in names if n.split(".")[:2] == ["fortress", "cli"]
            ]
    assert not found


def test_a_worker_process_builds_its_app_without_the_cli(casework: Workspace) -> None:
    """What ``fortress serve --workers N`` runs in each worker."""
    script = (
        "import sys\n"
        "from fortress.server.app import from_environment\n"
        "app = from_environment()\n"
        "assert app.title == 'Fortress casework'\n"
        "print(sorted(m for m in sys.modules if m.startswith('fortress.cli')))\n"
    )
    url = casework.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "FORTRESS_WORKSPACE": str(casework.root), "FORTRESS_DATABASE_URL": url}
    ran = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         timeout=120, check=False)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"
