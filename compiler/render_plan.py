"""Render a plan for people and programs: text for the terminal, Markdown for a
pull-request comment, JSON for tools. The plan is data; this module only prints it.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Diagnostic, Severity, sorted_diagnostics
from compiler.model import wall_time
from compiler.plan import LOSES_HANDSET, Change, ChangeKind, Holder, SitePlan
from compiler.render_groups import Group, Grouped, Row, account_words, group
from compiler.state import Key

if TYPE_CHECKING:
    from compiler.effect import Effect, SiteEffect
    from compiler.model import Site

JSON_FORMAT_VERSION = 1
MARKDOWN_MARKER = "<!-- dectprov-plan -->"

_SUMMARY = (
    ("register", (ChangeKind.REGISTER, ChangeKind.ADD)),
    ("replace", (ChangeKind.REPLACE,)),
    ("change", (ChangeKind.ACCOUNT, ChangeKind.PROFILE, ChangeKind.PIN, ChangeKind.WINDOW,
                ChangeKind.PROVIDER, ChangeKind.EXTRA, ChangeKind.AUTHORITATIVE,
                ChangeKind.DEVICE, ChangeKind.SETTING)),
    ("deregister", (ChangeKind.DEREGISTER, ChangeKind.REMOVE)),
    ("move", (ChangeKind.MOVE, ChangeKind.SWAP)),
    ("remove", (ChangeKind.SITE_REMOVED,)),
    ("retire", (ChangeKind.RETIRE,)),
)


def summary(plans: Iterable[SitePlan]) -> dict[str, int]:
    return _counts(((plan.changes, plan.diagnostics) for plan in plans),
                   frozenset({"deregistration-threshold"}))


def _counts(parts: Iterable[tuple[Iterable[Change], Iterable[Diagnostic]]],
            refusals: frozenset[str]) -> dict[str, int]:
    """How many changes of each summary kind, and how many refused: the changes marked so,
    and the errors of the `refusals` rules, which refuse no one change."""
    counts = {name: 0 for name, _ in _SUMMARY}
    refused = 0
    for changes, diagnostics in parts:
        for change in changes:
            for name, kinds in _SUMMARY:
                if change.kind in kinds:
                    counts[name] += 1
            refused += change.refused
        refused += sum(1 for d in diagnostics if d.rule in refusals)
    counts["refused"] = refused
    return counts


def _kinds(parts: Iterable[Iterable[Change]]) -> dict[str, int]:
    """How many changes of each kind, every kind named (the summary folds some)."""
    counts = {kind.value: 0 for kind in ChangeKind}
    for changes in parts:
        for change in changes:
            counts[change.kind.value] += 1
    return counts


def summary_line(plans: list[SitePlan]) -> str:
    return _summary_text(summary(plans))


def _summary_text(counts: dict[str, int]) -> str:
    parts = [f"{counts[name]:,} to {name}" for name, _ in _SUMMARY if counts[name]]
    text = "Plan: " + (", ".join(parts) if parts else "no changes")
    if counts["refused"]:
        text += f"; {counts['refused']:,} refused"
    return text


def _who(holder: Holder | None) -> str:
    if holder is None:
        return ""
    if holder.ipui and holder.login:
        return f"{holder.ipui} ({holder.login})"
    return holder.ipui or f"login {holder.login}"


def _device(site: Site | None) -> str:
    return f" ({site.model} with MAC {site.mac})" if site is not None else ""


def _account(before: Holder | None, after: Holder | None) -> str:
    old = before.login if before else None
    new = after.login if after else None
    return f"login {old} -> {new}" if old and new and old != new else f"login {new or old}"


def describe(plan: SitePlan, change: Change) -> str:
    """What a change does to the device and its handsets, in one sentence."""
    return describe_change(change, plan.site)


def describe_change(change: Change, site: Site | None) -> str:
    """describe(), with the site whose values a site-level change names; None when only
    the files are known (plan --base-ref of a site whose file does not describe them)."""
    kind, before, after = change.kind, change.before, change.after
    fields = ", ".join(change.fields)
    text = {
        ChangeKind.REGISTER: lambda: f"{_who(after)}: new handset, registers by itself in "
                                     "the window",
        ChangeKind.ADD: lambda: f"{_who(after)}: new account without IPUI; its handset "
                                "registers with the PIN",
        ChangeKind.REPLACE: lambda: f"{_who(before)} -> {_who(after)}: the old handset is "
                                    "deregistered, the new one registers in the window",
        ChangeKind.DEREGISTER: lambda: f"{_who(before)}: handset deregistered; "
                                       + ("account disabled and emptied" if after is None
                                          else "the account stays"),
        ChangeKind.REMOVE: lambda: f"{_who(before)}: account disabled and emptied"
                                   + (" (its handset moves to another slot)"
                                      if before and before.ipui else ""),
        ChangeKind.MOVE: lambda: f"{_who(after)}: moves from slot {change.other_slot}; the DM "
                                 "deregisters it and it must be registered again by hand",
        ChangeKind.SWAP: lambda: f"{_who(before)} <-> {_who(after)} with slot "
                                 f"{change.other_slot}: both must be registered again by hand",
        ChangeKind.ACCOUNT: lambda: f"{_account(before, after)}: {fields} changed",
        ChangeKind.PROFILE: lambda: (f"profile name: now '{site.profile_name}'" if site
                                     else "profile name changed"),
        ChangeKind.PIN: lambda: "registration PIN: " + (_pin(site) if site else "changed"),
        ChangeKind.WINDOW: lambda: "registration window: " + (_window(site) if site
                                                              else "changed"),
        ChangeKind.PROVIDER: lambda: (
            f"provider {change.index}{_provider(site, change)}: "
            + (f"{fields} changed" if fields else "new") if change.index is not None
            # An item of every provider profile at once (the N720's DTMF mode).
            else f"all providers: {fields} changed"),
        ChangeKind.EXTRA: lambda: f"{fields} changed" if fields else "extra parameters set",
        ChangeKind.SETTING: lambda: _settings(change),
        ChangeKind.SITE_REMOVED: lambda: (
            f"site removed: its {_count(int(change.fields[0]), 'handset')} are no longer "
            "provisioned (the DM keeps what it has, and its file is no longer written); "
            f"build/{site.name if site else ''}/ is deleted"),
        ChangeKind.DEVICE: lambda: (
            f"a new DM{_device(site)} in place of the last build's ({fields}): its database "
            "is empty, every handset below registers again, and the old DM's file is no "
            "longer written"),
        ChangeKind.RETIRE: lambda: _retired(change),
        ChangeKind.AUTHORITATIVE: lambda: (
            "on: the DM removes every handset this file does not list (how many: unknown)"
            if site is not None and site.authoritative else
            "off: handsets the file does not list stay" if site is not None else "changed"),
    }[kind]()
    return text + (" [refused]" if change.refused else "")


def _settings(change: Change) -> str:
    """"site settings: timezone changed; admin_password no longer written (the DM keeps
    its value)": a key removed from the site is not undone on the device."""
    changed = [name for name in change.fields if name not in change.removed]
    said = [f"{', '.join(changed)} changed"] if changed else []
    if change.removed:
        said.append(f"{', '.join(change.removed)} no longer written (the DM keeps "
                    f"{'its value' if len(change.removed) == 1 else 'their values'})")
    return "site settings: " + "; ".join(said)


