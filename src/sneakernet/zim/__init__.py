"""Kiwix ZIM encyclopedias: read, cleaned, cut to a budget, probed.

- `format`: the container at the byte level (no libzim): header, directory,
  clusters, and `rewrite`, which replaces blobs and copies everything else.
- `metadata`: which `M/` entries a reader needs, which name a group or a tool,
  and what replaces them.
- `cleaning`: `inspect_zim` and `clean_zim` (the `clean` ZIM cleaner uses them).
- `links`: links in article pages, resolved and cut when their target goes.
- `subset`: the most linked articles that fit a byte budget (`set --fill`).
- `probe`: articles, media, size without pictures, metadata.

Splitting for FAT32 (`name.zimaa`...) is a FAT rule: `sneakernet.fat.split`.
"""
