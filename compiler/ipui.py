"""DECT handset identities: the IPUI as 10 hex digits and the IPEI printed in decimal.

Both name the same 36 bits (EMC, 16 bits, and PSN, 20 bits); the IPUI of type N that the
DECT managers take is a 0 nibble followed by them. Used by validate (to explain what is
wrong) and by model (to keep the 5 bytes).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_SEPARATORS = re.compile(r"(?<=[0-9A-Za-z*])[ :-](?=[0-9A-Za-z*])")
_HEX = re.compile(r"[0-9A-Fa-f]{10}")
_IPEI = re.compile(r"[0-9]{12}[0-9*]")


@dataclass(frozen=True, order=True)
class Ipui:
    """An IPUI of type N: 5 bytes, the first nibble 0."""

    code: bytes

    @property
    def hex(self) -> str:
        """`02B6EC8AA5`: how the N720 file and the state show it."""
        return self.code.hex().upper()

    @property
    def ipei(self) -> str:
        """`11118 0821925 6`: how labels print it."""
        number = int.from_bytes(self.code, "big")
        emc, psn = number >> 20, number & 0xFFFFF
        digits = f"{emc:05d}{psn:07d}"
        return f"{digits[:5]} {digits[5:]} {check_digit(digits)}"

    def __str__(self) -> str:
        return self.hex


@dataclass(frozen=True)
class IpuiError:
    rule: str
    message: str


ZERO = Ipui(bytes(5))


def check_digit(digits: str) -> str:
    """ETSI EN 300 175-6 annex C: sum of position * digit over 12 digits, mod 11; 10 is '*'."""
    total = sum(position * int(digit) for position, digit in enumerate(digits, start=1)) % 11
    return "*" if total == 10 else str(total)


@functools.lru_cache(maxsize=1024)  # validate and model each read a site's IPUIs, in turn
def parse_ipui(text: str) -> Ipui | IpuiError:
    """Accept `02B6EC8AA5` (any case, spaces, '-' or ':' between digits) or `11118 0821925 6`."""
    compact = _SEPARATORS.sub("", text.strip())
    if _HEX.fullmatch(compact):
        return _from_hex(text, compact)
    if _IPEI.fullmatch(compact):
        return _from_ipei(text, compact)
    return IpuiError("ipui-format",
                     f"'{text}' is not an IPUI (10 hex digits, or a 13-digit IPEI)")


def _from_hex(text: str, compact: str) -> Ipui | IpuiError:
    if compact[0] != "0":
        return IpuiError("ipui-format", f"'{text}' is not an IPUI: an IPUI of type N starts "
                         "with the digit 0")
    code = bytes.fromhex(compact)
    if code == ZERO.code:
        return IpuiError("ipui-zero", "the all-zero IPUI is not a handset: it is the value "
                         "that deregisters one (remove the entry instead)")
    return Ipui(code)


def _from_ipei(text: str, compact: str) -> Ipui | IpuiError:
    emc, psn, given = int(compact[:5]), int(compact[5:12]), compact[12]
    if emc > 0xFFFF or psn > 0xFFFFF:
        return IpuiError("ipui-format", f"'{text}' is not an IPEI: the first 5 digits must be "
                         "at most 65535 and the next 7 at most 1048575")
    expected = check_digit(compact[:12])
    if given != expected:
        return IpuiError("ipei-check-digit", f"'{text}' has check digit {given}, but its digits "
                         f"give {expected}: one of the 13 digits is mistyped")
    number = (emc << 20) | psn
    if number == 0:
        return IpuiError("ipui-zero", "the all-zero IPUI is not a handset: it is the value "
                         "that deregisters one (remove the entry instead)")
    return Ipui(number.to_bytes(5, "big"))
