"""Making a directory entry durable: ``fsync(2)`` on the directory itself.

A ``rename(2)`` or a new file is on stable storage only once its directory is fsynced (POSIX
leaves directory entries to the directory's own sync). Used by the node's block archive and
the ledger's tip journal.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_directory(path: Path) -> None:
    """fsync the directory ``path`` (its entries: renames, new and removed files)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
