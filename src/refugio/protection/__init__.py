"""Protection (SPEC C3): cases, referrals, best-interests procedures, and family tracing (`tracing`)."""
