-- usp_StageUpdates: runs a SELECT with the caller's permissions and stages its rows as one batch of
-- updates: one row per result row in dbo.STG_MON_CustMasterSchedule (ITEMS) or
-- dbo.STG_MON_CustMasterSchedule_Subitems (SUBITEMS) with update_batch_id, update_row_no 1..n,
-- update_fields (JSON object alias -> value as text, NULL kept), source_query and source_table, and
-- monday_board_id NULL (the board is the batch's: a query over the loader's rows by board never returns
-- staged copies); creates the batch header, validates the batch, and returns its id and counts (OUTPUT)
-- plus a one-row summary.
-- The query is refused, staging nothing, when it holds more than one statement, a statement that changes
-- data or schema, does not parse, fails, repeats a column or lacks the key columns of the operation.
-- No EXECUTE AS: @query reads only what the caller may read. Errors 50201-50218 (docs/errors.md).
-- Limits: the query cannot use #temp tables (sys.dm_exec_describe_first_result_set cannot describe them;
-- use a permanent table, a view or a table-valued function), and the procedure cannot itself be called
-- through INSERT ... EXEC (it uses INSERT ... EXEC).
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
    @batch_id varchar(50) = NULL OUTPUT,
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
    IF @query IS NULL OR LEN(@query) = 0
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
    IF @batch_id IS NOT NULL AND LEN(@batch_id) = 0
    BEGIN
        SET @errors = @errors + N' @batch_id must be 1-50 characters, or NULL for a new id.';
    END;
    IF LEN(@errors) > 0
    BEGIN
        SET @msg = LEFT(N'usp_StageUpdates:' + @errors, 2048);
        THROW 50201, @msg, 1;
    END;

    SET @params = CONCAT(
        N'EXEC dbo.usp_StageUpdates @query = N''', REPLACE(@query, N'''', N''''''), N''', @board_id = ', @board_id,
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
        SET @lead = LOWER(LTRIM(@lead));
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

        -- 2. describe the first result set (parse errors name their cause) -------------------------------------
        CREATE TABLE #describe (
            column_ordinal int NULL,
            column_name sysname COLLATE DATABASE_DEFAULT NULL,
            system_type_name nvarchar(256) COLLATE DATABASE_DEFAULT NULL,
            error_number int NULL,
            error_message nvarchar(4000) COLLATE DATABASE_DEFAULT NULL
        );
        IF OBJECT_ID(N'sys.dm_exec_describe_first_result_set') IS NOT NULL
        BEGIN
            -- SQL Server: the function reports parse and permission errors as rows
            INSERT INTO #describe (column_ordinal, column_name, system_type_name, error_number, error_message)
            SELECT
                d.column_ordinal,
                d.name,
                d.system_type_name,
                d.error_number,
                d.error_message
            FROM sys.dm_exec_describe_first_result_set(@sql, NULL, 0) AS d
            WHERE d.is_hidden = 0 OR d.is_hidden IS NULL;
        END
        ELSE
        BEGIN
            -- T-SQL engines without the function: the procedure gives the same description (its whole result
            -- shape is needed for INSERT ... EXEC) and raises the error the function would report as a row
            CREATE TABLE #describe_proc (
                is_hidden bit NULL, column_ordinal int NULL, [name] sysname NULL, is_nullable bit NULL,
                system_type_id int NULL, system_type_name nvarchar(256) NULL, max_length smallint NULL,
                [precision] tinyint NULL, [scale] tinyint NULL, collation_name sysname NULL, user_type_id int NULL,
                user_type_database sysname NULL, user_type_schema sysname NULL, user_type_name sysname NULL,
                assembly_qualified_type_name nvarchar(4000) NULL, xml_collection_id int NULL,
                xml_collection_database sysname NULL, xml_collection_schema sysname NULL,
                xml_collection_name sysname NULL, is_xml_document bit NULL, is_case_sensitive bit NULL,
                is_fixed_length_clr_type bit NULL, source_server sysname NULL, source_database sysname NULL,
                source_schema sysname NULL, source_table sysname NULL, source_column sysname NULL,
                is_identity_column bit NULL, is_part_of_unique_key bit NULL, is_updateable bit NULL,
                is_computed_column bit NULL, is_sparse_column_set bit NULL, ordinal_in_order_by_list smallint NULL,
                order_by_list_length smallint NULL, order_by_is_descending smallint NULL, tds_type_id int NULL,
                tds_length int NULL, tds_collation_id int NULL, tds_collation_sort_id tinyint NULL
            );
            BEGIN TRY
                INSERT INTO #describe_proc EXEC sys.sp_describe_first_result_set @tsql = @sql;
                INSERT INTO #describe (column_ordinal, column_name, system_type_name)
                SELECT
                    p.column_ordinal,
                    p.[name],
                    p.system_type_name
                FROM #describe_proc AS p
                WHERE p.is_hidden = 0 OR p.is_hidden IS NULL;
            END TRY
            BEGIN CATCH
                INSERT INTO #describe (error_number, error_message) VALUES (ERROR_NUMBER(), ERROR_MESSAGE());
            END CATCH;
        END;

        SELECT TOP (1) @describe_error = CONCAT(d.error_message, N' (error ', d.error_number, N')')
        FROM #describe AS d
        WHERE d.error_number IS NOT NULL;
        IF EXISTS (
            SELECT 1
            FROM #describe AS d
            WHERE d.error_number IN (229, 230, 262, 297, 300)
        )
        BEGIN
            -- permission denied: the caller may not read what the query reads
            SET @msg = LEFT(CONCAT(
                N'usp_StageUpdates: the query failed when it ran: ', @describe_error,
                N'. Nothing was staged; fix the query (or the caller''s permissions) and stage again.'
            ), 2048);
            THROW 50204, @msg, 1;
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
            WHERE column_name IS NULL OR LEN(column_name) = 0
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
        WHERE dbo.fn_MON_Private_StringifyExpr(N'q.' + QUOTENAME(d.column_name), d.system_type_name) IS NULL;
        IF @names IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N'usp_StageUpdates: the query returns the column ', @names,
                N', whose type cannot be staged. CAST it to nvarchar in the query.'
            );
            THROW 50213, @msg, 1;
        END;

        -- 3. run the query once, with the caller's permissions, into #capture ------------------------------------
        CREATE TABLE #capture (mon_stage_row_no int IDENTITY (1, 1) NOT NULL PRIMARY KEY);
        SELECT
            @dynamic = N'ALTER TABLE #capture ADD ' + STRING_AGG(
                CAST(
                    QUOTENAME(d.column_name) + N' '
                    + CASE
                        WHEN LOWER(d.system_type_name) IN (N'timestamp', N'rowversion') THEN N'varbinary(8)'
                        ELSE d.system_type_name
                    END + N' NULL' AS nvarchar(MAX)
                ),
                N', '
            ) WITHIN GROUP (ORDER BY d.column_ordinal ASC) + N';',
            @names = STRING_AGG(CAST(QUOTENAME(d.column_name) AS nvarchar(MAX)), N', ')
            WITHIN GROUP (ORDER BY d.column_ordinal ASC)
        FROM #describe AS d;
        EXEC sys.sp_executesql @dynamic;
        SET @dynamic = N'INSERT INTO #capture (' + @names + N') EXEC sys.sp_executesql @q;';
        BEGIN TRY
            EXEC sys.sp_executesql @dynamic, N'@q nvarchar(max)', @q = @sql;
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
                dbo.fn_MON_Private_StringifyExpr(N'q.' + QUOTENAME(d.column_name), d.system_type_name) AS expr
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
        AND LEN(LTRIM(RTRIM(' + @expr + N'))) BETWEEN 1 AND 19
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
                    SET @dynamic = N'SELECT TOP (1) @n = q.mon_stage_row_no, @v = CONVERT(nvarchar(200), LEN(' + @expr
                        + N' + N''x'') - 1)
