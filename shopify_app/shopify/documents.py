"""GraphQL documents: every query and mutation the app sends lives in graphql/*.graphql.

Selections used by more than one document are named fragments, each written once in
graphql/fragments/*.graphql. A document spreads them (`...OrderFields`) without
defining them; `load_document` returns it composed: its own text followed by exactly
the fragment definitions it needs, transitively, so that what is sent (and validated,
and costed) is one self-contained GraphQL document.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from graphql import DocumentNode, FragmentDefinitionNode, FragmentSpreadNode, parse, visit
from graphql.language import Visitor

GRAPHQL_DIR = Path(__file__).resolve().parent / "graphql"
FRAGMENTS_DIR = GRAPHQL_DIR / "fragments"


class DocumentError(ValueError):
    """A document or fragment file is malformed, or spreads a fragment nobody defines."""


class _SpreadCollector(Visitor):
    def __init__(self):
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_):
        if node.name.value not in self.names:
            self.names.append(node.name.value)


def _spread_names(node) -> list[str]:
    collector = _SpreadCollector()
    visit(node, collector)
    return collector.names


@lru_cache(maxsize=1)
def shared_fragments() -> dict[str, FragmentDefinitionNode]:
    """Every fragment of graphql/fragments/, by name."""
    out: dict[str, FragmentDefinitionNode] = {}
    for path in sorted(FRAGMENTS_DIR.glob("*.graphql")):
        for definition in parse(path.read_text()).definitions:
            if not isinstance(definition, FragmentDefinitionNode):
                raise DocumentError(f"{path.name}: a fragment file holds fragment definitions only")
            name = definition.name.value
            if name in out:
                raise DocumentError(f"fragment {name} is defined twice (again in {path.name})")
            out[name] = definition
    return out


def fragments_needed(document: DocumentNode) -> list[FragmentDefinitionNode]:
    """The shared fragments `document` spreads, transitively, but does not define itself."""
    local = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    shared = shared_fragments()
    needed: dict[str, FragmentDefinitionNode] = {}
    pending = _spread_names(document)
    while pending:
        name = pending.pop(0)
        if name in local or name in needed:
            continue
        if name not in shared:
            raise DocumentError(f"unknown fragment {name}: define it in graphql/fragments/")
        needed[name] = shared[name]
        pending.extend(_spread_names(shared[name]))
    return list(needed.values())


def compose(text: str) -> str:
    """`text` followed by the definitions of the shared fragments it needs."""
    definitions = [_source_text(f) for f in fragments_needed(parse(text))]
    return "\n\n".join([text.rstrip(), *definitions]) + "\n"


def _source_text(node) -> str:
    return node.loc.source.body[node.loc.start:node.loc.end]


@lru_cache(maxsize=None)
def load_document(name: str) -> str:
    """graphql/<name>.graphql, composed with the shared fragments it spreads."""
    path = (GRAPHQL_DIR / f"{name}.graphql").resolve()
    if path.parent != GRAPHQL_DIR:
        raise ValueError(f"bad document name {name!r}")
    return compose(path.read_text())


def all_documents() -> dict[str, str]:
    """Every document by name, composed as `load_document` returns it."""
    return {p.stem: load_document(p.stem) for p in sorted(GRAPHQL_DIR.glob("*.graphql"))}
