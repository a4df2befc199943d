"""Obligation 8 (in progress)."""
from proofs.harness import Obligation
OBLIGATION = Obligation("8", "validator soundness", lambda: [])
