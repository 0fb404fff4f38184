-- Drops the project's views and routines so that the sources after this one create them anew.
-- Why: CREATE OR REPLACE cannot change a routine's parameters (it would add an overload beside the old
-- one) nor a view's columns, and a routine renamed or removed in a release must not linger. This runs
-- inside the install transaction, so a failed install keeps the old objects. Grants are made again by
-- security/roles.sql. No CASCADE: a view of the DBA's own built on one of ours stops the install with
-- PostgreSQL's message naming it, instead of vanishing.
DO $drop$
DECLARE
    v_views text;
    v_routines text;
BEGIN
    SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ')
      INTO v_views
      FROM pg_class AS c
      JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = 'dbo' AND c.relkind = 'v' AND c.relname LIKE 'vw\_mon\_%';
    IF v_views IS NOT NULL THEN
        EXECUTE 'DROP VIEW ' || v_views;
    END IF;

    SELECT string_agg(format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), ', ')
      INTO v_routines
      FROM pg_proc AS p
      JOIN pg_namespace AS n ON n.oid = p.pronamespace
     WHERE n.nspname = 'dbo' AND (p.proname LIKE 'usp\_%' OR p.proname LIKE 'fn\_mon\_%');
    IF v_routines IS NOT NULL THEN
        EXECUTE 'DROP ROUTINE ' || v_routines;
    END IF;
END
$drop$;
