"""The commands; each module maps its command names to `cliparse.Command`s in `COMMANDS`."""
