"""A model of the DECT managers dectprov provisions, as the tests' oracle.

It reads only the provisioning files, the way a device would, and follows the vendor's
rules as the reference pages state them. It shares no code with the compiler and imports
nothing from it: a misreading of the device in the compiler must not be repeated here.

- N720: a positional database of 100 slots, slot x holding SIP account x+1 and handset x+1.
  `BS_Accounts.astAccounts[x].aucHandsetCode[0]` binds an IPUI to the slot; an all-zero
  code deregisters the slot's handset. A registered IPUI that turns up in another slot
  (moved, or two swapped) is deregistered and must be registered again by hand: the model
  keeps it lost for good. A new IPUI registers by itself only while the window
  (`BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]`, DM local time, and
  `ulIPUIRegistrationDuration`, 0 = always) is open. A file whose `VERSION` is not newer
  than the last applied one, or whose `MAC_ADDRESS` is another device's, is skipped. A slot
  the file does not write keeps what the device had. A handset added by hand in the web
  UI takes "the first available position in the database", which Gigaset's wiki (FAQ
  N720 - IPUI) shows to include a slot whose account provisioning disabled.
- Nx70: handsets kept by IPUI. `add_hs` with `hs.RegStatus = ToReg` registers (in the
  window of `update_dm`: `RegStart` Unix seconds, `RegDuration` seconds, open from start to
  start + duration), `hs.<ipui>.RegStatus = ToDeReg` deregisters and forgets the account,
  and `DeleteNotProvisionedHS` removes every handset the file does not add. The file has no
  `VERSION`: the revision is the one its header comment names.

The reference's rule is read literally: a registered IPUI that a file binds to another slot
is lost for good even when the same file zeroes its old slot. An IPUI that the device no
longer holds (its slot was zeroed by an earlier file) is a new handset when a later file
binds it again, and registers in the window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from xml.etree import ElementTree

ZERO_CODE = "0000000000"

_HANDSET_CODE = re.compile(r"BS_Accounts\.astAccounts\[(\d+)\]\.aucHandsetCode\[0\]")
_LOGIN = re.compile(r"BS_VOIP_Data\.astVoipAccounts\[(\d+)\]\.aucS_SIP_LOGIN_ID\[0\]")
_ACTIVE = re.compile(r"BS_VOIP_Data\.astVoipAccounts\[(\d+)\]\.ucB_SIP_ACCOUNT_IS_ACTIVE_1")
SLOTS = 100
_WINDOW_START = "BS_AE_Subscriber.acIPUIRegistrationTimestamp[0]"
_WINDOW_DURATION = "BS_AE_Subscriber.ulIPUIRegistrationDuration"
_HEADER_REVISION = re.compile(rb"<!--[^>]*?\brevision (\d+)\b")
_NX70_HANDSET = re.compile(r"hs\.([0-9a-f]{10})\.RegStatus")
_NX70_LOGIN = re.compile(r"SipAccount\.([0-9a-f]{10})\.AuthName")


class DeviceFileError(ValueError):
    """A file the device could not read at all: the model refuses rather than guesses."""


@dataclass(frozen=True)
class Window:
    """When handsets may register by themselves: [start, start + seconds); None = never
    closes."""

    start: datetime
    seconds: int | None

    def is_open(self, now: datetime) -> bool:
        if now < self.start:
            return False
        return self.seconds is None or now < self.start + timedelta(seconds=self.seconds)


@dataclass
class Device:
    """What every family shares: which handsets are registered, which the last applied file
    took away, which are lost for good, and the window last written."""

    registered: set[str] = field(default_factory=set)  # IPUIs, 10 upper-case hex digits
    stranded: set[str] = field(default_factory=set)  # deregistered by a move: by hand only
    lost: frozenset[str] = frozenset()  # registrations the last applied file ended
    window: Window | None = None
    applied: int = 0  # how many files the device took

    def _register_pending(self, pending: set[str], now: datetime) -> None:
        if self.window is not None and self.window.is_open(now):
            self.registered |= pending - self.stranded


# -- N720 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class N720File:
    mac: str
    version: datetime | None
    codes: dict[int, str]  # slot -> IPUI, ZERO_CODE for the deregistration value
    logins: dict[int, str]  # slot -> SIP login
    window: Window | None
    active: dict[int, bool] = field(default_factory=dict)  # slot -> account switched on


def read_n720(content: bytes, zone: tzinfo = UTC) -> N720File:
    """The items of an N720 `ProviderFrame` the model needs; the window start is read in the
    DM's local time, `zone`, and kept in UTC."""
    root = ElementTree.fromstring(content)
    if root.tag != "ProviderFrame" or len(root) != 1 or root[0].tag != "Provider":
        raise DeviceFileError(f"not an N720 file: <{root.tag}>")
    provider = root[0]
    mac = provider.find("MAC_ADDRESS")
    if mac is None:
        raise DeviceFileError("no MAC_ADDRESS")
    version = provider.find("VERSION")
    items: dict[str, str] = {}
    for element in provider.iter("SYMB_ITEM"):
        items[element.get("ID", "")] = element.get("value", "")
    codes, logins, active = {}, {}, {}
    for item_id, value in items.items():
        if match := _HANDSET_CODE.fullmatch(item_id):
            codes[int(match[1])] = _byte_list(value).hex().upper()
        elif match := _LOGIN.fullmatch(item_id):
            logins[int(match[1])] = _device_string(value)
        elif match := _ACTIVE.fullmatch(item_id):
            active[int(match[1])] = int(value, 0) != 0
    window = None
    if _WINDOW_START in items and _WINDOW_DURATION in items:
        start = datetime.strptime(_byte_list(items[_WINDOW_START]).decode("ascii"),
                                  "%d%m%y%H%M").replace(tzinfo=zone)
        seconds = int(items[_WINDOW_DURATION], 0)
        window = Window(start.astimezone(UTC), seconds or None)  # 0 = always open
    stamp = None if version is None else datetime.strptime(version.get("value", ""),
                                                           "%d%m%y%H%M")
    return N720File(mac.get("value", ""), stamp, codes, logins, window, active)


