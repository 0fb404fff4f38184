-- fn_MON_Private_DateText: a date or date-time given as text, checked and normalised (column date_text), or
-- NULL when it is not one. Accepted: 'YYYY-MM-DD', or 'YYYY-MM-DD' + 'T' or ' ' + 'HH:MM[:SS[.fffffff]]',
-- optionally followed by 'Z' or an offset '+HH:MM' / '+HHMM'. Gives 'YYYY-MM-DD' for a date, and
-- 'YYYY-MM-DD HH:MM:SS' in UTC for a date-time (an offset is applied; a value without offset is taken as
-- UTC already; fractions of a second are dropped). Offsets run from -14:00 to +14:00.
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
    SELECT LTRIM(RTRIM(@value)) AS v
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
    -- the zone: Z, or +HH:MM / -HH:MM / +HHMM at the end (an optional space before it): its length
    -- ([-+]: a leading - in a set is the character itself, on every engine)
    SELECT
        d.v,
        d.d,
        d.rest,
        CASE
            WHEN RIGHT(d.rest, 1) = N'Z' THEN 1
            WHEN d.rest LIKE N'%[-+][0-1][0-9]:[0-5][0-9]' THEN 6
            WHEN d.rest LIKE N'%[-+][0-1][0-9][0-5][0-9]' AND LEN(d.rest) > 8 THEN 5
            ELSE 0
        END AS zone_len
    FROM d
),

zt AS (
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
            ELSE RTRIM(LEFT(zl.rest, CASE WHEN LEN(zl.rest) >= zl.zone_len THEN LEN(zl.rest) - zl.zone_len ELSE 0 END))
        END AS time_text
    FROM zl
),

tm AS (
    SELECT
        zt.v,
        zt.d,
        zt.offset_text,
        TRY_CONVERT(int, SUBSTRING(zt.offset_text, 2, 2)) * 60 + TRY_CONVERT(int, RIGHT(zt.offset_text, 2))
            AS offset_minutes,
        CASE
            WHEN zt.time_text LIKE N'[0-2][0-9]:[0-5][0-9]' THEN zt.time_text + N':00'
            WHEN zt.time_text LIKE N'[0-2][0-9]:[0-5][0-9]:[0-5][0-9]' THEN zt.time_text
            WHEN
                zt.time_text LIKE N'[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9]%'
                AND SUBSTRING(zt.time_text, 10, 100) NOT LIKE N'%[^0-9]%'
                AND LEN(zt.time_text) <= 16
                THEN zt.time_text
        END AS hms
    FROM zt
),

dt AS (
    -- seconds only: fractions are dropped, not rounded
    SELECT
        tm.v,
        tm.d,
        tm.offset_text,
        tm.offset_minutes,
        tm.hms,
        TRY_CONVERT(datetime2(7), CONVERT(char(10), tm.d, 23) + N'T' + LEFT(tm.hms, 8), 126) AS dt
    FROM tm
)

SELECT
    CAST(
        CASE
            WHEN dt.d IS NULL THEN NULL
            WHEN LEN(dt.v) = 10 THEN CONVERT(char(10), dt.d, 23)
            WHEN SUBSTRING(dt.v, 11, 1) NOT IN (N'T', N' ') THEN NULL
            -- offsets run from -14:00 to +14:00 (beyond, datetimeoffset raises instead of returning NULL)
            WHEN dt.offset_minutes > 840 THEN NULL
            WHEN dt.hms IS NULL OR TRY_CONVERT(int, LEFT(dt.hms, 2)) > 23 THEN NULL
            WHEN dt.offset_text IS NULL THEN CONVERT(char(19), dt.dt, 120)
            ELSE CONVERT(
                char(19),
                CONVERT(datetime2(7), SWITCHOFFSET(TODATETIMEOFFSET(dt.dt, dt.offset_text), '+00:00')),
                120
            )
        END AS varchar(19)
    ) AS date_text
FROM dt;
GO
