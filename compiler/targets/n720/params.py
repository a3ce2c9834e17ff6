"""The N720 DM PRO's vocabulary: every parameter ID the compiler writes, in one table.

`verified` is False for IDs and encodings known only from third-party templates; they are
kept here so that a correction is a one-line change. `field` names the site key that owns
the ID, so that `extra:` cannot set it behind the model's back.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    STRING = "string"  # value='"text"'
    INT = "int"  # value="72000"
    BIT = "bit"  # value="0" / value="1"
    BYTES = "bytes"  # value="0x02,0xB6"
    HEX = "hex"  # value="0x1b": an integer as the sources write it


@dataclass(frozen=True)
class Param:
    id: str  # `{slot}` and `{provider}` stand for the index
    kind: Kind
    field: str
    verified: bool = True
    source: str = "gigaset-faq"  # a key of targets.sources.SOURCES


PIN_RANDOM = Param("BS_CUSTOM.bit.UseRandomRegistrationPIN", Kind.BIT, "registration.pin")
PIN_CODE = Param("BS_CUSTOM.aucKdsPin[0]", Kind.BYTES, "registration.pin")
WINDOW_START = Param("BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]", Kind.BYTES,
                     "registration.window.start")
WINDOW_DURATION = Param("BS_AE_Subscriber.ulIPUIRegistrationDuration", Kind.INT,
                        "registration.window.duration")

_P = "BS_VOIP_Data.astVoipProviders[{provider}]."


def _provider(item: str, kind: Kind, field: str, verified: bool = True) -> Param:
    """A provider profile's item, as Gigaset's own N720 template writes it."""
    return Param(_P + item, kind, field, verified, source="wazo-n720-3cb9e3f0")


PROVIDER_NAME = _provider("aucSIP_PROVIDER_NAME[%]", Kind.STRING, "providers[].name")
PROVIDER_DOMAIN = _provider("aucSIP_DOMAIN[%]", Kind.STRING, "providers[].domain")
PROVIDER_PROXY = _provider("aucSIP_SERVER[%]", Kind.STRING, "providers[].proxy")
PROVIDER_PROXY_PORT = _provider("uiSIP_SERVER_PORT", Kind.INT, "providers[].proxy")
PROVIDER_REGISTRAR = _provider("aucSIP_REGISTRAR[%]", Kind.STRING, "providers[].registrar")
PROVIDER_REGISTRAR_PORT = _provider("uiSIP_REGISTRAR_PORT", Kind.INT, "providers[].registrar")
PROVIDER_REREGISTER = _provider("uiRE_REGISTRATION_TIMER", Kind.INT,
                                "providers[].reregister_seconds")
PROVIDER_OUTBOUND_MODE = _provider("ucOUTBOUND_PROXY_MODE", Kind.INT,
                                   "providers[].outbound_proxy", verified=False)
PROVIDER_OUTBOUND = _provider("aucOUTBOUND_PROXY[%]", Kind.STRING, "providers[].outbound_proxy")
PROVIDER_OUTBOUND_PORT = _provider("uiOUTBOUND_PROXY_PORT", Kind.INT,
                                   "providers[].outbound_proxy")
# Not in Gigaset's template: Wazo's writes it, value 17 with the comment "UDP".
PROVIDER_TRANSPORT = Param(_P + "ucSIP_PREFERRED_TRANSPORT_LAYER", Kind.INT,
                           "providers[].transport", source="wazo-n720")

# -- per-provider settings (providers[].stun, .dtmf ...) -----------------------------------
# STUN, per provider profile: Gigaset's template writes the four items with STUN off
# (ucSIP_USE_STUN 0, an empty server, port 0x0d96 = 3478, timer 0x00F0 = 240 s). That 1
# switches STUN on is read from the item's name: no public file writes it (unverified).
PROVIDER_STUN = _provider("ucSIP_USE_STUN", Kind.BIT, "providers[].stun", verified=False)
PROVIDER_STUN_SERVER = _provider("aucSTUN_SERVER[%]", Kind.STRING, "providers[].stun")
PROVIDER_STUN_PORT = _provider("uiSTUN_SERVER_PORT", Kind.INT, "providers[].stun")
PROVIDER_STUN_REFRESH = _provider("uiRE_STUN_TIMER", Kind.INT, "providers[].stun")
# DTMF: one mode for every provider profile (BS_VOIP_Data, not astVoipProviders[n]).
# Gigaset's template writes the automatic mode on, and beside it, as a comment, the bit
# mask of the fixed modes: "Audio=1, RFC2833=2, SIP-INFO=4". A fixed mode is written with
# the automatic mode off, as Wazo's N510 template writes it (unverified for the N720).
DTMF_AUTO = Param("BS_VOIP_Data.ucB_DTMF_TX_MODE_AUTO", Kind.BIT, "providers[].dtmf",
                  source="wazo-n720-3cb9e3f0")
DTMF_MODE = Param("BS_VOIP_Data.ucI_DTMF_TX_MODE_BITS", Kind.INT, "providers[].dtmf",
                  source="wazo-n720-3cb9e3f0")

# What each family writes for a typed provider setting; a value missing here is refused
# for the N720 (site_problems), never guessed. `None` for DTMF: no mask, automatic mode.
TRANSPORT_CODES = {"udp": 17}
DTMF_CODES: dict[str, int | None] = {"auto": None, "inband": 1, "rfc2833": 2, "sip-info": 4}

_A = "BS_VOIP_Data.astVoipAccounts[{slot}]."
ACCOUNT_ACTIVE = Param(_A + "ucB_SIP_ACCOUNT_IS_ACTIVE_1", Kind.BIT, "handsets[].enabled")
ACCOUNT_LOGIN = Param(_A + "aucS_SIP_LOGIN_ID[0]", Kind.STRING, "handsets[].login")
ACCOUNT_PASSWORD = Param(_A + "aucS_SIP_PASSWORD[0]", Kind.STRING, "handsets[].password")
ACCOUNT_USER_ID = Param(_A + "aucS_SIP_USER_ID[0]", Kind.STRING, "handsets[].user_id")
ACCOUNT_DISPLAY_NAME = Param(_A + "aucS_SIP_DISPLAYNAME[0]", Kind.STRING,
                             "handsets[].display_name")
ACCOUNT_PROVIDER = Param(_A + "ucVoipProviderIndex", Kind.INT, "handsets[].provider")
ACCOUNT_MAILBOX = Param(_A + "aucS_VOIP_NET_AM_NUMBER_1[0]", Kind.STRING, "handsets[].voicemail")
ACCOUNT_MAILBOX_ON = Param(_A + "ucB_VOIP_NET_AM_ENABLED_1", Kind.BIT, "handsets[].voicemail")
ACCOUNT_NAME = Param(_A + "aucS_SIP_ACCOUNT_NAME_1[0]", Kind.STRING, "handsets[].account_name")
HANDSET_CODE = Param("BS_Accounts.astAccounts[{slot}].aucHandsetCode[0]", Kind.BYTES,
                     "handsets[].ipui")

SITE_PARAMS = (PIN_RANDOM, PIN_CODE, WINDOW_START, WINDOW_DURATION)

# -- site settings --------------------------------------------------------------------
# `field` is the site key's path; each one is a `setting` in the plan.


def _setting(item: str, kind: Kind, field: str, source: str = "wazo-n720",
             verified: bool = True) -> Param:
    return Param(item, kind, field, verified, source)


ZONE = _setting("BS_IP_Data.uiI_TIME_TIMEZONE", Kind.HEX, "timezone", verified=False)
DST = _setting("BS_IP_Data.ucB_TIME_USE_AUTOMATIC_DST", Kind.BIT, "time.dst")
NTP_SERVER = _setting("BS_IP_Data.aucS_TIME_NTP_SERVER[%]", Kind.STRING, "time.ntp_server")
NTP_SYNC = _setting("BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN", Kind.BIT, "time.ntp_server")
ADMIN_PASSWORD = _setting("BS_CUSTOM.WebUIPassword", Kind.STRING, "admin_password")
DATA_SERVER = _setting("BS_IP_Data.aucS_DATA_SERVER[%]", Kind.STRING, "provisioning.server",
                       source="wazo-n720-3cb9e3f0")
CHECK_UPDATES = _setting("BS_IP_Data.ucB_DO_CHECK_FOR_PROFILE_UPDATES", Kind.BIT,
                         "provisioning.check_updates")
VLAN_ON = _setting("BS_IP_Data.ucB_VLAN_ENABLED", Kind.BIT, "network.vlan")
VLAN_ID = _setting("BS_IP_Data.uiI_VLAN_ID", Kind.HEX, "network.vlan")
VLAN_PRIORITY = _setting("BS_IP_Data.ucI_VLAN_PRIORITY", Kind.INT, "network.vlan")
TONES = _setting("BS_AE_SwConfig.ucCountryCodeTone", Kind.INT, "locale.tones",
                 source="xivo-gigaset-nxxx", verified=False)
DIAL_PLAN = _setting("BS_IP_Data.ucI_DIALING_PLAN_COUNTRY_ID", Kind.HEX,
                     "locale.dial_plan_country")
# Elements of their own, not SYMB_ITEMs: <S_SPECIAL_DATA_SRV_IWU class="string" value=.../>
FIRMWARE_IWU = _setting("S_SPECIAL_DATA_SRV_IWU", Kind.STRING, "firmware_update.iwu")
FIRMWARE_SAT = _setting("S_SPECIAL_DATA_SRV_SAT", Kind.STRING, "firmware_update.sat")
FIRMWARE_ELEMENTS = (FIRMWARE_IWU, FIRMWARE_SAT)

# An XML directory, as Wazo's N720 template writes its phonebook: the fixed values are
# the template's.
_X = "BS_XML_Netdirs."
_XP = _X + "astNetdirProvider[0]."
XML_DIRECTORY_FIXED = tuple((_setting(_X + item, Kind.HEX, "directory"), value) for item, value in (
    ("aucAvailableNetdirs[%]", 0x2A), ("aucActivatedNetdirs[%]", 0x2A),
    ("aucNetdirSelForDirectAccess[%]", 0x2A), ("aucNetdirSelForIntKey[%]", 0x2A),
    ("aucNetdirSelForAutoLookup[%]", 0x0)))
XML_DIRECTORY_NAME = _setting(_XP + "aucProviderName[%]", Kind.STRING, "directory.name")
XML_DIRECTORY_LISTS = tuple(_setting(_XP + item, Kind.STRING, "directory.name") for item in (
    "aucWhitePagesDirName[%]", "aucYellowPagesDirName[%]", "aucPrivatePagesDirName[%]"))
# Written empty: no source gives the authentication code for a directory that logs in.
XML_DIRECTORY_USER = _setting(_XP + "aucUsername[%]", Kind.STRING, "directory")
XML_DIRECTORY_PASSWORD = _setting(_XP + "aucPassword[%]", Kind.STRING, "directory")
XML_DIRECTORY_URL = _setting(_XP + "aucServerURL[%]", Kind.STRING, "directory.url")
XML_DIRECTORY_AUTH = _setting(_XP + "ucAuthPossibilities", Kind.INT, "directory")
XML_DIRECTORY_COUNTRY = _setting(_XP + "aucCountryCode[%]", Kind.STRING, "directory")
XML_DIRECTORY_CAPABILITIES = tuple(
    (_setting(_XP + "bitfldCap." + item, Kind.BIT, "directory"), value) for item, value in (
        ("bSearchPeopleCap", 1), ("bSearchBusinessCap", 1), ("bReverseSearchCap", 1),
        ("bAutolookupCap", 0), ("bPrivateDirectoryCap", 0),
        ("bPrivateDirectoryNicknameCap", 0), ("bSndMacAddress", 1), ("bEncryptPosts", 0)))
# An LDAP directory: the block Gigaset's own template carries commented out, as written
# there (the directory's index as [%]).
_L = "BS_LDAP_Netdirs.astNetdirProvider[%]."


def _ldap(item: str, kind: Kind, field: str) -> Param:
    return _setting(_L + item, kind, field, source="wazo-n720-3cb9e3f0", verified=False)


LDAP_NAME = _ldap("aucDirName[%]", Kind.STRING, "directory.name")
LDAP_USER = _ldap("aucUsername[%]", Kind.STRING, "directory.user")
LDAP_PASSWORD = _ldap("aucPassword[%]", Kind.STRING, "directory.password")
LDAP_SERVER = _ldap("aucServerURL[%]", Kind.STRING, "directory.server")
LDAP_PORT = _ldap("uiServerPort", Kind.INT, "directory.port")
LDAP_BASE_DN = _ldap("aucBaseDN[%]", Kind.STRING, "directory.base_dn")
LDAP_DEFAULT_PORT = 389  # the template's

SETTING_PARAMS = (
    ZONE, DST, NTP_SERVER, NTP_SYNC, ADMIN_PASSWORD, DATA_SERVER, CHECK_UPDATES, VLAN_ON,
    VLAN_ID, VLAN_PRIORITY, TONES, DIAL_PLAN, *FIRMWARE_ELEMENTS,
    *(param for param, _ in XML_DIRECTORY_FIXED), XML_DIRECTORY_NAME, *XML_DIRECTORY_LISTS,
    XML_DIRECTORY_USER, XML_DIRECTORY_PASSWORD, XML_DIRECTORY_URL, XML_DIRECTORY_AUTH,
    XML_DIRECTORY_COUNTRY, *(param for param, _ in XML_DIRECTORY_CAPABILITIES),
    LDAP_NAME, LDAP_USER, LDAP_PASSWORD, LDAP_SERVER, LDAP_PORT, LDAP_BASE_DN,
)
SETTING_FIELDS = frozenset(param.field for param in SETTING_PARAMS)
# The zone's name, which the site settings' title carries beside the index (no item: an
# ID without a dot, which no `extra:` name is). Two zones of one index are one file's
# difference, and so one the plan names.
ZONE_NAME = "ZONE_NAME"

# BS_IP_Data.uiI_TIME_TIMEZONE is an index into the DM's own list of zones. Wazo's table
# (source "wazo-gigaset-common", _TZ_GIGASET) gives one index per UTC offset, (hours,
# minutes) east of UTC without daylight saving time; the template writes it in hex.
ZONE_INDEX = {
    (-12, 0): 0x00, (-11, 0): 0x01, (-10, 0): 0x02, (-9, 0): 0x03, (-8, 0): 0x04,
    (-7, 0): 0x07, (-6, 0): 0x09, (-5, 0): 0x0D, (-4, 0): 0x10, (-3, 0): 0x12,
    (-2, 0): 0x16, (-1, 0): 0x18, (0, 0): 0x1A, (1, 0): 0x1B, (2, 0): 0x20, (3, 0): 0x28,
    (4, 0): 0x2C, (4, 30): 0x2D, (5, 0): 0x2F, (5, 30): 0x30, (5, 45): 0x31, (6, 0): 0x33,
    (6, 30): 0x35, (7, 0): 0x36, (8, 0): 0x38, (9, 0): 0x3D, (9, 30): 0x40, (10, 0): 0x43,
    (11, 0): 0x47, (12, 0): 0x48, (13, 0): 0x50,
}
ZONE_INDEX_SOURCE = "wazo-gigaset-common"
# BS_AE_SwConfig.ucCountryCodeTone: the tone selection, from the comment of a Gigaset
# template for the N510 and N720 (source "xivo-gigaset-nxxx"): "International=0, US=1,
# CH=2, AUS=4, ES=6, FR=7, UK=8, NL=9, PL=10, Russia=11, DE=12, IT=13".
TONE_CODES = {
    "International": 0, "United States": 1, "Switzerland": 2, "Australia": 4, "Spain": 6,
    "France": 7, "United Kingdom": 8, "Netherlands": 9, "Poland": 10, "Russia": 11,
    "Germany": 12, "Italy": 13,
}
# BS_IP_Data.ucI_DIALING_PLAN_COUNTRY_ID: only "Other country" has a published code (both
# N720 templates write 0xff; the same Gigaset template names it).
DIAL_PLAN_CODES = {"other": 0xFF}
PROVIDER_PARAMS = (
    PROVIDER_NAME, PROVIDER_DOMAIN, PROVIDER_PROXY, PROVIDER_PROXY_PORT, PROVIDER_REGISTRAR,
    PROVIDER_REGISTRAR_PORT, PROVIDER_REREGISTER, PROVIDER_OUTBOUND_MODE, PROVIDER_OUTBOUND,
    PROVIDER_OUTBOUND_PORT, PROVIDER_TRANSPORT, PROVIDER_STUN, PROVIDER_STUN_SERVER,
    PROVIDER_STUN_PORT, PROVIDER_STUN_REFRESH,
)
# Items of every provider profile at once, written after the profiles.
ALL_PROVIDERS_PARAMS = (DTMF_AUTO, DTMF_MODE)
# The order in which a slot's items are written: the account, then the handset code.
SLOT_PARAMS = (
    ACCOUNT_ACTIVE, ACCOUNT_LOGIN, ACCOUNT_PASSWORD, ACCOUNT_USER_ID, ACCOUNT_DISPLAY_NAME,
    ACCOUNT_PROVIDER, ACCOUNT_MAILBOX, ACCOUNT_MAILBOX_ON, ACCOUNT_NAME, HANDSET_CODE,
)
ALL_PARAMS = (SITE_PARAMS + PROVIDER_PARAMS + ALL_PROVIDERS_PARAMS + SLOT_PARAMS
              + SETTING_PARAMS)

# Encodings and behaviour taken from third-party templates or inferred, not from the vendor.
# The README's table of unverified facts lists every key, with what dectprov does about it.
UNVERIFIED_FACTS = {
    "outbound_proxy_mode": "0 = always use the outbound proxy, 2 = never (vendor default); "
                           "Wazo's template writes 2 even when it sets an outbound proxy",
    "transport_codes": "17 = UDP (Wazo's template says so in a comment); TCP and "
                       "TLS codes are not known",
    "provider_profiles": "the DM holds 10 provider profiles (indexes 0..9)",
    "version_skip": "whether the DM skips a file whose VERSION it already applied",
    "attribute_entities": "whether the DM decodes &amp; &apos; &lt; &gt; inside values; "
                          "Wazo's N720 template writes a raw & in its firmware URLs",
    "index_forms": "that [0] and [%] both write a string field whole: Gigaset's FAQ writes "
                   "account strings with [0], its template provider strings with [%]",
    "stun_on": "ucSIP_USE_STUN 1 switches STUN on (the template writes only 0)",
    "dtmf_fixed_mode": "ucB_DTMF_TX_MODE_AUTO 0 makes the DM send DTMF as "
                       "ucI_DTMF_TX_MODE_BITS says (Wazo's N510 template, "
                       "plugins/wazo_gigaset/N510/templates/base.tpl, writes the pair so; the "
                       "N720 templates write only the automatic mode)",
    "unsourced_provider_settings": "no public source gives the N720's SRTP items nor which "
                                   "vocoder code is which codec: providers' srtp and codecs "
                                   "are refused, as are transport tcp and tls",
    "window_repeated_hour": "the window stamp is DM local time with no offset: which of the "
                            "two the DM takes when it names the hour its clocks repeat",
    "window_with_pin_handsets": "Wazo removed the window items from its N720 template because "
                                "they made handset registration impossible (commit "
                                "ebc32d40); for which handsets, and why, is not documented",
    "zone_index": "the index of uiI_TIME_TIMEZONE per UTC offset is Wazo's table; which "
                  "zone, and so which daylight-saving rule, the DM attaches to an index is "
                  "not published, and a template for the N510 gives other indexes for "
                  "UTC-4, -3, +4, +5, +7 and +8",
    "tone_codes": "the codes of ucCountryCodeTone come from a template whose other items "
                  "are the N510's",
    "ldap_directory": "the LDAP items come from a block Gigaset's template leaves "
                      "commented out; no source shows how the DM activates that directory",
}

TRANSPORT_UDP = TRANSPORT_CODES["udp"]
OUTBOUND_PROXY_ALWAYS = 0
OUTBOUND_PROXY_NEVER = 2
PROVIDER_PROFILES = 10
SLOTS = 100


def _id_pattern(template: str) -> re.Pattern[str]:
    """An ID as the device may read it: with `[0]` at its end or none (Gigaset's own files
    write both), in any case, so that `extra:` cannot write an owned item under a near
    copy of its name."""
    text = re.escape(template.replace("[%]", "[0]"))
    text = text.replace(re.escape("{slot}"), "(?P<slot>[0-9]+)")
    text = text.replace(re.escape("{provider}"), "(?P<provider>[0-9]+)")
    text = text.removesuffix(re.escape("[0]"))
    # A scalar written with an index, `...MODE_AUTO[0]`, is the same item too.
    return re.compile(text + r"(?:\[0\])?", re.IGNORECASE)


@functools.cache
def _owned() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each parameter's ID pattern, with its field: compiled when an `extra:` item is
    first checked, not by every run that imports the table."""
    return tuple((_id_pattern(p.id), p.field) for p in ALL_PARAMS)


