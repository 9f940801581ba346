"""Operating-system faults at the command line: one sentence, the documented exit code, nothing left behind.

Faults that cannot be produced for real in a test (a full disk, a denied folder when the tests run as
root, a read-only disk) are simulated by making the OS call raise the OSError the kernel would give.
Real processes check signals, pipes and encodings.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cztmap.cli.app import main

#: Every command that writes a file, with the output path as OUT.
WRITERS = {
    "route": ["route", "五一广场", "橘子洲", "--as-of", "2024-07-01", "-o", "OUT.html"],
    "map": ["map", "-o", "OUT.html", "--as-of", "2024-07-01"],
    "isochrone": ["isochrone", "五一广场", "-o", "OUT.geojson", "--as-of", "2024-07-01", "--minutes", "20"],
    "export-gtfs": ["export", "gtfs", "OUT.zip", "--as-of", "2024-07-01"],
    "export-layers": ["export", "layers", "OUT.geojson", "--layers", "stations"],
    "export-graph": ["export", "graph", "OUT.graphml", "--as-of", "2024-07-01", "--modes", "metro"],
    # writers of 0.2.0
    "export-gtfs-frequencies": ["export", "gtfs", "OUT.zip", "--as-of", "2024-07-01", "--trips", "frequencies"],
    "matrix-csv": ["matrix", "--between", "stations", "--modes", "maglev", "--as-of", "2024-07-01", "-o", "OUT.csv"],
    "matrix-parquet": ["matrix", "--modes", "maglev", "--as-of", "2024-07-01", "-o", "OUT.parquet"],
    "import-gtfs": ["import-gtfs", str(Path(__file__).parents[1] / "data" / "gtfs" / "transfer"), "-o", "OUT.graphml"],
    "reach-map": ["reach", "--minutes", "60", "--as-of", "2024-07-01", "-o", "OUT.html", "--offline"],
}

#: errno -> (exit code, phrase)
FAULTS = {
    errno.ENOSPC: (1, "No space left on the disk holding"),
    errno.EACCES: (1, "Permission denied writing"),
    errno.EROFS: (1, "is read-only; write it elsewhere"),
    errno.EDQUOT: (1, "No space left on the disk holding"),
    errno.EIO: (1, "The operating system refused to write"),
}


def _one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if not ln.startswith("cztmap: warning: ")]
    assert len(lines) == 1 and lines[0].startswith("cztmap: error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    return lines[0]


#: every writer with a full disk, every other fault with one writer (the path through cztmap._atomic is shared);
#: the Parquet matrix is a folder of parts (its own test below)
PAIRS = [(w, errno.ENOSPC) for w in sorted(WRITERS) if w != "matrix-parquet"] + [
    ("map", f) for f in sorted(FAULTS) if f != errno.ENOSPC
]


@pytest.mark.parametrize(("writer", "fault"), PAIRS, ids=[f"{w}-{errno.errorcode[f]}" for w, f in PAIRS])
def test_a_failing_rename_is_one_sentence_and_leaves_nothing(writer, fault, tmp_path, monkeypatch, capsys):
    """The last step of every write (the rename) fails as the disk would: the old file stays, no .part file."""
    import cztmap._atomic as atomic

    monkeypatch.chdir(tmp_path)
    out = "out" + Path(next(a for a in WRITERS[writer] if a.startswith("OUT"))).suffix
    (tmp_path / out).write_bytes(b"old\n")

    def refuse(src, dst):
        raise OSError(fault, os.strerror(fault), str(dst))

    monkeypatch.setattr(atomic.os, "replace", refuse)
    code = main([a.replace("OUT", "out") for a in WRITERS[writer]])
    err = capsys.readouterr().err
    want, phrase = FAULTS[fault]
    assert code == want and phrase in _one_error_line(err) and out in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [out] and (tmp_path / out).read_bytes() == b"old\n"


@pytest.mark.parametrize("fault", [errno.ENOSPC, errno.EACCES])
def test_a_failing_parquet_part_leaves_no_folder(fault, tmp_path, monkeypatch, capsys):
    """``matrix -o M.parquet`` writes a folder of parts: a part that cannot be written leaves no folder behind."""
    import cztmap._atomic as atomic

    monkeypatch.chdir(tmp_path)

    def refuse(src, dst):
        raise OSError(fault, os.strerror(fault), str(dst))

    monkeypatch.setattr(atomic.os, "replace", refuse)
    code = main([a.replace("OUT", "out") for a in WRITERS["matrix-parquet"]])
    want, phrase = FAULTS[fault]
    assert code == want and phrase in _one_error_line(capsys.readouterr().err)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("writer", ["map", "export-layers", "export-graph"])
def test_a_full_disk_in_the_middle_of_writing(writer, tmp_path, monkeypatch, capsys):
    """The writer itself fails (GDAL, Arrow and zipfile raise their own errors): with no space left it says so."""
    import cztmap._atomic as atomic

    monkeypatch.chdir(tmp_path)
    real = atomic.os.replace

    def full(src, dst):
        Path(src).write_bytes(b"")  # what a writer that ran out of space leaves
        raise RuntimeError("write failed")  # a library's own wrapper of ENOSPC

    monkeypatch.setattr(atomic.os, "replace", full)
    monkeypatch.setattr(atomic, "_full_disk", lambda folder: True)
    code = main([a.replace("OUT", "out") for a in WRITERS[writer]])
    monkeypatch.setattr(atomic.os, "replace", real)
    line = _one_error_line(capsys.readouterr().err)
    assert code == 1 and "No space left" in line and not list(tmp_path.iterdir())


def test_a_denied_temporary_file(tmp_path, monkeypatch, capsys):
    import cztmap._atomic as atomic

    monkeypatch.chdir(tmp_path)

    def denied(**kw):
        raise PermissionError(errno.EACCES, "Permission denied", kw.get("dir"))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", denied)
    code = main(["map", "-o", "m.html", "--as-of", "2024-07-01"])
    line = _one_error_line(capsys.readouterr().err)
    assert code == 1 and "Permission denied writing 'm.html'" in line and not list(tmp_path.iterdir())


def test_an_unwritable_folder_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    import cztmap._atomic as atomic

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(atomic.os, "access", lambda path, mode: False)  # root may write anywhere: simulate
    code = main(["export", "graph", "g.graphml", "--as-of", "2024-07-01"])
    line = _one_error_line(capsys.readouterr().err)
    assert code == 1 and "is not writable" in line


def test_an_unexpected_os_error_outside_atomic_writes(monkeypatch, capsys):
    import cztmap.cli.app as cli

    def boom(args):
        raise OSError(errno.EMFILE, "Too many open files", "x.csv")

    monkeypatch.setitem(cli._HANDLERS, "params", boom)
    code = main(["params"])
    line = _one_error_line(capsys.readouterr().err)
    assert code == 1 and "Too many open files" in line and "ulimit" in line


def test_memory_exhaustion_is_a_sentence(monkeypatch, capsys):
    import cztmap.cli.app as cli

    def boom(args):
        raise MemoryError

    monkeypatch.setitem(cli._HANDLERS, "params", boom)
    assert main(["params"]) == 1 and "ran out of memory" in _one_error_line(capsys.readouterr().err)


def test_a_deleted_working_folder(tmp_path, monkeypatch, capsys):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    code = main(["map", "-o", "m.html", "--as-of", "2024-07-01"])
    line = _one_error_line(capsys.readouterr().err)
    assert code in (1, 2) and "working folder no longer exists" in line
    assert main(["params"]) == 0  # commands that write nothing still work


# ---------------------------------------------------------------------------------------------
# real processes: signals, pipes, encodings, locales
# ---------------------------------------------------------------------------------------------


def _env(**kw: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIOENCODING", "PYTHONUTF8"))}
    env.update(kw)
    return env


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_during_a_write_removes_the_temporary_file(sig, tmp_path):
    """SIGTERM cleans up like Ctrl-C: the old target intact, no hidden .part file, exit 128+signal (130 Ctrl-C)."""
    target = tmp_path / "m.html"
    target.write_text("old", encoding="utf-8")
    code = textwrap.dedent(f"""
        import sys, time
        import cztmap._atomic as atomic
        real = atomic.os.replace
        def slow(src, dst):
            print("writing", flush=True)
            time.sleep(60)
            real(src, dst)
        atomic.os.replace = slow
        from cztmap.cli.app import main
        sys.exit(main(["map", "-o", {str(target)!r}, "--as-of", "2024-07-01"]))
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "writing"
    p.send_signal(getattr(signal, sig))
    _out, err = p.communicate(timeout=60)
    assert p.returncode == 128 + getattr(signal, sig), err
    assert "Traceback" not in err and err.strip() in ("cztmap: terminated", "cztmap: interrupted")
    assert [q.name for q in tmp_path.iterdir()] == ["m.html"] and target.read_text(encoding="utf-8") == "old"


