"""Qt widgets, models and presenters over core. Calls core, never the reverse."""
