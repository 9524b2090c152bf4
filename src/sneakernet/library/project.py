"""The project folder: `sneakernet.toml` plus `.sneakernet/` (catalog, cache).

Found like git finds a repository: walk up from the current directory until a
folder holds `sneakernet.toml`, unless `--project DIR` names one. Nothing in
`.sneakernet/` ever goes on a card: it is the operator's bookkeeping.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.errors import UserError
from sneakernet.policy import CACHEDIR_SIGNATURE, CACHEDIR_TAG, atomic_write
from sneakernet.sizes import parse_card_size, sold_capacity

CONFIG_NAME = "sneakernet.toml"
STATE_DIR = ".sneakernet"
CATALOG_NAME = "catalog.sqlite"
CACHE_DIR = "cache"

DEFAULT_CONFIG = """\
# sneakernet project settings. Nothing in this folder goes on a card.

# Device profile that `prepare` converts media for.
profile = "notel"

# Encoder speed for videos: "normal" (the profile's x264 preset), or a pace the
# profile lists: "rush" (faster, bigger files) or "patient" (slower, smaller)
# in the built-in profiles. `make --pace` wins.
pace = "normal"

# Card size used by `plan` and `make` when --size is not given. "16G" is a
# card sold as 16 GB, planned at 96 % of 16,000,000,000 bytes so the image
# fits every genuine one; give bytes (e.g. 15931539456) to plan one exactly.
card_size = "16G"

[naming]
# Folder names on the card: "ko" (Korean, e.g. 영상, 음악, 책) or "en".
language = "ko"
"""


@dataclass
class Config:
    profile: str = "notel"
    pace: str = "normal"
    card_size: int = sold_capacity(16 * 10**9)
    language: str = "ko"
    raw: dict = field(default_factory=dict)


@dataclass
class Project:
    root: Path
    config: Config

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def catalog_path(self) -> Path:
        return self.state_dir / CATALOG_NAME

    @property
    def cache_dir(self) -> Path:
        return self.state_dir / CACHE_DIR

    def open_catalog(self, *, create: bool = False):
        """The project's catalog; a missing or damaged one is refused (only `init` creates it)."""
        from sneakernet.library.catalog import Catalog

        return Catalog.open(self.catalog_path, create=create)


def load_config(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(
            f"cannot read {path}: {exc}; fix or recreate it with `sneakernet init`"
        ) from exc
    naming = data.get("naming", {})
    language = naming.get("language", "ko") if isinstance(naming, dict) else "ko"
    if language not in ("ko", "en"):
        raise UserError(f'{path}: naming.language must be "ko" or "en", not {language!r}')
    return Config(
        profile=str(data.get("profile", "notel")),
        pace=str(data.get("pace", "normal")),
        card_size=parse_card_size(str(data.get("card_size", "16G"))),
        language=language,
        raw=data,
    )


def init_project(directory: Path) -> tuple[Project, bool]:
    """Create (or complete) a project folder; returns (project, created)."""
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / CONFIG_NAME
    created = not config_path.exists()
    if created:
        atomic_write(config_path, DEFAULT_CONFIG)
    project = Project(directory, load_config(config_path))
    project.cache_dir.mkdir(parents=True, exist_ok=True)
    tag = project.cache_dir / CACHEDIR_TAG
    if not tag.exists():
        atomic_write(
            tag, CACHEDIR_SIGNATURE + b"\n# sneakernet's prepared copies; made again on need\n"
        )
    project.open_catalog(create=True).close()
    return project, created


def find_project(explicit: Path | None = None, start: Path | None = None) -> Project:
    """The project named by --project, or the nearest one above the current folder."""
    if explicit is not None:
        root = explicit.resolve()
        if not (root / CONFIG_NAME).is_file():
            raise UserError(
                f"{explicit} is not a sneakernet project (no {CONFIG_NAME}); "
                f"run `sneakernet init {explicit}` first"
            )
        return Project(root, load_config(root / CONFIG_NAME))
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return Project(folder, load_config(folder / CONFIG_NAME))
    raise UserError(
        "not inside a sneakernet project (no sneakernet.toml here or above); "
        "run `sneakernet init DIR` or pass --project DIR"
    )
