package auth_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"custos/app/apptest"
	"custos/app/config"
	"custos/app/dbtest"
	"custos/app/people"
)

// syncBuffer is a log destination that requests served on other goroutines may write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestNewlinesInWhatVisitorsSendCannotForgeLogLines(t *testing.T) {
	env := apptest.New(t, dbtest.SQLiteURL(t))
	var logs syncBuffer
	env.Server.Log = slog.New(slog.NewTextHandler(&logs, nil))
	env.App.Log = env.Server.Log
	const forged = "level=ERROR msg=forged"
	evil := "mallory@example.com\n" + forged

	c := env.Client()
	c.Get(t, "/login")
	r := login(t, c, evil, "wrong password")
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("sign-in answered %d", r.Status)
	}
	c.Get(t, "/nowhere%0A"+strings.ReplaceAll(forged, " ", "%20"))
	req, _ := http.NewRequest(http.MethodGet, "http://custos.test/login", nil)
	req.Header.Set("X-Request-ID", "abc "+forged)
	c.Do(t, req)

	lines := strings.Split(strings.TrimRight(logs.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("4 requests wrote %d log lines:\n%s", len(lines), logs.String())
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "time=") || !strings.Contains(line, " level=INFO msg=request ") {
			t.Errorf("log line does not look like one of Custos's request lines: %q", line)
		}
	}

	// The audit record keeps the address exactly as typed, newline and all, in escaped JSON.
	got := env.AuditEntries(t, "signin.failure")
	if len(got) != 1 || got[0].Subject != "email:"+strings.ToLower(evil) {
		t.Fatalf("audit holds %+v, want the attempt with the address as typed", got)
	}
	var record string
	if err := env.DB().NewRaw("SELECT record FROM audit_log WHERE action = 'signin.failure'").Scan(context.Background(), &record); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(record, "\n\r") || !strings.Contains(record, `\n`) {
		t.Errorf("the stored record does not escape the newline: %q", record)
	}
}

func TestTwoInstancesOnOneDatabaseShareSessionsAndAudit(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("needs CUSTOS_TEST_DATABASE_URL: two instances share PostgreSQL, not an SQLite file")
	}
	url := dbtest.PostgresSchemaURL(t)
	keyFile := filepath.Join(t.TempDir(), "signing.key")
	shared := func(c *config.Config) { c.SigningKeyFile = keyFile } // every instance gets the same key
	one, two := apptest.New(t, url, shared), apptest.New(t, url, shared)
	person(t, one, "li.wei@example.com", "Li Wei", people.Employee)

	c := one.Client()
	c.SignIn(t, "li.wei@example.com", apptest.Password)
	token := c.Cookie(cookie)
	onTwo := withCookie(two, cookie, token)
	if who := signedInAs(t, onTwo); who != "Li Wei" {
		t.Fatalf("the session started on instance one shows %q on instance two", who)
	}
	// Sign out on instance two; instance one must not honour the cookie any more.
	if r := onTwo.Post(t, "/logout", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("sign-out on instance two answered %d", r.Status)
	}
	if who := signedInAs(t, withCookie(one, cookie, token)); who != "" {
		t.Errorf("instance one still honours a session ended on instance two (shows %q)", who)
	}
	one.VerifyAudit(t)
}

func TestOddBytesInASignInAttemptLeaveTheAuditLogVerifiable(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		c := env.Client()
		c.Get(t, "/login")
		for _, email := range []string{"a\xff@example.com", "\xc3\x28\xfe@example.com", "line\nbreak@example.com"} {
			if r := login(t, c, email, "a guess"); r.Status != http.StatusUnauthorized {
				t.Errorf("sign-in as %q answered %d, want 401", email, r.Status)
			}
		}
		if got := len(env.AuditEntries(t, "signin.failure")); got != 3 {
			t.Errorf("audit holds %d signin.failure entries, want 3", got)
		}
		env.VerifyAudit(t)
	})
}
