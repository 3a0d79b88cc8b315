"""The national directory of the SAS: practitioners, places, CPTS and SOS fixed points."""
