"""Sums a `callgrind_annotate --inclusive=no --threshold=100` listing by function (the inlined
pieces callgrind lists per source file added together) and by area, and prints Markdown.

Usage: profile_groups.py SHAPE SELF_TXT DOCUMENTS [TOP]
"""

import re
import sys
from collections import defaultdict

# First match wins: Bedrock before the event queue (its step pops its own heap), the queue before
# the pattern models (their engine is generic), billing's tally before statistics.
AREAS = [
    ("Bedrock calls", r"capacity::llm"),
    ("event queue", r"binary_heap|capacity::queue|capacity::engine"),
    ("sampling / draws",
     r"sampling::|config::dist|rand::|rand_distr|rand_xoshiro|rand-|arrivals::|__ieee754_|exp@@|log@@|__log|__exp|pow@@|__sin|__cos"),
    ("billing", r"billing::|bill_|pricing::|Tally|Holding|document_cost"),
    ("statistics", r"capacity::stats|agentcost::stats|sketch|quantile"),
    ("pattern models", r"pattern::"),
    ("memory copies / allocation", r"memcpy|memmove|memset|malloc|free|realloc|_int_"),
    ("driver (per-batch loop)", r"simulate::"),
]
LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?)(?:\s+\[[^\]]*\])?\s*$")


def area(fn):
    inlined_into = re.search(r" \(in src/(\S+)\.rs\)$", fn)
    if inlined_into:
        fn = inlined_into.group(1).replace("/", "::")
    # A trait method belongs to the implementing type: `<LambdaModel as engine::Model>::handle` is
    # the Lambda model's code, not the engine's.
    own = re.sub(r"^<(.+?) as .*?>::", r"\1::", fn)
    for name, pattern in AREAS:
        if re.search(pattern, own):
            return name
    return "other (start-up, parsing, output, containers)"


def main():
    shape, path, docs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    total = None
    # Instructions by function and, within it, by the area of each inlined piece.
    by_fn = defaultdict(lambda: defaultdict(int))
    listing = False
    for line in open(path):
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
        if "file:function" in line:
            listing = True
            continue
        if listing and line.startswith("-- Auto-annotated"):
            break
        m = LINE.match(line) if listing else None
        if m:
            # Everything after the file's path: function names hold "::" but paths hold no ':'.
            path, fn = m.group(2).split(":", 1) if ":" in m.group(2) else ("", m.group(2))
            piece = area(fn)
            if piece.startswith("other"):
                # A generic function's piece inlined from one of our files (SmallVec::extend in
                # capacity/llm.rs) belongs to that file's area; one from a crate to the crate's.
                ours = re.search(r"(?:^|/)src/(\w+(?:/\w+)*)\.rs$", path)
                if ours and "/rustc/" not in path and "registry" not in path:
                    piece = area(f"{fn} (in src/{ours.group(1)}.rs)")
                elif "registry" in path:
                    piece = area(path)
            by_fn[fn][piece] += int(m.group(1).replace(",", ""))
    # The standard library's pieces of a generic function (an iterator's `fold` around a
    # document's draws) take the area most of its other pieces have.
    fn_area = {}
    for fn, pieces in by_fn.items():
        known = {a: n for a, n in pieces.items() if not a.startswith("other")}
        fn_area[fn] = max(known, key=known.get) if known else area(fn)
    by_area = defaultdict(int)
    for fn, pieces in by_fn.items():
        for a, n in pieces.items():
            by_area[fn_area[fn] if a.startswith("other") else a] += n
    print(f"\n### {shape}: {total:,} instructions, {total / docs:,.0f} per document\n")
    print("| area | share |\n|---|---:|")
    for name, n in sorted(by_area.items(), key=lambda x: -x[1]):
        print(f"| {name} | {n / total:.1%} |")
    print("\n| function (self cost, inlined code included) | area | share |\n|---|---|---:|")
    sizes = {fn: sum(pieces.values()) for fn, pieces in by_fn.items()}
    for fn, n in sorted(sizes.items(), key=lambda x: -x[1])[:top]:
        short = re.sub(r"agentcost::|alloc::collections::binary_heap::", "", fn)
        print(f"| `{short}` | {fn_area[fn]} | {n / total:.1%} |")


main()
