"""Code lists of the data protection domain."""

from __future__ import annotations

from enum import StrEnum


class HoldObject(StrEnum):
    INDIVIDUAL = "individual"
    HOUSEHOLD = "household"
    CASE = "case"


class RetentionRule(StrEnum):
    """The rules, in the order a run applies them."""

    CLOSED_CASES = "closed_cases"  # protection cases closed more than N years ago: narratives dropped
    DEPARTED_PEOPLE = "departed_people"  # people departed, untouched for N years: anonymised
    DECEASED_PEOPLE = "deceased_people"  # people deceased N years ago: anonymised
    STAGING = "staging"  # imports left unfinished for N days: staged rows deleted


class RunTrigger(StrEnum):
    CLI = "cli"
    API = "api"
    WEB = "web"
    SCHEDULER = "scheduler"
