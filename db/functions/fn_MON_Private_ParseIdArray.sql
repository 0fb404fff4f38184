-- fn_MON_Private_ParseIdArray: the ids of a JSON array ('[41, 42]' or '["41", "42"]'), one row each
-- (internal helper of usp_ExtendLease / usp_ReleaseLease). An element that is not a whole number, or
-- text that is not a JSON array, gives a row whose id is NULL: callers refuse the list when one is.
-- Twin of db/postgres/functions/fn_MON_Private_ParseIdArray.sql (which returns bigint[] or NULL).
--   SELECT id FROM dbo.fn_MON_Private_ParseIdArray(N'[41, 42]');
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ParseIdArray;
GO
CREATE FUNCTION dbo.fn_MON_Private_ParseIdArray(@ids nvarchar(MAX))
RETURNS table
AS
RETURN
SELECT
    TRY_CAST(
        CASE
            WHEN e.[type] IN (1, 2) AND LEN(e.[value]) BETWEEN 1 AND 18 AND e.[value] NOT LIKE N'%[^0-9]%'
                THEN e.[value]
        END AS bigint
    ) AS id
FROM OPENJSON(
    CASE WHEN ISJSON(@ids) = 1 AND LEFT(LTRIM(@ids), 1) = N'[' THEN @ids ELSE N'[null]' END
) AS e;
GO
