"""Building the permission map from groups, the group hierarchy and grants."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cistrade_core.acl.model import Access, combine


def lineage(group_id: int, parents: Mapping[int, int | None]) -> list[int]:
    """``group_id`` followed by its ancestors, nearest first (stops on a cycle)."""
    chain: list[int] = []
    current: int | None = group_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def effective_groups(group_ids: Iterable[int], parents: Mapping[int, int | None]) -> list[int]:
    """The user's groups and all their ancestors, each once."""
    seen: dict[int, None] = {}
    for gid in group_ids:
        for ancestor in lineage(gid, parents):
            seen.setdefault(ancestor, None)
    return list(seen)


def permission_map(
    group_ids: Iterable[int],
    parents: Mapping[int, int | None],
    grants: Mapping[int, Mapping[str, str]],
) -> dict[str, str]:
    """``{resource: level}`` from the groups' own and inherited grants."""
    result: dict[str, Access | None] = {}
    for gid in effective_groups(group_ids, parents):
        for resource, level in grants.get(gid, {}).items():
            result[resource] = combine(result.get(resource), Access(level))
    return {res: str(level) for res, level in sorted(result.items()) if level is not None}
