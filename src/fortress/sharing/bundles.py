"""Signed bundles of line records that travel between forces.

A bundle is a text file of JSON lines:

1. a header: the bundle's id, the sending force and its key's fingerprint, the recipient,
   the purpose, the marking, the detection run with its parameters, and the record count;
2. one FollowTheMoney entity per line (``id``, ``schema``, ``properties``, which any
   FollowTheMoney reader loads), each with a ``fortress`` object beside them carrying its
   grade, handling code and conditions, marking, sender and line id;
3. the sender's Ed25519 signature of every byte before it.

What a line becomes (FollowTheMoney has no deal line or handset, so the nearest
schemata, described in each entity's text):

* the line: an ``Organization`` (the brand) with its numbers as ``phone``, its score,
  customer count, first and last sighting, and its evidence as ``Note`` entities;
* each of its numbers, runners and controllers: a ``UserAccount`` with the ``phone``, tied to
  the line by an ``UnknownLink`` whose ``role`` says what the number does and whose dates
  say when (a possible child runner is said, so the receiving force can safeguard);
* each handset a line number used: an ``Asset`` named by its IMEI, tied to the number by an
  ``UnknownLink`` with the dates of use;
* each successor link between the line's numbers: an ``UnknownLink`` with the shared
  customers.

Customers' numbers never leave: a bundle gives their count only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from followthemoney import model
from followthemoney.proxy import EntityProxy
from sqlalchemy.orm import Session

from fortress.casework.intelligence import Grade
from fortress.casework.line_sharing import (
    IncomingBundle,
    IncomingRecord,
    check_sendable,
    export_grade,
    record_sent,
)
from fortress.casework.models import LineExport
from fortress.comms.lines import latest_run, list_lines, show_line
from fortress.model.lines import LineDetail
from fortress.sharing.hits import SharingError
from fortress.sharing.signing import (
    SigningKey,
    default_signing_key_path,
    force_name,
    load_signing_key,
    own_force,
    trusted_key,
)
from fortress.store.workspace import Workspace, now_utc

BUNDLE_FORMAT: Final = "fortress-line-bundle/1"
MOST_BYTES: Final = 50 * 1024 * 1024
"""A bundle larger than this is refused before it is read (200 lines make a few MB)."""
LINE_NUMBER: Final = "deal line number"
"""The role of a tie between a line and one of its own numbers."""


@dataclass(frozen=True, slots=True)
class Sharing:
    """What every record of a bundle travels with."""

    sender: str
    grade: Grade
    marking: str

    def section(self, line_id: str) -> dict[str, Any]:
        """The ``fortress`` object beside a record's entity."""
        grade = self.grade
        return {
            "sender": self.sender,
            "line_id": line_id,
            "grade": f"{grade.source_evaluation}/{grade.assessment}/{grade.handling_code}",
            "grading_model": grade.model,
            "handling_code": grade.handling_code,
            "handling_conditions": grade.conditions,
            "marking": self.marking,
        }


@dataclass(frozen=True, slots=True)
class WrittenBundle:
    """A signed bundle's bytes, its id and their SHA-256."""

    id: str
    content: bytes
    sha256: str
    records: int


def shareable_run(workspace: Workspace, line_ids: list[str]) -> str:
    """The latest detection run's id, which must hold every line of ``line_ids``."""
    run = latest_run(workspace)
    known = {s.line_id for s in list_lines(workspace) if s.line_id is not None}
    missing = [line for line in line_ids if line not in known]
    if missing:
        raise SharingError(
            f"no line {', '.join(m[:40] for m in missing[:5])} in the latest run ({run.id}): "
            "`fortress lines list` gives its line ids"
        )
    return run.id