def test_a_broken_pipe_is_quiet(tmp_path):
    r = subprocess.run(
        f"{sys.executable} -m cztmap.cli stations --as-of 2024-07-01 | head -c 10 > /dev/null",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**_env(), "PYTHONUNBUFFERED": "1"},
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr and "Broken pipe" not in r.stderr, r.stderr
    assert "error" not in r.stderr.lower(), r.stderr


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_stdout_that_cannot_encode_chinese(encoding, tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "cztmap.cli", "route", "五一广场", "橘子洲", "--as-of", "2024-07-01", "--json"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env=_env(PYTHONIOENCODING=encoding, LC_ALL="C.UTF-8"),
    )
    err = r.stderr.decode(encoding, "replace")
    assert r.returncode == 0, err
    assert "PYTHONIOENCODING=utf-8" in err and "Traceback" not in err
    import json

    doc = json.loads(r.stdout.decode("ascii"))  # \\u escapes are still valid JSON
    assert doc["origin"]["name"] == "五一广场"


def test_an_error_message_in_chinese_on_an_ascii_stderr(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "cztmap.cli", "route", "五一广常", "橘子洲", "--as-of", "2024-07-01"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env=_env(PYTHONIOENCODING="ascii", LC_ALL="C.UTF-8"),
    )
    err = r.stderr.decode("ascii")
    assert r.returncode == 2 and "did you mean" in err and "\\u4e94" in err and "Traceback" not in err


