#!/usr/bin/env python3
"""Compares `kamal config` output (Ruby-flavoured YAML) with berth's.

usage: compare.py KAMAL.out BERTH.out

Kamal prints Ruby symbols (":roles", ":fatal"); a plain scalar starting
with ":" is a symbol, so its colon is dropped. Both documents are then
compared as data; every difference is printed with its key path, and
the exit status is 1 if there is any.
"""
import sys

import yaml


class RubyLoader(yaml.SafeLoader):
    pass


def construct_plain_aware(loader, node):
    value = loader.construct_scalar(node)
    if node.style is None and value.startswith(":") and len(value) > 1:
        return value[1:]
    return value


RubyLoader.add_constructor("tag:yaml.org,2002:str", construct_plain_aware)


def load(path, loader):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


def diff(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                out.append(f"{path}/{k}: missing from berth")
            else:
                diff(a[k], b[k], f"{path}/{k}", out)
        for k in b:
            if k not in a:
                out.append(f"{path}/{k}: berth has it, Kamal does not")
        if list(a) != list(b) and not out:
            out.append(f"{path}: key order {list(a)} != {list(b)}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items in Kamal, {len(b)} in berth")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}/{i}", out)
    elif a != b or type(a) is not type(b):
        out.append(f"{path}: Kamal {a!r}, berth {b!r}")


def main():
    kamal = load(sys.argv[1], RubyLoader)
    berth = load(sys.argv[2], yaml.SafeLoader)
    out = []
    diff(kamal, berth, "", out)
    for line in out:
        print(line)
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
