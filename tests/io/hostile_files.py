"""A seeded, structure-aware generator of hostile safetensors files, and a driver that feeds
a batch of them to every checkpoint reader (run by test_hostile_files.py; issue 18).

    python tests/io/hostile_files.py SEED FIRST COUNT WORKDIR

Case ``i`` of campaign ``SEED`` depends on nothing else, so a failure replays alone
(``FIRST=i COUNT=1``). Each case starts from a file that chainrule's own writers made (weights
with a checksum, a ``save_state`` file, weights without a checksum as other tools write them),
applies one to three mutations of its header, metadata, state structure, length field or bytes
(``MUTATIONS``), re-signs the checksum half the time so that the checks past it are reached
too, and reads the result with ``READERS``. Whatever escapes other than ``CheckpointError``, and
any case that runs longer than ``CASE_TIMEOUT`` s, is reported. The driver prints one JSON line:
``{"cases", "failures", "peak_mib"}`` (``peak_mib``: the peak resident memory, VmHWM, above
what the imports and the base files took).
"""
import copy
import json
import os
import random
import signal
import sys
import time

import numpy as np

import chainrule as cr
from chainrule.io import CheckpointError, load_metadata, load_state, read_checkpoint, save_state, tensor_infos
from chainrule.io.safetensors_format import CHECKSUM_KEY, DTYPES, content_digest

CASE_TIMEOUT = 10  # seconds; a case costs milliseconds


MEMORY_LIMIT = 4 << 30  # address space of a driver: a runaway allocation fails, the machine lives


def limit_memory():
    """Cap this process's address space at ``MEMORY_LIMIT`` (a MemoryError is then reported)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def peak_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM:"))


# --- hostile JSON values, shared with tests/train/hostile_runs.py -----------------------------

class Deep:
    """A value nested ``depth`` lists deep, written as raw text by ``dumps`` (json.dumps
    itself would hit the recursion limit)."""

    def __init__(self, depth):
        self.depth = depth


HOSTILE_VALUES = [
    None, True, False, 0, -1, 1, 3, 2 ** 31, 2 ** 63, 2 ** 64, 10 ** 20, 2 ** 300, -2 ** 70, 0.5, -0.0,
    1e308, float("nan"), float("inf"), float("-inf"), "", "x", "F32", "nan", "\u2603", "\ud800",
    [], [[]], {}, {"a": 1}, [1, 2, 3], [-1], [0.5], ["1"], [2 ** 40, 2 ** 40], [1] * 65,
]


def hostile_value(rng):
    """A JSON value of the wrong type, out of range, non-finite, huge, long or deeply nested."""
    roll = rng.random()
    if roll < 0.8:
        return copy.deepcopy(rng.choice(HOSTILE_VALUES))
    if roll < 0.9:
        return Deep(rng.choice([50, 990, 1100, 20_000, 200_000]))
    return rng.choice("ab\u00e9") * rng.choice([300, 70_000])


def dumps(value):
    """JSON text of ``value`` with NaN/Infinity as bare tokens and ``Deep`` values expanded."""
    deep = []

    def default(node):
        if isinstance(node, Deep):
            deep.append(node.depth)
            return f"\0deep{len(deep) - 1}\0"
        raise TypeError(type(node).__name__)

    text = json.dumps(value, default=default, separators=(",", ":"))
    for index, depth in enumerate(deep):
        text = text.replace(f'"\\u0000deep{index}\\u0000"', "[" * depth + "]" * depth)
    return text


def key_paths(node, prefix=()):
    """Every path of keys and indices into a parsed JSON ``node``."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from key_paths(child, (*prefix, key))


def edit_json(rng, document):
    """``document`` (parsed JSON) with one node at a random path replaced by a hostile value,
    deleted, or given an unknown sibling; returns a label of what was done."""
    paths = list(key_paths(document))
    if not paths:
        return "nothing to edit"
    *parents, last = rng.choice(paths)
    node = document
    for key in parents:
        node = node[key]
    roll = rng.random()
    if roll < 0.15 and isinstance(node, dict):
        del node[last]
        return f"deleted {[*parents, last]}"
    if roll < 0.25 and isinstance(node, dict):
        node[rng.choice(["extra", "__class__", "step", ""])] = hostile_value(rng)
        return f"added a key in {parents}"
    node[last] = hostile_value(rng)
    return f"replaced {[*parents, last]}"


