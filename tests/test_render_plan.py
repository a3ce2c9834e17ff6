"""render_plan on plans built directly: the Markdown comment (its size cap and its
escaping), the text lines and the JSON document. Every expected output is written out in
full, so that any change to what reviewers or tools read shows up here."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

from compiler.diagnostics import Diagnostic, Severity
from compiler.model import Endpoint, Pin, Provider, RegistrationWindow, Site
from compiler.plan import Change, ChangeKind, Holder, Revision, Since, SitePlan
from compiler.render_plan import (
    JSON_FORMAT_VERSION,
    MARKDOWN_LIMIT,
    MARKDOWN_MARKER,
    render_json,
    render_markdown,
    render_text,
)
from compiler.state import State

GITHUB_COMMENT_LIMIT = 65_536
HEAD = f"{MARKDOWN_MARKER}\n## dectprov plan\n\n"
TABLE = "| where | change | what happens |\n|---|---|---|\n"
SEE_ALL = ("To see the whole plan, run `dectprov plan` locally, or `dectprov plan --format "
           "text` in CI.")
PBX = Provider(0, "Hosted PBX", "pbx.example.net", Endpoint("pbx.example.net", 5060),
               Endpoint("pbx.example.net", 5060), None, 180)


def site(name: str, model: str = "N720", profile_name: str | None = None) -> Site:
    return Site(name=name, model=model, mac="7C2F80000001",
                profile_name=profile_name or name, firmware=None, timezone="UTC",
                providers=(PBX,),
                window=RegistrationWindow(datetime(2026, 12, 1, 8, 0), 2 * 86400, timedelta(0)),
                pin=Pin("0000"), handsets=(), extra=(), deregistration_threshold=30.0,
                source=f"sites/{name}.yaml")


def plan(name: str, changes: tuple[Change, ...] = (),
         diagnostics: tuple[Diagnostic, ...] = (), before: int | None = None,
         after: int = 1, model: str = "N720", profile_name: str | None = None) -> SitePlan:
    state = None if before is None else State(
        site=name, mac="7C2F80000001", model=model, file="7C2F80000001.xml",
        revision=before, stamp="0112260900", sha256="0" * 64, slots=())
    return SitePlan(site(name, model, profile_name), state, (), changes, diagnostics,
                    Revision(after, "0112260900"), bool(changes))


def registers(count: int) -> tuple[Change, ...]:
    """`count` new handsets in slots 0.., IPUI 0328D4<slot>, login 2<slot>."""
    return tuple(Change(n, ChangeKind.REGISTER, after=Holder(f"0328D4{n:04X}", f"2{n:03d}"))
                 for n in range(count))


def register_row(n: int) -> str:
    return (f"| slot {n} | register | 0328D4{n:04X} (2{n:03d}): new handset, registers by "
            "itself in the window |")


def diagnostic(site_name: str, severity: Severity, rule: str, message: str) -> Diagnostic:
    return Diagnostic(f"sites/{site_name}.yaml", 3, 1, severity, rule, "", message)


def assert_rows_whole(text: str) -> None:
    """Every table row has its three cells and its closing pipe."""
    for line in text.splitlines():
        if line.startswith("| "):
            assert line.endswith(" |"), line
            assert line.replace("\\|", "").count("|") == 4, line


# -- Markdown: the size cap ------------------------------------------------------------------


def test_the_cap_leaves_room_under_githubs_comment_limit() -> None:
    assert MARKDOWN_LIMIT == 60_000
    assert GITHUB_COMMENT_LIMIT - MARKDOWN_LIMIT == 5_536


def test_many_sites_over_the_cap_are_cut_by_whole_sections_and_named() -> None:
    plans = [plan(f"site-{i:02d}", registers(100)) for i in range(40)]
    text = render_markdown(plans)
    assert len(text) == 55_655
    assert len(text) <= MARKDOWN_LIMIT
    assert text.startswith(HEAD + "Plan: 4,000 to register.\n\n### site-00 (first build, "
                           "revision 1)\n\n" + TABLE + register_row(0) + "\n")
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [f"### site-{i:02d} (first build, revision 1)" for i in range(6)]
    cut = ", ".join(f"site-{i:02d}" for i in range(6, 39)) + " and site-39"
    # The last site shown ends with its last row; then the note, and nothing after it.
    assert text.endswith(
        register_row(98) + "\n" + register_row(99) + "\n\n"
        f"**Not shown: 34 sites (3,400 changes)**: {cut}. This comment stops at 60,000 "
        f"characters; the summary above counts every site. {SEE_ALL}\n")
    assert text.count("| register |") == 600
    assert_rows_whole(text)


def test_a_cut_plan_keeps_the_sites_that_lose_a_handset_or_are_refused() -> None:
    """Cut or not, no handset is deregistered out of view: the sites that lose one, and
    those refused, keep their sections before any site that only gains handsets."""
    loses = (Change(0, ChangeKind.DEREGISTER, before=Holder("0328D40000", "2000")),)
    refused = diagnostic("site-38", Severity.ERROR, "reregistration", "a move is refused")
    plans = [plan(f"site-{i:02d}", registers(100)) for i in range(38)]
    plans += [plan("site-38", registers(3), (refused,)), plan("site-39", loses)]
    text = render_markdown(plans)
    assert len(text) <= MARKDOWN_LIMIT
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [f"### site-{i:02d} (first build, revision 1)" for i in range(6)] + [
        "### site-38 (first build, revision 1)", "### site-39 (first build, revision 1)"]
    assert "| slot 0 | deregister | 0328D40000 (2000): handset deregistered" in text
    assert "a move is refused" in text
    cut = ", ".join(f"site-{i:02d}" for i in range(6, 37)) + " and site-37"
    assert f"**Not shown: 32 sites (3,200 changes)**: {cut}." in text
    assert_rows_whole(text)


def test_a_plan_under_the_cap_is_not_cut() -> None:
    plans = [plan(f"site-{i:02d}", registers(100)) for i in range(6)]
    text = render_markdown(plans)
    assert len(text) == 55_132
    assert "Not shown" not in text
    assert text == HEAD + "Plan: 600 to register.\n\n" + "\n\n".join(
        f"### site-{i:02d} (first build, revision 1)\n\n" + TABLE
        + "\n".join(register_row(n) for n in range(100)) for i in range(6)) + "\n"


def test_the_cap_is_inclusive_and_the_first_character_over_cuts_the_last_site() -> None:
    plans = [plan("alpha", registers(2)), plan("beta", registers(10))]
    whole = render_markdown(plans)
    assert len(whole) == 1_314
    assert render_markdown(plans, limit=1_314) == whole
    assert render_markdown(plans, limit=1_313) == (
        HEAD + "Plan: 12 to register.\n\n### alpha (first build, revision 1)\n\n" + TABLE
        + register_row(0) + "\n" + register_row(1) + "\n\n**Not shown: 1 site (10 changes)**: "
        "beta. This comment stops at 1,313 characters; the summary above counts every site. "
        + SEE_ALL + "\n")


def test_cut_sites_count_their_diagnostics_and_the_summary_counts_every_site() -> None:
    refused = (diagnostic("gamma", Severity.ERROR, "deregistration-threshold",
                          "gamma: 5 of 12 handsets would be deregistered"),
               diagnostic("gamma", Severity.WARNING, "window-closed", "window closed"))
    plans = [plan("alpha", registers(1)), plan("beta", registers(1)),
             plan("gamma", registers(2), refused)]
    text = render_markdown(plans, limit=600)
    assert text == (
        HEAD + "Plan: 4 to register; 1 refused.\n\n### alpha (first build, revision 1)\n\n"
        + TABLE + register_row(0) + "\n\n**Not shown: 2 sites (3 changes, 2 diagnostics)**: "
        "beta and gamma. This comment stops at 600 characters; the summary above counts "
        f"every site. {SEE_ALL}\n")


def test_a_single_site_over_the_cap_leaves_the_summary_and_the_note() -> None:
    text = render_markdown([plan("big", registers(100))], limit=5_000)
    assert text == (HEAD + "Plan: 100 to register.\n\n**Not shown: 1 site (100 changes)**: "
                    "big. This comment stops at 5,000 characters; the summary above counts "
                    f"every site. {SEE_ALL}\n")


def test_the_note_names_at_most_2000_characters_of_sites_then_counts_the_rest() -> None:
    names = [f"site-{i:03d}-" + "x" * 54 for i in range(200)]  # 63 characters each
    text = render_markdown([plan(name, registers(1)) for name in names], limit=5_000)
    assert len(text) == 4_811
    assert text.count("\n### ") == 11
    note = text.split("\n\n")[-1]
    assert note == (f"**Not shown: 189 sites (189 changes)**: {', '.join(names[11:41])} and "
                    "159 more. This comment stops at 5,000 characters; the summary above "
                    f"counts every site. {SEE_ALL}\n")


# -- Markdown: layout and escaping -----------------------------------------------------------


def test_markdown_layout_one_section_per_site_with_changes_or_diagnostics() -> None:
    plans = [
        plan("alpha", (Change(3, ChangeKind.MOVE, before=Holder("0328D41A01", "2001"),
                              after=Holder("0328D41A01", "2001"), other_slot=1, refused=True),
                       Change(None, ChangeKind.PIN)),
             (diagnostic("alpha", Severity.ERROR, "reregistration", "moves are refused"),),
             before=1, after=2),
        plan("beta", before=4, after=4),  # no changes, no diagnostics: not shown
        plan("gamma", (), (diagnostic("gamma", Severity.WARNING, "pin-typed", "type it"),),
             before=2, after=2),
    ]
    assert render_markdown(plans) == (
        HEAD + "Plan: 1 to change, 1 to move; 1 refused.\n\n"
        "### alpha (revision 1 -&gt; 2)\n\n" + TABLE
        + "| slot 3 | move **refused** | 0328D41A01 (2001): moves from slot 1; the DM "
          "deregisters it and it must be registered again by hand \\[refused\\] |\n"
          "| site | pin | registration PIN: fixed 0000: a factory-fresh handset registers "
          "without typing anything |\n\n"
          "- **refused**: moves are refused (reregistration)\n\n"
          "### gamma (revision 2)\n\n"
          "- **warning**: type it (pin-typed)\n")


def test_markdown_without_changes_is_the_marker_heading_and_summary() -> None:
    assert render_markdown([plan("alpha", before=1, after=1)]) == \
        HEAD + "Plan: no changes.\n"


def test_markdown_escapes_markup_and_newlines_in_cells() -> None:
    profile = "A|B *C* _D_ <E> `F` \\G ~H~ [I] &J\nK\r\n\tL"
    plans = [plan("alpha", (Change(None, ChangeKind.PROFILE),
                            Change(0, ChangeKind.REGISTER, after=Holder("0328D41A01", "20|0_1"))),
                  (diagnostic("alpha", Severity.WARNING, "some_rule", "a | b\n*c*"),),
                  profile_name=profile)]
    lines = render_markdown(plans).splitlines()
    assert lines[7:13] == [
        TABLE.splitlines()[0],
        TABLE.splitlines()[1],
        "| site | profile | profile name: now 'A\\|B \\*C\\* \\_D\\_ &lt;E&gt; \\`F\\` \\\\G "
        "\\~H\\~ \\[I\\] &amp;J K L' |",
        "| slot 0 | register | 0328D41A01 (20\\|0\\_1): new handset, registers by itself in "
        "the window |",
        "",
        "- **warning**: a \\| b \\*c\\* (some\\_rule)",
    ]
    assert_rows_whole("\n".join(lines))


def test_a_backslash_before_a_pipe_cannot_end_the_cell() -> None:
    # Unescaped, 'x\|y' would become 'x\\|y': an escaped backslash, then a cell border.
    plans = [plan("alpha", (Change(0, ChangeKind.REGISTER, after=Holder("0328D41A01", "x\\|y")),))]
    assert register_row(0).replace("0328D40000 (2000)", "0328D41A01 (x\\\\\\|y)") in \
        render_markdown(plans).splitlines()


def test_markdown_escapes_the_site_heading() -> None:
    text = render_markdown([plan("a_b*c", registers(1))])
    assert "### a\\_b\\*c (first build, revision 1)" in text.splitlines()


# -- text ------------------------------------------------------------------------------------


def test_text_lines_where_kind_and_description_in_columns() -> None:
    plans = [
        plan("alpha", (
            Change(None, ChangeKind.PROVIDER, index=0, fields=("domain", "proxy")),
            Change(7, ChangeKind.REPLACE, before=Holder("031A2B3C52", "2108"),
                   after=Holder("031A2B3C60", "2108")),
            Change(12, ChangeKind.ACCOUNT, before=Holder("031A2B3C56", "2190"),
                   after=Holder("031A2B3C56", "2190"), fields=("display_name", "user_id")),
        ), (diagnostic("alpha", Severity.WARNING, "window-closed", "the window closed"),),
            before=2, after=3),
        plan("nx", (Change("0328D41A01", ChangeKind.DEREGISTER,
                           before=Holder("0328D41A01", "3001")),), model="N870"),
        plan("quiet", before=5, after=5),
    ]
    assert render_text(plans) == (
        "alpha (sites/alpha.yaml, revision 2 -> 3)\n"
        "  site     provider    provider 0 (Hosted PBX): domain, proxy changed\n"
        "  slot 7   replace     031A2B3C52 (2108) -> 031A2B3C60 (2108): the old handset is "
        "deregistered, the new one registers in the window\n"
        "  slot 12  account     login 2190: display_name, user_id changed\n"
        "  sites/alpha.yaml:3:1: warning: the window closed [window-closed]\n"
        "\n"
        "nx (sites/nx.yaml, first build, revision 1)\n"
        "  handset  deregister  0328D41A01 (3001): handset deregistered; account disabled and "
        "emptied\n"
        "\n"
        "Plan: 1 to replace, 2 to change, 1 to deregister.\n")


def test_text_without_changes_is_the_summary_line() -> None:
    assert render_text([plan("alpha", before=1, after=1)]) == "Plan: no changes.\n"


# -- JSON ------------------------------------------------------------------------------------


def test_json_document_fields_and_format_version() -> None:
    plans = [
        plan("alpha", (
            Change(None, ChangeKind.PROVIDER, index=0, fields=("domain",)),
            Change(3, ChangeKind.SWAP, before=Holder("0328D41A01", "2001"),
                   after=Holder("0328D41A02", "2002"), other_slot=4, refused=True),
        ), (diagnostic("alpha", Severity.ERROR, "reregistration", "swaps are refused"),),
            before=1, after=2),
        plan("nx", (Change("0328D41A09", ChangeKind.REGISTER,
                           after=Holder("0328D41A09", "3009")),
                    Change("0328D41A05", ChangeKind.RETIRE, before=Holder("0328D41A05", None),
                           since=Since(4, datetime(2026, 10, 2, 14, 30)))), model="N870"),
    ]
    document = json.loads(render_json(plans))
    assert JSON_FORMAT_VERSION == 1
    assert document == {
        "format_version": 1,
        "sites": [
            {
                "site": "alpha",
                "source": "sites/alpha.yaml",
                "revision": {"before": 1, "after": 2},
                "changes": [
                    {"site": "alpha", "slot": None, "kind": "provider", "before": None,
                     "after": None, "fields": ["domain"], "other_slot": None, "provider": 0,
                     "refused": False, "since": None,
                     "description": "provider 0 (Hosted PBX): domain changed"},
                    {"site": "alpha", "slot": 3, "kind": "swap",
                     "before": {"ipui": "0328D41A01", "login": "2001"},
                     "after": {"ipui": "0328D41A02", "login": "2002"}, "fields": [],
                     "other_slot": 4, "provider": None, "refused": True, "since": None,
                     "description": "0328D41A01 (2001) <-> 0328D41A02 (2002) with slot 4: "
                                    "both must be registered again by hand [refused]"},
                ],
                "allowed": [],
                "diagnostics": [
                    {"file": "sites/alpha.yaml", "line": 3, "column": 1, "severity": "error",
                     "rule": "reregistration", "path": "", "message": "swaps are refused"},
                ],
            },
            {
                "site": "nx",
                "source": "sites/nx.yaml",
                "revision": {"before": None, "after": 1},
                "changes": [
                    {"site": "nx", "slot": None, "kind": "register", "before": None,
                     "after": {"ipui": "0328D41A09", "login": "3009"}, "fields": [],
                     "other_slot": None, "provider": None, "refused": False, "since": None,
                     "description": "0328D41A09 (3009): new handset, registers by itself "
                                    "in the window"},
                    {"site": "nx", "slot": None, "kind": "retire",
                     "before": {"ipui": "0328D41A05", "login": None}, "after": None,
                     "fields": [], "other_slot": None, "provider": None, "refused": False,
                     "since": {"revision": 4, "date": "2026-10-02"},
                     "description": "deregistration of 0328D41A05 retired (written since "
                                    "revision 4, 2026-10-02)"},
                ],
                "allowed": [],
                "diagnostics": [],
            },
        ],
        "summary": {"register": 1, "replace": 0, "change": 1, "deregister": 0, "move": 1,
                    "remove": 0, "retire": 1, "refused": 1,
                    # Each kind on its own: register and add, deregister and remove apart.
                    "kinds": {"register": 1, "add": 0, "replace": 0, "deregister": 0,
                              "remove": 0, "move": 0, "swap": 1, "account": 0, "profile": 0,
                              "pin": 0, "window": 0, "provider": 1, "extra": 0,
                              "authoritative": 0, "setting": 0, "device": 0,
                              "site-removed": 0, "retire": 1}},
        "groups": [],
        "diagnostics": [],
    }


def test_json_lists_every_site_and_keeps_text_as_given() -> None:
    text = render_json([plan("quiet", before=5, after=5),
                        plan("café", registers(1))])
    assert text.startswith('{\n  "format_version": 1,\n  "sites": [\n')
    assert text.endswith("}\n")
    assert '"site": "café"' in text  # not \u00e9: ensure_ascii is off
    assert [s["site"] for s in json.loads(text)["sites"]] == ["quiet", "café"]


def test_a_name_too_long_to_list_is_counted() -> None:
    name = "x" * 2_001
    text = render_markdown([plan("alpha", registers(1)), plan(name, registers(1))], limit=600)
    assert text.endswith("\n\n**Not shown: 1 site (1 change)**. This comment stops at 600 "
                         f"characters; the summary above counts every site. {SEE_ALL}\n")
    assert name not in text


def test_a_lifted_refusal_is_named_in_every_format() -> None:
    lifted = replace(plan("alpha", (Change(3, ChangeKind.MOVE, after=Holder("0328D41A01", "1"),
                                           other_slot=4),), before=1, after=2),
                     allowed=("reregistration",))
    assert "  allowed: --allow-reregistration: the moves and swaps above are built" in (
        render_text([lifted]))
    assert "- **allowed**: --allow-reregistration" in render_markdown([lifted])
    assert json.loads(render_json([lifted]))["sites"][0]["allowed"] == ["reregistration"]


# -- groups: the changes many sites share ------------------------------------------------

DOMAIN = (("SipProvider.0.Domain", "old.example", "new.example"),)


def provider_change(values: tuple[tuple[str, str | None, str | None], ...] = DOMAIN,
                    refused: bool = False) -> Change:
    return Change(None, ChangeKind.PROVIDER, index=0, fields=("domain",), refused=refused,
                  values=values)


def test_the_same_change_on_two_sites_is_said_once_with_its_sites() -> None:
    plans = [plan("alpha", (provider_change(),), before=1, after=2),
             plan("beta", (provider_change(),), before=1, after=2)]
    assert render_text(plans) == (
        "Shared changes, each the same on every site it lists:\n"
        "  provider    [1] provider 0 (Hosted PBX): domain changed: 2 sites\n"
        "      SipProvider.0.Domain: old.example -> new.example\n"
        "      sites: alpha, beta\n"
        "\n"
        "Plan: 2 to change.\n")
    assert render_markdown(plans) == (
        f"{HEAD}Plan: 2 to change.\n\n### Shared changes\n\nEach is the same on every site it "
        "lists; a site with other changes has its own section below.\n\n"
        "#### \\[1\\] provider 0 (Hosted PBX): domain changed: 2 sites\n\n"
        "- SipProvider.0.Domain: old.example -&gt; new.example\n\n"
        "<details><summary>the 2 sites</summary>\n\nalpha and beta.\n\n</details>\n")


def test_a_change_on_one_site_alone_stays_in_its_section() -> None:
    plans = [plan("alpha", (provider_change(),), before=1, after=2),
             plan("beta", before=1, after=1)]
    assert render_text(plans) == (
        "alpha (sites/alpha.yaml, revision 1 -> 2)\n"
        "  site     provider    provider 0 (Hosted PBX): domain changed\n"
        "\n"
        "Plan: 1 to change.\n")


def test_other_values_make_another_group_and_an_outlier_shows_its_values() -> None:
    other = (("SipProvider.0.Domain", "old.example", "typo.example"),)
    plans = [plan(name, (provider_change(),), before=1, after=2) for name in "abc"]
    plans += [plan("d", (provider_change(other),), before=1, after=2)]
    text = render_text(plans)
    assert "[1] provider 0 (Hosted PBX): domain changed: 3 sites" in text
    assert text.split("\n\n")[1] == (
        "d (sites/d.yaml, revision 1 -> 2)\n"
        "  site     provider    provider 0 (Hosted PBX): domain changed (not as [1]: "
        "SipProvider.0.Domain: old.example -> typo.example)")


def test_other_old_values_make_another_group() -> None:
    older = (("SipProvider.0.Domain", "older.example", "new.example"),)
    plans = [plan(name, (provider_change(values),), before=1, after=2)
             for name, values in (("a", DOMAIN), ("b", DOMAIN), ("c", older), ("d", older))]
    text = render_text(plans)
    assert "[1] provider 0 (Hosted PBX): domain changed: 2 sites" in text
    assert "[2] provider 0 (Hosted PBX): domain changed: 2 sites" in text


def test_what_a_reviewer_must_see_per_site_is_never_grouped() -> None:
    """Refused changes, the changes of a refused site, and handset changes stay per site,
    however many sites share them."""
    leaves = Change(3, ChangeKind.DEREGISTER, before=Holder("0328D41A01", "2001"))
    refused = diagnostic("c", Severity.ERROR, "deregistration-threshold", "too many")
    plans = [plan("a", (provider_change(refused=True), leaves), before=1, after=2),
             plan("b", (provider_change(refused=True), leaves), before=1, after=2),
             plan("c", (provider_change(),), (refused,), before=1, after=2),
             plan("d", (provider_change(),), before=1, after=2)]
    text = render_text(plans)
    assert "Shared changes" not in text
    assert text.count("provider 0 (Hosted PBX): domain changed") == 4
    assert text.count("handset deregistered") == 2


def test_a_site_with_its_own_changes_points_at_its_groups() -> None:
    plans = [plan("alpha", (provider_change(), *registers(1)), before=1, after=2),
             plan("beta", (provider_change(),), before=1, after=2)]
    text = render_markdown(plans)
    assert text.endswith(
        "### alpha (revision 1 -&gt; 2)\n\n" + TABLE + register_row(0) + "\n\n"
        "Also the shared changes \\[1\\] above.\n")
    assert "### beta" not in text
    assert render_text(plans).split("\n\n")[1] == (
        "alpha (sites/alpha.yaml, revision 1 -> 2)\n"
        "  slot 0   register    0328D40000 (2000): new handset, registers by itself in the "
        "window\n"
        "  site     shared      [1] above")


def test_json_names_each_group_and_keeps_every_change_in_its_site() -> None:
    plans = [plan("alpha", (provider_change(),), before=1, after=2),
             plan("beta", (provider_change(),), before=1, after=2)]
    document = json.loads(render_json(plans))
    assert document["groups"] == [{
        "group": 1, "kind": "provider", "fields": ["domain"], "provider": 0,
        "values": [{"item": "SipProvider.0.Domain", "before": "old.example",
                    "after": "new.example"}],
        "description": "provider 0 (Hosted PBX): domain changed", "sites": ["alpha", "beta"]}]
    assert [len(site["changes"]) for site in document["sites"]] == [1, 1]


def test_many_groups_over_the_limit_are_cut_and_counted() -> None:
    plans = [plan(f"s{n}", (provider_change((("SipProvider.0.Domain", "old", f"v{n // 2}"),)),),
                  before=1, after=2) for n in range(200)]
    text = render_markdown(plans, limit=3_000)
    assert len(text) <= 3_000
    assert "**Not shown: " in text and " shared changes**" in text


def test_a_long_group_shows_five_items_and_as_many_names_as_its_share_holds() -> None:
    values = tuple((f"Item.{n}", "old", "x" * 70) for n in range(7))
    plans = [plan(f"site-{n:04d}", (provider_change(values),), before=1, after=2)
             for n in range(2_000)]
    text = render_markdown(plans, limit=10_000)
    assert len(text) <= 10_000 and "Not shown" not in text
    assert f"- Item.4: old -&gt; {'x' * 57}...\n- and 2 more items\n" in text
    # One group: half the limit, 5,000 characters, for its names.
    listed = text.split("<summary>the 2,000 sites</summary>\n\n")[1].split("\n")[0]
    assert listed.startswith("site-0000, site-0001, ") and listed.endswith(
        " and 1,546 more.")  # 454 names of 11 characters: 5,000
