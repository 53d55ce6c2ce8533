package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// SMTP is the mail server Custos hands its e-mail to, read from CUSTOS_SMTP_URL:
// smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (implicit TLS).
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	// ImplicitTLS is smtps://: TLS from the first byte.
	ImplicitTLS bool
	// RequireSTARTTLS refuses a server that does not offer STARTTLS. It is always on when there
	// are credentials, so a password never crosses the network in clear; a relay without
	// credentials gets STARTTLS when it offers it, unless ?starttls=required asks for more.
	RequireSTARTTLS bool
}

// ParseSMTPURL reads CUSTOS_SMTP_URL. Its errors never repeat the password.
func ParseSMTPURL(raw string) (SMTP, error) {
	const hint = "use smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (implicit TLS)"
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included; its cause does not.
		return SMTP{}, fmt.Errorf("malformed URL (%v); %s", errors.Unwrap(err), hint)
	}
	var s SMTP
	switch u.Scheme {
	case "smtp":
		s.Port = 587
	case "smtps":
		s.Port, s.ImplicitTLS = 465, true
	default:
		return SMTP{}, fmt.Errorf("unknown scheme %q; %s", u.Scheme, hint)
	}
	if s.Host = u.Hostname(); s.Host == "" {
		return SMTP{}, fmt.Errorf("no host; %s", hint)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTP{}, fmt.Errorf("port %q is not a number from 1 to 65535", p)
		}
		s.Port = n
	}
	if u.Path != "" && u.Path != "/" {
		return SMTP{}, fmt.Errorf("unexpected path %q; %s", u.Path, hint)
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
		if s.Username == "" || s.Password == "" {
			return SMTP{}, fmt.Errorf("give both a user name and a password, or neither; %s", hint)
		}
		s.RequireSTARTTLS = !s.ImplicitTLS
	}
	for name, values := range u.Query() {
		switch {
		case name == "starttls" && len(values) == 1 && values[0] == "required" && !s.ImplicitTLS:
			s.RequireSTARTTLS = true
		default:
			return SMTP{}, fmt.Errorf("unknown option %q (the only one is starttls=required, for smtp://)", name+"="+strings.Join(values, ","))
		}
	}
	return s, nil
}
