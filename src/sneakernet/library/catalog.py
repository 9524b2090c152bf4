"""The catalog: one SQLite file listing the library's items.

The schema version lives in `PRAGMA user_version`; opening an older catalog
runs each migration in one transaction, so an interrupted upgrade leaves the
old version intact rather than a half-converted file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sneakernet.errors import UserError

KINDS = ("video", "audio", "book", "encyclopedia", "other")
STATES = ("new", "prepared", "failed")


@dataclass
class Item:
    """One original in the library, identified by the hash of its content."""

    id: int
    hash: str
    path: str
    size: int
    kind: str
    priority: int = 5
    tags: tuple[str, ...] = ()
    group: str | None = None
    position: int | None = None
    duration: float | None = None
    state: str = "new"
    state_reason: str | None = None
    prepared_size: int | None = None
    prepared_path: str | None = None
    # What the profile is expected to make of it (set before planning, not stored).
    estimated_size: int | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def card_size_estimate(self) -> int:
        """Bytes the item will take as a file: prepared size when known, else the estimate
        from its profile, else the original's."""
        if self.prepared_size is not None:
            return self.prepared_size
        return self.estimated_size if self.estimated_size is not None else self.size

    @property
    def size_is_estimate(self) -> bool:
        return self.prepared_size is None


