"""One running attempt per scan id: a lock object with an owner and a lease.

Two scans with the same id at once used to delete each other's staging, or both commit.
Now a scan first takes ``OUT/_locks/<scan_id>.json`` (hidden from crawls by its ``_``), a
small JSON document naming the owner (host, pid, attempt id) and when its lease ends:

* **created atomically** where the store allows it: a local file is written to a temporary
  sibling and hard-linked into place (``link`` fails if the name exists, and readers never
  see a half-written lock); on S3 a conditional ``PutObject`` with ``If-None-Match: *``
  (S3 and moto answer 412 when the key exists). Stores without conditional writes (HDFS,
  an S3 clone answering ``NotImplemented``) fall back to write-then-verify: write, read
  back, and own the lock only if the owner read back is us.
* **a stale lock is taken over**: a lock whose lease ended belongs to a crashed run; it is
  replaced conditionally (S3 ``If-Match`` on the ETag that was read as expired; locally
  under an ``flock`` on a guard file), so of two runs taking over at once only one wins.
* **renewed** by a daemon thread every third of the lease while the scan runs, so a scan
  longer than the lease keeps it; a run that finds its lock taken (its lease ran out while
  it was stalled) stops before committing (:meth:`ScanLock.check`).
* **released** (deleted, if still ours) when the run ends, committed or not. The check
  and the delete are one step where the store allows it: locally under the guard
  ``flock`` (a takeover waits for it), on S3 a ``DeleteObject`` with ``If-Match`` on the
  ETag read as ours (a lock replaced in between answers 412 and stays). Stores without
  either (HDFS, an S3 clone answering ``NotImplemented``) re-read just before deleting: a
  takeover in the few milliseconds between that read and the delete would lose its lock,
  and finds out at its next check or renewal (it then stops before committing).

Leases compare wall clocks of different machines: keep the lease (``lock_lease_minutes``)
well above the clock skew between drivers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from detectors.errors import PiisweepError
from jobs import storage

log = logging.getLogger("piisweep.lock")


class LockError(PiisweepError):
    """The scan id is held by another live run, or this run lost its lock."""


@dataclass(frozen=True)
class LockInfo:
    """What a lock object says, and the store's version of it (S3 ETag) when known."""

    owner: str
    attempt: str
    expires_at: float
    version: str | None = None

    @classmethod
    def parse(cls, data: bytes, version: str | None) -> LockInfo:
        try:
            doc = json.loads(data)
            return cls(str(doc["owner"]), str(doc["attempt"]), float(doc["expires_at"]), version)
        except (ValueError, KeyError, TypeError):
            # An unreadable lock (a torn write on a store without atomic puts) is stale.
            return cls("unreadable lock", "", 0.0, version)


def lock_uri(out: str, scan_id: str) -> str:
    return f"{out.rstrip('/')}/_locks/{scan_id}.json"


