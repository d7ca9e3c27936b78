"""Opening the HTML reports in a real browser (Debian's chromium) with nothing fetched."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader"]
"""Software WebGL (SwiftShader) for the maps and link charts: the machine has no GPU."""


@contextmanager
def offline_page(allowed: str = "file://") -> Iterator[tuple[Any, list[str]]]:
    """A chromium page that may load only URLs starting with ``allowed`` (local files by
    default; a loopback server for the casework tests), and the list of every URL it asked
    for. Without chromium: skipped, except in CI (where ``scripts/test`` installs it)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page()
        page.route("**/*", lambda route: _only(route, allowed, requested))
        yield page, requested
        browser.close()


def require_chromium() -> None:
    """Skip unless Debian's chromium is installed; in CI, fail instead."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/test installs it)")
        pytest.skip("chromium is not installed")


def _only(route: Any, allowed: str, requested: list[str]) -> None:
    requested.append(route.request.url)
    if route.request.url.startswith(allowed):
        route.continue_()
    else:
        route.abort()


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` on a free loopback port, in a thread: its base address."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, access_log=False, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def sign_in_page(page: Any, base: str, role: str) -> None:
    """Sign ``role`` in through the sign-in form (the test users' password)."""
    from helpers.casework import PASSWORD

    page.goto(f"{base}/signin")
    page.fill("#name", role)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


@contextmanager
def signed_in_browser(app: FastAPI, role: str) -> Iterator[tuple[Any, str, list[str], list[str]]]:
    """``app`` served on loopback and a chromium page signed in as ``role``: the page, the
    base address, every URL it asked for, and every console error and page error."""
    with served(app) as base, offline_page(allowed=base) as (page, requested):
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in_page(page, base, role)
        yield page, base, requested, errors
