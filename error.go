package poscare

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes form poscare's one error model. Adapters map them to their own
// vocabulary (HTTP status, CLI exit code) in exactly one place.
const (
	EInvalid         = "invalid"         // a field broke its rule; Fields says which
	EBadRequest      = "bad_request"     // the request itself is malformed (bad JSON, unknown field)
	ENotFound        = "not_found"       // no such record, or the actor may not know it exists
	EConflict        = "conflict"        // the record already exists or changed underneath
	EForbidden       = "forbidden"       // the actor is known but the role may not do this
	EUnauthenticated = "unauthenticated" // no valid credentials
	ETooManyRequests = "too_many_requests"
	ETooLarge        = "too_large" // the request body is over the limit
	EInternal        = "internal"  // a fault the user cannot fix; the cause stays in the logs
)

// Text is a user-facing message in both languages the product speaks.
// Chinese is the default; English is served on request.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In returns the text in the given language ("en" or anything else for zh-CN).
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.En
	}
	return t.Zh
}

// Error is the error type every domain and store function returns for
// anything a user could cause. Cause is kept for logs and never shown.
type Error struct {
	Code    string
	Message Text
	// Fields maps a field name (as in JSON) to what is wrong with it.
	Fields map[string]Text
	Cause  error
	// Msg is the catalog message Message was rendered from, when it was
	// (Fail); nil for a message written out in place.
	Msg *Msg
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	b.WriteString(": ")
	b.WriteString(e.Message.En)
	if len(e.Fields) > 0 {
		names := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			names = append(names, k)
		}
		sort.Strings(names)
		b.WriteString(" (")
		b.WriteString(strings.Join(names, ", "))
		b.WriteString(")")
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Cause }

// ErrorCode returns the code of err, EInternal for foreign errors and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Errorf builds an Error whose Chinese and English messages are formatted
// with the same arguments.
func Errorf(code string, zh, en string, args ...any) *Error {
	return &Error{Code: code, Message: Text{Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...)}}
}

// NotFound is the answer for a missing record and for a record the actor may
// not see: the two must look the same so that existence does not leak.
func NotFound(entity string) *Error {
	return Fail(ENotFound, "err.not_found", "entity", EntityName(entity))
}

// Forbidden is returned when a role may not perform an action at all.
func Forbidden() *Error {
	return Fail(EForbidden, "err.forbidden")
}

// Internal wraps an unexpected error; the message is safe to show.
func Internal(cause error) *Error {
	e := Fail(EInternal, "err.internal")
	e.Cause = cause
	return e
}

// Problems collects field errors during validation so that a user sees every
// bad field at once, not one per attempt.
type Problems map[string]Text

// Add records a problem with field. The field label is looked up in the
// field dictionary so the message names the field in both languages.
func (p Problems) Add(field string, zh, en string) {
	label := FieldLabel(field)
	p[field] = Text{Zh: label.Zh + "：" + zh, En: label.En + ": " + en}
}

// Err returns nil when there are no problems, else an EInvalid error.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	e := Fail(EInvalid, "err.invalid")
	e.Fields = map[string]Text(p)
	return e
}

// Message is err's user-safe message in a language: the Error's own text,
// or a generic one for a foreign error, whose cause stays in the logs.
func Message(err error, lang string) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message.In(lang)
	}
	return Say(lang, "err.internal")
}
