"""``fortress place fetch``: download police.uk's monthly archives and ingest one force's
files from them, for users with network access (nothing else in Fortress uses the
network).

police.uk publishes, each month, an archive of every force's files for the last 36
months at ``https://data.police.uk/data/archive/YYYY-MM.zip``. The archives that cover the
months asked for are downloaded into ``WORKSPACE/imports/police.uk/`` (kept, as the files'
provenance), the force's files for those months are extracted beside them, and each is
ingested as ``place ingest`` would.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
import zipfile
from http.client import HTTPMessage
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from fortress.places.periods import month_index, month_name
from fortress.sources.policeuk import parse_file_name
from fortress.store.workspace import Workspace

BASE_URL = "https://data.police.uk"
ARCHIVE_MONTHS = 36
TIMEOUT_S = 60


class FetchProblem(RuntimeError):
    """A download that cannot be made or used; the message says why."""


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the scheme and host asked: an answer must not send the
    download (and the workspace's disk) wherever it points."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int,
                         msg: str, headers: HTTPMessage, newurl: str,
                         ) -> urllib.request.Request | None:  # fmt: skip
        asked, told = urlsplit(req.full_url), urlsplit(newurl)
        if (told.scheme, told.netloc) != (asked.scheme, asked.netloc):
            raise urllib.error.HTTPError(
                newurl, code, f"a redirect to another host ({told.scheme}://{told.netloc})",
                headers, fp,
            )  # fmt: skip
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameHostRedirects)


def archives_for(first: str, last: str) -> list[str]:
    """The archive months whose 36-month spans together cover ``first``..``last``."""
    found, end = [], month_index(last)
    while True:
        found.append(month_name(end))
        if end - ARCHIVE_MONTHS + 1 <= month_index(first):
            return found
        end -= ARCHIVE_MONTHS


def fetch(
    workspace: Workspace, force: str, first: str, last: str, *, base_url: str = BASE_URL
) -> list[Path]:
    """Download what covers ``first``..``last`` and extract ``force``'s files; returns the
    extracted files (not yet ingested), oldest month first."""
    if month_index(last) < month_index(first):
        raise FetchProblem(f"--to {last} is before --from {first}")
    folder = workspace.root / "imports" / "police.uk"
    folder.mkdir(parents=True, exist_ok=True)
    wanted: list[Path] = []
    seen_forces: set[str] = set()
    for archive_month in archives_for(first, last):
        archive = _download(f"{base_url.rstrip('/')}/data/archive/{archive_month}.zip",
                            folder / f"{archive_month}.zip")  # fmt: skip
        wanted += _extract(archive, folder, force, first, last, seen_forces)
    if not wanted:
        known = ", ".join(sorted(seen_forces)[:50]) or "none"
        raise FetchProblem(
            f"no {force!r} files for {first}..{last} in the police.uk archive; forces in it: "
            f"{known}"
        )
    return sorted(set(wanted), key=lambda p: (p.name[:7], p.name))


def _download(url: str, target: Path) -> Path:
    """``url`` into ``target`` (whole or not at all)."""
    partial = target.with_suffix(".part")
    try:
        with _OPENER.open(url, timeout=TIMEOUT_S) as response, partial.open("wb") as out:
            shutil.copyfileobj(response, out, length=1 << 20)
    except urllib.error.HTTPError as exc:
        partial.unlink(missing_ok=True)
        if exc.code == 404:
            raise FetchProblem(
                f"police.uk has no archive at {url} (each month's archive appears about two "
                "months later)"
            ) from exc
        raise FetchProblem(f"police.uk answered {exc.code} {exc.reason} for {url}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise FetchProblem(f"cannot download {url}: {reason}") from exc
    partial.replace(target)
    return target


def _extract(
    archive: Path, folder: Path, force: str, first: str, last: str, seen: set[str]
) -> list[Path]:
    """The force's files for the months asked for, extracted into ``folder``."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            chosen = []
            for member in zipped.infolist():
                name = parse_file_name(Path(member.filename))
                if name is None:
                    continue
                seen.add(name.force)
                if name.force == force.lower() and first <= name.month <= last:
                    chosen.append(member)
            for member in chosen:
                zipped.extract(member, folder)
    except zipfile.BadZipFile as exc:
        raise FetchProblem(f"{archive} is not a zip archive: {exc}") from exc
    return [folder / member.filename for member in chosen]
