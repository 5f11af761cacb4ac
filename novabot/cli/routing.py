"""`nova eval routing` and `nova agents lint`: measuring the router and the scope cards."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from novabot.agents.cards import load_cards
from novabot.app import default_card_dirs
from novabot.cli.runtime import UsageError, started_app
from novabot.config import Settings
from novabot.routing.embedding import Embedder, EmbeddingCache
from novabot.routing.factory import build_embedder, english_only_encoder
from novabot.routing.language import english_only
from novabot.routing.quality.data import ClincTask
from novabot.routing.quality.evaluation import (
    evaluate_cases,
    evaluate_clinc,
    format_score,
    print_progress,
)
from novabot.routing.quality.lint import lint_cards
from novabot.routing.quality.lint_report import draw_heatmap, format_report

EXIT_LINT_FAILED = 1


def add_eval_commands(commands: Any) -> None:
    evaluation = commands.add_parser("eval", help="measure Nova against labelled data")
    sub = evaluation.add_subparsers(dest="eval_command", required=True, metavar="WHAT")
    routing = sub.add_parser("routing", help="routing accuracy and out-of-scope recall")
    source = routing.add_mutually_exclusive_group(required=True)
    source.add_argument("--clinc", type=Path, help="CLINC150 data_full.json-style file")
    source.add_argument("--cases", type=Path, help='JSON lines of {"text": …, "agent": …}')
    routing.add_argument("--split", choices=("val", "test"), default="val")
    routing.add_argument("--level", choices=("intent", "domain"), default="intent")
    routing.add_argument("--shots", type=int, help="train on K examples per intent")
    routing.add_argument("--seed", type=int, default=0, help="which K examples (with --shots)")
    routing.add_argument(
        "--oos-recall",
        type=float,
        default=ClincTask.target_recall,
        help="out-of-scope recall the threshold is calibrated for (default %(default)s)",
    )
    routing.add_argument(
        "--calibrate",
        choices=("train", "split"),
        default="train",
        help="threshold from cross-validation folds of train + oos_train (default), or from "
        "the scored split's own val/oos_val as in earlier measurements",
    )
    routing.add_argument("--json", action="store_true", help="print one JSON object")
    routing.set_defaults(run=run_eval_routing)


def add_lint_command(agents: argparse.ArgumentParser) -> None:
    sub = agents.add_subparsers(dest="agents_command", metavar="ACTION")
    lint = sub.add_parser("lint", help="check that the agents' scopes do not overlap")
    lint.add_argument("--max-overlap", type=float, default=0.2, help="fail above this share")
    lint.add_argument("--min-examples", type=int, default=5)
    lint.add_argument("--png", type=Path, help="also draw the overlap heat map here")
    lint.add_argument("--json", action="store_true", help="print the report as JSON")
    lint.set_defaults(run=run_agents_lint)


async def run_eval_routing(settings: Settings, args: argparse.Namespace) -> int:
    if args.shots is not None and args.shots < 1:
        raise UsageError("--shots must be at least 1")
    if not 0 <= args.oos_recall <= 1:
        raise UsageError("--oos-recall must be between 0 and 1")
    if args.clinc:
        task = ClincTask(
            args.split, args.level, args.shots, args.seed, args.oos_recall, args.calibrate
        )
        score = evaluate_clinc(
            args.clinc,
            task,
            _semantic_embedder(settings),
            EmbeddingCache(settings.embedding_cache_dir),
            progress=None if args.json else print_progress,
        )
    else:
        async with started_app(settings) as app:
            router = app.router
            score = evaluate_cases(args.cases, router.matcher, sorted(router.agents))
    print(json.dumps(score.as_dict()) if args.json else format_score(score))
    return 0


async def run_agents_lint(settings: Settings, args: argparse.Namespace) -> int:
    if not 0 <= args.max_overlap <= 1:
        raise UsageError("--max-overlap must be between 0 and 1")
    # The cards and an embedder are all a lint needs: no store, no LLM, no router.
    cards = [card for card in load_cards(default_card_dirs(settings)) if card.routable]
    if english_only_encoder(settings):
        cards = [english_only(card) for card in cards]  # what the English matcher learns
    report = lint_cards(
        cards,
        _semantic_embedder(settings),
        max_overlap=args.max_overlap,
        min_examples=args.min_examples,
    )
    if args.png:
        draw_heatmap(report, args.png)
    print(json.dumps(report.as_dict()) if args.json else format_report(report), end="")
    if args.png and not args.json:
        print(f"heat map written to {args.png}")
    return EXIT_LINT_FAILED if report.failed else 0


def _semantic_embedder(settings: Settings) -> Embedder:
    if settings.router.backend == "lexical":
        raise UsageError(
            "this needs an embedding backend; NOVA_ROUTER_BACKEND is 'lexical'"
            " (use 'minilm', the default, 'mpnet', 'use', 'mpnet+use' or 'openai')"
        )
    return build_embedder(settings)
