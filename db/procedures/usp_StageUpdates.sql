-- usp_StageUpdates: runs a SELECT with the caller's permissions and stages its rows as one batch of
-- updates: one row per result row in dbo.STG_MON_CustMasterSchedule (ITEMS) or
-- dbo.STG_MON_CustMasterSchedule_Subitems (SUBITEMS) with update_batch_id, update_row_no 1..n,
-- update_fields (JSON object alias -> value as text, NULL kept) and source_table, monday_board_id NULL (the
-- board is the batch's: a query over the loader's rows by board never returns staged copies) and
-- source_query NULL (the text is kept once, in MON_UpdateBatch.source_query); creates the batch header,
-- validates the batch, and returns its id and counts (OUTPUT) plus a one-row summary.
-- The query is refused, staging nothing, when it holds more than one statement, a statement that changes
-- data or schema, does not parse, fails, repeats a column or lacks the key columns of the operation.
-- No EXECUTE AS: @query reads only what the caller may read. Errors 50201-50218 (docs/errors.md).
-- How the query runs: its shape comes from a SELECT q.* INTO #mon_shape FROM (<query>) AS q WHERE 1 = 0 (no
-- rows), its rows from INSERT INTO #capture placed before its final SELECT (after its CTE list), both as
-- dynamic SQL with the caller's permissions; fn_MON_Private_QueryParts finds those places in the text.
-- Limits: the caller's own #temp tables may be read, but not one named #capture, #describe, #staged,
-- #staged_value or #mon_shape; the procedure cannot be called inside a transaction (50960), nor so through
-- INSERT ... EXEC.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_StageUpdates', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_StageUpdates AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_StageUpdates
    @query nvarchar(MAX) = NULL,
    @board_id bigint = NULL,
    @update_operation varchar(20) = 'UPDATE',
    @target_level varchar(10) = 'ITEMS',
    @source_table varchar(100) = NULL,
    @create_labels_if_missing char(1) = 'N',
    @batch_id varchar(100) = NULL OUTPUT,
    @help char(1) = 'N',
    @rows_staged int = NULL OUTPUT,
    @rows_valid int = NULL OUTPUT,
    @rows_warning int = NULL OUTPUT,
    @rows_invalid int = NULL OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @op varchar(20) = UPPER(LTRIM(RTRIM(COALESCE(@update_operation, ''))));
    DECLARE @level varchar(10) = UPPER(LTRIM(RTRIM(COALESCE(@target_level, ''))));
    DECLARE @labels char(1) = UPPER(COALESCE(@create_labels_if_missing, ''));
    DECLARE @errors nvarchar(MAX) = N'';
    DECLARE @msg nvarchar(2048);
    DECLARE @params nvarchar(MAX);
    DECLARE @run_id bigint;
    DECLARE @blank nvarchar(MAX);
    DECLARE @code_len int;
    DECLARE @pos int;
    DECLARE @lead nvarchar(200);
    DECLARE @first nvarchar(200);
    DECLARE @word varchar(30);
    DECLARE @sql nvarchar(MAX);
    DECLARE @describe_error nvarchar(4000);
    DECLARE @select_pos int;
    DECLARE @tail_pos int;
    DECLARE @second_pos int;
    DECLARE @ctes nvarchar(MAX);
    DECLARE @body nvarchar(MAX);
    DECLARE @chunk_from int;
    DECLARE @batch_status varchar(20);
    DECLARE @work_table sysname;
    DECLARE @names nvarchar(MAX);
    DECLARE @dynamic nvarchar(MAX);
    DECLARE @rows int;
    DECLARE @new_batch varchar(50);
    DECLARE @fields nvarchar(MAX);
    DECLARE @key_item nvarchar(MAX) = N'CAST(NULL AS bigint)';
    DECLARE @key_name nvarchar(MAX) = N'CAST(NULL AS nvarchar(255))';
    DECLARE @key_group nvarchar(MAX) = N'CAST(NULL AS nvarchar(100))';
    DECLARE @key_parent nvarchar(MAX) = N'CAST(NULL AS bigint)';
    DECLARE @col_name sysname;
    DECLARE @expr nvarchar(MAX);
    DECLARE @bad_row int;
    DECLARE @bad_value nvarchar(200);
    DECLARE @limit int;
    DECLARE @error_number int;
    DECLARE @describe_count int;
    DECLARE @error_message nvarchar(4000);

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'usp_StageUpdates: stages the rows of a SELECT as one batch of monday.com updates, validates it and
returns the batch id and counts. Nothing is sent: release the batch with usp_ReleaseBatch, then run the sender.

Parameters:
  @query                    nvarchar(max) required   one SELECT (CTEs, ORDER BY, a trailing semicolon are fine);
                                                    key columns: monday_item_id (UPDATE), item_name [, group_id]
                                                    (CREATE), parent_item_id (CREATE of SUBITEMS); every other
                                                    column is an update: its alias is a column id, a column title
                                                    (Order Status ~ order_status) or a dbo.MON_ColumnMap alias
  @board_id                 bigint        required   the board (the parent board for SUBITEMS)
  @update_operation         varchar(20)   ''UPDATE''   ''UPDATE'' | ''CREATE''
  @target_level             varchar(10)   ''ITEMS''    ''ITEMS'' | ''SUBITEMS''
  @source_table             varchar(100)  NULL       recorded with the batch, for the audit trail
  @create_labels_if_missing char(1)       ''N''        ''Y'' lets unknown status/dropdown labels be created by monday
  @batch_id                 varchar(50)   OUTPUT     the new batch id (pass one to choose it)
  @help                     char(1)       ''N''        ''Y'' prints this text and does nothing else
  @rows_staged              int           OUTPUT     rows staged into the batch
  @rows_valid               int           OUTPUT     rows VALID after validation
  @rows_warning             int           OUTPUT     rows with a WARNING only
  @rows_invalid             int           OUTPUT     rows refused by validation

