"""`pod.sh logs`: the last lines of the server log, optionally followed (across restarts and rotation)."""

from __future__ import annotations

import os
import sys
import time
from typing import BinaryIO, Optional

POLL_S = 0.5


def last_lines(path: str, count: int) -> bytes:
    """The last ``count`` lines of ``path`` (complete lines; the whole file when it is shorter)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        return _tail(f, f.tell(), count)


def _tail(f: BinaryIO, end: int, count: int) -> bytes:
    """The last ``count`` lines of the first ``end`` bytes of ``f``."""
    if count <= 0:
        return b""
    block = 64 * 1024
    data = b""
    pos = end
    while pos > 0 and data.count(b"\n") <= count:
        step = min(block, pos)
        pos -= step
        f.seek(pos)
        data = f.read(step) + data
    lines = data.splitlines(keepends=True)
    return b"".join(lines[-count:])


def show(path: str, count: int, follow: bool, out: Optional[BinaryIO] = None) -> int:
    out = out or sys.stdout.buffer
    if not os.path.exists(path):
        if not follow:
            print(f"musicgen-pod: no Triton log yet at {path} (`pod.sh up` starts the server)", file=sys.stderr)
            return 0
        while not os.path.exists(path):
            time.sleep(POLL_S)
    f = open(path, "rb")
    f.seek(0, os.SEEK_END)
    end = f.tell()  # what is appended from here on is followed, even while the tail is printed
    out.write(_tail(f, end, count))
    out.flush()
    f.seek(end)
    if not follow:
        f.close()
        return 0
    inode = os.fstat(f.fileno()).st_ino
    try:
        while True:
            chunk = f.read()
            if chunk:
                out.write(chunk)
                out.flush()
                continue
            try:
                st = os.stat(path)
            except FileNotFoundError:
                time.sleep(POLL_S)
                continue
            if st.st_ino != inode or st.st_size < f.tell():  # rotated or truncated: start the new file
                f.close()
                f = open(path, "rb")
                inode = os.fstat(f.fileno()).st_ino
                continue
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        return 0
    finally:
        f.close()