def write_bundle(
    workspace: Workspace,
    key: SigningKey,
    *,
    export_id: int,
    line_ids: list[str],
    run_id: str,
    recipient: str,
    purpose: str,
    sharing: Sharing,
) -> WrittenBundle:
    """The signed bundle of ``line_ids`` as detection run ``run_id`` found them; refused
    when a newer run has replaced it (the approval was given for what that run found)."""
    run = latest_run(workspace)
    if run.id != run_id:
        raise SharingError(
            f"the lines were approved as run {run_id} found them, and run {run.id} has "
            "replaced it: ask to share them again"
        )
    records = [
        {**entity.to_dict(), "fortress": sharing.section(line_id)}
        for line_id in line_ids
        for entity in line_entities(show_line(workspace, line_id), sharing.sender)
    ]
    bundle_id = str(uuid.uuid4())
    header = {
        "format": BUNDLE_FORMAT, "id": bundle_id, "sender": sharing.sender,
        "key_id": key.public.key_id, "recipient": recipient, "purpose": purpose,
        "marking": sharing.marking, "created_at": now_utc().isoformat(timespec="seconds"),
        "export_id": export_id, "lines": line_ids,
        "run": {"id": run.id, "finished_at": run.finished_at.isoformat(timespec="seconds"),
                "parameters": json.loads(run.params)},
        "records": len(records),
    }  # fmt: skip
    body = "".join(_json_line(item) for item in [header, *records]).encode("utf-8")
    signature = {"signature": base64.b64encode(key.sign(body)).decode("ascii")}
    content = body + _json_line(signature).encode("utf-8")
    return WrittenBundle(bundle_id, content, hashlib.sha256(content).hexdigest(), len(records))


def send_export(
    workspace: Workspace,
    session: Session,
    key: SigningKey | None,
    export: LineExport,
    *,
    actor: str,
) -> WrittenBundle:
    """The signed bundle of an approved export request, recorded as sent (audited as a
    disclosure); refused unless the request is approved. ``key``: None signs with the
    workspace's own key, read only once the request is known to be sendable."""
    check_sendable(export)
    key = key or load_signing_key(default_signing_key_path(workspace))
    written = write_bundle(
        workspace, key, export_id=export.id, line_ids=json.loads(export.line_ids),
        run_id=export.run_id, recipient=export.recipient, purpose=export.purpose,
        sharing=Sharing(key.force, export_grade(export), export.marking),
    )  # fmt: skip
    record_sent(session, export, written.id, written.sha256, actor=actor)
    return written


def line_entities(line: LineDetail, sender: str) -> Iterator[EntityProxy]:
    """The FollowTheMoney entities of one line (see the module's description)."""
    brand = _entity("Organization", sender, "line", line.line_id or "")
    brand.add("name", f"Deal line {line.numbers[0]}")
    brand.add("phone", line.numbers, cleaned=True)
    brand.add("classification", "county line (deal line)")
    brand.add("summary", f"Deal line detected by {sender}: score {line.score:.2f}, "
              f"{line.customer_count:,} customers, seen {line.first_seen_utc} to "
              f"{line.last_seen_utc} (UTC)")  # fmt: skip
    yield brand
    for item in line.evidence:
        note = _entity("Note", sender, "evidence", line.line_id or "", item.kind, item.text)
        note.add("entity", brand.id)
        note.add("name", item.kind)
        note.add("description", item.text)
        yield note
    children = {c.number for c in line.children if c.possible_child}
    roles: list[tuple[str, str, str | None, str | None]] = [
        (h.number, LINE_NUMBER, h.first_seen_utc, h.last_seen_utc) for h in line.number_history
    ]
    roles += [(r.number, f"runner: {r.dispatches:,} dispatches"
               + (" (possible child: safeguard)" if r.number in children else ""), None, None)
              for r in line.runners.numbers]  # fmt: skip
    roles += [(c.number, f"controller (score {c.score:.2f})", None, None)
              for c in line.controllers.numbers]  # fmt: skip
    accounts: dict[str, EntityProxy] = {}
    for number, role, first, last in roles:
        if number not in accounts:
            accounts[number] = _account(sender, number)
            yield accounts[number]
        yield _tie(sender, brand, accounts[number], role, first, last)
    for handset in line.handsets:
        asset = _entity("Asset", sender, "handset", handset.imei)
        asset.add("name", f"Handset IMEI {handset.imei}")
        asset.add("description", "mobile handset")
        yield asset
        role = f"handset used ({handset.events:,} events)"
        yield _tie(sender, accounts[handset.number], asset, role, handset.first_utc,
                   handset.last_utc)  # fmt: skip
    for link in line.links:
        if link.from_ in accounts and link.to in accounts:
            role = f"successor number: {link.shared_customers:,} shared customers"
            yield _tie(sender, accounts[link.from_], accounts[link.to], role, None, None)


def _entity(schema: str, *key: str) -> EntityProxy:
    entity = model.make_entity(schema)
    entity.make_id("fortress", *key)
    return entity


def _account(sender: str, number: str) -> EntityProxy:
    account = _entity("UserAccount", sender, "number", number)
    account.add("phone", number, cleaned=True)
    account.add("service", "mobile telephone")
    return account


