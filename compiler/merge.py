"""Merge: between load and validate. A site's loaded data takes what fleet.yaml gives it:
its profile, the fleet's `sites:` defaults and the providers it names. The site wins over
its profile, the profile over `sites:`; mappings merge key by key, lists replace. Every
value keeps its place, and a value from fleet.yaml says so (`Loc.file`), so that validate
points at fleet.yaml and names the site it is wrong for.

fleet.yaml is read once per run (shared.read_shared), as untrusted as any site file; each
part of it has a digest, so that the cache can tell which sites a change reaches.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Diagnostic, Severity, has_errors
from compiler.load import Loc, LocatedDict, LocatedList, load_bytes
from compiler.paths import FLEET_FILE
from compiler.shared import SITES_PART, Shared
from compiler.text import clip


def checked(content: bytes) -> Shared:
    """fleet.yaml's bytes loaded and checked: its data, or its problems."""
    loaded = load_bytes(content, FLEET_FILE)
    diagnostics = [_worded(d) for d in loaded.diagnostics if d.rule != "site-empty"]
    if loaded.data is None:  # an empty file is an empty fleet
        return Shared(diagnostics=tuple(diagnostics))
    data = _marked(loaded.data, FLEET_FILE)
    from compiler.validate import validate_shared  # only a run with a new fleet.yaml

    diagnostics += validate_shared(data, FLEET_FILE)
    if has_errors(diagnostics):
        return Shared(diagnostics=tuple(diagnostics))
    return Shared(content, tuple(diagnostics), _digests(data))


@functools.lru_cache(maxsize=2)
def parsed(content: bytes) -> LocatedDict:
    """fleet.yaml's data, parsed once per process (the bytes were found valid)."""
    loaded = load_bytes(content, FLEET_FILE)
    assert loaded.data is not None, "only a valid fleet.yaml is parsed here"
    return _marked(loaded.data, FLEET_FILE)


def _worded(diagnostic: Diagnostic) -> Diagnostic:
    if diagnostic.rule != "site-not-mapping":
        return diagnostic
    return Diagnostic(diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.severity,
                      "fleet-not-mapping", "", "the top level must be a mapping of "
                      "'providers:', 'sites:' and 'profiles:'")


@dataclass(frozen=True)
class Merged:
    data: LocatedDict | None  # None: a reference could not be resolved
    diagnostics: tuple[Diagnostic, ...]
    parts: tuple[str, ...]  # the parts of fleet.yaml the site took, for the cache


def merge(site: LocatedDict, shared: Shared | None, display: str) -> Merged:
    """The site with its profile, the fleet's defaults and its named providers merged in."""
    fleet = shared.data if shared is not None else None
    parts = [SITES_PART]
    problems: list[Diagnostic] = []
    layers: list[Any] = [fleet.get("sites") if fleet is not None else None]
    profile = site.get("profile")
    if isinstance(profile, str):  # anything else: the schema says what is wrong
        parts.append(f"profile:{profile}")
        profiles = fleet.get("profiles", {}) if fleet is not None else {}
        if profile in profiles:
            layers.append(profiles[profile])
        else:
            problems.append(_error(site.value_locs["profile"], display, "profile-unknown",
                                   "profile", _unknown("profile", profile, profiles, fleet)))
    data: Any = site
    for layer in reversed(layers):
        if isinstance(layer, LocatedDict):
            data = _over(layer, data)
    providers = data.get("providers")
    if isinstance(providers, LocatedList) and any(isinstance(p, str) for p in providers):
        providers, found = _named(providers, fleet, display, parts)
        problems += found
        data = _with(data, "providers", providers)
    if data is not site:
        data.has_float = getattr(site, "has_float", True) or (
            fleet is not None and getattr(fleet, "has_float", True))
    return Merged(None if problems else data, tuple(problems), tuple(sorted(set(parts))))


