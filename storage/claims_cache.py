"""A per-process cache of live claims, kept honest by per-resource version rows in the store.

A slot search asks the database only for the versions of the resources it needs (a handful of rows) and
reloads the claims of those whose version moved since it last looked, so another process's booking is seen
at once. Versions are read before claims: a write that lands in between leaves newer claims under an older
version, which only costs a reload next time, never a stale answer.

With `recheck_after`, versions read less than that many seconds ago are taken as still current, and a search
reads nothing: for a store that one process writes (SQLite), whose own writes call `changed()`. What other
processes write (an admin command) then shows within those seconds. Slots on offer are only an offer either
way: a hold is decided by the database.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from time import monotonic

from sqlalchemy import Connection, bindparam, select

from storage.db import Database
from storage.models import MAX_CLAIM_SECONDS, claims, resource_versions

_NEVER = float("-inf")
_HISTORY_S = 2 * 86_400  # how far into the past a reload reaches; searches never look further back


@dataclass
class _Resource:
    version: int
    fixed: list[tuple[int, int]] = field(default_factory=list)  # confirmed claims, by start
    holds: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, expires) of unpaid holds


class ClaimsCache:
    def __init__(self, *, recheck_after: float = 0.0) -> None:
        self._resources: dict[str, _Resource] = {}
        self._recheck_after = recheck_after
        self._checked: dict[str, float] = {}  # resource -> when its version was last read (monotonic)

    def changed(self) -> None:
        """This process wrote claims: read the versions again at the next search."""
        self._checked.clear()

    async def busy(
        self, db: Database, resources: Sequence[str], lo: int, hi: int, now_ts: int
    ) -> dict[str, list[tuple[int, int]]]:
        """Live claims per resource overlapping [lo, hi) as of `now_ts`."""
        now = monotonic()
        checked = self._checked
        due = [r for r in resources if now - checked.get(r, _NEVER) >= self._recheck_after]
        if due:
            await db.query(lambda conn: self._refresh(conn, due, now_ts - _HISTORY_S))
            if self._recheck_after > 0:
                checked.update(dict.fromkeys(due, now))
        return {r: _window(self._resources[r], lo, hi, now_ts) for r in resources}

    def _refresh(self, conn: Connection, due: list[str], floor: int) -> None:
        """Read the versions of `due` and reload the claims of those that changed."""
        versions = {resource: version for resource, version in conn.execute(_VERSIONS, {"b_resources": due})}
        stale = [
            r for r in due if r not in self._resources or self._resources[r].version != versions.get(r, 0)
        ]
        if not stale:
            return
        fresh = {r: _Resource(versions.get(r, 0)) for r in stale}
        for resource, start, end, expires in conn.execute(_CLAIMS, {"b_resources": stale, "b_floor": floor}):
            if expires is None:
                fresh[resource].fixed.append((start, end))
            else:
                fresh[resource].holds.append((start, end, expires))
        self._resources.update(fresh)


# Built once: building and keying a statement on every search cost more than running it.
_VERSIONS = select(resource_versions.c.resource, resource_versions.c.version).where(
    resource_versions.c.resource.in_(bindparam("b_resources", expanding=True))
)
_CLAIMS = (
    select(claims.c.resource, claims.c.start_ts, claims.c.end_ts, claims.c.expires_ts)
    .where(
        claims.c.active,
        claims.c.resource.in_(bindparam("b_resources", expanding=True)),
        claims.c.end_ts > bindparam("b_floor"),
    )
    .order_by(claims.c.resource, claims.c.start_ts)
)


def _window(cached: _Resource, lo: int, hi: int, now_ts: int) -> list[tuple[int, int]]:
    fixed = cached.fixed
    # Claims are at most MAX_CLAIM_SECONDS long, so none starting earlier than that can reach into the window.
    first = bisect_left(fixed, (lo - MAX_CLAIM_SECONDS, 0))
    last = bisect_left(fixed, (hi, 0), first)
    found = [c for c in fixed[first:last] if c[1] > lo]
    holds = [(s, e) for s, e, expires in cached.holds if expires > now_ts and s < hi and e > lo]
    return sorted(found + holds) if holds else found
