from __future__ import annotations

import pytest

from smaug.bank.errors import InvalidKey
from smaug.bank.tokens import SectionTokenVerifier, TokenError, issue_section_token

SECRET = b"0123456789abcdef-test-secret"


def _token(**changes: object) -> str:
    fields: dict[str, object] = {
        "bank": "default",
        "checkpoint_id": "cp1",
        "section": "resources/volume/v1",
        "read_only": False,
        "ttl": 60,
        "now": 1000.0,
    }
    fields.update(changes)
    return issue_section_token(SECRET, **fields)  # type: ignore[arg-type]


def test_round_trip() -> None:
    grant = SectionTokenVerifier(SECRET, clock=lambda: 1030.0).verify(_token(read_only=True))
    assert (grant.bank, grant.checkpoint_id, grant.section, grant.read_only) == (
        "default",
        "cp1",
        "resources/volume/v1",
        True,
    )
    assert grant.expires_at == 1060.0


def test_any_replica_with_the_secret_verifies_and_rotation_works() -> None:
    token = _token()
    assert SectionTokenVerifier([b"new-secret-0123456789", SECRET], clock=lambda: 1000.0).verify(
        token
    )


@pytest.mark.parametrize(
    ("mangle", "invalid", "words"),
    [
        (lambda t: "", True, "empty"),
        (lambda t: "garbage", True, "malformed"),
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), False, "signature"),
        # widen the grant: flip read_only in the payload, keep the old signature
        (lambda t: t.replace(t.split(".")[1], t.split(".")[1][:-3] + "xyz"), False, "signature"),
    ],
)
def test_bad_tokens(mangle: object, invalid: bool, words: str) -> None:
    verifier = SectionTokenVerifier(SECRET, clock=lambda: 1000.0)
    with pytest.raises(TokenError) as caught:
        verifier.verify(mangle(_token()))  # type: ignore[operator]
    assert caught.value.invalid is invalid and words in str(caught.value)


def test_expired_and_foreign_secret_are_denied() -> None:
    with pytest.raises(TokenError, match="expired") as caught:
        SectionTokenVerifier(SECRET, clock=lambda: 2000.0).verify(_token())
    assert not caught.value.invalid
    with pytest.raises(TokenError, match="signature"):
        SectionTokenVerifier(b"another-secret-0123456", clock=lambda: 1000.0).verify(_token())


def test_issue_validates() -> None:
    with pytest.raises(InvalidKey):
        _token(section="../escape")
    with pytest.raises(ValueError, match="16 bytes"):
        issue_section_token(b"short", bank="b", checkpoint_id="c", section="s", read_only=False)
