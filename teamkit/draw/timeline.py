"""Swimlane DOT for failover timelines: one lane per actor, one rank per step, a coloured datapath band, a legend."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from teamkit.draw.dot import Html, attr_list, attr_value, edge, html_escape, html_label, node, safe_id, same_rank
from teamkit.failover.tables import ACTORS, DATAPATH_EVENTS, DATAPATHS, SCENARIOS
from teamkit.failover.timeline import Event, Interval, Path, Timeline, caption_of, recipient_of

__all__ = ["PATH_COLOURS", "switch_rows", "timeline_dot", "timelines_dot"]

#: datapath colours: blue fast path, orange slow path, dark red for no path (distinct in lightness too)
PATH_COLOURS: Final = {"vf": "#2166ac", "virtio": "#f4a04d", "none": "#b2182b"}
PATH_LABELS: Final = {"vf": "VF fast path", "virtio": "virtio", "none": "NO NETWORK"}
#: darker shades of the datapath colours for text on white
_PATH_TEXT: Final = {"vf": "#2166ac", "virtio": "#a85a0c", "none": "#b2182b"}
_FONT: Final = "Helvetica"
#: width of the interval-label column in points
_SPAN_WIDTH: Final = 170
#: a gap between rows at least this long is called out in the time column
_LONG_GAP_S: Final = 1.0
_SAME_INSTANT_S: Final = 1e-9
_LANE_FILL: Final = ("#f4f6f8", "#ffffff")
_KIND_STYLE: Final = {
    "qmp-event": {"shape": "box", "style": "filled", "fillcolor": "#fff2cc", "color": "#b59a2e"},
    "migration-state": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dae8fc", "color": "#6c8ebf"},
    "action": {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff", "color": "#8c8c8c"},
}
_STATE_FILL: Final = {"completed": ("#d5e8d4", "#82b366"), "failed": ("#f8cecc", "#b85450"),
                      "cancelled": ("#f8cecc", "#b85450"), "cancelling": ("#f8cecc", "#b85450"),
                      "wait-unplug": ("#ffe0b2", "#e6a23c")}


@dataclass(frozen=True)
class _Lanes:
    """Column ids of one drawn timeline: time, actors, datapath band, interval labels."""

    prefix: str
    actors: tuple[str, ...]

    def id(self, column: str, row: str | int) -> str:
        return safe_id(f"{self.prefix}{column}", str(row))

    @property
    def columns(self) -> tuple[str, ...]:
        return ("time", *self.actors, "band", "span")


def timeline_dot(timeline: Timeline, *, title: str | None = None, legend: bool = True) -> str:
    """DOT source for one timeline (render with ``dot -Tsvg``)."""
    return timelines_dot([timeline], titles=None if title is None else [title], legend=legend)


def timelines_dot(timelines: Sequence[Timeline], *, titles: Sequence[str] | None = None, legend: bool = True) -> str:
    """DOT source for timelines side by side (for example the model next to a measurement), left to right."""
    if not timelines:
        raise ValueError("nothing to draw")
    if titles is not None and len(titles) != len(timelines):
        raise ValueError("one title per timeline")
    lines = [
        "digraph timeline {",
        "  graph " + attr_list({"newrank": "true", "rankdir": "TB", "splines": "line", "nodesep": "0.22",
                                "ranksep": "0.16", "fontname": _FONT, "labelloc": "t", "labeljust": "l",
                                "fontsize": "12", "outputorder": "edgesfirst"}) + ";",
        "  node " + attr_list({"fontname": _FONT, "fontsize": "10", "margin": "0.08,0.03", "height": "0.3"}) + ";",
        "  edge " + attr_list({"fontname": _FONT, "fontsize": "9"}) + ";",
    ]
    single = len(timelines) == 1
    tops = []
    for k, tl in enumerate(timelines):
        heading = titles[k] if titles is not None else None
        lanes = _Lanes(prefix="" if single else f"t{k}_", actors=_lane_actors(tl))
        top = lanes.id("top", "t")
        tops.append(top)
        if single:
            lines.append("  label=" + attr_value(_title(tl, heading)) + ";")
            lines.append("  " + node(top, {"shape": "point", "style": "invis", "width": "0.01", "ordering": "out"}))
        else:
            lines.append("  " + node(top, {"shape": "plaintext", "ordering": "out", "label": _title(tl, heading)}))
        lines.extend("  " + s for s in _body(tl, lanes))
        # the top node's out-edges, with ordering=out, pin the columns left to right (flat edges alone do not
        # survive dot's crossing minimisation once there are several clusters)
        middle = lanes.columns[len(lanes.columns) // 2]
        for column in lanes.columns:
            weight = "100" if column == middle else "1"
            lines.append("  " + edge(top, lanes.id(column, "h"), {"style": "invis", "weight": weight}))
    if not single:
        lines.append("  " + node("top", {"shape": "point", "style": "invis", "width": "0.01", "ordering": "out"}))
        lines.extend("  " + edge("top", t, {"style": "invis"}) for t in tops)
        lines.append("  " + same_rank(tops))
    if legend:
        tails = [_Lanes(prefix="" if single else f"t{k}_", actors=()).id("time", "z") for k in range(len(timelines))]
        lines.extend("  " + s for s in _legend(tails))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _lane_actors(tl: Timeline) -> tuple[str, ...]:
    """Every standard lane, even an idle one (an empty lane says "nothing happens here"); libvirt only when it acts."""
    present = tl.actors
    standard = [a for a in ACTORS if a != "libvirt" or a in present]
    return (*standard, *(a for a in present if a not in ACTORS))


def _body(tl: Timeline, lanes: _Lanes) -> list[str]:
    rows = list(range(len(tl.events)))
    marks: list[str | int] = ["h", *rows, "z"]
    out: list[str] = []
    # the time column
    times = [node(lanes.id("time", "h"), {"shape": "plaintext", "label": html_label("<B>t</B>")})]
    for i in rows:
        times.append(node(lanes.id("time", i), {"shape": "plaintext", "label": _time_label(tl.events, i),
                                                "fontcolor": "#444444"}))
    times.append(node(lanes.id("time", "z"), {"shape": "point", "style": "invis", "width": "0.01"}))
    out.extend(_bare_cluster(lanes.id("time", "column"), times))
    out.extend(_chain(lanes, "time", marks, {"style": "invis", "weight": "100"}))
    # one cluster per actor
    for n, actor in enumerate(lanes.actors):
        out.extend(_lane(tl, lanes, actor, n))
    # the datapath band and its interval labels
    out.extend(_band(tl, lanes, marks))
    # one rank per step; lanes left to right
    for mark in marks:
        out.append(same_rank(lanes.id(c, mark) for c in lanes.columns))
    heads = [lanes.id(c, "h") for c in lanes.columns]
    out.extend(edge(a, b, {"style": "invis"}) for a, b in itertools.pairwise(heads))
    # messages between actors, always written left to right
    order = {a: n for n, a in enumerate(lanes.actors)}
    for i, ev in enumerate(tl.events):
        to = recipient_of(ev, lanes.actors)
        if to is None:
            continue
        attrs = {"constraint": "false", "color": "#333333", "penwidth": "1.2", "arrowsize": "0.7"}
        if order[to] > order[ev.actor]:
            out.append(edge(lanes.id(ev.actor, i), lanes.id(to, i), attrs))
        else:
            out.append(edge(lanes.id(to, i), lanes.id(ev.actor, i), {**attrs, "dir": "back"}))
    return out


def _lane(tl: Timeline, lanes: _Lanes, actor: str, n: int) -> list[str]:
    name = ACTORS[actor].name if actor in ACTORS else actor
    out = [f"subgraph cluster_{lanes.id(actor, 'lane')} {{"]
    out.append("  graph " + attr_list({"label": "", "style": "filled,rounded", "fillcolor": _LANE_FILL[n % 2],
                                       "color": "#d0d0d0", "margin": "6"}) + ";")
    out.append("  " + node(lanes.id(actor, "h"), {
        "shape": "box", "style": "filled,bold", "fillcolor": "#e8e8e8", "color": "#666666",
        "group": lanes.id(actor, "g"), "label": html_label(f"<B>{html_escape(name)}</B>"), "width": "1.6"}))
    for i, ev in enumerate(tl.events):
        if ev.actor == actor:
            out.append("  " + node(lanes.id(actor, i), {**_event_style(ev), "group": lanes.id(actor, "g")}))
        else:
            out.append("  " + node(lanes.id(actor, i), _point(lanes.id(actor, "g"))))
    out.append("  " + node(lanes.id(actor, "z"), _point(lanes.id(actor, "g"))))
    marks: list[str | int] = ["h", *range(len(tl.events)), "z"]
    out.extend("  " + s for s in _chain(lanes, actor, marks, {
        "arrowhead": "none", "style": "dashed", "color": "#a0a0a0", "weight": "100"}))
    out.append("}")
    return out


def _band(tl: Timeline, lanes: _Lanes, marks: Sequence[str | int]) -> list[str]:
    band = [node(lanes.id("band", "h"), _point(lanes.id("band", "g")))]
    span = [node(lanes.id("span", "h"), {"shape": "plaintext", "group": lanes.id("span", "g"), "label": html_label(
        f'<TABLE BORDER="0" CELLPADDING="0" WIDTH="{_SPAN_WIDTH}"><TR><TD ALIGN="LEFT" WIDTH="{_SPAN_WIDTH}">'
        "<B>← guest datapath</B></TD></TR></TABLE>")})]
    starts = switch_rows(tl)
    paths: list[Path | None] = []
    current: Path | None = None
    for i in range(len(tl.events)):
        if i in starts:
            current = starts[i].path
            span.append(node(lanes.id("span", i), {"shape": "plaintext", "label": _span_label(starts[i]),
                                                   "group": lanes.id("span", "g")}))
        else:
            span.append(node(lanes.id("span", i), _point(lanes.id("span", "g"))))
        paths.append(current)
        band.append(node(lanes.id("band", i), _joint(current, lanes.id("band", "g"))))
    band.append(node(lanes.id("band", "z"), _joint(current, lanes.id("band", "g"))))
    span.append(node(lanes.id("span", "z"), _point(lanes.id("span", "g"))))
    out = [*_bare_cluster(lanes.id("band", "column"), band), *_bare_cluster(lanes.id("span", "column"), span)]
    out.extend(_chain(lanes, "span", marks, {"style": "invis", "weight": "100"}))
    out.append(edge(lanes.id("band", "h"), lanes.id("band", marks[1]), {"style": "invis", "weight": "100"}))
    for (a, b), path in zip(itertools.pairwise(marks[1:]), paths, strict=False):
        colour = PATH_COLOURS[path] if path is not None else "#dddddd"
        out.append(edge(lanes.id("band", a), lanes.id("band", b), {
            "arrowhead": "none", "penwidth": "14", "color": colour, "weight": "100", "headclip": "false",
            "tailclip": "false"}))
    return out


def _bare_cluster(name: str, statements: Sequence[str]) -> list[str]:
    """A borderless cluster: every column is a cluster, so dot keeps all columns in their given order."""
    return [f"subgraph cluster_{name} {{", "  graph " + attr_list({"label": "", "peripheries": "0"}) + ";",
            *("  " + s for s in statements), "}"]


def switch_rows(tl: Timeline) -> dict[int, Interval]:
    """Which row each datapath interval starts at.

    Among the rows at the interval's start time, the row of an event that switches datapaths (STOP, RESUME, the
    guest's VF events: :data:`DATAPATH_EVENTS`) wins; otherwise the first row at or after the start. Rows only move
    forward, so every interval gets its own row; intervals with no row left are not drawn.
    """
    rows: dict[int, Interval] = {}
    events = tl.events
    after = -1
    for k, interval in enumerate(tl.datapath):
        left = range(after + 1, len(events))
        if k == 0 and events and interval.start <= events[0].t + _SAME_INSTANT_S:
            row: int | None = 0
        else:
            same = [i for i in left if abs(events[i].t - interval.start) < _SAME_INSTANT_S]
            preferred = [i for i in same if events[i].name in DATAPATH_EVENTS]
            later = [i for i in left if events[i].t >= interval.start - _SAME_INSTANT_S]
            row = next(iter(preferred or same or later), None)
        if row is None:
            break
        rows[row] = interval
        after = row
    return rows


def _chain(lanes: _Lanes, column: str, marks: Sequence[str | int], attrs: dict[str, str]) -> list[str]:
    return [edge(lanes.id(column, a), lanes.id(column, b), attrs) for a, b in itertools.pairwise(marks)]


def _point(group: str) -> dict[str, str | Html]:
    return {"shape": "point", "style": "invis", "width": "0.01", "height": "0.01", "group": group}


def _joint(path: Path | None, group: str) -> dict[str, str | Html]:
    """A band node: a short bar in the colour of the segment below it, covering the join of two segments."""
    colour = PATH_COLOURS[path] if path is not None else "#dddddd"
    return {"shape": "box", "style": "filled", "color": colour, "fillcolor": colour, "label": "", "width": "0.194",
            "height": "0.08", "fixedsize": "true", "penwidth": "0", "group": group}


def _span_label(interval: Interval) -> Html:
    colour = _PATH_TEXT[interval.path]
    head = f'<FONT COLOR="{colour}"><B>{html_escape(PATH_LABELS[interval.path])}</B></FONT>'
    if interval.end is None:
        when = f"from {_s(interval.start)}"
    else:
        when = f"{_s(interval.start)} – {_s(interval.end)} ({_s(interval.end - interval.start)})"
    return html_label(f'<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0" WIDTH="{_SPAN_WIDTH}">'
                      f'<TR><TD ALIGN="LEFT" BALIGN="LEFT" WIDTH="{_SPAN_WIDTH}">{head}<BR/>'
                      f'<FONT POINT-SIZE="9">{html_escape(when)}</FONT></TD></TR></TABLE>')


def _time_label(events: Sequence[Event], i: int) -> Html:
    """The row's time; grey when it repeats the row above, with the gap noted when it is long."""
    text = html_escape(_s(events[i].t))
    gap = events[i].t - events[i - 1].t if i > 0 else 0.0
    if i > 0 and gap == 0:
        return html_label(f'<FONT COLOR="#aaaaaa">{text}</FONT>')
    if gap >= _LONG_GAP_S:
        return html_label(f'<FONT POINT-SIZE="8" COLOR="#b2182b"><I>{html_escape(_s(gap))} later</I></FONT>'
                          f"<BR/>{text}")
    return html_label(text)


