"""Hypothesis strategies over the same generators the seeded runner uses.

Every generator is a function of a `random.Random`; hypothesis' `st.randoms()`
records each draw, so examples shrink through the generators' own choices.
"""

from __future__ import annotations


from hypothesis import strategies as st

from ..case import Case, gen_case
from .entities import EntityStore, gen_entities
from .expressions import MODES
from .schema import SchemaSpec, gen_schema


@st.composite
def schemas(draw: st.DrawFn) -> SchemaSpec:
    return gen_schema(draw(st.randoms(use_true_random=False)))


@st.composite
def schemas_with_entities(draw: st.DrawFn) -> tuple[SchemaSpec, EntityStore]:
    rng = draw(st.randoms(use_true_random=False))
    spec = gen_schema(rng)
    return spec, gen_entities(rng, spec)


@st.composite
def cases(draw: st.DrawFn, mode: str | None = None) -> Case:
    """Whole cases (schema, entities, policies, requests), every choice drawn through hypothesis."""
    chosen = mode or draw(st.sampled_from(MODES))
    return gen_case(0, chosen, rng=draw(st.randoms(use_true_random=False)))
