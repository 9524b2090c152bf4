"""The catalog: one SQLite file listing the library's items.

The schema version lives in `PRAGMA user_version`; opening an older catalog
runs each migration in one transaction, so an interrupted upgrade leaves the
old version intact rather than a half-converted file.

A damaged catalog (truncated, overwritten, emptied) is refused, never
repaired or replaced: it is checked when opened, any later database error is
turned into the same refusal, and a consistent copy is kept beside it before
each migration and before each `make` (`backup`), which the refusal names.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sneakernet.errors import UserError
from sneakernet.policy import atomic_path

KINDS = ("video", "audio", "book", "encyclopedia", "other")
STATES = ("new", "prepared", "failed")


@dataclass(frozen=True)
class ItemRung:
    """One size a video can go on a card at (set before planning, not stored).

    Level 0 meets the profile's quality; each level below is cheaper, never
    below the profile's hard minimum. `value` is the share of the item's value
    it keeps; `setting` names the encoder setting that gives it (e.g. "crf 26").
    """

    level: int
    size: int  # bytes, estimated (or the prepared copy's exact size)
    value: float
    vmaf: float | None = None  # estimated, or measured once prepared
    setting: str = ""
    vmaf_measured: bool = False  # measured on the prepared copy, not the profile's estimate


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
    # An encyclopedia that fills what a card has left (a subset of it), not an item.
    fill: bool = False
    # What the profile is expected to make of it (set before planning, not stored).
    estimated_size: int | None = None
    # The sizes a video may be planned at, best first (set before planning, not stored);
    # None or one entry: planned at `card_size_estimate` only.
    rungs: tuple[ItemRung, ...] | None = None
    # The rung the plan chose, for the preparer (set by `make`, not stored).
    rung: ItemRung | None = None

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


def _v4(db: sqlite3.Connection) -> None:
    """Items can fill a card's remaining space (`set --fill`): a ZIM cut to size."""
    db.execute("ALTER TABLE items ADD COLUMN fill INTEGER NOT NULL DEFAULT 0")


# MIGRATIONS[i] turns a catalog of version i into version i + 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2, _v3, _v4)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(
    db: sqlite3.Connection,
    target: int = SCHEMA_VERSION,
    before: Callable[[int], None] | None = None,
) -> int:
    """Bring the catalog up to `target`; returns the version it had before.

    `before(version)` is called once before the first migration runs (to back
    the catalog up).
    """
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise UserError(
            f"the catalog was written by a newer sneakernet (schema {found}, this one knows "
            f"{SCHEMA_VERSION}); upgrade sneakernet"
        )
    if before is not None and 0 < found < target:
        before(found)
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
       i.state, i.state_reason, i.prepared_size, i.prepared_path, i.fill
