package loadtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"custos/app/dbtest"
)

func loadOnly(t *testing.T) {
	t.Helper()
	if os.Getenv("CUSTOS_LOAD") == "" {
		t.Skip("load and fault measurement: set CUSTOS_LOAD=1 (and CUSTOS_TEST_DATABASE_URL) to run")
	}
	if dbtest.PostgresURL() == "" {
		t.Fatal("load and fault measurements run on PostgreSQL: set CUSTOS_TEST_DATABASE_URL")
	}
}

var buildOnce sync.Once
var binary string

// custosBinary builds ./cmd/custos once per test run.
func custosBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			t.Fatal(err)
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		binary = filepath.Join(os.TempDir(), fmt.Sprintf("custos-load-%d", os.Getpid()))
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/custos")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build custos: %v\n%s", err, out)
		}
	})
	return binary
}

// site is one Custos installation: a database schema, a data dir with the signing key shared by
// every instance, and content.
type site struct {
	t       *testing.T
	env     []string
	dataDir string
}

// quickContent is a course of lessons without a minimum reading time, and one with a lesson and
// the undertaking, so clients can complete many parts quickly.
func quickContent(t *testing.T) string {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lessons := ""
	for i := 1; i <= 20; i++ {
		lessons += fmt.Sprintf("\n[[lesson]]\nfile = \"l%02d\"\n", i)
		write(fmt.Sprintf("courses/drill/lessons/l%02d.en.md", i), fmt.Sprintf("# Lesson %d\n\nText.\n", i))
		write(fmt.Sprintf("courses/drill/lessons/l%02d.zh-Hans.md", i), fmt.Sprintf("# 第 %d 课\n\n内容。\n", i))
	}
	write("courses/drill/course.toml", "title = { en = \"Drill\", zh-Hans = \"演练\" }\nsummary = { en = \"Many lessons.\", zh-Hans = \"多课。\" }\n"+
		"recurrence = \"P12M\"\nwindow_days = 30\nscope = { departments = [], roles = [] }\ncontrols = [\"ISO27001-A.6.3\"]\n"+lessons)
	write("courses/pledge/course.toml", "title = { en = \"Pledge\", zh-Hans = \"承诺\" }\nsummary = { en = \"Read and sign.\", zh-Hans = \"阅读并签署。\" }\n"+
		"recurrence = \"P12M\"\nwindow_days = 30\nscope = { departments = [], roles = [] }\nundertaking = \"confidentiality\"\ncontrols = [\"ISO27001-A.6.6\"]\n\n[[lesson]]\nfile = \"l01\"\n")
	write("courses/pledge/lessons/l01.en.md", "# Before you sign\n\nRead the undertaking.\n")
	write("courses/pledge/lessons/l01.zh-Hans.md", "# 签署之前\n\n请阅读承诺书。\n")
	return dir
}

// newSite is an empty PostgreSQL schema and data folder for custos processes, with the built-in
// courses and those of contentDir when it is not "".
func newSite(t *testing.T, contentDir string) *site {
	s := &site{t: t, dataDir: t.TempDir()}
	s.env = append(os.Environ(),
		"CUSTOS_DATABASE_URL="+dbtest.PostgresSchemaURL(t),
		"CUSTOS_DATA_DIR="+s.dataDir,
		"CUSTOS_SIGNING_KEY_FILE="+filepath.Join(s.dataDir, "signing.key"),
	)
	if contentDir != "" {
		s.env = append(s.env, "CUSTOS_CONTENT_DIR="+contentDir)
	}
	return s
}

