"""Pure-Python FAT32 card images: writer, reader and the layout arithmetic both share.

Public API (documented in docs/fat.md, "For other modules"):
- building: scan_source, ImageOptions, plan_image, write_image, build_image, iter_extents,
  stream_image
- capacity: compute_geometry, plan_capacity, item_cost, Usage, Geometry
- reading: open_volume, FatVolume, Entry, Region
"""

from sneakernet.fat.layout import (
    Geometry,
    ItemCost,
    LayoutError,
    Usage,
    compute_geometry,
    default_cluster_size,
    item_cost,
    measure,
    minimum_image_size,
    plan_capacity,
)
from sneakernet.fat.reader import Entry, FatVolume, Region, open_volume
from sneakernet.fat.source import SourceTree, is_debris, scan_source
from sneakernet.fat.tree import Node, tree_from_items
from sneakernet.fat.writer import (
    DEFAULT_TIMESTAMP,
    Extent,
    ImageOptions,
    ImagePlan,
    build_image,
    iter_extents,
    parse_timestamp,
    plan_image,
    stream_image,
    write_image,
)

__all__ = [
    "DEFAULT_TIMESTAMP",
    "Entry",
    "Extent",
    "FatVolume",
    "Geometry",
    "ImageOptions",
    "ImagePlan",
    "ItemCost",
    "LayoutError",
    "Node",
    "Region",
    "SourceTree",
    "Usage",
    "build_image",
    "compute_geometry",
    "default_cluster_size",
    "is_debris",
    "item_cost",
    "iter_extents",
    "measure",
    "minimum_image_size",
    "open_volume",
    "parse_timestamp",
    "plan_capacity",
    "plan_image",
    "scan_source",
    "stream_image",
    "tree_from_items",
    "write_image",
]
