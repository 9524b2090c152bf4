"""Cleaning: remove everything identifying from files, losslessly.

`inspect_file(path)` lists what an inspector could read from a file;
`clean_file(src, dst, options)` writes a cleaned copy and returns a
`CleanReport`. Both choose the format's cleaner by content.
"""

from sneakernet.clean.api import (
    CleanReport,
    UnknownFormat,
    book_format,
    clean_file,
    content_format,
    inspect_file,
)
from sneakernet.clean.base import CleanError, CleanOptions, Finding

__all__ = [
    "CleanError",
    "CleanOptions",
    "CleanReport",
    "Finding",
    "UnknownFormat",
    "book_format",
    "clean_file",
    "content_format",
    "inspect_file",
]
