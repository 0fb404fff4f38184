-- Drops the project's views and functions so that the sources after this one create them anew.
-- Why: a function cannot be ALTERed into another kind (scalar, inline, multi-statement), a schema-bound
-- function cannot change while another references it, and one plain CREATE is the form every T-SQL
-- engine runs. Procedures are not dropped: they are created as a stub once and ALTERed, which keeps
-- their grants. Views go first, then functions in the reverse of their install order (the order of
-- db/manifest.txt; a static check keeps this list in step with it). Grants on views and functions are
-- made again by security/roles.sql.
DROP VIEW IF EXISTS dbo.vw_MON_UserNames;
DROP VIEW IF EXISTS dbo.vw_MON_BoardLabels;
DROP VIEW IF EXISTS dbo.vw_MON_SendQueue;
DROP VIEW IF EXISTS dbo.vw_MON_StuckOrFailedRows;
DROP VIEW IF EXISTS dbo.vw_MON_AuditTrail;
DROP VIEW IF EXISTS dbo.vw_MON_HeldBackCells;
DROP VIEW IF EXISTS dbo.vw_MON_PreImage;
DROP VIEW IF EXISTS dbo.vw_MON_UpdatePreview;
DROP VIEW IF EXISTS dbo.vw_MON_BatchSummary;
DROP VIEW IF EXISTS dbo.vw_MON_ValidationErrors;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_CellValueText;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ParseIdArray;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_TryJson;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_RowHash;
DROP FUNCTION IF EXISTS dbo.fn_MON_StagedCells;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_MapAlias;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_StagedFields;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ClosestColumns;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_QueryParts;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ForbiddenKeyword;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_BlankQueryText;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_StringifyExpr;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_RatingMax;
DROP FUNCTION IF EXISTS dbo.fn_MON_FormatColumnValue;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_FormatValue;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ColumnLabels;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NormalizeDate;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_DateText;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NormalizeNumber;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NumberText;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_JsonEscape;
DROP FUNCTION IF EXISTS dbo.fn_MON_NormalizeTitle;
GO
