"""Site settings: each typed key is written in the form its cited public source writes
(the source named beside each assertion, keys of compiler/targets/sources.py), for each
family that has a source; refused for the others (tests/test_validate.py pins those
messages); shown by the plan; imported back from an N720 file.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import run

from compiler.cli import EXIT_INVALID, EXIT_OK
from compiler.model import build_site
from compiler.plan import SlotAssignment
from compiler.secrets import environment_name
from compiler.targets.n720 import TARGET as N720
from compiler.targets.nx70 import TARGET as NX70

NOW = "2026-11-26 12:00"
ZONE, DST = "BS_IP_Data.uiI_TIME_TIMEZONE", "BS_IP_Data.ucB_TIME_USE_AUTOMATIC_DST"


def n720_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "site": "acme-hq", "model": "N720", "mac": "7C:2F:80:CA:21:E4",
        "providers": [{"name": "PBX", "domain": "pbx.example.net"}],
        "handsets": [{"login": "1013", "password": {"secret": "acme-hq/1013"},
                      "ipui": "02B6EC8AA5"}],
    }
    data.update(overrides)
    return data


def nx70_data(**overrides: Any) -> dict[str, Any]:
    return n720_data(model="N870", **overrides)


def n720_file(**overrides: Any) -> bytes:
    site = build_site(n720_data(**overrides), "sites/acme-hq.yaml")
    return N720.render(site, tuple(SlotAssignment(i, h) for i, h in enumerate(site.handsets)),
                       None)


def nx70_file(**overrides: Any) -> bytes:
    site = build_site(nx70_data(**overrides), "sites/acme-hq.yaml")
    return NX70.render(site, tuple(SlotAssignment(h.ipui.hex, h) for h in site.handsets
                                   if h.ipui is not None), None)


def items(output: bytes) -> dict[str, str]:
    """The N720 file's SYMB_ITEMs by ID, each value as an XML parser reads it."""
    return {e.attrib["ID"]: e.attrib["value"] for e in ET.fromstring(output).iter("SYMB_ITEM")}


def params(output: bytes) -> dict[str, str]:
    return {p.attrib["name"]: p.attrib["value"] for p in ET.fromstring(output).iter("param")}


def settings_of(output: bytes) -> dict[str, str]:
    """The N720 items after the site settings' title and before the first provider's."""
    text = output.decode("iso-8859-1")
    if "<!-- site settings" not in text:
        return {}
    section = text.split("<!-- site settings", 1)[1].split("<!-- provider 0", 1)[0]
    return items(b"<x>" + section.split("-->", 1)[1].encode("iso-8859-1") + b"</x>")


# -- timezone: the zone written ----------------------------------------------------------------


@pytest.mark.parametrize(("zone", "index", "dst"), [
    # _TZ_GIGASET ("wazo-gigaset-common") by the UTC offset without daylight saving time;
    # Wazo's template writes the index as 0x{code:x}.
    ("Europe/Berlin", "0x1b", "1"),
    ("UTC", "0x1a", "0"),
    ("Europe/London", "0x1a", "1"),
    ("America/New_York", "0xd", "1"),
    ("Asia/Kolkata", "0x30", "0"),
    ("Asia/Kathmandu", "0x31", "0"),
    ("Australia/Sydney", "0x43", "1"),  # southern summer in January: +10 is its standard
    ("Europe/Dublin", "0x1a", "1"),  # tzdata's negative DST in winter: still UTC+00:00
])
def test_n720_zone_is_the_index_of_its_offset(zone: str, index: str, dst: str) -> None:
    found = items(n720_file(timezone=zone))
    assert (found[ZONE], found[DST]) == (index, dst)


def test_n720_zone_is_written_with_a_window_even_without_timezone() -> None:
    """The DM reads the window's start in its own zone: the file sets that zone, the
    site's (UTC when it names none). Before, no zone was written and a DM set to another
    zone opened the window at the wrong hour."""
    window = {"window": {"start": "2026-12-01 08:00", "duration": "2d"}}
    found = items(n720_file(registration=window))
    assert (found[ZONE], found[DST]) == ("0x1a", "0")
    found = items(n720_file(registration=window, timezone="Europe/Berlin"))
    assert (found[ZONE], found[DST]) == ("0x1b", "1")
    assert b"<!-- site settings, zone Europe/Berlin -->" in n720_file(
        registration=window, timezone="Europe/Berlin")


def test_n720_nothing_is_written_for_keys_the_site_does_not_set() -> None:
    output = n720_file()
    assert settings_of(output) == {}
    assert b"site settings" not in output and b"S_SPECIAL_DATA" not in output


def test_n720_dst_given_wins_over_the_zones() -> None:
    found = items(n720_file(timezone="Europe/Berlin", time={"dst": False}))
    assert (found[ZONE], found[DST]) == ("0x1b", "0")
    assert settings_of(n720_file(time={"dst": True})) == {DST: "1"}  # no zone, no window


