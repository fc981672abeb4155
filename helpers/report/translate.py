"""``python -m helpers.report.translate --check``: markdown cells without an up-to-date translation.

``--check`` lists notebook, cell id, kind (missing / stale / orphan) and first line of every
report-visible markdown cell whose translation is missing or made from an older English text, and
exits 1 if there is any; ``--todo STEM`` prints a YAML skeleton of the cells of one notebook still
to translate; ``--import STEM FILE`` stores translations written as ``=== <cell id>`` sections
(see :mod:`helpers.report.translations`).
"""

from __future__ import annotations

import argparse
import sys

from pathlib import Path

from .translations import check, parse_sections, todo_yaml, write_store


def main(argv: list[str] | None = None) -> int:
    """``--check``: list cells without an up-to-date translation (exit 1 if any); ``--todo STEM``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.report.translate", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="list missing/stale translations")
    parser.add_argument("--todo", metavar="STEM", help="YAML skeleton of the cells still to translate")
    parser.add_argument("--course", action="store_true", help="with --todo: include course-kit cells")
    parser.add_argument("--import", dest="import_", nargs=2, metavar=("STEM", "FILE"),
                        help="store the translations of FILE (sections '=== <cell id>') for notebook STEM, "
                             "stamped with the current English source hash")
    parser.add_argument("--lang", default="zh")
    args = parser.parse_args(argv)
    if args.import_:
        stem, file = args.import_
        path = write_store(stem, parse_sections(Path(file).read_text(encoding="utf-8")), args.lang)
        print(f"wrote {path}")
        return 0
    if args.todo:
        sys.stdout.write(todo_yaml(args.todo, args.lang, course=args.course))
        return 0
    problems = check(args.lang)
    for p in problems:
        print(p)
    print(f"{len(problems)} markdown cell(s) without an up-to-date {args.lang} translation")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
