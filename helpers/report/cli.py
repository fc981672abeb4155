"""The command line ``crm-report`` (``python -m helpers.report``): parameters, language, summary table.

Parameters are merged with papermill's precedence (file < YAML < ``-p`` < ``-r``); ``--lang``
sets the notebooks' ``lang`` parameter and the output folder (:data:`~helpers.report.build.LANG_SUBDIR`);
``--knowledge-reports`` makes the knowledge reports instead of the workbook run. See
:mod:`helpers.report` for examples.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from papermill.iorw import NoDatesSafeLoader

from ..paths import NOTEBOOKS as _DEFAULT_NOTEBOOKS, REPORTS as _DEFAULT_REPORTS
from .build import LANG_SUBDIR, build_reports, report_language
from .knowledge import KNOWLEDGE_SUBDIR, build_knowledge_reports, parse_knowledge_spec
from .pdf import NBCONVERT_LOGGER
from .run import NotebookResult


def parse_parameter_value(text: str) -> Any:
    """Parse a ``-p NAME VALUE`` value the way ``papermill -p`` does, plus JSON/YAML spellings.

    ``True``/``False``/``None``, ints and floats as papermill's CLI; additionally
    ``true``/``false``/``null`` and JSON lists/objects (``[1, 2]``, ``{"a": 1}``).
    Anything else stays a string (dates too: ``2024-01-01`` is a string).

    Parameters
    ----------
    text
        The raw command-line value.

    Returns
    -------
    Any
        bool, None, int, float, list, dict or str.
    """
    keywords = {"True": True, "true": True, "False": False, "false": False, "None": None, "null": None}
    if text in keywords:
        return keywords[text]
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.startswith(("[", "{")):
        with contextlib.suppress(json.JSONDecodeError):
            return json.loads(text)
    return text


def _load_yaml_mapping(text: str, origin: str) -> dict[str, Any]:
    data = yaml.load(text, Loader=NoDatesSafeLoader)  # noqa: S506 - a SafeLoader subclass
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{origin}: expected a YAML mapping of name: value, got {type(data).__name__}")
    return data


def build_parser() -> argparse.ArgumentParser:
    """The ``crm-report`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="crm-report",
        description=(
            "Run the numbered notebooks with papermill (in order, each in its own folder) and "
            "write executed copies and A4 PDF reports, code hidden."
        ),
    )
    parser.add_argument("--notebooks", type=Path, default=_DEFAULT_NOTEBOOKS, metavar="DIR",
                        help="folder of NN_*.ipynb notebooks (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help=f"output folder (default: {_DEFAULT_REPORTS} for English, "
                             f"{_DEFAULT_REPORTS / LANG_SUBDIR['zh']} for --lang zh)")
    parser.add_argument("--lang", choices=("en", "zh"), default=None,
                        help="language of figure titles, axis labels, table headers and report headings "
                             "(passed to every notebook as -p lang; default en, or the -p lang given)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"),
                        help="parameter for every notebook; VALUE parsed like papermill -p (repeatable)")
    parser.add_argument("-r", "--parameter-raw", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"), help="parameter kept as a string (repeatable)")
    parser.add_argument("-y", "--parameters-yaml", action="append", default=[], metavar="TEXT",
                        help="YAML mapping of parameters (repeatable)")
    parser.add_argument("-f", "--parameters-file", action="append", default=[], type=Path,
                        metavar="FILE", help="YAML/JSON file of parameters (repeatable)")
    parser.add_argument("--only", nargs="+", metavar="NN",
                        help="run only these notebooks (number prefix or stem)")
    parser.add_argument("--no-pdf", action="store_true", help="execute only, no HTML/PDF")
    parser.add_argument("--kernel", metavar="NAME", help="kernel name (default: the notebook's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--knowledge-reports", nargs="*", metavar="KEY=VALUE", default=None,
                        help="instead of the numbered notebooks, make per-customer / per-segment knowledge reports "
                             "from notebooks/knowledge_report.ipynb into <out>/knowledge/, e.g. "
                             "'segment=champions top=20' or 'customer=12345678'; the dataset is -p dataset "
                             "(default xiaomi_sim); notebook 07 must have built its knowledge base")
    return parser


def _collect_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """Merge parameters with papermill's precedence: file < YAML < -p < -r."""
    merged: dict[str, Any] = {}
    for file in args.parameters_file:
        merged.update(_load_yaml_mapping(Path(file).read_text(encoding="utf-8"), str(file)))
    for text in args.parameters_yaml:
        merged.update(_load_yaml_mapping(text, "--parameters-yaml"))
    for name, value in args.parameter:
        merged[name] = parse_parameter_value(value)
    for name, value in args.parameter_raw:
        merged[name] = value
    return merged


def _summary(results: Sequence[NotebookResult], by_output: bool = False) -> str:
    rows = [("report" if by_output else "notebook", "status", "run s", "pdf s", "PDF")]
    for r in results:
        rows.append((
            r.executed_path.name if by_output and r.executed_path is not None else r.notebook.name,
            "ok" if r.ok else "FAILED",
            f"{r.seconds:.1f}",
            "-" if r.pdf_seconds is None else f"{r.pdf_seconds:.1f}",
            str(r.pdf_path) if r.pdf_path else "-",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failures = [(f"{r.executed_path.name}: " if by_output and r.executed_path is not None else "")
                + (r.describe_failure() or "") for r in results if not r.ok]
    if failures:
        lines.append("")
        lines.extend(f for f in failures if f)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m helpers.report`` / ``crm-report``).

    Parameters
    ----------
    argv
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 if every notebook ran (and its PDF was made), 1 otherwise.
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger(NBCONVERT_LOGGER).setLevel(logging.ERROR)  # e.g. "alt text missing"
    # papermill reads the parameters cell to inject values; a trailing comment it cannot parse is not a problem
    logging.getLogger("papermill.translators").setLevel(logging.ERROR)
    try:
        parameters = _collect_parameters(args)
        if args.lang is not None:
            parameters["lang"] = args.lang
        lang = report_language(parameters)
        if lang == "en":
            parameters.pop("lang", None)  # the notebooks' default: English runs stay as before
        out = Path(args.out) if args.out is not None else _DEFAULT_REPORTS / LANG_SUBDIR[lang]
        if args.knowledge_reports is not None:
            spec = parse_knowledge_spec(args.knowledge_reports)
            results = build_knowledge_reports(
                args.notebooks, out / KNOWLEDGE_SUBDIR, dataset=str(parameters.get("dataset", "xiaomi_sim")),
                pdf=not args.no_pdf, progress=not args.quiet, kernel_name=args.kernel, lang=lang, **spec)
            print(_summary(results, by_output=True))
            return 0 if all(r.ok for r in results) else 1
        results = build_reports(
            args.notebooks,
            out,
            parameters,
            only=args.only,
            pdf=not args.no_pdf,
            progress=not args.quiet,
            kernel_name=args.kernel,
        )
    except (RuntimeError, ValueError, FileNotFoundError, yaml.YAMLError) as exc:
        print(f"crm-report: {exc}", file=sys.stderr)
        return 1
    if not results:
        print(f"crm-report: no NN_*.ipynb notebooks in {args.notebooks}", file=sys.stderr)
        return 1
    print(_summary(results))
    return 0 if all(r.ok for r in results) else 1
