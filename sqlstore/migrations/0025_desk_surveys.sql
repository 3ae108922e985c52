-- The merchant's rating of a resolved ticket, its own follow-up: one per
-- resolution (a reopened ticket resolved again is rated again), three
-- questions of 1 to 5 and a comment, from the portal or a signed link.
CREATE TABLE ticket_surveys (
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    round      INTEGER NOT NULL,
    sent_at    BIGINT NOT NULL,
    answered_at BIGINT,
    resolution INTEGER,
    speed      INTEGER,
    attitude   INTEGER,
    comment    TEXT NOT NULL DEFAULT '',
    via        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (ticket_id, round)
);
CREATE INDEX ticket_surveys_answered ON ticket_surveys (answered_at) WHERE answered_at IS NOT NULL;
