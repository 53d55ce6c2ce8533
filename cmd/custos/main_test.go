package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custos/app/dbtest"
)

// result is what a command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runWith runs custos in-process with env as its whole environment.
func runWith(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	return runCtx(t, context.Background(), env, stdin, args...)
}

func runCtx(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(command{args: args, getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(stdin),
		stdout: &out, stderr: &errOut, ctx: ctx})
	return result{code, out.String(), errOut.String()}
}

// testEnv points custos at a fresh SQLite database and data dir.
func testEnv(t *testing.T) map[string]string {
	dir := t.TempDir()
	return map[string]string{"CUSTOS_DATA_DIR": dir, "CUSTOS_DATABASE_URL": "sqlite://" + filepath.Join(dir, "custos.db")}
}

// eachDatabase runs f with an environment on SQLite and, when configured, PostgreSQL.
func eachDatabase(t *testing.T, f func(t *testing.T, env map[string]string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, testEnv(t)) })
	if dbtest.PostgresURL() != "" {
		t.Run("postgres", func(t *testing.T) {
			env := testEnv(t)
			env["CUSTOS_DATABASE_URL"] = dbtest.PostgresSchemaURL(t)
			f(t, env)
		})
	}
}

func oneLineNaming(t *testing.T, r result, want ...string) {
	t.Helper()
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1]
	for _, w := range want {
		if !strings.Contains(last, w) {
			t.Errorf("error line %q does not mention %q", last, w)
		}
	}
	if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stderr shows a panic: %s", r.stderr)
	}
}

func TestWrongUsageExitsTwoWithHelp(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"serve", "--bogus"}, {"user", "add"}, {"users", "import"}, {"migrate", "sideways"}} {
		r := runWith(t, testEnv(t), "", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "Usage:") {
			t.Errorf("custos %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestBadConfigurationIsOneClearLine(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, []byte("x"), 0o600)
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"unknown scheme", map[string]string{"CUSTOS_DATABASE_URL": "mysql://root@localhost/x"}, []string{"CUSTOS_DATABASE_URL", "mysql"}},
		{"malformed URL", map[string]string{"CUSTOS_DATABASE_URL": "postgres://%zz"}, []string{"CUSTOS_DATABASE_URL", "malformed"}},
		{"unsupported sslmode", map[string]string{"CUSTOS_DATABASE_URL": "postgres://u@h/db?sslmode=sometimes"}, []string{"CUSTOS_DATABASE_URL", "sslmode"}},
		{"database down", map[string]string{"CUSTOS_DATABASE_URL": "postgres://u@127.0.0.1:1/db?sslmode=disable&dial_timeout=1s"}, []string{"CUSTOS_DATABASE_URL", "not reachable"}},
		{"unwritable data dir", map[string]string{"CUSTOS_DATA_DIR": filepath.Join(notADir, "data")}, []string{"CUSTOS_DATA_DIR"}},
		{"bad listen address", map[string]string{"CUSTOS_LISTEN": "nowhere"}, []string{"CUSTOS_LISTEN"}},
		{"bad session timeout", map[string]string{"CUSTOS_SESSION_IDLE": "soon"}, []string{"CUSTOS_SESSION_IDLE"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t)
			for k, v := range tc.env {
				env[k] = v
			}
			oneLineNaming(t, runWith(t, env, "", "migrate"), tc.want...)
		})
	}
}

func TestUserAddCreatesThenUpdatesAndSetsAPassword(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		r := runWith(t, env, "a long enough password\n", "user", "add", "--email", "Zhang.Wei@Example.com", "--name", "张伟",
			"--role", "manager", "--department", "Sales", "--locale", "zh-Hans", "--password-stdin")
		if r.code != 0 || !strings.Contains(r.stdout, "Added 张伟 <zhang.wei@example.com> (manager)") {
			t.Fatalf("add: exit %d, out %q, err %q", r.code, r.stdout, r.stderr)
		}
		r = runWith(t, env, "", "user", "add", "--email", "zhang.wei@example.com", "--role", "admin")
		if r.code != 0 || !strings.Contains(r.stdout, "Updated 张伟 <zhang.wei@example.com> (admin)") {
			t.Fatalf("update: exit %d, out %q, err %q", r.code, r.stdout, r.stderr)
		}
		r = runWith(t, env, "", "audit", "verify")
		if r.code != 0 || !strings.Contains(r.stdout, "2 entries") {
			t.Fatalf("audit after two changes: %+v", r)
		}
	})
}

