"""Kiwix ZIM encyclopedias: read, cleaned, cut to a budget, split for FAT32.

- `format`: the container at the byte level (no libzim): header, directory,
  clusters, and `rewrite`, which replaces blobs and copies everything else.
- `metadata`: which `M/` entries a reader needs, which name a group or a tool,
  and what replaces them.
"""
