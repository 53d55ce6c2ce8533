// Package auth signs people in and out: argon2id passwords, server-side sessions kept in the
// database, CSRF tokens tied to the session, and sign-in throttling shared by every instance.
package auth

import (
	"fmt"
	"runtime"

	"github.com/alexedwards/argon2id"
)

// passwordParams follow OWASP's argon2id guidance (19 MiB, two passes): strong, yet cheap enough
// that a burst of sign-ins does not exhaust a small server's memory.
var passwordParams = &argon2id.Params{
	Memory:      19 * 1024,
	Iterations:  2,
	Parallelism: uint8(min(runtime.NumCPU(), 4)),
	SaltLength:  16,
	KeyLength:   32,
}

// MinPasswordLen is the shortest password Custos accepts.
const MinPasswordLen = 10

// HashPassword returns the argon2id hash of password, with its parameters and salt.
func HashPassword(password string) (string, error) {
	h, err := argon2id.CreateHash(password, passwordParams)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// dummyHash is compared against when the e-mail address is unknown, so an unknown address
// takes as long to refuse as a wrong password.
var dummyHash, _ = argon2id.CreateHash("custos-no-such-person", passwordParams)

// CheckPassword reports whether password matches hash. An empty hash (a person imported without
// a password) never matches, but costs the same time.
func CheckPassword(password, hash string) bool {
	if hash == "" {
		hash = dummyHash
		password += "\x00never"
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}
