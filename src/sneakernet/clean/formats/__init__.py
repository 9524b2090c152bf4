"""One cleaner per format family, each behind the `Cleaner` interface."""
