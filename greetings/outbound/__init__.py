"""Outbound events: feedback sent to CRMs as signed Standard Webhooks, at least once.

`outbox.record_feedback_event` writes the event in the caller's transaction; after the
commit the worker is asked to send it (`delivery.deliver`), and `delivery.sweep` re-queues
whatever is due and unsent. `service` is what the CLI and the console call.
"""
