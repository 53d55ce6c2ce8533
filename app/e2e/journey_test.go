package e2e

import (
	"github.com/chromedp/chromedp"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// languages are the ones Custos speaks; every journey runs once in each, on a site of its own,
// and asserts on what a person reading that language sees. The verdicts of the public
// verification page are written out here, not looked up, so a page in the wrong language fails.
// The Chinese journeys run on a phone-sized screen 320 CSS pixels wide, the width at which WCAG
// 1.4.10 wants content to reflow without scrolling sideways; the English ones on a desktop.
var languages = []struct {
	code           string
	valid, revoked string
	width, height  int64 // of the viewport; 0 keeps the browser's window
}{
	{"en", "Valid", "Revoked", 0, 0},
	{"zh-Hans", "有效", "已吊销", 320, 720},
}

// eachLanguage runs journey once per language, each on a new site with the demo company. The
// languages run side by side: their sites, tabs and cookies are apart, and the browser and the
// server spend much of a step waiting on each other.
func eachLanguage(t *testing.T, journey func(t *testing.T, s *site, lang string)) {
	for _, l := range languages {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			browserContext(t) // skip before loading a site when there is no browser
			journey(t, newSite(t), l.code)
		})
	}
}

// verdicts returns the expected verification verdicts in lang.
func verdicts(lang string) (valid, revoked string) {
	for _, l := range languages {
		if l.code == lang {
			return l.valid, l.revoked
		}
	}
	panic("no language " + lang)
}

// viewport returns the screen size the journeys in lang use (0, 0: the browser's window).
func viewport(lang string) (width, height int64) {
	for _, l := range languages {
		if l.code == lang {
			return l.width, l.height
		}
	}
	return 0, 0
}

// chooseLanguage picks the tab's language with the header's language links; the choice is
// remembered over the person's own setting.
func (b *tab) chooseLanguage() {
	b.t.Helper()
	b.click(`nav.lang a[hreflang="` + b.lang + `"]`)
	if got := eval[string](b, `document.documentElement.lang`); got != b.lang {
		b.t.Fatalf("%s: the page is in %q after choosing %q", b.path(), got, b.lang)
	}
}

// signIn opens the sign-in page, picks the tab's language and signs in.
func (b *tab) signIn(email, password string) {
	b.t.Helper()
	b.visit("/login")
	b.chooseLanguage()
	b.signInHere(email, password)
}

// signInHere signs in on the sign-in page shown with the keyboard alone: the first Tab reaches
// the skip link, Enter on it jumps to the form, then the address, Tab, the password and Enter.
func (b *tab) signInHere(email, password string) {
	b.t.Helper()
	b.see(b.T("login_title"))
	b.do("press Tab", chromedp.KeyEvent(kb.Tab))
	if got := b.focused(); got != "a.skip" {
		b.t.Errorf("the first Tab on the sign-in page reaches %q, not the skip link", got)
	}
	b.do("press Enter on the skip link", chromedp.KeyEvent(kb.Enter))
	b.tabTo("#email")
	b.typeKeys(email)
	b.tabTo("#password")
	b.typeKeys(password)
	b.pressToLoad(kb.Enter)
	if p := b.path(); p != "/" {
		b.t.Fatalf("signing in as %s lands on %s, not my training", email, p)
	}
}
