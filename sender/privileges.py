"""Which rights the connected login lacks for a job (stage, send or read): what ``opus-sender doctor``
reports, so that a missing grant is named before a run fails half way.

The rights are the roles' (db/security/roles.sql, db/postgres/security/roles.sql): EXECUTE on the public
procedures of the job and SELECT on the views. On PostgreSQL a public procedure that commits is a
SECURITY INVOKER shell around its ``usp_Private_<name>_Work`` routine, which the login must be able to
execute too, as ``usp_Private_RefuseOpenTransaction``, which each shell calls first. The database answers
for the login itself (``has_function_privilege``, ``HAS_PERMS_BY_NAME``), so rights held through any role
count.
"""

from __future__ import annotations

from sender.db import MSSQL, Database

VIEWS = ("vw_MON_BatchSummary", "vw_MON_ValidationErrors", "vw_MON_UpdatePreview", "vw_MON_AuditTrail",
         "vw_MON_StuckOrFailedRows", "vw_MON_SendQueue", "vw_MON_BoardLabels", "vw_MON_UserNames")
PROCEDURES = {
    "stage": ("usp_StageUpdates", "usp_ValidateStagedUpdates", "usp_ReleaseBatch", "usp_CancelBatch",
              "usp_StageRollback"),
    "send": ("usp_UpsertBoardMetadata", "usp_ClaimQueueRows", "usp_ExtendLease", "usp_ReleaseLease",
             "usp_RecordCreatedItem", "usp_RecordSendResult", "usp_RecordPreview"),
    "read": (),
}
JOBS = tuple(PROCEDURES)
REFUSE_OPEN_TRANSACTION = "usp_Private_RefuseOpenTransaction"


def _pg_execute(db: Database, name: str) -> bool | None:
    """None: no such routine; otherwise whether the login may execute every overload of it."""
    return db.scalar(
        "SELECT bool_and(has_function_privilege(p.oid, 'EXECUTE')) FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'dbo' AND p.proname = ?",
        [name.lower()],
    )


def _pg_select(db: Database, name: str) -> bool | None:
    return db.scalar(
        "SELECT CASE WHEN to_regclass(?) IS NOT NULL THEN has_table_privilege(to_regclass(?), 'SELECT') END",
        [f"dbo.{name.lower()}"] * 2,
    )


def _mssql_has(db: Database, name: str, permission: str) -> bool | None:
    value = db.scalar("SELECT HAS_PERMS_BY_NAME(?, 'OBJECT', ?)", [f"dbo.{name}", permission])
    return None if value is None else bool(value)


def missing_rights(db: Database, job: str = "send") -> list[str]:
    """The rights ``job`` ('stage', 'send' or 'read') needs that the connected login lacks, one line each,
    e.g. ``EXECUTE dbo.usp_ClaimQueueRows`` or ``SELECT dbo.vw_MON_SendQueue (not installed)``."""
    if job not in PROCEDURES:
        raise ValueError(f"job must be one of {', '.join(JOBS)}, not {job!r}")
    missing = []
    for name in PROCEDURES[job]:
        if db.dialect == MSSQL:
            has = _mssql_has(db, name, "EXECUTE")
        else:
            has = _pg_execute(db, name)
            work = f"usp_Private_{name[4:]}_Work"
            work_has = _pg_execute(db, work)
            if work_has is False:
                missing.append(f"EXECUTE dbo.{work}")
        if has is None:
            missing.append(f"EXECUTE dbo.{name} (not installed)")
        elif not has:
            missing.append(f"EXECUTE dbo.{name}")
    if db.dialect != MSSQL and PROCEDURES[job] and _pg_execute(db, REFUSE_OPEN_TRANSACTION) is False:
        # every shell calls it first (it refuses a caller's open transaction)
        missing.append(f"EXECUTE dbo.{REFUSE_OPEN_TRANSACTION}")
    for name in VIEWS:
        has = _mssql_has(db, name, "SELECT") if db.dialect == MSSQL else _pg_select(db, name)
        if has is None:
            missing.append(f"SELECT dbo.{name} (not installed)")
        elif not has:
            missing.append(f"SELECT dbo.{name}")
    return missing