def _retired(change: Change) -> str:
    """"deregistration of 031A2B3C54 retired (written since revision 4, 2026-10-02)"."""
    ipui = change.before.ipui if change.before else None
    what = f"deregistration of {ipui}" if ipui else "emptied account"
    since = change.since
    when = f" (written since revision {since.revision}, {since.at:%Y-%m-%d})" if since else ""
    return f"{what} retired{when}"


def _provider(site: Site | None, change: Change) -> str:
    if site is None:
        return ""
    providers = site.providers
    index = change.index if change.index is not None else -1
    return f" ({providers[index].name if 0 <= index < len(providers) else 'removed'})"


def _pin(site: Site) -> str:
    pin = site.pin
    if pin is None:
        return "no longer managed"
    if pin.is_random:
        return "random: read it on the DM and type it on each handset"
    if pin.digits == "0000":
        return "fixed 0000: a factory-fresh handset registers without typing anything"
    return "fixed, not 0000: it must be typed on each handset"


def _window(site: Site) -> str:
    window = site.window
    if window is None:
        return "removed"
    length = "never closes" if window.always_open else f"for {_duration(window.duration_seconds)}"
    return f"from {wall_time(window.instant, site.timezone)}, {length}"


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _where(change: Change) -> str:
    if change.slot is None:
        return "site"
    return f"slot {change.slot}" if isinstance(change.slot, int) else "handset"


