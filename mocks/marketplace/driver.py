"""Drive a marketplace's pages without a browser (tests, notebooks): read the SAS results
page's "Place de marché" links and the care-request form's pre-filled values."""

from __future__ import annotations

import re
from html import unescape

__all__ = ["FORM_LABEL", "form_values", "marketplace_links"]

#: The care-request form's ``aria-label`` (for :func:`mocks.editor_booking.driver.form_action`).
FORM_LABEL = "Demande de prise en charge"
_LINK = re.compile(r'<a class="marketplace" href="([^"]+)"[^>]*data-marketplace="([^"]+)"')
_INPUT = re.compile(r'<input id="([^"]+)" name="\1" type="[^"]+" value="([^"]*)"')


def marketplace_links(html: str) -> dict[str, str]:
    """Marketplace name → its link on a SAS results page."""
    return {name: unescape(url) for url, name in _LINK.findall(html)}


def form_values(html: str) -> dict[str, str]:
    """The text inputs of a form page and their values (what the page pre-filled)."""
    return {name: unescape(value) for name, value in _INPUT.findall(html)}