func TestUserAddRefusesBadInputWithoutWriting(t *testing.T) {
	env := testEnv(t)
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"unknown role", "", []string{"--email", "a@example.com", "--name", "A", "--role", "boss"}, "not a role"},
		{"unknown locale", "", []string{"--email", "a@example.com", "--name", "A", "--locale", "fr"}, "not a supported language"},
		{"name of 10,000 characters", "", []string{"--email", "a@example.com", "--name", strings.Repeat("x", 10000)}, "longer than 200"},
		{"new person without a name", "", []string{"--email", "a@example.com"}, "--name is required"},
		{"short password", "short\n", []string{"--email", "a@example.com", "--name", "A", "--password-stdin"}, "at least 10"},
		{"bad hire date", "", []string{"--email", "a@example.com", "--name", "A", "--hired", "yesterday"}, "--hired"},
		{"unknown manager", "", []string{"--email", "a@example.com", "--name", "A", "--manager", "ghost@example.com"}, "ghost@example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			oneLineNaming(t, runWith(t, env, tc.stdin, append([]string{"user", "add"}, tc.args...)...), tc.want)
		})
	}
	r := runWith(t, env, "", "audit", "verify")
	if !strings.Contains(r.stdout, "0 entries") {
		t.Fatalf("refused commands left audit entries: %q", r.stdout)
	}
}

func TestUsersImportReportsBadLinesAndImportsNothing(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		dir := t.TempDir()
		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte("email,name,role\r\ngood@example.com,Good,employee\r\nbad@example.com,Bad,boss\r\n,Nobody,employee\r\n"), 0o600)
		r := runWith(t, env, "", "users", "import", bad)
		if r.code != 1 || !strings.Contains(r.stderr, "Line 3:") || !strings.Contains(r.stderr, "Line 4:") ||
			!strings.Contains(r.stderr, "nothing imported: 2 problem(s)") {
			t.Fatalf("bad import: exit %d, stderr %q", r.code, r.stderr)
		}
		good := filepath.Join(dir, "good.csv")
		os.WriteFile(good, []byte("\ufeffemail,name,manager_email\nboss@example.com,Boss,\nstaff@example.com,José O'Brien,boss@example.com\n"), 0o600)
		r = runWith(t, env, "", "users", "import", good)
		if r.code != 0 || !strings.Contains(r.stdout, "2 added, 0 updated, 0 unchanged") {
			t.Fatalf("good import: exit %d, out %q, err %q", r.code, r.stdout, r.stderr)
		}
		r = runWith(t, env, "", "users", "import", good)
		if r.code != 0 || !strings.Contains(r.stdout, "0 added, 0 updated, 2 unchanged") {
			t.Fatalf("re-import: exit %d, out %q", r.code, r.stdout)
		}
	})
}

func TestUsersImportRefusesAHugeFile(t *testing.T) {
	env := testEnv(t)
	big := filepath.Join(t.TempDir(), "big.csv")
	f, _ := os.Create(big)
	f.Truncate(50 << 20)
	f.Close()
	oneLineNaming(t, runWith(t, env, "", "users", "import", big), "at most 20 MB")
}

func TestMigrateStatusListsEveryMigrationAsApplied(t *testing.T) {
	env := testEnv(t)
	if r := runWith(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %+v", r)
	}
	r := runWith(t, env, "", "migrate", "status")
	if r.code != 0 || !strings.Contains(r.stdout, "0001_people") || strings.Contains(r.stdout, "pending") {
		t.Fatalf("status: %+v", r)
	}
}

func TestServeWithDemoAnswersAndShutsDownGracefully(t *testing.T) {
	env := testEnv(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	env["CUSTOS_LISTEN"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() { done <- runCtx(t, ctx, env, "", "serve", "--demo") }()

	var resp *http.Response
	var err error
	for i := 0; i < 600; i++ { // up to a minute: the demo story runs first, on a busy machine slowly
		if resp, err = http.Get(fmt.Sprintf("http://%s/readyz", addr)); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server never answered: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/readyz: %d", resp.StatusCode)
	}
	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case r := <-done:
		if r.code != 0 {
			t.Fatalf("serve exited %d: %s", r.code, r.stderr)
		}
		for _, want := range []string{"Custos is running at http://" + addr, "admin@example.com", "custos-demo", "张伟"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("serve --demo output lacks %q:\n%s", want, r.stdout)
			}
		}
	case <-time.After(90 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
}

func TestDemoIsIdempotent(t *testing.T) {
	env := testEnv(t)
	first := runWith(t, env, "", "demo")
	second := runWith(t, env, "", "demo")
	if first.code != 0 || second.code != 0 || strings.Contains(second.stdout, "loaded") || !strings.Contains(first.stdout, "loaded") {
		t.Fatalf("demo twice:\n%s\n%s", first.stdout, second.stdout)
	}
}