class ScanLock:
    """The lock of one scan id, held by one attempt; use :meth:`acquire`."""

    def __init__(
        self, uri: str, scan_id: str, attempt: str, lease_s: float, s3: storage.S3Settings
    ) -> None:
        self.uri, self.scan_id, self.attempt, self.lease_s, self.s3 = (
            uri,
            scan_id,
            attempt,
            lease_s,
            s3,
        )
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{attempt}"
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ public
    @classmethod
    def acquire(
        cls,
        out: str,
        scan_id: str,
        attempt: str,
        lease_s: float,
        s3: storage.S3Settings,
        *,
        heartbeat: bool = True,
    ) -> ScanLock:
        """Take the lock of ``scan_id`` under ``out`` or raise :class:`LockError` naming the
        live owner; a lock whose lease ended is taken over (and the takeover logged)."""
        lock = cls(lock_uri(out, scan_id), scan_id, attempt, lease_s, s3)
        lock._take()
        if heartbeat:
            lock._thread = threading.Thread(
                target=lock._beat, name=f"piisweep-lock-{scan_id}", daemon=True
            )
            lock._thread.start()
        return lock

    def check(self) -> None:
        """Raise :class:`LockError` unless this attempt still owns the lock (read from the
        store, not from memory: a stalled run must not commit over its successor)."""
        current = self._read()
        if self.lost or current is None or current.owner != self.owner:
            self.lost = True
            raise LockError(
                f"scan {self.scan_id} lost its lock {self.uri} (lease ran out and "
                f"{current.owner if current else 'nobody'} holds it now); not committed"
            )

    def release(self) -> None:
        """Stop renewing and delete the lock if it is still ours; never raises."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self._delete_if_ours()
        except storage.StorageError as exc:
            log.warning("could not release lock %s: %s", self.uri, exc.reason)
        except Exception as exc:  # a store error not mapped above: the lease ends anyway
            log.warning("could not release lock %s (%s)", self.uri, type(exc).__name__)

    def __enter__(self) -> ScanLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # ------------------------------------------------------------------ internals
    def _doc(self) -> bytes:
        now = time.time()
        return json.dumps(
            {
                "scan_id": self.scan_id,
                "owner": self.owner,
                "attempt": self.attempt,
                "acquired_at": now,
                "expires_at": now + self.lease_s,
                "lease_seconds": self.lease_s,
            },
            sort_keys=True,
        ).encode()

    def _take(self) -> None:
        loc = storage.parse_uri(self.uri)
        if loc.scheme == "file":
            self._take_local(loc.path)
        elif loc.scheme == "s3":
            self._take_s3(loc)
        else:
            self._take_verified()

    def _busy(self, held: LockInfo) -> LockError:
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(held.expires_at))
        return LockError(
            f"scan id {self.scan_id} is already running ({held.owner}, lease until {until}); "
            f"wait for it or pick another --scan-id (a crashed run's lock {self.uri} is "
            "taken over once its lease ends)"
        )

    def _took_over(self, held: LockInfo) -> None:
        log.warning("scan %s: taking over the expired lock of %s", self.scan_id, held.owner or "?")

    # local: hard link for create, flock-guarded replace for takeover and renewal
    def _take_local(self, path: str) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with _flocked(path + ".guard"):
            held = self._read()
            if held is not None and held.expires_at > time.time():
                raise self._busy(held)
            if held is None:
                _link_new(path, self._doc(), self._busy_for)
            else:
                self._took_over(held)
                storage.write_bytes(self._doc(), self.uri, self.s3)

    def _busy_for(self) -> LockError:
        held = self._read()
        return self._busy(held or LockInfo("unknown", "", time.time()))

    # S3: conditional puts
    def _take_s3(self, loc: storage.Location) -> None:
        client = storage.s3_client(self.s3)
        held = self._read()
        if held is not None and held.expires_at > time.time():
            raise self._busy(held)
        cond: dict[str, str] = {"IfNoneMatch": "*"} if held is None else {}
        if held is not None:
            if held.version is None:
                self._take_verified()
                return
            cond = {"IfMatch": held.version}
        try:
            client.put_object(Bucket=loc.netloc, Key=loc.key, Body=self._doc(), **cond)
        except Exception as exc:
            code = _s3_code(exc)
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
                raise self._busy_for() from None
            if code in ("NotImplemented", "501"):  # no conditional writes on this store
                self._take_verified()
                return
            raise storage.storage_error(exc, loc, self.s3, "destination") from None
        if held is not None:
            self._took_over(held)

    # anything else: write, then read back who won
    def _take_verified(self) -> None:
        held = self._read()
        if held is not None and held.expires_at > time.time():
            raise self._busy(held)
        storage.write_bytes(self._doc(), self.uri, self.s3)
        back = self._read()
        if back is None or back.owner != self.owner:
            raise self._busy_for()
        if held is not None:
            self._took_over(held)

    def _read(self) -> LockInfo | None:
        loc = storage.parse_uri(self.uri)
        if loc.scheme == "s3":
            client = storage.s3_client(self.s3)
            try:
                resp = client.get_object(Bucket=loc.netloc, Key=loc.key)
                return LockInfo.parse(resp["Body"].read(), str(resp.get("ETag", "")) or None)
            except Exception as exc:
                if _s3_code(exc) in ("NoSuchKey", "404", "NotFound"):
                    return None
                raise storage.storage_error(exc, loc, self.s3, "object") from None
        if not storage.exists(self.uri, self.s3):
            return None
        try:
            return LockInfo.parse(storage.read_bytes(self.uri, self.s3), None)
        except storage.StorageError as exc:
            if exc.reason == "not found":  # released between the two calls
                return None
            raise

    def _delete_if_ours(self) -> None:
        """Delete the lock only if it is still ours, with no window for a takeover between
        the check and the delete where the store allows it (see the module doc): reading,
        comparing and then deleting used to delete a successor's lock taken in between."""
        loc = storage.parse_uri(self.uri)
        if loc.scheme == "file":
            with _flocked(loc.path + ".guard"):
                current = self._read()
                if current is not None and current.owner == self.owner:
                    storage.delete_tree(self.uri, self.s3)
            return
        current = self._read()
        if current is None or current.owner != self.owner:
            return
        if loc.scheme == "s3" and current.version:
            client = storage.s3_client(self.s3)
            try:
                client.delete_object(Bucket=loc.netloc, Key=loc.key, IfMatch=current.version)
                return
            except Exception as exc:
                code = _s3_code(exc)
                if code in ("PreconditionFailed", "412", "NoSuchKey", "404", "NotFound"):
                    return  # replaced or gone since our read: not ours to delete
                if code not in ("NotImplemented", "501"):
                    raise storage.storage_error(exc, loc, self.s3, "object") from None
        # No conditional delete: re-read immediately before deleting (the window is small).
        current = self._read()
        if current is not None and current.owner == self.owner:
            storage.delete_tree(self.uri, self.s3)

    def _renew(self) -> None:
        """Extend the lease if the lock is still ours; mark it lost otherwise."""
        loc = storage.parse_uri(self.uri)
        if loc.scheme == "file":
            with _flocked(loc.path + ".guard"):
                current = self._read()
                if current is None or current.owner != self.owner:
                    self.lost = True
                    return
                storage.write_bytes(self._doc(), self.uri, self.s3)
            return
        current = self._read()
        if current is None or current.owner != self.owner:
            self.lost = True
            return
        if loc.scheme == "s3" and current.version:
            client = storage.s3_client(self.s3)
            try:
                client.put_object(
                    Bucket=loc.netloc, Key=loc.key, Body=self._doc(), IfMatch=current.version
                )
            except Exception as exc:
                if _s3_code(exc) in ("PreconditionFailed", "412"):
                    self.lost = True
                    return
                if _s3_code(exc) not in ("NotImplemented", "501"):
                    raise
                storage.write_bytes(self._doc(), self.uri, self.s3)
            return
        storage.write_bytes(self._doc(), self.uri, self.s3)

    def _beat(self) -> None:
        interval = max(1.0, self.lease_s / 3)
        while not self._stop.wait(interval):
            try:
                self._renew()
            except Exception as exc:  # a store hiccup: try again next beat
                log.warning("could not renew lock %s (%s)", self.uri, type(exc).__name__)
            if self.lost:
                log.error("scan %s lost its lock %s", self.scan_id, self.uri)
                return


def new_attempt_id() -> str:
    """A fresh id for one run of a scan id: names its staging and its findings parts."""
    return secrets.token_hex(6)


def _s3_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err: dict[str, Any] = response.get("Error") or {}
        code = str(err.get("Code", ""))
        if code:
            return code
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return str(status or "")
    return ""


@contextlib.contextmanager
def _flocked(path: str) -> Any:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _link_new(path: str, data: bytes, busy: Any) -> None:
    """Create ``path`` holding ``data``, failing if it exists: written to a temporary
    sibling first and hard-linked into place, so the lock appears complete or not at all."""
    tmp = f"{path}.tmp-{secrets.token_hex(6)}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise busy() from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
