"""The parameter table read backwards, for `dectprov import`: the items of an N720 file
become site data (plain dicts in the site format), slot by slot. What the site format
cannot say is a diagnostic at the item's line; nothing is guessed or dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from compiler.diagnostics import Diagnostic, Severity
from compiler.ipui import Ipui, parse_ipui
from compiler.model import (
    DEFAULT_REREGISTER_SECONDS,
    DEFAULT_SIP_PORT,
    DEFAULT_STUN_PORT,
    WINDOW_START_FORMAT,
    Endpoint,
)
from compiler.targets import Mapped, MappedSlot, Origin
from compiler.targets.common import SECRET_ID, is_control, read_header
from compiler.targets.n720 import TARGET
from compiler.targets.n720 import params as P
from compiler.targets.n720.import_settings import import_settings
from compiler.targets.n720.reader import Element, ReadFile
from compiler.text import clip, shown_path

# The site file a header comment names (common.read_header), and the slot comments of a
# file dectprov wrote (the N720 target's slot titles): a deregistered IPUI is named only
# there.
_OUR_SITE_FILE = re.compile(r"sites/(?P<site>[a-z0-9][a-z0-9-]{0,62})\.yaml")
_RELEASED = re.compile(r" slot (?P<slot>[0-9]+): .*, handset (?P<ipui>0[0-9A-F]{9}) deregistered ")

_STRING = re.compile(r'"([^"]*)"')
_INTEGER = re.compile(r"[0-9]+|0x[0-9A-Fa-f]+")
_SIGNED = re.compile(r"-?[0-9]+|0x[0-9A-Fa-f]+")
_BYTES = re.compile(r"0x[0-9A-Fa-f]{2}(,0x[0-9A-Fa-f]{2})*")
# 12 hex digits, or 6 pairs with ':' or '-' between them (the same separator throughout).
_MAC = re.compile(r"[0-9A-Fa-f]{12}|[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}")
# An item whose ID names a password: its value is never shown, and never goes to `extra`.
_SECRET_ID = SECRET_ID
_BAD = object()  # a value already reported
# The index `%` of `astVoipAccounts[%]` or `astVoipProviders[%]`: every account, every
# provider profile at once (Gigaset's own template writes account defaults this way).
ALL = -1

# What the compiler writes for a slot whose entry is gone (the N720 target's emptied account).
_EMPTIED = (P.ACCOUNT_LOGIN, P.ACCOUNT_PASSWORD, P.ACCOUNT_USER_ID, P.ACCOUNT_DISPLAY_NAME,
            P.ACCOUNT_NAME)
_STUN = (P.PROVIDER_STUN, P.PROVIDER_STUN_SERVER, P.PROVIDER_STUN_PORT, P.PROVIDER_STUN_REFRESH)
_OPTIONAL_TEXT = ((P.ACCOUNT_USER_ID, "user_id"), (P.ACCOUNT_DISPLAY_NAME, "display_name"),
                  (P.ACCOUNT_NAME, "account_name"))
# What an account in use cannot do without: the rest the first build writes from the model.
_REQUIRED = (P.ACCOUNT_LOGIN, P.ACCOUNT_PASSWORD)
# How a warning names an item the file leaves out.
_NAMES = {
    P.ACCOUNT_ACTIVE: "on/off switch", P.ACCOUNT_USER_ID: "user id",
    P.ACCOUNT_DISPLAY_NAME: "display name", P.ACCOUNT_PROVIDER: "provider index",
    P.ACCOUNT_NAME: "account name", P.ACCOUNT_PASSWORD: "password",
    P.PROVIDER_PROXY: "proxy", P.PROVIDER_PROXY_PORT: "proxy port",
    P.PROVIDER_REGISTRAR: "registrar", P.PROVIDER_REGISTRAR_PORT: "registrar port",
    P.PROVIDER_REREGISTER: "re-registration timer",
    P.PROVIDER_OUTBOUND_MODE: "outbound proxy mode", P.PROVIDER_OUTBOUND: "outbound proxy",
    P.PROVIDER_OUTBOUND_PORT: "outbound proxy port", P.PROVIDER_TRANSPORT: "transport",
}


def _pattern(param: P.Param) -> re.Pattern[str]:
    """The IDs that write this parameter. A field's own index, `[0]` or `[%]`, writes it
    from its start, and so does no index at all (Gigaset's FAQ writes
    `aucS_VOIP_NET_AM_NUMBER_1`); an account's or provider's index may be `%`, all of them."""
    text = re.escape(param.id)
    for index in (re.escape("[%]"), re.escape("[0]")):
        if text.endswith(index):
            text = text[: -len(index)] + r"(?:\[[%0]\])?"
    for name in ("slot", "provider"):
        text = text.replace(re.escape("{" + name + "}"), f"(?P<{name}>0|[1-9][0-9]*|%)")
    return re.compile(text)


_TABLE = tuple((param, _pattern(param)) for param in P.ALL_PARAMS)
_LIMITS = {"slot": P.SLOTS, "provider": P.PROVIDER_PROFILES}


def _classify(item_id: str) -> tuple[P.Param, str | None, int | None] | None:
    """The parameter an ID writes, the kind of its index and the index (ALL for `%`)."""
    for param, pattern in _TABLE:
        match = pattern.fullmatch(item_id)
        if match is not None:
            kind = next((k for k in ("slot", "provider") if k in match.groupdict()), None)
            if kind is None:
                return param, None, None
            return param, kind, ALL if match[kind] == "%" else int(match[kind])
    return None


def _either(names: list[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _both(parts: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def shown(text: str) -> str:
    """A value in a message: clipped, on one line."""
    return "'" + "".join(c.encode("unicode_escape").decode() if is_control(c) else c
                         for c in clip(text)) + "'"


def _value(kind: P.Kind, text: str) -> Any:
    """The value of an item of a known kind, or the reason it has none."""
    if kind is P.Kind.STRING:
        return _string(text)
    if kind is P.Kind.BIT:
        return int(text) if text in ("0", "1") else _Problem("is not a bit (0 or 1)")
    if kind in (P.Kind.INT, P.Kind.HEX):
        return _integer(text) if _INTEGER.fullmatch(text) else _Problem(
            "is not a whole number (decimal, or 0x hex)")
    if _BYTES.fullmatch(text):
        return bytes(int(byte, 16) for byte in text.split(","))
    return _Problem("is not a byte array (0xNN,0xNN,...)")


def _string(text: str) -> Any:
    match = _STRING.fullmatch(text)
    if match is not None:
        return match[1]
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return _Problem("holds a double quote inside the string, which the N720 cannot store")
    return _Problem("is not a device string: a string is written in double quotes inside "
                    "the attribute, value='\"text\"'")


def _extra_value(text: str) -> Any:
    """An item the model does not cover keeps its kind: a string, an integer or bytes."""
    if text.startswith('"'):
        return _string(text)
    if _BYTES.fullmatch(text):
        return [int(byte, 16) for byte in text.split(",")]
    if _SIGNED.fullmatch(text):
        if len(text.lstrip("-").removeprefix("0x")) > _MAX_DIGITS:
            return _Problem(f"is a number of {len(text)} characters; no item of the device "
                            f"holds more than {_MAX_DIGITS} digits (64 bits)")
        return _integer(text)
    return _Problem("is neither a device string (in double quotes), a whole number nor a "
                    "byte array (0xNN,...)")


# A 64-bit number has at most 20 decimal digits; a site file's number is read back by the
# loader only up to a bound (load.py), and Python's int() refuses 4,300 digits.
_MAX_DIGITS = 20


def _integer(text: str) -> int:
    return int(text[2:], 16) if text.startswith("0x") else int(text)


@dataclass(frozen=True)
class _Problem:
    message: str


def to_site(read: ReadFile, display: str, provider: str | None = None) -> Mapped:
    """Site data from the file's items; every problem of every item is reported.
    `provider`: the domain of the PBX the accounts of a file without a provider profile
    use (`--provider`)."""
    mapper = _Mapper(read, display, provider)
    mapper.collect()
    mapper.all_at_once()
    mapper.header()
    mapper.elements_of_provider()
    mapper.registration()
    import_settings(mapper, _BAD)
    mapper.providers()
    mapper.slots()
    mapper.admin_password()
    mapper.extra_items()
    at = read.provider_at or read.root_at
    if at is not None:  # what no one item says (a count of handsets) is said at <Provider>
        mapper.result.where.setdefault("", Origin(at[0], "", at[1]))
    return mapper.result


# The web UI's admin password: a secret, never a value in git.
_ADMIN = P.ADMIN_PASSWORD
# The parameters the steps below read back: a provider's, those of all providers (DTMF), a
# slot's, these of the site, and the site settings (import_settings).
# Any other of the table is reported, never dropped: a parameter added to the table is not
# read back until a step maps it.
_READ = frozenset((P.PIN_RANDOM, P.PIN_CODE, P.WINDOW_START, P.WINDOW_DURATION,
                   *P.PROVIDER_PARAMS, *P.ALL_PROVIDERS_PARAMS, *P.SLOT_PARAMS,
                   _ADMIN, *P.SETTING_PARAMS))
# What a build writes of a provider whatever the site says (the model's defaults), after
# its name and domain; the outbound proxy's port only with an outbound proxy.
_PROVIDER_DEFAULTED = (
    P.PROVIDER_PROXY, P.PROVIDER_PROXY_PORT, P.PROVIDER_REGISTRAR, P.PROVIDER_REGISTRAR_PORT,
    P.PROVIDER_REREGISTER, P.PROVIDER_OUTBOUND_MODE, P.PROVIDER_OUTBOUND,
    P.PROVIDER_OUTBOUND_PORT, P.PROVIDER_TRANSPORT,
)


class _Mapper:
    def __init__(self, read: ReadFile, display: str, provider: str | None) -> None:
        self.read = read
        self.display = display
        self.given_provider = provider
        self.result = Mapped()
        # (parameter, index) -> (value, item); the index is ALL for `[%]`, None for a
        # parameter of the site
        self.values: dict[tuple[P.Param, int | None], tuple[Any, Element]] = {}
        self.extra: dict[str, tuple[Any, Element]] = {}
        self.elements: dict[str, Element] = {}
        self.released: dict[int, Ipui] = {}
        self.provider_names: dict[int, str] = {}  # the providers that map
        self.provider_indexes: set[int] = set()  # every provider the file sets

    # -- reporting --------------------------------------------------------------------

    def error(self, element: Element | None, rule: str, message: str,
              severity: Severity = Severity.ERROR) -> None:
        line, column = ((element.line, element.column) if element
                        else self.read.provider_at or self.read.root_at or (None, None))
        path = element.id if element and element.name == "SYMB_ITEM" else ""
        self.result.diagnostics.append(Diagnostic(self.display, line, column, severity,
                                                  rule, path, message))

    def warning(self, element: Element | None, rule: str, message: str) -> None:
        self.error(element, rule, message, Severity.WARNING)

    def origin(self, path: tuple[str | int, ...], element: Element | None) -> None:
        if element is not None:
            self.result.where[shown_path(path)] = Origin(element.line, element.id, element.column)

    def get(self, param: P.Param, index: int | None = None) -> Any:
        """The value the file gives this account's or provider's field: its own item's,
        else the one of the item that sets it for all of them at once."""
        found = self._found(param, index)
        return None if found is None else found[0]

    def element(self, param: P.Param, index: int | None = None) -> Element | None:
        found = self._found(param, index)
        return None if found is None else found[1]

    def own(self, param: P.Param, index: int) -> Element | None:
        found = self.values.get((param, index))
        return None if found is None else found[1]

    def _found(self, param: P.Param, index: int | None) -> tuple[Any, Element] | None:
        found = self.values.get((param, index))
        if found is None and index is not None and index != ALL:
            found = self.values.get((param, ALL))
        return found

    # -- the items ----------------------------------------------------------------------

    def collect(self) -> None:
        first: dict[str, int] = {}
        for element in self.read.elements:
            key = element.id if element.name == "SYMB_ITEM" else f"<{element.name}>"
            if key in first:
                what = "is" if element.name == "SYMB_ITEM" else f"{key} is"
                self.error(element, "import-duplicate", f"{what} set twice (first at line "
                           f"{first[key]}); the device would take one of them")
                continue
            first[key] = element.line
            if element.name != "SYMB_ITEM":
                self.elements[element.name] = element
            else:
                self._item(element)

    def _item(self, element: Element) -> None:
        found = _classify(element.id)
        if found is None:
            self._unknown(element)
            return
        param, kind, index = found
        if param not in _READ:
            self.error(element, "import-unmapped", f"writes the site's '{param.field}', "
                       "which import does not read back yet; remove the item and set "
                       f"'{param.field}' in the site file")
            return
        if kind is not None and index is not None and index >= _LIMITS[kind]:
            self.error(element, "import-index", f"{kind} {index} is beyond the N720's "
                       f"{_LIMITS[kind]} {kind}s (0..{_LIMITS[kind] - 1})")
            return
        if param is P.HANDSET_CODE and index == ALL:
            self.error(element, "import-all-accounts", "sets the handset code of every slot "
                       "at once; the site binds each handset in its own slot: write each "
                       "slot's aucHandsetCode instead")
            return
        key = (param, index)
        if key in self.values:
            self.error(element, "import-duplicate", f"sets the same field as "
                       f"{self.values[key][1].id} (line {self.values[key][1].line})")
            return
        self.values[key] = (self._parsed(element, _value(param.kind, element.value),
                                         _SECRET_ID.search(param.id) is not None), element)

    def _unknown(self, element: Element) -> None:
        """An item the site has no key for: to `extra` as written, with a warning; one
        that writes an owned field in another form, or holds a password, is refused."""
        owner = P.owning_param(element.id)
        if owner is not None:
            self.error(element, "import-owned", f"writes the site's '{owner.field}' in a "
                       f"form the compiler does not read back: it writes {owner.id}, the "
                       "last index [0], [%] or none (the whole field); write that form")
            return
        if _SECRET_ID.search(element.id) is not None and element.value != '""':
            # Its value is shown nowhere, and is not even parsed: it goes nowhere.
            self.error(element, "import-secret", "names a password, which never goes to "
                       "'extra' (the site file, and so git), and the site format has no "
                       "secret for this item: remove the item from the file, or empty it, "
                       "and set the password on the device")
            return
        self.extra[element.id] = (self._parsed(element, _extra_value(element.value), False),
                                  element)

    def _parsed(self, element: Element, value: Any, secret: bool) -> Any:
        if not isinstance(value, _Problem):
            return value
        self.error(element, "import-value",
                   f"{'the value' if secret else shown(element.value)} {value.message}")
        return _BAD

    def all_at_once(self) -> None:
        """An item for every account (or provider) at once, `astVoipAccounts[%].`: the site
        writes each one's own item instead, with the value the file gives it. That is the
        same only where no account's own item comes before it with another value, which
        the later `[%]` item would override."""
        for (param, index), (value, element) in sorted(
                self.values.items(), key=lambda entry: entry[1][1].line):
            if index != ALL or value is _BAD:
                continue
            earlier = sorted((own for (p, i), own in self.values.items()
                              if p is param and i not in (None, ALL)
                              and own[1].line < element.line and own[0] != value
                              and own[0] is not _BAD), key=lambda own: own[1].line)
            if earlier:
                every = "account" if "{slot}" in param.id else "provider"
                self.error(element, "import-all-accounts", f"sets this field of every {every} "
                           f"after an own item of another value ({earlier[0][1].id}, line "
                           f"{earlier[0][1].line}), which it would override; the site writes "
                           "each one's own value: move this item before the others, or "
                           "remove it")

    def header(self) -> None:
        named = read_header(self.read.header or "")
        if named is None:
            return  # not a file dectprov wrote: revision 1, and the site must be named
        source, self.result.revision = named
        site = _OUR_SITE_FILE.fullmatch(source)
        self.result.header_site = site["site"] if site else None
        for comment in self.read.comments:
            released = _RELEASED.fullmatch(comment)
            parsed = parse_ipui(released["ipui"]) if released else None
            if released and isinstance(parsed, Ipui):
                self.released[int(released["slot"])] = parsed

    def elements_of_provider(self) -> None:
        """MAC_ADDRESS, VERSION and PROFILE_NAME."""
        mac = self.elements.get("MAC_ADDRESS")
        if mac is None:
            self.error(None, "import-mac", "the file has no MAC_ADDRESS; the device ignores "
                       "a file without its MAC, and the site needs it")
        elif not _MAC.fullmatch(mac.value):
            self.error(mac, "import-mac", f"MAC_ADDRESS {shown(mac.value)} is not 12 hex digits")
        else:
            digits = re.sub("[:-]", "", mac.value)
            pairs = [digits[i:i + 2] for i in range(0, 12, 2)]
            self.result.data["mac"] = ":".join(pairs).upper()
            self.origin(("mac",), mac)
        version = self.elements.get("VERSION")
        if version is not None:
            if self._stamp(version.value):
                self.result.stamp = version.value
            else:
                self.error(version, "import-version", f"VERSION {shown(version.value)} is not a "
                           "DDMMYYHHMM stamp")
        profile = self.elements.get("PROFILE_NAME")
        if profile is not None:
            self.result.data["profile_name"] = profile.value
            self.origin(("profile_name",), profile)
        else:
            self.warning(None, "import-partial-profile", "the file has no PROFILE_NAME; the "
                         "first build writes the site's name there")

    @staticmethod
    def _stamp(text: str) -> bool:
        if not re.fullmatch(r"[0-9]{10}", text):
            return False
        try:
            datetime.strptime(text, TARGET.stamp_format)
        except ValueError:
            return False
        return True

    # -- registration -----------------------------------------------------------------

    def registration(self) -> None:
        registration: dict[str, Any] = {}
        pin = self._pin()
        window = self._window()
        if window is not None:
            registration["window"] = window
        if pin is not None:
            registration["pin"] = pin
        if registration:
            self.result.data["registration"] = registration

    def _pin(self) -> str | None:
        random, code = self.get(P.PIN_RANDOM), self.get(P.PIN_CODE)
        if _BAD in (random, code):
            return None
        code_item = self.element(P.PIN_CODE)
        self.origin(("registration", "pin"), code_item or self.element(P.PIN_RANDOM))
        if random == 1:
            if code is not None:
                self.error(code_item, "import-pin", "a fixed PIN code beside "
                           "UseRandomRegistrationPIN = 1: the site has either a fixed PIN or a "
                           "random one; remove one of the two items")
                return None
            return "random"
        if code is None:
            if random is not None:
                self.error(self.element(P.PIN_RANDOM), "import-pin", "a fixed PIN "
                           "(UseRandomRegistrationPIN = 0) without its code aucKdsPin[0]")
            return None
        digits = code.hex()
        if len(code) != 2 or not digits.isdigit():
            self.error(code_item, "import-pin", "the PIN is not 4 digits as 2 BCD bytes "
                       "(0x12,0x34 is 1234)")
            return None
        return digits

    def _window(self) -> dict[str, Any] | None:
        start, duration = self.get(P.WINDOW_START), self.get(P.WINDOW_DURATION)
        if _BAD in (start, duration) or start is None and duration is None:
            return None
        start_item, duration_item = self.element(P.WINDOW_START), self.element(P.WINDOW_DURATION)
        if start is None or duration is None:
            present = start_item or duration_item
            self.error(present, "import-window", "a registration window needs both its "
                       "start (acIPUIRegistrationTimestamp) and its duration "
                       "(ulIPUIRegistrationDuration)")
            return None
        moment = self._window_start(start)
        if moment is None:
            self.error(start_item, "import-window", "the window start is not 10 ASCII digits "
                       "ddmmyyhhmm of a real date and time")
            return None
        self.origin(("registration", "window", "start"), start_item)
        self.origin(("registration", "window", "duration"), duration_item)
        return {"start": moment.strftime(WINDOW_START_FORMAT), "duration": duration}

    @staticmethod
    def _window_start(code: bytes) -> datetime | None:
        text = code.decode("latin-1")
        if not re.fullmatch(r"[0-9]{10}", text):
            return None
        day, month, year, hour, minute = (int(text[i:i + 2]) for i in range(0, 10, 2))
        try:  # the DM stores a 2-digit year of 2000..2099
            return datetime(TARGET.window_years.start + year, month, day, hour, minute)
        except ValueError:
            return None

    # -- providers ------------------------------------------------------------------------

    def providers(self) -> None:
        indexes = sorted({i for (p, i) in self.values
                          if p in P.PROVIDER_PARAMS and i not in (None, ALL)})
        self.provider_indexes = set(indexes)
        if not indexes:
            for (param, index), (_, element) in self.values.items():
                if index == ALL and param in P.PROVIDER_PARAMS:
                    self.error(element, "import-all-accounts", "sets this field of every "
                               "provider profile, but the file sets no profile of its own: "
                               "write provider 0's items (BS_VOIP_Data.astVoipProviders[0].)")
            self._given_provider()
            return
        if self.given_provider is not None:
            self.result.diagnostics.append(Diagnostic(
                "--provider", None, None, Severity.ERROR, "import-provider-option", "",
                "the file sets its own provider profiles; --provider is for a file that "
                "sets none"))
        providers = []
        for position, index in enumerate(indexes):
            if index != position:
                self.error(self._first(P.PROVIDER_PARAMS, index), "import-provider-gap",
                           f"provider {index} is set but provider {position} is not: the site "
                           "lists providers by their index, without gaps")
                break
            provider = self._provider(index)
            if provider is not None:
                self.provider_names[index] = provider["name"]
            providers.append(provider)
        if indexes and None not in providers:
            self.result.data["providers"] = providers
            dtmf = self._dtmf()  # one mode for every provider
            for n, provider in enumerate(providers if dtmf not in (None, _BAD) else ()):
                provider["dtmf"] = dtmf
                self.origin(("providers", n, "dtmf"), self._dtmf_element())

    def _given_provider(self) -> None:
        """A file without a provider profile: its accounts use the one the device has,
        which the user names with --provider, or the import stops."""
        domain = self.given_provider
        if domain is None:
            self.error(None, "import-provider-missing", "the file sets no provider profile "
                       "(BS_VOIP_Data.astVoipProviders[n]); a site needs at least one: name "
                       "the PBX its accounts use with --provider DOMAIN, and the first build "
                       "writes it as provider 0")
            return
        self.provider_indexes = {0}
        self.provider_names[0] = domain
        self.result.data["providers"] = [{"name": domain, "domain": domain}]
        written = _provider_writes(Endpoint(domain, DEFAULT_SIP_PORT),
                                   Endpoint(domain, DEFAULT_SIP_PORT),
                                   DEFAULT_REREGISTER_SECONDS, None, _PROVIDER_DEFAULTED)
        self.warning(None, "import-provider-given", "the file sets no provider profile; the "
                     f"first build writes provider 0 from --provider: name {shown(domain)}, "
                     f"domain {shown(domain)}, {_both(written)}")

    def _first(self, params: tuple[P.Param, ...], index: int) -> Element | None:
        """The first item of this account or provider that is its own."""
        found = [e for p in params if (e := self.own(p, index)) is not None]
        return min(found, key=lambda e: e.line) if found else None

    def _provider(self, n: int) -> dict[str, Any] | None:
        values = {p: self.get(p, n) for p in P.PROVIDER_PARAMS}
        if _BAD in values.values():
            return None
        first = self._first(P.PROVIDER_PARAMS, n)
        self.origin(("providers", n), first)
        name, domain = values[P.PROVIDER_NAME], values[P.PROVIDER_DOMAIN]
        if name is None or domain is None:
            missing = " and ".join(p.id.rsplit(".", 1)[1] for p in (
                P.PROVIDER_NAME, P.PROVIDER_DOMAIN) if values[p] is None)
            self.error(first, "import-provider-field", f"provider {n} has no {missing}; a "
                       "provider needs a name and a domain")
            return None
        transport = values[P.PROVIDER_TRANSPORT]
        if transport is not None and transport != P.TRANSPORT_UDP:
            self.error(self.element(P.PROVIDER_TRANSPORT, n), "import-transport",
                       f"transport {transport} is not UDP ({P.TRANSPORT_UDP}), the only "
                       "transport the site format writes")
            return None
        provider: dict[str, Any] = {"name": name, "domain": domain}
        proxy = _endpoint(values[P.PROVIDER_PROXY], values[P.PROVIDER_PROXY_PORT], domain)
        registrar = _endpoint(values[P.PROVIDER_REGISTRAR], values[P.PROVIDER_REGISTRAR_PORT],
                              proxy[0], proxy[1])
        if proxy != (domain, DEFAULT_SIP_PORT):
            provider["proxy"] = _host_port(*proxy)
        if registrar != proxy:
            provider["registrar"] = _host_port(*registrar)
        outbound = self._outbound(n, values)
        if outbound is _BAD:
            return None
        if outbound is not None:
            provider["outbound_proxy"] = outbound
        reregister = values[P.PROVIDER_REREGISTER]
        if reregister is not None and reregister != DEFAULT_REREGISTER_SECONDS:
            provider["reregister_seconds"] = reregister
        stun = self._stun(n, values)
        if stun is _BAD:
            return None
        if stun is not None:
            provider["stun"] = stun
        self._provider_origins(n)
        missing = tuple(p for p in _PROVIDER_DEFAULTED if values[p] is None and (
            p is not P.PROVIDER_OUTBOUND_PORT or outbound is not None))
        if missing:
            written = _provider_writes(
                Endpoint(*proxy), Endpoint(*registrar), reregister or DEFAULT_REREGISTER_SECONDS,
                Endpoint.parse(outbound) if outbound else None, missing)
            self.warning(first, "import-partial-provider", f"provider {n}: the file sets no "
                         f"{_either(_provider_missing(missing))}; the first build writes "
                         f"{_both(written)}")
        return provider

    def _provider_origins(self, n: int) -> None:
        for key, params in (("name", (P.PROVIDER_NAME,)), ("domain", (P.PROVIDER_DOMAIN,)),
                            ("proxy", (P.PROVIDER_PROXY, P.PROVIDER_PROXY_PORT)),
                            ("registrar", (P.PROVIDER_REGISTRAR, P.PROVIDER_REGISTRAR_PORT)),
                            ("outbound_proxy", (P.PROVIDER_OUTBOUND, P.PROVIDER_OUTBOUND_PORT)),
                            ("reregister_seconds", (P.PROVIDER_REREGISTER,)),
                            ("stun", _STUN)):
            self.origin(("providers", n, key), self._first(params, n))

    # -- typed provider settings ------------------------------------------------------------

    def _stun(self, n: int, values: dict[P.Param, Any]) -> Any:
        """STUN as the site says it: on with its server, or off (the switch alone, as the
        build writes it: a server kept beside a switch that is off is said, not imported)."""
        use, server = values[P.PROVIDER_STUN], values[P.PROVIDER_STUN_SERVER] or ""
        port, refresh = values[P.PROVIDER_STUN_PORT], values[P.PROVIDER_STUN_REFRESH]
        if use == 1:
            if not server:
                self.error(self.element(P.PROVIDER_STUN, n), "import-stun", f"provider {n} "
                           "has STUN on (ucSIP_USE_STUN = 1) without a server; the site's "
                           "stun names one")
                return _BAD
            stun: dict[str, Any] = {"server": server if port in (None, DEFAULT_STUN_PORT)
                                    else f"{server}:{port}"}
            if refresh is not None:
                stun["refresh_seconds"] = refresh
            return stun
        if server:
            what = "is off (ucSIP_USE_STUN = 0)" if use == 0 else "has no switch (ucSIP_USE_STUN)"
            self.warning(self.element(P.PROVIDER_STUN_SERVER, n), "import-stun-off",
                         f"provider {n}'s STUN {what}: its server, port and timer are not "
                         "imported, and a build no longer writes them (the DM keeps them)")
        return False if use == 0 else None

    def _dtmf_element(self) -> Element | None:
        return self.element(P.DTMF_AUTO) or self.element(P.DTMF_MODE)

    def _dtmf(self) -> Any:
        """The N720's one DTMF mode, which the site gives every provider: automatic, or one
        fixed mode (its bit, with the automatic mode off)."""
        auto, bits = self.get(P.DTMF_AUTO), self.get(P.DTMF_MODE)
        if _BAD in (auto, bits) or (auto is None and bits is None):
            return None
        fixed = {code: name for name, code in P.DTMF_CODES.items() if code is not None}
        if auto == 1:
            if bits is not None:
                self.warning(self.element(P.DTMF_MODE), "import-dtmf", "the automatic DTMF "
                             "mode is on (ucB_DTMF_TX_MODE_AUTO = 1): the mask is not "
                             "imported, and a build no longer writes it")
            return "auto"
        if bits in fixed:
            if auto is None:
                self.warning(self.element(P.DTMF_MODE), "import-dtmf", "a DTMF mask without "
                             "the automatic mode's switch: a build also writes "
                             "ucB_DTMF_TX_MODE_AUTO = 0, which makes the DM use the mask")
            return fixed[bits]
        choices = ", ".join(f"{code} ({name})" for code, name in fixed.items())
        self.error(self.element(P.DTMF_MODE) or self._dtmf_element(), "import-dtmf",
                   "the automatic DTMF mode is off without a mask" if bits is None else
                   f"DTMF mask {bits} is not one mode the site can say: {choices}")
        return _BAD

    def _outbound(self, n: int, values: dict[P.Param, Any]) -> Any:
        mode, host = values[P.PROVIDER_OUTBOUND_MODE], values[P.PROVIDER_OUTBOUND] or ""
        port = values[P.PROVIDER_OUTBOUND_PORT]
        if mode is None:
            mode = P.OUTBOUND_PROXY_ALWAYS if host else P.OUTBOUND_PROXY_NEVER
        element = self.element(P.PROVIDER_OUTBOUND_MODE, n) or self.element(P.PROVIDER_OUTBOUND, n)
        if mode == P.OUTBOUND_PROXY_NEVER and not host and port is None:
            return None
        if mode == P.OUTBOUND_PROXY_ALWAYS and host:
            return _host_port(host, DEFAULT_SIP_PORT if port is None else port)
        if mode in (P.OUTBOUND_PROXY_NEVER, P.OUTBOUND_PROXY_ALWAYS):
            what = ("an outbound proxy address or port with mode 2 (never)"
                    if mode == P.OUTBOUND_PROXY_NEVER else "mode 0 (always) without an "
                    "outbound proxy address")
            message = (f"{what}: the site has an outbound proxy or none; set both the mode "
                       "and the address, or clear both")
        else:
            message = f"outbound proxy mode {mode} is neither 0 (always) nor 2 (never)"
        self.error(element, "import-outbound-proxy", message)
        return _BAD

    # -- slots ----------------------------------------------------------------------------

    def slots(self) -> None:
        indexes = sorted({i for (p, i) in self.values
                          if p in P.SLOT_PARAMS and i not in (None, ALL)})
        position = 0
        for slot in indexes:
            mapped = self._slot(slot, position)
            if mapped is None:
                continue
            self.result.slots.append(mapped)
            position += mapped.handset is not None

    def _slot(self, slot: int, position: int) -> MappedSlot | None:
        values = {p: self.get(p, slot) for p in P.SLOT_PARAMS}
        first = self._first(P.SLOT_PARAMS, slot)
        assert first is not None, "a slot is listed because it has items"
        if _BAD in values.values():
            return None
        code = values[P.HANDSET_CODE]
        code_item = self.element(P.HANDSET_CODE, slot)
        if code is not None and len(code) != 5:
            self.error(code_item, "import-handset-code", f"slot {slot}'s handset code has "
                       f"{len(code)} bytes; an IPUI is 5")
            return None
        zero = code is None or not any(code)
        released = self.released.get(slot) if code is not None and zero else None
        origin = Origin(first.line, first.id, first.column)
        if self._freed(values):
            if not zero:
                self.error(code_item, "import-handset-without-account", f"slot {slot} binds "
                           f"handset {code.hex().upper()} to an empty, disabled account; a "
                           "handset in the site needs a login")
                return None
            missing = [p for p in _EMPTIED if values[p] is None]
            if missing:
                self.warning(first, "import-partial-account", f"slot {slot}: the file sets "
                             f"no {_either([_NAMES[p] for p in missing])}; the first build "
                             f"writes {'it' if len(missing) == 1 else 'them'} empty")
            return MappedSlot(slot, None, released, origin)
        missing = [p.id.rsplit(".", 1)[1] for p in _REQUIRED if values[p] is None]
        if missing:
            self.error(first, "import-slot-incomplete", f"slot {slot} has no "
                       f"{' and no '.join(missing)}: an account in use needs its login and "
                       "password, and a freed one is disabled with both empty")
            return None
        handset = self._handset(slot, position, values, first)
        if handset is None:
            return None
        if not zero:
            handset["ipui"] = code.hex().upper()
            self.origin(("handsets", position, "ipui"), code_item)
        self.origin(("handsets", position), first)
        return MappedSlot(slot, handset, released, origin)

    @staticmethod
    def _freed(values: dict[P.Param, Any]) -> bool:
        """An emptied, disabled account, as the compiler writes a slot whose entry is gone:
        its login empty, what it has of the rest empty too."""
        return (values[P.ACCOUNT_ACTIVE] == 0 and values[P.ACCOUNT_LOGIN] == ""
                and all(values[p] in ("", None) for p in _EMPTIED)
                and values[P.ACCOUNT_MAILBOX] in (None, "")
                and values[P.ACCOUNT_MAILBOX_ON] in (None, 0))

    def _handset(self, slot: int, position: int, values: dict[P.Param, Any],
                 first: Element) -> dict[str, Any] | None:
        login = values[P.ACCOUNT_LOGIN]
        handset: dict[str, Any] = {"login": login, "password": values[P.ACCOUNT_PASSWORD]}
        for param, key in _OPTIONAL_TEXT:
            if values[param] is not None and values[param] != login:
                handset[key] = values[param]
        provider = values[P.ACCOUNT_PROVIDER]
        index = 0 if provider is None else provider
        if index not in self.provider_indexes:
            if self.provider_indexes or index != 0:  # else: no provider is reported once
                self.error(self.element(P.ACCOUNT_PROVIDER, slot) or first,
                           "import-provider-unknown",
                           f"slot {slot} uses provider {index}, which the file does not set")
            return None
        if len(self.provider_indexes) > 1 and index in self.provider_names:
            handset["provider"] = self.provider_names[index]
        voicemail = self._voicemail(slot, values)
        if voicemail is _BAD:
            return None
        if voicemail is not None:
            handset["voicemail"] = voicemail
        if values[P.ACCOUNT_ACTIVE] == 0:
            handset["enabled"] = False
        for param, key in ((P.ACCOUNT_LOGIN, "login"), (P.ACCOUNT_PASSWORD, "password"),
                           *((param, key) for param, key in _OPTIONAL_TEXT),
                           (P.ACCOUNT_PROVIDER, "provider"), (P.ACCOUNT_MAILBOX, "voicemail"),
                           (P.ACCOUNT_ACTIVE, "enabled")):
            self.origin(("handsets", position, key), self.element(param, slot))
        self._partial(slot, values, handset, first)
        return handset

    def _voicemail(self, slot: int, values: dict[P.Param, Any]) -> Any:
        """The mailbox number when the mailbox is on, else None. Without its switch, a
        number turns it on; without a number, a mailbox that is on has an empty one."""
        mailbox, mailbox_on = values[P.ACCOUNT_MAILBOX], values[P.ACCOUNT_MAILBOX_ON]
        if mailbox_on == 1 or mailbox_on is None and mailbox:
            return mailbox or ""
        if mailbox:
            self.error(self.element(P.ACCOUNT_MAILBOX, slot), "import-voicemail",
                       f"slot {slot} has a mailbox number but the mailbox is off "
                       "(ucB_VOIP_NET_AM_ENABLED_1 = 0); the site has a mailbox or none: clear "
                       "the number or turn the mailbox on")
            return _BAD
        return None

    def _partial(self, slot: int, values: dict[P.Param, Any], handset: dict[str, Any],
                 first: Element) -> None:
        """Warn, once for the slot, of what the first build writes that the file leaves
        to the device: the model's defaults for the items it does not set."""
        login = handset["login"]
        missing: list[str] = []
        written: list[str] = []
        if values[P.ACCOUNT_ACTIVE] is None:
            missing.append(_NAMES[P.ACCOUNT_ACTIVE])
            written.append("the account on")
        for param, name in ((P.ACCOUNT_USER_ID, "user id"),
                            (P.ACCOUNT_DISPLAY_NAME, "display name")):
            if values[param] is None:
                missing.append(name)
                written.append(f"{name} {shown(login)}")
        if values[P.ACCOUNT_PROVIDER] is None:
            missing.append(_NAMES[P.ACCOUNT_PROVIDER])
            written.append(f"provider 0 ({shown(self.provider_names.get(0, ''))})")
        number, switch = values[P.ACCOUNT_MAILBOX] is None, values[P.ACCOUNT_MAILBOX_ON] is None
        if number or switch:
            missing.append("voicemail" if number and switch else "voicemail number"
                           if number else "voicemail on/off")
            voicemail = handset.get("voicemail")
            written.append("voicemail off" if voicemail is None
                           else f"voicemail on with number {shown(voicemail)}")
        if values[P.ACCOUNT_NAME] is None:
            missing.append(_NAMES[P.ACCOUNT_NAME])
            written.append(f"account name {shown(login)}")
        if missing:
            self.warning(first, "import-partial-account", f"slot {slot}: the file sets no "
                         f"{_either(missing)}; the first build writes {_both(written)}")

    # -- the rest -------------------------------------------------------------------------

    def admin_password(self) -> None:
        """The web UI's admin password, as the file has it: import makes it a secret."""
        value = self.get(_ADMIN)
        if value == "":  # no secret: publish refuses an empty one, so the file leaves it out
            self.warning(self.element(_ADMIN), "import-setting", "not imported (empty): the "
                         "site's 'admin_password' writes it, as a secret, which is never "
                         "empty; the DM keeps its password until the site sets that key")
        elif value is not None and value is not _BAD:
            self.result.data["admin_password"] = value
            self.origin(("admin_password",), self.element(_ADMIN))

    def extra_items(self) -> None:
        extra = {}
        for item_id, (value, element) in sorted(self.extra.items()):
            if value is not _BAD:
                extra[item_id] = value
                self.origin(("extra", item_id), element)
        for value, element in sorted(self.extra.values(), key=lambda entry: entry[1].line):
            if value is not _BAD:
                self.warning(element, "import-extra", "goes to 'extra' as written: the site "
                             "format has no key for it, and the compiler writes it unchecked")
        if extra:
            self.result.data["extra"] = extra


