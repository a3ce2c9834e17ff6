"""The Nx70 target (N870, N870E, N770, N670, N610): a site and its handsets, keyed by IPUI,
become the one UTF-8 XML file of named parameters the DM fetches."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.app import models
from compiler.ipui import Ipui
from compiler.model import Endpoint, Provider, Site, build_site
from compiler.plan import SlotAssignment
from compiler.targets import target_for
from compiler.targets.common import text_of
from compiler.targets.nx70 import TARGET

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
MAC = "7C:2F:80:9A:0B:11"
PBX = {"name": "Praxis PBX", "domain": "pbx.example.net", "proxy": "sip.example.net:5070",
       "registrar": "reg.example.net", "reregister_seconds": 600}
TRUNK = {"name": "Trunk", "domain": "trunk.example.de", "outbound_proxy": "sbc.example.de:5061"}
RECEPTION = {"ipui": "0332A11B02", "login": "4102", "password": "Rt5$vN9@pL",
             "display_name": "Empfang 2", "voicemail": "*86"}
DESK = {"ipui": "0332a11b01", "login": "4101", "password": "Fz8#kQ2!mW",
        "display_name": "Empfang 1"}
EMERGENCY = {"ipui": "03 32 A1 1B 06", "login": "4190", "password": "Pd9@zF4$uV",
             "provider": "Trunk", "user_id": "+49401234564190"}


@dataclass(frozen=True)
class Revision:
    number: int
    stamp: str


# The site's zone, the first param after deregistrations: the site names its timezone.
ZONE = ("param", "DmGlobal.0.TimeZone", "Europe/Berlin")


def site_data(**overrides: Any) -> dict[str, Any]:
    """Three handsets, listed out of IPUI order; two providers, one with an outbound proxy."""
    data: dict[str, Any] = {
        "site": "clinic",
        "model": "N870",
        "mac": MAC,
        "timezone": "Europe/Berlin",
        "providers": [PBX, TRUNK],
        "registration": {"window": {"start": "2026-12-07 07:30", "duration": "12h"},
                         "pin": "0000"},
        "handsets": [RECEPTION, DESK, EMERGENCY],
    }
    data.update(overrides)
    return data


def make_site(**overrides: Any) -> Site:
    return build_site(site_data(**overrides), "sites/clinic.yaml")


def ipui(text: str) -> Ipui:
    return Ipui(bytes.fromhex(text))


def keyed(site: Site, released: tuple[str, ...] = ()) -> tuple[SlotAssignment, ...]:
    """What the plan hands the target: each handset at its IPUI (upper-case hex), and a
    place with no handset for each IPUI the compiler deregistered."""
    places = [SlotAssignment(h.ipui.hex, h) for h in site.handsets if h.ipui is not None]
    places += [SlotAssignment(text, None, ipui(text), 1) for text in released]
    return tuple(sorted(places, key=lambda place: str(place.slot)))


def render(site: Site | None = None, slots: tuple[SlotAssignment, ...] | None = None,
           revision: Revision | None = None) -> bytes:
    site = site if site is not None else make_site()
    return TARGET.render(site, slots if slots is not None else keyed(site), revision)


def lines(output: bytes) -> list[str]:
    return [line.strip() for line in output.decode("utf-8").splitlines()]


def has_block(text: list[str], block: list[str]) -> bool:
    return any(text[i:i + len(block)] == block for i in range(len(text)))


def nvm(output: bytes) -> list[tuple[str, str, str | None]]:
    """The elements of <nvm> in file order as (tag, name, value), an oper's params after it."""
    found = []
    settings_element = ET.fromstring(output).find("nvm")
    assert settings_element is not None
    for element in settings_element:
        found.append((element.tag, element.attrib["name"], element.get("value")))
        found += [(p.tag, p.attrib["name"], p.get("value")) for p in element]
    return found


def params(output: bytes) -> dict[str, str]:
    """Every <param> by name, as an XML parser reads it; a name written twice fails."""
    found = [(p.attrib["name"], p.attrib["value"]) for p in ET.fromstring(output).iter("param")]
    names = [name for name, _ in found if name != "hs.RegStatus"]
    assert len(set(names)) == len(names), "a parameter is written twice"
    return dict(found)


def param(name: str, value: str) -> str:
    return f'<param name="{name}" value="{value}"/>'


def account(ipui_hex: str, field: str) -> str:
    return f"SipAccount.{ipui_hex}.{field}"


def register_block(ipui_hex: str) -> list[str]:
    return [f'<oper name="add_hs" value="{ipui_hex}">', param("hs.RegStatus", "ToReg"),
            "</oper>"]


# -- the file ------------------------------------------------------------------------------


def test_declaration_root_and_nvm() -> None:
    output = render()
    assert output.startswith(DECLARATION)
    text = lines(output)
    assert text[2:4] == ['<provisioning version="1.1" productID="e2">', "<nvm>"]
    assert text[-2:] == ["</nvm>", "</provisioning>"]
    root = ET.fromstring(output)
    assert (root.tag, root.attrib) == ("provisioning", {"version": "1.1", "productID": "e2"})
    assert [child.tag for child in root] == ["nvm"]


def test_header_without_revision() -> None:
    assert lines(render())[1] == (
        "<!-- Generated by dectprov from sites/clinic.yaml. Do not edit: change the site "
        "file and build again. -->")


def test_header_names_the_revision_and_there_is_no_version_element() -> None:
    output = render(revision=Revision(7, "2411261530"))
    assert lines(output)[1] == (
        "<!-- Generated by dectprov from sites/clinic.yaml, revision 7. Do not edit: change "
        "the site file and build again. -->")
    assert b"VERSION" not in output and b"2411261530" not in output


