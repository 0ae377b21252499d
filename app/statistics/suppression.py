"""Small-group suppression, with complementary suppression so hidden figures stay hidden.

Primary rule: a figure computed over fewer than `MIN_GROUP_SIZE` respondents is not shown (its
group size n still is). Inside a group large enough to show, every option count is shown.

Complementary rule: when a total over several groups is visible (a zone total over its
schools, a school total over its grades), a single hidden group could be recovered by
subtraction; so whenever a line (the groups summed by one visible total) holds exactly one
hidden figure, the smallest other figure of that line is hidden too, repeated until stable.
Two hidden figures per line are not always enough in a table with totals both ways (a hidden
cell can be a "bridge" between two blocks of hidden cells), so `protect` then checks the whole
linear system and hides more until no hidden figure is determined by the visible ones.

What this does not promise: bounds. Non-negativity can still narrow a hidden count (e.g. a
visible column total of 0 shows every hidden cell in it is 0).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.linalg import null_space

#: Default threshold: a figure over fewer respondents than this is suppressed.
MIN_GROUP_SIZE = 10


def too_small(n, min_group_size: int = MIN_GROUP_SIZE):
    """Whether a group of size n (scalar or array) must be suppressed."""
    return np.asarray(n) < min_group_size


def complementary_suppression(table: pd.DataFrame, dims: Sequence[str], *, size: str = "n",
                              flag: str = "suppressed", fixed: Sequence[str] = ()) -> pd.Series:
    """Extend a long table's suppression flags so no hidden figure can be solved for from totals.

    `table` has one row per figure: the group columns `dims`, further identifying columns
    `fixed` (e.g. the indicator key, the question id), a size column and a boolean flag. A line
    is all rows sharing every identifying column but one of `dims`: the rows a visible total
    along that dimension adds up. Returns the new flag Series (the table is not modified).
    """
    fixed = list(fixed)
    sizes = table[size].to_numpy(dtype=float)
    flags = table[flag].to_numpy(dtype=bool)
    # An empty group (n = 0) shows no figure, yet its n is shown, so everyone knows it adds
    # nothing to a total: in the equations it is a known zero, not an unknown that could hide a
    # neighbour, and hiding it protects nothing, so it is never chosen as a partner.
    filled = sizes > 0
    lines = [_line_ids(table, [c for c in dims if c != dim] + fixed) for dim in dims]
    protected = protect(sizes, flags & filled, lines, _line_ids(table, fixed), eligible=filled)
    return pd.Series(protected | flags, index=table.index, name=flag)


def _line_ids(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """An integer id per row: rows with equal values in `columns` share it."""
    if not columns:
        return np.zeros(len(table), dtype=int)
    return table.groupby(columns, dropna=False, sort=False).ngroup().to_numpy()


def protect(sizes: np.ndarray, hidden: np.ndarray, lines: list[np.ndarray],
            blocks: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """Hide more figures until no hidden one follows from the visible figures and line totals.

    `lines` holds one array of line ids per dimension (a line of one figure has no total of its
    own and is ignored); `blocks` separates independent tables (figures of different keys).
    First every line holding exactly one hidden figure gets its smallest other figure hidden;
    then `exposed_figures` checks the whole linear system, and each exposed figure gets the
    smallest visible figure of one of its lines hidden, until nothing is exposed.
    """
    hidden = np.asarray(hidden, dtype=bool).copy()
    # Figures that may be hidden as complements (all, unless the caller says otherwise).
    eligible = np.ones(hidden.shape, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    lines = [line for line in lines if len(line)]
    while True:
        _pair_lines(sizes, hidden, lines, eligible)
        # Lines of one dimension are disjoint: two hidden figures per line already protect both.
        if len(lines) < 2:
            return hidden
        exposed = np.flatnonzero(exposed_figures(hidden, lines, blocks))
        if exposed.size == 0:
            return hidden
        for i in exposed:
            # A visible figure sharing a line with the exposed one puts it on a cycle of hidden
            # figures, which is what leaves it undetermined; failing that, any in its table.
            pools = ([(line == line[i]) & ~hidden & eligible for line in lines]
                     + [(blocks == blocks[i]) & ~hidden & eligible])
            pool = next((p for p in pools if p.any()), None)
            if pool is None:
                return hidden
            hidden[np.flatnonzero(pool)[np.argmin(sizes[pool])]] = True


def _pair_lines(sizes: np.ndarray, hidden: np.ndarray, lines: list[np.ndarray],
                eligible: np.ndarray) -> None:
    """In place: any line holding exactly one hidden figure gets its smallest other one hidden."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden_in_line = np.bincount(line, weights=hidden.astype(float))
            candidates = np.flatnonzero((hidden_in_line[line] == 1) & ~hidden & eligible)
            if candidates.size == 0:
                continue
            # Lines are disjoint within one dimension, so every such line is settled at once.
            order = candidates[np.lexsort((sizes[candidates], line[candidates]))]
            _, first = np.unique(line[order], return_index=True)
            hidden[order[first]] = True
            changed = True


