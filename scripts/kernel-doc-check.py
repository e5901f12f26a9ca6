#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check the kernel-doc of the core: scripts/kernel-doc -none -Wall is quiet
on every file, and every function kudp_core.c offers the modules (the
non-static ones) has a kernel-doc comment with "Context:", and "Return:"
unless it returns void.

  kernel-doc-check.py KERNEL_SOURCE_TREE FILE...
"""
import re
import subprocess
import sys


def main():
    ksrc, files = sys.argv[1], sys.argv[2:]
    out = subprocess.run([ksrc + "/scripts/kernel-doc", "-none", "-Wall"] + files,
                         capture_output=True, text=True)
    problems = [l for l in (out.stdout + out.stderr).splitlines() if l.strip()]
    src = open("kudp_core.c").read()
    for m in re.finditer(r"^(?!static)(\w[\w \*]*?)\b(kudp_\w+)\(([^)]*)\)\n\{", src, re.M):
        ret, name = m.group(1).strip(), m.group(2)
        doc = re.search(r"/\*\*\n \* %s\(\) - .*?\*/\n[^\n]*\b%s\(" % (name, name),
                        src[:m.end()], re.S)
        if not doc:
            problems.append("kudp_core.c: %s() has no kernel-doc comment" % name)
            continue
        text = doc.group(0)
        if "Context:" not in text:
            problems.append("kudp_core.c: %s(): no Context:" % name)
        if ret != "void" and "Return:" not in text:
            problems.append("kudp_core.c: %s(): no Return:" % name)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