def test_file_name_is_the_mac_in_lower_case() -> None:
    assert TARGET.file_name(make_site()) == "7c2f809a0b11.xml"
    assert TARGET.file_name(make_site(mac="7c2f809a0b11")) == "7c2f809a0b11.xml"


def test_same_input_same_bytes() -> None:
    assert render(revision=Revision(3, "0101270000")) == render(
        revision=Revision(3, "0101270000"))


def test_element_order() -> None:
    """Providers, then handsets in IPUI order whatever the order of the site and of the
    places given, then the window, then extra; each handset's add_hs before its params."""
    site = make_site(extra={"DmGlobal.0.HSIdleDisplay": "1"})
    marks = ("SipProvider.0.Name", "SipProvider.1.Name", "RegStart", "DmGlobal.0.HSIdleDisplay")
    output = render(site, tuple(reversed(keyed(site))))
    assert [name for tag, name, _ in nvm(output)
            if tag == "oper" or name in marks or name.endswith(".AuthName")] == [
        "SipProvider.0.Name", "SipProvider.1.Name",
        "add_hs", account("0332a11b01", "AuthName"),
        "add_hs", account("0332a11b02", "AuthName"),
        "add_hs", account("0332a11b06", "AuthName"),
        "update_dm", "RegStart", "DmGlobal.0.HSIdleDisplay",
    ]


# -- authoritative mode and deregistrations ------------------------------------------------


def test_not_authoritative_no_delete_oper() -> None:
    output = render()
    assert nvm(output)[:2] == [ZONE, ("param", "SipProvider.0.Name", "Praxis PBX")]
    assert b"DeleteNotProvisionedHS" not in output


def test_authoritative_delete_oper_first() -> None:
    output = render(make_site(authoritative=True))
    assert nvm(output)[:2] == [("oper", "DeleteNotProvisionedHS", None), ZONE]
    assert lines(output)[4:6] == ['<oper name="DeleteNotProvisionedHS"/>',
                                  "<!-- site settings -->"]


def test_deregistrations_right_after_the_delete_oper_sorted() -> None:
    site = make_site(authoritative=True)
    output = render(site, keyed(site, released=("0DEADBEEF4", "029E74A599")))
    assert nvm(output)[:4] == [
        ("oper", "DeleteNotProvisionedHS", None),
        ("param", "hs.029e74a599.RegStatus", "ToDeReg"),
        ("param", "hs.0deadbeef4.RegStatus", "ToDeReg"),
        ZONE,
    ]
    assert lines(output)[4:7] == ['<oper name="DeleteNotProvisionedHS"/>',
                                  param("hs.029e74a599.RegStatus", "ToDeReg"),
                                  param("hs.0deadbeef4.RegStatus", "ToDeReg")]


def test_deregistrations_first_without_authoritative() -> None:
    site = make_site()
    slots = tuple(reversed(keyed(site, released=("029E74A599", "0DEADBEEF4"))))
    assert nvm(render(site, slots))[:3] == [
        ("param", "hs.029e74a599.RegStatus", "ToDeReg"),
        ("param", "hs.0deadbeef4.RegStatus", "ToDeReg"),
        ZONE,
    ]


def test_place_without_handset_or_release_writes_nothing() -> None:
    site = make_site(handsets=[DESK])
    with_empty = (*keyed(site), SlotAssignment("029E74A599", None))
    assert render(site, with_empty) == render(site)


def test_only_the_given_places_are_written() -> None:
    site = make_site()
    output = render(site, keyed(site)[:1])
    assert [value for tag, name, value in nvm(output) if name == "add_hs"] == ["0332a11b01"]


# -- handsets --------------------------------------------------------------------------------


def test_handset_block_verbatim() -> None:
    text = lines(render())
    assert has_block(text, [
        "<!-- handset 0332a11b02: 4102 (Empfang 2) -->",
        *register_block("0332a11b02"),
        param("hs.0332a11b02.DECT_AC", "0000"),
        param(account("0332a11b02", "AuthName"), "4102"),
        param(account("0332a11b02", "AuthPassword"), "Rt5$vN9@pL"),
        param(account("0332a11b02", "UserName"), "4102"),
        param(account("0332a11b02", "DisplayName"), "Empfang 2"),
        param(account("0332a11b02", "ProviderId"), "0"),
        param(account("0332a11b02", "VoiceMailMailbox"), "*86"),
        param(account("0332a11b02", "VoiceMailActive"), "1"),
        "<!-- handset 0332a11b06: 4190 (4190) -->",
    ])


def test_handset_without_mailbox_second_provider_own_user_id() -> None:
    text = lines(render())
    assert has_block(text, [
        "<!-- handset 0332a11b06: 4190 (4190) -->",
        *register_block("0332a11b06"),
        param("hs.0332a11b06.DECT_AC", "0000"),
        param(account("0332a11b06", "AuthName"), "4190"),
        param(account("0332a11b06", "AuthPassword"), "Pd9@zF4$uV"),
        param(account("0332a11b06", "UserName"), "+49401234564190"),
        param(account("0332a11b06", "DisplayName"), "4190"),
        param(account("0332a11b06", "ProviderId"), "1"),
        param(account("0332a11b06", "VoiceMailActive"), "0"),
        "<!-- registration window -->",
    ])
    assert {name: value for name, value in params(render()).items() if "VoiceMail" in name} == {
        account("0332a11b01", "VoiceMailActive"): "0",
        account("0332a11b02", "VoiceMailMailbox"): "*86",
        account("0332a11b02", "VoiceMailActive"): "1",
        account("0332a11b06", "VoiceMailActive"): "0"}