def exposed_figures(hidden: np.ndarray, lines: list[np.ndarray], blocks: np.ndarray) -> np.ndarray:
    """Hidden figures whose value follows exactly from visible figures and line totals.

    Each line of two or more figures gives one equation: its hidden figures sum to a known
    value. When every hidden figure lies on at most two such lines (any two-way table, and
    nested tables such as zone › school), the system is a graph: lines are nodes (lines
    without a total of their own merge into one free node), hidden figures are edges, and a
    figure is determined exactly when its edge is a bridge (on no cycle). Otherwise the null
    space of the equations decides: a figure is determined when its coordinate vanishes there.
    """
    hidden = np.asarray(hidden, dtype=bool)
    exposed = np.zeros(hidden.shape, dtype=bool)
    unknown = np.flatnonzero(hidden)
    if unknown.size == 0 or not lines:
        return exposed
    # Node ids: 0 is the free node; each dimension's lines with a total get their own range.
    nodes, offset = [], 1
    for line in lines:
        with_total = np.bincount(line)[line[unknown]] > 1
        nodes.append(np.where(with_total, offset + line[unknown], 0))
        offset += int(line.max()) + 1
    nodes = np.array(nodes)
    if (nodes > 0).sum(axis=0).max() <= 2:
        # Each edge joins its (up to) two constrained nodes, the free node 0 standing in otherwise.
        ends = np.sort(np.vstack([np.zeros_like(nodes[:1]), nodes]), axis=0)[-2:]
        exposed[unknown[_bridges(offset, ends[0], ends[1])]] = True
        return exposed
    for block in np.unique(blocks[unknown]):
        members = blocks[unknown] == block
        equations = [nodes[d, members] == node for d in range(len(lines))
                     for node in np.unique(nodes[d, members]) if node > 0]
        if not equations:
            continue
        basis = null_space(np.array(equations, dtype=float))
        exposed[unknown[members][np.abs(basis).max(axis=1, initial=0.0) < 1e-9]] = True
    return exposed


