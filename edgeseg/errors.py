"""Errors a user can act on. The CLI prints them as one line and exits with code 1."""


class EdgesegError(Exception):
    """A failure the user can fix; the message names the file and says what to do."""


class DataError(EdgesegError):
    """Bad input data: an unreadable image, a mask of the wrong size, an empty folder."""
