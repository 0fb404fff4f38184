-- =====================================================================================================
-- OPUS Update Boards: SQL Server Agent jobs (SQL Server 2017 or later), in Ola Hallengren's style.
--
-- Creates two jobs, WITHOUT schedules (nothing runs until you add one, see the end of this script):
--   "OPUS - Send Updates - <database>"    one CmdExec step: opus-sender send [--config <file>] --execute
--                                          sends every released batch; the step fails when the sender
--                                          exits non-zero (1 partial failure, 3 configuration, 4 database,
--                                          5 nothing could be sent; see docs/runbook.md)
--   "OPUS - Run Log Cleanup - <database>" one T-SQL step: EXECUTE dbo.usp_PurgeRunLog
--                                          @retention_days = <n>, @execute = 'Y'
-- Each step writes an output file named from Agent tokens (job id, step id, date and time of the run):
-- <directory>\OPUS_<job>_<job id>_<step id>_<yyyymmdd>_<hhmmss>.txt; the sender's log lines inside carry
-- UTC timestamps.
--
-- Never a password or a token in the job: the sender reads its DSN and the monday token from the Agent
-- service account's (or the proxy account's) environment (OPUS_DSN, MONDAY_API_TOKEN_FILE) or from the
-- config file named below (dsn = ..., token_file = ...), readable by that account only. Prefer a DSN with
-- Trusted_Connection=yes, so no database password exists at all.
--
-- Idempotent: a job that exists already (msdb.dbo.sysjobs) is left as it is, schedules included, unless
-- @recreate_jobs = 'Y' (then it is deleted and created again, and its schedules are lost).
-- Run it as a member of sysadmin, from any database (msdb is called by three-part names), in SSMS or
-- with sqlcmd (no sqlcmd variables are used). Not part of the install: a DBA runs it by hand.
-- =====================================================================================================

-- configuration ------------------------------------------------------------------------------------------
DECLARE @database_name sysname = N'OPUS';        -- the database OPUS Update Boards is installed in
DECLARE @sender_path nvarchar(260) = N'C:\Program Files\OPUS\venv\Scripts\opus-sender.exe'; -- the executable
DECLARE @config_file nvarchar(260) = NULL;       -- opus-sender config file (dsn, token_file), passed as
                                                 -- --config; NULL: the account's environment variables
DECLARE @output_file_directory nvarchar(200) = NULL; -- NULL: the SQL Server error log directory (SQLLOGDIR)
DECLARE @send_execute char(1) = 'Y';             -- 'Y': the send step passes --execute (really sends);
                                                 -- 'N': dry runs only (a report, no mutation)
DECLARE @retention_days int = 30;                -- run-log rows the cleanup job keeps, in days
DECLARE @job_owner sysname = NULL;               -- NULL: the sa login (by its SID, whatever its name)
DECLARE @proxy_name sysname = NULL;              -- Agent proxy the CmdExec step runs as (granted to the
                                                 -- CmdExec subsystem and to the job owner): a Windows account
                                                 -- whose login is a member of opus_sender only. REQUIRED
                                                 -- unless @use_agent_service_account = 'Y'
