-- fn_MON_Private_NormalizeDate: a date or date-time given as text, checked and normalised, or NULL when it
-- is not one. Accepted: 'YYYY-MM-DD', or 'YYYY-MM-DD' + 'T' or ' ' + 'HH:MM[:SS[.fffffff]]', optionally
-- followed by 'Z' or an offset '+HH:MM' / '+HHMM'. Returns 'YYYY-MM-DD' for a date, and
-- 'YYYY-MM-DD HH:MM:SS' in UTC for a date-time (an offset is applied; a value without offset is taken as
-- UTC already; fractions of a second are dropped). Same rules as the PostgreSQL twin.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NormalizeDate;
GO
CREATE FUNCTION dbo.fn_MON_Private_NormalizeDate(
    @value nvarchar(100)
)
RETURNS varchar(19)
WITH SCHEMABINDING
AS
BEGIN
    DECLARE @v nvarchar(100) = LTRIM(RTRIM(@value));
    DECLARE @d date;
    DECLARE @rest nvarchar(100);
    DECLARE @time nvarchar(100);
    DECLARE @offset nvarchar(10) = NULL;
    DECLARE @p int;
    DECLARE @dt datetime2(7);

    IF @v IS NULL OR LEFT(@v, 10) NOT LIKE N'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'
    BEGIN
        RETURN NULL;
    END;
    SET @d = TRY_CONVERT(date, LEFT(@v, 10), 23);
    IF @d IS NULL
    BEGIN
        RETURN NULL;
    END;
    IF LEN(@v) = 10
    BEGIN
        RETURN CONVERT(char(10), @d, 23);
    END;
    IF SUBSTRING(@v, 11, 1) NOT IN (N'T', N' ')
    BEGIN
        RETURN NULL;
    END;
    SET @rest = SUBSTRING(@v, 12, 100);
    -- the zone: Z, or +HH:MM / -HH:MM / +HHMM at the end (an optional space before it); the dash comes first
    -- in [-+] so that no engine can read it as a range, and LEN guards keep LEFT's length positive
    IF RIGHT(@rest, 1) = N'Z'
    BEGIN
        SET @offset = N'+00:00';
        SET @time = RTRIM(LEFT(@rest, LEN(@rest) - 1));
    END;
    ELSE IF @rest LIKE N'%[-+][0-1][0-9]:[0-5][0-9]' AND LEN(@rest) > 6
    BEGIN
        SET @offset = RIGHT(@rest, 6);
        SET @time = RTRIM(LEFT(@rest, LEN(@rest) - 6));
    END;
    ELSE IF @rest LIKE N'%[-+][0-1][0-9][0-5][0-9]' AND LEN(@rest) > 8
    BEGIN
        SET @offset = LEFT(RIGHT(@rest, 5), 3) + N':' + RIGHT(@rest, 2);
        SET @time = RTRIM(LEFT(@rest, LEN(@rest) - 5));
    END;
    ELSE
    BEGIN
        SET @time = @rest;
    END;
    -- offsets run from -14:00 to +14:00 (beyond, SQL Server's datetimeoffset raises instead of returning NULL)
    IF @offset IS NOT NULL
        AND TRY_CONVERT(int, SUBSTRING(@offset, 2, 2)) * 60 + TRY_CONVERT(int, RIGHT(@offset, 2)) > 840
    BEGIN
        RETURN NULL;
    END;
    IF @time LIKE N'[0-2][0-9]:[0-5][0-9]'
    BEGIN
        SET @time = @time + N':00';
    END;
    ELSE IF @time NOT LIKE N'[0-2][0-9]:[0-5][0-9]:[0-5][0-9]'
        AND NOT (
            @time LIKE N'[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9]%'
            AND SUBSTRING(@time, 10, 100) NOT LIKE N'%[^0-9]%'
            AND LEN(@time) <= 16
        )
    BEGIN
        RETURN NULL;
    END;
    IF TRY_CONVERT(int, LEFT(@time, 2)) > 23
    BEGIN
        RETURN NULL;
    END;
    -- seconds only: fractions are dropped, not rounded
    SET @dt = TRY_CONVERT(datetime2(7), CONVERT(char(10), @d, 23) + N'T' + LEFT(@time, 8), 126);
    IF @dt IS NULL
    BEGIN
        RETURN NULL;
    END;
    IF @offset IS NOT NULL
    BEGIN
        SET @dt = CONVERT(datetime2(7), SWITCHOFFSET(TODATETIMEOFFSET(@dt, @offset), '+00:00'));
    END;
    RETURN CONVERT(char(19), @dt, 120);
END;
GO
