"""dectprov import: an existing N720 file becomes a site, its secrets and build/<site>/.

The file is read without DTDs or entities; what the site format cannot say is a located
diagnostic and nothing is written. The first plan after an import shows no change, and a
build of the imported site gives the file's bytes back."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler import importer
from compiler.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from compiler.emit import site_yaml
from compiler.ipui import Ipui
from compiler.load import load_site
from compiler.model import build_site
from compiler.plan import assign_slots
from compiler.secrets import environment_name
from compiler.targets import importing_target
from compiler.targets.n720 import TARGET, mapping

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "import"
NOW = "2026-11-26 12:00"
NOTHING = "Nothing was written: fix the errors above.\n"
N720_EXAMPLES = sorted(path.stem for path in (REPO / "sites").glob("*.yaml")
                       if yaml.safe_load(path.read_text(encoding="utf-8"))["model"] == "N720")
IMPORT_EXAMPLES = int(os.environ.get("DECTPROV_IMPORT_EXAMPLES", "30"))
SLOTS = TARGET.database_slots  # the N720 keeps handsets in database slots


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return code, out.getvalue(), err.getvalue()


def tree(root: Path) -> dict[str, bytes]:
    """Every file under the root but the build lock."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".dectprov.lock"}


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty root as the current directory: files are named as the user typed them."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("DECTPROV_SECRET_")]:
        monkeypatch.delenv(name)
    return tmp_path


def import_text(root: Path, text: str | bytes, *options: str,
                name: str = "dm.xml") -> tuple[int, str, str]:
    path = root / name
    path.write_bytes(text.encode("iso-8859-1") if isinstance(text, str) else text)
    return run("import", name, "--root", ".", "--now", NOW, *options)


# -- a file in the vendor's style, written by hand ---------------------------------------

A = "BS_VOIP_Data.astVoipAccounts[{}]."
PROVIDER = "BS_VOIP_Data.astVoipProviders[0]."
HEAD = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<ProviderFrame>\n <Provider>\n'
        '  <MAC_ADDRESS value="7C2F80CA21E4"/>\n')
TAIL = " </Provider>\n</ProviderFrame>\n"


def item(item_id: str, value: str) -> str:
    return f'  <SYMB_ITEM ID="{item_id}" class="symb_item" value={value}/>\n'


def text(value: str) -> str:
    return "'\"" + value + "\"'"


def account(slot: int, login: str, password: str, name: str, active: str = "1",
            mailbox: str = "", provider: str = "0") -> str:
    a = A.format(slot)
    return "".join(item(a + key, value) for key, value in (
        ("ucB_SIP_ACCOUNT_IS_ACTIVE_1", f'"{active}"'), ("aucS_SIP_LOGIN_ID[0]", text(login)),
        ("aucS_SIP_PASSWORD[0]", text(password)), ("aucS_SIP_USER_ID[0]", text(login)),
        ("aucS_SIP_DISPLAYNAME[0]", text(name)), ("ucVoipProviderIndex", f'"{provider}"'),
        ("aucS_VOIP_NET_AM_NUMBER_1[0]", text(mailbox)),
        ("ucB_VOIP_NET_AM_ENABLED_1", f'"{int(bool(mailbox))}"'),
        ("aucS_SIP_ACCOUNT_NAME_1[0]", text(login))))


MINIMAL_PROVIDER = (item(PROVIDER + "aucSIP_PROVIDER_NAME[%]", text("PBX"))
                    + item(PROVIDER + "aucSIP_DOMAIN[%]", text("pbx.example.net")))

VENDOR_YAML = """\
# yaml-language-server: $schema=../schemas/site.schema.json
site: acme
model: N720
mac: "7C:2F:80:CA:21:E4"
profile_name: N720 Gigaset
time:
  ntp_server: pool.ntp.org

providers:
  - name: PBX
    domain: pbx.example.net

registration:
  window:
    start: 2017-04-24 10:00
    duration: 72000
  pin: "0000"

handsets:
  - ipui: "02B6EC8AA5"
    login: "1013"
    password: {secret: acme/1013}
    display_name: N720_1013
    voicemail: "*2"
  - ipui: "029E74A599"
    login: "1014"
    password: {secret: acme/1014}
    display_name: N720_1014
    voicemail: "*2"
  - login: "1022"
    password: {secret: acme/1022}
    display_name: N720_1022
    voicemail: "*2"
"""
VENDOR_PASSWORDS = ("Xq7-1013", "Yr8-1014", "Zs9-1022")
EXTRA_WARNING = ("goes to 'extra' as written: the site format has no key for it, and the "
                 "compiler writes it unchecked [import-extra]")
# The vendor's file writes a registration window and no zone: the first build writes the
# DM's zone too, UTC, and import says so.
VENDOR_ZONE = (
    "dm.xml:47:3: warning: BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]: a registration "
    "window and no zone: the first build also writes the DM's zone, UTC "
    "(BS_IP_Data.uiI_TIME_TIMEZONE = 0x1a), because the DM reads the window's start in its "
    "own zone; set timezone: to the DM's zone [import-timezone]\n")
# Its NTP items become time.ntp_server: the zone is the one warning.
VENDOR_WARNINGS = VENDOR_ZONE
WROTE = ("Wrote {secrets}\nWrote sites/{site}.yaml\nWrote build/{site}/7C2F80CA21E4.xml\n"
         "Wrote build/{site}/state.json\n")


def test_the_n720_is_the_family_whose_files_are_read_back() -> None:
    target, read_file = importing_target()
    assert (target, read_file) == (TARGET, TARGET.importer)
    assert read_file(FIXTURES / "vendor-style.xml", "dm.xml").model == "N720"


def test_a_hand_written_file_in_the_vendors_style(here: Path) -> None:
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    code, out, err = run("import", "dm.xml", "--site", "acme", "--now", NOW)
    assert (code, err) == (EXIT_OK, VENDOR_WARNINGS)
    assert out == WROTE.format(secrets="secrets.yaml (3 secrets added)", site="acme")
    assert (here / "sites" / "acme.yaml").read_text(encoding="utf-8") == VENDOR_YAML
    assert (here / "secrets.yaml").read_text(encoding="utf-8") == (
        importer.SECRETS_HEADER + '"acme/1013": "Xq7-1013"\n"acme/1014": "Yr8-1014"\n'
        '"acme/1022": "Zs9-1022"\n')
    assert stat.S_IMODE((here / "secrets.yaml").stat().st_mode) == 0o600
    state = json.loads((here / "build" / "acme" / "state.json").read_text())
    assert (state["revision"], state["stamp"], state["history"]) == (
        1, "2611261200", [{"changes": {}, "revision": 1, "stamp": "2611261200"}])
    assert state["slots"] == [
        {"slot": 0, "status": "in-use", "ipui": "02B6EC8AA5", "login": "1013", "enabled": True},
        {"slot": 1, "status": "in-use", "ipui": "029E74A599", "login": "1014", "enabled": True},
        {"slot": 2, "status": "in-use", "ipui": None, "login": "1022", "enabled": True}]
    for value in VENDOR_PASSWORDS:  # only the secrets file holds them
        assert [p for p, content in tree(here).items() if value.encode() in content] == [
            "dm.xml", "secrets.yaml"]
    assert run("plan", "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")


