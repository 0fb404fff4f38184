-- Drops the project's views and routines so that the sources after this one create them anew.
-- Why: CREATE OR REPLACE cannot change a routine's parameters (it would add an overload beside the old
-- one) nor a view's columns, and a routine renamed or removed in a release must not linger. This runs
-- inside the install transaction, so a failed install keeps the old objects. Grants are made again by
-- security/roles.sql. No CASCADE: a view of the DBA's own built on one of ours stops the install with
-- PostgreSQL's message naming it, instead of vanishing.
-- By name (every overload of each), and by the project's own prefixes fn_MON_*, usp_Private_* and vw_MON_*
-- (so that a helper a release removed does not linger), never by the generic usp_*: the database is shared,
-- and a procedure of someone else's named usp_Something is never dropped. A public usp_ routine a later
-- release removes stays in the list below, so that an upgrade drops it.
-- tests/static/test_installer_structure.py holds them equal to what the sources create. security/roles.sql
-- reads them back (setting opus.code_objects) to take ownership of these objects only.
DO $drop$
DECLARE
    v_view_names text[] := ARRAY['vw_MON_ValidationErrors', 'vw_MON_BatchSummary',
        'vw_MON_UpdatePreview', 'vw_MON_AuditTrail', 'vw_MON_StuckOrFailedRows', 'vw_MON_SendQueue',
        'vw_MON_BoardLabels', 'vw_MON_UserNames', 'vw_MON_HeldBackCells', 'vw_MON_PreImage'];
    v_routine_names text[] := ARRAY['fn_MON_FormatColumnValue', 'fn_MON_NormalizeTitle',
        'fn_MON_Private_BlankQueryText', 'fn_MON_Private_ClosestColumns', 'fn_MON_Private_ColumnLabels',
        'fn_MON_Private_DateText', 'fn_MON_Private_ForbiddenKeyword', 'fn_MON_Private_QueryParts', 'fn_MON_Private_FormatValue',
        'fn_MON_Private_NormalizeDate', 'fn_MON_Private_NormalizeNumber', 'fn_MON_Private_NumberText',
        'fn_MON_Private_ParseIdArray', 'fn_MON_Private_RatingMax', 'fn_MON_Private_RowHash', 'fn_MON_Private_StringifyExpr',
        'fn_MON_Private_TryJson', 'fn_MON_Private_CellValueText', 'fn_MON_Private_JsonEscape', 'fn_MON_StagedCells', 'fn_MON_Private_StagedFields', 'fn_MON_Private_MapAlias', 'usp_CancelBatch', 'usp_ApproveBatch', 'usp_RecordPreImage', 'usp_ClaimQueueRows',
        'usp_ExtendLease', 'usp_Private_CancelBatch_Work', 'usp_Private_ApproveBatch_Work', 'usp_Private_RecordPreImage_Work',
        'usp_Private_CloseRunLog',
        'usp_Private_ExtendLease_Work', 'usp_Private_FinishBatchIfDone', 'usp_Private_OpenRunLog',
        'usp_Private_RecordCreatedItem_Work', 'usp_Private_RecordPreview_Work',
        'usp_Private_RecordSendResult_Work', 'usp_Private_RefuseOpenTransaction',
        'usp_Private_ReleaseBatch_Work', 'usp_Private_ReleaseLease_Work',
        'usp_Private_StageRollback_Work', 'usp_Private_StageUpdates_Work',
        'usp_Private_UpsertBoardMetadata_Work', 'usp_Private_ValidateBatch',
        'usp_Private_ValidateStagedUpdates_Work', 'usp_PurgeRunLog', 'usp_RecordCreatedItem',
        'usp_RecordPreview', 'usp_RecordSendResult', 'usp_ReleaseBatch', 'usp_ReleaseLease',
        'usp_StageRollback', 'usp_StageUpdates', 'usp_UpsertBoardMetadata', 'usp_ValidateStagedUpdates'];
    v_views text;
    v_routines text;
BEGIN
    -- the same names, for security/roles.sql later in this transaction (which routines and views are the
    -- project's to own and to keep from PUBLIC); the setting ends with the transaction
    PERFORM set_config('opus.code_objects', lower(array_to_string(v_view_names || v_routine_names, ',')), true);

    SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ')
      INTO v_views
      FROM pg_class AS c
      JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = 'dbo' AND c.relkind = 'v'
       AND (c.relname = ANY (SELECT lower(x) FROM unnest(v_view_names) AS x) OR c.relname LIKE 'vw\_mon\_%');
    IF v_views IS NOT NULL THEN
        EXECUTE 'DROP VIEW ' || v_views;
    END IF;

    SELECT string_agg(format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), ', ')
      INTO v_routines
      FROM pg_proc AS p
      JOIN pg_namespace AS n ON n.oid = p.pronamespace
     WHERE n.nspname = 'dbo'
       AND (p.proname = ANY (SELECT lower(x) FROM unnest(v_routine_names) AS x)
            OR p.proname LIKE 'fn\_mon\_%' OR p.proname LIKE 'usp\_private\_%');
    IF v_routines IS NOT NULL THEN
        EXECUTE 'DROP ROUTINE ' || v_routines;
    END IF;
END
$drop$;
