"""The durable job queue over the metadata database."""
from shared.jobs.queue import (
    EXTRACT,
    INDEX,
    Claimed,
    JobState,
    claim,
    complete,
    enqueue,
    extend,
    fail,
    release,
)

__all__ = ["EXTRACT", "INDEX", "Claimed", "JobState", "claim", "complete", "enqueue", "extend", "fail",
           "release"]
