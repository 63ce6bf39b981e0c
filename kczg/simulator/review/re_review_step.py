"""A re-review (复评) in the simulation: on one target one expert's scores on one nomination sit far below the
others' (kczg/simulator/review/scenario_plan.divergent_pick); after the scores the body opens a re-review naming
that expert, who revises with a reason; it closes under the plan's threshold. Every figure is checked against the
reference (reference.spread_of, weighted_total_of), the view and the log, where the first score stays."""

from __future__ import annotations

from decimal import Decimal

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.events import decode_event
from contracts.topics import REVIEW, Topic
from eventlog.settings import kafka_bootstrap
from kczg.simulator.review.plan import scores
from kczg.simulator.review.reference import spread_of, weighted_total_of
from kczg.simulator.review.scenario_plan import MEASURE, RE_REVIEW_REASON, REVISION_REASON, divergent_pick


def plan_terms(sc, t) -> dict:
    """The re-review target's plan declares its divergence measure and threshold."""
    return {"divergence_measure": MEASURE} if t.key == sc.re_review_key else {}


def pick_divergent(sc, t) -> None:
    if t.key != sc.re_review_key:
        return
    plan = t.plan
    low, high = Decimal(str(plan["score_min"])), Decimal(str(plan["score_max"]))
    weights = {c["code"]: int(c["weight"]) for c in plan["criteria"]}
    sc.divergent = divergent_pick(
        t.panel(), lambda n, e: scores(plan["criteria"], float(low), float(high), n, e, sc.rd.seed), weights,
        Decimal(str(plan["divergence_threshold"])), low, high, sc.rd.seed)
    if sc.divergent is None:
        sc.problem("re-review", f"{t.key}: no nomination with three experts and room for an outlier")


def sheet(sc, t, nid: str, expert: str) -> dict[str, str]:
    """What `expert` scores on `nid`: on the re-review's nomination the outlier's or the agreed scores."""
    if t.key == sc.re_review_key and sc.divergent and sc.divergent[0] == nid:
        return sc.divergent[2] if sc.divergent[1] == expert else sc.divergent[3]
    plan = t.plan
    return scores(plan["criteria"], float(plan["score_min"]), float(plan["score_max"]), nid, expert, sc.rd.seed)


async def re_review(sc, t) -> None:
    """The body opens a re-review on the divergent nomination naming its outlier; the outlier revises with a
    reason; it closes under the threshold. Each figure against the reference (reference.spread_of)."""
    if t.key != sc.re_review_key or sc.divergent is None:
        return
    rd, (nid, expert, _, revised) = sc.rd, sc.divergent
    facts = sc.facts["re_review"] = {"target": t.key, "nomination_id": nid, "expert_id": expert, "ok": False}
    threshold, measure = Decimal(str(t.plan["divergence_threshold"])), t.plan["divergence_measure"]
    experts = t.panel()[nid]
    before = spread_of([rd.posted[(nid, e)] for e in experts], measure)
    url, body = f"{t.url}/nominations/{nid}/re-review", rd.auth("review_body", t.filer)
    r = await sc.d.call("POST", url, json={"revisit": [expert], "reason": RE_REVIEW_REASON}, headers=body)
    facts.update(measure=measure, threshold=str(threshold), spread_before=str(before),
                 outlier_total=str(rd.posted[(nid, expert)]))
    if before <= threshold or r.status_code != 201 or (Decimal(r.json()["spread"]), Decimal(r.json()["threshold"]),
                                                       r.json()["revisit"], r.json()["added"]) != (
            before, threshold, [expert], []):
        sc.problem("re-review", f"opening on {nid} (spread {before}, threshold {threshold}): "
                                  f"{r.status_code} {r.text[:300]}")
        return
    r = await sc.d.call("PUT", f"{url.rsplit('/', 1)[0]}/scores", headers=rd.auth("expert", t.filer, expert),
                        json={"scores": revised, "reason": REVISION_REASON})
    ours = weighted_total_of(revised, {c["code"]: int(c["weight"]) for c in t.plan["criteria"]})
    if r.status_code != 200 or Decimal(r.json()["total"]) != ours:
        sc.problem("re-review", f"the revision: {r.status_code} {r.text[:300]} (we computed {ours})")
        return
    rd.posted[(nid, expert)] = ours
    after = spread_of([rd.posted[(nid, e)] for e in experts], measure)
    r = await sc.d.call("POST", url + "/close", json={}, headers=body)
    facts.update(revised_total=str(ours), spread_after=str(after))
    if after > threshold or r.status_code != 201 or (r.json()["cleared"], Decimal(r.json()["spread"])) != (True,
                                                                                                           after):
        sc.problem("re-review", f"closing on {nid} (spread {after}): {r.status_code} {r.text[:300]}")
        return
    facts["closed"] = True


async def re_review_after(sc, t) -> None:
    """After the results: the view shows the re-review closed and cleared and the nomination not divergent;
    the log keeps the outlier's first score beside the revision that names it, with its reason."""
    facts = sc.facts.get("re_review", {})
    if facts.get("target") != t.key or not facts.get("closed"):
        return
    nid, expert = facts["nomination_id"], facts["expert_id"]
    row = next(r for r in t.rows if r["nomination_id"] == nid)
    shown = (row["re_review"] or {}).get("open"), (row["re_review"] or {}).get("cleared"), row["prelim"]["divergent"]
    recorded = [e for e in await events_on(REVIEW, nid)
                if e.type == "ExpertScoreRecorded" and e.expert_id == expert]
    on_log = [(str(e.total), e.reason, e.revises) for e in recorded]
    facts.update(view=list(shown), on_log=[(total, reason) for total, reason, _ in on_log])
    want = [(facts["outlier_total"], "", None), (facts["revised_total"], REVISION_REASON,
                                                 recorded[0].event_id if recorded else None)]
    if shown != (False, True, False) or [(Decimal(a), b, c) for a, b, c in on_log] != [
            (Decimal(a), b, c) for a, b, c in want]:
        sc.problem("re-review", f"after the results the view shows {shown}, the log {on_log}")
        return
    facts["ok"] = True


async def events_on(topic: Topic, nomination_id: str) -> list:
    """The events of `topic` naming `nomination_id`, from the beginning to its end now (bytes filtered before
    decoding: the review topic holds every seat and score of the campaign)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        needle, found = nomination_id.encode(), []
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            for tp, batch in (await consumer.getmany(timeout_ms=500, max_records=10_000)).items():
                found += [r for r in batch if r.offset < ends[tp] and needle in r.value]
        found.sort(key=lambda r: (r.partition, r.offset))
        return [decode_event(r.value) for r in found]
    finally:
        await consumer.stop()