def test_mailbox_from_defaults_and_switched_off_per_handset() -> None:
    """`voicemail: false` switches the mailbox off (VoiceMailActive 0, the off form of the
    1 in Wazo's Nx70 template), rather than leaving on the DM whatever mailbox it had; the
    number is left out, not written empty."""
    site = make_site(defaults={"voicemail": "*2"},
                     handsets=[DESK, {**RECEPTION, "voicemail": False}])
    found = params(render(site))
    assert (found[account("0332a11b01", "VoiceMailMailbox")],
            found[account("0332a11b01", "VoiceMailActive")]) == ("*2", "1")
    assert {name: value for name, value in found.items()
            if name.startswith("SipAccount.0332a11b02.VoiceMail")} == {
        account("0332a11b02", "VoiceMailActive"): "0"}


def test_a_mailbox_switched_off_is_a_change_of_the_device_item() -> None:
    """The plan says voicemail changed: the item it compares changes from 1 to 0."""
    before = TARGET.prepare(make_site(), keyed(make_site())).items()
    off = make_site(handsets=[DESK, {**RECEPTION, "voicemail": False}, EMERGENCY])
    after = TARGET.prepare(off, keyed(off)).items()
    name = account("0332a11b02", "VoiceMailActive")
    assert (before[name], after[name]) == ("1", "0")
    assert account("0332a11b02", "VoiceMailMailbox") not in after
    assert TARGET.item_scope(name) == ("slot", "0332A11B02", "voicemail")


@pytest.mark.parametrize(("pin", "written"), [("0000", "0000"), ("1234", "1234")])
def test_site_pin_on_every_handset(pin: str, written: str) -> None:
    found = params(render(make_site(registration={"pin": pin})))
    assert {name: value for name, value in found.items() if name.endswith(".DECT_AC")} == {
        "hs.0332a11b01.DECT_AC": written, "hs.0332a11b02.DECT_AC": written,
        "hs.0332a11b06.DECT_AC": written}


def test_no_pin_no_dect_ac() -> None:
    output = render(make_site(registration={}))
    assert b"DECT_AC" not in output
    assert has_block(lines(output), [*register_block("0332a11b01"),
                                     param(account("0332a11b01", "AuthName"), "4101")])


def test_site_without_handsets() -> None:
    site = make_site(handsets=[])
    output = render(site)
    assert [name for tag, name, _ in nvm(output) if tag == "oper"] == ["update_dm"]
    assert b"SipAccount." not in output and b"DECT_AC" not in output


# -- providers -------------------------------------------------------------------------------


def test_provider_without_outbound_proxy_verbatim() -> None:
    assert has_block(lines(render()), [
        "<!-- provider 0: Praxis PBX -->",
        param("SipProvider.0.Name", "Praxis PBX"),
        param("SipProvider.0.Domain", "pbx.example.net"),
        param("SipProvider.0.ProxyServerAddress", "sip.example.net"),
        param("SipProvider.0.ProxyServerPort", "5070"),
        param("SipProvider.0.RegServerAddress", "reg.example.net"),
        param("SipProvider.0.RegServerPort", "5060"),
        param("SipProvider.0.RegServerRefreshTimer", "600"),
        param("SipProvider.0.TransportProtocol", "1"),
        param("SipProvider.0.OutboundProxyMode", "2"),
        "<!-- provider 1: Trunk -->",
    ])


def test_provider_with_outbound_proxy_verbatim() -> None:
    assert has_block(lines(render()), [
        "<!-- provider 1: Trunk -->",
        param("SipProvider.1.Name", "Trunk"),
        param("SipProvider.1.Domain", "trunk.example.de"),
        param("SipProvider.1.ProxyServerAddress", "trunk.example.de"),
        param("SipProvider.1.ProxyServerPort", "5060"),
        param("SipProvider.1.RegServerAddress", "trunk.example.de"),
        param("SipProvider.1.RegServerPort", "5060"),
        param("SipProvider.1.RegServerRefreshTimer", "180"),
        param("SipProvider.1.TransportProtocol", "1"),
        param("SipProvider.1.OutboundProxyMode", "0"),
        param("SipProvider.1.OutboundProxyAddress", "sbc.example.de"),
        param("SipProvider.1.OutboundProxyPort", "5061"),
        "<!-- handset 0332a11b01: 4101 (Empfang 1) -->",
    ])


def test_no_outbound_proxy_no_address_or_port() -> None:
    found = params(render())
    assert [name for name in found if name.startswith("SipProvider.0.OutboundProxy")] == [
        "SipProvider.0.OutboundProxyMode"]


def test_nothing_is_written_empty() -> None:
    """The vendor warns about empty values: a minimal site leaves parameters out instead."""
    site = make_site(providers=[{"name": "p", "domain": "d"}], registration={},
                     handsets=[{"ipui": "0332A11B01", "login": "1", "password": "p",
                                "voicemail": False}])
    output = render(site, keyed(site, released=("029E74A599",)))
    assert b'value=""' not in output
    assert [value for _, _, value in nvm(output) if value == ""] == []
    assert b'value=""' not in render()


# -- the registration window -----------------------------------------------------------------


