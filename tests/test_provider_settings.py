"""The typed settings of a provider (transport, srtp, codecs, dtmf, stun), through the real
pipeline: a site file is validated and built, and the XML is read for each setting's ID and
value in the form its public source writes (the source named beside each test). A family
no source covers refuses the setting at its line and column; a site that does not set a
key gets none of its items."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import run

from compiler.cli import EXIT_INVALID, EXIT_OK
from compiler.targets.n720 import params as n720
from compiler.targets.nx70 import params as nx70

NOW = "2026-11-26 12:00"
N720_FILE = "7C2F80CA21E4.xml"
NX70_FILE = "7c2f80ca21e4.xml"
P0 = "BS_VOIP_Data.astVoipProviders[0]."
P1 = "BS_VOIP_Data.astVoipProviders[1]."
DTMF_AUTO = "BS_VOIP_Data.ucB_DTMF_TX_MODE_AUTO"
DTMF_BITS = "BS_VOIP_Data.ucI_DTMF_TX_MODE_BITS"
# Every ID the settings write, on either family: none may appear unless the site asks.
N720_NEW = re.compile(r"STUN|DTMF|VOCODER|SRTP")
NX70_NEW = re.compile(r"SRTP|DTMF|Stun|Codec")


def site(model: str, *providers: dict[str, Any], **more: Any) -> dict[str, Any]:
    handset: dict[str, Any] = {"login": "1013", "password": "pw-1013"}
    if model != "N720":
        handset["ipui"] = "0332A11B01"
    return {"site": "s", "model": model, "mac": "7C2F80CA21E4",
            "providers": list(providers) or [{"name": "PBX", "domain": "pbx.example.net"}],
            "handsets": [handset], **more}


def pbx(**settings: Any) -> dict[str, Any]:
    return {"name": "PBX", "domain": "pbx.example.net", **settings}


def write(root: Path, data: dict[str, Any]) -> Path:
    (root / "sites").mkdir(parents=True, exist_ok=True)
    path = root / "sites" / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def build(root: Path, data: dict[str, Any]) -> bytes:
    write(root, data)
    code, _, err = run("build", "--root", str(root), "--now", NOW)
    assert code == EXIT_OK, err
    return (root / "build" / "s" / (N720_FILE if data["model"] == "N720" else NX70_FILE)
            ).read_bytes()


def items(content: bytes) -> dict[str, str]:
    """ID -> value as written: SYMB_ITEMs (N720) or params (Nx70)."""
    root = ET.fromstring(content)
    found = {e.get("ID", ""): e.get("value", "") for e in root.iter("SYMB_ITEM")}
    found.update((e.get("name", ""), e.get("value", "")) for e in root.iter("param"))
    return found


def errors(root: Path, data: dict[str, Any]) -> list[str]:
    write(root, data)
    code, _, err = run("validate", "--root", str(root))
    assert code == EXIT_INVALID
    return [line for line in err.splitlines() if ": error: " in line]


# -- nothing new without the keys ---------------------------------------------------------


@pytest.mark.parametrize(("model", "new"), [("N720", N720_NEW), ("N870", NX70_NEW)])
def test_a_site_without_the_keys_gets_none_of_their_items(tmp_path: Path, model: str,
                                                           new: re.Pattern[str]) -> None:
    written = items(build(tmp_path, site(model)))
    assert [item for item in written if new.search(item)] == []
    transport = (P0 + "ucSIP_PREFERRED_TRANSPORT_LAYER" if model == "N720"
                 else "SipProvider.0.TransportProtocol")
    assert written[transport] == ("17" if model == "N720" else "1")


# -- transport ----------------------------------------------------------------------------
# N720: Wazo's base.tpl writes ucSIP_PREFERRED_TRANSPORT_LAYER 17 with the comment "UDP";
# no source gives TCP's or TLS's. Nx70: common.py's _SIP_TRANSPORT, udp 1, tcp 2, tls 3.


def test_n720_transport_udp_is_17(tmp_path: Path) -> None:
    written = items(build(tmp_path, site("N720", pbx(transport="udp"))))
    assert written[P0 + "ucSIP_PREFERRED_TRANSPORT_LAYER"] == "17"


@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_n720_refuses_tcp_and_tls(tmp_path: Path, transport: str) -> None:
    assert errors(tmp_path, site("N720", pbx(transport=transport))) == [
        f"sites/s.yaml:7:14: error: providers[0].transport: transport '{transport}' is not "
        "written for the N720: no public source gives its code, only UDP's (17) (see the "
        "README's table of unverified facts) [setting-unsupported]"]


@pytest.mark.parametrize("model", ["N720", "N870"])
def test_a_transport_of_the_wrong_type_is_the_schemas_error_alone(tmp_path: Path,
                                                                   model: str) -> None:
    found = errors(tmp_path, site(model, pbx(transport=["tls"])))
    assert found
    assert all("providers[0].transport: must be" in line for line in found)
    assert not any("setting-unsupported" in line for line in found)


@pytest.mark.parametrize(("transport", "code"), [("udp", "1"), ("tcp", "2"), ("tls", "3")])
def test_nx70_transport_protocol(tmp_path: Path, transport: str, code: str) -> None:
    written = items(build(tmp_path, site("N870", pbx(), pbx(name="Trunk", transport=transport))))
    assert (written["SipProvider.0.TransportProtocol"],
            written["SipProvider.1.TransportProtocol"]) == ("1", code)


# -- srtp ---------------------------------------------------------------------------------
# Nx70: Wazo's base.tpl writes SRTP_Enabled 1 (or 0) with AcceptNonSRTPCalls 0 beside it.


@pytest.mark.parametrize(("srtp", "enabled"), [(True, "1"), (False, "0")])
def test_nx70_srtp(tmp_path: Path, srtp: bool, enabled: str) -> None:
    written = items(build(tmp_path, site("N870", pbx(srtp=srtp))))
    assert (written["SipProvider.0.SRTP_Enabled"],
            written["SipProvider.0.AcceptNonSRTPCalls"]) == (enabled, "0")


@pytest.mark.parametrize("srtp", [True, False])
def test_n720_refuses_srtp(tmp_path: Path, srtp: bool) -> None:
    assert errors(tmp_path, site("N720", pbx(srtp=srtp))) == [
        "sites/s.yaml:7:9: error: providers[0].srtp: 'srtp' is not written for the N720: no "
        "public source gives its parameter (see the README's table of unverified facts) "
        "[setting-unsupported]"]


# -- codecs -------------------------------------------------------------------------------


def test_codecs_are_refused_on_both_families(tmp_path: Path) -> None:
    assert errors(tmp_path, site("N720", pbx(codecs=["g722", "g711a"]))) == [
        "sites/s.yaml:8:3: error: providers[0].codecs: 'codecs' is not written for the N720: "
        "it keeps one codec list for all its providers "
        "(BS_VOIP_Data.ucI_SIP_AVAILABLE_VOCODER), and no public source says which of its "
        "codes is which codec (see the README's table of unverified facts) "
        "[setting-unsupported]"]
    assert errors(tmp_path, site("N670", pbx(codecs=["g711a"]))) == [
        "sites/s.yaml:8:3: error: providers[0].codecs: 'codecs' is not written for the N670: "
        "no public source gives its parameters (the Nx70 templates write none) (see the "
        "README's table of unverified facts) [setting-unsupported]"]


# -- dtmf ---------------------------------------------------------------------------------
# N720: Gigaset's template writes ucB_DTMF_TX_MODE_AUTO 1 and, as a comment, the mask of
# ucI_DTMF_TX_MODE_BITS: "Audio=1, RFC2833=2, SIP-INFO=4". One mode for all providers.
# Nx70: common.py's _SIP_DTMF_MODE, in-band 1, RFC 2833 2, SIP INFO 4.


@pytest.mark.parametrize(("dtmf", "auto", "bits"), [
    ("auto", "1", None), ("inband", "0", "1"), ("rfc2833", "0", "2"), ("sip-info", "0", "4")])
def test_n720_dtmf_once_for_all_providers(tmp_path: Path, dtmf: str, auto: str,
                                          bits: str | None) -> None:
    written = items(build(tmp_path, site("N720", pbx(dtmf=dtmf),
                                         pbx(name="Trunk", dtmf=dtmf))))
    assert (written[DTMF_AUTO], written.get(DTMF_BITS)) == (auto, bits)
    assert [item for item in written if "DTMF" in item] == [DTMF_AUTO] + ([DTMF_BITS] if bits
                                                                          else [])


def test_n720_dtmf_must_be_the_same_on_every_provider(tmp_path: Path) -> None:
    assert errors(tmp_path, site("N720", pbx(dtmf="rfc2833"), pbx(name="Trunk", dtmf="inband"),
                                 pbx(name="Backup"))) == [
        "sites/s.yaml:10:9: error: providers[1].dtmf: the N720 has one DTMF mode for all its "
        "providers, and providers[0] sets dtmf: rfc2833: give every provider the same "
        "[setting-global]",
        "sites/s.yaml:11:3: error: providers[2]: the N720 has one DTMF mode for all its "
        "providers, and providers[0] sets dtmf: rfc2833: give every provider the same "
        "[setting-global]"]


@pytest.mark.parametrize(("dtmf", "code"), [("inband", "1"), ("rfc2833", "2"), ("sip-info", "4")])
def test_nx70_dtmf_transmission(tmp_path: Path, dtmf: str, code: str) -> None:
    written = items(build(tmp_path, site("N870", pbx(), pbx(name="Trunk", dtmf=dtmf))))
    assert written["SipProvider.1.DTMFTransmission"] == code
    assert "SipProvider.0.DTMFTransmission" not in written


def test_nx70_refuses_automatic_dtmf(tmp_path: Path) -> None:
    assert errors(tmp_path, site("N870", pbx(dtmf="auto"))) == [
        "sites/s.yaml:7:9: error: providers[0].dtmf: dtmf 'auto' is not written for the N870: "
        "no public source gives a code for it (the family's: inband, rfc2833, sip-info) (see "
        "the README's table of unverified facts) [setting-unsupported]"]


# -- stun ---------------------------------------------------------------------------------
# N720: Gigaset's template writes ucSIP_USE_STUN, aucSTUN_SERVER[%], uiSTUN_SERVER_PORT
# (0x0d96 = 3478) and uiRE_STUN_TIMER (0x00F0 = 240) per provider profile.


def test_n720_stun_on(tmp_path: Path) -> None:
    written = items(build(tmp_path, site("N720", pbx(), pbx(
        name="Trunk", stun={"server": "stun.example.net:3479", "refresh_seconds": 240}))))
    assert {k: v for k, v in written.items() if "STUN" in k} == {
        P1 + "ucSIP_USE_STUN": "1",
        P1 + "aucSTUN_SERVER[%]": '"stun.example.net"',
        P1 + "uiSTUN_SERVER_PORT": "3479",
        P1 + "uiRE_STUN_TIMER": "240",
    }


def test_n720_stun_port_defaults_to_3478_and_the_timer_is_left_alone(tmp_path: Path) -> None:
    written = items(build(tmp_path, site("N720", pbx(stun={"server": "stun.example.net"}))))
    assert {k: v for k, v in written.items() if "STUN" in k} == {
        P0 + "ucSIP_USE_STUN": "1",
        P0 + "aucSTUN_SERVER[%]": '"stun.example.net"',
        P0 + "uiSTUN_SERVER_PORT": "3478",
    }


def test_n720_stun_off_is_the_switch_alone(tmp_path: Path) -> None:
    written = items(build(tmp_path, site("N720", pbx(stun=False))))
    assert {k: v for k, v in written.items() if "STUN" in k} == {P0 + "ucSIP_USE_STUN": "0"}


def test_stun_true_names_no_server(tmp_path: Path) -> None:
    assert errors(tmp_path, site("N720", pbx(stun=True))) == [
        "sites/s.yaml:7:9: error: providers[0].stun: stun: true names no server; give "
        "{server: host[:port]}, or false to turn STUN off [stun-value]"]


def test_nx70_refuses_stun(tmp_path: Path) -> None:
    assert errors(tmp_path, site("N870", pbx(stun=False))) == [
        "sites/s.yaml:7:9: error: providers[0].stun: 'stun' is not written for the N870: no "
        "public source gives its parameters (see the README's table of unverified facts) "
        "[setting-unsupported]"]


# -- extra: cannot set them ---------------------------------------------------------------


@pytest.mark.parametrize(("model", "item", "owner"), [
    ("N720", P0 + "ucSIP_PREFERRED_TRANSPORT_LAYER", "providers[].transport"),
    ("N720", P1 + "aucSTUN_SERVER", "providers[].stun"),
    ("N720", DTMF_BITS, "providers[].dtmf"),
    ("N870", "SipProvider.1.TransportProtocol", "providers[].transport"),
    ("N870", "SipProvider.0.SRTP_Enabled", "providers[].srtp"),
    ("N870", "SipProvider.0.AcceptNonSRTPCalls", "providers[].srtp"),
    ("N870", "SipProvider.0.DTMFTransmission", "providers[].dtmf"),
])
def test_extra_cannot_set_them(tmp_path: Path, model: str, item: str, owner: str) -> None:
    assert errors(tmp_path, site(model, extra={item: 1})) == [
        f"sites/s.yaml:{11 if model == 'N720' else 12}:3: error: extra.{item}: is written by "
        f"the compiler from '{owner}'; set it there instead [extra-owned]"]


# -- the plan names each change -----------------------------------------------------------


@pytest.mark.parametrize(("model", "settings", "said"), [
    ("N720", {"stun": {"server": "stun.example.net"}}, "provider 0 (PBX): stun changed"),
    ("N720", {"dtmf": "inband"}, "all providers: dtmf changed"),
    ("N720", {"transport": "udp"}, None),  # what the file already writes
    ("N870", {"transport": "tcp"}, "provider 0 (PBX): transport changed"),
    ("N870", {"srtp": True}, "provider 0 (PBX): srtp changed"),
    ("N870", {"dtmf": "sip-info"}, "provider 0 (PBX): dtmf changed"),
])
def test_the_plan_shows_the_change(tmp_path: Path, model: str, settings: dict[str, Any],
                                   said: str | None) -> None:
    build(tmp_path, site(model))
    write(tmp_path, site(model, pbx(**settings)))
    code, out, err = run("plan", "--root", str(tmp_path), "--now", NOW)
    assert (code, err) == (EXIT_OK, "")
    if said is None:
        assert out == "Plan: no changes.\n"
    else:
        assert f"  site     provider    {said}\n" in out


# -- the tables agree with the sources' codes ---------------------------------------------


def test_the_code_tables_are_the_sources() -> None:
    assert n720.TRANSPORT_CODES == {"udp": 17}
    assert n720.DTMF_CODES == {"auto": None, "inband": 1, "rfc2833": 2, "sip-info": 4}
    assert nx70.TRANSPORT_CODES == {"udp": 1, "tcp": 2, "tls": 3}
    assert nx70.DTMF_CODES == {"inband": 1, "rfc2833": 2, "sip-info": 4}
    assert n720.PROVIDER_TRANSPORT.source == "wazo-n720"  # not in Gigaset's own template
    assert {p.source for p in (n720.PROVIDER_STUN, n720.DTMF_AUTO, n720.DTMF_MODE)} == {
        "wazo-n720-3cb9e3f0"}
    assert not n720.PROVIDER_STUN.verified  # no public file writes STUN on


# -- import reads them back (N720) --------------------------------------------------------


def n720_file(*lines: tuple[str, str]) -> str:
    items = [(P0 + "aucSIP_PROVIDER_NAME[%]", "'\"PBX\"'"),
             (P0 + "aucSIP_DOMAIN[%]", "'\"pbx.example.net\"'"), *lines]
    return ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<ProviderFrame>\n <Provider>\n'
            '  <MAC_ADDRESS value="7C2F80CA21E4"/>\n'
            + "".join(f'  <SYMB_ITEM ID="{i}" class="symb_item" value={v}/>\n' for i, v in items)
            + " </Provider>\n</ProviderFrame>\n")


def imported(root: Path, content: str) -> tuple[int, str, dict[str, Any] | None]:
    (root / "dm.xml").write_text(content, encoding="iso-8859-1")
    code, _, err = run("import", str(root / "dm.xml"), "--root", str(root), "--site", "s",
                       "--now", NOW)
    # These files leave out the profile name and most provider items: the warnings of what
    # the first build writes for them are test_import.py's.
    err = "".join(line for line in err.splitlines(keepends=True)
                  if "[import-partial-" not in line)
    path = root / "sites" / "s.yaml"
    return code, err, yaml.safe_load(path.read_text()) if path.exists() else None


def test_import_reads_stun_and_dtmf_and_plans_nothing_after(tmp_path: Path) -> None:
    code, err, data = imported(tmp_path, n720_file(
        (P0 + "ucSIP_USE_STUN", '"1"'), (P0 + "aucSTUN_SERVER[%]", "'\"stun.example.net\"'"),
        (P0 + "uiSTUN_SERVER_PORT", '"0x0d96"'), (P0 + "uiRE_STUN_TIMER", '"0x00F0"'),
        (DTMF_AUTO, '"0"'), (DTMF_BITS, '"2"')))
    assert (code, err) == (EXIT_OK, "")
    assert data is not None
    assert data["providers"] == [{"name": "PBX", "domain": "pbx.example.net", "dtmf": "rfc2833",
                                  "stun": {"server": "stun.example.net",
                                           "refresh_seconds": 240}}]
    assert run("plan", "--root", str(tmp_path), "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")


def test_import_of_the_vendors_defaults(tmp_path: Path) -> None:
    """Gigaset's template: STUN off beside an empty server, the automatic DTMF mode."""
    code, err, data = imported(tmp_path, n720_file(
        (P0 + "ucSIP_USE_STUN", '"0"'), (P0 + "aucSTUN_SERVER[%]", "'\"\"'"),
        (P0 + "uiSTUN_SERVER_PORT", '"0x0d96"'), (P0 + "uiRE_STUN_TIMER", '"0x00F0"'),
        (DTMF_AUTO, '"1"')))
    assert (code, err) == (EXIT_OK, "")
    assert data is not None
    assert data["providers"] == [{"name": "PBX", "domain": "pbx.example.net", "dtmf": "auto",
                                  "stun": False}]


