"""The pure core: models, planning, triage and the verdict policy, tip rotation, content schema
and YAML io, places (zones, countries, emergency numbers), texts and button layouts.

No Telegram, no database, no clock: the time is always an argument. Imports only the standard
library, yaml and small pure libraries (import-linter checks it).
"""
