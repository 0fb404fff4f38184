-- fn_MON_Private_DateText: a date or date-time given as text, checked and normalised (column date_text), or
-- NULL when it is not one. Accepted: 'YYYY-MM-DD', or 'YYYY-MM-DD' + 'T' or ' ' + 'HH:MM[:SS[.fffffff]]',
-- optionally followed (after at most one space) by 'Z' or an offset '+HH:MM' / '+HHMM'; 'T' and 'Z' may be
-- lower case (RFC 3339 5.6), digits are ASCII digits. Gives 'YYYY-MM-DD' for a date, and
-- 'YYYY-MM-DD HH:MM:SS' in UTC for a date-time (an offset is applied; a value without offset is taken as
-- UTC already; fractions of a second are dropped). Offsets run from -14:00 to +14:00; a date-time whose
-- UTC time falls outside years 1-9999 is not one. The text is read under a binary collation, so that the
-- rules do not depend on the database's (a width- or accent-insensitive collation would take 'Ｔ' for 'T'
-- or a superscript digit for a digit), as in the PostgreSQL twin's regular expression.
-- Inline table-valued function (one row), so that set-based statements (release, through
-- fn_MON_Private_FormatValue) apply it with CROSS APPLY and no scalar function runs per row; the scalar
-- dbo.fn_MON_Private_NormalizeDate returns its value. Every length and conversion is guarded so that the
-- expression is safe for any input (the optimizer may compute it before the CASE that uses it).
--   SELECT d.date_text FROM dbo.fn_MON_Private_DateText(N'2026-06-15T01:30:00+02:00') AS d;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_DateText;
GO
CREATE FUNCTION dbo.fn_MON_Private_DateText(@value nvarchar(100))
RETURNS TABLE -- noqa: CP05
WITH SCHEMABINDING
AS
RETURN
WITH v AS (
    SELECT LTRIM(RTRIM(@value)) COLLATE Latin1_General_100_BIN2 AS v
),

d AS (
    SELECT
        v.v,
        CASE
            WHEN LEFT(v.v, 10) LIKE N'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'
                THEN TRY_CONVERT(date, LEFT(v.v, 10), 23)
        END AS d,
        SUBSTRING(v.v, 12, 100) AS rest
    FROM v
),

zl AS (
    -- the zone: Z, or +HH:MM / -HH:MM / +HHMM at the end: its length
    -- ([-+]: a leading - in a set is the character itself, on every engine)
    SELECT
        d.v,
        d.d,
        d.rest,
        CASE
            WHEN RIGHT(d.rest, 1) IN (N'Z', N'z') THEN 1
            WHEN d.rest LIKE N'%[-+][0-1][0-9]:[0-5][0-9]' THEN 6
            WHEN d.rest LIKE N'%[-+][0-1][0-9][0-5][0-9]' AND LEN(d.rest) > 8 THEN 5
            ELSE 0
        END AS zone_len
    FROM d
),

zt AS (
    -- the time: what precedes the zone, without the one space that may separate them
    SELECT
        zl.v,
        zl.d,
        CASE zl.zone_len
            WHEN 1 THEN N'+00:00'
            WHEN 6 THEN RIGHT(zl.rest, 6)
            WHEN 5 THEN LEFT(RIGHT(zl.rest, 5), 3) + N':' + RIGHT(zl.rest, 2)
        END AS offset_text,
        CASE
            WHEN zl.zone_len = 0 THEN zl.rest
            ELSE LEFT(zl.rest, CASE WHEN LEN(zl.rest) >= zl.zone_len THEN LEN(zl.rest) - zl.zone_len ELSE 0 END)
        END AS time_text
    FROM zl
),

zs AS (
    SELECT
        zt.v,
        zt.d,
        zt.offset_text,
        -- (DATALENGTH counts the trailing spaces that LEN and = ignore; LEN of the text + '.' counts them too, in
        -- characters on every engine, where DATALENGTH / 2 assumes two bytes a character)
        CASE
            WHEN DATALENGTH(zt.time_text) <> DATALENGTH(RTRIM(zt.time_text))
                THEN LEFT(zt.time_text, LEN(zt.time_text + N'.') - 2)
            ELSE zt.time_text
        END AS time_text
    FROM zt
),