def _revision(plan: SitePlan) -> str:
    if any(change.kind is ChangeKind.SITE_REMOVED for change in plan.changes):
        return "removed"
    before = plan.state.revision if plan.state else None
    after = plan.revision.number if plan.revision else None
    if after is None:
        return "not planned"
    if before is None:
        return f"first build, revision {after}"
    return f"revision {before} -> {after}" if before != after else f"revision {before}"


# What each lifted refusal says in the plan (and the option that lifted it).
ALLOWED = {
    "reregistration": "--allow-reregistration: the moves and swaps above are built, and "
                      "those handsets must be registered again by hand",
    "deregistration-threshold": "--force: more handsets are deregistered than the site's "
                                "deregistration_threshold allows",
    "device-change": "--replace-device: a new DM, on which every handset registers again",
    "site-removed": "--force: the site's DM is no longer provisioned, and its build/ folder "
                    "is deleted",
}


def allowed_lines(plan: SitePlan) -> list[str]:
    return [ALLOWED.get(rule, rule) for rule in plan.allowed]


# -- text --------------------------------------------------------------------------------


def _rows(plans: list[SitePlan]) -> list[Row]:
    return [Row(plan.site.name, plan.changes, lambda change, plan=plan: describe(plan, change),
                not plan.refused) for plan in plans]


def _grouped_sites(grouped: Grouped, name: str, changes: tuple[Change, ...],
                   shown: bool) -> bool:
    """Whether a site still has a section: its own changes, or what `shown` says of it
    (diagnostics, allowed refusals, a status) besides its shared changes."""
    return bool(grouped.own_changes(name, changes)) or shown


def _number(number: int) -> str:
    return f"{number:,}"


def _sites_count(number: int) -> str:
    return f"{_number(number)} site{'' if number == 1 else 's'}"


# How many items of a shared change, and how many characters of each value, are shown.
_VALUES_SHOWN = 5
_VALUE_CHARACTERS = 60


def _value(text: str | None) -> str:
    if text is None:
        return "(none)"
    return text if len(text) <= _VALUE_CHARACTERS else text[:_VALUE_CHARACTERS - 3] + "..."


def _values(change: Change) -> list[str]:
    """The items a shared change writes, old -> new: what makes it the same on each site."""
    lines = [f"{item}: {_value(old)} -> {_value(new)}"
             for item, old, new in change.values[:_VALUES_SHOWN]]
    if len(change.values) > _VALUES_SHOWN:
        lines.append(f"and {_count(len(change.values) - _VALUES_SHOWN, 'more item')}")
    return lines


def _group_title(shared: Group) -> str:
    title = f"[{shared.number}] {shared.description}: {_sites_count(len(shared.sites))}"
    return title + (f", {_count(shared.accounts, 'account')}" if shared.places else "")


def _places(places: tuple[Key, ...]) -> str:
    """Which slots of a site an account group holds: "slots 1-3, 7", or on targets keyed
    by IPUI, how many handsets."""
    if not all(isinstance(place, int) for place in places):
        return _count(len(places), "handset")
    numbers = sorted(int(place) for place in places)
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    said = ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)
    return f"slot{'' if len(numbers) == 1 else 's'} {said}"


def _shared_line(grouped: Grouped, name: str) -> str | None:
    numbers = grouped.shared.get(name, ())
    if not numbers:
        return None
    held = grouped.places.get(name, {})
    return ", ".join(f"[{n}]" + (f" ({_places(held[n])})" if n in held else "")
                     for n in numbers) + " above"


