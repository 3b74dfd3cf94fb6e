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


def test_hepdata_table_names_make_file_names():
    """hepdata_lib names each table's file after its title: letters, digits, spaces and '_' only
    (issue 18: no '->', no parentheses, no path separators)."""
    import re

    assert [entry[4] for entry in DESCRIPTIONS.values() if not re.fullmatch(r"[A-Za-z0-9_ ]+", entry[4])] == []


def test_every_systematic_source_of_the_shipped_configs_has_a_figure_label():
    """The systematics figures name sources in words, not code identifiers (issue 18)."""
    from pathlib import Path

    import yaml

    from hfe.outputs.plotting import SOURCE_LABELS

    sources = set()
    for path in Path(__file__).resolve().parent.parent.glob("config/*.yaml"):
        for variation in (yaml.safe_load(path.read_text()) or {}).get("variations", {}).values():
            if isinstance(variation, dict) and "source" in variation:
                sources.add(variation["source"])
    assert sources and sorted(sources - set(SOURCE_LABELS)) == []
