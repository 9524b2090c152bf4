"""sneakernet's own files never go on a card, and the audit finds them when they do.

A project kept inside the library it cards (settings, catalog, plans, card
manifests, card images) and caches are left out by `add`; the audit flags a
plan, a manifest or a catalog by content whatever it is called.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import assert_user_error, run_cli


def make_library_holding_its_project(tmp_path: Path) -> tuple[Path, Path]:
    library = tmp_path / "library"
    library.mkdir()
    (library / "story.txt").write_text("once upon a time\n", encoding="utf-8")
    project = library / "cards-project"
    assert run_cli("init", project).code == 0
    assert run_cli("add", library / "story.txt", cwd=project).code == 0
    result = run_cli("make", "--size", "48M", cwd=project)
    assert result.code == 0, result.stderr
    assert run_cli("plan", "--size", "48M", "-o", project / "plan.json", cwd=project).code == 0
    # A cache of some other program, marked as the convention says.
    cache = library / "thumbs-cache"
    cache.mkdir()
    (cache / "CACHEDIR.TAG").write_bytes(b"Signature: 8a477f597d28d172789f06886806bc55\n")
    (cache / "a.txt").write_text("cached\n", encoding="utf-8")
    return library, project


def added_paths(project: Path) -> list[str]:
    result = run_cli("ls", "--json", cwd=project)
    assert result.code == 0, result.stderr
    return [it["path"] for it in json.loads(result.stdout)]


def test_add_leaves_out_a_project_inside_the_library_and_caches(tmp_path):
    library, project = make_library_holding_its_project(tmp_path)
    # Copies of the plan and manifest under other names, loose in the library.
    shutil.copy(project / "plan.json", library / "notes.json")
    shutil.copy(project / "cards" / "card-01.manifest.json", library / "list.json")
    shutil.copy(project / ".sneakernet" / "catalog.sqlite", library / "old.db")
    result = run_cli("add", library, cwd=project)
    assert result.code == 0, result.stderr
    assert f"left out {project}: a sneakernet project folder" in result.stderr
    assert "thumbs-cache: a cache folder" in result.stderr
    for name, kind in (
        ("notes.json", "plan"),
        ("list.json", "card manifest"),
        ("old.db", "catalog"),
    ):
        assert f"left out {library / name}: a sneakernet {kind}" in result.stderr
    paths = added_paths(project)
    assert paths == [str((library / "story.txt").resolve())]
    # And what is on the card holds none of it.
    assert run_cli("make", "--size", "48M", cwd=project).code == 0
    image = (project / "cards" / "card-01.img").read_bytes()
    for marker in (b"sneakernet-plan", b"sneakernet-card-manifest", b"SQLite format 3"):
        assert marker not in image


def test_add_of_the_project_folder_itself_takes_none_of_its_bookkeeping(tmp_path):
    library, project = make_library_holding_its_project(tmp_path)
    (project / "film-notes.txt").write_text("a note\n", encoding="utf-8")
    result = run_cli("add", project, cwd=project)
    assert result.code == 0, result.stderr
    assert added_paths(project)[-1] == str((project / "film-notes.txt").resolve())
    assert not [p for p in added_paths(project) if "sneakernet" in Path(p).name]
    assert not [p for p in added_paths(project) if "/cards/" in p or p.endswith("plan.json")]


def test_add_refuses_a_project_file_named_on_the_command_line(tmp_path):
    library, project = make_library_holding_its_project(tmp_path)
    for path, fragment in (
        (project / "plan.json", "a sneakernet plan"),
        (project / "cards" / "card-01.manifest.json", "card manifest"),
        (project / "sneakernet.toml", "project settings"),
        (project / ".sneakernet" / "catalog.sqlite", "catalog"),
        (library / "thumbs-cache" / "a.txt", "a cache"),
    ):
        assert_user_error(run_cli("add", path, cwd=project), fragment, "never goes on a card")
    assert len(added_paths(project)) == 1


def test_audit_flags_sneakernet_files_by_content_on_a_card(tmp_path):
    library, project = make_library_holding_its_project(tmp_path)
    folder = tmp_path / "careless"
    folder.mkdir()
    (folder / "story.txt").write_text("once upon a time\n", encoding="utf-8")
    shutil.copy(project / "plan.json", folder / "readme.json")
    shutil.copy(project / "cards" / "card-01.manifest.json", folder / "index.json")
    shutil.copy(project / ".sneakernet" / "catalog.sqlite", folder / "data.bin")
    shutil.copy(project / "sneakernet.toml", folder / "sneakernet.toml")
    image = tmp_path / "careless.img"
    assert run_cli("image", "build", folder, "-o", image, "--size", "48M").code == 0
    for target in (folder, image):
        result = run_cli("audit", target, "--json")
        assert result.code == 1, result.stderr
        found = {
            f["where"]: f["why"]
            for f in json.loads(result.stdout)["findings"]
            if f["field"] == "sneakernet operator file"
        }
        assert set(found) == {"readme.json", "index.json", "data.bin", "sneakernet.toml"}, found
        assert "plan" in found["readme.json"] and "manifest" in found["index.json"]
        assert "catalog" in found["data.bin"] and "settings" in found["sneakernet.toml"]
