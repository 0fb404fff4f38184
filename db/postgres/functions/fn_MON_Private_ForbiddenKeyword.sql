-- fn_MON_Private_ForbiddenKeyword: the first keyword of a blanked query text (see
-- fn_MON_Private_BlankQueryText) that changes data or schema, runs code or leaves the database, or NULL
-- when there is none. usp_StageUpdates refuses such a query. Words are matched whole and in any case, so
-- update_fields or created_at are fine; quoted identifiers and strings were blanked before.
-- Twin of db/functions/fn_MON_Private_ForbiddenKeyword.sql (same word list).
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_ForbiddenKeyword(p_blanked text)
RETURNS varchar
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT upper(k.word)
    FROM unnest(ARRAY[
        'insert', 'update', 'delete', 'merge', 'truncate', 'drop', 'alter', 'create', 'exec', 'execute',
        'grant', 'revoke', 'deny', 'into', 'backup', 'restore', 'dbcc', 'kill', 'shutdown', 'waitfor',
        'bulk', 'openrowset', 'opendatasource', 'openquery', 'openxml', 'reconfigure', 'copy', 'call',
        'vacuum', 'reindex', 'cluster', 'refresh', 'notify', 'listen', 'prepare', 'discard', 'setval',
        'nextval', 'pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'lo_import', 'lo_export',
        'lo_unlink', 'dblink', 'dblink_exec', 'set_config', 'xp_cmdshell', 'commit', 'rollback', 'begin',
        'declare', 'set', 'use', 'lock'
    ]) AS k (word)
    CROSS JOIN LATERAL (
        SELECT strpos(lower(' ' || p_blanked || ' '), m[1]) AS pos
        FROM regexp_matches(lower(' ' || p_blanked || ' '), '([^a-z0-9_@#$]' || k.word || '[^a-z0-9_@#$])') AS m
        LIMIT 1
    ) AS f
    ORDER BY f.pos
    LIMIT 1;
$$;
