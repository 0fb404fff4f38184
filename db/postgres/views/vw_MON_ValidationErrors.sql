-- vw_MON_ValidationErrors: one row per validation finding of the staged rows (both staging tables): which
-- batch, row and item, which rule, which column (the query alias) and the message. Rows with no finding
-- do not appear. Twin of db/views/vw_MON_ValidationErrors.sql.
--   SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = 'UB20260101120000-a1b2c3' ORDER BY update_row_no;
CREATE OR REPLACE VIEW dbo.vw_MON_ValidationErrors AS
SELECT
    s.update_batch_id AS batch_id,
    'ITEMS'::varchar(10) AS target_level,
    s.update_row_no,
    s.monday_item_id,
    s.item_name,
    s.validation_status,
    (e.value ->> 'severity')::varchar(10) AS severity,
    (e.value ->> 'rule')::varchar(50) AS rule_code,
    (e.value ->> 'column')::varchar(255) AS column_id,
    (e.value ->> 'message')::text AS message
FROM dbo.STG_MON_CustMasterSchedule AS s
CROSS JOIN LATERAL json_array_elements(
    CASE WHEN s.validation_errors ~ '^\s*\[' THEN s.validation_errors::json ELSE '[]'::json END
) AS e (value)
WHERE s.update_batch_id IS NOT NULL
UNION ALL
SELECT
    s.update_batch_id,
    'SUBITEMS'::varchar(10),
    s.update_row_no,
    s.monday_item_id,
    s.item_name,
    s.validation_status,
    (e.value ->> 'severity')::varchar(10),
    (e.value ->> 'rule')::varchar(50),
    (e.value ->> 'column')::varchar(255),
    (e.value ->> 'message')::text
FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
CROSS JOIN LATERAL json_array_elements(
    CASE WHEN s.validation_errors ~ '^\s*\[' THEN s.validation_errors::json ELSE '[]'::json END
) AS e (value)
WHERE s.update_batch_id IS NOT NULL;
