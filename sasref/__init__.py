"""sasref — reference implementation and mock ecosystem of the French SAS FHIR flows.

The package follows the ANS SAS FHIR Implementation Guide 1.2.0
(https://interop.esante.gouv.fr/ig/fhir/sas). ``sasref.fhir`` holds the vocabulary,
``sasref.profiles`` the conformance rules; the other subpackages implement the flows.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
