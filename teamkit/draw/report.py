"""The design-review page: one self-contained HTML file (inline CSS and SVG, no scripts, no external assets)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from teamkit import __version__
from teamkit.draw.report_text import CONSEQUENCES, CSS, GLOSSARY, INTRO, LIMITS, outcome_sentence
from teamkit.failover.guest import GuestView
from teamkit.failover.scenario import Applicability
from teamkit.failover.tables import SCENARIOS
from teamkit.failover.timeline import Timeline
from teamkit.findings import Finding
from teamkit.model import Domain

__all__ = ["ScenarioFigure", "inline_svg", "review_html"]

_TAG: Final = re.compile(r"<[^>]+>")
_COMMENT: Final = re.compile(r"<!--.*?-->", re.DOTALL)
_XMLNS: Final = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_OUTER_TITLE: Final = re.compile(r'(<g id="[^"]*" class="(?:node|edge|cluster|graph)">\s*)<title>[^<]*</title>')
_TOOLTIP: Final = re.compile(r'<a xlink:title="([^"]*)">')
_FORBIDDEN: Final = ("<script", "<foreignobject", "<iframe", "javascript:", "href=", "src=")


@dataclass(frozen=True)
class ScenarioFigure:
    """One migration scenario for the page: whether it applies, and if so its timeline and that drawn as SVG."""

    applicability: Applicability
    timeline: Timeline | None = None
    svg: str | None = None


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def inline_svg(svg: str, *, prefix: str) -> str:
    """``dot``'s SVG made fit to sit inside HTML: no prolog, comments or namespace URLs, ids prefixed (several
    figures share one page), tooltips as ``<title>`` elements. Raises ``ValueError`` for anything but plain SVG."""
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("not an SVG document")
    body = _COMMENT.sub("", svg[start:])
    body = _OUTER_TITLE.sub(r"\1", body)
    body = _TOOLTIP.sub(r"<a><title>\1</title>", body)

    def tag(match: re.Match[str]) -> str:
        text = _XMLNS.sub("", match.group(0))
        return re.sub(r'(\s)id="', rf'\1id="{prefix}', text)

    body = _TAG.sub(tag, body).strip()
    lowered = body.lower()
    for bad in _FORBIDDEN:
        if bad in lowered:
            raise ValueError(f"refusing to inline SVG with {bad!r}")
    return body


def review_html(*, domain: Domain, path: str, findings: Sequence[Finding], argv_text: str | None,
                argv_error: str | None, graph_svg: str, guest: GuestView | None = None,
                scenarios: Sequence[ScenarioFigure] = (), limits: Sequence[str] = ()) -> str:
    """The review page. ``graph_svg`` and each figure's ``svg`` are ``dot`` output (see :func:`inline_svg`);
    ``limits`` are the argv and PCI-plan warnings (what teamkit could not model for this domain)."""
    name = domain.name or "(unnamed domain)"
    errors = [f for f in findings if f.is_error]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>teamkit review: {_e(name)}</title>",
        f"<style>{CSS}</style></head><body>",
        _header(domain, path, findings, guest),
        '<nav><a href="#findings">Findings</a> · <a href="#graph">Device graph</a> · <a href="#argv">QEMU '
        'arguments</a> · <a href="#migration">Live migration</a> · <a href="#limits">Not modelled</a> · '
        '<a href="#glossary">Glossary</a></nav>',
        f'<section id="about"><h2>What this page is</h2>{INTRO}</section>',
        _findings(findings),
        '<section id="graph"><h2>Device graph</h2><p class="lead">Left to right: the host devices that back each '
        "NIC, the guest's PCI tree as QEMU builds it (where libvirt puts each device, and whether its bus can "
        "hot-plug), and the Linux guest's view: the net_failover master with its virtio standby and VF primary. "
        "The purple arrow is <code>failover_pair_id</code>: the VF names the virtio NIC it backs up. Red marks "
        "something that breaks the pair.</p>",
        f'<figure class="wide">{inline_svg(graph_svg, prefix="graph_")}</figure></section>',
        _argv(argv_text, argv_error),
        _migration(errors, guest, scenarios),
        _limits(limits),
        f'<section id="glossary"><h2>Glossary</h2><dl>{GLOSSARY}</dl></section>',
        f"<footer>Written by <code>teamkit review</code> (teamkit {_e(__version__)}). libvirt's verdicts follow "
        "libvirt's own rules and messages; timelines are a model (see the parameters under each), not a "
        "measurement.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _header(domain: Domain, path: str, findings: Sequence[Finding], guest: GuestView | None) -> str:
    errors = [f for f in findings if f.is_error]
    warnings = [f for f in findings if f.severity.value == "warning"]
    pairs = len(guest.pairs) if guest is not None else 0
    facts = [f"machine <code>{_e(domain.machine or 'pc')}</code>",
             f"{pairs} failover pair{'s' if pairs != 1 else ''}" if pairs else "no failover pair"]
    if errors:
        first = errors[0]
        where = f" (line {first.line}" + (f", at {first.stage}" if first.stage else "") + ")" if first.line else ""
        verdict = (f'<div class="verdict bad"><b>✖ libvirt refuses this domain{_e(where)}:</b> '
                   f"<q>{_e(first.libvirt_message or first.message)}</q>"
                   f"{_count(len(errors) - 1, 'more error')}</div>")
    else:
        kind = "warn" if warnings else "ok"
        verdict = (f'<div class="verdict {kind}"><b>✔ libvirt accepts this domain</b>, with '
                   f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} from teamkit's review"
                   f"{': the pair may not work as intended' if warnings else ''}.</div>")
        stops = [pv for pv in (guest.pairs if guest is not None else ()) if pv.refused_at_startup]
        if stops:
            said = stops[0].placement.qemu_message or stops[0].carrier_reason
            verdict += (f'<div class="verdict bad"><b>✖ but QEMU refuses to start it:</b> <q>{_e(said)}</q> '
                        f"({_e(stops[0].placement.explanation)})</div>")
    carriers = []
    for pv in guest.pairs if guest is not None and not errors else ():
        path_name = {"vf": "traffic goes through the VF (fast path)", "virtio": "traffic goes through virtio "
                     "(slow path)", "none": "no traffic"}[pv.carrier]
        who = (f"pair <code>{_e(pv.standby_id)}</code> ← <code>{_e(pv.primary_id)}</code>"
               if pv.paired else
               f"<code>{_e(pv.primary_id)}</code> (its <code>{_e(pv.standby_id)}</code> names no "
               f"{'NIC' if pv.pair.persistent is None else 'failover NIC'})")
        carriers.append(f"<li>{who}: {path_name}: {_e(pv.carrier_reason)}</li>")
    for sv in guest.unpaired if guest is not None and not errors else ():
        carriers.append(f"<li><code>{_e(sv.standby_id)}</code> (no transient names it): {_e(sv.carrier_reason)}"
                        "</li>")
    guest_text = f"<p>Before any migration, in the guest:</p><ul>{''.join(carriers)}</ul>" if carriers else ""
    return (f'<header><p class="kicker">teamkit design review · virtio-net failover</p><h1>{_e(domain.name or "?")}'
            f"</h1><p>file <code>{_e(path)}</code> · {' · '.join(facts)}</p>{verdict}{guest_text}</header>")


def _count(n: int, what: str) -> str:
    return f" (and {n} {what}{'s' if n != 1 else ''} once this one is fixed)" if n > 0 else ""


def _findings(findings: Sequence[Finding]) -> str:
    head = '<section id="findings"><h2>Findings</h2>'
    if not findings:
        return head + "<p>Nothing to report.</p></section>"
    rows = []
    for f in findings:
        sev = f.severity.value
        if f.libvirt_message is not None:
            text = f'<q class="libvirt">{_e(f.libvirt_message)}</q>'
            if f.stage:
                text += f' <span class="muted">(libvirt, at {_e(f.stage)})</span>'
        else:
            text = f'{_e(f.message)} <span class="muted">(teamkit; libvirt does not check this)</span>'
        rows.append(f'<tr class="{_e(sev)}"><td><span class="sev {_e(sev)}">{_e(sev)}</span></td>'
                    f"<td><code>{_e(f.code)}</code></td><td>{text}</td><td>{_e(f.line or '')}</td>"
                    f"<td>{_e(f.hint or '')}</td></tr>")
    return (head + '<p class="lead">Errors are libvirt\'s, with its exact message, in the order libvirt checks: '
            "the first is the one <code>virsh define</code> or <code>virsh start</code> prints. Warnings are "
            "teamkit's: libvirt accepts the domain, but the pair will not work as intended.</p>"
            '<table class="findings"><thead><tr><th>severity</th><th>code</th><th>message</th><th>line</th>'
            f"<th>how to fix</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def _argv(text: str | None, error: str | None) -> str:
    head = ('<section id="argv"><h2>QEMU arguments</h2><p class="lead">The <code>-netdev</code> and '
            "<code>-device</code> arguments libvirt writes for the NICs and VFs, in its order. The virtio standby "
            "carries <code>failover</code>, the VF <code>failover_pair_id</code>; the standby must come first so "
            "that QEMU hides the VF until the guest negotiates failover. File descriptor numbers are placeholders: "
            "libvirt opens them at start.</p>")
    if error is not None:
        return head + f'<p class="verdict bad">No command line: libvirt stops with <q>{_e(error)}</q></p></section>'
    return head + f"<pre>{_e(text or '')}</pre></section>"


def _migration(errors: Sequence[Finding], guest: GuestView | None, scenarios: Sequence[ScenarioFigure]) -> str:
    head = '<section id="migration"><h2>Live migration</h2>'
    if errors:
        return head + "<p>libvirt refuses this domain, so there is no migration to show. Fix the errors first.</p>" \
                      "</section>"
    if guest is None:
        return head + "<p>The domain has no failover pair (no <code>&lt;teaming type='transient'&gt;</code> " \
                      "device), so a migration is an ordinary one.</p></section>"
    out = [head, '<p class="lead">Each timeline has one lane per actor and one row per step, in time order; the '
                 "coloured band on the right is the guest's datapath (blue: VF, orange: virtio, red: no network). "
                 "Times come from the model's parameters (listed under each figure), whose defaults were measured "
                 "in a lab; treat them as orders of magnitude.</p>"]
    applicable = [s for s in scenarios if s.applicability.applicable]
    reasons = {s.applicability.reason for s in scenarios}
    if scenarios and not applicable and len(reasons) == 1:
        out.append(f"<h3>No migration scenario applies</h3><p>{_e(_sentence(reasons.pop()))}</p></section>")
        return "".join(out)
    happy = next((s for s in scenarios if s.applicability.scenario == "happy"), None)
    if happy is not None and not happy.applicability.applicable:
        out.append("<h3>The happy path cannot happen here</h3>"
                   f"<p>{_e(_sentence(happy.applicability.reason))}</p>")
    for k, fig in enumerate(applicable):
        out.append(_scenario(k, fig))
    skipped = [s for s in scenarios if not s.applicability.applicable and s.applicability.scenario != "happy"]
    if skipped:
        by_reason: dict[str, list[str]] = {}
        for s in skipped:
            by_reason.setdefault(s.applicability.reason, []).append(_scenario_title(s.applicability.scenario))
        items = "".join(f"<li>{', '.join(f'<b>{_e(t)}</b>' for t in titles)}: {_e(_sentence(reason))}</li>"
                        for reason, titles in by_reason.items())
        out.append(f"<h3>Scenarios that cannot happen to this domain</h3><ul>{items}</ul>")
    out.append("</section>")
    return "".join(out)


def _sentence(text: str, *, capital: bool = True) -> str:
    """``text`` ending with a full stop, and with a capital first letter unless told otherwise."""
    text = text.strip()
    word = text.split(maxsplit=1)[0] if text else ""
    first = text[:1].upper() if capital and word.isalpha() else text[:1]
    return f"{first}{text[1:]}{'' if text.endswith(('.', '!', '?')) else '.'}" if text else ""


def _scenario_title(name: str) -> str:
    scenario = SCENARIOS.get(name)
    if scenario is None:
        return name
    case = "" if scenario.case == "M" else f"{scenario.case}: "
    return f"{case}{scenario.title}"


def _scenario(k: int, fig: ScenarioFigure) -> str:
    name = fig.applicability.scenario
    scenario = SCENARIOS.get(name)
    summary = _sentence(scenario.summary) if scenario is not None else ""
    why = _sentence(fig.applicability.reason, capital=False)
    text = [summary, CONSEQUENCES.get(name, ""), f"Why it applies here: {why}"]
    if fig.timeline is not None:
        text.append(outcome_sentence(fig.timeline))
    figure = (f'<figure class="wide">{inline_svg(fig.svg, prefix=f"tl{k}_")}</figure>' if fig.svg is not None
              else "")
    params = ""
    if fig.timeline is not None:
        listed = ", ".join(f"{key}={value}" for key, value in fig.timeline.parameters.items())
        params = f'<details><summary>parameters</summary><p class="params">{_e(listed)}</p></details>'
    return (f'<article id="scenario-{_e(name)}"><h3>{_e(_scenario_title(name))}</h3>'
            f"<p>{_e(' '.join(t for t in text if t))}</p>{figure}{params}</article>")


def _limits(limits: Sequence[str]) -> str:
    items = "".join(f"<li>{_e(w)}</li>" for w in limits)
    specific = (f"<p>For this domain:</p><ul>{items}</ul>" if items
                else "<p>For this domain, nothing beyond the general limits below.</p>")
    general = "".join(f"<li>{_e(w)}</li>" for w in LIMITS)
    return (f'<section id="limits"><h2>What teamkit does not model</h2>{specific}<p>In general:</p>'
            f"<ul>{general}</ul></section>")
