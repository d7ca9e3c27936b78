"""A force's signing key (Ed25519) for the line bundles it sends, and the public keys of
the forces it trusts to send them.

A force makes its key pair once (``fortress share signing-key``) and hands the public half
to the forces it works with through a channel they already trust; each of them registers
it (``fortress share trust``). A received bundle is verified against the registered key
its header names, so neither its content nor its sender can be changed on the way.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from fortress.sharing.hits import SharingError, read_json, write_secret
from fortress.store.workspace import Workspace, now_utc, write_atomically

SIGNING_FORMAT = "fortress-signing-key/1"
PUBLIC_FORMAT = "fortress-public-key/1"
KEY_BYTES = 32
FORCE_MOST = 200


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A force's public key: what other forces verify its bundles with."""

    force: str
    key: bytes

    @property
    def key_id(self) -> str:
        """The key's fingerprint: the SHA-256 of its 32 bytes, in hex."""
        return hashlib.sha256(self.key).hexdigest()

    def verify(self, signature: bytes, signed: bytes) -> bool:
        """Whether ``signature`` is this key's over ``signed``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.key).verify(signature, signed)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A force's private signing key, with its name."""

    force: str
    key: bytes

    @property
    def public(self) -> PublicKey:
        """The public half."""
        private = Ed25519PrivateKey.from_private_bytes(self.key)
        return PublicKey(self.force, private.public_key().public_bytes_raw())

    def sign(self, data: bytes) -> bytes:
        """The Ed25519 signature of ``data``."""
        return Ed25519PrivateKey.from_private_bytes(self.key).sign(data)


def force_name(raw: str) -> str:
    """A force's name, single-spaced, or a clear error."""
    name = " ".join(raw.split())
    if not 2 <= len(name) <= FORCE_MOST:
        raise SharingError(f"name the force (2 to {FORCE_MOST} characters)")
    return name


def new_signing_key(force: str) -> SigningKey:
    """A new key pair for ``force``."""
    private = Ed25519PrivateKey.generate().private_bytes_raw()
    return SigningKey(force_name(force), private)


def default_signing_key_path(workspace: Workspace) -> Path:
    """Where a workspace keeps its force's signing key unless told otherwise."""
    return workspace.root / "sharing" / "signing-key.json"


def own_force(workspace: Workspace) -> str | None:
    """The force whose signing key the workspace keeps (``share signing-key``), if any."""
    path = default_signing_key_path(workspace)
    return load_signing_key(path).force if path.exists() else None


def save_signing_key(key: SigningKey, path: Path) -> Path:
    """Write the private key (owner-only, never over a file) and its public half beside it
    (``…-public.json``); returns the public file's path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    made_at = now_utc().isoformat(timespec="seconds")
    secret = {"force": key.force, "key": _b64(key.key), "made_at": made_at}
    write_secret(path, SIGNING_FORMAT, secret)
    public = path.with_name(path.stem + "-public.json")
    write_atomically(public, public_key_text(key.public))
    return public


def public_key_text(key: PublicKey) -> str:
    """The public key file's text."""
    data = {"format": PUBLIC_FORMAT, "force": key.force, "key": _b64(key.key),
            "key_id": key.key_id}  # fmt: skip
    return json.dumps(data, indent=1) + "\n"


def load_signing_key(path: Path) -> SigningKey:
    """The signing key in ``path``."""
    raw = read_json(path, SIGNING_FORMAT)
    return SigningKey(force_name(str(raw.get("force", ""))), _key_bytes(raw, path))


def load_public_key(path: Path) -> PublicKey:
    """The public key in ``path``; its fingerprint, where given, must match its bytes."""
    raw = read_json(path, PUBLIC_FORMAT)
    key = PublicKey(force_name(str(raw.get("force", ""))), _key_bytes(raw, path))
    if raw.get("key_id", key.key_id) != key.key_id:
        raise SharingError(f"{path}: the fingerprint does not match the key")
    return key


def trusted_folder(workspace: Workspace) -> Path:
    """Where a workspace keeps the public keys of the forces it trusts."""
    return workspace.root / "sharing" / "trusted"


def trust(workspace: Workspace, key: PublicKey) -> Path:
    """Register ``key`` as a sending force's; a second key for the same fingerprint is
    the same key, so registering twice changes nothing."""
    path = trusted_folder(workspace) / f"{key.key_id}.json"
    write_atomically(path, public_key_text(key))
    return path


def trusted_key(workspace: Workspace, key_id: str) -> PublicKey | None:
    """The registered key with fingerprint ``key_id``, if any."""
    if len(key_id) != 64 or not all(c in "0123456789abcdef" for c in key_id):
        return None
    path = trusted_folder(workspace) / f"{key_id}.json"
    return load_public_key(path) if path.exists() else None


def trusted_keys(workspace: Workspace) -> list[PublicKey]:
    """Every registered key, by force."""
    folder = trusted_folder(workspace)
    found = [load_public_key(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    return sorted(found, key=lambda k: (k.force, k.key_id))


def _key_bytes(raw: dict[str, object], path: Path) -> bytes:
    try:
        key = base64.b64decode(str(raw["key"]), validate=True)
    except (KeyError, ValueError) as exc:
        raise SharingError(f"{path} is not a whole key file ({exc})") from exc
    if len(key) != KEY_BYTES:
        raise SharingError(f"{path}: the key is {len(key)} bytes, not {KEY_BYTES}")
    return key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