def test_nx70_zone_is_its_iana_name_only_when_the_site_names_it() -> None:
    # Wazo's Nx70 template: <param name="DmGlobal.0.TimeZone" value="{{ timezone }}"/>.
    assert params(nx70_file(timezone="Europe/Berlin"))["DmGlobal.0.TimeZone"] == "Europe/Berlin"
    # RegStart is UTC seconds: the window needs no zone on the device.
    window = {"window": {"start": "2026-12-01 08:00", "duration": "2d"}}
    assert "DmGlobal.0.TimeZone" not in params(nx70_file(registration=window))


def test_nx70_zone_outside_the_sources_list_is_not_written_and_said(tmp_path: Path) -> None:
    # Wazo's common.py writes only the names of its _VALID_TZ_GIGASET: UTC and Asia/Kolkata
    # are not among them, Greenwich is. Nothing is guessed: the zone is left to the DM.
    root = tmp_path / "repo"
    (root / "sites").mkdir(parents=True)
    window = {"window": {"start": "2026-12-01 08:00", "duration": "2d"}}
    (root / "sites" / "acme-hq.yaml").write_text(yaml.safe_dump(nx70_data(
        timezone="Asia/Kolkata", registration=window)), encoding="utf-8")
    code, _, err = run("build", "--root", str(root), "--now", NOW)
    assert code == EXIT_OK
    assert ("warning: timezone: 'Asia/Kolkata' is not written to the N870: the only public "
            "list of the zones it takes (Wazo's Nx70 plugin) does not name it") in err
    assert err.count("[timezone-not-written]") == 1
    written = params((root / "build" / "acme-hq" / "7c2f80ca21e4.xml").read_bytes())
    assert "DmGlobal.0.TimeZone" not in written
    # 08:00 in Kolkata (+05:30) is 02:30 UTC: the window is still the site's.
    assert written["RegStart"] == str(int(datetime(2026, 12, 1, 2, 30, tzinfo=UTC).timestamp()))
    assert params(nx70_file(timezone="Greenwich"))["DmGlobal.0.TimeZone"] == "Greenwich"
    assert "DmGlobal.0.TimeZone" not in params(nx70_file(timezone="UTC"))


# -- time ----------------------------------------------------------------------------------


def test_n720_ntp_server() -> None:
    # Wazo's N720 template: aucS_TIME_NTP_SERVER[%] = '"{{ ntp_ip }}"' and
    # ucB_TIME_USE_AUTOMATIC_NTP_SYN = "1".
    assert settings_of(n720_file(time={"ntp_server": "ptbtime1.ptb.de"})) == {
        "BS_IP_Data.aucS_TIME_NTP_SERVER[%]": '"ptbtime1.ptb.de"',
        "BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN": "1"}


def test_nx70_ntp_server() -> None:
    assert params(nx70_file(time={"ntp_server": "ptbtime1.ptb.de"}))[
        "DmGlobal.0.NtpServer"] == "ptbtime1.ptb.de"


# -- admin_password ------------------------------------------------------------------------


def test_admin_password_is_a_placeholder_in_both_families() -> None:
    admin = {"secret": "acme-hq/admin"}
    # Wazo's N720 template: BS_CUSTOM.WebUIPassword = '"{{ admin_password }}"'.
    assert settings_of(n720_file(admin_password=admin)) == {
        "BS_CUSTOM.WebUIPassword": '"${secret:acme-hq/admin}"'}
    # Wazo's Nx70 template: WebUIAccounts.1.Password.
    assert params(nx70_file(admin_password=admin))["WebUIAccounts.1.Password"] == (
        "${secret:acme-hq/admin}")


