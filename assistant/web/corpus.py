"""The running engine follows the corpus: rebuilt after a notice is added or removed, on this
worker at once and, in shared mode, on every other worker when its listener hears of it."""

from __future__ import annotations

from .deps import WebServices


def rebuild_engine(services: WebServices) -> None:
    """A new engine on the corpus as it is now (the index rebuilds itself); answers in flight keep the old one."""
    from assistant.services import build_assistant

    services.assistant = build_assistant(services.settings, progress=False, approved=services.store)


def reload_engine(services: WebServices) -> None:
    """After this worker changed the notices: in shared mode through the watcher, which mirrors
    the database and records the version built (so its own notification rebuilds nothing)."""
    if services.corpus is not None:
        services.corpus.refresh()
    else:
        rebuild_engine(services)
