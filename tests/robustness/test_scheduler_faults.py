"""`cztmap matrix --scheduler` against servers that are not a Dask scheduler: one sentence, exit 1, no hang.

The TOML corpus covers malformed addresses and refused ports (``cases_matrix.toml``); these cases need a live
socket: a web server on the scheduler's port (its reply read as a Dask frame length asks for exabytes: was
"the computer ran out of memory"), a server that accepts and never answers (must stop at
``--scheduler-timeout``), and a host name that does not resolve (simulated: the suite runs offline).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from cztmap.cli.app import main


def _serve(reply: bytes | None) -> Iterator[str]:
    """A TCP server on a free local port that answers every connection with ``reply`` (None: silence)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            conns.append(c)
            if reply is not None:
                with contextlib.suppress(OSError):
                    c.sendall(reply)

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    finally:
        stop.set()
        t.join(5)
        for c in conns:
            c.close()
        srv.close()


@pytest.fixture
def web_server() -> Iterator[str]:
    yield from _serve(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nBad Request" * 4)


@pytest.fixture
def silent_server() -> Iterator[str]:
    yield from _serve(None)


def _one_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cztmap: error: "), err
    assert "Traceback" not in err and "internal error" not in err and "memory" not in err, err
    return lines[0]


def test_web_server_is_not_a_scheduler(web_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    t0 = time.monotonic()
    code = main(["matrix", "--scheduler", web_server, "--scheduler-timeout", "3"])
    msg = _one_sentence(capsys.readouterr().err)
    assert code == 1 and time.monotonic() - t0 < 10
    assert f"Cannot connect to a Dask scheduler at '{web_server}'" in msg and "not a web server" in msg


def test_silent_server_stops_at_the_timeout(silent_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    t0 = time.monotonic()
    code = main(["matrix", "--scheduler", silent_server, "--scheduler-timeout", "1"])
    elapsed = time.monotonic() - t0
    msg = _one_sentence(capsys.readouterr().err)
    assert code == 1 and elapsed < 8, elapsed  # 1 s for the answer, plus the client's own shutdown
    assert "no answer in time" in msg


def test_unknown_host_fails_at_once(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def no_such_host(*args: object, **kw: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "create_connection", no_such_host)
    t0 = time.monotonic()
    code = main(["matrix", "--scheduler", "tcp://scheduler.example.invalid:8786"])
    msg = _one_sentence(capsys.readouterr().err)
    assert code == 1 and time.monotonic() - t0 < 2
    assert "the host name 'scheduler.example.invalid' is unknown" in msg


def test_library_refuses_bad_timeouts() -> None:
    from cztmap.errors import UsageError
    from cztmap.network.distributed import connect_scheduler

    for bad in (0, -1.0, float("nan"), float("inf"), True, "10"):
        with pytest.raises(UsageError, match="must be a number of seconds"):
            connect_scheduler("tcp://127.0.0.1:1", timeout_s=bad)  # type: ignore[arg-type]
