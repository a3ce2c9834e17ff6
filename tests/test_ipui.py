"""IPUI/IPEI parsing: both notations of the same 36 bits, the check digit, and the refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.ipui import ZERO, Ipui, IpuiError, check_digit, parse_ipui

RECEPTION = Ipui(bytes.fromhex("02B6EC8AA5"))
LAB = Ipui(bytes.fromhex("029E74A599"))
ZERO_MESSAGE = ("the all-zero IPUI is not a handset: it is the value that deregisters one "
                "(remove the entry instead)")


def ipui_of(number: int) -> Ipui:
    return Ipui(number.to_bytes(5, "big"))


def first_ipui_with_star_check_digit(start: int) -> Ipui:
    """The first identity from `start` up whose check digit is 10, printed '*'."""
    return next(ipui_of(n) for n in range(start, start + 1000)
                if ipui_of(n).ipei.endswith("*"))


@pytest.mark.parametrize("text", [
    "02B6EC8AA5",
    "02b6ec8aa5",
    "02b6EC8aA5",
    "02 B6 EC 8A A5",
    "02-B6-EC-8A-A5",
    "02:b6:ec:8a:a5",
    "02B6-EC:8A a5",
    "  02B6EC8AA5  ",
])
def test_hex_notations(text: str) -> None:
    assert parse_ipui(text) == RECEPTION


@pytest.mark.parametrize("text", [
    "11118 0821925 6",
    "11118 08219256",
    "1111808219256",
    "11118-0821925-6",
])
def test_ipei_with_and_without_spaces(text: str) -> None:
    assert parse_ipui(text) == RECEPTION


@pytest.mark.parametrize(("hex_form", "ipei_form"), [
    ("02B6EC8AA5", "11118 0821925 6"),
    ("029E74A599", "10727 0304537 3"),
])
def test_reference_pairs(hex_form: str, ipei_form: str) -> None:
    from_hex = parse_ipui(hex_form)
    assert from_hex == parse_ipui(ipei_form)
    assert isinstance(from_hex, Ipui)
    assert from_hex.hex == hex_form
    assert from_hex.ipei == ipei_form


def test_emc_and_psn_split() -> None:
    # 02B6EC8AA5: EMC 2B6E = 11118, PSN C8AA5 = 821925
    assert RECEPTION.code == b"\x02\xb6\xec\x8a\xa5"
    assert RECEPTION.ipei.split() == ["11118", "0821925", "6"]


def test_str_is_hex() -> None:
    assert str(LAB) == "029E74A599"


def test_check_digit_example() -> None:
    assert check_digit("570050782068") == "7"


def test_check_digit_ten_is_star() -> None:
    assert check_digit("000000000100") == "*"


def test_ipei_with_check_digit_example() -> None:
    assert parse_ipui("57005 0782068 7") == Ipui(bytes.fromhex("0DEADBEEF4"))


def test_star_check_digit_parses_and_round_trips() -> None:
    star = first_ipui_with_star_check_digit(0x2B6EC8AA5)
    assert star.ipei == "11118 0821929 *"
    assert parse_ipui("11118 0821929 *") == star
    assert parse_ipui("111180821929*") == star
    assert star.hex == "02B6EC8AA9"


@pytest.mark.parametrize("text", [
    "1111* 0821925 6",
    "11118 082192* 6",
    "*1118 0821925 6",
    "02B6EC8AA*",
    "11118 0821925 6*",
])
def test_star_elsewhere_is_refused(text: str) -> None:
    assert parse_ipui(text) == IpuiError(
        "ipui-format", f"'{text}' is not an IPUI (10 hex digits, or a 13-digit IPEI)")


def test_wrong_check_digit_names_the_expected_one() -> None:
    assert parse_ipui("11118 0821925 5") == IpuiError(
        "ipei-check-digit",
        "'11118 0821925 5' has check digit 5, but its digits give 6: one of the 13 digits "
        "is mistyped")


def test_digit_given_where_star_expected() -> None:
    assert parse_ipui("11118 0821929 0") == IpuiError(
        "ipei-check-digit",
        "'11118 0821929 0' has check digit 0, but its digits give *: one of the 13 digits "
        "is mistyped")


@pytest.mark.parametrize("text", ["12B6EC8AA5", "F2B6EC8AA5", "a2b6ec8aa5"])
def test_first_hex_digit_not_zero(text: str) -> None:
    assert parse_ipui(text) == IpuiError(
        "ipui-format",
        f"'{text}' is not an IPUI: an IPUI of type N starts with the digit 0")


@pytest.mark.parametrize("text", ["0000000000", "00 00 00 00 00", "00000 0000000 0",
                                  "0000000000000"])
def test_all_zero_is_refused(text: str) -> None:
    assert parse_ipui(text) == IpuiError("ipui-zero", ZERO_MESSAGE)


def test_zero_constant() -> None:
    assert ZERO.code == b"\x00\x00\x00\x00\x00"
    assert ZERO.hex == "0000000000"


@pytest.mark.parametrize("digits", ["65536 0000000", "00000 1048576", "99999 9999999"])
def test_emc_or_psn_over_range(digits: str) -> None:
    text = f"{digits} {check_digit(digits.replace(' ', ''))}"
    assert parse_ipui(text) == IpuiError(
        "ipui-format",
        f"'{text}' is not an IPEI: the first 5 digits must be at most 65535 and the next 7 "
        "at most 1048575")


def test_largest_emc_and_psn_accepted() -> None:
    largest = ipui_of(2**36 - 1)
    assert largest.hex == "0FFFFFFFFF"
    assert largest.ipei == f"65535 1048575 {check_digit('655351048575')}"
    assert parse_ipui(largest.ipei) == largest


@pytest.mark.parametrize("text", [
    "",
    "   ",
    "hello",
    "02B6EC8AA",
    "02B6EC8AA5F",
    "02B6EC8AG5",
    "02  B6EC8AA5",
    "02B6EC8AA5-",
    "11118 0821925",
    "11118 0821925 66",
    "11118.0821925.6",
    "0x02B6EC8AA5",
])
def test_garbage_is_refused(text: str) -> None:
    assert parse_ipui(text) == IpuiError(
        "ipui-format", f"'{text}' is not an IPUI (10 hex digits, or a 13-digit IPEI)")


def test_ordering_follows_the_bytes() -> None:
    assert sorted([RECEPTION, LAB]) == [LAB, RECEPTION]


@settings(max_examples=300)
@given(st.integers(min_value=1, max_value=2**36 - 1))
def test_round_trip_over_all_identities(number: int) -> None:
    ipui = ipui_of(number)
    assert parse_ipui(ipui.hex) == ipui
    assert parse_ipui(ipui.hex.lower()) == ipui
    assert parse_ipui(ipui.ipei) == ipui
    assert ipui.hex[0] == "0"
    assert int(ipui.hex, 16) == number