def _match(param_id: str) -> tuple[re.Match[str], str] | None:
    # `[0]` and `[%]` write a field from its start, `[n]` from offset n: each writes the
    # field, so every one of them is owned when the field is.
    # An index with a `%` in it (`[%%]`, `[0%]`: the format admits them) is read as `%`.
    normalised = re.sub(r"\[[0-9]*%[0-9%]*\]", "[0]", param_id)
    normalised = re.sub(r"\[[0-9]+\]$", "[0]", normalised)
    for pattern, field in _owned():
        match = pattern.fullmatch(normalised)
        if match is not None:
            return match, field
    return None


def owning_param(param_id: str) -> Param | None:
    """The parameter whose field `param_id` writes, in whatever form."""
    normalised = re.sub(r"\[[0-9]*%[0-9%]*\]", "[0]", param_id)
    normalised = re.sub(r"\[[0-9]+\]$", "[0]", normalised)
    return next((param for param, (pattern, _) in zip(ALL_PARAMS, _owned(), strict=True)
                 if pattern.fullmatch(normalised)), None)


def owning_field(param_id: str) -> str | None:
    """The site key that owns `param_id`, or None when `extra:` may set it."""
    found = _match(param_id)
    return found[1] if found else None


@functools.lru_cache(maxsize=8192)  # a fleet's files share a few thousand IDs
def scope(param_id: str) -> tuple[str, int | None, str]:
    """How the plan groups a changed item: (slot|provider|pin|window|profile|extra, index,
    field). `profile_name` is the PROFILE_NAME element, not an item."""
    if param_id == "PROFILE_NAME":
        return "profile", None, "profile_name"
    if param_id == ZONE_NAME:
        return "setting", None, "timezone"
    written = _written().get(param_id)
    return written if written is not None else matched_scope(param_id)


