"""Probing a deactivated editor: one real search for something it is known to serve.

The honest probe is the request the platform would send anyway: an INT_R01 search (or the SOS
Schedule search for an SOS-only editor) for one identifier the editor is known to serve (learned
routing first, then the directory's declaration). It goes through a one-editor
:class:`~sasref.aggregator.Aggregator` sharing the platform's HTTP client, deadlines and
tolerant reading, so a probe is judged exactly like a search's call, and never through the
monitoring's own gate (the editor is deactivated: a search would skip it).
"""

from __future__ import annotations

from collections.abc import Mapping

from sasref.aggregator import (
    Aggregator,
    EditorOutcome,
    EditorRegistry,
    FanOutRequest,
    Routing,
    SearchWindow,
)
from sasref.directory import Directory
from sasref.directory.model import AgendaKind, EditorInfo


def probe_target(
    editor: EditorInfo, routing: Mapping[str, Routing], directory: Directory | None = None
) -> tuple[str, str] | None:
    """``(kind, identifier)`` to ask ``editor`` about: a practitioner (``ps``) or an SOS SIRET
    (``sos``) it is known to serve; ``None`` when nothing is known."""
    for kind in ("ps", "sos"):
        if kind not in editor.use_cases:
            continue
        known = routing[kind].identifiers_of(editor.name) if kind in routing else []
        if known:
            return kind, known[0]
        if directory is None:
            continue
        if kind == "ps":
            for p in directory.practitioners.values():
                if p.agenda is AgendaKind.EDITOR and p.editor == editor.name:
                    return kind, p.id
        else:
            for association in directory.sos.values():
                if association.editor == editor.name:
                    return kind, association.siret
    return None


async def probe(
    template: Aggregator, editor: EditorInfo, kind: str, identifier: str, window: SearchWindow
) -> EditorOutcome | None:
    """One search of ``editor`` for ``identifier`` (``kind`` ``ps`` or ``sos``), with
    ``template``'s client, clock, deadlines and validation."""
    solo = Aggregator(
        template.http,
        EditorRegistry([editor]),
        clock=template.clock,
        call_deadline=template.call_deadline,
        overall_deadline=template.overall_deadline,
        validate=template.validate,
    )
    solo.routing[kind].declare(identifier, editor.name)
    if kind == "sos":
        request = FanOutRequest(window, sos_sirets=(identifier,))
    else:
        request = FanOutRequest(window, practitioners=(identifier,))
    result = await solo.search(request)
    return result.outcomes[0] if result.outcomes else None


__all__ = ["probe", "probe_target"]
