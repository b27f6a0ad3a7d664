"""The durable job queue over the metadata database."""
from shared.jobs.queue import enqueue

__all__ = ["enqueue"]
