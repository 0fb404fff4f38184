-- fn_MON_Private_CellValueText: the JSON text of one value of a cell the sender records (usp_RecordPreview,
-- usp_RecordPreImage, usp_RecordSendResult), from the two reads of OPENJSON ... WITH: @value_json (the
-- AS JSON read: an object's or array's text, else NULL) and @value_text (the plain read: a string's text).
-- The sender passes each value inside a one-element array, [{"index":3}] or ["Done"] or [null], so that
-- it arrives as JSON and never as JSON text escaped inside a JSON string; the value is the text between the
-- brackets ([null] is NULL). A string holding the JSON text ("{\"index\":3}", the form of a hand-written
-- call) and an object are taken as they are; an array of more or fewer than one element is the value itself.
-- Internal helper. Twin of db/postgres/functions/fn_MON_Private_CellValueText.sql.
--   SELECT dbo.fn_MON_Private_CellValueText(N'[{"index":3}]', NULL);  -- {"index":3}
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_CellValueText;
GO
CREATE FUNCTION dbo.fn_MON_Private_CellValueText(@value_json nvarchar(MAX), @value_text nvarchar(MAX))
RETURNS nvarchar(MAX)
AS
BEGIN
    DECLARE @result nvarchar(MAX) = COALESCE(@value_json, @value_text);
    IF LEFT(@value_json, 1) = N'[' AND (SELECT COUNT(*) FROM OPENJSON(@value_json)) = 1
    BEGIN
        -- the brackets end the text, so LEN (which ignores trailing spaces) counts up to the closing one
        SET @result = NULLIF(LTRIM(RTRIM(SUBSTRING(@value_json, 2, LEN(@value_json) - 2))), N'null');
    END;
    RETURN @result;
END;
GO
