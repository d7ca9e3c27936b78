"""Opening the HTML reports in a real browser (Debian's chromium) with nothing fetched."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def only_the_file(route, requested: list[str]) -> None:  # type: ignore[no-untyped-def]
    """A Playwright route handler: record every request, let only local files through."""
    requested.append(route.request.url)
    if route.request.url.startswith("file://"):
        route.continue_()
    else:
        route.abort()
