"""Time-driven work (outbox dispatch, reminders, check-ins, digests) arrives with the delivery and digest issues."""