def _named(providers: LocatedList, fleet: LocatedDict | None, display: str,
           parts: list[str]) -> tuple[LocatedList, list[Diagnostic]]:
    """The provider list with each name replaced by the fleet's provider of that name."""
    shared = {p["name"]: p for p in (fleet.get("providers", []) if fleet is not None else [])}
    resolved = LocatedList()
    resolved.loc, resolved.item_locs = providers.loc, list(providers.item_locs)
    problems = []
    for index, (item, loc) in enumerate(zip(providers, providers.item_locs)):
        if isinstance(item, str):
            parts.append(f"provider:{item}")
            if item not in shared:
                problems.append(_error(loc, display, "provider-unknown",
                                       f"providers[{index}]",
                                       _unknown("provider", item, shared, fleet)))
            item = shared.get(item, item)
        resolved.append(item)
    return resolved, problems


def _unknown(kind: str, name: str, known: Mapping[str, Any], fleet: LocatedDict | None) -> str:
    if fleet is None:
        return (f"no {kind} is named '{clip(name)}': there is no {FLEET_FILE} beside "
                f"sites/ to define it")
    names = ", ".join(clip(n) for n in sorted(known)) or "none"
    return f"no {kind} is named '{clip(name)}' in {FLEET_FILE} (its {kind}s: {names})"


def _error(loc: Loc, display: str, rule: str, path: str, message: str) -> Diagnostic:
    file = display
    if loc.file is not None and loc.file != display:
        file, message = loc.file, f"{message} (used by {display})"
    return Diagnostic(file, loc.line, loc.column, Severity.ERROR, rule, path, message)


def _over(base: LocatedDict, top: LocatedDict) -> LocatedDict:
    """`top` over `base`: top's keys first, in its order, then base's others; a mapping in
    both is merged the same way, anything else is top's."""
    merged = LocatedDict()
    merged.loc = top.loc
    merged.key_locs, merged.value_locs = {}, {}
    for source in (top, base):
        for key, value in source.items():
            if key in merged:
                continue
            if source is top and isinstance(value, LocatedDict) and isinstance(
                    base.get(key), LocatedDict):
                value = _over(base[key], value)
            merged[key] = value
            merged.key_locs[key] = source.key_locs[key]
            merged.value_locs[key] = source.value_locs[key]
    return merged


def _with(data: LocatedDict, key: str, value: Any) -> LocatedDict:
    """A copy of the mapping with one value replaced, at the same place."""
    copy = LocatedDict(data)
    copy.loc, copy.key_locs, copy.value_locs = data.loc, data.key_locs, data.value_locs
    copy[key] = value
    return copy


def _marked(value: Any, file: str) -> Any:
    """The loaded data with every place marked as `file`'s (in place: it is new)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, LocatedDict):
            node.loc = node.loc._replace(file=file)
            node.key_locs = {k: loc._replace(file=file) for k, loc in node.key_locs.items()}
            node.value_locs = {k: loc._replace(file=file) for k, loc in node.value_locs.items()}
            stack.extend(node.values())
        elif isinstance(node, LocatedList):
            node.loc = node.loc._replace(file=file)
            node.item_locs = [loc._replace(file=file) for loc in node.item_locs]
            stack.extend(node)
    return value


def _digests(fleet: LocatedDict) -> dict[str, str]:
    """Each part's digest: its values and their places (a diagnostic names the line)."""
    digests = {}
    if isinstance(fleet.get("sites"), LocatedDict) and fleet["sites"]:
        digests[SITES_PART] = _digest(fleet["sites"])
    for name, profile in fleet.get("profiles", {}).items():
        digests[f"profile:{name}"] = _digest(profile)
    for provider in fleet.get("providers", []):
        digests[f"provider:{provider['name']}"] = _digest(provider)
    return digests


def _digest(value: Any) -> str:
    return hashlib.sha256(repr(_canonical(value)).encode()).hexdigest()


def _canonical(node: Any) -> Any:
    """The value with its places, as plain tuples (fleet.yaml nests at most MAX_DEPTH)."""
    if isinstance(node, LocatedDict):
        return ("{", tuple((key, tuple(node.key_locs[key]), tuple(node.value_locs[key]),
                            _canonical(item)) for key, item in node.items()))
    if isinstance(node, LocatedList):
        return ("[", tuple((tuple(loc), _canonical(item))
                           for loc, item in zip(node.item_locs, node)))
    return (type(node).__name__, node)
