-- vw_MON_UserNames: the name of each synced monday user and team, so a report can show a people value by
-- name. E-mail addresses are left out (they stay in dbo.MON_User, which no role may read).
-- Twin of db/postgres/views/vw_MON_UserNames.sql.
--   SELECT * FROM dbo.vw_MON_UserNames ORDER BY user_name;
DROP VIEW IF EXISTS dbo.vw_MON_UserNames;
GO
CREATE VIEW dbo.vw_MON_UserNames
AS
SELECT
    u.user_id,
    u.user_kind,
    u.user_name
FROM dbo.MON_User AS u
WHERE u.user_name IS NOT NULL;
GO
