"""The job queue, kept in the database: enqueue, claim under a lease, renew, finish, and the worker.

A worker claims a job in a write transaction (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, a
`BEGIN IMMEDIATE` transaction on SQLite) and holds it under a lease it renews while it works. A
worker that dies stops renewing; once the lease lapses another worker takes the job again, up to
`max_attempts` claims, after which the job fails with the reason. Results are written under the row
lock and only while the claim's token still holds the job, so a late worker never writes twice.

The queue knows no kind of work itself: each kind registers the function that does it (and the one
that gives it up for good) under its `Job.kind`, where the app and the command line start.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from anyio import sleep, to_thread
from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import Session, col, func, select

from app.config import Settings
from app.db import Database, locked
from app.models import Job, Questionnaire, new_id, utcnow
from app.services import liveness
from app.services.storage import describe_failure

log = logging.getLogger("vouch.jobs")

FINISHED = frozenset({"done", "failed"})
RETRY_DELAY_SECONDS = 10.0
PURGE_EVERY_SECONDS = 3600.0
RECLAIM_EVERY_SECONDS = 15.0
DEFAULT_JOB_SECONDS = 5.0


class LeaseLost(RuntimeError):
    """The worker no longer holds the job: its lease lapsed and another worker took it over."""


@dataclass(frozen=True)
class Claim:
    """A job as one worker holds it: the token proves the lease is still this worker's."""

    job_id: str
    kind: str
    questionnaire_id: str
    token: str
    attempt: int
    payload: dict[str, Any]


class RunJob(Protocol):
    """Does a claimed job; returns how it ended ("done", "failed")."""

    def __call__(self, *, database: Database, claim: Claim, settings: Settings) -> str: ...


class GiveUpJob(Protocol):
    """Fails a held job for good with a reason, and whatever the job was working on with it."""

    def __call__(self, *, db_session: Session, job: Job, reason: str, base_url: str) -> object: ...


@dataclass(frozen=True)
class JobKind:
    """One kind of work the queue runs, found by its `Job.kind`."""

    name: str
    run: RunJob
    give_up: GiveUpJob


_kinds: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    """Lets workers take jobs of this kind (a later registration of the same name replaces it)."""
    _kinds[kind.name] = kind


def _kind(name: str) -> JobKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"no handler is registered for jobs of kind {name!r}") from None


def enqueue(
    *,
    db_session: Session,
    kind: str,
    questionnaire: Questionnaire,
    payload: dict[str, Any],
    settings: Settings,
) -> Job:
    """Queues work on a questionnaire (committed with the caller's transaction)."""
    job = Job(
        kind=kind,
        questionnaire_id=questionnaire.id,
        payload=payload,
        max_attempts=settings.job_max_attempts,
    )
    db_session.add(job)
    return job


