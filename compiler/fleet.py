"""The fleet pass: what needs every site's result at once. No two site files define one
site, share one DM's MAC or claim one IPUI; a handset that leaves one site and registers
in another is named as a move between sites. It returns new results, never patches old
ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Severity, has_errors, sorted_diagnostics
from compiler.paths import SITES_DIR, SourceFile
from compiler.plan import SitePlan, cross_site_moves
from compiler.site import SiteResult

if TYPE_CHECKING:
    from compiler.validate import Identity

Places = Callable[[SiteResult], Sequence["Identity"]]  # where a file claims its IPUIs


@dataclass(frozen=True)
class Fleet:
    results: tuple[SiteResult, ...]  # every site file's, in file order
    diagnostics: tuple[Diagnostic, ...]  # the files' and the fleet's, sorted; not the plans'
    disjoint: bool = True  # no IPUI is claimed by two files

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    @property
    def planned(self) -> tuple[SiteResult, ...]:
        """The results that are planned, when every file is valid; none otherwise."""
        if not self.ok:
            return ()
        return tuple(result for result in self.results if result.plan is not None)

    @property
    def plans(self) -> tuple[SitePlan, ...]:
        """The plans of `planned`, in file order."""
        return tuple(result.plan for result in self.planned if result.plan is not None)


def settle(sources: Sequence[SourceFile], results: Sequence[SiteResult], places: Places,
           disjoint: frozenset[str] = frozenset()) -> Fleet:
    """The fleet's checks over the results of `sources` (those that stay inside the root,
    in order); `places` finds where a file claims its IPUIs (asked only when one is
    claimed twice). The site files in
    `disjoint` are known to claim no IPUI in common (a fleet checked before)."""
    found = _file_problems(sources) + _site_names(results) + _shared_macs(results)
    found += [d for result in results for d in result.diagnostics]
    duplicated = _claimed_twice(results, disjoint)
    if duplicated:
        from compiler.validate import validate_fleet

        claims = [identity for result in results if _holds_any(result.claims, duplicated)
                  for identity in places(result) if identity.ipui.code in duplicated]
        found += validate_fleet(claims)
    if has_errors(found):
        return Fleet(tuple(results), tuple(sorted_diagnostics(found)), disjoint=not duplicated)
    return Fleet(_moves(tuple(results)), tuple(sorted_diagnostics(found)))


def _file_problems(sources: Sequence[SourceFile]) -> list[Diagnostic]:
    if not sources:
        return [Diagnostic(f"{SITES_DIR}/", None, None, Severity.ERROR, "no-sites", "",
                           "no site files found (sites/*.yaml under the root); is --root "
                           "right?")]
    return [Diagnostic(source.display, None, None, Severity.ERROR, source.refusal[0], "",
                       source.refusal[1]) for source in sources if source.refusal is not None]


def _site_names(results: Sequence[SiteResult]) -> list[Diagnostic]:
    """One file per site: a second file that defines a site is an error, at its `site:`."""
    first: dict[str, SiteResult] = {}
    found = []
    for result in results:
        if result.name is None or result.site is None:
            continue
        other = first.setdefault(result.name, result)
        if other.source == result.source:
            continue
        assert other.site is not None
        line, column = result.site.name_at or (None, None)
        found.append(Diagnostic(result.source, line, column, Severity.ERROR,
                                "site-duplicate", "site",
                                f"site '{result.name}' is also defined by {other.source}"
                                f"{_at_line(other.site.name_at)}"))
    return found


def _shared_macs(results: Sequence[SiteResult]) -> list[Diagnostic]:
    """One site file per DM: two sites with one MAC would write one provisioning file
    (`<MAC>.xml`, in either case), the second replacing the first device's."""
    first: dict[str, SiteResult] = {}
    found = []
    for result in results:
        site = result.site
        if site is None:
            continue
        other = first.setdefault(site.mac, result)
        if other is result or other.name == site.name:
            continue  # the same site twice is a site-duplicate
        assert other.site is not None
        line, column = site.mac_at or (None, None)
        found.append(Diagnostic(
            result.source, line, column, Severity.ERROR, "mac-duplicate", "mac",
            f"MAC {site.mac} is also the MAC of site '{other.site.name}' "
            f"({other.source}{_at_line(other.site.mac_at)}); one DM has one site file, and "
            "the second would replace the first one's provisioning file"))
    return found


def _at_line(at: tuple[int, int] | None) -> str:
    return f":{at[0]}" if at else ""


def _codes(claims: bytes) -> set[bytes]:
    return {claims[start:start + 5] for start in range(0, len(claims), 5)}


def _claimed_twice(results: Sequence[SiteResult], disjoint: frozenset[str]) -> set[bytes]:
    """The IPUIs that more than one file claims. The files in `disjoint` are known to claim
    no IPUI in common: only the others are searched, each against all (after a one-site
    edit, one site's IPUIs), or, when many changed, every file in one pass."""
    others = [result for result in results if result.source not in disjoint]
    if len(others) > _SEARCH_ONE_BY_ONE:
        return _claimed_twice_in_one_pass(results)
    everything = b"".join(result.claims for result in results)
    duplicated = set()
    for result in others:
        for code in _codes(result.claims):
            first = _find(everything, code)
            if _find(everything, code, first + 5) >= 0:
                duplicated.add(code)
    return duplicated


def _claimed_twice_in_one_pass(results: Sequence[SiteResult]) -> set[bytes]:
    seen: set[bytes] = set()
    duplicated: set[bytes] = set()
    for result in results:
        mine = _codes(result.claims)
        duplicated |= seen & mine
        seen |= mine
    return duplicated


def _holds_any(claims: bytes, codes: set[bytes]) -> bool:
    return any(claims[start:start + 5] in codes for start in range(0, len(claims), 5))


def _find(claims: bytes, code: bytes, start: int = 0) -> int:
    """Where 5-byte codes end to end hold `code` (at a multiple of 5, from `start`), or -1."""
    at = claims.find(code, start)
    while at >= 0 and at % 5:
        at = claims.find(code, at + 1)
    return at


# Up to this many changed files are searched IPUI by IPUI, each a search of the fleet's
# codes; more are answered in one pass over them.
_SEARCH_ONE_BY_ONE = 8


def _moves(results: tuple[SiteResult, ...]) -> tuple[SiteResult, ...]:
    """An IPUI that one site deregisters and another registers: said on the leaving site."""
    plans = [result.plan for result in results if result.plan is not None]
    moves = cross_site_moves(plans)
    if not moves:
        return results
    settled = []
    for result in results:
        mine = tuple(d for d in moves if d.file == result.source)
        if mine and result.plan is not None:
            plan = replace(result.plan, diagnostics=result.plan.diagnostics + mine)
            result = replace(result, plan=plan)
        settled.append(result)
    return tuple(settled)
