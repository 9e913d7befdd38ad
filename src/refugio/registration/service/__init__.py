"""Registration writes, named with domain verbs. Keyword-only arguments; they flush, never commit.

Every change leaves a RegistrationEvent (with before/after values) and an audit entry; specific-needs
rules are re-evaluated whenever a household's composition or a member's age-relevant data changes.
Households are registered through one bulk path (`register_households`), which the single-household
`register_household` also uses, so the interactive desk and a bulk import follow identical rules.

The modules of this package:
- `operations`: operations and sites;
- `households`: registering households (the bulk path);
- `civil_events`: births, deaths, marriages;
- `household_changes`: address, moves between households, focal point;
- `departures`: members splitting off together (a partial return), households left with no one;
- `corrections`: corrected details, status changes;
- `specific_needs`: rule-based and manual flags;
- `documents`: identity documents;
- `consent`: consent per purpose, given or withdrawn;
- `certificates`: revoking certificates a change makes untrue;
- `common` (loading within scope, counters, name index, events) and `rows` (typed row builders).

Imports registration models, rules and validation, security and the store; never a web framework.
"""

from __future__ import annotations

from refugio.registration.service.civil_events import record_birth, record_death, record_marriage
from refugio.registration.service.common import (
    active_ruleset,
    load_household,
    load_individual,
    refresh_name_index,
)
from refugio.registration.service.consent import change_consent, change_household_consent
from refugio.registration.service.corrections import change_status, update_individual
from refugio.registration.service.departures import close_if_empty, split_members
from refugio.registration.service.documents import add_document
from refugio.registration.service.household_changes import (
    change_address,
    change_focal_point,
    move_individual,
)
from refugio.registration.service.households import (
    Registered,
    household_field_errors,
    register_household,
    register_households,
    register_one,
)
from refugio.registration.service.operations import create_operation, create_site
from refugio.registration.service.rows import NAME_FIELDS
from refugio.registration.service.specific_needs import flag_need, reapply_rules, remove_need

_NAME_FIELDS = NAME_FIELDS  # the name this tuple had when the service was one module (tests read it)

__all__ = [
    "NAME_FIELDS",
    "Registered",
    "active_ruleset",
    "add_document",
    "change_address",
    "change_consent",
    "change_focal_point",
    "change_household_consent",
    "change_status",
    "close_if_empty",
    "create_operation",
    "create_site",
    "flag_need",
    "household_field_errors",
    "load_household",
    "load_individual",
    "move_individual",
    "reapply_rules",
    "record_birth",
    "record_death",
    "record_marriage",
    "refresh_name_index",
    "register_household",
    "register_households",
    "register_one",
    "remove_need",
    "split_members",
    "update_individual",
]
