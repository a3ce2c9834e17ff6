"""The application API: each command is a function a program can call, as often as it
likes, and get the same answer; plan, check and validate change nothing under the root;
build says what it wrote."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, copy_sites, tree

from compiler import app
from compiler.app import CACHE_ENVIRONMENT, Outcome
from compiler.plan import ChangeKind, Options

NOW = Options(now=datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
LATER = Options(now=datetime(2026, 11, 27, 12, 0, tzinfo=UTC))


def _everything(root: Path) -> dict[str, bytes | None]:
    """Every path under the root, a directory as None: a new empty folder shows too."""
    return {path.relative_to(root).as_posix(): None if path.is_dir() else path.read_bytes()
            for path in sorted(root.rglob("*"))}


@pytest.fixture(params=["cache", "no cache"])
def root(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Path:
    if request.param == "no cache":
        monkeypatch.setenv(CACHE_ENVIRONMENT, "off")
    root = copy_sites(tmp_path / "root")
    assert app.build(root, options=NOW).outcome is Outcome.DONE
    return root


def test_plan_twice_gives_equal_values_and_changes_nothing(root: Path) -> None:
    before = _everything(root)
    first = app.plan(root, options=NOW)
    second = app.plan(root, options=NOW)
    assert first == second
    assert first.ok and not first.changed and not first.refused
    assert [plan.site.name for plan in first.plans] == ["care-home", "clinic-north",
                                                        "vendor-example"]
    assert _everything(root) == before


def test_plan_twice_after_an_edit_deregisters_nothing_the_first_did_not(root: Path) -> None:
    """Once, a second plan of the same checked fleet deregistered every handset of a site
    (the first had taken the model's handsets away). Values are not patched any more."""
    path = root / "sites" / "care-home.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Nurse Station 1", "Nurse Station One"), encoding="utf-8")
    before = _everything(root)
    first, second = app.plan(root, options=LATER), app.plan(root, options=LATER)
    assert first == second
    [care_home] = [plan for plan in first.plans if plan.content_changed]
    assert {change.kind for change in care_home.changes} == {ChangeKind.ACCOUNT}
    assert _everything(root) == before


def test_check_and_validate_change_nothing(root: Path) -> None:
    before = _everything(root)
    assert app.check(root) == app.check(root)
    assert app.check(root).ok and app.check(root).sites == 3
    validated = app.validate(root)
    assert validated == app.validate(root) and validated.ok and validated.sites == 3
    assert _everything(root) == before


def test_build_returns_what_it_wrote(root: Path) -> None:
    path = root / "sites" / "vendor-example.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("N720_1013", "Reception"),
                    encoding="utf-8")
    before = tree(root / "build")
    built = app.build(root, options=LATER)
    after = tree(root / "build")
    assert built.outcome is Outcome.DONE and built.changed == 1
    changed = {name for name in after if before.get(name) != after[name]}
    assert {p.relative_to(root / "build").as_posix() for p in built.written} == changed == {
        "vendor-example/7C2F80CA21E4.xml", "vendor-example/state.json"}
    again = app.build(root, options=LATER)
    assert (again.outcome, again.written, again.changed) == (Outcome.DONE, (), 0)


def test_a_refused_build_says_why_and_writes_nothing(root: Path) -> None:
    path = root / "sites" / "vendor-example.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("slot: 0", "slot: X").replace("slot: 1", "slot: 0")
                    .replace("slot: X", "slot: 1"), encoding="utf-8")  # a swap
    before = tree(root / "build")
    built = app.build(root, options=LATER)
    assert built.outcome is Outcome.INVALID and built.written == ()
    assert {d.rule for d in built.diagnostics if d.is_error} == {"reregistration"}
    assert tree(root / "build") == before
    allowed = app.build(root, options=Options(LATER.now, allow_reregistration=True))
    assert allowed.outcome is Outcome.DONE and len(allowed.written) == 2


