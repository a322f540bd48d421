"""Qt widgets, models and delegates. Calls core, never the reverse."""