@pytest.mark.parametrize(("timezone", "start", "unix"), [
    ("Europe/Berlin", "2026-12-07 07:30", 1796625000),  # winter, UTC+1: 06:30 UTC
    ("Europe/Berlin", "2026-07-01 12:00", 1782900000),  # summer, UTC+2: 10:00 UTC
    ("UTC", "2026-12-07 07:30", 1796628600),
    ("Europe/Berlin", "2027-03-28T03:00", 1806195600),  # the first hour of summer time
])
def test_window_start_in_unix_seconds_utc(timezone: str, start: str, unix: int) -> None:
    site = make_site(timezone=timezone,
                     registration={"window": {"start": start, "duration": 72000}})
    assert has_block(lines(render(site)), [
        "<!-- registration window -->",
        '<oper name="update_dm" value="local">',
        param("RegStart", str(unix)),
        param("RegDuration", "72000"),
        param("DMPpasswd", "Gigaset"),
        "</oper>",
        "</nvm>",
    ])
    local = datetime.fromtimestamp(unix, ZoneInfo(timezone)).replace(tzinfo=None)
    assert local == site.window.start  # type: ignore[union-attr]


@pytest.mark.parametrize(("start", "unix"), [
    ("2026-10-25 02:30+02:00", 1792888200),  # the first 02:30, summer time: 00:30 UTC
    ("2026-10-25 02:30+01:00", 1792891800),  # the second, an hour later: 01:30 UTC
    ("2026-10-25 01:30", 1792884600),  # before the change: one offset, +02:00
    ("2026-10-25 03:00", 1792893600),  # after it: +01:00
])
def test_window_start_in_the_hour_berlin_repeats(start: str, unix: int) -> None:
    """RegStart is UTC seconds: the offset written after the start says which of the two
    02:30s of that night is meant."""
    site = make_site(registration={"window": {"start": start, "duration": "30m"}})
    assert params(render(site))["RegStart"] == str(unix)


def test_window_duration_in_seconds_and_the_dm_password_of_the_sources() -> None:
    """Gigaset's wiki example and Wazo's template both end update_dm with DMPpasswd
    "Gigaset"; the window is open from RegStart to RegStart + RegDuration."""
    assert [(tag, name, value) for tag, name, value in nvm(render())
            if name in ("update_dm", "RegStart", "RegDuration", "DMPpasswd")] == [
        ("oper", "update_dm", "local"), ("param", "RegStart", "1796625000"),
        ("param", "RegDuration", "43200"), ("param", "DMPpasswd", "Gigaset")]


@pytest.mark.parametrize("duration", ["always", 0, "0"])
def test_a_window_that_never_closes_is_refused_not_written_as_zero(duration: object) -> None:
    """RegDuration 0 would end the window at its start: `always` is refused for the Nx70,
    at the duration, saying why and what to write."""
    data = site_data(registration={"window": {"start": "2026-12-07 07:30",
                                              "duration": duration}})
    [problem] = TARGET.site_problems(data)
    path, rule, message = problem
    assert (path, rule) == (("registration", "window", "duration"), "window-always-unsupported")
    assert "RegStart + RegDuration" in message and 'such as "2d"' in message
    assert TARGET.site_problems(site_data()) == []
    assert TARGET.window_never_closes is False


@pytest.mark.parametrize("duration", ["soon", True, None, 3.0, "90s", 72000])
def test_only_a_duration_of_zero_is_refused_as_never_closing(duration: object) -> None:
    """Anything else is the schema's to judge, or a window that closes."""
    data = site_data(registration={"window": {"start": "2026-12-07 07:30",
                                              "duration": duration}})
    assert TARGET.site_problems(data) == []


def test_default_timezone_is_utc() -> None:
    data = site_data()
    del data["timezone"]
    assert params(render(build_site(data, "sites/clinic.yaml")))["RegStart"] == "1796628600"


def test_no_window_no_update_dm() -> None:
    output = render(make_site(registration={"pin": "0000"}))
    assert b"update_dm" not in output and b"RegStart" not in output
    assert "<!-- registration window -->" not in lines(output)


# -- extra: -----------------------------------------------------------------------------------


def test_extra_values_last_in_name_order() -> None:
    site = make_site(extra={
        "Telephony.0.CT_ViaRKey": "1",
        "SystemSettings.global.SipMulticastEnabled": False,
        "DmGlobal.0.HSIdleDisplay": "1",
        "SipProvider.0.WithDeregOnHsNotReachable": True,
        "SipProvider.0.MWISubscription": 1,
    })
    assert lines(render(site))[-9:] == [
        "</oper>",
        "<!-- extra parameters -->",
        param("DmGlobal.0.HSIdleDisplay", "1"),
        param("SipProvider.0.MWISubscription", "1"),
        param("SipProvider.0.WithDeregOnHsNotReachable", "1"),
        param("SystemSettings.global.SipMulticastEnabled", "0"),
        param("Telephony.0.CT_ViaRKey", "1"),
        "</nvm>",
        "</provisioning>",
    ]


def test_no_extra_no_section() -> None:
    assert "<!-- extra parameters -->" not in lines(render())


# -- escaping and UTF-8 ----------------------------------------------------------------------

AWKWARD = "O'Brien & <Söhne> \"Nord\""


def awkward_site() -> Site:
    return make_site(
        providers=[{"name": "A&B <x>", "domain": "pbx.example.net"}, TRUNK],
        handsets=[
            {"ipui": "0332A11B01", "login": "4101", "password": "p&<>\"'ß", "display_name":
             AWKWARD, "user_id": "a\"b", "voicemail": "*8&"},
            {"ipui": "0332A11B02", "login": "4102", "password": "Zażółć😀",
             "display_name": "Dr. Łukasiewicz 😀"},
        ],
        extra={"XMLDir.2.ProviderName": "<'&'>--"},
    )


