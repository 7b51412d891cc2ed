"""The media storage: a file is either there whole or not there at all.

Django's ``FileSystemStorage`` writes straight into the final name, so a full disk (or a
killed process) leaves a 0-byte or truncated file behind. This storage writes into a
hidden temporary file in the same directory, syncs it, and only then gives it its name
(a hard link, which fails rather than overwrite a name taken meanwhile); the temporary
file is removed whatever happens. An ``OSError`` comes out as ``StorageFull`` (ENOSPC,
EDQUOT, EFBIG: 507 ``storage_full``) or ``StorageError`` (503 ``storage_unavailable``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from typing import IO, Any

from django.core.files.storage import FileSystemStorage

from kechuang.common.errors import StorageError, StorageFull

FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
PARTIAL_PREFIX = ".partial-"


def storage_error(exc: OSError) -> StorageError:
    return StorageFull() if exc.errno in FULL else StorageError()


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        try:
            return self._save_whole(name, content)
        except OSError as exc:
            raise storage_error(exc) from exc

    def _save_whole(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        self._make_directory(directory)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX)
        try:
            with self._open_partial(fd) as out:
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(partial, self.file_permissions_mode)
            while True:
                try:
                    os.link(partial, full_path)
                    break
                except FileExistsError:  # taken since get_available_name: pick another
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        return str(name).replace("\\", "/")

    def _open_partial(self, fd: int) -> IO[bytes]:
        return os.fdopen(fd, "wb")

    def _make_directory(self, directory: str) -> None:
        if self.directory_permissions_mode is None:
            os.makedirs(directory, exist_ok=True)
            return
        old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
        try:
            os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        finally:
            os.umask(old_umask)