def _event_style(ev: Event) -> dict[str, str | Html]:
    style: dict[str, str | Html] = dict(_KIND_STYLE.get(ev.kind, _KIND_STYLE["action"]))
    if ev.kind == "migration-state" and ev.name in _STATE_FILL:
        style["fillcolor"], style["color"] = _STATE_FILL[ev.name]
    if ev.inferred:
        style["style"] = f"{style['style']},dashed"
    subtitle = _qmp_data(ev) or caption_of(ev)
    label = f"<B>{html_escape(ev.name)}</B>"
    if subtitle:
        label += f'<BR/><FONT POINT-SIZE="8" COLOR="#555555">{html_escape(subtitle)}</FONT>'
    style["label"] = html_label(label)
    style["tooltip"] = ev.detail or ev.name
    return style


def _qmp_data(ev: Event) -> str:
    """The JSON payload a QMP event's detail starts with (``{"device-id": …}``), or empty."""
    if ev.kind != "qmp-event" or not ev.detail.startswith("{"):
        return ""
    try:
        data, _ = json.JSONDecoder().raw_decode(ev.detail)
    except ValueError:
        return ""
    return json.dumps(data) if isinstance(data, dict) and data else ""


def _s(seconds: float) -> str:
    return f"{seconds:.3f} s"


