-- History rules of each app (apps[].history in the configuration), first match wins:
-- [{"channels": "chat-*", "max_events": 100, "max_age_seconds": 86400, "rewind": 0, "rewind_seconds": 0}]
ALTER TABLE switchboard_apps ADD COLUMN history jsonb NOT NULL DEFAULT '[]';
