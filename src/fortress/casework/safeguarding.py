"""Safeguarding: people flagged as victims (a child, an exploited adult, a cuckooed
resident) whether or not they are also suspects, and referrals to partner agencies with
their status and outcome.

A safeguarding partner sees only the referrals made to their own agency, and every other
person a referral names under a pseudonym: an HMAC of the agency and the person's id under
a key made when the database was migrated, so it is the same across that agency's
referrals and cannot be matched with another agency's. What a partner reads is audited as
a disclosure to their agency.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import date
from typing import Final

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from fortress.casework import audit, retention
from fortress.casework.models import CaseworkKey, Person, Referral, ReferralPerson, User
from fortress.model.values import is_record_id
from fortress.store.row_security import EVERY_AGENCY, NO_AGENCY, RowScope
from fortress.store.workspace import now_utc

VICTIMS: Final = {
    "child": "a child (under 18) being exploited",
    "exploited_adult": "an exploited adult",
    "cuckooed_resident": "a resident whose home was taken over (cuckooed)",
}
STATUSES: Final = ("made", "accepted", "declined", "closed")
AGENCIES: Final = (
    "Children's Services", "National Referral Mechanism", "Treatment service", "Housing",
)  # fmt: skip
"""The usual destinations. Any agency may be named; a name that matches a partner user's
agency regardless of case is stored as that user's spelling."""
PARTNER: Final = "safeguarding_partner"


class SafeguardingProblem(ValueError):
    """A person or referral that cannot be recorded as asked; the message says why."""


def add_person(
    session: Session,
    name: str,
    *,
    born_on: date | None,
    victim: str | None,
    suspect: bool,
    actor: str,
) -> Person:
    """A new person (audited as a collection, scheduled for review)."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise SafeguardingProblem("a person's name is 1 to 200 characters")
    if victim is not None and victim not in VICTIMS:
        raise SafeguardingProblem(f"unknown victim flag {victim!r}: use {', '.join(VICTIMS)}")
    today = now_utc().date()
    if born_on is not None and not date(1900, 1, 1) <= born_on <= today:
        raise SafeguardingProblem(f"date of birth {born_on} is not a possible one")
    person = Person(
        name=name, born_on=born_on, victim=victim, suspect=suspect, recorded_by=actor,
        recorded_at=now_utc().replace(tzinfo=None),
    )  # fmt: skip
    session.add(person)
    session.flush()
    retention.schedule(session, "person", person.id, today)
    audit.record(session, actor, "collection", "person", [person.id])
    return person


def get_person(session: Session, person_id: int, *, actor: str) -> Person:
    """One person (audited as a consultation), or ``LookupError``."""
    return audit.consulted(session, Person, person_id, actor=actor, record_type="person")


class PersonView(BaseModel):
    """A person as officers see them."""

    id: int
    name: str
    born_on: date | None
    victim: str | None
    suspect: bool


def person_view(*, person: Person) -> PersonView:
    """A person as officers see them."""
    return PersonView(id=person.id, name=person.name, born_on=person.born_on,
                      victim=person.victim, suspect=person.suspect)  # fmt: skip


def make_referral(
    session: Session,
    person_id: int,
    agency: str,
    reason: str,
    related: Iterable[tuple[int, str]] = (),
    *,
    actor: str,
) -> Referral:
    """Refer a person to an agency, naming any other people involved (audited)."""
    agency, reason = " ".join(agency.split()), reason.strip()
    if not 2 <= len(agency) <= 100:
        raise SafeguardingProblem("name the agency (2 to 100 characters)")
    if not reason:
        raise SafeguardingProblem("say why the person is referred")
    named = dict(related)
    for someone in {person_id, *named}:
        if session.get(Person, someone) is None:
            raise SafeguardingProblem(f"no person {someone}")
    if person_id in named:
        raise SafeguardingProblem("the person referred is not also one of the others named")
    referral = Referral(
        person_id=person_id, agency=_canonical_agency(session, agency), reason=reason,
        status="made", made_by=actor, made_on=now_utc().date(), reference=_new_reference(session),
    )  # fmt: skip
    session.add(referral)
    session.flush()
    session.add_all(
        ReferralPerson(referral_id=referral.id, person_id=someone, relation=relation.strip()[:100])
        for someone, relation in named.items()
    )
    retention.schedule(session, "referral", referral.id, referral.made_on)
    audit.record(session, actor, "collection", "referral", [referral.id])
    return referral


def _canonical_agency(session: Session, agency: str) -> str:
    """The agency as its partner users spell it (if one matches regardless of case), so
    that a partner's scope is an exact comparison in SQL and in Python alike."""
    spellings = session.scalars(select(User.agency).where(User.agency.is_not(None)).distinct())
    return next((known for known in spellings if known and known.casefold() == agency.casefold()),
                agency)  # fmt: skip


def _scope(user: User) -> str | None:
    """The agency a user is confined to (partners), or None (officers see every agency)."""
    return user.agency or "" if user.role == PARTNER else None


def row_scope(user: User | None) -> RowScope:
    """The rows ``user``'s transactions reach on PostgreSQL, a second wall behind these
    functions' own filters (``store/row_security.py``): none before anyone signs in."""
    if user is None:
        return NO_AGENCY
    if user.role == PARTNER:  # decided apart from _scope: a wall that shares the filter's
        return RowScope(sees_all=False, agency=user.agency or "")  # code shares its bugs
    return EVERY_AGENCY


REFERENCE: Final = re.compile(r"R-[0-9A-F]{10}")


