"""What the five payload rules share: CAT's judgement of the payload, filtered by code."""

from __future__ import annotations

from collections.abc import Iterator

from tscrun_lint.project.context import FileContext
from tscrun_lint.rules.base import Report, Rule
from tscrun_lint.reading.sites import EmitSite


class PayloadRule(Rule):
    """Base of TSC101-TSC105; ``tscrun_lint.judge.payload.judge_payload`` does the judging once per call."""

    def check_emit(self, site: EmitSite, ctx: FileContext) -> Iterator[Report]:
        for finding in ctx.payload_findings(site):
            if finding.code == self.CODE:
                yield Report(self.CODE, finding.node, finding.message)
