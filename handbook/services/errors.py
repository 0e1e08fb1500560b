"""Business failures that views translate into 404s, 409s and messages."""


class ServiceError(Exception):
    """Base of every business failure; `str()` is a message fit to show the user."""


class NotFound(ServiceError):
    """The thing does not exist, or the user may not know that it does."""


class InvalidInput(ServiceError):
    """The submission breaks a rule (length, encoding, uniqueness); nothing was saved."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class TextRefused(InvalidInput):
    """The text could not be rendered within its budget."""

    def __init__(self, message):
        super().__init__(message, "body")


class NoChange(ServiceError):
    """The edit changes nothing, so no revision was made."""


class EditConflict(ServiceError):
    """The page changed since the editor's base and the changes overlap."""

    def __init__(self, current, conflicts):
        super().__init__(
            "Someone published a change to the same lines while you were editing."
            " Nothing was saved: compare the texts below, reconcile them and save again."
        )
        self.current = current
        self.conflicts = conflicts


class InvalidTransition(ServiceError):
    """The proposal is no longer in a state that allows this (it was decided already)."""


class InvalidCredentials(ServiceError):
    """Login failed; the same message whatever the reason."""
