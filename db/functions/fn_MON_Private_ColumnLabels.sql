-- fn_MON_Private_ColumnLabels: the labels of a status or dropdown column from its settings JSON, one row
-- per label: label_id and label_text. Reads typed settings (`labels` an array of {id, label} or
-- {id, name}) and legacy settings_str (`labels` an object {"<id>": "<label>"}).
-- Inline table-valued function; same rows as the PostgreSQL twin.
--   SELECT label_id, label_text FROM dbo.fn_MON_Private_ColumnLabels(N'{"labels": {"1": "Done"}}');
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ColumnLabels;
GO
CREATE FUNCTION dbo.fn_MON_Private_ColumnLabels(@settings nvarchar(MAX))
RETURNS table
AS
RETURN
SELECT
    CASE
        WHEN l.[type] = 5 THEN TRY_CONVERT(int, JSON_VALUE(l.[value], '$.id'))
        ELSE TRY_CONVERT(int, l.[key])
    END AS label_id,
    CAST(
        CASE
            WHEN l.[type] = 5 THEN COALESCE(JSON_VALUE(l.[value], '$.label'), JSON_VALUE(l.[value], '$.name'))
            ELSE l.[value]
        END AS nvarchar(255)
    ) COLLATE DATABASE_DEFAULT AS label_text
FROM OPENJSON(CASE WHEN ISJSON(@settings) = 1 THEN @settings END, '$.labels') AS l
WHERE
    l.[type] IN (1, 5)
    AND CASE
        WHEN l.[type] = 5 THEN TRY_CONVERT(int, JSON_VALUE(l.[value], '$.id'))
        ELSE TRY_CONVERT(int, l.[key])
    END IS NOT NULL;
GO
