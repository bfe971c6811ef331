#!/usr/bin/python3
"""Writes docs/errorcodes.md from src/store/errors.def (the one table of v2 error codes).

Usage: tools/gen_errorcodes.py [--check]   (--check: exit 1 when the doc is out of date)
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
rows = re.findall(r'^ETCDPP_ERROR\((\d+), (\w+), "([^"]*)", (\d+)\)$',
                  (root / "src/store/errors.def").read_text(), re.M)
lines = ["# v2 error codes", "",
         "Generated from `src/store/errors.def` by `tools/gen_errorcodes.py`; do not edit.",
         "Bodies look like `{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/a\","
         "\"index\":9}` followed by a newline.", "",
         "| Code | Name | Message | HTTP status |", "|---|---|---|---|"]
lines += [f"| {code} | {name} | {message} | {status} |" for code, name, message, status in rows]
text = "\n".join(lines) + "\n"
doc = root / "docs/errorcodes.md"
if "--check" in sys.argv:
    if not doc.exists() or doc.read_text() != text:
        print("docs/errorcodes.md is out of date: run tools/gen_errorcodes.py")
        sys.exit(1)
    print("docs/errorcodes.md matches src/store/errors.def")
else:
    doc.write_text(text)
