-- fn_MON_StagedCells: the cells of a staged batch, one row per staged row and update_fields entry, with
-- the board column each query alias maps to (dbo.fn_MON_Private_MapAlias, the one mapping rule; the fields
-- come from dbo.fn_MON_Private_StagedFields). match_count 0: unmapped; > 1: ambiguous (column_id NULL).
-- metadata_board_id: the board whose columns apply (the subitems board for a SUBITEMS batch).
-- is_no_op 'Y': validation found the loader's copy equal (a NO_OP warning). It only informs: release
-- queues the cell all the same, and the sender leaves it out only when the live board holds the value.
-- Twin of db/functions/fn_MON_StagedCells.sql (same columns). update_fields is read once: the cells' CTE f
-- is referenced twice, so PostgreSQL (12+) materialises it, and the aliases are mapped once (am). A view for
-- people; validation and release build the same cells from their own copy of the rows.
--   SELECT * FROM dbo.fn_MON_StagedCells('UB20260101120000-a1b2c3') ORDER BY update_row_no, field_no;
CREATE OR REPLACE FUNCTION dbo.fn_MON_StagedCells(p_batch_id varchar)
RETURNS TABLE (
    batch_id varchar,
    target_level varchar,
    board_id bigint,
    metadata_board_id bigint,
    update_row_no int,
    monday_item_id bigint,
    validation_status varchar,
    field_no int,
    column_alias varchar,
    raw_value text,
    column_id varchar,
    column_title varchar,
    column_type varchar,
    settings_json text,
    is_writable char(1),
    match_kind varchar,
    match_count int,
    is_no_op char(1)
)
LANGUAGE sql
STABLE
AS $$
    WITH b AS (
        SELECT ub.batch_id, ub.board_id, ub.target_level,
            CASE WHEN ub.target_level = 'SUBITEMS' THEN coalesce(mb.subitems_board_id, ub.board_id) ELSE ub.board_id END
                AS metadata_board_id
        FROM dbo.MON_UpdateBatch AS ub
        LEFT JOIN dbo.MON_Board AS mb ON mb.board_id = ub.board_id
        WHERE ub.batch_id = p_batch_id
    ),
    r AS (
        SELECT b.batch_id, b.target_level, b.board_id, b.metadata_board_id, s.update_row_no, s.monday_item_id,
            s.validation_status, s.update_fields, s.validation_errors
        FROM b
        INNER JOIN dbo.STG_MON_CustMasterSchedule AS s ON s.update_batch_id = b.batch_id
        WHERE b.target_level = 'ITEMS'
        UNION ALL
        SELECT b.batch_id, b.target_level, b.board_id, b.metadata_board_id, s.update_row_no, s.monday_item_id,
            s.validation_status, s.update_fields, s.validation_errors
        FROM b
        INNER JOIN dbo.STG_MON_CustMasterSchedule_Subitems AS s ON s.update_batch_id = b.batch_id
        WHERE b.target_level = 'SUBITEMS'
    ),
    f AS (
        SELECT r.*, e.column_alias, e.raw_value, e.field_no
        FROM r
        CROSS JOIN LATERAL dbo.fn_MON_Private_StagedFields(r.update_fields) AS e
    ),
    -- each distinct alias of the batch is mapped once (not once per cell), then joined back to the cells
    a AS (
        SELECT DISTINCT f.board_id, f.metadata_board_id, f.column_alias FROM f
    ),
    am AS MATERIALIZED (
        SELECT a.column_alias, m.column_id, m.match_kind, m.match_count
        FROM a
        CROSS JOIN LATERAL dbo.fn_MON_Private_MapAlias(a.board_id, a.metadata_board_id, a.column_alias) AS m
    )
    SELECT f.batch_id, f.target_level, f.board_id, f.metadata_board_id, f.update_row_no, f.monday_item_id,
        f.validation_status, f.field_no, f.column_alias::varchar, f.raw_value, m.column_id::varchar, bc.title, bc.column_type,
        bc.settings_json,
        (CASE WHEN bc.is_writable = 'Y' AND ct.is_writable = 'Y' THEN 'Y' ELSE 'N' END)::char(1),
        m.match_kind::varchar, coalesce(m.match_count, 0),
        (CASE WHEN f.validation_errors LIKE '%"NO_OP"%' AND EXISTS (
            SELECT 1
            FROM json_array_elements(
                CASE WHEN f.validation_errors ~ '^\s*\[' THEN f.validation_errors::json ELSE '[]'::json END
            ) AS ve (value)
            WHERE ve.value ->> 'rule' = 'NO_OP' AND ve.value ->> 'column' = f.column_alias
        ) THEN 'Y' ELSE 'N' END)::char(1)
    FROM f
    LEFT JOIN am AS m ON m.column_alias = f.column_alias
    LEFT JOIN dbo.MON_BoardColumn AS bc ON bc.board_id = f.metadata_board_id AND bc.column_id = m.column_id
    LEFT JOIN dbo.MON_ColumnType AS ct ON ct.column_type = bc.column_type;
$$;