def test_attribute_escaping_verbatim() -> None:
    text = lines(render(awkward_site()))
    assert param(account("0332a11b01", "DisplayName"),
                 "O'Brien &amp; &lt;Söhne&gt; &quot;Nord&quot;") in text
    assert param(account("0332a11b01", "AuthPassword"), "p&amp;&lt;&gt;&quot;'ß") in text
    assert param("SipProvider.0.Name", "A&amp;B &lt;x&gt;") in text
    assert param("XMLDir.2.ProviderName", "&lt;'&amp;'&gt;--") in text


def test_non_latin1_and_emoji_written_as_utf8() -> None:
    output = render(awkward_site())
    assert "Dr. Łukasiewicz 😀".encode() in output
    assert "Zażółć😀".encode() in output
    assert b"&#" not in output  # no character references: the file is UTF-8 throughout


def test_escaped_values_decode_back_exactly() -> None:
    found = params(render(awkward_site()))
    assert {name: found[name] for name in (
        account("0332a11b01", "DisplayName"), account("0332a11b01", "AuthPassword"),
        account("0332a11b01", "UserName"), account("0332a11b01", "VoiceMailMailbox"),
        account("0332a11b02", "DisplayName"), account("0332a11b02", "AuthPassword"),
        "SipProvider.0.Name", "XMLDir.2.ProviderName")} == {
        account("0332a11b01", "DisplayName"): AWKWARD,
        account("0332a11b01", "AuthPassword"): "p&<>\"'ß",
        account("0332a11b01", "UserName"): "a\"b",
        account("0332a11b01", "VoiceMailMailbox"): "*8&",
        account("0332a11b02", "DisplayName"): "Dr. Łukasiewicz 😀",
        account("0332a11b02", "AuthPassword"): "Zażółć😀",
        "SipProvider.0.Name": "A&B <x>",
        "XMLDir.2.ProviderName": "<'&'>--",
    }


def test_comments_never_hold_double_hyphen() -> None:
    site = make_site(providers=[{"name": "x--y-", "domain": "d"}], handsets=[
        {"ipui": "0332A11B01", "login": "a--b", "password": "p", "display_name": "--"}])
    output = render(site)
    text = lines(output)
    assert "<!-- provider 0: x- -y -->" in text
    assert "<!-- handset 0332a11b01: a- -b (- -) -->" in text
    ET.fromstring(output)


# -- reading the file back -------------------------------------------------------------------


def _endpoint(found: dict[str, str], address: str, port: str) -> Endpoint:
    return Endpoint(found[address], int(found[port]))


def read_back(output: bytes) -> dict[str, Any]:
    """The model's values as a parser finds them in the file: handsets by IPUI, providers
    as the model's Provider, the PIN per handset, the window in the site's terms."""
    found = params(output)
    registered = [v for tag, name, v in nvm(output) if tag == "oper" and name == "add_hs"]
    handsets = {}
    for key in registered:
        assert key is not None and key == key.lower()
        mailbox = found.get(account(key, "VoiceMailMailbox"))
        assert found.get(account(key, "VoiceMailActive")) == ("1" if mailbox else "0")
        handsets[key] = {
            "login": found[account(key, "AuthName")],
            "password": found[account(key, "AuthPassword")],
            "user_id": found[account(key, "UserName")],
            "display_name": found[account(key, "DisplayName")],
            "provider": int(found[account(key, "ProviderId")]),
            "voicemail": mailbox,
            "pin": found.get(f"hs.{key}.DECT_AC"),
        }
    providers = []
    n = 0
    while f"SipProvider.{n}.Name" in found:
        p = f"SipProvider.{n}."
        mode = found[p + "OutboundProxyMode"]
        assert mode in ("0", "2")
        srtp = found.get(p + "SRTP_Enabled")
        assert found.get(p + "AcceptNonSRTPCalls") == (None if srtp is None else "0")
        providers.append(Provider(
            index=n, name=found[p + "Name"], domain=found[p + "Domain"],
            proxy=_endpoint(found, p + "ProxyServerAddress", p + "ProxyServerPort"),
            registrar=_endpoint(found, p + "RegServerAddress", p + "RegServerPort"),
            outbound_proxy=_endpoint(found, p + "OutboundProxyAddress", p + "OutboundProxyPort")
            if mode == "0" else None,
            reregister_seconds=int(found[p + "RegServerRefreshTimer"]),
            transport={"1": "udp", "2": "tcp", "3": "tls"}[found[p + "TransportProtocol"]],
            srtp=None if srtp is None else {"1": True, "0": False}[srtp],
            dtmf={"1": "inband", "2": "rfc2833", "4": "sip-info", None: None}[
                found.get(p + "DTMFTransmission")]))
        n += 1
    return {"handsets": handsets, "providers": providers,
            "window": (int(found["RegStart"]), int(found["RegDuration"]))
            if "RegStart" in found else None}


def model_values(site: Site) -> dict[str, Any]:
    window = None
    if site.window is not None:
        start = site.window.start.replace(tzinfo=ZoneInfo(site.timezone))  # no repeated hour
        window = (int(start.timestamp()), site.window.duration_seconds)
    return {
        "handsets": {h.ipui.hex.lower(): {
            "login": h.login, "password": text_of(h.password), "user_id": h.user_id,
            "display_name": h.display_name, "provider": h.provider, "voicemail": h.voicemail,
            "pin": site.pin.digits if site.pin else None,
        } for h in site.handsets if h.ipui is not None},
        # The transport is always written: UDP when the site does not say.
        "providers": [replace(p, transport=p.transport or "udp") for p in site.providers],
        "window": window,
    }


@pytest.mark.parametrize("site", [make_site(), awkward_site(), make_site(registration={}),
                                  make_site(defaults={"voicemail": "*2"}, authoritative=True)],
                         ids=["plain", "awkward", "no-registration", "defaults"])
