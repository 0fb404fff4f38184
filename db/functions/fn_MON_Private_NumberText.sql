-- fn_MON_Private_NumberText: a number given as text in its canonical text form (column number_text), or NULL
-- when the text is not a plain decimal number. Accepted: optional sign, digits, optional decimal point (no
-- thousands separators, no exponent), surrounding spaces; at most 28 integer digits; rounded to 10
-- decimals; trailing zeros removed ('12.5000' -> '12.5', '+007' -> '7', '-0.0' -> '0').
-- Inline table-valued function (one row), so that set-based statements (release, through
-- fn_MON_Private_FormatValue) apply it with CROSS APPLY and no scalar function runs per row; the scalar
-- dbo.fn_MON_Private_NormalizeNumber returns its value. Every expression is safe for any input (the
-- optimizer may compute it before the CASE that uses it).
--   SELECT n.number_text FROM dbo.fn_MON_Private_NumberText(N' 12.5000 ') AS n;  -- '12.5'
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NumberText;
GO
CREATE FUNCTION dbo.fn_MON_Private_NumberText(@value nvarchar(4000))
RETURNS TABLE -- noqa: CP05
WITH SCHEMABINDING
AS
RETURN
WITH v AS (
    -- read under a binary collation: [0-9] is then the ASCII digits, whatever the database's collation
    SELECT LTRIM(RTRIM(@value)) COLLATE Latin1_General_100_BIN2 AS v
),

b AS (
    SELECT
        v.v,
        CASE WHEN LEFT(v.v, 1) IN (N'+', N'-') THEN SUBSTRING(v.v, 2, 4000) ELSE v.v END AS body
    FROM v
),

d AS (
    -- digits and at most one point, at least one digit
    SELECT
        CASE
            WHEN
                b.v IS NULL OR LEN(b.v) = 0 OR b.body LIKE N'%[^0-9.]%' OR b.body LIKE N'%.%.%'
                OR b.body NOT LIKE N'%[0-9]%'
                THEN NULL
            ELSE TRY_CONVERT(decimal(38, 10), b.v)
        END AS num
    FROM b
),

r AS (
    SELECT
        d.num,
        REVERSE(CONVERT(varchar(60), d.num)) AS rev
    FROM d
),

z AS (
    -- drop trailing zeros of the fraction (a trailing point is dropped below)
    SELECT
        r.num,
        REVERSE(SUBSTRING(r.rev, PATINDEX('%[^0]%', r.rev), 60)) AS txt
    FROM r
)

SELECT
    CAST(
        CASE
            WHEN z.num IS NULL THEN NULL
            WHEN z.num = 0 THEN '0'
            WHEN RIGHT(z.txt, 1) = '.' THEN LEFT(z.txt, LEN(z.txt) - 1)
            ELSE z.txt
        END AS varchar(60)
    ) AS number_text
FROM z;
GO
