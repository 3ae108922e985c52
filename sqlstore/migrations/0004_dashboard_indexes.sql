-- Dashboard counts by status read this narrow index instead of the
-- merchants table itself (whose rows are wide); by team they use
-- merchants_team (team_id, status).
CREATE INDEX merchants_status ON merchants (status) WHERE archived_at IS NULL;