def test_round_trip_to_the_model(site: Site) -> None:
    assert read_back(render(site)) == model_values(site)


def test_round_trip_of_the_example_site() -> None:
    root = Path(__file__).resolve().parents[1]
    [site] = models(root, [root / "sites" / "clinic-north.yaml"]).sites
    output = render(site)
    assert read_back(output) == model_values(site)
    assert len(read_back(output)["handsets"]) == 6


_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1,
                max_size=24).filter(lambda text: TARGET.text_problem(text) is None)


@settings(max_examples=100, deadline=None)
@given(entries=st.lists(
    st.tuples(st.integers(min_value=1, max_value=2**36 - 1), _TEXT, _TEXT, _TEXT),
    min_size=1, max_size=5, unique_by=lambda entry: entry[0]),
    provider=_TEXT, extra=_TEXT)
def test_any_admitted_text_reads_back_exactly(entries: list[tuple[int, str, str, str]],
                                              provider: str, extra: str) -> None:
    site = make_site(
        providers=[{**PBX, "name": provider}, TRUNK],
        handsets=[{"ipui": f"{number:010X}", "login": login, "password": password,
                   "display_name": name} for number, name, login, password in entries],
        extra={"DmGlobal.0.SystemRegDomain": extra})
    output = render(site, revision=Revision(1, "0101270000"))
    assert output.startswith(DECLARATION)
    output.decode("utf-8")  # strict: fails on anything that is not UTF-8
    assert read_back(output) == model_values(site)
    assert params(output)["DmGlobal.0.SystemRegDomain"] == extra


# -- read_items and item_scope: what the plan compares ----------------------------------------


def test_read_items() -> None:
    site = make_site(providers=[{"name": "p", "domain": "d"}], authoritative=True,
                     handsets=[DESK, {**RECEPTION, "voicemail": False}],
                     extra={"DmGlobal.0.HSIdleDisplay": "on", "Telephony.0.CT_ViaRKey": 3})
    assert TARGET.read_items(render(site, keyed(site, released=("029E74A599",)))) == {
        "DeleteNotProvisionedHS": "",
        "hs.029e74a599.RegStatus": "ToDeReg",
        "DmGlobal.0.TimeZone": "Europe/Berlin",
        "SipProvider.0.Name": "p",
        "SipProvider.0.Domain": "d",
        "SipProvider.0.ProxyServerAddress": "d",
        "SipProvider.0.ProxyServerPort": "5060",
        "SipProvider.0.RegServerAddress": "d",
        "SipProvider.0.RegServerPort": "5060",
        "SipProvider.0.RegServerRefreshTimer": "180",
        "SipProvider.0.TransportProtocol": "1",
        "SipProvider.0.OutboundProxyMode": "2",
        "add_hs:0332a11b01": "ToReg",
        "add_hs:0332a11b02": "ToReg",
        "hs.*.DECT_AC": "0000",
        account("0332a11b01", "AuthName"): "4101",
        account("0332a11b01", "AuthPassword"): "Fz8#kQ2!mW",
        account("0332a11b01", "UserName"): "4101",
        account("0332a11b01", "DisplayName"): "Empfang 1",
        account("0332a11b01", "ProviderId"): "0",
        account("0332a11b01", "VoiceMailActive"): "0",
        account("0332a11b02", "AuthName"): "4102",
        account("0332a11b02", "AuthPassword"): "Rt5$vN9@pL",
        account("0332a11b02", "UserName"): "4102",
        account("0332a11b02", "DisplayName"): "Empfang 2",
        account("0332a11b02", "ProviderId"): "0",
        account("0332a11b02", "VoiceMailActive"): "0",
        "RegStart": "1796625000",
        "RegDuration": "43200",
        "DMPpasswd": "Gigaset",
        "DmGlobal.0.HSIdleDisplay": "on",
        "Telephony.0.CT_ViaRKey": "3",
    }


def test_read_items_pin_is_one_item_whatever_the_handsets() -> None:
    one = TARGET.read_items(render(make_site(handsets=[DESK])))
    three = TARGET.read_items(render(make_site()))
    assert one["hs.*.DECT_AC"] == three["hs.*.DECT_AC"] == "0000"
    assert [name for name in three if "DECT_AC" in name] == ["hs.*.DECT_AC"]


def test_read_items_of_a_file_that_does_not_parse() -> None:
    assert TARGET.read_items(render()[:-20]) == {}
    assert TARGET.read_items(b"") == {}


