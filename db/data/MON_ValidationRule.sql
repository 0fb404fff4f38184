-- MON_ValidationRule data: the rules usp_ValidateStagedUpdates applies. Re-running refreshes the
-- messages and descriptions; severity and is_enabled set by a DBA are kept (they are configuration).
-- Placeholders filled per violation: {column} the query alias, {column_id}, {type}, {value} the staged
-- value, {labels} the valid labels, {closest} similar columns, {board_id}, {detail}.
-- An upsert in two statements (no MERGE): the install runs in one transaction, so nothing runs between them.
DECLARE @rule TABLE (
    rule_code varchar(50) NOT NULL PRIMARY KEY,
    severity varchar(10) NOT NULL,
    is_enabled char(1) NOT NULL,
    message_template nvarchar(500) NOT NULL,
    rule_description nvarchar(500) NULL
);
INSERT INTO @rule (rule_code, severity, is_enabled, message_template, rule_description)
VALUES
        ('BOARD_METADATA', 'ERROR', 'Y',
         N'Board {board_id} has no metadata in dbo.MON_Board: run `opus-sender sync-board --board-id '
         + N'{board_id}`, then validate the batch again.',
         N'The board (the subitems board for SUBITEMS) must have been synced.'),
        ('METADATA_FRESH', 'ERROR', 'Y',
         N'The metadata of board {board_id} was synced {detail} ago, more than 24 hours: run `opus-sender '
         + N'sync-board --board-id {board_id}`, then validate the batch again.',
         N'Board metadata must be at most 24 hours old.'),
        ('KEY_ITEM_ID', 'ERROR', 'Y',
         N'monday_item_id is empty: an UPDATE needs the id of the item to change. Return it from the '
         + N'query.',
         N'UPDATE rows need monday_item_id.'),
        ('KEY_ITEM_NAME', 'ERROR', 'Y',
         N'item_name must be 1-255 characters for a CREATE (it is {detail}). Return a name from the query.',
         N'CREATE rows need an item name of 1-255 characters.'),
        ('KEY_PARENT', 'ERROR', 'Y',
         N'parent_item_id is empty: creating a subitem needs the id of its parent item. Return it from the '
         + N'query.',
         N'Subitem CREATE rows need parent_item_id.'),
        ('ITEM_ON_BOARD', 'ERROR', 'Y',
         N'Item {value} is not on board {board_id} (dbo.MON_BoardItem, synced with the board): check the '
         + N'id, or sync again with `opus-sender sync-board --board-id {board_id}`.',
         N'When the board''s items were synced, an UPDATE (or a subitem''s parent) must name an item of '
         + N'the board.'),
        ('GROUP_EXISTS', 'ERROR', 'Y',
         N'Group {value} is not on board {board_id}. Groups: {labels}. Use one of them, or leave group_id '
         + N'NULL for the top group.',
         N'When the board''s groups were synced, a CREATE group_id must be one of them.'),
        ('COLUMN_EXISTS', 'ERROR', 'Y',
         N'Column {column} matches no column of board {board_id} (by column id, title or '
         + N'dbo.MON_ColumnMap). Closest columns: {closest}. Rename the alias in the query to a column id, '
         + N'or add a row to dbo.MON_ColumnMap.',
         N'Every query column other than the keys must map to a board column.'),
        ('COLUMN_AMBIGUOUS', 'ERROR', 'Y',
         N'Column {column} matches several columns of board {board_id} by title: {closest}. Use the column '
         + N'id as the alias.',
         N'An alias must map to exactly one board column.'),
        ('COLUMN_WRITABLE', 'ERROR', 'Y',
         N'Column {column} ({column_id}) has type {type}, which cannot be written through the API '
         + N'({detail}). Leave it out of the query.',
         N'The column type must be writable (dbo.MON_ColumnType.is_writable).'),
        ('STATUS_LABEL', 'ERROR', 'Y',
         N'Value {value} is not a label of status column {column} ({column_id}). Labels: {labels}. Use one '
         + N'of them, or stage with @create_labels_if_missing = ''Y''.',
         N'Status values must be existing labels (matched by label text first, then label id).'),
        ('DROPDOWN_LABEL', 'ERROR', 'Y',
         N'Value {value} of dropdown column {column} ({column_id}) holds {detail}, not a label of the '
         + N'column. Labels: {labels}. Use existing labels, or stage with @create_labels_if_missing = ''Y''.',
         N'Dropdown values must be existing labels (comma-separated).'),
        ('DATE_FORMAT', 'ERROR', 'Y',
         N'Value {value} of date column {column} is not a date: use YYYY-MM-DD, or YYYY-MM-DD HH:MM[:SS] '
         + N'in UTC (or with Z / +HH:MM, an offset of at most 14:00); the time in UTC must fall in years '
         + N'0001-9999.',
         N'Date values must parse.'),
        ('NUMBER_FORMAT', 'ERROR', 'Y',
         N'Value {value} of numbers column {column} is not a number: use digits with an optional sign and '
         + N'decimal point, no thousands separators.',
         N'Numbers must parse.'),
        ('EMAIL_FORMAT', 'ERROR', 'Y',
         N'Value {value} of email column {column} is not an email address: use name@example.com, '
         + N'optionally followed by a space and a display text.',
         N'Email values must look like an address.'),
        ('PHONE_FORMAT', 'ERROR', 'Y',
         N'Value {value} of phone column {column} is not a phone number with its country: use +12025550169 '
         + N'US (6-15 digits, then the 2-letter country code).',
         N'Phone values need 6-15 digits and an ISO-2 country code.'),
        ('LINK_FORMAT', 'ERROR', 'Y',
         N'Value {value} of link column {column} is not a link: use https://example.com, optionally '
         + N'followed by a space and a display text.',
         N'Link values must start with http:// or https://.'),
        ('CHECKBOX_FORMAT', 'ERROR', 'Y',
         N'Value {value} of checkbox column {column} is not a yes/no value: use true/false, 1/0, yes/no or '
         + N'y/n (NULL or false unchecks).',
         N'Checkbox values must be a boolean.'),
        ('RATING_FORMAT', 'ERROR', 'Y',
         N'Value {value} of rating column {column} is not a rating: use a whole number from 1 to {detail}.',
         N'Rating values must be whole numbers from 1 to the column''s maximum.'),
        ('HOUR_FORMAT', 'ERROR', 'Y',
         N'Value {value} of hour column {column} is not a time of day: use HH:MM, 24-hour (00:00 to '
         + N'23:59).',
         N'Hour values must be HH:MM.'),
        ('TIMELINE_FORMAT', 'ERROR', 'Y',
         N'Value {value} of timeline column {column} is not a date range: use YYYY-MM-DD/YYYY-MM-DD, the '
         + N'start on or before the end.',
         N'Timeline values must be two dates.'),
        ('COUNTRY_FORMAT', 'ERROR', 'Y',
         N'Value {value} of country column {column} is not a country: use the 2-letter ISO code, '
         + N'optionally followed by the name (US United States).',
         N'Country values must start with an ISO-2 code.'),
        ('PEOPLE_FORMAT', 'ERROR', 'Y',
         N'Value {value} of people column {column} names someone who is not a known user id or email in '
         + N'dbo.MON_User: use user ids (team:<id> for teams), or sync the users with `opus-sender '
         + N'sync-board --board-id {board_id}`.',
         N'People values must be user ids or emails known in MON_User.'),
        ('LONG_TEXT_LENGTH', 'ERROR', 'Y',
         N'The value of long text column {column} has {detail} characters; at most 2000 are allowed. '
         + N'Shorten it in the query, e.g. LEFT(x, 2000).',
         N'Long text values are at most 2,000 characters.'),
        ('TEXT_LENGTH', 'ERROR', 'Y',
         N'The value of text column {column} has {detail} characters; at most 2000 are allowed (monday '
         + N'refuses longer values when the batch is sent). Shorten it in the query, e.g. LEFT(x, 2000), or '
         + N'write it to a long text column.',
         N'Text values are at most 2,000 characters.'),
        ('NAME_LENGTH', 'ERROR', 'Y',
         N'The item name (column {column}) must be 1-255 characters and cannot be cleared; it is {detail}.',
         N'Item names are 1-255 characters.'),
        ('DUPLICATE_CONFLICT', 'ERROR', 'Y',
         N'Item {value} gets different values for column {column} in rows {detail} of this batch: keep one '
         + N'row per item and column.',
         N'Rows of one batch must not set one cell to different values.'),
        ('NO_OP', 'WARNING', 'Y',
         N'Column {column} of item {value} looks equal to this value in the loader''s copy (the loaded rows '
         + N'of the staging table, which can be out of date): the cell is still released; the sender compares '
         + N'it with the live board at send time and leaves it out only if the board already holds it.',
         N'A value equal to the loader''s copy is reported; whether it is sent is decided against the live '
         + N'board.'),
        ('LABEL_NORMALISED', 'WARNING', 'Y',
         N'Value {value} of column {column} ({column_id}) matches a label only after trimming spaces or '
         + N'ignoring case: {detail}. It is sent as that label; write the label exactly as the board has it to '
         + N'silence this warning.',
         N'A status or dropdown value matched to a label only after normalising is reported.'),
        ('ALIAS_NORMALISED', 'WARNING', 'Y',
         N'Column {column} was matched to column {column_id} ({detail}) only after its punctuation was '
         + N'ignored: check that it is the column you mean, or use the column id as the alias.',
         N'A query alias matched to a column title only after ignoring punctuation is reported.'),
        ('OVERLAP_BATCH', 'WARNING', 'Y',
         N'Column {column} of item {value} is also written by {detail}, released and not yet completed. Both '
         + N'are sent, in release order: this batch, released after it, is sent after it, so its value stays '
         + N'on the board and its audit row records the other batch''s value as the old one. Cancel one of '
         + N'them if that is not what you want.',
         N'A cell another released, not yet completed batch also writes is reported, naming that batch and '
         + N'its value.'),
        ('NO_FIELDS', 'WARNING', 'Y',
         N'The row has no column to change: nothing is sent for item {value}.',
         N'An UPDATE row with no value columns sends nothing.');
UPDATE tgt
SET tgt.message_template = src.message_template, tgt.rule_description = src.rule_description
FROM dbo.MON_ValidationRule AS tgt
INNER JOIN @rule AS src ON tgt.rule_code = src.rule_code;
INSERT INTO dbo.MON_ValidationRule (rule_code, severity, is_enabled, message_template, rule_description)
SELECT
    src.rule_code,
    src.severity,
    src.is_enabled,
    src.message_template,
    src.rule_description
FROM @rule AS src
WHERE NOT EXISTS (
    SELECT 1 FROM dbo.MON_ValidationRule AS tgt
    WHERE tgt.rule_code = src.rule_code
);
GO
