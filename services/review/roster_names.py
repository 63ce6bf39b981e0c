"""The names of the experts on the plans in force, for the pages that list experts (the views hold ids only:
names stay sealed in the plan, contracts/personal.py). Each name is opened with its expert's key, as the
publish and notify stores open theirs; an erased expert's reads ERASED (已删除)."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg
import orjson

from contracts.personal import ERASED, Sealed
from eventlog import privacy

__all__ = ["ERASED", "roster_of", "names_of", "labelled"]


async def roster_of(conn: asyncpg.Connection, target_keys: Iterable[str]) -> dict[str, list[dict]]:
    """Per target with a plan in force: its roster as filed (expert id, name opened, affiliation)."""
    rows = await conn.fetch("SELECT target_key, (plan->'roster')::text AS roster FROM review.targets "
                            "WHERE target_key = ANY($1::text[]) AND plan IS NOT NULL", sorted(set(target_keys)))
    rosters = {r["target_key"]: orjson.loads(r["roster"] or "[]") for r in rows}
    sealed = {(key, e["expert_id"]): Sealed.model_validate(e["name"]) for key, roster in rosters.items()
              for e in roster if isinstance(e.get("name"), dict)}
    keys = await privacy.keys_of(conn, [s.pid for s in sealed.values()])
    return {key: [{"expert_id": e["expert_id"], "affiliation": e.get("affiliation", ""),
                   "name": privacy.reveal(sealed[key, e["expert_id"]], keys) if (key, e["expert_id"]) in sealed
                   else ERASED} for e in roster] for key, roster in rosters.items()}


async def names_of(conn: asyncpg.Connection, target_keys: Iterable[str]) -> dict[tuple[str, str], str]:
    """(target key, expert id) -> the expert's name, for every expert on those targets' plans in force."""
    return {(key, e["expert_id"]): e["name"] for key, roster in (await roster_of(conn, target_keys)).items()
            for e in roster}


def labelled(expert_id: str, name: str | None) -> str:
    """How a page names an expert: the name with the id, or the id alone when no plan names them."""
    return f"{name}（{expert_id}）" if name else expert_id