def _script(db: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: `executescript` would commit the open transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    """First layout: tags as one comma-separated column, series name per item."""
    _script(
        db,
        """
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            hash TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            kind TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 5,
            tags TEXT NOT NULL DEFAULT '',
            series TEXT,
            episode INTEGER
        );
        """,
    )


def _v2(db: sqlite3.Connection) -> None:
    """Tags and groups get their own tables; items gain duration and preparation state."""
    _script(
        db,
        """
        CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE item_tags (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (item_id, tag)
        );
        ALTER TABLE items ADD COLUMN group_id INTEGER REFERENCES groups(id);
        ALTER TABLE items ADD COLUMN position INTEGER;
        ALTER TABLE items ADD COLUMN duration REAL;
        ALTER TABLE items ADD COLUMN state TEXT NOT NULL DEFAULT 'new';
        ALTER TABLE items ADD COLUMN state_reason TEXT;
        ALTER TABLE items ADD COLUMN prepared_size INTEGER;
        ALTER TABLE items ADD COLUMN prepared_path TEXT;
        INSERT INTO groups(name) SELECT DISTINCT series FROM items WHERE series IS NOT NULL;
        UPDATE items SET group_id = (SELECT id FROM groups WHERE name = items.series),
                         position = episode;
        """,
    )
    rows = db.execute("SELECT id, tags FROM items").fetchall()
    for item_id, tags in rows:
        for tag in {t.strip() for t in (tags or "").split(",") if t.strip()}:
            db.execute("INSERT INTO item_tags(item_id, tag) VALUES (?, ?)", (item_id, tag))
    _script(
        db,
        """
        ALTER TABLE items DROP COLUMN tags;
        ALTER TABLE items DROP COLUMN series;
        ALTER TABLE items DROP COLUMN episode;
        CREATE INDEX items_group ON items(group_id, position);
        """,
    )


def _drop_empty_groups(db: sqlite3.Connection) -> None:
    db.execute(
        "DELETE FROM groups WHERE id NOT IN (SELECT group_id FROM items WHERE group_id IS NOT NULL)"
    )


def _v3(db: sqlite3.Connection) -> None:
    """Folders were series whatever they held; now only episodes are (`grouping`).

    A group named after its members' folder was guessed from the folder: its
    files that do not read as episodes become items of their own. A group the
    user named (`add --group`) is kept as it is.
    """
    from sneakernet.library.grouping import decide

    groups = db.execute("SELECT id, name FROM groups").fetchall()
    for group_id, name in groups:
        rows = db.execute("SELECT id, path FROM items WHERE group_id = ?", (group_id,)).fetchall()
        paths = {Path(path): item_id for item_id, path in rows}
        parents = {p.parent for p in paths}
        if len(parents) != 1 or next(iter(parents)).name != name:
            continue
        (decision,) = decide(next(iter(parents)), list(paths))
        for loose in decision.separate:
            db.execute(
                "UPDATE items SET group_id = NULL, position = NULL WHERE id = ?", (paths[loose],)
            )
    _drop_empty_groups(db)


# MIGRATIONS[i] turns a catalog of version i into version i + 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2, _v3)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the catalog up to `target`; returns the version it had before."""
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise UserError(
            f"the catalog was written by a newer sneakernet (schema {found}, this one knows "
            f"{SCHEMA_VERSION}); upgrade sneakernet"
        )
    for version in range(found, target):
        db.execute("BEGIN")
        try:
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return found


_SELECT = """
SELECT i.id, i.hash, i.path, i.size, i.kind, i.priority, g.name, i.position, i.duration,
       i.state, i.state_reason, i.prepared_size, i.prepared_path
FROM items i LEFT JOIN groups g ON g.id = i.group_id
"""


class Catalog:
    """Items of one project; every change is committed at once."""

    def __init__(self, db: sqlite3.Connection, path: Path, migrated_from: int) -> None:
        self.db = db
        self.path = path
        self.migrated_from = migrated_from

    @classmethod
    def open(cls, path: Path) -> Catalog:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA foreign_keys = ON")
            found = migrate(db)
        except sqlite3.DatabaseError as exc:
            raise UserError(f"cannot open the catalog {path}: {exc}") from exc
        return cls(db, path, found)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # Reading

    def items(self) -> list[Item]:
        rows = self.db.execute(_SELECT + " ORDER BY i.id").fetchall()
        tags: dict[int, list[str]] = {}
        for item_id, tag in self.db.execute("SELECT item_id, tag FROM item_tags ORDER BY tag"):
            tags.setdefault(item_id, []).append(tag)
        return [self._item(row, tags.get(row[0], [])) for row in rows]

    def get(self, item_id: int) -> Item | None:
        row = self.db.execute(_SELECT + " WHERE i.id = ?", (item_id,)).fetchone()
        return self._item(row, self._tags(item_id)) if row else None

    def by_hash(self, digest: str) -> Item | None:
        row = self.db.execute(_SELECT + " WHERE i.hash = ?", (digest,)).fetchone()
        return self._item(row, self._tags(row[0])) if row else None

    def group_size(self, name: str) -> int:
        return self.db.execute(
            "SELECT count(*) FROM items i JOIN groups g ON g.id = i.group_id WHERE g.name = ?",
            (name,),
        ).fetchone()[0]

    def resolve(self, refs: Iterable[str]) -> list[Item]:
        """Items named by id, hash prefix (8+ hex digits), group name or tag."""
        everything = self.items()
        chosen: dict[int, Item] = {}
        for ref in refs:
            matches = [
                it
                for it in everything
                if (ref.isdigit() and it.id == int(ref))
                or (len(ref) >= 8 and it.hash.startswith(ref.lower()))
                or it.group == ref
                or ref in it.tags
            ]
            if not matches:
                raise UserError(
                    f"no item matches {ref!r}: give an id, a hash prefix, a group or a tag "
                    "(see `sneakernet ls`)"
                )
            chosen.update((it.id, it) for it in matches)
        return [chosen[k] for k in sorted(chosen)]

    def _tags(self, item_id: int) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT tag FROM item_tags WHERE item_id = ? ORDER BY tag", (item_id,)
            )
        ]

    @staticmethod
    def _item(row, tags: list[str]) -> Item:
        return Item(
            id=row[0],
            hash=row[1],
            path=row[2],
            size=row[3],
            kind=row[4],
            priority=row[5],
            tags=tuple(tags),
            group=row[6],
            position=row[7],
            duration=row[8],
            state=row[9],
            state_reason=row[10],
            prepared_size=row[11],
            prepared_path=row[12],
        )

    # Writing

    def add(self, item: Item) -> int:
        """Insert a new item (its id is assigned here) and return the id."""
        with self._transaction():
            group_id = self._group_id(item.group) if item.group else None
            cur = self.db.execute(
                "INSERT INTO items(hash, path, size, kind, priority, group_id, position, duration,"
                " state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'new')",
                (
                    item.hash,
                    item.path,
                    item.size,
                    item.kind,
                    item.priority,
                    group_id,
                    item.position,
                    item.duration,
                ),
            )
            item_id = cur.lastrowid
            for tag in sorted(set(item.tags)):
                self.db.execute("INSERT INTO item_tags VALUES (?, ?)", (item_id, tag))
        return item_id

    def move(self, item_id: int, path: str) -> None:
        self.db.execute("UPDATE items SET path = ? WHERE id = ?", (path, item_id))

    def set_priority(self, item_id: int, priority: int) -> None:
        self.db.execute("UPDATE items SET priority = ? WHERE id = ?", (priority, item_id))

    def add_tags(self, item_id: int, tags: Iterable[str]) -> None:
        with self._transaction():
            for tag in tags:
                self.db.execute("INSERT OR IGNORE INTO item_tags VALUES (?, ?)", (item_id, tag))

    def remove_tags(self, item_id: int, tags: Iterable[str]) -> None:
        with self._transaction():
            for tag in tags:
                self.db.execute(
                    "DELETE FROM item_tags WHERE item_id = ? AND tag = ?", (item_id, tag)
                )

    def set_prepared(self, item_id: int, prepared_path: str, prepared_size: int) -> None:
        self.db.execute(
            "UPDATE items SET state = 'prepared', state_reason = NULL, prepared_path = ?,"
            " prepared_size = ? WHERE id = ?",
            (prepared_path, prepared_size, item_id),
        )

    def set_group(self, item_ids: list[int], name: str | None) -> None:
        """Make the items series `name` (after its members, in natural order of names),
        or, with None, items of their own. Groups left empty are removed."""
        from sneakernet.policy import natural_key

        items = sorted((self.get(i) for i in item_ids), key=lambda it: natural_key(it.name))
        with self._transaction():
            if name is None:
                self.db.executemany(
                    "UPDATE items SET group_id = NULL, position = NULL WHERE id = ?",
                    [(it.id,) for it in items],
                )
            else:
                group_id = self._group_id(name)
                others = [it for it in self.items() if it.group == name and it.id not in item_ids]
                start = max((it.position or 0 for it in others), default=0)
                self.db.executemany(
                    "UPDATE items SET group_id = ?, position = ? WHERE id = ?",
                    [(group_id, start + n, it.id) for n, it in enumerate(items, 1)],
                )
            _drop_empty_groups(self.db)

    def set_failed(self, item_id: int, reason: str) -> None:
        self.db.execute(
            "UPDATE items SET state = 'failed', state_reason = ? WHERE id = ?", (reason, item_id)
        )

    def remove(self, item_ids: Iterable[int]) -> int:
        with self._transaction():
            count = 0
            for item_id in item_ids:
                count += self.db.execute("DELETE FROM items WHERE id = ?", (item_id,)).rowcount
            _drop_empty_groups(self.db)
        return count

    def _group_id(self, name: str) -> int:
        self.db.execute("INSERT OR IGNORE INTO groups(name) VALUES (?)", (name,))
        return self.db.execute("SELECT id FROM groups WHERE name = ?", (name,)).fetchone()[0]

    def _transaction(self):
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN")

    def __exit__(self, exc_type, *_) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
