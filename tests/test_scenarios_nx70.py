"""Scenarios on an Nx70 site (an N870 here): builds in sequence on a temporary root, each
asserting the JSON plan, the exit code, the XML of the handsets involved and the state.
Handsets are keyed by IPUI: a removed one is deregistered with ToDeReg, a re-paired one is
an account change, and nothing is refused for moving between slots, since there are none.

The helpers come from test_scenarios (the N720's week); every command's output is checked
there for the test passwords.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from test_scenarios import (
    BUILT_CHANGED,
    BUILT_UNCHANGED,
    NOTHING_WRITTEN,
    Repo,
    _header,
    change,
    folded,
    handset,
    holder,
    ipui,
    password,
    stamp_of,
    summary,
)

from compiler.cli import EXIT_CHANGES, EXIT_INVALID, EXIT_OK

XML_NAME = "7c2f80000001.xml"
STAMP = "0112261000"  # --now 2026-12-01 09:00 UTC, 10:00 in Berlin
AUTHORITATIVE = ("authoritative: the DM removes every handset this file does not list, "
                 "handsets registered by hand included; how many that is cannot be seen "
                 "from here")


class Nx70Repo(Repo):
    def site(self, handsets: list[dict[str, Any]], **more: Any) -> None:
        super().site(handsets, **{"model": "N870", **more})

    def xml(self, site: str = "acme", name: str = XML_NAME) -> str:
        return (self.root / "build" / site / name).read_bytes().decode("utf-8")


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Nx70Repo:
    return Nx70Repo(tmp_path, capsys)


def key(n: int) -> str:
    return ipui(n).lower()


def handset_lines(n: int, login: int | None = None, display_name: str | None = None,
                  pin: str | None = "0000") -> list[str]:
    """The block of handset n (IPUI 0328d41a<n>), carrying the account of `login`'s handset
    (by default its own)."""
    account = f"SipAccount.{key(n)}."
    name = f"2{login if login is not None else n:03d}"
    return [
        f"<!-- handset {key(n)}: {name} ({display_name or name}) -->",
        f'<oper name="add_hs" value="{key(n)}">',
        '<param name="hs.RegStatus" value="ToReg"/>',
        "</oper>",
        *([f'<param name="hs.{key(n)}.DECT_AC" value="{pin}"/>'] if pin else []),
        f'<param name="{account}AuthName" value="{name}"/>',
        f'<param name="{account}AuthPassword" value="{password(login or n)}"/>',
        f'<param name="{account}UserName" value="{name}"/>',
        f'<param name="{account}DisplayName" value="{display_name or name}"/>',
        f'<param name="{account}ProviderId" value="0"/>',
        f'<param name="{account}VoiceMailActive" value="0"/>',  # no mailbox: switched off
    ]


def block(xml: str, n: int) -> list[str]:
    """The lines of handset n's section: from its comment to the next comment."""
    lines = [line.strip() for line in xml.splitlines()]
    start = lines.index(next(line for line in lines
                             if line.startswith(f"<!-- handset {key(n)}:")))
    end = next(i for i in range(start + 1, len(lines))
               if lines[i].startswith("<!--") or lines[i] == "</nvm>")
    return lines[start:end]


def head(xml: str) -> list[str]:
    """What <nvm> starts with, before the site settings (the site's zone) and the first
    provider: the delete and ToDeReg lines."""
    lines = [line.strip() for line in xml.splitlines()]
    start = lines.index("<nvm>") + 1
    return lines[start:lines.index("<!-- site settings -->")]


def deregister_line(n: int) -> str:
    return f'<param name="hs.{key(n)}.RegStatus" value="ToDeReg"/>'


def registered(xml: str) -> list[str]:
    return [line.split('"')[3] for line in xml.splitlines() if '<oper name="add_hs"' in line]


def in_use(n: int, login: int | None = None) -> dict[str, Any]:
    return {"status": "in-use", "ipui": ipui(n), "login": f"2{login or n:03d}",
            "enabled": True}


def freed(n: int, revision: int) -> dict[str, Any]:
    return {"status": "freed", "deregistered_ipui": ipui(n),
            "deregistered_in_revision": revision, "deregistered_at": stamp_of(revision)}


def swapped(n: int, login: int) -> dict[str, Any]:
    """Handset n's entry carrying the account of handset `login`."""
    return {"ipui": ipui(n), "login": f"2{login:03d}", "password": password(login)}


FIRST_BUILD_SITE_CHANGES = [change("pin", None), change("provider", None, provider=0),
                            change("setting", None, fields=["timezone"]), change("window", None)]
