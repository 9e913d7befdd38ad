"""The field names of a person's name, shared by every place that lists them (forms, imports, rows).

A name has three parts in Latin script and the same three as written in the original script; the
`_original` parts are what the person wrote, the others what the registry searches and prints.
"""

from __future__ import annotations

NAME_PARTS: tuple[str, ...] = (
    "given_name",
    "middle_name",
    "family_name",
    "given_name_original",
    "middle_name_original",
    "family_name_original",
)
"""The six name fields, Latin script first, in the order forms and the name index read them."""
