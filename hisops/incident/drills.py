"""Drills (P9.2): ``hisops drill`` opens a drill incident, records each scenario in its
timeline, and scores each against the clocks: the time from the injected fault (the
scenario's start) to recovery (its end), beside the threshold it had to beat (the first
clock: 30 minutes by default, when departments would have to go to paper). Progress goes
out as it happens, on the terminal and as plain lines in a log.

A drill incident sends no notice: no department is told to switch to manual for a drill."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from . import service, timeutil
from .config import load
from .errors import IncidentError
from .messages import msg
from .store import Store


@dataclass
class Score:
    name: str
    plan_item: str
    seconds: float
    threshold: timedelta
    passed: bool

    @property
    def within(self) -> bool:
        return self.passed and self.seconds <= self.threshold.total_seconds()

    @property
    def verdict(self) -> str:
        return "within" if self.within else ("FAILED" if not self.passed else "OVER")

    def line(self) -> str:
        verdict = self.verdict
        return (
            f"{self.name:<28} {self.plan_item:<5} {self.seconds:8.1f} s "
            f"of {int(self.threshold.total_seconds() // 60)} min: {verdict}"
        )


class DrillProgress:
    """Opened before the first scenario; ``start``/``finish`` around each; ``close`` last."""

    def __init__(
        self,
        total: int,
        log_path: Path,
        *,
        ctx: service.Context | None = None,
        out: TextIO | None = None,
    ) -> None:
        from hisops.runner import operator_name

        self.total = total
        self.out = out or sys.stdout
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        self.scores: list[Score] = []
        self.threshold = timedelta(minutes=30)
        self.incident: int | None = None
        # the scenarios run and are scored even when the incident store or the site file
        # is broken: the drill says so and goes on
        try:
            self.ctx = ctx or service.Context(Store(), load(), operator_name())
            stages = self.ctx.site.stages
            self.threshold = stages[0].after if stages else self.threshold
            self.incident = service.open_incident(
                self.ctx,
                title=msg("drill.title", total=total),
                klass="1",
                symptoms=["drill"],
                drill=True,
            )
        except IncidentError as exc:
            self._emit(f"no drill incident: {exc}; the scenarios run and are scored anyway")
        else:
            self._emit(f"drill incident {self.incident} opened; {total} scenarios")

    def _emit(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        line = f"[{int(elapsed // 60):02d}:{int(elapsed % 60):02d}] {text}"
        print(line, file=self.out, flush=True)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{timeutil.iso(timeutil.now())} {line}\n")

    def start(self, index: int, scenario: Any) -> None:
        self._emit(f"scenario {index} of {self.total}: {scenario.name} ({scenario.plan_item})")
        if self.incident is not None:
            service.add_step(self.ctx, self.incident, msg("drill.injected", name=scenario.name))

    def finish(self, outcome: Any) -> Score:
        score = Score(
            outcome.scenario.name,
            outcome.scenario.plan_item,
            outcome.seconds,
            self.threshold,
            outcome.passed,
        )
        self.scores.append(score)
        self._emit(score.line() + (f" ({outcome.error})" if outcome.error else ""))
        if self.incident is None:
            return score
        run = outcome.result.to_dict() if outcome.result else None
        if run:
            from hisops.runner import read_record

            lines = read_record(Path(run["record"])) if run.get("record") else []
            service.record_run(self.ctx, self.incident, {**run, "lines": lines})
        scored = msg(
            "drill.scored",
            name=score.name,
            plan_item=score.plan_item,
            seconds=f"{score.seconds:.1f}",
            minutes=int(score.threshold.total_seconds() // 60),
            verdict=score.verdict,
        )
        service.add_step(self.ctx, self.incident, scored)
        return score

    def close(self) -> list[Score]:
        within = sum(s.within for s in self.scores)
        summary = f"{within} of {len(self.scores)} scenarios recovered within the clock"
        if self.incident is None:
            self._emit(summary)
            return self.scores
        counts = {"within": within, "total": len(self.scores)}
        service.resolve(self.ctx, self.incident, self_test=msg("drill.finished", **counts))
        service.resolve(self.ctx, self.incident, confirmed_by=msg("drill.nobody"))
        service.close(self.ctx, self.incident, msg("drill.summary", **counts))
        self._emit(f"drill incident {self.incident} closed: {summary}")
        return self.scores
