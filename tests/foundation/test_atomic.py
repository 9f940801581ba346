"""Atomic output: an interrupted write leaves the old file intact and no partial file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from cztmap._atomic import atomic_path, atomic_write_text, check_writable
from cztmap.errors import DataError, UsageError


def test_exception_midway_keeps_old_file(tmp_path):
    target = tmp_path / "map.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half of the new", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


def test_killed_process_keeps_old_file(tmp_path):
    """SIGKILL a writer in the middle of a large write: the old file survives untouched."""
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    code = textwrap.dedent(f"""
        import time
        from cztmap._atomic import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            with open(tmp, "w") as fh:
                fh.write("x" * 1000)
                fh.flush()
                print("writing", flush=True)
                time.sleep(30)
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "writing"
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    p.stdout.close()
    assert target.read_text(encoding="utf-8") == "old"
    leftovers = [q.name for q in tmp_path.iterdir() if q.name != "out.txt"]
    # a killed process cannot clean up: its temporary file is hidden (.out.txt.*.part), never the target
    assert all(n.startswith(".out.txt.") and n.endswith(".part") for n in leftovers)


def test_success_replaces_and_sets_mode(tmp_path):
    target = tmp_path / "a.json"
    atomic_write_text(target, "{}")
    assert target.read_text() == "{}" and (target.stat().st_mode & 0o777) == 0o644


def test_unwritable_targets(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        check_writable(tmp_path / "nope" / "x.html")
    with pytest.raises(UsageError, match="is a folder"):
        check_writable(tmp_path)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.geteuid() != 0:  # root may write anywhere
            with pytest.raises(DataError, match="not writable"):
                check_writable(ro / "x.html")
    finally:
        ro.chmod(0o700)
