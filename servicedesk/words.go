package servicedesk

import "poscare"

// The words of the desk's values, from the catalog.

// Name is the kind in words.
func (k Kind) Name() poscare.Msg { return poscare.M("sd.kind." + string(k)) }

// Name is the priority in words.
func (p Priority) Name() poscare.Msg { return poscare.M("sd.priority." + string(p)) }

// Name is the channel in words.
func (c Channel) Name() poscare.Msg { return poscare.M("sd.channel." + string(c)) }

// Name is the status in words.
func (s Status) Name() poscare.Msg { return poscare.M("sd.status." + string(s)) }

// Name is the clock in words.
func (c Clock) Name() poscare.Msg { return poscare.M("sd.clock." + string(c)) }

// Name is the root cause in words.
func (c Cause) Name() poscare.Msg { return poscare.M("sd.cause." + string(c)) }

// EscalationLine is the ticket history's line for a rung that fired:
// which clock, and who was told (a name, or ops).
func EscalationLine(level Level, clock Clock, to poscare.Msg) poscare.Msg {
	switch level {
	case LevelWarn:
		return poscare.M("sd.event.warn", "clock", clock.Name(), "to", to)
	case LevelBackup:
		return poscare.M("sd.event.backup", "clock", clock.Name(), "to", to)
	case LevelLead:
		return poscare.M("sd.event.lead", "clock", clock.Name(), "to", to)
	}
	return poscare.M("sd.event.ops", "clock", clock.Name(), "to", to)
}

// EscalationAlert is the message a rung sends: its subject and body.
func EscalationAlert(level Level, clock Clock, t *Ticket, merchant string) (subject, body poscare.Msg) {
	args := []any{"ref", t.Ref, "clock", clock.Name(), "merchant", merchant, "subject", t.Subject}
	switch level {
	case LevelWarn:
		return poscare.M("sd.alert.warn.subject", args...), poscare.M("sd.alert.warn.body", args...)
	case LevelBackup:
		return poscare.M("sd.alert.backup.subject", args...), poscare.M("sd.alert.backup.body", args...)
	case LevelLead:
		return poscare.M("sd.alert.lead.subject", args...), poscare.M("sd.alert.lead.body", args...)
	}
	return poscare.M("sd.alert.ops.subject", args...), poscare.M("sd.alert.ops.body", args...)
}

// Recipient names who a rung told: a person by name, or ops.
func RecipientName(name string) poscare.Msg {
	if name == "" {
		return poscare.M("sd.event.to_ops")
	}
	return poscare.M("sd.event.to_person", "name", name)
}