def _own(grouped: Grouped, change: Change, text: str) -> str:
    """A site's own change, said in the words of a shared one but not in its group (its
    values differ, or the change is refused here): with its values, so that the outlier
    shows."""
    words = (account_words(change) if change.kind is ChangeKind.ACCOUNT
             and change.slot is not None else text)
    number = next((g.number for g in grouped.groups if g.description == words), None)
    if number is None or not change.values:
        return text
    return f"{text} (not as [{number}]: {'; '.join(_values(change))})"


def _text_groups(grouped: Grouped) -> list[str]:
    if not grouped.groups:
        return []
    lines = ["Shared changes, each the same on every site it lists:"]
    for shared in grouped.groups:
        lines.append(f"  {shared.kind.value:11} {_group_title(shared)}")
        lines += [f"      {line}" for line in _values(shared.change)]
        lines += textwrap.wrap("sites: " + ", ".join(shared.sites), width=_TEXT_WIDTH,
                               initial_indent="      ", subsequent_indent="        ",
                               break_long_words=False, break_on_hyphens=False)
    return [*lines, ""]


_TEXT_WIDTH = 100


def render_text(plans: list[SitePlan]) -> str:
    grouped = group(_rows(plans))
    lines = _text_groups(grouped)
    for plan in plans:
        if not _grouped_sites(grouped, plan.site.name, plan.changes,
                              bool(plan.diagnostics or plan.allowed)):
            continue
        lines.append(f"{plan.site.name} ({plan.site.source}, {_revision(plan)})")
        for change in grouped.own_changes(plan.site.name, plan.changes):
            lines.append(f"  {_where(change):8} {change.kind.value:11} "
                         f"{_own(grouped, change, describe(plan, change))}")
        shared = _shared_line(grouped, plan.site.name)
        lines += [f"  {'site':8} {'shared':11} {shared}"] if shared else []
        lines += [f"  allowed: {text}" for text in allowed_lines(plan)]
        lines += [f"  {diagnostic.to_text()}" for diagnostic in plan.diagnostics]  # located
        lines.append("")
    lines.append(summary_line(plans) + ".")
    return "\n".join(lines) + "\n"


# -- Markdown ------------------------------------------------------------------------------

# GitHub refuses a comment over 65,536 characters. The plan stays under this many, which
# leaves room for a bot's own text around it.
MARKDOWN_LIMIT = 60_000
# How many characters of cut site names the note lists before "and N more".
_CUT_NAMES_LIMIT = 2_000
# The shared changes' lists of sites share half the limit; each lists at least this many
# characters of names.
_GROUP_NAMES_MINIMUM = 200

_MARKDOWN_ESCAPES = (("\\", "\\\\"), ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"),
                     ("|", "\\|"), ("`", "\\`"), ("*", "\\*"), ("_", "\\_"), ("~", "\\~"),
                     ("[", "\\["), ("]", "\\]"))


def _cell(text: str) -> str:
    """A Markdown table cell that cannot break the table or inject markup: a backslash
    first, so that no later escape can be undone; every run of white space, newlines
    included, becomes one space."""
    for raw, escaped in _MARKDOWN_ESCAPES:
        text = text.replace(raw, escaped)
    return " ".join(text.split())


def _change_table(changes: Iterable[Change], text: Callable[[Change], str]) -> list[str]:
    """A site's changes as a Markdown table (after a blank line), or nothing."""
    rows = [f"| {_where(c)} | {c.kind.value}{' **refused**' if c.refused else ''} "
            f"| {_cell(text(c))} |" for c in changes]
    return ["", "| where | change | what happens |", "|---|---|---|", *rows] if rows else []


def _markdown_section(plan: SitePlan, grouped: Grouped) -> str:
    lines = [f"### {_cell(plan.site.name)} ({_cell(_revision(plan))})"]
    lines += _change_table(grouped.own_changes(plan.site.name, plan.changes),
                           lambda change: _own(grouped, change, describe(plan, change)))
    lines += _markdown_shared(grouped, plan.site.name)
    if plan.diagnostics or plan.allowed:
        lines.append("")
    lines += [f"- **allowed**: {_cell(text)}" for text in allowed_lines(plan)]
    for diagnostic in plan.diagnostics:
        label = "refused" if diagnostic.severity is Severity.ERROR else "warning"
        lines.append(f"- **{label}**: {_cell(diagnostic.message)} ({_cell(diagnostic.rule)})")
    return "\n".join(lines)


