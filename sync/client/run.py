"""One sync run: blobs up, outbox pushed, changes pulled, teammates' photos down.

Each step is restartable: an interrupted run leaves nothing half-done, and the next run
picks up where this one stopped (blob offsets, outbox sequence, pull cursor).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from auditkit.db import make_engine, make_session_factory
from auditkit.evidence_files import EvidenceStore
from auditkit.files import open_private, private_dir
from auditkit.models import (
    Audit,
    AuditChecklist,
    EvidenceFile,
    OutboxEntry,
    Photo,
    SyncRejection,
    SyncState,
    utcnow,
)
from auditkit.photostore import PhotoStore
from sync import protocol
from sync.client import outbox
from sync.client.apply_pull import PullApplier
from sync.client.credentials import Credentials
from sync.client.http import (
    KEPT,
    Api,
    ServerUnreachable,
    SyncError,
    error_from,
    network_error,
    where,
)
from sync.client.removal import remove_audits_off_team

Progress = Callable[[str, int, int], None]  # phase, done, total
# Photos sent at once: on a fast link the server's fsyncs and each request's round trip
# overlap instead of adding up; on a slow one the link stays full either way.
UPLOAD_STREAMS = 3


class SyncBusy(Exception):
    """Another sync of this laptop is running."""


@dataclass
class Summary:
    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    blobs_uploaded: int = 0
    bytes_uploaded: int = 0
    pulled: int = 0
    removed_audits: int = 0  # audits this auditor is no longer on, removed here
    photos_downloaded: int = 0
    bytes_downloaded: int = 0
    photos_damaged: int = 0  # teammates' photos that arrived damaged twice: next run
    pending: int = 0
    unsent_photos: int = 0
    requests: int = 0
    error: str = ""
    error_code: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.pending == 0 and self.unsent_photos == 0


@contextmanager
def sync_lock(data_dir: Path) -> Iterator[None]:
    """One sync at a time per laptop (a lock file; released if the process dies)."""
    private_dir(data_dir)
    handle = os.fdopen(open_private(data_dir / "sync.lock", os.O_WRONLY | os.O_CREAT), "w")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SyncBusy("Another sync of this laptop is running.") from exc
        yield
    finally:
        handle.close()


class SyncRun:
    def __init__(
        self,
        data_dir: Path,
        api: Api,
        engine: Engine,
        progress: Progress | None = None,
        *,
        streams: int = UPLOAD_STREAMS,
    ) -> None:
        self.data_dir = data_dir
        self.streams = streams
        self.api = api
        self.sessions: sessionmaker[Session] = make_session_factory(engine)
        self.photos = PhotoStore(data_dir / "photos")
        self.evidence = EvidenceStore(data_dir / "evidence")
        self.progress = progress or (lambda phase, done, total: None)
        self.summary = Summary()

    def run(self) -> Summary:
        try:
            self.upload_blobs()
            self.push()
            self.pull()
            self.download_photos()
            self.download_evidence()
        except SyncError as exc:
            self.summary.error, self.summary.error_code = exc.message, exc.code
        except ServerUnreachable as exc:
            self.summary.error, self.summary.error_code = exc.message, exc.code
        except requests.RequestException as exc:  # a request outside Api's retries
            failure = network_error(exc, self.api.credentials.server_url)
            self.summary.error, self.summary.error_code = failure.message, failure.code
        finally:
            with self.sessions.begin() as session:
                self.summary.pending = session.scalar(select(func.count(OutboxEntry.seq))) or 0
                state = _state(session)
                state.last_sync_at = utcnow()
                state.last_result = self.summary.error or (
                    "ok" if self.summary.ok else f"{self.summary.pending} changes not yet sent"
                )
            self.summary.requests = self.api.requests
        return self.summary

    # ---- blobs ----
    def upload_blobs(self) -> None:
        with self.sessions() as session:
            unsent = outbox.blobs_to_send(session)
            kept = outbox.blobs_to_send(session, removed=False)
        wanted = [(sha, size) for sha, size in unsent if self.photos.exists(sha)]
        # Photos whose bytes are not on this laptop: nothing to send; the summary says so
        # (not for removed ones: nothing waits for those).
        self.summary.unsent_photos = sum(1 for sha, _ in kept if not self.photos.exists(sha))
        if not wanted:
            return
        total = sum(size for _, size in wanted)
        sent = 0
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            answer = self.api.json(
                "POST", "/blobs/check", {"blobs": [{"sha256": s, "size": n} for s, n in part]}
            )
            missing = set(answer["missing"])
            offsets = {p["sha256"]: p["offset"] for p in answer.get("partial", [])}
            sizes = dict(part)
            done = [sha for sha, _ in part if sha not in missing]  # on the server already
            sent += sum(sizes[sha] for sha in done)
            try:
                for sha, sent_bytes in self._upload_many(
                    [(sha, offsets.get(sha, 0)) for sha, _ in part if sha in missing]
                ):
                    self.summary.blobs_uploaded += 1
                    self.summary.bytes_uploaded += sent_bytes
                    done.append(sha)
                    sent += sizes[sha]
                    self.progress("upload", sent, total)
            finally:
                # One commit per batch: if it is lost, the next check finds them on the server.
                with self.sessions.begin() as session:
                    for sha in done:
                        outbox.mark_uploaded(session, sha)

    def _upload_many(self, todo: list[tuple[str, int]]) -> Iterator[tuple[str, int]]:
        """Upload photos over a few connections at once; yield (sha256, bytes sent) as each
        is stored. The first failure cancels those not started; those under way finish and
        are yielded too (so they are marked sent), then the failure is raised."""
        if self.streams <= 1 or len(todo) <= 1:
            for sha, offset in todo:
                yield sha, self._upload(sha, offset)
            return
        failure: BaseException | None = None
        pool = ThreadPoolExecutor(self.streams, thread_name_prefix="upload")
        try:
            futures = {pool.submit(self._upload, sha, offset): sha for sha, offset in todo}
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                if future.exception() is not None:
                    if failure is None:
                        failure = future.exception()
                        for waiting in futures:
                            waiting.cancel()
                    continue
                yield futures[future], future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if failure is not None:
            raise failure

    def _upload(self, sha: str, offset: int) -> int:
        """Send one photo from `offset` until the server has it whole; the bytes sent."""
        sent = 0
        data = self.photos.path(sha).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha:
            raise SyncError(
                0,
                "local_photo_damaged",
                f"The photo {sha[:12]}… on this laptop is damaged; it was not sent.",
            )
        while True:
            chunk = data[offset : offset + protocol.CHUNK_SIZE]
            whole = len(chunk) == len(data)  # the usual photo: its sha256 is the chunk's
            raw = bytes.fromhex(sha) if whole else hashlib.sha256(chunk).digest()
            digest = base64.b64encode(raw).decode()
            response = self.api.call(
                "PATCH",
                f"/blobs/{sha}",
                data=chunk,
                headers={
                    "Upload-Offset": str(offset),
                    "Upload-Length": str(len(data)),
                    "Upload-Checksum": f"sha256 {digest}",
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            if response.status_code == 201:
                return sent + len(chunk)
            if response.status_code == 204:
                sent += len(chunk)
                # An answer cut inside its head may lack the offset: send from here again,
                # and the server's 409 tells where it really is.
                offset = int(response.headers.get("Upload-Offset", offset))
                continue
            error = error_from(response)
            if error.code == protocol.OFFSET_MISMATCH and "offset" in error.body:
                offset = int(error.body["offset"])  # resume where the server really is
                continue
            if error.code in (protocol.DIGEST_INVALID, "checksum_mismatch"):
                offset = 0 if error.code == protocol.DIGEST_INVALID else offset
                continue
            raise error

    # ---- push ----
    def push(self) -> None:
        with self.sessions() as session:
            entries = outbox.pending(session)
            groups = [[outbox.wire(e) for e in group] for group in outbox.batches(entries)]
        total = len(entries)
        done = 0
        for group in groups:
            body = {"device_id": self.api.credentials.device_id, "mutations": group}
            try:
                answer = self.api.json("POST", "/push", body)
                results = answer["results"]
            except SyncError as exc:
                results = exc.body.get("results", [])
                self._acknowledge(results)
                raise
            self._acknowledge(results)
            done += len(results)
            self.progress("push", done, total)

    def _acknowledge(self, results: list[dict[str, Any]]) -> None:
        with self.sessions.begin() as session:
            for result in results:
                entry = session.get(OutboxEntry, result["seq"])
                if entry is None:
                    continue
                self.summary.pushed += 1
                status = result["status"]
                if status == "duplicate":
                    self.summary.duplicates += 1
                if result.get("original_status") == "rejected":
                    self.summary.rejected += 1
                    self.summary.rejections.append(
                        {
                            "seq": entry.seq,
                            "name": entry.name,
                            "code": result.get("code"),
                            "message": result.get("message"),
                        }
                    )
                elif status == "applied":
                    self.summary.applied += 1
                outbox.acknowledge(session, entry, result)

    # ---- pull ----
    def pull(self) -> None:
        while True:
            with self.sessions() as session:
                state = _state(session)
                body = {
                    "cursor": state.cursor,
                    "known_audits": [str(a) for a in session.scalars(select(Audit.id))],
                    "known_checklists": sorted(
                        set(session.scalars(select(AuditChecklist.content_sha256)))
                    ),
                }
            answer = self.api.json("POST", "/pull", body)
            with self.sessions.begin() as session:  # the page and its cursor commit together
                self.summary.pulled += PullApplier(session).page(answer)
                _state(session).cursor = answer["cursor"]
                if not answer["more"] and "audit_ids" in answer:
                    removed = remove_audits_off_team(session, answer["audit_ids"], self.photos)
                    self.summary.removed_audits += len(removed)
            self.progress("pull", self.summary.pulled, self.summary.pulled)
            if not answer["more"]:
                return

    # ---- teammates' photos ----
    def download_photos(self) -> None:
        with self.sessions() as session:
            wanted = sorted(
                {
                    (p.sha256, p.size)
                    for p in session.scalars(select(Photo).where(Photo.deleted_at.is_(None)))
                }
            )
        wanted = [(sha, size) for sha, size in wanted if not self.photos.exists(sha)]
        for number, (sha, size) in enumerate(wanted, start=1):
            self._download(sha, size)
            self.progress("download", number, len(wanted))

    # ---- the client's evidence files, for the lead to judge offline ----
    def download_evidence(self) -> None:
        """Fetch the evidence files this laptop lacks (at most 7 MB each: whole, no Range);
        one that fails is fetched at the next run."""
        with self.sessions() as session:
            wanted = sorted(set(session.scalars(select(EvidenceFile.sha256))))
        wanted = [sha for sha in wanted if not self.evidence.exists(sha)]
        for number, sha in enumerate(wanted, start=1):
            response = self.api.call("GET", f"/evidence/{sha}")
            data = response.content
            if response.status_code == 200 and hashlib.sha256(data).hexdigest() == sha:
                self.evidence.put(data, sha, checked=True)
            self.progress("evidence", number, len(wanted))

    def _download(self, sha: str, size: int) -> None:
        """Fetch one photo into `.<sha>.download`, resuming it with Range after a cut.

        Cuts are retried with the backoff and tries of a request (Api.call); after the last
        the run stops, and the next one resumes from the partial file. A whole answer whose
        bytes do not match the sha256 is fetched whole once more, then left for the next
        run (the partial is dropped; photos already here are never touched).
        """
        partial = self.photos.root / f".{sha}.download"
        private_dir(self.photos.root)
        damaged = breaks = 0
        while True:
            have = partial.stat().st_size if partial.exists() else 0
            if have and have >= size and self._keep(partial, sha):
                return  # a whole partial from an earlier run
            headers = {"Range": f"bytes={have}-"} if have else {}
            response = self.api.call("GET", f"/blobs/{sha}", headers=headers, stream=True)
            if response.status_code == 404:
                return  # not on the server yet (a teammate has not synced it): next time
            if response.status_code == 416 or not self._continues(response, have):
                response.close()  # the server's copy does not go on from ours: start over
                partial.unlink(missing_ok=True)
                breaks += 1
                if breaks >= self.api.attempts:
                    raise self._kept_breaking(sha)
                continue
            if response.status_code not in (200, 206):
                raise error_from(response)
            try:
                whole = self._receive(response, partial, 0 if response.status_code == 200 else have)
            except requests.RequestException:
                whole = False  # cut mid-body: what arrived stays in the partial file
            if not whole:
                breaks += 1
                if breaks >= self.api.attempts:
                    raise self._kept_breaking(sha)
                self.api.wait(breaks - 1)
                continue
            if self._keep(partial, sha):
                return
            partial.unlink(missing_ok=True)  # damaged on the way: fetch it whole again
            damaged += 1
            if damaged >= 2:
                self.summary.photos_damaged += 1  # once more by the next run
                return

    @staticmethod
    def _continues(response: requests.Response, have: int) -> bool:
        """Whether a 206 goes on from byte `have` (a 200 is the whole photo: it restarts)."""
        if response.status_code != 206:
            return True
        served = response.headers.get("Content-Range", "")  # "bytes 1000-4999/5000"
        start = served.removeprefix("bytes ").split("-")[0]
        return not start.isdigit() or int(start) == have  # (no header: the head was cut)

    def _receive(self, response: requests.Response, partial: Path, start: int) -> bool:
        """Write the answer's body at `start` of the partial file; True when it is whole.

        A whole 200 replaces the partial; the file is only opened once bytes arrive, so an
        answer without a body (cut inside its head) leaves the partial as it was.
        """
        received = 0
        handle = None
        try:
            for chunk in response.iter_content(64 * 1024):
                if handle is None:
                    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if start else os.O_TRUNC)
                    handle = os.fdopen(open_private(partial, flags), "ab" if start else "wb")
                handle.write(chunk)
                received += len(chunk)
                self.summary.bytes_downloaded += len(chunk)
        finally:
            if handle is not None:
                handle.close()
            response.close()
        # urllib3 raises on a body shorter than its Content-Length or its chunks say; an
        # answer with neither (its head cut before them) may have lost its end unseen.
        if "chunked" in response.headers.get("Transfer-Encoding", ""):
            return True
        length = response.headers.get("Content-Length", "")
        if not length.isdigit():
            return False
        return received == int(length) or "Content-Encoding" in response.headers

    def _keep(self, partial: Path, sha: str) -> bool:
        """Store the partial file as the photo if its bytes match the sha256."""
        data = partial.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha:
            return False
        self.photos.put(data, sha, checked=True)
        thumbnail = _thumbnail(data)
        if thumbnail:
            self.photos.put_thumbnail(thumbnail, sha)
        partial.unlink(missing_ok=True)
        self.summary.photos_downloaded += 1
        return True

    def _kept_breaking(self, sha: str) -> ServerUnreachable:
        return ServerUnreachable(
            f"The download of photo {sha[:12]}… from {where(self.api.credentials.server_url)} "
            f"kept breaking off; the next sync goes on from where it stopped. Check your "
            f"network, then run the command again; {KEPT}"
        )


def _thumbnail(data: bytes) -> bytes | None:
    from auditkit.photos import PhotoRejected, normalize

    try:
        return normalize(data).thumbnail
    except PhotoRejected:
        return None


def _state(session: Session) -> SyncState:
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, cursor=0)
        session.add(state)
        session.flush()
    return state


def open_rejections(session: Session) -> list[SyncRejection]:
    return list(
        session.scalars(
            select(SyncRejection)
            .where(SyncRejection.resolved_at.is_(None))
            .order_by(SyncRejection.seq)
        )
    )


def sync_now(
    data_dir: Path, progress: Progress | None = None, *, api: Api | None = None
) -> Summary:
    """Run one sync of the laptop whose data lives in `data_dir` (holding the lock)."""
    from sync.client.enrol import flush_pending_logouts

    flush_pending_logouts(data_dir)  # a logout the server has not heard of yet
    credentials = Credentials.load(data_dir)
    if credentials is None:
        raise SyncError(
            0,
            "not_logged_in",
            "This laptop is not linked to a server yet: run `auditkit login URL`.",
        )
    engine = make_engine(f"sqlite:///{data_dir / 'field.sqlite3'}")
    try:
        with sync_lock(data_dir):
            return SyncRun(data_dir, api or Api(credentials, data_dir), engine, progress).run()
    finally:
        engine.dispose()


__all__ = ["Summary", "SyncBusy", "SyncRun", "open_rejections", "sync_now"]
