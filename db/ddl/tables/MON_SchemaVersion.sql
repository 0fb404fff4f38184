-- MON_SchemaVersion: one row per installed schema version; the installer and the sender read the newest.
IF OBJECT_ID(N'dbo.MON_SchemaVersion', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_SchemaVersion (
        schema_version varchar(20) NOT NULL,
        version_major int NOT NULL,
        version_minor int NOT NULL,
        version_patch int NOT NULL,
        installed_at datetime2(3) NOT NULL CONSTRAINT DF_MON_SchemaVersion_installed_at DEFAULT (SYSUTCDATETIME()),
        installed_by nvarchar(128) NOT NULL CONSTRAINT DF_MON_SchemaVersion_installed_by DEFAULT (ORIGINAL_LOGIN()),
        CONSTRAINT PK_MON_SchemaVersion PRIMARY KEY CLUSTERED (schema_version)
    );
END;
GO
