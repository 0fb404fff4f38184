-- fn_MON_Private_StagedFields: the fields of one staged row's update_fields, one row per JSON key, with
-- field_no the key's position in the text (update_fields is written compactly by usp_StageUpdates, so a
-- key's position gives the field order). Internal: the one shredding of update_fields, applied by
-- dbo.fn_MON_StagedCells and by the procedures that work on their own copy of the staged rows
-- (usp_Private_ValidateBatch, usp_ReleaseBatch), so that the cells they use come from the row they copied
-- and hashed, never from a second read of the owner's table. Inline: applied set-based (CROSS APPLY).
-- Twin of db/postgres/functions/fn_MON_Private_StagedFields.sql.
--   SELECT f.* FROM dbo.fn_MON_Private_StagedFields(N'{"status":"Done","due":"2026-01-31"}') AS f;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_StagedFields;
GO
CREATE FUNCTION dbo.fn_MON_Private_StagedFields(@update_fields nvarchar(MAX))
RETURNS TABLE -- noqa: CP05
AS
RETURN (
    SELECT
        -- found exactly: OPENJSON's key is BIN2, the column's collation the database's (Msg 468 otherwise)
        CAST(
            DENSE_RANK() OVER (
                ORDER BY CHARINDEX(
                    N'"' + esc.escaped + N'":', @update_fields COLLATE Latin1_General_100_BIN2
                ) ASC
            ) AS int
        ) AS field_no,
        -- OPENJSON returns BIN2 text: give it the database collation, as the tables it is compared with
        CAST(j.[key] AS nvarchar(255)) COLLATE DATABASE_DEFAULT AS column_alias,
        CAST(j.[value] AS nvarchar(MAX)) COLLATE DATABASE_DEFAULT AS raw_value
    FROM OPENJSON(CASE WHEN ISJSON(@update_fields) = 1 THEN @update_fields ELSE N'{}' END) AS j
    -- the key as usp_StageUpdates wrote it
    CROSS APPLY dbo.fn_MON_Private_JsonEscape(j.[key]) AS esc
);
GO
