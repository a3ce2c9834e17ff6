"""The Nx70 DECT managers' vocabulary (N870, N870E, N770, N670, N610): every parameter
name the compiler writes, in one table.

`verified` is False for names and encodings known only from a long-running third-party
provisioning server's templates. `field` names the site key that owns the name, so that
`extra:` cannot set it behind the model's back. `{ipui}` is the handset's IPUI in lower
case, `{provider}` the provider profile's index.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    name: str
    field: str
    verified: bool = True
    source: str = "wazo-nx70"  # a key of targets.sources.SOURCES


# Handsets, keyed by IPUI. `add_hs` and `update_dm` are operations (<oper>), the rest params.
REGISTER = Param("add_hs", "handsets[].ipui")
REGISTER_STATUS = Param("hs.RegStatus", "handsets[].ipui")
DEREGISTER = Param("hs.{ipui}.RegStatus", "handsets[].ipui")
PIN = Param("hs.{ipui}.DECT_AC", "registration.pin")
AUTH_NAME = Param("SipAccount.{ipui}.AuthName", "handsets[].login")
AUTH_PASSWORD = Param("SipAccount.{ipui}.AuthPassword", "handsets[].password")
USER_NAME = Param("SipAccount.{ipui}.UserName", "handsets[].user_id")
DISPLAY_NAME = Param("SipAccount.{ipui}.DisplayName", "handsets[].display_name")
PROVIDER_ID = Param("SipAccount.{ipui}.ProviderId", "handsets[].provider")
MAILBOX = Param("SipAccount.{ipui}.VoiceMailMailbox", "handsets[].voicemail")
MAILBOX_ON = Param("SipAccount.{ipui}.VoiceMailActive", "handsets[].voicemail")

_S = "SipProvider.{provider}."
PROVIDER_NAME = Param(_S + "Name", "providers[].name")
PROVIDER_DOMAIN = Param(_S + "Domain", "providers[].domain")
PROVIDER_PROXY = Param(_S + "ProxyServerAddress", "providers[].proxy")
PROVIDER_PROXY_PORT = Param(_S + "ProxyServerPort", "providers[].proxy")
PROVIDER_REGISTRAR = Param(_S + "RegServerAddress", "providers[].registrar")
PROVIDER_REGISTRAR_PORT = Param(_S + "RegServerPort", "providers[].registrar")
PROVIDER_REREGISTER = Param(_S + "RegServerRefreshTimer", "providers[].reregister_seconds")
PROVIDER_TRANSPORT = Param(_S + "TransportProtocol", "providers[].transport")
PROVIDER_OUTBOUND_MODE = Param(_S + "OutboundProxyMode", "providers[].outbound_proxy",
                               verified=False)
PROVIDER_OUTBOUND = Param(_S + "OutboundProxyAddress", "providers[].outbound_proxy")
PROVIDER_OUTBOUND_PORT = Param(_S + "OutboundProxyPort", "providers[].outbound_proxy")
# Per-provider settings, as Wazo's template writes them: SRTP_Enabled 1 or 0 with
# AcceptNonSRTPCalls 0 beside it, DTMFTransmission and TransportProtocol by common.py's
# tables (_SIP_DTMF_MODE, _SIP_TRANSPORT).
PROVIDER_SRTP = Param(_S + "SRTP_Enabled", "providers[].srtp")
PROVIDER_SRTP_ONLY = Param(_S + "AcceptNonSRTPCalls", "providers[].srtp")
PROVIDER_DTMF = Param(_S + "DTMFTransmission", "providers[].dtmf")

# The window opens at RegStart (Unix seconds) and closes at RegStart + RegDuration: Gigaset's
# wiki, whose example ends the operation with DMPpasswd, "Password DECT manager", "Gigaset";
# Wazo's template writes the same three params with the same password.
WINDOW = Param("update_dm", "registration.window", source="gigaset-wiki-window")
WINDOW_START = Param("RegStart", "registration.window.start", source="gigaset-wiki-window")
WINDOW_DURATION = Param("RegDuration", "registration.window.duration",
                        source="gigaset-wiki-window")
WINDOW_DM_PASSWORD = Param("DMPpasswd", "registration.window", verified=False,
                           source="gigaset-wiki-window")
AUTHORITATIVE = Param("DeleteNotProvisionedHS", "authoritative")

# -- site settings (`field` is the site key's path; each is a `setting` in the plan) ------
ZONE = Param("DmGlobal.0.TimeZone", "timezone")
NTP_SERVER = Param("DmGlobal.0.NtpServer", "time.ntp_server")
ADMIN_PASSWORD = Param("WebUIAccounts.1.Password", "admin_password")
PROVISIONING_SERVER = Param("Provisioning.global.ProvisioningServer", "provisioning.server")
TONES = Param("Telephony.0.ToneScheme", "locale.tones")
DIRECTORY_ON = Param("Netdir.1.Activated", "directory")
DIRECTORY_NAME = Param("XMLDir.1.ProviderName", "directory.name")
DIRECTORY_URL = Param("XMLDir.1.ServerURL", "directory.url")
DIRECTORY_LIST = Param("XMLDir.1.WhitePagesDirName", "directory.name")
DIRECTORY_START = Param("XMLDir.1.StartWithListWP", "directory")
# <firmware><file version=... url=.../></firmware>, before <nvm>: not a param; read back
# under these names.
FIRMWARE_VERSION = Param("firmware.version", "firmware_update.version")
FIRMWARE_URL = Param("firmware.url", "firmware_update.url")
SETTING_PARAMS = (ZONE, NTP_SERVER, ADMIN_PASSWORD, PROVISIONING_SERVER, TONES, DIRECTORY_ON,
                  DIRECTORY_NAME, DIRECTORY_URL, DIRECTORY_LIST, DIRECTORY_START,
                  FIRMWARE_VERSION, FIRMWARE_URL)
SETTING_FIELDS = frozenset(param.field for param in SETTING_PARAMS)

# Telephony.0.ToneScheme: the values of Wazo's _LOCALE (common.py) that name a country.
TONE_SCHEMES = {"Germany": "Germany", "France": "France", "Spain": "Spain"}

HANDSET_PARAMS = (AUTH_NAME, AUTH_PASSWORD, USER_NAME, DISPLAY_NAME, PROVIDER_ID, MAILBOX,
                  MAILBOX_ON)
PROVIDER_PARAMS = (
    PROVIDER_NAME, PROVIDER_DOMAIN, PROVIDER_PROXY, PROVIDER_PROXY_PORT, PROVIDER_REGISTRAR,
    PROVIDER_REGISTRAR_PORT, PROVIDER_REREGISTER, PROVIDER_TRANSPORT, PROVIDER_OUTBOUND_MODE,
    PROVIDER_OUTBOUND, PROVIDER_OUTBOUND_PORT, PROVIDER_SRTP, PROVIDER_SRTP_ONLY, PROVIDER_DTMF,
)
ALL_PARAMS = (REGISTER, REGISTER_STATUS, DEREGISTER, PIN, *HANDSET_PARAMS, *PROVIDER_PARAMS,
              WINDOW, WINDOW_START, WINDOW_DURATION, WINDOW_DM_PASSWORD, AUTHORITATIVE,
              *SETTING_PARAMS)

# The zones DmGlobal.0.TimeZone is known to take: the names Wazo's Nx70 plugin writes
# (common.py, _VALID_TZ_GIGASET; source "wazo-nx70"). Another zone is not written: the DM
# keeps its own, and validate says so (RegStart is UTC, so the window needs no zone).
ZONES = frozenset({
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
    "America/Chicago", "America/New_York", "America/Caracas", "America/Sao_Paulo",
    "Europe/Belfast", "Europe/Dublin", "Europe/Guernsey", "Europe/Isle_of_Man",
    "Europe/Jersey", "Europe/Lisbon", "Europe/London", "Greenwich", "Europe/Amsterdam",
    "Europe/Andorra", "Europe/Belgrade", "Europe/Berlin", "Europe/Bratislava",
    "Europe/Brussels", "Europe/Budapest", "Europe/Busingen", "Europe/Copenhagen",
    "Europe/Gibraltar", "Europe/Ljubljana", "Europe/Luxembourg", "Europe/Madrid",
    "Europe/Malta", "Europe/Monaco", "Europe/Oslo", "Europe/Paris", "Europe/Podgorica",
    "Europe/Prague", "Europe/Rome", "Europe/San_Marino", "Europe/Sarajevo",
    "Europe/Skopje", "Europe/Stockholm", "Europe/Tirane", "Europe/Vaduz", "Europe/Vatican",
    "Europe/Vienna", "Europe/Warsaw", "Europe/Zagreb", "Europe/Zurich", "Africa/Cairo",
    "Europe/Athens", "Europe/Bucharest", "Europe/Chisinau", "Europe/Helsinki",
    "Europe/Kaliningrad", "Europe/Kiev", "Europe/Mariehamn", "Europe/Nicosia",
    "Europe/Riga", "Europe/Sofia", "Europe/Tallinn", "Europe/Tiraspol", "Europe/Uzhgorod",
    "Europe/Vilnius", "Europe/Zaporozhye", "Europe/Istanbul", "Europe/Kirov",
    "Europe/Minsk", "Europe/Moscow", "Europe/Simferopol", "Europe/Volgograd", "Asia/Dubai",
    "Europe/Astrakhan", "Europe/Samara", "Europe/Ulyanovsk", "Asia/Karachi", "Asia/Dhaka",
    "Asia/Hong_Kong", "Asia/Tokyo", "Australia/Adelaide", "Australia/Darwin",
    "Australia/Brisbane", "Australia/Sydney", "Pacific/Noumea",
})

# Encodings and behaviour taken from third-party templates or inferred, not from the vendor.
# The README's table of unverified facts lists every key, with what dectprov does about it.
UNVERIFIED_FACTS = {
    "file_name_case": "the DM asks for <MAC>.xml; servers in production serve the MAC in "
                      "lower case, the case of the device's own request is not documented",
    "outbound_proxy_mode": "0 = use the outbound proxy, 2 = never",
    "resend_add_hs": "re-sending add_hs ToReg for a registered handset is harmless",
    "wildcard_registration": "registering a handset without a known IPUI (its XML form)",
    "unsourced_provider_settings": "no public source gives the family's codec or STUN "
                                   "parameters, nor an automatic DTMF code: providers' codecs "
                                   "and stun are refused, as is dtmf auto",
    "longest_window": "the longest RegDuration the DM takes; RegDuration 0 is not 'never "
                      "closes' (the window ends at RegStart + RegDuration)",
    "dm_password": "DMPpasswd in update_dm: both sources write 'Gigaset'; whether the DM "
                   "checks it, and against which password, is not documented",
    "voicemail_off": "VoiceMailActive 0 switches the mailbox off: the sources write only 1",
    "zones": "which IANA names DmGlobal.0.TimeZone takes: Wazo's plugin writes only the "
             "zones of its _VALID_TZ_GIGASET and another of the same offset for the rest; "
             "dectprov writes only those names, and warns that another zone is not written",
}

# What the family writes for a typed provider setting; a value missing here is refused
# for the Nx70 (site_problems), never guessed. common.py has no automatic DTMF mode.
TRANSPORT_CODES = {"udp": 1, "tcp": 2, "tls": 3}
DTMF_CODES = {"inband": 1, "rfc2833": 2, "sip-info": 4}
SRTP_ACCEPT_PLAIN = 0  # AcceptNonSRTPCalls: the template writes 0, with SRTP on or off
TRANSPORT_UDP = TRANSPORT_CODES["udp"]
DM_PASSWORD = "Gigaset"  # DMPpasswd, as Gigaset's wiki and Wazo's template write it
MAILBOX_ACTIVE, MAILBOX_INACTIVE = 1, 0
OUTBOUND_PROXY_ALWAYS = 0
OUTBOUND_PROXY_NEVER = 2
PROVIDER_PROFILES = 10
CAPACITY = {"N870": 250, "N870E": 250, "N770": 100, "N670": 20, "N610": 8}
# An `extra:` name: dotted words and indexes, such as `DmGlobal.0.NtpServer`.
EXTRA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+")


def _pattern(template: str) -> re.Pattern[str]:
    text = re.escape(template)
    text = text.replace(re.escape("{ipui}"), "(?P<ipui>[0-9a-fA-F]{10})")
    text = text.replace(re.escape("{provider}"), "(?P<provider>[0-9]+)")
    # In any case: `extra:` may not write an owned parameter under a near copy of its name.
    return re.compile(text, re.IGNORECASE)


@functools.cache
def _owned() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each parameter's name pattern, with its field: compiled when an `extra:` item is
    first checked, not by every run that imports the table."""
    return tuple((_pattern(p.name), p.field) for p in ALL_PARAMS)


@functools.lru_cache(maxsize=8192)
def match(name: str) -> tuple[re.Match[str], str] | None:
    for pattern, field in _owned():
        found = pattern.fullmatch(name)
        if found is not None:
            return found, field
    return None


def owning_field(name: str) -> str | None:
    """The site key that owns a parameter name, or None when `extra:` may set it."""
    found = match(name)
    return found[1] if found else None
