"""``python -m helpers.simulate``: the simulation's command line (:func:`helpers.simulate.cli.main`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
