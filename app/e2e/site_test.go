package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"custos/app"
	"custos/app/apptest"
	"custos/app/certs"
	"custos/app/config"
	"custos/app/db"
	"custos/app/demo"
	"custos/app/people"
	"custos/locales"
)

// site is one Custos with the demo company, served on a loopback port, whose pages see a clock
// the test moves: lesson reading times and quiz cool-downs are measured on the server's clock.
type site struct {
	env   *apptest.Env
	base  string         // http://127.0.0.1:port, also the base URL printed in QR codes
	clock *apptest.Clock // stands still until the test advances it
}

// newSite starts Custos on SQLite with the demo company, on a copy of the demo database.
func newSite(t *testing.T) *site {
	t.Helper()
	dir := t.TempDir()
	dbFile, keyFile := filepath.Join(dir, "custos.db"), filepath.Join(dir, "signing.key")
	copyDemo(t, dbFile, keyFile)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	env := apptest.New(t, "sqlite://"+dbFile, func(c *config.Config) {
		c.Listen, c.BaseURL, c.SigningKeyFile = ln.Addr().String(), base, keyFile
	})
	clk := apptest.NewClock(env.App.Now())
	env.Server.Now = clk.Now
	served := make(chan error, 1)
	go func() { served <- env.Server.Fiber.Listener(ln) }()
	t.Cleanup(func() {
		env.Server.Fiber.ShutdownWithTimeout(5 * time.Second)
		<-served
	})
	return &site{env: env, base: base, clock: clk}
}

// The demo company is loaded once, through the real pages, into a SQLite file that every site
// copies with the signing key that signed its records: loading takes seconds, a copy
// milliseconds, and each journey still starts from the same untouched company.
var demoFiles struct {
	once    sync.Once
	dir     string
	db, key string
	err     error
}

func copyDemo(t *testing.T, dbFile, keyFile string) {
	t.Helper()
	demoFiles.once.Do(loadDemo)
	if demoFiles.err != nil {
		t.Fatalf("load the demo company: %v", demoFiles.err)
	}
	for src, dst := range map[string]string{demoFiles.db: dbFile, demoFiles.key: keyFile} {
		data, err := os.ReadFile(src)
		if err == nil {
			err = os.WriteFile(dst, data, 0o600)
		}
		if err != nil {
			t.Fatalf("copy the demo company: %v", err)
		}
	}
}

func loadDemo() {
	d := &demoFiles
	if d.dir, d.err = os.MkdirTemp("", "custos-e2e-demo-"); d.err != nil {
		return
	}
	d.db, d.key = filepath.Join(d.dir, "custos.db"), filepath.Join(d.dir, "signing.key")
	cfg, err := config.Load(func(name string) string {
		if name == "CUSTOS_DATA_DIR" {
			return d.dir
		}
		return ""
	})
	if err != nil {
		d.err = err
		return
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		d.err = err
		return
	}
	// Closing the database folds SQLite's write-ahead log into the file that is copied.
	defer func() {
		if err := a.Close(); err != nil && d.err == nil {
			d.err = err
		}
	}()
	if _, d.err = db.Migrate(ctx, a.DB); d.err != nil {
		return
	}
	_, d.err = demo.Load(ctx, a)
}

// person returns the demo person with that address.
func (s *site) person(t testing.TB, email string) *people.Person {
	t.Helper()
	p, err := people.ByEmail(context.Background(), s.env.DB(), email)
	if err != nil {
		t.Fatalf("person %s: %v", email, err)
	}
	return p
}

// certificates returns the person's certificates for the course, newest first.
func (s *site) certificates(t testing.TB, email, course string) []certs.Certificate {
	t.Helper()
	var list []certs.Certificate
	err := s.env.DB().NewSelect().Model(&list).ExcludeColumn("pdf").
		Where("person_id = ?", s.person(t, email).ID).Where("course = ?", course).
		Order("id DESC").Scan(context.Background())
	if err != nil {
		t.Fatalf("certificates of %s: %v", email, err)
	}
	return list
}

// T translates a message as the pages do.
func (s *site) T(lang string) *locales.Localizer { return s.env.App.I18n.For(lang) }
