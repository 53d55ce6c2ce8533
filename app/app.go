// Package app wires Custos together: configuration, database, signing key, translations and the
// web server with every domain's routes. cmd/custos builds one App and runs it.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/uptrace/bun"

	"custos/app/admin"
	"custos/app/api"
	"custos/app/attest"
	"custos/app/audit"
	"custos/app/auth"
	"custos/app/certs"
	"custos/app/config"
	"custos/app/db"
	"custos/app/evidence"
	"custos/app/notify"
	"custos/app/people"
	"custos/app/quiz"
	"custos/app/reports"
	"custos/app/server"
	"custos/app/signing"
	"custos/app/training"
	"custos/certificates"
	"custos/courses"
	"custos/locales"
)

// App is one running Custos: what every command and the server need.
type App struct {
	Config  config.Config
	DB      *bun.DB
	Log     *slog.Logger
	I18n    *locales.Bundle
	Key     *signing.Key
	Audit   *audit.Log
	Now     func() time.Time
	Catalog *courses.Catalog
	// Renderer lays out PDFs; it parses its fonts once, so there is one per process.
	Renderer *certificates.Renderer
}

// Open checks the data dir, loads the signing key and translations and connects to the
// database. Errors name the setting at fault.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := checkWritable(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("CUSTOS_DATA_DIR: %w", err)
	}
	key, err := signing.LoadOrCreate(cfg.SigningKeyFile)
	if err != nil {
		return nil, fmt.Errorf("CUSTOS_SIGNING_KEY_FILE: %w", err)
	}
	bundle, err := locales.New()
	if err != nil {
		return nil, err
	}
	catalog, err := LoadCatalog(cfg)
	if err != nil {
		return nil, err
	}
	renderer, err := certificates.NewRenderer()
	if err != nil {
		return nil, err
	}
	database, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("CUSTOS_DATABASE_URL: %w", err)
	}
	return &App{
		Config: cfg, DB: database, Log: log, I18n: bundle, Key: key, Audit: audit.New(key), Catalog: catalog,
		Renderer: renderer,
		// Microseconds: what both databases keep, so a time read back equals the one written.
		Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}, nil
}

// LoadCatalog loads the built-in courses and those of CUSTOS_CONTENT_DIR; invalid content stops
// Custos with every problem named by file and line, never a half-loaded catalogue.
func LoadCatalog(cfg config.Config) (*courses.Catalog, error) {
	sources := []fs.FS{courses.Builtin()}
	if cfg.ContentDir != "" {
		if st, err := os.Stat(cfg.ContentDir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("CUSTOS_CONTENT_DIR: %s is not a folder", cfg.ContentDir)
		}
		sources = append(sources, os.DirFS(cfg.ContentDir))
	}
	cat, err := courses.Load(sources...)
	if err != nil {
		return nil, fmt.Errorf("course content is invalid:\n%w", err)
	}
	return cat, nil
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// checkWritable makes sure the data dir exists and takes files, so a mistake shows at start-up
// rather than at the first certificate.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("%s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(filepath.Clean(name))
}

// Server builds the web server with every route.
func (a *App) Server() (*server.Server, error) {
	s, err := server.New(a.Config, a.DB, a.Log, a.I18n, a.Now, a.Audit, people.MaxImportBytes+1<<20)
	if err != nil {
		return nil, err
	}
	signIn := auth.New(s)
	s.Fiber.Use(signIn.Load, signIn.CheckCSRF)
	signIn.Routes(s.Fiber)
	th := training.New(s, a.Catalog, training.Parts{Quiz: quiz.Part, Signature: attest.Part})
	issuer := &certs.Issuer{Renderer: a.Renderer, I18n: a.I18n, Audit: a.Audit, Org: a.Config.OrgName,
		BaseURL: a.Config.BaseURL, Score: quiz.PassingScore}
	th.OnComplete = issuer.Issue
	th.CertificateSerials = certs.SerialsFor
	th.Routes()
	quiz.Routes(s, a.Catalog, th)
	attest.Routes(s, th, a.Key, a.Renderer)
	certs.Routes(s, a.Catalog)
	apiHandler := api.Routes(s, a.Catalog)
	apiHandler.AdminRoutes()
	evidence.Routes(s, apiHandler.Group(), a.Catalog, a.Key, a.Renderer)
	notify.Routes(s, a.Catalog)
	admin.Routes(s)
	reports.Routes(s, a.Catalog, a.Renderer)
	s.Finish()
	return s, nil
}

// Housekeeping runs periodic chores until ctx ends. Every chore is safe to run on several
// instances at once.
func (a *App) Housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := auth.Purge(ctx, a.DB, a.Now(), a.Config.SessionIdle); err != nil {
			a.Log.Warn("purge sessions", "err", err)
		} else if n > 0 {
			a.Log.Info("purged expired sessions", "count", n)
		}
		a.scheduleOnce(ctx)
		notify.NewPlanner(a.Notify()).Tick(ctx)
		a.witnessAudit(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Notify is what the reminder planner, sender and pages need from the App.
func (a *App) Notify() notify.Deps {
	return notify.Deps{DB: a.DB, Audit: a.Audit, I18n: a.I18n, Catalog: a.Catalog, Config: a.Config, Log: a.Log, Now: a.Now}
}

// witnessAudit writes the newest signed audit checkpoint to the log. A checkpoint kept only in
// the database could be rolled back with it; copies in the logs (and in every evidence bundle)
// let a later check notice entries that were removed from the end.
func (a *App) witnessAudit(ctx context.Context) {
	head, err := audit.LatestHead(ctx, a.DB)
	if err != nil {
		a.Log.Warn("audit checkpoint", "err", err)
		return
	}
	a.Log.Info("audit checkpoint", "size", head.Size, "root", head.Root.String())
}

// scheduleOnce runs the assignment scheduler unless another instance is running it.
func (a *App) scheduleOnce(ctx context.Context) {
	release, ok, err := db.TryLock(ctx, a.DB, "schedule", a.Now(), time.Hour)
	if err != nil || !ok {
		if err != nil {
			a.Log.Warn("scheduler lock", "err", err)
		}
		return
	}
	defer release()
	res, err := training.Schedule(ctx, a.DB, a.Audit, a.Catalog, a.Now(), nil)
	if err != nil {
		a.Log.Error("scheduler", "err", err)
		return
	}
	if n := res.Total(); n > 0 {
		a.Log.Info("scheduler assigned training", "assignments", n, "people", res.People)
	}
}