def mutate_text(rng, raw):
    """Raw damage to a JSON (or any) file's bytes: truncated, non-UTF-8, a bare NaN, flipped
    bytes, deep nesting, padding past any limit, or emptied."""
    kind = rng.choice(["truncate", "non-utf8", "nan-token", "flip", "deep", "pad", "empty", "bom"])
    if kind == "truncate":
        return kind, raw[:rng.randrange(len(raw) + 1)]
    if kind == "non-utf8":
        at = rng.randrange(len(raw) + 1)
        return kind, raw[:at] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"]) + raw[at:]
    if kind == "nan-token":
        digits = [i for i, byte in enumerate(raw) if 0x30 <= byte <= 0x39]
        at = rng.choice(digits) if digits else 0
        return kind, raw[:at] + rng.choice([b"NaN", b"Infinity", b"-Infinity", b"1e999"]) + raw[at + 1:]
    if kind == "flip":
        data = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            if data:
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return kind, bytes(data)
    if kind == "deep":
        depth = rng.choice([1000, 100_000])
        return kind, raw[:1] + b'"deep":' + b"[" * depth + b"]" * depth + b"," + raw[1:]
    if kind == "pad":
        return kind, raw[:1] + b'"pad":"' + b"x" * rng.choice([100_000] * 3 + [5 << 20]) + b'",' + raw[1:]
    if kind == "empty":
        return kind, b""
    return kind, b"\xef\xbb\xbf" + raw


# --- safetensors mutations --------------------------------------------------------------------

def split(data):
    """``(header dict, data section)`` of a valid safetensors file."""
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8:8 + size]), data[8 + size:]


def join(raw, body, length=None):
    length = len(raw) if length is None else length
    return (length % 2 ** 64).to_bytes(8, "little") + raw + body


def _names(header):
    return [name for name in header if name != "__metadata__"]


def _entry(rng, header):
    """A random tensor entry that still has the three fields (None if none has)."""
    names = [name for name in _names(header) if isinstance(header[name], dict)
             and isinstance(header[name].get("data_offsets"), list) and len(header[name]["data_offsets"]) == 2]
    return rng.choice(names) if names else None


def _shape(rng, header, body):
    name = _entry(rng, header)
    if name is None:
        return "no entry"
    shape = header[name].get("shape")
    shape = shape if isinstance(shape, list) else []
    header[name]["shape"] = rng.choice([
        hostile_value(rng), [-1], [2 ** 40, 2 ** 40], [2 ** 64], [2 ** 31] * 8, [0], [1] * 65,
        shape + [1], shape[::-1], [d * 2 for d in shape if isinstance(d, int)], [True], [None]])
    return f"shape of {name!r}"


def _offsets(rng, header, body):
    name = _entry(rng, header)
    if name is None:
        return "no entry"
    begin, end = header[name]["data_offsets"]
    header[name]["data_offsets"] = rng.choice([
        [begin - 1, end - 1], [end, begin], [begin, end + rng.randint(1, 10 ** 6)], [begin, 2 ** 64],
        [-1, end], [begin, end, end], [begin], [0, end - begin], [begin + 1, end + 1],
        [len(body), len(body) + end - begin], [float(begin), end], hostile_value(rng)])
    return f"data_offsets of {name!r}"


def _dtype(rng, header, body):
    name = _entry(rng, header)
    if name is None:
        return "no entry"
    header[name]["dtype"] = rng.choice([
        "BF16", "F8_E4M3", "C64", "f32", "F32 ", "", "FLOAT", *DTYPES, ["F32"], {"F32": 1}, 4, None,
        hostile_value(rng)])
    return f"dtype of {name!r}"


def _fields(rng, header, body):
    name = _entry(rng, header)
    if name is None:
        return "no entry"
    roll = rng.random()
    if roll < 0.4:
        header[name].pop(rng.choice(["dtype", "shape", "data_offsets"]))
    elif roll < 0.7:
        header[name][rng.choice(["extra", "offsets", "__proto__"])] = hostile_value(rng)
    else:
        header[name] = hostile_value(rng)
    return f"fields of {name!r}"


def _metadata(rng, header, body):
    metadata = header.get("__metadata__")
    roll = rng.random()
    if roll < 0.3 or not isinstance(metadata, dict):
        header["__metadata__"] = hostile_value(rng)
    elif roll < 0.6:
        metadata[rng.choice([CHECKSUM_KEY, "format", "chainrule.state", "x"])] = hostile_value(rng)
    elif roll < 0.8:
        metadata[CHECKSUM_KEY] = rng.choice(["0" * 64, "", "g" * 64, "0" * 63, 5, None])
    else:
        metadata.update({f"k{i}": "v" for i in range(rng.choice([1000, 20_000]))})
    return "metadata"