def test_strict_validation_makes_literal_passwords_errors(root: Path) -> None:
    loose, strict = app.validate(root), app.validate(root, strict=True)
    assert loose.ok and not strict.ok
    assert [d.rule for d in strict.diagnostics if d.is_error] == ["literal-password"]


def test_workers_give_the_values_of_one_process(root: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = root / "sites" / "clinic-north.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("clinic-north", "clinic-north",
                                                             1) + "\n", encoding="utf-8")
    monkeypatch.setattr(app, "PARALLEL_FROM", 10**9)
    alone = app.plan(root, options=LATER), app.validate(root), app.check(root)
    monkeypatch.setattr(app, "PARALLEL_FROM", 1)
    monkeypatch.setattr(app.os, "cpu_count", lambda: 2)
    assert (app.plan(root, options=LATER), app.validate(root), app.check(root)) == alone


def test_a_site_file_that_changes_while_it_is_published_stops_the_publish(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Publish checks every site, then compiles each chosen site file again for its whole
    model: a file changed in between is not published from what check did not see."""
    for name in ("care-home/2101", "care-home/2102"):
        monkeypatch.setenv(f"DECTPROV_SECRET_{name.upper().replace('-', '_').replace('/', '_')}",
                           "s3cret")
    choose = app._choose

    def choose_then_edit(*args: object) -> object:
        chosen = choose(*args)  # type: ignore[arg-type]
        path = root / "sites" / "care-home.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("site: care-home",
                                                                 "site: [care-home"))
        return chosen

    monkeypatch.setattr(app, "_choose", choose_then_edit)
    published = app.publish(root, tmp_path / "out", ["care-home"])
    assert published.outcome is Outcome.INVALID and published.publications == ()
    assert [d.to_text() for d in published.diagnostics] == [
        "sites/care-home.yaml: error: the site file changed while it was published; "
        "publish again [stale]"]
    assert not (tmp_path / "out").exists()


def test_an_import_that_cannot_write_says_which_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler import importer

    def full(prepared: object) -> object:
        raise OSError(28, "No space left on device", str(tmp_path / "sites" / "acme.yaml"))

    monkeypatch.setattr(importer, "write", full)
    source = REPO / "build" / "vendor-example" / "7C2F80CA21E4.xml"
    imported = app.import_site(importer.Request(source, tmp_path, "acme"), NOW.now)
    assert imported.outcome is Outcome.FAILED and imported.written == ()
    assert imported.problem == f"{tmp_path}/sites/acme.yaml: No space left on device"
    assert not (tmp_path / "sites").exists()


def test_a_state_that_cannot_be_staged_leaves_nothing_staged(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provisioning file is staged, then its state fails: the staged file goes too."""
    path = root / "sites" / "vendor-example.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("N720_1013", "Reception"),
                    encoding="utf-8")
    monkeypatch.setenv("DECTPROV_FAULT", "ENOSPC:write:2")
    before = _everything(root)
    built = app.build(root, options=LATER)
    assert built.outcome is Outcome.INVALID and built.written == ()
    assert [d.rule for d in built.diagnostics] == ["write-failed"]
    assert "cannot write state.json: No space left on device" in built.diagnostics[0].message
    assert _everything(root) == before


def test_a_site_file_named_twice_is_one_site(root: Path) -> None:
    path = root / "sites" / "vendor-example.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("N720_1013", "Reception"),
                    encoding="utf-8")
    twice = [path, root / "sites" / ".." / "sites" / "vendor-example.yaml"]
    planned = app.plan(root, twice, LATER)
    assert [plan.site.name for plan in planned.plans] == ["vendor-example"]
    assert app.validate(root, twice).sites == 1
    built = app.build(root, twice, LATER)
    assert (built.outcome, len(built.plans), len(built.written)) == (Outcome.DONE, 1, 2)


