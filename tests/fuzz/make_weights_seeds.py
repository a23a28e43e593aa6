#!/usr/bin/python3
"""Writes the seed corpora and regressions of fuzz_pickle, fuzz_safetensors and fuzz_torchsave.

Run once with Debian's python3 (it has torch) from the repository root; the files are committed:
    /usr/bin/python3 tests/fuzz/make_weights_seeds.py
"""
import collections
import io
import json
import os
import struct
import zipfile

import torch

ROOT = os.path.dirname(os.path.abspath(__file__))


def put(kind, target, name, data):
    folder = os.path.join(ROOT, kind, target)
    os.makedirs(folder, exist_ok=True)
    assert len(data) < 64 * 1024, name
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def torch_save(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def data_pkl(archive):
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        return z.read([n for n in z.namelist() if n.endswith("/data.pkl")][0])


def archive_with(pickle, storages=None, compress=None):
    """A torch.save-shaped archive around a given data.pkl (records stored unless named in compress)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("archive/data.pkl", pickle)
        for key, data in (storages or {}).items():
            method = zipfile.ZIP_DEFLATED if key in (compress or ()) else zipfile.ZIP_STORED
            z.writestr("archive/data/" + key, data, compress_type=method)
        z.writestr("archive/version", b"3\n")
    return buffer.getvalue()


def safetensors(header, data=b""):
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(text)) + text + data


torch.manual_seed(0)
linear = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1), torch.nn.BatchNorm2d(2), torch.nn.Flatten(), torch.nn.Linear(2, 3))
state = linear.state_dict()
small = collections.OrderedDict([("w", torch.arange(6, dtype=torch.float32).reshape(2, 3)), ("b", torch.ones(2))])
checkpoint = {"epoch": 3, "state_dict": small, "optimizer": {"lr": 0.1, "betas": (0.9, 0.999)}}
mixed = {"half": torch.ones(2, dtype=torch.float16), "long": torch.arange(3), "flag": torch.tensor([True]),
         "double": torch.zeros(1, dtype=torch.float64), "view": torch.arange(8.0)[2:6], "t": torch.ones(2, 3).t()}
params = {"p": torch.nn.Parameter(torch.ones(2))}

# Seeds: real torch.save output, whole (torchsave) and its data.pkl (pickle).
for name, obj in [("state_dict", state), ("small", small), ("checkpoint", checkpoint), ("mixed", mixed), ("parameter", params)]:
    archive = torch_save(obj)
    put("corpus", "torchsave", name + ".pth", archive)
    put("corpus", "pickle", name + ".pkl", data_pkl(archive))
small_storages = {"0": small["w"].numpy().tobytes(), "1": small["b"].numpy().tobytes()}
put("corpus", "torchsave", "deflated.pth", archive_with(data_pkl(torch_save(small)), small_storages, compress={"0", "1"}))
put("corpus", "pickle", "truncated.pkl", data_pkl(torch_save(small))[:-7])
put("corpus", "torchsave", "truncated.pth", torch_save(small)[:-40])

# Seeds: safetensors as the reference writer lays them out.
put("corpus", "safetensors", "small.safetensors", safetensors(
    {"__metadata__": {"format": "pt"}, "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
     "b": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]}},
    struct.pack("<8f", 0, 1, 2, 3, 4, 5, 1, 1)))
put("corpus", "safetensors", "types.safetensors", safetensors(
    {"h": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}, "n": {"dtype": "I64", "shape": [1], "data_offsets": [4, 12]},
     "e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [12, 12]}, "k": {"dtype": "BOOL", "shape": [], "data_offsets": [12, 13]}},
    struct.pack("<2e", 1, 2) + struct.pack("<q", 7) + b"\x01"))
put("corpus", "safetensors", "truncated.safetensors", safetensors(
    {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, struct.pack("<2f", 1, 2)))

# Regressions: the hostile files of tests/ml/tst_weightfiles.cpp.
itself = b"\x80\x02}q\x00X\x0a\x00\x00\x00state_dictq\x01h\x00s."
nested = b"\x80\x02" + b"]" * 2000 + b"a" * 1999 + b"."
outside = data_pkl(torch_save(small)).replace(b"K\x03K\x01\x86", b"K\x03Kd\x86")  # the stride (3, 1) becomes (3, 100)
assert outside != data_pkl(torch_save(small))
for name, pickle in [("itself", itself), ("nested", nested), ("stride_outside", outside)]:
    put("regressions", "pickle", name + ".pkl", pickle)
    put("regressions", "torchsave", name + ".pth", archive_with(pickle))
small_pickle = data_pkl(torch_save(small))
put("regressions", "torchsave", "bomb.pth", archive_with(small_pickle, {"0": b"\0" * (8 << 20)}, compress={"0"}))
put("regressions", "torchsave", "big_record.pth", archive_with(small_pickle, {"0": b"\0" * 400, "1": b"\0" * 8}))
put("regressions", "torchsave", "legacy.pth", struct.pack("<14B", 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20,
                                                           0x6a, 0xa8, 0x50, 0x19) + b".\x80\x02M\xe9\x03." + bytes(64))
put("regressions", "safetensors", "array.safetensors", safetensors(b"[1,2]"))
put("regressions", "safetensors", "overlap.safetensors", safetensors(
    {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}},
    bytes(12)))
put("regressions", "safetensors", "overflow.safetensors", safetensors(
    {"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 0]}}))
put("regressions", "safetensors", "metadata_number.safetensors", safetensors(
    {"__metadata__": {"epoch": 3}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, bytes(4)))
put("regressions", "safetensors", "nan.safetensors", safetensors(
    {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, struct.pack("<2f", 1, float("nan"))))