def _state_structure(rng, header, body):
    """Damage the JSON structure of a ``save_state`` file (or give another file one)."""
    metadata = header.setdefault("__metadata__", {})
    if not isinstance(metadata, dict):
        return "metadata not an object"
    try:
        structure = json.loads(metadata.get("chainrule.state", "null"))
    except (ValueError, TypeError):
        structure = None
    tags = [{"array": "missing"}, {"array": 3}, {"scalar": _entry(rng, header)}, {"float": "x"},
            {"float": 1}, {"tuple": 5}, {"dict": [[1]]}, {"dict": [[True, 1]]}, {"dict": [["a", 1], ["a", 2]]},
            {"array": _entry(rng, header)}, {"a": 1, "b": 2}, {"unknown": []}]
    paths = list(key_paths(structure))
    if paths and rng.random() < 0.7:
        *parents, last = rng.choice(paths)
        node = structure
        for key in parents:
            node = node[key]
        node[last] = rng.choice(tags) if rng.random() < 0.6 else hostile_value(rng)
    else:
        structure = rng.choice(tags + [hostile_value(rng)])
    metadata["chainrule.state"] = dumps(structure) if rng.random() < 0.9 else hostile_value(rng)
    return "state structure"


def _entry_count(rng, header, body):
    names = _names(header)
    roll = rng.random()
    if roll < 0.3 and names:
        del header[rng.choice(names)]
        return "one entry fewer"
    if roll < 0.4:
        for name in names:
            del header[name]
        return "no entries"
    count = rng.choice([1, 10, 300, 3000])
    end = len(body)
    for i in range(count):
        header[f"x{i}"] = {"dtype": "U8", "shape": [1], "data_offsets": [end + i, end + i + 1]}
    return f"{count} more entries"


HEADER_MUTATIONS = [_shape, _offsets, _dtype, _fields, _metadata, _state_structure, _entry_count]


def _duplicate_key(rng, raw):
    at = raw.find(b'"dtype"')
    if at < 0 or rng.random() < 0.5:
        return raw[:1] + b'"__metadata__":{},' + raw[1:]
    return raw[:at] + b'"dtype":"F64",' + raw[at:]


def _non_utf8(rng, raw):
    quotes = [i for i, byte in enumerate(raw) if byte == 0x22]
    at = rng.choice(quotes) + 1 if quotes else 1
    return raw[:at] + rng.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80"]) + raw[at:]


def _many_entries(rng, raw):
    """75,000 more tensor entries (525,000 JSON values: past the limit, refused before parsing)."""
    return raw[:1] + b'"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},' * 75_000 + raw[1:]


def _top_level(rng, raw):
    return rng.choice([b"[]", b"null", b"1", b'"x"', b" {}", b"{", b"{}}", b"{}" + raw, b"{" * 100_000, raw + b" "])


def _text(rng, raw):
    return mutate_text(rng, raw)[1]


RAW_MUTATIONS = [_duplicate_key, _non_utf8, _top_level, _many_entries, _text]


def _resign(header, body):
    """Give the (mutated) header a matching checksum, when it still describes the data."""
    metadata = header.get("__metadata__")
    if not isinstance(metadata, dict) or CHECKSUM_KEY not in metadata:
        return
    try:
        items = [(name, e["dtype"], e["shape"], (body[e["data_offsets"][0]:e["data_offsets"][1]],))
                 for name, e in header.items() if name != "__metadata__"]
        metadata[CHECKSUM_KEY] = content_digest(items, {k: v for k, v in metadata.items() if isinstance(v, str)})
    except Exception:  # noqa: BLE001 -- a header too broken to sign is left as it is
        pass


def mutate_safetensors(rng, data):
    """``(labels, bytes)``: the valid safetensors ``data`` with one to three hostile mutations."""
    header, body = split(data)
    labels, raw_edits, length = [], [], None
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        roll = rng.random()
        if roll < 0.65:
            mutation = rng.choice(HEADER_MUTATIONS)
            labels.append(mutation(rng, header, body))
        elif roll < 0.8:
            raw_edits.append(rng.choice(RAW_MUTATIONS))
            labels.append(raw_edits[-1].__name__)
        elif roll < 0.9:
            length = rng.choice([0, 1, 2, 7, 2 ** 64 - 1, 2 ** 63, 100_000_001, rng.randrange(2 ** 64), "len-1", "len+1"])
            labels.append(f"length field {length}")
        else:
            body = rng.choice([body[:rng.randrange(len(body) + 1)], body + bytes(rng.randint(1, 64)),
                               bytes(len(body)), body[1:] + b"\0"])
            labels.append("data section")
    if rng.random() < 0.5:
        _resign(header, body)
        labels.append("re-signed")
    raw = dumps(header).encode("utf-8", "surrogatepass")
    for edit in raw_edits:
        raw = edit(rng, raw)
    if isinstance(length, str):
        length = len(raw) + (1 if length == "len+1" else -1)
    return labels, join(raw, body, length)


