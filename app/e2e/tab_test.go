package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"custos/locales"
)

// stepTimeout bounds one browser step; a page that never loads fails the step, not the run.
const stepTimeout = 60 * time.Second

// tab is one person's browser tab, in a browser context of its own (its own cookies), speaking
// one language. Every page it lands on is checked with axe-core and its DOM kept, so that when
// the test fails each page can be written out with a screenshot.
type tab struct {
	t         *testing.T
	ctx       context.Context
	site      *site
	who       string // names the tab's files among the test's artifacts
	lang      string
	l         *locales.Localizer
	downloads string
	narrow    bool // a phone-sized screen, on which pages must reflow
	pages     []visited
}

// visited is a page as the tab showed it.
type visited struct {
	name, html string
}

// open starts a tab on s in a fresh browser context: signed out, no cookies.
func (s *site) open(t *testing.T, lang, who string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserContext(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	b := &tab{t: t, ctx: ctx, site: s, who: who, lang: lang, l: s.T(lang), downloads: t.TempDir()}
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		DownloadPath: b.downloads, EventsEnabled: new(true),
	})
	if err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	if w, h := viewport(lang); w > 0 {
		b.narrow = true
		b.do("size the screen", chromedp.EmulateViewport(w, h))
	}
	if src := axeSource(t); src != "" {
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	t.Cleanup(b.saveOnFailure) // runs before the tab closes and the site stops
	return b
}

// do runs browser steps within stepTimeout and fails the test on error.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page (awaiting a promise) into a T.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.60q: %v", expr, err)
	}
	return v
}

// load runs steps that make the tab load a page, waits for it, requires a 200 and checks the
// page it landed on.
func (b *tab) load(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil || resp.Status != 200 {
		b.landed()
		status := int64(0)
		if resp != nil {
			status = resp.Status
		}
		b.t.Fatalf("%s: status %d at %s", what, status, b.path())
	}
	b.landed()
}

// visit opens path on the site.
func (b *tab) visit(path string) {
	b.t.Helper()
	b.load("open "+path, chromedp.Navigate(b.site.base+path))
}

