"""``python -m helpers.survey [--seed N] [--out PATH]``: regenerate the SIMULATED staff survey file."""

from .simulate import main

if __name__ == "__main__":
    raise SystemExit(main())
