-- fn_MON_StagedCells: the cells of a staged batch, one row per staged row and update_fields entry, with
-- the board column each query alias maps to. The mapping rule (the one definition, used by validation
-- and by usp_ReleaseBatch): the alias equals a column id (exactly, then ignoring case), else its
-- normalised form equals a column's normalised title, else dbo.MON_ColumnMap (the batch's board or the
-- metadata board first, then board_id NULL). match_count 0: unmapped; > 1: ambiguous (column_id NULL).
-- metadata_board_id: the board whose columns apply (the subitems board for a SUBITEMS batch).
-- "Exactly" and "ignoring case" do not depend on the database's collation, as in the PostgreSQL twin:
-- a binary compare of equal lengths, of the LOWER of both sides for "ignoring case" (an accent-, width- or
-- kana-insensitive collation would otherwise map 'Ｓｔａｔｕｓ' or 'státus' to the column 'status').
-- is_no_op 'Y': validation found the loader's copy equal (a NO_OP warning). It only informs: release
-- queues the cell all the same, and the sender leaves it out only when the live board holds the value.
-- Multi-statement table-valued function, same columns as the PostgreSQL twin: update_fields is read by
-- OPENJSON once (into the returned table), the distinct aliases are mapped once from it, and the mapping
-- is written back into the cells. (As an inline function, each reference to the cells' CTE was evaluated
-- again by SQL Server: OPENJSON ran over every staged row nine times.) Its callers materialise the result
-- (usp_Private_ValidateBatch into #val_cell, usp_ReleaseBatch into #rel_cell).
--   SELECT * FROM dbo.fn_MON_StagedCells('UB20260101120000-a1b2c3') ORDER BY update_row_no, field_no;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_StagedCells;
GO
CREATE FUNCTION dbo.fn_MON_StagedCells(@batch_id varchar(50))
RETURNS @cells TABLE (
    batch_id varchar(50) NOT NULL,
    target_level varchar(10) NOT NULL,
    board_id bigint NOT NULL,
    metadata_board_id bigint NULL,
    update_row_no int NOT NULL,
    monday_item_id bigint NULL,
    validation_status varchar(20) NULL,
    field_no int NOT NULL,
    column_alias nvarchar(255) NULL,
    raw_value nvarchar(MAX) NULL,
    column_id varchar(100) NULL,
    column_title nvarchar(255) NULL,
    column_type varchar(50) NULL,
    settings_json nvarchar(MAX) NULL,
    is_writable char(1) NOT NULL,
    match_kind varchar(10) NULL,
    match_count int NOT NULL,
    is_no_op char(1) NOT NULL
)
AS
BEGIN
    DECLARE @alias TABLE (
        board_id bigint NOT NULL,
        metadata_board_id bigint NULL,
        column_alias nvarchar(255) NULL
    );
    DECLARE @map TABLE (
        column_alias nvarchar(255) NULL,
        column_id varchar(100) NULL,
        match_kind varchar(10) NULL,
        match_count int NOT NULL
    );

    -- the cells: one OPENJSON pass over the batch's staged rows
    WITH b AS (
        SELECT
            ub.batch_id,
            ub.board_id,
            ub.target_level,
            CASE
                WHEN ub.target_level = 'SUBITEMS' THEN COALESCE(brd.subitems_board_id, ub.board_id)
                ELSE ub.board_id
            END AS metadata_board_id
        FROM dbo.MON_UpdateBatch AS ub
        LEFT JOIN dbo.MON_Board AS brd ON ub.board_id = brd.board_id
        WHERE ub.batch_id = @batch_id
    ),

    r AS (
        SELECT
            b.batch_id,
            b.target_level,
            b.board_id,
            b.metadata_board_id,
            s.update_row_no,
            s.monday_item_id,
            s.validation_status,
            s.update_fields,
            s.validation_errors
        FROM b
        INNER JOIN dbo.STG_MON_CustMasterSchedule AS s ON b.batch_id = s.update_batch_id
        WHERE b.target_level = 'ITEMS'
        UNION ALL
        SELECT
            b.batch_id,
            b.target_level,
            b.board_id,
            b.metadata_board_id,
            s.update_row_no,
            s.monday_item_id,
            s.validation_status,
            s.update_fields,
            s.validation_errors
        FROM b
        INNER JOIN dbo.STG_MON_CustMasterSchedule_Subitems AS s ON b.batch_id = s.update_batch_id
        WHERE b.target_level = 'SUBITEMS'
    ),

    f AS (
        SELECT
            r.batch_id,
            r.target_level,
            r.board_id,
            r.metadata_board_id,
            r.update_row_no,
            r.monday_item_id,
            r.validation_status,
            r.validation_errors,
            -- OPENJSON returns BIN2 text: give it the database collation, as the tables it is compared with
            CAST(j.[key] AS nvarchar(255)) COLLATE DATABASE_DEFAULT AS column_alias,
            CAST(j.[value] AS nvarchar(MAX)) COLLATE DATABASE_DEFAULT AS raw_value,
            -- update_fields is written compactly by usp_StageUpdates: a key's position gives the field order
            -- (found exactly: OPENJSON's key is BIN2, the column's collation the database's, Msg 468 otherwise)
            CAST(
                DENSE_RANK() OVER (
                    PARTITION BY r.update_row_no
                    ORDER BY CHARINDEX(
                        N'"' + STRING_ESCAPE(j.[key], 'json') + N'":', r.update_fields COLLATE Latin1_General_100_BIN2
                    ) ASC
                ) AS int
            ) AS field_no
        FROM r
        CROSS APPLY OPENJSON(CASE WHEN ISJSON(r.update_fields) = 1 THEN r.update_fields ELSE N'{}' END) AS j
    )

    INSERT INTO @cells (
        batch_id, target_level, board_id, metadata_board_id, update_row_no, monday_item_id, validation_status,
        field_no, column_alias, raw_value, is_writable, match_count, is_no_op
    )
    SELECT
        f.batch_id,
        f.target_level,
        f.board_id,
        f.metadata_board_id,
        f.update_row_no,
        f.monday_item_id,
        f.validation_status,
        f.field_no,
        f.column_alias,
        f.raw_value,
        'N' AS is_writable,
        0 AS match_count,
        CAST(
            CASE
                WHEN f.validation_errors LIKE N'%"NO_OP"%' AND EXISTS (
                    SELECT 1
                    FROM OPENJSON (CASE WHEN ISJSON(f.validation_errors) = 1 THEN f.validation_errors END)
                        WITH (rule_code varchar(50) '$.rule', column_alias nvarchar(255) '$.column') AS ve
                    WHERE ve.rule_code = 'NO_OP' AND ve.column_alias = f.column_alias
                ) THEN 'Y'
                ELSE 'N'
            END AS char(1)
        ) AS is_no_op
    FROM f;

    -- each distinct alias of the batch is mapped once (not once per cell), then written back to the cells
    INSERT INTO @alias (board_id, metadata_board_id, column_alias)
    SELECT DISTINCT
        c.board_id,
        c.metadata_board_id,
        c.column_alias
    FROM @cells AS c;

    WITH candidate AS (
        SELECT
            a.column_alias,
            c.column_id,
            1 AS pri,
            'ID' AS match_kind
        FROM @alias AS a
        INNER JOIN dbo.MON_BoardColumn AS c
            ON
                a.metadata_board_id = c.board_id AND a.column_alias = c.column_id COLLATE Latin1_General_100_BIN2
                AND DATALENGTH(a.column_alias) = DATALENGTH(CAST(c.column_id AS nvarchar(100)))
        UNION ALL
        SELECT
            a.column_alias,
            c.column_id,
            2 AS pri,
            'ID' AS match_kind
        FROM @alias AS a
        INNER JOIN dbo.MON_BoardColumn AS c
            ON
                a.metadata_board_id = c.board_id
                AND LOWER(a.column_alias COLLATE Latin1_General_100_BIN2)
                = LOWER(c.column_id COLLATE Latin1_General_100_BIN2)
                AND DATALENGTH(a.column_alias) = DATALENGTH(CAST(c.column_id AS nvarchar(100)))
        UNION ALL
        SELECT
            a.column_alias,
            c.column_id,
            3 AS pri,
            'TITLE' AS match_kind
        FROM @alias AS a
        INNER JOIN dbo.MON_BoardColumn AS c
            ON a.metadata_board_id = c.board_id AND dbo.fn_MON_NormalizeTitle(a.column_alias) = c.normalized_title
        UNION ALL
        SELECT
            a.column_alias,
            mp.column_id,
            CASE WHEN mp.board_id IS NULL THEN 5 ELSE 4 END AS pri,
            'MAP' AS match_kind
        FROM @alias AS a
        INNER JOIN dbo.MON_ColumnMap AS mp
            ON
                LOWER(a.column_alias COLLATE Latin1_General_100_BIN2)
                = LOWER(mp.source_alias COLLATE Latin1_General_100_BIN2)
                AND DATALENGTH(a.column_alias) = DATALENGTH(mp.source_alias)
                AND (mp.board_id IS NULL OR mp.board_id IN (a.board_id, a.metadata_board_id))
        INNER JOIN dbo.MON_BoardColumn AS c
            ON
                a.metadata_board_id = c.board_id AND mp.column_id = c.column_id COLLATE Latin1_General_100_BIN2
                AND DATALENGTH(mp.column_id) = DATALENGTH(c.column_id)
    ),

    best AS (
        SELECT
            candidate.column_alias,
            MIN(candidate.pri) AS pri
        FROM candidate
        GROUP BY candidate.column_alias
    ),

    mapped AS (
        SELECT
            candidate.column_alias,
            CASE WHEN COUNT(DISTINCT candidate.column_id) = 1 THEN MIN(candidate.column_id) END AS column_id,
            MIN(candidate.match_kind) AS match_kind,
            COUNT(DISTINCT candidate.column_id) AS match_count
        FROM candidate
        INNER JOIN best
            ON
                candidate.column_alias = best.column_alias
                AND candidate.pri = best.pri
        GROUP BY candidate.column_alias
    )

    INSERT INTO @map (column_alias, column_id, match_kind, match_count)
    SELECT
        mapped.column_alias,
        mapped.column_id,
        mapped.match_kind,
        mapped.match_count
    FROM mapped;

    UPDATE c
    SET
        c.column_id = m.column_id,
        c.column_title = bc.title,
        c.column_type = bc.column_type,
        c.settings_json = bc.settings_json,
        c.is_writable = CASE WHEN bc.is_writable = 'Y' AND ct.is_writable = 'Y' THEN 'Y' ELSE 'N' END,
        c.match_kind = m.match_kind,
        c.match_count = m.match_count
    FROM @cells AS c
    INNER JOIN @map AS m ON c.column_alias = m.column_alias
    LEFT JOIN dbo.MON_BoardColumn AS bc ON c.metadata_board_id = bc.board_id AND m.column_id = bc.column_id
    LEFT JOIN dbo.MON_ColumnType AS ct ON bc.column_type = ct.column_type;

    RETURN;
END;
GO
