#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Compare what Documentation/kudp.rst documents with what a module has.

  docs_check.py DOC params MODULE NAME...   the parameter table of MODULE
  docs_check.py DOC stats MODULE NAME...    the statistics files of MODULE

Prints what is documented but missing, and what exists but is undocumented;
exits 1 if either is not empty.
"""
import re
import sys


def sections(text):
    """{title: body} for every titled section (any underline character)."""
    out, title, body = {}, None, []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"([=\-~^])\1+", nxt) and len(nxt) >= len(line):
            if title:
                out.setdefault(title, "\n".join(body))
            title, body = line.strip(), []
        else:
            body.append(line)
    if title:
        out.setdefault(title, "\n".join(body))
    return out


def documented(doc, what, module):
    secs = sections(open(doc).read())
    if what == "params":
        return set(re.findall(r"^``(\w+)``", secs[module], re.M))
    side = "send" if module == "send_udp" else "recv"
    return {name for name, s in re.findall(r"^``(\w+)``\s+(both|send|recv)\b",
                                          secs["Statistics"], re.M)
            if s in ("both", side)}


def main():
    doc, what, module, names = sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4:])
    docs = documented(doc, what, module)
    bad = False
    for n in sorted(docs - names):
        print("%s %s: documented, but %s has no such thing" % (module, n, what))
        bad = True
    for n in sorted(names - docs):
        print("%s %s: exists, but is not documented" % (module, n))
        bad = True
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
