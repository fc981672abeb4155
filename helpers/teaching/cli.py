"""The command line ``python -m helpers.teaching {editions,sync-terms,glossary}``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import DataError
from ..paths import NOTEBOOKS, PROJECT_ROOT
from .editions import EDITIONS, LANGS, write_editions
from .glossary import glossary_markdown, sync_terms

DESCRIPTION = "The course kit: one glossary, self-checking exercises, and student / instructor editions."
"""What ``--help`` says the command is (the first line of :mod:`helpers.teaching`'s docstring)."""

def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.teaching {editions,sync-terms,glossary}``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.teaching", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    ed = sub.add_parser("editions", help="write student and instructor editions of every numbered notebook")
    ed.add_argument("--out", type=Path, default=PROJECT_ROOT / "editions", help="output folder (default: %(default)s)")
    ed.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help="source notebooks (default: %(default)s)")
    ed.add_argument("--only", choices=EDITIONS, help="write one edition only")
    ed.add_argument("--lang", choices=LANGS, help="write one language only (default: en and zh)")
    sy = sub.add_parser("sync-terms", help="rewrite each notebook's key-terms table from helpers/glossary.yml")
    sy.add_argument("--notebooks", type=Path, default=NOTEBOOKS)
    sy.add_argument("--check", action="store_true", help="only report notebooks whose table differs; exit 1 if any")
    sub.add_parser("glossary", help="print the bilingual glossary handout (markdown)")
    args = parser.parse_args(argv)
    try:
        if args.command == "editions":
            written = write_editions(args.out, args.notebooks, (args.only,) if args.only else EDITIONS,
                                     (args.lang,) if args.lang else LANGS)
            for edition, paths in written.items():
                print(f"{edition}: {len(paths)} notebooks + glossary.md in {Path(args.out) / edition}")
            return 0
        if args.command == "sync-terms":
            changed = sync_terms(args.notebooks, check=args.check)
            verb = "differs from the glossary" if args.check else "rewritten"
            for path in changed:
                print(f"{path.name}: key-terms table {verb}")
            return 1 if (args.check and changed) else 0
        print(glossary_markdown(), end="")
        return 0
    except (DataError, FileNotFoundError, ValueError) as exc:
        print(f"helpers.teaching: {exc}", file=sys.stderr)
        return 1
