"""The plan of a fleet: 2,000 generated sites sharing one provider, whose domain moves. The
text and Markdown plans say the shared change once with its sites, and only the sites with
changes of their own in full; the Markdown stays under the comment limit; JSON keeps every
site. The change is then built and planned from git as a pull request's CI does
(`plan --base-ref`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from helpers import run
from test_effect import commit, git

from compiler import app
from compiler.plan import Options
from compiler.render_plan import MARKDOWN_LIMIT, render_json, render_markdown, render_text

SITES = 2_000
NOW = "2026-12-01 10:00"
LATER = "2026-12-01 11:00"
OLD, NEW = "voip.example-provider.de", "voip2.example-provider.de"
OUTLIER = "s0007"  # its domain is mistyped: alone, it is no group's
REGISTERS = "s0010"  # gains a handset
DEREGISTERS = "s0011"  # loses its handset
GROUP = ("provider 0 (Hosted PBX): domain, proxy, registrar changed: "
         f"{SITES - 1:,} sites")


def site_text(n: int, domain: str, handsets: int) -> str:
    lines = [f"site: s{n:04d}", "model: N720", f'mac: "7C2F80{n:06X}"', "providers:",
             "  - name: Hosted PBX", f"    domain: {domain}", "registration:",
             '  window: {start: 2026-12-01 08:00, duration: "2d"}', "handsets:"]
    lines += [f'  - ipui: "03{n:04X}00{h:02X}"\n    login: "{h + 1}"\n    password: pw'
              for h in range(handsets)]
    return "\n".join(lines if handsets else [*lines[:-1], "handsets: []"]) + "\n"


def write_fleet(root: Path, domain: str, changed: bool) -> None:
    for n in range(SITES):
        name = f"s{n:04d}"
        handsets = 1 if name in (REGISTERS, DEREGISTERS) else 0
        if changed:
            handsets += {REGISTERS: 1, DEREGISTERS: -1}.get(name, 0)
        shown = "voip2.example-provider.dee" if changed and name == OUTLIER else domain
        (root / "sites" / f"{name}.yaml").write_text(site_text(n, shown, handsets),
                                                      encoding="utf-8")


@dataclass(frozen=True)
class Plans:
    text: str
    markdown: str
    document: dict
    effect_markdown: str  # plan --base-ref, once the change is built


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Plans:
    return planned(tmp_path_factory.mktemp("fleet"),
                   lambda root, changed: write_fleet(root, NEW if changed else OLD, changed))


def planned(root: Path, write: Callable[[Path, bool], None]) -> Plans:
    """The fleet `write` lays built and committed, then changed: planned, and planned from
    git once the change is built."""
    (root / "sites").mkdir()
    git(root, "init", "-q")
    write(root, False)
    assert run("build", "--root", str(root), "--now", NOW)[0] == 0
    commit(root, "base")
    write(root, True)
    # Planned once, rendered three times: the command line's part is tested elsewhere.
    result = app.plan(root, options=Options(datetime.fromisoformat(LATER + "+00:00")))
    assert result.ok and not result.refused
    shown = list(result.plans)
    assert run("build", "--root", str(root), "--now", LATER)[0] == 0
    code, effect, err = run("plan", "--root", str(root), "--base-ref", "HEAD",
                            "--format", "markdown")
    assert code == 0, err
    return Plans(render_text(shown), render_markdown(shown), json.loads(render_json(shown)),
                 effect)


def section_of(markdown: str, site: str) -> str:
    """A site's own section of a Markdown plan, up to the next heading."""
    return markdown.split(f"### {site} ")[1].split("###")[0]


