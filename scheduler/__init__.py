"""Time-driven work: outbox dispatch, reminders, check-in rounds, digests.

Empty until the delivery issue: nothing in the foundation runs on a clock yet.
"""