tm AS (
    SELECT
        zs.v,
        zs.d,
        zs.offset_text,
        (TRY_CONVERT(int, SUBSTRING(zs.offset_text, 2, 2)) * 60 + TRY_CONVERT(int, RIGHT(zs.offset_text, 2)))
        * CASE WHEN LEFT(zs.offset_text, 1) = N'-' THEN -1 ELSE 1 END AS offset_minutes,
        CASE
            -- a second space before the zone is left in the time and refused
            WHEN DATALENGTH(zs.time_text) <> DATALENGTH(RTRIM(zs.time_text)) THEN NULL
            WHEN zs.time_text LIKE N'[0-2][0-9]:[0-5][0-9]' THEN zs.time_text + N':00'
            WHEN zs.time_text LIKE N'[0-2][0-9]:[0-5][0-9]:[0-5][0-9]' THEN zs.time_text
            WHEN
                zs.time_text LIKE N'[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9]%'
                AND SUBSTRING(zs.time_text, 10, 100) NOT LIKE N'%[^0-9]%'
                AND LEN(zs.time_text) <= 16
                THEN zs.time_text
        END AS hms
    FROM zs
),

dt AS (
    -- seconds only: fractions are dropped, not rounded
    SELECT
        tm.v,
        tm.d,
        tm.offset_text,
        tm.offset_minutes,
        tm.hms,
        TRY_CONVERT(datetime2(0), CONVERT(varchar(10), tm.d, 23) + 'T' + LEFT(tm.hms, 8), 126) AS dt
    FROM tm
),

utc AS (
    -- the UTC time's seconds from the start of the given day (outside 0 .. 86399 on the first or the last
    -- day of the calendar: outside datetimeoffset's range, which raises instead of returning NULL)
    SELECT
        dt.v,
        dt.d,
        dt.offset_text,
        dt.offset_minutes,
        dt.hms,
        dt.dt,
        DATEDIFF(SECOND, CAST(dt.d AS datetime2(0)), dt.dt) - COALESCE(dt.offset_minutes, 0) * 60 AS utc_second
    FROM dt
)

-- every branch is varchar of its own length: a CASE of char(10) and char(19) is char(19), which padded
-- every date to 19 characters
SELECT
    CASE
        WHEN utc.d IS NULL THEN NULL
        WHEN LEN(utc.v) = 10 THEN CONVERT(varchar(10), utc.d, 23)
        WHEN SUBSTRING(utc.v, 11, 1) NOT IN (N'T', N't', N' ') THEN NULL
        -- offsets run from -14:00 to +14:00 (beyond, datetimeoffset raises instead of returning NULL)
        WHEN ABS(utc.offset_minutes) > 840 THEN NULL
        WHEN utc.hms IS NULL OR TRY_CONVERT(int, LEFT(utc.hms, 2)) > 23 OR utc.dt IS NULL THEN NULL
        WHEN utc.d = '9999-12-31' AND utc.utc_second >= 86400 THEN NULL
        WHEN utc.d = '0001-01-01' AND utc.utc_second < 0 THEN NULL
        WHEN utc.offset_text IS NULL THEN CONVERT(varchar(19), utc.dt, 120)
        -- to UTC by arithmetic: the same instant as SWITCHOFFSET(TODATETIMEOFFSET(dt, offset), '+00:00'), in a
        -- form every T-SQL engine runs (the test engine refuses TODATETIMEOFFSET's offset argument). The minutes
        -- are 0 where the guards above return NULL, so that an engine that evaluates this branch early (the test
        -- engine folds a call with constant arguments) never overflows
        ELSE CONVERT(
            varchar(19),
            DATEADD(
                MINUTE,
                CASE
                    WHEN utc.d = '9999-12-31' AND utc.utc_second >= 86400 THEN 0
                    WHEN utc.d = '0001-01-01' AND utc.utc_second < 0 THEN 0
                    ELSE -utc.offset_minutes
                END,
                utc.dt
            ),
            120
        )
    END AS date_text
FROM utc;
GO