def test_a_utf8_name_under_the_c_locale(tmp_path):
    """LC_ALL=C without UTF-8 mode: argv arrives as surrogate escapes; the name still resolves."""
    r = subprocess.run(
        [sys.executable, "-X", "utf8=0", "-m", "cztmap.cli", "route", "五一广场", "橘子洲", "--as-of", "2024-07-01"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env=_env(LC_ALL="C", PYTHONCOERCECLOCALE="0"),
    )
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in r.stderr


def test_a_temporary_name_never_exceeds_the_name_limit(tmp_path):
    """A final name just under the limit is valid: the hidden temporary name must not push it over."""
    from cztmap._atomic import atomic_write_text

    name = "a" * (os.pathconf(tmp_path, "PC_NAME_MAX") - 5) + ".txt"
    atomic_write_text(tmp_path / name, "ok")
    assert (tmp_path / name).read_text() == "ok" and [p.name for p in tmp_path.iterdir()] == [name]


def test_os_error_messages_name_the_path():
    from cztmap._atomic import os_error
    from cztmap.errors import DataError, UsageError

    for code, cls in (
        (errno.ENAMETOOLONG, UsageError),
        (errno.ENOTDIR, UsageError),
        (errno.ENOSPC, DataError),
        (errno.EACCES, DataError),
        (errno.EPERM, DataError),
        (errno.EFBIG, DataError),
        (errno.EISDIR, UsageError),
    ):
        e = os_error(OSError(code, os.strerror(code)), "some/file.x")
        assert isinstance(e, cls) and "some/file.x" in str(e) and str(e).endswith("."), (code, e)