@pytest.mark.parametrize(("name", "scope"), [
    ("hs.*.DECT_AC", ("pin", None, "pin")),
    ("hs.0332a11b01.DECT_AC", ("pin", None, "pin")),
    ("add_hs:0332a11b01", ("slot", "0332A11B01", "ipui")),
    ("hs.0332a11b01.RegStatus", ("slot", "0332A11B01", "ipui")),
    (account("0332a11b01", "AuthName"), ("slot", "0332A11B01", "login")),
    (account("0332a11b01", "AuthPassword"), ("slot", "0332A11B01", "password")),
    (account("0332a11b01", "UserName"), ("slot", "0332A11B01", "user_id")),
    (account("0332a11b01", "DisplayName"), ("slot", "0332A11B01", "display_name")),
    (account("0332a11b01", "ProviderId"), ("slot", "0332A11B01", "provider")),
    (account("0332a11b0c", "VoiceMailMailbox"), ("slot", "0332A11B0C", "voicemail")),
    (account("0332a11b0c", "VoiceMailActive"), ("slot", "0332A11B0C", "voicemail")),
    ("SipProvider.0.Name", ("provider", 0, "name")),
    ("SipProvider.1.Domain", ("provider", 1, "domain")),
    ("SipProvider.2.ProxyServerPort", ("provider", 2, "proxy")),
    ("SipProvider.0.RegServerAddress", ("provider", 0, "registrar")),
    ("SipProvider.0.RegServerRefreshTimer", ("provider", 0, "reregister_seconds")),
    ("SipProvider.0.TransportProtocol", ("provider", 0, "transport")),
    ("SipProvider.9.OutboundProxyMode", ("provider", 9, "outbound_proxy")),
    ("SipProvider.0.OutboundProxyPort", ("provider", 0, "outbound_proxy")),
    ("RegStart", ("window", None, "start")),
    ("RegDuration", ("window", None, "duration")),
    ("DMPpasswd", ("window", None, "window")),
    ("DeleteNotProvisionedHS", ("authoritative", None, "authoritative")),
    ("DmGlobal.0.NtpServer", ("setting", None, "time.ntp_server")),
    ("DmGlobal.0.TimeZone", ("setting", None, "timezone")),
    ("XMLDir.1.ServerURL", ("setting", None, "directory.url")),
    ("firmware.version", ("setting", None, "firmware_update.version")),
    ("DmGlobal.0.HSIdleDisplay", ("extra", None, "DmGlobal.0.HSIdleDisplay")),
    ("SipProvider.0.DTMFTransmission", ("provider", 0, "dtmf")),
    ("SipProvider.3.SRTP_Enabled", ("provider", 3, "srtp")),
    ("SipProvider.3.AcceptNonSRTPCalls", ("provider", 3, "srtp")),
    ("SipProvider.0.MWISubscription", ("extra", None, "SipProvider.0.MWISubscription")),
])
def test_item_scope(name: str, scope: tuple[str, Any, str]) -> None:
    assert TARGET.item_scope(name) == scope


def test_every_item_of_a_file_has_a_scope_the_plan_knows() -> None:
    site = make_site(authoritative=True, extra={"DmGlobal.0.HSIdleDisplay": "1"})
    kinds = {TARGET.item_scope(name)[0]
             for name in TARGET.read_items(render(site, keyed(site, ("029E74A599",))))}
    assert kinds == {"authoritative", "slot", "provider", "pin", "window", "extra", "setting"}


# -- text_problem ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "1013", 'Labor "Nord"', "O'Brien & <Sons> --",
                                  "Dr. Łukasiewicz", "Zażółć 😀", "10 €", "\u00a0", "\u2028"])
def test_text_without_problem(text: str) -> None:
    assert TARGET.text_problem(text) is None
    assert TARGET.text_problem(text, secret=True) is None


@pytest.mark.parametrize(("text", "code_point"), [
    ("a\nb", "U+000A"), ("\t", "U+0009"), ("x\x00", "U+0000"), ("\x7f", "U+007F"),
    ("\x85", "U+0085"), ("Łódź\x1b", "U+001B"),
])
def test_control_character_refused(text: str, code_point: str) -> None:
    assert TARGET.text_problem(text) == (
        f"contains a control character ({code_point}); use plain text on one line")


def test_control_character_in_secret_not_shown() -> None:
    assert TARGET.text_problem("pa\nss", secret=True) == (
        "contains a control character; use plain text on one line")


@pytest.mark.parametrize(("text", "code_point"), [("a\ufffeb", "U+FFFE"), ("\uffff", "U+FFFF")])
def test_character_xml_cannot_carry_refused(text: str, code_point: str) -> None:
    """U+FFFE and U+FFFF pass YAML as escapes ("\\uFFFE") but no XML parser reads them."""
    assert TARGET.text_problem(text) == (
        f"contains {code_point}, which is not a character; an XML file cannot carry it")
    assert TARGET.text_problem(text, secret=True) == (
        "contains a code point that is not a character; an XML file cannot carry it")


# -- extra_problem ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "owner"), [
    ("SipAccount.0332a11b01.AuthName", "handsets[].login"),
    ("SipAccount.0332A11B01.AuthPassword", "handsets[].password"),
    ("SipAccount.0332a11b01.VoiceMailActive", "handsets[].voicemail"),
    ("hs.0332a11b01.DECT_AC", "registration.pin"),
    ("hs.0332a11b01.RegStatus", "handsets[].ipui"),
    ("hs.RegStatus", "handsets[].ipui"),
    ("add_hs", "handsets[].ipui"),
    ("SipProvider.0.TransportProtocol", "providers[].transport"),
    ("SipProvider.2.SRTP_Enabled", "providers[].srtp"),
    ("SipProvider.2.AcceptNonSRTPCalls", "providers[].srtp"),
    ("SipProvider.2.DTMFTransmission", "providers[].dtmf"),
    ("SipProvider.12.OutboundProxyMode", "providers[].outbound_proxy"),
    ("RegStart", "registration.window.start"),
    ("RegDuration", "registration.window.duration"),
    ("update_dm", "registration.window"),
    ("DeleteNotProvisionedHS", "authoritative"),
    # Near copies in another case: the DM may read them as the owned parameter.
    ("HS.0332a11b01.RegStatus", "handsets[].ipui"),
    ("sipaccount.0332A11B01.authname", "handsets[].login"),
])
def test_extra_owned_names_say_the_owning_key(name: str, owner: str) -> None:
    assert TARGET.extra_problem(name, "x") == (
        "extra-owned", f"is written by the compiler from '{owner}'; set it there instead")