def _byte_list(value: str) -> bytes:
    """`0x03,0x28,...` as bytes."""
    return bytes(int(part, 16) for part in value.split(","))


def _device_string(value: str) -> str:
    """`"text"` as text: N720 strings carry their own double quotes."""
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        raise DeviceFileError(f"not a device string: {value!r}")
    return value[1:-1]


@dataclass
class N720Device(Device):
    """One N720 DM PRO: its slot database, as the files it applied left it."""

    mac: str | None = None  # None: takes a file of any MAC (the first one it sees)
    zone: tzinfo = UTC  # the DM's clock
    version: datetime | None = None
    codes: dict[int, str] = field(default_factory=dict)  # slot -> IPUI, zero codes left out
    logins: dict[int, str] = field(default_factory=dict)
    active: dict[int, bool] = field(default_factory=dict)

    def apply(self, content: bytes, now: datetime) -> bool:
        """Take the file at `now` (aware); False when the device skips it."""
        file = read_n720(content, self.zone)
        if self.mac is not None and file.mac != self.mac:
            return False
        if self.version is not None and file.version is not None and \
                file.version <= self.version:
            return False
        self.mac, self.applied = file.mac, self.applied + 1
        self.version = file.version or self.version
        self.window = file.window or self.window
        self.logins.update(file.logins)
        self.active.update(file.active)
        held = {ipui: slot for slot, ipui in self.codes.items() if ipui in self.registered}
        codes = self._overlay(file.codes)
        lost = set()
        for ipui, slot in held.items():
            if codes.get(slot) == ipui:
                continue
            lost.add(ipui)
            self.registered.discard(ipui)
            if ipui in codes.values():
                self.stranded.add(ipui)  # moved or swapped: registered again by hand only
        for ipui in [ipui for ipui in codes.values() if list(codes.values()).count(ipui) > 1]:
            lost |= {ipui} & self.registered
            self.registered.discard(ipui)
            self.stranded.add(ipui)  # a conflict: the device deregisters it
        self.codes, self.lost = codes, frozenset(lost)
        self._register_pending(set(codes.values()) - self.registered, now)
        return True

    def _overlay(self, written: dict[int, str]) -> dict[int, str]:
        """The database after the file: its codes over the old ones. An IPUI the file binds
        to a slot leaves a slot the file does not mention."""
        codes = {slot: ipui for slot, ipui in self.codes.items()
                 if ipui not in written.values() or slot in written}
        codes.update(written)
        return {slot: ipui for slot, ipui in codes.items() if ipui != ZERO_CODE}

    def register_by_hand(self, ipui: str, login: str) -> int:
        """A handset added in the web UI, with its account: it takes the first slot that
        holds no handset and no account, or no handset and an account switched off."""
        slot = next(s for s in range(SLOTS) if s not in self.codes and
                    (not self.logins.get(s) or not self.active.get(s, True)))
        self.codes[slot], self.logins[slot], self.active[slot] = ipui, login, True
        self.registered.add(ipui)
        return slot

    def slot_of(self, ipui: str) -> int | None:
        return next((slot for slot, code in self.codes.items() if code == ipui), None)

    def handsets(self) -> dict[str, str]:
        """Each registered IPUI -> the SIP login of its slot."""
        return {ipui: self.logins.get(slot, "") for slot, ipui in self.codes.items()
                if ipui in self.registered}


