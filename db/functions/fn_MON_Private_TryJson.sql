-- fn_MON_Private_TryJson: the text itself when it is one valid JSON value (object, array, string, number,
-- true, false, null), else NULL (internal helper). SQL Server 2017's ISJSON accepts only objects and
-- arrays, so a scalar is tested inside a one-element array. Twin of
-- db/postgres/functions/fn_MON_Private_TryJson.sql (which returns json).
--   SELECT dbo.fn_MON_Private_TryJson(N'{"index":1}'), dbo.fn_MON_Private_TryJson(N'plain text');
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_TryJson;
GO
CREATE FUNCTION dbo.fn_MON_Private_TryJson(@text nvarchar(MAX))
RETURNS nvarchar(MAX)
AS
BEGIN
    DECLARE @result nvarchar(MAX) = NULL;
    IF @text IS NOT NULL
    BEGIN
        IF ISJSON(@text) = 1
        BEGIN
            SET @result = @text;
        END
        ELSE IF ISJSON(N'[' + @text + N']') = 1
        BEGIN
            IF (SELECT COUNT(*) FROM OPENJSON(N'[' + @text + N']')) = 1
            BEGIN
                SET @result = LTRIM(RTRIM(@text));
            END;
        END;
    END;
    RETURN @result;
END;
GO
