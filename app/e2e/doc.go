// Package e2e walks Custos's journeys in a real browser: Debian's chromium, driven by chromedp,
// against the whole app served on a loopback port with the demo company on SQLite. It holds
// only tests:
//
//   - an employee reads every lesson, fails the quiz, passes it after the cool-down, signs the
//     undertaking, downloads her certificate and checks it on the public verification page;
//   - a manager filters the team page, downloads a CSV report and reminds someone overdue;
//   - an auditor downloads an evidence bundle that evidence.Verify accepts;
//   - an admin imports people from a CSV file and revokes a certificate.
//
// Each journey runs in English on a desktop-sized window and in Chinese on a phone-sized one
// (320 CSS pixels, where pages must reflow without scrolling sideways). Every page a journey
// lands on is checked with axe-core, and a serious or critical violation fails the test.
// Signing in and signing the undertaking are done with the keyboard alone.
//
// Run it with the path of axe-core's axe.min.js, from the npm registry, in CUSTOS_AXE_JS:
//
//	npm install --prefix /tmp/axe axe-core@4
//	CUSTOS_AXE_JS=/tmp/axe/node_modules/axe-core/axe.min.js go test ./app/e2e/
//
// Without chromium the journeys skip, and without axe-core they run unchecked, each saying so,
// unless CUSTOS_REQUIRE_TOOLS=1 (as in CI), which turns a missing tool into a failure.
// CUSTOS_CHROMIUM names another browser binary. When a test fails, the HTML and a screenshot
// of every page its tabs visited are written under artifacts/e2e/<test>/.
package e2e
