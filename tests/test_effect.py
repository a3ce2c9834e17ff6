"""plan --base-ref and check --base-ref: the effect on each device of its file changing
from the one committed at a git revision to this tree's, in real git repositories."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import copy_sites, run

from compiler import app
from compiler.effect import Status

NOW = "2026-12-01 09:00"
LATER = "2026-12-02 10:00"
CARE = "build/care-home/7C2F80123456.xml"
CARE_STATE = "build/care-home/state.json"


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.net",
         "-c", "commit.gpgsign=false", "-C", str(root), *args],
        check=True, capture_output=True, text=True).stdout


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A", ".")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def built_repo(repo: Path, project: Path | None = None) -> Path:
    """A git repository holding the example sites and their first build, committed;
    `project` (inside it) is the root, default the repository itself."""
    root = project or repo
    root.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q")
    copy_sites(root)
    assert run("build", "--root", str(root), "--now", NOW)[0] == 0
    commit(repo, "base")
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return built_repo(tmp_path / "repo")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def drop_handset(site: Path, login: str) -> None:
    """The site file without the handsets: entry of `login`."""
    lines = site.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f'login: "{login}"')
    while not lines[start].startswith("  - "):
        start -= 1
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    site.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


def change_lines(text: str) -> list[str]:
    """The where/kind/description lines of a text plan."""
    return [line for line in text.splitlines()
            if re.match(r"  (slot \d+|site|handset) +[a-z]", line)]


def plan(root: Path, *args: str) -> tuple[int, str, str]:
    return run("plan", "--root", str(root), "--base-ref", *args)


def check(root: Path, ref: str = "HEAD") -> tuple[int, str, str]:
    return run("check", "--root", str(root), "--base-ref", ref)


def build(root: Path, *args: str) -> None:
    code, out, err = run("build", "--root", str(root), "--now", LATER, *args)
    assert code == 0, out + err


def swap_by_hand(root: Path) -> None:
    """A pull request that swaps two handsets' slots on the DM by editing build/ (the state
    and the file, consistently) and the site file to match: `check` alone passes."""
    def exchange(data: bytes, a: bytes, b: bytes) -> bytes:
        return data.replace(a, b"\0").replace(b, a).replace(b"\0", b)

    xml = root / CARE
    content = exchange(xml.read_bytes(), b"0x03,0x28,0xD4,0x1A,0x07", b"0x03,0x28,0xD4,0x1A,0x08")
    content = exchange(content, b"handset 0328D41A07", b"handset 0328D41A08")
    xml.write_bytes(content)
    state = root / CARE_STATE
    text = exchange(state.read_bytes(), b'"0328D41A07"', b'"0328D41A08"').decode()
    text = text.replace(json.loads(text)["sha256"], hashlib.sha256(content).hexdigest())
    state.write_text(text)
    site = root / "sites/care-home.yaml"
    edit(site, 'ipui: "0328D41A07"', 'ipui: "X"')
    edit(site, 'ipui: "12941 0268808 0"', 'ipui: "0328D41A07"')
    edit(site, 'ipui: "X"', 'ipui: "0328D41A08"')


# -- ordinary changes: the plan's own words ----------------------------------------------


def test_an_ordinary_edit_reads_as_the_plan_did(root: Path) -> None:
    site = root / "sites/care-home.yaml"
    edit(site, '"031A2B3C52"', '"031A2B3C60"')  # a replacement
    edit(site, "display_name: Night Nurse", "display_name: Night Desk")  # an account
    edit(site, "start: 2026-12-01 08:00", "start: 2026-12-03 08:00")  # the window
    drop_handset(site, "2110")  # a deregistration
    drop_handset(root / "sites/clinic-north.yaml", "4111")  # ToDeReg
    edit(root / "sites/clinic-north.yaml", "Empfang 2", "Empfang Nord")
    code, planned, _ = run("plan", "--root", str(root), "--now", LATER)
    assert code == 0
    build(root)
    code, effect, err = plan(root, "HEAD")
    assert code == 0, effect + err
    assert change_lines(effect) == change_lines(planned)
    assert len(change_lines(effect)) >= 6
    assert "slot 7   replace     031A2B3C52 (2108) -> 031A2B3C60 (2108)" in effect
    assert "handset  deregister  0332A11B04 (4111)" in effect
    assert effect.splitlines()[-1] == planned.splitlines()[-1]  # the summary line
    assert check(root)[0] == 0


def test_no_change_is_an_empty_effect_and_detailed_exitcode_says_so(root: Path) -> None:
    code, out, _ = plan(root, "HEAD", "--detailed-exitcode")
    assert code == 0
    assert out.splitlines()[-1] == "Plan: no changes."
    drop_handset(root / "sites/care-home.yaml", "2110")
    build(root)
    assert plan(root, "HEAD", "--detailed-exitcode")[0] == 2


def test_markdown_and_json_formats(root: Path) -> None:
    drop_handset(root / "sites/care-home.yaml", "2110")
    build(root)
    code, markdown, _ = plan(root, "HEAD", "--format", "markdown")
    assert code == 0
    assert markdown.startswith("<!-- dectprov-plan -->\n## dectprov plan\n")
    assert "| slot 9 | deregister | 031A2B3C54 (2110): handset deregistered;" in markdown
    code, text, _ = plan(root, "HEAD", "--format", "json")
    document = json.loads(text)
    assert document["base_commit"] == git(root, "rev-parse", "HEAD").strip()
    care = next(site for site in document["sites"] if site["site"] == "care-home")
    assert care["status"] == "changed"
    assert care["revision"] == {"before": 1, "after": 2}
    assert [c["kind"] for c in care["changes"]] == ["deregister"]
    assert document["summary"]["deregister"] == 1


# -- what the files do that the site files hide ------------------------------------------


def test_a_swap_made_by_editing_build_is_shown_and_fails_check(root: Path) -> None:
    swap_by_hand(root)
    assert run("check", "--root", str(root))[0] == 0  # the hole --base-ref closes
    code, out, _ = plan(root, "HEAD")
    assert code == 1
    assert ("  slot 0   swap        0328D41A07 (2101) <-> 0328D41A08 (2101) with slot 1: "
            "both must be registered again by hand [refused]") in out
    assert "1 refused" in out
    code, _, err = check(root)
    assert code == 1
    assert (f"{CARE}: error: care-home: between HEAD and this tree, handsets 0328D41A07 "
            "(login 2101) and 0328D41A08 (login 2101) swap slot 0 and slot 1") in err
    assert "[reregistration]" in err


def test_a_swap_built_with_allow_reregistration_is_named_and_passes(root: Path) -> None:
    base = git(root, "rev-parse", "HEAD").strip()
    site = root / "sites/care-home.yaml"
    edit(site, '    login: "2101"\n', '    login: "2101"\n    slot: 1\n')
    edit(site, '    login: "2102"\n', '    login: "2102"\n    slot: 0\n')
    build(root, "--allow-reregistration")
    commit(root, "swap, allowed")
    code, out, err = plan(root, base)
    assert code == 0, out + err
    assert "  slot 0   swap        0328D41A07 (2101) <-> 0328D41A08 (2102) with slot 1" in out
    assert "[refused]" not in out
    assert "  allowed: --allow-reregistration: the moves and swaps above are built" in out
    assert check(root, base)[0] == 0


def test_a_dropped_deregistration_fails_check(root: Path) -> None:
    drop_handset(root / "sites/care-home.yaml", "2110")
    build(root)
    commit(root, "room 110 leaves")
    # By hand: slot 9 no longer deregisters 031A2B3C54, in the file and in the state.
    xml = root / CARE
    content = xml.read_bytes()
    content = re.sub(rb' *<SYMB_ITEM ID="BS_Accounts.astAccounts\[9\].aucHandsetCode\[0\]"'
                     rb'[^\n]*\n', b"", content)
    content = content.replace(b"slot 9: free, handset 031A2B3C54 deregistered",
                              b"slot 9: free")
    xml.write_bytes(content)
    state = root / CARE_STATE
    text = state.read_text()
    text = re.sub(r'"deregistered_at": "[0-9]{10}", "deregistered_in_revision": 2, '
                  r'"deregistered_ipui": "031A2B3C54", ', "", text)
    text = text.replace(json.loads(text)["sha256"], hashlib.sha256(content).hexdigest())
    state.write_text(text)
    assert run("check", "--root", str(root))[0] == 0  # the hole --base-ref closes
    code, _, err = check(root)
    assert code == 1
    assert ("care-home: the file at HEAD still deregisters the handset at slot 9 "
            "(031A2B3C54)") in err
    assert "[deregistration-dropped]" in err
    code, out, _ = plan(root, "HEAD")
    assert code == 1
    assert "[deregistration-dropped]" in out


RETIRED_9 = ("  slot 9   retire      deregistration of 031A2B3C54 retired (written since "
             "revision 2, 2026-12-02)")


def test_a_retirement_is_no_lost_handset_and_no_dropped_deregistration(root: Path) -> None:
    """Slot 9 deregistered on 2 December; a change on 15 January retires it, and the same
    pull request brings its IPUI back in slot 20: a new handset, in the plan and in the
    effect, and nothing refused."""
    site = root / "sites/care-home.yaml"
    drop_handset(site, "2110")
    build(root)
    base = commit(root, "room 110 leaves")
    edit(site, "display_name: Night Nurse", "display_name: Night Desk")
    edit(site, "handsets:\n", 'handsets:\n  - slot: 20\n    ipui: "031A2B3C54"\n'
         '    login: "2120"\n    password: {secret: care-home/2110}\n')
    code, out, err = run("build", "--root", str(root), "--now", "2027-01-15 09:00")
    assert code == 0, out + err
    assert b"astAccounts[9]" not in (root / CARE).read_bytes()
    code, out, _ = plan(root, base)
    assert code == 0, out
    assert change_lines(out) == [
        RETIRED_9,
        ("  slot 20  register    031A2B3C54 (2120): new handset, registers by itself in the "
         "window"),
        "  slot 2   account     login 2103: display_name changed",
    ]
    assert "deregistration-dropped" not in out
    code, out, _ = plan(root, base, "--format", "json")
    assert json.loads(out)["summary"] | {"refused": 0, "kinds": None} == {"kinds": None,
        "register": 1, "replace": 0, "change": 1, "deregister": 0, "move": 0, "remove": 0,
        "retire": 1, "refused": 0, "added": 0, "removed": 0, "device-change": 0}
    assert check(root, base)[0] == 0


def test_only_the_releases_past_their_retention_are_retired(root: Path) -> None:
    """Slot 9 deregistered on 2 December, slot 8 on 20 December: a change on 15 January
    retires slot 9 alone, and the effect agrees that slot 8 is still written."""
    site = root / "sites/care-home.yaml"
    drop_handset(site, "2110")
    build(root)
    drop_handset(site, "2109")
    code, out, err = run("build", "--root", str(root), "--now", "2026-12-20 09:00")
    assert code == 0, out + err
    base = commit(root, "rooms 109 and 110 leave")
    edit(site, "display_name: Night Nurse", "display_name: Night Desk")
    code, out, err = run("build", "--root", str(root), "--now", "2027-01-15 09:00")
    assert code == 0, out + err
    content = (root / CARE).read_bytes()
    assert b"astAccounts[9]" not in content and b"astAccounts[8]" in content
    code, out, _ = plan(root, base)
    assert code == 0, out
    assert [line for line in change_lines(out) if "retire" in line] == [RETIRED_9]
    assert check(root, base)[0] == 0


def test_a_retirement_without_its_record_is_a_dropped_deregistration(root: Path) -> None:
    """The same retirement, its revision's history taken out by hand: nothing says a build
    retired it, so a DM that skipped the files up to the base revision keeps the handset."""
    drop_handset(root / "sites/care-home.yaml", "2110")
    build(root)
    base = commit(root, "room 110 leaves")
    edit(root / "sites/care-home.yaml", "display_name: Night Nurse", "display_name: Night")
    code, out, err = run("build", "--root", str(root), "--now", "2027-01-15 09:00")
    assert code == 0, out + err
    assert check(root, base)[0] == 0
    state = root / CARE_STATE
    edit(state, '"retire": 1', '"account": 2')
    code, _, err = check(root, base)
    assert code == 1
    assert "[deregistration-dropped]" in err
    code, out, _ = plan(root, base)
    assert RETIRED_9 in change_lines(out)
    # A build too early to have retired it (the history's stamp moved back by hand).
    edit(state, '"account": 2', '"retire": 1')
    stamp = json.loads(state.read_text())["history"][-1]["stamp"]
    edit(state, f'"retire": 1}}, "revision": 3, "stamp": "{stamp}"',
         '"retire": 1}, "revision": 3, "stamp": "0512260900"')
    code, _, err = check(root, base)
    assert code == 1
    assert "[deregistration-dropped]" in err


def test_a_threshold_breach_needs_force_in_the_history(root: Path) -> None:
    site = root / "sites/care-home.yaml"
    for login in ("2105", "2106", "2107", "2108", "2109"):
        drop_handset(site, login)
    build(root, "--force")
    code, out, _ = plan(root, "HEAD")
    assert code == 0
    assert "  allowed: --force: more handsets are deregistered" in out
    assert check(root)[0] == 0
    # The same files, with the history's record of --force taken out by hand.
    state = root / CARE_STATE
    edit(state, '"allowed": ["deregistration-threshold"], ', "")
    code, _, err = check(root)
    assert code == 1
    assert "care-home: between HEAD and this tree, 5 of 14 handsets (35.7%) are " in err
    assert "[deregistration-threshold]" in err


def test_sites_added_and_removed(root: Path) -> None:
    shutil.rmtree(root / "build/vendor-example")
    (root / "sites/vendor-example.yaml").rename(root / "vendor-example.yaml")
    commit(root, "without vendor-example")
    code, out, _ = plan(root, "HEAD~1")
    assert code == 0
    assert ("vendor-example (build/vendor-example, site removed at revision 1, with 3 "
            "handsets: its file is no longer published)") in out
    assert "1 site removed" in out
    assert check(root, "HEAD~1")[0] == 0
    (root / "vendor-example.yaml").rename(root / "sites/vendor-example.yaml")
    build(root)
    code, out, _ = plan(root, "HEAD")
    assert code == 0
    assert "vendor-example (sites/vendor-example.yaml, site added, revision 1)" in out
    assert "  slot 0   register    02B6EC8AA5 (1013): new handset" in out
    assert check(root)[0] == 0
    effect = app.compare(root, "HEAD").effect
    assert [s.status for s in effect.sites if s.name == "vendor-example"] == [Status.ADDED]


def test_a_new_device_registers_every_handset_again(root: Path) -> None:
    shutil.rmtree(root / "build/vendor-example")
    edit(root / "sites/vendor-example.yaml", "7C:2F:80:CA:21:E4", "7C:2F:80:CA:21:E5")
    build(root)
    code, out, _ = plan(root, "HEAD")
    assert code == 1
    assert "a new device, revision 1: every handset registers again" in out
    assert "  slot 0   register    02B6EC8AA5 (1013)" in out
    code, _, err = check(root)
    assert code == 1
    assert "no build since HEAD records --replace-device [device-change]" in err


def test_a_stale_build_is_named_in_its_site(root: Path) -> None:
    drop_handset(root / "sites/care-home.yaml", "2110")
    code, out, _ = plan(root, "HEAD")
    assert code == 1
    assert "care-home (sites/care-home.yaml, revision 1)" in out
    assert f"error: {CARE}: is out of date; run 'dectprov build' and commit build/ [stale]" in out
    assert check(root)[0] == 1


# -- where the repository is, and what git cannot answer ---------------------------------


def test_a_root_inside_the_repository(tmp_path: Path) -> None:
    root = built_repo(tmp_path / "repo", tmp_path / "repo" / "dect" / "sites repo")
    drop_handset(root / "sites/care-home.yaml", "2110")
    build(root)
    code, out, err = plan(root, "HEAD")
    assert code == 0, out + err
    assert "  slot 9   deregister  031A2B3C54 (2110)" in out
    swap_by_hand(root)
    assert check(root)[0] == 1


def test_not_a_git_repository(tmp_path: Path) -> None:
    root = copy_sites(tmp_path)
    assert run("build", "--root", str(root), "--now", NOW)[0] == 0
    for argv in (("plan", "--base-ref", "HEAD"), ("check", "--base-ref", "HEAD")):
        code, out, err = run(*argv, "--root", str(root))
        assert code == 1
        assert "--base-ref: error: the root" in err
        assert "is not in a git repository" in err
        assert "Traceback" not in out + err


def test_a_ref_that_names_no_commit(root: Path) -> None:
    code, _, err = plan(root, "no-such-branch")
    assert code == 1
    assert err == ("--base-ref: error: 'no-such-branch' names no commit in the repository "
                   "of the root (with a shallow clone, fetch it first) [base-ref]\n")
    assert check(root, "HEAD~5")[0] == 1


@pytest.mark.parametrize("ref", ["--output=/tmp/x", "-h", "--upload-pack=touch x"])
def test_a_ref_beginning_with_a_dash_is_refused(root: Path, ref: str) -> None:
    code, _, err = run("check", "--root", str(root), f"--base-ref={ref}")
    assert code == 1
    assert "is not a revision: a branch, tag or commit never begins with '-'" in err
    assert not (root / "x").exists()


def test_a_damaged_state_at_the_revision_is_located(root: Path) -> None:
    good = (root / CARE_STATE).read_bytes()
    (root / CARE_STATE).write_text("{ not json")
    commit(root, "damaged")
    (root / CARE_STATE).write_bytes(good)
    code, _, err = check(root)
    assert code == 1
    assert "HEAD:build/care-home/state.json:1:3: error: the state is damaged" in err
    code, out, _ = plan(root, "HEAD")
    assert code == 1
    assert "care-home (sites/care-home.yaml, not compared: a build cannot be read)" in out
    assert "site added" not in out
    assert "HEAD:build/care-home/state.json: the state is damaged" in out


def test_plan_with_base_ref_takes_no_site_files(root: Path) -> None:
    code, _, err = run("plan", "--root", str(root), "--base-ref", "HEAD",
                       str(root / "sites/care-home.yaml"))
    assert code == 64
    assert "--base-ref" in err


def test_a_revision_before_the_first_build(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    copy_sites(repo)
    base = commit(repo, "sites only")
    assert run("build", "--root", str(repo), "--now", NOW)[0] == 0
    code, out, _ = plan(repo, base)
    assert code == 0
    assert out.count("site added") == 3
    assert check(repo, base)[0] == 0


def test_what_git_holds_is_untrusted(root: Path) -> None:
    (root / CARE_STATE).unlink()
    (root / CARE_STATE).symlink_to("/etc/passwd")
    xml = root / "build/clinic-north/7c2f809a0b11.xml"
    xml.write_bytes(b" " * (17 << 20))
    commit(root, "hostile")
    git(root, "checkout", "-q", "HEAD~1", "--", "build")
    code, _, err = check(root)
    assert code == 1
    assert "HEAD:build/care-home/state.json: error: is not a plain file (a symlink?) [effect]" \
        in err
    assert ("HEAD:build/clinic-north/7c2f809a0b11.xml: error: is over 16384 KiB, which no "
            "build writes [effect]") in err
    assert "root:" not in err  # nothing of what the link leads to


def test_a_hand_edited_handset_code_is_a_diagnostic(root: Path) -> None:
    xml = root / CARE
    xml.write_bytes(xml.read_bytes().replace(b"0x03,0x28,0xD4,0x1A,0x07", b"0x03,0x28,0xD4,0x1A"))
    code, out, _ = plan(root, "HEAD")
    assert code == 1
    assert ("error: build/care-home/7C2F80123456.xml: care-home: slot 0 holds the handset "
            "code '0328D41A', which is no IPUI [effect]") in out


def test_the_device_keeps_what_the_new_file_does_not_write() -> None:
    from compiler.effect import _device_view
    from compiler.targets import Place

    old = {0: Place("0328D41A07", "2101", True, False), 1: Place("0328D41A08", "2102", True,
                                                                  False)}
    new = {1: Place(None, "2102", True, False)}  # slot 0 not written, slot 1 without a code
    kept = _device_view(old, new, keeps_unlisted=True)
    assert {k: (h.ipui.hex if h.ipui else None, h.login) for k, h in kept.items()} == {
        0: ("0328D41A07", "2101"), 1: ("0328D41A08", "2102")}
    assert list(_device_view(old, new, keeps_unlisted=False)) == [1]
    moved = {1: Place("0328D41A07", "2102", True, False)}  # bound elsewhere: not kept at 0
    view = _device_view(old, moved, keeps_unlisted=True)
    assert view[0].ipui is None
    assert view[1].ipui is not None and view[1].ipui.hex == "0328D41A07"


def test_the_markdown_comment_stays_under_its_limit(root: Path) -> None:
    from compiler.render_plan import render_effect_markdown

    for login in ("2105", "2106"):
        drop_handset(root / "sites/care-home.yaml", login)
    drop_handset(root / "sites/clinic-north.yaml", "4111")
    build(root)
    effect = app.compare(root, "HEAD").effect
    whole = render_effect_markdown(effect)
    cut = render_effect_markdown(effect, limit=len(whole) - 1)
    assert len(cut) <= len(whole) - 1
    assert "**Not shown: " in cut
    assert cut.startswith("<!-- dectprov-plan -->\n## dectprov plan\n")


def test_a_move_is_refused_unless_the_history_allows_it(root: Path) -> None:
    edit(root / "sites/care-home.yaml", '    login: "2191"\n', '    login: "2191"\n    slot: 20\n')
    build(root, "--allow-reregistration")
    code, out, _ = plan(root, "HEAD")
    assert code == 0
    assert "  slot 20  move        031A2B3C57 (2191): moves from slot 13;" in out
    edit(root / CARE_STATE, '"allowed": ["reregistration"], ', "")
    code, _, err = check(root)
    assert code == 1
    assert ("care-home: between HEAD and this tree, handset 031A2B3C57 (login 2191) moves "
            "from slot 13 to slot 20, and must then be registered again by hand") in err


def rename_site(root: Path, old: str, new: str) -> None:
    """The site file and its name renamed, its build/ deleted: the next build is the first
    of the new name, for the same DM."""
    source = root / f"sites/{old}.yaml"
    text = source.read_text(encoding="utf-8")
    source.unlink()
    (root / f"sites/{new}.yaml").write_text(
        text.replace(f"site: {old}\n", f"site: {new}\n").replace(f"{{secret: {old}/",
                                                                  f"{{secret: {new}/"),
        encoding="utf-8")
    shutil.rmtree(root / f"build/{old}")


def test_a_renamed_site_is_the_same_device(root: Path) -> None:
    drop_handset(root / "sites/care-home.yaml", "2102")  # slot 1 deregisters 0328D41A08
    build(root)
    commit(root, "room 2102 leaves")
    # Renamed, the site is built anew: its handsets take the lowest slots, one down each
    # from slot 2 on, and slot 1 no longer deregisters 0328D41A08, on the same DM.
    rename_site(root, "care-home", "sunny-care")
    build(root)
    assert run("check", "--root", str(root))[0] == 0
    code, out, _ = plan(root, "HEAD")
    assert code == 1
    assert "site added" not in out and "site removed" not in out
    assert "sunny-care (sites/sunny-care.yaml, revision 2 -> 1)" in out
    assert "warning: build/sunny-care/7C2F80123456.xml: sunny-care: was care-home at HEAD" in out
    assert "  slot 1   move        031A2B3C4D (2103): moves from slot 2;" in out
    code, _, err = check(root)
    assert code == 1
    assert "[reregistration]" in err
    assert ("sunny-care: between HEAD and this tree, 11 of 13 handsets (84.6%) are "
            "deregistered") in err


def test_a_renamed_site_that_keeps_its_slots_passes(root: Path) -> None:
    base = git(root, "rev-parse", "HEAD").strip()
    rename_site(root, "vendor-example", "vendor-renamed")  # its slots are pinned
    build(root)
    code, out, _ = plan(root, base)
    assert code == 0, out
    assert "vendor-renamed (sites/vendor-renamed.yaml, revision 1)" in out
    assert "was vendor-example at" in out
    assert "register" not in out
    assert check(root, base)[0] == 0


FORGED_LATER = ("the state is damaged (history[0].revision: {revision} is later than the "
                "state's revision 1)")


def forge_history(root: Path, revision: int) -> None:
    """A history entry written by hand into care-home's state, saying that its build was
    allowed everything."""
    edit(root / CARE_STATE, '  "history": [\n', '  "history": [\n    {"allowed": '
         '["deregistration-threshold", "device-change", "reregistration"], "changes": {}, '
         f'"revision": {revision}, "stamp": "0101260000"}},\n')


def test_an_allowance_dated_after_the_state_allows_nothing(root: Path) -> None:
    # Merged once (the pull request that forged it changed no file), it would allow every
    # later pull request, for ever: the base revision's history holds it too.
    # A revision later than the state's own is no state a build wrote: refused as such.
    forge_history(root, 999999999)
    commit(root, "a forged allowance")
    swap_by_hand(root)
    code, out, _ = plan(root, "HEAD")
    assert code == 1
    assert "allowed:" not in out
    assert FORGED_LATER.format(revision=999999999) in out
    code, _, err = check(root)
    assert code == 1
    assert FORGED_LATER.format(revision=999999999) in err


def test_an_allowance_the_base_revision_already_held_allows_nothing(root: Path) -> None:
    forge_history(root, 2)  # the revision the next build gets
    commit(root, "a forged allowance")
    drop_handset(root / "sites/care-home.yaml", "2110")
    # Revision 2 would hold the forged entry and its own; the state is refused first.
    code, _, err = run("build", "--root", str(root), "--now", NOW)
    assert code == 1
    assert FORGED_LATER.format(revision=2) in err
    swap_by_hand(root)
    code, out, _ = plan(root, "HEAD")
    assert code == 1
    assert "allowed:" not in out
    code, _, err = check(root, "HEAD")
    assert code == 1
    assert FORGED_LATER.format(revision=2) in err
