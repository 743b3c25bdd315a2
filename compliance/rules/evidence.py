"""Whether the photos and recordings are evidence of this visit: EXIF time and place, reuse."""

from datetime import timedelta

from .base import hours, not_applicable, result, rule
from .conduct import distance_m
from .facts import EvidenceFacts, Facts
from .i18n import Text, _
from .policy import Policy

SHORT_HASH = 12  # enough to find the file in the report's list, short enough to read


def short(item: EvidenceFacts) -> str:
    return item.sha256[:SHORT_HASH]


def _time_problem(item: EvidenceFacts, facts: Facts, limit: timedelta) -> Text | None:
    """The photo's EXIF time against [check-in − limit, (check-out or check-in) + limit]."""
    report = facts.report
    if item.taken_at < report.check_in_at - limit:
        return Text(
            _("photo %(file)s was taken %(apart)s h before check-in (at most %(limit)s h)"),
            {
                "file": short(item),
                "apart": hours(report.check_in_at - item.taken_at),
                "limit": hours(limit),
            },
        )
    last = report.check_out_at or report.check_in_at
    if item.taken_at > last + limit:
        message = (
            _("photo %(file)s was taken %(apart)s h after check-out (at most %(limit)s h)")
            if report.check_out_at
            else _("photo %(file)s was taken %(apart)s h after check-in (at most %(limit)s h)")
        )
        return Text(
            message,
            {"file": short(item), "apart": hours(item.taken_at - last), "limit": hours(limit)},
        )
    return None


def _place_problem(item: EvidenceFacts, facts: Facts, limit: int) -> Text | None:
    distance = distance_m(item.taken_location, facts.report.check_in_location)
    # Compared to the millimetre: the haversine's floating-point noise never decides.
    if round(distance, 3) <= limit:
        return None
    return Text(
        _(
            "photo %(file)s was taken %(distance)d m from the check-in location (at most %(limit)d m)"
        ),
        {"file": short(item), "distance": round(distance), "limit": limit},
    )


@rule("EVIDENCE_METADATA")
def evidence_metadata(facts: Facts, policy: Policy):
    config = policy.rule("EVIDENCE_METADATA")
    report = facts.report
    photos = [e for e in report.evidence if e.kind == "photo"]
    if not photos:
        return not_applicable(
            "EVIDENCE_METADATA", policy, Text(_("No photos attached to the report."))
        )
    timed = [e for e in photos if e.taken_at is not None]
    placed = [e for e in photos if e.taken_location is not None]
    if not timed and not placed:
        return not_applicable(
            "EVIDENCE_METADATA",
            policy,
            Text(_("None of the photos carries an EXIF time or position to compare.")),
        )
    # A comparison needs its check-in fact; PRESENCE_VERIFIED already fails a missing location.
    by_time = bool(timed) and report.check_in_at is not None
    by_place = bool(placed) and report.check_in_location is not None
    if not by_time and not by_place:
        return not_applicable(
            "EVIDENCE_METADATA",
            policy,
            Text(_("No check-in time or location recorded to compare the photos' EXIF data with.")),
        )
    limit_h = timedelta(hours=config["max_hours"])
    limit_m = config["max_distance_m"]
    for item in photos:
        problems = []
        if by_time and item.taken_at is not None:
            problems.append(_time_problem(item, facts, limit_h))
        if by_place and item.taken_location is not None:
            problems.append(_place_problem(item, facts, limit_m))
        if problems := tuple(p for p in problems if p is not None):
            return result(
                "EVIDENCE_METADATA",
                False,
                policy,
                Text(
                    _("The evidence does not match the visit: %(problems)s."),
                    {"problems": problems},
                ),
            )
    checked = []
    if by_time:
        checked.append(
            Text(
                _("EXIF times within %(limit)s h of the visit (photos compared: %(count)d)"),
                {"limit": hours(limit_h), "count": len(timed)},
            )
        )
    elif timed:
        checked.append(Text(_("EXIF times not compared (no check-in time)")))
    if by_place:
        checked.append(
            Text(
                _("EXIF positions within %(limit)d m of the check-in (photos compared: %(count)d)"),
                {"limit": limit_m, "count": len(placed)},
            )
        )
    elif placed:
        checked.append(Text(_("EXIF positions not compared (no check-in location)")))
    return result(
        "EVIDENCE_METADATA",
        True,
        policy,
        Text(_("The photos match the visit: %(checked)s."), {"checked": tuple(checked)}),
    )


@rule("EVIDENCE_REUSED")
def evidence_reused(facts: Facts, policy: Policy):
    evidence = facts.report.evidence
    if not evidence:
        return not_applicable(
            "EVIDENCE_REUSED", policy, Text(_("No evidence attached to the report."))
        )
    reused = [e for e in evidence if e.used_on_other_visits]
    if reused:
        return result(
            "EVIDENCE_REUSED",
            False,
            policy,
            Text(
                _(
                    "Evidence files also uploaded for another visit: %(count)d of %(total)d (%(files)s)."
                ),
                {
                    "count": len(reused),
                    "total": len(evidence),
                    "files": ", ".join(short(e) for e in reused),
                },
            ),
        )
    return result(
        "EVIDENCE_REUSED",
        True,
        policy,
        Text(
            _("No evidence file (%(total)d attached) was uploaded for another visit."),
            {"total": len(evidence)},
        ),
    )
