"""Use cases, one transaction each (check-in steps, follow-ups, delivery claims, admin edits),
run on the database thread. Imports storage and the core, never Telegram handlers."""
