"""The command line ``python -m helpers.teaching {editions,sync-terms,glossary,syllabus,slides}``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import DataError
from ..paths import NOTEBOOKS, PROJECT_ROOT, reports_dir
from ..report import LANG_SUBDIR
from .editions import EDITIONS, LANGS, edition_folder, write_editions
from .glossary import glossary_markdown, sync_terms
from .course import SESSIONS, write_syllabus
from .slides import build_slides

DESCRIPTION = "The course kit: one glossary, self-checking exercises, and student / instructor editions."
"""What ``--help`` says the command is (the first line of :mod:`helpers.teaching`'s docstring)."""

def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.teaching {editions,sync-terms,glossary,syllabus,slides}``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.teaching", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    ed = sub.add_parser("editions", help="write student and instructor editions of every numbered notebook")
    ed.add_argument("--out", type=Path, default=PROJECT_ROOT / "editions", help="output folder (default: %(default)s)")
    ed.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help="source notebooks (default: %(default)s)")
    ed.add_argument("--only", choices=EDITIONS, help="write one edition only")
    ed.add_argument("--lang", choices=LANGS, help="write one language only (default: en and zh, zh in OUT/zh/)")
    sy = sub.add_parser("sync-terms", help="rewrite each notebook's key-terms table from helpers/glossary.yml")
    sy.add_argument("--notebooks", type=Path, default=NOTEBOOKS)
    sy.add_argument("--check", action="store_true", help="only report notebooks whose table differs; exit 1 if any")
    sub.add_parser("glossary", help="print the bilingual glossary handout (markdown)")
    syl = sub.add_parser("syllabus", help="write course/syllabus.md and course/syllabus.zh.md from the course map")
    syl.add_argument("--out", type=Path, default=PROJECT_ROOT / "course", help="output folder (default: %(default)s)")
    syl.add_argument("--check", action="store_true", help="only report a syllabus that differs; exit 1 if any")
    sld = sub.add_parser("slides", help="reveal.js slides (HTML, offline) and their PDF per session, from the executed "
                                       "notebooks (python -m helpers.report --no-pdf --lang en|zh first)")
    sld.add_argument("--out", type=Path, default=PROJECT_ROOT / "slides", help="output folder (default: %(default)s)")
    sld.add_argument("--reports", type=Path, default=reports_dir(),
                    help="executed notebooks: English here, Chinese in its zh/ (default: %(default)s)")
    sld.add_argument("--lang", nargs="+", choices=("en", "zh"), default=["en", "zh"])
    sld.add_argument("--session", nargs="+", type=int, choices=[s.number for s in SESSIONS], help="only these sessions")
    sld.add_argument("--no-pdf", action="store_true", help="HTML only")
    args = parser.parse_args(argv)
    try:
        if args.command == "editions":
            written = write_editions(args.out, args.notebooks, (args.only,) if args.only else EDITIONS,
                                     (args.lang,) if args.lang else LANGS)
            for key, paths in written.items():
                lang, _, edition = key.rpartition("/")
                print(f"{key}: {len(paths)} notebooks + glossary.md in {edition_folder(args.out, edition, lang or 'en')}")
            return 0
        if args.command == "sync-terms":
            changed = sync_terms(args.notebooks, check=args.check)
            verb = "differs from the glossary" if args.check else "rewritten"
            for path in changed:
                print(f"{path.name}: key-terms table {verb}")
            return 1 if (args.check and changed) else 0
        if args.command == "syllabus":
            changed = write_syllabus(args.out, check=args.check)
            for path in changed:
                print(f"{path.name}: {'differs from the course map' if args.check else 'written'}")
            return 1 if (args.check and changed) else 0
        if args.command == "slides":
            executed = {lang: args.reports / LANG_SUBDIR[lang] for lang in args.lang}  # where helpers.report writes
            chosen = [s for s in SESSIONS if args.session is None or s.number in args.session]
            for path in build_slides(args.out, executed, chosen, pdf=not args.no_pdf):
                print(path)
            return 0
        print(glossary_markdown(), end="")
        return 0
    except (DataError, FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"helpers.teaching: {exc}", file=sys.stderr)
        return 1
