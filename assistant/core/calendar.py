"""Coming dates for a company: annual duties of the titles it holds and the windows of the
programs it is closest to, and their iCalendar (.ics) export.

Pure: standard library plus the core modules. The .ics text follows RFC 5545 (all-day
events, CRLF line ends, lines folded at 75 octets, text escaped).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from assistant.core.knowledge import Knowledge
from assistant.core.knowledge.schema import CalendarEvent
from assistant.core.profile import Profile
from assistant.core.results import CalendarEntry, MatchResult

_CLOSEST = 3


def upcoming(
    knowledge: Knowledge,
    profile: Profile,
    as_of: dt.date,
    *,
    closest: list[str] | None = None,
    horizon_days: int = 366,
) -> list[CalendarEntry]:
    """Dates from ``as_of`` on, within the horizon, sorted.

    Args:
        knowledge: The knowledge base (its ``calendar.yaml``).
        profile: The company (``qualifications`` says which titles it holds).
        as_of: The first day to show.
        closest: Programs the company is closest to (from matching); their application
            windows are included.
        horizon_days: How far ahead to look.
    """
    held = set(profile.data.get("qualifications") or [])
    targets = set(closest or []) - held
    end = as_of + dt.timedelta(days=horizon_days)
    out: list[CalendarEntry] = []
    for event in knowledge.calendar:
        concerned = held if event.for_ == "holders" else targets
        programs = [p for p in event.programs if p in concerned]
        if not programs:
            continue
        for start, finish in _occurrences(event, as_of, end):
            out.append(
                {
                    "id": event.id,
                    "programs": programs,
                    "title": event.title,
                    "start": start.isoformat(),
                    "end": finish.isoformat(),
                    "for": event.for_,
                    "confidence": event.confidence,
                    "official": event.confidence == "official",
                    "article": event.article,
                }
            )
    out.sort(key=lambda e: (e["start"], e["id"]))
    return out


def _occurrences(
    event: CalendarEvent, first: dt.date, last: dt.date
) -> list[tuple[dt.date, dt.date]]:
    if event.yearly is None:
        assert event.start is not None
        finish = event.end or event.start
        return [(event.start, finish)] if finish >= first and event.start <= last else []
    month, day = (int(x) for x in event.yearly.split("-"))
    out = []
    for year in range(first.year, last.year + 1):
        date = dt.date(year, month, day)
        if first <= date <= last and (event.since is None or date >= event.since):
            out.append((date, date))
    return out


def closest_programs(match_result: MatchResult, count: int = _CLOSEST) -> list[str]:
    """The programs a match ranks highest, excluding clear failures when others exist."""
    ranked = [p["program"] for p in match_result["programs"]]
    hopeful = [p["program"] for p in match_result["programs"] if p["verdict"] != "not_eligible"]
    return (hopeful or ranked)[:count]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode()) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return out


def to_ics(events: list[CalendarEntry], *, company: str | None, stamp: dt.datetime) -> str:
    """The events as an iCalendar document (all-day events)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//shenbao-assistant//calendar//ZH",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape((company or '企业') + ' 申报日历')}",
    ]
    for e in events:
        uid = hashlib.sha1(f"{e['id']}|{e['start']}|{company}".encode()).hexdigest()
        start = dt.date.fromisoformat(e["start"])
        end = dt.date.fromisoformat(e["end"]) + dt.timedelta(days=1)  # DTEND is exclusive
        note = "来源：官方文件" if e["official"] else "来源：公开报道，请以官方通知为准"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@shenbao-assistant",
            f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
            f"DTSTART;VALUE=DATE:{start.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{end.strftime('%Y%m%d')}",
            f"SUMMARY:{_escape(e['title'])}",
            f"DESCRIPTION:{_escape(note + '；依据：' + e['article'])}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
