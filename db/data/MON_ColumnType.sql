-- MON_ColumnType data: the monday column types and whether this project writes them (monday's API documentation).
-- Re-running refreshes the rows; types added by hand are kept.
-- An upsert in two statements (no MERGE): the install runs in one transaction, so nothing runs between them.
DECLARE @type TABLE (
    column_type varchar(50) NOT NULL PRIMARY KEY,
    is_writable char(1) NOT NULL,
    value_shape nvarchar(400) NULL,
    notes nvarchar(400) NULL
);
INSERT INTO @type (column_type, is_writable, value_shape, notes)
VALUES
    ('text', 'Y', N'"Sample text"', N'at most 2,000 characters'),
    ('long_text', 'Y', N'{"text": "..."}', N'at most 2,000 characters'),
    ('numbers', 'Y', N'"3"', N'a string holding an int or float'),
    ('status', 'Y', N'{"index": <label id>}', N'label id from the settings'),
    ('date', 'Y', N'{"date": "YYYY-MM-DD", "time": "HH:MM:SS"}', N'time optional, UTC'),
    ('timeline', 'Y', N'{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}', NULL),
    ('people', 'Y', N'{"personsAndTeams": [{"id": 1, "kind": "person"}]}', N'user ids; emails resolved'),
    ('dropdown', 'Y', N'{"ids": [1, 2]} or {"labels": ["A"]}', N'ids and labels cannot be mixed'),
    ('email', 'Y', N'{"email": "a@b.com", "text": "display"}', N'both keys required'),
    ('phone', 'Y', N'{"phone": "+12025550169", "countryShortName": "US"}', N'ISO-2 country code'),
    ('link', 'Y', N'{"url": "https://x", "text": "label"}', NULL),
    ('checkbox', 'Y', N'{"checked": "true"}', N'null unchecks'),
    ('hour', 'Y', N'{"hour": 16, "minute": 42}', N'24h'),
    ('rating', 'Y', N'{"rating": 5}', N'1..scale'),
    ('country', 'Y', N'{"countryCode": "US", "countryName": "United States"}', NULL),
    ('name', 'Y', N'"My Item"', N'1-255 characters, cannot be cleared'),
    ('tags', 'N', NULL, N'tags must exist at account level; not supported by this project'),
    ('location', 'N', NULL, N'not supported by this project'),
    ('week', 'N', NULL, N'not supported by this project'),
    ('world_clock', 'N', NULL, N'not supported by this project'),
    ('board_relation', 'N', NULL, N'not supported by this project'),
    ('dependency', 'N', NULL, N'not supported by this project'),
    ('color_picker', 'N', NULL, N'not supported by this project'),
    ('file', 'N', NULL, N'needs the file endpoint'),
    ('formula', 'N', NULL, N'read-only'),
    ('mirror', 'N', NULL, N'read-only'),
    ('creation_log', 'N', NULL, N'read-only'),
    ('last_updated', 'N', NULL, N'read-only'),
    ('item_id', 'N', NULL, N'read-only'),
    ('auto_number', 'N', NULL, N'read-only'),
    ('progress', 'N', NULL, N'read-only'),
    ('button', 'N', NULL, N'read-only'),
    ('vote', 'N', NULL, N'read-only'),
    ('time_tracking', 'N', NULL, N'read-only'),
    ('subtasks', 'N', NULL, N'use CREATE with target SUBITEMS'),
    ('doc', 'N', NULL, N'read-only'),
    ('direct_doc', 'N', NULL, N'read-only'),
    ('integration', 'N', NULL, N'read-only'),
    ('person', 'N', NULL, N'deprecated: use people'),
    ('team', 'N', NULL, N'deprecated: use people');
UPDATE tgt
SET tgt.is_writable = src.is_writable, tgt.value_shape = src.value_shape, tgt.notes = src.notes
FROM dbo.MON_ColumnType AS tgt
INNER JOIN @type AS src ON tgt.column_type = src.column_type;
INSERT INTO dbo.MON_ColumnType (column_type, is_writable, value_shape, notes)
SELECT
    src.column_type,
    src.is_writable,
    src.value_shape,
    src.notes
FROM @type AS src
WHERE NOT EXISTS (
    SELECT 1 FROM dbo.MON_ColumnType AS tgt
    WHERE tgt.column_type = src.column_type
);
GO
