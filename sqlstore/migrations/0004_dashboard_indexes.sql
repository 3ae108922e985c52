-- Dashboard counts by status read these narrow indexes instead of the
-- merchants table itself (whose rows are wide), for everyone and by team.
CREATE INDEX merchants_status ON merchants (status) WHERE archived_at IS NULL;
CREATE INDEX merchants_team_status ON merchants (team_id, status) WHERE archived_at IS NULL;
