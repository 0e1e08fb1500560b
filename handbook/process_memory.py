"""Keeps a process's big, short-lived allocations from staying in its memory for good.

glibc gives a block of 128 KiB or more a mapping of its own, handed back to the system when the
block is freed; but once such a block is freed it raises that threshold to the block's size (up
to 32 MiB), so later blocks that size come from the heap, which it keeps. Checking a password
(argon2, 19 MiB of working memory) is such a block: from the second check on, every process that
checked one held 19 MiB more, so each server worker grew by that much at its first logins.
Fixing the threshold at its default keeps those blocks mapped, and given back when freed.
"""

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # mallopt(3)
DEFAULT_MMAP_THRESHOLD = 128 * 1024


def fix_mmap_threshold():
    """Fix glibc's mmap threshold at its default (which also stops its adjustment); whether it
    was set. Other C libraries (musl, macOS) do not adjust it, and nothing is done there."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD) == 1
