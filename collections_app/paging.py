"""Pages without an exact COUNT(*) (DESIGN.md §3): read one row more than a page to know
whether another follows. Quacks like Django's Page for includes/_pagination.html."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def page_without_count(queryset, number, size: int) -> Page:
    """Page `number` (anything unreadable means 1) of `size` rows: reads size + 1 rows."""
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    return Page(object_list=rows[:size], number=number, has_next=len(rows) > size)
