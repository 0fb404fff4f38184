-- fn_MON_Private_JsonEscape: a text escaped for use inside a JSON string, exactly as STRING_ESCAPE(@text,
-- 'json') writes it ('"', '\', '/' and the control characters escaped; every other character as it is).
-- STRING_ESCAPE is called only when the text holds one of those characters: otherwise the text is returned
-- unchanged, which is what STRING_ESCAPE returns for it. The two patterns are read under a binary
-- collation, code unit by code unit: the first finds '"', '/' or '\', the second a character below a
-- space (NCHAR(0) included; the range ends at NCHAR(65535), so a surrogate pair is inside it). The check
-- costs one scan of the text, and it keeps the escaping exact on T-SQL engines whose STRING_ESCAPE
-- also escapes each byte of a non-ASCII character's UTF-8 form (docs/engine_gaps.md, json-non-ascii).
-- Inline, one row: applied per value with CROSS APPLY (or as a subquery), expanded into the calling
-- statement like an expression. Internal helper; twin of db/postgres/functions/fn_MON_Private_JsonEscape.sql.
--   SELECT e.escaped FROM dbo.fn_MON_Private_JsonEscape(N'a "b" / é') AS e;  -- a \"b\" \/ é
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_JsonEscape;
GO
CREATE FUNCTION dbo.fn_MON_Private_JsonEscape(@text nvarchar(MAX))
RETURNS TABLE -- noqa: CP05
AS
RETURN
SELECT
    CASE
        WHEN
            @text COLLATE Latin1_General_100_BIN2 LIKE N'%["/\]%'
            OR @text COLLATE Latin1_General_100_BIN2 LIKE N'%[^ -' + NCHAR(65535) + N']%'
            THEN STRING_ESCAPE(@text, 'json')
        ELSE @text
    END AS escaped;
GO
