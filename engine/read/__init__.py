"""The read side: inbox, dashboard, process statistics, task pages."""