def test_the_site_file_loads_back_to_exactly_the_imported_data(here: Path) -> None:
    imported = importer.prepare(importer.Request(FIXTURES / "vendor-style.xml", here, "acme"),
                                datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert imported.ok and imported.site is not None
    importer.write(imported)
    loaded = load_site(here / "sites" / "acme.yaml", "sites/acme.yaml")
    assert loaded.diagnostics == []
    assert loaded.data == imported.site


def test_a_hand_written_file_needs_a_site_name(here: Path) -> None:
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    assert run("import", "dm.xml") == (EXIT_INVALID, "", (
        "--site: error: the file does not name its site (dectprov did not write it); name it "
        "with --site NAME [import-site]\n" + NOTHING))
    assert run("import", "dm.xml", "--site", "Acme_HQ") == (EXIT_INVALID, "", (
        "--site: error: 'Acme_HQ' is not a site name: lower-case letters, digits and '-', "
        "starting with a letter or digit, at most 63 characters [import-site]\n" + NOTHING))
    assert run("import", "dm.xml", "--site", "nul")[2] == (
        "--site: error: 'nul' is a device name on Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9): "
        "build/nul/ could not be checked out there; choose another site name and file name "
        "[import-site-name]\n" + NOTHING)
    assert tree(here) == {"dm.xml": (FIXTURES / "vendor-style.xml").read_bytes()}


# -- exact diagnostics; nothing written ------------------------------------------------


def _refused(root: Path, content: str | bytes, expected: str, *options: str) -> None:
    assert import_text(root, content, "--site", "acme", *options) == (
        EXIT_INVALID, "", expected + NOTHING)
    assert sorted(tree(root)) == ["dm.xml"]


def test_malformed_xml(here: Path) -> None:
    _refused(here, HEAD + item("BS_IP_Data.uiI_TIME_TIMEZONE", '"1"').replace("/>", ">") + TAIL,
             "dm.xml:6:4: error: the file is not well-formed XML: mismatched tag [import-xml]\n")


BILLION_LAUGHS = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ProviderFrame><Provider><PROFILE_NAME value="&lol9;"/></Provider></ProviderFrame>
"""
DTD = ("the file has a DOCTYPE; an N720 file has none, and DTDs and entity declarations are "
       "refused (they can expand without bound or read other files) [import-dtd]\n")


@pytest.mark.parametrize("content", [
    BILLION_LAUGHS,
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd">\n'
    "<ProviderFrame/>\n",
], ids=["billion-laughs", "external-dtd"])
def test_a_doctype_is_refused_before_any_entity_is_read(here: Path, content: str) -> None:
    _refused(here, content, "dm.xml:2:1: error: " + DTD)


ENCODING = "dm.xml:{line}: error: {message} [import-encoding]\n"


@pytest.mark.parametrize(("content", "line", "message"), [
    (b'<?xml version="1.0" encoding="UTF-8"?>\n<ProviderFrame/>\n', "1:31",
     "the file declares encoding 'UTF-8'; an N720 file is ISO-8859-1 (or ASCII)"),
    (b'<?xml version="1.0" encoding="windows-1252"?>\n<ProviderFrame/>\n', "1:31",
     "the file declares encoding 'windows-1252'; an N720 file is ISO-8859-1 (or ASCII)"),
    ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<ProviderFrame/>\n'.encode("utf-16"), "1:1",
     "the file starts with a byte order mark or is UTF-16/32; an N720 file is ISO-8859-1"),
    ('<?xml version="1.0" encoding="US-ASCII"?>\n<ProviderFrame>\n<Provider>\n'
     '<PROFILE_NAME value="Müller"/>\n'.encode("latin-1"), "4:23",
     "the file declares US-ASCII but byte 0xFC is not ASCII; declare "
     'encoding="ISO-8859-1" if the file is Latin-1'),
    ('<ProviderFrame>\n<Provider>\n<PROFILE_NAME value="Müller"/>\n'.encode(), "3:23",
     "the file declares no encoding, so XML reads it as UTF-8, but byte 0xC3 is not ASCII; "
     'declare encoding="ISO-8859-1" if the file is Latin-1'),
], ids=["utf-8", "windows-1252", "utf-16", "ascii-with-latin-1", "undeclared-utf-8"])
def test_only_iso_8859_1_or_ascii(here: Path, content: bytes, line: str, message: str) -> None:
    _refused(here, content, ENCODING.format(line=line, message=message))


def test_latin1_aliases_and_undeclared_ascii_are_read(here: Path) -> None:
    body = HEAD.split("\n", 1)[1] + MINIMAL_PROVIDER + TAIL + "<!-- a comment after it -->\n"
    for declaration in ('<?xml version="1.0" encoding="latin1"?>\n', ""):
        shutil.rmtree(here / "sites", ignore_errors=True)
        shutil.rmtree(here / "build", ignore_errors=True)
        code, out, err = import_text(here, declaration + body, "--site", "acme")
        assert code == EXIT_OK and "error" not in err, err
        assert "mac: \"7C:2F:80:CA:21:E4\"" in (here / "sites" / "acme.yaml").read_text()


def test_the_root_must_be_an_n720_file(here: Path) -> None:
    _refused(here, '<?xml version="1.0" encoding="ISO-8859-1"?>\n<provisioning version="1.1">'
             "<nvm/></provisioning>\n",
             "dm.xml:2:1: error: the root element is <provisioning>, not <ProviderFrame>: this "
             "is not an N720 provisioning file [import-structure]\n")


def test_duplicate_ids(here: Path) -> None:
    timezone = item("BS_IP_Data.uiI_TIME_COUNTRY", '"1"')
    content = (HEAD + '  <MAC_ADDRESS value="7C2F80CA21E5"/>\n' + MINIMAL_PROVIDER + timezone
               + timezone.replace('"1"', '"2"')
               + item(PROVIDER + "aucSIP_DOMAIN[0]", text("other.example.net")) + TAIL)
    _refused(here, content, (
        "dm.xml:5:3: error: <MAC_ADDRESS> is set twice (first at line 4); the device would "
        "take one of them [import-duplicate]\n"
        "dm.xml:9:3: error: BS_IP_Data.uiI_TIME_COUNTRY: is set twice (first at line 8); the "
        "device would take one of them [import-duplicate]\n"
        "dm.xml:10:3: error: BS_VOIP_Data.astVoipProviders[0].aucSIP_DOMAIN[0]: sets the same "
        "field as BS_VOIP_Data.astVoipProviders[0].aucSIP_DOMAIN[%] (line 7) "
        "[import-duplicate]\n"))


def test_a_missing_mac(here: Path) -> None:
    content = HEAD.replace('  <MAC_ADDRESS value="7C2F80CA21E4"/>\n', "") + MINIMAL_PROVIDER + TAIL
    _refused(here, content, "dm.xml:3:2: error: the file has no MAC_ADDRESS; the device ignores a "
             "file without its MAC, and the site needs it [import-mac]\n")


def test_values_the_site_cannot_represent_are_all_reported_in_one_run(here: Path) -> None:
    p1, a = "BS_VOIP_Data.astVoipProviders[1].", A.format(4)
    content = (
        HEAD
        + item("BS_CUSTOM.aucKdsPin[0]", '"0x1A,0x00"')
        + MINIMAL_PROVIDER + item(PROVIDER + "ucSIP_PREFERRED_TRANSPORT_LAYER", '"6"')
        + item("BS_VOIP_Data.astVoipProviders[3].aucSIP_PROVIDER_NAME[%]", text("Trunk"))
        + item(A.format(0) + "aucS_SIP_LOGIN_ID[0]", text("1013"))
        + item("BS_Accounts.astAccounts[1].aucHandsetCode[0]", '"0x02,0xB6"')
        + account(2, "1015", "Hidden-Pw1", "Front", active="0", mailbox="*2").replace(
            'ENABLED_1" class="symb_item" value="1"', 'ENABLED_1" class="symb_item" value="0"')
        + item(A.format(3) + "aucS_SIP_PASSWORD[0]", "'Hidden-Pw2'")
        + item(a + "aucS_SIP_LOGIN_ID[2]", text("16"))
        + item("BS_Accounts.astAccounts[100].aucHandsetCode[0]", '"0x02,0xB6,0xEC,0x8A,0xA5"')
        + item("BS_IP_Data.aucS_HTTP_PROXY_URL[%]", '"0x02,0xB"')
        + item(p1 + "ucOUTBOUND_PROXY_MODE", '"2"')
        + TAIL)
    _refused(here, content, (
        "dm.xml:5:3: error: BS_CUSTOM.aucKdsPin[0]: the PIN is not 4 digits as 2 BCD bytes "
        "(0x12,0x34 is 1234) [import-pin]\n"
        "dm.xml:8:3: error: BS_VOIP_Data.astVoipProviders[0].ucSIP_PREFERRED_TRANSPORT_LAYER: "
        "transport 6 is not UDP (17), the only transport the site format writes "
        "[import-transport]\n"
        "dm.xml:9:3: error: BS_VOIP_Data.astVoipProviders[3].aucSIP_PROVIDER_NAME[%]: provider 3 "
        "is set but provider 2 is not: the site lists providers by their index, without gaps "
        "[import-provider-gap]\n"
        "dm.xml:10:3: error: BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_LOGIN_ID[0]: slot 0 has "
        "no aucS_SIP_PASSWORD[0]: an account in use needs its login and password, and a "
        "freed one is disabled with both empty [import-slot-incomplete]\n"
        "dm.xml:11:3: error: BS_Accounts.astAccounts[1].aucHandsetCode[0]: slot 1's handset "
        "code has 2 bytes; an IPUI is 5 [import-handset-code]\n"
        "dm.xml:18:3: error: BS_VOIP_Data.astVoipAccounts[2].aucS_VOIP_NET_AM_NUMBER_1[0]: slot "
        "2 has a mailbox number but the mailbox is off (ucB_VOIP_NET_AM_ENABLED_1 = 0); the "
        "site has a mailbox or none: clear the number or turn the mailbox on "
        "[import-voicemail]\n"
        "dm.xml:21:3: error: BS_VOIP_Data.astVoipAccounts[3].aucS_SIP_PASSWORD[0]: the value is "
        "not a device string: a string is written in double quotes inside the attribute, "
        "value='\"text\"' [import-value]\n"
        "dm.xml:22:3: error: BS_VOIP_Data.astVoipAccounts[4].aucS_SIP_LOGIN_ID[2]: writes the "
        "site's 'handsets[].login' in a form the compiler does not read back: it writes "
        "BS_VOIP_Data.astVoipAccounts[{slot}].aucS_SIP_LOGIN_ID[0], the last index [0], [%] "
        "or none (the whole field); write that form [import-owned]\n"
        "dm.xml:23:3: error: BS_Accounts.astAccounts[100].aucHandsetCode[0]: slot 100 is beyond "
        "the N720's 100 slots (0..99) [import-index]\n"
        "dm.xml:24:3: error: BS_IP_Data.aucS_HTTP_PROXY_URL[%]: '0x02,0xB' is neither a device "
        "string (in double quotes), a whole number nor a byte array (0xNN,...) "
        "[import-value]\n"
        "dm.xml:25:3: error: BS_VOIP_Data.astVoipProviders[1].ucOUTBOUND_PROXY_MODE: provider 1 "
        "has no aucSIP_PROVIDER_NAME[%] and aucSIP_DOMAIN[%]; a provider needs a name and a "
        "domain [import-provider-field]\n"))


def test_values_the_site_format_refuses_are_reported_at_their_item(here: Path) -> None:
    long_name = "Reception and front desk, ground floor"
    content = (HEAD + MINIMAL_PROVIDER
               + account(0, "20&#9;1", "pw", "Desk")
               + account(1, "202", "pw&#10;x", long_name)
               + item("BS_Accounts.astAccounts[1].aucHandsetCode[0]",
                      '"0x12,0xB6,0xEC,0x8A,0xA5"')
               + account(2, "202", "x" * 51, "Desk 3")
               + TAIL)
    _refused(here, content, (
        "dm.xml:8:3: error: BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_LOGIN_ID[0]: contains a "
        "control character (U+0009); use plain text on one line [import-text-charset]\n"
        "dm.xml:18:3: error: BS_VOIP_Data.astVoipAccounts[1].aucS_SIP_PASSWORD[0]: slot 1: the "
        "password contains a character the N720 cannot store (a double quote, a control "
        "character, or a letter outside ISO-8859-1) [import-password]\n"
        "dm.xml:20:3: error: BS_VOIP_Data.astVoipAccounts[1].aucS_SIP_DISPLAYNAME[0]: is 38 "
        "characters long; the N720 takes at most 32 [import-text-length]\n"
        "dm.xml:25:3: error: BS_Accounts.astAccounts[1].aucHandsetCode[0]: '12B6EC8AA5' is not "
        "an IPUI: an IPUI of type N starts with the digit 0 [import-ipui-format]\n"
        "dm.xml:27:3: error: BS_VOIP_Data.astVoipAccounts[2].aucS_SIP_LOGIN_ID[0]: login '202' "
        "is already used by handsets[1] [import-login-duplicate]\n"
        "dm.xml:28:3: error: BS_VOIP_Data.astVoipAccounts[2].aucS_SIP_PASSWORD[0]: slot 2: the "
        "password is longer than the 50 characters the device takes [import-password]\n"))


def test_no_password_value_in_any_output(here: Path) -> None:
    content = (HEAD + MINIMAL_PROVIDER + account(0, "1013", "Hidden\x7fPw", "Desk")
               + item(A.format(1) + "aucS_SIP_PASSWORD[0]", "'Hidden-Pw2'")
               + item(NETDIR_PASSWORD, "'Hidden-Pw3'") + TAIL)
    code, out, err = import_text(here, content.replace("\x7f", "&#127;"), "--site", "acme")
    assert (code, out) == (EXIT_INVALID, "")
    assert err == (
        "dm.xml:9:3: error: BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_PASSWORD[0]: slot 0: the "
        "password contains a character the N720 cannot store (a double quote, a control "
        "character, or a letter outside ISO-8859-1) [import-password]\n"
        "dm.xml:16:3: error: BS_VOIP_Data.astVoipAccounts[1].aucS_SIP_PASSWORD[0]: the value is "
        "not a device string: a string is written in double quotes inside the attribute, "
        "value='\"text\"' [import-value]\n"
        f"dm.xml:17:3: error: {NETDIR_PASSWORD}: {SECRET_REFUSED}\n" + NOTHING)
    assert "Hidden" not in out + err


# Of a second directory: the first one's items are the site's 'directory'.
NETDIR_PASSWORD = "BS_XML_Netdirs.astNetdirProvider[1].aucPassword[%]"
SECRET_REFUSED = ("names a password, which never goes to 'extra' (the site file, and so git), "
                  "and the site format has no secret for this item: remove the item from the "
                  "file, or empty it, and set the password on the device [import-secret]")


# -- round trips -----------------------------------------------------------------------


def _secret_values(root: Path) -> dict[str, str]:
    """A value for every secret the example sites name."""
    names = set()
    for path in (root / "sites").glob("*.yaml"):
        names |= set(re.findall(r"\{secret: ([^}]+)\}", path.read_text(encoding="utf-8")))
    return {name: f"pw {name} ü&'<" for name in sorted(names)}


def _published(root: Path, destination: Path, *options: str) -> dict[str, bytes]:
    code, out, err = run("publish", "--root", root, "--to", destination, *options)
    assert code == EXIT_OK, err
    return {p.name: p.read_bytes() for p in sorted(destination.iterdir())}


def test_every_n720_example_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What publish deployed comes back: the same sites, secrets and build/."""
    original, imported = tmp_path / "original", tmp_path / "imported"
    (original / "sites").mkdir(parents=True)
    imported.mkdir()
    for name in N720_EXAMPLES:
        shutil.copy(REPO / "sites" / f"{name}.yaml", original / "sites")
        shutil.copy(REPO / "fleet.yaml", original)
    assert run("build", "--root", original, "--now", NOW)[0] == EXIT_OK
    values = _secret_values(original)
    for secret, value in values.items():
        monkeypatch.setenv(environment_name(secret), value)
    deployed = _published(original, tmp_path / "out-original")
    for secret in values:
        monkeypatch.delenv(environment_name(secret))
    built = {name: next((original / "build" / name).glob("*.xml")) for name in N720_EXAMPLES}
    for xml in built.values():
        (tmp_path / xml.name).write_bytes(deployed[xml.name])
        code, out, err = run("import", tmp_path / xml.name, "--root", imported)
        # What the site's `extra:` held comes back there, with a warning each.
        assert code == EXIT_OK and all(line.endswith(EXTRA_WARNING)
                                       for line in err.splitlines()), err
    assert run("plan", "--root", imported, "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")
    assert run("build", "--root", imported, "--now", NOW)[1] == (
        f"Built {len(N720_EXAMPLES)} sites: 0 changed, {len(N720_EXAMPLES)} unchanged "
        "(0 files written).\n")
    again = {name: (imported / "build" / name / xml.name).read_bytes()
             for name, xml in built.items()}
    # The vendor example writes its passwords in the site file: they come back as secret
    # references, which build/ shows as placeholders.
    placeholders = {f"${{secret:vendor-example/{login}}}": "Password"
                    for login in ("1013", "1014", "1022")}
    for placeholder, value in placeholders.items():
        assert again["vendor-example"].count(placeholder.encode()) == 1
        again["vendor-example"] = again["vendor-example"].replace(placeholder.encode(),
                                                                  value.encode())
    assert again == {name: xml.read_bytes() for name, xml in built.items()}
    for name in N720_EXAMPLES:
        states = [json.loads((root / "build" / name / "state.json").read_text())
                  for root in (original, imported)]
        assert states[0]["slots"] == states[1]["slots"]
        assert [s["revision"] for s in states] == [1, 1]
    # Deployed again, from the secrets file the import wrote, the same bytes.
    assert yaml.safe_load((imported / "secrets.yaml").read_text()) == values | {
        f"vendor-example/{login}": "Password" for login in ("1013", "1014", "1022")}
    assert _published(imported, tmp_path / "out-imported") == deployed


def test_a_password_placeholder_is_refused_never_a_reference(here: Path) -> None:
    """`${secret:NAME}` as a password is build/'s file, not the device's. As a reference it
    would name a secret of another site, which publish would then write into this one's
    file; as text, publish would set the placeholder as the handset's password."""
    content = (HEAD + MINIMAL_PROVIDER + account(0, "1013", "${secret:care-home/2101}", "Desk")
               + account(1, "1014", "Pa55${secret:acme/1014}", "Desk 2")
               + account(2, "1015", "Kx7-ok", "Desk 3") + TAIL)
    _refused(here, content, "".join(
        f"dm.xml:{line}:3: error: BS_VOIP_Data.astVoipAccounts[{slot}].aucS_SIP_PASSWORD[0]: "
        f"slot {slot}: the password is a secret placeholder, '${{secret:...}}', not a "
        "password: the file is one build/ holds; import the file publish wrote, with the "
        "values [import-password-placeholder]\n" for slot, line in ((0, 9), (1, 18))))


def test_a_build_file_is_refused_and_its_placeholders_name_nothing(tmp_path: Path) -> None:
    original, imported = tmp_path / "original", tmp_path / "imported"
    (original / "sites").mkdir(parents=True)
    imported.mkdir()
    shutil.copy(REPO / "sites" / "care-home.yaml", original / "sites")
    shutil.copy(REPO / "fleet.yaml", original)
    assert run("build", "--root", original, "--now", NOW)[0] == EXIT_OK
    xml = original / "build" / "care-home" / "7C2F80123456.xml"
    code, out, err = run("import", xml, "--root", imported, "--site", "other")
    assert (code, out) == (EXIT_INVALID, "")
    assert err.count("[import-password-placeholder]") == 15  # 14 handsets, the admin
    assert "secret:care-home" not in err
    assert tree(imported) == {}


def test_a_later_revision_with_a_deregistered_handset_round_trips(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The IPUI a zero handset code deregisters is named only in the slot's comment."""
    original, imported = tmp_path / "original", tmp_path / "imported"
    (original / "sites").mkdir(parents=True)
    imported.mkdir()
    site = original / "sites" / "care-home.yaml"
    shutil.copy(REPO / "sites" / "care-home.yaml", site)
    shutil.copy(REPO / "fleet.yaml", original)
    assert run("build", "--root", original, "--now", NOW)[0] == EXIT_OK
    entry = '  - ipui: "031A2B3C54"\n    login: "2110"\n'
    text = site.read_text(encoding="utf-8")
    site.write_text(re.sub(re.escape(entry) + r"(    .*\n)+", "", text), encoding="utf-8")
    assert run("build", "--root", original, "--now", "2026-11-27 09:00")[0] == EXIT_OK
    xml = original / "build" / "care-home" / "7C2F80123456.xml"
    assert b"<!-- slot 9: free, handset 031A2B3C54 deregistered -->" in xml.read_bytes()
    for secret, value in _secret_values(original).items():
        monkeypatch.setenv(environment_name(secret), value)
    deployed = tmp_path / xml.name
    deployed.write_bytes(_published(original, tmp_path / "out")[xml.name])
    assert run("import", deployed, "--root", imported)[0] == EXIT_OK
    assert (imported / "build" / "care-home" / xml.name).read_bytes() == xml.read_bytes()
    state = json.loads((imported / "build" / "care-home" / "state.json").read_text())
    assert (state["revision"], state["stamp"]) == (2, "2711261000")
    # The file does not say when the deregistration was first written: from the import's
    # revision, the retention counts.
    assert state["slots"][9] == {"slot": 9, "status": "freed",
                                 "deregistered_ipui": "031A2B3C54",
                                 "deregistered_in_revision": 2,
                                 "deregistered_at": "2711261000"}
    assert run("plan", "--root", imported, "--detailed-exitcode", "--now", NOW)[0] == EXIT_OK


GAPS_HANDSETS = """\
handsets:
  - ipui: "031A2B3C01"
    login: "200"
    password: {secret: gaps/200}
    display_name: Desk
  - slot: 3
    ipui: "031A2B3C03"
    login: "203"
    password: {secret: gaps/203}
    display_name: Lab
  - slot: 5
    login: "205"
    password: {secret: gaps/205}
    display_name: Store
"""


def test_slots_with_gaps_are_pinned(here: Path) -> None:
    shutil.copy(FIXTURES / "slot-gaps.xml", here / "dm.xml")
    assert run("import", "dm.xml", "--site", "gaps", "--now", NOW)[0] == EXIT_OK
    site_file = (here / "sites" / "gaps.yaml").read_text(encoding="utf-8")
    assert site_file.endswith("\n" + GAPS_HANDSETS)
    state = json.loads((here / "build" / "gaps" / "state.json").read_text())
    assert [(s["slot"], s["status"], s.get("login")) for s in state["slots"]] == [
        (0, "in-use", "200"), (1, "freed", None), (3, "in-use", "203"), (5, "in-use", "205")]
    # Without a state, the compiler's own rules put each handset in the file's slot.
    loaded = load_site(here / "sites" / "gaps.yaml", "sites/gaps.yaml")
    assert loaded.data is not None
    placed = assign_slots(build_site(loaded.data, "sites/gaps.yaml"), None, SLOTS)
    assert {slot: handset.login for slot, handset in placed.items()} == {
        0: "200", 3: "203", 5: "205"}
    # The freed slot stays an emptied account, as the file wrote it.
    xml = (here / "build" / "gaps" / "7C2F80CA21E4.xml").read_text(encoding="iso-8859-1")
    assert "<!-- slot 1: free -->" in xml
    assert run("plan", "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")


def test_what_the_model_gives_anyway_is_left_out(here: Path) -> None:
    """A profile name equal to the site name, fields equal to the login, the only
    provider, a mailbox that is off, and slots in file order need no line."""
    profile = '  <PROFILE_NAME class="string" value="acme"/>\n'
    assert import_text(here, HEAD + profile + MINIMAL_PROVIDER + account(0, "a", "p", "a")
                       + account(1, "b", "p", "b") + TAIL, "--site", "acme")[0] == EXIT_OK
    assert (here / "sites" / "acme.yaml").read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../schemas/site.schema.json\n"
        'site: acme\nmodel: N720\nmac: "7C:2F:80:CA:21:E4"\n\n'
        "providers:\n  - name: PBX\n    domain: pbx.example.net\n\n"
        'handsets:\n  - login: "a"\n    password: {secret: acme/a}\n'
        '  - login: "b"\n    password: {secret: acme/b}\n')


EXTRA_YAML = """\
extra:
  BS_IP_Data.aucS_HTTP_PROXY_URL[%]: prov.example.net/dm
  BS_IP_Data.aucS_NETWORK_DEVICENAME[%]: Zeit & Ort <ptb>
  BS_IP_Data.ucI_HTTPLANGUAGE: [0x1F]
  BS_IP_Data.uiI_TIME_COUNTRY: -5
  ZZ_Vendor.aucBlob[12]: [0x00, 0xFF, 0x10]
  ZZ_Vendor.aucEmpty[%]: ""
  ZZ_Vendor.uiBig: 7982
"""


def test_extra_items_keep_their_kind_and_value(here: Path) -> None:
    shutil.copy(FIXTURES / "extra-items.xml", here / "dm.xml")
    assert run("import", "dm.xml", "--site", "acme", "--now", NOW)[0] == EXIT_OK
    assert (here / "sites" / "acme.yaml").read_text(encoding="utf-8").endswith(
        "\n" + EXTRA_YAML)
    original = TARGET.read_items((here / "dm.xml").read_bytes())
    built = TARGET.read_items((here / "build" / "acme" / "7C2F80CA21E4.xml").read_bytes())
    extra_ids = [line.split(": ")[0].strip() for line in EXTRA_YAML.splitlines()[1:]]
    # The same values: bytes in upper-case hex, an integer in decimal.
    assert {i: built[i] for i in extra_ids} == {i: original[i] for i in extra_ids} | {
        "ZZ_Vendor.aucBlob[12]": "0x00,0xFF,0x10", "ZZ_Vendor.uiBig": "7982"}


# -- secrets and existing files --------------------------------------------------------


def test_secrets_are_added_to_what_the_file_holds(here: Path) -> None:
    existing = '# ours\nother/x: "keep me"\n"acme/1013": "Xq7-1013"'
    (here / "secrets.yaml").write_text(existing, encoding="utf-8")
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    code, out, err = run("import", "dm.xml", "--site", "acme", "--now", NOW)
    assert (code, err) == (EXIT_OK, VENDOR_WARNINGS)
    assert out == WROTE.format(secrets="secrets.yaml (2 secrets added)", site="acme")
    assert (here / "secrets.yaml").read_text(encoding="utf-8") == (
        existing + '\n"acme/1014": "Yr8-1014"\n"acme/1022": "Zs9-1022"\n')
    assert stat.S_IMODE((here / "secrets.yaml").stat().st_mode) == 0o600


def test_a_secret_already_set_to_another_value_is_an_error(here: Path) -> None:
    (here / "secrets.yaml").write_text('"acme/other": "x"\n"acme/1014": "Other-Pw"\n',
                                       encoding="utf-8")
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    before = tree(here)
    code, out, err = run("import", "dm.xml", "--site", "acme", "--now", NOW)
    assert (code, out, err) == (EXIT_INVALID, "", (
        "secrets.yaml:2:1: error: secret 'acme/1014' is already set here, to another value than "
        "the file's password; remove it, or import with --secrets another file "
        "[import-secret-conflict]\n" + NOTHING))
    assert tree(here) == before


def test_secrets_go_where_secrets_says(here: Path, tmp_path_factory: pytest.TempPathFactory,
                                       ) -> None:
    elsewhere = tmp_path_factory.mktemp("private") / "dm-secrets.yaml"
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    code, out, _ = run("import", "dm.xml", "--site", "acme", "--secrets", elsewhere)
    assert code == EXIT_OK
    assert out.splitlines()[0] == f"Wrote {elsewhere.as_posix()} (3 secrets added)"
    assert yaml.safe_load(elsewhere.read_text()) == {
        "acme/1013": "Xq7-1013", "acme/1014": "Yr8-1014", "acme/1022": "Zs9-1022"}
    assert not (here / "secrets.yaml").exists()


def test_nothing_is_overwritten(here: Path) -> None:
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    (here / "sites").mkdir()
    (here / "sites" / "acme.yaml").write_text("site: acme\n")
    (here / "build" / "acme").mkdir(parents=True)
    (here / "build" / "acme" / "state.json").write_text("{}")
    before = tree(here)
    assert run("import", "dm.xml", "--site", "acme") == (EXIT_INVALID, "", (
        "build/acme: error: already holds a build: its state says what the device holds, and "
        "an import would replace it; delete it first if the site is new here "
        "[import-exists]\n"
        "sites/acme.yaml: error: the file exists; import writes a new site and overwrites "
        "nothing [import-exists]\n" + NOTHING))
    assert run("import", "dm.xml", "--site", "acme", "--out", "acme-hq.yaml")[2].startswith(
        "--out: error: the file of site 'acme' must be named acme.yaml: a site's name is its "
        "file's name [import-out]\n")
    assert tree(here) == before


def test_usage(here: Path) -> None:
    assert run("import")[0] == EXIT_USAGE
    assert run("import", "missing.xml", "--site", "acme") == (EXIT_INVALID, "", (
        "missing.xml: error: cannot read the file: No such file or directory "
        "[import-unreadable]\n" + NOTHING))


# -- the YAML ----------------------------------------------------------------------------

TRICKY = ["1013", "0000", "1e3", "0x1F", "1:2:3", "yes", "No", "null", "~", "2026-01-01",
          " lead", "trail ", "# hash", "key: value", "- item", "*alias", "&anchor", "!tag",
          "%", "@", "`", "{a: 1}", "[1]", "|", ">", "?", "'", "\\", "O'Brien & Sons", "Müller",
          "\u00a0", "a\\nb", ""]


def test_the_site_file_quotes_what_yaml_would_retype(tmp_path: Path) -> None:
    data: dict[str, Any] = {
        "site": "acme", "model": "N720", "mac": "00:11:22:33:44:55",
        "providers": [{"name": name, "domain": "d"} for name in TRICKY if name],
        "registration": {"window": {"start": "2017-04-24 10:00", "duration": 0},
                         "pin": "0000"},
        "handsets": [{"login": login or "x", "password": {"secret": f"acme/{i}"},
                      "display_name": login, "ipui": Ipui(bytes([0, 0, 0, 0, i + 1])).hex}
                     for i, login in enumerate(TRICKY)],
        "extra": {"ZZ.aucA[%]": "0x1F", "ZZ.uiB": 12, "ZZ.aucC[0]": [0, 255], "ZZ.b": True},
    }
    path = tmp_path / "acme.yaml"
    path.write_text(site_yaml(data), encoding="utf-8")
    loaded = load_site(path, "acme.yaml")
    assert loaded.diagnostics == []
    assert loaded.data == data
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:4] == ["# yaml-language-server: $schema=../schemas/site.schema.json",
                         "site: acme", "model: N720", 'mac: "00:11:22:33:44:55"']
    assert '    login: "1013"' in lines and '  pin: "0000"' in lines
    assert '    display_name: "yes"' in lines and "    display_name: Müller" in lines
    assert '    display_name: "\\xa0"' in lines
    assert "  ZZ.aucC[0]: [0x00, 0xFF]" in lines


