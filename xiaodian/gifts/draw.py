"""The group gift's draw, as pure functions anyone can rerun (docs/gifts.md "The draw").

When the gift is made, a secret 32-byte `seed` is drawn and its commitment, the SHA-256 of its
bytes, is published. Each member may draw once; the draws are numbered in the order they come
(`seq` 0, 1, 2, ...). Draw `seq` by user `u`, with `left` gifts not yet won and `M` members
eligible, wins when

    HMAC-SHA256(key=seed, msg="<gift id>:<seq>:<u>") read as a big-endian integer, mod (M - seq),
    is less than `left`

(sequential selection sampling, Knuth's Algorithm S: M - seq is how many members have not drawn
yet, this one included, so a member wins with probability left / (M - seq); if every member draws,
exactly min(count, M) win, and each member's chance is the same whatever their turn). The k-th
winner gets gift unit k. Once the draw has closed the seed is revealed, and `verify` recomputes
every draw's outcome from the seed and the list of draws.
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from . import rules


def new_seed() -> str:
    return secrets.token_hex(rules.SEED_BYTES)


def commitment(seed: str) -> str:
    """The published commitment to a seed: SHA-256 of its bytes, in hex."""
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def ticket(seed: str, gift_id: int, seq: int, user_id: int) -> int:
    message = f"{gift_id}:{seq}:{user_id}".encode()
    return int.from_bytes(hmac.new(bytes.fromhex(seed), message, hashlib.sha256).digest(), "big")


def wins(*, seed: str, gift_id: int, seq: int, user_id: int, members: int, left: int) -> bool:
    """Whether draw `seq` (by `user_id`) wins, with `left` gifts still to win among `members`."""
    if left <= 0:
        return False
    return ticket(seed, gift_id, seq, user_id) % (members - seq) < left


def assign(*, seed: str, gift_id: int, members: int, count: int, drawers: Sequence[int]) -> list[int | None]:
    """Each draw's outcome, in draw order: the unit index won, or None."""
    if len(drawers) > members or len(set(drawers)) != len(drawers):
        raise ValueError("each member draws at most once")
    outcome: list[int | None] = []
    won = 0
    for seq, user_id in enumerate(drawers):
        if wins(seed=seed, gift_id=gift_id, seq=seq, user_id=user_id, members=members, left=count - won):
            outcome.append(won)
            won += 1
        else:
            outcome.append(None)
    return outcome


@dataclass(frozen=True)
class Verification:
    commitment_ok: bool  # the revealed seed hashes to the published commitment
    assignment_ok: bool  # every recorded outcome is the one the seed gives
    expected: list[int | None]

    @property
    def ok(self) -> bool:
        return self.commitment_ok and self.assignment_ok


def verify(
    *,
    seed: str,
    published: str,
    gift_id: int,
    members: int,
    count: int,
    draws: Sequence[tuple[int, int | None]],
) -> Verification:
    """Check a closed draw: `draws` are (user id, unit index won or None) in draw order."""
    expected = assign(
        seed=seed, gift_id=gift_id, members=members, count=count, drawers=[user for user, _ in draws]
    )
    return Verification(
        commitment_ok=hmac.compare_digest(commitment(seed), published),
        assignment_ok=expected == [unit for _, unit in draws],
        expected=expected,
    )
