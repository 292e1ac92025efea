#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check that every exported function is tagged the way its version.map
block says: EXPERIMENTAL symbols carry __rte_experimental in their header
declaration, INTERNAL ones __rte_internal, and no tagged function is missing
from the map. With --fix, add the missing tags (used once when tagging).

    check_symbols.py [--fix] SOURCE_ROOT
"""
import argparse
import glob
import os
import re
import sys

TAGS = {"EXPERIMENTAL": "__rte_experimental", "INTERNAL": "__rte_internal"}


def read_map(path):
    """{symbol: block} for every global symbol of a version.map."""
    syms, block, glob_ = {}, None, False
    for line in open(path):
        line = line.split("#")[0].strip()
        m = re.match(r"(\w+)\s*\{", line)
        if m:
            block, glob_ = m.group(1), False
            continue
        if line.startswith("}"):
            block = None
        elif line == "global:":
            glob_ = True
        elif line == "local: *;":
            glob_ = False
        elif glob_ and line.endswith(";") and block:
            syms[line[:-1].strip()] = block
    return syms


def declarations(text):
    """(name, start, prefix) for every top-level function declaration: the
    prefix is the text from the end of the previous declaration or comment
    up to the name."""
    out = []
    # strip comments but keep offsets
    clean = re.sub(r"/\*.*?\*/", lambda m: " " * len(m.group(0)), text,
                   flags=re.S)
    clean = re.sub(r"//[^\n]*", lambda m: " " * len(m.group(0)), clean)
    for m in re.finditer(r"\b(rte_\w+)\s*\(", clean):
        name = m.group(1)
        start = max(clean.rfind(";", 0, m.start()), clean.rfind("}", 0, m.start()),
                    clean.rfind("{", 0, m.start()), clean.rfind("#", 0, m.start()))
        if start >= 0 and clean[start] == "#":
            start = clean.find("\n", start)
        prefix = clean[start + 1:m.start()]
        # a declaration: the prefix is a return type, no operator or call
        if not re.fullmatch(r"[\s\w\*]*", prefix) or not prefix.strip():
            continue
        words = prefix.split()
        if words and words[0] in ("return", "if", "while", "for", "switch",
                                  "sizeof", "typedef", "case"):
            continue
        # skip definitions of static inline functions' calls etc: only the
        # outermost level counts
        out.append((name, start + 1, prefix))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fix", action="store_true")
    ap.add_argument("root")
    args = ap.parse_args()
    errors = []
    for vmap in sorted(glob.glob(os.path.join(args.root, "lib", "*", "version.map")) +
                       glob.glob(os.path.join(args.root, "drivers", "*", "*", "version.map"))):
        comp = os.path.dirname(vmap)
        rel = os.path.relpath(comp, args.root)
        syms = read_map(vmap)
        found = {}
        for h in sorted(glob.glob(os.path.join(comp, "rte_*.h"))):
            text = open(h).read()
            edits = []
            for name, start, prefix in declarations(text):
                if name in found:
                    continue
                tagged = [t for t in TAGS.values() if t in prefix.split()]
                block = syms.get(name)
                if block is None:
                    if tagged and not prefix.lstrip().startswith("static"):
                        errors.append("%s: %s is tagged %s but not in version.map"
                                      % (rel, name, tagged[0]))
                    continue
                found[name] = h
                want = TAGS.get(block)
                if want is None:
                    continue
                if want not in tagged:
                    if args.fix:
                        # put the tag on its own line before the declaration
                        lead = len(prefix) - len(prefix.lstrip())
                        edits.append(start + lead)
                    else:
                        errors.append("%s: %s is in %s but its declaration in %s "
                                      "lacks %s" % (rel, name, block,
                                                    os.path.basename(h), want))
                    found[name] = (h, want)
            if args.fix and edits:
                for pos in sorted(edits, reverse=True):
                    name = re.match(r"[\s\w\*]*?\b(rte_\w+)\s*\(", text[pos:])
                    want = TAGS[syms[name.group(1)]]
                    text = text[:pos] + want + "\n" + text[pos:]
                open(h, "w").write(text)
        for name, block in sorted(syms.items()):
            if name not in found and block in TAGS:
                # data objects (the fast-path table) need no tag
                if not re.search(r"\b%s\s*\[" % re.escape(name),
                                 "".join(open(h).read() for h in
                                         glob.glob(os.path.join(comp, "rte_*.h")))):
                    errors.append("%s: %s (%s) is declared in no rte_*.h header"
                                  % (rel, name, block))
    for e in errors:
        print(e)
    print("%d symbol problems" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