# -- random sites ------------------------------------------------------------------------

LATIN = st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_categories=("Cc",),
                      blacklist_characters='"')
HOSTILE = ["O'Brien & Sons", "<b>", "a--b", "]]>", "&#0;", "<!--", "-->", "'", "&amp;", "\\",
           "yes", "null", "~", "0000", "1e3", "0x1F", " lead", "trail ", "# hash",
           "key: value", "*alias", "Müller", "ÿ", "\u00a0", "${x}", "$", "slot 1: free"]
HOST = st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?", fullmatch=True)


def _text(limit: int, min_size: int = 0) -> st.SearchStrategy[str]:
    piece = st.sampled_from(HOSTILE) | st.text(LATIN, max_size=10)
    return st.lists(piece, min_size=1, max_size=3).map(
        lambda pieces: "".join(pieces)[:limit]).filter(lambda t: len(t) >= min_size)


def _endpoint(draw: st.DrawFn) -> str:
    host = draw(HOST)
    return host if draw(st.booleans()) else f"{host}:{draw(st.integers(1, 65535))}"


@st.composite
def _handset(draw: st.DrawFn, site: str, index: int, login: str, names: list[str],
             secrets: dict[str, str]) -> dict[str, Any]:
    handset: dict[str, Any] = {"login": login}
    if draw(st.booleans()):
        name = f"{site}/ref/{index}"
        secrets[name] = draw(_text(50, 1))
        handset["password"] = {"secret": name}
    else:
        handset["password"] = draw(_text(50))
    for key in ("user_id", "display_name", "account_name"):
        limit = 50 if key == "user_id" else 32
        if draw(st.booleans()) or len(login) > limit:
            handset[key] = draw(_text(limit))
    if draw(st.booleans()):
        handset["provider"] = draw(st.sampled_from(names))
    if draw(st.booleans()):
        handset["voicemail"] = draw(st.just(False) | _text(32))
    if draw(st.booleans()):
        handset["enabled"] = draw(st.booleans())
    return handset


