"""Bad input from the operator's side: one line, exit status 2, nothing half written.

Every case runs the real command. Each asserts the exit status, the one line
(no trace), and that nothing was left under a final name.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.conftest import assert_user_error, run_cli

from sneakernet.library.catalog import MIGRATIONS, SCHEMA_VERSION


def catalog_of(project: Path) -> Path:
    return project / ".sneakernet" / "catalog.sqlite"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "notes.txt").write_text("a few words of text\n", encoding="utf-8")
    (folder / "poem.txt").write_text("a poem\n", encoding="utf-8")
    return folder


@pytest.fixture
def project(tmp_path: Path, library: Path) -> Path:
    root = tmp_path / "proj"
    assert run_cli("init", root).code == 0
    result = run_cli("add", library / "notes.txt", cwd=root)
    assert result.code == 0, result.stderr
    return root


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- file names, folders, destinations --------------------------------------


def test_add_refuses_a_folder_holding_a_name_that_is_not_utf8(project, library):
    bad = Path(os.fsdecode(library)) / os.fsdecode(b"\xc7\xd1\xb1\xdb.txt")  # EUC-KR 한글
    bad.write_text("text", encoding="utf-8")
    before = catalog_of(project).read_bytes()
    result = run_cli("add", library, cwd=project)
    assert_user_error(result, "not valid UTF-8", "library/\\xc7", "\\xdb.txt", "rename it")
    # Nothing of the folder was added, not even its good files.
    assert catalog_of(project).read_bytes() == before
    listed = json.loads(run_cli("ls", "--json", cwd=project).stdout)
    assert [it["name"] for it in listed] == ["notes.txt"]


def test_image_ls_and_extract_refuse_a_folder(tmp_path, library):
    for command in ("ls", "extract"):
        args = ["image", command, library] + ([tmp_path / "out"] if command == "extract" else [])
        assert_user_error(run_cli(*args), "is a folder", "image build")
    assert not (tmp_path / "out").exists()


@pytest.fixture
def image(tmp_path: Path, library: Path) -> Path:
    out = tmp_path / "card.img"
    result = run_cli("image", "build", library, "-o", out, "--size", "48M")
    assert result.code == 0, result.stderr
    return out


def test_image_extract_to_a_destination_that_cannot_be_created(tmp_path, image):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = run_cli("image", "extract", image, blocker / "inside")
    assert_user_error(result, "cannot create", "inside")
    assert blocker.read_text(encoding="utf-8") == "x"


def test_plan_output_into_a_missing_folder(project, tmp_path):
    target = tmp_path / "no-such-folder" / "plan.json"
    result = run_cli("plan", "--size", "64M", "-o", target, cwd=project)
    assert_user_error(result, "cannot write the plan", "no-such-folder", "folder that exists")
    assert not target.parent.exists()


# -- the catalog ------------------------------------------------------------


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def overwrite(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:1100] = bytes(range(256)) * 3 + bytes(232)
    path.write_bytes(bytes(data))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def commands(library: Path, project: Path) -> dict[str, list]:
    return {
        "ls": ["ls"],
        "add": ["add", library / "poem.txt"],
        "plan": ["plan", "--size", "64M", "-o", project / "plan.json"],
        "make": ["make", "--size", "48M"],
        "init": ["init", project],
        "set": ["set", "1", "--priority", "7"],
        "rm": ["rm", "1"],
    }


@pytest.mark.parametrize("damage", [truncate, overwrite, empty], ids=lambda f: f.__name__)
def test_a_damaged_catalog_is_refused_by_every_command(project, library, damage):
    damage(catalog_of(project))
    damaged = catalog_of(project).read_bytes()
    for name, args in commands(library, project).items():
        result = run_cli(*args, cwd=project)
        assert_user_error(result, "catalog", "damaged", "sneakernet init")
        assert "catalog checked" not in result.stderr, name
        assert catalog_of(project).read_bytes() == damaged, name  # never replaced
    assert not (project / "plan.json").exists()
    assert not (project / "cards").exists()
    assert names(project / ".sneakernet") == ["cache", "catalog.sqlite"]


def test_an_empty_catalog_is_not_an_empty_library(project):
    empty(catalog_of(project))
    result = run_cli("ls", cwd=project)
    assert_user_error(result, "0 bytes", "restore")
    assert "library is empty" not in result.stderr


def test_make_keeps_a_copy_of_the_catalog_and_the_refusal_names_it(project, library):
    result = run_cli("make", "--size", "48M", cwd=project)
    assert result.code == 0, result.stderr
    kept = project / ".sneakernet" / "catalog.before-make.sqlite"
    with sqlite3.connect(kept) as db:
        assert db.execute("PRAGMA quick_check").fetchone() == ("ok",)
        assert [r[0] for r in db.execute("SELECT path FROM items")] == [
            str((library / "notes.txt").resolve())
        ]
    empty(catalog_of(project))
    result = run_cli("add", library / "poem.txt", cwd=project)
    assert_user_error(result, str(kept), "cp ")
    # Following the advice brings the library back.
    os.replace(kept, catalog_of(project))
    listed = json.loads(run_cli("ls", "--json", cwd=project).stdout)
    assert [it["name"] for it in listed] == ["notes.txt"]


def test_a_migration_keeps_a_copy_of_the_older_catalog(tmp_path):
    root = tmp_path / "proj"
    assert run_cli("init", root).code == 0
    catalog_of(root).unlink()
    db = sqlite3.connect(catalog_of(root), isolation_level=None)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO items(hash, path, size, kind, tags) VALUES ('ab', '/x/a.pdf', 5, 'book', 't')"
    )
    db.close()
    old = catalog_of(root).read_bytes()
    result = run_cli("ls", "--json", cwd=root)
    assert result.code == 0, result.stderr
    assert [it["tags"] for it in json.loads(result.stdout)] == [["t"]]
    kept = root / ".sneakernet" / "catalog.before-migration-from-schema-1.sqlite"
    with sqlite3.connect(kept) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)
        assert db.execute("SELECT tags FROM items").fetchall() == [("t",)]
    with sqlite3.connect(catalog_of(root)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert catalog_of(root).read_bytes() != old


def test_a_missing_catalog_is_refused_and_init_creates_it(project):
    catalog_of(project).unlink()
    assert_user_error(run_cli("ls", cwd=project), "no catalog", "sneakernet init")
    assert not catalog_of(project).exists()
    result = run_cli("init", project)
    assert result.code == 0, result.stderr
    assert catalog_of(project).is_file()


# -- fuzz: a catalog damaged anywhere ---------------------------------------


FUZZ_COMMANDS = ("ls", "add", "plan", "set", "init")


@st.composite
def damage(draw, size: int):
    if draw(st.booleans()):
        return ("truncate", draw(st.integers(0, size - 1)))
    flips = draw(
        st.lists(st.tuples(st.integers(0, size - 1), st.integers(1, 255)), min_size=1, max_size=8)
    )
    return ("flip", flips)


def apply(data: bytes, how) -> bytes:
    kind, arg = how
    if kind == "truncate":
        return data[:arg]
    out = bytearray(data)
    for offset, mask in arg:
        out[offset] ^= mask
    return bytes(out)


class Good(bytes):
    """The sound catalog's bytes (shown short when hypothesis reports a case)."""

    def __repr__(self) -> str:
        return f"<catalog of {len(self)} bytes>"