def _title(tl: Timeline, heading: str | None) -> Html:
    scenario = SCENARIOS.get(tl.scenario)
    if heading:
        title = heading
    elif scenario is None:
        title = tl.scenario
    else:
        case = "" if scenario.case == "M" else f"{scenario.case} "
        title = f"{case}{tl.scenario}: {scenario.title}"
    facts = []
    params = tl.parameters
    if "pair" in params:
        facts.append(f"pair {params['pair']}")
    if "hotplug" in params:
        facts.append(f"hotplug {params['hotplug']}")
    if "libvirt" in params:
        facts.append("libvirt" if params["libvirt"] else "plain QEMU")
    totals = tl.totals
    for key, text in (("outcome", "outcome"), ("migration_s", "migration"), ("downtime_s", "downtime"),
                      ("off_vf_s", "off the VF"), ("on_virtio_s", "on virtio"), ("off_network_s", "off the network")):
        value = totals.get(key)
        if isinstance(value, bool) or value is None:
            continue
        facts.append(f"{text} {value}" if isinstance(value, str) else f"{text} {_s(float(value))}")
    if tl.datapath:
        facts.append(f"ends on {PATH_LABELS[tl.datapath[-1].path]}")
    return html_label(f'<B>{html_escape(title)}</B><BR ALIGN="LEFT"/>'
                      f'<FONT POINT-SIZE="10">{html_escape(" · ".join(facts))}</FONT><BR ALIGN="LEFT"/>')


