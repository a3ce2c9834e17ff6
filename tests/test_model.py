"""The model: validated site data becomes frozen dataclasses with every default resolved."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compiler.ipui import Ipui
from compiler.load import Loc, LocatedList
from compiler.model import (
    DEFAULT_DEREGISTRATION_THRESHOLD,
    DEFAULT_REREGISTER_SECONDS,
    DEFAULT_SIP_PORT,
    Endpoint,
    ExtraParam,
    Handset,
    Pin,
    Provider,
    RegistrationWindow,
    Site,
    build_site,
    normalise_mac,
    parse_duration,
    parse_window_offset,
    parse_window_start,
    zone_offsets,
)


def site_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "site": "acme-hq",
        "model": "N720",
        "mac": "7C2F80CA21E4",
        "providers": [{"name": "pbx", "domain": "pbx.example.net"}],
        "handsets": [{"login": "1013", "password": "Password"}],
    }
    data.update(overrides)
    return data


def build(**overrides: Any) -> Site:
    return build_site(site_data(**overrides), "sites/acme-hq.yaml")


def only_handset(*entries: dict[str, Any], **overrides: Any) -> Handset:
    site = build(handsets=list(entries), **overrides)
    assert len(site.handsets) == len(entries)
    return site.handsets[0]


TWO_PROVIDERS = [
    {"name": "pbx", "domain": "pbx.example.net"},
    {"name": "sbc", "domain": "sbc.example.net"},
]


def test_minimal_site() -> None:
    assert build() == Site(
        name="acme-hq",
        model="N720",
        mac="7C2F80CA21E4",
        profile_name="acme-hq",
        firmware=None,
        timezone="UTC",
        providers=(Provider(
            index=0,
            name="pbx",
            domain="pbx.example.net",
            proxy=Endpoint("pbx.example.net", 5060),
            registrar=Endpoint("pbx.example.net", 5060),
            outbound_proxy=None,
            reregister_seconds=180,
        ),),
        window=None,
        pin=None,
        handsets=(Handset(
            position=0,
            line=0,
            slot=None,
            ipui=None,
            login="1013",
            password="Password",
            user_id="1013",
            display_name="1013",
            account_name="1013",
            provider=0,
            voicemail=None,
            enabled=True,
        ),),
        extra=(),
        deregistration_threshold=30.0,
        source="sites/acme-hq.yaml",
    )


def test_defaults_constants() -> None:
    assert (DEFAULT_SIP_PORT, DEFAULT_REREGISTER_SECONDS, DEFAULT_DEREGISTRATION_THRESHOLD) == (
        5060, 180, 30.0)


def test_site_is_frozen() -> None:
    site = build()
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.name = "other"  # type: ignore[misc]


def test_site_level_values_given() -> None:
    site = build(profile_name="Acme", firmware=108, timezone="Europe/Berlin",
                 deregistration_threshold=50)
    assert (site.profile_name, site.firmware, site.timezone) == ("Acme", 108, "Europe/Berlin")
    assert site.deregistration_threshold == 50.0
    assert isinstance(site.deregistration_threshold, float)


def test_the_deregistration_retention_is_in_seconds_and_30_days_by_default() -> None:
    assert build().deregistration_retention == 30 * 86400
    assert build(deregistration_retention="72h").deregistration_retention == 72 * 3600
    assert build(deregistration_retention="90d").deregistration_retention == 90 * 86400


def test_no_handsets_key() -> None:
    data = site_data()
    del data["handsets"]
    assert build_site(data, "s.yaml").handsets == ()


def test_handset_names_default_to_login() -> None:
    handset = only_handset({"login": "1014", "password": "x"})
    assert (handset.user_id, handset.display_name, handset.account_name) == (
        "1014", "1014", "1014")


def test_handset_names_given() -> None:
    handset = only_handset({"login": "1014", "password": "x", "user_id": "u",
                            "display_name": "Reception", "account_name": "Front desk"})
    assert (handset.user_id, handset.display_name, handset.account_name) == (
        "u", "Reception", "Front desk")


def test_defaults_block_applies() -> None:
    handset = only_handset(
        {"login": "1014", "password": "x"},
        providers=TWO_PROVIDERS,
        defaults={"user_id": "shared", "display_name": "Acme", "account_name": "Acme line",
                  "provider": "sbc", "voicemail": "*2", "enabled": False},
    )
    assert (handset.user_id, handset.display_name, handset.account_name) == (
        "shared", "Acme", "Acme line")
    assert (handset.provider, handset.voicemail, handset.enabled) == (1, "*2", False)


def test_handset_overrides_defaults() -> None:
    handset = only_handset(
        {"login": "1014", "password": "x", "display_name": "Lab", "provider": "pbx",
         "voicemail": False, "enabled": True},
        providers=TWO_PROVIDERS,
        defaults={"display_name": "Acme", "provider": "sbc", "voicemail": "*2",
                  "enabled": False},
    )
    assert (handset.display_name, handset.provider, handset.voicemail, handset.enabled) == (
        "Lab", 0, None, True)


def test_defaults_apply_to_every_handset() -> None:
    site = build(handsets=[{"login": "1013", "password": "x"},
                           {"login": "1014", "password": "y", "voicemail": "*3"}],
                 defaults={"voicemail": "*2"})
    assert [h.voicemail for h in site.handsets] == ["*2", "*3"]
    assert [h.position for h in site.handsets] == [0, 1]


def test_provider_defaults_to_first() -> None:
    assert only_handset({"login": "1", "password": "x"}, providers=TWO_PROVIDERS).provider == 0


def test_provider_by_name() -> None:
    handset = only_handset({"login": "1", "password": "x", "provider": "sbc"},
                           providers=TWO_PROVIDERS)
    assert handset.provider == 1


def test_voicemail_false_is_none() -> None:
    assert only_handset({"login": "1", "password": "x", "voicemail": False}).voicemail is None


def test_voicemail_absent_is_none() -> None:
    assert only_handset({"login": "1", "password": "x"}).voicemail is None


def test_voicemail_number() -> None:
    assert only_handset({"login": "1", "password": "x", "voicemail": "*2"}).voicemail == "*2"


def test_enabled_default_true() -> None:
    assert only_handset({"login": "1", "password": "x"}).enabled is True


def test_enabled_false() -> None:
    assert only_handset({"login": "1", "password": "x", "enabled": False}).enabled is False


def test_slot_pinned() -> None:
    assert only_handset({"login": "1", "password": "x", "slot": 7}).slot == 7


def test_ipui_from_either_notation() -> None:
    site = build(handsets=[{"login": "1", "password": "x", "ipui": "02B6EC8AA5"},
                           {"login": "2", "password": "x", "ipui": "10727 0304537 3"}])
    assert [h.ipui for h in site.handsets] == [Ipui(bytes.fromhex("02B6EC8AA5")),
                                                Ipui(bytes.fromhex("029E74A599"))]


def test_provider_indexes_follow_list_order() -> None:
    site = build(providers=TWO_PROVIDERS)
    assert [(p.index, p.name) for p in site.providers] == [(0, "pbx"), (1, "sbc")]


def test_proxy_defaults_to_domain() -> None:
    provider = build().providers[0]
    assert provider.proxy == Endpoint("pbx.example.net", 5060)


def test_proxy_default_takes_the_domain_as_it_is() -> None:
    """The domain is any text, not host[:port]: a colon in it is no port (found by the
    fuzzer: `domain: "a::"` crashed the build)."""
    provider = build(providers=[{"name": "p", "domain": "sip:a::"}]).providers[0]
    assert provider.proxy == provider.registrar == Endpoint("sip:a::", 5060)


def test_proxy_with_port() -> None:
    provider = build(providers=[{"name": "p", "domain": "example.net",
                                 "proxy": "proxy.example.net:5070"}]).providers[0]
    assert provider.proxy == Endpoint("proxy.example.net", 5070)


def test_registrar_defaults_to_proxy() -> None:
    provider = build(providers=[{"name": "p", "domain": "example.net",
                                 "proxy": "proxy.example.net:5070"}]).providers[0]
    assert provider.registrar == Endpoint("proxy.example.net", 5070)


def test_registrar_given_default_port() -> None:
    provider = build(providers=[{"name": "p", "domain": "example.net",
                                 "proxy": "proxy.example.net:5070",
                                 "registrar": "reg.example.net"}]).providers[0]
    assert provider.registrar == Endpoint("reg.example.net", 5060)


def test_outbound_proxy_absent() -> None:
    assert build().providers[0].outbound_proxy is None


def test_outbound_proxy_default_port() -> None:
    provider = build(providers=[{"name": "p", "domain": "example.net",
                                 "outbound_proxy": "sbc.example.net"}]).providers[0]
    assert provider.outbound_proxy == Endpoint("sbc.example.net", 5060)


def test_outbound_proxy_with_port() -> None:
    provider = build(providers=[{"name": "p", "domain": "example.net",
                                 "outbound_proxy": "192.0.2.1:5080"}]).providers[0]
    assert provider.outbound_proxy == Endpoint("192.0.2.1", 5080)


def test_reregister_seconds_given() -> None:
    provider = build(providers=[{"name": "p", "domain": "example.net",
                                 "reregister_seconds": 600}]).providers[0]
    assert provider.reregister_seconds == 600


@pytest.mark.parametrize(("text", "endpoint"), [
    ("host", Endpoint("host", 5060)),
    ("host:1", Endpoint("host", 1)),
    ("10.0.0.1:65535", Endpoint("10.0.0.1", 65535)),
])
def test_endpoint_parse(text: str, endpoint: Endpoint) -> None:
    assert Endpoint.parse(text) == endpoint


@pytest.mark.parametrize(("value", "seconds"), [
    (72000, 72000),
    ("72000", 72000),
    ("90s", 90),
    ("30m", 1800),
    ("20h", 72000),
    ("2d", 172800),
    ("always", 0),
    (0, 0),
    ("0", 0),
])
def test_parse_duration(value: int | str, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("text", ["2017-04-24 10:00", "2017-04-24T10:00"])
def test_parse_window_start(text: str) -> None:
    assert parse_window_start(text) == datetime(2017, 4, 24, 10, 0)


@pytest.mark.parametrize(("text", "offset"), [
    ("2017-04-24 10:00", None),
    ("2026-10-25 02:30+01:00", timedelta(hours=1)),
    ("2026-10-25T02:30+02:00", timedelta(hours=2)),
    ("2026-01-10 09:00-03:30", -timedelta(hours=3, minutes=30)),
])
def test_parse_window_offset(text: str, offset: timedelta | None) -> None:
    assert parse_window_offset(text) == offset
    assert parse_window_start(text) == datetime.strptime(text[:16].replace("T", " "),
                                                         "%Y-%m-%d %H:%M")


@pytest.mark.parametrize(("wall", "offsets"), [
    (datetime(2026, 3, 29, 1, 59), (timedelta(hours=1),)),
    (datetime(2026, 3, 29, 2, 0), ()),  # the clocks jump from 02:00 to 03:00
    (datetime(2026, 3, 29, 2, 59), ()),
    (datetime(2026, 3, 29, 3, 0), (timedelta(hours=2),)),
    (datetime(2026, 10, 25, 1, 59), (timedelta(hours=2),)),
    (datetime(2026, 10, 25, 2, 0), (timedelta(hours=2), timedelta(hours=1))),  # twice
    (datetime(2026, 10, 25, 2, 59), (timedelta(hours=2), timedelta(hours=1))),
    (datetime(2026, 10, 25, 3, 0), (timedelta(hours=1),)),
])
def test_zone_offsets_of_berlin_around_its_changes(wall: datetime,
                                                   offsets: tuple[timedelta, ...]) -> None:
    assert zone_offsets(wall, ZoneInfo("Europe/Berlin")) == offsets


@pytest.mark.parametrize(("start", "instant"), [
    ("2026-10-25 02:30+02:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ("2026-10-25 02:30+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    ("2026-12-01 08:00", datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),
    ("2026-07-01 08:00", datetime(2026, 7, 1, 6, 0, tzinfo=UTC)),
])
def test_window_start_resolved_in_the_site_zone(start: str, instant: datetime) -> None:
    site = build(timezone="Europe/Berlin",
                 registration={"window": {"start": start, "duration": "20h"}})
    assert site.window is not None
    assert site.window.start == datetime.strptime(start[:16], "%Y-%m-%d %H:%M")
    assert site.window.instant == instant


def test_window_built() -> None:
    site = build(registration={"window": {"start": "2017-04-24 10:00", "duration": "20h"}})
    assert site.window == RegistrationWindow(datetime(2017, 4, 24, 10, 0), 72000, timedelta(0))
    assert site.window.always_open is False


def test_window_always_open() -> None:
    site = build(registration={"window": {"start": "2017-04-24T10:00", "duration": "always"}})
    assert site.window == RegistrationWindow(datetime(2017, 4, 24, 10, 0), 0, timedelta(0))
    assert site.window.always_open is True


def test_registration_without_window_or_pin() -> None:
    site = build(registration={})
    assert (site.window, site.pin) == (None, None)


def test_fixed_pin() -> None:
    site = build(registration={"pin": "0000"})
    assert site.pin == Pin("0000")
    assert site.pin.is_random is False


def test_random_pin() -> None:
    site = build(registration={"pin": "random"})
    assert site.pin == Pin(None)
    assert site.pin.is_random is True


@pytest.mark.parametrize("text", ["7C:2F:80:CA:21:E4", "7c-2f-80-ca-21-e4", "7c2F80Ca21e4"])
def test_normalise_mac(text: str) -> None:
    assert normalise_mac(text) == "7C2F80CA21E4"


def test_site_mac_normalised() -> None:
    assert build(mac="7c:2f:80:ca:21:e4").mac == "7C2F80CA21E4"


def test_extra_sorted_by_id_and_list_to_tuple() -> None:
    site = build(extra={
        "BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN": True,
        "BS_AE_SwConfig.ucCountryCodeTone": 3,
        "BS_IP_Data.aucS_TIME_NTP_SERVER[%]": "pool.ntp.org",
        "BS_CUSTOM.aucSomething[0]": [1, 0x12, 255],
    })
    assert site.extra == (
        ExtraParam("BS_AE_SwConfig.ucCountryCodeTone", 3),
        ExtraParam("BS_CUSTOM.aucSomething[0]", (1, 18, 255)),
        ExtraParam("BS_IP_Data.aucS_TIME_NTP_SERVER[%]", "pool.ntp.org"),
        ExtraParam("BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN", True),
    )


def test_handset_line_from_located_list() -> None:
    handsets = LocatedList([{"login": "1", "password": "x"}, {"login": "2", "password": "y"}])
    handsets.item_locs = [Loc(14, 5), Loc(17, 5)]
    site = build_site(site_data(handsets=handsets), "s.yaml")
    assert [h.line for h in site.handsets] == [14, 17]