def _tie(
    sender: str,
    subject: EntityProxy,
    object_: EntityProxy,
    role: str,
    first: str | None,
    last: str | None,
) -> EntityProxy:
    link = _entity("UnknownLink", sender, "tie", str(subject.id), str(object_.id), role)
    link.add("subject", subject.id)
    link.add("object", object_.id)
    link.add("role", role)
    if first:
        link.add("startDate", first[:10])
    if last:
        link.add("endDate", last[:10])
    return link


def _json_line(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n"


def read_bundle(workspace: Workspace, content: bytes, source: str) -> IncomingBundle:
    """A bundle verified against the registered key its header names; anything changed,
    cut short or signed by a key the workspace does not trust is refused, naming
    ``source`` and why."""
    if len(content) > MOST_BYTES:
        raise SharingError(f"{source} is larger than {MOST_BYTES // 2**20} MB: not a bundle")
    body, _, signature_line = content.rstrip(b"\n").rpartition(b"\n")
    header = _header(body.split(b"\n", 1)[0], source)
    key = trusted_key(workspace, str(header.get("key_id", "")))
    if key is None:
        raise SharingError(
            f"{source} is signed by a key this workspace does not trust (fingerprint "
            f"{str(header.get('key_id'))[:16]}…): register the sending force's public key "
            "with `fortress share trust` first"
        )
    signature = _signature(signature_line, source)
    if not key.verify(signature, body + b"\n"):
        raise SharingError(f"{source} was changed after {key.force} signed it: refused")
    if force_name(str(header.get("sender", ""))) != key.force:
        raise SharingError(f"{source} says it is from {header.get('sender')!r}, "
                           f"but {key.force}'s key signed it: refused")  # fmt: skip
    _check_recipient(workspace, str(header.get("recipient", "")), source)
    records = [_record(line, source, n) for n, line in enumerate(body.split(b"\n")[1:], 2)]
    if len(records) != header.get("records"):
        raise SharingError(f"{source} holds {len(records)} records, its header says "
                           f"{header.get('records')}: refused")  # fmt: skip
    return IncomingBundle(
        id=str(header["id"]), sender=key.force, key_id=key.key_id,
        recipient=str(header.get("recipient", "")), purpose=str(header.get("purpose", "")),
        created_at=datetime.fromisoformat(str(header["created_at"])).replace(tzinfo=None),
        sha256=hashlib.sha256(content).hexdigest(), header=body.split(b"\n", 1)[0].decode(),
        records=records,
    )  # fmt: skip


def _check_recipient(workspace: Workspace, recipient: str, source: str) -> None:
    """A bundle is approved for one force: another force's workspace refuses it (the
    workspace's own force is the one its signing key names; without a key, it cannot
    tell, and the reviewer sees the recipient on the held bundle)."""
    own = own_force(workspace)
    if own is not None and own.casefold() != " ".join(recipient.split()).casefold():
        raise SharingError(
            f"{source} is addressed to {recipient!r}, and this workspace is {own}'s: refused "
            f"(its sending was approved for {recipient!r} only; ask the sender for one "
            f"addressed to {own})"
        )


def _header(line: bytes, source: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError as exc:
        raise SharingError(f"{source} does not start with a bundle header ({exc})") from exc
    if not isinstance(header, dict) or header.get("format") != BUNDLE_FORMAT:
        raise SharingError(f"{source} is not a {BUNDLE_FORMAT} file")
    try:
        uuid.UUID(str(header["id"]))
        datetime.fromisoformat(str(header["created_at"]))
    except (KeyError, ValueError) as exc:
        raise SharingError(f"{source}: the header's id or time is missing or wrong") from exc
    return header


def _signature(line: bytes, source: str) -> bytes:
    try:
        return base64.b64decode(json.loads(line)["signature"], validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise SharingError(f"{source} ends without a signature: cut short or not signed") from exc


def _record(line: bytes, source: str, line_number: int) -> IncomingRecord:
    """One record, which must load as a FollowTheMoney entity and carry its sharing."""
    where = f"{source} line {line_number}"
    try:
        data = json.loads(line)
        entity = model.get_proxy({k: data[k] for k in ("id", "schema", "properties")})
        line_id = str(data["fortress"]["line_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SharingError(f"{where} is not a FollowTheMoney entity with its sharing") from exc
    return IncomingRecord(str(entity.id), entity.schema.name, line_id, line.decode("utf-8"))
