"""The N720 target: a site and its slot assignment become the ISO-8859-1 XML the DM fetches."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest

from compiler.ipui import Ipui
from compiler.model import Site, build_site
from compiler.plan import SlotAssignment
from compiler.targets import target_for
from compiler.targets.n720 import TARGET
from compiler.targets.n720.params import owning_field

DECLARATION = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
RECEPTION = Ipui(bytes.fromhex("02B6EC8AA5"))
LAB = Ipui(bytes.fromhex("029E74A599"))
GONE = Ipui(bytes.fromhex("0DEADBEEF4"))

# The vendor's example: slot 0 of three accounts, and the registration items.
VENDOR_SLOT_0 = """\
<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].ucB_SIP_ACCOUNT_IS_ACTIVE_1" class="symb_item" value="1"/>
<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_LOGIN_ID[0]" class="symb_item" value='"1013"'/>
<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_PASSWORD[0]" class="symb_item" value='"Password"'/>
<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_USER_ID[0]" class="symb_item" value='"1013"'/>
<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_DISPLAYNAME[0]" class="symb_item" value='"N720_1013"'/>
<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].ucVoipProviderIndex" class="symb_item" value="0"/>
<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].aucS_VOIP_NET_AM_NUMBER_1[0]" class="symb_item" value='"*2"'/>
<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].ucB_VOIP_NET_AM_ENABLED_1" class="symb_item" value="1"/>
<SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_ACCOUNT_NAME_1[0]" class="symb_item" value='"1013"'/>
<SYMB_ITEM ID="BS_Accounts.astAccounts[0].aucHandsetCode[0]" class="symb_item" value="0x02,0xB6,0xEC,0x8A,0xA5"/>
""".splitlines()  # noqa: E501
VENDOR_SITE = """\
<SYMB_ITEM ID="BS_CUSTOM.bit.UseRandomRegistrationPIN" class="symb_item" value="0"/>
<SYMB_ITEM ID="BS_CUSTOM.aucKdsPin[0]" class="symb_item" value="0x00,0x00"/>
<SYMB_ITEM ID="BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]" class="symb_item" value="0x32,0x34,0x30,0x34,0x31,0x37,0x31,0x30,0x30,0x30"/>
<SYMB_ITEM ID="BS_AE_Subscriber.ulIPUIRegistrationDuration" class="symb_item" value="72000"/>
""".splitlines()  # noqa: E501

AWKWARD_NAMES = ["O'Brien & <Sons>", "a--b", "trailing-", "--", "-", "x---y--"]


@dataclass(frozen=True)
class Revision:
    number: int
    stamp: str


def vendor_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "site": "acme-hq",
        "model": "N720",
        "mac": "7c:2f:80:ca:21:e4",
        "providers": [{"name": "pbx", "domain": "pbx.example.net"}],
        "registration": {"window": {"start": "2017-04-24 10:00", "duration": 72000},
                         "pin": "0000"},
        "defaults": {"voicemail": "*2"},
        "handsets": [
            {"login": "1013", "password": "Password", "display_name": "N720_1013",
             "ipui": "02B6EC8AA5"},
            {"login": "1014", "password": "Password", "display_name": "N720_1014",
             "ipui": "10727 0304537 3"},
            {"login": "1022", "password": "Password", "display_name": "N720_1022"},
        ],
    }
    data.update(overrides)
    return data


def make_site(**overrides: Any) -> Site:
    return build_site(vendor_data(**overrides), "sites/acme-hq.yaml")


def in_order(site: Site) -> tuple[SlotAssignment, ...]:
    return tuple(SlotAssignment(slot, handset) for slot, handset in enumerate(site.handsets))


def render(site: Site | None = None, slots: tuple[SlotAssignment, ...] | None = None,
           revision: Revision | None = None) -> bytes:
    site = site if site is not None else make_site()
    return TARGET.render(site, slots if slots is not None else in_order(site), revision)


def lines(output: bytes) -> list[str]:
    return [line.strip() for line in output.decode("iso-8859-1").splitlines()]


def symb_lines(output: bytes) -> list[str]:
    return [line for line in lines(output) if line.startswith("<SYMB_ITEM ")]


def has_block(text: list[str], block: list[str]) -> bool:
    return any(text[i:i + len(block)] == block for i in range(len(text)))


def items(output: bytes) -> dict[str, str]:
    """Every SYMB_ITEM's ID and value, as an XML parser reads them."""
    root = ET.fromstring(output)
    found = [(e.attrib["ID"], e.attrib["value"]) for e in root.iter("SYMB_ITEM")]
    assert len({param_id for param_id, _ in found}) == len(found), "an ID appears twice"
    return dict(found)