def matched_scope(param_id: str) -> tuple[str, int | None, str]:
    """scope() of an ID in any form the device reads, by the parameters' patterns."""
    found = _match(param_id)
    if found is None:
        return "extra", None, param_id
    match, field = found
    groups = match.groupdict()
    return _scope(field, int(groups["slot"]) if "slot" in groups else None,
                  int(groups["provider"]) if "provider" in groups else None)


def _scope(field: str, slot: int | None, provider: int | None) -> tuple[str, int | None, str]:
    name = field.rsplit(".", 1)[-1].removeprefix("handsets[]").removeprefix("providers[]")
    if slot is not None:
        return "slot", slot, name or "handset"
    if provider is not None:
        return "provider", provider, name or "transport"
    if field.startswith("providers[]"):  # one item for every provider profile
        return "provider", None, name
    if field in SETTING_FIELDS:
        return "setting", None, field
    return ("pin" if field == "registration.pin" else "window"), None, name


@functools.cache
def _written() -> dict[str, tuple[str, int | None, str]]:
    """scope() of each ID exactly as a build writes it, for every slot and provider
    profile: a file's items are looked up rather than matched against every pattern (a
    test keeps the two equal)."""
    table: dict[str, tuple[str, int | None, str]] = {}
    for param in ALL_PARAMS:
        slots = range(SLOTS) if "{slot}" in param.id else (None,)
        providers = range(PROVIDER_PROFILES) if "{provider}" in param.id else (None,)
        for slot in slots:
            for provider in providers:
                table.setdefault(param.id.format(slot=slot, provider=provider),
                                 _scope(param.field, slot, provider))
    return table
