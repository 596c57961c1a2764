#!/usr/bin/python3
"""Prints the build targets the tests with a given ctest label need.

Usage: unit-test-targets.py BUILD_DIR [LABEL]   (LABEL defaults to unit)

Reads the CTestTestfile.cmake files CMake generated in BUILD_DIR (they exist
right after configure, before anything is built) and prints, one per line,
the name of every file under BUILD_DIR that a test of that label runs or
takes as an argument. Our executables are named after their targets, so
run-tests.sh can build just these in the sanitizer stage instead of the
whole tree.
"""
import os
import re
import sys

build = os.path.realpath(sys.argv[1])
label = sys.argv[2] if len(sys.argv) > 2 else "unit"
commands = {}
labels = {}
name_re = r"\[=\[(.*?)\]=\]"
for root, _dirs, files in os.walk(build):
    if "CTestTestfile.cmake" not in files:
        continue
    with open(os.path.join(root, "CTestTestfile.cmake"), encoding="utf-8") as f:
        text = f.read()
    for m in re.finditer(r"add_test\(" + name_re + r"(.*?)\)\n", text):
        commands[m.group(1)] = re.findall(r'"([^"]*)"', m.group(2))
    for m in re.finditer(r"set_tests_properties\(" + name_re + r" PROPERTIES (.*?)\)\n", text):
        found = re.search(r'LABELS "([^"]*)"', m.group(2))
        if found:
            labels[m.group(1)] = found.group(1).split(";")
targets = set()
for name, args in commands.items():
    if label not in labels.get(name, []):
        continue
    for a in args:
        if a.startswith(build + "/") and "/CMakeFiles/" not in a:
            targets.add(os.path.basename(a))
print("\n".join(sorted(targets)))