Examples:
  DECLARE @b varchar(50);
  EXEC dbo.usp_StageUpdates
      @query = N''SELECT TOP (1) monday_item_id, ''''In Progress'''' AS order_status
                 FROM dbo.STG_MON_CustMasterSchedule
                 WHERE monday_board_id = 8709134353 AND monday_item_id = 1234567890'',
      @board_id = 8709134353, @batch_id = @b OUTPUT;
  EXEC dbo.usp_StageUpdates
      @query = N''SELECT ''''New order'''' AS item_name, ''''topics'''' AS group_id, ''''2026-07-01'''' AS due_date'',
      @board_id = 8709134353, @update_operation = ''CREATE'';
  SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = @b;';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_StageUpdates';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    -- parameters: collect every problem, raise once
    -- empty or blank: only spaces, tabs, line breaks, form feeds (LEN ignores the trailing spaces left)
    IF @query IS NULL OR LEN(
        REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(@query, NCHAR(9), N' '), NCHAR(10), N' '), NCHAR(11), N' '),
            NCHAR(12), N' '), NCHAR(13), N' ')
    ) = 0
    BEGIN
        SET @errors = @errors + N' @query is empty: pass the SELECT whose rows become updates.';
    END;
    IF @board_id IS NULL
    BEGIN
        SET @errors = @errors + N' @board_id is required: pass the id of the monday board to update (e.g. 8709134353).';
    END;
    IF @op NOT IN ('UPDATE', 'CREATE')
    BEGIN
        SET @errors = @errors + N' @update_operation ''' + COALESCE(@update_operation, N'NULL')
            + N''' is not supported. Supported values are UPDATE and CREATE.';
    END;
    IF @level NOT IN ('ITEMS', 'SUBITEMS')
    BEGIN
        SET @errors = @errors + N' @target_level ''' + COALESCE(@target_level, N'NULL')
            + N''' is not supported. Supported values are ITEMS and SUBITEMS.';
    END;
    IF @labels NOT IN ('Y', 'N')
    BEGIN
        SET @errors = @errors + N' @create_labels_if_missing ''' + COALESCE(@create_labels_if_missing, N'NULL')
            + N''' is not supported. Supported values are Y and N.';
    END;
    IF @batch_id IS NOT NULL AND (LEN(@batch_id) = 0 OR LEN(@batch_id + 'x') - 1 > 50)
    BEGIN
        SET @errors = @errors + N' @batch_id must be 1-50 characters, or NULL for a new id.';
    END;
    IF LEN(@errors) > 0
    BEGIN
        SET @msg = LEFT(N'usp_StageUpdates:' + @errors, 2048);
        THROW 50201, @msg, 1;
    END;

    SET @params = CONCAT(
        N'EXEC dbo.usp_StageUpdates @query = N''', REPLACE(LEFT(@query, 4000), N'''', N''''''), N'''',
        CASE WHEN LEN(@query + N'x') - 1 > 4000 THEN N' /* cut at 4000 characters */' ELSE N'' END,
        N', @board_id = ', @board_id,
        N', @update_operation = ''', @op, N''', @target_level = ''', @level, N''', @source_table = ',
        COALESCE(N'''' + REPLACE(@source_table, '''', '''''') + N'''', N'NULL'),
        N', @create_labels_if_missing = ''', @labels, N''', @batch_id = ',
        COALESCE(N'''' + REPLACE(@batch_id, '''', '''''') + N'''', N'NULL'), N';'
    );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_StageUpdates',
        @batch_id = @batch_id,
        @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    BEGIN TRY
        -- 1. the text: one SELECT, nothing that changes data or schema ------------------------------------------
        IF LEN(@query + N'x') - 1 > 1000000
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query has ', LEN(@query + N'x') - 1, N' characters; at most 1000000 are',
                N' accepted (the limit of the query text, not of the rows it returns). Put long values and long',
                N' lists of rows in a table and select them from there, or stage them in several batches.'
            );
            THROW 50216, @msg, 1;
        END;
        IF CHARINDEX(N'[SAFE_TEST_ITEM_ID]', UPPER(@query)) > 0
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query still holds the placeholder [SAFE_TEST_ITEM_ID]: replace it with the',
                N' monday id of a safe test item (e.g. monday_item_id = 1234567890; the loader''s rows list them:',
                N' SELECT monday_item_id, item_name FROM dbo.STG_MON_CustMasterSchedule WHERE monday_board_id = ',
                @board_id, N'), then stage again. Nothing was staged.'
            );
            THROW 50218, @msg, 1;
        END;
        SET @blank = dbo.fn_MON_Private_BlankQueryText(@query);
        SET @code_len = LEN(@blank + N'x') - 1;
        WHILE @code_len > 0 AND UNICODE(SUBSTRING(@blank, @code_len, 1)) IN (32, 59, 9, 10, 13)
        BEGIN
            SET @code_len = @code_len - 1;
        END;
        SET @pos = CHARINDEX(N';', LEFT(@blank, @code_len));
        IF @pos > 0
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query holds more than one statement (a semicolon at character ', @pos,
                N'). Pass a single SELECT; only a trailing semicolon is allowed.'
            );
            THROW 50211, @msg, 1;
        END;
        SET @lead = LEFT(@blank, 200);
        SET @lead = REPLACE(REPLACE(REPLACE(@lead, NCHAR(9), N' '), NCHAR(10), N' '), NCHAR(13), N' ');
        SET @lead = REPLACE(@lead, N'(', N' ');
        SET @lead = LOWER(LTRIM(@lead) COLLATE Latin1_General_100_BIN2);
        SET @first = LEFT(@lead, PATINDEX(N'%[^a-z]%', @lead + N' ' COLLATE Latin1_General_100_BIN2) - 1);
        IF @first NOT IN (N'select', N'with')
        BEGIN
            SET @msg = N'usp_StageUpdates: the query must be a SELECT (or WITH ... SELECT); it starts with '
                + CASE WHEN LEN(@first) > 0 THEN N'''' + @first + N'''' ELSE N'no statement' END
                + N'. Pass the SELECT whose rows become updates.';
            THROW 50212, @msg, 1;
        END;
        SET @word = dbo.fn_MON_Private_ForbiddenKeyword(@blank);
        IF @word IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query contains ', @word, N'. usp_StageUpdates runs a single read-only SELECT ',
                N'and refuses statements and clauses that change data or schema, run code or lock rows (INSERT, ',
                N'UPDATE, DELETE, MERGE, TRUNCATE, DROP, ALTER, CREATE, EXEC, GRANT, SELECT INTO, ...). Remove ',
                @word, N' from the query; quote an identifier of that name.'
            );
            THROW 50210, @msg, 1;
        END;
        SET @sql = LEFT(@query, @code_len);

        -- 2. the parts of the text: the CTE list, the final SELECT and its ORDER BY / OPTION tail -------------------
        SELECT
            @select_pos = p.select_pos,
            @tail_pos = p.tail_pos,
            @second_pos = p.second_pos
        FROM dbo.fn_MON_Private_QueryParts(LEFT(@blank, @code_len)) AS p;
        IF @second_pos > 0
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query holds more than one statement (a second SELECT at character ',
                @second_pos,
                N'; T-SQL needs no semicolon between two statements, and GO is not a separator here). Pass a single',
                N' SELECT; join result sets with UNION ALL.'
            );
            THROW 50211, @msg, 1;
        END;
        IF @select_pos = 0
        BEGIN
            SET @msg = N'usp_StageUpdates: the query''s WITH has no SELECT after its common table expressions. '
                + N'Pass WITH name AS (...) SELECT ... .';
            THROW 50212, @msg, 1;
        END;
        SET @ctes = LEFT(@sql, @select_pos - 1);
        SET @body = SUBSTRING(@sql, @select_pos, @code_len);

        -- 3. the shape: the query's columns and types, from a SELECT ... INTO of no rows run with the caller's
        -- permissions (the caller's own temp tables are fine); the ORDER BY tail is left out, as a derived table
        -- may not hold it, and any second statement left in the text is a syntax error there
        CREATE TABLE #describe (
            column_ordinal int NULL,
            column_name sysname COLLATE DATABASE_DEFAULT NULL,
            type_name sysname COLLATE DATABASE_DEFAULT NULL,
            max_length smallint NULL,
            [precision] tinyint NULL,
            [scale] tinyint NULL,
            collation_name sysname COLLATE DATABASE_DEFAULT NULL,
            system_type_name nvarchar(256) COLLATE DATABASE_DEFAULT NULL
        );
        -- SQL Server lists a #table's columns in tempdb.sys.columns. An engine whose catalog does not (a T-SQL
        -- test engine keeps temp tables out of its catalog, and loses the session's temp tables once a statement
        -- names tempdb; it lacks SQL Server's describe function too, which tells it apart) reads the shape from a
        -- work table in dbo instead, created and dropped with the caller's rights (CREATE TABLE in dbo is then
        -- needed). SESSION_CONTEXT(N'opus.shape_from_work_table') = N'Y' takes that way on SQL Server too, for
        -- a member of db_owner only (a test that shows both ways stage the same rows): no stager creates tables.
        -- A work table left by an attention between its CREATE and DROP is listed by uninstall.sql (MON_ tables
        -- it does not know).
        IF OBJECT_ID(N'sys.dm_exec_describe_first_result_set') IS NOT NULL
            AND (
                COALESCE(CAST(SESSION_CONTEXT(N'opus.shape_from_work_table') AS nvarchar(10)), N'N') <> N'Y'
                OR COALESCE(IS_MEMBER(N'db_owner'), 0) = 0
            )
        BEGIN
            SET @dynamic = @ctes + N'SELECT q.* INTO #mon_shape FROM (' + NCHAR(10)
                + SUBSTRING(@sql, @select_pos, @tail_pos - @select_pos) + NCHAR(10) + N') AS q WHERE 1 = 0;
