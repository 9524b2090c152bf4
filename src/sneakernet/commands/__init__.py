"""Command families; each module has `register(app)`."""
