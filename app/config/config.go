// Package config reads Custos's settings from CUSTOS_* environment variables.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Config holds every setting Custos reads at start-up.
type Config struct {
	DatabaseURL     string
	Listen          string
	BaseURL         string
	DataDir         string
	SigningKeyFile  string
	OrgName         string
	SMTPURL         string
	MailFrom        string
	ContentDir      string
	SessionIdle     time.Duration
	SessionLifetime time.Duration
}

// Secure reports whether Custos is served over HTTPS, which decides cookie flags and HSTS.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// SQLitePath returns the file of an sqlite:// database URL, or "" for PostgreSQL.
func (c Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite://"); ok {
		return p
	}
	return ""
}

// Load builds a Config from getenv (os.Getenv in production). Every error names the variable
// at fault so an operator can fix it from one line.
func Load(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DataDir:    get("CUSTOS_DATA_DIR", "data"),
		Listen:     get("CUSTOS_LISTEN", "127.0.0.1:8080"),
		OrgName:    get("CUSTOS_ORG_NAME", "Custos Demo Company"),
		SMTPURL:    get("CUSTOS_SMTP_URL", ""),
		MailFrom:   get("CUSTOS_MAIL_FROM", "custos@localhost"),
		ContentDir: get("CUSTOS_CONTENT_DIR", ""),
	}
	c.DatabaseURL = get("CUSTOS_DATABASE_URL", "sqlite://"+filepath.Join(c.DataDir, "custos.db"))
	c.BaseURL = strings.TrimRight(get("CUSTOS_BASE_URL", "http://"+c.Listen), "/")
	c.SigningKeyFile = get("CUSTOS_SIGNING_KEY_FILE", filepath.Join(c.DataDir, "signing.key"))

	var errs []error
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		errs = append(errs, fmt.Errorf("CUSTOS_DATABASE_URL: %w", err))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("CUSTOS_LISTEN: %q is not host:port", c.Listen))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("CUSTOS_BASE_URL: %q is not an http:// or https:// URL", c.BaseURL))
	}
	if c.SMTPURL != "" {
		if _, err := ParseSMTPURL(c.SMTPURL); err != nil {
			errs = append(errs, fmt.Errorf("CUSTOS_SMTP_URL: %w", err))
		}
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		errs = append(errs, fmt.Errorf("CUSTOS_MAIL_FROM: %q is not an e-mail address", c.MailFrom))
	}
	var err error
	if c.SessionIdle, err = duration(get("CUSTOS_SESSION_IDLE", "30m")); err != nil {
		errs = append(errs, fmt.Errorf("CUSTOS_SESSION_IDLE: %w", err))
	}
	if c.SessionLifetime, err = duration(get("CUSTOS_SESSION_LIFETIME", "12h")); err != nil {
		errs = append(errs, fmt.Errorf("CUSTOS_SESSION_LIFETIME: %w", err))
	}
	return c, errors.Join(errs...)
}

func duration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 30m or 12h", s)
	}
	return d, nil
}

// checkDatabaseURL rejects what the drivers would choke on later (pgdriver panics on a
// malformed URL), so the operator gets one clear line instead.
func checkDatabaseURL(raw string) error {
	if p, ok := strings.CutPrefix(raw, "sqlite://"); ok {
		if p == "" {
			return errors.New("sqlite:// needs a file path, for example sqlite://data/custos.db")
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("malformed URL: %w", errors.Unwrap(err))
	}
	switch u.Scheme {
	case "postgres", "postgresql":
	default:
		return fmt.Errorf("unknown scheme %q (use sqlite://PATH or postgres://user@host/db)", u.Scheme)
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return errors.New("postgres URL needs a host, for example postgres://user@127.0.0.1:5432/custos")
	}
	switch m := u.Query().Get("sslmode"); m {
	case "", "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
	default:
		return fmt.Errorf("sslmode %q is not supported", m)
	}
	return nil
}
