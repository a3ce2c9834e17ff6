"""Hostile site files too big or too binary to commit: each recipe makes one file's bytes.

`RECIPES` maps a case name to a function returning the file's content, and `EXPECTED`
maps it to the rule ids the case must raise, with `@line` where the line matters (the
`# expect:` line that a committed file carries). tests/test_hostile.py collects these
with the committed *.yaml files, so adding a recipe adds a case.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable

RECIPES: dict[str, Callable[[], bytes]] = {}
EXPECTED: dict[str, tuple[str, ...]] = {}

MIB = 1024 * 1024
HEAD = "model: {model}\nmac: 7C:2F:80:AA:00:01\nprofile_name: Hostile\n"
PROVIDERS = "providers:\n  - name: PBX\n    domain: pbx.example.net\n"


def recipe(name: str, *rules: str) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    def register(function: Callable[[], bytes]) -> Callable[[], bytes]:
        RECIPES[name] = function
        EXPECTED[name] = rules
        return function
    return register


def site(name: str, model: str = "N720", handsets: str | None = None) -> str:
    """A valid site; its lines: site 1, mac 3, handsets 8, the first ipui 9."""
    if handsets is None:
        handsets = 'handsets:\n  - ipui: "0301000001"\n    login: "1001"\n    password: x\n'
    return f"site: {name}\n" + HEAD.format(model=model) + PROVIDERS + handsets


def handsets(count: int) -> str:
    return "handsets:\n" + "".join(
        f'  - ipui: "03{number:08X}"\n    login: "{1000 + number}"\n    password: x\n'
        for number in range(1, count + 1))


# -- empty, other encodings, binary junk ------------------------------------------------


@recipe("yaml-empty-file", "site-empty@1")
def _empty() -> bytes:
    return b""


@recipe("encoding-utf16-le-with-bom", "file-encoding@1")
def _utf16_le() -> bytes:
    return site("encoding-utf16-le-with-bom").encode("utf-16")  # BOM FF FE, little-endian


@recipe("encoding-utf16-be-without-bom", "file-encoding@1")
def _utf16_be() -> bytes:
    return site("encoding-utf16-be-without-bom").encode("utf-16-be")  # starts with a NUL


@recipe("encoding-utf32-with-bom", "file-encoding@1")
def _utf32() -> bytes:
    return site("encoding-utf32-with-bom").encode("utf-32")


@recipe("binary-junk-random-bytes", "file-encoding")
def _random_bytes() -> bytes:
    return random.Random(720).randbytes(4096)


@recipe("binary-junk-gzip-of-a-site", "file-encoding@1")
def _gzip() -> bytes:
    return gzip.compress(site("binary-junk-gzip-of-a-site").encode(), mtime=0)


@recipe("binary-junk-elf-header", "yaml-syntax@1")
def _elf() -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(57) + b"site: binary-junk-elf-header\n"


@recipe("binary-junk-utf8-control-characters", "yaml-syntax")
def _controls() -> bytes:
    generator = random.Random(870)
    return "".join(chr(generator.randrange(0, 32)) for _ in range(4096)).encode()


# -- size ---------------------------------------------------------------------------------


@recipe("file-50-mib", "file-too-large@1")
def _fifty_mib() -> bytes:
    head = site("file-50-mib").encode()
    return head + b"# padding\n" * ((50 * MIB - len(head)) // 10)


@recipe("file-one-byte-over-1-mib", "file-too-large@1")
def _one_byte_over() -> bytes:
    head = site("file-one-byte-over-1-mib").encode()
    padding = MIB + 1 - len(head)
    return head + b"#" * (padding - 1) + b"\n"


@recipe("display-name-1-mb-scalar", "text-length@12")
def _display_name_1mb() -> bytes:
    return (site("display-name-1-mb-scalar").encode() + b"    display_name: "
            + b"N" * 1_000_000 + b"\n")


@recipe("display-name-1-mb-scalar-n870", "text-length@12")
def _display_name_1mb_n870() -> bytes:
    text = site("display-name-1-mb-scalar-n870", "N870")
    return text.encode() + b'    display_name: "' + "\u00e4".encode() * 500_000 + b'"\n'


@recipe("mac-1-mb-scalar", "format@3")
def _mac_1mb() -> bytes:
    return site("mac-1-mb-scalar").replace("7C:2F:80:AA:00:01", "7C" * 500_000).encode()


@recipe("ipui-1-mb-scalar", "ipui-format@9")
def _ipui_1mb() -> bytes:
    return site("ipui-1-mb-scalar").replace("0301000001", "03" * 500_000).encode()


@recipe("login-1-mb-block-scalar-n870", "text-charset", "text-length@10")
def _login_block() -> bytes:
    lines = "".join("      " + "1" * 70 + "\n" for _ in range(13_000))
    return site("login-1-mb-block-scalar-n870", "N870", 'handsets:\n  - ipui: "0301000001"\n'
                "    login: |\n" + lines + "    password: x\n").encode()


@recipe("unknown-key-1-mb-explicit-key", "unknown-key@5")
def _long_key() -> bytes:
    return (site("unknown-key-1-mb-explicit-key").replace("providers:", "? " + "k" * 1_000_000
                                                          + "\n: 1\nproviders:", 1)).encode()


@recipe("yaml-half-a-million-values", "yaml-too-large@13")
def _many_values() -> bytes:
    return (site("yaml-half-a-million-values") + "extra:\n  BS.x: ["
            + ",".join(["0"] * 500_000) + "]\n").encode()


# -- depth: past Python's recursion limit ---------------------------------------------------


@recipe("yaml-deep-flow-sequences-100000", "yaml-too-deep@13")
def _deep_flow() -> bytes:
    return (site("yaml-deep-flow-sequences-100000") + "extra:\n  BS.x: " + "[" * 100_000
            + "]" * 100_000 + "\n").encode()


@recipe("yaml-deep-flow-unclosed-500000", "yaml-too-deep@13")
def _deep_unclosed() -> bytes:
    return (site("yaml-deep-flow-unclosed-500000") + "extra:\n  BS.x: " + "[" * 500_000).encode()


@recipe("yaml-deep-flow-mappings-50000", "yaml-too-deep@13")
def _deep_mappings() -> bytes:
    return (site("yaml-deep-flow-mappings-50000") + "extra:\n  BS.x: " + "{a: " * 50_000
            + "1" + "}" * 50_000 + "\n").encode()


@recipe("yaml-deep-block-mappings-1400", "yaml-too-deep")
def _deep_block_mappings() -> bytes:
    return (site("yaml-deep-block-mappings-1400") + "extra:\n"
            + "".join(" " * level + "k:\n" for level in range(1, 1400)) + " " * 1400 + "k: 1\n"
            ).encode()


@recipe("yaml-deep-block-sequences-5000-n870", "yaml-too-deep@14")
def _deep_block_sequences() -> bytes:
    return (site("yaml-deep-block-sequences-5000-n870", "N870") + "extra:\n  Dm.x.y:\n    "
            + "- " * 5000 + "1\n").encode()


# -- capacity -------------------------------------------------------------------------------


@recipe("handsets-101-on-n720", "handset-capacity@9")
def _n720_101() -> bytes:
    return site("handsets-101-on-n720", "N720", handsets(101)).encode()


@recipe("handsets-251-on-n870", "handset-capacity@9")
def _n870_251() -> bytes:
    return site("handsets-251-on-n870", "N870", handsets(251)).encode()


@recipe("handsets-101-on-n770", "handset-capacity@9")
def _n770_101() -> bytes:
    return site("handsets-101-on-n770", "N770", handsets(101)).encode()


@recipe("handsets-21-on-n670", "handset-capacity@9")
def _n670_21() -> bytes:
    return site("handsets-21-on-n670", "N670", handsets(21)).encode()
