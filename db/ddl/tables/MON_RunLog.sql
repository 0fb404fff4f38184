-- MON_RunLog: one row per public procedure call, inserted at start and closed at end (CommandLog
-- pattern), so every step can be inspected afterwards, failed calls included.
IF OBJECT_ID(N'dbo.MON_RunLog', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_RunLog (
        run_id bigint IDENTITY (1, 1) NOT NULL,
        proc_name nvarchar(128) NOT NULL,
        batch_id varchar(50) NULL,
        parameters_used nvarchar(MAX) NULL,
        caller_login nvarchar(128) NOT NULL CONSTRAINT DF_MON_RunLog_caller_login DEFAULT (ORIGINAL_LOGIN()),
        host_name nvarchar(128) NULL CONSTRAINT DF_MON_RunLog_host_name DEFAULT (HOST_NAME()),
        start_time datetime2(3) NOT NULL CONSTRAINT DF_MON_RunLog_start_time DEFAULT (SYSUTCDATETIME()),
        end_time datetime2(3) NULL,
        outcome varchar(20) NOT NULL CONSTRAINT DF_MON_RunLog_outcome DEFAULT ('RUNNING'),
        rows_affected int NULL,
        error_number int NULL,
        error_message nvarchar(4000) NULL,
        CONSTRAINT PK_MON_RunLog PRIMARY KEY CLUSTERED (run_id),
        CONSTRAINT CK_MON_RunLog_outcome CHECK (outcome IN ('RUNNING', 'SUCCEEDED', 'FAILED'))
    );
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_RunLog_start_time' AND object_id = OBJECT_ID(N'dbo.MON_RunLog')
)
BEGIN
    CREATE INDEX IX_MON_RunLog_start_time ON dbo.MON_RunLog (start_time) INCLUDE (proc_name, outcome);
END;
GO
