"""Import: an existing provisioning file becomes a site. The target that reads its family's
files back maps the file's items to site data; this module names the site and its secrets,
pins the slots the compiler would not give by itself, and prepares what a first build would
have left: the site file, the secrets, and build/<site>/ with the XML and a state whose
slots are the file's. The first plan after an import therefore shows no change.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from compiler.diagnostics import Diagnostic, Severity, has_errors, sorted_diagnostics
from compiler.emit import quoted, site_yaml
from compiler.files import read_plain
from compiler.load import locate_key
from compiler.model import SECRET_SETTINGS, Provider, Site, build_site
from compiler.paths import BUILD_DIR, FLEET_FILE, SITES_DIR, shown
from compiler.plan import Revision, SitePlan, SlotAssignment, assign_slots, new_state, next_revision
from compiler.publish import password_problem
from compiler.secrets import PLACEHOLDER, SECRETS_FILE, environment_name, load_store
from compiler.shared import Shared, read_shared
from compiler.state import state_path, to_json
from compiler.targets import Mapped, Target, importing_target
from compiler.text import clip
from compiler.validate import validate_site
from compiler.write import write_together

if TYPE_CHECKING:
    from compiler.load import LocatedDict

SITE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
SECRETS_MODE = 0o600
SECRETS_HEADER = ("# dectprov secrets: NAME: value, one a line. Keep this file out of git "
                  "(the shipped .gitignore lists it).\n")


@dataclass(frozen=True)
class FileOutput:
    path: Path
    display: str
    content: bytes
    mode: int = 0o644
    note: str = ""  # what the CLI says beside the file's name; never a value


@dataclass
class Prepared:
    outputs: list[FileOutput] = field(default_factory=list)  # in the order they are written
    diagnostics: list[Diagnostic] = field(default_factory=list)
    site: dict[str, Any] | None = None  # the site data the site file is written from

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


@dataclass(frozen=True)
class Request:
    file: Path
    root: Path
    site: str | None = None
    out: Path | None = None
    secrets: Path | None = None
    provider: str | None = None  # the PBX's domain, for a file that sets no provider profile
    profile: str | None = None  # a profile of fleet.yaml the site takes


def prepare(request: Request, now: datetime) -> Prepared:
    """Everything an import writes, or the reasons it writes nothing."""
    display = request.file.as_posix()
    target, read_file = importing_target()
    shared = read_shared(request.root, _not_known)
    read = read_file(request.file, display, request.provider)
    mapped = read.mapped
    if mapped is None:
        return _refusal([*read.diagnostics, *shared.diagnostics])  # errors only
    # fleet.yaml's errors, not its warnings: they are the plan's to say.
    fleet = [d for d in shared.diagnostics if d.is_error] + _profile_problems(request, shared)
    diagnostics = list(read.diagnostics)
    name = request.site or mapped.header_site
    if name is None:
        return _refusal(diagnostics + fleet + [_option(
            "--site", "import-site", "the file does not name its site (dectprov did not "
            "write it); name it with --site NAME")])
    if not SITE_NAME.fullmatch(name):
        return Prepared(diagnostics=[_option(
            "--site", "import-site", f"'{name[:63]}' is not a site name: lower-case letters, "
            "digits and '-', starting with a letter or digit, at most 63 characters")])
    paths = _Paths.of(request, name)
    site_data, secrets, password_problems = _site_data(name, read.model, mapped, target,
                                                       display, _kept_secrets(paths))
    diagnostics += password_problems
    diagnostics += _validated(site_data, mapped, display, exact=has_errors(diagnostics),
                              given_provider=request.provider is not None)
    diagnostics += fleet
    if has_errors(diagnostics):
        return _refusal(diagnostics)
    site_data = _pin_slots(site_data, mapped, target.database_slots)
    source = paths.shown(paths.out)
    revision = _revision(build_site(site_data, source), mapped, target, now)
    fleeted = _against_fleet(site_data, shared, request.profile,
                             _Device(mapped, target, revision, source))
    if fleeted.problems:
        return _refusal(diagnostics + fleeted.problems)
    site_outputs = _site_outputs(fleeted.written, fleeted.built, mapped, target, paths,
                                 revision)
    diagnostics += paths.problems(site_outputs)
    secrets_output, secret_problems = _secrets_output(request.root, paths, secrets)
    diagnostics += secret_problems
    if has_errors(diagnostics):
        return _refusal(diagnostics)
    outputs = [secrets_output] if secrets_output else []
    return Prepared(outputs + site_outputs, sorted_diagnostics(diagnostics), fleeted.written)


def _refusal(diagnostics: Iterable[Diagnostic]) -> Prepared:
    """An import that writes nothing says why, and only that: its warnings tell what the
    files it would have written hold."""
    return Prepared(diagnostics=sorted_diagnostics(d for d in diagnostics if d.is_error))


def write(prepared: Prepared) -> list[FileOutput]:
    """Write every file or none: each staged first, then all renamed into place, the
    secrets first and the site file last, with the stopping signals held."""
    # The site file last: until it is there, a killed import left no site behind.
    site_file = [o for o in prepared.outputs if o.path.suffix == ".yaml"
                 and o.mode != SECRETS_MODE]
    ordered = [o for o in prepared.outputs if o not in site_file] + site_file
    write_together([(o.path, o.content, o.mode) for o in ordered])
    return prepared.outputs


def _option(option: str, rule: str, message: str) -> Diagnostic:
    return Diagnostic(option, None, None, Severity.ERROR, rule, "", message)


# -- site data -----------------------------------------------------------------------------


def _site_data(name: str, model: str, mapped: Mapped, target: Target, display: str,
               kept: frozenset[str] = frozenset(),
               ) -> tuple[dict[str, Any], dict[str, str], list[Diagnostic]]:
    """The site, with each password a secret reference under a name of this site, its
    value for the secrets file. A password that holds a placeholder, `${secret:NAME}`, is
    refused: it is build/'s file, not the device's, and taken as text it would publish the
    placeholder as the password; taken as a reference it could name another site's.
    `kept`: the names the secrets file holds already; a new name never shares the
    environment variable of another one (`acme-a/b` and `acme/a-b`), which would make the
    file one that publish refuses."""
    data: dict[str, Any] = {"site": name, "model": model, **mapped.data}
    if data.get("profile_name") == name:
        del data["profile_name"]
    handsets = [dict(slot.handset) for slot in mapped.slots if slot.handset is not None]
    slots = [slot.slot for slot in mapped.slots if slot.handset is not None]
    used: set[str] = set()
    taken = frozenset(environment_name(other) for other in kept)
    secrets: dict[str, str] = {}
    problems = []

    def secret(value: str, path: str, what: str, problem: str | None, base: str,
               suffix: str) -> dict[str, str]:
        rule = "import-password"
        if PLACEHOLDER.search(value):
            rule, problem = "import-password-placeholder", (
                "is a secret placeholder, '${secret:...}', not a password: the file is one "
                "build/ holds; import the file publish wrote, with the values")
        if problem is not None:  # said without the value, as publish says it
            origin = mapped.where[path]
            problems.append(Diagnostic(display, origin.line, origin.column, Severity.ERROR,
                                       rule, origin.id, f"{what}: the password {problem}"))
        secret_name = _unique(f"{name}/{base}", suffix, used, kept, taken)
        secrets[secret_name] = value
        return {"secret": secret_name}

    # The site's own secrets take their names first: a login cannot take them.
    admin = data.get("admin_password")
    if isinstance(admin, str):
        data["admin_password"] = secret(admin, "admin_password", "the web UI",
                                        password_problem(target, admin, "admin_password"),
                                        "admin", "-site")
    for position, (handset, slot) in enumerate(zip(handsets, slots)):
        password = handset["password"]
        if not password:  # an empty password is no secret: it stays as it is
            continue
        handset["password"] = secret(
            password, f"handsets[{position}].password", f"slot {slot}",
            password_problem(target, password), readable(handset["login"]) or f"slot{slot}",
            f"-slot{slot}")
    if handsets:
        data["handsets"] = handsets
    problems += _setting_secrets(data, mapped, target, display, used, secrets)
    return data, secrets, problems


_PLACEHOLDER_PROBLEM = ("is a secret placeholder, '${secret:...}', not a password: the file "
                        "is one build/ holds; import the file publish wrote, with the values")


def _setting_secrets(data: dict[str, Any], mapped: Mapped, target: Target, display: str,
                     used: set[str], secrets: dict[str, str]) -> list[Diagnostic]:
    """The site settings' passwords (the admin password, a directory's), as secret
    references `<site>/admin` and `<site>/directory`, checked as the handsets' are."""
    problems = []
    for path in SECRET_SETTINGS:
        parent = data
        for key in path[:-1]:
            parent = parent.get(key, {})
        value = parent.get(path[-1])
        if not isinstance(value, str):
            continue
        shown = ".".join(path)
        rule, problem = "import-password", password_problem(target, value, shown)
        if PLACEHOLDER.search(value):
            rule, problem = "import-password-placeholder", _PLACEHOLDER_PROBLEM
        if problem is not None:
            origin = mapped.where.get(shown) or mapped.where[path[0]]
            problems.append(Diagnostic(display, origin.line, origin.column, Severity.ERROR,
                                       rule, origin.id,
                                       f"the {shown.replace('_', ' ')} {problem}"))
        name = f"{data['site']}/{'admin' if path == ('admin_password',) else path[0]}"
        while environment_name(name) in used:
            name += "-setting"
        used.add(environment_name(name))
        parent[path[-1]] = {"secret": name}
        secrets[name] = value
    return problems


