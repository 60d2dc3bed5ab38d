"""Storage: the schema and its migrations (frozen history), the database thread, and every SQL
statement. Imports only the core."""
