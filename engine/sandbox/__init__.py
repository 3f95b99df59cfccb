"""The restricted evaluator every script, condition and timer value runs in."""