def test_admin_password_is_published_escaped_for_each_family(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    (root / "sites").mkdir(parents=True)
    for name, data in (("acme-hq", n720_data()), ("acme-nx", nx70_data(
            site="acme-nx", mac="7C:2F:80:CA:21:E5",
            handsets=[{"login": "1", "password": {"secret": "acme-nx/1"},
                       "ipui": "02B6EC8AA6"}]))):
        data["admin_password"] = {"secret": f"{name}/admin"}
        (root / "sites" / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    for name in ("acme-hq/1013", "acme-nx/1", "acme-hq/admin", "acme-nx/admin"):
        monkeypatch.setenv(environment_name(name), "A&<'1>")
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    assert run("publish", "--root", str(root), "--to", str(tmp_path / "out"))[0] == EXIT_OK
    n720 = items((tmp_path / "out" / "7C2F80CA21E4.xml").read_bytes())
    nx70 = params((tmp_path / "out" / "7c2f80ca21e5.xml").read_bytes())
    assert (n720["BS_CUSTOM.WebUIPassword"], nx70["WebUIAccounts.1.Password"]) == (
        "\"A&<'1>\"", "A&<'1>")
    monkeypatch.delenv(environment_name("acme-hq/admin"))
    code, _, err = run("publish", "--root", str(root), "--to", str(tmp_path / "again"))
    assert code == EXIT_INVALID
    assert ": error: admin_password: secret 'acme-hq/admin' of site acme-hq is not set" in err


# -- provisioning --------------------------------------------------------------------------


def test_n720_provisioning() -> None:
    # Gigaset's template (3cb9e3f0): aucS_DATA_SERVER[%] = '"profile.gigaset.net/device"';
    # Wazo's: ucB_DO_CHECK_FOR_PROFILE_UPDATES = "1".
    assert settings_of(n720_file(provisioning={"server": "profile.gigaset.net/device",
                                               "check_updates": False})) == {
        "BS_IP_Data.aucS_DATA_SERVER[%]": '"profile.gigaset.net/device"',
        "BS_IP_Data.ucB_DO_CHECK_FOR_PROFILE_UPDATES": "0"}


def test_nx70_provisioning_server() -> None:
    # Wazo's Nx70 template: Provisioning.global.ProvisioningServer = "{{ XX_server_url }}".
    assert params(nx70_file(provisioning={"server": "http://10.0.0.1:8667"}))[
        "Provisioning.global.ProvisioningServer"] == "http://10.0.0.1:8667"


# -- locale --------------------------------------------------------------------------------


@pytest.mark.parametrize(("tones", "code"), [
    # The tone selection of Gigaset's N510/N720 template ("xivo-gigaset-nxxx"):
    # International=0, US=1, CH=2, AUS=4, ES=6, FR=7, UK=8, NL=9, PL=10, Russia=11, DE=12, IT=13
    ("International", "0"), ("United States", "1"), ("Switzerland", "2"), ("Australia", "4"),
    ("Spain", "6"), ("France", "7"), ("United Kingdom", "8"), ("Netherlands", "9"),
    ("Poland", "10"), ("Russia", "11"), ("Germany", "12"), ("Italy", "13"),
])
def test_n720_tones(tones: str, code: str) -> None:
    assert settings_of(n720_file(locale={"tones": tones})) == {
        "BS_AE_SwConfig.ucCountryCodeTone": code}


def test_n720_dial_plan_country_other() -> None:
    # Both N720 templates write ucI_DIALING_PLAN_COUNTRY_ID = "0xff" ("Other country").
    assert settings_of(n720_file(locale={"dial_plan_country": "other"})) == {
        "BS_IP_Data.ucI_DIALING_PLAN_COUNTRY_ID": "0xff"}


@pytest.mark.parametrize("tones", ["Germany", "France", "Spain"])
def test_nx70_tone_scheme(tones: str) -> None:
    # Wazo's Nx70 common.py: _LOCALE's values, written as Telephony.0.ToneScheme.
    assert params(nx70_file(locale={"tones": tones}))["Telephony.0.ToneScheme"] == tones


# -- network -------------------------------------------------------------------------------


def test_n720_vlan() -> None:
    # Wazo's N720 template: ucB_VLAN_ENABLED "1", ucI_VLAN_PRIORITY "{{ vlan_priority }}",
    # uiI_VLAN_ID "0x{vlan_id:x}" (common.py's XX_vlan_id_hex).
    assert settings_of(n720_file(network={"vlan": {"id": 100, "priority": 5}})) == {
        "BS_IP_Data.ucB_VLAN_ENABLED": "1", "BS_IP_Data.ucI_VLAN_PRIORITY": "5",
        "BS_IP_Data.uiI_VLAN_ID": "0x64"}
    assert settings_of(n720_file(network={"vlan": {"id": 7}})) == {
        "BS_IP_Data.ucB_VLAN_ENABLED": "1", "BS_IP_Data.uiI_VLAN_ID": "0x7"}


# -- firmware_update -----------------------------------------------------------------------


def test_n720_firmware_elements_follow_the_profile_name() -> None:
    """Wazo's N720 template: <S_SPECIAL_DATA_SRV_IWU class="string" value='"URL"'/>, an
    element of its own; its raw '&' is written '&amp;', as XML requires."""
    iwu = "http://10.0.0.1:8667/Gigaset/einsteiniwu117_70.bin?mac=7C2F80CA21E4&server_iwu.bin"
    sat = "http://10.0.0.1:8667/Gigaset/sat7111700000000.bin"
    output = n720_file(firmware_update={"iwu": iwu, "sat": sat})
    lines = [line.strip() for line in output.decode("iso-8859-1").splitlines()]
    at = lines.index('<PROFILE_NAME class="string" value="acme-hq"/>')
    assert lines[at + 1:at + 3] == [
        "<S_SPECIAL_DATA_SRV_IWU class=\"string\" value='\"" + iwu.replace("&", "&amp;")
        + "\"'/>",
        f"<S_SPECIAL_DATA_SRV_SAT class=\"string\" value='\"{sat}\"'/>"]
    root = ET.fromstring(output)
    assert [e.get("value") for e in root.iter("S_SPECIAL_DATA_SRV_IWU")] == [f'"{iwu}"']
    assert N720.read_items(output)["S_SPECIAL_DATA_SRV_IWU"] == f'"{iwu}"'


def test_nx70_firmware_file_before_nvm() -> None:
    # Wazo's Nx70 template: <firmware><file version="2.65.0" url="..."/></firmware>.
    output = nx70_file(firmware_update={"version": "2.65.0", "url": "http://fw.example/a&b.bin"})
    root = ET.fromstring(output)
    assert [child.tag for child in root] == ["firmware", "nvm"]
    assert [(f.get("version"), f.get("url")) for f in root.iterfind("firmware/file")] == [
        ("2.65.0", "http://fw.example/a&b.bin")]
    assert b"<firmware>" not in nx70_file()


# -- directory -----------------------------------------------------------------------------


def test_n720_xml_directory_as_wazos_phonebook() -> None:
    _P = "BS_XML_Netdirs.astNetdirProvider[0]."
    assert settings_of(n720_file(directory={"type": "xml", "name": "Staff",
                                            "url": "http://dir.example/lookup?x=1&y=2"})) == {
        "BS_XML_Netdirs.aucAvailableNetdirs[%]": "0x2a",
        "BS_XML_Netdirs.aucActivatedNetdirs[%]": "0x2a",
        "BS_XML_Netdirs.aucNetdirSelForDirectAccess[%]": "0x2a",
        "BS_XML_Netdirs.aucNetdirSelForIntKey[%]": "0x2a",
        "BS_XML_Netdirs.aucNetdirSelForAutoLookup[%]": "0x0",
        _P + "aucProviderName[%]": '"Staff"', _P + "aucWhitePagesDirName[%]": '""',
        _P + "aucYellowPagesDirName[%]": '""', _P + "aucPrivatePagesDirName[%]": '"Staff"',
        _P + "aucUsername[%]": '""', _P + "aucPassword[%]": '""',
        _P + "aucServerURL[%]": '"http://dir.example/lookup?x=1&y=2"',
        _P + "ucAuthPossibilities": "0", _P + "aucCountryCode[%]": '""',
        _P + "bitfldCap.bSearchPeopleCap": "1", _P + "bitfldCap.bSearchBusinessCap": "1",
        _P + "bitfldCap.bReverseSearchCap": "1", _P + "bitfldCap.bAutolookupCap": "0",
        _P + "bitfldCap.bPrivateDirectoryCap": "0",
        _P + "bitfldCap.bPrivateDirectoryNicknameCap": "0",
        _P + "bitfldCap.bSndMacAddress": "1", _P + "bitfldCap.bEncryptPosts": "0",
    }


def test_n720_ldap_directory_as_gigasets_template() -> None:
    _L = "BS_LDAP_Netdirs.astNetdirProvider[%]."
    assert settings_of(n720_file(directory={
        "type": "ldap", "name": "Staff", "server": "ldap.example.net",
        "base_dn": "dc=example,dc=net", "user": "cn=dm",
        "password": {"secret": "acme-hq/ldap"}})) == {
        _L + "aucDirName[%]": '"Staff"', _L + "aucUsername[%]": '"cn=dm"',
        _L + "aucPassword[%]": '"${secret:acme-hq/ldap}"',
        _L + "aucServerURL[%]": '"ldap.example.net"', _L + "uiServerPort": "389",
        _L + "aucBaseDN[%]": '"dc=example,dc=net"'}


def test_nx70_xml_directory_as_wazos_phonebook() -> None:
    found = params(nx70_file(directory={"type": "xml", "name": "Staff",
                                        "url": "http://dir.example/lookup"}))
    assert {name: value for name, value in found.items()
            if name.startswith(("XMLDir.", "Netdir."))} == {
        "Netdir.1.Activated": "1", "XMLDir.1.ProviderName": "Staff",
        "XMLDir.1.ServerURL": "http://dir.example/lookup",
        "XMLDir.1.WhitePagesDirName": "Staff", "XMLDir.1.StartWithListWP": "1"}


# -- the plan ------------------------------------------------------------------------------


def test_a_changed_setting_is_one_site_setting_change(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "sites").mkdir(parents=True)
    site = root / "sites" / "acme-hq.yaml"
    site.write_text(yaml.safe_dump(n720_data(time={"ntp_server": "a.example"})),
                    encoding="utf-8")
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    site.write_text(yaml.safe_dump(n720_data(
        time={"ntp_server": "b.example"}, locale={"tones": "France"},
        admin_password={"secret": "acme-hq/admin"})), encoding="utf-8")
    code, out, _ = run("plan", "--root", str(root), "--now", NOW)
    assert code == EXIT_OK
    assert ("  site     setting     site settings: admin_password, locale.tones, "
            "time.ntp_server changed\n") in out
    assert out.endswith("Plan: 1 to change.\n")
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    assert run("plan", "--root", str(root), "--now", NOW)[1] == "Plan: no changes.\n"


@pytest.mark.parametrize("data", [n720_data, nx70_data])
def test_a_removed_setting_is_said_to_stay_on_the_dm(tmp_path: Path, data: Any) -> None:
    """A key removed from the site is no longer written, and the DM keeps the value it
    has: the plan says so rather than 'changed', which reads as undone."""
    root = tmp_path / "repo"
    (root / "sites").mkdir(parents=True)
    site = root / "sites" / "acme-hq.yaml"
    site.write_text(yaml.safe_dump(data(time={"ntp_server": "a.example"}, admin_password={
        "secret": "acme-hq/admin"})), encoding="utf-8")
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    site.write_text(yaml.safe_dump(data(time={"ntp_server": "b.example"})), encoding="utf-8")
    out = run("plan", "--root", str(root), "--now", NOW)[1]
    assert ("  site     setting     site settings: time.ntp_server changed; admin_password no "
            "longer written (the DM keeps its value)\n") in out
    site.write_text(yaml.safe_dump(data()), encoding="utf-8")
    out = run("plan", "--root", str(root), "--now", NOW)[1]
    assert ("  site     setting     site settings: admin_password, time.ntp_server no longer "
            "written (the DM keeps their values)\n") in out


def test_a_zone_of_the_same_index_is_a_change_the_plan_names(tmp_path: Path) -> None:
    """Europe/Berlin and Europe/Paris have one index: the items are the same, but the
    file names the zone and so changes, and the DM gets a new revision. The plan said
    'no changes' while the build wrote it."""
    root = tmp_path / "repo"
    (root / "sites").mkdir(parents=True)
    site = root / "sites" / "acme-hq.yaml"
    site.write_text(yaml.safe_dump(n720_data(timezone="Europe/Berlin")), encoding="utf-8")
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    site.write_text(yaml.safe_dump(n720_data(timezone="Europe/Paris")), encoding="utf-8")
    code, out, _ = run("plan", "--root", str(root), "--now", NOW)
    assert (code, out) == (EXIT_OK, "acme-hq (sites/acme-hq.yaml, revision 1 -> 2)\n"
                           "  site     setting     site settings: timezone changed\n\n"
                           "Plan: 1 to change.\n")
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    assert b"zone Europe/Paris" in (root / "build" / "acme-hq" / "7C2F80CA21E4.xml").read_bytes()
    assert run("plan", "--root", str(root), "--now", NOW)[1] == "Plan: no changes.\n"


# -- import --------------------------------------------------------------------------------


SETTINGS_FILE = """\
<?xml version="1.0" encoding="ISO-8859-1"?>
<ProviderFrame>
 <Provider>
  <MAC_ADDRESS value="7C2F80CA21E4"/>
  <PROFILE_NAME class="string" value="acme"/>
  <S_SPECIAL_DATA_SRV_IWU class="string" value='"http://fw.example/iwu.bin?a=1&amp;b=2"'/>
  <SYMB_ITEM ID="BS_IP_Data.uiI_TIME_TIMEZONE" class="symb_item" value="0x1b"/>
  <SYMB_ITEM ID="BS_IP_Data.ucB_TIME_USE_AUTOMATIC_DST" class="symb_item" value="1"/>
  <SYMB_ITEM ID="BS_IP_Data.aucS_TIME_NTP_SERVER[%]" class="symb_item" value='"ntp.example"'/>
  <SYMB_ITEM ID="BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN" class="symb_item" value="1"/>
  <SYMB_ITEM ID="BS_CUSTOM.WebUIPassword" class="symb_item" value='"Adm-1n"'/>
  <SYMB_ITEM ID="BS_IP_Data.aucS_DATA_SERVER[%]" class="symb_item" value='"prov.example/dm"'/>
  <SYMB_ITEM ID="BS_IP_Data.ucB_DO_CHECK_FOR_PROFILE_UPDATES" class="symb_item" value="1"/>
  <SYMB_ITEM ID="BS_IP_Data.ucB_VLAN_ENABLED" class="symb_item" value="1"/>
  <SYMB_ITEM ID="BS_IP_Data.ucI_VLAN_PRIORITY" class="symb_item" value="5"/>
  <SYMB_ITEM ID="BS_IP_Data.uiI_VLAN_ID" class="symb_item" value="0x14"/>
  <SYMB_ITEM ID="BS_AE_SwConfig.ucCountryCodeTone" class="symb_item" value="12"/>
  <SYMB_ITEM ID="BS_IP_Data.ucI_DIALING_PLAN_COUNTRY_ID" class="symb_item" value="0xff"/>
  <SYMB_ITEM ID="BS_XML_Netdirs.aucActivatedNetdirs[%]" class="symb_item" value="0x1"/>
  <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].aucSIP_PROVIDER_NAME[%]" class="symb_item" value='"PBX"'/>
  <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].aucSIP_DOMAIN[%]" class="symb_item" value='"pbx.example.net"'/>
 </Provider>
</ProviderFrame>
"""


def test_import_turns_setting_items_into_the_typed_keys(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dm.xml").write_text(SETTINGS_FILE, encoding="iso-8859-1")
    code, _, err = run("import", "dm.xml", "--site", "acme", "--now", NOW)
    assert code == EXIT_OK, err
    # Besides what import says of the provider profile the file leaves to its defaults:
    assert "".join(line + "\n" for line in err.splitlines()
                   if "[import-partial-provider]" not in line) == (
        "dm.xml:7:3: warning: BS_IP_Data.uiI_TIME_TIMEZONE: zone index 0x1b is UTC+01:00: "
        "imported as 'Etc/GMT-1'; name the DM's own zone (such as Europe/Berlin) for the "
        "window checks to follow its daylight saving time [import-timezone]\n"
        "dm.xml:19:3: warning: BS_XML_Netdirs.aucActivatedNetdirs[%]: the directory items (lines "
        "19 to 19) are not imported: they are not in the form the site's 'directory' writes; "
        "the DM keeps their values [import-setting]\n")
    site = yaml.safe_load((tmp_path / "sites" / "acme.yaml").read_text(encoding="utf-8"))
    assert {key: site[key] for key in ("timezone", "time", "admin_password", "provisioning",
                                       "firmware_update", "network", "locale")} == {
        "timezone": "Etc/GMT-1", "time": {"ntp_server": "ntp.example", "dst": True},
        "admin_password": {"secret": "acme/admin"},
        "provisioning": {"server": "prov.example/dm", "check_updates": True},
        "firmware_update": {"iwu": "http://fw.example/iwu.bin?a=1&b=2"},
        "network": {"vlan": {"id": 20, "priority": 5}},
        "locale": {"tones": "Germany", "dial_plan_country": "other"}}
    assert yaml.safe_load((tmp_path / "secrets.yaml").read_text())["acme/admin"] == "Adm-1n"
    built = items((tmp_path / "build" / "acme" / "7C2F80CA21E4.xml").read_bytes())
    original = items(SETTINGS_FILE.encode("iso-8859-1"))
    assert {k: built[k] for k in original if "Netdirs" not in k and "WebUI" not in k} == {
        k: v for k, v in original.items() if "Netdirs" not in k and "WebUI" not in k}
    assert "BS_XML_Netdirs.aucActivatedNetdirs[%]" not in built  # left to the DM
    assert run("plan", "--detailed-exitcode", "--now", NOW)[0] == EXIT_OK


def test_import_leaves_out_an_empty_admin_password(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty WebUIPassword (Wazo's template writes '"{{ admin_password }}"', empty when
    none is configured) became the secret acme/admin = '': import and plan succeeded, and
    publish then refused the empty secret. It is left to the DM, with a warning."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dm.xml").write_text(SETTINGS_FILE.replace('\'"Adm-1n"\'', '\'""\''),
                                     encoding="iso-8859-1")
    code, _, err = run("import", "dm.xml", "--site", "acme", "--now", NOW)
    assert code == EXIT_OK, err
    assert ("dm.xml:11:3: warning: BS_CUSTOM.WebUIPassword: not imported (empty): the site's "
            "'admin_password' writes it, as a secret, which is never empty; the DM keeps its "
            "password until the site sets that key [import-setting]\n") in err
    site = yaml.safe_load((tmp_path / "sites" / "acme.yaml").read_text(encoding="utf-8"))
    assert "admin_password" not in site
    secrets = tmp_path / "secrets.yaml"
    assert not secrets.exists() or "acme/admin" not in secrets.read_text(encoding="utf-8")
    assert b"WebUIPassword" not in (tmp_path / "build" / "acme" / "7C2F80CA21E4.xml").read_bytes()


def test_import_refuses_an_admin_password_publish_would_refuse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a handset's password: one longer than the field takes is refused at import, not
    imported and then refused by publish. The value is not shown."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dm.xml").write_text(SETTINGS_FILE.replace("Adm-1n", "Q" * 51),
                                     encoding="iso-8859-1")
    code, _, err = run("import", "dm.xml", "--site", "acme", "--now", NOW)
    assert code == EXIT_INVALID
    assert ("dm.xml:11:3: error: BS_CUSTOM.WebUIPassword: the web UI: the password is longer "
            "than the 50 characters the device takes [import-password]\n") in err
    assert "Q" * 51 not in err and not (tmp_path / "secrets.yaml").exists()


def test_import_of_a_vlan_priority_out_of_range_is_located(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal named no line ('dm.xml: error: network.vlan.priority: ...')."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dm.xml").write_text(SETTINGS_FILE.replace(
        'ucI_VLAN_PRIORITY" class="symb_item" value="5"',
        'ucI_VLAN_PRIORITY" class="symb_item" value="9"'), encoding="iso-8859-1")
    code, _, err = run("import", "dm.xml", "--site", "acme", "--now", NOW)
    assert code == EXIT_INVALID
    assert ("dm.xml:15:3: error: BS_IP_Data.ucI_VLAN_PRIORITY: 9 is out of range: must be at "
            "most 7 [import-range]\n") in err


def test_import_names_the_form_of_a_directory_item_in_another_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An LDAP directory at astNetdirProvider[0] (Gigaset's template writes [%]) is not read
    back; the refusal said 'an offset other than [0], [%] or none', which this is not."""
    monkeypatch.chdir(tmp_path)
    item = "BS_LDAP_Netdirs.astNetdirProvider[0].aucDirName[0]"
    (tmp_path / "dm.xml").write_text(SETTINGS_FILE.replace(
        "<SYMB_ITEM ID=\"BS_XML_Netdirs.aucActivatedNetdirs[%]\" class=\"symb_item\" "
        "value=\"0x1\"/>", f"<SYMB_ITEM ID=\"{item}\" class=\"symb_item\" value='\"Corp\"'/>"),
        encoding="iso-8859-1")
    code, _, err = run("import", "dm.xml", "--site", "acme", "--now", NOW)
    assert code == EXIT_INVALID
    assert (f"dm.xml:19:3: error: {item}: writes the site's 'directory.name' in a form the "
            "compiler does not read back: it writes "
            "BS_LDAP_Netdirs.astNetdirProvider[%].aucDirName[%], the last index [0], [%] or "
            "none (the whole field); write that form [import-owned]\n") in err


def test_import_of_a_built_example_keeps_every_setting(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """care-home as publish writes it imports to the same settings, its zone included:
    the settings' title names it beside the index."""
    root = tmp_path / "original"
    (root / "sites").mkdir(parents=True)
    repository = Path(__file__).resolve().parents[1]
    shutil.copy(repository / "sites" / "care-home.yaml", root / "sites")
    shutil.copy(repository / "fleet.yaml", root)
    assert run("build", "--root", str(root), "--now", NOW)[0] == EXIT_OK
    site = yaml.safe_load((root / "sites" / "care-home.yaml").read_text(encoding="utf-8"))
    fleet = yaml.safe_load((root / "fleet.yaml").read_text(encoding="utf-8"))
    original = _over(_over(fleet["sites"], fleet["profiles"][site["profile"]]), site)
    (tmp_path / "dm.xml").write_bytes((root / "build" / "care-home" / "7C2F80123456.xml")
                                      .read_bytes().replace(b"${secret:", b"x{"))
    monkeypatch.chdir(tmp_path)
    code, _, err = run("import", "dm.xml", "--site", "care-home", "--now", NOW)
    assert code == EXIT_OK, err
    # Only its extra item is said (import says so of every extra item).
    assert [line.rsplit(" ", 1)[1] for line in err.splitlines()] == ["[import-extra]"]
    imported = yaml.safe_load((tmp_path / "sites" / "care-home.yaml").read_text("utf-8"))
    for key in ("timezone", "provisioning", "firmware_update", "directory", "network", "locale"):
        assert imported[key] == original[key], key
    # dst: true is Europe/Berlin's own, what the build writes without it.
    assert (original["time"], imported["time"]) == (
        {"ntp_server": "ptbtime1.ptb.de", "dst": True}, {"ntp_server": "ptbtime1.ptb.de"})
    assert imported["admin_password"] == {"secret": "care-home/admin"}
    assert run("plan", "--detailed-exitcode", "--now", NOW)[0] == EXIT_OK


def _over(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`top` over `base` as fleet.yaml merges them: mappings key by key."""
    return {**base, **{key: _over(base[key], value) if isinstance(value, dict) and isinstance(
        base.get(key), dict) else value for key, value in top.items()}}


LEFT_OUT_FILE = """\
<?xml version="1.0" encoding="ISO-8859-1"?>
<ProviderFrame>
 <Provider>
  <MAC_ADDRESS value="7C2F80CA21E4"/>
  <S_SPECIAL_DATA_SRV_SAT class="string" value='"ftp://fw.example/sat.bin"'/>
  <SYMB_ITEM ID="BS_IP_Data.uiI_TIME_TIMEZONE" class="symb_item" value="0x05"/>
  <SYMB_ITEM ID="BS_IP_Data.ucB_TIME_USE_AUTOMATIC_DST" class="symb_item" value="0"/>
  <SYMB_ITEM ID="BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN" class="symb_item" value="0"/>
  <SYMB_ITEM ID="BS_IP_Data.ucB_VLAN_ENABLED" class="symb_item" value="0"/>
  <SYMB_ITEM ID="BS_AE_SwConfig.ucCountryCodeTone" class="symb_item" value="3"/>
  <SYMB_ITEM ID="BS_IP_Data.ucI_DIALING_PLAN_COUNTRY_ID" class="symb_item" value="0x31"/>
  <SYMB_ITEM ID="BS_LDAP_Netdirs.astNetdirProvider[%].aucDirName[%]" class="symb_item" value='"Staff"'/>
  <SYMB_ITEM ID="BS_LDAP_Netdirs.astNetdirProvider[%].aucUsername[%]" class="symb_item" value='"cn=dm"'/>
  <SYMB_ITEM ID="BS_LDAP_Netdirs.astNetdirProvider[%].aucPassword[%]" class="symb_item" value='"Ld-4p"'/>
  <SYMB_ITEM ID="BS_LDAP_Netdirs.astNetdirProvider[%].aucServerURL[%]" class="symb_item" value='"ldap.example"'/>
  <SYMB_ITEM ID="BS_LDAP_Netdirs.astNetdirProvider[%].uiServerPort" class="symb_item" value="636"/>
  <SYMB_ITEM ID="BS_LDAP_Netdirs.astNetdirProvider[%].aucBaseDN[%]" class="symb_item" value='"dc=example"'/>
  <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].aucSIP_PROVIDER_NAME[%]" class="symb_item" value='"PBX"'/>
  <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].aucSIP_DOMAIN[%]" class="symb_item" value='"pbx.example.net"'/>
 </Provider>
</ProviderFrame>
"""


def test_import_leaves_to_the_dm_what_no_key_says_exactly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An index of no table, NTP switched off, a VLAN switched off, a tone code and a
    dialling plan of no table, a firmware file that is no http URL: each is left out with
    a warning, and the DM keeps it. An LDAP directory comes in whole, its password a
    secret."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dm.xml").write_text(LEFT_OUT_FILE, encoding="iso-8859-1")
    code, _, err = run("import", "dm.xml", "--site", "acme", "--now", NOW)
    assert code == EXIT_OK, err
    kept = "writes it; the DM keeps its value until the site sets that key [import-setting]"
    # Besides what import says of the profile and provider the file leaves to defaults:
    assert [line for line in err.splitlines() if "[import-partial-" not in line] == [
        ("dm.xml:5:3: warning: not imported (S_SPECIAL_DATA_SRV_SAT: not an http:// or https:// "
        f"URL in double quotes): the site's 'firmware_update.sat' {kept}"),
        ("dm.xml:6:3: warning: BS_IP_Data.uiI_TIME_TIMEZONE: not imported (index 0x5 is in no "
        f"published table): the site's 'timezone' {kept}"),
        ("dm.xml:8:3: warning: BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN: not imported (the site "
        "says a server, and the DM then synchronises with it): the site's 'time.ntp_server' "
        f"{kept}"),
        ("dm.xml:9:3: warning: BS_IP_Data.ucB_VLAN_ENABLED: not imported (the key writes an "
        f"enabled VLAN with its ID): the site's 'network.vlan' {kept}"),
        ("dm.xml:10:3: warning: BS_AE_SwConfig.ucCountryCodeTone: not imported (no published name "
        f"for code 3): the site's 'locale.tones' {kept}"),
        ("dm.xml:11:3: warning: BS_IP_Data.ucI_DIALING_PLAN_COUNTRY_ID: not imported (no "
        f"published name for code 49): the site's 'locale.dial_plan_country' {kept}"),
    ]
    site = yaml.safe_load((tmp_path / "sites" / "acme.yaml").read_text(encoding="utf-8"))
    assert {key: site.get(key) for key in ("timezone", "time", "network", "locale",
                                           "directory")} == {
        "timezone": None, "time": {"dst": False}, "network": None, "locale": None,
        "directory": {"type": "ldap", "name": "Staff", "server": "ldap.example", "port": 636,
                      "base_dn": "dc=example", "user": "cn=dm",
                      "password": {"secret": "acme/directory"}}}
    assert yaml.safe_load((tmp_path / "secrets.yaml").read_text())["acme/directory"] == "Ld-4p"
    assert run("plan", "--detailed-exitcode", "--now", NOW)[0] == EXIT_OK


@pytest.mark.parametrize(("index", "zone"), [
    ("0x1a", "UTC"), ("0x1b", "Etc/GMT-1"), ("0xd", "Etc/GMT+5"), ("0x30", "Asia/Calcutta")])
def test_import_names_a_zone_of_the_index_offset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 index: str, zone: str) -> None:
    monkeypatch.chdir(tmp_path)
    content = LEFT_OUT_FILE.replace('value="0x05"', f'value="{index}"')
    (tmp_path / "dm.xml").write_text(content, encoding="iso-8859-1")
    assert run("import", "dm.xml", "--site", "acme", "--now", NOW)[0] == EXIT_OK
    site = yaml.safe_load((tmp_path / "sites" / "acme.yaml").read_text(encoding="utf-8"))
    assert site["timezone"] == zone
    built = items((tmp_path / "build" / "acme" / "7C2F80CA21E4.xml").read_bytes())
    assert (built[ZONE], built[DST]) == (index, "0")
