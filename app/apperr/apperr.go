// Package apperr is Custos's one error type: a code that decides the HTTP status and a message
// key that the person reads in their language.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error; the server maps each code to one HTTP status.
type Code string

// The codes an error can carry.
const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	TooMany      Code = "too_many"
	TooLarge     Code = "too_large"
	Internal     Code = "internal"
)

// Error is an error a person can be shown: Key names a message in locales/, Args fill it in.
type Error struct {
	Code Code
	Key  string
	Args map[string]any
	Err  error // the cause, kept for logs; never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s %v: %v", e.Code, e.Key, e.Args, e.Err)
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Key, e.Args)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the given code and message key; args come in name, value pairs.
func New(code Code, key string, args ...any) *Error {
	e := &Error{Code: code, Key: key}
	if len(args) > 0 {
		e.Args = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			e.Args[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	return e
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// List is several errors a person should see at once, such as every bad row of an import.
type List []*Error

func (l List) Error() string {
	msg := fmt.Sprintf("%d problems", len(l))
	for _, e := range l {
		msg += "; " + e.Error()
	}
	return msg
}
