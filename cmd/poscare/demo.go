package main

import (
	"poscare/sqlstore"
)

// Where the demo keeps its keys and audit checkpoints on PostgreSQL,
// which has no file of its own to put them beside: in the working folder.
const (
	demoPostgresKeys        = "poscare-demo.keys"
	demoPostgresCheckpoints = "poscare-demo.audit-checkpoints"
)

// demoFiles fills in the demo's defaults: with no keys configured, a keys
// file (created the first time, readable by its owner only) beside the
// SQLite file, or poscare-demo.keys in the working folder for PostgreSQL;
// and on PostgreSQL, unless named, the audit checkpoints in
// poscare-demo.audit-checkpoints there. It returns the keys file to open
// the store with ("" for the configured keys).
func demoFiles(c config) (string, error) {
	postgres := sqlstore.DialectOf(c["db"]) == sqlstore.Postgres
	if postgres && c["audit-checkpoints"] == "" {
		c["audit-checkpoints"] = demoPostgresCheckpoints
	}
	if c["data-keys"] != "" || c["keys-file"] != "" {
		return "", nil
	}
	keys := c["db"] + ".keys"
	if postgres {
		keys = demoPostgresKeys
	}
	return keys, ensureDemoKeys(keys)
}
