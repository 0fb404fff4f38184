-- fn_MON_FormatColumnValue: the exact monday.com write value (the JSON for one column inside
-- column_values) of one validated raw value: the function DBAs call. The rules are defined once, in the
-- inline table-valued function dbo.fn_MON_Private_FormatValue, whose value this returns; dbo.usp_ReleaseBatch
-- applies that inline function per cell with CROSS APPLY (set-based, no scalar function per row).
--
-- Signature (the PostgreSQL twin takes p_column_type, p_raw_value, p_settings and returns text):
--   dbo.fn_MON_FormatColumnValue(
--       @column_type varchar(50),   -- MON_BoardColumn.column_type: status, date, numbers, people, ...
--       @raw_value nvarchar(max),   -- the staged value as text (update_fields value); NULL or '' clears
--       @settings nvarchar(max))    -- MON_BoardColumn.settings (status/dropdown labels); may be NULL
--   RETURNS nvarchar(max): compact JSON text of the value, e.g. {"index":1}, "3", {"date":"2026-06-15"},
--   null (the JSON literal: clears the cell); SQL NULL when the value cannot be formatted (type not
--   writable, value not valid: validation refuses such rows first).
-- Shapes (monday's API documentation; the raw input forms are listed in docs/patterns/sql_update_patterns.md):
--   text "x" (clear "") | name "x" (cannot be cleared: NULL) | long_text {"text":"x"} | numbers "3" (clear "")
--   status {"index":<label id>} (label text matched exactly, then case-insensitively, then a whole number
--     as a label id; an unknown label gives {"label":"x"}, sent with create_labels_if_missing)
--   date {"date":"YYYY-MM-DD"} or {"date":"YYYY-MM-DD","time":"HH:MM:SS"} in UTC (offsets applied)
--   timeline 'YYYY-MM-DD/YYYY-MM-DD' -> {"from":..,"to":..}
--   people 'id, email, team:id' -> {"personsAndTeams":[{"id":N,"kind":"person"}]} (emails via MON_User)
--   dropdown 'A, B' -> {"ids":[..]} when every label is known, else {"labels":["A","B"]}
--   email 'a@b.com [text]' -> {"email","text"} | phone '+12025550169 US' -> {"phone","countryShortName"}
--   link 'https://x [text]' -> {"url","text"} | checkbox true/false/1/0/yes/no/y/n -> {"checked":"true"} / null
--   hour 'HH:MM' -> {"hour":H,"minute":M} | rating 'N' -> {"rating":N}
--   country 'US [United States]' -> {"countryCode":"US","countryName":"United States"}
-- Example:
--   SELECT dbo.fn_MON_FormatColumnValue(c.column_type, N'In Progress', c.settings_json)
--   FROM dbo.MON_BoardColumn AS c WHERE c.board_id = 8709134353 AND c.column_id = 'status';
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_FormatColumnValue;
GO
CREATE FUNCTION dbo.fn_MON_FormatColumnValue(
    @column_type varchar(50),
    @raw_value nvarchar(MAX),
    @settings nvarchar(MAX)
)
RETURNS nvarchar(MAX)
AS
BEGIN
    RETURN (
        SELECT f.formatted_value
        FROM dbo.fn_MON_Private_FormatValue(@column_type, @raw_value, @settings) AS f
    );
END;
GO
