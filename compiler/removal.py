"""Sites removed: a build/<site>/ whose state names a site that no site file defines any
more. Its DM is no longer provisioned; the plan says so, with its handset count, and a
build deletes build/<site>/ only with --force, like any mass deregistration. Anything
else under build/ that belongs to no site is `check`'s to report, never deleted.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from compiler.diagnostics import Diagnostic, Severity
from compiler.model import Site
from compiler.paths import BUILD_DIR, STATE_FILE, SourceFile
from compiler.plan import Change, ChangeKind, Options, Revision, SitePlan
from compiler.state import State, load_state

RULE = "site-removed"


def removed_sites(root: Path, sources: Sequence[SourceFile],
                  options: Options) -> tuple[SitePlan, ...]:
    """A plan for each site whose build is all that is left of it, in name order: one
    change (`site-removed`), refused unless --force."""
    try:
        entries = sorted(os.scandir(os.path.join(root, BUILD_DIR)), key=lambda e: e.name)
    except OSError:
        return ()
    names = {source.stem for source in sources}
    plans = []
    for entry in entries:
        if entry.name in names or not entry.is_dir(follow_symlinks=False):
            continue
        state = _state(Path(entry.path), entry.name)
        if state is not None:
            plans.append(_plan(state, options))
    return tuple(plans)


def _state(directory: Path, name: str) -> State | None:
    """The state of a removed site's build, when it is one: readable, and of that site."""
    try:
        read = load_state(directory / STATE_FILE, f"{BUILD_DIR}/{name}/{STATE_FILE}")
    except FileNotFoundError:
        return None
    state = read.state
    return state if state is not None and state.site == name else None


def _plan(state: State, options: Options) -> SitePlan:
    shown = f"{BUILD_DIR}/{state.site}/{STATE_FILE}"
    site = Site(name=state.site, model=state.model, mac=state.mac, profile_name="",
                firmware=None, timezone="UTC", providers=(), window=None, pin=None,
                handsets=(), extra=(), deregistration_threshold=0.0, source=shown)
    handsets = sum(1 for record in state.slots if record.in_use and record.ipui is not None)
    change = Change(None, ChangeKind.SITE_REMOVED, fields=(str(handsets),),
                    refused=not options.force)
    diagnostics = () if options.force else (Diagnostic(
        shown, None, None, Severity.ERROR, RULE, "",
        f"site '{state.site}' has no site file any more: the {state.model} with MAC "
        f"{state.mac} and its {handsets} handset{'' if handsets == 1 else 's'} are no longer "
        "provisioned. If that DM is retired, build with --force, which deletes "
        f"{BUILD_DIR}/{state.site}/; if not, restore sites/{state.site}.yaml"),)
    return SitePlan(site, state, (), (change,), diagnostics,
                    Revision(state.revision, state.stamp), content_changed=True,
                    allowed=("site-removed",) if options.force else ())


def delete(root: Path, plans: Sequence[SitePlan]) -> tuple[tuple[Path, ...], str | None]:
    """Delete the builds of removed sites: the files directly in build/<site>/ (a link is
    removed, never followed), then the folder. The paths deleted, and what failed."""
    deleted = []
    for plan in plans:
        directory = root / BUILD_DIR / plan.site.name
        try:
            for entry in sorted(os.scandir(directory), key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False):
                    return tuple(deleted), f"{BUILD_DIR}/{plan.site.name}/{entry.name} is a " \
                        "folder; dectprov deletes only the files it wrote: remove it by hand"
                os.unlink(entry.path)
                deleted.append(Path(entry.path))
            directory.rmdir()
        except OSError as err:
            return tuple(deleted), f"cannot delete {BUILD_DIR}/{plan.site.name}/: " \
                f"{err.strerror or err}"
    return tuple(deleted), None
