"""The JSON of ``fortress lines``, ``numbers``, ``evaluate`` and ``report lines`` is the
typed results' JSON (``fortress.model.lines``), and its keys are the ones it always had.

Two checks per command, on the demo world:

* the CLI prints exactly ``model_dump(mode="json")`` of its result: the printed text,
  validated into the model and dumped again, is the same text byte for byte (key order
  too), so the CLI, the reports and the API share one shape;
* the keys, in order and at every depth, equal ``golden/lines_json_keys.json``, written
  from the CLI's output before the results were typed (issue #14). Maps keyed by phone
  number are one ``<number>`` entry; evidence figures, score components and successor
  signals are open maps (``{...}``). A change of keys fails here, on purpose: scripts read
  this JSON. Regenerate, after deciding the change is wanted, with
  ``PYTHONPATH=tests .venv/bin/python tests/cli/test_lines_json.py FOLDER`` over a folder
  of ``--json`` outputs named as in ``write_golden``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.model import lines as m
from helpers.worlds import World

GOLDEN = Path(__file__).parent / "golden" / "lines_json_keys.json"
OPAQUE = {"figures", "components", "signals"}
"""Maps whose keys are data (an evidence kind's figures), not part of the shape."""

COMMANDS: dict[str, Any] = {
    "detect": m.DetectionRun,
    "list": list[m.LineSummary],
    "list_all": list[m.LineSummary],
    "show": m.LineDetail,
    "activity": m.LineActivity,
    "quantum": m.LineQuantum,
    "safeguarding": list[m.Safeguarding],
    "successors": list[m.SilentNumber],
    "history_number": m.IdentityHistory,
    "history_imei": m.IdentityHistory,
    "judge": m.Judgement,
    "evaluate": m.Evaluation,
    "report": m.WrittenReport,
}
"""Each command's output name and the type it prints."""

runner = CliRunner()


def shape(value: Any, key: str | None = None) -> Any:
    """The keys of ``value`` at every depth, in order; scalars are ``-``."""
    if isinstance(value, dict):
        if key in OPAQUE:
            return "{...}"
        if value and all(k[:1] == "+" or k[:1].isdigit() for k in value):
            return {"<number>": merged([shape(v) for v in value.values()])}
        return {k: shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return merged([shape(v, key) for v in value])
    return "-"


def merged(shapes: list[Any]) -> list[Any]:
    """Distinct shapes, those with the same keys in the same order merged."""
    out: list[Any] = []
    for item in shapes:
        twin = next(
            (k for k, o in enumerate(out) if isinstance(o, dict) and isinstance(item, dict)
             and list(o) == list(item)),
            None,
        )  # fmt: skip
        if twin is None:
            if _text(item) not in map(_text, out):
                out.append(item)
        else:
            out[twin] = {k: _union(out[twin][k], item[k]) for k in item}
    return out


def _union(a: Any, b: Any) -> Any:
    if isinstance(a, list) and isinstance(b, list):
        return merged([*a, *b])
    if isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b):
        return {k: _union(a[k], b[k]) for k in a}
    return a if _text(a) == _text(b) else merged([a, b])


def _text(value: Any) -> str:
    """Shapes compare as JSON text: dictionaries compare equal whatever their order."""
    return json.dumps(value)


def shapes_of(outputs: dict[str, list[Any]]) -> dict[str, Any]:
    """Each command's shape over all its outputs (several lines, several numbers)."""
    return {name: merged([shape(o) for o in found]) for name, found in outputs.items()}


def _run(workspace: Path, *args: str) -> str:
    result = runner.invoke(app, ["--workspace", str(workspace), *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def ws(demo_world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo world's workspace (the commands detect and judge)."""
    import shutil

    copy = tmp_path_factory.mktemp("lines-json") / "ws"
    shutil.copytree(demo_world.workspace.root, copy)
    return copy


@pytest.fixture(scope="module")
def printed(ws: Path, demo_world: World) -> dict[str, list[str]]:
    """Every command's ``--json`` text, in the order a user would run them."""
    out: dict[str, list[str]] = {"detect": [_run(ws, "lines", "detect")]}
    out["list"] = [_run(ws, "lines", "list")]
    out["list_all"] = [_run(ws, "lines", "list", "--all")]
    line_ids = [line["line_id"] for line in json.loads(out["list"][0])]
    for name in ("show", "activity", "quantum"):
        out[name] = [_run(ws, "lines", name, line_id) for line_id in line_ids]
    out["safeguarding"] = [_run(ws, "lines", "safeguarding")]
    out["successors"] = [_run(ws, "numbers", "successors")]
    number = json.loads(out["show"][0])["numbers"][0]
    out["history_number"] = [_run(ws, "numbers", "history", number)]
    imei = json.loads(out["history_number"][0])["handsets"][0]["imei"]
    out["history_imei"] = [_run(ws, "numbers", "history", imei)]
    old, new = json.loads(out["show"][0])["numbers"][:2]
    out["judge"] = [
        _run(ws, "numbers", "judge", old, new, "--verdict", "unsure", "--note", "a note"),
        _run(ws, "numbers", "judge", new, old, "--verdict", "rejected"),
    ]
    truth = str(demo_world.truth)
    out["evaluate"] = [_run(ws, "evaluate", "--truth", truth)]
    out["report"] = [_run(ws, "report", "lines", "--out", str(ws.parent / "lines.html"))]
    return out


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_cli_prints_exactly_the_typed_result(printed: dict[str, list[str]], name: str) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(COMMANDS[name])
    for text in printed[name]:
        result = adapter.validate_json(text)
        again = json.dumps(adapter.dump_python(result, mode="json"), indent=2) + "\n"
        assert again == text


def test_the_keys_are_the_ones_the_json_always_had(printed: dict[str, list[str]]) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    found = shapes_of({name: [json.loads(t) for t in texts] for name, texts in printed.items()})
    for name in COMMANDS:
        assert _text(found[name]) == _text(golden[name]), name


def test_the_map_of_a_line_round_trips(ws: Path, printed: dict[str, list[str]]) -> None:
    from fortress.comms.lines import line_map
    from fortress.store.workspace import Workspace

    line_id = json.loads(printed["list"][0])[0]["line_id"]
    found = line_map(Workspace.open(ws), line_id)
    assert found.customers and found.line_sites
    assert m.LineMap.model_validate(found.model_dump(mode="json")) == found


def test_the_shape_sees_a_renamed_or_moved_key() -> None:
    assert shape({"a": 1, "b": [{"c": 2}]}) == {"a": "-", "b": [{"c": "-"}]}
    assert _text(shape({"b": 1, "a": 1})) != _text(shape({"a": 1, "b": 1}))
    assert len(merged([shape({"b": 1, "a": 1}), shape({"a": 1, "b": 1})])) == 2
    assert shape([{"+447700900001": {"x": 1}}]) == [{"<number>": [{"x": "-"}]}]


def write_golden(folder: Path) -> None:
    """The golden file from ``--json`` outputs saved as ``NAME.json`` or ``NAME.N.json``
    (one per line, number or judgement) in ``folder``."""
    outputs = {
        name: [
            json.loads(p.read_text(encoding="utf-8"))
            for p in sorted([*folder.glob(f"{name}.json"), *folder.glob(f"{name}.*.json")])
        ]
        for name in COMMANDS
    }
    GOLDEN.write_text(json.dumps(shapes_of(outputs), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_golden(Path(sys.argv[1]))