def _markdown_shared(grouped: Grouped, name: str) -> list[str]:
    shared = _shared_line(grouped, name)
    return ["", f"Also the shared changes {_cell(shared)}."] if shared else []


def _markdown_groups(grouped: Grouped, limit: int) -> list[str]:
    """One block per shared change: its words, its values and its sites, as many names as
    the group's share of half the limit holds (the count is always there)."""
    if not grouped.groups:
        return []
    names_limit = max(_GROUP_NAMES_MINIMUM, limit // 2 // len(grouped.groups))
    blocks = [("### Shared changes\n\nEach is the same on every site it lists; a site with "
               "other changes has its own section below.")]
    for shared in grouped.groups:
        lines = [f"#### {_cell(_group_title(shared))}", ""]
        lines += [f"- {_cell(line)}" for line in _values(shared.change)]
        lines += ["", f"<details><summary>the {_sites_count(len(shared.sites))}</summary>",
                  "", _names(shared.sites, names_limit) + ".", "", "</details>"]
        blocks.append("\n".join(lines))
    return blocks


def _names(names: list[str] | tuple[str, ...], limit: int) -> str:
    """The names, escaped, as many as fit in `limit` characters, then "and N more"."""
    shown: list[str] = []
    length = 0
    for name in names:
        escaped = _cell(name)
        length += len(escaped) + 2
        if length > limit:
            break
        shown.append(escaped)
    if not shown:
        return ""
    if len(shown) < len(names):
        shown.append(f"{_number(len(names) - len(shown))} more")
    return shown[0] if len(shown) == 1 else (", ".join(shown[:-1]) + " and " + shown[-1])


def _blocks(blocks: list[str]) -> str:
    return "\n\n".join(blocks) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _cut_sites_note(cut: list[tuple[str, int, int]], limit: int, groups: int = 0) -> str:
    """What the cap left out: how many shared changes (`groups`), sites and changes, which
    sites (as many names as fit in _CUT_NAMES_LIMIT), and where to see everything. `cut`:
    each site's name and how many changes and diagnostics it has."""
    listed = _names([site_name for site_name, _, _ in cut], _CUT_NAMES_LIMIT)
    changes = sum(count for _, count, _ in cut)
    diagnostics = sum(count for _, _, count in cut)
    counted = _count(changes, "change")
    if diagnostics:
        counted += f", {_count(diagnostics, 'diagnostic')}"
    what = f"{_count(len(cut), 'site')} ({counted})"
    if groups:
        what = f"{_count(groups, 'shared change')}" + (f", {what}" if cut else "")
    return (f"**Not shown: {what}**"
            + (f": {listed}." if listed else ".") + " This comment "
            f"stops at {limit:,} characters; the summary above counts every site. To see the "
            "whole plan, run `dectprov plan` locally, or `dectprov plan --format text` in CI.")


def render_markdown(plans: list[SitePlan], limit: int = MARKDOWN_LIMIT) -> str:
    """The plan as one pull-request comment: the marker, the heading, the summary, the
    changes many sites share (each once, with its sites), and a section for each site with
    changes of its own or diagnostics. Over `limit` characters, whole sections are cut from
    the end and a note names them, the shared changes and the sites that lose a handset
    or are refused last of all; the marker, heading and summary always stay."""
    head = [f"{MARKDOWN_MARKER}\n## dectprov plan", _cell(summary_line(plans)) + "."]
    grouped = group(_rows(plans))
    shown = [plan for plan in plans
             if _grouped_sites(grouped, plan.site.name, plan.changes,
                               bool(plan.diagnostics or plan.allowed))]
    shared = _markdown_groups(grouped, limit)
    cut = [(p.site.name, len(grouped.own_changes(p.site.name, p.changes)), len(p.diagnostics))
           for p in shown]
    return _capped(head, shared + [_markdown_section(plan, grouped) for plan in shown],
                   _cut_with_groups(cut, limit, len(shared), len(grouped.groups)), limit,
                   _first(len(shared), (_urgent(plan.changes, plan.diagnostics)
                                        for plan in shown)))


def _capped(head: list[str], sections: list[str], cut_note: Callable[[list[int]], str],
            limit: int, first: Iterable[int] = ()) -> str:
    """The head and as many whole sections as fit in `limit` characters, with
    `cut_note(cut)` naming the sections left out (by index), when some are cut. The
    sections `first` lists are kept before any other; those kept stay in their order."""
    text = _blocks(head + sections)
    if len(text) <= limit:
        return text
    first = list(first)
    chosen = set(first)
    order = first + [index for index in range(len(sections)) if index not in chosen]
    # _blocks adds two characters per block after the first, and a final newline: the
    # head, the first `kept` sections of `order` and a note take base + kept_length[kept]
    # + 2 + len(note). Sections that cannot fit even without the note are dropped first.
    kept_length = [0]
    for index in order:
        kept_length.append(kept_length[-1] + len(sections[index]) + 2)
    base = len(_blocks(head))
    kept = max(len(sections) - 1, 0)
    while kept > 0 and base + kept_length[kept] > limit:
        kept -= 1
    while kept > 0 and (base + kept_length[kept] + len(cut_note(sorted(order[kept:]))) + 2
                        > limit):
        kept -= 1
    shown, left_out = set(order[:kept]), order[kept:]
    # Then any later section that still fits: one too long for the room left is skipped,
    # not the end of the comment.
    length = base + kept_length[kept] + 2
    note_length = len(cut_note(sorted(left_out)))
    for index in list(left_out):
        size = len(sections[index]) + 2
        if length + size + note_length > limit:  # the note only shortens as sites leave
            continue
        rest = [other for other in left_out if other != index]
        rest_length = len(cut_note(sorted(rest)))
        if length + size + rest_length <= limit:
            shown.add(index)
            left_out, length, note_length = rest, length + size, rest_length
    return _blocks(head + [sections[index] for index in sorted(shown)]
                   + [cut_note(sorted(left_out))])


# -- JSON ------------------------------------------------------------------------------------


def _holder(holder: Holder | None) -> dict[str, Any] | None:
    return None if holder is None else {"ipui": holder.ipui, "login": holder.login}


def _change(plan: SitePlan, change: Change) -> dict[str, Any]:
    return _change_json(plan.site.name, change, describe(plan, change))


def _change_json(site: str, change: Change, description: str) -> dict[str, Any]:
    return {
        "site": site,
        "slot": change.slot if isinstance(change.slot, int) else None,
        "kind": change.kind.value,
        "before": _holder(change.before),
        "after": _holder(change.after),
        "fields": list(change.fields),
        "other_slot": change.other_slot if isinstance(change.other_slot, int) else None,
        "provider": change.index,
        "refused": change.refused,
        "since": None if change.since is None else {
            "revision": change.since.revision, "date": f"{change.since.at:%Y-%m-%d}"},
        "description": description,
    }


def _diagnostic(diagnostic: Diagnostic) -> dict[str, Any]:
    return diagnostic.to_json()


def _group_json(shared: Group) -> dict[str, Any]:
    change = shared.change
    return {
        "group": shared.number,
        "kind": shared.kind.value,
        "fields": list(change.fields),
        "provider": change.index,
        "values": [{"item": item, "before": old, "after": new}
                   for item, old, new in change.values],
        "description": shared.description,
        "sites": list(shared.sites),
    } | ({"accounts": {name: list(places)  # slots, or IPUIs on targets keyed by IPUI
                       for name, places in zip(shared.sites, shared.places, strict=True)}}
         if shared.places else {})


def _groups_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [_group_json(shared) for shared in group(rows).groups]


def render_json(plans: list[SitePlan], diagnostics: Iterable[Diagnostic] = ()) -> str:
    """Every site and every change; and, added for tools, the diagnostics of the files and
    of the fleet (`diagnostics`: a plan refused before any site is planned has only
    these), the changes sites share (as the text and Markdown group them), and a count of
    each kind of change."""
    document = {
        "format_version": JSON_FORMAT_VERSION,
        "sites": [{
            "site": plan.site.name,
            "source": plan.site.source,
            "revision": {"before": plan.state.revision if plan.state else None,
                         "after": plan.revision.number if plan.revision else None},
            "changes": [_change(plan, change) for change in plan.changes],
            "allowed": list(plan.allowed),
            "diagnostics": [_diagnostic(d) for d in plan.diagnostics],
        } for plan in plans],
        "summary": summary(plans) | {"kinds": _kinds(plan.changes for plan in plans)},
        "groups": _groups_json(_rows(plans)),
        "diagnostics": [_diagnostic(d) for d in diagnostics],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# -- the effect of moving from a revision's build/ (plan --base-ref) ---------------------


def _effect_status(effect: SiteEffect) -> str:
    from compiler.effect import Status

    if effect.status is Status.ADDED:
        return f"site added, revision {effect.after}"
    if effect.status is Status.REMOVED:
        return (f"site removed at revision {effect.before}, with "
                f"{_count(effect.handsets, 'handset')}: its file is no longer published")
    if effect.before is None or effect.after is None:
        return "not compared: a build cannot be read"
    revisions = (f"revision {effect.before} -> {effect.after}" if effect.before != effect.after
                 else f"revision {effect.before}")
    if effect.status is Status.DEVICE_CHANGE:
        return f"a new device, {revisions}: every handset registers again"
    return revisions


def _effect_counts(effect: Effect) -> dict[str, int]:
    from compiler.effect import Status

    counts = _counts(((site.changes, site.diagnostics) for site in effect.sites),
                     frozenset({"deregistration-threshold", "deregistration-dropped",
                                "device-change"}))
    for status in (Status.ADDED, Status.REMOVED, Status.DEVICE_CHANGE):
        counts[status.value] = sum(1 for site in effect.sites if site.status is status)
    return counts


def _effect_summary(effect: Effect) -> str:
    counts = _effect_counts(effect)
    sites = [f"{_count(counts[key], 'site')} {words}" for key, words in (
        ("added", "added"), ("removed", "removed"), ("device-change", "on a new device"))
        if counts[key]]
    return _summary_text(counts) + (f"; {', '.join(sites)}" if sites else "")


def _effect_head(effect: Effect) -> str:
    return (f"From the files at {effect.ref} ({effect.commit[:12]}) to this tree's "
            "build/: what each device does")


def _effect_diagnostics(effect: SiteEffect) -> list[Diagnostic]:
    return sorted_diagnostics([*effect.diagnostics, *effect.stale])


def _effect_rows(effect: Effect) -> list[Row]:
    from compiler.effect import Status

    return [Row(site.name, site.changes,
                lambda change, site=site: describe_change(change, site.site),
                site.status in (Status.CHANGED, Status.ADDED) and not site.refused
                and not site.stale)
            for site in effect.sites]


def _effect_shown(effect: Effect, grouped: Grouped) -> list[SiteEffect]:
    from compiler.effect import Status

    return [site for site in effect.sites if site.shown and _grouped_sites(
        grouped, site.name, site.changes, bool(site.diagnostics or site.stale or site.allowed
                                               or site.status is not Status.CHANGED))]


def render_effect_text(effect: Effect) -> str:
    """`plan --base-ref` for the terminal: the plan's lines, from the files."""
    grouped = group(_effect_rows(effect))
    lines = [_effect_head(effect) + ".", "", *_text_groups(grouped)]
    for site in _effect_shown(effect, grouped):
        lines.append(f"{site.name} ({site.source}, {_effect_status(site)})")
        for change in grouped.own_changes(site.name, site.changes):
            lines.append(f"  {_where(change):8} {change.kind.value:11} "
                         f"{_own(grouped, change, describe_change(change, site.site))}")
        shared = _shared_line(grouped, site.name)
        lines += [f"  {'site':8} {'shared':11} {shared}"] if shared else []
        lines += [f"  allowed: {ALLOWED.get(rule, rule)}" for rule in site.allowed]
        lines += [f"  {d.severity.value}: {d.file}: {d.message} [{d.rule}]"
                  for d in _effect_diagnostics(site)]
        lines.append("")
    lines.append(_effect_summary(effect) + ".")
    return "\n".join(lines) + "\n"


def _effect_section(effect: SiteEffect, grouped: Grouped) -> str:
    lines = [f"### {_cell(effect.name)} ({_cell(_effect_status(effect))})"]
    lines += _change_table(grouped.own_changes(effect.name, effect.changes),
                           lambda change: _own(grouped, change,
                                               describe_change(change, effect.site)))
    lines += _markdown_shared(grouped, effect.name)
    diagnostics = _effect_diagnostics(effect)
    if diagnostics or effect.allowed:
        lines.append("")
    lines += [f"- **allowed**: {_cell(ALLOWED.get(rule, rule))}" for rule in effect.allowed]
    for diagnostic in diagnostics:
        label = "refused" if diagnostic.severity is Severity.ERROR else "warning"
        lines.append(f"- **{label}**: {_cell(diagnostic.file)}: {_cell(diagnostic.message)} "
                     f"({_cell(diagnostic.rule)})")
    return "\n".join(lines)


def render_effect_markdown(effect: Effect, limit: int = MARKDOWN_LIMIT) -> str:
    """`plan --base-ref` as the pull-request comment, capped as render_markdown is."""
    head = [f"{MARKDOWN_MARKER}\n## dectprov plan", _cell(_effect_head(effect)) + ".",
            _cell(_effect_summary(effect)) + "."]
    grouped = group(_effect_rows(effect))
    shown = _effect_shown(effect, grouped)
    shared = _markdown_groups(grouped, limit)
    cut = [(site.name, len(grouped.own_changes(site.name, site.changes)),
            len(_effect_diagnostics(site))) for site in shown]
    return _capped(head, shared + [_effect_section(site, grouped) for site in shown],
                   _cut_with_groups(cut, limit, len(shared), len(grouped.groups)), limit,
                   _first(len(shared), (_urgent(site.changes, _effect_diagnostics(site))
                                        for site in shown)))


def _cut_with_groups(cut: list[tuple[str, int, int]], limit: int, shared_blocks: int,
                     groups: int) -> Callable[[list[int]], str]:
    """The cut note of a Markdown plan whose first `shared_blocks` sections are the shared
    changes (a heading, then `groups` groups), then one section for each site of `cut`."""
    def note(left_out: list[int]) -> str:
        blocks = sum(1 for index in left_out if index < shared_blocks)
        return _cut_sites_note([cut[index - shared_blocks] for index in left_out
                                if index >= shared_blocks], limit, min(blocks, groups))
    return note


def _first(shared_blocks: int, urgent: Iterable[bool]) -> list[int]:
    """What a cut Markdown plan keeps first: the shared changes, then the sites a
    reviewer must not miss (a handset lost, a refusal)."""
    return [*range(shared_blocks),
            *(shared_blocks + n for n, flag in enumerate(urgent) if flag)]


def _urgent(changes: Iterable[Change], diagnostics: Iterable[Diagnostic]) -> bool:
    return (any(change.kind in LOSES_HANDSET or change.refused for change in changes)
            or any(diagnostic.is_error for diagnostic in diagnostics))


def render_effect_json(effect: Effect, diagnostics: Iterable[Diagnostic] = ()) -> str:
    """`plan --base-ref` for tools; `diagnostics`: what else `check` finds, which no
    site's entry holds."""
    document = {
        "format_version": JSON_FORMAT_VERSION,
        "base_ref": effect.ref,
        "base_commit": effect.commit,
        "sites": [{
            "site": site.name,
            "source": site.source,
            "status": site.status.value,
            "revision": {"before": site.before, "after": site.after},
            "handsets": site.handsets if site.after is None else None,
            "changes": [_change_json(site.name, change, describe_change(change, site.site))
                        for change in site.changes],
            "allowed": list(site.allowed),
            "diagnostics": [_diagnostic(d) for d in _effect_diagnostics(site)],
        } for site in effect.sites],
        "diagnostics": [_diagnostic(d) for d in (*effect.diagnostics, *diagnostics)],
        "summary": _effect_counts(effect) | {"kinds": _kinds(site.changes
                                                             for site in effect.sites)},
        "groups": _groups_json(_effect_rows(effect)),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