def readable(login: str) -> str:
    """A login in the characters a secret name may have, still readable: lower case,
    letters without their accents, `+` as `plus`, `@` as `-at-`, and any other run of
    characters (`:`, spaces, `/` ...) as one `-`. `+4989123450` is `plus4989123450`,
    `sip:1013@pbx.example.net` is `sip-1013-at-pbx.example.net`."""
    text = "".join(c for c in unicodedata.normalize("NFKD", login)
                   if not unicodedata.combining(c)).lower()
    text = text.replace("+", "plus").replace("@", "-at-")
    text = re.sub(r"[^a-z0-9._-]+", "-", text)
    return re.sub(r"[._-]{2,}", "-", text).strip("._-")


def _unique(base: str, suffix: str, used: set[str], kept: frozenset[str] = frozenset(),
            taken: frozenset[str] = frozenset()) -> str:
    """`base`, unless a name before it reads the same environment variable (logins that
    differ only in case or punctuation, or a name of the secrets file): then `base` with
    the suffix, which names the slot, and stays the same as long as the slot does. A name
    the secrets file holds itself is this import's own, run again (or a conflict of
    values, which the secrets file's check reports). `taken`: the environment variables
    of `kept`."""
    name, count = base, 1
    while environment_name(name) in used or (environment_name(name) in taken
                                             and name not in kept):
        count += 1
        name = f"{base}{suffix}" if count == 2 else f"{base}{suffix}-{count - 1}"
    used.add(environment_name(name))
    return name