# --- the driver -------------------------------------------------------------------------------

def base_files(directory):
    """Files chainrule's writers made: weights with a checksum, a training state, and weights
    without a checksum (as written by other tools); and the state dict ``expected`` of the first."""
    weights = {"0.weight": np.arange(12, dtype=np.float32).reshape(4, 3), "0.bias": np.ones(4, np.float32),
               "steps": np.array(7, np.int64), "mask": np.array([[True, False], [False, True]]),
               "empty": np.zeros((0, 3))}
    cr.save(weights, os.path.join(directory, "weights.safetensors"))
    save_state(os.path.join(directory, "state.safetensors"), {
        "optimizer": {"state": {0: {"exp_avg": np.zeros(3), "step": 3}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]},
        "scheduler": {"T_max": 10, "last_epoch": 2, "eta_min": 0.0}, "nan": float("nan"),
        "rng": {"bit_generator": "PCG64", "state": {"state": 2 ** 100, "inc": 5}}})
    files = [open(os.path.join(directory, name), "rb").read() for name in ("weights.safetensors", "state.safetensors")]
    header, body = split(files[0])
    del header["__metadata__"][CHECKSUM_KEY]
    files.append(join(dumps(header).encode(), body))
    return files, weights


def readers(expected):
    return [("load", cr.load), ("load(expected=)", lambda path: cr.load(path, expected)),
            ("load_metadata", load_metadata), ("tensor_infos", tensor_infos),
            ("read_checkpoint", read_checkpoint), ("load_state", load_state)]


def _special_path(rng, path, work):
    """Sometimes the path itself is hostile: a named pipe, a directory, links, no permission."""
    kind = rng.choice(["fifo", "directory", "link-to-fifo", "dangling-link", "link-loop", "no-permission",
                       "link-outside", "device"])
    os.remove(path)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        os.mkdir(path)
    elif kind == "link-to-fifo":
        os.mkfifo(os.path.join(work, "pipe"))
        os.symlink(os.path.join(work, "pipe"), path)
    elif kind == "dangling-link":
        os.symlink(os.path.join(work, "nowhere"), path)
    elif kind == "link-loop":
        os.symlink(path, path)
    elif kind == "device":
        os.symlink("/dev/zero", path)
    else:
        with open(os.path.join(work, "outside"), "wb") as file:
            file.write(b"\x08" + bytes(7) + b"{}      ")
        os.symlink(os.path.join(work, "outside"), path)
        if kind == "no-permission":
            os.chmod(os.path.join(work, "outside"), 0)
    return kind


def run_case(seed, index, bases, expected, work):
    """The failures of case ``index``: ``[{"case", "labels", "reader", "error"}]``."""
    rng = random.Random(f"files:{seed}:{index}")
    labels, data = mutate_safetensors(rng, rng.choice(bases))
    path = os.path.join(work, "case.safetensors")
    with open(path, "wb") as file:
        file.write(data)
    missing_ok = False
    if rng.random() < 0.05:
        kind = _special_path(rng, path, work)
        labels.append(kind)
        missing_ok = kind == "dangling-link"
    failures = []
    for name, read in readers(expected):
        start = time.monotonic()
        signal.alarm(CASE_TIMEOUT)
        try:
            read(path)
        except CheckpointError:
            pass
        except FileNotFoundError:
            if not missing_ok:
                failures.append({"case": index, "labels": labels, "reader": name, "error": "FileNotFoundError"})
        except BaseException as exc:  # noqa: BLE001 -- exactly what the campaign looks for
            failures.append({"case": index, "labels": labels, "reader": name,
                             "error": f"{type(exc).__name__}: {str(exc)[:300]}",
                             "seconds": round(time.monotonic() - start, 1)})
        finally:
            signal.alarm(0)
    return failures


def _clean(work):
    """Remove what a case made (the base files stay)."""
    for name in os.listdir(work):
        path = os.path.join(work, name)
        if name in ("weights.safetensors", "state.safetensors"):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)
        else:
            os.remove(path)


def _timeout(signum, frame):
    raise TimeoutError(f"the case ran for more than {CASE_TIMEOUT} s")


def main(seed, first, count, work):
    limit_memory()
    signal.signal(signal.SIGALRM, _timeout)
    bases, expected = base_files(work)
    base = peak_mib()
    failures = []
    for index in range(first, first + count):
        failures += run_case(seed, index, bases, expected, work)
        _clean(work)
    print(json.dumps({"cases": count, "failures": failures, "peak_mib": peak_mib() - base}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
