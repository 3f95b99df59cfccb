"""Telling people when there is work: notification events, their fan-out to people, the
bell, preferences, e-mails (immediately or in a daily digest) and deadline reminders.

The flow: a use case or a case's save writes a job carrying the event in its own
transaction (engine.notify.events, engine.notify.triggers, engine.notify.projector); a worker
records the `notification_event` and fans it out to the people who answer to its recipients
and may see what it is about (engine.notify.fanout), each as their preferences ask
(engine.notify.preferences); mails are sent by their own jobs (engine.notify.delivery),
digests daily (engine.notify.digest).
"""
