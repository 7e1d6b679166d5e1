#!/usr/bin/env python3
"""Writes unicode-normalization.bin, the Unicode data UnicodeNormalization.cs needs for NFC/NFD/NFKC/NFKD.

SharpTune runs with InvariantGlobalization, where .NET's string.Normalize does nothing, so the tokenizer
normalizers carry their own tables, taken from Python's unicodedata (its Unicode version is printed).

Format (then raw-deflate compressed): a little-endian uint32 record count, then per record:
  code point (3 bytes LE), canonical combining class (1 byte), flags (1 byte), mapping length n (1 byte),
  n code points (3 bytes LE each) — the one-level decomposition mapping.
flags: 1 = has a decomposition, 2 = it is a compatibility one, 4 = NFC leaves the code point unchanged,
       8 = NFKC leaves it unchanged.
Hangul syllables are left out (the algorithm computes them). Run: python3 make_unicode_normalization_data.py
"""
import os
import struct
import sys
import unicodedata
import zlib

records = []
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF or 0xAC00 <= cp <= 0xD7A3:
        continue
    c = chr(cp)
    ccc = unicodedata.combining(c)
    raw = unicodedata.decomposition(c)
    if not raw and ccc == 0:
        continue
    flags, mapping = 0, []
    if raw:
        parts = raw.split()
        if parts[0].startswith("<"):
            flags |= 2
            parts = parts[1:]
        flags |= 1
        mapping = [int(p, 16) for p in parts]
    if unicodedata.normalize("NFC", c) == c:
        flags |= 4
    if unicodedata.normalize("NFKC", c) == c:
        flags |= 8
    records.append((cp, ccc, flags, mapping))

out = bytearray(struct.pack("<I", len(records)))
for cp, ccc, flags, mapping in records:
    out += cp.to_bytes(3, "little") + bytes([ccc, flags, len(mapping)])
    for m in mapping:
        out += m.to_bytes(3, "little")
compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
data = compressor.compress(bytes(out)) + compressor.flush()
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unicode-normalization.bin")
with open(path, "wb") as f:
    f.write(data)
print(f"Unicode {unicodedata.unidata_version}: {len(records)} records, {len(out)} bytes, {len(data)} compressed -> {path}", file=sys.stderr)
