"""The command line names its flags where the database's messages name procedure parameters (T-SQL
@name = value, PostgreSQL p_name => value). No database here: the messages are the procedures' own, as
docs/errors.md and the validation rules write them; tests/sender/test_operator_messages.py shows one on
the command line."""

from __future__ import annotations

import pytest

from sender import cli


@pytest.mark.parametrize(("text", "shown"), [
    ("stage with @create_labels_if_missing = 'Y'.", "stage with --create-labels."),
    ("stage with p_create_labels_if_missing => 'Y'.", "stage with --create-labels."),
    ("@include_warnings = 'x' is not supported", "--no-warnings 'x' is not supported"),
    ("@query is empty; @board_id is required", "--query is empty; --board-id is required"),
    ("pass @batch_id (see dbo.vw_MON_BatchSummary)", "pass --batch-id (see dbo.vw_MON_BatchSummary)"),
    ("the value @other stays", "the value @other stays"),
])
def test_cli_message_translates_parameters_to_flags(text, shown):
    assert cli.cli_message(text) == shown