@st.composite
def n720_sites(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str]]:
    """A valid N720 site, and the values of the secrets it names."""
    # An XML comment cannot hold "--": the header names sites/a- -b.yaml, read back as a--b.
    site = draw(st.sampled_from(["a--b", "x---y-"]) | st.from_regex(
        r"[a-z0-9][a-z0-9-]{0,19}", fullmatch=True).filter(
        lambda name: not re.fullmatch(r"con|prn|aux|nul|com[0-9]|lpt[0-9]", name)))
    data: dict[str, Any] = {"site": site, "model": "N720",
                            "mac": draw(st.from_regex(r"[0-9a-fA-F]{12}", fullmatch=True))}
    if draw(st.booleans()):
        data["profile_name"] = draw(_text(20, 1))
    if draw(st.booleans()):
        data["timezone"] = draw(st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata"]))
    providers = []
    for name in draw(st.lists(_text(32, 1), min_size=1, max_size=3, unique=True)):
        provider: dict[str, Any] = {"name": name, "domain": draw(_text(74, 1))}
        for key in ("proxy", "registrar", "outbound_proxy"):
            if draw(st.booleans()):
                provider[key] = _endpoint(draw)
        if draw(st.booleans()):
            provider["reregister_seconds"] = draw(st.integers(10, 86400))
        providers.append(provider)
    data["providers"] = providers
    registration: dict[str, Any] = {}
    if draw(st.booleans()):
        start = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31, 23, 59)))
        registration["window"] = {"start": start.strftime("%Y-%m-%d %H:%M"), "duration": draw(
            st.integers(0, 0xFFFFFFFF) | st.sampled_from(["always", "90s", "20h", "2d"]))}
    if draw(st.booleans()):
        registration["pin"] = draw(st.from_regex(r"[0-9]{4}", fullmatch=True) | st.just("random"))
    if registration:
        data["registration"] = registration
    if draw(st.booleans()):
        data["defaults"] = {"voicemail": draw(_text(32)), "enabled": draw(st.booleans())}
    count = draw(st.integers(0, 10))
    logins = draw(st.lists(_text(50, 1), min_size=count, max_size=count, unique=True))
    codes = draw(st.lists(st.integers(1, 2**36 - 1), min_size=count, max_size=count,
                          unique=True))
    free = list(range(100))
    secrets: dict[str, str] = {}
    handsets = []
    for index, (login, code) in enumerate(zip(logins, codes)):
        handset = draw(_handset(site, index, login, [p["name"] for p in providers], secrets))
        if draw(st.booleans()):
            handset["ipui"] = Ipui(code.to_bytes(5, "big")).hex
        if draw(st.booleans()):
            handset["slot"] = draw(st.sampled_from(free))
            free.remove(handset["slot"])
        handsets.append(handset)
    if handsets:
        data["handsets"] = handsets
    if draw(st.booleans()):
        key = st.from_regex(r"ZZ_[A-Za-z0-9]{1,6}\.auc[A-Za-z0-9]{1,6}(\[[0-9%]\])?",
                            fullmatch=True)
        value = _text(74) | st.integers(-2**31, 2**31) | st.booleans() | st.lists(
            st.integers(0, 255), min_size=1, max_size=6)
        data["extra"] = draw(st.dictionaries(key, value, min_size=1, max_size=4))
    return data, secrets


