"""Whose spool folder is left over: a process of this host that no longer runs
— also one killed but not yet reaped by its parent (a zombie), as happens to
the children of a killed server inside a container whose init does not reap."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.ingest.spool import leftovers, process_name


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="zombies are read from /proc")
def test_the_folder_of_an_unreaped_dead_process_is_a_leftover(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    folder = tmp_path / f"{process_name().rpartition('-')[0]}-{child.pid}"
    folder.mkdir()
    mine = tmp_path / process_name()
    mine.mkdir()
    try:
        deadline = time.monotonic() + 30
        while Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
            assert time.monotonic() < deadline, "the child never ended"
            time.sleep(0.05)
        os.kill(child.pid, 0)  # it still answers signals
        assert leftovers(tmp_path) == [folder]
    finally:
        child.wait()
    assert leftovers(tmp_path) == [folder]