@pytest.fixture(scope="module")
def fuzz_project(tmp_path_factory) -> tuple[Path, Path, bytes]:
    base = tmp_path_factory.mktemp("fuzz")
    library = base / "library"
    library.mkdir()
    for n in range(4):
        (library / f"text{n}.txt").write_text(f"words {n}\n" * (n + 1), encoding="utf-8")
    root = base / "proj"
    assert run_cli("init", root).code == 0
    result = run_cli("add", library, "--tag", "t", cwd=root)
    assert result.code == 0, result.stderr
    return root, library, Good(catalog_of(root).read_bytes())


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzz_every_command_works_or_refuses_in_one_line(fuzz_project, data):
    root, library, good = fuzz_project
    how = data.draw(damage(len(good)))
    command = data.draw(st.sampled_from(FUZZ_COMMANDS))
    damaged = apply(good, how)
    catalog = catalog_of(root)
    for leftover in (root / ".sneakernet").glob("catalog.*"):
        leftover.unlink()
    (root / "plan.json").unlink(missing_ok=True)
    catalog.write_bytes(damaged)
    args = {
        "ls": ["ls", "--json"],
        "add": ["add", library / "text0.txt", library / "new.txt"],
        "plan": ["plan", "--size", "64M", "-o", root / "plan.json"],
        "set": ["set", "t", "--priority", "9"],
        "init": ["init", root],
    }[command]
    (library / "new.txt").write_text("a new file\n", encoding="utf-8")
    result = run_cli(*args, cwd=root)
    event(f"{command}: {'works' if result.code == 0 else 'refused'}")
    assert "Traceback" not in result.stderr, (how, command, result.stderr)
    if result.code == 0:
        # It worked on what is there: the catalog is still a sound database.
        with sqlite3.connect(catalog) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert run_cli("ls", "--json", cwd=root).code == 0
        return
    assert_user_error(result)
    assert "catalog checked" not in result.stderr
    # Refused: the catalog is exactly as it was, never replaced, and nothing half written.
    assert catalog.read_bytes() == damaged, (how, command)
    assert not (root / "plan.json").exists()
    assert not [p for p in (root / ".sneakernet").iterdir() if ".part-" in p.name]
