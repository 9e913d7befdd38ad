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
NOTICES.update(
    {
        "lodged": N_("The complaint was recorded."),
        "progressed": N_("The complaint's status was changed."),
        "pdm": N_("The PDM outcome was recorded."),
    }
)
CHANNEL = {
    "desk": N_("Desk"),
    "phone": N_("Phone"),
    "hotline": N_("Hotline"),
    "web_form": N_("Web form"),
    "pdm": N_("Post-distribution monitoring"),
}
CATEGORY = {
    "targeting": N_("Targeting"),
    "amount": N_("Amount"),
    "delay": N_("Delay"),
    "not_received": N_("Not received"),
    "service_quality": N_("Service quality"),
    "information": N_("Information"),
    "staff_conduct": N_("Staff conduct"),
    "sea": N_("Sexual exploitation and abuse"),
    "staff_fraud": N_("Fraud by staff"),
    "other": N_("Other"),
    "restricted": N_("Restricted categories"),
}
PRIORITY = {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}
COMPLAINT_STATUS = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}
PDM_OUTCOME = {
    "received": N_("Received"),
    "not_received": N_("Not received"),
    "received_with_issues": N_("Received with issues"),
}
