"""The disclosure gate: the one place that decides which responses any published figure counts.

Every figure that leaves the system (launch summaries and comments, school, zone and county
indicators, charts and their CSV, and every later surface) is computed only over *published*
responses, as this package defines them. The rules and the threat model are in docs/privacy.md.
"""
from .gate import (advance, behind, figure_steps, lagging_launches, publication_state,
                   published_only, take_step)

__all__ = ["advance", "behind", "figure_steps", "lagging_launches", "publication_state",
           "published_only", "take_step"]