class QueueFull(RuntimeError):
    """Too many jobs are waiting already, for this caller or for everyone."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def check_room(*, database: Database, owner: str, settings: Settings) -> None:
    """Refuses a new job when the queue is at its limit, globally or for this owner.

    Call it before the upload's write transaction opens: it reads in a session of its own, so the
    refusal holds no lock. Uploads racing past it at once may overshoot the limit by their number.
    """
    waiting = col(Job.status).in_(("queued", "running"))
    with database.session() as db_session:
        if settings.queue_limit:
            total = db_session.exec(select(func.count()).select_from(Job).where(waiting)).one()
            if total >= settings.queue_limit:
                raise QueueFull(
                    f"{total} questionnaires are waiting to be processed, the most Vouch queues; "
                    "try again later",
                    retry_after=_retry_after(db_session, ahead=total - settings.queue_limit + 1),
                )
        if settings.queue_limit_per_key:
            mine = db_session.exec(
                select(func.count())
                .select_from(Job)
                .join(Questionnaire, col(Questionnaire.id) == col(Job.questionnaire_id))
                .where(waiting, col(Questionnaire.owner) == owner)
            ).one()
            if mine >= settings.queue_limit_per_key:
                raise QueueFull(
                    f"{mine} of your questionnaires are waiting to be processed, the most Vouch "
                    "queues for one caller; try again when one has finished",
                    retry_after=_retry_after(
                        db_session, ahead=mine - settings.queue_limit_per_key + 1
                    ),
                )


def _retry_after(db_session: Session, *, ahead: int) -> int:
    # How long the jobs that must finish first take, judged by the last ones that did.
    recent = db_session.exec(
        select(Job.started_at, Job.finished_at)
        .where(col(Job.status) == "done", col(Job.started_at).is_not(None))
        .order_by(col(Job.finished_at).desc())
        .limit(20)
    ).all()
    spans = [(end - start).total_seconds() for start, end in recent if start and end]
    typical = sum(spans) / len(spans) if spans else DEFAULT_JOB_SECONDS
    return max(1, min(300, math.ceil(typical * ahead)))


def worker_name() -> str:
    """Name this worker thread in leases and logs: host, process (with its start) and thread."""
    return f"{liveness.process_name()}:{threading.current_thread().name}"[:200]


def reclaim_dead(*, database: Database) -> int:
    """Lets running jobs whose worker process on this host is gone be taken over at once.

    A lease covers a worker Vouch cannot see; a process of this host that no longer runs holds
    nothing, so waiting out its lease only delays the work (by 180 s after a restart, by default).
    """
    with database.session() as db_session:
        running = db_session.exec(
            select(Job.id, Job.lease_owner).where(col(Job.status) == "running")
        ).all()
    dead = [(job_id, owner) for job_id, owner in running if liveness.state_of(owner) == "dead"]
    if not dead:
        return 0
    reclaimed = 0
    with database.session(write=True) as db_session:
        for job_id, owner in dead:
            # Only while the dead process still holds it: a live worker may have taken it since.
            result = db_session.exec(
                update(Job)
                .where(
                    col(Job.id) == job_id,
                    col(Job.status) == "running",
                    col(Job.lease_owner) == owner,
                )
                .values(lease_expires_at=utcnow() - timedelta(seconds=1))
            )
            reclaimed += int(result.rowcount or 0)
    for job_id, owner in dead:
        log.warning("job %s: its worker %s is gone; taking it over now", job_id, owner)
    return reclaimed


def _due() -> Any:
    now = utcnow()
    # A worker leaves alone the kinds it cannot run, for a worker that can.
    return and_(
        col(Job.kind).in_(list(_kinds)),
        or_(
            and_(col(Job.status) == "queued", col(Job.available_at) <= now),
            and_(col(Job.status) == "running", col(Job.lease_expires_at) < now),
        ),
    )


def claim(*, database: Database, settings: Settings, owner: str | None = None) -> Claim | None:
    """Takes the oldest due job of a registered kind, or one whose lease lapsed; None when none waits."""
    if not _kinds:
        raise LookupError("no kind of job is registered; register them where the process starts")
    owner = owner or worker_name()
    # Look before locking: an idle worker polls often, and on SQLite every write transaction
    # takes the database's single write lock, which readers upgrading to write then collide with.
    with database.session() as db_session:
        if db_session.exec(select(Job.id).where(_due()).limit(1)).first() is None:
            return None
    while True:
        with database.session(write=True) as db_session:
            now = utcnow()
            job = db_session.exec(
                select(Job)
                .where(_due())
                .order_by(col(Job.available_at), col(Job.id))
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if job is None:
                return None
            questionnaire = locked(db_session, Questionnaire, job.questionnaire_id)
            if job.status == "running" and job.attempts >= job.max_attempts:
                reason = (
                    f"processing was interrupted {job.attempts} times (the worker stopped or "
                    "crashed before it finished); upload the workbook again"
                )
                log.warning("job %s: giving up after %d attempts", job.id, job.attempts)
                _kind(job.kind).give_up(
                    db_session=db_session, job=job, reason=reason, base_url=settings.public_url
                )
                continue
            if job.status == "running":
                log.warning(
                    "job %s: lease of %s lapsed; taking it over", job.id, job.lease_owner or "?"
                )
            job.status = "running"
            job.attempts += 1
            job.lease_token = new_id()
            job.lease_owner = owner
            job.lease_expires_at = now + timedelta(seconds=settings.job_lease_seconds)
            job.started_at = job.started_at or now
            job.stage = "starting"
            job.progress = 0
            db_session.add(job)
            if questionnaire is not None:
                questionnaire.status = "running"
                questionnaire.updated_at = now
                db_session.add(questionnaire)
            return Claim(
                job_id=job.id,
                kind=job.kind,
                questionnaire_id=job.questionnaire_id,
                token=job.lease_token,
                attempt=job.attempts,
                payload=dict(job.payload),
            )


def _still_held(claim: Claim) -> tuple[ColumnElement[bool], ...]:
    """Match the job only while this claim holds it: same lease token, still running."""
    return (
        col(Job.id) == claim.job_id,
        col(Job.lease_token) == claim.token,
        col(Job.status) == "running",
    )


def report(
    *, database: Database, claim: Claim, stage: str, progress: int, settings: Settings
) -> None:
    """Records how far the job is, renewing its lease; raises LeaseLost if another worker took it."""
    with database.session(write=True) as db_session:
        result = db_session.exec(
            update(Job)
            .where(*_still_held(claim))
            .values(
                stage=stage,
                progress=progress,
                lease_expires_at=utcnow() + timedelta(seconds=settings.job_lease_seconds),
            )
        )
        if result.rowcount == 0:
            raise LeaseLost(claim.job_id)


def renew(*, database: Database, claim: Claim, settings: Settings) -> bool:
    """Extends the claim's lease; tells whether the worker still holds the job."""
    with database.session(write=True) as db_session:
        result = db_session.exec(
            update(Job)
            .where(*_still_held(claim))
            .values(lease_expires_at=utcnow() + timedelta(seconds=settings.job_lease_seconds))
        )
        return bool(result.rowcount)