FROM items i LEFT JOIN groups g ON g.id = i.group_id
"""


# Copies kept beside the catalog: before each `make`, and before migrating from schema N.
BACKUP_MAKE = "before-make"
BACKUP_MIGRATION = "before-migration-from-schema-{version}"


def backup_path(path: Path, reason: str) -> Path:
    """Where the copy of catalog `path` kept for `reason` lives (beside it)."""
    return path.with_name(f"{path.stem}.{reason}{path.suffix}")


def backups(path: Path) -> list[Path]:
    """The copies kept of catalog `path`, newest first."""
    found = [p for p in path.parent.glob(f"{path.stem}.before-*{path.suffix}") if p.is_file()]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


def restore_hint(path: Path) -> str:
    """What to do about a damaged catalog: the newest backup to copy back, or a new start."""
    kept = backups(path)
    start_over = f"or move it aside and run `sneakernet init {path.parent.parent}` for an empty one"
    if kept:
        return (
            f"restore the copy kept before the last change: `cp '{kept[0]}' '{path}'`, {start_over}"
        )
    return f"restore it from your own backup, {start_over} and add the library again"


class CatalogDamaged(UserError):
    """The catalog file is not a sound catalog; it is refused, never replaced."""

    def __init__(self, message: str, what: str) -> None:
        super().__init__(message)
        self.what = what


def _damaged(path: Path, what: str) -> CatalogDamaged:
    what = _one_line(what)
    return CatalogDamaged(f"the catalog {path} is damaged ({what}); {restore_hint(path)}", what)


def _database_error(path: Path, exc: sqlite3.Error) -> UserError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return UserError(
            f"the catalog {path} is in use by another sneakernet; wait for it to finish"
        )
    if isinstance(exc, sqlite3.OperationalError) and (
        "readonly" in text or "unable to open" in text or "disk I/O" in text or "full" in text
    ):
        return UserError(
            f"cannot write the catalog {path}: {text}; check the disk and its permissions"
        )
    return _damaged(path, text)


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.replace("*** in database main ***", "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Connection(sqlite3.Connection):
    """A connection whose database errors are refusals naming the catalog and its backup."""

    catalog_path: Path

    def execute(self, *args, **kwargs) -> _Rows:
        """Run a statement and read all its rows (a damaged page can show up on any row)."""
        try:
            cursor = super().execute(*args, **kwargs)
            return _Rows(cursor.fetchall(), cursor.rowcount, cursor.lastrowid)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:
            raise _database_error(self.catalog_path, exc) from exc
        except UnicodeDecodeError as exc:
            raise _damaged(self.catalog_path, "a text value is not valid UTF-8") from exc


class _Rows:
    """The rows of one statement, read already."""

    def __init__(self, rows: list, rowcount: int, lastrowid: int | None) -> None:
        self.rows, self.rowcount, self.lastrowid = rows, rowcount, lastrowid

    def fetchall(self) -> list:
        return self.rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def __iter__(self):
        return iter(self.rows)


def _connect(path: Path) -> _Connection:
    db = sqlite3.connect(path, isolation_level=None, factory=_Connection)
    db.catalog_path = path
    return db


class Catalog:
    """Items of one project; every change is committed at once."""

    def __init__(self, db: sqlite3.Connection, path: Path, migrated_from: int) -> None:
        self.db = db
        self.path = path
        self.migrated_from = migrated_from

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Catalog:
        """Open (or, with `create`, start) the catalog; a damaged one is refused.

        A catalog that exists is checked (`PRAGMA quick_check`) before it is
        used. A 0-byte file is refused rather than taken for a new catalog:
        it is what a crash or a full disk leaves of one.
        """
        path = Path(path)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            if not create:
                raise UserError(
                    f"the project has no catalog ({path} is missing); {restore_hint(path)}"
                ) from None
            size = None
        except OSError as exc:
            raise UserError(f"cannot read the catalog {path}: {exc.strerror}") from None
        if size is not None and not path.is_file():
            raise UserError(f"the catalog {path} is not a file; move it aside")
        if size == 0:
            raise _damaged(path, "it is empty, 0 bytes")
        if size is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = _connect(path)
        except sqlite3.Error as exc:
            raise _database_error(path, exc) from exc
        kept: list[Path] = []

        def keep_copy(version: int) -> None:
            # The first copy of each older schema is kept: it is the one to go back to.
            dst = backup_path(path, BACKUP_MIGRATION.format(version=version))
            if not dst.exists():
                _copy(db, dst)
                kept.append(dst)

        try:
            if size is not None:
                problems = [row[0] for row in db.execute("PRAGMA integrity_check(3)")]
                if problems != ["ok"]:
                    raise _damaged(path, "; ".join(map(str, problems)))
            db.execute("PRAGMA foreign_keys = ON")
            found = migrate(db, before=keep_copy)
        except BaseException as exc:
            db.close()
            # A failed migration left the catalog as it was: the copy is not needed.
            for copy in kept:
                copy.unlink(missing_ok=True)
            if kept and isinstance(exc, CatalogDamaged):
                raise _damaged(path, exc.what) from exc
            raise
        catalog = cls(db, path, found)
        try:
            catalog.items()  # every value of every item checked once
        except BaseException:
            db.close()
            raise
        return catalog

    def backup(self, reason: str = BACKUP_MAKE) -> Path:
        """Keep a consistent copy of the catalog beside it (replacing the last for `reason`)."""
        dst = backup_path(self.path, reason)
        _copy(self.db, dst)
        return dst

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

    # Column types of a row of _SELECT: a damaged catalog can hold any value anywhere.
    _COLUMNS = (
        ("id", int, False),
        ("hash", str, False),
        ("path", str, False),
        ("size", int, False),
        ("kind", str, False),
        ("priority", int, False),
        ("group", str, True),
        ("position", int, True),
        ("duration", (int, float), True),
        ("state", str, False),
        ("state_reason", str, True),
        ("prepared_size", int, True),
        ("prepared_path", str, True),
        ("fill", int, False),
    )

    def _item(self, row, tags: list[str]) -> Item:
        for value, (name, kind, optional) in zip(row, self._COLUMNS, strict=True):
            if not (isinstance(value, kind) or (optional and value is None)):
                raise _damaged(
                    self.path, f"item {row[0]!r} has {name} {_one_line(repr(value), 40)}"
                )
        if row[4] not in KINDS or row[9] not in STATES or row[3] < 0:
            raise _damaged(self.path, f"item {row[0]} has kind {row[4]!r}, state {row[9]!r}")
        if not all(isinstance(tag, str) for tag in tags):
            raise _damaged(self.path, f"item {row[0]} has a tag that is not text")
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
            fill=bool(row[13]),
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

    def set_fill(self, item_id: int, fill: bool) -> None:
        self.db.execute("UPDATE items SET fill = ? WHERE id = ?", (int(fill), item_id))

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


def _copy(db: sqlite3.Connection, dst: Path) -> None:
    """A consistent copy of the open catalog `db`, written all at once under `dst`."""
    try:
        with atomic_path(dst) as tmp:
            copy = sqlite3.connect(tmp)
            try:
                db.backup(copy)
            finally:
                copy.close()
    except sqlite3.Error as exc:
        raise _database_error(db.catalog_path, exc) from exc
    except OSError as exc:
        raise UserError(
            f"cannot keep a copy of the catalog as {dst}: {exc.strerror}; free some space"
        ) from None


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN")

    def __exit__(self, exc_type, *_) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
