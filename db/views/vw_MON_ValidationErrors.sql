-- vw_MON_ValidationErrors: one row per validation finding of the staged rows (both staging tables): which
-- batch, row and item, which rule, which column (the query alias) and the message. Rows with no finding
-- do not appear. Same columns as the PostgreSQL twin.
--   SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = 'UB20260101120000-a1b2c3' ORDER BY update_row_no;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_ValidationErrors;
GO
CREATE VIEW dbo.vw_MON_ValidationErrors
AS
SELECT
    s.update_batch_id AS batch_id,
    CAST('ITEMS' AS varchar(10)) AS target_level,
    s.update_row_no,
    s.monday_item_id,
    s.item_name,
    s.validation_status,
    e.severity,
    e.rule_code,
    e.column_id,
    e.message_text AS [message]
FROM dbo.STG_MON_CustMasterSchedule AS s
CROSS APPLY OPENJSON (CASE WHEN ISJSON(s.validation_errors) = 1 THEN s.validation_errors END)
    WITH (
        severity varchar(10) '$.severity',
        rule_code varchar(50) '$.rule',
        column_id nvarchar(255) '$.column',
        message_text nvarchar(4000) '$.message'
    ) AS e
WHERE s.update_batch_id IS NOT NULL
UNION ALL
SELECT
    s.update_batch_id AS batch_id,
    CAST('SUBITEMS' AS varchar(10)) AS target_level,
    s.update_row_no,
    s.monday_item_id,
    s.item_name,
    s.validation_status,
    e.severity,
    e.rule_code,
    e.column_id,
    e.message_text AS [message]
FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
CROSS APPLY OPENJSON (CASE WHEN ISJSON(s.validation_errors) = 1 THEN s.validation_errors END)
    WITH (
        severity varchar(10) '$.severity',
        rule_code varchar(50) '$.rule',
        column_id nvarchar(255) '$.column',
        message_text nvarchar(4000) '$.message'
    ) AS e
WHERE s.update_batch_id IS NOT NULL;
GO
