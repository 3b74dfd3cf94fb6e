"""Every result of the catalogue has what each output needs: a title and a HEPData description."""

from hfe.core.catalogue import (
    REPLICATED_RAA_OBSERVABLES,
    REPLICATED_SPECTRUM_OBSERVABLES,
    REPLICATED_V2_OBSERVABLES,
    TITLES,
)
from hfe.outputs.hepdata import DESCRIPTIONS


def test_every_replicated_observable_has_a_title_and_a_hepdata_description():
    names = REPLICATED_SPECTRUM_OBSERVABLES + REPLICATED_RAA_OBSERVABLES + REPLICATED_V2_OBSERVABLES
    assert [n for n in names if n not in TITLES] == []
    assert [n for n in names if n not in DESCRIPTIONS] == []
