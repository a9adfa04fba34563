"""Reading order: each source's own order kept, shared statements as meeting points."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from storykit.merge.align import Cluster, median, sid_order


def order_clusters(clusters: list[Cluster], copies: dict[str, str]) -> list[Cluster]:
    """Clusters in reading order: a topological merge of the sources' orders (majority position
    breaks ties) that stays in one source's run while it can, so paragraphs are not shuffled."""
    by_id = {c.id: c for c in clusters}
    seqs: dict[str, list[int]] = defaultdict(list)
    for c in clusters:
        for u in c.units:
            seqs[u.sid].append(u.index)
    runs: dict[str, list[int]] = {}
    for sid in seqs:
        units = sorted((u for c in clusters for u in c.units if u.sid == sid), key=lambda u: u.index)
        seen: list[int] = []
        for u in units:
            if u.cluster not in seen:
                seen.append(u.cluster)
        runs[sid] = seen
    position: dict[int, float] = {}
    support: dict[int, int] = {}
    for c in clusters:
        roots: dict[str, float] = {}
        for u in c.units:
            root = copies.get(u.sid, u.sid)
            roots.setdefault(root, u.pos)
        position[c.id] = median(sorted(roots.values()))
        support[c.id] = len(roots)
    shared = {sid: sum(1 for cid in run if support[cid] > 1) for sid, run in runs.items()}
    doc_rank = {sid: (-shared[sid], sid_order(sid)) for sid in runs}
    preds: dict[int, set[int]] = defaultdict(set)
    for run in runs.values():
        for a, b in pairwise(run):
            if a != b:
                preds[b].add(a)
    done: set[int] = set()
    pointer = dict.fromkeys(runs, 0)
    out: list[int] = []
    current: str | None = None

    def ready(cid: int) -> bool:
        return not (preds[cid] - done)

    def advance() -> None:
        for sid, run in runs.items():
            while pointer[sid] < len(run) and run[pointer[sid]] in done:
                pointer[sid] += 1

    while len(done) < len(clusters):
        advance()
        heads = {sid: run[pointer[sid]] for sid, run in runs.items() if pointer[sid] < len(run)}
        pick: int | None = None
        if current in heads and ready(heads[current]):
            pick = heads[current]
        else:
            avail = [
                (pointer[sid] == 0, position[cid], -support[cid], doc_rank[sid], cid, sid)
                for sid, cid in heads.items()
                if ready(cid)
            ]
            if not avail:  # sources disagree on order: take the earliest by majority position
                avail = [
                    (pointer[sid] == 0, position[cid], -support[cid], doc_rank[sid], cid, sid)
                    for sid, cid in heads.items()
                ]
            best = min(avail)
            pick, current = best[4], best[5]
        done.add(pick)
        out.append(pick)
    return [by_id[cid] for cid in out]
