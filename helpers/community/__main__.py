"""``python -m helpers.community``: regenerate the committed SIMULATED community export."""

from .export import main

raise SystemExit(main())