def test_import_says_what_it_does_not_keep(tmp_path: Path) -> None:
    code, err, _ = imported(tmp_path, n720_file(
        (P0 + "ucSIP_USE_STUN", '"0"'), (P0 + "aucSTUN_SERVER[%]", "'\"stun.example.net\"'"),
        (DTMF_AUTO, '"1"'), (DTMF_BITS, '"4"')))
    assert code == EXIT_OK
    assert err.splitlines() == [
        f"{tmp_path / 'dm.xml'}:8:3: warning: {P0}aucSTUN_SERVER[%]: provider 0's STUN is off "
        "(ucSIP_USE_STUN = 0): its server, port and timer are not imported, and a build no "
        "longer writes them (the DM keeps them) [import-stun-off]",
        f"{tmp_path / 'dm.xml'}:10:3: warning: {DTMF_BITS}: the automatic DTMF mode is on "
        "(ucB_DTMF_TX_MODE_AUTO = 1): the mask is not imported, and a build no longer writes "
        "it [import-dtmf]"]


@pytest.mark.parametrize(("lines", "message"), [
    (((DTMF_AUTO, '"0"'), (DTMF_BITS, '"3"')),
     f":8:3: error: {DTMF_BITS}: DTMF mask 3 is not one mode the site can say: 1 (inband), "
     "2 (rfc2833), 4 (sip-info) [import-dtmf]"),
    (((P0 + "ucSIP_USE_STUN", '"1"'),),
     f":7:3: error: {P0}ucSIP_USE_STUN: provider 0 has STUN on (ucSIP_USE_STUN = 1) without a "
     "server; the site's stun names one [import-stun]"),
])
def test_import_refuses_what_the_site_cannot_say(tmp_path: Path,
                                                 lines: tuple[tuple[str, str], ...],
                                                 message: str) -> None:
    code, err, data = imported(tmp_path, n720_file(*lines))
    assert (code, data) == (EXIT_INVALID, None)
    assert err.splitlines()[0] == f"{tmp_path / 'dm.xml'}{message}"


def test_import_of_a_stun_port_without_timer_and_a_mask_without_switch(tmp_path: Path) -> None:
    code, err, data = imported(tmp_path, n720_file(
        (P0 + "ucSIP_USE_STUN", '"1"'), (P0 + "aucSTUN_SERVER[%]", "'\"stun.example.net\"'"),
        (P0 + "uiSTUN_SERVER_PORT", '"3479"'), (DTMF_BITS, '"1"')))
    assert code == EXIT_OK
    assert err.splitlines() == [
        f"{tmp_path / 'dm.xml'}:10:3: warning: {DTMF_BITS}: a DTMF mask without the automatic "
        "mode's switch: a build also writes ucB_DTMF_TX_MODE_AUTO = 0, which makes the DM use "
        "the mask [import-dtmf]"]
    assert data is not None
    assert data["providers"] == [{"name": "PBX", "domain": "pbx.example.net", "dtmf": "inband",
                                  "stun": {"server": "stun.example.net:3479"}}]
