"""The titles of the global tables as messages to translate (`Table.translated_title`): the same English
titles the tables are built with, their year, first year and top N as placeholders."""

from __future__ import annotations

from refugio.stats.tables import Table

# The titles as messages to translate (`Table.translated_title`): by table, without and with a top N.
TITLES: dict[str, tuple[str, str]] = {
    "population-types": ("Forcibly displaced people by population type, end-%(year)s",) * 2,
    "refugees-by-origin": (
        "Refugees under UNHCR's mandate by country of origin, end-%(year)s",
        "Refugees under UNHCR's mandate by country of origin, end-%(year)s, top %(top)s",
    ),
    "refugees-by-host": (
        "Refugees under UNHCR's mandate by host country, end-%(year)s",
        "Refugees under UNHCR's mandate by host country, end-%(year)s, top %(top)s",
    ),
    "demographics": ("Share of children and of women and girls, end-%(year)s",) * 2,
    "asylum-applications": ("Asylum applications lodged in %(year)s",) * 2,
    "asylum-decisions": ("Decisions on asylum claims in %(year)s",) * 2,
    "asylum-decisions-by-origin": (
        "Decisions on asylum claims in %(year)s by country of origin (persons)",
        "Decisions on asylum claims in %(year)s by country of origin (persons), top %(top)s",
    ),
    "asylum-decisions-by-asylum": (
        "Decisions on asylum claims in %(year)s by country of asylum and decision level",
    )
    * 2,
    "solutions": ("Durable solutions in %(year)s",) * 2,
    "trends": ("Forcibly displaced people, %(first)s-%(year)s",) * 2,
}


def translatable(table: Table, *, year: int, top: int, span: int = 10) -> Table:
    """The table with its title as a message (the same English title, its values as placeholders)."""
    message = TITLES[table.name][1 if top > 0 else 0]
    values = {"year": str(year), "top": str(top), "first": str(year - span + 1)}
    wanted = {k: v for k, v in values.items() if f"%({k})s" in message}
    if message % wanted != table.title:  # a title changed without its message: keep it untranslated
        return table
    return table.retitle(message, **wanted)


__all__ = ["TITLES", "translatable"]
