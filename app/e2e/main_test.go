package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser is started once, on first use, and shared by every test: each journey works in a
// tab of its own browser context, so cookies and downloads never cross between journeys.
var chrome struct {
	once    sync.Once
	ctx     context.Context // a chromedp context whose browser is running
	missing string          // why there is no browser to start, when there is none
	broken  string          // why the browser found would not start
	stop    func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chrome.stop != nil {
		chrome.stop()
	}
	if demoFiles.dir != "" {
		os.RemoveAll(demoFiles.dir)
	}
	os.Exit(code)
}

// missingTool skips the test with why, or fails it when CUSTOS_REQUIRE_TOOLS=1: CI must prove the
// journeys, never pass by skipping them.
func missingTool(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CUSTOS_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s (CUSTOS_REQUIRE_TOOLS=1)", why)
	}
	t.Skip(why)
}

// chromiumPath finds the browser: CUSTOS_CHROMIUM, else Debian's chromium or a Chrome on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("CUSTOS_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH (Debian: apt-get install chromium; or set CUSTOS_CHROMIUM)")
}

// browserContext returns the shared browser, starting it on first use.
func browserContext(t testing.TB) context.Context {
	t.Helper()
	chrome.once.Do(startBrowser)
	if chrome.broken != "" {
		t.Fatal(chrome.broken) // a browser that is there must work
	}
	if chrome.ctx == nil {
		missingTool(t, "end-to-end journeys need a browser: "+chrome.missing)
	}
	return chrome.ctx
}

func startBrowser() {
	path, err := chromiumPath()
	if err != nil {
		chrome.missing = err.Error()
		return
	}
	profile, err := os.MkdirTemp("", "custos-e2e-chromium-")
	if err != nil {
		chrome.broken = err.Error()
		return
	}
	// Headless, and nothing that reaches for the network on its own: on a closed network the
	// background fetches stall start-up.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("lang", "en-US"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	chrome.stop = func() {
		cancel()
		cancelAlloc()
		os.RemoveAll(profile)
	}
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err = <-started:
	case <-time.After(60 * time.Second):
		err = errors.New("did not start within a minute")
	}
	if err != nil {
		chrome.broken = fmt.Sprintf("%s would not start: %v", path, err)
		chrome.stop()
		chrome.stop = nil
		return
	}
	chrome.ctx = ctx
}
