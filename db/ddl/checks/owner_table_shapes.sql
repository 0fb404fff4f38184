-- owner_table_shapes: runs before anything is changed (a check, like staging_check_constraints.sql). The
-- staging tables and dbo.MON_UpdateAudit come from the owner's plan and may exist before the install with
-- a shape of their own. The views and procedures bind to the columns listed below; on a table without one
-- of them, or with a type the code cannot write or compare, SQL Server would stop late in the install (Msg
-- 207 at CREATE VIEW or ALTER PROCEDURE) or the first stage would fail. This refuses the install first,
-- with one error (50957) that names every such column, what it is, what the code needs and what to do.
-- Owner's columns must exist when the table exists; the project's columns are added by the install when
-- missing, and must fit when present. The audit key widening (create_update_audit.sql: int -> bigint,
-- primary key dropped and created again CLUSTERED) is checked too. A table that does not exist is created
-- by the install and is not checked. Twin of db/postgres/ddl/checks/owner_table_shapes.sql.
DECLARE @want TABLE (
    table_name sysname NOT NULL,
    column_name sysname NOT NULL,
    kind varchar(10) NOT NULL,  -- id: bigint; int: int or bigint; text: a character type of min_chars or more;
    -- max: nvarchar(MAX)
    min_chars int NULL,
    owners bit NOT NULL,  -- 1: the owner's column, must exist; 0: the project's, added when missing
    PRIMARY KEY (table_name, column_name)
);

INSERT INTO @want (table_name, column_name, kind, min_chars, owners)
VALUES
(N'STG_MON_CustMasterSchedule', N'monday_item_id', 'id', NULL, 1),
(N'STG_MON_CustMasterSchedule', N'monday_board_id', 'id', NULL, 1),
(N'STG_MON_CustMasterSchedule', N'item_name', 'text', 255, 1),
(N'STG_MON_CustMasterSchedule', N'group_id', 'text', 100, 1),
(N'STG_MON_CustMasterSchedule', N'update_operation', 'text', 7, 0),
(N'STG_MON_CustMasterSchedule', N'update_fields', 'max', NULL, 0),
(N'STG_MON_CustMasterSchedule', N'source_table', 'text', 100, 0),
(N'STG_MON_CustMasterSchedule', N'source_query', 'max', NULL, 0),
(N'STG_MON_CustMasterSchedule', N'update_batch_id', 'text', 50, 0),
(N'STG_MON_CustMasterSchedule', N'validation_status', 'text', 7, 0),
(N'STG_MON_CustMasterSchedule', N'validation_errors', 'max', NULL, 0),
(N'STG_MON_CustMasterSchedule', N'update_row_no', 'int', NULL, 0),
(N'STG_MON_CustMasterSchedule_Subitems', N'monday_item_id', 'id', NULL, 1),
(N'STG_MON_CustMasterSchedule_Subitems', N'monday_board_id', 'id', NULL, 1),
(N'STG_MON_CustMasterSchedule_Subitems', N'parent_item_id', 'id', NULL, 1),
(N'STG_MON_CustMasterSchedule_Subitems', N'item_name', 'text', 255, 1),
(N'STG_MON_CustMasterSchedule_Subitems', N'group_id', 'text', 100, 1),
(N'STG_MON_CustMasterSchedule_Subitems', N'update_operation', 'text', 7, 0),
(N'STG_MON_CustMasterSchedule_Subitems', N'update_fields', 'max', NULL, 0),
(N'STG_MON_CustMasterSchedule_Subitems', N'source_table', 'text', 100, 0),
(N'STG_MON_CustMasterSchedule_Subitems', N'source_query', 'max', NULL, 0),
(N'STG_MON_CustMasterSchedule_Subitems', N'update_batch_id', 'text', 50, 0),
(N'STG_MON_CustMasterSchedule_Subitems', N'validation_status', 'text', 7, 0),
(N'STG_MON_CustMasterSchedule_Subitems', N'validation_errors', 'max', NULL, 0),
(N'STG_MON_CustMasterSchedule_Subitems', N'update_row_no', 'int', NULL, 0),
(N'MON_UpdateAudit', N'audit_id', 'int', NULL, 1),
(N'MON_UpdateAudit', N'batch_id', 'text', 50, 1),
(N'MON_UpdateAudit', N'update_operation', 'text', 7, 1),
(N'MON_UpdateAudit', N'monday_item_id', 'id', NULL, 1),
(N'MON_UpdateAudit', N'monday_board_id', 'id', NULL, 1),
(N'MON_UpdateAudit', N'column_id', 'text', 100, 1),
(N'MON_UpdateAudit', N'old_value', 'max', NULL, 1),
(N'MON_UpdateAudit', N'new_value', 'max', NULL, 1),
(N'MON_UpdateAudit', N'queue_id', 'id', NULL, 0),
(N'MON_UpdateAudit', N'worker_id', 'text', 100, 0),
(N'MON_UpdateAudit', N'rollback_batch_id', 'text', 50, 0);

DECLARE @findings nvarchar(MAX);

WITH have AS (
    SELECT
        w.table_name,
        w.column_name,
        w.kind,
        w.min_chars,
        w.owners,
        ty.name AS type_name,
        CASE
            WHEN c.max_length = -1 THEN -1
            WHEN ty.name IN (N'nchar', N'nvarchar') THEN c.max_length / 2
            ELSE c.max_length
        END AS chars,
        c.column_id
    FROM @want AS w
    LEFT OUTER JOIN sys.columns AS c
        ON
            c.object_id = OBJECT_ID(N'dbo.' + QUOTENAME(w.table_name), N'U')
            AND c.name = w.column_name COLLATE DATABASE_DEFAULT
    LEFT OUTER JOIN sys.types AS ty ON c.user_type_id = ty.user_type_id
    WHERE OBJECT_ID(N'dbo.' + QUOTENAME(w.table_name), N'U') IS NOT NULL
),