def hold(*, db_session: Session, claim: Claim) -> Job:
    """Locks the claimed job for writing its result; raises LeaseLost if it is no longer ours."""
    job = db_session.exec(select(Job).where(col(Job.id) == claim.job_id).with_for_update()).first()
    if job is None or job.status != "running" or job.lease_token != claim.token:
        raise LeaseLost(claim.job_id)
    return job


def finish(*, db_session: Session, job: Job) -> None:
    """Marks a held job done."""
    job.status = "done"
    job.stage = "done"
    job.progress = 100
    job.finished_at = utcnow()
    job.lease_token = None
    job.lease_expires_at = None
    job.error = None
    db_session.add(job)


def fail(*, db_session: Session, job: Job, reason: str) -> None:
    """Marks a job failed with a reason."""
    job.status = "failed"
    job.error = reason
    job.finished_at = utcnow()
    job.lease_token = None
    job.lease_expires_at = None
    db_session.add(job)


def retry_later(*, database: Database, claim: Claim, reason: str, settings: Settings) -> None:
    """Puts a job back in the queue after an unexpected error, or fails it once out of attempts."""
    with database.session(write=True) as db_session:
        try:
            job = hold(db_session=db_session, claim=claim)
        except LeaseLost:
            return
        if job.attempts >= job.max_attempts:
            _kind(claim.kind).give_up(
                db_session=db_session,
                job=job,
                reason=f"processing failed {job.attempts} times; last error: {reason}",
                base_url=settings.public_url,
            )
            return
        job.status = "queued"
        job.stage = "waiting to retry"
        job.error = reason
        job.lease_token = None
        job.lease_expires_at = None
        job.available_at = utcnow() + timedelta(seconds=RETRY_DELAY_SECONDS * job.attempts)
        db_session.add(job)


def get(*, db_session: Session, job_id: str) -> Job | None:
    """Gets a job by its id."""
    return db_session.get(Job, job_id)


def latest_for(*, db_session: Session, questionnaire_ids: list[str]) -> dict[str, Job]:
    """Returns each questionnaire's most recent job."""
    if not questionnaire_ids:
        return {}
    found: dict[str, Job] = {}
    for job in db_session.exec(
        select(Job)
        .where(col(Job.questionnaire_id).in_(questionnaire_ids))
        .order_by(col(Job.created_at))
    ):
        found[job.questionnaire_id] = job
    return found


async def wait_for_job(*, database: Database, job_id: str, seconds: float) -> bool:
    """Waits up to some seconds for a job to finish in any worker; tells whether it did."""
    deadline = time.monotonic() + seconds
    while True:
        status = await to_thread.run_sync(_job_status, database, job_id)
        if status in FINISHED:
            return True
        if time.monotonic() >= deadline:
            return False
        await sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _job_status(database: Database, job_id: str) -> str | None:
    with database.session() as db_session:
        job = get(db_session=db_session, job_id=job_id)
        return job.status if job else None


def fail_orphans(*, db_session: Session) -> int:
    """Fails questionnaires left queued or running with no job to finish them."""
    stuck = list(
        db_session.exec(
            select(Questionnaire).where(col(Questionnaire.status).in_(("queued", "running")))
        )
    )
    with_jobs = latest_for(db_session=db_session, questionnaire_ids=[q.id for q in stuck])
    failed = 0
    for questionnaire in stuck:
        job = with_jobs.get(questionnaire.id)
        if job is not None and job.status not in FINISHED:
            continue
        questionnaire.status = "failed"
        questionnaire.error = "processing was interrupted; upload the original again"
        questionnaire.updated_at = utcnow()
        db_session.add(questionnaire)
        failed += 1
    return failed