def _new_reference(session: Session) -> str:
    while True:  # 40 random bits: a second try is as likely as a lottery win
        made = f"R-{secrets.token_hex(5).upper()}"
        if session.scalar(select(Referral.id).where(Referral.reference == made)) is None:
            return made


def visible_referral(session: Session, given: str, user: User) -> Referral:
    """A referral ``user`` may see, by its reference (``R-…``) or its id, or
    ``LookupError`` (another agency's referral is indistinguishable from one that does not
    exist)."""
    if REFERENCE.fullmatch(given):
        referral = session.scalar(select(Referral).where(Referral.reference == given))
    elif is_record_id(given):
        referral = session.get(Referral, int(given))
    else:
        referral = None
    scope = _scope(user)
    if referral is None or (scope is not None and referral.agency != scope):
        raise LookupError(f"no referral {given}")
    return referral


def referrals_for(session: Session, user: User, *, limit: int = 500) -> list[Referral]:
    """The referrals ``user`` may see, newest first."""
    query = select(Referral).order_by(Referral.id.desc()).limit(limit)
    scope = _scope(user)
    if scope is not None:
        query = query.where(Referral.agency == scope)
    return list(session.scalars(query))


def update_referral(
    session: Session, referral: Referral, status: str, outcome: str | None, *, actor: str
) -> Referral:
    """Move a referral on (made, accepted, declined, closed) and record its outcome."""
    if status not in STATUSES:
        raise SafeguardingProblem(f"unknown status {status!r}: use {', '.join(STATUSES)}")
    if status in ("declined", "closed") and not (outcome or referral.outcome):
        raise SafeguardingProblem(f"a {status} referral records its outcome")
    referral.status = status
    if outcome is not None:
        referral.outcome = outcome.strip() or None
    audit.record(session, actor, "alteration", "referral", [referral.id])
    return referral


class NamedView(BaseModel):
    """Another person a referral names, as officers see them."""

    person_id: int
    relation: str


class ReferralView(BaseModel):
    """A referral as officers see it."""

    id: int
    reference: str
    agency: str
    reason: str
    status: str
    outcome: str | None
    made_on: date
    person: PersonView
    others: list[NamedView]
    made_by: str


class PartnerPersonView(BaseModel):
    """The person referred, as their agency sees them: no id, no suspect flag."""

    model_config = ConfigDict(extra="forbid")
    name: str
    born_on: date | None
    victim: str | None


class PseudonymView(BaseModel):
    """Another person a referral names, as a partner sees them: a pseudonym."""

    model_config = ConfigDict(extra="forbid")
    pseudonym: str
    relation: str


class PartnerReferralView(BaseModel):
    """A referral as a safeguarding partner sees it. Nothing else may be added: the schema
    says so (``additionalProperties: false``), and schemathesis checks every answer."""

    model_config = ConfigDict(extra="forbid")
    reference: str
    agency: str
    reason: str
    status: str
    outcome: str | None
    made_on: date
    person: PartnerPersonView
    others: list[PseudonymView]


def show_referrals(
    *, session: Session, referrals: list[Referral], user: User
) -> list[ReferralView | PartnerReferralView]:
    """The referrals as ``user`` may see them: partners get other people as pseudonyms.
    Audited as a consultation, or for a partner a disclosure to their agency."""
    ids = [r.id for r in referrals]
    if user.role == PARTNER:
        audit.record(session, user.name, "disclosure", "referral", ids, recipient=user.agency)
    else:
        audit.record(session, user.name, "consultation", "referral", ids)
    named: dict[int, list[ReferralPerson]] = {i: [] for i in ids}
    subjects: dict[int, Person] = {}
    if ids:
        for row in session.scalars(
            select(ReferralPerson).where(ReferralPerson.referral_id.in_(ids))
            .order_by(ReferralPerson.person_id)
        ):  # fmt: skip
            named[row.referral_id].append(row)
        # every subject in one read (one read each made a partner's list of 500 take 0.4
        # to 2 s under load)
        wanted = {r.person_id for r in referrals}
        subjects = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(wanted)))}
    return [_referral_view(session, r, subjects[r.person_id], named[r.id], user)
            for r in referrals]  # fmt: skip


def _referral_view(
    session: Session,
    referral: Referral,
    subject: Person,
    named: list[ReferralPerson],
    user: User,
) -> ReferralView | PartnerReferralView:
    if user.role == PARTNER:
        key = _key(session)
        return PartnerReferralView(
            reference=referral.reference,
            agency=referral.agency,
            reason=referral.reason,
            status=referral.status,
            outcome=referral.outcome,
            made_on=referral.made_on,
            person=PartnerPersonView(
                name=subject.name, born_on=subject.born_on, victim=subject.victim
            ),
            others=[
                PseudonymView(
                    pseudonym=pseudonym(key, referral.agency, row.person_id),
                    relation=row.relation,
                )
                for row in named
            ],
        )
    return ReferralView(
        id=referral.id,
        reference=referral.reference,
        agency=referral.agency,
        reason=referral.reason,
        status=referral.status,
        outcome=referral.outcome,
        made_on=referral.made_on,
        person=person_view(person=subject),
        others=[NamedView(person_id=row.person_id, relation=row.relation) for row in named],
        made_by=referral.made_by,
    )


def _key(session: Session) -> bytes:
    found = session.get(CaseworkKey, "pseudonym")
    if found is None:
        raise RuntimeError("the casework database has no pseudonym key: run migrations")
    return bytes.fromhex(found.secret)


def pseudonym(key: bytes, agency: str, person_id: int) -> str:
    """A person's pseudonym for one agency: stable for it, unlinkable across agencies."""
    message = f"{agency.casefold()}\x00{person_id}".encode()
    return "Person-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:10].upper()
