"""A participant's agenda as an iCalendar file (RFC 5545), written with ``icalendar``."""

from __future__ import annotations

from collections.abc import Sequence

from icalendar import Calendar
from icalendar import Event as VEvent

from kechuang.outreach.models import Event
from kechuang.outreach.selectors import AgendaItem

PRODID = "-//Kechuang//outreach agenda//ZH"


def agenda_ics(event: Event, items: Sequence[AgendaItem], *, domain: str) -> bytes:
    """One VEVENT per meeting: time of the slot, the table and place, whom one meets and
    why. UIDs are stable per meeting and party, so re-importing updates the entries."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", event.title)
    for item in items:
        m = item.meeting
        ve = VEvent()
        ve.add("uid", f"outreach-meeting-{m.pk}-{item.mine.pk}@{domain}")
        ve.add("dtstamp", m.created_at)
        ve.add("dtstart", m.slot.starts_at)
        ve.add("dtend", m.slot.ends_at)
        ve.add("summary", f"{event.title}：与 {item.other} 洽谈（{m.table.number} 号桌）")
        place = ", ".join(p for p in (event.place, f"{m.table.number} 号桌") if p)
        ve.add("location", place)
        lines = [f"洽谈事由：{m.request.reason}"]
        if event.stream_url:
            lines.append(f"线上链接：{event.stream_url}")
        ve.add("description", "\n".join(lines))
        cal.add_component(ve)
    return cal.to_ical()