ACCOUNT_FIELDS = ["display_name", "login", "password", "user_id"]


# -- the first build -------------------------------------------------------------------------


def test_first_build_registers_every_handset(repo: Nx70Repo) -> None:
    repo.site([handset(3), handset(1), handset(2)])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [change("register", None, after=holder(n)) for n in (1, 2, 3)
                                  ] + FIRST_BUILD_SITE_CHANGES
    assert repo.descriptions(plan)[:1] == [
        "0328D41A01 (2001): new handset, registers by itself in the window"]
    assert plan["sites"][0]["revision"] == {"before": None, "after": 1}
    assert folded(plan["summary"]) == summary(register=3, change=4)
    assert repo.diagnostics(plan) == []

    assert repo.build() == EXIT_OK
    assert (repo.out, repo.err) == (BUILT_CHANGED, "")
    xml = repo.xml()
    assert registered(xml) == [key(1), key(2), key(3)]
    for n in (1, 2, 3):
        assert block(xml, n) == handset_lines(n)
    assert head(xml) == []
    state = repo.state()
    assert state == {
        "format_version": 1, "site": "acme", "mac": "7C2F80000001", "model": "N870",
        "file": XML_NAME, "revision": 1, "stamp": STAMP,
        "sha256": hashlib.sha256(xml.encode("utf-8")).hexdigest(),
        "slots": [in_use(1), in_use(2), in_use(3)],
        "history": [{"revision": 1, "stamp": STAMP, "changes": {
            "pin": 1, "provider": 1, "register": 3, "setting": 1, "window": 1}}],
    }
    assert repo.check() == EXIT_OK
    assert (repo.out, repo.err) == ("1 site valid; build/ is up to date.\n", "")


# -- a handset leaves: ToDeReg until its IPUI is provisioned again ---------------------------


def test_removed_handset_is_deregistered_until_it_is_provisioned_again(
        repo: Nx70Repo) -> None:
    repo.site([handset(n) for n in (1, 2, 3, 4)])
    assert repo.build() == EXIT_OK
    before = repo.xml()

    repo.site([handset(1), handset(3), handset(4)])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [change("deregister", None, before=holder(2))]
    assert folded(plan["summary"]) == summary(deregister=1)
    assert repo.diagnostics(plan) == []  # 1 of 4 is under the threshold
    assert repo.build() == EXIT_OK
    xml = repo.xml()
    assert head(xml) == [deregister_line(2)]
    assert registered(xml) == [key(1), key(3), key(4)]
    assert f"SipAccount.{key(2)}." not in xml
    for n in (1, 3, 4):
        assert block(xml, n) == block(before, n)
    assert repo.state()["slots"] == [in_use(1), freed(2, 2), in_use(3), in_use(4)]
    assert repo.state()["history"][-1] == {"revision": 2, "stamp": "0112261001",
                                           "changes": {"deregister": 1}}

    # A later build for another reason still deregisters it.
    repo.site([handset(1, display_name="Reception"), handset(3), handset(4)])
    plan = repo.plan()
    assert repo.changes(plan) == [change("account", None, before=holder(1), after=holder(1),
                                         fields=["display_name"])]
    assert repo.build() == EXIT_OK
    xml = repo.xml()
    assert head(xml) == [deregister_line(2)]
    assert block(xml, 1) == handset_lines(1, display_name="Reception")
    assert repo.state()["slots"][1] == freed(2, 2)
    assert repo.state()["revision"] == 3

    # Provisioned again in this site: registered, and no longer deregistered.
    repo.site([handset(1, display_name="Reception"), handset(2), handset(3), handset(4)])
    plan = repo.plan()
    assert repo.changes(plan) == [change("register", None, after=holder(2))]
    assert repo.build() == EXIT_OK
    xml = repo.xml()
    assert head(xml) == []
    assert block(xml, 2) == handset_lines(2)
    assert repo.state()["slots"] == [in_use(1), in_use(2), in_use(3), in_use(4)]


