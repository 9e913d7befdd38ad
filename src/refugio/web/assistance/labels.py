"""Words shown for the assistance domain's codes (translated through the catalogues of
web/assistance/locale). Imports refugio.web.i18n only."""

from __future__ import annotations

from refugio.web.i18n import N_

KIND_LABELS = {
    "cash": N_("Cash"),
    "voucher": N_("Voucher"),
    "in_kind": N_("In kind"),
    "service": N_("Service"),
}
CYCLE_STATUS = {"draft": N_("Draft"), "active": N_("Active"), "finished": N_("Finished")}
PLAN_STATUS = {
    "open": N_("Open"),
    "locked": N_("Locked"),
    "in_approval": N_("In approval"),
    "authorised": N_("Authorised"),
    "released": N_("Released"),
    "reconciled": N_("Reconciled"),
    "closed": N_("Closed"),
    "aborted": N_("Aborted"),
}
PAYMENT_STATUS = {
    "pending": N_("Pending"),
    "delivered": N_("Delivered"),
    "partially_delivered": N_("Partially delivered"),
    "not_delivered": N_("Not delivered"),
    "erroneous": N_("Erroneous"),
    "skipped": N_("Skipped (already final)"),
    "unchanged": N_("Unchanged"),
}
NOTICES = {
    "rules": N_("The rules were loaded."),
    "cycle": N_("The cycle was created."),
    "frozen": N_("The list was frozen."),
    "moved": N_("The cycle's status was changed."),
    "plan": N_("The payment plan was prepared."),
    "step": N_("The plan moved on."),
    "collected": N_("The collection was recorded."),
}
