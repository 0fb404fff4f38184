-- fn_MON_StagedCells: the cells of a staged batch, one row per staged row and update_fields entry, with
-- the board column each query alias maps to (dbo.fn_MON_Private_MapAlias, the one mapping rule; the fields
-- come from dbo.fn_MON_Private_StagedFields). match_count 0: unmapped; > 1: ambiguous (column_id NULL).
-- metadata_board_id: the board whose columns apply (the subitems board for a SUBITEMS batch).
-- is_no_op 'Y': validation found the loader's copy equal (a NO_OP warning). It only informs: release
-- queues the cell all the same, and the sender leaves it out only when the live board holds the value.
-- Multi-statement table-valued function, same columns as the PostgreSQL twin: update_fields is read by
-- OPENJSON once (into the returned table), the distinct aliases are mapped once from it, and the mapping
-- is written back into the cells. A view for people (what a batch holds); validation and release build the
-- same cells from their own copy of the rows, with the same two functions.
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
    )

    INSERT INTO @cells (
        batch_id, target_level, board_id, metadata_board_id, update_row_no, monday_item_id, validation_status,
        field_no, column_alias, raw_value, is_writable, match_count, is_no_op
    )
    SELECT
        r.batch_id,
        r.target_level,
        r.board_id,
        r.metadata_board_id,
        r.update_row_no,
        r.monday_item_id,
        r.validation_status,
        f.field_no,
        f.column_alias,
        f.raw_value,
        'N' AS is_writable,
        0 AS match_count,
        CAST(
            CASE
                WHEN r.validation_errors LIKE N'%"NO_OP"%' AND EXISTS (
                    SELECT 1
                    FROM OPENJSON (CASE WHEN ISJSON(r.validation_errors) = 1 THEN r.validation_errors END)
                        WITH (rule_code varchar(50) '$.rule', column_alias nvarchar(255) '$.column') AS ve
                    WHERE ve.rule_code = 'NO_OP' AND ve.column_alias = f.column_alias
                ) THEN 'Y'
                ELSE 'N'
            END AS char(1)
        ) AS is_no_op
    FROM r
    CROSS APPLY dbo.fn_MON_Private_StagedFields(r.update_fields) AS f;

    -- each distinct alias of the batch is mapped once (not once per cell), then written back to the cells
    INSERT INTO @alias (board_id, metadata_board_id, column_alias)
    SELECT DISTINCT
        c.board_id,
        c.metadata_board_id,
        c.column_alias
    FROM @cells AS c;

    INSERT INTO @map (column_alias, column_id, match_kind, match_count)
    SELECT
        a.column_alias,
        m.column_id,
        m.match_kind,
        m.match_count
    FROM @alias AS a
    CROSS APPLY dbo.fn_MON_Private_MapAlias(a.board_id, a.metadata_board_id, a.column_alias) AS m
    WHERE m.match_count > 0;

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