wrong AS (
    SELECT
        h.table_name,
        h.column_name,
        CASE
            WHEN h.column_id IS NULL THEN N'missing'
            ELSE CONCAT(
                h.type_name,
                CASE
                    WHEN h.chars = -1 THEN N'(MAX)'
                    WHEN h.type_name LIKE N'%char' THEN CONCAT(N'(', h.chars, N')')
                    ELSE N''
                END
            )
        END AS found,
        CASE h.kind
            WHEN 'id' THEN N'bigint'
            WHEN 'int' THEN N'int or bigint'
            WHEN 'max' THEN N'nvarchar(MAX)'
            ELSE CONCAT(N'varchar or nvarchar of ', h.min_chars, N' characters or more')
        END AS needed,
        CASE h.kind
            WHEN 'id' THEN N'bigint'
            WHEN 'int' THEN N'int'
            WHEN 'max' THEN N'nvarchar(MAX)'
            ELSE CONCAT(N'nvarchar(', h.min_chars, N')')
        END AS fix_type
    FROM have AS h
    WHERE
        (h.column_id IS NULL AND h.owners = 1)
        OR (
            h.column_id IS NOT NULL
            AND NOT (
                (h.kind = 'id' AND h.type_name = N'bigint')
                OR (h.kind = 'int' AND h.type_name IN (N'int', N'bigint'))
                OR (h.kind = 'max' AND h.type_name = N'nvarchar' AND h.chars = -1)
                OR (
                    h.kind = 'text' AND h.type_name IN (N'char', N'varchar', N'nchar', N'nvarchar')
                    AND (h.chars = -1 OR h.chars >= h.min_chars)
                )
            )
        )
)

SELECT
    @findings = STRING_AGG(
        CONVERT(
            nvarchar(MAX),
            CONCAT(
                N'dbo.', wr.table_name, N'.', wr.column_name, N' is ', wr.found, N', the code needs ', wr.needed,
                N' (', CASE WHEN wr.found = N'missing' THEN N'ALTER TABLE dbo.' + wr.table_name + N' ADD '
                    ELSE N'ALTER TABLE dbo.' + wr.table_name + N' ALTER COLUMN ' END,
                wr.column_name, N' ', wr.fix_type, N' NULL;)'
            )
        ),
        N'; '
    ) WITHIN GROUP (ORDER BY wr.table_name, wr.column_name)
FROM wrong AS wr;

-- user-created statistics on the audit key, read through dynamic SQL: a T-SQL engine without sys.stats_columns
-- (a test engine) then still compiles this check, and has no such statistics
DECLARE @audit_key_stats int = 0;
IF OBJECT_ID(N'sys.stats_columns') IS NOT NULL
BEGIN
    EXEC sys.sp_executesql
        N'SELECT @n = COUNT(*)
FROM sys.stats_columns AS sc
INNER JOIN sys.stats AS s ON sc.object_id = s.object_id AND sc.stats_id = s.stats_id
WHERE sc.object_id = OBJECT_ID(N''dbo.MON_UpdateAudit'') AND s.user_created = 1
    AND sc.column_id = COLUMNPROPERTY(OBJECT_ID(N''dbo.MON_UpdateAudit''), N''audit_id'', ''ColumnId'');',
        N'@n int OUTPUT',
        @n = @audit_key_stats OUTPUT;
END;

-- the audit key is widened in place when it is int: SQL Server cannot drop and re-create the primary key
-- CLUSTERED beside another clustered index (Msg 1902), nor alter a column a foreign key, another index or
-- statistics depend on (Msg 3725, 5074)
IF EXISTS (
    SELECT 1 FROM sys.columns
    WHERE
        object_id = OBJECT_ID(N'dbo.MON_UpdateAudit', N'U') AND name = N'audit_id'
        AND system_type_id = TYPE_ID(N'int')
)
    AND (
        EXISTS (
            SELECT 1 FROM sys.indexes AS i
            WHERE i.object_id = OBJECT_ID(N'dbo.MON_UpdateAudit') AND i.type = 1 AND i.is_primary_key = 0
        )
        OR EXISTS (
            SELECT 1 FROM sys.foreign_keys AS fk
            WHERE fk.referenced_object_id = OBJECT_ID(N'dbo.MON_UpdateAudit')
        )
        OR EXISTS (
            SELECT 1
            FROM sys.index_columns AS ic
            INNER JOIN sys.indexes AS i ON ic.object_id = i.object_id AND ic.index_id = i.index_id
            WHERE
                ic.object_id = OBJECT_ID(N'dbo.MON_UpdateAudit') AND i.is_primary_key = 0
                AND ic.column_id = COLUMNPROPERTY(OBJECT_ID(N'dbo.MON_UpdateAudit'), N'audit_id', 'ColumnId')
        )
        OR @audit_key_stats > 0
    )
BEGIN
    SET @findings = CONCAT(
        @findings + N'; ',
        N'dbo.MON_UpdateAudit.audit_id is int and the install widens it to bigint with its primary key made',
        N' CLUSTERED again, which another clustered index, a foreign key to the table, or another index or',
        N' statistics on audit_id prevent (drop or move those, or widen audit_id to bigint yourself)'
    );
END;

IF @findings IS NOT NULL
BEGIN
    DECLARE @msg nvarchar(2048) = LEFT(CONCAT(
        N'OPUS install refused, nothing was changed: the owner''s tables have a shape the code cannot use. ',
        @findings,
        N'. Change those columns (check the loader and reports that use them first), then run the install again.'
    ), 2048);
    THROW 50957, @msg, 1;
END;
GO
