#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check the kernel-doc of the core: scripts/kernel-doc -none -Wall is quiet
on every file, and every function the shared objects (kudp_*.c) offer the
modules (the non-static ones) has a kernel-doc comment with "Context:", and
"Return:" unless it returns void.

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
    shared = sorted(f for f in files if re.match(r"kudp_\w+\.c$", f))
    checked = 0
    for path in shared:
        found, n = check_file(path)
        problems += found
        checked += n
    for p in problems:
        print(p)
    if not problems:
        print("kernel-doc: clean, and the %d functions that %s offer have Context: and Return:"
              % (checked, " ".join(shared)))
    return 1 if problems else 0


def check_file(path):
    problems = []
    checked = 0
    src = open(path).read()
    for m in re.finditer(r"^(?!static)(\w[\w \*]*?)\b(kudp_\w+)\(([^)]*)\)\n\{", src, re.M):
        ret, name = m.group(1).strip(), m.group(2)
        checked += 1
        doc = re.search(r"/\*\*\n \* %s\(\) - .*?\*/\n[^\n]*\b%s\(" % (name, name),
                        src[:m.end()], re.S)
        if not doc:
            problems.append("%s: %s() has no kernel-doc comment" % (path, name))
            continue
        text = doc.group(0)
        if "Context:" not in text:
            problems.append("%s: %s(): no Context:" % (path, name))
        if ret != "void" and "Return:" not in text:
            problems.append("%s: %s(): no Return:" % (path, name))
    return problems, checked


if __name__ == "__main__":
    sys.exit(main())
