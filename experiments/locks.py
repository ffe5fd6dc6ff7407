"""A lock on a run or sweep folder, so that two jobs never write into one folder at once: a lock file
created atomically, naming its holder (process, host, command, start). A second job finds it held
and stops at once with one line saying who holds it; a lock whose process is gone (killed) is
detected and taken over."""

from __future__ import annotations

import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOCK_FILE = ".siege.lock"


class FolderLocked(RuntimeError):
    """The folder is held by another live job; the message says who holds it."""


def _alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state != "Z"


def _holder(path: Path) -> dict[str, Any] | None:
    try:
        holder = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return holder if isinstance(holder, dict) else None


def _describe(holder: dict[str, Any]) -> str:
    return (f"process {holder.get('pid')} on {holder.get('host')} since {holder.get('started')}"
            f" ({holder.get('command', '')})")


def held_by(folder: Path) -> str | None:
    """Who holds the lock on `folder`, when a live process (or one on another host) holds it; else None."""
    holder = _holder(Path(folder) / LOCK_FILE)
    if holder is None or (holder.get("pid") == os.getpid() and holder.get("host") == socket.gethostname()):
        return None
    if holder.get("host") != socket.gethostname() or _alive(int(holder.get("pid", -1))):
        return _describe(holder)
    return None


def acquire(folder: Path) -> Path:
    """Take the lock on `folder` (created if need be) for this process; raise FolderLocked when a
    live process on this host holds it, or a process on another host (whose liveness cannot be
    checked from here). A lock left by a process that is gone is taken over, with a note."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    me = {"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv)[:300],
          "started": datetime.now(UTC).isoformat(timespec="seconds")}
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if holder is not None and holder.get("pid") == os.getpid() and holder.get("host") == me["host"]:
                return path  # this process holds it already
            if holder is not None and (holder.get("host") != me["host"] or _alive(int(holder.get("pid", -1)))):
                raise FolderLocked(f"{folder} is in use by {_describe(holder)}; wait for it to finish or stop it"
                                   + (f" (if it is gone, delete {path})" if holder.get("host") != me["host"] else "")
                                   ) from None
            print(f"note: {folder}: taking over the lock of {_describe(holder) if holder else 'an unreadable holder'},"
                  " which is gone", file=sys.stderr)
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as handle:
            json.dump(me, handle)
        return path
    raise FolderLocked(f"{folder}: could not take the lock {path}")


def release(folder: Path) -> None:
    """Drop this process's lock on `folder` (a lock held by another process is left alone)."""
    path = Path(folder) / LOCK_FILE
    holder = _holder(path)
    if holder is not None and holder.get("pid") == os.getpid() and holder.get("host") == socket.gethostname():
        path.unlink(missing_ok=True)
