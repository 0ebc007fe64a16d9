"""The one exception type that the CLI turns into a single clear line instead of a traceback."""


class UserError(Exception):
    """A problem the user can fix (bad config, missing file, unreadable input): printed as one line."""
