"""Differential random testing of the engine (`impl`) against the model (`spec`) and Rust (`cedarpy`).

`python -m difftest` runs it; `difftest.generators` holds the input generators.
"""

import sys

# Generated expressions nest a few hundred levels deep on purpose; walking their JSON form
# (normalising, comparing, printing) recurses once per level and more.
if sys.getrecursionlimit() < 20_000:
    sys.setrecursionlimit(20_000)
