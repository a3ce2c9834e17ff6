"""Validate, through the real pipeline (load, validate, model): one small site file per
problem under tests/fixtures/invalid/, named for what is wrong with it, and the exact
diagnostics it gives, every one of them, at its file:line:col.

Each fixture is otherwise valid, and its `site:` equals its file name (the site-name rule),
so a fixture shows its own problem and nothing else.
"""

from __future__ import annotations

import ast
import json
import random
import re
import runpy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import load, validate
from compiler.app import models
from compiler.diagnostics import Diagnostic
from compiler.ipui import parse_ipui

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
INVALID = FIXTURES / "invalid"
CROSS_SITE = FIXTURES / "cross-site"
VALID = FIXTURES / "valid"
RULE = re.compile(r"\[([a-z0-9-]+)\]$")


def run(*paths: Path, root: Path = ROOT) -> list[Diagnostic]:
    return list(models(root, paths).diagnostics)


def texts(*paths: Path, root: Path = ROOT) -> list[str]:
    return [d.to_text() for d in run(*paths, root=root)]


# fixture name -> what `dectprov validate tests/fixtures/invalid/<name>.yaml` prints
EXPECTED: dict[str, list[str]] = {
    # -- The schema: required and unknown keys
    "required-missing": [
        "tests/fixtures/invalid/required-missing.yaml:2:1: error: 'mac' is required here [required]",
        "tests/fixtures/invalid/required-missing.yaml:9:5: error: handsets[0]: 'password' is required here [required]",
    ],
    "unknown-key-typo": [
        "tests/fixtures/invalid/unknown-key-typo.yaml:5:1: error: profil_name: unknown key 'profil_name'; did you mean 'profile_name'? [unknown-key]",
        "tests/fixtures/invalid/unknown-key-typo.yaml:10:5: error: handsets[0]: 'password' is required here [required]",
        "tests/fixtures/invalid/unknown-key-typo.yaml:11:5: error: handsets[0].pasword: unknown key 'pasword'; did you mean 'password'? [unknown-key]",
    ],
    "unknown-key-no-match": [
        "tests/fixtures/invalid/unknown-key-no-match.yaml:6:1: error: colour: unknown key 'colour'; allowed here: site, model, mac, profile, profile_name, firmware, timezone, deregistration_threshold, deregistration_retention, authoritative, time, admin_password, provisioning, firmware_update, directory, network, locale, providers, registration, defaults, handsets, extra [unknown-key]",
        "tests/fixtures/invalid/unknown-key-no-match.yaml:10:5: error: providers[0].weight: unknown key 'weight'; allowed here: name, domain, proxy, registrar, outbound_proxy, reregister_seconds, transport, srtp, codecs, dtmf, stun [unknown-key]",
    ],

    # -- The schema: types; where YAML 1.1 made a number of a string, the message says to quote it
    "login-unquoted-number": [
        "tests/fixtures/invalid/login-unquoted-number.yaml:10:12: error: handsets[0].login: must be text, but YAML reads 1013 as a number: quote it, \"1013\" [type]",
    ],
    "pin-unquoted-number": [
        "tests/fixtures/invalid/pin-unquoted-number.yaml:10:8: error: registration.pin: must be text, but YAML reads 0000 as a number: quote it, \"0000\" [type]",
    ],
    "mac-unquoted-number": [
        "tests/fixtures/invalid/mac-unquoted-number.yaml:4:6: error: mac: must be text, but YAML reads 001122334455 as a number: quote it, \"001122334455\" [type]",
    ],
    "mac-unquoted-sexagesimal": [
        "tests/fixtures/invalid/mac-unquoted-sexagesimal.yaml:4:6: error: mac: must be text, but YAML reads 10:22:33:44:55:59 as a number: quote it, \"10:22:33:44:55:59\" [type]",
    ],
    "ipui-unquoted-number": [
        "tests/fixtures/invalid/ipui-unquoted-number.yaml:10:11: error: handsets[0].ipui: must be text, but YAML reads 0301000000 as a number: quote it, \"0301000000\" [type]",
    ],
    "password-unquoted-number": [
        "tests/fixtures/invalid/password-unquoted-number.yaml:11:15: error: handsets[0].password: must be text or {secret: NAME}, but YAML reads the value as a number: quote it [type]",
    ],
    "window-start-not-text": [
        "tests/fixtures/invalid/window-start-not-text.yaml:11:12: error: registration.window.start: 2017 is not a date and time 'YYYY-MM-DD HH:MM', or with an offset 'YYYY-MM-DD HH:MM+01:00' [type]",
        "tests/fixtures/invalid/window-start-not-text.yaml:12:15: error: registration.window.duration: yes is not a duration: seconds, or a number followed by s, m, h or d, or 'always' [type]",
        "tests/fixtures/invalid/window-start-not-text.yaml:13:8: error: registration.pin: 1234567 is not a PIN of 4 digits (quoted, e.g. \"0000\") or 'random' [type]",
    ],
    "handsets-not-list": [
        "tests/fixtures/invalid/handsets-not-list.yaml:9:11: error: handsets: must be a list, not a number [type]",
    ],
    "providers-not-mappings": [
        "tests/fixtures/invalid/providers-not-mappings.yaml:6:13: error: providers[0]: must be a mapping, not a number [type]",
        "tests/fixtures/invalid/providers-not-mappings.yaml:6:16: error: providers[1]: must be a mapping, not a number [type]",
    ],
    "registration-list": [
        "tests/fixtures/invalid/registration-list.yaml:9:15: error: registration: must be a mapping, not a list [type]",
    ],
    "defaults-null": [
        "tests/fixtures/invalid/defaults-null.yaml:9:11: error: defaults: must be a mapping, not nothing (an empty value) [type]",
    ],
    "decimal-where-whole-number": [
        "tests/fixtures/invalid/decimal-where-whole-number.yaml:6:11: error: firmware: must be a whole number, not infinity [type]",
        "tests/fixtures/invalid/decimal-where-whole-number.yaml:10:25: error: providers[0].reregister_seconds: must be a whole number, not a decimal number [type]",
        "tests/fixtures/invalid/decimal-where-whole-number.yaml:14:15: error: registration.window.duration: 7200.0 is not a duration: seconds, or a number followed by s, m, h or d, or 'always' [type]",
        "tests/fixtures/invalid/decimal-where-whole-number.yaml:16:11: error: handsets[0].slot: must be a whole number, not a decimal number [type]",
    ],
    "threshold-not-a-number": [
        "tests/fixtures/invalid/threshold-not-a-number.yaml:6:27: error: deregistration_threshold: must be a number, not NaN [type]",
    ],
    "retention-too-short": [
        "tests/fixtures/invalid/retention-too-short.yaml:6:27: error: deregistration_retention: 12h is shorter than a day: a DM that misses the fetches of one night would keep the handset; give at least 1d [deregistration-retention]",
    ],
    "retention-too-long": [
        "tests/fixtures/invalid/retention-too-long.yaml:6:27: error: deregistration_retention: 3651d is longer than ten years (3650d), the longest retention [deregistration-retention]",
    ],
    "retention-not-a-duration": [
        "tests/fixtures/invalid/retention-not-a-duration.yaml:6:27: error: deregistration_retention: '30 days' is not a duration: a number followed by h or d, e.g. 30d or 72h [format]",
    ],
    "line-break-in-value": [
        "tests/fixtures/invalid/line-break-in-value.yaml:6:11: error: timezone: 'Europe/\\nBerlin' is not an IANA time zone (such as 'Europe/Berlin' or 'UTC') [timezone]",
        "tests/fixtures/invalid/line-break-in-value.yaml:13:15: error: handsets[0].provider: no provider is named 'PBX\\t' (providers: PBX) [provider-unknown]",
    ],
    "quoted-number-and-boolean": [
        "tests/fixtures/invalid/quoted-number-and-boolean.yaml:6:11: error: firmware: must be a whole number, not text [type]",
        "tests/fixtures/invalid/quoted-number-and-boolean.yaml:13:14: error: handsets[0].enabled: must be true or false, not text [type]",
    ],

    # -- The schema: formats (with the schema's x-hint), enums, ranges, counts, empty texts
    "mac-bad-format": [
        "tests/fixtures/invalid/mac-bad-format.yaml:4:6: error: mac: '7C:2F:80:12:34' is not a MAC address (12 hex digits, with ':' or '-' between pairs or no separators) [format]",
    ],
    "site-bad-format": [
        "tests/fixtures/invalid/site-bad-format.yaml:2:7: error: site: 'Site_Bad_Format' is not a site name (lower-case letters, digits and '-', starting with a letter or digit, at most 63 characters) [format]",
        "tests/fixtures/invalid/site-bad-format.yaml:2:7: error: site: site 'Site_Bad_Format' must equal the file name 'site-bad-format': rename one of them [site-name]",
    ],
    "host-bad-format": [
        "tests/fixtures/invalid/host-bad-format.yaml:9:12: error: providers[0].proxy: 'pbx example.net' is not a host name or IPv4 address, optionally with ':port' [format]",
        "tests/fixtures/invalid/host-bad-format.yaml:10:21: error: providers[0].outbound_proxy: 'sbc.example.net:sip' is not a host name or IPv4 address, optionally with ':port' [format]",
    ],
    "extra-id-format": [
        "tests/fixtures/invalid/extra-id-format.yaml:10:3: error: extra.ntp_server: 'ntp_server' is not a device parameter ID such as 'BS_IP_Data.ucI_HTTPLANGUAGE' (N720) or 'DmGlobal.0.HSIdleDisplay' (Nx70) [format]",
        "tests/fixtures/invalid/extra-id-format.yaml:11:3: error: extra.BS_IP_Data..ucB: 'BS_IP_Data..ucB' is not a device parameter ID such as 'BS_IP_Data.ucI_HTTPLANGUAGE' (N720) or 'DmGlobal.0.HSIdleDisplay' (Nx70) [format]",
    ],
    "model-unknown": [
        "tests/fixtures/invalid/model-unknown.yaml:3:8: error: model: 'N730' is not one of: N720, N870, N870E, N770, N670, N610 [enum]",
    ],
    "out-of-range": [
        "tests/fixtures/invalid/out-of-range.yaml:6:27: error: deregistration_threshold: 150 is out of range: must be at most 100 [range]",
        "tests/fixtures/invalid/out-of-range.yaml:10:25: error: providers[0].reregister_seconds: 5 is out of range: must be at least 10 [range]",
        "tests/fixtures/invalid/out-of-range.yaml:12:11: error: handsets[0].slot: 100 is out of range: must be at most 99 [range]",
    ],
    "extra-byte-too-large": [
        "tests/fixtures/invalid/extra-byte-too-large.yaml:10:38: error: extra.BS_IP_Data.aucSomething[0][1]: 256 is out of range: must be at most 255 [range]",
        "tests/fixtures/invalid/extra-byte-too-large.yaml:10:43: error: extra.BS_IP_Data.aucSomething[0][2]: must be a whole number, not text [type]",
    ],
    "port-out-of-range": [
        "tests/fixtures/invalid/port-out-of-range.yaml:9:12: error: providers[0].proxy: port 65536 is out of range: must be 1 to 65535 [range]",
        "tests/fixtures/invalid/port-out-of-range.yaml:10:16: error: providers[0].registrar: port 0 is out of range: must be 1 to 65535 [range]",
    ],
    "providers-none": [
        "tests/fixtures/invalid/providers-none.yaml:6:12: error: providers: has 0 entries; at least 1 needed [count]",
    ],
    "providers-eleven": [
        "tests/fixtures/invalid/providers-eleven.yaml:7:3: error: providers: has 11 entries; at most 10 allowed [count]",
    ],
    "empty-text": [
        "tests/fixtures/invalid/empty-text.yaml:5:15: error: profile_name: must not be empty [empty]",
        "tests/fixtures/invalid/empty-text.yaml:10:12: error: handsets[0].login: must not be empty [empty]",
    ],

    # -- Identities: the site's name, IPUIs and IPEIs, logins, slots, capacity
    "site-name-mismatch": [
        "tests/fixtures/invalid/site-name-mismatch.yaml:2:7: error: site: site 'acme-hq' must equal the file name 'site-name-mismatch': rename one of them [site-name]",
    ],
    "ipui-wrong-length": [
        "tests/fixtures/invalid/ipui-wrong-length.yaml:10:11: error: handsets[0].ipui: '02B6EC8AA' is not an IPUI (10 hex digits, or a 13-digit IPEI) [ipui-format]",
        "tests/fixtures/invalid/ipui-wrong-length.yaml:13:11: error: handsets[1].ipui: '02B6EC8AA5A' is not an IPUI (10 hex digits, or a 13-digit IPEI) [ipui-format]",
    ],
    "ipui-not-hex": [
        "tests/fixtures/invalid/ipui-not-hex.yaml:10:11: error: handsets[0].ipui: '02B6EC8AAG' is not an IPUI (10 hex digits, or a 13-digit IPEI) [ipui-format]",
    ],
    "ipui-first-digit-not-zero": [
        "tests/fixtures/invalid/ipui-first-digit-not-zero.yaml:10:11: error: handsets[0].ipui: '12B6EC8AA5' is not an IPUI: an IPUI of type N starts with the digit 0 [ipui-format]",
    ],
    "ipui-ipei-too-large": [
        "tests/fixtures/invalid/ipui-ipei-too-large.yaml:10:11: error: handsets[0].ipui: '99999 0821925 6' is not an IPEI: the first 5 digits must be at most 65535 and the next 7 at most 1048575 [ipui-format]",
    ],
    "ipui-star-misplaced": [
        "tests/fixtures/invalid/ipui-star-misplaced.yaml:10:11: error: handsets[0].ipui: '11118 082192* 6' is not an IPUI (10 hex digits, or a 13-digit IPEI) [ipui-format]",
        "tests/fixtures/invalid/ipui-star-misplaced.yaml:13:11: error: handsets[1].ipui: '02B6EC8AA*' is not an IPUI (10 hex digits, or a 13-digit IPEI) [ipui-format]",
    ],
    "ipui-empty": [
        "tests/fixtures/invalid/ipui-empty.yaml:10:11: error: handsets[0].ipui: '' is not an IPUI (10 hex digits, or a 13-digit IPEI) [ipui-format]",
    ],
    "ipui-zero": [
        "tests/fixtures/invalid/ipui-zero.yaml:10:11: error: handsets[0].ipui: the all-zero IPUI is not a handset: it is the value that deregisters one (remove the entry instead) [ipui-zero]",
        "tests/fixtures/invalid/ipui-zero.yaml:13:11: error: handsets[1].ipui: the all-zero IPUI is not a handset: it is the value that deregisters one (remove the entry instead) [ipui-zero]",
    ],
    "ipui-bad-check-digit": [
        "tests/fixtures/invalid/ipui-bad-check-digit.yaml:10:11: error: handsets[0].ipui: '11118 0821925 5' has check digit 5, but its digits give 6: one of the 13 digits is mistyped [ipei-check-digit]",
        "tests/fixtures/invalid/ipui-bad-check-digit.yaml:13:11: error: handsets[1].ipui: '11118 0821925 *' has check digit *, but its digits give 6: one of the 13 digits is mistyped [ipei-check-digit]",
    ],
    "ipui-duplicate": [
        "tests/fixtures/invalid/ipui-duplicate.yaml:13:11: error: handsets[1].ipui: IPUI 02B6EC8AA5 (IPEI 11118 0821925 6) is already used by handsets[0] [ipui-duplicate]",
    ],
    "login-duplicate": [
        "tests/fixtures/invalid/login-duplicate.yaml:12:12: error: handsets[1].login: login '1013' is already used by handsets[0] [login-duplicate]",
    ],
    "secret-scope": [
        "tests/fixtures/invalid/secret-scope.yaml:11:24: error: handsets[0].password.secret: secret 'care-home/2101' is not this site's: a site names its own secrets, 'secret-scope/...', or shared ones, 'shared/...' [secret-scope]",
        "tests/fixtures/invalid/secret-scope.yaml:13:24: error: handsets[1].password.secret: secret 'pbx-trunk' is not this site's: a site names its own secrets, 'secret-scope/...', or shared ones, 'shared/...' [secret-scope]",
        "tests/fixtures/invalid/secret-scope.yaml:15:24: error: handsets[2].password.secret: secret 'secret-scope.old/1015' is not this site's: a site names its own secrets, 'secret-scope/...', or shared ones, 'shared/...' [secret-scope]",
        "tests/fixtures/invalid/secret-scope.yaml:17:24: error: handsets[3].password.secret: secret 'secret-scope/' is not this site's: a site names its own secrets, 'secret-scope/...', or shared ones, 'shared/...' [secret-scope]",
    ],
    "secret-collision": [
        "tests/fixtures/invalid/secret-collision.yaml:15:24: error: handsets[2].password.secret: secret 'secret-collision/desk-1' and 'secret-collision/desk.1' (handsets[0]) are both read from the environment variable DECTPROV_SECRET_SECRET_COLLISION_DESK_1: rename one of them [secret-collision]",
        "tests/fixtures/invalid/secret-collision.yaml:19:24: error: handsets[4].password.secret: secret 'shared/a/b' and 'shared/a_b' (handsets[3]) are both read from the environment variable DECTPROV_SECRET_SHARED_A_B: rename one of them [secret-collision]",
    ],
    "slot-duplicate": [
        "tests/fixtures/invalid/slot-duplicate.yaml:13:11: error: handsets[1].slot: slot 3 is already used by handsets[0] [slot-duplicate]",
    ],
    "handset-capacity": [
        "tests/fixtures/invalid/handset-capacity.yaml:10:3: error: handsets: 101 handsets, but an N720 holds 100 [handset-capacity]",
    ],
    "firmware-ipui": [
        "tests/fixtures/invalid/firmware-ipui.yaml:6:11: error: firmware: firmware 107 cannot take handset IPUIs (they need 108 or newer), and 2 handsets set one: update the DM, or remove the ipui lines and register those handsets with the PIN [firmware-ipui]",
    ],

    # -- References and values
    "provider-duplicate": [
        "tests/fixtures/invalid/provider-duplicate.yaml:9:11: error: providers[1].name: provider 'PBX' is already defined as providers[0] [provider-duplicate]",
    ],
    "provider-unknown": [
        "tests/fixtures/invalid/provider-unknown.yaml:10:13: error: defaults.provider: no provider is named 'PXB' (providers: PBX) [provider-unknown]",
        "tests/fixtures/invalid/provider-unknown.yaml:14:15: error: handsets[0].provider: no provider is named 'Trunk' (providers: PBX) [provider-unknown]",
    ],
    "voicemail-true": [
        "tests/fixtures/invalid/voicemail-true.yaml:10:14: error: defaults.voicemail: voicemail: true names no mailbox; give its number, e.g. \"*2\", or false [voicemail-value]",
        "tests/fixtures/invalid/voicemail-true.yaml:14:16: error: handsets[0].voicemail: voicemail: true names no mailbox; give its number, e.g. \"*2\", or false [voicemail-value]",
    ],
    "window-start-not-a-date": [
        "tests/fixtures/invalid/window-start-not-a-date.yaml:11:12: error: registration.window.start: '2017-02-30 10:00' is not a real date and time [window-start]",
    ],
    "window-start-year-1999": [
        "tests/fixtures/invalid/window-start-year-1999.yaml:11:12: error: registration.window.start: year 1999 is out of range: the DM stores a 2-digit year, so 2000..2099 [window-start]",
    ],
    "window-duration-too-long": [
        "tests/fixtures/invalid/window-duration-too-long.yaml:12:15: error: registration.window.duration: 4295030400 seconds is longer than the DM can store (4294967295); use 'always' for a window that never closes [window-duration]",
    ],
    # -- Window starts the site's zone cannot place: a skipped or repeated hour, a wrong offset
    "window-start-skipped-hour": [
        "tests/fixtures/invalid/window-start-skipped-hour.yaml:12:12: error: registration.window.start: '2026-03-29 02:30' does not exist in Europe/Berlin: on 2026-03-29 the clocks jump from 02:00 to 03:00; choose a time before 02:00 or from 03:00 [window-start]",
    ],
    "window-start-repeated-hour": [
        "tests/fixtures/invalid/window-start-repeated-hour.yaml:12:12: error: registration.window.start: '2026-10-25 02:30' occurs twice in Europe/Berlin: on 2026-10-25 the clocks go back from 03:00 to 02:00; add the offset of the one you mean, '2026-10-25 02:30+02:00' (the first) or '2026-10-25 02:30+01:00' (the second) [window-start]",
    ],
    "window-start-offset-not-the-zones": [
        "tests/fixtures/invalid/window-start-offset-not-the-zones.yaml:12:12: error: registration.window.start: '2026-10-25 02:30+03:00': Europe/Berlin is at +02:00 or +01:00 at that time, not +03:00; write '2026-10-25 02:30+02:00' or '2026-10-25 02:30+01:00' [window-start]",
    ],
    "window-start-winter-with-summer-offset": [
        "tests/fixtures/invalid/window-start-winter-with-summer-offset.yaml:12:12: error: registration.window.start: '2026-03-01 10:00+02:00': Europe/Berlin is at +01:00 at that time, not +02:00; write '2026-03-01 10:00+01:00' or '2026-03-01 10:00' [window-start]",
    ],
    "nx70-window-always": [
        "tests/fixtures/invalid/nx70-window-always.yaml:12:15: error: registration.window.duration: the N670 has no window that never closes: Gigaset's wiki defines it as open from RegStart to RegStart + RegDuration, so RegDuration 0 would close it as it opens, and no source gives the longest window the DM takes; give a duration such as \"2d\", and move the start on when it has closed [window-always-unsupported]",
    ],
    "timezone-unknown": [
        "tests/fixtures/invalid/timezone-unknown.yaml:6:11: error: timezone: 'Europe/Berlinn' is not an IANA time zone (such as 'Europe/Berlin' or 'UTC') [timezone]",
    ],

    # -- What the N720 can store: its character set, text lengths, the parameters it owns
    "text-double-quote": [
        "tests/fixtures/invalid/text-double-quote.yaml:12:19: error: handsets[0].display_name: contains '\"', which the N720 cannot store inside its quoted strings [text-charset]",
    ],
    "text-control-character": [
        "tests/fixtures/invalid/text-control-character.yaml:12:19: error: handsets[0].display_name: contains a control character (U+0009); use plain text on one line [text-charset]",
    ],
    "text-not-latin1": [
        "tests/fixtures/invalid/text-not-latin1.yaml:5:15: error: profile_name: contains 'Ł' (U+0141) outside ISO-8859-1, the only character set of the N720 file [text-charset]",
        "tests/fixtures/invalid/text-not-latin1.yaml:12:19: error: handsets[0].display_name: contains '😀' (U+1F600) outside ISO-8859-1, the only character set of the N720 file [text-charset]",
    ],
    "password-bad-characters": [
        "tests/fixtures/invalid/password-bad-characters.yaml:11:15: error: handsets[0].password: contains a character the N720 cannot store (a double quote, a control character, or a letter outside ISO-8859-1) [text-charset]",
        "tests/fixtures/invalid/password-bad-characters.yaml:13:15: error: handsets[1].password: contains a character the N720 cannot store (a double quote, a control character, or a letter outside ISO-8859-1) [text-charset]",
    ],
    "text-too-long": [
        "tests/fixtures/invalid/text-too-long.yaml:5:15: error: profile_name: is 25 characters long; the N720 takes at most 20 [text-length]",
        "tests/fixtures/invalid/text-too-long.yaml:12:19: error: handsets[0].display_name: is 36 characters long; the N720 takes at most 32 [text-length]",
    ],
    "site-name-too-long-for-profile": [
        "tests/fixtures/invalid/site-name-too-long-for-profile.yaml:2:7: error: site: is 30 characters long and also fills profile_name, where the N720 takes at most 20: set profile_name explicitly [text-length]",
    ],
    "login-too-long-for-names": [
        "tests/fixtures/invalid/login-too-long-for-names.yaml:10:12: error: handsets[0].login: is 41 characters long and also fills display_name and account_name, where the N720 takes at most 32: set display_name and account_name explicitly [text-length]",
    ],
    "extra-owned": [
        "tests/fixtures/invalid/extra-owned.yaml:10:3: error: extra.BS_CUSTOM.aucKdsPin[0]: is written by the compiler from 'registration.pin'; set it there instead [extra-owned]",
        "tests/fixtures/invalid/extra-owned.yaml:11:3: error: extra.BS_VOIP_Data.astVoipAccounts[7].aucS_SIP_LOGIN_ID[0]: is written by the compiler from 'handsets[].login'; set it there instead [extra-owned]",
    ],
    # -- site settings: refused per family where no public source has them, wrong forms
    "n720-settings-refused": [
        "tests/fixtures/invalid/n720-settings-refused.yaml:7:11: error: timezone: 'Asia/Tehran' is UTC+03:30 without daylight saving time, and the N720's zone list as published has no index for that offset; the nearest are UTC+03:00 and UTC+04:00. Choose a zone with one of those offsets, or remove 'timezone:' (with no registration window either, the DM's zone is left as it is) and set the zone in the DM's web UI [timezone-unsupported]",
        "tests/fixtures/invalid/n720-settings-refused.yaml:9:11: error: provisioning.server: the N720 takes its data server without a scheme, as Gigaset's template writes it (profile.gigaset.net/device): remove 'http://' [setting-value]",
        "tests/fixtures/invalid/n720-settings-refused.yaml:11:12: error: firmware_update.version: 'firmware_update.version' is not written for the N720: it is the Nx70's firmware file; the N720 takes the URLs of its two files, iwu and sat (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/n720-settings-refused.yaml:12:8: error: firmware_update.url: 'firmware_update.url' is not written for the N720: it is the Nx70's firmware file; the N720 takes the URLs of its two files, iwu and sat (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/n720-settings-refused.yaml:17:9: error: directory.user: 'directory.user' is not written for the N720: no public source gives the code of ucAuthPossibilities for an XML directory that logs in (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/n720-settings-refused.yaml:18:13: error: directory.password: 'directory.password' is not written for the N720: no public source gives the code of ucAuthPossibilities for an XML directory that logs in (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/n720-settings-refused.yaml:23:3: error: extra.BS_CUSTOM.WebUIPassword: is written by the compiler from 'admin_password'; set it there instead [extra-owned]",
        "tests/fixtures/invalid/n720-settings-refused.yaml:24:3: error: extra.BS_IP_Data.uiI_TIME_TIMEZONE: is written by the compiler from 'timezone'; set it there instead [extra-owned]",
    ],
    "nx70-settings-refused": [
        "tests/fixtures/invalid/nx70-settings-refused.yaml:6:11: warning: timezone: 'Asia/Kolkata' is not written to the N870: the only public list of the zones it takes (Wazo's Nx70 plugin) does not name it, so the DM keeps the zone it has; choose a listed zone with the same rules (for UTC: Greenwich) or set it in the DM's web UI. The registration window is unaffected (RegStart is UTC) [timezone-not-written]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:8:8: error: time.dst: 'time.dst' is not written for the N870: its zone (DmGlobal.0.TimeZone, an IANA name) carries the daylight-saving rule (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:10:11: error: provisioning.server: the N870 takes its provisioning server as a URL, as Wazo's template writes it: start it with http:// or https:// [setting-value]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:11:18: error: provisioning.check_updates: 'provisioning.check_updates' is not written for the N870: no public source gives its parameter (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:13:3: error: firmware_update: version and url go together: the N870 updates when the file's version is newer than its own [required]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:13:8: error: firmware_update.iwu: 'firmware_update.iwu' is not written for the N870: it is the N720's; the Nx70 takes one file, version and url (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:16:9: error: directory.type: 'directory.type: ldap' is not written for the N870: no public source gives its parameter (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:20:9: error: directory.user: 'directory.user' is not written for the N870: no public source gives its parameter (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:21:13: error: directory.password: 'directory.password' is not written for the N870: no public source gives its parameter (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:23:3: error: network: 'network' is not written for the N870: no public source gives its parameters (see the README's table of site settings) [setting-unsupported]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:25:10: error: locale.tones: the N870 takes the tone schemes Germany, France, Spain; no public source gives the name of 'Italy' [setting-unsupported]",
        "tests/fixtures/invalid/nx70-settings-refused.yaml:26:22: error: locale.dial_plan_country: 'locale.dial_plan_country' is not written for the N870: no public source gives its parameter (see the README's table of site settings) [setting-unsupported]",
    ],
    "settings-values": [
        "tests/fixtures/invalid/settings-values.yaml:8:17: error: admin_password: must be {secret: NAME}, not text [type]",
        "tests/fixtures/invalid/settings-values.yaml:10:15: error: time.ntp_server: 'ntp.example.net:123' is not a host name or IPv4 address [format]",
        "tests/fixtures/invalid/settings-values.yaml:12:3: error: directory: 'base_dn' is required for a directory of type ldap [required]",
        "tests/fixtures/invalid/settings-values.yaml:12:3: error: directory: 'server' is required for a directory of type ldap [required]",
        "tests/fixtures/invalid/settings-values.yaml:14:3: error: directory.url: 'url' belongs to the other type of directory, not to type ldap [directory-key]",
        "tests/fixtures/invalid/settings-values.yaml:15:22: error: directory.password.secret: secret 'other-site/ldap' is not this site's: a site names its own secrets, 'settings-values/...', or shared ones, 'shared/...' [secret-scope]",
        "tests/fixtures/invalid/settings-values.yaml:17:14: error: network.vlan.id: 4095 is out of range: must be at most 4094 [range]",
        "tests/fixtures/invalid/settings-values.yaml:17:30: error: network.vlan.priority: 8 is out of range: must be at most 7 [range]",
        "tests/fixtures/invalid/settings-values.yaml:19:10: error: locale.tones: 'Narnia' is not one of: International, Australia, France, Germany, Italy, Netherlands, Poland, Russia, Spain, Switzerland, United Kingdom, United States [enum]",
        "tests/fixtures/invalid/settings-values.yaml:21:8: error: firmware_update.iwu: 'ftp://prov.example.net/iwu.bin' is not an http:// or https:// URL without spaces [format]",
    ],
    "extra-empty-list": [
        "tests/fixtures/invalid/extra-empty-list.yaml:10:31: error: extra.BS_IP_Data.aucSomething[0]: an empty list is no byte array; give at least one byte [extra-value]",
    ],

    # -- What the Nx70 family (N870, N870E, N770, N670, N610) cannot do, and the N720 not either
    "nx70-slot": [
        "tests/fixtures/invalid/nx70-slot.yaml:13:11: error: handsets[0].slot: slot: is the N720's database position; the N870 keeps handsets by IPUI, so remove it [slot-unsupported]",
    ],
    "nx70-handset-without-ipui": [
        "tests/fixtures/invalid/nx70-handset-without-ipui.yaml:13:5: error: handsets[1]: on the N770 every handset needs an ipui: registration without one is not supported yet (its file form is not verified) [ipui-required]",
    ],
    "nx70-enabled-false": [
        "tests/fixtures/invalid/nx70-enabled-false.yaml:10:12: error: defaults.enabled: the N670 file has no documented way to disable an account; remove the entry to deregister its handset [enabled-unsupported]",
        "tests/fixtures/invalid/nx70-enabled-false.yaml:19:14: error: handsets[1].enabled: the N670 file has no documented way to disable an account; remove the entry to deregister its handset [enabled-unsupported]",
    ],
    "nx70-pin-random": [
        "tests/fixtures/invalid/nx70-pin-random.yaml:10:8: error: registration.pin: the N870E takes a fixed PIN per handset; give 4 digits [pin-random-unsupported]",
    ],
    "nx70-extra-byte-array": [
        "tests/fixtures/invalid/nx70-extra-byte-array.yaml:10:25: error: extra.DmGlobal.0.Something: the Nx70 file has no byte arrays; give text or a number [extra-value]",
    ],
    "nx70-extra-n720-id": [
        "tests/fixtures/invalid/nx70-extra-n720-id.yaml:10:3: error: extra.BS_IP_Data.aucS_TIME_NTP_SERVER[%]: is not an Nx70 parameter name (dotted words such as 'DmGlobal.0.HSIdleDisplay') [extra-name]",
    ],
    "nx70-extra-owned": [
        "tests/fixtures/invalid/nx70-extra-owned.yaml:10:3: error: extra.SipAccount.0332a11b01.AuthName: is written by the compiler from 'handsets[].login'; set it there instead [extra-owned]",
        "tests/fixtures/invalid/nx70-extra-owned.yaml:11:3: error: extra.hs.0332a11b01.DECT_AC: is written by the compiler from 'registration.pin'; set it there instead [extra-owned]",
    ],
    "nx70-text-not-a-character": [
        "tests/fixtures/invalid/nx70-text-not-a-character.yaml:12:15: error: handsets[0].password: contains a code point that is not a character; an XML file cannot carry it [text-charset]",
        "tests/fixtures/invalid/nx70-text-not-a-character.yaml:13:19: error: handsets[0].display_name: contains U+FFFE, which is not a character; an XML file cannot carry it [text-charset]",
    ],
    "nx70-capacity": [
        "tests/fixtures/invalid/nx70-capacity.yaml:10:3: error: handsets: 9 handsets, but an N610 holds 8 [handset-capacity]",
    ],
    "n720-authoritative": [
        "tests/fixtures/invalid/n720-authoritative.yaml:6:16: error: authoritative: authoritative mode belongs to the Nx70 family; on the N720 the compiler deregisters a removed handset by zeroing its slot [authoritative-unsupported]",
    ],

    # -- Typed provider settings: refused where no public source gives them
    "n720-provider-settings-unsupported": [
        "tests/fixtures/invalid/n720-provider-settings-unsupported.yaml:9:16: error: providers[0].transport: transport 'tls' is not written for the N720: no public source gives its code, only UDP's (17) (see the README's table of unverified facts) [setting-unsupported]",
        "tests/fixtures/invalid/n720-provider-settings-unsupported.yaml:10:11: error: providers[0].srtp: 'srtp' is not written for the N720: no public source gives its parameter (see the README's table of unverified facts) [setting-unsupported]",
        "tests/fixtures/invalid/n720-provider-settings-unsupported.yaml:11:13: error: providers[0].codecs: 'codecs' is not written for the N720: it keeps one codec list for all its providers (BS_VOIP_Data.ucI_SIP_AVAILABLE_VOCODER), and no public source says which of its codes is which codec (see the README's table of unverified facts) [setting-unsupported]",
    ],
    "n720-dtmf-per-provider": [
        "tests/fixtures/invalid/n720-dtmf-per-provider.yaml:12:11: error: providers[1].dtmf: the N720 has one DTMF mode for all its providers, and providers[0] sets dtmf: rfc2833: give every provider the same [setting-global]",
        "tests/fixtures/invalid/n720-dtmf-per-provider.yaml:13:5: error: providers[2]: the N720 has one DTMF mode for all its providers, and providers[0] sets dtmf: rfc2833: give every provider the same [setting-global]",
    ],
    "nx70-provider-settings-unsupported": [
        "tests/fixtures/invalid/nx70-provider-settings-unsupported.yaml:9:11: error: providers[0].dtmf: dtmf 'auto' is not written for the N670: no public source gives a code for it (the family's: inband, rfc2833, sip-info) (see the README's table of unverified facts) [setting-unsupported]",
        "tests/fixtures/invalid/nx70-provider-settings-unsupported.yaml:10:13: error: providers[0].codecs: 'codecs' is not written for the N670: no public source gives its parameters (the Nx70 templates write none) (see the README's table of unverified facts) [setting-unsupported]",
        "tests/fixtures/invalid/nx70-provider-settings-unsupported.yaml:11:11: error: providers[0].stun: 'stun' is not written for the N670: no public source gives its parameters (see the README's table of unverified facts) [setting-unsupported]",
    ],
    "provider-settings-bad": [
        "tests/fixtures/invalid/provider-settings-bad.yaml:9:11: error: providers[0].stun: stun: true names no server; give {server: host[:port]}, or false to turn STUN off [stun-value]",
        "tests/fixtures/invalid/provider-settings-bad.yaml:12:13: error: providers[1].codecs: 'codecs' is not written for the N720: it keeps one codec list for all its providers (BS_VOIP_Data.ucI_SIP_AVAILABLE_VOCODER), and no public source says which of its codes is which codec (see the README's table of unverified facts) [setting-unsupported]",
        "tests/fixtures/invalid/provider-settings-bad.yaml:12:27: error: providers[1].codecs[2]: 'g711a' is already in the list; name each codec once [codec-duplicate]",
        "tests/fixtures/invalid/provider-settings-bad.yaml:14:15: error: providers[1].stun.server: port 70000 is out of range: must be 1 to 65535 [range]",
        "tests/fixtures/invalid/provider-settings-bad.yaml:15:24: error: providers[1].stun.refresh_seconds: 5 is out of range: must be at least 10 [range]",
    ],

    # -- YAML: what the loader refuses
    "duplicate-key": [
        "tests/fixtures/invalid/duplicate-key.yaml:12:5: error: handsets[0].login: duplicate key 'login' (first at line 10); YAML would silently keep only the last one [duplicate-key]",
    ],
    "yaml-syntax": [
        "tests/fixtures/invalid/yaml-syntax.yaml:12:1: error: found unexpected end of stream (while scanning a quoted scalar at line 10) [yaml-syntax]",
    ],
    "yaml-syntax-indentation": [
        "tests/fixtures/invalid/yaml-syntax-indentation.yaml:11:4: error: did not find expected '-' indicator (while parsing a block collection at line 10) [yaml-syntax]",
    ],
    "yaml-tag": [
        "tests/fixtures/invalid/yaml-tag.yaml:11:15: error: handsets[0].password: tag '!vault' is not allowed in a site file; remove it [yaml-tag]",
    ],
    "yaml-merge-key": [
        "tests/fixtures/invalid/yaml-merge-key.yaml:10:5: error: providers[1]: merge keys ('<<') are not supported; use 'defaults:' or write the keys out [yaml-merge-key]",
    ],
    "yaml-key-not-text": [
        "tests/fixtures/invalid/yaml-key-not-text.yaml:12:5: error: handsets[0]: key '1013' is not text; quote it if it is meant as a name [yaml-key]",
    ],
    "yaml-value": [
        "tests/fixtures/invalid/yaml-value.yaml:9:25: error: providers[0].reregister_seconds: '0x_' is not a valid int; quote it if it is meant as text [yaml-value]",
    ],
    "yaml-multiple-documents": [
        "tests/fixtures/invalid/yaml-multiple-documents.yaml:12:1: error: a site file holds one YAML document; remove the second '---' [yaml-multiple-documents]",
    ],
    "yaml-too-deep": [
        "tests/fixtures/invalid/yaml-too-deep.yaml:10:93: error: extra.BS_IP_Data.aucSomething[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: the file nests deeper than 64 levels [yaml-too-deep]",
    ],
    "yaml-too-large": [
        "tests/fixtures/invalid/yaml-too-large.yaml:15:30: error: extra.BS.l5[3]: the document expands to more than 100000 values (aliases repeated too often?) [yaml-too-large]",
    ],
    "site-empty": [
        "tests/fixtures/invalid/site-empty.yaml:1:1: error: the file holds no site (it is empty) [site-empty]",
    ],
    "site-not-mapping": [
        "tests/fixtures/invalid/site-not-mapping.yaml:2:1: error: the top level must be a mapping of keys such as 'site:' and 'handsets:' [site-not-mapping]",
    ],
    "file-encoding": [
        "tests/fixtures/invalid/file-encoding.yaml:12:20: error: the file is not UTF-8 (byte 0xFC); save it as UTF-8 [file-encoding]",
    ],

    # -- Several problems in one file: all of them, in one run
    "several-problems": [
        "tests/fixtures/invalid/several-problems.yaml:6:11: error: timezone: 'Europe/Berln' is not an IANA time zone (such as 'Europe/Berlin' or 'UTC') [timezone]",
        "tests/fixtures/invalid/several-problems.yaml:10:12: error: providers[0].proxy: port 99999 is out of range: must be 1 to 65535 [range]",
        "tests/fixtures/invalid/several-problems.yaml:13:12: error: registration.window.start: '2017-02-29 10:00' is not a real date and time [window-start]",
        "tests/fixtures/invalid/several-problems.yaml:15:8: error: registration.pin: must be text, but YAML reads 0000 as a number: quote it, \"0000\" [type]",
        "tests/fixtures/invalid/several-problems.yaml:20:15: error: handsets[0].provider: no provider is named 'PBX2' (providers: PBX) [provider-unknown]",
        "tests/fixtures/invalid/several-problems.yaml:21:11: error: handsets[1].ipui: IPUI 02B6EC8AA5 (IPEI 11118 0821925 6) is already used by handsets[0] [ipui-duplicate]",
        "tests/fixtures/invalid/several-problems.yaml:22:12: error: handsets[1].login: login '1013' is already used by handsets[0] [login-duplicate]",
        "tests/fixtures/invalid/several-problems.yaml:23:15: error: handsets[1].password: must be text or {secret: NAME}, but YAML reads the value as a number: quote it [type]",
        "tests/fixtures/invalid/several-problems.yaml:24:5: error: handsets[1].voicemial: unknown key 'voicemial'; did you mean 'voicemail'? [unknown-key]",
        "tests/fixtures/invalid/several-problems.yaml:25:11: error: handsets[2].ipui: '02B6EC8AA' is not an IPUI (10 hex digits, or a 13-digit IPEI) [ipui-format]",
        "tests/fixtures/invalid/several-problems.yaml:28:19: error: handsets[2].display_name: contains '\"', which the N720 cannot store inside its quoted strings [text-charset]",
    ],
}

