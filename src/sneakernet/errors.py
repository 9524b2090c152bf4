"""User-facing errors.

A UserError is something the operator can fix (bad input, a refusal for
safety). The CLI prints it as one line and exits with status 2; the trace is
shown only with --debug.
"""


class UserError(Exception):
    """Bad input or a refusal: one clear line, exit status 2."""

    exit_code = 2


class ItemFailed(Exception):
    """One item of a batch failed; the batch carries on and exits 1."""