@pytest.mark.parametrize("make", ["fifo", "device"])
def test_a_state_that_is_no_plain_file_is_refused_without_being_read(
        root: Path, make: str) -> None:
    """A pipe at build/<site>/state.json would make the read wait for ever, a link to a
    device never end: neither is opened, and the site is not planned."""
    state = root / "build" / "care-home" / "state.json"
    state.unlink()
    if make == "fifo":
        os.mkfifo(state)
    else:
        state.symlink_to("/dev/zero")
    planned = app.plan(root, options=LATER)
    assert [d.to_text() for d in planned.plans[0].diagnostics] == [
        "build/care-home/state.json: error: cannot read the state: it is not a plain file (a "
        "link, a pipe or a device); restore it from git (git checkout -- build/) [state]"]
    assert not app.check(root).ok


def test_two_sites_with_one_mac_are_refused_naming_both(root: Path) -> None:
    """Two sites with one MAC would write one `<MAC>.xml`: the second would replace the
    first device's file (in publish's folder too). The N720 writes it upper case, the
    Nx70 lower case: the same MAC in two families is one file name in any case."""
    text = (root / "sites" / "vendor-example.yaml").read_text(encoding="utf-8")
    (root / "sites" / "vendor-copy.yaml").write_text(
        text.replace("site: vendor-example", "site: vendor-copy")
        .replace('ipui: "02B6EC8AA5"', 'ipui: "02B6EC8AA6"')
        .replace('ipui: "029E74A599"', 'ipui: "029E74A59A"'), encoding="utf-8")
    clinic = root / "sites" / "clinic-north.yaml"
    clinic_text = clinic.read_text(encoding="utf-8")
    mac_line = next(line for line in clinic_text.splitlines() if line.startswith("mac:"))
    clinic.write_text(clinic_text.replace(mac_line, "mac: 7c-2f-80-ca-21-e4"), encoding="utf-8")
    before = _everything(root)
    built = app.build(root, options=LATER)
    assert built.outcome is Outcome.INVALID and built.written == ()
    message = ("mac: MAC 7C2F80CA21E4 is also the MAC of site 'clinic-north' "
               "(sites/clinic-north.yaml:7); one DM has one site file, and the second would "
               "replace the first one's provisioning file [mac-duplicate]")
    assert [d.to_text() for d in built.diagnostics] == [
        f"sites/vendor-copy.yaml:6:6: error: {message}",
        f"sites/vendor-example.yaml:6:6: error: {message}"]
    assert not app.check(root).ok and not app.validate(root).ok
    assert _everything(root) == before


def test_check_names_what_in_build_belongs_to_no_site(root: Path) -> None:
    """A deleted site file left its build behind, and a stray file sat beside the builds:
    check said build/ was up to date. Each is named now; nothing is removed."""
    (root / "sites" / "vendor-example.yaml").unlink()
    (root / "build" / "evil.xml").write_text("<x/>", encoding="utf-8")
    before = _everything(root)
    checked = app.check(root)
    assert [d.to_text() for d in checked.diagnostics] == [
        f"build/{name}: error: belongs to no site file (a site file was deleted or renamed, "
        "or this was put here by hand): the build of a removed site is deleted by a build "
        "with --force; anything else, delete from git [stale]"
        for name in ("evil.xml", "vendor-example")]
    assert not app.publish(root, root.parent / "out").publications
    assert _everything(root) == before
    (root / "build" / "evil.xml").unlink()
    shutil.rmtree(root / "build" / "vendor-example")
    assert app.check(root).ok


def _edit_state(root: Path, site: str, edit: Any) -> None:
    path = root / "build" / site / "state.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data), encoding="utf-8")


_SCHEMA_ADVICE = ("restore it from git (git checkout -- build/) rather than deleting it, or "
                  "every handset is planned anew")
_ADVICE = "restore it from git (git checkout -- build/)"