def strings(output: bytes) -> dict[str, str]:
    """The string items, without their inner double quotes."""
    return {param_id: value[1:-1] for param_id, value in items(output).items()
            if value.startswith('"') and value.endswith('"')}


def account(slot: int, field: str) -> str:
    return f"BS_VOIP_Data.astVoipAccounts[{slot}].{field}"


def provider(index: int, field: str) -> str:
    return f"BS_VOIP_Data.astVoipProviders[{index}].{field}"


def code(slot: int) -> str:
    return f"BS_Accounts.astAccounts[{slot}].aucHandsetCode[0]"


def symb(param_id: str, value: str) -> str:
    return f'<SYMB_ITEM ID="{param_id}" class="symb_item" value={value}/>'


# The vendor's example


def test_vendor_slot_0_verbatim() -> None:
    assert has_block(symb_lines(render()), VENDOR_SLOT_0)


def test_vendor_site_items_verbatim() -> None:
    assert has_block(symb_lines(render()), VENDOR_SITE)


def test_vendor_slot_1_handset_code() -> None:
    assert symb(code(1), '"0x02,0x9E,0x74,0xA5,0x99"') in symb_lines(render())


def test_slot_items_in_table_order() -> None:
    ids = [param_id for param_id in items(render()) if "[2]." in param_id]
    assert ids == [account(2, field) for field in (
        "ucB_SIP_ACCOUNT_IS_ACTIVE_1", "aucS_SIP_LOGIN_ID[0]", "aucS_SIP_PASSWORD[0]",
        "aucS_SIP_USER_ID[0]", "aucS_SIP_DISPLAYNAME[0]", "ucVoipProviderIndex",
        "aucS_VOIP_NET_AM_NUMBER_1[0]", "ucB_VOIP_NET_AM_ENABLED_1",
        "aucS_SIP_ACCOUNT_NAME_1[0]")]


# The file


def test_declaration_first() -> None:
    assert render().startswith(DECLARATION)


