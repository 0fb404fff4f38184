-- fn_MON_Private_StringifyExpr: the T-SQL expression that turns a column of a given type into the text
-- usp_StageUpdates writes into update_fields (and validation compares with loaded values), the same text
-- as the PostgreSQL twin: dates 'YYYY-MM-DD', date-times 'YYYY-MM-DDTHH:MM:SS' (datetimeoffset: UTC + 'Z'),
-- times 'HH:MM:SS', numbers without trailing zeros, bit 'true'/'false', binary '0x..', CLR types
-- (geography, geometry, hierarchyid) their ToString(), everything else its text.
-- @system_type_name as sys.dm_exec_describe_first_result_set gives it ('decimal(18,4)', 'nvarchar(50)').
-- Returns NULL for a type it cannot stage (usp_StageUpdates then refuses the query with 50213).
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_StringifyExpr;
GO
CREATE FUNCTION dbo.fn_MON_Private_StringifyExpr(
    @column_expr nvarchar(400),
    @system_type_name nvarchar(256)
)
RETURNS nvarchar(MAX)
AS
BEGIN
    DECLARE @t nvarchar(256) = LOWER(LEFT(@system_type_name, CHARINDEX(N'(', @system_type_name + N'(') - 1));
    DECLARE @c nvarchar(400) = @column_expr;
    RETURN CASE
        WHEN @t IN (N'tinyint', N'smallint', N'int', N'bigint') THEN N'CONVERT(nvarchar(30), ' + @c + N')'
        WHEN @t = N'bit' THEN N'CASE ' + @c + N' WHEN 1 THEN N''true'' WHEN 0 THEN N''false'' END'
        WHEN @t IN (N'decimal', N'numeric')
            THEN N'COALESCE(dbo.fn_MON_Private_NormalizeNumber(CONVERT(nvarchar(60), ' + @c + N')), '
            + N'CONVERT(nvarchar(60), ' + @c + N'))'
        -- money converts with 2 decimals by default (12.3456 -> 12.35): as decimal(19, 4), exact for money and
        -- smallmoney, it keeps all 4 (style 2 would too on SQL Server; the T-SQL test engine ignores the style)
        WHEN @t IN (N'money', N'smallmoney')
            THEN N'COALESCE(dbo.fn_MON_Private_NormalizeNumber(CONVERT(nvarchar(60), CAST(' + @c
            + N' AS decimal(19, 4)))), CONVERT(nvarchar(60), CAST(' + @c + N' AS decimal(19, 4))))'
        WHEN @t IN (N'float', N'real')
            THEN N'COALESCE(dbo.fn_MON_Private_NormalizeNumber(CONVERT(nvarchar(60), TRY_CONVERT(decimal(38, 10), ' + @c
            + N'))), CONVERT(nvarchar(60), ' + @c + N', 3))'
        WHEN @t = N'date' THEN N'CONVERT(nchar(10), ' + @c + N', 23)'
        -- ISO 8601 to the second: style 120 (yyyy-mm-dd hh:mi:ss) with its space made a T, the same text as style
        -- 126 cut at 19 characters (the T-SQL test engine ignores style 126 and writes the space)
        WHEN @t IN (N'datetime', N'datetime2', N'smalldatetime')
            THEN N'REPLACE(CONVERT(nchar(19), ' + @c + N', 120), N'' '', N''T'')'
        WHEN @t = N'datetimeoffset'
            THEN N'REPLACE(CONVERT(nchar(19), SWITCHOFFSET(' + @c + N', ''+00:00''), 120), N'' '', N''T'') + N''Z'''
        WHEN @t = N'time' THEN N'CONVERT(nchar(8), ' + @c + N', 108)'
        WHEN @t IN (N'char', N'nchar') THEN N'RTRIM(CONVERT(nvarchar(MAX), ' + @c + N'))'
        WHEN @t IN (N'varchar', N'nvarchar', N'text', N'ntext', N'xml', N'sysname')
            THEN N'CONVERT(nvarchar(MAX), ' + @c + N')'
        WHEN @t = N'uniqueidentifier' THEN N'LOWER(CONVERT(nchar(36), ' + @c + N'))'
        WHEN @t IN (N'binary', N'varbinary', N'image', N'timestamp', N'rowversion')
            THEN N'CONVERT(nvarchar(MAX), CONVERT(varbinary(MAX), ' + @c + N'), 1)'
        WHEN @t = N'sql_variant' THEN N'CONVERT(nvarchar(4000), ' + @c + N')'
        WHEN @t IN (N'geography', N'geometry', N'hierarchyid') THEN @c + N'.ToString()'
    END;
END;
GO