@pytest.mark.parametrize(("site", "edit", "message"), [
    ("vendor-example", lambda s: s["slots"][0].update(slot=-1),
     f"the state is damaged (slots[0].slot: -1 is not within range (too small)); "
     f"{_SCHEMA_ADVICE}"),
    ("vendor-example", lambda s: s["slots"][0].update(slot=10**30),
     f"the state is damaged (slots[0].slot: {10**30} is not within range (too large)); "
     f"{_SCHEMA_ADVICE}"),
    ("vendor-example", lambda s: s["slots"][0].update(slot=150),
     f"the state holds slot 150, but the N720 has slots 0 to 99; {_ADVICE}"),
    ("clinic-north", lambda s: [r.update(slot=3 + i) for i, r in enumerate(s["slots"])],
     f"the state holds slot 3, but the N870 has no slots; {_ADVICE}"),
    ("vendor-example", lambda s: s.update(file="/dev/zero"),
     "the state is damaged (file: '/dev/zero' is not a provisioning file name (<MAC>.xml)); "
     + _SCHEMA_ADVICE),
    ("vendor-example", lambda s: s.update(file="7C2F80CA21E5.xml"),
     f"the state names the file '7C2F80CA21E5.xml', not 7C2F80CA21E4.xml, the file of the DM "
     f"it is for; {_ADVICE}"),
])
def test_a_state_this_device_cannot_have_left_is_refused(
        root: Path, site: str, edit: Any, message: str) -> None:
    """A hand-edited state became a file the device misreads (`astVoipAccounts[-1]`), or
    named a file outside build/ to be read."""
    _edit_state(root, site, edit)
    before = _everything(root)
    built = app.build(root, options=LATER)
    assert built.outcome is Outcome.INVALID
    [found] = built.diagnostics
    assert (found.file, found.rule, found.message) == (
        f"build/{site}/state.json", "state", message)
    assert _everything(root) == before


def test_a_site_moved_to_another_family_is_refused_not_a_traceback(root: Path) -> None:
    """An N720 site changed to an N870 compared slot numbers with IPUIs and crashed every
    command; an N870 site changed to an N720 used IPUIs as slot numbers."""
    site = (
        "site: {name}\nmodel: {model}\nmac: {mac}\nproviders:\n  - name: PBX\n"
        "    domain: pbx.example.net\nhandsets:\n"
        '  - ipui: "0{n}11111111"\n    login: "1"\n    password: {{secret: {name}/1}}\n')
    models = {"dect-a": ("N720", "N870"), "dect-b": ("N870", "N720")}
    for n, (name, (old, _)) in enumerate(models.items()):
        (root / "sites" / f"{name}.yaml").write_text(
            site.format(name=name, model=old, mac=f"7C2F8000000{n}", n=n + 1), encoding="utf-8")
    assert app.build(root, options=NOW).outcome is Outcome.DONE
    for name, (old, new) in models.items():
        path = root / "sites" / f"{name}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    planned = app.plan(root, options=LATER)
    assert planned.ok
    problems = {p.site.name: [d.to_text() for d in p.diagnostics if d.is_error]
                for p in planned.plans if p.refused}
    assert problems == {name: [
        f"sites/{name}.yaml:3:6: error: the last build was for the {old} with MAC "
        f"7C2F8000000{n}; the site now says {new} with MAC 7C2F8000000{n}: a new DM, whose "
        "database is empty, on which every handset must register again, while the old one's "
        "file is no longer written. If that is intended, build with --replace-device; if "
        "not, fix the MAC or the model [device-change]"]
        for n, (name, (old, new)) in enumerate(models.items())}
    assert not app.check(root).ok
    # Replaced: a first build on the new DM, whose plan says so, at the next revision.
    replacing = Options(now=LATER.now, replace_device=True)
    planned = app.plan(root, options=replacing)
    for plan in planned.plans:
        if plan.site.name in models:
            assert [c.kind.value for c in plan.changes][:2] == ["device", "register"]
            assert plan.allowed == ("device-change",) and not plan.refused
    assert app.build(root, options=replacing).outcome is Outcome.DONE
    assert app.check(root).ok
    for name, (_, new) in models.items():
        state = json.loads((root / "build" / name / "state.json").read_text())
        assert (state["model"], state["revision"]) == (new, 2)
        assert len(list((root / "build" / name).iterdir())) == 2  # the old DM's file went
