"""The fleet pass: what needs every site at once. A second file of one site is an error at
its `site:` key, naming the first file and its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import copy_sites

from compiler import app
from compiler.app import CACHE_ENVIRONMENT


@pytest.mark.parametrize("cache", ["on", "off"])
def test_a_second_file_of_a_site_is_refused_at_its_site_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str) -> None:
    """Two files of one name, in two folders, named on the command line: another DM and
    other handsets, so that only the name is shared."""
    monkeypatch.setenv(CACHE_ENVIRONMENT, cache)
    root = copy_sites(tmp_path / "root")
    first = root / "sites" / "vendor-example.yaml"
    second = root / "more" / "vendor-example.yaml"
    second.parent.mkdir()
    second.write_text("# the same site, again\n" + first.read_text(encoding="utf-8")
                      .replace("mac: 7C:2F:80:CA:21:E4", "mac: 7C:2F:80:CA:21:E5")
                      .replace('ipui: "02B6EC8AA5"', 'ipui: "02B6EC8AA6"')
                      .replace('ipui: "029E74A599"', 'ipui: "029E74A59A"'), encoding="utf-8")
    for checked in (app.validate(root, [first, second]), app.plan(root, [first, second])):
        assert [d.to_text() for d in checked.diagnostics if d.rule == "site-duplicate"] == [
            "more/vendor-example.yaml:5:1: error: site: site 'vendor-example' is also "
            "defined by sites/vendor-example.yaml:4 [site-duplicate]"]
        assert not checked.ok
