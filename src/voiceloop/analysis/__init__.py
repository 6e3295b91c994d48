"""Pure analysis functions over a word timeline (see ``combined.analyze`` for all of them)."""
