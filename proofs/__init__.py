"""Proof obligations about the model (`spec/`), discharged by Z3: `python -m proofs` (= `make prove`).

`main(argv)` runs them and prints one line per obligation (proved / counterexample
/ unknown, seconds), then any counterexample as Cedar; it returns 0 only if every
obligation is proved. See `proofs/README.md`.
"""

from __future__ import annotations

from proofs.cli import main

__all__ = ["main"]
