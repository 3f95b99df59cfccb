"""The runtime: cases and tasks, load -> run -> save, projections, history."""