def run(*, database: Database, claim: Claim, settings: Settings) -> str:
    """Does a claimed job while a heartbeat keeps its lease; returns how it ended."""
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(settings.job_lease_seconds / 3):
            try:
                if not renew(database=database, claim=claim, settings=settings):
                    return
            except Exception:  # noqa: BLE001 - a missed renewal is retried on the next beat
                log.exception("job %s: could not renew the lease", claim.job_id)

    beat = threading.Thread(target=heartbeat, name=f"lease-{claim.job_id[:8]}", daemon=True)
    beat.start()
    try:
        return _kind(claim.kind).run(database=database, claim=claim, settings=settings)
    except LeaseLost:
        log.warning(
            "job %s: lease lost; leaving the result to the worker that took over", claim.job_id
        )
        return "lost"
    except Exception as exc:  # noqa: BLE001 - any other failure is retried, then reported
        log.exception("job %s failed on attempt %d", claim.job_id, claim.attempt)
        retry_later(
            database=database,
            claim=claim,
            reason=describe_failure(exc),
            settings=settings,
        )
        return "retry"
    finally:
        stop.set()
        beat.join(1)


class Worker:
    """Threads that take jobs, and threads of their own that send webhook deliveries, until stopped.

    Deliveries do not wait behind jobs: a busy queue would hold every event back until it drained.
    """

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        threads: int,
        delivery_threads: int | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.threads = threads
        self.delivery_threads = (
            settings.webhook_threads if delivery_threads is None else delivery_threads
        )
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._deliveries_due = threading.Event()
        self._pool: list[threading.Thread] = []
        self._housekeeping = threading.Lock()
        self._next_purge = 0.0
        self._next_reclaim = 0.0

    def start(self) -> None:
        """Start the worker threads (the first thing each job thread does is keep house)."""
        loops = [(self._job_loop, f"vouch-worker-{n}") for n in range(self.threads)]
        loops += [
            (self._delivery_loop, f"vouch-webhooks-{n}") for n in range(self.delivery_threads)
        ]
        for target, name in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._pool.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every thread to stop after its current unit of work, and wait for them."""
        self._stopping.set()
        self._wake.set()
        self._deliveries_due.set()
        for thread in self._pool:
            thread.join(timeout)
        self._pool.clear()

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()
        self._deliveries_due.set()

    def run_job(self) -> bool:
        """Do one job; tell whether there was one."""
        claimed = claim(database=self.database, settings=self.settings)
        if claimed is None:
            return False
        outcome = run(database=self.database, claim=claimed, settings=self.settings)
        log.info("job %s (attempt %d): %s", claimed.job_id, claimed.attempt, outcome)
        # A finished job has queued its events: send them now, not at the next poll.
        self._deliveries_due.set()
        return True

    def run_once(self) -> bool:
        """Do one job or one webhook delivery; tell whether there was anything to do."""
        from app.services import webhooks

        if self.run_job():
            return True
        return webhooks.deliver_next(database=self.database, settings=self.settings)

    def run_until_idle(self) -> int:
        """Work until nothing is due; return how many units were done."""
        self._keep_house()
        done = 0
        while not self._stopping.is_set() and self.run_once():
            done += 1
        return done

    def _keep_house(self) -> None:
        from app.services import idempotency

        with self._housekeeping:
            now = time.monotonic()
            purge, reclaim = now >= self._next_purge, now >= self._next_reclaim
            if purge:
                self._next_purge = now + PURGE_EVERY_SECONDS
            if reclaim:
                self._next_reclaim = now + RECLAIM_EVERY_SECONDS
        if reclaim:
            reclaim_dead(database=self.database)
        if purge:
            purged = idempotency.purge(database=self.database)
            if purged:
                log.info("purged %d idempotency records older than a day", purged)

    def _job_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._keep_house()
                busy = self.run_job()
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                log.exception("worker loop error; retrying after a pause")
                busy = False
            if not busy:
                self._wake.wait(self.settings.worker_poll_seconds)
                self._wake.clear()

    def _delivery_loop(self) -> None:
        from app.services import webhooks

        while not self._stopping.is_set():
            try:
                busy = webhooks.deliver_next(database=self.database, settings=self.settings)
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the sender
                log.exception("webhook loop error; retrying after a pause")
                busy = False
            if not busy:
                self._deliveries_due.wait(self.settings.worker_poll_seconds)
                self._deliveries_due.clear()