@settings(max_examples=IMPORT_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(example=n720_sites())
def test_random_sites_build_import_and_build_again_to_the_same_bytes(
        example: tuple[dict[str, Any], dict[str, str]]) -> None:
    data, secrets = example
    site = data["site"]
    with (tempfile.TemporaryDirectory() as first_dir,
          tempfile.TemporaryDirectory() as second_dir,
          tempfile.TemporaryDirectory() as out_dir):
        first, second, out = Path(first_dir), Path(second_dir), Path(out_dir)
        (first / "sites").mkdir()
        (first / "sites" / f"{site}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        (first / "secrets.yaml").write_text(yaml.safe_dump(secrets, allow_unicode=True),
                                            encoding="utf-8")
        code, _, err = run("build", "--root", first, "--now", NOW)
        assert code == EXIT_OK, err
        (xml,) = (first / "build" / site).glob("*.xml")
        deployed = _published(first, out / "first")
        (out / xml.name).write_bytes(deployed[xml.name])  # what the device has
        shutil.copy(first / "secrets.yaml", second / "secrets.yaml")
        imported = importer.prepare(importer.Request(out / xml.name, second),
                                    datetime(2030, 1, 1, tzinfo=UTC))
        assert imported.ok, imported.diagnostics
        importer.write(imported)
        loaded = load_site(second / "sites" / f"{site}.yaml", f"sites/{site}.yaml")
        assert loaded.data == imported.site
        assert run("plan", "--root", second, "--detailed-exitcode", "--now", NOW)[0] == EXIT_OK
        code, out_text, err = run("build", "--root", second, "--now", NOW)
        assert (code, out_text) == (EXIT_OK, "Built 1 site: 0 changed, 1 unchanged (0 files "
                                    "written).\n"), err
        rebuilt = (second / "build" / site / xml.name).read_bytes()
        # Passwords come back under the import's own names, <site>/<login>.
        if not [h for h in data.get("handsets", []) if h["password"]]:
            assert rebuilt == xml.read_bytes()
        # Without a state, the imported site's own rules give every handset its slot.
        placed = assign_slots(build_site(loaded.data, "x"), None, SLOTS)
        state = json.loads((first / "build" / site / "state.json").read_text())
        assert {slot: h.login for slot, h in placed.items()} == {
            s["slot"]: s["login"] for s in state["slots"]}
        assert _published(second, out / "second") == deployed


# -- one rule each -----------------------------------------------------------------------

WINDOW_START = "BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]"
WINDOW_DURATION = "BS_AE_Subscriber.ulIPUIRegistrationDuration"
PIN_RANDOM, PIN_CODE = "BS_CUSTOM.bit.UseRandomRegistrationPIN", "BS_CUSTOM.aucKdsPin[0]"
OUTBOUND_MODE = PROVIDER + "ucOUTBOUND_PROXY_MODE"
OUTBOUND_NEEDS = ("the site has an outbound proxy or none; set both the mode and the address, "
                  "or clear both [import-outbound-proxy]")
STRUCTURE = ("an N720 file is <ProviderFrame><Provider> with MAC_ADDRESS, VERSION, "
             "PROFILE_NAME, S_SPECIAL_DATA_SRV_IWU, S_SPECIAL_DATA_SRV_SAT, SYMB_ITEM in it "
             "[import-structure]")
EMPTIED = "".join(item(A.format(0) + key, value) for key, value in (
    ("ucB_SIP_ACCOUNT_IS_ACTIVE_1", '"0"'), ("aucS_SIP_LOGIN_ID[0]", text("")),
    ("aucS_SIP_PASSWORD[0]", text("")), ("aucS_SIP_USER_ID[0]", text("")),
    ("aucS_SIP_DISPLAYNAME[0]", text("")), ("aucS_SIP_ACCOUNT_NAME_1[0]", text(""))))


def _bytes(ascii_text: str) -> str:
    return '"' + ",".join(f"0x{ord(c):02X}" for c in ascii_text) + '"'


ONE_RULE = {
    "bytes": (item(PIN_CODE, '"0x1"'), f"dm.xml:7:3: error: {PIN_CODE}: '0x1' is not a byte "
              "array (0xNN,0xNN,...) [import-value]"),
    "inner-quote": (item("ZZ_Vendor.aucText[%]", "'\"a\"b\"'"), "dm.xml:7:3: error: "
                    "ZZ_Vendor.aucText[%]: '\"a\"b\"' holds a double quote inside the string, "
                    "which the N720 cannot store [import-value]"),
    "bit": (item(A.format(0) + "ucB_SIP_ACCOUNT_IS_ACTIVE_1", '"2"'), "dm.xml:7:3: error: "
            "BS_VOIP_Data.astVoipAccounts[0].ucB_SIP_ACCOUNT_IS_ACTIVE_1: '2' is not a bit "
            "(0 or 1) [import-value]"),
    "integer": (item(PROVIDER + "uiSIP_SERVER_PORT", '"50x"'), "dm.xml:7:3: error: "
                f"{PROVIDER}uiSIP_SERVER_PORT: '50x' is not a whole number (decimal, or 0x "
                "hex) [import-value]"),
    "random-pin-and-code": (item(PIN_RANDOM, '"1"') + item(PIN_CODE, '"0x00,0x00"'),
                            f"dm.xml:8:3: error: {PIN_CODE}: a fixed PIN code beside "
                            "UseRandomRegistrationPIN = 1: the site has either a fixed PIN or "
                            "a random one; remove one of the two items [import-pin]"),
    "fixed-pin-without-code": (item(PIN_RANDOM, '"0"'), f"dm.xml:7:3: error: {PIN_RANDOM}: a "
                               "fixed PIN (UseRandomRegistrationPIN = 0) without its code "
                               "aucKdsPin[0] [import-pin]"),
    "half-a-window": (item(WINDOW_DURATION, '"3600"'), f"dm.xml:7:3: error: {WINDOW_DURATION}: "
                      "a registration window needs both its start "
                      "(acIPUIRegistrationTimestamp) and its duration "
                      "(ulIPUIRegistrationDuration) [import-window]"),
    "window-not-digits": (item(WINDOW_START, _bytes("24.04.1710")) + item(
        WINDOW_DURATION, '"0"'), f"dm.xml:7:3: error: {WINDOW_START}: the window start is not "
        "10 ASCII digits ddmmyyhhmm of a real date and time [import-window]"),
    "window-no-date": (item(WINDOW_START, _bytes("3102171000")) + item(
        WINDOW_DURATION, '"0"'), f"dm.xml:7:3: error: {WINDOW_START}: the window start is not "
        "10 ASCII digits ddmmyyhhmm of a real date and time [import-window]"),
    "version-short": ('  <VERSION value="2404171"/>\n', "dm.xml:7:3: error: VERSION '2404171' "
                      "is not a DDMMYYHHMM stamp [import-version]"),
    "version-no-date": ('  <VERSION value="3102171000"/>\n', "dm.xml:7:3: error: VERSION "
                        "'3102171000' is not a DDMMYYHHMM stamp [import-version]"),
    "outbound-never-with-host": (item(OUTBOUND_MODE, '"2"') + item(
        PROVIDER + "aucOUTBOUND_PROXY[%]", text("sbc")), f"dm.xml:7:3: error: {OUTBOUND_MODE}: "
        f"an outbound proxy address or port with mode 2 (never): {OUTBOUND_NEEDS}"),
    "outbound-always-without-host": (item(OUTBOUND_MODE, '"0"'), "dm.xml:7:3: error: "
                                     f"{OUTBOUND_MODE}: mode 0 (always) without an outbound "
                                     f"proxy address: {OUTBOUND_NEEDS}"),
    "outbound-mode": (item(OUTBOUND_MODE, '"5"'), f"dm.xml:7:3: error: {OUTBOUND_MODE}: outbound "
                      "proxy mode 5 is neither 0 (always) nor 2 (never) [import-outbound-proxy]"),
    "emptied-account-with-handset": (EMPTIED + item(
        "BS_Accounts.astAccounts[0].aucHandsetCode[0]", '"0x02,0xB6,0xEC,0x8A,0xA5"'),
        "dm.xml:13:3: error: BS_Accounts.astAccounts[0].aucHandsetCode[0]: slot 0 binds handset "
        "02B6EC8AA5 to an empty, disabled account; a handset in the site needs a login "
        "[import-handset-without-account]"),
    "provider-unknown": (account(0, "1013", "pw", "Desk", provider="4"), "dm.xml:12:3: error: "
                         "BS_VOIP_Data.astVoipAccounts[0].ucVoipProviderIndex: slot 0 uses "
                         "provider 4, which the file does not set [import-provider-unknown]"),
    "unexpected-element": ('  <EXTRA value="1"/>\n', "dm.xml:7:3: error: unexpected element "
                           f"<EXTRA> inside <Provider>; {STRUCTURE}"),
    "item-without-id": ('  <SYMB_ITEM value="1"/>\n', "dm.xml:7:3: error: <SYMB_ITEM> has no ID "
                        "attribute [import-structure]"),
    "second-provider": (" </Provider>\n <Provider>\n", "dm.xml:8:2: error: unexpected element "
                        f"<Provider> inside <ProviderFrame>; {STRUCTURE}"),
}


@pytest.mark.parametrize("case", sorted(ONE_RULE))
def test_one_rule(here: Path, case: str) -> None:
    snippet, expected = ONE_RULE[case]
    _refused(here, HEAD + MINIMAL_PROVIDER + snippet + TAIL, expected + "\n")


def test_a_file_without_providers(here: Path) -> None:
    _refused(here, HEAD + TAIL, "dm.xml:3:2: error: the file sets no provider profile "
             "(BS_VOIP_Data.astVoipProviders[n]); a site needs at least one: name the PBX its "
             "accounts use with --provider DOMAIN, and the first build writes it as provider 0 "
             "[import-provider-missing]\n")


def test_a_malformed_mac(here: Path) -> None:
    _refused(here, HEAD.replace("7C2F80CA21E4", "7C2F80CA21E") + MINIMAL_PROVIDER + TAIL,
             "dm.xml:4:3: error: MAC_ADDRESS '7C2F80CA21E' is not 12 hex digits [import-mac]\n")


def test_an_unknown_encoding(here: Path) -> None:
    _refused(here, '<?xml version="1.0" encoding="x-klingon"?>\n<ProviderFrame/>\n',
             "dm.xml:1:31: error: the file declares encoding 'x-klingon'; an N720 file is "
             "ISO-8859-1 (or ASCII) [import-encoding]\n")


def test_what_is_not_a_plain_file_is_not_read(here: Path) -> None:
    os.mkfifo(here / "pipe.xml")
    assert run("import", "pipe.xml", "--site", "acme") == (EXIT_INVALID, "", (
        "pipe.xml: error: cannot read the file: it is not a plain file [import-unreadable]\n"
        + NOTHING))
    (here / "big.xml").write_bytes(b" " * (4 * 1024 * 1024 + 1))
    assert run("import", "big.xml", "--site", "acme") == (EXIT_INVALID, "", (
        "big.xml: error: the file is over 4096 KiB; an N720 file is never that large "
        "[import-too-large]\n" + NOTHING))


def test_a_symlinked_build_directory_is_refused(
        here: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    (here / "build").symlink_to(tmp_path_factory.mktemp("elsewhere"))
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    assert run("import", "dm.xml", "--site", "acme") == (EXIT_INVALID, "", (
        "build: error: is a symlink; dectprov writes only into real directories under the "
        "root [import-build-symlink]\n" + NOTHING))
    assert not (here / "sites").exists()


def test_a_broken_secrets_file_stops_the_import(here: Path) -> None:
    (here / "secrets.yaml").write_text("acme/1013: 12\n")
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    assert run("import", "dm.xml", "--site", "acme") == (EXIT_INVALID, "", (
        "secrets.yaml:1:12: error: acme/1013: secret 'acme/1013' is not text: YAML reads the "
        "value as a number; quote it [secret-file]\n" + NOTHING))
    assert sorted(tree(here)) == ["dm.xml", "secrets.yaml"]


def test_a_secrets_file_one_cannot_add_lines_to_is_written_anew(here: Path) -> None:
    (here / "secrets.yaml").write_text('{other/x: "keep me"}\n')
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    assert run("import", "dm.xml", "--site", "acme")[0] == EXIT_OK
    assert (here / "secrets.yaml").read_text(encoding="utf-8") == (
        importer.SECRETS_HEADER + '"other/x": "keep me"\n"acme/1013": "Xq7-1013"\n'
        '"acme/1014": "Yr8-1014"\n"acme/1022": "Zs9-1022"\n')


def test_secrets_already_there_are_not_written_again(here: Path) -> None:
    values = '"acme/1013": "Xq7-1013"\n"acme/1014": "Yr8-1014"\n"acme/1022": "Zs9-1022"\n'
    (here / "secrets.yaml").write_text(values)
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    assert run("import", "dm.xml", "--site", "acme", "--now", NOW) == (
        EXIT_OK, WROTE.format(secrets="", site="acme").replace("Wrote \n", ""), VENDOR_WARNINGS)
    assert (here / "secrets.yaml").read_text() == values


# -- the files engineers have --------------------------------------------------------------

# The account items written with `[0]`, `[%]` or no index at all: the three forms write the
# same field from its start.
STRING_FIELDS = re.compile(r'(BS_VOIP_Data\.[^"]*\.auc[A-Za-z_0-9]+)\[[0%]\]" '
                           r'class="symb_item" value=\'')


@pytest.mark.parametrize("form", ["[0]", "[%]", ""], ids=["zero", "percent", "none"])
def test_the_three_index_forms_of_a_string_field(here: Path, form: str) -> None:
    original = (FIXTURES / "vendor-style.xml").read_text(encoding="iso-8859-1")
    content, count = STRING_FIELDS.subn(
        lambda match: f'{match[1]}{form}" class="symb_item" value=\'', original)
    assert count == 23  # 5 strings of the provider, 6 of each of the 3 accounts
    code, _, err = import_text(here, content, "--site", "acme")
    assert (code, err) == (EXIT_OK, VENDOR_WARNINGS)
    assert (here / "sites" / "acme.yaml").read_text(encoding="utf-8") == VENDOR_YAML
    assert run("plan", "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")


def test_two_index_forms_of_one_field_are_a_duplicate(here: Path) -> None:
    _refused(here, HEAD + MINIMAL_PROVIDER + account(0, "1013", "pw", "Desk")
             + item(A.format(0) + "aucS_SIP_LOGIN_ID", text("1014")) + TAIL,
             "dm.xml:16:3: error: BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_LOGIN_ID: sets the "
             "same field as BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_LOGIN_ID[0] (line 8) "
             "[import-duplicate]\n")


ALL_ACCOUNTS = "BS_VOIP_Data.astVoipAccounts[%]."


def test_an_all_accounts_item_gives_each_account_its_value(here: Path) -> None:
    """As Gigaset's template writes account defaults: `[%]` for every account, then each
    account's own items. Each slot the site writes gets the value the device has."""
    defaults = (item(ALL_ACCOUNTS + "ucVoipProviderIndex", '"0"')
                + item(ALL_ACCOUNTS + "aucS_VOIP_NET_AM_NUMBER_1[%]", text("*9"))
                + item(ALL_ACCOUNTS + "ucB_VOIP_NET_AM_ENABLED_1", '"1"')
                + item(ALL_ACCOUNTS + "ucB_CALL_MANAGER_SUPPORT", '"0"'))
    own = account(0, "1013", "pw", "Desk", mailbox="*2")
    rest = "".join(item(A.format(1) + key, value) for key, value in (
        ("ucB_SIP_ACCOUNT_IS_ACTIVE_1", '"1"'), ("aucS_SIP_LOGIN_ID[0]", text("1014")),
        ("aucS_SIP_PASSWORD[0]", text("pw")), ("aucS_SIP_USER_ID[0]", text("1014")),
        ("aucS_SIP_DISPLAYNAME[0]", text("Lab")), ("aucS_SIP_ACCOUNT_NAME_1[0]",
                                                    text("1014"))))
    code, _, err = import_text(here, HEAD + MINIMAL_PROVIDER + defaults + own + rest + TAIL,
                               "--site", "acme")
    assert code == EXIT_OK, err
    assert "import-partial-account" not in err  # the `[%]` items set what slot 1 leaves out
    assert f"dm.xml:10:3: warning: {ALL_ACCOUNTS}ucB_CALL_MANAGER_SUPPORT: {EXTRA_WARNING}" in err
    site = yaml.safe_load((here / "sites" / "acme.yaml").read_text(encoding="utf-8"))
    assert [(h["login"], h.get("voicemail")) for h in site["handsets"]] == [
        ("1013", "*2"), ("1014", "*9")]
    assert site["extra"] == {ALL_ACCOUNTS + "ucB_CALL_MANAGER_SUPPORT": 0}
    built = TARGET.read_items((here / "build" / "acme" / "7C2F80CA21E4.xml").read_bytes())
    assert (built[A.format(1) + "aucS_VOIP_NET_AM_NUMBER_1[0]"],
            built[A.format(1) + "ucB_VOIP_NET_AM_ENABLED_1"],
            built[A.format(1) + "ucVoipProviderIndex"]) == ('"*9"', "1", "0")
    assert run("plan", "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")


def test_an_all_accounts_item_that_overrides_an_account_is_refused(here: Path) -> None:
    _refused(here, HEAD + MINIMAL_PROVIDER + account(0, "1013", "pw", "Desk", mailbox="*2")
             + item(ALL_ACCOUNTS + "aucS_VOIP_NET_AM_NUMBER_1[%]", text(""))
             + item("BS_Accounts.astAccounts[%].aucHandsetCode[0]", '"0x00,0x00,0x00,0x00,0x00"')
             + TAIL,
             f"dm.xml:16:3: error: {ALL_ACCOUNTS}aucS_VOIP_NET_AM_NUMBER_1[%]: sets this field of "
             "every account after an own item of another value (BS_VOIP_Data.astVoipAccounts"
             "[0].aucS_VOIP_NET_AM_NUMBER_1[0], line 13), which it would override; the site "
             "writes each one's own value: move this item before the others, or remove it "
             "[import-all-accounts]\n"
             "dm.xml:17:3: error: BS_Accounts.astAccounts[%].aucHandsetCode[0]: sets the handset "
             "code of every slot at once; the site binds each handset in its own slot: write "
             "each slot's aucHandsetCode instead [import-all-accounts]\n")


def test_an_all_providers_item_needs_a_provider_of_its_own(here: Path) -> None:
    _refused(here, HEAD + item("BS_VOIP_Data.astVoipProviders[%].aucSIP_DOMAIN[%]",
                               text("pbx.example.net")) + TAIL,
             "dm.xml:5:3: error: BS_VOIP_Data.astVoipProviders[%].aucSIP_DOMAIN[%]: sets this "
             "field of every provider profile, but the file sets no profile of its own: write "
             "provider 0's items (BS_VOIP_Data.astVoipProviders[0].) [import-all-accounts]\n",
             "--provider", "pbx.example.net")


FAQ_WARNINGS = (
    "gigaset-faq.xml:14:2: warning: the file has no PROFILE_NAME; the first build writes the "
    "site's name there [import-partial-profile]\n"
    "gigaset-faq.xml:14:2: warning: the file sets no provider profile; the first build writes "
    "provider 0 from --provider: name 'pbx.example.net', domain 'pbx.example.net', proxy "
    "pbx.example.net:5060, registrar pbx.example.net:5060, re-registration every 180 s, no "
    "outbound proxy and transport UDP (17) [import-provider-given]\n"
    + VENDOR_ZONE.replace("dm.xml:47:3", "gigaset-faq.xml:49:1"))


def test_gigasets_faq_example_imports_and_plans_empty(here: Path) -> None:
    """Gigaset's own example writes the mailbox number without an index and sets no
    provider profile: its accounts use the DM's, which --provider names."""
    shutil.copy(FIXTURES / "gigaset-faq.xml", here)
    assert run("import", "gigaset-faq.xml", "--site", "gigaset-faq") == (EXIT_INVALID, "", (
        "gigaset-faq.xml:14:2: error: the file sets no provider profile "
        "(BS_VOIP_Data.astVoipProviders[n]); a site needs at least one: name the PBX its "
        "accounts use with --provider DOMAIN, and the first build writes it as provider 0 "
        "[import-provider-missing]\n" + NOTHING))
    code, out, err = run("import", "gigaset-faq.xml", "--site", "gigaset-faq", "--provider",
                         "pbx.example.net", "--now", NOW)
    assert (code, err) == (EXIT_OK, FAQ_WARNINGS)
    assert out == WROTE.format(secrets="secrets.yaml (3 secrets added)",
                               site="gigaset-faq").replace("acme", "gigaset-faq")
    site = (here / "sites" / "gigaset-faq.yaml").read_text(encoding="utf-8")
    assert site == VENDOR_YAML.replace("acme", "gigaset-faq").replace(
        "profile_name: N720 Gigaset\n", "").replace(
        "time:\n  ntp_server: pool.ntp.org\n", "").replace(
        "  - name: PBX\n    domain: pbx.example.net",
                                                   "  - name: pbx.example.net\n    domain: "
                                                   "pbx.example.net").split("\nextra:")[0]
    assert yaml.safe_load((here / "secrets.yaml").read_text()) == {
        f"gigaset-faq/{login}": "Password" for login in ("1013", "1014", "1022")}
    assert run("plan", "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")
    assert run("build", "--now", NOW)[1] == (
        "Built 1 site: 0 changed, 1 unchanged (0 files written).\n")


def test_provider_is_only_for_a_file_without_a_provider_profile(here: Path) -> None:
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    assert run("import", "dm.xml", "--site", "acme", "--provider", "pbx.example.net") == (
        EXIT_INVALID, "", "--provider: error: the file sets its own provider profiles; "
        "--provider is for a file that sets none [import-provider-option]\n" + NOTHING)
    shutil.copy(FIXTURES / "gigaset-faq.xml", here)
    long_name = "a" * 30 + ".example.net"  # a provider's name takes 32 characters
    assert run("import", "gigaset-faq.xml", "--site", "acme", "--provider", long_name) == (
        EXIT_INVALID, "", "--provider: error: is 42 characters long; the N720 takes at most 32 "
        "[import-text-length]\n" + NOTHING)


PARTIAL_WARNINGS = """\
partial-accounts.xml:8:3: warning: BS_VOIP_Data.ucB_VOIP_CALLWAITING_STATUS: goes to 'extra' \
as written: the site format has no key for it, and the compiler writes it unchecked \
[import-extra]
partial-accounts.xml:9:3: warning: BS_VOIP_Data.astVoipProviders[0].aucSIP_PROVIDER_NAME: \
provider 0: the file sets no proxy, registrar, re-registration timer or outbound proxy; \
the first build writes proxy pbx.example.net:5060, registrar pbx.example.net:5060, \
re-registration every 180 s and no outbound proxy [import-partial-provider]
partial-accounts.xml:13:3: warning: BS_VOIP_Data.astVoipAccounts[%].ucB_CALL_MANAGER_SUPPORT: \
goes to 'extra' as written: the site format has no key for it, and the compiler writes it \
unchecked [import-extra]
partial-accounts.xml:15:3: warning: BS_VOIP_Data.astVoipAccounts[0].ucB_SIP_ACCOUNT_IS_ACTIVE_1: \
slot 0: the file sets no user id or account name; the first build writes user id \
'+4989123450' and account name '+4989123450' [import-partial-account]
partial-accounts.xml:23:3: warning: BS_VOIP_Data.astVoipAccounts[1].aucS_SIP_LOGIN_ID[0]: slot \
1: the file sets no on/off switch, voicemail or account name; the first build writes the \
account on, voicemail off and account name '+4989123451' [import-partial-account]
partial-accounts.xml:29:3: warning: BS_VOIP_Data.astVoipAccounts[3].ucB_SIP_ACCOUNT_IS_ACTIVE_1: \
slot 3: the file sets no voicemail or account name; the first build writes voicemail off \
and account name '1015' [import-partial-account]
"""
PARTIAL_YAML = """\
# yaml-language-server: $schema=../schemas/site.schema.json
site: praxis-weber
model: N720
mac: "7C:2F:80:55:AA:01"
profile_name: Praxis Weber

providers:
  - name: Praxis PBX
    domain: pbx.example.net

handsets:
  - ipui: "031A2B3C01"
    login: "+4989123450"
    password: {secret: praxis-weber/plus4989123450}
    display_name: Empfang
    voicemail: "*2"
  - ipui: "031A2B3C02"
    login: "+4989123451"
    password: {secret: praxis-weber/plus4989123451}
    display_name: Labor
  - slot: 3
    login: "1015"
    password: {secret: praxis-weber/1015}
    display_name: Dr. Weber

extra:
  BS_VOIP_Data.astVoipAccounts[%].ucB_CALL_MANAGER_SUPPORT: 0
  BS_VOIP_Data.ucB_VOIP_CALLWAITING_STATUS: 1
"""


def test_a_hand_made_file_with_partial_accounts(here: Path) -> None:
    """Accounts without user id, mailbox, switch or account name, a provider of a name and a
    domain: imported, with one warning a slot of what the first build writes that the file
    left to the device; the plan after it is empty."""
    shutil.copy(FIXTURES / "partial-accounts.xml", here)
    code, out, err = run("import", "partial-accounts.xml", "--site", "praxis-weber",
                         "--now", NOW)
    assert (code, err) == (EXIT_OK, PARTIAL_WARNINGS)
    assert out == WROTE.format(secrets="secrets.yaml (3 secrets added)", site="praxis-weber"
                               ).replace("7C2F80CA21E4", "7C2F8055AA01")
    assert (here / "sites" / "praxis-weber.yaml").read_text(encoding="utf-8") == PARTIAL_YAML
    assert yaml.safe_load((here / "secrets.yaml").read_text()) == {
        "praxis-weber/plus4989123450": "Kx7-empfang", "praxis-weber/plus4989123451": "Lm4-labor",
        "praxis-weber/1015": "Qz2-chefin"}
    assert run("plan", "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")
    assert run("build", "--now", NOW)[1] == (
        "Built 1 site: 0 changed, 1 unchanged (0 files written).\n")
    # What the warnings say is what the build wrote.
    built = TARGET.read_items((here / "build" / "praxis-weber" / "7C2F8055AA01.xml").read_bytes())
    assert {key: built[A.format(3) + key] for key in (
        "ucB_VOIP_NET_AM_ENABLED_1", "aucS_VOIP_NET_AM_NUMBER_1[0]",
        "aucS_SIP_ACCOUNT_NAME_1[0]")} == {"ucB_VOIP_NET_AM_ENABLED_1": "0",
                                            "aucS_VOIP_NET_AM_NUMBER_1[0]": '""',
                                            "aucS_SIP_ACCOUNT_NAME_1[0]": '"1015"'}
    assert built[A.format(1) + "ucB_SIP_ACCOUNT_IS_ACTIVE_1"] == "1"
    assert built[PROVIDER + "aucSIP_SERVER[%]"] == '"pbx.example.net"'


def test_an_account_needs_its_login_and_password(here: Path) -> None:
    a = A.format(0)
    _refused(here, HEAD + MINIMAL_PROVIDER + item(a + "aucS_SIP_PASSWORD[0]", text("pw"))
             + item(A.format(1) + "ucB_SIP_ACCOUNT_IS_ACTIVE_1", '"0"') + TAIL,
             f"dm.xml:7:3: error: {a}aucS_SIP_PASSWORD[0]: slot 0 has no aucS_SIP_LOGIN_ID[0]: "
             "an account in use needs its login and password, and a freed one is disabled "
             "with both empty [import-slot-incomplete]\n"
             f"dm.xml:8:3: error: {A.format(1)}ucB_SIP_ACCOUNT_IS_ACTIVE_1: slot 1 has no "
             "aucS_SIP_LOGIN_ID[0] and no aucS_SIP_PASSWORD[0]: an account in use needs its "
             "login and password, and a freed one is disabled with both empty "
             "[import-slot-incomplete]\n")


def test_a_freed_slot_may_leave_out_what_is_empty_anyway(here: Path) -> None:
    a = A.format(0)
    freed = (item(a + "ucB_SIP_ACCOUNT_IS_ACTIVE_1", '"0"') + item(a + "aucS_SIP_LOGIN_ID",
                                                                  text(""))
             + item(a + "aucS_SIP_PASSWORD", text("")))
    code, _, err = import_text(here, HEAD + MINIMAL_PROVIDER + freed + account(
        1, "1014", "pw", "Lab") + TAIL, "--site", "acme")
    assert code == EXIT_OK
    assert (f"dm.xml:7:3: warning: {a}ucB_SIP_ACCOUNT_IS_ACTIVE_1: slot 0: the file sets no "
            "user id, display name or account name; the first build writes them empty "
            "[import-partial-account]\n") in err
    state = json.loads((here / "build" / "acme" / "state.json").read_text())
    assert [(s["slot"], s["status"]) for s in state["slots"]] == [(0, "freed"), (1, "in-use")]


def test_a_provider_of_a_name_and_a_domain_is_written_with_a_warning(here: Path) -> None:
    code, _, err = import_text(here, HEAD + '  <PROFILE_NAME value="acme"/>\n'
                               + MINIMAL_PROVIDER + TAIL, "--site", "acme")
    assert (code, err) == (EXIT_OK, (
        f"dm.xml:6:3: warning: {PROVIDER}aucSIP_PROVIDER_NAME[%]: provider 0: the file sets no "
        "proxy, registrar, re-registration timer, outbound proxy or transport; the first "
        "build writes proxy pbx.example.net:5060, registrar pbx.example.net:5060, "
        "re-registration every 180 s, no outbound proxy and transport UDP (17) "
        "[import-partial-provider]\n"))


def test_warnings_are_not_said_when_nothing_is_written(here: Path) -> None:
    """What the first build would write matters only when the import writes."""
    _refused(here, HEAD + MINIMAL_PROVIDER + item("ZZ_Vendor.uiA", '"1"')
             + account(0, "1013", "pw", "Desk").replace('IS_ACTIVE_1" class="symb_item" '
                                                        'value="1"', 'IS_ACTIVE_1" class="'
                                                        'symb_item" value="2"') + TAIL,
             f"dm.xml:8:3: error: {A.format(0)}ucB_SIP_ACCOUNT_IS_ACTIVE_1: '2' is not a bit "
             "(0 or 1) [import-value]\n")


@pytest.mark.parametrize("mac", ["7C:2F:80:55:AA:01", "7c-2f-80-55-aa-01", "7c2f8055aa01"])
def test_a_mac_with_separators(here: Path, mac: str) -> None:
    code, _, err = import_text(here, HEAD.replace("7C2F80CA21E4", mac) + MINIMAL_PROVIDER
                                 + TAIL, "--site", "acme")
    assert code == EXIT_OK, err
    assert 'mac: "7C:2F:80:55:AA:01"' in (here / "sites" / "acme.yaml").read_text()
    assert (here / "build" / "acme" / "7C2F8055AA01.xml").is_file()


@pytest.mark.parametrize("mac", ["7C:2F:80-55:AA:01", "7C:2F:80:55:AA", "7C2F:8055:AA01",
                                 "7C:2F:80:55:AA:0G"])
def test_a_mac_with_mixed_or_misplaced_separators(here: Path, mac: str) -> None:
    _refused(here, HEAD.replace("7C2F80CA21E4", mac) + MINIMAL_PROVIDER + TAIL,
             f"dm.xml:4:3: error: MAC_ADDRESS '{mac}' is not 12 hex digits [import-mac]\n")


SECRET_NAMES = [
    ("+4989123450", "plus4989123450"),
    ("sip:1013@pbx.example.net", "sip-1013-at-pbx.example.net"),
    ("Müller, Anna", "muller-anna"),
    ("+49 (89) 1234-50", "plus49-89-1234-50"),
    ("..//..", "slot0"),
    ("*31#", "31"),
]


@pytest.mark.parametrize(("login", "name"), SECRET_NAMES, ids=[n for _, n in SECRET_NAMES])
def test_a_secret_name_is_the_login_made_readable(here: Path, login: str, name: str) -> None:
    code, _, err = import_text(here, HEAD + MINIMAL_PROVIDER + account(0, login, "pw", "Desk")
                               + TAIL, "--site", "acme")
    assert code == EXIT_OK, err
    assert yaml.safe_load((here / "secrets.yaml").read_text()) == {f"acme/{name}": "pw"}
    assert f"password: {{secret: acme/{name}}}" in (here / "sites" / "acme.yaml").read_text()


def test_logins_that_differ_in_case_or_punctuation_get_a_stable_suffix(
        tmp_path: Path) -> None:
    logins = ["Anna", "anna", "a.b", "a-b", "A_B", "anna-slot1"]
    content = HEAD + MINIMAL_PROVIDER + "".join(
        account(slot, login, f"pw{slot}", f"Desk {slot}") for slot, login in enumerate(logins)
    ) + TAIL
    names = []
    for attempt in ("first", "second"):  # the same names from the same file, every time
        root = tmp_path / attempt
        root.mkdir()
        (root / "dm.xml").write_text(content, encoding="iso-8859-1")
        assert run("import", root / "dm.xml", "--root", root, "--site", "acme")[0] == EXIT_OK
        names.append(yaml.safe_load((root / "secrets.yaml").read_text()))
    assert names[0] == names[1] == {
        "acme/anna": "pw0", "acme/anna-slot1": "pw1", "acme/a.b": "pw2", "acme/a-b-slot3": "pw3",
        "acme/a_b-slot4": "pw4", "acme/anna-slot1-slot5": "pw5"}


def test_a_password_item_never_goes_to_extra(here: Path) -> None:
    """Its value is shown nowhere; empty, it is no secret and goes to extra as it is."""
    content = HEAD + MINIMAL_PROVIDER + item(NETDIR_PASSWORD, text("Hidden-Pw4")) + item(
        "BS_LDAP_Netdirs.astNetdirProvider[1].aucPassword[%]", text("")) + TAIL
    code, out, err = import_text(here, content, "--site", "acme")
    assert (code, out, err) == (EXIT_INVALID, "", (
        f"dm.xml:7:3: error: {NETDIR_PASSWORD}: {SECRET_REFUSED}\n" + NOTHING))
    code, _, err = import_text(here, content.replace("Hidden-Pw4", ""), "--site", "acme")
    assert code == EXIT_OK, err
    assert yaml.safe_load((here / "sites" / "acme.yaml").read_text())["extra"] == {
        NETDIR_PASSWORD: "", "BS_LDAP_Netdirs.astNetdirProvider[1].aucPassword[%]": ""}


ADMIN_ITEM = "BS_CUSTOM.WebUIPassword"
def test_the_web_ui_password_becomes_a_secret(here: Path) -> None:
    content = HEAD + MINIMAL_PROVIDER + item(ADMIN_ITEM, text("Hidden-Admin1")) + account(
        0, "admin", "Hidden-Pw5", "Desk") + TAIL
    code, _, err = import_text(here, content, "--site", "acme", "--now", NOW)
    assert code == EXIT_OK, err
    site = yaml.safe_load((here / "sites" / "acme.yaml").read_text())
    assert site["admin_password"] == {"secret": "acme/admin"}
    assert "extra" not in site
    # The site's own secret keeps its name; the login 'admin' takes the suffix.
    assert yaml.safe_load((here / "secrets.yaml").read_text()) == {
        "acme/admin": "Hidden-Admin1", "acme/admin-slot0": "Hidden-Pw5"}
    assert [p for p, content in tree(here).items() if b"Hidden-Admin1" in content] == [
        "dm.xml", "secrets.yaml"]
    assert run("plan", "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")


def test_an_item_of_the_table_that_import_does_not_read_is_refused(
        here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A parameter added to the table is reported until import maps it, never dropped."""
    from compiler.targets.n720 import params

    monkeypatch.setattr(mapping, "_READ", mapping._READ - {params.NTP_SERVER})
    shutil.copy(FIXTURES / "vendor-style.xml", here / "dm.xml")
    assert run("import", "dm.xml", "--site", "acme")[2] == (
        "dm.xml:6:3: error: BS_IP_Data.aucS_TIME_NTP_SERVER[%]: writes the site's "
        "'time.ntp_server', which import does not read back yet; remove the item and set "
        "'time.ntp_server' in the site file [import-unmapped]\n" + NOTHING)


def test_the_readmes_import_of_a_partial_file_is_what_import_says(here: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"\n\$ dectprov import praxis-weber\.xml --site praxis-weber\n(.*?)"
                      r"\$ dectprov plan --detailed-exitcode\n(.*?)```", readme, re.DOTALL)
    assert shown is not None
    shutil.copy(FIXTURES / "partial-accounts.xml", here / "praxis-weber.xml")
    code, out, err = run("import", "praxis-weber.xml", "--site", "praxis-weber")
    assert code == EXIT_OK
    assert shown[1] == err + out
    assert shown[2] == run("plan", "--detailed-exitcode")[1]


def test_a_secret_name_never_shares_an_environment_variable_with_the_secrets_file(
        here: Path) -> None:
    """`acme/a-b` and another site's `acme-a/b` read DECTPROV_SECRET_ACME_A_B: the import
    names its secret otherwise, or the secrets file it wrote is one publish refuses. A
    name the file holds itself is the import's own, run again."""
    (here / "secrets.yaml").write_text('"acme-a/b": "Other-Pw1"\n"acme/anna": "pw1"\n')
    content = HEAD + MINIMAL_PROVIDER + account(0, "a-b", "pw0", "Desk") + account(
        1, "Anna", "pw1", "Desk 1") + account(2, "anna", "pw2", "Desk 2") + TAIL
    code, _, err = import_text(here, content, "--site", "acme")
    assert code == EXIT_OK, err
    assert yaml.safe_load((here / "secrets.yaml").read_text()) == {
        "acme-a/b": "Other-Pw1", "acme/anna": "pw1", "acme/a-b-slot0": "pw0",
        "acme/anna-slot2": "pw2"}
    destination = here.parent / f"{here.name}-published"
    code, _, err = run("publish", "--root", ".", "--to", destination)
    assert code == EXIT_OK, err
    assert b'"pw0"' in (destination / "7C2F80CA21E4.xml").read_bytes()


# -- a root with fleet.yaml ------------------------------------------------------------------

VENDOR_FLEET = """\
providers:
  - name: PBX
    domain: pbx.example.net
    transport: udp          # the model's default, which the file's provider leaves out
  - name: Other PBX
    domain: other.example.net
sites:
  time: {ntp_server: pool.ntp.org}
  registration: {pin: "0000"}
profiles:
  gigaset:
    profile_name: N720 Gigaset
"""
# What the fleet gives is left out: the provider by its name, the NTP server and the PIN.
VENDOR_FLEET_YAML = VENDOR_YAML.replace("time:\n  ntp_server: pool.ntp.org\n", "").replace(
    "  - name: PBX\n    domain: pbx.example.net\n", "  - PBX\n").replace('  pin: "0000"\n', "")


def _site_without_places(root: Path, name: str) -> Any:
    """The site a build makes of sites/<name>.yaml, with fleet.yaml when there is one,
    modelled from plain data: two files that say one site give equal models."""
    from compiler.merge import merge
    from compiler.shared import read_shared

    loaded = load_site(root / "sites" / f"{name}.yaml", f"sites/{name}.yaml")
    assert loaded.data is not None, loaded.diagnostics
    merged = merge(loaded.data, read_shared(root, lambda _: None), f"sites/{name}.yaml")
    assert merged.data is not None, merged.diagnostics
    return build_site(json.loads(json.dumps(merged.data)), "")


def _fleet_root(root: Path, fleet: str) -> Path:
    root.mkdir()
    (root / "fleet.yaml").write_text(fleet, encoding="utf-8")
    shutil.copy(FIXTURES / "vendor-style.xml", root / "dm.xml")
    return root


def test_an_import_leaves_to_fleet_yaml_what_it_gives(tmp_path: Path) -> None:
    """The provider the fleet defines is named, what `sites:` gives is left out; a build of
    the shorter file with fleet.yaml is the build of the whole one, and plan is quiet."""
    whole, fleeted = tmp_path / "whole", _fleet_root(tmp_path / "fleeted", VENDOR_FLEET)
    whole.mkdir()
    for root in (whole, fleeted):
        code, _, err = run("import", FIXTURES / "vendor-style.xml", "--root", root,
                           "--site", "acme", "--now", NOW)
        assert (code, err.replace(str(FIXTURES / "vendor-style.xml"), "dm.xml")) == (
            EXIT_OK, VENDOR_WARNINGS)
    assert (whole / "sites" / "acme.yaml").read_text(encoding="utf-8") == VENDOR_YAML
    assert (fleeted / "sites" / "acme.yaml").read_text(encoding="utf-8") == VENDOR_FLEET_YAML
    assert run("plan", "--root", fleeted, "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")
    built = tree(whole / "build")
    assert tree(fleeted / "build") == built  # what the import wrote there, the same
    # The merged site is the whole one, but for its provider spelling out a default.
    merged, alone = (_site_without_places(root, "acme") for root in (fleeted, whole))
    assert merged.providers[0].transport == "udp" and alone.providers[0].transport is None
    assert replace(merged, providers=()) == replace(alone, providers=())
    for root in (whole, fleeted):  # built anew, from the site files alone
        shutil.rmtree(root / "build")
        assert run("build", "--root", root, "--now", NOW)[0] == EXIT_OK
    assert tree(fleeted / "build") == tree(whole / "build")
    xml = "acme/7C2F80CA21E4.xml"
    assert tree(fleeted / "build")[xml] == built[xml]


def test_a_profile_given_with_profile_is_left_out_too(tmp_path: Path) -> None:
    root = _fleet_root(tmp_path / "root", VENDOR_FLEET)
    assert run("import", root / "dm.xml", "--root", root, "--site", "acme", "--profile", "gigaset",
               "--now", NOW)[0] == EXIT_OK
    assert (root / "sites" / "acme.yaml").read_text(encoding="utf-8") == VENDOR_FLEET_YAML.replace(
        "profile_name: N720 Gigaset\n", "profile: gigaset\n")
    assert run("plan", "--root", root, "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")


def test_what_differs_from_the_fleet_stays_in_the_site_file(tmp_path: Path) -> None:
    """A fleet provider of the file's name but another domain is not the file's provider;
    a default the file holds only part of keeps the rest (mappings key by key)."""
    fleet = VENDOR_FLEET.replace("domain: pbx.example.net", "domain: pbx.example.org").replace(
        "time: {ntp_server: pool.ntp.org}", "registration: {pin: \"0000\"}\n  time: "
        "{ntp_server: pool.ntp.org}").replace('  registration: {pin: "0000"}\n', "", 1)
    fleet = fleet.replace("sites:\n", 'sites:\n  profile_name: "Other"\n')
    root = _fleet_root(tmp_path / "root", fleet)
    assert run("import", root / "dm.xml", "--root", root, "--site", "acme",
               "--now", NOW)[0] == EXIT_OK
    assert (root / "sites" / "acme.yaml").read_text(encoding="utf-8") == VENDOR_YAML.replace(
        "time:\n  ntp_server: pool.ntp.org\n", "").replace('  pin: "0000"\n', "")
    assert run("plan", "--root", root, "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")


def test_a_default_the_file_does_not_hold_stops_the_import(tmp_path: Path) -> None:
    """A zone fleet.yaml gives every site, where the file leaves the DM's zone at its
    default: the imported site would take it and its first build change the device."""
    fleet = VENDOR_FLEET.replace("sites:\n", "sites:\n  timezone: Europe/Berlin\n"
                                 "  deregistration_threshold: 50\n")
    root = _fleet_root(tmp_path / "root", fleet)
    before = tree(root)
    assert run("import", root / "dm.xml", "--root", root, "--site", "acme", "--now", NOW) == (
        EXIT_INVALID, "", "fleet.yaml:8:3: error: timezone: 'sites:' gives this to site "
        "'acme', and the imported file does not set it: the site would take it, and its first "
        "build would change the device's file; move it from 'sites:' into a profile the other "
        "sites take, and import again [import-fleet-default]\n" + NOTHING)
    assert tree(root) == before
    # From a profile: the remedy is another profile.
    fleet = VENDOR_FLEET + "  berlin:\n    timezone: Europe/Berlin\n"
    root = _fleet_root(tmp_path / "profile", fleet)
    code, _, err = run("import", root / "dm.xml", "--root", root, "--site", "acme", "--profile",
                       "berlin", "--now", NOW)
    assert (code, err.splitlines()[0]) == (EXIT_INVALID, (
        "fleet.yaml:14:5: error: timezone: profile 'berlin' gives this to site 'acme', and the "
        "imported file does not set it: the site would take it, and its first build would "
        "change the device's file; import with another --profile, or none "
        "[import-fleet-default]"))


def test_an_invalid_fleet_yaml_stops_the_import(tmp_path: Path) -> None:
    root = _fleet_root(tmp_path / "root", VENDOR_FLEET.replace("transport: udp",
                                                               "transport: carrier-pigeon"))
    before = tree(root)
    code, out, err = run("import", root / "dm.xml", "--root", root, "--site", "acme", "--now", NOW)
    assert (code, out) == (EXIT_INVALID, "")
    assert re.fullmatch(r"fleet\.yaml:4:16: error: .*carrier-pigeon.*\n" + re.escape(NOTHING),
                        err), err
    assert tree(root) == before
    # With the file's own errors, in one run.
    (root / "dm.xml").write_text(HEAD + MINIMAL_PROVIDER + ONE_RULE["bytes"][0] + TAIL,
                                 encoding="iso-8859-1")
    code, out, err = run("import", root / "dm.xml", "--root", root, "--site", "acme")
    assert [line.split(": error: ")[0].rsplit("/", 1)[-1] for line in err.splitlines()] == [
        "dm.xml:7:3", "fleet.yaml:4:16", NOTHING.strip()]


@pytest.mark.parametrize(("fleet", "message"), [
    (None, "no profile is named 'care' in fleet.yaml (there is no fleet.yaml beside sites/ "
           "to define it)"),
    (VENDOR_FLEET, "no profile is named 'care' in fleet.yaml (its profiles: gigaset)"),
])
def test_profile_names_a_profile_of_fleet_yaml(tmp_path: Path, fleet: str | None,
                                                message: str) -> None:
    root = _fleet_root(tmp_path / "root", fleet or "")
    if fleet is None:
        (root / "fleet.yaml").unlink()
    assert run("import", root / "dm.xml", "--root", root, "--site", "acme", "--profile", "care",
               "--now", NOW) == (EXIT_INVALID, "", f"--profile: error: {message} "
                                 "[import-profile]\n" + NOTHING)


def test_every_n720_example_imports_against_the_examples_fleet_yaml(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples' deployed files, imported into a root with the examples' fleet.yaml
    (care-home with its profile): the shared provider named, the shared PIN left out, and
    the same build as an import without fleet.yaml."""
    original, whole, fleeted = tmp_path / "original", tmp_path / "whole", tmp_path / "fleeted"
    (original / "sites").mkdir(parents=True)
    for root in (whole, fleeted):
        root.mkdir()
    for name in N720_EXAMPLES:
        shutil.copy(REPO / "sites" / f"{name}.yaml", original / "sites")
    for root in (original, fleeted):
        shutil.copy(REPO / "fleet.yaml", root)
    assert run("build", "--root", original, "--now", NOW)[0] == EXIT_OK
    for secret, value in _secret_values(original).items():
        monkeypatch.setenv(environment_name(secret), value)
    deployed = _published(original, tmp_path / "out")
    for name in N720_EXAMPLES:
        xml = next((original / "build" / name).glob("*.xml")).name
        (tmp_path / xml).write_bytes(deployed[xml])
        profile = ["--profile", "germany"] if name == "care-home" else []
        for root in (whole, fleeted):
            code, _, err = run("import", tmp_path / xml, "--root", root, "--now", NOW,
                               *(profile if root == fleeted else []))
            assert code == EXIT_OK, err
    assert run("plan", "--root", fleeted, "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")
    care_home = yaml.safe_load((fleeted / "sites" / "care-home.yaml").read_text())
    assert care_home["providers"][0] == "Hosted PBX" and care_home["profile"] == "germany"
    assert "timezone" not in care_home and "pin" not in care_home["registration"]
    assert tree(fleeted / "build") == tree(whole / "build")
    for name in N720_EXAMPLES:
        merged, alone = (_site_without_places(root, name) for root in (fleeted, whole))
        assert replace(merged, providers=()) == replace(alone, providers=())


@pytest.mark.parametrize("content", [
    *(HEAD + MINIMAL_PROVIDER + snippet + TAIL for snippet, _ in ONE_RULE.values()),
    HEAD + TAIL, BILLION_LAUGHS, HEAD + item(PIN_CODE, '"0x1"').replace("/>", ">") + TAIL,
    (FIXTURES / "partial-accounts.xml").read_text(encoding="iso-8859-1"),
    (FIXTURES / "gigaset-faq.xml").read_text(encoding="iso-8859-1"),
])
def test_every_diagnostic_of_the_file_has_its_line_and_column(tmp_path: Path,
                                                              content: str) -> None:
    """Errors and warnings alike point at the item at fault: file:line:col."""
    (tmp_path / "dm.xml").write_text(content, encoding="iso-8859-1")
    read = importing_target()[1](tmp_path / "dm.xml", "dm.xml")
    prepared = importer.prepare(importer.Request(tmp_path / "dm.xml", tmp_path, "acme"),
                                datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    found = [d for d in (*read.diagnostics, *prepared.diagnostics) if d.file.endswith("dm.xml")]
    assert found
    assert all(d.line is not None and d.column is not None for d in found), found


def test_a_fleet_value_this_site_cannot_take_stops_the_import(tmp_path: Path) -> None:
    """What fleet.yaml gives every site is checked for the imported one too, at its line."""
    root = _fleet_root(tmp_path / "root", VENDOR_FLEET.replace(
        "sites:\n", "sites:\n  authoritative: true\n"))
    before = tree(root)
    code, _, err = run("import", root / "dm.xml", "--root", root, "--site", "acme",
                       "--now", NOW)
    assert (code, err) == (EXIT_INVALID, (
        "fleet.yaml:8:18: error: authoritative: authoritative mode belongs to the Nx70 "
        "family; on the N720 the compiler deregisters a removed handset by zeroing its slot "
        "(used by sites/acme.yaml) [authoritative-unsupported]\n" + NOTHING))
    assert tree(root) == before


def test_a_fleet_yaml_that_gives_this_site_nothing_leaves_it_whole(tmp_path: Path) -> None:
    root = _fleet_root(tmp_path / "root", "providers:\n  - name: Other\n"
                                          "    domain: other.example.net\n")
    assert run("import", root / "dm.xml", "--root", root, "--site", "acme",
               "--now", NOW)[0] == EXIT_OK
    assert (root / "sites" / "acme.yaml").read_text(encoding="utf-8") == VENDOR_YAML
    assert run("plan", "--root", root, "--detailed-exitcode", "--now", NOW) == (
        EXIT_OK, "Plan: no changes.\n", "")
