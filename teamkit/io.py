"""The one way teamkit writes a file: a temporary file beside it, fsync, rename; nothing half-written is ever left."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable
from typing import BinaryIO, Final

from teamkit.errors import TeamkitError

__all__ = ["OutputError", "OutputExistsError", "write_atomic", "write_rendered"]


#: write errors that mean the storage refused the data (reported as OutputError rather than a traceback)
_STORAGE_ERRORS: Final = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EROFS})


class OutputError(TeamkitError):
    """An output file cannot be written; the previous file, if any, is untouched."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class OutputExistsError(OutputError):
    """The output file exists and overwriting was not asked for."""

    def __init__(self, path: str) -> None:
        super().__init__(path, "already exists; pass --force to overwrite it")


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, force: bool = False) -> None:
    """Write ``data`` (text is UTF-8) to ``path`` atomically: readers see the old file or the new one, never a part.

    An existing file is replaced only with ``force`` (otherwise :class:`OutputExistsError`).
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    write_rendered(path, lambda stream: stream.write(payload), force=force)


def write_rendered(path: str | os.PathLike[str], render: Callable[[BinaryIO], object], *,
                   force: bool = False) -> None:
    """Let ``render`` write into a temporary file beside ``path``, then move it into place.

    If ``render`` raises (even after writing part of its output), the temporary file is removed, ``path`` keeps
    its previous content (or stays absent) and the exception propagates. A new file gets the usual permissions
    (0666 less the umask); a replaced file keeps its mode.
    """
    target = os.fspath(path)
    directory = os.path.dirname(target) or "."
    previous = _existing(target, force=force)
    tmp, fd = _create_temp(target, directory)
    try:
        try:
            with os.fdopen(fd, "wb") as stream:
                render(stream)
                stream.flush()
                if previous is not None:
                    os.fchmod(stream.fileno(), stat.S_IMODE(previous.st_mode))
                os.fsync(stream.fileno())
        except OSError as exc:
            if exc.errno not in _STORAGE_ERRORS:
                raise
            raise OutputError(target, f"cannot write: {exc.strerror or exc}") from None
        _move_into_place(tmp, target, force=force)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _existing(target: str, *, force: bool) -> os.stat_result | None:
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(target, f"cannot check the output file: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(target, "is a directory; give a file name")
    if not force:
        raise OutputExistsError(target)
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(target, "is not a regular file; teamkit only replaces regular files")
    return st


def _create_temp(target: str, directory: str) -> tuple[str, int]:
    """``.NAME.RANDOM.tmp`` in the target's directory, created exclusively with mode 0666 less the umask."""
    base = os.path.basename(target)
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue
        except FileNotFoundError:
            raise OutputError(target, f"directory {directory} does not exist") from None
        except OSError as exc:
            raise OutputError(target, f"cannot create a file in {directory}: {exc.strerror or exc}") from None
    raise OutputError(target, f"cannot create a temporary file in {directory}")


def _move_into_place(tmp: str, target: str, *, force: bool) -> None:
    try:
        if force:
            os.replace(tmp, target)
            return
        # link() refuses an existing name atomically (a file that appeared since the check is not overwritten)
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise OutputExistsError(target) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            # a filesystem without hard links: the check above is the best there is
            if os.path.lexists(target):
                raise OutputExistsError(target) from None
            os.replace(tmp, target)
            return
        os.unlink(tmp)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(target, f"cannot write: {exc.strerror or exc}") from None


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (best effort: some filesystems cannot fsync a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