def _provider_missing(missing: tuple[P.Param, ...]) -> list[str]:
    """The items a provider leaves out, by name: a host and its port left out together
    are the `proxy`, the `registrar`, the `outbound proxy`."""
    names = []
    for host, port in ((P.PROVIDER_PROXY, P.PROVIDER_PROXY_PORT),
                       (P.PROVIDER_REGISTRAR, P.PROVIDER_REGISTRAR_PORT)):
        if host in missing or port in missing:
            names.append(_NAMES[host] if host in missing else _NAMES[port])
    if P.PROVIDER_REREGISTER in missing:
        names.append(_NAMES[P.PROVIDER_REREGISTER])
    outbound = [p for p in (P.PROVIDER_OUTBOUND_MODE, P.PROVIDER_OUTBOUND,
                            P.PROVIDER_OUTBOUND_PORT) if p in missing]
    if outbound:
        names.append(_NAMES[outbound[0]] if len(outbound) == 1 else "outbound proxy")
    if P.PROVIDER_TRANSPORT in missing:
        names.append(_NAMES[P.PROVIDER_TRANSPORT])
    return names


def _provider_writes(proxy: Endpoint, registrar: Endpoint, reregister: int,
                     outbound: Endpoint | None, missing: tuple[P.Param, ...]) -> list[str]:
    """What the first build writes of a provider's items, for those the file leaves out."""
    written = []
    if P.PROVIDER_PROXY in missing or P.PROVIDER_PROXY_PORT in missing:
        written.append(f"proxy {proxy.host}:{proxy.port}")
    if P.PROVIDER_REGISTRAR in missing or P.PROVIDER_REGISTRAR_PORT in missing:
        written.append(f"registrar {registrar.host}:{registrar.port}")
    if P.PROVIDER_REREGISTER in missing:
        written.append(f"re-registration every {reregister} s")
    if {P.PROVIDER_OUTBOUND_MODE, P.PROVIDER_OUTBOUND, P.PROVIDER_OUTBOUND_PORT} & set(missing):
        written.append("no outbound proxy" if outbound is None
                       else f"outbound proxy {outbound.host}:{outbound.port} (mode 0, always)")
    if P.PROVIDER_TRANSPORT in missing:
        written.append(f"transport UDP ({P.TRANSPORT_UDP})")
    return written


def _endpoint(host: str | None, port: int | None, default_host: str,
              default_port: int = DEFAULT_SIP_PORT) -> tuple[str, int]:
    """An item left out takes the model's default: the host its default, the port 5060
    (or the default's port, when both are left out)."""
    if host is None:
        return default_host, default_port if port is None else port
    return host, DEFAULT_SIP_PORT if port is None else port


def _host_port(host: str, port: int) -> str:
    return host if port == DEFAULT_SIP_PORT else f"{host}:{port}"
