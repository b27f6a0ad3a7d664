"""Real faults for failure tests: a TCP proxy that breaks connections, and a
store whose disk fills up halfway through a write."""
from __future__ import annotations

import errno
import socket
import threading
from typing import BinaryIO, cast

from shared.storage import BlobReader, BlobStore, StoredObject


class FaultyProxy:
    """Forwards 127.0.0.1:<port> to a server. ``cut_transfers_over(n)`` resets any
    connection that sends more than n bytes (a link that breaks big uploads while
    small requests still pass); ``break_all()`` resets every connection, open or new."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.per_connection_limit: int | None = None
        self.broken = False
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut_transfers_over(self, limit: int | None) -> None:
        self.per_connection_limit = limit

    def break_all(self) -> None:
        self.broken = True
        with self._lock:
            for sock in list(self._open):
                _reset(sock)

    def heal(self) -> None:
        self.broken = False
        self.per_connection_limit = None

    def close(self) -> None:
        self.break_all()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.broken:
                _reset(client)
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, outbound: bool) -> None:
        sent = 0
        try:
            while data := source.recv(65536):
                sent += len(data)
                limit = self.per_connection_limit
                if self.broken or (outbound and limit is not None and sent > limit):
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            _reset(sock)
            with self._lock:
                self._open.discard(sock)


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
    except OSError:
        pass


class DiskFillsUp(BlobStore):
    """Delegates to a real store, but its source runs into ENOSPC after ``limit`` bytes."""

    def __init__(self, inner: BlobStore, limit: int) -> None:
        self.inner = inner
        self.limit: int | None = limit
        self.name = inner.name

    def heal(self) -> None:
        self.limit = None

    def put(self, key: str, source: BinaryIO, *, content_type: str) -> StoredObject:
        if self.limit is not None:
            source = cast("BinaryIO", _Failing(source, self.limit))  # read() is all put() uses
        return self.inner.put(key, source, content_type=content_type)

    def open(self, key: str, *, version_id: str | None = None) -> BlobReader:
        return self.inner.open(key, version_id=version_id)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def keys(self, prefix: str = "") -> list[str]:
        return self.inner.keys(prefix)

    def check(self) -> None:
        self.inner.check()


class _Failing:
    def __init__(self, source: BinaryIO, limit: int) -> None:
        self.source = source
        self.left = limit

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        chunk = self.source.read(min(size, self.left) if size > 0 else self.left)
        self.left -= len(chunk)
        return chunk
