"""What every long-history campaign (reliability/*.py) shares: a seeded run of steps with
invariants checked after every one, the seed printed on failure, and the figures.

A campaign gives :func:`run_campaign` two callables: ``step(index, rng)`` does one step of
the history and returns what it did (a dict with at least ``action``), and
``check(index)`` returns the invariants broken now (a list of sentences, empty when all
hold). The first broken invariant, or an exception in a step, stops the run with
:class:`CampaignFailed`, whose message names the campaign, the step and the seed, and
how to replay it. Only ``rng`` decides what happens, so a seed replays the same history
(the lab's timing can still differ: say so in the figures when it matters).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def importable() -> None:
    """The repository, its collection (``ansible_collections.hisops.emergency``) and the
    tests' helpers importable, as when a campaign runs as ``python reliability/<name>.py``."""
    for path in (REPO_ROOT / "tests" / "lab", REPO_ROOT / "collections", REPO_ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


class CampaignFailed(AssertionError):
    """An invariant broke (or a step raised): names the campaign, step and seed."""

    def __init__(
        self, campaign: str, seed: int, step: int, action: str, problems: list[str]
    ) -> None:
        self.campaign, self.seed, self.step, self.action = campaign, seed, step, action
        self.problems = problems
        lines = "\n".join("  - " + p for p in problems)
        super().__init__(
            f"{campaign} campaign FAILED at step {step} ({action}), seed {seed}:\n{lines}\n"
            f"replay: python reliability/{campaign}.py --seed {seed} --steps {step + 1}"
        )


@dataclass
class Figures:
    """What a run did, for docs/reliability/<campaign>.md."""

    campaign: str
    seed: int
    steps: int = 0
    checks: int = 0
    seconds: float = 0.0
    actions: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    extra: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "seed": self.seed,
            "steps": self.steps,
            "invariant_checks": self.checks,
            "seconds": round(self.seconds, 1),
            "actions": dict(sorted(self.actions.items())),
            "counts": dict(sorted(self.counts.items())),
            **self.extra,
        }


def run_campaign(
    name: str,
    seed: int,
    steps: int,
    step: Callable[[int, random.Random], dict[str, Any]],
    check: Callable[[int], list[str]],
    figures: Figures | None = None,
    verbose: bool = False,
) -> Figures:
    """``steps`` steps, ``check`` after every one (and once before the first)."""
    rng = random.Random(seed)
    figures = figures or Figures(name, seed)
    started = time.monotonic()
    problems = check(-1)
    figures.checks += 1
    if problems:
        raise CampaignFailed(name, seed, -1, "start", problems)
    for index in range(steps):
        begun = time.monotonic()
        try:
            done = step(index, rng)
        except CampaignFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - a step that raises is a finding, with its seed
            trace = traceback.format_exc(limit=8).rstrip().splitlines()
            raise CampaignFailed(
                name, seed, index, "step raised", [f"{type(exc).__name__}: {exc}", *trace[-6:]]
            ) from exc
        done["seconds"] = round(time.monotonic() - begun, 2)
        done["step"] = index
        figures.steps += 1
        figures.actions[str(done.get("action"))] += 1
        figures.log.append(done)
        if verbose:
            print(json.dumps(done, sort_keys=True, default=str), flush=True)
        problems = check(index)
        figures.checks += 1
        if problems:
            raise CampaignFailed(name, seed, index, str(done.get("action")), problems)
    figures.seconds = time.monotonic() - started
    return figures


def arguments(description: str, steps: int) -> argparse.ArgumentParser:
    """The options every campaign takes; a campaign adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--seed", type=int, default=None, help="replay this history (default: a new seed, printed)"
    )
    parser.add_argument("--steps", type=int, default=steps, help="steps (default %(default)s)")
    parser.add_argument("--json", type=Path, help="write the figures and the step log here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every step")
    return parser


def new_seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)


def finish(figures: Figures, out: Path | None) -> None:
    """Print the figures (and write them with the step log to ``out``)."""
    summary = figures.as_dict()
    print(json.dumps(summary, indent=1, sort_keys=True))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps({**summary, "log": figures.log}, indent=1, sort_keys=True, default=str)
            + "\n"
        )
