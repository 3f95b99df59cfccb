"""Background work: jobs, the worker, timers, service tasks, messages, incidents."""
