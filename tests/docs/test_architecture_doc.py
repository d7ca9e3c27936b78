"""docs/architecture.md describes the tree as it is: every module and package is named in
its layout, and everything the layout names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "fortress"


def layout_block() -> str:
    """The fenced block under the page's "## Layout" heading."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


def modules_by_package() -> dict[str, set[str]]:
    """Each package's modules (``__init__``, ``__main__`` and migration revisions aside)."""
    found: dict[str, set[str]] = {}
    for package in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        found[package.name] = {
            m.stem for m in package.glob("*.py") if m.stem not in ("__init__", "__main__")
        }
    return found


def described_by_package() -> dict[str, str]:
    """The layout's text about each package: from its name at the start of a line to the
    next package's."""
    described: dict[str, str] = {}
    current = None
    for line in layout_block().splitlines():
        heading = re.match(r"^  ([a-z_]+)/", line)
        if not line.startswith(" "):  # src/fortress/, tests/, benchmarks/: no package
            current = None
        elif heading:
            current = heading.group(1)
            described[current] = ""
        if current:
            described[current] += line + "\n"
    return described


def test_every_package_and_module_is_described() -> None:
    described = described_by_package()
    missing = [
        f"{package}/{module}.py"
        for package, modules in modules_by_package().items()
        for module in sorted(modules)
        if not re.search(rf"\b{module}(\.py)?\b", described.get(package, ""))
    ]
    assert missing == [], "modules docs/architecture.md's layout does not name"


def test_every_module_the_layout_names_exists() -> None:
    actual = modules_by_package()
    invented = [
        f"{package}/{name}.py"
        for package, text in described_by_package().items()
        for name in re.findall(r"\b([a-z_0-9]+)\.py\b", text)
        if name not in actual.get(package, set())
    ]
    assert invented == [], "modules the layout names that are not in the tree"
