"""Charm/beauty separation of heavy-flavour decay electrons (HFE).

Every piece of physics and numerics of the workflow lives here as importable,
unit-tested functions; the Snakemake rule scripts under ``workflow/scripts`` only
parse their inputs and call this package.

Conventions (stated once, used everywhere):

* transverse momentum pT in GeV/c, masses in GeV/c^2, angles in radians;
* hadron spectra are particle + antiparticle averaged, per unit rapidity;
* cross sections in microbarn/(GeV/c); yields per event;
* electrons are e+ and e- together.
"""

__version__ = "0.1.0"