# -- the site format's rules ---------------------------------------------------------------


def _validated(data: dict[str, Any], mapped: Mapped, display: str, exact: bool,
               given_provider: bool = False) -> list[Diagnostic]:
    """The site format's own rules, each reported at the item its value came from, as
    `import-<rule>`. When the file has errors already, the data is partial: then only what
    points at an item is reported."""
    found = []
    for diagnostic in validate_site(data, display, data["site"]).diagnostics:
        rule = f"import-{diagnostic.rule}"
        if diagnostic.path == "site":  # the name given with --site
            found.append(_option("--site", rule, diagnostic.message))
            continue
        if given_provider and diagnostic.path.startswith("providers[0]"):
            found.append(_option("--provider", rule, diagnostic.message))
            continue
        origin = mapped.where.get(diagnostic.path) if diagnostic.path else None
        if origin is None and exact:
            continue
        at = origin or mapped.where.get("")
        found.append(Diagnostic(display, at.line if at else None, at.column if at else None,
                                diagnostic.severity, rule,
                                origin.id if origin else diagnostic.path, diagnostic.message))
    return found


def _pin_slots(data: dict[str, Any], mapped: Mapped, slots: int | None) -> dict[str, Any]:
    """The site data with `slot:` pinned where the compiler's own rules, on a site without
    state, would not give the file's slot: ask assign_slots, and pin the first entry it
    places elsewhere, until it places them all where the file has them. `slots`: the
    target's database slots."""
    assert slots is not None, "the families that import keep handsets in database slots"
    wanted = [slot.slot for slot in mapped.slots if slot.handset is not None]
    handsets = [dict(handset) for handset in data.get("handsets", [])]
    pinned = {**data, "handsets": handsets} if "handsets" in data else dict(data)
    while True:
        site = build_site(pinned, "")
        given = {handset.position: slot for slot, handset in
                 assign_slots(site, None, slots).items()}
        wrong = next((i for i, slot in enumerate(wanted) if given[i] != slot), None)
        if wrong is None:
            return pinned
        handsets[wrong]["slot"] = wanted[wrong]


