"""Project knowledge retrieval: latency and recall@5 at 10,000 items, three rankers.

    .venv/bin/python benchmarks/knowledge_bench.py [--items 10000] [--queries 200] [--db F]

Generates a project of items from templates (entity x aspect x site, each with its own
procedure code), and labelled queries that each target one item: a third use the item's
own words, a third paraphrase them (synonyms for the entity, the aspect and the site) so
BM25 alone misses, and a third name its procedure code (an identifier, as people cite a
table or a ticket), which the encoder alone misses. For hybrid, BM25-only and
vectors-only it measures the full per-message path (`Retriever.choose`: the project's
version check, FTS5, the query embedding, the matrix product, fusion and the budget) on
one CPU core, and recall@5 of `rank`.
Targets: hybrid recall@5 >= each alone; p99 <= 30 ms. `--db` keeps the generated
project (and its vectors) for the next run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from novabot.projects.retrieval import Mode, Retriever  # noqa: E402
from novabot.routing.factory import shared_minilm  # noqa: E402
from novabot.store import Store  # noqa: E402

PROJECT = "bench"
SEED = 12
P99_TARGET_MS = 30.0
KINDS = ("rule", "decision", "schema", "problem", "glossary", "note")

# (word used in the item, a paraphrase sharing no word with it)
ENTITIES = [
    ("customer", "client"),
    ("invoice", "bill"),
    ("supplier", "vendor"),
    ("purchase order", "procurement request"),
    ("shipment", "delivery"),
    ("refund", "reimbursement"),
    ("employee", "staff member"),
    ("contract", "agreement"),
    ("warehouse stock", "inventory"),
    ("price list", "tariff sheet"),
    ("discount code", "promo voucher"),
    ("tax return", "fiscal filing"),
    ("payroll", "salary run"),
    ("password", "login secret"),
    ("laptop", "notebook computer"),
    ("vacation request", "holiday application"),
    ("expense report", "cost claim"),
    ("bank transfer", "wire payment"),
    ("credit note", "billing correction"),
    ("sales lead", "prospect"),
    ("support ticket", "help desk case"),
    ("database backup", "data snapshot"),
    ("server certificate", "TLS credential"),
    ("product photo", "catalogue picture"),
    ("newsletter", "mailing campaign"),
    ("job applicant", "candidate"),
    ("meeting room", "conference space"),
    ("company car", "fleet vehicle"),
    ("marketing budget", "advertising spend"),
    ("audit log", "activity trail"),
    ("user account", "member profile"),
    ("delivery address", "shipping destination"),
    ("currency rate", "exchange quote"),
    ("loyalty points", "reward credits"),
    ("gift card", "present voucher"),
    ("return label", "send-back sticker"),
    ("packaging", "wrapping material"),
    ("spare part", "replacement component"),
    ("maintenance window", "downtime slot"),
    ("API key", "access token"),
    ("translation", "localisation"),
    ("invoice dispute", "billing complaint"),
    ("late payment", "overdue settlement"),
    ("cash register", "till"),
    ("training course", "workshop"),
    ("insurance claim", "damage report"),
    ("customs declaration", "import paperwork"),
    ("quality inspection", "product check"),
    ("price change", "repricing"),
    ("press release", "media announcement"),
]
ASPECTS = [
    ("approval", "sign-off"),
    ("deletion", "removal"),
    ("archiving", "long-term storage"),
    ("rounding", "decimal precision"),
    ("numbering", "sequence ids"),
    ("export", "download as a file"),
    ("escalation", "raising to management"),
    ("cancellation", "calling off"),
    ("renewal", "extension"),
    ("encryption", "scrambling for secrecy"),
    ("naming convention", "how things are titled"),
    ("retention period", "how long it is kept"),
    ("currency", "money denomination"),
    ("deadline", "due date"),
    ("reminder emails", "follow-up messages"),
    ("access rights", "permissions"),
    ("duplicate detection", "finding doubles"),
    ("validation", "checking for errors"),
    ("audit", "inspection"),
    ("priority", "urgency"),
    ("owner", "person responsible"),
    ("language", "locale"),
    ("status codes", "state values"),
    ("import", "uploading from outside"),
    ("monthly report", "summary each month"),
    ("limit", "upper bound"),
    ("fees", "charges"),
    ("template", "boilerplate"),
    ("signature", "autograph"),
    ("handover", "transfer to a colleague"),
    ("backlog", "queue of pending work"),
    ("migration", "moving to the new system"),
    ("time zone", "local clock"),
    ("discount", "price reduction"),
    ("compliance", "legal conformity"),
    ("storage location", "where it is kept"),
    ("format", "layout"),
    ("frequency", "how often"),
    ("exceptions", "special cases"),
    ("notification", "alert"),
]
SITES = [
    ("Berlin office", "German headquarters"),
    ("Lyon warehouse", "French depot"),
    ("online shop", "web store"),
    ("mobile app", "phone application"),
    ("Madrid branch", "Spanish subsidiary"),
]
ROLES = ["the finance lead", "the CTO", "the shop manager", "the head of sales", "legal", "ops"]
LITERAL = [
    "What is the rule for {e} {a} at the {s}?",
    "{e} {a} at the {s}: what did we decide?",
    "Remind me how {e} {a} works for the {s}.",
]
IDENTIFIER = [
    "What does procedure P-{code} say?",
    "Who decides under P-{code}?",
    "Is P-{code} still how we do it?",
]
PARAPHRASED = [
    "How do we handle {e} {a} in the {s}?",
    "Any guidance on {e} {a} for our {s}?",
    "Who looks after {e} {a} at the {s}?",
]


def items(count: int) -> list[tuple[str, str, str, tuple[int, int, int]]]:
    """(kind, title, body, (entity, aspect, site)) for `count` distinct topics."""
    rng = random.Random(SEED)
    combos = [
        (e, a, s)
        for e in range(len(ENTITIES))
        for a in range(len(ASPECTS))
        for s in range(len(SITES))
    ]
    rng.shuffle(combos)
    made = []
    for n, (e, a, s) in enumerate(combos[:count]):
        entity, aspect, site = ENTITIES[e][0], ASPECTS[a][0], SITES[s][0]
        title = f"{entity.capitalize()} {aspect} at the {site}"
        body = (
            f"For the {site}, {entity} {aspect} follows procedure P-{1000 + n}: "
            f"{rng.choice(ROLES)} decides, within {rng.randint(1, 30)} days; "
            f"exceptions go to {rng.choice(ROLES)}."
        )
        made.append((KINDS[n % len(KINDS)], title, body, (e, a, s)))
    return made


QUERY_KINDS = ("literal", "paraphrased", "identifier")


def queries(
    made: list[tuple[str, str, str, tuple[int, int, int]]], ids: list[int], count: int
) -> list[tuple[str, int, str]]:
    """(query, target id, query kind) for `count` items chosen at random: a third in the
    item's own words, a third paraphrased, a third naming its procedure code."""
    rng = random.Random(SEED + 1)
    chosen = rng.sample(range(len(made)), count)
    labelled = []
    for n, index in enumerate(chosen):
        e, a, s = made[index][3]
        kind = QUERY_KINDS[n % len(QUERY_KINDS)]
        if kind == "identifier":
            text = rng.choice(IDENTIFIER).format(code=1000 + index)
        else:
            side = int(kind == "paraphrased")
            template = rng.choice(PARAPHRASED if side else LITERAL)
            text = template.format(e=ENTITIES[e][side], a=ASPECTS[a][side], s=SITES[s][side])
        labelled.append((text[0].upper() + text[1:], ids[index], kind))
    return labelled


