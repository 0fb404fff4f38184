-- MON_User: monday users and teams (people columns are written by id; an email is resolved here).
IF OBJECT_ID(N'dbo.MON_User', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_User (
        user_id bigint NOT NULL,
        user_kind varchar(10) NOT NULL CONSTRAINT DF_MON_User_user_kind DEFAULT ('person'),
        user_name nvarchar(255) NULL,
        email nvarchar(255) NULL,
        is_enabled char(1) NOT NULL CONSTRAINT DF_MON_User_is_enabled DEFAULT ('Y'),
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_User_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_User PRIMARY KEY CLUSTERED (user_id, user_kind),
        CONSTRAINT CK_MON_User_user_kind CHECK (user_kind IN ('person', 'team')),
        CONSTRAINT CK_MON_User_is_enabled CHECK (is_enabled IN ('Y', 'N'))
    );
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_User_email' AND object_id = OBJECT_ID(N'dbo.MON_User')
)
BEGIN
    CREATE INDEX IX_MON_User_email ON dbo.MON_User (email);
END;
GO