def test_deregistration_kept_when_another_site_provisions_the_ipui(repo: Nx70Repo) -> None:
    """Another site is another DM: alpha's DM, had it skipped the revision that
    deregistered the handset, would still hold it. alpha's file does not change."""
    repo.site([handset(1), handset(2), handset(3)], name="alpha", mac="7C2F80000001")
    repo.site([handset(11), handset(12)], name="beta", mac="7C2F80000002")
    assert repo.build() == EXIT_OK
    repo.site([handset(1), handset(3)], name="alpha", mac="7C2F80000001")
    assert repo.build() == EXIT_OK
    assert head(repo.xml("alpha")) == [deregister_line(2)]

    repo.site([handset(11), handset(12), handset(2)], name="beta", mac="7C2F80000002")
    plan = repo.plan()
    assert repo.changes(plan, "beta") == [change("register", None, after=holder(2),
                                                 site="beta")]
    assert repo.diagnostics(plan, "alpha") == repo.diagnostics(plan, "beta") == []
    assert plan["sites"][0]["revision"] == {"before": 2, "after": 2}
    assert repo.build() == EXIT_OK
    assert repo.out == "Built 2 sites: 1 changed, 1 unchanged (2 files written).\n"
    assert head(repo.xml("alpha")) == [deregister_line(2)]
    assert repo.state("alpha")["slots"] == [in_use(1), freed(2, 2), in_use(3)]
    assert block(repo.xml("beta", "7c2f80000002.xml"), 2) == handset_lines(2)


def test_handset_moved_between_sites_in_one_run(repo: Nx70Repo) -> None:
    """The site it leaves deregisters it in that run, with a warning, and keeps doing so:
    the next run changes nothing (plan, check and build agree)."""
    repo.site([handset(1), handset(2), handset(3)], name="alpha", mac="7C2F80000001")
    repo.site([handset(11), handset(12)], name="beta", mac="7C2F80000002")
    assert repo.build() == EXIT_OK
    repo.site([handset(1), handset(3)], name="alpha", mac="7C2F80000001")
    repo.site([handset(11), handset(12), handset(2)], name="beta", mac="7C2F80000002")
    plan = repo.plan()
    assert repo.changes(plan, "alpha") == [change("deregister", None, before=holder(2),
                                                  site="alpha")]
    [(severity, rule, message)] = repo.diagnostics(plan, "alpha")
    assert (severity, rule) == ("warning", "ipui-site-move")
    assert message.startswith("handset 0328D41A02 leaves alpha")
    assert message.endswith("is registered by beta: deploy alpha first, so the handset is "
                            "released before it registers again")
    assert repo.build() == EXIT_OK
    assert head(repo.xml("alpha")) == [deregister_line(2)]
    assert repo.state("alpha")["slots"] == [in_use(1), freed(2, 2), in_use(3)]

    assert repo.check() == EXIT_OK
    repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_OK
    assert repo.build() == EXIT_OK
    assert head(repo.xml("alpha")) == [deregister_line(2)]
    assert repo.state("alpha")["slots"] == [in_use(1), freed(2, 2), in_use(3)]
    assert repo.state("alpha")["revision"] == 2


# -- an IPUI with another login: an account change, never a refusal --------------------------


def test_repaired_ipui_with_another_login_is_an_account_change(repo: Nx70Repo) -> None:
    repo.site([handset(1), handset(2), handset(3)])
    assert repo.build() == EXIT_OK
    before = repo.xml()
    repo.site([handset(1), swapped(2, 9), handset(3)])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [change("account", None, before=holder(2),
                                         after=holder(2, "2009"), fields=ACCOUNT_FIELDS)]
    assert repo.descriptions(plan) == [
        "login 2002 -> 2009: display_name, login, password, user_id changed"]
    assert folded(plan["summary"]) == summary(change=1)
    assert repo.diagnostics(plan) == []
    assert repo.build() == EXIT_OK
    assert (repo.out, repo.err) == (BUILT_CHANGED, "")
    xml = repo.xml()
    assert head(xml) == []
    assert block(xml, 2) == handset_lines(2, login=9)
    for n in (1, 3):
        assert block(xml, n) == block(before, n)
    assert repo.state()["slots"] == [in_use(1), in_use(2, login=9), in_use(3)]


def test_swapped_logins_are_two_account_changes_and_nothing_is_refused(
        repo: Nx70Repo) -> None:
    repo.site([handset(1), handset(2), handset(3), handset(4)])
    assert repo.build() == EXIT_OK
    repo.site([handset(1), swapped(2, 3), swapped(3, 2), handset(4)])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [
        change("account", None, before=holder(2), after=holder(2, "2003"),
               fields=ACCOUNT_FIELDS),
        change("account", None, before=holder(3), after=holder(3, "2002"),
               fields=ACCOUNT_FIELDS),
    ]
    assert folded(plan["summary"]) == summary(change=2)
    assert repo.diagnostics(plan) == []
    for fmt in ("text", "markdown"):  # Repo.run checks that no password is printed
        assert repo.plan_text(fmt) == EXIT_OK
    assert repo.build() == EXIT_OK
    assert (repo.out, repo.err) == (BUILT_CHANGED, "")
    xml = repo.xml()
    assert head(xml) == []
    assert block(xml, 2) == handset_lines(2, login=3)
    assert block(xml, 3) == handset_lines(3, login=2)
    assert repo.state()["slots"] == [in_use(1), in_use(2, login=3), in_use(3, login=2),
                                     in_use(4)]


