from hfe.core import pdg_codes


def test_heavy_flavour_hadrons():
    for code in (421, -411, 431, 4122, 511, -521, 531, 5122, 423, 443, 100443, 541):
        assert pdg_codes.is_heavy_flavour_hadron(code), code
    for code in (111, 221, 211, 310, 130, 3122, 22, 11, 15, 4, 5, 2101, 92):
        assert not pdg_codes.is_heavy_flavour_hadron(code), code


def test_open_charm_and_charmonium():
    assert pdg_codes.is_open_charm_hadron(421) and pdg_codes.is_open_charm_hadron(-4122)
    assert pdg_codes.is_charmonium(443) and pdg_codes.is_charmonium(100443) and pdg_codes.is_charmonium(20443)
    assert not pdg_codes.is_open_charm_hadron(443)
    assert not pdg_codes.is_open_charm_hadron(521)  # beauty
    assert not pdg_codes.is_open_charm_hadron(541)  # Bc carries b: counted as beauty, not charm


def test_partons_and_strings_are_transparent():
    for code in (1, -2, 4, 5, 21, 2101, 3203, 91, 92):
        assert pdg_codes.is_parton_or_special(code), code
    for code in (111, 421, 11, 15, 22, 4122):
        assert not pdg_codes.is_parton_or_special(code), code