// run runs a custos command to completion.
func (s *site) run(stdin string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command(custosBinary(s.t), args...)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("custos %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// people adds n employees with the demo password and assigns their training.
func (s *site) people(n int) []string {
	emails := s.importPeople("load", n)
	for _, e := range emails {
		s.run("custos-load-password\n", "user", "add", "--email", e, "--password-stdin")
	}
	s.run("", "assign")
	return emails
}

// crowd adds n employees spread over four departments, who never sign in, and assigns their
// training.
func (s *site) crowd(n int) {
	s.importPeople("crowd", n)
	s.run("", "assign")
}

func (s *site) importPeople(prefix string, n int) []string {
	departments := []string{"Customer Service", "Sales", "Engineering", "Finance"}
	var emails []string
	var csv strings.Builder
	csv.WriteString("email,name,department\n")
	for i := range n {
		e := fmt.Sprintf("%s%05d@example.com", prefix, i)
		emails = append(emails, e)
		fmt.Fprintf(&csv, "%s,Load Person %d,%s\n", e, i, departments[i%len(departments)])
	}
	file := filepath.Join(s.t.TempDir(), "people.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		s.t.Fatal(err)
	}
	s.run("", "users", "import", file)
	return emails
}

// instance is one running custos serve.
type instance struct {
	cmd  *exec.Cmd
	addr string
}

func (s *site) start() *instance {
	s.t.Helper()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(custosBinary(s.t), "serve")
	cmd.Env = append(s.env, "CUSTOS_LISTEN="+addr)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	in := &instance{cmd: cmd, addr: addr}
	s.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if !in.waitReady(60 * time.Second) {
		s.t.Fatal("custos serve did not become ready")
	}
	return in
}

func (in *instance) waitReady(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + in.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// client is a signed-in browser against one instance.
type client struct {
	http *http.Client
	base string
	csrf string
}

var (
	csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)
	timer     = regexp.MustCompile(`name="opened" value="(\d+)">\s*<input type="hidden" name="sig" value="([0-9a-f]+)"`)
	version   = regexp.MustCompile(`name="version" value="([0-9a-f]+)"`)
)

func signIn(base, email string) (*client, error) {
	jar, _ := cookiejar.New(nil)
	c := &client{base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if _, _, err := c.get("/login"); err != nil {
		return nil, err
	}
	status, err := c.post("/login", url.Values{"email": {email}, "password": {"custos-load-password"}})
	if err != nil || status != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in %s: %d %v", email, status, err)
	}
	_, _, err = c.get("/")
	return c, err
}

// switchTo points the client at another instance: sessions live in the database.
func (c *client) switchTo(base string) {
	u, _ := url.Parse(c.base)
	cookies := c.http.Jar.Cookies(u)
	c.base = base
	nu, _ := url.Parse(base)
	c.http.Jar.SetCookies(nu, cookies)
}

func (c *client) get(path string) (int, string, error) {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(data); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, string(data), nil
}

func (c *client) post(path string, form url.Values) (int, error) {
	form.Set("_csrf", c.csrf)
	resp, err := c.http.PostForm(c.base+path, form)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// readLesson completes lesson n of the drill; ok is true only when the server acknowledged it.
func (c *client) readLesson(slug string, n int) (bool, error) {
	path := fmt.Sprintf("/courses/%s/lessons/%d", slug, n)
	status, page, err := c.get(path)
	if err != nil || status != 200 {
		return false, fmt.Errorf("%s: %d %v", path, status, err)
	}
	m := timer.FindStringSubmatch(page)
	if m == nil {
		return false, nil // read before
	}
	status, err = c.post(path, url.Values{"opened": {m[1]}, "sig": {m[2]}})
	return status == http.StatusSeeOther, err
}

// sign signs the pledge course's undertaking as name.
func (c *client) sign(name string) (bool, error) {
	status, page, err := c.get("/courses/pledge/sign")
	if err != nil || status != 200 {
		return false, fmt.Errorf("sign page: %d %v", status, err)
	}
	m := version.FindStringSubmatch(page)
	if m == nil {
		return false, fmt.Errorf("no signing form")
	}
	status, err = c.post("/courses/pledge/sign", url.Values{"version": {m[1]}, "agree": {"1"}, "full_name": {name}})
	return status == http.StatusSeeOther, err
}

func ctxTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