FROM #capture AS q
WHERE LEN(' + @expr + N' + N''x'') - 1 > @limit
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
            SELECT
                @fields = STRING_AGG(
                    CAST(
                        N'N''"' + REPLACE(STRING_ESCAPE(d.column_name, 'json'), N'''', N'''''')
                        + N'":'' + COALESCE(N''"'' + STRING_ESCAPE('
                        + dbo.fn_MON_Private_StringifyExpr(N'q.' + QUOTENAME(d.column_name), d.system_type_name)
                        + N', ''json'') + N''"'', N''null'')' AS nvarchar(MAX)
                    ),
                    N' + N'','' + '
                ) WITHIN GROUP (ORDER BY d.column_ordinal ASC)
            FROM #describe AS d
            WHERE
                LOWER(d.column_name) NOT IN (
                    N'monday_item_id', N'monday_board_id', N'item_name', N'group_id', N'parent_item_id'
                );
            SET @fields = N'CAST(N''{'' AS nvarchar(MAX)) + ' + COALESCE(@fields, N'N''''') + N' + N''}''';

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
            SET @dynamic = N'INSERT INTO #staged (update_row_no, monday_item_id, item_name, group_id, parent_item_id, '
                + N'update_fields)
SELECT q.mon_stage_row_no, ' + @key_item + N', ' + @key_name + N', ' + @key_group + N', ' + @key_parent + N', '
                + @fields + N'
FROM #capture AS q;';
            EXEC sys.sp_executesql @dynamic;

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
            -- queries over the loader's rows (WHERE monday_board_id = ...) never read staged copies back
            IF @level = 'ITEMS'
            BEGIN
                INSERT INTO dbo.STG_MON_CustMasterSchedule (
                    monday_item_id, monday_board_id, item_name, group_id, update_operation, update_fields, source_table,
                    source_query, update_batch_id, validation_status, validation_errors, update_row_no
                )
                SELECT
                    s.monday_item_id,
                    CAST(NULL AS bigint) AS monday_board_id,
                    s.item_name,
                    s.group_id,
                    @op AS update_operation,
                    s.update_fields,
                    @source_table AS source_table,
                    @query AS source_query,
                    @new_batch AS update_batch_id,
                    'PENDING' AS validation_status,
                    NULL AS validation_errors,
                    s.update_row_no
                FROM #staged AS s
                ORDER BY s.update_row_no;
            END;
            ELSE
            BEGIN
                INSERT INTO dbo.STG_MON_CustMasterSchedule_Subitems (
                    monday_item_id, monday_board_id, parent_item_id, item_name, group_id, update_operation,
                    update_fields, source_table, source_query, update_batch_id, validation_status, validation_errors,
                    update_row_no
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
                    @query AS source_query,
                    @new_batch AS update_batch_id,
                    'PENDING' AS validation_status,
                    NULL AS validation_errors,
                    s.update_row_no
                FROM #staged AS s
                ORDER BY s.update_row_no;
            END;

            EXEC dbo.usp_Private_ValidateBatch @batch_id = @new_batch;

            COMMIT TRANSACTION;
            SET @batch_id = @new_batch;
        END;

        SELECT
            @rows_staged = COALESCE(MAX(ub.rows_staged), 0),
            @rows_valid = COALESCE(MAX(ub.rows_valid), 0),
            @rows_warning = COALESCE(MAX(ub.rows_warning), 0),
            @rows_invalid = COALESCE(MAX(ub.rows_invalid), 0)
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
            'VALIDATED' AS batch_status,
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
