"""A reader of TensorFlow V2 checkpoints (tensor bundles) in Python and numpy, without TensorFlow.

A bundle is ``<prefix>.index``, an SSTable (the LevelDB table format) mapping each tensor's name to a
``BundleEntryProto`` (the empty key holds the ``BundleHeaderProto``), and ``<prefix>.data-SSSSS-of-NNNNN``
shards holding the raw little-endian tensor bytes. The protobuf messages are decoded by hand (the varint wire
format, only the fields used), so the reader needs neither TensorFlow nor protobuf.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

TABLE_MAGIC = 0xDB4775248B80FB57  # LevelDB's table magic number, the footer's last 8 bytes
FOOTER_SIZE = 48  # two block handles padded to 40 bytes, then the magic number
BLOCK_TRAILER_SIZE = 5  # compression type (1 byte) + masked crc32c (4 bytes) after every block

# TensorFlow's DataType enum (types.proto) → numpy; the tensor types a checkpoint of weights holds.
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8, 9: np.int64,
          10: np.bool_, 17: np.uint16, 19: np.float16, 22: np.uint32, 23: np.uint64}


class CheckpointError(ValueError):
    """The files are not a TensorFlow checkpoint this reader can read; the message names the file."""


# --- crc32c (Castagnoli), the checksum LevelDB and the bundle use -----------------------------------------------

def _crc_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(0x82F63B78), table >> 1).astype(np.uint32)
    return table


_TABLE = _crc_table()
_TABLE_LIST = _TABLE.tolist()


def _crc_raw(state: int, data: bytes) -> int:
    for byte in data:
        state = _TABLE_LIST[(state ^ byte) & 0xFF] ^ (state >> 8)
    return state


def crc32c(data: bytes) -> int:
    """The crc32c of ``data``.

    A byte loop in Python costs about a second per 5 MB, so long inputs are cut into K chunks of L bytes
    whose registers advance together in numpy (L steps over K lanes). The register update is linear over
    GF(2), so the chunks' registers then fold left to right as ``state = shift_L(state) ^ chunk``, where
    shift_L (L zero bytes through the register) is a 32x32 bit matrix found from the 32 unit states.
    """
    n = len(data)
    if n < 1 << 16:
        return _crc_raw(0xFFFFFFFF, data) ^ 0xFFFFFFFF
    length = int(np.sqrt(n))
    count = n // length
    lanes = np.frombuffer(data, dtype=np.uint8, count=count * length).reshape(count, length)
    chunks = np.zeros(count, dtype=np.uint32)
    units = (np.uint32(1) << np.arange(32, dtype=np.uint32)).astype(np.uint32)
    for i in range(length):
        chunks = _TABLE[(chunks ^ lanes[:, i]) & 0xFF] ^ (chunks >> 8)
        units = _TABLE[units & 0xFF] ^ (units >> 8)  # the unit states through one zero byte
    columns = units.tolist()
    state = 0xFFFFFFFF
    for chunk in chunks.tolist():
        shifted = 0
        for bit in range(32):
            if state >> bit & 1:
                shifted ^= columns[bit]
        state = shifted ^ chunk
    return _crc_raw(state, data[count * length:]) ^ 0xFFFFFFFF


def unmask_crc(masked: int) -> int:
    """LevelDB and the bundle store ``rotate_right(crc, 15) + 0xa282ead8`` (a crc of data holding crcs)."""
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


# --- protobuf wire format -----------------------------------------------------------------------------------------

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise CheckpointError("malformed varint")


def _fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """A message's (field number, value) pairs: ints for varint/fixed fields, bytes for length-delimited ones."""
    out, pos = [], 0
    while pos < len(buf):
        tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = bytes(buf[pos:pos + size]), pos + size
        elif wire == 5:
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        else:
            raise CheckpointError(f"unsupported protobuf wire type {wire}")
        out.append((number, value))
    return out


def _entry(value: bytes) -> dict:
    """BundleEntryProto: dtype=1, shape=2 (TensorShapeProto: dim=2 {size=1}), shard_id=3, offset=4, size=5,
    crc32c=6 (fixed32), slices=7 (a partitioned variable, not supported)."""
    entry = {"dtype": 0, "shape": [], "shard_id": 0, "offset": 0, "size": 0, "crc32c": None}
    for number, field in _fields(value):
        if number == 1:
            entry["dtype"] = field
        elif number == 2:
            for dim_number, dim in _fields(field):
                if dim_number == 2:
                    entry["shape"].append(next((v for n, v in _fields(dim) if n == 1), 0))
                elif dim_number == 3 and dim:
                    raise CheckpointError("a tensor of unknown rank")
        elif number in (3, 4, 5):
            entry[{3: "shard_id", 4: "offset", 5: "size"}[number]] = field
        elif number == 6:
            entry["crc32c"] = field
        elif number == 7:
            raise CheckpointError("partitioned (sliced) tensors are not supported")
    return entry


