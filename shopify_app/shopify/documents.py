"""GraphQL documents: every query and mutation the app sends lives in graphql/*.graphql."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

GRAPHQL_DIR = Path(__file__).resolve().parent / "graphql"


@lru_cache(maxsize=None)
def load_document(name: str) -> str:
    """The text of graphql/<name>.graphql."""
    path = (GRAPHQL_DIR / f"{name}.graphql").resolve()
    if path.parent != GRAPHQL_DIR:
        raise ValueError(f"bad document name {name!r}")
    return path.read_text()


def all_documents() -> dict[str, str]:
    return {p.stem: p.read_text() for p in sorted(GRAPHQL_DIR.glob("*.graphql"))}
