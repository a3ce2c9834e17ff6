"""fleet.yaml (compiler/merge.py, compiler/shared.py): shared providers, the `sites:`
defaults and profiles merged into each site; what they give is seen in the device's XML;
a problem in a value from fleet.yaml is said there, naming the site; a change to it
re-plans exactly the sites it reaches, with workers and with the cache."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from helpers import REPO, run, tree_digests

from compiler import app
from compiler.cache import Cache
from compiler.cli import EXIT_INVALID, EXIT_OK
from compiler.paths import site_files
from compiler.plan import Options
from compiler.schema import FLEET_SCHEMA, fleet_schema, schema_text
from compiler.shared import read_shared
from compiler.site import Job

NOW = "2026-12-01 09:00"
FLEET = """\
providers:
  - name: Hosted PBX
    domain: voip.example-provider.de
    proxy: sip.example-provider.de:5060
  - name: Other PBX
    domain: other.example.net
sites:
  model: N720
  timezone: Europe/Berlin
  time: {ntp_server: pool.ntp.org}
  registration: {pin: "1234"}
profiles:
  care-home:
    time: {dst: true}
    defaults: {voicemail: "*55"}
"""


def site_text(name: str, mac: int, providers: str, extra: str = "") -> str:
    return (f"site: {name}\nmac: \"7C2F80CA{mac:04X}\"\n{extra}providers:\n{providers}"
            "handsets:\n  - login: \"1\"\n    password: pw-1\n")


def write(root: Path, files: dict[str, str]) -> Path:
    (root / "sites").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def xml(root: Path, site: str) -> str:
    [file] = [p for p in (root / "build" / site).glob("*.xml")]
    return file.read_text(encoding="utf-8")


def item(text: str, param: str) -> str | None:
    """The value of the XML item `param`, as written."""
    match = re.search(rf'ID="{re.escape(param)}" class="symb_item" value=(\'[^\']*\'|"[^"]*")',
                      text)
    return match.group(1)[1:-1] if match else None


DOMAIN = "BS_VOIP_Data.astVoipProviders[{n}].aucSIP_DOMAIN[%]"
NTP = "BS_IP_Data.aucS_TIME_NTP_SERVER[%]"


# -- what a site takes, seen in its XML --------------------------------------------------


def test_a_site_takes_a_named_provider_its_profile_and_the_fleet_defaults(
        tmp_path: Path) -> None:
    root = write(tmp_path, {"fleet.yaml": FLEET, "sites/a.yaml": site_text(
        "a", 1, "  - Hosted PBX\n  - name: Own\n    domain: own.example\n",
        "profile: care-home\n")})
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    text = xml(root, "a")
    assert item(text, DOMAIN.format(n=0)) == '"voip.example-provider.de"'
    assert item(text, DOMAIN.format(n=1)) == '"own.example"'
    assert item(text, NTP) == '"pool.ntp.org"'  # sites: time, merged with the profile's dst
    assert item(text, "BS_IP_Data.ucB_TIME_USE_AUTOMATIC_DST") == "1"
    assert item(text, "BS_CUSTOM.aucKdsPin[0]") == "0x12,0x34"
    assert "*55" in text


def test_the_site_wins_over_its_profile_over_sites_and_lists_replace(tmp_path: Path) -> None:
    fleet = FLEET + "  other:\n    time: {ntp_server: profile.example}\n"
    root = write(tmp_path, {"fleet.yaml": fleet,
                            "sites/p.yaml": site_text("p", 1, "  - Other PBX\n",
                                                      "profile: other\n"),
                            "sites/s.yaml": site_text("s", 2, "  - Other PBX\n",
                                                      "profile: other\ntime:\n"
                                                      "  ntp_server: site.example\n"),
                            "sites/d.yaml": site_text("d", 3, "  - Other PBX\n")})
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    assert item(xml(root, "p"), NTP) == '"profile.example"'
    assert item(xml(root, "s"), NTP) == '"site.example"'
    assert item(xml(root, "d"), NTP) == '"pool.ntp.org"'
    # The site's providers list replaces any: one provider, the one it names.
    assert item(xml(root, "d"), DOMAIN.format(n=0)) == '"other.example.net"'
    assert item(xml(root, "d"), DOMAIN.format(n=1)) in (None, '""')


def test_without_fleet_yaml_a_site_builds_as_before(tmp_path: Path) -> None:
    root = write(tmp_path, {"sites/a.yaml": "model: N720\n" + site_text(
        "a", 1, "  - name: Own\n    domain: own.example\n")})
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    assert item(xml(root, "a"), DOMAIN.format(n=0)) == '"own.example"'


# -- diagnostics --------------------------------------------------------------------------


def test_a_bad_value_from_fleet_yaml_is_said_there_naming_each_site_that_took_it(
        tmp_path: Path) -> None:
    fleet = FLEET.replace("sip.example-provider.de:5060", "sip.example-provider.de:99999")
    root = write(tmp_path, {"fleet.yaml": fleet,
                            "sites/a.yaml": site_text("a", 1, "  - Hosted PBX\n"),
                            "sites/b.yaml": site_text("b", 2, "  - Hosted PBX\n"),
                            "sites/c.yaml": site_text("c", 3, "  - Other PBX\n")})
    code, out, err = run("validate", "--root", str(root))
    assert code == EXIT_INVALID
    assert [line for line in err.splitlines() if "error" in line] == [
        f"fleet.yaml:4:12: error: providers[0].proxy: port 99999 is out of range: must be 1 "
        f"to 65535 (used by sites/{site}.yaml) [range]" for site in ("a", "b")]


def test_unknown_names_are_said_at_the_reference_all_at_once(tmp_path: Path) -> None:
    root = write(tmp_path, {"fleet.yaml": FLEET,
                            "sites/a.yaml": site_text("a", 1, "  - Nope\n", "profile: nursery\n"),
                            "sites/b.yaml": "x: [\n"})
    code, _, err = run("validate", "--root", str(root))
    assert code == EXIT_INVALID
    lines = err.splitlines()
    assert ("sites/a.yaml:5:5: error: providers[0]: no provider is named 'Nope' in fleet.yaml "
            "(its providers: Hosted PBX, Other PBX) [provider-unknown]") in lines
    assert ("sites/a.yaml:3:10: error: profile: no profile is named 'nursery' in fleet.yaml "
            "(its profiles: care-home) [profile-unknown]") in lines
    assert any(line.startswith("sites/b.yaml:") for line in lines)


def test_a_name_without_fleet_yaml_says_there_is_none(tmp_path: Path) -> None:
    root = write(tmp_path, {"sites/a.yaml": "model: N720\n" + site_text("a", 1, "  - PBX\n")})
    code, _, err = run("validate", "--root", str(root))
    assert code == EXIT_INVALID
    assert ("sites/a.yaml:5:5: error: providers[0]: no provider is named 'PBX': there is no "
            "fleet.yaml beside sites/ to define it [provider-unknown]") in err.splitlines()


def test_a_wrong_fleet_yaml_is_every_problem_of_it_located_and_no_site_is_built(
        tmp_path: Path) -> None:
    fleet = ("providers:\n  - {name: A, domain: a.example}\n  - {name: A, domain: b.example}\n"
             "  - {name: B}\nsites: {mac: \"7C2F80000000\", colour: red}\n"
             "profiles: {x: {handsets: []}}\n")
    root = write(tmp_path, {"fleet.yaml": fleet, "sites/a.yaml": site_text("a", 1, "  - A\n")})
    code, _, err = run("build", "--root", str(root), "--now", NOW)
    assert code == EXIT_INVALID
    rules = [(line.split(": ")[0], line.rsplit("[", 1)[1]) for line in err.splitlines()
             if ": error: " in line]
    assert rules == [("fleet.yaml:3:12", "provider-duplicate]"), ("fleet.yaml:4:5", "required]"),
                     ("fleet.yaml:5:9", "unknown-key]"), ("fleet.yaml:5:30", "unknown-key]"),
                     ("fleet.yaml:6:16", "unknown-key]")]
    assert "fleet.yaml:5:9: error: sites.mac: 'mac' is each site's own: write it in the site " \
        "file [unknown-key]" in err.splitlines()
    assert not (root / "build").exists()


@pytest.mark.parametrize(("content", "rule"), [
    (b"a: [\n", "yaml-syntax"),
    (b"- 1\n", "fleet-not-mapping"),
    (b"\xff\xfe", "file-encoding"),
    (b"x: 1\n" * 300_000, "file-too-large"),
])
def test_a_hostile_fleet_yaml_is_a_located_error(tmp_path: Path, content: bytes,
                                                 rule: str) -> None:
    root = write(tmp_path, {"sites/a.yaml": site_text("a", 1, "  - A\n")})
    (root / "fleet.yaml").write_bytes(content)
    code, _, err = run("validate", "--root", str(root))
    assert code == EXIT_INVALID
    assert re.match(rf"fleet\.yaml:\d+:\d+: error: .*\[{rule}\]$", err.splitlines()[0]), err
    assert "Traceback" not in err


def test_a_linked_fleet_yaml_is_refused_not_followed(tmp_path: Path) -> None:
    root = write(tmp_path, {"sites/a.yaml": site_text("a", 1, "  - Hosted PBX\n")})
    (tmp_path / "elsewhere.yaml").write_text(FLEET, encoding="utf-8")
    os.symlink(tmp_path / "elsewhere.yaml", root / "fleet.yaml")
    code, _, err = run("validate", "--root", str(root))
    assert code == EXIT_INVALID
    assert err.startswith("fleet.yaml: error: fleet.yaml is a symlink; dectprov follows no "
                          "link"), err


def test_an_empty_fleet_yaml_is_an_empty_fleet(tmp_path: Path) -> None:
    root = write(tmp_path, {"fleet.yaml": "# nothing shared yet\n",
                            "sites/a.yaml": "model: N720\n" + site_text(
                                "a", 1, "  - name: Own\n    domain: own.example\n")})
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK


# -- the schema ---------------------------------------------------------------------------


def test_the_fleet_schema_is_made_from_the_site_schema(update_golden: bool) -> None:
    made = json.dumps(fleet_schema(json.loads(schema_text())), indent=2,
                      ensure_ascii=False) + "\n"
    path = REPO / "schemas" / FLEET_SCHEMA
    if update_golden:
        path.write_text(made, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == made, "run make golden"
    code, out, _ = run("schema", "--fleet")
    assert code == EXIT_OK and out == made


def test_the_example_fleet_yaml_is_valid_against_its_schema() -> None:
    import yaml
    from jsonschema import Draft202012Validator

    schema = json.loads((REPO / "schemas" / FLEET_SCHEMA).read_text(encoding="utf-8"))
    data = yaml.safe_load((REPO / "fleet.yaml").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []


# -- a change reaches exactly the sites that take it --------------------------------------

SITES = app.PARALLEL_FROM + 6  # enough for the workers (on a machine of 2 cores)
MODES = (("sequential, no cache", False, False), ("workers, no cache", True, False),
         ("workers, cache", True, True))


def fleet_of_three_kinds(root: Path) -> list[str]:
    """Sites using the shared 'Hosted PBX' by name, sites using 'Other PBX', and sites
    with a provider of their own that is also called 'Hosted PBX'. The names of the
    first kind are returned."""
    files = {"fleet.yaml": FLEET}
    users = []
    for n in range(SITES):
        kind = n % 3
        providers = ("  - Hosted PBX\n", "  - Other PBX\n",
                     "  - name: Hosted PBX\n    domain: own.example\n")[kind]
        files[f"sites/s{n:02d}.yaml"] = site_text(f"s{n:02d}", n, providers)
        if kind == 0:
            users.append(f"s{n:02d}")
    write(root, files)
    return users


@pytest.mark.parametrize(("mode", "workers", "cache"), MODES, ids=[m[0] for m in MODES])
def test_changing_one_shared_provider_changes_every_site_using_it_and_only_those(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, workers: bool,
        cache: bool) -> None:
    if not workers:
        monkeypatch.setattr(app, "PARALLEL_FROM", 10**9)
    if not cache:
        monkeypatch.setenv("DECTPROV_CACHE", "off")
    root = tmp_path / "root"
    users = fleet_of_three_kinds(root)
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    before = tree_digests(root / "build")
    fleet = (root / "fleet.yaml").read_text(encoding="utf-8")
    (root / "fleet.yaml").write_text(fleet.replace("voip.example-provider.de",
                                                   "voip2.example-provider.de"), "utf-8")
    if cache:  # the sites the cache no longer answers for: exactly those that take it
        remembered = Cache.open(root)
        shared = read_shared(root, remembered.fleet_digests)
        options = Options(now=app.now())
        recompiled = sorted(job.source.stem for job in (
            Job(source, root, options, shared=shared) for source in site_files(root))
            if remembered.recall(job) is None)
        assert recompiled == users
    code, out, _ = run("plan", "--root", str(root), "--now", NOW, "--format", "json")
    changed = sorted(site["site"] for site in json.loads(out)["sites"] if site["changes"])
    assert changed == users
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    after = tree_digests(root / "build")
    assert sorted({name.split("/")[0] for name in after if after[name] != before[name]}) == users
    for site in users:
        assert item(xml(root, site), DOMAIN.format(n=0)) == '"voip2.example-provider.de"'
    assert run("check", "--root", str(root))[0] == EXIT_OK


def test_a_change_to_one_profile_reaches_only_its_sites_in_the_cache(tmp_path: Path) -> None:
    root = write(tmp_path, {"fleet.yaml": FLEET,
                            "sites/a.yaml": site_text("a", 1, "  - Other PBX\n",
                                                      "profile: care-home\n"),
                            "sites/b.yaml": site_text("b", 2, "  - Other PBX\n")})
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    (root / "fleet.yaml").write_text(FLEET.replace('"*55"', '"*56"'), encoding="utf-8")
    remembered = Cache.open(root)
    shared = read_shared(root, remembered.fleet_digests)
    jobs = {source.stem: Job(source, root, Options(now=app.now()), shared=shared)
            for source in site_files(root)}
    assert remembered.recall(jobs["a"]) is None
    assert remembered.recall(jobs["b"]) is not None
    # fleet.yaml's `sites:` reaches every site.
    (root / "fleet.yaml").write_text(FLEET.replace("1234", "4321"), encoding="utf-8")
    shared = read_shared(root, remembered.fleet_digests)
    assert all(remembered.recall(Job(job.source, root, job.options, shared=shared)) is None
               for job in jobs.values())
