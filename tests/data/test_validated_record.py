"""Shipped layers are validated at build time and carry a digest record; loading checks only the digests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cztmap._paths import geo_dir
from cztmap.data import dataset
from cztmap.data.validate import VALIDATED_RECORD, recorded_valid, validate_dataset
from cztmap.errors import DataError


def test_shipped_record_matches_and_the_layers_really_validate() -> None:
    assert recorded_valid(geo_dir()), "data/geo/validated.json is stale: run `cztmap data build`"
    assert validate_dataset(geo_dir()) == []  # the record is not taken on trust here


def test_a_changed_layer_is_validated_in_full_on_load(tmp_path: Path) -> None:
    out = tmp_path / "geo"
    shutil.copytree(geo_dir(), out)
    assert (out / VALIDATED_RECORD).is_file() and recorded_valid(out)
    p = out / "sections.geojson"
    doc = json.loads(p.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["to_station"] = "nowhere"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert not recorded_valid(out)
    with pytest.raises(DataError, match="to_station"):
        dataset.load_dataset(path=out)


def test_a_forged_record_for_other_bytes_is_not_trusted(tmp_path: Path) -> None:
    out = tmp_path / "geo"
    shutil.copytree(geo_dir(), out)
    rec = json.loads((out / VALIDATED_RECORD).read_text(encoding="utf-8"))
    rec["layers"]["roads"] = "0" * 32
    (out / VALIDATED_RECORD).write_text(json.dumps(rec), encoding="utf-8")
    assert not recorded_valid(out)
