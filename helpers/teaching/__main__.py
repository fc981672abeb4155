"""``python -m helpers.teaching {editions,sync-terms,glossary}`` (:func:`helpers.teaching.cli.main`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
