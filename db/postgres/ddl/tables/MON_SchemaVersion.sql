-- MON_SchemaVersion: one row per installed schema version; the installer and the sender read the newest.
CREATE SCHEMA IF NOT EXISTS dbo;

CREATE TABLE IF NOT EXISTS dbo.MON_SchemaVersion (
    schema_version varchar(20) NOT NULL,
    version_major int NOT NULL,
    version_minor int NOT NULL,
    version_patch int NOT NULL,
    installed_at timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    installed_by varchar(128) NOT NULL DEFAULT session_user,
    CONSTRAINT PK_MON_SchemaVersion PRIMARY KEY (schema_version)
);
