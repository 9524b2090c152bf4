"""sneakernet: turn a media library into clean, reproducible cards."""

__version__ = "0.1.0"
