"""The bad-input corpus: whatever a user feeds cztmap, it does the right thing or says clearly what is wrong.

Every case of ``tests/robustness/bad_inputs/cases.toml`` (and of the Python tables below, for inputs that need a
corrupted copy of ``data/geo`` or raw argv bytes) is run through ``cztmap.cli.app`` in an empty
temporary folder and must give:

- the expected exit code (2 usage error, 1 data error or no route, 0 when the input must be accepted);
- exactly one line on stderr, containing the expected phrase (what, where, how to fix);
- no "Traceback" and no "internal error";
- no file created, and any pre-existing output byte-identical;
- for an accepted input: no ``nan``/``inf`` in what it prints, and with ``json = true`` stdout is one strict
  JSON document (no ``NaN``/``Infinity``).

Cases of the topic files carry ``class``: the issue-17 class they guard (1 unvalidated input, 2 unbounded
resources, 3 data build, 4 operating-system faults, 5 implausible data, 6 misleading diagnosis).

The error hierarchy (every error class subclasses ``CztmapError`` and its built-in; the CLI maps them to
exit codes) is checked at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from cztmap import errors
from cztmap.cli.app import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
#: cases.toml, then every cases_*.toml (one file per topic, so parallel work does not collide).
CASE_FILES = [CORPUS / "cases.toml", *sorted(CORPUS.glob("cases_*.toml"))]
CASES = [c for f in CASE_FILES for c in tomllib.loads(f.read_text(encoding="utf-8"))["case"]]


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
        for p in sorted(folder.rglob("*"))
    }


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


#: A non-finite number as a word of the output ("nan s", "inf min", JSON NaN/Infinity).
_NONFINITE = re.compile(r"(?<![\w.-])-?(?:nan|inf|infinity)(?![\w.-])", flags=re.IGNORECASE)


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-finite JSON number {name}")


def _check_output(out: str, want_json: bool) -> None:
    """What an accepted input prints holds no NaN or infinity (and is strict JSON when asked for)."""
    assert not _NONFINITE.search(out), _NONFINITE.search(out)
    if want_json:
        json.loads(out, parse_constant=_reject_constant)


def _check_error(code: int, err: str, want_code: int, needle: str, warn: str = "") -> None:
    assert code == want_code, err
    assert "Traceback" not in err and "internal error" not in err, err
    warnings = [line for line in err.splitlines() if line.startswith("cztmap: warning: ")]
    if warn:
        assert any(warn in w for w in warnings), f"no warning containing {warn!r} in {err!r}"
    if want_code == 0:
        return
    rest = "".join(line + "\n" for line in err.splitlines() if not line.startswith("cztmap: warning: "))
    assert rest.count("\n") == 1 and err.endswith("\n"), f"the error must be one line: {err!r}"
    assert rest.startswith("cztmap: error: "), err
    assert needle in rest, f"{needle!r} not in {err!r}"


def test_corpus_is_large_and_covers_every_entry_point() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    by_entry = Counter(c["entry"] for c in CASES)
    assert len(CASES) + len(GEO_CASES) + len(ARGV_BYTES_CASES) >= 320
    assert all(c.get("class", 1) in range(1, 7) for c in CASES), "class is one of the issue's six (1–6)"
    by_class = Counter(c["class"] for c in CASES if "class" in c)
    assert all(by_class[k] >= 3 for k in range(1, 7)), by_class
    for entry in (
        "cli",
        "route",
        "last-train",
        "matrix",
        "isochrone",
        "reach",
        "critical",
        "map",
        "stations",
        "export",
        "compare",
        "scenario",
        "import-gtfs",
        "roads",
        "data",
    ):
        assert by_entry[entry] >= 1, entry
    # every corpus file is used by some case, and every file a case names exists
    used = {a.replace("{corpus}/", "") for c in CASES for a in c["argv"] if a.startswith("{corpus}/")}
    files = {
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file()
        and p.suffix != ".py"
        and not (p.name.startswith("cases") and p.suffix == ".toml")
        and p.name != "README.md"
    }
    assert files <= used | {"scenarios"}, sorted(files - used)
    assert all((CORPUS / u).exists() for u in used), sorted(u for u in used if not (CORPUS / u).exists())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_cli_case(
    case: dict, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if "preexisting" in case:
        (tmp_path / case["preexisting"]).write_bytes(b"old contents\n")
    if "mkdir" in case:
        (tmp_path / case["mkdir"]).mkdir()
    before = _snapshot(tmp_path)
    corpus_before = _snapshot(CORPUS)
    argv = [a.replace("{corpus}", str(CORPUS)) for a in case["argv"]]
    code, out, err = _run(argv, capsys)
    _check_error(code, err, case["code"], case["needle"], case.get("warn", ""))
    to_stdout = any(a in ("-o", "--output") and argv[i + 1 : i + 2] == ["-"] for i, a in enumerate(argv))
    if code == 0 and not to_stdout:  # a map on stdout is HTML/JavaScript, not a result
        _check_output(out, case.get("json", False))
    after = _snapshot(tmp_path)
    if "expect_file" in case:  # an accepted input that writes its one output
        assert case["code"] == 0 and after.pop(case["expect_file"], None) is not None, "the output is missing"
    assert after == before, "no output file may be created or changed"
    assert _snapshot(CORPUS) == corpus_before


# ---------------------------------------------------------------------------------------------
# curated data folders for `cztmap data validate`: a corrupted copy of data/geo per case
# ---------------------------------------------------------------------------------------------


def _edit(layer: str, fn):
    def apply(folder: Path) -> None:
        p = folder / f"{layer}.geojson"
        doc = json.loads(p.read_text(encoding="utf-8"))
        fn(doc["features"])
        p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    return apply


def _raw(layer: str, data: bytes):
    def apply(folder: Path) -> None:
        (folder / f"{layer}.geojson").write_bytes(data)

    return apply


def _swap(fs: list) -> None:
    g = fs[3]["geometry"]
    g["coordinates"] = g["coordinates"][::-1]


HTML = "<script>alert('x')</script><b>站</b>"

#: id -> (corruption, exit code, phrase on stdout (the problem list) or stderr (fatal))
GEO_CASES = {
    "geo-duplicate-station-id": (_edit("stations", lambda fs: fs.append(fs[0])), 1, "not unique"),
    "geo-self-loop": (
        _edit("sections", lambda fs: fs[0]["properties"].update(to_station=fs[0]["properties"]["from_station"])),
        1,
        "self-loop",
    ),
    "geo-zero-length": (
        _edit("sections", lambda fs: fs[0]["properties"].update(length_m=0)),
        1,
        "plausible section length",
    ),
    "geo-swapped-lat-lon": (_edit("stations", _swap), 1, "look swapped"),
    "geo-nan-speed": (_edit("sections", lambda fs: fs[0]["properties"].update(speed_kmh=1e308)), 1, "implausible"),
    "geo-not-json": (_raw("roads", b"{not json"), 1, "not valid JSON"),
    "geo-gbk": (_raw("roads", '{"a": "长沙"}'.encode("gbk")), 1, "not UTF-8"),
    "geo-empty-file": (_raw("lines", b""), 1, "lines.geojson"),
    "geo-html-in-names-accepted": (_edit("stations", lambda fs: fs[0]["properties"].update(name_zh=HTML)), 0, ""),
}


@pytest.fixture(scope="module")
def geo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cztmap._paths import geo_dir

    out = tmp_path_factory.mktemp("geo") / "pristine"
    shutil.copytree(geo_dir(), out)
    return out


@pytest.mark.parametrize("case", sorted(GEO_CASES))
def test_data_validate_case(
    case: str, geo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    corrupt, want, needle = GEO_CASES[case]
    folder = tmp_path / "geo"
    shutil.copytree(geo_copy, folder)
    corrupt(folder)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _snapshot(folder)
    code, out, err = _run(["data", "validate", str(folder)], capsys)
    assert code == want, (out, err)
    assert "Traceback" not in out + err and "internal error" not in err
    assert err.count("\n") == 1, err
    if want:
        assert needle in out + err, (out, err)
        assert ".geojson" in out + err
    else:
        assert "dataset valid" in err
    assert _snapshot(folder) == before and not list(work.iterdir())


def test_html_in_names_is_data_but_escaped_in_maps(geo_copy: Path, tmp_path: Path) -> None:
    """A station called ``<script>…`` is valid data; the map shows it as text, never as markup."""
    from cztmap import maps
    from cztmap.data.dataset import load_dataset
    from cztmap.viz._offline import render_html

    folder = tmp_path / "geo"
    shutil.copytree(geo_copy, folder)
    GEO_CASES["geo-html-in-names-accepted"][0](folder)
    ds = load_dataset(path=folder)
    assert HTML in set(ds.stations.name_zh)
    html = render_html(maps.network_map(ds, offline=True))
    assert "<script>alert('x')</script>" not in html and "<b>站</b>" not in html
    assert "\\u0026lt;script\\u0026gt;alert(" in html  # shown as text: entities inside a JS string


# ---------------------------------------------------------------------------------------------
# raw argv bytes (a GBK terminal): only a subprocess can pass them
# ---------------------------------------------------------------------------------------------

ARGV_BYTES_CASES = {
    "argv-gbk-station": ([b"route", "五一广场".encode("gbk"), "橘子洲".encode()], 2, "reads as GBK, not UTF-8"),
    "argv-gbk-garbage": ([b"route", b"\xff\xfe\xfd", "橘子洲".encode()], 2, "Unknown station"),
}


@pytest.mark.parametrize("case", sorted(ARGV_BYTES_CASES))
def test_argv_bytes(case: str, tmp_path: Path) -> None:
    argv, want, needle = ARGV_BYTES_CASES[case]
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "cztmap.cli", *argv], cwd=tmp_path, capture_output=True, env=env, timeout=300
    )
    err = r.stderr.decode("utf-8", "replace")
    _check_error(r.returncode, err, want, needle)
    assert not list(tmp_path.iterdir())


def test_one_case_in_a_real_process(tmp_path: Path) -> None:
    """The same one-line contract holds for a real process (no traceback on stderr, exit code kept)."""
    r = subprocess.run(
        [sys.executable, "-m", "cztmap.cli", "import-gtfs", str(CORPUS / "gtfs" / "bad_time.zip")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    _check_error(r.returncode, r.stderr, 1, "field arrival_time: '25:61:00' is not a time")
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------------------------------
# the error hierarchy and its exit codes
# ---------------------------------------------------------------------------------------------

HIERARCHY = {
    "CztmapError": (Exception, 1),
    "DataError": (ValueError, 1),
    "ScenarioError": (ValueError, 1),
    "UsageError": (ValueError, 2),
    "StationNotFoundError": (KeyError, 2),
    "NoRouteError": (Exception, 1),
}


def test_error_classes_are_complete_and_subclass_their_builtin() -> None:
    assert set(errors.__all__) == set(HIERARCHY) | {"CztmapWarning"}
    assert issubclass(errors.CztmapWarning, UserWarning) and not issubclass(errors.CztmapWarning, errors.CztmapError)
    for name, (builtin, code) in HIERARCHY.items():
        cls = getattr(errors, name)
        assert issubclass(cls, errors.CztmapError) and issubclass(cls, builtin), name
        assert cls.exit_code == code, name
    assert issubclass(errors.StationNotFoundError, errors.UsageError)
    assert issubclass(errors.ScenarioError, errors.DataError)
    assert str(errors.StationNotFoundError("x", ["y"])) == "Unknown station 'x'; did you mean 'y'?"


@pytest.mark.parametrize("name", sorted(HIERARCHY))
def test_cli_maps_each_error_to_its_exit_code(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import cztmap.cli.app as cli

    cls = getattr(errors, name)
    exc = cls("x", ["y"]) if cls is errors.StationNotFoundError else cls("Something is wrong; fix it.")

    def boom(args):
        raise exc

    monkeypatch.setitem(cli._HANDLERS, "params", boom)
    code, _out, err = _run(["params"], capsys)
    assert code == HIERARCHY[name][1] and err.count("\n") == 1 and err.startswith("cztmap: error: ")
    with pytest.raises(cls):
        main(["--debug", "params"])


def test_cli_unexpected_error_is_one_line_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import cztmap.cli.app as cli

    def boom(args):
        raise ZeroDivisionError("oops")

    monkeypatch.setitem(cli._HANDLERS, "params", boom)
    code, _out, err = _run(["params"], capsys)
    assert code == 3 and err.count("\n") == 1 and "internal error: ZeroDivisionError: oops" in err