async def generate(store: Store, count: int) -> list[int]:
    await store.create_project(PROJECT)
    ids = []
    for kind, title, body, _ in items(count):
        ids.append((await store.add_knowledge(PROJECT, kind, title, body)).id)
    return ids


async def measure(db: Path, count: int, asked: int) -> list[tuple[str, ...]]:
    store = await Store.open(db)
    try:
        if await store.project(PROJECT) is None:
            started = time.perf_counter()
            await generate(store, count)
            print(f"generated {count} items in {time.perf_counter() - started:.1f} s")
        ids = [item.id for item in reversed(await store.knowledge_items(PROJECT))]
        labelled = queries(items(count), ids, asked)
        retriever = Retriever(store, shared_minilm, token_budget=1500)
        started = time.perf_counter()
        await retriever.snapshot(PROJECT)  # embeds new items once; stored for the next run
        print(f"project loaded (vectors ready) in {time.perf_counter() - started:.1f} s")
        rows = []
        for mode in ("hybrid", "bm25", "vectors"):
            rows.append(await _measure_mode(retriever, labelled, mode))
        return rows
    finally:
        await store.close()


async def _measure_mode(
    retriever: Retriever, labelled: list[tuple[str, int, str]], mode: Mode
) -> tuple[str, ...]:
    for text, _, _ in labelled[:20]:  # warm-up: ONNX buffers, SQLite pages
        await retriever.choose(PROJECT, text, mode=mode)
    times = []
    for text, _, _ in labelled:
        started = time.perf_counter()
        await retriever.choose(PROJECT, text, mode=mode)
        times.append((time.perf_counter() - started) * 1000)
    hits = dict.fromkeys(QUERY_KINDS, 0)
    asked = dict.fromkeys(QUERY_KINDS, 0)
    for text, target, kind in labelled:
        asked[kind] += 1
        hits[kind] += target in (await retriever.rank(PROJECT, text, mode=mode))[:5]
    recall = sum(hits.values()) / len(labelled)
    p50, p99 = np.percentile(times, 50), np.percentile(times, 99)
    by_kind = [f"{hits[kind] / max(1, asked[kind]):.3f}" for kind in QUERY_KINDS]
    return (mode, f"{p50:.1f}", f"{p99:.1f}", f"{recall:.3f}", *by_kind)


def print_table(rows: list[tuple[str, ...]], count: int, asked: int) -> None:
    header = ("ranker", "p50 ms", "p99 ms", "recall@5", *QUERY_KINDS)
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    print(f"\n{count} items, {asked} queries (a third each: {', '.join(QUERY_KINDS)}), one core")
    for row in (header, *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    hybrid = float(rows[0][3])
    best_alone = max(float(rows[1][3]), float(rows[2][3]))
    worst_p99 = max(float(row[2]) for row in rows)
    print(
        f"targets: hybrid recall@5 >= each alone: {'met' if hybrid >= best_alone else 'MISSED'}"
        f"; p99 <= {P99_TARGET_MS:g} ms: {'met' if worst_p99 <= P99_TARGET_MS else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", type=Path, help="keep the generated project in this file")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "bench.db"
        rows = asyncio.run(measure(db, args.items, args.queries))
    print_table(rows, args.items, args.queries)


if __name__ == "__main__":
    main()
