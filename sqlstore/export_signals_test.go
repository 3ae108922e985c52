package sqlstore

// UncountedSignals are the registered silence signals storage loads no
// count of.
func UncountedSignals() []string { return uncountedSignals() }
