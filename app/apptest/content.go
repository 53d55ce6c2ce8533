package apptest

import (
	"os"
	"path/filepath"
	"testing"
)

// QuickCourseDir returns a CUSTOS_CONTENT_DIR holding "quick": one lesson in both languages, no
// minimum reading time, no quiz and no undertaking, so reading the lesson completes the course
// and issues its certificate.
func QuickCourseDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"courses/quick/course.toml": `title = { en = "Quick course", zh-Hans = "快速课程" }
summary = { en = "One lesson.", zh-Hans = "一课。" }
recurrence = "P12M"
window_days = 10
scope = { departments = [], roles = [] }
controls = ["ISO27001-A.6.3"]

[[lesson]]
file = "01-only"
`,
		"courses/quick/lessons/01-only.en.md":      "# The only lesson\n\nRead *carefully*.\n",
		"courses/quick/lessons/01-only.zh-Hans.md": "# 唯一的一课\n\n请认真阅读。\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
