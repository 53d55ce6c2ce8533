package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/uptrace/bun"
	"golang.org/x/term"

	"custos/app"
	"custos/app/admin"
	"custos/app/api"
	"custos/app/attest"
	"custos/app/audit"
	"custos/app/auth"
	"custos/app/config"
	"custos/app/db"
	"custos/app/demo"
	"custos/app/evidence"
	"custos/app/notify"
	"custos/app/people"
	"custos/app/training"
)

// openApp reads the configuration and opens the App; the caller closes it.
func openApp(cmd command) (*app.App, error) {
	cfg, err := config.Load(cmd.getenv)
	if err != nil {
		return nil, err
	}
	return app.Open(cmd.ctx, cfg, logger(cmd.stderr))
}

// openMigrated opens the App and applies pending migrations, as every command that uses the
// database needs the current schema.
func openMigrated(cmd command) (*app.App, error) {
	a, err := openApp(cmd)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(cmd.ctx, a.DB); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func serve(cmd command, args []string) error {
	var withDemo bool
	fs, err := flags("serve", args, func(fs *flag.FlagSet) { fs.BoolVar(&withDemo, "demo", false, "load the demo company first") })
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("serve: unexpected %q", fs.Arg(0))
	}
	a, err := openMigrated(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	if withDemo {
		if err := loadDemo(cmd, a); err != nil {
			return err
		}
	}
	s, err := a.Server()
	if err != nil {
		return err
	}
	sender, err := notify.NewSender(a.Notify())
	if err != nil {
		return err
	}
	// The background work stops before serve returns, so nothing writes to the database or
	// the log after the process says it is done.
	ctx, cancel := context.WithCancel(cmd.ctx)
	var background sync.WaitGroup
	background.Go(func() { a.Housekeeping(ctx) })
	background.Go(func() { sender.Run(ctx) })
	defer background.Wait()
	defer cancel()

	listenErr := make(chan error, 1)
	go func() { listenErr <- s.Fiber.Listen(a.Config.Listen) }()
	fmt.Fprintf(cmd.stdout, "Custos is running at %s/ (press Ctrl+C to stop)\n", a.Config.BaseURL)
	select {
	case err := <-listenErr:
		return fmt.Errorf("CUSTOS_LISTEN: %w", err)
	case <-cmd.ctx.Done():
	}
	a.Log.Info("shutting down: finishing requests in flight")
	if err := s.Fiber.ShutdownWithTimeout(30 * time.Second); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

func demoCmd(cmd command, args []string) error {
	if len(args) > 0 {
		return usageErr("demo takes no arguments")
	}
	a, err := openMigrated(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	return loadDemo(cmd, a)
}

func loadDemo(cmd command, a *app.App) error {
	n, err := demo.Load(cmd.ctx, a)
	if err != nil {
		return fmt.Errorf("load demo company: %w", err)
	}
	if n > 0 {
		fmt.Fprintf(cmd.stdout, "Demo company loaded (%d people).\n", n)
	}
	fmt.Fprintf(cmd.stdout, "Sign in at %s/login with password %q as:\n", a.Config.BaseURL, demo.Password)
	for _, s := range demo.SignIns() {
		fmt.Fprintf(cmd.stdout, "  %-9s %-24s %s\n", s.Role, s.Email, s.Name)
	}
	return nil
}

func migrateCmd(cmd command, args []string) error {
	if len(args) > 1 || (len(args) == 1 && args[0] != "status") {
		return usageErr("migrate: expected 'migrate' or 'migrate status'")
	}
	a, err := openApp(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	if len(args) == 1 {
		status, err := db.Status(cmd.ctx, a.DB)
		if err != nil {
			return err
		}
		for _, m := range status {
			state := "pending"
			if !m.AppliedAt.IsZero() {
				state = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(cmd.stdout, "%-32s %s\n", m.Version, state)
		}
		return nil
	}
	applied, err := db.Migrate(cmd.ctx, a.DB)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.stdout, "%d migrations applied.\n", len(applied))
	return nil
}

func userAdd(cmd command, args []string) error {
	var email, name, role, manager, dept, locale, tz, hired, left string
	var pwStdin bool
	fs, err := flags("user add", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "e-mail address (required)")
		fs.StringVar(&name, "name", "", "full name")
		fs.StringVar(&role, "role", "", "employee, manager, auditor or admin")
		fs.StringVar(&manager, "manager", "", "manager's e-mail address")
		fs.StringVar(&dept, "department", "", "department")
		fs.StringVar(&locale, "locale", "", "en or zh-Hans")
		fs.StringVar(&tz, "time-zone", "", "time zone, such as Asia/Shanghai")
		fs.StringVar(&hired, "hired", "", "hire date YYYY-MM-DD")
		fs.StringVar(&left, "left", "", "leave date YYYY-MM-DD")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input")
	})
	if err != nil {
		return err
	}
	if email == "" || fs.NArg() > 0 {
		return usageErr("user add: --email is required")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	ch := people.Change{Email: email}
	for flagName, dst := range map[string]**string{"name": &ch.Name, "department": &ch.Department,
		"manager": &ch.Manager, "locale": &ch.Locale, "time-zone": &ch.TimeZone} {
		if set[flagName] {
			v := fs.Lookup(flagName).Value.String()
			*dst = &v
		}
	}
	if set["role"] {
		r := people.Role(role)
		ch.Role = &r
	}
	for flagName, dst := range map[string]**people.Date{"hired": &ch.HiredOn, "left": &ch.LeftOn} {
		if set[flagName] {
			d, err := people.ParseDate(fs.Lookup(flagName).Value.String())
			if err != nil {
				return fmt.Errorf("--%s: %w", flagName, err)
			}
			*dst = &d
		}
	}
	var hash string
	if pwStdin {
		if hash, err = readPassword(cmd.stdin); err != nil {
			return err
		}
	}

	a, err := openMigrated(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	en := a.I18n.For("en")
	var p *people.Person
	var created bool
	err = a.DB.RunInTx(cmd.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := people.ByEmail(ctx, tx, email); err != nil && !set["name"] {
			return errors.New("--name is required for a new person")
		}
		var changed bool
		var err error
		if p, created, changed, err = people.Save(ctx, tx, ch, a.Now()); err != nil {
			return err
		}
		if hash != "" {
			if err := people.SetPassword(ctx, tx, p.ID, hash, a.Now()); err != nil {
				return err
			}
			changed = true
		}
		if !p.Current(a.Now()) {
			if err := auth.EndSessions(ctx, tx, p.ID); err != nil {
				return err
			}
		}
		if !changed {
			return nil
		}
		action := map[bool]string{true: "person.create", false: "person.update"}[created]
		return a.Audit.Append(ctx, tx, audit.Entry{At: a.Now(), Actor: "cli", Action: action, Subject: people.Subject(p.ID),
			Details: map[string]string{"email": p.Email, "role": string(p.Role), "password_set": strconv.FormatBool(hash != "")}})
	})
	if e, ok := apperrMessage(err, en.TMap); ok {
		return errors.New(e)
	}
	if err != nil {
		return err
	}
	verb := map[bool]string{true: "Added", false: "Updated"}[created]
	fmt.Fprintf(cmd.stdout, "%s %s <%s> (%s).\n", verb, p.Name, p.Email, p.Role)
	return nil
}

// readPassword reads one line from standard input and hashes it.
func readPassword(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(string(data), "\r\n")
	if len([]rune(pw)) < auth.MinPasswordLen {
		return "", fmt.Errorf("the password must have at least %d characters", auth.MinPasswordLen)
	}
	return auth.HashPassword(pw)
}

func usersImport(cmd command, args []string) error {
	if len(args) != 1 {
		return usageErr("users import: expected one FILE.csv")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return fmt.Errorf("open import: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > people.MaxImportBytes {
		return fmt.Errorf("%s is %.1f MB; an import may be at most %d MB", args[0], float64(st.Size())/(1<<20), people.MaxImportBytes>>20)
	}
	a, err := openMigrated(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	en := a.I18n.For("en")
	rows, err := people.ReadCSV(f)
	if err != nil {
		return importFailure(cmd, err, en.TMap, en.T)
	}
	bar := cmd.progress(2*len(rows), "importing")
	var res people.ImportResult
	err = a.DB.RunInTx(cmd.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var touched []*people.Person
		var err error
		res, touched, err = people.ImportTx(ctx, tx, rows, a.Now(), func(done, _ int) { bar.Set(done) })
		if err != nil {
			return err
		}
		for _, p := range touched {
			if !p.Current(a.Now()) {
				if err := auth.EndSessions(ctx, tx, p.ID); err != nil {
					return err
				}
			}
			if err := a.Audit.Append(ctx, tx, audit.Entry{At: a.Now(), Actor: "cli", Action: "person.import",
				Subject: people.Subject(p.ID), Details: map[string]string{"email": p.Email, "role": string(p.Role)}}); err != nil {
				return err
			}
		}
		return a.Audit.Append(ctx, tx, audit.Entry{At: a.Now(), Actor: "cli", Action: "people.import", Subject: "people",
			Details: map[string]string{"file": args[0], "created": strconv.Itoa(res.Created), "updated": strconv.Itoa(res.Updated)}})
	})
	bar.Finish()
	if err != nil {
		return importFailure(cmd, err, en.TMap, en.T)
	}
	fmt.Fprintf(cmd.stdout, "Imported %s: %d added, %d updated, %d unchanged.\n", args[0], res.Created, res.Updated, res.Unchanged)
	return nil
}

// importFailure prints every bad line on standard error, then fails with a one-line summary.
func importFailure(cmd command, err error, tmap func(string, map[string]any) string, t func(string, ...any) string) error {
	msgs := admin.ImportMessages(err, tmap, t)
	if msgs == nil {
		return err
	}
	for _, m := range msgs {
		fmt.Fprintln(cmd.stderr, m)
	}
	return fmt.Errorf("nothing imported: %d problem(s)", len(msgs))
}

func auditVerify(cmd command) error {
	a, err := openMigrated(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := audit.Verify(cmd.ctx, a.DB, a.Key.VerifierKey())
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.stdout, "Audit log OK: %d entries, root %s\n", res.Records, res.Root)
	n, err := attest.Verify(cmd.ctx, a.DB, a.Key.Public)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.stdout, "Signatures OK: %d\n", n)
	return nil
}

func assign(cmd command) error {
	a, err := openMigrated(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	total, err := people.Count(cmd.ctx, a.DB)
	if err != nil {
		return err
	}
	bar := cmd.progress(total, "assigning")
	res, err := training.Schedule(cmd.ctx, a.DB, a.Audit, a.Catalog, a.Now(), func(n int) { bar.Set(n) })
	bar.Finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.stdout, "Checked %d people: %d new assignments.\n", res.People, res.Total())
	for _, c := range a.Catalog.Courses {
		if n := res.Created[c.Slug]; n > 0 {
			fmt.Fprintf(cmd.stdout, "  %-28s %d\n", c.Slug, n)
		}
	}
	return nil
}

// coursesCheck validates the built-in content with DIR (or CUSTOS_CONTENT_DIR) laid over it,
// exactly as serve would load it, and prints every problem with its file and line.
func coursesCheck(cmd command, args []string) error {
	cfg, err := config.Load(cmd.getenv)
	if err != nil {
		return err
	}
	if len(args) == 1 {
		cfg.ContentDir = args[0]
	}
	cat, err := app.LoadCatalog(cfg)
	if err != nil {
		lines := strings.Split(err.Error(), "\n")
		for _, l := range lines[1:] {
			fmt.Fprintln(cmd.stderr, l)
		}
		return fmt.Errorf("%s: %d problem(s)", strings.TrimSuffix(lines[0], ":"), len(lines)-1)
	}
	for _, c := range cat.Courses {
		fmt.Fprintf(cmd.stdout, "%-28s %d lessons, version %s\n", c.Slug, len(c.Lessons), c.Version[:12])
	}
	fmt.Fprintf(cmd.stdout, "Content OK: %d courses, %d quiz banks, %d undertakings.\n", len(cat.Courses), len(cat.Banks), len(cat.Undertakings))
	return nil
}

func tokenCreate(cmd command, args []string) error {
	var email, name string
	fs, err := flags("token create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the token owner's e-mail address (required)")
		fs.StringVar(&name, "name", "", "what the token is for")
	})
	if err != nil {
		return err
	}
	if email == "" || fs.NArg() > 0 {
		return usageErr("token create: --email is required")
	}
	a, err := openMigrated(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	var secret string
	err = a.DB.RunInTx(cmd.ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		p, err := people.ByEmail(ctx, tx, email)
		if err != nil || !p.Current(a.Now()) {
			return fmt.Errorf("%s is not a current person in Custos", email)
		}
		t, s, err := api.CreateToken(ctx, tx, p.ID, name, a.Now())
		if err != nil {
			return err
		}
		secret = s
		return a.Audit.Append(ctx, tx, audit.Entry{At: a.Now(), Actor: "cli", Action: "token.create",
			Subject: fmt.Sprintf("token:%d", t.ID), Details: map[string]string{"owner": p.Email, "name": t.Name, "prefix": t.Prefix}})
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.stdout, secret)
	return nil
}

// evidenceVerify checks a bundle offline: no configuration, no database.
func evidenceVerify(cmd command, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open bundle: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open bundle: %w", err)
	}
	sum, err := evidence.Verify(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s does not verify: %w", path, err)
	}
	m := sum.Manifest
	fmt.Fprintf(cmd.stdout, "Bundle OK: %d files, %d certificates, %d signatures, %d quiz attempts, %d audit entries proven.\n",
		len(m.Files), m.Certificates, m.Signatures, m.QuizAttempts, m.AuditEntries)
	fmt.Fprintf(cmd.stdout, "%s, %s to %s. Signed by the key with fingerprint\n  %s\n", m.Org, m.From, m.To, sum.KeyFingerprint)
	fmt.Fprintln(cmd.stdout, "Compare it with the fingerprint your organisation publishes at /.well-known/custos-signing-key.")
	return nil
}

// progress is a progress bar on standard error when that is a terminal. Redrawn at most ten
// times a second; shown nowhere else, where every redraw would be a line in a log.
func (cmd command) progress(total int, what string) *progressbar.ProgressBar {
	f, ok := cmd.stderr.(*os.File)
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(cmd.stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetVisibility(ok && term.IsTerminal(int(f.Fd()))))
}
