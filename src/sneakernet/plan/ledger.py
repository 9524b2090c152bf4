"""Exact running account of a card while units are added or taken away.

It counts what the FAT layout counts: each file's clusters, and each folder's
clusters from the slots its entries take, a folder existing only while
something is in it. The heuristics use it to know exactly what one more unit
costs.
"""

from __future__ import annotations

from sneakernet.plan.model import Problem, Unit


class Ledger:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.capacity = problem.capacity
        dirs = problem.dirs
        self.slots = [dirs[0].own_slots] + [0] * (len(dirs) - 1)
        self.members = [0] * len(dirs)  # units and folders directly inside
        self.dir_used = [0] * len(dirs)
        self.dir_used[0] = self.capacity.dir_clusters(self.slots[0])
        self.used = self.dir_used[0]
        self.chosen: set[int] = set()
        self.choices: dict[int, int] = {}  # choice -> the one of its units on the card
        self.kind_clusters: dict[str, int] = {}
        self.value = 0.0
        self.limits = {q.kind: problem.quota_clusters(q) for q in problem.quotas if not q.at_least}

    @property
    def free(self) -> int:
        return self.capacity.cluster_count - self.used

    def _delta(self, unit: Unit, sign: int) -> dict[int, int]:
        """Slot changes per folder when the unit comes (+1) or goes (-1)."""
        dirs = self.problem.dirs
        changes = {unit.directory: sign * unit.slots}
        d = unit.directory
        members = {d: sign}
        while d != 0:
            after = self.members[d] + members.get(d, 0)
            before = self.members[d]
            if (before == 0) == (after == 0):
                break
            parent = dirs[d].parent
            step = 1 if after else -1
            changes[d] = changes.get(d, 0) + step * dirs[d].own_slots
            changes[parent] = changes.get(parent, 0) + step * dirs[d].name_slots
            members[parent] = members.get(parent, 0) + step
            d = parent
        self._pending_members = members
        return changes

    def cost(self, unit: Unit) -> int:
        """Clusters the card would use more if `unit` were added."""
        extra = unit.data_clusters
        for d, change in self._delta(unit, +1).items():
            before = self.dir_used[d]
            after_slots = self.slots[d] + change
            after = self.capacity.dir_clusters(after_slots) if (d == 0 or after_slots) else 0
            extra += after - before
        return extra

    def taken(self, unit: Unit) -> bool:
        """The unit, or another rung of the same item, is on the card."""
        return unit.index in self.chosen or (
            unit.choice is not None and unit.choice in self.choices
        )

    def allowed(self, unit: Unit) -> bool:
        """Fits, keeps every at-most quota, and no other rung of it is on the card."""
        if unit.choice is not None and unit.choice in self.choices:
            return False
        if self.cost(unit) > self.free:
            return False
        if self.over_limit(unit):
            return False
        return unit.previous is None or unit.previous in self.chosen

    def over_limit(self, unit: Unit) -> str | None:
        """The kind whose at-most quota the unit would break, if any."""
        for kind, clusters in unit.kind_clusters.items():
            limit = self.limits.get(kind)
            if limit is not None and self.kind_clusters.get(kind, 0) + clusters > limit:
                return kind
        return None

    def _apply(self, unit: Unit, sign: int) -> None:
        changes = self._delta(unit, sign)
        for d, change in self._pending_members.items():
            self.members[d] += change
        for d, change in changes.items():
            self.slots[d] += change
            new = self.capacity.dir_clusters(self.slots[d]) if (d == 0 or self.members[d]) else 0
            self.used += new - self.dir_used[d]
            self.dir_used[d] = new
        self.used += sign * unit.data_clusters
        for kind, clusters in unit.kind_clusters.items():
            self.kind_clusters[kind] = self.kind_clusters.get(kind, 0) + sign * clusters
        self.value += sign * unit.value

    def add(self, unit: Unit) -> None:
        if unit.index in self.chosen:
            raise ValueError(f"unit {unit.index} is already on the card")
        if unit.choice is not None and unit.choice in self.choices:
            raise ValueError(f"unit {unit.index}: another rung of it is already on the card")
        self._apply(unit, +1)
        self.chosen.add(unit.index)
        if unit.choice is not None:
            self.choices[unit.choice] = unit.index

    def remove(self, unit: Unit) -> None:
        if unit.index not in self.chosen:
            raise ValueError(f"unit {unit.index} is not on the card")
        self._apply(unit, -1)
        self.chosen.discard(unit.index)
        if unit.choice is not None:
            del self.choices[unit.choice]
