-- Schema 0.4.0, step 20: MON_UpdateQueue back at SQL Server's default lock escalation (TABLE).
-- 0.1.0 to 0.3.0 set LOCK_ESCALATION = DISABLE, because a release or cancel wrote all of a batch's queue rows in
-- one transaction: a 1M-row release then held about 6M row locks (six indexes per row) in instance-wide lock
-- memory until it committed. Release and cancel now write in committed chunks of a few thousand rows, below
-- the ~5,000 locks at which SQL Server escalates, so the default is safe again and bounds lock memory.
-- Idempotent: changed only where the table's escalation is not TABLE (lock_escalation 0). A metadata change
-- (Sch-M on the table for a moment): run the install in a quiet window, as for any upgrade.
IF EXISTS (
    SELECT 1
    FROM sys.tables
    WHERE object_id = OBJECT_ID(N'dbo.MON_UpdateQueue') AND lock_escalation <> 0
)
BEGIN
    -- as text: the project's T-SQL parser (sqlfluff) has no grammar for the table option
    EXEC (N'ALTER TABLE dbo.MON_UpdateQueue SET (LOCK_ESCALATION = TABLE);');
END;
GO
