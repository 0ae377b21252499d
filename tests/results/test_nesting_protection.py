"""The second line behind the gate: a zone hidden as a partner keeps one of its schools hidden.

The gate (app.disclosure) makes figures over 1-9 respondents rare, so this is tested on the
county tables built straight from a measure frame (`compute_county`), where such groups exist.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from app.results.services import compute_county
from app.statistics.frames import frame_from_columns

# zone 1: one school of 8 (hidden); zone 2: two schools of 15 (hidden as the zone's partner);
# zone 3: one school of 40.
SCHOOLS = [(1, 11, 8), (2, 21, 15), (2, 22, 15), (3, 31, 40)]

def _measures() -> pd.DataFrame:
    rows = []
    for zone, school, n in SCHOOLS:
        for i in range(n):
            rows.append({"response_id": len(rows) + 1, "school_id": school, "zone_id": zone, "period": 2026,
                         "grade": "3", "sleep_hours": 10.0 if i % 2 else 9.0})
    return frame_from_columns(pd.DataFrame(rows))

def test_a_zone_hidden_as_a_partner_keeps_one_of_its_schools_hidden(app):
    results = compute_county(_measures())
    zones = results.zones[results.zones["key"] == "sleep_compliance"].set_index("zone_id")
    schools = results.schools[results.schools["key"] == "sleep_compliance"].set_index("school_id")
    assert zones.loc[1, "suppressed"] and zones.loc[2, "suppressed"], "zone 2 is zone 1's partner"
    assert not results.county.loc[results.county["key"] == "sleep_compliance", "suppressed"].any()
    # Were both schools of zone 2 shown, zone 2 = 21 + 22 and zone 1 = county − zone 2 − zone 3.
    assert schools.loc[[21, 22], "suppressed"].any()
    assert np.isnan(schools.loc[schools["suppressed"].astype(bool), "value"].astype(float)).all()
