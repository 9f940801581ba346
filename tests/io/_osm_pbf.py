"""A minimal OpenStreetMap PBF writer (nodes and ways), for giving ferrobus a street network we control.

The format (https://wiki.openstreetmap.org/wiki/PBF_Format): a sequence of length-prefixed ``BlobHeader`` +
``Blob`` (zlib) pairs holding an ``OSMHeader`` block and ``OSMData`` primitive blocks; messages are plain
protobuf, written here by hand (varints, zigzag, length-delimited fields) so no ``.proto`` compiler is needed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _zigzag(v: int) -> int:
    return (v << 1) ^ (v >> 63)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _bytes(field: int, data: bytes) -> bytes:
    return _key(field, 2) + _varint(len(data)) + data


def _int(field: int, v: int) -> bytes:
    return _key(field, 0) + _varint(v)


def _sint(field: int, v: int) -> bytes:
    return _key(field, 0) + _varint(_zigzag(v))


def _packed(field: int, values: Iterable[int]) -> bytes:
    return _bytes(field, b"".join(_varint(v) for v in values))


def _blob(kind: str, payload: bytes) -> bytes:
    blob = _int(2, len(payload)) + _bytes(3, zlib.compress(payload))
    header = _bytes(1, kind.encode()) + _int(3, len(blob))
    return struct.pack(">I", len(header)) + header + blob


def write_pbf(
    path: Path, nodes: Sequence[tuple[int, float, float]], ways: Sequence[tuple[int, Sequence[int], dict[str, str]]]
) -> Path:
    """Write ``nodes`` (id, lat, lon) and ``ways`` (id, node refs, tags) as an ``.osm.pbf``; return ``path``.

    Coordinates are stored in units of 1e-7 degree (granularity 100 nanodegrees, no offset).
    """
    header = _bytes(4, b"OsmSchema-V0.6") + _bytes(16, b"cztmap tests")
    strings = [b""]
    index: dict[bytes, int] = {}

    def s(text: str) -> int:
        b = text.encode()
        if b not in index:
            index[b] = len(strings)
            strings.append(b)
        return index[b]

    node_msgs = b"".join(
        _bytes(1, _sint(1, nid) + _sint(8, round(lat * 1e7)) + _sint(9, round(lon * 1e7))) for nid, lat, lon in nodes
    )
    way_msgs = b""
    for wid, refs, tags in ways:
        keys = [s(k) for k in tags]
        vals = [s(v) for v in tags.values()]
        deltas, prev = [], 0
        for r in refs:
            deltas.append(_zigzag(r - prev))
            prev = r
        way_msgs += _bytes(3, _int(1, wid) + _packed(2, keys) + _packed(3, vals) + _packed(8, deltas))
    table = _bytes(1, b"".join(_bytes(1, x) for x in strings))
    block = table + _bytes(2, node_msgs) + _bytes(2, way_msgs) + _int(17, 100)
    path.write_bytes(_blob("OSMHeader", header) + _blob("OSMData", block))
    return path
