"""``python -m helpers.report``: the ``crm-report`` command line (:func:`helpers.report.cli.main`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
