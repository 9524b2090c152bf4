"""The operator's library: a project folder, its catalog of items, and adding to it.

Originals stay where they are; the catalog remembers them by content hash.
"""

from sneakernet.library.catalog import Catalog, Item
from sneakernet.library.project import Project, find_project, init_project

__all__ = ["Catalog", "Item", "Project", "find_project", "init_project"]