// click clicks the element and waits for the page it leads to.
func (b *tab) click(sel string) {
	b.t.Helper()
	b.load("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// path is the path and query of the page shown.
func (b *tab) path() string {
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return strings.TrimPrefix(loc, b.site.base)
}

// landed records the page just loaded and checks its accessibility.
func (b *tab) landed() {
	b.t.Helper()
	name := fmt.Sprintf("%s-%02d-%s", b.who, len(b.pages)+1, slug(b.path()))
	b.pages = append(b.pages, visited{name, "<!doctype html>\n" + eval[string](b, `document.documentElement.outerHTML`)})
	b.checkAccessibility()
	if b.narrow {
		b.checkReflow()
	}
}

// overflowing lists (at most five of) the elements that make the page wider than the screen;
// tables may scroll inside their own keyboard-reachable region.
const overflowing = `(() => {
	const w = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth <= w) return null;
	return [...document.body.querySelectorAll("*")]
		.filter(e => !e.closest(".table-wrap, pre") && e.getBoundingClientRect().right > w + 1)
		.slice(0, 5).map(e => e.outerHTML.slice(0, 160));
})()`

// checkReflow fails the test when the page scrolls sideways on a narrow screen (WCAG 1.4.10).
func (b *tab) checkReflow() {
	b.t.Helper()
	if wide := eval[*[]string](b, overflowing); wide != nil {
		b.t.Errorf("%s does not reflow: it is wider than the screen because of\n  %s", b.path(), strings.Join(*wide, "\n  "))
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func slug(s string) string {
	s = strings.Trim(unsafeName.ReplaceAllString(s, "_"), "_")
	if s == "" {
		s = "root"
	}
	return s[:min(len(s), 80)]
}

// cleaned lists the artifact folders emptied in this run, so the tabs of one test add to the
// folder and a rerun does not mix with the files of an earlier one.
var cleaned sync.Map

// saveOnFailure writes, under artifacts/e2e/<test>/ at the repository's root, a screenshot of
// the page as it is now and, for every page the tab visited, its HTML and a screenshot. Those
// are rendered again from the kept DOM only now, so a passing run spends nothing on them.
func (b *tab) saveOnFailure() {
	if !b.t.Failed() {
		return
	}
	root, err := repoRoot()
	if err != nil {
		b.t.Logf("screenshots not saved: %v", err)
		return
	}
	dir := filepath.Join(root, "artifacts", "e2e", slug(b.t.Name()))
	if _, done := cleaned.LoadOrStore(dir, true); !done {
		os.RemoveAll(dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshots not saved: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.t.Logf("artifact %s: %v", name, err)
		}
	}
	if img, err := chromedp.Run(ctx, chromedp.FullScreenshot(shotQuality)); err == nil {
		write(fmt.Sprintf("%s-%02d-at-failure-%s.jpg", b.who, len(b.pages)+1, slug(b.path())), img)
	}
	// The pages are drawn again on the site's origin, so their style sheet loads as it did.
	if err := chromedp.Do(ctx, chromedp.Navigate(b.site.base+"/healthz")); err != nil {
		b.t.Logf("screenshots not drawn: %v", err)
	}
	for _, p := range b.pages {
		write(p.name+".html", []byte(p.html))
		img, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
			tree, err := cdp.Call(ctx, t, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return nil, err
			}
			_, err = cdp.Call(ctx, t, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: p.html})
			if err != nil {
				return nil, err
			}
			for range 50 { // until the style sheet has loaded
				if ok, err := chromedp.Evaluate[bool](styled)(ctx, t); err != nil || ok {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			return chromedp.FullScreenshot(shotQuality)(ctx, t)
		})
		if err != nil {
			b.t.Logf("screenshot of %s: %v", p.name, err)
			continue
		}
		write(p.name+".jpg", img)
	}
	b.t.Logf("the %s tab's %d pages, as HTML and screenshots: %s", b.who, len(b.pages), dir)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// see requires every text to be visible on the page (in its rendered text, not its markup).
func (b *tab) see(texts ...string) {
	b.t.Helper()
	body := eval[string](b, `document.body.innerText`)
	for _, s := range texts {
		if !strings.Contains(body, s) {
			b.t.Errorf("%s does not show %q", b.path(), s)
		}
	}
}

// notSee requires none of the texts to be visible on the page.
func (b *tab) notSee(texts ...string) {
	b.t.Helper()
	body := eval[string](b, `document.body.innerText`)
	for _, s := range texts {
		if strings.Contains(body, s) {
			b.t.Errorf("%s shows %q", b.path(), s)
		}
	}
}

// text is the rendered text of the first element matching sel.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return eval[string](b, `(document.querySelector(`+jsString(sel)+`) || {innerText: ""}).innerText`)
}

// T translates a message into the tab's language.
func (b *tab) T(id string, args ...any) string { return b.l.T(id, args...) }

func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// The keyboard: a person who uses no mouse moves with Tab, ticks with Space and submits with
// Enter. Only key events reach the page; the test merely looks at where the focus is.

// tabTo presses Tab until the element matching sel has the focus, and requires the focus to be
// visible there.
func (b *tab) tabTo(sel string) {
	b.t.Helper()
	for range 40 {
		if eval[bool](b, `!!document.activeElement && document.activeElement.matches(`+jsString(sel)+`)`) {
			if style := eval[string](b, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
				b.t.Errorf("%s: the focus on %s is not visible (outline-style none)", b.path(), sel)
			}
			return
		}
		b.do("press Tab", chromedp.KeyEvent(kb.Tab))
	}
	b.t.Fatalf("%s: 40 presses of Tab never reached %s", b.path(), sel)
}

// focused describes the element that has the focus.
func (b *tab) focused() string {
	return eval[string](b, `(e => e ? e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "") : "")(document.activeElement)`)
}

// typeKeys types text as key presses into whatever has the focus.
func (b *tab) typeKeys(text string) {
	b.t.Helper()
	b.do("type", chromedp.KeyEvent(text))
}

// pressToLoad presses keys that submit a form or follow a link, and waits for the new page.
func (b *tab) pressToLoad(keys string) {
	b.t.Helper()
	b.load("press "+strings.ReplaceAll(keys, "\r", "Enter"), chromedp.KeyEvent(keys))
}

// download clicks what starts a download (a link or a form button) and returns the file the
// browser saved and the name the server suggested.
func (b *tab) download(sel string) (name string, data []byte) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	begun := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	var guid string
	for ev, err := range begun {
		if err != nil {
			b.t.Fatalf("%s started no download: %v", sel, err)
		}
		if strings.HasPrefix(ev.URL, b.site.base+"/") { // not another journey's download
			guid, name = ev.GUID, ev.SuggestedFilename
			break
		}
	}
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("download of %s did not finish: %v", name, err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			b.t.Fatalf("download of %s was canceled", name)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	data, err := os.ReadFile(filepath.Join(b.downloads, guid))
	if err != nil {
		b.t.Fatalf("downloaded %s: %v", name, err)
	}
	return name, data
}

// shotQuality is the JPEG quality of the screenshots saved.
const shotQuality = 80

// styled is true when every style sheet the page links to has loaded.
const styled = `[...document.querySelectorAll('link[rel=stylesheet]')].every(l => l.sheet)`