# -- fleet.yaml ------------------------------------------------------------------------------


def _not_known(_digest: str) -> None:
    """An import knows no fleet.yaml from before: it reads and checks the file in full."""
    return None


def _profile_problems(request: Request, shared: Shared) -> list[Diagnostic]:
    """--profile names a profile of a valid fleet.yaml."""
    name = request.profile
    if name is None or not shared.ok:
        return []
    fleet = shared.data
    profiles = fleet.get("profiles", {}) if fleet is not None else {}
    if name in profiles:
        return []
    if fleet is None:
        why = f"there is no {FLEET_FILE} beside sites/ to define it"
    else:
        why = f"its profiles: {', '.join(clip(n) for n in sorted(profiles)) or 'none'}"
    return [_option("--profile", "import-profile",
                    f"no profile is named '{clip(name)}' in {FLEET_FILE} ({why})")]


@dataclass(frozen=True)
class _Device:
    """The imported file, to compare the file a build would write with."""

    mapped: Mapped
    target: Target
    revision: Revision
    source: str  # the site file, as a build names it

    def render(self, site: Site) -> bytes:
        return self.target.render(site, _slot_table(site, self.mapped), self.revision)


@dataclass(frozen=True)
class _Fleeted:
    written: dict[str, Any]  # the site file's data
    built: Site  # the site a build makes of it
    problems: list[Diagnostic] = field(default_factory=list)


Edit = Callable[[dict[str, Any]], dict[str, Any]]


def _against_fleet(whole: dict[str, Any], shared: Shared, profile: str | None,
                   device: _Device) -> _Fleeted:
    """The site file's data when fleet.yaml gives the site part of it: a fleet provider
    named where the file's provider is that provider, and no key that `sites:` (or the
    profile) gives already. With fleet.yaml, a build makes of it the site it makes of the
    whole data, and that site's file must be the imported one."""
    built = build_site(whole, device.source)
    if shared.data is None:
        return _Fleeted(whole, built)
    start = {**whole, "profile": profile} if profile is not None else whole
    expected, problems = _through_fleet(start, shared, device.source)
    if expected is None:
        return _Fleeted(whole, built, problems)
    if device.render(expected) != device.render(built):
        return _Fleeted(whole, built, _fleet_changes(whole, shared, profile, device))
    written = _reduced(start, _edits(start, shared.data, profile),
                       functools.partial(_same, shared, expected, device))
    final = _through_fleet(written, shared, device.source)[0]
    assert final is not None, "the data was tried"
    return _Fleeted(written, final)


def _same(shared: Shared, expected: Site, device: _Device, data: dict[str, Any]) -> bool:
    """A build with fleet.yaml makes of `data` the expected site: the same file for the
    device, and the same site but where a fleet provider spells out what the file's
    provider leaves to the model's default (`transport: udp`)."""
    site = _through_fleet(data, shared, device.source)[0]
    return (site is not None and replace(site, providers=()) == replace(expected, providers=())
            and len(site.providers) == len(expected.providers)
            and all(_spelled_out(*pair) for pair in zip(site.providers, expected.providers))
            and device.render(site) == device.render(expected))


