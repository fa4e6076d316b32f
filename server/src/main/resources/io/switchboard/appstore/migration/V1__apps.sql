-- Apps of the PostgreSQL app store (app_store.driver: postgres).
-- Identity and switches are columns; limits and webhooks are JSON objects whose missing keys take
-- the built-in defaults when read, so a new limit needs no data migration.
CREATE TABLE switchboard_apps (
    id                        text        PRIMARY KEY,
    key                       text        NOT NULL UNIQUE,
    secret                    text        NOT NULL,
    name                      text        NOT NULL DEFAULT '',
    enabled                   boolean     NOT NULL DEFAULT true,
    client_events             boolean     NOT NULL DEFAULT false,
    user_authentication       boolean     NOT NULL DEFAULT false,
    signin_timeout_seconds    integer     NOT NULL DEFAULT 30,
    require_tls               boolean     NOT NULL DEFAULT false,
    subscription_count_events boolean     NOT NULL DEFAULT false,
    limits                    jsonb       NOT NULL DEFAULT '{}',
    webhooks                  jsonb       NOT NULL DEFAULT '[]',
    -- [{"secret": "...", "expires_at_millis": 1767225600000}]: secrets replaced by a rotation that
    -- still verify until they expire.
    previous_secrets          jsonb       NOT NULL DEFAULT '[]',
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);

-- Every change, made through the admin API or by hand, tells the nodes listening on the
-- switchboard_apps channel which app changed; they read it again within a second.
CREATE FUNCTION switchboard_apps_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('switchboard_apps', OLD.id);
    ELSE
        PERFORM pg_notify('switchboard_apps', NEW.id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER switchboard_apps_changed
    AFTER INSERT OR UPDATE OR DELETE ON switchboard_apps
    FOR EACH ROW EXECUTE FUNCTION switchboard_apps_notify();
