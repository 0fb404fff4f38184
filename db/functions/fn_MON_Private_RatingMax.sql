-- fn_MON_Private_RatingMax: the highest value a rating column takes, from its settings ("max"), 5 when the
-- settings do not say. Same rule as the PostgreSQL twin.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_RatingMax;
GO
CREATE FUNCTION dbo.fn_MON_Private_RatingMax(@settings nvarchar(MAX))
RETURNS int
AS
BEGIN
    DECLARE @max nvarchar(100) = CASE WHEN ISJSON(@settings) = 1 THEN JSON_VALUE(@settings, '$.max') END;
    RETURN CASE
        WHEN @max COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9]%' AND LEN(@max) BETWEEN 1 AND 3
            THEN TRY_CONVERT(int, @max)
        ELSE 5
    END;
END;
GO
