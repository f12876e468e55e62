"""Fields and countries named in free text (for browsing the catalog by field or country)."""
from __future__ import annotations

import functools
import re
from typing import Dict, FrozenSet, List, Optional, Tuple

import yaml

from catalog import config
from catalog.text import normalize


@functools.lru_cache(maxsize=4)
def _terms(data_dir: str) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    """(term, field key) and (term, country key), longest terms first."""
    base = config.DATA_DIR if not data_dir else type(config.DATA_DIR)(data_dir)
    with open(base / "fields.yaml", encoding="utf-8") as fh:
        fields: Dict[str, str] = yaml.safe_load(fh)
    with open(base / "field_synonyms.yaml", encoding="utf-8") as fh:
        synonyms: Dict[str, List[str]] = yaml.safe_load(fh)
    with open(base / "countries.yaml", encoding="utf-8") as fh:
        countries: Dict[str, str] = yaml.safe_load(fh)
    with open(base / "places.yaml", encoding="utf-8") as fh:
        country_extra: Dict[str, List[str]] = yaml.safe_load(fh).get("countries") or {}
    field_terms = [(normalize(t), k) for k, en in fields.items() for t in (k, en, *synonyms.get(k, []))]
    country_terms = [(normalize(t), k) for k, en in countries.items() if k != "国际"
                     for t in (k, en, *country_extra.get(k, ()))]
    key = lambda p: -len(p[0])  # noqa: E731
    return sorted(field_terms, key=key), sorted(country_terms, key=key)


CAPITALS_ONLY = {"IT": "信息技术"}  # "IT certificates" names a field; "is it listed?" does not


# short field words that are a prefix in a compound ("tech-recruitment briefing" is no tech field); other terms
# are still read before a hyphen ("Hong Kong-issued", "cloud-computing")
_HYPHEN_SHY = {"tech", "it", "science"}


def _shy(term: str) -> str:
    return "|-[a-z]" if term in _HYPHEN_SHY else ""


def _first(text: str, terms: List[Tuple[str, str]]) -> Optional[Tuple[str, Tuple[int, int]]]:
    norm = normalize(text)
    best: Optional[Tuple[str, Tuple[int, int]]] = None
    if terms and terms[0][1] in _field_keys():
        for word, key in CAPITALS_ONLY.items():
            m = re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", text)
            if m:
                best = (key, m.span())
    for term, key in terms:
        if not term:
            continue
        if term.isascii():
            m = re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9]{_shy(term)})", norm)
            span = m.span() if m else None
        else:
            i = norm.find(term)
            span = (i, i + len(term)) if i >= 0 else None
        if span and (best is None or span[0] < best[1][0]):
            best = (key, span)
    return best


@functools.lru_cache(maxsize=1)
def _field_keys() -> FrozenSet[str]:
    with open(config.DATA_DIR / "fields.yaml", encoding="utf-8") as fh:
        return frozenset(yaml.safe_load(fh))


def find_field(text: str) -> Optional[Tuple[str, Tuple[int, int]]]:
    """The field key (e.g. 云计算) the text names first, with its span in the normalised text."""
    return _first(text, _terms(str(config.data_dir()) if config.data_dir() != config.DATA_DIR else "")[0])


def find_country(text: str) -> Optional[Tuple[str, Tuple[int, int]]]:
    return _first(text, _terms(str(config.data_dir()) if config.data_dir() != config.DATA_DIR else "")[1])


def _current_terms() -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    return _terms(str(config.data_dir()) if config.data_dir() != config.DATA_DIR else "")


def _all_keys(text: str, terms: List[Tuple[str, str]]) -> List[str]:
    """The keys of every term found in the text, in the text's order: longest terms first, never two
    overlapping, each key once."""
    norm = normalize(text)
    taken: List[Tuple[int, int]] = []
    found: List[Tuple[int, str]] = []
    for term, key in terms:
        if not term:
            continue
        pattern = rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9]{_shy(term)})" if term.isascii() else re.escape(term)
        for m in re.finditer(pattern, norm):
            if any(x < m.end() and m.start() < y for x, y in taken):
                continue
            taken.append(m.span())
            found.append((m.start(), key))
    out: List[str] = []
    for _, key in sorted(found):
        if key not in out:
            out.append(key)
    return out


def find_countries(text: str) -> List[str]:
    """Every country (region) the text names, in order ("Japan or Korea", "港澳台")."""
    return list(_found(text, 1, _data_key()))


def find_fields(text: str) -> List[str]:
    """Every field the text names, in order ("cloud computing + internet information")."""
    return list(_found(text, 0, _data_key()))


def _data_key() -> str:
    return str(config.data_dir()) if config.data_dir() != config.DATA_DIR else ""


@functools.lru_cache(maxsize=4096)  # a turn asks of the same text several times; the terms are read once per data dir
def _found(text: str, which: int, data_key: str) -> Tuple[str, ...]:
    return tuple(_all_keys(text, _terms(data_key)[which]))


def country_and_field_terms() -> List[Tuple[str, str]]:
    """Every (term, key) naming a country or a field, longest first."""
    fields, countries = _terms(str(config.data_dir()) if config.data_dir() != config.DATA_DIR else "")
    return sorted(fields + countries, key=lambda p: -len(p[0]))
