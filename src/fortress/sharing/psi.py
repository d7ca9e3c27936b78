"""Hit / no-hit between two forces with no coordinator: private set intersection.

OpenMined's PSI (Apache-2.0; elliptic-curve Diffie-Hellman, the scheme behind Google's
and Apple's contact discovery): the asking force blinds each of its selectors with a
secret of its own (``psi_request``); the answering force blinds them again with its own
secret and sends them back with its own selectors blinded once (``psi_answer``); the
asking force removes its blinding and sees which of its selectors meet the other's
(``psi_result``). The asking force learns the intersection and how many selectors the
other holds, nothing else; the answering force learns how many selectors were asked
about, nothing else (``tests/sharing/test_psi.py`` checks that neither message holds a
value). Each side keeps its secret to itself; a new exercise, a new secret.

The intersection is exact (``RAW``: no Bloom filter, so no false hits).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fortress.sharing.hits import Selector, SharingError, read_json, write_secret

REQUEST_FORMAT = "fortress-psi-request/1"
ANSWER_FORMAT = "fortress-psi-answer/1"
SECRET_FORMAT = "fortress-psi-secret/1"
MOST_ASKED = 5_000
"""The most selectors an answer allows by default: a few operations' lines, runners and
handsets, far fewer than a block of numbers enumerated to probe."""


@dataclass(frozen=True, slots=True)
class PsiRequest:
    """What the asking force keeps (``secret``) and what it sends (``message``)."""

    secret: bytes
    message: str
    """JSON: the blinded selectors, in the order of ``sorted`` selectors."""


def psi_request(selectors: list[Selector]) -> PsiRequest:
    """Blind the asking force's selectors under a fresh secret."""
    psi = _library()
    client = psi.client.CreateWithNewKey(True)
    request = client.CreateRequest(_items(selectors))
    return PsiRequest(bytes(client.GetPrivateKeyBytes()), _pack(REQUEST_FORMAT, request=request))


def asked(request_message: str) -> int:
    """How many selectors a request asks about: all its answerer learns of it."""
    request = _library().Request()
    request.ParseFromString(_unpack(request_message, REQUEST_FORMAT, "request"))
    return len(request.encrypted_elements)


def psi_answer(
    selectors: list[Selector], request_message: str, most_asked: int = MOST_ASKED
) -> str:
    """The answering force's reply to a request: the request blinded again, and its own
    selectors blinded under its own fresh secret (which is then forgotten). A request
    asking about more than ``most_asked`` selectors is refused: the asking force chooses
    what it asks about, so a long list would probe the other's holdings value by value."""
    psi = _library()
    request = psi.Request()
    request.ParseFromString(_unpack(request_message, REQUEST_FORMAT, "request"))
    count = len(request.encrypted_elements)
    if count > most_asked:
        raise SharingError(
            f"the request asks about {count:,} selectors, more than the {most_asked:,} "
            "this answer allows: ask the other force to narrow it, or raise the limit"
        )
    server = psi.server.CreateWithNewKey(True)
    setup = server.CreateSetupMessage(1e-9, count, _items(selectors), psi.DataStructure.RAW)
    response = server.ProcessRequest(request)
    return _pack(ANSWER_FORMAT, setup=setup, response=response)


def psi_result(secret: bytes, selectors: list[Selector], answer_message: str) -> list[Selector]:
    """The asking force's selectors (those it asked about) that the answering force also
    holds; ``secret`` is its request's."""
    psi = _library()
    setup = psi.ServerSetup()
    setup.ParseFromString(_unpack(answer_message, ANSWER_FORMAT, "setup"))
    response = psi.Response()
    response.ParseFromString(_unpack(answer_message, ANSWER_FORMAT, "response"))
    client = psi.client.CreateFromKey(secret, True)
    ordered = sorted(set(selectors))
    try:
        found = client.GetIntersection(setup, response)
    except RuntimeError as exc:
        raise SharingError(f"the answer does not fit this request ({exc})") from exc
    if any(i >= len(ordered) for i in found):
        raise SharingError("the answer does not fit these selectors: ask again")
    return [ordered[i] for i in sorted(found)]


def save_secret(secret: bytes, path: Path) -> None:
    """Keep a request's secret in a new file only its owner can read."""
    write_secret(path, SECRET_FORMAT, {"secret": secret.hex()})


def load_secret(path: Path) -> bytes:
    """The secret in ``path``."""
    try:
        return bytes.fromhex(str(read_json(path, SECRET_FORMAT)["secret"]))
    except (KeyError, ValueError) as exc:
        raise SharingError(f"{path} is not a whole secret ({exc})") from exc


def _items(selectors: list[Selector]) -> list[str]:
    return [f"{s.kind}\x1f{s.value}" for s in sorted(set(selectors))]


def _library() -> Any:
    try:
        import private_set_intersection.python as psi
    except ImportError as exc:
        raise SharingError("private set intersection needs openmined-psi installed") from exc
    return psi


def _pack(form: str, **messages: Any) -> str:
    encoded = {
        name: base64.b64encode(message.SerializeToString()).decode()
        for name, message in messages.items()
    }
    return json.dumps({"format": form, **encoded})


def _unpack(text: str, form: str, part: str) -> bytes:
    try:
        raw = json.loads(text)
        if raw.get("format") != form:
            raise ValueError(f"not a {form} message")
        return base64.b64decode(raw[part], validate=True)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SharingError(f"the message is not a whole {form} ({exc})") from exc