def _bridges(node_count: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Which edges of a multigraph are bridges (Tarjan, iterative; loops over edges, not answers)."""
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(node_count)]
    for edge, (a, b) in enumerate(zip(first.tolist(), second.tolist())):
        adjacency[a].append((b, edge))
        adjacency[b].append((a, edge))
    order = [-1] * node_count
    low = [0] * node_count
    bridge = np.zeros(len(first), dtype=bool)
    counter = 0
    for root in range(node_count):
        if order[root] != -1 or not adjacency[root]:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            for neighbour, edge in neighbours:
                if edge == via:
                    continue
                if order[neighbour] == -1:
                    order[neighbour] = low[neighbour] = counter
                    counter += 1
                    stack.append((neighbour, edge, iter(adjacency[neighbour])))
                    break
                low[node] = min(low[node], order[neighbour])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridge[via] = True
    return bridge


def suppress_table(counts: pd.DataFrame, min_group_size: int = MIN_GROUP_SIZE, *,
                   row_totals: bool = True, column_totals: bool = True) -> pd.DataFrame:
    """Which cells of a groups × options count table to hide (True = hidden).

    Rows are groups: a row whose total is below `min_group_size` is hidden whole. If that leaves
    exactly one hidden row under visible column totals, the smallest other row is hidden too.
    Then `protect` hides further cells until none is recoverable from the visible cells and the
    margins. `row_totals` / `column_totals` say which margins the reader sees.
    """
    values = counts.to_numpy(dtype=float)
    rows, cols = values.shape
    hidden = np.zeros(values.shape, dtype=bool)
    row_sums = values.sum(axis=1)
    hidden[too_small(row_sums, min_group_size)] = True
    hidden_rows = hidden.all(axis=1) & (cols > 0)
    if column_totals and rows > 1 and hidden_rows.sum() == 1:
        hidden[np.argmin(np.where(hidden_rows, np.inf, row_sums))] = True
    row_ids, col_ids = np.indices(values.shape)
    lines = ([row_ids.ravel()] if row_totals else []) + ([col_ids.ravel()] if column_totals else [])
    flat = protect(values.ravel(), hidden.ravel(), lines, np.zeros(values.size, dtype=int))
    return pd.DataFrame(flat.reshape(values.shape), index=counts.index, columns=counts.columns)


def recoverable_cells(hidden, *, row_totals: bool = True, column_totals: bool = True) -> np.ndarray:
    """Hidden cells of a two-way table that the visible cells and margins determine (True = exposed)."""
    hidden = np.asarray(hidden, dtype=bool)
    row_ids, col_ids = np.indices(hidden.shape)
    lines = ([row_ids.ravel()] if row_totals else []) + ([col_ids.ravel()] if column_totals else [])
    exposed = exposed_figures(hidden.ravel(), lines, np.zeros(hidden.size, dtype=int))
    return exposed.reshape(hidden.shape)


def apply_mask(counts: pd.DataFrame, hidden: pd.DataFrame) -> pd.DataFrame:
    """The counts with hidden cells as missing (nullable integers, JSON null)."""
    return counts.astype("Int64").mask(hidden)


def protect_nested(schools: pd.DataFrame, zones: pd.DataFrame, *, parent: str = "zone_id",
                   size: str = "n", flag: str = "suppressed", fixed: Sequence[str] = ("key",)) -> pd.Series:
    """School flags extended so a hidden zone cannot be rebuilt from its visible schools.

    `schools` (parent, school, *fixed, size, flag) and `zones` (parent, *fixed, size, flag) are
    each already protected on their own level (`complementary_suppression`). A zone hidden as the
    partner of another is still exposed if every school in it is visible (their figures add up to
    the zone's), and through the county total so is the zone it protects. So every hidden zone
    that holds respondents gets its smallest school with respondents hidden too, if none is.
    """
    flags = schools[flag].to_numpy(dtype=bool).copy()
    keys = [parent, *fixed]
    hidden_zones = zones.loc[zones[flag].astype(bool) & (zones[size] > 0), keys]
    if hidden_zones.empty:
        return pd.Series(flags, index=schools.index, name=flag)
    marked = schools[keys].merge(hidden_zones.assign(_hidden=True), on=keys, how="left")["_hidden"]
    in_hidden_zone = marked.notna().to_numpy()
    filled = schools[size].to_numpy(dtype=float) > 0
    candidates = schools[in_hidden_zone & filled]
    for _, group in candidates.groupby(keys, sort=False):
        if not flags[schools.index.get_indexer(group.index)].any():
            flags[schools.index.get_indexer([group[size].idxmin()])] = True
    return pd.Series(flags, index=schools.index, name=flag)
