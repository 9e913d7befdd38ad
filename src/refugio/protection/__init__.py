"""Protection case management (SPEC C3, first part): cases, their workflow and approvals, best-interests
assessments and determinations, tasks, per-case confidentiality, the service directory and referrals.

Owns: `models` (cases, the people linked to them, assignments, history, assessments, plans, BIA/BID,
tasks, organisations and services, referrals), `enums`, `schemas`, `policy` (who may see and do what
with a case: the confidentiality rule), `service` (case writes), `referrals` (directory and referral
writes), `queries` (reads, with the access filter in the SQL). Family tracing lives in the
`tracing` subpackage, owned separately.

Confidentiality: a case's details are readable only by its assigned caseworkers and assigned
supervisors (see `policy`); administrators and other supervisors see case metadata only. Every read of
a case record is audited.

May import refugio.registration (models, queries, needs), refugio.security, refugio.store and
refugio.core; never a web framework or the CLI toolkit, and refugio.registration never imports this
package (a case opened from a specific need reads the need from here).
"""