def test_reordered_handsets_change_nothing(repo: Nx70Repo) -> None:
    repo.site([handset(n) for n in (1, 2, 3, 4)])
    assert repo.build() == EXIT_OK
    tree = repo.tree()
    repo.site([handset(n) for n in (4, 2, 3, 1)])
    assert repo.changes(repo.plan("--detailed-exitcode")) == []
    assert repo.code == EXIT_OK
    assert repo.build() == EXIT_OK
    assert (repo.out, repo.tree()) == (BUILT_UNCHANGED, tree)


# -- authoritative mode ----------------------------------------------------------------------


def test_authoritative_on_and_off(repo: Nx70Repo) -> None:
    repo.site([handset(1), handset(2), handset(3)])
    assert repo.build() == EXIT_OK
    assert "DeleteNotProvisionedHS" not in repo.xml()

    repo.site([handset(1), handset(2), handset(3)], authoritative=True)
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [change("authoritative", None)]
    assert repo.descriptions(plan) == [
        "on: the DM removes every handset this file does not list (how many: unknown)"]
    assert repo.diagnostics(plan) == [("warning", "authoritative", AUTHORITATIVE)]
    assert repo.build() == EXIT_OK
    assert repo.err == (f"sites/acme.yaml:{repo.line('authoritative:')}:1: warning: "
                        f"{AUTHORITATIVE} [authoritative]\n")
    xml = repo.xml()
    assert head(xml) == ['<oper name="DeleteNotProvisionedHS"/>']
    assert registered(xml) == [key(1), key(2), key(3)]
    assert repo.state()["history"][-1]["changes"] == {"authoritative": 1}

    # With a removal, the deregistration comes right after the delete operation.
    repo.site([handset(1), handset(3)], authoritative=True)
    plan = repo.plan()
    assert repo.changes(plan) == [change("deregister", None, before=holder(2))]
    assert repo.diagnostics(plan) == [("warning", "authoritative", AUTHORITATIVE)]
    assert repo.build() == EXIT_OK
    assert head(repo.xml()) == ['<oper name="DeleteNotProvisionedHS"/>', deregister_line(2)]

    repo.site([handset(1), handset(3)], authoritative=False)
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [change("authoritative", None, fields=["authoritative"])]
    assert repo.descriptions(plan) == ["off: handsets the file does not list stay"]
    assert repo.diagnostics(plan) == []
    assert repo.build() == EXIT_OK
    assert repo.err == ""
    assert head(repo.xml()) == [deregister_line(2)]


def test_authoritative_only_plan_does_not_say_no_changes(repo: Nx70Repo) -> None:
    repo.site([handset(1)])
    assert repo.build() == EXIT_OK
    repo.site([handset(1)], authoritative=True)
    assert repo.plan_text("text") == EXIT_OK
    assert repo.out.splitlines()[-1] == "Plan: 1 to change."


# -- the deregistration threshold --------------------------------------------------------------


def test_deregistering_over_the_threshold_needs_force(repo: Nx70Repo) -> None:
    repo.site([handset(n) for n in range(1, 13)])
    assert repo.build() == EXIT_OK
    tree = repo.tree()
    kept = [handset(n) for n in (1, 2, 8, 9, 10, 11, 12)]  # 3..7 leave
    repo.site(kept)
    message = ("acme: 5 of 12 handsets (41.7%) would be deregistered, over the 30% threshold; "
               "use --force (or set deregistration_threshold)")
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_INVALID
    assert repo.changes(plan) == [change("deregister", None, before=holder(n))
                                  for n in range(3, 8)]
    assert repo.diagnostics(plan) == [("error", "deregistration-threshold", message)]
    assert folded(plan["summary"]) == summary(deregister=5, refused=1)
    assert repo.build() == EXIT_INVALID
    assert repo.err == (f"sites/acme.yaml:{repo.line('handsets:')}:1: error: {message} "
                        "[deregistration-threshold]\n" + NOTHING_WRITTEN)
    assert repo.tree() == tree

    assert repo.build("--force") == EXIT_OK
    assert repo.err == ""
    assert head(repo.xml()) == [deregister_line(n) for n in range(3, 8)]
    assert [s["status"] for s in repo.state()["slots"]] == \
        ["in-use"] * 2 + ["freed"] * 5 + ["in-use"] * 5


