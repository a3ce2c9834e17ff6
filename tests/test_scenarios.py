"""Scenarios from the week with dectprov: builds in sequence on a temporary root, each
asserting the JSON plan, the exit code, the XML lines of the slots involved and the state.

Every command's output is checked for the test passwords: none may ever appear in a plan,
a diagnostic or a summary.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import tree_digests

from compiler.cli import EXIT_CHANGES, EXIT_INVALID, EXIT_OK, main

NOW = "2026-12-01 09:00"  # 10:00 in Berlin, inside the window below
STAMP = "0112261000"
MAC = "7C:2F:80:00:00:01"
XML_NAME = "7C2F80000001.xml"
ACCOUNT = "BS_VOIP_Data.astVoipAccounts[{slot}]."
CODE = "BS_Accounts.astAccounts[{slot}].aucHandsetCode[0]"
ZEROS = "0x00,0x00,0x00,0x00,0x00"
SECRET = "Secret!"  # in every test password, and in no output


def ipui(n: int) -> str:
    return f"0328D41A{n:02X}"


def password(n: int) -> str:
    return f"Pw{n}-{SECRET}"


def handset(n: int, **fields: Any) -> dict[str, Any]:
    """Handset n: IPUI 0328D41A<n>, login 2<n>, a password no output may show."""
    return {"ipui": ipui(n), "login": f"2{n:03d}", "password": password(n), **fields}


def account_lines(slot: int, n: int, code: int | None | str = "same",
                  display_name: str | None = None, enabled: bool = True) -> list[str]:
    """The XML lines of a slot holding the account of handset n, bound to the IPUI of
    handset `code` (by default n's own; None: an account without IPUI)."""
    code = n if code == "same" else code
    login = f"2{n:03d}"
    a = ACCOUNT.format(slot=slot)
    name = display_name or login
    bound = f", handset {ipui(code)}" if isinstance(code, int) else ""
    lines = [
        f"<!-- slot {slot}: {login} ({name}){bound} -->",
        f'<SYMB_ITEM ID="{a}ucB_SIP_ACCOUNT_IS_ACTIVE_1" class="symb_item" '
        f'value="{int(enabled)}"/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_LOGIN_ID[0]" class="symb_item" value=\'"{login}"\'/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_PASSWORD[0]" class="symb_item" '
        f'value=\'"{password(n)}"\'/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_USER_ID[0]" class="symb_item" value=\'"{login}"\'/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_DISPLAYNAME[0]" class="symb_item" value=\'"{name}"\'/>',
        f'<SYMB_ITEM ID="{a}ucVoipProviderIndex" class="symb_item" value="0"/>',
        f'<SYMB_ITEM ID="{a}aucS_VOIP_NET_AM_NUMBER_1[0]" class="symb_item" value=\'""\'/>',
        f'<SYMB_ITEM ID="{a}ucB_VOIP_NET_AM_ENABLED_1" class="symb_item" value="0"/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_ACCOUNT_NAME_1[0]" class="symb_item" '
        f'value=\'"{login}"\'/>',
    ]
    if isinstance(code, int):
        value = ",".join(f"0x{byte:02X}" for byte in bytes.fromhex(ipui(code)))
        lines.append(f'<SYMB_ITEM ID="{CODE.format(slot=slot)}" class="symb_item" '
                     f'value="{value}"/>')
    return lines


def emptied_lines(slot: int, title: str = "free") -> list[str]:
    """A slot whose entry is gone: the account disabled and emptied, no credentials left."""
    a = ACCOUNT.format(slot=slot)
    return [
        f"<!-- slot {slot}: {title} -->",
        f'<SYMB_ITEM ID="{a}ucB_SIP_ACCOUNT_IS_ACTIVE_1" class="symb_item" value="0"/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_LOGIN_ID[0]" class="symb_item" value=\'""\'/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_PASSWORD[0]" class="symb_item" value=\'""\'/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_USER_ID[0]" class="symb_item" value=\'""\'/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_DISPLAYNAME[0]" class="symb_item" value=\'""\'/>',
        f'<SYMB_ITEM ID="{a}aucS_SIP_ACCOUNT_NAME_1[0]" class="symb_item" value=\'""\'/>',
    ]


def zeroed_lines(slot: int, gone: int) -> list[str]:
    """A slot whose handset `gone` was deregistered: its code zeroed, its account emptied."""
    return [*emptied_lines(slot, f"free, handset {ipui(gone)} deregistered"),
            f'<SYMB_ITEM ID="{CODE.format(slot=slot)}" class="symb_item" value="{ZEROS}"/>']


def slot_lines(xml: str, slot: int) -> list[str]:
    """The lines of one slot's block: its comment, its account and its handset code."""
    marks = (f"<!-- slot {slot}:", ACCOUNT.format(slot=slot), CODE.format(slot=slot))
    return [line.strip() for line in xml.splitlines()
            if any(mark in line for mark in marks)]


def slots_in(xml: str) -> list[int]:
    return [int(line.split()[2].rstrip(":")) for line in xml.splitlines()
            if line.strip().startswith("<!-- slot ")]


def in_use(slot: int, n: int | None, login: str | None = None,
           enabled: bool = True, replaced: tuple[int, int] | None = None) -> dict[str, Any]:
    """`replaced`: the handset this one replaced here, and in which revision: remembered,
    so that it cannot come back in another slot unseen."""
    record = {"slot": slot, "status": "in-use", "ipui": ipui(n) if n is not None else None,
              "login": login or f"2{n:03d}", "enabled": enabled}
    if replaced is not None:
        record.update(deregistered_ipui=ipui(replaced[0]),
                      deregistered_in_revision=replaced[1],
                      deregistered_at=stamp_of(replaced[1]))
    return record


def stamp_of(revision: int) -> str:
    """The stamp of a revision built at NOW: a minute later than the last, each time."""
    return f"01122610{revision - 1:02d}"


def freed(slot: int, gone: int | None, revision: int) -> dict[str, Any]:
    """A slot freed in `revision`, still deregistering handset `gone` (None: an account
    without IPUI, only emptied)."""
    if gone is None:
        return {"slot": slot, "status": "freed", "freed_in_revision": revision,
                "freed_at": stamp_of(revision)}
    return {"slot": slot, "status": "freed", "deregistered_ipui": ipui(gone),
            "deregistered_in_revision": revision, "deregistered_at": stamp_of(revision)}


def holder(n: int | None, login: str | None = None) -> dict[str, Any]:
    return {"ipui": ipui(n) if n is not None else None, "login": login or f"2{n:03d}"}


def change(kind: str, slot: int | None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, fields: list[str] | None = None,
           **more: Any) -> dict[str, Any]:
    """A change as the JSON plan gives it, without its description (checked apart)."""
    return {"site": more.pop("site", "acme"), "slot": slot, "kind": kind, "before": before,
            "after": after, "fields": fields or [], "other_slot": more.pop("other_slot", None),
            "provider": more.pop("provider", None), "refused": more.pop("refused", False),
            "since": more.pop("since", None)}


class Repo:
    """A temporary root with sites/ and build/, and the dectprov commands run on it."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys
        self.out = self.err = ""
        self.code = EXIT_OK

    def site(self, handsets: list[dict[str, Any]], name: str = "acme", mac: str = MAC,
             window: dict[str, Any] | None | bool = True, pin: str | None = "0000",
             **top: Any) -> None:
        data: dict[str, Any] = {
            "site": name, "model": "N720", "mac": mac, "firmware": 110,
            "timezone": "Europe/Berlin",
            "providers": [{"name": "PBX", "domain": "pbx.example.net"}],
        }
        registration: dict[str, Any] = {}
        if window is True:
            window = {"start": "2026-12-01 08:00", "duration": "2d"}
        if window:
            registration["window"] = window
        if pin is not None:
            registration["pin"] = pin
        if registration:
            data["registration"] = registration
        data.update(top)
        data["handsets"] = handsets
        path = self.root / "sites" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    def run(self, *argv: str) -> int:
        code = main(list(argv))
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        assert SECRET not in self.out + self.err, "a password was printed"
        return code

    def build(self, *options: str, now: str = NOW) -> int:
        return self.run("build", "--root", str(self.root), "--now", now, *options)

    def plan(self, *options: str, now: str = NOW) -> dict[str, Any]:
        """The JSON plan; the exit code is in self.code."""
        self.code = self.run("plan", "--root", str(self.root), "--now", now,
                             "--format", "json", *options)
        return json.loads(self.out)

    def plan_text(self, fmt: str, *options: str, now: str = NOW) -> int:
        return self.run("plan", "--root", str(self.root), "--now", now, "--format", fmt,
                        *options)

    def check(self) -> int:
        return self.run("check", "--root", str(self.root))

    def changes(self, plan: dict[str, Any], site: str = "acme") -> list[dict[str, Any]]:
        """The changes of a site without their descriptions, which are checked apart."""
        found = next(s for s in plan["sites"] if s["site"] == site)
        return [{k: v for k, v in c.items() if k != "description"} for c in found["changes"]]

    def descriptions(self, plan: dict[str, Any], site: str = "acme") -> list[str]:
        found = next(s for s in plan["sites"] if s["site"] == site)
        return [c["description"] for c in found["changes"]]

    def diagnostics(self, plan: dict[str, Any],
                    site: str = "acme") -> list[tuple[str, str, str]]:
        found = next(s for s in plan["sites"] if s["site"] == site)
        return [(d["severity"], d["rule"], d["message"]) for d in found["diagnostics"]]

    def line(self, text: str, site: str = "acme") -> int:
        """The line of the site file where `text` first appears, as diagnostics name it."""
        lines = (self.root / "sites" / f"{site}.yaml").read_text().splitlines()
        return next(number for number, line in enumerate(lines, 1) if text in line)

    def at(self, key: str, after: str = "", site: str = "acme") -> str:
        """'line:column' of the first `key:` in the site file below the line holding
        `after`, as diagnostics name it."""
        lines = (self.root / "sites" / f"{site}.yaml").read_text().splitlines()
        start = next(n for n, line in enumerate(lines) if after in line)
        number, line = next((n, line) for n, line in enumerate(lines) if n >= start
                            and line.lstrip(" -").startswith(f"{key}:"))
        return f"{number + 1}:{line.index(key) + 1}"

    def xml(self, site: str = "acme", name: str = XML_NAME) -> str:
        return (self.root / "build" / site / name).read_bytes().decode("iso-8859-1")

    def state(self, site: str = "acme") -> dict[str, Any]:
        return json.loads((self.root / "build" / site / "state.json").read_text())

    def tree(self) -> dict[str, str]:
        """Every file under build/ with its sha256: equal trees, equal bytes."""
        return tree_digests(self.root / "build")


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Repo:
    return Repo(tmp_path, capsys)


# The site's zone is written (timezone: and a window): named, as every site setting is.
FIRST_BUILD_SITE_CHANGES = [change("pin", None), change("profile", None),
                            change("provider", None, provider=0),
                            change("setting", None, fields=["time.dst", "timezone"]),
                            change("window", None)]
NO_CHANGES = {"register": 0, "replace": 0, "change": 0, "deregister": 0, "move": 0, "remove": 0,
              "retire": 0, "refused": 0}
ADVICE = ("the DM deregisters a handset whose IPUI changes slot, and the customer must then "
          "register it again by hand. Drop the 'slot:' pins and let the compiler keep "
          "handsets where they are, or build with --allow-reregistration")
BUILT_CHANGED = "Built 1 site: 1 changed, 0 unchanged (2 files written).\n"
BUILT_UNCHANGED = "Built 1 site: 0 changed, 1 unchanged (0 files written).\n"
NOTHING_WRITTEN = "Nothing was written: fix the errors above.\n"


def summary(**counts: int) -> dict[str, int]:
    return {**NO_CHANGES, **counts}


def folded(document: dict[str, Any]) -> dict[str, int]:
    """A JSON plan's summary without its count of each kind: the summary's own words."""
    return {key: value for key, value in document.items() if key != "kinds"}


# -- Monday: a new site -------------------------------------------------------------------


def test_first_build_registers_every_handset(repo: Repo) -> None:
    repo.site([handset(1), handset(2), {"login": "2099", "password": password(99)},
               handset(3)])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [
        change("register", 0, after=holder(1)),
        change("register", 1, after=holder(2)),
        change("add", 2, after=holder(None, "2099")),
        change("register", 3, after=holder(3)),
        *FIRST_BUILD_SITE_CHANGES,
    ]
    assert repo.descriptions(plan)[:3] == [
        "0328D41A01 (2001): new handset, registers by itself in the window",
        "0328D41A02 (2002): new handset, registers by itself in the window",
        "login 2099: new account without IPUI; its handset registers with the PIN",
    ]
    assert plan["format_version"] == 1
    assert plan["sites"][0]["revision"] == {"before": None, "after": 1}
    assert folded(plan["summary"]) == summary(register=4, change=5)
    # Wazo found that window items make registration impossible (wazo-provd-plugins
    # ebc32d40): the PIN handset added under the window is said.
    assert [rule for _, rule, _ in repo.diagnostics(plan)] == ["window-pin-handsets"]

    assert repo.build() == EXIT_OK
    assert repo.out == BUILT_CHANGED
    assert repo.err.startswith("sites/acme.yaml:") and repo.err.endswith(
        "register those handsets before adding the window, or give them their ipui "
        "[window-pin-handsets]\n") and repo.err.count("\n") == 1
    xml = repo.xml()
    assert slots_in(xml) == [0, 1, 2, 3]
    assert slot_lines(xml, 0) == account_lines(0, 1)
    assert slot_lines(xml, 1) == account_lines(1, 2)
    assert slot_lines(xml, 2) == account_lines(2, 99, code=None)
    assert slot_lines(xml, 3) == account_lines(3, 3)
    state = repo.state()
    assert state == {
        "format_version": 1, "site": "acme", "mac": "7C2F80000001", "model": "N720",
        "file": XML_NAME, "revision": 1, "stamp": STAMP,
        "sha256": hashlib.sha256(repo.xml().encode("iso-8859-1")).hexdigest(),
        "slots": [in_use(0, 1), in_use(1, 2), in_use(2, None, "2099"), in_use(3, 3)],
        "history": [{"revision": 1, "stamp": STAMP, "changes": {
            "add": 1, "pin": 1, "profile": 1, "provider": 1, "register": 3, "setting": 1,
            "window": 1}}],
    }
    state_text = (repo.root / "build" / "acme" / "state.json").read_text()
    assert json.loads(state_text) == state
    assert state_text.startswith('{\n  "file": ')
    # One slot a line, keys sorted: a change to a slot is a one-line diff in review.
    assert [line.strip().rstrip(",") for line in state_text.splitlines()
            if '"slot": ' in line] == [json.dumps(slot, sort_keys=True, separators=(", ", ": "))
                                       for slot in state["slots"]]


# -- adding and removing handsets ---------------------------------------------------------


def test_added_handset_takes_the_lowest_free_slot_and_nothing_else_moves(repo: Repo) -> None:
    repo.site([handset(1), handset(2), handset(3, slot=5)])
    assert repo.build() == EXIT_OK
    before = repo.xml()
    assert slots_in(before) == [0, 1, 5]
    repo.site([handset(4), handset(1), handset(2), handset(3, slot=5)])  # first in the file
    plan = repo.plan()
    assert repo.code == EXIT_OK
    assert repo.changes(plan) == [change("register", 2, after=holder(4))]
    assert repo.build() == EXIT_OK
    xml = repo.xml()
    assert slots_in(xml) == [0, 1, 2, 5]
    assert slot_lines(xml, 2) == account_lines(2, 4)
    for slot in (0, 1, 5):
        assert slot_lines(xml, slot) == slot_lines(before, slot)
    assert repo.state()["slots"] == [in_use(0, 1), in_use(1, 2), in_use(2, 4), in_use(5, 3)]


def test_removed_handset_is_zeroed_until_a_new_one_takes_its_slot(repo: Repo) -> None:
    repo.site([handset(n) for n in (1, 2, 3, 4)])
    assert repo.build() == EXIT_OK
    before = repo.xml()

    repo.site([handset(1), handset(3), handset(4)])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [change("deregister", 1, before=holder(2))]
    assert repo.descriptions(plan) == [
        "0328D41A02 (2002): handset deregistered; account disabled and emptied"]
    assert folded(plan["summary"]) == summary(deregister=1)
    assert repo.diagnostics(plan) == []  # 1 of 4 is under the threshold
    assert repo.build() == EXIT_OK
    removed = repo.xml()
    assert slot_lines(removed, 1) == zeroed_lines(1, 2)
    for slot in (0, 2, 3):
        assert slot_lines(removed, slot) == slot_lines(before, slot)
    assert repo.state()["slots"] == [in_use(0, 1), freed(1, 2, 2), in_use(2, 3), in_use(3, 4)]

    # A later build for another reason keeps deregistering the handset in slot 1.
    repo.site([handset(1, display_name="Reception"), handset(3), handset(4)])
    plan = repo.plan()
    assert repo.changes(plan) == [change("account", 0, before=holder(1), after=holder(1),
                                         fields=["display_name"])]
    assert repo.descriptions(plan) == ["login 2001: display_name changed"]
    assert repo.build() == EXIT_OK
    later = repo.xml()
    assert slot_lines(later, 0) == account_lines(0, 1, display_name="Reception")
    assert slot_lines(later, 1) == zeroed_lines(1, 2)
    assert repo.state()["slots"][1] == freed(1, 2, 2)
    assert repo.state()["revision"] == 3

    # A new handset takes the lowest free slot: the one the removal freed.
    repo.site([handset(1, display_name="Reception"), handset(3), handset(4), handset(5)])
    plan = repo.plan()
    assert repo.changes(plan) == [change("register", 1, after=holder(5))]
    assert repo.build() == EXIT_OK
    reused = repo.xml()
    assert slot_lines(reused, 1) == account_lines(1, 5)
    assert slots_in(reused) == [0, 1, 2, 3]
    for slot in (0, 2, 3):
        assert slot_lines(reused, slot) == slot_lines(later, slot)
    assert repo.state()["slots"] == [in_use(0, 1), in_use(1, 5, replaced=(2, 2)), in_use(2, 3),
                                     in_use(3, 4)]


def test_removed_account_without_ipui_is_disabled_and_emptied(repo: Repo) -> None:
    repo.site([handset(1), {"login": "2099", "password": password(99)}, handset(3)])
    assert repo.build() == EXIT_OK
    repo.site([handset(1), handset(3)])
    plan = repo.plan()
    assert repo.changes(plan) == [change("remove", 1, before=holder(None, "2099"))]
    assert repo.descriptions(plan) == ["login 2099: account disabled and emptied"]
    assert repo.build() == EXIT_OK
    assert slot_lines(repo.xml(), 1) == emptied_lines(1)
    assert repo.state()["slots"][1] == freed(1, None, 2)


def test_renewing_every_handset_of_a_large_site_reuses_the_slots_it_frees(repo: Repo) -> None:
    repo.site([handset(n) for n in range(60)])
    assert repo.build() == EXIT_OK
    repo.site([handset(n) for n in range(100, 160)])  # new logins, new handsets
    plan = repo.plan("--force")
    assert repo.code == EXIT_OK
    # Never-used slots first (60..99), then the slots this build frees, lowest first.
    kinds = {slot: [c["kind"] for c in repo.changes(plan) if c["slot"] == slot]
             for slot in range(100)}
    assert kinds == {**{slot: ["replace", "account"] for slot in range(20)},
                     **{slot: ["deregister"] for slot in range(20, 60)},
                     **{slot: ["register"] for slot in range(60, 100)}}
    assert repo.changes(plan)[0] == change("replace", 0, before=holder(0),
                                           after=holder(140))
    assert repo.build("--force") == EXIT_OK
    xml = repo.xml()
    assert slot_lines(xml, 0) == account_lines(0, 140)
    assert slot_lines(xml, 59) == zeroed_lines(59, 59)
    assert slot_lines(xml, 60) == account_lines(60, 100)


# -- Wednesday: a broken handset ----------------------------------------------------------


def test_replaced_handset_keeps_its_slot(repo: Repo) -> None:
    repo.site([handset(1), handset(2), handset(3), handset(4)])
    assert repo.build() == EXIT_OK
    before = repo.xml()
    repo.site([handset(1), handset(2, ipui="0328 D41A 09"), handset(3), handset(4)])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan) == [
        change("replace", 1, before=holder(2), after=holder(9, "2002"))]
    assert repo.descriptions(plan) == [
        "0328D41A02 (2002) -> 0328D41A09 (2002): the old handset is deregistered, the new one "
        "registers in the window"]
    assert folded(plan["summary"]) == summary(replace=1)
    assert repo.diagnostics(plan) == []
    assert repo.build() == EXIT_OK
    xml = repo.xml()
    assert slot_lines(xml, 1) == account_lines(1, 2, code=9)
    for slot in (0, 2, 3):
        assert slot_lines(xml, slot) == slot_lines(before, slot)
    assert repo.state()["slots"][1] == in_use(1, 9, "2002", replaced=(2, 2))
    assert repo.state()["history"][-1]["changes"] == {"replace": 1}


def test_disabled_handset_keeps_its_slot_and_its_handset(repo: Repo) -> None:
    repo.site([handset(1), handset(2), handset(3)])
    assert repo.build() == EXIT_OK
    repo.site([handset(1), handset(2, enabled=False), handset(3)])
    plan = repo.plan()
    assert repo.changes(plan) == [change("account", 1, before=holder(2), after=holder(2),
                                         fields=["enabled"])]
    assert repo.descriptions(plan) == ["login 2002: enabled changed"]
    assert repo.build() == EXIT_OK
    assert slot_lines(repo.xml(), 1) == account_lines(1, 2, enabled=False)
    assert repo.state()["slots"][1] == in_use(1, 2, enabled=False)


# -- Thursday: logins change desks --------------------------------------------------------


def test_swapped_logins_change_accounts_and_deregister_nothing(repo: Repo) -> None:
    repo.site([handset(1), handset(2), handset(3), handset(4)])
    assert repo.build() == EXIT_OK
    before = repo.xml()
    repo.site([handset(1),
               {"ipui": ipui(2), "login": "2003", "password": password(3)},
               {"ipui": ipui(3), "login": "2002", "password": password(2)},
               handset(4)])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    fields = ["account_name", "display_name", "login", "password", "user_id"]
    assert repo.changes(plan) == [
        change("account", 1, before=holder(2), after=holder(2, "2003"), fields=fields),
        change("account", 2, before=holder(3), after=holder(3, "2002"), fields=fields),
    ]
    assert repo.descriptions(plan) == [
        "login 2002 -> 2003: account_name, display_name, login, password, user_id changed",
        "login 2003 -> 2002: account_name, display_name, login, password, user_id changed",
    ]
    assert folded(plan["summary"]) == summary(change=2)
    assert repo.diagnostics(plan) == []
    assert repo.build() == EXIT_OK
    assert repo.err == ""
    xml = repo.xml()
    assert slot_lines(xml, 1) == account_lines(1, 3, code=2)
    assert slot_lines(xml, 2) == account_lines(2, 2, code=3)
    for slot in (0, 3):
        assert slot_lines(xml, slot) == slot_lines(before, slot)
    assert repo.state()["slots"] == [in_use(0, 1), in_use(1, 2, "2003"), in_use(2, 3, "2002"),
                                     in_use(3, 4)]


# -- reordering changes nothing -----------------------------------------------------------


def test_reordered_yaml_changes_nothing(repo: Repo) -> None:
    handsets = [handset(1), handset(2), {"login": "2099", "password": password(99)},
                handset(3), handset(4)]
    repo.site(handsets)
    assert repo.build() == EXIT_OK
    tree = repo.tree()
    repo.site(handsets[::-1])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_OK
    assert repo.changes(plan) == []
    assert plan["sites"][0]["revision"] == {"before": 1, "after": 1}
    assert folded(plan["summary"]) == NO_CHANGES
    assert repo.plan_text("text", "--detailed-exitcode") == EXIT_OK
    assert repo.out == "Plan: no changes.\n"
    assert repo.build() == EXIT_OK
    assert (repo.out, repo.err) == (BUILT_UNCHANGED, "")
    assert repo.tree() == tree
    assert repo.state()["revision"] == 1


# -- Friday: the mistake that dectprov stops ----------------------------------------------


def _tidied(order: list[int], pinned: bool = True) -> list[dict[str, Any]]:
    return [handset(n, **({"slot": i} if pinned else {})) for i, n in enumerate(order)]


def test_pinned_swap_is_refused_then_allowed_with_the_flag(repo: Repo) -> None:
    repo.site([handset(n) for n in range(1, 9)])
    assert repo.build() == EXIT_OK
    tree = repo.tree()
    before = repo.xml()
    order = [1, 3, 2, 4, 5, 6, 7, 8]  # "sorted" with the slots numbered in that order
    repo.site(_tidied(order))

    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_INVALID
    assert repo.changes(plan) == [change("swap", 1, before=holder(2), after=holder(3),
                                         other_slot=2, refused=True)]
    assert repo.descriptions(plan) == [
        "0328D41A02 (2002) <-> 0328D41A03 (2003) with slot 2: both must be registered again "
        "by hand [refused]"]
    swap = ("handsets 0328D41A02 (login 2002) and 0328D41A03 (login 2003) would swap slots 1 "
            "and 2, and both must then be registered again by hand")
    assert repo.diagnostics(plan) == [("error", "reregistration", swap),
                                      ("error", "reregistration", ADVICE)]
    assert folded(plan["summary"]) == summary(move=1, refused=1)

    assert repo.build() == EXIT_INVALID
    assert repo.out == ""
    assert repo.err == (f"sites/acme.yaml:{repo.line('handsets:')}:1: error: {ADVICE} "
                        "[reregistration]\n"
                        f"sites/acme.yaml:{repo.at('slot', ipui(3))}: error: {swap} "
                        "[reregistration]\n"
                        + NOTHING_WRITTEN)
    assert repo.tree() == tree
    # validate (and so the pre-commit hook, which names the file) refuses it as build does.
    refusals = repo.err.removesuffix(NOTHING_WRITTEN)
    assert repo.run("validate", "--root", str(repo.root)) == EXIT_INVALID
    assert repo.out == "" and repo.err.endswith(refusals)  # after the literal-password advice
    assert repo.run("validate", "--root", str(repo.root),
                    str(repo.root / "sites" / "acme.yaml")) == EXIT_INVALID
    assert repo.err.endswith(refusals)

    # Without the pins, the same order is no change at all.
    repo.site(_tidied(order, pinned=False))
    assert repo.changes(repo.plan("--detailed-exitcode")) == []
    assert repo.code == EXIT_OK

    repo.site(_tidied(order))
    assert repo.build("--allow-reregistration") == EXIT_OK
    assert repo.out == BUILT_CHANGED
    xml = repo.xml()
    assert slot_lines(xml, 1) == account_lines(1, 3)
    assert slot_lines(xml, 2) == account_lines(2, 2)
    for slot in (0, 3, 4, 5, 6, 7):
        assert slot_lines(xml, slot) == slot_lines(before, slot)
    assert repo.state()["slots"][1:3] == [in_use(1, 3), in_use(2, 2)]
    assert repo.state()["history"][-1]["changes"] == {"swap": 1}
    assert repo.changes(repo.plan("--detailed-exitcode")) == []
    assert repo.code == EXIT_OK


def test_move_to_a_pinned_free_slot_is_refused(repo: Repo) -> None:
    repo.site([handset(n) for n in range(1, 6)])
    assert repo.build() == EXIT_OK
    tree = repo.tree()
    repo.site([handset(1), handset(2, slot=7), handset(3), handset(4), handset(5)])
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_INVALID
    assert repo.changes(plan) == [
        change("remove", 1, before=holder(2)),
        change("move", 7, after=holder(2), other_slot=1, refused=True),
    ]
    assert repo.descriptions(plan) == [
        "0328D41A02 (2002): account disabled and emptied (its handset moves to another slot)",
        "0328D41A02 (2002): moves from slot 1; the DM deregisters it and it must be "
        "registered again by hand [refused]",
    ]
    move = ("handset 0328D41A02 (login 2002) would move from slot 1 to slot 7, and must then "
            "be registered again by hand")
    assert repo.diagnostics(plan) == [("error", "reregistration", move),
                                      ("error", "reregistration", ADVICE)]
    assert repo.build() == EXIT_INVALID
    assert repo.err == (f"sites/acme.yaml:{repo.line('handsets:')}:1: error: {ADVICE} "
                        "[reregistration]\n"
                        f"sites/acme.yaml:{repo.at('slot', ipui(2))}: error: {move} "
                        "[reregistration]\n"
                        + NOTHING_WRITTEN)
    assert repo.tree() == tree

    assert repo.build("--allow-reregistration") == EXIT_OK
    xml = repo.xml()
    assert slots_in(xml) == [0, 1, 2, 3, 4, 7]
    assert slot_lines(xml, 7) == account_lines(7, 2)
    # The IPUI left slot 1: the slot is zeroed there too, as for any deregistration.
    assert slot_lines(xml, 1) == zeroed_lines(1, gone=2)
    assert repo.state()["slots"][1] == freed(1, gone=2, revision=2)
    assert repo.state()["slots"][-1] == in_use(7, 2)


def test_a_login_does_not_take_the_slot_of_a_handset_still_in_the_site(repo: Repo) -> None:
    repo.site([handset(1), handset(2), handset(3), handset(4)])
    assert repo.build() == EXIT_OK
    # Login 2002 gets a new handset while its old one goes to a new login pinned to slot 7:
    # slot 1 is not a replacement, because handset 2 is still in the site.
    repo.site([handset(1), handset(2, ipui=ipui(9)),
               {"ipui": ipui(2), "login": "2077", "password": password(77), "slot": 7},
               handset(3), handset(4)])
    plan = repo.plan("--allow-reregistration")
    assert repo.code == EXIT_OK
    assert repo.changes(plan) == [
        change("remove", 1, before=holder(2)),
        change("register", 4, after=holder(9, "2002")),
        change("move", 7, after=holder(2, "2077"), other_slot=1),
    ]


# -- a handset moves between sites --------------------------------------------------------


def test_handset_moved_between_sites_warns_the_site_that_deregisters_it(repo: Repo) -> None:
    repo.site([handset(1), handset(2), handset(3)], name="alpha", mac="7C2F80000001")
    repo.site([handset(11), handset(12), handset(13)], name="beta", mac="7C2F80000002")
    assert repo.build() == EXIT_OK
    repo.site([handset(1), handset(3)], name="alpha", mac="7C2F80000001")
    repo.site([handset(11), handset(12), handset(13), handset(2)], name="beta",
              mac="7C2F80000002")
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_CHANGES
    assert repo.changes(plan, "alpha") == [
        change("deregister", 1, before=holder(2), site="alpha")]
    warning = ("handset 0328D41A02 leaves alpha (slot 1) and is registered by beta: deploy "
               "alpha first, so the handset is released before it registers again")
    assert repo.diagnostics(plan, "alpha") == [("warning", "ipui-site-move", warning)]
    assert repo.changes(plan, "beta") == [change("register", 3, after=holder(2), site="beta")]
    assert repo.diagnostics(plan, "beta") == []
    assert repo.build() == EXIT_OK
    assert repo.err == (f"sites/alpha.yaml:{repo.line('handsets:', 'alpha')}:1: warning: "
                        f"{warning} [ipui-site-move]\n")
    assert repo.out == "Built 2 sites: 2 changed, 0 unchanged (4 files written).\n"
    assert slot_lines(repo.xml("alpha"), 1) == zeroed_lines(1, 2)
    assert slot_lines(repo.xml("beta", "7C2F80000002.xml"), 3) == account_lines(3, 2)


# -- the safety threshold -----------------------------------------------------------------


def test_deregistering_over_the_threshold_needs_force(repo: Repo) -> None:
    repo.site([handset(n) for n in range(1, 13)])
    assert repo.build() == EXIT_OK
    tree = repo.tree()
    kept = [handset(n) for n in (1, 2, 8, 9, 10, 11, 12)]  # 3..7 leave: slots 2..6
    repo.site(kept)
    message = ("acme: 5 of 12 handsets (41.7%) would be deregistered, over the 30% threshold; "
               "use --force (or set deregistration_threshold)")
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_INVALID
    assert repo.changes(plan) == [change("deregister", slot, before=holder(slot + 1))
                                  for slot in range(2, 7)]
    assert repo.diagnostics(plan) == [("error", "deregistration-threshold", message)]
    assert folded(plan["summary"]) == summary(deregister=5, refused=1)
    assert repo.build() == EXIT_INVALID
    assert repo.err == (f"sites/acme.yaml:{repo.line('handsets:')}:1: error: {message} "
                        "[deregistration-threshold]\n"
                        + NOTHING_WRITTEN)
    assert repo.tree() == tree

    repo.site(kept, deregistration_threshold=50)
    plan = repo.plan("--detailed-exitcode")
    assert (repo.code, repo.diagnostics(plan)) == (EXIT_CHANGES, [])

    repo.site(kept)
    assert repo.build("--force") == EXIT_OK
    assert repo.err == ""
    xml = repo.xml()
    for slot in range(2, 7):
        assert slot_lines(xml, slot) == zeroed_lines(slot, slot + 1)
    assert [s["status"] for s in repo.state()["slots"]] == \
        ["in-use"] * 2 + ["freed"] * 5 + ["in-use"] * 5


@pytest.mark.parametrize(("total", "removed", "refused"), [
    (10, 3, False),  # exactly 30% is not over it
    (10, 4, True),
    (3, 2, False),  # a site with fewer than 4 handsets has no threshold
    (4, 2, True),
])
def test_threshold_boundaries(repo: Repo, total: int, removed: int, refused: bool) -> None:
    repo.site([handset(n) for n in range(1, total + 1)])
    assert repo.build() == EXIT_OK
    repo.site([handset(n) for n in range(removed + 1, total + 1)])
    assert repo.build() == (EXIT_INVALID if refused else EXIT_OK)
    assert ("[deregistration-threshold]" in repo.err) is refused


# -- the registration window and the PIN --------------------------------------------------


def test_registering_after_the_window_closed_warns(repo: Repo) -> None:
    repo.site([handset(1), handset(2)])
    assert repo.build() == EXIT_OK
    assert repo.err == ""
    late = "2026-12-04 09:00"  # the window closed on the 3rd at 08:00, Berlin time
    repo.site([handset(1), handset(2), handset(3)])
    plan = repo.plan(now=late)
    warning = ("registration window closed at 2026-12-03 08:00; 1 handset cannot register "
               "by itself")
    assert repo.diagnostics(plan) == [("warning", "window-closed", warning)]
    assert repo.code == EXIT_OK
    assert repo.build(now=late) == EXIT_OK
    assert repo.err == (f"sites/acme.yaml:{repo.at('window')}: warning: {warning} "
                        "[window-closed]\n")

    # Nothing to register, nothing to warn about.
    repo.site([handset(1, display_name="Office"), handset(2), handset(3)])
    assert repo.diagnostics(repo.plan(now=late)) == []


def test_first_build_after_the_window_closed_warns(repo: Repo) -> None:
    repo.site([handset(1), handset(2)], window={"start": "2026-11-01 08:00", "duration": "1d"})
    plan = repo.plan()
    assert repo.diagnostics(plan) == [(
        "warning", "window-closed",
        "registration window closed at 2026-11-02 08:00; 2 handsets cannot register by "
        "themselves")]


def test_registering_without_a_window_warns(repo: Repo) -> None:
    repo.site([handset(1), handset(2)], window=None)
    plan = repo.plan()
    assert repo.diagnostics(plan) == [(
        "warning", "window-missing",
        "no registration window is set; 2 handsets cannot register by themselves")]
    assert repo.build() == EXIT_OK
    assert repo.err == (f"sites/acme.yaml:{repo.line('handsets:')}:1: warning: no "
                        "registration window is set; 2 handsets cannot register by themselves "
                        "[window-missing]\n")


def test_typed_pin_warns_when_handsets_register(repo: Repo) -> None:
    repo.site([handset(1), handset(2)], pin="1234")
    plan = repo.plan()
    assert repo.diagnostics(plan) == [(
        "warning", "pin-typed",
        "the registration PIN is not 0000: 2 handsets register only after someone types the "
        "PIN on each")]
    assert "1234" not in repo.out
    assert repo.build() == EXIT_OK
    repo.site([handset(1, display_name="Office"), handset(2)], pin="1234")
    assert repo.diagnostics(repo.plan()) == []


# -- versions -----------------------------------------------------------------------------


def _version_line(xml: str) -> str:
    return next(line.strip() for line in xml.splitlines() if "<VERSION " in line)


def _header(xml: str) -> str:
    return xml.splitlines()[1]


def test_revisions_and_version_stamps(repo: Repo) -> None:
    repo.site([handset(1), handset(2)])
    assert repo.build() == EXIT_OK
    xml = repo.xml()
    assert _version_line(xml) == f'<VERSION value="{STAMP}"/>'  # 09:00 UTC, 10:00 in Berlin
    assert _header(xml) == ("<!-- Generated by dectprov from sites/acme.yaml, revision 1. Do "
                            "not edit: change the site file and build again. -->")
    tree = repo.tree()

    # Nothing changed: nothing is rewritten, whatever the clock says.
    assert repo.build(now="2027-03-01 12:00") == EXIT_OK
    assert repo.out == BUILT_UNCHANGED
    assert repo.tree() == tree

    # A change stamped earlier than the last build still gets a later stamp.
    repo.site([handset(1, display_name="Desk"), handset(2)])
    plan = repo.plan(now="2026-11-20 09:00")
    assert plan["sites"][0]["revision"] == {"before": 1, "after": 2}
    assert repo.build(now="2026-11-20 09:00") == EXIT_OK
    xml = repo.xml()
    assert _version_line(xml) == '<VERSION value="0112261001"/>'
    assert ", revision 2." in _header(xml)

    repo.site([handset(1, display_name="Desk"), handset(2), handset(3)])
    assert repo.build(now="2027-07-01 12:00") == EXIT_OK  # summer time: UTC+2
    assert _version_line(repo.xml()) == '<VERSION value="0107271400"/>'

    repo.site([handset(1, display_name="Desk"), handset(3)])
    assert repo.build(now="2027-07-01 12:00") == EXIT_OK  # same minute: one more
    assert _version_line(repo.xml()) == '<VERSION value="0107271401"/>'

    state = repo.state()
    assert (state["revision"], state["stamp"]) == (4, "0107271401")
    assert state["history"] == [
        {"revision": 1, "stamp": STAMP, "changes": {
            "pin": 1, "profile": 1, "provider": 1, "register": 2, "setting": 1, "window": 1}},
        {"revision": 2, "stamp": "0112261001", "changes": {"account": 1}},
        {"revision": 3, "stamp": "0107271400", "changes": {"register": 1}},
        {"revision": 4, "stamp": "0107271401", "changes": {"deregister": 1}},
    ]
    tree = repo.tree()
    assert repo.build(now="2028-01-01 00:00") == EXIT_OK
    assert repo.tree() == tree


# -- check --------------------------------------------------------------------------------


def test_check_fails_on_hand_edits_missing_state_and_unbuilt_changes(repo: Repo) -> None:
    repo.site([handset(1), handset(2)])
    assert repo.check() == EXIT_INVALID
    assert repo.build() == EXIT_OK
    assert repo.check() == EXIT_OK
    assert (repo.out, repo.err) == ("1 site valid; build/ is up to date.\n", "")

    xml_path = repo.root / "build" / "acme" / XML_NAME
    built = xml_path.read_bytes()
    xml_path.write_bytes(built.replace(b'value=\'"2002"\'', b'value=\'"2009"\''))
    assert repo.check() == EXIT_INVALID
    assert repo.err == (f"build/acme/{XML_NAME}: error: was edited by hand (its sha256 is not "
                        "the one in the state); run 'dectprov build' and commit build/ [stale]\n")
    xml_path.write_bytes(built)
    assert repo.check() == EXIT_OK

    state_path = repo.root / "build" / "acme" / "state.json"
    state = state_path.read_bytes()
    state_path.unlink()
    assert repo.check() == EXIT_INVALID
    assert repo.err == (
        f"build/acme/{XML_NAME}: error: is out of date; run 'dectprov build' and commit build/ "
        "[stale]\n"
        "build/acme/state.json: error: is missing; run 'dectprov build' and commit build/ "
        "[stale]\n")
    state_path.write_bytes(state)
    assert repo.check() == EXIT_OK

    repo.site([handset(1), handset(2), handset(3)])
    assert repo.check() == EXIT_INVALID
    assert repo.err == (
        f"build/acme/{XML_NAME}: error: is out of date; run 'dectprov build' and commit build/ "
        "[stale]\n"
        "build/acme/state.json: error: is out of date; run 'dectprov build' and commit build/ "
        "[stale]\n")
    assert repo.build() == EXIT_OK
    assert repo.check() == EXIT_OK


# -- a state that cannot be trusted -------------------------------------------------------


DAMAGED = "the state is damaged ("
RESTORE = ("); restore it from git (git checkout -- build/) rather than deleting it, or every "
           "handset is planned anew [state]")


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],  # cut off
    lambda text: "[]\n",  # JSON, but not an object
    lambda text: text.replace('"stamp": "0112261000"', '"stamp": "yesterday"'),
    lambda text: text.replace('"ipui": "0328D41A02"', '"ipui": 42'),
    lambda text: text.replace('"format_version": 1', '"format_version": 99'),
    lambda text: text.replace('"slots"', '"slot_list"'),
], ids=["truncated", "list", "stamp", "ipui", "format-version", "missing-key"])
def test_damaged_state_is_an_error_that_says_how_to_proceed(repo: Repo, damage: Any) -> None:
    repo.site([handset(1), handset(2)])
    assert repo.build() == EXIT_OK
    state_path = repo.root / "build" / "acme" / "state.json"
    state_path.write_text(damage(state_path.read_text()))
    tree = repo.tree()
    repo.site([handset(1), handset(2), handset(3)])
    for command in (repo.build, repo.check):
        assert command() == EXIT_INVALID
        line = repo.err.splitlines()[0]
        assert re.match(f"build/acme/state.json(:[0-9]+:[0-9]+)?: error: {re.escape(DAMAGED)}",
                        line)
        assert line.endswith(RESTORE)
        # Nothing is planned against a damaged state, so check does not also say to
        # rebuild: every line is about the state (a value copied to the history is twice).
        assert all(text.startswith("build/acme/state.json") and text.endswith(RESTORE)
                   for text in repo.err.splitlines() if ": error: " in text), repo.err
        assert "stale" not in repo.err
    plan = repo.plan("--detailed-exitcode")
    assert repo.code == EXIT_INVALID
    (severity, rule, message), *_ = repo.diagnostics(plan)
    assert (severity, rule) == ("error", "state")
    assert message.startswith(DAMAGED) and f"{message} [state]".endswith(RESTORE)
    assert repo.tree() == tree


def test_a_new_mac_is_a_device_change_refused_unless_replace_device(repo: Repo) -> None:
    repo.site([handset(1), handset(2)])
    assert repo.build() == EXIT_OK
    tree = repo.tree()
    repo.site([handset(1), handset(2)], mac="7c-2f-80-00-00-09")
    assert repo.build() == EXIT_INVALID
    assert repo.err == (
        "sites/acme.yaml:3:6: error: the last build was for the N720 with MAC 7C2F80000001; "
        "the site now says N720 with MAC 7C2F80000009: a new DM, whose database is empty, on "
        "which every handset must register again, while the old one's file is no longer "
        "written. If that is intended, build with --replace-device; if not, fix the MAC or "
        "the model [device-change]\n" + NOTHING_WRITTEN)
    assert repo.tree() == tree
    assert repo.plan_text("json") == EXIT_INVALID
    assert repo.check() == EXIT_INVALID

    # With --replace-device: every handset registers again on the new DM, the old MAC's
    # file goes, the revision goes on and its history says what was allowed.
    assert repo.build("--replace-device") == EXIT_OK
    files = sorted(p.name for p in (repo.root / "build" / "acme").iterdir())
    assert files == ["7C2F80000009.xml", "state.json"]
    state = repo.state()
    assert (state["mac"], state["revision"], state["file"]) == (
        "7C2F80000009", 2, "7C2F80000009.xml")
    assert state["history"][-1]["allowed"] == ["device-change"]
    assert state["history"][-1]["changes"]["register"] == 2
    assert slot_lines(repo.xml(name="7C2F80000009.xml"), 1) == account_lines(1, 2)
    assert repo.check() == EXIT_OK
    assert repo.build() == EXIT_OK and "0 changed" in repo.out


def test_state_of_another_site_is_an_error(repo: Repo) -> None:
    repo.site([handset(1), handset(2)])
    assert repo.build() == EXIT_OK
    state_path = repo.root / "build" / "acme" / "state.json"
    state_path.write_text(state_path.read_text().replace('"site": "acme"', '"site": "beta"'))
    assert repo.build() == EXIT_INVALID
    assert repo.err == ("build/acme/state.json: error: the state belongs to site 'beta', not "
                        "'acme': restore build/acme/ from git, or, if it was copied from "
                        "another site, delete it so that this site is planned as new [state]\n"
                        + NOTHING_WRITTEN)


# -- plan formats and exit codes ----------------------------------------------------------


def test_markdown_plan_has_its_marker_and_escapes_table_cells(repo: Repo) -> None:
    repo.site([handset(1, login="20|01", display_name="Kitchen | Laundry")],
              profile_name="Care | Home")
    assert repo.plan_text("markdown") == EXIT_OK
    lines = repo.out.splitlines()
    assert lines[0] == "<!-- dectprov-plan -->"
    assert "| slot 0 | register | 0328D41A01 (20\\|01): new handset, registers by itself in "\
        "the window |" in lines
    assert "| site | profile | profile name: now 'Care \\| Home' |" in lines
    for line in lines:
        if line.startswith("| "):
            assert line.replace("\\|", "").count("|") == 4, line


def test_plan_detailed_exitcode(repo: Repo) -> None:
    repo.site([handset(1), handset(2), handset(3)])
    assert repo.plan_text("text", "--detailed-exitcode") == EXIT_CHANGES
    assert repo.plan_text("text") == EXIT_OK
    assert repo.build() == EXIT_OK
    assert repo.plan_text("text", "--detailed-exitcode") == EXIT_OK
    repo.site([handset(1), handset(3, slot=1), handset(2, slot=2)])
    assert repo.plan_text("text", "--detailed-exitcode") == EXIT_INVALID
    assert repo.plan_text("text", "--detailed-exitcode", "--allow-reregistration") == \
        EXIT_CHANGES