def _header(value: bytes) -> dict:
    """BundleHeaderProto: num_shards=1, endianness=2 (0 little, 1 big), version=3."""
    header = {"num_shards": 1, "endianness": 0}
    for number, field in _fields(value):
        if number == 1:
            header["num_shards"] = field
        elif number == 2:
            header["endianness"] = field
    return header


# --- the SSTable ----------------------------------------------------------------------------------------------------

def _block(table: bytes, handle: bytes, path: Path, verify: bool) -> bytes:
    offset, pos = _varint(handle, 0)
    size, _ = _varint(handle, pos)
    if offset + size + BLOCK_TRAILER_SIZE > len(table):
        raise CheckpointError(f"{path}: a block handle points past the end of the file")
    data = table[offset:offset + size]
    compression = table[offset + size]
    if verify:
        stored = struct.unpack_from("<I", table, offset + size + 1)[0]
        if crc32c(table[offset:offset + size + 1]) != unmask_crc(stored):
            raise CheckpointError(f"{path}: a block's crc32c does not match (the file is damaged)")
    if compression != 0:
        # TensorFlow writes bundle indexes uncompressed; snappy (1) would need a decompressor not carried here.
        raise CheckpointError(f"{path}: block compression type {compression} (1 = snappy) is not supported")
    return data


def _block_entries(block: bytes, path: Path) -> list[tuple[bytes, bytes]]:
    """Every (key, value) of a block: each key shares a prefix with the one before it (reset at the restart
    points, whose offsets follow the entries and are not needed for a full scan)."""
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 * (restarts + 1)
    if end < 0:
        raise CheckpointError(f"{path}: a block's restart array is larger than the block")
    entries, pos, key = [], 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        size, pos = _varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        entries.append((key, block[pos:pos + size]))
        pos += size
    return entries


def read_index(path: str | Path, verify: bool = True) -> list[tuple[bytes, bytes]]:
    """Every (key, value) of an SSTable, in key order."""
    path = Path(path)
    table = path.read_bytes()
    if len(table) < FOOTER_SIZE:
        raise CheckpointError(f"{path}: too short for an SSTable ({len(table)} bytes)")
    footer = table[-FOOTER_SIZE:]
    if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
        raise CheckpointError(f"{path}: not an SSTable (bad magic number)")
    _, pos = _varint(footer, 0)  # the metaindex block's handle (offset, size): empty in a bundle
    _, pos = _varint(footer, pos)
    index = _block(table, footer[pos:], path, verify)
    entries = []
    for _, handle in _block_entries(index, path):
        entries.extend(_block_entries(_block(table, handle, path, verify), path))
    return entries


def read_checkpoint(prefix: str | Path, verify: bool = True) -> dict[str, np.ndarray]:
    """Every tensor of the checkpoint ``prefix`` (``<prefix>.index`` and its data shards) by name.

    ``verify`` checks the crc32c of every index block and every tensor (about 0.1 s for 10 MB).
    """
    prefix = str(prefix)
    index = Path(prefix + ".index")
    if not index.is_file():
        raise FileNotFoundError(f"no checkpoint index {index}")
    entries = read_index(index, verify)
    if not entries or entries[0][0] != b"":
        raise CheckpointError(f"{index}: no bundle header (the empty key)")
    header = _header(entries[0][1])
    if header["endianness"] != 0:
        raise CheckpointError(f"{index}: a big-endian bundle is not supported")
    shards: dict[int, bytes] = {}
    tensors = {}
    for key, value in entries[1:]:
        name, entry = key.decode(), _entry(value)
        if entry["dtype"] not in DTYPES:
            raise CheckpointError(f"{index}: tensor {name} has TensorFlow dtype {entry['dtype']}, not supported")
        shard = entry["shard_id"]
        if shard not in shards:
            data_path = Path(f"{prefix}.data-{shard:05d}-of-{header['num_shards']:05d}")
            if not data_path.is_file():
                raise FileNotFoundError(f"no checkpoint data shard {data_path}")
            shards[shard] = data_path.read_bytes()
        raw = shards[shard][entry["offset"]:entry["offset"] + entry["size"]]
        dtype = np.dtype(DTYPES[entry["dtype"]]).newbyteorder("<")
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if len(raw) != entry["size"] or entry["size"] != count * dtype.itemsize:
            raise CheckpointError(f"{index}: tensor {name} has {len(raw)} bytes, its shape {entry['shape']} "
                                  f"needs {count * dtype.itemsize}")
        if verify and entry["crc32c"] is not None and crc32c(raw) != unmask_crc(entry["crc32c"]):
            raise CheckpointError(f"{index}: tensor {name}: crc32c does not match (the data file is damaged)")
        tensors[name] = np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))\
            .reshape(entry["shape"])
    return tensors
