-- staging_check_constraints: runs first, before anything is changed (before the upgrade steps too). The
-- install adds CHECK constraints to the loader's staging tables (ddl/updates/extend_staging_tables.sql);
-- SQL Server refuses to add one while a row breaks it (Msg 547), and the owner's tables may already hold
-- such rows (the plan's ALTER added the columns without checks). This counts, for every constraint that
-- is not there yet, the rows it would refuse, and refuses the install with one error (50953) naming the
-- table, the constraint, the row count and a SELECT that lists the rows. Nothing was changed then: fix
-- the rows and run the install again. tests/static/test_installer_structure.py holds this list equal to
-- the constraints of extend_staging_tables.sql.
DECLARE @checks TABLE (
    check_no int NOT NULL PRIMARY KEY,
    table_name sysname NOT NULL,
    constraint_name sysname NOT NULL,
    column_name sysname NOT NULL,
    allowed_values nvarchar(400) NOT NULL  -- the IN list: column IS NULL OR column IN (allowed_values)
);
INSERT INTO @checks (check_no, table_name, constraint_name, column_name, allowed_values)
VALUES
(
    1, N'STG_MON_CustMasterSchedule', N'CK_STG_MON_CustMasterSchedule_update_operation', N'update_operation',
    N'''CREATE'', ''UPDATE'', ''ARCHIVE'''
),
(
    2, N'STG_MON_CustMasterSchedule', N'CK_STG_MON_CustMasterSchedule_validation_status', N'validation_status',
    N'''PENDING'', ''VALID'', ''INVALID'', ''WARNING'''
),
(
    3, N'STG_MON_CustMasterSchedule_Subitems', N'CK_STG_MON_CustMasterSchedule_Subitems_update_operation',
    N'update_operation', N'''CREATE'', ''UPDATE'', ''ARCHIVE'''
),
(
    4, N'STG_MON_CustMasterSchedule_Subitems', N'CK_STG_MON_CustMasterSchedule_Subitems_validation_status',
    N'validation_status', N'''PENDING'', ''VALID'', ''INVALID'', ''WARNING'''
);

DECLARE
    @check_no int = 1,
    @last int = (SELECT MAX(c.check_no) FROM @checks AS c),
    @table_name sysname,
    @constraint_name sysname,
    @column_name sysname,
    @allowed nvarchar(400),
    @refused_where nvarchar(MAX),
    @count_sql nvarchar(MAX),
    @refused bigint,
    @findings nvarchar(MAX);

WHILE @check_no <= @last
BEGIN
    SELECT
        @table_name = c.table_name,
        @constraint_name = c.constraint_name,
        @column_name = c.column_name,
        @allowed = c.allowed_values
    FROM @checks AS c
    WHERE c.check_no = @check_no;

    -- only a constraint still to be added can fail; a column still to be added holds only NULLs
    IF OBJECT_ID(N'dbo.' + QUOTENAME(@table_name), N'U') IS NOT NULL
        AND COL_LENGTH(N'dbo.' + QUOTENAME(@table_name), @column_name) IS NOT NULL
        AND OBJECT_ID(N'dbo.' + QUOTENAME(@constraint_name), N'C') IS NULL
    BEGIN
        -- the rows for which the constraint's condition is FALSE, compared under the column's collation
        -- (the column names are the project's own, listed above)
        SET @refused_where = @column_name + N' NOT IN (' + @allowed + N')';  -- NOT IN skips NULLs
        SET @count_sql = N'SELECT @n = COUNT_BIG(*) FROM dbo.' + QUOTENAME(@table_name)
            + N' WHERE ' + @refused_where + N';';
        EXEC sys.sp_executesql @count_sql, N'@n bigint OUTPUT', @n = @refused OUTPUT;
        IF @refused > 0
        BEGIN
            SET @findings = CONCAT(
                @findings + N' ', @constraint_name, N': ', @refused, N' row(s): SELECT * FROM dbo.', @table_name,
                N' WHERE ', @refused_where, N';'
            );
        END;
    END;
    SET @check_no = @check_no + 1;
END;

IF @findings IS NOT NULL
BEGIN
    SET @findings = CONCAT(
        N'OPUS install refused, nothing was changed: rows of the staging tables break the CHECK',
        N' constraints the install adds. ', @findings, N' Correct those values (NULL is allowed; the project',
        N' never reads them on rows without update_batch_id), then run the install again.'
    );
    THROW 50953, @findings, 1;
END;
GO