def _spelled_out(provider: Provider, own: Provider) -> bool:
    """`provider` is `own`, but for fields `own` leaves to the default (None)."""
    return all(getattr(own, name) in (None, getattr(provider, name))
               for name in (f.name for f in fields(own)))


def _through_fleet(data: dict[str, Any], shared: Shared, source: str,
                   ) -> tuple[Site | None, list[Diagnostic]]:
    """The site a build makes of the site file written from `data`, with fleet.yaml:
    loaded back from its bytes, merged, validated; its errors otherwise."""
    from compiler.load import load_bytes
    from compiler.merge import merge

    loaded = load_bytes(site_yaml(data).encode("utf-8"), source)
    assert loaded.data is not None, "the site file loads back to the data it is written from"
    merged = merge(loaded.data, shared, source)
    if merged.data is None:
        return None, list(merged.diagnostics)
    errors = [d for d in validate_site(merged.data, source, data["site"]).diagnostics
              if d.is_error]
    if errors:
        return None, errors
    return build_site(_plain(merged.data), source), []


def _edits(start: dict[str, Any], fleet: LocatedDict, profile: str | None) -> list[Edit]:
    """What may be left to fleet.yaml, each tried in this order: the providers it defines,
    by name, then each key its defaults give."""
    named = {provider["name"] for provider in fleet.get("providers", [])}
    edits: list[Edit] = [functools.partial(_name_provider, index)
                         for index, provider in enumerate(start.get("providers", []))
                         if isinstance(provider, dict) and provider.get("name") in named]
    defaults = _defaults(fleet, profile)
    edits += [functools.partial(_leave_out, key, given) for key, given in defaults.items()
              if key in start]
    return edits


