package e2e

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// axe-core comes from the npm registry, outside the repository: CUSTOS_AXE_JS names its
// axe.min.js. It is injected into every document a journey's tab loads.
var axe struct {
	once   sync.Once
	source string
	err    error
}

// axeSource returns axe-core's script, or "" (with a note in the log) when there is none: the
// journeys still run, without accessibility checks, unless CUSTOS_REQUIRE_TOOLS=1.
func axeSource(t testing.TB) string {
	t.Helper()
	axe.once.Do(func() {
		path := os.Getenv("CUSTOS_AXE_JS")
		if path == "" {
			axe.err = fmt.Errorf("CUSTOS_AXE_JS is not set (npm install --prefix /tmp/axe axe-core@4; " +
				"CUSTOS_AXE_JS=/tmp/axe/node_modules/axe-core/axe.min.js)")
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			axe.err = fmt.Errorf("CUSTOS_AXE_JS: %w", err)
			return
		}
		axe.source = string(data)
	})
	if axe.err != nil {
		if os.Getenv("CUSTOS_REQUIRE_TOOLS") == "1" {
			t.Fatalf("accessibility checks need axe-core: %v (CUSTOS_REQUIRE_TOOLS=1)", axe.err)
		}
		t.Logf("NOT CHECKED for accessibility: %v", axe.err)
	}
	return axe.source
}

func TestAxeCoreIsAvailable(t *testing.T) {
	if axeSource(t) == "" {
		missingTool(t, "accessibility checks need axe-core: "+axe.err.Error())
	}
}

// violation is one axe-core rule a page breaks, with the elements that break it.
type violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeRun runs every WCAG 2.0/2.1 A and AA rule and axe's best practices on the document.
const axeRun = `(async () => {
	if (!window.axe) return null;
	const r = await axe.run(document, {resultTypes: ["violations"]});
	return r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "), html: n.html.slice(0, 300), summary: n.failureSummary || ""}))}));
})()`

// checkAccessibility fails the test on a serious or critical violation on the page shown, and
// logs the lesser ones once per rule.
func (b *tab) checkAccessibility() {
	b.t.Helper()
	if axe.source == "" {
		return
	}
	found := eval[*[]violation](b, axeRun)
	if found == nil {
		b.t.Errorf("%s: axe-core was not injected", b.path())
		return
	}
	for _, v := range *found {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprintf("      %s\n        %s\n        %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n        ")))
		}
		msg := fmt.Sprintf("%s: accessibility %s [%s] %s (%s)\n%s", b.path(), v.Impact, v.ID, v.Help, v.URL, strings.Join(nodes, "\n"))
		switch v.Impact {
		case "serious", "critical":
			b.t.Error(msg)
		default:
			if _, seen := lesser.LoadOrStore(v.ID, true); !seen {
				b.t.Log(msg)
			}
		}
	}
}

// lesser remembers the moderate and minor rules already logged, so each is printed once a run.
var lesser sync.Map
