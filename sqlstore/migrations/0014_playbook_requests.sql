-- A declaration (missing or departed) is recorded before the playbook runs,
-- in its own transaction, so that a crash between the request and the
-- playbook's commit is finished by the next start (Store.ResumePlaybooks)
-- instead of being lost with the process. actor_* is who asked, so the
-- resumed run is done in their name and within their rights.
CREATE TABLE playbook_requests (
    id           {{PK}},
    user_id      BIGINT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    strategy     TEXT NOT NULL,
    actor_id     BIGINT NOT NULL,
    actor_source TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    done_at      BIGINT,
    incident_id  BIGINT REFERENCES incidents (id),
    last_error   TEXT NOT NULL DEFAULT ''
);
-- One pending request per person: a second declaration joins the first.
CREATE UNIQUE INDEX playbook_requests_pending_uq ON playbook_requests (user_id) WHERE done_at IS NULL;

-- One open incident per person, whatever two instances do at once. Two
-- declarations at the same moment could open two before this index; the
-- older of such twins is closed (its records stay) so the index can exist.
UPDATE incidents SET closed_at = opened_at
WHERE closed_at IS NULL AND id NOT IN (SELECT MAX(id) FROM incidents WHERE closed_at IS NULL GROUP BY user_id);
CREATE UNIQUE INDEX incidents_open_uq ON incidents (user_id) WHERE closed_at IS NULL;