def test_frame_mac_and_profile_name() -> None:
    text = lines(render())
    assert text[2] == ('<ProviderFrame xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                       'xsi:noNamespaceSchemaLocation="N720_general.xsd">')
    assert text[3:6] == ["<Provider>", '<MAC_ADDRESS value="7C2F80CA21E4"/>',
                         '<PROFILE_NAME class="string" value="acme-hq"/>']
    assert text[-2:] == ["</Provider>", "</ProviderFrame>"]


def test_header_without_revision() -> None:
    assert lines(render())[1] == (
        "<!-- Generated by dectprov from sites/acme-hq.yaml. Do not edit: change the site "
        "file and build again. -->")


def test_header_names_the_revision() -> None:
    assert lines(render(revision=Revision(7, "2411261530")))[1] == (
        "<!-- Generated by dectprov from sites/acme-hq.yaml, revision 7. Do not edit: change "
        "the site file and build again. -->")


def test_version_only_with_revision() -> None:
    assert '<VERSION value="2411261530"/>' in lines(render(revision=Revision(7, "2411261530")))
    assert [line for line in lines(render()) if "VERSION" in line] == []


def test_version_after_mac() -> None:
    text = lines(render(revision=Revision(1, "0101250000")))
    assert text[4:7] == ['<MAC_ADDRESS value="7C2F80CA21E4"/>', '<VERSION value="0101250000"/>',
                         '<PROFILE_NAME class="string" value="acme-hq"/>']


def test_latin1_bytes() -> None:
    site = make_site(profile_name="Büro", handsets=[
        {"login": "1013", "password": "pässwörd", "display_name": "Müller"}])
    output = render(site)
    assert b"M\xfcller" in output
    assert "Müller".encode() not in output
    assert ET.fromstring(output).find("Provider/PROFILE_NAME").attrib["value"] == "Büro"
    assert strings(output)[account(0, "aucS_SIP_PASSWORD[0]")] == "pässwörd"


def test_same_input_same_bytes() -> None:
    assert render(revision=Revision(3, "2411261530")) == render(
        revision=Revision(3, "2411261530"))


def test_symb_items_are_unique() -> None:
    assert len(items(render())) == len(symb_lines(render()))


# Escaping: well-formed whatever the names hold


def awkward_site() -> Site:
    return make_site(
        profile_name="A&B <'x'>",
        providers=[{"name": name, "domain": "pbx.example.net"} for name in AWKWARD_NAMES[:2]],
        handsets=[{"login": f"10{i}", "password": name, "display_name": name,
                   "user_id": name, "account_name": name, "voicemail": name}
                  for i, name in enumerate(AWKWARD_NAMES)],
        extra={"BS_CUSTOM.WebUIPassword": "<'&'>--"},
    )


def test_well_formed_with_awkward_names() -> None:
    root = ET.fromstring(render(awkward_site(), revision=Revision(1, "0101250000")))
    assert root.tag == "ProviderFrame"
    assert root.find("Provider/PROFILE_NAME").attrib["value"] == "A&B <'x'>"


def test_string_values_survive_the_parser() -> None:
    site = awkward_site()
    expected = {provider(p.index, "aucSIP_PROVIDER_NAME[%]"): p.name for p in site.providers}
    for p in site.providers:
        expected[provider(p.index, "aucSIP_DOMAIN[%]")] = p.domain
        expected[provider(p.index, "aucSIP_SERVER[%]")] = p.proxy.host
        expected[provider(p.index, "aucSIP_REGISTRAR[%]")] = p.registrar.host
        expected[provider(p.index, "aucOUTBOUND_PROXY[%]")] = ""
    for slot, handset in enumerate(site.handsets):
        expected[account(slot, "aucS_SIP_LOGIN_ID[0]")] = handset.login
        expected[account(slot, "aucS_SIP_PASSWORD[0]")] = handset.password
        expected[account(slot, "aucS_SIP_USER_ID[0]")] = handset.user_id
        expected[account(slot, "aucS_SIP_DISPLAYNAME[0]")] = handset.display_name
        expected[account(slot, "aucS_VOIP_NET_AM_NUMBER_1[0]")] = handset.voicemail or ""
        expected[account(slot, "aucS_SIP_ACCOUNT_NAME_1[0]")] = handset.account_name
    expected["BS_CUSTOM.WebUIPassword"] = "<'&'>--"
    assert strings(render(site)) == expected


def test_string_escaping_verbatim() -> None:
    site = make_site(handsets=[{"login": "1", "password": "x", "display_name": "O'B & <C>"}])
    assert symb(account(0, "aucS_SIP_DISPLAYNAME[0]"), "'\"O&apos;B &amp; &lt;C&gt;\"'") in (
        symb_lines(render(site)))


def test_profile_name_escaped() -> None:
    assert '<PROFILE_NAME class="string" value="A&amp;B &lt;\'x\'&gt;"/>' in lines(
        render(awkward_site()))


def test_comments_never_hold_double_hyphen() -> None:
    site = make_site(site="a--b-", providers=[{"name": "x--", "domain": "d"}], handsets=[
        {"login": f"l{i}", "password": "p", "display_name": name}
        for i, name in enumerate(AWKWARD_NAMES)])
    output = render(site).decode("iso-8859-1")
    comments = re.findall(r"<!--(.*?)-->", output, re.DOTALL)
    # header, PIN and window, site settings (the window's zone), provider, slots
    assert len(comments) == 1 + 2 + 1 + 1 + len(AWKWARD_NAMES)
    assert [c for c in comments if "--" in c or c.endswith("-")] == []
    ET.fromstring(output.encode("iso-8859-1"))


def test_comment_titles() -> None:
    site = make_site(providers=[{"name": "x--y-", "domain": "d"}],
                     handsets=[{"login": "1", "password": "p", "display_name": "a--b-"}])
    text = lines(render(site))
    assert "<!-- provider 0: x- -y -->" in text
    assert "<!-- slot 0: 1 (a- -b-) -->" in text


# Accounts and handsets


def test_voicemail_off() -> None:
    site = make_site(defaults={}, handsets=[{"login": "1", "password": "p"}])
    assert has_block(lines(render(site)), [
        symb(account(0, "aucS_VOIP_NET_AM_NUMBER_1[0]"), "'\"\"'"),
        symb(account(0, "ucB_VOIP_NET_AM_ENABLED_1"), '"0"'),
    ])


def test_disabled_account() -> None:
    site = make_site(handsets=[{"login": "1", "password": "p", "enabled": False}])
    assert items(render(site))[account(0, "ucB_SIP_ACCOUNT_IS_ACTIVE_1")] == "0"


def test_second_provider_index() -> None:
    site = make_site(providers=[{"name": "a", "domain": "a"}, {"name": "b", "domain": "b"}],
                     handsets=[{"login": "1", "password": "p", "provider": "b"}])
    assert items(render(site))[account(0, "ucVoipProviderIndex")] == "1"


def test_handset_without_ipui_has_no_code() -> None:
    found = items(render())
    assert code(2) not in found
    assert account(2, "aucS_SIP_LOGIN_ID[0]") in found


def test_released_slot_is_emptied_and_deregistered() -> None:
    site = make_site()
    slots = (SlotAssignment(0, site.handsets[0]), SlotAssignment(1, None, LAB))
    output = render(site, slots)
    assert has_block(lines(output), [
        "<!-- slot 1: free, handset 029E74A599 deregistered -->",
        symb(account(1, "ucB_SIP_ACCOUNT_IS_ACTIVE_1"), '"0"'),
        symb(account(1, "aucS_SIP_LOGIN_ID[0]"), "'\"\"'"),
        symb(account(1, "aucS_SIP_PASSWORD[0]"), "'\"\"'"),
        symb(account(1, "aucS_SIP_USER_ID[0]"), "'\"\"'"),
        symb(account(1, "aucS_SIP_DISPLAYNAME[0]"), "'\"\"'"),
        symb(account(1, "aucS_SIP_ACCOUNT_NAME_1[0]"), "'\"\"'"),
        symb(code(1), '"0x00,0x00,0x00,0x00,0x00"'),
    ])


def test_free_slot_without_release_has_no_code() -> None:
    site = make_site()
    found = items(render(site, (SlotAssignment(4, None),)))
    assert found[account(4, "ucB_SIP_ACCOUNT_IS_ACTIVE_1")] == "0"
    assert code(4) not in found


def test_handset_without_ipui_with_release_gets_zero_code() -> None:
    site = make_site()
    output = render(site, (SlotAssignment(2, site.handsets[2], GONE),))
    assert items(output)[code(2)] == "0x00,0x00,0x00,0x00,0x00"
    assert items(output)[account(2, "aucS_SIP_LOGIN_ID[0]")] == '"1022"'
    assert "<!-- slot 2: 1022 (N720_1022), handset 0DEADBEEF4 deregistered -->" in lines(output)


def test_new_ipui_wins_over_release() -> None:
    site = make_site()
    output = render(site, (SlotAssignment(0, site.handsets[0], GONE),))
    assert items(output)[code(0)] == "0x02,0xB6,0xEC,0x8A,0xA5"


def test_slots_written_in_given_order() -> None:
    site = make_site()
    slots = (SlotAssignment(5, site.handsets[0]), SlotAssignment(9, site.handsets[1]))
    codes = [param_id for param_id in items(render(site, slots)) if "aucHandsetCode" in param_id]
    assert codes == [code(5), code(9)]


# Registration PIN and window


def test_random_pin() -> None:
    site = make_site(registration={"pin": "random"})
    found = items(render(site))
    assert found["BS_CUSTOM.bit.UseRandomRegistrationPIN"] == "1"
    assert "BS_CUSTOM.aucKdsPin[0]" not in found


def test_fixed_pin_as_bcd() -> None:
    site = make_site(registration={"pin": "1234"})
    assert items(render(site))["BS_CUSTOM.aucKdsPin[0]"] == "0x12,0x34"


def test_no_pin_no_pin_items() -> None:
    site = make_site(registration={})
    assert [i for i in items(render(site)) if i.startswith("BS_CUSTOM.")] == []


def test_no_window_no_window_items() -> None:
    site = make_site(registration={"pin": "0000"})
    found = items(render(site))
    assert [i for i in found if i.startswith("BS_AE_Subscriber.")] == []
    assert not any("registration window" in line for line in lines(render(site)))


def test_window_start_is_shown_readable_beside_its_bytes() -> None:
    site = make_site(timezone="Europe/Berlin",
                     registration={"window": {"start": "2026-12-01 08:00", "duration": "2d"}})
    output = render(site)
    shown = lines(output)
    at = shown.index('<SYMB_ITEM ID="BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]" '
                     'class="symb_item" value="0x30,0x31,0x31,0x32,0x32,0x36,0x30,0x38,0x30,'
                     '0x30"/>')
    assert shown[at - 1] == ("<!-- registration window: opens 2026-12-01 08:00 on the DM's "
                             "clock; the start below is '0112260800' (DDMMYYHHMM) in ASCII -->")
    assert items(output)["BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]"] == ",".join(
        f"0x{byte:02X}" for byte in b"0112260800")  # still well-formed, the same value


def test_always_open_window() -> None:
    site = make_site(registration={"window": {"start": "2025-12-31 23:59",
                                              "duration": "always"}})
    found = items(render(site))
    assert found["BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]"] == (
        "0x33,0x31,0x31,0x32,0x32,0x35,0x32,0x33,0x35,0x39")  # "3112252359"
    assert found["BS_AE_Subscriber.ulIPUIRegistrationDuration"] == "0"


@pytest.mark.parametrize("start", ["2026-10-25 02:30+02:00", "2026-10-25 02:30+01:00"])
def test_window_start_is_the_dm_wall_time_whatever_the_offset(start: str) -> None:
    """The stamp is DM local time, ddmmyyhhii: in the hour Berlin repeats, both 02:30s are
    written as 02:30 (which one the DM then takes is in the README's unverified table)."""
    site = make_site(timezone="Europe/Berlin",
                     registration={"window": {"start": start, "duration": "30m"}})
    found = items(render(site))
    assert found["BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]"] == ",".join(
        f"0x{byte:02X}" for byte in b"2510260230")
    assert TARGET.window_never_closes is True


# Providers


def test_provider_items() -> None:
    site = make_site(providers=[{"name": "pbx", "domain": "example.net",
                                 "proxy": "proxy.example.net:5070",
                                 "registrar": "reg.example.net",
                                 "reregister_seconds": 600}])
    assert [line for line in symb_lines(render(site)) if "astVoipProviders" in line] == [
        symb(provider(0, "aucSIP_PROVIDER_NAME[%]"), "'\"pbx\"'"),
        symb(provider(0, "aucSIP_DOMAIN[%]"), "'\"example.net\"'"),
        symb(provider(0, "aucSIP_SERVER[%]"), "'\"proxy.example.net\"'"),
        symb(provider(0, "uiSIP_SERVER_PORT"), '"5070"'),
        symb(provider(0, "aucSIP_REGISTRAR[%]"), "'\"reg.example.net\"'"),
        symb(provider(0, "uiSIP_REGISTRAR_PORT"), '"5060"'),
        symb(provider(0, "uiRE_REGISTRATION_TIMER"), '"600"'),
        symb(provider(0, "ucOUTBOUND_PROXY_MODE"), '"2"'),
        symb(provider(0, "aucOUTBOUND_PROXY[%]"), "'\"\"'"),
        symb(provider(0, "ucSIP_PREFERRED_TRANSPORT_LAYER"), '"17"'),
    ]


def test_outbound_proxy_set() -> None:
    site = make_site(providers=[{"name": "p", "domain": "d", "outbound_proxy": "sbc:5080"}])
    assert has_block(lines(render(site)), [
        symb(provider(0, "ucOUTBOUND_PROXY_MODE"), '"0"'),
        symb(provider(0, "aucOUTBOUND_PROXY[%]"), "'\"sbc\"'"),
        symb(provider(0, "uiOUTBOUND_PROXY_PORT"), '"5080"'),
    ])


def test_no_outbound_proxy() -> None:
    found = items(render())
    assert found[provider(0, "ucOUTBOUND_PROXY_MODE")] == "2"
    assert found[provider(0, "aucOUTBOUND_PROXY[%]")] == '""'
    assert provider(0, "uiOUTBOUND_PROXY_PORT") not in found


def test_second_provider_indexed() -> None:
    site = make_site(providers=[{"name": "a", "domain": "a"}, {"name": "b", "domain": "b.net"}])
    assert items(render(site))[provider(1, "aucSIP_DOMAIN[%]")] == '"b.net"'


# extra:


def test_extra_values_last_in_id_order() -> None:
    site = make_site(extra={
        "BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN": True,
        "BS_IP_Data.ucB_DO_CHECK_FOR_PROFILE_UPDATES": False,
        "BS_AE_SwConfig.ucCountryCodeTone": 3,
        "BS_IP_Data.aucS_TIME_NTP_SERVER[%]": "pool.ntp.org",
        "BS_CUSTOM.aucSomething[0]": [1, 0x12, 255],
    })
    assert symb_lines(render(site))[-5:] == [
        symb("BS_AE_SwConfig.ucCountryCodeTone", '"3"'),
        symb("BS_CUSTOM.aucSomething[0]", '"0x01,0x12,0xFF"'),
        symb("BS_IP_Data.aucS_TIME_NTP_SERVER[%]", "'\"pool.ntp.org\"'"),
        symb("BS_IP_Data.ucB_DO_CHECK_FOR_PROFILE_UPDATES", '"0"'),
        symb("BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN", '"1"'),
    ]
    assert "<!-- extra parameters -->" in lines(render(site))


def test_no_extra_no_section() -> None:
    assert "<!-- extra parameters -->" not in lines(render())


# text_problem


@pytest.mark.parametrize("text", ["", "1013", "Müller ÿ", "O'Brien & <Sons> --", "\u00a0"])
def test_text_without_problem(text: str) -> None:
    assert TARGET.text_problem(text) is None


def test_double_quote_refused() -> None:
    assert TARGET.text_problem('say "hi"') == (
        "contains '\"', which the N720 cannot store inside its quoted strings")


def test_double_quote_refused_in_secret() -> None:
    assert TARGET.text_problem('pa"ss', secret=True) == (
        "contains a character the N720 cannot store (a double quote, a control character, or a "
        "letter outside ISO-8859-1)")


@pytest.mark.parametrize(("text", "code_point"), [
    ("a\nb", "U+000A"), ("\t", "U+0009"), ("x\x00", "U+0000"), ("\x7f", "U+007F"),
    ("\x85", "U+0085"),
])
def test_control_character_refused(text: str, code_point: str) -> None:
    assert TARGET.text_problem(text) == (
        f"contains a control character ({code_point}); use plain text on one line")


def test_control_character_in_secret_not_shown() -> None:
    assert TARGET.text_problem("pa\nss", secret=True) == (
        "contains a character the N720 cannot store (a double quote, a control character, or a "
        "letter outside ISO-8859-1)")


@pytest.mark.parametrize(("text", "character", "code_point"), [
    ("10 €", "€", "U+20AC"), ("Łódź", "Ł", "U+0141"), ("😀", "😀", "U+1F600"),
])
def test_outside_latin1_refused(text: str, character: str, code_point: str) -> None:
    assert TARGET.text_problem(text) == (
        f"contains '{character}' ({code_point}) outside ISO-8859-1, the only character set "
        "of the N720 file")


def test_outside_latin1_in_secret_not_shown() -> None:
    assert TARGET.text_problem("geheim€", secret=True) == (
        "contains a character the N720 cannot store (a double quote, a control character, or a "
        "letter outside ISO-8859-1)")


def test_first_problem_wins() -> None:
    assert TARGET.text_problem('€"') == (
        "contains '€' (U+20AC) outside ISO-8859-1, the only character set of the N720 file")


# owning_field: the IDs extra: may not set (extra_problem asks it)


@pytest.mark.parametrize(("param_id", "owner"), [
    ("BS_CUSTOM.bit.UseRandomRegistrationPIN", "registration.pin"),
    ("BS_CUSTOM.aucKdsPin[0]", "registration.pin"),
    ("BS_CUSTOM.aucKdsPin[%]", "registration.pin"),
    ("BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]", "registration.window.start"),
    ("BS_AE_Subscriber.ulIPUIRegistrationDuration", "registration.window.duration"),
    ("BS_VOIP_Data.astVoipProviders[0].aucSIP_SERVER[%]", "providers[].proxy"),
    ("BS_VOIP_Data.astVoipProviders[9].aucSIP_SERVER[0]", "providers[].proxy"),
    ("BS_VOIP_Data.astVoipProviders[3].uiOUTBOUND_PROXY_PORT", "providers[].outbound_proxy"),
    ("BS_VOIP_Data.astVoipProviders[0].ucSIP_PREFERRED_TRANSPORT_LAYER",
     "providers[].transport"),
    ("BS_VOIP_Data.astVoipProviders[1].ucSIP_USE_STUN", "providers[].stun"),
    ("BS_VOIP_Data.astVoipProviders[1].aucSTUN_SERVER[%]", "providers[].stun"),
    ("BS_VOIP_Data.astVoipProviders[1].uiSTUN_SERVER_PORT", "providers[].stun"),
    ("BS_VOIP_Data.astVoipProviders[1].uiRE_STUN_TIMER", "providers[].stun"),
    ("BS_VOIP_Data.ucB_DTMF_TX_MODE_AUTO", "providers[].dtmf"),
    ("BS_VOIP_Data.ucI_DTMF_TX_MODE_BITS", "providers[].dtmf"),
    ("BS_VOIP_Data.astVoipAccounts[42].aucS_SIP_LOGIN_ID[0]", "handsets[].login"),
    ("BS_VOIP_Data.astVoipAccounts[42].aucS_SIP_LOGIN_ID[%]", "handsets[].login"),
    ("BS_VOIP_Data.astVoipAccounts[%].aucS_SIP_PASSWORD[0]", "handsets[].password"),
    ("BS_VOIP_Data.astVoipAccounts[0].ucB_SIP_ACCOUNT_IS_ACTIVE_1", "handsets[].enabled"),
    ("BS_Accounts.astAccounts[99].aucHandsetCode[0]", "handsets[].ipui"),
    # Near copies the DM may read as the owned item: no index (Gigaset's own files write
    # IDs so), another case.
    ("BS_Accounts.astAccounts[3].aucHandsetCode", "handsets[].ipui"),
    ("bs_accounts.astAccounts[4].aucHandsetCode[0]", "handsets[].ipui"),
    ("BS_VOIP_DATA.ASTVOIPACCOUNTS[1].AUCS_SIP_LOGIN_ID", "handsets[].login"),
    # The site settings: `extra:` cannot write them behind the typed keys.
    ("BS_IP_Data.aucS_TIME_NTP_SERVER[%]", "time.ntp_server"),
    ("BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN", "time.ntp_server"),
    ("BS_IP_Data.uiI_TIME_TIMEZONE", "timezone"),
    ("BS_CUSTOM.WebUIPassword", "admin_password"),
    ("BS_IP_Data.aucS_DATA_SERVER[0]", "provisioning.server"),
    ("BS_IP_Data.ucB_VLAN_ENABLED", "network.vlan"),
    ("BS_AE_SwConfig.ucCountryCodeTone", "locale.tones"),
    ("BS_XML_Netdirs.astNetdirProvider[%].aucPassword[%]", "directory"),
    ("BS_LDAP_Netdirs.astNetdirProvider[%].aucPassword[%]", "directory.password"),
    # A scalar with an index, and indexes with a `%` that the site format's ID pattern
    # admits: a window duration or a DTMF mode set behind the model's back.
    ("BS_AE_Subscriber.ulIPUIRegistrationDuration[%]", "registration.window.duration"),
    ("BS_VOIP_Data.ucB_DTMF_TX_MODE_AUTO[0]", "providers[].dtmf"),
    ("BS_VOIP_Data.astVoipProviders[0].uiSIP_SERVER_PORT[0]", "providers[].proxy"),
    ("BS_CUSTOM.bit.UseRandomRegistrationPIN[%]", "registration.pin"),
    ("BS_VOIP_Data.astVoipAccounts[%%].aucS_SIP_PASSWORD[0]", "handsets[].password"),
    ("BS_VOIP_Data.astVoipAccounts[0%].ucB_SIP_ACCOUNT_IS_ACTIVE_1", "handsets[].enabled"),
    ("BS_VOIP_Data.astVoipProviders[%0].ucSIP_PREFERRED_TRANSPORT_LAYER",
     "providers[].transport"),
])
def test_extra_owner_owned(param_id: str, owner: str) -> None:
    assert owning_field(param_id) == owner


@pytest.mark.parametrize("param_id", [
    "BS_IP_Data.ucI_HTTPLANGUAGE",
    "BS_IP_Data.aucS_NETWORK_DEVICENAME[%]",
    "BS_XML_Netdirs.astNetdirProvider[1].aucServerURL[%]",
    "BS_IP_Data1.aucS_SIP_LOGIN_ID[0]",
    "BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_LOGIN_ID_2[0]",
    "BS_CUSTOM.bit.UseRandomRegistrationPINx",
])
def test_extra_owner_free(param_id: str) -> None:
    assert owning_field(param_id) is None


@pytest.mark.parametrize(("param_id", "owner"), [
    ("BS_Accounts.astAccounts[0].aucHandsetCode[2]", "handsets[].ipui"),
    ("BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_PASSWORD[4]", "handsets[].password"),
    ("BS_CUSTOM.aucKdsPin[1]", "registration.pin"),
])
def test_extra_owner_owned_at_any_offset(param_id: str, owner: str) -> None:
    assert owning_field(param_id) == owner


# The rest of the target interface


def test_file_name() -> None:
    assert TARGET.file_name(make_site()) == "7C2F80CA21E4.xml"


def test_text_limits() -> None:
    assert [TARGET.text_limit(f) for f in ("profile_name", "handsets.login",
                                           "handsets.display_name", "providers.domain")] == [
        20, 50, 32, 74]


def test_capacity_and_firmware() -> None:
    assert (TARGET.family, TARGET.capacity, TARGET.min_ipui_firmware) == (
        "n720", {"N720": 100}, 108)


def test_slots_stamp_and_window_bounds() -> None:
    """100 database slots; VERSION is DDMMYYHHMM; the window's start has a 2-digit year and
    its duration 32 bits."""
    assert (TARGET.database_slots, TARGET.stamp_format) == (100, "%d%m%y%H%M")
    assert (TARGET.window_years, TARGET.max_window_seconds) == (range(2000, 2100), 0xFFFFFFFF)


def test_target_for() -> None:
    assert target_for("N720") is TARGET
    assert target_for("N730") is None


def test_the_scope_of_an_id_as_written_is_the_scope_its_pattern_gives() -> None:
    """scope() looks the IDs a build writes up in a table, and matches any other form
    against the parameters' patterns: the two agree on every ID of the table."""
    from compiler.targets.n720 import params

    written = params._written()
    assert len(written) == sum(
        (params.SLOTS if "{slot}" in param.id else 1)
        * (params.PROVIDER_PROFILES if "{provider}" in param.id else 1)
        for param in params.ALL_PARAMS)  # no two parameters write one ID
    assert {item_id: params.matched_scope(item_id) for item_id in written} == written
    assert params.scope("BS_VOIP_Data.astVoipProviders[3].aucSIP_DOMAIN[0]") == \
        params.matched_scope("BS_VOIP_Data.astVoipProviders[3].aucSIP_DOMAIN[%]")