@pytest.mark.parametrize("form", ["markdown", "effect_markdown"])
def test_the_markdown_plan_of_2000_sites_is_under_the_limit_and_names_the_groups_size(
        plans: Plans, form: str) -> None:
    markdown = getattr(plans, form)
    assert len(markdown) < MARKDOWN_LIMIT
    assert "Not shown" not in markdown
    headings = re.findall(r"^#### (.*)$", markdown, re.MULTILINE)
    assert headings == [r"\[1\] " + GROUP]
    assert f"<details><summary>the {SITES - 1:,} sites</summary>" in markdown
    # Every site is in view: in the group's list, or in a section of its own.
    for n in range(SITES):
        assert re.search(rf"\bs{n:04d}\b", markdown), n
    sections = re.findall(r"^### (s\d{4}) ", markdown, re.MULTILINE)
    assert sections == [OUTLIER, REGISTERS, DEREGISTERS]


def test_a_site_with_changes_of_its_own_shows_them_and_points_at_the_group(
        plans: Plans) -> None:
    section = section_of(plans.markdown, REGISTERS)
    assert "| slot 1 | register |" in section
    assert "provider 0" not in section
    assert r"Also the shared changes \[1\] above." in section
    section = section_of(plans.markdown, DEREGISTERS)
    assert "| slot 0 | deregister |" in section


def test_the_outlier_is_shown_whole_with_its_values(plans: Plans) -> None:
    section = section_of(plans.markdown, OUTLIER)
    assert (r"provider 0 (Hosted PBX): domain, proxy, registrar changed (not as \[1\]: "
            r"BS\_VOIP\_Data.astVoipProviders\[0\].aucSIP\_DOMAIN\[%\]: "
            f'"{OLD}" -&gt; "voip2.example-provider.dee"') in section


def test_the_text_plan_says_the_shared_change_once(plans: Plans) -> None:
    lines = plans.text.splitlines()
    assert lines[:3] == [
        "Shared changes, each the same on every site it lists:",
        f"  provider    [1] {GROUP}",
        f'      BS_VOIP_Data.astVoipProviders[0].aucSIP_DOMAIN[%]: "{OLD}" -> "{NEW}"',
    ]
    assert plans.text.count("domain, proxy, registrar changed") == 2  # the group, the outlier
    headings = [line.split()[0] for line in lines if re.match(r"s\d{4} \(", line)]
    assert headings == [OUTLIER, REGISTERS, DEREGISTERS]
    assert lines[-1] == f"Plan: 1 to register, {SITES:,} to change, 1 to deregister."


def test_json_keeps_every_site_and_names_the_group(plans: Plans) -> None:
    document = plans.document
    assert len(document["sites"]) == SITES
    assert all(any(change["kind"] == "provider" for change in site["changes"])
               for site in document["sites"])
    [group] = document["groups"]
    assert (group["group"], group["kind"], group["fields"], group["provider"]) == (
        1, "provider", ["domain", "proxy", "registrar"], 0)
    assert len(group["sites"]) == SITES - 1 and OUTLIER not in group["sites"]
    assert group["values"][0] == {"item": "BS_VOIP_Data.astVoipProviders[0].aucSIP_DOMAIN[%]",
                                  "before": f'"{OLD}"', "after": f'"{NEW}"'}
    assert document["summary"]["kinds"]["provider"] == SITES
    assert document["diagnostics"] == []


# -- a fleet-wide handset default -------------------------------------------------------
# Every site takes its handsets' voicemail number from fleet.yaml, which changes: 2,000
# sites of 3 accounts each change the same way, and the plan says so once, with the slots.

VM_OLD, VM_NEW = "*55", "*56"
OWN_VOICEMAIL = "s0003"  # keeps its own number: its accounts change the other way
MIXED = "s0004"  # also gains a handset
ACCOUNTS = 3


def accounts_site(n: int, changed: bool) -> str:
    name = f"s{n:04d}"
    lines = [f"site: {name}", "model: N720", f'mac: "7C2F81{n:06X}"', "providers:",
             "  - name: Hosted PBX", f"    domain: {OLD}", "registration:",
             '  window: {start: 2026-12-01 08:00, duration: "2d"}']
    if name == OWN_VOICEMAIL:
        lines.append(f'defaults: {{voicemail: "{"*57" if changed else VM_OLD}"}}')
    lines.append("handsets:")
    count = ACCOUNTS + (1 if changed and name == MIXED else 0)
    lines += [f'  - ipui: "04{n:04X}00{h:02X}"\n    login: "{h + 1}"\n    password: pw'
              for h in range(count)]
    return "\n".join(lines) + "\n"