@pytest.mark.parametrize("name", ["BS_IP_Data.aucS_TIME_NTP_SERVER[%]",
                                  "BS_CUSTOM.aucKdsPin[0]", "NtpServer", "DmGlobal..Ntp",
                                  "0Dm.Global", "DmGlobal.0.Ntp-Server"])
def test_extra_names_that_are_not_nx70_names(name: str) -> None:
    assert TARGET.extra_problem(name, "x") == (
        "extra-name", "is not an Nx70 parameter name (dotted words such as "
        "'DmGlobal.0.HSIdleDisplay')")


@pytest.mark.parametrize("value", [[1, 2], []])
def test_extra_byte_lists_refused(value: list[int]) -> None:
    assert TARGET.extra_problem("DmGlobal.0.Something", value) == (
        "extra-value", "the Nx70 file has no byte arrays; give text or a number")


@pytest.mark.parametrize(("name", "value"), [
    ("DmGlobal.0.HSIdleDisplay", "1"), ("SystemSettings.global.SipMulticastEnabled", 0),
    ("SipProvider.0.WithDeregOnHsNotReachable", True), ("WebUIAccounts.2.Password", "x"),
    ("SipAccount.0332a11b01.CallWaiting", 1), ("SipAccount.1.AuthName", "x"),
])
def test_extra_allowed(name: str, value: Any) -> None:
    assert TARGET.extra_problem(name, value) is None


# -- site_problems: what an otherwise valid site asks that an Nx70 cannot do -----------------


def test_valid_site_has_no_problems() -> None:
    assert TARGET.site_problems(site_data(authoritative=True,
                                          defaults={"enabled": True})) == []


def test_slot_refused_with_the_reason() -> None:
    data = site_data(model="N670", handsets=[DESK, {**RECEPTION, "slot": 3}])
    assert TARGET.site_problems(data) == [(
        ("handsets", 1, "slot"), "slot-unsupported",
        "slot: is the N720's database position; the N670 keeps handsets by IPUI, so remove it")]


def test_handset_without_ipui_refused() -> None:
    data = site_data(handsets=[{"login": "1", "password": "p"}, DESK])
    assert TARGET.site_problems(data) == [(
        ("handsets", 0), "ipui-required",
        "on the N870 every handset needs an ipui: registration without one is not supported "
        "yet (its file form is not verified)")]


def test_enabled_false_refused_in_handsets_and_defaults() -> None:
    data = site_data(defaults={"enabled": False},
                     handsets=[DESK, {**RECEPTION, "enabled": False}, {**EMERGENCY,
                                                                       "enabled": True}])
    message = ("the N870 file has no documented way to disable an account; remove the entry "
               "to deregister its handset")
    assert TARGET.site_problems(data) == [
        (("defaults", "enabled"), "enabled-unsupported", message),
        (("handsets", 1, "enabled"), "enabled-unsupported", message),
    ]


def test_random_pin_refused() -> None:
    data = site_data(model="N610", registration={"pin": "random"})
    assert TARGET.site_problems(data) == [(
        ("registration", "pin"), "pin-random-unsupported",
        "the N610 takes a fixed PIN per handset; give 4 digits")]


def test_site_problems_of_odd_shapes_do_not_raise() -> None:
    for handsets in (5, None, [1, "x", None], [{"ipui": "0332A11B01"}]):
        assert TARGET.site_problems(site_data(handsets=handsets, registration=[],
                                              defaults=None)) == []


# -- models and capacity ----------------------------------------------------------------------


def test_target_properties() -> None:
    assert (TARGET.family, TARGET.refused_kinds, TARGET.min_ipui_firmware) == (
        "nx70", frozenset(), None)
    assert TARGET.capacity == {"N870": 250, "N870E": 250, "N770": 100, "N670": 20, "N610": 8}


def test_stamp_and_window_bounds_are_the_n720s() -> None:
    assert (TARGET.database_slots, TARGET.importer) == (None, None)  # by IPUI; not read back
    assert (TARGET.stamp_format, TARGET.window_years, TARGET.max_window_seconds) == (
        "%d%m%y%H%M", range(2000, 2100), 0xFFFFFFFF)


@pytest.mark.parametrize("model", ["N870", "N870E", "N770", "N670", "N610"])
def test_target_for_each_model(model: str) -> None:
    assert target_for(model) is TARGET


def test_text_limits() -> None:
    assert [TARGET.text_limit(f) for f in ("profile_name", "handsets.login",
                                           "handsets.display_name", "providers.domain",
                                           "extra")] == [20, 50, 32, 74, 74]


def _site_file(directory: Path, model: str, count: int) -> Path:
    data = site_data(site="fleet", model=model, handsets=[
        {"ipui": f"03{number:08X}", "login": f"{1000 + number}", "password": "p"}
        for number in range(1, count + 1)])
    path = directory / "sites" / "fleet.yaml"  # a site called 'fleet', not the root's fleet.yaml
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("model", "capacity"), [
    ("N870", 250), ("N870E", 250), ("N770", 100), ("N670", 20), ("N610", 8)])
def test_capacity_per_model(tmp_path: Path, model: str, capacity: int) -> None:
    full = models(tmp_path, [_site_file(tmp_path, model, capacity)])
    assert (full.diagnostics, len(full.sites[0].handsets)) == ((), capacity)
    path = _site_file(tmp_path, model, capacity + 1)
    line = path.read_text(encoding="utf-8").splitlines().index("handsets:") + 2  # its list
    over = models(tmp_path, [path])
    assert [d.to_text() for d in over.diagnostics] == [
        f"sites/fleet.yaml:{line}:1: error: handsets: {capacity + 1} handsets, but an {model} "
        f"holds {capacity} [handset-capacity]"]