# Problems a committed file cannot show well: built into tmp_path, checked with it as root.
GENERATED: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "file-too-large": (
        lambda directory: _write(directory / "file-too-large.yaml",
                                 b"# padding\n" * (load.MAX_FILE_BYTES // 10 + 1)),
        ["file-too-large.yaml:1:1: error: the file is over 1024 KiB; a site file is never that large [file-too-large]"],
    ),
    "file-unreadable": (
        lambda directory: directory / "file-unreadable.yaml",  # never written
        ["file-unreadable.yaml: error: cannot read the file: No such file or directory [file-unreadable]"],
    ),
}

# Both files claim one handset (as IPUI in the first, as IPEI in the second).
CROSS_SITE_EXPECTED = [
    "tests/fixtures/cross-site/south-wing.yaml:12:11: error: handsets[1].ipui: IPUI 02B6EC8AA5 (IPEI 11118 0821925 6) is also in tests/fixtures/cross-site/north-wing.yaml:9 (handsets[0].ipui); a handset registers with one DECT manager only [ipui-duplicate-site]",
]

# Rule ids the sources can produce but no input reaches, each with the reason.
UNREACHABLE_RULES = {
    "schema": "the fallback for a JSON Schema keyword that site.schema.json does not use",
}
RULE_SOURCES = ("compiler/validate.py", "compiler/ipui.py", "compiler/load.py",
                "compiler/targets/n720/__init__.py", "compiler/targets/nx70/__init__.py")
# The argument that is the rule id, in the calls that make a diagnostic.
RULE_ARGUMENT = {"error": 1, "add": 1, "IpuiError": 0, "Diagnostic": 4}
RULE_ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
# Encodings, a schema keyword, and the advice only `validate` gives (tested in test_cli).
NOT_RULES = {"utf-8", "iso-8859-1", "x-hint", "literal-password",
             "extra-password"}


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def fixture(name: str) -> Path:
    return INVALID / f"{name}.yaml"


def _rule(line: str) -> str:
    match = RULE.search(line)
    assert match is not None, line
    return match.group(1)


# --- every fixture, exactly -----------------------------------------------------------------


@pytest.mark.parametrize("name", EXPECTED)
def test_fixture_gives_exactly_its_diagnostics(name: str) -> None:
    assert texts(fixture(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", GENERATED)
def test_generated_file_gives_exactly_its_diagnostics(name: str, tmp_path: Path) -> None:
    make, expected = GENERATED[name]
    assert texts(make(tmp_path), root=tmp_path) == expected


def test_window_of_an_unknown_model_is_held_to_what_every_target_stores(tmp_path: Path) -> None:
    text = fixture("window-start-year-1999").read_text(encoding="utf-8")
    text = text.replace("model: N720", "model: N999").replace("duration: 2h", "duration: 49711d")
    path = _write(tmp_path / "window-start-year-1999.yaml", text.encode())
    assert texts(path, root=tmp_path) == [
        "window-start-year-1999.yaml:3:8: error: model: 'N999' is not one of: N720, N870, "
        "N870E, N770, N670, N610 [enum]",
        "window-start-year-1999.yaml:11:12: error: registration.window.start: year 1999 is out "
        "of range: the DM stores a 2-digit year, so 2000..2099 [window-start]",
        "window-start-year-1999.yaml:12:15: error: registration.window.duration: 4295030400 "
        "seconds is longer than the DM can store (4294967295); use 'always' for a window that "
        "never closes [window-duration]"]


def test_an_unknown_model_hides_no_check_that_holds_for_every_model(tmp_path: Path) -> None:
    """A control character, a text longer than any model takes and an extra: item that
    holds a password are said with the wrong model, so that the file is fixed in one go."""
    text = (fixture("window-start-year-1999").read_text(encoding="utf-8")
            .replace("model: N720", "model: N999")
            .replace("start: 1999-12-31 23:00", "start: 2026-12-31 23:00")
            .replace("profile_name: Fixture", f"profile_name: {'P' * 80}")
            .replace('password: Password', 'password: Password\n    display_name: "Bell\\a"')
            + "extra:\n  BS_IP_Data.aucS_HTTP_PROXY_PASSWORD: hunter2\n")
    path = _write(tmp_path / "window-start-year-1999.yaml", text.encode())
    from compiler import app

    assert [d.to_text() for d in app.validate(tmp_path, [path]).diagnostics] == [
        "window-start-year-1999.yaml:3:8: error: model: 'N999' is not one of: N720, N870, "
        "N870E, N770, N670, N610 [enum]",
        "window-start-year-1999.yaml:5:15: error: profile_name: is 80 characters long; no "
        "model takes more than 20 [text-length]",
        "window-start-year-1999.yaml:16:19: error: handsets[0].display_name: contains a "
        "control character (U+0007); use plain text on one line [text-charset]",
        "window-start-year-1999.yaml:15:15: warning: handsets[0].password: 1 handset keeps its "
        "password in this file, and so in git; write {secret: NAME} and keep the value in the "
        "environment or secrets.yaml [literal-password]",
        "window-start-year-1999.yaml:18:3: warning: extra.BS_IP_Data.aucS_HTTP_PROXY_PASSWORD: "
        "names a password: "
        "its value is in this file and in build/, and so in git (extra: has no secret "
        "reference); set it on the device instead [extra-password]"]


def test_ipui_claimed_by_two_sites() -> None:
    paths = sorted(CROSS_SITE.glob("*.yaml"))
    assert texts(*paths) == CROSS_SITE_EXPECTED
    assert texts(*reversed(paths)) == [
        "tests/fixtures/cross-site/north-wing.yaml:9:11: error: handsets[0].ipui: IPUI 02B6EC8AA5 (IPEI 11118 0821925 6) is also in tests/fixtures/cross-site/south-wing.yaml:12 (handsets[1].ipui); a handset registers with one DECT manager only [ipui-duplicate-site]",
    ]


def test_every_fixture_file_has_an_expectation() -> None:
    assert sorted(path.stem for path in INVALID.glob("*.yaml")) == sorted(EXPECTED)
    assert sorted(path.name for path in INVALID.iterdir()) == sorted(
        f"{name}.yaml" for name in EXPECTED), "only .yaml fixtures belong in invalid/"


def test_fixture_site_names_equal_their_file_names() -> None:
    """So that each fixture shows its own problem, not also the site-name rule."""
    for name in EXPECTED:
        match = re.search(r"^site: (\S+)$", fixture(name).read_text(encoding="latin-1"),
                          re.MULTILINE)
        if match is not None and name not in ("site-name-mismatch", "site-bad-format"):
            assert match.group(1) == name


def test_capacity_fixture_is_what_its_script_writes() -> None:
    script = runpy.run_path(str(FIXTURES / "make_capacity_fixture.py"))
    assert fixture("handset-capacity").read_text(encoding="utf-8") == script["capacity_fixture"]()
    assert script["HANDSETS"] == 101


def _rule_ids(source: Path) -> set[str]:
    """The rule ids a source module can produce: its hyphenated string literals (`ipui-zero`,
    wherever they are written), and the literal rule argument of its diagnostic calls (`type`)."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and "-" in node.value
                and RULE_ID.fullmatch(node.value)):
            found.add(node.value)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", "")
            position = RULE_ARGUMENT.get(name)
            if position is not None and len(node.args) > position:
                argument = node.args[position]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.add(argument.value)
    return {rule for rule in found if RULE_ID.fullmatch(rule)} - NOT_RULES


def test_every_rule_has_a_fixture() -> None:
    produced = set().union(*(_rule_ids(ROOT / source) for source in RULE_SOURCES))
    expected = [*CROSS_SITE_EXPECTED, *(line for _, lines in GENERATED.values() for line in lines),
                *(line for lines in EXPECTED.values() for line in lines)]
    covered = {_rule(line) for line in expected}
    assert {"type", "range", "timezone", "ipui-zero", "yaml-tag"} <= produced  # the grep works
    assert produced - covered - set(UNREACHABLE_RULES) == set(), "rules without a fixture"
    assert set(UNREACHABLE_RULES) <= produced - covered, "an exemption that is no longer needed"


# --- what a run as a whole promises ---------------------------------------------------------


def test_one_run_reports_every_problem_of_every_file_in_order() -> None:
    paths = sorted([*INVALID.glob("*.yaml"), *CROSS_SITE.glob("*.yaml")], reverse=True)
    diagnostics = run(*paths)
    assert diagnostics == sorted(diagnostics, key=lambda d: (d.file, d.line or 0, d.column or 0))
    assert [d for d in diagnostics if len(d.to_text().splitlines()) != 1] == []
    # Fixtures share IPUIs, so together they also claim each other's handsets.
    others = [d for d in diagnostics if d.rule == "ipui-duplicate-site"]
    assert {d.file for d in others} > {"tests/fixtures/cross-site/south-wing.yaml"}
    for name, expected in EXPECTED.items():
        file = f"tests/fixtures/invalid/{name}.yaml"
        assert [d.to_text() for d in diagnostics if d.file == file and d not in others] == expected


def test_several_problems_are_all_reported_at_once() -> None:
    rules = [_rule(line) for line in EXPECTED["several-problems"]]
    assert len(rules) == 11 and len(set(rules)) == 10


@pytest.mark.parametrize("name", EXPECTED)
def test_both_yaml_parsers_place_problems_alike(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml words some syntax errors its own way; where they are and what rule is the same."""
    monkeypatch.setattr(load, "_Loader", yaml.SafeLoader)
    python = [(d.file, d.line, d.column, d.rule, d.path) for d in run(fixture(name))]
    assert python == [_place(line) for line in EXPECTED[name]]


def _place(line: str) -> tuple[str, int | None, int | None, str, str]:
    match = re.fullmatch(r"(.+?):(\d+):(\d+): (?:error|warning): (?:(\S+): )?.*\[([a-z0-9-]+)\]", line)
    assert match is not None, line
    file, row, column, path, rule = match.groups()
    return file, int(row), int(column), rule, path or ""


def test_example_sites_are_valid() -> None:
    result = models(ROOT)
    assert result.diagnostics == ()
    assert sorted(site.name for site in result.sites) == sorted(
        path.stem for path in (ROOT / "sites").glob("*.yaml"))


def test_valid_fixtures_are_valid() -> None:
    result = models(ROOT, sorted(VALID.glob("*.yaml")))
    assert result.diagnostics == ()
    assert len(result.sites) == len(list(VALID.glob("*.yaml"))) >= 2


def test_ipei_with_check_digit_ten_is_accepted() -> None:
    """A check digit of 10 is printed '*': 11118 0821929 * is a handset, IPUI 02B6EC8AA9."""
    result = models(ROOT, [VALID / "ipei-check-digit-star.yaml"])
    assert result.diagnostics == ()
    [site] = result.sites
    assert [str(handset.ipui) for handset in site.handsets] == ["02B6EC8AA9"]
    assert parse_ipui("11118 0821929 *") == site.handsets[0].ipui
    assert site.handsets[0].ipui is not None and site.handsets[0].ipui.ipei == "11118 0821929 *"


# --- passwords stay secret ------------------------------------------------------------------

SITE = """\
site: secret
model: N720
mac: 7C:2F:80:12:34:56
providers:
  - name: PBX
    domain: pbx.example.net
handsets:
  - login: "1013"
    password: {password}
"""


@pytest.mark.parametrize(("written", "secret", "telling"), [
    ("9372", "9372", ["9372"]),  # YAML reads a number
    ("yes", "yes", ["yes"]),  # YAML reads true
    ("0x_", "0x_", ["0x_"]),  # no number YAML can read
    (json.dumps("Zażółć"), "Zażółć", ["ż", "ł", "ć", "017C", "0142", "0107"]),
    (json.dumps("pass\x07word"), "pass\x07word", ["\x07", "0007"]),
    (json.dumps("s3cr3t-" * 8), "s3cr3t-" * 8, ["s3cr3t"]),  # too long
    (json.dumps('pa"ss'), 'pa"ss', ['"']),
])
def test_password_problems_do_not_show_the_password(tmp_path: Path, written: str, secret: str,
                                                    telling: list[str]) -> None:
    path = _write(tmp_path / "secret.yaml", SITE.format(password=written).encode("utf-8"))
    [diagnostic] = run(path, root=tmp_path)
    assert diagnostic.path == "handsets[0].password"
    assert secret not in diagnostic.to_text()
    assert secret not in json.dumps(diagnostic.to_json(), ensure_ascii=False)
    assert [shown for shown in telling if shown in diagnostic.message] == []


def test_a_password_is_never_shown_by_range_or_format_messages() -> None:
    """The schema gives passwords no pattern or range today; if it ever does, the message
    still names no value."""
    assert validate._shown(("handsets", 3, "password"), "hunter2") == "the value"
    assert validate._shown(("handsets", 3, "login"), "1013") == "'1013'"


# --- never an exception ---------------------------------------------------------------------

_DELETE = object()
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 2**40, 1.5, 2.0, float("nan"),
    "", "x", "0000", "Łódź \"\x07", "a" * 300,
    [], [1, 2], [None], {}, {"a": 1}, {"site": "x"}, _DELETE,
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into plain YAML data, the outer ones first."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(
        value, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    if isinstance(data, dict):
        copy = dict(data)
        if value is _DELETE and len(path) == 1:
            del copy[path[0]]
        else:
            copy[path[0]] = _replaced(data[path[0]], path[1:], value)
        return copy
    copy_list = list(data)
    if value is _DELETE and len(path) == 1:
        del copy_list[path[0]]
    else:
        copy_list[path[0]] = _replaced(data[path[0]], path[1:], value)
    return copy_list


def _assert_located(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        assert diagnostic.line is not None and diagnostic.column is not None, diagnostic
        assert diagnostic.line >= 1 and diagnostic.column >= 1, diagnostic


@pytest.mark.parametrize("odd", ODD_VALUES,
                         ids=lambda odd: "delete" if odd is _DELETE else repr(odd)[:16])
def test_any_value_anywhere_gives_diagnostics_not_exceptions(tmp_path: Path, odd: Any) -> None:
    """Every value of a site that uses every key, in turn, replaced by something odd (or
    deleted): `handsets: 5`, `providers: [1, 2]`, `registration: []`, `defaults: null` ..."""
    example = yaml.safe_load((VALID / "every-field.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "every-field.yaml"
    refused = 0
    for where in _paths(example):
        content = yaml.safe_dump(_replaced(example, where, odd), allow_unicode=True)
        path.write_text(content, encoding="utf-8")
        diagnostics = run(path, root=tmp_path)
        _assert_located(diagnostics)
        refused += bool(diagnostics)
    assert refused > 0


def _mutations(seed: int, base: bytes, count: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    alphabet = b"[]{}:,-?!&*|>'\"#@\t\n 0159xa_.\xc5\x81"
    for _ in range(count):
        data = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data) + 1)
            if rng.random() < 0.6:
                data[at:at] = bytes([rng.choice(alphabet)])
            else:
                del data[at:at + rng.randint(1, 6)]
        yield bytes(data)


@pytest.mark.parametrize("name", ["several-problems", "ipui-duplicate", "window-start-not-text"])
def test_mutated_fixtures_give_diagnostics_not_exceptions(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.yaml"
    for content in _mutations(sum(map(ord, name)), fixture(name).read_bytes(), 150):
        path.write_bytes(content)
        _assert_located(run(path, root=tmp_path))


@pytest.mark.parametrize(("zone", "start", "said"), [
    # Samoa skipped 30 December 2011: both sides of the jump show 00:00, the dates differ.
    ("Pacific/Apia", "2011-12-30 10:00", "on 2011-12-30 the clocks jump from 2011-12-30 00:00 "
     "to 2011-12-31 00:00; choose a time before 2011-12-30 00:00 or from 2011-12-31 00:00"),
    ("Australia/Lord_Howe", "2026-10-04 02:15", "on 2026-10-04 the clocks jump from 02:00 to "
     "02:30; choose a time before 02:00 or from 02:30"),
])
def test_a_skipped_window_start_names_the_jump(zone: str, start: str, said: str) -> None:
    data = {"site": "w", "model": "N720", "mac": "7C2F80000001", "timezone": zone,
            "providers": [{"name": "PBX", "domain": "pbx.example.net"}],
            "registration": {"window": {"start": start, "duration": "2h"}}}
    messages = [d.message for d in validate.validate_site(data, "w.yaml", "w").diagnostics
                if d.rule == "window-start"]
    assert messages == [f"'{start}' does not exist in {zone}: {said}"]


def test_a_password_item_in_extra_is_said_to_be_in_git() -> None:
    """As a literal handset password is said (once, by validate): an `extra:` item whose ID
    names a password puts its value in the site file and build/; an empty one holds none."""
    data = {"site": "w", "model": "N720", "mac": "7C2F80000001",
            "providers": [{"name": "PBX", "domain": "pbx.example.net"}],
            "extra": {"BS_IP_Data.aucS_HTTP_PROXY_PASSWORD[%]": "Hidden-Admin1",
                      "BS_LDAP.aucUserPwd[%]": "Hidden-2",
                      "BS_SNMP.aucCommunityPassword[%]": "",
                      "BS_IP_Data.ucI_HTTPLANGUAGE": 1}}
    checked = validate.validate_site(data, "w.yaml", "w")
    assert checked.diagnostics == []
    found = checked.advice
    assert [(d.severity.value, d.rule, d.path) for d in found] == [
        ("warning", "extra-password", "extra.BS_IP_Data.aucS_HTTP_PROXY_PASSWORD[%]"),
        ("warning", "extra-password", "extra.BS_LDAP.aucUserPwd[%]")]
    assert found[0].message == (
        "names a password: its value is in this file and in build/, and so in git (extra: "
        "has no secret reference); set it on the device instead")
    assert not any("Hidden" in d.to_text() for d in found)


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "posix/Europe/Berlin",
                                  "right/UTC"])
def test_a_zone_that_is_no_place_is_refused(zone: str) -> None:
    """The zone database answers these names, but `localtime` is the build machine's own
    zone (the DM's zone index and the window's stamp would depend on where the build ran)
    and the others are no site's zone or copies under another name."""
    data = {"site": "w", "model": "N720", "mac": "7C2F80000001", "timezone": zone,
            "providers": [{"name": "PBX", "domain": "pbx.example.net"}],
            "registration": {"window": {"start": "2026-12-07 07:30", "duration": "2h"}}}
    found = [(d.rule, d.path, d.message)
             for d in validate.validate_site(data, "w.yaml", "w").diagnostics]
    assert ("timezone", "timezone", f"'{zone}' is not a zone of its own: name the site's "
            "IANA time zone (such as 'Europe/Berlin' or 'UTC')") in found
