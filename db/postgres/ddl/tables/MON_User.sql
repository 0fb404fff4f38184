-- MON_User: monday users and teams (people columns are written by id; an email is resolved here).
CREATE TABLE IF NOT EXISTS dbo.MON_User (
    user_id bigint NOT NULL,
    user_kind varchar(10) NOT NULL DEFAULT 'person',
    user_name varchar(255) NULL,
    email varchar(255) NULL,
    is_enabled char(1) NOT NULL DEFAULT 'Y',
    synced_at timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    CONSTRAINT PK_MON_User PRIMARY KEY (user_id, user_kind),
    CONSTRAINT CK_MON_User_user_kind CHECK (user_kind IN ('person', 'team')),
    CONSTRAINT CK_MON_User_is_enabled CHECK (is_enabled IN ('Y', 'N'))
);

CREATE INDEX IF NOT EXISTS IX_MON_User_email ON dbo.MON_User (email);
