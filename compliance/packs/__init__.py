"""The shipped rule-pack defaults: one JSON document per jurisdiction, read from here only.

Django-free, so the rules documentation, the benchmark and the pure rule tests share it.
"""

import json
from pathlib import Path
from typing import Any

PACKS_DIR = Path(__file__).resolve().parent
JURISDICTIONS = ("CN", "US", "UK", "IN")


def shipped_pack(jurisdiction: str) -> dict[str, Any]:
    return json.loads((PACKS_DIR / f"{jurisdiction.lower()}.json").read_text(encoding="utf-8"))


def shipped_packs() -> list[dict[str, Any]]:
    """Every shipped pack, ordered CN, US, UK, IN."""
    packs = [shipped_pack(code) for code in JURISDICTIONS]
    for code, pack in zip(JURISDICTIONS, packs, strict=True):
        if pack.get("pack") != code:
            raise ValueError(f"{code.lower()}.json: holds pack {pack.get('pack')!r}, not {code}")
    return packs
