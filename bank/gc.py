"""Garbage collection of chunks: mark and sweep, safe while checkpoints are being written.

The rule. A sweep that starts at time T deletes a chunk only if all of these hold:
  1. no stream manifest of any checkpoint whose status is not 'deleted' refers to it;
  2. no in-flight checkpoint ('protecting', or being copied into) has registered it as
     pending (writers register a batch of hashes *before* they check which chunks exist, and
     keep the registration until the checkpoint is no longer in flight, by which time its
     manifests are written);
  3. the chunk object was last written or touched before T - grace, checked again at the moment
     of deletion (atomically on the filesystem: rename aside, check, restore if fresh).

Why no needed chunk is lost. Marking reads, per checkpoint, the pending lists before the
manifests, so a writer moving from "pending" to "manifest" is seen in one or the other. A writer
that registers after the mark has been read found the chunk either new (fresh mtime: rule 3
spares it) or old; a writer touches (refreshes) any existing chunk older than grace/2 that it
dedups against, so an old chunk it relies on becomes fresh before the sweep can reach it, and if
the sweep took it first, the writer sees it missing and uploads it again. Protecting checkpoints
whose owner's lease expired still count as in flight here: failing them (and dropping their
pending lists) is the protection service's job, after which their chunks become collectable.
On S3 rule 3 is a HEAD then a DELETE with If-Match: a touch landing between the two cannot
change the etag, so the window is one round trip; a writer verifies every chunk exists when it
commits (CommitStream) and verify() finds any loss, so keep grace far above clock skew and
commit latency. Clocks must agree to well within the grace period.
"""

from __future__ import annotations

from dataclasses import dataclass

from smaug.bank.bank import Bank
from smaug.bank.checkpoints import DELETED, IN_FLIGHT
from smaug.bank.chunks import CHUNK_PREFIX
from smaug.bank.errors import CheckpointNotFound, ObjectNotFound


@dataclass
class GcReport:
    checkpoints_scanned: int = 0
    chunks_live: int = 0
    chunks_scanned: int = 0
    chunks_deleted: int = 0
    bytes_freed: int = 0
    spared_recent: int = 0


def live_chunk_keys(bank: Bank, report: GcReport | None = None) -> set[str]:
    """Mark: storage keys of every chunk a non-deleted checkpoint refers to or an in-flight one
    relies on."""
    live: set[str] = set()
    for checkpoint_id in bank.checkpoints.all_ids():
        try:
            meta = bank.checkpoints.get(checkpoint_id)
        except CheckpointNotFound:
            continue
        if report is not None:
            report.checkpoints_scanned += 1
        if meta.status == DELETED:
            continue
        if meta.status in IN_FLIGHT:  # pending first, then manifests (see module docstring)
            live |= bank.checkpoints.pending_names(checkpoint_id)
        for key in list(bank.checkpoints.manifest_keys(checkpoint_id)):
            try:
                live.update(map(bank.chunks.storage_key, bank.manifest_at(key).hashes()))
            except ObjectNotFound:
                continue
    return live


def collect_garbage(bank: Bank, *, grace: float | None = None) -> GcReport:
    """Delete chunks no checkpoint needs; see the module docstring for the rule."""
    grace = bank.gc_grace if grace is None else grace
    started = bank.clock()
    cutoff = started - grace
    report = GcReport()
    live_names = live_chunk_keys(bank, report)
    report.chunks_live = len(live_names)
    for info in bank.backend.scan(CHUNK_PREFIX):
        report.chunks_scanned += 1
        if info.key in live_names:
            continue
        if info.modified >= cutoff:
            report.spared_recent += 1
            continue
        if bank.backend.delete_if_stale(info.key, cutoff):
            report.chunks_deleted += 1
            report.bytes_freed += info.size
        else:
            report.spared_recent += 1
    return report
