#!/usr/bin/python3
"""Reference data for Accession's parity tests, made with Debian's python3-torch and python3-torchvision.

  make ARCH OUT_DIR [--classes N] [--size PX] [--seed S]
      builds torchvision's network with random weights (batch-norm statistics randomised too), and writes
      weights.safetensors, weights.pth (torch.save of state_dict(), an OrderedDict with _metadata),
      weights_timm.safetensors (MobileNetV2 only, in timm's names), input.safetensors, expected.safetensors.
  check-load ARCH WEIGHTS INPUT OUT [--classes N]
      loads an Accession model file into torchvision with load_state_dict(strict=True) and writes its logits.
  broken OUT_DIR
      writes files a loader must refuse or survive: a pickle that would run code, a truncated safetensors.

safetensors is written and read by hand: the 'safetensors' package is not in Debian 12.
"""
import collections
import json
import os
import struct
import sys

import torch
import torchvision

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.float16: "F16", torch.float64: "F64"}


def write_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    for name, tensor in tensors.items():
        tensor = tensor.detach().contiguous().cpu()
        data = tensor.numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    names = {"F32": torch.float32, "I64": torch.int64, "F16": torch.float16, "F64": torch.float64}
    with open(path, "rb") as f:
        raw = f.read()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    data = raw[8 + size:]
    out = collections.OrderedDict()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        tensor = torch.frombuffer(bytearray(data[begin:end]), dtype=names[entry["dtype"]]).reshape(entry["shape"])
        out[name] = tensor.clone()
    return out


def build(arch, classes):
    return getattr(torchvision.models, arch)(num_classes=classes)


def randomise(model, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.copy_(0.5 + torch.rand(module.weight.shape, generator=generator))
                module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=generator))
                module.running_mean.copy_(0.1 * torch.randn(module.running_mean.shape, generator=generator))
                module.running_var.copy_(0.5 + 1.5 * torch.rand(module.running_var.shape, generator=generator))
                module.num_batches_tracked.fill_(7)
            elif isinstance(module, torch.nn.Linear):
                module.weight.copy_(0.05 * torch.randn(module.weight.shape, generator=generator))
                module.bias.copy_(0.05 * torch.randn(module.bias.shape, generator=generator))


def timm_names(state):
    """torchvision mobilenet_v2 names -> timm mobilenetv2_100 names, written from timm's layout."""
    stage_sizes = [1, 2, 3, 4, 3, 3, 1]
    index_to_block = {}
    flat = 1
    for stage, size in enumerate(stage_sizes):
        for block in range(size):
            index_to_block[flat] = (stage, block)
            flat += 1
    first = {"conv.0.0": "conv_dw", "conv.0.1": "bn1", "conv.1": "conv_pw", "conv.2": "bn2"}
    other = {"conv.0.0": "conv_pw", "conv.0.1": "bn1", "conv.1.0": "conv_dw", "conv.1.1": "bn2", "conv.2": "conv_pwl", "conv.3": "bn3"}
    out = collections.OrderedDict()
    for name, tensor in state.items():
        parts = name.split(".")
        if name.startswith("features.0.0."):
            new = "conv_stem." + name[len("features.0.0."):]
        elif name.startswith("features.0.1."):
            new = "bn1." + name[len("features.0.1."):]
        elif name.startswith("features.18.0."):
            new = "conv_head." + name[len("features.18.0."):]
        elif name.startswith("features.18.1."):
            new = "bn2." + name[len("features.18.1."):]
        elif name.startswith("classifier.1."):
            new = "classifier." + name[len("classifier.1."):]
        else:
            stage, block = index_to_block[int(parts[1])]
            table = first if stage == 0 else other
            for prefix, part in table.items():
                full = "features.%s.%s." % (parts[1], prefix)
                if name.startswith(full):
                    new = "blocks.%d.%d.%s.%s" % (stage, block, part, name[len(full):])
                    break
        out[new] = tensor
    return out


def make(arch, out_dir, classes=7, size=64, seed=1):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(seed)
    model = build(arch, classes)
    randomise(model, seed)
    model.eval()
    state = model.state_dict()
    write_safetensors(os.path.join(out_dir, "weights.safetensors"), state)
    torch.save(state, os.path.join(out_dir, "weights.pth"))
    torch.save({"epoch": 3, "state_dict": state}, os.path.join(out_dir, "checkpoint.pth"))
    if arch == "mobilenet_v2":
        write_safetensors(os.path.join(out_dir, "weights_timm.safetensors"), timm_names(state))
    names = list(state.keys())
    missing = collections.OrderedDict((k, v) for k, v in state.items() if k != names[2])
    write_safetensors(os.path.join(out_dir, "weights_missing.safetensors"), missing)
    unexpected = collections.OrderedDict(state)
    unexpected["extra.weight"] = torch.ones(3)
    write_safetensors(os.path.join(out_dir, "weights_unexpected.safetensors"), unexpected)
    misshaped = collections.OrderedDict(state)
    misshaped[names[0]] = state[names[0]].transpose(0, 1).contiguous()
    write_safetensors(os.path.join(out_dir, "weights_misshaped.safetensors"), misshaped)
    with open(os.path.join(out_dir, "names.json"), "w") as f:
        json.dump({"dropped": names[2], "reshaped": names[0]}, f)
    image = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        logits = model(image)
    write_safetensors(os.path.join(out_dir, "input.safetensors"), {"input": image})
    write_safetensors(os.path.join(out_dir, "expected.safetensors"), {"logits": logits})


def check_load(arch, weights, input_path, out, classes):
    model = build(arch, classes)
    model.load_state_dict(read_safetensors(weights), strict=True)
    model.eval()
    with torch.no_grad():
        logits = model(read_safetensors(input_path)["input"])
    write_safetensors(out, {"logits": logits})


class RunsCode:
    """Unpickling this with Python's pickle would create the marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch " + self.marker,))


def broken(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    marker = os.path.join(out_dir, "code-ran")
    torch.save(collections.OrderedDict([("fc.weight", torch.ones(2, 3)), ("payload", RunsCode(marker))]),
               os.path.join(out_dir, "runs_code.pth"))
    write_safetensors(os.path.join(out_dir, "whole.safetensors"), {"a": torch.ones(100, 100)})
    with open(os.path.join(out_dir, "whole.safetensors"), "rb") as f:
        raw = f.read()
    with open(os.path.join(out_dir, "truncated.safetensors"), "wb") as f:
        f.write(raw[: len(raw) // 2])
    with open(os.path.join(out_dir, "legacy.pth"), "wb") as f:
        torch.save({"fc.weight": torch.ones(2)}, f, _use_new_zipfile_serialization=False)


def option(args, name, default):
    return type(default)(args[args.index(name) + 1]) if name in args else default


if __name__ == "__main__":
    torch.set_num_threads(1)
    args = sys.argv[1:]
    if args[0] == "make":
        make(args[1], args[2], option(args, "--classes", 7), option(args, "--size", 64), option(args, "--seed", 1))
    elif args[0] == "check-load":
        check_load(args[1], args[2], args[3], args[4], option(args, "--classes", 7))
    elif args[0] == "broken":
        broken(args[1])
    else:
        sys.exit("unknown mode " + args[0])