DECLARE @use_agent_service_account char(1) = 'N'; -- 'Y': with @proxy_name NULL, run opus-sender as the SQL
                                                 -- Server Agent service account (usually sysadmin-level on
                                                 -- the instance: it defeats opus_sender's least privilege).
                                                 -- Only where that account is itself a least-privilege login
DECLARE @recreate_jobs char(1) = 'N';            -- 'Y': delete and recreate jobs that exist
-- --------------------------------------------------------------------------------------------------------

SET NOCOUNT ON;
SET XACT_ABORT ON;

DECLARE
    @errors nvarchar(2000),
    @first int,
    @category sysname = N'OPUS Update Boards',
    @owner sysname = COALESCE(@job_owner, SUSER_SNAME(0x01)),
    @send_u char(1) = UPPER(@send_execute),
    @recreate_u char(1) = UPPER(@recreate_jobs),
    @directory nvarchar(200),
    @send_command nvarchar(2000),
    @proxy_id int,
    @purge_command nvarchar(2000),
    -- Agent tokens, split so that sqlcmd mode does not read them as sqlcmd variables (as Ola does)
    @token_log_directory nvarchar(100) = N'$' + N'(ESCAPE_SQUOTE(SQLLOGDIR))',
    @token_job_id nvarchar(100) = N'$' + N'(ESCAPE_SQUOTE(JOBID))',
    @token_step_id nvarchar(100) = N'$' + N'(ESCAPE_SQUOTE(STEPID))',
    @token_date nvarchar(100) = N'$' + N'(ESCAPE_SQUOTE(DATE))',
    @token_time nvarchar(100) = N'$' + N'(ESCAPE_SQUOTE(TIME))';

-- validation: every problem is collected, then raised once ------------------------------------------------
IF @database_name IS NULL OR DB_ID(@database_name) IS NULL
BEGIN
    SET @first = COALESCE(@first, 50930);
    SET @errors = CONCAT(
        @errors + N' ', N'@database_name = ', COALESCE(N'''' + @database_name + N'''', N'NULL'),
        N' is not a database of this instance: name the database OPUS Update Boards is installed in.'
    );
END;
IF NULLIF(LTRIM(RTRIM(@sender_path)), N'') IS NULL OR CHARINDEX(N'"', @sender_path) > 0
    OR CHARINDEX(N'"', COALESCE(@config_file, N'')) > 0
BEGIN
    SET @first = COALESCE(@first, 50931);
    SET @errors = CONCAT(
        @errors + N' ', N'@sender_path must name the opus-sender executable (and neither it nor @config_file',
        N' may contain a double quote), e.g. N''C:\OPUS\venv\Scripts\opus-sender.exe''.'
    );
END;
IF @send_u IS NULL OR @send_u NOT IN ('Y', 'N') OR @recreate_u IS NULL OR @recreate_u NOT IN ('Y', 'N')
BEGIN
    SET @first = COALESCE(@first, 50932);
    SET @errors = CONCAT(@errors + N' ', N'@send_execute and @recreate_jobs take ''Y'' or ''N''.');
END;
IF @retention_days IS NULL OR @retention_days < 1 OR @retention_days > 36500
BEGIN
    SET @first = COALESCE(@first, 50933);
    SET @errors = CONCAT(
        @errors + N' ', N'@retention_days must be 1 to 36500 days (got ',
        COALESCE(CAST(@retention_days AS nvarchar(20)), N'NULL'), N').'
    );
END;
IF @owner IS NULL OR SUSER_SID(@owner) IS NULL
BEGIN
    SET @first = COALESCE(@first, 50934);
    SET @errors = CONCAT(
        @errors + N' ', N'@job_owner = ', COALESCE(N'''' + @job_owner + N'''', N'NULL'),
        N' is not a login of this instance: name an existing login, or NULL for sa.'
    );
END;
-- without a proxy the sender runs as the Agent service account, which is usually sysadmin-level: the
-- database role opus_sender would then limit nothing. Only by an explicit choice.
IF @proxy_name IS NULL AND COALESCE(UPPER(@use_agent_service_account), 'N') <> 'Y'
BEGIN
    SET @first = COALESCE(@first, 50938);
    SET @errors = CONCAT(
        @errors + N' ', N'@proxy_name is NULL, so the send step would run as the SQL Server Agent service',
        N' account (usually sysadmin-level), not as a login limited to opus_sender: create a credential and an',
        N' Agent proxy for a Windows account whose login is a member of opus_sender only, grant it to CmdExec',
        N' and to the job owner, and set @proxy_name; or set @use_agent_service_account = ''Y'' to accept the',
        N' service account.'
    );
END;
-- the proxy must exist and be granted to the CmdExec subsystem, or sp_add_jobstep refuses it half-way
SELECT @proxy_id = p.proxy_id
FROM msdb.dbo.sysproxies AS p
INNER JOIN msdb.dbo.sysproxysubsystem AS ps ON p.proxy_id = ps.proxy_id
INNER JOIN msdb.dbo.syssubsystems AS ss ON ps.subsystem_id = ss.subsystem_id
WHERE p.name = @proxy_name AND ss.subsystem = N'CmdExec';
IF @proxy_name IS NOT NULL AND @proxy_id IS NULL
BEGIN
    SET @first = COALESCE(@first, 50935);
    SET @errors = CONCAT(
        @errors + N' ', N'@proxy_name = ''', @proxy_name, N''' is not an Agent proxy granted to the CmdExec',
        N' subsystem: create it (msdb.dbo.sp_add_proxy), grant it (msdb.dbo.sp_grant_proxy_to_subsystem',
        N' @subsystem_name = N''CmdExec''), or pass NULL.'
    );
END;
-- who may run a CmdExec step: a sysadmin owner without a proxy, or an owner the proxy is granted to (to the
-- login itself; a grant through a server or msdb role is not checked here and is accepted)
IF @owner IS NOT NULL AND SUSER_SID(@owner) IS NOT NULL AND COALESCE(IS_SRVROLEMEMBER(N'sysadmin', @owner), 0) = 0
    AND (
        @proxy_name IS NULL
        OR (
            @proxy_id IS NOT NULL
            AND NOT EXISTS (
                SELECT 1
                FROM msdb.dbo.sysproxylogin AS pl
                WHERE pl.proxy_id = @proxy_id AND (pl.sid = SUSER_SID(@owner) OR pl.flags <> 0)
            )
        )
    )
BEGIN
    SET @first = COALESCE(@first, 50954);
    SET @errors = CONCAT(
        @errors + N' ', N'the job owner ', QUOTENAME(@owner), N' is not a sysadmin, so the CmdExec step needs',
        N' a proxy granted to that login: set @proxy_name and run EXEC msdb.dbo.sp_grant_login_to_proxy',
        N' @login_name = N''', @owner, N''', @proxy_name = N''', COALESCE(@proxy_name, N'<proxy>'), N''';',
        N' or make a sysadmin login the owner.'
    );
END;

-- the commands: the sender's DSN and token never appear in them
SET @send_command = CONCAT(
    N'"', @sender_path, N'" send',
    CASE WHEN @config_file IS NOT NULL THEN N' --config "' + @config_file + N'"' ELSE N'' END,
    CASE WHEN @send_u = 'Y' THEN N' --execute' ELSE N'' END
);
SET @purge_command = CONCAT(
    N'EXECUTE dbo.usp_PurgeRunLog @retention_days = ', @retention_days, N', @execute = ''Y'';'
);
IF @send_command LIKE N'%PWD=%' OR @send_command LIKE N'%PASSWORD=%' OR @send_command LIKE N'%TOKEN=%'
BEGIN
    SET @first = COALESCE(@first, 50936);
    SET @errors = CONCAT(
        @errors + N' ', N'the job command would contain a password or a token: keep them in the config',
        N' file or the account''s environment, never in the job.'
    );
END;

SET @directory = COALESCE(NULLIF(LTRIM(RTRIM(@output_file_directory)), N''), @token_log_directory);
IF RIGHT(@directory, 1) = N'\' SET @directory = LEFT(@directory, LEN(@directory) - 1);

IF @first IS NOT NULL
BEGIN
    SET @errors = CONCAT(N'create_agent_jobs.sql: ', @errors, N' No job was created: fix the configuration block.');
    THROW @first, @errors, 1;
END;

IF OBJECT_ID(QUOTENAME(@database_name) + N'.dbo.usp_PurgeRunLog', N'P') IS NULL
BEGIN
    PRINT N'Warning: ' + QUOTENAME(@database_name) + N'.dbo.usp_PurgeRunLog does not exist: install OPUS Update'
    + N' Boards in that database (install.sql) before the cleanup job runs.';
END;

-- the jobs ------------------------------------------------------------------------------------------------
DECLARE @jobs TABLE (
    job_no int NOT NULL PRIMARY KEY,
    job_name sysname NOT NULL,
    job_description nvarchar(512) NOT NULL,
    step_name sysname NOT NULL,
    subsystem nvarchar(40) NOT NULL,
    command nvarchar(2000) NOT NULL,
    step_database sysname NULL,
    file_stem nvarchar(40) NOT NULL,
    step_proxy sysname NULL
);

INSERT INTO @jobs (
    job_no, job_name, job_description, step_name, subsystem, command, step_database, file_stem, step_proxy
)
VALUES
(
    1, LEFT(N'OPUS - Send Updates - ' + @database_name, 128),
    N'Sends the released batches of OPUS Update Boards to monday.com (opus-sender send). Created by'
    + N' db/ops/create_agent_jobs.sql without a schedule. Exit codes: docs/runbook.md.',
    N'opus-sender send', N'CmdExec', @send_command, NULL, N'OPUS_SendUpdates', @proxy_name
),
(
    2, LEFT(N'OPUS - Run Log Cleanup - ' + @database_name, 128),
    N'Deletes dbo.MON_RunLog rows older than the retention (dbo.usp_PurgeRunLog). Created by'
    + N' db/ops/create_agent_jobs.sql without a schedule.',
    N'usp_PurgeRunLog', N'TSQL', @purge_command, @database_name, N'OPUS_RunLogCleanup', NULL
);

IF NOT EXISTS (
    SELECT 1
    FROM msdb.dbo.syscategories AS c
    WHERE c.name = @category AND c.category_class = 1
)
BEGIN
    EXECUTE msdb.dbo.sp_add_category @class = N'JOB', @type = N'LOCAL', @name = @category;
END;

DECLARE
    @job_no int = 1,
    @job_id uniqueidentifier,
    @job_name sysname,
    @job_description nvarchar(512),
    @step_name sysname,
    @subsystem nvarchar(40),
    @command nvarchar(2000),
    @step_database sysname,
    @step_proxy sysname,
    @output_file nvarchar(400);

WHILE @job_no <= 2
BEGIN
    SELECT
        @job_name = j.job_name,
        @job_description = j.job_description,
        @step_name = j.step_name,
        @subsystem = j.subsystem,
        @command = j.command,
        @step_database = j.step_database,
        @step_proxy = j.step_proxy,
        @output_file = CONCAT(
            @directory, N'\', j.file_stem, N'_', @token_job_id, N'_', @token_step_id, N'_', @token_date, N'_',
            @token_time, N'.txt'
        )
    FROM @jobs AS j
    WHERE j.job_no = @job_no;

    -- msdb keeps at most 200 characters: leave the job id out of a long name (Ola does the same)
    IF LEN(@output_file) > 200
    BEGIN
        SET @output_file = REPLACE(@output_file, N'_' + @token_job_id, N'');
    END;
    IF LEN(@output_file) > 200
    BEGIN
        SET @first = 50937;
        SET @errors = CONCAT(
            N'create_agent_jobs.sql: the output file name ', @output_file, N' is longer than 200 characters.',
            N' Choose a shorter @output_file_directory. Jobs created before this one are kept.'
        );
        THROW @first, @errors, 1;
    END;

    IF EXISTS (
        SELECT 1
        FROM msdb.dbo.sysjobs AS sj
        WHERE sj.name = @job_name
    )
    BEGIN
        IF @recreate_u = 'N'
        BEGIN
            PRINT N'Job "' + @job_name + N'" exists: left as it is (set @recreate_jobs = ''Y'' to recreate it).';
            SET @job_no = @job_no + 1;
            CONTINUE;
        END;
    END;

    -- deleted and created again in one transaction: a failure keeps the job as it was
    BEGIN TRY
        BEGIN TRANSACTION;
        IF EXISTS (
            SELECT 1
            FROM msdb.dbo.sysjobs AS sj
            WHERE sj.name = @job_name
        )
        BEGIN
            EXECUTE msdb.dbo.sp_delete_job @job_name = @job_name, @delete_unused_schedule = 1;
            PRINT N'Job "' + @job_name + N'" deleted, to be created again.';
        END;
        SET @job_id = NULL;
        EXECUTE msdb.dbo.sp_add_job
            @job_name = @job_name,
            @enabled = 1,
            @description = @job_description,
            @category_name = @category,
            @owner_login_name = @owner,
            @job_id = @job_id OUTPUT;
        EXECUTE msdb.dbo.sp_add_jobstep
            @job_id = @job_id,
            @step_name = @step_name,
            @subsystem = @subsystem,
            @command = @command,
            @database_name = @step_database,
            @output_file_name = @output_file,
            @proxy_name = @step_proxy,
            @cmdexec_success_code = 0,
            @retry_attempts = 0,
            @on_success_action = 1,
            @on_fail_action = 2;
        EXECUTE msdb.dbo.sp_add_jobserver @job_id = @job_id, @server_name = N'(local)';
        COMMIT TRANSACTION;
        PRINT N'Job "' + @job_name + N'" created (no schedule). Step: ' + @command;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        THROW;
    END CATCH;

    SET @job_no = @job_no + 1;
END;

PRINT N'
No schedule was created. Add one when the jobs are ready to run, for example every 5 minutes for the sender
and daily at 03:00 for the cleanup:
  EXECUTE msdb.dbo.sp_add_jobschedule @job_name = N''OPUS - Send Updates - ' + @database_name + N''',
      @name = N''Every 5 minutes'', @freq_type = 4, @freq_interval = 1, @freq_subday_type = 4,
      @freq_subday_interval = 5;
  EXECUTE msdb.dbo.sp_add_jobschedule @job_name = N''OPUS - Run Log Cleanup - ' + @database_name + N''',
      @name = N''Daily 03:00'', @freq_type = 4, @freq_interval = 1, @active_start_time = 30000;
Test a job first: EXECUTE msdb.dbo.sp_start_job @job_name = N''...''; then read its output file.';