def write_accounts_fleet(root: Path, changed: bool) -> None:
    (root / "fleet.yaml").write_text(
        f'sites:\n  defaults: {{voicemail: "{VM_NEW if changed else VM_OLD}"}}\n',
        encoding="utf-8")
    for n in range(SITES):
        (root / "sites" / f"s{n:04d}.yaml").write_text(accounts_site(n, changed),
                                                         encoding="utf-8")


@pytest.fixture(scope="module")
def account_plans(tmp_path_factory: pytest.TempPathFactory) -> Plans:
    return planned(tmp_path_factory.mktemp("accounts"), write_accounts_fleet)


ACCOUNTS_GROUP = (f"accounts: voicemail changed: {SITES - 1:,} sites, "
                  f"{(SITES - 1) * ACCOUNTS:,} accounts")


@pytest.mark.parametrize("form", ["markdown", "effect_markdown"])
def test_a_fleet_wide_account_change_is_one_group_and_no_site_is_cut(
        account_plans: Plans, form: str) -> None:
    markdown = getattr(account_plans, form)
    assert len(markdown) < MARKDOWN_LIMIT
    assert "Not shown" not in markdown
    assert re.findall(r"^#### (.*)$", markdown, re.MULTILINE) == [
        r"\[1\] " + ACCOUNTS_GROUP]
    assert f'- voicemail: "{VM_OLD}" -&gt; "{VM_NEW}"'.replace("*", r"\*") in markdown
    for n in range(SITES):
        assert re.search(rf"\bs{n:04d}\b", markdown), n
    assert re.findall(r"^### (s\d{4}) ", markdown, re.MULTILINE) == [OWN_VOICEMAIL, MIXED]


def test_a_site_with_its_own_changes_names_the_slots_the_group_holds(
        account_plans: Plans) -> None:
    section = section_of(account_plans.markdown, MIXED)
    assert "| slot 3 | register |" in section
    assert "| account |" not in section
    assert r"Also the shared changes \[1\] (slots 0-2) above." in section
    section = section_of(account_plans.markdown, OWN_VOICEMAIL)
    assert section.count("| account |") == ACCOUNTS
    assert r"voicemail changed (not as \[1\]: voicemail: " in section


def test_the_text_plan_says_the_account_change_once(account_plans: Plans) -> None:
    lines = account_plans.text.splitlines()
    assert lines[:3] == ["Shared changes, each the same on every site it lists:",
                         f"  account     [1] {ACCOUNTS_GROUP}",
                         f'      voicemail: "{VM_OLD}" -> "{VM_NEW}"']
    assert "  site     shared      [1] (slots 0-2) above" in lines
    assert lines[-1] == f"Plan: 1 to register, {SITES * ACCOUNTS:,} to change."


def test_json_names_each_sites_accounts_in_the_group(account_plans: Plans) -> None:
    [group] = account_plans.document["groups"]
    assert (group["kind"], group["fields"], group["provider"]) == ("account", ["voicemail"],
                                                                  None)
    assert group["accounts"]["s0000"] == [0, 1, 2]
    assert len(group["accounts"]) == SITES - 1 and OWN_VOICEMAIL not in group["accounts"]
    assert sum(len(site["changes"]) for site in account_plans.document["sites"]) == (
        SITES * ACCOUNTS + 1)


def test_the_readmes_account_group_example_is_what_the_tool_prints(
        account_plans: Plans) -> None:
    """Every line of the README's example but the shortened list of sites."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("such a group counts the accounts")[1].split("```")[1]
    lines = [line for line in block.strip("\n").splitlines()
             if line and not line.lstrip().startswith("sites:")]
    printed = account_plans.text.splitlines()
    for line in lines:
        assert line in printed, line
