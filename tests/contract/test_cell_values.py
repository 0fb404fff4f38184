"""How the record procedures read a cell's value (fn_MON_Private_CellValueText, usp_RecordPreImage,
usp_RecordPreview, usp_RecordSendResult), engine-neutral: the sender passes each value inside a one-element
array so it arrives as JSON; a hand-written call may give the value's JSON text in a string, or an object.
Both store the value's JSON text, compared here as JSON (an engine may re-space it)."""

from __future__ import annotations

import pytest

from tests.contract.queue_helpers import cells, claim, json_of, make_batch, make_board, record

# (the value as given in @cells, the value stored)
FORMS = [
    pytest.param('[{"index":3}]', {"index": 3}, id="object-in-array"),
    pytest.param('["Done"]', "Done", id="string-in-array"),
    pytest.param('[3.50]', 3.5, id="number-in-array"),
    pytest.param('[null]', None, id="null-in-array"),
    pytest.param('[[1,2]]', [1, 2], id="array-in-array"),
    pytest.param('[ {"a": 1} ]', {"a": 1}, id="spaced-array"),
    pytest.param('["a\\"b\\\\c/d"]', 'a"b\\c/d', id="escapes-in-array"),
    pytest.param('[1,2]', [1, 2], id="two-elements-are-the-value"),
    pytest.param('{"index":3}', {"index": 3}, id="object-as-is"),
    pytest.param('null', None, id="json-null"),
]


@pytest.fixture
def queue_row(db):
    make_board(db)
    (queue_id,) = make_batch(db, "B-CV", 1)
    claim(db, "w1", batch_id="B-CV")
    return queue_id


def pre_image(db, queue_id: int, current: str, new: str) -> dict:
    """Record a pre-image of one cell, its two values written as given, and read back what was stored."""
    db.call("usp_RecordPreImage", queue_id=queue_id, worker_id="w1", cells=(
        f'[{{"column_id": "notes", "current_value": {current}, "current_text": "t", "new_value": {new}, '
        f'"would_change": "Y", "held": "N"}}]'))
    return db.query("SELECT current_value, new_value FROM dbo.MON_PreImage WHERE queue_id = ?", (queue_id,))[0]


@pytest.mark.parametrize(("given", "stored"), FORMS)
def test_a_pre_image_stores_the_json_of_each_value(db, queue_row, given, stored):
    row = pre_image(db, queue_row, given, given)
    assert (json_of(row["current_value"]), json_of(row["new_value"])) == (stored, stored)
    assert (row["current_value"] is None) == (stored is None)


@pytest.mark.parametrize(("given", "stored"), FORMS)
def test_an_audit_row_and_a_preview_store_the_json_of_each_value(db, queue_row, given, stored):
    db.call("usp_RecordPreview", batch_id="B-CV", queue_id=queue_row, cells=(
        f'[{{"column_id": "notes", "current_value": {given}, "current_text": "t", "new_value": {given}}}]'))
    preview = db.query("SELECT current_value, new_value, would_change FROM dbo.MON_UpdatePreview "
                       "WHERE queue_id = ?", (queue_row,))[0]
    assert json_of(preview["current_value"]) == stored
    if stored is not None:  # an empty new value takes the queue row's own
        assert (json_of(preview["new_value"]), preview["would_change"]) == (stored, "N")
    record(db, queue_row, "w1", "SENT", cells=f'[{{"column_id": "notes", "old_value": {given}, "new_value": {given}}}]')
    audit = db.query("SELECT old_value, new_value FROM dbo.MON_UpdateAudit WHERE queue_id = ?", (queue_row,))[0]
    assert (json_of(audit["old_value"]), json_of(audit["new_value"])) == (stored, stored)


@pytest.mark.engine_gap("openjson-unescape")
def test_a_hand_written_call_may_give_the_json_text_in_a_string(db, queue_row):
    """The form of the procedures' @help examples before the sender's: "{\"index\":3}" is the value {"index":3}."""
    row = pre_image(db, queue_row, '"{\\"index\\":3}"', '"\\"Done\\""')
    assert (row["current_value"], row["new_value"]) == ('{"index":3}', '"Done"')
    record(db, queue_row, "w1", "SENT", cells=cells(("notes", '{"index":3}', '"Done"')))
    audit = db.query("SELECT old_value, new_value FROM dbo.MON_UpdateAudit WHERE queue_id = ?", (queue_row,))[0]
    assert (audit["old_value"], audit["new_value"]) == ('{"index":3}', '"Done"')


@pytest.mark.engine_gap("json-fragment-spacing")
def test_the_senders_form_keeps_a_values_json_text_exactly(db, queue_row):
    """The stored text is the text the sender wrote: compact, keys in its order."""
    row = pre_image(db, queue_row, '[{"post_id":null,"index":3}]', '["x y"]')
    assert (row["current_value"], row["new_value"]) == ('{"post_id":null,"index":3}', '"x y"')