# -- the window --------------------------------------------------------------------------------


def test_registering_after_the_window_closed_warns(repo: Nx70Repo) -> None:
    repo.site([handset(1)])
    assert repo.build() == EXIT_OK
    repo.site([handset(1), handset(2)])
    plan = repo.plan(now="2026-12-04 09:00")  # closed on the 3rd at 08:00, Berlin time
    assert repo.diagnostics(plan) == [(
        "warning", "window-closed",
        "registration window closed at 2026-12-03 08:00; 1 handset cannot register by itself")]
    assert ('<param name="RegStart" value="1796108400"/>'  # 2026-12-01 07:00 UTC
            in [line.strip() for line in repo.xml().splitlines()])


# -- versions ----------------------------------------------------------------------------------


def test_revision_lives_in_the_header_and_the_state(repo: Nx70Repo) -> None:
    repo.site([handset(1), handset(2)])
    assert repo.build() == EXIT_OK
    xml = repo.xml()
    assert _header(xml) == ("<!-- Generated by dectprov from sites/acme.yaml, revision 1. Do "
                            "not edit: change the site file and build again. -->")
    assert "VERSION" not in xml and STAMP not in xml
    assert (repo.state()["revision"], repo.state()["stamp"]) == (1, STAMP)
    tree = repo.tree()

    # Nothing changed: no byte is rewritten, whatever the clock says.
    assert repo.build(now="2027-03-01 12:00") == EXIT_OK
    assert repo.out == BUILT_UNCHANGED
    assert repo.tree() == tree
    assert repo.check() == EXIT_OK

    # A change stamped earlier than the last build still gets a later stamp.
    repo.site([handset(1, display_name="Desk"), handset(2)])
    assert repo.check() == EXIT_INVALID
    plan = repo.plan(now="2026-11-20 09:00")
    assert plan["sites"][0]["revision"] == {"before": 1, "after": 2}
    assert repo.build(now="2026-11-20 09:00") == EXIT_OK
    xml = repo.xml()
    assert ", revision 2." in _header(xml)
    assert "VERSION" not in xml and "0112261001" not in xml
    assert (repo.state()["revision"], repo.state()["stamp"]) == (2, "0112261001")
    assert repo.state()["history"][-1] == {"revision": 2, "stamp": "0112261001",
                                           "changes": {"account": 1}}
    assert repo.check() == EXIT_OK


# -- what is never printed ---------------------------------------------------------------------


def test_no_password_in_any_output(repo: Nx70Repo) -> None:
    """Repo.run fails on any output holding a test password; here every command and format
    runs on a site whose passwords change, including one with XML's special characters."""
    odd = {"ipui": ipui(5), "login": "2005", "password": "Pw5-Secret!&<\"'>"}
    repo.site([handset(1), handset(2), odd])
    for command in (lambda: repo.plan_text("text"), lambda: repo.plan_text("markdown"),
                    repo.plan, repo.build, repo.check):
        command()
    repo.site([handset(1), swapped(2, 9), {**odd, "password": "Pw6-Secret!"}])
    for command in (lambda: repo.plan_text("text"), lambda: repo.plan_text("markdown"),
                    repo.plan, repo.build, repo.check):
        command()
    assert repo.code == EXIT_OK
    state = (repo.root / "build" / "acme" / "state.json").read_text()
    assert "Secret" not in state
    assert json.loads(state)["slots"][2] == in_use(5)


def test_a_window_moved_to_the_other_repeated_hour_says_which(repo: Nx70Repo) -> None:
    """Berlin shows 02:30 twice on 25 Oct 2026: RegStart moves by an hour, and the plan
    names the offset, or a reviewer reads the same line for either window."""
    repo.site([handset(1)], window={"start": "2026-10-25 02:30+02:00", "duration": "2h"})
    assert repo.build(now="2026-10-01 09:00") == EXIT_OK
    repo.site([handset(1)], window={"start": "2026-10-25 02:30+01:00", "duration": "2h"})
    plan = repo.plan(now="2026-10-01 09:00")
    assert repo.descriptions(plan) == [
        "registration window: from 2026-10-25 02:30+01:00, for 2h"]