def _reduced(start: dict[str, Any], edits: list[Edit],
             same: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """`start` with every edit after which a build still makes the same site: all of them
    at once when that holds (the usual case), else one by one."""
    if not edits:
        return start
    everything = functools.reduce(lambda data, edit: edit(data), edits, start)
    if same(everything):
        return everything
    data = start
    for edit in edits:
        candidate = edit(data)
        if candidate != data and same(candidate):
            data = candidate
    return data


def _name_provider(index: int, data: dict[str, Any]) -> dict[str, Any]:
    providers = list(data["providers"])
    providers[index] = providers[index]["name"]
    return {**data, "providers": providers}


_GIVEN = object()  # all of a value is what fleet.yaml gives


def _leave_out(key: str, given: Any, data: dict[str, Any]) -> dict[str, Any]:
    if key not in data:
        return data
    rest = _without(data[key], given)
    if rest is _GIVEN:
        return {k: v for k, v in data.items() if k != key}
    return {**data, key: rest}


def _without(value: Any, given: Any) -> Any:
    """`value` without what `given` gives exactly: _GIVEN when that is all of it; mappings
    key by key, anything else (a list too) only whole."""
    if value == given:
        return _GIVEN
    if not (isinstance(value, dict) and isinstance(given, dict)):
        return value
    rest = {}
    for key, item in value.items():
        left = _without(item, given[key]) if key in given else item
        if left is not _GIVEN:
            rest[key] = left
    return rest or value  # an empty mapping would take all of `given`, more than it holds


def _defaults(fleet: LocatedDict, profile: str | None) -> dict[str, Any]:
    """What fleet.yaml gives a site of this profile: the profile over `sites:`."""
    layers = [fleet.get("sites") or {}]
    if profile is not None:
        layers.append(fleet.get("profiles", {}).get(profile) or {})
    given: dict[str, Any] = {}
    for layer in layers:
        given = _over(layer, given)
    return given


def _over(top: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """As merge.py merges: mappings key by key, anything else is top's."""
    merged = dict(base)
    for key, value in top.items():
        below = base.get(key)
        merged[key] = (_over(value, below) if isinstance(value, dict) and isinstance(below, dict)
                       else value)
    return merged


def _fleet_changes(whole: dict[str, Any], shared: Shared, profile: str | None,
                   device: _Device) -> list[Diagnostic]:
    """Why the site cannot take what fleet.yaml gives it: each value the file does not set
    that, taken alone, changes the file a build writes; said at its place in fleet.yaml."""
    fleet = shared.data
    assert fleet is not None
    imported = device.render(build_site(whole, device.source))
    defaults = _defaults(fleet, profile)
    found = []
    for path in _absent(defaults, whole):
        data = _put(whole, path, _at(defaults, path))
        if not has_errors(validate_site(data, device.source, whole["site"]).diagnostics) and (
                device.render(build_site(data, device.source)) == imported):
            continue
        found.append(_fleet_change(fleet, profile, path, whole["site"]))
    return found or [_fleet_change(fleet, profile, (), whole["site"])]


def _fleet_change(fleet: LocatedDict, profile: str | None, path: tuple[str, ...],
                  site: str) -> Diagnostic:
    in_profile = profile is not None and _at(fleet["profiles"][profile], path) is not None
    where = ("profiles", profile) if in_profile else ("sites",)
    loc = locate_key(fleet, (*where, *path)) if path else locate_key(fleet, where[-1:])
    part = f"profile '{profile}'" if in_profile else "'sites:'"
    remedy = ("import with another --profile, or none" if in_profile else
              "move it from 'sites:' into a profile the other sites take, and import again")
    subject = "this" if path else "its defaults"
    return Diagnostic(FLEET_FILE, loc.line if loc else None, loc.column if loc else None,
                      Severity.ERROR, "import-fleet-default", ".".join(path),
                      f"{part} gives {subject} to site '{site}', and the imported file does "
                      f"not set it: the site would take it, and its first build would change "
                      f"the device's file; {remedy}")


def _absent(given: dict[str, Any], data: dict[str, Any],
            prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of `given` that `data` does not set, mappings key by key."""
    found = []
    for key, value in given.items():
        if key not in data:
            found.append((*prefix, key))
        elif isinstance(value, dict) and isinstance(data[key], dict):
            found += _absent(value, data[key], (*prefix, key))
    return found


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `data` with `value` at `path`."""
    head, *rest = path
    inner = data.get(head) if isinstance(data.get(head), dict) else {}
    return {**data, head: _put(inner, tuple(rest), value) if rest else _plain(value)}


def _plain(value: Any) -> Any:
    """Loaded data as plain mappings and lists, without places."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# -- where it goes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Paths:
    root: Path
    site: str
    out: Path  # the site file
    secrets: Path
    build: Path  # build/<site>/

    @classmethod
    def of(cls, request: Request, site: str) -> _Paths:
        root = request.root
        return cls(root, site, request.out or root / SITES_DIR / f"{site}.yaml",
                   request.secrets or root / SECRETS_FILE, root / BUILD_DIR / site)

    def shown(self, path: Path) -> str:
        """Relative to the root, as build names files; else as given."""
        return shown(self.root, path)

    def problems(self, outputs: list[FileOutput]) -> list[Diagnostic]:
        """What stands in the way. A file that already holds exactly what this import
        writes does not: an import stopped by a kill between its renames is run again."""
        same = {output.path for output in outputs if _holds(output)}
        found = []
        if self.out.name != f"{self.site}.yaml":
            found.append(_option("--out", "import-out", f"the file of site '{self.site}' must "
                                 f"be named {self.site}.yaml: a site's name is its file's name"))
        if os.path.lexists(self.out) and self.out not in same:
            found.append(self._error(self.out, "import-exists", "the file exists; import "
                                     "writes a new site and overwrites nothing"))
        for path in (self.root / BUILD_DIR, self.build):
            if path.is_symlink():
                found.append(self._error(path, "import-build-symlink", "is a symlink; "
                                         "dectprov writes only into real directories under "
                                         "the root"))
                return found
        if os.path.lexists(self.build) and (not self.build.is_dir() or any(
                path not in same for path in self.build.iterdir())):
            found.append(self._error(self.build, "import-exists", "already holds a build: its "
                                     "state says what the device holds, and an import would "
                                     "replace it; delete it first if the site is new here"))
        return found

    def _error(self, path: Path, rule: str, message: str) -> Diagnostic:
        return Diagnostic(self.shown(path), None, None, Severity.ERROR, rule, "", message)


def _kept_secrets(paths: _Paths) -> frozenset[str]:
    """The names the secrets file holds, if it is there and readable (its problems are
    reported when it is written to)."""
    if not os.path.lexists(paths.secrets):
        return frozenset()
    store, problems = load_store(paths.root, paths.secrets)
    return frozenset() if problems else frozenset(store.file_values)


def _secrets_output(root: Path, paths: _Paths, secrets: dict[str, str],
                    ) -> tuple[FileOutput | None, list[Diagnostic]]:
    """The secrets file with the new values added after what it holds; a name it already
    holds with another value is an error that names the name, never a value."""
    if not secrets:
        return None, []
    display = paths.shown(paths.secrets)
    existing: dict[str, str] = {}
    places: dict[str, tuple[int, int]] = {}
    text = ""
    if os.path.lexists(paths.secrets):
        store, problems = load_store(root, paths.secrets)
        if problems:
            return None, problems
        existing, places = store.file_values, store.places
        text = paths.secrets.read_text(encoding="utf-8")
    problems = [Diagnostic(display, *places[name], Severity.ERROR, "import-secret-conflict",
                           "", f"secret '{name}' is already set here, to another value than "
                           "the file's password; remove it, or import with --secrets another "
                           "file") for name in sorted(secrets)
                if name in existing and existing[name] != secrets[name]]
    added = {name: value for name, value in secrets.items() if name not in existing}
    if problems or not added:
        return None, problems
    if text and not text.endswith("\n"):
        text += "\n"
    lines = "".join(f"{quoted(name)}: {quoted(value)}\n" for name, value in added.items())
    if not _reads_as(text + lines, {**existing, **added}):
        # Not a block mapping one can add lines to (`{}`, flow style): written anew.
        text = SECRETS_HEADER + "".join(f"{quoted(name)}: {quoted(value)}\n"
                                        for name, value in existing.items())
    text = (text or SECRETS_HEADER) + lines
    note = f"{len(added)} secret{'s' if len(added) != 1 else ''} added"
    return FileOutput(paths.secrets, display, text.encode("utf-8"), SECRETS_MODE, note), []


def _holds(output: FileOutput) -> bool:
    """The file is there, a plain file, with exactly these bytes."""
    try:
        return read_plain(output.path, len(output.content)) == output.content
    except OSError:
        return False


def _reads_as(text: str, values: dict[str, str]) -> bool:
    try:
        return bool(yaml.safe_load(text) == values)
    except yaml.YAMLError:
        return False


def _revision(site: Site, mapped: Mapped, target: Target, now: datetime) -> Revision:
    """The file's revision and stamp, or a first build's."""
    stamp = mapped.stamp or next_revision(site, None, now, target.stamp_format).stamp
    return Revision(mapped.revision or 1, stamp)


def _site_outputs(data: dict[str, Any], site: Site, mapped: Mapped, target: Target,
                  paths: _Paths, revision: Revision) -> list[FileOutput]:
    """The site file, written from `data`, and build/<site>/ as a build of it against this
    file would leave it (`site`: the site a build makes of it, with fleet.yaml): the XML
    the compiler renders, and a state whose slots are the file's."""
    source = paths.shown(paths.out)
    slots = _slot_table(site, mapped)
    content = target.render(site, slots, revision)
    file_name = target.file_name(site)
    plan = SitePlan(site, None, slots, (), (), revision, content_changed=True)
    state = to_json(new_state(plan, file_name, hashlib.sha256(content).hexdigest()))
    xml_path, state_file = paths.build / file_name, state_path(paths.build)
    return [FileOutput(paths.out, source, site_yaml(data).encode("utf-8")),
            FileOutput(xml_path, paths.shown(xml_path), content),
            FileOutput(state_file, paths.shown(state_file), state)]


def _slot_table(site: Site, mapped: Mapped) -> tuple[SlotAssignment, ...]:
    """The file's slots: its handsets in order, its freed slots, and the IPUIs its zero
    handset codes deregister (named only in the comments of a file dectprov wrote)."""
    handsets = iter(site.handsets)
    return tuple(SlotAssignment(slot.slot, next(handsets) if slot.handset else None,
                                slot.released, None) for slot in mapped.slots)
