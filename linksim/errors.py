"""User-facing errors.

Library code raises :class:`LinksimError` (never ``sys.exit``); the CLI turns it
into one line on stderr and exit code 2.
"""


class LinksimError(Exception):
    """Bad input from the user: a one-line message naming the file, key and fix."""


class UnknownName(LinksimError, KeyError):
    """A registry lookup of a name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


def keyed(key: str, message: str) -> LinksimError:
    """A :class:`LinksimError` about the scenario key ``key`` (``err.key``), so that the
    code that knows the scenario names its file and line (``file:line: table.key: ...``)."""
    err = LinksimError(message)
    err.key = key
    return err