INSERT INTO #describe (column_ordinal, column_name, type_name, max_length, [precision], [scale], collation_name)
SELECT
    c.column_id,
    c.[name],
    COALESCE(TYPE_NAME(c.user_type_id), TYPE_NAME(c.system_type_id)),
    c.max_length,
    c.[precision],
    c.[scale],
    c.collation_name
FROM tempdb.sys.columns AS c
WHERE c.[object_id] = OBJECT_ID(N''tempdb..#mon_shape'');';
            BEGIN TRY
                EXEC sys.sp_executesql @dynamic;
            END TRY
            BEGIN CATCH
                SET @error_number = ERROR_NUMBER();
                SET @describe_error = CONCAT(ERROR_MESSAGE(), N' (error ', @error_number, N')');
            END CATCH;
        END
        ELSE
        BEGIN
            SET @work_table = CONCAT(
                N'MON_Private_Shape_', @@SPID, N'_', LEFT(REPLACE(CONVERT(nvarchar(36), NEWID()), N'-', N''), 8)
            );
            SET @dynamic = @ctes + N'SELECT q.* INTO dbo.' + QUOTENAME(@work_table) + N' FROM (' + NCHAR(10)
                + SUBSTRING(@sql, @select_pos, @tail_pos - @select_pos) + NCHAR(10) + N') AS q WHERE 1 = 0;';
            BEGIN TRY
                EXEC sys.sp_executesql @dynamic;
                INSERT INTO #describe (
                    column_ordinal, column_name, type_name, max_length, [precision], [scale], collation_name
                )
                SELECT
                    c.column_id,
                    c.[name],
                    COALESCE(TYPE_NAME(c.user_type_id), TYPE_NAME(c.system_type_id)) AS type_name,
                    c.max_length,
                    c.[precision],
                    c.[scale],
                    c.collation_name
                FROM sys.columns AS c
                WHERE c.[object_id] = OBJECT_ID(N'dbo.' + QUOTENAME(@work_table));
            END TRY
            BEGIN CATCH
                SET @error_number = ERROR_NUMBER();
                SET @describe_error = CONCAT(ERROR_MESSAGE(), N' (error ', @error_number, N')');
            END CATCH;
            IF OBJECT_ID(N'dbo.' + QUOTENAME(@work_table), N'U') IS NOT NULL
            BEGIN
                SET @dynamic = N'DROP TABLE dbo.' + QUOTENAME(@work_table) + N';';
                EXEC sys.sp_executesql @dynamic;
            END;
        END;
        IF @error_number IN (229, 230, 262, 297, 300)
        BEGIN
            -- permission denied: the caller may not read what the query reads
            SET @msg = LEFT(CONCAT(
                N'usp_StageUpdates: the query failed when it ran: ', @describe_error,
                N'. Nothing was staged; fix the query (or the caller''s permissions) and stage again.'
            ), 2048);
            THROW 50204, @msg, 1;
        END;
        IF @error_number IN (1038, 8155)
        BEGIN
            SET @msg = N'usp_StageUpdates: the query returns a column without a name. Give every column an alias '
                + N'(e.g. ''In Progress'' AS order_status).';
            THROW 50215, @msg, 1;
        END;
        IF @error_number IN (2705, 8156)
        BEGIN
            SET @msg = LEFT(CONCAT(
                N'usp_StageUpdates: the query returns a column name twice: ', @describe_error,
                N'. Give each column its own alias.'
            ), 2048);
            THROW 50206, @msg, 1;
        END;
        -- a table holds at most 1,024 columns (Msg 1702 from the shape's SELECT INTO): the project stages at most
        -- 1,000 on both engines, said before anything is run
        SELECT @describe_count = COUNT(*) FROM #describe;
        IF @error_number = 1702 OR @describe_count > 1000
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query returns ', CASE WHEN @error_number = 1702 THEN N'more than 1024'
                    ELSE CONVERT(nvarchar(10), @describe_count) END,
                N' columns; at most 1000 can be staged in one batch. Stage the columns in several batches.'
            );
            THROW 50219, @msg, 1;
        END;
        IF @describe_error IS NOT NULL
        BEGIN
            SET @limit = PATINDEX(
                N'%[^a-z0-9_@#$]limit[^a-z0-9_@#$]%', N' ' + LOWER(@blank) + N' ' COLLATE Latin1_General_100_BIN2
            );
            IF @limit > 0
            BEGIN
                SET @msg = LEFT(CONCAT(
                    N'usp_StageUpdates: the query does not parse on SQL Server: LIMIT is PostgreSQL/MySQL syntax (',
                    @describe_error, N'). Write SELECT TOP (1) ... instead of ... LIMIT 1 and stage again.'
                ), 2048);
                THROW 50205, @msg, 1;
            END;
            -- a run-time error of the query itself (a conversion, a division by zero) is not a parse error
            IF @error_number IN (220, 232, 241, 242, 245, 248, 517, 8114, 8115, 8134, 9809)
            BEGIN
                SET @msg = LEFT(CONCAT(
                    N'usp_StageUpdates: the query failed when it ran: ', @describe_error,
                    N'. Nothing was staged; fix the query (or the caller''s permissions) and stage again.'
                ), 2048);
                THROW 50204, @msg, 1;
            END;
            SET @msg = LEFT(CONCAT(
                N'usp_StageUpdates: the query does not parse or names something that does not exist: ', @describe_error,
                N'. Nothing was staged; fix the query and stage again.'
            ), 2048);
            THROW 50203, @msg, 1;
        END;
        IF NOT EXISTS (SELECT 1 FROM #describe)
        BEGIN
            THROW 50214, N'usp_StageUpdates: the query returns no result set. Pass a SELECT that returns rows.', 1;
        END;
        IF EXISTS (
            SELECT 1
            FROM #describe
            WHERE column_name IS NULL OR LEN(column_name) = 0 OR column_name = N'?column?'
        )
        BEGIN
            SET @msg = N'usp_StageUpdates: the query returns a column without a name. Give every column an alias '
                + N'(e.g. ''In Progress'' AS order_status).';
            THROW 50215, @msg, 1;
        END;
        SELECT TOP (1) @names = LOWER(d.column_name)
        FROM #describe AS d
        GROUP BY LOWER(d.column_name)
        HAVING COUNT(*) > 1;
        IF @names IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query returns the column ', @names,
                N' twice (names are compared ignoring case). Give each column its own alias.'
            );
            THROW 50206, @msg, 1;
        END;
        IF EXISTS (
            SELECT 1
            FROM #describe
            WHERE LOWER(column_name) = N'mon_stage_row_no'
        )
        BEGIN
            SET @msg = N'usp_StageUpdates: the query returns a column named mon_stage_row_no, a name this procedure '
                + N'uses for the row numbers. Give that column another alias.';
            THROW 50206, @msg, 1;
        END;
        -- the type as it is declared: varchar(20), nvarchar(max), decimal(18,4), datetime2(7), with the
        -- collation of character columns kept (a varchar keeps its code page in tempdb)
        UPDATE #describe
        SET system_type_name = type_name
            + CASE
                WHEN type_name IN (N'varchar', N'char', N'varbinary', N'binary')
                    THEN N'(' + CASE WHEN max_length = -1 THEN N'max' ELSE CONVERT(nvarchar(10), max_length) END + N')'
                WHEN type_name IN (N'nvarchar', N'nchar')
                    THEN N'(' + CASE WHEN max_length = -1 THEN N'max' ELSE CONVERT(nvarchar(10), max_length / 2) END
                    + N')'
                WHEN type_name IN (N'decimal', N'numeric')
                    THEN N'(' + CONVERT(nvarchar(10), [precision]) + N',' + CONVERT(nvarchar(10), [scale]) + N')'
                WHEN type_name IN (N'datetime2', N'time', N'datetimeoffset')
                    THEN N'(' + CONVERT(nvarchar(10), [scale]) + N')'
                ELSE N''
            END;
        SELECT @names = STRING_AGG(k.key_name, N', ') WITHIN GROUP (ORDER BY k.ord ASC)
        FROM (
            VALUES
            (1, N'monday_item_id', 'UPDATE', NULL),
            (2, N'item_name', 'CREATE', NULL),
            (3, N'parent_item_id', 'CREATE', 'SUBITEMS')
        ) AS k(ord, key_name, operation, target_level)
        WHERE
            k.operation = @op AND (k.target_level IS NULL OR k.target_level = @level)
            AND NOT EXISTS (
                SELECT 1
                FROM #describe AS d
                WHERE LOWER(d.column_name) = k.key_name
            );
        IF @names IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query returns no column ', @names, N', which ',
                CASE
                    WHEN @op = 'UPDATE' THEN N'an UPDATE'
                    WHEN @level = 'SUBITEMS' THEN N'a CREATE of subitems'
                    ELSE N'a CREATE'
                END,
                N' needs. ',
                CASE
                    WHEN @op = 'UPDATE'
                        THEN N'Return the id of each item (e.g. SELECT s.monday_item_id, ...), or stage with '
                        + N'@update_operation = ''CREATE''.'
                    ELSE N'Return the new item''s name AS item_name (and parent_item_id for subitems).'
                END
            );
            THROW 50207, @msg, 1;
        END;
        SELECT TOP (1) @names = CONCAT(d.column_name, N' (', d.system_type_name, N')')
        FROM #describe AS d
        WHERE dbo.fn_MON_Private_StringifyExpr(N'q.c' + CONVERT(nvarchar(10), d.column_ordinal), d.system_type_name)
            IS NULL;
        IF @names IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query returns the column ', @names,
                N', whose type cannot be staged. CAST it to nvarchar in the query.'
            );
            THROW 50213, @msg, 1;
        END;

        -- 4. run the query once, with the caller's permissions, into #capture: INSERT INTO #capture placed before
        -- its final SELECT (after the CTE list), so the rows keep the query's ORDER BY in mon_stage_row_no
        -- (its columns are named c<ordinal>: a column's name, which may hold any character, never enters dynamic SQL)
        CREATE TABLE #capture (mon_stage_row_no int IDENTITY (1, 1) NOT NULL PRIMARY KEY);
        DECLARE column_cursor CURSOR LOCAL FAST_FORWARD FOR
        SELECT
            N'ALTER TABLE #capture ADD c' + CONVERT(nvarchar(10), d.column_ordinal) + N' '
            + CASE
                WHEN d.type_name IN (N'timestamp', N'rowversion') THEN N'varbinary(8)'
                ELSE d.system_type_name
            END
            + CASE
                WHEN d.collation_name IS NOT NULL AND d.type_name IN (N'varchar', N'char', N'nvarchar', N'nchar')
                    THEN N' COLLATE ' + d.collation_name
                ELSE N''
            END + N' NULL;' AS add_column
        FROM #describe AS d
        ORDER BY d.column_ordinal;
        OPEN column_cursor;
        FETCH NEXT FROM column_cursor INTO @dynamic;
        WHILE @@FETCH_STATUS = 0
        BEGIN
            -- one column per ALTER TABLE: the T-SQL subset every engine runs
            EXEC sys.sp_executesql @dynamic;
            FETCH NEXT FROM column_cursor INTO @dynamic;
        END;
        CLOSE column_cursor;
        DEALLOCATE column_cursor;
        SELECT
            @names = STRING_AGG(CAST(N'c' + CONVERT(nvarchar(10), d.column_ordinal) AS nvarchar(MAX)), N', ')
            WITHIN GROUP (ORDER BY d.column_ordinal ASC)
        FROM #describe AS d;
        SET @dynamic = @ctes + N'INSERT INTO #capture (' + @names + N')' + NCHAR(10) + @body + NCHAR(10) + N';';
        BEGIN TRY
            EXEC sys.sp_executesql @dynamic;
        END TRY
        BEGIN CATCH
            SET @msg = LEFT(CONCAT(
                N'usp_StageUpdates: the query failed when it ran: ', ERROR_MESSAGE(), N' (error ', ERROR_NUMBER(),
                N'). Nothing was staged; fix the query (or the caller''s permissions) and stage again.'
            ), 2048);
            THROW 50204, @msg, 1;
        END CATCH;
        SELECT @rows = COUNT(*) FROM #capture;

        IF @rows = 0
        BEGIN
            SET @msg = N'usp_StageUpdates: the query returned no rows: nothing was staged and no batch was'
                + N' created. Run the query on its own to check its WHERE clause and joins, then stage again.';
            THROW 50217, @msg, 1;
        END;
        ELSE
        BEGIN
            -- 4. key values must fit their columns ----------------------------------------------------------------
            DECLARE key_cursor CURSOR LOCAL FAST_FORWARD FOR
            SELECT
                d.column_name,
                dbo.fn_MON_Private_StringifyExpr(
                    N'q.c' + CONVERT(nvarchar(10), d.column_ordinal), d.system_type_name
                ) AS expr
            FROM #describe AS d
            WHERE
                LOWER(d.column_name) IN (
                    N'monday_item_id', N'monday_board_id', N'item_name', N'group_id', N'parent_item_id'
                )
            ORDER BY d.column_ordinal;
            OPEN key_cursor;
            FETCH NEXT FROM key_cursor INTO @col_name, @expr;
            WHILE @@FETCH_STATUS = 0
            BEGIN
                SET @bad_row = NULL;
                IF LOWER(@col_name) IN (N'monday_item_id', N'monday_board_id', N'parent_item_id')
                BEGIN
                    SET @dynamic = N'SELECT TOP (1) @n = q.mon_stage_row_no, @v = LEFT(' + @expr + N', 100)
FROM #capture AS q
WHERE ' + @expr + N' IS NOT NULL
    AND NOT (
        LTRIM(RTRIM(' + @expr + N')) NOT LIKE N''%[^0-9+-]%''
        AND LEN(LTRIM(RTRIM(' + @expr + N'))) BETWEEN 1 AND 20
        AND TRY_CONVERT(bigint, LTRIM(RTRIM(' + @expr + N'))) IS NOT NULL
    )
ORDER BY q.mon_stage_row_no;';
                    EXEC sys.sp_executesql
                        @dynamic,
                        N'@n int OUTPUT, @v nvarchar(200) OUTPUT',
                        @n = @bad_row OUTPUT,
                        @v = @bad_value OUTPUT;
                    IF @bad_row IS NOT NULL
                    BEGIN
                        SET @msg = CONCAT(
                            N'usp_StageUpdates: row ', @bad_row, N': ', LOWER(@col_name), N' ''', @bad_value,
                            N''' is not a whole number. Return the monday id as a number (e.g. CAST(x AS bigint)).'
                        );
                        THROW 50208, @msg, 1;
                    END;
                    SET @expr = N'TRY_CONVERT(bigint, LTRIM(RTRIM(' + @expr + N')))';
                    IF LOWER(@col_name) = N'monday_item_id' SET @key_item = @expr;
                    IF LOWER(@col_name) = N'parent_item_id' SET @key_parent = @expr;
                END;
                ELSE
                BEGIN
                    SET @limit = CASE WHEN LOWER(@col_name) = N'item_name' THEN 255 ELSE 100 END;
                    -- counted in UTF-16 code units, as validation counts (an emoji is two), trailing spaces included:
                    -- LEN under a binary collation (not _SC) counts code units; the '.' keeps trailing spaces
                    SET @dynamic = N'SELECT TOP (1) @n = q.mon_stage_row_no, @v = CONVERT(nvarchar(200), '
                        + N'LEN(CAST(' + @expr + N' AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N''.'') - 1)
FROM #capture AS q
WHERE LEN(CAST(' + @expr + N' AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N''.'') - 1 > @limit
ORDER BY q.mon_stage_row_no;';
                    EXEC sys.sp_executesql
                        @dynamic,
                        N'@limit int, @n int OUTPUT, @v nvarchar(200) OUTPUT',
                        @limit = @limit,
                        @n = @bad_row OUTPUT,
                        @v = @bad_value OUTPUT;
                    IF @bad_row IS NOT NULL
                    BEGIN
                        SET @msg = CONCAT(
                            N'usp_StageUpdates: row ', @bad_row, N': ', LOWER(@col_name), N' has ', @bad_value,
                            N' characters; at most ', @limit, N' fit (monday item names are 1-255 characters). ',
                            N'Shorten it in the query, e.g. LEFT(x, ', @limit, N').'
                        );
                        THROW 50209, @msg, 1;
                    END;
                    IF LOWER(@col_name) = N'item_name' SET @key_name = N'CONVERT(nvarchar(255), ' + @expr + N')';
                    IF LOWER(@col_name) = N'group_id' SET @key_group = N'CONVERT(nvarchar(100), ' + @expr + N')';
                END;
                FETCH NEXT FROM key_cursor INTO @col_name, @expr;
            END;
            CLOSE key_cursor;
            DEALLOCATE key_cursor;

            -- 5. update_fields: {"alias":"text"|null,...} in query column order -----------------------------------
            -- The dynamic SQL makes each value text, one row per value (CROSS APPLY VALUES, field_no the column's
            -- ordinal); static SQL then writes the JSON, escaping keys and values with fn_MON_Private_JsonEscape
            -- (the caller holds no right on that function: the dynamic SQL does not name it). Each item is cast to
            -- nvarchar(MAX) in the database's collation: VALUES types its column from all its rows, so an nchar(10)
            -- date next to an nchar(8) time would pad the time, and two collations would conflict (Msg 451).
            SELECT
                @fields = STRING_AGG(
                    CAST(
                        N'(' + CONVERT(nvarchar(10), d.column_ordinal) + N', CAST('
                        + dbo.fn_MON_Private_StringifyExpr(
                            N'q.c' + CONVERT(nvarchar(10), d.column_ordinal), d.system_type_name
                        ) + N' AS nvarchar(MAX)) COLLATE DATABASE_DEFAULT)' AS nvarchar(MAX)
                    ),
                    N', '
                ) WITHIN GROUP (ORDER BY d.column_ordinal ASC)
            FROM #describe AS d
            WHERE
                LOWER(d.column_name) NOT IN (
                    N'monday_item_id', N'monday_board_id', N'item_name', N'group_id', N'parent_item_id'
                );

            SET @new_batch = COALESCE(
                @batch_id,
                'UB' + REPLACE(REPLACE(REPLACE(CONVERT(varchar(19), SYSUTCDATETIME(), 120), '-', ''), ' ', ''), ':', '')
                + '-' + LOWER(LEFT(REPLACE(CONVERT(varchar(36), NEWID()), '-', ''), 6))
            );
            SET @msg = CONCAT(
                N'usp_StageUpdates: batch ', @new_batch,
                N' exists already. Pass another @batch_id, or NULL for a new one.'
            );
            IF EXISTS (
                SELECT 1
                FROM dbo.MON_UpdateBatch
                WHERE batch_id = @new_batch
            )
            BEGIN
                THROW 50202, @msg, 1;
            END;
            -- the rows in their final shape, built by dynamic SQL into a temp table; the staging tables are then
            -- written by static SQL (ownership chaining: the caller needs no INSERT permission on them)
            CREATE TABLE #staged (
                update_row_no int NOT NULL PRIMARY KEY,
                monday_item_id bigint NULL,
                item_name nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
                group_id nvarchar(100) COLLATE DATABASE_DEFAULT NULL,
                parent_item_id bigint NULL,
                update_fields nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL
            );
            CREATE TABLE #staged_value (
                update_row_no int NOT NULL,
                field_no int NOT NULL,
                value_text nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
                PRIMARY KEY (update_row_no, field_no)
            );
            SET @dynamic = N'INSERT INTO #staged (update_row_no, monday_item_id, item_name, group_id, parent_item_id)
SELECT q.mon_stage_row_no, ' + @key_item + N', ' + @key_name + N', ' + @key_group + N', ' + @key_parent + N'
FROM #capture AS q;'
                + COALESCE(N'
INSERT INTO #staged_value (update_row_no, field_no, value_text)
SELECT q.mon_stage_row_no, v.field_no, v.value_text
FROM #capture AS q
CROSS APPLY (VALUES ' + @fields + N') AS v (field_no, value_text);', N'');
            EXEC sys.sp_executesql @dynamic;
            -- the JSON of each row's fields, in column order ('{}' for a row of keys only)
            WITH field AS (
                SELECT
                    d.column_ordinal,
                    esc.escaped AS key_json
                FROM #describe AS d
                CROSS APPLY dbo.fn_MON_Private_JsonEscape(d.column_name) AS esc
            ),

            row_fields AS (
                SELECT
                    sv.update_row_no,
                    N'{' + STRING_AGG(
                        CAST(
                            N'"' + f.key_json + N'":'
                            + CASE WHEN sv.value_text IS NULL THEN N'null' ELSE N'"' + val.escaped + N'"' END
                            AS nvarchar(MAX)
                        ),
                        N','
                    ) WITHIN GROUP (ORDER BY sv.field_no ASC) + N'}' AS update_fields
                FROM #staged_value AS sv
                INNER JOIN field AS f ON sv.field_no = f.column_ordinal
                CROSS APPLY dbo.fn_MON_Private_JsonEscape(sv.value_text) AS val
                GROUP BY sv.update_row_no
            )

            UPDATE s
            SET s.update_fields = COALESCE(rf.update_fields, N'{}')
            FROM #staged AS s
            LEFT JOIN row_fields AS rf ON s.update_row_no = rf.update_row_no;

            -- one short transaction writes the batch and its rows; the rows go into the owner's table in statements
            -- of at most 4,000 rows, below the 5,000 locks at which SQL Server escalates a statement's row locks to a
            -- table lock: row locks only (lock-memory pressure aside), held until this COMMIT. A loader's TRUNCATE,
            -- ALTER or TABLOCK load waits for that COMMIT. Validation runs after it, in transactions of its own:
            -- its reads of the owner's rows hold nothing of this one.
            BEGIN TRANSACTION;

            BEGIN TRY
                INSERT INTO dbo.MON_UpdateBatch (
                    batch_id, board_id, target_level, update_operation, source_table, source_query,
                    create_labels_if_missing, batch_status, rows_staged
                )
                VALUES (@new_batch, @board_id, @level, @op, @source_table, @query, @labels, 'STAGED', @rows);
            END TRY
            BEGIN CATCH
                -- a concurrent stage with the same @batch_id committed its batch after the check above
                IF ERROR_NUMBER() IN (2601, 2627)
                BEGIN
                    THROW 50202, @msg, 1;
                END;
                THROW;
            END CATCH;

            -- a staged row carries no monday_board_id: its board is its batch's (MON_UpdateBatch.board_id), and
            -- queries over the loader's rows (WHERE monday_board_id = ...) never read staged copies back; nor
            -- source_query: the query text is kept once, in MON_UpdateBatch.source_query, not once per row
            SET @chunk_from = 1;
            WHILE @chunk_from <= @rows
            BEGIN
                IF @level = 'ITEMS'
                BEGIN
                    INSERT INTO dbo.STG_MON_CustMasterSchedule WITH (ROWLOCK) (
                        monday_item_id, monday_board_id, item_name, group_id, update_operation, update_fields,
                        source_table, source_query, update_batch_id, validation_status, validation_errors, update_row_no
                    )
                    SELECT
                        s.monday_item_id,
                        CAST(NULL AS bigint) AS monday_board_id,
                        s.item_name,
                        s.group_id,
                        @op AS update_operation,
                        s.update_fields,
                        @source_table AS source_table,
                        CAST(NULL AS nvarchar(MAX)) AS source_query,
                        @new_batch AS update_batch_id,
                        'PENDING' AS validation_status,
                        NULL AS validation_errors,
                        s.update_row_no
                    FROM #staged AS s
                    WHERE s.update_row_no BETWEEN @chunk_from AND @chunk_from + 3999
                    ORDER BY s.update_row_no;
                END;
                ELSE
                BEGIN
                    INSERT INTO dbo.STG_MON_CustMasterSchedule_Subitems WITH (ROWLOCK) (
                        monday_item_id, monday_board_id, parent_item_id, item_name, group_id, update_operation,
                        update_fields, source_table, source_query, update_batch_id, validation_status,
                        validation_errors, update_row_no
                    )
                    SELECT
                        s.monday_item_id,
                        CAST(NULL AS bigint) AS monday_board_id,
                        s.parent_item_id,
                        s.item_name,
                        s.group_id,
                        @op AS update_operation,
                        s.update_fields,
                        @source_table AS source_table,
                        CAST(NULL AS nvarchar(MAX)) AS source_query,
                        @new_batch AS update_batch_id,
                        'PENDING' AS validation_status,
                        NULL AS validation_errors,
                        s.update_row_no
                    FROM #staged AS s
                    WHERE s.update_row_no BETWEEN @chunk_from AND @chunk_from + 3999
                    ORDER BY s.update_row_no;
                END;
                SET @chunk_from = @chunk_from + 4000;
            END;

            COMMIT TRANSACTION;
            SET @batch_id = @new_batch;

            -- the batch is staged; a failure of validation leaves it STAGED with its rows PENDING, and the error
            -- says so: usp_ValidateStagedUpdates validates it again
            BEGIN TRY
                BEGIN TRANSACTION;
                EXEC dbo.usp_Private_ValidateBatch @batch_id = @new_batch;
                COMMIT TRANSACTION;
            END TRY
            BEGIN CATCH
                IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
                SET @error_number = ERROR_NUMBER();
                SET @error_message = LEFT(CONCAT(
                    ERROR_MESSAGE(), N' Batch ', @new_batch, N' was staged (', @rows, N' rows) before its validation ',
                    N'failed; its rows stay PENDING: validate it again with EXEC dbo.usp_ValidateStagedUpdates ',
                    N'@batch_id = ''', @new_batch, N''';'
                ), 2048);
                EXEC dbo.usp_Private_CloseRunLog
                    @run_id = @run_id,
                    @outcome = 'FAILED',
                    @error_number = @error_number,
                    @error_message = @error_message,
                    @batch_id = @new_batch;
                SET @run_id = NULL;
                -- a project error keeps its number (THROW takes user numbers only); a system error is re-raised as is
                IF @error_number > 49999
                BEGIN
                    THROW @error_number, @error_message, 1;
                END;
                THROW;
            END CATCH;
        END;

        SELECT
            @rows_staged = COALESCE(MAX(ub.rows_staged), 0),
            @rows_valid = COALESCE(MAX(ub.rows_valid), 0),
            @rows_warning = COALESCE(MAX(ub.rows_warning), 0),
            @rows_invalid = COALESCE(MAX(ub.rows_invalid), 0),
            @batch_status = MAX(ub.batch_status)
        FROM dbo.MON_UpdateBatch AS ub
        WHERE ub.batch_id = @batch_id;

        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = 'SUCCEEDED',
            @rows_affected = @rows_staged,
            @batch_id = @batch_id;

        SET @msg = CONCAT(
            N'Batch ', @batch_id, N' staged ', @rows_staged, N' rows for board ', @board_id,
            N' (', @op, N' ', @level,
            N'): ', @rows_valid, N' valid, ', @rows_warning, N' warning, ', @rows_invalid, N' invalid.'
        );
        PRINT @msg;

        SELECT
            @batch_id AS batch_id,
            @board_id AS board_id,
            @level AS target_level,
            @op AS update_operation,
            @batch_status AS batch_status,
            @rows_staged AS rows_staged,
            @rows_valid AS rows_valid,
            @rows_warning AS rows_warning,
            @rows_invalid AS rows_invalid,
            CASE
                WHEN @rows_invalid + @rows_warning > 0
                    THEN N'SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = ''' + @batch_id + N''';'
                ELSE N'EXEC dbo.usp_ReleaseBatch @batch_id = ''' + @batch_id + N''';'
            END AS next_step;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        SET @error_number = ERROR_NUMBER();
        SET @error_message = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = 'FAILED',
            @error_number = @error_number,
            @error_message = @error_message;
        THROW;
    END CATCH;
END;
GO
