"""The panel rules of a review process, as one value (defaults from issue 4)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from kechuang.review.assignment import PanelRules


@dataclass(frozen=True)
class ReviewRules:
    """Panel size per item, front-line share, government exclusion, reviewer load and the
    conflict-of-interest horizon. ``conflict_subtree`` turns on the association-subtree
    conflict (see ``review.conflicts``)."""

    panel_size: int = 5
    frontline_share: Fraction = Fraction(1, 3)
    exclude_government: bool = True
    max_load: int = 10
    conflict_years: int = 3
    conflict_subtree: bool = False

    def frontline_min(self, size: int | None = None) -> int:
        return self.panel_rules().frontline_min(self.panel_size if size is None else size)

    def panel_rules(self) -> PanelRules:
        return PanelRules(
            panel_size=self.panel_size,
            frontline_share=self.frontline_share,
            exclude_government=self.exclude_government,
            max_load=self.max_load,
        )
