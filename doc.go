// Package poscare is the domain core of the poscare platform: the records a
// POS payment service provider keeps (staff, merchants, contacts, terminals,
// onboarding applications, contracts), the rules that keep them valid, who may
// see and change them, and the audit trail that proves every step.
//
// It imports no database, HTTP or template code. Storage, the JSON API, the
// console and the command line are adapters in sibling packages that call into
// it, so a reader finds every business rule here, in plain Go.
package poscare