def _legend(anchors: Sequence[str]) -> list[str]:
    """A legend cluster below all ``anchors``: sample nodes styled exactly like the events, then the datapath
    colours."""
    samples = [
        ("legend_qmp", Event(0.0, "", "qmp-event", "QMP_EVENT", ""), "QMP event"),
        ("legend_state", Event(0.0, "", "migration-state", "state", ""), "migration state"),
        ("legend_action", Event(0.0, "", "action", "action", ""), "message to another actor →"),
        ("legend_inferred", Event(0.0, "", "action", "inferred step", "", inferred=True), "dashed: see tooltip"),
    ]
    out = ["subgraph cluster_legend {",
           "  graph " + attr_list({"label": html_label("<B>Legend</B>"), "labeljust": "l", "style": "rounded",
                                   "color": "#bbbbbb", "margin": "8"}) + ";"]
    names = []
    for name, sample, caption in samples:
        style = _event_style(sample)
        style["label"] = html_label(f"<B>{html_escape(sample.name)}</B><BR/>"
                                    f'<FONT POINT-SIZE="8" COLOR="#555555">{html_escape(caption)}</FONT>')
        style["tooltip"] = caption
        out.append("  " + node(name, style))
        names.append(name)
    out.append("  " + node("legend_to", {"shape": "point", "width": "0.06", "color": "#333333"}))
    rows = []
    for path in ("vf", "virtio", "none"):
        rows.append(f'<TR><TD BGCOLOR="{PATH_COLOURS[path]}" WIDTH="28"> </TD><TD ALIGN="LEFT">'
                    f"<B>{html_escape(DATAPATHS[path].name)}</B> — {html_escape(DATAPATHS[path].meaning)}</TD></TR>")
    rows.append('<TR><TD><FONT COLOR="#aaaaaa">0.0 s</FONT></TD>'
                '<TD ALIGN="LEFT"><B>grey time</B> — the same instant as the row above, in causal order</TD></TR>')
    out.append("  " + node("legend_paths", {"shape": "plain", "label": html_label(
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">' + "".join(rows) + "</TABLE>")}))
    order = [names[0], names[1], names[2], "legend_to", names[3], "legend_paths"]
    out.append("  " + same_rank(order))
    message = (names[2], "legend_to")
    out.extend("  " + edge(a, b, {"style": "invis"}) for a, b in itertools.pairwise(order) if (a, b) != message)
    out.append("  " + edge(*message, {"color": "#333333", "penwidth": "1.2", "arrowsize": "0.7"}))
    out.append("}")
    out.extend(edge(anchor, names[0], {"style": "invis"}) for anchor in anchors)
    return out