# -- Nx70 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nx70File:
    revision: int | None
    delete_not_provisioned: bool
    deregister: tuple[str, ...]  # ToDeReg, in file order
    register: tuple[str, ...]  # add_hs ... ToReg, in file order
    logins: dict[str, str]
    window: Window | None


def read_nx70(content: bytes) -> Nx70File:
    root = ElementTree.fromstring(content)
    nvm = root.find("nvm")
    if root.tag != "provisioning" or nvm is None:
        raise DeviceFileError(f"not an Nx70 file: <{root.tag}>")
    revision = _HEADER_REVISION.search(content)
    deregister, register, logins = [], [], {}
    delete_not_provisioned, window = False, None
    for element in nvm:
        name, value = element.get("name", ""), element.get("value", "")
        if element.tag == "oper" and name == "DeleteNotProvisionedHS":
            delete_not_provisioned = True
        elif element.tag == "oper" and name == "add_hs":
            status = {p.get("name"): p.get("value") for p in element.iter("param")}
            if status.get("hs.RegStatus") == "ToReg":
                register.append(value.upper())
        elif element.tag == "oper" and name == "update_dm":
            params = {p.get("name"): p.get("value", "") for p in element.iter("param")}
            if "RegStart" in params and "RegDuration" in params:
                # Gigaset's wiki: the window ends at start + duration, so 0 is not "always".
                window = Window(datetime.fromtimestamp(int(params["RegStart"]), UTC),
                                int(params["RegDuration"]))
        elif element.tag == "param" and (match := _NX70_HANDSET.fullmatch(name)):
            if value == "ToDeReg":
                deregister.append(match[1].upper())
        elif element.tag == "param" and (match := _NX70_LOGIN.fullmatch(name)):
            logins[match[1].upper()] = value
    return Nx70File(None if revision is None else int(revision[1]), delete_not_provisioned,
                    tuple(deregister), tuple(register), logins, window)


@dataclass
class Nx70Device(Device):
    """One Nx70 DECT manager: its handsets by IPUI."""

    revision: int | None = None
    provisioned: set[str] = field(default_factory=set)  # added, registered or waiting
    logins: dict[str, str] = field(default_factory=dict)

    def apply(self, content: bytes, now: datetime) -> bool:
        file = read_nx70(content)
        if self.revision is not None and file.revision is not None and \
                file.revision <= self.revision:
            return False
        self.revision, self.applied = file.revision or self.revision, self.applied + 1
        self.window = file.window or self.window
        before = set(self.registered)
        if file.delete_not_provisioned:
            for ipui in self.provisioned - set(file.register):
                self._forget(ipui)
        for ipui in file.deregister:
            self._forget(ipui)
        self.provisioned |= set(file.register)
        self.logins.update(file.logins)
        self.lost = frozenset(before - self.registered) | frozenset(
            ipui for ipui in file.deregister if ipui in before)
        self._register_pending(self.provisioned - self.registered, now)
        return True

    def _forget(self, ipui: str) -> None:
        self.provisioned.discard(ipui)
        self.registered.discard(ipui)
        self.logins.pop(ipui, None)

    def handsets(self) -> dict[str, str]:
        return {ipui: self.logins.get(ipui, "") for ipui in self.registered}


def device_for(content: bytes) -> N720Device | Nx70Device:
    """A factory-fresh device of the family that reads this file."""
    if b"<ProviderFrame" in content:
        return N720Device()
    if b"<provisioning" in content:
        return Nx70Device()
    raise DeviceFileError("no device reads this file")
